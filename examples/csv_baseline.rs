//! The benchmark's baseline: only parse a CSV file with the `csv` crate, counting records.
//!
//! ```text
//! cargo run --release --example csv_baseline -- inventory.csv
//! ```
//!
//! It reads the file through a 64 KiB buffer into one reused `ByteRecord`, as `outlet` does, and
//! touches every field (summing their lengths) so that the work cannot be optimised away. `outlet
//! grade` does this and more: decoding, typing every cell, grading and writing a report; the
//! benchmark (`bench/run.sh`) compares the two.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: csv_baseline FILE.csv");
        return ExitCode::from(2);
    };
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}: {e}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, file));
    let mut record = csv::ByteRecord::new();
    let mut records: u64 = 0;
    let mut bytes: u64 = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                records += 1;
                bytes += record.iter().map(|f| f.len() as u64).sum::<u64>();
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("error: {}: {e}", path.to_string_lossy());
                return ExitCode::from(2);
            }
        }
    }
    println!("{records} records, {bytes} bytes in fields");
    ExitCode::SUCCESS
}
