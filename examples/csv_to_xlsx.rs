//! Turns an inventory CSV (as `examples/generate.rs` writes it) into the workbook a county would
//! send: a title row above the header, the cells that hold only a short number as number cells,
//! the rest as text in a shared-string table, as Excel saves it. For the workbook rows of the
//! benchmark (`bench/run.sh`, `BENCH_WORKBOOK=1`).
//!
//! ```text
//! cargo run --release --example csv_to_xlsx -- inventory.csv inventory.xlsx
//! ```
//!
//! The rows are written as they are read (rust_xlsxwriter's low-memory mode): only the shared
//! strings are held.

use std::error::Error;
use std::process::ExitCode;

use rust_xlsxwriter::Workbook;

fn convert(from: &str, to: &str) -> Result<u64, Box<dyn Error>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(from)?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_low_memory();
    sheet.set_name("台账")?;
    sheet.write_string(0, 0, "基层公共就业服务网点台账")?;
    let mut record = csv::StringRecord::new();
    let mut row: u32 = 1;
    while reader.read_record(&mut record)? {
        for (c, value) in record.iter().enumerate() {
            let c = u16::try_from(c)?;
            if value.is_empty() {
                continue;
            }
            match value.parse::<f64>() {
                Ok(n) if row > 1 && value.len() < 6 && !value.starts_with('0') => {
                    sheet.write_number(row, c, n)?
                }
                _ => sheet.write_string(row, c, value)?,
            };
        }
        row += 1;
    }
    workbook.save(to)?;
    Ok(u64::from(row - 2))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [from, to] = args.as_slice() else {
        eprintln!("usage: csv_to_xlsx INVENTORY.csv OUT.xlsx");
        return ExitCode::from(2);
    };
    match convert(from, to) {
        Ok(rows) => {
            eprintln!("{rows} rows written to {to}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
