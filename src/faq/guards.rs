//! Guards against false hits: the dual gate, the runner-up margin and the lexical veto.
//!
//! Each guard looks at the ranked candidates of one lookup after the threshold
//! has passed and either lets the best one through or names why not.

// foldhash sets (hashbrown's default hasher): the veto builds and compares a
// few small string sets per lookup, where SipHash showed in profiles.
use hashbrown::{HashMap, HashSet};

use super::config::{DualGate, LexicalVeto};
use super::entry::{EntryId, FaqEntry};
use super::lookup::{Refusal, Side, VetoReason};
use crate::analysis::AnalyzerKind;
use crate::ids::DocId;
use crate::index::terms::QueryAnalysis;
use crate::index::Index;
use crate::query::Mode;

/// A candidate entry as ranked by a lookup (one per entry, its best phrasing).
#[derive(Clone, Debug)]
pub(crate) struct Scored<'a> {
    pub entry: EntryId,
    /// The index document of the matched phrasing.
    pub doc: DocId,
    /// The matched phrasing's document key (never reused by the cache).
    pub key: u64,
    /// The entry (its phrasings are only read for the few candidates whose
    /// question is needed: each read is a cache miss).
    pub stored: &'a FaqEntry,
    pub answer: &'a str,
    pub score: f64,
    pub sparse: Option<f64>,
    pub dense: Option<f64>,
}

impl<'a> Scored<'a> {
    /// The matched phrasing's text.
    pub fn question(&self) -> &'a str {
        self.stored.phrasing_text(self.key)
    }
}

/// Both sides must pass their own gate; only sides that ran are checked.
pub(crate) fn dual_gate(gate: &DualGate, best: &Scored, mode_used: Mode) -> Option<Refusal> {
    if matches!(mode_used, Mode::Sparse | Mode::Hybrid)
        && !best.sparse.is_some_and(|s| s >= gate.sparse)
    {
        return Some(Refusal::DualGate {
            side: Side::Sparse,
            score: best.sparse,
            min: gate.sparse,
        });
    }
    if matches!(mode_used, Mode::Dense | Mode::Hybrid)
        && !best.dense.is_some_and(|s| s >= gate.dense)
    {
        return Some(Refusal::DualGate {
            side: Side::Dense,
            score: best.dense,
            min: gate.dense,
        });
    }
    None
}

/// The best entry with a different answer than `ranked[0]`, and the gap to it.
pub(crate) fn runner_up(ranked: &[Scored]) -> Option<(EntryId, f64)> {
    let (best, rest) = ranked.split_first()?;
    rest.iter()
        .find(|c| c.entry != best.entry && c.answer != best.answer)
        .map(|c| (c.entry, best.score - c.score))
}

/// Refuses when the runner-up with a different answer is within `delta`.
pub(crate) fn margin(delta: f64, runner_up: Option<(EntryId, f64)>) -> Option<Refusal> {
    let (entry, gap) = runner_up?;
    (gap < delta).then_some(Refusal::Margin {
        runner_up: entry,
        gap,
        required: delta,
    })
}

/// What the lexical veto compares of a stored question: its words and the
/// index analyzer's terms. Depends only on the text and the index's analyzer
/// (fixed for an index), so it is computed once per phrasing and reused (see
/// `FaqCache`'s analysis memo).
#[derive(Debug)]
pub(crate) struct Analysed {
    /// The text analysed (a memo hit is checked against it).
    pub text: String,
    /// Lowercased words (see [`Words`]).
    words: Words,
    /// What [`word_overlap`] compares of them.
    content: HashSet<String>,
    /// The index analyzer's terms, when a term-level check runs on a word analyzer.
    terms: HashSet<String>,
}

impl Analysed {
    pub(crate) fn new(veto: &LexicalVeto, index: &Index, text: &str) -> Self {
        let terms = if checks_terms(veto, index) {
            index.analyzer().terms(text).into_iter().collect()
        } else {
            HashSet::new()
        };
        let words = Words::new(text);
        let content = content_words(&words);
        Analysed {
            text: text.to_string(),
            words,
            content,
            terms,
        }
    }
}

/// The incoming question as the lexical veto compares it, analysed once per
/// lookup, with each term's idf looked up once (the index does not change
/// during a lookup).
pub(crate) struct Question<'a> {
    text: &'a str,
    /// Lowercased words (see [`Words`]).
    words: Words,
    /// Indices into `words` of its distinct [`content_words`] (compared by
    /// [`word_overlap`] with a stored question's set).
    content: Vec<usize>,
    /// The index analyzer's terms (as in [`Analysed`]) with their idf
    /// (`None`: unknown to the index).
    terms: HashMap<&'a str, Option<f64>>,
}

impl<'a> Question<'a> {
    /// `analysis` is the index's analysis of `text` (needed when
    /// [`checks_terms`], else unused).
    pub(crate) fn new(
        veto: &LexicalVeto,
        index: &Index,
        text: &'a str,
        analysis: Option<&'a QueryAnalysis>,
    ) -> Self {
        let terms = match analysis {
            Some(analysis) if checks_terms(veto, index) => analysis
                .terms
                .iter()
                .map(|(t, id)| (t.as_str(), id.and_then(|id| index.idf_of_id(id))))
                .collect(),
            _ => HashMap::new(),
        };
        let words = Words::new(text);
        let content = distinct_content(&words);
        Question {
            text,
            words,
            content,
            terms,
        }
    }
}

/// Whether the term-level checks (substitution, contrast term) run: they
/// compare the index analyzer's terms, which needs a word analyzer.
pub(crate) fn checks_terms(veto: &LexicalVeto, index: &Index) -> bool {
    (veto.substitutions || veto.contrast_terms) && word_terms(index)
}

fn word_terms(index: &Index) -> bool {
    index.config().tfidf.analyzer == AnalyzerKind::Word
}

/// Refuses when the query and the best candidate differ in a number, in
/// negation, or in a rare term that points to another candidate.
///
/// A number present on both sides but different always vetoes ("7 days" vs
/// "14 days"); a number or a negation on one side only vetoes when the rest of
/// the two questions agree (word-set Jaccard ≥ [`LexicalVeto::min_overlap`]),
/// so "my delivery is 3 days late" still matches "what if my delivery is late?"
/// and "I can't make my appointment, cancel it" still matches "how do I cancel
/// an appointment?", while "turn off X" does not match "turn on X".
///
/// `best` is the analysis of `ranked[0]`'s question.
pub(crate) fn lexical_veto(
    veto: &LexicalVeto,
    index: &Index,
    query: &Question,
    ranked: &[Scored],
    best: &Analysed,
) -> Option<Refusal> {
    let overlap = word_overlap(
        query.content.iter().map(|&i| query.words.get(i)),
        &best.content,
    );
    if veto.numbers {
        if let Some(term) = differing_number(query.text, &best.text, overlap >= veto.min_overlap) {
            return Some(Refusal::LexicalVeto {
                term,
                reason: VetoReason::Number,
            });
        }
    }
    if veto.negations && overlap >= veto.min_overlap {
        if let Some(term) = differing_negation(&query.words, &best.words) {
            return Some(Refusal::LexicalVeto {
                term,
                reason: VetoReason::Negation,
            });
        }
    }
    let word_terms = word_terms(index);
    if veto.substitutions && word_terms && overlap >= veto.min_overlap {
        if let Some(refusal) = substitution(veto.min_idf, index, &query.terms, &best.terms) {
            return Some(refusal);
        }
    }
    if veto.contrast_terms && word_terms {
        return contrast_term(veto, index, &query.terms, &best.terms, ranked);
    }
    None
}

/// The rest agrees, but a rare stored term is swapped for another term
/// ("pneumonia vaccine" for "shingles vaccine"): the query has a term the
/// stored question lacks that is unknown to the index or has idf ≥ `min_idf`,
/// and the stored question has a term with idf ≥ `min_idf` that the query lacks.
fn substitution(
    min_idf: f64,
    index: &Index,
    query_terms: &HashMap<&str, Option<f64>>,
    stored_terms: &HashSet<String>,
) -> Option<Refusal> {
    let rare = |t: &String| index.idf(t).is_some_and(|idf| idf >= min_idf);
    let mut replaced: Vec<&String> = stored_terms
        .iter()
        .filter(|t| !query_terms.contains_key(t.as_str()) && rare(t))
        .collect();
    replaced.sort();
    let replaced = replaced.first()?;
    let mut added: Vec<&str> = query_terms
        .iter()
        .filter(|(t, idf)| !stored_terms.contains(**t) && idf.is_none_or(|idf| idf >= min_idf))
        .map(|(t, _)| *t)
        .collect();
    added.sort();
    added.first().map(|term| Refusal::LexicalVeto {
        term: (*term).to_string(),
        reason: VetoReason::Substitution {
            replaced: (*replaced).clone(),
        },
    })
}

/// Jaccard similarity of two questions' [`content_words`], the first's
/// given as distinct words.
fn word_overlap<'w>(a: impl ExactSizeIterator<Item = &'w str>, b: &HashSet<String>) -> f64 {
    let len = a.len();
    let shared = a.filter(|w| b.contains(*w)).count();
    let union = len + b.len() - shared;
    if union == 0 {
        return 1.0;
    }
    shared as f64 / union as f64
}

/// A question's word set leaving out numbers, negations and "on" (the words
/// the veto itself compares).
fn content_words(words: &Words) -> HashSet<String> {
    distinct_content(words)
        .into_iter()
        .map(|i| words.get(i).to_string())
        .collect()
}

/// Indices of the first occurrence of each of [`content_words`] in `words`.
fn distinct_content(words: &Words) -> Vec<usize> {
    let mut seen: HashSet<&str> = HashSet::with_capacity(words.len());
    let mut distinct = Vec::with_capacity(words.len());
    distinct.extend(
        words
            .iter()
            .enumerate()
            .filter(|&(_, w)| is_content(w) && seen.insert(w))
            .map(|(i, _)| i),
    );
    distinct
}

fn is_content(word: &str) -> bool {
    !is_negation(word) && word != "on" && !word.chars().any(|c| c.is_ascii_digit())
}

/// A question's lowercased words: letters, digits and inner apostrophes
/// (’ read as '), kept as spans of one lowercased copy of the text (this runs
/// on every hit's question: one allocation instead of one per word).
#[derive(Debug)]
pub(crate) struct Words {
    lower: String,
    spans: Vec<(usize, usize)>,
}

impl Words {
    fn new(text: &str) -> Self {
        let mut lower = String::with_capacity(text.len());
        let mut spans = Vec::with_capacity(text.len() / 4);
        let mut start = 0;
        let mut end_word = |lower: &mut String, start: &mut usize| {
            let word = &lower[*start..];
            let trimmed = word.trim_start_matches('\'');
            let first = *start + (word.len() - trimmed.len());
            let last = first + trimmed.trim_end_matches('\'').len();
            if last > first {
                spans.push((first, last));
            }
            lower.push(' ');
            *start = lower.len();
        };
        if text.is_ascii() {
            // The same rules byte by byte: ASCII lowercasing and ASCII
            // alphanumerics are what the general path does on ASCII text
            // (most questions), at a fraction of its per-character cost.
            for b in text.bytes() {
                if b.is_ascii_alphanumeric() || b == b'\'' {
                    lower.push(char::from(b.to_ascii_lowercase()));
                } else {
                    end_word(&mut lower, &mut start);
                }
            }
        } else {
            // `str::to_lowercase`, not per char: it lowercases a final sigma as such.
            for c in text.to_lowercase().chars() {
                if c.is_alphanumeric() {
                    lower.push(c);
                } else if c == '\'' || c == '\u{2019}' {
                    lower.push('\'');
                } else {
                    end_word(&mut lower, &mut start);
                }
            }
        }
        end_word(&mut lower, &mut start);
        Words { lower, spans }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, i: usize) -> &str {
        self.spans
            .get(i)
            .and_then(|&(a, b)| self.lower.get(a..b))
            .unwrap_or("")
    }

    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Maximal runs of ASCII digits.
fn numbers(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if !current.is_empty() {
            out.insert(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.insert(current);
    }
    out
}

/// A number in one question and not the other: always when both sides have
/// numbers, else only when `one_sided` is allowed.
fn differing_number(query: &str, stored: &str, one_sided: bool) -> Option<String> {
    let (q, s) = (numbers(query), numbers(stored));
    if !one_sided && (q.is_empty() || s.is_empty()) {
        return None;
    }
    let mut diff: Vec<&String> = q.symmetric_difference(&s).collect();
    diff.sort();
    diff.first().map(|n| (*n).clone())
}

/// Negation words (besides any word ending in "n't").
fn is_negation(word: &str) -> bool {
    // A `match` compiles to a dispatch on length and bytes: this runs for every
    // word of both questions on every hit, where a scan of a word list showed.
    word.ends_with("n't")
        || matches!(
            word,
            "not"
                | "no"
                | "never"
                | "off"
                | "without"
                | "cannot"
                | "none"
                | "nothing"
                | "neither"
                | "nor"
                | "nobody"
                | "nowhere"
                | "dont"
                | "doesnt"
                | "didnt"
                | "isnt"
                | "arent"
                | "wasnt"
                | "werent"
                | "cant"
                | "couldnt"
                | "wont"
                | "wouldnt"
                | "shouldnt"
                | "havent"
                | "hasnt"
                | "hadnt"
                | "aint"
        )
}

fn first_negation(words: &Words) -> Option<&str> {
    words.iter().find(|w| is_negation(w))
}

/// The negation word of the side that has one, when exactly one side does.
fn differing_negation(query: &Words, stored: &Words) -> Option<String> {
    match (first_negation(query), first_negation(stored)) {
        (Some(word), None) | (None, Some(word)) => Some(word.to_string()),
        _ => None,
    }
}

/// A query term with idf ≥ `min_idf` that the best question lacks but a close
/// rival (different answer, score ≥ `rival_ratio` × the best score) contains.
fn contrast_term(
    veto: &LexicalVeto,
    index: &Index,
    query_terms: &HashMap<&str, Option<f64>>,
    best_terms: &HashSet<String>,
    ranked: &[Scored],
) -> Option<Refusal> {
    let (best, others) = ranked.split_first()?;
    // The rare query terms the best question lacks, first: usually there are
    // none, and then no rival is looked at.
    let mut missing: Vec<(&str, f64)> = query_terms
        .iter()
        .filter(|(t, _)| !best_terms.contains(**t))
        .filter_map(|(t, idf)| Some((*t, idf.filter(|&idf| idf >= veto.min_idf)?)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    missing.sort_by(|a, b| a.0.cmp(b.0));
    let mut rivals: Vec<&Scored> = Vec::with_capacity(others.len());
    rivals.extend(
        others
            .iter()
            .filter(|c| c.answer != best.answer && c.score >= veto.rival_ratio * best.score),
    );
    // A missing term has an idf, so it is in the vocabulary (which only the
    // phrasings feed), and a rival holds it exactly when the rival's indexed
    // row does: a look-up per rival instead of analysing its question.
    for (term, idf) in missing {
        if let Some(other) = rivals.iter().find(|c| index.has_term(c.doc, term)) {
            return Some(Refusal::LexicalVeto {
                term: term.to_string(),
                reason: VetoReason::ContrastTerm {
                    idf,
                    other: other.entry,
                },
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_digit_runs() {
        let n = numbers("Can I refill 14 days early? Call 1-800-555");
        let mut v: Vec<_> = n.into_iter().collect();
        v.sort();
        assert_eq!(v, ["1", "14", "555", "800"]);
        assert_eq!(differing_number("7 days", "7-day", true), None);
        assert_eq!(
            differing_number("14 days", "7 days", false).as_deref(),
            Some("14")
        );
        assert_eq!(
            differing_number("late by 3 days", "is it late", false),
            None
        );
        assert_eq!(
            differing_number("late by 3 days", "is it late", true).as_deref(),
            Some("3")
        );
    }

    #[test]
    fn overlap_ignores_the_compared_words() {
        let overlap = |a: &str, b: &str| {
            let a = Words::new(a);
            word_overlap(
                distinct_content(&a).into_iter().map(|i| a.get(i)),
                &content_words(&Words::new(b)),
            )
        };
        assert_eq!(overlap("turn off X", "turn on X"), 1.0);
        assert!(
            overlap(
                "I can't make it, cancel my appointment",
                "How do I cancel an appointment?"
            ) < 0.5
        );
    }

    #[test]
    fn words_are_lowercased_with_inner_apostrophes() {
        let words =
            |text: &str| -> Vec<String> { Words::new(text).iter().map(str::to_string).collect() };
        assert_eq!(
            words("Don\u{2019}t 'quoted' it's, ÉCOLE-x2  '' ΣΊΣΥΦΟΣ"),
            ["don't", "quoted", "it's", "école", "x2", "σίσυφος"]
        );
        let w = Words::new("the cat the dog 3 not");
        assert_eq!(distinct_content(&w), [0, 1, 3]);
    }

    #[test]
    fn ascii_words_match_the_general_path() {
        for text in [
            "Don't 'quoted' it's, ECOLE-x2  '' What's UP?? rock'n'roll 3.5kg",
            "''' a'' 'b HELLO_world\ttab\nnew-line 007",
            "",
            "   ",
        ] {
            // A trailing non-ASCII word sends the text down the general path.
            let general = Words::new(&format!("{text} \u{e9}"));
            let general: Vec<&str> = general.iter().collect();
            let ascii = Words::new(text);
            let ascii: Vec<&str> = ascii.iter().collect();
            assert_eq!(ascii, general[..general.len() - 1], "{text:?}");
        }
    }

    #[test]
    fn negation_polarity() {
        let differing_negation =
            |a: &str, b: &str| differing_negation(&Words::new(a), &Words::new(b));
        assert_eq!(
            differing_negation("turn off X", "turn on X").as_deref(),
            Some("off")
        );
        assert_eq!(
            differing_negation("I don\u{2019}t want it", "no thanks"),
            None
        );
        assert_eq!(
            differing_negation("why won't it load", "why does it load").as_deref(),
            Some("won't")
        );
        assert_eq!(differing_negation("open today", "open on Sunday"), None);
    }
}
