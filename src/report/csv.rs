//! CSV: fields quoted as the csv crate quotes them (`csv_core`'s writer), and for Excel
//! (`--excel`) a byte-order mark, CRLF line ends and formula-like fields neutralised.

use std::io::{self, Write};

use std::sync::Arc;

use super::render::{Encode, Head, Render, Rows, Wants};
use super::{Format, Out, Section};
use crate::problem::Problem;
use crate::rulebook::Rulebook;
use crate::text::Lang;

/// Appends one CSV line of `cells` to `line`, using `cell` as scratch.
pub(super) fn csv_line(
    line: &mut String,
    cell: &mut String,
    cells: &[Out],
    lang: Lang,
    book: &Rulebook,
    excel: bool,
) {
    let csv = CsvCells { lang, book, excel };
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        csv.push(line, cell, c);
    }
    csv.end(line);
}

/// The CSV of one writer's cells, written straight into a line: for a command that writes many
/// rows of a fixed shape, what a row shares with others (a rule's texts, a type's name) is
/// rendered once ([`CsvCells::render`]) and copied. Cells come out as [`Writer::row`] writes
/// them: each is one [`CsvCells::push`].
///
/// For Excel (`--excel`), a field that Excel would read as a formula is neutralised
/// ([`formula_like`]); every field of every command's CSV passes through `push`, `push_str` or
/// `quote_from`, so the fast paths of `grade` and `gaps` neutralise as the plain path does.
#[derive(Clone, Copy, Debug)]
pub struct CsvCells<'a> {
    pub(super) lang: Lang,
    pub(super) book: &'a Rulebook,
    /// CSV for Excel: CRLF line ends and formula-like fields neutralised.
    pub(super) excel: bool,
}

impl CsvCells<'_> {
    /// Appends `cell` as one field, quoted when it needs to be (`scratch` is reused).
    #[inline]
    pub fn push(&self, line: &mut String, scratch: &mut String, cell: &Out) {
        let start = line.len();
        cell.write_text(line, Format::Csv, self.lang, self.book);
        self.quote_from(line, scratch, start);
    }

    /// Appends `text` as one field, as [`Out::Str`] is.
    #[inline]
    pub fn push_str(&self, line: &mut String, text: &str) {
        push_field(line, text, self.excel);
    }

    /// Quotes the field written into `line` from `start` on, if it needs quotes: a field is
    /// written in place, and the rare one that needs them is moved out and written again. For
    /// Excel, a formula-like field is first neutralised.
    #[inline]
    pub fn quote_from(&self, line: &mut String, scratch: &mut String, start: usize) {
        if self.excel && formula_like(&line[start..]) {
            line.insert(start, '\'');
        }
        if needs_quotes(&line[start..]) {
            scratch.clear();
            scratch.push_str(&line[start..]);
            line.truncate(start);
            push_csv_field(line, scratch);
        }
    }

    /// `cells` as fields of a line, separated by commas, to copy into many lines.
    pub fn render(&self, cells: &[Out]) -> String {
        let (mut text, mut scratch) = (String::new(), String::new());
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            self.push(&mut text, &mut scratch, c);
        }
        text
    }

    /// Ends a line.
    #[inline]
    pub fn end(&self, line: &mut String) {
        line.push_str(if self.excel { "\r\n" } else { "\n" });
    }
}

/// Whether Excel would take a field for a formula (OWASP's "CSV injection"): it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return (or the full-width `＝`, `＋`, `－`, `＠` that a
/// Chinese input method types for them), and is not a plain number such as `-3`, `+5` or `-0.5`,
/// nor a lone `-` (a common "none"). `--excel` writes such a field with a leading `'`, as OWASP
/// recommends, so that Excel shows it as text and runs nothing; plain CSV keeps it as it is.
pub fn formula_like(f: &str) -> bool {
    let Some(first) = f.chars().next() else {
        return false;
    };
    matches!(
        first,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠'
    ) && f != "-"
        && !plain_number(f)
}

/// Whether `f` is a decimal number as Excel reads one: a sign, digits with a decimal point
/// somewhere, an exponent.
fn plain_number(f: &str) -> bool {
    let b = f.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut count = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        count += digits(&mut i);
    }
    if count == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The quoting of CSV fields, `csv_core`'s (as the csv crate writes records): a field with a comma,
/// a quote or a line break (CR or LF) is quoted, its quotes doubled.
static QUOTING: std::sync::LazyLock<csv_core::Writer> =
    std::sync::LazyLock::new(csv_core::Writer::new);

/// Whether a CSV field needs quotes: whether it holds a byte that [`QUOTING`] quotes for (a
/// comma, a quote, CR or LF). All four are below `-`, which text, digits and Chinese rarely are: eight
/// bytes at a time are tested for any such byte first. (`csv_core`'s own test, a byte at a time,
/// was 3% of a national `grade --format csv`'s instructions, in cachegrind.)
fn needs_quotes(f: &str) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\n' | b'\r');
    let mut chunks = f.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // The high bit of each byte below `-` (and maybe of a byte after one): no false negative.
        let below = w.wrapping_sub(ONES * u64::from(b'-')) & !w & HIGH;
        if below != 0 && chunk.iter().any(special) {
            return true;
        }
    }
    chunks.remainder().iter().any(special)
}

/// Writes one CSV record (RFC 4180: a field with a comma, quote or line break is quoted); for
/// Excel, with CRLF and formula-like fields neutralised (a header may be an inventory's own).
pub(super) fn write_csv_record<'s>(
    out: &mut impl Write,
    fields: impl Iterator<Item = &'s str>,
    excel: bool,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_field(&mut line, f, excel);
    }
    line.push_str(if excel { "\r\n" } else { "\n" });
    out.write_all(line.as_bytes())
}

/// Appends one CSV field; for Excel, a formula-like one with a leading `'` ([`formula_like`]).
fn push_field(line: &mut String, f: &str, excel: bool) {
    if excel && formula_like(f) {
        push_csv_field(line, &format!("'{f}"));
    } else {
        push_csv_field(line, f);
    }
}

/// Appends one CSV field, quoted when it holds a comma, a quote or a line break ([`QUOTING`]).
fn push_csv_field(line: &mut String, f: &str) {
    if !needs_quotes(f) {
        line.push_str(f);
        return;
    }
    let mut quoting = QUOTING.clone();
    // The most a quoted field takes: a quote for each byte, and the two around it.
    let mut quoted = vec![0u8; 2 * f.len() + 2];
    let (_, _, field) = quoting.field(f.as_bytes(), &mut quoted);
    let (_, end) = quoting.finish(&mut quoted[field..]);
    quoted.truncate(field + end);
    // csv_core adds only ASCII quotes to the UTF-8 text: the field is UTF-8 as it was.
    line.push_str(&String::from_utf8_lossy(&quoted));
}

/// The CSV renderer: a header line, then a line a row, each written as it comes.
#[derive(Default)]
pub(super) struct CsvRender {
    /// The line and cell buffers, reused from row to row.
    line: String,
    cell: String,
}

impl<'a, W: Write> Render<'a, W> for CsvRender {
    fn begin(&mut self, h: &mut Head<'a>, out: &mut W) -> io::Result<()> {
        if h.excel {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let headers = h.columns.iter().map(|c| c.header(Format::Csv, h.lang));
        write_csv_record(out, headers, h.excel)
    }

    fn row(&mut self, h: &mut Head<'a>, out: &mut W, cells: &[Out], _: usize) -> io::Result<()> {
        self.line.clear();
        csv_line(
            &mut self.line,
            &mut self.cell,
            cells,
            h.lang,
            h.book,
            h.excel,
        );
        out.write_all(self.line.as_bytes())
    }

    fn wants(&self) -> Wants {
        Wants {
            paths: true,
            bare: true,
            ..Wants::default()
        }
    }

    fn encoder(&self, h: &Head<'a>) -> Arc<dyn Encode + 'a> {
        Arc::new(CsvCells {
            lang: h.lang,
            book: h.book,
            excel: h.excel,
        })
    }

    fn finish(
        &mut self,
        _: &mut Head<'a>,
        _: &mut W,
        _: usize,
        _: &[Section],
        _: &[Problem],
    ) -> io::Result<()> {
        Ok(())
    }
}

impl Encode for CsvCells<'_> {
    fn encode(&self, rows: &mut dyn Iterator<Item = Vec<Out>>) -> Rows {
        super::render::encode_apart(self, rows)
    }

    fn csv(&self) -> Option<CsvCells<'_>> {
        Some(*self)
    }

    fn in_text(&self) -> bool {
        true
    }

    fn encode_into(&self, rows: &mut dyn Iterator<Item = Vec<Out>>, text: &mut String) -> usize {
        let (mut cell, mut count) = (String::new(), 0);
        for r in rows {
            csv_line(text, &mut cell, &r, self.lang, self.book, self.excel);
            count += 1;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_quotes_agrees_with_csv_core_at_every_place_and_length() {
        let plain = "东城街道就业创业服务站AN-001 ";
        for special in [',', '"', '\n', '\r', 'x', '、'] {
            for len in 0..plain.chars().count() {
                let head: String = plain.chars().take(len).collect();
                for at in 0..=len {
                    let mut f: String = head.chars().take(at).collect();
                    f.push(special);
                    f.extend(head.chars().skip(at));
                    let expected = QUOTING.should_quote(f.as_bytes());
                    assert_eq!(needs_quotes(&f), expected, "{f:?}");
                }
                assert_eq!(needs_quotes(&head), QUOTING.should_quote(head.as_bytes()));
            }
        }
    }
}
