//! Field kinds: one file per kind of field, each holding everything that kind means beyond its
//! declaration in the rulebook — how its cells read, what a cell that says "none" is worth, what it
//! accepts in words (both languages), its drop-down values, how a template column is laid out,
//! how its values are named and what examples of it look like.
//!
//! The rulebook declares the kinds ([`FieldKind`], and the `kind:` of a field in YAML); every other
//! module asks the functions of this module instead of matching on [`FieldKind`] itself. The one
//! `match` over the kinds is `dispatch!`: it builds the kind's value (a small struct borrowing
//! the kind's parameters) and calls a method of [`Kind`] on it, statically, so that reading a cell
//! costs what calling the kind's parser directly costs.
//!
//! A new kind is one file here implementing [`Kind`], one line in `dispatch!`, and its
//! declaration in the rulebook (see ARCHITECTURE.md, "Recipe: a new field kind").

use crate::rulebook::{FieldKind, Rulebook};
use crate::text::Lang;

use super::cell::{Parsed, Value};

pub(crate) mod choice;
pub(crate) mod code;
pub(crate) mod count;
pub(crate) mod date;
pub(crate) mod grade;
pub(crate) mod hours;
pub(crate) mod list;
pub(crate) mod number;
pub(crate) mod outlet_type;
pub(crate) mod text;
pub(crate) mod yes_no;

pub use list::Separators;

/// How the cells of a column are typed on the hot path (see `typing::Plan`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Taken as written (trimmed); a blank cell leaves the value as it is.
    Verbatim,
    /// A code of so many digits: a well-formed one is taken as written, without a call.
    Code(usize),
    /// Read once per spelling, then remembered (`memo::CellMemo`); `list` gets more slots.
    Memo { list: bool },
}

/// How a template workbook lays out a column of this kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnFormat {
    General,
    /// Excel's text format (`@`), so that digits keep their leading zeros.
    Text,
    /// A date format.
    Date,
}

/// Everything a field kind means beyond its declaration. Every method but [`Kind::parse`] and
/// [`Kind::accepted`] has the default most kinds want.
pub trait Kind {
    /// Reads the text of a cell, trimmed and not blank, as written. A cell that does not read is
    /// [`Value::Missing`] with a problem; [`Kind::rescue`] may then read it another way.
    fn parse(&self, book: &Rulebook, separators: &Separators, text: &str) -> Parsed;

    /// A second reading of a cell [`Kind::parse`] refused (after the none words and full-width
    /// forms were tried): a spelling counties use, or a more precise refusal. `None` leaves the
    /// first problem standing.
    fn rescue(&self, _text: &str) -> Option<Parsed> {
        None
    }

    /// The value of a cell that says none: `none_word` when it is a word for none (无), else a
    /// blank mark (a dash).
    fn none_value(&self, _none_word: bool) -> Value {
        Value::Missing
    }

    /// Reads a native list (a YAML sequence); `None` when the kind takes a single value.
    fn parse_items(&self, _book: &Rulebook, _items: &[String]) -> Option<Parsed> {
        None
    }

    /// How its cells are typed on the hot path.
    fn reading(&self) -> Reading {
        Reading::Memo { list: false }
    }

    /// The factor a unit named in a header (`年度工作经费（万元）`, folded) converts by.
    fn unit_factor(&self, _folded_unit: &str) -> Option<f64> {
        None
    }

    /// What a cell accepts, in words, for templates and column notes.
    fn accepted(&self, book: &Rulebook, lang: Lang) -> String;

    /// The values a template's drop-down list offers for field `field`; empty for an open set.
    fn choices(&self, _book: &Rulebook, _field: usize, _lang: Lang) -> Vec<String> {
        Vec::new()
    }

    /// How a template workbook formats the column, and its width if not the header's.
    fn column(&self) -> (ColumnFormat, Option<usize>) {
        (ColumnFormat::General, None)
    }

    /// The name of item `i` of the kind's vocabulary (an outlet type, an enum or list entry).
    fn item_name<'b>(&self, _book: &'b Rulebook, _i: u16, _lang: Lang) -> Option<&'b str> {
        None
    }

    /// How many items the kind's vocabulary has (for examples of a failing `one_of`).
    fn item_count(&self, _book: &Rulebook) -> usize {
        0
    }

    /// Appends the unit written after a number of the kind, when a value is shown to a person.
    fn push_unit(&self, _buf: &mut String, _lang: Lang) {}

    /// Whether examples of the kind are whole numbers (a count), else any number.
    fn whole_numbers(&self) -> bool {
        false
    }
}

/// The one match over the kinds: `$k` is the kind's value, `$body` what to do with it.
macro_rules! dispatch {
    ($kind:expr, $k:ident => $body:expr) => {
        match $kind {
            FieldKind::Text => {
                let $k = text::Text;
                $body
            }
            FieldKind::Code { digits } => {
                let $k = code::Code { digits: *digits };
                $body
            }
            FieldKind::Type => {
                let $k = outlet_type::OutletType;
                $body
            }
            FieldKind::Grade => {
                let $k = grade::Grade;
                $body
            }
            FieldKind::YesNo => {
                let $k = yes_no::YesNo;
                $body
            }
            FieldKind::Count { units } => {
                let $k = count::Count { units };
                $body
            }
            FieldKind::Number { unit, units } => {
                let $k = number::Number { unit, units };
                $body
            }
            FieldKind::Date => {
                let $k = date::Date;
                $body
            }
            FieldKind::Hours => {
                let $k = hours::Hours;
                $body
            }
            FieldKind::Enum { vocabulary } => {
                let $k = choice::Choice {
                    vocabulary: *vocabulary,
                };
                $body
            }
            FieldKind::List { vocabulary } => {
                let $k = list::List {
                    vocabulary: *vocabulary,
                };
                $body
            }
        }
    };
}

/// A cell that names none of `names` (a vocabulary's entries, the outlet types): the names, and
/// the nearest of them as a "did you mean".
fn unknown_value<'n>(names: impl Iterator<Item = &'n str> + Clone, text: &str) -> Parsed {
    Parsed::bad(
        crate::problem::ProblemKind::UnknownValue {
            allowed: names.clone().map(ToString::to_string).collect(),
            suggestion: crate::suggest::did_you_mean(text, names).map(str::to_string),
        },
        text,
    )
}

/// [`Kind::parse`] of a field of `kind`.
#[inline]
pub(crate) fn parse_text(
    book: &Rulebook,
    separators: &Separators,
    kind: &FieldKind,
    text: &str,
) -> Parsed {
    dispatch!(kind, k => k.parse(book, separators, text))
}

/// [`Kind::rescue`] of a field of `kind`.
pub(crate) fn rescue(kind: &FieldKind, text: &str) -> Option<Parsed> {
    dispatch!(kind, k => k.rescue(text))
}

/// [`Kind::none_value`] of a field of `kind`.
pub(crate) fn none_value(kind: &FieldKind, none_word: bool) -> Value {
    dispatch!(kind, k => k.none_value(none_word))
}

/// [`Kind::parse_items`] of a field of `kind`.
pub(crate) fn parse_items(book: &Rulebook, kind: &FieldKind, items: &[String]) -> Option<Parsed> {
    dispatch!(kind, k => k.parse_items(book, items))
}

/// [`Kind::reading`] of a field of `kind`.
#[must_use]
pub fn reading(kind: &FieldKind) -> Reading {
    dispatch!(kind, k => k.reading())
}

/// [`Kind::unit_factor`] of a field of `kind`.
#[must_use]
pub fn unit_factor(kind: &FieldKind, folded_unit: &str) -> Option<f64> {
    dispatch!(kind, k => k.unit_factor(folded_unit))
}

/// What a field of `kind` accepts, in words, for templates and column notes.
#[must_use]
pub fn accepted(book: &Rulebook, kind: &FieldKind, lang: Lang) -> String {
    dispatch!(kind, k => k.accepted(book, lang))
}

/// The values a drop-down list offers for field `f`, in `lang`, from the rulebook: yes and no,
/// the outlet types (the allowed reference types for 参照类型), the grades, an enum's entries.
/// Empty for a field that is not a closed set.
#[must_use]
pub fn choices(book: &Rulebook, f: usize, lang: Lang) -> Vec<String> {
    dispatch!(&book.fields[f].kind, k => k.choices(book, f, lang))
}

/// How a template workbook formats a column of `kind`, and its width if not the header's.
#[must_use]
pub fn column(kind: &FieldKind) -> (ColumnFormat, Option<usize>) {
    dispatch!(kind, k => k.column())
}

/// The name of item `i` of the vocabulary of a field of `kind`; empty if it has none.
#[must_use]
pub fn item_name<'b>(book: &'b Rulebook, kind: &FieldKind, i: u16, lang: Lang) -> &'b str {
    dispatch!(kind, k => k.item_name(book, i, lang)).unwrap_or_default()
}

/// How many items the vocabulary of a field of `kind` has (0 if it has none).
#[must_use]
pub fn item_count(book: &Rulebook, kind: &FieldKind) -> usize {
    dispatch!(kind, k => k.item_count(book))
}

/// Appends the unit written after a number of a field of `kind`.
pub fn push_unit(buf: &mut String, kind: &FieldKind, lang: Lang) {
    dispatch!(kind, k => k.push_unit(buf, lang));
}

/// Whether examples of a field of `kind` are whole numbers.
#[must_use]
pub fn whole_numbers(kind: &FieldKind) -> bool {
    dispatch!(kind, k => k.whole_numbers())
}
