//! `spark-filter check` through the binary: exit codes, the plan on stdout, rendered errors on
//! stderr, the `--json` shape, and the defaults (role private, user level member, unknown
//! fields are errors).

mod support;

use support::NOW;

use std::process::Command;

use serde_json::{Value, json};
use spark_filter::plan::{self, Caller, PlanOptions, Role, builtin};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_spark-filter"))
        .arg("check")
        .args(args)
        .output()
        .expect("run spark-filter");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[track_caller]
fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(
        r.code, 0,
        "{args:?} failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    assert_eq!(r.stderr, "", "{args:?}");
    r.stdout
}

#[track_caller]
fn fails(args: &[&str]) -> Run {
    let r = run(args);
    assert_eq!(
        r.code, 1,
        "{args:?}:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r
}

#[track_caller]
fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn temp_schema(tag: &str, json: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "spark-filter-plan-cli-{}-{tag}.json",
        std::process::id()
    ));
    std::fs::write(&path, json).unwrap();
    path
}

// ---- plans and errors -------------------------------------------------------------------

#[test]
fn a_valid_filter_prints_its_plan() {
    let out = ok(&[
        "--schema",
        "accounts",
        "UserType Eq 'Member' And Name Eq 'thomas*'",
    ]);
    assert_eq!(
        out,
        "UserType Matches \"member\" And Name HasWordMatching startswith \"thomas\" And Visible Eq true [implicit]\n"
    );
    let out = ok(&["--schema", "portal-groups", "--role", "vow", ""]);
    assert_eq!(out, "(all records)\n");
}

#[test]
fn the_cli_prints_what_the_library_plans() {
    let schema = builtin::builtin("accounts").unwrap();
    let options = PlanOptions {
        clock: support::clock(),
        ..PlanOptions::new(Caller::new(Role::Private))
    };
    for filter in [
        "UserType Eq 'Member' And (Name Eq 'john*','tim*' Or \"Phones\".\"Number\" Eq '1 5555555555 x555')",
        "UserType Eq 'Office','Member' And LastName Ne 'Sm*' And Tags Eq 'Agent'",
        "(UserType Eq 'Mls' And \"Team\".\"Owner\" Eq false)",
    ] {
        let expected = plan::check(filter, &schema, &options).unwrap().to_string();
        let out = ok(&["--schema", "accounts", "--now", NOW, filter]);
        assert_eq!(out, format!("{expected}\n"), "{filter}");
    }
}

#[test]
fn errors_exit_1_with_rendered_errors_on_stderr() {
    let r = fails(&[
        "--schema",
        "accounts",
        "UserType Eq 'Member' And Mls Eq 'x'",
    ]);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "error[not_searchable]: Mls cannot be searched in the accounts service\n  |\n1 | UserType Eq 'Member' And Mls Eq 'x'\n  |                          ^^^\n  = Spark error code 1040\n\n"
    );
    // Every error is rendered.
    let r = fails(&["--schema", "accounts", "Lastname Eq 'x' Or Office Ne 'y'"]);
    assert_eq!(r.stdout, "");
    let headers: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        headers,
        [
            "error[unknown_field]: the accounts schema has no field Lastname; did you mean LastName?",
            "error[operator_not_allowed]: Office takes only Eq, not Ne",
            "error[required_field_missing]: the accounts service requires UserType (one of Member, Office, Company, Mls) in every filter, joined with And at the top level: UserType Eq 'Member' And …",
        ]
    );
    // Limits have code 1041.
    let r = fails(&[
        "--schema",
        "accounts",
        "UserType Eq 'Member' And (((Name Eq 'x')))",
    ]);
    assert!(
        r.stderr.starts_with("error[limit_exceeded]"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("= Spark error code 1041"), "{}", r.stderr);
    // Syntax errors too.
    let r = fails(&["--schema", "portal-groups", "Name Eq"]);
    assert!(r.stderr.starts_with("error[syntax]"), "{}", r.stderr);
}

#[test]
fn operational_failures_exit_2() {
    let r = run(&["--schema", "no-such-schema", "A Eq 1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("spark-filter: "), "{}", r.stderr);
    assert!(r.stderr.contains("no-such-schema"), "{}", r.stderr);
    // Bad flags.
    let r = run(&[
        "--schema",
        "accounts",
        "--role",
        "admin",
        "UserType Eq 'Member'",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

// ---- --json -----------------------------------------------------------------------------

#[test]
fn json_output_of_a_plan() {
    let out = ok(&[
        "--schema",
        "accounts",
        "--json",
        "UserType Eq 'Member' And Email Eq 'Work@Test.com'",
    ]);
    let v = json_of(&out);
    assert_eq!(keys(&v), ["dropped", "errors", "ok", "plan"]);
    assert_eq!(v["ok"], true);
    assert_eq!(v["errors"], json!([]));
    assert_eq!(v["dropped"], json!([]));
    let plan = &v["plan"];
    assert_eq!(plan["schema"], "accounts");
    assert_eq!(plan["order_by"], json!([]));
    assert_eq!(plan["root"]["type"], "and");
    let email = &plan["root"]["children"][1];
    assert_eq!(email["operand"]["name"], "Email");
    assert_eq!(email["operand"]["path"], "Emails[].Address");
    assert_eq!(
        email["predicate"]["patterns"],
        json!([{"type": "exact", "text": "work@test.com"}])
    );
    assert_eq!(email["span"], json!({"start": 25, "end": 49}));
    assert_eq!(plan["root"]["children"][2]["implicit"], true);
}

#[test]
fn json_output_of_errors() {
    let r = fails(&[
        "--schema",
        "accounts",
        "--json",
        "UserType Eq 'Member' And Mls Eq 'x' And Name Ne 'y'",
    ]);
    let v = json_of(&r.stdout);
    assert_eq!(keys(&v), ["dropped", "errors", "ok", "plan"]);
    assert_eq!(v["ok"], false);
    assert_eq!(v["plan"], Value::Null);
    assert_eq!(v["dropped"], json!([]));
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    for e in errors {
        assert_eq!(keys(e), ["code", "end", "kind", "message", "start"]);
    }
    assert_eq!(
        errors[0],
        json!({"kind": "not_searchable", "code": 1040, "message": "Mls cannot be searched in the accounts service", "start": 25, "end": 28})
    );
    assert_eq!(
        errors[1],
        json!({"kind": "operator_not_allowed", "code": 1040, "message": "Name takes only Eq, not Ne", "start": 40, "end": 51})
    );
    // Only JSON: nothing on stderr (changed on purpose, issue 10: a JSON client reads one
    // stream).
    assert_eq!(r.stderr, "");

    let r = fails(&[
        "--schema",
        "accounts",
        "--json",
        "UserType Eq 'Member' And (((Name Eq 'x')))",
    ]);
    let v = json_of(&r.stdout);
    assert_eq!(v["errors"][0]["kind"], "limit_exceeded");
    assert_eq!(v["errors"][0]["code"], 1041);
    assert_eq!(
        (&v["errors"][0]["start"], &v["errors"][0]["end"]),
        (&json!(27), &json!(40))
    );
}

#[test]
fn json_output_of_dropped_conditions() {
    let filter = "Not (Name Eq 'x' Or Foo Eq 1) And UserType Eq 'Member'";
    let out = ok(&[
        "--schema",
        "accounts",
        "--unknown-fields",
        "drop",
        "--json",
        filter,
    ]);
    let v = json_of(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(
        v["dropped"],
        json!([{"status": "Dropped", "field": "Foo", "condition": "Foo Eq 1", "start": 20, "end": 28}])
    );
    assert!(v["plan"].get("dropped").is_none());
    // The text form lists them after the plan.
    let out = ok(&["--schema", "accounts", "--unknown-fields", "drop", filter]);
    assert_eq!(
        out,
        "Not Name Matches \"x\" And UserType Matches \"member\" And Visible Eq true [implicit]\ndropped: Foo Eq 1 (unknown field Foo)\n"
    );
    // Everything dropped: every record.
    let out = ok(&[
        "--schema",
        "portal-groups",
        "--unknown-fields",
        "drop",
        "Foo Eq 1 Or Bar Eq 2",
    ]);
    assert_eq!(
        out,
        "(all records)\ndropped: Foo Eq 1 (unknown field Foo)\ndropped: Bar Eq 2 (unknown field Bar)\n"
    );
    // The default policy is error.
    let r = fails(&["--schema", "accounts", "--json", filter]);
    let v = json_of(&r.stdout);
    assert_eq!(v["errors"][0]["kind"], "unknown_field");
    assert_eq!(
        (&v["errors"][0]["start"], &v["errors"][0]["end"]),
        (&json!(20), &json!(23))
    );
    let r = fails(&["--schema", "accounts", "--unknown-fields", "error", filter]);
    assert!(r.stderr.starts_with("error[unknown_field]"), "{}", r.stderr);
}

// ---- caller defaults and flags ----------------------------------------------------------

#[test]
fn the_default_role_is_private() {
    let r = fails(&["--schema", "accounts-legacy", "UserType Eq 'Member'"]);
    assert!(
        r.stderr.starts_with(
            "error[role_forbidden]: the accounts-legacy service cannot be searched with the Private role"
        ),
        "{}",
        r.stderr
    );
    ok(&[
        "--schema",
        "accounts-legacy",
        "--role",
        "idx",
        "UserType Eq 'Member'",
    ]);
    // Private reads portal groups; IDX and Public do not.
    ok(&["--schema", "portal-groups", "Name Eq 'x'"]);
    for role in ["idx", "public"] {
        let r = fails(&["--schema", "portal-groups", "--role", role, "Name Eq 'x'"]);
        assert!(
            r.stderr.starts_with("error[role_forbidden]"),
            "{}",
            r.stderr
        );
    }
    for role in ["vow", "portal", "private"] {
        ok(&["--schema", "portal-groups", "--role", role, "Name Eq 'x'"]);
    }
}

#[test]
fn the_default_user_level_is_member() {
    let filter = "UserType Eq 'Member' And NrdsId Eq 12345";
    let r = fails(&["--schema", "accounts", filter]);
    assert!(
        r.stderr
            .starts_with("error[role_forbidden]: NrdsId cannot be searched with this key: only MLS-level users may search it"),
        "{}",
        r.stderr
    );
    for level in ["member", "office", "company"] {
        fails(&["--schema", "accounts", "--user-level", level, filter]);
    }
    assert_eq!(
        ok(&["--schema", "accounts", "--user-level", "mls", filter]),
        "UserType Matches \"member\" And NrdsId Eq 12345 And Visible Eq true [implicit]\n"
    );
}

#[test]
fn privileged_and_replication_keys() {
    let filter = "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)";
    let r = fails(&["--schema", "accounts", filter]);
    assert!(
        r.stderr.starts_with("error[role_forbidden]: Visible"),
        "{}",
        r.stderr
    );
    for flag in ["--privileged", "--replication"] {
        assert_eq!(
            ok(&["--schema", "accounts", flag, filter]),
            "UserType Matches \"member\" And (Visible Eq true Or Visible Eq false)\n"
        );
    }
    // Without Visible in the filter, the implicit test stays.
    assert_eq!(
        ok(&[
            "--schema",
            "accounts",
            "--privileged",
            "UserType Eq 'Member'"
        ]),
        "UserType Matches \"member\" And Visible Eq true [implicit]\n"
    );
}

// ---- --orderby, --now, --zone, schema files ---------------------------------------------

#[test]
fn orderby() {
    let out = ok(&[
        "--schema",
        "accounts",
        "--orderby",
        "-LastName,FirstName",
        "UserType Eq 'Member'",
    ]);
    assert_eq!(
        out,
        "UserType Matches \"member\" And Visible Eq true [implicit]\norder by LastName desc, FirstName\n"
    );
    let out = ok(&[
        "--schema",
        "accounts",
        "--orderby",
        "+Name",
        "--json",
        "UserType Eq 'Member'",
    ]);
    let v = json_of(&out);
    let keys_ = &v["plan"]["order_by"];
    assert_eq!(keys_[0]["field"]["name"], "Name");
    assert_eq!(keys_[0]["descending"], false);

    // Not orderable: rendered against the _orderby text.
    let r = fails(&[
        "--schema",
        "accounts",
        "--orderby",
        "LastName,Email",
        "UserType Eq 'Member'",
    ]);
    assert_eq!(
        r.stderr,
        "error[not_orderable]: Email cannot be used in _orderby\n  |\n1 | LastName,Email\n  |          ^^^^^\n  = Spark error code 1040\n\n"
    );
    for field in ["OfficeId", "Tags", "-Email"] {
        let r = fails(&[
            "--schema",
            "accounts",
            "--orderby",
            field,
            "UserType Eq 'Member'",
        ]);
        assert!(r.stderr.starts_with("error[not_orderable]"), "{}", r.stderr);
    }
    let r = fails(&[
        "--schema",
        "accounts",
        "--orderby",
        "LastNme",
        "UserType Eq 'Member'",
    ]);
    assert!(
        r.stderr.starts_with(
            "error[unknown_field]: the accounts schema has no field LastNme; did you mean LastName?"
        ),
        "{}",
        r.stderr
    );
    // Filter errors and _orderby errors are both reported.
    let r = fails(&[
        "--schema",
        "accounts",
        "--orderby",
        "Email",
        "--json",
        "Name Eq 'x'",
    ]);
    let v = json_of(&r.stdout);
    let kinds: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["required_field_missing", "not_orderable"]);
}

#[test]
fn custom_schema_files_now_and_zone() {
    let path = temp_schema(
        "dates",
        r#"{"name":"t","fields":[{"name":"T","type":"boolean"},{"name":"DT","type":"datetime"},{"name":"D","type":"date"}]}"#,
    );
    let p = path.to_str().unwrap();
    assert_eq!(ok(&["--schema", p, "T Eq true"]), "T Eq true\n");
    assert_eq!(
        ok(&["--schema", p, "--now", NOW, "DT Gt days(-7) And D Le now()"]),
        "DT Ge 2026-11-16T00:00:00Z And D Le 2026-11-22\n"
    );
    assert_eq!(
        ok(&["--schema", p, "--zone=-05:00", "DT Gt 2024-01-31T10:00:00"]),
        "DT Gt 2024-01-31T15:00:00Z\n"
    );
    assert_eq!(
        ok(&[
            "--schema",
            p,
            "--zone",
            "+02:00",
            "DT Gt 2024-01-31T10:00:00"
        ]),
        "DT Gt 2024-01-31T08:00:00Z\n"
    );
    let v = json_of(&ok(&[
        "--schema",
        p,
        "--zone",
        "+02:00",
        "--json",
        "T Eq true",
    ]));
    assert_eq!(v["plan"]["zone"], "+02:00");
    assert_eq!(v["plan"]["schema"], "t");
    let r = fails(&["--schema", p, "T Eq 'x'"]);
    assert!(r.stderr.starts_with("error[type_mismatch]"), "{}", r.stderr);
    let _ = std::fs::remove_file(&path);
}

/// `--zone` takes an offset "e.g. -05:00" (its help text), but a negative offset is read as
/// a flag unless written `--zone=-05:00` (`--orderby` accepts hyphen values, `--zone` does not).
#[test]
fn negative_zone_as_a_separate_argument() {
    let path = temp_schema(
        "zone",
        r#"{"name":"t","fields":[{"name":"DT","type":"datetime"}]}"#,
    );
    let p = path.to_str().unwrap();
    let r = run(&[
        "--schema",
        p,
        "--zone",
        "-05:00",
        "DT Gt 2024-01-31T10:00:00",
    ]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "DT Gt 2024-01-31T15:00:00Z\n");
}

/// NrdsId is searchable by MLS-level users only and Visible by Privileged or Replication keys
/// only, but `_orderby` checks only `orderable` (plan::order_by takes no caller): ordering by a
/// field the caller may not search reveals its order.
#[test]
fn orderby_respects_field_access() {
    for field in ["NrdsId", "-Visible"] {
        let r = run(&[
            "--schema",
            "accounts",
            "--orderby",
            field,
            "UserType Eq 'Member'",
        ]);
        assert_eq!(r.code, 1, "{field}: {}", r.stdout);
        assert!(
            r.stderr.starts_with("error[role_forbidden]"),
            "{}",
            r.stderr
        );
    }
}
