//! The central correctness property (SPEC 8): generated filters over generated data give
//! identical record sets in the in-memory evaluator, SQLite and PostgreSQL.
//!
//! Two data sets:
//! - the built-in `accounts` schema over the sample generator's records (plus the sample
//!   JSONL file), searched by a Private, Privileged, MLS-level caller so that every
//!   searchable field (`Visible`, `NrdsId`, `Active`…) can be used; every filter carries the
//!   required `UserType Eq …` conjunct;
//! - a custom schema with one field of every type (case-insensitive and case-sensitive text,
//!   integer, decimal, boolean, date, datetime, time, character list, object keys, fields in an
//!   array of objects, a nested object) over hostile generated records: nulls, missing keys,
//!   values of the wrong type, non-ASCII text ('Straße', 'ZÜRICH', 'İstanbul', 'ǅ', emoji),
//!   apostrophes, backslashes, `%` and `_`, empty strings, extreme and negative numbers, dates
//!   around month ends, datetimes with several offsets and without one, times.
//!
//! A seeded generator (no dependencies) writes valid filters for each schema: every operator a
//! field allows, lists, `Bt`, wildcards (prefix, suffix, contains, infix, several stars, an
//! escaped star), `contains()`/`startswith()`/`endswith()`, `regex()`, `range()`, `NULL`,
//! `And`/`Or`/`Not`/groups up to the Spark depth of 2, the accounts name and phone rules,
//! field-side functions and arithmetic. Text values are drawn from the data, so that filters
//! match some records. Every filter is planned once and run on the three back ends; for a third
//! of them SQL's own `NOT (condition)` is checked to be the exact complement.
//!
//! A disagreement is shrunk to a smallest filter that still disagrees and reported with the
//! SQL, the parameters and the records involved. Disagreements the engine does not handle yet
//! are listed in [`KNOWN_DISAGREEMENTS`] (matched on the shrunk filter's construct): they are
//! counted and printed at the end of the run instead of failing it, so that the rest of the
//! generated cases keep running. Anything else fails the test.
//!
//! `SPARK_FILTER_DIFF_FILTERS=n` changes the number of filters per data set (default below);
//! `SPARK_FILTER_DIFF_SEED=n` the seed.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::{Value, json};
use spark_filter::plan::{Caller, PlanOptions, Role, Schema, builtin};
use support::{Db, Outcome, Rng, escape, quote, wildcard};

/// A disagreement that is known and waiting for a fix in the engine (src/ is not this test's
/// to change). Each is matched on the *shrunk* case: its constructs (`construct@Field` tags)
/// and how each back end answered. Matching cases are counted and printed at the end of the
/// run, with one full example, instead of failing it; an entry with 0 hits is fixed and can
/// go. Anything that matches no entry fails the test.
struct Known {
    id: &'static str,
    what: &'static str,
    matches: fn(&Shrunk<'_>) -> bool,
}

/// A shrunk disagreement, for matching against [`KNOWN_DISAGREEMENTS`].
// Read by the entries' `matches` functions; kept while the list is empty, for the next one.
#[allow(dead_code)]
struct Shrunk<'a> {
    /// The `construct@Field[~ci]` tags of the shrunk filter's comparisons (the required
    /// `UserType` wrapper of accounts excluded).
    tags: Vec<&'a str>,
    outcome: &'a Outcome,
    /// The loaded JSONL lines (rid `i + 1` is `lines[i]`).
    lines: &'a [String],
}

#[allow(dead_code)]
impl Shrunk<'_> {
    fn sqlite_agrees(&self) -> bool {
        self.outcome
            .sqlite
            .1
            .as_ref()
            .is_ok_and(|r| *r == self.outcome.eval)
    }

    fn pg_agrees(&self) -> bool {
        match &self.outcome.pg {
            None => true,
            Some((_, r)) => r.as_ref().is_ok_and(|r| *r == self.outcome.eval),
        }
    }

    fn pg_error(&self) -> Option<&str> {
        match &self.outcome.pg {
            Some((_, Err(e))) => Some(e.as_str()),
            _ => None,
        }
    }

    /// The one comparison of the shrunk filter, as (construct, field, folds case).
    fn single(&self) -> Option<(&str, &str, bool)> {
        let [tag] = self.tags.as_slice() else {
            return None;
        };
        let (construct, field) = tag.split_once('@')?;
        let ci = field.ends_with("~ci");
        Some((construct, field.trim_end_matches("~ci"), ci))
    }

    /// The records on which a back end's rows differ from the evaluator's.
    fn differing(&self, pg: bool) -> Vec<&str> {
        let rows = if pg {
            self.outcome.pg.as_ref().map(|p| &p.1)
        } else {
            Some(&self.outcome.sqlite.1)
        };
        let Some(Ok(rows)) = rows else {
            return Vec::new();
        };
        let eval = &self.outcome.eval;
        rows.iter()
            .filter(|r| !eval.contains(r))
            .chain(eval.iter().filter(|r| !rows.contains(r)))
            .map(|r| self.lines[(*r - 1) as usize].as_str())
            .collect()
    }
}

/// The engine's open disagreements (see the module docs and [`Known`]); none at present.
const KNOWN_DISAGREEMENTS: &[Known] = &[];

/// Filters per data set and zone when not overridden.
const DEFAULT_FILTERS: usize = 1000;

fn filters_per_run() -> usize {
    std::env::var("SPARK_FILTER_DIFF_FILTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_FILTERS)
}

fn seed() -> u64 {
    std::env::var("SPARK_FILTER_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_122)
}

// ---- filter trees ------------------------------------------------------------------------

/// One comparison of a generated filter, with the construct it exercises.
#[derive(Clone, Debug)]
struct Atom {
    text: String,
    tag: String,
}

/// A generated filter.
#[derive(Clone, Debug)]
enum Ex {
    Atom(Atom),
    And(Vec<Ex>),
    Or(Vec<Ex>),
    Not(Box<Ex>),
}

impl Ex {
    /// The filter text and its group depth, written the way the grammar accepts: a leading
    /// `Not` only at the start of a conjunction, binary `Not` for `And Not`, groups where
    /// precedence needs them.
    fn render(&self) -> (String, usize) {
        match self {
            Ex::Atom(a) => (a.text.clone(), 0),
            Ex::Not(x) => {
                let (u, d) = x.unit();
                (format!("Not {u}"), d)
            }
            Ex::And(nested) => {
                // Nested conjunctions are written inline.
                let mut children: Vec<&Ex> = Vec::new();
                let mut stack: Vec<&Ex> = nested.iter().rev().collect();
                while let Some(c) = stack.pop() {
                    match c {
                        Ex::And(inner) => stack.extend(inner.iter().rev()),
                        other => children.push(other),
                    }
                }
                let mut out = String::new();
                let mut depth = 0;
                for (i, c) in children.iter().copied().enumerate() {
                    let (piece, d) = match c {
                        Ex::Not(x) => {
                            let (u, d) = x.unit();
                            if i == 0 {
                                (format!("Not {u}"), d)
                            } else {
                                out.push_str(" Not ");
                                (u, d)
                            }
                        }
                        Ex::Atom(a) => (a.text.clone(), 0),
                        _ => c.group(),
                    };
                    if i > 0 && !matches!(c, Ex::Not(_)) {
                        out.push_str(" And ");
                    }
                    out.push_str(&piece);
                    depth = depth.max(d);
                }
                (out, depth)
            }
            Ex::Or(children) => {
                let mut parts = Vec::new();
                let mut depth = 0;
                for c in children {
                    let (piece, d) = match c {
                        Ex::Atom(a) => (a.text.clone(), 0),
                        Ex::And(items) if !starts_with_not(items) => c.render(),
                        Ex::Or(_) => c.render(),
                        _ => c.group(),
                    };
                    parts.push(piece);
                    depth = depth.max(d);
                }
                (parts.join(" Or "), depth)
            }
        }
    }

    /// The node as a unit (a comparison or a group).
    fn unit(&self) -> (String, usize) {
        match self {
            Ex::Atom(a) => (a.text.clone(), 0),
            _ => self.group(),
        }
    }

    fn group(&self) -> (String, usize) {
        let (s, d) = self.render();
        (format!("({s})"), d + 1)
    }

    fn atoms(&self) -> Vec<&Atom> {
        match self {
            Ex::Atom(a) => vec![a],
            Ex::Not(x) => x.atoms(),
            Ex::And(c) | Ex::Or(c) => c.iter().flat_map(Ex::atoms).collect(),
        }
    }

    /// Smaller trees, for shrinking: each child alone, the node without one child, the
    /// child of a `Not`, and the same applied inside each child.
    fn smaller(&self) -> Vec<Ex> {
        let mut out = Vec::new();
        match self {
            Ex::Atom(_) => {}
            Ex::Not(x) => {
                out.push((**x).clone());
                for s in x.smaller() {
                    out.push(Ex::Not(Box::new(s)));
                }
            }
            Ex::And(children) | Ex::Or(children) => {
                let rebuild = |v: Vec<Ex>| -> Ex {
                    if v.len() == 1 {
                        v.into_iter().next().expect("one")
                    } else if matches!(self, Ex::And(_)) {
                        Ex::And(v)
                    } else {
                        Ex::Or(v)
                    }
                };
                for c in children {
                    out.push(c.clone());
                }
                for i in 0..children.len() {
                    let mut v = children.clone();
                    v.remove(i);
                    out.push(rebuild(v));
                }
                for (i, c) in children.iter().enumerate() {
                    for s in c.smaller() {
                        let mut v = children.clone();
                        v[i] = s;
                        out.push(rebuild(v));
                    }
                }
            }
        }
        out
    }
}

/// Whether a conjunction, written inline, starts with `Not`.
fn starts_with_not(items: &[Ex]) -> bool {
    match items.first() {
        Some(Ex::Not(_)) => true,
        Some(Ex::And(inner)) => starts_with_not(inner),
        _ => false,
    }
}

// ---- fields -------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Int,
    Dec,
    Bool,
    Date,
    DateTime,
    Time,
    /// Character list or object keys.
    List,
    Phone,
    NameWords,
}

/// A searchable field, as the generator sees it.
#[derive(Clone, Debug)]
struct Field {
    /// As written in filters.
    name: String,
    /// Where its values are in records (to draw values from the data).
    path: &'static str,
    kind: Kind,
    case_sensitive: bool,
    /// Multi-valued (functions and arithmetic are not allowed on it).
    multi: bool,
    eq_only: bool,
    /// The values a condition may use exactly.
    values: Option<Vec<String>>,
    /// Values found in the data.
    strings: Vec<String>,
    numbers: Vec<Value>,
}

impl Field {
    fn new(name: &str, path: &'static str, kind: Kind) -> Field {
        Field {
            name: name.to_string(),
            path,
            kind,
            case_sensitive: false,
            multi: path.contains("[]") || path.contains("{}"),
            eq_only: false,
            values: None,
            strings: Vec::new(),
            numbers: Vec::new(),
        }
    }

    fn cs(mut self) -> Field {
        self.case_sensitive = true;
        self
    }

    fn eq_only(mut self) -> Field {
        self.eq_only = true;
        self
    }

    fn values(mut self, v: &[&str]) -> Field {
        self.values = Some(v.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Fills the value pools from the records.
    fn observe(&mut self, records: &[Value]) {
        self.strings = support::strings_at(records, self.path);
        let mut nums = Vec::new();
        for r in records {
            for v in support::values_at(r, self.path) {
                if v.is_number() {
                    nums.push(v.clone());
                }
            }
        }
        nums.sort_by_key(|a| a.to_string());
        nums.dedup();
        self.numbers = nums;
    }
}

// ---- values ---------------------------------------------------------------------------------

/// Text that makes trouble: case folding beyond ASCII, LIKE metacharacters, quotes,
/// backslashes, SQL-looking text, combining marks, emoji.
const TEXTS: &[&str] = &[
    "Fargo",
    "fargo",
    "FARGO",
    "West Fargo",
    "Moorhead",
    "moorhead",
    "Straße",
    "STRASSE",
    "strasse",
    "Strasse",
    "ZÜRICH",
    "Zürich",
    "zürich",
    "Zurich",
    "İstanbul",
    "istanbul",
    "ISTANBUL",
    "ǅemal",
    "Ǆemal",
    "ǆemal",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "ﬁne",
    "FINE",
    "\u{212A}elvin",
    "kelvin",
    "Café 😀",
    "😀",
    "🏠 Home",
    "O'Brien",
    "o'brien",
    "D'Angelo",
    "back\\slash",
    "BACK\\SLASH",
    "100% pure",
    "100%",
    "under_score",
    "a_b%c",
    "",
    " ",
    " padded ",
    "\tTabbed\n",
    "star*name",
    "STAR*NAME",
    "quote\"d",
    "日本語",
    "Ωmega",
    "ωmega",
    "a*b",
    "ab",
    "a",
    "x",
    "abc abc",
    "Saint-Jérôme",
    "ÅNGSTRÖM",
    "ångström",
    "Ǳ",
    "ı",
    "I",
    "i",
    "ẞ",
    "ß",
    "ss",
    "SS",
    "--",
    "; DROP TABLE custom; --",
    "?1",
    "$1",
    "'",
    "\\'",
    "%",
    "_",
    "e\u{0301}",
    "é",
    "line\nbreak",
    "vivid",
    "\u{b}vertical tab\u{b}",
];

const INTS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    5,
    7,
    -7,
    10,
    42,
    100,
    -100,
    1000,
    99_999,
    123_456_789,
    i64::MAX,
    i64::MAX - 1,
    i64::MIN + 1,
    i64::MIN,
];

const DECIMALS: &[f64] = &[
    0.0,
    0.1,
    0.2,
    0.3,
    0.300_000_000_000_000_04,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    3.25,
    1e20,
    -1e-7,
    100.0,
    123_456.789,
    -0.0,
    9.999_999_999,
    2.499_999_999_999_999_6,
    0.499_999_999_999_999_94,
];

const DATES: &[&str] = &[
    "2024-01-31",
    "2024-02-01",
    "2024-02-28",
    "2024-02-29",
    "2024-03-01",
    "2023-12-31",
    "2024-01-01",
    "2024-12-31",
    "2025-01-01",
    "1999-12-31",
    "2000-02-29",
    "2026-11-22",
    "2026-11-21",
    "2026-10-22",
    "2024-04-30",
    "2024-05-01",
];

const BAD_DATES: &[&str] = &[
    "2024-02-30",
    "2024-1-5",
    "not a date",
    "2024-01-31T10:00:00Z",
    "",
];

const DATETIMES: &[&str] = &[
    "2024-01-31T23:30:00Z",
    "2024-01-31T23:30:00-05:00",
    "2024-02-01T01:00:00+02:00",
    "2024-02-29T12:00:00",
    "2024-03-01T00:00",
    "2024-02-29T23:59:59.999999Z",
    "2024-12-31T23:59:59+14:00",
    "2025-01-01T00:00:00-12:00",
    "2024-06-15T12:34:56.5Z",
    "2024-06-15T12:34:56.123456Z",
    "2026-11-22T12:00:00Z",
    "2026-11-22T11:59:59Z",
    "2024-05-05",
    "2024-01-31T18:30:00+05:30",
    "2023-12-31T23:00:00-01:00",
    "2024-07-04T00:00:00.000001Z",
];

const BAD_DATETIMES: &[&str] = &[
    "garbage",
    "2024-13-01T00:00:00Z",
    "2024-01-31T23:30:00+0530",
    "",
];

const TIMES: &[&str] = &[
    "00:00",
    "00:00:00",
    "23:59:59",
    "12:30:15.5",
    "09:05",
    "12:00:00.000001",
    "23:59:59.999999",
    "12:00",
    "17:45:30",
];

const BAD_TIMES: &[&str] = &["noon", "25:00", "12-00", ""];

const FEATURE_KEYS: &[&str] = &[
    "Pool",
    "pool",
    "Garage",
    "Dock",
    "Straße",
    "ZÜRICH View",
    "100%",
    "a_b",
    "O'Hare",
    "😀",
];

fn decimal_literal(f: f64) -> String {
    let mut s = format!("{f}");
    if s == "-0" {
        s = "-0".into();
    }
    if !s.contains('.') {
        s.push_str(".0");
    }
    s
}

fn int_literal(i: i64) -> String {
    // i64::MIN is written as an expression the lexer reads as a number that fits.
    if i == i64::MIN {
        (i + 1).to_string()
    } else {
        i.to_string()
    }
}

/// Parses a record datetime the way records are read (RFC 3339, or naive in `zone`, or a
/// date at midnight), for choosing literals near the data.
fn instant(s: &str, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })?;
    naive.and_local_timezone(zone).single()
}

// ---- the generator --------------------------------------------------------------------------

struct Gen {
    rng: Rng,
    fields: Vec<Field>,
    zone: FixedOffset,
}

impl Gen {
    fn field(&mut self) -> Field {
        let i = self.rng.below(self.fields.len());
        self.fields[i].clone()
    }

    /// A piece of text: usually from the data (sometimes with its case changed), otherwise a
    /// troublesome constant or a piece of a data value.
    fn text(&mut self, f: &Field) -> String {
        let r = self.rng.below(100);
        let base = if !f.strings.is_empty() && r < 65 {
            self.rng.pick(&f.strings).clone()
        } else if r < 85 || f.strings.is_empty() {
            self.rng.pick(TEXTS).to_string()
        } else {
            let s = self.rng.pick(&f.strings).clone();
            self.piece(&s)
        };
        self.recase(&base, f.case_sensitive)
    }

    fn recase(&mut self, s: &str, case_sensitive: bool) -> String {
        let p = if case_sensitive { 10 } else { 35 };
        if !self.rng.chance(p) {
            return s.to_string();
        }
        if self.rng.chance(50) {
            s.to_uppercase()
        } else {
            s.to_lowercase()
        }
    }

    /// A non-empty run of characters of `s` (or `s` itself when it is short).
    fn piece(&mut self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() <= 1 {
            return s.to_string();
        }
        let len = 1 + self.rng.below(chars.len().min(5));
        let start = self.rng.below(chars.len() - len + 1);
        chars[start..start + len].iter().collect()
    }

    fn prefix(&mut self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let k = if chars.is_empty() {
            0
        } else {
            1 + self.rng.below(chars.len().min(4))
        };
        chars[..k].iter().collect()
    }

    fn suffix(&mut self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let k = if chars.is_empty() {
            0
        } else {
            1 + self.rng.below(chars.len().min(4))
        };
        chars[chars.len() - k..].iter().collect()
    }

    /// A character value with wildcards built from data text, and its construct.
    fn wildcard_value(&mut self, f: &Field) -> (String, &'static str) {
        let s = self.text(f);
        let mut r = self.rng.below(9);
        if r == 7 && f.values.is_some() {
            // An escaped star alone is an exact value, which must be one of the listed values.
            r = 0;
        }
        match r {
            0 | 1 => (wildcard(&[&self.prefix(&s), ""]), "wild-prefix"),
            2 => (wildcard(&["", &self.suffix(&s)]), "wild-suffix"),
            3 | 4 => (wildcard(&["", &self.piece(&s), ""]), "wild-contains"),
            5 => {
                let (a, b) = (self.prefix(&s), self.suffix(&s));
                (wildcard(&[&a, &b]), "wild-infix")
            }
            6 => {
                let (a, b) = (self.piece(&s), self.piece(&s));
                let parts: Vec<&str> = if self.rng.chance(50) {
                    vec!["", &a, &b, ""]
                } else {
                    vec![&a, "", &b]
                };
                (wildcard(&parts), "wild-multi")
            }
            7 => {
                // A literal star, escaped, in an exact value or next to a wildcard.
                let v = format!("{}*{}", self.prefix(&s), self.suffix(&s));
                if self.rng.chance(50) {
                    (quote(&v), "escaped-star")
                } else {
                    (format!("'{}*'", escape(&v)), "escaped-star-prefix")
                }
            }
            _ => {
                if self.rng.chance(30) {
                    ("'*'".to_string(), "wild-star")
                } else {
                    // A backslash right before a wildcard: `'a\\*'`.
                    (
                        wildcard(&[&format!("{}\\", self.prefix(&s)), ""]),
                        "wild-backslash",
                    )
                }
            }
        }
    }

    fn eq_ne(&mut self, f: &Field) -> &'static str {
        if f.eq_only || self.rng.chance(70) {
            "Eq"
        } else {
            "Ne"
        }
    }

    fn ordered_op(&mut self, f: &Field) -> &'static str {
        if f.eq_only {
            return "Eq";
        }
        const OPS: [&str; 6] = ["Eq", "Ne", "Gt", "Ge", "Lt", "Le"];
        OPS[self.rng.below(OPS.len())]
    }

    fn atom(&mut self) -> Atom {
        let f = self.field();
        let ci = matches!(f.kind, Kind::Text | Kind::List | Kind::NameWords) && !f.case_sensitive;
        let (text, construct) = match f.kind {
            Kind::Text => self.text_atom(&f),
            Kind::List => self.list_atom(&f),
            Kind::Int => self.int_atom(&f),
            Kind::Dec => self.dec_atom(&f),
            Kind::Bool => self.bool_atom(&f),
            Kind::Date => self.date_atom(&f),
            Kind::DateTime => self.datetime_atom(&f),
            Kind::Time => self.time_atom(&f),
            Kind::Phone => self.phone_atom(&f),
            Kind::NameWords => self.name_atom(&f),
        };
        Atom {
            text,
            // `~ci`: a text field whose comparisons fold case.
            tag: format!("{construct}@{}{}", f.name, if ci { "~ci" } else { "" }),
        }
    }

    /// An exact value allowed for the field (its `values` list, when it has one).
    fn exact(&mut self, f: &Field) -> String {
        match &f.values {
            Some(v) => {
                let v = self.rng.pick(v).clone();
                self.recase(&v, f.case_sensitive)
            }
            None => self.text(f),
        }
    }

    fn text_atom(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let mut r = self.rng.below(100);
        if f.name == "Name" && (65..=75).contains(&r) {
            // The name rule takes character values: regex() and range() are rejected.
            r = 0;
        }
        let (text, construct): (String, String) = match r {
            0..=19 => {
                let op = self.eq_ne(f);
                let v = self.exact(f);
                (format!("{n} {op} {}", quote(&v)), "exact".into())
            }
            20..=29 => {
                let op = self.eq_ne(f);
                let k = 2 + self.rng.below(3);
                let mut items = Vec::new();
                for _ in 0..k {
                    items.push(if self.rng.chance(30) && f.values.is_none() {
                        self.wildcard_value(f).0
                    } else {
                        quote(&self.exact(f))
                    });
                }
                (format!("{n} {op} {}", items.join(",")), "list".into())
            }
            30..=49 => {
                let op = self.eq_ne(f);
                let (v, c) = self.wildcard_value(f);
                (format!("{n} {op} {v}"), c.into())
            }
            50..=59 => {
                let op = self.eq_ne(f);
                let s = self.text(f);
                let (func, arg) = match self.rng.below(3) {
                    0 => ("contains", self.piece(&s)),
                    1 => ("startswith", self.prefix(&s)),
                    _ => ("endswith", self.suffix(&s)),
                };
                (format!("{n} {op} {func}({})", quote(&arg)), func.into())
            }
            60..=64 if f.values.is_none() => {
                let op = self.eq_ne(f);
                (format!("{n} {op} NULL"), "null".into())
            }
            65..=71 => {
                let op = self.eq_ne(f);
                let (pattern, flag) = self.regex(f);
                let flag = if flag { ", 'i'" } else { "" };
                (
                    format!("{n} {op} regex({}{flag})", quote(&pattern)),
                    if flag.is_empty() { "regex" } else { "regex-i" }.into(),
                )
            }
            72..=75 => {
                let op = self.eq_ne(f);
                let (a, b) = (self.text(f), self.text(f));
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                let lo = self.prefix(&lo);
                (
                    format!("{n} {op} range({},{})", quote(&lo), quote(&hi)),
                    "range".into(),
                )
            }
            _ if !f.multi => self.text_function(f),
            _ => {
                let op = self.eq_ne(f);
                let v = self.exact(f);
                (format!("{n} {op} {}", quote(&v)), "exact".into())
            }
        };
        (text, construct)
    }

    /// A regular expression both engines read the same way, from the data when possible.
    fn regex(&mut self, f: &Field) -> (String, bool) {
        let flag = self.rng.chance(35);
        let s = self.text(f);
        let simple = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == ' ');
        let p = match self.rng.below(6) {
            0 => {
                let p = self.prefix(&s);
                if simple(&p) {
                    format!("^{p}")
                } else {
                    "^[A-Z]".into()
                }
            }
            1 => {
                let p = self.suffix(&s);
                if simple(&p) {
                    format!("{p}$")
                } else {
                    "[0-9]$".into()
                }
            }
            2 => {
                let p = self.piece(&s);
                if simple(&p) { p } else { "o".into() }
            }
            3 => (*self.rng.pick(&[
                "^[a-z]+$", "[0-9]", "^$", "a|e", "^.*$", "r.o", "^ ", r"\bo", r"\w+$", r"\d",
                "(?m)^a", "[^a-z]",
            ]))
            .to_string(),
            _ => {
                let (a, b) = (self.prefix(&s), self.suffix(&s));
                if simple(&a) && simple(&b) {
                    format!("^{a}.*{b}$")
                } else {
                    "^F".into()
                }
            }
        };
        (p, flag)
    }

    /// `tolower(F) Eq …`, `length(F) Gt …` and the other text functions.
    fn text_function(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let s = self.text(f);
        let op = self.eq_ne(f);
        match self.rng.below(10) {
            0 => {
                let v = if self.rng.chance(70) {
                    s.to_lowercase()
                } else {
                    s.clone()
                };
                let rhs = if self.rng.chance(25) {
                    format!("'{}*'", escape(&self.prefix(&v)))
                } else {
                    quote(&v)
                };
                (format!("tolower({n}) {op} {rhs}"), "fn-tolower".into())
            }
            1 => {
                let v = if self.rng.chance(70) {
                    s.to_uppercase()
                } else {
                    s.clone()
                };
                (
                    format!("toupper({n}) {op} {}", quote(&v)),
                    "fn-toupper".into(),
                )
            }
            2 => (
                format!("trim({n}) {op} {}", quote(s.trim())),
                "fn-trim".into(),
            ),
            3 => {
                let cmp = self.ordered_op(f);
                let len = s.chars().count() as i64 + self.rng.range(-1, 1);
                (format!("length({n}) {cmp} {len}"), "fn-length".into())
            }
            4 => {
                let needle = self.piece(&s);
                let cmp = self.ordered_op(f);
                let pos = s
                    .find(&needle)
                    .map_or(-1, |b| s[..b].chars().count() as i64);
                (
                    format!("indexof({n}, {}) {cmp} {pos}", quote(&needle)),
                    "fn-indexof".into(),
                )
            }
            5 => {
                let tail = *self.rng.pick(&["x", "'", "%", " ", "Ü"]);
                (
                    format!(
                        "concat({n}, {}) {op} {}",
                        quote(tail),
                        quote(&format!("{s}{tail}"))
                    ),
                    "fn-concat".into(),
                )
            }
            6 => {
                let start = self.rng.below(3);
                let chars: Vec<char> = s.chars().collect();
                if self.rng.chance(50) {
                    let len = self.rng.below(4);
                    let v: String = chars.iter().skip(start).take(len).collect();
                    (
                        format!("substring({n}, {start}, {len}) {op} {}", quote(&v)),
                        "fn-substring".into(),
                    )
                } else {
                    let v: String = chars.iter().skip(start).collect();
                    (
                        format!("substring({n}, {start}) {op} {}", quote(&v)),
                        "fn-substring".into(),
                    )
                }
            }
            7 => {
                let cmp = if f.eq_only {
                    "Eq"
                } else {
                    *self.rng.pick(&["Eq", "Gt", "Le"])
                };
                let len = s.trim().chars().count();
                (
                    format!("length(trim({n})) {cmp} {len}"),
                    "fn-length-trim".into(),
                )
            }
            8 => (
                format!(
                    "tolower(trim({n})) {op} {}",
                    quote(&s.trim().to_lowercase())
                ),
                "fn-tolower-trim".into(),
            ),
            _ => {
                let (v, c) = self.wildcard_value(f);
                (format!("trim({n}) {op} {v}"), format!("fn-trim-{c}"))
            }
        }
    }

    fn list_atom(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let op = self.eq_ne(f);
        match self.rng.below(10) {
            0..=2 => (format!("{n} {op} {}", quote(&self.text(f))), "exact".into()),
            3 | 4 => {
                let k = 2 + self.rng.below(3);
                let items: Vec<String> = (0..k).map(|_| quote(&self.text(f))).collect();
                (format!("{n} {op} {}", items.join(",")), "list".into())
            }
            5 | 6 => {
                let (v, c) = self.wildcard_value(f);
                (format!("{n} {op} {v}"), c.into())
            }
            7 => {
                let s = self.text(f);
                let p = self.piece(&s);
                (
                    format!("{n} {op} contains({})", quote(&p)),
                    "contains".into(),
                )
            }
            8 => (format!("{n} {op} NULL"), "null".into()),
            _ => {
                let k = 1 + self.rng.below(3);
                let items: Vec<String> = (0..k).map(|_| quote(&self.text(f))).collect();
                (format!("all({n}) {op} {}", items.join(",")), "all".into())
            }
        }
    }

    fn int_value(&mut self, f: &Field) -> i64 {
        if !f.numbers.is_empty() && self.rng.chance(60) {
            let v = self.rng.pick(&f.numbers).clone();
            let i = v
                .as_i64()
                .unwrap_or_else(|| v.as_f64().unwrap_or(0.0) as i64);
            i.saturating_add(self.rng.range(-1, 1) * i64::from(self.rng.chance(30)))
        } else {
            *self.rng.pick(INTS)
        }
    }

    fn numeric_tail(&mut self, f: &Field, n: &str, integer: bool) -> (String, String) {
        let value = |g: &mut Gen| {
            if integer {
                int_literal(g.int_value(f))
            } else {
                g.dec_literal(f)
            }
        };
        match self.rng.below(100) {
            0..=34 => {
                let op = self.ordered_op(f);
                (format!("{n} {op} {}", value(self)), "compare".into())
            }
            35..=44 => {
                let (a, b) = (value(self), value(self));
                let (pa, pb) = (
                    a.parse::<f64>().unwrap_or(0.0),
                    b.parse::<f64>().unwrap_or(0.0),
                );
                let (lo, hi) = if pa <= pb { (a, b) } else { (b, a) };
                let op = if f.eq_only { "Eq" } else { "Bt" };
                if op == "Bt" {
                    (format!("{n} Bt {lo},{hi}"), "between".into())
                } else {
                    (format!("{n} Eq {lo},{hi}"), "list".into())
                }
            }
            45..=54 => {
                let op = self.eq_ne(f);
                let k = 2 + self.rng.below(3);
                let items: Vec<String> = (0..k).map(|_| value(self)).collect();
                (format!("{n} {op} {}", items.join(",")), "list".into())
            }
            55..=59 => {
                let op = self.eq_ne(f);
                (format!("{n} {op} NULL"), "null".into())
            }
            60..=66 => {
                // The other numeric type on the right: 2.5 against an integer field.
                let op = self.ordered_op(f);
                let v = if integer {
                    decimal_literal(self.int_value(f) as f64 + *self.rng.pick(&[0.5, 0.0, -0.25]))
                } else {
                    int_literal(self.int_value(f).clamp(-1_000_000, 1_000_000))
                };
                (format!("{n} {op} {v}"), "mixed-number".into())
            }
            67..=70 => {
                // Literal arithmetic on the value side, folded by the planner.
                let op = self.ordered_op(f);
                let (a, b) = (self.rng.range(-5, 50), self.rng.range(1, 9));
                let arith = *self.rng.pick(&["Add", "Sub", "Mul", "Div", "Mod"]);
                (format!("{n} {op} {a} {arith} {b}"), "literal-arith".into())
            }
            _ if f.multi => {
                let op = self.ordered_op(f);
                (format!("{n} {op} {}", value(self)), "compare".into())
            }
            _ => self.arith(f, n, integer),
        }
    }

    /// Field-side arithmetic and number functions.
    fn arith(&mut self, f: &Field, n: &str, integer: bool) -> (String, String) {
        let op = self.ordered_op(f);
        let other_int = self
            .fields
            .iter()
            .find(|o| o.kind == Kind::Int && !o.multi && o.name != f.name)
            .map(|o| o.name.clone());
        match self.rng.below(8) {
            0..=2 => {
                let a = *self.rng.pick(&["Add", "Sub", "Mul", "Div", "Mod"]);
                let k = if integer {
                    int_literal(*self.rng.pick(&[1, 2, 3, 7, -3, 0, 1000, i64::MAX]))
                } else {
                    decimal_literal(*self.rng.pick(&[0.5, 2.0, -1.5, 0.1, 0.0]))
                };
                let v = if integer {
                    int_literal(self.rng.range(-10, 10) * i64::from(self.rng.chance(70)))
                } else {
                    decimal_literal(self.rng.range(-10, 10) as f64 / 2.0)
                };
                (
                    format!("{n} {a} {k} {op} {v}"),
                    format!("arith-{}", a.to_lowercase()),
                )
            }
            3 => {
                let v = int_literal(self.int_value(f));
                (format!("-{n} {op} {v}"), "negate".into())
            }
            4 => match other_int {
                Some(o) => {
                    let a = *self.rng.pick(&["Add", "Sub", "Mul", "Div", "Mod"]);
                    let v = int_literal(self.rng.range(-3, 3));
                    (
                        format!("{n} {a} {o} {op} {v}"),
                        format!("arith-fields-{}", a.to_lowercase()),
                    )
                }
                None => {
                    let v = int_literal(self.int_value(f));
                    (format!("({n} Add 1) Mul 2 {op} {v}"), "arith-nested".into())
                }
            },
            5 => {
                let v = int_literal(self.rng.range(-10, 10));
                (format!("({n} Add 1) Mul 2 {op} {v}"), "arith-nested".into())
            }
            _ => {
                let func = *self.rng.pick(&["round", "floor", "ceiling"]);
                let v = int_literal(self.int_value(f).clamp(-1_000_000, 1_000_000));
                (format!("{func}({n}) {op} {v}"), format!("fn-{func}"))
            }
        }
    }

    fn int_atom(&mut self, f: &Field) -> (String, String) {
        let n = f.name.clone();
        self.numeric_tail(f, &n, true)
    }

    fn dec_literal(&mut self, f: &Field) -> String {
        if !f.numbers.is_empty() && self.rng.chance(60) {
            let v = self.rng.pick(&f.numbers).clone();
            decimal_literal(v.as_f64().unwrap_or(0.0))
        } else {
            decimal_literal(*self.rng.pick(DECIMALS))
        }
    }

    fn dec_atom(&mut self, f: &Field) -> (String, String) {
        let n = f.name.clone();
        self.numeric_tail(f, &n, false)
    }

    fn bool_atom(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let op = self.eq_ne(f);
        let v = *self.rng.pick(&["true", "false", "true", "false", "NULL"]);
        (format!("{n} {op} {v}"), "boolean".into())
    }

    fn date_value(&mut self, f: &Field) -> NaiveDate {
        let s = if !f.strings.is_empty() && self.rng.chance(60) {
            self.rng.pick(&f.strings).clone()
        } else {
            self.rng.pick(DATES).to_string()
        };
        let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .unwrap_or(NaiveDate::from_ymd_opt(2024, 2, 29).expect("date"));
        d + chrono::Duration::days(self.rng.range(-1, 1) * i64::from(self.rng.chance(30)))
    }

    fn date_atom(&mut self, f: &Field) -> (String, String) {
        let n = f.name.clone();
        let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        match self.rng.below(100) {
            0..=34 => {
                let op = self.ordered_op(f);
                let d = self.date_value(f);
                (format!("{n} {op} {}", fmt(d)), "compare".into())
            }
            35..=44 => {
                let (a, b) = (self.date_value(f), self.date_value(f));
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                (format!("{n} Bt {},{}", fmt(lo), fmt(hi)), "between".into())
            }
            45..=52 => {
                let op = self.eq_ne(f);
                // List items are characters, numbers or functions: dates come from days().
                let k = 2 + self.rng.below(3);
                let now = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
                let items: Vec<String> = (0..k)
                    .map(|_| format!("days({})", (self.date_value(f) - now).num_days()))
                    .collect();
                (format!("{n} {op} {}", items.join(",")), "list-days".into())
            }
            53..=57 => {
                let op = self.eq_ne(f);
                (format!("{n} {op} NULL"), "null".into())
            }
            58..=64 => {
                // A datetime against a date field compares its local date.
                let op = self.ordered_op(f);
                let t = self.datetime_literal(f);
                (format!("{n} {op} {t}"), "date-vs-datetime".into())
            }
            65..=70 => {
                let op = self.ordered_op(f);
                let func = *self.rng.pick(&[
                    "days(-1000)",
                    "months(-30)",
                    "years(-2)",
                    "now()",
                    "weekdays(-400)",
                    "days(0)",
                ]);
                (format!("{n} {op} {func}"), "relative".into())
            }
            _ if f.multi => {
                let op = self.ordered_op(f);
                let d = self.date_value(f);
                (format!("{n} {op} {}", fmt(d)), "compare".into())
            }
            _ => self.date_part(f, &n),
        }
    }

    /// `year(F) Eq …` and the other date parts, with values near the data.
    fn date_part(&mut self, f: &Field, n: &str) -> (String, String) {
        let op = self.ordered_op(f);
        let d = self.date_value(f);
        let datetime = f.kind == Kind::DateTime;
        let t = if datetime {
            self.datetime_value(f)
                .map(|t| t.with_timezone(&self.zone).naive_local())
        } else {
            None
        }
        .unwrap_or(d.and_time(NaiveTime::MIN));
        let parts: &[&str] = if datetime {
            &[
                "year",
                "month",
                "day",
                "dayofweek",
                "dayofyear",
                "hour",
                "minute",
                "second",
                "date",
                "time",
                "fractionalseconds",
            ]
        } else {
            &["year", "month", "day", "dayofweek", "dayofyear", "date"]
        };
        let func = *self.rng.pick(parts);
        let v = match func {
            "year" => t.year().to_string(),
            "month" => t.month().to_string(),
            "day" => t.day().to_string(),
            "dayofweek" => (t.weekday().num_days_from_sunday() + 1).to_string(),
            "dayofyear" => t.ordinal().to_string(),
            "hour" => t.hour().to_string(),
            "minute" => t.minute().to_string(),
            "second" => t.second().to_string(),
            "date" => t.date().format("%Y-%m-%d").to_string(),
            "time" => t.time().format("%H:%M:%S%.f").to_string(),
            _ => decimal_literal(f64::from(t.nanosecond()) / 1e9),
        };
        (format!("{func}({n}) {op} {v}"), format!("fn-{func}"))
    }

    fn datetime_value(&mut self, f: &Field) -> Option<DateTime<FixedOffset>> {
        let s = if !f.strings.is_empty() && self.rng.chance(60) {
            self.rng.pick(&f.strings).clone()
        } else {
            self.rng.pick(DATETIMES).to_string()
        };
        // Leap seconds are data, not literals: the parser rejects `23:59:60`.
        let t = instant(&s, self.zone).filter(|t| t.nanosecond() < 1_000_000_000)?;
        let shift = if self.rng.chance(25) {
            self.rng.range(-1, 1)
        } else {
            0
        };
        Some(t + chrono::Duration::seconds(shift))
    }

    /// A datetime literal near the data, written with `Z`, an offset (`±HH:MM`, `±HHMM`) or
    /// no zone (the plan's zone).
    fn datetime_literal(&mut self, f: &Field) -> String {
        let t = self
            .datetime_value(f)
            .unwrap_or_else(|| instant("2024-02-29T12:00:00Z", self.zone).expect("instant"));
        let frac = if t.nanosecond() == 0 { "" } else { "%.f" };
        match self.rng.below(5) {
            0 => t
                .to_utc()
                .format(&format!("%Y-%m-%dT%H:%M:%S{frac}Z"))
                .to_string(),
            1 => {
                let z = FixedOffset::east_opt(-5 * 3600).expect("zone");
                t.with_timezone(&z)
                    .format(&format!("%Y-%m-%dT%H:%M:%S{frac}%:z"))
                    .to_string()
            }
            2 => {
                let z = FixedOffset::east_opt(5 * 3600 + 1800).expect("zone");
                t.with_timezone(&z)
                    .format(&format!("%Y-%m-%dT%H:%M:%S{frac}%z"))
                    .to_string()
            }
            3 => t
                .with_timezone(&self.zone)
                .format(&format!("%Y-%m-%dT%H:%M:%S{frac}"))
                .to_string(),
            _ => t
                .with_timezone(&self.zone)
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
        }
    }

    fn datetime_atom(&mut self, f: &Field) -> (String, String) {
        let n = f.name.clone();
        match self.rng.below(100) {
            0..=29 => {
                let op = self.ordered_op(f);
                let t = self.datetime_literal(f);
                (format!("{n} {op} {t}"), "compare".into())
            }
            30..=39 => {
                let (a, b) = (self.datetime_literal(f), self.datetime_literal(f));
                let key = |s: &str| instant(s, self.zone).map(|t| t.to_utc());
                let (lo, hi) = if key(&a) <= key(&b) { (a, b) } else { (b, a) };
                (format!("{n} Bt {lo},{hi}"), "between".into())
            }
            40..=45 => {
                let op = self.eq_ne(f);
                // List items are characters, numbers or functions.
                let k = 2 + self.rng.below(2);
                let items: Vec<String> = (0..k)
                    .map(|_| {
                        (*self.rng.pick(&[
                            "now()",
                            "seconds(-1)",
                            "hours(-12)",
                            "days(-1027)",
                            "days(0)",
                            "minutes(30)",
                        ]))
                        .to_string()
                    })
                    .collect();
                (
                    format!("{n} {op} {}", items.join(",")),
                    "list-functions".into(),
                )
            }
            46..=49 => {
                let op = self.eq_ne(f);
                (format!("{n} {op} NULL"), "null".into())
            }
            50..=59 => {
                // A date against a datetime field compares the calendar day in the zone.
                let op = self.ordered_op(f);
                let d = self
                    .datetime_value(f)
                    .map(|t| t.with_timezone(&self.zone).date_naive())
                    .unwrap_or(self.date_value(f));
                (
                    format!("{n} {op} {}", d.format("%Y-%m-%d")),
                    "datetime-vs-date".into(),
                )
            }
            60..=64 => {
                let d = self.date_value(f).format("%Y-%m-%d").to_string();
                let t = self.datetime_literal(f);
                (format!("{n} Bt {d},{t}"), "between-date-datetime".into())
            }
            65..=69 => {
                let op = self.ordered_op(f);
                let func = *self.rng.pick(&[
                    "now()",
                    "hours(-24)",
                    "days(-365)",
                    "minutes(-90)",
                    "seconds(30)",
                    "mindatetime()",
                    "maxdatetime()",
                ]);
                (format!("{n} {op} {func}"), "relative".into())
            }
            _ if f.multi => {
                let op = self.ordered_op(f);
                let t = self.datetime_literal(f);
                (format!("{n} {op} {t}"), "compare".into())
            }
            _ => self.date_part(f, &n),
        }
    }

    fn time_atom(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let value = |g: &mut Gen| {
            let s = if !f.strings.is_empty() && g.rng.chance(60) {
                g.rng.pick(&f.strings).clone()
            } else {
                g.rng.pick(TIMES).to_string()
            };
            match NaiveTime::parse_from_str(&s, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M"))
            {
                Ok(t) if t.nanosecond() < 1_000_000_000 => {
                    let t = t + chrono::Duration::seconds(
                        g.rng.range(-1, 1) * i64::from(g.rng.chance(30)),
                    );
                    t.format("%H:%M:%S%.f").to_string()
                }
                _ => "12:00".to_string(),
            }
        };
        match self.rng.below(10) {
            0..=4 => {
                let op = self.ordered_op(f);
                (format!("{n} {op} {}", value(self)), "compare".into())
            }
            5 | 6 => {
                let (a, b) = (value(self), value(self));
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                (format!("{n} Bt {lo},{hi}"), "between".into())
            }
            7 | 8 => {
                // No list: list items cannot be times.
                let op = self.eq_ne(f);
                (format!("{n} {op} {}", value(self)), "compare".into())
            }
            _ => {
                let op = self.eq_ne(f);
                (format!("{n} {op} NULL"), "null".into())
            }
        }
    }

    /// Phone queries in the seed's forms, built from the record's numbers.
    fn phone_atom(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let op = self.eq_ne(f);
        let k = if self.rng.chance(80) { 1 } else { 2 };
        let mut items = Vec::new();
        let mut construct = "phone";
        for _ in 0..k {
            let q = if !f.strings.is_empty() && self.rng.chance(80) {
                let number = self.rng.pick(&f.strings).clone();
                match self.phone_query(&number) {
                    Some((q, c)) => {
                        construct = c;
                        q
                    }
                    None => "555-1212".into(),
                }
            } else {
                self.rng
                    .pick(&[
                        "555-1212",
                        "701-555-1212",
                        "1 701-555-1212 x12",
                        "5551212",
                        "1 7015551212",
                        "555-1212 x12",
                    ])
                    .to_string()
            };
            items.push(quote(&q));
        }
        if k > 1 {
            construct = "phone-list";
        }
        (format!("{n} {op} {}", items.join(",")), construct.into())
    }

    fn phone_query(&mut self, number: &str) -> Option<(String, &'static str)> {
        let lower = number.to_ascii_lowercase();
        let cut = ["ext", "x", "#"]
            .iter()
            .filter_map(|m| lower.find(m))
            .min()
            .unwrap_or(lower.len());
        let digits: String = number[..cut].chars().filter(char::is_ascii_digit).collect();
        let ext: String = number[cut..].chars().filter(char::is_ascii_digit).collect();
        let n = digits.len();
        let (country, area, rest) = match n {
            7 => (None, None, &digits[..]),
            10 => (Some("1".to_string()), Some(&digits[..3]), &digits[3..]),
            11..=13 => (
                Some(digits[..n - 10].to_string()),
                Some(&digits[n - 10..n - 7]),
                &digits[n - 7..],
            ),
            _ => return None,
        };
        let (p, l) = (&rest[..3], &rest[3..]);
        let with_ext = |s: String, g: &mut Gen| {
            if !ext.is_empty() && ext.len() <= 6 && g.rng.chance(50) {
                format!("{s} x{ext}")
            } else if g.rng.chance(10) {
                format!("{s} x9")
            } else {
                s
            }
        };
        Some(match (self.rng.below(5), area, country) {
            (0, _, _) | (_, None, _) => {
                if self.rng.chance(50) {
                    (with_ext(format!("{p}-{l}"), self), "phone-short")
                } else {
                    (with_ext(format!("{p}{l}"), self), "phone-short")
                }
            }
            (1, Some(a), _) => (with_ext(format!("{a}-{p}-{l}"), self), "phone-area"),
            (2, Some(a), _) => (with_ext(format!("{a}{p}{l}"), self), "phone-area"),
            (_, Some(a), Some(c)) => {
                if self.rng.chance(50) {
                    (with_ext(format!("{c} {a}-{p}-{l}"), self), "phone-country")
                } else {
                    (with_ext(format!("{c} {a}{p}{l}"), self), "phone-country")
                }
            }
            (_, Some(a), None) => (with_ext(format!("{a}-{p}-{l}"), self), "phone-area"),
        })
    }

    /// The accounts name rule: `Name Eq 'thom*'` applies to every word.
    fn name_atom(&mut self, f: &Field) -> (String, String) {
        let n = &f.name;
        let name = if f.strings.is_empty() {
            "Carl J Thomason".to_string()
        } else {
            self.rng.pick(&f.strings).clone()
        };
        let words: Vec<String> = name.split_whitespace().map(str::to_string).collect();
        let word = if words.is_empty() {
            "thom".to_string()
        } else {
            self.rng.pick(&words).clone()
        };
        let word = self.recase(&word, false);
        match self.rng.below(10) {
            0..=2 => (
                format!("{n} Eq {}", wildcard(&[&self.prefix(&word), ""])),
                "name-word-prefix".into(),
            ),
            3 => (
                format!("{n} Eq {}", wildcard(&["", &self.suffix(&word)])),
                "name-word-suffix".into(),
            ),
            4 => (
                format!("{n} Eq {}", wildcard(&["", &self.piece(&word), ""])),
                "name-word-contains".into(),
            ),
            5 => {
                let other = self.text(f);
                let other_word = other.split_whitespace().next().unwrap_or("tim").to_string();
                (
                    format!(
                        "{n} Eq {},{}",
                        wildcard(&[&self.prefix(&word), ""]),
                        wildcard(&[&self.prefix(&other_word), ""])
                    ),
                    "name-word-list".into(),
                )
            }
            6 => (
                format!("{n} Eq {}", quote(&self.recase(&name, false))),
                "name-exact".into(),
            ),
            7 => {
                // Whitespace in the value: the rule does not apply, the whole value matches.
                let v = format!("{}*", escape(&self.prefix(&name)));
                let v = if name.contains(' ') {
                    let first = words.first().cloned().unwrap_or_default();
                    format!(
                        "{} {}*",
                        escape(&first),
                        escape(&self.prefix(words.last().map_or("", |w| w.as_str())))
                    )
                } else {
                    v
                };
                (format!("{n} Eq '{v}'"), "name-whole-prefix".into())
            }
            8 => (
                format!(
                    "{n} Eq {}",
                    wildcard(&[&self.prefix(&word), &self.suffix(&word)])
                ),
                "name-word-infix".into(),
            ),
            _ => (format!("{n} Eq {}", quote(&word)), "name-word-exact".into()),
        }
    }

    /// A tree of 1 to 4 comparisons with `And`, `Or`, `Not` and groups.
    fn tree(&mut self, level: u32) -> Ex {
        let r = self.rng.below(100);
        if level >= 2 || r < 40 {
            return Ex::Atom(self.atom());
        }
        let k = 2 + self.rng.below(2);
        match r {
            40..=64 => Ex::And((0..k).map(|_| self.tree(level + 1)).collect()),
            65..=89 => Ex::Or((0..k).map(|_| self.tree(level + 1)).collect()),
            _ => Ex::Not(Box::new(self.tree(level + 1))),
        }
    }
}

// ---- the run ------------------------------------------------------------------------------

/// A generated case: `wrap` adds the schema's required conjuncts to the generated tree.
struct Case {
    tree: Ex,
    wrap: Option<Atom>,
}

impl Case {
    fn whole(&self) -> Ex {
        match &self.wrap {
            None => self.tree.clone(),
            Some(w) => {
                let mut v = vec![Ex::Atom(w.clone())];
                match &self.tree {
                    Ex::And(items) => v.extend(items.iter().cloned()),
                    other => v.push(other.clone()),
                }
                Ex::And(v)
            }
        }
    }

    fn text(&self) -> (String, usize) {
        self.whole().render()
    }
}

#[derive(Default)]
struct Tally {
    filters: usize,
    sqlite_runs: usize,
    pg_runs: usize,
    complement_checks: usize,
    /// Filters whose result is neither empty nor every record.
    selective: usize,
    empty: usize,
    constructs: BTreeMap<String, usize>,
    known: BTreeMap<&'static str, (usize, String)>,
    /// Differences hidden behind a known PostgreSQL parameter-typing error, found by running
    /// the same SQL with typed parameters: (construct → (count, example)).
    latent: BTreeMap<String, (usize, String)>,
    failures: Vec<String>,
}

struct Run<'a> {
    db: &'a mut Db,
    options: PlanOptions,
    label: &'static str,
}

impl Run<'_> {
    fn outcome(&mut self, case: &Case) -> Result<Outcome, String> {
        let (text, _) = case.text();
        self.db.outcome(&text, &self.options)
    }

    /// Shrinks a disagreeing case to a smallest one that still disagrees.
    fn shrink(&mut self, case: Case) -> (Case, Outcome) {
        let mut best = case;
        let mut outcome = self.outcome(&best).expect("the case plans");
        let mut steps = 0;
        'outer: while steps < 200 {
            for smaller in best.tree.smaller() {
                steps += 1;
                let candidate = Case {
                    tree: smaller,
                    wrap: best.wrap.clone(),
                };
                if let Ok(o) = self.outcome(&candidate) {
                    if !o.agree() {
                        best = candidate;
                        outcome = o;
                        continue 'outer;
                    }
                }
            }
            break;
        }
        (best, outcome)
    }

    fn check(&mut self, case: Case, complement: bool, tally: &mut Tally) {
        let (text, depth) = case.text();
        assert!(depth <= 2, "generated a filter deeper than 2: {text}");
        let plan = match self.db.plan(&text, &self.options) {
            Ok(p) => p,
            Err(e) => panic!(
                "[{}] the generator wrote an invalid filter:\n  {text}\n  {e}",
                self.label
            ),
        };
        for a in case.whole().atoms() {
            let construct = a.tag.split('@').next().unwrap_or("").to_string();
            *tally.constructs.entry(construct).or_default() += 1;
        }
        let outcome = self.db.run_plan(&text, &plan);
        if std::env::var_os("SPARK_FILTER_DIFF_VERBOSE").is_some() {
            eprintln!("[{}] {} → {}", self.label, text, outcome.summary());
        }
        tally.filters += 1;
        tally.sqlite_runs += 1;
        if outcome.pg.is_some() {
            tally.pg_runs += 1;
        }
        if outcome.eval.is_empty() {
            tally.empty += 1;
        } else if outcome.eval.len() < self.db.records.len() {
            tally.selective += 1;
        }
        if !outcome.agree() {
            self.disagreement(case, tally);
            return;
        }
        if complement {
            // SQL's own NOT must be the exact complement (no NULL leaks).
            let all = self.db.all_rids();
            let expected: Vec<i64> = all
                .into_iter()
                .filter(|r| !outcome.eval.contains(r))
                .collect();
            let (s, p) = self.db.negated(&plan);
            tally.complement_checks += 1;
            let bad_s = s.as_ref().map_or(true, |r| *r != expected);
            let bad_p = p
                .as_ref()
                .is_some_and(|r| r.as_ref().map_or(true, |r| *r != expected));
            if bad_s || bad_p {
                tally.failures.push(format!(
                    "[{}] NOT (condition) is not the complement in SQL\n{}  expected NOT: {:?}\n  sqlite NOT:   {:?}\n  postgres NOT: {:?}\n",
                    self.label,
                    outcome.report(self.db, 5),
                    expected,
                    s,
                    p
                ));
            }
        }
    }

    fn disagreement(&mut self, case: Case, tally: &mut Tally) {
        let (original, _) = case.text();
        let (small, outcome) = self.shrink(case);
        let (text, _) = small.text();
        let tags: Vec<&str> = small.tree.atoms().iter().map(|a| a.tag.as_str()).collect();
        let shrunk = Shrunk {
            tags: tags.clone(),
            outcome: &outcome,
            lines: &self.db.lines,
        };
        if let Some(known) = KNOWN_DISAGREEMENTS.iter().find(|k| (k.matches)(&shrunk)) {
            let entry = tally.known.entry(known.id).or_insert((0, String::new()));
            entry.0 += 1;
            if entry.1.is_empty() {
                entry.1 = format!("shrunk from: {original}\n{}", outcome.report(self.db, 3));
            }
            if known.id.starts_with("pg-") && shrunk.pg_error().is_some() {
                self.latent(&tags, &outcome, tally);
            }
            return;
        }
        tally.failures.push(format!(
            "[{}] back ends disagree (constructs {tags:?})\n  generated: {original}\n  shrunk:    {text}\n{}",
            self.label,
            outcome.report(self.db, 6)
        ));
    }
}

impl Run<'_> {
    /// PostgreSQL failed with a known parameter-typing error: runs its SQL again with typed
    /// parameters and records what would still differ once that is fixed.
    fn latent(&mut self, tags: &[&str], outcome: &Outcome, tally: &mut Tally) {
        let Some(query) = outcome.pg.as_ref().and_then(|p| p.0.clone()) else {
            return;
        };
        let Some(typed) = self.db.pg_rids_typed(&query) else {
            return;
        };
        if typed.as_ref().is_ok_and(|r| *r == outcome.eval) {
            return;
        }
        let construct = tags.join("+");
        let entry = tally.latent.entry(construct).or_insert((0, String::new()));
        entry.0 += 1;
        if entry.1.is_empty() {
            let mut text = format!(
                "filter: {}\neval:   {} rows\npostgres with typed parameters: {}\n  sql: {}\n  params: {:?}\n",
                outcome.filter,
                outcome.eval.len(),
                match &typed {
                    Ok(r) => format!("{} rows", r.len()),
                    Err(e) => e.clone(),
                },
                query.sql,
                query.params
            );
            if let Ok(rows) = &typed {
                let differing = rows
                    .iter()
                    .filter(|r| !outcome.eval.contains(r))
                    .chain(outcome.eval.iter().filter(|r| !rows.contains(r)));
                for rid in differing.take(3) {
                    let side = if rows.contains(rid) {
                        "only postgres"
                    } else {
                        "only eval"
                    };
                    let _ = writeln!(
                        text,
                        "  {side} {rid}: {}",
                        self.db.lines[(*rid - 1) as usize]
                    );
                }
            }
            entry.1 = text;
        }
    }
}

fn run_cases(
    label: &'static str,
    db: &mut Db,
    options: PlanOptions,
    generator: &mut Gen,
    count: usize,
    wrap: &mut dyn FnMut(&mut Rng) -> Option<Atom>,
) -> Tally {
    let mut tally = Tally::default();
    let mut run = Run { db, options, label };
    let mut made = 0;
    while made < count {
        let tree = generator.tree(0);
        let case = Case {
            tree,
            wrap: wrap(&mut generator.rng),
        };
        if case.text().1 > 2 {
            continue;
        }
        made += 1;
        run.check(case, made % 3 == 0, &mut tally);
    }
    tally
}

fn print_tally(label: &str, t: &Tally, elapsed: std::time::Duration) {
    eprintln!(
        "[{label}] {} filters: {} on SQLite, {} on PostgreSQL, {} SQL NOT complement checks; {} selective, {} empty; {:.1?}",
        t.filters, t.sqlite_runs, t.pg_runs, t.complement_checks, t.selective, t.empty, elapsed
    );
    let mut line = String::new();
    for (c, n) in &t.constructs {
        let _ = write!(line, "{c}:{n} ");
    }
    eprintln!("[{label}] constructs: {line}");
}

/// Prints the known disagreements and fails on any other.
fn finish(label: &str, tallies: &[&Tally]) {
    eprintln!(
        "[{label}] KNOWN_DISAGREEMENTS ({} listed):",
        KNOWN_DISAGREEMENTS.len()
    );
    for known in KNOWN_DISAGREEMENTS {
        let hits: usize = tallies
            .iter()
            .filter_map(|t| t.known.get(known.id))
            .map(|e| e.0)
            .sum();
        eprintln!("  TODO {}: {} — {hits} hits this run", known.id, known.what);
        if let Some(example) = tallies.iter().find_map(|t| t.known.get(known.id)) {
            for l in example.1.lines() {
                eprintln!("      {l}");
            }
        }
    }
    let mut latent: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for t in tallies {
        for (construct, (n, example)) in &t.latent {
            let e = latent.entry(construct).or_insert((0, example));
            e.0 += n;
        }
    }
    eprintln!(
        "[{label}] LATENT ({}): differences hidden behind the PostgreSQL parameter errors above, \
         found by running the same SQL with typed parameters; they will fail this test once \
         those errors are fixed:",
        latent.len()
    );
    for (construct, (n, example)) in &latent {
        eprintln!("  LATENT {construct}: {n} shrunk cases; first:");
        for l in example.lines() {
            eprintln!("      {l}");
        }
    }
    let failures: Vec<&String> = tallies.iter().flat_map(|t| t.failures.iter()).collect();
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        panic!(
            "[{label}] {} disagreement(s) not in KNOWN_DISAGREEMENTS (each printed above)",
            failures.len()
        );
    }
}

// ---- accounts ---------------------------------------------------------------------------------

fn accounts_fields(records: &[Value]) -> Vec<Field> {
    let mut fields = vec![
        Field::new("UserLevel", "UserLevel", Kind::Text).values(&[
            "Member",
            "Office",
            "Company",
            "Mls",
            "Association",
        ]),
        Field::new("Office", "Office", Kind::Text).eq_only(),
        Field::new("OfficeId", "OfficeId", Kind::Text).eq_only(),
        Field::new("Company", "Company", Kind::Text).eq_only(),
        Field::new("CompanyId", "CompanyId", Kind::Text).eq_only(),
        Field::new("MlsId", "MlsId", Kind::Text),
        Field::new("Name", "Name", Kind::NameWords).eq_only(),
        Field::new("Name", "Name", Kind::Text).eq_only(),
        Field::new("FirstName", "FirstName", Kind::Text),
        Field::new("MiddleName", "MiddleName", Kind::Text),
        Field::new("LastName", "LastName", Kind::Text),
        Field::new("Email", "Emails[].Address", Kind::Text),
        Field::new("NrdsId", "NrdsId", Kind::Int),
        Field::new("ShortId", "ShortId", Kind::Text),
        Field::new("Associations", "Associations[]", Kind::List).eq_only(),
        Field::new("LanguagesSpoken", "LanguagesSpoken[]", Kind::List).eq_only(),
        Field::new("Tags", "Tags[]", Kind::List).eq_only(),
        Field::new("Designations", "Designations{}", Kind::List).eq_only(),
        Field::new("PostalCode", "Addresses[].PostalCode", Kind::Text),
        Field::new("\"Phones\".\"Number\"", "Phones[].Number", Kind::Phone),
        Field::new("\"Phones\".\"Number\"", "Phones[].Number", Kind::Phone),
        Field::new(
            "\"PrimaryAddress\".\"City\"",
            "PrimaryAddress.City",
            Kind::Text,
        ),
        Field::new("\"Team\".\"Owner\"", "Team.Owner", Kind::Bool),
        Field::new("Visible", "Settings.Visible", Kind::Bool),
        Field::new("Active", "Settings.Active", Kind::Bool),
        Field::new("SystemAccess", "Settings.SystemAccess", Kind::Bool),
        Field::new("Enabled", "Settings.Enabled", Kind::Bool),
    ];
    for f in &mut fields {
        f.observe(records);
    }
    fields
}

fn accounts_records() -> Vec<Value> {
    let mut records: Vec<Value> = Vec::new();
    let samples = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/samples/accounts.jsonl"
    ))
    .expect("sample accounts");
    for line in samples.lines().filter(|l| !l.trim().is_empty()) {
        records.push(serde_json::from_str(line).expect("sample JSON"));
    }
    records.extend(spark_filter::sample::records("accounts", 320, 7).expect("sample generator"));
    // A few hand-made accounts for the rules: name words, phones in odd layouts, case.
    records.push(
        json!({"UserType": "Member", "Name": "thomas Smith", "FirstName": "thomas",
        "Phones": [{"Number": "1 701-555-1212 x12"}, {"Number": "555-1212"}],
        "Settings": {"Visible": true}}),
    );
    records.push(
        json!({"UserType": "member", "Name": "Carl  Thomason\tJr", "Tags": ["AGENT", "agent"],
        "Phones": [{"Number": "+44 20 7946 0958"}, {"Number": "12"}, {"Number": null}],
        "Settings": {"Visible": false}}),
    );
    records.push(
        json!({"UserType": "Member", "Name": "ǅemal Straße-İstanbul", "Office": "ZÜRICH Büro",
        "Designations": {"Straße": true, "Other": false}, "Settings": {"Visible": true},
        "PrimaryAddress": {"City": "ZÜRICH"}, "Team": {"Owner": true}}),
    );
    records.push(json!({"UserType": "Mls", "Name": null, "Settings": {"Visible": null}}));
    records
}

fn user_type_wrap(rng: &mut Rng) -> Option<Atom> {
    let text = match rng.below(6) {
        0 => "UserType Eq 'Member','Office','Company','Mls'".to_string(),
        1 => "UserType Eq 'Member'".to_string(),
        2 => "UserType Eq 'member','office'".to_string(),
        3 => "UserType Eq 'M*'".to_string(),
        _ => "UserType Eq 'Member','Office','Company','Mls'".to_string(),
    };
    Some(Atom {
        text,
        tag: "required@UserType".into(),
    })
}

#[test]
fn accounts_evaluator_sqlite_postgres_agree() {
    let start = Instant::now();
    let records = accounts_records();
    let schema = builtin::builtin("accounts").expect("accounts schema");
    let pg = support::pg_schema("accounts_evaluator_sqlite_postgres_agree", "diff_accounts");
    let utc = support::zone(0);
    let mut db = Db::load(schema, records, utc, pg);
    let fields = accounts_fields(&db.records);
    let mut generator = Gen {
        rng: Rng(seed()),
        fields,
        zone: utc,
    };
    let options = support::plan_options(support::mls_privileged(), utc);

    // The seed examples first.
    let mut fixed = 0;
    let mut fixed_failures = Vec::new();
    for f in [
        "UserType Eq 'Member' And Name Eq 'thomas*'",
        "UserType Eq 'Member' And Name Eq 'john*','tim*'",
        "UserType Eq 'Member' And Name Eq 'Carl Thom*'",
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-1212'",
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '701-555-1212'",
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '1 701-555-1212 x12'",
        "UserType Eq 'Member' And \"Phones\".\"Number\" Ne '555-1212'",
        "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
        "UserType Eq 'Member' And \"Team\".\"Owner\" Eq false",
        "UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Eq 'Fargo'",
        "UserType Eq 'Member' And Office Eq 'Fargo*'",
        "UserType Eq 'Member','Office','Company','Mls' And NrdsId Bt 1,100",
        "UserType Eq 'Member' And Tags Eq 'agent' Not Tags Eq 'broker'",
        "UserType Eq 'Member' And Designations Eq 'straße'",
    ] {
        let o = db
            .outcome(f, &options)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        fixed += 1;
        if !o.agree() {
            fixed_failures.push(o.report(&db, 5));
        }
    }
    assert!(
        fixed_failures.is_empty(),
        "seed examples disagree:\n{}",
        fixed_failures.join("\n")
    );

    let tally = run_cases(
        "accounts",
        &mut db,
        options,
        &mut generator,
        filters_per_run(),
        &mut user_type_wrap,
    );
    print_tally("accounts", &tally, start.elapsed());
    eprintln!(
        "[accounts] plus {fixed} seed examples; {} records",
        db.records.len()
    );
    assert!(
        tally.selective * 4 >= tally.filters,
        "too few filters select some but not all records: {} of {}",
        tally.selective,
        tally.filters
    );
    finish("accounts", &[&tally]);
}

// ---- a custom schema with every type ------------------------------------------------------------

const CUSTOM_SCHEMA: &str = r#"{
  "name": "every_type",
  "description": "One field of every type, for the differential test.",
  "fields": [
    {"name": "City", "type": "character"},
    {"name": "Code", "type": "character", "case_sensitive": true},
    {"name": "Count", "type": "integer"},
    {"name": "Rank", "type": "integer"},
    {"name": "Price", "type": "decimal"},
    {"name": "Flag", "type": "boolean"},
    {"name": "Listed", "type": "date"},
    {"name": "Modified", "type": "datetime"},
    {"name": "Opens", "type": "time"},
    {"name": "Tags", "type": "character_list", "path": "Tags[]", "orderable": false},
    {"name": "Labels", "type": "character_list", "path": "Labels[]", "case_sensitive": true, "orderable": false},
    {"name": "Features", "type": "object", "path": "Features{}", "orderable": false},
    {"name": "ItemName", "type": "character", "path": "Items[].Name", "orderable": false},
    {"name": "ItemQty", "type": "integer", "path": "Items[].Qty", "orderable": false},
    {"name": "ItemAdded", "type": "date", "path": "Items[].Added", "orderable": false},
    {"name": "ItemSeen", "type": "datetime", "path": "Items[].Seen", "orderable": false},
    {"name": "\"Owner\".\"Name\"", "type": "character", "path": "Owner.Name"},
    {"name": "\"Owner\".\"Since\"", "type": "datetime", "path": "Owner.Since"}
  ]
}"#;

fn custom_fields(records: &[Value]) -> Vec<Field> {
    let mut fields = vec![
        Field::new("City", "City", Kind::Text),
        Field::new("Code", "Code", Kind::Text).cs(),
        Field::new("Count", "Count", Kind::Int),
        Field::new("Rank", "Rank", Kind::Int),
        Field::new("Price", "Price", Kind::Dec),
        Field::new("Flag", "Flag", Kind::Bool),
        Field::new("Listed", "Listed", Kind::Date),
        Field::new("Modified", "Modified", Kind::DateTime),
        Field::new("Opens", "Opens", Kind::Time),
        Field::new("Tags", "Tags[]", Kind::List),
        Field::new("Labels", "Labels[]", Kind::List).cs(),
        Field::new("Features", "Features{}", Kind::List),
        Field::new("ItemName", "Items[].Name", Kind::Text),
        Field::new("ItemQty", "Items[].Qty", Kind::Int),
        Field::new("ItemAdded", "Items[].Added", Kind::Date),
        Field::new("ItemSeen", "Items[].Seen", Kind::DateTime),
        Field::new("\"Owner\".\"Name\"", "Owner.Name", Kind::Text),
        Field::new("\"Owner\".\"Since\"", "Owner.Since", Kind::DateTime),
    ];
    for f in &mut fields {
        f.observe(records);
    }
    fields
}

/// A value for a record field: usually a good one, sometimes null, missing (`None`) or of
/// the wrong type.
fn maybe(rng: &mut Rng, good: Value, wrong: Value) -> Option<Value> {
    match rng.below(100) {
        0..=7 => None,
        8..=14 => Some(Value::Null),
        15..=17 => Some(wrong),
        _ => Some(good),
    }
}

fn custom_records(count: usize, seed: u64) -> Vec<Value> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut r = serde_json::Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                r.insert(k.to_string(), v);
            }
        };
        let text = |rng: &mut Rng| Value::from(*rng.pick(TEXTS));
        let t = text(&mut rng);
        put("City", maybe(&mut rng, t, json!(42)));
        let t = text(&mut rng);
        put("Code", maybe(&mut rng, t, json!(true)));
        let c = if rng.chance(70) {
            json!(rng.range(-20, 120))
        } else {
            json!(*rng.pick(INTS))
        };
        put("Count", maybe(&mut rng, c, json!("12")));
        let k = json!(*rng.pick(&[0i64, 1, 2, 3, -3, 7, i64::MAX, -1]));
        put("Rank", maybe(&mut rng, k, json!([1])));
        let p = if rng.chance(40) {
            json!(rng.range(-50, 50))
        } else {
            json!(*rng.pick(DECIMALS))
        };
        put("Price", maybe(&mut rng, p, json!("2.5")));
        let b = json!(rng.chance(50));
        put("Flag", maybe(&mut rng, b, json!("true")));
        let d = if rng.chance(90) {
            json!(*rng.pick(DATES))
        } else {
            json!(*rng.pick(BAD_DATES))
        };
        put("Listed", maybe(&mut rng, d, json!(20240131)));
        let t = if rng.chance(90) {
            json!(*rng.pick(DATETIMES))
        } else {
            json!(*rng.pick(BAD_DATETIMES))
        };
        put("Modified", maybe(&mut rng, t, json!(1_706_745_600)));
        let t = if rng.chance(90) {
            json!(*rng.pick(TIMES))
        } else {
            json!(*rng.pick(BAD_TIMES))
        };
        put("Opens", maybe(&mut rng, t, json!(1200)));
        let tags: Vec<Value> = (0..rng.below(4)).map(|_| text(&mut rng)).collect();
        let mut tags = Value::Array(tags);
        if rng.chance(5) {
            tags.as_array_mut().expect("array").push(json!(null));
        }
        if rng.chance(5) {
            tags.as_array_mut().expect("array").push(json!(7));
        }
        put("Tags", maybe(&mut rng, tags, json!("Fargo")));
        let labels: Vec<Value> = (0..rng.below(3)).map(|_| text(&mut rng)).collect();
        put(
            "Labels",
            maybe(&mut rng, Value::Array(labels), json!({"a": true})),
        );
        let mut features = serde_json::Map::new();
        for _ in 0..rng.below(4) {
            let key = *rng.pick(FEATURE_KEYS);
            let flag = match rng.below(6) {
                0 => json!(false),
                1 => json!("yes"),
                _ => json!(true),
            };
            features.insert(key.to_string(), flag);
        }
        put(
            "Features",
            maybe(&mut rng, Value::Object(features), json!(["Pool"])),
        );
        let items: Vec<Value> = (0..rng.below(4))
            .map(|_| {
                if rng.chance(5) {
                    return json!("not an object");
                }
                let mut it = serde_json::Map::new();
                let t = text(&mut rng);
                if let Some(v) = maybe(&mut rng, t, json!(1)) {
                    it.insert("Name".into(), v);
                }
                let qty = json!(rng.range(-5, 30));
                if let Some(v) = maybe(&mut rng, qty, json!("3")) {
                    it.insert("Qty".into(), v);
                }
                let added = json!(*rng.pick(DATES));
                if let Some(v) = maybe(&mut rng, added, json!("soon")) {
                    it.insert("Added".into(), v);
                }
                let seen = json!(*rng.pick(DATETIMES));
                if let Some(v) = maybe(&mut rng, seen, json!(false)) {
                    it.insert("Seen".into(), v);
                }
                Value::Object(it)
            })
            .collect();
        put(
            "Items",
            maybe(&mut rng, Value::Array(items), json!({"Name": "x"})),
        );
        let owner = {
            let mut o = serde_json::Map::new();
            let t = text(&mut rng);
            if let Some(v) = maybe(&mut rng, t, json!(3)) {
                o.insert("Name".into(), v);
            }
            let since = json!(*rng.pick(DATETIMES));
            if let Some(v) = maybe(&mut rng, since, json!(3)) {
                o.insert("Since".into(), v);
            }
            Value::Object(o)
        };
        put("Owner", maybe(&mut rng, owner, json!("Somebody")));
        put("Id", Some(json!(i)));
        out.push(Value::Object(r));
    }
    // Records that every data set should have: empty, all null, and extremes.
    out.push(json!({}));
    out.push(
        json!({"City": null, "Code": null, "Count": null, "Price": null, "Flag": null,
        "Listed": null, "Modified": null, "Opens": null, "Tags": null, "Labels": null,
        "Features": null, "Items": null, "Owner": null}),
    );
    out.push(
        json!({"City": "", "Code": "", "Count": i64::MAX, "Rank": -1, "Price": -0.0,
        "Tags": [], "Labels": [""], "Features": {}, "Items": [], "Owner": {}}),
    );
    out.push(
        json!({"City": "ẞtraße", "Code": "ǅ", "Count": i64::MIN, "Rank": 0, "Price": 1e20,
        "Tags": ["Straße", "STRASSE"], "Labels": ["ZÜRICH", "zürich"],
        "Features": {"Straße": true, "ZÜRICH View": true},
        "Items": [{"Name": "İstanbul", "Qty": 0}, {"Name": "istanbul", "Qty": -1}],
        "Owner": {"Name": "O'Brien \\ 100% _x_"}}),
    );
    // One record for each known disagreement, so that each is reproduced on every run.
    out.push(
        json!({"City": "ZÜRICH", "Code": "line\nbreak", "Count": i64::MIN, "Rank": -1,
        "Price": 1.5, "Modified": "2024-01-31T23:30:00Z", "Items": [{"Name": "\u{212A}elvin"}]}),
    );
    // Precision beyond microseconds, leap seconds.
    out.push(
        json!({"City": "Fargo", "Modified": "2024-06-15T12:34:56.123456789Z",
        "Opens": "12:30:15.123456789", "Items": [{"Seen": "2024-06-15T12:34:56.1234565Z"}]}),
    );
    out.push(json!({"City": "Fargo", "Modified": "2016-12-31T23:59:60Z", "Opens": "23:59:60"}));
    out.push(json!({"City": "Fargo", "Modified": "2016-12-31T23:59:60.5+01:00", "Opens": "23:59:59.9999999"}));
    out
}

/// Hand-written edge cases for the custom schema, as `(construct, field tag, filter)`: run
/// before the generated ones, through the same checks and the same known-disagreement list.
const TARGETED: &[(&str, &str, &str)] = &[
    ("regex", "City~ci", "City Eq regex('^F')"),
    ("regex", "City~ci", "City Eq regex('^f')"),
    ("regex", "City~ci", "City Eq regex('^[A-Z]+$')"),
    ("regex-i", "City~ci", "City Eq regex('^zü', 'i')"),
    ("regex", "Tags~ci", "Tags Eq regex('^S')"),
    ("regex", "Code", "Code Eq regex('^.*$')"),
    ("regex-i", "ItemName~ci", "ItemName Eq regex('^ke', 'i')"),
    ("fn-year", "Modified", "year(Modified) Eq 2024"),
    ("arith-nested", "Price", "(Price Add 1) Mul 2 Le -6"),
    ("exact", "City~ci", "City Eq 'straße'"),
    ("exact", "City~ci", "City Eq 'STRASSE'"),
    ("wild-contains", "City~ci", "City Eq '*SS*'"),
    ("exact", "City~ci", "City Eq 'ǆemal'"),
    ("exact", "City~ci", "City Eq 'İSTANBUL'"),
    ("exact", "City~ci", "City Eq 'istanbul'"),
    ("exact", "City~ci", "City Eq 'ﬁne'"),
    ("exact", "City~ci", "City Eq 'σίσυφοσ'"),
    ("exact", "City~ci", "City Eq 'kelvin'"),
    ("exact", "City~ci", "City Eq ''"),
    ("exact", "City~ci", "City Ne ''"),
    ("wild-star", "City~ci", "City Eq '*'"),
    ("wild-backslash", "City~ci", r"City Eq 'back\\*'"),
    ("escaped-star", "City~ci", "City Eq 'star\\*name'"),
    ("escaped-star", "City~ci", "City Eq 'star\\*na*'"),
    ("wild-contains", "City~ci", "City Eq '*%*'"),
    ("wild-contains", "City~ci", "City Eq '*_*'"),
    ("wild-contains", "City~ci", "City Eq '*\\'*'"),
    ("exact", "Code", "Code Eq 'Straße'"),
    ("exact", "Code", "Code Eq 'straße'"),
    ("range", "City~ci", "City Eq range('a','m')"),
    ("range", "Code", "Code Eq range('A','Z')"),
    ("range", "Code", "Code Eq range('Z','a')"),
    ("fn-tolower", "City~ci", "tolower(City) Eq 'i̇stanbul'"),
    ("fn-tolower", "Code", "tolower(Code) Eq 'σίσυφος'"),
    ("fn-toupper", "Code", "toupper(Code) Eq 'STRASSE'"),
    ("fn-toupper", "Code", "toupper(Code) Eq 'ǄEMAL'"),
    ("fn-toupper", "Code", "toupper(Code) Eq 'FINE'"),
    ("fn-length", "Code", "length(Code) Eq 1"),
    ("fn-length", "Code", "length(Code) Eq 0"),
    ("fn-indexof", "Code", "indexof(Code, '') Eq 0"),
    ("fn-indexof", "Code", "indexof(Code, 'ß') Eq 4"),
    ("fn-substring", "Code", "substring(Code, 1) Eq 'traße'"),
    ("fn-substring", "Code", "substring(Code, 2, 0) Eq ''"),
    ("fn-trim", "Code", "trim(Code) Eq 'padded'"),
    ("fn-trim", "Code", "trim(Code) Eq 'Tabbed'"),
    ("fn-trim", "Code", "trim(Code) Eq 'vivid'"),
    ("fn-trim", "Code", "trim(Code) Eq 'vertical tab'"),
    (
        "fn-concat",
        "Code",
        r"concat(Code, '\\') Eq 'back\\slash\\'",
    ),
    ("compare", "Count", "Count Eq 9223372036854775807"),
    ("compare", "Count", "Count Gt 9223372036854775806"),
    ("compare", "Count", "Count Lt -9223372036854775807"),
    ("mixed-number", "Count", "Count Eq 2.5"),
    ("mixed-number", "Count", "Count Gt 2.5"),
    ("mixed-number", "Count", "Count Bt 1.5,3.5"),
    ("mixed-number", "Count", "Count Lt 99999999999999999999.0"),
    ("mixed-number", "Count", "Count Gt -99999999999999999999.0"),
    ("compare", "Price", "Price Eq 0.3"),
    ("literal-arith", "Price", "Price Eq 0.1 Add 0.2"),
    ("compare", "Price", "Price Eq 0.30000000000000004"),
    ("compare", "Price", "Price Eq -0.0"),
    ("compare", "Price", "Price Eq 0"),
    ("compare", "Price", "Price Ge 1.0E20"),
    ("arith-mul", "Count", "Count Mul 2 Gt 0"),
    ("arith-add", "Count", "Count Add 1 Lt 0"),
    ("arith-fields-div", "Count", "Count Div Rank Eq 0"),
    ("arith-fields-div", "Count", "Count Div Rank Eq 1"),
    ("arith-fields-mod", "Count", "Count Mod Rank Eq 0"),
    ("arith-fields-mul", "Count", "Count Mul Rank Lt 0"),
    ("negate", "Count", "-Count Gt 0"),
    ("arith-mod", "Price", "Price Mod 0.1 Gt 0.05"),
    ("arith-div", "Price", "Price Div 3.0 Gt 0.1"),
    ("fn-round", "Price", "round(Price) Eq 3"),
    ("fn-round", "Price", "round(Price) Eq -3"),
    ("fn-floor", "Price", "floor(Price) Eq -1"),
    ("fn-ceiling", "Price", "ceiling(Price) Eq 0"),
    ("fn-round", "Price", "round(Price) Gt 0"),
    ("fn-round", "Price", "round(Price) Eq 2"),
    ("fn-round", "Price", "round(Price) Eq 0"),
    ("compare", "Modified", "Modified Eq 2024-02-01T04:30:00Z"),
    (
        "compare",
        "Modified",
        "Modified Eq 2024-01-31T23:30:00-05:00",
    ),
    (
        "compare",
        "Modified",
        "Modified Eq 2024-06-15T12:34:56.123456789Z",
    ),
    (
        "compare",
        "Modified",
        "Modified Gt 2024-06-15T12:34:56.123456Z",
    ),
    (
        "compare",
        "Modified",
        "Modified Lt 2024-06-15T12:34:56.1234565Z",
    ),
    ("compare", "Modified", "Modified Eq 2016-12-31T23:59:59Z"),
    ("compare", "Modified", "Modified Gt 2016-12-31T23:59:59Z"),
    ("datetime-vs-date", "Modified", "Modified Eq 2024-01-31"),
    ("datetime-vs-date", "Modified", "Modified Gt 2024-01-31"),
    (
        "between-date-datetime",
        "Modified",
        "Modified Bt 2024-01-31,2024-02-01",
    ),
    (
        "date-vs-datetime",
        "Listed",
        "Listed Eq 2024-02-01T03:00:00+05:00",
    ),
    ("fn-second", "Modified", "second(Modified) Eq 59"),
    (
        "fn-fractionalseconds",
        "Modified",
        "fractionalseconds(Modified) Gt 0.9",
    ),
    ("fn-time", "Modified", "time(Modified) Gt 23:59:59"),
    ("compare", "Opens", "Opens Eq 12:30:15.5"),
    ("compare", "Opens", "Opens Gt 23:59:59"),
    ("compare", "Opens", "Opens Eq 00:00"),
    ("compare", "Opens", "Opens Ge 23:59:59.999999"),
    ("all", "Tags~ci", "all(Tags) Eq 'straße','strasse'"),
    ("exact", "Features~ci", "Features Eq 'pool'"),
    ("exact", "Features~ci", "Features Ne 'POOL'"),
    ("null", "Tags~ci", "Tags Eq NULL"),
    ("null", "Tags~ci", "Tags Ne NULL"),
    ("null", "ItemName~ci", "ItemName Eq NULL"),
    ("null", "Features~ci", "Features Eq NULL"),
    ("null", "Count", "Count Eq NULL"),
    ("null", "Opens", "Opens Eq NULL"),
    ("compare", "ItemQty", "ItemQty Gt 20"),
    ("compare", "ItemQty", "ItemQty Ne 3"),
    ("compare", "ItemSeen", "ItemSeen Eq 2024-01-31"),
];

fn custom_run(
    label: &'static str,
    zone: FixedOffset,
    count: usize,
    seed_offset: u64,
    targeted: &[(&str, &str, &str)],
) -> Tally {
    let start = Instant::now();
    let schema = Schema::from_json(CUSTOM_SCHEMA).expect("custom schema");
    let records = custom_records(260, seed() ^ 0xC0FFEE);
    let pg = support::pg_schema(label, label);
    let mut db = Db::load(schema, records, zone, pg);
    let fields = custom_fields(&db.records);
    let mut generator = Gen {
        rng: Rng(seed().wrapping_add(seed_offset)),
        fields,
        zone,
    };
    let options = support::plan_options(Caller::new(Role::Private), zone);
    let mut targeted_tally = Tally::default();
    {
        let mut run = Run {
            db: &mut db,
            options: options.clone(),
            label,
        };
        for (construct, field, filter) in targeted {
            let case = Case {
                tree: Ex::Atom(Atom {
                    text: filter.to_string(),
                    tag: format!("{construct}@{field}"),
                }),
                wrap: None,
            };
            run.check(case, true, &mut targeted_tally);
        }
    }
    let mut tally = run_cases(label, &mut db, options, &mut generator, count, &mut |_| {
        None
    });
    eprintln!("[{label}] plus {} targeted filters", targeted_tally.filters);
    tally.failures.append(&mut targeted_tally.failures);
    for (id, (n, example)) in targeted_tally.known {
        let e = tally.known.entry(id).or_insert((0, example));
        e.0 += n;
    }
    for (id, (n, example)) in targeted_tally.latent {
        let e = tally.latent.entry(id).or_insert((0, example));
        e.0 += n;
    }
    print_tally(label, &tally, start.elapsed());
    assert!(
        tally.selective * 4 >= tally.filters,
        "[{label}] too few filters select some but not all records: {} of {}",
        tally.selective,
        tally.filters
    );
    tally
}

#[test]
fn every_type_evaluator_sqlite_postgres_agree() {
    let utc = custom_run(
        "diff_every_type_utc",
        support::zone(0),
        filters_per_run(),
        1,
        TARGETED,
    );
    // The same data read in a zone east of UTC with a half hour: naive datetimes, date()
    // and the date parts of datetimes move.
    let east = custom_run(
        "diff_every_type_east",
        support::zone(5 * 3600 + 1800),
        filters_per_run() / 3,
        2,
        TARGETED,
    );
    finish("every_type", &[&utc, &east]);
}

/// Numbers that do not fit their field's type: a JSON float or a number beyond i64 in an
/// integer field. The evaluator reads them as numbers; the loaders must store what the
/// evaluator reads. Kept apart from the generated data set because a failing load would hide
/// every other PostgreSQL result.
#[test]
fn odd_numbers_load_and_agree() {
    let schema = Schema::from_json(CUSTOM_SCHEMA).expect("custom schema");
    let records = vec![
        json!({"Count": 2.5, "Rank": 1}),
        json!({"Count": 3, "Rank": 1}),
        json!({"Count": 18_446_744_073_709_551_615u64, "Rank": 2}),
        json!({"Count": 1e300, "Items": [{"Qty": 2.5}, {"Qty": 4}]}),
        json!({"Count": -0.0, "Price": 5}),
        json!({"Count": 7, "Price": 9_007_199_254_740_993u64}),
    ];
    let filters = [
        "Count Eq 2.5",
        "Count Gt 2",
        "Count Lt 3",
        "Count Eq 3",
        "Count Eq NULL",
        "Count Ne NULL",
        "Count Bt 2,3",
        "Count Eq 0",
        "ItemQty Gt 2",
        "ItemQty Eq 2.5",
        "Price Gt 5.0",
        "Price Eq 9007199254740992.0",
    ];
    let label = "odd_numbers_load_and_agree";
    let options = support::plan_options(Caller::new(Role::Private), support::zone(0));
    // SQLite and the evaluator always; PostgreSQL when its load succeeds.
    let mut db = Db::load(schema.clone(), records.clone(), support::zone(0), None);
    let mut pg_db = support::pg_schema(label, "diff_odd_numbers").and_then(|mut pg| {
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        match spark_filter::sql::postgres::load(&mut pg.client, &schema, text.as_bytes(), support::zone(0)) {
            Ok(_) => Some(Db::load(schema.clone(), records.clone(), support::zone(0), Some(pg))),
            Err(e) => {
                let e = format!("{e:?}");
                assert!(
                    e.contains("WrongType { postgres: Int8, rust: \"f64\" }"),
                    "PostgreSQL load failed in an unknown way: {e}"
                );
                eprintln!(
                    "[{label}] KNOWN_DISAGREEMENTS TODO pg-load-float-in-integer-column: the PostgreSQL \
                     loader binds the evaluator's reading of a JSON float in an integer field \
                     (Key::Num → f64) to a BIGINT column and the load fails ({e}); SQLite stores it as \
                     REAL and agrees with the evaluator. PostgreSQL part skipped."
                );
                None
            }
        }
    });
    let mut failures = Vec::new();
    for f in filters {
        let o = db
            .outcome(f, &options)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        if !o.agree() {
            failures.push(o.report(&db, 6));
        }
        if let Some(p) = pg_db.as_mut() {
            let o = p
                .outcome(f, &options)
                .unwrap_or_else(|e| panic!("{f}: {e}"));
            if !o.agree() {
                failures.push(o.report(p, 6));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "[{label}] disagreements:\n{}",
        failures.join("\n")
    );
}
