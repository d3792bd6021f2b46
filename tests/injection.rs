//! Hostile values, stored in records and used in filters (exact values, wildcard patterns,
//! lists, `contains()`/`startswith()`/`endswith()`, the name rule), must match exactly what
//! the evaluator matches on SQLite and PostgreSQL, never reach the SQL text, and leave the
//! data intact: same tables, same row counts, same checksum of every row.

mod support;

use serde_json::{Value, json};
use spark_filter::plan::{Caller, Role, Schema, builtin};
use support::{Db, escape, quote, wildcard};

/// Values that would break a query built by pasting text: SQL injection, quotes, backslashes,
/// LIKE metacharacters, comment markers, placeholders of every dialect, control characters
/// (no NUL: PostgreSQL text cannot hold it), non-ASCII and invisible characters.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "'; DROP TABLE accounts; --",
        "\"; DROP TABLE accounts; --",
        "'); DELETE FROM accounts; --",
        "Robert'); DROP TABLE hostile;--",
        "' OR '1'='1",
        "' OR 1=1 --",
        "1; UPDATE accounts SET doc = '{}'",
        "'",
        "''",
        "\"",
        "\"\"",
        "`",
        "\\",
        "\\\\",
        "\\'",
        "a\\",
        "\\%",
        "\\_",
        "%",
        "_",
        "%%",
        "_%_",
        "100%",
        "a_b",
        "%\\",
        "--",
        ";",
        "/*",
        "*/",
        "/* comment */",
        "$1",
        "$2",
        "?",
        "?1",
        "?2",
        ":name",
        "@p",
        "$$",
        "$tag$ x $tag$",
        "E'\\x41'",
        "\t",
        "\n",
        "\r\n",
        "\u{7}",
        "\u{1b}[31mred",
        "\u{7f}",
        "\u{1}",
        "Ω",
        "😀",
        "\u{202e}evil",
        "\u{feff}bom",
        "zero\u{200b}width",
        "ǅ",
        "NULL",
        "null",
        "true",
        "0",
        "1e999",
        "*",
        "\\*",
        "a*b",
        "",
        " ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("{}'; DROP TABLE accounts; --", "y".repeat(4000)));
    v
}

fn hostile_records(values: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, h) in values.iter().enumerate() {
        out.push(
            json!({"City": h, "Code": h, "Tags": [h, "plain"], "Items": [{"Name": h}],
            "Count": i}),
        );
        // The value inside longer text, for patterns.
        out.push(
            json!({"City": format!("pre{h}post"), "Code": format!("{h}{h}"),
            "Tags": [format!("x{h}")], "Items": [{"Name": format!("{h}y")}, {"Name": "plain"}]}),
        );
    }
    // Very long values.
    out.push(json!({"City": "x".repeat(200_000), "Code": format!("{}%_\\'", "z".repeat(100_000))}));
    out.push(json!({"City": "plain", "Code": "plain", "Tags": [], "Items": []}));
    out
}

const HOSTILE_SCHEMA: &str = r#"{
  "name": "hostile",
  "fields": [
    {"name": "City", "type": "character"},
    {"name": "Code", "type": "character", "case_sensitive": true},
    {"name": "Count", "type": "integer"},
    {"name": "Tags", "type": "character_list", "path": "Tags[]", "orderable": false},
    {"name": "ItemName", "type": "character", "path": "Items[].Name", "orderable": false}
  ]
}"#;

/// Filters that use `h` in every way a character value can be used on `field`.
fn filters_for(field: &str, h: &str, other: &str, eq_only: bool) -> Vec<String> {
    let mut out = vec![
        format!("{field} Eq {}", quote(h)),
        format!("{field} Eq {}", wildcard(&["", h, ""])),
        format!("{field} Eq {}", wildcard(&[h, ""])),
        format!("{field} Eq {}", wildcard(&["", h])),
        format!("{field} Eq {}", wildcard(&[h, h])),
        format!("{field} Eq contains({})", quote(h)),
        format!("{field} Eq startswith({})", quote(h)),
        format!("{field} Eq endswith({})", quote(h)),
        format!("{field} Eq {},{}", quote(h), quote(other)),
        // The raw text as a literal, only its quotes and backslashes escaped: its stars are
        // wildcards.
        format!(
            "{field} Eq '{}'",
            h.replace('\\', "\\\\").replace('\'', "\\'")
        ),
    ];
    if !eq_only {
        out.push(format!("{field} Ne {}", quote(h)));
        out.push(format!("{field} Ne {}", wildcard(&["", h, ""])));
    }
    out
}

/// Words a hostile filter or its SQL must never smuggle into the SQL text.
const NEVER_IN_SQL: &[&str] = &["DROP", "DELETE", "UPDATE", "/*", "1'='1", "$tag$", "--"];

fn check_sql_text(outcome: &support::Outcome, failures: &mut Vec<String>) {
    let mut queries = vec![outcome.sqlite.0.as_ref()];
    if let Some(pg) = &outcome.pg {
        queries.push(pg.0.as_ref());
    }
    for q in queries.into_iter().flatten() {
        for word in NEVER_IN_SQL {
            if q.sql.contains(word) {
                failures.push(format!(
                    "{:?} reached the SQL text of {}:\n  {}",
                    word, outcome.filter, q.sql
                ));
            }
        }
    }
}

/// Runs every filter on the three back ends and checks the data afterwards.
fn run(label: &str, db: &mut Db, filters: &[String], options: &spark_filter::plan::PlanOptions) {
    let before = db.fingerprint();
    let lines_before = db.lines.clone();
    let mut failures = Vec::new();
    let mut planned = 0;
    let mut rejected = Vec::new();
    let mut matched = 0;
    for f in filters {
        let outcome = match db.outcome(f, options) {
            Ok(o) => o,
            Err(e) => {
                rejected.push(format!("{f}: {e}"));
                continue;
            }
        };
        planned += 1;
        if !outcome.eval.is_empty() {
            matched += 1;
        }
        check_sql_text(&outcome, &mut failures);
        if !outcome.agree() {
            failures.push(outcome.report(db, 4));
        }
    }
    let after = db.fingerprint();
    assert_eq!(before, after, "[{label}] the data changed");
    // The stored documents are byte for byte the loaded lines.
    let mut stmt = db
        .sqlite
        .prepare(&format!(
            "SELECT doc FROM \"{}\" ORDER BY rid",
            db.layout.table
        ))
        .expect("main table still exists in SQLite");
    let docs: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("select")
        .collect::<Result<_, _>>()
        .expect("docs");
    assert_eq!(docs, lines_before, "[{label}] SQLite documents changed");
    if let Some(pg) = db.pg.as_mut() {
        let rows = pg
            .client
            .query(
                &format!("SELECT doc FROM \"{}\" ORDER BY rid", db.layout.table),
                &[],
            )
            .expect("main table still exists in PostgreSQL");
        let docs: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(docs, lines_before, "[{label}] PostgreSQL documents changed");
        // No table was added or dropped in the test's own schema.
        // The schema's tables and the layout record table that `load` writes.
        let mut expected: Vec<String> = vec![
            db.layout.table.clone(),
            spark_filter::sql::maintain::LAYOUT_TABLE.to_string(),
        ];
        expected.extend(db.layout.child_tables().iter().map(|t| t.to_string()));
        expected.sort();
        let rows = pg
            .client
            .query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
                &[&pg.name],
            )
            .expect("list tables");
        let tables: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(tables, expected, "[{label}] PostgreSQL tables changed");
    }
    // The schema's tables and the layout record table that `load` writes.
    let mut expected: Vec<String> = vec![
        db.layout.table.clone(),
        spark_filter::sql::maintain::LAYOUT_TABLE.to_string(),
    ];
    expected.extend(db.layout.child_tables().iter().map(|t| t.to_string()));
    expected.sort();
    let mut stmt = db
        .sqlite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        .expect("sqlite_master");
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("select")
        .collect::<Result<_, _>>()
        .expect("names");
    assert_eq!(tables, expected, "[{label}] SQLite tables changed");
    eprintln!(
        "[{label}] {planned} hostile filters planned ({matched} matched some record, {} rejected by the planner) over {} records; data intact",
        rejected.len(),
        db.records.len()
    );
    assert!(
        planned * 10 >= filters.len() * 9,
        "[{label}] too many hostile filters rejected:\n{}",
        rejected.join("\n")
    );
    assert!(
        failures.is_empty(),
        "[{label}] {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn hostile_values_in_a_custom_schema() {
    let label = "hostile_values_in_a_custom_schema";
    let values = hostile();
    let schema = Schema::from_json(HOSTILE_SCHEMA).expect("schema");
    let pg = support::pg_schema(label, "injection_custom");
    let mut db = Db::load(schema, hostile_records(&values), support::zone(0), pg);
    let mut filters = Vec::new();
    for (i, h) in values.iter().enumerate() {
        let other = &values[(i + 1) % values.len()];
        for field in ["City", "Code", "Tags", "ItemName"] {
            filters.extend(filters_for(field, h, other, false));
        }
    }
    filters.push(format!("Code Eq {}", quote(&"z".repeat(15_000))));
    let options = support::plan_options(Caller::new(Role::Private), support::zone(0));
    run(label, &mut db, &filters, &options);
}

#[test]
fn hostile_values_in_accounts() {
    let label = "hostile_values_in_accounts";
    let values = hostile();
    let schema = builtin::builtin("accounts").expect("accounts");
    let mut records = Vec::new();
    for h in &values {
        let mut designations = serde_json::Map::new();
        designations.insert(h.clone(), json!(true));
        records.push(json!({
            "UserType": "Member",
            "Name": format!("{h} Smith"),
            "FirstName": h,
            "LastName": format!("O'{h}"),
            "Office": h,
            "ShortId": h,
            "Tags": [h],
            "Designations": designations,
            "Emails": [{"Address": format!("{h}@example.com")}],
            "PrimaryAddress": {"City": h},
            "Phones": [{"Number": format!("701-555-1212 {h}")}],
            "Settings": {"Visible": true}
        }));
    }
    let pg = support::pg_schema(label, "injection_accounts");
    let mut db = Db::load(schema, records, support::zone(0), pg);
    let mut filters = Vec::new();
    for (i, h) in values.iter().enumerate() {
        let other = &values[(i + 1) % values.len()];
        for (field, eq_only) in [
            ("FirstName", false),
            ("LastName", false),
            ("Office", true),
            ("ShortId", false),
            ("Tags", true),
            ("Designations", true),
            ("Email", false),
            ("\"PrimaryAddress\".\"City\"", false),
            ("Name", true),
        ] {
            filters.extend(
                filters_for(field, h, other, eq_only)
                    .into_iter()
                    .map(|f| format!("UserType Eq 'Member' And {f}")),
            );
        }
        // The name rule: a wildcard value without whitespace applies to every word.
        if !h.chars().any(char::is_whitespace) {
            filters.push(format!("UserType Eq 'Member' And Name Eq '{}*'", escape(h)));
        }
    }
    filters.push("UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-1212'".to_string());
    let options = support::plan_options(support::mls_privileged(), support::zone(0));
    run(label, &mut db, &filters, &options);
}
