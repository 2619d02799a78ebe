//! [`CellMemo`]: the cells each typing thread has already read cleanly, and what they read as,
//! so that the few spellings most cells share are parsed once. Bounded: a fixed table per field.

use std::hash::Hasher;

use super::Value;

/// For each field: cells already read cleanly, and what they read as. A field's cells are spelled
/// the same few ways by many outlets (是, 否, 2, 独立, a list of services), so a cell seen before is
/// not parsed again. Each field has a table of slots chosen by the cell's hash, a later cell taking
/// the slot of an earlier one: memory stays bounded (short cells only) whatever the input, and the
/// table follows the spellings of the part of the inventory being read. Each thread that types
/// rows keeps its own.
pub(super) struct CellMemo {
    /// Per field: its slots (none until a cell of it is remembered).
    tables: Vec<Vec<Remembered>>,
}

/// A slot of a [`CellMemo`]: a cell and its value, or nothing yet.
#[derive(Clone, Debug)]
struct Remembered {
    key: MemoKey,
    value: Value,
}

/// The cell a [`CellMemo`] slot remembers. Most cells (是, 2, 独立, a date) are at most 16 bytes:
/// those are kept in the slot as two words ([`pack`]), compared without following a pointer.
#[derive(Clone, Debug)]
enum MemoKey {
    Free,
    Short { len: u8, words: (u64, u64) },
    Long(Box<str>),
}

/// Slots per field: lists, whose spellings vary the most, get more.
const MEMO_SLOTS: usize = 512;
const MEMO_LIST_SLOTS: usize = 4_096;
/// Longer cells are not remembered.
const MEMO_CELL_BYTES: usize = 512;
/// Cells of up to this many bytes are [`MemoKey::Short`].
const MEMO_SHORT_BYTES: usize = 16;

/// A text of at most [`MEMO_SHORT_BYTES`] bytes as two words that, with its length, tell it from
/// any other such text (the words may overlap, or repeat a byte, but together with the length
/// they cover every byte once at a known place).
#[inline]
fn pack(b: &[u8]) -> Option<(u64, u64)> {
    let n = b.len();
    let word = |i: usize| {
        u64::from_le_bytes(
            b.get(i..i + 8)
                .and_then(|w| w.try_into().ok())
                .unwrap_or([0; 8]),
        )
    };
    let half = |i: usize| {
        u64::from(u32::from_le_bytes(
            b.get(i..i + 4)
                .and_then(|w| w.try_into().ok())
                .unwrap_or([0; 4]),
        ))
    };
    match n {
        0 => Some((0, 0)),
        1..4 => Some((
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        )),
        4..8 => Some((half(0) | half(n - 4) << 32, 0)),
        8..=MEMO_SHORT_BYTES => Some((word(0), word(n - 8))),
        _ => None,
    }
}

impl CellMemo {
    pub(super) fn new(fields: usize) -> CellMemo {
        CellMemo {
            tables: vec![Vec::new(); fields],
        }
    }

    /// The slot of a short text, [`pack`]ed as `words`, in a table of `len` slots (a power of
    /// two).
    #[inline]
    fn short_slot(words: (u64, u64), n: usize, len: usize) -> usize {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let h = (words.0.wrapping_mul(K) ^ words.1 ^ n as u64).wrapping_mul(K);
        // The high bits, which every bit of the words reaches.
        h.checked_shr(u64::BITS - len.trailing_zeros()).unwrap_or(0) as usize & (len - 1)
    }

    /// The slot of a longer text in a table of `len` slots (a power of two).
    fn long_slot(text: &[u8], len: usize) -> usize {
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(text);
        (hasher.finish() as usize) & (len - 1)
    }

    /// What `text`, a text cell of field `f`, read as, if remembered.
    #[inline(always)]
    pub(super) fn recall_text(&self, f: usize, text: &str) -> Option<&Value> {
        // A field with no table has nothing remembered (and text and codes never do).
        let table = self.tables.get(f).filter(|t| !t.is_empty())?;
        let b = text.as_bytes();
        if let Some(words) = pack(b) {
            let slot = table.get(CellMemo::short_slot(words, b.len(), table.len()))?;
            match slot.key {
                MemoKey::Short { len, words: w } if usize::from(len) == b.len() && w == words => {
                    Some(&slot.value)
                }
                _ => None,
            }
        } else {
            let slot = table.get(CellMemo::long_slot(b, table.len()))?;
            match &slot.key {
                MemoKey::Long(k) if k.as_bytes() == b => Some(&slot.value),
                _ => None,
            }
        }
    }

    /// Remembers that `text`, a cell of field `f`, read as `value`.
    pub(super) fn put(&mut self, f: usize, list: bool, text: &str, value: &Value) {
        if text.len() > MEMO_CELL_BYTES {
            return;
        }
        let Some(table) = self.tables.get_mut(f) else {
            return;
        };
        if table.is_empty() {
            let slots = if list { MEMO_LIST_SLOTS } else { MEMO_SLOTS };
            let free = Remembered {
                key: MemoKey::Free,
                value: Value::Missing,
            };
            table.resize(slots, free);
        }
        let b = text.as_bytes();
        let (slot, key) = match pack(b) {
            Some(words) => (
                CellMemo::short_slot(words, b.len(), table.len()),
                MemoKey::Short {
                    len: b.len() as u8,
                    words,
                },
            ),
            None => (
                CellMemo::long_slot(b, table.len()),
                MemoKey::Long(text.into()),
            ),
        };
        table[slot] = Remembered {
            key,
            value: value.clone(),
        };
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_recalls_what_it_was_given_and_forgets_long_cells() {
        let mut memo = CellMemo::new(3);
        assert_eq!(memo.recall_text(1, "是"), None);
        memo.put(1, false, "是", &Value::Bool(true));
        memo.put(2, true, " 职业指导、岗位推荐", &Value::List(vec![3, 7]));
        assert_eq!(memo.recall_text(1, "是"), Some(&Value::Bool(true)));
        assert_eq!(
            memo.recall_text(2, " 职业指导、岗位推荐"),
            Some(&Value::List(vec![3, 7]))
        );
        // Only the exact cell, in its own field.
        assert_eq!(memo.recall_text(1, "是 "), None);
        assert_eq!(memo.recall_text(0, "是"), None);
        assert_eq!(memo.recall_text(2, "职业指导、岗位推荐"), None);
        assert_eq!(memo.recall_text(1, ""), None);
        // A field's table has a fixed number of slots, a list field's more.
        assert_eq!(memo.tables[1].len(), MEMO_SLOTS);
        assert_eq!(memo.tables[2].len(), MEMO_LIST_SLOTS);
        // Many more cells than slots: the table does not grow, and the latest cells are there.
        for i in 0..10 * MEMO_SLOTS {
            memo.put(1, false, &i.to_string(), &Value::Number(i as f64));
        }
        assert_eq!(memo.tables[1].len(), MEMO_SLOTS);
        let last = 10 * MEMO_SLOTS - 1;
        assert_eq!(
            memo.recall_text(1, &last.to_string()),
            Some(&Value::Number(last as f64))
        );
        // A long cell is not kept.
        let long = "、".repeat(MEMO_CELL_BYTES);
        memo.put(2, true, &long, &Value::List(Vec::new()));
        assert_eq!(memo.recall_text(2, &long), None);
    }
}
