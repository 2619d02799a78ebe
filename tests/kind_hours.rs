//! The field kind `hours` (weekly opening hours), end to end: an overlay declares an `open_hours`
//! column (开放时间) of kind `hours` and a rule `at_least: 40` on it; a small inventory is graded
//! and explained with it, and a cell that is no opening hours is a problem that says where it is
//! and what is expected, in either language.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::path::{Path, PathBuf};

use common::files::{Scratch, path_str};
use common::run::{code, outlet, report, report_in, stderr, stdout};
use common::table::records;
use common::{Row, with};

/// The overlay: an `open_hours` field of kind `hours`, and an advisory rule asking for 40 hours.
const OVERLAY: &str = r#"
add_fields:
  - key: open_hours
    name: {zh: 开放时间, en: opening hours}
    kind: hours
    description: {zh: 每周对外开放的时间, en: when the outlet is open each week}
add_rules:
  - id: TEST-HOURS
    grade: 4
    kind: advisory
    article: 第二十八条
    quote: 各地可结合实际,进一步细化建设标准、明确工作内容、规范服务流程
    title: {zh: 开放时长, en: opening hours}
    requirement: {zh: "每周开放不少于{at_least}小时", en: "open at least {at_least} hours a week"}
    explanation: {zh: "每周开放不少于{at_least}小时。", en: "Open at least {at_least} hours a week."}
    check: {field: open_hours, at_least: 40}
"#;

fn row(id: &str, hours: &str) -> Row {
    with(&[("网点编号", id), ("开放时间", hours)])
}

/// An inventory of four outlets: 40 hours, 35 hours, a weekly total of 40, and a cell that is no
/// opening hours (row 5 of the file, the header being row 1).
fn files(s: &Scratch) -> (PathBuf, PathBuf) {
    let overlay = s.overlay("hours.yaml", OVERLAY);
    let inventory = s.inventory(&[
        row("H-40", "周一至周五 9:00-17:00"),
        row("H-35", "工作日 8:30-12:00,14:00-17:30"),
        row("H-TOTAL", "每周开放40小时"),
        row("H-BAD", "全天开放"),
    ]);
    (overlay, inventory)
}

/// The outcome of the rule for one outlet, from `outlet explain --format csv --lang en`.
fn outcome(inventory: &Path, rules: &Path, id: &str) -> String {
    let out = report(
        "csv",
        &[
            "explain",
            path_str(inventory),
            id,
            "--rules",
            path_str(rules),
        ],
    );
    assert_eq!(code(&out), 0, "explain ran: {}", stderr(&out));
    records(&stdout(&out))
        .into_iter()
        .find(|r| r["rule"] == "TEST-HOURS")
        .unwrap_or_else(|| panic!("explain lists no rule TEST-HOURS: {}", stdout(&out)))["outcome"]
        .clone()
}

#[test]
fn the_overlay_declaring_an_hours_field_is_a_valid_rulebook() {
    let s = Scratch::new();
    let (overlay, _) = files(&s);
    let out = outlet(&["rules", "check", path_str(&overlay), "--lang", "en"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn hours_a_week_are_compared_with_at_least() {
    let s = Scratch::new();
    let (overlay, inventory) = files(&s);
    assert_eq!(outcome(&inventory, &overlay, "H-40"), "passed", "40 hours");
    assert_eq!(outcome(&inventory, &overlay, "H-35"), "lacking", "35 hours");
    assert_eq!(
        outcome(&inventory, &overlay, "H-TOTAL"),
        "passed",
        "每周开放40小时"
    );
    // An unreadable cell is unknown, not 0 hours.
    assert_eq!(
        outcome(&inventory, &overlay, "H-BAD"),
        "missing",
        "全天开放"
    );
}

#[test]
fn a_cell_that_is_no_opening_hours_says_where_and_what_is_expected() {
    let s = Scratch::new();
    let (overlay, inventory) = files(&s);
    let args = ["grade", path_str(&inventory), "--rules", path_str(&overlay)];
    for (lang, at, expected) in [
        ("zh", "第5行", "应为每周开放时间"),
        ("en", "row 5", "expected weekly opening hours"),
    ] {
        let out = report_in(lang, "table", &args);
        assert_eq!(code(&out), 0, "grade ran: {}", stderr(&out));
        let err = stderr(&out);
        let line = err
            .lines()
            .find(|l| l.contains("全天开放"))
            .unwrap_or_else(|| panic!("no problem quotes the cell ({lang}): {err}"));
        assert!(line.contains("inventory.csv"), "the file: {line}");
        assert!(line.contains(at), "the row: {line}");
        assert!(line.contains("开放时间"), "the column: {line}");
        assert!(line.contains(expected), "what is expected ({lang}): {line}");
    }
    // The readable cells are no problem at all: the one problem is that cell's.
    let out = report_in("en", "table", &args);
    let err = stderr(&out);
    let problems: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("error:") || l.starts_with("warning:"))
        .collect();
    assert_eq!(problems.len(), 1, "{err}");
}
