//! `kind: hours` — weekly opening hours (a 开放时间 column), read as the hours a week the outlet is
//! open: a number, compared as counts and numbers are (`at_least: 40`).
//!
//! Accepted (spaces around the parts are free; full-width forms read as half-width):
//!
//! - a weekly total: `每周40小时`, `每周开放37.5小时` (0 to 168);
//! - a schedule: days, then one or more time ranges `H:MM-H:MM` separated by `,` `，` `、` `;` or
//!   `；` (the dash may also be `~` `～` `—` `至` `到`; the colon `：`). The days are `周一`…`周日`
//!   (or `星期一`…, `周天`), a range of them `周一至周五` (`到`, `-`, `~`; `周一至五`), `工作日`
//!   (Monday to Friday), `每天`/`每日` or `周末`. A new day group starts wherever days are named
//!   again: `周一至周五 9:00-17:00；周六 9:00-12:00` is 43 hours.
//!
//! Refused, with what is expected: a time without days (`9:00-17:00`), days without a time, a
//! range that ends before it starts (overnight hours are not read), times of one group that
//! overlap, a day named twice, a total above 168, and anything else (`全天`, `40`).

use crate::inventory::cell::{Parsed, Value, parse_decimal};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::{Lang, trim};

use super::{Kind, Separators};

pub(crate) struct Hours;

impl Kind for Hours {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        match parse_hours(text) {
            Some(h) => Parsed::ok(Value::Number(h)),
            None => Parsed::bad(ProblemKind::NotHours, text),
        }
    }

    /// A word for none (无) or a dash: not open, 0 hours (as a count or number reads them).
    fn none_value(&self, _none_word: bool) -> Value {
        Value::Number(0.0)
    }

    fn accepted(&self, _book: &Rulebook, lang: Lang) -> String {
        lang.pick(
            "每周开放时间,如 周一至周五 9:00-17:00、工作日 8:30-12:00,14:00-17:30 或 每周40小时(按每周小时数比较)",
            "weekly opening hours, such as 周一至周五 9:00-17:00, 工作日 8:30-12:00,14:00-17:30 or 每周40小时 (compared as hours a week)",
        )
        .into()
    }

    fn push_unit(&self, buf: &mut String, lang: Lang) {
        buf.push_str(lang.pick("小时/周", " h/week"));
    }
}

/// The most hours a week has.
const WEEK_HOURS: f64 = 168.0;

/// Weekly opening hours, as [the module](self) describes them; `None` for anything else.
pub fn parse_hours(text: &str) -> Option<f64> {
    let t = trim(text);
    if t.starts_with("每周") {
        return weekly_total(t);
    }
    schedule(t)
}

/// `每周40小时`, `每周开放37.5小时`.
fn weekly_total(t: &str) -> Option<f64> {
    let rest = trim(t.strip_prefix("每周")?);
    let rest = trim(rest.strip_prefix("开放").unwrap_or(rest));
    let number = trim(rest.strip_suffix("小时")?);
    let h = parse_decimal(number)?;
    (0.0..=WEEK_HOURS).contains(&h).then_some(h)
}

/// Day groups and their time ranges: `工作日 8:30-12:00,14:00-17:30`.
fn schedule(t: &str) -> Option<f64> {
    // The days of the group being read, the days of every group, its time ranges (minutes).
    let (mut days, mut seen) = (0u8, 0u8);
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut minutes = 0u32;
    for piece in t.split([',', '，', '、', ';', '；']) {
        let (named, rest) = days_prefix(trim(piece))?;
        if let Some(named) = named {
            if named & seen != 0 {
                return None;
            }
            minutes += group_minutes(days, &ranges);
            ranges.clear();
            (days, seen) = (named, seen | named);
        } else if days == 0 {
            return None;
        }
        let (start, end) = time_range(rest)?;
        if ranges.iter().any(|&(s, e)| start < e && s < end) {
            return None;
        }
        ranges.push((start, end));
    }
    minutes += group_minutes(days, &ranges);
    // At most seven days of 24 hours: never above a week.
    (days != 0).then(|| f64::from(minutes) / 60.0)
}

/// The minutes a week of a group: its time ranges on each of its days.
fn group_minutes(days: u8, ranges: &[(u32, u32)]) -> u32 {
    days.count_ones() * ranges.iter().map(|(s, e)| e - s).sum::<u32>()
}

/// The days a piece names at its start (a bit a day, Monday the lowest), if it names any, and
/// the rest; `None` for days that cannot be read (a range that runs backwards).
fn days_prefix(piece: &str) -> Option<(Option<u8>, &str)> {
    for (word, days) in [
        ("工作日", 0b001_1111),
        ("每天", 0b111_1111),
        ("每日", 0b111_1111),
        ("周末", 0b110_0000),
    ] {
        if let Some(rest) = piece.strip_prefix(word) {
            return Some((Some(days), rest));
        }
    }
    let Some((first, rest)) = weekday(piece) else {
        return Some((None, piece));
    };
    let to = trim(rest).strip_prefix(['至', '到', '-', '~', '～', '—', '–']);
    if let Some((last, rest)) = to.and_then(|to| weekday(trim(to)).or_else(|| day(trim(to)))) {
        if last < first {
            return None;
        }
        let span = (first..=last).fold(0u8, |days, d| days | 1 << d);
        return Some((Some(span), rest));
    }
    Some((Some(1 << first), rest))
}

/// `周一`…`周日`, `星期一`…: the day (0 = Monday) and the rest.
fn weekday(text: &str) -> Option<(u8, &str)> {
    let rest = text
        .strip_prefix('周')
        .or_else(|| text.strip_prefix("星期"))?;
    day(rest)
}

/// A day's numeral (`一`…`六`, `日`/`天`/`七`): the day (0 = Monday) and the rest.
fn day(text: &str) -> Option<(u8, &str)> {
    let c = text.chars().next()?;
    let d = match c {
        '一' => 0,
        '二' => 1,
        '三' => 2,
        '四' => 3,
        '五' => 4,
        '六' => 5,
        '日' | '天' | '七' => 6,
        _ => return None,
    };
    Some((d, &text[c.len_utf8()..]))
}

/// `9:00-17:00` (spaces allowed): its start and end in minutes after midnight; the end after
/// the start, and no later than 24:00.
fn time_range(text: &str) -> Option<(u32, u32)> {
    let t = trim(text);
    let (start, end) = t.split_once(['-', '~', '～', '—', '–', '至', '到'])?;
    let (start, end) = (time(trim(start))?, time(trim(end))?);
    (start < end).then_some((start, end))
}

/// `9:00`, `09:30`, `24:00` (the colon may be `：`): minutes after midnight.
fn time(text: &str) -> Option<u32> {
    let (h, m) = text.split_once([':', '：'])?;
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (h, m) = (digits(h, 1..=2)?, digits(m, 2..=2)?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]
mod tests {
    use super::*;
    use crate::inventory::cell::{Cell, parse};
    use crate::rulebook::FieldKind;

    #[test]
    fn schedules_read_as_hours_a_week() {
        for (text, hours) in [
            ("周一至周五 9:00-17:00", 40.0),
            ("工作日 8:30-12:00,14:00-17:30", 35.0),
            ("工作日 8:30-12:00、14:00-17:30", 35.0),
            ("工作日 8:30-12:00；14:00-17:30", 35.0),
            ("每天 9:00-17:00", 56.0),
            ("每日 8:00-12:00", 28.0),
            ("周末 9:00-12:00", 6.0),
            ("周六 9:00-12:00", 3.0),
            ("周一至周五 9:00-17:00；周六 9:00-12:00", 43.0),
            ("周一至周五 9:00-17:00,周六 9:00-12:00", 43.0),
            ("星期一到星期五 9:00~17:00", 40.0),
            ("周一-周五 09:00 - 17:00", 40.0),
            ("周一至五 9：00至17：00", 40.0),
            ("周一至周日 0:00-24:00", 168.0),
            ("  周一至周五9:00-17:00  ", 40.0),
        ] {
            assert_eq!(parse_hours(text), Some(hours), "{text}");
        }
    }

    #[test]
    fn a_weekly_total_reads_as_written() {
        assert_eq!(parse_hours("每周40小时"), Some(40.0));
        assert_eq!(parse_hours("每周开放40小时"), Some(40.0));
        assert_eq!(parse_hours("每周 37.5 小时"), Some(37.5));
        assert_eq!(parse_hours("每周0小时"), Some(0.0));
        assert_eq!(parse_hours("每周168小时"), Some(168.0));
        assert_eq!(parse_hours("每周169小时"), None);
        assert_eq!(parse_hours("每周-5小时"), None);
        assert_eq!(parse_hours("每周四十小时"), None);
        assert_eq!(parse_hours("每周40"), None);
    }

    #[test]
    fn everything_else_is_refused() {
        for text in [
            "9:00-17:00",                          // no days
            "周一至周五",                          // no time
            "周一至周五 ",                         // no time
            "周五至周一 9:00-17:00",               // a range backwards
            "周一至周五 17:00-9:00",               // overnight
            "周一至周五 9:00-9:00",                // empty
            "周一至周五 9:00-12:00,11:00-17:00",   // overlapping times
            "工作日 9:00-17:00；周一 18:00-20:00", // a day twice
            "周一至周五 9:00-25:00",               // no such hour
            "周一至周五 9:60-10:00",               // no such minute
            "周一至周五 24:30-24:45",              // after midnight
            "周一至周五 9-17",                     // no minutes
            "周一至周五 9:00-17:00,",              // an empty piece
            "周一至周五 上午9:00-12:00",           // words in the time
            "周八 9:00-17:00",                     // no such day
            "全天",
            "40",
            "40小时",
        ] {
            assert_eq!(parse_hours(text), None, "{text}");
        }
    }

    fn read(text: &str) -> (Value, Vec<ProblemKind>) {
        let book = Rulebook::builtin().expect("the built-in rulebook");
        let p = parse(&book, &FieldKind::Hours, &Cell::text(text));
        (p.value, p.problems.into_iter().map(|(k, _)| k).collect())
    }

    #[test]
    fn a_cell_of_hours_is_a_number_or_a_problem() {
        assert_eq!(read("周一至周五 9:00-17:00"), (Value::Number(40.0), vec![]));
        assert_eq!(read(""), (Value::Missing, vec![]));
        assert_eq!(read("无"), (Value::Number(0.0), vec![]));
        // Full-width digits read as half-width, as every cell's do.
        assert_eq!(
            read("周一至周五 ９:００-１７:００"),
            (Value::Number(40.0), vec![])
        );
        assert_eq!(
            read("周一至周五 全天"),
            (Value::Missing, vec![ProblemKind::NotHours])
        );
    }
}
