//! Options every grading command shares, and the steps they share: load the rulebook, open the
//! inventory, decide the exit code.

use std::io;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use jiff::civil::Date;

use super::output::{Output, Reads};
use crate::eval::Evaluator;
use crate::inventory::{Input, InputFormat, Inventory};
use crate::problem::{Problem, Severity};
use crate::report::{Format, Meta};
use crate::rulebook::Rulebook;
use crate::text::{Lang, visible};
use crate::waiver::Waivers;

/// The most threads used by default: beyond this, writing the report in order is the limit.
const MAX_THREADS: usize = 8;

/// What makes a run exit 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// An outlet below its minimum grade, or a data problem (the default).
    #[default]
    BelowMinimum,
    /// As below-minimum, and also an outlet that claims more than it reaches.
    Overclaimed,
    /// Nothing: exit 0 whenever the run completes.
    Never,
}

#[derive(Clone, Debug, Args)]
pub struct CommonArgs {
    /// The rulebook to grade with (YAML); the built-in one when absent.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// The date to grade as of, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE", value_parser = super::i18n::parse_date_arg)]
    pub as_of: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The run's language: the global `--lang` (or `OUTLET_LANG`), set after parsing.
    #[arg(skip)]
    pub lang: Lang,
    /// Write the report to FILE instead of standard output (a file is written whole or not at
    /// all; a device or a named pipe is written as the report is made).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// What counts as a finding that makes the run exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::BelowMinimum)]
    pub fail_on: FailOn,
    /// The inventory's format, when its file name does not tell (standard input is read as CSV).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// Approved waivers (YAML or CSV: outlet, rule, reason, `approved_by`, expires).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// The official division list (the statistics bureau's 统计用区划代码 table, CSV with columns
    /// 统计用区划代码 and 名称, or code and name): each outlet's division code must be in it, at
    /// the level of its type, and its region names must be the official ones (data warnings).
    #[arg(long, value_name = "FILE")]
    pub divisions: Option<PathBuf>,
    /// The sheet to read in a workbook inventory (default: the first visible one).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// CSV for Excel: UTF-8 with a byte-order mark and CRLF line ends, a cell that Excel would run
    /// as a formula prefixed with `'` (implies --format csv).
    #[arg(long)]
    pub excel: bool,
    /// Threads to read and grade with (default: one per core). The report is the same whatever
    /// the number.
    #[arg(long, short = 'j', value_name = "N", value_parser = super::i18n::parse_threads)]
    pub threads: Option<usize>,
}

/// What every grading command prepares before reading outlets: the rulebook, the input, the
/// waivers, and the problems found so far.
pub struct Prepared {
    pub book: Rulebook,
    pub input: Input,
    pub as_of: Date,
    pub waivers: Option<Waivers>,
    /// The files read so far (the rulebook's, the waivers), which no output may replace.
    pub reads: Reads,
}

impl Prepared {
    /// Opens `--output`, which may be none of the files the run reads: the inventory, the
    /// rulebook and every file it extends, the waivers.
    pub fn output(&self, c: &CommonArgs) -> Result<Output> {
        let mut reads = self.reads.clone();
        reads.add_input("INVENTORY", &self.input);
        Output::open(c.output.as_deref(), &reads, c.lang)
    }

    pub fn evaluator(&self) -> Evaluator<'_> {
        let ev = Evaluator::new(&self.book, self.as_of);
        match &self.waivers {
            Some(w) => ev.with_waivers(w),
            None => ev,
        }
    }

    /// After the last outlet: warnings for waivers of outlets the inventory does not have.
    pub fn unknown_waived_outlets(&self, inventory: &Inventory) -> Vec<Problem> {
        self.waivers
            .as_ref()
            .map_or_else(Vec::new, |w| w.unknown_outlets(|id| inventory.has_id(id)))
    }
}

impl CommonArgs {
    /// Loads the rulebook and the waivers for grading `inventory`; returns the problems (warnings
    /// about waivers) found so far.
    pub fn prepare(&self, inventory: &std::path::Path) -> Result<(Prepared, Vec<Problem>)> {
        self.check_format()?;
        let mut book = self.rulebook()?;
        if let Some(path) = &self.divisions {
            book.divisions = Some(std::sync::Arc::new(super::divisions::load(path, &book)?));
        }
        let as_of = self.as_of();
        let mut problems = Vec::new();
        let mut reads = Reads::of_rulebook(&book);
        if let Some(path) = &self.divisions {
            reads.add("--divisions", path);
        }
        let waivers = match &self.waivers {
            Some(path) => {
                reads.add("--waivers", path);
                Some(Waivers::load(path, &book, as_of, &mut problems)?)
            }
            None => None,
        };
        Ok((
            Prepared {
                book,
                input: Input::from_arg(inventory),
                as_of,
                waivers,
                reads,
            },
            problems,
        ))
    }

    /// The report's format: `--excel` is CSV.
    pub fn output_format(&self) -> Format {
        if self.excel { Format::Csv } else { self.format }
    }

    /// Refuses `--excel` with another format than CSV, and a workbook written to a terminal.
    fn check_format(&self) -> Result<()> {
        if self.excel && !matches!(self.format, Format::Csv | Format::Table) {
            let format = self
                .format
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default();
            anyhow::bail!(match self.lang {
                Lang::Zh =>
                    format!("--excel 输出供 Excel 打开的 CSV,不能与 --format {format} 同用"),
                Lang::En => format!(
                    "--excel writes CSV for Excel; it cannot be combined with --format {format}"
                ),
            });
        }
        super::output::check_workbook(
            self.format == Format::Xlsx,
            self.output.as_deref(),
            self.lang,
        )
    }

    /// Opens the inventory, on the sheet `--sheet` names in a workbook.
    /// Opens the inventory, graded as of the run's date, and says on standard error how its
    /// columns were read when there is anything to say (a sheet, a header read by a synonym or
    /// without its brackets, columns left unplaced).
    pub fn open_inventory<'b>(&self, input: &Input, book: &'b Rulebook) -> Result<Inventory<'b>> {
        let mut inventory =
            Inventory::open_sheet(input, self.input_format, self.sheet.as_deref(), book)?;
        inventory.set_as_of(Some(self.as_of()));
        for line in column_lines(&inventory, book, self.lang) {
            eprintln!("{}", crate::text::visible(&line));
        }
        Ok(inventory)
    }

    /// The threads to grade with: `--threads`, or one per core.
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
        })
    }

    pub fn rulebook(&self) -> Result<Rulebook> {
        Ok(Rulebook::load_or_builtin(self.rules.as_deref())?)
    }

    pub fn as_of(&self) -> Date {
        self.as_of
            .unwrap_or_else(|| jiff::ZonedDateTime::now().date())
    }

    /// What the report of `command` on `inventory` says about how it was made.
    pub fn meta(
        &self,
        command: &'static str,
        input: &Input,
        inventory: &Inventory,
        book: &Rulebook,
    ) -> Meta {
        Meta {
            command,
            as_of: Some(self.as_of().to_string()),
            input: Some(input.label()),
            columns: Some(crate::report::ColumnsRead::of(inventory)),
            ..Meta::rulebook(command, book)
        }
    }
}

impl FailOn {
    /// The exit code of a run that found `below` outlets below their minimum, `overclaimed` that
    /// claim more than they reach, and `problems`: findings when it found what `self` counts.
    pub fn exit(self, below: u64, overclaimed: u64, problems: &[Problem]) -> super::Exit {
        let errors = problems.iter().any(|p| p.severity == Severity::Error);
        self.exit_with(below, overclaimed, errors)
    }

    /// As [`FailOn::exit`], told whether there were data errors.
    pub fn exit_with(self, below: u64, overclaimed: u64, errors: bool) -> super::Exit {
        let fail = match self {
            FailOn::Never => false,
            FailOn::BelowMinimum => below > 0 || errors,
            FailOn::Overclaimed => below > 0 || overclaimed > 0 || errors,
        };
        if fail {
            super::Exit::Findings
        } else {
            super::Exit::Clean
        }
    }
}

/// The data problems of a run over a whole inventory, which may have one in every row: each is
/// printed to standard error as it is found and counted, and the first [`KEPT_PROBLEMS`] are kept
/// for the report (JSON, HTML and workbooks list them), so that memory stays bounded.
pub struct ProblemLog {
    lang: Lang,
    err: io::BufWriter<io::Stderr>,
    kept: Vec<Problem>,
    pub errors: u64,
    pub warnings: u64,
    /// Repeated problems (DOMAIN "Repeated problems are grouped"): by column, value and kind,
    /// how many and the first rows past those printed, in the order first seen.
    groups: std::collections::HashMap<GroupKey, Group>,
    order: Vec<GroupKey>,
}

/// A kind of problem repeated on many rows: its column, its value and what is wrong.
type GroupKey = (
    Option<String>,
    Option<String>,
    std::mem::Discriminant<crate::problem::ProblemKind>,
);

/// How often a problem of one [`GroupKey`] was seen, and the rows of those not printed.
struct Group {
    count: u64,
    rows: Vec<u64>,
    first: Problem,
}

/// How many problems of one kind, column and value are printed one by one; the rest are one line.
const PRINTED_ALIKE: u64 = 3;

/// How many distinct repeated problems are tracked (each holds its column and value).
const GROUPS_TRACKED: usize = 100_000;

/// How many data problems a report lists, at most; standard error has them all, and the totals
/// count them all.
pub const KEPT_PROBLEMS: usize = 10_000;

impl ProblemLog {
    /// A log that starts with `problems` (those found before the inventory is read).
    pub fn new(lang: Lang, problems: Vec<Problem>) -> ProblemLog {
        let mut log = ProblemLog {
            lang,
            err: io::BufWriter::new(io::stderr()),
            kept: Vec::new(),
            errors: 0,
            warnings: 0,
            groups: std::collections::HashMap::new(),
            order: Vec::new(),
        };
        log.extend(problems);
        log
    }

    /// The problems kept for the report.
    pub fn kept(&self) -> &[Problem] {
        &self.kept
    }

    /// Errors and warnings found so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.errors, self.warnings)
    }

    /// Ends the log on standard error with the counts.
    pub fn finish(mut self) {
        use std::io::Write;
        let zh = self.lang == Lang::Zh;
        for key in std::mem::take(&mut self.order) {
            let Some(g) = self.groups.get(&key) else {
                continue;
            };
            if g.count <= PRINTED_ALIKE {
                continue;
            }
            let more = g.count - PRINTED_ALIKE;
            let rows = g
                .rows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " });
            let etc = if more > g.rows.len() as u64 {
                "…"
            } else {
                ""
            };
            let mut first = g.first.clone();
            first.row = None;
            first.cell = None;
            let line = if zh {
                format!(
                    "{} (同样的问题另有 {more} 行: 第 {rows}{etc} 行)",
                    first.render(self.lang)
                )
            } else {
                format!(
                    "{} (the same on {more} more rows: {rows}{etc})",
                    first.render(self.lang)
                )
            };
            let _ = writeln!(self.err, "{}", visible(&line));
        }
        if self.errors + self.warnings > 0 {
            let (errors, warnings) = (self.errors, self.warnings);
            let _ = match self.lang {
                Lang::Zh => writeln!(self.err, "数据问题: {errors} 个错误, {warnings} 个警告"),
                Lang::En => writeln!(
                    self.err,
                    "data problems: {errors} errors, {warnings} warnings"
                ),
            };
        }
        let _ = self.err.flush();
    }
}

impl Extend<Problem> for ProblemLog {
    fn extend<I: IntoIterator<Item = Problem>>(&mut self, problems: I) {
        use std::io::Write;
        for p in problems {
            if self.printed_alike(&p) {
                // A value may hold control characters: shown, never sent to the terminal.
                let _ = writeln!(self.err, "{}", visible(&p.render(self.lang)));
            }
            match p.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
            if self.kept.len() < KEPT_PROBLEMS {
                self.kept.push(p);
            }
        }
    }
}

impl ProblemLog {
    /// Whether a problem is printed on its own line: the first few of a column, value and kind;
    /// the others are counted and said in one line at the end. Reports keep every one.
    fn printed_alike(&mut self, p: &Problem) -> bool {
        if p.row.is_none() || p.column.is_none() {
            return true;
        }
        let key = (
            p.column.clone(),
            p.value.clone(),
            std::mem::discriminant(&p.kind),
        );
        if let Some(g) = self.groups.get_mut(&key) {
            g.count += 1;
            if g.count <= PRINTED_ALIKE {
                return true;
            }
            if g.rows.len() < 5 {
                g.rows.extend(p.row);
            }
            return false;
        }
        if self.groups.len() < GROUPS_TRACKED {
            self.order.push(key.clone());
            self.groups.insert(
                key,
                Group {
                    count: 1,
                    rows: Vec::new(),
                    first: p.clone(),
                },
            );
        }
        true
    }
}

/// Prints data problems to standard error, one line each, with a count (as a [`ProblemLog`]
/// does, for the commands that keep them all).
pub fn print_problems(problems: &[Problem], lang: Lang) {
    let mut log = ProblemLog::new(lang, Vec::new());
    log.extend(problems.iter().cloned());
    log.finish();
}

/// The column report in a few lines (DOMAIN "Every run says which column fed each field"): the
/// sheet read and those passed over, the headers read by a synonym or without a bracketed part,
/// and, when a field a rule reads has no column, the columns no field knows (kept and passed
/// through). Nothing for a file whose headers are the rulebook's own names.
pub fn column_lines(inventory: &Inventory, book: &Rulebook, lang: Lang) -> Vec<String> {
    use crate::inventory::header::Matched;
    let zh = lang == Lang::Zh;
    let sep = if zh { "、" } else { ", " };
    let mut lines = Vec::new();
    if let Some((sheet, passed)) = inventory.sheet_read() {
        let passed = passed
            .iter()
            .map(|s| {
                if zh {
                    format!("「{s}」")
                } else {
                    format!("`{s}`")
                }
            })
            .collect::<Vec<_>>()
            .join(sep);
        lines.push(match (zh, passed.is_empty()) {
            (true, true) => format!("列: 读取工作表「{sheet}」"),
            (true, false) => format!("列: 读取工作表「{sheet}」(跳过了缺少必填列的工作表 {passed})"),
            (false, true) => format!("columns: read sheet `{sheet}`"),
            (false, false) => format!(
                "columns: read sheet `{sheet}` (passed over {passed}, which lack the required columns)"
            ),
        });
    }
    let report = inventory.columns();
    let read_as: Vec<String> = report
        .placed
        .iter()
        .filter(|(_, header, p)| {
            // A header that is the field's own name or key is no news.
            let field = &book.fields[p.field];
            let folded = crate::text::fold_header(header);
            !(p.matched == Matched::Whole
                && (folded == crate::text::fold_header(&field.name.zh)
                    || folded == crate::text::fold_header(&field.key)))
        })
        .map(|(_, header, p)| {
            let name = &book.fields[p.field].name.zh;
            let header = crate::text::trim(header);
            match (&p.matched, zh) {
                (Matched::Unit(u), true) => format!("「{header}」→{name}(单位 {u})"),
                (Matched::Unit(u), false) => format!("`{header}` → {name} (unit {u})"),
                (_, true) => format!("「{header}」→{name}"),
                (_, false) => format!("`{header}` → {name}"),
            }
        })
        .collect();
    if !read_as.is_empty() {
        let list = read_as.join(sep);
        lines.push(if zh {
            format!("列: 按同义词识别 {list}")
        } else {
            format!("columns: read as {list}")
        });
    }
    // Columns left over are listed when a field a rule reads has no column: one of them may be
    // it under another name. (A 备注 column beside a complete header is nothing to report.)
    let wanting = report.absent.iter().any(|a| a.severity.is_some());
    if wanting && !report.unplaced.is_empty() {
        let list = report
            .unplaced
            .iter()
            .map(|(_, h)| {
                let h = crate::text::trim(h);
                if zh {
                    format!("「{h}」")
                } else {
                    format!("`{h}`")
                }
            })
            .collect::<Vec<_>>()
            .join(sep);
        lines.push(if zh {
            format!("列: 未识别(原样保留) {list}")
        } else {
            format!("columns: not known, passed through: {list}")
        });
    }
    lines
}
