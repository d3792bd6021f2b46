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

/// The conformance file vendored in the repository (a copy of the shared one).
pub fn conformance_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance.jsonl")
}

/// The shared conformance file beside the repository, where there is one (CI's
/// conformance step runs it too); it may hold lines newer than the vendored copy.
pub fn shared_conformance_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/syntax.jsonl")
}

/// The conformance lines: the vendored file's, then any of the shared file's (when it is
/// beside the repository) whose filter the vendored file does not hold. Always `Some`
/// (the vendored file is part of the repository); the `Option` is kept for the callers.
pub fn conformance() -> Option<Vec<Conformance>> {
    let mut lines = read_conformance(&conformance_path());
    let shared = shared_conformance_path();
    if shared.exists() {
        let known: std::collections::HashSet<String> =
            lines.iter().map(|l| l.filter.clone()).collect();
        lines.extend(
            read_conformance(&shared)
                .into_iter()
                .filter(|l| !known.contains(&l.filter)),
        );
    }
    Some(lines)
}

fn read_conformance(path: &std::path::Path) -> Vec<Conformance> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
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
    lines
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
