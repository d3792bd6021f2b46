//! The evaluator's semantics (SPEC 7 and 8) on hand-written records, rule by rule.
//!
//! Every table row goes through [`Ctx::yields`], which checks two things: the filter matches
//! exactly the expected records, and `Not (filter)` matches exactly the others (two-valued
//! logic: `Not` is the exact complement). Rows whose complement is deliberately not the
//! complement (all-dropped filters) use [`Ctx::yields_only`].
//!
//! Every record carries an `Id`; expectations are lists of ids (order does not matter).

mod support;

use std::collections::BTreeSet;

use chrono::FixedOffset;
use serde_json::{Value, json};
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Caller, Plan, PlanOptions, Role, Schema, UnknownFields};
use spark_filter::{Error, Limits, ParseOptions};

// ---- helpers ------------------------------------------------------------------------------

/// Spark limits, but with room for the groups the complement check adds (`Not (…)`).
fn parse_options() -> ParseOptions {
    ParseOptions {
        clock: support::clock(),
        limits: Limits {
            max_depth: 16,
            ..Limits::default()
        },
    }
}

fn plan_options() -> PlanOptions {
    let parse = parse_options();
    PlanOptions {
        clock: parse.clock,
        limits: parse.limits,
        ..PlanOptions::new(Caller::new(Role::Private))
    }
}

fn zone(hours: i32) -> FixedOffset {
    FixedOffset::east_opt(hours * 3600).unwrap()
}

/// A custom schema with one field of each kind.
fn custom() -> Schema {
    Schema::from_json(
        r#"{"name":"t","fields":[
            {"name":"S","type":"character"},
            {"name":"CS","type":"character","case_sensitive":true},
            {"name":"N","type":"integer"},
            {"name":"D","type":"decimal"},
            {"name":"B","type":"boolean"},
            {"name":"Day","type":"date"},
            {"name":"At","type":"datetime"},
            {"name":"T","type":"time"},
            {"name":"Tags","type":"character_list","path":"Tags[]"},
            {"name":"CTags","type":"character_list","path":"CTags[]","case_sensitive":true},
            {"name":"Scores","type":"integer","path":"Scores[]"},
            {"name":"Email","type":"character","path":"Emails[].Address"},
            {"name":"Flags","type":"object","path":"Flags{}"},
            {"name":"\"Group\".\"Field\"","type":"character"}
        ]}"#,
    )
    .unwrap()
}

fn accounts() -> Schema {
    plan::builtin::builtin("accounts").unwrap()
}

/// How filters are planned and what `Not` is the complement within.
struct Ctx {
    schema: Schema,
    options: PlanOptions,
    /// Put before every filter (the accounts schema requires `UserType Eq …`).
    prefix: &'static str,
    /// The filter whose matches `F` and `Not (F)` split (empty: every record).
    universe: &'static str,
}

impl Ctx {
    fn new(schema: Schema) -> Ctx {
        Ctx {
            schema,
            options: plan_options(),
            prefix: "",
            universe: "",
        }
    }

    /// The accounts schema, every filter prefixed with `UserType Eq 'Member' And`. The
    /// complement is taken within the visible members (the implicit `Visible Eq true` is
    /// added to both sides).
    fn accounts() -> Ctx {
        Ctx {
            schema: accounts(),
            options: plan_options(),
            prefix: "UserType Eq 'Member' And ",
            universe: "UserType Eq 'Member'",
        }
    }

    fn with_zone(mut self, hours: i32) -> Ctx {
        self.options.zone = zone(hours);
        self
    }

    fn with_caller(mut self, caller: Caller) -> Ctx {
        self.options.caller = caller;
        self
    }

    fn dropping(mut self) -> Ctx {
        self.options.unknown_fields = UnknownFields::Drop;
        self
    }

    #[track_caller]
    fn try_plan(&self, filter: &str) -> Result<Plan, Vec<Error>> {
        plan::check(filter, &self.schema, &self.options).map_err(Vec::from)
    }

    #[track_caller]
    fn plan(&self, filter: &str) -> Plan {
        match self.try_plan(filter) {
            Ok(p) => p,
            Err(errors) => {
                let shown: Vec<String> = errors.iter().map(|e| e.render(filter)).collect();
                panic!("{filter:?} did not plan:\n{}", shown.join("\n"))
            }
        }
    }

    /// The ids of the records `filter` (taken as written, no prefix) matches.
    #[track_caller]
    fn ids(&self, filter: &str, records: &[Value]) -> BTreeSet<String> {
        let plan = self.plan(filter);
        let eval = Evaluator::new(&plan).unwrap();
        records
            .iter()
            .filter(|r| eval.matches(*r))
            .map(id_of)
            .collect()
    }

    fn prefixed(&self, filter: &str) -> String {
        if self.prefix.is_empty() {
            filter.to_string()
        } else {
            format!("{}({filter})", self.prefix)
        }
    }

    fn negated(&self, filter: &str) -> String {
        if self.prefix.is_empty() {
            format!("Not ({filter})")
        } else {
            format!("{}(Not ({filter}))", self.prefix)
        }
    }

    /// `filter` matches exactly `expected`, and `Not (filter)` exactly the other records of
    /// the universe.
    #[track_caller]
    fn yields(&self, filter: &str, records: &[Value], expected: &[&str]) {
        self.yields_only(filter, records, expected);
        let matched = self.ids(&self.prefixed(filter), records);
        let universe = self.ids(self.universe, records);
        assert!(
            matched.is_subset(&universe),
            "{filter:?} matched {matched:?}, outside the universe {universe:?}"
        );
        let want: BTreeSet<String> = universe.difference(&matched).cloned().collect();
        let negated = self.negated(filter);
        let got = self.ids(&negated, records);
        assert_eq!(
            got,
            want,
            "{negated:?} is not the complement of {filter:?}\nplan of the filter: {}\nplan of the negation: {}",
            self.plan(&self.prefixed(filter)),
            self.plan(&negated)
        );
    }

    /// `filter` matches exactly `expected` (no complement check).
    #[track_caller]
    fn yields_only(&self, filter: &str, records: &[Value], expected: &[&str]) {
        let full = self.prefixed(filter);
        let got = self.ids(&full, records);
        let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            got,
            want,
            "wrong records for {full:?}\nplan: {}",
            self.plan(&full)
        );
    }

    /// Two filters match the same records (both prefixed).
    #[track_caller]
    fn same(&self, a: &str, b: &str, records: &[Value]) {
        let (fa, fb) = (self.prefixed(a), self.prefixed(b));
        assert_eq!(
            self.ids(&fa, records),
            self.ids(&fb, records),
            "{fa:?} and {fb:?} differ\nplans:\n{}\n{}",
            self.plan(&fa),
            self.plan(&fb)
        );
    }
}

fn id_of(record: &Value) -> String {
    record["Id"]
        .as_str()
        .expect("every record has an Id")
        .to_string()
}

/// The jaq-style entry point: a filter on a schema, with default options.
#[track_caller]
fn yields(schema: &Schema, filter: &str, records: &[Value], expected: &[&str]) {
    Ctx::new(schema.clone()).yields(filter, records, expected)
}

/// A visible member account with the given extra attributes.
fn member(id: &str, extra: Value) -> Value {
    let mut r = json!({"Id": id, "UserType": "Member", "Settings": {"Visible": true}});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

// ---- two-valued logic, null and missing values ------------------------------------------

fn nullable() -> Vec<Value> {
    vec![
        json!({"Id": "one", "S": "x", "N": 1, "D": 1.5, "B": true, "Day": "2020-01-01"}),
        json!({"Id": "five", "S": "y", "N": 5, "D": 5.0, "B": false, "Day": "2020-06-01"}),
        json!({"Id": "null", "S": null, "N": null, "D": null, "B": null, "Day": null}),
        json!({"Id": "missing"}),
    ]
}

#[test]
fn ne_matches_missing_and_null_values() {
    let s = custom();
    let r = nullable();
    yields(&s, "S Ne 'x'", &r, &["five", "null", "missing"]);
    yields(&s, "N Ne 1", &r, &["five", "null", "missing"]);
    yields(&s, "D Ne 1.5", &r, &["five", "null", "missing"]);
    yields(&s, "B Ne true", &r, &["five", "null", "missing"]);
    yields(&s, "Day Ne 2020-01-01", &r, &["five", "null", "missing"]);
}

#[test]
fn ordering_comparisons_on_null_do_not_match() {
    let s = custom();
    let r = nullable();
    yields(&s, "N Gt 0", &r, &["one", "five"]);
    yields(&s, "N Lt 100", &r, &["one", "five"]);
    yields(&s, "N Ge 1", &r, &["one", "five"]);
    yields(&s, "N Le 5", &r, &["one", "five"]);
    yields(&s, "N Bt -100,100", &r, &["one", "five"]);
    yields(&s, "D Gt -1.0", &r, &["one", "five"]);
    yields(&s, "Day Lt 2100-01-01", &r, &["one", "five"]);
    yields(&s, "Day Bt 1900-01-01,2100-01-01", &r, &["one", "five"]);
    yields(&s, "S Eq 'x'", &r, &["one"]);
    yields(&s, "B Eq false", &r, &["five"]);
}

#[test]
fn eq_null_and_ne_null() {
    let s = custom();
    let r = nullable();
    yields(&s, "S Eq NULL", &r, &["null", "missing"]);
    yields(&s, "N Eq null", &r, &["null", "missing"]);
    yields(&s, "N Ne Null", &r, &["one", "five"]);
    yields(&s, "B Eq NULL", &r, &["null", "missing"]);
    yields(&s, "Day Ne NULL", &r, &["one", "five"]);
}

#[test]
fn a_value_not_readable_as_the_field_type_is_no_value() {
    // Documented in the evaluator: Eq NULL means "no value readable as the field's type",
    // which is what the SQL loader stores as non-null.
    let s = custom();
    let r = vec![
        json!({"Id": "int", "N": 3, "Day": "2020-01-01"}),
        json!({"Id": "text", "N": "3", "Day": "January"}),
        json!({"Id": "bool", "N": true, "Day": 20200101}),
    ];
    yields(&s, "N Eq 3", &r, &["int"]);
    yields(&s, "N Eq NULL", &r, &["text", "bool"]);
    yields(&s, "Day Eq NULL", &r, &["text", "bool"]);
    yields(&s, "Day Gt 1900-01-01", &r, &["int"]);
}

#[test]
fn and_or_and_binary_not() {
    let s = custom();
    let r = nullable();
    yields(&s, "S Eq 'x' Or N Eq 5", &r, &["one", "five"]);
    yields(&s, "S Eq 'x' And N Eq 5", &r, &[]);
    yields(&s, "N Gt 0 Not S Eq 'x'", &r, &["five"]);
    // And and binary Not bind tighter than Or.
    yields(&s, "S Eq 'x' Or N Gt 0 Not N Eq 5", &r, &["one"]);
    yields(
        &s,
        "S Eq 'x' Or N Gt 0 And B Eq false",
        &r,
        &["one", "five"],
    );
    yields(&s, "(S Eq 'x' Or N Gt 0) And B Eq false", &r, &["five"]);
    yields(&s, "Not S Eq 'x'", &r, &["five", "null", "missing"]);
    yields(&s, "Not N Gt 1", &r, &["one", "null", "missing"]);
    let ctx = Ctx::new(s.clone());
    ctx.yields_only("", &r, &["one", "five", "null", "missing"]);
    ctx.yields_only("   ", &r, &["one", "five", "null", "missing"]);
}

#[test]
fn nested_nots() {
    let s = custom();
    let r = nullable();
    let ctx = Ctx::new(s.clone());
    yields(
        &s,
        "Not (Not (Not S Eq 'x'))",
        &r,
        &["five", "null", "missing"],
    );
    ctx.same("Not (Not (Not S Eq 'x'))", "Not S Eq 'x'", &r);
    ctx.same("Not (Not (Not (S Eq 'x')))", "S Ne 'x'", &r);
    yields(&s, "Not (Not (S Eq 'x'))", &r, &["one"]);
    yields(&s, "Not (Not (N Gt 1))", &r, &["five"]);
    yields(&s, "Not (Not (Not (Not (N Gt 1))))", &r, &["five"]);
    yields(&s, "Not (Not (S Ne 'x'))", &r, &["five", "null", "missing"]);
    yields(
        &s,
        "Not (Not (Not (N Gt 1)))",
        &r,
        &["one", "null", "missing"],
    );
    yields(
        &s,
        "Not (S Eq 'x' Or (Not N Gt 1))",
        &r,
        &["five"], // N > 1 and S is not 'x'
    );
    yields(
        &s,
        "Not ((Not S Eq 'x') And (Not N Eq NULL))",
        &r,
        &["one", "null", "missing"],
    );
}

// ---- multi-valued fields ----------------------------------------------------------------

fn multi() -> Vec<Value> {
    vec![
        json!({"Id": "xy", "Tags": ["x", "y"], "Scores": [1, 9],
               "Emails": [{"Address": "a@x.com"}, {"Address": "b@y.com"}]}),
        json!({"Id": "y", "Tags": ["y"], "Scores": [5], "Emails": [{"Address": "b@y.com"}]}),
        json!({"Id": "X", "Tags": ["X"], "Scores": [null, 2], "Emails": [{"Address": null}]}),
        json!({"Id": "empty", "Tags": [], "Scores": [], "Emails": []}),
        json!({"Id": "nulls", "Tags": null, "Scores": null, "Emails": null}),
        json!({"Id": "nullitems", "Tags": [null], "Scores": [null], "Emails": [{}]}),
        json!({"Id": "missing"}),
    ]
}

#[test]
fn eq_matches_any_element_ne_none() {
    let s = custom();
    let r = multi();
    yields(&s, "Tags Eq 'x'", &r, &["xy", "X"]);
    yields(
        &s,
        "Tags Ne 'x'",
        &r,
        &["y", "empty", "nulls", "nullitems", "missing"],
    );
    yields(&s, "Tags Eq 'y'", &r, &["xy", "y"]);
    yields(&s, "Tags Eq 'x*'", &r, &["xy", "X"]);
    yields(&s, "Email Eq 'b@y.com'", &r, &["xy", "y"]);
    yields(
        &s,
        "Email Ne 'b@y.com'",
        &r,
        &["X", "empty", "nulls", "nullitems", "missing"],
    );
    yields(&s, "Email Eq '*@x.com'", &r, &["xy"]);
    yields(&s, "Scores Gt 4", &r, &["xy", "y"]);
    yields(&s, "Scores Lt 3", &r, &["xy", "X"]);
    yields(&s, "Scores Bt 2,5", &r, &["y", "X"]);
    yields(
        &s,
        "Scores Ne 9",
        &r,
        &["y", "X", "empty", "nulls", "nullitems", "missing"],
    );
    // The same element need not satisfy both conditions.
    yields(&s, "Scores Gt 4 And Scores Lt 3", &r, &["xy"]);
}

#[test]
fn null_on_multi_valued_fields_means_no_value() {
    let s = custom();
    let r = multi();
    yields(
        &s,
        "Tags Eq NULL",
        &r,
        &["empty", "nulls", "nullitems", "missing"],
    );
    yields(
        &s,
        "Email Eq NULL",
        &r,
        &["X", "empty", "nulls", "nullitems", "missing"],
    );
    yields(&s, "Scores Ne NULL", &r, &["xy", "y", "X"]);
}

#[test]
fn lists_are_any_of_and_none_of() {
    let s = custom();
    let r = multi();
    yields(&s, "Tags Eq 'x','z'", &r, &["xy", "X"]);
    yields(
        &s,
        "Tags Ne 'x','y'",
        &r,
        &["empty", "nulls", "nullitems", "missing"],
    );
    yields(&s, "Scores Eq 2,5", &r, &["y", "X"]);
    yields(
        &s,
        "Scores Ne 1,2",
        &r,
        &["y", "empty", "nulls", "nullitems", "missing"],
    );

    let n = nullable();
    yields(&s, "S Eq 'x','y'", &n, &["one", "five"]);
    yields(&s, "S Eq 'X','z'", &n, &["one"]);
    yields(&s, "S Ne 'x','z'", &n, &["five", "null", "missing"]);
    yields(&s, "N Eq 1,5,7", &n, &["one", "five"]);
    yields(&s, "N Ne 1,7", &n, &["five", "null", "missing"]);
    yields(&s, "D Eq 1,1.5", &n, &["one"]);
    yields(&s, "D Eq 5,1.25", &n, &["five"]);
    // Dates are no list items (SPEC 2); relative-date functions are.
    yields(&s, "Day Eq days(-2517),days(-2365)", &n, &["one", "five"]);
    yields(
        &s,
        "Day Ne days(-2517),days(-2000)",
        &n,
        &["five", "null", "missing"],
    );
    yields(&s, "S Eq 'x*','*y'", &n, &["one", "five"]);
    // An integer field with a decimal item that no integer equals: only the other items.
    yields(&s, "N Eq 1,2.5", &n, &["one"]);
    yields(&s, "N Eq 1.5,2.5", &n, &[]);
}

// ---- wildcards --------------------------------------------------------------------------

fn words() -> Vec<Value> {
    vec![
        json!({"Id": "abc", "S": "abc", "CS": "abc"}),
        json!({"Id": "abcdef", "S": "abcdef", "CS": "abcdef"}),
        json!({"Id": "zabc", "S": "zabc", "CS": "zabc"}),
        json!({"Id": "zabcz", "S": "zabcz", "CS": "zabcz"}),
        json!({"Id": "ac", "S": "ac", "CS": "ac"}),
        json!({"Id": "axbxc", "S": "axbxc", "CS": "axbxc"}),
        json!({"Id": "AbC", "S": "AbC", "CS": "AbC"}),
        json!({"Id": "a*", "S": "a*", "CS": "a*"}),
        json!({"Id": "a*c", "S": "a*c", "CS": "a*c"}),
        json!({"Id": "a\\", "S": "a\\", "CS": "a\\"}),
        json!({"Id": "a\\xyz", "S": "a\\xyz", "CS": "a\\xyz"}),
        json!({"Id": "empty", "S": "", "CS": ""}),
        json!({"Id": "none"}),
    ]
}

#[test]
fn wildcard_prefix_suffix_contains() {
    let s = custom();
    let r = words();
    yields(&s, "S Eq 'abc*'", &r, &["abc", "abcdef", "AbC"]);
    yields(&s, "S Eq '*abc'", &r, &["abc", "zabc", "AbC"]);
    yields(
        &s,
        "S Eq '*abc*'",
        &r,
        &["abc", "abcdef", "zabc", "zabcz", "AbC"],
    );
    yields(
        &s,
        "S Eq '**abc**'",
        &r,
        &["abc", "abcdef", "zabc", "zabcz", "AbC"],
    );
    yields(&s, "S Eq 'ABC*'", &r, &["abc", "abcdef", "AbC"]);
    yields(&s, "S Eq 'abc'", &r, &["abc", "AbC"]);
    yields(
        &s,
        "S Ne 'abc*'",
        &r,
        &[
            "zabc", "zabcz", "ac", "axbxc", "a*", "a*c", "a\\", "a\\xyz", "empty", "none",
        ],
    );
}

#[test]
fn wildcard_infix_and_multiple_stars() {
    let s = custom();
    let r = words();
    yields(&s, "S Eq 'a*c'", &r, &["abc", "ac", "axbxc", "AbC", "a*c"]);
    yields(&s, "S Eq 'a*b*c'", &r, &["abc", "axbxc", "AbC"]);
    yields(&s, "S Eq 'a**c'", &r, &["abc", "ac", "axbxc", "AbC", "a*c"]);
    yields(&s, "S Eq '*b*c'", &r, &["abc", "zabc", "axbxc", "AbC"]);
    yields(&s, "S Eq 'z*b*z'", &r, &["zabcz"]);
    yields(&s, "S Eq 'x*x'", &r, &[]);
    // The anchors may not overlap: 'abc*cdef' needs at least "abccdef".
    yields(&s, "S Eq 'abc*cdef'", &r, &[]);
    yields(&s, "S Eq 'a*f'", &r, &["abcdef"]);
    // A lone star matches every value, including the empty one, but not a missing one.
    yields(
        &s,
        "S Eq '*'",
        &r,
        &[
            "abc", "abcdef", "zabc", "zabcz", "ac", "axbxc", "AbC", "a*", "a*c", "a\\", "a\\xyz",
            "empty",
        ],
    );
}

#[test]
fn escaped_stars() {
    let s = custom();
    let r = words();
    // \* is a literal star.
    yields(&s, r"S Eq 'a\*'", &r, &["a*"]);
    yields(&s, r"S Eq 'a\*c'", &r, &["a*c"]);
    yields(&s, r"S Eq 'a\**'", &r, &["a*", "a*c"]);
    yields(&s, r"S Eq '*\*c'", &r, &["a*c"]);
    // \\* is a backslash followed by a wildcard.
    yields(&s, r"S Eq 'a\\*'", &r, &["a\\", "a\\xyz"]);
    yields(&s, r"S Eq 'a\\'", &r, &["a\\"]);
}

#[test]
fn wildcards_on_case_sensitive_fields_respect_case() {
    let s = custom();
    let r = words();
    yields(&s, "CS Eq 'abc*'", &r, &["abc", "abcdef"]);
    yields(&s, "CS Eq 'A*'", &r, &["AbC"]);
    yields(&s, "CS Eq '*C'", &r, &["AbC"]);
    yields(&s, "CS Eq 'abc'", &r, &["abc"]);
    yields(&s, "CS Eq 'ABC'", &r, &[]);
    yields(&s, "CS Eq 'A*C'", &r, &["AbC"]);
}

// ---- case folding -----------------------------------------------------------------------

fn cities() -> Vec<Value> {
    vec![
        json!({"Id": "zürich", "S": "zürich", "CS": "zürich", "Tags": ["zürich"]}),
        json!({"Id": "ZÜRICH", "S": "ZÜRICH", "CS": "ZÜRICH", "Tags": ["ZÜRICH"]}),
        json!({"Id": "Zurich", "S": "Zurich", "CS": "Zurich", "Tags": ["Zurich"]}),
        json!({"Id": "Straße", "S": "Straße", "CS": "Straße", "Tags": ["Straße"]}),
        json!({"Id": "STRASSE", "S": "STRASSE", "CS": "STRASSE", "Tags": ["STRASSE"]}),
        json!({"Id": "strasse", "S": "strasse", "CS": "strasse", "Tags": ["strasse"]}),
        json!({"Id": "École", "S": "École", "CS": "École", "Tags": ["École"]}),
        json!({"Id": "kelvin", "S": "\u{212A}elvin", "CS": "\u{212A}elvin", "Tags": []}),
        json!({"Id": "none"}),
    ]
}

#[test]
fn case_insensitive_fields_fold_non_ascii() {
    let s = custom();
    let r = cities();
    yields(&s, "S Eq 'ZÜRICH'", &r, &["zürich", "ZÜRICH"]);
    yields(&s, "S Eq 'zürich'", &r, &["zürich", "ZÜRICH"]);
    yields(&s, "S Eq 'Zürich'", &r, &["zürich", "ZÜRICH"]);
    yields(&s, "S Eq 'zurich'", &r, &["Zurich"]);
    yields(&s, "S Eq 'zü*'", &r, &["zürich", "ZÜRICH"]);
    yields(&s, "S Eq '*RICH'", &r, &["zürich", "ZÜRICH", "Zurich"]);
    yields(&s, "S Eq 'école'", &r, &["École"]);
    yields(&s, "S Eq '*COLE'", &r, &["École"]);
    // The Kelvin sign folds to k.
    yields(&s, "S Eq 'KELVIN'", &r, &["kelvin"]);
    yields(&s, "Tags Eq 'zÜrich'", &r, &["zürich", "ZÜRICH"]);
}

#[test]
fn full_case_folding_sharp_s() {
    let s = custom();
    let r = cities();
    let strasse = &["Straße", "STRASSE", "strasse"];
    yields(&s, "S Eq 'Straße'", &r, strasse);
    yields(&s, "S Eq 'STRASSE'", &r, strasse);
    yields(&s, "S Eq 'strasse'", &r, strasse);
    yields(&s, "S Eq 'STRAẞE'", &r, strasse); // capital sharp s
    yields(&s, "S Eq 'straß*'", &r, strasse);
    yields(&s, "S Eq 'stras*'", &r, strasse);
    yields(&s, "S Eq '*SSE'", &r, strasse);
    yields(&s, "S Eq '*aß*'", &r, strasse);
    yields(
        &s,
        "S Eq 'Straße','École'",
        &r,
        &["Straße", "STRASSE", "strasse", "École"],
    );
    yields(&s, "Tags Eq 'strasse'", &r, strasse);
}

#[test]
fn case_sensitive_fields_compare_exactly() {
    let s = custom();
    let r = cities();
    yields(&s, "CS Eq 'zürich'", &r, &["zürich"]);
    yields(&s, "CS Eq 'ZÜRICH'", &r, &["ZÜRICH"]);
    yields(&s, "CS Eq 'Straße'", &r, &["Straße"]);
    yields(&s, "CS Eq 'STRASSE'", &r, &["STRASSE"]);
    yields(&s, "CS Eq 'École'", &r, &["École"]);
    yields(&s, "CS Eq 'école'", &r, &[]);
    yields(&s, "CS Eq 'Z*'", &r, &["ZÜRICH", "Zurich"]);
    yields(&s, "CS Eq 'kelvin'", &r, &[]);
    yields(&s, "CS Eq contains('ß')", &r, &["Straße"]);
}

#[test]
fn case_sensitive_list_fields() {
    let s = custom();
    let r = vec![
        json!({"Id": "upper", "CTags": ["A", "b"]}),
        json!({"Id": "lower", "CTags": ["a"]}),
        json!({"Id": "none"}),
    ];
    yields(&s, "CTags Eq 'a'", &r, &["lower"]);
    yields(&s, "CTags Eq 'A'", &r, &["upper"]);
    yields(&s, "CTags Ne 'A'", &r, &["lower", "none"]);
}

// ---- dates, datetimes and times ---------------------------------------------------------

#[test]
fn dates_compare_as_days_and_bt_is_inclusive() {
    let s = custom();
    let r = vec![
        json!({"Id": "jan15", "Day": "2020-01-15"}),
        json!({"Id": "feb01", "Day": "2020-02-01"}),
        json!({"Id": "feb29", "Day": "2020-02-29"}),
        json!({"Id": "null", "Day": null}),
        json!({"Id": "garbage", "Day": "2020-13-45"}),
    ];
    yields(&s, "Day Eq 2020-01-15", &r, &["jan15"]);
    yields(&s, "Day Gt 2020-01-15", &r, &["feb01", "feb29"]);
    yields(&s, "Day Ge 2020-02-01", &r, &["feb01", "feb29"]);
    yields(&s, "Day Lt 2020-02-01", &r, &["jan15"]);
    yields(&s, "Day Le 2020-02-01", &r, &["jan15", "feb01"]);
    yields(&s, "Day Bt 2020-01-15,2020-02-01", &r, &["jan15", "feb01"]);
    yields(&s, "Day Bt 2020-01-16,2020-02-28", &r, &["feb01"]);
    yields(&s, "Day Bt 2020-02-29,2020-02-29", &r, &["feb29"]);
    yields(&s, "Day Bt 2020-03-01,2020-01-01", &r, &[]);
    // Relative dates against the fixed clock (2026-11-22).
    yields(&s, "Day Lt days(-1)", &r, &["jan15", "feb01", "feb29"]);
    yields(&s, "Day Gt now()", &r, &[]);
}

#[test]
fn date_fields_compared_with_a_datetime_take_its_day() {
    let s = custom();
    let r = vec![
        json!({"Id": "jan15", "Day": "2020-01-15"}),
        json!({"Id": "jan16", "Day": "2020-01-16"}),
    ];
    yields(&s, "Day Eq 2020-01-15T10:00:00", &r, &["jan15"]);
    // 23:00 at -03:00 is 02:00 UTC the next day.
    yields(&s, "Day Eq 2020-01-15T23:00:00-03:00", &r, &["jan16"]);
    Ctx::new(s)
        .with_zone(-3)
        .yields("Day Eq 2020-01-15T23:00:00-03:00", &r, &["jan15"]);
}

fn instants() -> Vec<Value> {
    vec![
        json!({"Id": "z", "At": "2013-07-26T13:22:15Z"}),
        json!({"Id": "minus3", "At": "2013-07-26T10:22:15-03:00"}),
        json!({"Id": "half", "At": "2013-07-26T13:22:15.5Z"}),
        json!({"Id": "afternoon", "At": "2013-07-26T15:00:00Z"}),
        json!({"Id": "nextday", "At": "2013-07-27T01:00:00Z"}),
        json!({"Id": "lateminus3", "At": "2013-07-26T23:30:00-03:00"}),
        json!({"Id": "local", "At": "2013-07-26T10:00:00"}),
        json!({"Id": "null", "At": null}),
        json!({"Id": "garbage", "At": "yesterday"}),
    ]
}

#[test]
fn datetimes_compare_as_instants() {
    let s = custom();
    let r = instants();
    yields(&s, "At Eq 2013-07-26T10:22:15-0300", &r, &["z", "minus3"]);
    yields(&s, "At Eq 2013-07-26T10:22:15-03:00", &r, &["z", "minus3"]);
    yields(&s, "At Eq 2013-07-26T13:22:15Z", &r, &["z", "minus3"]);
    yields(&s, "At Eq 2013-07-26T15:22:15+0200", &r, &["z", "minus3"]);
    yields(&s, "At Eq 2013-07-26T13:22:15", &r, &["z", "minus3"]);
    yields(&s, "At Eq 2013-07-26T13:22:15.5Z", &r, &["half"]);
    yields(
        &s,
        "At Gt 2013-07-26T13:22:15Z",
        &r,
        &["half", "afternoon", "nextday", "lateminus3"],
    );
    yields(
        &s,
        "At Le 2013-07-26T13:22:15Z",
        &r,
        &["z", "minus3", "local"],
    );
    yields(
        &s,
        "At Bt 2013-07-26T13:22:15Z,2013-07-27T01:00:00Z",
        &r,
        &["z", "minus3", "half", "afternoon", "nextday"],
    );
    yields(&s, "At Eq 2013-07-26T10:00:00Z", &r, &["local"]);
}

#[test]
fn datetimes_without_a_zone_are_in_the_plan_zone() {
    let s = custom();
    let r = instants();
    let minus3 = Ctx::new(s).with_zone(-3);
    // The record's local 10:00 is 13:00 UTC, and so is the filter's zoneless 10:22:15.
    minus3.yields("At Eq 2013-07-26T13:00:00Z", &r, &["local"]);
    minus3.yields("At Eq 2013-07-26T10:22:15", &r, &["z", "minus3"]);
    minus3.yields("At Eq 2013-07-26T13:22:15Z", &r, &["z", "minus3"]);
}

#[test]
fn a_date_against_a_datetime_field_compares_the_calendar_day() {
    let s = custom();
    let r = instants();
    let all = &[
        "z",
        "minus3",
        "half",
        "afternoon",
        "nextday",
        "lateminus3",
        "local",
    ];
    yields(
        &s,
        "At Eq 2013-07-26",
        &r,
        &["z", "minus3", "half", "afternoon", "local"],
    );
    yields(&s, "At Eq 2013-07-27", &r, &["nextday", "lateminus3"]);
    yields(&s, "At Gt 2013-07-26", &r, &["nextday", "lateminus3"]);
    yields(
        &s,
        "At Le 2013-07-26",
        &r,
        &["z", "minus3", "half", "afternoon", "local"],
    );
    yields(&s, "At Bt 2013-07-26,2013-07-27", &r, all);
    yields(
        &s,
        "At Bt 2013-07-27,2013-07-27",
        &r,
        &["nextday", "lateminus3"],
    );

    // In -03:00, 2013-07-27T01:00Z is still the 26th, and so is 23:30-03:00.
    let west = Ctx::new(s.clone()).with_zone(-3);
    west.yields("At Eq 2013-07-26", &r, all);
    west.yields("At Eq 2013-07-27", &r, &[]);
    // In +10:00, 15:00Z and later are already the 27th; the zoneless record is local.
    let east = Ctx::new(s).with_zone(10);
    east.yields("At Eq 2013-07-26", &r, &["z", "minus3", "half", "local"]);
    east.yields(
        "At Eq 2013-07-27",
        &r,
        &["afternoon", "nextday", "lateminus3"],
    );
    east.yields(
        "At Bt 2013-07-27,2013-07-28",
        &r,
        &["afternoon", "nextday", "lateminus3"],
    );
}

#[test]
fn times_compare_as_clock_times() {
    let s = custom();
    let r = vec![
        json!({"Id": "1022", "T": "10:22"}),
        json!({"Id": "102215", "T": "10:22:15"}),
        json!({"Id": "late", "T": "23:59:59.5"}),
        json!({"Id": "null", "T": null}),
    ];
    yields(&s, "T Eq 10:22", &r, &["1022"]);
    yields(&s, "T Eq 10:22:00", &r, &["1022"]);
    yields(&s, "T Eq 10:22:15", &r, &["102215"]);
    yields(&s, "T Gt 10:22", &r, &["102215", "late"]);
    yields(&s, "T Lt 23:59:59.5", &r, &["1022", "102215"]);
    yields(&s, "T Bt 10:22:15,23:59:59.5", &r, &["102215", "late"]);
    yields(&s, "T Eq 23:59:59.5", &r, &["late"]);
}

// ---- numbers ----------------------------------------------------------------------------

fn numbers() -> Vec<Value> {
    vec![
        json!({"Id": "1", "N": 1, "D": 1}),
        json!({"Id": "2", "N": 2, "D": 2.0}),
        json!({"Id": "3", "N": 3, "D": 2.5}),
        json!({"Id": "4", "N": 4, "D": 0.3}),
        json!({"Id": "null", "N": null, "D": null}),
    ]
}

#[test]
fn integer_fields_against_decimal_values() {
    let s = custom();
    let r = numbers();
    let ctx = Ctx::new(s.clone());
    yields(&s, "N Eq 2.5", &r, &[]);
    yields(&s, "N Ne 2.5", &r, &["1", "2", "3", "4", "null"]);
    yields(&s, "N Gt 2.5", &r, &["3", "4"]);
    ctx.same("N Gt 2.5", "N Ge 3", &r);
    yields(&s, "N Ge 2.5", &r, &["3", "4"]);
    yields(&s, "N Lt 2.5", &r, &["1", "2"]);
    ctx.same("N Lt 2.5", "N Le 2", &r);
    yields(&s, "N Le 2.5", &r, &["1", "2"]);
    yields(&s, "N Bt 1.5,3.5", &r, &["2", "3"]);
    yields(&s, "N Bt 2.0,3.0", &r, &["2", "3"]);
    yields(&s, "N Eq 2.0", &r, &["2"]);
    yields(&s, "N Gt -0.5", &r, &["1", "2", "3", "4"]);
    yields(&s, "N Lt 0.5", &r, &[]);
    // Beyond the integer range.
    yields(&s, "N Lt 99999999999999999999.5", &r, &["1", "2", "3", "4"]);
    yields(&s, "N Gt 99999999999999999999.0", &r, &[]);
}

#[test]
fn decimal_fields() {
    let s = custom();
    let r = numbers();
    yields(&s, "D Eq 2", &r, &["2"]);
    yields(&s, "D Eq 1", &r, &["1"]);
    yields(&s, "D Eq 2.5", &r, &["3"]);
    yields(&s, "D Gt 2", &r, &["3"]);
    yields(&s, "D Bt 1,2", &r, &["1", "2"]);
    // Literal arithmetic is folded exactly: 0.1 + 0.2 is 0.3.
    yields(&s, "D Eq 0.1 Add 0.2", &r, &["4"]);
    yields(&s, "D Eq 3.0E-1", &r, &["4"]);
    yields(&s, "D Eq 5 Div 2", &r, &["2"]); // integer literal division: 2
    yields(&s, "D Eq 5.0 Div 2", &r, &["3"]);
    yields(&s, "N Eq --2", &r, &["2"]);
    yields(&s, "N Eq -(-2)", &r, &["2"]);
}

// ---- the accounts name rule -------------------------------------------------------------

fn names() -> Vec<Value> {
    [
        ("carl", "Carl Thomason"),
        ("thomas", "thomas Smith"),
        ("thom", "Thom Jones"),
        ("john", "John Doe"),
        ("tim", "Timothy Tim"),
        ("mary", "Mary Johnson"),
        ("zoe", "Zoë Ångström-Núñez"),
        ("star", "Thom* Star"),
    ]
    .iter()
    .map(|(id, name)| member(id, json!({"Name": name})))
    .chain([
        member("noname", json!({})),
        member("nullname", json!({"Name": null})),
    ])
    .collect()
}

#[test]
fn name_wildcards_apply_to_every_word() {
    let ctx = Ctx::accounts();
    let r = names();
    ctx.yields("Name Eq 'thomas*'", &r, &["carl", "thomas"]);
    ctx.yields("Name Eq 'THOMAS*'", &r, &["carl", "thomas"]);
    ctx.yields("Name Eq 'thom*'", &r, &["carl", "thomas", "thom", "star"]);
    ctx.yields("Name Eq 'john*','tim*'", &r, &["john", "tim", "mary"]);
    ctx.yields("Name Eq '*son'", &r, &["carl", "mary"]);
    ctx.yields("Name Eq 'sm*h'", &r, &["thomas"]);
    ctx.yields("Name Eq 'ång*'", &r, &["zoe"]);
    ctx.yields("Name Eq 'ZOË*'", &r, &["zoe"]);
    ctx.yields("Name Eq '*núñez'", &r, &["zoe"]);
    // A wildcard value and a plain one in a list: the rule applies to both.
    ctx.yields("Name Eq 'smith','doe*'", &r, &["thomas", "john"]);
}

#[test]
fn name_rule_does_not_apply_with_whitespace_or_without_wildcards() {
    let ctx = Ctx::accounts();
    let r = names();
    // Whitespace: the value is a pattern on the whole name.
    ctx.yields("Name Eq 'carl thom*'", &r, &["carl"]);
    ctx.yields("Name Eq 'smith*','carl t*'", &r, &["carl"]);
    ctx.yields("Name Eq '* smith'", &r, &["thomas"]);
    // No wildcard: the whole name.
    ctx.yields("Name Eq 'thomas'", &r, &[]);
    ctx.yields("Name Eq 'Thom Jones'", &r, &["thom"]);
    ctx.yields("Name Eq 'thom jones'", &r, &["thom"]);
    ctx.yields("Name Eq 'thomas smith','john doe'", &r, &["thomas", "john"]);
    // A literal star is no wildcard.
    ctx.yields(r"Name Eq 'thom\*'", &r, &[]);
    ctx.yields(r"Name Eq 'thom\* star'", &r, &["star"]);
}

#[test]
fn name_rule_is_accounts_only() {
    // accounts-legacy has no name_words rule: 'thomas*' is a prefix of the whole name.
    let legacy = Ctx {
        schema: plan::builtin::builtin("accounts-legacy").unwrap(),
        options: PlanOptions {
            caller: Caller {
                ..Caller::new(Role::Idx)
            },
            ..plan_options()
        },
        prefix: "UserType Eq 'Member' And ",
        universe: "UserType Eq 'Member'",
    };
    legacy.yields("Name Eq 'thomas*'", &names(), &["thomas"]);
}

// ---- phone numbers ----------------------------------------------------------------------

fn phones() -> Vec<Value> {
    let one = |id: &str, number: Value| member(id, json!({"Phones": [{"Number": number}]}));
    vec![
        one("dashes", json!("701-555-1212")),
        one("parens", json!("(701) 555-1212")),
        one("intl", json!("+1 701 555 1212 x12")),
        one("local", json!("555-1212")),
        one("otherarea", json!("702-555-1212")),
        member(
            "two",
            json!({"Phones": [{"Number": "701-555-9999"}, {"Number": "1 701 555 1212"}]}),
        ),
        one("digits", json!("7015551212")),
        one("ext", json!("701.555.1212 ext. 7")),
        member("empty", json!({"Phones": []})),
        member("missing", json!({})),
        one("null", Value::Null),
        one("garbage", json!("call me")),
    ]
}

#[test]
fn phone_numbers_match_by_parts() {
    let ctx = Ctx::accounts();
    let r = phones();
    let field = "\"Phones\".\"Number\"";
    ctx.yields(
        &format!("{field} Eq '555-1212'"),
        &r,
        &[
            "dashes",
            "parens",
            "intl",
            "local",
            "otherarea",
            "two",
            "digits",
            "ext",
        ],
    );
    ctx.yields(
        &format!("{field} Eq '5551212'"),
        &r,
        &[
            "dashes",
            "parens",
            "intl",
            "local",
            "otherarea",
            "two",
            "digits",
            "ext",
        ],
    );
    ctx.yields(
        &format!("{field} Eq '701-555-1212'"),
        &r,
        &["dashes", "parens", "intl", "two", "digits", "ext"],
    );
    ctx.yields(
        &format!("{field} Eq '7015551212'"),
        &r,
        &["dashes", "parens", "intl", "two", "digits", "ext"],
    );
    ctx.yields(&format!("{field} Eq '1 701-555-1212 x12'"), &r, &["intl"]);
    ctx.yields(&format!("{field} Eq '1 7015551212 x12'"), &r, &["intl"]);
    ctx.yields(&format!("{field} Eq '555-1212 x7'"), &r, &["ext"]);
    ctx.yields(
        &format!("{field} Eq '1 701-555-1212'"),
        &r,
        &["dashes", "parens", "intl", "two", "digits", "ext"],
    );
    ctx.yields(&format!("{field} Eq '44 701-555-1212'"), &r, &[]);
    ctx.yields(&format!("{field} Eq '702-555-1212'"), &r, &["otherarea"]);
    ctx.yields(
        &format!("{field} Eq '702-555-1212','701-555-9999'"),
        &r,
        &["otherarea", "two"],
    );
    ctx.yields(
        &format!("{field} Ne '701-555-1212'"),
        &r,
        &["local", "otherarea", "empty", "missing", "null", "garbage"],
    );
    ctx.yields(
        &format!("{field} Ne '555-1212'"),
        &r,
        &["empty", "missing", "null", "garbage"],
    );
}

#[test]
fn phone_values_that_are_not_numbers_are_errors() {
    let ctx = Ctx::accounts();
    for bad in ["(701) 555-1212", "555*", "12", "1 555-1212"] {
        let filter = format!("UserType Eq 'Member' And \"Phones\".\"Number\" Eq '{bad}'");
        assert!(ctx.try_plan(&filter).is_err(), "{filter} planned");
    }
}

// ---- the implicit Visible Eq true -------------------------------------------------------

fn visibility() -> Vec<Value> {
    vec![
        json!({"Id": "visible", "UserType": "Member", "Settings": {"Visible": true}}),
        json!({"Id": "hidden", "UserType": "Member", "Settings": {"Visible": false}}),
        json!({"Id": "unset", "UserType": "Member", "Settings": {}}),
        json!({"Id": "nosettings", "UserType": "Member"}),
        json!({"Id": "nullvisible", "UserType": "Member", "Settings": {"Visible": null}}),
        json!({"Id": "office", "UserType": "Office", "Settings": {"Visible": true}}),
        json!({"Id": "hiddenoffice", "UserType": "Office", "Settings": {"Visible": false}}),
    ]
}

fn privileged() -> Caller {
    Caller {
        privileged: true,
        ..Caller::new(Role::Private)
    }
}

#[test]
fn records_not_visible_are_left_out_by_default() {
    let ctx = Ctx::new(accounts());
    let r = visibility();
    ctx.yields_only("UserType Eq 'Member'", &r, &["visible"]);
    ctx.yields_only("UserType Eq 'Member','Office'", &r, &["visible", "office"]);
    ctx.yields_only("UserType Eq 'Office'", &r, &["office"]);
    ctx.yields_only(
        "UserType Ne 'Member' And UserType Eq 'Office'",
        &r,
        &["office"],
    );
    // Not (…) does not undo the implicit condition.
    Ctx::accounts().yields("UserType Ne 'Office'", &r, &["visible"]);
    // Privileged callers get the implicit condition too, unless they constrain Visible.
    Ctx::new(accounts()).with_caller(privileged()).yields_only(
        "UserType Eq 'Member'",
        &r,
        &["visible"],
    );
}

#[test]
fn constraining_visible_removes_the_implicit_condition() {
    let all_members = Ctx {
        universe: "UserType Eq 'Member' And (Visible Eq true Or Visible Ne true)",
        ..Ctx::accounts().with_caller(privileged())
    };
    let r = visibility();
    all_members.yields(
        "Visible Eq true Or Visible Eq false",
        &r,
        &["visible", "hidden"],
    );
    all_members.yields("Visible Eq false", &r, &["hidden"]);
    all_members.yields(
        "Visible Ne true",
        &r,
        &["hidden", "unset", "nosettings", "nullvisible"],
    );
    all_members.yields(
        "Visible Eq NULL",
        &r,
        &["unset", "nosettings", "nullvisible"],
    );
    all_members.yields(
        "Visible Eq NULL Or Visible Ne NULL",
        &r,
        &["visible", "hidden", "unset", "nosettings", "nullvisible"],
    );
    // Constraining it anywhere counts, even under Not or in an Or.
    all_members.yields(
        "Not Visible Eq false",
        &r,
        &["visible", "unset", "nosettings", "nullvisible"],
    );
    // Replication keys may too.
    let replication = Ctx::new(accounts()).with_caller(Caller {
        replication: true,
        ..Caller::new(Role::Private)
    });
    replication.yields_only(
        "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
        &r,
        &["visible", "hidden"],
    );
    replication.yields_only(
        "UserType Eq 'Office' And Visible Eq false",
        &r,
        &["hiddenoffice"],
    );
}

#[test]
fn visible_needs_a_privileged_or_replication_key() {
    let ctx = Ctx::new(accounts());
    assert!(
        ctx.try_plan("UserType Eq 'Member' And Visible Eq false")
            .is_err()
    );
}

// ---- the drop policy --------------------------------------------------------------------

#[test]
fn dropped_conditions_vanish() {
    let ctx = Ctx::new(custom()).dropping();
    let r = nullable();
    // Not (A Or Dropped) is Not A.
    ctx.yields(
        "Not (S Eq 'x' Or Zzz Eq 1)",
        &r,
        &["five", "null", "missing"],
    );
    ctx.same("Not (S Eq 'x' Or Zzz Eq 1)", "Not (S Eq 'x')", &r);
    ctx.same("Not (Zzz Eq 1 Or S Eq 'x')", "Not S Eq 'x'", &r);
    // A Not Dropped is A.
    ctx.yields("S Eq 'x' Not Zzz Eq 1", &r, &["one"]);
    ctx.same("S Eq 'x' Not Zzz Eq 1", "S Eq 'x'", &r);
    ctx.yields("S Eq 'x' And (Not Zzz Eq 1)", &r, &["one"]);
    // A Or Dropped is A (not every record).
    ctx.yields("S Eq 'x' Or Zzz Eq 1", &r, &["one"]);
    ctx.yields("S Eq 'x' Or (Zzz Eq 1)", &r, &["one"]);
    ctx.yields("Zzz Eq 1 Or N Eq 5", &r, &["five"]);
    // An all-dropped group vanishes, whatever surrounds it.
    ctx.yields("(Zzz Eq 1 Or Yyy Eq 2) And S Eq 'x'", &r, &["one"]);
    ctx.yields("(Zzz Eq 1 And Yyy Eq 2) Or S Eq 'x'", &r, &["one"]);
    ctx.yields("Not (Zzz Eq 1 Or Yyy Eq 2) And S Eq 'x'", &r, &["one"]);
    ctx.yields("S Eq 'x' Not (Zzz Eq 1 Or Yyy Ne 2)", &r, &["one"]);
    ctx.yields("S Eq 'x' Or (Zzz Eq 1 Or Yyy Eq 2)", &r, &["one"]);
    ctx.yields(
        "Not (Not (Zzz Eq 1) Or N Gt 1)",
        &r,
        &["one", "null", "missing"],
    );
    // Unknown fields inside functions and arithmetic are dropped too.
    ctx.yields("tolower(Zzz) Eq 'a' Or S Eq 'y'", &r, &["five"]);
    ctx.yields("Zzz Add 1 Eq 2 Or S Eq 'y'", &r, &["five"]);
}

#[test]
fn an_all_dropped_filter_matches_every_record() {
    let ctx = Ctx::new(custom()).dropping();
    let r = nullable();
    let every = &["one", "five", "null", "missing"];
    for filter in [
        "Zzz Eq 1",
        "Not (Zzz Eq 1)",
        "Not Zzz Eq 1",
        "Zzz Ne 1",
        "Zzz Eq 1 Or Yyy Eq 2",
        "Zzz Eq 1 And Yyy Eq 2",
        "Zzz Eq 1 Not Yyy Eq 2",
        "(Zzz Eq 1 Or Yyy Eq 2) And (Xxx Eq 3)",
        "Not (Not (Not Zzz Eq 1))",
        "\"Some\".\"Field\" Eq 'x'",
    ] {
        ctx.yields_only(filter, &r, every);
        let plan = ctx.plan(filter);
        assert!(!plan.dropped.is_empty(), "{filter}: nothing reported");
        assert!(plan.dropped.iter().all(|d| d.status == "Dropped"));
    }
    let plan = ctx.plan("S Eq 'x' Not (Zzz Eq 1 Or Yyy Ne 2)");
    let fields: Vec<&str> = plan.dropped.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["Zzz", "Yyy"]);
    assert_eq!(plan.dropped[1].condition, "Yyy Ne 2");
}

#[test]
fn dropped_conditions_on_accounts_keep_the_implicit_rules() {
    let ctx = Ctx {
        options: PlanOptions {
            unknown_fields: UnknownFields::Drop,
            ..plan_options()
        },
        ..Ctx::accounts()
    };
    let r = visibility();
    ctx.yields_only("Zzz Eq 1", &r, &["visible"]);
    ctx.yields_only("Not (Zzz Eq 1)", &r, &["visible"]);
    // Without a drop policy, unknown fields are errors.
    assert!(
        Ctx::accounts()
            .try_plan("UserType Eq 'Member' And Zzz Eq 1")
            .is_err()
    );
}

// ---- object keys ------------------------------------------------------------------------

#[test]
fn object_keys_count_when_true() {
    let ctx = Ctx::accounts();
    let r = vec![
        member(
            "abr",
            json!({"Designations": {"Accredited Buyer Rep": true}}),
        ),
        member(
            "both",
            json!({"Designations": {"Accredited Buyer Rep": true, "Green": true}}),
        ),
        member(
            "false",
            json!({"Designations": {"Accredited Buyer Rep": false}}),
        ),
        member(
            "string",
            json!({"Designations": {"Accredited Buyer Rep": "true"}}),
        ),
        member("green", json!({"Designations": {"Green": true}})),
        member("empty", json!({"Designations": {}})),
        member("null", json!({"Designations": null})),
        member("list", json!({"Designations": ["Accredited Buyer Rep"]})),
        member("missing", json!({})),
    ];
    ctx.yields(
        "Designations Eq 'Accredited Buyer Rep'",
        &r,
        &["abr", "both"],
    );
    ctx.yields(
        "Designations Eq 'accredited buyer rep'",
        &r,
        &["abr", "both"],
    );
    ctx.yields("Designations Eq 'Accredited*'", &r, &["abr", "both"]);
    ctx.yields("Designations Eq 'Green'", &r, &["both", "green"]);
    ctx.yields(
        "Designations Eq 'Green','Accredited Buyer Rep'",
        &r,
        &["abr", "both", "green"],
    );
    ctx.yields(
        "Designations Eq NULL",
        &r,
        &["false", "string", "empty", "null", "list", "missing"],
    );

    let s = custom();
    let f = vec![
        json!({"Id": "a", "Flags": {"a": true, "b": false}}),
        json!({"Id": "b", "Flags": {"b": true}}),
        json!({"Id": "none", "Flags": {"a": false}}),
    ];
    yields(&s, "Flags Eq 'a'", &f, &["a"]);
    yields(&s, "Flags Ne 'b'", &f, &["a", "none"]);
    yields(&s, "Flags Eq '*'", &f, &["a", "b"]);
}

// ---- all() --------------------------------------------------------------------------------

#[test]
fn all_of_a_list_field() {
    let s = custom();
    let r = vec![
        json!({"Id": "ab", "Tags": ["a", "b"]}),
        json!({"Id": "abc", "Tags": ["a", "b", "c"]}),
        json!({"Id": "a", "Tags": ["a"]}),
        json!({"Id": "BA", "Tags": ["B", "A"]}),
        json!({"Id": "empty", "Tags": []}),
        json!({"Id": "missing"}),
    ];
    yields(&s, "all(Tags) Eq 'a','b'", &r, &["ab", "abc", "BA"]);
    yields(&s, "all(Tags) Eq 'a'", &r, &["ab", "abc", "a", "BA"]);
    yields(&s, "all(Tags) Eq 'a','b','c'", &r, &["abc"]);
    yields(&s, "all(Tags) Ne 'a','b'", &r, &["a", "empty", "missing"]);
    yields(
        &s,
        "all(Tags) Eq 'A','B' And Tags Ne 'c'",
        &r,
        &["ab", "BA"],
    );
}

// ---- field-side functions ---------------------------------------------------------------

fn computed() -> Vec<Value> {
    vec![
        json!({"Id": "f1", "S": "Fargo", "N": 3, "D": 2.5,
               "At": "2013-07-26T13:22:15.5Z", "Day": "2013-07-26"}),
        json!({"Id": "f2", "S": "  FARGO  ", "N": -3, "D": -2.5,
               "At": "2013-01-01T00:00:00Z", "Day": "2020-02-29"}),
        json!({"Id": "f3", "S": "Moorhead", "N": 0, "D": 2.4,
               "At": "2013-12-31T23:59:59Z", "Day": "2021-12-31"}),
        json!({"Id": "f4", "S": "42", "N": i64::MAX, "D": 2.9}),
        json!({"Id": "f5", "Day": "2026-11-22"}),
    ]
}

#[test]
fn text_functions() {
    let s = custom();
    let r = computed();
    yields(&s, "tolower(S) Eq 'fargo'", &r, &["f1"]);
    yields(&s, "tolower(trim(S)) Eq 'fargo'", &r, &["f1", "f2"]);
    yields(&s, "toupper(S) Eq 'MOORHEAD'", &r, &["f3"]);
    yields(&s, "toupper(S) Eq 'moorhead'", &r, &[]); // the case function makes case explicit
    yields(&s, "tolower(S) Eq 'FARGO'", &r, &[]);
    yields(&s, "tolower(S) Eq 'moor*'", &r, &["f3"]);
    yields(&s, "trim(S) Eq 'fargo'", &r, &["f1", "f2"]);
    yields(&s, "trim(S) Eq '*GO'", &r, &["f1", "f2"]);
    yields(&s, "length(S) Eq 5", &r, &["f1"]);
    yields(&s, "length(S) Gt 5", &r, &["f2", "f3"]);
    yields(&s, "length(S) Lt 3", &r, &["f4"]);
    yields(&s, "length(trim(S)) Eq 5", &r, &["f1", "f2"]);
    yields(&s, "indexof(S, 'rgo') Eq 2", &r, &["f1"]);
    yields(&s, "indexof(S, 'RGO') Eq 4", &r, &["f2"]);
    yields(&s, "indexof(S, 'zzz') Eq -1", &r, &["f1", "f2", "f3", "f4"]);
    yields(&s, "indexof(S, 'o') Ge 0", &r, &["f1", "f3"]);
    yields(&s, "concat(S, '!') Eq 'fargo!'", &r, &["f1"]);
    yields(&s, "concat(S, 'x') Eq '42X'", &r, &["f4"]);
    yields(&s, "substring(S, 1, 3) Eq 'arg'", &r, &["f1"]);
    yields(&s, "substring(S, 4) Eq 'head'", &r, &["f3"]);
    yields(&s, "substring(S, 0, 1) Eq 'm'", &r, &["f3"]);
    yields(&s, "substring(S, 20) Eq ''", &r, &["f1", "f2", "f3", "f4"]);
}

#[test]
fn number_functions() {
    let s = custom();
    let r = computed();
    yields(&s, "round(D) Eq 3", &r, &["f1", "f4"]);
    yields(&s, "round(D) Eq -3", &r, &["f2"]);
    yields(&s, "round(D) Eq 2", &r, &["f3"]);
    yields(&s, "ceiling(D) Eq 3", &r, &["f1", "f3", "f4"]);
    yields(&s, "ceiling(D) Eq -2", &r, &["f2"]);
    yields(&s, "floor(D) Eq 2", &r, &["f1", "f3", "f4"]);
    yields(&s, "floor(D) Eq -3", &r, &["f2"]);
    yields(&s, "round(N) Eq 3", &r, &["f1"]);
    yields(&s, "cast(N, 'character') Eq '3'", &r, &["f1"]);
    yields(&s, "cast(N, 'character') Eq '-*'", &r, &["f2"]);
    yields(&s, "cast(S, 'integer') Eq 42", &r, &["f4"]);
    yields(&s, "cast(S, 'decimal') Gt 41.5", &r, &["f4"]);
    yields(&s, "cast(D, 'integer') Eq 2", &r, &["f1", "f3", "f4"]);
    yields(&s, "cast(D, 'integer') Eq -2", &r, &["f2"]);
    yields(&s, "cast(N, 'decimal') Eq 3.0", &r, &["f1"]);
}

#[test]
fn date_part_functions() {
    let s = custom();
    let r = computed();
    yields(&s, "year(At) Eq 2013", &r, &["f1", "f2", "f3"]);
    yields(&s, "month(At) Eq 7", &r, &["f1"]);
    yields(&s, "day(At) Eq 31", &r, &["f3"]);
    yields(&s, "hour(At) Eq 13", &r, &["f1"]);
    yields(&s, "minute(At) Eq 59", &r, &["f3"]);
    yields(&s, "second(At) Eq 15", &r, &["f1"]);
    yields(&s, "fractionalseconds(At) Eq 0.5", &r, &["f1"]);
    yields(&s, "dayofweek(At) Eq 6", &r, &["f1"]); // Friday
    yields(&s, "dayofweek(At) Eq 3", &r, &["f2", "f3"]); // Tuesdays
    yields(&s, "dayofyear(At) Eq 207", &r, &["f1"]);
    yields(&s, "dayofyear(At) Eq 1", &r, &["f2"]);
    yields(&s, "dayofyear(At) Eq 365", &r, &["f3"]);
    yields(&s, "date(At) Eq 2013-07-26", &r, &["f1"]);
    yields(&s, "date(At) Gt 2013-07-26", &r, &["f3"]);
    yields(&s, "time(At) Eq 13:22:15.5", &r, &["f1"]);
    yields(&s, "time(At) Gt 23:00", &r, &["f3"]);
    yields(&s, "time(At) Lt 00:00:01", &r, &["f2"]);
    // Date fields.
    yields(&s, "year(Day) Eq 2020", &r, &["f2"]);
    yields(&s, "month(Day) Eq 2", &r, &["f2"]);
    yields(&s, "day(Day) Eq 29", &r, &["f2"]);
    yields(&s, "dayofyear(Day) Eq 60", &r, &["f2"]);
    yields(&s, "dayofyear(Day) Eq 365", &r, &["f3"]);
    yields(&s, "dayofweek(Day) Eq 1", &r, &["f5"]); // Sunday is 1
    yields(&s, "dayofweek(Day) Eq 7", &r, &["f2"]); // Saturday is 7
    yields(&s, "dayofweek(Day) Eq 6", &r, &["f1", "f3"]);
    yields(&s, "dayofweek(Day) Bt 2,6", &r, &["f1", "f3"]);
}

#[test]
fn date_parts_are_taken_in_the_plan_zone() {
    let r = computed();
    let west = Ctx::new(custom()).with_zone(-3);
    west.yields("hour(At) Eq 10", &r, &["f1"]);
    west.yields("year(At) Eq 2012", &r, &["f2"]);
    west.yields("date(At) Eq 2012-12-31", &r, &["f2"]);
    west.yields("dayofweek(At) Eq 2", &r, &["f2"]); // Monday 2012-12-31
    west.yields("dayofyear(At) Eq 366", &r, &["f2"]);
    west.yields("time(At) Eq 21:00", &r, &["f2"]);
    // Date fields have no zone.
    west.yields("day(Day) Eq 29", &r, &["f2"]);
}

#[test]
fn arithmetic() {
    let s = custom();
    let r = computed();
    yields(&s, "N Add 1 Eq 4", &r, &["f1"]);
    yields(&s, "N Sub 1 Eq -4", &r, &["f2"]);
    yields(&s, "N Mul 2 Eq 6", &r, &["f1"]);
    yields(&s, "1 Add N Eq 4", &r, &["f1"]);
    yields(&s, "N Add 2 Mul 3 Eq 9", &r, &["f1"]);
    yields(&s, "(N Add 2) Mul 3 Eq 15", &r, &["f1"]);
    yields(&s, "-N Eq 3", &r, &["f2"]);
    yields(&s, "-N Gt 0", &r, &["f2"]);
    yields(&s, "N Add N Eq 6", &r, &["f1"]);
    yields(&s, "N Mul D Eq 7.5", &r, &["f1", "f2"]);
    yields(&s, "D Mul 2 Eq 5", &r, &["f1"]);
    yields(&s, "N Add 0.5 Eq 3.5", &r, &["f1"]);
    yields(&s, "D Sub 0.5 Eq 2", &r, &["f1"]);
}

#[test]
fn integer_division_truncates_toward_zero() {
    let s = custom();
    let r = computed();
    yields(&s, "N Div 2 Eq 1", &r, &["f1"]);
    yields(&s, "N Div 2 Eq -1", &r, &["f2"]);
    yields(&s, "N Div 2 Eq -2", &r, &[]);
    yields(&s, "N Mod 2 Eq 1", &r, &["f1", "f4"]); // i64::MAX is odd
    yields(&s, "N Mod 2 Eq -1", &r, &["f2"]); // the dividend's sign
    yields(&s, "N Div 2.0 Eq 1.5", &r, &["f1"]);
    yields(&s, "D Div 2 Eq 1.25", &r, &["f1"]);
}

#[test]
fn division_by_zero_and_overflow_match_nothing() {
    let s = custom();
    let r = computed();
    yields(&s, "N Div 0 Eq 0", &r, &[]);
    yields(&s, "N Div 0 Gt -100", &r, &[]);
    yields(&s, "N Mod 0 Eq 0", &r, &[]);
    yields(&s, "D Div 0 Gt 0", &r, &[]);
    yields(&s, "D Div 0.0 Lt 0", &r, &[]);
    yields(&s, "D Mod 0 Eq 0", &r, &[]);
    yields(&s, "N Div 0 Eq NULL", &r, &["f1", "f2", "f3", "f4", "f5"]);
    // i64::MAX + 1 overflows: no value, not a wrapped negative one.
    yields(&s, "N Add 1 Lt 0", &r, &["f2"]);
    yields(&s, "N Mul 2 Gt 0", &r, &["f1"]);
    yields(&s, "-N Lt 0", &r, &["f1", "f4"]);
}

#[test]
fn regex_with_and_without_i() {
    let s = custom();
    let r = vec![
        json!({"Id": "Fargo", "S": "Fargo", "CS": "Fargo"}),
        json!({"Id": "fargo", "S": "fargo", "CS": "fargo"}),
        json!({"Id": "FARGO", "S": "FARGO", "CS": "FARGO"}),
        json!({"Id": "Moorhead", "S": "Moorhead", "CS": "Moorhead"}),
        json!({"Id": "none"}),
    ];
    yields(&s, "S Eq regex('^Far')", &r, &["Fargo"]);
    yields(
        &s,
        "S Eq regex('^far', 'i')",
        &r,
        &["Fargo", "fargo", "FARGO"],
    );
    yields(&s, "S Eq regex('go$')", &r, &["Fargo", "fargo"]);
    yields(&s, "S Eq regex('^[A-Z]+$')", &r, &["FARGO"]);
    yields(&s, "S Eq regex('o')", &r, &["Fargo", "fargo", "Moorhead"]);
    yields(
        &s,
        "S Eq regex('.*', '')",
        &r,
        &["Fargo", "fargo", "FARGO", "Moorhead"],
    );
    yields(&s, "CS Eq regex('^F')", &r, &["Fargo", "FARGO"]);
    yields(
        &s,
        "CS Eq regex('^f', 'i')",
        &r,
        &["Fargo", "fargo", "FARGO"],
    );
    yields(
        &s,
        "S Ne regex('^Far')",
        &r,
        &["fargo", "FARGO", "Moorhead", "none"],
    );
}

#[test]
fn range_on_text() {
    let s = custom();
    let r = ["a", "abc", "b", "c", "ca", "C", "d", "B"]
        .iter()
        .map(|v| json!({"Id": v, "S": v, "CS": v}))
        .chain([json!({"Id": "none"})])
        .collect::<Vec<_>>();
    yields(
        &s,
        "S Eq range('a','c')",
        &r,
        &["a", "abc", "b", "c", "C", "B"],
    );
    yields(&s, "S Eq range('B','C')", &r, &["b", "c", "C", "B"]);
    yields(&s, "S Eq range('ab','b')", &r, &["abc", "b", "B"]);
    yields(&s, "CS Eq range('A','Z')", &r, &["C", "B"]);
    yields(&s, "CS Eq range('a','c')", &r, &["a", "abc", "b", "c"]);
    yields(&s, "S Eq range('c','a')", &r, &[]);
}

#[test]
fn contains_startswith_endswith() {
    let s = custom();
    let r = vec![
        json!({"Id": "Fargo", "S": "Fargo", "CS": "Fargo"}),
        json!({"Id": "fargo", "S": "fargo", "CS": "fargo"}),
        json!({"Id": "Moorhead", "S": "Moorhead", "CS": "Moorhead"}),
        json!({"Id": "star", "S": "a*b", "CS": "a*b"}),
        json!({"Id": "none"}),
    ];
    yields(&s, "S Eq contains('ARG')", &r, &["Fargo", "fargo"]);
    yields(
        &s,
        "S Eq contains('o')",
        &r,
        &["Fargo", "fargo", "Moorhead"],
    );
    yields(&s, "S Eq startswith('moor')", &r, &["Moorhead"]);
    yields(&s, "S Eq endswith('GO')", &r, &["Fargo", "fargo"]);
    yields(&s, "S Ne endswith('go')", &r, &["Moorhead", "star", "none"]);
    yields(&s, "CS Eq contains('arg')", &r, &["Fargo", "fargo"]);
    yields(&s, "CS Eq startswith('F')", &r, &["Fargo"]);
    yields(&s, "CS Eq endswith('Go')", &r, &[]);
    // Their argument is plain text: a star is a star.
    yields(&s, "S Eq contains('*')", &r, &["star"]);
    yields(&s, "S Eq startswith('a*')", &r, &["star"]);
    yields(&s, "S Eq endswith('*b')", &r, &["star"]);
    yields(
        &s,
        "S Eq startswith('far'),endswith('head')",
        &r,
        &["Fargo", "fargo", "Moorhead"],
    );
}

#[test]
fn custom_field_paths() {
    let s = custom();
    let r = vec![
        json!({"Id": "x", "Group": {"Field": "X"}}),
        json!({"Id": "y", "Group": {"Field": "y"}}),
        json!({"Id": "nested-null", "Group": null}),
        json!({"Id": "wrong-shape", "Group": "X"}),
        json!({"Id": "none"}),
    ];
    yields(&s, "\"Group\".\"Field\" Eq 'x'", &r, &["x"]);
    yields(
        &s,
        "\"Group\".\"Field\" Eq NULL",
        &r,
        &["nested-null", "wrong-shape", "none"],
    );
}

#[test]
fn text_functions_count_characters_not_bytes() {
    let s = custom();
    let r = cities();
    yields(
        &s,
        "indexof(S, 'r') Eq 2",
        &r,
        &["zürich", "Zurich", "Straße", "strasse"],
    );
    yields(
        &s,
        "length(S) Eq 6",
        &r,
        &["zürich", "ZÜRICH", "Zurich", "Straße", "kelvin"],
    );
    yields(&s, "substring(S, 1, 2) Eq 'ür'", &r, &["zürich", "ZÜRICH"]);
    yields(&s, "tolower(S) Eq 'zürich'", &r, &["zürich", "ZÜRICH"]);
    yields(
        &s,
        "toupper(S) Eq 'STRASSE'",
        &r,
        &["Straße", "STRASSE", "strasse"],
    );
    yields(&s, "toupper(CS) Eq 'ÉCOLE'", &r, &["École"]);
}

#[test]
fn long_lists_match_like_short_ones() {
    // Past eight exact values the evaluator switches to a hash set; folding must not change.
    let s = custom();
    let r = cities();
    let long = "'a','b','c','d','e','f','g','h','i','j'";
    yields(
        &s,
        &format!("S Eq {long},'ZÜRICH','straße'"),
        &r,
        &["zürich", "ZÜRICH", "Straße", "STRASSE", "strasse"],
    );
    yields(
        &s,
        &format!("CS Eq {long},'ZÜRICH','Straße'"),
        &r,
        &["ZÜRICH", "Straße"],
    );
    yields(&s, &format!("Tags Eq {long},'École'"), &r, &["École"]);
    yields(
        &s,
        &format!("S Ne {long},'zurich','kelvin'"),
        &r,
        &[
            "zürich", "ZÜRICH", "Straße", "STRASSE", "strasse", "École", "none",
        ],
    );
    let ctx = Ctx::accounts();
    ctx.yields(
        "Name Eq 'a*','b*','c*','d*','e*','f*','g*','h*','i*','j*','smith'",
        &names(),
        &["carl", "john", "mary", "thom", "thomas"],
    );
}

#[test]
fn all_on_a_case_sensitive_list() {
    let s = custom();
    let r = vec![
        json!({"Id": "upper", "CTags": ["A", "B"]}),
        json!({"Id": "lower", "CTags": ["a", "b"]}),
    ];
    yields(&s, "all(CTags) Eq 'A','B'", &r, &["upper"]);
    yields(&s, "all(CTags) Eq 'a','B'", &r, &[]);
}

#[test]
fn phone_eq_null() {
    let ctx = Ctx::accounts();
    ctx.yields(
        "\"Phones\".\"Number\" Eq NULL",
        &phones(),
        &["empty", "missing", "null"],
    );
}

// ---- suspected bugs ---------------------------------------------------------------------

/// A multi-valued datetime field (custom schema, path `Logins[]`).
fn logins() -> (Schema, Vec<Value>) {
    let s = Schema::from_json(
        r#"{"name":"t","fields":[{"name":"Logins","type":"datetime","path":"Logins[]"}]}"#,
    )
    .unwrap();
    let r = vec![
        json!({"Id": "second", "Logins": ["2013-07-25T10:00:00Z", "2013-07-26T10:00:00Z"]}),
        json!({"Id": "first", "Logins": ["2013-07-26T10:00:00Z", "2013-07-20T10:00:00Z"]}),
        json!({"Id": "other", "Logins": ["2013-07-20T10:00:00Z"]}),
        json!({"Id": "none", "Logins": []}),
    ];
    (s, r)
}

#[test]
fn datetime_instants_on_multi_valued_fields_match_any_element() {
    // The control for the ignored test below: with a datetime value it works.
    let (s, r) = logins();
    yields(
        &s,
        "Logins Eq 2013-07-26T10:00:00Z",
        &r,
        &["second", "first"],
    );
    yields(
        &s,
        "Logins Gt 2013-07-25T12:00:00Z",
        &r,
        &["second", "first"],
    );
}

#[test]
fn a_date_against_a_multi_valued_datetime_field_matches_any_element() {
    let (s, r) = logins();
    yields(&s, "Logins Eq 2013-07-26", &r, &["second", "first"]);
    yields(&s, "Logins Gt 2013-07-25", &r, &["second", "first"]);
    yields(&s, "Logins Lt 2013-07-21", &r, &["first", "other"]);
    yields(
        &s,
        "Logins Bt 2013-07-26,2013-07-27",
        &r,
        &["second", "first"],
    );
    yields(&s, "Logins Ne 2013-07-26", &r, &["other", "none"]);
}

#[test]
fn all_nested_in_an_operand_is_rejected() {
    let s = Schema::from_json(
        r#"{"name":"t","fields":[
            {"name":"Tags","type":"character_list","path":"Tags[]"},
            {"name":"Scores","type":"integer","path":"Scores[]"}]}"#,
    )
    .unwrap();
    let ctx = Ctx::new(s);
    let r = vec![json!({"Id": "a", "Tags": ["a"], "Scores": [1, 2]})];
    for filter in [
        "all(all(Tags)) Eq 'a'",
        "length(all(Tags)) Gt 0",
        "tolower(all(Tags)) Eq 'a'",
        "all(Scores) Add 1 Eq 2",
        "-all(Scores) Lt 0",
    ] {
        if let Ok(plan) = ctx.try_plan(filter) {
            let matched = ctx.ids(filter, &r);
            panic!("{filter:?} planned as {plan} and matched {matched:?}; expected a type error");
        }
    }
}
