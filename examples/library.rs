//! Grading outlets from another Rust program, without the command line: the built-in rulebook
//! (or a province's, with `Rulebook::load_or_builtin(Some(path))`), an inventory read outlet by
//! outlet, and each outlet's grade, minimum and standing.
//!
//! ```sh
//! cargo run --example library -- examples/county.csv 2025-11-30
//! ```

use std::path::PathBuf;

use outlet::{Evaluator, Input, Inventory, Problem, Rulebook, Status};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "examples/county.csv".into()));
    let as_of: jiff::civil::Date = args.next().as_deref().unwrap_or("2025-11-30").parse()?;

    let book = Rulebook::builtin()?;
    let mut inventory = Inventory::open(&Input::Path(path), None, &book)?;
    inventory.set_as_of(Some(as_of));
    let evaluator = Evaluator::new(&book, as_of);

    // Data problems (a cell that does not read, a row without an id) are gathered, not fatal.
    let mut problems: Vec<Problem> = Vec::new();
    let mut below = 0;
    while let Some(outlet) = inventory.next_outlet(&mut problems)? {
        let a = evaluator.assess(&outlet);
        let grade = a
            .assessed
            .map_or("未达四级".to_string(), |g| format!("{g}级"));
        println!(
            "{}\t{}\t{grade}\t最低 {}级",
            outlet.id, outlet.name, a.minimum
        );
        if a.status == Status::BelowMinimum {
            below += 1;
        }
    }
    eprintln!(
        "{below} outlet(s) below their minimum; {} data problem(s)",
        problems.len()
    );
    Ok(())
}
