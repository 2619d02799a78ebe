//! Readers that turn a file into a header and rows of [`Cell`]s: CSV (streamed, encoding
//! detected) and YAML (read whole; YAML inventories are small by nature).

use std::io::{self, BufReader, Cursor, Read};

use serde_yaml::Value as Yaml;

use super::InventoryError;
use super::cell::Cell;
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
pub struct Row {
    pub number: u64,
    pub cells: Vec<Cell>,
    /// Cells beyond the header's width, which are ignored (CSV only).
    pub overflow: usize,
}

pub enum Source {
    Csv(CsvSource),
    Yaml(YamlSource),
}

impl Source {
    pub fn headers(&self) -> &[String] {
        match self {
            Source::Csv(s) => &s.headers,
            Source::Yaml(s) => &s.headers,
        }
    }

    pub fn next_row(&mut self) -> Result<Option<Row>, InventoryError> {
        match self {
            Source::Csv(s) => s.next_row(),
            Source::Yaml(s) => Ok(s.rows.next()),
        }
    }
}

/// A CSV file, read record by record.
pub struct CsvSource {
    reader: csv::Reader<Box<dyn Read>>,
    pub encoding: Encoding,
    headers: Vec<String>,
    record: csv::ByteRecord,
    file: String,
}

impl CsvSource {
    pub fn open(read: Box<dyn Read>, file: &str) -> Result<CsvSource, InventoryError> {
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
            match std::str::from_utf8(&sample) {
                Ok(_) => (0, Encoding::Utf8),
                // Cut in the middle of a character at the end of the sample: still UTF-8.
                Err(e) if e.error_len().is_none() => (0, Encoding::Utf8),
                Err(_) => (0, Encoding::Gb18030),
            }
        };
        let delimiter = detect_delimiter(&sample[skip..]);
        let body = &sample[skip..];
        let rest: Box<dyn Read> = Box::new(Cursor::new(body.to_vec()).chain(buf));
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(rest);
        let mut source = CsvSource {
            reader,
            encoding,
            headers: Vec::new(),
            record: csv::ByteRecord::new(),
            file: file.to_string(),
        };
        // The header is the first record that is not blank.
        loop {
            if !source.read()? {
                return Err(InventoryError::Empty { file: file.into() });
            }
            if source
                .record
                .iter()
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
            {
                break;
            }
        }
        source.headers = source
            .record
            .iter()
            .map(|f| match source.decode(f) {
                Cell::Text(s) => s,
                _ => String::from_utf8_lossy(f).into_owned(),
            })
            .collect();
        Ok(source)
    }

    fn read(&mut self) -> Result<bool, InventoryError> {
        self.reader
            .read_byte_record(&mut self.record)
            .map_err(|e| InventoryError::Csv {
                file: self.file.clone(),
                message: e.to_string(),
            })
    }

    fn decode(&self, bytes: &[u8]) -> Cell {
        if bytes.is_empty() {
            return Cell::Empty;
        }
        let text = match self.encoding {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
            Encoding::Gb18030 => encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|c| c.into_owned()),
        };
        match text {
            Some(s) => Cell::Text(s),
            None => Cell::Bad(ProblemKind::Encoding {
                encoding: self.encoding.name(),
            }),
        }
    }

    fn next_row(&mut self) -> Result<Option<Row>, InventoryError> {
        loop {
            if !self.read()? {
                return Ok(None);
            }
            // A row of nothing but empty cells (`,,,,` as spreadsheets save blank lines) is skipped.
            if self
                .record
                .iter()
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            let number = self.record.position().map_or(0, |p| p.line());
            let width = self.headers.len();
            let mut cells: Vec<Cell> = self
                .record
                .iter()
                .take(width)
                .map(|f| self.decode(f))
                .collect();
            cells.resize(width, Cell::Empty);
            let overflow = self.record.len().saturating_sub(width);
            // Trailing empty cells beyond the header are what spreadsheets add; they are no overflow.
            let overflow = if self.record.iter().skip(width).all(|f| f.is_empty()) {
                0
            } else {
                overflow
            };
            return Ok(Some(Row {
                number,
                cells,
                overflow,
            }));
        }
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
    rows: std::vec::IntoIter<Row>,
}

impl YamlSource {
    pub fn open(
        mut read: Box<dyn Read>,
        file: &str,
        list_key: &str,
    ) -> Result<YamlSource, InventoryError> {
        let mut text = String::new();
        read.read_to_string(&mut text).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => InventoryError::Yaml {
                file: file.into(),
                message: "the file is not valid UTF-8".into(),
            },
            _ => InventoryError::Io {
                file: file.into(),
                source: e,
            },
        })?;
        let doc: Yaml = serde_yaml::from_str(&text).map_err(|e| InventoryError::Yaml {
            file: file.into(),
            message: e.to_string(),
        })?;
        let items = match doc {
            Yaml::Sequence(items) => items,
            Yaml::Mapping(mut map) => match map.remove(list_key) {
                Some(Yaml::Sequence(items)) => items,
                Some(Yaml::Null) => Vec::new(),
                _ => {
                    return Err(InventoryError::Yaml {
                        file: file.into(),
                        message: format!(
                            "expected a list, or a map whose `{list_key}:` key holds one"
                        ),
                    });
                }
            },
            Yaml::Null => return Err(InventoryError::Empty { file: file.into() }),
            _ => {
                return Err(InventoryError::Yaml {
                    file: file.into(),
                    message: format!("expected a list, or a map whose `{list_key}:` key holds one"),
                });
            }
        };
        let mut headers: Vec<String> = Vec::new();
        let mut maps = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Yaml::Mapping(map) => {
                    let mut pairs = Vec::with_capacity(map.len());
                    for (k, v) in map {
                        let key = scalar_text(&k).unwrap_or_default();
                        let column = match headers.iter().position(|h| *h == key) {
                            Some(c) => c,
                            None => {
                                headers.push(key);
                                headers.len() - 1
                            }
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
                        *c = Cell::Bad(ProblemKind::Shape {
                            expected: "a map of columns to values",
                        })
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

fn yaml_cell(v: Yaml) -> Cell {
    match v {
        Yaml::Null => Cell::Empty,
        Yaml::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                match scalar_text(item) {
                    Some(s) => out.push(s),
                    None => {
                        return Cell::Bad(ProblemKind::Shape {
                            expected: "a single value",
                        });
                    }
                }
            }
            Cell::List(out)
        }
        Yaml::Mapping(_) => Cell::Bad(ProblemKind::Shape {
            expected: "a single value",
        }),
        other => match scalar_text(&other) {
            Some(s) => Cell::Text(s),
            None => Cell::Bad(ProblemKind::Shape {
                expected: "a single value",
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
