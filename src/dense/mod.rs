//! Dense vectors: exact and HNSW k-nearest-neighbour search.
