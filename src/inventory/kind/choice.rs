//! `kind: enum` — one entry of a vocabulary (by its name, key or an alias, matched whole).

use crate::inventory::cell::{Parsed, Value};
use crate::rulebook::Rulebook;
use crate::text::Lang;

use super::{Kind, Separators};

pub(crate) struct Choice {
    pub vocabulary: usize,
}

impl Kind for Choice {
    fn parse(&self, book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        let vocab = &book.vocabularies[self.vocabulary];
        if let Some(i) = vocab.find(text) {
            Parsed::ok(Value::Item(i))
        } else {
            super::unknown_value(vocab.entries.iter().map(|e| e.name.zh.as_str()), text)
        }
    }

    fn accepted(&self, book: &Rulebook, lang: Lang) -> String {
        self.choices(book, 0, lang).join(lang.pick("、", ", "))
    }

    fn choices(&self, book: &Rulebook, _field: usize, lang: Lang) -> Vec<String> {
        book.vocabularies[self.vocabulary]
            .entries
            .iter()
            .map(|e| e.name.get(lang).to_string())
            .collect()
    }

    fn item_name<'b>(&self, book: &'b Rulebook, i: u16, lang: Lang) -> Option<&'b str> {
        book.vocabularies[self.vocabulary]
            .entries
            .get(usize::from(i))
            .map(|e| e.name.get(lang))
    }

    fn item_count(&self, book: &Rulebook) -> usize {
        book.vocabularies[self.vocabulary].entries.len()
    }
}
