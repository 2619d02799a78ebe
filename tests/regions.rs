//! Regions as real inventories lay them out: a region is its path of names, never its bare name
//! (two 鼓楼区 in two cities, 城关镇 in two counties, the four municipalities' 市辖区); the
//! region-level structure checks are a county's or a larger region's; and `diff` grades last
//! year's inventory as of last year's date.
//!
//! `tests/fixtures/regions/paths.csv` holds, with rows copied from the example county:
//! - 江苏省/南京市/鼓楼区 (3 outlets) and 江苏省/徐州市/鼓楼区 (2), whose rows carry 南京's
//!   division code by mistake: a code never merges two groups;
//! - 河南省/洛阳市/嵩县/城关镇 (3, one with 宜阳县's township code: a code never splits a group)
//!   and 河南省/洛阳市/宜阳县/城关镇 (2);
//! - 北京市, 天津市, 重庆市 /市辖区 (1 each) and 上海市/市辖区/黄浦区 (3: a subdistrict and two
//!   communities the inventory says nothing about, both ungraded).
//!
//! `year-2024.csv` and `year-2025.csv` are the same three outlets, updated in November of each
//! year.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture or the report is not as expected"
)]

mod common;

use std::collections::BTreeMap;

use common::files::Scratch;
use common::run::{code, command_as_of, json_of, report, report_in, run, stderr, stdout};
use common::table::{Record, records};
use serde_json::Value as Json;

const PATHS: &str = "tests/fixtures/regions/paths.csv";
const OLD: &str = "tests/fixtures/regions/year-2024.csv";
const NEW: &str = "tests/fixtures/regions/year-2025.csv";

/// `summary PATHS --by BY` as CSV, in English.
fn summary_csv(by: &str) -> Vec<Record> {
    let out = report("csv", &["summary", PATHS, "--by", by]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    records(&stdout(&out))
}

fn summary_json(by: &str) -> Json {
    let out = report("json", &["summary", PATHS, "--by", by]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json_of(&out)
}

/// The total rows of a summary, by group label: (path cells, outlets).
fn totals(rows: &[Record], path: &[&str]) -> BTreeMap<String, (Vec<String>, u32)> {
    rows.iter()
        .filter(|r| r["type"] == "total")
        .map(|r| {
            let cells = path.iter().map(|k| r[*k].clone()).collect();
            let n = r["total"].parse().expect("a count");
            (r["group"].clone(), (cells, n))
        })
        .collect()
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn two_counties_of_the_same_name_in_two_cities_are_two_groups() {
    let rows = summary_csv("county");
    let got = totals(&rows, &["province", "city", "county"]);
    // 鼓楼区 twice: each shown with its city; the rest by their own name. 徐州's rows carry
    // 南京's code, and are still 徐州's.
    assert_eq!(
        got.get("南京市/鼓楼区"),
        Some(&(owned(&["江苏省", "南京市", "鼓楼区"]), 3)),
        "{got:?}"
    );
    assert_eq!(
        got.get("徐州市/鼓楼区"),
        Some(&(owned(&["江苏省", "徐州市", "鼓楼区"]), 2)),
        "{got:?}"
    );
    assert!(!got.contains_key("鼓楼区"), "{got:?}");
    assert_eq!(
        got.get("嵩县"),
        Some(&(owned(&["河南省", "洛阳市", "嵩县"]), 3))
    );
    assert_eq!(got.len(), 8, "{got:?}");
    assert_eq!(got.values().map(|(_, n)| n).sum::<u32>(), 16);
}

#[test]
fn a_township_name_repeated_across_counties_is_one_group_per_county() {
    let rows = summary_csv("township");
    let got = totals(&rows, &["province", "city", "county", "township"]);
    // 嵩县's third row has 宜阳县's township code: the names decide, the code does not.
    assert_eq!(
        got.get("嵩县/城关镇"),
        Some(&(owned(&["河南省", "洛阳市", "嵩县", "城关镇"]), 3)),
        "{got:?}"
    );
    assert_eq!(
        got.get("宜阳县/城关镇"),
        Some(&(owned(&["河南省", "洛阳市", "宜阳县", "城关镇"]), 2)),
        "{got:?}"
    );
    assert!(!got.contains_key("城关镇"), "{got:?}");
    // A township whose name is its own is shown alone.
    assert_eq!(got["宁海路街道"].1, 2);
    // Each type's row carries the same path as its group's total.
    for r in rows.iter().filter(|r| r["group"] == "嵩县/城关镇") {
        assert_eq!(r["county"], "嵩县", "{r:?}");
    }
}

#[test]
fn the_municipalities_city_level_is_four_groups_each_shown_with_its_province() {
    let rows = summary_csv("city");
    let got = totals(&rows, &["province", "city"]);
    for (province, n) in [("北京市", 1), ("天津市", 1), ("上海市", 3), ("重庆市", 1)] {
        assert_eq!(
            got.get(&format!("{province}/市辖区")),
            Some(&(owned(&[province, "市辖区"]), n)),
            "{got:?}"
        );
    }
    // Cities of one name only are shown alone; 南京市 and 徐州市 are two.
    assert_eq!(got["南京市"].1, 3);
    assert_eq!(got["徐州市"].1, 2);
    assert!(!got.contains_key("市辖区"), "{got:?}");
    // By province, a province is a path of one name.
    let rows = summary_csv("province");
    let got = totals(&rows, &["province"]);
    assert_eq!(got["江苏省"], (owned(&["江苏省"]), 5));
    assert_eq!(got.len(), 6, "{got:?}");
}

#[test]
fn json_and_the_workbook_carry_the_path_and_schema_version_2() {
    let doc = summary_json("county");
    assert_eq!(doc["schema_version"], 2);
    let groups = doc["groups"].as_array().expect("groups");
    let xuzhou = groups
        .iter()
        .find(|g| g["group"] == "徐州市/鼓楼区" && g["type"] == "total")
        .expect("徐州市/鼓楼区");
    assert_eq!(xuzhou["province"], "江苏省");
    assert_eq!(xuzhou["city"], "徐州市");
    assert_eq!(xuzhou["county"], "鼓楼区");
    let check = doc["structure"]
        .as_array()
        .expect("structure")
        .iter()
        .find(|c| c["group"] == "徐州市/鼓楼区")
        .expect("徐州市/鼓楼区's checks");
    assert_eq!(check["city"], "徐州市");
    // grade keeps its own version.
    let grade = json_of(&report("json", &["grade", PATHS]));
    assert_eq!(grade["schema_version"], 1);

    let scratch = Scratch::new();
    let path = scratch.dir.path().join("summary.xlsx");
    let out = run(&[
        "summary",
        PATHS,
        "--format",
        "xlsx",
        "--lang",
        "en",
        "--fail-on",
        "never",
        "--output",
        path.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&path).expect("a workbook");
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).expect("the groups sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = rows
        .iter()
        .find(|r| r.iter().any(|c| c == "path: province"))
        .expect("a header with the path");
    let at = |k: &str| {
        header
            .iter()
            .position(|c| *c == format!("path: {k}"))
            .expect(k)
    };
    let row = rows
        .iter()
        .find(|r| r[0] == "南京市/鼓楼区")
        .expect("南京市/鼓楼区's row");
    assert_eq!(row[at("city")], "南京市");
    assert_eq!(row[at("county")], "鼓楼区");
}

#[test]
fn people_read_the_label_without_the_path_columns() {
    let out = report("table", &["summary", PATHS]);
    let text = stdout(&out);
    assert!(text.contains("南京市/鼓楼区"), "{text}");
    assert!(text.contains("徐州市/鼓楼区"), "{text}");
    assert!(!text.contains("province"), "{text}");
    let out = report_in("zh", "markdown", &["summary", PATHS, "--by", "township"]);
    let text = stdout(&out);
    assert!(text.contains("| 宜阳县/城关镇 |"), "{text}");
}

/// The structure checks of a summary: (group, check) → (measured, result).
fn structure(doc: &Json) -> BTreeMap<(String, String), (Json, Json)> {
    doc["structure"]
        .as_array()
        .expect("structure")
        .iter()
        .map(|c| {
            let key = (
                c["group"].as_str().expect("a group").to_string(),
                c["check"].as_str().expect("a check").to_string(),
            );
            (key, (c["measured"].clone(), c["result"].clone()))
        })
        .collect()
}

#[test]
fn by_township_and_by_type_the_structure_checks_are_the_enclosing_counties() {
    // A township has one township outlet and a type is no region: 第十八条's "大部分乡镇(街道)网点"
    // is judged over a county, all its townships and all its types together.
    let counties = structure(&summary_json("county"));
    assert_eq!(counties.len(), 8 * 3);
    for by in ["township", "type"] {
        let doc = summary_json(by);
        assert_eq!(structure(&doc), counties, "--by {by}");
        let checks = doc["structure"].as_array().expect("structure");
        assert!(
            checks.iter().all(|c| c.get("township").is_none()),
            "--by {by}: {checks:?}"
        );
    }
    let text = stdout(&report("table", &["summary", PATHS, "--by", "township"]));
    assert!(
        text.contains("Region-level structure checks of the enclosing counties"),
        "{text}"
    );
    let text = stdout(&report_in(
        "zh",
        "table",
        &["summary", PATHS, "--by", "type"],
    ));
    assert!(text.contains("区域结构检查(所在县,建议项)"), "{text}");
}

#[test]
fn two_ungraded_communities_out_of_two_are_not_the_exception_第十二条_asks_for() {
    // 第十二条: "部分村、个别基础条件薄弱的社区网点可提供四级服务" — a community at grade 4 or below it
    // is the exception; two of two is all of them.
    let checks = structure(&summary_json("county"));
    let (measured, result) = &checks[&("黄浦区".to_string(), "S-COMMUNITIES-G4".to_string())];
    assert_eq!(measured, &Json::from(1.0));
    assert_eq!(result, "not_met");
    // 南京市/鼓楼区's two communities are at grade 2 and 3.
    let (measured, result) =
        &checks[&("南京市/鼓楼区".to_string(), "S-COMMUNITIES-G4".to_string())];
    assert_eq!(measured, &Json::from(0.0));
    assert_eq!(result, "met");
}

// ---- diff ----

fn diff(args: &[&str]) -> std::process::Output {
    let mut all = vec!["diff", OLD, NEW, "--format", "csv", "--lang", "en"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    out
}

#[test]
fn diff_grades_last_years_inventory_a_year_before_as_of_by_default() {
    // Graded as of 2025-11-30, updates of 2024-11-20 would be stale and every outlet would look
    // upgraded; as of 2024-11-30 (the default), nothing changed.
    let out = diff(&[]);
    let rows = records(&stdout(&out));
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r["change"], "unchanged", "{r:?}");
        assert_eq!(r["old_grade"], r["new_grade"], "{r:?}");
        assert_eq!(r["old_as_of"], "2024-11-30", "{r:?}");
        assert_eq!(r["new_as_of"], "2025-11-30", "{r:?}");
        assert_eq!(r["group"], "示范省/示范市/安宁县", "{r:?}");
    }
    assert!(!stderr(&out).contains("--old-as-of"), "{}", stderr(&out));
    // The old behaviour, asked for: graded on this year's date, the old outlets look stale.
    let rows = records(&stdout(&diff(&["--old-as-of", "2025-11-30"])));
    assert!(rows.iter().all(|r| r["change"] == "upgraded"), "{rows:?}");
    assert!(rows.iter().all(|r| r["old_as_of"] == "2025-11-30"));
}

#[test]
fn the_default_old_date_of_29_february_is_28_february() {
    let out = command_as_of(
        &["diff", OLD, NEW, "--format", "csv", "--lang", "en"],
        "2028-02-29",
    )
    .output()
    .expect("outlet runs");
    let rows = records(&stdout(&out));
    assert!(!rows.is_empty(), "{}", stderr(&out));
    assert!(
        rows.iter().all(|r| r["old_as_of"] == "2027-02-28"),
        "{rows:?}"
    );
    assert!(
        rows.iter().all(|r| r["new_as_of"] == "2028-02-29"),
        "{rows:?}"
    );
}

#[test]
fn an_old_inventory_updated_after_the_default_date_is_warned_about() {
    // An "old" inventory made in spring: its latest update, 2025-03-01, is after 2024-11-30.
    let scratch = Scratch::new();
    let text = std::fs::read_to_string(OLD)
        .expect("the old inventory")
        .replacen("2024-11-20", "2025-03-01", 1)
        .replacen("2024-11-20", "2025-02-01", 1);
    let old = scratch.write("spring.csv", &text);
    let old = old.to_str().expect("a UTF-8 path");
    let args = |lang: &'static str| -> Vec<&str> {
        vec![
            "diff",
            old,
            NEW,
            "--format",
            "csv",
            "--lang",
            lang,
            "--fail-on",
            "never",
        ]
    };
    let err = stderr(&run(&args("en")));
    let line = err
        .lines()
        .find(|l| l.contains("--old-as-of"))
        .unwrap_or_else(|| panic!("a warning: {err}"));
    assert!(line.starts_with("warning: "), "{line}");
    assert!(line.contains("2025-03-01"), "the latest date: {line}");
    assert!(line.contains("2024-11-30"), "the date used: {line}");
    assert!(line.contains("Y-001"), "the outlet: {line}");
    let err = stderr(&run(&args("zh")));
    let line = err
        .lines()
        .find(|l| l.contains("--old-as-of"))
        .unwrap_or_else(|| panic!("a warning: {err}"));
    assert!(line.starts_with("警告: "), "{line}");
    assert!(
        line.contains("2025-03-01") && line.contains("原清单"),
        "{line}"
    );
    assert!(!line.contains("warning"), "one language: {line}");
    // Given the old date, the user has said which it is: no warning.
    let mut given = args("en");
    given.extend(["--old-as-of", "2025-03-31"]);
    let err = stderr(&run(&given));
    assert!(!err.contains("--old-as-of"), "{err}");
}

#[test]
fn both_dates_are_in_every_formats_header() {
    let base = ["diff", OLD, NEW];
    let json = json_of(&report("json", &base));
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["old_as_of"], "2024-11-30");
    assert_eq!(json["new_as_of"], "2025-11-30");
    let csv = stdout(&report("csv", &base));
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.ends_with(",old_as_of,new_as_of")),
        "{csv}"
    );
    for format in ["table", "markdown", "html"] {
        let text = stdout(&report(format, &base));
        assert!(
            text.contains("as of: old 2024-11-30, new 2025-11-30"),
            "{format}: {text}"
        );
    }
    let text = stdout(&report_in("zh", "markdown", &base));
    assert!(
        text.contains("评定日期: 原清单 2024-11-30, 新清单 2025-11-30"),
        "{text}"
    );

    let scratch = Scratch::new();
    let path = scratch.dir.path().join("diff.xlsx");
    let mut args = base.to_vec();
    let p = path.to_str().expect("a UTF-8 path");
    args.extend(["--format", "xlsx", "--lang", "en", "--output", p]);
    let out = run(&args);
    assert!(code(&out) < 2, "{}", stderr(&out));
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&path).expect("a workbook");
    let show = |c: &calamine::Data| match c {
        calamine::Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        other => other.to_string(),
    };
    let cells: Vec<Vec<String>> = wb
        .sheet_names()
        .iter()
        .flat_map(|name| {
            let range = wb.worksheet_range(name).expect("a sheet");
            range
                .rows()
                .map(|r| r.iter().map(show).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        })
        .collect();
    let value = |label: &str| {
        cells
            .iter()
            .find(|r| r.first().is_some_and(|c| c == label))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or_else(|| panic!("{label}: {cells:?}"))
    };
    assert_eq!(value("old inventory as of"), "2024-11-30");
    assert_eq!(value("new inventory as of"), "2025-11-30");
}
