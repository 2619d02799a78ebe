//! Reports about the rulebook itself: the rule list, one rule explained, article coverage, and
//! each field described for inventory templates.

use jiff::civil::Date;
use serde_json::{Value as Json, json};

use super::describe::value_text;
use super::{Column, Out, Section, words};
use crate::example::{Assignment, examples};
use crate::inventory::kind;
use crate::rulebook::{FieldKind, Rule, Rulebook};
use crate::text::{Lang, Text};

pub fn list_columns() -> Vec<Column> {
    vec![
        Column::new("id", "规则", "id"),
        Column::new("grade", "级别", "grade"),
        Column::new("kind", "类别", "kind"),
        Column::new("article", "条款", "article"),
        Column::new("title", "项目", "title"),
        Column::new("requirement", "要求", "requirement"),
        Column::new("interpretation", "含解释", "interpretation"),
        Column::new("applies_to", "适用类型", "applies to"),
    ]
}

fn applies_to(book: &Rulebook, rule: &Rule, lang: Lang) -> String {
    match &rule.applies_to {
        None => lang.pick("全部", "all").to_string(),
        Some(types) => types
            .iter()
            .map(|t| book.types[*t].name.get(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", ")),
    }
}

pub fn list_row(book: &Rulebook, rule: &Rule, lang: Lang) -> Vec<Out> {
    vec![
        Out::str(&rule.id),
        Out::OptGrade(Some(rule.grade)),
        words::kind(rule.kind),
        Out::str(&rule.article),
        Out::str(rule.title.get(lang)),
        Out::str(rule.requirement.get(lang)),
        if rule.interpretation.is_some() {
            Out::key("yes", "是", "yes")
        } else {
            Out::key("no", "否", "no")
        },
        Out::str(applies_to(book, rule, lang)),
    ]
}

/// An example assignment in words: `经办窗口数=1;…`; every other field blank.
fn example_text(book: &Rulebook, a: &Option<Assignment>, lang: Lang) -> String {
    match a {
        None => lang.pick("(无法构造)", "(none can be built)").to_string(),
        Some(a) => a
            .iter()
            .map(|(f, v)| {
                format!(
                    "{}={}",
                    book.fields[*f].name.get(lang),
                    value_text(book, *f, v, lang)
                )
            })
            .collect::<Vec<_>>()
            .join(lang.pick(";", "; ")),
    }
}

/// The raw condition of a rule, as the rulebook writes it, on one line of JSON-like YAML flow.
pub fn check_text(book: &Rulebook, rule: &Rule) -> String {
    book.raw
        .rules
        .iter()
        .find(|r| r.id == rule.id)
        .and_then(|r| r.check.as_ref())
        .and_then(|c| serde_json::to_string(c).ok())
        .unwrap_or_default()
}

/// One rule explained: what it checks, why, the article's words, examples that pass and fail.
pub fn explain(book: &Rulebook, rule: &Rule, as_of: Date, lang: Lang) -> Section {
    let ex = examples(book, rule, as_of);
    let grade = book
        .grade_info(rule.grade)
        .map(|g| format!("{} {}", g.name.get(lang), g.motto.get(lang)))
        .unwrap_or_default();
    let rows = vec![
        (Column::new("id", "规则", "id"), Out::str(&rule.id)),
        (
            Column::new("title", "项目", "title"),
            Out::str(rule.title.get(lang)),
        ),
        (
            Column::new("grade", "级别", "grade"),
            Out::OptGrade(Some(rule.grade)),
        ),
        (
            Column::new("grade_name", "级别名称", "grade name"),
            Out::str(grade),
        ),
        (Column::new("kind", "类别", "kind"), words::kind(rule.kind)),
        (
            Column::new("article", "条款", "article"),
            Out::str(&rule.article),
        ),
        (
            Column::new("quote", "原文", "guideline text"),
            Out::str(&rule.quote),
        ),
        (
            Column::new("requirement", "要求", "requirement"),
            Out::str(rule.requirement.get(lang)),
        ),
        (
            Column::new("explanation", "说明", "explanation"),
            Out::str(rule.explanation.get(lang)),
        ),
        (
            Column::new(
                "interpretation",
                "解释(指引未明确处的取舍)",
                "interpretation (where the guideline is vague)",
            ),
            rule.interpretation
                .as_ref()
                .map_or(Out::Null, |t| Out::str(t.get(lang))),
        ),
        (
            Column::new("applies_to", "适用类型", "applies to"),
            Out::str(applies_to(book, rule, lang)),
        ),
        (
            Column::new("check", "条件", "condition"),
            Out::str(check_text(book, rule)),
        ),
        (
            Column::new("passing_example", "通过示例", "passing example"),
            Out::str(example_text(book, &ex.passing, lang)),
        ),
        (
            Column::new("failing_example", "不通过示例", "failing example"),
            Out::str(example_text(book, &ex.failing, lang)),
        ),
    ];
    let (columns, row): (Vec<Column>, Vec<Out>) = rows.into_iter().unzip();
    Section {
        key: "rule".into(),
        title: rule.title.clone(),
        columns,
        rows: vec![row],
        single: true,
    }
}

pub fn coverage_columns() -> Vec<Column> {
    vec![
        Column::new("article", "条款", "article"),
        Column::new("chapter", "章", "chapter"),
        Column::new("topic", "内容", "topic"),
        Column::new("status", "编码情况", "status"),
        Column::new("rules", "规则", "rules"),
        Column::new("interpretations", "含解释的规则", "interpretations"),
        Column::new("note", "说明", "note"),
    ]
}

/// One row per article: the rules and types that cite it, and why it has none where it has none.
pub fn coverage_rows(book: &Rulebook, lang: Lang) -> Vec<Vec<Out>> {
    book.articles
        .iter()
        .map(|a| {
            let mut cites: Vec<String> = book
                .rules
                .iter()
                .filter(|r| r.article == a.article)
                .map(|r| r.id.clone())
                .collect();
            cites.extend(
                book.types
                    .iter()
                    .filter(|t| t.article == a.article)
                    .map(|t| format!("type:{}", t.key)),
            );
            // Region-level structure checks encode an article too (as advisory checks).
            cites.extend(
                book.structure
                    .iter()
                    .filter(|c| c.article == a.article)
                    .map(|c| format!("structure:{}", c.id)),
            );
            let interpretations: Vec<String> = interpreted(book)
                .into_iter()
                .filter(|i| i.article == a.article)
                .map(|i| i.id)
                .collect();
            let status = match (
                cites.is_empty(),
                a.note.is_some(),
                interpretations.is_empty(),
            ) {
                (true, _, _) => Out::key("not_encoded", "未编码", "not encoded"),
                (false, true, true) => Out::key("partly", "部分编码", "partly encoded"),
                (false, true, false) => Out::key(
                    "partly_interpreted",
                    "部分编码(含解释)",
                    "partly encoded, with interpretation",
                ),
                (false, false, true) => Out::key("encoded", "已编码", "encoded"),
                (false, false, false) => Out::key(
                    "encoded_interpreted",
                    "已编码(含解释)",
                    "encoded, with interpretation",
                ),
            };
            vec![
                Out::str(&a.article),
                Out::Int(i64::from(a.chapter)),
                Out::str(a.topic.get(lang)),
                status,
                Out::str(cites.join(" ")),
                Out::str(interpretations.join(" ")),
                a.note.as_ref().map_or(Out::Null, |n| Out::str(n.get(lang))),
            ]
        })
        .collect()
}

/// Something in the rulebook that interprets vague wording: a rule, a type's default reference
/// or a structure check, named as `rules coverage` cites it.
struct Interpreted<'b> {
    id: String,
    article: &'b str,
    text: &'b Text,
}

/// Every interpretation of the rulebook: rules first, then types, then structure checks.
fn interpreted(book: &Rulebook) -> Vec<Interpreted<'_>> {
    let rules = book.rules.iter().filter_map(|r| {
        r.interpretation.as_ref().map(|text| Interpreted {
            id: r.id.clone(),
            article: &r.article,
            text,
        })
    });
    let types = book.types.iter().filter_map(|t| {
        let text = t.reference.as_ref()?.interpretation.as_ref()?;
        Some(Interpreted {
            id: format!("type:{}", t.key),
            article: &t.article,
            text,
        })
    });
    let structure = book.structure.iter().filter_map(|c| {
        c.interpretation.as_ref().map(|text| Interpreted {
            id: format!("structure:{}", c.id),
            article: &c.article,
            text,
        })
    });
    rules.chain(types).chain(structure).collect()
}

/// The rules, types and structure checks that interpret vague wording, as a section.
pub fn interpretations(book: &Rulebook, lang: Lang) -> Section {
    let rows = interpreted(book)
        .into_iter()
        .map(|i| {
            vec![
                Out::str(i.id),
                Out::str(i.article),
                Out::str(i.text.get(lang)),
            ]
        })
        .collect();
    Section {
        key: "interpretations".into(),
        title: Text::new(
            "解释(指引措辞笼统处的默认取舍)",
            "Interpretations of vague wording (defaults a province may change)",
        ),
        columns: vec![
            Column::new("rule", "规则", "rule"),
            Column::new("article", "条款", "article"),
            Column::new("interpretation", "解释", "interpretation"),
        ],
        rows,
        single: false,
    }
}

/// What the field at `index` accepts, in words: as [`accepted`], but a partner's reference-type
/// column lists only the types a partner may take as reference.
pub fn accepted_field(book: &Rulebook, index: usize, lang: Lang) -> String {
    if Some(index) == book.core.reference_type {
        let names: Vec<&str> = book
            .reference_types()
            .iter()
            .map(|t| book.types[*t].name.get(lang))
            .collect();
        return names.join(lang.pick("、", ", "));
    }
    accepted(book, &book.fields[index].kind, lang)
}

/// What a field accepts, in words, for templates and column notes (the field kind says).
pub fn accepted(book: &Rulebook, kind: &FieldKind, lang: Lang) -> String {
    kind::accepted(book, kind, lang)
}

/// Every field of the rulebook as a template column: header, key, kind, accepted values, description.
pub fn template_columns() -> Vec<Column> {
    vec![
        Column::new("header", "列名", "header"),
        Column::new("key", "字段", "key"),
        Column::new("kind", "类型", "kind"),
        Column::new("required", "必填", "required"),
        Column::new("accepted", "取值", "accepted values"),
        Column::new("description", "说明", "description"),
    ]
}

pub fn template_rows(book: &Rulebook, lang: Lang) -> Vec<Vec<Out>> {
    book.fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            vec![
                Out::str(header(f, lang)),
                Out::str(&f.key),
                Out::str(f.kind.name()),
                if f.required {
                    Out::key("yes", "是", "yes")
                } else {
                    Out::key("no", "否", "no")
                },
                Out::str(accepted_field(book, i, lang)),
                Out::str(f.description.get(lang)),
            ]
        })
        .collect()
}

/// The column header of a field: its Chinese name, or its key in English.
pub fn header(f: &crate::rulebook::Field, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &f.name.zh,
        Lang::En => &f.key,
    }
}

/// A rulebook problem as JSON.
pub fn problem_json(p: &crate::rulebook::RulebookProblem) -> Json {
    json!({"file": p.file, "line": p.line, "context": p.context, "message": p.message, "help": p.help})
}
