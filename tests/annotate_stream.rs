//! `grade --annotate` copies the auditor's own workbook part by part (issue 16): everything of
//! the original — styles, widths, hidden columns, the frozen pane, formulas, merged cells,
//! validations, the other sheets, defined names — comes back as it was, and the graded sheet
//! gains the result columns, whose grades are those of `grade --format csv` on the same file.
//!
//! Each workbook here is made with rust_xlsxwriter as an auditor's would be (a merged title, a
//! styled header, a hidden contact column, a formula), and the copy is read back both as XML, from
//! its zip, and as values, with calamine.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::files::{COUNTY_CSV, example};
use common::run::{code, report_in, run};
use rust_xlsxwriter::{Color, DataValidation, Format, FormatBorder, Formula, Workbook};

const SHEET: &str = "台账";
/// The added columns' titles, in order.
const TITLES: [&str; 5] = ["评定级别", "最低要求", "状态", "缺项", "数据问题"];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The example inventory's rows (header first), from its CSV.
fn county_rows() -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&example(COUNTY_CSV)[..])
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect()
}

/// An auditor's workbook: on sheet 台账 a merged title (row 1), a bold filled header (row 2) and
/// the example's outlets below it, with a hidden 联系电话 column (C) after the name, a custom width,
/// a frozen pane, a drop-down on 申报级别, and a formula with its saved result in the last column
/// (人员合计); a second sheet 填报说明, and a defined name. `edit` changes a data cell (by row
/// index into the CSV's outlets, and header) before it is written.
fn auditors_workbook(edit: &[(usize, &str, &str)]) -> Vec<u8> {
    let rows = county_rows();
    let mut header = rows[0].clone();
    header.insert(2, "联系电话".into());
    header.push("人员合计".into());
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    {
        let sheet = wb.add_worksheet();
        sheet.set_name(SHEET).expect("a name");
        let last = u16::try_from(header.len() - 1).expect("columns");
        sheet
            .merge_range(0, 0, 0, last, "安宁县基层就业服务网点台账", &title)
            .expect("merged");
        for (c, h) in header.iter().enumerate() {
            let c = u16::try_from(c).expect("a column");
            sheet
                .write_string_with_format(1, c, h, &head)
                .expect("written");
        }
        let at = |name: &str| header.iter().position(|h| h == name).expect("a column");
        for (i, row) in rows[1..].iter().enumerate() {
            let r = u32::try_from(i + 2).expect("a row");
            let mut row = row.clone();
            row.insert(2, format!("0851-8{i:06}"));
            for &(which, column, value) in edit {
                if which == i {
                    row[at(column)] = value.to_string();
                }
            }
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    let c = u16::try_from(c).expect("a column");
                    sheet.write_string(r, c, v).expect("written");
                }
            }
            let (p, q) = (at("专职人员数"), at("兼职人员数"));
            let formula = format!("=VALUE({})+VALUE({})", cell_name(r, p), cell_name(r, q));
            let sum = ["专职人员数", "兼职人员数"]
                .iter()
                .map(|c| {
                    row[at(c)]
                        .trim_end_matches('人')
                        .parse::<u32>()
                        .unwrap_or(0)
                })
                .sum::<u32>();
            sheet
                .write_formula(
                    r,
                    u16::try_from(at("人员合计")).expect("a column"),
                    Formula::new(formula).set_result(sum.to_string()),
                )
                .expect("written");
        }
        sheet.set_column_hidden(2).expect("hidden");
        sheet.set_column_width(1, 32).expect("a width");
        sheet.set_freeze_panes(2, 2).expect("frozen");
        let grades = DataValidation::new()
            .allow_list_strings(&["一级", "二级", "三级", "四级"])
            .expect("a list");
        let claimed = u16::try_from(at("申报级别")).expect("a column");
        sheet
            .add_data_validation(2, claimed, 500, claimed, &grades)
            .expect("a validation");
    }
    {
        let sheet = wb.add_worksheet();
        sheet.set_name("填报说明").expect("a name");
        sheet
            .write_string_with_format(0, 0, "请按台账模板填报", &title)
            .expect("written");
        sheet.set_column_width(0, 50).expect("a width");
    }
    wb.define_name("联系电话", "=台账!$C$3:$C$100")
        .expect("a name");
    wb.save_to_buffer().expect("a workbook")
}

/// The example county's rows as text cells on the sheet 台账, changed by `then`: the workbook's
/// bytes.
fn county_workbook(then: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name(SHEET).expect("a name");
    for (r, row) in county_rows().iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                let (r, c) = (u32::try_from(r).expect("r"), u16::try_from(c).expect("c"));
                sheet.write_string(r, c, v).expect("written");
            }
        }
    }
    then(sheet);
    wb.save_to_buffer().expect("a workbook")
}

fn cell_name(r: u32, c: usize) -> String {
    format!(
        "{}{}",
        outlet::problem::column_letters(u32::try_from(c).expect("a column")),
        r + 1
    )
}

/// A zip's entries, in order, each decompressed.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("an entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("inflated");
            (entry.name().to_string(), data)
        })
        .collect()
}

/// A sheet's values as text, by 0-based (row, column).
fn values(bytes: &[u8], sheet: &str) -> BTreeMap<(u32, u32), String> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a workbook");
    let range = wb.worksheet_range(sheet).expect("a sheet");
    range
        .used_cells()
        .map(|(r, c, v)| {
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let shown = match v {
                Data::String(s) => s.clone(),
                Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                other => other.to_string(),
            };
            ((r0 + r as u32, c0 + c as u32), shown)
        })
        .collect()
}

/// Runs `grade INPUT --annotate -o OUTPUT` (plus `extra`) in a scratch folder; the copy's bytes.
fn annotate(dir: &Path, input: &[u8], extra: &[&str]) -> Vec<u8> {
    let path = dir.join("台账.xlsx");
    std::fs::write(&path, input).expect("written");
    let output = dir.join("台账-评定.xlsx");
    let mut args = vec![
        "grade",
        path.to_str().expect("UTF-8"),
        "--annotate",
        "-o",
        output.to_str().expect("UTF-8"),
    ];
    args.extend(extra);
    let out = run(&args);
    assert!(matches!(code(&out), 0 | 1), "{}", text(&out.stderr));
    std::fs::read(&output).expect("the copy was written")
}

/// The cells of a sheet's XML (`<c r="A1" …>…</c>` or `<c …/>`), as written.
fn cells(xml: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<c ") {
        let from = &rest[start..];
        let open_end = from.find('>').expect("a tag end");
        let end = if from[..=open_end].ends_with("/>") {
            open_end + 1
        } else {
            from.find("</c>").expect("a cell end") + 4
        };
        out.push(&from[..end]);
        rest = &from[end..];
    }
    out
}

/// The part of `xml` from `<tag` to `</tag>` (or its empty form), if any.
fn element<'x>(xml: &'x str, tag: &str) -> Option<&'x str> {
    let start = xml.find(&format!("<{tag}"))?;
    let end = xml[start..]
        .find(&format!("</{tag}>"))
        .map(|e| start + e + tag.len() + 3)
        .or_else(|| xml[start..].find("/>").map(|e| start + e + 2))?;
    Some(&xml[start..end])
}

#[test]
fn the_copy_keeps_everything_of_the_original_and_adds_the_grades_of_grade() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let original = auditors_workbook(&[]);
    let copy = annotate(dir.path(), &original, &[]);

    // Every part but the graded sheet is the original's, byte for byte, in the original's order.
    let (before, after) = (entries(&original), entries(&copy));
    let names = |e: &[(String, Vec<u8>)]| e.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&before));
    let sheet = "xl/worksheets/sheet1.xml";
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        if name != sheet {
            assert!(a == b, "{name} changed");
        }
    }
    let part =
        |e: &[(String, Vec<u8>)]| text(&e.iter().find(|(n, _)| n == sheet).expect("the sheet").1);
    let (xml_before, xml_after) = (part(&before), part(&after));

    // The hidden contact column is still hidden, the widths are the original's, and so are the
    // pane, the merged title, the validation and everything after the cells.
    let cols_before = element(&xml_before, "cols").expect("widths");
    let cols_after = element(&xml_after, "cols").expect("widths");
    assert!(cols_before.contains("hidden=\"1\""), "{cols_before}");
    let original_cols = cols_before
        .trim_start_matches("<cols>")
        .trim_end_matches("</cols>");
    assert!(
        cols_after.starts_with(&format!("<cols>{original_cols}")),
        "{cols_after}"
    );
    for tag in [
        "sheetViews",
        "mergeCells",
        "dataValidations",
        "sheetFormatPr",
    ] {
        assert_eq!(
            element(&xml_after, tag),
            element(&xml_before, tag),
            "<{tag}> of the copy"
        );
    }
    let tail = |xml: &str| xml[xml.find("</sheetData>").expect("cells")..].to_string();
    assert_eq!(tail(&xml_after), tail(&xml_before));
    // Every cell of the original is in the copy as it was: its style, shared string, formula and
    // saved result.
    let copied: std::collections::HashSet<&str> = cells(&xml_after).into_iter().collect();
    let originals = cells(&xml_before);
    assert!(originals.iter().any(|c| c.contains("<f>")), "a formula");
    for cell in &originals {
        assert!(copied.contains(cell), "{cell} is not in the copy");
    }

    // The values, as calamine reads them: the original's, and the results right of them.
    let (was, now) = (values(&original, SHEET), values(&copy, SHEET));
    for (at, v) in &was {
        assert_eq!(now.get(at), Some(v), "{at:?}");
    }
    let last = was.keys().map(|(_, c)| *c).max().expect("cells");
    let added: Vec<u32> = (last + 1..=last + 5).collect();
    let titles: Vec<&str> = added
        .iter()
        .map(|c| now.get(&(1, *c)).map_or("", String::as_str))
        .collect();
    assert_eq!(titles, TITLES);
    // The added header cells look like the auditor's header (its style).
    let style = |xml: &str, at: &str| {
        let start = xml.find(&format!("<c r=\"{at}\"")).expect("the cell");
        let tag = &xml[start..start + xml[start..].find('>').expect("a tag")];
        tag.split(" s=\"")
            .nth(1)
            .map(|s| s[..s.find('"').expect("a quote")].to_string())
    };
    let first_added = outlet::problem::column_letters(last + 1);
    assert_eq!(
        style(&xml_after, &format!("{first_added}2")),
        style(&xml_before, "A2")
    );
    // …and a width of their own, as the sheet's columns have.
    assert!(cols_after.contains(&format!("<col min=\"{}\" max=\"{}\"", last + 2, last + 2)));

    // The grades are those of `grade --format csv`, outlet by outlet.
    let input = dir.path().join("台账.xlsx");
    let out = report_in("zh", "csv", &["grade", input.to_str().expect("UTF-8")]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let report = csv::Reader::from_reader(out.stdout.as_slice())
        .records()
        .map(|r| r.expect("a record"))
        .collect::<Vec<_>>();
    let header = csv::Reader::from_reader(out.stdout.as_slice())
        .headers()
        .expect("a header")
        .clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert!(report.len() > 40);
    for record in &report {
        let row: u32 = record[at("行号")].parse().expect("a row number");
        let cell = |i: usize| now.get(&(row - 1, added[i])).cloned().unwrap_or_default();
        let id = &record[at("网点编号")];
        assert_eq!(cell(0), record[at("评定级别")], "{id}");
        assert_eq!(cell(1), record[at("最低要求")], "{id}");
        assert_eq!(cell(2), record[at("状态")], "{id}");
        let gaps: usize = record[at("缺项数")].parse().expect("a count");
        let listed = cell(3);
        let listed = if listed.is_empty() {
            0
        } else {
            listed.split('；').count()
        };
        assert_eq!(listed, gaps, "{id}: {}", cell(3));
    }
    // Rows above the header get nothing.
    assert!(added.iter().all(|c| !now.contains_key(&(0, *c))));
}

#[test]
fn annotating_the_copy_again_rewrites_the_added_columns_in_place() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let original = auditors_workbook(&[]);
    let first = annotate(dir.path(), &original, &[]);
    let second = annotate(dir.path(), &first, &["--lang", "en"]);
    let (a, b) = (values(&first, SHEET), values(&second, SHEET));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "no column is added twice"
    );
    let last = values(&original, SHEET)
        .keys()
        .map(|(_, c)| *c)
        .max()
        .expect("cells");
    // The titles and texts are now English; a grade is a number.
    assert_eq!(
        b.get(&(1, last + 1)).map(String::as_str),
        Some("assessed grade")
    );
    assert_eq!(b.get(&(2, last + 1)).map(String::as_str), Some("1"));
    assert_eq!(b.get(&(2, last + 3)).map(String::as_str), Some("meets"));
    let xml = text(
        &entries(&second)
            .into_iter()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .expect("the sheet")
            .1,
    );
    let column = outlet::problem::column_letters(last + 1);
    assert!(xml.contains(&format!("<c r=\"{column}3\"")), "a grade");
    assert!(
        !xml.contains(&format!("<c r=\"{column}3\" t=\"inlineStr\"")),
        "a number"
    );
}

#[test]
fn text_that_looks_like_a_formula_or_markup_stays_inert_text() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let original = auditors_workbook(&[
        (0, "经办窗口数", "=cmd|' /C calc'!A0"),
        (1, "专职人员数", "<script>alert(1)</script>"),
    ]);
    let copy = annotate(dir.path(), &original, &[]);
    let xml = text(
        &entries(&copy)
            .into_iter()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .expect("the sheet")
            .1,
    );
    let now = values(&copy, SHEET);
    let last = values(&original, SHEET)
        .keys()
        .map(|(_, c)| *c)
        .max()
        .expect("cells");
    let problems = |row: u32| now.get(&(row, last + 5)).cloned().unwrap_or_default();
    assert!(
        problems(2).contains("=cmd|' /C calc'!A0"),
        "{}",
        problems(2)
    );
    assert!(
        problems(3).contains("<script>alert(1)</script>"),
        "{}",
        problems(3)
    );
    // Written as inline strings, escaped: never a formula, never markup.
    let column = outlet::problem::column_letters(last + 5);
    for row in [3, 4] {
        let start = xml
            .find(&format!("<c r=\"{column}{row}\""))
            .expect("the cell");
        let cell = &xml[start..start + xml[start..].find("</c>").expect("an end")];
        assert!(cell.contains("t=\"inlineStr\""), "{cell}");
        assert!(!cell.contains("<f>"), "{cell}");
    }
    assert!(xml.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!xml.contains("<script>"));
}

#[test]
fn columns_hidden_up_to_the_sheets_end_do_not_hide_the_results() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // An auditor who hides every unused column (a common template): from 人员合计's right to XFD.
    let width = u16::try_from(county_rows()[0].len()).expect("columns");
    let original = county_workbook(|sheet| {
        sheet
            .set_column_range_hidden(width, 16_383)
            .expect("hidden");
    });
    let copy = annotate(dir.path(), &original, &[]);
    let xml = text(
        &entries(&copy)
            .into_iter()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .expect("the sheet")
            .1,
    );
    let cols = element(&xml, "cols").expect("widths");
    let first = u32::from(width) + 1;
    let (from, to) = (first, first + 4);
    for n in from..=to {
        let col = cols
            .split("<col ")
            .find(|c| c.starts_with(&format!("min=\"{n}\"")))
            .unwrap_or_else(|| panic!("a <col> for column {n}: {cols}"));
        assert!(!col.contains("hidden"), "{col}");
    }
    assert!(
        cols.contains(&format!("min=\"{}\" max=\"16384\"", to + 1)),
        "the rest stays hidden: {cols}"
    );
    assert!(values(&copy, SHEET).contains_key(&(1, u32::from(width))));
}

#[test]
fn a_workbook_whose_parts_cannot_be_copied_is_copied_as_values() {
    // A macro-enabled workbook's parts cannot go into a file named .xlsx: the copy is made from
    // its values, as for .xls and .ods.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let original = auditors_workbook(&[]);
    let macro_type = "application/vnd.ms-excel.sheet.macroEnabled.main+xml";
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries(&original) {
        let data = if name == "[Content_Types].xml" {
            text(&data)
                .replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    macro_type,
                )
                .into_bytes()
        } else {
            data
        };
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("an entry");
        std::io::Write::write_all(&mut out, &data).expect("written");
    }
    let xlsm = out.finish().expect("a zip").into_inner();
    let copy = annotate(dir.path(), &xlsm, &[]);
    assert!(!text(&entries(&copy)[0].1).contains(macro_type));
    let (was, now) = (values(&original, SHEET), values(&copy, SHEET));
    for (at, v) in &was {
        assert_eq!(now.get(at), Some(v), "{at:?}");
    }
    let last = was.keys().map(|(_, c)| *c).max().expect("cells");
    assert_eq!(
        now.get(&(1, last + 1)).map(String::as_str),
        Some("评定级别")
    );
    assert!(now.contains_key(&(2, last + 1)));
}

#[test]
fn a_sheet_used_up_to_its_last_column_is_refused_in_the_runs_language() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let workbook = county_workbook(|sheet| {
        sheet.write_string(3, 16_383, "最后一列").expect("written");
    });
    let input = dir.path().join("台账.xlsx");
    std::fs::write(&input, workbook).expect("written");
    let output = dir.path().join("copy.xlsx");
    let out = run(&[
        "grade",
        input.to_str().expect("UTF-8"),
        "--annotate",
        "-o",
        output.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code(&out), 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("无法复制工作簿: 工作表右侧已没有空列"),
        "{err}"
    );
    assert!(!output.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("a dir").count(),
        1,
        "no temporary file is left"
    );
}

#[test]
fn the_copy_is_the_same_whether_the_sheet_is_surveyed_during_the_grading_or_after() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let original = auditors_workbook(&[]);
    let beside = annotate(dir.path(), &original, &["--threads", "3"]);
    let after = annotate(dir.path(), &original, &["--threads", "1"]);
    let (beside, after) = (entries(&beside), entries(&after));
    assert_eq!(beside, after);
    let sheet = beside
        .iter()
        .find(|(name, _)| name.starts_with("xl/worksheets/"))
        .expect("a sheet");
    assert!(text(&sheet.1).contains("评定级别"));
}
