//! `outlet gaps`: for every outlet, each rule it fails on the way to the next grade (or `--target`).

use std::path::PathBuf;

use anyhow::Result;

use super::Exit;
use super::common::{CommonArgs, ProblemLog};
use crate::inventory::Outlet;
use crate::report::outlets::{
    GapLines, SharedCells, gap_rows_of, gaps_columns, grade_columns, grade_row_of,
};
use crate::report::summary::{Counted, Tally};
use crate::report::{Out, OutletRows, Writer};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory: CSV (UTF-8, UTF-8 with BOM or GBK), YAML or a workbook (.xlsx, .xls, .ods);
    /// `-` reads standard input.
    pub inventory: PathBuf,
    /// The grade to reach (1-4); by default each outlet's next grade.
    #[arg(long, value_name = "GRADE", value_parser = super::i18n::parse_grade_arg)]
    pub target: Option<u8>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, problems) = c.prepare(&args.inventory)?;
    let mut problems = ProblemLog::new(c.lang, problems);
    let (book, input) = (&prep.book, &prep.input);
    let ev = prep.evaluator();
    let mut inventory = c.open_inventory(input, book)?;
    let (columns, shown) = gaps_columns();
    let out = prep.output(c)?;
    let meta = c.meta("gaps", input, &inventory, book);
    let mut writer = Writer::new(out, c.output_format(), c.lang, book, meta, "gaps", columns)
        .brief(shown)
        .excel(c.excel)
        .workbook_dir(super::output::workbook_dir(c.output.as_deref()));
    // The grades, for a format that shows them apart (a workbook's sheets), streamed as the gaps
    // are.
    let related = writer.wants().related;
    let grade_columns = grade_columns(&inventory.extra_headers()).0;

    let mut tally = Tally::new(book);
    // What every outlet's rows share (type names, rule texts), made once.
    let cells = SharedCells::new(book);
    let maker = writer.row_maker();
    // CSV lines and JSON objects are written straight.
    // (Not for a format that shows the grades apart, made from cells below.)
    let lines = (maker.straight())
        .filter(|_| !related)
        .map(|s| GapLines::new(book, s, c.lang));
    let work = |outlet: &Outlet, text: &mut String| {
        // Rows written straight need only the rules on the way to the target.
        if let Some(lines) = &lines {
            let (brief, gaps) = ev.brief_gaps(outlet, args.target);
            let rows = lines.write(&ev, outlet, &brief, args.target, &gaps, text);
            let counted = Counted::of_standing(outlet, brief.standing());
            return (counted, OutletRows::InText(rows), None);
        }
        // Only the rules the rows need are checked ([`Evaluator::brief_gaps`]).
        let (brief, failing) = ev.brief_gaps(outlet, args.target);
        let rows = gap_rows_of(book, &cells, outlet, &brief, args.target, &failing, c.lang);
        let rows = maker.outlet_rows(rows, text);
        // The outlet's grade, for a format that shows it (assessed whole to name a waived rule).
        let grade = related.then(|| {
            let a = (brief.waived > 0).then(|| ev.assess(outlet));
            grade_row_of(book, &cells, outlet, &brief, a.as_ref())
        });
        (Counted::of_standing(outlet, brief.standing()), rows, grade)
    };
    type Made = (Counted, OutletRows, Option<Vec<Out>>);
    let take = |(counted, rows, grade): Made, text: &str| -> Result<()> {
        tally.count(counted);
        writer.outlet_rows(rows, text)?;
        if let Some(grade) = grade {
            writer.related("outlets", &grade_columns, &[grade])?;
        }
        Ok(())
    };
    inventory.each_outlet(c.threads(), &mut problems, work, take)?;
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let counts = problems.counts();
    writer.related("outlets", &grade_columns, &[])?;
    let sections = tally.sections(book, inventory.rows_read(), counts);
    writer.finish(&sections, problems.kept())?.commit()?;
    problems.finish();
    Ok(c.fail_on
        .exit_with(tally.below_minimum, tally.overclaimed, counts.0 > 0))
}
