//! Metadata filters: equality, set membership, numeric ranges and their combinations.
//!
//! A filter is evaluated against a document's [`Metadata`]. The index turns
//! it into a predicate over internal ids and pushes it into both retrievers,
//! so a filtered query still returns `k` hits whenever `k` matching documents
//! exist (filters are never applied after truncation).

use serde::{Deserialize, Serialize};

use super::document::{MetaValue, Metadata};

/// A predicate over document metadata.
///
/// ```
/// use twofold::index::{Document, Filter};
/// let doc = Document::new(1u64).meta("lang", "en").meta("price", 12.5);
/// let f = Filter::eq("lang", "en").and(Filter::range("price", Some(10.0), None));
/// assert!(f.matches(&doc.metadata));
/// assert!(!Filter::eq("lang", "de").matches(&doc.metadata));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Filter {
    /// `field` equals `value` (for tags: any tag equals it).
    Eq {
        /// Metadata field.
        field: String,
        /// Required value.
        value: String,
    },
    /// `field` equals one of `values` (for tags: any tag is one of them).
    AnyOf {
        /// Metadata field.
        field: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// `field` is a number within the inclusive bounds (an absent bound is open).
    Range {
        /// Metadata field.
        field: String,
        /// Lower bound, inclusive.
        min: Option<f64>,
        /// Upper bound, inclusive.
        max: Option<f64>,
    },
    /// Every inner filter matches (an empty list matches everything).
    And(Vec<Filter>),
    /// At least one inner filter matches (an empty list matches nothing).
    Or(Vec<Filter>),
    /// The inner filter does not match.
    Not(Box<Filter>),
}

impl Filter {
    /// `field == value`.
    pub fn eq(field: impl Into<String>, value: impl Into<String>) -> Self {
        Filter::Eq {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `field ∈ values`.
    pub fn any_of<I, S>(field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Filter::AnyOf {
            field: field.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `min <= field <= max`; `None` leaves that side open.
    pub fn range(field: impl Into<String>, min: Option<f64>, max: Option<f64>) -> Self {
        Filter::Range {
            field: field.into(),
            min,
            max,
        }
    }

    /// Both `self` and `other`.
    pub fn and(self, other: Filter) -> Self {
        match self {
            Filter::And(mut all) => {
                all.push(other);
                Filter::And(all)
            }
            first => Filter::And(vec![first, other]),
        }
    }

    /// Either `self` or `other`.
    pub fn or(self, other: Filter) -> Self {
        match self {
            Filter::Or(mut any) => {
                any.push(other);
                Filter::Or(any)
            }
            first => Filter::Or(vec![first, other]),
        }
    }

    /// The negation of `self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Filter::Not(Box::new(self))
    }

    /// Whether a document with `metadata` passes. A missing field never matches
    /// `Eq`, `AnyOf` or `Range` (so `Not(Eq)` matches documents without the field).
    pub fn matches(&self, metadata: &Metadata) -> bool {
        match self {
            Filter::Eq { field, value } => metadata
                .get(field)
                .is_some_and(|v| string_matches(v, |s| s == value)),
            Filter::AnyOf { field, values } => metadata
                .get(field)
                .is_some_and(|v| string_matches(v, |s| values.iter().any(|x| x == s))),
            Filter::Range { field, min, max } => match metadata.get(field) {
                Some(MetaValue::Num(x)) => {
                    min.is_none_or(|lo| *x >= lo) && max.is_none_or(|hi| *x <= hi)
                }
                _ => false,
            },
            Filter::And(all) => all.iter().all(|f| f.matches(metadata)),
            Filter::Or(any) => any.iter().any(|f| f.matches(metadata)),
            Filter::Not(inner) => !inner.matches(metadata),
        }
    }
}

fn string_matches(value: &MetaValue, accept: impl Fn(&str) -> bool) -> bool {
    match value {
        MetaValue::Str(s) => accept(s),
        MetaValue::Tags(tags) => tags.iter().any(|t| accept(t)),
        MetaValue::Num(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Document;

    fn meta() -> Metadata {
        Document::new(1u64)
            .meta("lang", "en")
            .meta("price", 12.5)
            .meta("tags", vec!["a".to_string(), "b".to_string()])
            .metadata
    }

    #[test]
    fn equality_and_membership() {
        let m = meta();
        assert!(Filter::eq("lang", "en").matches(&m));
        assert!(!Filter::eq("lang", "EN").matches(&m));
        assert!(!Filter::eq("missing", "en").matches(&m));
        assert!(Filter::eq("tags", "b").matches(&m));
        assert!(Filter::any_of("lang", ["de", "en"]).matches(&m));
        assert!(!Filter::any_of("lang", ["de", "fr"]).matches(&m));
        assert!(!Filter::any_of("lang", Vec::<String>::new()).matches(&m));
        assert!(!Filter::eq("price", "12.5").matches(&m));
    }

    #[test]
    fn ranges_are_inclusive_and_need_numbers() {
        let m = meta();
        assert!(Filter::range("price", Some(12.5), Some(12.5)).matches(&m));
        assert!(Filter::range("price", None, Some(13.0)).matches(&m));
        assert!(!Filter::range("price", Some(12.6), None).matches(&m));
        assert!(!Filter::range("lang", None, None).matches(&m));
        assert!(!Filter::range("missing", None, None).matches(&m));
    }

    #[test]
    fn combinators() {
        let m = meta();
        assert!(Filter::And(vec![]).matches(&m));
        assert!(!Filter::Or(vec![]).matches(&m));
        assert!(Filter::eq("lang", "de")
            .or(Filter::eq("tags", "a"))
            .matches(&m));
        assert!(!Filter::eq("lang", "en")
            .and(Filter::eq("tags", "z"))
            .matches(&m));
        assert!(Filter::eq("missing", "x").not().matches(&m));
    }
}
