//! `grade`'s columns, in one specification ([`GRADE`]): each column's key and titles, its typed
//! cell, and how the CSV fast path writes it. The typed rows ([`grade_row_of`]) and the CSV lines
//! written straight ([`GradeLines`]) both come from it, so that a new column is one entry.

use super::{SharedCells, region_value, type_cell_of, waived_rules};
use crate::eval::{Assessment, Brief, Evaluator, Status};
use crate::inventory::Outlet;
use crate::report::{Column, CsvCells, Out, words};
use crate::rulebook::Rulebook;
use crate::text::Text;

/// What a `grade` row is made from: one outlet, its brief, and (when a rule is waived, to name
/// it) its whole assessment.
pub struct GradeRow<'r> {
    pub book: &'r Rulebook,
    pub cells: &'r SharedCells,
    pub outlet: &'r Outlet,
    pub brief: &'r Brief,
    pub assessment: Option<&'r Assessment>,
}

/// How the CSV fast path writes a column ([`GradeLines`]). Every way gives the bytes that the
/// column's typed cell gives in CSV (`tests/csv_lines.rs` holds them to it).
pub enum GradeCsv {
    /// The typed cell, rendered as CSV.
    Cell,
    /// Text, written as [`Out::Str`] is (empty for none).
    Text(for<'x> fn(&GradeRow<'x>) -> &'x str),
    /// An integer.
    Int(fn(&GradeRow<'_>) -> i64),
    /// One of a few cells, rendered once each: `index` of the row's among them (any other index
    /// is rendered from the typed cell), `of` the cell at an index, `count` how many.
    Few {
        index: fn(&GradeRow<'_>) -> usize,
        of: fn(&Rulebook, usize) -> Out,
        count: fn(&Rulebook) -> usize,
    },
}

/// A column of `grade`.
pub struct GradeColumn {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Whether the terminal table and Markdown show it (CSV, JSON and the workbook show all).
    pub shown: bool,
    /// The typed cell.
    pub cell: fn(&GradeRow<'_>) -> Out,
    /// How CSV lines written straight write it.
    pub csv: GradeCsv,
}

impl GradeColumn {
    pub fn column(&self) -> Column {
        Column::new(self.key, self.zh, self.en)
    }
}

fn id<'x>(r: &GradeRow<'x>) -> &'x str {
    &r.outlet.id
}

fn name<'x>(r: &GradeRow<'x>) -> &'x str {
    &r.outlet.name
}

/// The region field at `K` of [`crate::rulebook::REGION_FIELDS`], as text (empty when blank).
fn region<'x, const K: usize>(r: &GradeRow<'x>) -> &'x str {
    region_value(r.cells, r.outlet, K).unwrap_or("")
}

fn region_cell<const K: usize>(r: &GradeRow<'_>) -> Out {
    region_value(r.cells, r.outlet, K).map_or(Out::Null, Out::str)
}

/// The index of a (type, grading type) pair among every pair of the rulebook's types.
fn type_pair(r: &GradeRow<'_>) -> usize {
    r.outlet.type_ * r.book.types.len() + r.outlet.grading_type
}

fn type_pairs(book: &Rulebook) -> usize {
    book.types.len() * book.types.len()
}

/// The type cell of the pair at `i`.
fn type_of(book: &Rulebook, i: usize) -> Out {
    let n = book.types.len();
    type_cell_of(book, i / n, i % n)
}

/// The reference-type cell of the pair at `i`: the grading type of a partner outlet.
fn reference_of(book: &Rulebook, i: usize) -> Out {
    let n = book.types.len();
    let (t, g) = (i / n, i % n);
    if t == g {
        return Out::Null;
    }
    let r = &book.types[g];
    Out::Key {
        key: r.key.as_str().into(),
        title: (&r.name).into(),
    }
}

/// A grade's index among none and 1-4 (any other grade is rendered as made).
fn grade_index(g: Option<u8>) -> usize {
    match g {
        None => 0,
        Some(g @ 1..=4) => usize::from(g),
        Some(_) => usize::MAX,
    }
}

fn grade_at(i: usize) -> Option<u8> {
    u8::try_from(i).ok().filter(|g| *g > 0)
}

fn five(_: &Rulebook) -> usize {
    5
}

const STATUSES: [Status; 3] = [Status::Meets, Status::BelowMinimum, Status::Overclaimed];

fn status_index(r: &GradeRow<'_>) -> usize {
    STATUSES
        .iter()
        .position(|s| *s == r.brief.status)
        .unwrap_or(usize::MAX)
}

/// How many columns [`GRADE`] has: [`GradeLines::line`] writes each by its index.
const GRADE_COLUMNS: usize = 16;
const _: () = assert!(
    GRADE_COLUMNS == 16,
    "a column added to GRADE: add its index to `columns!` in GradeLines::line, then this count"
);

/// The columns of `grade`, the contract's first, then context; the inventory's own extra
/// columns follow them ([`grade_columns`]).
/// (Adding one: it is written by [`GradeLines`] by its index, which the compiler asks for.)
pub static GRADE: [GradeColumn; GRADE_COLUMNS] = [
    GradeColumn {
        key: "id",
        zh: "网点编号",
        en: "id",
        shown: true,
        cell: |r| Out::str(&r.outlet.id),
        csv: GradeCsv::Text(id),
    },
    GradeColumn {
        key: "name",
        zh: "网点名称",
        en: "name",
        shown: true,
        cell: |r| Out::str(&r.outlet.name),
        csv: GradeCsv::Text(name),
    },
    GradeColumn {
        key: "type",
        zh: "网点类型",
        en: "type",
        shown: true,
        cell: |r| r.cells.type_cell(r.book, r.outlet),
        csv: GradeCsv::Few {
            index: type_pair,
            of: type_of,
            count: type_pairs,
        },
    },
    GradeColumn {
        key: "minimum_grade",
        zh: "最低要求",
        en: "minimum",
        shown: true,
        cell: |r| Out::OptGrade(Some(r.brief.minimum)),
        csv: GradeCsv::Few {
            index: |r| grade_index(Some(r.brief.minimum)),
            of: |_, i| Out::OptGrade(grade_at(i)),
            count: five,
        },
    },
    GradeColumn {
        key: "claimed_grade",
        zh: "申报级别",
        en: "claimed",
        shown: true,
        cell: |r| Out::OptGrade(r.outlet.claimed),
        csv: GradeCsv::Few {
            index: |r| grade_index(r.outlet.claimed),
            of: |_, i| Out::OptGrade(grade_at(i)),
            count: five,
        },
    },
    GradeColumn {
        key: "assessed_grade",
        zh: "评定级别",
        en: "assessed",
        shown: true,
        cell: |r| Out::Grade(r.brief.assessed),
        csv: GradeCsv::Few {
            index: |r| grade_index(r.brief.assessed),
            of: |_, i| Out::Grade(grade_at(i)),
            count: five,
        },
    },
    GradeColumn {
        key: "status",
        zh: "状态",
        en: "status",
        shown: true,
        cell: |r| words::status(r.brief.status),
        csv: GradeCsv::Few {
            index: status_index,
            of: |_, i| words::status(STATUSES.get(i).copied().unwrap_or(Status::Meets)),
            count: |_| STATUSES.len(),
        },
    },
    GradeColumn {
        key: "next_grade",
        zh: "下一级",
        en: "next grade",
        shown: false,
        cell: |r| Out::OptGrade(r.brief.next),
        csv: GradeCsv::Few {
            index: |r| grade_index(r.brief.next),
            of: |_, i| Out::OptGrade(grade_at(i)),
            count: five,
        },
    },
    GradeColumn {
        key: "required_gaps",
        zh: "缺项数",
        en: "gaps",
        shown: true,
        cell: |r| Out::Int(r.brief.required_gaps as i64),
        csv: GradeCsv::Int(|r| r.brief.required_gaps as i64),
    },
    GradeColumn {
        key: "waived_rules",
        zh: "已豁免规则",
        en: "waived rules",
        shown: false,
        cell: |r| match r.assessment {
            Some(a) if r.brief.waived > 0 => waived_rules(r.book, a),
            _ => Out::Null,
        },
        csv: GradeCsv::Cell,
    },
    GradeColumn {
        key: "reference_type",
        zh: "参照类型",
        en: "reference type",
        shown: false,
        cell: |r| reference_of(r.book, type_pair(r)),
        csv: GradeCsv::Few {
            index: type_pair,
            of: reference_of,
            count: type_pairs,
        },
    },
    GradeColumn {
        key: "province",
        zh: "省",
        en: "province",
        shown: false,
        cell: region_cell::<0>,
        csv: GradeCsv::Text(region::<0>),
    },
    GradeColumn {
        key: "city",
        zh: "市",
        en: "city",
        shown: false,
        cell: region_cell::<1>,
        csv: GradeCsv::Text(region::<1>),
    },
    GradeColumn {
        key: "county",
        zh: "县",
        en: "county",
        shown: false,
        cell: region_cell::<2>,
        csv: GradeCsv::Text(region::<2>),
    },
    GradeColumn {
        key: "township",
        zh: "乡镇街道",
        en: "township",
        shown: false,
        cell: region_cell::<3>,
        csv: GradeCsv::Text(region::<3>),
    },
    GradeColumn {
        key: "row",
        zh: "行号",
        en: "row",
        shown: false,
        cell: |r| Out::Int(r.outlet.row as i64),
        csv: GradeCsv::Int(|r| r.outlet.row as i64),
    },
];

/// Columns of `grade`: [`GRADE`], then the inventory's own extra columns. The second value says
/// which columns the terminal table and Markdown show.
pub fn grade_columns(extras: &[String]) -> (Vec<Column>, Vec<bool>) {
    let mut cols: Vec<(Column, bool)> = GRADE.iter().map(|c| (c.column(), c.shown)).collect();
    // The inventory's own extra columns follow; one whose name a report column already has is
    // marked as the input's, so that it never overwrites the report's.
    let taken: std::collections::HashSet<String> = cols
        .iter()
        .flat_map(|(c, _)| [&c.key, &c.title.zh, &c.title.en])
        .map(|t| crate::text::normalize(t))
        .collect();
    // Two extra columns of one name (two 备注) stay two: the second is `备注_2`, the third
    // `备注_3`, in every format, so that JSON, whose keys must differ, keeps every value.
    // (The next number to try is kept per name: a header of 10,000 备注 is not quadratic.)
    let mut keys: std::collections::HashSet<String> =
        cols.iter().map(|(c, _)| c.key.clone()).collect();
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for h in extras {
        let input = taken.contains(&crate::text::normalize(h));
        let base = if input {
            format!("input_{h}")
        } else {
            h.clone()
        };
        let mut n = next.get(&base).copied().unwrap_or(1);
        let mut key = if n == 1 {
            base.clone()
        } else {
            format!("{base}_{n}")
        };
        while !keys.insert(key.clone()) {
            n += 1;
            key = format!("{base}_{n}");
        }
        next.insert(base, n + 1);
        let suffix = if n > 1 {
            format!("_{n}")
        } else {
            String::new()
        };
        let title = if input {
            Text::new(format!("{h}(原表){suffix}"), format!("{h} (input){suffix}"))
        } else {
            Text::new(format!("{h}{suffix}"), format!("{h}{suffix}"))
        };
        cols.push((Column { key, title }, false));
    }
    cols.into_iter().unzip()
}

/// The outlet's `grade` row (made with a cache of its own: for one-off rows).
pub fn grade_row(ev: &Evaluator, outlet: &Outlet, a: &Assessment) -> Vec<Out> {
    let cells = SharedCells::new(ev.book);
    grade_row_of(ev.book, &cells, outlet, &a.brief(), Some(a))
}

/// The outlet's `grade` row from its [`Evaluator::brief`]: `a`, its whole assessment, names the
/// waived rules (needed only when `b.waived > 0`).
pub fn grade_row_of(
    book: &Rulebook,
    cells: &SharedCells,
    outlet: &Outlet,
    b: &Brief,
    a: Option<&Assessment>,
) -> Vec<Out> {
    let r = GradeRow {
        book,
        cells,
        outlet,
        brief: b,
        assessment: a,
    };
    // Every cell pushed into a row of the final size: no regrowth.
    let mut row = Vec::with_capacity(GRADE.len() + outlet.extras.len());
    row.extend(GRADE.iter().map(|c| (c.cell)(&r)));
    row.extend(
        outlet
            .extras
            .iter()
            .map(|e| if e.is_empty() { Out::Null } else { Out::str(e) }),
    );
    row
}

/// `grade`'s CSV lines written straight from [`GRADE`], without making the row's cells: the same
/// bytes as [`grade_row_of`]'s row written by a CSV writer. The few cells that many rows share
/// ([`GradeCsv::Few`]) are rendered once.
pub struct GradeLines<'a> {
    csv: CsvCells<'a>,
    cells: SharedCells,
    /// Per column of [`GRADE`]: its few cells, rendered (empty for the other ways).
    few: Vec<Vec<String>>,
}

impl std::fmt::Debug for GradeLines<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GradeLines")
            .field("few", &self.few)
            .finish()
    }
}

impl<'a> GradeLines<'a> {
    pub fn new(book: &Rulebook, csv: CsvCells<'a>) -> Self {
        let few = GRADE
            .iter()
            .map(|c| match c.csv {
                GradeCsv::Few { of, count, .. } => (0..count(book))
                    .map(|i| csv.render(&[of(book, i)]))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        GradeLines {
            csv,
            cells: SharedCells::new(book),
            few,
        }
    }

    /// Writes the outlet's line at the end of `line`, from its [`Evaluator::brief`] (assessed
    /// whole when a rule is waived, to name the rules).
    pub fn write_brief(&self, ev: &Evaluator, outlet: &Outlet, b: &Brief, line: &mut String) {
        if b.waived > 0 {
            let a = ev.assess(outlet);
            return self.line(ev.book, outlet, &a.brief(), Some(&a), line);
        }
        self.line(ev.book, outlet, b, None, line);
    }

    /// Appends column `I` of [`GRADE`] (after a comma, but for the first).
    #[inline(always)]
    fn column<const I: usize>(&self, r: &GradeRow<'_>, line: &mut String, scratch: &mut String) {
        let (csv, c) = (&self.csv, &GRADE[I]);
        if I > 0 {
            line.push(',');
        }
        match c.csv {
            GradeCsv::Text(text) => csv.push_str(line, text(r)),
            GradeCsv::Int(n) => Out::push_int(line, n(r)),
            GradeCsv::Few { index, .. } => match self.few[I].get(index(r)) {
                Some(text) => line.push_str(text),
                None => csv.push(line, scratch, &(c.cell)(r)),
            },
            // (An empty cell, the common case of a waived-rules cell, is nothing to write.)
            GradeCsv::Cell => match (c.cell)(r) {
                // (It owns nothing: forgotten rather than dropped, with no call to drop glue.)
                cell @ Out::Null => std::mem::forget(cell),
                cell => csv.push(line, scratch, &cell),
            },
        }
    }

    /// Writes the outlet's line at the end of `line`; `a` names the waived rules, if any.
    fn line(
        &self,
        book: &Rulebook,
        outlet: &Outlet,
        b: &Brief,
        a: Option<&Assessment>,
        line: &mut String,
    ) {
        let csv = &self.csv;
        let r = GradeRow {
            book,
            cells: &self.cells,
            outlet,
            brief: b,
            assessment: a,
        };
        let mut scratch = String::new();
        // Each column of the specification in turn, by a constant index: the compiler sees which
        // way each is written and calls its functions directly (a loop over the columns cost a
        // third more time here, measured with perf at 662,000 outlets).
        macro_rules! columns {
            ($($i:literal)*) => {
                $(self.column::<$i>(&r, line, &mut scratch);)*
            };
        }
        columns!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        for e in &outlet.extras {
            line.push(',');
            csv.push_str(line, e);
        }
        csv.end(line);
    }
}
