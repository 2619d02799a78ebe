//! `outlet diff OLD NEW`: two inventories (a year apart, say) matched on id — upgraded, downgraded
//! with the rules whose change caused it, unchanged, new, closed — and claim changes, per group.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use jiff::civil::Date;

use super::Exit;
use super::common::{CommonArgs, FailOn, print_problems};
use super::output::Output;
use crate::eval::{Evaluator, Outcome, Status, rank};
use crate::inventory::{Input, Outlet};
use crate::report::outlets::type_cell_of;
use crate::report::summary::GroupBy;
use crate::report::{Column, CsvCells, Out, OutletRows, RowMaker, Section, Writer, words};
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
    /// The groups' keys, each once, and their places under the hash of their key.
    groups: Vec<String>,
    group_ids: hashbrown::HashTable<u32>,
    /// Each group's label: its whole path (rows stream, before every group is known).
    labels: Vec<Out>,
    /// The type cell of each (type, grading type) seen.
    type_cells: rustc_hash::FxHashMap<(u16, u16), Out>,
    /// The latest update date, and its outlet's id.
    latest: Option<(Date, String)>,
}

/// What the comparison takes of an earlier outlet, made on the thread that graded it. Its id,
/// name and group key are written, one after the other, into the text of its batch: nothing is
/// allocated for them, nor freed on another thread.
struct Taken {
    id_len: usize,
    name_len: usize,
    /// The hash of its group's key.
    group_hash: u64,
    /// Its type and the type it is graded as.
    types: (u16, u16),
    claimed: Option<u8>,
    assessed: Option<u8>,
    status: Status,
    /// The latest date its row holds (the staleness warning's).
    latest: Option<Date>,
    failed: Failed,
}

/// An outlet's failed rules, as [`Earlier::failed`] keeps them: in one word for a rulebook of up
/// to 64 rules (the built-in one has 21).
enum Failed {
    One(u64),
    Many(Box<[u64]>),
}

impl Failed {
    fn of(outcomes: &[Outcome], words: usize) -> Failed {
        let bit = |i: usize, o: &Outcome| u64::from(o.failed()) << (i % 64);
        if words <= 1 {
            Failed::One(
                outcomes
                    .iter()
                    .enumerate()
                    .fold(0, |word, (i, o)| word | bit(i, o)),
            )
        } else {
            let mut all = vec![0; words].into_boxed_slice();
            for (i, o) in outcomes.iter().enumerate() {
                if let Some(word) = all.get_mut(i / 64) {
                    *word |= bit(i, o);
                }
            }
            Failed::Many(all)
        }
    }

    fn words(&self) -> &[u64] {
        match self {
            Failed::One(word) => std::slice::from_ref(word),
            Failed::Many(words) => words,
        }
    }
}

/// An outlet's type and the type it is graded as, as [`Earlier::type_cells`] keys them.
fn types_of(o: &Outlet) -> (u16, u16) {
    let type_ = |t: usize| u16::try_from(t).unwrap_or(u16::MAX);
    (type_(o.type_), type_(o.grading_type))
}

/// The hash an outlet's id or a group's key is found by.
fn text_hash(text: &str) -> u64 {
    use std::hash::BuildHasher as _;
    rustc_hash::FxBuildHasher.hash_one(text)
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
        let words = book.rules.len().div_ceil(64).max(1);
        let mut e = Earlier {
            words,
            ..Earlier::default()
        };
        let work = |o: &Outlet, text: &mut String| {
            let a = ev.assess(o);
            text.push_str(&o.id);
            text.push_str(&o.name);
            let key = text.len();
            by.write_key(book, o, lang, text);
            Taken {
                id_len: o.id.len(),
                name_len: o.name.len(),
                group_hash: text_hash(&text[key..]),
                types: types_of(o),
                claimed: o.claimed,
                assessed: a.assessed,
                status: a.status,
                latest: latest_date(book, o),
                failed: Failed::of(&a.outcomes, words),
            }
        };
        inventory.each_outlet(threads, problems, work, |t, text| -> Result<()> {
            e.add(book, t, text);
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
            by_id.insert_unique(text_hash(e.id(b)), place, |&p| {
                text_hash(Earlier::id_in(&e.text, &e.outlets[p as usize]))
            });
        }
        e.by_id = by_id;
        e.labels = (e.groups.iter())
            .map(|key| Out::Shared(by.full_label(key, lang).as_str().into()))
            .collect();
        Ok(e)
    }

    /// Keeps what the comparison needs of one outlet read; `text` holds its id, name and group
    /// key.
    fn add(&mut self, book: &Rulebook, t: Taken, text: &str) {
        let (id, rest) = text.split_at_checked(t.id_len).unwrap_or((text, ""));
        let (name, key) = rest.split_at_checked(t.name_len).unwrap_or((rest, ""));
        if let Some(d) = t.latest
            && self.latest.as_ref().is_none_or(|(l, _)| d > *l)
        {
            self.latest = Some((d, id.to_string()));
        }
        let Earlier {
            groups, group_ids, ..
        } = self;
        let group = match group_ids.find(t.group_hash, |&g| groups[g as usize] == key) {
            Some(&g) => g,
            None => {
                let g = u32::try_from(groups.len()).unwrap_or(u32::MAX);
                groups.push(key.to_string());
                group_ids.insert_unique(t.group_hash, g, |&g| text_hash(&groups[g as usize]));
                g
            }
        };
        let types = t.types;
        self.type_cells
            .entry(types)
            .or_insert_with(|| type_cell_of(book, usize::from(types.0), usize::from(types.1)));
        let start = self.text.len();
        self.text.push_str(id);
        self.text.push_str(name);
        self.failed.extend_from_slice(t.failed.words());
        debug_assert_eq!(self.failed.len(), (self.outlets.len() + 1) * self.words);
        self.outlets.push(Before {
            text: start,
            id_len: id.len(),
            name_len: name.len(),
            types,
            group,
            assessed: t.assessed,
            claimed: t.claimed,
            status: t.status,
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
            .find(text_hash(id), |&p| self.id(&self.outlets[p as usize]) == id)?;
        Some(place as usize)
    }

    /// The place of the earlier outlet with this id, looked for first at `next`, the place after
    /// the last one this thread found: inventories a year apart mostly list their outlets in the
    /// same order, and the outlets at the places that follow are read from memory in order, where
    /// a lookup in the id table waits on memory three times (the table, the outlet, its id).
    fn find_from(&self, next: &std::cell::Cell<usize>, id: &str) -> Option<usize> {
        let guess = next.get();
        let place = match self.outlets.get(guess) {
            Some(b) if self.id(b) == id => Some(guess),
            _ => self.find(id),
        };
        if let Some(p) = place {
            next.set(p + 1);
        }
        place
    }

    /// The group with this key: one of the earlier inventory's, or a new one.
    fn group(&self, key: &str) -> Group {
        let found = self
            .group_ids
            .find(text_hash(key), |&g| self.groups[g as usize] == key);
        match found {
            Some(&g) => Group::Earlier(g),
            None => Group::New(key.to_string()),
        }
    }

    /// The type cell of an outlet of these types: the one made for the earlier inventory's, or
    /// one made now.
    fn type_cell(&self, book: &Rulebook, types: (u16, u16)) -> Cow<'_, Out> {
        match self.type_cells.get(&types) {
            Some(cell) => Cow::Borrowed(cell),
            None => Cow::Owned(type_cell_of(
                book,
                usize::from(types.0),
                usize::from(types.1),
            )),
        }
    }

    /// The label of a group: the one made for an earlier group, or one made now.
    fn label(&self, group: &Group, by: GroupBy, lang: Lang) -> Cow<'_, Out> {
        match group {
            Group::Earlier(g) => Cow::Borrowed(&self.labels[*g as usize]),
            Group::New(key) => Cow::Owned(Out::str(by.full_label(key, lang))),
        }
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

/// What a row of the comparison is made from: the outlet `id`, the earlier outlet `before` as it
/// was and `now` as it is, and what the comparison found.
struct DiffRow<'r> {
    id: &'r str,
    name: &'r str,
    type_cell: &'r Out,
    label: &'r Out,
    before: Option<&'r Before>,
    now: Option<&'r Now<'r>>,
    changed: Changed,
    rules: &'r str,
    dates: Option<&'r [Out; 2]>,
}

/// How a CSV line written straight ([`DiffRows::line`]) writes a column: the bytes its typed cell
/// gives in CSV (`tests/summary_diff.rs` holds the lines to the rows).
enum DiffCsv {
    /// Text, written as [`Out::Str`] is.
    Text(for<'x> fn(&DiffRow<'x>) -> &'x str),
    /// A cell the row holds already, rendered from where it is.
    Ref(for<'x> fn(&DiffRow<'x>) -> &'x Out),
    /// The typed cell, rendered.
    Cell,
}

/// A column of `diff`.
struct DiffColumn {
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    /// Whether the terminal table and Markdown show it.
    shown: bool,
    cell: fn(&DiffRow<'_>) -> Out,
    csv: DiffCsv,
}

/// An empty cell to borrow.
static NULL: Out = Out::Null;

/// The as-of date at `I` (old, new), empty in a format that names them in its head.
fn date<'x, const I: usize>(r: &DiffRow<'x>) -> &'x Out {
    r.dates.map_or(&NULL, |d| &d[I])
}

/// The columns of `diff`, one specification for the rows made from cells ([`DiffRows::cells`])
/// and the CSV lines written straight ([`DiffRows::line`]). The last two, the as-of dates, only
/// in a format of rows alone (`bare`, CSV), with no head to name the dates in.
static DIFF: [DiffColumn; 16] = [
    DiffColumn {
        key: "id",
        zh: "网点编号",
        en: "id",
        shown: true,
        cell: |r| Out::str(r.id),
        csv: DiffCsv::Text(|r| r.id),
    },
    DiffColumn {
        key: "name",
        zh: "网点名称",
        en: "name",
        shown: true,
        cell: |r| Out::str(r.name),
        csv: DiffCsv::Text(|r| r.name),
    },
    DiffColumn {
        key: "type",
        zh: "网点类型",
        en: "type",
        shown: false,
        cell: |r| r.type_cell.clone(),
        csv: DiffCsv::Ref(|r| r.type_cell),
    },
    DiffColumn {
        key: "group",
        zh: "分组",
        en: "group",
        shown: false,
        cell: |r| r.label.clone(),
        csv: DiffCsv::Ref(|r| r.label),
    },
    DiffColumn {
        key: "change",
        zh: "变化",
        en: "change",
        shown: true,
        cell: |r| r.changed.change.out(),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "old_grade",
        zh: "原级别",
        en: "old grade",
        shown: true,
        cell: |r| r.before.map_or(Out::Null, |b| Out::Grade(b.assessed)),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "new_grade",
        zh: "现级别",
        en: "new grade",
        shown: true,
        cell: |r| r.now.map_or(Out::Null, |a| Out::Grade(a.assessed)),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "old_claimed",
        zh: "原申报",
        en: "old claim",
        shown: false,
        cell: |r| r.before.map_or(Out::Null, |b| Out::OptGrade(b.claimed)),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "new_claimed",
        zh: "现申报",
        en: "new claim",
        shown: false,
        cell: |r| r.now.map_or(Out::Null, |a| Out::OptGrade(a.claimed)),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "claim_changed",
        zh: "申报变化",
        en: "claim changed",
        shown: true,
        cell: |r| yes_no(r.changed.claim_changed),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "old_status",
        zh: "原状态",
        en: "old status",
        shown: true,
        cell: |r| r.before.map_or(Out::Null, |b| words::status(b.status)),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "new_status",
        zh: "现状态",
        en: "new status",
        shown: true,
        cell: |r| r.now.map_or(Out::Null, |a| words::status(a.status)),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "fell_below_minimum",
        zh: "新低于最低要求",
        en: "fell below minimum",
        shown: false,
        cell: |r| yes_no(r.changed.fell_below),
        csv: DiffCsv::Cell,
    },
    DiffColumn {
        key: "rules",
        zh: "原因规则",
        en: "rules",
        shown: true,
        cell: |r| Out::str(r.rules),
        csv: DiffCsv::Text(|r| r.rules),
    },
    DiffColumn {
        key: "old_as_of",
        zh: "原清单评定日期",
        en: "old as of",
        shown: false,
        cell: |r| date::<0>(r).clone(),
        csv: DiffCsv::Ref(date::<0>),
    },
    DiffColumn {
        key: "new_as_of",
        zh: "新清单评定日期",
        en: "new as of",
        shown: false,
        cell: |r| date::<1>(r).clone(),
        csv: DiffCsv::Ref(date::<1>),
    },
];

/// The columns of the rows of [`DIFF`] a format writes: all but the dates, and the dates too in a
/// format of rows alone (`bare`).
fn diff_columns(bare: bool) -> &'static [DiffColumn] {
    &DIFF[..if bare { DIFF.len() } else { DIFF.len() - 2 }]
}

/// The columns of the rows, and which the terminal table and Markdown show.
fn columns(bare: bool) -> (Vec<Column>, Vec<bool>) {
    diff_columns(bare)
        .iter()
        .map(|c| (Column::new(c.key, c.zh, c.en), c.shown))
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
    let (by, lang) = (args.by, c.lang);
    thread_local! {
        /// Where the next outlet of this thread is looked for first ([`Earlier::find_from`]).
        static NEXT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let work = |o: &Outlet, text: &mut String| {
        let place = NEXT.with(|next| earlier.find_from(next, &o.id));
        // The group's key, found and taken back out of the text the rows are written into.
        let start = text.len();
        by.write_key(book, o, lang, text);
        let group = earlier.group(&text[start..]);
        text.truncate(start);
        let label = earlier.label(&group, by, lang);
        // Each rule's outcome is found only for an outlet whose grade changed, to name the rules
        // that caused it; the others need only their grade and status.
        let standing = ev.standing(o);
        let before = place.and_then(|p| earlier.outlets.get(p));
        let outcomes = match before {
            Some(b) if b.assessed != standing.assessed => ev.assess(o).outcomes,
            _ => Vec::new(),
        };
        let type_cell = earlier.type_cell(book, types_of(o));
        let now = Now {
            name: &o.name,
            type_cell: &type_cell,
            claimed: o.claimed,
            assessed: standing.assessed,
            status: standing.status,
            outcomes,
        };
        let (rows, change) = rows.with_row(&o.id, place, Some(&now), &label, |r| {
            rows.write(r, &maker, text)
        });
        Compared {
            place,
            group,
            change,
            rows,
        }
    };
    let mut matched = vec![false; earlier.outlets.len()];
    let take = |m: Compared, text: &str| -> Result<()> {
        if let Some(slot) = m.place.and_then(|p| matched.get_mut(p)) {
            *slot = true;
        }
        counts.count(m.group, m.change);
        writer.outlet_rows(m.rows, text)?;
        Ok(())
    };
    inventory.each_outlet(c.threads(), &mut problems, work, take)?;
    let mut text = String::new();
    for (place, b) in earlier.outlets.iter().enumerate() {
        if matched[place] {
            continue;
        }
        let label = &earlier.labels[b.group as usize];
        text.clear();
        let (row, change) = rows.with_row(earlier.id(b), Some(place), None, label, |r| {
            rows.write(r, &maker, &mut text)
        });
        counts.count(Group::Earlier(b.group), change);
        writer.outlet_rows(row, &text)?;
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
    /// Its row, made for the writer (or written into its batch's text).
    rows: OutletRows,
}

/// An outlet of the later inventory as its row shows it.
struct Now<'o> {
    name: &'o str,
    type_cell: &'o Out,
    claimed: Option<u8>,
    assessed: Option<u8>,
    status: Status,
    /// Each rule's outcome, found only when its grade changed.
    outcomes: Vec<Outcome>,
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
    earlier: &'b Earlier,
    /// The as-of dates that end each CSV row (none in other formats).
    dates: Option<[Out; 2]>,
}

impl DiffRows<'_> {
    /// How the outlet changed from the earlier outlet at `place`, as it was, to `now`, as it is;
    /// and the rules whose change caused it.
    fn compare(&self, place: Option<usize>, now: Option<&Now<'_>>) -> (Changed, String) {
        let (book, earlier) = (self.book, self.earlier);
        let b = place.and_then(|p| earlier.outlets.get(p));
        let a = now;
        let change = change(b, a.map(|a| a.assessed));
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
        let changed = Changed {
            change,
            claim_changed,
            fell_below,
        };
        (changed, rules)
    }

    /// The row's cells.
    fn cells(&self, r: &DiffRow<'_>) -> Vec<Out> {
        diff_columns(self.dates.is_some())
            .iter()
            .map(|c| (c.cell)(r))
            .collect()
    }

    /// Writes the row as a CSV line at the end of `line`: the bytes of [`DiffRows::cells`]
    /// written by `csv`, without making them.
    fn line(&self, csv: &CsvCells<'_>, r: &DiffRow<'_>, line: &mut String) {
        let mut scratch = String::new();
        for (i, c) in diff_columns(self.dates.is_some()).iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            match c.csv {
                DiffCsv::Text(text) => csv.push_str(line, text(r)),
                DiffCsv::Ref(cell) => csv.push(line, &mut scratch, cell(r)),
                DiffCsv::Cell => csv.push(line, &mut scratch, &(c.cell)(r)),
            }
        }
        csv.end(line);
    }

    /// The row of the outlet `id` of the group labelled `label`, given to `f`, and how it
    /// changed: the earlier outlet at `place`, as it was, and `now`, as it is.
    fn with_row<T>(
        &self,
        id: &str,
        place: Option<usize>,
        now: Option<&Now<'_>>,
        label: &Out,
        f: impl FnOnce(&DiffRow<'_>) -> T,
    ) -> (T, Changed) {
        let (changed, rules) = self.compare(place, now);
        let (book, earlier) = (self.book, self.earlier);
        let before = place.and_then(|p| earlier.outlets.get(p));
        let earlier_type = match (now, before) {
            (None, Some(b)) => earlier.type_cell(book, b.types),
            _ => Cow::Owned(Out::Null),
        };
        let r = DiffRow {
            id,
            name: match (now, before) {
                (Some(n), _) => n.name,
                (None, Some(b)) => earlier.name(b),
                (None, None) => "",
            },
            type_cell: now.map_or(&*earlier_type, |n| n.type_cell),
            label,
            before,
            now,
            changed,
            rules: &rules,
            dates: self.dates.as_ref(),
        };
        (f(&r), changed)
    }

    /// Writes the row for `maker`'s writer into `text`: a CSV line written straight, or the row
    /// made from its cells.
    fn write(&self, r: &DiffRow<'_>, maker: &RowMaker<'_>, text: &mut String) -> OutletRows {
        match maker.csv() {
            Some(csv) => {
                self.line(&csv, r, text);
                OutletRows::InText(1)
            }
            None => maker.outlet_rows([self.cells(r)], text),
        }
    }
}

/// An outlet's group, as the thread that graded it finds it: one of the earlier inventory's
/// (the most), by its place, or a new one.
enum Group {
    Earlier(u32),
    New(String),
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
fn change(b: Option<&Before>, now: Option<Option<u8>>) -> Change {
    match (b, now) {
        (None, _) => Change::New,
        (_, None) => Change::Closed,
        (Some(b), Some(assessed)) => match rank(assessed).cmp(&rank(b.assessed)) {
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

#[cfg(test)]
#[allow(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]
mod tests {
    use super::*;
    use crate::inventory::{InputFormat, Inventory};
    use crate::report::{Format, Meta};

    fn inventory<'b>(path: &str, book: &'b Rulebook) -> Inventory<'b> {
        let bytes = std::fs::read(path).expect("the example");
        let read = Box::new(std::io::Cursor::new(bytes));
        Inventory::from_reader(read, InputFormat::Csv, path, book).expect("it opens")
    }

    /// Every row's CSV line written straight is the CSV writer's bytes of its cells: matched,
    /// new and closed outlets, changed and not, in both languages, with and without `--excel`.
    #[test]
    fn csv_lines_written_straight_are_the_rows_cells() {
        let book = Rulebook::builtin().expect("the built-in rulebook");
        let old_as_of = jiff::civil::date(2024, 11, 30);
        let ev = Evaluator::new(&book, jiff::civil::date(2025, 11, 30));
        let old_ev = Evaluator::new(&book, old_as_of);
        let mut problems = Vec::new();
        let how = (GroupBy::County, Lang::Zh, 1);
        let mut old = inventory("examples/county-2024.csv", &book);
        let earlier = Earlier::read(&mut old, &book, &old_ev, how, &mut problems).expect("read");
        let mut seen = (0, 0);
        for lang in [Lang::Zh, Lang::En] {
            for excel in [false, true] {
                let mut writer = Writer::new(
                    Vec::new(),
                    Format::Csv,
                    lang,
                    &book,
                    Meta::rulebook("diff", &book),
                    "outlets",
                    columns(true).0,
                )
                .excel(excel);
                let maker = writer.row_maker();
                let csv = maker.csv().expect("a CSV maker");
                let rows = DiffRows {
                    book: &book,
                    earlier: &earlier,
                    dates: Some([
                        Out::Shared(old_as_of.to_string().as_str().into()),
                        Out::Shared("2025-11-30".into()),
                    ]),
                };
                let check = |id: &str, place, now: Option<&Now<'_>>, label: &Out| {
                    let ((line, made), changed) = rows.with_row(id, place, now, label, |r| {
                        let mut line = String::from("x\n");
                        rows.line(&csv, r, &mut line);
                        let mut made = csv.render(&rows.cells(r));
                        csv.end(&mut made);
                        (line.split_off(2), made)
                    });
                    assert_eq!(line, made, "{id} ({lang:?}, excel {excel})");
                    changed.change
                };
                let mut new = inventory("examples/county.csv", &book);
                let mut matched = vec![false; earlier.outlets.len()];
                while let Some(o) = new.next_outlet(&mut problems).expect("it reads") {
                    let place = earlier.find(&o.id);
                    if let Some(p) = place {
                        matched[p] = true;
                    }
                    let key = GroupBy::County.key(&book, &o, lang);
                    let label = Out::str(GroupBy::County.full_label(&key, lang));
                    let type_cell = earlier.type_cell(&book, types_of(&o));
                    let a = ev.assess(&o);
                    let now = Now {
                        name: &o.name,
                        type_cell: &type_cell,
                        claimed: o.claimed,
                        assessed: a.assessed,
                        status: a.status,
                        outcomes: a.outcomes,
                    };
                    if check(&o.id, place, Some(&now), &label) != Change::Unchanged {
                        seen.0 += 1;
                    }
                }
                for (place, b) in earlier.outlets.iter().enumerate() {
                    if !matched[place] {
                        check(earlier.id(b), Some(place), None, &earlier.labels[0]);
                        seen.1 += 1;
                    }
                }
            }
        }
        assert!(
            seen.0 > 0 && seen.1 > 0,
            "changed and closed outlets: {seen:?}"
        );
    }
}
