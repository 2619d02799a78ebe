//! Reads the official division list of `--divisions FILE` (a CSV table, UTF-8 with or without a
//! byte-order mark, or GBK/GB18030, read as inventories are) into a [`Divisions`].

use std::fs::File;
use std::path::Path;

use anyhow::Result;

use crate::divisions::{Divisions, DivisionsBuilder};
use crate::inventory::InventoryError;
use crate::inventory::cell::Cell;
use crate::inventory::source::{CsvSource, Source};
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
    let mut source = Source::Csv(CsvSource::open(Box::new(file), &label)?);
    let headers = source.headers().to_vec();
    let (code, name) = builder.columns(&headers)?;
    while let Some(row) = source.next_row()? {
        let cell = |c: usize| match row.cells.get(c) {
            Some(Cell::Text(text)) => Ok(Some(text.as_ref())),
            Some(Cell::Bad(_) | Cell::List(_)) => Err(builder.bad_cell(row.number, &headers[c])),
            Some(Cell::Empty) | None => Ok(None),
        };
        let (code, name) = (cell(code)?, cell(name)?);
        builder.push(row.number, code, name)?;
    }
    Ok(builder.finish()?)
}
