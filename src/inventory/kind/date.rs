//! `kind: date` — a date: 2025-04-17, 2025/4/17, 2025.4.17 or 2025年4月17日 (a time of day after
//! it is dropped); eight digits (20251120) read too, a month alone (2025年11月) as its first day
//! with a warning, and a bare number (an Excel serial that lost its format) is refused.

use jiff::civil::Date as CivilDate;

use crate::inventory::cell::{Parsed, Value, half_width};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::{Lang, trim};

use super::{ColumnFormat, Kind, Separators};

pub(crate) struct Date;

impl Kind for Date {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        match parse_date(text) {
            Some(d) => Parsed::ok(Value::Date(d)),
            None if text.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                Parsed::bad(ProblemKind::BareNumberDate, text)
            }
            None => Parsed::bad(ProblemKind::NotADate, text),
        }
    }

    fn rescue(&self, text: &str) -> Option<Parsed> {
        if let Some(d) = eight_digit_date(text) {
            return Some(Parsed::ok(Value::Date(d)));
        }
        month_only(text).map(|d| Parsed {
            value: Value::Date(d),
            problems: vec![(ProblemKind::MonthOnly, text.to_string())],
        })
    }

    fn accepted(&self, _book: &Rulebook, _lang: Lang) -> String {
        "2025-04-17, 2025/4/17, 2025年4月17日".into()
    }

    fn column(&self) -> (ColumnFormat, Option<usize>) {
        (ColumnFormat::Date, None)
    }
}

/// An eight-digit date, `20251120`, as text or as a number cell's digits; never an Excel serial.
fn eight_digit_date(text: &str) -> Option<CivilDate> {
    let b = text.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i16>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    if !(1900..=2199).contains(&y) {
        return None;
    }
    CivilDate::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// A month without a day (2025年11月, 2025-11, 2025/11, 2025.11): its first day.
fn month_only(text: &str) -> Option<CivilDate> {
    let t = text.strip_suffix('月').unwrap_or(text);
    let (y, m) = t
        .split_once('年')
        .or_else(|| t.split_once(['-', '/', '.']))?;
    let (y, m) = (trim(y), trim(m));
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if m.is_empty() || m.len() > 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    CivilDate::new(y.parse().ok()?, m.parse().ok()?, 1).ok()
}

/// 2025-04-17, 2025/4/17, 2025.4.17, 2025年4月17日, optionally followed by a time of day.
pub fn parse_date(text: &str) -> Option<CivilDate> {
    let t = trim(text);
    match plain_date(t.as_bytes()) {
        Some((y, m, d)) => CivilDate::new(y, m, d).ok(),
        None => parse_date_spelled(t),
    }
}

/// A full date in every spelling a date cell accepts without a problem: those of [`parse_date`],
/// eight digits (`20251130`), and any of them in full-width forms (`２０２５／１１／３０`); never a
/// month alone. For dates typed on the command line.
pub fn parse_full_date(text: &str) -> Option<CivilDate> {
    let t = trim(text);
    let read = |t: &str| parse_date(t).or_else(|| eight_digit_date(t));
    read(t).or_else(|| half_width(t).and_then(|folded| read(trim(&folded))))
}

/// [`parse_date`] of any spelling, of text already trimmed.
pub(crate) fn parse_date_spelled(t: &str) -> Option<CivilDate> {
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
    CivilDate::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// The common date, `2025-04-17`, `2025/4/17` or `2025.4.17` (one separator, twice), alone or
/// before a time of day, read without splitting: the year, month and day as [`parse_date`] would
/// read them. Any other spelling is left to it.
fn plain_date(b: &[u8]) -> Option<(i16, i8, i8)> {
    let digit = |i: usize| match b.get(i) {
        Some(c @ b'0'..=b'9') => Some(c - b'0'),
        _ => None,
    };
    let year = [digit(0)?, digit(1)?, digit(2)?, digit(3)?]
        .iter()
        .fold(0i16, |n, &d| n * 10 + i16::from(d));
    let sep = *b.get(4)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    // One or two digits, then the separator or the end.
    let part = |start: usize| -> Option<(i8, usize)> {
        let first = digit(start)?;
        match digit(start + 1) {
            Some(second) => Some((i8::try_from(first * 10 + second).ok()?, start + 2)),
            None => Some((i8::try_from(first).ok()?, start + 1)),
        }
    };
    let (month, i) = part(5)?;
    if b.get(i) != Some(&sep) {
        return None;
    }
    let (day, i) = part(i + 1)?;
    match b.get(i) {
        None | Some(b' ' | b'T') => Some((year, month, day)),
        _ => None,
    }
}
