//! `kind: list` — several entries of a vocabulary in one cell, separated by the rulebook's
//! `list_separators` (、，,；; and line breaks), or a native list (YAML). An unknown item is a
//! warning while the rest still count; a word for none (无) or a dash is the empty list.

use crate::inventory::cell::{Parsed, Value, spelled};
use crate::problem::ProblemKind;
use crate::rulebook::Rulebook;
use crate::suggest::did_you_mean;
use crate::text::{Lang, trim};

use super::{Kind, Reading};

pub(crate) struct List {
    pub vocabulary: usize,
}

impl Kind for List {
    fn parse(&self, book: &Rulebook, separators: &Separators, text: &str) -> Parsed {
        // 无 (or another spelling of no or none, or a lone dash) in a list cell says the outlet
        // has none of the items.
        if spelled(&book.no, text) || spelled(&book.none, text) || spelled(&book.blank_marks, text)
        {
            return Parsed::ok(Value::List(Vec::new()));
        }
        parse_list(book, self.vocabulary, Split::new(text, separators))
    }

    fn none_value(&self, _none_word: bool) -> Value {
        Value::List(Vec::new())
    }

    fn parse_items(&self, book: &Rulebook, items: &[String]) -> Option<Parsed> {
        Some(parse_list(
            book,
            self.vocabulary,
            items.iter().map(String::as_str),
        ))
    }

    fn reading(&self) -> Reading {
        Reading::Memo { list: true }
    }

    fn accepted(&self, book: &Rulebook, lang: Lang) -> String {
        let names: Vec<&str> = book.vocabularies[self.vocabulary]
            .entries
            .iter()
            .map(|e| e.name.get(lang))
            .collect();
        format!(
            "{}{}",
            lang.pick("多项用、分隔: ", "items separated by 、 or ;: "),
            names.join(lang.pick("、", ", "))
        )
    }

    fn column(&self) -> (super::ColumnFormat, Option<usize>) {
        (super::ColumnFormat::General, Some(40))
    }

    fn item_name<'b>(&self, book: &'b Rulebook, i: u16, lang: Lang) -> Option<&'b str> {
        book.vocabularies[self.vocabulary]
            .entries
            .get(usize::from(i))
            .map(|e| e.name.get(lang))
    }
}

/// A rulebook's list separators, made ready for `Split` once rather than for every cell.
#[derive(Clone, Debug)]
pub struct Separators {
    /// Bytes that are a separator (ASCII) or may start one. None of them can be inside a
    /// character (they are ASCII or lead bytes), so a byte found among them starts a character.
    starts: [bool; 256],
    /// The separators of more than one byte: their bytes as a little-endian word (zero beyond
    /// their length) and their length.
    wide: Vec<(u32, usize)>,
    /// The bytes of `starts` that are not ASCII (lead bytes), when there are at most two:
    /// [`Split`] then looks at eight bytes at a time for them and for ASCII.
    leads: Option<[u8; 2]>,
}

impl Separators {
    pub fn new(separators: &[char]) -> Separators {
        let mut starts = [false; 256];
        let mut wide = Vec::new();
        for &c in separators {
            let mut buf = [0u8; 4];
            let len = c.encode_utf8(&mut buf).len();
            starts[usize::from(buf[0])] = true;
            if len > 1 {
                wide.push((u32::from_le_bytes(buf), len));
            }
        }
        let leads: Vec<u8> = (0x80..=255u8).filter(|&b| starts[usize::from(b)]).collect();
        let leads = match *leads.as_slice() {
            // None: any byte will do (a candidate is checked against `starts`).
            [] => Some([0x80, 0x80]),
            [a] => Some([a, a]),
            [a, b] => Some([a, b]),
            _ => None,
        };
        Separators {
            starts,
            wide,
            leads,
        }
    }

    /// The length of the separator at the start of `b` (which starts with a byte of `starts`),
    /// if one is there.
    #[inline]
    fn at(&self, b: &[u8]) -> Option<usize> {
        let lead = *b.first()?;
        if lead < 0x80 {
            return Some(1);
        }
        // The next four bytes (fewer at the end, zero beyond: a separator's bytes never are).
        let word = match b.get(..4) {
            Some(w) => u32::from_le_bytes([w[0], w[1], w[2], w[3]]),
            None => b
                .iter()
                .rev()
                .fold(0u32, |word, &byte| word << 8 | u32::from(byte)),
        };
        self.wide
            .iter()
            .find(|&&(sep, len)| word & (u32::MAX >> (32 - 8 * len as u32)) == sep)
            .map(|&(_, len)| len)
    }
}

/// The items of a list cell, split on the rulebook's separators without decoding characters (as
/// `str::split` would split them): a byte that may start a separator is looked for (eight bytes at
/// a time when it can be), then the separator is compared whole.
pub(crate) struct Split<'a> {
    text: &'a str,
    separators: &'a Separators,
    /// Where the next item starts, and where to look for a separator from.
    start: usize,
    from: usize,
    done: bool,
}

impl<'a> Split<'a> {
    pub(crate) fn new(text: &'a str, separators: &'a Separators) -> Self {
        Split {
            text,
            separators,
            start: 0,
            from: 0,
            done: false,
        }
    }

    /// The first byte at or after `from` that may start a separator.
    #[inline]
    fn candidate(&self, from: usize) -> Option<usize> {
        const ONES: u64 = u64::from_le_bytes([0x01; 8]);
        const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
        const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
        let b = self.text.as_bytes();
        let starts = &self.separators.starts;
        let mut i = from;
        if let Some([a, z]) = self.separators.leads {
            let (a, z) = (ONES * u64::from(a), ONES * u64::from(z));
            // The high bit of each byte of `x` that is zero, and no other bit.
            let zero = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
            while let Some(chunk) = b.get(i..i + 8) {
                let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
                // ASCII bytes and the two lead bytes: those that may start a separator.
                let mut found = (!word & HIGH) | zero(word ^ a) | zero(word ^ z);
                while found != 0 {
                    let at = i + (found.trailing_zeros() / 8) as usize;
                    if b.get(at).is_some_and(|&x| starts[usize::from(x)]) {
                        return Some(at);
                    }
                    found &= found - 1;
                }
                i += 8;
            }
        }
        b.get(i..)?
            .iter()
            .position(|&x| starts[usize::from(x)])
            .map(|k| i + k)
    }
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let text = self.text;
        loop {
            let Some(at) = self.candidate(self.from) else {
                self.done = true;
                return Some(text.get(self.start..).unwrap_or_default());
            };
            match self
                .separators
                .at(text.as_bytes().get(at..).unwrap_or_default())
            {
                Some(len) => {
                    let item = text.get(self.start..at).unwrap_or_default();
                    self.start = at + len;
                    self.from = self.start;
                    return Some(item);
                }
                None => self.from = at + 1,
            }
        }
    }
}

/// How many unknown items of one cell a warning names; the rest are counted.
const UNKNOWN_NAMED: usize = 10;

pub(crate) fn parse_list<'a>(
    book: &Rulebook,
    vocabulary: usize,
    items: impl Iterator<Item = &'a str>,
) -> Parsed {
    let vocab = &book.vocabularies[vocabulary];
    let mut found = Found::new(vocab.entries.len());
    let mut unknown: Vec<&str> = Vec::new();
    let mut unknown_count = 0usize;
    for item in items.map(trim).filter(|s| !s.is_empty()) {
        if let Some(i) = vocab.find(item).or_else(|| find_unquoted(vocab, item)) {
            found.insert(i);
        } else {
            unknown_count += 1;
            if unknown.len() < UNKNOWN_NAMED && !unknown.contains(&item) {
                unknown.push(item);
            }
        }
    }
    let found = found.into_sorted();
    // One warning per cell, however many unknown items it holds.
    let problems = if unknown.is_empty() {
        Vec::new()
    } else {
        let names: Vec<&str> = vocab.entries.iter().map(|e| e.name.zh.as_str()).collect();
        let mut value = unknown.join("、");
        if unknown_count > unknown.len() {
            value.push_str(&format!("…(+{})", unknown_count - unknown.len()));
        }
        vec![(
            ProblemKind::UnknownItem {
                known: names.iter().map(ToString::to_string).collect(),
                suggestion: did_you_mean(unknown[0], names.iter().copied()).map(str::to_string),
            },
            value,
        )]
    };
    Parsed {
        value: Value::List(found),
        problems,
    }
}

/// Quote marks a list item may carry anywhere: the guideline itself writes “一对一”就业援助.
const QUOTES: [char; 8] = ['“', '”', '"', '\'', '‘', '’', '「', '」'];

/// The entry an item names once its quote marks are removed, if it has any (the rare path: an
/// item without quotes has been looked up already).
#[inline(never)]
fn find_unquoted(vocab: &crate::rulebook::Vocabulary, item: &str) -> Option<u16> {
    if !item.contains(QUOTES) {
        return None;
    }
    let bare: String = item.chars().filter(|c| !QUOTES.contains(c)).collect();
    vocab.find(trim(&bare))
}

/// The entries a list names, sorted and without repeats: a bit set for a vocabulary of up to 256
/// entries (one allocation, of the exact size, and no sorting), else a vector sorted at the end.
enum Found {
    Bits([u64; 4]),
    Items(Vec<u16>),
}

impl Found {
    fn new(entries: usize) -> Self {
        if entries <= 256 {
            Found::Bits([0; 4])
        } else {
            Found::Items(Vec::new())
        }
    }

    fn insert(&mut self, i: u16) {
        match self {
            Found::Bits(bits) => bits[usize::from(i / 64)] |= 1 << (i % 64),
            Found::Items(items) => items.push(i),
        }
    }

    fn into_sorted(self) -> Vec<u16> {
        match self {
            Found::Bits(bits) => {
                let mut items =
                    Vec::with_capacity(bits.iter().map(|w| w.count_ones() as usize).sum());
                for (word, &w) in (0u16..).zip(&bits) {
                    let mut w = w;
                    while w != 0 {
                        items.push(word * 64 + w.trailing_zeros() as u16);
                        w &= w - 1;
                    }
                }
                items
            }
            Found::Items(mut items) => {
                items.sort_unstable();
                items.dedup();
                items
            }
        }
    }
}
