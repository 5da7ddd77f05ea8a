//! Vocabulary construction: fixed-vocabulary validation, document-frequency
//! pruning and `max_features` selection.

use std::collections::BTreeMap;

use super::params::{Df, VocabularyParam};
use crate::error::{Error, Result};

/// Validates a fixed vocabulary and returns its terms in column order
/// (sklearn's `_validate_vocabulary`).
///
/// # Errors
/// [`Error::DuplicateVocabularyTerm`] (list), [`Error::RepeatedVocabularyIndex`]
/// and [`Error::VocabularyIndexGap`] (map), then [`Error::EmptyFixedVocabulary`].
pub(crate) fn fixed_terms(vocabulary: &VocabularyParam) -> Result<Vec<String>> {
    let terms = match vocabulary {
        VocabularyParam::List(terms) => {
            let mut seen = std::collections::HashSet::with_capacity(terms.len());
            if let Some(duplicate) = terms.iter().find(|t| !seen.insert(t.as_str())) {
                return Err(Error::DuplicateVocabularyTerm(duplicate.clone()));
            }
            terms.clone()
        }
        VocabularyParam::Map(map) => terms_from_map(map)?,
    };
    if terms.is_empty() {
        return Err(Error::EmptyFixedVocabulary);
    }
    Ok(terms)
}

fn terms_from_map(map: &BTreeMap<String, i64>) -> Result<Vec<String>> {
    let size = map.len();
    let mut by_index: BTreeMap<i64, &str> = BTreeMap::new();
    for (term, &index) in map {
        if by_index.insert(index, term).is_some() {
            return Err(Error::RepeatedVocabularyIndex);
        }
    }
    let mut terms = Vec::with_capacity(size);
    for expected in 0..size {
        match by_index.get(&(expected as i64)) {
            Some(term) => terms.push((*term).to_string()),
            None => {
                return Err(Error::VocabularyIndexGap {
                    size,
                    missing: expected,
                })
            }
        }
    }
    Ok(terms)
}

/// What pruning needs about each candidate term, indexed by candidate position in
/// code-point (column) order.
pub(crate) struct TermStats<'a> {
    /// Documents containing the term.
    pub document_frequencies: &'a [u64],
    /// Total (binary-clipped) count over the corpus; only read with `max_features`.
    pub total_counts: &'a [u64],
}

/// The pruning rules: `min_df`, `max_df`, `max_features`.
pub(crate) struct Pruning {
    pub max_df: Df,
    pub min_df: Df,
    pub max_features: Option<u64>,
}

impl Pruning {
    /// Returns which candidates (in column order) are kept.
    ///
    /// Thresholds are sklearn's IEEE products (`min_df * n`, never rounded), and
    /// the comparison is `min <= df <= max`. `max_features` then keeps the terms
    /// with the highest total count among the survivors; ties are broken by the
    /// STABLE rule (count descending, then code-point order ascending), where
    /// sklearn's unstable numpy argsort has no fixed rule.
    ///
    /// # Errors
    /// [`Error::MaxDfBelowMinDf`] before anything is pruned, then
    /// [`Error::NoTermsRemain`] if nothing survives.
    pub fn keep_mask(&self, n_documents: u64, stats: &TermStats<'_>) -> Result<Vec<bool>> {
        let max_doc_count = self.max_df.threshold(n_documents);
        let min_doc_count = self.min_df.threshold(n_documents);
        if max_doc_count < min_doc_count {
            return Err(Error::MaxDfBelowMinDf);
        }
        let mut mask: Vec<bool> = stats
            .document_frequencies
            .iter()
            .map(|&df| {
                let df = df as f64;
                df >= min_doc_count && df <= max_doc_count
            })
            .collect();
        if let Some(limit) = self.max_features {
            limit_features(&mut mask, stats.total_counts, limit);
        }
        if !mask.contains(&true) {
            return Err(Error::NoTermsRemain);
        }
        Ok(mask)
    }
}

/// Keeps at most `limit` of the `true` entries: highest count first, ties to the
/// lower position.
fn limit_features(mask: &mut [bool], total_counts: &[u64], limit: u64) {
    let mut survivors: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if survivors.len() <= limit {
        return;
    }
    let count = |i: usize| total_counts.get(i).copied().unwrap_or(0);
    survivors.sort_by(|&a, &b| count(b).cmp(&count(a)).then(a.cmp(&b)));
    for &dropped in &survivors[limit..] {
        mask[dropped] = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, i64)]) -> VocabularyParam {
        VocabularyParam::Map(pairs.iter().map(|(t, i)| (t.to_string(), *i)).collect())
    }

    #[test]
    fn list_vocabulary_keeps_positions_and_rejects_duplicates() {
        let list = VocabularyParam::List(vec!["b".into(), "a".into()]);
        assert_eq!(fixed_terms(&list).unwrap(), vec!["b", "a"]);
        let dup = VocabularyParam::List(vec!["alpha".into(), "beta".into(), "alpha".into()]);
        assert!(
            matches!(fixed_terms(&dup), Err(Error::DuplicateVocabularyTerm(t)) if t == "alpha")
        );
        assert!(matches!(
            fixed_terms(&VocabularyParam::List(vec![])),
            Err(Error::EmptyFixedVocabulary)
        ));
    }

    #[test]
    fn map_vocabulary_uses_given_indices() {
        assert_eq!(
            fixed_terms(&map(&[("a", 1), ("z", 0)])).unwrap(),
            vec!["z", "a"]
        );
        assert!(matches!(
            fixed_terms(&map(&[("a", 0), ("b", 0)])),
            Err(Error::RepeatedVocabularyIndex)
        ));
        assert!(matches!(
            fixed_terms(&map(&[("a", 0), ("b", 2)])),
            Err(Error::VocabularyIndexGap {
                size: 2,
                missing: 1
            })
        ));
        assert!(matches!(
            fixed_terms(&map(&[("a", -1), ("b", 0)])),
            Err(Error::VocabularyIndexGap {
                size: 2,
                missing: 1
            })
        ));
        assert!(matches!(
            fixed_terms(&map(&[])),
            Err(Error::EmptyFixedVocabulary)
        ));
    }

    fn prune(
        min_df: Df,
        max_df: Df,
        max_features: Option<u64>,
        n: u64,
        dfs: &[u64],
        totals: &[u64],
    ) -> Result<Vec<bool>> {
        Pruning {
            max_df,
            min_df,
            max_features,
        }
        .keep_mask(
            n,
            &TermStats {
                document_frequencies: dfs,
                total_counts: totals,
            },
        )
    }

    #[test]
    fn df_thresholds_are_unrounded_float_products() {
        // 0.07 * 100 = 7.000000000000001: df 7 is dropped.
        let mask = prune(
            Df::Proportion(0.07),
            Df::Proportion(1.0),
            None,
            100,
            &[6, 7, 8],
            &[0; 3],
        )
        .unwrap();
        assert_eq!(mask, vec![false, false, true]);
        // 0.29 * 100 = 28.999999999999996: df 29 is kept.
        let mask = prune(
            Df::Proportion(0.29),
            Df::Proportion(1.0),
            None,
            100,
            &[28, 29],
            &[0; 2],
        )
        .unwrap();
        assert_eq!(mask, vec![false, true]);
        // max_df=1 (a count) keeps only df <= 1.
        let mask = prune(Df::Count(1), Df::Count(1), None, 5, &[1, 2], &[0; 2]).unwrap();
        assert_eq!(mask, vec![true, false]);
    }

    #[test]
    fn max_below_min_is_checked_before_pruning() {
        assert!(matches!(
            prune(Df::Count(3), Df::Proportion(1.0), None, 2, &[1], &[1]),
            Err(Error::MaxDfBelowMinDf)
        ));
        assert!(matches!(
            prune(Df::Count(1), Df::Proportion(0.0), None, 2, &[1], &[1]),
            Err(Error::MaxDfBelowMinDf)
        ));
        assert!(matches!(
            prune(Df::Count(2), Df::Proportion(1.0), None, 3, &[1, 1], &[1, 1]),
            Err(Error::NoTermsRemain)
        ));
    }

    #[test]
    fn max_features_ranks_survivors_with_stable_ties() {
        // Candidate 0 is removed by max_df even though its count is highest.
        let mask = prune(
            Df::Count(1),
            Df::Count(2),
            Some(2),
            3,
            &[3, 1, 2, 2, 1],
            &[9, 4, 4, 5, 4],
        )
        .unwrap();
        // Survivors 1..=4 with counts 4, 4, 5, 4: keep 3 (5), then the tie among
        // 1, 2, 4 goes to the lowest column, 1.
        assert_eq!(mask, vec![false, true, false, true, false]);
    }
}
