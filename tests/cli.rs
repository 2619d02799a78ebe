//! The `outlet` binary: `grade`, `gaps` and `explain` in every format and language, the JSON
//! contract, inputs (GBK, BOM, YAML, standard input) and `--output`. The county example is checked
//! against `tests/fixtures/county-expected.csv`, a reading of it derived by hand from DOMAIN.md.
//!
//! What a command prints, as a user sees it (the CSV contract, the table, exit codes, problems on
//! standard error, inputs that cannot be read), is in trycmd case files under `tests/cmd/grade`,
//! `tests/cmd/gaps` and `tests/cmd/explain`. Here is what those cannot say: the reading derived by
//! hand, the structure of JSON reports, runs compared with one another, and files written.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use common::files::{COUNTY_CSV, example, read_root};
use common::run::{code, json_of, run, run_stdin, stderr, stdout};
use common::table::Table;
use common::{AS_OF, baseline, book, csv, with};
use serde_json::Value as Json;

const COUNTY_YAML: &str = "examples/county.yaml";
const COUNTY_GBK: &str = "examples/county-gbk.csv";

/// `outlet CMD INPUT --format csv --lang en [extra…]` as a table.
fn csv_en(cmd: &str, input: &str, extra: &[&str]) -> (Table, Output) {
    let mut args = vec![cmd, input, "--format", "csv", "--lang", "en"];
    args.extend_from_slice(extra);
    let out = run(&args);
    (Table::parse(&stdout(&out)), out)
}

/// One outlet of the hand-derived reading of the county example.
struct Expected {
    type_: String,
    minimum: String,
    claimed: String,
    assessed: String,
    status: String,
    gaps_to_next: usize,
}

fn expected() -> BTreeMap<String, Expected> {
    Table::parse(&read_root("tests/fixtures/county-expected.csv"))
        .rows
        .into_iter()
        .map(|r| {
            (
                r["id"].clone(),
                Expected {
                    type_: r["type"].clone(),
                    minimum: r["minimum_grade"].clone(),
                    claimed: r["claimed_grade"].clone(),
                    assessed: r["assessed_grade"].clone(),
                    status: r["status"].clone(),
                    gaps_to_next: r["gaps_to_next"].parse().expect("a count"),
                },
            )
        })
        .collect()
}

// ---- the county example against the hand-derived reading ----

fn check_grades_against_fixture(input: &str) {
    let (table, out) = csv_en("grade", input, &[]);
    assert_eq!(code(&out), 1, "{input}: the example has data errors");
    let want = expected();
    let got = table.by_id();
    assert_eq!(
        got.keys().copied().collect::<Vec<_>>(),
        want.keys().map(String::as_str).collect::<Vec<_>>(),
        "{input}: the outlets graded"
    );
    let mut wrong = Vec::new();
    for (id, e) in &want {
        let r = got[id.as_str()];
        let pairs = [
            ("type", &e.type_),
            ("minimum_grade", &e.minimum),
            ("claimed_grade", &e.claimed),
            ("assessed_grade", &e.assessed),
            ("status", &e.status),
            ("required_gaps", &e.gaps_to_next.to_string()),
        ];
        for (col, want) in pairs {
            if &r[col] != want {
                wrong.push(format!("{id} {col}: expected `{want}`, got `{}`", r[col]));
            }
        }
    }
    assert!(wrong.is_empty(), "{input}:\n{}", wrong.join("\n"));
}

fn check_gaps_against_fixture(input: &str) {
    let (table, out) = csv_en("gaps", input, &[]);
    assert_eq!(code(&out), 1);
    let want = expected();
    let mut required: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &table.rows {
        let e = &want[&r["id"]];
        // The target is the next grade: 4 for an ungraded outlet, else one better.
        let next = match e.assessed.as_str() {
            "" => 4,
            g => g.parse::<u8>().expect("a grade") - 1,
        };
        assert_eq!(r["target_grade"], next.to_string(), "{r:?}");
        assert_eq!(r["assessed_grade"], e.assessed, "{r:?}");
        if r["kind"] == "required" {
            assert_eq!(r["rule_grade"], next.to_string(), "{r:?}");
            *required.entry(r["id"].as_str()).or_default() += 1;
        }
    }
    let mut wrong = Vec::new();
    for (id, e) in &want {
        let got = required.get(id.as_str()).copied().unwrap_or(0);
        if got != e.gaps_to_next {
            wrong.push(format!(
                "{id}: expected {} required gaps, got {got}",
                e.gaps_to_next
            ));
        }
    }
    assert!(wrong.is_empty(), "{input}:\n{}", wrong.join("\n"));
}

#[test]
fn county_csv_grades_as_derived_by_hand() {
    check_grades_against_fixture(COUNTY_CSV);
}

#[test]
fn county_yaml_grades_as_derived_by_hand() {
    check_grades_against_fixture(COUNTY_YAML);
}

#[test]
fn county_gbk_grades_as_derived_by_hand() {
    check_grades_against_fixture(COUNTY_GBK);
}

#[test]
fn county_csv_gaps_as_derived_by_hand() {
    check_gaps_against_fixture(COUNTY_CSV);
}

#[test]
fn county_yaml_gaps_as_derived_by_hand() {
    check_gaps_against_fixture(COUNTY_YAML);
}

#[test]
fn county_gbk_gaps_as_derived_by_hand() {
    check_gaps_against_fixture(COUNTY_GBK);
}

#[test]
fn county_outlets_held_back_by_one_rule_name_that_rule_and_why() {
    // From tests/fixtures/county-expected-notes.md, "Outlets that stop because of a single rule".
    let single = [
        ("AN-029", "G4-CHANNEL", "lacking"),
        ("AN-018", "G4-FRESH", "lacking"),
        ("AN-039", "G4-FRESH", "missing"),
        ("AN-033", "G4-SERVICES", "lacking"),
        ("AN-027", "G3-WINDOW", "lacking"),
        ("AN-032", "G3-WINDOW", "missing"),
        ("AN-014", "G3-STAFF", "lacking"),
        ("AN-028", "G3-COMPUTER", "lacking"),
        ("AN-031", "G3-SYSTEM", "lacking"),
        ("AN-022", "G3-SERVICES", "lacking"),
        ("AN-016", "G2-SPACE", "lacking"),
        ("AN-009", "G2-SPACE", "missing"),
        ("AN-036", "G2-PARTY", "lacking"),
        ("AN-041", "G2-FUNDS", "lacking"),
        ("AN-004", "G2-RULES", "lacking"),
        ("AN-007", "G2-SERVICES", "lacking"),
        ("AN-003", "G1-SPACE", "lacking"),
        ("AN-025", "G1-STAFF", "lacking"),
        ("AN-011", "G1-EQUIPMENT", "missing"),
        ("AN-015", "G1-FUNDS", "lacking"),
        ("AN-006", "G1-RULES", "lacking"),
        ("AN-005", "G1-SERVICES", "lacking"),
    ];
    let (table, _) = csv_en("gaps", COUNTY_CSV, &[]);
    for (id, rule, reason) in single {
        let got: Vec<(&str, &str)> = table
            .rows
            .iter()
            .filter(|r| r["id"] == id && r["kind"] == "required")
            .map(|r| (r["rule"].as_str(), r["reason"].as_str()))
            .collect();
        assert_eq!(got, [(rule, reason)], "{id}");
    }
}

#[test]
fn county_summary_matches_the_hand_derived_totals() {
    let out = run(&["grade", COUNTY_CSV, "--format", "json"]);
    let doc = json_of(&out);
    let totals = &doc["totals"];
    for (key, n) in [
        ("outlets", 50),
        ("meets", 33),
        ("below_minimum", 9),
        ("overclaimed", 8),
        ("data_errors", 5),
        ("data_warnings", 2),
    ] {
        assert_eq!(totals[key], n, "totals.{key}");
    }
    // The notes' table: type → grade 1, 2, 3, 4, ungraded.
    let want = [
        ("township", [1, 1, 3, 1, 0]),
        ("subdistrict", [1, 3, 0, 0, 0]),
        ("village", [1, 1, 5, 9, 6]),
        ("community", [2, 4, 6, 1, 1]),
        ("partner", [0, 1, 1, 2, 0]),
        ("total", [5, 10, 15, 13, 7]),
    ];
    let rows = doc["by_type"].as_array().expect("by_type is an array");
    for (t, counts) in want {
        let row = rows
            .iter()
            .find(|r| r["type"] == t)
            .unwrap_or_else(|| panic!("no by_type row `{t}`"));
        let got: Vec<i64> = ["grade_1", "grade_2", "grade_3", "grade_4", "ungraded"]
            .iter()
            .map(|k| row[*k].as_i64().expect("a count"))
            .collect();
        assert_eq!(got, counts, "{t}");
    }
}

#[test]
fn county_problems_are_reported_at_their_row_column_and_value() {
    let doc = json_of(&run(&["grade", COUNTY_CSV, "--format", "json"]));
    let got: Vec<(i64, String, Json, String)> = doc["problems"]
        .as_array()
        .expect("problems is an array")
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().expect("a row"),
                p["column"].as_str().expect("a column").to_string(),
                p["value"].clone(),
                p["severity"].as_str().expect("a severity").to_string(),
            )
        })
        .collect();
    let want: Vec<(i64, String, Json, String)> = [
        (9, "服务项目", Json::from("直播带岗"), "warning"),
        (10, "服务空间", Json::from("临时"), "error"),
        (11, "参照类型", Json::Null, "warning"),
        (31, "行政区划代码", Json::from("5.20123E+11"), "error"),
        (33, "经办窗口数", Json::from("若干"), "error"),
        (40, "信息更新日期", Json::from("45981"), "error"),
        // An update date after the as-of date (DOMAIN "Freshness", revised).
        (51, "信息更新日期", Json::from("2025-12-01"), "error"),
    ]
    .into_iter()
    .map(|(r, c, v, s)| (r, c.to_string(), v, s.to_string()))
    .collect();
    assert_eq!(got, want);
    // Each error says what was expected.
    for p in doc["problems"].as_array().expect("problems") {
        if p["severity"] == "error" {
            assert!(p["expected"].as_str().is_some_and(|e| !e.is_empty()), "{p}");
        }
    }
}

#[test]
fn gbk_problems_and_rows_point_at_the_same_rows_as_the_utf8_file() {
    let rows_of = |input: &str| {
        let doc = json_of(&run(&["grade", input, "--format", "json"]));
        let problems: Vec<Json> = doc["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .map(|p| p["row"].clone())
            .collect();
        let outlets: Vec<Json> = doc["outlets"]
            .as_array()
            .expect("outlets")
            .iter()
            .map(|o| o["row"].clone())
            .collect();
        (problems, outlets)
    };
    assert_eq!(rows_of(COUNTY_GBK), rows_of(COUNTY_CSV));
}

#[test]
fn a_passed_through_column_never_overwrites_a_report_column() {
    let input = csv(&[with(&[
        ("网点类型", "村"),
        ("status", "运营中"),
        ("row", "7"),
    ])]);
    let out = run_stdin(
        &["grade", "-", "--format", "json", "--lang", "en"],
        input.clone(),
    );
    let doc = json_of(&out);
    let o = &doc["outlets"][0];
    assert_eq!(o["status"], "meets", "{o}");
    assert_eq!(o["row"], 2, "{o}");
    let out = run_stdin(&["grade", "-", "--format", "csv", "--lang", "en"], input);
    let t = Table::parse(&stdout(&out));
    let unique: BTreeSet<&String> = t.headers.iter().collect();
    assert_eq!(
        unique.len(),
        t.headers.len(),
        "repeated headers: {:?}",
        t.headers
    );
}

/// The parts of a JSON report other than its outlets, rows and problems: its summaries.
fn summaries(doc: &Json) -> String {
    let mut doc = doc.clone();
    if let Some(map) = doc.as_object_mut() {
        for key in ["outlets", "gaps", "rules", "problems", "input"] {
            map.remove(key);
        }
    }
    doc.to_string()
}

/// The summaries of the county example, from `grade` and from `summary` should that command exist
/// (rules/builtin.yaml points region-level checks to an `outlet summary`).
fn county_summaries() -> String {
    let mut text = summaries(&json_of(&run(&["grade", COUNTY_CSV, "--format", "json"])));
    let out = run(&["summary", COUNTY_CSV, "--format", "json"]);
    if code(&out) != 2 {
        text.push_str(&summaries(&json_of(&out)));
    }
    text
}

#[test]
fn the_summary_counts_outlets_by_region() {
    // DOMAIN.md, "Results an auditor expects": counts by type × grade *and by region*.
    let text = county_summaries();
    assert!(text.contains("安宁县"), "no summary by county: {text}");
}

#[test]
fn the_summary_has_the_region_level_structure_checks() {
    // DOMAIN.md: most 乡镇/街道 at grade 2 (第十八条), few grade-4 communities (第十二条), a
    // grade-1 model (第二十一条), each citing its article.
    let text = county_summaries();
    for article in ["第十八条", "第十二条", "第二十一条"] {
        assert!(
            text.contains(article),
            "no structure check citing {article}: {text}"
        );
    }
}

// ---- the machine contract ----

#[test]
fn json_reports_carry_schema_version_and_problems() {
    for (args, rows_key) in [
        (vec!["grade", COUNTY_CSV], "outlets"),
        (vec!["gaps", COUNTY_CSV], "gaps"),
        (vec!["explain", COUNTY_CSV, "AN-032"], "rules"),
    ] {
        for lang in ["zh", "en"] {
            let mut a = args.clone();
            a.extend(["--format", "json", "--lang", lang]);
            let out = run(&a);
            let doc = json_of(&out);
            assert_eq!(doc["schema_version"], 1, "{a:?}");
            assert_eq!(doc["command"], args[0], "{a:?}");
            assert_eq!(doc["as_of"], AS_OF, "{a:?}");
            assert_eq!(doc["lang"], lang, "{a:?}");
            assert!(doc[rows_key].is_array(), "{a:?}: no `{rows_key}` array");
            let problems = doc["problems"].as_array().expect("a problems array");
            assert!(!problems.is_empty(), "{a:?}");
            let two = problems
                .iter()
                .find(|p| p["value"] == "若干")
                .expect("the problem of AN-032");
            let says = if lang == "zh" {
                "不是数量"
            } else {
                "not a count"
            };
            assert!(
                two["message"].as_str().is_some_and(|m| m.contains(says)),
                "{a:?}: {two}"
            );
            for p in problems {
                assert!(["error", "warning"].contains(&p["severity"].as_str().unwrap_or_default()));
                assert!(p["row"].is_u64(), "{p}");
                assert!(p["message"].is_string(), "{p}");
            }
        }
    }
}

#[test]
fn json_grades_are_numbers_and_absent_grades_null() {
    let doc = json_of(&run(&["grade", COUNTY_CSV, "--format", "json"]));
    let outlets = doc["outlets"].as_array().expect("outlets");
    let find = |id: &str| {
        outlets
            .iter()
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let an018 = find("AN-018");
    assert_eq!(an018["assessed_grade"], Json::Null);
    assert_eq!(an018["claimed_grade"], 4);
    assert_eq!(an018["minimum_grade"], 4);
    assert_eq!(an018["status"], "below_minimum");
    let an012 = find("AN-012");
    assert_eq!(an012["claimed_grade"], Json::Null);
    assert_eq!(an012["assessed_grade"], 2);
    assert_eq!(an012["status"], "meets");
    let an022 = find("AN-022");
    assert_eq!(an022["type"], "partner");
    assert_eq!(an022["minimum_grade"], 3);
}

// ---- every command in every format and language ----

#[test]
fn every_command_renders_every_format_in_both_languages() {
    let commands: [(&[&str], &str, &str); 3] = [
        (&["grade", COUNTY_CSV], "网点编号", "id"),
        (&["gaps", COUNTY_CSV], "网点编号", "id"),
        (&["explain", COUNTY_CSV, "AN-032"], "网点编号", "id"),
    ];
    for (args, first_zh, first_en) in commands {
        for format in ["table", "csv", "json", "markdown"] {
            for lang in ["zh", "en"] {
                let mut a = args.to_vec();
                a.extend(["--format", format, "--lang", lang]);
                let out = run(&a);
                assert_eq!(code(&out), 1, "{a:?}: data errors make the run exit 1");
                let text = stdout(&out);
                let first = if lang == "zh" { first_zh } else { first_en };
                // A word of the chosen language that only that language's output has.
                let word = match (args[0], lang) {
                    ("grade", "zh") => "评定级别",
                    ("grade", "en") => "assessed",
                    ("gaps", "zh") => "不满足",
                    ("gaps", "en") => "lacking",
                    ("explain", "zh") => "未填报",
                    _ => "missing",
                };
                match format {
                    "csv" => {
                        let t = Table::parse(&text);
                        assert_eq!(t.headers[0], first, "{a:?}");
                        assert!(!t.rows.is_empty(), "{a:?}");
                    }
                    "json" => {
                        let doc = json_of(&out);
                        assert_eq!(doc["lang"], lang, "{a:?}");
                    }
                    "markdown" => {
                        assert!(
                            text.lines().any(|l| l.starts_with(&format!("| {first} |"))),
                            "{a:?}:\n{text}"
                        );
                        assert!(text.lines().any(|l| l.starts_with("|---|")), "{a:?}");
                    }
                    _ => {
                        assert!(text.contains(first), "{a:?}:\n{text}");
                    }
                }
                if format != "json" || lang == "en" {
                    assert!(text.contains(word), "{a:?} lacks `{word}`:\n{text}");
                }
                // The CSV of `explain` is the rules alone; every other report names the outlet.
                let subject = if args[0] == "explain" && format == "csv" {
                    "G3-WINDOW"
                } else {
                    "AN-032"
                };
                assert!(text.contains(subject), "{a:?}");
            }
        }
    }
}

// ---- explain ----

#[test]
fn explain_json_has_the_outlet_and_only_its_problems() {
    let doc = json_of(&run(&[
        "explain", COUNTY_CSV, "AN-032", "--format", "json", "--lang", "en",
    ]));
    assert_eq!(doc["outlet"]["id"], "AN-032");
    assert_eq!(doc["outlet"]["assessed_grade"], 4);
    assert_eq!(doc["outlet"]["status"], "overclaimed");
    let problems = doc["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["row"], 33);
    assert_eq!(problems[0]["value"], "若干");
}

#[test]
fn the_county_example_exits_one_unless_fail_on_never() {
    for cmd in ["grade", "gaps"] {
        for (fail_on, want) in [
            (None, 1),
            (Some("below-minimum"), 1),
            (Some("overclaimed"), 1),
            (Some("never"), 0),
        ] {
            let mut args = vec![cmd, COUNTY_CSV];
            if let Some(f) = fail_on {
                args.extend(["--fail-on", f]);
            }
            let out = run(&args);
            assert_eq!(code(&out), want, "{args:?}");
            assert!(!out.stdout.is_empty(), "{args:?}");
        }
    }
}

// ---- gaps and --target ----

fn grade_one_ids() -> Vec<String> {
    expected()
        .into_iter()
        .filter(|(_, e)| e.assessed == "1")
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn grade_one_outlets_have_no_gaps() {
    let ones = grade_one_ids();
    assert_eq!(ones.len(), 5, "the notes list five grade-1 outlets");
    for extra in [&[][..], &["--target", "1"], &["--target", "3"]] {
        let (table, _) = csv_en("gaps", COUNTY_CSV, extra);
        for id in &ones {
            assert!(
                !table.rows.iter().any(|r| &r["id"] == id),
                "{id} has gaps with {extra:?}"
            );
        }
    }
    let (table, _) = csv_en("grade", COUNTY_CSV, &[]);
    for id in &ones {
        assert_eq!(table.by_id()[id.as_str()]["required_gaps"], "0", "{id}");
        assert_eq!(table.by_id()[id.as_str()]["next_grade"], "", "{id}");
    }
}

#[test]
fn a_target_lists_every_failing_rule_between_the_grade_and_the_target() {
    let (table, _) = csv_en("gaps", COUNTY_CSV, &["--target", "1"]);
    let rows: Vec<_> = table.rows.iter().filter(|r| r["id"] == "AN-030").collect();
    assert!(rows.iter().all(|r| r["target_grade"] == "1"));
    assert!(
        rows.iter()
            .all(|r| ["2", "1"].contains(&r["rule_grade"].as_str()))
    );
    let required: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "required")
        .map(|r| r["rule"].as_str())
        .collect();
    // AN-030: every grade-2 and every grade-1 rule fails.
    let want: BTreeSet<&str> = book()
        .rules
        .iter()
        .filter(|r| r.grade <= 2 && r.kind.key() == "required")
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(required, want);
    assert_eq!(required.len(), 11);
}

#[test]
fn a_target_of_four_lists_only_ungraded_outlets() {
    let (table, _) = csv_en("gaps", COUNTY_CSV, &["--target", "4"]);
    let ids: BTreeSet<&str> = table.column("id").into_iter().collect();
    let ungraded: BTreeSet<String> = expected()
        .into_iter()
        .filter(|(_, e)| e.assessed.is_empty())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        ids,
        ungraded.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert!(table.rows.iter().all(|r| r["rule_grade"] == "4"));
}

// ---- a run that cannot go on writes nothing ----

#[test]
fn a_missing_required_column_writes_no_output_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let input = dir.path().join("in.csv");
    let row: common::Row = baseline()
        .into_iter()
        .filter(|(h, _)| h != "网点类型")
        .collect();
    std::fs::write(&input, csv(&[row])).expect("write");
    let report = dir.path().join("report.csv");
    let out = run(&[
        "grade",
        input.to_str().expect("utf-8 path"),
        "--output",
        report.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(!report.exists());
}

// ---- inputs: GBK, BOM, YAML, standard input ----

#[test]
fn a_utf8_bom_changes_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("bom.csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(example(COUNTY_CSV));
    std::fs::write(&path, bytes).expect("write");
    let p = path.to_str().expect("utf-8 path");
    let (with_bom, out) = csv_en("grade", p, &[]);
    assert_eq!(code(&out), 1);
    let (plain, _) = csv_en("grade", COUNTY_CSV, &[]);
    assert_eq!(with_bom.rows, plain.rows);
    check_grades_against_fixture(p);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let bytes = example(COUNTY_CSV);
    let out = run_stdin(&["grade", "-", "--format", "csv", "--lang", "en"], bytes);
    assert_eq!(code(&out), 1);
    let (from_file, _) = csv_en("grade", COUNTY_CSV, &[]);
    assert_eq!(Table::parse(&stdout(&out)).rows, from_file.rows);
}

#[test]
fn stdin_may_be_yaml_when_told() {
    let bytes = example(COUNTY_YAML);
    let out = run_stdin(
        &[
            "grade",
            "-",
            "--input-format",
            "yaml",
            "--format",
            "csv",
            "--lang",
            "en",
        ],
        bytes,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let t = Table::parse(&stdout(&out));
    let want = expected();
    for r in &t.rows {
        assert_eq!(r["assessed_grade"], want[&r["id"]].assessed, "{}", r["id"]);
    }
    assert_eq!(t.rows.len(), 50);
}

// ---- --output ----

#[test]
fn output_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (cmd, flag) in [("grade", "--output"), ("gaps", "-o")] {
        let report = dir.path().join(format!("{cmd}.csv"));
        let r = report.to_str().expect("utf-8 path");
        let out = run(&[cmd, COUNTY_CSV, "--format", "csv", "--lang", "en", flag, r]);
        assert_eq!(code(&out), 1);
        assert!(out.stdout.is_empty(), "{cmd}: stdout not empty");
        let written = std::fs::read_to_string(&report).expect("the report was written");
        let (direct, _) = csv_en(cmd, COUNTY_CSV, &[]);
        assert_eq!(Table::parse(&written).rows, direct.rows, "{cmd}");
        assert!(!Table::parse(&written).rows.is_empty());
    }
    // No temporary file is left beside the report.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["gaps.csv", "grade.csv"]);
}

#[test]
fn output_refuses_to_overwrite_the_input() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let input = dir.path().join("county.csv");
    let original = example(COUNTY_CSV);
    std::fs::write(&input, &original).expect("write");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let same = [
        input.to_str().expect("utf-8").to_string(),
        sub.join("..")
            .join("county.csv")
            .to_str()
            .expect("utf-8")
            .to_string(),
    ];
    for target in &same {
        for cmd in ["grade", "gaps"] {
            let out = run(&[
                cmd,
                input.to_str().expect("utf-8"),
                "--format",
                "csv",
                "--output",
                target,
            ]);
            assert_eq!(code(&out), 2, "{cmd} --output {target}");
            assert!(!stderr(&out).is_empty());
            assert_eq!(
                std::fs::read(&input).expect("read"),
                original,
                "{cmd} --output {target} changed the input"
            );
        }
    }
}

/// `grade` of the example county in English CSV, with `-o target`.
#[cfg(unix)]
fn grade_county_into(target: &std::path::Path) -> Output {
    let t = target.to_str().expect("utf-8 path");
    run(&[
        "grade", COUNTY_CSV, "--format", "csv", "--lang", "en", "-o", t,
    ])
}

/// Fails unless `written` has the rows that `grade` of the example county writes to standard
/// output in English CSV.
#[cfg(unix)]
fn assert_county_grades(written: &str) {
    let (direct, _) = csv_en("grade", COUNTY_CSV, &[]);
    assert_eq!(Table::parse(written).rows, direct.rows);
}

/// What is at `path`, a link not followed.
#[cfg(unix)]
fn kind_of(path: &std::path::Path) -> std::fs::FileType {
    std::fs::symlink_metadata(path)
        .expect("something at the path")
        .file_type()
}

/// `--output` naming something that is not a file — a named pipe here, as `/dev/null` or a
/// terminal would be — writes into it: a temporary file renamed over it would replace it.
#[cfg(unix)]
#[test]
fn output_into_a_named_pipe_writes_into_the_pipe_and_leaves_it_a_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let pipe = dir.path().join("report.pipe");
    // The reader opens the pipe as the report is written into it.
    let reader = common::files::named_pipe(&pipe);
    let out = grade_county_into(&pipe);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let kind = kind_of(&pipe);
    assert!(kind.is_fifo(), "the pipe became {kind:?}");
    assert_county_grades(&reader.join().expect("the reader ends"));
    // Nothing else was left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 1);
}

/// Through a link to a file (as `/dev/stdout` is when standard output goes to a file), the file
/// gets the report and the link stays a link.
#[cfg(unix)]
#[test]
fn output_through_a_link_writes_the_file_it_leads_to_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("report.csv");
    std::fs::write(&file, "old").expect("write");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&file, &link).expect("a link");
    let out = grade_county_into(&link);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let kind = kind_of(&link);
    assert!(kind.is_symlink(), "the link became {kind:?}");
    assert_county_grades(&std::fs::read_to_string(&file).expect("the report"));
    // Nothing else was left beside them.
    assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 2);
}

/// A socket (as a disk would be) is neither a file nor a stream to write a report into: refused,
/// and left as it was.
#[cfg(unix)]
#[test]
fn output_naming_a_socket_is_refused_and_left_alone() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let socket = dir.path().join("report.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("a socket");
    let out = grade_county_into(&socket);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("named pipe"), "{}", stderr(&out));
    let kind = kind_of(&socket);
    assert!(kind.is_socket(), "the socket became {kind:?}");
}

#[test]
fn output_naming_a_folder_is_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path().to_str().expect("utf-8 path");
    for target in [d.to_string(), format!("{d}/")] {
        let out = run(&[
            "grade", COUNTY_CSV, "--format", "csv", "--lang", "en", "-o", &target,
        ]);
        assert_eq!(code(&out), 2, "{target}");
        assert!(stderr(&out).contains("is a folder"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 0);
}

#[test]
fn output_into_a_missing_directory_cannot_run() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let report = dir.path().join("no-such-dir").join("report.csv");
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--output",
        report.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(!report.exists());
}
