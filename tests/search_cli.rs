//! `spark-filter search`: the response body a server would send, the same bytes from
//! `--records`, `--db sqlite://…` and `--db postgres://…`, and the exit codes (0 for 2xx, 1 for
//! 4xx, 2 when it could not run).

mod support;

use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_spark-filter");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run spark-filter")
}

fn body(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

/// A temporary copy of the first `n` sample accounts, and a SQLite database loaded with them.
fn fixture(tag: &str, n: usize) -> (String, String) {
    let dir =
        std::env::temp_dir().join(format!("spark-filter-search-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string("data/accounts.jsonl").unwrap();
    let lines: Vec<&str> = text.lines().take(n).collect();
    let records = dir.join("accounts.jsonl");
    std::fs::write(&records, lines.join("\n") + "\n").unwrap();
    let db = dir.join("accounts.db");
    let _ = std::fs::remove_file(&db);
    let url = format!("sqlite://{}", db.display());
    let records = records.display().to_string();
    let o = run(&["load", "--schema", "accounts", "--db", &url, &records]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (records, url)
}

#[test]
fn records_sqlite_and_postgres_print_the_same_body() {
    let (records, sqlite) = fixture("same", 600);
    let mut sources = vec![
        vec!["--records".to_string(), records.clone()],
        vec!["--db".into(), sqlite],
    ];
    // The CLI connects on its own, to the server's default schema (no other test loads
    // accounts there).
    if let Some(url) = support::pg_url("search_cli") {
        let o = run(&["load", "--schema", "accounts", "--db", &url, &records]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        sources.push(vec!["--db".into(), url]);
    }
    for query in [
        "_filter=UserType+Eq+'Member'&_orderby=-LastName,FirstName&_limit=5&_pagination=1",
        "_filter=UserType+Eq+'Office'&_select=Name,Office&_skip=2&_limit=3&_expand=Settings",
        "_filter=UserType+Eq+'Member'&_pagination=count",
        "_filter=UserType+Eq+'Member'&_orderby=Office&_limit=4&_skiptoken=",
    ] {
        let bodies: Vec<(String, Option<i32>)> = sources
            .iter()
            .map(|src| {
                let mut args = vec![
                    "search",
                    "--schema",
                    "accounts",
                    "--role",
                    "private",
                    "--now",
                    "2026-11-22T12:00:00Z",
                ];
                args.extend(src.iter().map(String::as_str));
                args.push(query);
                let o = run(&args);
                (body(&o), o.status.code())
            })
            .collect();
        for b in &bodies[1..] {
            assert_eq!(b, &bodies[0], "{query}");
        }
        assert_eq!(bodies[0].1, Some(0), "{query}: {}", bodies[0].0);
        let v: Value = serde_json::from_str(&bodies[0].0).unwrap();
        assert_eq!(v["D"]["Success"], Value::Bool(true));
    }
}

#[test]
fn exit_codes() {
    let (records, _) = fixture("exit", 20);
    let ok = run(&[
        "search",
        "--schema",
        "accounts",
        "--role",
        "idx",
        "--records",
        &records,
        "_filter=UserType+Eq+'Member'",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    let bad = run(&[
        "search",
        "--schema",
        "accounts",
        "--role",
        "idx",
        "--records",
        &records,
        "_limit=26",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let v: Value = serde_json::from_str(&body(&bad)).unwrap();
    assert_eq!(v["D"]["Code"], Value::from(1053));
    assert_eq!(v["D"]["Details"], Value::from("_limit"));
    let forbidden = run(&[
        "search",
        "--schema",
        "portal-groups",
        "--role",
        "idx",
        "--records",
        &records,
        "",
    ]);
    assert_eq!(forbidden.status.code(), Some(1));
    assert!(body(&forbidden).contains("\"Code\":1500"));
    // No role: a usage error; a missing file: could not run.
    assert_eq!(
        run(&["search", "--schema", "accounts", "--records", &records, ""])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&[
            "search",
            "--schema",
            "accounts",
            "--role",
            "bogus",
            "--records",
            &records,
            ""
        ])
        .status
        .code(),
        Some(2)
    );
    let missing = run(&[
        "search",
        "--schema",
        "accounts",
        "--role",
        "idx",
        "--records",
        "/nonexistent/x.jsonl",
        "_filter=UserType+Eq+'Member'",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("cannot open /nonexistent/x.jsonl: No such file or directory"),
        "{err}"
    );
    // A SQLite file that is not there is not created empty: the error says to load it.
    let db = std::env::temp_dir().join(format!("spark-filter-no-db-{}.sqlite", std::process::id()));
    let url = format!("sqlite://{}", db.display());
    let no_db = run(&[
        "search",
        "--schema",
        "accounts",
        "--role",
        "idx",
        "--db",
        &url,
        "_filter=UserType+Eq+'Member'",
    ]);
    assert_eq!(no_db.status.code(), Some(2));
    let err = String::from_utf8_lossy(&no_db.stderr);
    assert!(err.contains("run `spark-filter load"), "{err}");
    assert!(!db.exists(), "an empty database file was created");
}

#[test]
fn walking_skiptokens_from_the_command_line() {
    let (records, sqlite) = fixture("walk", 120);
    for src in [["--records", records.as_str()], ["--db", sqlite.as_str()]] {
        let base = "_filter=UserType+Eq+'Member'&_orderby=-Office,LastName&_limit=7";
        let full = run(&[
            "search",
            "--schema",
            "accounts",
            "--role",
            "private",
            "--replication",
            src[0],
            src[1],
            "_filter=UserType+Eq+'Member'&_orderby=-Office,LastName&_limit=1000",
        ]);
        let full: Value = serde_json::from_str(&body(&full)).unwrap();
        let full: Vec<Value> = full["D"]["Results"].as_array().unwrap().clone();
        let mut walked = Vec::new();
        let mut token = String::new();
        loop {
            let q = format!("{base}&_skiptoken={token}");
            let o = run(&[
                "search",
                "--schema",
                "accounts",
                "--role",
                "private",
                "--token-key",
                "k",
                src[0],
                src[1],
                &q,
            ]);
            let v: Value = serde_json::from_str(&body(&o)).unwrap();
            walked.extend(v["D"]["Results"].as_array().unwrap().iter().cloned());
            match v["D"]["SkipToken"].as_str() {
                Some(t) => token = t.to_string(),
                None => break,
            }
        }
        assert_eq!(walked, full, "{}", src[0]);
    }
}
