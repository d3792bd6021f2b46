//! Helpers shared by the integration tests: the fixed clock, option sets, the conformance
//! file, and a walker of record paths that checks what it reads (the tests' own reading of
//! records, independent of the evaluator's).
#![allow(dead_code)] // each test crate uses a different subset

use std::path::PathBuf;

use serde_json::Value;
use spark_filter::plan::PathStep;
use spark_filter::{Clock, Limits, ParseOptions};

/// The instant every test parses against: a Sunday, noon UTC.
pub const NOW: &str = "2026-11-22T12:00:00Z";

/// The fixed test clock.
pub fn clock() -> Clock {
    Clock::Fixed(chrono::DateTime::parse_from_rfc3339(NOW).expect("NOW is RFC 3339"))
}

/// Default (Spark) limits and the fixed clock.
pub fn options() -> ParseOptions {
    ParseOptions {
        clock: clock(),
        limits: Limits::default(),
    }
}

/// The fixed clock with the given limits.
pub fn options_with(limits: Limits) -> ParseOptions {
    ParseOptions {
        clock: clock(),
        limits,
    }
}

/// Limits raised as far as they go, so that only the parser's own guards stand between a
/// hostile input and the stack.
pub fn raised_limits() -> Limits {
    Limits {
        max_bytes: usize::MAX,
        max_depth: 10_000,
        max_expressions: usize::MAX,
        max_term_depth: 10_000,
        max_function_depth: 10_000,
        max_list: usize::MAX,
        max_regex_size: usize::MAX,
    }
}

/// One line of `shared/conformance/syntax.jsonl`.
#[derive(Debug, Clone)]
pub struct Conformance {
    /// 1-based line number in the file.
    pub line: usize,
    pub filter: String,
    pub accept: bool,
    pub from: String,
    pub note: Option<String>,
}

/// Where the shared conformance file sits: beside the repository.
pub fn conformance_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/syntax.jsonl")
}

/// The conformance lines, or `None` (with a note on stderr) when the file is not there, as in
/// a clone without `shared/` beside it.
pub fn conformance() -> Option<Vec<Conformance>> {
    let path = conformance_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!(
                "note: skipping the conformance check: cannot read {}: {e}",
                path.display()
            );
            return None;
        }
    };
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: not JSON: {e}", path.display(), i + 1));
        let field = |name: &str| v.get(name).and_then(|x| x.as_str()).map(str::to_string);
        lines.push(Conformance {
            line: i + 1,
            filter: field("filter")
                .unwrap_or_else(|| panic!("{}:{}: no \"filter\"", path.display(), i + 1)),
            accept: v
                .get("accept")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or_else(|| panic!("{}:{}: no \"accept\"", path.display(), i + 1)),
            from: field("from").unwrap_or_default(),
            note: field("note"),
        });
    }
    assert!(!lines.is_empty(), "{} has no lines", path.display());
    Some(lines)
}

/// The values at `path` in `value`: missing branches yield nothing, `[]` one value per element,
/// `{}` the keys whose value is `true`.
pub fn walk(value: &Value, path: &[PathStep], out: &mut Vec<Value>) {
    let Some((step, rest)) = path.split_first() else {
        out.push(value.clone());
        return;
    };
    match step {
        PathStep::Key(k) => {
            if let Some(v) = value.get(k.as_str()) {
                walk(v, rest, out);
            }
        }
        PathStep::Each => {
            if let Value::Array(items) = value {
                for item in items {
                    walk(item, rest, out);
                }
            }
        }
        PathStep::Keys => {
            if let Value::Object(map) = value {
                for (k, v) in map {
                    assert!(
                        v.is_boolean(),
                        "{k}: object values must be booleans, got {v}"
                    );
                    if *v == Value::Bool(true) {
                        walk(&Value::String(k.clone()), rest, out);
                    }
                }
            }
        }
    }
}
