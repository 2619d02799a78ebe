//! Workbooks read in one pass (issue 16): the zip check's pass over a sheet's XML, which enforces
//! the size limits, also reads its cells (`guard::read`), and calamine no longer reads the sheet a
//! second time. The cells must be exactly those calamine's own cell reader gives, kind by kind:
//! each test below reads a sheet both ways and compares every cell, or reads an inventory once in
//! one pass and once with a construct the pass leaves to calamine (an XML comment in the sheet's
//! data) and compares the outlets and problems.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::io::{Cursor, Write};
use std::ops::ControlFlow;
use std::sync::Arc;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx};
use common::{Read as Readings, baseline_column, baseline_headers, baseline_values, read_labelled};
use outlet::inventory::InputFormat;
use outlet::inventory::xlsx::guard;
use rust_xlsxwriter::{Format, Formula, Workbook};

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr DATE1904/><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
const TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

/// Styles: 0 General, 1 a built-in date (14), 2 a date and time (22), 3 a duration (46), 4 a
/// custom date (`yyyy"年"m"月"d"日"`), 5 a custom number (`0.00_);[Red]\(0.00\)`), 6 a custom
/// duration (`[h]:mm`).
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="177" formatCode="0.00_);[Red]\(0.00\)"/><numFmt numFmtId="178" formatCode="[h]:mm"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22"/><xf numFmtId="46"/><xf numFmtId="176"/><xf numFmtId="177"/><xf numFmtId="178"/></cellXfs></styleSheet>"#;

/// Shared strings: plain, rich runs, a phonetic run left out, entities, `_xHHHH_` escapes,
/// leading and trailing spaces, empty ones.
const SHARED: &str = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9"><si><t>网点编号</t></si><si><r><rPr><b/></rPr><t>城关</t></r><r><t xml:space="preserve"> 社区 </t></r></si><si><t>王家村</t><rPh sb="0" eb="1"><t>wang</t></rPh><phoneticPr fontId="1"/></si><si><t>A&amp;B &lt;站&gt; &quot;一&quot; &apos;二&apos; &#x4E2D;&#25991;</t></si><si><t>行1_x000D_行2_x005F_x000D_</t></si><si><t/></si><si></si><si><t xml:space="preserve">  两端空格  </t></si><si><r><t>前</t></r><t>后</t></si></sst>"#;

/// A zip of the parts of a one-sheet workbook, `sheet` its sheet's XML, `shared` its strings.
fn workbook(sheet: &str, shared: Option<&str>, date1904: bool) -> Vec<u8> {
    let book = WORKBOOK.replace("DATE1904", if date1904 { r#"date1904="1""# } else { "" });
    let mut parts = vec![
        ("[Content_Types].xml", TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", RELS.to_string()),
        ("xl/styles.xml", STYLES.to_string()),
    ];
    if let Some(shared) = shared {
        parts.push(("xl/sharedStrings.xml", shared.to_string()));
    }
    parts.push(("xl/worksheets/sheet1.xml", sheet.to_string()));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn sheet_xml(data: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:H20"/><sheetData>{data}</sheetData><mergeCells count="1"><mergeCell ref="A9:A10"/></mergeCells></worksheet>"#
    )
}

/// Every cell of the first sheet as calamine's own cell reader gives it.
fn calamine_cells(bytes: &[u8]) -> Vec<((u32, u32), Data)> {
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("calamine opens it");
    let name = book.sheet_names()[0].clone();
    let mut reader = book.worksheet_cells_reader(&name).expect("a worksheet");
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().expect("calamine reads it") {
        cells.push((cell.get_position(), Data::from(cell.get_value().clone())));
    }
    cells
}

/// Every cell of the first sheet as the zip check's pass read it; `None` when the pass left the
/// sheet to calamine.
fn pass_cells(bytes: &[u8]) -> Option<Vec<((u32, u32), Data)>> {
    let mut scan = guard::read(bytes).expect("the workbook passes the check");
    let mut values = scan.book.take()?;
    let is_1904 = Xlsx::new(Cursor::new(bytes.to_vec()))
        .expect("calamine opens it")
        .has_1904_epoch();
    Arc::get_mut(&mut values).expect("one owner").is_1904 = is_1904;
    let read = scan.sheets[0].read.as_ref()?;
    let mut cells = Vec::new();
    read.cells(&values, |at, value| {
        cells.push((at, Data::from(value.clone())));
        ControlFlow::Continue(())
    });
    Some(cells)
}

/// Reads the sheet both ways: the pass must have read it, and exactly as calamine does.
fn same_cells(bytes: &[u8]) -> Vec<((u32, u32), Data)> {
    let calamine = calamine_cells(bytes);
    let pass = pass_cells(bytes).expect("the pass read the sheet's cells");
    assert_eq!(pass, calamine);
    pass
}

fn value_at(cells: &[((u32, u32), Data)], at: (u32, u32)) -> &Data {
    &cells.iter().find(|(p, _)| *p == at).expect("a cell").1
}

#[test]
fn shared_and_inline_strings_read_as_calamine_reads_them() {
    let data = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"><v>7</v></c></row><row r="2"><c r="A2" t="s"><v>8</v></c><c r="B2" t="inlineStr"><is><t>内联 &amp; 文本</t></is></c><c r="C2" t="inlineStr"><is><r><t>富</t></r><r><rPr><i/></rPr><t xml:space="preserve">文本 </t></r><rPh><t>fu</t></rPh></is></c><c r="D2" t="inlineStr"><is><t>换_x000A_行_x0041_</t></is></c><c r="E2" t="inlineStr"><v>9</v></c><c r="F2" t="s"><is><t>类型 s 的内联</t></is></c><c r="G2" t="inlineStr"><is/></c><c r="H2" t="s"><v></v></c></row>"#;
    let cells = same_cells(&workbook(&sheet_xml(data), Some(SHARED), false));
    assert_eq!(value_at(&cells, (0, 1)), &Data::String("城关 社区 ".into()));
    assert_eq!(value_at(&cells, (0, 2)), &Data::String("王家村".into()));
    assert_eq!(
        value_at(&cells, (0, 3)),
        &Data::String("A&B <站> \"一\" '二' 中文".into())
    );
    assert_eq!(
        value_at(&cells, (0, 4)),
        &Data::String("行1\r行2_x000D_".into())
    );
    assert_eq!(value_at(&cells, (1, 0)), &Data::String("前后".into()));
    assert_eq!(value_at(&cells, (1, 2)), &Data::String("富文本 ".into()));
    assert_eq!(value_at(&cells, (1, 3)), &Data::String("换\n行A".into()));
    assert_eq!(value_at(&cells, (1, 4)), &Data::Empty);
    assert_eq!(value_at(&cells, (1, 7)), &Data::Empty);
}

#[test]
fn numbers_dates_booleans_errors_and_formulas_read_as_calamine_reads_them() {
    let data = r#"<row r="1"><c r="A1"><v>520123001000</v></c><c r="B1" t="n"><v>-3</v></c><c r="C1"><v>0.1</v></c><c r="D1"><v>1.25E-3</v></c><c r="E1" s="1"><v>45981</v></c><c r="F1" s="2"><v>45981.5</v></c><c r="G1" s="3"><v>1.5</v></c><c r="H1" s="4"><v>45981</v></c></row><row r="2"><c r="A2" s="5"><v>45981</v></c><c r="B2" s="6"><v>0.75</v></c><c r="C2" s="99"><v>45981</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="b"><v>0</v></c><c r="F2" t="e"><v>#N/A</v></c><c r="G2" t="e"><v>#DIV/0!</v></c><c r="H2" t="d"><v>2025-11-20T00:00:00</v></c></row><row r="3"><c r="A3" t="str"><f>A1&amp;"x"</f><v>5201&lt;x&gt;</v></c><c r="B3"><f>1+1</f></c><c r="C3"><f t="shared" ref="C3:C4" si="0">B1*2</f><v>-6</v></c><c r="D3"><v>7</v><f>3+4</f></c><c r="E3" t="str"><v></v></c><c r="F3"/><c r="G3" s="1"/><c r="H3"><v>-0</v></c></row><row r="4"><c r="C4"><f t="shared" si="0"/><v>4</v></c><c r="D4" t="n"><v>1e300</v></c><c r="E4"><v>123456789012345678</v></c></row>"#;
    let bytes = workbook(&sheet_xml(data), Some(SHARED), false);
    let cells = same_cells(&bytes);
    assert!(matches!(value_at(&cells, (0, 4)), Data::DateTime(_)));
    assert!(matches!(value_at(&cells, (0, 7)), Data::DateTime(_)));
    assert_eq!(value_at(&cells, (1, 0)), &Data::Float(45981.0));
    assert_eq!(value_at(&cells, (1, 2)), &Data::Float(45981.0));
    assert_eq!(value_at(&cells, (2, 0)), &Data::String("5201<x>".into()));
    assert_eq!(value_at(&cells, (2, 1)), &Data::Empty);
    assert_eq!(value_at(&cells, (2, 3)), &Data::Empty);
    // The same cells in a workbook of the 1904 date system.
    let cells = same_cells(&workbook(&sheet_xml(data), Some(SHARED), true));
    assert_eq!(
        value_at(&cells, (0, 4)),
        &Data::DateTime(ExcelDateTime::new(
            45981.0,
            ExcelDateTimeType::DateTime,
            true
        ))
    );
}

#[test]
fn cells_and_rows_without_references_are_placed_as_calamine_places_them() {
    let data = r#"<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c><c r="E1"><v>2</v></c><c><v>3</v></c></row><row r="4"><c><v>4</v></c></row><row><c r="c5"><v>5</v></c><c><v>6</v></c></row><row r="7" spans="1:3" ht="20" customHeight="1" hidden="1"><c r="B7" s="0"><v>7</v></c></row>"#;
    let cells = same_cells(&workbook(&sheet_xml(data), None, false));
    let places: Vec<(u32, u32)> = cells.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        places,
        [
            (0, 0),
            (0, 1),
            (0, 4),
            (0, 5),
            (3, 0),
            (4, 2),
            (4, 3),
            (6, 1)
        ]
    );
}

#[test]
fn what_the_pass_does_not_read_exactly_is_left_to_calamine() {
    let ordinary = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>"#;
    assert!(pass_cells(&workbook(&sheet_xml(ordinary), None, false)).is_some());
    for odd in [
        // A comment, CDATA, an entity calamine refuses, a carriage return XML turns into a line
        // feed, a reference with `$`, a number with spaces, an unknown type, an element calamine
        // refuses in a cell, a cell outside a row, an attribute given twice.
        r#"<row r="1"><!-- a note --><c r="A1"><v>1</v></c></row>"#,
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c></row>"#,
        r#"<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>"#,
        "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\r\nb</v></c></row>",
        r#"<row r="1"><c r="$A$1"><v>1</v></c></row>"#,
        r#"<row r="1"><c r="A1"><v> 1</v></c></row>"#,
        r#"<row r="1"><c r="A1" t="x"><v>1</v></c></row>"#,
        r#"<row r="1"><c r="A1"><extLst/></c></row>"#,
        r#"<c r="A1"><v>1</v></c>"#,
        r#"<row r="1"><c r="A1" s="1" s="2"><v>1</v></c></row>"#,
        r#"<row r="1"><c r="A1" t="s"><v>99</v></c></row>"#,
        r#"<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>"#,
        // An ill-formed entity where calamine reads no value still fails its XML reader (found
        // by the fuzz target): between rows, in a formula, in an inline string's ignored `<v>`.
        r#"&"#,
        r#"<row r="1"><c r="A1"><f>A2 & B2</f><v>1</v></c></row>"#,
        r#"<row r="1"><c r="A1" t="inlineStr"><v>&</v><is><t>a</t></is></c></row>"#,
        // An end tag with no element open fails it too (found by the fuzz target).
        r#"</a></b></c>"#,
    ] {
        let bytes = workbook(&sheet_xml(odd), Some(SHARED), false);
        assert_eq!(pass_cells(&bytes), None, "{odd}");
    }
    // Shared strings the pass does not read exactly: the sheet is left to calamine too.
    for (from, to) in [
        ("<si><t/></si>", "<si><t>&#0;</t></si>"),
        ("<si><t/></si>", "<si>&<t/></si>"),
    ] {
        let shared = SHARED.replace(from, to);
        let bytes = workbook(&sheet_xml(ordinary), Some(&shared), false);
        assert_eq!(pass_cells(&bytes), None, "{to}");
    }
    // A formula's text with its entities, and text between the cells, are no reason to.
    let formula = r#"<row r="1"> <c r="A1" t="str"><f>A2&amp;"x"</f><v>ax</v></c> </row>"#;
    same_cells(&workbook(&sheet_xml(formula), Some(SHARED), false));
}

/// The entries of a zip, the sheet's XML rewritten through `edit`.
fn edit_sheet(bytes: &[u8], edit: impl Fn(String) -> String) -> Vec<u8> {
    common::edit_zip_entry(bytes, "xl/worksheets/sheet1.xml", edit)
}

/// Reads an inventory in one pass and, with a comment in its sheet's data (which the pass leaves
/// to calamine's streaming read, as before), the old way; both must read the same outlets with
/// the same problems at the same cells.
fn same_both_ways(bytes: &[u8]) -> Readings {
    assert!(
        guard::read(bytes).expect("it passes").book.is_some(),
        "the pass reads the cells"
    );
    let old = edit_sheet(bytes, |xml| {
        xml.replacen("<sheetData>", "<sheetData><!-- calamine -->", 1)
    });
    assert!(guard::read(&old).expect("it passes").book.is_none());
    let one_pass = read_labelled(bytes.to_vec(), InputFormat::Xlsx, "台账.xlsx");
    let calamine = read_labelled(old, InputFormat::Xlsx, "台账.xlsx");
    assert_eq!(
        format!("{:#?}", one_pass.outlets),
        format!("{:#?}", calamine.outlets)
    );
    assert_eq!(
        format!("{:#?}", one_pass.problems),
        format!("{:#?}", calamine.problems)
    );
    one_pass
}

#[test]
fn an_inventory_reads_in_one_pass_as_calamine_read_it() {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("台账").unwrap();
    let width = baseline_headers().len() as u16;
    s.merge_range(
        0,
        1,
        0,
        width,
        "某某县基层公共就业服务网点台账",
        &Format::new(),
    )
    .unwrap();
    for (c, h) in baseline_headers().iter().enumerate() {
        s.write_string(2, 1 + c as u16, h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let updated = baseline_column("信息更新日期");
    for (i, id) in ["S-1", "S-2", "S-3", "S-4"].iter().enumerate() {
        let r = 3 + i as u32;
        for (c, v) in baseline_values(id, &[]).iter().enumerate() {
            let c = c as u16;
            if c == updated {
                s.write_number_with_format(r, 1 + c, 45981.0, &date)
                    .unwrap();
            } else if v.len() < 6 && v.parse::<f64>().is_ok() {
                s.write_number(r, 1 + c, v.parse::<f64>().unwrap()).unwrap();
            } else {
                s.write_string(r, 1 + c, v).unwrap();
            }
        }
    }
    // 网点类型 merged down over S-2 to S-4; S-3's name an uncached formula; S-4's a formula with
    // its result, a boolean in a number column and an error value.
    let kind = 1 + baseline_column("网点类型");
    s.merge_range(4, kind, 6, kind, "村", &Format::new())
        .unwrap();
    s.write_formula(5, 1 + baseline_column("网点名称"), Formula::new("=A1"))
        .unwrap();
    s.write_formula(
        6,
        1 + baseline_column("网点名称"),
        Formula::new("=\"新村\"&\"服务点\"").set_result("新村服务点"),
    )
    .unwrap();
    s.write_boolean(6, 1 + baseline_column("经办窗口数"), true)
        .unwrap();
    s.write_formula(
        6,
        1 + baseline_column("专职人员数"),
        Formula::new("=1/0").set_result("#DIV/0!"),
    )
    .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    // rust_xlsxwriter saves formulas with an empty `<v>`: the one without a result loses it.
    let bytes = edit_sheet(&bytes, |xml| {
        let at = xml.find("<f>A1</f>").expect("the uncached formula");
        let end = at + xml[at..].find("</c>").expect("its cell's end");
        format!("{}<f>A1</f>{}", &xml[..at], &xml[end..])
    });
    let read = same_both_ways(&bytes);
    let ids: Vec<&str> = read.outlets.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["S-1", "S-2", "S-3", "S-4"]);
    assert!(
        read.problems
            .iter()
            .any(|p| format!("{p:?}").contains("UncachedFormula")),
        "{:?}",
        read.problems
    );
}
