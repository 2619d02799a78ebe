//! A hash table of small slots, for the tables that every row looks up (the ids seen, the code
//! prefixes of regions, the official division list). A national inventory makes them too big for the processor's
//! caches, and a lookup that waits for memory stalls the one thread that admits rows. Here a
//! hash's place is known without looking: the places of a whole batch of rows are fetched
//! ([`Table::prefetch`]) before its first row is admitted, and the waits overlap.
//!
//! Open addressing with linear probing; at most three slots in four are taken. A slot equal to
//! `S::default()` is free: the tables' slots are made so that no entry is.

/// The multiplier of Fibonacci hashing (2^64 / φ): a slot's place is taken from the hash times
/// this, whose top bits every bit of the hash reaches.
const FIBONACCI: u64 = 0x9e37_79b9_7f4a_7c15;

/// A word's bits mixed, as SplitMix64 ends: for hashes that are weak (FxHash of ids that differ
/// in their last bytes) and keys that are not hashes at all (division codes, which the Fibonacci
/// hashing of [`Table`] puts in long runs).
pub fn mix(word: u64) -> u64 {
    let mut z = word;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Slots in a new table.
const FIRST_SLOTS: usize = 16;

#[derive(Clone, Debug)]
pub struct Table<S> {
    /// Any number of slots (not only a power of two): room for a known number of entries costs
    /// no more memory than they need.
    slots: Vec<S>,
    /// Slots taken.
    len: usize,
}

impl<S: Copy + Default + PartialEq> Default for Table<S> {
    fn default() -> Self {
        Table::with_slots(FIRST_SLOTS)
    }
}

impl<S: Copy + Default + PartialEq> Table<S> {
    /// A table of `slots` free slots (at least 2).
    fn with_slots(slots: usize) -> Self {
        Table {
            slots: vec![S::default(); slots],
            len: 0,
        }
    }

    /// How many entries the table holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Where probing for `hash` starts: the mixed hash as a fraction of 2^64, times the slots.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        let mixed = u128::from(hash.wrapping_mul(FIBONACCI));
        ((mixed * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot after `at`, the first after the last.
    #[inline]
    fn next(&self, at: usize) -> usize {
        if at + 1 == self.slots.len() {
            0
        } else {
            at + 1
        }
    }

    /// Asks the processor to fetch the slot where probing for `hash` starts, without waiting.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        if let Some(slot) = self.slots.get(self.home(hash)) {
            fetch(slot);
        }
    }

    /// The entry with this hash that `is` accepts, if any.
    #[inline]
    pub fn find(&self, hash: u64, is: impl FnMut(&S) -> bool) -> Option<&S> {
        self.position(hash, is).map(|at| &self.slots[at])
    }

    /// The entry with this hash that `is` accepts, if any, to change (not its hash).
    #[inline]
    pub fn find_mut(&mut self, hash: u64, is: impl FnMut(&S) -> bool) -> Option<&mut S> {
        self.position(hash, is).map(|at| &mut self.slots[at])
    }

    /// The slot of the entry with this hash that `is` accepts: probed from its home slot to the
    /// first free one.
    #[inline]
    fn position(&self, hash: u64, mut is: impl FnMut(&S) -> bool) -> Option<usize> {
        let mut at = self.home(hash);
        loop {
            let slot = &self.slots[at];
            if *slot == S::default() {
                return None;
            }
            if is(slot) {
                return Some(at);
            }
            at = self.next(at);
        }
    }

    /// Adds `entry` (not free, not already in the table) under `hash`. `rehash` gives the hash
    /// of an entry, for when the table grows.
    #[inline]
    pub fn insert(&mut self, hash: u64, entry: S, rehash: impl Fn(&S) -> u64) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow_to(self.slots.len() * 2, &rehash);
        }
        self.put(hash, entry);
        self.len += 1;
    }

    /// How many slots a lookup of the entry with this hash that `is` accepts looks at (for tests
    /// of a table's hashes).
    #[cfg(test)]
    pub fn probes(&self, hash: u64, mut is: impl FnMut(&S) -> bool) -> usize {
        let mut at = self.home(hash);
        let mut probes = 1;
        while self.slots[at] != S::default() && !is(&self.slots[at]) {
            at = self.next(at);
            probes += 1;
        }
        probes
    }

    /// Makes room for `entries` in all, so that the table does not grow while they are added.
    pub fn reserve(&mut self, entries: usize, rehash: impl Fn(&S) -> u64) {
        // Three in four taken, the most `insert` allows.
        let slots = entries.saturating_mul(4).div_ceil(3);
        if slots > self.slots.len() {
            self.grow_to(slots, &rehash);
        }
    }

    /// Moves every entry to a new table of `slots` slots.
    fn grow_to(&mut self, slots: usize, rehash: &impl Fn(&S) -> u64) {
        let old = std::mem::replace(self, Table::with_slots(slots));
        self.len = old.len;
        for entry in old.slots.into_iter().filter(|s| *s != S::default()) {
            self.put(rehash(&entry), entry);
        }
    }

    /// Writes `entry` in the first free slot from `hash`'s place.
    fn put(&mut self, hash: u64, entry: S) {
        let mut at = self.home(hash);
        while self.slots[at] != S::default() {
            at = self.next(at);
        }
        self.slots[at] = entry;
    }
}

/// Fetches the cache line of `value` into the processor's caches, without waiting for it: a read
/// whose result nothing waits on, so that the processor issues the reads of a whole batch at once
/// and their waits for memory overlap. (Safe Rust has no prefetch instruction; this read does its
/// work, without a dependency on `safe_arch` for one instruction.)
#[inline]
fn fetch<T: Copy>(value: &T) {
    std::hint::black_box(*value);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash that puts every key in few places, so that probing wraps and runs long.
    fn crowded(key: u64) -> u64 {
        key % 3
    }

    #[test]
    fn finds_every_entry_it_was_given_through_growth_and_crowding() {
        for hash in [crowded as fn(u64) -> u64, |k: u64| {
            k.wrapping_mul(FIBONACCI)
        }] {
            let mut table: Table<(u64, u64)> = Table::default();
            for key in 1..=1000u64 {
                assert_eq!(table.find(hash(key), |e| e.0 == key), None);
                table.insert(hash(key), (key, key * 10), |e| hash(e.0));
                table.prefetch(hash(key));
            }
            assert_eq!(table.len(), 1000);
            assert!(table.slots.len() * 3 >= table.len() * 4);
            for key in 1..=1000u64 {
                assert_eq!(
                    table.find(hash(key), |e| e.0 == key),
                    Some(&(key, key * 10))
                );
            }
            assert_eq!(table.find(hash(1001), |e| e.0 == 1001), None);
            // An entry changed in place is found changed, the others as they were.
            if let Some(e) = table.find_mut(hash(500), |e| e.0 == 500) {
                e.1 = 7;
            }
            assert_eq!(table.find(hash(500), |e| e.0 == 500), Some(&(500, 7)));
            assert_eq!(table.find(hash(501), |e| e.0 == 501), Some(&(501, 5010)));
            assert_eq!(table.find_mut(hash(1001), |e| e.0 == 1001), None);
            assert_eq!(table.find(hash(0), |e| e.0 == 0), None);
        }
    }

    #[test]
    fn probing_wraps_from_the_last_slot_to_the_first() {
        // The hash whose mixed value is 2^64 − 1, so that its place is the last slot: the
        // multiplier's inverse (Newton's iteration, modulo 2^64) undoes the mixing.
        let mut inverse = FIBONACCI;
        for _ in 0..6 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(FIBONACCI.wrapping_mul(inverse)));
        }
        let last = u64::MAX.wrapping_mul(inverse);
        let mut table: Table<u64> = Table::default();
        assert_eq!(table.home(last), table.slots.len() - 1);
        for key in 1..=5u64 {
            table.insert(last, key, |_| last);
        }
        // The first went to the last slot, the others round to the first slots.
        assert_eq!(table.slots[table.slots.len() - 1], 1);
        assert_eq!(&table.slots[..4], &[2, 3, 4, 5]);
        for key in 1..=5u64 {
            assert_eq!(table.find(last, |&e| e == key), Some(&key));
        }
        assert_eq!(table.find(last, |&e| e == 6), None);
    }

    #[test]
    fn reserving_makes_room_once_and_keeps_the_entries() {
        let mut table: Table<u64> = Table::default();
        let hash = |k: u64| k.wrapping_mul(0x2545_f491_4f6c_dd1d);
        table.insert(hash(7), 7, |&e| hash(e));
        table.reserve(100_000, |&e| hash(e));
        let slots = table.slots.len();
        assert!(slots * 3 >= 100_000 * 4, "{slots} slots");
        assert!(slots <= 100_000 * 4 / 3 + 1, "{slots} slots");
        for key in 8..100_007u64 {
            table.insert(hash(key), key, |&e| hash(e));
        }
        assert_eq!(table.slots.len(), slots, "grew although room was made");
        assert_eq!(table.find(hash(7), |&e| e == 7), Some(&7));
        assert_eq!(table.find(hash(100_006), |&e| e == 100_006), Some(&100_006));
        // Reserving less than there is changes nothing.
        table.reserve(10, |&e| hash(e));
        assert_eq!(table.slots.len(), slots);
    }
}
