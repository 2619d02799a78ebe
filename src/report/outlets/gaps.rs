//! `gaps`' columns, in one specification ([`GAPS`]): each column's key and titles, its typed cell
//! and where that cell comes from — the outlet (the same in each of its lines), the rule (the
//! same for every outlet that fails it) or the line itself. The typed rows ([`gap_rows_of`]) and
//! the CSV lines written straight ([`GapLines`]) both come from it.

use super::SharedCells;
use crate::eval::{Assessment, Brief, Evaluator, Outcome};
use crate::inventory::Outlet;
use crate::report::describe::{observed, observed_fields, push_observed};
use crate::report::json::write_json_str;
use crate::report::{Column, Out, Straight, words};
use crate::rulebook::Rulebook;
use crate::text::Lang;

/// What an outlet's gap lines share: the outlet, its brief and the grade its gaps are on the way to.
pub struct GapOutlet<'r> {
    pub book: &'r Rulebook,
    pub cells: &'r SharedCells,
    pub outlet: &'r Outlet,
    pub brief: &'r Brief,
    pub target: u8,
    pub lang: Lang,
}

/// One gap: a rule the outlet fails on the way to its target, and how.
pub struct GapRow<'r> {
    pub of: &'r GapOutlet<'r>,
    pub rule: usize,
    pub outcome: Outcome,
}

/// Where a column's cell comes from, and how the CSV fast path writes it.
pub enum GapCell {
    /// The same in each of an outlet's lines: rendered once per outlet. `text`, when given, is
    /// the cell's text written as [`Out::Str`] is, without making the cell.
    Outlet {
        cell: fn(&GapOutlet<'_>) -> Out,
        text: Option<for<'x> fn(&GapOutlet<'x>) -> &'x str>,
    },
    /// The same for every outlet that fails the rule: rendered once per rule.
    Rule(fn(&SharedCells, &Rulebook, usize, Lang) -> Out),
    /// The line's own. `write`, when given, appends the cell's text (then quoted as CSV needs)
    /// without making the cell.
    Line {
        cell: fn(&GapRow<'_>) -> Out,
        write: Option<fn(&GapRow<'_>, &mut String)>,
    },
}

/// A column of `gaps`.
pub struct GapColumn {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Whether the terminal table and Markdown show it.
    pub shown: bool,
    pub cell: GapCell,
}

impl GapColumn {
    pub fn column(&self) -> Column {
        Column::new(self.key, self.zh, self.en)
    }
}

fn id<'x>(o: &GapOutlet<'x>) -> &'x str {
    &o.outlet.id
}

fn name<'x>(o: &GapOutlet<'x>) -> &'x str {
    &o.outlet.name
}

/// A rule's shared text at `at` of [`SharedCells::rules`] (id 0, article 1, then title and
/// requirement in Chinese at 2, 3 and in English at 4, 5).
fn rule_text(cells: &SharedCells, book: &Rulebook, i: usize, at: usize) -> Out {
    match cells.rules.get(i).and_then(|r| r.get(at)) {
        Some(c) => c.clone(),
        None => {
            let (r, lang) = (&book.rules[i], if at < 4 { Lang::Zh } else { Lang::En });
            Out::str(match at {
                0 => r.id.as_str(),
                1 => r.article.as_str(),
                2 | 4 => r.title.get(lang),
                _ => r.requirement.get(lang),
            })
        }
    }
}

/// Where a rule's title (`requirement` false) or requirement is in [`rule_text`], by language.
fn text_at(lang: Lang, requirement: bool) -> usize {
    let title = match lang {
        Lang::Zh => 2,
        Lang::En => 4,
    };
    title + usize::from(requirement)
}

fn observed_cell(g: &GapRow<'_>) -> Out {
    let (o, rule) = (g.of, &g.of.book.rules[g.rule]);
    Out::str(match o.cells.fields.get(g.rule) {
        Some(fields) => observed_fields(o.book, rule, fields, o.outlet, o.lang),
        None => observed(o.book, rule, o.outlet, o.lang),
    })
}

fn push_observed_text(g: &GapRow<'_>, line: &mut String) {
    let (o, rule) = (g.of, &g.of.book.rules[g.rule]);
    match o.cells.fields.get(g.rule) {
        Some(fields) => push_observed(line, o.book, rule, fields, o.outlet, o.lang),
        None => line.push_str(&observed(o.book, rule, o.outlet, o.lang)),
    }
}

/// The columns of `gaps`.
pub static GAPS: [GapColumn; 13] = [
    GapColumn {
        key: "id",
        zh: "网点编号",
        en: "id",
        shown: true,
        cell: GapCell::Outlet {
            cell: |o| Out::str(&o.outlet.id),
            text: Some(id),
        },
    },
    GapColumn {
        key: "name",
        zh: "网点名称",
        en: "name",
        shown: true,
        cell: GapCell::Outlet {
            cell: |o| Out::str(&o.outlet.name),
            text: Some(name),
        },
    },
    GapColumn {
        key: "type",
        zh: "网点类型",
        en: "type",
        shown: false,
        cell: GapCell::Outlet {
            cell: |o| o.cells.type_cell(o.book, o.outlet),
            text: None,
        },
    },
    GapColumn {
        key: "assessed_grade",
        zh: "评定级别",
        en: "assessed",
        shown: true,
        cell: GapCell::Outlet {
            cell: |o| Out::Grade(o.brief.assessed),
            text: None,
        },
    },
    GapColumn {
        key: "target_grade",
        zh: "目标级别",
        en: "target",
        shown: true,
        cell: GapCell::Outlet {
            cell: |o| Out::OptGrade(Some(o.target)),
            text: None,
        },
    },
    GapColumn {
        key: "rule",
        zh: "规则",
        en: "rule",
        shown: true,
        cell: GapCell::Rule(|cells, book, i, _| rule_text(cells, book, i, 0)),
    },
    GapColumn {
        key: "rule_grade",
        zh: "规则级别",
        en: "rule grade",
        shown: false,
        cell: GapCell::Rule(|_, book, i, _| Out::OptGrade(Some(book.rules[i].grade))),
    },
    GapColumn {
        key: "kind",
        zh: "类别",
        en: "kind",
        shown: true,
        cell: GapCell::Rule(|_, book, i, _| words::kind(book.rules[i].kind)),
    },
    GapColumn {
        key: "reason",
        zh: "原因",
        en: "reason",
        shown: true,
        cell: GapCell::Line {
            cell: |g| words::reason(g.outcome),
            write: None,
        },
    },
    GapColumn {
        key: "title",
        zh: "项目",
        en: "title",
        shown: false,
        cell: GapCell::Rule(|cells, book, i, lang| rule_text(cells, book, i, text_at(lang, false))),
    },
    GapColumn {
        key: "requirement",
        zh: "要求",
        en: "requirement",
        shown: true,
        cell: GapCell::Rule(|cells, book, i, lang| rule_text(cells, book, i, text_at(lang, true))),
    },
    GapColumn {
        key: "observed",
        zh: "现状",
        en: "observed",
        shown: true,
        cell: GapCell::Line {
            cell: observed_cell,
            write: Some(push_observed_text),
        },
    },
    GapColumn {
        key: "article",
        zh: "条款",
        en: "article",
        shown: true,
        cell: GapCell::Rule(|cells, book, i, _| rule_text(cells, book, i, 1)),
    },
];

pub fn gaps_columns() -> (Vec<Column>, Vec<bool>) {
    GAPS.iter().map(|c| (c.column(), c.shown)).unzip()
}

/// One row per failing rule on the way to `target` (the next grade when `None`); made with a
/// cache of its own (for one-off rows).
pub fn gaps_rows(
    ev: &Evaluator,
    outlet: &Outlet,
    a: &Assessment,
    target: Option<u8>,
    lang: Lang,
) -> Vec<Vec<Out>> {
    let Some(target_grade) = target.or(a.next) else {
        return Vec::new();
    };
    let gaps: Vec<(usize, Outcome)> = ev
        .gaps(a, Some(target_grade))
        .into_iter()
        .map(|i| (i, a.outcomes[i]))
        .collect();
    let cells = SharedCells::new(ev.book);
    gap_rows_of(ev.book, &cells, outlet, &a.brief(), target, &gaps, lang)
}

/// [`gaps_rows`] from what [`Evaluator::brief_gaps`] finds: the outlet's brief and the rules it
/// fails on the way to `target`, with their outcomes.
pub fn gap_rows_of(
    book: &Rulebook,
    cells: &SharedCells,
    outlet: &Outlet,
    brief: &Brief,
    target: Option<u8>,
    gaps: &[(usize, Outcome)],
    lang: Lang,
) -> Vec<Vec<Out>> {
    let Some(target) = target.or(brief.next) else {
        return Vec::new();
    };
    if gaps.is_empty() {
        return Vec::new();
    }
    let of = GapOutlet {
        book,
        cells,
        outlet,
        brief,
        target,
        lang,
    };
    // The outlet's cells, made once; text shared by its rows rather than copied into each.
    let outlet_cells: [Option<Out>; GAPS.len()] = std::array::from_fn(|i| match GAPS[i].cell {
        GapCell::Outlet {
            text: Some(text), ..
        } if gaps.len() > 1 => Some(Out::Shared(text(&of).into())),
        GapCell::Outlet { cell, .. } => Some(cell(&of)),
        _ => None,
    });
    gaps.iter()
        .map(|&(rule, outcome)| {
            let g = GapRow {
                of: &of,
                rule,
                outcome,
            };
            GAPS.iter()
                .zip(&outlet_cells)
                .map(|(c, made)| match (&c.cell, made) {
                    (_, Some(made)) => made.clone(),
                    (GapCell::Rule(cell), _) => cell(cells, book, rule, lang),
                    (GapCell::Line { cell, .. }, _) => cell(&g),
                    (GapCell::Outlet { cell, .. }, None) => cell(&of),
                })
                .collect()
        })
        .collect()
}

/// A run of neighbouring columns of [`GAPS`], in the order they are written, that come from one
/// place: what [`GapLines`] copies or writes in one go.
#[derive(Debug)]
enum Run {
    /// Outlet columns, by index: rendered once per outlet.
    Outlet(Vec<usize>),
    /// Rule columns: the run's index among the rule runs, rendered once per rule.
    Rule(usize),
    /// One line column, by index.
    Line(usize),
}

/// `gaps`' rows written straight from [`GAPS`], without making their cells: CSV lines or JSON
/// objects, the same bytes as [`gap_rows_of`]'s rows written by the writer. A rule's own cells
/// are rendered once, an outlet's once for all its rows.
pub struct GapLines<'a> {
    format: Straight<'a>,
    cells: SharedCells,
    runs: Vec<Run>,
    /// Per rule, each rule run rendered.
    rules: Vec<Vec<String>>,
    /// For JSON, each column's key, quoted, and its colon.
    keys: Vec<String>,
    lang: Lang,
}

impl std::fmt::Debug for GapLines<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GapLines")
            .field("runs", &self.runs)
            .field("rules", &self.rules)
            .finish()
    }
}

impl<'a> GapLines<'a> {
    /// The rows of a writer whose rows are written straight as `format` says, in `lang`.
    pub fn new(book: &Rulebook, format: Straight<'a>, lang: Lang) -> Self {
        let cells = SharedCells::new(book);
        // CSV's fields in the columns' order; JSON's in its keys' (a `serde_json::Map`'s, sorted).
        let mut order: Vec<usize> = (0..GAPS.len()).collect();
        if let Straight::Json = format {
            order.sort_by_key(|&c| GAPS[c].key);
        }
        let keys = GAPS
            .iter()
            .map(|c| serde_json::to_string(c.key).unwrap_or_default() + ":")
            .collect();
        let mut runs: Vec<Run> = Vec::new();
        let mut rule_runs: Vec<Vec<usize>> = Vec::new();
        for i in order {
            match (&GAPS[i].cell, runs.last_mut()) {
                (GapCell::Outlet { .. }, Some(Run::Outlet(r))) => r.push(i),
                (GapCell::Outlet { .. }, _) => runs.push(Run::Outlet(vec![i])),
                (GapCell::Rule(_), Some(Run::Rule(r))) => rule_runs[*r].push(i),
                (GapCell::Rule(_), _) => {
                    runs.push(Run::Rule(rule_runs.len()));
                    rule_runs.push(vec![i]);
                }
                (GapCell::Line { .. }, _) => runs.push(Run::Line(i)),
            }
        }
        let mut lines = GapLines {
            format,
            cells,
            runs,
            rules: Vec::new(),
            keys,
            lang,
        };
        let mut scratch = String::new();
        lines.rules = (0..book.rules.len())
            .map(|r| {
                rule_runs
                    .iter()
                    .map(|run| {
                        let mut text = String::new();
                        for (k, &c) in run.iter().enumerate() {
                            if k > 0 {
                                text.push(',');
                            }
                            if let GapCell::Rule(cell) = GAPS[c].cell {
                                let cell = cell(&lines.cells, book, r, lang);
                                lines.put(&mut text, &mut scratch, c, &cell);
                            }
                        }
                        text
                    })
                    .collect()
            })
            .collect();
        lines
    }

    /// Appends column `c`'s `cell` as the format writes it.
    fn put(&self, text: &mut String, scratch: &mut String, c: usize, cell: &Out) {
        match self.format {
            Straight::Csv(csv) => csv.push(text, scratch, cell),
            Straight::Json => {
                text.push_str(&self.keys[c]);
                cell.write_json(text);
            }
        }
    }

    /// Appends column `c`'s text, written as [`Out::Str`] is.
    fn put_str(&self, text: &mut String, c: usize, s: &str) {
        match self.format {
            Straight::Csv(csv) => csv.push_str(text, s),
            Straight::Json => {
                text.push_str(&self.keys[c]);
                write_json_str(text, s);
            }
        }
    }

    /// Writes the outlet's rows at the end of `line`, one per rule it fails on the way to
    /// `target` (the next grade when `None`); how many. `brief` and `gaps` are as
    /// [`Evaluator::brief_gaps`] finds them.
    pub fn write(
        &self,
        ev: &Evaluator,
        outlet: &Outlet,
        brief: &Brief,
        target: Option<u8>,
        gaps: &[(usize, Outcome)],
        line: &mut String,
    ) -> usize {
        let Some(target) = target.or(brief.next) else {
            return 0;
        };
        if gaps.is_empty() {
            return 0;
        }
        let of = GapOutlet {
            book: ev.book,
            cells: &self.cells,
            outlet,
            brief,
            target,
            lang: self.lang,
        };
        let mut scratch = String::new();
        // The outlet's own runs, rendered once for each of its rows.
        let outlet_runs: Vec<String> = self
            .runs
            .iter()
            .filter_map(|run| match run {
                Run::Outlet(columns) => Some(columns),
                _ => None,
            })
            .map(|columns| {
                let mut text = String::with_capacity(96);
                for (k, &c) in columns.iter().enumerate() {
                    if k > 0 {
                        text.push(',');
                    }
                    match GAPS[c].cell {
                        GapCell::Outlet { text: Some(t), .. } => self.put_str(&mut text, c, t(&of)),
                        GapCell::Outlet { cell, .. } => {
                            self.put(&mut text, &mut scratch, c, &cell(&of));
                        }
                        _ => {}
                    }
                }
                text
            })
            .collect();
        // Each row is made in a buffer of its own and then copied to the batch's text: a field
        // is checked for quoting right after it is written, and read back there it waited for
        // memory that the reading thread last held.
        let mut own = String::with_capacity(512);
        line.reserve(gaps.len() * 320);
        for (n, &(rule, outcome)) in gaps.iter().enumerate() {
            let g = GapRow {
                of: &of,
                rule,
                outcome,
            };
            own.clear();
            let json = matches!(self.format, Straight::Json);
            if json {
                own.push_str(if n > 0 { ",{" } else { "{" });
            }
            let mut outlet_run = 0;
            for (k, run) in self.runs.iter().enumerate() {
                if k > 0 {
                    own.push(',');
                }
                match run {
                    Run::Outlet(_) => {
                        own.push_str(&outlet_runs[outlet_run]);
                        outlet_run += 1;
                    }
                    Run::Rule(r) => {
                        own.push_str(&self.rules[rule][*r]);
                    }
                    Run::Line(c) => match (self.format, &GAPS[*c].cell) {
                        (
                            Straight::Csv(csv),
                            GapCell::Line {
                                write: Some(write), ..
                            },
                        ) => {
                            let start = own.len();
                            write(&g, &mut own);
                            csv.quote_from(&mut own, &mut scratch, start);
                        }
                        (
                            Straight::Json,
                            GapCell::Line {
                                write: Some(write), ..
                            },
                        ) => {
                            scratch.clear();
                            write(&g, &mut scratch);
                            self.put_str(&mut own, *c, &scratch);
                        }
                        (_, GapCell::Line { cell, .. }) => {
                            self.put(&mut own, &mut scratch, *c, &cell(&g));
                        }
                        _ => {}
                    },
                }
            }
            match self.format {
                Straight::Csv(csv) => csv.end(&mut own),
                Straight::Json => own.push('}'),
            }
            line.push_str(&own);
        }
        gaps.len()
    }
}
