//! The inventory: files of outlets, one row each, read into typed [`Outlet`]s.
//!
//! Reading streams: [`Inventory::next_outlet`] yields one outlet at a time and records every data
//! problem it meets; only the ids seen so far are kept (to find duplicates). A cell that cannot be
//! read counts as missing and is reported with its row, column and value; the run goes on.
//!
//! The rooms, by job:
//! - [`input`]: where an inventory comes from and its format; [`error`]: why it cannot be read.
//! - [`source`] reads a file into rows ([`records`] for CSV, [`xlsx`] for workbooks, YAML), and
//!   [`cell`] reads one cell into a [`Value`].
//! - [`typing`] types a row on its own into an [`Outlet`] (with the [`memo`] of cells read
//!   before); [`admit`] takes typed rows in order (repeated ids, division codes by region).
//! - This file holds [`Inventory`], which wires them together, on one thread or several (the
//!   ordered parallel map of [`crate::pipeline`]).

mod admit;
pub mod cell;
mod error;
pub mod header;
mod ids;
mod input;
pub mod kind;
mod memo;
mod outlet;
pub mod records;
pub mod source;
mod typing;
pub mod xlsx;

use std::cell::RefCell;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

use crate::pipeline;
use crate::problem::{Problem, ProblemKind, RowUnit, Severity};
use crate::rulebook::{FieldKind, Rulebook};
use crate::text::trim;
use admit::{Keys, State, Typed};
pub use cell::{Cell, Value};
pub use error::{InventoryError, MissingColumn};
pub use header::ColumnReport;
pub use input::{Input, InputFormat, read_all};
use memo::CellMemo;
pub use outlet::Outlet;
use source::{CsvSource, RawRow, Source, YamlSource};
use typing::{Layout, Plan};
use xlsx::XlsxSource;

/// An open inventory, read one outlet at a time ([`Inventory::next_outlet`]) or by several
/// threads at once, in order ([`Inventory::each_outlet`]).
pub struct Inventory<'b> {
    layout: Layout<'b>,
    source: Source,
    state: State,
    /// List cells read by [`Inventory::next_outlet`].
    memo: CellMemo,
    /// A CSV record and cells to read the next row into, reused.
    record: records::Record,
    cells: Vec<Cell<'static>>,
    /// The key of the row read by [`Inventory::next_outlet`].
    keys: Keys,
    /// The header's problems, reported before any row's.
    header_problems: Vec<Problem>,
    /// Which column fed each field.
    columns: ColumnReport,
}
/// Rows handed to a grading thread at a time: enough to make handing them over cheap, few
/// enough to keep every thread busy and memory small.
const BATCH: usize = 256;

/// Rows of a workbook's sheet handed to a grading thread at a time (issue 16: with [`BATCH`],
/// the batches read ahead at the start of the grading took megabytes more of a 100,000-row
/// workbook's peak memory; as fast).
const SHEET_BATCH: usize = 64;

/// The bytes of rows a batch stops at (one longer row may pass it): far above a batch of
/// ordinary rows (256 rows of ~400 bytes), so only long rows make smaller batches.
const BATCH_BYTES: usize = 1 << 20;

/// Batches read ahead per thread, at most.
const AHEAD: usize = 4;

/// The bytes of rows read but not yet taken, at most (plus one batch): with [`BATCH_BYTES`],
/// at most 64 MB in flight across all threads (issue 17, item 10).
const IN_FLIGHT_BYTES: usize = (64 << 20) - BATCH_BYTES;

/// A spare record larger than this (grown by a long row) is not kept for reuse.
const SPARE_RECORD_BYTES: usize = 64 << 10;

/// The most ids made room for before reading ([`Inventory::open_sheet`]): 3 million, a table
/// of 4 million slots (32 MB).
const MAX_RESERVED_IDS: u64 = 3_000_000;

impl<'b> Inventory<'b> {
    /// Opens an inventory, reads its header and matches columns to fields.
    pub fn open(
        input: &Input,
        format: Option<InputFormat>,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        Inventory::open_sheet(input, format, None, book)
    }

    /// Opens an inventory as [`Inventory::open`] does; in a workbook, reads `sheet` (the first
    /// worksheet when `None`).
    pub fn open_sheet(
        input: &Input,
        format: Option<InputFormat>,
        sheet: Option<&str>,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        let label = input.label();
        let format = format.unwrap_or_else(|| InputFormat::detect(input));
        let read = match input {
            Input::Stdin => Reading::Stream(Box::new(io::stdin().lock())),
            Input::Path(p) => {
                let file = File::open(p).map_err(|e| InventoryError::Io {
                    file: label.clone(),
                    source: e,
                })?;
                // A workbook is read where its bytes are needed, not into memory.
                match format {
                    InputFormat::Xlsx => Reading::File(file),
                    _ => Reading::Stream(Box::new(file)),
                }
            }
        };
        let mut inventory = Inventory::from_read(read, format, sheet, &label, book)?;
        // A file's size tells about how many ids to make room for, so that the table of ids
        // is not built again as it grows. The first lines are only a sample: a quarter more, as
        // the table doubles when it runs out of room and, while it does, holds the old one too.
        // (At most a few million: memory stays bounded when the first lines are short.)
        if let Input::Path(p) = input {
            let size = std::fs::metadata(p).map_or(0, |m| m.len());
            if let Some(rows) = inventory.source.rows_in(size) {
                let rows = rows.saturating_add(rows / 4).min(MAX_RESERVED_IDS);
                let rows = usize::try_from(rows).unwrap_or(0);
                inventory.state.seen_ids.reserve(rows);
            }
        }
        Ok(inventory)
    }

    /// Opens an inventory from any reader; `label` names it in messages.
    pub fn from_reader(
        read: Box<dyn Read>,
        format: InputFormat,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        Inventory::from_read(Reading::Stream(read), format, None, label, book)
    }

    fn from_read(
        read: Reading,
        format: InputFormat,
        sheet: Option<&str>,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        if sheet.is_some() && format != InputFormat::Xlsx {
            return Err(InventoryError::NotAWorkbook { file: label.into() });
        }
        let finder = |rows: &[Vec<String>]| header::find(rows, book);
        let (source, unit) = match format {
            InputFormat::Xlsx => {
                let source = match read {
                    Reading::File(file) => XlsxSource::open_file(file, label, sheet, &finder)?,
                    Reading::Stream(mut read) => {
                        let bytes = read_all(&mut read, label)?;
                        XlsxSource::open(bytes, label, sheet, &finder)?
                    }
                };
                (Source::Xlsx(source), RowUnit::Sheet)
            }
            InputFormat::Csv => (
                Source::Csv(CsvSource::open_with(read.into_read(), label, &finder)?),
                RowUnit::Line,
            ),
            InputFormat::Yaml => (
                Source::Yaml(YamlSource::open(
                    read.into_read(),
                    label,
                    "outlets",
                    &|key| book.field_for_header(key),
                )?),
                RowUnit::Item,
            ),
        };
        Inventory::from_source(source, unit, label, book)
    }

    fn from_source(
        source: Source,
        unit: RowUnit,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        let headers = source.headers();
        let (report, duplicates) = ColumnReport::new(book, headers);
        if let Some(&(f, first, second)) = duplicates.first() {
            return Err(InventoryError::DuplicateColumn {
                file: label.into(),
                first: trim(&headers[first]).to_string(),
                second: trim(&headers[second]).to_string(),
                field: book.fields[f].key.clone(),
            });
        }
        let mut columns: Vec<Option<usize>> = vec![None; headers.len()];
        let mut field_columns: Vec<Option<usize>> = vec![None; book.fields.len()];
        let mut factors = Vec::new();
        for (c, _, placed) in &report.placed {
            columns[*c] = Some(placed.field);
            field_columns[placed.field] = Some(*c);
            if let Some(factor) = placed.factor {
                factors.push((*c, placed.field, factor));
            }
        }
        let extra_columns = (0..headers.len())
            .filter(|&c| columns[c].is_none())
            .collect();
        let missing: Vec<MissingColumn> = report
            .absent
            .iter()
            .filter(|a| book.fields[a.field].required)
            .map(|a| MissingColumn {
                key: book.fields[a.field].key.clone(),
                name: book.fields[a.field].name.zh.clone(),
                nearest: a.nearest.clone(),
            })
            .collect();
        if !missing.is_empty() {
            let (sheet, other_sheets) = match &source {
                Source::Xlsx(x) => (Some(x.sheet().to_string()), x.other_sheets()),
                _ => (None, Vec::new()),
            };
            return Err(InventoryError::MissingColumns {
                file: label.into(),
                missing,
                seen: headers
                    .iter()
                    .map(|h| trim(h).to_string())
                    .filter(|h| !h.is_empty())
                    .collect(),
                sheet,
                other_sheets,
            });
        }
        let plans = columns
            .iter()
            .map(|field| match *field {
                Some(f) if Some(f) != book.core.reference_type => {
                    match kind::reading(&book.fields[f].kind) {
                        kind::Reading::Verbatim => Plan::Text(f),
                        kind::Reading::Code(digits) => Plan::Code(f, digits),
                        kind::Reading::Memo { .. } => Plan::Memo(f),
                    }
                }
                _ => Plan::Skip,
            })
            .collect();
        let date_fields = (0..book.fields.len())
            .filter(|&f| {
                matches!(book.fields[f].kind, FieldKind::Date) && field_columns[f].is_some()
            })
            .collect();
        let layout = Layout {
            book,
            plans,
            separators: cell::Separators::new(&book.list_separators),
            file: Arc::from(label),
            unit,
            headers: headers.iter().map(|h| trim(h).to_string()).collect(),
            columns,
            extra_columns,
            field_columns,
            sheet: source.sheet_origin(),
            factors,
            as_of: None,
            date_fields,
        };
        let header_row = source.header_row();
        let mut inventory = Inventory {
            layout,
            source,
            state: State::default(),
            memo: CellMemo::new(book.fields.len()),
            record: records::Record::default(),
            cells: Vec::new(),
            keys: Keys::default(),
            header_problems: Vec::new(),
            columns: report,
        };
        // A YAML inventory names its keys outlet by outlet and has no header to judge.
        if unit != RowUnit::Item {
            inventory.header_problems = inventory.column_problems(header_row);
        }
        Ok(inventory)
    }

    /// The problems of the header: each field no column feeds that a required rule reads.
    fn column_problems(&self, header_row: Option<u64>) -> Vec<Problem> {
        let book = self.layout.book;
        self.columns
            .absent
            .iter()
            .filter_map(|a| {
                let severity = a.severity?;
                let field = &book.fields[a.field];
                let kind = ProblemKind::AbsentColumn {
                    field: field.name.clone(),
                    key: field.key.clone(),
                    rules: a.rules.clone(),
                    nearest: a.nearest.clone(),
                    fails: severity == Severity::Error,
                };
                let mut p = self.layout.problem(severity, header_row, None, None, kind);
                // The header row, not a cell: a workbook names the row (台账!3:3).
                if let Some(cell) = &mut p.cell {
                    cell.column = None;
                }
                Some(p)
            })
            .collect()
    }

    /// Grades as of `date`: an update date after it is a data error, and counts as missing
    /// (DOMAIN "Freshness": a date to come cannot show freshness).
    pub fn set_as_of(&mut self, date: Option<jiff::civil::Date>) {
        self.layout.as_of = date;
    }

    /// Which column fed each field, which were left unplaced, which fields none feeds.
    pub fn columns(&self) -> &ColumnReport {
        &self.columns
    }

    /// The headers as the report names them: (field index, header) for every placed column.
    pub fn column_headers(&self) -> &[String] {
        &self.layout.headers
    }

    /// In a workbook: the sheet read, and the sheets passed over before it for want of the
    /// required columns.
    pub fn sheet_read(&self) -> Option<(String, Vec<String>)> {
        match &self.source {
            Source::Xlsx(x) => Some((x.sheet().to_string(), x.passed_over().to_vec())),
            _ => None,
        }
    }

    /// In a workbook: the sheet read, the 0-based column of its header's first column, and the
    /// row number (1-based) of the header's last row; the header's names are
    /// [`Inventory::column_headers`], one per column from that one.
    pub fn sheet_header(&self) -> Option<(Arc<str>, u32, u64)> {
        let (sheet, column) = self.source.sheet_origin()?;
        Some((sheet, column, self.source.header_row()?))
    }

    /// The file's label, as problems name it.
    pub fn file(&self) -> &Arc<str> {
        &self.layout.file
    }

    /// The headers of the columns no field knows, in order.
    pub fn extra_headers(&self) -> Vec<String> {
        self.layout
            .extra_columns
            .iter()
            .map(|&c| self.layout.headers[c].clone())
            .collect()
    }

    /// Whether the inventory has a column for `field`.
    pub fn has_field(&self, field: usize) -> bool {
        self.layout
            .field_columns
            .get(field)
            .copied()
            .flatten()
            .is_some()
    }

    /// Whether an outlet with this id has been read.
    pub fn has_id(&self, id: &str) -> bool {
        self.state.seen_ids.get(id).is_some()
    }

    /// How many data rows have been read so far.
    pub fn rows_read(&self) -> u64 {
        self.state.rows
    }

    /// The next outlet that can be graded. Rows that cannot (no id, a repeated id, no type) are
    /// reported in `problems` and skipped. At the end, an inventory with no rows adds a warning.
    pub fn next_outlet(
        &mut self,
        problems: &mut impl Extend<Problem>,
    ) -> Result<Option<Outlet>, InventoryError> {
        if !self.header_problems.is_empty() {
            problems.extend(std::mem::take(&mut self.header_problems));
        }
        loop {
            let record = std::mem::take(&mut self.record);
            let Some(mut raw) = self.source.next_raw(record)? else {
                self.state.finish(&self.layout, problems);
                return Ok(None);
            };
            let staged = self
                .layout
                .stage_raw(&mut raw, &mut self.memo, &mut self.cells);
            if let RawRow::Record { record, .. } = raw {
                self.record = record;
            }
            self.keys.clear();
            let key = self.layout.key(&mut self.keys, &staged);
            let (typed, outlet) = staged.typed(key);
            if self.state.admit(&self.layout, typed, &self.keys, problems)
                && let Some(outlet) = outlet
            {
                return Ok(Some(outlet));
            }
        }
    }

    /// Reads every outlet as [`Inventory::next_outlet`] does, on `threads` threads: each row is
    /// typed and given to `work` on any thread (and dropped there), then `take` gets what `work`
    /// made of the outlets that can be graded, in the inventory's order. Problems come in the
    /// same order as from [`Inventory::next_outlet`], and so does everything else: the number of
    /// threads changes only the speed.
    ///
    /// `work` may also write text for an outlet (its report lines) at the end of a `String`;
    /// `take` gets that text with the rest. (The text of many outlets shares one buffer, used
    /// again and again: no line is allocated on one thread and freed on another.)
    ///
    /// Rows go to the threads in batches ([`BATCH`] rows, at most [`BATCH_BYTES`] of them but
    /// for one longer row) through [`pipeline::map`], which reads ahead at most [`AHEAD`]
    /// batches a thread and [`IN_FLIGHT_BYTES`] of rows: 1 MB rows take megabytes, not
    /// gigabytes. A panic on a typing thread (a bug) is raised again on this one.
    pub fn each_outlet<T, E>(
        &mut self,
        threads: usize,
        problems: &mut impl Extend<Problem>,
        work: impl Fn(&Outlet, &mut String) -> T + Sync,
        mut take: impl FnMut(T, &str) -> Result<(), E>,
    ) -> Result<(), E>
    where
        T: Send,
        E: From<InventoryError>,
    {
        if !self.header_problems.is_empty() {
            problems.extend(std::mem::take(&mut self.header_problems));
        }
        if threads <= 1 {
            let mut text = String::new();
            while let Some(outlet) = self.next_outlet(problems)? {
                text.clear();
                let made = work(&outlet, &mut text);
                take(made, &text)?;
            }
            return Ok(());
        }
        let Inventory {
            layout,
            source,
            state,
            ..
        } = self;
        let layout = &*layout;
        let fields = layout.book.fields.len();
        // Records and text buffers of batches taken, to read the next ones into (shared by the
        // reading and the taking side, both on this thread).
        let spare = RefCell::new(Spare::default());
        let limits = pipeline::Limits {
            items: threads * AHEAD,
            bytes: IN_FLIGHT_BYTES,
        };
        // A workbook's rows are typed cells, each text its own allocation, not the bytes of a
        // record used again: fewer of them are read ahead.
        let batch = match source {
            Source::Xlsx(_) => SHEET_BATCH,
            Source::Csv(_) | Source::Yaml(_) => BATCH,
        };
        let read = || -> Result<Option<(Batch, usize)>, E> {
            let mut spare = spare.borrow_mut();
            let mut raws = Vec::with_capacity(batch);
            let mut bytes = 0;
            while raws.len() < batch && bytes < BATCH_BYTES {
                let record = spare.records.pop().unwrap_or_default();
                match source.next_raw(record)? {
                    Some(raw) => {
                        bytes += raw.bytes();
                        raws.push(raw);
                    }
                    None => break,
                }
            }
            if raws.is_empty() {
                return Ok(None);
            }
            let text = spare.texts.pop().unwrap_or_default();
            Ok(Some((Batch { raws, text }, bytes)))
        };
        // Types a batch of rows and gives each outlet to `work`, on any thread.
        let type_batch = |(memo, cells): &mut (CellMemo, Vec<Cell<'static>>), batch: Batch| {
            let Batch { mut raws, mut text } = batch;
            let mut keys = Keys::default();
            text.clear();
            let rows = raws
                .iter_mut()
                .map(|raw| {
                    let staged = layout.stage_raw(raw, memo, cells);
                    let made = (staged.outlet.as_ref()).map(|o| (work(o, &mut text), text.len()));
                    let key = layout.key(&mut keys, &staged);
                    // The outlet is dropped here, on the thread that made it.
                    (staged.typed(key).0, made)
                })
                .collect();
            TypedBatch {
                keys,
                rows,
                raws,
                text,
            }
        };
        let result = pipeline::map(
            threads,
            limits,
            read,
            || (CellMemo::new(fields), Vec::new()),
            type_batch,
            |batch: TypedBatch<T>| -> Result<(), E> {
                let TypedBatch {
                    keys,
                    rows,
                    raws,
                    text,
                } = batch;
                state.prefetch(&keys, rows.iter().map(|(typed, _)| &typed.key));
                let mut start = 0;
                for (typed, made) in rows {
                    let admitted = state.admit(layout, typed, &keys, problems);
                    if let Some((made, end)) = made {
                        if admitted {
                            take(made, &text[start..end])?;
                        }
                        start = end;
                    }
                }
                spare.borrow_mut().recycle(raws, text);
                Ok(())
            },
        );
        match result {
            Ok(()) => {}
            Err(pipeline::Stop::Error(e)) => return Err(e),
            Err(pipeline::Stop::Panic(payload)) => std::panic::resume_unwind(payload),
        }
        state.finish(layout, problems);
        Ok(())
    }
}

/// Where an inventory is read from: a stream, or the file of a workbook (read where it is needed).
enum Reading {
    Stream(Box<dyn Read>),
    File(File),
}

impl Reading {
    fn into_read(self) -> Box<dyn Read> {
        match self {
            Reading::Stream(read) => read,
            Reading::File(file) => Box::new(file),
        }
    }
}

/// Rows on their way to a typing thread, and a buffer for the text `work` writes.
struct Batch {
    raws: Vec<RawRow<'static>>,
    text: String,
}

/// A batch typed: its rows' keys, each row with what `work` made of its outlet and where that
/// outlet's text ends, and the batch's rows and text to use again.
struct TypedBatch<T> {
    keys: Keys,
    rows: Vec<(Typed, Option<(T, usize)>)>,
    raws: Vec<RawRow<'static>>,
    text: String,
}

/// Records and text buffers to read the next batches into.
#[derive(Default)]
struct Spare {
    records: Vec<records::Record>,
    texts: Vec<String>,
}

impl Spare {
    /// Keeps a taken batch's records and text; a record grown by a long row is let go, so that
    /// a few long rows do not keep their memory for the rest of the run.
    fn recycle(&mut self, raws: Vec<RawRow<'static>>, text: String) {
        for raw in raws {
            if let RawRow::Record { record, .. } = raw
                && record.capacity() <= SPARE_RECORD_BYTES
            {
                self.records.push(record);
            }
        }
        self.texts.push(text);
    }
}

impl fmt::Debug for Inventory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inventory")
            .field("file", &self.layout.file)
            .finish()
    }
}
