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
//!
//! An `.xlsx`, `.xlsm` or `.xlsb` sheet is read as it streams ([`stream`]): the rows of the header,
//! then one row at a time, in bounded memory whatever its length (calamine holds the shared strings
//! whole; the zip check bounds them). An `.xlsx` sheet's cells are read by the zip check's own pass
//! over its XML ([`guard::read`]), exactly as calamine reads them, so that the sheet is inflated and
//! parsed once; a workbook with anything that pass does not read to the letter is read by calamine
//! as before. An `.xls` or `.ods` sheet is read whole, as a grid ([`GridRows`]), and so is a crafted
//! sheet whose cells are out of order. A workbook named by its path is not read into memory: its
//! bytes are read from the file where the zip check's pass and calamine need them (`BookData`).

mod copy;
pub mod guard;
mod stream;

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use calamine::{
    Data, Dimensions, ExcelDateTime, Range, Reader, SheetType, SheetVisible, Sheets,
    open_workbook_auto_from_rs,
};

pub use copy::{CopyValue, SheetCopy, WorkbookCopy};

use super::InventoryError;
use super::cell::Cell;
use super::source::Row;
use crate::problem::ProblemKind;
use crate::suggest::did_you_mean;
use crate::text::trim;
use guard::{Area, Scan};
use stream::{Assembler, Shape, Source, Stream};

use super::header::{Finder, Found, HEADER_SCAN};

/// The most cells a merged region below the header may fill (a bigger one is left as it is).
const MERGE_FILL_LIMIT: u64 = 100_000;

type Book = Sheets<Bytes>;

/// Where a workbook's bytes are: in memory (read from standard input, or given), or in its file,
/// read where they are needed. A workbook named by its path is not read into memory: the 12.6 MB
/// of the 100,000-row workbook, held for the whole zip check's pass, were memory the allocator
/// did not give back before the rows were graded (issue 16).
pub(crate) enum BookData {
    Memory(Vec<u8>),
    #[cfg(any(unix, windows))]
    File {
        file: std::fs::File,
        len: u64,
    },
}

impl BookData {
    /// The workbook in `file`. An OLE compound file (an `.xls`, an encrypted `.xlsx`) is read into
    /// memory: calamine reads it whole, and the encryption check looks through all of it.
    pub(crate) fn from_file(
        mut file: std::fs::File,
        label: &str,
    ) -> Result<BookData, InventoryError> {
        let io_error = |e| InventoryError::Io {
            file: label.into(),
            source: e,
        };
        let len = file.metadata().map_err(io_error)?.len();
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let mut head = [0u8; 8];
        let mut got = 0;
        while got < head.len() {
            match file.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        #[cfg(any(unix, windows))]
        if len > 0 && got == head.len() && !guard::is_compound(&head) {
            return Ok(BookData::File { file, len });
        }
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        Ok(BookData::Memory(super::read_all(&mut file, label)?))
    }

    fn len(&self) -> u64 {
        match self {
            BookData::Memory(bytes) => bytes.len() as u64,
            #[cfg(any(unix, windows))]
            BookData::File { len, .. } => *len,
        }
    }

    /// Reads from byte `at` into `buf`, as many bytes as there are up to its length.
    fn read_at(&self, at: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            BookData::Memory(bytes) => {
                let start = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
                let n = buf.len().min(bytes.len() - start);
                buf[..n].copy_from_slice(&bytes[start..start + n]);
                Ok(n)
            }
            #[cfg(unix)]
            BookData::File { file, .. } => loop {
                match std::os::unix::fs::FileExt::read_at(file, buf, at) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    r => return r,
                }
            },
            #[cfg(windows)]
            BookData::File { file, .. } => std::os::windows::fs::FileExt::seek_read(file, buf, at),
        }
    }
}

/// A workbook's bytes as calamine reads them, shared with the reader that may open them again;
/// optionally with the shared-string part's name in the zip's central directory hidden, when
/// the zip check's pass has read the strings already ([`guard::read`]): calamine then does not
/// inflate and hold them a second time (the 100,000-row workbook's table is 11 MB of XML).
#[derive(Clone)]
pub(crate) struct Bytes {
    data: Arc<BookData>,
    position: u64,
    /// The offset of the name's first byte, read as `#`.
    hidden: Option<u64>,
}

impl Bytes {
    fn new(data: Arc<BookData>, hidden: Option<u64>) -> Bytes {
        Bytes {
            data,
            position: 0,
            hidden,
        }
    }
}

impl Read for Bytes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.data.read_at(self.position, buf)?;
        if let Some(at) = self.hidden
            && at >= self.position
            && at < self.position + n as u64
        {
            buf[(at - self.position) as usize] = b'#';
        }
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for Bytes {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let len = self.data.len();
        let at = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(off) => len.checked_add_signed(off),
            SeekFrom::Current(off) => self.position.checked_add_signed(off),
        };
        match at {
            Some(at) => {
                self.position = at;
                Ok(at)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start",
            )),
        }
    }
}

/// One sheet of a workbook, read row by row below its header.
pub struct XlsxSource {
    sheet: Arc<str>,
    headers: Vec<String>,
    rows: Rows,
    /// The sheet's 0-based column of the first header column.
    first_column: u32,
    /// The sheets passed over for want of the required columns.
    passed_over: Vec<String>,
    /// The row number (as the sheet shows it) of the header's last row.
    header_row: u64,
    /// Every sheet's name.
    sheets: Vec<String>,
}

/// Where the rows come from: an `.xlsx`, `.xlsm` or `.xlsb` sheet as it streams, or the whole
/// grid of an `.xls` or `.ods` sheet (or of a crafted one whose cells are out of order).
enum Rows {
    Stream(Stream),
    Grid(GridRows),
}

/// A sheet as the reader found it: its cells whole, or what is known before they stream.
enum Sheet {
    Grid(Range<Data>),
    Stream(Shape),
}

impl Sheet {
    /// The used area's first and last cell.
    fn area(&self) -> Option<Area> {
        match self {
            Sheet::Grid(range) => Some(Area {
                first: range.start()?,
                last: range.end()?,
            }),
            Sheet::Stream(shape) => shape.used,
        }
    }
}

/// The sheet chosen: its name, cells and header, and the sheets passed over before it.
struct Picked {
    name: String,
    sheet: Sheet,
    found: Found,
    passed_over: Vec<String>,
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
        XlsxSource::open_data(BookData::Memory(bytes), file, sheet, finder)
    }

    /// [`XlsxSource::open`] of the workbook in `handle`, read where it is needed rather than
    /// into memory (`BookData`).
    pub fn open_file(
        handle: std::fs::File,
        file: &str,
        sheet: Option<&str>,
        finder: &Finder,
    ) -> Result<XlsxSource, InventoryError> {
        XlsxSource::open_data(BookData::from_file(handle, file)?, file, sheet, finder)
    }

    fn open_data(
        data: BookData,
        file: &str,
        sheet: Option<&str>,
        finder: &Finder,
    ) -> Result<XlsxSource, InventoryError> {
        let (mut book, mut scan) = open_book(data, file, true)?;
        let picked = pick_sheet(&mut book, &mut scan, file, sheet, finder)?;
        let Some(area) = picked.sheet.area() else {
            return Err(InventoryError::Empty { file: file.into() });
        };
        let found = picked.found;
        let offset = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let header_row = area.first.0.saturating_add(offset(found.rows.first));
        let last_header_row = header_row.saturating_add(offset(found.rows.height - 1));
        let mut headers = found.rows.names;
        // The header ends at its last named column; cells further right are overflow.
        while headers.last().is_some_and(std::string::String::is_empty) {
            headers.pop();
        }
        if headers.is_empty() || area.last.0 < last_header_row {
            return Err(InventoryError::Empty { file: file.into() });
        }
        let sheets = book.sheet_names();
        let rows = match picked.sheet {
            Sheet::Stream(mut shape) => {
                // Cells the check's pass read need no workbook: its bytes are let go.
                let source = match shape.read.take() {
                    Some(read) => Source::Read(read),
                    None => Source::Book(Box::new(book)),
                };
                let rows = Assembler::new(shape, area, last_header_row, headers.len());
                Rows::Stream(Stream::spawn(
                    source,
                    picked.name.clone(),
                    file.into(),
                    rows,
                ))
            }
            Sheet::Grid(mut range) => {
                fill_merged(
                    &mut range,
                    &merged_regions(&mut book, &picked.name),
                    last_header_row,
                );
                // Formula cells without a saved result read as empty: they are told apart from
                // empty cells by the check's scan of the sheet's XML.
                let uncached = scan
                    .sheets
                    .into_iter()
                    .find(|s| &*s.name == picked.name.as_str())
                    .map(|s| s.uncached.into_iter().collect())
                    .unwrap_or_default();
                Rows::Grid(GridRows {
                    range,
                    first_column: area.first.1,
                    width: headers.len(),
                    next: last_header_row + 1,
                    uncached,
                })
            }
        };
        Ok(XlsxSource {
            sheet: Arc::from(picked.name),
            headers,
            rows,
            first_column: area.first.1,
            passed_over: picked.passed_over,
            header_row: u64::from(last_header_row) + 1,
            sheets,
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

    /// The next row below the header with anything in it; an error when the sheet turns out
    /// damaged as it streams.
    pub fn next_row(&mut self) -> Result<Option<Row<'static>>, InventoryError> {
        match &mut self.rows {
            Rows::Stream(s) => s.next_row(),
            Rows::Grid(g) => Ok(g.next_row()),
        }
    }
}

/// A sheet's whole grid, read row by row below its header.
struct GridRows {
    range: Range<Data>,
    first_column: u32,
    width: usize,
    /// The 0-based sheet row of the next row to read.
    next: u32,
    /// The cells, as 0-based (row, column), that hold a formula without a saved result.
    uncached: rustc_hash::FxHashSet<(u32, u32)>,
}

impl GridRows {
    fn next_row(&mut self) -> Option<Row<'static>> {
        let (end_row, end_column) = self.range.end()?;
        let width = self.width;
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

/// The most cells a sheet's used area may span: a sheet read whole is a grid from its first
/// used cell to its last, so one stray cell far away (`XFD1048576`) would make a grid of 17
/// billion cells. 50 million cells is a national inventory of 700,000 rows × 70 columns.
const MAX_GRID_CELLS: u64 = 50_000_000;

/// Refuses an `.xlsx` sheet whose cells span more than [`MAX_GRID_CELLS`] (`extent`: every cell,
/// empty ones too), before anything is built of it.
fn check_used_area(
    book: &Book,
    extent: Option<Area>,
    sheet: &str,
    file: &str,
) -> Result<(), InventoryError> {
    let (Sheets::Xlsx(_), Some(area)) = (book, extent) else {
        return Ok(());
    };
    let cells = area.cells();
    if cells <= MAX_GRID_CELLS {
        return Ok(());
    }
    let ((fr, fc), (lr, lc)) = (area.first, area.last);
    let (from, to) = (
        format!("{}{}", crate::problem::column_letters(fc), fr + 1),
        format!("{}{}", crate::problem::column_letters(lc), lr + 1),
    );
    Err(InventoryError::Workbook {
        file: file.into(),
        message: format!(
            "the used cells of sheet `{sheet}` span {from} to {to}, {cells} cells; delete stray cells far from the table"
        ),
        zh: Some(format!(
            "工作表「{sheet}」已用的单元格从 {from} 到 {to},共 {cells} 个;请删除远离表格的零散单元格"
        )),
    })
}

/// Opens a workbook for calamine once it has passed [`guard::check`]: no decompression bomb, no
/// cell longer than Excel allows, not encrypted.
/// Also returns what the check saw of each worksheet; with `cells`, the check's pass reads the
/// worksheets' cells too ([`guard::read`]), which calamine then does not read again.
fn open_book(
    data: BookData,
    file: &str,
    cells: bool,
) -> Result<(Book, guard::Scan), InventoryError> {
    let bytes = Arc::new(data);
    let checked = match (&*bytes, cells) {
        (BookData::Memory(bytes), true) => guard::read(bytes),
        (BookData::Memory(bytes), false) => guard::check(bytes),
        #[cfg(any(unix, windows))]
        (data @ BookData::File { .. }, cells) => {
            guard::read_reader(Bytes::new(Arc::clone(&bytes), None), data.len(), cells)
        }
    };
    let mut scan = checked.map_err(|refusal| InventoryError::Refused {
        file: file.into(),
        refusal,
    })?;
    if scan.book.is_some() {
        let hidden = scan.shared_strings_name.map(|(at, _)| at);
        if let Ok(x) = calamine::Xlsx::new(Bytes::new(bytes.clone(), hidden)) {
            let book = Sheets::Xlsx(x);
            // Every sheet calamine names must be one the pass read; else calamine reads them.
            let read = book.sheet_names().iter().all(|name| {
                scan.sheets
                    .iter()
                    .find(|s| &*s.name == name.as_str())
                    .is_some_and(|s| s.read.is_some())
            });
            if read
                && let (Sheets::Xlsx(x), Some(values)) = (&book, scan.book.as_mut())
                && let Some(values) = Arc::get_mut(values)
            {
                values.is_1904 = x.has_1904_epoch();
                return Ok((book, scan));
            }
        }
        scan.book = None;
        for sheet in &mut scan.sheets {
            sheet.read = None;
        }
    }
    let book = open_workbook_auto_from_rs(Bytes::new(bytes, None)).map_err(|e| match e {
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

/// For the fuzz target: the first cell where what the zip check's pass read of a sheet of
/// `bytes` ([`guard::read`]) differs from calamine's own cell reader, or a sheet calamine cannot
/// read that the pass did; `None` when they agree or the pass left the workbook to calamine.
#[doc(hidden)]
pub fn one_pass_difference(bytes: &[u8]) -> Option<String> {
    let mut scan = guard::read(bytes).ok()?;
    let mut values = scan.book.take()?;
    let data = Arc::new(BookData::Memory(bytes.to_vec()));
    let hidden = scan.shared_strings_name.map(|(at, _)| at);
    // The reader uses the pass's cells only where calamine opens the workbook without its strings.
    calamine::Xlsx::new(Bytes::new(data.clone(), hidden)).ok()?;
    let mut book = match calamine::Xlsx::new(Bytes::new(data, None)) {
        Ok(book) => book,
        Err(e) => return Some(format!("calamine refuses the workbook the pass read: {e}")),
    };
    Arc::get_mut(&mut values)?.is_1904 = book.has_1904_epoch();
    for name in book.sheet_names() {
        let sheet = scan.sheets.iter().find(|s| &*s.name == name.as_str())?;
        let mut pass = Vec::new();
        sheet.read.as_ref()?.cells(&values, |at, v| {
            pass.push((at, Data::from(v.clone())));
            std::ops::ControlFlow::Continue(())
        });
        let mut reader = match book.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            Err(e) => return Some(format!("calamine cannot read sheet {name}: {e}")),
        };
        let mut pass = pass.into_iter();
        loop {
            let theirs = match reader.next_cell() {
                Ok(cell) => cell.map(|c| (c.get_position(), Data::from(c.get_value().clone()))),
                Err(e) => return Some(format!("calamine fails on sheet {name}: {e}")),
            };
            let ours = pass.next();
            if ours != theirs {
                return Some(format!(
                    "sheet {name}: the pass read {ours:?}, calamine {theirs:?}"
                ));
            }
            if ours.is_none() {
                break;
            }
        }
    }
    None
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

/// Reads sheet `name` as far as choosing it needs: an `.xlsx`, `.xlsm` or `.xlsb` sheet (its
/// cells in order) only to know its shape, any other whole.
fn read_sheet(
    book: &mut Book,
    scan: &mut Scan,
    name: &str,
    file: &str,
) -> Result<Sheet, InventoryError> {
    if let Some(shape) = stream::shape(book, scan, name, file)? {
        check_used_area(book, shape.extent, name, file)?;
        if shape.ordered {
            return Ok(Sheet::Stream(shape));
        }
    }
    let range = book
        .worksheet_range(name)
        .map_err(|e| workbook_error(file, e))?;
    Ok(Sheet::Grid(range))
}

/// The sheet to read, its cells, its header and the sheets passed over before it: `sheet`, or
/// the first visible worksheet whose header has every required column, or the first visible one
/// when none has (the missing-column error then names it).
fn pick_sheet(
    book: &mut Book,
    scan: &mut Scan,
    file: &str,
    sheet: Option<&str>,
    finder: &Finder,
) -> Result<Picked, InventoryError> {
    let candidates = match sheet {
        Some(_) => vec![choose_sheet(book, file, sheet)?],
        None => visible_sheets(book, file)?,
    };
    let mut passed_over = Vec::new();
    let mut first = None;
    for name in candidates {
        let read = read_sheet(book, scan, &name, file)?;
        let top = match &read {
            Sheet::Grid(range) => top_rows(range),
            Sheet::Stream(shape) => stream::top_rows(book, &name, file, shape)?,
        };
        let found = finder(&top);
        if found.complete || sheet.is_some() {
            return Ok(Picked {
                name,
                sheet: read,
                found,
                passed_over,
            });
        }
        if first.is_none() {
            first = Some(Picked {
                name: name.clone(),
                sheet: read,
                found,
                passed_over: Vec::new(),
            });
        }
        passed_over.push(name);
    }
    first.ok_or_else(|| InventoryError::Empty { file: file.into() })
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

/// [`cell`], taking the value (its text is not copied).
fn into_cell(v: Data) -> Cell<'static> {
    match v {
        Data::String(s) | Data::DurationIso(s) => Cell::text(s),
        v => cell(&v),
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
    #[expect(
        clippy::unwrap_used,
        reason = "a test fails loudly when its fixture is broken"
    )]
    fn the_shared_strings_are_hidden_from_calamine_when_the_pass_read_them() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "网点编号").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let scan = guard::read(&bytes).unwrap();
        assert!(scan.book.is_some());
        let hidden = scan.shared_strings_name.map(|(at, _)| at);
        assert!(hidden.is_some());
        let data = Arc::new(super::BookData::Memory(bytes));
        let cells = |hidden| {
            let mut book = calamine::Xlsx::new(Bytes::new(Arc::clone(&data), hidden)).unwrap();
            let mut reader = book.worksheet_cells_reader("Sheet1").unwrap();
            reader
                .next_cell()
                .map(|c| c.map(|c| Data::from(c.get_value().clone())))
        };
        // Opened as the pass read it, calamine has no strings of its own to give the cell.
        assert!(cells(hidden).is_err());
        assert_eq!(cells(None).unwrap(), Some(Data::String("网点编号".into())));
    }

    #[test]
    #[cfg(any(unix, windows))]
    #[expect(
        clippy::unwrap_used,
        reason = "a test fails loudly when its fixture is broken"
    )]
    fn a_workbook_read_from_its_file_passes_as_from_memory() {
        use std::io::Write;
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        for r in 0..200 {
            sheet.write_string(r, 0, format!("网点{r}")).unwrap();
            sheet.write_number(r, 1, f64::from(r)).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let data = BookData::from_file(file, "台账.xlsx").unwrap();
        assert!(matches!(data, BookData::File { .. }));
        let data = Arc::new(data);
        let from_file = guard::read_reader(Bytes::new(Arc::clone(&data), None), data.len(), true);
        let from_memory = guard::read(&bytes);
        assert!(from_memory.as_ref().unwrap().book.is_some());
        assert!(from_memory.as_ref().unwrap().shared_strings_name.is_some());
        assert_eq!(from_file, from_memory);
        // The hidden byte reads as `#` however the reads fall around it.
        let hidden = from_memory.unwrap().shared_strings_name.unwrap().0;
        let mut read = Bytes::new(data, Some(hidden));
        let mut all = Vec::new();
        let mut piece = [0u8; 7];
        loop {
            let n = read.read(&mut piece).unwrap();
            if n == 0 {
                break;
            }
            all.extend_from_slice(&piece[..n]);
        }
        assert_eq!(all.len(), bytes.len());
        assert_eq!(all[hidden as usize], b'#');
        assert_eq!(all[..hidden as usize], bytes[..hidden as usize]);
    }

    #[test]
    #[expect(
        clippy::unwrap_used,
        reason = "a test fails loudly when its fixture is broken"
    )]
    fn a_compound_file_is_read_into_memory() {
        use std::io::Write;
        let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        cfb.extend_from_slice(&[7; 100]);
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&cfb).unwrap();
        match BookData::from_file(file, "x.xls").unwrap() {
            BookData::Memory(bytes) => assert_eq!(bytes, cfb),
            #[cfg(any(unix, windows))]
            BookData::File { .. } => panic!("a compound file is read whole"),
        }
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
