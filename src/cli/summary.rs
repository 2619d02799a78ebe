//! `outlet summary`: per region (or type), outlets by type × grade, the share meeting the minimum,
//! and the rulebook's region-level structure checks.

use std::path::PathBuf;

use anyhow::Result;

use super::Exit;
use super::common::{CommonArgs, ProblemLog};
use crate::inventory::Outlet;
use crate::report::Writer;
use crate::report::summary::{Counted, GroupBy, Groups, Tally, split_keys};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory: CSV (UTF-8, UTF-8 with BOM or GBK), YAML or a workbook (.xlsx, .xls, .ods);
    /// `-` reads standard input.
    pub inventory: PathBuf,
    /// What to group by.
    #[arg(long, value_enum, default_value_t = GroupBy::County)]
    pub by: GroupBy,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, problems) = c.prepare(&args.inventory)?;
    let mut problems = ProblemLog::new(c.lang, problems);
    let (book, input) = (&prep.book, &prep.input);
    let ev = prep.evaluator();
    // An output that cannot be written is refused before any outlet is read.
    let out = prep.output(c)?;
    let mut inventory = c.open_inventory(input, book)?;

    let mut groups = Groups::new(args.by);
    // The regions whose structure is checked: the groups themselves when they are counties or
    // larger; else the counties that enclose them (a township has one township outlet; a type
    // is no region).
    let level = args.by.structure_level();
    let mut regions = Groups::new(level);
    let mut tally = Tally::new(book);
    // An outlet's counts, and its group's key (and its county's) as its text.
    let work = |outlet: &Outlet, key: &mut String| {
        args.by.write_keys(book, outlet, c.lang, key);
        // A summary counts grades: no more rules are checked than decide one.
        Counted::of_standing(outlet, ev.standing(outlet))
    };
    let take = |counted, keys: &str| -> Result<()> {
        tally.count(counted);
        let (key, region) = split_keys(keys);
        groups.count(book, key, counted);
        if let Some(region) = region {
            regions.count(book, region, counted);
        }
        Ok(())
    };
    inventory.each_outlet(c.threads(), &mut problems, work, take)?;
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let counts = problems.counts();

    let meta = c.meta("summary", input, &inventory, book);
    // The path columns are for machines; people read each group's label.
    let wants = c.output_format().wants();
    let with_path = wants.paths;
    let columns = Groups::columns(book, args.by, with_path);
    let mut writer = Writer::new(
        out,
        c.output_format(),
        c.lang,
        book,
        meta,
        "groups",
        columns,
    )
    .excel(c.excel)
    .workbook_dir(super::output::workbook_dir(c.output.as_deref()));
    groups.each_row(book, c.lang, with_path, |row| writer.row(&row))?;
    let structure = if level == args.by {
        groups.structure(book, c.lang, false, with_path)
    } else {
        regions.structure(book, c.lang, true, with_path)
    };
    let mut sections = vec![structure];
    if wants.sections {
        sections.extend(tally.sections(book, inventory.rows_read(), counts));
    }
    writer.finish(&sections, problems.kept())?.commit()?;
    problems.finish();
    Ok(c.fail_on
        .exit_with(tally.below_minimum, tally.overclaimed, counts.0 > 0))
}
