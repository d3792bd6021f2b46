//! How fast the search tables are kept in step: a bulk load, upserts one at a time (each its
//! own transaction) and upserts in batches of 500 (`upsert_lines`), on SQLite (a file) and,
//! when a URL is given, on PostgreSQL (in a schema of its own, dropped at the end).
//!
//! ```sh
//! cargo run --release --example maintain_speed -- 5000 [postgres://user@host/db]
//! ```
//!
//! Prints one line per measurement: `<back end> <what> <records> <seconds> <records/s>`.

use std::time::Instant;

use serde_json::Value;
use spark_filter::plan::builtin;
use spark_filter::sql;

fn report(backend: &str, what: &str, n: usize, start: Instant) {
    let s = start.elapsed().as_secs_f64();
    println!(
        "{backend:8} {what:24} {n:6} {s:8.3}s {:10.0}/s",
        n as f64 / s
    );
}

/// Records with their Ids renamed `{prefix}{i}`.
fn records(n: usize, seed: u64, prefix: &str) -> Vec<Value> {
    let mut out = spark_filter::sample::records("accounts", n, seed).expect("sample");
    for (i, r) in out.iter_mut().enumerate() {
        r["Id"] = Value::String(format!("{prefix}{i}"));
    }
    out
}

fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let pg_url = args.get(2);
    let schema = builtin::builtin("accounts").expect("accounts");
    let zone = chrono::FixedOffset::east_opt(0).expect("UTC");
    let base = records(n, 1, "r");
    // Half replace records that are there, half are new.
    let mut changes = records(n / 2, 2, "r");
    changes.extend(records(n / 2, 3, "new"));
    let single = &changes[..changes.len().min(1000)];
    let mut batched = records(n / 2, 4, "r");
    batched.extend(records(n / 2, 5, "more"));

    let path = std::env::temp_dir().join(format!("maintain-speed-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut conn = sql::sqlite::open(&format!("sqlite://{}", path.display())).expect("SQLite");
    let start = Instant::now();
    sql::sqlite::load(&mut conn, &schema, jsonl(&base).as_bytes(), zone).expect("load");
    report("sqlite", "load", n, start);
    let start = Instant::now();
    for r in single {
        sql::sqlite::upsert(&conn, &schema, r, zone).expect("upsert");
    }
    report("sqlite", "upsert one at a time", single.len(), start);
    let start = Instant::now();
    let rep = sql::sqlite::upsert_lines(&conn, &schema, jsonl(&batched).as_bytes(), zone)
        .expect("upsert_lines");
    report(
        "sqlite",
        "upsert_lines (500/tx)",
        rep.new + rep.replaced,
        start,
    );
    drop(conn);
    let _ = std::fs::remove_file(&path);

    if let Some(url) = pg_url {
        let mut client = sql::postgres::connect(url).expect("PostgreSQL");
        let name = format!("maintain_speed_{}", std::process::id());
        client
            .batch_execute(&format!("CREATE SCHEMA {name}; SET search_path TO {name}"))
            .expect("schema");
        let start = Instant::now();
        sql::postgres::load(&mut client, &schema, jsonl(&base).as_bytes(), zone).expect("load");
        report("postgres", "load", n, start);
        let start = Instant::now();
        for r in single {
            sql::postgres::upsert(&mut client, &schema, r, zone).expect("upsert");
        }
        report("postgres", "upsert one at a time", single.len(), start);
        let start = Instant::now();
        let rep =
            sql::postgres::upsert_lines(&mut client, &schema, jsonl(&batched).as_bytes(), zone)
                .expect("upsert_lines");
        report(
            "postgres",
            "upsert_lines (500/tx)",
            rep.new + rep.replaced,
            start,
        );
        client
            .batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
            .expect("drop schema");
    }
}
