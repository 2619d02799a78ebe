//! Workbooks — `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods` — read through calamine: one sheet becomes
//! a header and rows of [`Cell`]s like any other [`Source`](super::source::Source).
//!
//! A county's 台账 rarely starts at A1: a merged title ("某某县基层公共就业服务网点台账") and a
//! "填报单位/日期" line sit above the header. The header row is therefore the row, among the first
//! [`HEADER_SCAN`], that names the most columns the rulebook knows. Cells arrive typed and become
//! the text a person would type: a date cell `2025-11-20`, a number `520123001000` (so a 12-digit
//! division code stored as a number keeps its digits), `TRUE`/`FALSE` for a logical cell; an error
//! value (`#N/A`) is a data problem. A merged cell below the header counts for every row it spans.
//! Rows keep the sheet's own numbers, and every problem names its cell (`台账!D7`).

pub mod guard;

use std::io::Cursor;
use std::sync::Arc;

use calamine::{
    Data, Dimensions, ExcelDateTime, Range, Reader, SheetType, SheetVisible, Sheets,
    open_workbook_auto_from_rs,
};

use super::InventoryError;
use super::cell::Cell;
use super::source::Row;
use crate::problem::ProblemKind;
use crate::suggest::did_you_mean;
use crate::text::trim;

use super::header::{Finder, Found, HEADER_SCAN};

/// The most cells a merged region below the header may fill (a bigger one is left as it is).
const MERGE_FILL_LIMIT: u64 = 100_000;

type Book = Sheets<Cursor<Vec<u8>>>;

/// One sheet of a workbook, read row by row below its header.
pub struct XlsxSource {
    sheet: Arc<str>,
    headers: Vec<String>,
    range: Range<Data>,
    /// The sheet's 0-based column of the first header column.
    first_column: u32,
    /// The 0-based sheet row of the next row to read.
    next: u32,
    /// The sheets passed over for want of the required columns.
    passed_over: Vec<String>,
    /// The row number (as the sheet shows it) of the header's last row.
    header_row: u64,
    /// Every sheet's name.
    sheets: Vec<String>,
    /// The cells, as 0-based (row, column), that hold a formula without a saved result.
    uncached: rustc_hash::FxHashSet<(u32, u32)>,
}

impl XlsxSource {
    /// Opens `sheet` of the workbook in `bytes` and finds its header with `finder` among the
    /// first rows. Without a `sheet`, the first visible worksheet whose header has every required
    /// column is read (a 填报说明 sheet before the 台账 is passed over), or the first visible one
    /// when none has.
    pub fn open(
        bytes: Vec<u8>,
        file: &str,
        sheet: Option<&str>,
        finder: &Finder,
    ) -> Result<XlsxSource, InventoryError> {
        let (mut book, scan) = open_book(bytes, file)?;
        let (name, mut range, found, passed_over) = pick_sheet(&mut book, file, sheet, finder)?;
        // Formula cells without a saved result read as empty: they are told apart from empty
        // cells by the check's scan of the sheet's XML.
        let uncached = scan
            .sheets
            .into_iter()
            .find(|s| &*s.name == name.as_str())
            .map(|s| s.uncached.into_iter().collect())
            .unwrap_or_default();
        let Some((start_row, start_column)) = range.start() else {
            return Err(InventoryError::Empty { file: file.into() });
        };
        let end_row = range.end().map_or(start_row, |(r, _)| r);
        let offset = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let header_row = start_row.saturating_add(offset(found.rows.first));
        let last_header_row = header_row.saturating_add(offset(found.rows.height - 1));
        fill_merged(
            &mut range,
            &merged_regions(&mut book, &name),
            last_header_row,
        );
        let mut headers = found.rows.names;
        // The header ends at its last named column; cells further right are overflow.
        while headers.last().is_some_and(std::string::String::is_empty) {
            headers.pop();
        }
        if headers.is_empty() || end_row < last_header_row {
            return Err(InventoryError::Empty { file: file.into() });
        }
        Ok(XlsxSource {
            sheet: Arc::from(name),
            headers,
            range,
            first_column: start_column,
            next: last_header_row + 1,
            passed_over,
            header_row: u64::from(last_header_row) + 1,
            sheets: book.sheet_names(),
            uncached,
        })
    }

    /// The sheets passed over before this one for want of the required columns.
    pub fn passed_over(&self) -> &[String] {
        &self.passed_over
    }

    /// The row number (as the sheet shows it) of the header's last row.
    pub fn header_row(&self) -> u64 {
        self.header_row
    }

    /// The workbook's other sheets.
    pub fn other_sheets(&self) -> Vec<String> {
        self.sheets
            .iter()
            .filter(|s| s.as_str() != &*self.sheet)
            .cloned()
            .collect()
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The sheet's name.
    pub fn sheet(&self) -> &Arc<str> {
        &self.sheet
    }

    /// The sheet, and its 0-based column of the first header column: with a row number and a
    /// header column, where a problem is.
    pub fn origin(&self) -> (Arc<str>, u32) {
        (self.sheet.clone(), self.first_column)
    }

    pub fn next_row(&mut self) -> Option<Row<'static>> {
        let (end_row, end_column) = self.range.end()?;
        let width = self.headers.len();
        while self.next <= end_row {
            let r = self.next;
            self.next += 1;
            let value = |c: u32| self.range.get_value((r, c)).unwrap_or(&Data::Empty);
            let uncached = |c: u32| {
                !self.uncached.is_empty() && is_blank(value(c)) && self.uncached.contains(&(r, c))
            };
            let mut cells = Vec::with_capacity(width);
            for c in 0..width as u32 {
                let c = self.first_column + c;
                cells.push(if uncached(c) {
                    Cell::Bad(Box::new(ProblemKind::UncachedFormula))
                } else {
                    cell(value(c))
                });
            }
            let overflow = (self.first_column + width as u32..=end_column)
                .filter(|c| !is_blank(value(*c)))
                .count();
            // A row with nothing in it (a spacer, or the rest of a formatted area) is skipped.
            if overflow == 0
                && (0..width as u32).all(|c| {
                    let c = self.first_column + c;
                    is_blank(value(c)) && !uncached(c)
                })
            {
                continue;
            }
            return Some(Row {
                number: u64::from(r) + 1,
                cells,
                overflow,
            });
        }
        None
    }
}

/// The most cells a sheet's used area may span: a sheet is read whole, as a grid from its first
/// used cell to its last, so one stray cell far away (`XFD1048576`) would make a grid of 17
/// billion cells. 50 million cells is a national inventory of 700,000 rows × 70 columns.
const MAX_GRID_CELLS: u64 = 50_000_000;

/// Refuses an `.xlsx` sheet whose used cells span more than [`MAX_GRID_CELLS`], before the grid is
/// built; the cells are scanned one by one, which costs no more memory than one cell.
fn check_used_area(book: &mut Book, sheet: &str, file: &str) -> Result<(), InventoryError> {
    let Sheets::Xlsx(x) = book else { return Ok(()) };
    let mut cells = x
        .worksheet_cells_reader(sheet)
        .map_err(|e| workbook_error(file, e))?;
    let (mut first, mut last): (Option<(u32, u32)>, (u32, u32)) = (None, (0, 0));
    while let Some(cell) = cells.next_cell().map_err(|e| workbook_error(file, e))? {
        let (r, c) = cell.get_position();
        let (fr, fc) = first.unwrap_or((r, c));
        first = Some((fr.min(r), fc.min(c)));
        last = (last.0.max(r), last.1.max(c));
    }
    let Some((fr, fc)) = first else { return Ok(()) };
    let area = u64::from(last.0 - fr + 1) * u64::from(last.1 - fc + 1);
    if area > MAX_GRID_CELLS {
        return Err(InventoryError::Workbook {
            file: file.into(),
            message: format!(
                "the used cells of sheet `{sheet}` span {}{} to {}{}, {area} cells; delete stray cells far from the table",
                crate::problem::column_letters(fc),
                fr + 1,
                crate::problem::column_letters(last.1),
                last.0 + 1
            ),
            zh: Some(format!(
                "工作表「{sheet}」已用的单元格从 {}{} 到 {}{},共 {area} 个;请删除远离表格的零散单元格",
                crate::problem::column_letters(fc),
                fr + 1,
                crate::problem::column_letters(last.1),
                last.0 + 1
            )),
        });
    }
    Ok(())
}

/// Opens a workbook for calamine once it has passed [`guard::check`]: no decompression bomb, no
/// cell longer than Excel allows, not encrypted.
/// Also returns what the check saw of each worksheet.
fn open_book(bytes: Vec<u8>, file: &str) -> Result<(Book, guard::Scan), InventoryError> {
    let scan = guard::check(&bytes).map_err(|refusal| InventoryError::Refused {
        file: file.into(),
        refusal,
    })?;
    let book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| match e {
        // Every reader refused it: say what was tried rather than calamine's terse message.
        calamine::Error::Msg(_) => InventoryError::Workbook {
            file: file.into(),
            message: "not an .xlsx, .xlsm, .xlsb, .xls or .ods workbook, or a damaged one".into(),
            zh: Some("不是 .xlsx、.xlsm、.xlsb、.xls 或 .ods 工作簿,或已损坏".into()),
        },
        e => workbook_error(file, e),
    })?;
    Ok((book, scan))
}

fn workbook_error(file: &str, e: impl std::fmt::Display) -> InventoryError {
    InventoryError::Workbook {
        file: file.into(),
        message: e.to_string(),
        zh: None,
    }
}

/// The sheet asked for, or the first visible worksheet.
fn choose_sheet(book: &Book, file: &str, sheet: Option<&str>) -> Result<String, InventoryError> {
    let names = book.sheet_names();
    match sheet {
        Some(want) => names
            .iter()
            .find(|n| *n == want)
            .or_else(|| names.iter().find(|n| trim(n) == trim(want)))
            .cloned()
            .ok_or_else(|| InventoryError::NoSheet {
                file: file.into(),
                sheet: want.into(),
                suggestion: did_you_mean(want, names.iter().map(String::as_str))
                    .map(str::to_string),
                sheets: names.clone(),
            }),
        None => book
            .sheets_metadata()
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .map(|s| s.name.clone())
            .or_else(|| names.first().cloned())
            .ok_or_else(|| InventoryError::Empty { file: file.into() }),
    }
}

/// The merged regions of a sheet, where the format keeps them (xlsx and xls).
fn merged_regions(book: &mut Book, sheet: &str) -> Vec<Dimensions> {
    match book {
        Sheets::Xlsx(x) => x
            .worksheet_merge_cells(sheet)
            .and_then(Result::ok)
            .unwrap_or_default(),
        Sheets::Xls(x) => x.worksheet_merge_cells(sheet).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The sheet to read, its cells, its header and the sheets passed over before it: `sheet`, or
/// the first visible worksheet whose header has every required column, or the first visible one
/// when none has (the missing-column error then names it).
fn pick_sheet(
    book: &mut Book,
    file: &str,
    sheet: Option<&str>,
    finder: &Finder,
) -> Result<(String, Range<Data>, Found, Vec<String>), InventoryError> {
    let candidates = match sheet {
        Some(_) => vec![choose_sheet(book, file, sheet)?],
        None => visible_sheets(book, file)?,
    };
    let mut passed_over = Vec::new();
    let mut first = None;
    for name in candidates {
        check_used_area(book, &name, file)?;
        let range = book
            .worksheet_range(&name)
            .map_err(|e| workbook_error(file, e))?;
        let found = finder(&top_rows(&range));
        if found.complete || sheet.is_some() {
            return Ok((name, range, found, passed_over));
        }
        if first.is_none() {
            first = Some((name.clone(), range, found));
        }
        passed_over.push(name);
    }
    let (name, range, found) = first.ok_or_else(|| InventoryError::Empty { file: file.into() })?;
    Ok((name, range, found, Vec::new()))
}

/// The first rows of a sheet's used area, as text, for finding its header.
fn top_rows(range: &Range<Data>) -> Vec<Vec<String>> {
    let (Some((start_row, start_column)), Some((end_row, end_column))) =
        (range.start(), range.end())
    else {
        return Vec::new();
    };
    let scan = u32::try_from(HEADER_SCAN).unwrap_or(u32::MAX);
    let last = end_row.min(start_row.saturating_add(scan - 1));
    (start_row..=last)
        .map(|r| {
            (start_column..=end_column)
                .map(|c| {
                    range
                        .get_value((r, c))
                        .map_or_else(String::new, header_text)
                })
                .collect()
        })
        .collect()
}

/// The visible worksheets, in order (every sheet when none is visible).
fn visible_sheets(book: &Book, file: &str) -> Result<Vec<String>, InventoryError> {
    let visible: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    if !visible.is_empty() {
        return Ok(visible);
    }
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(InventoryError::Empty { file: file.into() });
    }
    Ok(names)
}

/// A merged cell below the header holds its value in its first cell only; a person reads it as
/// the value of every row it spans (乡镇街道 merged over that township's villages), so it is copied.
fn fill_merged(range: &mut Range<Data>, regions: &[Dimensions], header_row: u32) {
    let (Some(start), Some(end)) = (range.start(), range.end()) else {
        return;
    };
    for d in regions {
        let ((r0, c0), (r1, c1)) = (d.start, d.end);
        if r0 <= header_row || r1 < r0 || c1 < c0 {
            continue;
        }
        let (r1, c1) = (r1.min(end.0), c1.min(end.1));
        if r0 < start.0 || c0 < start.1 || r1 < r0 || c1 < c0 {
            continue;
        }
        if u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1) > MERGE_FILL_LIMIT {
            continue;
        }
        let Some(value) = range.get_value((r0, c0)).cloned() else {
            continue;
        };
        if is_blank(&value) {
            continue;
        }
        for r in r0..=r1 {
            for c in c0..=c1 {
                if (r, c) != (r0, c0) {
                    range.set_value((r, c), value.clone());
                }
            }
        }
    }
}

fn is_blank(v: &Data) -> bool {
    match v {
        Data::Empty => true,
        Data::String(s) => trim(s).is_empty(),
        _ => false,
    }
}

/// A header cell's text; a header wrapped onto several lines in its cell (经办↵窗口数) is one name.
fn header_text(v: &Data) -> String {
    match cell(v) {
        Cell::Text(s) => s.lines().map(trim).collect(),
        _ => String::new(),
    }
}

/// A sheet's value as the text a person would have typed, or a problem.
fn cell(v: &Data) -> Cell<'static> {
    match v {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s.clone()),
        Data::Int(n) => Cell::text(n.to_string()),
        Data::Float(f) => Cell::text(number_text(*f)),
        Data::Bool(b) => Cell::text(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(d) => Cell::text(datetime_text(d)),
        Data::DateTimeIso(s) => Cell::text(s.strip_suffix("T00:00:00").unwrap_or(s).to_string()),
        Data::DurationIso(s) => Cell::text(s.clone()),
        Data::Error(e) => Cell::Bad(Box::new(ProblemKind::SheetError {
            error: e.to_string(),
        })),
    }
}

/// A number as Excel shows it in a General cell, without the exponent: whole numbers in full
/// (a 12-digit code keeps every digit), others to Excel's 15 significant digits.
pub fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let rounded = format!("{f:.14e}").parse::<f64>().unwrap_or(f);
    if rounded.abs() >= 1e15 {
        format!("{rounded:E}")
    } else {
        format!("{rounded}")
    }
}

/// Whether a cell's text is an integer in scientific notation (`1.23456789012346E19`, as
/// [`number_text`] writes a number of 16 digits and more, or `1.10101E+11` as Excel shows a number
/// in a narrow column; Excel's General format turns to it from 12 digits): as an id, a number
/// whose digits Excel did not keep. Short ones (`2E3`) are left alone: they are more likely text.
pub fn lost_digits(text: &str) -> bool {
    let text = text.trim();
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !whole.is_empty()
        && digits(whole)
        && digits(fraction)
        && !exponent.is_empty()
        && exponent.len() <= 3
        && digits(exponent)
        && exponent
            .parse::<usize>()
            .is_ok_and(|e| e > fraction.len() && e >= 11)
}

/// The serials Excel can show as dates: 1900-01-01 up to 9999-12-31.
fn is_date_serial(serial: f64) -> bool {
    (1.0..2_958_466.0).contains(&serial)
}

/// A date cell as `2025-11-20`, with the time of day when it has one; a duration or a serial out
/// of Excel's range as its number.
fn datetime_text(d: &ExcelDateTime) -> String {
    let serial = d.as_f64();
    if d.is_duration() || !is_date_serial(serial) {
        return number_text(serial);
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

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
    /// its header as [`XlsxSource::open`] does.
    pub fn read(
        bytes: Vec<u8>,
        file: &str,
        sheet: Option<&str>,
        finder: &Finder,
    ) -> Result<WorkbookCopy, InventoryError> {
        let (mut book, _) = open_book(bytes, file)?;
        let (graded_name, _, found, _) = pick_sheet(&mut book, file, sheet, finder)?;
        let metadata = book.sheets_metadata().to_vec();
        let mut sheets = Vec::new();
        let mut graded = 0;
        let mut header_row = 0;
        let mut header = Vec::new();
        for meta in metadata.iter().filter(|s| s.typ == SheetType::WorkSheet) {
            let range = book
                .worksheet_range(&meta.name)
                .map_err(|e| workbook_error(file, e))?;
            let merged = merged_regions(&mut book, &meta.name)
                .iter()
                .filter(|d| d.start.0 <= d.end.0 && d.start.1 <= d.end.1)
                .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
                .collect();
            if meta.name == graded_name {
                graded = sheets.len();
                if let Some((r0, c0)) = range.start() {
                    let offset = u32::try_from(found.rows.data_start() - 1).unwrap_or(u32::MAX);
                    header_row = r0.saturating_add(offset);
                    header = (c0..)
                        .zip(&found.rows.names)
                        .filter(|(_, h)| !h.is_empty())
                        .map(|(c, h)| (c, h.clone()))
                        .collect();
                }
            }
            let cells = range
                .used_cells()
                .filter_map(|(r, c, v)| {
                    let (r0, c0) = range.start().unwrap_or((0, 0));
                    copy_value(v).map(|v| (r0 + r as u32, c0 + c as u32, v))
                })
                .collect();
            sheets.push(SheetCopy {
                name: meta.name.clone(),
                hidden: meta.visible != SheetVisible::Visible,
                cells,
                merged,
                last_column: range.end().map(|(_, c)| c),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(520123001000.0), "520123001000");
        assert_eq!(number_text(2.0), "2");
        assert_eq!(number_text(5.5), "5.5");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-3.0), "-3");
    }

    #[test]
    fn ids_that_lost_digits_are_told_apart() {
        assert!(lost_digits(&number_text(12_345_678_901_234_567_890.0)));
        assert!(lost_digits(&number_text(1_234_567_890_123_456.0)));
        assert!(lost_digits("1.10101E+11"));
        assert!(lost_digits("-1E20"));
        for id in [
            number_text(123_456_789_012_345.0),
            "520123001000".into(),
            "1.5E-3".into(),
            "1.25E1".into(),
            "2E3".into(),
            "1.23456789012E11".into(),
            "GZ-E12".into(),
            "E12".into(),
            "1E".into(),
            "1.2.3E5".into(),
        ] {
            assert!(!lost_digits(&id), "{id}");
        }
    }

    #[test]
    fn date_cells_read_as_dates() {
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        let d = |v, t| datetime_text(&ExcelDateTime::new(v, t, false));
        assert_eq!(d(45981.0, DateTime), "2025-11-20");
        assert_eq!(d(45981.5, DateTime), "2025-11-20 12:00:00");
        assert_eq!(d(1.5, TimeDelta), "1.5");
        assert_eq!(d(-4.0, DateTime), "-4");
        assert_eq!(d(1e300, DateTime), "1E300");
    }

    #[test]
    fn header_cells_wrapped_onto_lines_are_one_name() {
        assert_eq!(
            header_text(&Data::String("经办\n窗口数 ".into())),
            "经办窗口数"
        );
        assert_eq!(header_text(&Data::Float(2025.0)), "2025");
    }
}
