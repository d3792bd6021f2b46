//! Table-driven tests of the planner (`plan::check`, `plan::order_by`) on the four built-in
//! schemas and on custom schemas, with `#[track_caller]` helpers so that a failing row points
//! at its own line.
//!
//! Every rule of the seeds has a test here: a filter the seeds call valid plans, and each
//! restriction fails with its own error kind, the Spark code, and a span on the offending
//! condition. Tests marked `#[ignore = "planner bug: …"]` assert the behaviour SPEC and the
//! seeds call for where the planner does something else today.
//!
//! Spans are byte offsets. Many filters start with `UserType Eq 'Member' And ` (25 bytes), the
//! conjunct the accounts service requires, so the condition under test starts at byte 25.

mod support;

use std::path::PathBuf;

use spark_filter::plan::{
    self, Caller, CmpOp, Node, Operand, Plan, PlanOptions, Predicate, Role, Scalar, UnknownFields,
    UserLevel, builtin,
};
use spark_filter::{Error, ErrorKind};

// ---- options ------------------------------------------------------------------------------

/// The prefix that satisfies the accounts service's required `UserType` (25 bytes).
const M: &str = "UserType Eq 'Member' And ";

fn with_caller(caller: Caller) -> PlanOptions {
    PlanOptions {
        clock: support::clock(),
        ..PlanOptions::new(caller)
    }
}

fn role(role: Role) -> PlanOptions {
    with_caller(Caller::new(role))
}

/// The default caller: a Private key, not privileged, member level.
fn private() -> PlanOptions {
    with_caller(Caller::new(Role::Private))
}

fn idx() -> PlanOptions {
    role(Role::Idx)
}

fn privileged() -> PlanOptions {
    with_caller(Caller {
        privileged: true,
        ..Caller::new(Role::Private)
    })
}

fn replication() -> PlanOptions {
    with_caller(Caller {
        replication: true,
        ..Caller::new(Role::Private)
    })
}

fn level(user_level: UserLevel) -> PlanOptions {
    with_caller(Caller {
        user_level,
        ..Caller::new(Role::Private)
    })
}

fn mls() -> PlanOptions {
    level(UserLevel::Mls)
}

/// The same caller with the `drop` unknown-field policy.
fn dropping(mut options: PlanOptions) -> PlanOptions {
    options.unknown_fields = UnknownFields::Drop;
    options
}

// ---- helpers ------------------------------------------------------------------------------

fn schema(name: &str) -> plan::Schema {
    builtin::builtin(name).unwrap_or_else(|| panic!("no built-in schema {name}"))
}

fn check(name: &str, options: &PlanOptions, filter: &str) -> Result<Plan, Vec<Error>> {
    plan::check(filter, &schema(name), options).map_err(Vec::from)
}

fn rendered(errors: &[Error], filter: &str) -> String {
    errors
        .iter()
        .map(|e| e.render(filter))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Plans `filter` and returns the plan; panics with the rendered errors.
#[track_caller]
fn planned(name: &str, options: &PlanOptions, filter: &str) -> Plan {
    match check(name, options, filter) {
        Ok(p) => p,
        Err(es) => panic!(
            "expected {filter:?} to plan against {name}, got:\n{}",
            rendered(&es, filter)
        ),
    }
}

/// Plans `filter` and returns the plan's Display text.
#[track_caller]
fn plans(name: &str, options: &PlanOptions, filter: &str) -> String {
    planned(name, options, filter).to_string()
}

/// Expects exactly one error, of this kind, with this span and the kind's Spark code.
#[track_caller]
fn fails(
    name: &str,
    options: &PlanOptions,
    filter: &str,
    kind: ErrorKind,
    span: (usize, usize),
) -> Error {
    let errors = match check(name, options, filter) {
        Ok(p) => panic!("expected {filter:?} to fail against {name} with {kind}, it planned: {p}"),
        Err(es) => es,
    };
    assert_eq!(
        errors.len(),
        1,
        "expected one error for {filter:?}, got:\n{}",
        rendered(&errors, filter)
    );
    let e = errors.into_iter().next().unwrap();
    assert_eq!(
        (e.kind, (e.span.start, e.span.end)),
        (kind, span),
        "wrong error for {filter:?} (expected span text {:?}):\n{}",
        filter.get(span.0..span.1),
        e.render(filter)
    );
    let code = if kind == ErrorKind::LimitExceeded {
        1041
    } else {
        1040
    };
    assert_eq!(e.code(), code, "code of {kind}");
    assert!(!e.message.is_empty());
    e
}

/// Expects these errors, in this order: (kind, span).
#[track_caller]
fn fails_all(
    name: &str,
    options: &PlanOptions,
    filter: &str,
    expected: &[(ErrorKind, (usize, usize))],
) {
    let errors = match check(name, options, filter) {
        Ok(p) => panic!("expected {filter:?} to fail against {name}, it planned: {p}"),
        Err(es) => es,
    };
    let got: Vec<(ErrorKind, (usize, usize))> = errors
        .iter()
        .map(|e| (e.kind, (e.span.start, e.span.end)))
        .collect();
    assert_eq!(
        got,
        expected,
        "wrong errors for {filter:?}:\n{}",
        rendered(&errors, filter)
    );
    for e in &errors {
        assert_eq!(e.code(), e.kind.code());
    }
}

/// The span of the only occurrence of `needle` in `haystack`.
#[track_caller]
fn at(haystack: &str, needle: &str) -> (usize, usize) {
    let start = haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {haystack:?}"));
    assert!(
        haystack[start + 1..].find(needle).is_none(),
        "{needle:?} occurs twice in {haystack:?}"
    );
    (start, start + needle.len())
}

fn whole(filter: &str) -> (usize, usize) {
    (0, filter.len())
}

/// A schema JSON written to a fresh temporary file, loaded through `builtin::resolve`.
struct TempSchema(PathBuf);

impl TempSchema {
    fn new(tag: &str, json: &str) -> TempSchema {
        let path = std::env::temp_dir().join(format!(
            "spark-filter-plan-table-{}-{tag}.json",
            std::process::id()
        ));
        std::fs::write(&path, json).unwrap();
        TempSchema(path)
    }

    fn load(&self) -> plan::Schema {
        builtin::resolve(self.0.to_str().unwrap())
            .unwrap_or_else(|e| panic!("{} does not load: {e}", self.0.display()))
    }
}

impl Drop for TempSchema {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A custom schema with a field of every type, for the type rules the built-ins cannot show
/// (none of their date or datetime fields is searchable).
const TYPES_JSON: &str = r#"{"name":"types","fields":[
  {"name":"T","type":"boolean"},
  {"name":"D","type":"date"},
  {"name":"DT","type":"datetime"},
  {"name":"Tm","type":"time"},
  {"name":"I","type":"integer"},
  {"name":"Dec","type":"decimal"},
  {"name":"C","type":"character"},
  {"name":"CS","type":"character","case_sensitive":true},
  {"name":"L","type":"character_list","path":"L[]"}
]}"#;

#[track_caller]
fn plans_in(schema: &plan::Schema, options: &PlanOptions, filter: &str) -> String {
    match plan::check(filter, schema, options).map_err(Vec::from) {
        Ok(p) => p.to_string(),
        Err(es) => panic!(
            "expected {filter:?} to plan, got:\n{}",
            rendered(&es, filter)
        ),
    }
}

#[track_caller]
fn fails_in(
    schema: &plan::Schema,
    options: &PlanOptions,
    filter: &str,
    kind: ErrorKind,
    span: (usize, usize),
) -> Error {
    let errors = match plan::check(filter, schema, options).map_err(Vec::from) {
        Ok(p) => panic!("expected {filter:?} to fail with {kind}, it planned: {p}"),
        Err(es) => es,
    };
    assert_eq!(errors.len(), 1, "{}", rendered(&errors, filter));
    let e = errors.into_iter().next().unwrap();
    assert_eq!(
        (e.kind, (e.span.start, e.span.end)),
        (kind, span),
        "wrong error for {filter:?}:\n{}",
        e.render(filter)
    );
    assert_eq!(e.code(), kind.code());
    e
}

/// The first (explicit) test of a plan whose root is a test or an And of tests.
fn first_test(plan: &Plan) -> &plan::Test {
    match &plan.root {
        Node::Test(t) => t,
        Node::And { children } => match &children[0] {
            Node::Test(t) => t,
            other => panic!("first child is not a test: {other}"),
        },
        other => panic!("root is not a test: {other}"),
    }
}

// ---- the built-in schemas plan what the seeds call valid -----------------------------------

#[test]
fn seed_examples_plan() {
    let p = privileged();
    let cases: &[(&str, &PlanOptions, &str, &str)] = &[
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And Name Eq 'thomas*'",
            "UserType Matches \"member\" And Name HasWordMatching startswith \"thomas\" And Visible Eq true [implicit]",
        ),
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And (FirstName Eq 'thomas*' Or MiddleName Eq 'thomas*' Or LastName Eq 'thomas*')",
            "UserType Matches \"member\" And (FirstName Matches startswith \"thomas\" Or MiddleName Matches startswith \"thomas\" Or LastName Matches startswith \"thomas\") And Visible Eq true [implicit]",
        ),
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And Name Eq 'john*','tim*'",
            "UserType Matches \"member\" And Name HasWordMatching (startswith \"john\", startswith \"tim\") And Visible Eq true [implicit]",
        ),
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-5555'",
            "UserType Matches \"member\" And \"Phones\".\"Number\" HasPhone 555-5555 And Visible Eq true [implicit]",
        ),
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Eq 'Fargo'",
            "UserType Matches \"member\" And \"PrimaryAddress\".\"City\" Matches \"fargo\" And Visible Eq true [implicit]",
        ),
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And \"Team\".\"Owner\" Eq false",
            "UserType Matches \"member\" And \"Team\".\"Owner\" Eq false And Visible Eq true [implicit]",
        ),
        (
            "accounts",
            &p,
            "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
            "UserType Matches \"member\" And (Visible Eq true Or Visible Eq false)",
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Office' And Name Eq 'Sample Office Inc' And Office Eq 'Sample*' And Email Eq 'work@test.com' And PostalCode Eq '12345'",
            "UserType Matches \"office\" And Name Matches \"sample office inc\" And Office Matches startswith \"sample\" And Email Matches \"work@test.com\" And PostalCode Matches \"12345\"",
        ),
        (
            "portal-groups",
            &role(Role::Vow),
            "Name Eq 'Carl Contact'",
            "Name Matches \"carl contact\"",
        ),
        ("portal-accounts", &private(), "", "(all records)"),
    ];
    for (name, options, filter, expected) in cases {
        assert_eq!(&plans(name, options, filter), expected, "{name}: {filter}");
    }
}

/// Every searchable field of every built-in schema takes `Eq NULL` when the caller may search
/// it (MLS level and a Privileged key open every field of the built-ins).
#[test]
fn every_searchable_field_plans() {
    let opener = |name: &str| {
        let mut o = with_caller(Caller {
            role: match name {
                "accounts-legacy" => Role::Idx,
                _ => Role::Private,
            },
            privileged: true,
            replication: false,
            user_level: UserLevel::Mls,
            user_id: None,
        });
        o.clock = support::clock();
        o
    };
    let mut seen = 0;
    for name in builtin::NAMES {
        let s = schema(name);
        let prefix = if s.fields.iter().any(|f| f.required) {
            M
        } else {
            ""
        };
        for f in s.fields.iter().filter(|f| f.searchable) {
            let filter = format!("{prefix}{} Eq NULL", f.name);
            if f.values.is_some() {
                // NULL is not one of a listed field's values.
                fails(
                    name,
                    &opener(name),
                    &filter,
                    ErrorKind::InvalidValue,
                    (filter.len() - 4, filter.len()),
                );
                seen += 1;
                continue;
            }
            let text = plans(name, &opener(name), &filter);
            assert!(
                text.contains(&format!("{} Is Null", f.name)),
                "{name}: {filter} planned as {text}"
            );
            seen += 1;
        }
    }
    // accounts 26, accounts-legacy 5, portal-groups 1, portal-accounts 0.
    assert_eq!(seen, 32);
}

#[test]
fn empty_filters() {
    assert_eq!(plans("portal-groups", &private(), ""), "(all records)");
    assert_eq!(plans("portal-groups", &private(), "   "), "(all records)");
    assert_eq!(plans("portal-accounts", &idx(), ""), "(all records)");
    // The accounts services require UserType even in an empty filter.
    fails(
        "accounts",
        &private(),
        "",
        ErrorKind::RequiredFieldMissing,
        (0, 0),
    );
    fails(
        "accounts-legacy",
        &idx(),
        "",
        ErrorKind::RequiredFieldMissing,
        (0, 0),
    );
}

// ---- unknown_field --------------------------------------------------------------------------

#[test]
fn unknown_fields_fail_with_suggestions() {
    let rows: &[(&str, &PlanOptions, &str, &str, Option<&str>)] = &[
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Lastname Eq 'x'",
            "Lastname",
            Some("LastName"),
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And FristName Eq 'x'",
            "FristName",
            Some("FirstName"),
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Offce Eq 'x'",
            "Offce",
            Some("Office"),
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Tag Eq 'x'",
            "Tag",
            Some("Tags"),
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Brokerload Eq 'x'",
            "Brokerload",
            None,
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And \"Phone\".\"Number\" Eq '555-5555'",
            "\"Phone\".\"Number\"",
            Some("\"Phones\".\"Number\""),
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And \"Foo\".\"Bar\" Eq 1",
            "\"Foo\".\"Bar\"",
            None,
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And Nmae Eq 'x'",
            "Nmae",
            Some("Name"),
        ),
        // Visible is a field of the current accounts page only.
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And Visible Eq true",
            "Visible",
            None,
        ),
        (
            "portal-groups",
            &private(),
            "Nmae Eq 'x'",
            "Nmae",
            Some("Name"),
        ),
        (
            "portal-groups",
            &private(),
            "GroupName Eq 'x'",
            "GroupName",
            None,
        ),
        ("portal-accounts", &private(), "Foo Eq 1", "Foo", None),
    ];
    for (name, options, filter, field, hint) in rows {
        let e = fails(
            name,
            options,
            filter,
            ErrorKind::UnknownField,
            at(filter, field),
        );
        assert!(e.message.contains(field), "{filter}: {}", e.message);
        match hint {
            Some(h) => assert!(
                e.message.contains(&format!("did you mean {h}?")),
                "{filter}: {}",
                e.message
            ),
            None => assert!(
                !e.message.contains("did you mean"),
                "{filter}: {}",
                e.message
            ),
        }
    }
}

#[test]
fn unknown_fields_inside_functions_and_arithmetic() {
    fails(
        "accounts",
        &private(),
        "UserType Eq 'Member' And tolower(Lastname) Eq 'x'",
        ErrorKind::UnknownField,
        (33, 41),
    );
    let s = TempSchema::new("arith", TYPES_JSON).load();
    fails_in(
        &s,
        &private(),
        "I Add Foo Gt 1",
        ErrorKind::UnknownField,
        (6, 9),
    );
}

#[test]
fn field_names_are_case_sensitive() {
    let e = fails(
        "accounts",
        &private(),
        "UserType Eq 'Member' And LASTNAME Eq 'x'",
        ErrorKind::UnknownField,
        (25, 33),
    );
    assert!(
        e.message.contains("did you mean LastName?"),
        "{}",
        e.message
    );
}

// ---- not_searchable -------------------------------------------------------------------------

#[test]
fn non_searchable_fields_fail_on_the_field() {
    let rows: &[(&str, &PlanOptions, &str, &str)] = &[
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Mls Eq 'Your Local MLS'",
            "Mls",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And LoginName Eq 'x'",
            "LoginName",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Id Eq '20000426143505724621000000'",
            "Id",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And MarketingName Eq 'x'",
            "MarketingName",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And LicenseNumber Eq 'x'",
            "LicenseNumber",
        ),
        (
            "accounts",
            &privileged(),
            "UserType Eq 'Member' And FbsIdxCustomer Eq true",
            "FbsIdxCustomer",
        ),
        (
            "accounts",
            &mls(),
            "UserType Eq 'Member' And MlsSystemAccess Eq true",
            "MlsSystemAccess",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And GetEmailUpdates Eq true",
            "GetEmailUpdates",
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And OfficeId Eq 'x'",
            "OfficeId",
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And Company Eq 'x'",
            "Company",
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And MlsId Eq 'x'",
            "MlsId",
        ),
        ("portal-groups", &private(), "Tags Eq 'Favorites'", "Tags"),
        (
            "portal-groups",
            &private(),
            "ContactId Eq '20120112234853732441000000'",
            "ContactId",
        ),
        (
            "portal-groups",
            &role(Role::Portal),
            "Active Eq true",
            "Active",
        ),
        (
            "portal-groups",
            &role(Role::Vow),
            "LastLogin Gt days(-30)",
            "LastLogin",
        ),
        ("portal-accounts", &private(), "Enabled Eq true", "Enabled"),
        (
            "portal-accounts",
            &private(),
            "LastActive Gt days(-30)",
            "LastActive",
        ),
    ];
    for (name, options, filter, field) in rows {
        let e = fails(
            name,
            options,
            filter,
            ErrorKind::NotSearchable,
            at(filter, field),
        );
        assert!(e.message.contains(field), "{}", e.message);
        assert!(e.message.contains(name), "names the service: {}", e.message);
    }
}

/// Every field a built-in marks not searchable fails with `not_searchable`, whatever the
/// caller, with the span on the field.
#[test]
fn every_non_searchable_field_of_every_builtin_fails() {
    let mut seen = 0;
    for name in builtin::NAMES {
        let s = schema(name);
        let options = if *name == "accounts-legacy" {
            idx()
        } else {
            with_caller(Caller {
                privileged: true,
                user_level: UserLevel::Mls,
                ..Caller::new(Role::Private)
            })
        };
        let prefix = if s.fields.iter().any(|f| f.required) {
            M
        } else {
            ""
        };
        for f in s.fields.iter().filter(|f| !f.searchable) {
            let filter = format!("{prefix}{} Eq NULL", f.name);
            let start = prefix.len();
            fails(
                name,
                &options,
                &filter,
                ErrorKind::NotSearchable,
                (start, start + f.name.len()),
            );
            // The drop policy is about unknown fields: known ones still fail.
            fails(
                name,
                &dropping(options.clone()),
                &filter,
                ErrorKind::NotSearchable,
                (start, start + f.name.len()),
            );
            seen += 1;
        }
    }
    // accounts 19, accounts-legacy 7, portal-groups 8, portal-accounts 6.
    assert_eq!(seen, 40);
}

#[test]
fn every_portal_accounts_field_is_not_searchable() {
    for field in [
        "ResourceUri",
        "Id",
        "OwnerId",
        "LastActive",
        "LastLogin",
        "Enabled",
    ] {
        let filter = format!("{field} Eq NULL");
        fails(
            "portal-accounts",
            &private(),
            &filter,
            ErrorKind::NotSearchable,
            (0, field.len()),
        );
    }
}

// ---- operator_not_allowed -------------------------------------------------------------------

/// "Eq only" fields (seed 002) refuse Ne, Gt, Bt…; the span is the whole condition.
#[test]
fn eq_only_fields_refuse_other_operators() {
    let options = privileged();
    let fields = [
        "Office",
        "OfficeId",
        "Company",
        "CompanyId",
        "Name",
        "Tags",
        "LanguagesSpoken",
        "Associations",
        "Designations",
    ];
    for field in fields {
        for rhs in ["Ne 'x'", "Ne 'x','y'", "Gt 5", "Le 5", "Bt 1,5"] {
            let condition = format!("{field} {rhs}");
            let filter = format!("{M}{condition}");
            let e = fails(
                "accounts",
                &options,
                &filter,
                ErrorKind::OperatorNotAllowed,
                (25, filter.len()),
            );
            assert!(
                e.message.contains(&format!("{field} takes only Eq")),
                "{filter}: {}",
                e.message
            );
        }
        // Eq, with one value or a list, is fine.
        plans("accounts", &options, &format!("{M}{field} Eq 'x'"));
        plans("accounts", &options, &format!("{M}{field} Eq 'x','y'"));
    }
}

/// Every field a built-in restricts to some operators is checked against that list.
#[test]
fn every_operator_restricted_builtin_field_refuses_ne() {
    let mut seen = Vec::new();
    for name in builtin::NAMES {
        let s = schema(name);
        for f in s.fields.iter().filter(|f| f.searchable) {
            let Some(ops) = &f.operators else { continue };
            if ops.iter().any(|o| o.as_str() == "Ne") {
                continue;
            }
            let filter = format!("{M}{} Ne 'x'", f.name);
            fails(
                name,
                &privileged(),
                &filter,
                ErrorKind::OperatorNotAllowed,
                (25, filter.len()),
            );
            seen.push(f.name.clone());
        }
    }
    assert_eq!(
        seen,
        [
            "Office",
            "OfficeId",
            "Company",
            "CompanyId",
            "Name",
            "Associations",
            "LanguagesSpoken",
            "Tags",
            "Designations"
        ]
    );
}

#[test]
fn eq_only_applies_through_functions() {
    let filter = "UserType Eq 'Member' And tolower(Office) Ne 'x'";
    fails(
        "accounts",
        &private(),
        filter,
        ErrorKind::OperatorNotAllowed,
        (25, filter.len()),
    );
}

/// Character and boolean fields take only Eq and Ne (SPEC 3).
#[test]
fn ordering_operators_on_unordered_types() {
    let options = privileged();
    // A field side that is not ordered: the planner refuses, on the whole condition.
    for (filter, what) in [
        (
            "UserType Eq 'Member' And LastName Gt 5",
            "LastName is character",
        ),
        (
            "UserType Eq 'Member' And LastName Bt 1,5",
            "LastName is character",
        ),
        (
            "UserType Eq 'Member' And \"Team\".\"Owner\" Gt 1",
            "\"Team\".\"Owner\" is boolean",
        ),
        (
            "UserType Eq 'Member' And Visible Le 1",
            "Visible is boolean",
        ),
    ] {
        let e = fails(
            "accounts",
            &options,
            filter,
            ErrorKind::OperatorNotAllowed,
            (25, filter.len()),
        );
        assert!(e.message.contains(what), "{filter}: {}", e.message);
    }
    // A character or boolean value with Gt: refused by the parser, on the operator.
    for (filter, op) in [
        ("UserType Eq 'Member' And ShortId Gt 'a'", "Gt"),
        ("UserType Eq 'Member' And \"Team\".\"Owner\" Ge true", "Ge"),
        (
            "UserType Eq 'Member' And \"Phones\".\"Number\" Gt '555-5555'",
            "Gt",
        ),
    ] {
        fails(
            "accounts",
            &options,
            filter,
            ErrorKind::OperatorNotAllowed,
            at(filter, &format!(" {op} ")).to_inner(),
        );
    }
    fails(
        "portal-groups",
        &private(),
        "Name Lt 5",
        ErrorKind::OperatorNotAllowed,
        (0, 9),
    );
    fails(
        "accounts-legacy",
        &idx(),
        "UserType Eq 'Member' And Email Ge 5",
        ErrorKind::OperatorNotAllowed,
        (25, 35),
    );
}

trait Inner {
    /// The span without its first and last byte (`" Gt "` → `"Gt"`).
    fn to_inner(self) -> (usize, usize);
}

impl Inner for (usize, usize) {
    fn to_inner(self) -> (usize, usize) {
        (self.0 + 1, self.1 - 1)
    }
}

// ---- type_mismatch --------------------------------------------------------------------------

#[test]
fn type_mismatches_point_at_the_value() {
    let rows: &[(&str, &PlanOptions, &str, &str, &str)] = &[
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And LastName Eq 5",
            "5",
            "LastName is character, but 5 is integer",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And LastName Eq true",
            "true",
            "LastName is character, but true is boolean",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And LastName Eq 1.5",
            "1.5",
            "LastName is character",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And \"Team\".\"Owner\" Eq 'x'",
            "'x'",
            "\"Team\".\"Owner\" is boolean, but 'x' is character",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And \"Team\".\"Owner\" Eq 1",
            "1",
            "is boolean",
        ),
        (
            "accounts",
            &privileged(),
            "UserType Eq 'Member' And Visible Eq 'true'",
            "'true'",
            "Visible is a boolean: write true without quotes",
        ),
        (
            "accounts",
            &mls(),
            "UserType Eq 'Member' And NrdsId Eq 'x'",
            "'x'",
            "NrdsId is integer, but 'x' is character",
        ),
        (
            "accounts",
            &mls(),
            "UserType Eq 'Member' And NrdsId Eq true",
            "true",
            "NrdsId is integer",
        ),
        (
            "accounts",
            &mls(),
            "UserType Eq 'Member' And Active Eq 'yes'",
            "'yes'",
            "Active is boolean",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And Tags Eq 5",
            "5",
            "Tags is character",
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And UserLevel Eq 2026-11-22",
            "2026-11-22",
            "UserLevel is character, but 2026-11-22 is date",
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And PostalCode Eq 58102",
            "58102",
            "PostalCode is character, but 58102 is integer",
        ),
        (
            "portal-groups",
            &private(),
            "Name Eq true",
            "true",
            "Name is character, but true is boolean",
        ),
        (
            "portal-groups",
            &private(),
            "Name Eq 10:30",
            "10:30",
            "Name is character, but 10:30 is time",
        ),
    ];
    for (name, options, filter, value, message) in rows {
        let span = (
            filter.rfind(value).unwrap(),
            filter.rfind(value).unwrap() + value.len(),
        );
        let e = fails(name, options, filter, ErrorKind::TypeMismatch, span);
        assert!(e.message.contains(message), "{filter}: {}", e.message);
    }
}

#[test]
fn type_mismatches_of_functions_and_multi_valued_fields() {
    let p = private();
    // all() takes a multi-valued field.
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And all(LastName) Eq 'a'",
        ErrorKind::TypeMismatch,
        (29, 37),
    );
    // all() compares with plain values.
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And all(Tags) Eq 'a*'",
        ErrorKind::TypeMismatch,
        (38, 42),
    );
    // A multi-valued field inside a function.
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And length(Tags) Gt 1",
        ErrorKind::TypeMismatch,
        (32, 36),
    );
    // A numeric function of a character field.
    let s = TempSchema::new("fn", TYPES_JSON).load();
    fails_in(&s, &p, "year(C) Eq 2024", ErrorKind::TypeMismatch, (5, 6));
    fails_in(&s, &p, "C Add 1 Gt 2", ErrorKind::TypeMismatch, (0, 1));
    fails_in(&s, &p, "-T Eq 1", ErrorKind::TypeMismatch, (1, 2));
    // The parser lets a negated field-side result through, as the reference does.
    fails_in(
        &s,
        &p,
        "-tolower(C) Eq 'x'",
        ErrorKind::TypeMismatch,
        (1, 11),
    );
}

/// A field-side function's result compared with a value of another type: the parser
/// accepts it, as the reference does (SPEC 3), and the planner, which knows the field's type
/// and the function's result type, rejects it with the caret on the value, so nothing
/// meaningless reaches SQL or the evaluator.
#[test]
fn field_side_results_are_checked_by_the_planner() {
    let s = TempSchema::new("results", TYPES_JSON).load();
    let p = private();
    for (filter, value, message) in [
        (
            "length(C) Eq 'a'",
            "'a'",
            "the result of length() is integer",
        ),
        ("length(C) Ne ''", "''", "the result of length() is integer"),
        (
            "tolower(C) Eq 5",
            "5",
            "the result of tolower() is character",
        ),
        (
            "tolower(C) Eq 1,2",
            "1",
            "the result of tolower() is character",
        ),
        (
            "substring(C, 1, 2) Ne -15.42",
            "-15.42",
            "the result of substring() is character",
        ),
        (
            "month(D) Le 2013-07-26",
            "2013-07-26",
            "the result of month() is integer",
        ),
        (
            "year(DT) Eq 2013-01-01",
            "2013-01-01",
            "the result of year() is integer",
        ),
        (
            "time(DT) Eq 2013-01-01",
            "2013-01-01",
            "the result of time() is time",
        ),
        (
            "cast(I, 'integer') Eq 'x'",
            "'x'",
            "the result of cast() is integer",
        ),
        (
            "cast(C, 'decimal') Eq true",
            "true",
            "the result of cast() is decimal",
        ),
    ] {
        let e = fails_in(&s, &p, filter, ErrorKind::TypeMismatch, at(filter, value));
        assert!(e.message.contains(message), "{filter}: {}", e.message);
    }
    // Ordering operators and ranges on a character result: the result's type decides.
    fails_in(
        &s,
        &p,
        "tolower(C) Gt 1",
        ErrorKind::OperatorNotAllowed,
        (0, 15),
    );
    fails_in(
        &s,
        &p,
        "tolower(C) Bt 1,2",
        ErrorKind::OperatorNotAllowed,
        (0, 17),
    );
    // What does match plans.
    plans_in(&s, &p, "length(C) Gt 3");
    plans_in(&s, &p, "month(D) Le 7");
    plans_in(&s, &p, "cast(C, 'integer') Eq 5");
    plans_in(&s, &p, "tolower(C) Eq 'x'");
    // On a built-in schema, the seed's field types decide.
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And tolower(LastName) Eq 5",
        ErrorKind::TypeMismatch,
        (46, 47),
    );
}

/// What a field-side result of type `result` may be compared with, written out here
/// independently of the planner: numbers with numbers, dates with dates and datetimes,
/// characters with characters, patterns and character ranges, times with times, anything
/// with NULL.
fn comparable(result: &str, value: &str) -> bool {
    let numeric = |t: &str| matches!(t, "integer" | "decimal");
    match (result, value) {
        (_, "null") => true,
        (a, b) if numeric(a) && numeric(b) => true,
        ("date" | "datetime", "date" | "datetime") => true,
        ("character", "character" | "pattern" | "range") => true,
        (a, b) => a == b,
    }
}

/// The syntax layer no longer compares a field-side function's result with the value (the
/// reference accepts `tolower(City) Eq 5`); the planner must reject every meaningless
/// combination, as `type_mismatch` with the span on the (first) offending value, and let
/// every meaningful one through to SQL and the evaluator. Every operand × value × operator
/// shape the syntax layer accepts is tried.
#[test]
fn field_side_results_against_every_value_shape() {
    let s = TempSchema::new("shapes", TYPES_JSON).load();
    let p = private();
    let layout = spark_filter::sql::Layout::of(&s);
    let operands: &[(&str, &str)] = &[
        ("tolower(C)", "character"),
        ("toupper(CS)", "character"),
        ("trim(C)", "character"),
        ("substring(C, 1, 2)", "character"),
        ("concat(C, 'a')", "character"),
        ("cast(I, 'character')", "character"),
        ("length(C)", "integer"),
        ("indexof(C, 'a')", "integer"),
        ("round(Dec)", "integer"),
        ("floor(Dec)", "integer"),
        ("cast(C, 'integer')", "integer"),
        ("year(DT)", "integer"),
        ("month(D)", "integer"),
        ("dayofweek(DT)", "integer"),
        ("length(C) Add 1", "integer"),
        ("(length(C))", "integer"),
        ("cast(C, 'decimal')", "decimal"),
        ("fractionalseconds(DT)", "decimal"),
        ("I Mul 1.5", "decimal"),
        ("date(DT)", "date"),
        ("time(DT)", "time"),
        ("I", "integer"),
        ("D", "date"),
        ("T", "boolean"),
    ];
    // (value text, its type, whether Gt takes it)
    let values: &[(&str, &str, bool)] = &[
        ("5", "integer", true),
        ("-15.42", "decimal", true),
        ("2 Add 3", "integer", true),
        ("''", "character", false),
        ("'x'", "character", false),
        ("true", "boolean", false),
        ("2013-07-26", "date", true),
        ("2013-07-26T10:22:15Z", "datetime", true),
        ("10:30", "time", true),
        ("NULL", "null", false),
        ("days(1)", "date", true),
        ("now()", "datetime", true),
        ("contains('a')", "pattern", false),
        ("regex('a')", "pattern", false),
        ("range('a', 'b')", "range", false),
        ("radius('35.0 -80.0', 1.0)", "shape", false),
    ];
    // Lists and ranges: (rhs text, item types in order)
    let lists: &[(&str, &[&str])] = &[
        ("1, 2.5", &["integer", "decimal"]),
        ("'a', 'b'", &["character", "character"]),
        ("-1, 2, 3", &["integer", "integer", "integer"]),
    ];
    let ranges: &[(&str, &[&str])] = &[
        ("1, 2.5", &["integer", "decimal"]),
        ("2013-01-01, 2013-02-01T00:00:00Z", &["date", "datetime"]),
        ("10:00, 11:00", &["time", "time"]),
        ("days(-1), days(1)", &["date", "date"]),
    ];
    let mut tried = 0;
    let mut check = |filter: String, result: &str, ordered_op: bool, rhs: &str, types: &[&str]| {
        tried += 1;
        let unordered = matches!(result, "character" | "boolean");
        let value_at = filter.len() - rhs.len();
        let outcome = plan::check(&filter, &s, &p).map_err(Vec::from);
        if ordered_op && unordered {
            // Like `LastName Gt 5`: the operator is refused on the whole condition.
            let es = outcome.expect_err(&filter);
            assert_eq!(es.len(), 1, "{}", rendered(&es, &filter));
            assert_eq!(es[0].kind, ErrorKind::OperatorNotAllowed, "{filter}");
            assert_eq!(
                (es[0].span.start, es[0].span.end),
                (0, filter.len()),
                "{filter}"
            );
            return;
        }
        // The first item whose type the result cannot be compared with.
        let mut offset = value_at;
        let mut bad = None;
        for (item, ty) in rhs.split(", ").zip(types) {
            if !comparable(result, ty) {
                bad = Some((offset, offset + item.len()));
                break;
            }
            offset += item.len() + 2;
        }
        if types.len() == 1 {
            bad = bad.map(|_| (value_at, filter.len()));
        }
        match (bad, outcome) {
            (None, Ok(plan)) => {
                // What plans must compile and evaluate.
                for dialect in [
                    &spark_filter::sql::Sqlite as &dyn spark_filter::sql::Dialect,
                    &spark_filter::sql::Postgres,
                ] {
                    // A dialect may lack a function (a clean, documented error).
                    if let Err(e) =
                        spark_filter::sql::compile(&plan, &layout, dialect, Default::default())
                    {
                        assert!(e.message.contains("is not available in"), "{filter}: {e}");
                    }
                }
                spark_filter::eval::Evaluator::new(&plan)
                    .unwrap_or_else(|e| panic!("{filter}: {e}"));
            }
            (None, Err(es)) => panic!("expected {filter:?} to plan:\n{}", rendered(&es, &filter)),
            (Some(_), Ok(plan)) => {
                panic!("expected {filter:?} to be a type mismatch, it planned: {plan}")
            }
            (Some(span), Err(es)) => {
                assert_eq!(es.len(), 1, "{}", rendered(&es, &filter));
                assert_eq!(
                    (es[0].kind, (es[0].span.start, es[0].span.end)),
                    (ErrorKind::TypeMismatch, span),
                    "{}",
                    es[0].render(&filter)
                );
                assert_eq!(es[0].code(), 1040);
            }
        }
    };
    for (operand, result) in operands {
        for (value, ty, ordered) in values {
            for op in ["Eq", "Ne"] {
                check(
                    format!("{operand} {op} {value}"),
                    result,
                    false,
                    value,
                    &[ty],
                );
            }
            if *ordered {
                for op in ["Gt", "Le"] {
                    check(
                        format!("{operand} {op} {value}"),
                        result,
                        true,
                        value,
                        &[ty],
                    );
                }
            }
        }
        for (list, types) in lists {
            check(format!("{operand} Eq {list}"), result, false, list, types);
        }
        for (range, types) in ranges {
            check(format!("{operand} Bt {range}"), result, true, range, types);
        }
    }
    assert_eq!(tried, operands.len() * (16 * 2 + 8 * 2 + 3 + 4));
}

/// A quoted value that would fit the field without its quotes gets the planner's hint
/// (the planner knows the field's type), with the span on the value; one that would not
/// gets the plain mismatch.
#[test]
fn quoted_values_that_fit_unquoted_get_a_hint() {
    let s = TempSchema::new("quoted", TYPES_JSON).load();
    let p = private();
    for (filter, value, message) in [
        (
            "I Eq '100000'",
            "'100000'",
            "I is an integer: write 100000 without quotes",
        ),
        (
            "I Ne '-5'",
            "'-5'",
            "I is an integer: write -5 without quotes",
        ),
        (
            "I Eq '1.5'",
            "'1.5'",
            "I is an integer: write 1.5 without quotes",
        ),
        (
            "Dec Eq '100000'",
            "'100000'",
            "Dec is a decimal: write 100000 without quotes",
        ),
        (
            "D Eq '2026-02-28'",
            "'2026-02-28'",
            "D is a date: write 2026-02-28 without quotes",
        ),
        (
            "DT Eq '2026-02-28T10:00:00Z'",
            "'2026-02-28T10:00:00Z'",
            "DT is a datetime: write 2026-02-28T10:00:00Z without quotes",
        ),
        (
            "DT Eq '2026-02-28'",
            "'2026-02-28'",
            "DT is a datetime: write 2026-02-28 without quotes",
        ),
        (
            "Tm Eq '10:30'",
            "'10:30'",
            "Tm is a time: write 10:30 without quotes",
        ),
        (
            "T Eq 'false'",
            "'false'",
            "T is a boolean: write false without quotes",
        ),
        (
            "I Eq '1','2'",
            "'1'",
            "I is an integer: write 1 without quotes",
        ),
        (
            "length(C) Eq '3'",
            "'3'",
            "the result of length() is an integer: write 3 without quotes",
        ),
        // No hint where the unquoted value would not fit either.
        (
            "I Eq 'x'",
            "'x'",
            "type mismatch: I is integer, but 'x' is character",
        ),
        (
            "I Eq '2026-02-28'",
            "'2026-02-28'",
            "type mismatch: I is integer",
        ),
        ("T Eq 'True'", "'True'", "type mismatch: T is boolean"),
        ("D Eq '10:30'", "'10:30'", "type mismatch: D is date"),
    ] {
        let e = fails_in(&s, &p, filter, ErrorKind::TypeMismatch, at(filter, value));
        assert!(e.message.contains(message), "{filter}: {}", e.message);
    }
}

#[test]
fn type_mismatches_on_custom_types() {
    let s = TempSchema::new("types", TYPES_JSON).load();
    let p = private();
    for (filter, value, message) in [
        ("D Eq true", "true", "D is date, but true is boolean"),
        ("D Eq 'x'", "'x'", "D is date, but 'x' is character"),
        ("DT Eq 10:30", "10:30", "DT is datetime, but 10:30 is time"),
        (
            "T Eq 2026-11-22",
            "2026-11-22",
            "T is boolean, but 2026-11-22 is date",
        ),
        ("Tm Eq 2026-11-22", "2026-11-22", "Tm is time"),
        ("I Eq 'x'", "'x'", "I is integer"),
        ("Dec Eq true", "true", "Dec is decimal"),
        ("C Eq 5", "5", "C is character"),
        ("L Eq 1", "1", "L is character"),
    ] {
        let e = fails_in(&s, &p, filter, ErrorKind::TypeMismatch, at(filter, value));
        assert!(e.message.contains(message), "{filter}: {}", e.message);
    }
}

// ---- role_forbidden -------------------------------------------------------------------------

#[test]
fn visible_needs_a_privileged_or_replication_key() {
    let filter = "UserType Eq 'Member' And Visible Eq true";
    for options in [
        private(),
        idx(),
        role(Role::Public),
        role(Role::Vow),
        role(Role::Portal),
        mls(),
    ] {
        let e = fails(
            "accounts",
            &options,
            filter,
            ErrorKind::RoleForbidden,
            (25, 32),
        );
        assert!(
            e.message.contains("Privileged and Replication"),
            "{}",
            e.message
        );
    }
    // Also inside Or, Not and groups.
    for filter in [
        "UserType Eq 'Member' And (Name Eq 'x' Or Visible Eq false)",
        "UserType Eq 'Member' Not Visible Eq false",
        "Not Visible Eq false And UserType Eq 'Member'",
    ] {
        fails(
            "accounts",
            &private(),
            filter,
            ErrorKind::RoleForbidden,
            at(filter, "Visible"),
        );
    }
    plans("accounts", &privileged(), filter);
    plans("accounts", &replication(), filter);
    // A Privileged key of any role.
    plans(
        "accounts",
        &with_caller(Caller {
            role: Role::Idx,
            privileged: true,
            ..Caller::new(Role::Private)
        }),
        filter,
    );
}

#[test]
fn mls_level_fields() {
    for field in ["NrdsId", "Active", "SystemAccess", "Enabled"] {
        let value = if field == "NrdsId" { "12345" } else { "true" };
        let filter = format!("{M}{field} Eq {value}");
        for lvl in [UserLevel::Member, UserLevel::Office, UserLevel::Company] {
            let e = fails(
                "accounts",
                &level(lvl),
                &filter,
                ErrorKind::RoleForbidden,
                (25, 25 + field.len()),
            );
            assert!(e.message.contains("MLS-level"), "{}", e.message);
        }
        // A Privileged key is not an MLS-level user.
        fails(
            "accounts",
            &privileged(),
            &filter,
            ErrorKind::RoleForbidden,
            (25, 25 + field.len()),
        );
        plans("accounts", &mls(), &filter);
    }
}

#[test]
fn service_roles() {
    // accounts-legacy serves IDX keys only; the span is the whole filter.
    let filter = "UserType Eq 'Member'";
    for r in [Role::Public, Role::Vow, Role::Portal, Role::Private] {
        let e = fails(
            "accounts-legacy",
            &role(r),
            filter,
            ErrorKind::RoleForbidden,
            whole(filter),
        );
        assert!(e.message.contains("accounts-legacy"), "{}", e.message);
        assert!(e.message.contains(r.as_str()), "{}", e.message);
    }
    plans("accounts-legacy", &idx(), filter);

    // portal-groups: VOW, Portal and Private read; IDX and Public do not.
    let filter = "Name Eq 'Carl*'";
    for r in [Role::Idx, Role::Public] {
        fails(
            "portal-groups",
            &role(r),
            filter,
            ErrorKind::RoleForbidden,
            whole(filter),
        );
        // Even the empty filter.
        fails(
            "portal-groups",
            &role(r),
            "",
            ErrorKind::RoleForbidden,
            (0, 0),
        );
    }
    for r in [Role::Vow, Role::Portal, Role::Private] {
        assert_eq!(
            plans("portal-groups", &role(r), filter),
            "Name Matches startswith \"carl\""
        );
    }
    // accounts and portal-accounts are open to every role.
    for r in [
        Role::Idx,
        Role::Public,
        Role::Vow,
        Role::Portal,
        Role::Private,
    ] {
        plans("accounts", &role(r), "UserType Eq 'Member'");
        plans("portal-accounts", &role(r), "");
    }
}

#[test]
fn service_role_errors_come_with_the_others() {
    let filter = "Foo Eq 1";
    fails_all(
        "accounts-legacy",
        &private(),
        filter,
        &[
            (ErrorKind::RoleForbidden, (0, 8)),
            (ErrorKind::UnknownField, (0, 3)),
            (ErrorKind::RequiredFieldMissing, (0, 8)),
        ],
    );
}

// ---- required_field_missing -----------------------------------------------------------------

#[test]
fn user_type_is_required() {
    for (name, options) in [("accounts", private()), ("accounts-legacy", idx())] {
        for filter in [
            "Name Eq 'x'",
            "Office Eq 'x'",
            // Only under Or.
            "UserType Eq 'Member' Or Name Eq 'x'",
            "Name Eq 'x' And (UserType Eq 'Member' Or Office Eq 'y')",
            // Ne does not constrain it to a value.
            "UserType Ne 'Member' And Name Eq 'x'",
            "UserType Ne 'Member','Office'",
            // Nor does Not.
            "Not UserType Eq 'Member'",
            "Name Eq 'x' Not UserType Eq 'Member'",
            // A function of it is not the field.
            "tolower(UserType) Eq 'member'",
        ] {
            let e = fails(
                name,
                &options,
                filter,
                ErrorKind::RequiredFieldMissing,
                whole(filter),
            );
            assert!(
                e.message.contains("UserType")
                    && e.message.contains("Member, Office, Company, Mls"),
                "{}",
                e.message
            );
        }
        for filter in [
            "UserType Eq 'Member'",
            "UserType Eq 'Member' And Name Eq 'x'",
            "Name Eq 'x' And UserType Eq 'Office'",
            "UserType Eq 'Member','Office'",
            "UserType Eq 'member'",
            "UserType Eq 'MLS' And Name Eq 'x'",
            "UserType Eq 'Company'",
            // Inside a top-level group: groups are transparent.
            "(UserType Eq 'Member' And Name Eq 'x')",
            "((UserType Eq 'Member') And Name Eq 'x')",
            "Name Eq 'x' And (UserType Eq 'Member')",
            // And beside an Or group.
            "UserType Eq 'Member' And (Name Eq 'x' Or Office Eq 'y')",
            "UserType Eq 'Member' Not Name Eq 'x'",
        ] {
            plans(name, &options, filter);
        }
    }
}

#[test]
fn required_field_is_reported_with_other_errors() {
    fails_all(
        "accounts",
        &private(),
        "Mls Eq 'x' Or Office Ne 'y'",
        &[
            (ErrorKind::NotSearchable, (0, 3)),
            (ErrorKind::OperatorNotAllowed, (14, 27)),
            (ErrorKind::RequiredFieldMissing, (0, 27)),
        ],
    );
}

// ---- invalid_value --------------------------------------------------------------------------

#[test]
fn listed_values() {
    for (name, options) in [("accounts", private()), ("accounts-legacy", idx())] {
        let e = fails(
            name,
            &options,
            "UserType Eq 'Agent'",
            ErrorKind::InvalidValue,
            (12, 19),
        );
        assert!(
            e.message.contains("Member, Office, Company, Mls") && e.message.contains("'Agent'"),
            "{}",
            e.message
        );
        // In a list, the bad item.
        fails(
            name,
            &options,
            "UserType Eq 'Member','Agent'",
            ErrorKind::InvalidValue,
            (21, 28),
        );
        // With Ne too.
        fails(
            name,
            &options,
            "UserType Eq 'Member' And UserType Ne 'Agent'",
            ErrorKind::InvalidValue,
            (37, 44),
        );
    }
    let e = fails(
        "accounts",
        &private(),
        "UserType Eq 'Member' And UserLevel Eq 'Boss'",
        ErrorKind::InvalidValue,
        (38, 44),
    );
    assert!(e.message.contains("Association"), "{}", e.message);
    assert!(
        plans(
            "accounts",
            &private(),
            "UserType Eq 'Member' And UserLevel Eq 'Association'"
        )
        .contains("UserLevel Matches \"association\"")
    );
}

#[test]
fn bad_phone_numbers() {
    let cases = [
        "'55'",
        "'(701) 555-1212'",
        "'701.555.1212'",
        "'+1 701-555-1212'",
        "'555-5555 x'",
        "'5555555 x1234567'",
        "'1234 701-555-1212'",
        "'1 555-5555'",
        "'abc-defg'",
        "''",
        // Wildcards.
        "'555-*'",
        "'*5555'",
        "'*'",
        // Not character data.
        "5555555",
        "contains('555')",
    ];
    for value in cases {
        let filter = format!("{M}\"Phones\".\"Number\" Eq {value}");
        let e = fails(
            "accounts",
            &private(),
            &filter,
            ErrorKind::InvalidValue,
            (46, filter.len()),
        );
        assert!(!e.message.is_empty());
    }
    // The message says which forms are accepted.
    let e = fails(
        "accounts",
        &private(),
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '55'",
        ErrorKind::InvalidValue,
        (46, 50),
    );
    assert!(e.message.contains("555-5555"), "{}", e.message);
    let e = fails(
        "accounts",
        &private(),
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-*'",
        ErrorKind::InvalidValue,
        (46, 53),
    );
    assert!(e.message.contains("wildcard"), "{}", e.message);
    // In a list: the bad item, with Ne as with Eq.
    fails(
        "accounts",
        &private(),
        "UserType Eq 'Member' And \"Phones\".\"Number\" Ne '555-5555','55'",
        ErrorKind::InvalidValue,
        (57, 61),
    );
}

#[test]
fn value_errors_from_the_parser_pass_through() {
    let p = mls();
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And NrdsId Eq 5 Div 0",
        ErrorKind::InvalidValue,
        (41, 42),
    );
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And LastName Eq regex('[')",
        ErrorKind::InvalidValue,
        (43, 46),
    );
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And NrdsId Eq 99999999999999999999",
        ErrorKind::InvalidValue,
        (35, 55),
    );
}

// ---- syntax and limits through check --------------------------------------------------------

#[test]
fn syntax_and_limit_errors_pass_through_check() {
    let p = private();
    fails("accounts", &p, "UserType Eq", ErrorKind::Syntax, (11, 11));
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And Not Name Eq 'x'",
        ErrorKind::Syntax,
        (25, 28),
    );
    fails(
        "portal-groups",
        &p,
        "Name Eq 'x' Or",
        ErrorKind::Syntax,
        (14, 14),
    );
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And FirstName Eq LastName",
        ErrorKind::Syntax,
        (38, 46),
    );
    // Syntax errors win over schema errors: nothing else is reported.
    fails("accounts", &p, "Foo Eq", ErrorKind::Syntax, (6, 6));

    let e = fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And (((Name Eq 'x')))",
        ErrorKind::LimitExceeded,
        (27, 40),
    );
    assert_eq!(e.code(), 1041);
    let list: Vec<String> = (0..201).map(|i| format!("'a{i}'")).collect();
    let filter = format!("{M}Name Eq {}", list.join(","));
    let e = check("accounts", &p, &filter).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].kind, e[0].code()), (ErrorKind::LimitExceeded, 1041));
    let many: Vec<String> = (0..76).map(|i| format!("LastName Eq 'a{i}'")).collect();
    let filter = format!("UserType Eq 'Member' And ({})", many.join(" Or "));
    let e = check("accounts", &p, &filter).unwrap_err();
    assert_eq!((e[0].kind, e[0].code()), (ErrorKind::LimitExceeded, 1041));
    // 75 expressions are fine.
    let filter = format!("UserType Eq 'Member' And ({})", many[..74].join(" Or "));
    plans("accounts", &p, &filter);
}

// ---- not_orderable and _orderby -------------------------------------------------------------

#[track_caller]
fn orders(name: &str, text: &str) -> Vec<(String, bool)> {
    match plan::order_by(text, &schema(name), &Caller::new(Role::Private)) {
        Ok(keys) => keys
            .into_iter()
            .map(|k| (k.field.name.to_string(), k.descending))
            .collect(),
        Err(es) => panic!(
            "expected {text:?} to order {name}:\n{}",
            rendered(es.as_slice(), text)
        ),
    }
}

#[track_caller]
fn order_fails(name: &str, text: &str, expected: &[(ErrorKind, (usize, usize))]) -> Vec<Error> {
    let errors = match plan::order_by(text, &schema(name), &Caller::new(Role::Private)) {
        Ok(keys) => panic!("expected {text:?} to fail, got {} keys", keys.len()),
        Err(es) => es.into_vec(),
    };
    let got: Vec<_> = errors
        .iter()
        .map(|e| (e.kind, (e.span.start, e.span.end)))
        .collect();
    assert_eq!(got, expected, "{}", rendered(&errors, text));
    errors
}

#[test]
fn order_by_accepts_orderable_fields() {
    assert_eq!(
        orders("accounts", "-LastName,FirstName"),
        [
            ("LastName".to_string(), true),
            ("FirstName".to_string(), false)
        ]
    );
    assert_eq!(orders("accounts", "+Name"), [("Name".to_string(), false)]);
    assert_eq!(
        orders("accounts", " -LastName , +FirstName "),
        [
            ("LastName".to_string(), true),
            ("FirstName".to_string(), false)
        ]
    );
    assert_eq!(
        orders(
            "accounts",
            "\"PrimaryAddress\".\"City\",Office,Company,UserType"
        ),
        [
            ("\"PrimaryAddress\".\"City\"".to_string(), false),
            ("Office".to_string(), false),
            ("Company".to_string(), false),
            ("UserType".to_string(), false)
        ]
    );
    assert_eq!(
        orders("portal-groups", "-Name"),
        [("Name".to_string(), true)]
    );
    assert_eq!(
        orders("accounts-legacy", "Name,-Office,UserType"),
        [
            ("Name".to_string(), false),
            ("Office".to_string(), true),
            ("UserType".to_string(), false)
        ]
    );
    // Spans of the keys.
    let keys = plan::order_by(
        "-LastName, FirstName",
        &schema("accounts"),
        &Caller::new(Role::Private),
    )
    .unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| (k.span.start, k.span.end))
            .collect::<Vec<_>>(),
        [(0, 9), (11, 20)]
    );
}

#[test]
fn order_by_refuses_what_the_seeds_refuse() {
    use ErrorKind::{NotOrderable, Syntax, UnknownField};
    // "No _orderby support" (002) and "For searching only".
    for field in [
        "Email",
        "OfficeId",
        "CompanyId",
        "Tags",
        "LanguagesSpoken",
        "Associations",
        "Designations",
        "PostalCode",
        "\"Phones\".\"Number\"",
        // Not searchable, not orderable.
        "Mls",
        "LoginName",
    ] {
        let e = order_fails("accounts", field, &[(NotOrderable, (0, field.len()))]);
        assert!(e[0].message.contains(field), "{}", e[0].message);
        let desc = format!("-{field}");
        order_fails("accounts", &desc, &[(NotOrderable, (0, desc.len()))]);
    }
    order_fails("accounts-legacy", "Email", &[(NotOrderable, (0, 5))]);
    order_fails("portal-groups", "Tags", &[(NotOrderable, (0, 4))]);
    order_fails("portal-accounts", "LastActive", &[(NotOrderable, (0, 10))]);
    // The bad key among good ones.
    order_fails(
        "accounts",
        "LastName,-Email,FirstName",
        &[(NotOrderable, (9, 15))],
    );
    // Unknown fields, with a suggestion.
    let e = order_fails("accounts", "-LastNme", &[(UnknownField, (0, 8))]);
    assert!(
        e[0].message.contains("did you mean LastName?"),
        "{}",
        e[0].message
    );
    // Empty keys.
    order_fails("accounts", "", &[(Syntax, (0, 0))]);
    order_fails("accounts", "-", &[(Syntax, (0, 1))]);
    order_fails("accounts", "LastName,,FirstName", &[(Syntax, (9, 9))]);
    // Every error is reported.
    order_fails(
        "accounts",
        "Email,Tags,Foo",
        &[
            (NotOrderable, (0, 5)),
            (NotOrderable, (6, 10)),
            (UnknownField, (11, 14)),
        ],
    );
}

#[test]
fn every_builtin_field_orderability_matches_the_order_by_check() {
    for name in builtin::NAMES {
        let s = schema(name);
        for f in &s.fields {
            // A caller who may search every field, so that only orderability decides.
            let everyone = Caller {
                privileged: true,
                replication: true,
                user_level: UserLevel::Mls,
                ..Caller::new(Role::Private)
            };
            let result = plan::order_by(&f.name, &s, &everyone);
            assert_eq!(
                result.is_ok(),
                f.orderable,
                "{name}: {} orderable={}",
                f.name,
                f.orderable
            );
            if !f.orderable {
                assert_eq!(result.unwrap_err()[0].kind, ErrorKind::NotOrderable);
            }
        }
    }
}

// ---- seed rule: Name, every word (002 "Searching by Name") ---------------------------------

#[test]
fn name_wildcards_apply_to_every_word() {
    let p = private();
    let rows = [
        (
            "Name Eq 'thomas*'",
            "Name HasWordMatching startswith \"thomas\"",
        ),
        (
            "Name Eq 'Thomas*'",
            "Name HasWordMatching startswith \"thomas\"",
        ),
        ("Name Eq '*son'", "Name HasWordMatching endswith \"son\""),
        ("Name Eq '*oma*'", "Name HasWordMatching contains \"oma\""),
        ("Name Eq 't*s'", "Name HasWordMatching glob \"t*s\""),
        (
            "Name Eq 'john*','tim*'",
            "Name HasWordMatching (startswith \"john\", startswith \"tim\")",
        ),
        // Not applied: whitespace in the value.
        (
            "Name Eq 'thomas s*'",
            "Name Matches startswith \"thomas s\"",
        ),
        // With a list, only if no item has whitespace.
        (
            "Name Eq 'john*','tim s*'",
            "Name Matches (startswith \"john\", startswith \"tim s\")",
        ),
        // Not applied: no wildcard (the whole name must match).
        ("Name Eq 'Thomas'", "Name Matches \"thomas\""),
        ("Name Eq 'Carl Thomason'", "Name Matches \"carl thomason\""),
        // An escaped star is not a wildcard.
        ("Name Eq 'thomas\\*'", "Name Matches \"thomas*\""),
        // Not applied to a function of Name.
        (
            "tolower(Name) Eq 'thomas*'",
            "tolower(Name) Matches startswith \"thomas\"",
        ),
        // contains() is a pattern on the whole name.
        ("Name Eq contains('Tho')", "Name Matches contains \"tho\""),
        ("Name Eq NULL", "Name Is Null"),
    ];
    for (condition, expected) in rows {
        let filter = format!("{M}{condition}");
        let text = plans("accounts", &p, &filter);
        assert_eq!(
            text,
            format!("UserType Matches \"member\" And {expected} And Visible Eq true [implicit]"),
            "{filter}"
        );
    }
}

#[test]
fn name_word_rule_is_accounts_only() {
    assert_eq!(
        plans(
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And Name Eq 'thomas*'"
        ),
        "UserType Matches \"member\" And Name Matches startswith \"thomas\""
    );
    assert_eq!(
        plans(
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And Name Eq 'john*','tim*'"
        ),
        "UserType Matches \"member\" And Name Matches (startswith \"john\", startswith \"tim\")"
    );
    assert_eq!(
        plans("portal-groups", &private(), "Name Eq 'thomas*'"),
        "Name Matches startswith \"thomas\""
    );
    // Other accounts fields have no word rule.
    assert_eq!(
        plans(
            "accounts",
            &private(),
            "UserType Eq 'Member' And Office Eq 'sample*'"
        ),
        "UserType Matches \"member\" And Office Matches startswith \"sample\" And Visible Eq true [implicit]"
    );
}

#[test]
fn name_word_rule_in_the_plan_structure() {
    let p = planned(
        "accounts",
        &private(),
        "UserType Eq 'Member' And Name Eq 'Thomas*'",
    );
    let Node::And { children } = &p.root else {
        panic!("{p}")
    };
    let Node::Test(t) = &children[1] else {
        panic!("{p}")
    };
    assert_eq!((t.span.start, t.span.end), (25, 42));
    assert!(!t.implicit);
    match &t.predicate {
        Predicate::AnyWord { patterns } => {
            assert_eq!(patterns, &[plan::Pattern::Prefix("thomas".into())]);
        }
        other => panic!("{other:?}"),
    }
}

/// `Name Eq regex(…)` is a single value, and Name takes regex() elsewhere (accounts-legacy,
/// and every other accounts character field): the error talks about list items.
#[test]
fn name_regex_is_not_a_list() {
    for condition in ["Name Eq regex('^T')", "Name Eq range('a','m')"] {
        let filter = format!("{M}{condition}");
        match check("accounts", &private(), &filter) {
            Ok(p) => assert!(p.to_string().contains("Name "), "{p}"),
            Err(es) => {
                assert_eq!(es.len(), 1);
                assert!(
                    !es[0].message.contains("list"),
                    "{filter}: misleading message: {}",
                    es[0].message
                );
            }
        }
    }
}

// ---- seed rule: phone numbers ---------------------------------------------------------------

#[test]
fn phone_numbers_parse_into_parts() {
    let p = private();
    let rows = [
        ("'555-5555'", "HasPhone 555-5555"),
        ("'5555555'", "HasPhone 555-5555"),
        ("'701-555-1212'", "HasPhone 701-555-1212"),
        ("'7015551212'", "HasPhone 701-555-1212"),
        ("'1 555-555-5555 x555'", "HasPhone 1 555-555-5555 x555"),
        ("'1 5555555555 x555'", "HasPhone 1 555-555-5555 x555"),
        ("'555-5555 x12'", "HasPhone 555-5555 x12"),
        (
            "'555-5555','701-555-1212'",
            "HasPhone (555-5555, 701-555-1212)",
        ),
    ];
    for (value, expected) in rows {
        let filter = format!("{M}\"Phones\".\"Number\" Eq {value}");
        assert_eq!(
            plans("accounts", &p, &filter),
            format!(
                "UserType Matches \"member\" And \"Phones\".\"Number\" {expected} And Visible Eq true [implicit]"
            ),
            "{filter}"
        );
    }
    // Ne is the negation of the same test; NULL is a null test.
    assert_eq!(
        plans(
            "accounts",
            &p,
            "UserType Eq 'Member' And \"Phones\".\"Number\" Ne '555-5555'"
        ),
        "UserType Matches \"member\" And Not \"Phones\".\"Number\" HasPhone 555-5555 And Visible Eq true [implicit]"
    );
    assert_eq!(
        plans(
            "accounts",
            &p,
            "UserType Eq 'Member' And \"Phones\".\"Number\" Eq NULL"
        ),
        "UserType Matches \"member\" And \"Phones\".\"Number\" Is Null And Visible Eq true [implicit]"
    );
    // The parts, in the plan.
    let plan = planned(
        "accounts",
        &p,
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '1 5555555555 x555'",
    );
    let Node::And { children } = &plan.root else {
        panic!("{plan}")
    };
    let Node::Test(t) = &children[1] else {
        panic!("{plan}")
    };
    let Predicate::Phone { numbers } = &t.predicate else {
        panic!("{plan}")
    };
    let n = &numbers[0];
    assert_eq!(
        (
            n.country.as_deref(),
            n.area.as_deref(),
            n.prefix.as_str(),
            n.line.as_str(),
            n.extension.as_deref()
        ),
        (Some("1"), Some("555"), "555", "5555", Some("555"))
    );
}

// ---- seed rule: the implicit Visible Eq true ------------------------------------------------

#[test]
fn visible_is_implicitly_true() {
    // Present whenever the filter does not mention Visible, privileged or not.
    for options in [private(), privileged(), replication(), mls(), idx()] {
        let p = planned("accounts", &options, "UserType Eq 'Member'");
        assert_eq!(
            p.to_string(),
            "UserType Matches \"member\" And Visible Eq true [implicit]"
        );
        let Node::And { children } = &p.root else {
            panic!("{p}")
        };
        let Node::Test(t) = &children[1] else {
            panic!("{p}")
        };
        assert!(t.implicit);
        assert_eq!((t.span.start, t.span.end), (0, 0));
        assert_eq!(
            t.predicate,
            Predicate::Compare {
                op: CmpOp::Eq,
                value: Scalar::Boolean(true)
            }
        );
        let Operand::Field(f) = &t.operand else {
            panic!("{p}")
        };
        assert_eq!(f.name, "Visible");
    }
    // With an Or at the top, the implicit test is And-ed to the whole filter.
    assert_eq!(
        plans(
            "accounts",
            &private(),
            "UserType Eq 'Member' And (Name Eq 'a*' Or Office Eq 'b')"
        ),
        "UserType Matches \"member\" And (Name HasWordMatching startswith \"a\" Or Office Matches \"b\") And Visible Eq true [implicit]"
    );
    // Other schemas have no implicit test.
    assert_eq!(
        plans("portal-groups", &private(), "Name Eq 'x'"),
        "Name Matches \"x\""
    );
    assert_eq!(
        plans("accounts-legacy", &idx(), "UserType Eq 'Member'"),
        "UserType Matches \"member\""
    );
}

#[test]
fn mentioning_visible_anywhere_removes_the_implicit_test() {
    let rows = [
        (
            "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
            "UserType Matches \"member\" And (Visible Eq true Or Visible Eq false)",
        ),
        (
            "UserType Eq 'Member' And Visible Eq false",
            "UserType Matches \"member\" And Visible Eq false",
        ),
        (
            "UserType Eq 'Member' Not Visible Eq true",
            "UserType Matches \"member\" And Not Visible Eq true",
        ),
        (
            "Not (Visible Eq false) And UserType Eq 'Member'",
            "Not Visible Eq false And UserType Matches \"member\"",
        ),
        (
            "UserType Eq 'Member' And (Name Eq 'x' Or Visible Eq false)",
            "UserType Matches \"member\" And (Name Matches \"x\" Or Visible Eq false)",
        ),
        (
            "UserType Eq 'Member' And Visible Ne true",
            "UserType Matches \"member\" And Not Visible Eq true",
        ),
        (
            "UserType Eq 'Member' And Visible Eq NULL",
            "UserType Matches \"member\" And Visible Is Null",
        ),
    ];
    for options in [privileged(), replication()] {
        for (filter, expected) in rows {
            assert_eq!(plans("accounts", &options, filter), expected, "{filter}");
        }
    }
}

// ---- case folding, wildcards, Ne ------------------------------------------------------------

#[test]
fn values_on_case_insensitive_fields_are_folded() {
    let p = private();
    for (condition, expected) in [
        ("LastName Eq 'SMITH'", "LastName Matches \"smith\""),
        ("LastName Eq 'Straße'", "LastName Matches \"strasse\""),
        ("LastName Eq 'ÉCOLE'", "LastName Matches \"école\""),
        ("LastName Eq 'O\\'Brien'", "LastName Matches \"o'brien\""),
        (
            "Email Eq 'Work@Test.COM'",
            "Email Matches \"work@test.com\"",
        ),
        ("Tags Eq 'Agent','VIP'", "Tags Matches (\"agent\", \"vip\")"),
        (
            "Designations Eq 'Accredited Buyer Rep'",
            "Designations Matches \"accredited buyer rep\"",
        ),
        (
            "LastName Eq contains('MIT')",
            "LastName Matches contains \"mit\"",
        ),
        (
            "LastName Eq startswith('Sm')",
            "LastName Matches startswith \"sm\"",
        ),
        (
            "LastName Eq endswith('TH')",
            "LastName Matches endswith \"th\"",
        ),
        ("LastName Eq range('A','M')", "LastName Bt \"a\", \"m\""),
        (
            "all(Tags) Eq 'Agent','VIP'",
            "all(Tags) ContainsAll (\"agent\", \"vip\")",
        ),
        // Case functions make case explicit: no folding.
        (
            "tolower(LastName) Eq 'Smith'",
            "tolower(LastName) Matches \"Smith\"",
        ),
        (
            "toupper(LastName) Eq 'SMITH'",
            "toupper(LastName) Matches \"SMITH\"",
        ),
        // The values check folds too.
        ("UserType Eq 'OFFICE'", "UserType Matches \"office\""),
    ] {
        let filter = format!("{M}{condition}");
        assert_eq!(
            plans("accounts", &p, &filter),
            format!("UserType Matches \"member\" And {expected} And Visible Eq true [implicit]"),
            "{filter}"
        );
    }
    // A case-sensitive custom field keeps its case.
    let s = TempSchema::new("case", TYPES_JSON).load();
    assert_eq!(plans_in(&s, &p, "CS Eq 'AbC'"), "CS Matches \"AbC\"");
    assert_eq!(
        plans_in(&s, &p, "CS Eq 'Ab*'"),
        "CS Matches startswith \"Ab\""
    );
    assert_eq!(plans_in(&s, &p, "C Eq 'AbC'"), "C Matches \"abc\"");
}

#[test]
fn wildcard_patterns() {
    let p = private();
    for (value, expected) in [
        ("'sm*'", "startswith \"sm\""),
        ("'*ith'", "endswith \"ith\""),
        ("'*mit*'", "contains \"mit\""),
        ("'**mit**'", "contains \"mit\""),
        ("'s*h'", "glob \"s*h\""),
        ("'s*i*h'", "glob \"s*i*h\""),
        ("'*m*h'", "glob \"*m*h\""),
        ("'*'", "startswith \"\""),
        // Escaped stars are literal.
        ("'5\\*'", "\"5*\""),
        ("'a\\*b'", "\"a*b\""),
        // A backslash followed by a wildcard.
        ("'a\\\\*'", "startswith \"a\\\\\""),
        // Lists mix exact values and patterns.
        ("'a','b*'", "(\"a\", startswith \"b\")"),
    ] {
        let filter = format!("{M}LastName Eq {value}");
        assert_eq!(
            plans("accounts", &p, &filter),
            format!(
                "UserType Matches \"member\" And LastName Matches {expected} And Visible Eq true [implicit]"
            ),
            "{filter}"
        );
    }
    // Wildcards with Ne.
    assert_eq!(
        plans("accounts", &p, "UserType Eq 'Member' And LastName Ne 'sm*'"),
        "UserType Matches \"member\" And Not LastName Matches startswith \"sm\" And Visible Eq true [implicit]"
    );
}

#[test]
fn ne_is_planned_as_not() {
    let p = private();
    for (condition, expected) in [
        ("LastName Ne 'x'", "Not LastName Matches \"x\""),
        ("LastName Ne 'a','b'", "Not LastName Matches (\"a\", \"b\")"),
        ("LastName Ne NULL", "Not LastName Is Null"),
        ("Email Ne 'x@y.z'", "Not Email Matches \"x@y.z\""),
        (
            "\"Team\".\"Owner\" Ne true",
            "Not \"Team\".\"Owner\" Eq true",
        ),
        // Not of Ne is the positive test.
        ("(Not LastName Ne 'x')", "LastName Matches \"x\""),
    ] {
        let filter = format!("{M}{condition}");
        assert_eq!(
            plans("accounts", &p, &filter),
            format!("UserType Matches \"member\" And {expected} And Visible Eq true [implicit]"),
            "{filter}"
        );
    }
    let plan = planned("accounts", &p, "UserType Eq 'Member' And LastName Ne 'x'");
    let Node::And { children } = &plan.root else {
        panic!("{plan}")
    };
    let Node::Not { node } = &children[1] else {
        panic!("{plan}")
    };
    let Node::Test(t) = node.as_ref() else {
        panic!("{plan}")
    };
    assert_eq!((t.span.start, t.span.end), (25, 40));
}

// ---- integer field NrdsId and the custom types ----------------------------------------------

#[test]
fn integer_field_compared_with_decimals() {
    let p = mls();
    for (condition, expected) in [
        ("NrdsId Eq 5", "NrdsId Eq 5"),
        ("NrdsId Eq 5.0", "NrdsId Eq 5"),
        ("NrdsId Eq 5.5", "(no records)"),
        ("NrdsId Gt 5.5", "NrdsId Gt 5"),
        ("NrdsId Ge 5.5", "NrdsId Ge 6"),
        ("NrdsId Lt 5.5", "NrdsId Lt 6"),
        ("NrdsId Le 5.5", "NrdsId Le 5"),
        ("NrdsId Bt 1.5,9.5", "NrdsId Bt 2, 9"),
        ("NrdsId Eq 1,2.5,3", "NrdsId In (1, 3)"),
        ("NrdsId Eq 2.5,3.5", "(no records)"),
        ("NrdsId Eq 1,2", "NrdsId In (1, 2)"),
        ("NrdsId Eq 0.1 Add 0.9", "NrdsId Eq 1"),
        ("NrdsId Eq -5", "NrdsId Eq -5"),
        ("NrdsId Ne 5", "Not NrdsId Eq 5"),
    ] {
        let filter = format!("{M}{condition}");
        assert_eq!(
            plans("accounts", &p, &filter),
            format!("UserType Matches \"member\" And {expected} And Visible Eq true [implicit]"),
            "{filter}"
        );
    }
    // Ne 5.5 matches every record, nulls included.
    assert_eq!(
        plans("accounts", &p, "UserType Eq 'Member' And NrdsId Ne 5.5"),
        "UserType Matches \"member\" And (all records) And Visible Eq true [implicit]"
    );
}

#[test]
fn custom_types_plan() {
    let s = TempSchema::new("plan", TYPES_JSON).load();
    let p = private();
    for (filter, expected) in [
        ("T Eq true", "T Eq true"),
        ("D Eq 2024-01-31", "D Eq 2024-01-31"),
        ("D Ge days(-7)", "D Ge 2026-11-15"),
        // A datetime against a date field: its calendar day in the zone.
        ("D Gt 2024-01-31T10:00:00Z", "D Gt 2024-01-31"),
        ("D Gt 2024-01-31T23:30:00-0300", "D Gt 2024-02-01"),
        // A date against a datetime field compares the calendar day (SPEC 8): the
        // instants of that day in the plan's zone.
        (
            "DT Eq 2024-01-31",
            "DT Bt 2024-01-31T00:00:00Z, 2024-01-31T23:59:59.999999Z",
        ),
        ("DT Gt days(-7)", "DT Ge 2026-11-16T00:00:00Z"),
        (
            "DT Bt 2024-01-01,2024-02-01",
            "DT Bt 2024-01-01T00:00:00Z, 2024-02-01T23:59:59.999999Z",
        ),
        // Datetimes are instants; no zone means the plan's zone (UTC here).
        ("DT Gt 2024-01-31T10:00:00", "DT Gt 2024-01-31T10:00:00Z"),
        (
            "DT Gt 2024-01-31T10:00:00-0300",
            "DT Gt 2024-01-31T13:00:00Z",
        ),
        ("DT Lt now()", "DT Lt 2026-11-22T12:00:00Z"),
        ("Tm Lt 10:30", "Tm Lt 10:30:00"),
        ("I Ge 2.5", "I Ge 3"),
        ("I Bt 2.5,2.7", "I Bt 3, 2"),
        ("Dec Eq 1", "Dec Eq 1.0"),
        ("Dec Eq 0.1 Add 0.2", "Dec Eq 0.3"),
        ("Dec Bt 1,2.5", "Dec Bt 1.0, 2.5"),
        ("I Add 1 Gt 2", "(I Add 1) Gt 2"),
        ("I Mul 2 Eq 4.5", "(no records)"),
        ("year(DT) Eq 2024", "year(DT) Eq 2024"),
        ("L Eq 'a','B'", "L Matches (\"a\", \"b\")"),
    ] {
        assert_eq!(plans_in(&s, &p, filter), expected, "{filter}");
    }
    // The zone option.
    let mut zoned = private();
    zoned.zone = chrono::FixedOffset::west_opt(5 * 3600).unwrap();
    assert_eq!(
        plans_in(
            &s,
            &zoned,
            "DT Gt 2024-01-31T10:00:00 And D Eq 2024-01-31T02:00:00Z"
        ),
        "DT Gt 2024-01-31T15:00:00Z And D Eq 2024-01-30"
    );
}

/// SPEC 3: range bounds of a date and a datetime coerce to datetime. The plan compares
/// `date(DT)` with a datetime bound (or `DT` with a date bound): the bounds of one Between
/// have different types.
#[test]
fn mixed_date_datetime_range_bounds_share_a_type() {
    let s = TempSchema::new("range", TYPES_JSON).load();
    for filter in [
        "DT Bt 2024-01-01,2024-02-01T00:00:00Z",
        "DT Bt 2024-01-01T00:00:00Z,2024-02-01",
    ] {
        let plan = plan::check(filter, &s, &private()).unwrap();
        let t = first_test(&plan);
        let Predicate::Between { low, high } = &t.predicate else {
            panic!("{plan}")
        };
        assert_eq!(
            std::mem::discriminant(low),
            std::mem::discriminant(high),
            "{filter} planned as {plan}"
        );
        // And the operand is compared with values of its own kind.
        let on_date = matches!(&t.operand, Operand::Call { .. });
        assert_eq!(on_date, matches!(low, Scalar::Date(_)), "{plan}");
    }
}

// ---- the unknown-field drop policy ----------------------------------------------------------

#[test]
fn dropped_conditions_are_removed_and_reported() {
    let rows: &[(&str, &PlanOptions, &str, &str, &[&str])] = &[
        (
            "accounts",
            &private(),
            "Not (Name Eq 'x' Or Foo Eq 1) And UserType Eq 'Member'",
            "Not Name Matches \"x\" And UserType Matches \"member\" And Visible Eq true [implicit]",
            &["Foo Eq 1"],
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' Not Foo Eq 1",
            "UserType Matches \"member\" And Visible Eq true [implicit]",
            &["Foo Eq 1"],
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And (Foo Eq 1 Or Bar Eq 2)",
            "UserType Matches \"member\" And Visible Eq true [implicit]",
            &["Foo Eq 1", "Bar Eq 2"],
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' Not (Foo Eq 1 Or Bar Eq 2)",
            "UserType Matches \"member\" And Visible Eq true [implicit]",
            &["Foo Eq 1", "Bar Eq 2"],
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And (Name Eq 'x' Or Foo Eq 1)",
            "UserType Matches \"member\" And Name Matches \"x\" And Visible Eq true [implicit]",
            &["Foo Eq 1"],
        ),
        (
            "accounts",
            &private(),
            "Foo Eq 1 And UserType Eq 'Member'",
            "UserType Matches \"member\" And Visible Eq true [implicit]",
            &["Foo Eq 1"],
        ),
        (
            "accounts",
            &private(),
            "UserType Eq 'Member' And tolower(Foo) Eq 'x' And \"Foo\".\"Bar\" Eq 1",
            "UserType Matches \"member\" And Visible Eq true [implicit]",
            &["tolower(Foo) Eq 'x'", "\"Foo\".\"Bar\" Eq 1"],
        ),
        (
            "accounts-legacy",
            &idx(),
            "UserType Eq 'Member' And Visible Eq true",
            "UserType Matches \"member\"",
            &["Visible Eq true"],
        ),
        // All dropped: the plan matches every record.
        (
            "portal-groups",
            &private(),
            "Foo Eq 1 Or Bar Eq 2",
            "(all records)",
            &["Foo Eq 1", "Bar Eq 2"],
        ),
        (
            "portal-groups",
            &private(),
            "Not (Foo Eq 1)",
            "(all records)",
            &["Foo Eq 1"],
        ),
        (
            "portal-accounts",
            &private(),
            "(Foo Eq 1 And Bar Eq 2) Or Baz Eq 3",
            "(all records)",
            &["Foo Eq 1", "Bar Eq 2", "Baz Eq 3"],
        ),
        (
            "portal-groups",
            &private(),
            "Foo Eq 1 And Name Eq 'x'",
            "Name Matches \"x\"",
            &["Foo Eq 1"],
        ),
    ];
    for (name, options, filter, expected, dropped) in rows {
        let plan = planned(name, &dropping((*options).clone()), filter);
        let (root, lines) = match plan.to_string().split_once("\ndropped: ") {
            Some((root, rest)) => (root.to_string(), format!("dropped: {rest}")),
            None => (plan.to_string(), String::new()),
        };
        assert_eq!(&root, expected, "{filter}");
        let conditions: Vec<&str> = plan.dropped.iter().map(|d| d.condition.as_str()).collect();
        assert_eq!(&conditions, dropped, "{filter}");
        for d in &plan.dropped {
            assert_eq!(d.status, "Dropped");
            assert_eq!(&filter[d.start..d.end], d.condition, "{filter}");
            assert!(d.condition.contains(&d.field), "{d:?}");
            assert!(
                lines.contains(&format!(
                    "dropped: {} (unknown field {})",
                    d.condition, d.field
                )),
                "{lines}"
            );
        }
        // With the default policy the same filter fails, once per unknown field.
        let errors = check(name, options, filter).unwrap_err();
        let unknown: Vec<_> = errors
            .iter()
            .filter(|e| e.kind == ErrorKind::UnknownField)
            .collect();
        assert_eq!(
            unknown.len(),
            dropped.len(),
            "{}",
            rendered(&errors, filter)
        );
        assert!(
            errors.iter().all(|e| e.kind == ErrorKind::UnknownField),
            "{}",
            rendered(&errors, filter)
        );
    }
}

#[test]
fn dropped_condition_fields_and_spans() {
    let plan = planned(
        "accounts",
        &dropping(private()),
        "UserType Eq 'Member' And (LastName Eq 'x' Or Fooo Eq 1)",
    );
    assert_eq!(plan.dropped.len(), 1);
    let d = &plan.dropped[0];
    assert_eq!(
        (
            d.status,
            d.field.as_str(),
            d.condition.as_str(),
            d.start,
            d.end
        ),
        ("Dropped", "Fooo", "Fooo Eq 1", 45, 54)
    );
    // Serialized beside the plan, not inside it.
    let json = serde_json::to_value(&plan).unwrap();
    assert!(json.get("dropped").is_none(), "{json}");
    let d = serde_json::to_value(&plan.dropped).unwrap();
    assert_eq!(
        d,
        serde_json::json!([{"status":"Dropped","field":"Fooo","condition":"Fooo Eq 1","start":45,"end":54}])
    );
}

#[test]
fn drop_policy_keeps_every_other_error() {
    let p = dropping(private());
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And Foo Eq 1 And Mls Eq 'x'",
        ErrorKind::NotSearchable,
        (38, 41),
    );
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And Foo Eq 1 And Visible Eq true",
        ErrorKind::RoleForbidden,
        (38, 45),
    );
    fails(
        "accounts",
        &p,
        "Foo Eq 1 And Name Eq 'x'",
        ErrorKind::RequiredFieldMissing,
        (0, 24),
    );
    // Every condition dropped: still required.
    fails(
        "accounts-legacy",
        &dropping(idx()),
        "Foo Eq 1 Or Bar Eq 2",
        ErrorKind::RequiredFieldMissing,
        (0, 20),
    );
    // Value errors are found by the parser, before any field is looked up.
    fails(
        "accounts",
        &p,
        "UserType Eq 'Member' And Foo Eq 5 Div 0",
        ErrorKind::InvalidValue,
        (38, 39),
    );
}

/// After the drop policy removes `Foo Eq 1`, the filter is `UserType Eq 'Member'`: the
/// required field is constrained. The check runs on the filter as written instead.
#[test]
fn required_field_is_checked_after_dropping() {
    for (name, options) in [("accounts", private()), ("accounts-legacy", idx())] {
        let plan = planned(name, &dropping(options), "UserType Eq 'Member' Or Foo Eq 1");
        assert!(
            plan.to_string().starts_with("UserType Matches \"member\""),
            "{plan}"
        );
        assert_eq!(plan.dropped.len(), 1);
    }
}

/// The drop policy removes `Foo Add Visible Gt 1` (Foo is unknown), so the planned filter no
/// longer constrains Visible; the implicit `Visible Eq true` must then come back, or hidden
/// accounts are returned by a filter that never asked for them.
#[test]
fn implicit_visible_survives_a_dropped_mention() {
    let plan = planned(
        "accounts",
        &dropping(privileged()),
        "UserType Eq 'Member' And Foo Add Visible Gt 1",
    );
    assert_eq!(plan.dropped.len(), 1);
    assert_eq!(
        plan.to_string().lines().next().unwrap(),
        "UserType Matches \"member\" And Visible Eq true [implicit]"
    );
}

/// `UserType Eq NULL` does not constrain UserType to one of its documented values
/// ("UserType (required): One of the following values: Member, Office, Company, Mls"), yet it
/// satisfies the required-field rule and the values check.
#[test]
fn user_type_null_is_not_a_user_type() {
    for (name, options) in [("accounts", private()), ("accounts-legacy", idx())] {
        fails(
            name,
            &options,
            "UserType Eq NULL",
            ErrorKind::InvalidValue,
            (12, 16),
        );
    }
}

// ---- custom schemas -------------------------------------------------------------------------

#[test]
fn minimal_custom_schema_from_a_file() {
    let file = TempSchema::new(
        "minimal",
        r#"{"name":"t","fields":[{"name":"T","type":"boolean"}]}"#,
    );
    let s = file.load();
    assert_eq!(s.name, "t");
    let p = private();
    assert_eq!(plans_in(&s, &p, "T Eq true"), "T Eq true");
    assert_eq!(plans_in(&s, &p, "T Ne false"), "Not T Eq false");
    assert_eq!(plans_in(&s, &p, ""), "(all records)");
    fails_in(&s, &p, "U Eq true", ErrorKind::UnknownField, (0, 1));
    fails_in(&s, &p, "T Eq 'x'", ErrorKind::TypeMismatch, (5, 8));
    fails_in(&s, &p, "T Gt true", ErrorKind::OperatorNotAllowed, (2, 4));
    // Every role may search it (no roles listed), and T is orderable by default.
    plans_in(&s, &role(Role::Public), "T Eq true");
    assert_eq!(
        plan::order_by("-T", &s, &Caller::new(Role::Private))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn custom_schema_rules() {
    let file = TempSchema::new(
        "rules",
        r#"{"name":"listings","roles":["idx","private"],"fields":[
          {"name":"MlsStatus","type":"character","required":true,"values":["Active","Closed"]},
          {"name":"City","type":"character","operators":["Eq"],"path":"Address.City"},
          {"name":"Secret","type":"character","access":{"roles":["private"],"grants":["privileged"]}},
          {"name":"Hidden","type":"boolean","implicit_eq":false},
          {"name":"Agent","type":"character","searchable":false,"orderable":false}
        ]}"#,
    );
    let s = file.load();
    let p = private();
    assert_eq!(
        plans_in(&s, &p, "MlsStatus Eq 'Active' And City Eq 'Fargo'"),
        "MlsStatus Matches \"active\" And City Matches \"fargo\" And Hidden Eq false [implicit]"
    );
    fails_in(
        &s,
        &p,
        "City Eq 'Fargo'",
        ErrorKind::RequiredFieldMissing,
        (0, 15),
    );
    fails_in(
        &s,
        &p,
        "MlsStatus Eq 'Gone'",
        ErrorKind::InvalidValue,
        (13, 19),
    );
    fails_in(
        &s,
        &p,
        "MlsStatus Eq 'Active' And City Ne 'Fargo'",
        ErrorKind::OperatorNotAllowed,
        (26, 41),
    );
    fails_in(
        &s,
        &p,
        "MlsStatus Eq 'Active' And Secret Eq 'x'",
        ErrorKind::RoleForbidden,
        (26, 32),
    );
    plans_in(&s, &privileged(), "MlsStatus Eq 'Active' And Secret Eq 'x'");
    fails_in(
        &s,
        &with_caller(Caller {
            role: Role::Idx,
            privileged: true,
            ..Caller::new(Role::Private)
        }),
        "MlsStatus Eq 'Active' And Secret Eq 'x'",
        ErrorKind::RoleForbidden,
        (26, 32),
    );
    fails_in(
        &s,
        &role(Role::Vow),
        "MlsStatus Eq 'Active'",
        ErrorKind::RoleForbidden,
        (0, 21),
    );
    fails_in(
        &s,
        &p,
        "MlsStatus Eq 'Active' And Agent Eq 'x'",
        ErrorKind::NotSearchable,
        (26, 31),
    );
    assert_eq!(
        plans_in(&s, &p, "MlsStatus Eq 'Active' And Hidden Eq true"),
        "MlsStatus Matches \"active\" And Hidden Eq true"
    );
}

#[test]
fn bad_schema_files_are_errors() {
    let bad = TempSchema::new(
        "bad",
        r#"{"name":"t","fields":[{"name":"T","type":"boolean","serchable":false}]}"#,
    );
    assert!(builtin::resolve(bad.0.to_str().unwrap()).is_err());
    let bad = TempSchema::new(
        "badname",
        r#"{"name":"t","fields":[{"name":"lower","type":"boolean"}]}"#,
    );
    assert!(builtin::resolve(bad.0.to_str().unwrap()).is_err());
    assert!(builtin::resolve("no-such-schema").is_err());
    for name in builtin::NAMES {
        assert_eq!(builtin::resolve(name).unwrap().name, *name);
    }
}

// ---- plan structure -------------------------------------------------------------------------

#[test]
fn tests_carry_the_span_of_their_condition() {
    let filter = "UserType Eq 'Member' And (LastName Eq 'x' Or FirstName Ne 'y')";
    let plan = planned("accounts", &private(), filter);
    let mut spans = Vec::new();
    collect_spans(&plan.root, &mut spans);
    let texts: Vec<&str> = spans.iter().map(|&(s, e)| &filter[s..e]).collect();
    assert_eq!(
        texts,
        [
            "UserType Eq 'Member'",
            "LastName Eq 'x'",
            "FirstName Ne 'y'",
            ""
        ]
    );
}

fn collect_spans(node: &Node, out: &mut Vec<(usize, usize)>) {
    match node {
        Node::Test(t) => out.push((t.span.start, t.span.end)),
        Node::And { children } | Node::Or { children } => {
            children.iter().for_each(|c| collect_spans(c, out))
        }
        Node::Not { node } => collect_spans(node, out),
        Node::Const { .. } => {}
    }
}

#[test]
fn plan_json_shape() {
    let plan = planned(
        "accounts",
        &private(),
        "UserType Eq 'Member' And Email Eq 'A@B.c'",
    );
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["schema"], "accounts");
    assert_eq!(json["zone"], "+00:00");
    assert_eq!(json["order_by"], serde_json::json!([]));
    let email = &json["root"]["children"][1];
    assert_eq!(email["type"], "test");
    assert_eq!(email["operand"]["name"], "Email");
    assert_eq!(email["operand"]["path"], "Emails[].Address");
    assert_eq!(email["operand"]["multi_valued"], true);
    assert_eq!(email["operand"]["field_type"], "character");
    assert_eq!(email["predicate"]["type"], "match");
    assert_eq!(
        email["predicate"]["patterns"],
        serde_json::json!([{"type":"exact","text":"a@b.c"}])
    );
    assert_eq!(email["span"], serde_json::json!({"start":25,"end":41}));
    assert_eq!(json["root"]["children"][2]["implicit"], true);
}
