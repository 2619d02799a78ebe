//! `outlet diff OLD NEW`: two inventories (a year apart, say) matched on id — upgraded, downgraded
//! with the rules whose change caused it, unchanged, new, closed — and claim changes, per group.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use jiff::civil::Date;

use super::Exit;
use super::common::{CommonArgs, FailOn, print_problems};
use super::output::Output;
use crate::eval::{Assessment, Evaluator, Outcome, Status, rank};
use crate::inventory::{Input, Outlet};
use crate::report::outlets::type_cell_of;
use crate::report::summary::GroupBy;
use crate::report::{Column, Out, Section, Writer, words};
use crate::rulebook::{FieldKind, RuleKind, Rulebook};
use crate::text::{Lang, Text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier inventory.
    pub old: PathBuf,
    /// The later inventory.
    pub new: PathBuf,
    /// The date to grade the earlier inventory as of (default: one year before --as-of).
    #[arg(long, value_name = "DATE", value_parser = super::i18n::parse_date_arg)]
    pub old_as_of: Option<Date>,
    /// What to count changes by.
    #[arg(long, value_enum, default_value_t = GroupBy::County)]
    pub by: GroupBy,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What is kept of an outlet of the earlier inventory: only what the comparison needs, in few
/// allocations (two national inventories took 425 MB when each outlet kept its own strings).
struct Before {
    id: Box<str>,
    name: Box<str>,
    /// Its type and the type it was graded as, for its type cell.
    types: (u16, u16),
    /// Its group, in [`Earlier::groups`].
    group: u32,
    assessed: Option<u8>,
    claimed: Option<u8>,
    status: Status,
    outcomes: Box<[Outcome]>,
    /// Matched by an outlet of the later inventory.
    matched: bool,
}

/// The earlier inventory, whole: it is matched against the later one as that streams past.
#[derive(Default)]
struct Earlier {
    /// In the inventory's order.
    outlets: Vec<Before>,
    /// Each outlet's place in `outlets`, under the hash of its id: the id itself is kept once,
    /// in the outlet (a map keyed by a copy of each id held 30 MB more at 662,000 outlets).
    by_id: hashbrown::HashTable<u32>,
    /// The groups, each once, and their places.
    groups: Vec<String>,
    group_ids: rustc_hash::FxHashMap<String, u32>,
    /// The type cell of each (type, grading type) seen.
    type_cells: rustc_hash::FxHashMap<(u16, u16), Out>,
    /// The latest update date, and its outlet's id.
    latest: Option<(Date, String)>,
}

/// What the comparison takes of an outlet, made on whichever thread typed it (the grading is the
/// work; it ran on one thread, and diff took 19.5× the parse floor at 662,000 outlets).
struct Read {
    id: String,
    name: String,
    /// Its type and the type it is graded as.
    types: (u16, u16),
    claimed: Option<u8>,
    /// The key of its group.
    group: String,
    /// The latest date its row holds (for the earlier inventory only: its staleness warning).
    latest: Option<Date>,
    assessment: Assessment,
}

impl Read {
    fn of(book: &Rulebook, ev: &Evaluator, (by, lang): (GroupBy, Lang), o: &Outlet) -> Read {
        let type_ = |t: usize| u16::try_from(t).unwrap_or(u16::MAX);
        Read {
            id: o.id.clone(),
            name: o.name.clone(),
            types: (type_(o.type_), type_(o.grading_type)),
            claimed: o.claimed,
            group: by.key(book, o, lang),
            latest: None,
            assessment: ev.assess(o),
        }
    }

    /// Its type cell.
    fn type_cell(&self, book: &Rulebook) -> Out {
        type_cell_of(book, usize::from(self.types.0), usize::from(self.types.1))
    }
}

/// The hash an outlet's id is found by in [`Earlier::by_id`].
fn id_hash(id: &str) -> u64 {
    use std::hash::BuildHasher as _;
    rustc_hash::FxBuildHasher.hash_one(id)
}

impl Earlier {
    /// Reads the earlier inventory, grading each outlet with `ev` on `threads` threads.
    fn read(
        inventory: &mut crate::inventory::Inventory,
        book: &Rulebook,
        ev: &Evaluator,
        (by, lang, threads): (GroupBy, Lang, usize),
        problems: &mut Vec<crate::problem::Problem>,
    ) -> Result<Earlier> {
        let mut e = Earlier::default();
        let work = |o: &Outlet, _: &mut String| Read {
            latest: latest_date(book, o),
            ..Read::of(book, ev, (by, lang), o)
        };
        inventory.each_outlet(threads, problems, work, |r, _| -> Result<()> {
            e.add(book, r);
            Ok(())
        })?;
        e.outlets.shrink_to_fit();
        Ok(e)
    }

    /// Keeps what the comparison needs of one outlet read.
    fn add(&mut self, book: &Rulebook, r: Read) {
        let Read {
            id,
            name,
            types,
            claimed,
            group: key,
            latest,
            assessment: a,
        } = r;
        if let Some(d) = latest
            && self.latest.as_ref().is_none_or(|(l, _)| d > *l)
        {
            self.latest = Some((d, id.clone()));
        }
        let group = if let Some(&g) = self.group_ids.get(&key) {
            g
        } else {
            let g = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
            self.groups.push(key.clone());
            self.group_ids.insert(key, g);
            g
        };
        self.type_cells
            .entry(types)
            .or_insert_with(|| type_cell_of(book, usize::from(types.0), usize::from(types.1)));
        let place = u32::try_from(self.outlets.len()).unwrap_or(u32::MAX);
        let hash = id_hash(&id);
        self.outlets.push(Before {
            id: id.into_boxed_str(),
            name: name.into_boxed_str(),
            types,
            group,
            assessed: a.assessed,
            claimed,
            status: a.status,
            outcomes: a.outcomes.into_boxed_slice(),
            matched: false,
        });
        // A repeated id is refused by the inventory: each id is here once.
        let outlets = &self.outlets;
        self.by_id
            .insert_unique(hash, place, |&p| id_hash(&outlets[p as usize].id));
    }

    /// The place of the earlier outlet with this id, marked as matched.
    fn matched(&mut self, id: &str) -> Option<usize> {
        let outlets = &self.outlets;
        let place = *self
            .by_id
            .find(id_hash(id), |&p| &*outlets[p as usize].id == id)? as usize;
        self.outlets.get_mut(place)?.matched = true;
        Some(place)
    }

    /// The type cell of an earlier outlet.
    fn type_cell(&self, b: &Before) -> Out {
        self.type_cells.get(&b.types).cloned().unwrap_or(Out::Null)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Upgraded,
    Downgraded,
    Unchanged,
    New,
    Closed,
}

impl Change {
    fn out(self) -> Out {
        match self {
            Change::Upgraded => Out::key("upgraded", "升级", "upgraded"),
            Change::Downgraded => Out::key("downgraded", "降级", "downgraded"),
            Change::Unchanged => Out::key("unchanged", "不变", "unchanged"),
            Change::New => Out::key("new", "新增", "new"),
            Change::Closed => Out::key("closed", "撤销", "closed"),
        }
    }
}

/// Per group: upgraded, downgraded, unchanged, new, closed, claims changed, fell below minimum.
type Counts = [u64; 7];

/// The columns of the rows; CSV, which has no header to name the dates by, ends each row with
/// them (`old_as_of`, `new_as_of`).
fn columns(csv: bool) -> (Vec<Column>, Vec<bool>) {
    let dates = [
        (
            Column::new("old_as_of", "原清单评定日期", "old as of"),
            false,
        ),
        (
            Column::new("new_as_of", "新清单评定日期", "new as of"),
            false,
        ),
    ];
    [
        (Column::new("id", "网点编号", "id"), true),
        (Column::new("name", "网点名称", "name"), true),
        (Column::new("type", "网点类型", "type"), false),
        (Column::new("group", "分组", "group"), false),
        (Column::new("change", "变化", "change"), true),
        (Column::new("old_grade", "原级别", "old grade"), true),
        (Column::new("new_grade", "现级别", "new grade"), true),
        (Column::new("old_claimed", "原申报", "old claim"), false),
        (Column::new("new_claimed", "现申报", "new claim"), false),
        (
            Column::new("claim_changed", "申报变化", "claim changed"),
            true,
        ),
        (Column::new("old_status", "原状态", "old status"), true),
        (Column::new("new_status", "现状态", "new status"), true),
        (
            Column::new("fell_below_minimum", "新低于最低要求", "fell below minimum"),
            false,
        ),
        (Column::new("rules", "原因规则", "rules"), true),
    ]
    .into_iter()
    .chain(dates.into_iter().filter(|_| csv))
    .unzip()
}

/// The date the earlier inventory is graded as of when `--old-as-of` does not say: a year before
/// the later one's (29 February falls back to 28 February).
fn default_old_as_of(as_of: Date) -> Date {
    as_of
        .checked_sub(jiff::Span::new().years(1))
        .unwrap_or(as_of)
}

/// The latest date an outlet's row holds, in any date column (the update date, in the built-in
/// rulebook).
fn latest_date(book: &Rulebook, o: &crate::inventory::Outlet) -> Option<Date> {
    book.fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FieldKind::Date)
        .filter_map(|(i, _)| match o.value(i) {
            crate::inventory::Value::Date(d) => Some(*d),
            _ => None,
        })
        .max()
}

/// The warning when the earlier inventory, graded as of the default date, holds an update after
/// it: that inventory was most likely made later than a year before the later one, and its outlets
/// would be judged on a date that is not theirs.
fn stale_warning(file: &str, old_as_of: Date, (latest, id): (Date, &str), lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "警告: {file}: 原清单最晚的更新日期是 {latest}(网点 `{id}`),晚于原清单的评定日期 \
             {old_as_of}(未给 --old-as-of,取 --as-of 前一年) \
             (若原清单是另一天的,请用 --old-as-of 给出那一天)"
        ),
        Lang::En => format!(
            "warning: {file}: the latest update date in the old inventory is {latest} (outlet \
             `{id}`), after its as-of date {old_as_of} (one year before --as-of, as --old-as-of \
             is not given) (if the old inventory is of another date, give it with --old-as-of)"
        ),
    }
}

/// The required rules whose outcome changed between the grades concerned: for a downgrade, those
/// that held and now fail; for an upgrade, those that failed and now hold.
fn causes(
    book: &Rulebook,
    before: &[Outcome],
    after: &[Outcome],
    old: Option<u8>,
    new: Option<u8>,
) -> String {
    let (better, worse) = (rank(old).min(rank(new)), rank(old).max(rank(new)));
    book.rules
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            r.kind == RuleKind::Required
                && (better..=worse).contains(&r.grade)
                && before[*i].failed() != after[*i].failed()
        })
        .map(|(_, r)| r.id.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(args: Args) -> Result<Exit> {
    let c = &args.common;
    let (prep, mut problems) = c.prepare(&args.new)?;
    let book = &prep.book;
    let old_input = Input::from_arg(&args.old);
    // Each inventory is graded as of its own date: the earlier one's a year before, by default.
    let old_as_of = args
        .old_as_of
        .unwrap_or_else(|| default_old_as_of(prep.as_of));
    // Neither inventory is written over, nor what `prepare` read; refused before any is read.
    let mut reads = prep.reads.clone();
    reads.add_input("OLD", &old_input);
    reads.add_input("NEW", &prep.input);
    let out = Output::open(c.output.as_deref(), &reads, c.lang)?;

    let (mut earlier, old_columns) =
        read_earlier(&args, &prep, &old_input, old_as_of, &mut problems)?;

    let input = &prep.input;
    let mut inventory = c.open_inventory(input, book)?;
    let csv = c.output_format() == crate::report::Format::Csv;
    let (cols, shown) = columns(csv);
    let mut meta = c.meta("diff", input, &inventory, book);
    meta.input = Some(format!("{} → {}", old_input.label(), input.label()));
    meta.old_as_of = Some(old_as_of.to_string());
    meta.old_columns = Some(old_columns);
    let mut writer = Writer::new(out, c.output_format(), c.lang, book, meta, "outlets", cols)
        .brief(shown)
        .excel(c.excel)
        .workbook_dir(super::output::workbook_dir(c.output.as_deref()));
    let mut changes = Changes {
        book,
        by: args.by,
        lang: c.lang,
        dates: csv.then(|| {
            [
                Out::str(old_as_of.to_string()),
                Out::str(prep.as_of.to_string()),
            ]
        }),
        counts: BTreeMap::new(),
        fell: 0,
    };

    // The later inventory's outlets as they stream past, each against its earlier self, if any;
    // then the earlier outlets none matched.
    let ev = prep.evaluator();
    let work = |o: &Outlet, _: &mut String| Read::of(book, &ev, (args.by, c.lang), o);
    let take = |r: Read, _: &str| -> Result<()> {
        let b = earlier.matched(&r.id).map(|i| {
            let b = &earlier.outlets[i];
            (b, earlier.type_cell(b))
        });
        changes.row(&mut writer, &r.id, b, Some(&r), r.group.clone())
    };
    inventory.each_outlet(c.threads(), &mut problems, work, take)?;
    for b in earlier.outlets.iter().filter(|b| !b.matched) {
        let group = earlier.groups[b.group as usize].clone();
        changes.row(
            &mut writer,
            &b.id,
            Some((b, earlier.type_cell(b))),
            None,
            group,
        )?;
    }

    let sections = if csv {
        Vec::new()
    } else {
        vec![group_section(&changes.counts, args.by, c)]
    };
    writer.finish(&sections, &problems)?.commit()?;
    print_problems(&problems, c.lang);
    Ok(if changes.fell > 0 && c.fail_on != FailOn::Never {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Reads and grades the earlier inventory as of `old_as_of`, with the columns it fed; warns when
/// the default date is before one of its updates.
fn read_earlier(
    args: &Args,
    prep: &super::common::Prepared,
    old_input: &Input,
    old_as_of: Date,
    problems: &mut Vec<crate::problem::Problem>,
) -> Result<(Earlier, crate::report::ColumnsRead)> {
    let (c, book) = (&args.common, &prep.book);
    let old_ev = match &prep.waivers {
        Some(w) => Evaluator::new(book, old_as_of).with_waivers(w),
        None => Evaluator::new(book, old_as_of),
    };
    let mut old_inventory = c.open_inventory(old_input, book)?;
    let old_columns = crate::report::ColumnsRead::of(&old_inventory);
    // Dates after the earlier as-of date are errors only when it was given: the default is a
    // guess, which the warning below corrects.
    old_inventory.set_as_of(args.old_as_of);
    let how = (args.by, c.lang, c.threads());
    let mut earlier = Earlier::read(&mut old_inventory, book, &old_ev, how, problems)?;
    let latest = earlier.latest.take();
    if args.old_as_of.is_none()
        && let Some((d, id)) = latest.as_ref().filter(|(d, _)| *d > old_as_of)
    {
        eprintln!(
            "{}",
            stale_warning(&old_input.label(), old_as_of, (*d, id), c.lang)
        );
    }
    Ok((earlier, old_columns))
}

/// The rows of the comparison as they are written, and what they add up to per group.
struct Changes<'b> {
    book: &'b Rulebook,
    by: GroupBy,
    lang: Lang,
    /// The as-of dates that end each CSV row (none in other formats).
    dates: Option<[Out; 2]>,
    counts: BTreeMap<String, Counts>,
    /// Outlets that fell below their minimum.
    fell: u64,
}

impl Changes<'_> {
    /// Writes the row of the outlet `id`: `b`, as it was (with its type cell), and `now`, as it
    /// is.
    fn row(
        &mut self,
        writer: &mut Writer<'_, Output>,
        id: &str,
        b: Option<(&Before, Out)>,
        now: Option<&Read>,
        group: String,
    ) -> Result<()> {
        let book = self.book;
        let (b, b_type) = match b {
            Some((b, t)) => (Some(b), Some(t)),
            None => (None, None),
        };
        let a = now.map(|r| &r.assessment);
        let change = change(b, a);
        let claim_changed = matches!((b, now), (Some(b), Some(r)) if b.claimed != r.claimed);
        let fell_below = matches!((b, a), (Some(b), Some(a)) if b.status != Status::BelowMinimum && a.status == Status::BelowMinimum);
        let rules = match (b, a) {
            (Some(b), Some(a)) if change != Change::Unchanged => {
                causes(book, &b.outcomes, &a.outcomes, b.assessed, a.assessed)
            }
            _ => String::new(),
        };
        // A row names its group by its whole path: rows stream, before every group is known.
        let label = self.by.full_label(&group, self.lang);
        self.count(group, change, claim_changed, fell_below);
        let mut row = vec![
            Out::str(id),
            Out::str(now.map_or_else(
                || b.map(|b| b.name.to_string()).unwrap_or_default(),
                |r| r.name.clone(),
            )),
            now.map_or_else(|| b_type.unwrap_or(Out::Null), |r| r.type_cell(book)),
            Out::str(label),
            change.out(),
            b.map_or(Out::Null, |b| Out::Grade(b.assessed)),
            a.map_or(Out::Null, |a| Out::Grade(a.assessed)),
            b.map_or(Out::Null, |b| Out::OptGrade(b.claimed)),
            now.map_or(Out::Null, |r| Out::OptGrade(r.claimed)),
            yes_no(claim_changed),
            b.map_or(Out::Null, |b| words::status(b.status)),
            a.map_or(Out::Null, |a| words::status(a.status)),
            yes_no(fell_below),
            Out::str(rules),
        ];
        if let Some(dates) = &self.dates {
            row.extend(dates.iter().cloned());
        }
        writer.row(&row)?;
        Ok(())
    }

    /// Adds one outlet's change to its group's counts.
    fn count(&mut self, group: String, change: Change, claim_changed: bool, fell_below: bool) {
        let c = self.counts.entry(group).or_default();
        let slot = match change {
            Change::Upgraded => 0,
            Change::Downgraded => 1,
            Change::Unchanged => 2,
            Change::New => 3,
            Change::Closed => 4,
        };
        c[slot] += 1;
        c[5] += u64::from(claim_changed);
        c[6] += u64::from(fell_below);
        self.fell += u64::from(fell_below);
    }
}

/// How an outlet's grade changed: `b` as it was, `now` as it is.
fn change(b: Option<&Before>, now: Option<&Assessment>) -> Change {
    match (b, now) {
        (None, _) => Change::New,
        (_, None) => Change::Closed,
        (Some(b), Some(a)) => match rank(a.assessed).cmp(&rank(b.assessed)) {
            std::cmp::Ordering::Less => Change::Upgraded,
            std::cmp::Ordering::Greater => Change::Downgraded,
            std::cmp::Ordering::Equal => Change::Unchanged,
        },
    }
}

fn yes_no(b: bool) -> Out {
    if b {
        Out::key("yes", "是", "yes")
    } else {
        Out::key("no", "否", "no")
    }
}

/// The section of changes counted by group, and their total.
fn group_section(counts: &BTreeMap<String, Counts>, by: GroupBy, c: &CommonArgs) -> Section {
    // Each group by its label: as much of its path as tells it apart; machines also get the path.
    let with_path = matches!(
        c.output_format(),
        crate::report::Format::Json | crate::report::Format::Xlsx
    );
    let labels = by.labels(counts.keys().map(String::as_str), c.lang);
    let mut rows: Vec<Vec<Out>> = Vec::new();
    let mut total: Counts = [0; 7];
    for ((group, c), label) in counts.iter().zip(labels) {
        let mut r = vec![Out::str(label)];
        if with_path {
            r.extend(by.path_cells(group));
        }
        r.extend(c.iter().map(|n| Out::Int(*n as i64)));
        rows.push(r);
        for (t, n) in total.iter_mut().zip(c) {
            *t += n;
        }
    }
    let mut r = vec![Out::key("total", "合计", "total")];
    if with_path {
        r.extend((0..by.depth()).map(|_| Out::Null));
    }
    r.extend(total.iter().map(|n| Out::Int(*n as i64)));
    rows.push(r);
    Section {
        key: "by_group".into(),
        title: Text::new("按分组统计变化", "Changes by group"),
        columns: [by.column()]
            .into_iter()
            .chain(by.path_columns().into_iter().filter(|_| with_path))
            .chain([
                Column::new("upgraded", "升级", "upgraded"),
                Column::new("downgraded", "降级", "downgraded"),
                Column::new("unchanged", "不变", "unchanged"),
                Column::new("new", "新增", "new"),
                Column::new("closed", "撤销", "closed"),
                Column::new("claims_changed", "申报变化", "claims changed"),
                Column::new("fell_below_minimum", "新低于最低要求", "fell below minimum"),
            ])
            .collect(),
        rows,
        single: false,
    }
}
