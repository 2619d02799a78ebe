//! Workbooks read as they stream (issue 16): an `.xlsx` sheet goes through calamine's cell reader,
//! with the merged ranges, the used area and the formulas without a result taken from the zip
//! check's pass, and must read exactly as the same sheet read whole. A sheet whose rows are out of
//! order is still read whole (the streaming reader could not put them back in order); moving the
//! last row to the front of a sheet's XML therefore gives the whole-sheet reading of the same
//! cells, and the two are compared outlet by outlet and problem by problem. An `.ods` (read whole,
//! as `.xls` is) reads as the CSV of the same rows.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::io::{Cursor, Write};

use common::{
    Read as Readings, baseline_column, baseline_headers, baseline_values, csv, read_csv,
    read_labelled, with,
};
use outlet::inventory::{InputFormat, Inventory, Value};
use outlet::problem::ProblemKind;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// The workbook with its sheet `part`'s last `<row>` moved to the front: the same cells, out of
/// order, which the reader reads whole.
fn whole(bytes: &[u8], part: &str) -> Vec<u8> {
    common::rezip(bytes, |name, data| {
        if name != part {
            return data;
        }
        let xml = String::from_utf8(data).expect("UTF-8");
        let start = xml.find("<sheetData>").expect("sheet data") + "<sheetData>".len();
        let end = xml.find("</sheetData>").expect("its end");
        let last = xml[..end].rfind("<row ").expect("a row");
        let moved = format!(
            "{}{}{}{}",
            &xml[..start],
            &xml[last..end],
            &xml[start..last],
            &xml[end..]
        );
        assert_ne!(moved, xml, "a row was moved");
        moved.into_bytes()
    })
}

/// The sheet `part` of a workbook with `from` replaced by `to` in its XML.
fn edited(bytes: &[u8], part: &str, from: &str, to: &str) -> Vec<u8> {
    common::rezip(bytes, |name, data| {
        if name != part {
            return data;
        }
        let xml = String::from_utf8(data).expect("UTF-8");
        let edited = xml.replacen(from, to, 1);
        assert_ne!(edited, xml, "`{from}` was found in {part}");
        edited.into_bytes()
    })
}

fn read(bytes: Vec<u8>) -> Readings {
    read_labelled(bytes, InputFormat::Xlsx, "台账.xlsx")
}

/// Reads a workbook as it streams and as it reads whole, and checks that both read the same
/// outlets with the same problems at the same cells; the streamed reading is returned.
fn same_both_ways(bytes: &[u8], part: &str) -> Readings {
    let streamed = read(bytes.to_vec());
    let grid = read(whole(bytes, part));
    assert_eq!(
        format!("{:#?}", streamed.outlets),
        format!("{:#?}", grid.outlets)
    );
    assert_eq!(
        format!("{:#?}", streamed.problems),
        format!("{:#?}", grid.problems)
    );
    streamed
}

/// Writes `row`'s values from column `first`, numbers as number cells.
fn write_row(sheet: &mut Worksheet, r: u32, first: u16, row: &[String]) {
    for (c, value) in row.iter().enumerate() {
        if value.is_empty() {
            continue;
        }
        let c = first + c as u16;
        match value.parse::<f64>() {
            Ok(n) if value.len() < 6 => sheet.write_number(r, c, n).expect("a cell"),
            _ => sheet.write_string(r, c, value).expect("a cell"),
        };
    }
}

/// A 台账 as counties make them, read as it streams, in column B down from row 4: a title merged
/// across above the header, a 填报单位 line, a blank row; below the header a 网点类型 merged down
/// over three rows, a 乡镇街道 merged across two columns, blank rows between outlets, a row with
/// only some cells, a note right of the header, a stray note in column A (left of the header), and
/// a merged range reaching past the last row.
fn ledger() -> Vec<u8> {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("台账").expect("a name");
    let width = baseline_headers().len() as u16;
    s.merge_range(
        0,
        1,
        0,
        width,
        "某某县基层公共就业服务网点台账",
        &Format::new(),
    )
    .expect("a merged title");
    s.write(1, 1, "填报单位: 某某县人社局").expect("a cell");
    write_row(s, 3, 1, &baseline_headers());
    write_row(s, 4, 1, &baseline_values("S-1", &[]));
    // Rows 6 to 8: one 网点类型 merged down over the three.
    let kind = 1 + baseline_column("网点类型");
    for (r, id) in [(5, "S-2"), (6, "S-3"), (7, "S-4")] {
        let mut row = baseline_values(id, &[]);
        row[baseline_column("网点类型") as usize].clear();
        write_row(s, r, 1, &row);
    }
    s.merge_range(5, kind, 7, kind, "村", &Format::new())
        .expect("a merged type");
    // Rows 9 to 11 blank; row 12 with only its id, name and type, and a note right of the header.
    let mut sparse = vec![String::new(); baseline_headers().len()];
    sparse[0] = "S-5".into();
    sparse[baseline_column("网点名称") as usize] = "新村服务点".into();
    sparse[baseline_column("网点类型") as usize] = "村".into();
    write_row(s, 11, 1, &sparse);
    s.write(11, width + 2, "备注: 新设").expect("a note");
    // Row 14: a stray note in column A; row 16 its outlet, merged across its two last columns.
    s.write(13, 0, "以下为新增").expect("a stray note");
    let mut last = baseline_values("S-6", &[]);
    let across = (1 + width - 2, 1 + width - 1);
    let kept = last[(across.0 - 1) as usize].clone();
    last[(across.1 - 1) as usize].clear();
    write_row(s, 15, 1, &last);
    s.merge_range(15, across.0, 15, across.1, &kept, &Format::new())
        .expect("a merge across");
    // A merged 备注 over rows 16 to 30, past the last row with cells (clipped to it).
    s.merge_range(15, width + 2, 29, width + 2, "", &Format::new())
        .expect("an empty merge");
    wb.save_to_buffer().expect("the workbook")
}

#[test]
fn a_ledger_with_titles_merges_and_gaps_streams_as_it_reads_whole() {
    let read = same_both_ways(&ledger(), "xl/worksheets/sheet1.xml");
    let ids: Vec<(&str, u64)> = read
        .outlets
        .iter()
        .map(|o| (o.id.as_str(), o.row))
        .collect();
    assert_eq!(
        ids,
        [
            ("S-1", 5),
            ("S-2", 6),
            ("S-3", 7),
            ("S-4", 8),
            ("S-5", 12),
            ("S-6", 16)
        ]
    );
    // The merged type (村) counts for every row it spans.
    for o in &read.outlets[2..4] {
        assert_eq!(o.type_, read.outlets[1].type_, "{}", o.id);
    }
    assert_ne!(read.outlets[1].type_, read.outlets[0].type_);
    assert!(
        read.problems
            .iter()
            .all(|p| p.row != Some(7) && p.row != Some(8)),
        "{:#?}",
        read.problems
    );
    // The stray note in column A makes a column of its own: problems still name their cells by
    // the sheet's letters.
    let s5 = read.outlet("S-5");
    assert!(matches!(
        s5.values[common::field("windows")],
        Value::Missing
    ));
}

#[test]
fn the_same_outlets_in_a_plain_sheet_grade_as_the_csv() {
    let rows: Vec<_> = (1..=30)
        .map(|i| {
            with(&[
                ("网点编号", &format!("P-{i}")),
                ("经办窗口数", &(i % 4).to_string()),
            ])
        })
        .collect();
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("台账").expect("a name");
    write_row(s, 0, 0, &baseline_headers());
    for (r, row) in rows.iter().enumerate() {
        let values: Vec<String> = row.iter().map(|(_, v)| v.clone()).collect();
        write_row(s, r as u32 + 1, 0, &values);
    }
    let bytes = wb.save_to_buffer().expect("the workbook");
    let streamed = same_both_ways(&bytes, "xl/worksheets/sheet1.xml");
    let plain = read_csv(&csv(&rows));
    assert_eq!(
        format!("{:#?}", streamed.outlets),
        format!("{:#?}", plain.outlets)
    );
}

#[test]
fn a_formula_without_a_result_is_told_from_an_empty_cell_as_it_streams() {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("台账").expect("a name");
    write_row(s, 0, 0, &baseline_headers());
    write_row(s, 1, 0, &baseline_values("F-1", &[]));
    write_row(s, 2, 0, &baseline_values("F-2", &[]));
    let windows = baseline_column("经办窗口数");
    s.write_formula(2, windows, "=1+1").expect("a formula");
    let bytes = wb.save_to_buffer().expect("the workbook");
    let at = format!("{}3", outlet::problem::column_letters(u32::from(windows)));
    let cached = format!("<c r=\"{at}\"><f>1+1</f><v>0</v></c>");
    let bytes = edited(
        &bytes,
        "xl/worksheets/sheet1.xml",
        &cached,
        &format!("<c r=\"{at}\"><f>1+1</f></c>"),
    );
    let read = same_both_ways(&bytes, "xl/worksheets/sheet1.xml");
    let p = read
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::UncachedFormula)
        .expect("the formula is warned of");
    assert_eq!(
        p.cell.as_ref().map(ToString::to_string),
        Some(format!("台账!{at}"))
    );
    assert_eq!(
        read.outlet("F-2").values[common::field("windows")],
        Value::Missing
    );
}

#[test]
fn a_hidden_sheet_and_a_notes_sheet_before_the_ledger_are_passed_over_as_before() {
    let mut wb = Workbook::new();
    let lists = wb.add_worksheet();
    lists.set_name("lists").expect("a name");
    write_row(lists, 0, 0, &baseline_headers());
    write_row(lists, 1, 0, &baseline_values("HIDDEN-1", &[]));
    lists.set_hidden(true);
    let notes = wb.add_worksheet();
    notes.set_name("填报说明").expect("a name");
    notes.write(0, 0, "每个网点一行").expect("a cell");
    let s = wb.add_worksheet();
    s.set_name("台账").expect("a name");
    s.set_active(true);
    write_row(s, 0, 0, &baseline_headers());
    write_row(s, 1, 0, &baseline_values("L-1", &[]));
    write_row(s, 2, 0, &baseline_values("L-2", &[]));
    let bytes = wb.save_to_buffer().expect("the workbook");
    let read = same_both_ways(&bytes, "xl/worksheets/sheet3.xml");
    let ids: Vec<&str> = read.outlets.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["L-1", "L-2"]);
    let inventory = Inventory::from_reader(
        Box::new(Cursor::new(bytes)),
        InputFormat::Xlsx,
        "台账.xlsx",
        common::book(),
    )
    .expect("it opens");
    assert_eq!(
        inventory.sheet_read(),
        Some(("台账".to_string(), vec!["填报说明".to_string()]))
    );
}

#[test]
fn a_sheet_damaged_below_its_header_is_an_error_as_it_streams() {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    write_row(s, 0, 0, &baseline_headers());
    for r in 1..=600 {
        write_row(s, r, 0, &baseline_values(&format!("D-{r}"), &[]));
    }
    s.write_string(601, 0, "D-601").expect("a cell");
    let bytes = wb.save_to_buffer().expect("the workbook");
    // A shared string that does not exist, in the last row.
    let bytes = edited(
        &bytes,
        "xl/worksheets/sheet1.xml",
        "<c r=\"A602\" t=\"s\"><v>",
        "<c r=\"A602\" t=\"s\"><v>99999",
    );
    let mut inventory = Inventory::from_reader(
        Box::new(Cursor::new(bytes)),
        InputFormat::Xlsx,
        "台账.xlsx",
        common::book(),
    )
    .expect("it opens: the header is read");
    let mut problems = Vec::new();
    let mut read = 0;
    let error = loop {
        match inventory.next_outlet(&mut problems) {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("the damaged cell was not found after {read} outlets"),
            Err(e) => break e,
        }
    };
    assert!(error.to_string().contains("台账.xlsx"), "{error}");
}

/// A minimal OpenDocument spreadsheet of `rows`, every cell a string.
fn ods(rows: &[Vec<String>]) -> Vec<u8> {
    let mut table = String::new();
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row {
            if cell.is_empty() {
                table.push_str("<table:table-cell/>");
            } else {
                let escaped = cell
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                table.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p>{escaped}</text:p></table:table-cell>"
                ));
            }
        }
        table.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="台账">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    out.start_file("mimetype", stored).expect("an entry");
    out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("written");
    for (name, text) in [
        ("META-INF/manifest.xml", manifest.to_string()),
        ("content.xml", content),
    ] {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("an entry");
        out.write_all(text.as_bytes()).expect("written");
    }
    out.finish().expect("a zip").into_inner()
}

#[test]
fn an_ods_is_still_read_whole_and_grades_as_the_csv() {
    let rows: Vec<_> = (1..=12)
        .map(|i| {
            with(&[
                ("网点编号", &format!("O-{i}")),
                ("经办窗口数", &(i % 3).to_string()),
            ])
        })
        .collect();
    let mut cells = vec![baseline_headers()];
    cells.extend(
        rows.iter()
            .map(|row| row.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()),
    );
    let from_ods = read_labelled(ods(&cells), InputFormat::Xlsx, "台账.ods");
    let plain = read_csv(&csv(&rows));
    assert_eq!(from_ods.outlets.len(), 12);
    assert_eq!(
        format!("{:#?}", from_ods.outlets),
        format!("{:#?}", plain.outlets)
    );
}
