//! The outlet ids seen so far, for finding repeated ids in one pass: the only thing kept of every
//! outlet while an inventory streams past, so it is kept small. Each id is written, after its row
//! and its length, into chunks of 1 MiB (so that no buffer is ever copied to grow), and a
//! [`Table`] holds 8-byte slots, each a 4-byte position in the chunks under 31 bits of the id's
//! hash (and a set bit): for an id of 10 characters, 15 bytes of chunk and 11–21 of table (at
//! most three slots in four are taken).

use std::hash::{BuildHasher, BuildHasherDefault};

use rustc_hash::FxHasher;

use crate::table::Table;

/// Bits of a position that address a byte within its chunk.
const CHUNK_BITS: u32 = 20;
const CHUNK: usize = 1 << CHUNK_BITS;
/// Ids longer than this are kept apart, whole, with their hash.
const LONG: usize = 4096;

#[derive(Default)]
pub struct SeenIds {
    /// Every id but the long ones: its row (4 bytes), its length (1 byte, or 255 and 4 bytes),
    /// then its text.
    chunks: Vec<Vec<u8>>,
    /// Positions in `chunks` (chunk << `CHUNK_BITS` | offset), each under a [`tag`] of its id's
    /// hash, by the hash of the id.
    table: Table<u64>,
    /// The long ids, their hashes and rows.
    long: Vec<(u64, Box<str>, u32)>,
}

/// The hash of an id's bytes. `FxHash`, fast but weak where ids differ only in their last bytes
/// (WD00000001, WD00000002, …), its bits mixed again as `SplitMix64` ends.
fn hash_bytes(bytes: &[u8]) -> u64 {
    crate::table::mix(BuildHasherDefault::<FxHasher>::default().hash_one(bytes))
}

/// The top half of a table slot: 31 bits of the id's hash and a set bit, so that a slot in use
/// is never 0 (free) and ids whose hashes differ there are told apart without reading them.
fn tag(hash: u64) -> u64 {
    (hash | 1) << 32
}

/// The position in a table slot.
fn position(slot: u64) -> u32 {
    slot as u32
}

/// The id and row written at `at`.
fn entry(chunks: &[Vec<u8>], at: u32) -> (&[u8], u32) {
    let chunk = &chunks[(at >> CHUNK_BITS) as usize];
    let offset = (at as usize) & (CHUNK - 1);
    let word = |i: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&chunk[i..i + 4]);
        u32::from_le_bytes(b)
    };
    let row = word(offset);
    let (len, start) = match chunk[offset + 4] {
        255 => (word(offset + 5) as usize, offset + 9),
        short => (usize::from(short), offset + 5),
    };
    (&chunk[start..start + len], row)
}

impl SeenIds {
    /// The hash of `id` that [`SeenIds::get_hashed`] and [`SeenIds::first_or_insert_hashed`]
    /// take, so that another thread can work it out.
    pub fn hash(id: &str) -> u64 {
        hash_bytes(id.as_bytes())
    }

    /// The row where `id` was first seen, if it was.
    pub fn get(&self, id: &str) -> Option<u64> {
        self.get_hashed(SeenIds::hash(id), id)
    }

    /// [`SeenIds::get`], given the id's [`SeenIds::hash`].
    pub fn get_hashed(&self, hash: u64, id: &str) -> Option<u64> {
        if id.len() > LONG {
            return self
                .long
                .iter()
                .find(|(h, long, _)| *h == hash && **long == *id)
                .map(|(_, _, row)| u64::from(*row));
        }
        self.find(hash, id).map(u64::from)
    }

    /// The row of `id` (not a long one), found by its hash.
    #[inline]
    fn find(&self, hash: u64, id: &str) -> Option<u32> {
        let tag = tag(hash);
        self.table
            .find(hash, |&slot| {
                slot & !u64::from(u32::MAX) == tag
                    && entry(&self.chunks, position(slot)).0 == id.as_bytes()
            })
            .map(|&slot| entry(&self.chunks, position(slot)).1)
    }

    /// Asks the processor to fetch, without waiting, where the id of this [`SeenIds::hash`]
    /// would be found: the next rows' ids are looked up sooner.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        self.table.prefetch(hash);
    }

    /// How an entry of the table is hashed again as it grows.
    fn rehash(chunks: &[Vec<u8>]) -> impl Fn(&u64) -> u64 + '_ {
        |&slot| hash_bytes(entry(chunks, position(slot)).0)
    }

    /// Makes room for `ids` ids in all, so that the table does not grow (and hash every id
    /// again) while they are read.
    pub fn reserve(&mut self, ids: usize) {
        self.table.reserve(ids, SeenIds::rehash(&self.chunks));
    }

    /// The row where `id` was first seen, if it was; else records it as first seen on `row`.
    /// Past 4 GiB of ids in all — far beyond any inventory — further ids are not recorded.
    #[cfg(test)]
    pub fn first_or_insert(&mut self, id: &str, row: u64) -> Option<u64> {
        self.first_or_insert_hashed(SeenIds::hash(id), id, row)
    }

    /// [`SeenIds::first_or_insert`], given the id's [`SeenIds::hash`].
    pub fn first_or_insert_hashed(&mut self, hash: u64, id: &str, row: u64) -> Option<u64> {
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        if id.len() > LONG {
            let first = self.get_hashed(hash, id);
            if first.is_none() {
                self.long.push((hash, id.into(), row));
            }
            return first;
        }
        if let Some(first) = self.find(hash, id) {
            return Some(u64::from(first));
        }
        let Self { chunks, table, .. } = self;
        let len = id.len();
        let size = 4 + if len < 255 { 1 } else { 5 } + len;
        let fits = chunks.last().is_some_and(|c| c.len() + size <= CHUNK);
        if !fits {
            if chunks.len() >= 1 << (32 - CHUNK_BITS) {
                return None;
            }
            chunks.push(Vec::with_capacity(CHUNK));
        }
        let index = chunks.len() - 1;
        let chunk = &mut chunks[index];
        let at = ((index as u32) << CHUNK_BITS) | chunk.len() as u32;
        chunk.extend_from_slice(&row.to_le_bytes());
        match u8::try_from(len) {
            Ok(short) if short < 255 => chunk.push(short),
            _ => {
                chunk.push(255);
                chunk.extend_from_slice(&(len as u32).to_le_bytes());
            }
        }
        chunk.extend_from_slice(id.as_bytes());
        table.insert(hash, tag(hash) | u64::from(at), SeenIds::rehash(chunks));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_was_given_and_nothing_else() {
        let mut seen = SeenIds::default();
        let long = "长".repeat(2000);
        let middling = "m".repeat(300);
        for (i, id) in ["AN-001", "AN-002", "", "安宁-3", "AN-0", &long, &middling]
            .iter()
            .enumerate()
        {
            assert_eq!(seen.get(id), None);
            assert_eq!(seen.first_or_insert(id, i as u64 + 2), None);
            assert_eq!(seen.first_or_insert(id, i as u64 + 100), Some(i as u64 + 2));
        }
        assert_eq!(seen.get("AN-002"), Some(3));
        assert_eq!(seen.get("安宁-3"), Some(5));
        assert_eq!(seen.get("AN-0"), Some(6));
        assert_eq!(seen.get(&long), Some(7));
        assert_eq!(seen.get(&middling), Some(8));
        assert_eq!(seen.get(&"m".repeat(299)), None);
        assert_eq!(seen.get(&"长".repeat(1999)), None);
        assert_eq!(seen.get("AN-00"), None);
        // Enough ids to fill several chunks.
        for i in 0..200_000u64 {
            assert_eq!(seen.first_or_insert(&format!("X{i:08}"), i), None);
        }
        assert!(seen.chunks.len() > 2);
        assert_eq!(seen.get("X00000000"), Some(0));
        assert_eq!(seen.get("X00199999"), Some(199_999));
        assert_eq!(seen.get("X00200000"), None);
        assert_eq!(seen.get("AN-001"), Some(2));
        assert_eq!(seen.get(""), Some(4));
    }
}
