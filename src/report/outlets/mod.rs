//! The rows of `grade`, `gaps` and `explain`: columns and cells for an outlet and its assessment.

mod gaps;
mod grade;

pub use gaps::{
    GAPS, GapCell, GapColumn, GapLines, GapOutlet, GapRow, gap_rows_of, gaps_columns, gaps_rows,
};
pub use grade::{
    GRADE, GradeColumn, GradeCsv, GradeLines, GradeRow, grade_columns, grade_row, grade_row_of,
};

use super::describe::observed;
use super::{Column, Out, words};
use crate::eval::{Assessment, Evaluator};
use crate::inventory::Outlet;
use crate::rulebook::Rulebook;
use crate::text::{Lang, Text};

/// The outlet's type, naming the reference type of a partner outlet: 共建(社区).
pub fn type_cell(book: &Rulebook, outlet: &Outlet) -> Out {
    type_cell_of(book, outlet.type_, outlet.grading_type)
}

/// The type cell of an outlet of type `type_` graded as `grading_type`.
pub fn type_cell_of(book: &Rulebook, type_: usize, grading_type: usize) -> Out {
    let t = &book.types[type_];
    let title = if grading_type == type_ {
        (&t.name).into()
    } else {
        let r = &book.types[grading_type];
        words::Title {
            zh: format!("{}(参照{})", t.name.zh, r.name.zh).as_str().into(),
            en: format!("{} (as {})", t.name.en, r.name.en).as_str().into(),
        }
    };
    Out::Key {
        key: t.key.as_str().into(),
        title,
    }
}

/// Cells that the rows of every outlet share, made once per report from the rulebook (the report
/// layer's cache, beside the evaluator rather than in it): cloning one costs a reference count,
/// not a copy.
#[derive(Debug)]
pub struct SharedCells {
    /// The type cell of each (type, grading type) pair, at `type * types + grading type`.
    types: Vec<Out>,
    /// Per rule: id, article, then title and requirement in Chinese and in English.
    rules: Vec<[Out; 6]>,
    /// Per rule: the fields its condition reads.
    fields: Vec<Vec<usize>>,
    /// The region fields ([`crate::rulebook::REGION_FIELDS`]), if the rulebook has them.
    regions: [Option<usize>; 4],
}

impl SharedCells {
    pub fn new(book: &Rulebook) -> Self {
        let n = book.types.len();
        let types = (0..n * n)
            .map(|i| type_cell_of(book, i / n, i % n))
            .collect();
        let shared = |s: &str| Out::Shared(s.into());
        let rules = book
            .rules
            .iter()
            .map(|r| {
                [
                    shared(&r.id),
                    shared(&r.article),
                    shared(&r.title.zh),
                    shared(&r.requirement.zh),
                    shared(&r.title.en),
                    shared(&r.requirement.en),
                ]
            })
            .collect();
        let fields = book.rules.iter().map(|r| r.check.fields()).collect();
        SharedCells {
            types,
            rules,
            fields,
            regions: book.core.regions,
        }
    }

    fn type_cell(&self, book: &Rulebook, outlet: &Outlet) -> Out {
        let n = book.types.len();
        self.types
            .get(outlet.type_ * n + outlet.grading_type)
            .cloned()
            .unwrap_or_else(|| type_cell(book, outlet))
    }
}

/// The outlet's text in the region field at `k` of [`crate::rulebook::REGION_FIELDS`], if any.
fn region_value<'o>(cells: &SharedCells, outlet: &'o Outlet, k: usize) -> Option<&'o str> {
    match cells
        .regions
        .get(k)
        .copied()
        .flatten()
        .map(|f| outlet.value(f))
    {
        Some(crate::inventory::Value::Text(s)) => Some(s),
        _ => None,
    }
}

/// The ids of the rules waived for the outlet, space-separated.
fn waived_rules(book: &Rulebook, a: &Assessment) -> Out {
    if !a.outcomes.contains(&crate::eval::Outcome::Waived) {
        return Out::Null;
    }
    let ids: Vec<&str> = book
        .rules
        .iter()
        .zip(&a.outcomes)
        .filter(|(_, o)| **o == crate::eval::Outcome::Waived)
        .map(|(r, _)| r.id.as_str())
        .collect();
    if ids.is_empty() {
        Out::Null
    } else {
        Out::str(ids.join(" "))
    }
}

pub fn explain_columns() -> (Vec<Column>, Vec<bool>) {
    [
        (Column::new("id", "网点编号", "id"), false),
        (Column::new("rule", "规则", "rule"), true),
        (Column::new("grade", "级别", "grade"), true),
        (Column::new("kind", "类别", "kind"), true),
        (Column::new("outcome", "结果", "outcome"), true),
        (Column::new("title", "项目", "title"), true),
        (Column::new("requirement", "要求", "requirement"), true),
        (Column::new("observed", "现状", "observed"), true),
        (Column::new("article", "条款", "article"), true),
    ]
    .into_iter()
    .unzip()
}

/// Every rule for one outlet, lowest grade first.
pub fn explain_rows(book: &Rulebook, outlet: &Outlet, a: &Assessment, lang: Lang) -> Vec<Vec<Out>> {
    book.rules
        .iter()
        .zip(&a.outcomes)
        .map(|(rule, o)| {
            vec![
                Out::str(&outlet.id),
                Out::str(&rule.id),
                Out::OptGrade(Some(rule.grade)),
                words::kind(rule.kind),
                words::outcome(*o),
                Out::str(rule.title.get(lang)),
                Out::str(rule.requirement.get(lang)),
                Out::str(observed(book, rule, outlet, lang)),
                Out::str(&rule.article),
            ]
        })
        .collect()
}

/// The outlet an explanation is about, as a one-row section.
pub fn explain_outlet(ev: &Evaluator, outlet: &Outlet, a: &Assessment) -> super::Section {
    let (columns, _) = grade_columns(&[]);
    let mut row = grade_row(ev, outlet, a);
    row.truncate(columns.len());
    super::Section {
        key: "outlet".into(),
        title: Text::new("网点", "outlet"),
        columns,
        rows: vec![row],
        single: true,
    }
}
