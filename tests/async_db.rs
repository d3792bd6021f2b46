//! The async back ends (`sql::pool`) inside a real tokio runtime, on a real SQLite file and a
//! real PostgreSQL server: `Search::run_async` gives the same body as the evaluator for every
//! request, many requests at once share a small pool without deadlock, and nothing starts a
//! nested runtime.

mod support;

use std::sync::Arc;

use serde_json::Value;
use spark_filter::request::{Search, SearchOptions, TokenKey};
use spark_filter::sql::pool::{self, AsyncDb, PgPool, PgPoolOptions, SqlitePool};
use spark_filter::sql::{self, Layout};
use spark_filter::{Caller, Role, plan::builtin};

use deadpool_postgres::tokio_postgres;

const REQUESTS: &[&str] = &[
    "_filter=UserType+Eq+'Member'&_orderby=-LastName&_limit=7&_pagination=1",
    "_filter=Name+Eq+'*an*'&_orderby=Name&_limit=25&_page=3",
    "_filter=UserType+Eq+'Office'+Or+UserType+Eq+'Company'&_pagination=count",
    "_filter=&_limit=0",
    "_filter=Name+Eq+'zzz-nobody'&_pagination=1",
    "_filter=Not+UserType+Eq+'Member'&_orderby=LastName,-Name&_skip=5&_limit=10",
    "_filter=UserType+Eq+'Member'&_orderby=-LastName&_limit=5&_skiptoken=",
    // Not answerable: a failure response, not a database call.
    "_filter=Bogus+Eq+1",
];

fn records(n: usize) -> Vec<Value> {
    let text = std::fs::read_to_string("data/accounts.jsonl").expect("bundled sample accounts");
    text.lines()
        .take(n)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn options() -> SearchOptions {
    SearchOptions::new(
        Caller::new(Role::Private),
        TokenKey::new(b"async tests: a key of thirty-two bytes or more".to_vec()),
    )
}

/// Every request through `run_async` on `db`, 8 copies of each at once, against memory.
async fn agree_with_memory<D: AsyncDb + Clone + 'static>(db: D, records: Arc<Vec<Value>>) {
    let schema = Arc::new(builtin::builtin("accounts").unwrap());
    let layout = Arc::new(Layout::of(&schema));
    let mut tasks = Vec::new();
    for round in 0..8 {
        for query in REQUESTS {
            let (db, schema, layout, records) =
                (db.clone(), schema.clone(), layout.clone(), records.clone());
            tasks.push(tokio::spawn(async move {
                let search = match Search::from_query(query, &schema, &options()) {
                    Ok(s) => s,
                    Err(e) => {
                        assert!(e.status() >= 400, "{query}");
                        return;
                    }
                };
                let expected = search.run_in_memory(&records).to_json();
                let got = search
                    .run_async(&db, &layout)
                    .await
                    .unwrap_or_else(|e| panic!("{query}: {e}"))
                    .to_json();
                assert_eq!(got, expected, "round {round}: {query}");
            }));
        }
    }
    for t in tasks {
        t.await.expect("task");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_pool_answers_like_the_evaluator() {
    let records = Arc::new(records(400));
    let path = std::env::temp_dir().join(format!("spark-filter-async-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.display());
    let schema = builtin::builtin("accounts").unwrap();
    let text = jsonl(&records);
    // Loading is synchronous work: on the blocking pool, as a server would do it.
    let load_url = url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = sql::sqlite::open(&load_url).unwrap();
        sql::sqlite::load(&mut conn, &schema, text.as_bytes(), support::zone(0)).unwrap()
    })
    .await
    .unwrap();
    let pool = SqlitePool::new(&url, 3).unwrap();
    agree_with_memory(pool, records).await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn sqlite_pool_refuses_a_missing_file_and_memory() {
    let missing = SqlitePool::new("sqlite:///nonexistent/dir/x.db", 1)
        .err()
        .unwrap();
    assert!(
        missing
            .to_string()
            .contains("no SQLite database at /nonexistent/dir/x.db")
    );
    assert!(SqlitePool::new("sqlite::memory:", 1).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pool_answers_like_the_evaluator() {
    let Some(url) = support::pg_url("async_db::postgres") else {
        return;
    };
    let records = Arc::new(records(400));
    // The schema and the load use the synchronous client, on the blocking pool.
    let (schema_guard, scoped_url) = {
        let (url, text) = (url.clone(), jsonl(&records));
        tokio::task::spawn_blocking(move || {
            let mut pg = support::PgSchema::new(&url, "async");
            let schema = builtin::builtin("accounts").unwrap();
            sql::postgres::load(&mut pg.client, &schema, text.as_bytes(), support::zone(0))
                .unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            let scoped = format!("{url}{sep}options=-csearch_path%3D{}", pg.name);
            (pg, scoped)
        })
        .await
        .unwrap()
    };
    let options = PgPoolOptions::default().max_size(3);
    let pool = PgPool::new(&scoped_url, options).unwrap();
    agree_with_memory(pool.clone(), records).await;

    // The caller's own statements on a pooled connection bind `Param`s directly.
    let client = pool.client().await.unwrap();
    let params = [sql::Param::Text("Member".into())];
    let row = client
        .query_one(
            "SELECT count(*) FROM accounts WHERE doc::jsonb->>'UserType' = $1",
            &sql::bind::postgres_params(&params),
        )
        .await
        .unwrap();
    assert!(row.get::<_, i64>(0) > 0);
    // A parameter of the wrong kind for its placeholder is an error, not bytes misread.
    let wrong = client
        .query_one(
            "SELECT $1::text",
            &sql::bind::postgres_params(&[sql::Param::Int(1)]),
        )
        .await;
    assert!(wrong.is_err());
    drop(client);
    tokio::task::spawn_blocking(move || drop(schema_guard))
        .await
        .unwrap();
}

#[tokio::test]
async fn postgres_errors_keep_the_cause_and_hide_the_password() {
    let Some(url) = support::pg_url("async_db::errors") else {
        return;
    };
    // A database that does not exist: the server's own message comes through.
    let at = url.rfind('/').unwrap();
    let missing = format!("{}/spark_filter_no_such_db", &url[..at]);
    let pool = PgPool::new(&missing, PgPoolOptions::default()).unwrap();
    let q = sql::Query {
        sql: "SELECT 1::bigint".into(),
        params: vec![],
    };
    let e = pool.count(&q).await.unwrap_err().to_string();
    assert!(e.contains("spark_filter_no_such_db"), "{e}");
    // A URL the pool cannot use is refused without repeating its password.
    let e = PgPool::new("mysql://app:hunter2@db/x", PgPoolOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(!e.contains("hunter2"), "{e}");
}

/// Every table of the layout as sorted rows of JSON text (`rid` included), main table first.
fn pg_tables(client: &mut postgres::Client, layout: &Layout) -> Vec<(String, Vec<String>)> {
    let mut tables = vec![layout.table.clone()];
    tables.extend(layout.child_tables().iter().map(|t| t.to_string()));
    tables
        .into_iter()
        .map(|t| {
            let rows = client
                .query(
                    &format!("SELECT to_jsonb(x)::text FROM \"{t}\" x ORDER BY 1"),
                    &[],
                )
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            let rows = rows.iter().map(|r| r.get::<_, String>(0)).collect();
            (t, rows)
        })
        .collect()
}

/// Child rows whose record is gone, over every child table.
fn pg_orphans(client: &mut postgres::Client, layout: &Layout) -> i64 {
    layout
        .child_tables()
        .iter()
        .map(|t| {
            let q = format!(
                "SELECT count(*) FROM \"{t}\" WHERE rid NOT IN (SELECT rid FROM \"{}\")",
                layout.table
            );
            client.query_one(&q, &[]).unwrap().get::<_, i64>(0)
        })
        .sum()
}

/// A write of the test sequence.
#[derive(Clone, Debug)]
enum Op {
    Upsert(Value),
    Delete(String),
}

/// Replacements (other names, fewer or more e-mails and phones), new records, deletes of
/// records that are there and of one that is not, and a record that cannot be stored.
fn ops(base: &[Value]) -> Vec<Op> {
    let mut out = Vec::new();
    for (i, r) in base.iter().enumerate().take(40) {
        let mut r = r.clone();
        match i % 5 {
            0 => {
                r["Name"] = Value::String(format!("Renamed {i}"));
                out.push(Op::Upsert(r));
            }
            1 => {
                r["Emails"] = serde_json::json!([]);
                r["Phones"] = Value::Null;
                out.push(Op::Upsert(r));
            }
            2 => {
                let id = r["Id"].as_str().unwrap().to_string();
                out.push(Op::Delete(id));
            }
            3 => {
                r["Id"] = Value::String(format!("29990101000000000000{i:06}"));
                r["Emails"] = serde_json::json!([
                    {"Address": format!("new{i}@example.com"), "Primary": true, "Type": "Work"},
                    {"Address": format!("other{i}@example.com"), "Primary": false, "Type": "Home"}
                ]);
                out.push(Op::Upsert(r));
            }
            _ => {
                // Deleted, then stored again: a new rid.
                let id = r["Id"].as_str().unwrap().to_string();
                out.push(Op::Delete(id));
                out.push(Op::Upsert(r));
            }
        }
    }
    out.push(Op::Delete("no-such-record".into()));
    out.push(Op::Upsert(serde_json::json!({"Name": "no Id"})));
    out.push(Op::Upsert(
        serde_json::json!({"Id": "bad-shape", "Emails": "not an array"}),
    ));
    out
}

/// One write of the sequence with the async functions, its result as text.
async fn write_async(
    client: &mut impl tokio_postgres::GenericClient,
    schema: &spark_filter::plan::Schema,
    op: &Op,
) -> String {
    match op {
        Op::Upsert(r) => format!(
            "{:?}",
            pool::upsert(client, schema, r, support::zone(0))
                .await
                .map_err(|e| e.to_string())
        ),
        Op::Delete(id) => format!(
            "{:?}",
            pool::delete(client, schema, id)
                .await
                .map_err(|e| e.to_string())
        ),
    }
}

/// `sql::pool::upsert`/`delete` on tokio-postgres leave exactly the tables the synchronous
/// `sql::postgres::upsert`/`delete` leave, return the same results, and write nothing of a
/// record that cannot be stored; inside a caller's transaction they commit or roll back
/// with it; concurrent writers of one Id leave one record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_async_writes_match_the_sync_ones() {
    let Some(url) = support::pg_url("async_db::postgres_writes") else {
        return;
    };
    let base = records(120);
    let text = jsonl(&base);
    let sequence = ops(&base);
    let schema = Arc::new(builtin::builtin("accounts").unwrap());
    let layout = Layout::of(&schema);

    // The synchronous writes, on the blocking pool.
    let (mut sync_side, sync_results) = {
        let (url, text, sequence, schema) =
            (url.clone(), text.clone(), sequence.clone(), schema.clone());
        tokio::task::spawn_blocking(move || {
            let mut pg = support::PgSchema::new(&url, "awsync");
            sql::postgres::load(&mut pg.client, &schema, text.as_bytes(), support::zone(0))
                .unwrap();
            let results: Vec<String> = sequence
                .iter()
                .map(|op| match op {
                    Op::Upsert(r) => format!(
                        "{:?}",
                        sql::postgres::upsert(&mut pg.client, &schema, r, support::zone(0))
                            .map_err(|e| e.to_string())
                    ),
                    Op::Delete(id) => format!(
                        "{:?}",
                        sql::postgres::delete(&mut pg.client, &schema, id)
                            .map_err(|e| e.to_string())
                    ),
                })
                .collect();
            (pg, results)
        })
        .await
        .unwrap()
    };

    // The same start for the async writes, in a schema of their own.
    let (mut async_side, scoped_url) = {
        let (url, text, schema) = (url.clone(), text.clone(), schema.clone());
        tokio::task::spawn_blocking(move || {
            let mut pg = support::PgSchema::new(&url, "awasync");
            sql::postgres::load(&mut pg.client, &schema, text.as_bytes(), support::zone(0))
                .unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            let scoped = format!("{url}{sep}options=-csearch_path%3D{}", pg.name);
            (pg, scoped)
        })
        .await
        .unwrap()
    };
    let pool = PgPool::new(&scoped_url, PgPoolOptions::default().max_size(4)).unwrap();
    let mut client = pool.client().await.unwrap();
    let mut async_results = Vec::new();
    for (i, op) in sequence.iter().enumerate() {
        // Every third write inside a transaction of the caller's (a savepoint).
        let result = if i % 3 == 0 {
            let mut tx = client.transaction().await.unwrap();
            let result = write_async(&mut *tx, &schema, op).await;
            tx.commit().await.unwrap();
            result
        } else {
            write_async(&mut **client, &schema, op).await
        };
        async_results.push(result);
    }
    assert_eq!(async_results, sync_results);
    assert!(
        async_results.iter().any(|r| r.contains("replaced: true"))
            && async_results.iter().any(|r| r.contains("replaced: false"))
            && async_results.iter().any(|r| r.contains("invalid record")),
        "{async_results:?}"
    );

    // A caller's transaction that rolls back takes the write with it.
    {
        let mut tx = client.transaction().await.unwrap();
        let r = serde_json::json!({"Id": "rolled-back", "Name": "Gone"});
        pool::upsert(&mut *tx, &schema, &r, support::zone(0))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
    }
    drop(client);

    let (sync_side, async_side) = tokio::task::spawn_blocking(move || {
        let layout = Layout::of(&builtin::builtin("accounts").unwrap());
        let sync_tables = pg_tables(&mut sync_side.client, &layout);
        let async_tables = pg_tables(&mut async_side.client, &layout);
        assert!(
            sync_tables
                .iter()
                .filter(|(_, rows)| !rows.is_empty())
                .count()
                > 2
        );
        for ((table, want), (_, got)) in sync_tables.iter().zip(&async_tables) {
            assert_eq!(got, want, "table {table}");
        }
        assert_eq!(pg_orphans(&mut async_side.client, &layout), 0);
        (sync_side, async_side)
    })
    .await
    .unwrap();

    // Concurrent async writers, several on one Id and one each on new Ids: one record per
    // Id, distinct rids, no orphans.
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (pool, schema) = (pool.clone(), schema.clone());
        tasks.push(tokio::spawn(async move {
            let id = if i % 2 == 0 {
                "shared-id".to_string()
            } else {
                format!("own-{i}")
            };
            let r = serde_json::json!({"Id": id, "Name": format!("Writer {i}"),
                "Emails": [{"Address": format!("w{i}@example.com")}]});
            let mut client = pool.client().await.unwrap();
            pool::upsert(&mut **client, &schema, &r, support::zone(0))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    tokio::task::spawn_blocking(move || {
        let mut async_side = async_side;
        let ids: Vec<(String, i64)> = async_side
            .client
            .query(
                &format!(
                    "SELECT doc::jsonb->>'Id', count(*) FROM \"{}\" GROUP BY 1",
                    layout.table
                ),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert!(ids.iter().all(|(_, n)| *n == 1), "{ids:?}");
        assert!(ids.iter().any(|(id, _)| id == "shared-id"));
        assert!(!ids.iter().any(|(id, _)| id == "rolled-back"));
        let distinct: i64 = async_side
            .client
            .query_one(
                &format!(
                    "SELECT count(DISTINCT rid) - count(*) FROM \"{}\"",
                    layout.table
                ),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(distinct, 0);
        assert_eq!(pg_orphans(&mut async_side.client, &layout), 0);
        drop((sync_side, async_side));
    })
    .await
    .unwrap();
}
