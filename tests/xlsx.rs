//! Excel: workbook inventories (the header below title rows, typed cells, problems at `台账!D7`),
//! workbook reports (sheets, values, frozen headers, filters, colours), the annotated copy of an
//! auditor's own workbook, the template with drop-down lists, CSV for Excel, and atomic output.
//!
//! Every produced workbook is read back — its values with calamine, its data validations, panes,
//! filters, notes and fills from the XML inside it — rather than only checked to exist.

#![allow(
    clippy::expect_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::files::{COUNTY_CSV, example, path_str};
use common::run::{code, outlet, report, run};
use common::{AS_OF, book, read_labelled};
use jiff::civil::date;
use outlet::inventory::{InputFormat, Outlet, Value};
use outlet::problem::{Problem, ProblemKind};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value as Json;

const COUNTY_XLSX: &str = "examples/county.xlsx";

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Reads an inventory with the built-in rulebook: its outlets and problems.
fn read(bytes: Vec<u8>, format: InputFormat, label: &str) -> (Vec<Outlet>, Vec<Problem>) {
    let read = read_labelled(bytes, format, label);
    (read.outlets, read.problems)
}

fn value<'o>(outlet: &'o Outlet, key: &str) -> &'o Value {
    outlet.value(book().field_by_key(key).expect("a field"))
}

/// A workbook's sheets, each as rows of cells shown as text (numbers without `.0`, dates ISO).
struct Book {
    names: Vec<String>,
    sheets: BTreeMap<String, Vec<Vec<String>>>,
    bytes: Vec<u8>,
}

impl Book {
    fn open(bytes: Vec<u8>) -> Book {
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).expect("a workbook");
        let names = wb.sheet_names();
        let mut sheets = BTreeMap::new();
        for name in &names {
            let range = wb.worksheet_range(name).expect("a sheet");
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let mut rows = vec![Vec::new(); r0 as usize];
            for row in range.rows() {
                let mut cells = vec![String::new(); c0 as usize];
                cells.extend(row.iter().map(show));
                rows.push(cells);
            }
            sheets.insert(name.clone(), rows);
        }
        Book {
            names,
            sheets,
            bytes,
        }
    }

    fn read(path: &Path) -> Book {
        Book::open(std::fs::read(path).expect("the workbook was written"))
    }

    fn sheet(&self, name: &str) -> &Vec<Vec<String>> {
        self.sheets
            .get(name)
            .unwrap_or_else(|| panic!("no sheet `{name}` in {:?}", self.names))
    }

    /// The cell at an A1 reference, as text.
    fn cell(&self, sheet: &str, at: &str) -> String {
        let (r, c) = position(at);
        self.sheet(sheet)
            .get(r)
            .and_then(|row| row.get(c))
            .cloned()
            .unwrap_or_default()
    }

    /// The XML of one part of the package (`xl/worksheets/sheet1.xml`).
    fn xml(&self, part: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes.clone())).expect("a zip");
        let mut file = zip.by_name(part).expect("the part exists");
        let mut s = String::new();
        file.read_to_string(&mut s).expect("UTF-8 XML");
        s
    }

    /// The XML of the `n`th sheet (1-based, in workbook order).
    fn sheet_xml(&self, n: usize) -> String {
        self.xml(&format!("xl/worksheets/sheet{n}.xml"))
    }

    /// The fill colour (`FFFFC7CE`) of a cell of the `n`th sheet, if it has one.
    fn fill(&self, n: usize, at: &str) -> Option<String> {
        let style = self.style_of(n, at)?;
        let styles = self.xml("xl/styles.xml");
        let xf = nth_element(&section(&styles, "cellXfs"), "xf", style)?;
        let fill_id: usize = attribute(&xf, "fillId")?.parse().ok()?;
        let fill = nth_element(&section(&styles, "fills"), "fill", fill_id)?;
        let fg = fill.find("<fgColor")?;
        attribute(&fill[fg..], "rgb")
    }

    /// The cell-format attributes (`numFmtId="49"` …) of a column of the `n`th sheet.
    fn column_format(&self, n: usize, column: usize) -> Option<String> {
        let xml = self.sheet_xml(n);
        let cols = section(&xml, "cols");
        let col = cols
            .split("<col ")
            .skip(1)
            .map(|c| format!(" {c}"))
            .find(|c| attribute(c, "min").and_then(|m| m.parse().ok()) == Some(column + 1))?;
        let style: usize = attribute(&col, "style")?.parse().ok()?;
        let styles = self.xml("xl/styles.xml");
        nth_element(&section(&styles, "cellXfs"), "xf", style)
    }

    fn style_of(&self, n: usize, at: &str) -> Option<usize> {
        let xml = self.sheet_xml(n);
        let start = xml.find(&format!("<c r=\"{at}\""))?;
        let tag = &xml[start..start + xml[start..].find('>')?];
        attribute(tag, "s")?.parse().ok()
    }

    /// The data validations of the `n`th sheet: (cells, list) pairs.
    fn validations(&self, n: usize) -> Vec<(String, String)> {
        let xml = self.sheet_xml(n);
        xml.split("<dataValidation ")
            .skip(1)
            .map(|v| {
                let sqref = attribute(v, "sqref").unwrap_or_default();
                let formula = v
                    .split_once("<formula1>")
                    .and_then(|(_, rest)| rest.split_once("</formula1>"))
                    .map(|(f, _)| f.replace("&quot;", "\""))
                    .unwrap_or_default();
                (sqref, formula)
            })
            .collect()
    }
}

fn show(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(n) => n.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        other => format!("{other:?}"),
    }
}

/// `D7` → (6, 3), 0-based.
fn position(at: &str) -> (usize, usize) {
    let letters: String = at.chars().take_while(char::is_ascii_alphabetic).collect();
    let column = letters
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1))
        - 1;
    let row: usize = at[letters.len()..].parse().expect("a row number");
    (row - 1, column)
}

fn section(xml: &str, tag: &str) -> String {
    let start = xml.find(&format!("<{tag}")).unwrap_or(0);
    let end = xml[start..]
        .find(&format!("</{tag}>"))
        .map_or(xml.len(), |e| start + e);
    xml[start..end].to_string()
}

/// The `n`th (0-based) `<tag …>` element of a section, up to the next one.
fn nth_element(xml: &str, tag: &str, n: usize) -> Option<String> {
    let open = format!("<{tag}");
    let parts: Vec<&str> = xml
        .split(&open)
        .skip(1)
        .filter(|p| p.starts_with([' ', '>', '/']))
        .collect();
    parts.get(n).map(|p| format!("{open}{p}"))
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].to_string())
}

/// A CSV report as rows of cells.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect()
}

/// A sheet's rows cut to the table's width, for comparing with CSV.
fn table(rows: &[Vec<String>], width: usize) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            let mut r = r.clone();
            r.resize(width, String::new());
            r
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading workbooks

#[test]
fn the_example_workbook_grades_exactly_like_the_expected_reading() {
    let out = report("csv", &["grade", COUNTY_XLSX]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let rows = csv_rows(&text(&out.stdout));
    let header = &rows[0];
    let at = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let got: Vec<Vec<String>> = rows[1..]
        .iter()
        .map(|r| {
            [
                "id",
                "type",
                "minimum_grade",
                "claimed_grade",
                "assessed_grade",
                "status",
                "required_gaps",
            ]
            .iter()
            .map(|c| r[at(c)].clone())
            .collect()
        })
        .collect();
    let expected = csv_rows(&text(&example("tests/fixtures/county-expected.csv")));
    assert_eq!(got, expected[1..].to_vec());
}

#[test]
fn the_example_workbook_reads_as_the_csv_does_two_rows_lower() {
    let (csv_outlets, csv_problems) = read(example(COUNTY_CSV), InputFormat::Csv, "c.csv");
    let (xlsx_outlets, xlsx_problems) = read(example(COUNTY_XLSX), InputFormat::Xlsx, "c.xlsx");
    assert_eq!(csv_outlets.len(), 50);
    assert_eq!(xlsx_outlets.len(), 50);
    for (c, x) in csv_outlets.iter().zip(&xlsx_outlets) {
        assert_eq!(c.id, x.id);
        assert_eq!(c.values, x.values, "outlet {}", c.id);
        assert_eq!(c.extras, x.extras, "outlet {}", c.id);
        // The title and the 填报单位 line sit above the header.
        assert_eq!(x.row, c.row + 2, "outlet {}", c.id);
    }
    let summary =
        |ps: &[Problem], shift: u64| -> Vec<(Option<u64>, Option<String>, Option<String>)> {
            ps.iter()
                .map(|p| (p.row.map(|r| r - shift), p.column.clone(), p.value.clone()))
                .collect()
        };
    assert_eq!(summary(&csv_problems, 0), summary(&xlsx_problems, 2));
}

#[test]
fn every_problem_cites_the_sheet_and_cell() {
    let out = run(&["grade", COUNTY_XLSX, "--format", "json", "--lang", "en"]);
    assert_eq!(code(&out), 1);
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let cells: Vec<&str> = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["cell"].as_str().expect("a cell"))
        .collect();
    assert_eq!(
        cells,
        [
            "台账!AB11",
            "台账!T12",
            "台账!I13",
            "台账!G33",
            "台账!O35",
            "台账!M42",
            "台账!M53"
        ]
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "error: examples/county.xlsx, 台账!O35, column `经办窗口数`: `若干` is not a count"
        ),
        "{err}"
    );
    let out = run(&["grade", COUNTY_XLSX]);
    assert!(
        text(&out.stderr).contains(
            "错误: examples/county.xlsx 台账!M42 列「信息更新日期」: `45981` 是数字而不是日期"
        ),
        "{}",
        text(&out.stderr)
    );
}

/// A 台账 as counties make them: a hidden sheet first, then the inventory with a merged title, a
/// 填报单位 line and a blank row above a header that starts in column B, a header wrapped onto
/// two lines, typed cells, and a 网点类型 merged over two rows.
fn county_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let lists = wb.add_worksheet();
    lists.set_name("lists").expect("a name");
    lists.write(0, 0, "是").expect("a cell");
    lists.set_hidden(true);
    let s = wb.add_worksheet();
    s.set_name("台账").expect("a name");
    // Excel keeps a hidden sheet from being the active one.
    s.set_active(true);
    let date_format = Format::new().set_num_format("yyyy/m/d");
    s.merge_range(0, 1, 0, 8, "某某县基层公共就业服务网点台账", &Format::new())
        .expect("a merge");
    s.write(1, 1, "填报单位: 某某县人社局").expect("a cell");
    s.write(1, 6, "填报日期: 2025年11月30日").expect("a cell");
    let headers = [
        "网点编号",
        "网点名称",
        "网点类型",
        "经办\n窗口数",
        "信息更新日期",
        "行政区划代码",
        "业务系统接入",
        "兼职人员数",
    ];
    for (c, h) in headers.iter().enumerate() {
        s.write(3, 1 + c as u16, *h).expect("a header");
    }
    // Row 5: numbers, a date cell, a code stored as a number, a logical cell, a number as text.
    s.write(4, 1, "T-1").expect("a cell");
    s.write(4, 2, "城关镇就业服务站").expect("a cell");
    s.write(4, 3, "乡镇").expect("a cell");
    s.write(4, 4, 2).expect("a cell");
    let d = ExcelDateTime::from_ymd(2025, 11, 20).expect("a date");
    s.write_datetime_with_format(4, 5, &d, &date_format)
        .expect("a cell");
    s.write(4, 6, 520123100000_f64).expect("a cell");
    s.write(4, 7, true).expect("a cell");
    s.write(4, 8, "3").expect("a cell");
    // Row 6: unreadable cells, and a bare number in the date column.
    s.write(5, 1, "T-2").expect("a cell");
    s.write(5, 2, "新村就业服务站").expect("a cell");
    s.write(5, 3, "村").expect("a cell");
    s.write(5, 4, "若干").expect("a cell");
    s.write(5, 5, 45981).expect("a cell");
    // Row 7 blank; rows 8 and 9 share a merged 网点类型.
    s.write(7, 1, "T-3").expect("a cell");
    s.write(7, 2, "东街社区就业驿站").expect("a cell");
    s.merge_range(7, 3, 8, 3, "社区", &Format::new())
        .expect("a merge");
    s.write(8, 1, "T-4").expect("a cell");
    s.write(8, 2, "西街社区就业驿站").expect("a cell");
    let other = wb.add_worksheet();
    other.set_name("备用").expect("a name");
    for (c, h) in ["网点编号", "网点名称", "网点类型"].iter().enumerate() {
        other.write(0, c as u16, *h).expect("a header");
    }
    for (c, v) in ["S-1", "备用网点", "村"].iter().enumerate() {
        other.write(1, c as u16, *v).expect("a cell");
    }
    wb.save_to_buffer().expect("the workbook is made")
}

#[test]
fn the_header_is_found_below_title_rows_and_cells_arrive_typed() {
    let (outlets, problems) = read(county_workbook(), InputFormat::Xlsx, "县.xlsx");
    let ids: Vec<&str> = outlets.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["T-1", "T-2", "T-3", "T-4"]);
    let t1 = &outlets[0];
    assert_eq!(t1.row, 5);
    assert_eq!(value(t1, "windows"), &Value::Number(2.0));
    assert_eq!(
        value(t1, "info_updated"),
        &Value::Date(date(2025, 11, 20)),
        "a date cell is a date"
    );
    assert_eq!(
        value(t1, "division_code"),
        &Value::Text("520123100000".into()),
        "a 12-digit code stored as a number keeps its digits"
    );
    assert_eq!(value(t1, "business_system"), &Value::Bool(true));
    assert_eq!(
        value(t1, "part_time_staff"),
        &Value::Number(3.0),
        "a number stored as text"
    );
    // The merged 网点类型 counts for both rows it spans.
    let community = book().type_by_key("community").expect("a type");
    assert_eq!(outlets[2].type_, community);
    assert_eq!(outlets[3].type_, community);
    // The columns this small sheet lacks are problems of its header row (4), named as a row.
    assert!(
        problems
            .iter()
            .filter(|p| matches!(p.kind, ProblemKind::AbsentColumn { .. }))
            .all(|p| p.cell.as_ref().is_some_and(|c| c.to_string() == "台账!4:4"))
    );
    let found: Vec<(String, &ProblemKind)> = problems
        .iter()
        .filter(|p| !matches!(p.kind, ProblemKind::AbsentColumn { .. }))
        .map(|p| (p.cell.as_ref().expect("a cell").to_string(), &p.kind))
        .collect();
    assert_eq!(found.len(), 2, "{problems:?}");
    assert_eq!(found[0].0, "台账!E6");
    assert!(matches!(found[0].1, ProblemKind::NotACount { .. }));
    assert_eq!(found[1].0, "台账!F6");
    assert_eq!(found[1].1, &ProblemKind::BareNumberDate);
}

#[test]
fn sheet_names_the_sheet_to_read_and_a_wrong_name_says_which_exist() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("县.xlsx");
    std::fs::write(&path, county_workbook()).expect("written");
    let p = path.to_str().expect("a UTF-8 path");
    let out = run(&[
        "grade", p, "--format", "csv", "--lang", "en", "--sheet", "备用",
    ]);
    let rows = csv_rows(&text(&out.stdout));
    assert_eq!(rows.len(), 2, "{}", text(&out.stderr));
    assert_eq!(rows[1][0], "S-1");
    let out = run(&["grade", p, "--sheet", "台帐"]);
    assert_eq!(code(&out), 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("没有名为「台帐」的工作表(是否想写「台账」?)"),
        "{err}"
    );
    assert!(err.contains("「lists」、「台账」、「备用」"), "{err}");
    let out = run(&["grade", COUNTY_CSV, "--sheet", "台账", "--lang", "en"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("not a workbook"));
}

#[test]
fn an_error_value_in_a_cell_is_a_data_problem() {
    // rust_xlsxwriter writes no error values, so the sheet's XML is edited: E5 becomes #N/A.
    let bytes = county_workbook_with_e5("<c r=\"E5\" t=\"e\"><v>#N/A</v></c>");
    let (outlets, problems) = read(bytes, InputFormat::Xlsx, "t.xlsx");
    assert_eq!(value(&outlets[0], "windows"), &Value::Missing);
    // (The columns this small sheet lacks are problems of its header row; the cell is next.)
    let p = problems
        .iter()
        .find(|p| !matches!(p.kind, ProblemKind::AbsentColumn { .. }))
        .expect("the cell's problem");
    assert_eq!(
        p.cell.as_ref().map(ToString::to_string).as_deref(),
        Some("台账!E5")
    );
    assert_eq!(
        p.kind,
        ProblemKind::SheetError {
            error: "#N/A".into()
        }
    );
    assert!(
        p.render(outlet::text::Lang::Zh)
            .contains("单元格是 Excel 错误值 `#N/A`")
    );
}

/// The county workbook with the cell E5 (`<c r="E5"><v>2</v></c>`) replaced by `cell`.
fn county_workbook_with_e5(cell: &str) -> Vec<u8> {
    common::edit_zip_entry(&county_workbook(), "xl/worksheets/sheet2.xml", |xml| {
        let edited = xml.replacen("<c r=\"E5\"><v>2</v></c>", cell, 1);
        assert_ne!(xml, edited, "the cell was found");
        edited
    })
}

#[test]
fn a_formula_without_a_saved_result_is_warned_and_read_as_blank() {
    // A workbook written by a program that does not calculate (many export tools) stores the
    // formula and no result: the reader alone would take the cell for an empty one, silently.
    let bytes = county_workbook_with_e5("<c r=\"E5\"><f>1+1</f></c>");
    let (outlets, problems) = read(bytes, InputFormat::Xlsx, "t.xlsx");
    assert_eq!(value(&outlets[0], "windows"), &Value::Missing);
    let p = problems
        .iter()
        .find(|p| p.kind == ProblemKind::UncachedFormula)
        .expect("a warning for the formula");
    assert_eq!(p.severity, outlet::problem::Severity::Warning);
    assert_eq!(
        p.cell.as_ref().map(ToString::to_string).as_deref(),
        Some("台账!E5")
    );
    assert!(
        p.render(outlet::text::Lang::Zh)
            .contains("没有保存计算结果")
    );
    assert!(p.render(outlet::text::Lang::En).contains("formula"));

    // With its result saved (as Excel and WPS save it), the formula's cell reads as its result.
    let bytes = county_workbook_with_e5("<c r=\"E5\"><f>1+1</f><v>2</v></c>");
    let (outlets, problems) = read(bytes, InputFormat::Xlsx, "t.xlsx");
    assert_eq!(value(&outlets[0], "windows"), &Value::Number(2.0));
    assert!(
        problems
            .iter()
            .all(|p| p.kind != ProblemKind::UncachedFormula)
    );
}

#[test]
fn a_damaged_or_foreign_file_is_refused_without_a_panic() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cases: [(&str, &[u8]); 4] = [
        ("empty.xlsx", b""),
        ("text.xlsx", "网点编号,网点名称\n".as_bytes()),
        ("zip.xlsx", b"PK\x03\x04 not really a zip"),
        ("cut.xlsx", &example(COUNTY_XLSX)[..4000]),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("written");
        let out = run(&["grade", path.to_str().expect("UTF-8"), "--lang", "en"]);
        assert_eq!(code(&out), 2, "{name}");
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Reports as workbooks

#[test]
fn grade_as_a_workbook_holds_results_gaps_problems_and_summary() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("结果.xlsx");
    let out = run(&[
        "grade",
        COUNTY_XLSX,
        "--format",
        "xlsx",
        "--output",
        path.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    let wb = Book::read(&path);
    assert_eq!(wb.names, ["评定结果", "缺项清单", "数据问题", "汇总"]);

    // The results and gaps sheets hold what the Chinese CSV holds, cell for cell.
    let csv = csv_rows(&text(
        &run(&["grade", COUNTY_XLSX, "--format", "csv"]).stdout,
    ));
    assert_eq!(table(wb.sheet("评定结果"), csv[0].len()), csv);
    let gaps = csv_rows(&text(
        &run(&["gaps", COUNTY_XLSX, "--format", "csv"]).stdout,
    ));
    let grade_gaps = table(wb.sheet("缺项清单"), gaps[0].len());
    assert_eq!(grade_gaps[0], gaps[0]);
    assert!(grade_gaps.len() > 50);

    let problems = wb.sheet("数据问题");
    assert_eq!(problems[0][..3], ["级别", "文件", "单元格"]);
    assert_eq!(problems.len(), 8);
    assert_eq!(wb.cell("数据问题", "C6"), "台账!O35");
    assert_eq!(wb.cell("数据问题", "F6"), "若干");

    assert_eq!(wb.cell("汇总", "A3"), "清单");
    assert_eq!(wb.cell("汇总", "B3"), COUNTY_XLSX);
    assert_eq!(wb.cell("汇总", "A4"), "评定日期");
    assert_eq!(
        wb.cell("汇总", "B4"),
        AS_OF,
        "the as-of date is a date cell"
    );
    assert_eq!(wb.cell("汇总", "B5"), book().id);
    assert_eq!(wb.cell("汇总", "B6"), book().version);
    let summary = wb.sheet("汇总");
    assert!(summary.iter().any(|r| r[0] == "按类型和级别统计"));

    // The header is frozen and filtered; status cells are coloured.
    let sheet1 = wb.sheet_xml(1);
    assert!(sheet1.contains("state=\"frozen\""), "{sheet1}");
    assert!(sheet1.contains("<autoFilter ref=\"A1:Q51\"/>"));
    let row_of = |id: &str| {
        wb.sheet("评定结果")
            .iter()
            .position(|r| r[0] == id)
            .expect("an outlet")
            + 1
    };
    assert_eq!(
        wb.cell("评定结果", &format!("G{}", row_of("AN-031"))),
        "低于最低要求"
    );
    assert_eq!(
        wb.fill(1, &format!("G{}", row_of("AN-031"))).as_deref(),
        Some("FFFFC7CE")
    );
    assert_eq!(
        wb.cell("评定结果", &format!("G{}", row_of("AN-004"))),
        "申报偏高"
    );
    assert_eq!(
        wb.fill(1, &format!("G{}", row_of("AN-004"))).as_deref(),
        Some("FFFFEB9C")
    );
    assert_eq!(wb.fill(1, &format!("G{}", row_of("AN-001"))), None);
    // Column widths fit Chinese names (a Chinese character is two units wide).
    let width_b: f64 = sheet1
        .split("<col ")
        .find(|c| c.starts_with("min=\"2\""))
        .and_then(|c| attribute(c, "width"))
        .and_then(|w| w.parse().ok())
        .expect("a width for column B");
    assert!(width_b >= 24.0, "{width_b}");
}

#[test]
fn gaps_and_explain_as_workbooks_in_english() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("gaps.xlsx");
    let p = path.to_str().expect("UTF-8");
    let out = run(&[
        "gaps", COUNTY_CSV, "--format", "xlsx", "--lang", "en", "-o", p,
    ]);
    assert_eq!(code(&out), 1);
    let wb = Book::read(&path);
    assert_eq!(wb.names, ["Results", "Gaps", "Data problems", "Summary"]);
    assert_eq!(wb.cell("Results", "A1"), "id");
    assert_eq!(wb.cell("Results", "G1"), "status");
    // In English grades are numbers 1–4.
    let row = wb
        .sheet("Results")
        .iter()
        .find(|r| r[0] == "AN-031")
        .expect("AN-031");
    assert_eq!(row[3..7], ["3", "3", "4", "below minimum"]);
    let gaps = csv_rows(&text(
        &run(&["gaps", COUNTY_CSV, "--format", "csv", "--lang", "en"]).stdout,
    ));
    assert_eq!(wb.sheet("Gaps").len(), gaps.len());
    // A CSV inventory has no cells: the problems sheet names rows.
    assert_eq!(wb.cell("Data problems", "C2"), "");
    assert_eq!(wb.cell("Data problems", "D2"), "9");

    let path = dir.path().join("explain.xlsx");
    let p = path.to_str().expect("UTF-8");
    let out = run(&[
        "explain",
        COUNTY_XLSX,
        "AN-031",
        "--format",
        "xlsx",
        "-o",
        p,
    ]);
    assert_eq!(code(&out), 1);
    let wb = Book::read(&path);
    assert_eq!(
        wb.names,
        ["评定结果", "缺项清单", "逐条说明", "数据问题", "汇总"]
    );
    assert_eq!(wb.sheet("评定结果").len(), 2);
    assert_eq!(wb.cell("评定结果", "A2"), "AN-031");
    assert!(
        wb.sheet("缺项清单")
            .iter()
            .any(|r| r.iter().any(|c| c == "G3-SYSTEM"))
    );
    assert_eq!(wb.sheet("逐条说明").len(), book().rules.len() + 1);
}

// ---------------------------------------------------------------------------------------------
// The annotated copy

#[test]
fn an_annotated_copy_keeps_the_auditors_layout_and_adds_the_results() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("county.xlsx");
    std::fs::write(&input, example(COUNTY_XLSX)).expect("copied");
    let before = std::fs::read(&input).expect("read");
    let output = dir.path().join("county-评定.xlsx");
    let out = run(&[
        "grade",
        input.to_str().expect("UTF-8"),
        "--annotate",
        "--output",
        output.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(&input).expect("read"),
        before,
        "the input is untouched"
    );

    let original = Book::open(before);
    let copy = Book::read(&output);
    assert_eq!(copy.names, original.names);
    // Every cell of the auditor's is where it was, with the value it had.
    let (orig, annotated) = (original.sheet("台账"), copy.sheet("台账"));
    assert_eq!(annotated.len(), orig.len());
    for (r, row) in orig.iter().enumerate() {
        assert_eq!(annotated[r][..row.len()], row[..], "row {}", r + 1);
    }
    // The merged title stays merged.
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(copy.bytes.clone())).expect("a workbook");
    let merges = wb
        .worksheet_merge_cells("台账")
        .expect("merges")
        .expect("readable");
    assert!(merges.iter().any(|d| d.start == (0, 0) && d.end == (0, 28)));

    // The added columns, right of the auditor's own, on the header row.
    assert_eq!(
        annotated[2][29..],
        ["评定级别", "最低要求", "状态", "缺项", "数据问题"]
    );
    let row = |id: &str| annotated.iter().find(|r| r[0] == id).expect("an outlet");
    assert_eq!(row("AN-031")[29..32], ["四级", "三级", "低于最低要求"]);
    assert!(
        row("AN-031")[32].starts_with("G3-SYSTEM"),
        "{:?}",
        row("AN-031")
    );
    assert_eq!(row("AN-001")[29..33], ["一级", "三级", "达标", ""]);
    assert!(row("AN-032")[33].contains("「经办窗口数」: `若干` 不是数量"));

    // The copy is the auditor's workbook: the cells keep the original's styles (the code column
    // its number format `0`, the date its date format); nothing is re-created. (Bad cells are
    // named in the 数据问题 column; the copy adds no notes or colours of its own.)
    assert_eq!(copy.cell("台账", "G4"), "520123001000");
    assert_eq!(copy.style_of(1, "G4"), original.style_of(1, "G4"));
    assert_eq!(copy.style_of(1, "M4"), original.style_of(1, "M4"));
    assert_eq!(copy.xml("xl/styles.xml"), original.xml("xl/styles.xml"));
    assert_eq!(copy.cell("台账", "M4"), "2025-11-20");
}

#[test]
fn annotating_an_annotated_copy_rewrites_its_columns() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = dir.path().join("first.xlsx");
    let second = dir.path().join("second.xlsx");
    for (input, output) in [
        (COUNTY_XLSX.to_string(), &first),
        (first.display().to_string(), &second),
    ] {
        let out = run(&[
            "grade",
            &input,
            "--annotate",
            "-o",
            output.to_str().expect("UTF-8"),
        ]);
        assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    }
    let (a, b) = (Book::read(&first), Book::read(&second));
    assert_eq!(a.sheet("台账"), b.sheet("台账"));
}

#[test]
fn annotate_refuses_to_overwrite_its_input_and_needs_a_workbook() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("county.xlsx");
    std::fs::write(&input, example(COUNTY_XLSX)).expect("copied");
    let p = input.to_str().expect("UTF-8");
    let same = dir.path().join(".").join("county.xlsx");
    let out = run(&[
        "grade",
        p,
        "--annotate",
        "-o",
        same.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code(&out), 2);
    // Refused as a file the run reads (in the run's language; the argument is named).
    assert!(
        text(&out.stderr).contains("INVENTORY"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&input).expect("read"), example(COUNTY_XLSX));
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("a dir").count(),
        1,
        "no temporary file is left"
    );

    let out = run(&["grade", p, "--annotate"]);
    assert_eq!(code(&out), 2, "--annotate needs --output");
    let xls = dir.path().join("copy.xls");
    let out = run(&[
        "grade",
        p,
        "--annotate",
        "-o",
        xls.to_str().expect("UTF-8"),
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 2, "the copy is an .xlsx workbook");
    assert!(text(&out.stderr).contains("name it FILE.xlsx"));
    assert!(!xls.exists());
    let out = run(&[
        "grade",
        COUNTY_CSV,
        "--annotate",
        "-o",
        "/nonexistent/x.xlsx",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("--annotate copies a workbook"));
}

// ---------------------------------------------------------------------------------------------
// The template

#[test]
fn the_template_workbook_has_a_drop_down_on_every_closed_column() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("台账.xlsx");
    let p = path.to_str().expect("UTF-8");
    let out = outlet(&["template", "--format", "xlsx", "--output", p]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let wb = Book::read(&path);
    assert_eq!(wb.names, ["台账", "说明"]);
    let headers: Vec<&str> = book().fields.iter().map(|f| f.name.zh.as_str()).collect();
    assert_eq!(wb.sheet("台账")[0], headers);

    let column = |key: &str| {
        let c = book().field_by_key(key).expect("a field");
        let letter = outlet::problem::column_letters(c as u32);
        format!("{letter}2:{letter}1048576")
    };
    let lists: BTreeMap<String, String> = wb.validations(1).into_iter().collect();
    let yes_no = format!("\"{},{}\"", book().yes[0], book().no[0]);
    assert_eq!(yes_no, "\"是,否\"");
    for f in &book().fields {
        let expected = match f.kind {
            outlet::rulebook::FieldKind::YesNo => Some(yes_no.clone()),
            outlet::rulebook::FieldKind::Type | outlet::rulebook::FieldKind::Grade => None,
            outlet::rulebook::FieldKind::Enum { .. } => None,
            _ => Some(String::new()),
        };
        match expected {
            Some(e) if e.is_empty() => {
                assert!(
                    !lists.contains_key(&column(&f.key)),
                    "{} has no list",
                    f.key
                )
            }
            Some(e) => assert_eq!(lists.get(&column(&f.key)), Some(&e), "{}", f.key),
            None => assert!(lists.contains_key(&column(&f.key)), "{} has a list", f.key),
        }
    }
    assert_eq!(lists[&column("type")], "\"乡镇,街道,村,社区,共建\"");
    assert_eq!(lists[&column("reference_type")], "\"乡镇,街道,社区\"");
    assert_eq!(lists[&column("service_space")], "\"无,共享,独立\"");
    assert_eq!(lists[&column("management_system")], "\"无,有,完整\"");
    // The code column is text, so Excel keeps all 12 digits.
    let code_format = wb
        .column_format(1, book().field_by_key("division_code").expect("a field"))
        .expect("a column format");
    assert!(code_format.contains("numFmtId=\"49\""), "{code_format}");

    let notes = wb.sheet("说明");
    assert_eq!(notes[0][..2], ["列名", "字段"]);
    assert_eq!(notes.len(), book().fields.len() + 1);
    assert_eq!(notes[1][..2], ["网点编号", "id"]);

    // It reads back as a valid (empty) inventory.
    let out = run(&["grade", p]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("清单中没有网点"));
}

#[test]
fn the_template_lists_come_from_the_effective_rulebook() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let rules = dir.path().join("province.yaml");
    std::fs::write(
        &rules,
        "schema: 1\nextends: builtin\nid: p\nversion: \"1\"\nadd_entries:\n  service_space:\n    - key: mobile\n      name: {zh: 流动, en: mobile}\n",
    )
    .expect("written");
    let path = dir.path().join("t.xlsx");
    let out = outlet(&[
        "template",
        "--format",
        "xlsx",
        "--lang",
        "en",
        "--rules",
        path_str(&rules),
        "--output",
        path_str(&path),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let wb = Book::read(&path);
    assert_eq!(wb.names, ["inventory", "columns"]);
    let lists: Vec<String> = wb.validations(1).into_iter().map(|(_, l)| l).collect();
    assert!(
        lists.contains(&"\"none,shared,independent,mobile\"".to_string()),
        "{lists:?}"
    );
    assert!(lists.contains(&"\"yes,no\"".to_string()), "{lists:?}");
}

// ---------------------------------------------------------------------------------------------
// CSV for Excel, and atomic output

#[test]
fn excel_csv_has_a_bom_and_crlf_and_plain_csv_has_neither() {
    let args = ["grade", COUNTY_XLSX, "--lang", "en", "--fail-on", "never"];
    let plain = run(&[&args[..], &["--format", "csv"]].concat()).stdout;
    let excel = run(&[&args[..], &["--excel"]].concat()).stdout;
    assert!(!plain.starts_with(b"\xEF\xBB\xBF"));
    assert!(!plain.contains(&b'\r'));
    let excel = text(&excel);
    let body = excel.strip_prefix('\u{feff}').expect("a byte-order mark");
    assert!(body.ends_with("\r\n"));
    assert_eq!(body.matches("\r\n").count(), body.matches('\n').count());
    assert_eq!(body.replace("\r\n", "\n"), text(&plain));
    let out = run(&["grade", COUNTY_CSV, "--excel", "--format", "json"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn a_workbook_is_renamed_into_place_and_a_failed_run_leaves_the_old_one() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, b"old").expect("written");
    let p = path.to_str().expect("UTF-8");
    let out = run(&[
        "grade",
        COUNTY_XLSX,
        "--sheet",
        "nope",
        "--format",
        "xlsx",
        "-o",
        p,
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(std::fs::read(&path).expect("read"), b"old");
    let out = run(&["grade", COUNTY_XLSX, "--format", "xlsx", "-o", p]);
    assert_eq!(code(&out), 1);
    assert_eq!(Book::read(&path).names.len(), 4);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("a dir")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["r.xlsx"], "no temporary file is left");
}

#[test]
fn waivers_may_come_as_a_workbook_too() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("豁免.xlsx");
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.write(0, 0, "某县豁免清单").expect("a cell");
    for (c, h) in ["outlet", "rule", "reason", "approved_by", "expires"]
        .iter()
        .enumerate()
    {
        s.write(1, c as u16, *h).expect("a header");
    }
    for (c, v) in ["AN-031", "G3-SYSTEM", "系统接入排期中", "县人社局"]
        .iter()
        .enumerate()
    {
        s.write(2, c as u16, *v).expect("a cell");
    }
    let expires = ExcelDateTime::from_ymd(2026, 6, 30).expect("a date");
    s.write_datetime_with_format(2, 4, &expires, &Format::new().set_num_format("yyyy/m/d"))
        .expect("a cell");
    wb.save(&path).expect("saved");
    let out = run(&[
        "grade",
        COUNTY_XLSX,
        "--waivers",
        path.to_str().expect("UTF-8"),
        "--format",
        "csv",
        "--lang",
        "en",
    ]);
    let rows = csv_rows(&text(&out.stdout));
    let row = rows.iter().find(|r| r[0] == "AN-031").expect("AN-031");
    assert_eq!(
        row[5..10],
        ["3", "meets", "2", "1", "G3-SYSTEM"],
        "{}",
        text(&out.stderr)
    );
}
