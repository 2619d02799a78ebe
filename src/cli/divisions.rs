//! Reads the official division list of `--divisions FILE` (a CSV table, UTF-8 with or without a
//! byte-order mark, or GBK/GB18030, opened as inventories are) into a [`Divisions`].
//!
//! A national list has ~662,000 rows and is read before the inventory, so it is read lean: each
//! record's fields are taken from its bytes where they lie, the code as ASCII, and a name is
//! decoded only where it is kept (above village level); no cell is allocated.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use anyhow::Result;

use crate::divisions::{Divisions, DivisionsBuilder, DivisionsError};
use crate::inventory::InventoryError;
use crate::inventory::records::Record;
use crate::inventory::source::{CsvSource, Encoding, Source};
use crate::rulebook::Rulebook;

/// Reads the list in `path`, for outlets read by `book`; refuses the whole file at its first bad
/// row, naming the file and line.
pub fn load(path: &Path, book: &Rulebook) -> Result<Divisions> {
    let label = path.display().to_string();
    // Before the file is opened: a rulebook with no division code refuses any list.
    let mut builder = DivisionsBuilder::new(book, &label)?;
    let file = File::open(path).map_err(|e| InventoryError::Io {
        file: label.clone(),
        source: e,
    })?;
    let source = Source::Csv(CsvSource::open(Box::new(file), &label)?);
    let headers = source.headers().to_vec();
    let (code_column, name_column) = builder.columns(&headers)?;
    let Source::Csv(mut csv) = source else {
        anyhow::bail!("{label}: CSV");
    };
    let encoding = csv.encoding;
    let mut record = Record::default();
    while let Some((line, mut read)) = csv.next_record(record)? {
        read.split_fields();
        let field = |c: usize| {
            let (start, end) = read.bounds().get(c).copied().unwrap_or_default();
            &read.as_slice()[start..end]
        };
        let (code, name) = (field(code_column), field(name_column));
        // A code is ASCII digits; anything else is shown as the file's encoding reads it.
        let code = match simdutf8::basic::from_utf8(code) {
            Ok(code) => Cow::Borrowed(code),
            Err(_) => decode(code, encoding)
                .ok_or_else(|| DivisionsError::bad_cell(&label, line, &headers[code_column]))?,
        };
        let blank = name.iter().all(u8::is_ascii_whitespace);
        let column = &headers[name_column];
        builder.push_with(line, &code, blank, || {
            decode(name, encoding).ok_or_else(|| DivisionsError::bad_cell(&label, line, column))
        })?;
        record = read;
    }
    Ok(builder.finish()?)
}

/// A field's text in the file's encoding. In a GBK file, a field that is UTF-8 with Chinese in it
/// is a row pasted from a UTF-8 file and read as such (GBK text is valid UTF-8 only now and then,
/// and then as letters that are not Chinese: 台山 is `CC A8 C9 BD`, U+0328 U+027D).
fn decode(bytes: &[u8], encoding: Encoding) -> Option<Cow<'_, str>> {
    // (simdutf8: a national list's 662,000 names and codes took 10% of its loading in the
    // standard library's check, in callgrind.)
    let utf8 = simdutf8::basic::from_utf8(bytes);
    match (utf8, encoding) {
        (Ok(text), Encoding::Utf8) => Some(Cow::Borrowed(text)),
        (Ok(text), Encoding::Gb18030) if text.is_ascii() || chinese(text) => {
            Some(Cow::Borrowed(text))
        }
        (_, Encoding::Gb18030) => {
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
        }
        (Err(_), Encoding::Utf8) => None,
    }
}

/// Whether a text has at least two Chinese characters (CJK ideographs).
fn chinese(text: &str) -> bool {
    text.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .nth(1)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_names_that_are_valid_utf8_are_read_as_gbk() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("台山");
        assert!(std::str::from_utf8(&gbk).is_ok());
        assert_eq!(decode(&gbk, Encoding::Gb18030).as_deref(), Some("台山"));
        // A row pasted from a UTF-8 file, and plain ASCII.
        assert_eq!(
            decode("台州市".as_bytes(), Encoding::Gb18030).as_deref(),
            Some("台州市")
        );
        assert_eq!(
            decode(b"110000", Encoding::Gb18030).as_deref(),
            Some("110000")
        );
        // Not UTF-8 in a UTF-8 file.
        let (gbk, _, _) = encoding_rs::GB18030.encode("台州市");
        assert_eq!(decode(&gbk, Encoding::Utf8), None);
    }
}
