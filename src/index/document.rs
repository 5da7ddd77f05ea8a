//! Documents as callers give them: an id, text fields, an optional vector, metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::DocKey;

/// A metadata value used by filters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MetaValue {
    /// A string (matched by [`Filter::eq`](crate::index::Filter::eq) and [`Filter::any_of`](crate::index::Filter::any_of)).
    Str(String),
    /// A number (matched by [`Filter::range`](crate::index::Filter::range)).
    Num(f64),
    /// A set of tags: an equality filter matches when any tag equals the value.
    Tags(Vec<String>),
}

impl From<&str> for MetaValue {
    fn from(s: &str) -> Self {
        MetaValue::Str(s.to_string())
    }
}

impl From<String> for MetaValue {
    fn from(s: String) -> Self {
        MetaValue::Str(s)
    }
}

impl From<f64> for MetaValue {
    fn from(x: f64) -> Self {
        MetaValue::Num(x)
    }
}

impl From<i64> for MetaValue {
    fn from(x: i64) -> Self {
        MetaValue::Num(x as f64)
    }
}

impl From<Vec<String>> for MetaValue {
    fn from(tags: Vec<String>) -> Self {
        MetaValue::Tags(tags)
    }
}

/// Field name → value.
pub type Metadata = BTreeMap<String, MetaValue>;

/// A document to index.
///
/// ```
/// use twofold::index::Document;
/// let doc = Document::new("faq-17")
///     .title("Reset your password")
///     .body("Open Settings, then Account, then Reset password.")
///     .meta("lang", "en")
///     .meta("year", 2024i64);
/// assert_eq!(doc.title, "Reset your password");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The caller's id.
    pub key: DocKey,
    /// Title field (weighted by [`FieldWeights::title`](crate::index::FieldWeights)).
    pub title: String,
    /// Body field (weighted by [`FieldWeights::body`](crate::index::FieldWeights)).
    pub body: String,
    /// Dense vector, if the caller brings one (otherwise the index's embedder may make one).
    pub vector: Option<Vec<f32>>,
    /// Metadata for filtering.
    pub metadata: Metadata,
}

impl Document {
    /// A document with the given id and no content yet.
    pub fn new(key: impl Into<DocKey>) -> Self {
        Document {
            key: key.into(),
            title: String::new(),
            body: String::new(),
            vector: None,
            metadata: Metadata::new(),
        }
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the dense vector.
    pub fn vector(mut self, vector: Vec<f32>) -> Self {
        self.vector = Some(vector);
        self
    }

    /// Adds one metadata field.
    pub fn meta(mut self, field: impl Into<String>, value: impl Into<MetaValue>) -> Self {
        self.metadata.insert(field.into(), value.into());
        self
    }
}
