//! The plan of an annotated copy: where the results go (columns, widths), and the results of
//! each row in sheet order, found in one pass over the sheet (its extent).

use super::*;

/// A value of an added cell.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Text(String),
    /// A grade in English.
    Number(u8),
}

/// How the graded sheet is rewritten: where the added columns go, and what each row gets.
pub(super) struct Plan<'a> {
    /// The column of each added cell (in the order of [`annotation_columns`]), 0-based.
    pub(super) targets: Vec<u32>,
    /// The columns added right of the sheet's own (a range of `targets`), if any, and their widths.
    pub(super) added: Option<(u32, u32)>,
    pub(super) widths: Vec<(u32, f64)>,
    pub(super) header_row: u32,
    pub(super) titles: Vec<String>,
    /// The last row and column the sheet will have (1-based row, 0-based column).
    pub(super) last_row: u32,
    pub(super) last_column: u32,
    pub(super) results: &'a [RowResult],
    /// The indices of `results` by row, when they are not in the sheet's order.
    pub(super) order: Option<Vec<usize>>,
    /// The graded sheet's problems below the header, by row.
    pub(super) problems: BTreeMap<u32, Vec<&'a Problem>>,
    pub(super) book: &'a Rulebook,
    pub(super) lang: Lang,
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        layout: &Layout,
        extent: &Extent,
        results: &'a [RowResult],
        problems: &'a [Problem],
        book: &'a Rulebook,
        lang: Lang,
    ) -> Result<Plan<'a>, CopyError> {
        let columns = annotation_columns();
        let header_row = u32::try_from(layout.header_row).unwrap_or(u32::MAX);
        // The added columns: where the header already has them, else right of everything.
        let first_new = extent.last_content.map_or(0, |c| c.saturating_add(1));
        let mut next = first_new;
        let targets: Vec<u32> = columns
            .iter()
            .map(|column| {
                let existing = layout.headers.iter().position(|h| {
                    *h == column.title.zh || *h == column.title.en || *h == column.key
                });
                if let Some(i) = existing.and_then(|i| u32::try_from(i).ok()) {
                    layout.first_column.saturating_add(i)
                } else {
                    next = next.saturating_add(1);
                    next - 1
                }
            })
            .collect();
        if targets.iter().any(|&c| c > MAX_COLUMN) {
            return Err(CopyError::NoRoom);
        }
        let added = (next > first_new).then(|| (first_new, next - 1));
        let mut problems_by_row: BTreeMap<u32, Vec<&Problem>> = BTreeMap::new();
        for p in problems {
            if let Some(cell) = &p.cell
                && *cell.sheet == *layout.sheet
                && cell.row > header_row
            {
                problems_by_row.entry(cell.row).or_default().push(p);
            }
        }
        let sorted = results.windows(2).all(|w| w[0].row < w[1].row);
        let order = (!sorted).then(|| {
            let mut order: Vec<usize> = (0..results.len()).collect();
            order.sort_by_key(|&i| results[i].row);
            order.dedup_by_key(|i| results[*i].row);
            order
        });
        let titles: Vec<String> = columns.iter().map(|c| c.title.get(lang).into()).collect();
        let last_result_row = results.iter().map(|r| r.row).max().unwrap_or(0);
        let last_problem_row = problems_by_row.keys().next_back().copied().unwrap_or(0);
        let mut plan = Plan {
            last_row: extent
                .last_row
                .max(header_row)
                .max(last_result_row)
                .max(last_problem_row)
                .min(MAX_ROW),
            last_column: extent
                .last_column
                .max(targets.iter().copied().max().unwrap_or(0)),
            targets,
            added,
            widths: Vec::new(),
            header_row,
            titles,
            results,
            order,
            problems: problems_by_row,
            book,
            lang,
        };
        plan.widths = plan.measure();
        Ok(plan)
    }

    /// The widths of the added columns: their title's and widest value's, as the report's are.
    pub(super) fn measure(&self) -> Vec<(u32, f64)> {
        let Some((first, last)) = self.added else {
            return Vec::new();
        };
        let mut widths: Vec<usize> = self.titles.iter().map(|t| text_width(t) + 2).collect();
        let mut rows = Rows::new(self);
        while let Some((_, values)) = rows.next_row(u32::MAX) {
            for (w, v) in widths.iter_mut().zip(&values) {
                let shown = match v {
                    Some(Value::Text(s)) => text_width(s),
                    Some(Value::Number(_)) => 1,
                    None => 0,
                };
                *w = (*w).max(shown);
            }
        }
        self.targets
            .iter()
            .zip(widths)
            .filter(|(c, _)| (first..=last).contains(*c))
            .map(|(&c, w)| (c, (w + 2).clamp(MIN_WIDTH, MAX_WIDTH) as f64))
            .collect()
    }

    /// The added cells of a row, by column.
    pub(super) fn cells_of(&self, values: Vec<Option<Value>>) -> Vec<Added> {
        let mut cells: Vec<Added> = self
            .targets
            .iter()
            .zip(values)
            .filter_map(|(&column, value)| {
                Some(Added {
                    column,
                    value: value?,
                    style: None,
                })
            })
            .collect();
        cells.sort_by_key(|c| c.column);
        cells
    }
}

/// The rows that get added cells, in the sheet's order: the header row (the titles), and every
/// row below it with a result or a data problem.
pub(super) struct Rows<'p, 'a> {
    pub(super) plan: &'p Plan<'a>,
    /// The next result (its position in the plan's order).
    pub(super) result: usize,
    pub(super) problems:
        std::iter::Peekable<std::collections::btree_map::Iter<'p, u32, Vec<&'a Problem>>>,
    pub(super) header_done: bool,
}

impl<'p, 'a> Rows<'p, 'a> {
    pub(super) fn new(plan: &'p Plan<'a>) -> Rows<'p, 'a> {
        Rows {
            plan,
            result: 0,
            problems: plan.problems.iter().peekable(),
            header_done: false,
        }
    }

    pub(super) fn result_at(&self, n: usize) -> Option<&'a RowResult> {
        match &self.plan.order {
            Some(order) => order.get(n).map(|&i| &self.plan.results[i]),
            None => self.plan.results.get(n),
        }
    }

    /// The number of the next row with added cells.
    pub(super) fn peek(&mut self) -> Option<u32> {
        // Results at or above the header (none should be) are passed over.
        while let Some(r) = self.result_at(self.result)
            && r.row <= self.plan.header_row
        {
            self.result += 1;
        }
        let header = (!self.header_done).then_some(self.plan.header_row);
        let result = self.result_at(self.result).map(|r| r.row);
        let problem = self.problems.peek().map(|(r, _)| **r);
        [header, result, problem].into_iter().flatten().min()
    }

    /// The next row with added cells, if its number is at most `limit`: its number and values.
    pub(super) fn next_row(&mut self, limit: u32) -> Option<(u32, Vec<Option<Value>>)> {
        let row = self.peek().filter(|r| *r <= limit)?;
        let plan = self.plan;
        if !self.header_done && row == plan.header_row {
            self.header_done = true;
            let titles = plan.titles.iter().map(|t| Some(Value::Text(t.clone())));
            return Some((row, titles.collect()));
        }
        let result = match self.result_at(self.result) {
            Some(r) if r.row == row => {
                self.result += 1;
                Some(r)
            }
            _ => None,
        };
        let problems = self
            .problems
            .next_if(|(r, _)| **r == row)
            .map(|(_, ps)| problems_text(ps, plan.lang))
            .filter(|t| !t.is_empty());
        let text = |s: String| (!s.is_empty()).then_some(Value::Text(s));
        let mut values: Vec<Option<Value>> = match result {
            Some(r) => vec![
                Some(grade_value(r.assessed, plan.book, plan.lang)),
                Some(grade_value(Some(r.minimum), plan.book, plan.lang)),
                text(title(&words::status(r.status), plan.lang)),
                text(r.gaps_text(plan.book, plan.lang)),
            ],
            None => vec![None; 4],
        };
        values.push(problems.map(Value::Text));
        Some((row, values))
    }
}

/// A cell to add: its column, value, and the style it takes over from the cell it replaces.
#[derive(Clone, Debug)]
pub(super) struct Added {
    pub(super) column: u32,
    pub(super) value: Value,
    pub(super) style: Option<Vec<u8>>,
}

// ---------------------------------------------------------------------------------------------
// The first pass: how far the sheet reaches.

/// What the first pass over the sheet finds: its last column with a value (or a formula), and the
/// last row and column any cell, or its dimension, reaches.
#[derive(Debug, Default)]
pub(super) struct Extent {
    pub(super) last_content: Option<u32>,
    pub(super) last_row: u32,
    pub(super) last_column: u32,
    pub(super) in_data: bool,
    pub(super) row: u32,
    pub(super) column: Option<u32>,
    pub(super) in_cell: bool,
    pub(super) content: bool,
}

impl Sink for Extent {
    fn text(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn tag(&mut self, raw: &[u8]) -> io::Result<()> {
        let tag = TagRef::parse(raw);
        match (tag.kind, local(tag.name())) {
            (Kind::Start | Kind::Empty, b"dimension") => {
                if let Some((_, (row, column))) = tag.attribute(b"ref").and_then(parse_range) {
                    self.last_row = self.last_row.max(row);
                    self.last_column = self.last_column.max(column);
                }
            }
            (Kind::Start, b"sheetData") => self.in_data = true,
            (Kind::End, b"sheetData") => self.in_data = false,
            (Kind::Start | Kind::Empty, b"row") if self.in_data => {
                self.row = row_number(&tag, self.row);
                self.column = None;
                self.last_row = self.last_row.max(self.row);
            }
            (kind @ (Kind::Start | Kind::Empty), b"c") if self.in_data => {
                let (row, column) = cell_place(&tag, self.row, self.column);
                self.row = row;
                self.column = Some(column);
                self.last_row = self.last_row.max(row);
                self.last_column = self.last_column.max(column);
                self.in_cell = kind == Kind::Start;
                self.content = false;
            }
            (Kind::Start | Kind::Empty, b"v" | b"is" | b"f") if self.in_cell => self.content = true,
            (Kind::End, b"c") if self.in_cell => {
                self.in_cell = false;
                if self.content {
                    let column = self.column.unwrap_or(0);
                    self.last_content = Some(self.last_content.map_or(column, |c| c.max(column)));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A row's number: its `r`, or the one after the row before.
pub(super) fn row_number(tag: &TagRef<'_>, before: u32) -> u32 {
    tag.attribute(b"r")
        .and_then(|r| std::str::from_utf8(r).ok()?.trim().parse().ok())
        .unwrap_or(before.saturating_add(1))
}

/// A cell's 1-based row and 0-based column: its `r`, or the column after the cell before.
pub(super) fn cell_place(tag: &TagRef<'_>, row: u32, before: Option<u32>) -> (u32, u32) {
    match tag.attribute(b"r").and_then(parse_reference) {
        Some((r, c)) => (r, c),
        None => (row, before.map_or(0, |c| c.saturating_add(1))),
    }
}

/// A range (`A1:AC120`, or one cell `A1`) as its first and last cell.
pub(super) fn parse_range(r: &[u8]) -> Option<((u32, u32), (u32, u32))> {
    let mut halves = r.splitn(2, |&b| b == b':');
    let first = parse_reference(halves.next()?)?;
    let last = match halves.next() {
        Some(h) => parse_reference(h)?,
        None => first,
    };
    Some((first, last))
}

// ---------------------------------------------------------------------------------------------
// The second pass: the sheet rewritten.
