//! `outlet grade`: every outlet's assessed grade, minimum, claim and status, then a summary.

use std::path::PathBuf;

use anyhow::Result;

use super::Exit;
use super::common::{CommonArgs, Findings, print_problems};
use super::output::Output;
use crate::inventory::Inventory;
use crate::report::Writer;
use crate::report::outlets::{grade_columns, grade_row};
use crate::report::summary::Tally;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory: CSV (UTF-8, UTF-8 with BOM or GBK) or YAML; `-` reads standard input.
    pub inventory: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, mut problems) = c.prepare(&args.inventory)?;
    let (book, input) = (&prep.book, &prep.input);
    let ev = prep.evaluator();
    let mut inventory = Inventory::open(input, c.input_format, book)?;
    let (columns, shown) = grade_columns(&inventory.extra_headers());
    let out = Output::open(c.output.as_deref(), Some(input))?;
    let meta = c.meta("grade", input, book);
    let mut writer =
        Writer::new(out, c.format, c.lang, book, meta, "outlets", columns).brief(shown);

    let mut tally = Tally::new(book);
    let mut findings = Findings::default();
    while let Some(outlet) = inventory.next_outlet(&mut problems)? {
        let a = ev.assess(&outlet);
        tally.add(&outlet, &a);
        findings.add(a.status);
        writer.row(&grade_row(book, &outlet, &a))?;
    }
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let sections = tally.sections(book, inventory.rows_read(), &problems);
    writer.finish(&sections, &problems)?.commit()?;
    print_problems(&problems, c.lang);
    Ok(findings.exit(c.fail_on, &problems))
}
