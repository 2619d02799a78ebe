//! A whole workbook's values, for the annotated copy of a workbook that is not copied part by
//! part (`.xls`, `.ods`, `.xlsb`, `.xlsm`; see `report/xlsx.rs`). Sheets in a format that streams
//! are read cell by cell, not as a grid: only the cells that hold something are kept.

use std::ops::ControlFlow;

use calamine::{Data, Reader, SheetType, SheetVisible};

use super::guard::Scan;
use super::{Book, is_date_serial, merged_regions, open_book, pick_sheet, stream, workbook_error};
use crate::inventory::InventoryError;
use crate::inventory::header::Finder;

/// A value of a sheet as copied into an annotated workbook.
#[derive(Clone, Debug, PartialEq)]
pub enum CopyValue {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date (and time) cell: year, month, day, hour, minute, second.
    DateTime(u16, u8, u8, u8, u8, u8),
    /// An error value such as `#N/A`, kept as its text.
    Error(String),
}

/// One sheet's values and merged regions, for an annotated copy.
#[derive(Clone, Debug)]
pub struct SheetCopy {
    pub name: String,
    pub hidden: bool,
    /// Every non-empty cell: 0-based (row, column) and value.
    pub cells: Vec<(u32, u32, CopyValue)>,
    /// Merged regions: 0-based (first row, first column, last row, last column).
    pub merged: Vec<(u32, u32, u32, u32)>,
    /// The last used 0-based column, if any.
    pub last_column: Option<u32>,
}

/// A whole workbook's values, and where the graded sheet's header is.
#[derive(Clone, Debug)]
pub struct WorkbookCopy {
    pub sheets: Vec<SheetCopy>,
    /// The graded sheet (index into `sheets`).
    pub graded: usize,
    /// The graded sheet's header: its 0-based row, and its cells by 0-based column.
    pub header_row: u32,
    pub header: Vec<(u32, String)>,
}

impl WorkbookCopy {
    /// Reads every sheet of the workbook in `bytes`; `sheet` and `known` pick the graded sheet and
    /// its header as [`super::XlsxSource::open`] does.
    pub fn read(
        bytes: Vec<u8>,
        file: &str,
        sheet: Option<&str>,
        finder: &Finder,
    ) -> Result<WorkbookCopy, InventoryError> {
        let (mut book, mut scan) = open_book(super::BookData::Memory(bytes), file, false)?;
        let picked = pick_sheet(&mut book, &mut scan, file, sheet, finder)?;
        let (graded_name, found) = (picked.name, picked.found);
        let graded_start = picked.sheet.area().map(|a| a.first);
        let metadata = book.sheets_metadata().to_vec();
        let mut sheets = Vec::new();
        let mut graded = 0;
        let mut header_row = 0;
        let mut header = Vec::new();
        for meta in metadata.iter().filter(|s| s.typ == SheetType::WorkSheet) {
            let (cells, last_column) = sheet_cells(&mut book, &mut scan, &meta.name, file)?;
            let merged = merged_regions(&mut book, &meta.name)
                .iter()
                .filter(|d| d.start.0 <= d.end.0 && d.start.1 <= d.end.1)
                .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
                .collect();
            if meta.name == graded_name {
                graded = sheets.len();
                if let Some((r0, c0)) = graded_start {
                    let offset = u32::try_from(found.rows.data_start() - 1).unwrap_or(u32::MAX);
                    header_row = r0.saturating_add(offset);
                    header = (c0..)
                        .zip(&found.rows.names)
                        .filter(|(_, h)| !h.is_empty())
                        .map(|(c, h)| (c, h.clone()))
                        .collect();
                }
            }
            sheets.push(SheetCopy {
                name: meta.name.clone(),
                hidden: meta.visible != SheetVisible::Visible,
                cells,
                merged,
                last_column,
            });
        }
        if sheets.is_empty() {
            return Err(InventoryError::Empty { file: file.into() });
        }
        Ok(WorkbookCopy {
            sheets,
            graded,
            header_row,
            header,
        })
    }
}

/// Every non-empty cell of sheet `name`, 0-based (row, column) and value, and the last used
/// column: read as it streams where the sheet's format allows, else from its whole grid.
#[expect(
    clippy::type_complexity,
    reason = "the cells and the column, as SheetCopy keeps them"
)]
fn sheet_cells(
    book: &mut Book,
    scan: &mut Scan,
    name: &str,
    file: &str,
) -> Result<(Vec<(u32, u32, CopyValue)>, Option<u32>), InventoryError> {
    if let Some(shape) = stream::shape(book, scan, name, file)?
        && shape.ordered
    {
        let mut cells = Vec::new();
        stream::cells(book, name, file, |(r, c), v| {
            if let Some(v) = copy_value(&Data::from(v.clone())) {
                cells.push((r, c, v));
            }
            ControlFlow::Continue(())
        })?;
        return Ok((cells, shape.used.map(|a| a.last.1)));
    }
    let range = book
        .worksheet_range(name)
        .map_err(|e| workbook_error(file, e))?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let cells = range
        .used_cells()
        .filter_map(|(r, c, v)| copy_value(v).map(|v| (r0 + r as u32, c0 + c as u32, v)))
        .collect();
    Ok((cells, range.end().map(|(_, c)| c)))
}

fn copy_value(v: &Data) -> Option<CopyValue> {
    Some(match v {
        Data::Empty => return None,
        Data::String(s) => CopyValue::Text(s.clone()),
        Data::Int(n) => CopyValue::Number(*n as f64),
        Data::Float(f) => CopyValue::Number(*f),
        Data::Bool(b) => CopyValue::Bool(*b),
        Data::DateTime(d) if !d.is_duration() && is_date_serial(d.as_f64()) => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            CopyValue::DateTime(y, m, day, h, min, s)
        }
        Data::DateTime(d) => CopyValue::Number(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CopyValue::Text(s.clone()),
        Data::Error(e) => CopyValue::Error(e.to_string()),
    })
}
