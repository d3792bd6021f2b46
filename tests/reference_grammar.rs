//! Agreement with the reference language (the Ruby gem sparkql, whose accepted language is
//! the target, SPEC introduction), on filters generated from a model of its grammar.
//!
//! The model is the reference's LALR grammar (`lib/sparkql/parser.y`), its lexer's token
//! rules and its parse-time checks, written out here as a generator: every filter it makes is
//! one the reference accepts, so this parser must accept it too. Where the project decided to
//! differ (docs/language.md, "Differences from sparkql") the generator stays out: newlines
//! between tokens, fields starting with `Null`, invalid calendar dates and clock times, and
//! integers beyond 64 bits are never generated. Everything else is in: keyword spellings,
//! standard and custom fields, every literal kind, literals running into keywords, lists,
//! ranges, literal-side and field-side functions (nested), arithmetic on both sides, unary
//! and binary `Not`, groups up to the depth limit, and optional whitespace around
//! punctuation.
//!
//! Measuring against the reference itself: `SPARK_FILTER_GENERATED=path cargo test --test
//! reference_grammar` also writes every generated filter and a mutated copy of each (a token
//! dropped, doubled or swapped, so that about half are invalid) as JSON lines
//! `{"filter": …, "ours": "accept"|"reject"}`, to be fed to the reference for an
//! accept/reject comparison. docs/language.md reports the figure.

mod support;

use std::fmt::Write as _;

use spark_filter::{ParseOptions, parse_with};
use support::Rng;

/// A filter under construction, as tokens (for the mutations) and joining whitespace.
struct Out {
    tokens: Vec<String>,
    /// Whether the token before the next one must be separated by whitespace.
    glue: Vec<bool>,
}

impl Out {
    fn new() -> Self {
        Out {
            tokens: Vec::new(),
            glue: Vec::new(),
        }
    }

    /// A token that needs whitespace before it when the previous one is a word or literal.
    fn word(&mut self, t: impl Into<String>) {
        self.tokens.push(t.into());
        self.glue.push(false);
    }

    /// Punctuation (`(`, `)`, `,`): whitespace around it is optional.
    fn punct(&mut self, t: &str) {
        self.tokens.push(t.to_string());
        self.glue.push(true);
    }

    fn text(&self, rng: &mut Rng) -> String {
        let mut s = String::new();
        for (i, t) in self.tokens.iter().enumerate() {
            if i > 0 {
                let optional = self.glue[i] || self.glue[i - 1];
                // A literal may run straight into a following keyword, as in the reference.
                let runs_in = runs_into_keyword(&self.tokens[i - 1], t);
                if !(optional || runs_in) || rng.chance(if runs_in { 85 } else { 50 }) {
                    let space: &str = rng.pick::<&str>(&[" ", " ", " ", "  ", "\t", " \t "]);
                    s.push_str(space);
                }
            }
            s.push_str(t);
        }
        if rng.chance(5) {
            s.insert(0, ' ');
        }
        if rng.chance(5) {
            s.push(' ');
        }
        s
    }
}

const KEYWORDS: &[&str] = &[
    "Eq", "Ne", "Gt", "Ge", "Lt", "Le", "Bt", "And", "Or", "Not", "Add", "Sub", "Mul", "Div", "Mod",
];

/// Whether `prev` is a literal the reference's lexer ends before `next`, a keyword.
fn runs_into_keyword(prev: &str, next: &str) -> bool {
    let literal = prev.starts_with(|c: char| c.is_ascii_digit())
        || prev == "true"
        || prev == "false"
        || prev.ends_with('\'') && !prev.ends_with("\\'");
    let keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(next))
        && next.starts_with(|c: char| c.is_ascii_uppercase());
    literal && keyword
}

/// A keyword in one of the spellings the reference reads (it capitalizes words).
fn kw(rng: &mut Rng, k: &str) -> String {
    match rng.below(10) {
        0 => k.to_lowercase(),
        1 => k.to_uppercase(),
        2 => {
            let mut s = k.to_lowercase();
            let upper = s[1..2].to_uppercase();
            s.replace_range(1..2, &upper);
            s
        }
        _ => k.to_string(),
    }
}

const FIELDS: &[&str] = &[
    "City",
    "ListPrice",
    "OnMarketDate",
    "Baths",
    "X",
    "B2",
    "PostalCodePlus4",
    "Oregon",
    "Equador",
    "OrOrOr",
    "AndThen",
    "NotYet",
    "Address",
    "MLS",
    "\"Phones\".\"Number\"",
    "\"General Property Description\".\"Taxes\"",
    "\"Ab\".\"C\"",
];

/// What a generated value is, for the operator and list rules of the reference.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Decimal,
    Character,
    Date,
    DateTime,
    Time,
    Boolean,
    Null,
    Shape,
}

impl Kind {
    fn ordered(self) -> bool {
        matches!(
            self,
            Kind::Integer | Kind::Decimal | Kind::Date | Kind::DateTime | Kind::Time
        )
    }
}

const INTEGERS: &[&str] = &[
    "0",
    "1",
    "5",
    "150000",
    "-5",
    "-1",
    "9223372036854775807",
    "42",
];
const DECIMALS: &[&str] = &["1.0", "-0.25", "9.0E-6", "1.5E2", "1.5e02", "0.1", "2.50"];
const CHARACTERS: &[&str] = &[
    "'Fargo'",
    "''",
    "'O\\'Brien'",
    "'thomas*'",
    "'*abc*'",
    "'5\\*'",
    "'☃ 東京'",
    "'a b'",
    "'Member'",
    "'100000'",
];
const DATES: &[&str] = &["2011-05-17", "2013-07-26", "2024-02-29", "1999-12-31"];
const DATETIMES: &[&str] = &[
    "2013-07-26T10:22:15-0300",
    "2013-07-26T10:22",
    "2013-07-26T10:22:15.422804Z",
    "2013-07-26T10:22:15+05:30",
    "2013-07-26T10:22:15",
    "2013-07-26T10:22:15.123456789012Z",
];
const TIMES: &[&str] = &[
    "10:22",
    "10:22:15",
    "10:22:15.422804",
    "00:00",
    "23:59:59",
    "10:22:15.1234567890123",
];

struct Generator {
    rng: Rng,
}

impl Generator {
    /// A single value (no list) of some kind, with its kind.
    fn value(&mut self, out: &mut Out, depth: usize) -> Kind {
        let r = &mut self.rng;
        match r.below(22) {
            0..=2 => {
                let v = *r.pick(INTEGERS);
                out.word(v);
                Kind::Integer
            }
            3 | 4 => {
                let v = *r.pick(DECIMALS);
                out.word(v);
                Kind::Decimal
            }
            5..=7 => {
                let v = *r.pick(CHARACTERS);
                out.word(v);
                Kind::Character
            }
            8 => {
                let v = *r.pick(DATES);
                out.word(v);
                Kind::Date
            }
            9 => {
                let v = *r.pick(DATETIMES);
                out.word(v);
                Kind::DateTime
            }
            10 => {
                let v = *r.pick(TIMES);
                out.word(v);
                Kind::Time
            }
            11 => {
                let v = *r.pick(&["true", "false"]);
                out.word(v);
                Kind::Boolean
            }
            12 => {
                let v = *r.pick(&["NULL", "null", "Null"]);
                out.word(v);
                Kind::Null
            }
            13..=15 => self.literal_function(out),
            16 | 17 if depth < 2 => self.value_arithmetic(out, depth),
            18 if depth < 2 => {
                // `- condition`: integers and decimals only.
                out.word("-");
                let v = if r.chance(50) {
                    *r.pick(&["5", "(5)", "1.5"])
                } else {
                    "-5"
                };
                if v == "(5)" {
                    out.punct("(");
                    out.word("5");
                    out.punct(")");
                } else {
                    out.word(v);
                }
                if v == "1.5" {
                    Kind::Decimal
                } else {
                    Kind::Integer
                }
            }
            19 if depth < 2 => {
                out.punct("(");
                let k = self.value(out, depth + 1);
                out.punct(")");
                k
            }
            _ => {
                let v = *r.pick(INTEGERS);
                out.word(v);
                Kind::Integer
            }
        }
    }

    /// A number, or arithmetic on numbers (folded by both parsers).
    fn number(&mut self, out: &mut Out, depth: usize) -> Kind {
        if depth < 2 && self.rng.chance(30) {
            return self.value_arithmetic(out, depth + 1);
        }
        if self.rng.chance(70) {
            out.word(*self.rng.pick(&["1", "2", "3", "10", "-4", "7"]));
            Kind::Integer
        } else {
            out.word(*self.rng.pick(&["0.5", "2.25", "1.0", "-1.5"]));
            Kind::Decimal
        }
    }

    fn value_arithmetic(&mut self, out: &mut Out, depth: usize) -> Kind {
        let paren = self.rng.chance(20);
        if paren {
            out.punct("(");
        }
        let a = self.number(out, depth + 1);
        let op = *self.rng.pick(&["Add", "Sub", "Mul", "Div", "Mod"]);
        let op_text = kw(&mut self.rng, op);
        out.word(op_text);
        // No division or modulo by zero: the divisor is a plain non-zero number.
        let b = if matches!(op, "Div" | "Mod") {
            let d = *self.rng.pick(&["2", "3", "0.5", "4"]);
            out.word(d);
            if d.contains('.') {
                Kind::Decimal
            } else {
                Kind::Integer
            }
        } else {
            self.number(out, depth + 1)
        };
        if paren {
            out.punct(")");
        }
        if a == Kind::Decimal || b == Kind::Decimal {
            Kind::Decimal
        } else {
            Kind::Integer
        }
    }

    /// A function name and its `(`, sometimes with whitespace between them.
    fn open_call(&mut self, out: &mut Out, name: &str) {
        let space = if self.rng.chance(10) {
            *self.rng.pick(&[" ", "\t", "  "])
        } else {
            ""
        };
        out.word(format!("{name}{space}("));
    }

    fn call(&mut self, out: &mut Out, name: &str, args: &[&str]) {
        self.open_call(out, name);
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                out.punct(",");
            }
            out.word(*a);
        }
        out.punct(")");
    }

    fn literal_function(&mut self, out: &mut Out) -> Kind {
        let r = &mut self.rng;
        let (name, args, kind): (&str, Vec<&str>, Kind) = match r.below(20) {
            0 => ("days", vec![*r.pick(&["-7", "1", "0", "365"])], Kind::Date),
            1 => ("now", vec![], Kind::DateTime),
            2 => ("months", vec![*r.pick(&["-1", "6"])], Kind::Date),
            3 => ("years", vec![*r.pick(&["-1", "2"])], Kind::Date),
            4 => ("weekdays", vec![*r.pick(&["-5", "3"])], Kind::Date),
            5 => ("hours", vec![*r.pick(&["-2", "12"])], Kind::DateTime),
            6 => ("minutes", vec!["-30"], Kind::DateTime),
            7 => ("seconds", vec!["90"], Kind::DateTime),
            8 => ("mindatetime", vec![], Kind::DateTime),
            9 => ("maxdatetime", vec![], Kind::DateTime),
            10 => ("contains", vec!["'abc'"], Kind::Character),
            11 => ("startswith", vec!["'Far'"], Kind::Character),
            12 => ("endswith", vec!["'go'"], Kind::Character),
            13 => ("regex", vec!["'^a.*z$'"], Kind::Character),
            14 => ("regex", vec!["'abc'", "'i'"], Kind::Character),
            15 => ("range", vec!["'a'", "'m'"], Kind::Character),
            16 => (
                "polygon",
                vec!["'35.0 -80.0, 36.0 -81.0, 35.5 -80.5'"],
                Kind::Shape,
            ),
            17 => ("linestring", vec!["'35.0 -80.0, 36.0 -81.0'"], Kind::Shape),
            18 => ("rectangle", vec!["'35.0 -80.0, 36.0 -81.0'"], Kind::Shape),
            _ => (
                "radius",
                vec!["'35.0 -80.0'", *r.pick(&["10", "2.5"])],
                Kind::Shape,
            ),
        };
        self.call(out, name, &args);
        kind
    }

    /// A field side: a field, a function of one, or arithmetic holding one.
    fn field_side(&mut self, out: &mut Out, depth: usize) {
        let r = &mut self.rng;
        match r.below(10) {
            0..=4 => out.word(*r.pick(FIELDS)),
            5..=7 => self.field_function(out, depth),
            _ if depth < 2 => self.field_arithmetic(out, depth),
            _ => out.word(*self.rng.pick(FIELDS)),
        }
    }

    /// A field-side function call whose first argument is a field (or, nested, another
    /// field-side call of a type the outer one takes).
    fn field_function(&mut self, out: &mut Out, depth: usize) {
        let r = &mut self.rng;
        // (name, extra literal arguments, whether a character-returning call may nest inside)
        let (name, extra, nests): (&str, Vec<&str>, bool) = match r.below(16) {
            0 => ("tolower", vec![], true),
            1 => ("toupper", vec![], true),
            2 => ("trim", vec![], true),
            3 => ("length", vec![], true),
            4 => ("substring", vec!["1"], true),
            5 => ("substring", vec!["0", "3"], true),
            6 => ("indexof", vec!["'a'"], true),
            7 => ("concat", vec!["'x'"], true),
            8 => ("round", vec![], false),
            9 => ("ceiling", vec![], false),
            10 => ("floor", vec![], false),
            11 => (
                "cast",
                vec![*r.pick(&["'integer'", "'decimal'", "'character'"])],
                false,
            ),
            12 => (*r.pick(&["date", "time"]), vec![], false),
            13 => (
                *r.pick(&["year", "month", "day", "dayofweek"]),
                vec![],
                false,
            ),
            14 => (
                *r.pick(&["hour", "minute", "second", "dayofyear"]),
                vec![],
                false,
            ),
            _ => ("fractionalseconds", vec![], false),
        };
        self.open_call(out, name);
        if nests && depth < 2 && self.rng.chance(20) {
            let inner = *self.rng.pick(&["tolower", "toupper", "trim"]);
            out.word(format!("{inner}("));
            out.word(*self.rng.pick(FIELDS));
            out.punct(")");
        } else {
            out.word(*self.rng.pick(FIELDS));
        }
        for a in extra {
            out.punct(",");
            out.word(a);
        }
        out.punct(")");
    }

    /// Arithmetic with a field in it; every operand is numeric (a field, a number, or a
    /// numeric function of a field).
    fn field_arithmetic(&mut self, out: &mut Out, depth: usize) {
        let r = &mut self.rng;
        match r.below(5) {
            0 => {
                // Negation is not type-checked by the reference: `-tolower(City)` too.
                out.word("-");
                if r.chance(30) {
                    self.field_function(out, depth + 1);
                } else {
                    out.word(*r.pick(FIELDS));
                }
            }
            1 if depth < 3 => {
                out.punct("(");
                self.field_arithmetic(out, depth + 1);
                out.punct(")");
            }
            _ => {
                let field_first = r.chance(70);
                let numeric_operand = |g: &mut Generator, out: &mut Out| {
                    if g.rng.chance(25) {
                        let f = *g.rng.pick(&["length", "round", "year", "indexof"]);
                        out.word(format!("{f}("));
                        out.word(*g.rng.pick(FIELDS));
                        if f == "indexof" {
                            out.punct(",");
                            out.word("'a'");
                        }
                        out.punct(")");
                    } else {
                        out.word(*g.rng.pick(FIELDS));
                    }
                };
                if field_first {
                    numeric_operand(self, out);
                } else {
                    out.word(*self.rng.pick(&["2", "1.5", "100"]));
                }
                let op = *self.rng.pick(&["Add", "Sub", "Mul", "Div", "Mod"]);
                let op = kw(&mut self.rng, op);
                out.word(op);
                if field_first {
                    out.word(*self.rng.pick(&["2", "1.5", "100", "-3"]));
                } else {
                    numeric_operand(self, out);
                }
            }
        }
    }

    /// `field Op condition` or `field Bt range`.
    fn comparison(&mut self, out: &mut Out) {
        self.field_side(out, 0);
        let r = &mut self.rng;
        match r.below(10) {
            0 | 1 => {
                // Bt with two rangeable bounds of coercible types.
                let bt = kw(r, "Bt");
                out.word(bt);
                let (a, b): (&[&str], &[&str]) = match r.below(4) {
                    0 => (&["1", "-5", "100000"], &["2", "2.5", "200000"]),
                    1 => (&["1.5", "0.25"], &["7", "9.75"]),
                    2 => (
                        &["2013-01-01", "days(-7)", "2013-01-01T00:00:00Z"],
                        &["2013-02-01", "now()", "2013-07-26T10:22:15-0300"],
                    ),
                    _ => (&["08:00", "10:22:15"], &["17:00", "23:59:59.5"]),
                };
                let (lo, hi) = (*r.pick(a), *r.pick(b));
                for (i, v) in [lo, hi].into_iter().enumerate() {
                    if i == 1 {
                        out.punct(",");
                    }
                    if let Some(name) = v.strip_suffix("()") {
                        self.call(out, name, &[]);
                    } else if let Some(arg) = v.strip_prefix("days(") {
                        self.call(out, "days", &[arg.trim_end_matches(')')]);
                    } else {
                        out.word(v);
                    }
                }
            }
            2 | 3 => {
                // A list: integers and decimals, or characters (Eq/Ne only).
                let op = *r.pick(&["Eq", "Ne"]);
                let op = kw(r, op);
                out.word(op);
                let n = 2 + self.rng.below(4);
                let numbers = self.rng.chance(50);
                for i in 0..n {
                    if i > 0 {
                        out.punct(",");
                    }
                    if numbers {
                        out.word(*self.rng.pick(&["1", "2", "-3", "4.5", "100000"]));
                    } else if self.rng.chance(15) {
                        // Character values and pattern functions mix.
                        let f = *self.rng.pick(&["contains", "startswith", "endswith"]);
                        self.call(out, f, &["'ab'"]);
                    } else {
                        out.word(*self.rng.pick(CHARACTERS));
                    }
                }
            }
            _ => {
                // One value; the operator fits its kind.
                let mut value = Out::new();
                let kind = self.value(&mut value, 0);
                let op = if kind.ordered() {
                    *self.rng.pick(&["Eq", "Ne", "Gt", "Ge", "Lt", "Le"])
                } else {
                    *self.rng.pick(&["Eq", "Ne"])
                };
                let op = kw(&mut self.rng, op);
                out.word(op);
                out.tokens.extend(value.tokens);
                out.glue.extend(value.glue);
            }
        }
    }

    /// `expressions`: units joined by And, Or or binary Not; a unary Not only first.
    fn expressions(&mut self, out: &mut Out, depth: usize, budget: &mut usize) {
        let n = 1 + self.rng.below(if depth == 0 { 4 } else { 3 });
        for i in 0..n {
            if i > 0 {
                let c = *self.rng.pick(&["And", "And", "Or", "Or", "Not"]);
                let c = kw(&mut self.rng, c);
                out.word(c);
            } else if self.rng.chance(12) {
                let not = kw(&mut self.rng, "Not");
                out.word(not);
            }
            self.unit(out, depth, budget);
        }
    }

    fn unit(&mut self, out: &mut Out, depth: usize, budget: &mut usize) {
        if depth < 2 && *budget > 2 && self.rng.chance(20) {
            out.punct("(");
            self.expressions(out, depth + 1, budget);
            out.punct(")");
        } else {
            *budget = budget.saturating_sub(1);
            self.comparison(out);
        }
    }

    fn filter(&mut self) -> Out {
        let mut out = Out::new();
        let mut budget = 12;
        self.expressions(&mut out, 0, &mut budget);
        out
    }
}

fn options() -> ParseOptions {
    ParseOptions::default()
}

/// A copy of `out` with one token dropped, doubled or swapped with its neighbour.
fn mutate(rng: &mut Rng, out: &Out) -> Out {
    let mut m = Out {
        tokens: out.tokens.clone(),
        glue: out.glue.clone(),
    };
    let n = m.tokens.len();
    if n < 2 {
        return m;
    }
    let i = rng.below(n - 1);
    match rng.below(3) {
        0 => {
            m.tokens.remove(i);
            m.glue.remove(i);
        }
        1 => {
            let (t, g) = (m.tokens[i].clone(), m.glue[i]);
            m.tokens.insert(i, t);
            m.glue.insert(i, g);
        }
        _ => {
            m.tokens.swap(i, i + 1);
            m.glue.swap(i, i + 1);
        }
    }
    m
}

const COUNT: usize = 20_000;

#[test]
fn generated_reference_filters_parse() {
    let mut g = Generator {
        rng: Rng(0x5EED_5A4B),
    };
    let options = options();
    let dump = std::env::var_os("SPARK_FILTER_GENERATED");
    let mut lines = String::new();
    let mut failures = Vec::new();
    for _ in 0..COUNT {
        let out = g.filter();
        let text = out.text(&mut g.rng);
        let verdict = parse_with(&text, &options);
        if let Err(e) = &verdict {
            failures.push(format!("{text:?}\n{}", e.render(&text)));
        }
        if dump.is_some() {
            let mutated = mutate(&mut g.rng, &out).text(&mut g.rng);
            for t in [&text, &mutated] {
                let ours = if parse_with(t, &options).is_ok() {
                    "accept"
                } else {
                    "reject"
                };
                let json = serde_json::json!({ "filter": t, "ours": ours });
                writeln!(lines, "{json}").unwrap();
            }
        }
    }
    if let Some(path) = dump {
        std::fs::write(&path, lines).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} of {COUNT} filters of the reference language were rejected; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
