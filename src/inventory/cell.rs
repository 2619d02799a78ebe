//! Reading one cell into a typed value, by the kind of its field and the rulebook's spellings.
//!
//! A cell that cannot be read is never guessed at: it becomes [`Value::Missing`] and a
//! [`ProblemKind`] says why.

use std::borrow::Cow;

use jiff::civil::Date;

use crate::problem::ProblemKind;
use crate::rulebook::{FieldKind, Rulebook};
use crate::text::trim;

use super::kind;
pub(crate) use super::kind::code::is_code;
pub use super::kind::count::{MAX_COUNT, parse_count};
pub use super::kind::date::{parse_date, parse_full_date};
pub use super::kind::grade::parse_grade;
pub use super::kind::list::Separators;
pub use super::kind::number::parse_number;

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

/// A cell as the reader found it, before typing. A CSV cell borrows its text from the record it
/// was read from; other readers own theirs.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// A native list (YAML).
    List(Vec<String>),
    /// The reader could not make text of it (boxed: it is rare, and keeps every cell small).
    Bad(Box<ProblemKind>),
}

impl Cell<'_> {
    /// The cell as it reads, for messages and pass-through columns.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty | Cell::Bad(_) => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::List(items) => items.join("、"),
        }
    }

    /// Owned text.
    pub fn text(s: impl Into<String>) -> Cell<'static> {
        Cell::Text(Cow::Owned(s.into()))
    }

    /// The cell, owning its text.
    pub fn into_owned(self) -> Cell<'static> {
        match self {
            Cell::Empty => Cell::Empty,
            Cell::Text(s) => Cell::Text(Cow::Owned(s.into_owned())),
            Cell::List(items) => Cell::List(items),
            Cell::Bad(kind) => Cell::Bad(kind),
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
    pub(crate) fn ok(value: Value) -> Self {
        Parsed {
            value,
            problems: Vec::new(),
        }
    }

    pub(crate) fn bad(kind: ProblemKind, raw: &str) -> Self {
        Parsed {
            value: Value::Missing,
            problems: vec![(kind, raw.to_string())],
        }
    }
}

/// Reads a cell of a field of `kind`.
pub fn parse(book: &Rulebook, kind: &FieldKind, cell: &Cell) -> Parsed {
    parse_with(book, &Separators::new(&book.list_separators), kind, cell)
}

/// [`parse`], with the rulebook's list separators made ready.
pub fn parse_with(
    book: &Rulebook,
    separators: &Separators,
    kind: &FieldKind,
    cell: &Cell,
) -> Parsed {
    let text = match cell {
        Cell::Empty => return Parsed::ok(Value::Missing),
        Cell::Bad(kind) => return Parsed::bad((**kind).clone(), ""),
        Cell::List(items) => {
            if let Some(parsed) = kind::parse_items(book, kind, items) {
                return parsed;
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
    let parsed = kind::parse_text(book, separators, kind, text);
    let failed = parsed.value.is_missing() && !parsed.problems.is_empty();
    if failed {
        // Only a cell that does not read as written is looked at again (DOMAIN "Reading real
        // inventories", Cells): the national path never comes here.
        if let Some(rescued) = rescue(book, separators, kind, text) {
            return rescued;
        }
    } else if let Value::Number(n) = parsed.value
        && n < 0.0
    {
        return Parsed::bad(ProblemKind::Negative, text);
    }
    parsed
}

/// A cell that did not read as written, read as counties write it: a word or mark for none,
/// full-width digits and punctuation, then as the kind reads such cells ([`kind::rescue`]: a
/// count in Chinese numerals, an eight-digit or month-only date; or refused more precisely: a
/// range, a negative number). `None` leaves the first reading's problem standing.
#[inline(never)]
fn rescue(
    book: &Rulebook,
    separators: &Separators,
    kind: &FieldKind,
    text: &str,
) -> Option<Parsed> {
    let none = spelled(&book.none, text);
    let mark = spelled(&book.blank_marks, text);
    if none || mark {
        return Some(Parsed::ok(kind::none_value(kind, none)));
    }
    if let Some(folded) = half_width(text) {
        let folded = trim(&folded);
        if folded.is_empty() {
            return Some(Parsed::ok(Value::Missing));
        }
        let again = kind::parse_text(book, separators, kind, folded);
        if again.problems.is_empty() || !again.value.is_missing() {
            if let Value::Number(n) = again.value
                && n < 0.0
            {
                return Some(Parsed::bad(ProblemKind::Negative, text));
            }
            return Some(again);
        }
        return rescue(book, separators, kind, folded).map(|mut p| {
            // The problem quotes the cell as written.
            for (_, raw) in &mut p.problems {
                *raw = text.to_string();
            }
            p
        });
    }
    kind::rescue(kind, text)
}

/// The text in Unicode's compatibility form (NFKC, as headers are folded: `text::fold_header`),
/// which reads full-width digits and punctuation as half-width (`３` → `3`, `２０２５－１１－２０` →
/// `2025-11-20`); `None` when that changes nothing. Only cells that did not read are folded.
pub(crate) fn half_width(text: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    if text.is_ascii() {
        return None;
    }
    let folded: String = text.nfkc().collect();
    (folded != text).then_some(folded)
}

/// Whether a number part is a range (`2-3`, `2—3`, `2~3`, `2至3`): two numbers and a dash, tilde
/// or 至/到 between them.
pub(crate) fn is_range(number: &str) -> bool {
    let Some(i) = number.find(['-', '—', '–', '~', '～', '至', '到']) else {
        return false;
    };
    let (left, right) = number.split_at(i);
    let right = right
        .trim_start_matches(['-', '—', '–', '~', '～', '至', '到'])
        .trim();
    let left = left.trim();
    // Either side may carry a unit of its own (2人-3人 has been seen), but nothing else: `1E-3`
    // is no range.
    let leading_number = |s: &str| {
        let digits = s.trim_end_matches(|c: char| !c.is_ascii());
        !digits.is_empty() && parse_decimal(digits).is_some()
    };
    leading_number(left) && leading_number(right)
}

/// Whether two spellings are the same, Latin letters in any case (`eq_ignore_ascii_case`, with
/// the common equal bytes compared once).
#[inline]
pub(crate) fn same_spelling(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || x.eq_ignore_ascii_case(y))
}

/// Whether `text` is one of `spellings` (stored lower-cased; Latin letters match in any case).
pub(crate) fn spelled(spellings: &[String], text: &str) -> bool {
    let text = text.as_bytes();
    spellings.iter().any(|s| same_spelling(s.as_bytes(), text))
}

/// Whether a cell is a bare number, with no unit (`5000`, `1,200.5`): the number a header's
/// unit applies to.
pub(super) fn is_bare_number(text: &str) -> bool {
    parse_decimal(trim(text)).is_some()
}

/// Strips one of `units` (longest first) from the end; returns the number part and the unit's factor.
pub(crate) fn strip_unit<'a>(
    text: &'a str,
    units: impl Iterator<Item = (&'a str, f64)>,
) -> (&'a str, f64) {
    let mut best: Option<(&str, f64, usize)> = None;
    let last = text.as_bytes().last();
    for (u, f) in units {
        if u.as_bytes().last() != last {
            continue;
        }
        if let Some(rest) = text.strip_suffix(u)
            && best.is_none_or(|(_, _, len)| u.len() > len)
        {
            best = Some((rest, f, u.len()));
        }
    }
    match best {
        Some((rest, f, _)) => (trim(rest), f),
        None => (text, 1.0),
    }
}

/// A decimal number, with optional thousands separators in groups of three (`12,345.5`).
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    if let Some(n) = plain_decimal(text.as_bytes()) {
        return Some(n);
    }
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

/// Exact powers of ten, for [`plain_decimal`].
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The common decimal, digits with an optional fraction (`276`, `12.5`) and at most 15 digits in
/// all, without the general parser. Its digits as a whole number and the power of ten to divide by
/// are both exact in an `f64`, so the one division rounds exactly as parsing the text would.
pub(crate) fn plain_decimal(b: &[u8]) -> Option<f64> {
    let (mut mantissa, mut digits, mut point) = (0u64, 0usize, None);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 15 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
            }
            b'.' if point.is_none() && i > 0 => point = Some(i),
            _ => return None,
        }
    }
    let scale = match point {
        Some(p) if p + 1 == b.len() => return None,
        Some(p) => b.len() - p - 1,
        None => 0,
    };
    if digits == 0 || digits > 15 {
        return None;
    }
    // At most 15 digits: below 2^53, exact.
    #[allow(clippy::cast_precision_loss)]
    let n = mantissa as f64;
    Some(n / POWERS_OF_TEN[scale])
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]
mod tests {
    use super::*;
    use crate::inventory::kind::code::parse_code;
    use crate::inventory::kind::date::parse_date_spelled;
    use crate::inventory::kind::list::Split;

    fn date(y: i16, m: i8, d: i8) -> Option<Date> {
        Date::new(y, m, d).ok()
    }

    fn book() -> Rulebook {
        Rulebook::builtin().expect("the built-in rulebook")
    }

    /// A cell of the built-in field `key`, read: its value and the kinds of its problems.
    fn read(key: &str, text: &str) -> (Value, Vec<ProblemKind>) {
        let b = book();
        let f = b.field_by_key(key).expect("field");
        let p = parse(&b, &b.fields[f].kind, &Cell::text(text));
        (p.value, p.problems.into_iter().map(|(k, _)| k).collect())
    }

    #[test]
    fn full_width_cells_read_as_half_width() {
        assert_eq!(read("windows", "３"), (Value::Number(3.0), vec![]));
        assert_eq!(read("windows", "２人"), (Value::Number(2.0), vec![]));
        assert_eq!(
            read("info_updated", "２０２５－１１－２０"),
            (Value::Date(date(2025, 11, 20).expect("date")), vec![])
        );
        assert_eq!(read("claimed_grade", "２级"), (Value::Grade(2), vec![]));
        assert_eq!(read("funds", "５．５万元"), (Value::Number(5.5), vec![]));
    }

    #[test]
    fn counts_in_chinese_numerals() {
        for (text, n) in [
            ("两人", 2.0),
            ("三台", 3.0),
            ("十", 10.0),
            ("十二", 12.0),
            ("二十", 20.0),
            ("一百零五", 105.0),
        ] {
            assert_eq!(
                read("full_time_staff", text),
                (Value::Number(n), vec![]),
                "{text}"
            );
        }
        assert!(read("full_time_staff", "若干").0.is_missing());
    }

    #[test]
    fn none_words_and_dashes_by_the_kind_of_cell() {
        // DOMAIN "Reading real inventories": the table of words and marks for none.
        for mark in ["无", "没有", "/", "—", "－", "-"] {
            assert_eq!(
                read("windows", mark),
                (Value::Number(0.0), vec![]),
                "count {mark}"
            );
            assert_eq!(
                read("funds", mark),
                (Value::Number(0.0), vec![]),
                "amount {mark}"
            );
            assert_eq!(
                read("services", mark),
                (Value::List(vec![]), vec![]),
                "list {mark}"
            );
            assert_eq!(
                read("info_updated", mark),
                (Value::Missing, vec![]),
                "date {mark}"
            );
            assert_eq!(
                read("claimed_grade", mark),
                (Value::Missing, vec![]),
                "grade {mark}"
            );
            assert_eq!(read("management_system", mark).1, vec![], "enum {mark}");
        }
        for word in ["无", "没有"] {
            assert_eq!(read("info_board", word), (Value::Bool(false), vec![]));
        }
        for mark in ["/", "—", "－", "-"] {
            assert_eq!(
                read("info_board", mark),
                (Value::Missing, vec![]),
                "yes/no {mark}"
            );
        }
        // 无 is an entry of the service-space vocabulary: the vocabulary wins.
        assert!(matches!(read("service_space", "无").0, Value::Item(_)));
    }

    #[test]
    fn the_new_yes_and_no_words() {
        for yes in ["已接入", "已配备", "已建立", "具备"] {
            assert_eq!(read("business_system", yes).0, Value::Bool(true), "{yes}");
        }
        for no in ["未接入", "未配备", "暂无", "不具备"] {
            assert_eq!(read("business_system", no).0, Value::Bool(false), "{no}");
        }
    }

    #[test]
    fn line_breaks_separate_list_items() {
        let (one, _) = read("services", "就业信息查询\n信息宣传");
        let (two, _) = read("services", "就业信息查询、信息宣传");
        assert_eq!(one, two);
        let (crlf, _) = read("services", "就业信息查询\r\n信息宣传");
        assert_eq!(crlf, two);
        assert!(matches!(&two, Value::List(items) if items.len() == 2));
    }

    #[test]
    fn eight_digit_and_month_only_dates() {
        assert_eq!(
            read("info_updated", "20251120"),
            (Value::Date(date(2025, 11, 20).expect("date")), vec![])
        );
        // Not a valid date: still a bare number.
        assert_eq!(
            read("info_updated", "20251340").1,
            vec![ProblemKind::BareNumberDate]
        );
        // An Excel serial stays a bare number, never a date.
        assert_eq!(
            read("info_updated", "45981").1,
            vec![ProblemKind::BareNumberDate]
        );
        for month in ["2025年11月", "2025-11", "2025/11", "2025.11"] {
            assert_eq!(
                read("info_updated", month),
                (
                    Value::Date(date(2025, 11, 1).expect("date")),
                    vec![ProblemKind::MonthOnly]
                ),
                "{month}"
            );
        }
    }

    #[test]
    fn ranges_and_negative_numbers_are_refused() {
        for range in ["2—3名", "2-3人", "2~3", "2至3人"] {
            assert_eq!(
                read("full_time_staff", range),
                (Value::Missing, vec![ProblemKind::Range]),
                "{range}"
            );
        }
        assert_eq!(read("funds", "1-2万元").1, vec![ProblemKind::Range]);
        assert_eq!(
            read("full_time_staff", "-1"),
            (Value::Missing, vec![ProblemKind::Negative])
        );
        assert_eq!(
            read("funds", "-1"),
            (Value::Missing, vec![ProblemKind::Negative])
        );
        assert_eq!(
            read("funds", "-1万元"),
            (Value::Missing, vec![ProblemKind::Negative])
        );
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

    /// Spellings around the common shapes: digits of every length, every separator, times.
    fn date_like() -> Vec<String> {
        let parts = [
            "", "0", "1", "4", "12", "13", "31", "017", "2025", "99999", "a",
        ];
        let seps = ["-", "/", ".", "年", "月", " "];
        let mut out = Vec::new();
        for y in ["2025", "1999", "0000", "202", "20255", "２０２５"] {
            for s1 in seps {
                for m in parts {
                    for s2 in seps {
                        for d in parts {
                            for tail in ["", " 0:00", "T10", "日", "x", "/1"] {
                                out.push(format!("{y}{s1}{m}{s2}{d}{tail}"));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_quick_date_path_agrees_with_the_spelled_one() {
        for s in date_like() {
            let t = trim(&s);
            assert_eq!(parse_date(&s), parse_date_spelled(t), "{s:?}");
        }
    }

    #[test]
    fn the_quick_decimal_path_agrees_with_the_parser() {
        let mut texts = vec![
            "0".to_string(),
            "00".into(),
            "0.0".into(),
            "-0".into(),
            ".5".into(),
            "5.".into(),
            "1.2.3".into(),
            "999999999999999".into(),
            "9999999999999999".into(),
            "0.000000000000001".into(),
            "123456789.123456".into(),
            "12345678.1234567".into(),
        ];
        for int in [
            "0",
            "1",
            "7",
            "10",
            "276",
            "3000",
            "12345",
            "98765432",
            "9007199254",
        ] {
            for frac in [
                "", ".0", ".1", ".5", ".25", ".333", ".07", ".123456", ".9999999",
            ] {
                texts.push(format!("{int}{frac}"));
            }
        }
        for t in texts {
            if let Some(n) = plain_decimal(t.as_bytes()) {
                assert_eq!(
                    Some(n.to_bits()),
                    t.parse::<f64>().ok().map(f64::to_bits),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn list_splitting_agrees_with_str_split() {
        // Separators whose first bytes are ASCII and at most two lead bytes (looked for eight
        // bytes at a time), one that shares its first byte with other characters, and first
        // bytes of more kinds (looked for byte by byte).
        let sets: [&[char]; 5] = [
            &[';', '；', '、', ',', '，', '|'],
            &['、'],
            &['、', ','],
            &['ぁ', '😀', '｜'],
            &[';', '；', '、', ',', '，', '|', '/', '。', 'ä'],
        ];
        let texts = [
            "",
            "a",
            "、",
            "职业指导、岗位推荐，供需匹配;培训报名|就业援助；一对一",
            "、、a、",
            "中文,english ,  空格 ",
            "ａ｜b",
            "😀、😀",
            "ぁ、ぃ。a/b|c；dä",
            "、ぁ",
            "末尾、",
            "😀",
            "x😀",
        ];
        // Pieces joined every way, so that separators and look-alikes fall at every place in a
        // word of eight bytes.
        let pieces = ["、", "ぁ", "a", "中文", "；", "｜", ",", "😀", " ", "ä"];
        let mut joined: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    joined.push(format!("{a}{b}{c}{a}{c}{b}{a}x{b}{c}"));
                }
            }
        }
        for separators in sets {
            let ready = Separators::new(separators);
            for text in joined.iter().map(String::as_str) {
                let ours: Vec<&str> = Split::new(text, &ready).collect();
                let std: Vec<&str> = text.split(|c| separators.contains(&c)).collect();
                assert_eq!(ours, std, "{text:?} on {separators:?}");
            }
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
        // More digits than the fast path takes (a fuzzer's find: 20 digits overflowed it).
        let long = "1".repeat(20);
        assert_eq!(parse_count(&long, &units), long.parse().ok());
        assert_eq!(
            parse_count(&"9".repeat(400), &units),
            None,
            "beyond f64: not a count"
        );
        assert_eq!(
            parse_decimal(&"12".repeat(10)),
            "12".repeat(10).parse().ok()
        );
        assert_eq!(parse_count("1,2", &units), None);
    }

    #[test]
    fn a_count_above_the_bound_is_an_error_however_it_is_spelled() {
        let book = Rulebook::builtin().unwrap_or_else(|e| panic!("{e}"));
        let kind = FieldKind::Count {
            units: vec!["人".to_string()],
        };
        let read = |text: &str| parse(&book, &kind, &Cell::text(text));
        for fine in ["0", "100000", "100,000人", "3"] {
            let parsed = read(fine);
            assert!(parsed.problems.is_empty(), "{fine}: {:?}", parsed.problems);
        }
        let too_large = ProblemKind::CountTooLarge { max: MAX_COUNT };
        // Twenty nines as CSV gives them, as a workbook shows them, and others.
        for bad in [
            "99999999999999999999",
            "1E20",
            "1E+20",
            "100001",
            "1,000,000人",
            &"9".repeat(400),
        ] {
            let parsed = read(bad);
            assert_eq!(parsed.value, Value::Missing, "{bad}");
            assert_eq!(parsed.problems, [(too_large.clone(), bad.to_string())]);
        }
        // Not counts at all stay what they were; a negative count is its own error.
        assert_eq!(
            read("-1").problems,
            [(ProblemKind::Negative, "-1".to_string())]
        );
        for other in ["若干", "2.5", "inf", "1E-3"] {
            let parsed = read(other);
            assert!(
                matches!(parsed.problems[..], [(ProblemKind::NotACount { .. }, _)]),
                "{other}: {:?}",
                parsed.problems
            );
        }
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
