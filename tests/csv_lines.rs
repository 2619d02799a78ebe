//! `grade` and `gaps` write their CSV lines straight (`GradeLines`, `GapLines`), and `gaps` its
//! JSON objects, without making the cells that every other format is written from. The lines
//! must be the very bytes that the writer makes of those cells: checked here outlet by outlet, in
//! both languages, with and without `--excel`, for every target grade, with waivers, and with
//! text that needs quoting or escaping.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::files::{COUNTY_CSV, Scratch, example};
use common::*;
use outlet::eval::Evaluator;
use outlet::inventory::InputFormat;
use outlet::report::outlets::{
    GapLines, GradeLines, gaps_columns, gaps_rows, grade_columns, grade_row,
};
use outlet::report::{Format, Meta, RowMaker, Rows, Writer};
use outlet::text::Lang;
use outlet::waiver::Waivers;

/// Waivers for outlets of the county example, one of them for a rule it passes.
const WAIVERS: &str = "waivers:
  - outlet: AN-031
    rule: G3-SYSTEM
    reason: 系统接入已申请,待省厅开通
    approved_by: 县人社局
  - outlet: AN-045
    rule: G4-CHANNEL
    reason: 信息栏损毁,重建中
    approved_by: 县人社局
  - outlet: AN-045
    rule: G4-FRESH
    reason: 信息栏损毁,重建中
    approved_by: 县人社局
  - outlet: AN-001
    rule: G4-FRESH
    reason: 测试
    approved_by: 县人社局
";

fn bytes(rows: Rows) -> (String, usize) {
    match rows {
        Rows::Encoded { bytes, count } => (String::from_utf8(bytes).expect("UTF-8"), count),
        Rows::Typed(_) => panic!("a CSV or JSON maker encodes its rows"),
    }
}

fn maker(lang: Lang, excel: bool, columns: Vec<outlet::report::Column>) -> RowMaker<'static> {
    Writer::new(
        Vec::new(),
        Format::Csv,
        lang,
        book(),
        Meta::rulebook("test", book()),
        "rows",
        columns,
    )
    .excel(excel)
    .row_maker()
}

/// Every outlet's lines, written straight and made from cells, are the same.
fn check(read: &Read, extras: &[String], ev: &Evaluator) {
    assert!(!read.outlets.is_empty());
    let mut gap_lines_seen = 0;
    for lang in [Lang::Zh, Lang::En] {
        for excel in [false, true] {
            let grades = maker(lang, excel, grade_columns(extras).0);
            let gaps = maker(lang, excel, gaps_columns().0);
            let grade_lines = GradeLines::new(book(), grades.csv().expect("a CSV maker"));
            let gap_lines = GapLines::new(book(), gaps.straight().expect("a CSV maker"), lang);
            for o in &read.outlets {
                let a = ev.assess(o);
                let made = bytes(grades.make([grade_row(ev, o, &a)]));
                // Written after another outlet's text, as into a batch's shared buffer.
                let mut text = String::from("x,\n");
                grade_lines.write_brief(ev, o, &ev.brief(o), &mut text);
                assert_eq!(
                    (text.split_off(3), 1),
                    made,
                    "grade line of {} from its brief ({lang:?}, excel {excel})",
                    o.id
                );
                for target in [None, Some(1), Some(2), Some(3), Some(4)] {
                    let mut text = String::from("x,\n");
                    let (brief, failing) = ev.brief_gaps(o, target);
                    let count = gap_lines.write(ev, o, &brief, target, &failing, &mut text);
                    gap_lines_seen += count;
                    assert_eq!(
                        (text.split_off(3), count),
                        bytes(gaps.make(gaps_rows(ev, o, &a, target, lang))),
                        "gap lines of {} to {target:?} ({lang:?}, excel {excel})",
                        o.id
                    );
                }
            }
        }
    }
    assert!(gap_lines_seen > 0, "some outlet has gaps");
    // JSON objects, written straight, are the JSON writer's too.
    for lang in [Lang::Zh, Lang::En] {
        let gaps = json_maker(lang, gaps_columns().0);
        let gap_objects = GapLines::new(book(), gaps.straight().expect("a JSON maker"), lang);
        for o in &read.outlets {
            let a = ev.assess(o);
            for target in [None, Some(1), Some(2), Some(3), Some(4)] {
                let mut text = String::from("{},");
                let (brief, failing) = ev.brief_gaps(o, target);
                let count = gap_objects.write(ev, o, &brief, target, &failing, &mut text);
                assert_eq!(
                    (text.split_off(3), count),
                    bytes(gaps.make(gaps_rows(ev, o, &a, target, lang))),
                    "gap objects of {} to {target:?} ({lang:?})",
                    o.id
                );
            }
        }
    }
}

fn json_maker(lang: Lang, columns: Vec<outlet::report::Column>) -> RowMaker<'static> {
    Writer::new(
        Vec::new(),
        Format::Json,
        lang,
        book(),
        Meta::rulebook("test", book()),
        "rows",
        columns,
    )
    .row_maker()
}

#[test]
fn the_county_examples_lines_are_the_writers() {
    let read = read_bytes(example(COUNTY_CSV), InputFormat::Csv);
    check(&read, &[], &Evaluator::new(book(), as_of()));
}

#[test]
fn lines_with_waivers_are_the_writers() {
    let s = Scratch::new();
    let path = s.write("waivers.yaml", WAIVERS);
    let mut problems = Vec::new();
    let waivers = Waivers::load(&path, book(), as_of(), &mut problems).expect("waivers load");
    let ev = Evaluator::new(book(), as_of()).with_waivers(&waivers);
    let read = read_bytes(example(COUNTY_CSV), InputFormat::Csv);
    let waived = read.outlets.iter().any(|o| {
        ev.assess(o)
            .outcomes
            .contains(&outlet::eval::Outcome::Waived)
    });
    assert!(waived, "a waiver applies");
    check(&read, &[], &ev);
}

#[test]
fn lines_with_text_that_needs_quotes_are_the_writers() {
    let rows = vec![
        with(&[
            ("网点编号", "A,1"),
            ("网点名称", "\"新\"站,\n二号"),
            ("省", "青海省"),
            ("市", "西宁市"),
            ("县", "甲,县"),
            ("乡镇街道", "城关镇"),
            ("备注", "有,逗号"),
            ("说明", "a\"b"),
        ]),
        // A partner outlet graded as a community, lacking much: many gap lines.
        with(&[
            ("网点编号", "B\r2"),
            ("省", ""),
            ("市", "\"市\""),
            ("县", "乙县"),
            ("乡镇街道", ""),
            ("网点类型", "共建"),
            ("参照类型", "社区"),
            ("经办窗口数", "0"),
            ("服务项目", "政策咨询,职业指导"),
            ("备注", ""),
            ("说明", ""),
        ]),
        with(&[
            ("网点编号", "C3"),
            ("省", "青海省"),
            ("市", "西宁市"),
            ("县", "乙县"),
            ("乡镇街道", "城关镇"),
            ("网点类型", "乡镇"),
            ("信息发布栏", ""),
            ("专职人员数", ""),
            ("备注", "x"),
            ("说明", ",,"),
        ]),
    ];
    let read = read_rows(&rows);
    assert_eq!(read.outlets.len(), 3, "{:?}", read.problems);
    let extras: Vec<String> = read.outlets[0].extras.iter().map(|_| "x".into()).collect();
    check(&read, &extras, &Evaluator::new(book(), as_of()));
}
