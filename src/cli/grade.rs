//! `outlet grade`: every outlet's assessed grade, minimum, claim and status, then a summary.

use std::path::PathBuf;

use anyhow::Result;

use super::Exit;
use super::common::{CommonArgs, Findings, print_problems};
use super::output::Output;
use crate::inventory::Inventory;
use crate::report::outlets::{gaps_columns, gaps_rows, grade_columns, grade_row};
use crate::report::summary::{GroupBy, Groups, Tally};
use crate::report::{Format, Section, Writer};
use crate::text::Text;

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
    // The HTML page also charts grades by county and lists each outlet's gaps.
    let html = c.format == Format::Html;
    let mut groups = Groups::default();
    let gap_columns = gaps_columns().0;
    while let Some(outlet) = inventory.next_outlet(&mut problems)? {
        let a = ev.assess(&outlet);
        tally.add(&outlet, &a);
        findings.add(a.status);
        writer.row(&grade_row(book, &outlet, &a))?;
        if html {
            groups.add(
                book,
                GroupBy::County.key(book, &outlet, c.lang),
                &outlet,
                &a,
            );
            let gaps = gaps_rows(&ev, &outlet, &a, None, c.lang);
            writer.detail(
                &outlet.id,
                format!("{} {}", outlet.id, outlet.name),
                &gap_columns,
                &gaps,
            );
        }
    }
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let mut sections = tally.sections(book, inventory.rows_read(), &problems);
    if html {
        sections.push(Section {
            key: "by_region".into(),
            title: Text::new("按县统计", "By county"),
            columns: Groups::columns(book, GroupBy::County),
            rows: groups.rows(book),
            single: false,
        });
    }
    writer.finish(&sections, &problems)?.commit()?;
    print_problems(&problems, c.lang);
    Ok(findings.exit(c.fail_on, &problems))
}
