//! Validation: a raw rulebook (as written) into the typed [`Rulebook`], gathering every problem —
//! unknown keys and references, duplicates, missing translations, malformed conditions — with
//! where it is, before failing.

use std::collections::HashMap;

use super::raw::{RawRulebook, RawText, RawUnits};
use super::template::{self, Parameter, TemplateError};
use super::{
    Article, CmpOp, CodeChecks, Condition, CoreFields, Entry, Field, FieldKind, GradeInfo, KINDS,
    Lookup, Problems, Reference, Refusal, Rule, RuleKind, Rulebook, StructureCheck, TypeDef,
    TypeDigits, Vocabulary, condition,
};
use crate::suggest::did_you_mean;
use crate::text::{Text, normalize};

/// Both translations of a text, or a problem for each one missing.
fn text(raw: &Option<RawText>, context: &str, what: &str, p: &mut Problems) -> Text {
    let empty = RawText::default();
    let raw = raw.as_ref().unwrap_or(&empty);
    let mut get = |lang: &str, v: &Option<String>| match v {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            p.push(
                context,
                format!("`{what}` has no `{lang}` text"),
                Some(format!("add `{what}: {{zh: …, en: …}}`")),
            );
            String::new()
        }
    };
    let zh = get("zh", &raw.zh);
    let en = get("en", &raw.en);
    Text { zh, en }
}

/// A text rendered with the parameters of its rule (or structure check), or a problem for each
/// placeholder that names none of them.
fn rendered(t: Text, params: &[Parameter], context: &str, what: &str, p: &mut Problems) -> Text {
    let mut one = |s: String, lang: &str| match template::render(&s, params) {
        Ok(r) => r,
        Err(e) => {
            let names: Vec<&str> = params.iter().map(|q| q.name.as_str()).collect();
            let known = if names.is_empty() {
                "it has no parameters: write the number itself".to_string()
            } else {
                format!("its parameters: {}", names.join(", "))
            };
            let (message, help) = match e {
                TemplateError::Unknown(n) => (
                    format!("`{what}` ({lang}) uses `{{{n}}}`, which names no parameter"),
                    known,
                ),
                TemplateError::Ambiguous(n, qualified) => (
                    format!("`{what}` ({lang}) uses `{{{n}}}`, which more than one test has"),
                    format!("name one: {}", qualified.join(", ")),
                ),
                TemplateError::Unbalanced => (
                    format!(
                        "`{what}` ({lang}) has a `{{` or `}}` that opens or closes no placeholder"
                    ),
                    "write `{{` and `}}` for literal braces".to_string(),
                ),
            };
            p.push(context, message, Some(help));
            s
        }
    };
    let zh = one(t.zh, "zh");
    let en = one(t.en, "en");
    Text { zh, en }
}

fn required_str(v: &Option<String>, context: &str, what: &str, p: &mut Problems) -> String {
    match v {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            p.push(context, format!("`{what}` is missing"), None);
            String::new()
        }
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn valid_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub(super) fn validate(raw: RawRulebook, p: &mut Problems) -> Option<Rulebook> {
    match raw.schema {
        Some(1) => {}
        Some(n) => p.push(
            "schema",
            format!("unsupported schema version {n}"),
            Some("this version of outlet reads `schema: 1`".into()),
        ),
        None => p.push(
            "schema",
            "`schema` is missing".into(),
            Some("start the file with `schema: 1`".into()),
        ),
    }
    let id = required_str(&raw.id, "id", "id", p);
    let version = required_str(&raw.version, "version", "version", p);
    let title = text(&raw.title, "title", "title", p);

    // Spellings.
    let (none, blank_marks) = raw.spellings.as_ref().map_or_else(Default::default, |s| {
        (
            s.none.iter().map(|v| normalize(v)).collect::<Vec<_>>(),
            s.blank_marks
                .iter()
                .map(|v| normalize(v))
                .collect::<Vec<_>>(),
        )
    });
    // Compared folded, as headers are (`注:` and `注：` are one).
    let (total_rows, footer_rows) = raw.spellings.as_ref().map_or_else(Default::default, |s| {
        let fold = |v: &Vec<String>| {
            v.iter()
                .map(|w| crate::text::fold_header(w))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        };
        (fold(&s.total_rows), fold(&s.footer_rows))
    });
    let (yes, no, list_separators) = match &raw.spellings {
        None => {
            p.push("spellings", "`spellings` is missing".into(), None);
            (Vec::new(), Vec::new(), Vec::new())
        }
        Some(s) => {
            let yes: Vec<String> = s.yes.iter().map(|v| normalize(v)).collect();
            let no: Vec<String> = s.no.iter().map(|v| normalize(v)).collect();
            if yes.is_empty() || no.is_empty() {
                p.push(
                    "spellings",
                    "`yes` and `no` each need at least one spelling".into(),
                    None,
                );
            }
            for y in &yes {
                if no.contains(y) {
                    p.push(
                        "spellings",
                        format!("`{y}` is spelled both yes and no"),
                        None,
                    );
                }
            }
            let mut seps = Vec::new();
            for sep in &s.list_separators {
                let mut chars = sep.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => seps.push(c),
                    _ => p.push(
                        "spellings",
                        format!("list separator `{sep}` must be one character"),
                        None,
                    ),
                }
            }
            if seps.is_empty() {
                p.push(
                    "spellings",
                    "`list_separators` needs at least one separator".into(),
                    None,
                );
            }
            (yes, no, seps)
        }
    };

    // Grades: exactly 4, 3, 2, 1.
    let mut grades = Vec::new();
    for want in [4u8, 3, 2, 1] {
        let found: Vec<_> = raw.grades.iter().filter(|g| g.grade == want).collect();
        match found.as_slice() {
            [g] => {
                let ctx = format!("grade {want}");
                grades.push(GradeInfo {
                    grade: want,
                    name: text(&g.name, &ctx, "name", p),
                    motto: text(&g.motto, &ctx, "motto", p),
                    article: required_str(&g.article, &ctx, "article", p),
                });
            }
            [] => p.push("grades", format!("grade {want} is not described"), None),
            _ => p.push(
                "grades",
                format!("grade {want} is described more than once"),
                None,
            ),
        }
    }
    for g in &raw.grades {
        if !(1..=4).contains(&g.grade) {
            p.push(
                "grades",
                format!("grade {} is not one of 1, 2, 3, 4", g.grade),
                None,
            );
        }
    }

    // Types.
    let mut types: Vec<TypeDef> = Vec::new();
    let mut type_lookup: Lookup<usize> = Lookup::default();
    let mut reference_lookup: Lookup<usize> = Lookup::default();
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
        if let Some(m) = t.minimum_grade {
            if !(1..=4).contains(&m) {
                p.push(
                    &t.key,
                    format!("minimum_grade {m} is not one of 1, 2, 3, 4"),
                    None,
                );
            }
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
                        _ => reference_lookup.insert(n, j),
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

    // Vocabularies.
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

    // Fields.
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
        let kind = match kind_name {
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
        };
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

    // The fields the engine reads itself.
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

    let mut book = Rulebook {
        id,
        version,
        title,
        yes,
        no,
        list_separators,
        none,
        blank_marks,
        total_rows,
        footer_rows,
        grades,
        types,
        fields,
        vocabularies,
        rules: Vec::new(),
        core: CoreFields {
            id: id_f.unwrap_or(0),
            name: name_f.unwrap_or(0),
            type_: type_f.unwrap_or(0),
            reference_type: reference_f,
            claimed_grade: claimed_f,
        },
        articles: Vec::new(),
        structure: Vec::new(),
        code_checks: None,
        divisions: None,
        raw: RawRulebook::default(),
        extends: Vec::new(),
        file: String::new(),
        sources: Vec::new(),
        type_lookup,
        reference_lookup,
        field_lookup,
        header_lookup,
    };

    // Rules.
    let mut rules = Vec::new();
    for r in &raw.rules {
        let ctx = r.id.as_str();
        if !valid_rule_id(ctx) {
            p.push(
                ctx,
                format!("rule id `{ctx}` must be upper-case letters, digits and `-`"),
                Some("for example `G3-WINDOW`".into()),
            );
        }
        if raw.rules.iter().filter(|o| o.id == r.id).count() > 1
            && !rules.iter().any(|o: &Rule| o.id == r.id)
        {
            p.push(
                ctx,
                format!("rule `{ctx}` is declared more than once"),
                None,
            );
        }
        let grade = match r.grade {
            Some(g @ 1..=4) => g,
            Some(g) => {
                p.push(ctx, format!("grade {g} is not one of 1, 2, 3, 4"), None);
                4
            }
            None => {
                p.push(ctx, "`grade` is missing".into(), None);
                4
            }
        };
        let kind = match r.kind.as_deref() {
            Some("required") => RuleKind::Required,
            Some("advisory") => RuleKind::Advisory,
            Some(other) => {
                p.push(
                    ctx,
                    format!("unknown kind `{other}`"),
                    Some("`required` or `advisory`".into()),
                );
                RuleKind::Required
            }
            None => {
                p.push(
                    ctx,
                    "`kind` is missing".into(),
                    Some("`required` or `advisory`".into()),
                );
                RuleKind::Required
            }
        };
        let applies_to = r.applies_to.as_ref().map(|keys| {
            book.type_items(keys, ctx, p)
                .unwrap_or_default()
                .into_iter()
                .map(usize::from)
                .collect()
        });
        let check = match &r.check {
            Some(c) => condition::compile(c, &book, ctx, p),
            None => {
                p.push(ctx, "`check` is missing".into(), None);
                None
            }
        };
        // Texts name the condition's numbers, and show the effective ones.
        let params = r
            .check
            .as_ref()
            .map(template::parameters)
            .unwrap_or_default();
        let words = |t: &Option<RawText>, what: &str, p: &mut Problems| {
            let t = text(t, ctx, what, p);
            rendered(t, &params, ctx, what, p)
        };
        let title = words(&r.title, "title", p);
        let requirement = words(&r.requirement, "requirement", p);
        let explanation = words(&r.explanation, "explanation", p);
        let interpretation = r
            .interpretation
            .as_ref()
            .map(|t| words(&Some(t.clone()), "interpretation", p));
        let rule = Rule {
            id: r.id.clone(),
            grade,
            kind,
            article: required_str(&r.article, ctx, "article", p),
            quote: r.quote.clone().unwrap_or_default(),
            title,
            requirement,
            explanation,
            interpretation,
            applies_to,
            check: check.unwrap_or(Condition::All(Vec::new())),
        };
        if !rules.iter().any(|o: &Rule| o.id == rule.id) {
            rules.push(rule);
        }
    }
    // Lowest grade first; the sort is stable, so rules keep their written order within a grade.
    rules.sort_by_key(|r| std::cmp::Reverse(r.grade));
    book.rules = rules;
    // Division-code checks, declared on the code field.
    for f in &raw.fields {
        let (Some(regions), Some(type_digits)) = (&f.regions, &f.type_digits) else {
            if f.regions.is_some() != f.type_digits.is_some() {
                p.push(
                    &f.key,
                    "`regions` and `type_digits` go together".into(),
                    None,
                );
            }
            continue;
        };
        let ctx = f.key.as_str();
        let Some(field) = book.field_by_key(&f.key) else {
            continue;
        };
        let FieldKind::Code { digits } = book.fields[field].kind else {
            p.push(
                ctx,
                "`regions` and `type_digits` go only with kind `code`".into(),
                None,
            );
            continue;
        };
        let mut prefixes: Vec<(usize, usize)> = Vec::new();
        for (key, len) in regions {
            match book.field_by_key(key) {
                Some(rf) if *len > 0 && *len < digits => prefixes.push((rf, *len)),
                Some(_) => p.push(ctx, format!("region `{key}`: a prefix of {len} digits does not fit a {digits}-digit code"), None),
                None => p.push(ctx, format!("unknown region field `{key}`"), did_you_mean(key, book.fields.iter().map(|f| f.key.as_str())).map(|s| format!("did you mean `{s}`?"))),
            }
        }
        prefixes.sort_by_key(|(_, len)| *len);
        let (Some(&(_, township_end)), true) = (prefixes.last(), prefixes.len() >= 2) else {
            p.push(ctx, "`regions` needs at least two region columns (the longest prefix ends the township segment)".into(), None);
            continue;
        };
        let township_start = prefixes[prefixes.len() - 2].1;
        let mut by_type = Vec::new();
        for (key, d) in type_digits {
            let Some(t) = book.type_by_key(key) else {
                p.push(
                    ctx,
                    format!("unknown type `{key}`"),
                    did_you_mean(key, book.types.iter().map(|t| t.key.as_str()))
                        .map(|s| format!("did you mean `{s}`?")),
                );
                continue;
            };
            let ranges = |v: &Vec<[u32; 2]>| v.iter().map(|[a, b]| (*a, *b)).collect::<Vec<_>>();
            by_type.push(TypeDigits {
                type_: t,
                township: ranges(&d.township),
                village: ranges(&d.village),
            });
        }
        // In the types' order, as messages list them.
        by_type.sort_by_key(|d: &TypeDigits| d.type_);
        book.code_checks = Some(CodeChecks {
            field,
            regions: prefixes,
            township_segment: (township_start, township_end),
            village_segment: (township_end, digits),
            by_type,
        });
    }

    for c in &raw.structure {
        let ctx = c.id.as_str();
        if book.structure.iter().any(|o| o.id == c.id) {
            p.push(
                ctx,
                format!("structure check `{ctx}` is declared twice"),
                None,
            );
            continue;
        }
        let types = c.types.as_ref().map(|keys| {
            book.type_items(keys, ctx, p)
                .unwrap_or_default()
                .into_iter()
                .map(usize::from)
                .collect()
        });
        if c.grades.is_empty() || c.grades.iter().any(|g| *g > 4) {
            p.push(
                ctx,
                "`grades` needs one or more of 1, 2, 3, 4 (0 for 未达四级)".into(),
                None,
            );
        }
        let threshold = match (&c.share, &c.count) {
            (Some(t), None) => Some((true, t)),
            (None, Some(t)) => Some((false, t)),
            _ => {
                p.push(
                    ctx,
                    "a structure check needs exactly one of `share` and `count`".into(),
                    None,
                );
                None
            }
        };
        let compared = threshold.and_then(|(share, t)| {
            let ops: Vec<(CmpOp, f64)> = [
                (CmpOp::AtLeast, t.at_least),
                (CmpOp::MoreThan, t.more_than),
                (CmpOp::AtMost, t.at_most),
                (CmpOp::LessThan, t.less_than),
            ]
            .into_iter()
            .filter_map(|(op, v)| v.map(|v| (op, v)))
            .collect();
            match ops.as_slice() {
                [(op, v)] if !share || (0.0..=1.0).contains(v) => Some((share, *op, *v)),
                [_] => {
                    p.push(ctx, "a `share` is a fraction from 0 to 1".into(), None);
                    None
                }
                _ => {
                    p.push(ctx, "a threshold needs exactly one of `at_least`, `more_than`, `at_most`, `less_than`".into(), None);
                    None
                }
            }
        });
        if let Some((share, op, value)) = compared {
            let params = [template::structure_parameter(share, value)];
            let words = |t: &Option<RawText>, what: &str, p: &mut Problems| {
                let t = text(t, ctx, what, p);
                rendered(t, &params, ctx, what, p)
            };
            let title = words(&c.title, "title", p);
            let requirement = words(&c.requirement, "requirement", p);
            let interpretation = c
                .interpretation
                .as_ref()
                .map(|t| words(&Some(t.clone()), "interpretation", p));
            book.structure.push(StructureCheck {
                id: c.id.clone(),
                article: required_str(&c.article, ctx, "article", p),
                quote: c.quote.clone().unwrap_or_default(),
                title,
                requirement,
                interpretation,
                types,
                grades: c.grades.clone(),
                share,
                op,
                value,
            });
        }
    }
    for a in &raw.articles {
        if book
            .articles
            .iter()
            .any(|o: &Article| o.article == a.article)
        {
            p.push(
                &a.article,
                format!("article `{}` is listed twice", a.article),
                None,
            );
            continue;
        }
        book.articles.push(Article {
            article: a.article.clone(),
            chapter: a.chapter,
            topic: text(&a.topic, &a.article, "topic", p),
            note: a
                .note
                .as_ref()
                .map(|n| text(&Some(n.clone()), &a.article, "note", p)),
        });
    }
    book.raw = raw;
    Some(book)
}
