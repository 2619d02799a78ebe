//! Waivers: an approved exception for one outlet and one rule, with a reason, an approver and an
//! expiry date. A waived rule counts as passed and is shown as waived; an expired waiver is reported
//! and not applied; a waiver for an unknown outlet or rule is a warning; one without a reason (or
//! with an unreadable date) is an error that stops the run.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use jiff::civil::Date;

use crate::inventory::cell::{Cell, parse_full_date};
use crate::inventory::source::{CsvSource, Row, Source, YamlSource};
use crate::inventory::xlsx::XlsxSource;
use crate::inventory::{Input, InputFormat, InventoryError};
use crate::problem::{Problem, ProblemKind, RowUnit, Severity};
use crate::rulebook::Rulebook;
use crate::suggest::did_you_mean;
use crate::text::{Lang, Text, normalize, trim};

/// One waiver, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    pub row: u64,
    pub outlet: String,
    pub rule: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: Option<Date>,
}

/// The waivers in force, by outlet id: (rule index, waiver index).
#[derive(Clone, Debug, Default)]
pub struct Waivers {
    pub entries: Vec<Waiver>,
    active: HashMap<String, Vec<(usize, usize)>>,
    file: Arc<str>,
    unit: Option<RowUnit>,
}

/// A waiver file that cannot be used: every problem in it.
#[derive(Debug, thiserror::Error)]
pub struct WaiverError {
    pub file: String,
    /// How the file counts its rows (CSV rows, YAML items, sheet rows).
    pub unit: RowUnit,
    /// Each problem: its row, and what is wrong in both languages.
    pub problems: Vec<(Option<u64>, Text)>,
}

impl WaiverError {
    /// Every problem, one a line, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = match lang {
            Lang::Zh => format!(
                "豁免文件 `{}` 无效,共 {} 个问题",
                self.file,
                self.problems.len()
            ),
            Lang::En => format!(
                "invalid waiver file `{}`: {} problem(s)",
                self.file,
                self.problems.len()
            ),
        };
        for (row, message) in &self.problems {
            let place = match (row, lang, self.unit) {
                (None, _, _) => String::new(),
                (Some(r), Lang::Zh, RowUnit::Item) => format!(" 第{r}项"),
                (Some(r), Lang::Zh, _) => format!(" 第{r}行"),
                (Some(r), Lang::En, RowUnit::Item) => format!(", item {r}"),
                (Some(r), Lang::En, _) => format!(", row {r}"),
            };
            let _ = write!(out, "\n{}{place}: {}", self.file, message.get(lang));
        }
        out
    }
}

impl fmt::Display for WaiverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// What a reader of tables says of a waiver file it cannot read, said of a waiver file (not of an
/// inventory), in both languages, without the file's name (the message names it) and without
/// quoting what the file holds.
fn waiver_text(e: InventoryError, file: &str) -> Text {
    let strip = |s: String| -> String {
        s.strip_prefix(&format!("{file}: "))
            .map(str::to_string)
            .unwrap_or(s)
    };
    match e {
        InventoryError::Yaml { message, zh, .. } => {
            let message = crate::files::redact_strings(&message);
            Text::new(
                format!(
                    "YAML 无效: {}",
                    zh.as_deref()
                        .unwrap_or("写法有误(英文详情请加 `--lang en` 查看)")
                ),
                format!("invalid YAML: {message}"),
            )
        }
        e => Text::new(
            strip(e.render(Lang::Zh)).replace("清单", "文件"),
            strip(e.render(Lang::En)).replace("inventory", "file"),
        ),
    }
}

/// The columns of a waiver file, by their accepted headers.
const COLUMNS: [(&str, &[&str]); 5] = [
    ("outlet", &["outlet", "outlet_id", "id", "网点编号"]),
    ("rule", &["rule", "rule_id", "规则", "规则编号"]),
    ("reason", &["reason", "理由", "原因", "豁免理由"]),
    (
        "approved_by",
        &["approved_by", "approver", "批准人", "审批人"],
    ),
    (
        "expires",
        &["expires", "expiry", "expiry_date", "有效期至", "到期日期"],
    ),
];

impl Waivers {
    /// Reads a waiver file (YAML — a list, or a map whose `waivers:` key holds one — or CSV) and
    /// checks it against the rulebook. Warnings (unknown rules, expired waivers) go to `problems`.
    pub fn load(
        path: &Path,
        book: &Rulebook,
        as_of: Date,
        problems: &mut Vec<Problem>,
    ) -> Result<Waivers, anyhow::Error> {
        let input = Input::Path(path.to_path_buf());
        let label = input.label();
        let format = InputFormat::detect(&input);
        let unit = match format {
            InputFormat::Yaml => RowUnit::Item,
            InputFormat::Csv => RowUnit::Line,
            InputFormat::Xlsx => RowUnit::Sheet,
        };
        let fail = |problems: Errors| -> anyhow::Error {
            WaiverError {
                file: label.clone(),
                unit,
                problems,
            }
            .into()
        };
        // What the readers of inventories say, said of the waiver file.
        let of_waivers = |e: InventoryError| fail(vec![(None, waiver_text(e, &label))]);
        let mut source = open_source(path, format, &label).map_err(|e| match e {
            Opening::File(message) => fail(vec![(None, message)]),
            Opening::Reader(e) => of_waivers(e),
        })?;
        let columns = find_columns(source.headers()).map_err(fail)?;
        let mut waivers = Waivers {
            file: Arc::from(label.as_str()),
            unit: Some(unit),
            ..Waivers::default()
        };
        let mut errors: Errors = Vec::new();
        while let Some(row) = source.next_row().map_err(of_waivers)? {
            waivers.entries.push(read_row(&row, &columns, &mut errors));
        }
        if !errors.is_empty() {
            return Err(fail(errors));
        }
        waivers.activate(book, as_of, problems);
        Ok(waivers)
    }

    /// Puts in force every waiver of a known rule that has not expired by `as_of`; warns of the
    /// others.
    fn activate(&mut self, book: &Rulebook, as_of: Date, problems: &mut Vec<Problem>) {
        let unit = self.unit.unwrap_or(RowUnit::Line);
        for (w_index, w) in self.entries.iter().enumerate() {
            let warn = |kind: ProblemKind, value: &str| Problem {
                severity: Severity::Warning,
                file: self.file.clone(),
                unit,
                row: Some(w.row),
                column: None,
                value: Some(value.to_string()),
                kind,
                cell: None,
            };
            let Some(rule) = book.rule_by_id(&w.rule) else {
                let suggestion = did_you_mean(&w.rule, book.rules.iter().map(|r| r.id.as_str()))
                    .map(str::to_string);
                problems.push(warn(ProblemKind::WaiverUnknownRule { suggestion }, &w.rule));
                continue;
            };
            if let Some(expires) = w.expires.filter(|d| *d < as_of) {
                problems.push(warn(
                    ProblemKind::WaiverExpired {
                        expires: expires.to_string(),
                    },
                    &w.rule,
                ));
                continue;
            }
            self.active
                .entry(w.outlet.clone())
                .or_default()
                .push((rule, w_index));
        }
    }

    /// The waivers in force for an outlet: (rule index, waiver index).
    pub fn for_outlet(&self, id: &str) -> &[(usize, usize)] {
        self.active.get(id).map_or(&[], Vec::as_slice)
    }

    /// Warnings for waivers that name an outlet the inventory does not have.
    pub fn unknown_outlets(&self, known: impl Fn(&str) -> bool) -> Vec<Problem> {
        self.entries
            .iter()
            .filter(|w| !known(&w.outlet))
            .map(|w| Problem {
                severity: Severity::Warning,
                file: self.file.clone(),
                unit: self.unit.unwrap_or(RowUnit::Line),
                row: Some(w.row),
                column: None,
                value: Some(w.outlet.clone()),
                kind: ProblemKind::WaiverUnknownOutlet,
                cell: None,
            })
            .collect()
    }
}

/// What is wrong with a waiver file: each problem with its row, if it has one.
type Errors = Vec<(Option<u64>, Text)>;

/// Why a waiver file could not be opened: the file itself, or its reader.
enum Opening {
    File(Text),
    Reader(InventoryError),
}

/// Opens the waiver file as a source of rows: a regular file of at most 16 MB (not a device read
/// for ever, nor a pipe waited on), read as `format`.
fn open_source(path: &Path, format: InputFormat, label: &str) -> Result<Source, Opening> {
    let file = crate::files::open_regular(path).map_err(|e| Opening::File(e.text()))?;
    if file.metadata().map_or(0, |m| m.len()) > crate::files::MAX_BYTES {
        return Err(Opening::File(crate::files::ReadError::TooLarge.text()));
    }
    let mut file = file.take(crate::files::MAX_BYTES);
    Ok(match format {
        InputFormat::Yaml => Source::Yaml(
            YamlSource::open(Box::new(file), label, "waivers", &|_| None)
                .map_err(Opening::Reader)?,
        ),
        InputFormat::Csv => {
            Source::Csv(CsvSource::open(Box::new(file), label).map_err(Opening::Reader)?)
        }
        InputFormat::Xlsx => {
            let bytes = crate::inventory::read_all(&mut file, label).map_err(Opening::Reader)?;
            let known = |h: &str| {
                COLUMNS
                    .iter()
                    .any(|(_, names)| names.iter().any(|n| normalize(h) == normalize(n)))
            };
            let finder = |rows: &[Vec<String>]| crate::inventory::header::best_row(rows, &known);
            Source::Xlsx(XlsxSource::open(bytes, label, None, &finder).map_err(Opening::Reader)?)
        }
    })
}

/// The column of each of [`COLUMNS`] in `headers`, or a problem for each required one missing.
fn find_columns(headers: &[String]) -> Result<Vec<Option<usize>>, Errors> {
    let columns: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(_, names)| {
            headers
                .iter()
                .position(|h| names.iter().any(|n| normalize(h) == normalize(n)))
        })
        .collect();
    let mut errors = Vec::new();
    for (i, (key, names)) in COLUMNS.iter().enumerate() {
        if columns[i].is_none() && *key != "approved_by" && *key != "expires" {
            errors.push((
                None,
                Text::new(
                    format!("缺少列 `{key}`(可用列名: {})", names.join("、")),
                    format!("missing column `{key}` (one of {})", names.join(", ")),
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

/// One row of the waiver file as a waiver; what is wrong with it goes to `errors`.
fn read_row(
    row: &Row<'_>,
    columns: &[Option<usize>],
    errors: &mut Vec<(Option<u64>, Text)>,
) -> Waiver {
    let cell = |i: usize| -> String {
        columns[i]
            .and_then(|c| row.cells.get(c))
            .map(|c: &Cell| trim(&c.display()).to_string())
            .unwrap_or_default()
    };
    let (outlet, rule, reason, approved_by, expires) =
        (cell(0), cell(1), cell(2), cell(3), cell(4));
    let n = row.number;
    if outlet.is_empty() {
        errors.push((Some(n), Text::new("网点编号为空", "the outlet id is blank")));
    }
    if rule.is_empty() {
        errors.push((Some(n), Text::new("规则编号为空", "the rule id is blank")));
    }
    if reason.is_empty() {
        errors.push((
            Some(n),
            Text::new(
                format!("网点 `{outlet}` 规则 `{rule}` 的豁免没有写明理由;每条豁免都须有理由"),
                format!(
                    "the waiver of `{rule}` for `{outlet}` gives no reason; every waiver needs one"
                ),
            ),
        ));
    }
    let expires = if expires.is_empty() {
        None
    } else {
        let date = parse_full_date(&expires);
        if date.is_none() {
            errors.push((
                Some(n),
                Text::new(
                    format!("`{expires}` 不是日期(应为 2025-12-31 这样的日期)"),
                    format!("`{expires}` is not a date (expected 2025-12-31)"),
                ),
            ));
        }
        date
    };
    Waiver {
        row: n,
        outlet,
        rule,
        reason,
        approved_by,
        expires,
    }
}
