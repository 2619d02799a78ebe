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

/// What is kept of an outlet of the earlier inventory: only what the comparison needs, its id,
/// name and failed rules in arenas of [`Earlier`]. (Two national inventories took 425 MB when each
/// outlet kept its own strings; with a box for each string and each outcome list, the page faults
/// and frees of those boxes were still a fifth of a national diff's samples.)
struct Before {
    /// Where its id, then its name, begin in [`Earlier::text`], and their lengths.
    text: usize,
    id_len: usize,
    name_len: usize,
    /// Its type and the type it was graded as, for its type cell.
    types: (u16, u16),
    /// Its group, in [`Earlier::groups`].
    group: u32,
    assessed: Option<u8>,
    claimed: Option<u8>,
    status: Status,
}

/// The earlier inventory, whole: it is matched against the later one as that streams past, by
/// any thread (nothing in it changes once it is read).
#[derive(Default)]
struct Earlier {
    /// In the inventory's order.
    outlets: Vec<Before>,
    /// Each outlet's id and name, one after the other.
    text: String,
    /// Each outlet's failed rules, [`Earlier::words`] words an outlet: bit `i % 64` of word
    /// `i / 64` set when rule `i` failed.
    failed: Vec<u64>,
    words: usize,
    /// Each outlet's place in `outlets`, under the hash of its id, made once all are read: the
    /// id itself is kept once, in `text` (a map keyed by a copy of each id held 30 MB more at
    /// 662,000 outlets).
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
        let mut e = Earlier {
            words: book.rules.len().div_ceil(64),
            ..Earlier::default()
        };
        let work = |o: &Outlet, _: &mut String| Read {
            latest: latest_date(book, o),
            ..Read::of(book, ev, (by, lang), o)
        };
        inventory.each_outlet(threads, problems, work, |r, _| -> Result<()> {
            e.add(book, r);
            Ok(())
        })?;
        e.outlets.shrink_to_fit();
        e.text.shrink_to_fit();
        e.failed.shrink_to_fit();
        // The id table is made once every outlet is in, at its size: growing it as they came
        // hashed every id again at each doubling, on the thread that takes the outlets in order.
        let mut by_id = hashbrown::HashTable::with_capacity(e.outlets.len());
        for (place, b) in e.outlets.iter().enumerate() {
            let place = u32::try_from(place).unwrap_or(u32::MAX);
            // A repeated id is refused by the inventory: each id is here once.
            by_id.insert_unique(id_hash(e.id(b)), place, |&p| {
                id_hash(Earlier::id_in(&e.text, &e.outlets[p as usize]))
            });
        }
        e.by_id = by_id;
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
        let text = self.text.len();
        self.text.push_str(&id);
        self.text.push_str(&name);
        let start = self.failed.len();
        self.failed.resize(start + self.words, 0);
        for (i, o) in a.outcomes.iter().enumerate() {
            if o.failed() {
                self.failed[start + i / 64] |= 1 << (i % 64);
            }
        }
        self.outlets.push(Before {
            text,
            id_len: id.len(),
            name_len: name.len(),
            types,
            group,
            assessed: a.assessed,
            claimed,
            status: a.status,
        });
    }

    fn id_in<'t>(text: &'t str, b: &Before) -> &'t str {
        text.get(b.text..b.text + b.id_len).unwrap_or_default()
    }

    /// An earlier outlet's id.
    fn id(&self, b: &Before) -> &str {
        Earlier::id_in(&self.text, b)
    }

    /// An earlier outlet's name.
    fn name(&self, b: &Before) -> &str {
        let start = b.text + b.id_len;
        self.text.get(start..start + b.name_len).unwrap_or_default()
    }

    /// Whether the earlier outlet at `place` failed rule `i`.
    fn failed(&self, place: usize, i: usize) -> bool {
        let word = self.failed.get(place * self.words + i / 64).copied();
        word.is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The place of the earlier outlet with this id.
    fn find(&self, id: &str) -> Option<usize> {
        let place = *self
            .by_id
            .find(id_hash(id), |&p| self.id(&self.outlets[p as usize]) == id)?;
        Some(place as usize)
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
type GroupCounts = [u64; 7];

/// The columns of the rows; a format of rows alone (`bare`, CSV), with no head to name the dates
/// in, ends each row with them (`old_as_of`, `new_as_of`).
fn columns(bare: bool) -> (Vec<Column>, Vec<bool>) {
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
    .chain(dates.into_iter().filter(|_| bare))
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
/// that held and now fail; for an upgrade, those that failed and now hold. `before` tells whether
/// the earlier outlet failed a rule.
fn causes(
    book: &Rulebook,
    before: impl Fn(usize) -> bool,
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
                && before(*i) != after.get(*i).is_some_and(|o| o.failed())
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

    let (earlier, old_columns) = read_earlier(&args, &prep, &old_input, old_as_of, &mut problems)?;

    let input = &prep.input;
    let mut inventory = c.open_inventory(input, book)?;
    let wants = c.output_format().wants();
    let (cols, shown) = columns(wants.bare);
    let mut meta = c.meta("diff", input, &inventory, book);
    meta.input = Some(format!("{} → {}", old_input.label(), input.label()));
    meta.old_as_of = Some(old_as_of.to_string());
    meta.old_columns = Some(old_columns);
    let mut writer = Writer::new(out, c.output_format(), c.lang, book, meta, "outlets", cols)
        .brief(shown)
        .excel(c.excel)
        .workbook_dir(super::output::workbook_dir(c.output.as_deref()));
    let rows = DiffRows {
        book,
        by: args.by,
        lang: c.lang,
        earlier: &earlier,
        // (Shared: every row takes them.)
        dates: wants.bare.then(|| {
            [
                Out::Shared(old_as_of.to_string().as_str().into()),
                Out::Shared(prep.as_of.to_string().as_str().into()),
            ]
        }),
    };
    let mut counts = Counts::new(&earlier);

    // The later inventory's outlets as they stream past, each against its earlier self, if any,
    // its row made on the thread that graded it; then the earlier outlets none matched.
    let ev = prep.evaluator();
    let maker = writer.row_maker();
    let work = |o: &Outlet, _: &mut String| {
        let r = Read::of(book, &ev, (args.by, c.lang), o);
        let place = earlier.find(&r.id);
        let (row, change) = rows.row(&r.id, place, Some(&r), &r.group);
        Compared {
            place,
            group: Group::of(&earlier, r.group),
            change,
            rows: maker.make([row]),
        }
    };
    let mut matched = vec![false; earlier.outlets.len()];
    let take = |m: Compared, _: &str| -> Result<()> {
        if let Some(slot) = m.place.and_then(|p| matched.get_mut(p)) {
            *slot = true;
        }
        counts.count(m.group, m.change);
        writer.rows(m.rows)?;
        Ok(())
    };
    inventory.each_outlet(c.threads(), &mut problems, work, take)?;
    for (place, b) in earlier.outlets.iter().enumerate() {
        if matched[place] {
            continue;
        }
        let group = &earlier.groups[b.group as usize];
        let (row, change) = rows.row(earlier.id(b), Some(place), None, group);
        counts.count(Group::Earlier(b.group), change);
        writer.row(&row)?;
    }

    let fell = counts.fell;
    let sections = if wants.sections {
        vec![group_section(
            counts.by_group(&earlier),
            args.by,
            wants.paths,
            c.lang,
        )]
    } else {
        Vec::new()
    };
    writer.finish(&sections, &problems)?.commit()?;
    print_problems(&problems, c.lang);
    Ok(if fell > 0 && c.fail_on != FailOn::Never {
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

/// What an outlet of the later inventory comes to, made on the thread that graded it.
struct Compared {
    /// The earlier outlet it matched, if any.
    place: Option<usize>,
    group: Group,
    change: Changed,
    /// Its row, made for the writer.
    rows: crate::report::Rows,
}

/// How an outlet changed, as its group counts it.
#[derive(Clone, Copy)]
struct Changed {
    change: Change,
    claim_changed: bool,
    fell_below: bool,
}

/// Makes the rows of the comparison, on any thread.
struct DiffRows<'b> {
    book: &'b Rulebook,
    by: GroupBy,
    lang: Lang,
    earlier: &'b Earlier,
    /// The as-of dates that end each CSV row (none in other formats).
    dates: Option<[Out; 2]>,
}

impl DiffRows<'_> {
    /// The row of the outlet `id` of group `group`: the earlier outlet at `place`, as it was,
    /// and `now`, as it is; and how it changed.
    fn row(
        &self,
        id: &str,
        place: Option<usize>,
        now: Option<&Read>,
        group: &str,
    ) -> (Vec<Out>, Changed) {
        let (book, earlier) = (self.book, self.earlier);
        let b = place.and_then(|p| earlier.outlets.get(p));
        let a = now.map(|r| &r.assessment);
        let change = change(b, a);
        let claim_changed = matches!((b, now), (Some(b), Some(r)) if b.claimed != r.claimed);
        let fell_below = matches!((b, a), (Some(b), Some(a)) if b.status != Status::BelowMinimum && a.status == Status::BelowMinimum);
        let rules = match (place, b, a) {
            (Some(p), Some(b), Some(a)) if change != Change::Unchanged => causes(
                book,
                |i| earlier.failed(p, i),
                &a.outcomes,
                b.assessed,
                a.assessed,
            ),
            _ => String::new(),
        };
        // A row names its group by its whole path: rows stream, before every group is known.
        let label = self.by.full_label(group, self.lang);
        let mut row = vec![
            Out::str(id),
            Out::str(now.map_or_else(
                || b.map(|b| earlier.name(b).to_string()).unwrap_or_default(),
                |r| r.name.clone(),
            )),
            match (now, b) {
                (Some(r), _) => r.type_cell(book),
                (None, Some(b)) => earlier.type_cell(b),
                (None, None) => Out::Null,
            },
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
        let changed = Changed {
            change,
            claim_changed,
            fell_below,
        };
        (row, changed)
    }
}

/// An outlet's group, as the thread that graded it finds it: one of the earlier inventory's
/// (the most), by its place, or a new one.
enum Group {
    Earlier(u32),
    New(String),
}

impl Group {
    fn of(earlier: &Earlier, key: String) -> Group {
        match earlier.group_ids.get(&key) {
            Some(&g) => Group::Earlier(g),
            None => Group::New(key),
        }
    }
}

/// The changes counted by group, as the rows are written. Per group: upgraded, downgraded,
/// unchanged, new, closed, claims changed, fell below minimum.
struct Counts {
    /// The earlier inventory's groups, by place (counted without a lookup on the thread that
    /// takes the rows in order).
    earlier: Vec<GroupCounts>,
    /// Groups new in the later inventory.
    new: rustc_hash::FxHashMap<String, GroupCounts>,
    /// Outlets that fell below their minimum.
    fell: u64,
}

impl Counts {
    fn new(earlier: &Earlier) -> Counts {
        Counts {
            earlier: vec![[0; 7]; earlier.groups.len()],
            new: rustc_hash::FxHashMap::default(),
            fell: 0,
        }
    }

    /// The groups that any row counted, by key.
    fn by_group(self, earlier: &Earlier) -> BTreeMap<String, GroupCounts> {
        let earlier_groups = earlier.groups.iter().cloned().zip(self.earlier);
        earlier_groups
            .filter(|(_, c)| c[..5].iter().any(|&n| n > 0))
            .chain(self.new)
            .collect()
    }

    /// Adds one outlet's change to its group's counts.
    fn count(&mut self, group: Group, c: Changed) {
        let counts = match group {
            Group::Earlier(g) => match self.earlier.get_mut(g as usize) {
                Some(counts) => counts,
                None => return,
            },
            Group::New(key) => self.new.entry(key).or_default(),
        };
        let slot = match c.change {
            Change::Upgraded => 0,
            Change::Downgraded => 1,
            Change::Unchanged => 2,
            Change::New => 3,
            Change::Closed => 4,
        };
        counts[slot] += 1;
        counts[5] += u64::from(c.claim_changed);
        counts[6] += u64::from(c.fell_below);
        self.fell += u64::from(c.fell_below);
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

/// The section of changes counted by group, and their total; `with_path` for a format whose
/// rows carry each group's path ([`crate::report::Wants::paths`]).
fn group_section(
    counts: BTreeMap<String, GroupCounts>,
    by: GroupBy,
    with_path: bool,
    lang: Lang,
) -> Section {
    // Each group by its label: as much of its path as tells it apart; machines also get the path.
    let labels = by.labels(counts.keys().map(String::as_str), lang);
    let mut rows: Vec<Vec<Out>> = Vec::new();
    let mut total: GroupCounts = [0; 7];
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
