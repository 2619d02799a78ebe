//! Reading the CSV and JSON reports that `outlet` writes.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// One CSV record: cells by header.
pub type Record = BTreeMap<String, String>;

/// Text without a leading UTF-8 BOM.
pub fn unbom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A CSV report: its header and its records as maps from header to cell. A leading BOM is no part
/// of the first header.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Record>,
}

impl Table {
    pub fn parse(text: &str) -> Table {
        let mut reader = csv::ReaderBuilder::new().from_reader(unbom(text).as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .expect("a CSV header")
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                let r = r.expect("a CSV record");
                headers
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_string))
                    .collect()
            })
            .collect();
        Table { headers, rows }
    }

    /// Every cell of a column, top to bottom.
    pub fn column(&self, key: &str) -> Vec<&str> {
        self.rows
            .iter()
            .map(|r| r.get(key).map(String::as_str).expect("the column exists"))
            .collect()
    }

    /// The records by their `id` column.
    pub fn by_id(&self) -> BTreeMap<&str, &Record> {
        self.rows.iter().map(|r| (r["id"].as_str(), r)).collect()
    }
}

/// CSV text as records keyed by header.
pub fn records(text: &str) -> Vec<Record> {
    Table::parse(text).rows
}

/// Text as one JSON document.
pub fn json(text: &str) -> Json {
    serde_json::from_str(text).expect("one JSON document")
}
