//! The command line: one file per subcommand (`Args` + `run`), and the mapping of outcomes to exit
//! codes — 0 clean, 1 findings, 2 could not run.

pub mod common;
pub mod diff;
pub mod divisions;
pub mod explain;
pub mod gaps;
pub mod grade;
pub mod output;
pub mod rules;
pub mod summary;
pub mod template;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::inventory::InventoryError;
use crate::rulebook::RulebookError;
use crate::text::{Lang, visible, visible_lines};

/// 基层公共就业服务网点分类分级评定工具 — grade grassroots public employment-service outlets against
/// 《基层公共就业服务网点分类分级建设工作指引》(2025).
#[derive(Debug, Parser)]
#[command(name = "outlet", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 every outlet meets its minimum and no data problems; 1 findings \
(an outlet below its minimum, or data problems; see --fail-on); 2 could not run.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade every outlet: assessed grade, minimum for its type, claim and status.
    Grade(grade::Args),
    /// List what each outlet lacks to reach the next grade (or --target), rule by rule.
    Gaps(gaps::Args),
    /// Show every rule of every grade for one outlet, with the values read.
    Explain(explain::Args),
    /// Per region (or type): outlets by type and grade, shares, and region-level structure checks.
    Summary(summary::Args),
    /// Compare two inventories (two years, say): upgraded, downgraded and why, new, closed.
    Diff(diff::Args),
    /// List, explain, check, show a rulebook, and its coverage of the guideline.
    Rules(rules::Args),
    /// Write a blank inventory with every column the rulebook grades on.
    Template(template::Args),
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every outlet meets its minimum and there are no data problems.
    Clean = 0,
    /// Findings: an outlet below its minimum, or data problems (see `--fail-on`).
    Findings = 1,
    /// Could not run: bad arguments, unreadable file, invalid rulebook, missing required column.
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Parses the command line, runs, prints any error, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // An error may echo an argument: its control characters are shown, not sent.
            let _ = if e.use_stderr() {
                write!(io::stderr(), "{}", visible_lines(&e.render().to_string()))
            } else {
                e.print()
            };
            return if e.use_stderr() {
                Exit::Error.into()
            } else {
                Exit::Clean.into()
            };
        }
    };
    let lang = cli.command.lang();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            if is_broken_pipe(&e) {
                return Exit::Clean.into();
            }
            eprintln!("{}", render_error(&e, lang));
            Exit::Error.into()
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Grade(args) => grade::run(args),
        Command::Gaps(args) => gaps::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Summary(args) => summary::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Template(args) => template::run(args),
    }
}

impl Command {
    fn lang(&self) -> Lang {
        match self {
            Command::Grade(a) => a.common.lang,
            Command::Gaps(a) => a.common.lang,
            Command::Explain(a) => a.common.lang,
            Command::Summary(a) => a.common.lang,
            Command::Diff(a) => a.common.lang,
            Command::Rules(a) => a.command.lang(),
            Command::Template(a) => a.lang,
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, in `lang` where the error speaks it. It may echo a value
/// from a file or the command line, so its control characters are shown, not sent to the terminal
/// ([`visible`]); the errors that list several problems or end with a hint keep their lines.
fn render_error(e: &anyhow::Error, lang: Lang) -> String {
    let label = lang.pick("错误", "error");
    if let Some(inv) = e.downcast_ref::<InventoryError>() {
        return format!("{label}: {}", visible(&inv.render(lang)));
    }
    if let Some(w) = e.downcast_ref::<crate::waiver::WaiverError>() {
        return format!("{label}: {}", visible_lines(&w.render(lang)));
    }
    if let Some(d) = e.downcast_ref::<crate::divisions::DivisionsError>() {
        return format!("{label}: {}", d.render(lang));
    }
    if let Some(rb) = e.downcast_ref::<RulebookError>() {
        return format!("{label}: {}", visible_lines(&rb.to_string()));
    }
    let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    format!("{label}: {}", visible_lines(&chain.join(": ")))
}
