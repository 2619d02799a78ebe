//! Admitting typed rows in the inventory's order: a repeated id is refused, a division code is
//! checked against the codes seen before in its regions. What is kept from row to row ([`State`])
//! is small: the ids seen, one prefix per region.

use std::collections::hash_map::Entry;
use std::hash::Hasher;

use super::typing::{Layout, Staged};
use super::{Value, ids, table};
use crate::problem::{Problem, ProblemKind, Severity};

/// What reading in order keeps from row to row: the rows counted, the ids seen, and the
/// division-code prefix of each region.
/// How many skipped rows the note names; the rest are counted.
const SKIPPED_NAMED: usize = 20;

#[derive(Default)]
pub(super) struct State {
    pub(super) seen_ids: ids::SeenIds,
    pub(super) rows: u64,
    finished: bool,
    /// Rows that are no outlets: how many, and the first few.
    skipped: usize,
    skipped_rows: Vec<u64>,
    /// For each region (its column and path of names, as one [`region_key`]): the key, the
    /// division-code prefix first seen with it ([`pack_prefix`]), and where. Kept small, as it
    /// is looked up several times for every row: slots of 24 bytes.
    region_prefixes: table::Table<(u64, u64, u64)>,
    /// The same, for the prefixes that do not pack (longer than 15 digits, or not all digits).
    long_prefixes: rustc_hash::FxHashMap<u64, (Box<str>, u64)>,
}

/// A region's key: its column and the hash of its path of names. Never 0, which marks a free
/// slot of [`State::region_prefixes`] (a key of 0 becomes 1: both are as unlikely as any other
/// collision of the hashes).
fn region_key(region: &RegionKey) -> u64 {
    (region.path ^ (region.field as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)).max(1)
}

/// A division-code prefix of at most 15 digits as one word: four bits a digit, under their
/// count (the top four bits). `None` for any other prefix.
fn pack_prefix(prefix: &str) -> Option<u64> {
    let b = prefix.as_bytes();
    if b.len() > 15 {
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
/// name's place in [`Keys::text`], and the length of the code prefix that names it.
#[derive(Clone, Debug)]
struct RegionKey {
    pub(super) field: usize,
    pub(super) path: u64,
    pub(super) name: Span,
    pub(super) prefix: usize,
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
        self.text.get(start..end).unwrap_or_default()
    }
}

/// A typed row as the in-order checks take it: its problems (those from `split` on come after
/// the id check) and its [`Key`].
pub(super) struct Typed {
    pub(super) number: u64,
    pub(super) problems: Vec<Problem>,
    pub(super) split: usize,
    pub(super) key: Key,
    /// A row that is no outlet, skipped.
    pub(super) skipped: bool,
}

impl State {
    /// At the end: an inventory with no rows gets a warning.
    pub(super) fn finish(&mut self, layout: &Layout, problems: &mut impl Extend<Problem>) {
        if self.skipped > 0 && !self.finished {
            let kind = ProblemKind::NotOutlets {
                rows: std::mem::take(&mut self.skipped_rows),
                count: self.skipped,
            };
            problems.extend([layout.problem(Severity::Warning, None, None, None, kind)]);
        }
        if self.rows == 0 && !self.finished {
            let empty = layout.problem(Severity::Warning, None, None, None, ProblemKind::Empty);
            problems.extend([empty]);
        }
        self.finished = true;
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
                self.region_prefixes.prefetch(region_key(region));
            }
        }
    }

    /// Takes a typed row in order: reports its problems, refuses a repeated id and checks its
    /// division code against earlier rows. False when the row is refused.
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
            split,
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
        problems.extend(own.by_ref().take(split));
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
        self.check_regions(layout, n, keys, &key, problems);
        true
    }

    /// Warns where the division code contradicts the codes of earlier outlets with the same
    /// province, city, county or township; only the coarsest contradiction of a row is reported.
    pub(super) fn check_regions(
        &mut self,
        layout: &Layout,
        n: u64,
        keys: &Keys,
        key: &Key,
        problems: &mut impl Extend<Problem>,
    ) {
        let book = layout.book;
        let (Some(checks), Some(regions)) = (
            &book.code_checks,
            keys.regions.get(key.regions.0..key.regions.1),
        ) else {
            return;
        };
        let code = keys.text(key.code);
        for region in regions {
            let prefix = code.get(..region.prefix).unwrap_or(code);
            let at = region_key(region);
            // The prefix first seen with this region, when it differs from this one.
            let first = self.region_prefixes.find(at, |e| e.0 == at).copied();
            let contradicted = match (pack_prefix(prefix), first) {
                (Some(packed), Some((_, expected, first_row))) => {
                    (expected != packed).then(|| (unpack_prefix(expected), first_row))
                }
                (None, Some((_, expected, first_row))) => {
                    Some((unpack_prefix(expected), first_row))
                }
                (packed, None) => match (self.long_prefixes.entry(at), packed) {
                    (Entry::Occupied(first), _) => {
                        let (expected, first_row) = first.get();
                        (**expected != *prefix).then(|| (expected.to_string(), *first_row))
                    }
                    (Entry::Vacant(vacant), None) => {
                        vacant.insert((prefix.into(), n));
                        None
                    }
                    (Entry::Vacant(_), Some(packed)) => {
                        self.region_prefixes
                            .insert(at, (at, packed, n), |&(key, _, _)| key);
                        None
                    }
                },
            };
            if let Some((expected, first_row)) = contradicted {
                let kind = ProblemKind::CodeContradictsRegion {
                    region: book.fields[region.field].name.zh.clone(),
                    name: keys.text(region.name).to_string(),
                    expected,
                    first_row,
                };
                problems.extend([layout.problem(
                    Severity::Warning,
                    Some(n),
                    layout.field_columns[checks.field],
                    Some(code.to_string()),
                    kind,
                )]);
                break;
            }
        }
    }
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
        for &(region, len) in &checks.regions {
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

    /// The division-code warnings of rows given as (code, region path, prefix length), all in
    /// one region column: (row, expected prefix, first row) of each.
    fn contradictions(rows: &[(&str, u64, usize)]) -> Vec<(u64, String, u64)> {
        let book = Rulebook::builtin().unwrap_or_else(|e| panic!("{e}"));
        let csv = "网点编号,网点名称,网点类型,行政区划代码\n";
        let read: Box<dyn Read> = Box::new(io::Cursor::new(csv.as_bytes().to_vec()));
        let inventory = Inventory::from_reader(read, InputFormat::Csv, "t.csv", &book)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let field = book.core.name;
        let mut state = State::default();
        let mut problems = Vec::new();
        for (n, &(code, path, prefix)) in rows.iter().enumerate() {
            let mut keys = Keys::default();
            let code = keys.push_text(code);
            let name = keys.push_text("某县");
            keys.regions.push(RegionKey {
                field,
                path,
                name,
                prefix,
            });
            let key = Key {
                id: None,
                code,
                regions: (0, 1),
            };
            state.check_regions(&inventory.layout, n as u64 + 2, &keys, &key, &mut problems);
        }
        problems
            .iter()
            .map(|p| match &p.kind {
                ProblemKind::CodeContradictsRegion {
                    expected,
                    first_row,
                    ..
                } => (p.row.unwrap_or(0), expected.clone(), *first_row),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_region_keeps_the_first_prefix_seen_short_or_long() {
        let long = "53012300300112345678";
        let rows = [
            // A short prefix, then the same and another.
            ("530123003001", 1, 6),
            ("530123004001", 1, 6),
            ("520123003001", 1, 6),
            // A prefix longer than a word holds, then the same and another.
            (long, 2, 18),
            ("53012300300112345699", 2, 18),
            ("53012300300112349999", 2, 18),
            // A region first seen with a short prefix, then with a long one, and back.
            ("530123", 3, 6),
            (long, 3, 18),
            ("530123", 3, 6),
            // And the other way round.
            (long, 4, 18),
            ("530123", 4, 6),
            (long, 4, 18),
        ];
        let expected = [
            (4, "530123".to_string(), 2),
            (7, "530123003001123456".to_string(), 5),
            (9, "530123".to_string(), 8),
            (12, "530123003001123456".to_string(), 11),
        ];
        assert_eq!(contradictions(&rows), expected);
    }

    #[test]
    fn many_regions_keep_their_first_prefix_as_the_table_grows() {
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
        let codes: Vec<(String, String)> = (0..paths.len()).map(|i| (short(i), long(i))).collect();
        let mut rows = Vec::new();
        // Each region first (short prefix, or long for every third), again alike, then a
        // different prefix of the same kind.
        for pass in 0..3 {
            for (i, &path) in paths.iter().enumerate() {
                let (code, prefix) = match (i % 3 == 0, pass) {
                    (false, 2) => (short(i + 1), 6),
                    (true, 2) => (long(i + 1), 18),
                    (false, _) => (codes[i].0.clone(), 6),
                    (true, _) => (codes[i].1.clone(), 18),
                };
                rows.push((code, path, prefix));
            }
        }
        let rows: Vec<(&str, u64, usize)> =
            rows.iter().map(|(c, p, l)| (c.as_str(), *p, *l)).collect();
        let n = paths.len() as u64;
        let expected: Vec<(u64, String, u64)> = (0..paths.len())
            .map(|i| {
                let first = if i % 3 == 0 { &codes[i].1 } else { &codes[i].0 };
                (2 * n + i as u64 + 2, first.clone(), i as u64 + 2)
            })
            .collect();
        assert_eq!(contradictions(&rows), expected);
    }

    #[test]
    fn a_packed_prefix_keeps_its_digits_and_their_count() {
        for prefix in [
            "",
            "0",
            "00",
            "53",
            "530123",
            "530123003",
            "000000000000000",
        ] {
            let packed = pack_prefix(prefix);
            assert_eq!(packed.map(unpack_prefix).as_deref(), Some(prefix));
        }
        // Leading zeros count: prefixes of different lengths never pack alike.
        assert_ne!(pack_prefix("05"), pack_prefix("5"));
        assert_ne!(pack_prefix("0"), pack_prefix(""));
        assert!(pack_prefix("530123003001123").is_some());
        for other in ["5301230030011234", "53a1", "５３"] {
            assert_eq!(pack_prefix(other), None, "{other}");
        }
    }
}
