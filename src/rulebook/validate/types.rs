//! The outlet types (with their reference types) and the vocabularies.

use std::collections::HashMap;

use super::{Problems, required_str, text, valid_key};
use crate::rulebook::raw::RawRulebook;
use crate::rulebook::{Entry, Lookup, Reference, TypeDef, Vocabulary};
use crate::suggest::did_you_mean;
use crate::text::normalize;

/// The outlet types, the spellings that name them, and the spellings that name a reference type
/// only.
pub(super) fn types(
    raw: &RawRulebook,
    p: &mut Problems,
) -> (Vec<TypeDef>, Lookup<usize>, Lookup<usize>) {
    let mut types: Vec<TypeDef> = Vec::new();
    let mut type_lookup: Lookup<usize> = Lookup::default();
    for t in &raw.types {
        if !valid_key(&t.key) {
            p.push(
                &t.key,
                format!(
                    "type key `{}` must be lower-case letters, digits and `_`",
                    t.key
                ),
                None,
            );
        }
        if types.iter().any(|o| o.key == t.key) {
            p.push(&t.key, format!("type `{}` is declared twice", t.key), None);
            continue;
        }
        let name = text(&t.name, &t.key, "name", p);
        let index = types.len();
        for spelling in [&t.key, &name.zh, &name.en]
            .into_iter()
            .chain(t.aliases.iter())
        {
            if spelling.is_empty() {
                continue;
            }
            if let Some(&other) = type_lookup.get(&normalize(spelling)) {
                if other != index {
                    p.push(
                        &t.key,
                        format!("`{spelling}` already names type `{}`", types[other].key),
                        None,
                    );
                }
            } else {
                type_lookup.insert(normalize(spelling), index);
            }
        }
        if let Some(m) = t.minimum_grade
            && !(1..=4).contains(&m)
        {
            p.push(
                &t.key,
                format!("minimum_grade {m} is not one of 1, 2, 3, 4"),
                None,
            );
        }
        if t.minimum_grade.is_some() == t.reference.is_some() {
            p.push(
                &t.key,
                "a type needs exactly one of `minimum_grade` and `reference`".into(),
                None,
            );
        }
        types.push(TypeDef {
            key: t.key.clone(),
            name,
            aliases: t.aliases.clone(),
            minimum_grade: t.minimum_grade,
            article: required_str(&t.article, &t.key, "article", p),
            reference: None,
        });
    }
    if types.is_empty() {
        p.push(
            "types",
            "the rulebook declares no outlet types".into(),
            None,
        );
    }
    let reference_lookup = references(raw, &mut types, &type_lookup, p);
    (types, type_lookup, reference_lookup)
}

/// The reference types of the types that have one (共建: 乡镇 or 社区), and the spellings that name
/// a reference type only (乡镇(街道)).
fn references(
    raw: &RawRulebook,
    types: &mut [TypeDef],
    type_lookup: &Lookup<usize>,
    p: &mut Problems,
) -> Lookup<usize> {
    let mut reference_lookup: Lookup<usize> = Lookup::default();
    for (i, t) in raw.types.iter().enumerate() {
        let Some(r) = &t.reference else { continue };
        if i >= types.len() || types[i].key != t.key {
            continue;
        }
        let resolve = |key: &str, p: &mut Problems| -> Option<usize> {
            let found = types.iter().position(|o| o.key == key);
            match found {
                Some(j) if types[j].minimum_grade.is_some() => Some(j),
                Some(_) => {
                    p.push(
                        &t.key,
                        format!("reference type `{key}` has no minimum grade of its own"),
                        None,
                    );
                    None
                }
                None => {
                    p.push(
                        &t.key,
                        format!("unknown reference type `{key}`"),
                        did_you_mean(key, types.iter().map(|o| o.key.as_str()))
                            .map(|s| format!("did you mean `{s}`?")),
                    );
                    None
                }
            }
        };
        let allowed: Vec<usize> = r.allowed.iter().filter_map(|k| resolve(k, p)).collect();
        let default = resolve(&r.default, p);
        if let Some(d) = default {
            if !allowed.contains(&d) {
                p.push(
                    &t.key,
                    format!(
                        "the default reference `{}` is not among `allowed`",
                        r.default
                    ),
                    None,
                );
            }
            for (key, spellings) in &r.aliases {
                let Some(j) = resolve(key, p) else { continue };
                if !allowed.contains(&j) {
                    p.push(
                        &t.key,
                        format!("reference aliases for `{key}`, which is not among `allowed`"),
                        None,
                    );
                    continue;
                }
                for spelling in spellings {
                    let n = normalize(spelling);
                    let taken = type_lookup
                        .get(&n)
                        .or_else(|| reference_lookup.get(&n))
                        .copied();
                    match taken {
                        Some(other) if other != j => p.push(
                            &t.key,
                            format!(
                                "reference alias `{spelling}` already names type `{}`",
                                types[other].key
                            ),
                            None,
                        ),
                        _ => {
                            reference_lookup.insert(n, j);
                        }
                    }
                }
            }
            let interpretation = r
                .interpretation
                .as_ref()
                .map(|x| text(&Some(x.clone()), &t.key, "interpretation", p));
            types[i].reference = Some(Reference {
                allowed,
                default: d,
                interpretation,
            });
        }
    }
    reference_lookup
}

/// The vocabularies, each with the spellings that name its entries; and each by its key.
pub(super) fn vocabularies(
    raw: &RawRulebook,
    p: &mut Problems,
) -> (Vec<Vocabulary>, HashMap<String, usize>) {
    let mut vocabularies = Vec::new();
    let mut vocabulary_lookup = HashMap::new();
    for (key, entries) in &raw.vocabularies {
        let mut vocab = Vocabulary {
            key: key.clone(),
            entries: Vec::new(),
            lookup: Lookup::default(),
        };
        for e in entries {
            let ctx = format!("{key}.{}", e.key);
            if !valid_key(&e.key) {
                p.push(
                    &e.key,
                    format!(
                        "entry key `{}` must be lower-case letters, digits and `_`",
                        e.key
                    ),
                    None,
                );
            }
            if vocab.entries.iter().any(|o| o.key == e.key) {
                p.push(
                    &e.key,
                    format!("`{}` is declared twice in vocabulary `{key}`", e.key),
                    None,
                );
                continue;
            }
            let name = text(&e.name, &ctx, "name", p);
            let index = vocab.entries.len() as u16;
            for spelling in [&e.key, &name.zh, &name.en]
                .into_iter()
                .chain(e.aliases.iter())
            {
                if spelling.is_empty() {
                    continue;
                }
                match vocab.lookup.get(&normalize(spelling)) {
                    Some(&other) if other != index => p.push(
                        &e.key,
                        format!(
                            "`{spelling}` already names `{}` in vocabulary `{key}`",
                            vocab.entries[other as usize].key
                        ),
                        None,
                    ),
                    _ => {
                        vocab.lookup.insert(normalize(spelling), index);
                    }
                }
            }
            vocab.entries.push(Entry {
                key: e.key.clone(),
                name,
                aliases: e.aliases.clone(),
            });
        }
        if vocab.entries.is_empty() {
            p.push(key, format!("vocabulary `{key}` is empty"), None);
        }
        vocabulary_lookup.insert(key.clone(), vocabularies.len());
        vocabularies.push(vocab);
    }
    (vocabularies, vocabulary_lookup)
}
