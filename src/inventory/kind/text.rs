//! `kind: text` — free text, taken as written (trimmed).

use crate::inventory::cell::{Parsed, Value};
use crate::rulebook::Rulebook;
use crate::text::Lang;

use super::{Kind, Reading, Separators};

pub(crate) struct Text;

impl Kind for Text {
    fn parse(&self, _book: &Rulebook, _separators: &Separators, text: &str) -> Parsed {
        Parsed::ok(Value::Text(text.to_string()))
    }

    fn reading(&self) -> Reading {
        Reading::Verbatim
    }

    fn accepted(&self, _book: &Rulebook, lang: Lang) -> String {
        lang.pick("文本", "text").into()
    }
}
