//! Saying what the inventory holds for a rule: the values a condition reads, in words, and what a
//! list lacks. Used by `gaps` and `explain`, never on the grading path itself.

use crate::inventory::{Outlet, Value};
use crate::report::format_number;
use crate::rulebook::{Condition, FieldKind, Rule, Rulebook};
use crate::text::Lang;

/// A value as a person reads it.
pub fn value_text(book: &Rulebook, field: usize, value: &Value, lang: Lang) -> String {
    let kind = &book.fields[field].kind;
    match value {
        Value::Missing => lang.pick("(空)", "(blank)").to_string(),
        Value::Text(s) => s.clone(),
        Value::Bool(b) => lang
            .pick(if *b { "是" } else { "否" }, if *b { "yes" } else { "no" })
            .to_string(),
        Value::Number(n) => match kind {
            FieldKind::Number { unit, .. } => format!("{}{unit}", format_number(*n)),
            _ => format_number(*n),
        },
        Value::Date(d) => d.to_string(),
        Value::Grade(g) => book
            .grade_info(*g)
            .map_or_else(|| g.to_string(), |i| i.name.get(lang).to_string()),
        Value::Item(i) => item_name(book, kind, *i, lang),
        Value::List(items) if items.is_empty() => lang.pick("(无)", "(none)").to_string(),
        Value::List(items) => items
            .iter()
            .map(|i| item_name(book, kind, *i, lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", ")),
    }
}

fn item_name(book: &Rulebook, kind: &FieldKind, i: u16, lang: Lang) -> String {
    let i = usize::from(i);
    match kind {
        FieldKind::Type => book.types.get(i).map(|t| t.name.get(lang).to_string()),
        FieldKind::Enum { vocabulary } | FieldKind::List { vocabulary } => book.vocabularies
            [*vocabulary]
            .entries
            .get(i)
            .map(|e| e.name.get(lang).to_string()),
        _ => None,
    }
    .unwrap_or_default()
}

/// What the inventory says for the fields a rule reads: `服务项目缺少: 信息宣传`, `经办窗口数=两个(无法识别)`.
/// For a list, only the items the rule asks about are named: those held, or those lacking.
pub fn observed(book: &Rulebook, rule: &Rule, outlet: &Outlet, lang: Lang) -> String {
    let mut parts = Vec::new();
    for f in rule.check.fields() {
        let name = book.fields[f].name.get(lang);
        let value = outlet.value(f);
        if let Some((_, raw)) = outlet.unreadable.iter().find(|(uf, _)| *uf == f) {
            parts.push(format!(
                "{name}={raw}{}",
                lang.pick("(无法识别)", " (unreadable)")
            ));
            continue;
        }
        let kind = &book.fields[f].kind;
        let s = match value {
            Value::List(have) => {
                let asked = asked_items(&rule.check, f);
                let lacking: Vec<u16> = asked
                    .iter()
                    .copied()
                    .filter(|i| have.binary_search(i).is_err())
                    .collect();
                let names = |items: &[u16]| {
                    items
                        .iter()
                        .map(|i| item_name(book, kind, *i, lang))
                        .collect::<Vec<_>>()
                        .join(lang.pick("、", ", "))
                };
                let held: Vec<u16> = asked
                    .iter()
                    .copied()
                    .filter(|i| have.binary_search(i).is_ok())
                    .collect();
                if asked.is_empty() {
                    format!("{name}={}", value_text(book, f, value, lang))
                } else if let Some(n) = any_count(&rule.check, f) {
                    let shown = if held.is_empty() {
                        lang.pick("(无)", "(none)").to_string()
                    } else {
                        names(&held)
                    };
                    match lang {
                        Lang::Zh => format!("{name}={shown}(已有{}种,需至少{n}种)", held.len()),
                        Lang::En => {
                            format!("{name}={shown} (has {}, needs at least {n})", held.len())
                        }
                    }
                } else if lacking.is_empty() {
                    let held: Vec<u16> = asked
                        .iter()
                        .copied()
                        .filter(|i| have.binary_search(i).is_ok())
                        .collect();
                    format!("{name}{}{}", lang.pick("含: ", " has: "), names(&held))
                } else {
                    format!(
                        "{name}{}{}",
                        lang.pick("缺少: ", " lacks: "),
                        names(&lacking)
                    )
                }
            }
            _ => format!("{name}={}", value_text(book, f, value, lang)),
        };
        parts.push(s);
    }
    parts.join(lang.pick(";", "; "))
}

/// The `count` of an `includes_any` condition on `field`, if there is one.
fn any_count(c: &Condition, field: usize) -> Option<usize> {
    match c {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().find_map(|c| any_count(c, field)),
        Condition::Not(c) => any_count(c, field),
        Condition::IncludesAny {
            field: f, count, ..
        } if *f == field => Some(*count),
        _ => None,
    }
}

/// The items that `includes_all`/`includes_any` conditions on `field` ask about, in order.
fn asked_items(c: &Condition, field: usize) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::new();
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            for c in cs {
                for i in asked_items(c, field) {
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
        }
        Condition::Not(c) => out = asked_items(c, field),
        Condition::IncludesAll { field: f, items }
        | Condition::IncludesAny {
            field: f, items, ..
        } if *f == field => {
            out = items.clone();
        }
        _ => {}
    }
    out
}
