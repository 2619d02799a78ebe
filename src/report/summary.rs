//! Summaries: outlets by type and grade, and the totals an auditor reads first.

use super::{Column, Out, Section};
use crate::eval::{Assessment, Status, rank};
use crate::inventory::Outlet;
use crate::problem::{Problem, Severity};
use crate::rulebook::Rulebook;
use crate::text::Text;

/// Counts by type × grade, kept while outlets stream past.
#[derive(Clone, Debug)]
pub struct Tally {
    /// Per type: outlets at grade 1, 2, 3, 4, ungraded; then below minimum, overclaimed.
    by_type: Vec<[u64; 7]>,
    pub outlets: u64,
    pub meets: u64,
    pub below_minimum: u64,
    pub overclaimed: u64,
    /// Outlets whose row has a data error.
    pub with_errors: u64,
    /// Rules waived, over all outlets, and outlets with at least one.
    pub waived_rules: u64,
    pub waived_outlets: u64,
}

impl Tally {
    pub fn new(book: &Rulebook) -> Self {
        Tally {
            by_type: vec![[0; 7]; book.types.len()],
            outlets: 0,
            meets: 0,
            below_minimum: 0,
            overclaimed: 0,
            with_errors: 0,
            waived_rules: 0,
            waived_outlets: 0,
        }
    }

    pub fn add(&mut self, outlet: &Outlet, a: &Assessment) {
        let counts = &mut self.by_type[outlet.type_];
        counts[usize::from(rank(a.assessed)) - 1] += 1;
        self.outlets += 1;
        match a.status {
            Status::Meets => self.meets += 1,
            Status::BelowMinimum => {
                self.below_minimum += 1;
                counts[5] += 1;
            }
            Status::Overclaimed => {
                self.overclaimed += 1;
                counts[6] += 1;
            }
        }
        if outlet.errors > 0 {
            self.with_errors += 1;
        }
        let waived = a
            .outcomes
            .iter()
            .filter(|o| **o == crate::eval::Outcome::Waived)
            .count() as u64;
        if waived > 0 {
            self.waived_rules += waived;
            self.waived_outlets += 1;
        }
    }

    /// The summary sections: by type and grade, then totals.
    pub fn sections(&self, book: &Rulebook, rows_read: u64, problems: &[Problem]) -> Vec<Section> {
        let grade_title = |g: u8| {
            book.grade_info(g).map_or_else(
                || Text::new(g.to_string(), g.to_string()),
                |i| i.name.clone(),
            )
        };
        let mut columns = vec![Column::new("type", "网点类型", "type")];
        for g in [1u8, 2, 3, 4] {
            let t = grade_title(g);
            columns.push(Column {
                key: format!("grade_{g}"),
                title: t,
            });
        }
        columns.extend([
            Column::new("ungraded", "未达四级", "ungraded"),
            Column::new("total", "合计", "total"),
            Column::new("below_minimum", "低于最低要求", "below minimum"),
            Column::new("overclaimed", "申报偏高", "overclaimed"),
        ]);
        let row = |title: Out, c: &[u64; 7]| {
            let mut r = vec![title];
            r.extend(c[..5].iter().map(|n| Out::Int(*n as i64)));
            r.push(Out::Int(c[..5].iter().sum::<u64>() as i64));
            r.push(Out::Int(c[5] as i64));
            r.push(Out::Int(c[6] as i64));
            r
        };
        let mut rows = Vec::new();
        let mut total = [0u64; 7];
        for (t, counts) in book.types.iter().zip(&self.by_type) {
            rows.push(row(
                Out::Key {
                    key: t.key.clone(),
                    title: t.name.clone(),
                },
                counts,
            ));
            for (sum, n) in total.iter_mut().zip(counts) {
                *sum += n;
            }
        }
        rows.push(row(Out::key("total", "合计", "total"), &total));
        let by_type = Section {
            key: "by_type".into(),
            title: Text::new("按类型和级别统计", "Outlets by type and grade"),
            columns,
            rows,
            single: false,
        };

        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let warnings = problems.len() - errors;
        let share = if self.outlets == 0 {
            0.0
        } else {
            (self.outlets - self.below_minimum) as f64 / self.outlets as f64
        };
        let totals = Section {
            key: "totals".into(),
            title: Text::new("汇总", "Totals"),
            columns: vec![
                Column::new("rows", "数据行", "rows"),
                Column::new("outlets", "评定网点", "outlets graded"),
                Column::new("not_graded", "未评定(数据不全)", "not graded (bad data)"),
                Column::new("meets", "达标", "meets"),
                Column::new("below_minimum", "低于最低要求", "below minimum"),
                Column::new("overclaimed", "申报偏高", "overclaimed"),
                Column::new(
                    "share_meeting_minimum",
                    "达到最低要求占比",
                    "share meeting minimum",
                ),
                Column::new("waived_rules", "豁免规则次数", "rules waived"),
                Column::new("waived_outlets", "有豁免的网点", "outlets with waivers"),
                Column::new(
                    "outlets_with_errors",
                    "有数据错误的网点",
                    "outlets with data errors",
                ),
                Column::new("data_errors", "数据错误", "data errors"),
                Column::new("data_warnings", "数据警告", "data warnings"),
            ],
            rows: vec![vec![
                Out::Int(rows_read as i64),
                Out::Int(self.outlets as i64),
                Out::Int(rows_read.saturating_sub(self.outlets) as i64),
                Out::Int(self.meets as i64),
                Out::Int(self.below_minimum as i64),
                Out::Int(self.overclaimed as i64),
                Out::Percent(share),
                Out::Int(self.waived_rules as i64),
                Out::Int(self.waived_outlets as i64),
                Out::Int(self.with_errors as i64),
                Out::Int(errors as i64),
                Out::Int(warnings as i64),
            ]],
            single: true,
        };
        vec![by_type, totals]
    }
}
