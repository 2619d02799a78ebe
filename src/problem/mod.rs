//! Data problems: what is wrong with a cell or a row of the inventory, where, and what was expected.
//!
//! Problems are collected for the whole run and reported together; an error makes the run exit 1,
//! a warning is only shown.

/// The kinds of each family as a pattern: the one list of which kind is which. [`ProblemKind::family`]
/// and the family's functions in [`messages`] match on these, so the compiler asks for a new kind's
/// family and for its words, and a kind in two families is an unreachable pattern.
macro_rules! read_kinds {
    () => {
        ProblemKind::Encoding { .. }
            | ProblemKind::Utf8InGbk
            | ProblemKind::SheetError { .. }
            | ProblemKind::Ragged { .. }
            | ProblemKind::TooManyFields { .. }
            | ProblemKind::UnterminatedQuote { .. }
            | ProblemKind::Shape { .. }
            | ProblemKind::Empty
            | ProblemKind::UncachedFormula
            | ProblemKind::NotOutlets { .. }
            | ProblemKind::AbsentColumn { .. }
            | ProblemKind::RequiredBlank { .. }
    };
}
macro_rules! cell_kinds {
    () => {
        ProblemKind::NotACount { .. }
            | ProblemKind::CountTooLarge { .. }
            | ProblemKind::NotANumber { .. }
            | ProblemKind::NotADate
            | ProblemKind::NotHours
            | ProblemKind::BareNumberDate
            | ProblemKind::NotYesNo { .. }
            | ProblemKind::NotAGrade
            | ProblemKind::UnknownValue { .. }
            | ProblemKind::Refused { .. }
            | ProblemKind::UnknownItem { .. }
            | ProblemKind::Range
            | ProblemKind::Negative
            | ProblemKind::MonthOnly
            | ProblemKind::FutureDate { .. }
    };
}
macro_rules! identity_kinds {
    () => {
        ProblemKind::IdLostDigits
            | ProblemKind::DuplicateId { .. }
            | ProblemKind::NoReference { .. }
            | ProblemKind::BadReference { .. }
    };
}
macro_rules! code_kinds {
    () => {
        ProblemKind::BadCode { .. }
            | ProblemKind::ScientificCode { .. }
            | ProblemKind::CodeContradictsType { .. }
            | ProblemKind::CodeContradictsRegion { .. }
            | ProblemKind::CodeContradictsRegionMore { .. }
            | ProblemKind::DivisionNotListed { .. }
            | ProblemKind::DivisionWrongLevel { .. }
            | ProblemKind::DivisionNameDiffers { .. }
    };
}
macro_rules! waiver_kinds {
    () => {
        ProblemKind::WaiverUnknownRule { .. }
            | ProblemKind::WaiverUnknownOutlet
            | ProblemKind::WaiverExpired { .. }
    };
}

mod messages;

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::Serialize;

use crate::divisions::Level;
use crate::text::{Lang, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// How the inventory counts its rows: lines of a CSV file, items of a YAML list, rows of a sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowUnit {
    Line,
    Item,
    /// Rows of a worksheet, numbered as the spreadsheet numbers them; each problem also carries
    /// its [`SheetRef`].
    Sheet,
}

/// A place on a worksheet, written as the spreadsheet writes it: `台账!D7` for a cell, `台账!7:7`
/// for a whole row, and `'Sheet 1'!D7` when the sheet's name needs quoting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetRef {
    pub sheet: Arc<str>,
    /// The row, 1-based as the spreadsheet numbers it.
    pub row: u32,
    /// The column, 0-based (A = 0); `None` for the whole row.
    pub column: Option<u32>,
}

impl fmt::Display for SheetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if sheet_name_needs_quotes(&self.sheet) {
            write!(f, "'{}'!", self.sheet.replace('\'', "''"))?;
        } else {
            write!(f, "{}!", self.sheet)?;
        }
        match self.column {
            Some(c) => write!(f, "{}{}", column_letters(c), self.row),
            None => write!(f, "{0}:{0}", self.row),
        }
    }
}

/// A 0-based column index in the spreadsheet's letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Whether a formula must quote the sheet name: anything but letters, digits, `_` and `.`, a
/// leading digit, or a name that reads as a cell (`A1`, `R1C1`).
fn sheet_name_needs_quotes(name: &str) -> bool {
    let looks_like_cell = {
        // Up to three letters (XFD is the last column) and a row, or R1C1.
        let rest = name.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let letters = name.len() - rest.len();
        (1..=3).contains(&letters)
            && !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'C' || b == b'c')
    };
    name.is_empty()
        || looks_like_cell
        || name.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || name
            .chars()
            .any(|c| !(c.is_alphanumeric() || c == '_' || c == '.'))
}

/// One data problem.
#[derive(Clone, Debug)]
pub struct Problem {
    pub severity: Severity,
    pub file: Arc<str>,
    pub unit: RowUnit,
    /// The row (CSV line, YAML item), 1-based; `None` for the file as a whole.
    pub row: Option<u64>,
    /// The column as the file names it.
    pub column: Option<String>,
    /// The offending value, as read.
    pub value: Option<String>,
    pub kind: ProblemKind,
    /// The cell (or row) on the worksheet, for inventories read from a workbook.
    pub cell: Option<SheetRef>,
}

/// What is wrong. Each kind knows how to say so in both languages.
#[derive(Clone, Debug, PartialEq)]
pub enum ProblemKind {
    /// The cell's bytes are not valid text in the file's encoding.
    Encoding {
        encoding: &'static str,
    },
    /// In a file read as GB18030 (GBK), a row that is UTF-8 text: pasted from another file. Its
    /// cells would decode as mojibake, so the ones with Chinese text are not read.
    Utf8InGbk,
    /// A spreadsheet cell that holds an error value (`#N/A`, `#DIV/0!`) instead of a value.
    SheetError {
        error: String,
    },
    /// A row has more cells than the header.
    Ragged {
        cells: usize,
        columns: usize,
    },
    /// A row of more fields than a worksheet has columns (16,384): the fields past that are not
    /// kept, and the row is not graded.
    TooManyFields {
        fields: usize,
        max: usize,
    },
    /// A quote opened in this row and never closed: the rest of the file, `lines` lines after
    /// this one, went into one cell. The row is not graded.
    UnterminatedQuote {
        lines: u64,
    },
    /// A required cell (id, name, type) is blank or unreadable; the outlet is not graded.
    RequiredBlank {
        graded: bool,
    },
    NotACount {
        units: Vec<String>,
    },
    /// A count above what any outlet can have (DOMAIN.md: above 100,000 is a data error), from
    /// any reader: a CSV cell of twenty nines, or the same number stored in a workbook.
    CountTooLarge {
        max: u32,
    },
    NotANumber {
        unit: String,
        units: Vec<String>,
    },
    NotADate,
    /// A cell of weekly opening hours that reads as neither a schedule nor a weekly total.
    NotHours,
    /// A bare number in a text date column: a spreadsheet serial that lost its date format.
    BareNumberDate,
    NotYesNo {
        yes: String,
        no: String,
    },
    NotAGrade,
    /// A value that names no entry of an enum or type.
    UnknownValue {
        allowed: Vec<String>,
        suggestion: Option<String>,
    },
    /// A spelling the rulebook refuses in this column, with its hint (the guideline's 乡镇(街道)
    /// as an outlet's own type: it does not say whether 乡镇 or 街道).
    Refused {
        hint: crate::text::Text,
    },
    /// A list item that names no vocabulary entry: a warning, the item counts for nothing.
    UnknownItem {
        known: Vec<String>,
        suggestion: Option<String>,
    },
    /// A code of the wrong length or with non-digits.
    BadCode {
        digits: usize,
    },
    /// A code Excel turned into scientific notation, such as `1.10101E+11`.
    ScientificCode {
        digits: usize,
    },
    /// An outlet id that a workbook holds as a number Excel could not keep whole, such as
    /// `1.23456789012346E19`: past 15 significant digits, or shown in scientific notation.
    IdLostDigits,
    DuplicateId {
        first_row: u64,
    },
    /// A partner outlet with no reference type: the default applies.
    NoReference {
        default: String,
    },
    /// A reference type that is not allowed: the default applies.
    BadReference {
        allowed: Vec<String>,
        default: String,
    },
    /// A YAML value of the wrong shape (a map where a cell belongs, say).
    Shape {
        expected: &'static str,
    },
    /// The inventory has no outlets.
    Empty,
    /// A division code whose township and village digits say another type than the outlet's.
    CodeContradictsType {
        /// The types whose code ranges the code is in (none: the code is in no type's ranges).
        code_says: Vec<Text>,
        outlet_type: Text,
    },
    /// A division code whose prefix is not the one most outlets of the same region share (or,
    /// where two prefixes are shared by as many outlets, one of those).
    CodeContradictsRegion {
        /// The region column (乡镇街道, 县 …).
        region: Text,
        /// The region's path of names (示范省/甲市/甲县/城关镇).
        name: String,
        /// This outlet's prefix.
        prefix: String,
        /// The prefix most outlets of the region share and how many do; several on a tie.
        majority: Vec<(String, u64)>,
        /// The region's outlets with a division code.
        total: u64,
    },
    /// After the rows a [`ProblemKind::CodeContradictsRegion`] lists for a region and prefix, how
    /// many more outlets share that prefix (not listed one by one, to bound memory).
    CodeContradictsRegionMore {
        region: Text,
        name: String,
        prefix: String,
        more: u64,
    },
    /// A field no column feeds, that a required rule reads (at the header row): `fails` when
    /// the rule can then only fail as missing for every outlet, else it has another column.
    AbsentColumn {
        field: crate::text::Text,
        key: String,
        rules: Vec<String>,
        nearest: Option<String>,
        fails: bool,
    },
    /// Rows that are no outlets (合计, 小计, a 审核人 line), skipped: their numbers (the first
    /// few) and how many.
    NotOutlets {
        rows: Vec<u64>,
        count: usize,
    },
    /// A date after the as-of date: it cannot show what was so on that date.
    FutureDate {
        as_of: String,
    },
    /// A range (2-3人) where one number belongs.
    Range,
    /// A negative count or amount.
    Negative,
    /// A month without a day (2025年11月): read as its first day.
    MonthOnly,
    /// A workbook cell with a formula but no saved result (a file written by a program that does
    /// not calculate): read as blank.
    UncachedFormula,
    /// With an official division list (`--divisions`): a division code the list does not have.
    DivisionNotListed {
        /// The list's file.
        list: String,
    },
    /// With an official division list: a listed code of another level than the outlet's type
    /// (a partner outlet's reference type) needs.
    DivisionWrongLevel {
        level: Level,
        expected: Level,
        /// The unit's official name, for a unit above village level.
        official: Option<String>,
        /// The outlet's type, and a partner outlet's reference type.
        outlet_type: Text,
    },
    /// With an official division list: a region name that is not the official name of the
    /// division code's prefix for that region.
    DivisionNameDiffers {
        /// The prefix, padded to a whole code.
        code: String,
        official: String,
    },
    /// A waiver for a rule the rulebook does not have: ignored.
    WaiverUnknownRule {
        suggestion: Option<String>,
    },
    /// A waiver for an outlet the inventory does not have: ignored.
    WaiverUnknownOutlet,
    /// A waiver past its expiry date: not applied.
    WaiverExpired {
        expires: String,
    },
}

impl ProblemKind {
    /// How grave a problem found in a cell is: a warning when the cell still counts (an unknown
    /// list item, a month read as its first day), else an error.
    pub fn cell_severity(&self) -> Severity {
        match self {
            ProblemKind::UnknownItem { .. }
            | ProblemKind::MonthOnly
            | ProblemKind::UncachedFormula => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// The families of problems, each with its messages in [`messages`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// Reading the file, its header and its rows.
    Read,
    /// A cell that does not read as its field's kind.
    Cell,
    /// Ids and reference types.
    Identity,
    /// Division codes.
    Code,
    /// Waivers.
    Waiver,
}

impl ProblemKind {
    /// Its family (the compiler checks that each kind has exactly one).
    fn family(&self) -> Family {
        match self {
            read_kinds!() => Family::Read,
            cell_kinds!() => Family::Cell,
            identity_kinds!() => Family::Identity,
            code_kinds!() => Family::Code,
            waiver_kinds!() => Family::Waiver,
        }
    }
}

impl Problem {
    /// The problem on one line, in `lang`: where, the value, what is wrong, what was expected.
    pub fn render(&self, lang: Lang) -> String {
        let mut s = String::new();
        let label = match (self.severity, lang) {
            (Severity::Error, Lang::Zh) => "错误",
            (Severity::Warning, Lang::Zh) => "警告",
            (Severity::Error, Lang::En) => "error",
            (Severity::Warning, Lang::En) => "warning",
        };
        let _ = write!(s, "{label}: {}", self.location(lang));
        let _ = write!(s, ": {}", self.message(lang));
        if let Some(help) = self.help(lang) {
            let _ = write!(s, " ({help})");
        }
        s
    }

    /// The file, row and column; on a worksheet, the cell as the spreadsheet names it.
    pub fn location(&self, lang: Lang) -> String {
        let mut s = self.file.to_string();
        if let Some(cell) = &self.cell {
            let _ = match lang {
                Lang::Zh => write!(s, " {cell}"),
                Lang::En => write!(s, ", {cell}"),
            };
        } else if let Some(row) = self.row {
            let _ = match (self.unit, lang) {
                (RowUnit::Line | RowUnit::Sheet, Lang::Zh) => write!(s, " 第{row}行"),
                (RowUnit::Item, Lang::Zh) => write!(s, " 第{row}项"),
                (RowUnit::Line | RowUnit::Sheet, Lang::En) => write!(s, ", row {row}"),
                (RowUnit::Item, Lang::En) => write!(s, ", item {row}"),
            };
        }
        if let Some(column) = &self.column {
            let _ = match lang {
                Lang::Zh => write!(s, " 列「{column}」"),
                Lang::En => write!(s, ", column `{column}`"),
            };
        }
        s
    }

    /// What is wrong, quoting the value.
    pub fn message(&self, lang: Lang) -> String {
        let v = self.value.as_deref().unwrap_or("");
        messages::message(&self.kind, v, lang)
    }

    /// What was expected, as a hint.
    pub fn help(&self, lang: Lang) -> Option<String> {
        let kind = &self.kind;
        match kind.family() {
            Family::Read => messages::read_help(kind, lang),
            Family::Cell => messages::cell_help(kind, lang),
            Family::Identity => messages::identity_help(kind, lang),
            Family::Code => messages::code_help(kind, lang),
            Family::Waiver => messages::waiver_help(kind, lang),
        }
    }

    /// What was expected, without the hint's "did you mean" (for tabular output).
    pub fn expected(&self, lang: Lang) -> String {
        self.help(lang).unwrap_or_default()
    }
}

fn shape_zh(expected: &str) -> &'static str {
    match expected {
        "a single value" => "单个取值",
        "a map of columns to values" => "“列名: 取值”形式的映射",
        "a list of outlets" => "网点列表",
        _ => "其他形式",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(sheet: &str, row: u32, column: Option<u32>) -> String {
        SheetRef {
            sheet: Arc::from(sheet),
            row,
            column,
        }
        .to_string()
    }

    #[test]
    fn sheet_refs_read_as_excel_writes_them() {
        assert_eq!(at("台账", 7, Some(3)), "台账!D7");
        assert_eq!(at("台账", 7, None), "台账!7:7");
        assert_eq!(at("Sheet1", 2, Some(26)), "Sheet1!AA2");
        assert_eq!(at("my sheet", 2, Some(0)), "'my sheet'!A2");
        assert_eq!(at("county's", 2, Some(0)), "'county''s'!A2");
        assert_eq!(at("2025", 2, Some(0)), "'2025'!A2");
        assert_eq!(at("A1", 2, Some(0)), "'A1'!A2");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
