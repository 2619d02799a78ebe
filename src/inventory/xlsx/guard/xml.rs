//! A streaming tokenizer of XML, just enough for the parts of a workbook, and the helpers that
//! read its tags (shared with the annotated copy, `report/annotate.rs`).

use super::Refusal;

/// `&amp;` and the other four entities of XML, and numeric ones, in an attribute's value.
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        if let Some(c) = c {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// A start tag as the tokenizer saw it: its local name (without a namespace prefix), whether it
/// is empty (`<c/>`), and its attributes, unparsed.
pub(super) struct Tag<'t> {
    pub(super) name: &'t [u8],
    pub(super) empty: bool,
    pub(super) attributes: &'t [u8],
    /// Whether its name has a namespace prefix, or it was cut at [`MAX_TAG`] bytes: what the
    /// cells read in the pass (`super::cells`) leave to calamine.
    pub(super) odd: bool,
}

impl Tag<'_> {
    /// The raw value of the attribute whose local name is `key`.
    pub(super) fn attribute(&self, key: &[u8]) -> Option<&[u8]> {
        let mut rest = self.attributes;
        loop {
            let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            rest = &rest[start..];
            let eq = rest.iter().position(|&b| b == b'=')?;
            let name = rest[..eq].trim_ascii();
            rest = rest[eq + 1..].trim_ascii_start();
            let quote = *rest.first()?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let len = rest[1..].iter().position(|&b| b == quote)?;
            let value = &rest[1..1 + len];
            rest = &rest[len + 2..];
            if local(name) == key {
                return Some(value);
            }
        }
    }
}

/// A name without its namespace prefix (`x:c` → `c`).
pub(crate) fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(at) => &name[at + 1..],
        None => name,
    }
}

/// The quote a tag's bytes leave open, from `open` before them.
fn quotes(mut open: Option<u8>, bytes: &[u8]) -> Option<u8> {
    for &b in bytes {
        match open {
            Some(q) if b == q => open = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => open = Some(b),
            None => {}
        }
    }
    open
}

/// What a [`Tokenizer`] reports.
pub(super) trait Events {
    fn start(&mut self, tag: &Tag<'_>) -> Result<(), Refusal>;
    fn end(&mut self, name: &[u8]) -> Result<(), Refusal>;
    /// Whether text is wanted now; when not, it is skipped without being counted.
    fn wants_text(&self) -> bool;
    /// A piece of text: its raw bytes (entities not replaced; empty for CDATA) and how many
    /// characters it holds, in UTF-16 units, an entity counting as one.
    fn text(&mut self, raw: &[u8], chars: u64) -> Result<(), Refusal>;
    /// A comment, CDATA, a processing instruction or a declaration begins, or an end tag with
    /// a namespace prefix: what the cells read in the pass leave to calamine.
    fn other(&mut self) {}
    /// The XML declaration (`?xml version="1.0" encoding="…"?`), its bytes after `<`.
    fn declaration(&mut self, _tag: &[u8]) {}
}

/// Whether an XML declaration names an encoding other than UTF-8 (calamine's XML reader then
/// decodes the text with it).
pub(super) fn foreign_encoding(declaration: &[u8]) -> bool {
    let Some(at) = memchr::memmem::find(declaration, b"encoding") else {
        return false;
    };
    let rest = &declaration[at + b"encoding".len()..];
    let value: Vec<u8> = rest
        .iter()
        .skip_while(|&&b| b != b'"' && b != b'\'')
        .skip(1)
        .take_while(|&&b| b != b'"' && b != b'\'')
        .map(u8::to_ascii_lowercase)
        .collect();
    value != b"utf-8" && value != b"utf8"
}

/// The most bytes of one tag that are kept: a tag is a name and a few attributes; a longer one is
/// cut (its attributes past this are not seen), so memory stays bounded.
const MAX_TAG: usize = 4096;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Between tags.
    #[default]
    Text,
    /// Inside `<…>`; the byte is the open quote of an attribute's value, if any.
    Tag(Option<u8>),
    /// Inside `<!-- … -->`; how many `-` were just seen.
    Comment(u8),
    /// Inside `<![CDATA[ … ]]>`; how many `]` were just seen (not counted yet).
    Cdata(u64),
}

/// A streaming tokenizer of XML, just enough for the parts of a workbook: start and end tags,
/// text, comments, CDATA, declarations. It keeps one tag ([`MAX_TAG`] bytes at most) and is fed
/// any pieces of the document.
#[derive(Default)]
pub(super) struct Tokenizer {
    state: State,
    tag: Vec<u8>,
    /// Inside an entity (`&amp;`) of text: how many bytes of it were seen.
    entity: u8,
}

impl Tokenizer {
    pub(super) fn feed(&mut self, bytes: &[u8], events: &mut dyn Events) -> Result<(), Refusal> {
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::Text => {
                    let end = memchr::memchr(b'<', &bytes[i..]).map_or(bytes.len(), |at| i + at);
                    if end > i && events.wants_text() {
                        let chars = self.count(&bytes[i..end]);
                        events.text(&bytes[i..end], chars)?;
                    }
                    i = end;
                    if i < bytes.len() {
                        self.state = State::Tag(None);
                        self.tag.clear();
                        self.entity = 0;
                        i += 1;
                    }
                }
                State::Tag(quote) => {
                    // A run of ordinary bytes is taken at once, once the tag cannot be opening a
                    // comment or CDATA (which start with `!`): a workbook's tags are most of its
                    // sheet's bytes, and the pass is most of reading a workbook beyond calamine.
                    //
                    // The end of the tag is found with one search for `>`, the quotes before it
                    // followed byte by byte (a cell's tag is a dozen bytes: one search and a short
                    // loop beat a search for each quote; the one pass over the sheet, issue 16).
                    if self.tag.first().is_some_and(|&first| first != b'!') {
                        let rest = &bytes[i..];
                        let mut open = quote;
                        let mut from = 0;
                        let end = loop {
                            let Some(at) = memchr::memchr(b'>', &rest[from..]) else {
                                open = quotes(open, &rest[from..]);
                                break None;
                            };
                            let gt = from + at;
                            open = quotes(open, &rest[from..gt]);
                            if open.is_none() {
                                break Some(gt);
                            }
                            from = gt + 1;
                        };
                        let run = end.unwrap_or(rest.len());
                        let room = MAX_TAG.saturating_sub(self.tag.len()).min(run);
                        self.tag.extend_from_slice(&rest[..room]);
                        match end {
                            Some(gt) => {
                                i += gt + 1;
                                self.state = State::Text;
                                self.close_tag(events)?;
                            }
                            None => {
                                i = bytes.len();
                                self.state = State::Tag(open);
                            }
                        }
                        continue;
                    }
                    let b = bytes[i];
                    i += 1;
                    match quote {
                        Some(q) if b == q => self.state = State::Tag(None),
                        Some(_) => {}
                        None if b == b'"' || b == b'\'' => self.state = State::Tag(Some(b)),
                        None if b == b'>' => {
                            self.state = State::Text;
                            self.close_tag(events)?;
                            continue;
                        }
                        None => {}
                    }
                    if self.tag.len() < MAX_TAG {
                        self.tag.push(b);
                    }
                    if self.tag == b"!--" {
                        self.state = State::Comment(0);
                        events.other();
                    } else if self.tag == b"![CDATA[" {
                        self.state = State::Cdata(0);
                        events.other();
                    }
                }
                State::Comment(dashes) => {
                    let b = bytes[i];
                    i += 1;
                    self.state = match b {
                        b'-' => State::Comment(dashes.saturating_add(1)),
                        b'>' if dashes >= 2 => State::Text,
                        _ => State::Comment(0),
                    };
                }
                State::Cdata(brackets) => {
                    let wants = events.wants_text();
                    let b = bytes[i];
                    i += 1;
                    match b {
                        b']' => self.state = State::Cdata(brackets + 1),
                        b'>' if brackets >= 2 => {
                            if wants && brackets > 2 {
                                events.text(&[], brackets - 2)?;
                            }
                            self.state = State::Text;
                        }
                        _ => {
                            if wants {
                                let units = match b {
                                    0x80..=0xBF => 0,
                                    0xF0..=0xFF => 2,
                                    _ => 1,
                                };
                                events.text(&[], brackets + units)?;
                            }
                            self.state = State::Cdata(0);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The characters of a piece of text, in UTF-16 units (a character past U+FFFF is two, as
    /// Excel counts it), an entity counting as one, its state carried across pieces.
    fn count(&mut self, text: &[u8]) -> u64 {
        let mut chars = 0;
        for &b in text {
            if self.entity > 0 {
                self.entity = if b == b';' || self.entity > 12 {
                    0
                } else {
                    self.entity + 1
                };
                continue;
            }
            chars += match b {
                b'&' => {
                    self.entity = 1;
                    1
                }
                0x80..=0xBF => 0,
                0xF0..=0xFF => 2,
                _ => 1,
            };
        }
        chars
    }

    fn close_tag(&mut self, events: &mut dyn Events) -> Result<(), Refusal> {
        let tag = std::mem::take(&mut self.tag);
        let cut = tag.len() >= MAX_TAG;
        let result = match tag.first() {
            Some(b'/') => {
                let name = tag[1..].trim_ascii();
                if cut || name.contains(&b':') {
                    events.other();
                }
                events.end(local(name))
            }
            Some(b'?' | b'!') | None => {
                if tag.starts_with(b"?xml") {
                    events.declaration(&tag);
                } else {
                    events.other();
                }
                Ok(())
            }
            Some(_) => {
                let empty = tag.ends_with(b"/");
                let body = if empty { &tag[..tag.len() - 1] } else { &tag };
                let name_end = body
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .unwrap_or(body.len());
                let start = Tag {
                    name: local(&body[..name_end]),
                    empty,
                    attributes: &body[name_end..],
                    odd: cut || body[..name_end].contains(&b':'),
                };
                events.start(&start).and_then(|()| {
                    if empty {
                        events.end(start.name)
                    } else {
                        Ok(())
                    }
                })
            }
        };
        self.tag = tag;
        self.tag.clear();
        result
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly when its fixture is broken"
)]
mod tests {
    use super::*;

    /// The characters of each cell's text, as the tokenizer counts them, fed `piece` bytes at a time.
    fn counts(xml: &str, piece: usize) -> Vec<u64> {
        struct Lengths(Vec<u64>, bool);
        impl Events for Lengths {
            fn start(&mut self, tag: &Tag<'_>) -> Result<(), Refusal> {
                if tag.name == b"t" {
                    self.0.push(0);
                    self.1 = !tag.empty;
                }
                Ok(())
            }
            fn end(&mut self, _: &[u8]) -> Result<(), Refusal> {
                self.1 = false;
                Ok(())
            }
            fn wants_text(&self) -> bool {
                self.1
            }
            fn text(&mut self, _: &[u8], chars: u64) -> Result<(), Refusal> {
                if let Some(last) = self.0.last_mut() {
                    *last += chars;
                }
                Ok(())
            }
        }
        let mut tokens = Tokenizer::default();
        let mut lengths = Lengths(Vec::new(), false);
        for chunk in xml.as_bytes().chunks(piece) {
            tokens.feed(chunk, &mut lengths).unwrap();
        }
        lengths.0
    }

    #[test]
    fn text_is_counted_as_excel_counts_it_however_it_is_cut() {
        let xml = r#"<x:t a="1>2">ab&amp;c</x:t><!-- <t>no</t> --><t/><t>中文😀</t><t><![CDATA[a]b]]c]]></t><?pi <t>?><t xml:space='preserve'> </t>"#;
        for piece in [1, 2, 3, 7, 1000] {
            assert_eq!(counts(xml, piece), [4, 0, 4, 6, 1], "pieces of {piece}");
        }
    }
}
