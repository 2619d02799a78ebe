//! `outlet gaps`: for every outlet, each rule it fails on the way to the next grade (or `--target`).

use std::path::PathBuf;

use anyhow::Result;

use super::Exit;
use super::common::{CommonArgs, Findings, print_problems};
use super::output::Output;
use crate::inventory::Inventory;
use crate::report::Writer;
use crate::report::outlets::{gaps_columns, gaps_rows};
use crate::report::summary::Tally;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory: CSV (UTF-8, UTF-8 with BOM or GBK) or YAML; `-` reads standard input.
    pub inventory: PathBuf,
    /// The grade to reach (1-4); by default each outlet's next grade.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub target: Option<u8>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, mut problems) = c.prepare(&args.inventory)?;
    let (book, input) = (&prep.book, &prep.input);
    let ev = prep.evaluator();
    let mut inventory = Inventory::open(input, c.input_format, book)?;
    let (columns, shown) = gaps_columns();
    let out = Output::open(c.output.as_deref(), Some(input))?;
    let meta = c.meta("gaps", input, book);
    let mut writer = Writer::new(out, c.format, c.lang, book, meta, "gaps", columns).brief(shown);

    let mut tally = Tally::new(book);
    let mut findings = Findings::default();
    while let Some(outlet) = inventory.next_outlet(&mut problems)? {
        let a = ev.assess(&outlet);
        tally.add(&outlet, &a);
        findings.add(a.status);
        for row in gaps_rows(&ev, &outlet, &a, args.target, c.lang) {
            writer.row(&row)?;
        }
    }
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let sections = tally.sections(book, inventory.rows_read(), &problems);
    writer.finish(&sections, &problems)?.commit()?;
    print_problems(&problems, c.lang);
    Ok(findings.exit(c.fail_on, &problems))
}
