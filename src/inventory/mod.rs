//! The inventory: files of outlets, one row each, read into typed [`Outlet`]s.
//!
//! Reading streams: [`Inventory::next_outlet`] yields one outlet at a time and records every data
//! problem it meets; only the ids seen so far are kept (to find duplicates). A cell that cannot be
//! read counts as missing and is reported with its row, column and value; the run goes on.

pub mod cell;
mod ids;
pub mod records;
pub mod source;
mod table;
pub mod xlsx;

use std::collections::hash_map::Entry;
use std::fmt;
use std::fs::File;
use std::hash::Hasher;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use crate::problem::{Problem, ProblemKind, RowUnit, Severity, SheetRef};
use crate::rulebook::{FieldKind, Rulebook};
use crate::text::{Lang, trim};
pub use cell::{Cell, Value};
use source::{CsvSource, RawRow, Source, YamlSource};
use xlsx::XlsxSource;

/// Where the inventory comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input.
    pub fn from_arg(arg: &Path) -> Input {
        if arg == Path::new("-") {
            Input::Stdin
        } else {
            Input::Path(arg.to_path_buf())
        }
    }

    pub fn label(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// The format of an inventory file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Csv,
    Yaml,
    /// A workbook: .xlsx, .xlsm, .xlsb, .xls or .ods (told apart by content).
    #[value(alias = "xls", alias = "xlsm", alias = "xlsb", alias = "ods")]
    Xlsx,
}

impl InputFormat {
    /// By the file's extension; CSV when it says nothing (and for standard input).
    pub fn detect(input: &Input) -> InputFormat {
        match input {
            Input::Path(p) => match p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("yaml" | "yml") => InputFormat::Yaml,
                Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => InputFormat::Xlsx,
                _ => InputFormat::Csv,
            },
            Input::Stdin => InputFormat::Csv,
        }
    }
}

/// Why an inventory could not be read at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: io::Error },
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: the file is UTF-16 text; save it as CSV (UTF-8 or GBK)")]
    Utf16 { file: String },
    #[error("{file}: this is not a text file (it contains NUL bytes)")]
    Binary { file: String },
    #[error("{file}: {message}")]
    Csv { file: String, message: String },
    #[error("{file}: invalid YAML inventory: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: cannot read the workbook: {message}")]
    Workbook { file: String, message: String },
    #[error("{file}: {refusal}")]
    Refused {
        file: String,
        refusal: xlsx::guard::Refusal,
    },
    #[error("{file}: no sheet named `{sheet}`{}; sheets: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), sheets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))]
    NoSheet {
        file: String,
        sheet: String,
        sheets: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("{file}: not a workbook; a sheet can be chosen only in .xlsx, .xls or .ods files")]
    NotAWorkbook { file: String },
    #[error("{file}: missing required column{}: {}", if missing.len() == 1 { "" } else { "s" }, missing.iter().map(|(k, zh)| format!("`{zh}` ({k})")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        file: String,
        missing: Vec<(String, String)>,
    },
    #[error("{file}: columns `{first}` and `{second}` both name field `{field}`")]
    DuplicateColumn {
        file: String,
        first: String,
        second: String,
        field: String,
    },
}

impl InventoryError {
    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            InventoryError::Io { file, source } => format!("{file}: 无法读取: {source}"),
            InventoryError::Empty { file } => format!("{file}: 文件为空"),
            InventoryError::Utf16 { file } => {
                format!("{file}: 文件是 UTF-16 文本;请另存为 CSV(UTF-8 或 GBK)")
            }
            InventoryError::Binary { file } => format!("{file}: 不是文本文件(含有 NUL 字节)"),
            InventoryError::Csv { file, message } => format!("{file}: {message}"),
            InventoryError::Yaml { file, message } => format!("{file}: YAML 清单无效: {message}"),
            InventoryError::Workbook { file, message } => {
                format!("{file}: 无法读取工作簿: {message}")
            }
            InventoryError::Refused { file, refusal } => {
                format!("{file}: {}", refusal.render(lang))
            }
            InventoryError::NoSheet {
                file,
                sheet,
                sheets,
                suggestion,
            } => format!(
                "{file}: 没有名为「{sheet}」的工作表{};现有工作表: {}",
                suggestion
                    .as_ref()
                    .map(|s| format!("(是否想写「{s}」?)"))
                    .unwrap_or_default(),
                sheets
                    .iter()
                    .map(|s| format!("「{s}」"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            InventoryError::NotAWorkbook { file } => {
                format!("{file}: 不是工作簿;只有 .xlsx、.xls 或 .ods 文件可以选择工作表")
            }
            InventoryError::MissingColumns { file, missing } => format!(
                "{file}: 缺少必填列: {}",
                missing
                    .iter()
                    .map(|(k, zh)| format!("「{zh}」({k})"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            InventoryError::DuplicateColumn {
                file,
                first,
                second,
                field,
            } => {
                format!("{file}: 列「{first}」和「{second}」对应同一字段 `{field}`")
            }
        }
    }
}

/// One outlet, read and typed.
#[derive(Clone, Debug)]
pub struct Outlet {
    /// Its row: the CSV line or YAML item.
    pub row: u64,
    pub id: String,
    pub name: String,
    /// Its type (index into the rulebook's types).
    pub type_: usize,
    /// The type it is graded as: its own, or for a partner outlet the reference type.
    pub grading_type: usize,
    pub claimed: Option<u8>,
    /// Every field's value, by field index.
    pub values: Vec<Value>,
    /// The cells of columns that no field knows, in column order, passed through.
    pub extras: Vec<String>,
    /// How many data errors its row has.
    pub errors: u32,
    /// The cells that could not be read (and so count as missing), by field: what they said.
    pub unreadable: Vec<(usize, String)>,
}

impl Outlet {
    pub fn value(&self, field: usize) -> &Value {
        self.values.get(field).unwrap_or(&Value::Missing)
    }
}

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
}

/// What every row is read against: the rulebook, the columns, and how problems name a place. It
/// does not change once the header is read, so the threads that type rows share it.
struct Layout<'b> {
    book: &'b Rulebook,
    file: Arc<str>,
    unit: RowUnit,
    /// The headers, trimmed, as problems name the columns.
    headers: Vec<String>,
    /// The field of each column, if any.
    columns: Vec<Option<usize>>,
    /// The columns no field knows.
    extra_columns: Vec<usize>,
    /// How each column is read.
    plans: Vec<Plan>,
    /// The rulebook's list separators, ready.
    separators: cell::Separators,
    /// The column of each field, if present.
    field_columns: Vec<Option<usize>>,
    /// In a workbook: the sheet, and its column of the first header column.
    sheet: Option<(Arc<str>, u32)>,
}

/// How [`Layout::stage`] reads a column's cells, by the kind of its field.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// No field, or one read apart (the reference type).
    Skip,
    /// Text, taken as it is (trimmed).
    Text(usize),
    /// A code of so many digits.
    Code(usize, usize),
    /// Any other kind: read once per spelling, then taken from the [`CellMemo`].
    Memo(usize),
}

/// The cells of a row being typed: decoded already, or those of a CSV record that is valid UTF-8
/// as a whole, read one at a time from it ([`source::Decoder::cell`]).
enum Cells<'a> {
    Decoded(&'a [Cell<'a>]),
    Record {
        whole: &'a str,
        record: &'a records::Record,
        decoder: source::Decoder,
    },
}

impl<'a> Cells<'a> {
    /// Cell `c`, borrowing its text.
    fn get(&self, c: usize) -> Option<Cell<'a>> {
        match self {
            Cells::Decoded(cells) => cells.get(c).map(|cell| match cell {
                Cell::Text(text) => Cell::Text(std::borrow::Cow::Borrowed(&**text)),
                other => other.clone(),
            }),
            Cells::Record {
                whole,
                record,
                decoder,
            } => (c < decoder.width()).then(|| decoder.cell(whole, record, c)),
        }
    }
}

/// What reading in order keeps from row to row: the rows counted, the ids seen, and the
/// division-code prefix of each region.
#[derive(Default)]
struct State {
    seen_ids: ids::SeenIds,
    rows: u64,
    finished: bool,
    /// For each region (its column and path of names, as one [`region_key`]): the key, the
    /// division-code prefix first seen with it ([`pack_prefix`]), and where. Kept small, as it
    /// is looked up several times for every row: slots of 24 bytes.
    region_prefixes: table::Table<(u64, u64, u64)>,
    /// The same, for the prefixes that do not pack (longer than 15 digits, or not all digits).
    long_prefixes: rustc_hash::FxHashMap<u64, (Box<str>, u64)>,
}

/// A region's key: its column and the hash of its path of names. Never 0, which marks a free
/// slot of [`State::region_prefixes`] (a key of 0 becomes 1: both are as unlikely as any other
/// collision of the hashes).
fn region_key(region: &RegionKey) -> u64 {
    (region.path ^ (region.field as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)).max(1)
}

/// A division-code prefix of at most 15 digits as one word: four bits a digit, under their
/// count (the top four bits). `None` for any other prefix.
fn pack_prefix(prefix: &str) -> Option<u64> {
    let b = prefix.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let digits = b.iter().try_fold(0u64, |word, &d| {
        d.is_ascii_digit().then(|| word << 4 | u64::from(d - b'0'))
    })?;
    Some((b.len() as u64) << 60 | digits)
}

/// The digits of a [`pack_prefix`] word.
fn unpack_prefix(word: u64) -> String {
    let len = (word >> 60) as usize;
    (0..len)
        .rev()
        .map(|i| char::from(b'0' + ((word >> (4 * i)) & 0xf) as u8))
        .collect()
}

/// What the in-order checks need of a row (its id and, for an outlet with a division code, the
/// code and its regions), made on the thread that typed the row so that the row itself can be
/// dropped there. The texts of many rows share one [`Keys`].
#[derive(Clone, Debug, Default)]
struct Key {
    /// The id's place in [`Keys::text`], and its [`ids::SeenIds::hash`].
    id: Option<(Span, u64)>,
    /// The division code's place in [`Keys::text`].
    code: Span,
    /// This row's entries in [`Keys::regions`].
    regions: Span,
}

/// `start..end` in a [`Keys`] buffer.
type Span = (usize, usize);

/// A region of an outlet with a division code: its region column, the hash of its path of names
/// (a region is known by its name under its parents: two counties may each have a 城关镇), its
/// name's place in [`Keys::text`], and the length of the code prefix that names it.
#[derive(Clone, Debug)]
struct RegionKey {
    field: usize,
    path: u64,
    name: Span,
    prefix: usize,
}

/// The texts and regions of the [`Key`]s of a batch of rows.
#[derive(Debug, Default)]
struct Keys {
    text: String,
    regions: Vec<RegionKey>,
}

impl Keys {
    fn clear(&mut self) {
        self.text.clear();
        self.regions.clear();
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        (start, self.text.len())
    }

    fn text(&self, (start, end): Span) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }
}

/// For each field: cells already read cleanly, and what they read as. A field's cells are spelled
/// the same few ways by many outlets (是, 否, 2, 独立, a list of services), so a cell seen before is
/// not parsed again. Each field has a table of slots chosen by the cell's hash, a later cell taking
/// the slot of an earlier one: memory stays bounded (short cells only) whatever the input, and the
/// table follows the spellings of the part of the inventory being read. Each thread that types
/// rows keeps its own.
struct CellMemo {
    /// Per field: its slots (none until a cell of it is remembered).
    tables: Vec<Vec<Remembered>>,
}

/// A slot of a [`CellMemo`]: a cell and its value, or nothing yet.
#[derive(Clone, Debug)]
struct Remembered {
    key: MemoKey,
    value: Value,
}

/// The cell a [`CellMemo`] slot remembers. Most cells (是, 2, 独立, a date) are at most 16 bytes:
/// those are kept in the slot as two words ([`pack`]), compared without following a pointer.
#[derive(Clone, Debug)]
enum MemoKey {
    Free,
    Short { len: u8, words: (u64, u64) },
    Long(Box<str>),
}

/// Slots per field: lists, whose spellings vary the most, get more.
const MEMO_SLOTS: usize = 512;
const MEMO_LIST_SLOTS: usize = 4_096;
/// Longer cells are not remembered.
const MEMO_CELL_BYTES: usize = 512;
/// Cells of up to this many bytes are [`MemoKey::Short`].
const MEMO_SHORT_BYTES: usize = 16;

/// A text of at most [`MEMO_SHORT_BYTES`] bytes as two words that, with its length, tell it from
/// any other such text (the words may overlap, or repeat a byte, but together with the length
/// they cover every byte once at a known place).
#[inline]
fn pack(b: &[u8]) -> Option<(u64, u64)> {
    let n = b.len();
    let word = |i: usize| {
        u64::from_le_bytes(
            b.get(i..i + 8)
                .and_then(|w| w.try_into().ok())
                .unwrap_or([0; 8]),
        )
    };
    let half = |i: usize| {
        u64::from(u32::from_le_bytes(
            b.get(i..i + 4)
                .and_then(|w| w.try_into().ok())
                .unwrap_or([0; 4]),
        ))
    };
    match n {
        0 => Some((0, 0)),
        1..4 => Some((
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        )),
        4..8 => Some((half(0) | half(n - 4) << 32, 0)),
        8..=MEMO_SHORT_BYTES => Some((word(0), word(n - 8))),
        _ => None,
    }
}

impl CellMemo {
    fn new(fields: usize) -> CellMemo {
        CellMemo {
            tables: vec![Vec::new(); fields],
        }
    }

    /// The slot of a short text, [`pack`]ed as `words`, in a table of `len` slots (a power of
    /// two).
    #[inline]
    fn short_slot(words: (u64, u64), n: usize, len: usize) -> usize {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let h = (words.0.wrapping_mul(K) ^ words.1 ^ n as u64).wrapping_mul(K);
        // The high bits, which every bit of the words reaches.
        h.checked_shr(u64::BITS - len.trailing_zeros()).unwrap_or(0) as usize & (len - 1)
    }

    /// The slot of a longer text in a table of `len` slots (a power of two).
    fn long_slot(text: &[u8], len: usize) -> usize {
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(text);
        (hasher.finish() as usize) & (len - 1)
    }

    /// What `cell`, a cell of field `f`, read as, if remembered.
    #[inline(always)]
    fn recall(&self, f: usize, cell: &Cell) -> Option<&Value> {
        match cell {
            Cell::Text(text) => self.recall_text(f, text),
            _ => None,
        }
    }

    /// What `text`, a text cell of field `f`, read as, if remembered.
    #[inline(always)]
    fn recall_text(&self, f: usize, text: &str) -> Option<&Value> {
        // A field with no table has nothing remembered (and text and codes never do).
        let table = self.tables.get(f).filter(|t| !t.is_empty())?;
        let b = text.as_bytes();
        match pack(b) {
            Some(words) => {
                let slot = table.get(CellMemo::short_slot(words, b.len(), table.len()))?;
                match slot.key {
                    MemoKey::Short { len, words: w }
                        if usize::from(len) == b.len() && w == words =>
                    {
                        Some(&slot.value)
                    }
                    _ => None,
                }
            }
            None => {
                let slot = table.get(CellMemo::long_slot(b, table.len()))?;
                match &slot.key {
                    MemoKey::Long(k) if k.as_bytes() == b => Some(&slot.value),
                    _ => None,
                }
            }
        }
    }

    /// Remembers that `text`, a cell of field `f`, read as `value`.
    fn put(&mut self, f: usize, list: bool, text: &str, value: &Value) {
        if text.len() > MEMO_CELL_BYTES {
            return;
        }
        let Some(table) = self.tables.get_mut(f) else {
            return;
        };
        if table.is_empty() {
            let slots = if list { MEMO_LIST_SLOTS } else { MEMO_SLOTS };
            let free = Remembered {
                key: MemoKey::Free,
                value: Value::Missing,
            };
            table.resize(slots, free);
        }
        let b = text.as_bytes();
        let (slot, key) = match pack(b) {
            Some(words) => (
                CellMemo::short_slot(words, b.len(), table.len()),
                MemoKey::Short {
                    len: b.len() as u8,
                    words,
                },
            ),
            None => (
                CellMemo::long_slot(b, table.len()),
                MemoKey::Long(text.into()),
            ),
        };
        table[slot] = Remembered {
            key,
            value: value.clone(),
        };
    }
}

/// A row typed on its own, before the checks that depend on the rows before it (a repeated id,
/// a region's division code).
struct Staged {
    number: u64,
    /// Its problems in the order they are reported; those from `split` on come after the id
    /// check, and are dropped with the row when its id repeats an earlier one.
    problems: Vec<Problem>,
    split: usize,
    /// The id, when the row has one but no outlet (its type is missing).
    id: Option<String>,
    outlet: Option<Outlet>,
}

impl Staged {
    /// The row without its outlet, with its [`Key`].
    fn typed(self, key: Key) -> (Typed, Option<Outlet>) {
        let Staged {
            number,
            problems,
            split,
            outlet,
            ..
        } = self;
        let typed = Typed {
            number,
            problems,
            split,
            key,
        };
        (typed, outlet)
    }
}

/// A typed row as the in-order checks take it: its problems (those from `split` on come after
/// the id check) and its [`Key`].
struct Typed {
    number: u64,
    problems: Vec<Problem>,
    split: usize,
    key: Key,
}

/// Why reading in parallel stopped early: an error, or a panic on a grading thread.
enum Stop<E> {
    Error(E),
    Panic(Box<dyn std::any::Any + Send>),
}

/// Rows handed to a grading thread at a time: enough to make handing them over cheap, few
/// enough to keep every thread busy and memory small.
const BATCH: usize = 256;

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
        let read: Box<dyn Read> = match input {
            Input::Stdin => Box::new(io::stdin().lock()),
            Input::Path(p) => Box::new(File::open(p).map_err(|e| InventoryError::Io {
                file: label.clone(),
                source: e,
            })?),
        };
        let format = format.unwrap_or_else(|| InputFormat::detect(input));
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
        Inventory::from_read(read, format, None, label, book)
    }

    fn from_read(
        mut read: Box<dyn Read>,
        format: InputFormat,
        sheet: Option<&str>,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        if sheet.is_some() && format != InputFormat::Xlsx {
            return Err(InventoryError::NotAWorkbook { file: label.into() });
        }
        let (source, unit) = match format {
            InputFormat::Xlsx => {
                let bytes = read_all(&mut read, label)?;
                let known = |h: &str| book.field_for_header(h).is_some();
                let source = XlsxSource::open(bytes, label, sheet, &known)?;
                (Source::Xlsx(source), RowUnit::Sheet)
            }
            InputFormat::Csv => (Source::Csv(CsvSource::open(read, label)?), RowUnit::Line),
            InputFormat::Yaml => (
                Source::Yaml(YamlSource::open(read, label, "outlets", &|key| {
                    book.field_for_header(key)
                })?),
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
        let mut columns = Vec::with_capacity(headers.len());
        let mut field_columns: Vec<Option<usize>> = vec![None; book.fields.len()];
        let mut extra_columns = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            let field = book.field_for_header(h);
            if let Some(f) = field {
                if let Some(first) = field_columns[f] {
                    return Err(InventoryError::DuplicateColumn {
                        file: label.into(),
                        first: trim(&headers[first]).to_string(),
                        second: trim(h).to_string(),
                        field: book.fields[f].key.clone(),
                    });
                }
                field_columns[f] = Some(c);
            } else {
                extra_columns.push(c);
            }
            columns.push(field);
        }
        let missing: Vec<(String, String)> = book
            .fields
            .iter()
            .zip(&field_columns)
            .filter(|(f, c)| f.required && c.is_none())
            .map(|(f, _)| (f.key.clone(), f.name.zh.clone()))
            .collect();
        if !missing.is_empty() {
            return Err(InventoryError::MissingColumns {
                file: label.into(),
                missing,
            });
        }
        let plans = columns
            .iter()
            .map(|field| match *field {
                Some(f) if Some(f) != book.core.reference_type => match book.fields[f].kind {
                    FieldKind::Text => Plan::Text(f),
                    FieldKind::Code { digits } => Plan::Code(f, digits),
                    _ => Plan::Memo(f),
                },
                _ => Plan::Skip,
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
        };
        Ok(Inventory {
            layout,
            source,
            state: State::default(),
            memo: CellMemo::new(book.fields.len()),
            record: records::Record::default(),
            cells: Vec::new(),
            keys: Keys::default(),
        })
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
            if self.state.admit(&self.layout, typed, &self.keys, problems) {
                if let Some(outlet) = outlet {
                    return Ok(Some(outlet));
                }
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
        // A batch: its rows, typed, and what `work` made of each outlet with the end of its text.
        type Batch<T> = std::thread::Result<(Keys, Vec<(Typed, Option<(T, usize)>)>)>;
        type Done<T> = (u64, Batch<T>, Vec<RawRow<'static>>, String);
        type Job = (u64, Vec<RawRow<'static>>, String);
        let (jobs, job_queue) = mpsc::sync_channel::<Job>(threads * 2);
        let job_queue = Mutex::new(job_queue);
        let (done, finished) = mpsc::sync_channel::<Done<T>>(threads * 2);
        // Types a batch of rows and gives each outlet to `work`. A panic (a bug) is caught: it
        // goes to the reading thread, which raises it again, and must not leave that thread
        // waiting for the batch.
        let type_batch = |raws: &mut [RawRow],
                          text: &mut String,
                          memo: &mut CellMemo,
                          cells: &mut Vec<Cell<'static>>| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut keys = Keys::default();
                text.clear();
                let rows = raws
                    .iter_mut()
                    .map(|raw| {
                        let staged = layout.stage_raw(raw, memo, cells);
                        let made = (staged.outlet.as_ref()).map(|o| (work(o, text), text.len()));
                        let key = layout.key(&mut keys, &staged);
                        // The outlet is dropped here, on the thread that made it.
                        (staged.typed(key).0, made)
                    })
                    .collect();
                (keys, rows)
            }))
        };
        std::thread::scope(|scope| {
            // The reading thread types rows too, when it has nothing else to do: with one
            // thread fewer than asked for, every thread has a core.
            for _ in 1..threads {
                let (job_queue, done, type_batch) = (&job_queue, done.clone(), &type_batch);
                scope.spawn(move || {
                    let mut memo = CellMemo::new(fields);
                    // A CSV record is decoded here, into cells reused from row to row.
                    let mut cells = Vec::new();
                    loop {
                        let job = match job_queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => break,
                        };
                        let Ok((seq, mut raws, mut text)) = job else {
                            break;
                        };
                        let typed = type_batch(&mut raws, &mut text, &mut memo, &mut cells);
                        let panicked = typed.is_err();
                        if done.send((seq, typed, raws, text)).is_err() || panicked {
                            break;
                        }
                    }
                });
            }
            drop(done);
            // Read ahead a few batches per thread; take the results in order.
            let ahead = threads as u64 * 4;
            let mut spare = Vec::new();
            // Buffers for the text of a batch, used again once it is taken.
            let mut texts: Vec<String> = Vec::new();
            let (mut memo, mut cells) = (CellMemo::new(fields), Vec::new());
            let mut run = || -> Result<(), Stop<E>> {
                let (mut sent, mut taken, mut end) = (0u64, 0u64, false);
                let mut waiting = std::collections::BTreeMap::new();
                loop {
                    // A batch typed here, because every grading thread was busy.
                    let mut own = None;
                    while own.is_none() && !end && sent - taken < ahead {
                        let mut raws = Vec::with_capacity(BATCH);
                        while raws.len() < BATCH {
                            let next = source.next_raw(spare.pop().unwrap_or_default());
                            match next.map_err(|e| Stop::Error(e.into()))? {
                                Some(raw) => raws.push(raw),
                                None => {
                                    end = true;
                                    break;
                                }
                            }
                        }
                        if raws.is_empty() {
                            break;
                        }
                        let text = texts.pop().unwrap_or_default();
                        match jobs.try_send((sent, raws, text)) {
                            Ok(()) => {}
                            Err(mpsc::TrySendError::Full((seq, mut raws, mut text))) => {
                                let typed = type_batch(&mut raws, &mut text, &mut memo, &mut cells);
                                own = Some((seq, typed, raws, text));
                            }
                            Err(mpsc::TrySendError::Disconnected(_)) => {
                                return Err(Stop::Panic(Box::new("every grading thread stopped")));
                            }
                        }
                        sent += 1;
                    }
                    if taken == sent {
                        return Ok(());
                    }
                    // A batch typed by now; else one still queued, typed here; else wait. (A
                    // grading thread waits for a job holding the queue's lock: the queue is
                    // empty then, and this thread does not wait for the lock.)
                    let queued = || job_queue.try_lock().ok()?.try_recv().ok();
                    let next = match own.map_or_else(|| finished.try_recv(), Ok) {
                        Ok(batch) => Ok(batch),
                        Err(mpsc::TryRecvError::Empty) => match queued() {
                            Some((seq, mut raws, mut text)) => {
                                let typed = type_batch(&mut raws, &mut text, &mut memo, &mut cells);
                                Ok((seq, typed, raws, text))
                            }
                            None => finished.recv().map_err(|_| ()),
                        },
                        Err(mpsc::TryRecvError::Disconnected) => Err(()),
                    };
                    let Ok((seq, typed, raws, text)) = next else {
                        return Err(Stop::Panic(Box::new("every grading thread stopped")));
                    };
                    let typed = typed.map_err(Stop::Panic)?;
                    for raw in raws {
                        if let RawRow::Record { record, .. } = raw {
                            spare.push(record);
                        }
                    }
                    waiting.insert(seq, (typed, text));
                    while let Some(((keys, rows), text)) = waiting.remove(&taken) {
                        taken += 1;
                        state.prefetch(&keys, rows.iter().map(|(typed, _)| &typed.key));
                        let mut start = 0;
                        for (typed, made) in rows {
                            let admitted = state.admit(layout, typed, &keys, problems);
                            if let Some((made, end)) = made {
                                if admitted {
                                    take(made, &text[start..end]).map_err(Stop::Error)?;
                                }
                                start = end;
                            }
                        }
                        texts.push(text);
                    }
                }
            };
            let result = run();
            // Let the grading threads finish, then raise their panic, if any, here.
            drop(jobs);
            drop(finished);
            match result {
                Ok(()) => Ok(()),
                Err(Stop::Error(e)) => Err(e),
                Err(Stop::Panic(payload)) => std::panic::resume_unwind(payload),
            }
        })?;
        state.finish(layout, problems);
        Ok(())
    }
}

impl State {
    /// At the end: an inventory with no rows gets a warning.
    fn finish(&mut self, layout: &Layout, problems: &mut impl Extend<Problem>) {
        if self.rows == 0 && !self.finished {
            let empty = layout.problem(Severity::Warning, None, None, None, ProblemKind::Empty);
            problems.extend([empty]);
        }
        self.finished = true;
    }

    /// Asks the processor to fetch, without waiting, where the ids and regions of these rows
    /// will be looked up as they are admitted: a batch's lookups then wait for memory together
    /// rather than one after another.
    fn prefetch<'k>(&self, keys: &Keys, rows: impl Iterator<Item = &'k Key>) {
        for key in rows {
            if let Some((_, hash)) = key.id {
                self.seen_ids.prefetch(hash);
            }
            for region in keys
                .regions
                .get(key.regions.0..key.regions.1)
                .unwrap_or_default()
            {
                self.region_prefixes.prefetch(region_key(region));
            }
        }
    }

    /// Takes a typed row in order: reports its problems, refuses a repeated id and checks its
    /// division code against earlier rows. False when the row is refused.
    fn admit(
        &mut self,
        layout: &Layout,
        typed: Typed,
        keys: &Keys,
        problems: &mut impl Extend<Problem>,
    ) -> bool {
        self.rows += 1;
        let Typed {
            number: n,
            problems: own,
            split,
            key,
        } = typed;
        let mut own = own.into_iter();
        problems.extend(own.by_ref().take(split));
        let Some((id, hash)) = key.id else {
            return false;
        };
        let id = keys.text(id);
        if let Some(first_row) = self.seen_ids.first_or_insert_hashed(hash, id, n) {
            let column = layout.field_columns[layout.book.core.id];
            problems.extend([layout.problem(
                Severity::Error,
                Some(n),
                column,
                Some(id.to_string()),
                ProblemKind::DuplicateId { first_row },
            )]);
            return false;
        }
        problems.extend(own);
        self.check_regions(layout, n, keys, &key, problems);
        true
    }

    /// Warns where the division code contradicts the codes of earlier outlets with the same
    /// province, city, county or township; only the coarsest contradiction of a row is reported.
    fn check_regions(
        &mut self,
        layout: &Layout,
        n: u64,
        keys: &Keys,
        key: &Key,
        problems: &mut impl Extend<Problem>,
    ) {
        let book = layout.book;
        let (Some(checks), Some(regions)) = (
            &book.code_checks,
            keys.regions.get(key.regions.0..key.regions.1),
        ) else {
            return;
        };
        let code = keys.text(key.code);
        for region in regions {
            let prefix = code.get(..region.prefix).unwrap_or(code);
            let at = region_key(region);
            // The prefix first seen with this region, when it differs from this one.
            let first = self.region_prefixes.find(at, |e| e.0 == at).copied();
            let contradicted = match (pack_prefix(prefix), first) {
                (Some(packed), Some((_, expected, first_row))) => {
                    (expected != packed).then(|| (unpack_prefix(expected), first_row))
                }
                (None, Some((_, expected, first_row))) => {
                    Some((unpack_prefix(expected), first_row))
                }
                (packed, None) => match (self.long_prefixes.entry(at), packed) {
                    (Entry::Occupied(first), _) => {
                        let (expected, first_row) = first.get();
                        (**expected != *prefix).then(|| (expected.to_string(), *first_row))
                    }
                    (Entry::Vacant(vacant), None) => {
                        vacant.insert((prefix.into(), n));
                        None
                    }
                    (Entry::Vacant(_), Some(packed)) => {
                        self.region_prefixes
                            .insert(at, (at, packed, n), |&(key, _, _)| key);
                        None
                    }
                },
            };
            if let Some((expected, first_row)) = contradicted {
                let kind = ProblemKind::CodeContradictsRegion {
                    region: book.fields[region.field].name.zh.clone(),
                    name: keys.text(region.name).to_string(),
                    expected,
                    first_row,
                };
                problems.extend([layout.problem(
                    Severity::Warning,
                    Some(n),
                    layout.field_columns[checks.field],
                    Some(code.to_string()),
                    kind,
                )]);
                break;
            }
        }
    }
}

impl Layout<'_> {
    fn problem(
        &self,
        severity: Severity,
        row: Option<u64>,
        column: Option<usize>,
        value: Option<String>,
        kind: ProblemKind,
    ) -> Problem {
        let cell = match (&self.sheet, row) {
            (Some((sheet, first_column)), Some(row)) => Some(SheetRef {
                sheet: sheet.clone(),
                row: u32::try_from(row).unwrap_or(u32::MAX),
                column: column.map(|c| first_column + u32::try_from(c).unwrap_or(u32::MAX)),
            }),
            _ => None,
        };
        Problem {
            severity,
            file: self.file.clone(),
            unit: self.unit,
            row,
            column: column.map(|c| self.headers[c].clone()),
            value,
            kind,
            cell,
        }
    }

    /// The [`Key`] of a typed row, its texts written into `keys`.
    fn key(&self, keys: &mut Keys, staged: &Staged) -> Key {
        let id = match (&staged.outlet, &staged.id) {
            (Some(o), _) => &o.id,
            (None, Some(id)) => id,
            (None, None) => return Key::default(),
        };
        let mut key = Key {
            id: Some((keys.push_text(id), ids::SeenIds::hash(id))),
            ..Key::default()
        };
        let (Some(outlet), Some(checks)) = (&staged.outlet, &self.book.code_checks) else {
            return key;
        };
        let values = &outlet.values;
        let Value::Text(code) = &values[checks.field] else {
            return key;
        };
        key.code = keys.push_text(code);
        let first = keys.regions.len();
        // The path is kept as a 64-bit hash of the names (a collision among a national
        // inventory's ~700,000 region paths is vanishingly unlikely).
        let mut path = rustc_hash::FxHasher::default();
        for &(region, len) in &checks.regions {
            if let Value::Text(name) = &values[region] {
                path.write(name.as_bytes());
            }
            path.write_u8(0x1f);
            let Value::Text(name) = &values[region] else {
                continue;
            };
            let name = keys.push_text(name);
            keys.regions.push(RegionKey {
                field: region,
                path: path.finish(),
                name,
                prefix: len.min(code.len()),
            });
        }
        key.regions = (first, keys.regions.len());
        key
    }

    /// Splits a raw row into fields, decodes it (into `cells`, reused) and types it.
    fn stage_raw(
        &self,
        raw: &mut RawRow,
        memo: &mut CellMemo,
        cells: &mut Vec<Cell<'static>>,
    ) -> Staged {
        if let RawRow::Record { record, .. } = raw {
            record.split_fields();
        }
        match &*raw {
            RawRow::Row(row) => {
                self.stage(row.number, row.overflow, Cells::Decoded(&row.cells), memo)
            }
            RawRow::Record {
                number,
                record,
                decoder,
            } => {
                // A UTF-8 record is read cell by cell, with no row of cells made.
                if let Some(whole) = decoder.utf8(record) {
                    let cells = Cells::Record {
                        whole,
                        record,
                        decoder: *decoder,
                    };
                    return self.stage(*number, decoder.overflow(record), cells, memo);
                }
                let row = decoder.row(*number, record, std::mem::take(cells));
                let staged = self.stage(row.number, row.overflow, Cells::Decoded(&row.cells), memo);
                *cells = source::reuse(row.cells);
                staged
            }
        }
    }

    /// Types one row on its own: every check but those against earlier rows.
    fn stage(&self, n: u64, overflow: usize, cells: Cells, memo: &mut CellMemo) -> Staged {
        let mut problems = Vec::new();
        let staged = |problems: Vec<Problem>, split, id, outlet| Staged {
            number: n,
            problems,
            split,
            id,
            outlet,
        };
        let book = self.book;
        if overflow > 0 {
            let columns = self.columns.len();
            problems.push(self.problem(
                Severity::Error,
                Some(n),
                None,
                None,
                ProblemKind::Ragged {
                    cells: columns + overflow,
                    columns,
                },
            ));
        }
        // (Made without `Clone`, which would look at each element it copies.)
        let mut values: Vec<Value> = (0..book.fields.len()).map(|_| Value::Missing).collect();
        let mut unreadable = Vec::new();
        let reference_field = book.core.reference_type;
        let mut typing = Typing {
            values: &mut values,
            unreadable: &mut unreadable,
            problems: &mut problems,
            memo: &mut *memo,
        };
        match &cells {
            Cells::Decoded(row) => {
                for (c, (&plan, cell)) in self.plans.iter().zip(row.iter()).enumerate() {
                    self.type_cell(&mut typing, n, c, plan, cell);
                }
            }
            Cells::Record {
                whole,
                record,
                decoder,
            } => {
                // Cells past the record's end are blank, as are empty ones: they stay missing.
                let fields = self.plans.iter().zip(record.bounds()).enumerate();
                for (c, (&plan, &(start, end))) in fields {
                    if matches!(plan, Plan::Skip) || start == end {
                        continue;
                    }
                    match whole.get(start..end) {
                        Some(text) => self.type_text(&mut typing, n, c, plan, text),
                        None => {
                            let cell = decoder.field(whole, record, start, end);
                            self.type_cell(&mut typing, n, c, plan, &cell);
                        }
                    }
                }
            }
        }

        // Identity and type: without them the outlet cannot be graded.
        let core = &book.core;
        let id = match &values[core.id] {
            Value::Text(s) => s.clone(),
            _ => {
                let column = self.field_columns[core.id];
                problems.push(self.problem(
                    Severity::Error,
                    Some(n),
                    column,
                    None,
                    ProblemKind::RequiredBlank { graded: false },
                ));
                let split = problems.len();
                return staged(problems, split, None, None);
            }
        };
        if self.unit == RowUnit::Sheet && xlsx::lost_digits(&id) {
            let column = self.field_columns[core.id];
            let kind = ProblemKind::IdLostDigits;
            problems.push(self.problem(Severity::Warning, Some(n), column, Some(id.clone()), kind));
        }
        // A repeated id is found in order, here.
        let split = problems.len();
        let name = match &values[core.name] {
            Value::Text(s) => s.clone(),
            _ => {
                let column = self.field_columns[core.name];
                problems.push(self.problem(
                    Severity::Error,
                    Some(n),
                    column,
                    None,
                    ProblemKind::RequiredBlank { graded: true },
                ));
                String::new()
            }
        };
        let type_ = match values[core.type_] {
            Value::Item(t) => usize::from(t),
            _ => {
                let column = self.field_columns[core.type_];
                if is_blank(column.and_then(|c| cells.get(c)).as_ref()) {
                    problems.push(self.problem(
                        Severity::Error,
                        Some(n),
                        column,
                        None,
                        ProblemKind::RequiredBlank { graded: false },
                    ));
                }
                return staged(problems, split, Some(id), None);
            }
        };

        // A partner outlet is graded as its reference type.
        let mut grading_type = type_;
        if let Some(reference) = &book.types[type_].reference {
            let default = reference.default;
            let column = reference_field.and_then(|f| self.field_columns[f]);
            let cell = column.and_then(|c| cells.get(c)).unwrap_or(Cell::Empty);
            let blank = is_blank(Some(&cell));
            let default_name = book.types[default].name.zh.clone();
            grading_type = default;
            if blank {
                problems.push(self.problem(
                    Severity::Warning,
                    Some(n),
                    column,
                    None,
                    ProblemKind::NoReference {
                        default: default_name,
                    },
                ));
            } else if let (Some(f), Some(c)) = (reference_field, column) {
                // Any value but an allowed reference type (an unknown name, or 村) is one problem,
                // naming the allowed ones; the default applies.
                let text = match &cell {
                    Cell::Text(t) => Some(trim(t)),
                    _ => None,
                };
                match text.and_then(|t| book.find_type(t)) {
                    Some(t) if reference.allowed.contains(&t) => {
                        values[f] = Value::Item(t as u16);
                        grading_type = t;
                    }
                    _ if text.is_some() => {
                        unreadable.push((f, cell.display()));
                        problems.push(self.problem(
                            Severity::Error,
                            Some(n),
                            Some(c),
                            Some(cell.display()),
                            ProblemKind::BadReference {
                                allowed: book.type_names(&reference.allowed),
                                default: default_name,
                            },
                        ));
                    }
                    _ => {
                        if let Some(value) = memo.recall(f, &cell) {
                            values[f] = value.clone();
                        } else if let Some(raw) =
                            self.read_cell(memo, n, c, f, &cell, &mut values, &mut problems)
                        {
                            unreadable.push((f, raw));
                        }
                    }
                }
            }
        }

        self.check_code_type(n, type_, &values, &mut problems);

        let claimed = core.claimed_grade.and_then(|f| match values[f] {
            Value::Grade(g) => Some(g),
            _ => None,
        });
        let extras = self
            .extra_columns
            .iter()
            .map(|&c| cells.get(c).map(|cell| cell.display()).unwrap_or_default())
            .collect();
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count() as u32;
        let outlet = Outlet {
            row: n,
            id,
            name,
            type_,
            grading_type,
            claimed,
            values,
            extras,
            errors,
            unreadable,
        };
        staged(problems, split, None, Some(outlet))
    }

    /// Reads cell `c` of row `n` by its column's [`Plan`], as [`Layout::read_cell`] would read
    /// it: a blank cell leaves the value missing, text is read by [`Layout::type_text`], any
    /// other cell by [`Layout::read_cell`].
    #[inline(always)]
    fn type_cell(&self, typing: &mut Typing, n: u64, c: usize, plan: Plan, cell: &Cell) {
        match (plan, cell) {
            (Plan::Skip, _) | (_, Cell::Empty) => {}
            (_, Cell::Text(text)) => self.type_text(typing, n, c, plan, text),
            (Plan::Text(f) | Plan::Code(f, _) | Plan::Memo(f), _) => {
                typing.read(self, n, c, f, cell);
            }
        }
    }

    /// Reads text cell `c` of row `n` by its column's [`Plan`]. The common cells are read here,
    /// as [`Layout::read_cell`] would read them: a text, a well-formed code, a cell the memo has;
    /// the others by [`Layout::read_cell`].
    #[inline(always)]
    fn type_text(&self, typing: &mut Typing, n: u64, c: usize, plan: Plan, text: &str) {
        let cell = || Cell::Text(std::borrow::Cow::Borrowed(text));
        match plan {
            Plan::Skip => {}
            Plan::Text(f) => {
                let text = trim(text);
                if !text.is_empty() {
                    typing.values[f] = Value::Text(text.to_string());
                }
            }
            Plan::Code(f, digits) => {
                if cell::is_code(text, digits) {
                    typing.values[f] = Value::Text(text.to_string());
                } else {
                    typing.read(self, n, c, f, &cell());
                }
            }
            // Most cells were read before: taken from the memo here, without a call.
            Plan::Memo(f) => match typing.memo.recall_text(f, text) {
                Some(value) => typing.values[f] = value.clone(),
                None => typing.read(self, n, c, f, &cell()),
            },
        }
    }

    /// Warns where the division code contradicts the outlet's type.
    fn check_code_type(&self, n: u64, type_: usize, values: &[Value], problems: &mut Vec<Problem>) {
        let book = self.book;
        let Some(checks) = &book.code_checks else {
            return;
        };
        let Value::Text(code) = &values[checks.field] else {
            return;
        };
        if checks.covers(type_) && !checks.fits(code, type_) {
            problems.push(self.problem(
                Severity::Warning,
                Some(n),
                self.field_columns[checks.field],
                Some(code.clone()),
                ProblemKind::CodeContradictsType {
                    code_says: book.type_names(&checks.types_of(code)),
                    outlet_type: book.types[type_].name.zh.clone(),
                },
            ));
        }
    }

    /// Reads one cell into `values`, reporting its problems; returns what an unreadable cell said.
    #[allow(clippy::too_many_arguments)]
    fn read_cell(
        &self,
        memo: &mut CellMemo,
        n: u64,
        c: usize,
        f: usize,
        cell: &Cell,
        values: &mut [Value],
        problems: &mut Vec<Problem>,
    ) -> Option<String> {
        let kind = &self.book.fields[f].kind;
        if let Cell::Empty = cell {
            // Blank: missing, nothing to report (as `cell::parse` reads it), without the call.
            if !matches!(kind, FieldKind::Text) {
                values[f] = Value::Missing;
            }
            return None;
        }
        // A cell spelled as one read cleanly before reads the same (text and codes, which differ
        // from outlet to outlet, are not remembered); the caller has looked in the memo.
        let memo_key = match (kind, cell) {
            (FieldKind::Text | FieldKind::Code { .. }, _) => None,
            (_, Cell::Text(text)) => Some(&**text),
            _ => None,
        };
        let parsed = cell::parse_with(self.book, &self.separators, kind, cell);
        // A blank text cell leaves the value as it is; any other outcome is the value.
        let keep = |value: &Value| !matches!(kind, FieldKind::Text) || !value.is_missing();
        if parsed.problems.is_empty() {
            // The common case: read cleanly, nothing to report.
            if let Some(text) = memo_key {
                let list = matches!(kind, FieldKind::List { .. });
                memo.put(f, list, text, &parsed.value);
            }
            if keep(&parsed.value) {
                values[f] = parsed.value;
            }
            return None;
        }
        let unreadable = parsed.value.is_missing().then(|| cell.display());
        for (kind, raw) in parsed.problems {
            let severity = if matches!(kind, ProblemKind::UnknownItem { .. }) {
                Severity::Warning
            } else {
                Severity::Error
            };
            let value = (!raw.is_empty()).then_some(raw);
            problems.push(self.problem(severity, Some(n), Some(c), value, kind));
        }
        if keep(&parsed.value) {
            values[f] = parsed.value;
        }
        unreadable
    }
}

/// What [`Layout::type_cell`] types a row's cells into.
struct Typing<'t> {
    values: &'t mut Vec<Value>,
    unreadable: &'t mut Vec<(usize, String)>,
    problems: &'t mut Vec<Problem>,
    memo: &'t mut CellMemo,
}

impl Typing<'_> {
    /// [`Layout::read_cell`], keeping what an unreadable cell said.
    #[inline(never)]
    fn read(&mut self, layout: &Layout, n: u64, c: usize, f: usize, cell: &Cell) {
        if let Some(raw) = layout.read_cell(self.memo, n, c, f, cell, self.values, self.problems) {
            self.unreadable.push((f, raw));
        }
    }
}

/// Reads a whole file (a workbook is read whole: its format needs to seek).
pub fn read_all(read: &mut dyn Read, label: &str) -> Result<Vec<u8>, InventoryError> {
    let mut bytes = Vec::new();
    read.read_to_end(&mut bytes)
        .map_err(|e| InventoryError::Io {
            file: label.into(),
            source: e,
        })?;
    if bytes.is_empty() {
        return Err(InventoryError::Empty { file: label.into() });
    }
    Ok(bytes)
}

/// Whether a cell is blank (absent, empty or white space); an unreadable cell is not blank.
fn is_blank(cell: Option<&Cell>) -> bool {
    match cell {
        None | Some(Cell::Empty) => true,
        Some(Cell::Text(s)) => trim(s).is_empty(),
        Some(Cell::List(items)) => items.is_empty(),
        Some(Cell::Bad(_)) => false,
    }
}

impl fmt::Debug for Inventory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inventory")
            .field("file", &self.layout.file)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell<'_> {
        Cell::Text(std::borrow::Cow::Borrowed(s))
    }

    /// The division-code warnings of rows given as (code, region path, prefix length), all in
    /// one region column: (row, expected prefix, first row) of each.
    fn contradictions(rows: &[(&str, u64, usize)]) -> Vec<(u64, String, u64)> {
        let book = Rulebook::builtin().unwrap_or_else(|e| panic!("{e}"));
        let csv = "网点编号,网点名称,网点类型,行政区划代码\n";
        let read: Box<dyn Read> = Box::new(io::Cursor::new(csv.as_bytes().to_vec()));
        let inventory = Inventory::from_reader(read, InputFormat::Csv, "t.csv", &book)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let field = book.core.name;
        let mut state = State::default();
        let mut problems = Vec::new();
        for (n, &(code, path, prefix)) in rows.iter().enumerate() {
            let mut keys = Keys::default();
            let code = keys.push_text(code);
            let name = keys.push_text("某县");
            keys.regions.push(RegionKey {
                field,
                path,
                name,
                prefix,
            });
            let key = Key {
                id: None,
                code,
                regions: (0, 1),
            };
            state.check_regions(&inventory.layout, n as u64 + 2, &keys, &key, &mut problems);
        }
        problems
            .iter()
            .map(|p| match &p.kind {
                ProblemKind::CodeContradictsRegion {
                    expected,
                    first_row,
                    ..
                } => (p.row.unwrap_or(0), expected.clone(), *first_row),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_region_keeps_the_first_prefix_seen_short_or_long() {
        let long = "53012300300112345678";
        let rows = [
            // A short prefix, then the same and another.
            ("530123003001", 1, 6),
            ("530123004001", 1, 6),
            ("520123003001", 1, 6),
            // A prefix longer than a word holds, then the same and another.
            (long, 2, 18),
            ("53012300300112345699", 2, 18),
            ("53012300300112349999", 2, 18),
            // A region first seen with a short prefix, then with a long one, and back.
            ("530123", 3, 6),
            (long, 3, 18),
            ("530123", 3, 6),
            // And the other way round.
            (long, 4, 18),
            ("530123", 4, 6),
            (long, 4, 18),
        ];
        let expected = [
            (4, "530123".to_string(), 2),
            (7, "530123003001123456".to_string(), 5),
            (9, "530123".to_string(), 8),
            (12, "530123003001123456".to_string(), 11),
        ];
        assert_eq!(contradictions(&rows), expected);
    }

    #[test]
    fn many_regions_keep_their_first_prefix_as_the_table_grows() {
        // Enough regions for the table of prefixes to grow several times, one of them with the
        // path whose key would be 0 (the free slot) but for `region_key`'s `max(1)`.
        let zero = (Rulebook::builtin()
            .unwrap_or_else(|e| panic!("{e}"))
            .core
            .name as u64
            + 1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let paths: Vec<u64> = (1..=2000u64)
            .map(|p| p.wrapping_mul(0x2545_f491_4f6c_dd1d))
            .chain([zero])
            .collect();
        let short = |i: usize| format!("{:06}", 100_000 + i);
        let long = |i: usize| format!("{:018}", 100_000_000_000_000_000u64 + i as u64);
        let codes: Vec<(String, String)> = (0..paths.len()).map(|i| (short(i), long(i))).collect();
        let mut rows = Vec::new();
        // Each region first (short prefix, or long for every third), again alike, then a
        // different prefix of the same kind.
        for pass in 0..3 {
            for (i, &path) in paths.iter().enumerate() {
                let (code, prefix) = match (i % 3 == 0, pass) {
                    (false, 2) => (short(i + 1), 6),
                    (true, 2) => (long(i + 1), 18),
                    (false, _) => (codes[i].0.clone(), 6),
                    (true, _) => (codes[i].1.clone(), 18),
                };
                rows.push((code, path, prefix));
            }
        }
        let rows: Vec<(&str, u64, usize)> =
            rows.iter().map(|(c, p, l)| (c.as_str(), *p, *l)).collect();
        let n = paths.len() as u64;
        let expected: Vec<(u64, String, u64)> = (0..paths.len())
            .map(|i| {
                let first = if i % 3 == 0 { &codes[i].1 } else { &codes[i].0 };
                (2 * n + i as u64 + 2, first.clone(), i as u64 + 2)
            })
            .collect();
        assert_eq!(contradictions(&rows), expected);
    }

    #[test]
    fn a_packed_prefix_keeps_its_digits_and_their_count() {
        for prefix in [
            "",
            "0",
            "00",
            "53",
            "530123",
            "530123003",
            "000000000000000",
        ] {
            let packed = pack_prefix(prefix);
            assert_eq!(packed.map(unpack_prefix).as_deref(), Some(prefix));
        }
        // Leading zeros count: prefixes of different lengths never pack alike.
        assert_ne!(pack_prefix("05"), pack_prefix("5"));
        assert_ne!(pack_prefix("0"), pack_prefix(""));
        assert!(pack_prefix("530123003001123").is_some());
        for other in ["5301230030011234", "53a1", "５３"] {
            assert_eq!(pack_prefix(other), None, "{other}");
        }
    }

    #[test]
    fn the_memo_recalls_what_it_was_given_and_forgets_long_cells() {
        let mut memo = CellMemo::new(3);
        assert_eq!(memo.recall(1, &text("是")), None);
        memo.put(1, false, "是", &Value::Bool(true));
        memo.put(2, true, " 职业指导、岗位推荐", &Value::List(vec![3, 7]));
        assert_eq!(memo.recall(1, &text("是")), Some(&Value::Bool(true)));
        assert_eq!(
            memo.recall(2, &text(" 职业指导、岗位推荐")),
            Some(&Value::List(vec![3, 7]))
        );
        // Only the exact cell, in its own field.
        assert_eq!(memo.recall(1, &text("是 ")), None);
        assert_eq!(memo.recall(0, &text("是")), None);
        assert_eq!(memo.recall(2, &text("职业指导、岗位推荐")), None);
        assert_eq!(memo.recall(1, &Cell::Empty), None);
        // A field's table has a fixed number of slots, a list field's more.
        assert_eq!(memo.tables[1].len(), MEMO_SLOTS);
        assert_eq!(memo.tables[2].len(), MEMO_LIST_SLOTS);
        // Many more cells than slots: the table does not grow, and the latest cells are there.
        for i in 0..10 * MEMO_SLOTS {
            memo.put(1, false, &i.to_string(), &Value::Number(i as f64));
        }
        assert_eq!(memo.tables[1].len(), MEMO_SLOTS);
        let last = 10 * MEMO_SLOTS - 1;
        assert_eq!(
            memo.recall(1, &text(&last.to_string())),
            Some(&Value::Number(last as f64))
        );
        // A long cell is not kept.
        let long = "、".repeat(MEMO_CELL_BYTES);
        memo.put(2, true, &long, &Value::List(Vec::new()));
        assert_eq!(memo.recall(2, &text(&long)), None);
    }
}
