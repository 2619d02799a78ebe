//! A small streaming tokenizer of a sheet's XML that keeps one tag at a time.

use super::*;

/// What a [`Scanner`] hands on: text (and comments, CDATA), and whole tags, raw.
pub(super) trait Sink {
    fn text(&mut self, raw: &[u8]) -> io::Result<()>;
    /// A whole tag, `<` to `>`.
    fn tag(&mut self, raw: &[u8]) -> io::Result<()>;
}

/// The most bytes of one tag held; a longer one is handed on as text (when it is not one the
/// rewriter reads: then the sheet is refused).
pub(super) const MAX_TAG: usize = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Text,
    /// Inside a tag; the open quote of an attribute's value, if any.
    Tag(Option<u8>),
    /// Inside a tag too long to hold, handed on as text.
    LongTag(Option<u8>),
    /// Inside `<!-- … -->`; how many `-` were just seen.
    Comment(u8),
    /// Inside `<![CDATA[ … ]]>`; how many `]` were just seen.
    Cdata(u8),
}

/// A streaming tokenizer of XML, fed any pieces of a document: just enough to find the tags of a
/// sheet and copy everything else as it is.
pub(super) struct Scanner {
    pub(super) state: State,
    pub(super) tag: Vec<u8>,
}

/// Streams the XML read from `read` through `sink`.
pub(super) fn stream(mut read: impl Read, sink: &mut impl Sink) -> io::Result<()> {
    let mut scanner = Scanner {
        state: State::Text,
        tag: Vec::new(),
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match read.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        scanner.feed(&buf[..n], sink)?;
    }
    // A tag cut off by the end of the document is handed on as it is.
    if matches!(scanner.state, State::Tag(_)) && !scanner.tag.is_empty() {
        sink.text(&scanner.tag)?;
    }
    Ok(())
}

impl Scanner {
    pub(super) fn feed(&mut self, bytes: &[u8], sink: &mut impl Sink) -> io::Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::Text => {
                    let end = memchr::memchr(b'<', &bytes[i..]).map_or(bytes.len(), |at| i + at);
                    if end > i {
                        sink.text(&bytes[i..end])?;
                    }
                    i = end;
                    if i < bytes.len() {
                        self.state = State::Tag(None);
                        self.tag.clear();
                        self.tag.push(b'<');
                        i += 1;
                    }
                }
                State::Tag(quote) => {
                    // Up to the next quote or `>`, whichever matters.
                    let rest = &bytes[i..];
                    let stop = match quote {
                        Some(q) => memchr::memchr(q, rest),
                        None => memchr::memchr3(b'>', b'"', b'\'', rest),
                    };
                    let Some(at) = stop else {
                        self.tag.extend_from_slice(rest);
                        i = bytes.len();
                        self.check_start(sink)?;
                        continue;
                    };
                    let b = rest[at];
                    self.tag.extend_from_slice(&rest[..=at]);
                    i += at + 1;
                    match (quote, b) {
                        (Some(_), _) => self.state = State::Tag(None),
                        (None, b'>') => {
                            self.state = State::Text;
                            if self.check_start(sink)? {
                                continue;
                            }
                            sink.tag(&self.tag)?;
                        }
                        (None, q) => self.state = State::Tag(Some(q)),
                    }
                    self.check_start(sink)?;
                }
                State::LongTag(quote) => {
                    let rest = &bytes[i..];
                    let stop = match quote {
                        Some(q) => memchr::memchr(q, rest),
                        None => memchr::memchr3(b'>', b'"', b'\'', rest),
                    };
                    let Some(at) = stop else {
                        sink.text(rest)?;
                        i = bytes.len();
                        continue;
                    };
                    sink.text(&rest[..=at])?;
                    i += at + 1;
                    self.state = match (quote, rest[at]) {
                        (Some(_), _) => State::LongTag(None),
                        (None, b'>') => State::Text,
                        (None, q) => State::LongTag(Some(q)),
                    };
                }
                State::Comment(dashes) => {
                    let start = i;
                    let mut d = dashes;
                    while i < bytes.len() {
                        let b = bytes[i];
                        i += 1;
                        if b == b'>' && d >= 2 {
                            self.state = State::Text;
                            break;
                        }
                        d = if b == b'-' { d.saturating_add(1) } else { 0 };
                        self.state = State::Comment(d);
                    }
                    sink.text(&bytes[start..i])?;
                }
                State::Cdata(brackets) => {
                    let start = i;
                    let mut n = brackets;
                    while i < bytes.len() {
                        let b = bytes[i];
                        i += 1;
                        if b == b'>' && n >= 2 {
                            self.state = State::Text;
                            break;
                        }
                        n = if b == b']' { n.saturating_add(1) } else { 0 };
                        self.state = State::Cdata(n);
                    }
                    sink.text(&bytes[start..i])?;
                }
            }
        }
        Ok(())
    }

    /// Turns the tag being read into a comment or CDATA when it starts as one, and hands a tag
    /// grown too long on as text. Returns whether the tag was handed on.
    pub(super) fn check_start(&mut self, sink: &mut impl Sink) -> io::Result<bool> {
        if self.tag.starts_with(b"<!--") {
            // The comment's end may be in what was read already.
            let tail = self.tag.split_off(4);
            sink.text(b"<!--")?;
            self.state = State::Comment(0);
            self.tag.clear();
            self.feed(&tail, sink)?;
            return Ok(true);
        }
        if self.tag.starts_with(b"<![CDATA[") {
            let tail = self.tag.split_off(9);
            sink.text(b"<![CDATA[")?;
            self.state = State::Cdata(0);
            self.tag.clear();
            self.feed(&tail, sink)?;
            return Ok(true);
        }
        if self.tag.len() > MAX_TAG {
            let parsed = TagRef::parse(&self.tag);
            if matches!(
                local(parsed.name()),
                b"row" | b"c" | b"col" | b"cols" | b"dimension" | b"sheetData" | b"worksheet"
            ) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    TagTooLong(String::from_utf8_lossy(parsed.name()).into_owned()),
                ));
            }
            let quote = match self.state {
                State::Tag(q) => q,
                _ => None,
            };
            sink.text(&self.tag)?;
            self.tag.clear();
            self.state = if self.state == State::Text {
                State::Text
            } else {
                State::LongTag(quote)
            };
            return Ok(true);
        }
        Ok(false)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Start,
    End,
    Empty,
    /// A declaration, processing instruction, or anything else.
    Other,
}

/// A whole tag, parsed only as far as asked.
pub(super) struct TagRef<'t> {
    pub(super) raw: &'t [u8],
    pub(super) kind: Kind,
    pub(super) name: Range<usize>,
}

impl<'t> TagRef<'t> {
    pub(super) fn parse(raw: &'t [u8]) -> TagRef<'t> {
        let (kind, start) = match raw.get(1) {
            Some(b'/') => (Kind::End, 2),
            Some(b'?' | b'!') | None => (Kind::Other, 1),
            Some(_) if raw.ends_with(b"/>") => (Kind::Empty, 1),
            Some(_) => (Kind::Start, 1),
        };
        let start = start.min(raw.len());
        let end = raw[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .map_or(raw.len(), |at| start + at);
        TagRef {
            raw,
            kind,
            name: start..end,
        }
    }

    pub(super) fn name(&self) -> &'t [u8] {
        &self.raw[self.name.clone()]
    }

    /// The element's prefix, with its colon.
    pub(super) fn name_prefix(&self) -> &'t [u8] {
        prefix(self.name())
    }

    /// Where the value of the attribute whose local name is `key` is.
    pub(super) fn attribute_range(&self, key: &[u8]) -> Option<Range<usize>> {
        attribute_range(self.raw, self.name.end, key)
    }

    /// The raw value of the attribute whose local name is `key`.
    pub(super) fn attribute(&self, key: &[u8]) -> Option<&'t [u8]> {
        self.attribute_range(key).map(|r| &self.raw[r])
    }

    /// The value of an attribute, its entities replaced; at most [`MAX_ATTRIBUTE`] bytes of it
    /// (a sheet's name, a part's: short), so that what is collected stays small.
    pub(super) fn attribute_text(&self, key: &[u8]) -> Option<String> {
        self.attribute(key)
            .map(|v| unescape(&String::from_utf8_lossy(&v[..v.len().min(MAX_ATTRIBUTE)])))
    }
}

pub(super) fn attribute_range(raw: &[u8], from: usize, key: &[u8]) -> Option<Range<usize>> {
    let mut at = from;
    loop {
        while at < raw.len() && raw[at].is_ascii_whitespace() {
            at += 1;
        }
        let eq = at + raw.get(at..)?.iter().position(|&b| b == b'=')?;
        let name = raw[at..eq].trim_ascii();
        if name.is_empty() || name.contains(&b'>') {
            return None;
        }
        let mut v = eq + 1;
        while v < raw.len() && raw[v].is_ascii_whitespace() {
            v += 1;
        }
        let quote = *raw.get(v)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let len = raw.get(v + 1..)?.iter().position(|&b| b == quote)?;
        let value = v + 1..v + 1 + len;
        at = value.end + 1;
        if local(name) == key {
            return Some(value);
        }
    }
}

/// The tag with attribute `key` set to `value` (which needs no escaping): its value replaced, or
/// the attribute added at the end.
pub(super) fn set_attribute(raw: &[u8], key: &[u8], value: &str) -> Vec<u8> {
    let tag = TagRef::parse(raw);
    let mut out = Vec::with_capacity(raw.len() + key.len() + value.len() + 4);
    if let Some(r) = tag.attribute_range(key) {
        out.extend_from_slice(&raw[..r.start]);
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(&raw[r.end..]);
    } else {
        let end = if raw.ends_with(b"/>") {
            raw.len() - 2
        } else {
            raw.len().saturating_sub(1)
        };
        out.extend_from_slice(&raw[..end]);
        out.push(b' ');
        out.extend_from_slice(key);
        out.extend_from_slice(b"=\"");
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        out.extend_from_slice(&raw[end..]);
    }
    out
}

/// A name's namespace prefix, with its colon (`x:c` → `x:`), or nothing.
pub(super) fn prefix(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(at) => &name[..=at],
        None => &[],
    }
}
