//! Readers that turn a file into a header and rows of [`Cell`]s: CSV (streamed, encoding
//! detected), YAML (read whole; YAML inventories are small by nature) and one sheet of a workbook
//! (streamed by calamine's cell reader, or read whole for `.xls` and `.ods`; see [`super::xlsx`]).

use std::collections::VecDeque;
use std::io::{self, BufReader, Cursor, Read};

use serde_yaml::Value as Yaml;

use super::InventoryError;
use super::cell::Cell;
use super::records::{Record, Records};
use super::xlsx::XlsxSource;
use std::sync::Arc;

use crate::problem::ProblemKind;

/// How many bytes are looked at to detect the encoding and the delimiter.
const SAMPLE: u64 = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GB18030",
        }
    }
}

/// One row: its number (CSV line or YAML item) and its cells, one per header column.
pub struct Row<'a> {
    pub number: u64,
    pub cells: Vec<Cell<'a>>,
    /// Cells beyond the header's width, which are ignored (CSV only).
    pub overflow: usize,
}

/// A row as read: a CSV record with its row number, to be decoded ([`Decoder::row`]), or a row
/// of another format, decoded already.
pub enum RawRow<'a> {
    Record {
        number: u64,
        record: Record,
        decoder: Decoder,
    },
    Row(Row<'a>),
}

impl RawRow<'_> {
    /// About how many bytes of input it holds: a record's bytes, a row's texts.
    pub fn bytes(&self) -> usize {
        match self {
            RawRow::Record { record, .. } => record.as_slice().len(),
            RawRow::Row(row) => row
                .cells
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => text.len(),
                    Cell::List(items) => items.iter().map(String::len).sum(),
                    Cell::Empty | Cell::Bad(_) => 0,
                })
                .sum(),
        }
    }
}

pub enum Source {
    Csv(CsvSource),
    Yaml(YamlSource),
    Xlsx(XlsxSource),
}

impl Source {
    pub fn headers(&self) -> &[String] {
        match self {
            Source::Csv(s) => &s.headers,
            Source::Yaml(s) => &s.headers,
            Source::Xlsx(s) => s.headers(),
        }
    }

    /// The next row, its cells owned (for the few rows of a waiver file: an inventory's rows are
    /// read with [`Source::next_raw`]).
    pub fn next_row(&mut self) -> Result<Option<Row<'static>>, InventoryError> {
        match self {
            Source::Csv(s) => {
                let record = std::mem::take(&mut s.record);
                let Some((number, mut record)) = s.next_record(record)? else {
                    return Ok(None);
                };
                record.split_fields();
                let row = s.decoder().row(number, &record, Vec::new());
                let owned = Row {
                    number: row.number,
                    cells: row.cells.into_iter().map(Cell::into_owned).collect(),
                    overflow: row.overflow,
                };
                s.record = record;
                Ok(Some(owned))
            }
            Source::Yaml(s) => Ok(s.rows.next()),
            Source::Xlsx(s) => s.next_row(),
        }
    }

    /// The next row as read, its cells not yet decoded where decoding can wait (CSV); `spare` is
    /// a record to read into.
    pub fn next_raw(&mut self, spare: Record) -> Result<Option<RawRow<'static>>, InventoryError> {
        Ok(match self {
            Source::Csv(s) => {
                let decoder = s.decoder();
                s.next_record(spare)?
                    .map(|(number, record)| RawRow::Record {
                        number,
                        record,
                        decoder,
                    })
            }
            _ => self.next_row()?.map(RawRow::Row),
        })
    }

    /// About how many rows a file of `size` bytes holds, judged by its first lines (CSV only).
    pub fn rows_in(&self, size: u64) -> Option<u64> {
        match self {
            Source::Csv(s) => s.line_bytes.map(|line| size / line),
            Source::Xlsx(_) | Source::Yaml(_) => None,
        }
    }

    /// The row number of the header's last row (none in YAML).
    pub fn header_row(&self) -> Option<u64> {
        match self {
            Source::Csv(s) => Some(s.header_row()),
            Source::Xlsx(s) => Some(s.header_row()),
            Source::Yaml(_) => None,
        }
    }

    /// In a workbook: the sheet, and its 0-based column of the first header column, for naming
    /// a problem's cell.
    pub fn sheet_origin(&self) -> Option<(Arc<str>, u32)> {
        match self {
            Source::Xlsx(s) => Some(s.origin()),
            Source::Csv(_) | Source::Yaml(_) => None,
        }
    }
}

/// A CSV file, read record by record.
pub struct CsvSource {
    reader: Records,
    pub encoding: Encoding,
    headers: Vec<String>,
    record: Record,
    file: String,
    /// Records read so far, the header's included: the row number a spreadsheet shows (a cell
    /// with a line break in it does not shift it, as a count of file lines would).
    records: u64,
    /// The bytes of a line on average in the first 64 KiB (blank lines aside), when they hold
    /// many lines.
    line_bytes: Option<u64>,
    /// Records read while looking for the header that lie below it, to be read as rows first.
    pending: VecDeque<(u64, Record)>,
    /// The row number of the header's last row.
    header_row: u64,
}

impl CsvSource {
    /// Opens a CSV table whose header is its first non-blank record.
    pub fn open(read: Box<dyn Read>, file: &str) -> Result<CsvSource, InventoryError> {
        CsvSource::open_with(read, file, &super::header::first_row)
    }

    /// Opens a CSV table whose header `finder` places among its first records (title and
    /// 填报单位 rows above it, a header of two rows).
    pub fn open_with(
        read: Box<dyn Read>,
        file: &str,
        finder: &super::header::Finder,
    ) -> Result<CsvSource, InventoryError> {
        let mut buf = BufReader::with_capacity(SAMPLE as usize, read);
        let mut sample = Vec::with_capacity(SAMPLE as usize);
        (&mut buf)
            .take(SAMPLE)
            .read_to_end(&mut sample)
            .map_err(|e| InventoryError::Io {
                file: file.into(),
                source: e,
            })?;
        if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
            return Err(InventoryError::Utf16 { file: file.into() });
        }
        let (skip, encoding) = if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
            (3, Encoding::Utf8)
        } else if sample.contains(&0) {
            return Err(InventoryError::Binary { file: file.into() });
        } else {
            (0, detect_encoding(&sample))
        };
        // The lines whole in the sample, blank ones aside.
        let (lines, bytes) = sample
            .split(|&b| b == b'\n')
            .rev()
            .skip(1)
            .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
            .fold((0u64, 0u64), |(n, bytes), line| {
                (n + 1, bytes + line.len() as u64 + 1)
            });
        let line_bytes = (lines >= 16).then(|| bytes / lines);
        let delimiter = detect_delimiter(&sample[skip..]);
        let body = &sample[skip..];
        let rest: Box<dyn Read> = Box::new(Cursor::new(body.to_vec()).chain(buf));
        let reader = Records::new(rest, delimiter);
        let mut source = CsvSource {
            reader,
            encoding,
            headers: Vec::new(),
            record: Record::default(),
            file: file.to_string(),
            records: 0,
            line_bytes,
            pending: VecDeque::new(),
            header_row: 0,
        };
        // The first non-blank records, where the header is: read whole, then those below the
        // header are read again as rows.
        let mut top: Vec<(u64, Record)> = Vec::new();
        while top.len() < super::header::HEADER_SCAN {
            let mut record = Record::default();
            if !source.read_into(&mut record)? {
                break;
            }
            record.split_fields();
            if record
                .iter()
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
            {
                let done = record.open_quote().is_some() || record.dropped() > 0;
                top.push((source.records, record));
                // A record that took the rest of the file, or too wide: no more to look at.
                if done {
                    break;
                }
            }
        }
        if top.is_empty() {
            return Err(InventoryError::Empty { file: file.into() });
        }
        let texts: Vec<Vec<String>> = top
            .iter()
            .map(|(_, record)| {
                record
                    .iter()
                    .map(|f| match source.decode(f) {
                        Cell::Text(s) => s.into_owned(),
                        _ => String::from_utf8_lossy(f).into_owned(),
                    })
                    .collect()
            })
            .collect();
        let found = finder(&texts);
        let header = found.rows.first..found.rows.data_start().min(top.len());
        for (_, record) in &top[header.clone()] {
            if let Some(lines) = record.open_quote() {
                return Err(InventoryError::HeaderQuote {
                    file: file.into(),
                    lines,
                });
            }
            if record.dropped() > 0 {
                return Err(InventoryError::WideHeader {
                    file: file.into(),
                    columns: record.len() + record.dropped(),
                    max: super::records::MAX_FIELDS,
                });
            }
        }
        source.header_row = top[header.end - 1].0;
        source.headers = found.rows.names;
        source.pending = top.into_iter().skip(header.end).collect();
        Ok(source)
    }

    /// The row number of the header's last row (the row a spreadsheet shows).
    pub fn header_row(&self) -> u64 {
        self.header_row
    }

    /// Reads the next record, a line with no quote left unsplit ([`Records::read_line`]).
    fn read_into(&mut self, record: &mut Record) -> Result<bool, InventoryError> {
        let more = self
            .reader
            .read_line(record)
            .map_err(|e| InventoryError::Csv {
                file: self.file.clone(),
                message: e.to_string(),
            })?;
        self.records += u64::from(more);
        Ok(more)
    }

    fn decode<'r>(&self, bytes: &'r [u8]) -> Cell<'r> {
        self.decoder().decode(bytes)
    }

    /// What decodes this file's records.
    pub fn decoder(&self) -> Decoder {
        Decoder {
            encoding: self.encoding,
            width: self.headers.len(),
        }
    }

    /// The next record that is not blank, read into `record`, and its row number; it is split
    /// into fields ([`Record::split_fields`]) and its cells decoded ([`Decoder::row`]) later, on
    /// any thread.
    pub fn next_record(
        &mut self,
        mut record: Record,
    ) -> Result<Option<(u64, Record)>, InventoryError> {
        if let Some(pending) = self.pending.pop_front() {
            return Ok(Some(pending));
        }
        loop {
            if !self.read_into(&mut record)? {
                return Ok(None);
            }
            // A row of nothing but empty cells (`,,,,` as spreadsheets save blank lines) is skipped.
            if !record.is_blank() {
                return Ok(Some((self.records, record)));
            }
        }
    }
}

/// Decodes a CSV file's records into rows of cells, by its encoding and header.
#[derive(Clone, Copy, Debug)]
pub struct Decoder {
    encoding: Encoding,
    width: usize,
}

impl Decoder {
    /// The record's row, its cells borrowing their text from it (UTF-8) or decoded (GBK); the
    /// cells go into `cells`, whose allocation is reused.
    pub fn row<'r>(&self, number: u64, record: &'r Record, cells: Vec<Cell<'_>>) -> Row<'r> {
        let width = self.width;
        let mut cells = reuse(cells);
        // UTF-8 is checked once for the whole record, then each field is a slice of it; a record
        // with a bad byte anywhere is decoded field by field, so that only its bad cells are bad.
        let whole = match self.encoding {
            Encoding::Utf8 => simdutf8::basic::from_utf8(record.as_slice()).ok(),
            Encoding::Gb18030 => None,
        };
        // A UTF-8 row in a GBK file decodes without error, as mojibake: it is told by being valid
        // UTF-8 with Chinese characters in it (GBK text almost never is), and not read.
        // (Told on the fields joined without their delimiters, however the record was read.)
        let pasted = self.encoding == Encoding::Gb18030
            && utf8_chinese(&record.iter().flatten().copied().collect::<Vec<u8>>());
        let bytes = record.as_slice();
        let mut bounds = record.bounds().iter();
        cells.extend((0..width).map(|_| match bounds.next() {
            None => Cell::Empty,
            Some(&(start, end)) => match whole.and_then(|w| w.get(start..end)) {
                Some("") => Cell::Empty,
                Some(text) => Cell::Text(std::borrow::Cow::Borrowed(text)),
                None => {
                    let f = &bytes[start..end];
                    if pasted && !f.is_ascii() {
                        Cell::Bad(Box::new(ProblemKind::Utf8InGbk))
                    } else {
                        self.decode(f)
                    }
                }
            },
        }));
        Row {
            number,
            cells,
            overflow: self.overflow(record),
        }
    }

    /// How many cells the header's width, one per header column.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The cells of the record beyond the header's width ([`Row::overflow`]).
    pub fn overflow(&self, record: &Record) -> usize {
        // Trailing empty cells beyond the header are what spreadsheets add; they are no overflow.
        // (The fields past the header are looked at where they are: skipping those before them
        // one by one cost 2% of a national run's instructions, in cachegrind.)
        let beyond = record.bounds().get(self.width..).unwrap_or_default();
        if beyond.iter().all(|&(start, end)| start == end) {
            0
        } else {
            record.len().saturating_sub(self.width)
        }
    }

    /// The record as one text, when the file is UTF-8 and the whole record is valid: its cells
    /// can then be read one at a time, as [`Decoder::cell`], with no [`Row`] made.
    pub fn utf8<'r>(&self, record: &'r Record) -> Option<&'r str> {
        match self.encoding {
            Encoding::Utf8 => simdutf8::basic::from_utf8(record.as_slice()).ok(),
            Encoding::Gb18030 => None,
        }
    }

    /// Cell `c` (below [`Decoder::width`]) of a record that is `whole` as UTF-8
    /// ([`Decoder::utf8`]): the cell [`Decoder::row`] makes of it.
    #[inline]
    pub fn cell<'r>(&self, whole: &'r str, record: &'r Record, c: usize) -> Cell<'r> {
        match record.bounds().get(c) {
            None => Cell::Empty,
            Some(&(start, end)) => self.field(whole, record, start, end),
        }
    }

    /// The cell of the field at `start..end` (a bound of the record) of a record that is `whole`
    /// as UTF-8: as [`Decoder::cell`].
    #[inline]
    pub fn field<'r>(
        &self,
        whole: &'r str,
        record: &'r Record,
        start: usize,
        end: usize,
    ) -> Cell<'r> {
        match whole.get(start..end) {
            Some("") => Cell::Empty,
            Some(text) => Cell::Text(std::borrow::Cow::Borrowed(text)),
            None => self.decode(&record.as_slice()[start..end]),
        }
    }

    /// Decodes one field.
    fn decode<'r>(&self, bytes: &'r [u8]) -> Cell<'r> {
        if bytes.is_empty() {
            return Cell::Empty;
        }
        let decoded = match self.encoding {
            Encoding::Utf8 => simdutf8::basic::from_utf8(bytes)
                .ok()
                .map(std::borrow::Cow::Borrowed),
            Encoding::Gb18030 => {
                encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
            }
        };
        match decoded {
            Some(text) => Cell::Text(text),
            None => Cell::Bad(Box::new(ProblemKind::Encoding {
                encoding: self.encoding.name(),
            })),
        }
    }
}

/// Whether `bytes` are UTF-8 text with at least two Chinese characters (CJK ideographs), which GBK
/// text almost never is: a GBK pair of bytes is valid UTF-8 only as a rare two-byte letter
/// (台 is `CC A8`, read as U+0328), and a run of them as a three-byte ideograph rarer still.
fn utf8_chinese(bytes: &[u8]) -> bool {
    simdutf8::basic::from_utf8(bytes).is_ok_and(|text| {
        text.chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .nth(1)
            .is_some()
    })
}

/// An empty vector of cells in the allocation of `cells` (of any lifetime): collecting in place
/// keeps the allocation, so rows need not allocate their cells one by one.
pub fn reuse<'b>(mut cells: Vec<Cell<'_>>) -> Vec<Cell<'b>> {
    cells.clear();
    cells.into_iter().map(|_| Cell::Empty).collect()
}

/// UTF-8 when the sample is UTF-8, or mostly so: a UTF-8 file with a stray GBK cell stays UTF-8 and
/// that cell alone is reported. GB18030 (a superset of GBK) when the sample's non-ASCII bytes are
/// not, for the most part, valid UTF-8 — as in a file saved by Excel on Chinese Windows.
fn detect_encoding(sample: &[u8]) -> Encoding {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid += std::str::from_utf8(good)
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                // Cut in the middle of a character at the end of the sample: not an error.
                let Some(len) = e.error_len() else { break };
                invalid += 1;
                rest = &bad[len..];
            }
        }
    }
    // The header decides where it can: a header with Chinese in valid UTF-8 is a UTF-8 file.
    let header = sample.split(|b| *b == b'\n').next().unwrap_or_default();
    let header_utf8 =
        std::str::from_utf8(header).map_or_else(|e| e.error_len().is_none(), |_| true);
    if invalid == 0 || (header_utf8 && !header.is_ascii()) || valid > invalid * 4 {
        Encoding::Utf8
    } else {
        Encoding::Gb18030
    }
}

/// Comma, unless the first line has tabs and no commas (a tab-separated export).
fn detect_delimiter(sample: &[u8]) -> u8 {
    let first = sample.split(|b| *b == b'\n').next().unwrap_or_default();
    let commas = first.iter().filter(|b| **b == b',').count();
    let tabs = first.iter().filter(|b| **b == b'\t').count();
    if tabs > 0 && commas == 0 { b'\t' } else { b',' }
}

/// A YAML table: a list of maps, or a map whose `list_key` (`outlets:`, `waivers:`) holds that list.
pub struct YamlSource {
    headers: Vec<String>,
    rows: std::vec::IntoIter<Row<'static>>,
}

/// The text of a YAML inventory, refused past [`YAML_MAX_BYTES`] or nested too deep.
fn yaml_text(read: &mut Box<dyn Read>, file: &str) -> Result<String, InventoryError> {
    // A YAML inventory is read whole, and its parsed tree takes some 30 times the text: past
    // this size, CSV is the format to use.
    let mut text = String::new();
    read.take(YAML_MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => InventoryError::Yaml {
                file: file.into(),
                message: "the file is not valid UTF-8".into(),
                zh: Some("文件不是有效的 UTF-8 文本".into()),
            },
            _ => InventoryError::Io {
                file: file.into(),
                source: e,
            },
        })?;
    if text.len() as u64 > YAML_MAX_BYTES {
        return Err(InventoryError::Yaml {
            file: file.into(),
            message: format!(
                "the file is larger than {} MB; give inventories this large as CSV",
                YAML_MAX_BYTES >> 20
            ),
            zh: Some(format!(
                "文件大于 {} MB;这么大的清单请用 CSV",
                YAML_MAX_BYTES >> 20
            )),
        });
    }
    if crate::text::yaml_flow_depth(&text, crate::text::YAML_DEPTH_LIMIT)
        > crate::text::YAML_DEPTH_LIMIT
    {
        return Err(InventoryError::Yaml {
            file: file.into(),
            message: format!(
                "recursion limit exceeded: collections nested more than {} deep",
                crate::text::YAML_DEPTH_LIMIT
            ),
            zh: Some(format!(
                "嵌套层数超过上限 {}",
                crate::text::YAML_DEPTH_LIMIT
            )),
        });
    }
    Ok(text)
}

/// The outlets of a YAML inventory: the document's list, or the list under `list_key`.
fn yaml_items(doc: Yaml, list_key: &str, file: &str) -> Result<Vec<Yaml>, InventoryError> {
    Ok(match doc {
        Yaml::Sequence(items) => items,
        Yaml::Mapping(mut map) => match map.remove(list_key) {
            Some(Yaml::Sequence(items)) => items,
            Some(Yaml::Null) => Vec::new(),
            _ => {
                return Err(InventoryError::Yaml {
                    file: file.into(),
                    message: format!(
                        "expected a list of {list_key}, or a map whose `{list_key}:` key holds one"
                    ),
                    zh: Some(format!(
                        "应为 `{list_key}` 的列表,或 `{list_key}:` 键下为列表的映射"
                    )),
                });
            }
        },
        Yaml::Null => return Err(InventoryError::Empty { file: file.into() }),
        _ => {
            return Err(InventoryError::Yaml {
                file: file.into(),
                message: format!(
                    "expected a list of {list_key}, or a map whose `{list_key}:` key holds one"
                ),
                zh: Some(format!(
                    "应为 `{list_key}` 的列表,或 `{list_key}:` 键下为列表的映射"
                )),
            });
        }
    })
}

/// The largest YAML file read.
pub const YAML_MAX_BYTES: u64 = 16 << 20;

impl YamlSource {
    pub fn open(
        mut read: Box<dyn Read>,
        file: &str,
        list_key: &str,
        same_column: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<YamlSource, InventoryError> {
        let text = yaml_text(&mut read, file)?;
        let doc: Yaml = serde_yaml::from_str(&text).map_err(|e| InventoryError::Yaml {
            file: file.into(),
            zh: Some(match e.location() {
                Some(l) => format!(
                    "第 {} 行第 {} 列的 YAML 写法有误(英文详情请加 `--lang en` 查看)",
                    l.line(),
                    l.column()
                ),
                None => "YAML 写法有误(英文详情请加 `--lang en` 查看)".into(),
            }),
            message: e.to_string(),
        })?;
        let items = yaml_items(doc, list_key, file)?;
        let mut headers: Vec<String> = Vec::new();
        let mut by_field: std::collections::HashMap<usize, usize> =
            std::collections::HashMap::new();
        let mut positions: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut maps = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Yaml::Mapping(map) => {
                    let mut pairs = Vec::with_capacity(map.len());
                    for (k, v) in map {
                        let key = scalar_text(&k).unwrap_or_default();
                        // Keys that name the same field (`id` in one outlet, 网点编号 in the next)
                        // are one column, shown under the spelling seen first.
                        let column = if let Some(c) =
                            same_column(&key).and_then(|f| by_field.get(&f).copied())
                        {
                            c
                        } else {
                            let c = *positions.entry(key.clone()).or_insert_with(|| {
                                headers.push(key.clone());
                                headers.len() - 1
                            });
                            if let Some(f) = same_column(&key) {
                                by_field.entry(f).or_insert(c);
                            }
                            c
                        };
                        if !matches!(v, Yaml::Null) {
                            pairs.push((column, yaml_cell(v)));
                        }
                    }
                    // An outlet with every value blank (as a template leaves it) is a blank row:
                    // its keys still count as columns, but it is skipped.
                    maps.push(Some(pairs));
                }
                _ => maps.push(None),
            }
        }
        let width = headers.len();
        let rows: Vec<Row> = maps
            .into_iter()
            .enumerate()
            .filter(|(_, pairs)| pairs.as_ref().is_none_or(|p| !p.is_empty()))
            .map(|(i, pairs)| {
                let mut cells = vec![Cell::Empty; width];
                match pairs {
                    Some(pairs) => {
                        for (c, cell) in pairs {
                            cells[c] = cell;
                        }
                    }
                    // Not a map: every cell is unreadable, which the id cell reports.
                    None => cells.iter_mut().for_each(|c| {
                        *c = Cell::Bad(Box::new(ProblemKind::Shape {
                            expected: "a map of columns to values",
                        }));
                    }),
                }
                Row {
                    number: i as u64 + 1,
                    cells,
                    overflow: 0,
                }
            })
            .collect();
        Ok(YamlSource {
            headers,
            rows: rows.into_iter(),
        })
    }
}

fn scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

fn yaml_cell(v: Yaml) -> Cell<'static> {
    match v {
        Yaml::Null => Cell::Empty,
        Yaml::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                match scalar_text(item) {
                    Some(s) => out.push(s),
                    None => {
                        return Cell::Bad(Box::new(ProblemKind::Shape {
                            expected: "a single value",
                        }));
                    }
                }
            }
            Cell::List(out)
        }
        Yaml::Mapping(_) => Cell::Bad(Box::new(ProblemKind::Shape {
            expected: "a single value",
        })),
        other => match scalar_text(&other) {
            Some(s) => Cell::text(s),
            None => Cell::Bad(Box::new(ProblemKind::Shape {
                expected: "a single value",
            })),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_rows_are_told_from_gbk_rows_of_the_example_county() {
        let text = include_str!("../../examples/county.csv");
        for line in text.lines() {
            let (gbk, _, unmappable) = encoding_rs::GB18030.encode(line);
            assert!(!unmappable);
            let chinese = line
                .chars()
                .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
            assert_eq!(
                utf8_chinese(line.as_bytes()),
                chinese.count() >= 2,
                "{line}"
            );
            assert!(!utf8_chinese(&gbk), "a GBK row read as UTF-8: {line}");
        }
        // Short GBK cells can be valid UTF-8 (台 is CC A8), but not Chinese UTF-8.
        for cell in ["2台", "8000元", "省", "台台台"] {
            let (gbk, _, _) = encoding_rs::GB18030.encode(cell);
            assert!(!utf8_chinese(&gbk), "{cell}");
        }
    }

    #[test]
    fn a_utf8_row_in_a_gbk_file_is_told_however_the_record_was_read() -> io::Result<()> {
        // 中文 in UTF-8, split by a delimiter inside its first character: the row's fields,
        // joined, are Chinese UTF-8. Read plain (split at the commas) and quoted (by csv_core).
        let plain = b"G1,\xe4\xb8,\xad\xe6\x96\x87\n".to_vec();
        let quoted = b"G1,\"\xe4\xb8\",\"\xad\xe6\x96\x87\"\n".to_vec();
        let decoder = Decoder {
            encoding: Encoding::Gb18030,
            width: 3,
        };
        let mut rows = Vec::new();
        for bytes in [plain, quoted] {
            let mut records = Records::new(Box::new(Cursor::new(bytes)), b',');
            let mut record = Record::default();
            assert!(records.read(&mut record)?);
            let cells = decoder.row(2, &record, Vec::new()).cells;
            rows.push(cells.into_iter().map(Cell::into_owned).collect::<Vec<_>>());
        }
        let pasted = || Cell::Bad(Box::new(ProblemKind::Utf8InGbk));
        assert_eq!(rows[0], [Cell::text("G1"), pasted(), pasted()]);
        assert_eq!(rows[0], rows[1]);
        Ok(())
    }

    #[test]
    fn encoding_is_utf8_unless_mostly_not() {
        let gbk = encoding_rs::GB18030
            .encode("网点编号,网点名称\nA,城关镇就业服务站\n")
            .0
            .into_owned();
        assert_eq!(detect_encoding(&gbk), Encoding::Gb18030);
        let mut mixed = "网点编号,网点名称\nA,城关镇就业服务站\nB,"
            .as_bytes()
            .to_vec();
        mixed.extend_from_slice(&encoding_rs::GB18030.encode("河口村").0);
        assert_eq!(detect_encoding(&mixed), Encoding::Utf8);
        assert_eq!(detect_encoding(b"id,name\n"), Encoding::Utf8);
        // A sample cut inside a character is still UTF-8.
        let cut = &"网点".as_bytes()[..4];
        assert_eq!(detect_encoding(cut), Encoding::Utf8);
    }

    #[test]
    fn delimiter_is_tab_only_for_tab_separated_headers() {
        assert_eq!(detect_delimiter(b"id\tname\n1\t2"), b'\t');
        assert_eq!(detect_delimiter(b"id,name\tx\n"), b',');
        assert_eq!(detect_delimiter(b"id\n"), b',');
    }

    #[test]
    fn detects_gbk_and_bom() {
        let gbk = encoding_rs::GB18030
            .encode("网点编号,网点名称\nA,城关镇\n")
            .0
            .into_owned();
        let s = CsvSource::open(Box::new(Cursor::new(gbk)), "t.csv")
            .ok()
            .map(|s| (s.encoding, s.headers.clone()));
        assert_eq!(
            s,
            Some((
                Encoding::Gb18030,
                vec!["网点编号".to_string(), "网点名称".to_string()]
            ))
        );
        let bom = b"\xEF\xBB\xBFid,name\n".to_vec();
        let s = CsvSource::open(Box::new(Cursor::new(bom)), "t.csv")
            .ok()
            .map(|s| (s.encoding, s.headers.clone()));
        assert_eq!(
            s,
            Some((Encoding::Utf8, vec!["id".to_string(), "name".to_string()]))
        );
    }

    /// How many rows a file holds, judged by its first lines: blank lines before the header do
    /// not count, and a file of few lines gives no guess.
    #[test]
    fn rows_are_judged_from_the_first_lines_that_are_not_blank() {
        let rows_in = |text: String| {
            let size = text.len() as u64;
            let csv = CsvSource::open(Box::new(Cursor::new(text.into_bytes())), "t.csv");
            csv.ok().and_then(|s| Source::Csv(s).rows_in(size))
        };
        // A header and 1,000 rows of one length.
        let rows: String = (0..1000)
            .map(|i| format!("ID-{i:06},某某网点,村\n"))
            .collect();
        let header = "网点编号,网点名称,网点类型\n";
        let plain = rows_in(format!("{header}{rows}"));
        assert!(
            plain.is_some_and(|n| (990..=1010).contains(&n)),
            "{plain:?}"
        );
        // 60,000 blank lines first: the same guess, or none, but never millions.
        let blank = rows_in(format!("{}{header}{rows}", "\n".repeat(60_000)));
        assert!(blank.is_none_or(|n| n < 5000), "{blank:?}");
        assert_eq!(rows_in(format!("{header}A,B,村\n")), None);
    }
}
