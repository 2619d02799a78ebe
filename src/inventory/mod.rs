//! The inventory: files of outlets, one row each, read into typed [`Outlet`]s.
//!
//! Reading streams: [`Inventory::next_outlet`] yields one outlet at a time and records every data
//! problem it meets; only the ids seen so far are kept (to find duplicates). A cell that cannot be
//! read counts as missing and is reported with its row, column and value; the run goes on.

pub mod cell;
mod ids;
pub mod source;
pub mod xlsx;

use std::fmt;
use std::fs::File;
use std::hash::Hasher;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::problem::{Problem, ProblemKind, RowUnit, Severity};
use crate::rulebook::{FieldKind, Rulebook};
use crate::text::{Lang, trim};
pub use cell::{Cell, Value};
use source::{CsvSource, Row, Source, YamlSource};
use xlsx::XlsxSource;

/// Where the inventory comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input.
    pub fn from_arg(arg: &Path) -> Input {
        if arg == Path::new("-") {
            Input::Stdin
        } else {
            Input::Path(arg.to_path_buf())
        }
    }

    pub fn label(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// The format of an inventory file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Csv,
    Yaml,
    /// A workbook: .xlsx, .xlsm, .xlsb, .xls or .ods (told apart by content).
    #[value(alias = "xls", alias = "xlsm", alias = "xlsb", alias = "ods")]
    Xlsx,
}

impl InputFormat {
    /// By the file's extension; CSV when it says nothing (and for standard input).
    pub fn detect(input: &Input) -> InputFormat {
        match input {
            Input::Path(p) => match p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("yaml" | "yml") => InputFormat::Yaml,
                Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => InputFormat::Xlsx,
                _ => InputFormat::Csv,
            },
            Input::Stdin => InputFormat::Csv,
        }
    }
}

/// Why an inventory could not be read at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: io::Error },
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: the file is UTF-16 text; save it as CSV (UTF-8 or GBK)")]
    Utf16 { file: String },
    #[error("{file}: this is not a text file (it contains NUL bytes)")]
    Binary { file: String },
    #[error("{file}: {message}")]
    Csv { file: String, message: String },
    #[error("{file}: invalid YAML inventory: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: cannot read the workbook: {message}")]
    Workbook { file: String, message: String },
    #[error("{file}: no sheet named `{sheet}`{}; sheets: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), sheets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))]
    NoSheet {
        file: String,
        sheet: String,
        sheets: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("{file}: not a workbook; a sheet can be chosen only in .xlsx, .xls or .ods files")]
    NotAWorkbook { file: String },
    #[error("{file}: missing required column{}: {}", if missing.len() == 1 { "" } else { "s" }, missing.iter().map(|(k, zh)| format!("`{zh}` ({k})")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        file: String,
        missing: Vec<(String, String)>,
    },
    #[error("{file}: columns `{first}` and `{second}` both name field `{field}`")]
    DuplicateColumn {
        file: String,
        first: String,
        second: String,
        field: String,
    },
}

impl InventoryError {
    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            InventoryError::Io { file, source } => format!("{file}: 无法读取: {source}"),
            InventoryError::Empty { file } => format!("{file}: 文件为空"),
            InventoryError::Utf16 { file } => {
                format!("{file}: 文件是 UTF-16 文本;请另存为 CSV(UTF-8 或 GBK)")
            }
            InventoryError::Binary { file } => format!("{file}: 不是文本文件(含有 NUL 字节)"),
            InventoryError::Csv { file, message } => format!("{file}: {message}"),
            InventoryError::Yaml { file, message } => format!("{file}: YAML 清单无效: {message}"),
            InventoryError::Workbook { file, message } => {
                format!("{file}: 无法读取工作簿: {message}")
            }
            InventoryError::NoSheet {
                file,
                sheet,
                sheets,
                suggestion,
            } => format!(
                "{file}: 没有名为「{sheet}」的工作表{};现有工作表: {}",
                suggestion
                    .as_ref()
                    .map(|s| format!("(是否想写「{s}」?)"))
                    .unwrap_or_default(),
                sheets
                    .iter()
                    .map(|s| format!("「{s}」"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            InventoryError::NotAWorkbook { file } => {
                format!("{file}: 不是工作簿;只有 .xlsx、.xls 或 .ods 文件可以选择工作表")
            }
            InventoryError::MissingColumns { file, missing } => format!(
                "{file}: 缺少必填列: {}",
                missing
                    .iter()
                    .map(|(k, zh)| format!("「{zh}」({k})"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            InventoryError::DuplicateColumn {
                file,
                first,
                second,
                field,
            } => {
                format!("{file}: 列「{first}」和「{second}」对应同一字段 `{field}`")
            }
        }
    }
}

/// One outlet, read and typed.
#[derive(Clone, Debug)]
pub struct Outlet {
    /// Its row: the CSV line or YAML item.
    pub row: u64,
    pub id: String,
    pub name: String,
    /// Its type (index into the rulebook's types).
    pub type_: usize,
    /// The type it is graded as: its own, or for a partner outlet the reference type.
    pub grading_type: usize,
    pub claimed: Option<u8>,
    /// Every field's value, by field index.
    pub values: Vec<Value>,
    /// The cells of columns that no field knows, in column order, passed through.
    pub extras: Vec<String>,
    /// How many data errors its row has.
    pub errors: u32,
    /// The cells that could not be read (and so count as missing), by field: what they said.
    pub unreadable: Vec<(usize, String)>,
}

impl Outlet {
    pub fn value(&self, field: usize) -> &Value {
        self.values.get(field).unwrap_or(&Value::Missing)
    }
}

/// An open inventory, read one outlet at a time.
pub struct Inventory<'b> {
    book: &'b Rulebook,
    file: Arc<str>,
    unit: RowUnit,
    source: Source,
    /// The field of each column, if any.
    columns: Vec<Option<usize>>,
    /// The columns no field knows.
    extra_columns: Vec<usize>,
    /// The column of each field, if present.
    field_columns: Vec<Option<usize>>,
    seen_ids: ids::SeenIds,
    rows: u64,
    finished: bool,
    /// For each list field: list cells already read cleanly, and what they hold.
    list_memo: Vec<rustc_hash::FxHashMap<Box<str>, Vec<u16>>>,
    list_memo_entries: usize,
    /// For each region column and name: the division-code prefix first seen with it, and where.
    region_prefixes: rustc_hash::FxHashMap<(usize, u64), (String, u64)>,
}

impl<'b> Inventory<'b> {
    /// Opens an inventory, reads its header and matches columns to fields.
    pub fn open(
        input: &Input,
        format: Option<InputFormat>,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        Inventory::open_sheet(input, format, None, book)
    }

    /// Opens an inventory as [`Inventory::open`] does; in a workbook, reads `sheet` (the first
    /// worksheet when `None`).
    pub fn open_sheet(
        input: &Input,
        format: Option<InputFormat>,
        sheet: Option<&str>,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        let label = input.label();
        let read: Box<dyn Read> = match input {
            Input::Stdin => Box::new(io::stdin().lock()),
            Input::Path(p) => Box::new(File::open(p).map_err(|e| InventoryError::Io {
                file: label.clone(),
                source: e,
            })?),
        };
        let format = format.unwrap_or_else(|| InputFormat::detect(input));
        Inventory::from_read(read, format, sheet, &label, book)
    }

    /// Opens an inventory from any reader; `label` names it in messages.
    pub fn from_reader(
        read: Box<dyn Read>,
        format: InputFormat,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        Inventory::from_read(read, format, None, label, book)
    }

    fn from_read(
        mut read: Box<dyn Read>,
        format: InputFormat,
        sheet: Option<&str>,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        if sheet.is_some() && format != InputFormat::Xlsx {
            return Err(InventoryError::NotAWorkbook { file: label.into() });
        }
        let (source, unit) = match format {
            InputFormat::Xlsx => {
                let bytes = read_all(&mut read, label)?;
                let known = |h: &str| book.field_for_header(h).is_some();
                let source = XlsxSource::open(bytes, label, sheet, &known)?;
                (Source::Xlsx(source), RowUnit::Sheet)
            }
            InputFormat::Csv => (Source::Csv(CsvSource::open(read, label)?), RowUnit::Line),
            InputFormat::Yaml => (
                Source::Yaml(YamlSource::open(read, label, "outlets", &|key| {
                    book.field_for_header(key)
                })?),
                RowUnit::Item,
            ),
        };
        Inventory::from_source(source, unit, label, book)
    }

    fn from_source(
        source: Source,
        unit: RowUnit,
        label: &str,
        book: &'b Rulebook,
    ) -> Result<Inventory<'b>, InventoryError> {
        let headers = source.headers();
        let mut columns = Vec::with_capacity(headers.len());
        let mut field_columns: Vec<Option<usize>> = vec![None; book.fields.len()];
        let mut extra_columns = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            let field = book.field_for_header(h);
            if let Some(f) = field {
                if let Some(first) = field_columns[f] {
                    return Err(InventoryError::DuplicateColumn {
                        file: label.into(),
                        first: trim(&headers[first]).to_string(),
                        second: trim(h).to_string(),
                        field: book.fields[f].key.clone(),
                    });
                }
                field_columns[f] = Some(c);
            } else {
                extra_columns.push(c);
            }
            columns.push(field);
        }
        let missing: Vec<(String, String)> = book
            .fields
            .iter()
            .zip(&field_columns)
            .filter(|(f, c)| f.required && c.is_none())
            .map(|(f, _)| (f.key.clone(), f.name.zh.clone()))
            .collect();
        if !missing.is_empty() {
            return Err(InventoryError::MissingColumns {
                file: label.into(),
                missing,
            });
        }
        Ok(Inventory {
            book,
            file: Arc::from(label),
            unit,
            source,
            columns,
            extra_columns,
            field_columns,
            seen_ids: ids::SeenIds::default(),
            rows: 0,
            finished: false,
            region_prefixes: rustc_hash::FxHashMap::default(),
            list_memo: vec![rustc_hash::FxHashMap::default(); book.fields.len()],
            list_memo_entries: 0,
        })
    }

    /// The file's label, as problems name it.
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// The headers of the columns no field knows, in order.
    pub fn extra_headers(&self) -> Vec<String> {
        self.extra_columns
            .iter()
            .map(|&c| trim(&self.source.headers()[c]).to_string())
            .collect()
    }

    /// Whether the inventory has a column for `field`.
    pub fn has_field(&self, field: usize) -> bool {
        self.field_columns.get(field).copied().flatten().is_some()
    }

    /// Whether an outlet with this id has been read.
    pub fn has_id(&self, id: &str) -> bool {
        self.seen_ids.get(id).is_some()
    }

    /// How many data rows have been read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The next outlet that can be graded. Rows that cannot (no id, a repeated id, no type) are
    /// reported in `problems` and skipped. At the end, an inventory with no rows adds a warning.
    pub fn next_outlet(
        &mut self,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<Outlet>, InventoryError> {
        loop {
            let Some(row) = self.source.next_row()? else {
                if self.rows == 0 && !self.finished {
                    problems.push(self.problem(
                        Severity::Warning,
                        None,
                        None,
                        None,
                        ProblemKind::Empty,
                    ));
                }
                self.finished = true;
                return Ok(None);
            };
            self.rows += 1;
            let outlet = self.parse_row(&row, problems);
            self.source.recycle(row);
            if let Some(outlet) = outlet {
                return Ok(Some(outlet));
            }
        }
    }

    fn problem(
        &self,
        severity: Severity,
        row: Option<u64>,
        column: Option<usize>,
        value: Option<String>,
        kind: ProblemKind,
    ) -> Problem {
        Problem {
            severity,
            file: self.file.clone(),
            unit: self.unit,
            row,
            column: column.map(|c| trim(&self.source.headers()[c]).to_string()),
            value,
            kind,
            cell: self.source.cell_ref(row, column),
        }
    }

    fn parse_row(&mut self, row: &Row, problems: &mut Vec<Problem>) -> Option<Outlet> {
        let book = self.book;
        let n = row.number;
        let first_problem = problems.len();
        if row.overflow > 0 {
            let columns = self.columns.len();
            problems.push(self.problem(
                Severity::Error,
                Some(n),
                None,
                None,
                ProblemKind::Ragged {
                    cells: columns + row.overflow,
                    columns,
                },
            ));
        }
        let mut values = vec![Value::Missing; book.fields.len()];
        let mut unreadable = Vec::new();
        let reference_field = book.core.reference_type;
        for (c, cell) in row.cells.iter().enumerate() {
            let Some(f) = self.columns.get(c).copied().flatten() else {
                continue;
            };
            if Some(f) == reference_field {
                continue; // read below, for partner outlets only
            }
            if let Some(raw) = self.read_cell(n, c, f, cell, &mut values, problems) {
                unreadable.push((f, raw));
            }
        }

        // Identity and type: without them the outlet cannot be graded.
        let core = &book.core;
        let id = match &values[core.id] {
            Value::Text(s) => s.clone(),
            _ => {
                let column = self.field_columns[core.id];
                problems.push(self.problem(
                    Severity::Error,
                    Some(n),
                    column,
                    None,
                    ProblemKind::RequiredBlank { graded: false },
                ));
                return None;
            }
        };
        if let Some(first_row) = self.seen_ids.get(id.as_str()) {
            let column = self.field_columns[core.id];
            problems.push(self.problem(
                Severity::Error,
                Some(n),
                column,
                Some(id),
                ProblemKind::DuplicateId { first_row },
            ));
            return None;
        }
        self.seen_ids.insert(&id, n);
        let name = match &values[core.name] {
            Value::Text(s) => s.clone(),
            _ => {
                let column = self.field_columns[core.name];
                problems.push(self.problem(
                    Severity::Error,
                    Some(n),
                    column,
                    None,
                    ProblemKind::RequiredBlank { graded: true },
                ));
                String::new()
            }
        };
        let type_ = match values[core.type_] {
            Value::Item(t) => usize::from(t),
            _ => {
                let column = self.field_columns[core.type_];
                if is_blank(column.and_then(|c| row.cells.get(c))) {
                    problems.push(self.problem(
                        Severity::Error,
                        Some(n),
                        column,
                        None,
                        ProblemKind::RequiredBlank { graded: false },
                    ));
                }
                return None;
            }
        };

        // A partner outlet is graded as its reference type.
        let mut grading_type = type_;
        if let Some(reference) = &book.types[type_].reference {
            let default = reference.default;
            let column = reference_field.and_then(|f| self.field_columns[f]);
            let cell = column
                .and_then(|c| row.cells.get(c))
                .cloned()
                .unwrap_or(Cell::Empty);
            let blank = is_blank(Some(&cell));
            let default_name = book.types[default].name.zh.clone();
            grading_type = default;
            if blank {
                problems.push(self.problem(
                    Severity::Warning,
                    Some(n),
                    column,
                    None,
                    ProblemKind::NoReference {
                        default: default_name,
                    },
                ));
            } else if let (Some(f), Some(c)) = (reference_field, column) {
                // Any value but an allowed reference type (an unknown name, or 村) is one problem,
                // naming the allowed ones; the default applies.
                let text = match &cell {
                    Cell::Text(t) => Some(trim(t)),
                    _ => None,
                };
                match text.and_then(|t| book.find_type(t)) {
                    Some(t) if reference.allowed.contains(&t) => {
                        values[f] = Value::Item(t as u16);
                        grading_type = t;
                    }
                    _ if text.is_some() => {
                        unreadable.push((f, cell.display()));
                        problems.push(self.problem(
                            Severity::Error,
                            Some(n),
                            Some(c),
                            Some(cell.display()),
                            ProblemKind::BadReference {
                                allowed: book.type_names(&reference.allowed),
                                default: default_name,
                            },
                        ));
                    }
                    _ => {
                        if let Some(raw) = self.read_cell(n, c, f, &cell, &mut values, problems) {
                            unreadable.push((f, raw));
                        }
                    }
                }
            }
        }

        self.check_code(n, type_, &values, problems);

        let claimed = core.claimed_grade.and_then(|f| match values[f] {
            Value::Grade(g) => Some(g),
            _ => None,
        });
        let extras = self
            .extra_columns
            .iter()
            .map(|&c| row.cells.get(c).map(Cell::display).unwrap_or_default())
            .collect();
        let errors = problems[first_problem..]
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count() as u32;
        Some(Outlet {
            row: n,
            id,
            name,
            type_,
            grading_type,
            claimed,
            values,
            extras,
            errors,
            unreadable,
        })
    }

    /// Warns where the division code contradicts the outlet's type, or the codes of other outlets
    /// with the same province, city, county or township name.
    fn check_code(&mut self, n: u64, type_: usize, values: &[Value], problems: &mut Vec<Problem>) {
        let book = self.book;
        let Some(checks) = &book.code_checks else {
            return;
        };
        let Value::Text(code) = &values[checks.field] else {
            return;
        };
        let column = self.field_columns[checks.field];
        if checks.covers(type_) {
            let fits = checks.types_of(code);
            if !fits.contains(&type_) {
                problems.push(self.problem(
                    Severity::Warning,
                    Some(n),
                    column,
                    Some(code.clone()),
                    ProblemKind::CodeContradictsType {
                        code_says: book.type_names(&fits),
                        outlet_type: book.types[type_].name.zh.clone(),
                    },
                ));
            }
        }
        // A region is known by its name under its parents (two counties may each have a 城关镇);
        // only the coarsest contradiction of a row is reported.
        // The path is kept as a 64-bit hash of the names (no allocation per row; a collision
        // among a national inventory's ~700,000 region paths is vanishingly unlikely).
        let mut path = rustc_hash::FxHasher::default();
        for &(region, len) in &checks.regions {
            if let Value::Text(name) = &values[region] {
                path.write(name.as_bytes());
            }
            path.write_u8(0x1f);
            let Value::Text(name) = &values[region] else {
                continue;
            };
            let key = (region, path.finish());
            let prefix = &code[..len.min(code.len())];
            match self.region_prefixes.get(&key) {
                Some((expected, first_row)) if expected != prefix => {
                    let kind = ProblemKind::CodeContradictsRegion {
                        region: book.fields[region].name.zh.clone(),
                        name: name.clone(),
                        expected: expected.clone(),
                        first_row: *first_row,
                    };
                    problems.push(self.problem(
                        Severity::Warning,
                        Some(n),
                        column,
                        Some(code.clone()),
                        kind,
                    ));
                    break;
                }
                Some(_) => {}
                None => {
                    self.region_prefixes.insert(key, (prefix.to_string(), n));
                }
            }
        }
    }

    /// Reads one cell into `values`, reporting its problems; returns what an unreadable cell said.
    fn read_cell(
        &mut self,
        n: u64,
        c: usize,
        f: usize,
        cell: &Cell,
        values: &mut [Value],
        problems: &mut Vec<Problem>,
    ) -> Option<String> {
        let kind = &self.book.fields[f].kind;
        if let Cell::Empty = cell {
            // Blank: missing, nothing to report (as `cell::parse` reads it), without the call.
            if !matches!(kind, FieldKind::Text) {
                values[f] = Value::Missing;
            }
            return None;
        }
        // A list cell is spelled the same way by many outlets: a list read cleanly once is remembered.
        let memo_key = match (kind, cell) {
            (FieldKind::List { .. }, Cell::Text(text)) => Some(text),
            _ => None,
        };
        if let Some(text) = memo_key {
            if let Some(items) = self.list_memo.get(f).and_then(|m| m.get(text.as_str())) {
                values[f] = Value::List(items.clone());
                return None;
            }
        }
        let parsed = cell::parse(self.book, kind, cell);
        // A blank text cell leaves the value as it is; any other outcome is the value.
        let keep = |value: &Value| !matches!(kind, FieldKind::Text) || !value.is_missing();
        if parsed.problems.is_empty() {
            // The common case: read cleanly, nothing to report.
            if let (Some(text), Value::List(items)) = (memo_key, &parsed.value) {
                if self.list_memo_entries < LIST_MEMO_SIZE {
                    if let Some(memo) = self.list_memo.get_mut(f) {
                        memo.insert(text.clone().into_boxed_str(), items.clone());
                        self.list_memo_entries += 1;
                    }
                }
            }
            if keep(&parsed.value) {
                values[f] = parsed.value;
            }
            return None;
        }
        let unreadable = parsed.value.is_missing().then(|| cell.display());
        for (kind, raw) in parsed.problems {
            let severity = if matches!(kind, ProblemKind::UnknownItem { .. }) {
                Severity::Warning
            } else {
                Severity::Error
            };
            let value = (!raw.is_empty()).then_some(raw);
            problems.push(self.problem(severity, Some(n), Some(c), value, kind));
        }
        if keep(&parsed.value) {
            values[f] = parsed.value;
        }
        unreadable
    }
}

/// Reads a whole file (a workbook is read whole: its format needs to seek).
pub fn read_all(read: &mut dyn Read, label: &str) -> Result<Vec<u8>, InventoryError> {
    let mut bytes = Vec::new();
    read.read_to_end(&mut bytes)
        .map_err(|e| InventoryError::Io {
            file: label.into(),
            source: e,
        })?;
    if bytes.is_empty() {
        return Err(InventoryError::Empty { file: label.into() });
    }
    Ok(bytes)
}

/// How many distinct list cells are remembered, at most (a bound on memory, whatever the input).
const LIST_MEMO_SIZE: usize = 20_000;

/// Whether a cell is blank (absent, empty or white space); an unreadable cell is not blank.
fn is_blank(cell: Option<&Cell>) -> bool {
    match cell {
        None | Some(Cell::Empty) => true,
        Some(Cell::Text(s)) => trim(s).is_empty(),
        Some(Cell::List(items)) => items.is_empty(),
        Some(Cell::Bad(_)) => false,
    }
}

impl fmt::Debug for Inventory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inventory")
            .field("file", &self.file)
            .finish()
    }
}
