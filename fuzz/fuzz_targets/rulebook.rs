//! The rulebook loader: YAML text to a validated rulebook. A rulebook that loads is then used to
//! grade a small inventory whose header names every field it declares.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use outlet::inventory::InputFormat;
use outlet::rulebook::Rulebook;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let book = match Rulebook::from_yaml(text, "fuzz") {
        Ok(book) => book,
        Err(e) => {
            // Every problem renders.
            let _ = e.to_string();
            return;
        }
    };
    let header: Vec<String> = book
        .fields
        .iter()
        .map(|f| format!("\"{}\"", f.name.zh.replace('"', "\"\"")))
        .collect();
    let mut csv = header.join(",");
    csv.push('\n');
    for values in [["1"; 1], ["是"; 1], ["2025-11-20"; 1], [""; 1]] {
        let row: Vec<&str> = book.fields.iter().map(|_| values[0]).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    // One row whose type and ids are real, so that the outlet is graded.
    let row: Vec<String> = book
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| match &f.kind {
            outlet::rulebook::FieldKind::Type => book
                .types
                .first()
                .map(|t| format!("\"{}\"", t.name.zh.replace('"', "\"\"")))
                .unwrap_or_default(),
            _ => format!("v{i}"),
        })
        .collect();
    csv.push_str(&row.join(","));
    csv.push('\n');
    common::drive(csv.into_bytes(), InputFormat::Csv, &book);
});
