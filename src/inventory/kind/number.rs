//! `kind: number` — a number in the field's `unit`, optionally written in one of its `units` and
//! converted by that unit's factor (`5000元` → 0.5 万元); a range (2-3) is refused.

use crate::inventory::cell::{Parsed, Value, is_range, parse_decimal, strip_unit};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::{Lang, fold_header};

use super::{Kind, Separators};

pub(crate) struct Number<'k> {
    pub unit: &'k str,
    pub units: &'k [(String, f64)],
}

impl Kind for Number<'_> {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        match parse_number(text, self.units) {
            Some(n) => Parsed::ok(Value::Number(n)),
            None => Parsed::bad(
                ProblemKind::NotANumber {
                    unit: self.unit.to_string(),
                    units: self.units.iter().map(|(u, _)| u.clone()).collect(),
                },
                text,
            ),
        }
    }

    fn rescue(&self, text: &str) -> Option<Parsed> {
        let (number, _) = strip_unit(text, self.units.iter().map(|(u, f)| (u.as_str(), *f)));
        is_range(number).then(|| Parsed::bad(ProblemKind::Range, text))
    }

    fn none_value(&self, _none_word: bool) -> Value {
        Value::Number(0.0)
    }

    fn unit_factor(&self, folded_unit: &str) -> Option<f64> {
        if fold_header(self.unit) == folded_unit {
            return Some(1.0);
        }
        self.units
            .iter()
            .find(|(u, _)| fold_header(u) == folded_unit)
            .map(|(_, f)| *f)
    }

    fn accepted(&self, _book: &Rulebook, lang: Lang) -> String {
        let us: Vec<String> = self.units.iter().map(|(u, _)| u.clone()).collect();
        format!(
            "{}{}{}{}",
            lang.pick("数字,单位", "a number in "),
            self.unit,
            lang.pick(",可写 ", "; units: "),
            us.join("/")
        )
    }

    fn push_unit(&self, buf: &mut String, _lang: Lang) {
        buf.push_str(self.unit);
    }
}

/// A number, optionally followed by a unit that converts it to the field's unit (`5000元` → 0.5).
pub fn parse_number(text: &str, units: &[(String, f64)]) -> Option<f64> {
    let (number, factor) = strip_unit(text, units.iter().map(|(u, f)| (u.as_str(), *f)));
    parse_decimal(number).map(|n| n * factor)
}
