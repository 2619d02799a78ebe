//! Saying what the inventory holds for a rule: the values a condition reads, in words, and what a
//! list lacks. Used by `gaps` and `explain`, never on the grading path itself.

use std::fmt::Write as _;

use crate::inventory::{Outlet, Value, kind};
use crate::report::Out;
use crate::rulebook::{Condition, FieldKind, Rule, Rulebook};
use crate::text::Lang;

/// A value as a person reads it.
pub fn value_text(book: &Rulebook, field: usize, value: &Value, lang: Lang) -> String {
    let mut buf = String::new();
    push_value_text(&mut buf, book, field, value, lang);
    buf
}

/// Appends a value as a person reads it.
fn push_value_text(buf: &mut String, book: &Rulebook, field: usize, value: &Value, lang: Lang) {
    let kind = &book.fields[field].kind;
    match value {
        Value::Missing => buf.push_str(lang.pick("(空)", "(blank)")),
        Value::Text(s) => buf.push_str(s),
        Value::Bool(b) => {
            buf.push_str(lang.pick(if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }));
        }
        Value::Number(n) => {
            Out::push_number(buf, *n);
            kind::push_unit(buf, kind, lang);
        }
        Value::Date(d) => {
            let _ = write!(buf, "{d}");
        }
        Value::Grade(g) => match book.grade_info(*g) {
            Some(i) => buf.push_str(i.name.get(lang)),
            None => Out::push_int(buf, i64::from(*g)),
        },
        Value::Item(i) => buf.push_str(kind::item_name(book, kind, *i, lang)),
        Value::List(items) if items.is_empty() => buf.push_str(lang.pick("(无)", "(none)")),
        Value::List(items) => push_names(buf, book, kind, items.iter().copied(), lang),
    }
}

/// Appends the names of vocabulary items, separated as the language separates a list.
fn push_names(
    buf: &mut String,
    book: &Rulebook,
    kind: &FieldKind,
    items: impl Iterator<Item = u16>,
    lang: Lang,
) {
    for (n, i) in items.enumerate() {
        if n > 0 {
            buf.push_str(lang.pick("、", ", "));
        }
        buf.push_str(kind::item_name(book, kind, i, lang));
    }
}

/// What the inventory says for the fields a rule reads: `服务项目缺少: 信息宣传`, `经办窗口数=两个(无法识别)`.
/// For a list, only the items the rule asks about are named: those held, or those lacking.
pub fn observed(book: &Rulebook, rule: &Rule, outlet: &Outlet, lang: Lang) -> String {
    observed_fields(book, rule, &rule.check.fields(), outlet, lang)
}

/// [`observed`] for `fields`, the fields the rule reads (`rule.check.fields()`), found beforehand.
pub fn observed_fields(
    book: &Rulebook,
    rule: &Rule,
    fields: &[usize],
    outlet: &Outlet,
    lang: Lang,
) -> String {
    // Room for most: grown once at most.
    let mut out = String::with_capacity(128);
    push_observed(&mut out, book, rule, fields, outlet, lang);
    out
}

/// Appends [`observed_fields`] to `out`.
pub fn push_observed(
    out: &mut String,
    book: &Rulebook,
    rule: &Rule,
    fields: &[usize],
    outlet: &Outlet,
    lang: Lang,
) {
    for (n, &f) in fields.iter().enumerate() {
        if n > 0 {
            out.push_str(lang.pick(";", "; "));
        }
        let name = book.fields[f].name.get(lang);
        let value = outlet.value(f);
        out.push_str(name);
        if let Some((_, raw)) = outlet.unreadable.iter().find(|(uf, _)| *uf == f) {
            out.push('=');
            out.push_str(raw);
            out.push_str(lang.pick("(无法识别)", " (unreadable)"));
            continue;
        }
        let kind = &book.fields[f].kind;
        let Value::List(have) = value else {
            out.push('=');
            push_value_text(out, book, f, value, lang);
            continue;
        };
        let asked = asked_items(&rule.check, f);
        let held = || {
            asked
                .iter()
                .copied()
                .filter(|i| have.binary_search(i).is_ok())
        };
        let lacking = || {
            asked
                .iter()
                .copied()
                .filter(|i| have.binary_search(i).is_err())
        };
        if asked.is_empty() {
            out.push('=');
            push_value_text(out, book, f, value, lang);
        } else if let Some(needed) = any_count(&rule.check, f) {
            out.push('=');
            let count = held().count();
            if count == 0 {
                out.push_str(lang.pick("(无)", "(none)"));
            } else {
                push_names(out, book, kind, held(), lang);
            }
            let _ = match lang {
                Lang::Zh => write!(out, "(已有{count}种,需至少{needed}种)"),
                Lang::En => write!(out, " (has {count}, needs at least {needed})"),
            };
        } else if lacking().next().is_none() {
            out.push_str(lang.pick("含: ", " has: "));
            push_names(out, book, kind, held(), lang);
        } else {
            out.push_str(lang.pick("缺少: ", " lacks: "));
            push_names(out, book, kind, lacking(), lang);
        }
    }
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
