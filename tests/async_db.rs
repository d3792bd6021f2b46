//! The async back ends (`sql::pool`) inside a real tokio runtime, on a real SQLite file and a
//! real PostgreSQL server: `Search::run_async` gives the same body as the evaluator for every
//! request, many requests at once share a small pool without deadlock, and nothing starts a
//! nested runtime.

mod support;

use std::sync::Arc;

use serde_json::Value;
use spark_filter::request::{Search, SearchOptions, TokenKey};
use spark_filter::sql::pool::{AsyncDb, PgPool, PgPoolOptions, SqlitePool};
use spark_filter::sql::{self, Layout};
use spark_filter::{Caller, Role, plan::builtin};

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
        condition: "true".into(),
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
