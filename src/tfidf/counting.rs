//! Term interning and per-document counting, parallel over document chunks.

use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
use hashbrown::DefaultHashBuilder;
use rayon::prelude::*;

use crate::analysis::Analyzer;
use crate::Result;

/// Terms with dense `u32` ids, in insertion order. The hash table stores only ids
/// and hashes the strings in `terms`, so every term is stored once.
#[derive(Clone, Default)]
pub(crate) struct Interner {
    table: HashTable<u32>,
    terms: Vec<String>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.terms.len())
            .finish()
    }
}

impl Interner {
    /// An interner over `terms`, which must be distinct; id `i` is `terms[i]`.
    pub fn from_terms(terms: Vec<String>) -> Self {
        let mut interner = Interner {
            table: HashTable::with_capacity(terms.len()),
            terms: Vec::new(),
            hasher: DefaultHashBuilder::default(),
        };
        for term in terms {
            interner.intern_owned(term);
        }
        interner
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    pub fn get(&self, term: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(term);
        let terms = &self.terms;
        self.table
            .find(hash, |&id| {
                terms.get(id as usize).is_some_and(|t| t == term)
            })
            .copied()
    }

    /// The id of `term`, moving it in if new.
    pub fn intern_owned(&mut self, term: String) -> u32 {
        let key = term;
        let key_ref: &str = &key;
        // Look up by &str; the borrow ends with `entry`, so the String can move in.
        let hash = self.hasher.hash_one(key_ref);
        let Interner {
            table,
            terms,
            hasher,
        } = self;
        let entry = table.entry(
            hash,
            |&id| terms.get(id as usize).is_some_and(|t| t == key_ref),
            |&id| {
                terms
                    .get(id as usize)
                    .map_or(0, |t| hasher.hash_one(t.as_str()))
            },
        );
        match entry {
            Entry::Occupied(occupied) => *occupied.get(),
            Entry::Vacant(vacant) => {
                let id = terms.len() as u32;
                vacant.insert(id);
                terms.push(key);
                id
            }
        }
    }
}

/// The learning-time interner: terms packed into one byte arena (no allocation
/// per term, good locality for the per-token lookups), ids in insertion order.
///
/// Each term is stored followed by a `0xFF` byte, which never occurs in UTF-8,
/// so a table slot only needs the term's start: `arena[start..start + len + 1]
/// == term ++ [0xFF]` is an exact match. Slots are 8 bytes, which keeps the
/// table small in cache. Arenas past 4 GiB fall back to a side table.
#[derive(Default)]
pub(crate) struct TermArena {
    table: HashTable<Slot>,
    arena: Vec<u8>,
    spans: Vec<(usize, usize)>,
    hasher: DefaultHashBuilder,
}

const TERMINATOR: u8 = 0xFF;

#[derive(Clone, Copy)]
struct Slot {
    /// Start of the term in the arena; `u32::MAX` means "look it up in `spans`".
    start: u32,
    id: u32,
}

impl Slot {
    fn start(self, spans: &[(usize, usize)]) -> usize {
        if self.start == u32::MAX {
            spans
                .get(self.id as usize)
                .map_or(usize::MAX, |&(start, _)| start)
        } else {
            self.start as usize
        }
    }

    fn matches(self, arena: &[u8], spans: &[(usize, usize)], term: &[u8]) -> bool {
        let start = self.start(spans);
        let Some(stored) = arena.get(start..start.saturating_add(term.len() + 1)) else {
            return false;
        };
        stored.last() == Some(&TERMINATOR) && stored.get(..term.len()) == Some(term)
    }
}

impl TermArena {
    /// An empty arena sized for about `terms` distinct terms.
    fn with_capacity(terms: usize) -> Self {
        TermArena {
            table: HashTable::with_capacity(terms),
            arena: Vec::with_capacity(terms * 9),
            spans: Vec::with_capacity(terms),
            hasher: DefaultHashBuilder::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The term with id `id` (empty if out of range).
    pub fn term(&self, id: u32) -> &str {
        term_text(&self.arena, &self.spans, id)
    }

    /// The UTF-8 bytes of term `id`; byte order is code-point order, so sorting
    /// by these sorts like Python `str`.
    pub fn term_bytes(&self, id: u32) -> &[u8] {
        self.spans
            .get(id as usize)
            .and_then(|&(start, end)| self.arena.get(start..end))
            .unwrap_or(&[])
    }

    /// The id of `term`, appending it to the arena if new.
    pub fn intern(&mut self, term: &str) -> u32 {
        let hash = self.hasher.hash_one(term);
        let TermArena {
            table,
            arena,
            spans,
            hasher,
        } = self;
        let bytes = term.as_bytes();
        let entry = table.entry(
            hash,
            |slot| slot.matches(arena, spans, bytes),
            |slot| hasher.hash_one(term_text(arena, spans, slot.id)),
        );
        match entry {
            Entry::Occupied(occupied) => occupied.get().id,
            Entry::Vacant(vacant) => {
                let id = spans.len() as u32;
                let start = arena.len();
                arena.extend_from_slice(bytes);
                spans.push((start, arena.len()));
                arena.push(TERMINATOR);
                let start = u32::try_from(start).ok().filter(|&s| s != u32::MAX);
                vacant.insert(Slot {
                    start: start.unwrap_or(u32::MAX),
                    id,
                });
                id
            }
        }
    }
}

fn term_text<'a>(arena: &'a [u8], spans: &[(usize, usize)], id: u32) -> &'a str {
    spans
        .get(id as usize)
        .and_then(|&(start, end)| arena.get(start..end))
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or("")
}

/// Per-document `(term id, count)` entries, row after row (CSR without values).
#[derive(Debug, Default)]
pub(crate) struct CountRows {
    /// `offsets[d]..offsets[d + 1]` are document `d`'s entries; `len = n_docs + 1`.
    pub offsets: Vec<usize>,
    pub ids: Vec<u32>,
    pub counts: Vec<u32>,
}

impl CountRows {
    fn new() -> Self {
        CountRows {
            offsets: vec![0],
            ids: Vec::new(),
            counts: Vec::new(),
        }
    }

    pub fn n_rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Entries of row `row` as `(ids, counts)`; empty if out of range.
    pub fn row(&self, row: usize) -> (&[u32], &[u32]) {
        let start = self.offsets.get(row).copied().unwrap_or(0);
        let end = self.offsets.get(row + 1).copied().unwrap_or(start);
        (
            self.ids.get(start..end).unwrap_or(&[]),
            self.counts.get(start..end).unwrap_or(&[]),
        )
    }

    fn end_row(&mut self) {
        self.offsets.push(self.ids.len());
    }

    /// Appends `other`'s rows after this one's.
    fn append(&mut self, other: CountRows) {
        let base = self.ids.len();
        self.offsets
            .extend(other.offsets.iter().skip(1).map(|&o| o + base));
        self.ids.extend_from_slice(&other.ids);
        self.counts.extend_from_slice(&other.counts);
    }

    /// Concatenates chunks in order.
    fn concat(chunks: Vec<CountRows>) -> CountRows {
        let nnz = chunks.iter().map(|c| c.ids.len()).sum();
        let rows = chunks.iter().map(CountRows::n_rows).sum::<usize>() + 1;
        let mut all = CountRows {
            offsets: Vec::with_capacity(rows),
            ids: Vec::with_capacity(nnz),
            counts: Vec::with_capacity(nnz),
        };
        all.offsets.push(0);
        for chunk in chunks {
            all.append(chunk);
        }
        all
    }
}

/// Document chunks for rayon: a few per thread, so a slow chunk does not stall
/// the others, but few enough that merging chunk vocabularies stays cheap.
fn chunk_len(n_docs: usize) -> usize {
    let chunks = (rayon::current_num_threads() * 2).max(1);
    n_docs.div_ceil(chunks).max(64)
}

/// Learned-vocabulary counts: provisional ids are the terms' global
/// first-occurrence order over the corpus (sklearn's `_count_vocab` ids).
pub(crate) struct LearnedCounts {
    pub vocabulary: TermArena,
    /// Entries per document in no particular order within a row.
    pub rows: CountRows,
}

struct ChunkCounts {
    vocabulary: TermArena,
    rows: CountRows,
}

/// Analyzes and counts every document, learning the vocabulary.
///
/// # Errors
/// [`Error::TokenPatternRuntime`](crate::Error::TokenPatternRuntime) when a
/// custom token pattern fails on a document (no document is counted partially).
pub(crate) fn count_learned<S: AsRef<str> + Sync>(
    analyzer: &Analyzer,
    docs: &[S],
) -> Result<LearnedCounts> {
    let chunks: Vec<ChunkCounts> = docs
        .par_chunks(chunk_len(docs.len()))
        .map(|chunk| count_chunk(analyzer, chunk))
        .collect::<Result<_>>()?;
    Ok(merge_chunks(chunks))
}

fn count_chunk<S: AsRef<str>>(analyzer: &Analyzer, docs: &[S]) -> Result<ChunkCounts> {
    // Pre-size from the chunk's text: about one distinct term per 300 bytes and one
    // (document, term) entry per 12 bytes on English prose; saves rehashing.
    let bytes: usize = docs.iter().map(|d| d.as_ref().len()).sum();
    let mut vocabulary = TermArena::with_capacity((bytes / 300).clamp(1024, 1 << 20));
    let mut rows = CountRows::new();
    rows.ids.reserve(bytes / 12);
    rows.counts.reserve(bytes / 12);
    let mut tally: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    for doc in docs {
        analyzer.try_for_each_term(doc.as_ref(), &mut |term| {
            let id = vocabulary.intern(term);
            if id as usize >= tally.len() {
                tally.resize(id as usize + 1, 0);
            }
            if let Some(slot) = tally.get_mut(id as usize) {
                if *slot == 0 {
                    touched.push(id);
                }
                *slot = slot.saturating_add(1);
            }
        })?;
        for &id in &touched {
            if let Some(slot) = tally.get_mut(id as usize) {
                rows.ids.push(id);
                rows.counts.push(std::mem::take(slot));
            }
        }
        touched.clear();
        rows.end_row();
    }
    Ok(ChunkCounts { vocabulary, rows })
}

/// Merges chunk vocabularies in document order, so global ids follow global
/// first occurrence, and rewrites every chunk's ids.
fn merge_chunks(chunks: Vec<ChunkCounts>) -> LearnedCounts {
    let mut chunks = chunks.into_iter();
    let Some(first) = chunks.next() else {
        return LearnedCounts {
            vocabulary: TermArena::default(),
            rows: CountRows::new(),
        };
    };
    let mut vocabulary = first.vocabulary;
    let mut remapped = vec![first.rows];
    let mut pending = Vec::new();
    for chunk in chunks {
        let local = &chunk.vocabulary;
        let remap: Vec<u32> = (0..local.len() as u32)
            .map(|id| vocabulary.intern(local.term(id)))
            .collect();
        pending.push((chunk.rows, remap));
    }
    remapped.extend(
        pending
            .into_par_iter()
            .map(|(mut rows, remap)| {
                for id in &mut rows.ids {
                    *id = remap.get(*id as usize).copied().unwrap_or(*id);
                }
                rows
            })
            .collect::<Vec<_>>(),
    );
    LearnedCounts {
        vocabulary,
        rows: CountRows::concat(remapped),
    }
}

/// Counts with a known vocabulary (fixed, or fitted): unknown terms are skipped and
/// each row's entries are in ascending id (column) order.
///
/// # Errors
/// [`Error::TokenPatternRuntime`](crate::Error::TokenPatternRuntime) when a
/// custom token pattern fails on a document (no document is counted partially).
pub(crate) fn count_known<S: AsRef<str> + Sync>(
    analyzer: &Analyzer,
    vocabulary: &Interner,
    docs: &[S],
) -> Result<CountRows> {
    let chunks: Vec<CountRows> = docs
        .par_chunks(chunk_len(docs.len()))
        .map(|chunk| {
            let mut rows = CountRows::new();
            let mut ids = Vec::new();
            for doc in chunk {
                count_known_doc(analyzer, vocabulary, doc.as_ref(), &mut ids, &mut rows)?;
            }
            Ok(rows)
        })
        .collect::<Result<_>>()?;
    Ok(if chunks.is_empty() {
        CountRows::new()
    } else {
        CountRows::concat(chunks)
    })
}

/// One document: collect known ids, sort, run-length encode.
fn count_known_doc(
    analyzer: &Analyzer,
    vocabulary: &Interner,
    doc: &str,
    ids: &mut Vec<u32>,
    rows: &mut CountRows,
) -> Result<()> {
    ids.clear();
    analyzer.try_for_each_term(doc, &mut |term| {
        if let Some(id) = vocabulary.get(term) {
            ids.push(id);
        }
    })?;
    ids.sort_unstable();
    for run in ids.chunk_by(|a, b| a == b) {
        if let Some(&id) = run.first() {
            rows.ids.push(id);
            rows.counts
                .push(u32::try_from(run.len()).unwrap_or(u32::MAX));
        }
    }
    rows.end_row();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalyzerConfig;

    fn analyzer() -> Analyzer {
        Analyzer::new(AnalyzerConfig::default()).unwrap()
    }

    #[test]
    fn interner_assigns_dense_ids_once() {
        let mut interner = Interner::from_terms(vec!["b".into(), "a".into()]);
        assert_eq!(interner.intern_owned("b".to_string()), 0);
        assert_eq!(interner.len(), 2);
        let mut arena = TermArena::default();
        assert_eq!(arena.intern("b"), 0);
        assert_eq!(arena.intern("a"), 1);
        assert_eq!(arena.intern("b"), 0);
        assert_eq!((arena.term(1), arena.term(9)), ("a", ""));
        assert_eq!(interner.get("a"), Some(1));
        assert_eq!(interner.get("c"), None);
        assert_eq!(interner.terms(), ["b", "a"]);
    }

    #[test]
    fn learned_ids_follow_global_first_occurrence_across_chunks() {
        // 200 documents force several chunks; ids must not depend on chunking.
        let docs: Vec<String> = (0..200)
            .map(|i| format!("w{i} common w{}", i / 2))
            .collect();
        let counts = count_learned(&analyzer(), &docs).unwrap();
        let mut expected = Vec::new();
        for doc in &docs {
            for term in analyzer().terms(doc) {
                if !expected.contains(&term) {
                    expected.push(term);
                }
            }
        }
        let learned: Vec<&str> = (0..counts.vocabulary.len() as u32)
            .map(|id| counts.vocabulary.term(id))
            .collect();
        assert_eq!(learned, expected);
        assert_eq!(counts.rows.n_rows(), 200);
        let (ids, tallies) = counts.rows.row(4);
        let terms: Vec<_> = ids.iter().map(|&i| expected[i as usize].as_str()).collect();
        assert_eq!(terms, ["w4", "common", "w2"]);
        assert_eq!(tallies, [1, 1, 1]);
    }

    #[test]
    fn known_counts_skip_unknown_terms_and_sort_ids() {
        let vocabulary = Interner::from_terms(vec!["zeta".into(), "alpha".into()]);
        let rows = count_known(
            &analyzer(),
            &vocabulary,
            &["alpha zeta alpha other", "", "none"],
        )
        .unwrap();
        assert_eq!(rows.row(0), (&[0, 1][..], &[1, 2][..]));
        assert_eq!(rows.row(1), (&[][..], &[][..]));
        assert_eq!(rows.row(2), (&[][..], &[][..]));
    }
}
