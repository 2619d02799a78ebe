//! `kind: type` — an outlet type, from the rulebook's `types` (by name or alias); a spelling the
//! rulebook refuses (乡镇(街道)) is an error with its hint, never a guess.

use crate::inventory::cell::{Parsed, Value};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::text::Lang;

use super::{Kind, Separators};

pub(crate) struct OutletType;

impl Kind for OutletType {
    fn parse(&self, book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        // A spelling the rulebook refuses as an outlet's type (乡镇(街道): 乡镇 or 街道?) is an
        // error with its hint, never a guess.
        if let Some(refused) = book.type_refusal(text) {
            let hint = refused.hint.clone();
            return Parsed::bad(ProblemKind::Refused { hint }, text);
        }
        if let Some(t) = book.find_outlet_type(text) {
            Parsed::ok(Value::Item(t as u16))
        } else {
            super::unknown_value(book.types.iter().map(|t| t.name.zh.as_str()), text)
        }
    }

    fn accepted(&self, book: &Rulebook, lang: Lang) -> String {
        let names: Vec<&str> = book.types.iter().map(|t| t.name.get(lang)).collect();
        names.join(lang.pick("、", ", "))
    }

    /// The types; for a partner's reference type (参照类型), the types it may take as reference.
    fn choices(&self, book: &Rulebook, field: usize, lang: Lang) -> Vec<String> {
        let name = |t: usize| book.types[t].name.get(lang).to_string();
        if Some(field) == book.core.reference_type {
            book.reference_types().iter().map(|t| name(*t)).collect()
        } else {
            (0..book.types.len()).map(name).collect()
        }
    }

    fn item_name<'b>(&self, book: &'b Rulebook, i: u16, lang: Lang) -> Option<&'b str> {
        book.types.get(usize::from(i)).map(|t| t.name.get(lang))
    }

    fn item_count(&self, book: &Rulebook) -> usize {
        book.types.len()
    }
}
