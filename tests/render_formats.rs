//! The formats people open, written fast without changing a byte: JSON rows are written straight
//! (not built as `serde_json::Value`s) in the bytes serde_json makes of them, and the rows that a
//! grading thread makes for the terminal table and Markdown are the rows that the writer makes of
//! the cells itself.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use common::book;
use outlet::report::words::Shared;
use outlet::report::{Column, Format, Meta, Out, Writer};
use outlet::text::Lang;
use serde_json::{Map, Value, json};

/// Columns out of key order, one key twice (the later cell is the one JSON keeps).
fn columns() -> Vec<Column> {
    [
        ("name", "名称"),
        ("id", "编号"),
        ("share", "占比"),
        ("count", "数"),
        ("id", "编号(原表)"),
        ("number", "数值"),
        ("nan", "非数"),
        ("grade", "级别"),
        ("claimed", "申报"),
        ("status", "状态"),
        ("shared", "共享"),
        ("Zeta", "大写"),
    ]
    .iter()
    .map(|(k, zh)| Column::new(k, zh, k))
    .collect()
}

/// Rows with text that JSON, the table and Markdown must escape or show.
fn rows(n: usize) -> Vec<Vec<Out>> {
    (0..n)
        .map(|i| {
            vec![
                Out::str(format!("网点\"{i}\"\n\t|\u{1f}\u{7}\u{202e}末\n")),
                Out::str(format!("ID-{i}")),
                Out::Percent(0.123_45 + i as f64 / 7.0),
                Out::Int(i as i64 - 3),
                if i % 2 == 0 {
                    Out::Null
                } else {
                    Out::str("第二个编号")
                },
                Out::Num(2.5 * i as f64),
                Out::Num(f64::NAN),
                Out::Grade(if i % 3 == 0 { None } else { Some(2) }),
                Out::OptGrade(Some(3)),
                Out::key("below_minimum", "低于最低要求", "below minimum"),
                Out::Shared(Shared::from("共享的文字 \\ /")),
                Out::str("😀 wide 全角"),
            ]
        })
        .collect()
}

/// What serde_json makes of a row built as a `Value`: the bytes the rows must keep.
fn expected_row(columns: &[Column], cells: &[Out]) -> String {
    let value = |c: &Out| match c {
        Out::Null | Out::Grade(None) | Out::OptGrade(None) => Value::Null,
        Out::Str(s) => json!(s),
        Out::Shared(s) => json!(&**s),
        Out::Int(n) => json!(n),
        Out::Num(n) => json!(n),
        Out::Percent(x) => json!((x * 10000.0).round() / 10000.0),
        Out::Grade(Some(g)) | Out::OptGrade(Some(g)) => json!(g),
        Out::Key { key, .. } => json!(&**key),
    };
    let map: Map<String, Value> = columns
        .iter()
        .zip(cells)
        .map(|(c, v)| (c.key.clone(), value(v)))
        .collect();
    Value::Object(map).to_string()
}

fn writer(format: Format, lang: Lang, columns: Vec<Column>) -> Writer<'static, Vec<u8>> {
    Writer::new(
        Vec::new(),
        format,
        lang,
        book(),
        Meta::rulebook("grade", book()),
        "outlets",
        columns,
    )
}

/// The whole report, its rows written one by one by the writer.
fn by_row(format: Format, lang: Lang, shown: &[bool], rows: &[Vec<Out>]) -> String {
    let mut w = writer(format, lang, columns()).brief(shown.to_vec());
    for r in rows {
        w.row(r).expect("a row");
    }
    String::from_utf8(w.finish(&[], &[]).expect("it finishes")).expect("UTF-8")
}

/// The whole report, its rows made by the writer's row maker (as grading threads make them), a
/// few at a time.
fn by_maker(format: Format, lang: Lang, shown: &[bool], rows: &[Vec<Out>]) -> String {
    let mut w = writer(format, lang, columns()).brief(shown.to_vec());
    let maker = w.row_maker();
    for chunk in rows.chunks(7) {
        w.rows(maker.make(chunk.iter().cloned())).expect("rows");
    }
    String::from_utf8(w.finish(&[], &[]).expect("it finishes")).expect("UTF-8")
}

#[test]
fn json_rows_are_the_bytes_serde_json_makes_of_them() {
    let rows = rows(5);
    let expected: Vec<String> = rows.iter().map(|r| expected_row(&columns(), r)).collect();
    let expected = format!(",\"outlets\":[{}],", expected.join(","));
    let shown = vec![true; columns().len()];
    for lang in [Lang::Zh, Lang::En] {
        for page in [
            by_row(Format::Json, lang, &shown, &rows),
            by_maker(Format::Json, lang, &shown, &rows),
        ] {
            assert!(page.contains(&expected), "{page}");
            // It is still one JSON document.
            let doc: Value = serde_json::from_str(&page).expect("JSON");
            assert_eq!(doc["outlets"][1]["id"], json!("第二个编号"));
            assert_eq!(doc["outlets"][0]["nan"], Value::Null);
        }
    }
}

#[test]
fn table_and_markdown_rows_made_on_threads_are_the_rows_the_writer_makes() {
    let mut shown = vec![true; columns().len()];
    shown[2] = false;
    shown[6] = false;
    // A short table (comfy-table) and a long one, streamed past its first block of rows.
    for n in [3, 1_234] {
        let rows = rows(n);
        for format in [Format::Table, Format::Markdown] {
            for lang in [Lang::Zh, Lang::En] {
                let written = by_row(format, lang, &shown, &rows);
                assert_eq!(
                    by_maker(format, lang, &shown, &rows),
                    written,
                    "{format:?} {lang:?} {n}"
                );
                // Control characters are shown, never sent: each row is one line.
                assert!(!written.contains('\u{1f}') && !written.contains('\u{7}'));
                assert!(written.contains("\\x1f"), "{written}");
                let rows_shown = written.matches("ID-").count();
                assert_eq!(rows_shown, n, "{format:?}");
            }
        }
    }
}

#[test]
fn a_streamed_table_row_has_every_shown_cell_even_an_empty_last_one() {
    let columns = vec![
        Column::new("id", "编号", "id"),
        Column::new("note", "备注", "note"),
    ];
    let rows: Vec<Vec<Out>> = (0..1_100)
        .map(|i| vec![Out::str(format!("N{i}")), Out::Null])
        .collect();
    let mut w = writer(Format::Table, Lang::Zh, columns);
    let maker = w.row_maker();
    w.rows(maker.make(rows)).expect("rows");
    let page = String::from_utf8(w.finish(&[], &[]).expect("it finishes")).expect("UTF-8");
    let line = page
        .lines()
        .find(|l| l.contains("N1050"))
        .expect("a streamed row");
    assert_eq!(line.matches('┆').count(), 1, "{line}");
    assert!(line.starts_with('│') && line.ends_with('│'), "{line}");
}

#[test]
fn csv_fields_are_quoted_as_the_csv_crate_quotes_them() {
    let fields = [
        "plain",
        "",
        "a,b",
        "say \"hi\"",
        "\"",
        "cr\rlf",
        "line\n",
        "全角，逗号",
        "网点\"名称\",含逗号",
        " spaced ",
        "#hash",
    ];
    let columns: Vec<Column> = (0..fields.len())
        .map(|i| Column::new(&format!("c{i}"), "列", "column"))
        .collect();
    let mut w = writer(Format::Csv, Lang::En, columns);
    let cells: Vec<Out> = fields.iter().map(|f| Out::str(*f)).collect();
    w.row(&cells).expect("a row");
    let page = String::from_utf8(w.finish(&[], &[]).expect("it finishes")).expect("UTF-8");
    let mut expected = csv::Writer::from_writer(Vec::new());
    expected.write_record(fields).expect("a record");
    let expected = String::from_utf8(expected.into_inner().expect("flushed")).expect("UTF-8");
    let row = page.split_once('\n').expect("a header").1;
    assert_eq!(row, expected);
}

#[test]
fn the_html_page_escapes_keys_titles_and_cells_and_marks_the_status() {
    let columns = vec![
        Column::new("x\"y<z>", "列<一>", "column <1>"),
        Column::new("status", "状态", "status"),
    ];
    let mut w = writer(Format::Html, Lang::Zh, columns);
    w.row(&[
        Out::str("<b>&'\""),
        Out::key("below_minimum", "低于最低要求", "below minimum"),
    ])
    .expect("a row");
    let page = String::from_utf8(w.finish(&[], &[]).expect("it finishes")).expect("UTF-8");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        page.contains("<th data-key=\"x&quot;y&lt;z&gt;\">列&lt;一&gt;</th>"),
        "{page}"
    );
    assert!(page.contains("<td>&lt;b&gt;&amp;'&quot;</td>"), "{page}");
    assert!(
        page.contains("<td class=\"below_minimum\">低于最低要求</td>"),
        "{page}"
    );
    assert!(page.contains("<table id=\"main\">"), "{page}");
    assert_eq!(page.matches("<script").count(), 1);
}
