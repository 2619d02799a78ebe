//! Example values that pass and that fail a rule, derived from its condition, for
//! `outlet rules explain` and for the test that every shipped rule has working examples.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::eval::{Evaluator, Truth};
use crate::inventory::{Outlet, Value, kind};
use crate::rulebook::{CmpOp, Condition, Rule, Rulebook};

/// Values for some fields; every other field is blank.
pub type Assignment = Vec<(usize, Value)>;

/// An example that passes and one that fails, each checked against the evaluator.
pub struct Examples {
    pub passing: Option<Assignment>,
    pub failing: Option<Assignment>,
}

/// Examples for a rule as of `as_of`; an example the evaluator does not confirm is dropped.
pub fn examples(book: &Rulebook, rule: &Rule, as_of: Date) -> Examples {
    let ev = Evaluator::new(book, as_of);
    let confirm = |a: Option<Assignment>, want: Truth| {
        a.filter(|a| ev.truth(&rule.check, &outlet_with(book, a)) == want)
    };
    Examples {
        passing: confirm(example(book, &rule.check, as_of, true), Truth::True),
        failing: confirm(example(book, &rule.check, as_of, false), Truth::False),
    }
}

/// An outlet with the given values and every other field blank.
pub fn outlet_with(book: &Rulebook, assignment: &Assignment) -> Outlet {
    let mut values = vec![Value::Missing; book.fields.len()];
    for (f, v) in assignment {
        values[*f] = v.clone();
    }
    Outlet {
        row: 0,
        id: String::new(),
        name: String::new(),
        type_: 0,
        grading_type: 0,
        claimed: None,
        values,
        extras: Vec::new(),
        errors: 0,
        unreadable: Vec::new(),
    }
}

fn merge(into: &mut Assignment, from: Assignment) {
    for (f, v) in from {
        match into.iter_mut().find(|(g, _)| *g == f) {
            Some(slot) => slot.1 = v,
            None => into.push((f, v)),
        }
    }
}

fn example(book: &Rulebook, c: &Condition, as_of: Date, pass: bool) -> Option<Assignment> {
    match c {
        Condition::Not(inner) => example(book, inner, as_of, !pass),
        Condition::All(cs) | Condition::Any(cs) => {
            // `all` passes when every part passes; `any` fails when every part fails.
            let every = matches!(c, Condition::All(_)) == pass;
            let mut out = Assignment::new();
            if every {
                for c in cs {
                    merge(&mut out, example(book, c, as_of, pass)?);
                }
            } else {
                // One part decides; the others take the opposite outcome so that it is that part.
                let (first, rest) = cs.split_first()?;
                for c in rest {
                    merge(&mut out, example(book, c, as_of, !pass)?);
                }
                merge(&mut out, example(book, first, as_of, pass)?);
            }
            Some(out)
        }
        Condition::Compare { fields, op, value } => {
            let whole = fields
                .iter()
                .all(|f| kind::whole_numbers(&book.fields[*f].kind));
            let step = if whole {
                1.0
            } else {
                (value.abs() * 0.1).max(0.5)
            };
            let v = if whole { value.ceil() } else { *value };
            let n = match (op, pass) {
                (CmpOp::AtLeast | CmpOp::AtMost | CmpOp::Equals, true) => v,
                (CmpOp::AtLeast, false) | (CmpOp::LessThan, true) => v - step,
                (CmpOp::MoreThan, true) | (CmpOp::AtMost | CmpOp::Equals, false) => {
                    if whole {
                        value.floor() + 1.0
                    } else {
                        v + step
                    }
                }
                (CmpOp::MoreThan | CmpOp::LessThan, false) => {
                    if whole {
                        value.floor()
                    } else {
                        v
                    }
                }
            };
            if n < 0.0 {
                return None;
            }
            let mut out: Assignment = fields.iter().map(|f| (*f, Value::Number(0.0))).collect();
            if let Some(first) = out.first_mut() {
                first.1 = Value::Number(n);
            }
            Some(out)
        }
        Condition::Is { field, value } => Some(vec![(*field, Value::Bool(*value == pass))]),
        Condition::OneOf { field, items } => {
            if pass {
                return items.first().map(|i| vec![(*field, Value::Item(*i))]);
            }
            let size = kind::item_count(book, &book.fields[*field].kind);
            (0..size as u16)
                .find(|i| !items.contains(i))
                .map(|i| vec![(*field, Value::Item(i))])
        }
        Condition::IncludesAll { field, items } => {
            let mut list = items.clone();
            if !pass {
                list.remove(0);
            }
            list.sort_unstable();
            Some(vec![(*field, Value::List(list))])
        }
        Condition::IncludesAny {
            field,
            items,
            count,
        } => {
            let take = if pass { *count } else { count - 1 };
            let mut list: Vec<u16> = items.iter().copied().take(take).collect();
            list.sort_unstable();
            Some(vec![(*field, Value::List(list))])
        }
        Condition::WithinDays { field, days } => {
            let back = if pass { *days } else { days + 1 };
            as_of
                .checked_sub(back.days())
                .ok()
                .map(|d| vec![(*field, Value::Date(d))])
        }
    }
}
