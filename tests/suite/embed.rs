//! Behaviour of `SentenceEmbedder` beyond parity: errors, batching, long texts.
#![cfg(feature = "embed")]

use crate::embed_common;

use std::path::Path;

use embed_common::{cosine, model_dir};
use twofold::embed::{Embedder, LongTextStrategy, Pooling, SentenceEmbedder, WindowPool};
use twofold::Error;

const REQUIRED: [&str; 6] = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "modules.json",
    "1_Pooling/config.json",
    "sentence_bert_config.json",
];

/// Copies the model directory into a temp dir (weights hard-linked when possible).
fn copy_model(model: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("1_Pooling")).unwrap();
    for file in REQUIRED {
        let (from, to) = (model.join(file), tmp.path().join(file));
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    tmp
}

fn long_text() -> String {
    "The quick brown fox jumps over the lazy dog near the riverbank while the farmer watches. "
        .repeat(40)
}

#[test]
fn each_missing_file_is_named_in_a_typed_error() {
    let Some(model) = model_dir() else { return };
    for file in REQUIRED {
        let tmp = copy_model(&model);
        std::fs::remove_file(tmp.path().join(file)).unwrap();
        match SentenceEmbedder::from_dir(tmp.path()) {
            Err(Error::ModelFileMissing { path }) => {
                assert!(
                    path.ends_with(file),
                    "{file}: error names {}",
                    path.display()
                )
            }
            other => panic!("{file}: expected ModelFileMissing, got {other:?}"),
        }
    }
}

#[test]
fn missing_directory_is_a_typed_error() {
    let err = SentenceEmbedder::from_dir("/nonexistent/model/dir").unwrap_err();
    assert!(
        matches!(err, Error::ModelFileMissing { ref path } if path.ends_with("dir")),
        "{err:?}"
    );
}

#[test]
fn malformed_files_are_typed_errors_naming_the_file() {
    let Some(model) = model_dir() else { return };
    let cases = [
        ("modules.json", "{not json"),
        (
            "1_Pooling/config.json",
            r#"{"pooling_mode_mean_tokens": false}"#,
        ),
        ("config.json", r#"{"model_type": "roberta"}"#),
        (
            "modules.json",
            r#"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
                {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
                {"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"}]"#,
        ),
        ("model.safetensors", "garbage"),
    ];
    for (file, content) in cases {
        let tmp = copy_model(&model);
        std::fs::remove_file(tmp.path().join(file)).unwrap();
        std::fs::write(tmp.path().join(file), content).unwrap();
        match SentenceEmbedder::from_dir(tmp.path()) {
            Err(Error::ModelFile { path, reason }) => {
                assert!(
                    path.ends_with(file),
                    "{file}: error names {} ({reason})",
                    path.display()
                )
            }
            other => panic!("{file}: expected ModelFile, got {other:?}"),
        }
    }
}

#[test]
fn reads_pooling_normalisation_and_length_from_the_directory() {
    let Some(model) = model_dir() else { return };
    let embedder = SentenceEmbedder::from_dir(&model).unwrap();
    assert_eq!(embedder.dim(), 384);
    assert_eq!(embedder.pooling(), Pooling::Mean);
    assert!(embedder.normalizes());
    assert_eq!(embedder.max_seq_length(), 256);
    let fp = embedder.fingerprint();
    assert!(
        fp.starts_with("all-MiniLM-L6-v2:") && fp.contains(":mean+norm:max_len=256:truncate"),
        "{fp}"
    );
}

#[test]
fn cls_pooling_is_honoured_and_changes_vectors_and_fingerprint() {
    let Some(model) = model_dir() else { return };
    let tmp = copy_model(&model);
    std::fs::remove_file(tmp.path().join("1_Pooling/config.json")).unwrap();
    std::fs::write(
        tmp.path().join("1_Pooling/config.json"),
        r#"{"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
    )
    .unwrap();
    let cls = SentenceEmbedder::from_dir(tmp.path()).unwrap();
    let mean = SentenceEmbedder::from_dir(&model).unwrap();
    assert_eq!(cls.pooling(), Pooling::Cls);
    assert!(cls.fingerprint().contains(":cls+norm:"));
    let text = "how do I reset my password";
    let c = cosine(&cls.embed(text).unwrap(), &mean.embed(text).unwrap());
    assert!(c < 0.99, "CLS and mean pooling gave cosine {c}");
}

#[test]
fn batch_and_single_agree() {
    let Some(model) = model_dir() else { return };
    let embedder = SentenceEmbedder::from_dir(&model).unwrap();
    let long = long_text();
    let texts = [
        "how do I reset my password",
        "",
        "A",
        long.as_str(),
        "Café crème brûlée — ünïcödé text, emoji 🚀 and 中文字符.",
        "The quick brown fox",
    ];
    let batch = embedder.embed_batch(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (text, vector) in texts.iter().zip(&batch) {
        let single = embedder.embed(text).unwrap();
        let c = cosine(&single, vector);
        assert!(c >= 0.99999, "{text:?}: batch vs single cosine {c}");
    }
}

#[test]
fn progress_reports_every_batch_and_order_is_kept() {
    let Some(model) = model_dir() else { return };
    let embedder = SentenceEmbedder::from_dir(&model).unwrap();
    let texts: Vec<String> = (0..7)
        .map(|i| format!("document number {i} {}", "word ".repeat(i * 3)))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut calls = Vec::new();
    let vectors = embedder
        .embed_batch_with_progress(&refs, 3, &mut |done, total| calls.push((done, total)))
        .unwrap();
    assert_eq!(calls, vec![(3, 7), (6, 7), (7, 7)]);
    for (text, vector) in refs.iter().zip(&vectors) {
        assert!(
            cosine(&embedder.embed(text).unwrap(), vector) >= 0.99999,
            "{text}"
        );
    }
}

#[test]
fn empty_string_gives_a_unit_vector() {
    let Some(model) = model_dir() else { return };
    let embedder = SentenceEmbedder::from_dir(&model).unwrap();
    let v = embedder.embed("").unwrap();
    assert_eq!(v.len(), 384);
    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    assert!(embedder.embed_batch(&[]).unwrap().is_empty());
}

#[test]
fn windows_give_a_unit_vector_that_differs_from_truncation() {
    let Some(model) = model_dir() else { return };
    let text = long_text();
    let truncate = SentenceEmbedder::from_dir(&model).unwrap();
    for pool in [WindowPool::Mean, WindowPool::Max] {
        let windows = SentenceEmbedder::builder(&model)
            .long_text(LongTextStrategy::Windows {
                window: 128,
                stride: 32,
                pool,
            })
            .build()
            .unwrap();
        assert!(windows.fingerprint().contains("windows(128,32,"));
        let v = windows.embed(&text).unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{pool:?}: norm {norm}");
        // Same text repeated: every window says the same thing, so the pooled
        // vector stays close to, but not equal to, the truncated one.
        let c = cosine(&v, &truncate.embed(&text).unwrap());
        assert!(
            c > 0.8 && c < 0.999_999,
            "{pool:?}: cosine with truncation {c}"
        );
        // A short text fits in one window: identical to truncation.
        let short = "how do I reset my password";
        let c = cosine(
            &windows.embed(short).unwrap(),
            &truncate.embed(short).unwrap(),
        );
        assert!(c >= 0.99999, "{pool:?}: short text cosine {c}");
    }
}

#[test]
fn invalid_options_are_rejected() {
    let Some(model) = model_dir() else { return };
    let too_long = SentenceEmbedder::builder(&model)
        .max_seq_length(1000)
        .build();
    assert!(
        matches!(too_long, Err(Error::InvalidParameter { ref name, .. }) if name == "max_seq_length")
    );
    let bad_stride = SentenceEmbedder::builder(&model)
        .long_text(LongTextStrategy::Windows {
            window: 64,
            stride: 62,
            pool: WindowPool::Mean,
        })
        .build();
    assert!(
        matches!(bad_stride, Err(Error::InvalidParameter { ref name, .. }) if name == "stride")
    );
    let bad_window = SentenceEmbedder::builder(&model)
        .long_text(LongTextStrategy::Windows {
            window: 512,
            stride: 0,
            pool: WindowPool::Mean,
        })
        .build();
    assert!(
        matches!(bad_window, Err(Error::InvalidParameter { ref name, .. }) if name == "window")
    );
}

#[test]
fn shorter_max_seq_length_truncates_earlier() {
    let Some(model) = model_dir() else { return };
    let short = SentenceEmbedder::builder(&model)
        .max_seq_length(16)
        .build()
        .unwrap();
    let full = SentenceEmbedder::from_dir(&model).unwrap();
    let text = long_text();
    // 16 tokens = [CLS] + 14 word pieces + [SEP]: the text up to the 14th piece gives the same input.
    let tokenizer = tokenizers::Tokenizer::from_file(model.join("tokenizer.json")).unwrap();
    let pieces = tokenizer.encode(text.as_str(), false).unwrap();
    let prefix = &text[..pieces.get_offsets()[13].1];
    let c = cosine(&short.embed(&text).unwrap(), &full.embed(prefix).unwrap());
    assert!(c >= 0.99999, "cosine {c}");
    assert!(short.fingerprint().contains("max_len=16"));
}
