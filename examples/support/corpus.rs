//! Corpus readers: JSONL, CSV, or a directory of `.txt` / `.md` files, into
//! [`Document`]s in input order.
//!
//! JSONL lines and CSV rows go through the same record → document conversion
//! ([`Fields::document`]); a CSV row is a record of string values (a vector
//! cell holds a JSON array). Every record that cannot be used is an error
//! naming the file and line; blank JSONL lines are skipped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use twofold::index::{Document, MetaValue};
use twofold::{Error, Result};

use super::{bad_input, byte_bar};

/// Which fields of a JSONL object or CSV row make up a document.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The id field. `None`: `id` when a record has it, else the line number.
    pub id: Option<String>,
    /// Text fields, concatenated (one per line) into the body. At least one.
    pub text: Vec<String>,
    /// Title field; optional in the data.
    pub title: String,
    /// Fields copied into the metadata (strings, numbers, booleans as
    /// `"true"`/`"false"`, arrays of strings as tags); absent or null values are skipped.
    pub meta: Vec<String>,
    /// Field holding the document's vector (a JSON array of numbers), required on every record.
    pub vector: Option<String>,
}

/// Where a record came from, for error messages.
#[derive(Clone, Copy)]
struct Location<'a> {
    file: &'a Path,
    line: u64,
}

impl Location<'_> {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        bad_input(format!("{}:{}: {message}", self.file.display(), self.line))
    }
}

/// Reads `input`: a `.jsonl` / `.ndjson` file, a `.csv` file or a directory.
///
/// # Errors
/// [`Error::Io`]; [`Error::InvalidInput`] naming the file and line of the
/// first unusable record (bad JSON or CSV, a missing or non-string id or text
/// field, a duplicate id, a bad metadata value, a missing or malformed vector,
/// or one whose length differs from the first), or an unsupported input kind.
pub fn read(input: &Path, fields: &Fields, quiet: bool) -> Result<Vec<Document>> {
    let extension = input
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if input.is_dir() {
        return read_directory(input);
    }
    match extension.as_deref() {
        Some("jsonl" | "ndjson") => read_jsonl(input, fields, quiet),
        Some("csv") => read_csv(input, fields, quiet),
        _ => Err(bad_input(format!(
            "{}: unsupported input; expected a .jsonl or .csv file or a directory",
            input.display()
        ))),
    }
}

/// Opens `path` for reading behind a byte-count progress bar.
fn open_with_progress(path: &Path, quiet: bool) -> Result<impl Read> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok(byte_bar(len, quiet).wrap_read(file))
}

fn read_jsonl(path: &Path, fields: &Fields, quiet: bool) -> Result<Vec<Document>> {
    let reader = BufReader::new(open_with_progress(path, quiet)?);
    let mut collector = Collector::new(fields);
    for (n, line) in reader.lines().enumerate() {
        let at = Location {
            file: path,
            line: n as u64 + 1,
        };
        let mut line = line.map_err(|e| at.error(e))?;
        if n == 0 {
            // A UTF-8 byte-order mark (Windows tools write one) is not JSON.
            if let Some(rest) = line.strip_prefix('\u{feff}') {
                line = rest.to_string();
            }
        }
        if line.trim().is_empty() {
            continue;
        }
        let record = match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(record)) => record,
            Ok(_) => return Err(at.error("expected a JSON object")),
            Err(e) => return Err(at.error(format!("bad JSON: {e}"))),
        };
        collector.push(&record, at)?;
    }
    collector.finish(path)
}

fn read_csv(path: &Path, fields: &Fields, quiet: bool) -> Result<Vec<Document>> {
    let mut reader = csv::Reader::from_reader(open_with_progress(path, quiet)?);
    let header_at = Location {
        file: path,
        line: 1,
    };
    let headers = reader
        .headers()
        .map_err(|e| header_at.error(format!("bad CSV header: {e}")))?
        .clone();
    check_columns(&headers, fields, header_at)?;
    let mut collector = Collector::new(fields);
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(path, &e))?;
        let at = Location {
            file: path,
            line: row.position().map_or(0, csv::Position::line),
        };
        let record: Map<String, Value> = headers
            .iter()
            .zip(row.iter())
            .map(|(name, value)| (name.to_string(), Value::String(value.to_string())))
            .collect();
        collector.push(&record, at)?;
    }
    collector.finish(path)
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    match e.position() {
        Some(p) => bad_input(format!("{}:{}: bad CSV: {e}", path.display(), p.line())),
        None => bad_input(format!("{}: bad CSV: {e}", path.display())),
    }
}

/// Every required column must be in the header (id, text, vector when named).
fn check_columns(headers: &csv::StringRecord, fields: &Fields, at: Location) -> Result<()> {
    let required = fields
        .id
        .iter()
        .chain(&fields.text)
        .chain(fields.vector.iter());
    for name in required {
        if !headers.iter().any(|h| h == name) {
            let found: Vec<&str> = headers.iter().collect();
            return Err(at.error(format!("no column {name:?}; the header has {found:?}")));
        }
    }
    Ok(())
}

/// Turns records into documents, checking ids and vector lengths across records.
struct Collector<'a> {
    fields: &'a Fields,
    documents: Vec<Document>,
    /// id → line where it was first seen.
    seen: HashMap<String, u64>,
    /// Length of the first vector and its line.
    first_vector: Option<(usize, u64)>,
}

impl<'a> Collector<'a> {
    fn new(fields: &'a Fields) -> Self {
        Collector {
            fields,
            documents: Vec::new(),
            seen: HashMap::new(),
            first_vector: None,
        }
    }

    fn push(&mut self, record: &Map<String, Value>, at: Location) -> Result<()> {
        let document = self.fields.document(record, at)?;
        let id = document.key.to_string();
        if let Some(first) = self.seen.insert(id.clone(), at.line) {
            return Err(at.error(format!("duplicate id {id} (first on line {first})")));
        }
        if let Some(v) = &document.vector {
            match self.first_vector {
                None => self.first_vector = Some((v.len(), at.line)),
                Some((len, line)) if len != v.len() => {
                    return Err(at.error(format!(
                        "vector has {} components, the one on line {line} has {len}",
                        v.len()
                    )))
                }
                Some(_) => {}
            }
        }
        self.documents.push(document);
        Ok(())
    }

    fn finish(self, path: &Path) -> Result<Vec<Document>> {
        if self.documents.is_empty() {
            return Err(bad_input(format!("{}: no documents", path.display())));
        }
        Ok(self.documents)
    }
}

impl Fields {
    /// The document of one record.
    fn document(&self, record: &Map<String, Value>, at: Location) -> Result<Document> {
        let mut document = Document::new(self.id_of(record, at)?)
            .title(optional_text(record, &self.title, at)?)
            .body(self.body_of(record, at)?);
        for name in &self.meta {
            if let Some(value) = meta_value(record.get(name), name, at)? {
                document = document.meta(name.clone(), value);
            }
        }
        if let Some(name) = &self.vector {
            document = document.vector(vector_value(record.get(name), name, at)?);
        }
        Ok(document)
    }

    fn id_of(&self, record: &Map<String, Value>, at: Location) -> Result<String> {
        let (name, required) = match &self.id {
            Some(name) => (name.as_str(), true),
            None => ("id", false),
        };
        match record.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            None | Some(Value::Null) if !required => Ok(at.line.to_string()),
            None | Some(Value::Null) => Err(at.error(format!("no id field {name:?}"))),
            Some(_) => Err(at.error(format!(
                "id field {name:?} must be a non-empty string or a number"
            ))),
        }
    }

    fn body_of(&self, record: &Map<String, Value>, at: Location) -> Result<String> {
        let parts = self
            .text
            .iter()
            .map(|name| match record.get(name) {
                Some(Value::String(s)) => Ok(s.as_str()),
                None | Some(Value::Null) => Err(at.error(format!("no text field {name:?}"))),
                Some(_) => Err(at.error(format!("text field {name:?} is not a string"))),
            })
            .collect::<Result<Vec<&str>>>()?;
        Ok(parts.join("\n"))
    }
}

/// A string field that may be absent (empty then).
fn optional_text(record: &Map<String, Value>, name: &str, at: Location) -> Result<String> {
    match record.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(at.error(format!("field {name:?} is not a string"))),
    }
}

fn meta_value(value: Option<&Value>, name: &str, at: Location) -> Result<Option<MetaValue>> {
    Ok(Some(match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => MetaValue::Str(s.clone()),
        Some(Value::Bool(b)) => MetaValue::Str(b.to_string()),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(x) => MetaValue::Num(x),
            None => return Err(at.error(format!("metadata {name:?}: number out of range"))),
        },
        Some(Value::Array(items)) => MetaValue::Tags(
            items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(at.error(format!("metadata {name:?}: arrays must hold strings"))),
                })
                .collect::<Result<_>>()?,
        ),
        Some(Value::Object(_)) => {
            return Err(at.error(format!(
                "metadata {name:?}: objects are not supported (use a string, number, bool or array of strings)"
            )))
        }
    }))
}

/// A vector: a JSON array of finite numbers, or a string holding one (CSV).
fn vector_value(value: Option<&Value>, name: &str, at: Location) -> Result<Vec<f32>> {
    let parsed;
    let value = match value {
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|e| at.error(format!("vector {name:?}: bad JSON array: {e}")))?;
            &parsed
        }
        Some(v) => v,
        None => return Err(at.error(format!("no vector field {name:?}"))),
    };
    let Value::Array(items) = value else {
        return Err(at.error(format!("vector {name:?} is not an array of numbers")));
    };
    if items.is_empty() {
        return Err(at.error(format!("vector {name:?} is empty")));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.as_f64().map(|x| x as f32) {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(at.error(format!(
                "vector {name:?}: component {i} is not a finite float32 number"
            ))),
        })
        .collect()
}

/// Every `.txt` / `.md` file under `root` (recursively, sorted by relative
/// path; hidden files and directories skipped): id = relative path, title =
/// the first `# ` heading of a `.md` file or else the file stem, body = content.
fn read_directory(root: &Path) -> Result<Vec<Document>> {
    let mut files = Vec::new();
    collect_files(root, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(bad_input(format!(
            "{}: no .txt or .md files",
            root.display()
        )));
    }
    files.iter().map(|path| file_document(root, path)).collect()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            collect_files(&path, out)?;
        } else if is_text_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_text_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("txt" | "md")
    )
}

fn file_document(root: &Path, path: &Path) -> Result<Document> {
    let body = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let relative = path.strip_prefix(root).unwrap_or(path);
    let id = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let is_markdown = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    let heading = is_markdown
        .then(|| {
            body.lines()
                .find_map(|l| l.strip_prefix("# ").map(str::trim))
                .map(str::to_string)
        })
        .flatten();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Document::new(id).title(heading.unwrap_or(stem)).body(body))
}
