//! Assessment: one outlet against the rulebook, as of a date.
//!
//! Each rule's condition is evaluated in three-valued logic: it holds, it fails, or the inventory
//! does not say (a blank that could have made it hold). Grades are cumulative: an outlet reaches
//! grade g when every required rule of grade 4 down to g holds; advisory rules never block.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::inventory::{Outlet, Value};
use crate::rulebook::{Condition, RuleKind, Rulebook};
use crate::waiver::Waivers;

/// The truth of a condition for one outlet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// The known values do not satisfy it, and a blank cell could have.
    Unknown,
}

/// A rule's outcome for one outlet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Fails because the outlet lacks the thing (不满足).
    Lacking,
    /// Fails because the inventory does not say (未填报).
    Missing,
    /// The rule does not apply to the outlet's type.
    NotApplicable,
    /// The rule fails but an approved waiver counts it as passed.
    Waived,
}

impl Outcome {
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Lacking | Outcome::Missing)
    }

    pub fn key(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Lacking => "lacking",
            Outcome::Missing => "missing",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Waived => "waived",
        }
    }
}

/// Where an outlet stands against the minimum for its type and its own claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Meets,
    BelowMinimum,
    Overclaimed,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Meets => "meets",
            Status::BelowMinimum => "below_minimum",
            Status::Overclaimed => "overclaimed",
        }
    }
}

/// One outlet's assessment.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Assessment {
    /// Each rule's outcome, by rule index.
    pub outcomes: Vec<Outcome>,
    /// The best grade reached; `None` when not even grade 4 is (未达四级).
    pub assessed: Option<u8>,
    /// The minimum grade for its type (for a partner outlet, its reference type's).
    pub minimum: u8,
    pub status: Status,
    /// The next grade up, `None` for a grade-1 outlet.
    pub next: Option<u8>,
    /// Required rules that fail at the next grade.
    pub required_gaps: usize,
}

/// What [`Evaluator::brief`] tells of an outlet: its [`Assessment`] without each rule's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Brief {
    pub assessed: Option<u8>,
    pub minimum: u8,
    pub status: Status,
    pub next: Option<u8>,
    /// Required rules that fail at the next grade.
    pub required_gaps: usize,
    /// Rules a waiver turned from failing to waived.
    pub waived: u64,
}

/// An outlet's grade and status, and the rules a waiver turned from failing to waived: what
/// `summary` counts, found by [`Evaluator::standing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub assessed: Option<u8>,
    pub status: Status,
    pub waived: u64,
}

impl Brief {
    pub fn standing(&self) -> Standing {
        Standing {
            assessed: self.assessed,
            status: self.status,
            waived: self.waived,
        }
    }
}

impl Assessment {
    /// The assessment without each rule's outcome.
    pub fn brief(&self) -> Brief {
        Brief {
            assessed: self.assessed,
            minimum: self.minimum,
            status: self.status,
            next: self.next,
            required_gaps: self.required_gaps,
            waived: self
                .outcomes
                .iter()
                .filter(|o| **o == Outcome::Waived)
                .count() as u64,
        }
    }
}

/// The grade above `assessed`: 4 for an ungraded outlet, none for a grade-1 one.
fn next_grade(assessed: Option<u8>) -> Option<u8> {
    match assessed {
        None => Some(4),
        Some(1) => None,
        Some(g) => Some(g - 1),
    }
}

/// Whether a rule of `grade` stands between an outlet of rank `from` ([`rank`]) and `target`.
fn on_the_way(grade: u8, from: u8, target: u8) -> bool {
    grade < from && grade >= target
}

/// Ranks a grade for comparison: 1 best, ungraded (5) worst.
pub fn rank(grade: Option<u8>) -> u8 {
    grade.unwrap_or(5)
}

/// Assesses outlets against one rulebook as of one date.
pub struct Evaluator<'b> {
    pub book: &'b Rulebook,
    pub as_of: Date,
    /// Each rule, ready to check: in rule order.
    rules: Vec<RuleCheck<'b>>,
    /// The `within_days` windows as of this date.
    cutoffs: Cutoffs,
    /// The required rules of each grade (1-4), by index.
    required: [Vec<usize>; 5],
    waivers: Option<&'b Waivers>,
}

impl<'b> Evaluator<'b> {
    pub fn new(book: &'b Rulebook, as_of: Date) -> Self {
        let rules = book
            .rules
            .iter()
            .map(|rule| RuleCheck {
                types: rule.applies_to.as_deref().map(TypeSet::new),
                required: rule.kind == RuleKind::Required,
                grade: usize::from(rule.grade),
                check: &rule.check,
            })
            .collect::<Vec<RuleCheck>>();
        let mut required: [Vec<usize>; 5] = Default::default();
        for (i, rule) in rules.iter().enumerate() {
            if let (true, Some(grade)) = (rule.required, required.get_mut(rule.grade)) {
                grade.push(i);
            }
        }
        Evaluator {
            book,
            as_of,
            rules,
            cutoffs: Cutoffs::new(book, as_of),
            required,
            waivers: None,
        }
    }

    /// The minimum grade of the outlet's type, and its status at `assessed`.
    fn minimum_and_status(&self, outlet: &Outlet, assessed: Option<u8>) -> (u8, Status) {
        let minimum = self.book.types[outlet.grading_type]
            .minimum_grade
            .unwrap_or(4);
        let status = if rank(assessed) > minimum {
            Status::BelowMinimum
        } else if outlet.claimed.is_some_and(|c| c < rank(assessed)) {
            Status::Overclaimed
        } else {
            Status::Meets
        };
        (minimum, status)
    }

    /// The outlet's [`Standing`], as [`Evaluator::brief`] finds it but stopping at the first
    /// required rule missed.
    pub fn standing(&self, outlet: &Outlet) -> Standing {
        if self.waived_for(outlet) {
            return self.assess(outlet).brief().standing();
        }
        let (assessed, _) = self.first_grade_missed(outlet, false);
        Standing {
            assessed,
            status: self.minimum_and_status(outlet, assessed).1,
            waived: 0,
        }
    }

    /// The outlet's [`Brief`], as [`Evaluator::assess`] finds it but checking only the required
    /// rules it needs: those of each grade from 4 up, to the first grade missed, whose required
    /// rules are all checked to count its gaps. (An outlet that a waiver names is assessed whole.)
    pub fn brief(&self, outlet: &Outlet) -> Brief {
        if self.waived_for(outlet) {
            return self.assess(outlet).brief();
        }
        let (assessed, required_gaps) = self.first_grade_missed(outlet, true);
        let (minimum, status) = self.minimum_and_status(outlet, assessed);
        Brief {
            assessed,
            minimum,
            status,
            next: next_grade(assessed),
            required_gaps,
            waived: 0,
        }
    }

    /// Whether a waiver names the outlet.
    fn waived_for(&self, outlet: &Outlet) -> bool {
        self.waivers
            .is_some_and(|w| !w.for_outlet(&outlet.id).is_empty())
    }

    /// The grade the outlet reaches by its required rules, checked grade by grade from 4 up,
    /// and how many of them fail at the first grade missed: all of them counted when `count`,
    /// else the checks stop at the first (and 1 is returned).
    fn first_grade_missed(&self, outlet: &Outlet, count: bool) -> (Option<u8>, usize) {
        let fails = |&&r: &&usize| {
            let rule = &self.rules[r];
            rule.applies(outlet) && self.cutoffs.truth(rule.check, outlet) != Truth::True
        };
        let mut assessed = None;
        for grade in [4u8, 3, 2, 1] {
            let mut required = self.required[usize::from(grade)].iter();
            let missed = if count {
                required.filter(fails).count()
            } else {
                usize::from(required.any(|r| fails(&r)))
            };
            if missed > 0 {
                return (assessed, missed);
            }
            assessed = Some(grade);
        }
        (assessed, 0)
    }

    /// Applies approved waivers: a waived rule that fails counts as passed.
    pub fn with_waivers(mut self, waivers: &'b Waivers) -> Self {
        self.waivers = Some(waivers);
        self
    }

    /// The outlet's assessment.
    pub fn assess(&self, outlet: &Outlet) -> Assessment {
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(self.rules.len());
        // The required rules failing at each grade 1-4, counted as the rules are checked.
        let mut failing = [0usize; 5];
        for rule in &self.rules {
            let outcome = rule.outcome(&self.cutoffs, outlet);
            if rule.required
                && outcome.failed()
                && let Some(n) = failing.get_mut(rule.grade)
            {
                *n += 1;
            }
            outcomes.push(outcome);
        }
        if let Some(waivers) = self.waivers {
            for &(r, _) in waivers.for_outlet(&outlet.id) {
                if outcomes[r].failed() {
                    outcomes[r] = Outcome::Waived;
                    let rule = &self.rules[r];
                    if rule.required
                        && let Some(n) = failing.get_mut(rule.grade)
                    {
                        *n -= 1;
                    }
                }
            }
        }
        let mut assessed = None;
        for grade in [4u8, 3, 2, 1] {
            if failing[usize::from(grade)] > 0 {
                break;
            }
            assessed = Some(grade);
        }
        let (minimum, status) = self.minimum_and_status(outlet, assessed);
        let next = next_grade(assessed);
        let required_gaps = next.map_or(0, |n| failing[usize::from(n)]);
        Assessment {
            outcomes,
            assessed,
            minimum,
            status,
            next,
            required_gaps,
        }
    }

    /// The outlet's [`Brief`] and the rules it fails on the way to `target` (the next grade when
    /// `None`), with their outcomes: what [`Evaluator::assess`] and [`Evaluator::gaps`] find,
    /// checking only the rules they need (those of [`Evaluator::brief`], then every rule of the
    /// grades on the way). (An outlet that a waiver names is assessed whole.)
    pub fn brief_gaps(
        &self,
        outlet: &Outlet,
        target: Option<u8>,
    ) -> (Brief, Vec<(usize, Outcome)>) {
        if self.waived_for(outlet) {
            let a = self.assess(outlet);
            let gaps = self.gaps(&a, target);
            return (
                a.brief(),
                gaps.into_iter().map(|i| (i, a.outcomes[i])).collect(),
            );
        }
        let brief = self.brief(outlet);
        let Some(target) = target.or(brief.next) else {
            return (brief, Vec::new());
        };
        let from = rank(brief.assessed);
        let gaps = (self.book.rules.iter().zip(&self.rules).enumerate())
            .filter(|(_, (r, _))| on_the_way(r.grade, from, target))
            .filter_map(|(i, (_, check))| {
                let outcome = check.outcome(&self.cutoffs, outlet);
                outcome.failed().then_some((i, outcome))
            })
            .collect();
        (brief, gaps)
    }

    /// The indices of the rules that fail on the way from the outlet's grade to `target` (the next
    /// grade when `None`), required and advisory, lowest grade first.
    pub fn gaps(&self, assessment: &Assessment, target: Option<u8>) -> Vec<usize> {
        let Some(target) = target.or(assessment.next) else {
            return Vec::new();
        };
        let from = rank(assessment.assessed);
        self.book
            .rules
            .iter()
            .enumerate()
            .filter(|(i, r)| on_the_way(r.grade, from, target) && assessment.outcomes[*i].failed())
            .map(|(i, _)| i)
            .collect()
    }

    /// The truth of a condition for an outlet.
    pub fn truth(&self, condition: &Condition, outlet: &Outlet) -> Truth {
        self.cutoffs.truth(condition, outlet)
    }
}

/// A rule, ready to check: its condition, and what it applies to.
#[derive(Clone, Debug)]
struct RuleCheck<'b> {
    /// The types it applies to; `None` for every type.
    types: Option<TypeSet>,
    required: bool,
    grade: usize,
    check: &'b Condition,
}

impl RuleCheck<'_> {
    /// Whether the rule applies to the outlet's type (the type it is graded as).
    fn applies(&self, outlet: &Outlet) -> bool {
        self.types
            .as_ref()
            .is_none_or(|types| types.contains(outlet.grading_type))
    }

    /// The rule's outcome for the outlet, waivers aside.
    fn outcome(&self, cutoffs: &Cutoffs, outlet: &Outlet) -> Outcome {
        if !self.applies(outlet) {
            return Outcome::NotApplicable;
        }
        match cutoffs.truth(self.check, outlet) {
            Truth::True => Outcome::Passed,
            Truth::False => Outcome::Lacking,
            Truth::Unknown => Outcome::Missing,
        }
    }
}

/// A set of small indices (rulebook types): a bit mask when every index is
/// below 128, the list otherwise.
#[derive(Clone, Debug)]
enum IndexSet<T> {
    Mask(u128),
    List(Vec<T>),
}

impl<T: Copy + PartialEq + Into<usize>> IndexSet<T> {
    fn new(indices: &[T]) -> IndexSet<T> {
        let mut mask = 0u128;
        for &i in indices {
            let i: usize = i.into();
            if i >= 128 {
                return IndexSet::List(indices.to_vec());
            }
            mask |= 1 << i;
        }
        IndexSet::Mask(mask)
    }

    fn contains(&self, index: T) -> bool {
        match self {
            IndexSet::Mask(mask) => {
                let i: usize = index.into();
                i < 128 && mask >> i & 1 == 1
            }
            IndexSet::List(indices) => indices.contains(&index),
        }
    }
}

/// The types a rule applies to.
type TypeSet = IndexSet<usize>;

/// The cutoff dates of the rulebook's `within_days` windows as of one date, made once rather
/// than for every outlet (the few distinct windows, looked up by their days).
#[derive(Clone, Debug)]
struct Cutoffs {
    as_of: Date,
    dates: Vec<(i64, Date)>,
}

impl Cutoffs {
    fn new(book: &Rulebook, as_of: Date) -> Cutoffs {
        fn windows(c: &Condition, out: &mut Vec<i64>) {
            match c {
                Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| windows(c, out)),
                Condition::Not(c) => windows(c, out),
                Condition::WithinDays { days, .. } if !out.contains(days) => out.push(*days),
                _ => {}
            }
        }
        let mut days = Vec::new();
        for rule in &book.rules {
            windows(&rule.check, &mut days);
        }
        let dates = days.into_iter().map(|d| (d, cutoff(as_of, d))).collect();
        Cutoffs { as_of, dates }
    }

    /// The first day inside a window of `days` days.
    #[inline]
    fn of(&self, days: i64) -> Date {
        match self.dates.iter().find(|(d, _)| *d == days) {
            Some(&(_, date)) => date,
            // A condition that is no rule's (an example's).
            None => cutoff(self.as_of, days),
        }
    }

    /// The truth of a condition for an outlet (the condition language's evaluation).
    fn truth(&self, c: &Condition, outlet: &Outlet) -> Truth {
        match c {
            Condition::All(cs) => {
                let mut unknown = false;
                for c in cs {
                    match self.truth(c, outlet) {
                        Truth::False => return Truth::False,
                        Truth::Unknown => unknown = true,
                        Truth::True => {}
                    }
                }
                if unknown { Truth::Unknown } else { Truth::True }
            }
            Condition::Any(cs) => {
                let mut unknown = false;
                for c in cs {
                    match self.truth(c, outlet) {
                        Truth::True => return Truth::True,
                        Truth::Unknown => unknown = true,
                        Truth::False => {}
                    }
                }
                if unknown {
                    Truth::Unknown
                } else {
                    Truth::False
                }
            }
            Condition::Not(c) => match self.truth(c, outlet) {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                Truth::Unknown => Truth::Unknown,
            },
            Condition::Compare { fields, op, value } => {
                let mut sum = 0.0;
                let mut missing = 0;
                for f in fields {
                    match outlet.value(*f) {
                        Value::Number(n) => sum += n,
                        _ => missing += 1,
                    }
                }
                if missing == fields.len() {
                    Truth::Unknown
                } else if op.holds(sum, *value) {
                    Truth::True
                } else if missing > 0 && op.could_grow_into(sum, *value) {
                    Truth::Unknown
                } else {
                    Truth::False
                }
            }
            Condition::Is { field, value } => match outlet.value(*field) {
                Value::Bool(b) => truth(b == value),
                _ => Truth::Unknown,
            },
            Condition::OneOf { field, items } => match outlet.value(*field) {
                Value::Item(i) => truth(items.contains(i)),
                _ => Truth::Unknown,
            },
            Condition::IncludesAll { field, items } => match outlet.value(*field) {
                Value::List(have) => truth(items.iter().all(|i| have.binary_search(i).is_ok())),
                _ => Truth::Unknown,
            },
            Condition::IncludesAny {
                field,
                items,
                count,
            } => match outlet.value(*field) {
                Value::List(have) => truth(
                    items
                        .iter()
                        .filter(|i| have.binary_search(i).is_ok())
                        .count()
                        >= *count,
                ),
                _ => Truth::Unknown,
            },
            Condition::WithinDays { field, days } => match outlet.value(*field) {
                Value::Date(d) => truth(*d >= self.of(*days)),
                _ => Truth::Unknown,
            },
        }
    }
}

/// The first day of a window of `days` days up to `as_of`.
fn cutoff(as_of: Date, days: i64) -> Date {
    as_of.checked_sub(days.days()).unwrap_or(Date::MIN)
}

fn truth(b: bool) -> Truth {
    if b { Truth::True } else { Truth::False }
}

#[cfg(test)]
mod tests {
    use super::TypeSet;

    #[test]
    fn type_sets_hold_their_types_alone() {
        let small = TypeSet::new(&[0, 3, 63, 127]);
        assert!(matches!(small, TypeSet::Mask(_)));
        let large = TypeSet::new(&[1, 128, 200]);
        assert!(matches!(large, TypeSet::List(_)));
        for t in 0..256 {
            assert_eq!(small.contains(t), [0, 3, 63, 127].contains(&t), "type {t}");
            assert_eq!(large.contains(t), [1, 128, 200].contains(&t), "type {t}");
        }
        assert!(!TypeSet::new(&[]).contains(0));
    }
}
