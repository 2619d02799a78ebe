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

/// The data problems as a table: severity, where, the value, what is wrong, what was expected.
fn problem_table(problems: &[Problem], lang: Lang) -> (Vec<Column>, Vec<Vec<Out>>) {
    let columns = vec![
        Column::new("severity", "级别", "severity"),
        Column::new("file", "文件", "file"),
        Column::new("cell", "单元格", "cell"),
        Column::new("row", "行", "row"),
        Column::new("column", "列", "column"),
        Column::new("value", "取值", "value"),
        Column::new("message", "问题", "problem"),
        Column::new("expected", "应填", "expected"),
    ];
    let opt = |s: Option<String>| s.filter(|s| !s.is_empty()).map_or(Out::Null, Out::Str);
    let rows = problems
        .iter()
        .map(|p| {
            vec![
                match p.severity {
                    Severity::Error => Out::key("error", "错误", "error"),
                    Severity::Warning => Out::key("warning", "警告", "warning"),
                },
                Out::str(&*p.file),
                opt(p.cell.as_ref().map(ToString::to_string)),
                p.row.map_or(Out::Null, |r| Out::Int(r as i64)),
                opt(p.column.clone()),
                opt(p.value.clone()),
                Out::str(p.message(lang)),
                opt(p.help(lang)),
            ]
        })
        .collect();
    (columns, rows)
}

/// How the report was made (as-of date, input, rulebook), then every summary section.
fn write_summary(
    sheet: &mut Worksheet,
    meta: &Meta,
    splits: &[String],
    sections: &[Section],
    lang: Lang,
    book: &Rulebook,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let zh = lang == Lang::Zh;
    let mut r = 0u32;
    let mut widths = vec![0usize; 2];
    let mut measure = |c: usize, s: &str| {
        if widths.len() <= c {
            widths.resize(c + 1, 0);
        }
        widths[c] = widths[c].max(text_width(s));
    };
    let mut pairs: Vec<(&str, String)> = vec![
        (lang.pick("命令", "command"), meta.command.to_string()),
        (
            lang.pick("清单", "inventory"),
            meta.input.clone().unwrap_or_default(),
        ),
        (
            lang.pick("原清单评定日期", "old inventory as of"),
            meta.old_as_of.clone().unwrap_or_default(),
        ),
        (
            match meta.old_as_of {
                Some(_) => lang.pick("新清单评定日期", "new inventory as of"),
                None => lang.pick("评定日期", "as of"),
            },
            meta.as_of.clone().unwrap_or_default(),
        ),
        (lang.pick("规则", "rulebook"), meta.rulebook_id.clone()),
        (
            lang.pick("规则版本", "rulebook version"),
            meta.rulebook_version.clone(),
        ),
    ];
    if !meta.extends.is_empty() {
        let chain: Vec<String> = meta
            .extends
            .iter()
            .map(|(id, v)| format!("{id} {v}"))
            .collect();
        pairs.push((lang.pick("基于", "extends"), chain.join(", ")));
    }
    for split in splits {
        pairs.push((lang.pick("分表", "continued"), split.clone()));
    }
    pairs.push((
        lang.pick("生成工具", "made by"),
        format!("outlet {}", env!("CARGO_PKG_VERSION")),
    ));
    sheet.write_string_with_format(
        r,
        0,
        lang.pick("报告信息", "About this report"),
        &styles.title,
    )?;
    r += 1;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        sheet.write_string_with_format(r, 0, *k, &styles.header)?;
        measure(0, k);
        let as_of = [&meta.old_as_of, &meta.as_of]
            .into_iter()
            .find_map(|d| d.as_deref().filter(|a| a == v));
        match as_of.and_then(|a| a.parse::<jiff::civil::Date>().ok()) {
            Some(d) => {
                let date = ExcelDateTime::from_ymd(
                    u16::try_from(d.year()).unwrap_or(1900),
                    d.month() as u8,
                    d.day() as u8,
                )?;
                sheet.write_datetime_with_format(r, 1, &date, &styles.date)?;
            }
            None => {
                sheet.write_string(r, 1, v)?;
            }
        }
        measure(1, v);
        r += 1;
    }
    for (columns, title) in [
        (
            &meta.old_columns,
            Text::new("原清单的列", "Columns of the old inventory"),
        ),
        (
            &meta.columns,
            Text::new("列的读取", "How the columns were read"),
        ),
    ] {
        let Some(columns) = columns else { continue };
        r += 1;
        sheet.write_string_with_format(r, 0, title.get(lang), &styles.title)?;
        r += 1;
        for (i, row) in column_report_rows(columns, book, lang).iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if i == 0 {
                    sheet.write_string_with_format(r, col(c), cell, &styles.header)?;
                } else {
                    sheet.write_string(r, col(c), cell)?;
                }
                measure(c, cell);
            }
            r += 1;
        }
    }
    for s in sections {
        r += 1;
        sheet.write_string_with_format(r, 0, s.title.get(lang), &styles.title)?;
        r += 1;
        if s.single {
            for row in &s.rows {
                for (column, cell) in s.columns.iter().zip(row) {
                    let title = column.title.get(lang);
                    sheet.write_string_with_format(r, 0, title, &styles.header)?;
                    measure(0, title);
                    write_out(sheet, r, 1, cell, lang, book, styles)?;
                    measure(1, &cell.text(super::Format::Xlsx, lang, book));
                    r += 1;
                }
            }
        } else {
            for (c, column) in s.columns.iter().enumerate() {
                let title = column.title.get(lang);
                sheet.write_string_with_format(r, col(c), title, &styles.header)?;
                measure(c, title);
            }
            r += 1;
            for row in &s.rows {
                for (c, cell) in row.iter().enumerate() {
                    write_out(sheet, r, col(c), cell, lang, book, styles)?;
                    measure(c, &cell.text(super::Format::Xlsx, lang, book));
                }
                r += 1;
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let min = if c == 0 && zh { 14 } else { 8 };
        sheet.set_column_width(col(c), (w + 2).clamp(min, MAX_WIDTH) as f64)?;
    }
    Ok(())
}

/// The column report as rows of text, a header row first: each column of the inventory with the
/// field it feeds (or none), then each field that no column feeds and what follows from that.
fn column_report_rows(
    columns: &super::ColumnsRead,
    book: &Rulebook,
    lang: Lang,
) -> Vec<Vec<String>> {
    use crate::inventory::header::Matched;
    let zh = lang == Lang::Zh;
    let name = |f: usize| {
        book.fields
            .get(f)
            .map_or("", |f| f.name.get(lang))
            .to_string()
    };
    // Columns as the sheet's letters, or as numbers in a CSV or YAML inventory.
    let place = |c: usize| match columns.sheet {
        Some(_) => crate::problem::column_letters(u32::try_from(c).unwrap_or(u32::MAX)),
        None => (c + 1).to_string(),
    };
    let mut rows = vec![
        [
            lang.pick("列", "column"),
            lang.pick("表头", "header"),
            lang.pick("字段", "field"),
            lang.pick("识别方式", "read"),
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    if let Some((sheet, passed)) = &columns.sheet {
        let mut how = String::new();
        if !passed.is_empty() {
            how = if zh {
                format!("跳过了缺少必填列的工作表 {}", passed.join("、"))
            } else {
                format!(
                    "passed over {}, which lack the required columns",
                    passed.join(", ")
                )
            };
        }
        rows.push(vec![
            String::new(),
            sheet.clone(),
            lang.pick("工作表", "sheet").to_string(),
            how,
        ]);
    }
    let report = &columns.report;
    let mut by_column: Vec<(usize, Vec<String>)> = report
        .placed
        .iter()
        .map(|(c, header, p)| {
            let how = match (&p.matched, zh) {
                (Matched::Whole, true) => "按名称或同义词".to_string(),
                (Matched::Whole, false) => "by name or synonym".to_string(),
                (Matched::Unit(u), true) => format!("去掉单位「{u}」"),
                (Matched::Unit(u), false) => format!("without the unit `{u}`"),
                (Matched::Note(n), true) => format!("去掉括注「{n}」"),
                (Matched::Note(n), false) => format!("without the note `{n}`"),
            };
            (*c, vec![place(*c), header.clone(), name(p.field), how])
        })
        .chain(report.unplaced.iter().map(|(c, header)| {
            let how = lang.pick("未识别,原样保留", "not placed, passed through");
            (
                *c,
                vec![place(*c), header.clone(), String::new(), how.to_string()],
            )
        }))
        .collect();
    by_column.sort_by_key(|(c, _)| *c);
    rows.extend(by_column.into_iter().map(|(_, row)| row));
    for a in &report.absent {
        let rules = a.rules.join(", ");
        let how = match (a.severity, zh) {
            (Some(Severity::Error), true) => format!("缺少此列:规则 {rules} 只能判为未填报(错误)"),
            (Some(Severity::Error), false) => {
                format!("no column: rules {rules} can only fail as not reported (error)")
            }
            (Some(Severity::Warning), true) => {
                format!("缺少此列:规则 {rules} 只能依据其他列(警告)")
            }
            (Some(Severity::Warning), false) => {
                format!("no column: rules {rules} rest on their other columns (warning)")
            }
            (None, true) => "缺少此列".to_string(),
            (None, false) => "no column".to_string(),
        };
        let how = match (&a.nearest, zh) {
            (Some(n), true) => format!("{how};最接近的表头「{n}」"),
            (Some(n), false) => format!("{how}; the nearest header is `{n}`"),
            (None, _) => how,
        };
        rows.push(vec![String::new(), String::new(), name(a.field), how]);
    }
    rows
}

/// The columns an annotated copy adds to the graded sheet.
pub fn annotation_columns() -> Vec<Column> {
    vec![
        Column::new("assessed_grade", "评定级别", "assessed grade"),
        Column::new("minimum_grade", "最低要求", "minimum"),
        Column::new("status", "状态", "status"),
        Column::new("gaps", "缺项", "gaps"),
        Column::new("problems", "数据问题", "data problems"),
    ]
}

/// The data problems of one row, for the added column.
fn problems_cell(problems: &[&Problem], lang: Lang) -> Out {
    let texts: Vec<String> = problems
        .iter()
        .map(|p| match &p.column {
            Some(c) => format!(
                "{}: {}",
                lang.pick(&format!("「{c}」"), &format!("`{c}`")),
                p.message(lang)
            ),
            None => p.message(lang),
        })
        .collect();
    text_or_null(texts.join(lang.pick("；", "; ")))
}

fn text_or_null(s: String) -> Out {
    if s.is_empty() { Out::Null } else { Out::Str(s) }
}

/// What an annotated copy adds to an auditor's workbook.
pub struct Annotations<'p> {
    /// The cells of [`super::annotate::RowResult::cells`] for each outlet, by the sheet's row
    /// number (1-based).
    pub rows: HashMap<u64, Vec<Out>>,
    /// Data problems: each is listed in its row's 数据问题 cell, and one with a cell gets a note
    /// and a colour there.
    pub problems: &'p [Problem],
}

/// The auditor's workbook as they sent it — every sheet, row and column, their values and merged
/// cells — with the graded sheet's results in columns added right of their own (or written over
/// those columns, when the workbook is an annotated copy already), and a note on every bad cell.
/// Their formatting and formulas are not carried over: each cell keeps the value it showed.
pub fn annotated(
    copy: &WorkbookCopy,
    notes: &Annotations,
    lang: Lang,
    book: &Rulebook,
) -> Result<Vec<u8>, XlsxError> {
    temp_dir_writable(lang)?;
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let graded_name = copy.sheets.get(copy.graded).map(|s| s.name.as_str());
    let columns = annotation_columns();
    // Problems on the graded sheet: by 0-based (row, column) for notes, by row for the column.
    // A cell with an error is coloured as bad, one with only warnings as neutral.
    let mut bad: HashMap<(u32, u32), (Look, Vec<String>)> = HashMap::new();
    let mut by_row: std::collections::BTreeMap<u32, Vec<&Problem>> = Default::default();
    for p in notes.problems {
        if let Some(cell) = &p.cell
            && Some(&*cell.sheet) == graded_name
        {
            by_row.entry(cell.row).or_default().push(p);
            if let Some(c) = cell.column {
                let text = format!(
                    "{}: {}{}",
                    match p.severity {
                        Severity::Error => lang.pick("错误", "error"),
                        Severity::Warning => lang.pick("警告", "warning"),
                    },
                    p.message(lang),
                    p.help(lang).map(|h| format!(" ({h})")).unwrap_or_default()
                );
                let entry = bad
                    .entry((cell.row.saturating_sub(1), c))
                    .or_insert((Look::Warning, Vec::new()));
                if p.severity == Severity::Error {
                    entry.0 = Look::Bad;
                }
                entry.1.push(text);
            }
        }
    }
    let mut names = Vec::new();
    for (index, s) in copy.sheets.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        if set_name(sheet, &s.name, &mut names).is_err() {
            set_name(sheet, &format!("Sheet{}", index + 1), &mut names)?;
        }
        if s.hidden {
            sheet.set_hidden(true);
        }
        let graded = index == copy.graded;
        // The added columns: where the header already has them, else right of everything.
        let mut next = s.last_column.map_or(0, |c| c + 1);
        let targets: Vec<u32> = columns
            .iter()
            .map(|column| {
                let existing = copy.header.iter().find(|(_, h)| {
                    *h == column.title.zh || *h == column.title.en || *h == column.key
                });
                existing.map_or_else(
                    || {
                        next += 1;
                        next - 1
                    },
                    |(c, _)| *c,
                )
            })
            .collect();
        let mut widths: HashMap<u32, usize> = HashMap::new();
        let mut filled: std::collections::HashSet<(u32, u32)> = Default::default();
        for (r, c, v) in &s.cells {
            if graded && *r > copy.header_row && targets.contains(c) {
                continue; // an earlier annotation, written anew below
            }
            let Ok(column) = u16::try_from(*c) else {
                continue;
            };
            let look = if let Some((look, _)) = bad.get(&(*r, *c)).filter(|_| graded) {
                *look
            } else if s.merged.iter().any(|m| (m.0, m.1) == (*r, *c)) {
                Look::Merged
            } else {
                Look::Plain
            };
            let shown = write_copy(sheet, *r, column, v, look)?;
            filled.insert((*r, *c));
            // Columns are sized to the table: the title lines above the header do not count.
            let above_header = graded && *r < copy.header_row;
            if !above_header
                && !s
                    .merged
                    .iter()
                    .any(|m| m.0 <= *r && *r <= m.2 && m.1 <= *c && *c <= m.3)
            {
                let w = widths.entry(*c).or_default();
                *w = (*w).max(text_width(&shown));
            }
        }
        for &(r0, c0, r1, c1) in &s.merged {
            let (Ok(c0), Ok(c1)) = (u16::try_from(c0), u16::try_from(c1)) else {
                continue;
            };
            // A merge that Excel would refuse (overlapping another) is left unmerged.
            if (r0, c0) == (r1, c1)
                || sheet
                    .merge_range(r0, c0, r1, c1, "", &styles.merged)
                    .is_err()
            {
                continue;
            }
            // Merging blanks the first cell: its value is written again.
            let first = s
                .cells
                .iter()
                .find(|(r, c, _)| (*r, *c) == (r0, u32::from(c0)));
            if let Some((_, _, v)) = first {
                write_copy(sheet, r0, c0, v, Look::Merged)?;
            }
        }
        if graded {
            for ((r, c), (look, texts)) in &bad {
                let Ok(column) = u16::try_from(*c) else {
                    continue;
                };
                if !filled.contains(&(*r, *c)) {
                    // A blank cell that should not be: coloured too.
                    let format = if *look == Look::Bad {
                        &styles.bad
                    } else {
                        &styles.neutral
                    };
                    sheet.write_blank(*r, column, format)?;
                }
                let note = Note::new(texts.join("\n"))
                    .set_author("outlet")
                    .add_author_prefix(false)
                    .set_width(320)
                    .set_height(90);
                sheet.insert_note(*r, column, &note)?;
            }
            for (column, &target) in columns.iter().zip(&targets) {
                let Ok(c) = u16::try_from(target) else {
                    continue;
                };
                let title = column.title.get(lang);
                sheet.write_string_with_format(copy.header_row, c, title, &styles.header)?;
                let w = widths.entry(target).or_default();
                *w = (*w).max(text_width(title) + 2);
            }
            let rows: std::collections::BTreeSet<u64> = notes
                .rows
                .keys()
                .copied()
                .chain(by_row.keys().map(|r| u64::from(*r)))
                .collect();
            for row in rows {
                let Some(r) = row.checked_sub(1).and_then(|r| u32::try_from(r).ok()) else {
                    continue;
                };
                let mut cells = notes
                    .rows
                    .get(&row)
                    .cloned()
                    .unwrap_or_else(|| vec![Out::Null; columns.len() - 1]);
                let problems = u32::try_from(row)
                    .ok()
                    .and_then(|r| by_row.get(&r))
                    .map_or(&[][..], Vec::as_slice);
                cells.push(problems_cell(problems, lang));
                for (cell, &target) in cells.iter().zip(&targets) {
                    let Ok(c) = u16::try_from(target) else {
                        continue;
                    };
                    write_out(sheet, r, c, cell, lang, book, &styles)?;
                    let w = widths.entry(target).or_default();
                    *w = (*w).max(text_width(&cell.text(super::Format::Xlsx, lang, book)));
                }
            }
            sheet.set_freeze_panes(copy.header_row + 1, 0)?;
        }
        for (c, w) in widths {
            if let Ok(c) = u16::try_from(c) {
                sheet.set_column_width(c, (w + 2).clamp(6, MAX_WIDTH) as f64)?;
            }
        }
    }
    workbook.save_to_buffer()
}

/// How a copied cell is shown: as it was, coloured as a cell with an error or a warning, or
/// centred in a merged range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Plain,
    Bad,
    Warning,
    Merged,
}

/// Writes one copied value as it was (a date as a date, a 12-digit number in full); returns the
/// text it shows, to size the column.
fn write_copy(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    v: &CopyValue,
    look: Look,
) -> Result<String, XlsxError> {
    // The number format the value needs: a long whole number (a division code) would show as
    // 5.20123E+11 in General.
    let base = match v {
        // Excel's built-in `0`.
        CopyValue::Number(n) if n.fract() == 0.0 && n.abs() >= 1e11 => {
            Some(Format::new().set_num_format_index(1))
        }
        CopyValue::DateTime(_, _, _, 0, 0, 0) => Some(Format::new().set_num_format("yyyy-mm-dd")),
        CopyValue::DateTime(..) => Some(Format::new().set_num_format("yyyy-mm-dd hh:mm:ss")),
        _ => None,
    };
    let format = match look {
        Look::Plain => base,
        Look::Bad => Some(
            base.unwrap_or_default()
                .set_background_color(Color::RGB(BAD_FILL))
                .set_font_color(Color::RGB(BAD_FONT)),
        ),
        Look::Warning => Some(
            base.unwrap_or_default()
                .set_background_color(Color::RGB(NEUTRAL_FILL))
                .set_font_color(Color::RGB(NEUTRAL_FONT)),
        ),
        Look::Merged => Some(
            base.unwrap_or_default()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
        ),
    };
    macro_rules! put {
        ($value:expr) => {
            match &format {
                Some(f) => sheet.write_with_format(r, c, $value, f)?,
                None => sheet.write(r, c, $value)?,
            }
        };
    }
    Ok(match v {
        CopyValue::Text(s) | CopyValue::Error(s) => {
            put!(clip(s));
            s.clone()
        }
        CopyValue::Number(n) => {
            put!(*n);
            crate::inventory::xlsx::number_text(*n)
        }
        CopyValue::Bool(b) => {
            put!(*b);
            if *b { "TRUE" } else { "FALSE" }.to_string()
        }
        &CopyValue::DateTime(y, m, d, h, min, s) => {
            let date =
                ExcelDateTime::from_ymd(y, m, d).and_then(|dt| dt.and_hms(u16::from(h), min, s));
            match date {
                Ok(dt) => put!(&dt),
                Err(_) => put!(format!("{y:04}-{m:02}-{d:02}")),
            };
            if (h, min, s) == (0, 0, 0) {
                "0000-00-00".into()
            } else {
                "0000-00-00 00:00:00".into()
            }
        }
    })
}

/// A blank inventory workbook: the columns of the effective rulebook on the first sheet, with a
/// drop-down list on every yes/no and enumerated column (its values from the rulebook), the code
/// column formatted as text and the date column as dates; the second sheet explains each column.
pub fn template(book: &Rulebook, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    temp_dir_writable(lang)?;
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let mut names = Vec::new();
    // Lists longer than Excel's 255-character limit for an inline list go on a hidden sheet.
    let lists_sheet = lang.pick("取值", "values").to_string();
    let mut long_lists: Vec<Vec<String>> = Vec::new();
    {
        let sheet = workbook.add_worksheet();
        set_name(sheet, lang.pick("台账", "inventory"), &mut names)?;
        // Excel's built-in text format (`@`), so that a 12-digit code keeps its digits.
        let text_format = Format::new().set_num_format_index(49);
        for (c, f) in book.fields.iter().enumerate() {
            let column = col(c);
            let title = header(f, lang);
            sheet.write_string_with_format(0, column, title, &styles.header)?;
            let (format, width) = kind::column(&f.kind);
            let width = width.unwrap_or_else(|| text_width(title) + 4);
            sheet.set_column_width(column, width.clamp(10, MAX_WIDTH) as f64)?;
            match format {
                ColumnFormat::Text => {
                    sheet.set_column_format(column, &text_format)?;
                }
                ColumnFormat::Date => {
                    sheet.set_column_format(column, &styles.date)?;
                }
                ColumnFormat::General => {}
            }
            let values = choices(book, c, lang);
            if values.is_empty() {
                continue;
            }
            let joined = values.join(",").chars().count();
            let validation = if joined <= 255 && values.iter().all(|v| !v.contains(',')) {
                DataValidation::new().allow_list_strings(&values)?
            } else {
                long_lists.push(values.clone());
                let list_col = crate::problem::column_letters(
                    u32::try_from(long_lists.len() - 1).unwrap_or(0),
                );
                DataValidation::new().allow_list_formula(Formula::new(format!(
                    "='{lists_sheet}'!${list_col}$1:${list_col}${}",
                    values.len()
                )))
            };
            let message = values.join(" / ");
            let validation = validation
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title(lang.pick("不在下拉列表中", "Not in the list"))?
                .set_error_message(clip_to(
                    &format!("{}{message}", lang.pick("可选: ", "choose one of: ")),
                    225,
                ))?;
            sheet.add_data_validation(1, column, MAX_ROWS as u32, column, &validation)?;
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    {
        let sheet = workbook.add_worksheet();
        set_name(sheet, lang.pick("说明", "columns"), &mut names)?;
        write_table(
            sheet,
            &template_columns(),
            &template_rows(book, lang),
            lang,
            book,
            &styles,
        )?;
    }
    if !long_lists.is_empty() {
        let sheet = workbook.add_worksheet();
        set_name(sheet, &lists_sheet, &mut names)?;
        for (c, values) in long_lists.iter().enumerate() {
            for (r, v) in values.iter().enumerate() {
                sheet.write_string(u32::try_from(r).unwrap_or(0), col(c), v)?;
            }
        }
        sheet.set_hidden(true);
    }
    workbook.save_to_buffer()
}

/// The values a template's drop-down list offers for a field: the field kind says
/// ([`kind::choices`]).
pub use crate::inventory::kind::choices;

fn clip_to(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
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
