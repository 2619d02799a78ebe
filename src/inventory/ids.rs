//! The outlet ids seen so far, for finding repeated ids in one pass: the only thing kept of every
//! outlet while an inventory streams past, so it is kept small — the ids' text end to end in one
//! buffer, and a hash table of 4-byte indices into it (about 25 bytes an outlet).

use std::hash::{BuildHasher, BuildHasherDefault};

use hashbrown::HashTable;
use rustc_hash::FxHasher;

#[derive(Default)]
pub struct SeenIds {
    /// Every id, end to end.
    text: String,
    /// Where each id starts in `text`; it ends where the next one starts.
    starts: Vec<u32>,
    /// The row each id was first seen on.
    rows: Vec<u32>,
    /// Indices into `starts`, by the hash of the id.
    table: HashTable<u32>,
    hasher: BuildHasherDefault<FxHasher>,
}

impl SeenIds {
    fn id(&self, i: u32) -> &str {
        let i = i as usize;
        let start = self.starts[i] as usize;
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |e| *e as usize);
        &self.text[start..end]
    }

    /// The row where `id` was first seen, if it was.
    pub fn get(&self, id: &str) -> Option<u64> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&i| self.id(i) == id)
            .map(|&i| u64::from(self.rows[i as usize]))
    }

    /// Records `id` as first seen on `row` (the caller has checked that it was not seen). Past 4 GB
    /// of ids in all — far beyond any inventory — further ids are not recorded.
    pub fn insert(&mut self, id: &str, row: u64) {
        if self.text.len() + id.len() > u32::MAX as usize || self.starts.len() >= u32::MAX as usize
        {
            return;
        }
        let index = self.starts.len() as u32;
        self.starts.push(self.text.len() as u32);
        self.rows.push(u32::try_from(row).unwrap_or(u32::MAX));
        self.text.push_str(id);
        let hash = self.hasher.hash_one(id);
        let Self {
            text,
            starts,
            table,
            hasher,
            ..
        } = self;
        let id_of = |i: u32| {
            let i = i as usize;
            let start = starts[i] as usize;
            let end = starts.get(i + 1).map_or(text.len(), |e| *e as usize);
            &text[start..end]
        };
        table.insert_unique(hash, index, |&i| hasher.hash_one(id_of(i)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_was_given_and_nothing_else() {
        let mut seen = SeenIds::default();
        for (i, id) in ["AN-001", "AN-002", "", "安宁-3", "AN-0"]
            .iter()
            .enumerate()
        {
            assert_eq!(seen.get(id), None);
            seen.insert(id, i as u64 + 2);
        }
        assert_eq!(seen.get("AN-002"), Some(3));
        assert_eq!(seen.get("安宁-3"), Some(5));
        assert_eq!(seen.get("AN-0"), Some(6));
        assert_eq!(seen.get("AN-00"), None);
        for i in 0..10_000u64 {
            seen.insert(&format!("X{i}"), i);
        }
        assert_eq!(seen.get("X9999"), Some(9999));
        assert_eq!(seen.get("AN-001"), Some(2));
    }
}
