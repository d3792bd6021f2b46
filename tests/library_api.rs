//! The library's public surface as a server author meets it: no default caller, enums read
//! from strings, one options value for both steps, an error type that holds every error,
//! spans that take part in error equality (and not in tree equality), schemas that know their
//! fields however they were made, layouts that refuse plans of another schema, and quoted
//! identifiers that survive a quote inside them on both databases.

mod support;

use spark_filter::plan::{self, Caller, Role, Schema, UserLevel, builtin};
use spark_filter::sql::{self, Dialect, Layout, Paging, Postgres, Sqlite};
use spark_filter::{Clock, Error, ErrorKind, Errors, Limits, PlanOptions, UnknownFields, parse};

fn accounts() -> Schema {
    builtin::builtin("accounts").expect("accounts")
}

/// A schema with a datetime field, for the clock.
fn timed() -> Schema {
    Schema::from_json(r#"{"name":"timed","fields":[{"name":"T","type":"datetime"},{"name":"N","type":"integer"}]}"#)
        .expect("timed")
}

fn clock() -> Clock {
    support::clock()
}

// ---- the caller ------------------------------------------------------------------------------

#[test]
fn a_new_caller_has_only_what_it_is_given() {
    let c = Caller::new(Role::Public);
    assert_eq!(c.role, Role::Public);
    assert!(!c.privileged && !c.replication);
    assert_eq!(c.user_level, UserLevel::Member);
    assert_eq!(c.user_id, None);
    let agent = Caller {
        user_id: Some("20000426173054342350000000".into()),
        ..Caller::new(Role::Vow)
    };
    assert_eq!(agent.user_id.as_deref(), Some("20000426173054342350000000"));
}

#[test]
fn roles_and_user_levels_parse_in_any_case() {
    for (text, role) in [
        ("idx", Role::Idx),
        ("IDX", Role::Idx),
        ("Public", Role::Public),
        ("vow", Role::Vow),
        ("PORTAL", Role::Portal),
        ("private", Role::Private),
    ] {
        assert_eq!(text.parse::<Role>(), Ok(role), "{text}");
        // Display and FromStr agree.
        assert_eq!(role.to_string().parse::<Role>(), Ok(role));
    }
    for (text, level) in [
        ("member", UserLevel::Member),
        ("Office", UserLevel::Office),
        ("COMPANY", UserLevel::Company),
        ("mls", UserLevel::Mls),
        ("MLS", UserLevel::Mls),
    ] {
        assert_eq!(text.parse::<UserLevel>(), Ok(level), "{text}");
        assert_eq!(level.to_string().parse::<UserLevel>(), Ok(level));
    }
}

#[test]
fn an_unknown_role_or_level_says_what_to_send() {
    let e = "admin".parse::<Role>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown role \"admin\": expected one of idx, public, vow, portal, private"
    );
    assert_eq!(e.found, "admin");
    for bad in ["", " idx", "idx ", "privat", "\u{0130}dx"] {
        assert!(bad.parse::<Role>().is_err(), "{bad:?}");
    }
    let e = "broker".parse::<UserLevel>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown user level \"broker\": expected one of member, office, company, mls"
    );
}

#[test]
fn the_caller_decides_what_may_be_searched() {
    // The trap this replaces: a forgotten caller used to be Private. Now every caller is
    // explicit, and a narrow one is refused what a Private key may search.
    let schema = builtin::builtin("portal-groups").expect("portal-groups");
    let filter = "Name Eq 'x'";
    let private = plan::check(
        filter,
        &schema,
        &PlanOptions::new(Caller::new(Role::Private)),
    );
    let idx = plan::check(filter, &schema, &PlanOptions::new(Caller::new(Role::Idx)));
    assert!(private.is_ok(), "{private:?}");
    let errors = idx.unwrap_err();
    assert_eq!(errors.first().kind, ErrorKind::RoleForbidden);
}

// ---- one options value -----------------------------------------------------------------------

#[test]
fn check_takes_its_limits_and_clock_from_the_plan_options() {
    let options = PlanOptions {
        limits: Limits {
            max_expressions: 2,
            ..Limits::default()
        },
        clock: clock(),
        ..PlanOptions::new(Caller::new(Role::Private))
    };
    let e = plan::check("N Eq 1 And N Eq 2 And N Eq 3", &timed(), &options).unwrap_err();
    assert_eq!(e.first().kind, ErrorKind::LimitExceeded);
    assert_eq!(options.parse_options().limits.max_expressions, 2);
    assert_eq!(options.parse_options().clock, options.clock);

    // The fixed clock (2026-11-22 noon) reaches the value side: after yesterday's date is
    // from today's midnight.
    let plan = plan::check("T Gt days(-1)", &timed(), &options).unwrap();
    assert_eq!(plan.to_string(), "T Ge 2026-11-22T00:00:00Z");
}

#[test]
fn the_system_clock_is_read_once_per_check() {
    // Every relative date in one filter sees one instant.
    let options = PlanOptions::new(Caller::new(Role::Private));
    for _ in 0..20 {
        let plan = plan::check("T Ge now() And T Le now()", &timed(), &options).unwrap();
        let text = plan.to_string();
        let instants: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ')' || c == '(')
            .filter(|w| w.contains('T') && w.starts_with("20"))
            .collect();
        assert_eq!(instants.len(), 2, "{text}");
        assert_eq!(instants[0], instants[1], "{text}");
    }
}

#[test]
fn the_planner_folds_with_the_clock_the_tree_was_parsed_with() {
    // The field side's constant arguments are folded by the planner: against the tree's
    // clock (the 22nd), not a second one from the plan options (the 3rd).
    let parsed_at = clock();
    let other = Clock::Fixed("2026-11-03T12:00:00Z".parse().unwrap());
    let source = "UserType Eq 'Member' And substring(Name, day(now()), 2) Eq 'ab'";
    let parse_options = spark_filter::ParseOptions {
        clock: parsed_at,
        ..Default::default()
    };
    let tree = spark_filter::parse_with(source, &parse_options).unwrap();
    assert_eq!(tree.clock, parsed_at);
    let options = PlanOptions {
        clock: other,
        ..PlanOptions::new(Caller::new(Role::Private))
    };
    let plan = plan::plan(&tree, source, &accounts(), &options).unwrap();
    assert!(
        plan.to_string().contains("substring(Name, 22, 2)"),
        "{plan}"
    );

    // With the system clock, check reads it once for both sides.
    let schema = Schema::from_json(
        r#"{"name":"both","fields":[{"name":"S","type":"character"},{"name":"T","type":"datetime"}]}"#,
    )
    .unwrap();
    let options = PlanOptions::new(Caller::new(Role::Private));
    for _ in 0..20 {
        let filter = "substring(S, minute(now()), 2) Eq 'ab' And T Ge now()";
        let text = plan::check(filter, &schema, &options).unwrap().to_string();
        let field_side = text
            .split("substring(S, ")
            .nth(1)
            .and_then(|r| r.split(',').next());
        let value_side = text.split("T Ge ").nth(1).map(|t| &t[14..16]);
        let minute = field_side.map(|m| format!("{:02}", m.parse::<u32>().unwrap()));
        assert_eq!(minute.as_deref(), value_side, "{text}");
    }
}

#[test]
fn the_crate_root_offers_the_one_step_check() {
    let schema = accounts();
    let options = PlanOptions {
        unknown_fields: UnknownFields::Drop,
        ..PlanOptions::new(Caller::new(Role::Private))
    };
    let plan = spark_filter::check("UserType Eq 'Member' And Zzz Eq 1", &schema, &options).unwrap();
    assert_eq!(plan.dropped.len(), 1);
}

// ---- Errors ------------------------------------------------------------------------------------

fn two_errors() -> (String, Errors) {
    let filter = "UserType Eq 'Member' And Nmae Eq 'x' And Cty Eq 'y'".to_string();
    let errors = plan::check(
        &filter,
        &accounts(),
        &PlanOptions::new(Caller::new(Role::Private)),
    )
    .unwrap_err();
    (filter, errors)
}

#[test]
fn errors_hold_every_error_in_order() {
    let (_, errors) = two_errors();
    assert_eq!(errors.len(), 2);
    let spans: Vec<(usize, usize)> = errors.iter().map(|e| (e.span.start, e.span.end)).collect();
    assert_eq!(spans, [(25, 29), (41, 44)]);
    assert_eq!(errors.first(), &errors[0]);
    assert_eq!(errors.first().code(), 1040);
    let by_ref: Vec<&Error> = (&errors).into_iter().collect();
    assert_eq!(by_ref.len(), 2);
    let owned: Vec<Error> = errors.clone().into_iter().collect();
    assert_eq!(owned, errors.clone().into_vec());
    assert_eq!(Vec::from(errors.clone()), owned);
    assert_eq!(Errors::from_vec(Vec::new()), None);
    assert_eq!(Errors::from_vec(owned.clone()), Some(errors));
}

#[test]
fn errors_are_an_error_type() {
    let (_, errors) = two_errors();
    let text = errors.to_string();
    assert!(text.starts_with("2 errors:\n  1. "), "{text}");
    assert!(text.contains("Nmae") && text.contains("Cty"), "{text}");
    // `?` into Box<dyn Error>, and the first error as the source.
    fn boxed(e: Errors) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Err(e)?
    }
    let b = boxed(errors.clone()).unwrap_err();
    assert_eq!(b.to_string(), text);
    let source = std::error::Error::source(&errors).expect("a source");
    assert_eq!(source.to_string(), errors.first().to_string());
    // One error displays as that error.
    let one = Errors::from(errors.first().clone());
    assert_eq!(one.to_string(), errors.first().to_string());
}

#[test]
fn errors_serialize_as_the_list_of_errors() {
    let (_, errors) = two_errors();
    let json = serde_json::to_value(&errors).unwrap();
    let list = serde_json::to_value(errors.clone().into_vec()).unwrap();
    assert_eq!(json, list);
    assert_eq!(json[1]["start"], 41);
    assert_eq!(json[0]["kind"], "unknown_field");
}

#[test]
fn a_parse_error_is_one_error() {
    let errors = plan::check(
        "City Eq",
        &accounts(),
        &PlanOptions::new(Caller::new(Role::Private)),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.first().kind, ErrorKind::Syntax);
}

// ---- spans -------------------------------------------------------------------------------------

#[test]
fn errors_at_different_places_differ() {
    let (_, errors) = two_errors();
    let [a, b] = errors.as_slice() else {
        panic!("two errors")
    };
    let moved = Error::new(a.kind, b.span, a.message.clone());
    assert_ne!(*a, moved, "same kind and message, different span");
    assert_eq!(*a, a.clone());
    assert_ne!(
        spark_filter::syntax::Span::new(0, 1),
        spark_filter::syntax::Span::new(1, 2)
    );
}

#[test]
fn trees_and_plans_still_compare_without_spans() {
    let a = parse("City Eq 'Fargo' And (ListPrice Bt 1,2 Or Beds Eq 3 Add 1)").unwrap();
    let b = parse("City  Eq   'Fargo'  And ( ListPrice Bt 1 , 2  Or Beds Eq 3  Add  1 )").unwrap();
    assert_eq!(a, b);
    assert_ne!(a.expr.as_ref().unwrap().span, b.expr.as_ref().unwrap().span);
    let c = parse("City Eq 'Fargo' And (ListPrice Bt 1,2 Or Beds Eq 3 Add 2)").unwrap();
    assert_ne!(a, c);

    let schema = accounts();
    let options = PlanOptions::new(Caller::new(Role::Private));
    let p = plan::check("UserType Eq 'Member' And Office Eq 'x'", &schema, &options).unwrap();
    let q = plan::check(
        "UserType  Eq 'Member'  And  Office Eq 'x'",
        &schema,
        &options,
    )
    .unwrap();
    assert_eq!(p, q);
}

// ---- schemas -----------------------------------------------------------------------------------

#[test]
fn a_schema_deserialized_directly_knows_its_fields() {
    let text = builtin::source("accounts").expect("accounts source");
    let direct: Schema = serde_json::from_str(text).unwrap();
    let loaded = Schema::from_json(text).unwrap();
    for f in &loaded.fields {
        let (i, def) = direct
            .field_named(&f.name)
            .unwrap_or_else(|| panic!("{} unknown to the deserialized schema", f.name));
        assert_eq!(Some(i), loaded.field_named(&f.name).map(|(i, _)| i));
        assert_eq!(def.name, f.name);
    }
    // It plans like the loaded one.
    let options = PlanOptions::new(Caller::new(Role::Private));
    let filter = "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-5555'";
    assert_eq!(
        plan::check(filter, &direct, &options).unwrap(),
        plan::check(filter, &loaded, &options).unwrap()
    );
    // Through serde_json::Value too, and a round trip through to_json.
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let via_value: Schema = serde_json::from_value(value).unwrap();
    assert!(via_value.field_named("UserType").is_some());
    let again: Schema = serde_json::from_str(&loaded.to_json()).unwrap();
    assert!(again.field_named("\"Phones\".\"Number\"").is_some());
}

#[test]
fn deserializing_a_bad_schema_is_an_error() {
    let twice =
        r#"{"name":"t","fields":[{"name":"A","type":"integer"},{"name":"A","type":"integer"}]}"#;
    let e = serde_json::from_str::<Schema>(twice).unwrap_err();
    assert!(e.to_string().contains("defined twice"), "{e}");
    let bad_name = r#"{"name":"t","fields":[{"name":"lower case","type":"integer"}]}"#;
    assert!(serde_json::from_str::<Schema>(bad_name).is_err());
    let unknown_key = r#"{"name":"t","fields":[],"extra":1}"#;
    assert!(serde_json::from_str::<Schema>(unknown_key).is_err());
    // from_json keeps its error variants.
    assert!(matches!(
        Schema::from_json(twice),
        Err(plan::SchemaError::Invalid(_))
    ));
    assert!(matches!(
        Schema::from_json("{"),
        Err(plan::SchemaError::Json(_))
    ));
}

// ---- layouts -----------------------------------------------------------------------------------

#[test]
fn a_layout_refuses_plans_of_another_schema() {
    let accounts = accounts();
    let legacy = builtin::builtin("accounts-legacy").unwrap();
    let options = PlanOptions::new(Caller::new(Role::Idx));
    let plan = plan::check(
        "UserType Eq 'Member' And Office Eq 'Fargo'",
        &legacy,
        &options,
    )
    .unwrap();
    for dialect in [&Postgres as &dyn Dialect, &Sqlite] {
        let e =
            sql::compile(&plan, &Layout::of(&accounts), dialect, Paging::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::SchemaMismatch);
        assert_eq!(e.code(), 500);
        assert!(e.message.contains("accounts-legacy"), "{}", e.message);
        assert!(sql::compile(&plan, &Layout::of(&legacy), dialect, Paging::default()).is_ok());
    }
}

#[test]
fn a_layout_refuses_a_same_named_schema_with_other_fields() {
    let a = Schema::from_json(
        r#"{"name":"t","fields":[{"name":"A","type":"integer"},{"name":"B","type":"character"}]}"#,
    )
    .unwrap();
    let swapped = Schema::from_json(
        r#"{"name":"t","fields":[{"name":"B","type":"character"},{"name":"A","type":"integer"}]}"#,
    )
    .unwrap();
    let retyped = Schema::from_json(
        r#"{"name":"t","fields":[{"name":"A","type":"decimal"},{"name":"B","type":"character"}]}"#,
    )
    .unwrap();
    let cased = Schema::from_json(
        r#"{"name":"t","fields":[{"name":"A","type":"integer"},{"name":"B","type":"character","case_sensitive":true}]}"#,
    )
    .unwrap();
    let short =
        Schema::from_json(r#"{"name":"t","fields":[{"name":"A","type":"integer"}]}"#).unwrap();
    let options = PlanOptions::new(Caller::new(Role::Private));
    let plan = plan::check("A Eq 1 And B Eq 'x'", &a, &options).unwrap();
    assert!(sql::compile(&plan, &Layout::of(&a), &Postgres, Paging::default()).is_ok());
    for other in [&swapped, &retyped, &cased, &short] {
        let e = sql::compile(&plan, &Layout::of(other), &Postgres, Paging::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::SchemaMismatch, "{}", e.message);
    }
}

// ---- identifier quoting ------------------------------------------------------------------------

#[test]
fn quoting_doubles_embedded_quotes() {
    for d in [&Postgres as &dyn Dialect, &Sqlite] {
        assert_eq!(d.quote("plain"), "\"plain\"");
        assert_eq!(d.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(d.quote("\""), "\"\"\"\"");
        assert_eq!(
            d.quote("x\"; DROP TABLE t; --"),
            "\"x\"\"; DROP TABLE t; --\""
        );
        assert_eq!(d.quote(""), "\"\"");
    }
}

const NASTY: [&str; 5] = [
    "a\"b",
    "\"",
    "x\"; DROP TABLE t; --",
    "end\"",
    "Caf\u{e9} \"quoted\" name",
];

#[test]
fn quoted_identifiers_round_trip_on_sqlite() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for name in NASTY {
        let table = Sqlite.quote(name);
        conn.execute_batch(&format!(
            "CREATE TABLE {table} ({c} INTEGER); INSERT INTO {table} VALUES (7);",
            c = Sqlite.quote(name)
        ))
        .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let mut stmt = conn
            .prepare(&format!("SELECT {} FROM {table}", Sqlite.quote(name)))
            .unwrap();
        assert_eq!(stmt.column_name(0).unwrap(), name);
        let v: i64 = stmt.query_row([], |r| r.get(0)).unwrap();
        assert_eq!(v, 7);
    }
}

#[test]
fn quoted_identifiers_round_trip_on_postgres() {
    let Some(mut pg) = support::pg_schema("quoted_identifiers_round_trip_on_postgres", "quote")
    else {
        return;
    };
    for name in NASTY {
        let table = Postgres.quote(name);
        pg.client
            .batch_execute(&format!(
                "CREATE TABLE {table} ({c} bigint); INSERT INTO {table} VALUES (7);",
                c = Postgres.quote(name)
            ))
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let rows = pg
            .client
            .query(
                &format!("SELECT {} FROM {table}", Postgres.quote(name)),
                &[],
            )
            .unwrap();
        assert_eq!(rows[0].columns()[0].name(), name);
        assert_eq!(rows[0].get::<_, i64>(0), 7);
    }
}
