//! `kind: grade` — a grade, 1 to 4, written 一级…四级, 1…4 or 1级…4级.

use crate::inventory::cell::{Parsed, Value};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::{Lang, trim};

use super::{Kind, Separators};

pub(crate) struct Grade;

impl Kind for Grade {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        match parse_grade(text) {
            Some(g) => Parsed::ok(Value::Grade(g)),
            None => Parsed::bad(ProblemKind::NotAGrade, text),
        }
    }

    fn accepted(&self, _book: &Rulebook, lang: Lang) -> String {
        lang.pick("一级、二级、三级、四级(或 1-4)", "1-4 (or 一级…四级)")
            .into()
    }

    fn choices(&self, book: &Rulebook, _field: usize, lang: Lang) -> Vec<String> {
        book.grades
            .iter()
            .map(|g| match lang {
                Lang::Zh => g.name.zh.clone(),
                Lang::En => g.grade.to_string(),
            })
            .collect()
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
