//! `outlet rules`: list, explain, check, show and coverage of a rulebook.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;
use jiff::civil::Date;
use serde_json::json;

use super::Exit;
use super::output::{Output, Reads};
use crate::report::rules::{
    check_text, coverage_columns, coverage_rows, explain, interpretations, list_columns, list_row,
    problem_json,
};
use crate::report::{Column, Format, Meta, Out, Writer};
use crate::rulebook::{BUILTIN_YAML, Rulebook};
use crate::suggest::did_you_mean;
use crate::text::{Lang, visible, visible_lines};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// Options of every `rules` subcommand.
#[derive(Clone, Debug, clap::Args)]
pub struct RulesArgs {
    /// The rulebook (YAML, whole or an overlay); the built-in one when absent.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The run's language: the global `--lang`, set after parsing.
    #[arg(skip)]
    pub lang: Lang,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl RulesArgs {
    /// The rulebook, once the output is known to be writable (a workbook is never written to a
    /// terminal, as `grade` refuses it).
    fn rulebook(&self) -> Result<Rulebook> {
        super::output::check_workbook(
            self.format == Format::Xlsx,
            self.output.as_deref(),
            self.lang,
        )?;
        Ok(Rulebook::load_or_builtin(self.rules.as_deref())?)
    }
}

/// The formats of `rules check`, whose report is a list of problems.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One problem a line.
    #[default]
    Table,
    /// A Markdown list.
    Markdown,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, grade, kind, article, title.
    List(RulesArgs),
    /// One rule: what it checks, why, the article's words, values that pass and fail.
    Explain {
        /// The rule id, such as G3-WINDOW.
        id: String,
        /// The date the examples are built for (default: today).
        #[arg(long, value_name = "DATE", value_parser = super::i18n::parse_date_arg)]
        as_of: Option<Date>,
        #[command(flatten)]
        args: RulesArgs,
    },
    /// Validate a rulebook, reporting every problem at once (exit 2 on any).
    Check {
        /// The rulebook to check.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
        format: CheckFormat,
        /// The run's language: the global `--lang`, set after parsing.
        #[arg(skip)]
        lang: Lang,
    },
    /// The rulebook as YAML: the file as written, or with --resolved the effective rulebook after
    /// overlays (which loads again on its own).
    Show {
        /// Show the effective rulebook after overlays instead of the file as written.
        #[arg(long)]
        resolved: bool,
        #[command(flatten)]
        args: RulesArgs,
    },
    /// Which articles of chapters 3-9 the rulebook encodes, which it leaves out and why, and which
    /// rules interpret vague wording.
    Coverage(RulesArgs),
}

impl RulesCommand {
    pub fn lang(&self) -> Lang {
        match self {
            RulesCommand::List(a) | RulesCommand::Coverage(a) => a.lang,
            RulesCommand::Explain { args, .. } | RulesCommand::Show { args, .. } => args.lang,
            RulesCommand::Check { lang, .. } => *lang,
        }
    }

    /// Gives the command the run's language.
    pub fn set_lang(&mut self, l: Lang) {
        match self {
            RulesCommand::List(a) | RulesCommand::Coverage(a) => a.lang = l,
            RulesCommand::Explain { args, .. } | RulesCommand::Show { args, .. } => args.lang = l,
            RulesCommand::Check { lang, .. } => *lang = l,
        }
    }
}

/// Writes rows about the rulebook (no inventory) in the chosen format.
fn write_rows(
    a: &RulesArgs,
    book: &Rulebook,
    command: &'static str,
    rows_key: &'static str,
    columns: Vec<Column>,
    rows: Vec<Vec<Out>>,
    sections: &[crate::report::Section],
) -> Result<Exit> {
    let out = Output::open(a.output.as_deref(), &Reads::of_rulebook(book), a.lang)?;
    let mut w = Writer::new(
        out,
        a.format,
        a.lang,
        book,
        Meta::rulebook(command, book),
        rows_key,
        columns,
    );
    for row in &rows {
        w.row(row)?;
    }
    w.finish(sections, &[])?.commit()?;
    Ok(Exit::Clean)
}

pub fn run(args: Args) -> Result<Exit> {
    match args.command {
        RulesCommand::List(a) => {
            let book = a.rulebook()?;
            let rows = book
                .rules
                .iter()
                .map(|rule| list_row(&book, rule, a.lang))
                .collect();
            write_rows(&a, &book, "rules list", "rules", list_columns(), rows, &[])
        }
        RulesCommand::Explain { id, as_of, args: a } => {
            let book = a.rulebook()?;
            let Some(i) = book
                .rule_by_id(&id)
                .or_else(|| book.rule_by_id(&id.to_uppercase()))
            else {
                let hint = did_you_mean(&id, book.rules.iter().map(|r| r.id.as_str()))
                    .map(|s| match a.lang {
                        Lang::Zh => format!("\n  提示: 是否想写 `{s}`?"),
                        Lang::En => format!("\n  help: did you mean `{s}`?"),
                    })
                    .unwrap_or_default();
                match a.lang {
                    Lang::Zh => bail!("没有编号为 `{id}` 的规则{hint}"),
                    Lang::En => bail!("unknown rule `{id}`{hint}"),
                }
            };
            let as_of = as_of.unwrap_or_else(|| jiff::ZonedDateTime::now().date());
            let section = explain(&book, &book.rules[i], as_of, a.lang);
            let out = Output::open(a.output.as_deref(), &Reads::of_rulebook(&book), a.lang)?;
            let mut w = Writer::new(
                out,
                a.format,
                a.lang,
                &book,
                Meta::rulebook("rules explain", &book),
                "rules",
                section.columns.clone(),
            )
            .vertical();
            for row in &section.rows {
                w.row(row)?;
            }
            w.finish(&[], &[])?.commit()?;
            Ok(Exit::Clean)
        }
        RulesCommand::Check { file, format, lang } => check(&file, format, lang),
        RulesCommand::Show { resolved, args: a } => {
            let book = a.rulebook()?;
            let mut out = Output::open(a.output.as_deref(), &Reads::of_rulebook(&book), a.lang)?;
            match a.format {
                Format::Json => {
                    serde_json::to_writer_pretty(&mut out, &book.raw)?;
                    writeln!(out)?;
                }
                Format::Csv | Format::Xlsx => {
                    let columns = vec![
                        Column::new("id", "规则", "id"),
                        Column::new("grade", "级别", "grade"),
                        Column::new("kind", "类别", "kind"),
                        Column::new("article", "条款", "article"),
                        Column::new("check", "条件", "check"),
                    ];
                    let mut w = Writer::new(
                        out,
                        a.format,
                        a.lang,
                        &book,
                        Meta::rulebook("rules show", &book),
                        "rules",
                        columns,
                    );
                    for r in &book.rules {
                        w.row(&[
                            Out::str(&r.id),
                            Out::Int(i64::from(r.grade)),
                            Out::str(r.kind.key()),
                            Out::str(&r.article),
                            Out::str(check_text(&book, r)),
                        ])?;
                    }
                    return w.finish(&[], &[])?.commit().map(|_| Exit::Clean);
                }
                Format::Table | Format::Markdown | Format::Html => {
                    let text = if resolved {
                        serde_yaml::to_string(&book.raw)?
                    } else {
                        match &a.rules {
                            Some(p) => crate::files::read_text(p).map_err(|e| {
                                anyhow::anyhow!("{}: {}", p.display(), e.text().get(a.lang))
                            })?,
                            None => BUILTIN_YAML.to_string(),
                        }
                    };
                    // The file as it is, but for control characters, which are shown.
                    let text = visible_lines(&text);
                    if a.format == Format::Markdown {
                        writeln!(out, "```yaml\n{text}```")?;
                    } else {
                        write!(out, "{text}")?;
                    }
                }
            }
            out.commit()?;
            Ok(Exit::Clean)
        }
        RulesCommand::Coverage(a) => {
            let book = a.rulebook()?;
            let sections = if a.format.wants().sections {
                vec![interpretations(&book, a.lang)]
            } else {
                Vec::new()
            };
            let rows = coverage_rows(&book, a.lang);
            write_rows(
                &a,
                &book,
                "rules coverage",
                "articles",
                coverage_columns(),
                rows,
                &sections,
            )
        }
    }
}

/// Loads a rulebook and reports every problem in it.
fn check(file: &std::path::Path, format: CheckFormat, lang: Lang) -> Result<Exit> {
    let format = match format {
        CheckFormat::Table => Format::Table,
        CheckFormat::Markdown => Format::Markdown,
        CheckFormat::Csv => Format::Csv,
        CheckFormat::Json => Format::Json,
    };
    let result = Rulebook::load(file);
    let mut out = Output::open(None, &Reads::default(), lang)?;
    match (&result, format) {
        (Ok(book), Format::Json) => writeln!(
            out,
            "{}",
            json!({"ok": true, "file": file.display().to_string(), "id": book.id, "version": book.version, "rules": book.rules.len(), "problems": []})
        )?,
        (Err(e), Format::Json) => writeln!(
            out,
            "{}",
            json!({"ok": false, "file": file.display().to_string(), "problems": e.problems.iter().map(problem_json).collect::<Vec<_>>()})
        )?,
        (Ok(_), Format::Csv) => writeln!(out, "file,line,context,message,help")?,
        (Err(e), Format::Csv) => {
            writeln!(out, "file,line,context,message,help")?;
            for p in &e.problems {
                let cells = [
                    p.file.clone(),
                    p.line.map(|l| l.to_string()).unwrap_or_default(),
                    p.context.clone(),
                    p.message_in(lang),
                    p.help_in(lang).unwrap_or_default(),
                ];
                let quoted: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        if c.contains([',', '"', '\n']) {
                            format!("\"{}\"", c.replace('"', "\"\""))
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                writeln!(out, "{}", quoted.join(","))?;
            }
        }
        (Ok(book), _) => {
            let bullet = if format == Format::Markdown { "- " } else { "" };
            let (file, id, version) = (
                visible(&file.display().to_string()).into_owned(),
                visible(&book.id).into_owned(),
                visible(&book.version).into_owned(),
            );
            match lang {
                Lang::Zh => writeln!(
                    out,
                    "{bullet}{file}: 规则集 {id} {version} 有效,共 {} 条规则、{} 个字段",
                    book.rules.len(),
                    book.fields.len()
                )?,
                Lang::En => writeln!(
                    out,
                    "{bullet}{file}: rulebook {id} {version} is valid: {} rules, {} fields",
                    book.rules.len(),
                    book.fields.len()
                )?,
            }
        }
        (Err(e), _) => {
            let bullet = if format == Format::Markdown { "- " } else { "" };
            for p in &e.problems {
                writeln!(out, "{bullet}{}", visible_lines(&p.render(lang)))?;
            }
            match lang {
                Lang::Zh => writeln!(out, "{bullet}共 {} 个问题", e.problems.len())?,
                Lang::En => writeln!(out, "{bullet}{} problem(s)", e.problems.len())?,
            }
        }
    }
    out.commit()?;
    Ok(if result.is_ok() {
        Exit::Clean
    } else {
        Exit::Error
    })
}
