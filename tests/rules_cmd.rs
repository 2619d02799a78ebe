//! `outlet rules list|explain|check|show|coverage` in every format and both languages, held to
//! DOMAIN.md (the rule table below is written from it, not read from the rulebook), and the check
//! that every shipped rule — of the built-in rulebook, the template and the example overlay — has a
//! working passing and failing example. What a command prints for one case (the example overlay
//! listed and covered, a rule explained, a rulebook checked) is in trycmd case files under
//! `tests/cmd/rules-*`.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::BTreeMap;

use common::files::{PROVINCE, root};
use common::run::ok;
use common::table::{json, records};
use jiff::civil::{Date, date};
use outlet::eval::{Evaluator, Truth};
use outlet::example::{examples, outlet_with};
use outlet::rulebook::Rulebook;

const FORMATS: [&str; 4] = ["table", "csv", "json", "markdown"];
const LANGS: [&str; 2] = ["zh", "en"];

/// The built-in rules as DOMAIN.md lists them: id, grade, kind, article.
const BUILTIN_RULES: [(&str, u8, &str, &str); 21] = [
    ("G4-CHANNEL", 4, "required", "第十三条"),
    ("G4-FRESH", 4, "required", "第十三条"),
    ("G4-SERVICES", 4, "required", "第十条"),
    ("G4-KIOSK", 4, "advisory", "第十三条"),
    ("G3-WINDOW", 3, "required", "第十六条"),
    ("G3-STAFF", 3, "required", "第十六条"),
    ("G3-COMPUTER", 3, "required", "第十六条"),
    ("G3-SYSTEM", 3, "required", "第十六条"),
    ("G3-SERVICES", 3, "required", "第十条"),
    ("G2-SPACE", 2, "required", "第十九条"),
    ("G2-PARTY", 2, "required", "第十九条"),
    ("G2-FUNDS", 2, "required", "第十九条"),
    ("G2-RULES", 2, "required", "第十九条"),
    ("G2-SERVICES", 2, "required", "第十条"),
    ("G2-DOORSTEP", 2, "advisory", "第十九条"),
    ("G1-SPACE", 1, "required", "第二十二条"),
    ("G1-STAFF", 1, "required", "第二十二条"),
    ("G1-EQUIPMENT", 1, "required", "第二十二条"),
    ("G1-FUNDS", 1, "required", "第二十二条"),
    ("G1-RULES", 1, "required", "第二十二条"),
    ("G1-SERVICES", 1, "required", "第十条"),
];

/// The articles of chapters 3-9 of the guideline, in order.
const ARTICLES: [&str; 21] = [
    "第七条",
    "第八条",
    "第九条",
    "第十条",
    "第十一条",
    "第十二条",
    "第十三条",
    "第十四条",
    "第十五条",
    "第十六条",
    "第十七条",
    "第十八条",
    "第十九条",
    "第二十条",
    "第二十一条",
    "第二十二条",
    "第二十三条",
    "第二十四条",
    "第二十五条",
    "第二十六条",
    "第二十七条",
];

fn grade_zh(g: u8) -> &'static str {
    ["", "一级", "二级", "三级", "四级"][usize::from(g)]
}

fn kind_zh(kind: &str) -> &'static str {
    if kind == "required" {
        "必备"
    } else {
        "建议"
    }
}

// ---- rules list ----

#[test]
fn list_csv_in_english_has_every_builtin_rule_with_its_grade_kind_and_article() {
    let rows = records(&ok(&["rules", "list", "--format", "csv", "--lang", "en"]));
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    let expected: Vec<&str> = BUILTIN_RULES.iter().map(|r| r.0).collect();
    assert_eq!(ids, expected, "every rule, grade 4 first, as written");
    for (r, (id, grade, kind, article)) in rows.iter().zip(BUILTIN_RULES) {
        assert_eq!(r["grade"], grade.to_string(), "{id}");
        assert_eq!(r["kind"], kind, "{id}");
        assert_eq!(r["article"], article, "{id}");
        assert!(!r["title"].is_empty(), "{id} has a title");
    }
}

#[test]
fn list_csv_in_chinese_names_grades_and_kinds_in_chinese() {
    let rows = records(&ok(&["rules", "list", "--format", "csv"]));
    assert_eq!(rows.len(), BUILTIN_RULES.len());
    for (r, (id, grade, kind, article)) in rows.iter().zip(BUILTIN_RULES) {
        assert_eq!(r["规则"], id);
        assert_eq!(r["级别"], grade_zh(grade), "{id}");
        assert_eq!(r["类别"], kind_zh(kind), "{id}");
        assert_eq!(r["条款"], article, "{id}");
    }
}

#[test]
fn list_json_in_both_languages_has_every_rule_with_stable_keys() {
    for lang in LANGS {
        let doc = json(&ok(&["rules", "list", "--format", "json", "--lang", lang]));
        assert_eq!(doc["rulebook"]["id"], "builtin");
        assert_eq!(doc["rulebook"]["version"], "2025.04.17-1");
        assert!(doc["schema_version"].is_number());
        let rules = doc["rules"].as_array().expect("a rules array");
        assert_eq!(rules.len(), BUILTIN_RULES.len(), "{lang}");
        for (r, (id, grade, kind, article)) in rules.iter().zip(BUILTIN_RULES) {
            assert_eq!(r["id"], id, "{lang}");
            assert_eq!(r["grade"], u64::from(grade), "{lang} {id}: a number");
            assert_eq!(r["kind"], kind, "{lang} {id}: a key, whatever the language");
            assert_eq!(r["article"], article, "{lang} {id}");
        }
    }
}

#[test]
fn list_table_and_markdown_in_both_languages_show_every_rule() {
    for format in ["table", "markdown"] {
        for lang in LANGS {
            let text = ok(&["rules", "list", "--format", format, "--lang", lang]);
            let first = text.lines().next().unwrap_or_default();
            assert!(
                first.contains("builtin 2025.04.17-1"),
                "{format} {lang} names the rulebook: {first}"
            );
            for (id, grade, kind, article) in BUILTIN_RULES {
                let line = text
                    .lines()
                    .find(|l| l.contains(&format!(" {id} ")))
                    .unwrap_or_else(|| panic!("{format} {lang}: no row for {id}: {text}"));
                let (g, k) = if lang == "en" {
                    (grade.to_string(), kind.to_string())
                } else {
                    (grade_zh(grade).to_string(), kind_zh(kind).to_string())
                };
                assert!(
                    line.contains(&g) && line.contains(&k) && line.contains(article),
                    "{format} {lang}: {line}"
                );
            }
            if format == "markdown" {
                assert!(text.contains("|---|"), "a Markdown table: {text}");
            }
        }
    }
}

// ---- rules explain ----

#[test]
fn explain_g4_fresh_shows_the_article_and_examples_in_every_format_and_language() {
    for format in FORMATS {
        for lang in LANGS {
            let text = ok(&[
                "rules",
                "explain",
                "G4-FRESH",
                "--as-of",
                "2025-11-30",
                "--format",
                format,
                "--lang",
                lang,
            ]);
            assert!(text.contains("G4-FRESH"), "{format} {lang}: {text}");
            assert!(text.contains("第十三条"), "{format} {lang}: {text}");
            assert!(
                text.contains("相关信息能够及时更新、发布"),
                "{format} {lang}: the article's own words: {text}"
            );
            assert!(
                text.contains("2025-10-31") && text.contains("2025-10-30"),
                "{format} {lang}: {text}"
            );
        }
    }
}

#[test]
fn explain_csv_puts_the_passing_and_failing_dates_in_their_columns() {
    let en = records(&ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--as-of",
        "2025-11-30",
        "--format",
        "csv",
        "--lang",
        "en",
    ]));
    assert_eq!(en.len(), 1);
    assert_eq!(
        en[0]["passing_example"],
        "last information update=2025-10-31"
    );
    assert_eq!(
        en[0]["failing_example"],
        "last information update=2025-10-30"
    );
    assert_eq!(en[0]["kind"], "required");
    assert_eq!(en[0]["article"], "第十三条");
    let zh = records(&ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--as-of",
        "2025-11-30",
        "--format",
        "csv",
    ]));
    assert_eq!(zh[0]["通过示例"], "信息更新日期=2025-10-31");
    assert_eq!(zh[0]["不通过示例"], "信息更新日期=2025-10-30");
}

#[test]
fn explain_json_and_markdown_put_each_date_in_its_own_field() {
    let doc = json(&ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--as-of",
        "2025-11-30",
        "--format",
        "json",
        "--lang",
        "en",
    ]));
    let rule = &doc["rules"][0];
    assert_eq!(rule["id"], "G4-FRESH");
    assert_eq!(
        rule["passing_example"],
        "last information update=2025-10-31"
    );
    assert_eq!(
        rule["failing_example"],
        "last information update=2025-10-30"
    );
    let md = ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--as-of",
        "2025-11-30",
        "--format",
        "markdown",
        "--lang",
        "en",
    ]);
    assert!(
        md.contains("| passing example | last information update=2025-10-31 |"),
        "{md}"
    );
    assert!(
        md.contains("| failing example | last information update=2025-10-30 |"),
        "{md}"
    );
    let table = ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--as-of",
        "2025-11-30",
        "--format",
        "table",
    ]);
    let passing = table
        .lines()
        .find(|l| l.contains("通过示例") && !l.contains("不通过示例"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(passing.contains("2025-10-31"), "{passing}");
    let failing = table
        .lines()
        .find(|l| l.contains("不通过示例"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(failing.contains("2025-10-30"), "{failing}");
}

#[test]
fn explain_builds_its_examples_for_the_as_of_date_and_the_rulebook() {
    let later = records(&ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--as-of",
        "2026-03-01",
        "--format",
        "csv",
        "--lang",
        "en",
    ]));
    // 30 days before 2026-03-01 (2026 is no leap year) is 2026-01-30.
    assert_eq!(
        later[0]["passing_example"],
        "last information update=2026-01-30"
    );
    assert_eq!(
        later[0]["failing_example"],
        "last information update=2026-01-29"
    );
    let province = records(&ok(&[
        "rules",
        "explain",
        "G4-FRESH",
        "--rules",
        PROVINCE,
        "--as-of",
        "2025-11-30",
        "--format",
        "csv",
        "--lang",
        "en",
    ]));
    assert_eq!(
        province[0]["passing_example"],
        "last information update=2025-11-10"
    );
    assert_eq!(
        province[0]["failing_example"],
        "last information update=2025-11-09"
    );
}

// ---- every shipped rule has a fixture ----

fn shipped() -> Vec<(String, Rulebook)> {
    let mut books = vec![(
        "builtin".to_string(),
        Rulebook::builtin().expect("the built-in rulebook loads"),
    )];
    for file in [PROVINCE, "rules/template.yaml"] {
        books.push((
            file.to_string(),
            Rulebook::load(&root(file)).unwrap_or_else(|e| panic!("{file} loads: {e}")),
        ));
    }
    books
}

#[test]
fn every_shipped_rule_has_a_passing_and_a_failing_example() {
    let dates: [Date; 3] = [date(2025, 11, 30), date(2025, 1, 1), date(2028, 2, 29)];
    for (name, book) in shipped() {
        assert!(!book.rules.is_empty(), "{name}");
        for day in dates {
            let ev = Evaluator::new(&book, day);
            for rule in &book.rules {
                let ex = examples(&book, rule, day);
                let passing = ex
                    .passing
                    .unwrap_or_else(|| panic!("{name}: {} has no passing example", rule.id));
                let failing = ex
                    .failing
                    .unwrap_or_else(|| panic!("{name}: {} has no failing example", rule.id));
                assert!(!passing.is_empty(), "{name}: {}", rule.id);
                assert!(!failing.is_empty(), "{name}: {}", rule.id);
                assert_eq!(
                    ev.truth(&rule.check, &outlet_with(&book, &passing)),
                    Truth::True,
                    "{name}: {} passing example",
                    rule.id
                );
                assert_eq!(
                    ev.truth(&rule.check, &outlet_with(&book, &failing)),
                    Truth::False,
                    "{name}: {} failing example fails as lacking, not as missing",
                    rule.id
                );
            }
        }
    }
}

#[test]
fn every_shipped_rule_is_explained_with_both_examples() {
    for file in [None, Some(PROVINCE), Some("rules/template.yaml")] {
        let mut args = vec!["rules", "list", "--format", "csv", "--lang", "en"];
        if let Some(f) = file {
            args.extend(["--rules", f]);
        }
        for r in records(&ok(&args)) {
            let mut args = vec![
                "rules",
                "explain",
                &r["id"],
                "--as-of",
                "2025-11-30",
                "--format",
                "csv",
                "--lang",
                "en",
            ];
            if let Some(f) = file {
                args.extend(["--rules", f]);
            }
            let rows = records(&ok(&args));
            assert_eq!(rows.len(), 1);
            assert!(
                !rows[0]["passing_example"].is_empty() && !rows[0]["failing_example"].is_empty(),
                "{file:?} {}: {:?}",
                r["id"],
                rows[0]
            );
            assert_ne!(rows[0]["passing_example"], rows[0]["failing_example"]);
        }
    }
}

// ---- rules coverage ----

/// The statuses of an article in `rules coverage`.
const STATUSES: [&str; 5] = [
    "encoded",
    "encoded_interpreted",
    "partly",
    "partly_interpreted",
    "not_encoded",
];

#[test]
fn coverage_lists_articles_seven_to_twenty_seven_with_a_status_and_a_note_where_not_encoded() {
    let rows = records(&ok(&[
        "rules", "coverage", "--format", "csv", "--lang", "en",
    ]));
    let articles: Vec<&str> = rows.iter().map(|r| r["article"].as_str()).collect();
    assert_eq!(articles, ARTICLES);
    for r in &rows {
        let status = r["status"].as_str();
        assert!(STATUSES.contains(&status), "{}: {status}", r["article"]);
        if !status.starts_with("encoded") {
            assert!(
                !r["note"].is_empty(),
                "{} needs a note: {r:?}",
                r["article"]
            );
        }
        if status == "not_encoded" {
            assert!(r["rules"].is_empty(), "{r:?}");
        } else {
            assert!(!r["rules"].is_empty(), "{r:?}");
        }
        assert!(!r["topic"].is_empty(), "{r:?}");
    }
    let by: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["article"].as_str(), r)).collect();
    // Where DOMAIN.md puts the rules.
    // G4-FRESH's 30 days are an interpretation.
    assert_eq!(by["第十三条"]["status"], "encoded_interpreted");
    assert_eq!(by["第十三条"]["rules"], "G4-CHANNEL G4-FRESH G4-KIOSK");
    assert_eq!(
        by["第十六条"]["rules"],
        "G3-WINDOW G3-STAFF G3-COMPUTER G3-SYSTEM"
    );
    assert!(by["第十三条"]["interpretations"].contains("G4-FRESH"));
    assert_eq!(
        by["第十条"]["rules"],
        "G4-SERVICES G3-SERVICES G2-SERVICES G1-SERVICES"
    );
    assert_eq!(
        by["第十五条"]["status"], "encoded",
        "the minimum of townships"
    );
    for article in [
        "第十一条",
        "第十四条",
        "第十七条",
        "第二十条",
        "第二十六条",
        "第二十七条",
    ] {
        assert_eq!(by[article]["status"], "not_encoded", "{article}");
    }
}

#[test]
fn coverage_renders_in_every_format_and_language() {
    for format in FORMATS {
        for lang in LANGS {
            let text = ok(&["rules", "coverage", "--format", format, "--lang", lang]);
            for article in ARTICLES {
                assert!(text.contains(article), "{format} {lang}: no {article}");
            }
            if format == "json" {
                let doc = json(&text);
                let rows = doc["articles"].as_array().expect("articles");
                assert_eq!(rows.len(), ARTICLES.len());
                for r in rows {
                    let status = r["status"].as_str().expect("a status");
                    assert!(STATUSES.contains(&status), "{r}");
                    if status == "not_encoded" {
                        assert!(r["note"].as_str().is_some_and(|n| !n.is_empty()), "{r}");
                    }
                }
            }
        }
    }
    // In Chinese the note is Chinese.
    let zh = records(&ok(&["rules", "coverage", "--format", "csv"]));
    let seventh = zh
        .iter()
        .find(|r| r.values().any(|v| v == "第二十七条"))
        .expect("第二十七条");
    assert!(
        seventh.values().any(|v| v.contains("倡导性条款")),
        "{seventh:?}"
    );
}

#[test]
fn coverage_lists_the_interpretations_a_province_may_change() {
    let md = ok(&["rules", "coverage", "--format", "markdown", "--lang", "en"]);
    for id in [
        "G4-FRESH",
        "G3-STAFF",
        "G3-SERVICES",
        "G2-FUNDS",
        "G2-SERVICES",
        "G1-EQUIPMENT",
        "G1-SERVICES",
    ] {
        assert!(
            md.lines().any(|l| l.starts_with(&format!("| {id} |"))),
            "{id} interprets vague wording: {md}"
        );
    }
    assert!(
        !md.lines().any(|l| l.starts_with("| G3-WINDOW |")),
        "G3-WINDOW interprets nothing"
    );
}

// ---- rules check ----

// ---- rules show ----

#[test]
fn show_prints_the_builtin_rulebook_as_written() {
    let builtin = std::fs::read_to_string(root("rules/builtin.yaml")).expect("builtin.yaml");
    assert_eq!(ok(&["rules", "show"]), builtin);
    let md = ok(&["rules", "show", "--format", "markdown"]);
    assert!(md.starts_with("```yaml\n"), "{md}");
    assert!(md.contains(&builtin), "the whole file inside the fence");
}

#[test]
fn show_prints_an_overlay_as_written_and_resolved_as_a_whole_rulebook() {
    let overlay = std::fs::read_to_string(root(PROVINCE)).expect("the example overlay");
    assert_eq!(ok(&["rules", "show", "--rules", PROVINCE]), overlay);
    let resolved = ok(&["rules", "show", "--resolved", "--rules", PROVINCE]);
    assert!(!resolved.contains("extends:"), "{resolved}");
    let raw: serde_yaml::Value = serde_yaml::from_str(&resolved).expect("YAML");
    assert_eq!(raw["id"], "shifan-province");
    assert_eq!(raw["schema"], 1);
    let rules = raw["rules"].as_sequence().expect("rules");
    assert_eq!(rules.len(), 24);
    for key in [
        "grades",
        "types",
        "fields",
        "vocabularies",
        "articles",
        "structure",
    ] {
        assert!(raw.get(key).is_some(), "a whole rulebook has `{key}`");
    }
}

#[test]
fn show_json_and_csv_give_the_effective_rulebook() {
    let doc = json(&ok(&[
        "rules", "show", "--rules", PROVINCE, "--format", "json",
    ]));
    assert_eq!(doc["id"], "shifan-province");
    let fresh = doc["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "G4-FRESH")
        .expect("G4-FRESH");
    assert_eq!(fresh["check"]["within_days"], 20);
    for lang in LANGS {
        let rows = records(&ok(&["rules", "show", "--format", "csv", "--lang", lang]));
        assert_eq!(rows.len(), BUILTIN_RULES.len(), "{lang}");
    }
    let rows = records(&ok(&["rules", "show", "--format", "csv", "--lang", "en"]));
    let fresh = rows
        .iter()
        .find(|r| r["id"] == "G4-FRESH")
        .expect("G4-FRESH");
    assert!(fresh["check"].contains("\"within_days\":30"), "{fresh:?}");
}

#[test]
fn show_renders_in_every_format_and_language_with_and_without_resolving() {
    for format in FORMATS {
        for lang in LANGS {
            for resolved in [false, true] {
                let mut args = vec![
                    "rules", "show", "--rules", PROVINCE, "--format", format, "--lang", lang,
                ];
                if resolved {
                    args.push("--resolved");
                }
                let text = ok(&args);
                assert!(
                    text.contains("G4-FRESH"),
                    "{format} {lang} resolved={resolved}: {text}"
                );
                if resolved && format == "table" {
                    assert!(
                        text.contains("G3-WINDOW"),
                        "the resolved rulebook has the built-in rules too"
                    );
                }
            }
        }
    }
}

/// Every top-level key an overlay may have.
const OVERLAY_KEYS: [&str; 14] = [
    "schema",
    "extends",
    "id",
    "version",
    "title",
    "add_spellings",
    "add_fields",
    "add_entries",
    "add_aliases",
    "modify_types",
    "modify_rules",
    "add_rules",
    "modify_structure",
    "add_structure",
];

#[test]
fn the_template_and_the_rules_readme_show_every_overlay_key() {
    let template = std::fs::read_to_string(root("rules/template.yaml")).expect("template.yaml");
    let readme = std::fs::read_to_string(root("rules/README.md")).expect("rules/README.md");
    for key in OVERLAY_KEYS {
        assert!(
            template.lines().any(|l| l.starts_with(&format!("{key}:"))),
            "rules/template.yaml has no `{key}:`"
        );
        assert!(
            readme.contains(&format!("`{key}")),
            "rules/README.md does not mention `{key}`"
        );
    }
}
