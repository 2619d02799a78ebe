//! A sheet of an `.xlsx`, `.xlsm` or `.xlsb` read as it streams, through calamine's cell reader or,
//! for an `.xlsx` the zip check's pass has read ([`Read`]), from the cells that pass kept: only the
//! rows of the header are held, then every row is assembled as its cells pass and handed on, on a
//! thread of its own, in batches.
//!
//! What the cell reader cannot give as the cells pass comes from before: the used area (where the
//! header's columns begin; a sheet's rows past it are not read), the merged ranges (the reader gives
//! them after the cells) and the formulas without a saved result (which it reads as empty cells)
//! come from the zip check's pass over the sheet's XML ([`super::guard::SheetScan`]), or, for an
//! `.xlsb` (binary parts the check does not read), from a first pass of the cell reader itself.
//! The rows are those calamine's whole grid ([`super::GridRows`]) gives, merged cells filled.

use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use std::sync::Arc;

use calamine::{Data, DataRef, Sheets, XlsxError};
use rustc_hash::FxHashSet;

use super::guard::{Area, Buffer, Scan, Workbook};
use super::{Book, MERGE_FILL_LIMIT, into_cell, is_blank, workbook_error};
use crate::inventory::InventoryError;
use crate::inventory::cell::Cell;
use crate::inventory::header::HEADER_SCAN;
use crate::inventory::source::Row;
use crate::problem::ProblemKind;

/// What is known of a sheet before its rows are read.
#[derive(Debug, Default)]
pub(super) struct Shape {
    /// The cells that hold a value: calamine's grid of the sheet.
    pub used: Option<Area>,
    /// Every cell, empty ones too.
    pub extent: Option<Area>,
    /// Whether its cells come in order (else it is read whole).
    pub ordered: bool,
    /// Merged ranges, 0-based (first row, first column, last row, last column).
    pub merged: Vec<(u32, u32, u32, u32)>,
    /// Cells, 0-based (row, column), whose formula has no saved result.
    pub uncached: FxHashSet<(u32, u32)>,
    /// The cells, when the zip check's pass read them ([`super::guard::read`]).
    pub read: Option<Read>,
}

/// A sheet's cells as the zip check's pass read them, and what they need to be read as calamine
/// reads them: the sheet's XML is not inflated and tokenized a second time, by calamine.
///
/// Single pass (issue 16), `bench/README.md` "Workbook reading": reading the 100,000-row workbook
/// went from two passes over the sheet's 81 MB of XML (the check's, then calamine's) to one.
#[derive(Debug)]
pub(super) struct Read {
    pub cells: Buffer,
    pub book: Arc<Workbook>,
}

/// Where a sheet's cells come from as it streams.
pub(super) enum Source {
    Book(Box<Book>),
    Read(Read),
}

/// The shape of a sheet of a workbook that streams (`.xlsx`, `.xlsm`, `.xlsb`): from the zip
/// check's scan of its XML, else from a first pass of the cell reader. `None` for other formats.
pub(super) fn shape(
    book: &mut Book,
    scan: &mut Scan,
    name: &str,
    file: &str,
) -> Result<Option<Shape>, InventoryError> {
    let values = scan.book.clone();
    let from_scan = match book {
        Sheets::Xlsx(_) => scan
            .sheets
            .iter_mut()
            .find(|s| &*s.name == name)
            .map(|s| Shape {
                used: s.used,
                extent: s.extent,
                ordered: s.ordered,
                merged: std::mem::take(&mut s.merged),
                uncached: s.uncached.iter().copied().collect(),
                read: s
                    .read
                    .take()
                    .zip(values)
                    .map(|(cells, book)| Read { cells, book }),
            }),
        Sheets::Xlsb(_) => None,
        _ => return Ok(None),
    };
    if let Some(shape) = from_scan {
        return Ok(Some(shape));
    }
    let mut shape = Shape {
        ordered: true,
        ..Shape::default()
    };
    let mut last: Option<(u32, u32)> = None;
    cells(book, name, file, |at, value| {
        Area::grow(&mut shape.extent, at);
        if !matches!(value, DataRef::Empty) {
            Area::grow(&mut shape.used, at);
        }
        if last.is_some_and(|l| at <= l) {
            shape.ordered = false;
        }
        last = Some(at);
        ControlFlow::Continue(())
    })?;
    shape.merged = super::merged_regions(book, name)
        .iter()
        .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
        .collect();
    Ok(Some(shape))
}

/// Feeds `each` the cells of sheet `name`, in the order of the file, until it breaks. A sheet
/// that is no worksheet (a chart sheet) has none.
pub(super) fn cells(
    book: &mut Book,
    name: &str,
    file: &str,
    mut each: impl FnMut((u32, u32), &DataRef<'_>) -> ControlFlow<()>,
) -> Result<(), InventoryError> {
    match book {
        Sheets::Xlsx(x) => {
            let error = |e| workbook_error(file, e);
            let mut reader = match x.worksheet_cells_reader(name) {
                Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
                r => r.map_err(error)?,
            };
            while let Some(cell) = reader.next_cell().map_err(error)? {
                if each(cell.get_position(), cell.get_value()).is_break() {
                    break;
                }
            }
        }
        Sheets::Xlsb(x) => {
            let error = |e| workbook_error(file, e);
            let mut reader = x.worksheet_cells_reader(name).map_err(error)?;
            while let Some(cell) = reader.next_cell().map_err(error)? {
                if each(cell.get_position(), cell.get_value()).is_break() {
                    break;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The first [`HEADER_SCAN`] rows of the used area, as text, for finding the header: read as
/// they stream, the rest of the sheet left unread.
pub(super) fn top_rows(
    book: &mut Book,
    name: &str,
    file: &str,
    shape: &Shape,
) -> Result<Vec<Vec<String>>, InventoryError> {
    let Some(used) = shape.used else {
        return Ok(Vec::new());
    };
    let scan = u32::try_from(HEADER_SCAN).unwrap_or(u32::MAX);
    let last = used.last.0.min(used.first.0.saturating_add(scan - 1));
    let width = (used.last.1 - used.first.1) as usize + 1;
    let mut rows = vec![vec![String::new(); width]; (last - used.first.0) as usize + 1];
    let each = |(r, c), value: &DataRef<'_>| {
        if r > last {
            return ControlFlow::Break(());
        }
        if r >= used.first.0 && c >= used.first.1 && c <= used.last.1 {
            let value = Data::from(value.clone());
            rows[(r - used.first.0) as usize][(c - used.first.1) as usize] =
                super::header_text(&value);
        }
        ControlFlow::Continue(())
    };
    match &shape.read {
        Some(read) => read.cells.cells(&read.book, each),
        None => cells(book, name, file, each)?,
    }
    Ok(rows)
}

/// A merged range to fill: 0-based first and last cell, clipped to the used area, and the value
/// of its first cell once its row is read.
struct Fill {
    first: (u32, u32),
    last: (u32, u32),
    value: Option<Data>,
}

/// Turns the cells of a sheet, row by row, into the rows below its header, as [`super::GridRows`]
/// does from the whole grid.
pub(super) struct Assembler {
    /// The sheet's 0-based column of the header's first column, and the header's width.
    first_column: u32,
    width: usize,
    /// The used area's last column and row.
    end_column: u32,
    end_row: u32,
    /// The 0-based row of the header's last row.
    header_row: u32,
    fills: Vec<Fill>,
    /// Fills by their first row (indices into `fills`), and how many have begun.
    order: Vec<usize>,
    begun: usize,
    /// Fills whose rows are being read, in the sheet's order.
    active: Vec<usize>,
    uncached: FxHashSet<(u32, u32)>,
}

impl Assembler {
    pub(super) fn new(shape: Shape, used: Area, header_row: u32, width: usize) -> Assembler {
        let fills: Vec<Fill> = shape
            .merged
            .iter()
            .filter_map(|&(r0, c0, r1, c1)| {
                if r0 <= header_row || r1 < r0 || c1 < c0 {
                    return None;
                }
                let (r1, c1) = (r1.min(used.last.0), c1.min(used.last.1));
                if r0 < used.first.0 || c0 < used.first.1 || r1 < r0 || c1 < c0 {
                    return None;
                }
                (u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1) <= MERGE_FILL_LIMIT).then_some(
                    Fill {
                        first: (r0, c0),
                        last: (r1, c1),
                        value: None,
                    },
                )
            })
            .collect();
        let mut order: Vec<usize> = (0..fills.len()).collect();
        order.sort_by_key(|&i| fills[i].first.0);
        Assembler {
            first_column: used.first.1,
            width,
            end_column: used.last.1,
            end_row: used.last.0,
            header_row,
            fills,
            order,
            begun: 0,
            active: Vec::new(),
            uncached: shape.uncached,
        }
    }

    /// The row `r` (0-based) of `cells` (column, value; taken), if it is a row below the header
    /// with anything in it.
    fn row(&mut self, r: u32, cells: &mut Vec<(u32, Data)>) -> Option<Row<'static>> {
        let end = self.first_column + self.width as u32;
        let mut values = vec![Data::Empty; self.width];
        let mut beyond: Vec<(u32, Data)> = Vec::new();
        for (c, v) in cells.drain(..) {
            if c < self.first_column || c > self.end_column {
                continue;
            }
            if c < end {
                values[(c - self.first_column) as usize] = v;
            } else {
                beyond.push((c, v));
            }
        }
        self.fill(r, &mut values, &mut beyond);
        let uncached = |i: usize, v: &Data| {
            !self.uncached.is_empty()
                && is_blank(v)
                && self.uncached.contains(&(r, self.first_column + i as u32))
        };
        let overflow = beyond.iter().filter(|(_, v)| !is_blank(v)).count();
        // A row with nothing in it (a spacer, or the rest of a formatted area) is skipped.
        if overflow == 0
            && values
                .iter()
                .enumerate()
                .all(|(i, v)| is_blank(v) && !uncached(i, v))
        {
            return None;
        }
        let cells = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                if uncached(i, &v) {
                    Cell::Bad(Box::new(ProblemKind::UncachedFormula))
                } else {
                    into_cell(v)
                }
            })
            .collect();
        Some(Row {
            number: u64::from(r) + 1,
            cells,
            overflow,
        })
    }

    /// Copies the first cell of each merged range over row `r` into the rest of it.
    fn fill(&mut self, r: u32, values: &mut [Data], beyond: &mut Vec<(u32, Data)>) {
        while let Some(&i) = self.order.get(self.begun) {
            let f = &mut self.fills[i];
            if f.first.0 > r {
                break;
            }
            self.begun += 1;
            if f.first.0 < r {
                // Its first row had no cells: nothing to fill with.
                continue;
            }
            let c0 = f.first.1;
            let value = if c0 < self.first_column + self.width as u32 {
                values.get((c0 - self.first_column) as usize).cloned()
            } else {
                beyond
                    .iter()
                    .find(|(c, _)| *c == c0)
                    .map(|(_, v)| v.clone())
            };
            if let Some(value) = value.filter(|v| !is_blank(v)) {
                f.value = Some(value);
                self.active.push(i);
                self.active.sort_unstable();
            }
        }
        self.active.retain(|&i| self.fills[i].last.0 >= r);
        for &i in &self.active {
            let f = &self.fills[i];
            let Some(value) = &f.value else { continue };
            for c in f.first.1..=f.last.1 {
                if (r, c) == f.first {
                    continue;
                }
                let at = c - self.first_column;
                if let Some(slot) = values.get_mut(at as usize) {
                    *slot = value.clone();
                } else if let Some(slot) = beyond.iter_mut().find(|(b, _)| *b == c) {
                    slot.1 = value.clone();
                } else {
                    beyond.push((c, value.clone()));
                }
            }
        }
    }

    /// The rows from `from` up to `to` (0-based, `to` excluded) that have no cells but lie in a
    /// merged range being filled.
    fn gap(&mut self, from: u32, to: u32, out: &mut Vec<Row<'static>>) {
        let mut r = from.max(self.header_row + 1);
        let to = to.min(self.end_row.saturating_add(1));
        while r < to && !self.active.is_empty() {
            if let Some(row) = self.row(r, &mut Vec::new()) {
                out.push(row);
            }
            r += 1;
        }
    }
}

/// Rows handed over at a time, and batches that may wait: the memory the stream takes ahead.
/// Few: the grading reads ahead batches of its own, and the reader, which only decodes, keeps up
/// with a batch waiting (issue 16: 4 batches of 256 rows waiting here held megabytes at the start
/// of the grading that the allocator did not give back before the end of a run).
const BATCH: usize = 64;
const WAITING: usize = 2;

type Batch = Result<Vec<Row<'static>>, InventoryError>;

/// The rows of a sheet, read on a thread of their own as the cells stream.
pub(super) struct Stream {
    batches: Receiver<Batch>,
    batch: std::vec::IntoIter<Row<'static>>,
    done: bool,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Stream {
    /// Reads sheet `name` of `book` on a new thread, the rows below the header through `rows`.
    pub(super) fn spawn(source: Source, name: String, file: String, rows: Assembler) -> Stream {
        let (send, batches) = sync_channel(WAITING);
        let reader = std::thread::spawn(move || {
            let mut rows = rows;
            let result = match source {
                Source::Book(mut book) => read(&mut rows, &send, |each| {
                    cells(&mut book, &name, &file, each)
                }),
                Source::Read(read_cells) => read(&mut rows, &send, |each| {
                    read_cells.cells.into_cells(&read_cells.book, each);
                    Ok(())
                }),
            };
            if let Err(e) = result {
                let _ = send.send(Err(e));
            }
        });
        Stream {
            batches,
            batch: Vec::new().into_iter(),
            done: false,
            reader: Some(reader),
        }
    }

    pub(super) fn next_row(&mut self) -> Result<Option<Row<'static>>, InventoryError> {
        loop {
            if let Some(row) = self.batch.next() {
                return Ok(Some(row));
            }
            if self.done {
                return Ok(None);
            }
            match self.batches.recv() {
                Ok(Ok(batch)) => self.batch = batch.into_iter(),
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    // The reader has ended: a panic of its own goes on here, as it would have
                    // had the sheet been read on this thread, rather than end the rows silently.
                    if let Some(Err(panic)) = self.reader.take().map(std::thread::JoinHandle::join)
                    {
                        std::panic::resume_unwind(panic);
                    }
                }
            }
        }
    }
}

/// The reading thread's work: cells (as `cells` feeds them) into rows, rows into batches.
fn read(
    rows: &mut Assembler,
    send: &SyncSender<Batch>,
    cells: impl FnOnce(
        &mut dyn FnMut((u32, u32), &DataRef<'_>) -> ControlFlow<()>,
    ) -> Result<(), InventoryError>,
) -> Result<(), InventoryError> {
    let mut out = Vec::with_capacity(BATCH);
    let mut current: Option<u32> = None;
    let mut next = rows.header_row + 1;
    let mut cells_of_row: Vec<(u32, Data)> = Vec::new();
    let mut gone = false;
    let flush = |out: &mut Vec<Row<'static>>| -> ControlFlow<()> {
        if out.len() >= BATCH {
            let full = std::mem::replace(out, Vec::with_capacity(BATCH));
            if send.send(Ok(full)).is_err() {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    };
    cells(&mut |(r, c), value| {
        if r > rows.end_row {
            return ControlFlow::Break(());
        }
        if current != Some(r) {
            if let Some(done) = current.filter(|&d| d > rows.header_row) {
                out.extend(rows.row(done, &mut cells_of_row));
                next = done + 1;
            }
            cells_of_row.clear();
            rows.gap(next, r, &mut out);
            next = next.max(r);
            current = Some(r);
            if flush(&mut out).is_break() {
                gone = true;
                return ControlFlow::Break(());
            }
        }
        if r > rows.header_row {
            cells_of_row.push((c, Data::from(value.clone())));
        }
        ControlFlow::Continue(())
    })?;
    if gone {
        return Ok(());
    }
    if let Some(done) = current.filter(|&d| d > rows.header_row) {
        out.extend(rows.row(done, &mut cells_of_row));
        next = done + 1;
    }
    rows.gap(next, rows.end_row.saturating_add(1), &mut out);
    if !out.is_empty() {
        let _ = send.send(Ok(out));
    }
    Ok(())
}
