//! What the pass does with the XML of the entries it inspects: the workbook's sheet names, its
//! relationships, the shared strings' lengths, and each worksheet's [`SheetScan`].

use super::cells::{StringsScan, StylesScan};
use super::xml::{Events, Tag, Tokenizer, foreign_encoding};
use super::{
    MAX_MERGED, MAX_NAMES, MAX_ROW, Refusal, SheetScan, bad_reference, is_range, merged_range,
    parse_reference, unescape,
};

/// The shared strings as the pass sees them: the length of each.
#[derive(Debug, Default)]
pub(super) struct SharedScan {
    /// The number of the current `<si>` plus one (0 before the first).
    count: u64,
    chars: u64,
    in_text: bool,
    in_phonetic: bool,
    /// The strings themselves, when the pass reads the cells (`super::cells`).
    pub(super) strings: Option<StringsScan>,
}

impl SharedScan {
    /// With `strings`, the strings themselves are read too.
    pub(super) fn new(strings: Option<StringsScan>) -> SharedScan {
        SharedScan {
            strings,
            ..SharedScan::default()
        }
    }
}

/// What an inspected entry is.
#[expect(
    clippy::large_enum_variant,
    reason = "one inspector an entry, made once: boxing the sheet's scan buys nothing"
)]
pub(super) enum Kind {
    Workbook(Vec<(String, String)>),
    Relationships(Vec<(String, String)>),
    SharedStrings(SharedScan),
    Styles(StylesScan),
    Sheet(SheetScan),
}

/// One entry's XML, tokenized, and what is done with it.
pub(super) struct Inspector {
    tokens: Tokenizer,
    pub(super) kind: Kind,
    cell_chars: u64,
}

impl Inspector {
    pub(super) fn new(kind: Kind, cell_chars: u64) -> Inspector {
        Inspector {
            tokens: Tokenizer::default(),
            kind,
            cell_chars,
        }
    }

    pub(super) fn feed(&mut self, bytes: &[u8]) -> Result<(), Refusal> {
        let mut handler = Handler {
            kind: &mut self.kind,
            cell_chars: self.cell_chars,
        };
        self.tokens.feed(bytes, &mut handler)
    }
}

/// The tokenizer's events, applied to the entry's [`Kind`].
struct Handler<'k> {
    kind: &'k mut Kind,
    cell_chars: u64,
}

/// Bounds what is kept of an attribute (a cell reference, a sheet name, a relationship target).
const MAX_ATTRIBUTE: usize = 1024;

impl Events for Handler<'_> {
    fn start(&mut self, tag: &Tag<'_>) -> Result<(), Refusal> {
        let attribute = |key: &str| -> String {
            let value = tag.attribute(key.as_bytes()).unwrap_or_default();
            let value = &value[..value.len().min(MAX_ATTRIBUTE)];
            unescape(&String::from_utf8_lossy(value))
        };
        match &mut *self.kind {
            Kind::SharedStrings(SharedScan {
                strings: Some(strings),
                ..
            }) => strings.start(tag),
            Kind::Styles(styles) => styles.start(tag),
            Kind::Sheet(SheetScan {
                collect: Some(collect),
                ..
            }) => collect.start(tag),
            _ => {}
        }
        match &mut *self.kind {
            Kind::Workbook(sheets) if tag.name == b"sheet" && sheets.len() < MAX_NAMES => {
                sheets.push((attribute("id"), attribute("name")));
            }
            Kind::Relationships(targets)
                if tag.name == b"Relationship" && targets.len() < MAX_NAMES =>
            {
                targets.push((attribute("Id"), attribute("Target")));
            }
            Kind::SharedStrings(s) => match tag.name {
                b"si" => {
                    s.count += 1;
                    s.chars = 0;
                }
                b"rPh" => s.in_phonetic = !tag.empty,
                b"t" => s.in_text = !tag.empty && !s.in_phonetic,
                _ => {}
            },
            Kind::Sheet(s) => match tag.name {
                b"row" => {
                    s.row = match tag.attribute(b"r") {
                        Some(r) => std::str::from_utf8(r)
                            .ok()
                            .and_then(|r| r.trim().parse().ok())
                            .filter(|row| (1..=MAX_ROW).contains(row))
                            .ok_or_else(|| bad_reference(&s.part, r))?,
                        None => s.row.saturating_add(1),
                    };
                    s.row_element = s.row;
                    s.column = None;
                }
                // The used area and merged ranges, which calamine reads as references too.
                b"dimension" | b"mergeCell" => {
                    if let Some(r) = tag.attribute(b"ref") {
                        if !is_range(r) {
                            return Err(bad_reference(&s.part, r));
                        }
                        if tag.name == b"mergeCell" && s.merged.len() < MAX_MERGED {
                            s.merged.extend(merged_range(r));
                        }
                    }
                }
                b"c" => {
                    s.cells += 1;
                    // The attributes as the cells read in the pass found them (once), else here.
                    let read = s.collect.as_mut().and_then(|c| c.begin_cell(tag));
                    let (r, t, at) = match read {
                        Some(a) => (a.r, a.t, a.at),
                        None => (tag.attribute(b"r"), tag.attribute(b"t"), None),
                    };
                    match r {
                        // A reference that names no cell is refused here: calamine's arithmetic
                        // on it overflows.
                        Some(r) => {
                            let (row, column) = at
                                .or_else(|| parse_reference(r))
                                .ok_or_else(|| bad_reference(&s.part, r))?;
                            s.row = row;
                            s.column = Some(column);
                        }
                        None => s.column = Some(s.column.map_or(0, |c| c.saturating_add(1))),
                    }
                    s.follow();
                    // A type is a short code without entities: kept without an allocation.
                    s.cell_type.clear();
                    if let Some(t) = t {
                        s.cell_type
                            .push_str(&String::from_utf8_lossy(&t[..t.len().min(16)]));
                    }
                    s.chars = 0;
                    s.formula = false;
                    s.cached = false;
                    s.has_value = false;
                }
                // calamine reads the value of a cell from its last `<v>`, `<is>` or `<f>`.
                b"f" => {
                    s.formula = true;
                    s.has_value = false;
                }
                b"is" => s.has_value = true,
                b"rPh" => s.in_phonetic = !tag.empty,
                b"v" | b"t" => {
                    s.in_text = !tag.empty && !s.in_phonetic;
                    s.cached |= tag.name == b"v" && !tag.empty;
                    s.value.clear();
                    if tag.name == b"v" {
                        s.start_value();
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8]) -> Result<(), Refusal> {
        match &mut *self.kind {
            Kind::SharedStrings(SharedScan {
                strings: Some(strings),
                ..
            }) => strings.end(name),
            Kind::Styles(styles) => styles.end(name),
            Kind::Sheet(SheetScan {
                collect: Some(collect),
                ..
            }) => collect.end(name),
            _ => {}
        }
        match &mut *self.kind {
            Kind::SharedStrings(s) => match name {
                b"t" => s.in_text = false,
                b"rPh" => s.in_phonetic = false,
                _ => {}
            },
            Kind::Sheet(s) => match name {
                b"c" => s.end_cell(),
                b"t" => s.in_text = false,
                b"v" => {
                    s.in_text = false;
                    if s.in_value {
                        s.in_value = false;
                        s.has_value = s.value_text;
                    }
                    if let Some(index) = s.find_shared
                        && s.found.is_none()
                        && s.cell_type == "s"
                        && s.value.trim().parse::<u64>().ok() == Some(index)
                    {
                        s.found = Some(s.cell());
                    }
                }
                b"rPh" => s.in_phonetic = false,
                _ => {}
            },
            _ => {}
        }
        Ok(())
    }

    fn wants_text(&self) -> bool {
        match &*self.kind {
            Kind::SharedStrings(s) => {
                s.in_text || s.strings.as_ref().is_some_and(StringsScan::wants_text)
            }
            Kind::Sheet(s) => s.in_text || s.collect.as_ref().is_some_and(|c| c.wants_text()),
            _ => false,
        }
    }

    fn declaration(&mut self, tag: &[u8]) {
        if foreign_encoding(tag) {
            match &mut *self.kind {
                Kind::SharedStrings(SharedScan {
                    strings: Some(strings),
                    ..
                }) => strings.foreign(),
                Kind::Styles(styles) => styles.exact = false,
                Kind::Sheet(SheetScan {
                    collect: Some(collect),
                    ..
                }) => collect.foreign(),
                _ => {}
            }
        }
    }

    fn other(&mut self) {
        match &mut *self.kind {
            Kind::SharedStrings(SharedScan {
                strings: Some(strings),
                ..
            }) => strings.other(),
            Kind::Sheet(SheetScan {
                collect: Some(collect),
                ..
            }) => collect.other(),
            _ => {}
        }
    }

    fn text(&mut self, raw: &[u8], chars: u64) -> Result<(), Refusal> {
        let limit = self.cell_chars;
        match &mut *self.kind {
            Kind::SharedStrings(SharedScan {
                strings: Some(strings),
                ..
            }) => strings.text(raw),
            Kind::Sheet(SheetScan {
                collect: Some(collect),
                ..
            }) => collect.text(raw),
            _ => {}
        }
        match &mut *self.kind {
            Kind::SharedStrings(s) if s.in_text => {
                s.chars += chars;
                if s.chars > limit {
                    return Err(Refusal::SharedString {
                        index: s.count.saturating_sub(1),
                        cell: None,
                        limit,
                    });
                }
            }
            Kind::Sheet(s) if s.in_text => {
                s.chars += chars;
                s.value_text |= s.in_value;
                if s.find_shared.is_some() && s.value.len() < 32 {
                    s.value
                        .push_str(&String::from_utf8_lossy(&raw[..raw.len().min(32)]));
                }
                if s.chars > limit {
                    return Err(Refusal::CellText {
                        cell: s.cell().to_string(),
                        limit,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }
}
