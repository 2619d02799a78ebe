//! Data problems: what is wrong with a cell or a row of the inventory, where, and what was expected.
//!
//! Problems are collected for the whole run and reported together; an error makes the run exit 1,
//! a warning is only shown.

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
        // One function a family of problems; the compiler checks that every kind has one.
        match &self.kind {
            kind @ (ProblemKind::Encoding { .. }
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
            | ProblemKind::RequiredBlank { .. }) => read_message(kind, lang),
            kind @ (ProblemKind::NotACount { .. }
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
            | ProblemKind::FutureDate { .. }) => cell_message(kind, v, lang),
            kind @ (ProblemKind::IdLostDigits
            | ProblemKind::DuplicateId { .. }
            | ProblemKind::NoReference { .. }
            | ProblemKind::BadReference { .. }) => identity_message(kind, v, lang),
            kind @ (ProblemKind::BadCode { .. }
            | ProblemKind::ScientificCode { .. }
            | ProblemKind::CodeContradictsType { .. }
            | ProblemKind::CodeContradictsRegion { .. }
            | ProblemKind::CodeContradictsRegionMore { .. }
            | ProblemKind::DivisionNotListed { .. }
            | ProblemKind::DivisionWrongLevel { .. }
            | ProblemKind::DivisionNameDiffers { .. }) => code_message(kind, v, lang),
            kind @ (ProblemKind::WaiverUnknownRule { .. }
            | ProblemKind::WaiverUnknownOutlet
            | ProblemKind::WaiverExpired { .. }) => waiver_message(kind, v, lang),
        }
    }

    /// What was expected, as a hint.
    pub fn help(&self, lang: Lang) -> Option<String> {
        match &self.kind {
            kind @ (ProblemKind::Encoding { .. }
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
            | ProblemKind::RequiredBlank { .. }) => read_help(kind, lang),
            kind @ (ProblemKind::NotACount { .. }
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
            | ProblemKind::FutureDate { .. }) => cell_help(kind, lang),
            kind @ (ProblemKind::IdLostDigits
            | ProblemKind::DuplicateId { .. }
            | ProblemKind::NoReference { .. }
            | ProblemKind::BadReference { .. }) => identity_help(kind, lang),
            kind @ (ProblemKind::BadCode { .. }
            | ProblemKind::ScientificCode { .. }
            | ProblemKind::CodeContradictsType { .. }
            | ProblemKind::CodeContradictsRegion { .. }
            | ProblemKind::CodeContradictsRegionMore { .. }
            | ProblemKind::DivisionNotListed { .. }
            | ProblemKind::DivisionWrongLevel { .. }
            | ProblemKind::DivisionNameDiffers { .. }) => code_help(kind, lang),
            kind @ (ProblemKind::WaiverUnknownRule { .. }
            | ProblemKind::WaiverUnknownOutlet
            | ProblemKind::WaiverExpired { .. }) => waiver_help(kind, lang),
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

/// [`Problem::message`] for reading the file, its header and its rows.
fn read_message(kind: &ProblemKind, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::Encoding { encoding } => {
            if zh {
                format!("单元格不是有效的 {encoding} 文本")
            } else {
                format!("the cell is not valid {encoding} text")
            }
        }
        ProblemKind::Utf8InGbk => {
            if zh {
                "文件按 GBK(GB18030)读取,这一行却是 UTF-8 文本(可能从另一文件粘贴而来),含中文的单元格未读取".to_string()
            } else {
                "the file is read as GBK (GB18030) but this row is UTF-8 text (pasted from another file?); its cells with Chinese text are not read".to_string()
            }
        }
        ProblemKind::SheetError { error } => {
            if zh {
                format!("单元格是 Excel 错误值 `{error}`,不是取值")
            } else {
                format!("the cell holds the Excel error `{error}`, not a value")
            }
        }
        ProblemKind::Ragged { cells, columns } => {
            if zh {
                format!("该行有 {cells} 个单元格,表头只有 {columns} 列,多出的单元格被忽略")
            } else {
                format!(
                    "the row has {cells} cells but the header has {columns} columns; the extra cells are ignored"
                )
            }
        }
        ProblemKind::RequiredBlank { graded } => match (zh, graded) {
            (true, true) => "必填项为空或无法识别".into(),
            (true, false) => "必填项为空或无法识别,该网点未参与评定".into(),
            (false, true) => "a required cell is blank or unreadable".into(),
            (false, false) => {
                "a required cell is blank or unreadable; the outlet is not graded".into()
            }
        },
        ProblemKind::TooManyFields { fields, max } => {
            if zh {
                format!("该行有 {fields} 个字段,超过工作表的列数上限 {max},该行未评定")
            } else {
                format!(
                    "the row has {fields} fields, more than a worksheet's {max} columns; the row is not graded"
                )
            }
        }
        ProblemKind::UnterminatedQuote { lines } => {
            if zh {
                format!(
                    "本行的引号直到文件末尾都未闭合,其后 {lines} 行都被并入一个单元格;该行未评定"
                )
            } else {
                format!(
                    "a quote opened in this row is never closed: the {lines} lines after it, to the end of the file, went into one cell; the row is not graded"
                )
            }
        }
        ProblemKind::Shape { expected } => {
            if zh {
                format!("取值形式不对,应为{}", shape_zh(expected))
            } else {
                format!("the value should be {expected}")
            }
        }
        ProblemKind::Empty => {
            if zh {
                "清单中没有网点".into()
            } else {
                "the inventory has no outlets".into()
            }
        }
        ProblemKind::AbsentColumn {
            field,
            key,
            rules,
            fails,
            ..
        } => {
            let rules = rules.join(if zh { "、" } else { ", " });
            match (zh, fails) {
                (true, true) => format!(
                    "缺少「{}」列({key}):规则 {rules} 对每个网点都只能判为未填报",
                    field.zh
                ),
                (true, false) => format!(
                    "缺少「{}」列({key}):规则 {rules} 只能依据其他列判定",
                    field.zh
                ),
                (false, true) => format!(
                    "no column for `{}` ({key}): rule(s) {rules} can only fail as missing for every outlet",
                    field.zh
                ),
                (false, false) => format!(
                    "no column for `{}` ({key}): rule(s) {rules} are judged on the other columns only",
                    field.zh
                ),
            }
        }
        ProblemKind::NotOutlets { rows, count } => {
            let mut list = rows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " });
            if *count > rows.len() {
                list.push_str(&format!("…(+{})", count - rows.len()));
            }
            if zh {
                format!("{count} 行不是网点(合计、小计或签名行),已跳过: 第 {list} 行")
            } else {
                format!(
                    "{count} row(s) are no outlets (totals, subtotals or signature lines), skipped: rows {list}"
                )
            }
        }
        ProblemKind::UncachedFormula => {
            if zh {
                "单元格是公式,但文件中没有保存计算结果,按未填报处理".to_string()
            } else {
                "the cell holds a formula whose result the file does not store; read as blank"
                    .to_string()
            }
        }
        other => format!("{other:?}"),
    }
}

/// [`Problem::help`] for reading the file, its header and its rows.
fn read_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match kind {
        ProblemKind::AbsentColumn {
            field,
            nearest: Some(header),
            ..
        } => {
            if zh {
                format!(
                    "「{header}」是否即「{}」?可改表头,或在省级规则的 add_aliases 中加入同义词",
                    field.zh
                )
            } else {
                format!(
                    "is `{header}` that column? rename the header, or add it to `add_aliases` in a provincial rulebook"
                )
            }
        }
        ProblemKind::AbsentColumn { field, .. } => {
            if zh {
                format!(
                    "请加上「{}」列,或在省级规则的 add_aliases 中加入本表使用的列名",
                    field.zh
                )
            } else {
                format!(
                    "add a `{}` column, or name this table's header in `add_aliases` of a provincial rulebook",
                    field.zh
                )
            }
        }
        ProblemKind::UncachedFormula => {
            if zh {
                "请用 Excel 或 WPS 打开并保存该文件,使公式结果写入文件;或把公式改为数值".to_string()
            } else {
                "open and save the file in Excel or WPS so that the result is stored, or paste the values"
                    .to_string()
            }
        }
        ProblemKind::UnterminatedQuote { .. } => {
            if zh {
                "单元格中的引号须成对出现;检查该行引号是否漏写了结尾的 \"".into()
            } else {
                "quotes in a cell come in pairs; look for the closing \" missing in this row".into()
            }
        }
        _ => return None,
    })
}

/// [`Problem::message`] for a cell that does not read as its field's kind.
fn cell_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::NotACount { .. } => {
            if zh {
                format!("`{v}` 不是数量")
            } else {
                format!("`{v}` is not a count")
            }
        }
        ProblemKind::CountTooLarge { max } => {
            if zh {
                format!("数量 `{v}` 超过 {max},不可信,按缺失处理")
            } else {
                format!("the count `{v}` is above {max}, not believable; it counts as missing")
            }
        }
        ProblemKind::NotANumber { .. } => {
            if zh {
                format!("`{v}` 不是数字")
            } else {
                format!("`{v}` is not a number")
            }
        }
        ProblemKind::NotADate => {
            if zh {
                format!("`{v}` 不是日期")
            } else {
                format!("`{v}` is not a date")
            }
        }
        ProblemKind::NotHours => {
            if zh {
                format!("`{v}` 不是每周开放时间")
            } else {
                format!("`{v}` is not weekly opening hours")
            }
        }
        ProblemKind::BareNumberDate => {
            if zh {
                format!("`{v}` 是数字而不是日期(可能是丢失了日期格式的 Excel 日期序号)")
            } else {
                format!(
                    "`{v}` is a number, not a date (perhaps an Excel date serial that lost its date format)"
                )
            }
        }
        ProblemKind::NotYesNo { .. } => {
            if zh {
                format!("`{v}` 不是“是/否”")
            } else {
                format!("`{v}` is not a yes/no value")
            }
        }
        ProblemKind::NotAGrade => {
            if zh {
                format!("`{v}` 不是级别")
            } else {
                format!("`{v}` is not a grade")
            }
        }
        ProblemKind::UnknownValue { .. } => {
            if zh {
                format!("未知取值 `{v}`")
            } else {
                format!("unknown value `{v}`")
            }
        }
        ProblemKind::Refused { .. } => {
            if zh {
                format!("`{v}` 不能作为此列的取值")
            } else {
                format!("`{v}` is not accepted in this column")
            }
        }
        ProblemKind::UnknownItem { .. } => {
            if zh {
                format!("未知项目 `{v}`,不计入任何规则")
            } else {
                format!("unknown item `{v}`; it counts for no rule")
            }
        }
        ProblemKind::FutureDate { as_of } => {
            if zh {
                format!("`{v}` 晚于评定日期 {as_of},按未填报处理")
            } else {
                format!("`{v}` is after the as-of date {as_of}; the cell counts as missing")
            }
        }
        ProblemKind::Range => {
            if zh {
                format!("`{v}` 是一个范围,不是一个数")
            } else {
                format!("`{v}` is a range, not one number")
            }
        }
        ProblemKind::Negative => {
            if zh {
                format!("`{v}` 是负数,按未填报处理")
            } else {
                format!("`{v}` is negative; the cell counts as missing")
            }
        }
        ProblemKind::MonthOnly => {
            if zh {
                format!("`{v}` 只有年月,按该月1日计")
            } else {
                format!("`{v}` gives a month without a day; read as the month's first day")
            }
        }
        other => format!("{other:?}"),
    }
}

/// [`Problem::help`] for a cell that does not read as its field's kind.
fn cell_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    let join = |v: &[String]| v.join(if zh { "、" } else { ", " });
    Some(match kind {
        ProblemKind::FutureDate { .. } => {
            if zh {
                "请核对日期,或用 --as-of 指定评定日期".to_string()
            } else {
                "check the date, or set the as-of date with --as-of".to_string()
            }
        }
        ProblemKind::Range => {
            if zh {
                "请填写实际的数(如 2),不要填范围".to_string()
            } else {
                "fill in the actual number (such as 2), not a range".to_string()
            }
        }
        ProblemKind::Negative => {
            if zh {
                "数量和金额不能为负".to_string()
            } else {
                "counts and amounts cannot be negative".to_string()
            }
        }
        ProblemKind::MonthOnly => {
            if zh {
                "请填写完整日期,如 2025-11-20".to_string()
            } else {
                "fill in the whole date, such as 2025-11-20".to_string()
            }
        }
        ProblemKind::NotACount { units } => {
            let eg = units
                .first()
                .map(|u| format!(" 或 2{u}"))
                .unwrap_or_default();
            let eg_en = units
                .first()
                .map(|u| format!(" or 2{u}"))
                .unwrap_or_default();
            if zh {
                format!("应为非负整数,如 2{eg}")
            } else {
                format!("expected a whole number such as 2{eg_en}")
            }
        }
        ProblemKind::CountTooLarge { max } => {
            if zh {
                format!("应为 0 到 {max} 之间的整数")
            } else {
                format!("expected a whole number from 0 to {max}")
            }
        }
        ProblemKind::NotANumber { unit, units } => {
            if zh {
                format!("应为数字,单位{unit},可写 {}", join(units))
            } else {
                format!(
                    "expected a number in {unit}; units accepted: {}",
                    join(units)
                )
            }
        }
        ProblemKind::NotADate | ProblemKind::BareNumberDate => {
            if zh {
                "应为日期,如 2025-04-17、2025/4/17、2025.4.17 或 2025年4月17日".into()
            } else {
                "expected a date such as 2025-04-17, 2025/4/17, 2025.4.17 or 2025年4月17日".into()
            }
        }
        ProblemKind::NotHours => {
            if zh {
                "应为每周开放时间: 日期加时段,如 周一至周五 9:00-17:00、工作日 8:30-12:00,14:00-17:30(多个时段用 , 、 或 ; 分隔),或 每周40小时".into()
            } else {
                "expected weekly opening hours: days and times such as 周一至周五 9:00-17:00 or 工作日 8:30-12:00,14:00-17:30 (times separated by , 、 or ;), or a weekly total such as 每周40小时".into()
            }
        }
        ProblemKind::NotYesNo { yes, no } => {
            if zh {
                format!("应为 {yes} 或 {no}")
            } else {
                format!("expected {yes} or {no}")
            }
        }
        ProblemKind::NotAGrade => {
            if zh {
                "应为 一级…四级、1…4 或 1级…4级".into()
            } else {
                "expected 一级…四级, 1…4 or 1级…4级".into()
            }
        }
        ProblemKind::UnknownValue {
            allowed,
            suggestion,
        }
        | ProblemKind::UnknownItem {
            known: allowed,
            suggestion,
        } => {
            let mut s = if zh {
                format!("可用取值: {}", join(allowed))
            } else {
                format!("known values: {}", join(allowed))
            };
            if let Some(sug) = suggestion {
                s = if zh {
                    format!("是否想写 `{sug}`?{s}")
                } else {
                    format!("did you mean `{sug}`? {s}")
                };
            }
            s
        }
        ProblemKind::Refused { hint } => hint.get(lang).to_string(),
        _ => return None,
    })
}

/// [`Problem::message`] for ids and reference types.
fn identity_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::IdLostDigits => {
            if zh {
                format!(
                    "网点编号 `{v}` 在 Excel 中存成了数字,Excel 只保留 15 位有效数字,编号的其余位数已丢失"
                )
            } else {
                format!(
                    "outlet id `{v}` is stored in Excel as a number, which keeps only 15 significant digits; the rest of the id is lost"
                )
            }
        }
        ProblemKind::DuplicateId { first_row } => {
            if zh {
                format!("网点编号 `{v}` 与第{first_row}行重复,该行未参与评定")
            } else {
                format!("outlet id `{v}` repeats row {first_row}; this row is not graded")
            }
        }
        ProblemKind::NoReference { default } => {
            if zh {
                format!("共建网点未填参照类型,按默认「{default}」评定")
            } else {
                format!("partner outlet names no reference type; graded as the default `{default}`")
            }
        }
        ProblemKind::BadReference { default, .. } => {
            if zh {
                format!("参照类型 `{v}` 不可用,按默认「{default}」评定")
            } else {
                format!("reference type `{v}` is not allowed; graded as the default `{default}`")
            }
        }
        other => format!("{other:?}"),
    }
}

/// [`Problem::help`] for ids and reference types.
fn identity_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    let join = |v: &[String]| v.join(if zh { "、" } else { ", " });
    Some(match kind {
        ProblemKind::IdLostDigits => {
            if zh {
                "在 Excel 中将编号列设为文本格式,再重新录入完整编号".into()
            } else {
                "format the id column as text in Excel and enter the whole ids again".into()
            }
        }
        ProblemKind::BadReference { allowed, .. } => {
            if zh {
                format!("可用取值: {}", join(allowed))
            } else {
                format!("allowed: {}", join(allowed))
            }
        }
        _ => return None,
    })
}

/// [`Problem::message`] for division codes.
fn code_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::BadCode { digits } => {
            if zh {
                format!("`{v}` 不是{digits}位数字代码")
            } else {
                format!("`{v}` is not a {digits}-digit code")
            }
        }
        ProblemKind::ScientificCode { .. } => {
            if zh {
                format!("`{v}` 是被 Excel 转成科学计数法的代码,原值已无法恢复")
            } else {
                format!(
                    "`{v}` is a code that Excel turned into scientific notation; the original digits are lost"
                )
            }
        }
        ProblemKind::CodeContradictsType {
            code_says,
            outlet_type,
        } => {
            let t = outlet_type.get(lang);
            if code_says.is_empty() {
                return if zh {
                    format!("行政区划代码 `{v}` 不在任何网点类型的代码范围内,与网点类型「{t}」不符")
                } else {
                    format!(
                        "division code `{v}` is in the ranges of no outlet type, so not of the outlet's type `{t}`"
                    )
                };
            }
            let says: Vec<&str> = code_says.iter().map(|t| t.get(lang)).collect();
            let says = says.join(lang.pick("或", " or "));
            if zh {
                format!("行政区划代码 `{v}` 表示{says},与网点类型「{t}」不符")
            } else {
                format!("division code `{v}` is that of {says}, not of the outlet's type `{t}`")
            }
        }
        ProblemKind::CodeContradictsRegion {
            region,
            name,
            prefix,
            majority,
            total,
        } => {
            let r = region.get(lang);
            match majority.as_slice() {
                [(most, count)] => {
                    if zh {
                        format!(
                            "行政区划代码 `{v}` 的前缀 `{prefix}` 与同属{r}「{name}」的多数网点不符:{total}个网点中{count}个的前缀为 `{most}`"
                        )
                    } else {
                        format!(
                            "division code `{v}` has the prefix `{prefix}`, while {count} of the {total} outlets of {r} `{name}` share the prefix `{most}`"
                        )
                    }
                }
                tied => {
                    let each = tied.first().map_or(0, |(_, c)| *c);
                    let names: Vec<String> = tied.iter().map(|(p, _)| format!("`{p}`")).collect();
                    if zh {
                        format!(
                            "行政区划代码 `{v}` 的前缀为 `{prefix}`;{r}「{name}」的{total}个网点中没有多数前缀:{}各有{each}个",
                            names.join("、")
                        )
                    } else {
                        format!(
                            "division code `{v}` has the prefix `{prefix}`; no prefix is shared by most of the {total} outlets of {r} `{name}`: {} have {each} each",
                            names.join(" and ")
                        )
                    }
                }
            }
        }
        ProblemKind::CodeContradictsRegionMore {
            region,
            name,
            prefix,
            more,
        } => {
            let r = region.get(lang);
            if zh {
                format!(
                    "{r}「{name}」另有{more}个网点的行政区划代码前缀为 `{prefix}`,同样与多数不符,未逐行列出"
                )
            } else {
                format!(
                    "{more} more outlets of {r} `{name}` have division codes with the prefix `{prefix}`, also not the majority's; they are not listed one by one"
                )
            }
        }
        ProblemKind::DivisionNotListed { list } => {
            if zh {
                format!("行政区划代码 `{v}` 不在区划代码表 `{list}` 中")
            } else {
                format!("division code `{v}` is not in the division list `{list}`")
            }
        }
        ProblemKind::DivisionWrongLevel {
            level,
            expected,
            official,
            outlet_type,
        } => {
            let unit = match (official, zh) {
                (Some(name), true) => format!("{}单位「{name}」", level.name(lang)),
                (Some(name), false) => format!("the {} unit `{name}`", level.name(lang)),
                (None, true) => format!("{}单位", level.name(lang)),
                (None, false) => format!("a {} unit", level.name(lang)),
            };
            let outlet_type = outlet_type.get(lang);
            let expected = expected.name(lang);
            if zh {
                format!(
                    "行政区划代码 `{v}` 在区划代码表中是{unit}的代码,网点类型「{outlet_type}」应填{expected}代码"
                )
            } else {
                format!(
                    "division code `{v}` is that of {unit} in the division list; an outlet of type `{outlet_type}` needs a {expected} code"
                )
            }
        }
        ProblemKind::DivisionNameDiffers { code, official } => {
            if zh {
                format!("`{v}` 与区划代码表中 `{code}` 的名称「{official}」不符")
            } else {
                format!(
                    "`{v}` differs from `{official}`, the official name of `{code}` in the division list"
                )
            }
        }
        other => format!("{other:?}"),
    }
}

/// [`Problem::help`] for division codes.
fn code_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match kind {
        ProblemKind::BadCode { digits } | ProblemKind::ScientificCode { digits } => {
            if zh {
                format!("应为{digits}位数字;在 Excel 中请将该列设为文本格式")
            } else {
                format!("expected {digits} digits; format the column as text in Excel")
            }
        }
        ProblemKind::DivisionNotListed { .. } => {
            if zh {
                "请核对代码,以及区划代码表的年份".into()
            } else {
                "check the code, and the year of the division list".into()
            }
        }
        ProblemKind::DivisionNameDiffers { official, .. } => {
            if zh {
                format!("应为「{official}」")
            } else {
                format!("expected `{official}`")
            }
        }
        _ => return None,
    })
}

/// [`Problem::message`] for waivers.
fn waiver_message(kind: &ProblemKind, v: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        ProblemKind::WaiverUnknownRule { .. } => {
            if zh {
                format!("豁免的规则 `{v}` 不存在,已忽略")
            } else {
                format!("waiver for unknown rule `{v}`; ignored")
            }
        }
        ProblemKind::WaiverUnknownOutlet => {
            if zh {
                format!("豁免的网点 `{v}` 不在清单中,已忽略")
            } else {
                format!("waiver for outlet `{v}`, which the inventory does not have; ignored")
            }
        }
        ProblemKind::WaiverExpired { expires } => {
            if zh {
                format!("规则 `{v}` 的豁免已于 {expires} 到期,未予适用")
            } else {
                format!("the waiver of `{v}` expired on {expires}; not applied")
            }
        }
        other => format!("{other:?}"),
    }
}

/// [`Problem::help`] for waivers.
fn waiver_help(kind: &ProblemKind, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match kind {
        ProblemKind::WaiverUnknownRule {
            suggestion: Some(s),
        } => {
            if zh {
                format!("是否想写 `{s}`?")
            } else {
                format!("did you mean `{s}`?")
            }
        }
        _ => return None,
    })
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
