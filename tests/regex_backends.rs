//! `regex()` must select the same records on the evaluator, SQLite and PostgreSQL, for the
//! constructs the two regex dialects read differently: case-insensitive matching beyond
//! upper/lower pairs (the Kelvin sign, the long s, ǅ), `\b` (a backspace in PostgreSQL),
//! `\w`/`\d`/`\s` beyond ASCII, line anchors, `.` and newlines, repetition bounds over 255,
//! and escapes. PostgreSQL runs a translation of each pattern (`src/sql/are.rs`).

mod support;

use serde_json::{Value, json};
use spark_filter::plan::{Caller, Schema};
use support::Db;

/// A `regex()` argument: only quotes are escaped, since every other backslash is passed to
/// the regex as written.
fn pattern_literal(pattern: &str) -> String {
    format!("'{}'", pattern.replace('\'', "\\'"))
}

const SCHEMA: &str = r#"{
  "name": "regexes",
  "fields": [
    {"name": "Code", "type": "character", "case_sensitive": true},
    {"name": "City", "type": "character"}
  ]
}"#;

/// Texts chosen to tell the dialects apart.
const TEXTS: &[&str] = &[
    "Kelvin",
    "kelvin",
    "\u{212A}elvin", // KELVIN SIGN
    "KELVIN",
    "\u{17F}tar", // LATIN SMALL LETTER LONG S
    "star",
    "STAR",
    "ǅemal",
    "ǆemal",
    "Ǆemal",
    "straße",
    "STRASSE",
    "Ωmega",
    "ωmega",
    "foo bar",
    "foobar",
    "foo_bar",
    "foo-bar",
    "école bar",
    "naïve",
    "a\nb",
    "a\r\nb",
    "line1\nfoo",
    "٣٤٥",
    "123",
    "x\u{a0}y",
    "x y",
    "tab\there",
    "a.b",
    "a+b",
    "a\\b",
    "(x)",
    "[x]",
    "{x}",
    "$5",
    "^caret",
    "😀 smile",
    "",
];

/// Patterns (with the `i` flag or not) whose meaning differs between a plain pass-through
/// to PostgreSQL and Rust's `regex`.
const PATTERNS: &[(&str, bool)] = &[
    ("^ke", true),
    ("^KE", true),
    ("^st", true),
    ("^ǅ", true),
    ("^ǆ", false),
    ("straße", true),
    ("^ω", true),
    ("(?i)^ke", false),
    ("^(?i:k)e", false),
    (r"\bbar", false),
    (r"\Bbar", false),
    (r"foo\b", false),
    (r"\w+$", false),
    (r"^\w+\s\w+$", false),
    (r"^\d+$", false),
    (r"\D", false),
    (r"\s", false),
    (r"\S\s\S", false),
    ("^a.b$", false),
    ("(?s)^a.b$", false),
    ("(?m)^b", false),
    ("(?m)a$", false),
    ("(?Rm)a$", false),
    ("^b", false),
    ("a$", false),
    (r"\.", false),
    (r"\+", false),
    (r"\\", false),
    (r"\(x\)", false),
    (r"\[x\]", false),
    (r"\{x\}", false),
    (r"\$5", false),
    (r"\^", false),
    ("[[:alpha:]]+", false),
    ("[^a-z]", false),
    ("[a-z&&[^aeiou]]{3}", false),
    (r"\p{Greek}", false),
    (r"\p{Lu}", true),
    ("😀", false),
    ("x{0,300}y", false),
    ("(?:ab){256,}", false),
    ("a{2,}b?", false),
    ("^(foo|bar)", false),
    ("^$", false),
    ("", false),
    ("e|", false),
];

#[test]
fn regex_selects_the_same_records_everywhere() {
    let schema = Schema::from_json(SCHEMA).expect("the schema parses");
    let records: Vec<Value> = TEXTS
        .iter()
        .map(|t| json!({"Code": t, "City": t}))
        .collect();
    let pg = support::pg_schema("regex_backends", "regexes");
    let mut db = Db::load(schema, records, support::zone(0), pg);
    let options = support::plan_options(Caller::default(), support::zone(0));
    let mut failures = Vec::new();
    let mut selective = 0;
    for (pattern, ci) in PATTERNS {
        for field in ["Code", "City"] {
            let flag = if *ci { ", 'i'" } else { "" };
            let filter = format!("{field} Eq regex({}{flag})", pattern_literal(pattern));
            let outcome = match db.outcome(&filter, &options) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{filter}: {e}"));
                    continue;
                }
            };
            if !outcome.eval.is_empty() && outcome.eval.len() < TEXTS.len() {
                selective += 1;
            }
            if !outcome.agree() {
                failures.push(outcome.report(&db, 6));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} filters disagree:\n{}",
        failures.len(),
        PATTERNS.len() * 2,
        failures.join("\n")
    );
    // The cases must tell records apart, or agreement would prove little.
    assert!(selective >= PATTERNS.len(), "only {selective} selective");
}
