//! `kind: count` — a whole, non-negative number up to [`MAX_COUNT`], optionally followed by one of
//! the field's units (`3人`, `2台`), or in Chinese numerals (两个, 十二); a word for none is 0.

use crate::inventory::cell::{Parsed, Value, is_range, parse_decimal, strip_unit};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::{Lang, fold_header};

use super::{Kind, Separators};

pub(crate) struct Count<'k> {
    pub units: &'k [String],
}

impl Kind for Count<'_> {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        let units = self.units;
        match parse_count(text, units) {
            Some(n) if n <= f64::from(MAX_COUNT) => Parsed::ok(Value::Number(n)),
            Some(_) => Parsed::bad(ProblemKind::CountTooLarge { max: MAX_COUNT }, text),
            None if count_too_large(text, units) => {
                Parsed::bad(ProblemKind::CountTooLarge { max: MAX_COUNT }, text)
            }
            None => Parsed::bad(
                ProblemKind::NotACount {
                    units: units.to_vec(),
                },
                text,
            ),
        }
    }

    fn rescue(&self, text: &str) -> Option<Parsed> {
        let (number, _) = strip_unit(text, self.units.iter().map(|u| (u.as_str(), 1.0)));
        if is_range(number) {
            return Some(Parsed::bad(ProblemKind::Range, text));
        }
        if number.starts_with('-') && parse_decimal(number).is_some() {
            return Some(Parsed::bad(ProblemKind::Negative, text));
        }
        chinese_count(number).map(|n| {
            if n <= f64::from(MAX_COUNT) {
                Parsed::ok(Value::Number(n))
            } else {
                Parsed::bad(ProblemKind::CountTooLarge { max: MAX_COUNT }, text)
            }
        })
    }

    fn none_value(&self, _none_word: bool) -> Value {
        Value::Number(0.0)
    }

    /// A count's units all count alike (factor 1).
    fn unit_factor(&self, folded_unit: &str) -> Option<f64> {
        self.units
            .iter()
            .any(|u| fold_header(u) == folded_unit)
            .then_some(1.0)
    }

    fn accepted(&self, _book: &Rulebook, lang: Lang) -> String {
        if self.units.is_empty() {
            return lang.pick("非负整数", "a whole number").into();
        }
        format!(
            "{}{}",
            lang.pick("非负整数,可带单位 ", "a whole number, optionally with "),
            self.units.join("/")
        )
    }

    fn whole_numbers(&self) -> bool {
        true
    }
}

/// The largest count any outlet can have (DOMAIN.md, "Reading real inventories": a count above
/// 100,000 is a data error). Checked on the value, so every reader bounds counts alike.
pub const MAX_COUNT: u32 = 100_000;

/// Whether a cell [`parse_count`] does not read is still a number above [`MAX_COUNT`]: too many
/// digits for an `f64`, or in the exponent notation a workbook's large number cell is shown in
/// (`1E20`), so that the same count is the same error from CSV, YAML and XLSX.
fn count_too_large(text: &str, units: &[String]) -> bool {
    let (number, _) = strip_unit(text, units.iter().map(|u| (u.as_str(), 1.0)));
    let number = number.replace([',', '，'], "");
    number.starts_with(|c: char| c.is_ascii_digit())
        && number
            .parse::<f64>()
            .is_ok_and(|n| n > f64::from(MAX_COUNT))
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

/// A count in Chinese numerals up to 十万 (两, 三, 十, 十二, 二十, 一百零五, 三千).
fn chinese_count(text: &str) -> Option<f64> {
    let digit = |c: char| match c {
        '零' | '〇' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let (mut total, mut pending, mut any) = (0u64, None::<u64>, false);
    for c in text.chars() {
        if let Some(d) = digit(c) {
            pending = Some(d);
        } else {
            let scale = match c {
                '十' => 10,
                '百' => 100,
                '千' => 1000,
                '万' => 10_000,
                _ => return None,
            };
            let n = pending.take().unwrap_or(1);
            if scale == 10_000 {
                total = (total + n) * scale;
            } else {
                total += n * scale;
            }
        }
        any = true;
    }
    total += pending.unwrap_or(0);
    // `f64::from(u32)`: counts stop at 100,000 anyway.
    any.then(|| u32::try_from(total).ok().map(f64::from))
        .flatten()
}
