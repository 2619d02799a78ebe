//! The workbook reader: the zip pre-scan (`inventory::xlsx::guard`), then calamine and the rest of
//! the pipeline, as for the CSV target.
//!
//! The first byte picks the mode, by its two low bits:
//!
//! - 0: the whole input, this byte included, is the file (a zip starts with `P`, a compound
//!   file with 0xD0: both mode 0, so that workbooks serve as seeds as they are);
//! - 1: the rest is the inside of `<sheetData>` of the one sheet of a workbook whose first row is
//!   the canonical header, so that the fuzzer explores rows, cells and the tokenizer;
//! - 2: the rest is the shared-string table of such a workbook, whose second row shows strings 0
//!   to 27;
//! - 3: as 0, and the pre-scan also runs with tiny limits.
//!
//! What must hold: nothing panics; a refusal renders in both languages and names the limit it
//! was given; the reader refuses exactly the workbooks the pre-scan refuses, with its refusal;
//! the cells the pre-scan reads itself are those calamine's cell reader gives
//! (`one_pass_difference`); a workbook it reads passes the checks of the CSV target
//! (`common::drive`).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use outlet::inventory::xlsx::guard::{self, Limits, Refusal};
use outlet::inventory::{InputFormat, InventoryError};
use outlet::text::Lang;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = match mode & 3 {
        1 => workbook(&sheet(rest), b"<sst/>"),
        2 => workbook(&sheet(SHARED_ROW.as_bytes()), rest),
        _ => data.to_vec(),
    };
    if mode & 3 == 3 {
        let tiny = Limits {
            ratio: 2,
            ratio_grace: 64,
            shared_strings: 256,
            part: 1024,
            cell_chars: 8,
        };
        if let Err(refusal) = guard::check_with(&bytes, &tiny) {
            rendered(&refusal);
            match refusal {
                Refusal::CellText { limit, .. } | Refusal::SharedString { limit, .. } => {
                    assert_eq!(limit, 8)
                }
                Refusal::SharedStrings { limit, .. } => assert_eq!(limit, 256),
                Refusal::Part { limit, .. } => assert_eq!(limit, 1024),
                Refusal::Ratio { ratio, .. } => assert_eq!(ratio, 2),
                Refusal::Encrypted | Refusal::Overlap | Refusal::BadReference { .. } => {}
            }
        }
    }
    let refused = guard::check(&bytes).err();
    if let Some(refusal) = &refused {
        rendered(refusal);
    }
    // The cells the pre-scan reads itself (issue 16: one pass over the sheet) are calamine's.
    if let Some(difference) = outlet::inventory::xlsx::one_pass_difference(&bytes) {
        panic!("{difference}");
    }
    let book = common::builtin();
    match outlet::inventory::Inventory::from_reader(
        Box::new(std::io::Cursor::new(bytes.clone())),
        InputFormat::Xlsx,
        "fuzz",
        book,
    ) {
        Err(InventoryError::Refused { refusal, .. }) => {
            assert_eq!(Some(&refusal), refused.as_ref(), "the reader refuses as the pre-scan does")
        }
        Err(e) => {
            assert!(refused.is_none(), "a refused workbook read as {e}");
            assert!(!e.render(Lang::Zh).is_empty());
        }
        Ok(_) => {
            assert!(refused.is_none(), "a refused workbook was read");
            common::drive(bytes, InputFormat::Xlsx, book);
        }
    }
});

fn rendered(refusal: &Refusal) {
    assert!(!refusal.render(Lang::Zh).is_empty());
    assert!(!refusal.render(Lang::En).is_empty());
}

/// A second row whose cells show shared strings 0 to 27.
const SHARED_ROW: &str = r#"<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c><c r="D2" t="s"><v>3</v></c><c r="E2" t="s"><v>4</v></c><c r="F2" t="s"><v>5</v></c><c r="G2" t="s"><v>6</v></c><c r="H2" t="s"><v>7</v></c><c r="I2" t="s"><v>8</v></c><c r="J2" t="s"><v>9</v></c><c r="K2" t="s"><v>10</v></c><c r="L2" t="s"><v>11</v></c><c r="M2" t="s"><v>12</v></c><c r="N2" t="s"><v>13</v></c><c r="O2" t="s"><v>14</v></c><c r="P2" t="s"><v>15</v></c><c r="Q2" t="s"><v>16</v></c><c r="R2" t="s"><v>17</v></c><c r="S2" t="s"><v>18</v></c><c r="T2" t="s"><v>19</v></c><c r="U2" t="s"><v>20</v></c><c r="V2" t="s"><v>21</v></c><c r="W2" t="s"><v>22</v></c><c r="X2" t="s"><v>23</v></c><c r="Y2" t="s"><v>24</v></c><c r="Z2" t="s"><v>25</v></c><c r="AA2" t="s"><v>26</v></c><c r="AB2" t="s"><v>27</v></c></row>"#;

/// A worksheet whose first row is the canonical header (inline strings), then `rows`.
fn sheet(rows: &[u8]) -> Vec<u8> {
    let mut xml = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">"#.to_vec();
    for (c, name) in common::HEADER.trim_end().split(',').enumerate() {
        xml.extend_from_slice(
            format!(r#"<c r="{}1" t="inlineStr"><is><t>{name}</t></is></c>"#, column(c)).as_bytes(),
        );
    }
    xml.extend_from_slice(b"</row>");
    xml.extend_from_slice(rows);
    xml.extend_from_slice(b"</sheetData></worksheet>");
    xml
}

fn column(c: usize) -> String {
    if c < 26 {
        char::from(b'A' + c as u8).to_string()
    } else {
        format!("A{}", char::from(b'A' + (c - 26) as u8))
    }
}

/// A workbook of one sheet `台账` and a shared-string table, stored (not deflated) in a zip.
fn workbook(sheet: &[u8], shared: &[u8]) -> Vec<u8> {
    const TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const BOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    stored_zip(&[
        ("[Content_Types].xml", TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", BOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", shared),
    ])
}

/// A zip of `entries`, stored, with their CRCs.
fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    let le16 = |v: &mut Vec<u8>, n: u16| v.extend_from_slice(&n.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, n: u32| v.extend_from_slice(&n.to_le_bytes());
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let fields = |v: &mut Vec<u8>| {
            le16(v, 20);
            le16(v, 0x0800);
            le16(v, 0);
            le16(v, 0);
            le16(v, 0x21);
            le32(v, crc);
            le32(v, data.len() as u32);
            le32(v, data.len() as u32);
            le16(v, name.len() as u16);
            le16(v, 0);
        };
        le32(&mut out, 0x0403_4b50);
        fields(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        le32(&mut directory, 0x0201_4b50);
        le16(&mut directory, 20);
        fields(&mut directory);
        for _ in 0..3 {
            le16(&mut directory, 0);
        }
        le32(&mut directory, 0);
        le32(&mut directory, offset);
        directory.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&directory);
    le32(&mut out, 0x0605_4b50);
    le32(&mut out, 0);
    le16(&mut out, entries.len() as u16);
    le16(&mut out, entries.len() as u16);
    le32(&mut out, directory.len() as u32);
    le32(&mut out, at);
    le16(&mut out, 0);
    out
}

/// CRC-32 (IEEE), bit by bit: inputs are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
