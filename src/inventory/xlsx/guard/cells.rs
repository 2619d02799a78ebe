//! The cells of a worksheet, read by the pass itself as it tokenizes the sheet's XML for its limits
//! (issue 16): the sheet is inflated and tokenized once, not once here and once more by calamine.
//!
//! Cells are read exactly as calamine's cell reader (`calamine::xlsx::XlsxCellReader`, 0.35) reads
//! them — a shared string by its index, an inline string with its rich-text runs (phonetic runs
//! left out, `_xHHHH_` escapes and entities decoded), a `t="str"` or `t="d"` value with its
//! entities, a boolean, an error, a number as a date when its style's number format is one — and
//! only while the sheet holds nothing calamine could read otherwise: an element, attribute, entity,
//! comment or CDATA this reader does not follow to the letter makes the sheet [`Collect::exact`]
//! false, and calamine reads it as before. The same holds for the shared strings
//! ([`StringsScan`]) and the styles' number formats ([`StylesScan`]).
//!
//! A sheet's cells are kept, compactly ([`Buffer`]: about 4 bytes a shared-string cell), until the
//! pass has seen the whole sheet: its used area and merged ranges — after the cells in the XML —
//! are needed before the first row is handed on. That is the memory the single pass costs; the
//! chunks are freed as the rows are read.

use std::collections::HashMap;

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};

use super::xml::Tag;

/// A number format as calamine tells it (its private `CellFormat`): a date, a duration, other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Other,
    DateTime,
    TimeDelta,
}

/// The shared strings, one text with the end of each.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        self.text.get(start..end)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// What the cells of a sheet need of the rest of the workbook to read as calamine reads them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Workbook {
    pub strings: Strings,
    /// The number format of each cell style (`cellXfs`), as calamine reads `xl/styles.xml`.
    pub formats: Vec<Format>,
    pub is_1904: bool,
}

impl Workbook {
    /// A number in a cell of style `style`, as calamine's `format_excel_f64_ref` gives it.
    fn number(&self, n: f64, style: Option<u32>) -> DataRef<'static> {
        let format = match style {
            Some(id) => self.formats.get(id as usize).copied(),
            None => Some(Format::Other),
        };
        let date = |kind| DataRef::DateTime(ExcelDateTime::new(n, kind, self.is_1904));
        match format {
            Some(Format::DateTime) => date(ExcelDateTimeType::DateTime),
            Some(Format::TimeDelta) => date(ExcelDateTimeType::TimeDelta),
            _ => DataRef::Float(n),
        }
    }
}

/// How many bytes a chunk of a [`Buffer`] holds before the next begins.
const CHUNK: usize = 256 << 10;

/// A sheet's cells, encoded compactly, in the order of the file. Each cell: a head byte (its kind
/// in the low four bits; [`NEW_ROW`]: its row follows; [`AT`]: its column follows, else it is the
/// one after the cell before; [`STYLED`]: a number's style follows), then those, then its value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Buffer {
    chunks: Vec<Vec<u8>>,
    /// Bytes held, and the highest shared-string index a cell names (plus one).
    pub(super) bytes: usize,
    pub(super) shared: usize,
    row: Option<u32>,
    column: Option<u32>,
    scratch: Vec<u8>,
}

const NEW_ROW: u8 = 0x10;
const AT: u8 = 0x20;
const STYLED: u8 = 0x40;

const EMPTY: u8 = 0;
const SHARED: u8 = 1;
const INTEGER: u8 = 2;
const FLOAT: u8 = 3;
const FALSE: u8 = 4;
const TRUE: u8 = 5;
const ERROR: u8 = 6;
const TEXT: u8 = 7;
const ISO: u8 = 8;

/// The error values, in the order of their codes in a [`Buffer`].
const ERRORS: [CellErrorType; 7] = [
    CellErrorType::Div0,
    CellErrorType::NA,
    CellErrorType::Name,
    CellErrorType::Null,
    CellErrorType::Num,
    CellErrorType::Ref,
    CellErrorType::Value,
];

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n: u64 = 0;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return Some(n);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// A cell's value as the pass read it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Empty,
    Shared(u32),
    Number(f64, Option<u32>),
    Bool(bool),
    Error(u8),
    Text(String),
    Iso(String),
}

impl Buffer {
    fn push(&mut self, (row, column): (u32, u32), value: &Value) {
        let out = &mut self.scratch;
        out.clear();
        out.push(0);
        let mut head = 0;
        if self.row != Some(row) {
            head |= NEW_ROW;
            put_varint(out, u64::from(row));
            self.column = None;
        }
        if self.column.map_or(0, |c| c + 1) != column {
            head |= AT;
            put_varint(out, u64::from(column));
        }
        self.row = Some(row);
        self.column = Some(column);
        match value {
            Value::Empty => head |= EMPTY,
            Value::Shared(i) => {
                head |= SHARED;
                put_varint(out, u64::from(*i));
                self.shared = self.shared.max(*i as usize + 1);
            }
            Value::Number(n, style) => {
                if let Some(style) = style {
                    head |= STYLED;
                    put_varint(out, u64::from(*style));
                }
                let whole = n.fract() == 0.0 && n.abs() < 9.0e15 && !n.is_sign_negative();
                if whole {
                    head |= INTEGER;
                    put_varint(out, *n as u64);
                } else {
                    head |= FLOAT;
                    out.extend_from_slice(&n.to_le_bytes());
                }
            }
            Value::Bool(b) => head |= if *b { TRUE } else { FALSE },
            Value::Error(code) => {
                head |= ERROR;
                out.push(*code);
            }
            Value::Text(s) | Value::Iso(s) => {
                head |= if matches!(value, Value::Text(_)) {
                    TEXT
                } else {
                    ISO
                };
                put_varint(out, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
        }
        out[0] = head;
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.len() + out.len() <= CHUNK);
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(out.len())));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.extend_from_slice(out);
        }
        self.bytes += out.len();
    }

    /// The cells, decoded; a chunk is freed once read. Stops where `each` breaks.
    pub fn into_cells(
        self,
        book: &Workbook,
        mut each: impl FnMut((u32, u32), &DataRef<'_>) -> std::ops::ControlFlow<()>,
    ) {
        let mut at = Position::default();
        for chunk in self.chunks {
            if at.chunk(&chunk, book, &mut each).is_break() {
                return;
            }
        }
    }

    /// The cells, decoded, without taking them. Stops where `each` breaks.
    pub fn cells(
        &self,
        book: &Workbook,
        mut each: impl FnMut((u32, u32), &DataRef<'_>) -> std::ops::ControlFlow<()>,
    ) {
        let mut at = Position::default();
        for chunk in &self.chunks {
            if at.chunk(chunk, book, &mut each).is_break() {
                return;
            }
        }
    }
}

/// Where the decoding of a [`Buffer`] is.
#[derive(Default)]
struct Position {
    row: u32,
    column: Option<u32>,
}

impl Position {
    fn chunk(
        &mut self,
        bytes: &[u8],
        book: &Workbook,
        each: &mut impl FnMut((u32, u32), &DataRef<'_>) -> std::ops::ControlFlow<()>,
    ) -> std::ops::ControlFlow<()> {
        use std::ops::ControlFlow::{Break, Continue};
        let mut i = 0;
        while i < bytes.len() {
            let head = bytes[i];
            i += 1;
            let varint = |i: &mut usize| get_varint(bytes, i).unwrap_or(0);
            if head & NEW_ROW != 0 {
                self.row = varint(&mut i) as u32;
                self.column = None;
            }
            let column = if head & AT != 0 {
                varint(&mut i) as u32
            } else {
                self.column.map_or(0, |c| c + 1)
            };
            self.column = Some(column);
            let style = (head & STYLED != 0).then(|| varint(&mut i) as u32);
            let text = |i: &mut usize| {
                let len = varint(i) as usize;
                let s = bytes
                    .get(*i..*i + len)
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .unwrap_or_default();
                *i += len;
                s
            };
            let value = match head & 0x0F {
                SHARED => {
                    let index = varint(&mut i) as usize;
                    DataRef::SharedString(book.strings.get(index).unwrap_or_default())
                }
                INTEGER => book.number(varint(&mut i) as f64, style),
                FLOAT => {
                    let mut eight = [0u8; 8];
                    if let Some(b) = bytes.get(i..i + 8) {
                        eight.copy_from_slice(b);
                    }
                    i += 8;
                    book.number(f64::from_le_bytes(eight), style)
                }
                FALSE => DataRef::Bool(false),
                TRUE => DataRef::Bool(true),
                ERROR => {
                    let code = bytes.get(i).copied().unwrap_or(0) as usize;
                    i += 1;
                    DataRef::Error(ERRORS.get(code).cloned().unwrap_or(CellErrorType::NA))
                }
                TEXT => DataRef::String(text(&mut i).to_string()),
                ISO => DataRef::DateTimeIso(text(&mut i).to_string()),
                _ => DataRef::Empty,
            };
            if each((self.row, column), &value).is_break() {
                return Break(());
            }
        }
        Continue(())
    }
}

/// A `t` attribute, as calamine tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    /// No `t`, `t="n"`: a number (no `t`: text when it is none).
    None,
    N,
    S,
    B,
    E,
    Str,
    D,
    Inline,
    /// Anything else: calamine refuses its `<v>`.
    Other,
}

/// Where in a cell the pass is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Child {
    None,
    V,
    F,
    Is,
}

/// Where in the sheet the pass is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Stage {
    #[default]
    Before,
    In,
    After,
}

/// The most bytes of cells a workbook's sheets may hold for the pass ([`Buffer`]); past it, a
/// sheet is left to calamine's streaming read.
pub const MAX_BUFFERED: usize = 256 << 20;

/// The attributes of a cell the pass reads: its raw `r` and `t`, and `r` as a 1-based row and
/// a 0-based column.
pub(super) struct CellAttributes<'t> {
    pub(super) r: Option<&'t [u8]>,
    pub(super) t: Option<&'t [u8]>,
    pub(super) at: Option<(u32, u32)>,
}

/// A worksheet's cells as the pass reads them.
#[derive(Debug)]
pub struct Collect {
    pub cells: Buffer,
    /// Whether every cell read as calamine reads it (else the cells are dropped).
    pub exact: bool,
    stage: Stage,
    in_row: bool,
    in_cell: bool,
    /// calamine's row and column counters, 0-based, for cells without `r`.
    row_index: u32,
    col_index: u32,
    at: (u32, u32),
    kind: Type,
    style: Option<u32>,
    value: Value,
    child: Child,
    /// The raw text of the current `<v>` or `<t>`.
    text: Vec<u8>,
    rich: Option<String>,
    in_t: bool,
    phonetic: bool,
    /// Elements open: calamine's XML reader fails on an end tag with none open.
    depth: u32,
}

impl Default for Collect {
    fn default() -> Collect {
        Collect {
            cells: Buffer::default(),
            exact: true,
            stage: Stage::Before,
            in_row: false,
            in_cell: false,
            row_index: 0,
            col_index: 0,
            at: (0, 0),
            kind: Type::None,
            style: None,
            value: Value::Empty,
            child: Child::None,
            text: Vec::new(),
            rich: None,
            in_t: false,
            phonetic: false,
            depth: 0,
        }
    }
}

impl PartialEq for Collect {
    fn eq(&self, other: &Collect) -> bool {
        self.exact == other.exact && self.cells == other.cells
    }
}

impl Eq for Collect {}

impl Collect {
    /// Gives the sheet up to calamine.
    fn inexact(&mut self) {
        self.exact = false;
        self.cells = Buffer::default();
        self.text = Vec::new();
    }

    /// Whether the sheet was read to the end of its `<sheetData>`, every cell exactly.
    pub fn finish(&mut self) -> bool {
        if self.stage != Stage::After {
            self.inexact();
        }
        self.exact
    }

    /// A comment, CDATA, a processing instruction, a declaration or an empty tag (some of which
    /// calamine's XML reader refuses) before the end of the sheet's data.
    pub(super) fn other(&mut self) {
        if self.stage != Stage::After {
            self.inexact();
        }
    }

    /// The sheet declares an encoding other than UTF-8.
    pub(super) fn foreign(&mut self) {
        self.inexact();
    }

    pub(super) fn start(&mut self, tag: &Tag<'_>) {
        if !self.exact {
            return;
        }
        self.depth = self.depth.saturating_add(1);
        if tag.odd && self.stage != Stage::After {
            return self.inexact();
        }
        // The check's pass holds back text inside a phonetic run: one outside an inline string
        // would hide the next values from it.
        if tag.name == b"rPh" && self.child != Child::Is && self.stage != Stage::After {
            return self.inexact();
        }
        match self.stage {
            Stage::Before => match tag.name {
                b"sheetData" => self.stage = Stage::In,
                b"dimension" => {
                    let mut r = [None];
                    if !attributes(tag.attributes, &[b"ref"], &mut r)
                        || !r[0].is_some_and(is_strict_range)
                    {
                        self.inexact();
                    }
                }
                _ => {}
            },
            Stage::After => {}
            Stage::In if !self.in_cell => match tag.name {
                b"row" if !self.in_row => {
                    let mut r = [None];
                    if !attributes(tag.attributes, &[b"r"], &mut r) {
                        return self.inexact();
                    }
                    if let Some(r) = r[0] {
                        match digits(r).filter(|&n| n >= 1) {
                            Some(n) => self.row_index = n - 1,
                            None => return self.inexact(),
                        }
                    }
                    self.in_row = true;
                }
                // Read by `begin_cell`, whose attributes the check's pass then uses too.
                b"c" if self.in_row => {}
                b"row" | b"c" => self.inexact(),
                _ => {}
            },
            Stage::In => match self.child {
                Child::None => match tag.name {
                    b"v" => {
                        self.child = Child::V;
                        self.text.clear();
                    }
                    b"f" => self.child = Child::F,
                    b"is" => {
                        self.child = Child::Is;
                        self.rich = None;
                        self.phonetic = false;
                        self.in_t = false;
                    }
                    _ => self.inexact(),
                },
                Child::V | Child::F => self.inexact(),
                Child::Is => match tag.name {
                    _ if self.in_t => self.inexact(),
                    b"r" => {
                        self.rich.get_or_insert_with(String::new);
                    }
                    b"rPh" => self.phonetic = true,
                    b"t" if !self.phonetic => {
                        self.in_t = true;
                        self.text.clear();
                    }
                    b"is" | b"c" | b"v" | b"row" | b"sheetData" => self.inexact(),
                    _ => {}
                },
            },
        }
    }

    /// A `<c>` begins (after [`Collect::start`]): its attributes, read once for the cell and for
    /// the check's pass, when the cell is one this reader reads.
    pub(super) fn begin_cell<'t>(&mut self, tag: &Tag<'t>) -> Option<CellAttributes<'t>> {
        if !self.exact || self.stage != Stage::In || self.in_cell || !self.in_row {
            return None;
        }
        let mut found = [None; 3];
        if !attributes(tag.attributes, &[b"r", b"s", b"t"], &mut found) {
            self.inexact();
            return None;
        }
        let [r, s, t] = found;
        let mut at = None;
        self.at = match r {
            Some(r) => match strict_reference(r) {
                Some((row, column)) => {
                    at = Some((row, column));
                    self.col_index = column;
                    (row - 1, column)
                }
                None => {
                    self.inexact();
                    return None;
                }
            },
            None => (self.row_index, self.col_index),
        };
        self.style = match s {
            Some(s) => match digits(s) {
                Some(n) => Some(n),
                None => {
                    self.inexact();
                    return None;
                }
            },
            None => None,
        };
        self.kind = match t {
            None => Type::None,
            Some(b"n") => Type::N,
            Some(b"s") => Type::S,
            Some(b"b") => Type::B,
            Some(b"e") => Type::E,
            Some(b"str") => Type::Str,
            Some(b"d") => Type::D,
            Some(b"inlineStr" | b"is") => Type::Inline,
            Some(_) => Type::Other,
        };
        self.value = Value::Empty;
        self.child = Child::None;
        self.in_cell = true;
        Some(CellAttributes { r, t, at })
    }

    pub(super) fn end(&mut self, name: &[u8]) {
        if !self.exact || self.stage == Stage::After {
            return;
        }
        match self.depth.checked_sub(1) {
            Some(depth) => self.depth = depth,
            None => return self.inexact(),
        }
        if self.stage != Stage::In {
            return;
        }
        if !self.in_cell {
            match name {
                b"row" => {
                    self.in_row = false;
                    self.row_index = self.row_index.saturating_add(1);
                    self.col_index = 0;
                }
                b"sheetData" => self.stage = Stage::After,
                _ => {}
            }
            return;
        }
        match (self.child, name) {
            (Child::V, b"v") => {
                self.child = Child::None;
                match self.v() {
                    Some(v) => self.value = v,
                    None => self.inexact(),
                }
            }
            (Child::F, b"f") => {
                self.child = Child::None;
                self.value = Value::Empty;
            }
            (Child::Is, b"t") if self.in_t => {
                self.in_t = false;
                match decode(&self.text, true) {
                    Some(value) => match &mut self.rich {
                        Some(rich) => rich.push_str(&value),
                        None => self.rich = Some(value),
                    },
                    None => self.inexact(),
                }
            }
            (Child::Is, b"rPh") => self.phonetic = false,
            (Child::Is, b"is") if self.phonetic || self.in_t => self.inexact(),
            (Child::Is, b"is") => {
                self.child = Child::None;
                self.value = Value::Text(self.rich.take().unwrap_or_default());
            }
            (Child::Is, _) => {}
            (Child::None, b"c") => {
                self.in_cell = false;
                let value = std::mem::replace(&mut self.value, Value::Empty);
                self.cells.push(self.at, &value);
                self.col_index = self.at.1.saturating_add(1);
                if self.cells.bytes > MAX_BUFFERED {
                    self.inexact();
                }
            }
            _ => self.inexact(),
        }
    }

    /// Whether the pass should see the sheet's text: all of it up to the end of its data, for
    /// an ill-formed entity anywhere there makes calamine's XML reader fail.
    pub(super) fn wants_text(&self) -> bool {
        self.exact && self.stage != Stage::After
    }

    pub(super) fn text(&mut self, raw: &[u8]) {
        if !self.exact {
            return;
        }
        if self.in_cell && (self.child == Child::V || self.in_t) {
            self.text.extend_from_slice(raw);
        } else if self.stage != Stage::After && raw.contains(&b'&') && decode(raw, false).is_none()
        {
            self.inexact();
        }
    }

    /// The value of the `<v>` just read, as calamine's `read_v` reads it by the cell's type;
    /// `None` when calamine could read it otherwise (or refuse it).
    fn v(&mut self) -> Option<Value> {
        let raw = self.text.as_slice();
        match self.kind {
            // Skipped by calamine's XML reader, which still fails on an ill-formed entity.
            Type::Inline if raw.contains(&b'&') && decode(raw, false).is_none() => None,
            Type::Inline => Some(Value::Empty),
            Type::Other => None,
            Type::Str | Type::D => {
                let text = decode(raw, false)?;
                Some(match self.kind {
                    Type::Str => Value::Text(text),
                    _ => Value::Iso(text),
                })
            }
            // calamine reads these from the first piece of text alone: one without an entity.
            _ if raw.contains(&b'&') => None,
            _ if raw.is_empty() => Some(Value::Empty),
            Type::S => {
                let i = digits(raw)?;
                Some(Value::Shared(i))
            }
            Type::B => Some(Value::Bool(raw != b"0")),
            Type::E => {
                let text = std::str::from_utf8(raw).ok()?;
                let error = text.parse::<CellErrorType>().ok()?;
                let code = ERRORS.iter().position(|e| *e == error)?;
                Some(Value::Error(code as u8))
            }
            Type::N | Type::None => {
                // Most numbers are short whole ones, exact as an integer.
                if raw.len() <= 15 && raw.iter().all(u8::is_ascii_digit) {
                    let n = raw.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
                    return Some(Value::Number(n as f64, self.style));
                }
                if !is_plain_number(raw) {
                    return None;
                }
                let n: f64 = std::str::from_utf8(raw).ok()?.parse().ok()?;
                Some(Value::Number(n, self.style))
            }
        }
    }
}

/// Reads the attributes of a tag as quick-xml does when calamine goes through them: `false` for
/// any it would refuse (unquoted, without a value, twice the same) or more than eight; the raw
/// values of `keys`, by their exact names, into `found`.
fn attributes<'t>(raw: &'t [u8], keys: &[&[u8]], found: &mut [Option<&'t [u8]>]) -> bool {
    let mut seen: [&[u8]; 8] = [&[]; 8];
    let mut count = 0;
    let mut rest = raw;
    loop {
        rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return true;
        }
        let Some(eq) = rest.iter().position(|&b| b == b'=') else {
            return false;
        };
        let name = rest[..eq].trim_ascii_end();
        if name.is_empty()
            || name
                .iter()
                .any(|&b| b.is_ascii_whitespace() || b == b'"' || b == b'\'' || b == b'<')
        {
            return false;
        }
        rest = rest[eq + 1..].trim_ascii_start();
        let Some(&quote) = rest.first() else {
            return false;
        };
        if quote != b'"' && quote != b'\'' {
            return false;
        }
        let Some(len) = rest[1..].iter().position(|&b| b == quote) else {
            return false;
        };
        let value = &rest[1..1 + len];
        rest = &rest[len + 2..];
        if count == seen.len() || seen[..count].contains(&name) {
            return false;
        }
        // The check's pass finds attributes by their local name: `x:r` would be its `r`.
        if name.contains(&b':') && keys.contains(&super::local(name)) {
            return false;
        }
        seen[count] = name;
        count += 1;
        if let Some(k) = keys.iter().position(|k| *k == name) {
            found[k] = Some(value);
        }
        if rest.first().is_some_and(|b| !b.is_ascii_whitespace()) {
            return false;
        }
    }
}

/// Plain ASCII digits (at most nine) as a number.
fn digits(raw: &[u8]) -> Option<u32> {
    if raw.is_empty() || raw.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    for &b in raw {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

/// A cell reference calamine and the pass read alike (`B7`, `ab12`): 1-based row, 0-based
/// column, as [`super::parse_reference`] gives them.
fn strict_reference(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    // As `parse_reference` reads it, without its allowances (spaces, `$`) and its allocations.
    let column = r[..letters].iter().fold(0u32, |c, b| {
        c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = digits(&r[letters..])?;
    ((1..=super::MAX_ROW).contains(&row) && column - 1 <= super::MAX_COLUMN)
        .then_some((row, column - 1))
}

/// A range (`A1:C3`) or one cell calamine and the pass read alike.
fn is_strict_range(r: &[u8]) -> bool {
    let parts: Vec<&[u8]> = r.split(|&b| b == b':').collect();
    parts.len() <= 2 && parts.iter().all(|p| strict_reference(p).is_some())
}

/// A number calamine's float parser and Rust's read alike: `-12`, `3.5`, `1.25E-3`.
fn is_plain_number(raw: &[u8]) -> bool {
    let raw = raw.strip_prefix(b"-").unwrap_or(raw);
    let (mantissa, exponent) = match raw.iter().position(|&b| b == b'E' || b == b'e') {
        Some(at) => (&raw[..at], Some(&raw[at + 1..])),
        None => (raw, None),
    };
    let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (&mantissa[..at], Some(&mantissa[at + 1..])),
        None => (mantissa, None),
    };
    let all_digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    all_digits(whole)
        && fraction.is_none_or(all_digits)
        && exponent.is_none_or(|e| all_digits(e.strip_prefix(b"-").unwrap_or(e)))
}

/// Text as calamine reads it: entities replaced and, with `excel`, the `_xHHHH_` escapes of each
/// piece between them (calamine's `unescape_xml`); `None` for what it would read otherwise (a
/// carriage return, which XML turns into a line feed) or refuse (an unknown entity, bad UTF-8).
fn decode(raw: &[u8], excel: bool) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    if text.contains('\r') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let piece_end = rest.find('&').unwrap_or(rest.len());
        let piece = &rest[..piece_end];
        if excel {
            unescape_excel(piece, &mut out);
        } else {
            out.push_str(piece);
        }
        rest = &rest[piece_end..];
        if rest.is_empty() {
            return Some(out);
        }
        // Bytes, not characters: the 16th byte may fall inside one.
        let end = rest.as_bytes()[..rest.len().min(16)]
            .iter()
            .position(|&b| b == b';')?;
        let entity = &rest[1..end];
        match entity {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "apos" => out.push('\''),
            "quot" => out.push('"'),
            _ => out.push(char_reference(entity.strip_prefix('#')?)?),
        }
        rest = &rest[end + 1..];
    }
}

/// A character reference (`#x4E2D`, `#20013`, without its `#`) as quick-xml reads it.
fn char_reference(num: &str) -> Option<char> {
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

/// calamine's `unescape_xml`: `_x00HH_` as the character HH.
fn unescape_excel(piece: &str, out: &mut String) {
    if !piece.contains("_x00") {
        out.push_str(piece);
        return;
    }
    let bytes = piece.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if i + 7 <= bytes.len()
            && bytes.get(i..i + 4) == Some(b"_x00")
            && bytes[i + 6] == b'_'
            && let Some(value) = piece
                .get(i + 4..i + 6)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value as char);
            i += 7;
            continue;
        }
        match piece[i..].chars().next() {
            Some(c) => {
                out.push(c);
                i += c.len_utf8();
            }
            None => break,
        }
    }
}

/// The shared strings as calamine's `read_shared_strings` reads them.
#[derive(Debug, Default)]
pub struct StringsScan {
    pub strings: Strings,
    pub exact: bool,
    stage: Stage,
    in_si: bool,
    rich: Option<String>,
    phonetic: bool,
    in_t: bool,
    text: Vec<u8>,
    /// Elements open (as [`Collect`]'s).
    depth: u32,
}

impl StringsScan {
    /// With room for `bytes` of text.
    pub fn with_room(bytes: usize) -> StringsScan {
        let mut scan = StringsScan {
            exact: true,
            ..StringsScan::default()
        };
        scan.strings.text.reserve(bytes);
        scan
    }

    fn inexact(&mut self) {
        self.exact = false;
        self.strings = Strings::default();
        self.text = Vec::new();
    }

    pub(super) fn other(&mut self) {
        if self.stage != Stage::After {
            self.inexact();
        }
    }

    /// The table declares an encoding other than UTF-8.
    pub(super) fn foreign(&mut self) {
        self.inexact();
    }

    pub(super) fn start(&mut self, tag: &Tag<'_>) {
        if !self.exact {
            return;
        }
        self.depth = self.depth.saturating_add(1);
        if tag.odd && self.stage != Stage::After {
            return self.inexact();
        }
        if tag.name == b"rPh" && !self.in_si && self.stage != Stage::After {
            return self.inexact();
        }
        match self.stage {
            Stage::Before if tag.name == b"sst" => self.stage = Stage::In,
            Stage::In if !self.in_si && tag.name == b"si" => {
                self.in_si = true;
                self.rich = None;
                self.phonetic = false;
            }
            Stage::In if !self.in_si => {}
            Stage::In => match tag.name {
                _ if self.in_t => self.inexact(),
                b"r" => {
                    self.rich.get_or_insert_with(String::new);
                }
                b"rPh" => self.phonetic = true,
                b"t" if !self.phonetic => {
                    self.in_t = true;
                    self.text.clear();
                }
                b"si" | b"sst" => self.inexact(),
                _ => {}
            },
            _ => {}
        }
    }

    pub(super) fn end(&mut self, name: &[u8]) {
        if !self.exact || self.stage == Stage::After {
            return;
        }
        match self.depth.checked_sub(1) {
            Some(depth) => self.depth = depth,
            None => return self.inexact(),
        }
        if self.stage != Stage::In {
            return;
        }
        if !self.in_si {
            if name == b"sst" {
                self.stage = Stage::After;
            }
            return;
        }
        match name {
            b"t" if self.in_t => {
                self.in_t = false;
                match decode(&self.text, true) {
                    Some(value) => match &mut self.rich {
                        Some(rich) => rich.push_str(&value),
                        None => self.rich = Some(value),
                    },
                    None => self.inexact(),
                }
            }
            b"rPh" => self.phonetic = false,
            b"si" if self.phonetic || self.in_t => self.inexact(),
            b"si" => {
                self.in_si = false;
                let s = self.rich.take().unwrap_or_default();
                self.strings.text.push_str(&s);
                match u32::try_from(self.strings.text.len()) {
                    Ok(end) => self.strings.ends.push(end),
                    Err(_) => self.inexact(),
                }
            }
            _ => {}
        }
    }

    /// Whether the pass should see the table's text (as [`Collect::wants_text`]).
    pub(super) fn wants_text(&self) -> bool {
        self.exact && self.stage != Stage::After
    }

    pub(super) fn text(&mut self, raw: &[u8]) {
        if !self.exact {
            return;
        }
        if self.in_t {
            self.text.extend_from_slice(raw);
        } else if self.stage != Stage::After && raw.contains(&b'&') && decode(raw, false).is_none()
        {
            self.inexact();
        }
    }

    /// Whether the table was read to its end, every string exactly.
    pub fn finish(&mut self) -> bool {
        if self.stage != Stage::After {
            self.inexact();
        }
        self.exact
    }
}

/// The number formats of the cell styles, as calamine's `read_styles` reads `xl/styles.xml`.
#[derive(Debug, Default)]
pub struct StylesScan {
    pub formats: Vec<Format>,
    pub exact: bool,
    custom: HashMap<Vec<u8>, String>,
    in_numfmts: bool,
    in_xfs: bool,
}

impl StylesScan {
    pub fn new() -> StylesScan {
        StylesScan {
            exact: true,
            ..StylesScan::default()
        }
    }

    pub(super) fn start(&mut self, tag: &Tag<'_>) {
        if !self.exact {
            return;
        }
        if tag.odd {
            self.exact = false;
            return;
        }
        match tag.name {
            b"numFmts" if !self.in_xfs => self.in_numfmts = true,
            b"cellXfs" if !self.in_numfmts => self.in_xfs = true,
            b"numFmt" if self.in_numfmts => {
                let mut found = [None; 2];
                if !attributes(tag.attributes, &[b"numFmtId", b"formatCode"], &mut found) {
                    self.exact = false;
                    return;
                }
                let [id, code] = found;
                let code = match std::str::from_utf8(code.unwrap_or_default()) {
                    Ok(code) => code.to_string(),
                    Err(_) => {
                        self.exact = false;
                        return;
                    }
                };
                if !code.is_empty() {
                    self.custom.insert(id.unwrap_or_default().to_vec(), code);
                }
            }
            b"xf" if self.in_xfs => {
                let mut found = [None];
                if !attributes(tag.attributes, &[b"numFmtId"], &mut found) {
                    self.exact = false;
                    return;
                }
                self.formats.push(
                    found[0].map_or(Format::Other, |id| match self.custom.get(id) {
                        Some(code) => custom_format(code),
                        None => builtin_format(id),
                    }),
                );
            }
            _ => {}
        }
    }

    pub(super) fn end(&mut self, name: &[u8]) {
        match name {
            b"numFmts" => self.in_numfmts = false,
            b"cellXfs" => self.in_xfs = false,
            _ => {}
        }
    }
}

/// calamine's `builtin_format_by_id`.
fn builtin_format(id: &[u8]) -> Format {
    match id {
        b"14" | b"15" | b"16" | b"17" | b"18" | b"19" | b"20" | b"21" | b"22" | b"45" | b"47" => {
            Format::DateTime
        }
        b"46" => Format::TimeDelta,
        _ => Format::Other,
    }
}

/// calamine's `detect_custom_number_format`: whether a format code shows a date or a duration.
fn custom_format(format: &str) -> Format {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return Format::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return Format::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return Format::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return Format::DateTime;
            }
            _ => {
                if hms && s.eq_ignore_ascii_case(&prev) {
                    // ok ...
                } else {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    Format::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_decodes_as_calamine_decodes_it() {
        assert_eq!(decode(b"a&amp;b_x0041_", true).as_deref(), Some("a&bA"));
        assert_eq!(decode(b"_x00&amp;41_", true).as_deref(), Some("_x00&41_"));
        assert_eq!(decode(b"a_x0041_", false).as_deref(), Some("a_x0041_"));
        assert_eq!(decode(b"&#x4E2D;&#25991;", true).as_deref(), Some("中文"));
        assert_eq!(decode(b"&bogus;", true), None);
        assert_eq!(decode(b"a & b", true), None);
        assert_eq!(decode(b"&#0;", true), None);
        // Found by the fuzz target: a '&' followed by text whose 16th byte is inside a character.
        assert_eq!(decode("&a [\"lol\"职业指导".as_bytes(), false), None);
        assert_eq!(decode(b"a\r\nb", true), None);
    }

    #[test]
    fn numbers_and_references_are_read_only_when_plain() {
        for n in ["1", "-1.5", "1.25E-3", "2e10", "0.1"] {
            assert!(is_plain_number(n.as_bytes()), "{n}");
        }
        for n in ["", " 1", "+1", "1.", ".5", "inf", "NaN", "1e", "1-"] {
            assert!(!is_plain_number(n.as_bytes()), "{n}");
        }
        assert_eq!(strict_reference(b"ab12"), Some((12, 27)));
        assert_eq!(strict_reference(b"$A$1"), None);
        for r in ["A1", "xfd1048576", "XFE1", "A0", "A1048577", "ZZ99"] {
            assert_eq!(
                strict_reference(r.as_bytes()),
                super::super::parse_reference(r.as_bytes()),
                "{r}"
            );
        }
        assert!(is_strict_range(b"A1:C3") && !is_strict_range(b"A1:B2:C3"));
    }

    #[test]
    fn a_declared_encoding_other_than_utf8_is_noticed() {
        use super::super::xml::foreign_encoding;
        assert!(!foreign_encoding(
            br#"?xml version="1.0" encoding="UTF-8" standalone="yes"?"#
        ));
        assert!(!foreign_encoding(br#"?xml version="1.0"?"#));
        assert!(foreign_encoding(br#"?xml version="1.0" encoding='GBK'?"#));
    }

    #[test]
    fn formats_are_told_as_calamine_tells_them() {
        assert_eq!(custom_format("yyyy-mm-dd"), Format::DateTime);
        assert_eq!(custom_format("[h]:mm:ss"), Format::TimeDelta);
        assert_eq!(custom_format("0.00;@"), Format::Other);
        assert_eq!(builtin_format(b"14"), Format::DateTime);
        assert_eq!(builtin_format(b"46"), Format::TimeDelta);
    }

    #[test]
    fn attributes_are_read_as_quick_xml_reads_them() {
        let mut found = [None; 2];
        assert!(attributes(
            b" r=\"A1\" t='s' s=\"2\"",
            &[b"r", b"t"],
            &mut found
        ));
        assert_eq!(found, [Some(&b"A1"[..]), Some(&b"s"[..])]);
        for bad in [
            &b" r=A1"[..],
            b" r",
            b" r=\"1\" r=\"2\"",
            b" r=\"1\"t=\"s\"",
        ] {
            assert!(!attributes(bad, &[b"r"], &mut [None]), "{bad:?}");
        }
    }
}
