//! The integration tests, as one test binary.
//!
//! One module per concern (`cargo test --release --test suite -- faq_snapshot::`
//! runs one). One binary instead of one per file: each binary linked the whole
//! crate and its dependencies again, ~50 s of every CI run on two cores.
//! `tests/snapshot_crash.rs` stays a binary of its own (it re-executes itself
//! as a child process and has no test harness).

#[path = "../dense_common/mod.rs"]
mod dense_common;
#[cfg(feature = "embed")]
#[path = "../embed_common/mod.rs"]
mod embed_common;
#[path = "../example_bin/mod.rs"]
mod example_bin;
#[path = "../faq_common/mod.rs"]
mod faq_common;
#[path = "../snapshot_common/mod.rs"]
mod snapshot_common;
#[path = "../sparse_util/mod.rs"]
mod sparse_util;

mod analysis_parity;
mod dense;
mod dense_model;
mod dense_persist;
mod dense_recall;
mod embed;
mod embed_parity;
mod evaluate_snapshot;
mod examples;
mod examples_cli;
mod faq;
mod faq_concurrency;
mod faq_model;
mod faq_sample;
mod faq_snapshot;
mod fusion;
mod hybrid;
mod index;
mod index_model;
mod recommend;
mod sklearn_parity;
mod snapshot;
mod snapshot_index;
mod sparse;
mod sparse_perf;
mod token_pattern_runtime;
