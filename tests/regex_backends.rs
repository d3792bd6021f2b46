//! `regex()` must select the same records on the evaluator, SQLite and PostgreSQL, for the
//! constructs the two regex dialects read differently: case-insensitive matching beyond
//! upper/lower pairs (the Kelvin sign, the long s, ǅ), `\b` (a backspace in PostgreSQL),
//! `\w`/`\d`/`\s` beyond ASCII, line anchors, `.` and newlines, repetition bounds over 255,
//! and escapes. PostgreSQL runs a translation of each pattern (`src/sql/are.rs`).

mod support;

use serde_json::{Value, json};
use spark_filter::plan::{Caller, Role, Schema};
use support::{Db, Rng};

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

/// Pieces of generated patterns: literals (ASCII, non-ASCII, case-fold traps), classes,
/// escapes, anchors and boundaries.
const ATOMS: &[&str] = &[
    "a",
    "e",
    "k",
    "K",
    "s",
    "o",
    "r",
    "ß",
    "é",
    "ω",
    "Ω",
    "ǅ",
    "1",
    " ",
    "_",
    "-",
    ".",
    r"\w",
    r"\W",
    r"\d",
    r"\s",
    r"\S",
    r"\b",
    r"\B",
    "^",
    "$",
    "[a-z]",
    "[^a-z]",
    "[[:upper:]]",
    r"\pL",
    r"\p{Greek}",
    r"\.",
    r"\n",
    r"\\",
    "(?m:^)",
    "(?m:$)",
    "(?s:.)",
];

/// A random pattern of `depth` levels at most: concatenations, alternations, groups and
/// repetitions over [`ATOMS`].
fn random_pattern(rng: &mut Rng, depth: u32) -> String {
    let atom = |rng: &mut Rng| (*rng.pick(ATOMS)).to_string();
    let unit = |rng: &mut Rng| {
        if depth == 0 || rng.chance(60) {
            atom(rng)
        } else {
            format!("(?:{})", random_pattern(rng, depth - 1))
        }
    };
    let mut out = String::new();
    for _ in 0..rng.range(1, 4) {
        let mut u = unit(rng);
        match rng.below(8) {
            0 => u.push('*'),
            1 => u.push('+'),
            2 => u.push('?'),
            3 => u.push_str(&format!("{{{},{}}}", rng.range(0, 2), rng.range(2, 3))),
            _ => {}
        }
        out.push_str(&u);
    }
    if depth > 0 && rng.chance(25) {
        out = format!("{out}|{}", random_pattern(rng, depth - 1));
    }
    out
}

/// A database of [`TEXTS`] in a case-sensitive and a case-insensitive field, in a
/// PostgreSQL schema of its own (`tag`), since the tests run in parallel.
fn texts_db(tag: &str) -> Db {
    let schema = Schema::from_json(SCHEMA).expect("the schema parses");
    let records: Vec<Value> = TEXTS
        .iter()
        .map(|t| json!({"Code": t, "City": t}))
        .collect();
    let pg = support::pg_schema("regex_backends", tag);
    Db::load(schema, records, support::zone(0), pg)
}

/// `field Eq regex('pattern'[, 'i'])`.
fn regex_filter(field: &str, pattern: &str, case_insensitive: bool) -> String {
    let flag = if case_insensitive { ", 'i'" } else { "" };
    format!("{field} Eq regex({}{flag})", pattern_literal(pattern))
}

/// What a test saw: filters run on every back end, how many of them told the texts
/// apart, and the reports of those where the back ends disagree.
#[derive(Default)]
struct Tally {
    run: usize,
    selective: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Runs `filter` everywhere and counts it; `Err` is the planner's rejection.
    fn check(&mut self, db: &mut Db, filter: &str) -> Result<(), String> {
        let options = support::plan_options(Caller::new(Role::Private), support::zone(0));
        let outcome = db.outcome(filter, &options)?;
        self.run += 1;
        if !outcome.eval.is_empty() && outcome.eval.len() < TEXTS.len() {
            self.selective += 1;
        }
        if !outcome.agree() {
            self.failures.push(outcome.report(db, 6));
        }
        Ok(())
    }
}

/// Generated patterns, with and without `'i'`, on both fields: the three back ends agree.
#[test]
fn generated_regexes_select_the_same_records_everywhere() {
    let mut db = texts_db("regex_generated");
    let mut rng = Rng(20_261_122);
    let mut tally = Tally::default();
    for _ in 0..400 {
        let pattern = random_pattern(&mut rng, 2);
        let ci = rng.chance(40);
        let field = if rng.chance(50) { "Code" } else { "City" };
        // A pattern the parser rejects (too big, say) has nothing to compare.
        let _ = tally.check(&mut db, &regex_filter(field, &pattern, ci));
    }
    let Tally {
        run,
        selective,
        failures,
    } = tally;
    assert!(
        failures.is_empty(),
        "{} of {run} generated filters disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        run >= 350 && selective >= 100,
        "{run} run, {selective} selective"
    );
}

#[test]
fn regex_selects_the_same_records_everywhere() {
    let mut db = texts_db("regex_listed");
    let mut tally = Tally::default();
    for (pattern, ci) in PATTERNS {
        for field in ["Code", "City"] {
            let filter = regex_filter(field, pattern, *ci);
            if let Err(e) = tally.check(&mut db, &filter) {
                tally.failures.push(format!("{filter}: {e}"));
            }
        }
    }
    assert!(
        tally.failures.is_empty(),
        "{} of {} filters disagree:\n{}",
        tally.failures.len(),
        PATTERNS.len() * 2,
        tally.failures.join("\n")
    );
    // The cases must tell records apart, or agreement would prove little.
    assert!(
        tally.selective >= PATTERNS.len(),
        "only {} selective",
        tally.selective
    );
}
