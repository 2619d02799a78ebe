//! Reports: a data model of columns and typed cells, and pure renderers to table, CSV, JSON and
//! Markdown that write to any `io::Write`.
//!
//! Rows stream: CSV, JSON and Markdown write each row as it comes, so a national inventory never
//! sits in memory; only the terminal table, which must measure its columns, keeps its rows.
//! The CSV and JSON columns are a wire format: keys are stable, `schema_version` marks changes.

pub mod annotate;
mod csv;
pub mod describe;
pub mod html;
mod json;
mod markdown;
pub mod outlets;
pub mod rules;
pub mod summary;
mod table;
pub mod words;
pub mod xlsx;

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Value as Json, json};

pub use csv::{CsvCells, formula_like};
use csv::{csv_line, write_csv_record};
use json::{JsonRow, problem_json, section_json};
use markdown::{markdown_line, md_escape};

use crate::problem::Problem;
use crate::rulebook::Rulebook;
use crate::text::{Lang, Text, visible};

/// How many rows the terminal table measures its columns on; a longer table streams the rest in
/// those widths, so that its memory is bounded however long the inventory.
const TABLE_BLOCK: usize = 1_000;

/// The version of the JSON and CSV wire format of the reports not listed in [`schema_version`].
pub const SCHEMA_VERSION: u32 = 1;

/// The version of a command's JSON and CSV wire format: each report's columns change on their
/// own, so each has its own version, starting from [`SCHEMA_VERSION`].
///
/// - `summary` 2: groups are region paths; the `province`, `city`, `county` (and `township`)
///   columns follow `group`, in the rows and in the structure checks.
/// - `diff` 2: `group` is the whole region path; CSV rows end with `old_as_of` and `new_as_of`;
///   the JSON head has `old_as_of` and `new_as_of`.
pub fn schema_version(command: &str) -> u32 {
    match command {
        "summary" | "diff" => 2,
        _ => SCHEMA_VERSION,
    }
}

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum Format {
    /// An aligned table for the terminal.
    #[default]
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document.
    Json,
    /// GitHub-flavoured Markdown tables.
    Markdown,
    /// One self-contained HTML page with charts and a sortable, filterable table.
    Html,
    /// An Excel workbook: one sheet per table, then data problems and the summary.
    Xlsx,
}

/// A column: its stable key (the English CSV header and JSON key) and its Chinese and English titles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub key: String,
    pub title: Text,
}

impl Column {
    pub fn new(key: &str, zh: &str, en: &str) -> Column {
        Column {
            key: key.to_string(),
            title: Text::new(zh, en),
        }
    }

    /// The header as the format and language show it: CSV in English uses the stable key.
    fn header(&self, format: Format, lang: Lang) -> &str {
        match (format, lang) {
            (Format::Csv, Lang::En) => &self.key,
            _ => self.title.get(lang),
        }
    }
}

/// A typed cell, rendered by format and language.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Null,
    Str(String),
    Int(i64),
    Num(f64),
    /// A share from 0 to 1, shown as a percentage to people and as a fraction to machines.
    Percent(f64),
    /// An assessed grade; `None` is 未达四级 (empty in English CSV, null in JSON).
    Grade(Option<u8>),
    /// A grade that may be absent (a blank claim): empty and null when absent.
    OptGrade(Option<u8>),
    /// Text shared between rows (a rulebook's, made once), shown as `Str` is.
    Shared(words::Shared),
    /// A value of a closed set: a stable key for machines, titles for people. The tool's own
    /// words borrow their texts; a rulebook's are shared.
    Key {
        key: words::Shared,
        title: words::Title,
    },
}

impl Out {
    /// A value of a closed set, in the tool's own words.
    pub fn key(key: &'static str, zh: &'static str, en: &'static str) -> Out {
        Out::Key {
            key: words::Shared::Static(key),
            title: words::Title::new(zh, en),
        }
    }

    pub fn str(s: impl Into<String>) -> Out {
        Out::Str(s.into())
    }

    fn text(&self, format: Format, lang: Lang, book: &Rulebook) -> String {
        let mut buf = String::new();
        self.write_text(&mut buf, format, lang, book);
        buf
    }

    /// Appends the cell as the format and language show it.
    fn write_text(&self, buf: &mut String, format: Format, lang: Lang, book: &Rulebook) {
        use std::fmt::Write as _;
        let grade = |buf: &mut String, g: u8| match lang {
            Lang::En => Out::push_int(buf, i64::from(g)),
            Lang::Zh => match book.grade_info(g) {
                Some(i) => buf.push_str(&i.name.zh),
                None => Out::push_int(buf, i64::from(g)),
            },
        };
        match self {
            Out::Null | Out::OptGrade(None) => {}
            Out::Str(s) => buf.push_str(s),
            Out::Shared(s) => buf.push_str(s),
            Out::Int(n) => Out::push_int(buf, *n),
            Out::Num(n) => Out::push_number(buf, *n),
            Out::Percent(x) => {
                let _ = match format {
                    Format::Csv if Out::push_fixed4(buf, *x) => Ok(()),
                    Format::Csv => write!(buf, "{x:.4}"),
                    _ => write!(buf, "{:.1}%", x * 100.0),
                };
            }
            Out::Grade(Some(g)) | Out::OptGrade(Some(g)) => grade(buf, *g),
            Out::Grade(None) => match (format, lang) {
                (Format::Csv, Lang::En) => {}
                (_, Lang::En) => buf.push_str("ungraded"),
                (_, Lang::Zh) => buf.push_str("未达四级"),
            },
            Out::Key { key, title } => match (format, lang) {
                (Format::Csv, Lang::En) => buf.push_str(key),
                _ => buf.push_str(title.get(lang)),
            },
        }
    }

    fn json(&self) -> Json {
        match self {
            Out::Null | Out::Grade(None) | Out::OptGrade(None) => Json::Null,
            Out::Str(s) => json!(s),
            Out::Shared(s) => json!(&**s),
            Out::Int(n) => json!(n),
            Out::Num(n) => json!(n),
            Out::Percent(x) => json!((x * 10000.0).round() / 10000.0),
            Out::Grade(Some(g)) | Out::OptGrade(Some(g)) => json!(g),
            Out::Key { key, .. } => json!(&**key),
        }
    }

    /// Appends a number without a needless `.0`.
    pub(crate) fn push_number(buf: &mut String, n: f64) {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            Out::push_int(buf, n as i64);
        } else {
            use std::fmt::Write as _;
            let _ = write!(buf, "{n}");
        }
    }

    /// Appends `x` with four decimals as `{:.4}` does, without its exact float formatting, when
    /// the rounding is clear: `x` from 0 to 10^6 and `x` × 10^4 not within 10^-6 of a tie (the
    /// product's own error is below 10^-9 there). Returns false, having appended nothing, if not.
    pub(crate) fn push_fixed4(buf: &mut String, x: f64) -> bool {
        if !(x.is_sign_positive() && x <= 1e6) {
            return false;
        }
        let scaled = x * 10000.0;
        let whole = scaled.floor();
        let frac = scaled - whole;
        if (frac - 0.5).abs() < 1e-6 {
            return false;
        }
        let units = whole as i64 + i64::from(frac > 0.5);
        Out::push_int(buf, units / 10000);
        buf.push('.');
        let decimals = units % 10000;
        for d in [1000, 100, 10, 1] {
            buf.push(char::from(b'0' + (decimals / d % 10) as u8));
        }
        true
    }

    /// Appends an integer in decimal, without the formatting machinery.
    pub(crate) fn push_int(buf: &mut String, n: i64) {
        buf.push_str(itoa::Buffer::new().format(n));
    }
}

/// A number without a needless `.0`.
pub fn format_number(n: f64) -> String {
    let mut s = String::new();
    Out::push_number(&mut s, n);
    s
}

/// A secondary table: a summary, or the outlet an explanation is about.
#[derive(Clone, Debug)]
pub struct Section {
    /// The JSON key.
    pub key: String,
    pub title: Text,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Out>>,
    /// A section of one row is a JSON object rather than an array.
    pub single: bool,
}

/// What every report says about how it was made.
#[derive(Clone, Debug)]
pub struct Meta {
    pub command: &'static str,
    /// The date graded as of; `None` for reports about the rulebook alone.
    pub as_of: Option<String>,
    /// For `diff`: the date the earlier inventory is graded as of (`as_of` is the later one's).
    pub old_as_of: Option<String>,
    /// The inventory; `None` for reports about the rulebook alone.
    pub input: Option<String>,
    pub rulebook_id: String,
    pub rulebook_version: String,
    /// The rulebooks the effective one extends, base first: (id, version).
    pub extends: Vec<(String, String)>,
    /// How the inventory's columns were read (for `diff`, the later inventory's).
    pub columns: Option<ColumnsRead>,
    /// For `diff`: how the earlier inventory's columns were read.
    pub old_columns: Option<ColumnsRead>,
}

/// The column report of an inventory as a report carries it (DOMAIN "Every run says which column
/// fed each field"): in the JSON head as `columns` and on the workbook's metadata sheet.
#[derive(Clone, Debug)]
pub struct ColumnsRead {
    /// In a workbook: the sheet read, and the sheets passed over before it.
    pub sheet: Option<(String, Vec<String>)>,
    pub report: crate::inventory::ColumnReport,
}

impl ColumnsRead {
    pub fn of(inventory: &crate::inventory::Inventory) -> ColumnsRead {
        ColumnsRead {
            sheet: inventory.sheet_read(),
            report: inventory.columns().clone(),
        }
    }

    /// The column report as JSON: columns are numbered from 1, fields named by their keys.
    fn json(&self, book: &Rulebook) -> Json {
        use crate::inventory::header::Matched;
        let key = |f: usize| book.fields.get(f).map(|f| f.key.as_str());
        let r = &self.report;
        let placed: Vec<Json> = r
            .placed
            .iter()
            .map(|(c, header, p)| {
                let (read_by, part) = match &p.matched {
                    Matched::Whole => ("name", None),
                    Matched::Unit(u) => ("unit", Some(u)),
                    Matched::Note(n) => ("note", Some(n)),
                };
                let mut o = json!({
                    "column": c + 1,
                    "header": header,
                    "field": key(p.field),
                    "read_by": read_by,
                });
                if let (Some(part), Some(o)) = (part, o.as_object_mut()) {
                    o.insert(read_by.into(), json!(part));
                }
                o
            })
            .collect();
        let unplaced: Vec<Json> = r
            .unplaced
            .iter()
            .map(|(c, header)| json!({"column": c + 1, "header": header}))
            .collect();
        let absent: Vec<Json> = r
            .absent
            .iter()
            .map(|a| {
                json!({
                    "field": key(a.field),
                    "severity": a.severity.map(|s| match s {
                        crate::problem::Severity::Error => "error",
                        crate::problem::Severity::Warning => "warning",
                    }),
                    "rules": a.rules,
                    "nearest": a.nearest,
                })
            })
            .collect();
        json!({
            "sheet": self.sheet.as_ref().map(|(s, _)| s),
            "passed_over": self.sheet.as_ref().map_or(&[][..], |(_, p)| &p[..]),
            "placed": placed,
            "unplaced": unplaced,
            "absent": absent,
        })
    }
}

impl Meta {
    /// A report about the rulebook alone.
    pub fn rulebook(command: &'static str, book: &Rulebook) -> Meta {
        Meta {
            command,
            as_of: None,
            old_as_of: None,
            input: None,
            rulebook_id: book.id.clone(),
            rulebook_version: book.version.clone(),
            extends: book.extends.clone(),
            columns: None,
            old_columns: None,
        }
    }
}

/// A report being written: the main rows stream through it, sections and problems close it.
pub struct Writer<'a, W: Write> {
    out: W,
    format: Format,
    lang: Lang,
    book: &'a Rulebook,
    meta: Meta,
    rows_key: &'static str,
    columns: Vec<Column>,
    /// Which columns the table and Markdown formats show (all of them in CSV and JSON).
    shown: Vec<bool>,
    /// Rows kept for the table format, which measures its columns on the first [`TABLE_BLOCK`]
    /// rows (and for the HTML page); then the widths the rest are streamed in.
    kept: Vec<Vec<String>>,
    streamed: Option<table::Streamed>,
    rows_written: usize,
    /// Sections shown before the main rows in table and Markdown formats.
    preamble: Vec<Section>,
    /// Show each main row as a two-column (field, value) table: for reports of one record.
    vertical: bool,
    /// The CSV line and cell buffers, reused from row to row.
    csv_buffers: (String, String),
    /// Per outlet, for the HTML page: its id, a heading, and its gap rows.
    details: Vec<(String, String, html::Table)>,
    /// What the HTML page lists of a long report ([`html::Listing`]), and whether it lists the
    /// row written last.
    listing: html::Listing,
    listed_last: bool,
    /// The workbook being written, its rows streamed to temporary files ([`xlsx::Stream`]),
    /// opened at its first row; where those files go, and the data rows a sheet holds.
    workbook: Option<xlsx::Stream>,
    workbook_dir: Option<std::path::PathBuf>,
    sheet_rows: usize,
    /// CSV for Excel: a byte-order mark, CRLF line ends, formula-like cells neutralised.
    excel: bool,
    /// How a JSON row is written, and the buffer it is written into.
    json_row: JsonRow,
    json_buffer: Vec<u8>,
}

impl<'a, W: Write> Writer<'a, W> {
    /// Starts a report whose main rows have `columns`; `rows_key` names them in JSON.
    pub fn new(
        out: W,
        format: Format,
        lang: Lang,
        book: &'a Rulebook,
        meta: Meta,
        rows_key: &'static str,
        columns: Vec<Column>,
    ) -> Self {
        let json_row = if format == Format::Json {
            JsonRow::new(&columns)
        } else {
            JsonRow::default()
        };
        Writer {
            json_row,
            out,
            format,
            lang,
            book,
            meta,
            rows_key,
            shown: vec![true; columns.len()],
            columns,
            kept: Vec::new(),
            streamed: None,
            rows_written: 0,
            preamble: Vec::new(),
            vertical: false,
            csv_buffers: (String::new(), String::new()),
            details: Vec::new(),
            listing: html::Listing::default(),
            listed_last: true,
            workbook: None,
            workbook_dir: None,
            sheet_rows: xlsx::MAX_ROWS,
            excel: false,
            json_buffer: Vec::new(),
        }
    }

    /// CSV that Excel opens correctly: UTF-8 with a byte-order mark, lines ended by CRLF, and no
    /// cell that Excel would run as a formula ([`formula_like`]).
    pub fn excel(mut self, on: bool) -> Self {
        self.excel = on;
        self
    }

    /// A workbook's temporary files go in `dir` (the folder of `--output`), not in a temporary
    /// folder that may be in memory or too small; the system's when `None`.
    pub fn workbook_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.workbook_dir = dir;
        self
    }

    /// At most `rows` data rows on a sheet of a workbook (Excel's 1,048,575 by default, and at
    /// most); a longer table continues on more sheets.
    pub fn sheet_rows(mut self, rows: usize) -> Self {
        self.sheet_rows = rows;
        self
    }

    /// The workbook, started at its first use.
    fn stream(&mut self) -> io::Result<&mut xlsx::Stream> {
        if self.workbook.is_none() {
            let (dir, rows) = (self.workbook_dir.as_deref(), self.sheet_rows);
            let stream = xlsx::Stream::new(self.lang, self.meta.command, dir, rows)
                .map_err(io::Error::other)?;
            self.workbook = Some(stream);
        }
        self.workbook
            .as_mut()
            .ok_or_else(|| io::Error::other("the workbook was not started"))
    }

    /// Writes rows of a table of a workbook's own: `place` says where it goes.
    fn xlsx_rows(
        &mut self,
        key: &str,
        place: xlsx::Place,
        columns: &[Column],
        rows: &[Vec<Out>],
    ) -> io::Result<()> {
        let book = self.book;
        let stream = self.stream()?;
        let t = stream
            .table(key, place, columns)
            .map_err(io::Error::other)?;
        for r in rows {
            stream.row(t, r, book).map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Adds a table that gets its own sheet in a workbook (other formats ignore it).
    pub fn sheet(&mut self, table: Section) -> io::Result<()> {
        self.sheet_rows_of(&table.key, &table.columns, &table.rows)
    }

    /// Adds rows to a table under `key` that gets its own sheets in a workbook, streamed as they
    /// come (other formats ignore them); the first rows open the table with `columns`.
    pub fn sheet_rows_of(
        &mut self,
        key: &str,
        columns: &[Column],
        rows: &[Vec<Out>],
    ) -> io::Result<()> {
        if self.format == Format::Xlsx {
            self.xlsx_rows(key, xlsx::Place::Other, columns, rows)?;
        }
        Ok(())
    }

    /// Adds one outlet's gap list to the HTML page (other formats ignore it).
    pub fn detail(&mut self, id: &str, heading: String, columns: &[Column], rows: &[Vec<Out>]) {
        if self.format != Format::Html || rows.is_empty() || !self.listed_last {
            return;
        }
        let table = html::Table {
            key: "gaps".into(),
            title: heading.clone(),
            headers: columns
                .iter()
                .map(|c| (c.key.clone(), c.title.get(self.lang).to_string()))
                .collect(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| c.text(Format::Html, self.lang, self.book))
                        .collect()
                })
                .collect(),
            single: false,
        };
        self.details.push((id.to_string(), heading, table));
    }

    fn html_table(
        &self,
        key: &str,
        title: &Text,
        columns: &[Column],
        rows: Vec<Vec<String>>,
        single: bool,
    ) -> html::Table {
        html::Table {
            key: key.to_string(),
            title: title.get(self.lang).to_string(),
            headers: columns
                .iter()
                .map(|c| (c.key.clone(), c.header(Format::Html, self.lang).to_string()))
                .collect(),
            rows,
            single,
        }
    }

    /// Shows each main row as a (field, value) table in the table and Markdown formats.
    pub fn vertical(mut self) -> Self {
        self.vertical = true;
        self
    }

    /// Limits the table and Markdown formats to the columns marked `true`.
    pub fn brief(mut self, shown: Vec<bool>) -> Self {
        if shown.len() == self.columns.len() {
            self.shown = shown;
        }
        self
    }

    fn human_columns(&self) -> Vec<&Column> {
        self.columns
            .iter()
            .zip(&self.shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c)
            .collect()
    }

    fn human_cells(&self, cells: &[Out], format: Format) -> Vec<String> {
        cells
            .iter()
            .zip(&self.shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c.text(format, self.lang, self.book))
            .collect()
    }

    /// A section shown before the main rows (the outlet that `explain` is about).
    pub fn preamble(&mut self, section: Section) {
        self.preamble.push(section);
    }

    fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Table | Format::Html => {}
            Format::Xlsx => {}
            Format::Csv => {
                if self.excel {
                    self.out.write_all("\u{feff}".as_bytes())?;
                }
                let headers: Vec<&str> = self
                    .columns
                    .iter()
                    .map(|c| c.header(Format::Csv, self.lang))
                    .collect();
                write_csv_record(&mut self.out, headers.into_iter(), self.excel)?;
            }
            Format::Json => {
                let head = json!({
                    "schema_version": schema_version(self.meta.command),
                    "command": self.meta.command,
                    "as_of": self.meta.as_of,
                    "input": self.meta.input,
                    "rulebook": {
                        "id": self.meta.rulebook_id,
                        "version": self.meta.rulebook_version,
                        "extends": self.meta.extends.iter().map(|(id, v)| json!({"id": id, "version": v})).collect::<Vec<_>>(),
                    },
                    "lang": match self.lang { Lang::Zh => "zh", Lang::En => "en" },
                });
                let mut head = head;
                if let (Some(old), Some(head)) = (&self.meta.old_as_of, head.as_object_mut()) {
                    head.insert("old_as_of".into(), json!(old));
                    head.insert("new_as_of".into(), json!(self.meta.as_of));
                }
                if let Some(head) = head.as_object_mut() {
                    if let Some(columns) = &self.meta.old_columns {
                        head.insert("old_columns".into(), columns.json(self.book));
                    }
                    if let Some(columns) = &self.meta.columns {
                        head.insert("columns".into(), columns.json(self.book));
                    }
                }
                let head = serde_json::to_string(&head)?;
                // Open the document: everything but the closing brace, then the rows' array.
                let head = head.strip_suffix('}').unwrap_or(&head);
                write!(self.out, "{head}")?;
                for section in std::mem::take(&mut self.preamble) {
                    write!(
                        self.out,
                        ",{}:{}",
                        json!(section.key),
                        section_json(&section)
                    )?;
                }
                write!(self.out, ",{}:[", json!(self.rows_key))?;
            }
            Format::Markdown => {
                writeln!(self.out, "{}", visible(&self.meta_line()))?;
                writeln!(self.out)?;
                for section in std::mem::take(&mut self.preamble) {
                    self.markdown_section(&section)?;
                }
                let headers: Vec<String> = self
                    .human_columns()
                    .iter()
                    .map(|c| md_escape(c.header(Format::Markdown, self.lang)))
                    .collect();
                if !self.vertical && !headers.is_empty() {
                    writeln!(self.out, "| {} |", headers.join(" | "))?;
                    writeln!(self.out, "|{}", "---|".repeat(headers.len()))?;
                }
            }
        }
        Ok(())
    }

    /// Writes one main row, cells in column order.
    pub fn row(&mut self, cells: &[Out]) -> io::Result<()> {
        debug_assert_eq!(
            cells.len(),
            self.columns.len(),
            "a row must have a cell for every column"
        );
        if self.rows_written == 0 {
            self.begin()?;
        }
        self.rows_written += 1;
        match self.format {
            Format::Table => {
                let mut line = std::mem::take(&mut self.csv_buffers.0);
                line.clear();
                table_line(&mut line, cells, &self.shown, self.lang, self.book);
                self.table_row(&line)?;
                self.csv_buffers.0 = line;
            }
            Format::Html => {
                let row = self.listing_row(cells);
                self.listed_last = self.listing.offer(row);
                if self.listed_last {
                    let texts = self.human_cells(cells, Format::Html);
                    self.kept.push(texts);
                }
                if let Some(listed) = self.listing.overflowed() {
                    // Past the outlets a page lists whole: only those listed stay.
                    let mut listed = listed.into_iter();
                    self.kept.retain(|_| listed.next().unwrap_or(false));
                    let ids = self.listing.listed_ids();
                    self.details.retain(|(id, _, _)| ids.contains(id));
                }
            }
            Format::Xlsx => {
                self.stream()?;
                if let Some(stream) = self.workbook.as_mut() {
                    let t = stream
                        .table(self.rows_key, xlsx::Place::Main, &self.columns)
                        .map_err(io::Error::other)?;
                    stream.row(t, cells, self.book).map_err(io::Error::other)?;
                }
            }
            Format::Csv => {
                // One line buffer and one cell buffer, reused from row to row.
                let (mut line, mut cell) = std::mem::take(&mut self.csv_buffers);
                line.clear();
                csv_line(
                    &mut line, &mut cell, cells, self.lang, self.book, self.excel,
                );
                self.out.write_all(line.as_bytes())?;
                self.csv_buffers = (line, cell);
            }
            Format::Json => {
                let mut buf = std::mem::take(&mut self.json_buffer);
                buf.clear();
                if self.rows_written > 1 {
                    buf.push(b',');
                }
                self.json_row.write(&mut buf, cells);
                self.out.write_all(&buf)?;
                self.json_buffer = buf;
            }
            Format::Markdown if !self.vertical => {
                let mut line = std::mem::take(&mut self.csv_buffers.0);
                line.clear();
                markdown_line(&mut line, cells, &self.shown, self.lang, self.book);
                self.out.write_all(line.as_bytes())?;
                self.csv_buffers.0 = line;
            }
            Format::Markdown => {
                let texts: Vec<String> = self
                    .human_cells(cells, Format::Markdown)
                    .iter()
                    .map(|t| md_escape(t))
                    .collect();
                if self.vertical {
                    let headers: Vec<String> = self
                        .human_columns()
                        .iter()
                        .map(|c| md_escape(c.header(Format::Markdown, self.lang)))
                        .collect();
                    self.markdown_vertical(&headers, &[texts])?;
                } else {
                    writeln!(self.out, "| {} |", texts.join(" | "))?;
                }
            }
        }
        Ok(())
    }

    /// A main row encoded for the table ([`table_line`]): kept while the widths are measured,
    /// written in them after.
    fn table_row(&mut self, line: &str) -> io::Result<()> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if let Some(streamed) = &mut self.streamed {
            return streamed.encoded_row(&mut self.out, line);
        }
        self.kept.push(
            line.split_terminator(table::CELL_END)
                .map(str::to_string)
                .collect(),
        );
        if self.kept.len() > TABLE_BLOCK && !self.vertical {
            self.stream_table()?;
        }
        Ok(())
    }

    /// A maker of main rows to use on any thread; its rows go to [`Writer::rows`].
    pub fn row_maker(&self) -> RowMaker<'a> {
        RowMaker {
            format: self.format,
            lang: self.lang,
            book: self.book,
            json_row: self.json_row.clone(),
            excel: self.excel,
            shown: self.shown.clone(),
            vertical: self.vertical,
        }
    }

    /// Writes main rows that [`Writer::row_maker`]'s maker made.
    pub fn rows(&mut self, rows: Rows) -> io::Result<()> {
        match rows {
            Rows::Typed(rows) => rows.iter().try_for_each(|r| self.row(r)),
            Rows::Encoded { bytes, count } => self.encoded(&bytes, count),
        }
    }

    /// Writes an outlet's rows; `text` is what it wrote into its batch's text.
    pub fn outlet_rows(&mut self, rows: OutletRows, text: &str) -> io::Result<()> {
        match rows {
            OutletRows::Made(rows) => self.rows(rows),
            OutletRows::InText(lines) => self.encoded(text.as_bytes(), lines),
        }
    }

    /// Writes `count` rows already encoded for this writer's format ([`Rows::Encoded`]).
    fn encoded(&mut self, bytes: &[u8], count: usize) -> io::Result<()> {
        if count == 0 {
            return Ok(());
        }
        if self.rows_written == 0 {
            self.begin()?;
        }
        if self.format == Format::Json && self.rows_written > 0 {
            self.out.write_all(b",")?;
        }
        self.rows_written += count;
        if self.format == Format::Table {
            let text = std::str::from_utf8(bytes).map_err(io::Error::other)?;
            return text.lines().try_for_each(|line| self.table_row(line));
        }
        self.out.write_all(bytes)
    }

    /// Closes the report with its sections (summaries) and, in JSON, its problems.
    pub fn finish(mut self, sections: &[Section], problems: &[Problem]) -> io::Result<W> {
        if self.rows_written == 0 {
            self.begin()?;
        }
        match self.format {
            Format::Table if self.streamed.is_some() => {
                if let Some(streamed) = self.streamed.take() {
                    streamed.end(&mut self.out)?;
                    let hint = table::hint(self.rows_written, self.lang);
                    for section in sections {
                        self.table_section(section)?;
                    }
                    writeln!(self.out)?;
                    writeln!(self.out, "{hint}")?;
                }
            }
            Format::Table => {
                let headers = self.table_head()?;
                let rows = std::mem::take(&mut self.kept);
                if self.vertical {
                    for row in rows {
                        let pairs = headers
                            .iter()
                            .cloned()
                            .zip(row)
                            .map(|(h, v)| vec![h, v])
                            .collect();
                        self.print_table(&[], pairs)?;
                    }
                } else if !headers.is_empty() {
                    self.print_table(&headers, rows)?;
                }
                for section in sections {
                    self.table_section(section)?;
                }
            }
            Format::Csv => {}
            Format::Xlsx => {
                // The main table has a sheet even with no rows.
                let columns = std::mem::take(&mut self.columns);
                self.xlsx_rows(self.rows_key, xlsx::Place::Main, &columns, &[])?;
                for s in std::mem::take(&mut self.preamble) {
                    self.xlsx_rows(&s.key, xlsx::Place::Preamble, &s.columns, &s.rows)?;
                }
                if let Some(stream) = self.workbook.take() {
                    stream
                        .finish(&self.meta, sections, problems, self.book, &mut self.out)
                        .map_err(io::Error::other)?;
                }
            }
            Format::Html => {
                let columns: Vec<Column> = self.human_columns().into_iter().cloned().collect();
                let rows = std::mem::take(&mut self.kept);
                let main_title = page_title(self.meta.command);
                // A long report's page lists only the outlets to act on, and says so.
                let listed_title = if self.listing.acted_on_only() {
                    Text::new(
                        "需要处理的网点(低于最低要求、申报偏高)",
                        "Outlets to act on (below minimum, overclaimed)",
                    )
                } else {
                    main_title.clone()
                };
                let main =
                    self.html_table(self.rows_key, &listed_title, &columns, rows, self.vertical);
                let mut tables = Vec::new();
                for s in std::mem::take(&mut self.preamble).iter().chain(sections) {
                    let rows = s
                        .rows
                        .iter()
                        .map(|r| {
                            r.iter()
                                .map(|c| c.text(Format::Html, self.lang, self.book))
                                .collect()
                        })
                        .collect();
                    tables.push(self.html_table(&s.key, &s.title, &s.columns, rows, s.single));
                }
                let page = html::Page {
                    note: self.listing.note(self.rows_written, self.lang),
                    zh: self.lang == Lang::Zh,
                    title: main_title.get(self.lang).to_string(),
                    meta: self.meta_line(),
                    main,
                    sections: tables,
                    details: std::mem::take(&mut self.details),
                    problems: problems.iter().map(|p| p.render(self.lang)).collect(),
                };
                html::render(&mut self.out, &page)?;
            }
            Format::Json => {
                write!(self.out, "]")?;
                for section in sections {
                    write!(
                        self.out,
                        ",{}:{}",
                        json!(section.key),
                        section_json(section)
                    )?;
                }
                let problems: Vec<Json> = problems
                    .iter()
                    .map(|p| problem_json(p, self.lang))
                    .collect();
                writeln!(self.out, ",\"problems\":{}}}", Json::Array(problems))?;
            }
            Format::Markdown => {
                for section in sections {
                    writeln!(self.out)?;
                    self.markdown_section(section)?;
                }
            }
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// A terminal table's head: the report's line and the sections before the rows; returns the
    /// rows' column headers.
    fn table_head(&mut self) -> io::Result<Vec<String>> {
        writeln!(self.out, "{}", visible(&self.meta_line()))?;
        for section in std::mem::take(&mut self.preamble) {
            self.table_section(&section)?;
        }
        Ok(self
            .human_columns()
            .iter()
            .map(|c| c.header(Format::Table, self.lang).to_string())
            .collect())
    }

    /// Past [`TABLE_BLOCK`] rows: the report's head, then the table's header and the rows kept,
    /// in widths measured on them; the rows to come are written as they come.
    fn stream_table(&mut self) -> io::Result<()> {
        let headers = self.table_head()?;
        let rows = std::mem::take(&mut self.kept);
        let mut streamed = table::Streamed::measure(&headers, &rows);
        streamed.head(&mut self.out, &headers)?;
        for r in &rows {
            streamed.row(&mut self.out, r)?;
        }
        self.streamed = Some(streamed);
        Ok(())
    }

    /// Whether the HTML page is of a report too long to list every row ([`html::Listing`]): it
    /// shows it by region and lists some rows.
    pub fn lists_some(&self) -> bool {
        self.listing.is_long()
    }

    /// Whether the HTML page lists no more rows ([`html::Listing::is_full`]): those to come need
    /// no gap list.
    pub fn lists_no_more(&self) -> bool {
        self.listing.is_full()
    }

    /// What the HTML listing needs of a main row: its id, its region, whether a reader acts on it.
    fn listing_row(&self, cells: &[Out]) -> html::ListingRow {
        let mut row = html::ListingRow::default();
        for (c, cell) in self.columns.iter().zip(cells) {
            match c.key.as_str() {
                "id" => row.id = cell.text(Format::Html, self.lang, self.book),
                "province" | "city" | "county" => {
                    row.region
                        .push_str(&cell.text(Format::Html, self.lang, self.book));
                    row.region.push('\u{1f}');
                }
                "status" | "new_status" => {
                    row.acted_on = Some(matches!(
                        cell,
                        Out::Key { key, .. } if matches!(&**key, "below_minimum" | "overclaimed")
                    ));
                }
                _ => {}
            }
        }
        row
    }

    fn meta_line(&self) -> String {
        let m = &self.meta;
        let zh = self.lang == Lang::Zh;
        let mut parts = Vec::new();
        if let Some(input) = &m.input {
            parts.push(format!(
                "{}{input}",
                if zh { "清单: " } else { "inventory: " }
            ));
        }
        match (&m.old_as_of, &m.as_of) {
            (Some(old), Some(new)) => parts.push(if zh {
                format!("评定日期: 原清单 {old}, 新清单 {new}")
            } else {
                format!("as of: old {old}, new {new}")
            }),
            (_, Some(as_of)) => parts.push(format!(
                "{}{as_of}",
                if zh { "评定日期: " } else { "as of: " }
            )),
            _ => {}
        }
        let mut rulebook = format!(
            "{}{} {}",
            if zh { "规则: " } else { "rulebook: " },
            m.rulebook_id,
            m.rulebook_version
        );
        if !m.extends.is_empty() {
            let chain: Vec<String> = m
                .extends
                .iter()
                .map(|(id, v)| format!("{id} {v}"))
                .collect();
            rulebook.push_str(&format!(
                "{}{})",
                if zh { "(基于 " } else { " (extends " },
                chain.join(", ")
            ));
        }
        parts.push(rulebook);
        parts.join(" | ")
    }

    fn table_section(&mut self, section: &Section) -> io::Result<()> {
        writeln!(self.out)?;
        writeln!(self.out, "{}", visible(section.title.get(self.lang)))?;
        let headers: Vec<String> = section
            .columns
            .iter()
            .map(|c| c.header(Format::Table, self.lang).to_string())
            .collect();
        let rows: Vec<Vec<String>> = section
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| c.text(Format::Table, self.lang, self.book))
                    .collect()
            })
            .collect();
        if section.single {
            for row in rows {
                let pairs = headers
                    .iter()
                    .cloned()
                    .zip(row)
                    .map(|(h, v)| vec![h, v])
                    .collect();
                self.print_table(&[], pairs)?;
            }
            Ok(())
        } else {
            self.print_table(&headers, rows)
        }
    }

    /// Prints a table for the terminal; every header and cell is shown with its control characters
    /// made visible ([`visible`]), so that a cell is one line (a line break in a name cannot fake
    /// a row) and sends nothing to the terminal. The line break that ends a YAML block text is
    /// dropped rather than shown.
    fn print_table(&mut self, headers: &[String], rows: Vec<Vec<String>>) -> io::Result<()> {
        let shown = |cells: &[String]| -> Vec<String> {
            cells
                .iter()
                .map(|c| visible(c.trim_end_matches('\n')).into_owned())
                .collect()
        };
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if !headers.is_empty() {
            table.set_header(shown(headers));
        }
        for r in rows {
            table.add_row(shown(&r));
        }
        writeln!(self.out, "{table}")
    }

    fn markdown_section(&mut self, section: &Section) -> io::Result<()> {
        writeln!(self.out, "**{}**", md_escape(section.title.get(self.lang)))?;
        writeln!(self.out)?;
        let headers: Vec<String> = section
            .columns
            .iter()
            .map(|c| md_escape(c.header(Format::Markdown, self.lang)))
            .collect();
        let rows: Vec<Vec<String>> = section
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| md_escape(&c.text(Format::Markdown, self.lang, self.book)))
                    .collect()
            })
            .collect();
        if section.single {
            self.markdown_vertical(&headers, &rows)?;
        } else {
            writeln!(self.out, "| {} |", headers.join(" | "))?;
            writeln!(self.out, "|{}", "---|".repeat(headers.len()))?;
            for r in rows {
                writeln!(self.out, "| {} |", r.join(" | "))?;
            }
        }
        writeln!(self.out)
    }

    fn markdown_vertical(&mut self, headers: &[String], rows: &[Vec<String>]) -> io::Result<()> {
        let (field, value) = match self.lang {
            Lang::Zh => ("项", "值"),
            Lang::En => ("field", "value"),
        };
        for r in rows {
            writeln!(self.out, "| {field} | {value} |")?;
            writeln!(self.out, "|---|---|")?;
            for (h, v) in headers.iter().zip(r) {
                writeln!(self.out, "| {h} | {v} |")?;
            }
        }
        Ok(())
    }
}

/// The title of a report page, by command.
fn page_title(command: &str) -> Text {
    match command {
        "grade" => Text::new("基层公共就业服务网点评定结果", "Outlet grades"),
        "gaps" => Text::new("基层公共就业服务网点缺项清单", "Outlet gaps"),
        "explain" => Text::new("网点逐条评定说明", "One outlet, rule by rule"),
        "summary" => Text::new("基层公共就业服务网点分组统计", "Outlets by region"),
        "diff" => Text::new("基层公共就业服务网点年度对比", "Year-over-year comparison"),
        other => Text::new(other, other),
    }
}

/// Main rows made apart from a [`Writer`] (on another thread): encoded in the formats that
/// stream rows (CSV and JSON), typed in those that keep them.
#[derive(Debug)]
pub enum Rows {
    Encoded { bytes: Vec<u8>, count: usize },
    Typed(Vec<Vec<Out>>),
}

/// An outlet's report rows as a grading thread leaves them
/// ([`crate::inventory::Inventory::each_outlet`]): made, or written already, as so many lines, into
/// the text the batch shares (CSV lines, [`outlets::GradeLines`] and [`outlets::GapLines`]).
pub enum OutletRows {
    Made(Rows),
    InText(usize),
}

/// Makes [`Rows`] for one writer.
#[derive(Clone, Debug)]
pub struct RowMaker<'a> {
    format: Format,
    lang: Lang,
    book: &'a Rulebook,
    json_row: JsonRow,
    excel: bool,
    /// The columns the table and Markdown show; whether they show each row as a table of its own.
    shown: Vec<bool>,
    vertical: bool,
}

impl<'a> RowMaker<'a> {
    /// For a CSV writer: the means to write its lines straight ([`Rows::Encoded`]).
    pub fn csv(&self) -> Option<CsvCells<'a>> {
        (self.format == Format::Csv).then_some(CsvCells {
            lang: self.lang,
            book: self.book,
            excel: self.excel,
        })
    }

    /// The rows, cells in column order, as the writer's format needs them.
    pub fn make(&self, rows: impl IntoIterator<Item = Vec<Out>>) -> Rows {
        match self.format {
            Format::Csv => {
                let rows = rows.into_iter();
                // About 256 bytes a row: most outlets' lines fit without growing.
                let capacity = rows.size_hint().0.max(1) * 256;
                let (mut line, mut cell, mut count) =
                    (String::with_capacity(capacity), String::new(), 0);
                for r in rows {
                    csv_line(&mut line, &mut cell, &r, self.lang, self.book, self.excel);
                    count += 1;
                }
                Rows::Encoded {
                    bytes: line.into_bytes(),
                    count,
                }
            }
            Format::Json => {
                let (mut bytes, mut count) = (Vec::new(), 0);
                for r in rows {
                    if count > 0 {
                        bytes.push(b',');
                    }
                    self.json_row.write(&mut bytes, &r);
                    count += 1;
                }
                Rows::Encoded { bytes, count }
            }
            Format::Table | Format::Markdown if !self.vertical && self.shown.contains(&true) => {
                let (mut line, mut count) = (String::new(), 0);
                for r in rows {
                    if self.format == Format::Table {
                        table_line(&mut line, &r, &self.shown, self.lang, self.book);
                    } else {
                        markdown_line(&mut line, &r, &self.shown, self.lang, self.book);
                    }
                    count += 1;
                }
                Rows::Encoded {
                    bytes: line.into_bytes(),
                    count,
                }
            }
            _ => Rows::Typed(rows.into_iter().collect()),
        }
    }
}

/// Appends a main row encoded for the terminal table: each shown cell as the table shows it,
/// ended by [`table::CELL_END`]; then a line break.
fn table_line(line: &mut String, cells: &[Out], shown: &[bool], lang: Lang, book: &Rulebook) {
    let mut text = String::new();
    for (c, _) in cells.iter().zip(shown).filter(|(_, s)| **s) {
        text.clear();
        c.write_text(&mut text, Format::Table, lang, book);
        table::push_shown(line, &text);
        line.push(table::CELL_END);
    }
    line.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_is_neutralised_and_a_number_is_not() {
        for f in [
            "=1+1",
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "--",
            "+",
            "-e5",
            "-3e",
            "-.",
            "＝1+1",
        ] {
            assert_eq!(formula_like(f), f != "-", "{f:?}");
        }
        for f in [
            "", "-3", "+5", "-0.5", "-.5", "3.", "-1e5", "+2.5E-3", "A=1", "网点", "'=1",
        ] {
            assert!(!formula_like(f), "{f:?}");
        }
    }

    #[test]
    fn an_integer_is_written_as_rust_formats_it() {
        for n in [0, 7, -7, 10, -10, 1_234_567_890, i64::MIN, i64::MAX] {
            let mut buf = String::from("x");
            Out::push_int(&mut buf, n);
            assert_eq!(buf, format!("x{n}"));
        }
    }
}
