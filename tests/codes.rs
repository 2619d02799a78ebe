//! Division codes as real inventories have them (DOMAIN.md, division codes; issue 15): 400–599
//! units fit any outlet type of their level, and a region's code prefix is judged by the prefix
//! most of its outlets share — never by its first row — with regions known by their path of names.
//!
//! The fixtures (tests/fixtures/codes/), all of real layout (省, 市, 县, 乡镇街道):
//! `units-400.csv`, 400–599 units of both levels on every type of their level and four on the
//! other level; `list-400.csv`, the official list of its codes; `first-row.csv`, a township whose
//! first row has the wrong code; `tie.csv`, a township of two prefixes shared by two outlets each;
//! `same-names.csv`, two 城关镇 of two counties and two 鼓楼区 of two cities, rows interleaved.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::files::{Scratch, path_str};
use common::run::{code, json_of, report_in, run, stderr};
use serde_json::Value as Json;

const UNITS: &str = "tests/fixtures/codes/units-400.csv";
const LIST: &str = "tests/fixtures/codes/list-400.csv";
const FIRST_ROW: &str = "tests/fixtures/codes/first-row.csv";
const TIE: &str = "tests/fixtures/codes/tie.csv";
const SAME_NAMES: &str = "tests/fixtures/codes/same-names.csv";

/// A data problem of the JSON report: (row, value, message).
type Found = (u64, String, String);

/// The problems of `grade` over `inventory` (with `args`) in `lang`, all of them warnings on the
/// division-code column.
fn code_warnings(lang: &str, inventory: &str, args: &[&str]) -> Vec<Found> {
    let mut all = vec!["grade", inventory];
    all.extend(args);
    let out = report_in(lang, "json", &all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json = json_of(&out);
    let problems = json["problems"].as_array().expect("problems");
    problems
        .iter()
        // The columns these short fixtures lack are problems of the header row: not codes.
        .filter(|p| !is_header_row(p))
        .map(|p| {
            assert_eq!(p["severity"], "warning", "{p}");
            assert_eq!(p["column"], "行政区划代码", "{p}");
            (
                p["row"].as_u64().unwrap_or(0),
                p["value"].as_str().unwrap_or_default().to_string(),
                p["message"].as_str().expect("a message").to_string(),
            )
        })
        .collect()
}

/// Whether a problem is of the header row (a column the fixture lacks).
fn is_header_row(p: &Json) -> bool {
    p["row"] == 1 && p["column"].is_null()
}

fn rows(found: &[Found]) -> Vec<u64> {
    found.iter().map(|f| f.0).collect()
}

#[test]
fn units_400_to_599_fit_every_type_of_their_level_and_no_other() {
    // Rows 2-13: 开发区 and 林场 codes on 乡镇 and 街道 outlets, 生活区 and 虚拟社区 codes on 社区
    // and 村 outlets, ordinary codes of a 400 township beside them: silent. Rows 14-17: a
    // township-level 400 code on a 村 and a 社区, a village-level 450 and 599 on a 乡镇 and a 街道.
    for args in [&[][..], &["--divisions", LIST][..]] {
        let found = code_warnings("en", UNITS, args);
        assert_eq!(rows(&found), [14, 15, 16, 17], "{args:?}: {found:?}");
        let (_, value, message) = &found[0];
        assert_eq!(value, "520123401000");
        assert!(
            message.contains("township or subdistrict") && message.contains("village"),
            "{message}"
        );
        let (_, value, message) = &found[2];
        assert_eq!(value, "520123101450");
        assert!(
            message.contains("village or community") && message.contains("`township`"),
            "{message}"
        );
        // One language a message.
        assert!(found.iter().all(|f| !f.2.contains('村')), "{found:?}");
    }
    // In Chinese, the code is said to be of the types it is of.
    let found = code_warnings("zh", UNITS, &[]);
    assert_eq!(
        found[0].2,
        "行政区划代码 `520123401000` 表示乡镇或街道,与网点类型「村」不符"
    );
}

#[test]
fn a_code_in_no_type_s_ranges_says_so_in_both_languages() {
    let scratch = Scratch::new();
    let text = std::fs::read_to_string(FIRST_ROW).unwrap();
    // A village code of 600: in no type's ranges.
    let text = text.replace("520123101202", "520123101602");
    let path = scratch.write("no-type.csv", &text);
    let zh = code_warnings("zh", path_str(&path), &[]);
    let en = code_warnings("en", path_str(&path), &[]);
    let of_600 = |found: &[Found]| {
        found
            .iter()
            .find(|f| f.1 == "520123101602")
            .map(|f| f.2.clone())
            .unwrap()
    };
    assert_eq!(
        of_600(&zh),
        "行政区划代码 `520123101602` 不在任何网点类型的代码范围内,与网点类型「村」不符"
    );
    assert_eq!(
        of_600(&en),
        "division code `520123101602` is in the ranges of no outlet type, so not of the outlet's type `village`"
    );
}

#[test]
fn a_wrong_first_row_is_flagged_and_the_right_ones_after_it_are_not() {
    let found = code_warnings("en", FIRST_ROW, &[]);
    assert_eq!(rows(&found), [2], "{found:?}");
    let (_, value, message) = &found[0];
    assert_eq!(value, "520123102000");
    assert_eq!(
        message,
        "division code `520123102000` has the prefix `520123102`, while 4 of the 5 outlets of \
         township `贵州省/黔南州/安宁县/城关镇` share the prefix `520123101`"
    );
    let zh = code_warnings("zh", FIRST_ROW, &[]);
    assert_eq!(
        zh[0].2,
        "行政区划代码 `520123102000` 的前缀 `520123102` 与同属乡镇街道「贵州省/黔南州/安宁县/城关镇」\
         的多数网点不符:5个网点中4个的前缀为 `520123101`"
    );
}

#[test]
fn a_tie_flags_the_rows_of_both_prefixes() {
    let found = code_warnings("en", TIE, &[]);
    // 平坝镇: 520123103 twice, 520123104 twice; 龙场镇 is consistent.
    assert_eq!(rows(&found), [2, 3, 4, 5], "{found:?}");
    for (_, value, message) in &found {
        assert!(
            message.contains("no prefix is shared by most of the 4 outlets")
                && message.contains("`520123103` and `520123104` have 2 each")
                && message.contains(&format!("has the prefix `{}`", &value[..9])),
            "{message}"
        );
    }
    let zh = code_warnings("zh", TIE, &[]);
    assert!(
        zh[0]
            .2
            .contains("没有多数前缀:`520123103`、`520123104`各有2个"),
        "{}",
        zh[0].2
    );
}

#[test]
fn same_names_in_different_counties_and_cities_do_not_talk_across() {
    // Two 城关镇 (甲县, 乙县) and two 鼓楼区 (南京市, 徐州市), rows interleaved: no warning.
    assert_eq!(code_warnings("en", SAME_NAMES, &[]), []);
    // One wrong code in 甲县's 城关镇 is judged among 甲县's outlets only: its three others
    // share 520123 (乙县's three would make a tie if the two townships were one).
    let scratch = Scratch::new();
    let text = std::fs::read_to_string(SAME_NAMES).unwrap();
    let text = text.replace("520123101201", "520124101201");
    let path = scratch.write("one-wrong.csv", &text);
    let found = code_warnings("en", path_str(&path), &[]);
    assert_eq!(rows(&found), [4], "{found:?}");
    assert!(
        found[0].2.contains(
            "while 2 of the 3 outlets of county `贵州省/黔南州/甲县` share the prefix `520123`"
        ),
        "{}",
        found[0].2
    );
}

/// An inventory of `townships` townships of two counties, rows shuffled among them, with a wrong
/// code in every seventh row and a whole township of another county's codes.
fn shuffled(townships: usize) -> String {
    let mut text = String::from(
        "网点编号,网点名称,省,市,县,乡镇街道,行政区划代码,网点类型,信息发布栏,信息更新日期,服务项目\n",
    );
    let mut n = 0u64;
    for round in 0..12 {
        for t in 0..townships {
            n += 1;
            let county = if t % 2 == 0 {
                ("甲县", 23)
            } else {
                ("乙县", 24)
            };
            let mut digits = 52_01_00 + county.1;
            if t == 3 {
                digits = 53_01_00 + county.1;
            }
            let village = 200 + round;
            let mut township = 100 + t;
            if n.is_multiple_of(7) {
                township += 1;
            }
            text.push_str(&format!(
                "R-{n},网点{n},贵州省,黔南州,{},镇{t},{digits}{township:03}{village:03},村,是,2025-11-20,就业信息查询\n",
                county.0
            ));
        }
    }
    text
}

#[test]
fn the_warnings_come_in_row_order_and_alike_on_any_number_of_threads() {
    let scratch = Scratch::new();
    let path = scratch.write("shuffled.csv", &shuffled(40));
    let inventory = path_str(&path);
    let one = run(&["grade", inventory, "--format", "csv", "-j", "1"]);
    let err = stderr(&one);
    let warned: Vec<u64> = err
        .lines()
        .filter(|l| l.contains("前缀"))
        .map(|l| {
            let digits: String = l
                .split("第")
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().unwrap_or(0)
        })
        .collect();
    assert!(warned.len() > 60, "{err}");
    assert!(warned.windows(2).all(|w| w[0] < w[1]), "{warned:?}");
    for threads in ["2", "4"] {
        let many = run(&["grade", inventory, "--format", "csv", "-j", threads]);
        assert_eq!(many.stdout, one.stdout, "-j {threads}");
        assert_eq!(stderr(&many), err, "-j {threads}");
    }
}

#[test]
fn rows_past_those_kept_are_counted_not_lost() {
    // A township whose first 300 outlets have one prefix and next 400 another: the first
    // prefix's rows are the minority. Before a second prefix is seen, the township keeps two of
    // its rows, the county 16, the city 64 and the province 256: 256 are listed, 44 counted.
    let mut text = String::from(
        "网点编号,网点名称,省,市,县,乡镇街道,行政区划代码,网点类型,信息发布栏,信息更新日期,服务项目\n",
    );
    for i in 0..700 {
        let township = if i < 300 { 102 } else { 101 };
        text.push_str(&format!(
            "V-{i},村{i},贵州省,黔南州,安宁县,城关镇,520123{township}{:03},村,是,2025-11-20,就业信息查询\n",
            200 + i % 200
        ));
    }
    let scratch = Scratch::new();
    let path = scratch.write("many.csv", &text);
    let out = report_in("en", "json", &["grade", path_str(&path)]);
    let json = json_of(&out);
    let problems: Vec<&Json> = json["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| !is_header_row(p))
        .collect();
    assert!(
        problems
            .iter()
            .all(|p| p["message"].as_str().unwrap().contains("prefix"))
    );
    let listed = problems.iter().filter(|p| p["row"].is_u64()).count();
    let more: Vec<&str> = problems
        .iter()
        .filter(|p| p["row"].is_null())
        .map(|p| p["message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(listed, 256);
    assert_eq!(
        more,
        [
            "44 more outlets of township `贵州省/黔南州/安宁县/城关镇` have division codes with the prefix `520123102`, also not the majority's; they are not listed one by one"
        ]
    );
}
