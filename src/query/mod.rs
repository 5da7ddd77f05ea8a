//! Query-time processing shared by the retrieval sides.

pub mod fusion;
