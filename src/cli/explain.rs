//! `outlet explain`: every rule of every grade for one outlet — passed, failed or missing — with
//! the values read and the article.

use std::path::PathBuf;

use anyhow::{Result, bail};

use super::Exit;
use super::common::{CommonArgs, print_problems};
use crate::eval::Status;
use crate::report::outlets::{
    explain_columns, explain_outlet, explain_rows, gaps_columns, gaps_rows,
};
use crate::report::{Section, Writer};
use crate::suggest::did_you_mean;
use crate::text::Lang;
use crate::text::Text;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory: CSV (UTF-8, UTF-8 with BOM or GBK), YAML or a workbook (.xlsx, .xls, .ods);
    /// `-` reads standard input.
    pub inventory: PathBuf,
    /// The outlet's id (网点编号).
    pub id: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, mut problems) = c.prepare(&args.inventory)?;
    let (book, input) = (&prep.book, &prep.input);
    let ev = prep.evaluator();
    // An output that cannot be written is refused before any outlet is read.
    let out = prep.output(c)?;
    let mut inventory = c.open_inventory(input, book)?;

    // Read the whole inventory: its problems (a repeated id, say) matter to this outlet too.
    let mut found = None;
    let mut ids = Vec::new();
    while let Some(outlet) = inventory.next_outlet(&mut problems)? {
        if outlet.id == args.id {
            found = Some(outlet);
        } else if found.is_none() && ids.len() < 100_000 {
            ids.push(outlet.id);
        }
    }
    let Some(outlet) = found else {
        let hint = did_you_mean(&args.id, ids.iter().map(String::as_str));
        let (msg, help) = match c.lang {
            Lang::Zh => (
                format!("{}: 没有编号为 `{}` 的网点", input.label(), args.id),
                "提示: 是否想查",
            ),
            Lang::En => (
                format!("{}: no outlet has id `{}`", input.label(), args.id),
                "help: did you mean",
            ),
        };
        match hint {
            Some(s) => bail!("{msg}\n  {help} `{s}`?"),
            None => bail!("{msg}"),
        }
    };
    let file = inventory.file().clone();
    problems.retain(|p| p.row == Some(outlet.row) && p.file == file);
    let a = ev.assess(&outlet);
    let (columns, shown) = explain_columns();
    let meta = c.meta("explain", input, &inventory, book);
    let mut writer = Writer::new(out, c.output_format(), c.lang, book, meta, "rules", columns)
        .brief(shown)
        .excel(c.excel);
    writer.preamble(explain_outlet(&ev, &outlet, &a));
    // A workbook also lists the outlet's gaps on a sheet of their own.
    writer.sheet(Section {
        key: "gaps".into(),
        title: Text::new("缺项清单", "Gaps"),
        columns: gaps_columns().0,
        rows: gaps_rows(&ev, &outlet, &a, None, c.lang),
        single: false,
    })?;
    for r in explain_rows(book, &outlet, &a, c.lang) {
        writer.row(&r)?;
    }
    writer.finish(&[], &problems)?.commit()?;
    print_problems(&problems, c.lang);
    let (below, over) = (
        a.status == Status::BelowMinimum,
        a.status == Status::Overclaimed,
    );
    Ok(c.fail_on.exit(u64::from(below), u64::from(over), &problems))
}
