//! The annotated copy of an auditor's own workbook (`grade --annotate`), made by streaming the
//! workbook's package: every part of its zip is copied unchanged — its compressed bytes as they
//! are — except the graded sheet's XML, which streams through with the results (评定级别, 最低要求,
//! 状态, 缺项, 数据问题) added to the header row and to each outlet's row, in columns right of the
//! sheet's last used column (or in those columns, when the workbook is an annotated copy already).
//! Styles, column widths, hidden columns, freeze panes, formulas, merged cells, data validations,
//! the other sheets and the defined names are the original's, byte for byte; the sheet's own cells
//! too. The added cells are inline strings (text, never a formula) but for a grade in English,
//! which is a number.
//!
//! The sheet's XML is read twice as it streams, through a small tokenizer that keeps one tag at a
//! time: once to find its last used column, once to copy it. Only the results are held, one
//! compact [`RowResult`] per outlet.
//!
//! A workbook that is not such a package — `.xls`, `.ods`, `.xlsb`, a macro-enabled `.xlsm` (whose
//! parts a file named `.xlsx` cannot hold) — is copied as values by [`super::xlsx::annotated`].

use crate::inventory::xlsx::guard::{local, parse_reference, unescape};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use zip::ZipArchive;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::xlsx::{annotation_columns, text_width};
use super::{Out, words};
use crate::eval::{Assessment, Evaluator, Outcome, Status};
use crate::problem::{Problem, column_letters};
use crate::rulebook::{RuleKind, Rulebook};
use crate::text::Lang;

/// What an annotated copy keeps of one graded outlet: its row, grade, minimum, status, and the
/// required rules it fails on the way to the next grade (by index, with why).
#[derive(Clone, Debug)]
pub struct RowResult {
    row: u32,
    assessed: Option<u8>,
    minimum: u8,
    status: Status,
    gaps: Box<[(u32, Outcome)]>,
}

impl RowResult {
    /// The result of the outlet on sheet row `row` (1-based).
    pub fn new(ev: &Evaluator, row: u64, a: &Assessment) -> RowResult {
        let book = ev.book;
        let gaps = ev
            .gaps(a, None)
            .into_iter()
            .filter(|i| book.rules[*i].kind == RuleKind::Required)
            .filter_map(|i| Some((u32::try_from(i).ok()?, a.outcomes[i])))
            .collect();
        RowResult {
            row: u32::try_from(row).unwrap_or(u32::MAX),
            assessed: a.assessed,
            minimum: a.minimum,
            status: a.status,
            gaps,
        }
    }

    /// The sheet row (1-based).
    pub fn row(&self) -> u64 {
        u64::from(self.row)
    }

    /// The added cells but the data problems, as the report model has them: grade, minimum,
    /// status, and the gaps (`G3-SYSTEM 业务经办信息系统(不满足)`).
    pub fn cells(&self, book: &Rulebook, lang: Lang) -> Vec<Out> {
        let gaps = self.gaps_text(book, lang);
        vec![
            Out::Grade(self.assessed),
            Out::OptGrade(Some(self.minimum)),
            words::status(self.status),
            if gaps.is_empty() {
                Out::Null
            } else {
                Out::Str(gaps)
            },
        ]
    }

    fn gaps_text(&self, book: &Rulebook, lang: Lang) -> String {
        let mut text = String::new();
        for &(i, outcome) in &self.gaps {
            let Some(rule) = usize::try_from(i).ok().and_then(|i| book.rules.get(i)) else {
                continue;
            };
            if !text.is_empty() {
                text.push_str(lang.pick("；", "; "));
            }
            let reason = title(&words::reason(outcome), lang);
            let _ = match lang {
                Lang::Zh => write!(text, "{} {}({reason})", rule.id, rule.title.zh),
                Lang::En => write!(text, "{} {} ({reason})", rule.id, rule.title.en),
            };
        }
        text
    }
}

/// The title of a closed-set value.
fn title(out: &Out, lang: Lang) -> String {
    match out {
        Out::Key { title, .. } => title.get(lang).to_string(),
        _ => String::new(),
    }
}

/// A grade as an added cell shows it: its name in Chinese (三级, 未达四级), its number in English.
fn grade_value(grade: Option<u8>, book: &Rulebook, lang: Lang) -> Value {
    match (grade, lang) {
        (Some(g), Lang::En) => Value::Number(g),
        (Some(g), Lang::Zh) => Value::Text(
            book.grade_info(g)
                .map_or_else(|| g.to_string(), |i| i.name.zh.clone()),
        ),
        (None, Lang::En) => Value::Text("ungraded".into()),
        (None, Lang::Zh) => Value::Text("未达四级".into()),
    }
}

/// The data problems of one row, as its 数据问题 cell says them.
pub fn problems_text(problems: &[&Problem], lang: Lang) -> String {
    let mut text = String::new();
    for p in problems {
        if !text.is_empty() {
            text.push_str(lang.pick("；", "; "));
        }
        if let Some(c) = &p.column {
            let _ = match lang {
                Lang::Zh => write!(text, "「{c}」: "),
                Lang::En => write!(text, "`{c}`: "),
            };
        }
        text.push_str(&p.message(lang));
    }
    text
}

/// Where the graded table is on its sheet, as the inventory found it.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The sheet's name.
    pub sheet: String,
    /// The 0-based column of the header's first column.
    pub first_column: u32,
    /// The row number (1-based) of the header's last row.
    pub header_row: u64,
    /// The header's names, one per column from `first_column`.
    pub headers: Vec<String>,
}

/// A workbook whose package can be copied part by part: an `.xlsx`, and the part of its graded
/// sheet.
#[derive(Clone, Debug)]
pub struct Package {
    path: PathBuf,
    part: String,
}

/// The content type of an `.xlsx` workbook's main part (not a macro-enabled one, nor a template).
const WORKBOOK_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";

/// The most bytes kept of an attribute collected from the workbook's parts.
const MAX_ATTRIBUTE: usize = 1024;

/// The most `<sheet>` and `<Relationship>` elements remembered.
const MAX_NAMES: usize = 65_536;

impl Package {
    /// The package of the workbook at `path` with `sheet`, when it is an `.xlsx` whose parts can
    /// be copied; `None` for any other workbook (or one whose sheet cannot be found in its parts),
    /// which is copied as values.
    pub fn probe(path: &Path, sheet: &str) -> Option<Package> {
        let file = File::open(path).ok()?;
        let mut zip = ZipArchive::new(BufReader::new(file)).ok()?;
        let types = collect(&mut zip, "[Content_Types].xml", |tag, found| {
            if local(tag.name()) == b"Override"
                && tag.attribute_text(b"PartName").as_deref() == Some("/xl/workbook.xml")
            {
                found.push(tag.attribute_text(b"ContentType").unwrap_or_default());
            }
        })?;
        if types.first().map(String::as_str) != Some(WORKBOOK_TYPE) {
            return None;
        }
        let sheets = collect(&mut zip, "xl/workbook.xml", |tag, found| {
            if local(tag.name()) == b"sheet" {
                found.push((
                    tag.attribute_text(b"name").unwrap_or_default(),
                    tag.attribute_text(b"id").unwrap_or_default(),
                ));
            }
        })?;
        let id = sheets
            .iter()
            .find(|(name, _)| name == sheet)
            .or_else(|| sheets.iter().find(|(name, _)| name.trim() == sheet.trim()))
            .map(|(_, id)| id.clone())?;
        let targets = collect(&mut zip, "xl/_rels/workbook.xml.rels", |tag, found| {
            if local(tag.name()) == b"Relationship"
                && tag.attribute_text(b"Id").as_deref() == Some(id.as_str())
            {
                found.push(tag.attribute_text(b"Target").unwrap_or_default());
            }
        })?;
        let target = resolve("xl", targets.first()?)?;
        let part = zip
            .file_names()
            .find(|n| *n == target)
            .or_else(|| zip.file_names().find(|n| n.eq_ignore_ascii_case(&target)))?
            .to_string();
        part.to_ascii_lowercase()
            .ends_with(".xml")
            .then(|| Package {
                path: path.to_path_buf(),
                part,
            })
    }
}

/// Reads part `name` of the zip and collects what `take` finds in its tags.
fn collect<T>(
    zip: &mut ZipArchive<BufReader<File>>,
    name: &str,
    take: impl FnMut(&TagRef<'_>, &mut Vec<T>),
) -> Option<Vec<T>> {
    struct Collect<T, F> {
        found: Vec<T>,
        take: F,
    }
    impl<T, F: FnMut(&TagRef<'_>, &mut Vec<T>)> Sink for Collect<T, F> {
        fn text(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn tag(&mut self, raw: &[u8]) -> io::Result<()> {
            if self.found.len() < MAX_NAMES {
                (self.take)(&TagRef::parse(raw), &mut self.found);
            }
            Ok(())
        }
    }
    let entry = zip.by_name(name).ok()?;
    let mut sink = Collect {
        found: Vec::new(),
        take,
    };
    stream(entry, &mut sink).ok()?;
    Some(sink.found)
}

/// A relationship's target as a part's name: relative to `base` (`worksheets/sheet1.xml` →
/// `xl/worksheets/sheet1.xml`), or absolute (`/xl/worksheets/sheet1.xml`).
fn resolve(base: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => base.split('/').filter(|p| !p.is_empty()).collect(),
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The last column a sheet has (XFD), 0-based.
const MAX_COLUMN: u32 = 16_383;
/// The last row a sheet has.
const MAX_ROW: u32 = 1_048_576;
/// The widest an added column is made, and the narrowest, in Excel's units.
const MAX_WIDTH: usize = 60;
const MIN_WIDTH: usize = 6;
/// Excel's limit on the text of one cell, in UTF-16 units.
const MAX_CELL_UNITS: usize = 32_767;

/// Writes the annotated copy of the workbook of `package` to `out`: its graded sheet, laid out as
/// `layout` says, gets the `results` and the graded sheet's `problems`.
pub fn copy(
    package: &Package,
    layout: &Layout,
    results: &[RowResult],
    problems: &[Problem],
    book: &Rulebook,
    lang: Lang,
    out: impl Write + Seek,
) -> Result<(), CopyError> {
    let file = File::open(&package.path)?;
    let mut zip = ZipArchive::new(BufReader::new(file))?;
    let mut extent = Extent::default();
    stream(zip.by_name(&package.part)?, &mut extent)?;
    let plan = Plan::new(layout, &extent, results, problems, book, lang)?;
    let mut writer = ZipWriter::new(out);
    for i in 0..zip.len() {
        let is_sheet = zip.name_for_index(i) == Some(package.part.as_str());
        if !is_sheet {
            let entry = zip.by_index_raw(i)?;
            writer.raw_copy_file(entry)?;
            continue;
        }
        let entry = zip.by_index(i)?;
        let mut options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(entry.size() > u64::from(u32::MAX) / 2);
        if let Some(time) = entry.last_modified() {
            options = options.last_modified_time(time);
        }
        if let Some(mode) = entry.unix_mode() {
            options = options.unix_permissions(mode);
        }
        let name = entry.name().to_string();
        writer.start_file(name, options)?;
        let mut rewriter = Rewriter::new(&plan, BufWriter::with_capacity(1 << 16, &mut writer));
        stream(entry, &mut rewriter)?;
        rewriter.finish()?;
    }
    let mut out = writer.finish()?;
    Ok(out.flush()?)
}

/// Why an annotated copy could not be made.
#[derive(Debug)]
pub enum CopyError {
    /// Reading the workbook or writing the copy failed.
    Io(io::Error),
    /// The workbook's zip cannot be read (zip's own words).
    Zip(String),
    /// A tag of the graded sheet is longer than can be held.
    TagTooLong(String),
    /// No columns are left right of the sheet's for the results.
    NoRoom,
}

impl CopyError {
    /// The message in `lang` (the zip's own words are in English).
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (CopyError::Io(e), _) => crate::text::io_message(e, lang),
            (CopyError::Zip(e), Lang::Zh) => format!("工作簿的压缩包无法读取或写入({e})"),
            (CopyError::Zip(e), Lang::En) => {
                format!("the workbook's zip cannot be read or written ({e})")
            }
            (CopyError::TagTooLong(name), Lang::Zh) => {
                format!(
                    "评定的工作表中有一个 <{name}> 标记超过 {MAX_TAG} 字节,无法复制;请用 Excel 重新保存"
                )
            }
            (CopyError::TagTooLong(name), Lang::En) => format!(
                "a <{name}> tag of the graded sheet is longer than {MAX_TAG} bytes and cannot be copied; save the workbook again in Excel"
            ),
            (CopyError::NoRoom, Lang::Zh) => {
                "工作表右侧已没有空列可以写入评定结果(最后一列是 XFD)".into()
            }
            (CopyError::NoRoom, Lang::En) => {
                "the sheet has no columns left for the results (its last is XFD)".into()
            }
        }
    }
}

impl std::fmt::Display for CopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for CopyError {}

impl From<io::Error> for CopyError {
    fn from(e: io::Error) -> CopyError {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<TagTooLong>())
        {
            Some(TagTooLong(name)) => CopyError::TagTooLong(name.clone()),
            None => CopyError::Io(e),
        }
    }
}

impl From<zip::result::ZipError> for CopyError {
    fn from(e: zip::result::ZipError) -> CopyError {
        match e {
            zip::result::ZipError::Io(e) => CopyError::from(e),
            e => CopyError::Zip(e.to_string()),
        }
    }
}

/// A tag too long to hold (its name), carried in an [`io::Error`] out of the tokenizer.
#[derive(Debug)]
struct TagTooLong(String);

impl std::fmt::Display for TagTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a <{}> tag of more than {MAX_TAG} bytes", self.0)
    }
}

impl std::error::Error for TagTooLong {}

/// A value of an added cell.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(String),
    /// A grade in English.
    Number(u8),
}

/// How the graded sheet is rewritten: where the added columns go, and what each row gets.
struct Plan<'a> {
    /// The column of each added cell (in the order of [`annotation_columns`]), 0-based.
    targets: Vec<u32>,
    /// The columns added right of the sheet's own (a range of `targets`), if any, and their widths.
    added: Option<(u32, u32)>,
    widths: Vec<(u32, f64)>,
    header_row: u32,
    titles: Vec<String>,
    /// The last row and column the sheet will have (1-based row, 0-based column).
    last_row: u32,
    last_column: u32,
    results: &'a [RowResult],
    /// The indices of `results` by row, when they are not in the sheet's order.
    order: Option<Vec<usize>>,
    /// The graded sheet's problems below the header, by row.
    problems: BTreeMap<u32, Vec<&'a Problem>>,
    book: &'a Rulebook,
    lang: Lang,
}

impl<'a> Plan<'a> {
    fn new(
        layout: &Layout,
        extent: &Extent,
        results: &'a [RowResult],
        problems: &'a [Problem],
        book: &'a Rulebook,
        lang: Lang,
    ) -> Result<Plan<'a>, CopyError> {
        let columns = annotation_columns();
        let header_row = u32::try_from(layout.header_row).unwrap_or(u32::MAX);
        // The added columns: where the header already has them, else right of everything.
        let first_new = extent.last_content.map_or(0, |c| c.saturating_add(1));
        let mut next = first_new;
        let targets: Vec<u32> = columns
            .iter()
            .map(|column| {
                let existing = layout.headers.iter().position(|h| {
                    *h == column.title.zh || *h == column.title.en || *h == column.key
                });
                if let Some(i) = existing.and_then(|i| u32::try_from(i).ok()) {
                    layout.first_column.saturating_add(i)
                } else {
                    next = next.saturating_add(1);
                    next - 1
                }
            })
            .collect();
        if targets.iter().any(|&c| c > MAX_COLUMN) {
            return Err(CopyError::NoRoom);
        }
        let added = (next > first_new).then(|| (first_new, next - 1));
        let mut problems_by_row: BTreeMap<u32, Vec<&Problem>> = BTreeMap::new();
        for p in problems {
            if let Some(cell) = &p.cell
                && *cell.sheet == *layout.sheet
                && cell.row > header_row
            {
                problems_by_row.entry(cell.row).or_default().push(p);
            }
        }
        let sorted = results.windows(2).all(|w| w[0].row < w[1].row);
        let order = (!sorted).then(|| {
            let mut order: Vec<usize> = (0..results.len()).collect();
            order.sort_by_key(|&i| results[i].row);
            order.dedup_by_key(|i| results[*i].row);
            order
        });
        let titles: Vec<String> = columns.iter().map(|c| c.title.get(lang).into()).collect();
        let last_result_row = results.iter().map(|r| r.row).max().unwrap_or(0);
        let last_problem_row = problems_by_row.keys().next_back().copied().unwrap_or(0);
        let mut plan = Plan {
            last_row: extent
                .last_row
                .max(header_row)
                .max(last_result_row)
                .max(last_problem_row)
                .min(MAX_ROW),
            last_column: extent
                .last_column
                .max(targets.iter().copied().max().unwrap_or(0)),
            targets,
            added,
            widths: Vec::new(),
            header_row,
            titles,
            results,
            order,
            problems: problems_by_row,
            book,
            lang,
        };
        plan.widths = plan.measure();
        Ok(plan)
    }

    /// The widths of the added columns: their title's and widest value's, as the report's are.
    fn measure(&self) -> Vec<(u32, f64)> {
        let Some((first, last)) = self.added else {
            return Vec::new();
        };
        let mut widths: Vec<usize> = self.titles.iter().map(|t| text_width(t) + 2).collect();
        let mut rows = Rows::new(self);
        while let Some((_, values)) = rows.next_row(u32::MAX) {
            for (w, v) in widths.iter_mut().zip(&values) {
                let shown = match v {
                    Some(Value::Text(s)) => text_width(s),
                    Some(Value::Number(_)) => 1,
                    None => 0,
                };
                *w = (*w).max(shown);
            }
        }
        self.targets
            .iter()
            .zip(widths)
            .filter(|(c, _)| (first..=last).contains(*c))
            .map(|(&c, w)| (c, (w + 2).clamp(MIN_WIDTH, MAX_WIDTH) as f64))
            .collect()
    }

    /// The added cells of a row, by column.
    fn cells_of(&self, values: Vec<Option<Value>>) -> Vec<Added> {
        let mut cells: Vec<Added> = self
            .targets
            .iter()
            .zip(values)
            .filter_map(|(&column, value)| {
                Some(Added {
                    column,
                    value: value?,
                    style: None,
                })
            })
            .collect();
        cells.sort_by_key(|c| c.column);
        cells
    }
}

/// The rows that get added cells, in the sheet's order: the header row (the titles), and every
/// row below it with a result or a data problem.
struct Rows<'p, 'a> {
    plan: &'p Plan<'a>,
    /// The next result (its position in the plan's order).
    result: usize,
    problems: std::iter::Peekable<std::collections::btree_map::Iter<'p, u32, Vec<&'a Problem>>>,
    header_done: bool,
}

impl<'p, 'a> Rows<'p, 'a> {
    fn new(plan: &'p Plan<'a>) -> Rows<'p, 'a> {
        Rows {
            plan,
            result: 0,
            problems: plan.problems.iter().peekable(),
            header_done: false,
        }
    }

    fn result_at(&self, n: usize) -> Option<&'a RowResult> {
        match &self.plan.order {
            Some(order) => order.get(n).map(|&i| &self.plan.results[i]),
            None => self.plan.results.get(n),
        }
    }

    /// The number of the next row with added cells.
    fn peek(&mut self) -> Option<u32> {
        // Results at or above the header (none should be) are passed over.
        while let Some(r) = self.result_at(self.result)
            && r.row <= self.plan.header_row
        {
            self.result += 1;
        }
        let header = (!self.header_done).then_some(self.plan.header_row);
        let result = self.result_at(self.result).map(|r| r.row);
        let problem = self.problems.peek().map(|(r, _)| **r);
        [header, result, problem].into_iter().flatten().min()
    }

    /// The next row with added cells, if its number is at most `limit`: its number and values.
    fn next_row(&mut self, limit: u32) -> Option<(u32, Vec<Option<Value>>)> {
        let row = self.peek().filter(|r| *r <= limit)?;
        let plan = self.plan;
        if !self.header_done && row == plan.header_row {
            self.header_done = true;
            let titles = plan.titles.iter().map(|t| Some(Value::Text(t.clone())));
            return Some((row, titles.collect()));
        }
        let result = match self.result_at(self.result) {
            Some(r) if r.row == row => {
                self.result += 1;
                Some(r)
            }
            _ => None,
        };
        let problems = self
            .problems
            .next_if(|(r, _)| **r == row)
            .map(|(_, ps)| problems_text(ps, plan.lang))
            .filter(|t| !t.is_empty());
        let text = |s: String| (!s.is_empty()).then_some(Value::Text(s));
        let mut values: Vec<Option<Value>> = match result {
            Some(r) => vec![
                Some(grade_value(r.assessed, plan.book, plan.lang)),
                Some(grade_value(Some(r.minimum), plan.book, plan.lang)),
                text(title(&words::status(r.status), plan.lang)),
                text(r.gaps_text(plan.book, plan.lang)),
            ],
            None => vec![None; 4],
        };
        values.push(problems.map(Value::Text));
        Some((row, values))
    }
}

/// A cell to add: its column, value, and the style it takes over from the cell it replaces.
#[derive(Clone, Debug)]
struct Added {
    column: u32,
    value: Value,
    style: Option<Vec<u8>>,
}

// ---------------------------------------------------------------------------------------------
// The first pass: how far the sheet reaches.

/// What the first pass over the sheet finds: its last column with a value (or a formula), and the
/// last row and column any cell, or its dimension, reaches.
#[derive(Debug, Default)]
struct Extent {
    last_content: Option<u32>,
    last_row: u32,
    last_column: u32,
    in_data: bool,
    row: u32,
    column: Option<u32>,
    in_cell: bool,
    content: bool,
}

impl Sink for Extent {
    fn text(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn tag(&mut self, raw: &[u8]) -> io::Result<()> {
        let tag = TagRef::parse(raw);
        match (tag.kind, local(tag.name())) {
            (Kind::Start | Kind::Empty, b"dimension") => {
                if let Some((_, (row, column))) = tag.attribute(b"ref").and_then(parse_range) {
                    self.last_row = self.last_row.max(row);
                    self.last_column = self.last_column.max(column);
                }
            }
            (Kind::Start, b"sheetData") => self.in_data = true,
            (Kind::End, b"sheetData") => self.in_data = false,
            (Kind::Start | Kind::Empty, b"row") if self.in_data => {
                self.row = row_number(&tag, self.row);
                self.column = None;
                self.last_row = self.last_row.max(self.row);
            }
            (kind @ (Kind::Start | Kind::Empty), b"c") if self.in_data => {
                let (row, column) = cell_place(&tag, self.row, self.column);
                self.row = row;
                self.column = Some(column);
                self.last_row = self.last_row.max(row);
                self.last_column = self.last_column.max(column);
                self.in_cell = kind == Kind::Start;
                self.content = false;
            }
            (Kind::Start | Kind::Empty, b"v" | b"is" | b"f") if self.in_cell => self.content = true,
            (Kind::End, b"c") if self.in_cell => {
                self.in_cell = false;
                if self.content {
                    let column = self.column.unwrap_or(0);
                    self.last_content = Some(self.last_content.map_or(column, |c| c.max(column)));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A row's number: its `r`, or the one after the row before.
fn row_number(tag: &TagRef<'_>, before: u32) -> u32 {
    tag.attribute(b"r")
        .and_then(|r| std::str::from_utf8(r).ok()?.trim().parse().ok())
        .unwrap_or(before.saturating_add(1))
}

/// A cell's 1-based row and 0-based column: its `r`, or the column after the cell before.
fn cell_place(tag: &TagRef<'_>, row: u32, before: Option<u32>) -> (u32, u32) {
    match tag.attribute(b"r").and_then(parse_reference) {
        Some((r, c)) => (r, c),
        None => (row, before.map_or(0, |c| c.saturating_add(1))),
    }
}

/// A range (`A1:AC120`, or one cell `A1`) as its first and last cell.
fn parse_range(r: &[u8]) -> Option<((u32, u32), (u32, u32))> {
    let mut halves = r.splitn(2, |&b| b == b':');
    let first = parse_reference(halves.next()?)?;
    let last = match halves.next() {
        Some(h) => parse_reference(h)?,
        None => first,
    };
    Some((first, last))
}

// ---------------------------------------------------------------------------------------------
// The second pass: the sheet rewritten.

/// A cell of an added column being read: held until its end, to know whether it has a value.
struct Held {
    column: u32,
    raw: Vec<u8>,
    /// Whether it has a value or formula (an earlier annotation, or anything else to replace).
    content: bool,
    style: Option<Vec<u8>>,
}

/// The most bytes of a held cell kept; a longer one is dropped as having content.
const MAX_HELD: usize = 1 << 20;

/// Where the rewriter is in a row.
struct RowState {
    number: u32,
    /// Whether the row's cells get the added cells, or only lose their old ones.
    touched: bool,
    /// The column of the last cell, for a cell without `r`.
    column: Option<u32>,
    pending: Vec<Added>,
    /// Whether a cell was added or left out before, so that a following cell without `r` needs
    /// one.
    shifted: bool,
    /// The style of the last cell of the row copied (for the added header cells).
    last_style: Option<Vec<u8>>,
}

/// Copies the sheet's XML with the added cells.
struct Rewriter<'p, 'a, W: Write> {
    plan: &'p Plan<'a>,
    rows: Rows<'p, 'a>,
    out: W,
    prefix: Vec<u8>,
    in_data: bool,
    cols_seen: bool,
    cols_added: bool,
    last_row: u32,
    rows_inserted: bool,
    row: Option<RowState>,
    /// Inside a copied cell; inside a cell of an added column.
    in_cell: bool,
    held: Option<Held>,
}

impl<'p, 'a, W: Write> Rewriter<'p, 'a, W> {
    fn new(plan: &'p Plan<'a>, out: W) -> Rewriter<'p, 'a, W> {
        Rewriter {
            plan,
            rows: Rows::new(plan),
            out,
            prefix: Vec::new(),
            in_data: false,
            cols_seen: false,
            cols_added: false,
            last_row: 0,
            rows_inserted: false,
            row: None,
            in_cell: false,
            held: None,
        }
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn is_target(&self, column: u32) -> bool {
        self.plan.targets.contains(&column)
    }

    /// Writes the added `<col>` elements, once.
    fn write_added_cols(&mut self) -> io::Result<()> {
        if self.cols_added {
            return Ok(());
        }
        self.cols_added = true;
        for &(column, width) in &self.plan.widths {
            let n = column + 1;
            write!(
                self.out,
                "<{p}col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>",
                p = Prefix(&self.prefix)
            )?;
        }
        Ok(())
    }

    /// A `<col>` of the sheet's `<cols>`: kept, or split around the added columns (a column the
    /// sheet hid, or sized, up to XFD would otherwise hide them).
    fn col(&mut self, raw: &[u8], tag: &TagRef<'_>) -> io::Result<()> {
        let Some((first, last)) = self.plan.added else {
            return self.out.write_all(raw);
        };
        let number = |key: &[u8]| -> Option<u32> {
            std::str::from_utf8(tag.attribute(key)?)
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let (Some(min), Some(max)) = (number(b"min"), number(b"max")) else {
            return self.out.write_all(raw);
        };
        // 1-based, as <col> counts.
        let (a, b) = (first + 1, last + 1);
        if max < a {
            return self.out.write_all(raw);
        }
        if min > b {
            self.write_added_cols()?;
            return self.out.write_all(raw);
        }
        if min < a {
            let before = set_attribute(
                &set_attribute(raw, b"min", &min.to_string()),
                b"max",
                &(a - 1).to_string(),
            );
            self.out.write_all(&before)?;
        }
        self.write_added_cols()?;
        if max > b {
            let after = set_attribute(
                &set_attribute(raw, b"min", &(b + 1).to_string()),
                b"max",
                &max.to_string(),
            );
            self.out.write_all(&after)?;
        }
        Ok(())
    }

    /// Writes the rows with added cells above row `row` that the sheet has no `<row>` for.
    fn insert_rows_before(&mut self, row: u32) -> io::Result<()> {
        while let Some((number, values)) = self.rows.next_row(row.saturating_sub(1)) {
            let cells = self.plan.cells_of(values);
            if cells.is_empty() {
                continue;
            }
            self.rows_inserted = true;
            write!(
                self.out,
                "<{p}row r=\"{number}\">",
                p = Prefix(&self.prefix)
            )?;
            for cell in &cells {
                write_cell(&mut self.out, &self.prefix, number, cell)?;
            }
            write!(self.out, "</{p}row>", p = Prefix(&self.prefix))?;
        }
        Ok(())
    }

    fn start_row(&mut self, raw: &[u8], tag: &TagRef<'_>) -> io::Result<()> {
        let number = row_number(tag, self.last_row);
        self.last_row = number;
        self.insert_rows_before(number)?;
        let touched = number >= self.plan.header_row;
        let mut pending = match self.rows.next_row(number) {
            Some((_, values)) => self.plan.cells_of(values),
            None => Vec::new(),
        };
        pending.sort_by_key(|c| c.column);
        let mut raw = std::borrow::Cow::Borrowed(raw);
        if self.rows_inserted && tag.attribute(b"r").is_none() {
            raw = set_attribute(&raw, b"r", &number.to_string()).into();
        }
        if !pending.is_empty()
            && let Some(spans) = tag.attribute(b"spans")
            && let Some(spans) = widen_spans(spans, &pending)
        {
            raw = set_attribute(&raw, b"spans", &spans).into();
        }
        if tag.kind == Kind::Empty {
            if pending.is_empty() {
                return self.out.write_all(&raw);
            }
            // `<row …/>` becomes `<row …>` with the added cells.
            let open = &raw[..raw.len() - 2];
            self.out.write_all(open.trim_ascii_end())?;
            self.out.write_all(b">")?;
            for cell in &pending {
                write_cell(&mut self.out, &self.prefix, number, cell)?;
            }
            return write!(self.out, "</{p}row>", p = Prefix(&self.prefix));
        }
        self.out.write_all(&raw)?;
        self.row = Some(RowState {
            number,
            touched,
            column: None,
            pending,
            shifted: false,
            last_style: None,
        });
        Ok(())
    }

    /// Writes the row's added cells left of `column` (all of them, without one).
    fn flush_pending(&mut self, column: Option<u32>) -> io::Result<()> {
        let Some(row) = &mut self.row else {
            return Ok(());
        };
        let header = row.number == self.plan.header_row;
        while let Some(cell) = row.pending.first() {
            if column.is_some_and(|c| cell.column >= c) {
                break;
            }
            let mut cell = row.pending.remove(0);
            if cell.style.is_none() && header {
                cell.style.clone_from(&row.last_style);
            }
            write_cell(&mut self.out, &self.prefix, row.number, &cell)?;
            row.shifted = true;
        }
        Ok(())
    }

    fn start_cell(&mut self, raw: &[u8], tag: &TagRef<'_>) -> io::Result<()> {
        let Some(row) = &mut self.row else {
            self.in_cell = tag.kind == Kind::Start;
            return self.out.write_all(raw);
        };
        let (_, column) = cell_place(tag, row.number, row.column);
        row.column = Some(column);
        let style = tag.attribute(b"s").map(<[u8]>::to_vec);
        let touched = row.touched;
        if touched && self.is_target(column) {
            self.flush_pending(Some(column))?;
            let held = Held {
                column,
                raw: raw.to_vec(),
                content: false,
                style,
            };
            if tag.kind == Kind::Empty {
                return self.end_held(held);
            }
            self.held = Some(held);
            return Ok(());
        }
        self.flush_pending(Some(column))?;
        let Some(row) = &mut self.row else {
            return Ok(());
        };
        if row.number == self.plan.header_row {
            row.last_style.clone_from(&style);
        }
        self.in_cell = tag.kind == Kind::Start;
        if row.shifted && tag.attribute(b"r").is_none() {
            let reference = format!("{}{}", column_letters(column), row.number);
            return self.out.write_all(&set_attribute(raw, b"r", &reference));
        }
        self.out.write_all(raw)
    }

    /// The end of a cell of an added column: replaced by the added cell (which takes its style),
    /// left out when it had a value (an earlier annotation), or kept (an empty cell with a
    /// style, in a row without an added cell there).
    fn end_held(&mut self, held: Held) -> io::Result<()> {
        let Some(row) = &mut self.row else {
            return self.out.write_all(&held.raw);
        };
        if let Some(added) = row.pending.iter_mut().find(|c| c.column == held.column) {
            if added.style.is_none() {
                added.style = held.style;
            }
            row.shifted = true;
            return Ok(());
        }
        if held.content {
            row.shifted = true;
            if let Some(style) = held.style {
                let reference = format!("{}{}", column_letters(held.column), row.number);
                self.out.write_all(b"<")?;
                self.out.write_all(&self.prefix)?;
                self.out.write_all(b"c r=\"")?;
                self.out.write_all(reference.as_bytes())?;
                self.out.write_all(b"\" s=\"")?;
                self.out.write_all(&style)?;
                self.out.write_all(b"\"/>")?;
            }
            return Ok(());
        }
        self.out.write_all(&held.raw)
    }

    fn end_row(&mut self, raw: &[u8]) -> io::Result<()> {
        self.flush_pending(None)?;
        self.row = None;
        self.out.write_all(raw)
    }
}

impl<W: Write> Sink for Rewriter<'_, '_, W> {
    fn text(&mut self, raw: &[u8]) -> io::Result<()> {
        match &mut self.held {
            Some(held) => {
                if held.raw.len() + raw.len() <= MAX_HELD {
                    held.raw.extend_from_slice(raw);
                } else {
                    held.content = true;
                }
                Ok(())
            }
            None => self.out.write_all(raw),
        }
    }

    fn tag(&mut self, raw: &[u8]) -> io::Result<()> {
        let tag = TagRef::parse(raw);
        let name = local(tag.name());
        if tag.kind == Kind::End
            && name == b"c"
            && let Some(mut held) = self.held.take()
        {
            if held.raw.len() + raw.len() <= MAX_HELD {
                held.raw.extend_from_slice(raw);
            }
            return self.end_held(held);
        }
        if let Some(held) = &mut self.held {
            if matches!(tag.kind, Kind::Start | Kind::Empty) && matches!(name, b"v" | b"is" | b"f")
            {
                held.content = true;
            }
            if held.raw.len() + raw.len() <= MAX_HELD {
                held.raw.extend_from_slice(raw);
            } else {
                held.content = true;
            }
            return Ok(());
        }
        if self.in_cell {
            if tag.kind == Kind::End && name == b"c" {
                self.in_cell = false;
            }
            return self.out.write_all(raw);
        }
        match (tag.kind, name) {
            (Kind::Start | Kind::Empty, b"worksheet") => {
                self.prefix = prefix(tag.name()).to_vec();
                self.out.write_all(raw)
            }
            (Kind::Start | Kind::Empty, b"dimension") if !self.in_data => {
                match tag.attribute(b"ref").and_then(parse_range) {
                    Some(((r0, c0), _)) => {
                        let reference = format!(
                            "{}{}:{}{}",
                            column_letters(c0),
                            r0,
                            column_letters(self.plan.last_column),
                            self.plan.last_row
                        );
                        self.out.write_all(&set_attribute(raw, b"ref", &reference))
                    }
                    None => self.out.write_all(raw),
                }
            }
            (Kind::Start, b"cols") if !self.in_data => {
                self.cols_seen = true;
                self.out.write_all(raw)
            }
            (Kind::Empty, b"col") if !self.in_data && self.cols_seen => self.col(raw, &tag),
            (Kind::End, b"cols") if !self.in_data => {
                if self.plan.added.is_some() {
                    self.write_added_cols()?;
                }
                self.out.write_all(raw)
            }
            (Kind::Start | Kind::Empty, b"sheetData") => {
                if !self.cols_seen && !self.plan.widths.is_empty() {
                    write!(self.out, "<{p}cols>", p = Prefix(&self.prefix))?;
                    self.write_added_cols()?;
                    write!(self.out, "</{p}cols>", p = Prefix(&self.prefix))?;
                }
                self.cols_seen = true;
                if tag.kind == Kind::Empty {
                    let open = &raw[..raw.len() - 2];
                    self.out.write_all(open.trim_ascii_end())?;
                    self.out.write_all(b">")?;
                    self.insert_rows_before(u32::MAX)?;
                    return write!(self.out, "</{p}sheetData>", p = Prefix(tag.name_prefix()));
                }
                self.in_data = true;
                self.out.write_all(raw)
            }
            (Kind::End, b"sheetData") => {
                if self.row.is_some() {
                    self.flush_pending(None)?;
                    self.row = None;
                }
                self.insert_rows_before(u32::MAX)?;
                self.in_data = false;
                self.out.write_all(raw)
            }
            (Kind::Start | Kind::Empty, b"row") if self.in_data => self.start_row(raw, &tag),
            (Kind::End, b"row") if self.in_data => self.end_row(raw),
            (Kind::Start | Kind::Empty, b"c") if self.in_data => self.start_cell(raw, &tag),
            _ => self.out.write_all(raw),
        }
    }
}

/// A row's `spans` (`1:29`) widened to the added cells, if it can be read.
fn widen_spans(spans: &[u8], cells: &[Added]) -> Option<String> {
    let spans = std::str::from_utf8(spans).ok()?;
    let (a, b) = spans.trim().split_once(':')?;
    let (mut a, mut b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    for cell in cells {
        a = a.min(cell.column + 1);
        b = b.max(cell.column + 1);
    }
    Some(format!("{a}:{b}"))
}

/// Writes an added cell: an inline string (or, for a grade in English, a number).
fn write_cell(out: &mut impl Write, prefix: &[u8], row: u32, cell: &Added) -> io::Result<()> {
    let p = Prefix(prefix);
    write!(out, "<{p}c r=\"{}{row}\"", column_letters(cell.column))?;
    if let Some(style) = &cell.style {
        out.write_all(b" s=\"")?;
        out.write_all(style)?;
        out.write_all(b"\"")?;
    }
    match &cell.value {
        Value::Number(n) => write!(out, "><{p}v>{n}</{p}v></{p}c>"),
        Value::Text(s) => {
            let space = if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
                " xml:space=\"preserve\""
            } else {
                ""
            };
            write!(out, " t=\"inlineStr\"><{p}is><{p}t{space}>")?;
            let mut escaped = Vec::with_capacity(s.len() + 16);
            push_escaped(&mut escaped, s);
            out.write_all(&escaped)?;
            write!(out, "</{p}t></{p}is></{p}c>")
        }
    }
}

/// An element's namespace prefix, with its colon (`x:`), or nothing.
struct Prefix<'a>(&'a [u8]);

impl std::fmt::Display for Prefix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.0))
    }
}

/// Appends `s` as the text of an XML element, as Excel reads it: `&`, `<` and `>` escaped, the
/// control characters XML cannot hold as Excel's `_x000B_`, a literal `_x000B_` kept literal
/// (`_x005F_x000B_`), cut to Excel's limit of 32,767 characters.
pub fn push_escaped(out: &mut Vec<u8>, s: &str) {
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_CELL_UNITS {
            break;
        }
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' => out.push(ch as u8),
            '_' if looks_escaped(&s.as_bytes()[i..]) => out.extend_from_slice(b"_x005F_"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.extend_from_slice(format!("_x{:04X}_", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Whether text starts as Excel's escape of a character does (`_x000D_`).
fn looks_escaped(s: &[u8]) -> bool {
    s.len() >= 7
        && s[0] == b'_'
        && (s[1] == b'x' || s[1] == b'X')
        && s[2..6].iter().all(u8::is_ascii_hexdigit)
        && s[6] == b'_'
}

// ---------------------------------------------------------------------------------------------
// The tokenizer.

/// What a [`Scanner`] hands on: text (and comments, CDATA), and whole tags, raw.
trait Sink {
    fn text(&mut self, raw: &[u8]) -> io::Result<()>;
    /// A whole tag, `<` to `>`.
    fn tag(&mut self, raw: &[u8]) -> io::Result<()>;
}

/// The most bytes of one tag held; a longer one is handed on as text (when it is not one the
/// rewriter reads: then the sheet is refused).
const MAX_TAG: usize = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Text,
    /// Inside a tag; the open quote of an attribute's value, if any.
    Tag(Option<u8>),
    /// Inside a tag too long to hold, handed on as text.
    LongTag(Option<u8>),
    /// Inside `<!-- … -->`; how many `-` were just seen.
    Comment(u8),
    /// Inside `<![CDATA[ … ]]>`; how many `]` were just seen.
    Cdata(u8),
}

/// A streaming tokenizer of XML, fed any pieces of a document: just enough to find the tags of a
/// sheet and copy everything else as it is.
struct Scanner {
    state: State,
    tag: Vec<u8>,
}

/// Streams the XML read from `read` through `sink`.
fn stream(mut read: impl Read, sink: &mut impl Sink) -> io::Result<()> {
    let mut scanner = Scanner {
        state: State::Text,
        tag: Vec::new(),
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match read.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        scanner.feed(&buf[..n], sink)?;
    }
    // A tag cut off by the end of the document is handed on as it is.
    if matches!(scanner.state, State::Tag(_)) && !scanner.tag.is_empty() {
        sink.text(&scanner.tag)?;
    }
    Ok(())
}

impl Scanner {
    fn feed(&mut self, bytes: &[u8], sink: &mut impl Sink) -> io::Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::Text => {
                    let end = memchr::memchr(b'<', &bytes[i..]).map_or(bytes.len(), |at| i + at);
                    if end > i {
                        sink.text(&bytes[i..end])?;
                    }
                    i = end;
                    if i < bytes.len() {
                        self.state = State::Tag(None);
                        self.tag.clear();
                        self.tag.push(b'<');
                        i += 1;
                    }
                }
                State::Tag(quote) => {
                    // Up to the next quote or `>`, whichever matters.
                    let rest = &bytes[i..];
                    let stop = match quote {
                        Some(q) => memchr::memchr(q, rest),
                        None => memchr::memchr3(b'>', b'"', b'\'', rest),
                    };
                    let Some(at) = stop else {
                        self.tag.extend_from_slice(rest);
                        i = bytes.len();
                        self.check_start(sink)?;
                        continue;
                    };
                    let b = rest[at];
                    self.tag.extend_from_slice(&rest[..=at]);
                    i += at + 1;
                    match (quote, b) {
                        (Some(_), _) => self.state = State::Tag(None),
                        (None, b'>') => {
                            self.state = State::Text;
                            if self.check_start(sink)? {
                                continue;
                            }
                            sink.tag(&self.tag)?;
                        }
                        (None, q) => self.state = State::Tag(Some(q)),
                    }
                    self.check_start(sink)?;
                }
                State::LongTag(quote) => {
                    let rest = &bytes[i..];
                    let stop = match quote {
                        Some(q) => memchr::memchr(q, rest),
                        None => memchr::memchr3(b'>', b'"', b'\'', rest),
                    };
                    let Some(at) = stop else {
                        sink.text(rest)?;
                        i = bytes.len();
                        continue;
                    };
                    sink.text(&rest[..=at])?;
                    i += at + 1;
                    self.state = match (quote, rest[at]) {
                        (Some(_), _) => State::LongTag(None),
                        (None, b'>') => State::Text,
                        (None, q) => State::LongTag(Some(q)),
                    };
                }
                State::Comment(dashes) => {
                    let start = i;
                    let mut d = dashes;
                    while i < bytes.len() {
                        let b = bytes[i];
                        i += 1;
                        if b == b'>' && d >= 2 {
                            self.state = State::Text;
                            break;
                        }
                        d = if b == b'-' { d.saturating_add(1) } else { 0 };
                        self.state = State::Comment(d);
                    }
                    sink.text(&bytes[start..i])?;
                }
                State::Cdata(brackets) => {
                    let start = i;
                    let mut n = brackets;
                    while i < bytes.len() {
                        let b = bytes[i];
                        i += 1;
                        if b == b'>' && n >= 2 {
                            self.state = State::Text;
                            break;
                        }
                        n = if b == b']' { n.saturating_add(1) } else { 0 };
                        self.state = State::Cdata(n);
                    }
                    sink.text(&bytes[start..i])?;
                }
            }
        }
        Ok(())
    }

    /// Turns the tag being read into a comment or CDATA when it starts as one, and hands a tag
    /// grown too long on as text. Returns whether the tag was handed on.
    fn check_start(&mut self, sink: &mut impl Sink) -> io::Result<bool> {
        if self.tag.starts_with(b"<!--") {
            // The comment's end may be in what was read already.
            let tail = self.tag.split_off(4);
            sink.text(b"<!--")?;
            self.state = State::Comment(0);
            self.tag.clear();
            self.feed(&tail, sink)?;
            return Ok(true);
        }
        if self.tag.starts_with(b"<![CDATA[") {
            let tail = self.tag.split_off(9);
            sink.text(b"<![CDATA[")?;
            self.state = State::Cdata(0);
            self.tag.clear();
            self.feed(&tail, sink)?;
            return Ok(true);
        }
        if self.tag.len() > MAX_TAG {
            let parsed = TagRef::parse(&self.tag);
            if matches!(
                local(parsed.name()),
                b"row" | b"c" | b"col" | b"cols" | b"dimension" | b"sheetData" | b"worksheet"
            ) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    TagTooLong(String::from_utf8_lossy(parsed.name()).into_owned()),
                ));
            }
            let quote = match self.state {
                State::Tag(q) => q,
                _ => None,
            };
            sink.text(&self.tag)?;
            self.tag.clear();
            self.state = if self.state == State::Text {
                State::Text
            } else {
                State::LongTag(quote)
            };
            return Ok(true);
        }
        Ok(false)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Start,
    End,
    Empty,
    /// A declaration, processing instruction, or anything else.
    Other,
}

/// A whole tag, parsed only as far as asked.
struct TagRef<'t> {
    raw: &'t [u8],
    kind: Kind,
    name: Range<usize>,
}

impl<'t> TagRef<'t> {
    fn parse(raw: &'t [u8]) -> TagRef<'t> {
        let (kind, start) = match raw.get(1) {
            Some(b'/') => (Kind::End, 2),
            Some(b'?' | b'!') | None => (Kind::Other, 1),
            Some(_) if raw.ends_with(b"/>") => (Kind::Empty, 1),
            Some(_) => (Kind::Start, 1),
        };
        let start = start.min(raw.len());
        let end = raw[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .map_or(raw.len(), |at| start + at);
        TagRef {
            raw,
            kind,
            name: start..end,
        }
    }

    fn name(&self) -> &'t [u8] {
        &self.raw[self.name.clone()]
    }

    /// The element's prefix, with its colon.
    fn name_prefix(&self) -> &'t [u8] {
        prefix(self.name())
    }

    /// Where the value of the attribute whose local name is `key` is.
    fn attribute_range(&self, key: &[u8]) -> Option<Range<usize>> {
        attribute_range(self.raw, self.name.end, key)
    }

    /// The raw value of the attribute whose local name is `key`.
    fn attribute(&self, key: &[u8]) -> Option<&'t [u8]> {
        self.attribute_range(key).map(|r| &self.raw[r])
    }

    /// The value of an attribute, its entities replaced; at most [`MAX_ATTRIBUTE`] bytes of it
    /// (a sheet's name, a part's: short), so that what is collected stays small.
    fn attribute_text(&self, key: &[u8]) -> Option<String> {
        self.attribute(key)
            .map(|v| unescape(&String::from_utf8_lossy(&v[..v.len().min(MAX_ATTRIBUTE)])))
    }
}

fn attribute_range(raw: &[u8], from: usize, key: &[u8]) -> Option<Range<usize>> {
    let mut at = from;
    loop {
        while at < raw.len() && raw[at].is_ascii_whitespace() {
            at += 1;
        }
        let eq = at + raw.get(at..)?.iter().position(|&b| b == b'=')?;
        let name = raw[at..eq].trim_ascii();
        if name.is_empty() || name.contains(&b'>') {
            return None;
        }
        let mut v = eq + 1;
        while v < raw.len() && raw[v].is_ascii_whitespace() {
            v += 1;
        }
        let quote = *raw.get(v)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let len = raw.get(v + 1..)?.iter().position(|&b| b == quote)?;
        let value = v + 1..v + 1 + len;
        at = value.end + 1;
        if local(name) == key {
            return Some(value);
        }
    }
}

/// The tag with attribute `key` set to `value` (which needs no escaping): its value replaced, or
/// the attribute added at the end.
fn set_attribute(raw: &[u8], key: &[u8], value: &str) -> Vec<u8> {
    let tag = TagRef::parse(raw);
    let mut out = Vec::with_capacity(raw.len() + key.len() + value.len() + 4);
    if let Some(r) = tag.attribute_range(key) {
        out.extend_from_slice(&raw[..r.start]);
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(&raw[r.end..]);
    } else {
        let end = if raw.ends_with(b"/>") {
            raw.len() - 2
        } else {
            raw.len().saturating_sub(1)
        };
        out.extend_from_slice(&raw[..end]);
        out.push(b' ');
        out.extend_from_slice(key);
        out.extend_from_slice(b"=\"");
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        out.extend_from_slice(&raw[end..]);
    }
    out
}

/// A name's namespace prefix, with its colon (`x:c` → `x:`), or nothing.
fn prefix(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(at) => &name[..=at],
        None => &[],
    }
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]
mod tests {
    use super::*;

    /// The sheet `xml` rewritten with `results`, its header on row 1 with `headers`.
    fn rewrite(xml: &str, headers: &[&str], results: &[RowResult]) -> String {
        let book = Rulebook::builtin().expect("the built-in rulebook");
        let layout = Layout {
            sheet: "S".into(),
            first_column: 0,
            header_row: 1,
            headers: headers.iter().map(|h| h.to_string()).collect(),
        };
        let mut extent = Extent::default();
        stream(xml.as_bytes(), &mut extent).expect("scanned");
        let plan = Plan::new(&layout, &extent, results, &[], &book, Lang::Zh).expect("a plan");
        let mut out = Vec::new();
        let mut rewriter = Rewriter::new(&plan, &mut out);
        stream(xml.as_bytes(), &mut rewriter).expect("rewritten");
        rewriter.finish().expect("flushed");
        String::from_utf8(out).expect("UTF-8")
    }

    fn result(row: u32) -> RowResult {
        RowResult {
            row,
            assessed: Some(2),
            minimum: 3,
            status: Status::Meets,
            gaps: Box::new([]),
        }
    }

    #[test]
    fn added_cells_take_the_sheets_namespace_prefix() {
        let xml = "<x:worksheet xmlns:x=\"m\"><x:dimension ref=\"A1:A2\"/><x:sheetData>\
                   <x:row r=\"1\"><x:c r=\"A1\" s=\"4\" t=\"s\"><x:v>0</x:v></x:c></x:row>\
                   <x:row r=\"2\"><x:c r=\"A2\"><x:v>1</x:v></x:c></x:row>\
                   </x:sheetData></x:worksheet>";
        let out = rewrite(xml, &["网点编号"], &[result(2)]);
        assert!(out.contains("<x:dimension ref=\"A1:F2\"/>"), "{out}");
        assert!(out.contains("<x:cols><x:col min=\"2\" max=\"2\""), "{out}");
        assert!(
            out.contains(
                "<x:c r=\"B1\" s=\"4\" t=\"inlineStr\"><x:is><x:t>评定级别</x:t></x:is></x:c>"
            ),
            "the header's style: {out}"
        );
        assert!(
            out.contains("<x:c r=\"B2\" t=\"inlineStr\"><x:is><x:t>二级</x:t></x:is></x:c>"),
            "{out}"
        );
        assert!(!out.contains("<c "), "{out}");
    }

    #[test]
    fn rows_and_cells_without_a_reference_keep_their_place() {
        // Row 3 has no <row>; the row after row 5 and the cell after A2 say no `r`.
        let xml = "<worksheet><sheetData>\
                   <row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c></row>\
                   <row r=\"2\"><c r=\"A2\"><v>1</v></c><c><v>2</v></c></row>\
                   <row r=\"5\"><c r=\"A5\"><v>1</v></c></row>\
                   <row><c r=\"A6\"><v>1</v></c></row>\
                   </sheetData></worksheet>";
        // The header names 评定级别 in column B: that column is rewritten where it is.
        let out = rewrite(xml, &["网点编号", "评定级别"], &[result(3), result(6)]);
        assert!(
            out.contains("<row r=\"2\"><c r=\"A2\"><v>1</v></c></row>"),
            "the old grade in B2 is gone: {out}"
        );
        assert!(out.contains("<row r=\"3\"><c r=\"B3\""), "{out}");
        assert!(out.contains("<row r=\"6\"><c r=\"A6\">"), "{out}");
        assert!(
            out.contains("<c r=\"B1\" t=\"inlineStr\"><is><t>评定级别</t>"),
            "{out}"
        );
        let first_new = out.find("<c r=\"C1\"").expect("the next title");
        assert!(out[first_new..].starts_with("<c r=\"C1\" t=\"inlineStr\"><is><t>最低要求"));
    }

    #[test]
    fn an_empty_styled_cell_where_nothing_is_added_is_kept() {
        let xml = "<worksheet><sheetData>\
                   <row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" s=\"7\"/></row>\
                   <row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"B2\" s=\"7\"/></row>\
                   <row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"B3\" s=\"7\"/></row>\
                   </sheetData></worksheet>";
        let out = rewrite(xml, &["网点编号"], &[result(2)]);
        assert!(
            out.contains("<c r=\"B2\" s=\"7\" t=\"inlineStr\">"),
            "{out}"
        );
        assert!(out.contains("<c r=\"B3\" s=\"7\"/>"), "{out}");
        assert!(
            out.contains("<c r=\"B1\" s=\"7\" t=\"inlineStr\">"),
            "{out}"
        );
    }

    /// Collects what the scanner hands on, to check it loses nothing.
    #[derive(Default)]
    struct Echo {
        out: Vec<u8>,
        tags: Vec<String>,
    }

    impl Sink for Echo {
        fn text(&mut self, raw: &[u8]) -> io::Result<()> {
            self.out.extend_from_slice(raw);
            Ok(())
        }
        fn tag(&mut self, raw: &[u8]) -> io::Result<()> {
            self.out.extend_from_slice(raw);
            self.tags.push(String::from_utf8_lossy(raw).into_owned());
            Ok(())
        }
    }

    #[test]
    fn the_scanner_hands_on_every_byte_in_any_pieces() {
        let xml =
            "<?xml version=\"1.0\"?><a x='1>2'><!-- <c r=\"A1\"> --><b/>t&amp;<![CDATA[<c>]]]></a>";
        for size in 1..xml.len() {
            let mut echo = Echo::default();
            let mut scanner = Scanner {
                state: State::Text,
                tag: Vec::new(),
            };
            for piece in xml.as_bytes().chunks(size) {
                scanner.feed(piece, &mut echo).expect("fed");
            }
            assert_eq!(String::from_utf8_lossy(&echo.out), xml, "pieces of {size}");
            assert_eq!(
                echo.tags,
                ["<?xml version=\"1.0\"?>", "<a x='1>2'>", "<b/>", "</a>"],
                "pieces of {size}"
            );
        }
    }

    #[test]
    fn a_cell_tag_too_long_to_hold_refuses_the_sheet() {
        let xml = format!(
            "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" {}/></row></sheetData></worksheet>",
            "x=\"1\" ".repeat(MAX_TAG / 4)
        );
        let err = stream(xml.as_bytes(), &mut Echo::default()).expect_err("refused");
        assert!(
            matches!(CopyError::from(err), CopyError::TagTooLong(name) if name == "c"),
            "refused as a long <c>"
        );
        // Any other long tag is handed on as it is.
        let xml = format!("<a><b {}/></a>", "x=\"1\" ".repeat(MAX_TAG / 4));
        let mut echo = Echo::default();
        stream(xml.as_bytes(), &mut echo).expect("streamed");
        assert_eq!(String::from_utf8_lossy(&echo.out), xml);
    }

    #[test]
    fn attributes_are_read_and_set() {
        let raw = b"<x:c r=\"B7\" s='3' t=\"s\">";
        let tag = TagRef::parse(raw);
        assert_eq!(tag.kind, Kind::Start);
        assert_eq!(local(tag.name()), b"c");
        assert_eq!(tag.name_prefix(), b"x:");
        assert_eq!(tag.attribute(b"s"), Some(&b"3"[..]));
        assert_eq!(tag.attribute(b"t"), Some(&b"s"[..]));
        assert_eq!(tag.attribute(b"v"), None);
        assert_eq!(
            set_attribute(raw, b"r", "C7"),
            b"<x:c r=\"C7\" s='3' t=\"s\">"
        );
        assert_eq!(
            set_attribute(b"<row spans=\"1:3\"/>", b"r", "4"),
            b"<row spans=\"1:3\" r=\"4\"/>"
        );
        assert_eq!(parse_reference(b"AC120"), Some((120, 28)));
        assert_eq!(parse_range(b"A1:AC120"), Some(((1, 0), (120, 28))));
        assert_eq!(parse_range(b"B2"), Some(((2, 1), (2, 1))));
    }

    #[test]
    fn text_is_escaped_as_excel_reads_it() {
        let mut out = Vec::new();
        push_escaped(&mut out, "=cmd|' /C calc'!A0 <script>&\u{1}_x000D_\n");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "=cmd|' /C calc'!A0 &lt;script&gt;&amp;_x0001__x005F_x000D_\n"
        );
        let mut out = Vec::new();
        push_escaped(&mut out, &"字".repeat(40_000));
        assert_eq!(
            String::from_utf8_lossy(&out).chars().count(),
            MAX_CELL_UNITS
        );
    }

    #[test]
    fn relationship_targets_resolve_to_parts() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml").as_deref(),
            Some("xl/worksheets/sheet1.xml")
        );
        assert_eq!(
            resolve("xl", "/xl/worksheets/sheet2.xml").as_deref(),
            Some("xl/worksheets/sheet2.xml")
        );
        assert_eq!(
            resolve("xl", "../xl/./worksheets/s.xml").as_deref(),
            Some("xl/worksheets/s.xml")
        );
        assert_eq!(resolve("xl", "../../x.xml"), None);
    }
}
