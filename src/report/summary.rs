//! Summaries: outlets by type and grade, the totals an auditor reads first, per-group tallies and
//! the rulebook's region-level structure checks.

use super::{Column, Out, Section};
use crate::eval::{Assessment, Standing, Status, rank};
use crate::inventory::{Outlet, Value};
use crate::rulebook::{Rulebook, StructureCheck};
use crate::text::{Lang, Text};

/// Counters per type: grade 1, 2, 3, 4, ungraded, then below minimum, overclaimed, with data errors.
type Counts = [u64; 8];
const BELOW: usize = 5;
const OVER: usize = 6;
const ERRORS: usize = 7;

/// What a [`Tally`] counts of one graded outlet: small, so that a grading thread can hand it on
/// without the outlet.
#[derive(Clone, Copy, Debug)]
pub struct Counted {
    type_: usize,
    assessed: Option<u8>,
    status: Status,
    errors: bool,
    /// Rules waived.
    waived: u64,
}

impl Counted {
    /// As [`Counted::of`], from an [`Evaluator::standing`](crate::eval::Evaluator::standing).
    pub fn of_standing(outlet: &Outlet, s: Standing) -> Counted {
        Counted {
            type_: outlet.type_,
            assessed: s.assessed,
            status: s.status,
            errors: outlet.errors > 0,
            waived: s.waived,
        }
    }

    pub fn of(outlet: &Outlet, a: &Assessment) -> Counted {
        Counted::of_standing(outlet, a.brief().standing())
    }
}

/// Counts by type × grade, kept while outlets stream past.
#[derive(Clone, Debug)]
pub struct Tally {
    by_type: Vec<Counts>,
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
            by_type: vec![[0; 8]; book.types.len()],
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
        self.count(Counted::of(outlet, a));
    }

    /// Adds an outlet, as [`Counted::of`] sums it up.
    pub fn count(&mut self, c: Counted) {
        let counts = &mut self.by_type[c.type_];
        counts[usize::from(rank(c.assessed)) - 1] += 1;
        self.outlets += 1;
        match c.status {
            Status::Meets => self.meets += 1,
            Status::BelowMinimum => {
                self.below_minimum += 1;
                counts[BELOW] += 1;
            }
            Status::Overclaimed => {
                self.overclaimed += 1;
                counts[OVER] += 1;
            }
        }
        if c.errors {
            self.with_errors += 1;
            counts[ERRORS] += 1;
        }
        if c.waived > 0 {
            self.waived_rules += c.waived;
            self.waived_outlets += 1;
        }
    }

    /// Adds another tally's outlets to this one's: a region's is the sum of its parts'.
    pub fn absorb(&mut self, other: &Tally) {
        for (mine, theirs) in self.by_type.iter_mut().zip(&other.by_type) {
            for (sum, n) in mine.iter_mut().zip(theirs) {
                *sum += n;
            }
        }
        self.outlets += other.outlets;
        self.meets += other.meets;
        self.below_minimum += other.below_minimum;
        self.overclaimed += other.overclaimed;
        self.with_errors += other.with_errors;
        self.waived_rules += other.waived_rules;
        self.waived_outlets += other.waived_outlets;
    }

    fn total_counts(&self) -> Counts {
        let mut total = [0u64; 8];
        for counts in &self.by_type {
            for (sum, n) in total.iter_mut().zip(counts) {
                *sum += n;
            }
        }
        total
    }

    /// The summary sections: by type and grade, then totals (with the run's data errors and
    /// warnings, counted).
    pub fn sections(
        &self,
        book: &Rulebook,
        rows_read: u64,
        (errors, warnings): (u64, u64),
    ) -> Vec<Section> {
        let mut rows: Vec<Vec<Out>> = book
            .types
            .iter()
            .zip(&self.by_type)
            .map(|(t, c)| {
                counts_row(
                    vec![Out::Key {
                        key: t.key.as_str().into(),
                        title: (&t.name).into(),
                    }],
                    c,
                )
            })
            .collect();
        rows.push(counts_row(vec![total_key()], &self.total_counts()));
        let by_type = Section {
            key: "by_type".into(),
            title: Text::new("按类型和级别统计", "Outlets by type and grade"),
            columns: counts_columns(book, vec![Column::new("type", "网点类型", "type")]),
            rows,
            single: false,
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
                share_meeting(self.outlets, self.below_minimum),
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

    /// A structure check over this tally: the measured share or count (`None` when the group has
    /// no outlets of the types concerned) and whether it holds.
    pub fn check(&self, c: &StructureCheck) -> Option<(f64, bool)> {
        let (mut total, mut counted) = (0u64, 0u64);
        let mut add = |k: &Counts| {
            total += k[..5].iter().sum::<u64>();
            counted += c
                .grades
                .iter()
                .map(|g| {
                    if *g == 0 {
                        k[4]
                    } else {
                        k[usize::from(*g) - 1]
                    }
                })
                .sum::<u64>();
        };
        match &c.types {
            Some(types) => types.iter().for_each(|t| add(&self.by_type[*t])),
            None => self.by_type.iter().for_each(add),
        }
        if total == 0 {
            return None;
        }
        let measured = if c.share {
            counted as f64 / total as f64
        } else {
            counted as f64
        };
        Some((measured, c.op.holds(measured, c.value)))
    }
}

fn total_key() -> Out {
    Out::key("total", "合计", "total")
}

fn share_meeting(outlets: u64, below: u64) -> Out {
    if outlets == 0 {
        Out::Null
    } else {
        Out::Percent((outlets - below) as f64 / outlets as f64)
    }
}

/// The count columns after `lead`: grades, ungraded, total, below minimum, overclaimed.
fn counts_columns(book: &Rulebook, mut lead: Vec<Column>) -> Vec<Column> {
    for g in [1u8, 2, 3, 4] {
        let title = book.grade_info(g).map_or_else(
            || Text::new(g.to_string(), g.to_string()),
            |i| i.name.clone(),
        );
        lead.push(Column {
            key: format!("grade_{g}"),
            title,
        });
    }
    lead.extend([
        Column::new("ungraded", "未达四级", "ungraded"),
        Column::new("total", "合计", "total"),
        Column::new("below_minimum", "低于最低要求", "below minimum"),
        Column::new("overclaimed", "申报偏高", "overclaimed"),
    ]);
    lead
}

fn counts_row(mut lead: Vec<Out>, c: &Counts) -> Vec<Out> {
    // Room for the counts and the two cells `Groups::rows` adds.
    lead.reserve(10);
    lead.extend(c[..5].iter().map(|n| Out::Int(*n as i64)));
    lead.push(Out::Int(c[..5].iter().sum::<u64>() as i64));
    lead.push(Out::Int(c[BELOW] as i64));
    lead.push(Out::Int(c[OVER] as i64));
    lead
}

/// What `outlet summary` groups by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    Province,
    City,
    #[default]
    County,
    Township,
    Type,
}

/// The fields that name a region, outermost first, with the titles of their path columns (told
/// apart from the label column, titled by the grouping's level, which a workbook shows beside them).
const PATH: [(&str, &str, &str); 4] = [
    ("province", "路径·省", "path: province"),
    ("city", "路径·市", "path: city"),
    ("county", "路径·县", "path: county"),
    ("township", "路径·乡镇街道", "path: township"),
];

/// Between the names of a region's path in a group's key: a control character, which a name
/// holding one has replaced (see [`push_name`]), so that two paths never share a key.
const SEP: char = '\u{1f}';

/// Between the two keys of one outlet when a summary keeps two groupings (see
/// [`GroupBy::write_keys`]).
const KEYS_SEP: char = '\u{1e}';

/// Appends a region's name to a key, its separator characters replaced.
fn push_name(key: &mut String, name: &str) {
    if name.contains([SEP, KEYS_SEP]) {
        key.extend(name.chars().map(|c| {
            if c == SEP || c == KEYS_SEP {
                '\u{fffd}'
            } else {
                c
            }
        }));
    } else {
        key.push_str(name);
    }
}

impl GroupBy {
    /// The label column of a grouping: the group, shown with as much of its path as tells it
    /// apart from the others.
    pub fn column(self) -> Column {
        match self {
            GroupBy::Province => Column::new("group", "省", "province"),
            GroupBy::City => Column::new("group", "市", "city"),
            GroupBy::County => Column::new("group", "县", "county"),
            GroupBy::Township => Column::new("group", "乡镇街道", "township"),
            GroupBy::Type => Column::new("group", "网点类型", "type"),
        }
    }

    /// How many names of the region path (province, city, county, township) name a group: a
    /// region is its whole path, never its bare name; 0 for outlet types.
    pub fn depth(self) -> usize {
        match self {
            GroupBy::Province => 1,
            GroupBy::City => 2,
            GroupBy::County => 3,
            GroupBy::Township => 4,
            GroupBy::Type => 0,
        }
    }

    /// The columns of a group's path: province, city … down to the grouping's own level.
    pub fn path_columns(self) -> Vec<Column> {
        PATH[..self.depth()]
            .iter()
            .map(|(key, zh, en)| Column::new(key, zh, en))
            .collect()
    }

    /// The grouping the region-level structure checks of this one are made over: a county or
    /// larger region, with all its outlets together. A township has one township outlet and an
    /// outlet type is no region, so theirs are those of the enclosing counties.
    pub fn structure_level(self) -> GroupBy {
        match self {
            GroupBy::Township | GroupBy::Type => GroupBy::County,
            by => by,
        }
    }

    /// The group an outlet belongs to, as a key: a type's name, or the region's path of names
    /// (blank names included, as empty ones).
    pub fn key(self, book: &Rulebook, outlet: &Outlet, lang: Lang) -> String {
        let mut key = String::new();
        self.write_key(book, outlet, lang, &mut key);
        key
    }

    /// Writes [`GroupBy::key`] at the end of `key`.
    pub fn write_key(self, book: &Rulebook, outlet: &Outlet, lang: Lang, key: &mut String) {
        if self == GroupBy::Type {
            return push_name(key, book.types[outlet.type_].name.get(lang));
        }
        for (i, field) in book.core.regions[..self.depth()].iter().enumerate() {
            if i > 0 {
                key.push(SEP);
            }
            if let Some(Value::Text(s)) = field.map(|f| outlet.value(f)) {
                push_name(key, s);
            }
        }
    }

    /// Writes the outlet's key for this grouping and, when its structure checks are made over
    /// another ([`GroupBy::structure_level`]), its key for that one too; [`split_keys`] parts them.
    pub fn write_keys(self, book: &Rulebook, outlet: &Outlet, lang: Lang, key: &mut String) {
        self.write_key(book, outlet, lang, key);
        let level = self.structure_level();
        if level != self {
            key.push(KEYS_SEP);
            level.write_key(book, outlet, lang, key);
        }
    }

    /// A key in full: its whole path, names between slashes, blank names shown as blank.
    pub fn full_label(self, key: &str, lang: Lang) -> String {
        if self == GroupBy::Type {
            return key.to_string();
        }
        let names: Vec<&str> = key.split(SEP).collect();
        shown(&names, lang)
    }

    /// The cells of a key's path, as [`GroupBy::path_columns`] names them (blank names empty).
    pub fn path_cells(self, key: &str) -> Vec<Out> {
        if self == GroupBy::Type {
            return Vec::new();
        }
        key.split(SEP)
            .map(|name| {
                if name.is_empty() {
                    Out::Null
                } else {
                    Out::Shared(name.into())
                }
            })
            .collect()
    }

    /// The label of each key (in the order given): its name alone when no other group of the
    /// same level shares it, else as many of its parents before it (`南京市/鼓楼区`,
    /// `徐州市/鼓楼区`) as it takes for no other group to share that tail of its path.
    pub fn labels<'k>(
        self,
        keys: impl Iterator<Item = &'k str> + Clone,
        lang: Lang,
    ) -> Vec<String> {
        if self == GroupBy::Type {
            return keys.map(str::to_string).collect();
        }
        // How many groups end in each tail of a path.
        let mut tails: rustc_hash::FxHashMap<&str, u32> = rustc_hash::FxHashMap::default();
        for key in keys.clone() {
            for (start, _) in tail_starts(key) {
                *tails.entry(&key[start..]).or_default() += 1;
            }
        }
        keys.map(|key| {
            let start = tail_starts(key)
                .find(|(start, _)| tails.get(&key[*start..]) == Some(&1))
                .map_or(0, |(start, _)| start);
            let names: Vec<&str> = key[start..].split(SEP).collect();
            shown(&names, lang)
        })
        .collect()
    }
}

/// Where each tail of a path's key starts, shortest tail first (the last name alone), with the
/// number of names in it.
fn tail_starts(key: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let seps = key
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == SEP)
        .map(|(i, c)| i + c.len_utf8());
    seps.chain(std::iter::once(0))
        .enumerate()
        .map(|(n, start)| (start, n + 1))
}

/// Names as people read a path: between slashes, a blank one as `(未填)`.
fn shown(names: &[&str], lang: Lang) -> String {
    let blank = lang.pick("(未填)", "(blank)");
    names
        .iter()
        .map(|n| if n.is_empty() { blank } else { n })
        .collect::<Vec<_>>()
        .join("/")
}

/// Parts what [`GroupBy::write_keys`] wrote: the grouping's key and, when its structure checks
/// are made over another grouping, the key for that one.
pub fn split_keys(keys: &str) -> (&str, Option<&str>) {
    match keys.rsplit_once(KEYS_SEP) {
        Some((group, region)) => (group, Some(region)),
        None => (keys, None),
    }
}

/// Tallies per group, for `outlet summary` and the HTML page of `outlet grade`.
#[derive(Clone, Debug, Default)]
pub struct Groups {
    by: GroupBy,
    /// By key; sorted when shown.
    groups: rustc_hash::FxHashMap<String, Tally>,
}

impl Groups {
    /// No groups yet, of outlets grouped `by`.
    pub fn new(by: GroupBy) -> Groups {
        Groups {
            by,
            groups: rustc_hash::FxHashMap::default(),
        }
    }

    /// Adds an outlet to its group (its key, [`GroupBy::key`]), as [`Counted::of`] sums it up.
    pub fn count(&mut self, book: &Rulebook, group: &str, c: Counted) {
        if let Some(tally) = self.groups.get_mut(group) {
            tally.count(c)
        } else {
            let mut tally = Tally::new(book);
            tally.count(c);
            self.groups.insert(group.to_string(), tally);
        }
    }

    /// How the groups are grouped.
    pub fn by(&self) -> GroupBy {
        self.by
    }

    /// The groups of a coarser region level (`by`, a province or a city of these counties) made
    /// of these, each region's tally the sum of those of the groups in it: the same as counting
    /// every outlet again by `by`, without a second key per outlet. A group's key starts with
    /// the key of each region enclosing it, so that the regions are found by the keys alone.
    /// A level no coarser than this one's (or outlet types) gives these groups again.
    pub fn rollup(&self, by: GroupBy) -> Groups {
        if by == GroupBy::Type || self.by == GroupBy::Type || by.depth() >= self.by.depth() {
            return self.clone();
        }
        let mut groups: rustc_hash::FxHashMap<String, Tally> = rustc_hash::FxHashMap::default();
        for (key, tally) in &self.groups {
            // The region's key: the names before the `depth`-th separator.
            let end = key
                .match_indices(SEP)
                .nth(by.depth() - 1)
                .map_or(key.len(), |(i, _)| i);
            let region = &key[..end];
            match groups.get_mut(region) {
                Some(sum) => sum.absorb(tally),
                None => {
                    groups.insert(region.to_string(), tally.clone());
                }
            }
        }
        Groups { by, groups }
    }

    /// The groups, by path (province, then city … each by name), each with its label.
    fn sorted(&self, lang: Lang) -> Vec<(String, &String, &Tally)> {
        let mut groups: Vec<_> = self.groups.iter().collect();
        // The separator sorts before every printable character: paths sort name by name.
        groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let labels = self.by.labels(groups.iter().map(|(k, _)| k.as_str()), lang);
        labels
            .into_iter()
            .zip(groups)
            .map(|(label, (key, tally))| (label, key, tally))
            .collect()
    }

    /// The group's label, then (`with_path`: for machines; people read the label) its path
    /// (province … its own level), then the outlet type and the counts.
    pub fn columns(book: &Rulebook, by: GroupBy, with_path: bool) -> Vec<Column> {
        let mut lead = vec![by.column()];
        if with_path {
            lead.extend(by.path_columns());
        }
        lead.push(Column::new("type", "网点类型", "type"));
        let mut cols = counts_columns(book, lead);
        cols.push(Column::new("with_errors", "有数据错误", "with data errors"));
        cols.push(Column::new(
            "share_meeting_minimum",
            "达到最低要求占比",
            "share meeting minimum",
        ));
        cols
    }

    /// Per group: a row for each type present, then the group's total.
    pub fn rows(&self, book: &Rulebook, lang: Lang, with_path: bool) -> Vec<Vec<Out>> {
        let mut rows = Vec::new();
        let _ = self.each_row(book, lang, with_path, |r| {
            rows.push(r);
            Ok::<(), std::convert::Infallible>(())
        });
        rows
    }

    /// Gives each of [`Groups::rows`] to `f` in turn, without holding them all.
    pub fn each_row<E>(
        &self,
        book: &Rulebook,
        lang: Lang,
        with_path: bool,
        mut f: impl FnMut(Vec<Out>) -> Result<(), E>,
    ) -> Result<(), E> {
        // Each type's cell, made once and shared by every group's rows.
        let type_cells: Vec<Out> = book
            .types
            .iter()
            .map(|t| Out::Key {
                key: t.key.as_str().into(),
                title: (&t.name).into(),
            })
            .collect();
        for (label, key, tally) in self.sorted(lang) {
            let mut lead = vec![Out::Shared(label.as_str().into())];
            if with_path {
                lead.extend(self.by.path_cells(key));
            }
            let row = |type_cell: Out, c: &Counts| {
                let outlets = c[..5].iter().sum::<u64>();
                let mut lead = lead.clone();
                lead.push(type_cell);
                let mut r = counts_row(lead, c);
                r.push(Out::Int(c[ERRORS] as i64));
                r.push(share_meeting(outlets, c[BELOW]));
                r
            };
            for (t, c) in type_cells.iter().zip(&tally.by_type) {
                if c[..5].iter().sum::<u64>() > 0 {
                    f(row(t.clone(), c))?;
                }
            }
            f(row(total_key(), &tally.total_counts()))?;
        }
        Ok(())
    }

    /// The structure checks of every group, as a section; all of them advisory. `enclosing`: the
    /// groups are the counties enclosing those of the report (its townships or types), so the
    /// section's title says so. `with_path`: each group's path columns follow its label (for
    /// machines; people read the label).
    pub fn structure(
        &self,
        book: &Rulebook,
        lang: Lang,
        enclosing: bool,
        with_path: bool,
    ) -> Section {
        // Each check's own cells, made once and cloned into every group's row.
        let checks: Vec<(&StructureCheck, [Out; 4])> = book
            .structure
            .iter()
            .map(|c| {
                let mut threshold = String::from(match c.op {
                    crate::rulebook::CmpOp::AtLeast => "≥",
                    crate::rulebook::CmpOp::MoreThan => ">",
                    crate::rulebook::CmpOp::AtMost => "≤",
                    crate::rulebook::CmpOp::LessThan => "<",
                    crate::rulebook::CmpOp::Equals => "=",
                });
                threshold.push(' ');
                if c.share {
                    Out::push_number(&mut threshold, c.value * 100.0);
                    threshold.push('%');
                } else {
                    Out::push_number(&mut threshold, c.value);
                }
                let cells = [
                    Out::Shared(c.id.as_str().into()),
                    Out::Shared(c.title.get(lang).into()),
                    Out::Shared(c.article.as_str().into()),
                    Out::Shared(threshold.as_str().into()),
                ];
                (c, cells)
            })
            .collect();
        let mut rows = Vec::with_capacity(self.groups.len() * checks.len());
        for (label, key, tally) in self.sorted(lang) {
            let mut lead = vec![Out::Shared(label.as_str().into())];
            if with_path {
                lead.extend(self.by.path_cells(key));
            }
            for (c, [id, title, article, threshold]) in &checks {
                let (measured, result) = match tally.check(c) {
                    None => (
                        Out::Null,
                        Out::key("not_applicable", "不适用", "not applicable"),
                    ),
                    Some((m, ok)) => (
                        if c.share {
                            Out::Percent(m)
                        } else {
                            Out::Num(m)
                        },
                        if ok {
                            Out::key("met", "符合", "met")
                        } else {
                            Out::key("not_met", "不符合", "not met")
                        },
                    ),
                };
                let mut row = lead.clone();
                row.extend([
                    id.clone(),
                    title.clone(),
                    article.clone(),
                    measured,
                    threshold.clone(),
                    result,
                    Out::key("advisory", "建议", "advisory"),
                ]);
                rows.push(row);
            }
        }
        let mut columns = vec![self.by.column()];
        if with_path {
            columns.extend(self.by.path_columns());
        }
        columns.extend([
            Column::new("check", "检查", "check"),
            Column::new("title", "项目", "title"),
            Column::new("article", "条款", "article"),
            Column::new("measured", "实际", "measured"),
            Column::new("threshold", "要求", "threshold"),
            Column::new("result", "结果", "result"),
            Column::new("kind", "类别", "kind"),
        ]);
        Section {
            key: "structure".into(),
            title: if enclosing {
                Text::new(
                    "区域结构检查(所在县,建议项)",
                    "Region-level structure checks of the enclosing counties (advisory)",
                )
            } else {
                Text::new(
                    "区域结构检查(建议项)",
                    "Region-level structure checks (advisory)",
                )
            },
            columns,
            rows,
            single: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(names: &[&str]) -> String {
        names.join(&SEP.to_string())
    }

    #[test]
    fn groups_count_each_outlet_in_its_group_however_the_groups_interleave() {
        let Ok(book) = Rulebook::builtin() else {
            panic!("the built-in rulebook is valid");
        };
        let mut groups = Groups::new(GroupBy::County);
        let (a, b, c) = (
            key(&["甲省", "甲市", "甲县"]),
            key(&["甲省", "甲市", "乙县"]),
            key(&["乙省", "丙市", "丙县"]),
        );
        let one = Counted {
            type_: 0,
            assessed: Some(3),
            status: Status::Meets,
            errors: false,
            waived: 0,
        };
        // Together as inventories list them, then back to a group seen before.
        for k in [&a, &a, &b, &a, &c, &b, &b] {
            groups.count(&book, k, one);
        }
        let mut counted: Vec<(&str, u64)> = groups
            .sorted(Lang::Zh)
            .into_iter()
            .map(|(_, k, t)| (k.as_str(), t.outlets))
            .collect();
        counted.sort_unstable();
        let mut want = vec![(a.as_str(), 3), (b.as_str(), 3), (c.as_str(), 1)];
        want.sort_unstable();
        assert_eq!(counted, want);
    }

    #[test]
    fn a_rollup_of_counties_is_counting_every_outlet_again_by_city_and_by_province() {
        let Ok(book) = Rulebook::builtin() else {
            panic!("the built-in rulebook is valid");
        };
        // Blank names, a name holding the separator (replaced, as keys are written), and the
        // same county name in two cities.
        let mut odd = String::new();
        push_name(&mut odd, &format!("丙{SEP}市"));
        let paths = [
            ["甲省", "甲市", "城区"],
            ["甲省", "乙市", "城区"],
            ["甲省", "甲市", "东县"],
            ["乙省", "", ""],
            ["", "", "西县"],
            ["乙省", odd.as_str(), "北县"],
        ];
        let mut by = [
            Groups::new(GroupBy::Province),
            Groups::new(GroupBy::City),
            Groups::new(GroupBy::County),
        ];
        for i in 0..60usize {
            let path = &paths[i * 7 % paths.len()];
            let c = Counted {
                type_: i % book.types.len(),
                assessed: [None, Some(1), Some(2), Some(3), Some(4)][i % 5],
                status: [Status::Meets, Status::BelowMinimum, Status::Overclaimed][i % 3],
                errors: i % 4 == 0,
                waived: (i % 5) as u64,
            };
            for (depth, groups) in by.iter_mut().enumerate() {
                groups.count(&book, &key(&path[..=depth]), c);
            }
        }
        let [provinces, cities, counties] = &by;
        for (rolled, direct) in [
            (counties.rollup(GroupBy::Province), provinces),
            (counties.rollup(GroupBy::City), cities),
            (counties.rollup(GroupBy::County), counties),
        ] {
            assert_eq!(rolled.by(), direct.by());
            for lang in [Lang::Zh, Lang::En] {
                assert_eq!(
                    rolled.rows(&book, lang, true),
                    direct.rows(&book, lang, true)
                );
            }
            let tallies = |g: &Groups| {
                let mut t: Vec<(String, u64, u64, u64, u64, u64, u64)> = g
                    .groups
                    .iter()
                    .map(|(k, t)| {
                        let c = (t.outlets, t.meets, t.below_minimum, t.overclaimed);
                        (k.clone(), c.0, c.1, c.2, c.3, t.with_errors, t.waived_rules)
                    })
                    .collect();
                t.sort();
                t
            };
            assert_eq!(tallies(&rolled), tallies(direct));
        }
    }

    #[test]
    fn a_label_is_the_shortest_tail_of_the_path_no_other_group_shares() {
        let keys = [
            key(&["江苏省", "南京市", "鼓楼区"]),
            key(&["江苏省", "徐州市", "鼓楼区"]),
            key(&["福建省", "福州市", "鼓楼区"]),
            key(&["甲省", "新城市", "城区"]),
            key(&["乙省", "新城市", "城区"]),
            key(&["江苏省", "南京市", "玄武区"]),
            key(&["江苏省", "南京市", ""]),
        ];
        let labels = GroupBy::County.labels(keys.iter().map(String::as_str), Lang::Zh);
        assert_eq!(
            labels,
            [
                "南京市/鼓楼区",
                "徐州市/鼓楼区",
                "福州市/鼓楼区",
                // The same city and county names in two provinces: the whole path.
                "甲省/新城市/城区",
                "乙省/新城市/城区",
                "玄武区",
                "(未填)",
            ]
        );
        assert_eq!(
            GroupBy::County.full_label(&keys[6], Lang::En),
            "江苏省/南京市/(blank)"
        );
    }

    #[test]
    fn a_separator_in_a_name_cannot_join_two_paths() {
        let (mut a, mut b) = (String::new(), String::new());
        push_name(&mut a, &format!("甲{SEP}乙"));
        push_name(&mut b, "甲");
        b.push(SEP);
        push_name(&mut b, "乙");
        assert_ne!(a, b);
        assert_eq!(split_keys(&format!("县{KEYS_SEP}区")), ("县", Some("区")));
    }
}
