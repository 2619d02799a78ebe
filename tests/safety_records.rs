//! Hostile records (issue 17, items 10-13): counts bounded alike from every reader, duplicated
//! pass-through columns kept in JSON, an unterminated quote reported, and memory bounded by bytes
//! (a very wide row, very long rows), the last measured as the child process's peak RSS.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::run::{json_of, report, report_in, stdout};
use common::table::Table;
use common::{baseline, book, csv, read_bytes, read_csv, with_owned};
use outlet::inventory::{InputFormat, Value};
use outlet::problem::ProblemKind;
use rust_xlsxwriter::Workbook;

/// The staff-count field of the built-in rulebook.
fn part_time_staff() -> usize {
    book()
        .fields
        .iter()
        .position(|f| f.key == "part_time_staff")
        .expect("the built-in rulebook has part_time_staff")
}

/// A workbook of the baseline outlet, with `兼职人员数` stored as the number `staff`.
fn workbook_with_staff(staff: f64) -> Vec<u8> {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    for (c, (h, v)) in baseline().iter().enumerate() {
        let c = u16::try_from(c).expect("few columns");
        s.write(0, c, h.as_str()).expect("a header");
        if h == "兼职人员数" {
            s.write(1, c, staff).expect("a cell");
        } else {
            s.write(1, c, v.as_str()).expect("a cell");
        }
    }
    wb.save_to_buffer().expect("the workbook is made")
}

#[test]
fn a_huge_count_is_the_same_data_error_from_csv_and_from_a_workbook() {
    let f = part_time_staff();
    let nines = "99999999999999999999";
    let from_csv = read_csv(&csv(&[with_owned(&[("兼职人员数", nines.to_string())])]));
    let from_xlsx = read_bytes(
        workbook_with_staff(99_999_999_999_999_999_999.0),
        InputFormat::Xlsx,
    );
    for (reader, read) in [("csv", &from_csv), ("xlsx", &from_xlsx)] {
        let outlet = read.only();
        assert_eq!(outlet.value(f), &Value::Missing, "{reader}");
        let errors = read.errors();
        assert_eq!(errors.len(), 1, "{reader}: {:?}", read.problems);
        assert_eq!(
            errors[0].kind,
            ProblemKind::CountTooLarge { max: 100_000 },
            "{reader}"
        );
        assert_eq!(errors[0].column.as_deref(), Some("兼职人员数"), "{reader}");
    }
    // The bound itself is a count, from either reader.
    let at_bound = read_csv(&csv(&[with_owned(&[("兼职人员数", "100000".to_string())])]));
    assert_eq!(at_bound.only().value(f), &Value::Number(100_000.0));
    let at_bound = read_bytes(workbook_with_staff(100_000.0), InputFormat::Xlsx);
    assert_eq!(at_bound.only().value(f), &Value::Number(100_000.0));
}

#[test]
fn two_pass_through_columns_of_one_name_keep_both_values_in_every_format() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut row = baseline();
    row.push(("备注".to_string(), "第一条".to_string()));
    row.push(("联系人".to_string(), "张三".to_string()));
    row.push(("备注".to_string(), "第二条".to_string()));
    row.push(("备注".to_string(), "第三条".to_string()));
    let path = dir.path().join("two-notes.csv");
    std::fs::write(&path, csv(&[row])).expect("written");
    let p = path.to_str().expect("a UTF-8 path");
    let doc = json_of(&report("json", &["grade", p]));
    let first = &doc["outlets"][0];
    assert_eq!(first["备注"], "第一条", "{first}");
    assert_eq!(first["备注_2"], "第二条", "{first}");
    assert_eq!(first["备注_3"], "第三条", "{first}");
    assert_eq!(first["联系人"], "张三", "{first}");
    // CSV names the columns alike, in both languages.
    for lang in ["en", "zh"] {
        let out = report_in(lang, "csv", &["grade", p]);
        let table = Table::parse(&stdout(&out));
        let tail: Vec<&str> = table
            .headers
            .iter()
            .rev()
            .take(4)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(tail, ["备注", "联系人", "备注_2", "备注_3"], "{lang}");
        assert_eq!(table.column("备注_2"), ["第二条"]);
    }
}
