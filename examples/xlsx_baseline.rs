//! The workbook benchmark's baseline: only read one sheet of an `.xlsx` with calamine's streaming
//! cell reader, counting cells.
//!
//! ```text
//! cargo run --release --example xlsx_baseline -- inventory.xlsx [SHEET]
//! ```
//!
//! It opens the workbook from its bytes (as `outlet` does: calamine reads the shared strings
//! whole), reads every cell of the sheet (the first, or `SHEET`) with `worksheet_cells_reader`
//! and touches every value (summing the lengths of their text) so that the work cannot be
//! optimised away. `outlet grade` on the workbook does this and more: the zip check, finding the
//! header, merged cells, typing every cell, grading and writing a report; `bench/run.sh` compares
//! the two.

use std::io::Cursor;
use std::process::ExitCode;

use calamine::{DataRef, Reader, Xlsx};

fn read(path: &str, sheet: Option<&str>) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => book.sheet_names().first().cloned().ok_or("no sheet")?,
    };
    let mut cells = book.worksheet_cells_reader(&name)?;
    let (mut count, mut bytes) = (0u64, 0u64);
    while let Some(cell) = cells.next_cell()? {
        count += 1;
        bytes += match cell.get_value() {
            DataRef::SharedString(s) => s.len() as u64,
            DataRef::String(s) => s.len() as u64,
            DataRef::Empty => 0,
            _ => 8,
        };
    }
    Ok((count, bytes))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: xlsx_baseline FILE.xlsx [SHEET]");
        return ExitCode::from(2);
    };
    match read(path, args.get(1).map(String::as_str)) {
        Ok((cells, bytes)) => {
            println!("{cells} cells, {bytes} bytes of text");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {path}: {e}");
            ExitCode::from(2)
        }
    }
}
