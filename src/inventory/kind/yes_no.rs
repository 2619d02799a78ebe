//! `kind: yes_no` — yes or no, by the rulebook's spellings (`yes`, `no`); a word for none (无)
//! reads as no.

use crate::inventory::cell::{Parsed, Value, same_spelling, spelled};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::Lang;

use super::{Kind, Separators};

pub(crate) struct YesNo;

impl Kind for YesNo {
    fn parse(&self, book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        if let Some(b) = yes_no(book, text) {
            Parsed::ok(Value::Bool(b))
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

    fn none_value(&self, none_word: bool) -> Value {
        if none_word {
            Value::Bool(false)
        } else {
            Value::Missing
        }
    }

    fn accepted(&self, book: &Rulebook, _lang: Lang) -> String {
        let first = |v: &Vec<String>| v.first().cloned().unwrap_or_default();
        format!("{} / {}", first(&book.yes), first(&book.no))
    }

    fn choices(&self, book: &Rulebook, _field: usize, lang: Lang) -> Vec<String> {
        [&book.yes, &book.no]
            .iter()
            .filter_map(|spellings| spelling(spellings, lang))
            .collect()
    }
}

/// Yes or no, by the rulebook's spellings. A cell matches at most one spelling of either (the
/// spellings are lower-cased and no spelling is both), so the first spelling of each, the one
/// most cells use, is tried before the rest.
fn yes_no(book: &Rulebook, text: &str) -> Option<bool> {
    let first = |spellings: &[String]| {
        spellings
            .first()
            .is_some_and(|s| same_spelling(s.as_bytes(), text.as_bytes()))
    };
    if first(&book.yes) {
        Some(true)
    } else if first(&book.no) {
        Some(false)
    } else if spelled(&book.yes, text) {
        Some(true)
    } else if spelled(&book.no, text) {
        Some(false)
    } else {
        None
    }
}

/// The spelling of yes (or no) to offer: the rulebook's first, or in English its first word in
/// Latin letters.
fn spelling(spellings: &[String], lang: Lang) -> Option<String> {
    let latin = spellings
        .iter()
        .find(|s| s.len() > 1 && s.chars().all(|c| c.is_ascii_alphabetic()));
    match lang {
        Lang::En => latin.or(spellings.first()).cloned(),
        Lang::Zh => spellings.first().cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_spellings_come_from_the_rulebook() {
        let yes: Vec<String> = ["是", "有", "Y", "yes"].map(String::from).to_vec();
        assert_eq!(spelling(&yes, Lang::Zh).as_deref(), Some("是"));
        assert_eq!(spelling(&yes, Lang::En).as_deref(), Some("yes"));
        let only: Vec<String> = vec!["√".into()];
        assert_eq!(spelling(&only, Lang::En).as_deref(), Some("√"));
    }
}
