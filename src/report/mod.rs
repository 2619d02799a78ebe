//! Reports: a data model of columns and typed cells, and one renderer per format (table, CSV,
//! JSON, Markdown, HTML, XLSX) behind one trait ([`render`]), fed row by row through a [`Writer`]
//! that writes to any `io::Write`.
//!
//! Rows stream: every format writes or tallies each row as it comes, in bounded memory, so a
//! national inventory never sits in memory.
//! The CSV and JSON columns are a wire format: keys are stable, `schema_version` marks changes.

pub mod annotate;
mod csv;
pub mod describe;
pub mod html;
mod json;
mod markdown;
pub mod outlets;
mod render;
pub mod rules;
pub mod summary;
mod table;
pub mod words;
pub mod xlsx;

use serde_json::{Value as Json, json};

pub use csv::{CsvCells, formula_like};
pub use render::{OutletRows, RowMaker, Rows, Straight, Wants, Writer};

use crate::rulebook::Rulebook;
use crate::text::{Lang, Text};

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
    pub(crate) fn header(&self, format: Format, lang: Lang) -> &str {
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

    pub(crate) fn text(&self, format: Format, lang: Lang, book: &Rulebook) -> String {
        let mut buf = String::new();
        self.write_text(&mut buf, format, lang, book);
        buf
    }

    /// Appends the cell as the format and language show it.
    pub(crate) fn write_text(&self, buf: &mut String, format: Format, lang: Lang, book: &Rulebook) {
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
