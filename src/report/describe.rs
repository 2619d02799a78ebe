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

/// What the inventory says for the fields a rule reads, and what its lists lack:
/// `服务项目=就业信息查询(缺少: 信息宣传)`.
pub fn observed(book: &Rulebook, rule: &Rule, outlet: &Outlet, lang: Lang) -> String {
    let mut parts = Vec::new();
    for f in rule.check.fields() {
        let value = outlet.value(f);
        let mut s = format!(
            "{}={}",
            book.fields[f].name.get(lang),
            value_text(book, f, value, lang)
        );
        if let Value::List(have) = value {
            let lacking = lacking_items(&rule.check, f, have);
            if !lacking.is_empty() {
                let names: Vec<String> = lacking
                    .iter()
                    .map(|i| item_name(book, &book.fields[f].kind, *i, lang))
                    .collect();
                s.push_str(&format!(
                    "{}{}{}",
                    lang.pick("(缺少: ", " (lacks: "),
                    names.join(lang.pick("、", ", ")),
                    lang.pick(")", ")")
                ));
            }
        }
        parts.push(s);
    }
    parts.join(lang.pick(";", "; "))
}

/// The items of `includes_all` conditions on `field` that the list does not hold.
fn lacking_items(c: &Condition, field: usize, have: &[u16]) -> Vec<u16> {
    match c {
        Condition::All(cs) | Condition::Any(cs) => cs
            .iter()
            .flat_map(|c| lacking_items(c, field, have))
            .collect(),
        Condition::Not(_) => Vec::new(),
        Condition::IncludesAll { field: f, items } if *f == field => items
            .iter()
            .copied()
            .filter(|i| have.binary_search(i).is_err())
            .collect(),
        _ => Vec::new(),
    }
}
