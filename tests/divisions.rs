//! `--divisions FILE`: each outlet's division code is checked against the official 统计用区划代码
//! list — that the code exists, at the level of the outlet's type (a partner outlet's reference
//! type), and that the region names are the official names of the code's prefixes. Every problem
//! is a data warning with its row and column; a bad list stops the run (exit 2) naming the file
//! and line; without the option nothing changes.
//!
//! The fixtures (tests/fixtures/divisions/): `inventory.csv`, twelve outlets of 安宁县;
//! `list-utf8.csv`, the county's part of the list as the bureau's table has it (12-digit codes,
//! 统计用区划代码 / 城乡分类代码 / 名称, UTF-8 with a byte-order mark, CRLF); `list-gbk.csv`, the
//! same units in GBK with English headers (name, level, code) and shorter codes for the levels
//! above village; `bad-code.csv` and `no-name.csv`, lists to refuse.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::path::Path;

use common::files::{COUNTY_CSV, Scratch, path_str};
use common::run::{code, json_of, report, report_in, run, stderr};
use serde_json::Value as Json;

const DIR: &str = "tests/fixtures/divisions";
const INVENTORY: &str = "tests/fixtures/divisions/inventory.csv";
const UTF8: &str = "tests/fixtures/divisions/list-utf8.csv";
const GBK: &str = "tests/fixtures/divisions/list-gbk.csv";

/// A data problem as the JSON report lists it: (row, column, value, message).
type Found = (u64, String, String, String);

/// The data problems of `grade` over `inventory` with `args` added, in `lang`.
fn problems_in(lang: &str, inventory: &str, args: &[&str]) -> Vec<Found> {
    let mut all = vec!["grade", inventory];
    all.extend(args);
    let out = report_in(lang, "json", &all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json = json_of(&out);
    let text = |p: &Json, key: &str| p[key].as_str().unwrap_or_default().to_string();
    json["problems"]
        .as_array()
        .expect("the report lists its problems")
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap_or(0),
                text(p, "column"),
                text(p, "value"),
                text(p, "message"),
            )
        })
        .collect()
}

fn problems(args: &[&str]) -> Vec<Found> {
    problems_in("en", INVENTORY, args)
}

/// The problems that come from the list (those that name it, or an official name).
fn from_list(found: &[Found]) -> Vec<Found> {
    found
        .iter()
        .filter(|(.., message)| message.contains("division list"))
        .cloned()
        .collect()
}

fn on_row(found: &[Found], row: u64) -> Vec<&Found> {
    found.iter().filter(|f| f.0 == row).collect()
}

#[test]
fn a_code_the_list_does_not_have_is_a_warning_naming_the_list() {
    let found = from_list(&problems(&["--divisions", UTF8]));
    // DV-03 (line 4): 520123001009, a community of 东城街道 that the list does not have.
    let row = on_row(&found, 4);
    assert_eq!(row.len(), 1, "{found:#?}");
    let (_, column, value, message) = row[0];
    assert_eq!(column, "行政区划代码");
    assert_eq!(value, "520123001009");
    assert!(message.contains("not in the division list"), "{message}");
    assert!(message.contains("list-utf8.csv"), "{message}");
}

#[test]
fn listed_codes_with_the_official_names_pass() {
    let found = from_list(&problems(&["--divisions", UTF8]));
    // DV-01 街道, DV-02 社区, DV-04 乡镇, DV-08 a partner at community level with a village code,
    // DV-10 without a code, DV-11 with a blank city and a province padded with spaces.
    for row in [2, 3, 5, 9, 11, 12] {
        assert!(on_row(&found, row).is_empty(), "row {row}: {found:#?}");
    }
}

#[test]
fn a_code_at_the_wrong_level_names_the_unit_it_is_of() {
    let found = problems(&["--divisions", UTF8]);
    // DV-12 (line 13): a 乡镇 outlet with its county's code, 520123000000.
    let row = on_row(&found, 13);
    let level: Vec<_> = row
        .iter()
        .filter(|f| f.3.contains("division list"))
        .collect();
    assert_eq!(level.len(), 1, "{found:#?}");
    let (_, column, value, message) = level[0];
    assert_eq!(
        (column.as_str(), value.as_str()),
        ("行政区划代码", "520123000000")
    );
    assert!(
        message.contains("county-level unit `安宁县`") && message.contains("township-level code"),
        "{message}"
    );
    // DV-05 (line 6): a 村 outlet with the township's code. The type warning says so (the code is
    // that of 乡镇); the list adds no second warning on the same cell.
    let row = on_row(&found, 6);
    assert_eq!(row.len(), 1, "{found:#?}");
    assert!(row[0].3.contains("is that of township,"), "{:?}", row[0]);
}

#[test]
fn a_partner_outlet_is_checked_at_the_level_of_its_reference_type() {
    let found = from_list(&problems(&["--divisions", UTF8]));
    // DV-07 (line 8): 工业园区 taking 社区 as reference, with the township's code.
    let row = on_row(&found, 8);
    assert_eq!(row.len(), 1, "{found:#?}");
    assert_eq!(row[0].2, "520123101000");
    assert!(
        row[0].3.contains("township-level unit `城关镇`")
            && row[0].3.contains("partner (as community)")
            && row[0].3.contains("needs a village-level code"),
        "{:?}",
        row[0]
    );
    // DV-09 (line 10): 高校 taking 乡镇 as reference, with a village's code.
    let row = on_row(&found, 10);
    assert_eq!(row.len(), 1, "{found:#?}");
    assert!(
        row[0].3.contains("village-level unit")
            && row[0].3.contains("partner (as township)")
            && row[0].3.contains("needs a township-level code"),
        "{:?}",
        row[0]
    );
    // Without the list, neither partner gets a warning about its code.
    let without = problems(&[]);
    assert!(on_row(&without, 8).is_empty() && on_row(&without, 10).is_empty());
}

#[test]
fn a_name_that_differs_is_a_warning_on_its_cell_with_the_official_name() {
    let found = from_list(&problems(&["--divisions", UTF8]));
    // DV-06 (line 7): 县 安宁市 for 安宁县, 乡镇街道 青石乡 for 青石镇.
    let row = on_row(&found, 7);
    let cells: Vec<(&str, &str)> = row.iter().map(|f| (f.1.as_str(), f.2.as_str())).collect();
    assert_eq!(
        cells,
        [("县", "安宁市"), ("乡镇街道", "青石乡")],
        "{found:#?}"
    );
    assert!(row[0].3.contains("`安宁县`") && row[0].3.contains("520123000000"));
    assert!(row[1].3.contains("`青石镇`") && row[1].3.contains("520123102000"));
    // In Chinese, one language per message.
    let zh = problems_in("zh", INVENTORY, &["--divisions", UTF8]);
    let row = on_row(&zh, 7);
    assert!(
        row.iter()
            .any(|f| f.3 == "`安宁市` 与区划代码表中 `520123000000` 的名称「安宁县」不符"),
        "{zh:#?}"
    );
}

#[test]
fn a_gbk_list_with_short_codes_reads_as_the_utf8_one() {
    let utf8 = from_list(&problems(&["--divisions", UTF8]));
    let gbk = from_list(&problems(&["--divisions", GBK]));
    let same = |found: &[Found]| -> Vec<Found> {
        found
            .iter()
            .map(|(r, c, v, m)| (*r, c.clone(), v.clone(), m.replace(GBK, UTF8)))
            .collect()
    };
    assert_eq!(same(&gbk), utf8);
    assert_eq!(utf8.len(), 6, "{utf8:#?}");
}

#[test]
fn without_the_option_nothing_changes() {
    let without = problems(&[]);
    assert!(from_list(&without).is_empty(), "{without:#?}");
    // The same outlets and the same grades with the list: its problems are warnings only.
    let outlets = |args: &[&str]| {
        let mut all = vec!["grade", INVENTORY];
        all.extend(args);
        json_of(&report("json", &all))["outlets"].clone()
    };
    assert_eq!(outlets(&[]), outlets(&["--divisions", UTF8]));
    // The county example has codes the small list lacks, but the run still exits as before.
    let plain = run(&["grade", COUNTY_CSV, "--format", "csv"]);
    let listed = run(&["grade", COUNTY_CSV, "--format", "csv", "--divisions", UTF8]);
    assert_eq!(code(&plain), code(&listed));
    assert_eq!(plain.stdout, listed.stdout);
}

#[test]
fn every_command_that_grades_takes_the_list() {
    for command in ["gaps", "explain", "summary"] {
        let mut args = vec![command, INVENTORY, "--divisions", UTF8, "--lang", "en"];
        if command == "explain" {
            args.insert(2, "DV-03");
        }
        let out = run(&args);
        assert!(
            stderr(&out).contains("is not in the division list"),
            "{command}: {}",
            stderr(&out)
        );
    }
    let out = run(&[
        "diff",
        INVENTORY,
        INVENTORY,
        "--divisions",
        UTF8,
        "--lang",
        "en",
    ]);
    assert!(
        stderr(&out).contains("is not in the division list"),
        "{}",
        stderr(&out)
    );
}

/// The run's exit code and its one error line.
fn refused(list: &Path, lang: &str) -> (i32, String) {
    let out = run(&[
        "grade",
        INVENTORY,
        "--divisions",
        path_str(list),
        "--lang",
        lang,
    ]);
    (code(&out), stderr(&out).trim().to_string())
}

#[test]
fn a_list_with_a_bad_code_is_refused_naming_file_and_line() {
    let (exit, err) = refused(&Path::new(DIR).join("bad-code.csv"), "en");
    assert_eq!(exit, 2);
    assert!(
        err.starts_with("error: tests/fixtures/divisions/bad-code.csv, line 4: `5.20123E+11` is not a division code"),
        "{err}"
    );
    let (exit, err) = refused(&Path::new(DIR).join("bad-code.csv"), "zh");
    assert_eq!(exit, 2);
    assert!(
        err.starts_with(
            "错误: tests/fixtures/divisions/bad-code.csv 第4行: `5.20123E+11` 不是区划代码"
        ),
        "{err}"
    );
}

#[test]
fn a_list_without_its_columns_is_refused_naming_them() {
    let (exit, err) = refused(&Path::new(DIR).join("no-name.csv"), "en");
    assert_eq!(exit, 2);
    assert!(
        err.contains("no-name.csv") && err.contains("no name column") && err.contains("`名称`"),
        "{err}"
    );
    let scratch = Scratch::new();
    let list = scratch.write("codes.csv", "代码,名称\n520000000000,示范省\n");
    let (exit, err) = refused(&list, "zh");
    assert_eq!(exit, 2);
    assert!(
        err.contains("codes.csv") && err.contains("没有代码列"),
        "{err}"
    );
}

#[test]
fn other_bad_lists_are_refused_with_their_line() {
    let scratch = Scratch::new();
    let cases = [
        // A code listed twice under two names.
        (
            "twice.csv",
            "code,name\n52,示范省\n5201,示范市\n52,别的省\n",
            "line 4: division code `520000000000` is listed on line 2 as `示范省` and here as `别的省`",
        ),
        (
            "nameless.csv",
            "code,name\n52,示范省\n5201,\n",
            "line 3: division code `5201` has no name",
        ),
        (
            "five.csv",
            "code,name\n52012,某地\n",
            "line 2: `52012` is not a division code",
        ),
        ("empty.csv", "code,name\n", "the division list has no codes"),
    ];
    for (name, text, expected) in cases {
        let (exit, err) = refused(&scratch.write(name, text), "en");
        assert_eq!(exit, 2, "{name}");
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
    }
    let (exit, err) = refused(&scratch.dir.path().join("absent.csv"), "en");
    assert_eq!(exit, 2);
    assert!(err.contains("absent.csv"), "{err}");
}

#[test]
fn a_municipality_may_name_its_province_where_the_list_says_shixiaqu() {
    let scratch = Scratch::new();
    let list = scratch.write(
        "beijing.csv",
        "统计用区划代码,名称\n110000000000,北京市\n110100000000,市辖区\n110101000000,东城区\n\
         110101001000,东华门街道\n",
    );
    let inventory = scratch.write(
        "inventory.csv",
        "网点编号,网点名称,省,市,县,乡镇街道,行政区划代码,网点类型\n\
         BJ-1,东华门街道就业服务站,北京市,市辖区,东城区,东华门街道,110101001000,街道\n\
         BJ-2,东华门街道就业服务站,北京市,北京市,东城区,东华门街道,110101001000,街道\n\
         BJ-3,东华门街道就业服务站,北京市,北京,东城区,东华门街道,110101001000,街道\n",
    );
    let found = from_list(&problems_in(
        "en",
        path_str(&inventory),
        &["--divisions", path_str(&list)],
    ));
    let cells: Vec<(u64, &str, &str)> = found
        .iter()
        .map(|f| (f.0, f.1.as_str(), f.2.as_str()))
        .collect();
    assert_eq!(cells, [(4, "市", "北京")], "{found:#?}");
}

#[test]
fn the_warnings_are_the_same_on_any_number_of_threads() {
    // The fixture's rows a hundred times over, with ids of their own: several batches of rows.
    let text = std::fs::read_to_string(INVENTORY).expect("the fixture reads");
    let mut lines = text.lines();
    let mut csv = format!("{}\n", lines.next().unwrap_or_default());
    let rows: Vec<&str> = lines.collect();
    for copy in 0..100 {
        for row in &rows {
            csv.push_str(&format!("{copy}-{row}\n"));
        }
    }
    let scratch = Scratch::new();
    let inventory = scratch.write("many.csv", &csv);
    let on = |threads: &str| {
        let out = run(&[
            "grade",
            path_str(&inventory),
            "--divisions",
            UTF8,
            "--format",
            "csv",
            "--threads",
            threads,
        ]);
        (code(&out), stderr(&out), out.stdout)
    };
    let one = on("1");
    // The same warnings repeat a hundred times over: standard error groups them (the first
    // three, then one line with the rest), and says so the same way on any number of threads.
    let listed = one.1.lines().filter(|l| l.contains("区划代码表")).count();
    assert!(listed > 0, "{}", one.1);
    assert!(one.1.contains("同样的问题另有 97 行"), "{}", one.1);
    assert_eq!(on("3"), one);
}

#[test]
fn the_list_is_never_written_over_by_output() {
    let s = Scratch::new();
    let list = s.write(
        "list.csv",
        &std::fs::read_to_string(UTF8).expect("the list"),
    );
    let before = std::fs::read(&list).expect("the list");
    let out = run(&[
        "grade",
        INVENTORY,
        "--divisions",
        path_str(&list),
        "--format",
        "csv",
        "-o",
        path_str(&list),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--divisions"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&list).expect("the list"), before);
}
