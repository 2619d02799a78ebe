//! Typing one row on its own: its cells read by the kind of their field ([`Layout::stage`]), the
//! problems found on the row alone, and the [`Outlet`] made of it — everything but the checks
//! against earlier rows ([`super::admit`]). Runs on any thread.

use std::sync::Arc;

use super::admit::{Key, Typed};
use super::memo::CellMemo;
use super::source::{self, RawRow};
use super::{Cell, Outlet, Value, cell, records};
use crate::problem::{Problem, ProblemKind, RowUnit, Severity, SheetRef};
use crate::rulebook::Rulebook;

use super::kind::{self, Reading};
use crate::text::trim;

/// What every row is read against: the rulebook, the columns, and how problems name a place. It
/// does not change once the header is read, so the threads that type rows share it.
pub(super) struct Layout<'b> {
    pub(super) book: &'b Rulebook,
    pub(super) file: Arc<str>,
    pub(super) unit: RowUnit,
    /// The headers, trimmed, as problems name the columns.
    pub(super) headers: Vec<String>,
    /// The field of each column, if any.
    pub(super) columns: Vec<Option<usize>>,
    /// The columns no field knows.
    pub(super) extra_columns: Vec<usize>,
    /// How each column is read.
    pub(super) plans: Vec<Plan>,
    /// The rulebook's list separators, ready.
    pub(super) separators: cell::Separators,
    /// The column of each field, if present.
    pub(super) field_columns: Vec<Option<usize>>,
    /// In a workbook: the sheet, and its column of the first header column.
    pub(super) sheet: Option<(Arc<str>, u32)>,
    /// (column, field, factor) of the number columns whose header names a unit with a factor
    /// (`年度工作经费(元)`): a bare number in them is in that unit.
    pub(super) factors: Vec<(usize, usize, f64)>,
    /// The as-of date, when the inventory is graded as of one: a date after it is a data error.
    pub(super) as_of: Option<jiff::civil::Date>,
    /// The date fields the inventory has.
    pub(super) date_fields: Vec<usize>,
}

/// How [`Layout::stage`] reads a column's cells, by the kind of its field.
#[derive(Clone, Copy, Debug)]
pub(super) enum Plan {
    /// No field, or one read apart (the reference type).
    Skip,
    /// Text, taken as it is (trimmed).
    Text(usize),
    /// A code of so many digits.
    Code(usize, usize),
    /// Any other kind: read once per spelling, then taken from the [`CellMemo`].
    Memo(usize),
}

/// The cells of a row being typed: decoded already, or those of a CSV record that is valid UTF-8
/// as a whole, read one at a time from it ([`source::Decoder::cell`]).
enum Cells<'a> {
    Decoded(&'a [Cell<'a>]),
    Record {
        whole: &'a str,
        record: &'a records::Record,
        decoder: source::Decoder,
    },
}

impl<'a> Cells<'a> {
    /// Cell `c`, borrowing its text.
    fn get(&self, c: usize) -> Option<Cell<'a>> {
        match self {
            Cells::Decoded(cells) => cells.get(c).map(|cell| match cell {
                Cell::Text(text) => Cell::Text(std::borrow::Cow::Borrowed(&**text)),
                other => other.clone(),
            }),
            Cells::Record {
                whole,
                record,
                decoder,
            } => (c < decoder.width()).then(|| decoder.cell(whole, record, c)),
        }
    }
}

/// A row typed on its own, before the checks that depend on the rows before it (a repeated id,
/// a region's division code).
pub(super) struct Staged {
    pub(super) number: u64,
    /// Its problems in the order they are reported; those from `after_id` on come after the id
    /// check, and are dropped with the row when its id repeats an earlier one.
    pub(super) problems: Vec<Problem>,
    pub(super) after_id: usize,
    /// The id, when the row has one but no outlet (its type is missing).
    pub(super) id: Option<String>,
    pub(super) outlet: Option<Outlet>,
    /// A row that is no outlet (合计, a signature line): skipped, and listed in one note.
    pub(super) skipped: bool,
}

impl Staged {
    /// The row without its outlet, with its [`Key`].
    pub(super) fn typed(self, key: Key) -> (Typed, Option<Outlet>) {
        let Staged {
            number,
            problems,
            after_id,
            outlet,
            skipped,
            ..
        } = self;
        let typed = Typed {
            number,
            problems,
            after_id,
            key,
            skipped,
        };
        (typed, outlet)
    }
}

impl Layout<'_> {
    pub(super) fn problem(
        &self,
        severity: Severity,
        row: Option<u64>,
        column: Option<usize>,
        value: Option<String>,
        kind: ProblemKind,
    ) -> Problem {
        let cell = match (&self.sheet, row) {
            (Some((sheet, first_column)), Some(row)) => Some(SheetRef {
                sheet: sheet.clone(),
                row: u32::try_from(row).unwrap_or(u32::MAX),
                column: column.map(|c| first_column + u32::try_from(c).unwrap_or(u32::MAX)),
            }),
            _ => None,
        };
        Problem {
            severity,
            file: self.file.clone(),
            unit: self.unit,
            row,
            column: column.map(|c| self.headers[c].clone()),
            value,
            kind,
            cell,
        }
    }

    /// Splits a raw row into fields, decodes it (into `cells`, reused) and types it.
    pub(super) fn stage_raw(
        &self,
        raw: &mut RawRow,
        memo: &mut CellMemo,
        cells: &mut Vec<Cell<'static>>,
    ) -> Staged {
        if let RawRow::Record { record, number, .. } = raw {
            record.split_fields();
            if record.open_quote().is_some() || record.dropped() > 0 {
                return self.unreadable_record(*number, record);
            }
        }
        match &*raw {
            RawRow::Row(row) => {
                self.stage(row.number, row.overflow, Cells::Decoded(&row.cells), memo)
            }
            RawRow::Record {
                number,
                record,
                decoder,
            } => {
                // A UTF-8 record is read cell by cell, with no row of cells made.
                if let Some(whole) = decoder.utf8(record) {
                    let cells = Cells::Record {
                        whole,
                        record,
                        decoder: *decoder,
                    };
                    return self.stage(*number, decoder.overflow(record), cells, memo);
                }
                let row = decoder.row(*number, record, std::mem::take(cells));
                let staged = self.stage(row.number, row.overflow, Cells::Decoded(&row.cells), memo);
                *cells = source::reuse(row.cells);
                staged
            }
        }
    }

    /// A record that is not read at all: one with more fields than a worksheet has columns, or
    /// one that a quote never closed took the rest of the file into. Not graded.
    #[cold]
    fn unreadable_record(&self, n: u64, record: &records::Record) -> Staged {
        let kind = match record.open_quote() {
            Some(lines) => ProblemKind::UnterminatedQuote { lines },
            None => ProblemKind::TooManyFields {
                fields: record.len() + record.dropped(),
                max: records::MAX_FIELDS,
            },
        };
        let problem = self.problem(Severity::Error, Some(n), None, None, kind);
        Staged {
            number: n,
            problems: vec![problem],
            after_id: 1,
            id: None,
            outlet: None,
            skipped: false,
        }
    }

    /// Types one row on its own: every check but those against earlier rows.
    fn stage(&self, n: u64, overflow: usize, cells: Cells, memo: &mut CellMemo) -> Staged {
        let mut problems = Vec::new();
        let staged = |problems: Vec<Problem>, after_id, id, outlet| Staged {
            number: n,
            problems,
            after_id,
            id,
            outlet,
            skipped: false,
        };
        let book = self.book;
        if overflow > 0 {
            let columns = self.columns.len();
            problems.push(self.problem(
                Severity::Error,
                Some(n),
                None,
                None,
                ProblemKind::Ragged {
                    cells: columns + overflow,
                    columns,
                },
            ));
        }
        // (Made without `Clone`, which would look at each element it copies.)
        let mut values: Vec<Value> = (0..book.fields.len()).map(|_| Value::Missing).collect();
        let mut unreadable = Vec::new();
        let mut typing = Typing {
            values: &mut values,
            unreadable: &mut unreadable,
            problems: &mut problems,
            memo: &mut *memo,
        };
        self.type_cells(&mut typing, n, &cells);

        // Rows that are no outlets: 合计/小计 rows, signature and note lines.
        if self.is_not_outlet(&values, &cells) {
            return Staged {
                number: n,
                problems: Vec::new(),
                after_id: 0,
                id: None,
                outlet: None,
                skipped: true,
            };
        }
        self.adjust(n, &mut values, &cells, &mut problems);

        // Identity and type: without them the outlet cannot be graded.
        let core = &book.core;
        let id = if let Value::Text(s) = &values[core.id] {
            s.clone()
        } else {
            problems.push(self.required_blank(n, core.id, false));
            let after_id = problems.len();
            return staged(problems, after_id, None, None);
        };
        if self.unit == RowUnit::Sheet && super::xlsx::lost_digits(&id) {
            let column = self.field_columns[core.id];
            let kind = ProblemKind::IdLostDigits;
            problems.push(self.problem(Severity::Warning, Some(n), column, Some(id.clone()), kind));
        }
        // A repeated id is found in order, here.
        let after_id = problems.len();
        let name = if let Value::Text(s) = &values[core.name] {
            s.clone()
        } else {
            problems.push(self.required_blank(n, core.name, true));
            String::new()
        };
        let type_ = if let Value::Item(t) = values[core.type_] {
            usize::from(t)
        } else {
            let column = self.field_columns[core.type_];
            if is_blank(column.and_then(|c| cells.get(c)).as_ref()) {
                problems.push(self.required_blank(n, core.type_, false));
            }
            return staged(problems, after_id, Some(id), None);
        };

        // A partner outlet is graded as its reference type.
        let mut typing = Typing {
            values: &mut values,
            unreadable: &mut unreadable,
            problems: &mut problems,
            memo: &mut *memo,
        };
        let grading_type = self.grading_type(&mut typing, n, type_, &cells);

        self.check_code_type(n, type_, &values, &mut problems);
        // The official division list (`--divisions`), when given.
        if let Some(list) = &book.divisions {
            let text = |f: usize| match values.get(f) {
                Some(Value::Text(t)) => Some(t.as_str()),
                _ => None,
            };
            list.check(book, type_, grading_type, text, |f, value, kind| {
                let column = self.field_columns[f];
                problems.push(self.problem(Severity::Warning, Some(n), column, Some(value), kind));
            });
        }

        let claimed = core.claimed_grade.and_then(|f| match values[f] {
            Value::Grade(g) => Some(g),
            _ => None,
        });
        let extras = self
            .extra_columns
            .iter()
            .map(|&c| cells.get(c).map(|cell| cell.display()).unwrap_or_default())
            .collect();
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count() as u32;
        let outlet = Outlet {
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
        };
        staged(problems, after_id, None, Some(outlet))
    }

    /// Types each cell of row `n` into `typing` by its column's [`Plan`].
    #[inline(always)]
    fn type_cells(&self, typing: &mut Typing, n: u64, cells: &Cells) {
        match cells {
            Cells::Decoded(row) => {
                for (c, (&plan, cell)) in self.plans.iter().zip(row.iter()).enumerate() {
                    self.type_cell(typing, n, c, plan, cell);
                }
            }
            Cells::Record {
                whole,
                record,
                decoder,
            } => {
                // Cells past the record's end are blank, as are empty ones: they stay missing.
                let fields = self.plans.iter().zip(record.bounds()).enumerate();
                for (c, (&plan, &(start, end))) in fields {
                    if matches!(plan, Plan::Skip) || start == end {
                        continue;
                    }
                    if let Some(text) = whole.get(start..end) {
                        self.type_text(typing, n, c, plan, text);
                    } else {
                        let cell = decoder.field(whole, record, start, end);
                        self.type_cell(typing, n, c, plan, &cell);
                    }
                }
            }
        }
    }

    /// A required cell (id, name, type) of row `n` that is blank or unreadable: `graded` when
    /// the outlet is graded all the same (a missing name).
    fn required_blank(&self, n: u64, f: usize, graded: bool) -> Problem {
        let column = self.field_columns[f];
        let kind = ProblemKind::RequiredBlank { graded };
        self.problem(Severity::Error, Some(n), column, None, kind)
    }

    /// What the column's header and the as-of date change in a typed row: a bare number in a
    /// column whose header names another unit, and dates after the as-of date (missing).
    #[inline]
    fn adjust(&self, n: u64, values: &mut [Value], cells: &Cells, problems: &mut Vec<Problem>) {
        // A bare number in a column whose header names another unit (年度工作经费(元)).
        for &(c, f, factor) in &self.factors {
            if let (Value::Number(x), Some(Cell::Text(text))) = (&values[f], cells.get(c))
                && cell::is_bare_number(&text)
            {
                values[f] = Value::Number(x * factor);
            }
        }
        // A date after the as-of date shows nothing about that date: an error, and missing.
        if let Some(as_of) = self.as_of {
            for &f in &self.date_fields {
                if let Value::Date(d) = values[f]
                    && d > as_of
                {
                    values[f] = Value::Missing;
                    problems.push(self.problem(
                        Severity::Error,
                        Some(n),
                        self.field_columns[f],
                        Some(d.to_string()),
                        ProblemKind::FutureDate {
                            as_of: as_of.to_string(),
                        },
                    ));
                }
            }
        }
    }

    /// The type an outlet of type `type_` is graded as: its own, or for a partner outlet its
    /// reference type (the default when the cell is blank or names a type it may not have). The
    /// reference column is typed here (its [`Plan`] skips it), into `typing`.
    fn grading_type(&self, typing: &mut Typing, n: u64, type_: usize, cells: &Cells) -> usize {
        let book = self.book;
        let Some(reference) = &book.types[type_].reference else {
            return type_;
        };
        let reference_field = book.core.reference_type;
        let default = reference.default;
        let column = reference_field.and_then(|f| self.field_columns[f]);
        let cell = column.and_then(|c| cells.get(c)).unwrap_or(Cell::Empty);
        let default_name = || book.types[default].name.zh.clone();
        if is_blank(Some(&cell)) {
            let kind = ProblemKind::NoReference {
                default: default_name(),
            };
            (typing.problems).push(self.problem(Severity::Warning, Some(n), column, None, kind));
            return default;
        }
        let (Some(f), Some(c)) = (reference_field, column) else {
            return default;
        };
        let Cell::Text(text) = &cell else {
            // A list or an unreadable cell: read as any cell is, to say what is wrong with it.
            typing.read(self, n, c, f, &cell);
            return default;
        };
        match book.find_type(trim(text)) {
            Some(t) if reference.allowed.contains(&t) => {
                typing.values[f] = Value::Item(t as u16);
                t
            }
            // Any other value (an unknown name, or 村) is one problem, naming the allowed ones;
            // the default applies.
            _ => {
                typing.unreadable.push((f, cell.display()));
                let kind = ProblemKind::BadReference {
                    allowed: book.type_names(&reference.allowed),
                    default: default_name(),
                };
                let problem = self.problem(
                    Severity::Error,
                    Some(n),
                    Some(c),
                    Some(cell.display()),
                    kind,
                );
                typing.problems.push(problem);
                default
            }
        }
    }

    /// Reads cell `c` of row `n` by its column's [`Plan`], as [`Layout::read_cell`] would read
    /// it: a blank cell leaves the value missing, text is read by [`Layout::type_text`], any
    /// other cell by [`Layout::read_cell`].
    #[inline(always)]
    fn type_cell(&self, typing: &mut Typing, n: u64, c: usize, plan: Plan, cell: &Cell) {
        match (plan, cell) {
            (Plan::Skip, _) | (_, Cell::Empty) => {}
            (_, Cell::Text(text)) => self.type_text(typing, n, c, plan, text),
            (Plan::Text(f) | Plan::Code(f, _) | Plan::Memo(f), _) => {
                typing.read(self, n, c, f, cell);
            }
        }
    }

    /// Reads text cell `c` of row `n` by its column's [`Plan`]. The common cells are read here,
    /// as [`Layout::read_cell`] would read them: a text, a well-formed code, a cell the memo has;
    /// the others by [`Layout::read_cell`].
    #[inline(always)]
    fn type_text(&self, typing: &mut Typing, n: u64, c: usize, plan: Plan, text: &str) {
        let cell = || Cell::Text(std::borrow::Cow::Borrowed(text));
        match plan {
            Plan::Skip => {}
            Plan::Text(f) => {
                let text = trim(text);
                if !text.is_empty() {
                    typing.values[f] = Value::Text(text.to_string());
                }
            }
            Plan::Code(f, digits) => {
                if cell::is_code(text, digits) {
                    typing.values[f] = Value::Text(text.to_string());
                } else {
                    typing.read(self, n, c, f, &cell());
                }
            }
            // Most cells were read before: taken from the memo here, without a call.
            Plan::Memo(f) => match typing.memo.recall_text(f, text) {
                Some(value) => typing.values[f] = value.clone(),
                None => typing.read(self, n, c, f, &cell()),
            },
        }
    }

    /// Whether a row is no outlet: its id or name cell begins with a total word (合计, 小计), or,
    /// in a row with no type, its first non-empty cell with a footer word (审核人, 注：). Words
    /// are the rulebook's.
    fn is_not_outlet(&self, values: &[Value], cells: &Cells) -> bool {
        let book = self.book;
        let core = &book.core;
        let begins = |text: &str, words: &[String]| {
            // Most cells start with none of the words' first characters: no folding for them.
            let Some(first) = text.chars().next() else {
                return false;
            };
            if first.is_ascii_alphanumeric() || !words.iter().any(|w| w.starts_with(first)) {
                return false;
            }
            let folded = crate::text::fold_header(text);
            words.iter().any(|w| folded.starts_with(w.as_str()))
        };
        let total = [core.id, core.name].into_iter().any(|f| match &values[f] {
            Value::Text(t) => begins(t, &book.total_rows),
            _ => false,
        });
        if total {
            return true;
        }
        // A signature or note line has no type: a row with one is an outlet (and the look at
        // its first cell stays off the path of the rows that are).
        if book.footer_rows.is_empty() || matches!(values[core.type_], Value::Item(_)) {
            return false;
        }
        // The first non-empty cell, looked at where it lies.
        for c in 0..self.headers.len() {
            match cells.get(c) {
                Some(Cell::Text(t)) if !trim(&t).is_empty() => {
                    return begins(trim(&t), &book.footer_rows);
                }
                Some(Cell::List(_) | Cell::Bad(_)) => return false,
                _ => {}
            }
        }
        false
    }

    /// Warns where the division code contradicts the outlet's type.
    fn check_code_type(&self, n: u64, type_: usize, values: &[Value], problems: &mut Vec<Problem>) {
        let book = self.book;
        let Some(checks) = &book.code_checks else {
            return;
        };
        let Value::Text(code) = &values[checks.field] else {
            return;
        };
        if checks.covers(type_) && !checks.fits(code, type_) {
            problems.push(
                self.problem(
                    Severity::Warning,
                    Some(n),
                    self.field_columns[checks.field],
                    Some(code.clone()),
                    ProblemKind::CodeContradictsType {
                        code_says: (checks.types_of(code).iter())
                            .map(|&t| book.types[t].name.clone())
                            .collect(),
                        outlet_type: book.types[type_].name.clone(),
                    },
                ),
            );
        }
    }

    /// Reads one cell into `values`, reporting its problems; returns what an unreadable cell said.
    #[allow(clippy::too_many_arguments)]
    fn read_cell(
        &self,
        memo: &mut CellMemo,
        n: u64,
        c: usize,
        f: usize,
        cell: &Cell,
        values: &mut [Value],
        problems: &mut Vec<Problem>,
    ) -> Option<String> {
        let kind = &self.book.fields[f].kind;
        let reading = kind::reading(kind);
        let verbatim = reading == Reading::Verbatim;
        if let Cell::Empty = cell {
            // Blank: missing, nothing to report (as `cell::parse` reads it), without the call.
            if !verbatim {
                values[f] = Value::Missing;
            }
            return None;
        }
        // A cell spelled as one read cleanly before reads the same (text and codes, which differ
        // from outlet to outlet, are not remembered); the caller has looked in the memo.
        let memo_key = match (reading, cell) {
            (Reading::Memo { list }, Cell::Text(text)) => Some((list, &**text)),
            _ => None,
        };
        let parsed = cell::parse_with(self.book, &self.separators, kind, cell);
        // A blank text cell leaves the value as it is; any other outcome is the value.
        let keep = |value: &Value| !verbatim || !value.is_missing();
        if parsed.problems.is_empty() {
            // The common case: read cleanly, nothing to report.
            if let Some((list, text)) = memo_key {
                memo.put(f, list, text, &parsed.value);
            }
            if keep(&parsed.value) {
                values[f] = parsed.value;
            }
            return None;
        }
        let unreadable = parsed.value.is_missing().then(|| cell.display());
        for (kind, raw) in parsed.problems {
            let severity = kind.cell_severity();
            let value = (!raw.is_empty()).then_some(raw);
            problems.push(self.problem(severity, Some(n), Some(c), value, kind));
        }
        if keep(&parsed.value) {
            values[f] = parsed.value;
        }
        unreadable
    }
}

/// What [`Layout::type_cell`] types a row's cells into.
struct Typing<'t> {
    values: &'t mut Vec<Value>,
    unreadable: &'t mut Vec<(usize, String)>,
    problems: &'t mut Vec<Problem>,
    memo: &'t mut CellMemo,
}

impl Typing<'_> {
    /// [`Layout::read_cell`], keeping what an unreadable cell said.
    #[inline(never)]
    fn read(&mut self, layout: &Layout, n: u64, c: usize, f: usize, cell: &Cell) {
        if let Some(raw) = layout.read_cell(self.memo, n, c, f, cell, self.values, self.problems) {
            self.unreadable.push((f, raw));
        }
    }
}

/// Whether a cell is blank (absent, empty or white space); an unreadable cell is not blank.
fn is_blank(cell: Option<&Cell>) -> bool {
    match cell {
        None | Some(Cell::Empty) => true,
        Some(Cell::Text(s)) => trim(s).is_empty(),
        Some(Cell::List(items)) => items.is_empty(),
        Some(Cell::Bad(_)) => false,
    }
}
