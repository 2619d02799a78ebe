//! The command line: one file per subcommand (`Args` + `run`), and the mapping of outcomes to exit
//! codes — 0 clean, 1 findings, 2 could not run.

pub mod common;
pub mod diff;
pub mod divisions;
pub mod explain;
pub mod gaps;
pub mod grade;
pub mod i18n;
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
    /// Output language (also set by the environment variable `OUTLET_LANG`).
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,
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
    /// Print a shell completion script (on standard output).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff, on standard output).
    Man {
        /// The command whose page to print (grade, or rules check, say); outlet itself when absent.
        command: Vec<String>,
    },
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = i18n::scan_lang(&args);
    let parsed = i18n::command(lang)
        .try_get_matches_from(&args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let mut cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // An error may echo an argument: its control characters are shown, not sent.
            let _ = if e.use_stderr() {
                write!(
                    io::stderr(),
                    "{}",
                    visible_lines(&i18n::render_error(&e, lang))
                )
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
    let lang = cli.lang.unwrap_or(lang);
    cli.command.set_lang(lang);
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
        Command::Completions { shell } => {
            let mut cmd = i18n::command(cli.lang.unwrap_or_default());
            let mut out = io::stdout().lock();
            clap_complete::generate(shell, &mut cmd, "outlet", &mut out);
            out.flush()?;
            Ok(Exit::Clean)
        }
        Command::Man { command } => man(&command, cli.lang.unwrap_or_default()),
    }
}

/// `outlet man [COMMAND…]`: the page of `outlet`, or of one of its commands, as roff.
fn man(words: &[String], lang: Lang) -> anyhow::Result<Exit> {
    let mut cmd = i18n::command(lang);
    let mut name = "outlet".to_string();
    for w in words {
        let Some(sub) = cmd.find_subcommand(w).cloned() else {
            anyhow::bail!(
                "{}",
                match lang {
                    Lang::Zh => format!("没有名为 `{w}` 的命令"),
                    Lang::En => format!("no command named `{w}`"),
                }
            );
        };
        name = format!("{name}-{}", sub.get_name());
        cmd = sub;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).title(name).render(&mut page)?;
    let mut out = io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(Exit::Clean)
}

impl Command {
    /// Gives the command the run's language (the global `--lang`, or `OUTLET_LANG`).
    pub fn set_lang(&mut self, lang: Lang) {
        match self {
            Command::Grade(a) => a.common.lang = lang,
            Command::Gaps(a) => a.common.lang = lang,
            Command::Explain(a) => a.common.lang = lang,
            Command::Summary(a) => a.common.lang = lang,
            Command::Diff(a) => a.common.lang = lang,
            Command::Rules(a) => a.command.set_lang(lang),
            Command::Template(a) => a.lang = lang,
            Command::Completions { .. } | Command::Man { .. } => {}
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
        return format!("{label}: {}", visible_lines(&rb.render(lang)));
    }
    // An I/O error is told by its kind in Chinese, never in the system's English.
    let chain: Vec<String> = e
        .chain()
        .map(|c| match c.downcast_ref::<io::Error>() {
            Some(io) => crate::text::io_message(io, lang),
            None => c.to_string(),
        })
        .collect();
    format!("{label}: {}", visible_lines(&chain.join(": ")))
}
