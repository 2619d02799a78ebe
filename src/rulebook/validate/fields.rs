//! The fields: their kinds, the spellings of their headers, and the fields the engine reads
//! itself.

use std::collections::HashMap;

use super::{Problems, text, valid_key};
use crate::rulebook::raw::{RawField, RawRulebook, RawUnits};
use crate::rulebook::{CoreFields, Field, FieldKind, KINDS, Refusal};
use crate::suggest::did_you_mean;
use crate::text::normalize;

/// The fields; each by its key; each by the folded spellings of its header.
pub(super) fn fields(
    raw: &RawRulebook,
    vocabulary_lookup: &HashMap<String, usize>,
    p: &mut Problems,
) -> (Vec<Field>, HashMap<String, usize>, HashMap<String, usize>) {
    let mut fields: Vec<Field> = Vec::new();
    let mut field_lookup = HashMap::new();
    let mut header_lookup: HashMap<String, usize> = HashMap::new();
    for f in &raw.fields {
        if !valid_key(&f.key) {
            p.push(
                &f.key,
                format!(
                    "field key `{}` must be lower-case letters, digits and `_`",
                    f.key
                ),
                None,
            );
        }
        if field_lookup.contains_key(&f.key) {
            p.push(&f.key, format!("field `{}` is declared twice", f.key), None);
            continue;
        }
        let name = text(&f.name, &f.key, "name", p);
        let description = text(&f.description, &f.key, "description", p);
        let kind_name = f.kind.as_deref().unwrap_or("");
        let kind = field_kind(f, kind_name, vocabulary_lookup, p);
        if f.digits.is_some() && kind_name != "code" {
            p.push(&f.key, "`digits` goes only with kind `code`".into(), None);
        }
        if f.vocabulary.is_some() && !matches!(kind_name, "enum" | "list") {
            p.push(
                &f.key,
                "`vocabulary` goes only with kinds `enum` and `list`".into(),
                None,
            );
        }
        if (f.unit.is_some() || f.units.is_some()) && !matches!(kind_name, "count" | "number") {
            p.push(
                &f.key,
                "`unit`/`units` go only with kinds `count` and `number`".into(),
                None,
            );
        }
        let mut refuse = Vec::new();
        if !f.refuse.is_empty() && f.key != "type" {
            p.push(
                &f.key,
                "`refuse` goes only on the outlet-type field `type`".into(),
                None,
            );
        }
        for r in &f.refuse {
            if r.spellings.is_empty() {
                p.push(&f.key, "a `refuse` entry needs `spellings`".into(), None);
            }
            refuse.push(Refusal {
                spellings: r.spellings.iter().map(|s| normalize(s)).collect(),
                hint: text(&r.hint, &f.key, "hint", p),
            });
        }
        let index = fields.len();
        for spelling in [&f.key, &name.zh].into_iter().chain(f.aliases.iter()) {
            if spelling.is_empty() {
                continue;
            }
            match header_lookup.get(&crate::text::fold_header(spelling)) {
                Some(&other) if other != index => p.push(
                    &f.key,
                    format!(
                        "header `{spelling}` already names field `{}`",
                        fields[other].key
                    ),
                    None,
                ),
                _ => {
                    header_lookup.insert(crate::text::fold_header(spelling), index);
                }
            }
        }
        field_lookup.insert(f.key.clone(), index);
        fields.push(Field {
            key: f.key.clone(),
            name,
            aliases: f.aliases.clone(),
            kind: kind.unwrap_or(FieldKind::Text),
            required: f.required,
            unique: f.unique,
            description,
            refuse,
        });
    }
    (fields, field_lookup, header_lookup)
}

/// A field's kind, from its `kind` and what goes with it (`digits`, `units`, `vocabulary`).
fn field_kind(
    f: &RawField,
    kind_name: &str,
    vocabulary_lookup: &HashMap<String, usize>,
    p: &mut Problems,
) -> Option<FieldKind> {
    let vocab = |p: &mut Problems| -> Option<usize> {
        let Some(v) = &f.vocabulary else {
            p.push(
                &f.key,
                format!("a `{kind_name}` field needs a `vocabulary`"),
                None,
            );
            return None;
        };
        let found = vocabulary_lookup.get(v).copied();
        if found.is_none() {
            p.push(
                &f.key,
                format!("unknown vocabulary `{v}`"),
                did_you_mean(v, vocabulary_lookup.keys().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?")),
            );
        }
        found
    };
    match kind_name {
        "text" => Some(FieldKind::Text),
        "code" => match f.digits {
            Some(d) if d > 0 => Some(FieldKind::Code { digits: d }),
            _ => {
                p.push(
                    &f.key,
                    "a `code` field needs `digits`, a positive number".into(),
                    None,
                );
                None
            }
        },
        "type" => Some(FieldKind::Type),
        "grade" => Some(FieldKind::Grade),
        "yes_no" => Some(FieldKind::YesNo),
        "date" => Some(FieldKind::Date),
        "hours" => Some(FieldKind::Hours),
        "count" => {
            let units = match &f.units {
                None => Vec::new(),
                Some(RawUnits::List(l)) => l.clone(),
                Some(RawUnits::Factors(m)) => {
                    p.push(
                        &f.key,
                        "a `count` field lists its units without factors".into(),
                        None,
                    );
                    m.keys().cloned().collect()
                }
            };
            Some(FieldKind::Count { units })
        }
        "number" => {
            let unit = f.unit.clone().unwrap_or_default();
            let mut units: Vec<(String, f64)> = match &f.units {
                None => Vec::new(),
                Some(RawUnits::List(l)) => l.iter().map(|u| (u.clone(), 1.0)).collect(),
                Some(RawUnits::Factors(m)) => m.iter().map(|(u, x)| (u.clone(), *x)).collect(),
            };
            for (u, x) in &units {
                if !(x.is_finite() && *x > 0.0) {
                    p.push(&f.key, format!("unit `{u}` needs a positive factor"), None);
                }
            }
            // Longest first, so that 万元 is tried before 元.
            units.sort_by_key(|u| std::cmp::Reverse(u.0.chars().count()));
            Some(FieldKind::Number { unit, units })
        }
        "enum" => vocab(p).map(|vocabulary| FieldKind::Enum { vocabulary }),
        "list" => vocab(p).map(|vocabulary| FieldKind::List { vocabulary }),
        other => {
            p.push(
                &f.key,
                if other.is_empty() {
                    "`kind` is missing".into()
                } else {
                    format!("unknown kind `{other}`")
                },
                Some(match did_you_mean(other, KINDS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("one of {}", KINDS.join(", ")),
                }),
            );
            None
        }
    }
}

/// The fields the engine reads itself: id, name and type (which every rulebook declares), the
/// reference type and the claimed grade.
pub(super) fn core_fields(
    fields: &[Field],
    field_lookup: &HashMap<String, usize>,
    p: &mut Problems,
) -> CoreFields {
    let core_field = |key: &str, kind: &str, needed: bool, p: &mut Problems| -> Option<usize> {
        match field_lookup.get(key) {
            Some(&i) if fields[i].kind.name() == kind => Some(i),
            Some(_) => {
                p.push(key, format!("field `{key}` must be of kind `{kind}`"), None);
                None
            }
            None if needed => {
                p.push(
                    "fields",
                    format!("the rulebook must declare field `{key}` (kind `{kind}`)"),
                    None,
                );
                None
            }
            None => None,
        }
    };
    let id_f = core_field("id", "text", true, p);
    let name_f = core_field("name", "text", true, p);
    let type_f = core_field("type", "type", true, p);
    let reference_f = core_field("reference_type", "type", false, p);
    let claimed_f = core_field("claimed_grade", "grade", false, p);
    CoreFields {
        id: id_f.unwrap_or(0),
        name: name_f.unwrap_or(0),
        type_: type_f.unwrap_or(0),
        reference_type: reference_f,
        claimed_grade: claimed_f,
        regions: super::super::REGION_FIELDS.map(|k| field_lookup.get(k).copied()),
    }
}
