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
//! time: once to find its last used column ([`Package::survey`], while the outlets are graded),
//! once to copy it (on a thread of its own, while the copy is deflated). Only the results are
//! held, one compact [`RowResult`] per outlet.
//!
//! A workbook that is not such a package — `.xls`, `.ods`, `.xlsb`, a macro-enabled `.xlsm` (whose
//! parts a file named `.xlsx` cannot hold) — is copied as values by [`super::xlsx::annotated`].

mod plan;
mod rewrite;
mod scan;

use plan::*;
use rewrite::*;
use scan::*;

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

/// A workbook's package with how far its graded sheet's cells reach, which the copy must know
/// before it rewrites the sheet's first row: found by streaming the sheet once
/// ([`Package::survey`]), which `grade --annotate` does while the outlets are graded.
pub struct Survey {
    package: Package,
    extent: Extent,
}

impl Package {
    /// Streams the graded sheet once to find how far its cells reach.
    pub fn survey(self) -> Result<Survey, CopyError> {
        let file = File::open(&self.path)?;
        let mut zip = ZipArchive::new(BufReader::new(file))?;
        let mut extent = Extent::default();
        stream(zip.by_name(&self.part)?, &mut extent)?;
        Ok(Survey {
            package: self,
            extent,
        })
    }
}

/// Writes the annotated copy of the workbook `survey` found to `out`: its graded sheet, laid out
/// as `layout` says, gets the `results` and the graded sheet's `problems`.
pub fn copy(
    survey: &Survey,
    layout: &Layout,
    results: &[RowResult],
    problems: &[Problem],
    book: &Rulebook,
    lang: Lang,
    out: impl Write + Seek,
) -> Result<(), CopyError> {
    let package = &survey.package;
    let file = File::open(&package.path)?;
    let mut zip = ZipArchive::new(BufReader::new(file))?;
    let plan = Plan::new(layout, &survey.extent, results, problems, book, lang)?;
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
        rewrite_beside(&plan, entry, &mut writer)?;
    }
    let mut out = writer.finish()?;
    Ok(out.flush()?)
}

/// The graded sheet's XML is read, scanned and rewritten on a thread of its own, and deflated
/// into the copy on this one, in blocks of [`BLOCK`] bytes of which at most [`BLOCKS_AHEAD`] wait.
/// Deflating took a third of the copy's time on one core while the other idled (the grading is
/// done by then); with the survey moved into the grading, `grade --annotate` of 100,000 rows went
/// from 3.54× to 2.67× calamine's streaming read (bench/README, fifth session).
fn rewrite_beside(
    plan: &Plan<'_>,
    entry: impl Read + Send,
    into: &mut impl Write,
) -> Result<(), CopyError> {
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(BLOCKS_AHEAD);
    std::thread::scope(|scope| {
        let rewriting = scope.spawn(move || -> io::Result<()> {
            let mut rewriter = Rewriter::new(plan, BufWriter::with_capacity(BLOCK, Blocks(send)));
            stream(entry, &mut rewriter)?;
            rewriter.finish()
        });
        // Writing stops at its first failure; the rewriting then stops at its next block.
        let written = receive.iter().try_for_each(|block| into.write_all(&block));
        drop(receive);
        let rewritten = rewriting
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written?;
        Ok(rewritten?)
    })
}

/// The size of a block of the rewritten sheet, and how many may wait to be deflated.
const BLOCK: usize = 1 << 16;
const BLOCKS_AHEAD: usize = 8;

/// Hands each block written to the thread that deflates it.
struct Blocks(std::sync::mpsc::SyncSender<Vec<u8>>);

impl Write for Blocks {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .send(bytes.to_vec())
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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

    /// A sheet of `rows` rows, several times [`BLOCK`] bytes long.
    fn long_sheet(rows: u32) -> String {
        let mut xml = String::from("<worksheet><sheetData>");
        for r in 1..=rows {
            let _ = write!(xml, "<row r=\"{r}\"><c r=\"A{r}\"><v>{r}</v></c></row>");
        }
        xml + "</sheetData></worksheet>"
    }

    /// `rewrite_beside` of `read` into `into` for a plan of `xml` with a header on row 1.
    fn rewrite_beside_of(
        xml: &str,
        read: impl Read + Send,
        into: &mut impl Write,
    ) -> Result<(), CopyError> {
        let book = Rulebook::builtin().expect("the built-in rulebook");
        let layout = Layout {
            sheet: "S".into(),
            first_column: 0,
            header_row: 1,
            headers: vec!["网点编号".into()],
        };
        let mut extent = Extent::default();
        stream(xml.as_bytes(), &mut extent).expect("scanned");
        let results = [result(2), result(3)];
        let plan = Plan::new(&layout, &extent, &results, &[], &book, Lang::Zh).expect("a plan");
        rewrite_beside(&plan, read, into)
    }

    #[test]
    fn the_sheet_rewritten_beside_is_the_sheet_rewritten_in_place() {
        let xml = long_sheet(20_000);
        assert!(xml.len() > 10 * BLOCK);
        let mut out = Vec::new();
        rewrite_beside_of(&xml, xml.as_bytes(), &mut out).expect("rewritten");
        let in_place = rewrite(&xml, &["网点编号"], &[result(2), result(3)]);
        assert!(in_place.contains("评定级别"));
        assert_eq!(String::from_utf8(out).expect("UTF-8"), in_place);
    }

    #[test]
    fn a_failure_on_either_side_of_the_rewriting_is_told_and_stops_both() {
        let xml = long_sheet(20_000);
        // The copy cannot be written: its error, not a hang once the blocks ahead are full.
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::from(io::ErrorKind::StorageFull));
                }
                self.0 -= 1;
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let full = rewrite_beside_of(&xml, xml.as_bytes(), &mut Full(1));
        assert!(
            matches!(&full, Err(CopyError::Io(e)) if e.kind() == io::ErrorKind::StorageFull),
            "{full:?}"
        );
        // The sheet cannot be read to its end: the reading's error.
        let cut = xml.as_bytes()[..3 * BLOCK].chain(Failing);
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::InvalidData))
            }
        }
        let mut out = Vec::new();
        let unread = rewrite_beside_of(&xml, cut, &mut out);
        assert!(
            matches!(&unread, Err(CopyError::Io(e)) if e.kind() == io::ErrorKind::InvalidData),
            "{unread:?}"
        );
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
