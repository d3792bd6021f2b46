//! Printing and parsing agree: for generated filters `t`, `parse(print(t)) == t` and printing
//! is idempotent (sqlparser's `verified_stmt`, toml_edit's round-trip target).
//!
//! The generator writes filter TEXT from typed pieces so that every filter it produces is
//! valid: a field side of a known type (a plain field, a function of it, arithmetic over it)
//! meets an operator and a value side that type accepts (literals of every type, lists,
//! ranges, literal-side functions, folded arithmetic). Conditions are joined by And, Or and
//! binary Not, with a leading Not and groups up to the default depth of 2. Keywords come in
//! random case and tokens are separated by random whitespace.

mod support;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use spark_filter::{Limits, ParseOptions, parse_with};

type S = BoxedStrategy<String>;

/// Default limits except the expression count: the generator does not count comparisons.
fn options() -> ParseOptions {
    support::options_with(Limits {
        max_expressions: 10_000,
        ..Limits::default()
    })
}

fn check(text: &str, options: &ParseOptions) -> Result<(), TestCaseError> {
    let tree = parse_with(text, options).map_err(|e| {
        TestCaseError::fail(format!("generated filter rejected:\n{}", e.render(text)))
    })?;
    let printed = tree.to_string();
    let again = parse_with(&printed, options).map_err(|e| {
        TestCaseError::fail(format!(
            "printed form of {text:?} does not parse:\n{}",
            e.render(&printed)
        ))
    })?;
    prop_assert_eq!(
        &again,
        &tree,
        "parse(print(t)) != t for {:?} printed as {:?}",
        text,
        printed
    );
    prop_assert_eq!(
        again.to_string(),
        printed,
        "printing is not idempotent for {:?}",
        text
    );
    Ok(())
}

// ---- tokens -------------------------------------------------------------------------------

fn pick(items: &[&'static str]) -> S {
    prop::sample::select(items.to_vec())
        .prop_map(str::to_string)
        .boxed()
}

/// Whitespace where a separator is required.
fn ws1() -> S {
    pick(&[" ", " ", " ", " ", "  ", "\t", "\n", "\r\n", " \t "])
}

/// Whitespace where none is required.
fn ws0() -> S {
    pick(&["", "", "", "", " ", "\t", "\n"])
}

/// A keyword in random case: `Eq`, `eq`, `EQ`, `eQ`.
fn kw(word: &'static str) -> S {
    any::<u8>()
        .prop_map(move |mask| {
            word.chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask >> i & 1 == 1 {
                        if c.is_uppercase() {
                            c.to_ascii_lowercase()
                        } else {
                            c.to_ascii_uppercase()
                        }
                    } else {
                        c
                    }
                })
                .collect()
        })
        .boxed()
}

/// `a <ws> KW <ws> b`.
fn infix(a: String, w1: String, op: String, w2: String, b: String) -> String {
    format!("{a}{w1}{op}{w2}{b}")
}

const KEYWORDS: &[&str] = &[
    "eq", "ne", "gt", "ge", "lt", "le", "bt", "and", "or", "not", "add", "sub", "mul", "div", "mod",
];

fn standard_field() -> S {
    prop_oneof![
        3 => pick(&[
            "ListPrice", "City", "Beds", "Oregon", "Equador", "OrOrOr", "NullableField",
            "AndNot", "Btu", "A", "Z9", "TrueValue", "Notes", "Modified", "Addition",
        ]),
        2 => "[A-Z][A-Za-z0-9]{0,7}".prop_filter("a keyword or null is not a field", |w| {
            !KEYWORDS.contains(&w.to_ascii_lowercase().as_str())
                && !matches!(w.as_str(), "NULL" | "Null")
        }),
    ]
    .boxed()
}

fn field() -> S {
    prop_oneof![
        4 => standard_field(),
        1 => pick(&[
            r#""General Property Description"."Taxes""#,
            r#""Phones"."Number""#,
            r#""Größe"."W ☃""#,
            r#""Ab"."C""#,
        ]),
    ]
    .boxed()
}

// ---- literals -----------------------------------------------------------------------------

/// The text between the quotes of a character literal: plain characters, wildcards and
/// every kind of escape.
fn char_source() -> S {
    prop::collection::vec(
        prop_oneof![
            8 => pick(&[
                "a", "b", "Z", "0", " ", ",", "-", ".", "é", "☃", "東", "(", ")", "\"", "Eq",
                " And ", "ß",
            ]),
            1 => Just("*".to_string()),
            1 => Just(r"\'".to_string()),
            1 => Just(r"\\".to_string()),
            1 => Just(r"\*".to_string()),
            1 => Just(r"\n".to_string()),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
    .boxed()
}

fn char_lit() -> S {
    char_source().prop_map(|s| format!("'{s}'")).boxed()
}

fn small_int() -> BoxedStrategy<i64> {
    (-1000i64..1000).boxed()
}

fn int_lit() -> S {
    prop_oneof![
        4 => small_int().prop_map(|i| i.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => pick(&["9223372036854775807", "-9223372036854775808", "0", "-0"]),
    ]
    .boxed()
}

fn dec_lit() -> S {
    (
        -100_000i64..100_000,
        "[0-9]{1,6}",
        prop::option::of((pick(&["E", "e"]), -9i32..10)),
    )
        .prop_map(|(int, frac, exp)| match exp {
            None => format!("{int}.{frac}"),
            Some((e, x)) => format!("{int}.{frac}{e}{x}"),
        })
        .boxed()
}

fn date_lit() -> S {
    (1000u32..10000, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .boxed()
}

fn time_lit() -> S {
    (
        0u32..24,
        0u32..60,
        prop::option::of((0u32..60, prop::option::of("[0-9]{1,9}"))),
    )
        .prop_map(|(h, m, s)| match s {
            None => format!("{h:02}:{m:02}"),
            Some((s, None)) => format!("{h:02}:{m:02}:{s:02}"),
            Some((s, Some(f))) => format!("{h:02}:{m:02}:{s:02}.{f}"),
        })
        .boxed()
}

fn datetime_lit() -> S {
    (
        date_lit(),
        time_lit(),
        pick(&[
            "", "Z", "+05:30", "-0300", "+00:00", "-12:00", "+1400", "-00:30",
        ]),
    )
        .prop_map(|(d, t, z)| format!("{d}T{t}{z}"))
        .boxed()
}

fn call(name: &'static str, args: Vec<String>, ws: String) -> String {
    format!("{name}({})", args.join(&format!(",{ws}")))
}

// ---- value side ---------------------------------------------------------------------------

/// Integer-valued constant expressions: any literal on its own, and arithmetic over small
/// operands that can neither overflow nor divide by zero.
fn int_value() -> S {
    let operand = prop_oneof![
        6 => small_int().prop_map(|i| i.to_string()),
        1 => small_int().prop_map(|i| format!("--{i}")),
        1 => small_int().prop_map(|i| format!("- {i}")),
        1 => small_int().prop_map(|i| format!("-({i})")),
        1 => char_lit().prop_map(|c| format!("length({c})")),
        1 => (char_lit(), char_lit()).prop_map(|(a, b)| format!("indexof({a}, {b})")),
        1 => small_int().prop_map(|i| format!("cast('{i}', 'integer')")),
        1 => date_lit().prop_map(|d| format!("year({d})")),
        1 => datetime_lit().prop_map(|d| format!("dayofweek({d})")),
    ]
    .boxed();
    prop_oneof![
        4 => int_lit(),
        1 => (pick(&["round", "ceiling", "floor"]), dec_lit()).prop_map(|(f, d)| format!("{f}({d})")),
        2 => operand.clone(),
        3 => small_arith(operand),
    ]
    .boxed()
}

/// Arithmetic over small operands: `Add Sub Mul` between operands, `Div Mod` by a nonzero
/// literal, parentheses and negation; at most two levels deep.
fn small_arith(operand: S) -> S {
    operand
        .prop_recursive(2, 8, 2, |inner| {
            let arith = |op: &'static str| {
                (inner.clone(), ws1(), kw(op), ws1(), inner.clone())
                    .prop_map(|(a, w1, op, w2, b)| infix(a, w1, op, w2, b))
            };
            prop_oneof![
                arith("Add"),
                arith("Sub"),
                arith("Mul"),
                (
                    inner.clone(),
                    ws1(),
                    pick(&["Div", "Mod", "div", "MOD"]),
                    ws1(),
                    1i64..10
                )
                    .prop_map(|(a, w1, op, w2, b)| infix(
                        a,
                        w1,
                        op,
                        w2,
                        b.to_string()
                    )),
                (
                    inner.clone(),
                    ws1(),
                    kw("Div"),
                    ws1(),
                    pick(&["0.5", "2.5", "-1.25", "3.0"])
                )
                    .prop_map(|(a, w1, op, w2, b)| infix(a, w1, op, w2, b)),
                (ws0(), inner.clone(), ws0()).prop_map(|(a, e, b)| format!("({a}{e}{b})")),
                inner.clone().prop_map(|e| format!("-({e})")),
            ]
        })
        .boxed()
}

fn small_dec() -> S {
    (-100i64..100, "[0-9]{1,3}")
        .prop_map(|(i, f)| format!("{i}.{f}"))
        .boxed()
}

fn dec_value() -> S {
    let operand = prop_oneof![
        4 => small_dec(),
        2 => small_int().prop_map(|i| i.to_string()),
        1 => small_dec().prop_map(|d| format!("-({d})")),
        1 => datetime_lit().prop_map(|d| format!("fractionalseconds({d})")),
        1 => small_int().prop_map(|i| format!("cast({i}, 'decimal')")),
    ]
    .boxed();
    prop_oneof![
        4 => dec_lit(),
        1 => dec_lit().prop_map(|d| format!("cast('{d}', 'decimal')")),
        3 => small_arith(operand),
    ]
    .boxed()
}

fn numeric_value() -> S {
    prop_oneof![int_value(), dec_value()].boxed()
}

fn date_func() -> S {
    prop_oneof![
        (pick(&["days", "weekdays"]), -1000i64..1000).prop_map(|(f, n)| format!("{f}({n})")),
        (-100i64..100).prop_map(|n| format!("months({n})")),
        (-50i64..50).prop_map(|n| format!("years({n})")),
        datetime_lit().prop_map(|d| format!("date({d})")),
    ]
    .boxed()
}

fn datetime_func() -> S {
    prop_oneof![
        pick(&["now()", "mindatetime()", "maxdatetime()"]),
        (pick(&["hours", "minutes", "seconds"]), -100_000i64..100_000)
            .prop_map(|(f, n)| format!("{f}({n})")),
    ]
    .boxed()
}

fn date_value() -> S {
    prop_oneof![2 => date_lit(), 1 => date_func()].boxed()
}

fn datetime_value() -> S {
    prop_oneof![2 => datetime_lit(), 1 => datetime_func()].boxed()
}

fn temporal_value() -> S {
    prop_oneof![date_value(), datetime_value()].boxed()
}

fn time_value() -> S {
    prop_oneof![3 => time_lit(), 1 => datetime_lit().prop_map(|d| format!("time({d})"))].boxed()
}

fn char_value() -> S {
    prop_oneof![
        6 => char_lit(),
        1 => (pick(&["tolower", "toupper", "trim"]), char_lit())
            .prop_map(|(f, c)| format!("{f}({c})")),
        1 => (char_lit(), ws0(), char_lit()).prop_map(|(a, w, b)| call("concat", vec![a, b], w)),
        1 => (char_lit(), 0i64..5, prop::option::of(0i64..5)).prop_map(|(c, s, l)| match l {
            None => format!("substring({c}, {s})"),
            Some(l) => format!("substring({c}, {s}, {l})"),
        }),
        1 => small_int().prop_map(|i| format!("cast({i}, 'character')")),
        1 => char_lit().prop_map(|c| format!("tolower(trim(toupper({c})))")),
    ]
    .boxed()
}

fn pattern_value() -> S {
    prop_oneof![
        (pick(&["contains", "startswith", "endswith"]), char_lit())
            .prop_map(|(f, c)| format!("{f}({c})")),
        (
            pick(&["^a", "b+$", "[0-9]{3}", "a|b", "(ab)*", r"\d+", "^$", "é.☃"]),
            prop::option::of(pick(&["''", "'i'"])),
        )
            .prop_map(|(p, flags)| match flags {
                None => format!("regex('{p}')"),
                Some(f) => format!("regex('{p}', {f})"),
            }),
        (char_lit(), char_lit()).prop_map(|(a, b)| format!("range({a},{b})")),
    ]
    .boxed()
}

fn coord() -> S {
    (-89i32..=89, -180i32..=180, 0u32..100)
        .prop_map(|(lat, lon, f)| format!("{lat}.{f} {lon}"))
        .boxed()
}

fn shape_value() -> S {
    prop_oneof![
        prop::collection::vec(coord(), 3..6).prop_map(|c| format!("polygon('{}')", c.join(", "))),
        prop::collection::vec(coord(), 2..5)
            .prop_map(|c| format!("linestring('{}')", c.join(", "))),
        (coord(), coord()).prop_map(|(a, b)| format!("rectangle('{a}, {b}')")),
        (coord(), 1u32..500).prop_map(|(c, r)| format!("radius('{c}', {r})")),
        (coord(), 1u32..50).prop_map(|(c, r)| format!("radius('{c}', {r}.5)")),
        pick(&[
            "wkt('POINT(-93 45)')",
            "wkt('LINESTRING(-93 45, -94 46)')",
            "wkt('POLYGON((-93 45, -94 46, -95 45))')",
        ]),
    ]
    .boxed()
}

fn scalar_value() -> S {
    prop_oneof![
        int_value(),
        dec_value(),
        date_value(),
        datetime_value(),
        time_value(),
        char_value(),
        pick(&["true", "false", "NULL", "null", "Null"]),
        pattern_value(),
        shape_value(),
    ]
    .boxed()
}

fn list_of(item: S) -> S {
    (prop::collection::vec((item, ws0(), ws0()), 2..7))
        .prop_map(|items| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, (v, a, b))| if i == 0 { v } else { format!("{a},{b}{v}") })
                .collect::<String>()
        })
        .boxed()
}

fn range_of(a: S, b: S) -> S {
    (a, ws0(), ws0(), b)
        .prop_map(|(a, w1, w2, b)| format!("{a}{w1},{w2}{b}"))
        .boxed()
}

/// `Op value` parts for a field side of unknown type.
fn any_condition() -> S {
    let eq = || prop_oneof![kw("Eq"), kw("Ne")].boxed();
    let ord = || prop_oneof![kw("Gt"), kw("Ge"), kw("Lt"), kw("Le")].boxed();
    let temporal_items = prop_oneof![date_func(), datetime_func()].boxed();
    prop_oneof![
        4 => (eq(), ws1(), scalar_value()).prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        1 => (eq(), ws1(), list_of(char_value())).prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        1 => (eq(), ws1(), list_of(numeric_value())).prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        1 => (eq(), ws1(), list_of(temporal_items)).prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        2 => (ord(), ws1(), prop_oneof![numeric_value(), temporal_value(), time_value()])
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        1 => (kw("Bt"), ws1(), range_of(numeric_value(), numeric_value()))
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        1 => (kw("Bt"), ws1(), range_of(temporal_value(), temporal_value()))
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        1 => (kw("Bt"), ws1(), range_of(time_value(), time_value()))
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
    ]
    .boxed()
}

fn numeric_condition() -> S {
    prop_oneof![
        (
            prop_oneof![kw("Eq"), kw("Ne")],
            ws1(),
            prop_oneof![
                4 => numeric_value(),
                1 => list_of(numeric_value()),
                1 => pick(&["NULL"]),
            ]
        )
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        (
            prop_oneof![kw("Gt"), kw("Ge"), kw("Lt"), kw("Le")],
            ws1(),
            numeric_value()
        )
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        (kw("Bt"), ws1(), range_of(numeric_value(), numeric_value()))
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
    ]
    .boxed()
}

fn char_condition() -> S {
    (
        prop_oneof![kw("Eq"), kw("Ne")],
        ws1(),
        prop_oneof![
            3 => char_value(),
            1 => list_of(char_value()),
            1 => pattern_value(),
            1 => pick(&["null"]),
        ],
    )
        .prop_map(|(o, w, v)| format!("{o}{w}{v}"))
        .boxed()
}

fn date_condition() -> S {
    prop_oneof![
        (
            prop_oneof![kw("Eq"), kw("Gt"), kw("Le")],
            ws1(),
            temporal_value()
        )
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        (
            kw("Bt"),
            ws1(),
            range_of(temporal_value(), temporal_value())
        )
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
    ]
    .boxed()
}

fn time_condition() -> S {
    prop_oneof![
        (
            prop_oneof![kw("Ne"), kw("Ge"), kw("Lt")],
            ws1(),
            time_value()
        )
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
        (kw("Bt"), ws1(), range_of(time_value(), time_value()))
            .prop_map(|(o, w, v)| format!("{o}{w}{v}")),
    ]
    .boxed()
}

// ---- field side ---------------------------------------------------------------------------

/// Field sides whose type the parser cannot know: a field, arithmetic over fields and
/// numbers, negation, parentheses, `all()`.
fn untyped_lhs() -> S {
    let leaf = prop_oneof![
        6 => field(),
        1 => field().prop_map(|f| format!("all({f})")),
    ]
    .boxed();
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                ws1(),
                pick(&["Add", "Sub", "Mul", "Div", "Mod", "add", "MUL"]),
                ws1(),
                // Nonzero: `X Add 5 Div 0` folds `5 Div 0`.
                prop_oneof![
                    (1i64..1000).prop_map(|i| i.to_string()),
                    pick(&["-7", "0.5", "-2.25", "1.0E-2"]),
                    field()
                ]
            )
                .prop_map(|(a, w1, op, w2, b)| infix(a, w1, op, w2, b)),
            (small_int(), ws1(), kw("Mul"), ws1(), inner.clone())
                .prop_map(|(a, w1, op, w2, b)| infix(a.to_string(), w1, op, w2, b)),
            (ws0(), inner.clone(), ws0()).prop_map(|(a, e, b)| format!("({a}{e}{b})")),
            inner.clone().prop_map(|e| format!("-{e}")),
        ]
    })
    .boxed()
}

fn numeric_lhs() -> S {
    prop_oneof![
        (
            pick(&[
                "length",
                "round",
                "ceiling",
                "floor",
                "year",
                "month",
                "dayofweek",
                "fractionalseconds"
            ]),
            field()
        )
            .prop_map(|(f, x)| format!("{f}({x})")),
        (field(), char_lit()).prop_map(|(f, c)| format!("indexof({f}, {c})")),
        (field(), pick(&["'integer'", "'decimal'"])).prop_map(|(f, t)| format!("cast({f}, {t})")),
        (field(), ws1(), kw("Add"), ws1(), int_lit())
            .prop_map(|(f, w1, op, w2, b)| format!("length({f}){w1}{op}{w2}{b}")),
        field().prop_map(|f| format!("-round({f})")),
    ]
    .boxed()
}

fn char_lhs() -> S {
    prop_oneof![
        (pick(&["tolower", "toupper", "trim"]), field()).prop_map(|(f, x)| format!("{f}({x})")),
        (field(), char_lit()).prop_map(|(f, c)| format!("concat({f}, {c})")),
        (field(), 0i64..9, prop::option::of(0i64..9)).prop_map(|(f, s, l)| match l {
            None => format!("substring({f}, {s})"),
            Some(l) => format!("substring({f},{s},{l})"),
        }),
        field().prop_map(|f| format!("cast({f}, 'character')")),
        field().prop_map(|f| format!("tolower(trim({f}))")),
    ]
    .boxed()
}

fn comparison() -> S {
    let join = |(lhs, w, cond): (String, String, String)| format!("{lhs}{w}{cond}");
    prop_oneof![
        6 => (untyped_lhs(), ws1(), any_condition()).prop_map(join),
        2 => (numeric_lhs(), ws1(), numeric_condition()).prop_map(join),
        2 => (char_lhs(), ws1(), char_condition()).prop_map(join),
        1 => (field().prop_map(|f| format!("date({f})")), ws1(), date_condition()).prop_map(join),
        1 => (field().prop_map(|f| format!("time({f})")), ws1(), time_condition()).prop_map(join),
    ]
    .boxed()
}

// ---- conditions ---------------------------------------------------------------------------

/// Conjunctions of units joined by And, Or and binary Not, with an optional leading Not, and
/// groups nested at most two deep.
fn filter_text() -> S {
    comparison()
        .prop_recursive(2, 40, 5, |inner| {
            let unit = prop_oneof![
                3 => comparison(),
                1 => (ws0(), inner, ws0()).prop_map(|(a, e, b)| format!("({a}{e}{b})")),
            ]
            .boxed();
            let connector = prop_oneof![3 => kw("And"), 2 => kw("Or"), 1 => kw("Not")];
            (
                prop::option::of((kw("Not"), ws1())),
                unit.clone(),
                prop::collection::vec((ws1(), connector, ws1(), unit), 0..5),
            )
                .prop_map(|(not, first, rest)| {
                    let mut s = match not {
                        Some((n, w)) => format!("{n}{w}{first}"),
                        None => first,
                    };
                    for (w1, c, w2, u) in rest {
                        s.push_str(&format!("{w1}{c}{w2}{u}"));
                    }
                    s
                })
        })
        .boxed()
}

fn padded_filter() -> S {
    (ws0(), filter_text(), ws0())
        .prop_map(|(a, f, b)| format!("{a}{f}{b}"))
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn printing_round_trips(text in padded_filter()) {
        check(&text, &options())?;
    }

    #[test]
    fn comparisons_round_trip(text in comparison()) {
        check(&text, &options())?;
    }
}

#[test]
fn conformance_lines_round_trip() {
    let Some(lines) = support::conformance() else {
        return;
    };
    let options = support::parse_options();
    let mut checked = 0;
    for line in lines.iter().filter(|l| l.accept) {
        if let Err(e) = check(&line.filter, &options) {
            panic!("conformance line {}: {e}", line.line);
        }
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn fixtures_round_trip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let options = support::parse_options();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = check(&text, &options) {
            panic!("{}: {e}", path.display());
        }
    }
}

/// Every input the fuzzers ever found (fuzz/findings/) round-trips now.
#[test]
fn fuzz_findings_round_trip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/findings");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/findings") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("finding");
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let options = support::parse_options();
        if let Ok(tree) = spark_filter::parse_with(text, &options) {
            let printed = tree.to_string();
            let again = spark_filter::parse_with(&printed, &options)
                .unwrap_or_else(|e| panic!("{}: {printed:?} does not parse: {e}", path.display()));
            assert_eq!(tree, again, "{}", path.display());
            assert_eq!(
                printed,
                again.to_string(),
                "{}: printing is not a fixed point",
                path.display()
            );
        }
        seen += 1;
    }
    assert!(seen >= 2, "expected the committed findings");
}
