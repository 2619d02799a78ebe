//! JSON: rows written straight, in the bytes that `serde_json` makes of them as `Value`s; the
//! sections and problems that close a document.

use std::io::{self, Write};
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use super::render::{Encode, Head, Render, Rows, Wants};
use super::{Column, Out, Section, schema_version};
use crate::problem::Problem;
use crate::text::Lang;

impl Out {
    /// Appends the cell as JSON: the bytes that serializing [`Out::json`] gives, without making it.
    pub(crate) fn write_json(&self, buf: &mut String) {
        match self {
            Out::Null | Out::Grade(None) | Out::OptGrade(None) => buf.push_str("null"),
            Out::Str(s) => write_json_str(buf, s),
            Out::Shared(s) => write_json_str(buf, s),
            Out::Key { key, .. } => write_json_str(buf, key),
            Out::Int(n) => buf.push_str(itoa::Buffer::new().format(*n)),
            Out::Grade(Some(g)) | Out::OptGrade(Some(g)) => {
                buf.push_str(itoa::Buffer::new().format(*g));
            }
            // Writing JSON to memory cannot fail.
            Out::Num(_) | Out::Percent(_) => {
                buf.push_str(&serde_json::to_string(&self.json()).unwrap_or_default());
            }
        }
    }
}

/// Appends `s` as a JSON string, in the bytes `serde_json` makes of it. Most cells have nothing
/// to escape (a quote, a backslash, a control character): those are copied whole. The test looks
/// at sixteen bytes at a time with no branch among them, which the compiler makes vector
/// instructions of, the last few bytes padded into a chunk of their own. (cachegrind, 100,000
/// outlets: `grade --format json` 2,080 M instructions with `serde_json`'s table lookup of each
/// byte, 2,024 M with a test eight bytes at a time in a word, 2,000 M so; `gaps --format json`
/// 3,126 M, 3,126 M and 3,005 M.)
pub(crate) fn write_json_str(buf: &mut String, s: &str) {
    let escaped = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let bytes = s.as_bytes();
    let (chunks, rest) = bytes.as_chunks::<16>();
    let dirty_chunk = |chunk: &[u8; 16]| chunk.iter().fold(false, |any, &b| any | escaped(b));
    // The last few bytes in a chunk of their own, the rest of it a letter.
    let mut last = [b'a'; 16];
    last[..rest.len()].copy_from_slice(rest);
    let dirty = dirty_chunk(&last) || chunks.iter().any(dirty_chunk);
    if dirty {
        // Writing JSON to memory cannot fail.
        buf.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        buf.reserve(bytes.len() + 2);
        buf.push('"');
        buf.push_str(s);
        buf.push('"');
    }
}

/// How a main row is written as a JSON object, made once per report: each key, quoted and
/// followed by its colon, with the cell it takes, in the order of the keys as a
/// `serde_json::Map` orders them (sorted; of two columns with one key, the later cell).
#[derive(Clone, Debug, Default)]
pub(super) struct JsonRow {
    keys: Vec<(String, usize)>,
}

impl JsonRow {
    pub(super) fn new(columns: &[Column]) -> JsonRow {
        let mut order: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for (i, c) in columns.iter().enumerate() {
            order.insert(&c.key, i);
        }
        let keys = order
            .into_iter()
            .map(|(key, i)| {
                let mut quoted = serde_json::to_string(key).unwrap_or_default();
                quoted.push(':');
                (quoted, i)
            })
            .collect();
        JsonRow { keys }
    }

    /// Appends the row as one object.
    pub(super) fn write(&self, buf: &mut String, cells: &[Out]) {
        buf.push('{');
        let mut first = true;
        for (key, i) in &self.keys {
            // (A row is never short of a cell: `Writer::row` asserts it.)
            let Some(cell) = cells.get(*i) else { continue };
            if !first {
                buf.push(',');
            }
            first = false;
            buf.push_str(key);
            cell.write_json(buf);
        }
        buf.push('}');
    }
}

fn row_json(columns: &[Column], cells: &[Out]) -> Map<String, Json> {
    columns
        .iter()
        .zip(cells)
        .map(|(c, v)| (c.key.clone(), v.json()))
        .collect()
}

fn section_json(section: &Section) -> Json {
    debug_assert!(
        section
            .rows
            .iter()
            .all(|r| r.len() == section.columns.len()),
        "section `{}` is misaligned",
        section.key
    );
    let rows: Vec<Json> = section
        .rows
        .iter()
        .map(|r| Json::Object(row_json(&section.columns, r)))
        .collect();
    if section.single {
        rows.into_iter().next().unwrap_or(Json::Null)
    } else {
        Json::Array(rows)
    }
}

fn problem_json(p: &Problem, lang: Lang) -> Json {
    json!({
        "severity": p.severity,
        "file": &*p.file,
        "row": p.row,
        "column": p.column,
        "cell": p.cell.as_ref().map(ToString::to_string),
        "value": p.value,
        "message": p.message(lang),
        "expected": p.help(lang),
    })
}

/// The JSON renderer: one document, its head written first, its rows as they come, its
/// sections and problems last.
pub(super) struct JsonRender {
    row: JsonRow,
    /// The buffer a row is written into, reused.
    buffer: String,
}

impl JsonRender {
    pub(super) fn new(columns: &[Column]) -> JsonRender {
        JsonRender {
            row: JsonRow::new(columns),
            buffer: String::new(),
        }
    }
}

/// The head of a JSON report: what the report is, how it was made.
fn head_json(h: &Head<'_>) -> Json {
    let meta = &h.meta;
    let mut head = json!({
        "schema_version": schema_version(meta.command),
        "command": meta.command,
        "as_of": meta.as_of,
        "input": meta.input,
        "rulebook": {
            "id": meta.rulebook_id,
            "version": meta.rulebook_version,
            "extends": meta.extends.iter().map(|(id, v)| json!({"id": id, "version": v})).collect::<Vec<_>>(),
        },
        "lang": match h.lang { Lang::Zh => "zh", Lang::En => "en" },
    });
    if let (Some(old), Some(head)) = (&meta.old_as_of, head.as_object_mut()) {
        head.insert("old_as_of".into(), json!(old));
        head.insert("new_as_of".into(), json!(meta.as_of));
    }
    if let Some(head) = head.as_object_mut() {
        if let Some(columns) = &meta.old_columns {
            head.insert("old_columns".into(), columns.json(h.book));
        }
        if let Some(columns) = &meta.columns {
            head.insert("columns".into(), columns.json(h.book));
        }
    }
    head
}

impl<'a, W: Write> Render<'a, W> for JsonRender {
    fn begin(&mut self, h: &mut Head<'a>, out: &mut W) -> io::Result<()> {
        let head = serde_json::to_string(&head_json(h))?;
        // Open the document: everything but the closing brace, then the rows' array.
        let head = head.strip_suffix('}').unwrap_or(&head);
        write!(out, "{head}")?;
        for section in std::mem::take(&mut h.preamble) {
            write!(out, ",{}:{}", json!(section.key), section_json(&section))?;
        }
        write!(out, ",{}:[", json!(h.rows_key))
    }

    fn row(
        &mut self,
        _: &mut Head<'a>,
        out: &mut W,
        cells: &[Out],
        before: usize,
    ) -> io::Result<()> {
        self.buffer.clear();
        if before > 0 {
            self.buffer.push(',');
        }
        self.row.write(&mut self.buffer, cells);
        out.write_all(self.buffer.as_bytes())
    }

    fn encoded(
        &mut self,
        _: &mut Head<'a>,
        out: &mut W,
        bytes: &[u8],
        before: usize,
    ) -> io::Result<()> {
        if before > 0 {
            out.write_all(b",")?;
        }
        out.write_all(bytes)
    }

    fn wants(&self) -> Wants {
        Wants {
            paths: true,
            sections: true,
            ..Wants::default()
        }
    }

    fn encoder(&self, _: &Head<'a>) -> Arc<dyn Encode + 'a> {
        Arc::new(self.row.clone())
    }

    fn finish(
        &mut self,
        h: &mut Head<'a>,
        out: &mut W,
        _: usize,
        sections: &[Section],
        problems: &[Problem],
    ) -> io::Result<()> {
        write!(out, "]")?;
        for section in sections {
            write!(out, ",{}:{}", json!(section.key), section_json(section))?;
        }
        let problems: Vec<Json> = problems.iter().map(|p| problem_json(p, h.lang)).collect();
        writeln!(out, ",\"problems\":{}}}", Json::Array(problems))
    }
}

impl Encode for JsonRow {
    fn encode(&self, rows: &mut dyn Iterator<Item = Vec<Out>>) -> Rows {
        super::render::encode_apart(self, rows)
    }

    fn json(&self) -> bool {
        true
    }

    fn in_text(&self) -> bool {
        true
    }

    fn encode_into(&self, rows: &mut dyn Iterator<Item = Vec<Out>>, text: &mut String) -> usize {
        let mut count = 0;
        for r in rows {
            if count > 0 {
                text.push(',');
            }
            self.write(text, &r);
            count += 1;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them_at_every_place_and_length() {
        let plain = "东城街道就业创业服务站AN-001 ";
        for special in [
            '"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '!', '#', '\u{7f}', '、',
        ] {
            for len in 0..plain.chars().count() {
                let head: String = plain.chars().take(len).collect();
                for at in 0..=len {
                    let mut s: String = head.chars().take(at).collect();
                    s.push(special);
                    s.extend(head.chars().skip(at));
                    let mut buf = String::new();
                    write_json_str(&mut buf, &s);
                    let expected = serde_json::to_string(&s).unwrap_or_default();
                    assert_eq!(buf, expected, "{s:?}");
                }
            }
        }
    }
}
