//! Workbooks, for auditors who work in Excel: the report of `grade`, `gaps` and `explain` as one
//! workbook (评定结果, 缺项清单, 数据问题, 汇总), an annotated copy of the auditor's own workbook
//! with the results beside each outlet's row, and the blank inventory template with drop-down
//! lists.
//!
//! Every sheet is built from the same [`Column`]/[`Out`]/[`Section`] model as the other formats;
//! cells keep their types (numbers are numbers, grades in English are 1–4), headers are frozen and
//! filterable, and column widths count a Chinese character as two. A workbook is built in memory
//! and returned as bytes, which the caller writes through its atomic output.

use std::collections::HashMap;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, Note, Workbook, Worksheet, XlsxError,
};

mod copy;
mod render;
mod summary;
mod template;

pub use copy::{Annotations, annotated, annotation_columns};
pub(super) use render::XlsxRender;
use summary::{problem_table, write_summary};
pub use template::{choices, template};

use super::rules::{header, template_columns, template_rows};
use super::{Column, Meta, Out, Section};
use crate::inventory::kind::{self, ColumnFormat};
use crate::inventory::xlsx::{CopyValue, WorkbookCopy};
use crate::problem::{Problem, Severity};
use crate::rulebook::Rulebook;
use crate::text::{Lang, Text};

/// Rows a sheet holds below its header; a longer table continues on a second sheet.
pub(super) const MAX_ROWS: usize = 1_048_575;
/// The widest a column is made, in Excel's units (about one digit each).
const MAX_WIDTH: usize = 60;
/// How many rows are measured to size a column.
const MEASURED_ROWS: usize = 2_000;
/// Excel's limit on the text of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Excel's own "Bad" and "Neutral" cell styles: below the minimum, and claims more than it reaches.
const BAD_FILL: u32 = 0xFFC7CE;
const BAD_FONT: u32 = 0x9C0006;
const NEUTRAL_FILL: u32 = 0xFFEB9C;
const NEUTRAL_FONT: u32 = 0x9C5700;
const HEADER_FILL: u32 = 0xDDEBF7;

/// The formats a workbook uses.
struct Styles {
    header: Format,
    bad: Format,
    neutral: Format,
    percent: Format,
    title: Format,
    date: Format,
    merged: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(HEADER_FILL))
                .set_border_bottom(FormatBorder::Thin),
            bad: Format::new()
                .set_background_color(Color::RGB(BAD_FILL))
                .set_font_color(Color::RGB(BAD_FONT)),
            neutral: Format::new()
                .set_background_color(Color::RGB(NEUTRAL_FILL))
                .set_font_color(Color::RGB(NEUTRAL_FONT)),
            percent: Format::new().set_num_format("0.0%"),
            title: Format::new().set_bold().set_font_size(13),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            merged: Format::new()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
        }
    }

    /// The colour of a closed-set value that needs attention.
    fn of_key(&self, key: &str) -> Option<&Format> {
        match key {
            "below_minimum" | "error" => Some(&self.bad),
            "overclaimed" | "warning" => Some(&self.neutral),
            _ => None,
        }
    }
}

/// The name of a sheet that holds the rows under `key` in a report of `command`.
fn sheet_title(key: &str, command: &str) -> Text {
    match key {
        "outlets" | "outlet" => Text::new("评定结果", "Results"),
        "gaps" => Text::new("缺项清单", "Gaps"),
        "rules" if command == "explain" => Text::new("逐条说明", "Rules"),
        "rules" => Text::new("规则", "Rules"),
        "articles" => Text::new("条款", "Articles"),
        "groups" => Text::new("分组统计", "Groups"),
        "columns" => Text::new("说明", "Columns"),
        "problems" => Text::new("数据问题", "Data problems"),
        "summary" => Text::new("汇总", "Summary"),
        other => Text::new(other, other),
    }
}

/// Where a sheet goes: results, then gaps, then the rest in the order given.
fn sheet_rank(key: &str) -> u8 {
    match key {
        "outlets" | "outlet" => 0,
        "gaps" => 1,
        _ => 2,
    }
}

/// A report workbook being written in constant memory (issue 16): every sheet of rows streams
/// them, row by row, to a temporary file (beside `--output` when it can), so that a national
/// inventory's workbook takes megabytes, not gigabytes. A table longer than a sheet holds
/// continues on sheets of the same name with a suffix (`评定结果 (2)`), and the summary sheet says
/// so. Column widths come from the first [`MEASURED_ROWS`] rows of each table; the data problems
/// (bounded: the first ones kept) and the summary are written when the rows are done.
pub(super) struct Stream {
    workbook: Workbook,
    styles: Styles,
    lang: Lang,
    command: &'static str,
    /// Sheet names taken, in the order the sheets were added.
    names: Vec<String>,
    tables: Vec<Streamed>,
    /// Data rows a sheet holds ([`MAX_ROWS`], less in tests).
    max_rows: usize,
    /// Where the finished workbook is assembled before it is copied to the output.
    dir: Option<PathBuf>,
}

/// Where a table stands among a report's sheets: the main rows, a table shown before them, or
/// another table (a workbook's own sheet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Place {
    Main,
    Preamble,
    Other,
}

/// One table of a streamed workbook: its sheets, and how many rows they hold.
struct Streamed {
    key: String,
    place: Place,
    /// The sheet name the table's first sheet has (the others add a suffix).
    name: String,
    columns: Vec<Column>,
    /// The table's sheets, first to last, by their index in the workbook.
    sheets: Vec<usize>,
    /// Rows on the last sheet, and in all.
    rows_on_last: usize,
    rows: usize,
    widths: Vec<usize>,
}

impl Stream {
    /// A workbook whose temporary files go in `dir` (when it is a folder that can be written;
    /// the system's temporary folder if not), with at most `max_rows` data rows a sheet.
    pub(super) fn new(
        lang: Lang,
        command: &'static str,
        dir: Option<&Path>,
        max_rows: usize,
    ) -> Result<Stream, XlsxError> {
        temp_dir_writable(lang)?;
        let mut workbook = Workbook::new();
        let dir = dir.filter(|d| workbook.set_tempdir(d).is_ok());
        Ok(Stream {
            workbook,
            styles: Styles::new(),
            lang,
            command,
            names: Vec::new(),
            tables: Vec::new(),
            max_rows: max_rows.clamp(1, MAX_ROWS),
            dir: dir.map(Path::to_path_buf),
        })
    }

    /// The table under `key`, opened (with `columns`) if it is new.
    pub(super) fn table(
        &mut self,
        key: &str,
        place: Place,
        columns: &[Column],
    ) -> Result<usize, XlsxError> {
        if let Some(t) = self.tables.iter().position(|t| t.key == key) {
            return Ok(t);
        }
        let name = sheet_title(key, self.command).get(self.lang).to_string();
        self.tables.push(Streamed {
            key: key.to_string(),
            place,
            name,
            widths: columns
                .iter()
                // Room for the filter button.
                .map(|c| text_width(c.title.get(self.lang)) + 3)
                .collect(),
            columns: columns.to_vec(),
            sheets: Vec::new(),
            rows_on_last: 0,
            rows: 0,
        });
        let t = self.tables.len() - 1;
        self.add_sheet(t)?;
        Ok(t)
    }

    /// Starts a sheet of table `t`: its name, and its header row, frozen.
    fn add_sheet(&mut self, t: usize) -> Result<(), XlsxError> {
        let table = &mut self.tables[t];
        let name = match table.sheets.len() {
            0 => table.name.clone(),
            n => format!("{} ({})", table.name, n + 1),
        };
        let index = self.workbook.worksheets().len();
        let sheet = self.workbook.add_worksheet_with_constant_memory();
        set_name(sheet, &name, &mut self.names)?;
        for (c, column) in table.columns.iter().enumerate() {
            let title = column.title.get(self.lang);
            sheet.write_string_with_format(0, col(c), title, &self.styles.header)?;
        }
        if !table.columns.is_empty() {
            sheet.set_freeze_panes(1, 0)?;
        }
        table.sheets.push(index);
        table.rows_on_last = 0;
        Ok(())
    }

    /// Writes one row of table `t`, on a new sheet when the last one is full.
    pub(super) fn row(
        &mut self,
        t: usize,
        cells: &[Out],
        book: &Rulebook,
    ) -> Result<(), XlsxError> {
        if self.tables[t].rows_on_last >= self.max_rows {
            self.close_sheet(t)?;
            self.add_sheet(t)?;
        }
        let lang = self.lang;
        let table = &mut self.tables[t];
        let Some(&index) = table.sheets.last() else {
            return Ok(());
        };
        let r =
            u32::try_from(table.rows_on_last + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        let measure = table.rows < MEASURED_ROWS;
        let sheet = self.workbook.worksheet_from_index(index)?;
        for (c, cell) in cells.iter().enumerate().take(table.columns.len()) {
            write_out(sheet, r, col(c), cell, lang, book, &self.styles)?;
            if measure {
                let w = text_width(&cell.text(super::Format::Xlsx, lang, book));
                table.widths[c] = table.widths[c].max(w);
            }
        }
        table.rows_on_last += 1;
        table.rows += 1;
        Ok(())
    }

    /// Ends the last sheet of table `t`: a filter over its rows.
    fn close_sheet(&mut self, t: usize) -> Result<(), XlsxError> {
        let table = &self.tables[t];
        let Some(&index) = table.sheets.last() else {
            return Ok(());
        };
        if table.columns.is_empty() {
            return Ok(());
        }
        let last = u32::try_from(table.rows_on_last).unwrap_or(u32::MAX);
        let width = col(table.columns.len() - 1);
        self.workbook
            .worksheet_from_index(index)?
            .autofilter(0, 0, last.max(1), width)?;
        Ok(())
    }

    /// Finishes the workbook: filters and widths, the data problems (for a report about an
    /// inventory) and the summary; the sheets in order (results, gaps, the rest); then writes it
    /// to `out`.
    pub(super) fn finish(
        mut self,
        meta: &Meta,
        sections: &[Section],
        problems: &[Problem],
        book: &Rulebook,
        out: &mut impl Write,
    ) -> Result<(), XlsxError> {
        if meta.input.is_some() {
            let (columns, rows) = problem_table(problems, self.lang);
            let t = self.table("problems", Place::Other, &columns)?;
            for r in &rows {
                self.row(t, r, book)?;
            }
        }
        for t in 0..self.tables.len() {
            self.close_sheet(t)?;
            let table = &self.tables[t];
            for &index in &table.sheets {
                let sheet = self.workbook.worksheet_from_index(index)?;
                for (c, w) in table.widths.iter().enumerate() {
                    sheet.set_column_width(col(c), (w + 2).clamp(6, MAX_WIDTH) as f64)?;
                }
            }
        }
        let splits: Vec<String> = self
            .tables
            .iter()
            .filter(|t| t.sheets.len() > 1)
            .map(|t| {
                let names: Vec<&str> = t.sheets.iter().map(|&i| self.names[i].as_str()).collect();
                match self.lang {
                    Lang::Zh => format!(
                        "{} 共 {} 行,超过一张工作表的上限 {} 行,分在 {} 张工作表: {}",
                        t.name,
                        t.rows,
                        self.max_rows,
                        t.sheets.len(),
                        names.join("、")
                    ),
                    Lang::En => format!(
                        "{}: {} rows, more than a sheet's {}, on {} sheets: {}",
                        t.name,
                        t.rows,
                        self.max_rows,
                        t.sheets.len(),
                        names.join(", ")
                    ),
                }
            })
            .collect();
        let summary = self.workbook.worksheets().len();
        let sheet = self.workbook.add_worksheet();
        set_name(
            sheet,
            sheet_title("summary", "").get(self.lang),
            &mut self.names,
        )?;
        write_summary(
            sheet,
            meta,
            &splits,
            sections,
            self.lang,
            book,
            &self.styles,
        )?;
        // Results, then gaps, then the others (main rows, those shown before them, the rest),
        // each table's sheets together; the data problems and the summary last.
        let mut order: Vec<(u8, Place, usize, usize)> = Vec::new();
        for (t, table) in self.tables.iter().enumerate() {
            let rank = if table.key == "problems" {
                3
            } else {
                sheet_rank(&table.key)
            };
            for &index in &table.sheets {
                order.push((rank, table.place, t, index));
            }
        }
        order.sort();
        let mut sheets: Vec<Option<Worksheet>> = std::mem::take(self.workbook.worksheets_mut())
            .into_iter()
            .map(Some)
            .collect();
        let ordered = self.workbook.worksheets_mut();
        for index in order.iter().map(|o| o.3).chain([summary]) {
            if let Some(sheet) = sheets.get_mut(index).and_then(Option::take) {
                ordered.push(sheet);
            }
        }
        // The workbook is assembled in a temporary file, then copied: never whole in memory.
        let mut file = match &self.dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }?;
        self.workbook.save_to_writer(&mut file)?;
        file.seek(SeekFrom::Start(0))?;
        std::io::copy(&mut file, out)?;
        Ok(())
    }
}

/// Refuses, with a message rather than a panic, a system temporary folder that cannot be written:
/// with its `constant_memory` feature, `rust_xlsxwriter` opens a temporary file there for every
/// sheet it makes (and panics if it cannot), even for a sheet written in memory.
fn temp_dir_writable(lang: Lang) -> Result<(), XlsxError> {
    let dir = std::env::temp_dir();
    tempfile::tempfile_in(&dir).map(drop).map_err(|e| {
        let shown = dir.display();
        XlsxError::IoError(std::io::Error::new(
            e.kind(),
            match lang {
                Lang::Zh => format!(
                    "生成工作簿需要一个可写的临时文件夹,`{shown}` 不存在或不可写;请用环境变量 TMPDIR 指定一个"
                ),
                Lang::En => format!(
                    "a workbook needs a temporary folder that can be written, and `{shown}` cannot \
                     be ({e}); set TMPDIR to one"
                ),
            },
        ))
    })
}

/// Names a sheet, making the name unique and valid (Excel allows 31 characters, not `[]:*?/\`).
fn set_name(sheet: &mut Worksheet, name: &str, taken: &mut Vec<String>) -> Result<(), XlsxError> {
    const MAX: usize = 31;
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'');
    let clean = if clean.is_empty() {
        format!("Sheet{}", taken.len() + 1)
    } else {
        clean.to_string()
    };
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let mut candidate = cut(&clean, MAX);
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == candidate.to_lowercase())
    {
        let suffix = format!(" ({n})");
        candidate = format!("{}{suffix}", cut(&clean, MAX - suffix.len()));
        n += 1;
    }
    sheet.set_name(&candidate)?;
    taken.push(candidate);
    Ok(())
}

/// A header row, then the rows; the header frozen and filterable, columns sized to fit.
fn write_table(
    sheet: &mut Worksheet,
    columns: &[Column],
    rows: &[Vec<Out>],
    lang: Lang,
    book: &Rulebook,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = Vec::with_capacity(columns.len());
    for (c, column) in columns.iter().enumerate() {
        let title = column.title.get(lang);
        sheet.write_string_with_format(0, col(c), title, &styles.header)?;
        // Room for the filter button.
        widths.push(text_width(title) + 3);
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate().take(columns.len()) {
            write_out(sheet, r, col(c), cell, lang, book, styles)?;
            if i < MEASURED_ROWS {
                let w = text_width(&cell.text(super::Format::Xlsx, lang, book));
                widths[c] = widths[c].max(w);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(col(c), (w + 2).clamp(6, MAX_WIDTH) as f64)?;
    }
    if !columns.is_empty() {
        sheet.set_freeze_panes(1, 0)?;
        let last = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        sheet.autofilter(0, 0, last.max(1), col(columns.len() - 1))?;
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// One typed cell: numbers stay numbers, grades are 1–4 in English and their names in Chinese.
fn write_out(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Out,
    lang: Lang,
    book: &Rulebook,
    styles: &Styles,
) -> Result<(), XlsxError> {
    match cell {
        Out::Null | Out::OptGrade(None) => {}
        Out::Int(n) => {
            sheet.write_number(r, c, *n as f64)?;
        }
        Out::Num(n) => {
            sheet.write_number(r, c, *n)?;
        }
        Out::Percent(x) => {
            sheet.write_number_with_format(r, c, *x, &styles.percent)?;
        }
        Out::Grade(Some(g)) | Out::OptGrade(Some(g)) if lang == Lang::En => {
            sheet.write_number(r, c, f64::from(*g))?;
        }
        Out::Key { key, title } => {
            let text = clip(title.get(lang));
            match styles.of_key(key) {
                Some(f) => sheet.write_string_with_format(r, c, text, f)?,
                None => sheet.write_string(r, c, text)?,
            };
        }
        // Text is written from where it is, without a copy.
        Out::Str(s) if !s.is_empty() => {
            sheet.write_string(r, c, clip(s))?;
        }
        Out::Shared(s) if !s.is_empty() => {
            sheet.write_string(r, c, clip(s))?;
        }
        other => {
            let text = other.text(super::Format::Xlsx, lang, book);
            if !text.is_empty() {
                sheet.write_string(r, c, clip(&text))?;
            }
        }
    }
    Ok(())
}

/// Text cut to what one cell holds.
fn clip(s: &str) -> &str {
    // No more bytes than the limit has characters: nothing to cut, and no need to count.
    if s.len() <= MAX_CELL_CHARS {
        return s;
    }
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The width of text in Excel's units: a Chinese (wide) character takes two.
pub fn text_width(s: &str) -> usize {
    s.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

pub(super) fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_count_twice() {
        assert_eq!(text_width("AN-001"), 6);
        assert_eq!(text_width("网点编号"), 8);
        assert_eq!(text_width("共建(参照社区)"), 14);
        assert_eq!(text_width("一行\n第二行"), 6);
    }
}
