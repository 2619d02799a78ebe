//! JSON: rows written straight, in the bytes that `serde_json` makes of them as `Value`s; the
//! sections and problems that close a document.

use serde_json::{Map, Value as Json, json};

use super::{Column, Out, Section};
use crate::problem::Problem;
use crate::text::Lang;

impl Out {
    /// Appends the cell as JSON: the bytes that serializing [`Out::json`] gives, without making it.
    fn write_json(&self, buf: &mut Vec<u8>) {
        // Writing JSON to memory cannot fail.
        let _ = match self {
            Out::Null | Out::Grade(None) | Out::OptGrade(None) => {
                buf.extend_from_slice(b"null");
                Ok(())
            }
            Out::Str(s) => serde_json::to_writer(&mut *buf, s.as_str()),
            Out::Shared(s) => serde_json::to_writer(&mut *buf, &**s),
            Out::Key { key, .. } => serde_json::to_writer(&mut *buf, &**key),
            Out::Int(n) => {
                buf.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes());
                Ok(())
            }
            Out::Grade(Some(g)) | Out::OptGrade(Some(g)) => {
                buf.extend_from_slice(itoa::Buffer::new().format(*g).as_bytes());
                Ok(())
            }
            Out::Num(_) | Out::Percent(_) => serde_json::to_writer(&mut *buf, &self.json()),
        };
    }
}

/// How a main row is written as a JSON object, made once per report: each key, quoted and
/// followed by its colon, with the cell it takes, in the order of the keys as a
/// `serde_json::Map` orders them (sorted; of two columns with one key, the later cell).
#[derive(Clone, Debug, Default)]
pub(super) struct JsonRow {
    keys: Vec<(Vec<u8>, usize)>,
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
                let mut quoted = serde_json::to_vec(key).unwrap_or_default();
                quoted.push(b':');
                (quoted, i)
            })
            .collect();
        JsonRow { keys }
    }

    /// Appends the row as one object.
    pub(super) fn write(&self, buf: &mut Vec<u8>, cells: &[Out]) {
        buf.push(b'{');
        let mut first = true;
        for (key, i) in &self.keys {
            // (A row is never short of a cell: `Writer::row` asserts it.)
            let Some(cell) = cells.get(*i) else { continue };
            if !first {
                buf.push(b',');
            }
            first = false;
            buf.extend_from_slice(key);
            cell.write_json(buf);
        }
        buf.push(b'}');
    }
}

fn row_json(columns: &[Column], cells: &[Out]) -> Map<String, Json> {
    columns
        .iter()
        .zip(cells)
        .map(|(c, v)| (c.key.clone(), v.json()))
        .collect()
}

pub(super) fn section_json(section: &Section) -> Json {
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

pub(super) fn problem_json(p: &Problem, lang: Lang) -> Json {
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
