//! Table-driven tests of the syntax layer through the public API, with `#[track_caller]`
//! helpers so that a failing row points at its own line.
//!
//! Every parse reads the fixed clock `support::NOW` (Sunday 2026-11-22, noon UTC) unless a row
//! names another one.

mod support;

use std::ops::Range;

use spark_filter::syntax::{Comparison, Expr, ExprKind, Rhs, Value};
use spark_filter::{Clock, Error, ErrorKind, Filter, Limits, ParseOptions, parse, parse_with};

// ---- helpers ------------------------------------------------------------------------------

#[track_caller]
fn accepts_with<'a>(filter: &'a str, options: &ParseOptions) -> Filter<'a> {
    match parse_with(filter, options) {
        Ok(tree) => tree,
        Err(e) => panic!("expected {filter:?} to parse, got:\n{}", e.render(filter)),
    }
}

#[track_caller]
fn accepts(filter: &str) -> Filter<'_> {
    accepts_with(filter, &support::parse_options())
}

#[track_caller]
fn rejects_with(
    filter: &str,
    options: &ParseOptions,
    kind: ErrorKind,
    span: Range<usize>,
) -> Error {
    match parse_with(filter, options) {
        Ok(tree) => panic!("expected {filter:?} to be rejected, it parsed as: {tree}"),
        Err(e) => {
            assert_eq!(
                (e.kind, e.span.start..e.span.end),
                (kind, span),
                "wrong error for {filter:?}:\n{}",
                e.render(filter)
            );
            assert_eq!(e.code(), kind.code());
            e
        }
    }
}

#[track_caller]
fn rejects(filter: &str, kind: ErrorKind, span: Range<usize>) -> Error {
    rejects_with(filter, &support::parse_options(), kind, span)
}

/// Rejected with this kind, wherever the span is (for inputs built by code).
#[track_caller]
fn rejects_kind(filter: &str, options: &ParseOptions, kind: ErrorKind) -> Error {
    match parse_with(filter, options) {
        Ok(tree) => panic!("expected {filter:?} to be rejected, it parsed as: {tree}"),
        Err(e) => {
            assert_eq!(e.kind, kind, "wrong error kind:\n{}", e.render(filter));
            e
        }
    }
}

/// The canonical text of `input`, which must also be a fixed point.
#[track_caller]
fn canonical(input: &str, expected: &str) {
    let tree = accepts(input);
    let text = tree.to_string();
    assert_eq!(text, expected, "canonical text of {input:?}");
    let again = accepts(&text);
    assert_eq!(
        again, tree,
        "the canonical text of {input:?} parses to another tree"
    );
    assert_eq!(
        again.to_string(),
        text,
        "printing {text:?} is not idempotent"
    );
}

fn first_comparison<'t, 'a>(e: &'t Expr<'a>) -> &'t Comparison<'a> {
    match &e.kind {
        ExprKind::Comparison(c) => c,
        ExprKind::Or { children } | ExprKind::And { children } => first_comparison(&children[0]),
        ExprKind::Not { expr } | ExprKind::Group { expr } => first_comparison(expr),
    }
}

fn folded(rhs: &Rhs<'_>) -> String {
    rhs.constants()
        .map(|c| c.value.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// What the value side of the first comparison folds to, as `Value` displays it.
#[track_caller]
fn folds_to_with(filter: &str, options: &ParseOptions, expected: &str) {
    let tree = accepts_with(filter, options);
    let expr = tree.expr.as_ref().expect("a non-empty filter");
    assert_eq!(
        folded(&first_comparison(expr).rhs),
        expected,
        "folding {filter:?}"
    );
}

#[track_caller]
fn folds_to(filter: &str, expected: &str) {
    folds_to_with(filter, &support::parse_options(), expected)
}

/// `X Eq <value>` folds to `expected`.
#[track_caller]
fn value(value: &str, expected: &str) {
    folds_to(&format!("X Eq {value}"), expected)
}

#[track_caller]
fn value_at(now: &str, value: &str, expected: &str) {
    let clock = Clock::Fixed(chrono::DateTime::parse_from_rfc3339(now).unwrap());
    let options = ParseOptions {
        clock,
        limits: Limits::default(),
    };
    folds_to_with(&format!("X Eq {value}"), &options, expected)
}

/// The boolean structure, with each comparison shown as its left side:
/// `Or[A, And[B, Not(C)]]`.
fn shape(e: &Expr<'_>) -> String {
    let list = |name: &str, children: &[Expr<'_>]| {
        let inner: Vec<String> = children.iter().map(shape).collect();
        format!("{name}[{}]", inner.join(", "))
    };
    match &e.kind {
        ExprKind::Or { children } => list("Or", children),
        ExprKind::And { children } => list("And", children),
        ExprKind::Not { expr } => format!("Not({})", shape(expr)),
        ExprKind::Group { expr } => format!("Group({})", shape(expr)),
        ExprKind::Comparison(c) => c.lhs.to_string(),
    }
}

#[track_caller]
fn has_shape(filter: &str, expected: &str) {
    let tree = accepts(filter);
    let expr = tree.expr.as_ref().expect("a non-empty filter");
    assert_eq!(shape(expr), expected, "structure of {filter:?}");
}

fn limits(f: impl FnOnce(&mut Limits)) -> ParseOptions {
    let mut l = Limits::default();
    f(&mut l);
    support::options_with(l)
}

/// `n` comparisons joined by `And`.
fn conditions(n: usize) -> String {
    (0..n)
        .map(|i| format!("F{i} Eq {i}"))
        .collect::<Vec<_>>()
        .join(" And ")
}

// ---- keywords and fields ------------------------------------------------------------------

/// A literal may run straight into a keyword, as in the reference's lexer (SPEC 1): the
/// keyword is a whole word (an uppercase-initial word runs over letters and digits, a
/// lowercase-initial one over letters only). Anything else running into a literal is an
/// error on the literal and the first byte after it.
#[test]
fn literals_run_into_keywords() {
    canonical("City Ne 42And Baths Eq 1", "City Ne 42 And Baths Eq 1");
    canonical(
        "Visible Ne trueAnd City Eq 'x'",
        "Visible Ne true And City Eq 'x'",
    );
    canonical(
        "Visible Eq falseOR City Eq 'x'",
        "Visible Eq false Or City Eq 'x'",
    );
    canonical(
        "Visible Eq truenot(City Eq 'x')",
        "Visible Eq true Not (City Eq 'x')",
    );
    canonical("City Lt 42Add -5", "City Lt 42 Add -5");
    canonical("X Eq 1.5And Y Eq 1", "X Eq 1.5 And Y Eq 1");
    canonical("X Eq 1.5E2Or Y Eq 1", "X Eq 150.0 Or Y Eq 1");
    canonical("X Eq 2013-07-26And Y Eq 1", "X Eq 2013-07-26 And Y Eq 1");
    canonical("X Eq 10:22or Y Eq 1", "X Eq 10:22:00 Or Y Eq 1");
    canonical(
        "X Eq 2013-07-26T10:22:15ZAnd Y Eq 1",
        "X Eq 2013-07-26T10:22:15Z And Y Eq 1",
    );
    canonical("X Eq 'a'And Y Eq 1", "X Eq 'a' And Y Eq 1");
    canonical("(X Eq 1)And(Y Eq 2)", "(X Eq 1) And (Y Eq 2)");
    // A lowercase keyword ends at a digit, as the reference reads it.
    canonical("X eq5", "X Eq 5");
    canonical("X Eq 1 add2", "X Eq 1 Add 2");
    canonical("X bt1,2", "X Bt 1,2");
    // Not keywords: an error on the literal and what follows it.
    rejects("X Eq 42AndY Eq 1", ErrorKind::Syntax, 5..8);
    rejects("X Eq 42Baths", ErrorKind::Syntax, 5..8);
    rejects("X Eq 42_", ErrorKind::Syntax, 5..8);
    rejects("X Eq 1e5", ErrorKind::Syntax, 5..7);
    rejects("X Eq trueAndY Eq 1", ErrorKind::Syntax, 5..13);
    rejects("X Eq truex", ErrorKind::Syntax, 5..10);
    // A word starting with null is not null + keyword (SPEC 1).
    rejects("X Eq nullAnd Y Eq 1", ErrorKind::Syntax, 5..12);
    rejects("X Eq NullAnd Y Eq 1", ErrorKind::Syntax, 5..12);
}

/// What the reference accepts and the generator of `tests/reference_grammar.rs` found we
/// did not: whitespace between a function name and its parenthesis, a negated field-side
/// result of any type (the planner checks it), character values and pattern functions in
/// one list, and up to 50 digits of fractional seconds (nanoseconds are kept).
#[test]
fn reference_agreements() {
    canonical("X Eq days (1)", "X Eq days(1)");
    canonical(
        "X Eq days\t(1) And tolower (City) Eq 'a'",
        "X Eq days(1) And tolower(City) Eq 'a'",
    );
    canonical("-tolower(City) Eq 'x'", "-tolower(City) Eq 'x'");
    canonical("X Eq 'a', contains('b')", "X Eq 'a',contains('b')");
    canonical(
        "X Ne startswith('a'), 'b', endswith('c')",
        "X Ne startswith('a'),'b',endswith('c')",
    );
    canonical(
        "X Gt 2013-07-26T10:22:15.1234567890123",
        "X Gt 2013-07-26T10:22:15.123456789",
    );
    canonical("X Eq 10:22:15.99999999999", "X Eq 10:22:15.999999999");
    rejects("X Eq foo (1)", ErrorKind::Syntax, 5..8);
    rejects("X Eq days (", ErrorKind::Syntax, 11..11);
    rejects(
        &format!("X Eq 10:22:15.{}", "1".repeat(51)),
        ErrorKind::InvalidValue,
        5..65,
    );
}

#[test]
fn keywords_are_case_insensitive() {
    let ops = ["Eq", "Ne", "Gt", "Ge", "Lt", "Le"];
    for op in ops {
        for spelling in [op.to_string(), op.to_lowercase(), op.to_uppercase(), {
            let mut s = op.to_lowercase();
            s.replace_range(1..2, &op[1..2].to_uppercase());
            s
        }] {
            canonical(&format!("A {spelling} 1"), &format!("A {op} 1"));
        }
    }
    for bt in ["Bt", "bt", "BT", "bT"] {
        canonical(&format!("A {bt} 1,2"), "A Bt 1,2");
    }
    for and in ["And", "and", "AND", "aNd"] {
        canonical(&format!("A Eq 1 {and} B Eq 2"), "A Eq 1 And B Eq 2");
    }
    for or in ["Or", "or", "OR", "oR"] {
        canonical(&format!("A Eq 1 {or} B Eq 2"), "A Eq 1 Or B Eq 2");
    }
    for not in ["Not", "not", "NOT", "nOt"] {
        canonical(
            &format!("{not} A Eq 1 {not} B Eq 2"),
            "Not A Eq 1 Not B Eq 2",
        );
    }
    for (op, canon) in [
        ("add", "Add"),
        ("SUB", "Sub"),
        ("mUl", "Mul"),
        ("DIV", "Div"),
        ("mod", "Mod"),
    ] {
        canonical(
            &format!("A {op} 2 Eq 7 {op} 3"),
            &format!("A {canon} 2 Eq 7 {canon} 3"),
        );
    }
}

#[test]
fn longer_words_are_fields() {
    for field in [
        "Oregon",
        "Equador",
        "OrOrOr",
        "NullableField",
        "Notes",
        "Andover",
        "Btu",
        "Addition",
        "Division",
        "Model",
        "Subdivision",
        "Mul2",
        "NeighborhoodName",
        "Ltd",
        "Gtx",
        "Trueish",
        "NULLS",
        "A",
        "Z9",
    ] {
        let filter = format!("{field} Eq 1");
        let tree = accepts(&filter);
        assert_eq!(
            first_comparison(tree.expr.as_ref().unwrap())
                .lhs
                .to_string(),
            field
        );
        canonical(&filter, &filter);
    }
}

#[test]
fn field_and_word_errors() {
    rejects("city Eq 'Fargo'", ErrorKind::Syntax, 0..4);
    rejects("4PostalCodePlus4 Eq true", ErrorKind::Syntax, 0..2);
    rejects("Test Eq DERP", ErrorKind::Syntax, 8..12);
    rejects("Test Eq True", ErrorKind::Syntax, 8..12);
    rejects("Test Eq FALSE", ErrorKind::Syntax, 8..13);
    rejects("Test Eq derp", ErrorKind::Syntax, 8..12);
    rejects("Ci_ty Eq 1", ErrorKind::Syntax, 2..3);
    rejects("Zürich Eq 1", ErrorKind::Syntax, 1..3);
    rejects("A Eq 1 && B Eq 2", ErrorKind::Syntax, 7..8);
}

#[test]
fn custom_fields() {
    canonical(
        r#""General Property Description"."Taxes" Lt 500.0"#,
        r#""General Property Description"."Taxes" Lt 500.0"#,
    );
    canonical(r#""Ab"."C" Eq 1"#, r#""Ab"."C" Eq 1"#);
    canonical(r#""Größe"."Wert ☃" Eq 1"#, r#""Größe"."Wert ☃" Eq 1"#);
    canonical(
        r#"tolower("Phones"."Number") Eq '555'"#,
        r#"tolower("Phones"."Number") Eq '555'"#,
    );
    rejects(r#""A"."C" Eq 1"#, ErrorKind::Syntax, 0..3);
    rejects(r#""Ab"."" Eq 1"#, ErrorKind::Syntax, 5..7);
    rejects(r#""".""  Eq 1"#, ErrorKind::Syntax, 0..2);
    rejects(r#""$Ab"."C" Eq 1"#, ErrorKind::Syntax, 1..2);
    rejects(r#""Ab"."$C" Eq 1"#, ErrorKind::Syntax, 6..7);
    rejects(r#""A.b"."C" Eq 1"#, ErrorKind::Syntax, 2..3);
    rejects(r#""Ab".".C" Eq 1"#, ErrorKind::Syntax, 6..7);
    rejects(r#""Ab"."C"."D" Eq 1"#, ErrorKind::Syntax, 8..9);
    rejects(r#""Ab" Eq 1"#, ErrorKind::Syntax, 4..5);
    rejects(r#""Ab".C Eq 1"#, ErrorKind::Syntax, 5..6);
    rejects(r#"X Eq "Ab"."C""#, ErrorKind::Syntax, 5..13);
}

// ---- structure and precedence -------------------------------------------------------------

#[test]
fn and_binds_tighter_than_or() {
    has_shape("A Eq 1 Or B Eq 2 And C Eq 3", "Or[A, And[B, C]]");
    has_shape("A Eq 1 And B Eq 2 Or C Eq 3", "Or[And[A, B], C]");
    has_shape("A Eq 1 Or B Eq 2 Or C Eq 3", "Or[A, B, C]");
    has_shape("A Eq 1 And B Eq 2 And C Eq 3", "And[A, B, C]");
    has_shape(
        "A Eq 1 And B Eq 2 Or C Eq 3 And D Eq 4 Or E Eq 5",
        "Or[And[A, B], And[C, D], E]",
    );
    has_shape("(A Eq 1 Or B Eq 2) And C Eq 3", "And[Group(Or[A, B]), C]");
}

#[test]
fn binary_not_is_and_not() {
    has_shape("A Eq 1 Not B Eq 2", "And[A, Not(B)]");
    has_shape("A Eq 1 Or B Eq 2 Not C Eq 3", "Or[A, And[B, Not(C)]]");
    has_shape("A Eq 1 Not B Eq 2 Or C Eq 3", "Or[And[A, Not(B)], C]");
    has_shape("A Eq 1 Not B Eq 2 Not C Eq 3", "And[A, Not(B), Not(C)]");
    has_shape("A Eq 1 Not B Eq 2 And C Eq 3", "And[A, Not(B), C]");
    has_shape(
        "A Eq 1 Not (B Eq 2 Or C Eq 3)",
        "And[A, Not(Group(Or[B, C]))]",
    );
    canonical("A Eq 1 Not B Eq 2", "A Eq 1 Not B Eq 2");
}

#[test]
fn unary_not() {
    has_shape("Not A Eq 1", "Not(A)");
    has_shape("Not A Eq 1 And B Eq 2", "And[Not(A), B]");
    has_shape("Not A Eq 1 Or B Eq 2", "Or[Not(A), B]");
    has_shape("Not (A Eq 1 Or B Eq 2)", "Not(Group(Or[A, B]))");
    has_shape("Not (Not A Eq 1)", "Not(Group(Not(A)))");
    has_shape("A Eq 1 Or (Not B Eq 2)", "Or[A, Group(Not(B))]");
    has_shape("A Eq 1 And (Not B Eq 2)", "And[A, Group(Not(B))]");
    canonical("NOT A Eq 1", "Not A Eq 1");
}

#[test]
fn misplaced_not_is_rejected_with_advice() {
    let e = rejects("A Eq 1 And Not B Eq 2", ErrorKind::Syntax, 11..14);
    assert!(
        e.message.contains("A Not B") && e.message.contains("A And (Not B)"),
        "{}",
        e.message
    );
    let e = rejects("Not Not A Eq 1", ErrorKind::Syntax, 4..7);
    assert!(e.message.contains("Not (Not A)"), "{}", e.message);
    rejects("A Eq 1 Or Not B Eq 2", ErrorKind::Syntax, 10..13);
    rejects("A Eq 1 Not Not B Eq 2", ErrorKind::Syntax, 11..14);
    rejects("(Not Not A Eq 1)", ErrorKind::Syntax, 5..8);
    rejects("A Eq 1 and not B Eq 2", ErrorKind::Syntax, 11..14);
    rejects("Not Eq", ErrorKind::Syntax, 4..6);
    rejects("A Eq 1 Not", ErrorKind::Syntax, 10..10);
}

#[test]
fn groups() {
    has_shape("(A Eq 1)", "Group(A)");
    has_shape("((A Eq 1) Or B Eq 2)", "Group(Or[Group(A), B])");
    canonical("( A Eq 1 )", "(A Eq 1)");
    canonical(
        "((A Eq 1) Or (B Eq 2)) And C Eq 3",
        "((A Eq 1) Or (B Eq 2)) And C Eq 3",
    );
    rejects("((City Eq 'Fargo')", ErrorKind::Syntax, 18..18);
    rejects("(City Eq 'Fargo'))", ErrorKind::Syntax, 17..18);
    rejects(
        "City Eq 'Fargo' (And) City Eq 'Moorhead'",
        ErrorKind::Syntax,
        16..17,
    );
    rejects("()", ErrorKind::Syntax, 1..2);
    rejects("(A Eq 1 Or)", ErrorKind::Syntax, 10..11);
}

#[test]
fn parenthesized_operands_at_the_start_of_a_condition() {
    has_shape("(A Mul 2) Sub 1 Eq 3", "(A Mul 2) Sub 1");
    has_shape("((A)) Eq 1", "((A))");
    has_shape("((A Add 1) Mul 2 Eq 6)", "Group((A Add 1) Mul 2)");
    has_shape("(((A)) Eq 1 Or B Eq 2)", "Group(Or[((A)), B])");
    // Arithmetic parentheses do not count toward the group depth.
    accepts("((((((A)))))) Eq 1");
    accepts("(((((A Mul 2))) Eq 1))");
    rejects("(A Mul 2", ErrorKind::Syntax, 8..8);
    rejects("(A) Eq", ErrorKind::Syntax, 6..6);
}

#[test]
fn empty_and_blank_filters_match_everything() {
    for f in ["", " ", "\t\r\n", "   \n  "] {
        let tree = accepts(f);
        assert!(tree.expr.is_none(), "{f:?}");
        assert_eq!(tree.to_string(), "");
    }
}

#[test]
fn whitespace_and_spans_do_not_change_the_tree() {
    let a = accepts("A Eq 1 And B Eq 'x'");
    let b = accepts("\t A  Eq\n1\r\nAnd  B   Eq 'x'  ");
    assert_eq!(a, b);
    accepts("Test\tEq\n5");
    canonical("ListPrice Bt 100000, 200000", "ListPrice Bt 100000,200000");
    canonical("City Eq 'a' , 'b'", "City Eq 'a','b'");
}

#[test]
fn spans_point_into_the_text() {
    let filter = "City Eq 'Fargo' Or Beds Bt 1,2";
    let tree = accepts(filter);
    let expr = tree.expr.as_ref().unwrap();
    assert_eq!((expr.span.start, expr.span.end), (0, filter.len()));
    let ExprKind::Or { children } = &expr.kind else {
        panic!("{expr:?}")
    };
    let spans: Vec<&str> = children
        .iter()
        .map(|c| &filter[c.span.start..c.span.end])
        .collect();
    assert_eq!(spans, ["City Eq 'Fargo'", "Beds Bt 1,2"]);
    let c = first_comparison(&children[1]);
    assert_eq!(&filter[c.lhs.span.start..c.lhs.span.end], "Beds");
}

// ---- literals -----------------------------------------------------------------------------

#[test]
fn null_spellings() {
    for null in ["NULL", "null", "Null"] {
        canonical(&format!("A Eq {null}"), "A Eq NULL");
        canonical(&format!("A Ne {null}"), "A Ne NULL");
        value(null, "NULL");
    }
    rejects("A Eq nULL", ErrorKind::Syntax, 5..9);
    rejects("A Eq NULl", ErrorKind::Syntax, 5..9);
    rejects("A Gt NULL", ErrorKind::OperatorNotAllowed, 2..4);
    rejects("A Bt NULL,1", ErrorKind::TypeMismatch, 5..9);
}

#[test]
fn booleans() {
    value("true", "true");
    value("false", "false");
    rejects("A Gt true", ErrorKind::OperatorNotAllowed, 2..4);
    rejects("A Eq true,false", ErrorKind::Syntax, 5..9);
}

#[test]
fn characters() {
    value("'Fargo'", "'Fargo'");
    value(r"'O\'Brien'", r"'O\'Brien'");
    value("''", "''");
    value("'☃ 東京'", "'☃ 東京'");
    canonical(r"A Eq '5\*'", r"A Eq '5\*'");
    canonical(r"A Eq 'a\\*'", r"A Eq 'a\\*'");
    canonical(r"A Eq 'a\nb'", r"A Eq 'a\nb'");
    rejects("A Eq 'abc", ErrorKind::Syntax, 5..6);
    rejects(r"A Eq 'abc\'", ErrorKind::Syntax, 5..6);
    rejects(r"A Eq '\", ErrorKind::Syntax, 5..6);
    rejects(r"City Eq \\'Fargo\\'", ErrorKind::Syntax, 8..9);
    rejects("A Gt 'a'", ErrorKind::OperatorNotAllowed, 2..4);
}

#[test]
fn integers() {
    value("150000", "150000");
    value("-5", "-5");
    value("0", "0");
    value("9223372036854775807", "9223372036854775807");
    value("-9223372036854775808", "-9223372036854775808");
    rejects("X Eq 9223372036854775808", ErrorKind::InvalidValue, 5..24);
    rejects("X Eq -9223372036854775809", ErrorKind::InvalidValue, 5..25);
    rejects(
        "X Eq 12345678901234567890123",
        ErrorKind::InvalidValue,
        5..28,
    );
    // A number may run straight into a keyword, as in the reference, but not into a field.
    accepts("X Eq 10And Y Eq 1");
    accepts("X Eq 10or Y Eq 1");
    accepts("X Lt 42Add -5");
    rejects("X Eq 10Andy Eq 1", ErrorKind::Syntax, 5..8);
    rejects("X Eq 10Y Eq 1", ErrorKind::Syntax, 5..8);
    rejects("X Eq 1_000", ErrorKind::Syntax, 5..7);
}

#[test]
fn decimals() {
    value("1.0", "1.0");
    value("-0.25", "-0.25");
    value("9.0E-6", "0.0000090");
    value("9.0e-6", "0.0000090");
    value("1.5E2", "150.0");
    value("1.5E02", "150.0");
    canonical("A Eq 1.50", "A Eq 1.50");
    rejects("X Eq 1.", ErrorKind::Syntax, 5..7);
    rejects("X Eq .5", ErrorKind::Syntax, 5..6);
    rejects("X Eq 1.2.3", ErrorKind::Syntax, 5..9);
    rejects("X Eq 1e5", ErrorKind::Syntax, 5..7);
    rejects("X Eq 1.5E", ErrorKind::Syntax, 5..9);
    rejects("X Eq 1.5E100", ErrorKind::Syntax, 5..12);
    rejects("X Eq 1.0E50", ErrorKind::InvalidValue, 5..11);
}

#[test]
fn dates_times_and_datetimes() {
    value("2011-05-17", "2011-05-17");
    value("2012-02-29", "2012-02-29");
    value("10:22", "10:22:00");
    value("10:22:15", "10:22:15");
    value("10:22:15.422804", "10:22:15.422804");
    value("00:00", "00:00:00");
    value("2013-07-26T10:22:15-0300", "2013-07-26T10:22:15-03:00");
    value("2013-07-26T10:22:15-03:00", "2013-07-26T10:22:15-03:00");
    value("2013-07-26T10:22:15+0530", "2013-07-26T10:22:15+05:30");
    value("2013-07-26T10:22:15Z", "2013-07-26T10:22:15Z");
    value("2013-07-26T10:22:15+00:00", "2013-07-26T10:22:15Z");
    value("2013-07-26T10:22:15", "2013-07-26T10:22:15");
    value("2013-07-26T10:22", "2013-07-26T10:22:00");
    value("2013-07-26T10:22:15.5Z", "2013-07-26T10:22:15.5Z");

    rejects("X Eq 2013-02-30", ErrorKind::InvalidValue, 5..15);
    rejects("X Eq 2013-02-29", ErrorKind::InvalidValue, 5..15);
    rejects("X Eq 2013-13-01", ErrorKind::InvalidValue, 5..15);
    rejects("X Eq 2013-00-10", ErrorKind::InvalidValue, 5..15);
    rejects("X Eq 2013-2-01", ErrorKind::Syntax, 5..14);
    rejects("X Eq 2013-07-26T25:99", ErrorKind::InvalidValue, 16..21);
    rejects("X Eq 2013-07-26T", ErrorKind::Syntax, 16..16);
    rejects("X Eq 2013-07-26T10", ErrorKind::Syntax, 16..18);
    rejects("X Eq 99:99", ErrorKind::InvalidValue, 5..10);
    rejects("X Eq 24:00", ErrorKind::InvalidValue, 5..10);
    rejects("X Eq 23:59:60", ErrorKind::InvalidValue, 5..13);
    rejects("X Eq 10:22:1", ErrorKind::Syntax, 5..11);
    rejects("X Eq 10:22:15.", ErrorKind::Syntax, 5..14);
    // Past nanoseconds, digits are dropped (up to 50, as in the reference).
    canonical("X Eq 10:22:15.1234567891", "X Eq 10:22:15.123456789");
    rejects("X Eq 1:22", ErrorKind::Syntax, 5..7);
    rejects("X Eq 10:22Z", ErrorKind::Syntax, 5..11);
    rejects(
        "X Eq 2013-07-26T10:22:15+2400",
        ErrorKind::InvalidValue,
        24..29,
    );
    rejects(
        "X Eq 2013-07-26T10:22:15+05:60",
        ErrorKind::InvalidValue,
        24..30,
    );
    rejects("X Eq 2013-07-26T10:22:15+5", ErrorKind::Syntax, 24..25);
    rejects("X Eq 2013-07-26T10:22:15Zx", ErrorKind::Syntax, 5..26);
}

#[test]
fn negative_numbers() {
    value("--5", "5");
    value("---5", "-5");
    value("- 5", "-5");
    value("- -5", "5");
    value("-(5)", "-5");
    value("-(-(5))", "5");
    value("-(2 Add 3)", "-5");
    value("--5.5", "5.5");
    value("-(-5.5)", "5.5");
    canonical("X Eq --5", "X Eq 5");
    canonical("X Eq - 5", "X Eq -5");
    canonical("X Eq -(5)", "X Eq -(5)");
    canonical("-X Eq 1", "-X Eq 1");
    canonical("- -X Eq 1", "--X Eq 1");
    rejects("X Eq -'x'", ErrorKind::TypeMismatch, 5..9);
    rejects("X Eq -true", ErrorKind::TypeMismatch, 5..10);
    rejects("X Eq -days(1)", ErrorKind::TypeMismatch, 5..13);
    rejects("X Eq -", ErrorKind::Syntax, 6..6);
    rejects("X Eq --9223372036854775808", ErrorKind::InvalidValue, 5..26);
    // A negated field side is the planner's to check, as in the reference.
    canonical("-tolower(X) Eq 1", "-tolower(X) Eq 1");
}

// ---- lists and ranges ---------------------------------------------------------------------

#[test]
fn lists() {
    folds_to("City Eq 'Fargo','Moorhead'", "'Fargo','Moorhead'");
    folds_to("Beds Ne 1,2.5,3", "1,2.5,3");
    folds_to("D Eq days(-1),days(1)", "2026-11-21,2026-11-23");
    folds_to("D Eq days(-1),now()", "2026-11-21,2026-11-22T12:00:00Z");
    folds_to("City Eq tolower('A'),'b'", "'a','b'");
    folds_to("N Eq 1 Add 1,2 Mul 2", "2,4");
    folds_to("N Eq -1,--2,-(3)", "-1,2,-3");
    rejects("Beds Eq 1,'2'", ErrorKind::TypeMismatch, 10..13);
    rejects("Beds Eq 'a',1.5", ErrorKind::TypeMismatch, 12..15);
    rejects("D Eq days(1),1", ErrorKind::TypeMismatch, 13..14);
    rejects(
        "OriginalEntryTimestamp Eq 2014,days(-7)",
        ErrorKind::TypeMismatch,
        31..39,
    );
    rejects("D Eq 2013-01-01,2013-01-02", ErrorKind::Syntax, 5..15);
    rejects("T Eq 10:00,11:00", ErrorKind::Syntax, 5..10);
    rejects("B Eq true,false", ErrorKind::Syntax, 5..9);
    rejects("B Eq 1,NULL", ErrorKind::Syntax, 7..11);
    rejects("Beds Gt 1,2", ErrorKind::OperatorNotAllowed, 5..7);
    rejects("Beds Le 1,2", ErrorKind::OperatorNotAllowed, 5..7);
    rejects("Beds Eq 1,", ErrorKind::Syntax, 10..10);
    rejects("Beds Eq 1,,2", ErrorKind::Syntax, 10..11);
    rejects("Beds Eq ,1", ErrorKind::Syntax, 8..9);
}

/// SPEC 2: list items are characters, integers, decimals and function results. The check
/// looks only at bare literals, so parentheses let any literal through.
#[test]
fn parenthesized_literals_are_not_list_items_either() {
    for filter in [
        "X Eq (true),(false)",
        "X Eq (NULL),(NULL)",
        "X Eq (2013-01-01),(2013-01-02)",
        "X Eq (10:00),(11:00)",
        "X Eq (2013-01-01T10:00:00Z),now()",
    ] {
        rejects_kind(filter, &support::parse_options(), ErrorKind::Syntax);
    }
}

#[test]
fn ranges() {
    folds_to("P Bt 100000,200000", "100000,200000");
    folds_to("P Bt 1,2.5", "1,2.5");
    folds_to(
        "D Bt 2013-01-01,2013-06-30T12:00:00Z",
        "2013-01-01,2013-06-30T12:00:00Z",
    );
    folds_to("T Bt 08:00,17:30", "08:00:00,17:30:00");
    folds_to("D Bt days(-7),now()", "2026-11-15,2026-11-22T12:00:00Z");
    folds_to("P Bt -5,--5", "-5,5");
    folds_to("P Bt 1 Add 1,10 Mul 10", "2,100");
    rejects("P Bt 1", ErrorKind::Syntax, 6..6);
    rejects("P Bt 1,2,3", ErrorKind::Syntax, 8..9);
    rejects("P Bt ,2", ErrorKind::Syntax, 5..6);
    rejects("BathsFull Bt 2012-12-31,1", ErrorKind::TypeMismatch, 24..25);
    rejects(
        "DateField Bt 10,2012-12-31",
        ErrorKind::TypeMismatch,
        16..26,
    );
    rejects("T Bt 10:00,2013-01-01", ErrorKind::TypeMismatch, 11..21);
    rejects("City Bt 'a','b'", ErrorKind::TypeMismatch, 8..11);
    rejects("B Bt true,false", ErrorKind::TypeMismatch, 5..9);
    rejects("Bt 1234,12345", ErrorKind::Syntax, 0..2);
}

// ---- operators and types ------------------------------------------------------------------

#[test]
fn ordering_operators_take_ordered_types_only() {
    for op in ["Gt", "Ge", "Lt", "Le"] {
        for v in [
            "1",
            "1.5",
            "2013-01-01",
            "10:00",
            "2013-01-01T10:00:00Z",
            "days(1)",
            "now()",
        ] {
            accepts(&format!("X {op} {v}"));
        }
        for v in [
            "'a'",
            "true",
            "NULL",
            "contains('a')",
            "regex('a')",
            "range('a','b')",
        ] {
            rejects(&format!("X {op} {v}"), ErrorKind::OperatorNotAllowed, 2..4);
        }
    }
    for op in ["Eq", "Ne"] {
        for v in [
            "1",
            "'a'",
            "true",
            "NULL",
            "contains('a')",
            "range('a','b')",
            "polygon('1 2,3 4,5 6')",
        ] {
            accepts(&format!("X {op} {v}"));
        }
    }
}

/// The syntax layer compares the operator with the value's type, never a field-side
/// function's result type with the value's type (SPEC 3): the reference accepts
/// `tolower(City) Eq 5`, and the planner, which knows the field's declared type, rejects what
/// cannot match (`tests/plan_table.rs::field_side_results_are_checked_by_the_planner`).
#[test]
fn field_side_types_are_left_to_the_planner() {
    accepts("length(City) Gt 3");
    accepts("length(City) Eq 3.5");
    accepts("length(City) Eq NULL");
    accepts("tolower(City) Eq contains('a')");
    accepts("tolower(City) Eq range('a','b')");
    accepts("date(Ts) Eq 2013-01-01T00:00:00Z");
    accepts("time(Ts) Bt 08:00,17:00");
    // The reference's verdicts (measured against sparkql): accepted.
    accepts("length(City) Eq 'a'");
    accepts("length(City) Ne ''");
    accepts("length(OrOrOr) Ne ''");
    accepts("substring(Name, 1, 2) Ne -15.42");
    accepts("month(Email) Le 2013-07-26");
    accepts("month(OnMarketDate) Le 2013-07-26");
    accepts("tolower(City) Gt 1");
    accepts("tolower(City) Eq 1");
    accepts("tolower(City) Eq 5");
    accepts("tolower(City) Bt 1,2");
    accepts("year(Ts) Eq 2013-01-01");
    accepts("time(Ts) Eq 2013-01-01");
    accepts("cast(ListPrice, 'integer') Eq 'a'");
    accepts("cast(ListPrice,'integer') Eq 'x'");
    // The operator against the value's type stays a syntax rule.
    rejects(
        "tolower(City) Gt 'a'",
        ErrorKind::OperatorNotAllowed,
        14..16,
    );
    // Arithmetic needs numbers on both sides, known without a schema.
    rejects("trim(Baths) Add 2 Eq 1", ErrorKind::TypeMismatch, 0..11);
    rejects("Baths Add 'a' Eq 1", ErrorKind::TypeMismatch, 10..13);
}

#[test]
fn each_side_holds_what_it_should() {
    rejects("1 Eq 1", ErrorKind::Syntax, 0..1);
    rejects("1 Add 1 Eq 2", ErrorKind::Syntax, 0..7);
    rejects("'a' Eq City", ErrorKind::Syntax, 0..3);
    rejects("days(1) Eq ListDate", ErrorKind::Syntax, 0..7);
    rejects("City Eq State", ErrorKind::Syntax, 8..13);
    rejects("X Eq 1 Add Y", ErrorKind::Syntax, 11..12);
    rejects("Field Eq ceiling(Field)", ErrorKind::Syntax, 17..22);
    rejects("X Eq tolower(City)", ErrorKind::Syntax, 13..17);
    rejects(
        "concat(City, State) Eq 'x'",
        ErrorKind::TypeMismatch,
        13..18,
    );
    rejects("days(ListDate) Eq 1", ErrorKind::TypeMismatch, 5..13);
    rejects("X Eq all('a')", ErrorKind::TypeMismatch, 5..8);
    rejects("City 'Fargo'", ErrorKind::Syntax, 5..12);
    rejects("City Eq", ErrorKind::Syntax, 7..7);
    rejects("Eq 'Fargo'", ErrorKind::Syntax, 0..2);
}

// ---- arithmetic and folding ---------------------------------------------------------------

#[test]
fn arithmetic_precedence_and_associativity() {
    value("1 Add 2 Mul 3", "7");
    value("(1 Add 2) Mul 3", "9");
    value("10 Sub 3 Sub 2", "5");
    value("100 Div 10 Div 5", "2");
    value("7 Mod 4 Mul 2", "6");
    value("2 Mul 3 Mod 4", "2");
    value("2 Add 3 Mul 4 Sub 6 Div 2", "11");
    canonical("X Eq (1 Add 2) Mul 3", "X Eq (1 Add 2) Mul 3");
    canonical("X Eq 1 Add (2 Mul 3)", "X Eq 1 Add (2 Mul 3)");
    canonical("X Eq 1 add 2", "X Eq 1 Add 2");
}

#[test]
fn decimal_arithmetic_is_exact() {
    folds_to("Baths Eq 0.1 Add 0.2", "0.3");
    value("0.1 Mul 0.1", "0.01");
    value("1.5 Mul 2", "3.0");
    value("10 Sub 0.5", "9.5");
    value("32.7 Mod 20.7", "12.0");
    value("1 Div 3.0", "0.33333333333333333333");
    value("2 Div 3.0", "0.66666666666666666667");
    value("-2 Div 3.0", "-0.66666666666666666667");
    value("7 Div 10.1", "0.69306930693069306931");
    let tree = accepts("X Eq 7 Div 10.1");
    let text = folded(&first_comparison(tree.expr.as_ref().unwrap()).rhs);
    let fraction = text.split('.').nth(1).unwrap();
    assert_eq!(fraction.len(), 20, "{text}");
}

#[test]
fn integer_arithmetic_stays_integer() {
    value("7 Div 2", "3");
    value("-7 Div 2", "-3");
    value("7 Mod -3", "1");
    value("-7 Mod 3", "-1");
    value("9223372036854775806 Add 1", "9223372036854775807");
    rejects(
        "X Eq 9223372036854775807 Add 1",
        ErrorKind::InvalidValue,
        5..30,
    );
    rejects(
        "X Eq -9223372036854775808 Sub 1",
        ErrorKind::InvalidValue,
        5..31,
    );
    rejects(
        "X Eq 4611686018427387904 Mul 2",
        ErrorKind::InvalidValue,
        5..30,
    );
    rejects(
        "X Eq -9223372036854775808 Div -1",
        ErrorKind::InvalidValue,
        5..32,
    );
}

#[test]
fn division_by_zero() {
    rejects("Baths Eq 5 Div 0", ErrorKind::InvalidValue, 15..16);
    rejects("Baths Eq 5 div 0", ErrorKind::InvalidValue, 15..16);
    rejects("Baths Eq 5 mod 0", ErrorKind::InvalidValue, 15..16);
    rejects("Baths Eq 5.0 Div 0.0", ErrorKind::InvalidValue, 17..20);
    rejects("Baths Eq 5 Mod 0.0", ErrorKind::InvalidValue, 15..18);
    rejects("Baths Eq 5 Div (1 Sub 1)", ErrorKind::InvalidValue, 15..24);
    // Field-side arithmetic is not folded: dividing a field by zero is the back end's business.
    accepts("Baths Div 0 Eq 1");
}

#[test]
fn arithmetic_needs_numbers() {
    rejects("Baths Eq 1 Add '2.3'", ErrorKind::TypeMismatch, 15..20);
    rejects(
        "Baths Eq 1 Add trim('2.3')",
        ErrorKind::TypeMismatch,
        15..26,
    );
    // A non-number on the left reports the whole operation, on the right only itself.
    rejects("Baths Eq 'a' Mul 2", ErrorKind::TypeMismatch, 9..18);
    rejects("Baths Eq 2 Mul 'a'", ErrorKind::TypeMismatch, 15..18);
    rejects("D Eq days(1) Add 1", ErrorKind::TypeMismatch, 5..18);
    rejects("B Eq true Add 1", ErrorKind::TypeMismatch, 5..15);
}

// ---- functions ----------------------------------------------------------------------------

#[test]
fn relative_dates_against_the_fixed_clock() {
    // 2026-11-22 is a Sunday.
    value("now()", "2026-11-22T12:00:00Z");
    value("days(0)", "2026-11-22");
    value("days(1)", "2026-11-23");
    value("days(-7)", "2026-11-15");
    value("days(365000)", "3026-03-25");
    value("days(-365000)", "1027-07-23");
    value("months(1)", "2026-12-22");
    value("months(-11)", "2025-12-22");
    value("months(3)", "2027-02-22");
    value("years(-1)", "2025-11-22");
    value("years(10)", "2036-11-22");
    value("hours(1)", "2026-11-22T13:00:00Z");
    value("hours(-24)", "2026-11-21T12:00:00Z");
    value("minutes(-90)", "2026-11-22T10:30:00Z");
    value("seconds(3600)", "2026-11-22T13:00:00Z");
    value("mindatetime()", "1970-01-01T00:00:00Z");
    value("maxdatetime()", "9999-12-31T23:59:59Z");
}

#[test]
fn months_and_years_clamp_to_the_end_of_the_month() {
    value_at("2026-01-31T12:00:00Z", "months(1)", "2026-02-28");
    value_at("2024-01-31T12:00:00Z", "months(1)", "2024-02-29");
    value_at("2026-03-31T12:00:00Z", "months(-1)", "2026-02-28");
    value_at("2024-02-29T12:00:00Z", "years(1)", "2025-02-28");
}

#[test]
fn the_clock_zone_is_kept() {
    value_at(
        "2026-11-22T23:30:00-05:00",
        "now()",
        "2026-11-22T23:30:00-05:00",
    );
    value_at("2026-11-22T23:30:00-05:00", "days(0)", "2026-11-22");
    value_at(
        "2026-11-22T23:30:00-05:00",
        "hours(1)",
        "2026-11-23T00:30:00-05:00",
    );
}

/// On the system clock, one filter sees one instant: the clock is read once per parse.
#[test]
fn one_filter_reads_the_system_clock_once() {
    let options = ParseOptions::default();
    for _ in 0..200 {
        let tree = accepts_with("A Bt now(),now() Not B Eq seconds(0)", &options);
        let Some(Expr {
            kind: ExprKind::And { children },
            ..
        }) = &tree.expr
        else {
            panic!("{tree:?}");
        };
        let ExprKind::Comparison(range) = &children[0].kind else {
            panic!("{tree:?}");
        };
        let Rhs::Range { low, high } = &range.rhs else {
            panic!("{tree:?}");
        };
        assert_eq!(low.value, high.value);
        let ExprKind::Not { expr } = &children[1].kind else {
            panic!("{tree:?}");
        };
        let ExprKind::Comparison(seconds) = &expr.kind else {
            panic!("{tree:?}");
        };
        let Rhs::Single { value } = &seconds.rhs else {
            panic!("{tree:?}");
        };
        assert_eq!(value.value, low.value);
    }
}

#[test]
fn weekdays_skip_weekends() {
    // From Sunday 2026-11-22.
    value("weekdays(1)", "2026-11-23");
    value("weekdays(-1)", "2026-11-20");
    value("weekdays(3)", "2026-11-25");
    value("weekdays(4)", "2026-11-26");
    value("weekdays(6)", "2026-11-30");
    value("weekdays(-6)", "2026-11-13");
    // From Friday 2026-11-20.
    let fri = "2026-11-20T12:00:00Z";
    value_at(fri, "weekdays(0)", "2026-11-20");
    value_at(fri, "weekdays(1)", "2026-11-23");
    value_at(fri, "weekdays(5)", "2026-11-27");
    value_at(fri, "weekdays(-5)", "2026-11-13");
    value_at(fri, "weekdays(6)", "2026-11-30");
    // From Wednesday 2026-11-18.
    let wed = "2026-11-18T12:00:00Z";
    value_at(wed, "weekdays(3)", "2026-11-23");
    value_at(wed, "weekdays(-3)", "2026-11-13");
    value_at(wed, "weekdays(10)", "2026-12-02");
}

/// A whole number of weeks of weekdays counted from a weekend day must still land on a
/// weekday: five weekdays after Sunday 2026-11-22 are Mon 23 … Fri 27.
#[test]
fn weekdays_from_a_weekend_land_on_weekdays() {
    value("weekdays(5)", "2026-11-27");
    value("weekdays(10)", "2026-12-04");
    value("weekdays(-5)", "2026-11-16");
    value_at("2026-11-21T12:00:00Z", "weekdays(5)", "2026-11-27");
    value_at("2026-11-21T12:00:00Z", "weekdays(-5)", "2026-11-16");
}

#[test]
fn relative_date_errors() {
    rejects("X Eq days(365001)", ErrorKind::InvalidValue, 10..16);
    rejects("X Eq days(-365001)", ErrorKind::InvalidValue, 10..17);
    rejects("X Eq weekdays(365001)", ErrorKind::InvalidValue, 14..20);
    rejects(
        "X Eq hours(9223372036854775807)",
        ErrorKind::InvalidValue,
        11..30,
    );
    rejects(
        "X Eq months(9223372036854775807)",
        ErrorKind::InvalidValue,
        12..31,
    );
    rejects(
        "X Eq years(-9223372036854775807)",
        ErrorKind::InvalidValue,
        11..31,
    );
    rejects("X Eq days('7')", ErrorKind::TypeMismatch, 10..13);
    rejects("X Eq days(1.5)", ErrorKind::TypeMismatch, 10..13);
    rejects("X Eq days()", ErrorKind::Syntax, 5..11);
    rejects("X Eq now(1)", ErrorKind::Syntax, 5..11);
    rejects("X Eq days(1, 2)", ErrorKind::Syntax, 5..15);
}

#[test]
fn string_functions_fold() {
    value("tolower('ABC*')", "'abc*'");
    value(r"toupper('a\*b')", r"'A\*B'");
    value("toupper('straße')", "'STRASSE'");
    value("trim('  a b  ')", "'a b'");
    value("trim('   ')", "''");
    value("length('')", "0");
    value("length('héllo')", "5");
    value(r"length('a\'b')", "3");
    value("indexof('hello', 'l')", "2");
    value("indexof('hello', 'z')", "-1");
    value("indexof('日本語', '語')", "2");
    value("concat('Far', 'go')", "'Fargo'");
    value(r"concat('O\'', 'Brien')", r"'O\'Brien'");
    value("substring('hello', 1, 3)", "'ell'");
    value("substring('hello', 0)", "'hello'");
    value("substring('hello', 2)", "'llo'");
    value("substring('hello', 10)", "''");
    value("substring('hello', 2, 0)", "''");
    value("contains('a*b')", r"contains('a\*b')");
    value("startswith('Far')", "startswith('Far')");
    value("endswith('go')", "endswith('go')");
    // Values display in filter syntax, where a literal star is written `\*`.
    value("regex('^a.*b$')", r"regex('^a.\*b$')");
    value("regex('^a', 'i')", "regex('^a', 'i')");
    value("regex('^a', '')", "regex('^a')");
    value("range('a', 'm')", "range('a', 'm')");
    rejects(
        "X Eq substring('hello', -1)",
        ErrorKind::InvalidValue,
        24..26,
    );
    rejects(
        "X Eq substring('hello', 1, -1)",
        ErrorKind::InvalidValue,
        27..29,
    );
    rejects(
        "substring(City, -1) Eq 'a'",
        ErrorKind::InvalidValue,
        16..18,
    );
    rejects("X Eq tolower(1)", ErrorKind::TypeMismatch, 13..14);
    rejects("X Eq concat('a')", ErrorKind::Syntax, 5..16);
    rejects("X Eq regex('[1234', '')", ErrorKind::InvalidValue, 11..18);
    rejects("X Eq regex('(')", ErrorKind::InvalidValue, 11..14);
    rejects("X Eq regex('a', 'x')", ErrorKind::InvalidValue, 16..19);
    rejects("X Eq regex('a', 'I')", ErrorKind::InvalidValue, 16..19);
    // Too big to compile under the size limit (Limits::max_regex_size, code 1041): found
    // by the full build that large patterns get, while small ones are only parsed.
    let too_big = rejects(
        r"X Eq regex('\w{1000}{1000}')",
        ErrorKind::LimitExceeded,
        11..27,
    );
    assert_eq!(
        too_big.message,
        "the regular expression is too big: it compiles to more than 1048576 bytes, the limit"
    );
    rejects(
        r"X Eq regex('(?i)\w{100}{100}')",
        ErrorKind::LimitExceeded,
        11..29,
    );
    accepts(r"X Eq regex('\w{10}')");
    accepts(r"X Eq regex('a{999}')");
    accepts(r"X Eq regex('[0-9]{3}(-[0-9]{4})?')");
}

#[test]
fn the_regex_size_limit_is_configurable() {
    // About 16 KB compiled: under the default limit, over a 4 KiB one.
    let pattern = r"X Eq regex('[a-z]{1000}')";
    accepts(pattern);
    let e = rejects_with(
        pattern,
        &limits(|l| l.max_regex_size = 4096),
        ErrorKind::LimitExceeded,
        11..24,
    );
    assert!(e.message.contains("more than 4096 bytes"), "{}", e.message);
    // Small patterns skip the full build; under a tiny limit they still get it.
    accepts(r"X Eq regex('[a-z]+[0-9]')");
    rejects_with(
        r"X Eq regex('[a-z]+[0-9]')",
        &limits(|l| l.max_regex_size = 10),
        ErrorKind::LimitExceeded,
        11..24,
    );
    // Above the ceiling counts as the ceiling, which every back end compiles with.
    rejects_with(
        r"X Eq regex('\w{1000}{1000}')",
        &limits(|l| l.max_regex_size = usize::MAX),
        ErrorKind::LimitExceeded,
        11..27,
    );
}

/// The pattern a `regex()` call compiles, read from the folded value.
#[track_caller]
fn regex_pattern(filter: &str) -> String {
    let tree = accepts(filter);
    let c = first_comparison(tree.expr.as_ref().unwrap());
    match c.rhs.constants().next().map(|c| &c.value) {
        Some(Value::Regex { pattern, .. }) => pattern.to_string(),
        other => panic!("{filter:?} folds to {other:?}, not a regex"),
    }
}

#[test]
fn regex_patterns_keep_their_escapes() {
    assert_eq!(regex_pattern(r"X Eq regex('a\.b')"), r"a\.b");
    assert_eq!(regex_pattern(r"X Eq regex('\d+')"), r"\d+");
    assert_eq!(regex_pattern(r"X Eq regex('O\'B')"), "O'B");
}

/// In a regex `\*` is a literal star, and the reference (sparkql) passes the pattern on with
/// only `\'` unescaped. Here the character-literal decoding turns `'5\*'` into the pattern
/// `5*` ("zero or more 5s"), while `'a\.b'` keeps its backslash.
#[test]
fn regex_escaped_star_stays_escaped() {
    assert_eq!(regex_pattern(r"X Eq regex('5\*')"), r"5\*");
}

#[test]
fn cast() {
    value("cast('10', 'integer')", "10");
    value("cast(' 10 ', 'integer')", "10");
    value("cast('2.50', 'decimal')", "2.50");
    value("cast(5, 'decimal')", "5.0");
    value("cast(5, 'integer')", "5");
    value("cast(5, 'character')", "'5'");
    value("cast(1.50, 'character')", "'1.50'");
    value("cast(1.9, 'integer')", "1");
    value("cast(-1.9, 'integer')", "-1");
    value("cast(NULL, 'integer')", "NULL");
    value("cast('a*', 'character')", "'a*'");
    accepts("cast(ListPrice, 'character') Eq '100'");
    rejects(
        "X Eq cast('ten', 'integer')",
        ErrorKind::InvalidValue,
        10..15,
    );
    rejects(
        "X Eq cast('1.5', 'integer')",
        ErrorKind::InvalidValue,
        10..15,
    );
    rejects("X Eq cast(5, 'bogus')", ErrorKind::InvalidValue, 13..20);
    rejects(
        "ListPrice Eq cast('10', 'bogus')",
        ErrorKind::InvalidValue,
        24..31,
    );
    rejects(
        "cast(ListPrice, 'bogus') Eq '10'",
        ErrorKind::InvalidValue,
        16..23,
    );
    rejects(
        "X Eq cast(true, 'integer')",
        ErrorKind::TypeMismatch,
        10..14,
    );
    rejects(
        "X Eq cast(2013-01-01, 'character')",
        ErrorKind::TypeMismatch,
        10..20,
    );
}

#[test]
fn round_ceiling_floor() {
    for (call, expected) in [
        ("round(0.5)", "1"),
        ("round(-0.5)", "-1"),
        ("round(1.5)", "2"),
        ("round(2.5)", "3"),
        ("round(-2.5)", "-3"),
        ("round(2.4999)", "2"),
        ("round(5)", "5"),
        ("ceiling(0.5)", "1"),
        ("ceiling(-0.5)", "0"),
        ("ceiling(1.0)", "1"),
        ("floor(0.5)", "0"),
        ("floor(-0.5)", "-1"),
        ("floor(-1.0)", "-1"),
    ] {
        value(call, expected);
    }
    accepts("round(Baths) Eq 2");
    rejects("X Eq round('1.5')", ErrorKind::TypeMismatch, 11..16);
    rejects("X Eq round(1.0E28)", ErrorKind::InvalidValue, 11..17);
}

#[test]
fn date_parts() {
    let dt = "2013-07-26T10:22:15.5Z";
    for (call, expected) in [
        (format!("year({dt})"), "2013"),
        (format!("month({dt})"), "7"),
        (format!("day({dt})"), "26"),
        (format!("hour({dt})"), "10"),
        (format!("minute({dt})"), "22"),
        (format!("second({dt})"), "15"),
        (format!("fractionalseconds({dt})"), "0.5"),
        (format!("dayofweek({dt})"), "6"),
        (format!("dayofyear({dt})"), "207"),
        (format!("date({dt})"), "2013-07-26"),
        (format!("time({dt})"), "10:22:15.5"),
        ("dayofweek(2026-11-22)".to_string(), "1"),
        ("hour(2013-07-26)".to_string(), "0"),
        ("year(now())".to_string(), "2026"),
    ] {
        value(&call, expected);
    }
    accepts("year(ListDate) Eq 2013");
    rejects("X Eq year('2013')", ErrorKind::TypeMismatch, 10..16);
    rejects("X Eq year(10:00)", ErrorKind::TypeMismatch, 10..15);
}

#[test]
fn geo_functions() {
    folds_to(
        "L Eq polygon('45 -93, 46 -94, 45 -95')",
        "Polygon { points: [(45.0, -93.0), (46.0, -94.0), (45.0, -95.0), (45.0, -93.0)] }",
    );
    folds_to(
        "L Eq radius('45 -93', 2)",
        "Radius { center: (45.0, -93.0), radius: 2.0 }",
    );
    folds_to(
        "L Eq wkt('POINT(-93 45)')",
        "Point { point: (45.0, -93.0) }",
    );
    accepts("L Eq linestring('45 -93, 46 -94')");
    accepts("L Eq rectangle('45 -93, 46 -94')");
    accepts("L Eq wkt('LINESTRING(-93 45, -94 46)')");
    accepts("L Eq wkt('POLYGON((-93 45, -94 46, -95 45))')");
    rejects("L Eq polygon()", ErrorKind::Syntax, 5..14);
    rejects(
        "L Eq polygon('45 -93, 46 -94')",
        ErrorKind::InvalidValue,
        13..29,
    );
    rejects("L Eq linestring('45 -93')", ErrorKind::InvalidValue, 16..24);
    rejects("L Eq rectangle('45 -93')", ErrorKind::InvalidValue, 15..23);
    rejects(
        "L Eq radius('35.12,-68.33',1.0)",
        ErrorKind::InvalidValue,
        12..26,
    );
    rejects("L Eq radius('45 -93', 0)", ErrorKind::InvalidValue, 22..23);
    rejects(
        "L Eq radius('45 -93', -1.5)",
        ErrorKind::InvalidValue,
        22..26,
    );
    rejects("L Eq radius('45 -93')", ErrorKind::Syntax, 5..21);
    rejects(
        "L Eq polygon('91 0, 0 0, 0 1')",
        ErrorKind::InvalidValue,
        13..29,
    );
    rejects(
        "L Eq polygon('0 181, 0 0, 0 1')",
        ErrorKind::InvalidValue,
        13..30,
    );
    rejects(
        "L Eq polygon('a b, 0 0, 0 1')",
        ErrorKind::InvalidValue,
        13..28,
    );
    rejects("L Eq wkt('CIRCLE(1 2)')", ErrorKind::InvalidValue, 9..22);
    rejects("L Eq wkt('nothing')", ErrorKind::InvalidValue, 9..18);
    rejects("L Eq wkt('POINT(1 2')", ErrorKind::InvalidValue, 9..20);
    rejects(
        "L Eq wkt('POLYGON((1 2, 3 4, 5 6),(1 1, 2 2, 3 3))')",
        ErrorKind::InvalidValue,
        9..51,
    );
    rejects(
        "L Gt polygon('45 -93, 46 -94, 45 -95')",
        ErrorKind::OperatorNotAllowed,
        2..4,
    );
}

#[test]
fn unknown_functions_and_names() {
    rejects("X Eq foo(1)", ErrorKind::Syntax, 5..8);
    rejects("X Eq dAys(1)", ErrorKind::Syntax, 5..9);
    // `days (1)` is a call, as in the reference (tests/table.rs::reference_agreements).
    rejects("X Eq daze (1)", ErrorKind::Syntax, 5..9);
    rejects("X Eq Days(1)", ErrorKind::Syntax, 5..9);
    rejects("foo(X) Eq 1", ErrorKind::Syntax, 0..3);
    rejects("X Eq days(1", ErrorKind::Syntax, 11..11);
    rejects("X Eq days(1 2)", ErrorKind::Syntax, 12..13);
    rejects("X Eq concat('a',)", ErrorKind::Syntax, 16..17);
}

// ---- limits -------------------------------------------------------------------------------

#[test]
fn expression_limit() {
    accepts(&conditions(75));
    let filter = conditions(76);
    let start = filter.rfind("F75").unwrap();
    let e = rejects(&filter, ErrorKind::LimitExceeded, start..start + 3);
    assert_eq!(e.code(), 1041);
    // Raised or lowered.
    accepts_with(&conditions(76), &limits(|l| l.max_expressions = 76));
    rejects_with(
        "A Eq 1 Or B Eq 2",
        &limits(|l| l.max_expressions = 1),
        ErrorKind::LimitExceeded,
        10..11,
    );
}

#[test]
fn list_limit() {
    let list = |n: usize| {
        format!(
            "X Eq {}",
            (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
        )
    };
    accepts(&list(200));
    let filter = list(201);
    let e = rejects(
        &filter,
        ErrorKind::LimitExceeded,
        filter.len() - 3..filter.len(),
    );
    assert_eq!(e.code(), 1041);
    accepts_with(&list(201), &limits(|l| l.max_list = 201));
    rejects_with(
        "X Eq 1,2,3",
        &limits(|l| l.max_list = 2),
        ErrorKind::LimitExceeded,
        9..10,
    );
}

#[test]
fn call_argument_limit() {
    let call = |n: usize| format!("X Eq concat({})", vec!["'a'"; n].join(","));
    // concat takes two arguments; past 200 the limit speaks first.
    rejects(
        &call(200),
        ErrorKind::Syntax,
        5..5 + "concat()".len() + 200 * 4 - 1,
    );
    let filter = call(201);
    rejects(
        &filter,
        ErrorKind::LimitExceeded,
        filter.len() - 4..filter.len() - 1,
    );
}

#[test]
fn function_depth_limit() {
    let five = "X Eq length(trim(tolower(toupper(trim('a')))))";
    value("length(trim(tolower(toupper(trim('a')))))", "1");
    accepts(five);
    accepts("trim(tolower(toupper(trim(tolower(City))))) Eq 'a'");
    let six = "X Eq length(trim(tolower(toupper(trim(tolower('a'))))))";
    let start = six.rfind("tolower").unwrap();
    let e = rejects(six, ErrorKind::LimitExceeded, start..start + 7);
    assert_eq!(e.code(), 1041);
    let six_field = "trim(tolower(toupper(trim(tolower(trim(City)))))) Eq 'a'";
    rejects(six_field, ErrorKind::LimitExceeded, 34..38);
    accepts_with(six, &limits(|l| l.max_function_depth = 6));
}

#[test]
fn group_depth_limit() {
    accepts("((A Eq 1) Or B Eq 2)");
    accepts("((A Eq 1))");
    accepts("(A Eq 1) And (B Eq 2 Or (C Eq 3))");
    let e = rejects("(((A Eq 1)))", ErrorKind::LimitExceeded, 2..10);
    assert_eq!(e.code(), 1041);
    rejects(
        "(A Eq 1 Or (B Eq 2 Or (C Eq 3)))",
        ErrorKind::LimitExceeded,
        22..30,
    );
    rejects("Not (Not (Not (A Eq 1)))", ErrorKind::LimitExceeded, 14..22);
    rejects(
        "(City Eq 'Fargo' Or (TotalBr Eq 2 And (City Eq 'Moorhead'))) And PropertyType Eq 'A'",
        ErrorKind::LimitExceeded,
        38..58,
    );
    accepts_with("(((A Eq 1)))", &limits(|l| l.max_depth = 3));
    rejects_with(
        "(A Eq 1)",
        &limits(|l| l.max_depth = 0),
        ErrorKind::LimitExceeded,
        0..8,
    );
}

#[test]
fn term_depth_limit() {
    let parens = |n: usize| format!("X Eq {}1{}", "(".repeat(n), ")".repeat(n));
    value(&format!("{}1{}", "(".repeat(32), ")".repeat(32)), "1");
    rejects_kind(
        &parens(33),
        &support::parse_options(),
        ErrorKind::LimitExceeded,
    );
    accepts_with(&parens(33), &limits(|l| l.max_term_depth = 40));
}

#[test]
fn byte_limit() {
    const CAP: usize = 16 * 1024;
    let padded = |n: usize| {
        let mut f = String::from("City Eq 'Fargo'");
        f.push_str(&" ".repeat(n - f.len()));
        f
    };
    accepts(&padded(CAP));
    let e = rejects(&padded(CAP + 1), ErrorKind::LimitExceeded, CAP..CAP + 1);
    assert_eq!(e.code(), 1041);
    accepts_with(&padded(CAP + 1), &limits(|l| l.max_bytes = CAP + 1));
    rejects_with(
        "A Eq 1",
        &limits(|l| l.max_bytes = 5),
        ErrorKind::LimitExceeded,
        5..6,
    );
}

// ---- errors as data -----------------------------------------------------------------------

#[test]
fn errors_render_serialize_and_display() {
    let filter = "City Eq";
    let e = rejects(filter, ErrorKind::Syntax, 7..7);
    assert_eq!(e.code(), 1040);
    assert_eq!(
        e.render(filter),
        format!(
            "error[syntax]: {}\n  |\n1 | City Eq\n  |        ^\n  = Spark error code 1040",
            e.message
        )
    );
    assert_eq!(e.to_string(), format!("{} (at 7..7)", e.message));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "code": 1040, "kind": "syntax", "message": e.message, "start": 7, "end": 7
        })
    );
    let limit = rejects("(((A Eq 1)))", ErrorKind::LimitExceeded, 2..10);
    assert_eq!(serde_json::to_value(&limit).unwrap()["code"], 1041);
    assert_eq!(
        serde_json::to_value(&limit).unwrap()["kind"],
        "limit_exceeded"
    );
}

#[test]
fn every_kind_has_its_code() {
    for (kind, code) in [
        (ErrorKind::Syntax, 1040),
        (ErrorKind::TypeMismatch, 1040),
        (ErrorKind::InvalidValue, 1040),
        (ErrorKind::OperatorNotAllowed, 1040),
        (ErrorKind::UnknownField, 1040),
        (ErrorKind::LimitExceeded, 1041),
    ] {
        assert_eq!(kind.code(), code, "{kind}");
    }
}

#[test]
fn parse_uses_the_spark_defaults() {
    assert!(parse(&conditions(75)).is_ok());
    assert_eq!(
        parse(&conditions(76)).unwrap_err().kind,
        ErrorKind::LimitExceeded
    );
    assert_eq!(
        parse("(((A Eq 1)))").unwrap_err().kind,
        ErrorKind::LimitExceeded
    );
    assert!(parse("ListDate Gt days(-7)").is_ok());
}

// ---- conformance --------------------------------------------------------------------------

#[test]
fn conformance_verdicts() {
    let Some(lines) = support::conformance() else {
        return;
    };
    let mut wrong = Vec::new();
    for line in &lines {
        let result = parse_with(&line.filter, &support::parse_options());
        match (&result, line.accept) {
            (Ok(_), true) | (Err(_), false) => {}
            (Ok(tree), false) => wrong.push(format!(
                "line {} ({}): {:?} should be rejected, parsed as {tree}",
                line.line, line.from, line.filter
            )),
            (Err(e), true) => wrong.push(format!(
                "line {} ({}): {:?} should be accepted{}:\n{}",
                line.line,
                line.from,
                line.filter,
                line.note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                e.render(&line.filter)
            )),
        }
        if let Err(e) = &result {
            assert!(
                e.span.start <= e.span.end && e.span.end <= line.filter.len(),
                "line {}: span {}..{} outside the filter",
                line.line,
                e.span.start,
                e.span.end
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong verdicts:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!("{} conformance lines agree", lines.len());
}

/// Symbols and number forms from other query languages get a hint at what to write.
#[test]
fn foreign_syntax_gets_a_hint() {
    for (filter, start, hint) in [
        (
            "City = 'Fargo'",
            5,
            "comparison operators are words: Eq, Ne",
        ),
        ("ListPrice >= 5", 10, "comparison operators are words"),
        ("City != 'Fargo'", 5, "comparison operators are words"),
        ("A Eq 1 && B Eq 2", 7, "conditions are joined with And"),
        ("A Eq 1 | B Eq 2", 7, "alternatives are joined with Or"),
        ("A Eq 1 + 2", 7, "arithmetic operators are words: Add, Sub"),
    ] {
        let e = rejects(filter, ErrorKind::Syntax, start..start + 1);
        assert!(e.message.contains(hint), "{filter:?}: {}", e.message);
    }
    for (filter, suggestion) in [
        ("ListPrice Gt 1e5", "1.0e5"),
        ("ListPrice Gt 2E-3", "2.0E-3"),
        ("ListPrice Gt -1E05", "-1.0E05"),
    ] {
        let e = rejects_kind(filter, &support::parse_options(), ErrorKind::Syntax);
        let hint = format!("an exponent needs a decimal point, as in {suggestion}");
        assert!(e.message.ends_with(&hint), "{filter:?}: {}", e.message);
        // The suggestion is itself valid.
        accepts(&format!("ListPrice Gt {suggestion}"));
    }
    // No suggestion where the fix would not be valid either (exponents take two digits).
    let e = rejects_kind(
        "ListPrice Gt 1e123",
        &support::parse_options(),
        ErrorKind::Syntax,
    );
    assert!(!e.message.contains("exponent"), "{}", e.message);
}
