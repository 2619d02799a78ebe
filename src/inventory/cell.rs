//! Reading one cell into a typed value, by the kind of its field and the rulebook's spellings.
//!
//! A cell that cannot be read is never guessed at: it becomes [`Value::Missing`] and a
//! [`ProblemKind`] says why.

use jiff::civil::Date;

use crate::problem::ProblemKind;
use crate::rulebook::{FieldKind, Rulebook};
use crate::suggest::did_you_mean;
use crate::text::trim;

/// A typed value of one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Blank, or unreadable (a data problem says why).
    Missing,
    Text(String),
    Bool(bool),
    /// A count or a number, in the field's unit.
    Number(f64),
    Date(Date),
    Grade(u8),
    /// An enum entry or an outlet type, by index.
    Item(u16),
    /// The vocabulary entries a list cell names, sorted, without repeats.
    List(Vec<u16>),
}

impl Value {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}

/// A cell as the reader found it, before typing.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A native list (YAML).
    List(Vec<String>),
    /// The reader could not make text of it.
    Bad(ProblemKind),
}

impl Cell {
    /// The cell as it reads, for messages and pass-through columns.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty | Cell::Bad(_) => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::List(items) => items.join("、"),
        }
    }
}

/// The outcome of reading one cell: a value, plus problems (an unknown list item is a warning
/// while the rest of the list still counts).
pub struct Parsed {
    pub value: Value,
    pub problems: Vec<(ProblemKind, String)>,
}

impl Parsed {
    fn ok(value: Value) -> Self {
        Parsed {
            value,
            problems: Vec::new(),
        }
    }

    fn bad(kind: ProblemKind, raw: &str) -> Self {
        Parsed {
            value: Value::Missing,
            problems: vec![(kind, raw.to_string())],
        }
    }
}

/// Reads a cell of a field of `kind`.
pub fn parse(book: &Rulebook, kind: &FieldKind, cell: &Cell) -> Parsed {
    let text = match cell {
        Cell::Empty => return Parsed::ok(Value::Missing),
        Cell::Bad(kind) => return Parsed::bad(kind.clone(), ""),
        Cell::List(items) => {
            if let FieldKind::List { vocabulary } = kind {
                return parse_list(book, *vocabulary, items.iter().map(String::as_str));
            }
            return Parsed::bad(
                ProblemKind::Shape {
                    expected: "a single value",
                },
                &cell.display(),
            );
        }
        Cell::Text(s) => trim(s),
    };
    if text.is_empty() {
        return Parsed::ok(Value::Missing);
    }
    match kind {
        FieldKind::Text => Parsed::ok(Value::Text(text.to_string())),
        FieldKind::Code { digits } => parse_code(text, *digits),
        FieldKind::Type => match book.find_type(text) {
            Some(t) => Parsed::ok(Value::Item(t as u16)),
            None => {
                let names: Vec<&str> = book.types.iter().map(|t| t.name.zh.as_str()).collect();
                Parsed::bad(
                    ProblemKind::UnknownValue {
                        allowed: names.iter().map(|s| s.to_string()).collect(),
                        suggestion: did_you_mean(text, names.iter().copied()).map(str::to_string),
                    },
                    text,
                )
            }
        },
        FieldKind::Grade => match parse_grade(text) {
            Some(g) => Parsed::ok(Value::Grade(g)),
            None => Parsed::bad(ProblemKind::NotAGrade, text),
        },
        FieldKind::YesNo => {
            // The spellings are stored lower-cased; Latin letters match in any case.
            let is = |spellings: &[String]| spellings.iter().any(|s| s.eq_ignore_ascii_case(text));
            if is(&book.yes) {
                Parsed::ok(Value::Bool(true))
            } else if is(&book.no) {
                Parsed::ok(Value::Bool(false))
            } else {
                Parsed::bad(
                    ProblemKind::NotYesNo {
                        yes: book.yes.first().cloned().unwrap_or_default(),
                        no: book.no.first().cloned().unwrap_or_default(),
                    },
                    text,
                )
            }
        }
        FieldKind::Count { units } => match parse_count(text, units) {
            Some(n) => Parsed::ok(Value::Number(n)),
            None => Parsed::bad(
                ProblemKind::NotACount {
                    units: units.clone(),
                },
                text,
            ),
        },
        FieldKind::Number { unit, units } => match parse_number(text, units) {
            Some(n) => Parsed::ok(Value::Number(n)),
            None => Parsed::bad(
                ProblemKind::NotANumber {
                    unit: unit.clone(),
                    units: units.iter().map(|(u, _)| u.clone()).collect(),
                },
                text,
            ),
        },
        FieldKind::Date => match parse_date(text) {
            Some(d) => Parsed::ok(Value::Date(d)),
            None if text.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                Parsed::bad(ProblemKind::BareNumberDate, text)
            }
            None => Parsed::bad(ProblemKind::NotADate, text),
        },
        FieldKind::Enum { vocabulary } => {
            let vocab = &book.vocabularies[*vocabulary];
            match vocab.find(text) {
                Some(i) => Parsed::ok(Value::Item(i)),
                None => {
                    let names: Vec<&str> =
                        vocab.entries.iter().map(|e| e.name.zh.as_str()).collect();
                    Parsed::bad(
                        ProblemKind::UnknownValue {
                            allowed: names.iter().map(|s| s.to_string()).collect(),
                            suggestion: did_you_mean(text, names.iter().copied())
                                .map(str::to_string),
                        },
                        text,
                    )
                }
            }
        }
        // 无 (or another spelling of no) in a list cell says the outlet has none of the items.
        FieldKind::List { .. } if book.no.iter().any(|n| n.eq_ignore_ascii_case(text)) => {
            Parsed::ok(Value::List(Vec::new()))
        }
        FieldKind::List { vocabulary } => parse_list(
            book,
            *vocabulary,
            text.split(|c| book.list_separators.contains(&c)),
        ),
    }
}

/// How many unknown items of one cell a warning names; the rest are counted.
const UNKNOWN_NAMED: usize = 10;

fn parse_list<'a>(
    book: &Rulebook,
    vocabulary: usize,
    items: impl Iterator<Item = &'a str>,
) -> Parsed {
    let vocab = &book.vocabularies[vocabulary];
    let mut found = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    let mut unknown_count = 0usize;
    for item in items.map(trim).filter(|s| !s.is_empty()) {
        match vocab.find(item) {
            Some(i) => found.push(i),
            None => {
                unknown_count += 1;
                if unknown.len() < UNKNOWN_NAMED && !unknown.contains(&item) {
                    unknown.push(item);
                }
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    // One warning per cell, however many unknown items it holds.
    let problems = if unknown.is_empty() {
        Vec::new()
    } else {
        let names: Vec<&str> = vocab.entries.iter().map(|e| e.name.zh.as_str()).collect();
        let mut value = unknown.join("、");
        if unknown_count > unknown.len() {
            value.push_str(&format!("…(+{})", unknown_count - unknown.len()));
        }
        vec![(
            ProblemKind::UnknownItem {
                known: names.iter().map(|s| s.to_string()).collect(),
                suggestion: did_you_mean(unknown[0], names.iter().copied()).map(str::to_string),
            },
            value,
        )]
    };
    Parsed {
        value: Value::List(found),
        problems,
    }
}

/// 一级…四级, 1…4, 1级…4级.
pub fn parse_grade(text: &str) -> Option<u8> {
    let t = trim(text);
    let t = t.strip_suffix('级').unwrap_or(t);
    match t {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(3),
        "4" | "四" => Some(4),
        _ => None,
    }
}

fn parse_code(text: &str, digits: usize) -> Parsed {
    if text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()) {
        return Parsed::ok(Value::Text(text.to_string()));
    }
    let lower = text.to_ascii_lowercase();
    let scientific = lower.split_once('e').is_some_and(|(mantissa, exp)| {
        !mantissa.is_empty()
            && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
            && exp
                .trim_start_matches('+')
                .chars()
                .all(|c| c.is_ascii_digit())
            && !exp.trim_start_matches('+').is_empty()
    });
    if scientific {
        Parsed::bad(ProblemKind::ScientificCode { digits }, text)
    } else {
        Parsed::bad(ProblemKind::BadCode { digits }, text)
    }
}

/// Strips one of `units` (longest first) from the end; returns the number part and the unit's factor.
fn strip_unit<'a>(text: &'a str, units: impl Iterator<Item = (&'a str, f64)>) -> (&'a str, f64) {
    let mut best: Option<(&str, f64, usize)> = None;
    for (u, f) in units {
        if let Some(rest) = text.strip_suffix(u) {
            if best.is_none_or(|(_, _, len)| u.len() > len) {
                best = Some((rest, f, u.len()));
            }
        }
    }
    match best {
        Some((rest, f, _)) => (trim(rest), f),
        None => (text, 1.0),
    }
}

/// A decimal number, with optional thousands separators in groups of three (`12,345.5`).
fn parse_decimal(text: &str) -> Option<f64> {
    let (int_part, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let unsigned = int_part.strip_prefix(['-', '+']).unwrap_or(int_part);
    // Digits, with thousands separators only between groups of three (`12,345`, never `1,2`).
    let (mut digits, mut group, mut separated) = (0usize, 0usize, false);
    for c in unsigned.chars() {
        match c {
            '0'..='9' => {
                digits += 1;
                group += 1;
            }
            ',' | '，' if group > 0 && group <= 3 && (!separated || group == 3) => {
                separated = true;
                group = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || (separated && group != 3) {
        return None;
    }
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    // What is left is a plain decimal: parse it as written, without the separators if any.
    let value = if separated {
        text.replace([',', '，'], "").parse::<f64>().ok()?
    } else {
        text.parse::<f64>().ok()?
    };
    value.is_finite().then_some(value)
}

/// A whole, non-negative number, optionally followed by a unit (`3人`, `2台`).
pub fn parse_count(text: &str, units: &[String]) -> Option<f64> {
    // The common case, a few plain digits, without the general parser.
    if !text.is_empty() && text.len() <= 9 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            text.bytes()
                .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
                .into(),
        );
    }
    let (number, _) = strip_unit(text, units.iter().map(|u| (u.as_str(), 1.0)));
    let n = parse_decimal(number)?;
    (n >= 0.0 && n.fract() == 0.0).then_some(n)
}

/// A number, optionally followed by a unit that converts it to the field's unit (`5000元` → 0.5).
pub fn parse_number(text: &str, units: &[(String, f64)]) -> Option<f64> {
    let (number, factor) = strip_unit(text, units.iter().map(|(u, f)| (u.as_str(), *f)));
    parse_decimal(number).map(|n| n * factor)
}

/// 2025-04-17, 2025/4/17, 2025.4.17, 2025年4月17日, optionally followed by a time of day.
pub fn parse_date(text: &str) -> Option<Date> {
    let t = trim(text);
    // A time of day after the date (as spreadsheets write `2025/4/17 0:00`) is dropped.
    let t = t.split_once([' ', 'T']).map_or(t, |(d, _)| d);
    let (y, m, d) = if let Some(rest) = t.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        (y, m, d)
    } else {
        let sep = ['-', '/', '.'].into_iter().find(|c| t.contains(*c))?;
        let mut parts = t.split(sep);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let num = |s: &str, max_len: usize| -> Option<i16> {
        let s = trim(s);
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if trim(y).len() != 4 {
        return None;
    }
    let year = num(y, 4)?;
    let month = num(m, 2)?;
    let day = num(d, 2)?;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i16, m: i8, d: i8) -> Option<Date> {
        Date::new(y, m, d).ok()
    }

    #[test]
    fn dates_in_every_spelling() {
        for s in [
            "2025-04-17",
            "2025/4/17",
            "2025.4.17",
            "2025年4月17日",
            " 2025/04/17 ",
            "2025/4/17 0:00",
        ] {
            assert_eq!(parse_date(s), date(2025, 4, 17), "{s}");
        }
        for s in [
            "45981",
            "2025/13/1",
            "2025-02-30",
            "17/4/2025",
            "2025年4月",
            "yesterday",
            "25/4/17",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn counts_with_units_and_separators() {
        let units = vec!["人".to_string(), "名".to_string()];
        assert_eq!(parse_count("3人", &units), Some(3.0));
        assert_eq!(parse_count("3 名", &units), Some(3.0));
        assert_eq!(parse_count("1,200", &units), Some(1200.0));
        assert_eq!(parse_count("0", &units), Some(0.0));
        assert_eq!(parse_count("两个", &units), None);
        assert_eq!(parse_count("2.5", &units), None);
        assert_eq!(parse_count("-1", &units), None);
        assert_eq!(parse_count("3台", &units), None);
        assert_eq!(parse_count("1,2", &units), None);
    }

    #[test]
    fn numbers_convert_units() {
        let units = vec![
            ("万元".to_string(), 1.0),
            ("万".to_string(), 1.0),
            ("元".to_string(), 0.0001),
        ];
        assert_eq!(parse_number("5.5万元", &units), Some(5.5));
        assert_eq!(parse_number("5000元", &units), Some(0.5));
        assert_eq!(parse_number("10万", &units), Some(10.0));
        assert_eq!(parse_number("12,000元", &units), Some(1.2));
        assert_eq!(parse_number("3", &units), Some(3.0));
        assert_eq!(parse_number("三万", &units), None);
        assert_eq!(parse_number("5美元", &units), None);
    }

    #[test]
    fn grades_in_every_spelling() {
        for (s, g) in [("一级", 1), ("2", 2), ("3级", 3), ("四级", 4), (" 1 ", 1)] {
            assert_eq!(parse_grade(s), Some(g), "{s}");
        }
        for s in ["五级", "0", "5", "A", "一级半"] {
            assert_eq!(parse_grade(s), None, "{s}");
        }
    }

    #[test]
    fn codes_keep_zeros_and_reject_scientific_notation() {
        assert_eq!(
            parse_code("011010100100", 12).value,
            Value::Text("011010100100".into())
        );
        let sci = parse_code("1.10101E+11", 12);
        assert_eq!(sci.value, Value::Missing);
        assert_eq!(
            sci.problems[0].0,
            ProblemKind::ScientificCode { digits: 12 }
        );
        assert_eq!(
            parse_code("11010110", 12).problems[0].0,
            ProblemKind::BadCode { digits: 12 }
        );
        assert_eq!(
            parse_code("11010110010A", 12).problems[0].0,
            ProblemKind::BadCode { digits: 12 }
        );
    }
}
