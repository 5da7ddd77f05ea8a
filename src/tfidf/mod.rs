//! scikit-learn-compatible TF-IDF.
