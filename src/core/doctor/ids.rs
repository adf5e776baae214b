//! Row ids held in memory, so that a pass over one table can check its
//! references to another by a look-up in RAM instead of a B-tree seek per
//! row (a million leads, three million activity rows).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::types::ValueRef;

/// A stored reference (a foreign key, an owner) as SQLite would compare it:
/// NULL, an integer, or something no integer key can equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ref {
    Null,
    Id(i64),
    /// Text that is not a number, a blob, a fraction: points at nothing.
    Other,
}

impl Ref {
    /// Integer columns hold integers; anything else is read the way
    /// `foreign_key_check` matches it against an INTEGER PRIMARY KEY
    /// (an integral real or numeric text finds its row).
    #[inline]
    pub(super) fn of(value: ValueRef<'_>) -> Ref {
        match value {
            ValueRef::Null => Ref::Null,
            ValueRef::Integer(i) => Ref::Id(i),
            ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ref::Id(f as i64),
            ValueRef::Text(t) => {
                std::str::from_utf8(t).ok().and_then(|s| s.trim().parse::<i64>().ok()).map_or(Ref::Other, Ref::Id)
            }
            _ => Ref::Other,
        }
    }

    pub(super) fn id(self) -> Option<i64> {
        match self {
            Ref::Id(i) => Some(i),
            _ => None,
        }
    }

    /// SQL `IS NOT`: NULL equals NULL; an unreadable value equals nothing.
    #[inline]
    pub(super) fn is_not(self, other: Ref) -> bool {
        !matches!((self, other), (Ref::Null, Ref::Null)) && !matches!((self, other), (Ref::Id(a), Ref::Id(b)) if a == b)
    }
}

/// Integer keys hash by one multiplication: they are ids, not attacker-chosen
/// strings, and SipHash would cost more than the look-up it serves.
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(super) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// The ids of one table, each with a slot in `0..slots()`, so per-row state
/// can live in a plain `Vec`.
pub(super) struct Ids {
    min: i64,
    /// When ids are dense, as SQLite hands them out: one bit a possible id
    /// from `min` on, and the slot of an id is `id - min`. A million leads
    /// take 125 KB, which stays in cache while the activity log, in id
    /// order, asks for leads all over the table.
    present: Vec<u64>,
    /// Otherwise (ids too sparse): the slot of each id, and the id of each slot.
    sparse: IdMap<i64, u32>,
    ids: Vec<i64>,
    slots: usize,
}

impl Ids {
    /// `ids` are a table's primary keys (distinct), in any order.
    pub(super) fn new(ids: &[i64]) -> Ids {
        let (min, max) = (ids.iter().copied().min().unwrap_or(0), ids.iter().copied().max().unwrap_or(0));
        let span = (max as i128 - min as i128) as u128 + 1;
        // Per-slot state costs a slot a possible id: at most a few per real one.
        if span <= 2 * ids.len() as u128 + 1024 {
            let mut present = vec![0u64; (span as usize).div_ceil(64)];
            for id in ids {
                let at = (id - min) as usize;
                present[at / 64] |= 1 << (at % 64);
            }
            Ids { min, present, sparse: IdMap::default(), ids: Vec::new(), slots: span as usize }
        } else {
            let sparse = ids.iter().enumerate().map(|(slot, id)| (*id, slot as u32)).collect();
            Ids { min, present: Vec::new(), sparse, ids: ids.to_vec(), slots: ids.len() }
        }
    }

    /// How long a per-slot `Vec` must be.
    pub(super) fn slots(&self) -> usize {
        self.slots
    }

    #[inline]
    pub(super) fn slot(&self, id: i64) -> Option<usize> {
        if self.present.is_empty() {
            return self.sparse.get(&id).map(|s| *s as usize);
        }
        let at = usize::try_from(id.checked_sub(self.min)?).ok()?;
        let word = self.present.get(at / 64)?;
        (word & (1 << (at % 64)) != 0).then_some(at)
    }

    /// The id in `slot` (a slot no id holds gives the id it would have).
    pub(super) fn id_at(&self, slot: usize) -> i64 {
        if self.present.is_empty() { self.ids.get(slot).copied().unwrap_or_default() } else { self.min + slot as i64 }
    }

    /// Whether a reference finds its row (NULL refers to nothing and is fine).
    #[inline]
    pub(super) fn holds(&self, r: Ref) -> bool {
        match r {
            Ref::Null => true,
            Ref::Id(id) => self.slot(id).is_some(),
            Ref::Other => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_find_their_slots() {
        for ids in [vec![3, 1, 2, 7], vec![5, i64::MAX, i64::MIN, 0]] {
            let set = Ids::new(&ids);
            for id in &ids {
                let slot = set.slot(*id).unwrap();
                assert!(slot < set.slots());
                assert_eq!(set.id_at(slot), *id);
            }
            assert_eq!(set.slot(4), None);
            assert!(set.holds(Ref::Null) && !set.holds(Ref::Other) && !set.holds(Ref::Id(-9)));
        }
    }

    #[test]
    fn references_read_as_foreign_key_check_matches_them() {
        assert_eq!(Ref::of(ValueRef::Text(b"12")), Ref::Id(12));
        assert_eq!(Ref::of(ValueRef::Real(3.0)), Ref::Id(3));
        assert_eq!(Ref::of(ValueRef::Real(3.5)), Ref::Other);
        assert_eq!(Ref::of(ValueRef::Text(b"x")), Ref::Other);
        assert!(!Ref::Null.is_not(Ref::Null) && Ref::Null.is_not(Ref::Id(1)) && Ref::Other.is_not(Ref::Other));
    }
}
