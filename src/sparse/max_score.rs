//! Document-at-a-time MaxScore (Turtle & Flood, "Query evaluation: strategies and
//! optimizations", IPM 1995), exact.
//!
//! Each query term `t` has an upper bound `U_t = max_d q_t · w_{t,d}` of what it can add to a
//! score. Terms are sorted by `U_t` ascending; once `k` hits are held with threshold `θ`, the
//! longest prefix of terms whose bounds sum below `θ` is *non-essential*: a document containing
//! only those terms cannot enter. Candidates therefore come only from the essential lists,
//! and the non-essential lists are probed (by galloping search) only while
//! `partial score + remaining bounds ≥ θ`.
//!
//! The final score of every candidate is re-summed in ascending term order, so it is
//! bit-identical to the exhaustive method and to `sprs`'s `&csr * &csvec`. Pruning compares
//! against `θ` minus a tiny relative slack, so a rounding difference in the bound sums can
//! never drop a document that belongs in the top k.

use super::postings::PostingList;
use super::query::QueryTerms;
use super::scratch::SearchScratch;
use super::top_k::TopK;
use super::DocIdx;

/// A document whose bound is within this relative distance of the threshold is still scored.
const PRUNING_SLACK: f64 = 1e-9;

/// A position in one query term's posting list.
struct Cursor<'a> {
    docs: &'a [DocIdx],
    weights: &'a [f64],
    position: usize,
    query_weight: f64,
    bound: f64,
    /// The term's position among the query's terms (ascending term order).
    slot: usize,
}

impl Cursor<'_> {
    fn current(&self) -> Option<DocIdx> {
        self.docs.get(self.position).copied()
    }

    fn contribution(&self) -> f64 {
        self.weights.get(self.position).copied().unwrap_or(0.0) * self.query_weight
    }

    /// Moves to the first posting with id ≥ `target` (galloping, then binary search).
    fn seek(&mut self, target: DocIdx) -> Option<DocIdx> {
        let rest = self.docs.get(self.position..).unwrap_or(&[]);
        let mut bound = 1;
        while bound < rest.len() && rest[bound] < target {
            bound *= 2;
        }
        let low = bound / 2;
        let high = (bound + 1).min(rest.len());
        let window = rest.get(low..high).unwrap_or(&[]);
        self.position += low + window.partition_point(|&doc| doc < target);
        self.current()
    }
}

fn floor(threshold: f64) -> f64 {
    threshold - PRUNING_SLACK * (1.0 + threshold.abs())
}

/// Exact top-k with MaxScore pruning. `live` decides whether a document may be returned.
pub(crate) fn search(
    postings: &[PostingList],
    query: &QueryTerms,
    k: usize,
    live: &dyn Fn(DocIdx) -> bool,
    scratch: &mut SearchScratch,
) -> Vec<(DocIdx, f64)> {
    let mut cursors = cursors(postings, query);
    let cumulative: Vec<f64> = cursors
        .iter()
        .scan(0.0, |sum, c| {
            *sum += c.bound;
            Some(*sum)
        })
        .collect();
    let SearchScratch {
        contributions,
        touched: matched_slots,
        ..
    } = scratch;
    contributions.clear();
    contributions.resize(query.terms.len(), 0.0);
    matched_slots.clear();

    let mut top = TopK::new(k);
    let mut first_essential = 0;
    while let Some(doc) = next_candidate(&cursors[first_essential..]) {
        let (essential, optional) = split(&mut cursors, first_essential);
        let mut partial = 0.0;
        for cursor in essential.iter_mut() {
            if cursor.current() == Some(doc) {
                let value = cursor.contribution();
                contributions[cursor.slot] = value;
                matched_slots.push(cursor.slot as u32);
                partial += value;
                cursor.position += 1;
            }
        }
        let floor = floor(top.threshold());
        let complete = probe_optional(
            optional,
            &cumulative,
            doc,
            &mut partial,
            floor,
            contributions,
            matched_slots,
        );
        if complete && partial >= floor {
            // Canonical order: the same additions as the exhaustive method and sprs.
            matched_slots.sort_unstable();
            let score = matched_slots
                .iter()
                .fold(0.0, |sum, &slot| sum + contributions[slot as usize]);
            if score > 0.0 && top.would_accept(score, doc) && live(doc) && top.push(score, doc) {
                let floor = self::floor(top.threshold());
                while cumulative
                    .get(first_essential)
                    .is_some_and(|&bound| bound < floor)
                {
                    first_essential += 1;
                }
            }
        }
        for &slot in matched_slots.iter() {
            contributions[slot as usize] = 0.0;
        }
        matched_slots.clear();
    }
    top.into_sorted()
}

/// Cursors for the query terms that have postings, sorted by bound ascending.
fn cursors<'a>(postings: &'a [PostingList], query: &QueryTerms) -> Vec<Cursor<'a>> {
    let mut cursors: Vec<Cursor<'a>> = query
        .terms
        .iter()
        .enumerate()
        .filter_map(|(slot, &(term, query_weight))| {
            let list = postings.get(term as usize)?;
            Some(Cursor {
                docs: list.docs(),
                weights: list.weights(),
                position: 0,
                query_weight,
                bound: list.contribution_bound(query_weight),
                slot,
            })
        })
        .filter(|c| !c.docs.is_empty())
        .collect();
    cursors.sort_by(|a, b| a.bound.total_cmp(&b.bound).then(a.slot.cmp(&b.slot)));
    cursors
}

fn split<'c, 'a>(
    cursors: &'c mut [Cursor<'a>],
    first_essential: usize,
) -> (&'c mut [Cursor<'a>], &'c mut [Cursor<'a>]) {
    let (optional, essential) = cursors.split_at_mut(first_essential);
    (essential, optional)
}

/// The smallest current document over the essential cursors.
fn next_candidate(essential: &[Cursor<'_>]) -> Option<DocIdx> {
    essential.iter().filter_map(Cursor::current).min()
}

/// Adds the non-essential terms' contributions for `doc`, highest bound first, and gives up
/// (returns `false`) as soon as the partial score plus the remaining bounds falls below
/// `floor`.
fn probe_optional(
    optional: &mut [Cursor<'_>],
    cumulative: &[f64],
    doc: DocIdx,
    partial: &mut f64,
    floor: f64,
    contributions: &mut [f64],
    matched_slots: &mut Vec<u32>,
) -> bool {
    for (cursor, &remaining) in optional.iter_mut().zip(cumulative).rev() {
        if *partial + remaining < floor {
            return false;
        }
        if cursor.seek(doc) == Some(doc) {
            let value = cursor.contribution();
            contributions[cursor.slot] = value;
            matched_slots.push(cursor.slot as u32);
            *partial += value;
        }
    }
    true
}
