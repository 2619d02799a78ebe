//! Workbooks named by their path are read where their bytes are needed rather than into memory
//! (issue 16: the 100,000-row workbook's 12.6 MB were held for the whole zip check's pass, memory
//! the allocator did not give back before the rows were graded), and the sheet's rows reach the
//! grading in small batches. Either way the inventory must read exactly as before.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]

mod common;

use std::io::Write;

use common::read_labelled;
use common::{Read as Readings, baseline_column, baseline_headers, baseline_values, book};
use outlet::inventory::xlsx::guard::Refusal;
use outlet::inventory::{Input, InputFormat, Inventory, InventoryError};
use rust_xlsxwriter::{Format, Workbook};

/// Rows below the header: several of the stream's batches.
const ROWS: u32 = 300;

/// A 台账 of [`ROWS`] outlets under a merged title; with `merged`, the type of the outlets on
/// rows 60 to 75 (a range across the stream's batches of 64 rows) is one merged cell, else each
/// row says it.
fn ledger(merged: bool) -> Vec<u8> {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("台账").unwrap();
    let headers = baseline_headers();
    let width = headers.len() as u16;
    s.merge_range(
        0,
        0,
        0,
        width - 1,
        "某某县基层公共就业服务网点台账",
        &Format::new(),
    )
    .unwrap();
    for (c, h) in headers.iter().enumerate() {
        s.write_string(1, c as u16, h).unwrap();
    }
    let kind = baseline_column("网点类型");
    for r in 0..ROWS {
        let row = r + 2;
        let id = format!("B-{r:04}");
        let in_range = (60..=75).contains(&row);
        let kind_value = if in_range { "社区" } else { "乡镇" };
        for (c, v) in baseline_values(&id, &[("网点类型", kind_value)])
            .iter()
            .enumerate()
        {
            let c = c as u16;
            if c == kind && in_range && merged {
                continue;
            }
            s.write_string(row, c, v).unwrap();
        }
    }
    if merged {
        s.merge_range(60, kind, 75, kind, "社区", &Format::new())
            .unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// The inventory in the file at `path`, named by its path.
fn read_path(path: &std::path::Path) -> Result<Readings, InventoryError> {
    let mut inv = Inventory::open(&Input::Path(path.to_path_buf()), None, book())?;
    let mut problems = Vec::new();
    let mut outlets = Vec::new();
    while let Some(o) = inv.next_outlet(&mut problems)? {
        outlets.push(o);
    }
    Ok(Readings { outlets, problems })
}

fn same(a: &Readings, b: &Readings) {
    assert_eq!(format!("{:#?}", a.outlets), format!("{:#?}", b.outlets));
    assert_eq!(format!("{:#?}", a.problems), format!("{:#?}", b.problems));
}

#[test]
fn a_workbook_named_by_its_path_reads_as_its_bytes_in_memory_do() {
    let bytes = ledger(true);
    let mut file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    file.write_all(&bytes).unwrap();
    file.flush().unwrap();
    let label = file.path().display().to_string();
    let from_file = read_path(file.path()).unwrap();
    let in_memory = read_labelled(bytes, InputFormat::Xlsx, &label);
    assert_eq!(from_file.outlets.len(), ROWS as usize);
    same(&from_file, &in_memory);
}

#[test]
fn a_merged_cell_across_the_streams_batches_fills_every_row_it_spans() {
    let merged = read_labelled(ledger(true), InputFormat::Xlsx, "台账.xlsx");
    let each = read_labelled(ledger(false), InputFormat::Xlsx, "台账.xlsx");
    assert_eq!(merged.outlets.len(), ROWS as usize);
    same(&merged, &each);
}

#[test]
fn an_encrypted_workbook_named_by_its_path_is_still_refused() {
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend_from_slice(&[0; 600]);
    for c in "EncryptionInfo".encode_utf16() {
        cfb.extend_from_slice(&c.to_le_bytes());
    }
    let mut file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    file.write_all(&cfb).unwrap();
    file.flush().unwrap();
    match read_path(file.path()) {
        Err(InventoryError::Refused { refusal, .. }) => assert_eq!(refusal, Refusal::Encrypted),
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("an encrypted workbook was read"),
    }
}

#[test]
fn an_empty_workbook_file_is_empty() {
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    assert!(matches!(
        read_path(file.path()),
        Err(InventoryError::Empty { .. })
    ));
}
