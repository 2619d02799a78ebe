//! `outlet grade`: every outlet's assessed grade, minimum, claim and status, then a summary.

use std::path::PathBuf;

use std::io::{Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};

use super::Exit;
use super::common::{CommonArgs, Prepared, ProblemLog, print_problems};
use super::output::{check_workbook_name, workbook_dir};
use crate::eval::{Evaluator, Status};
use crate::inventory::xlsx::WorkbookCopy;
use crate::inventory::{Input, InputFormat, Outlet};
use crate::problem::Problem;
use crate::report::annotate::{self, CopyError, Layout, Package, RowResult, Survey};
use crate::report::outlets::{
    GradeLines, SharedCells, gap_rows_of, gaps_columns, grade_columns, grade_row_of,
};
use crate::report::summary::{Counted, GroupBy, Groups, Tally};
use crate::report::xlsx::{Annotations, annotated};
use crate::report::{Out, OutletRows, RowMaker, Wants, Writer};
use crate::text::Lang;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory: CSV (UTF-8, UTF-8 with BOM or GBK), YAML or a workbook (.xlsx, .xls, .ods);
    /// `-` reads standard input.
    pub inventory: PathBuf,
    /// Write a copy of the workbook inventory to --output with each outlet's grade, minimum,
    /// status, gaps and data problems in columns added to its row.
    #[arg(long, requires = "output")]
    pub annotate: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, problems) = c.prepare(&args.inventory)?;
    if args.annotate {
        return annotate(c, &prep, problems);
    }
    let mut problems = ProblemLog::new(c.lang, problems);
    let (book, input) = (&prep.book, &prep.input);
    let ev = prep.evaluator();
    let mut inventory = c.open_inventory(input, book)?;
    let (columns, shown) = grade_columns(&inventory.extra_headers());
    let out = prep.output(c)?;
    let meta = c.meta("grade", input, &inventory, book);
    let mut writer = Writer::new(
        out,
        c.output_format(),
        c.lang,
        book,
        meta,
        "outlets",
        columns,
    )
    .brief(shown)
    .excel(c.excel)
    .workbook_dir(workbook_dir(c.output.as_deref()));
    // What the format needs beyond the rows: the gap list as a related table (a workbook's
    // sheets), or each listed outlet's gap list and tallies by region (the page's).
    let wants = writer.wants();

    let mut tally = Tally::new(book);
    // What every outlet's rows share (type names, rule texts), made once.
    let cells = SharedCells::new(book);
    // By county (the page adds them up by city and by province).
    let mut counties = Groups::new(GroupBy::County);
    let gap_columns = gaps_columns().0;
    let maker = writer.row_maker();
    // CSV lines are written straight.
    let lines = maker.csv().map(|csv| GradeLines::new(book, csv));
    // Set once the report lists only the outlets a reader acts on, and once it lists no more:
    // the others' gaps are not needed (an outlet graded before a flag is seen is given its gaps,
    // which the report may drop).
    let (long, full) = (AtomicBool::new(false), AtomicBool::new(false));
    let work = |outlet: &Outlet, text: &mut String| {
        if let Some(lines) = &lines {
            // A CSV line needs no rule's outcome.
            let b = ev.brief(outlet);
            lines.write_brief(&ev, outlet, &b, text);
            return Graded {
                counted: Counted::of_standing(outlet, b.standing()),
                rows: OutletRows::InText(1),
                gaps: None,
                detail: None,
            };
        }
        let listing = Listing {
            long: long.load(Ordering::Relaxed),
            full: full.load(Ordering::Relaxed),
        };
        grade_outlet(
            &Grading {
                ev: &ev,
                cells: &cells,
                maker: &maker,
                wants,
                lang: c.lang,
            },
            outlet,
            listing,
            text,
        )
    };
    let take = |g: Graded, text: &str| -> Result<()> {
        tally.count(g.counted);
        // The outlet's county key follows its rows in its text.
        let county_len = g.detail.as_ref().map_or(0, |d| d.county);
        let (text, county) = text.split_at(text.len().saturating_sub(county_len));
        writer.outlet_rows(g.rows, text)?;
        if writer.lists_some() {
            long.store(true, Ordering::Relaxed);
        }
        if writer.lists_no_more() {
            full.store(true, Ordering::Relaxed);
        }
        if let Some(detail) = g.detail {
            counties.count(book, county, g.counted);
            if let (Some((id, heading)), Some(outlet_gaps)) = (detail.listed, &g.gaps) {
                writer.detail(&id, heading, &gap_columns, outlet_gaps);
            }
        }
        if wants.related {
            // The gap list goes on sheets of its own, streamed as the results are.
            writer.related("gaps", &gap_columns, g.gaps.as_deref().unwrap_or_default())?;
        }
        Ok(())
    };
    inventory.each_outlet(c.threads(), &mut problems, work, take)?;
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let counts = problems.counts();
    // (A workbook without outlets still has its gap sheet.)
    writer.related("gaps", &gap_columns, &[])?;
    let sections = tally.sections(book, inventory.rows_read(), counts);
    if wants.details {
        writer.regions(counties);
    }
    writer.finish(&sections, problems.kept())?.commit()?;
    problems.finish();
    Ok(c.fail_on
        .exit_with(tally.below_minimum, tally.overclaimed, counts.0 > 0))
}

/// What a grading thread makes of an outlet: all that is kept of it.
struct Graded {
    counted: Counted,
    rows: OutletRows,
    /// For a related table or a detail: its gap list.
    gaps: Option<Vec<Vec<Out>>>,
    /// For the page ([`Wants::details`]): its county, and its part in the page's gap lists.
    detail: Option<Detail>,
}

/// What the page needs of an outlet.
struct Detail {
    /// The length of its county's key ([`GroupBy::key`]), to tally it by region: written at
    /// the end of its text, after its rows (nothing to allocate, nor to free on another thread).
    county: usize,
    /// For an outlet the page may list: its id, and its id and name.
    listed: Option<(String, String)>,
}

/// What grading an outlet's rows reads: the same for every outlet.
struct Grading<'g> {
    ev: &'g Evaluator<'g>,
    cells: &'g SharedCells,
    maker: &'g RowMaker<'g>,
    wants: Wants,
    lang: Lang,
}

/// Whether the report lists only the outlets a reader acts on, and whether it lists no more.
#[derive(Clone, Copy)]
struct Listing {
    long: bool,
    full: bool,
}

/// An outlet's row (made, or written into its batch's `text`), and what the format wants
/// besides ([`Wants`]), made as typed cells.
fn grade_outlet(g: &Grading<'_>, outlet: &Outlet, listing: Listing, text: &mut String) -> Graded {
    let (ev, wants) = (g.ev, g.wants);
    let book = ev.book;
    // Only the rules a row needs are checked: those of the brief, and for a gap list (a related
    // table's, or the detail of an outlet the report may list) those on the way to the next grade.
    let gaps_wanted = wants.related || (wants.details && !listing.long);
    let (b, failing) = if gaps_wanted {
        ev.brief_gaps(outlet, None)
    } else {
        (ev.brief(outlet), Vec::new())
    };
    // The report lists an outlet to act on even when it is long, until its list is full.
    let listed = wants.details && !listing.full && b.status != Status::Meets;
    let (b, failing) = if listed && !gaps_wanted {
        ev.brief_gaps(outlet, None)
    } else {
        (b, failing)
    };
    // An outlet with a waived rule is assessed whole, to name the rules.
    let a = (b.waived > 0).then(|| ev.assess(outlet));
    // Once the report lists only the outlets to act on, an outlet it will not list (one that
    // meets, or any once its list is full) is passed over without its row, when the format
    // allows.
    let passed_over =
        (wants.details && listing.long && (b.status == Status::Meets || listing.full))
            .then(|| g.maker.passed_over(b.status != Status::Meets, text))
            .flatten();
    let rows = passed_over.unwrap_or_else(|| {
        g.maker
            .outlet_rows([grade_row_of(book, g.cells, outlet, &b, a.as_ref())], text)
    });
    // A gap list for a related table, and for the page only of an outlet it may list: once the
    // report is long, of the outlets to act on until its list is full.
    let detailed = wants.details && (!listing.long || listed);
    let gaps = (wants.related || detailed)
        .then(|| gap_rows_of(book, g.cells, outlet, &b, None, &failing, g.lang));
    let detail = wants.details.then(|| Detail {
        county: {
            let start = text.len();
            GroupBy::County.write_key(book, outlet, g.lang, text);
            text.len() - start
        },
        listed: detailed.then(|| (outlet.id.clone(), format!("{} {}", outlet.id, outlet.name))),
    });
    Graded {
        counted: Counted::of_standing(outlet, b.standing()),
        rows,
        gaps,
        detail,
    }
}

/// `--annotate`: grades the workbook, then writes a copy of it with the results beside each row.
/// An `.xlsx` is copied part by part, its graded sheet streamed with the results added
/// ([`annotate::copy`]); another workbook (.xls, .ods, .xlsb, .xlsm) is copied as values.
fn annotate(c: &CommonArgs, prep: &Prepared, mut problems: Vec<Problem>) -> Result<Exit> {
    let (book, input) = (&prep.book, &prep.input);
    let Input::Path(path) = input else {
        bail!(match c.lang {
            Lang::Zh => "--annotate 复制的是工作簿文件,不能从标准输入读取清单",
            Lang::En => {
                "--annotate copies a workbook file; it cannot read the inventory from standard input"
            }
        });
    };
    let format = c.input_format.unwrap_or_else(|| InputFormat::detect(input));
    if format != InputFormat::Xlsx {
        let label = input.label();
        bail!(match c.lang {
            Lang::Zh => format!(
                "--annotate 复制的是工作簿(.xlsx、.xls、.ods),而 `{label}` 不是;要把报告写成工作簿,请用 --format xlsx"
            ),
            Lang::En => format!(
                "--annotate copies a workbook (.xlsx, .xls, .ods), and `{label}` is not one; \
                 for a report as a workbook use --format xlsx"
            ),
        });
    }
    // Refuse an --output that names the input before any work is done.
    check_workbook_name(c.output.as_deref(), c.lang)?;
    let out = prep.output(c)?;
    let ev = prep.evaluator();
    let mut inventory = c.open_inventory(input, book)?;
    let (package, layout) = inventory
        .sheet_header()
        .and_then(|(sheet, first_column, header_row)| {
            let package = Package::probe(path, &sheet)?;
            let layout = Layout {
                sheet: sheet.to_string(),
                first_column,
                header_row,
                headers: inventory.column_headers().to_vec(),
            };
            Some((package, layout))
        })
        .unzip();
    // What is kept of each outlet: its row and results, a few bytes.
    let mut results = Vec::new();
    let mut tally = Tally::new(book);
    let work = |outlet: &Outlet, _: &mut String| {
        let a = ev.assess(outlet);
        (Counted::of(outlet, &a), RowResult::new(&ev, outlet.row, &a))
    };
    let take = |(counted, result): (Counted, RowResult), _: &str| -> Result<()> {
        tally.count(counted);
        results.push(result);
        Ok(())
    };
    // With more than one thread, the sheet is surveyed for the copy while its outlets are graded.
    let threads = c.threads();
    let (beside, after) = if threads > 1 {
        (package, None)
    } else {
        (None, package)
    };
    let survey = std::thread::scope(|scope| -> Result<_> {
        let beside = beside.map(|p| scope.spawn(|| p.survey()));
        inventory.each_outlet(threads, &mut problems, work, take)?;
        Ok(beside.map(|s| s.join().unwrap_or_else(|p| std::panic::resume_unwind(p))))
    })?;
    problems.extend(prep.unknown_waived_outlets(&inventory));
    let label = input.label();
    // The sheet read is no longer needed: its memory is given back before the copy is made.
    drop(inventory);
    let survey = survey.or_else(|| after.map(Package::survey));
    let mut out = out;
    if let (Some(survey), Some(layout)) = (survey, layout) {
        let copy = |survey: &Survey, to: &mut dyn WriteSeek| {
            annotate::copy(survey, &layout, &results, &problems, book, c.lang, to)
        };
        // A zip is written out of order: to a stream, through a temporary file.
        let done = survey.and_then(|survey| {
            if out.seekable() {
                copy(&survey, &mut out)
            } else {
                let through = |mut temp: std::fs::File| -> Result<(), CopyError> {
                    copy(&survey, &mut temp)?;
                    temp.seek(SeekFrom::Start(0))?;
                    std::io::copy(&mut temp, &mut out)?;
                    Ok(())
                };
                tempfile::tempfile()
                    .map_err(CopyError::Io)
                    .and_then(through)
            }
        });
        // An I/O error is told by its kind (in the run's language), the others by themselves.
        done.map_err(|e| match e {
            CopyError::Io(e) => anyhow::Error::from(e),
            e => anyhow::anyhow!(e.render(c.lang)),
        })
        .with_context(|| match c.lang {
            Lang::Zh => format!("{label}: 无法复制工作簿"),
            Lang::En => format!("{label}: cannot copy the workbook"),
        })?;
    } else {
        let finder = |rows: &[Vec<String>]| crate::inventory::header::find(rows, book);
        let bytes = std::fs::read(path).with_context(|| match c.lang {
            Lang::Zh => format!("{label}: 无法读取"),
            Lang::En => format!("{label}: cannot read"),
        })?;
        let copy = WorkbookCopy::read(bytes, &label, c.sheet.as_deref(), &finder)?;
        let notes = Annotations {
            rows: results
                .iter()
                .map(|r| (r.row(), r.cells(book, c.lang)))
                .collect(),
            problems: &problems,
        };
        let bytes = annotated(&copy, &notes, c.lang, book)?;
        out.write_all(&bytes)?;
    }
    out.commit()?;
    print_problems(&problems, c.lang);
    Ok(c.fail_on
        .exit(tally.below_minimum, tally.overclaimed, &problems))
}

/// What a zip is written to.
trait WriteSeek: Write + Seek {}
impl<T: Write + Seek> WriteSeek for T {}
