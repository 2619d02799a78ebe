//! One renderer per format behind one trait ([`Render`]), and the [`Writer`] that commands hand
//! their rows to. A command never knows which format it writes: it makes rows from a column
//! specification ([`super::outlets::GRADE`], [`super::outlets::GAPS`], or its own columns) and
//! hands them over, and asks the writer what else its renderer wants ([`Wants`]: a workbook's
//! other sheets, the HTML page's gap lists and regional tallies). The one place that names a
//! format is [`renderer`].

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use super::summary::Groups;
use super::{Column, Format, Meta, Out, Section, csv, html, json, markdown, table, xlsx};
use crate::problem::Problem;
use crate::rulebook::Rulebook;
use crate::text::{Lang, Text, visible};

pub use super::csv::CsvCells;

/// What every renderer knows of its report: its language and rulebook, how it was made, its main
/// columns and how they are shown, and the sections shown before the main rows.
pub(super) struct Head<'a> {
    pub(super) lang: Lang,
    pub(super) book: &'a Rulebook,
    pub(super) meta: Meta,
    /// The JSON key of the main rows (and the key of their sheet).
    pub(super) rows_key: &'static str,
    pub(super) columns: Vec<Column>,
    /// Which columns the table, Markdown and the page show (all of them in CSV and JSON).
    pub(super) shown: Vec<bool>,
    /// Show each main row as a two-column (field, value) table: for reports of one record.
    pub(super) vertical: bool,
    /// Sections shown before the main rows (the outlet that `explain` is about).
    pub(super) preamble: Vec<Section>,
    /// CSV for Excel: a byte-order mark, CRLF line ends, formula-like cells neutralised.
    pub(super) excel: bool,
    /// Where a workbook's temporary files go, and the data rows a sheet holds.
    pub(super) workbook_dir: Option<PathBuf>,
    pub(super) sheet_rows: usize,
}

impl Head<'_> {
    /// The columns shown to people.
    pub(super) fn human_columns(&self) -> Vec<&Column> {
        self.columns
            .iter()
            .zip(&self.shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c)
            .collect()
    }

    /// The shown cells of a row as `format` shows them.
    pub(super) fn human_cells(&self, cells: &[Out], format: Format) -> Vec<String> {
        cells
            .iter()
            .zip(&self.shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c.text(format, self.lang, self.book))
            .collect()
    }

    /// The line that says how the report was made: inventory, date, rulebook.
    pub(super) fn meta_line(&self) -> String {
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
}

/// What a renderer needs of a command beyond its main rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wants {
    /// The rows of the command's related table (`grade`'s gap list, `gaps`' grades), each
    /// outlet's as its main rows come ([`Writer::related`]): a workbook gives them sheets.
    pub related: bool,
    /// Each listed outlet's gap list ([`Writer::detail`]) and the outlets' tallies by county
    /// ([`Writer::regions`]; the page adds those by province and by city when
    /// [`Writer::lists_some`]): the HTML page shows them.
    pub details: bool,
    /// Rows for programs: they carry what a program needs to join them (a group's region path
    /// in columns of its own) where people read one label.
    pub paths: bool,
    /// The sections that close a report (summaries): a format of one table (CSV) has none.
    pub sections: bool,
    /// Rows alone, with no place around them for the report's facts (CSV): rows carry those
    /// they need (`diff`'s two as-of dates).
    pub bare: bool,
}

impl Format {
    /// What this format's renderer needs beyond the main rows, known before a report starts
    /// (to choose its columns).
    pub fn wants(self) -> Wants {
        renderer::<io::Sink>(self, &[]).wants()
    }
}

/// A renderer: one format's writing of a report, row by row, in bounded memory. The
/// [`Writer`] calls `begin` once before the first row (or at `finish`, for a report without
/// rows), then `row` or `encoded` for the main rows, `related` and `detail` as they come, and
/// `finish` last.
pub(super) trait Render<'a, W: Write> {
    /// Opens the report: whatever comes before the main rows.
    fn begin(&mut self, h: &mut Head<'a>, out: &mut W) -> io::Result<()>;
    /// One main row, cells in column order; `before` rows were written before it.
    fn row(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        cells: &[Out],
        before: usize,
    ) -> io::Result<()>;
    /// Main rows that this renderer's [`Encode`] made (on another thread).
    fn encoded(
        &mut self,
        _h: &mut Head<'a>,
        out: &mut W,
        bytes: &[u8],
        _before: usize,
    ) -> io::Result<()> {
        out.write_all(bytes)
    }
    /// How main rows are made apart from the writer; typed cells unless a format encodes them.
    fn encoder(&self, _h: &Head<'a>) -> Arc<dyn Encode + 'a> {
        Arc::new(Typed)
    }
    /// What the renderer needs beyond the main rows.
    fn wants(&self) -> Wants;
    /// Rows of a related table under `key` (see [`Wants::related`]).
    fn related(
        &mut self,
        _h: &Head<'a>,
        _key: &str,
        _columns: &[Column],
        _rows: &[Vec<Out>],
    ) -> io::Result<()> {
        Ok(())
    }
    /// One outlet's gap list (see [`Wants::details`]).
    fn detail(
        &mut self,
        _h: &Head<'a>,
        _id: &str,
        _heading: String,
        _columns: &[Column],
        _rows: &[Vec<Out>],
    ) {
    }
    /// The outlets' tallies by county (see [`Wants::details`]), given before `finish`.
    fn regions(&mut self, _counties: Groups) {}
    /// Whether the report is too long to list every row: shown by region.
    fn lists_some(&self) -> bool {
        false
    }
    /// Whether no more rows are listed: those to come need no detail.
    fn lists_no_more(&self) -> bool {
        false
    }
    /// Closes the report with its sections (summaries) and its problems; `rows` main rows were
    /// written.
    fn finish(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        rows: usize,
        sections: &[Section],
        problems: &[Problem],
    ) -> io::Result<()>;
}

/// The renderer of a format: the one place that switches on it.
fn renderer<'a, W: Write + 'a>(format: Format, columns: &[Column]) -> Box<dyn Render<'a, W> + 'a> {
    match format {
        Format::Table => Box::new(table::TableRender::default()),
        Format::Csv => Box::new(csv::CsvRender::default()),
        Format::Json => Box::new(json::JsonRender::new(columns)),
        Format::Markdown => Box::new(markdown::MarkdownRender::default()),
        Format::Html => Box::new(html::HtmlRender::new()),
        Format::Xlsx => Box::new(xlsx::XlsxRender::default()),
    }
}

/// Makes a renderer's main rows on any thread ([`RowMaker`]).
pub(super) trait Encode: Send + Sync {
    /// The rows, cells in column order, as the renderer takes them.
    fn encode(&self, rows: &mut dyn Iterator<Item = Vec<Out>>) -> Rows;
    /// For a CSV renderer: the means to write its lines straight.
    fn csv(&self) -> Option<CsvCells<'_>> {
        None
    }
    /// Whether the renderer reads its rows as JSON objects (keys in the order of a
    /// `serde_json::Map`, sorted), which may be written straight.
    fn json(&self) -> bool {
        false
    }
    /// Whether the renderer reads its rows from text that [`Encode::encode_into`] writes.
    fn in_text(&self) -> bool {
        false
    }
    /// Writes the rows at the end of `text` (a batch's, shared by its outlets and used again),
    /// as the renderer's `encoded` reads them; returns how many (see [`Encode::in_text`]).
    fn encode_into(&self, rows: &mut dyn Iterator<Item = Vec<Out>>, _text: &mut String) -> usize {
        rows.count()
    }
    /// For a renderer that lists only some rows ([`Writer::lists_some`]): writes at the end of
    /// `text` a row it passes over, of which it needs only whether a reader acts on it; `false`
    /// when it needs every row made.
    fn pass_over(&self, _acted_on: bool, _text: &mut String) -> bool {
        false
    }
}

/// Rows kept typed, for a renderer that writes them itself.
pub(super) struct Typed;

impl Encode for Typed {
    fn encode(&self, rows: &mut dyn Iterator<Item = Vec<Out>>) -> Rows {
        Rows::Typed(rows.collect())
    }
}

/// Rows encoded as lines of text by a format's line function (Markdown, the terminal table), each
/// shown cell as that format shows it.
pub(super) struct TextLines<'a> {
    pub shown: Vec<bool>,
    pub lang: Lang,
    pub book: &'a Rulebook,
    pub line: fn(&mut String, &[Out], &[bool], Lang, &Rulebook),
}

impl<'a> TextLines<'a> {
    /// The encoder of a report with this head whose rows are lines made by `line`; rows kept
    /// typed when the report is shown vertically or shows no column in its lines.
    pub fn encoder(
        h: &Head<'a>,
        line: fn(&mut String, &[Out], &[bool], Lang, &Rulebook),
    ) -> Arc<dyn Encode + 'a> {
        if h.vertical || !h.shown.contains(&true) {
            return Arc::new(Typed);
        }
        Arc::new(TextLines {
            shown: h.shown.clone(),
            lang: h.lang,
            book: h.book,
            line,
        })
    }
}

impl Encode for TextLines<'_> {
    fn encode(&self, rows: &mut dyn Iterator<Item = Vec<Out>>) -> Rows {
        encode_apart(self, rows)
    }

    fn in_text(&self) -> bool {
        true
    }

    fn encode_into(&self, rows: &mut dyn Iterator<Item = Vec<Out>>, text: &mut String) -> usize {
        let mut count = 0;
        for r in rows {
            (self.line)(text, &r, &self.shown, self.lang, self.book);
            count += 1;
        }
        count
    }
}

/// [`Encode::encode`] for a renderer that reads its rows from text ([`Encode::in_text`]): the
/// rows its [`Encode::encode_into`] writes, into text of their own.
pub(super) fn encode_apart(
    encoder: &(impl Encode + ?Sized),
    rows: &mut dyn Iterator<Item = Vec<Out>>,
) -> Rows {
    let mut text = String::new();
    let count = encoder.encode_into(rows, &mut text);
    Rows::Encoded {
        bytes: text.into_bytes(),
        count,
    }
}

/// Main rows made apart from a [`Writer`] (on another thread): encoded by the renderers that
/// stream rows as text (CSV, JSON, the table, Markdown), typed for the others.
#[derive(Debug)]
pub enum Rows {
    Encoded { bytes: Vec<u8>, count: usize },
    Typed(Vec<Vec<Out>>),
}

/// An outlet's report rows as a grading thread leaves them
/// ([`crate::inventory::Inventory::each_outlet`]): made, or written already, as so many lines, into
/// the text the batch shares (CSV lines, [`super::outlets::GradeLines`] and
/// [`super::outlets::GapLines`]).
pub enum OutletRows {
    Made(Rows),
    InText(usize),
}

/// How rows are written straight, without making their cells ([`RowMaker::straight`]).
#[derive(Clone, Copy, Debug)]
pub enum Straight<'a> {
    /// CSV lines, each ended as the writer ends them.
    Csv(CsvCells<'a>),
    /// JSON objects, a comma between two.
    Json,
}

/// Makes [`Rows`] for one writer, on any thread.
#[derive(Clone)]
pub struct RowMaker<'a> {
    encode: Arc<dyn Encode + 'a>,
}

impl std::fmt::Debug for RowMaker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowMaker").finish_non_exhaustive()
    }
}

impl<'a> RowMaker<'a> {
    /// For a CSV writer: the means to write its lines straight ([`Rows::Encoded`]).
    pub fn csv(&self) -> Option<CsvCells<'_>> {
        self.encode.csv()
    }

    /// How the writer's rows may be written straight into a batch's text, without making their
    /// cells: as CSV lines or JSON objects ([`super::outlets::GapLines`]); `None` for a format
    /// whose rows are made from cells.
    pub fn straight(&self) -> Option<Straight<'_>> {
        match self.encode.csv() {
            Some(csv) => Some(Straight::Csv(csv)),
            None => self.encode.json().then_some(Straight::Json),
        }
    }

    /// The rows, cells in column order, as the writer's renderer takes them.
    pub fn make(&self, rows: impl IntoIterator<Item = Vec<Out>>) -> Rows {
        self.encode.encode(&mut rows.into_iter())
    }

    /// A row the renderer passes over, once it lists only some rows and not this one (an outlet
    /// that meets once [`Writer::lists_some`], any outlet once [`Writer::lists_no_more`]): of it,
    /// only whether a reader acts on it, written into `text`; `None` when the renderer needs the
    /// row made ([`RowMaker::outlet_rows`]).
    pub fn passed_over(&self, acted_on: bool, text: &mut String) -> Option<OutletRows> {
        self.encode
            .pass_over(acted_on, text)
            .then_some(OutletRows::InText(1))
    }

    /// An outlet's rows: written into `text`, the text its batch shares, when the renderer reads
    /// them from there (nothing of them is then kept apart, nor freed on another thread), else
    /// made as [`RowMaker::make`] makes them.
    pub fn outlet_rows(
        &self,
        rows: impl IntoIterator<Item = Vec<Out>>,
        text: &mut String,
    ) -> OutletRows {
        if self.encode.in_text() {
            OutletRows::InText(self.encode.encode_into(&mut rows.into_iter(), text))
        } else {
            OutletRows::Made(self.make(rows))
        }
    }
}

/// A report being written: the main rows stream through it to its format's renderer, sections
/// and problems close it.
pub struct Writer<'a, W: Write> {
    out: W,
    format: Format,
    head: Head<'a>,
    /// Made at first use, after the options are set.
    render: Option<Box<dyn Render<'a, W> + 'a>>,
    rows_written: usize,
}

impl<'a, W: Write + 'a> Writer<'a, W> {
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
        Writer {
            out,
            format,
            head: Head {
                lang,
                book,
                meta,
                rows_key,
                shown: vec![true; columns.len()],
                columns,
                vertical: false,
                preamble: Vec::new(),
                excel: false,
                workbook_dir: None,
                sheet_rows: xlsx::MAX_ROWS,
            },
            render: None,
            rows_written: 0,
        }
    }

    /// CSV that Excel opens correctly: UTF-8 with a byte-order mark, lines ended by CRLF, and no
    /// cell that Excel would run as a formula ([`super::formula_like`]).
    pub fn excel(mut self, on: bool) -> Self {
        self.head.excel = on;
        self
    }

    /// A workbook's temporary files go in `dir` (the folder of `--output`), not in a temporary
    /// folder that may be in memory or too small; the system's when `None`.
    pub fn workbook_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.head.workbook_dir = dir;
        self
    }

    /// At most `rows` data rows on a sheet of a workbook (Excel's 1,048,575 by default, and at
    /// most); a longer table continues on more sheets.
    pub fn sheet_rows(mut self, rows: usize) -> Self {
        self.head.sheet_rows = rows;
        self
    }

    /// Shows each main row as a (field, value) table in the table and Markdown formats.
    pub fn vertical(mut self) -> Self {
        self.head.vertical = true;
        self
    }

    /// Limits the table and Markdown formats to the columns marked `true`.
    pub fn brief(mut self, shown: Vec<bool>) -> Self {
        if shown.len() == self.head.columns.len() {
            self.head.shown = shown;
        }
        self
    }

    /// A section shown before the main rows (the outlet that `explain` is about).
    pub fn preamble(&mut self, section: Section) {
        self.head.preamble.push(section);
    }

    /// The renderer and what it writes with, made at first use.
    fn parts(&mut self) -> (&mut (dyn Render<'a, W> + 'a), &mut Head<'a>, &mut W) {
        let render = self
            .render
            .get_or_insert_with(|| renderer(self.format, &self.head.columns));
        (render.as_mut(), &mut self.head, &mut self.out)
    }

    /// What the renderer needs beyond the main rows.
    pub fn wants(&mut self) -> Wants {
        self.parts().0.wants()
    }

    /// Opens the report before its first row.
    fn begin_once(&mut self) -> io::Result<()> {
        if self.rows_written == 0 {
            let (render, head, out) = self.parts();
            render.begin(head, out)?;
        }
        Ok(())
    }

    /// Writes one main row, cells in column order.
    pub fn row(&mut self, cells: &[Out]) -> io::Result<()> {
        debug_assert_eq!(
            cells.len(),
            self.head.columns.len(),
            "a row must have a cell for every column"
        );
        self.begin_once()?;
        let before = self.rows_written;
        self.rows_written += 1;
        let (render, head, out) = self.parts();
        render.row(head, out, cells, before)
    }

    /// A maker of main rows to use on any thread; its rows go to [`Writer::rows`].
    pub fn row_maker(&mut self) -> RowMaker<'a> {
        let (render, head, _) = self.parts();
        RowMaker {
            encode: render.encoder(head),
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

    /// Writes `count` rows already encoded for this writer's renderer ([`Rows::Encoded`]).
    fn encoded(&mut self, bytes: &[u8], count: usize) -> io::Result<()> {
        if count == 0 {
            return Ok(());
        }
        self.begin_once()?;
        let before = self.rows_written;
        self.rows_written += count;
        let (render, head, out) = self.parts();
        render.encoded(head, out, bytes, before)
    }

    /// Adds a table that its renderer may show apart (a workbook gives it a sheet).
    pub fn sheet(&mut self, table: Section) -> io::Result<()> {
        self.related(&table.key, &table.columns, &table.rows)
    }

    /// Adds rows to a related table under `key` ([`Wants::related`]), streamed as they come; the
    /// first rows open the table with `columns`.
    pub fn related(&mut self, key: &str, columns: &[Column], rows: &[Vec<Out>]) -> io::Result<()> {
        let (render, head, _) = self.parts();
        render.related(head, key, columns, rows)
    }

    /// Adds one outlet's gap list ([`Wants::details`]).
    pub fn detail(&mut self, id: &str, heading: String, columns: &[Column], rows: &[Vec<Out>]) {
        let (render, head, _) = self.parts();
        render.detail(head, id, heading, columns, rows);
    }

    /// Adds the outlets' tallies by county ([`Wants::details`]), before [`Writer::finish`]: the
    /// renderer makes its region tables of them as it writes them.
    pub fn regions(&mut self, counties: Groups) {
        self.parts().0.regions(counties);
    }

    /// Whether the report is too long to list every row ([`html::Listing`]): it is shown by
    /// region, and lists some rows.
    pub fn lists_some(&mut self) -> bool {
        self.parts().0.lists_some()
    }

    /// Whether no more rows are listed ([`html::Listing::is_full`]): those to come need no
    /// gap list.
    pub fn lists_no_more(&mut self) -> bool {
        self.parts().0.lists_no_more()
    }

    /// Closes the report with its sections (summaries) and, in JSON, its problems.
    pub fn finish(mut self, sections: &[Section], problems: &[Problem]) -> io::Result<W> {
        self.begin_once()?;
        let rows = self.rows_written;
        let (render, head, out) = self.parts();
        render.finish(head, out, rows, sections, problems)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The title of a report page, by command.
pub(super) fn page_title(command: &str) -> Text {
    match command {
        "grade" => Text::new("基层公共就业服务网点评定结果", "Outlet grades"),
        "gaps" => Text::new("基层公共就业服务网点缺项清单", "Outlet gaps"),
        "explain" => Text::new("网点逐条评定说明", "One outlet, rule by rule"),
        "summary" => Text::new("基层公共就业服务网点分组统计", "Outlets by region"),
        "diff" => Text::new("基层公共就业服务网点年度对比", "Year-over-year comparison"),
        other => Text::new(other, other),
    }
}

/// A row or a section's rows as the table and Markdown show them, a (field, value) pair a line.
pub(super) fn pairs(headers: &[String], row: Vec<String>) -> Vec<Vec<String>> {
    headers
        .iter()
        .cloned()
        .zip(row)
        .map(|(h, v)| vec![h, v])
        .collect()
}

/// The meta line, its control characters shown.
pub(super) fn meta_line_shown(h: &Head<'_>) -> String {
    visible(&h.meta_line()).into_owned()
}
