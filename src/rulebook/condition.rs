//! The condition language, compiled: field keys resolved to indices, vocabulary names to items.
//!
//! Evaluation lives in [`crate::eval`]; this module owns the shape and its compilation.

use super::raw::RawCondition;
use super::{FieldKind, Problems, Rulebook};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    AtLeast,
    MoreThan,
    AtMost,
    LessThan,
    Equals,
}

impl CmpOp {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            CmpOp::AtLeast => left >= right,
            CmpOp::MoreThan => left > right,
            CmpOp::AtMost => left <= right,
            CmpOp::LessThan => left < right,
            CmpOp::Equals => (left - right).abs() < 1e-9,
        }
    }

    /// Whether adding a non-negative value to `left` could make a failing comparison hold.
    pub fn could_grow_into(self, left: f64, right: f64) -> bool {
        match self {
            CmpOp::AtLeast | CmpOp::MoreThan => true,
            CmpOp::Equals => left < right,
            CmpOp::AtMost | CmpOp::LessThan => false,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            CmpOp::AtLeast => "at_least",
            CmpOp::MoreThan => "more_than",
            CmpOp::AtMost => "at_most",
            CmpOp::LessThan => "less_than",
            CmpOp::Equals => "equals",
        }
    }
}

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// The sum of one or more number or count fields compared with a number.
    Compare {
        fields: Vec<usize>,
        op: CmpOp,
        value: f64,
    },
    /// A yes/no field has the given value.
    Is {
        field: usize,
        value: bool,
    },
    /// An enum or type field holds one of the items.
    OneOf {
        field: usize,
        items: Vec<u16>,
    },
    /// A list field holds every item.
    IncludesAll {
        field: usize,
        items: Vec<u16>,
    },
    /// A list field holds at least `count` of the items.
    IncludesAny {
        field: usize,
        items: Vec<u16>,
        count: usize,
    },
    /// A date field is no more than `days` days before the as-of date.
    WithinDays {
        field: usize,
        days: i64,
    },
}

impl Condition {
    /// Every field the condition reads, in order of first use.
    pub fn fields(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    /// Whether the condition could hold for some outlet when only the fields `placed` says are
    /// in the inventory can hold values (the others are blank for every outlet). A blank never
    /// satisfies a condition (DOMAIN "Blank cells inside a combined rule"), so a rule that cannot
    /// pass here can only fail as missing for every outlet.
    pub fn can_pass(&self, placed: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.can_pass(placed)),
            Condition::Any(cs) => cs.iter().any(|c| c.can_pass(placed)),
            // A negation holds only of a known value: some field under it must be there.
            Condition::Not(c) => c.fields().into_iter().any(placed),
            Condition::Compare { fields, .. } => fields.iter().any(|f| placed(*f)),
            Condition::Is { field, .. }
            | Condition::OneOf { field, .. }
            | Condition::IncludesAll { field, .. }
            | Condition::IncludesAny { field, .. }
            | Condition::WithinDays { field, .. } => placed(*field),
        }
    }

    fn collect_fields(&self, out: &mut Vec<usize>) {
        let mut push = |f: usize| {
            if !out.contains(&f) {
                out.push(f);
            }
        };
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                for c in cs {
                    c.collect_fields(out);
                }
            }
            Condition::Not(c) => c.collect_fields(out),
            Condition::Compare { fields, .. } => fields.iter().for_each(|f| push(*f)),
            Condition::Is { field, .. }
            | Condition::OneOf { field, .. }
            | Condition::IncludesAll { field, .. }
            | Condition::IncludesAny { field, .. }
            | Condition::WithinDays { field, .. } => push(*field),
        }
    }
}

/// Compiles a raw condition against the fields and vocabularies of `book`, adding every problem
/// found to `problems` under `context` (the rule id).
pub(super) fn compile(
    raw: &RawCondition,
    book: &Rulebook,
    context: &str,
    problems: &mut Problems,
) -> Option<Condition> {
    let forms = [
        raw.all.is_some(),
        raw.any.is_some(),
        raw.not.is_some(),
        raw.field.is_some(),
        raw.sum.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if forms != 1 {
        problems.push(
            context,
            "a condition needs exactly one of `all`, `any`, `not`, `field` or `sum`".to_string(),
            None,
        );
        return None;
    }
    if let Some(list) = &raw.all {
        return compile_list(list, book, context, problems).map(Condition::All);
    }
    if let Some(list) = &raw.any {
        return compile_list(list, book, context, problems).map(Condition::Any);
    }
    if let Some(inner) = &raw.not {
        return compile(inner, book, context, problems).map(|c| Condition::Not(Box::new(c)));
    }
    let test = one_test(raw, context, problems)?;
    match &raw.sum {
        Some(names) => compile_sum(names, test, book, context, problems),
        None => compile_field(raw, test, book, context, problems),
    }
}

/// The conditions of an `all` or `any`, every one compiled (so that each reports its problems).
fn compile_list(
    list: &[RawCondition],
    book: &Rulebook,
    context: &str,
    problems: &mut Problems,
) -> Option<Vec<Condition>> {
    if list.is_empty() {
        problems.push(
            context,
            "`all`/`any` needs at least one condition".into(),
            None,
        );
    }
    let compiled: Vec<_> = list
        .iter()
        .filter_map(|c| compile(c, book, context, problems))
        .collect();
    (compiled.len() == list.len() && !list.is_empty()).then_some(compiled)
}

/// The one test of a `field` or `sum` condition, as far as the test decides how it compiles.
#[derive(Clone, Copy)]
enum Test {
    /// `at_least`, `more_than`, `at_most`, `less_than` or `equals`.
    Compare(CmpOp, f64),
    /// `is`, `one_of`, `includes_all`, `includes_any` or `within_days`.
    Other,
}

/// Checks that a `field` or `sum` condition has exactly one test (and `count` only with
/// `includes_any`).
fn one_test(raw: &RawCondition, context: &str, problems: &mut Problems) -> Option<Test> {
    let comparisons: Vec<(CmpOp, f64)> = [
        (CmpOp::AtLeast, raw.at_least),
        (CmpOp::MoreThan, raw.more_than),
        (CmpOp::AtMost, raw.at_most),
        (CmpOp::LessThan, raw.less_than),
        (CmpOp::Equals, raw.equals),
    ]
    .into_iter()
    .filter_map(|(op, v)| v.map(|v| (op, v)))
    .collect();
    let tests = comparisons.len()
        + [
            raw.is.is_some(),
            raw.one_of.is_some(),
            raw.includes_all.is_some(),
            raw.includes_any.is_some(),
            raw.within_days.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
    if tests != 1 {
        problems.push(
            context,
            "a `field` condition needs exactly one test: `at_least`, `more_than`, `at_most`, `less_than`, `equals`, `is`, `one_of`, `includes_all`, `includes_any` or `within_days`".into(),
            None,
        );
        return None;
    }
    if raw.count.is_some() && raw.includes_any.is_none() {
        problems.push(
            context,
            "`count` goes only with `includes_any`".into(),
            None,
        );
        return None;
    }
    Some(match comparisons.first() {
        Some(&(op, value)) => Test::Compare(op, value),
        None => Test::Other,
    })
}

/// A `sum` of numeric fields compared with a number.
fn compile_sum(
    names: &[String],
    test: Test,
    book: &Rulebook,
    context: &str,
    problems: &mut Problems,
) -> Option<Condition> {
    let Test::Compare(op, value) = test else {
        problems.push(
            context,
            "`sum` can only be compared with a number (`at_least`, `more_than`, …)".into(),
            None,
        );
        return None;
    };
    if names.is_empty() {
        problems.push(context, "`sum` needs at least one field".into(), None);
        return None;
    }
    let fields: Vec<usize> = names
        .iter()
        .filter_map(|n| numeric_field(book, n, context, problems))
        .collect();
    (fields.len() == names.len()).then_some(Condition::Compare { fields, op, value })
}

/// A test of one field: its kind decides which tests it takes.
fn compile_field(
    raw: &RawCondition,
    test: Test,
    book: &Rulebook,
    context: &str,
    problems: &mut Problems,
) -> Option<Condition> {
    let name = raw.field.as_deref().unwrap_or_default();
    let field = book.field_named(name, context, problems)?;
    let kind = &book.fields[field].kind;
    let wrong_kind = |problems: &mut Problems, test: &str, needs: &str| {
        problems.push(
            context,
            format!("`{test}` needs {needs}, and `{name}` is {}", kind.name()),
            None,
        );
        None
    };
    if let Test::Compare(op, value) = test {
        let field = numeric_field(book, name, context, problems)?;
        return Some(Condition::Compare {
            fields: vec![field],
            op,
            value,
        });
    }
    if let Some(value) = raw.is {
        if !matches!(kind, FieldKind::YesNo) {
            return wrong_kind(problems, "is", "a yes/no field");
        }
        return Some(Condition::Is { field, value });
    }
    if let Some(days) = raw.within_days {
        if !matches!(kind, FieldKind::Date) {
            return wrong_kind(problems, "within_days", "a date field");
        }
        if days < 0 {
            problems.push(
                context,
                format!("`within_days` must not be negative, got {days}"),
                None,
            );
            return None;
        }
        return Some(Condition::WithinDays { field, days });
    }
    if let Some(keys) = &raw.one_of {
        let items = match kind {
            FieldKind::Enum { vocabulary } => book.items(*vocabulary, keys, context, problems)?,
            FieldKind::Type => book.type_items(keys, context, problems)?,
            _ => return wrong_kind(problems, "one_of", "an enum or type field"),
        };
        return Some(Condition::OneOf { field, items });
    }
    let FieldKind::List { vocabulary } = kind else {
        problems.push(
            context,
            format!(
                "`includes_all`/`includes_any` need a list field, and `{name}` is {}",
                kind.name()
            ),
            None,
        );
        return None;
    };
    compile_includes(raw, field, *vocabulary, book, context, problems)
}

/// `includes_all`, or `includes_any` with its `count`, on a list field.
fn compile_includes(
    raw: &RawCondition,
    field: usize,
    vocabulary: usize,
    book: &Rulebook,
    context: &str,
    problems: &mut Problems,
) -> Option<Condition> {
    if let Some(keys) = &raw.includes_all {
        let items = book.items(vocabulary, keys, context, problems)?;
        return Some(Condition::IncludesAll { field, items });
    }
    let keys = raw.includes_any.as_deref().unwrap_or_default();
    let items = book.items(vocabulary, keys, context, problems)?;
    let count = raw.count.unwrap_or(1);
    if count == 0 || count > items.len() {
        problems.push(
            context,
            format!(
                "`count` must be between 1 and the {} items listed, got {count}",
                items.len()
            ),
            None,
        );
        return None;
    }
    Some(Condition::IncludesAny {
        field,
        items,
        count,
    })
}

fn numeric_field(
    book: &Rulebook,
    name: &str,
    context: &str,
    problems: &mut Problems,
) -> Option<usize> {
    let field = book.field_named(name, context, problems)?;
    let kind = &book.fields[field].kind;
    if kind.is_numeric() {
        Some(field)
    } else {
        problems.push(
            context,
            format!(
                "comparisons need a count, number or hours field, and `{name}` is {}",
                kind.name()
            ),
            None,
        );
        None
    }
}
