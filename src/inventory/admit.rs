//! Admitting typed rows in the inventory's order: a repeated id is refused, a division code is
//! counted with those of its regions. What is kept from row to row ([`State`]) is small: the ids
//! seen; per region, the prefixes seen and how many outlets have each; and a few rows of each
//! prefix, so that the rows whose prefix most of their region does not share can be named when
//! the file ends ([`State::finish`]).

use std::collections::BTreeMap;
use std::hash::Hasher;

use super::typing::{Layout, Staged};
use super::{Value, ids};
use crate::problem::{Problem, ProblemKind, Severity};
use crate::table;
use crate::text::Text;

/// Rows of a region's first prefix kept while no other prefix is seen in the region, by the
/// region column's place from the finest (乡镇街道, 县, 市, 省 with the built-in rulebook). The finer
/// a region, the more of them and the fewer outlets each has: a township keeps its first two
/// (a wrong first row is named), a county its first 16 (a whole township of wrong codes at the
/// head of a county), a city and a province more. The first prefix's rows past these, should it
/// end in the minority, are counted ([`ProblemKind::CodeContradictsRegionMore`]), not listed.
const FIRST_ROWS: [u32; 4] = [2, 16, 64, 256];

/// Rows of each prefix kept once a region has more than one.
const MIXED_ROWS: u32 = 1000;

/// A region with no parent (the coarsest column of a row).
const NO_REGION: u32 = u32::MAX;

/// The top four bits of a prefix word that stands for a prefix kept as text
/// ([`Prefixes::long`]): a packed prefix has at most 14 digits.
const LONG: u64 = 0xf << 60;

/// How many skipped rows the note names; the rest are counted.
const SKIPPED_NAMED: usize = 20;

/// What reading in order keeps from row to row: the rows counted, the ids seen, the rows that
/// are no outlets, and the division-code prefixes of the regions.
#[derive(Default)]
pub(super) struct State {
    pub(super) seen_ids: ids::SeenIds,
    pub(super) rows: u64,
    finished: bool,
    /// Rows that are no outlets: how many, and the first few.
    skipped: usize,
    skipped_rows: Vec<u64>,
    prefixes: Prefixes,
}

/// The division-code prefixes of the regions, counted as the rows are admitted.
#[derive(Default)]
struct Prefixes {
    /// Each region by its [`region_key`]: its first prefix, how many outlets have it, and how
    /// many of their rows are kept. Looked up for every region of every row, so kept small
    /// (32 bytes a slot) and fetched ahead ([`State::prefetch`]).
    slots: table::Table<Slot>,
    /// Each region, in the order first seen.
    regions: Vec<Region>,
    /// The prefixes after the first of a region (rare): by region and prefix word.
    others: rustc_hash::FxHashMap<(u32, u64), Tally>,
    /// The rows kept, in order: each row once, with its finest region and its code.
    kept: Vec<Kept>,
    /// Prefixes and codes that do not pack into a word ([`pack_prefix`]), and their words.
    long: rustc_hash::FxHashMap<Box<str>, u64>,
    long_texts: Vec<Box<str>>,
}

/// A region's slot in [`Prefixes::slots`]; all zeros is a free slot (no key is 0).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Slot {
    key: u64,
    /// The first prefix seen in the region, as a word.
    prefix: u64,
    /// Outlets with that prefix (at most `u32::MAX`), and how many of their rows were kept.
    count: u32,
    kept: u32,
    /// The region's place in [`Prefixes::regions`].
    region: u32,
    /// Whether another prefix was seen in the region.
    mixed: bool,
}

/// Outlets with a prefix after a region's first, and how many of their rows were kept.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    count: u64,
    kept: u32,
}

/// A region as messages name it and the end's check walks it.
#[derive(Debug)]
struct Region {
    key: u64,
    /// Its column's field.
    field: usize,
    /// The length of the code prefix that names it.
    len: usize,
    /// The region of the column above it in its rows ([`NO_REGION`] for none).
    parent: u32,
    /// Its own name (its path is that of its parents, then this: 示范省/甲市/甲县/城关镇).
    name: Box<str>,
}

/// A row kept: its number, its finest region and its code (a word).
#[derive(Clone, Copy, Debug)]
struct Kept {
    row: u32,
    region: u32,
    code: u64,
}

/// A region's key: its column and the hash of its path of names. Never 0, which marks a free
/// slot of [`Prefixes::slots`] (a key of 0 becomes 1: both are as unlikely as any other
/// collision of the hashes).
fn region_key(region: &RegionKey) -> u64 {
    (region.path ^ (region.field as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)).max(1)
}

/// A division-code prefix of at most 14 digits as one word: four bits a digit, under their
/// count (the top four bits, never [`LONG`]'s 15). `None` for any other prefix.
fn pack_prefix(prefix: &str) -> Option<u64> {
    let b = prefix.as_bytes();
    if b.len() > 14 {
        return None;
    }
    let digits = b.iter().try_fold(0u64, |word, &d| {
        d.is_ascii_digit().then(|| word << 4 | u64::from(d - b'0'))
    })?;
    Some((b.len() as u64) << 60 | digits)
}

/// The digits of a [`pack_prefix`] word.
fn unpack_prefix(word: u64) -> String {
    let len = (word >> 60) as usize;
    (0..len)
        .rev()
        .map(|i| char::from(b'0' + ((word >> (4 * i)) & 0xf) as u8))
        .collect()
}

/// What the in-order checks need of a row (its id and, for an outlet with a division code, the
/// code and its regions), made on the thread that typed the row so that the row itself can be
/// dropped there. The texts of many rows share one [`Keys`].
#[derive(Clone, Debug, Default)]
pub(super) struct Key {
    /// The id's place in [`Keys::text`], and its [`ids::SeenIds::hash`].
    id: Option<(Span, u64)>,
    /// The division code's place in [`Keys::text`].
    code: Span,
    /// This row's entries in [`Keys::regions`].
    regions: Span,
}

/// `start..end` in a [`Keys`] buffer.
type Span = (usize, usize);

/// A region of an outlet with a division code: its region column, the hash of its path of names
/// (a region is known by its name under its parents: two counties may each have a 城关镇), its
/// name's place in [`Keys::text`], the length of the code prefix that names it (`prefix`, at
/// most the code's; `len` as the rulebook says), and the column's place among the rulebook's
/// region columns, coarsest first.
#[derive(Clone, Debug)]
struct RegionKey {
    pub(super) field: usize,
    pub(super) path: u64,
    pub(super) name: Span,
    pub(super) prefix: usize,
    pub(super) len: usize,
    pub(super) level: usize,
}

/// The texts and regions of the [`Key`]s of a batch of rows.
#[derive(Debug, Default)]
pub(super) struct Keys {
    text: String,
    regions: Vec<RegionKey>,
}

impl Keys {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.regions.clear();
    }

    pub(super) fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        (start, self.text.len())
    }

    pub(super) fn text(&self, (start, end): Span) -> &str {
        &self.text[start..end]
    }
}

/// A typed row as the in-order checks take it: its problems (those from `after_id` on come after
/// the id check) and its [`Key`].
pub(super) struct Typed {
    pub(super) number: u64,
    pub(super) problems: Vec<Problem>,
    pub(super) after_id: usize,
    pub(super) key: Key,
    /// A row that is no outlet, skipped.
    pub(super) skipped: bool,
}

impl State {
    /// At the end: the rows whose division-code prefix most of their region does not share are
    /// warned of ([`Prefixes::finish`]), and an inventory with no rows gets a warning.
    pub(super) fn finish(&mut self, layout: &Layout, problems: &mut impl Extend<Problem>) {
        if self.finished {
            return;
        }
        self.finished = true;
        if self.skipped > 0 {
            let kind = ProblemKind::NotOutlets {
                rows: std::mem::take(&mut self.skipped_rows),
                count: self.skipped,
            };
            problems.extend([layout.problem(Severity::Warning, None, None, None, kind)]);
        }
        self.prefixes.finish(layout, problems);
        if self.rows == 0 {
            let empty = layout.problem(Severity::Warning, None, None, None, ProblemKind::Empty);
            problems.extend([empty]);
        }
    }

    /// Asks the processor to fetch, without waiting, where the ids and regions of these rows
    /// will be looked up as they are admitted: a batch's lookups then wait for memory together
    /// rather than one after another.
    pub(super) fn prefetch<'k>(&self, keys: &Keys, rows: impl Iterator<Item = &'k Key>) {
        for key in rows {
            if let Some((_, hash)) = key.id {
                self.seen_ids.prefetch(hash);
            }
            for region in keys
                .regions
                .get(key.regions.0..key.regions.1)
                .unwrap_or_default()
            {
                self.prefixes.slots.prefetch(region_key(region));
            }
        }
    }

    /// Takes a typed row in order: reports its problems, refuses a repeated id and counts its
    /// division code in its regions. False when the row is refused.
    pub(super) fn admit(
        &mut self,
        layout: &Layout,
        typed: Typed,
        keys: &Keys,
        problems: &mut impl Extend<Problem>,
    ) -> bool {
        self.rows += 1;
        let Typed {
            number: n,
            problems: own,
            after_id,
            key,
            skipped,
        } = typed;
        if skipped {
            self.skipped += 1;
            if self.skipped_rows.len() < SKIPPED_NAMED {
                self.skipped_rows.push(n);
            }
            return false;
        }
        let mut own = own.into_iter();
        problems.extend(own.by_ref().take(after_id));
        let Some((id, hash)) = key.id else {
            return false;
        };
        let id = keys.text(id);
        if let Some(first_row) = self.seen_ids.first_or_insert_hashed(hash, id, n) {
            let column = layout.field_columns[layout.book.core.id];
            problems.extend([layout.problem(
                Severity::Error,
                Some(n),
                column,
                Some(id.to_string()),
                ProblemKind::DuplicateId { first_row },
            )]);
            return false;
        }
        problems.extend(own);
        self.prefixes.count(layout, n, keys, &key);
        true
    }
}

impl Prefixes {
    /// The word of a prefix (or code): packed, or the number of its text among the long ones.
    fn word(&mut self, prefix: &str) -> u64 {
        if let Some(word) = pack_prefix(prefix) {
            return word;
        }
        if let Some(&word) = self.long.get(prefix) {
            return word;
        }
        let word = LONG | self.long_texts.len() as u64;
        self.long_texts.push(prefix.into());
        self.long.insert(prefix.into(), word);
        word
    }

    /// The word of a prefix seen before, if it was.
    fn known_word(&self, prefix: &str) -> Option<u64> {
        pack_prefix(prefix).or_else(|| self.long.get(prefix).copied())
    }

    /// The text of a word.
    fn text(&self, word: u64) -> String {
        if word >> 60 == LONG >> 60 {
            let i = (word & !LONG) as usize;
            return self
                .long_texts
                .get(i)
                .map(std::string::ToString::to_string)
                .unwrap_or_default();
        }
        unpack_prefix(word)
    }

    /// The path of names of region `r`, coarsest first: 示范省/甲市/甲县/城关镇.
    fn path(&self, mut r: u32) -> String {
        let mut names = Vec::new();
        while let Some(region) = self.regions.get(r as usize) {
            names.push(&*region.name);
            r = region.parent;
        }
        names.reverse();
        names.join("/")
    }

    /// Counts row `n`'s division code in each of its regions, and keeps the row (its number,
    /// finest region and code) when one of them keeps rows of its prefix still.
    fn count(&mut self, layout: &Layout, n: u64, keys: &Keys, key: &Key) {
        let (Some(checks), Some(regions)) = (
            &layout.book.code_checks,
            keys.regions.get(key.regions.0..key.regions.1),
        ) else {
            return;
        };
        let code = keys.text(key.code);
        let levels = checks.regions.len();
        let mut parent = NO_REGION;
        let mut keep = false;
        for region in regions {
            let prefix = code.get(..region.prefix).unwrap_or(code);
            let word = self.word(prefix);
            let at = region_key(region);
            let first_rows = FIRST_ROWS[(levels.saturating_sub(region.level + 1)).min(3)];
            let here = match self.slots.find_mut(at, |s| s.key == at) {
                Some(slot) if slot.prefix == word => {
                    slot.count = slot.count.saturating_add(1);
                    let cap = if slot.mixed { MIXED_ROWS } else { first_rows };
                    if slot.kept < cap {
                        slot.kept += 1;
                        keep = true;
                    }
                    slot.region
                }
                Some(slot) => {
                    slot.mixed = true;
                    let tally = self.others.entry((slot.region, word)).or_default();
                    tally.count += 1;
                    if tally.kept < MIXED_ROWS {
                        tally.kept += 1;
                        keep = true;
                    }
                    slot.region
                }
                None => {
                    let r = u32::try_from(self.regions.len()).unwrap_or(NO_REGION - 1);
                    self.regions.push(Region {
                        key: at,
                        field: region.field,
                        len: region.len,
                        parent,
                        name: keys.text(region.name).into(),
                    });
                    let slot = Slot {
                        key: at,
                        prefix: word,
                        count: 1,
                        kept: 1,
                        region: r,
                        mixed: false,
                    };
                    self.slots.insert(at, slot, |s| s.key);
                    keep = true;
                    r
                }
            };
            parent = here;
        }
        if let (true, Ok(row), false) = (keep, u32::try_from(n), parent == NO_REGION) {
            let code = self.word(code);
            self.kept.push(Kept {
                row,
                region: parent,
                code,
            });
        }
    }

    /// At the end: in each region with more than one prefix, the rows whose prefix is not the
    /// one most of its outlets share — where two or more prefixes are shared by as many, the
    /// rows of every prefix — get a warning, in the order of the rows, each for the coarsest
    /// region it is in the minority of. Rows of such a prefix that were not kept are counted in
    /// one more warning per region and prefix.
    fn finish(&mut self, layout: &Layout, problems: &mut impl Extend<Problem>) {
        let book = layout.book;
        let Some(checks) = &book.code_checks else {
            return;
        };
        if self.others.is_empty() {
            return;
        }
        // The prefixes of each region with more than one, and how many outlets have each.
        let mut mixed: BTreeMap<u32, Vec<(u64, u64)>> = BTreeMap::new();
        for (&(r, word), tally) in &self.others {
            mixed.entry(r).or_default().push((word, tally.count));
        }
        // The prefixes to flag, by region and word: the region's majority, its outlets with a
        // code, and the rows listed so far.
        let mut flagged: rustc_hash::FxHashMap<(u32, u64), usize> = Default::default();
        let mut flags: Vec<Flag> = Vec::new();
        for (r, mut prefixes) in mixed {
            let Some(region) = self.regions.get(r as usize) else {
                continue;
            };
            let key = region.key;
            if let Some(slot) = self.slots.find(key, |s| s.key == key) {
                prefixes.push((slot.prefix, u64::from(slot.count)));
            }
            let mut prefixes: Vec<(String, u64, u64)> = prefixes
                .into_iter()
                .map(|(word, count)| (self.text(word), count, word))
                .collect();
            // Most outlets first, then in the order of the digits.
            prefixes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let most = prefixes.first().map_or(0, |p| p.1);
            let majority: Vec<(String, u64)> = (prefixes.iter())
                .filter(|p| p.1 == most)
                .map(|p| (p.0.clone(), p.1))
                .collect();
            let total = prefixes.iter().map(|p| p.1).sum();
            let skip = usize::from(majority.len() == 1);
            let majority = std::rc::Rc::new((majority, total));
            for (text, count, word) in prefixes.into_iter().skip(skip) {
                flagged.insert((r, word), flags.len());
                flags.push(Flag {
                    region: r,
                    prefix: text,
                    count,
                    listed: 0,
                    majority: majority.clone(),
                });
            }
        }
        // The rows kept, in order: each flagged for the coarsest region it is in the minority of.
        let column = layout.field_columns[checks.field];
        for kept in &self.kept {
            let code = self.text(kept.code);
            let mut r = kept.region;
            let mut coarsest = None;
            while let Some(region) = self.regions.get(r as usize) {
                let prefix = code.get(..region.len).unwrap_or(&code);
                let flag = self
                    .known_word(prefix)
                    .and_then(|word| flagged.get(&(r, word)));
                if let Some(&f) = flag {
                    flags[f].listed += 1;
                    coarsest = Some(f);
                }
                r = region.parent;
            }
            let Some(f) = coarsest else {
                continue;
            };
            let flag = &flags[f];
            let region = &self.regions[flag.region as usize];
            let kind = ProblemKind::CodeContradictsRegion {
                region: region_name(book, region),
                name: self.path(flag.region),
                prefix: flag.prefix.clone(),
                majority: flag.majority.0.clone(),
                total: flag.majority.1,
            };
            let row = Some(u64::from(kept.row));
            problems.extend([layout.problem(Severity::Warning, row, column, Some(code), kind)]);
        }
        // The rows of each flagged prefix that were not kept, counted.
        for flag in flags.iter().filter(|f| f.count > f.listed) {
            let region = &self.regions[flag.region as usize];
            let kind = ProblemKind::CodeContradictsRegionMore {
                region: region_name(book, region),
                name: self.path(flag.region),
                prefix: flag.prefix.clone(),
                more: flag.count - flag.listed,
            };
            problems.extend([layout.problem(Severity::Warning, None, column, None, kind)]);
        }
    }
}

/// A prefix the end's check warns of, in its region ([`Prefixes::finish`]).
struct Flag {
    region: u32,
    prefix: String,
    /// Outlets with the prefix, and those of them listed one by one.
    count: u64,
    listed: u64,
    /// The region's most shared prefixes (one, or several on a tie) with their outlets, and
    /// its outlets with a code.
    majority: std::rc::Rc<(Vec<(String, u64)>, u64)>,
}

/// The name of a region's column, as messages say it.
fn region_name(book: &crate::rulebook::Rulebook, region: &Region) -> Text {
    (book.fields.get(region.field))
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

impl Layout<'_> {
    /// The [`Key`] of a typed row, its texts written into `keys`.
    pub(super) fn key(&self, keys: &mut Keys, staged: &Staged) -> Key {
        let id = match (&staged.outlet, &staged.id) {
            (Some(o), _) => &o.id,
            (None, Some(id)) => id,
            (None, None) => return Key::default(),
        };
        let mut key = Key {
            id: Some((keys.push_text(id), ids::SeenIds::hash(id))),
            ..Key::default()
        };
        let (Some(outlet), Some(checks)) = (&staged.outlet, &self.book.code_checks) else {
            return key;
        };
        let values = &outlet.values;
        let Value::Text(code) = &values[checks.field] else {
            return key;
        };
        key.code = keys.push_text(code);
        let first = keys.regions.len();
        // The path is kept as a 64-bit hash of the names (a collision among a national
        // inventory's ~700,000 region paths is vanishingly unlikely).
        let mut path = rustc_hash::FxHasher::default();
        for (level, &(region, len)) in checks.regions.iter().enumerate() {
            if let Value::Text(name) = &values[region] {
                path.write(name.as_bytes());
            }
            path.write_u8(0x1f);
            let Value::Text(name) = &values[region] else {
                continue;
            };
            let name = keys.push_text(name);
            keys.regions.push(RegionKey {
                field: region,
                path: path.finish(),
                name,
                prefix: len.min(code.len()),
                len,
                level,
            });
        }
        key.regions = (first, keys.regions.len());
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{InputFormat, Inventory};
    use crate::rulebook::Rulebook;
    use std::io::{self, Read};

    /// A row's region: (path hash, prefix length, level from the coarsest).
    type Place = (u64, usize, usize);

    /// A warning as [`judged`] gives it: (row or 0, own prefix, majority, more).
    type Judged = (u64, String, Vec<(String, u64)>, u64);

    /// The division-code warnings of rows given as (code, regions coarsest first), counted and
    /// judged at the end: (row or 0, own prefix, majority, more) of each.
    fn judged(rows: &[(&str, Vec<Place>)]) -> Vec<Judged> {
        let book = Rulebook::builtin().unwrap_or_else(|e| panic!("{e}"));
        let csv = "网点编号,网点名称,网点类型,行政区划代码\n";
        let read: Box<dyn Read> = Box::new(io::Cursor::new(csv.as_bytes().to_vec()));
        let inventory = Inventory::from_reader(read, InputFormat::Csv, "t.csv", &book)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let field = book.core.name;
        let mut state = State::default();
        let mut problems = Vec::new();
        for (n, (code, places)) in rows.iter().enumerate() {
            let mut keys = Keys::default();
            let code_span = keys.push_text(code);
            for &(path, len, level) in places {
                let name = keys.push_text("某地");
                keys.regions.push(RegionKey {
                    field,
                    path,
                    name,
                    prefix: len.min(code.len()),
                    len,
                    level,
                });
            }
            let key = Key {
                id: None,
                code: code_span,
                regions: (0, places.len()),
            };
            state
                .prefixes
                .count(&inventory.layout, n as u64 + 2, &keys, &key);
        }
        state.prefixes.finish(&inventory.layout, &mut problems);
        problems
            .iter()
            .map(|p| match &p.kind {
                ProblemKind::CodeContradictsRegion {
                    prefix, majority, ..
                } => (p.row.unwrap_or(0), prefix.clone(), majority.clone(), 0),
                ProblemKind::CodeContradictsRegionMore { prefix, more, .. } => {
                    (p.row.unwrap_or(0), prefix.clone(), Vec::new(), *more)
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn one(path: u64, len: usize) -> Vec<Place> {
        vec![(path, len, 3)]
    }

    fn most(prefix: &str, count: u64) -> Vec<(String, u64)> {
        vec![(prefix.to_string(), count)]
    }

    #[test]
    fn the_prefix_most_outlets_share_wins_whatever_comes_first() {
        let long = "53012300300112345678";
        let rows = [
            // A wrong first row, then two right ones.
            ("520123003001", one(1, 6)),
            ("530123004001", one(1, 6)),
            ("530123003001", one(1, 6)),
            // A prefix longer than a word holds: the same twice, another once.
            ("53012300300112349999", one(2, 18)),
            (long, one(2, 18)),
            ("53012300300112345699", one(2, 18)),
            // A 6-digit prefix of a short code and of a long one: the same, silent.
            ("530123", one(3, 6)),
            (long, one(3, 6)),
            // One prefix only: silent.
            ("530123003001", one(4, 6)),
            ("530123004001", one(4, 6)),
        ];
        let expected = vec![
            (2, "520123".to_string(), most("530123", 2), 0),
            (
                5,
                "530123003001123499".to_string(),
                most("530123003001123456", 2),
                0,
            ),
        ];
        let got = judged(&rows);
        assert_eq!(got, expected);
    }

    #[test]
    fn a_tie_flags_the_rows_of_every_prefix_tied_and_below() {
        let rows = [
            ("520123001001", one(7, 6)),
            ("530123001001", one(7, 6)),
            ("540123001001", one(7, 6)),
            ("530123001002", one(7, 6)),
            ("520123001002", one(7, 6)),
        ];
        let tied = vec![("520123".to_string(), 2), ("530123".to_string(), 2)];
        let got = judged(&rows);
        let own: Vec<(u64, &str)> = got.iter().map(|g| (g.0, g.1.as_str())).collect();
        assert_eq!(
            own,
            [
                (2, "520123"),
                (3, "530123"),
                (4, "540123"),
                (5, "530123"),
                (6, "520123")
            ]
        );
        assert!(got.iter().all(|g| g.2 == tied), "{got:?}");
    }

    #[test]
    fn a_row_is_flagged_once_for_the_coarsest_region_it_is_in_the_minority_of() {
        // County 1 (prefix 6) holds townships 10 and 11 (prefix 9). Row 4 has another county's
        // code: in the minority of both its county and its township; told of the county.
        let t10 = |code| (code, vec![(1, 6, 2), (10, 9, 3)]);
        let t11 = |code| (code, vec![(1, 6, 2), (11, 9, 3)]);
        let rows = [
            t10("520123101001"),
            t10("520123101002"),
            t10("530123101003"),
            t11("520123102001"),
            // In the minority of its township only.
            t11("520123103001"),
            t11("520123102002"),
        ];
        let got = judged(&rows);
        assert_eq!(
            got,
            [
                (4, "530123".to_string(), most("520123", 5), 0),
                (6, "520123103".to_string(), most("520123102", 2), 0),
            ]
        );
    }

    #[test]
    fn rows_past_those_kept_are_counted_in_one_more_warning() {
        // A township (the finest column) keeps two rows of its first prefix before a second
        // is seen: the first prefix's five rows end in the minority, two are listed.
        let mut rows: Vec<(String, Vec<Place>)> = (0..5)
            .map(|i| (format!("520123101{i:03}"), one(9, 9)))
            .collect();
        rows.extend((0..7).map(|i| (format!("520123102{i:03}"), one(9, 9))));
        let rows: Vec<(&str, Vec<Place>)> =
            rows.iter().map(|(c, p)| (c.as_str(), p.clone())).collect();
        let got = judged(&rows);
        assert_eq!(
            got,
            [
                (2, "520123101".to_string(), most("520123102", 7), 0),
                (3, "520123101".to_string(), most("520123102", 7), 0),
                (0, "520123101".to_string(), Vec::new(), 3),
            ]
        );
        // Once a region has two prefixes, each keeps many more rows: none is left out.
        let mut rows: Vec<(String, Vec<Place>)> = vec![("520123102000".into(), one(9, 9))];
        rows.extend((0..5).map(|i| (format!("520123101{i:03}"), one(9, 9))));
        rows.extend((0..7).map(|i| (format!("520123102{i:03}"), one(9, 9))));
        let rows: Vec<(&str, Vec<Place>)> =
            rows.iter().map(|(c, p)| (c.as_str(), p.clone())).collect();
        let got = judged(&rows);
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(
            got.iter().all(|g| g.3 == 0 && g.0 >= 3 && g.0 <= 7),
            "{got:?}"
        );
    }

    #[test]
    fn many_regions_keep_their_prefixes_as_the_table_grows() {
        // Enough regions for the table of prefixes to grow several times, one of them with the
        // path whose key would be 0 (the free slot) but for `region_key`'s `max(1)`.
        let zero = (Rulebook::builtin()
            .unwrap_or_else(|e| panic!("{e}"))
            .core
            .name as u64
            + 1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let paths: Vec<u64> = (1..=2000u64)
            .map(|p| p.wrapping_mul(0x2545_f491_4f6c_dd1d))
            .chain([zero])
            .collect();
        let short = |i: usize| format!("{:06}", 100_000 + i);
        let long = |i: usize| format!("{:018}", 100_000_000_000_000_000u64 + i as u64);
        let mut rows = Vec::new();
        // Each region twice alike (a short prefix, or long for every third), then once with
        // another prefix of the same kind: that one is flagged.
        for pass in 0..3 {
            for (i, &path) in paths.iter().enumerate() {
                let (code, prefix) = match (i % 3 == 0, pass) {
                    (false, 2) => (short(i + 1), 6),
                    (true, 2) => (long(i + 1), 18),
                    (false, _) => (short(i), 6),
                    (true, _) => (long(i), 18),
                };
                rows.push((code, one(path, prefix)));
            }
        }
        let rows: Vec<(&str, Vec<Place>)> =
            rows.iter().map(|(c, p)| (c.as_str(), p.clone())).collect();
        let n = paths.len() as u64;
        let expected: Vec<Judged> = (0..paths.len())
            .map(|i| {
                let (own, first) = if i % 3 == 0 {
                    (long(i + 1), long(i))
                } else {
                    (short(i + 1), short(i))
                };
                (2 * n + i as u64 + 2, own, most(&first, 2), 0)
            })
            .collect();
        assert_eq!(judged(&rows), expected);
    }

    #[test]
    fn a_packed_prefix_keeps_its_digits_and_their_count() {
        for prefix in ["", "0", "00", "53", "530123", "530123003", "00000000000000"] {
            let packed = pack_prefix(prefix);
            assert_eq!(packed.map(unpack_prefix).as_deref(), Some(prefix));
        }
        // Leading zeros count: prefixes of different lengths never pack alike.
        assert_ne!(pack_prefix("05"), pack_prefix("5"));
        assert_ne!(pack_prefix("0"), pack_prefix(""));
        assert!(pack_prefix("53012300300112").is_some());
        for other in ["530123003001123", "53a1", "５３"] {
            assert_eq!(pack_prefix(other), None, "{other}");
        }
    }
}
