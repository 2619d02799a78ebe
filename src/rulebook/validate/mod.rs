//! Validation: a raw rulebook (as written) into the typed [`Rulebook`], gathering every problem —
//! unknown keys and references, duplicates, missing translations, malformed conditions — with
//! where it is, before failing. One function a section of the rulebook, each after the sections
//! it uses: spellings and grades (here), types and vocabularies ([`types`]), fields ([`fields`]),
//! rules, division-code checks and structure checks ([`rules`]), articles (here).

mod fields;
mod rules;
mod types;

use super::raw::{RawRulebook, RawText};
use super::template::{self, Parameter, TemplateError};
use super::{Article, GradeInfo, Problems, Rulebook};
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

/// The rulebook `raw` describes, with a problem in `p` for everything wrong in it. Whatever is
/// wrong, a rulebook comes back, made of what could be read, so that every section is checked
/// in one pass; it may be used only when `p` has no problems.
pub(super) fn validate(raw: RawRulebook, p: &mut Problems) -> Rulebook {
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
    let Spellings {
        none,
        blank_marks,
        total_rows,
        footer_rows,
        yes,
        no,
        list_separators,
    } = spellings(&raw, p);
    let grades = grades(&raw, p);
    let (types, type_lookup, reference_lookup) = types::types(&raw, p);
    let (vocabularies, vocabulary_lookup) = types::vocabularies(&raw, p);
    let (fields, field_lookup, header_lookup) = fields::fields(&raw, &vocabulary_lookup, p);
    let core = fields::core_fields(&fields, &field_lookup, p);

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
        core,
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
    book.rules = rules::rules(&raw, &book, p);
    book.code_checks = rules::code_checks(&raw, &book, p);
    book.structure = rules::structure(&raw, &book, p);
    book.articles = articles(&raw, p);
    book.raw = raw;
    book
}

/// The `spellings` section, read.
struct Spellings {
    none: Vec<String>,
    blank_marks: Vec<String>,
    total_rows: Vec<String>,
    footer_rows: Vec<String>,
    yes: Vec<String>,
    no: Vec<String>,
    list_separators: Vec<char>,
}

/// Yes and no, list separators, the none-words and blank marks, and the words of rows that are
/// no outlets.
fn spellings(raw: &RawRulebook, p: &mut Problems) -> Spellings {
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
    Spellings {
        none,
        blank_marks,
        total_rows,
        footer_rows,
        yes,
        no,
        list_separators,
    }
}

/// The grades: exactly 4, 3, 2 and 1, each described once.
fn grades(raw: &RawRulebook, p: &mut Problems) -> Vec<GradeInfo> {
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
    grades
}

/// The articles of the guideline the rulebook lists, each once.
fn articles(raw: &RawRulebook, p: &mut Problems) -> Vec<Article> {
    let mut articles: Vec<Article> = Vec::new();
    for a in &raw.articles {
        if articles.iter().any(|o: &Article| o.article == a.article) {
            p.push(
                &a.article,
                format!("article `{}` is listed twice", a.article),
                None,
            );
            continue;
        }
        articles.push(Article {
            article: a.article.clone(),
            chapter: a.chapter,
            topic: text(&a.topic, &a.article, "topic", p),
            note: a
                .note
                .as_ref()
                .map(|n| text(&Some(n.clone()), &a.article, "note", p)),
        });
    }
    articles
}
