//! Contiguous vector rows ("slots"), their `DocId`s and tombstones.
//!
//! A slot is a row of the store. Slots are appended; a deleted or updated
//! vector leaves its slot as a tombstone until [`VectorStore::compact`].

// foldhash (hashbrown's default): looked up for every candidate scored by id;
// the keys are the index's own ids.
use hashbrown::HashMap;

use crate::ids::DocId;

#[derive(Clone, Debug)]
pub(crate) struct VectorStore {
    dim: usize,
    /// Row-major vectors, `len_slots() * dim` floats.
    data: Vec<f32>,
    /// `slot_doc[slot]`: the document of each row (also for tombstones).
    slot_doc: Vec<DocId>,
    /// Tombstone bitset over slots.
    deleted: Vec<u64>,
    n_deleted: usize,
    /// The live slot of each document with a vector. A map, not a vector
    /// indexed by `DocId`, so that memory follows the number of rows even
    /// for gapped (or hostile, in persisted data) ids.
    doc_slot: HashMap<DocId, u32>,
}

impl VectorStore {
    pub(crate) fn new(dim: usize) -> Self {
        VectorStore {
            dim,
            data: Vec::new(),
            slot_doc: Vec::new(),
            deleted: Vec::new(),
            n_deleted: 0,
            doc_slot: HashMap::new(),
        }
    }

    /// Rebuilds a store from validated parts.
    pub(crate) fn from_parts(
        dim: usize,
        data: Vec<f32>,
        slot_doc: Vec<DocId>,
        dead: &[u32],
    ) -> Self {
        let mut store = VectorStore::new(dim);
        store.data = data;
        store.deleted = vec![0; slot_doc.len().div_ceil(64)];
        store.slot_doc = slot_doc;
        for &s in dead {
            store.mark_deleted(s);
        }
        for (slot, doc) in store.slot_doc.iter().enumerate() {
            if !is_set(&store.deleted, slot) {
                store.doc_slot.insert(*doc, slot as u32);
            }
        }
        store
    }

    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    pub(crate) fn len_slots(&self) -> usize {
        self.slot_doc.len()
    }

    pub(crate) fn len_live(&self) -> usize {
        self.slot_doc.len() - self.n_deleted
    }

    pub(crate) fn n_deleted(&self) -> usize {
        self.n_deleted
    }

    #[inline]
    pub(crate) fn row(&self, slot: u32) -> &[f32] {
        let start = slot as usize * self.dim;
        &self.data[start..start + self.dim]
    }

    #[inline]
    pub(crate) fn doc(&self, slot: u32) -> DocId {
        self.slot_doc[slot as usize]
    }

    #[inline]
    pub(crate) fn is_deleted(&self, slot: u32) -> bool {
        is_set(&self.deleted, slot as usize)
    }

    pub(crate) fn slot_of(&self, doc: DocId) -> Option<u32> {
        self.doc_slot.get(&doc).copied()
    }

    /// Appends a live row for `doc` (which must have no live row) and returns its slot.
    pub(crate) fn push(&mut self, doc: DocId, v: &[f32]) -> u32 {
        let slot = self.slot_doc.len() as u32;
        self.data.extend_from_slice(v);
        self.slot_doc.push(doc);
        if self.deleted.len() * 64 < self.slot_doc.len() {
            self.deleted.push(0);
        }
        self.doc_slot.insert(doc, slot);
        slot
    }

    /// Tombstones the live row of `doc`; returns whether there was one.
    pub(crate) fn remove(&mut self, doc: DocId) -> bool {
        match self.doc_slot.remove(&doc) {
            Some(slot) => {
                self.mark_deleted(slot);
                true
            }
            None => false,
        }
    }

    fn mark_deleted(&mut self, slot: u32) {
        let (w, b) = (slot as usize / 64, slot as usize % 64);
        if self.deleted[w] & (1 << b) == 0 {
            self.deleted[w] |= 1 << b;
            self.n_deleted += 1;
        }
    }

    /// Drops tombstoned rows, renumbering slots in order.
    pub(crate) fn compact(&mut self) {
        let mut out = VectorStore::new(self.dim);
        out.data.reserve(self.len_live() * self.dim);
        for slot in 0..self.len_slots() as u32 {
            if !self.is_deleted(slot) {
                out.push(self.doc(slot), self.row(slot));
            }
        }
        *self = out;
    }

    /// Parts for persistence: data, slot docs, tombstoned slots.
    pub(crate) fn parts(&self) -> (&[f32], &[DocId], Vec<u32>) {
        let dead = (0..self.len_slots() as u32)
            .filter(|&s| self.is_deleted(s))
            .collect();
        (&self.data, &self.slot_doc, dead)
    }
}

#[inline]
fn is_set(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}
