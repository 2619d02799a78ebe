//! `kind: code` — a code of exactly so many digits (a division code), kept as text: its leading
//! zeros matter, and a code a spreadsheet turned into a number (`1.2E+11`) is refused.

use crate::inventory::cell::{Parsed, Value};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::Lang;

use super::{ColumnFormat, Kind, Reading, Separators};

pub(crate) struct Code {
    pub digits: usize,
}

impl Kind for Code {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        parse_code(text, self.digits)
    }

    fn reading(&self) -> Reading {
        Reading::Code(self.digits)
    }

    fn accepted(&self, _book: &Rulebook, lang: Lang) -> String {
        format!(
            "{}{}",
            self.digits,
            lang.pick(
                "位数字(请设为文本格式,保留前导零)",
                " digits (format as text; keep leading zeros)"
            )
        )
    }

    fn column(&self) -> (ColumnFormat, Option<usize>) {
        (ColumnFormat::Text, None)
    }
}

/// Whether `text` is a well-formed division code: exactly `digits` ASCII digits.
pub(crate) fn is_code(text: &str, digits: usize) -> bool {
    text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn parse_code(text: &str, digits: usize) -> Parsed {
    if is_code(text, digits) {
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
