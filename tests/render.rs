//! Renderers at national scale (issue 16): a workbook streams its rows and splits a table longer
//! than a sheet onto more sheets of the same name, losing nothing; the terminal table and the HTML
//! page stay bounded however long the inventory.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::book;
use outlet::report::{Column, Format, Meta, Out, Writer};
use outlet::text::Lang;

fn meta() -> Meta {
    Meta {
        command: "grade",
        as_of: Some("2025-11-30".into()),
        old_as_of: None,
        input: Some("national.csv".into()),
        ..Meta::rulebook("grade", book())
    }
}

fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("a sheet");
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|d| match d {
                            Data::Float(f) => format!("{f}"),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// A workbook of `outlets` results and two gap rows an outlet, at most `limit` rows a sheet.
fn workbook(outlets: usize, limit: usize, lang: Lang) -> Vec<u8> {
    let columns = vec![
        Column::new("id", "网点编号", "id"),
        Column::new("n", "序号", "n"),
    ];
    let gap_columns = vec![Column::new("id", "网点编号", "id")];
    let mut writer = Writer::new(
        Vec::new(),
        Format::Xlsx,
        lang,
        book(),
        meta(),
        "outlets",
        columns,
    )
    .sheet_rows(limit);
    for i in 0..outlets {
        let id = format!("W{i:04}");
        writer
            .row(&[Out::str(&id), Out::Int(i as i64)])
            .expect("a row");
        let gaps = vec![vec![Out::str(&id)], vec![Out::str(&id)]];
        writer
            .related("gaps", &gap_columns, &gaps)
            .expect("gap rows");
    }
    writer.finish(&[], &[]).expect("a workbook")
}

#[test]
fn a_table_longer_than_a_sheet_continues_on_sheets_of_the_same_name() {
    let sheets = sheets(workbook(7, 3, Lang::Zh));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "评定结果",
            "评定结果 (2)",
            "评定结果 (3)",
            "缺项清单",
            "缺项清单 (2)",
            "缺项清单 (3)",
            "缺项清单 (4)",
            "缺项清单 (5)",
            "数据问题",
            "汇总"
        ]
    );
    // Every sheet has the header; together they hold every row, in order, once.
    let ids = |prefix: &str| -> Vec<String> {
        sheets
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .flat_map(|(_, rows)| {
                assert_eq!(rows[0][0], "网点编号");
                assert!(rows.len() <= 4, "{rows:?}");
                rows[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>()
            })
            .collect()
    };
    let expected: Vec<String> = (0..7).map(|i| format!("W{i:04}")).collect();
    assert_eq!(ids("评定结果"), expected);
    let twice: Vec<String> = expected
        .iter()
        .flat_map(|e| [e.clone(), e.clone()])
        .collect();
    assert_eq!(ids("缺项清单"), twice);
    // The summary says where the rest went.
    let summary = &sheets.last().expect("a summary").1;
    let said: Vec<&String> = summary
        .iter()
        .flatten()
        .filter(|c| c.contains("分在"))
        .collect();
    assert_eq!(said.len(), 2, "{summary:?}");
    assert!(said[0].contains("评定结果 共 7 行"), "{said:?}");
    assert!(
        said[0].contains("评定结果、评定结果 (2)、评定结果 (3)"),
        "{said:?}"
    );
    assert!(said[1].contains("缺项清单 共 14 行"), "{said:?}");
}

#[test]
fn a_table_that_fits_stays_on_one_sheet_and_the_summary_says_nothing_of_splits() {
    let sheets = sheets(workbook(3, 3, Lang::En));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Results", "Gaps", "Gaps (2)", "Data problems", "Summary"]
    );
    let summary = &sheets.last().expect("a summary").1;
    assert!(
        summary
            .iter()
            .flatten()
            .filter(|c| c.contains("sheets:"))
            .count()
            == 1,
        "{summary:?}"
    );
}

/// An inventory of `n` outlets in 20 counties of two provinces; every third claims more than it
/// reaches (no full-time staff).
fn long_inventory(n: usize) -> String {
    let rows: Vec<common::Row> = (0..n)
        .map(|i| {
            let mut changes = vec![
                ("网点编号", format!("R-{i:05}")),
                ("省份", format!("省{}", i % 2)),
                ("地市", format!("市{}", i % 4)),
                ("区县", format!("县{:02}", i % 20)),
            ];
            if i % 3 == 0 {
                changes.push(("专职人员数", "0".to_string()));
            }
            common::with_owned(&changes)
        })
        .collect();
    common::csv(&rows)
}

#[test]
fn a_long_terminal_table_streams_in_the_widths_of_its_first_rows_and_says_how_to_get_all() {
    let scratch = common::files::Scratch::new();
    let path = scratch.write("long.csv", &long_inventory(1_500));
    let path = common::files::path_str(&path);
    let out = common::run::run(&["grade", path, "--lang", "en", "--fail-on", "never"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    // Every outlet has its row, all of one width.
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("│ R-")).collect();
    assert_eq!(rows.len(), 1_500);
    let width = |l: &str| l.chars().count();
    assert!(rows.iter().all(|r| width(r) == width(rows[0])), "{rows:?}");
    assert!(text.contains("R-01499"));
    assert_eq!(text.matches('┌').count(), text.matches('└').count());
    assert!(
        text.contains("1500 rows, more than a screen shows; for all of it use --format csv"),
        "{text}"
    );
}

#[test]
fn a_long_html_page_lists_only_the_outlets_to_act_on_at_most_fifty_a_county() {
    let scratch = common::files::Scratch::new();
    let path = scratch.write("long.csv", &long_inventory(6_000));
    let path = common::files::path_str(&path);
    let out = common::run::run(&[
        "grade",
        path,
        "--lang",
        "en",
        "--fail-on",
        "never",
        "--format",
        "html",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).expect("UTF-8");
    // 2,000 outlets to act on, in 20 counties: 50 listed in each, the other 1,000 counted.
    let main = &page[page.find("id=\"main\"").expect("the main table")..];
    let main = &main[..main.find("</table>").expect("its end")];
    let listed: Vec<&str> = main
        .match_indices("<tr><td>R-")
        .map(|(i, _)| &main[i + 8..i + 15])
        .collect();
    assert_eq!(listed.len(), 20 * 50);
    assert!(
        listed
            .iter()
            .all(|id| id[2..].parse::<usize>().expect("a number") % 3 == 0)
    );
    let note = &page[page.find("id=\"listing\"").expect("a note")..];
    let note = &note[..note.find("</p>").expect("its end")];
    assert!(
        note.contains("1000 are listed; 1000 more to act on are not"),
        "{note}"
    );
    assert!(page.contains("--format csv or --format xlsx"));
    // Only the listed outlets have their gap lists; the regions have their tables.
    assert_eq!(page.matches("<details id=\"gaps-").count(), 1_000);
    for title in [
        "Outlets to act on (below minimum, overclaimed)",
        "By province",
        "By city",
        "By county",
    ] {
        assert!(page.contains(&format!("<h2>{title}</h2>")), "{title}");
    }
}

#[test]
fn a_temporary_folder_that_cannot_be_written_is_an_error_not_a_panic() {
    let scratch = common::files::Scratch::new();
    let path = scratch.write("few.csv", &long_inventory(3));
    let output = scratch.dir.path().join("out.xlsx");
    let out = common::run::command_as_of(
        &[
            "grade",
            common::files::path_str(&path),
            "--lang",
            "en",
            "--fail-on",
            "never",
            "--format",
            "xlsx",
            "--output",
            common::files::path_str(&output),
        ],
        common::AS_OF,
    )
    .env("TMPDIR", scratch.dir.path().join("missing"))
    .output()
    .expect("outlet runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("set TMPDIR"), "{stderr}");
    assert!(!output.exists());
}
