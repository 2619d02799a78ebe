//! Reading one cell into a typed value, by the kind of its field and the rulebook's spellings.
//!
//! A cell that cannot be read is never guessed at: it becomes [`Value::Missing`] and a
//! [`ProblemKind`] says why.

use std::borrow::Cow;

use jiff::civil::Date;

use crate::problem::ProblemKind;
use crate::rulebook::{FieldKind, Rulebook};
use crate::suggest::did_you_mean;
use crate::text::trim;

/// A typed value of one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Blank, or unreadable (a data problem says why).
    Missing,
    Text(String),
    Bool(bool),
    /// A count or a number, in the field's unit.
    Number(f64),
    Date(Date),
    Grade(u8),
    /// An enum entry or an outlet type, by index.
    Item(u16),
    /// The vocabulary entries a list cell names, sorted, without repeats.
    List(Vec<u16>),
}

impl Value {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}

/// A cell as the reader found it, before typing. A CSV cell borrows its text from the record it
/// was read from; other readers own theirs.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// A native list (YAML).
    List(Vec<String>),
    /// The reader could not make text of it (boxed: it is rare, and keeps every cell small).
    Bad(Box<ProblemKind>),
}

impl Cell<'_> {
    /// The cell as it reads, for messages and pass-through columns.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty | Cell::Bad(_) => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::List(items) => items.join("、"),
        }
    }

    /// Owned text.
    pub fn text(s: impl Into<String>) -> Cell<'static> {
        Cell::Text(Cow::Owned(s.into()))
    }

    /// The cell, owning its text.
    pub fn into_owned(self) -> Cell<'static> {
        match self {
            Cell::Empty => Cell::Empty,
            Cell::Text(s) => Cell::Text(Cow::Owned(s.into_owned())),
            Cell::List(items) => Cell::List(items),
            Cell::Bad(kind) => Cell::Bad(kind),
        }
    }
}

/// The outcome of reading one cell: a value, plus problems (an unknown list item is a warning
/// while the rest of the list still counts).
pub struct Parsed {
    pub value: Value,
    pub problems: Vec<(ProblemKind, String)>,
}

impl Parsed {
    fn ok(value: Value) -> Self {
        Parsed {
            value,
            problems: Vec::new(),
        }
    }

    fn bad(kind: ProblemKind, raw: &str) -> Self {
        Parsed {
            value: Value::Missing,
            problems: vec![(kind, raw.to_string())],
        }
    }
}

/// Reads a cell of a field of `kind`.
pub fn parse(book: &Rulebook, kind: &FieldKind, cell: &Cell) -> Parsed {
    parse_with(book, &Separators::new(&book.list_separators), kind, cell)
}

/// [`parse`], with the rulebook's list separators made ready.
pub fn parse_with(
    book: &Rulebook,
    separators: &Separators,
    kind: &FieldKind,
    cell: &Cell,
) -> Parsed {
    let text = match cell {
        Cell::Empty => return Parsed::ok(Value::Missing),
        Cell::Bad(kind) => return Parsed::bad((**kind).clone(), ""),
        Cell::List(items) => {
            if let FieldKind::List { vocabulary } = kind {
                return parse_list(book, *vocabulary, items.iter().map(String::as_str));
            }
            return Parsed::bad(
                ProblemKind::Shape {
                    expected: "a single value",
                },
                &cell.display(),
            );
        }
        Cell::Text(s) => trim(s),
    };
    if text.is_empty() {
        return Parsed::ok(Value::Missing);
    }
    let parsed = parse_text(book, separators, kind, text);
    let failed = parsed.value.is_missing() && !parsed.problems.is_empty();
    if failed {
        // Only a cell that does not read as written is looked at again (DOMAIN "Reading real
        // inventories", Cells): the national path never comes here.
        if let Some(rescued) = rescue(book, separators, kind, text) {
            return rescued;
        }
    } else if let Value::Number(n) = parsed.value {
        if n < 0.0 {
            return Parsed::bad(ProblemKind::Negative, text);
        }
    }
    parsed
}

/// A cell that did not read as written, read as counties write it: a word or mark for none,
/// full-width digits and punctuation, a count in Chinese numerals, an eight-digit or month-only
/// date; or refused more precisely (a range, a negative number). `None` leaves the first
/// reading's problem standing.
#[inline(never)]
fn rescue(
    book: &Rulebook,
    separators: &Separators,
    kind: &FieldKind,
    text: &str,
) -> Option<Parsed> {
    let none = spelled(&book.none, text);
    let mark = spelled(&book.blank_marks, text);
    if none || mark {
        return Some(Parsed::ok(match kind {
            FieldKind::Count { .. } | FieldKind::Number { .. } => Value::Number(0.0),
            FieldKind::YesNo if none => Value::Bool(false),
            FieldKind::List { .. } => Value::List(Vec::new()),
            _ => Value::Missing,
        }));
    }
    if let Some(folded) = half_width(text) {
        let folded = trim(&folded);
        if folded.is_empty() {
            return Some(Parsed::ok(Value::Missing));
        }
        let again = parse_text(book, separators, kind, folded);
        if again.problems.is_empty() || !again.value.is_missing() {
            if let Value::Number(n) = again.value {
                if n < 0.0 {
                    return Some(Parsed::bad(ProblemKind::Negative, text));
                }
            }
            return Some(again);
        }
        return rescue(book, separators, kind, folded).map(|mut p| {
            // The problem quotes the cell as written.
            for (_, raw) in &mut p.problems {
                *raw = text.to_string();
            }
            p
        });
    }
    match kind {
        FieldKind::Count { units } => {
            let (number, _) = strip_unit(text, units.iter().map(|u| (u.as_str(), 1.0)));
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
        FieldKind::Number { units, .. } => {
            let (number, _) = strip_unit(text, units.iter().map(|(u, f)| (u.as_str(), *f)));
            is_range(number).then(|| Parsed::bad(ProblemKind::Range, text))
        }
        FieldKind::Date => {
            if let Some(d) = eight_digit_date(text) {
                return Some(Parsed::ok(Value::Date(d)));
            }
            month_only(text).map(|d| Parsed {
                value: Value::Date(d),
                problems: vec![(ProblemKind::MonthOnly, text.to_string())],
            })
        }
        _ => None,
    }
}

/// The text in Unicode's compatibility form (NFKC, as headers are folded: `text::fold_header`),
/// which reads full-width digits and punctuation as half-width (`３` → `3`, `２０２５－１１－２０` →
/// `2025-11-20`); `None` when that changes nothing. Only cells that did not read are folded.
fn half_width(text: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    if text.is_ascii() {
        return None;
    }
    let folded: String = text.nfkc().collect();
    (folded != text).then_some(folded)
}

/// Whether a number part is a range (`2-3`, `2—3`, `2~3`, `2至3`): two numbers and a dash, tilde
/// or 至/到 between them.
fn is_range(number: &str) -> bool {
    let Some(i) = number.find(['-', '—', '–', '~', '～', '至', '到']) else {
        return false;
    };
    let (left, right) = number.split_at(i);
    let right = right
        .trim_start_matches(['-', '—', '–', '~', '～', '至', '到'])
        .trim();
    let left = left.trim();
    // Either side may carry a unit of its own (2人-3人 has been seen), but nothing else: `1E-3`
    // is no range.
    let leading_number = |s: &str| {
        let digits = s.trim_end_matches(|c: char| !c.is_ascii());
        !digits.is_empty() && parse_decimal(digits).is_some()
    };
    leading_number(left) && leading_number(right)
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

/// An eight-digit date, `20251120`, as text or as a number cell's digits; never an Excel serial.
fn eight_digit_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i16>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    if !(1900..=2199).contains(&y) {
        return None;
    }
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// A month without a day (2025年11月, 2025-11, 2025/11, 2025.11): its first day.
fn month_only(text: &str) -> Option<Date> {
    let t = text.strip_suffix('月').unwrap_or(text);
    let (y, m) = t
        .split_once('年')
        .or_else(|| t.split_once(['-', '/', '.']))?;
    let (y, m) = (trim(y), trim(m));
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if m.is_empty() || m.len() > 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()
}

/// [`parse_with`] of text already trimmed and not blank, as written.
fn parse_text(book: &Rulebook, separators: &Separators, kind: &FieldKind, text: &str) -> Parsed {
    match kind {
        FieldKind::Text => Parsed::ok(Value::Text(text.to_string())),
        FieldKind::Code { digits } => parse_code(text, *digits),
        // A spelling the rulebook refuses as an outlet's type (乡镇(街道): 乡镇 or 街道?) is an
        // error with its hint, never a guess.
        FieldKind::Type if let Some(refused) = book.type_refusal(text) => {
            let hint = refused.hint.clone();
            Parsed::bad(ProblemKind::Refused { hint }, text)
        }
        FieldKind::Type => match book.find_outlet_type(text) {
            Some(t) => Parsed::ok(Value::Item(t as u16)),
            None => {
                let names: Vec<&str> = book.types.iter().map(|t| t.name.zh.as_str()).collect();
                Parsed::bad(
                    ProblemKind::UnknownValue {
                        allowed: names.iter().map(|s| s.to_string()).collect(),
                        suggestion: did_you_mean(text, names.iter().copied()).map(str::to_string),
                    },
                    text,
                )
            }
        },
        FieldKind::Grade => match parse_grade(text) {
            Some(g) => Parsed::ok(Value::Grade(g)),
            None => Parsed::bad(ProblemKind::NotAGrade, text),
        },
        FieldKind::YesNo => {
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
        FieldKind::Count { units } => match parse_count(text, units) {
            Some(n) if n <= f64::from(MAX_COUNT) => Parsed::ok(Value::Number(n)),
            Some(_) => Parsed::bad(ProblemKind::CountTooLarge { max: MAX_COUNT }, text),
            None if count_too_large(text, units) => {
                Parsed::bad(ProblemKind::CountTooLarge { max: MAX_COUNT }, text)
            }
            None => Parsed::bad(
                ProblemKind::NotACount {
                    units: units.clone(),
                },
                text,
            ),
        },
        FieldKind::Number { unit, units } => match parse_number(text, units) {
            Some(n) => Parsed::ok(Value::Number(n)),
            None => Parsed::bad(
                ProblemKind::NotANumber {
                    unit: unit.clone(),
                    units: units.iter().map(|(u, _)| u.clone()).collect(),
                },
                text,
            ),
        },
        FieldKind::Date => match parse_date(text) {
            Some(d) => Parsed::ok(Value::Date(d)),
            None if text.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                Parsed::bad(ProblemKind::BareNumberDate, text)
            }
            None => Parsed::bad(ProblemKind::NotADate, text),
        },
        FieldKind::Enum { vocabulary } => {
            let vocab = &book.vocabularies[*vocabulary];
            match vocab.find(text) {
                Some(i) => Parsed::ok(Value::Item(i)),
                None => {
                    let names: Vec<&str> =
                        vocab.entries.iter().map(|e| e.name.zh.as_str()).collect();
                    Parsed::bad(
                        ProblemKind::UnknownValue {
                            allowed: names.iter().map(|s| s.to_string()).collect(),
                            suggestion: did_you_mean(text, names.iter().copied())
                                .map(str::to_string),
                        },
                        text,
                    )
                }
            }
        }
        // 无 (or another spelling of no or none, or a lone dash) in a list cell says the outlet
        // has none of the items.
        FieldKind::List { .. }
            if spelled(&book.no, text)
                || spelled(&book.none, text)
                || spelled(&book.blank_marks, text) =>
        {
            Parsed::ok(Value::List(Vec::new()))
        }
        FieldKind::List { vocabulary } => {
            parse_list(book, *vocabulary, Split::new(text, separators))
        }
    }
}

/// Whether two spellings are the same, Latin letters in any case (`eq_ignore_ascii_case`, with
/// the common equal bytes compared once).
#[inline]
fn same_spelling(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || x.eq_ignore_ascii_case(y))
}

/// Whether `text` is one of `spellings` (stored lower-cased; Latin letters match in any case).
fn spelled(spellings: &[String], text: &str) -> bool {
    let text = text.as_bytes();
    spellings.iter().any(|s| same_spelling(s.as_bytes(), text))
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

/// A rulebook's list separators, made ready for [`Split`] once rather than for every cell.
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
struct Split<'a> {
    text: &'a str,
    separators: &'a Separators,
    /// Where the next item starts, and where to look for a separator from.
    start: usize,
    from: usize,
    done: bool,
}

impl<'a> Split<'a> {
    fn new(text: &'a str, separators: &'a Separators) -> Self {
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

fn parse_list<'a>(
    book: &Rulebook,
    vocabulary: usize,
    items: impl Iterator<Item = &'a str>,
) -> Parsed {
    let vocab = &book.vocabularies[vocabulary];
    let mut found = Found::new(vocab.entries.len());
    let mut unknown: Vec<&str> = Vec::new();
    let mut unknown_count = 0usize;
    for item in items.map(trim).filter(|s| !s.is_empty()) {
        match vocab.find(item).or_else(|| find_unquoted(vocab, item)) {
            Some(i) => found.insert(i),
            None => {
                unknown_count += 1;
                if unknown.len() < UNKNOWN_NAMED && !unknown.contains(&item) {
                    unknown.push(item);
                }
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
                known: names.iter().map(|s| s.to_string()).collect(),
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

/// Whether a cell is a bare number, with no unit (`5000`, `1,200.5`): the number a header's
/// unit applies to.
pub(super) fn is_bare_number(text: &str) -> bool {
    parse_decimal(trim(text)).is_some()
}

/// Whether `text` is a well-formed division code: exactly `digits` ASCII digits.
pub(super) fn is_code(text: &str, digits: usize) -> bool {
    text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())
}

fn parse_code(text: &str, digits: usize) -> Parsed {
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

/// Strips one of `units` (longest first) from the end; returns the number part and the unit's factor.
fn strip_unit<'a>(text: &'a str, units: impl Iterator<Item = (&'a str, f64)>) -> (&'a str, f64) {
    let mut best: Option<(&str, f64, usize)> = None;
    let last = text.as_bytes().last();
    for (u, f) in units {
        if u.as_bytes().last() != last {
            continue;
        }
        if let Some(rest) = text.strip_suffix(u) {
            if best.is_none_or(|(_, _, len)| u.len() > len) {
                best = Some((rest, f, u.len()));
            }
        }
    }
    match best {
        Some((rest, f, _)) => (trim(rest), f),
        None => (text, 1.0),
    }
}

/// A decimal number, with optional thousands separators in groups of three (`12,345.5`).
fn parse_decimal(text: &str) -> Option<f64> {
    if let Some(n) = plain_decimal(text.as_bytes()) {
        return Some(n);
    }
    let (int_part, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let unsigned = int_part.strip_prefix(['-', '+']).unwrap_or(int_part);
    // Digits, with thousands separators only between groups of three (`12,345`, never `1,2`).
    let (mut digits, mut group, mut separated) = (0usize, 0usize, false);
    for c in unsigned.chars() {
        match c {
            '0'..='9' => {
                digits += 1;
                group += 1;
            }
            ',' | '，' if group > 0 && group <= 3 && (!separated || group == 3) => {
                separated = true;
                group = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || (separated && group != 3) {
        return None;
    }
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    // What is left is a plain decimal: parse it as written, without the separators if any.
    let value = if separated {
        text.replace([',', '，'], "").parse::<f64>().ok()?
    } else {
        text.parse::<f64>().ok()?
    };
    value.is_finite().then_some(value)
}

/// Exact powers of ten, for [`plain_decimal`].
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The common decimal, digits with an optional fraction (`276`, `12.5`) and at most 15 digits in
/// all, without the general parser. Its digits as a whole number and the power of ten to divide by
/// are both exact in an `f64`, so the one division rounds exactly as parsing the text would.
fn plain_decimal(b: &[u8]) -> Option<f64> {
    let (mut mantissa, mut digits, mut point) = (0u64, 0usize, None);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 15 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
            }
            b'.' if point.is_none() && i > 0 => point = Some(i),
            _ => return None,
        }
    }
    let scale = match point {
        Some(p) if p + 1 == b.len() => return None,
        Some(p) => b.len() - p - 1,
        None => 0,
    };
    if digits == 0 || digits > 15 {
        return None;
    }
    // At most 15 digits: below 2^53, exact.
    #[allow(clippy::cast_precision_loss)]
    let n = mantissa as f64;
    Some(n / POWERS_OF_TEN[scale])
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

/// A number, optionally followed by a unit that converts it to the field's unit (`5000元` → 0.5).
pub fn parse_number(text: &str, units: &[(String, f64)]) -> Option<f64> {
    let (number, factor) = strip_unit(text, units.iter().map(|(u, f)| (u.as_str(), *f)));
    parse_decimal(number).map(|n| n * factor)
}

/// 2025-04-17, 2025/4/17, 2025.4.17, 2025年4月17日, optionally followed by a time of day.
pub fn parse_date(text: &str) -> Option<Date> {
    let t = trim(text);
    match plain_date(t.as_bytes()) {
        Some((y, m, d)) => Date::new(y, m, d).ok(),
        None => parse_date_spelled(t),
    }
}

/// A full date in every spelling a date cell accepts without a problem: those of [`parse_date`],
/// eight digits (`20251130`), and any of them in full-width forms (`２０２５／１１／３０`); never a
/// month alone. For dates typed on the command line.
pub fn parse_full_date(text: &str) -> Option<Date> {
    let t = trim(text);
    let read = |t: &str| parse_date(t).or_else(|| eight_digit_date(t));
    read(t).or_else(|| half_width(t).and_then(|folded| read(trim(&folded))))
}

/// [`parse_date`] of any spelling, of text already trimmed.
fn parse_date_spelled(t: &str) -> Option<Date> {
    // A time of day after the date (as spreadsheets write `2025/4/17 0:00`) is dropped.
    let t = t.split_once([' ', 'T']).map_or(t, |(d, _)| d);
    let (y, m, d) = if let Some(rest) = t.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        (y, m, d)
    } else {
        let sep = ['-', '/', '.'].into_iter().find(|c| t.contains(*c))?;
        let mut parts = t.split(sep);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let num = |s: &str, max_len: usize| -> Option<i16> {
        let s = trim(s);
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if trim(y).len() != 4 {
        return None;
    }
    let year = num(y, 4)?;
    let month = num(m, 2)?;
    let day = num(d, 2)?;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// The common date, `2025-04-17`, `2025/4/17` or `2025.4.17` (one separator, twice), alone or
/// before a time of day, read without splitting: the year, month and day as [`parse_date`] would
/// read them. Any other spelling is left to it.
fn plain_date(b: &[u8]) -> Option<(i16, i8, i8)> {
    let digit = |i: usize| match b.get(i) {
        Some(c @ b'0'..=b'9') => Some(c - b'0'),
        _ => None,
    };
    let year = [digit(0)?, digit(1)?, digit(2)?, digit(3)?]
        .iter()
        .fold(0i16, |n, &d| n * 10 + i16::from(d));
    let sep = *b.get(4)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    // One or two digits, then the separator or the end.
    let part = |start: usize| -> Option<(i8, usize)> {
        let first = digit(start)?;
        match digit(start + 1) {
            Some(second) => Some((i8::try_from(first * 10 + second).ok()?, start + 2)),
            None => Some((i8::try_from(first).ok()?, start + 1)),
        }
    };
    let (month, i) = part(5)?;
    if b.get(i) != Some(&sep) {
        return None;
    }
    let (day, i) = part(i + 1)?;
    match b.get(i) {
        None | Some(b' ' | b'T') => Some((year, month, day)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]
mod tests {
    use super::*;

    fn date(y: i16, m: i8, d: i8) -> Option<Date> {
        Date::new(y, m, d).ok()
    }

    fn book() -> Rulebook {
        Rulebook::builtin().expect("the built-in rulebook")
    }

    /// A cell of the built-in field `key`, read: its value and the kinds of its problems.
    fn read(key: &str, text: &str) -> (Value, Vec<ProblemKind>) {
        let b = book();
        let f = b.field_by_key(key).expect("field");
        let p = parse(&b, &b.fields[f].kind, &Cell::text(text));
        (p.value, p.problems.into_iter().map(|(k, _)| k).collect())
    }

    #[test]
    fn full_width_cells_read_as_half_width() {
        assert_eq!(read("windows", "３"), (Value::Number(3.0), vec![]));
        assert_eq!(read("windows", "２人"), (Value::Number(2.0), vec![]));
        assert_eq!(
            read("info_updated", "２０２５－１１－２０"),
            (Value::Date(date(2025, 11, 20).expect("date")), vec![])
        );
        assert_eq!(read("claimed_grade", "２级"), (Value::Grade(2), vec![]));
        assert_eq!(read("funds", "５．５万元"), (Value::Number(5.5), vec![]));
    }

    #[test]
    fn counts_in_chinese_numerals() {
        for (text, n) in [
            ("两人", 2.0),
            ("三台", 3.0),
            ("十", 10.0),
            ("十二", 12.0),
            ("二十", 20.0),
            ("一百零五", 105.0),
        ] {
            assert_eq!(
                read("full_time_staff", text),
                (Value::Number(n), vec![]),
                "{text}"
            );
        }
        assert!(read("full_time_staff", "若干").0.is_missing());
    }

    #[test]
    fn none_words_and_dashes_by_the_kind_of_cell() {
        // DOMAIN "Reading real inventories": the table of words and marks for none.
        for mark in ["无", "没有", "/", "—", "－", "-"] {
            assert_eq!(
                read("windows", mark),
                (Value::Number(0.0), vec![]),
                "count {mark}"
            );
            assert_eq!(
                read("funds", mark),
                (Value::Number(0.0), vec![]),
                "amount {mark}"
            );
            assert_eq!(
                read("services", mark),
                (Value::List(vec![]), vec![]),
                "list {mark}"
            );
            assert_eq!(
                read("info_updated", mark),
                (Value::Missing, vec![]),
                "date {mark}"
            );
            assert_eq!(
                read("claimed_grade", mark),
                (Value::Missing, vec![]),
                "grade {mark}"
            );
            assert_eq!(read("management_system", mark).1, vec![], "enum {mark}");
        }
        for word in ["无", "没有"] {
            assert_eq!(read("info_board", word), (Value::Bool(false), vec![]));
        }
        for mark in ["/", "—", "－", "-"] {
            assert_eq!(
                read("info_board", mark),
                (Value::Missing, vec![]),
                "yes/no {mark}"
            );
        }
        // 无 is an entry of the service-space vocabulary: the vocabulary wins.
        assert!(matches!(read("service_space", "无").0, Value::Item(_)));
    }

    #[test]
    fn the_new_yes_and_no_words() {
        for yes in ["已接入", "已配备", "已建立", "具备"] {
            assert_eq!(read("business_system", yes).0, Value::Bool(true), "{yes}");
        }
        for no in ["未接入", "未配备", "暂无", "不具备"] {
            assert_eq!(read("business_system", no).0, Value::Bool(false), "{no}");
        }
    }

    #[test]
    fn line_breaks_separate_list_items() {
        let (one, _) = read("services", "就业信息查询\n信息宣传");
        let (two, _) = read("services", "就业信息查询、信息宣传");
        assert_eq!(one, two);
        let (crlf, _) = read("services", "就业信息查询\r\n信息宣传");
        assert_eq!(crlf, two);
        assert!(matches!(&two, Value::List(items) if items.len() == 2));
    }

    #[test]
    fn eight_digit_and_month_only_dates() {
        assert_eq!(
            read("info_updated", "20251120"),
            (Value::Date(date(2025, 11, 20).expect("date")), vec![])
        );
        // Not a valid date: still a bare number.
        assert_eq!(
            read("info_updated", "20251340").1,
            vec![ProblemKind::BareNumberDate]
        );
        // An Excel serial stays a bare number, never a date.
        assert_eq!(
            read("info_updated", "45981").1,
            vec![ProblemKind::BareNumberDate]
        );
        for month in ["2025年11月", "2025-11", "2025/11", "2025.11"] {
            assert_eq!(
                read("info_updated", month),
                (
                    Value::Date(date(2025, 11, 1).expect("date")),
                    vec![ProblemKind::MonthOnly]
                ),
                "{month}"
            );
        }
    }

    #[test]
    fn ranges_and_negative_numbers_are_refused() {
        for range in ["2—3名", "2-3人", "2~3", "2至3人"] {
            assert_eq!(
                read("full_time_staff", range),
                (Value::Missing, vec![ProblemKind::Range]),
                "{range}"
            );
        }
        assert_eq!(read("funds", "1-2万元").1, vec![ProblemKind::Range]);
        assert_eq!(
            read("full_time_staff", "-1"),
            (Value::Missing, vec![ProblemKind::Negative])
        );
        assert_eq!(
            read("funds", "-1"),
            (Value::Missing, vec![ProblemKind::Negative])
        );
        assert_eq!(
            read("funds", "-1万元"),
            (Value::Missing, vec![ProblemKind::Negative])
        );
    }

    #[test]
    fn dates_in_every_spelling() {
        for s in [
            "2025-04-17",
            "2025/4/17",
            "2025.4.17",
            "2025年4月17日",
            " 2025/04/17 ",
            "2025/4/17 0:00",
        ] {
            assert_eq!(parse_date(s), date(2025, 4, 17), "{s}");
        }
        for s in [
            "45981",
            "2025/13/1",
            "2025-02-30",
            "17/4/2025",
            "2025年4月",
            "yesterday",
            "25/4/17",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    /// Spellings around the common shapes: digits of every length, every separator, times.
    fn date_like() -> Vec<String> {
        let parts = [
            "", "0", "1", "4", "12", "13", "31", "017", "2025", "99999", "a",
        ];
        let seps = ["-", "/", ".", "年", "月", " "];
        let mut out = Vec::new();
        for y in ["2025", "1999", "0000", "202", "20255", "２０２５"] {
            for s1 in seps {
                for m in parts {
                    for s2 in seps {
                        for d in parts {
                            for tail in ["", " 0:00", "T10", "日", "x", "/1"] {
                                out.push(format!("{y}{s1}{m}{s2}{d}{tail}"));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_quick_date_path_agrees_with_the_spelled_one() {
        for s in date_like() {
            let t = trim(&s);
            assert_eq!(parse_date(&s), parse_date_spelled(t), "{s:?}");
        }
    }

    #[test]
    fn the_quick_decimal_path_agrees_with_the_parser() {
        let mut texts = vec![
            "0".to_string(),
            "00".into(),
            "0.0".into(),
            "-0".into(),
            ".5".into(),
            "5.".into(),
            "1.2.3".into(),
            "999999999999999".into(),
            "9999999999999999".into(),
            "0.000000000000001".into(),
            "123456789.123456".into(),
            "12345678.1234567".into(),
        ];
        for int in [
            "0",
            "1",
            "7",
            "10",
            "276",
            "3000",
            "12345",
            "98765432",
            "9007199254",
        ] {
            for frac in [
                "", ".0", ".1", ".5", ".25", ".333", ".07", ".123456", ".9999999",
            ] {
                texts.push(format!("{int}{frac}"));
            }
        }
        for t in texts {
            if let Some(n) = plain_decimal(t.as_bytes()) {
                assert_eq!(
                    Some(n.to_bits()),
                    t.parse::<f64>().ok().map(f64::to_bits),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn list_splitting_agrees_with_str_split() {
        // Separators whose first bytes are ASCII and at most two lead bytes (looked for eight
        // bytes at a time), one that shares its first byte with other characters, and first
        // bytes of more kinds (looked for byte by byte).
        let sets: [&[char]; 5] = [
            &[';', '；', '、', ',', '，', '|'],
            &['、'],
            &['、', ','],
            &['ぁ', '😀', '｜'],
            &[';', '；', '、', ',', '，', '|', '/', '。', 'ä'],
        ];
        let texts = [
            "",
            "a",
            "、",
            "职业指导、岗位推荐，供需匹配;培训报名|就业援助；一对一",
            "、、a、",
            "中文,english ,  空格 ",
            "ａ｜b",
            "😀、😀",
            "ぁ、ぃ。a/b|c；dä",
            "、ぁ",
            "末尾、",
            "😀",
            "x😀",
        ];
        // Pieces joined every way, so that separators and look-alikes fall at every place in a
        // word of eight bytes.
        let pieces = ["、", "ぁ", "a", "中文", "；", "｜", ",", "😀", " ", "ä"];
        let mut joined: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    joined.push(format!("{a}{b}{c}{a}{c}{b}{a}x{b}{c}"));
                }
            }
        }
        for separators in sets {
            let ready = Separators::new(separators);
            for text in joined.iter().map(String::as_str) {
                let ours: Vec<&str> = Split::new(text, &ready).collect();
                let std: Vec<&str> = text.split(|c| separators.contains(&c)).collect();
                assert_eq!(ours, std, "{text:?} on {separators:?}");
            }
        }
    }

    #[test]
    fn counts_with_units_and_separators() {
        let units = vec!["人".to_string(), "名".to_string()];
        assert_eq!(parse_count("3人", &units), Some(3.0));
        assert_eq!(parse_count("3 名", &units), Some(3.0));
        assert_eq!(parse_count("1,200", &units), Some(1200.0));
        assert_eq!(parse_count("0", &units), Some(0.0));
        assert_eq!(parse_count("两个", &units), None);
        assert_eq!(parse_count("2.5", &units), None);
        assert_eq!(parse_count("-1", &units), None);
        assert_eq!(parse_count("3台", &units), None);
        // More digits than the fast path takes (a fuzzer's find: 20 digits overflowed it).
        let long = "1".repeat(20);
        assert_eq!(parse_count(&long, &units), long.parse().ok());
        assert_eq!(
            parse_count(&"9".repeat(400), &units),
            None,
            "beyond f64: not a count"
        );
        assert_eq!(
            parse_decimal(&"12".repeat(10)),
            "12".repeat(10).parse().ok()
        );
        assert_eq!(parse_count("1,2", &units), None);
    }

    #[test]
    fn a_count_above_the_bound_is_an_error_however_it_is_spelled() {
        let book = Rulebook::builtin().unwrap_or_else(|e| panic!("{e}"));
        let kind = FieldKind::Count {
            units: vec!["人".to_string()],
        };
        let read = |text: &str| parse(&book, &kind, &Cell::text(text));
        for fine in ["0", "100000", "100,000人", "3"] {
            let parsed = read(fine);
            assert!(parsed.problems.is_empty(), "{fine}: {:?}", parsed.problems);
        }
        let too_large = ProblemKind::CountTooLarge { max: MAX_COUNT };
        // Twenty nines as CSV gives them, as a workbook shows them, and others.
        for bad in [
            "99999999999999999999",
            "1E20",
            "1E+20",
            "100001",
            "1,000,000人",
            &"9".repeat(400),
        ] {
            let parsed = read(bad);
            assert_eq!(parsed.value, Value::Missing, "{bad}");
            assert_eq!(parsed.problems, [(too_large.clone(), bad.to_string())]);
        }
        // Not counts at all stay what they were; a negative count is its own error.
        assert_eq!(
            read("-1").problems,
            [(ProblemKind::Negative, "-1".to_string())]
        );
        for other in ["若干", "2.5", "inf", "1E-3"] {
            let parsed = read(other);
            assert!(
                matches!(parsed.problems[..], [(ProblemKind::NotACount { .. }, _)]),
                "{other}: {:?}",
                parsed.problems
            );
        }
    }

    #[test]
    fn numbers_convert_units() {
        let units = vec![
            ("万元".to_string(), 1.0),
            ("万".to_string(), 1.0),
            ("元".to_string(), 0.0001),
        ];
        assert_eq!(parse_number("5.5万元", &units), Some(5.5));
        assert_eq!(parse_number("5000元", &units), Some(0.5));
        assert_eq!(parse_number("10万", &units), Some(10.0));
        assert_eq!(parse_number("12,000元", &units), Some(1.2));
        assert_eq!(parse_number("3", &units), Some(3.0));
        assert_eq!(parse_number("三万", &units), None);
        assert_eq!(parse_number("5美元", &units), None);
    }

    #[test]
    fn grades_in_every_spelling() {
        for (s, g) in [("一级", 1), ("2", 2), ("3级", 3), ("四级", 4), (" 1 ", 1)] {
            assert_eq!(parse_grade(s), Some(g), "{s}");
        }
        for s in ["五级", "0", "5", "A", "一级半"] {
            assert_eq!(parse_grade(s), None, "{s}");
        }
    }

    #[test]
    fn codes_keep_zeros_and_reject_scientific_notation() {
        assert_eq!(
            parse_code("011010100100", 12).value,
            Value::Text("011010100100".into())
        );
        let sci = parse_code("1.10101E+11", 12);
        assert_eq!(sci.value, Value::Missing);
        assert_eq!(
            sci.problems[0].0,
            ProblemKind::ScientificCode { digits: 12 }
        );
        assert_eq!(
            parse_code("11010110", 12).problems[0].0,
            ProblemKind::BadCode { digits: 12 }
        );
        assert_eq!(
            parse_code("11010110010A", 12).problems[0].0,
            ProblemKind::BadCode { digits: 12 }
        );
    }
}
