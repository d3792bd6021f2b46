//! spark-filter inside a tokio program: Spark search requests answered on an async pool,
//! many at once, as an axum or actix handler would answer them.
//!
//! ```sh
//! cargo run --release --example async_search                       # SQLite file in /tmp
//! cargo run --release --example async_search -- postgres://postgres@127.0.0.1:54329/postgres
//! ```
//!
//! With no argument the bundled sample accounts are loaded into a SQLite file; with a
//! PostgreSQL URL they are loaded into that database's `accounts` table (replacing it).

use std::sync::Arc;
use std::time::Instant;

use spark_filter::request::{Response, Search, SearchOptions, TokenKey};
use spark_filter::sql::pool::{AsyncDb, PgPool, PgPoolOptions, SqlitePool};
use spark_filter::sql::{self, DbError, Layout};
use spark_filter::{Caller, Role, plan::Schema, plan::builtin};

const REQUESTS: &[&str] = &[
    "_filter=UserType+Eq+'Member'+And+Name+Eq+'*son*'&_orderby=-LastName&_limit=3&_pagination=1",
    "_filter=UserType+Eq+'Office'&_pagination=count",
    "_filter=Name+Eq+'thomas*'&_select=Name,UserType&_limit=2",
    "_filter=ListPrice+Gt+'100000'", // a client mistake: a 400 envelope with a hint
];

type Shared = (Arc<Schema>, Arc<Layout>, Arc<SearchOptions>);

/// One request, as a handler answers it: check, then run on the pool.
async fn answer<D: AsyncDb>(db: &D, shared: &Shared, query: &str) -> Result<Response, DbError> {
    let (schema, layout, options) = shared;
    match Search::from_query(query, schema, options) {
        Ok(search) => search.run_async(db, layout).await,
        Err(e) => Ok(e.response()),
    }
}

async fn run_all<D: AsyncDb + Clone + 'static>(db: D, shared: Shared) -> Result<(), DbError> {
    // Every request 50 times, all at once: the pool bounds the connections in use.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        for query in REQUESTS {
            let (db, shared) = (db.clone(), shared.clone());
            tasks.push(tokio::spawn(
                async move { answer(&db, &shared, query).await },
            ));
        }
    }
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        let response = t.await.expect("no task panics")?;
        *statuses.entry(response.status).or_insert(0) += 1;
    }
    println!(
        "{} requests in {:?}; statuses {statuses:?}",
        50 * REQUESTS.len(),
        started.elapsed()
    );
    for query in REQUESTS {
        let body = answer(&db, &shared, query).await?.to_json();
        let shown: String = body.chars().take(160).collect();
        println!("{query}\n  -> {shown}…");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = Arc::new(builtin::builtin("accounts").ok_or("no accounts schema")?);
    let layout = Arc::new(Layout::of(&schema));
    let key = TokenKey::new(b"example only: use a secret of your own".to_vec());
    let options = Arc::new(SearchOptions::new(Caller::new(Role::Idx), key));
    let shared: Shared = (schema.clone(), layout, options);
    let records = std::fs::read_to_string("data/accounts.jsonl")?;
    let zone = chrono::FixedOffset::east_opt(0).ok_or("zone")?;

    match std::env::args().nth(1) {
        Some(url) if url.starts_with("postgres") => {
            // Loading uses the synchronous client: on the blocking pool, never on a worker.
            let load_url = url.clone();
            let n = tokio::task::spawn_blocking(move || -> Result<usize, DbError> {
                let mut client = sql::postgres::connect(&load_url)?;
                sql::postgres::load(&mut client, &schema, records.as_bytes(), zone)
            })
            .await??;
            println!("loaded {n} accounts into PostgreSQL");
            let options = PgPoolOptions::default().max_size(8);
            run_all(PgPool::new(&url, options)?, shared).await?;
        }
        _ => {
            let path = std::env::temp_dir().join("spark-filter-async-example.db");
            let _ = std::fs::remove_file(&path);
            let url = format!("sqlite://{}", path.display());
            let load_url = url.clone();
            let n = tokio::task::spawn_blocking(move || -> Result<usize, DbError> {
                let mut conn = sql::sqlite::open(&load_url)?;
                sql::sqlite::load(&mut conn, &schema, records.as_bytes(), zone)
            })
            .await??;
            println!("loaded {n} accounts into {}", path.display());
            run_all(SqlitePool::new(&url, 4)?, shared).await?;
        }
    }
    Ok(())
}
