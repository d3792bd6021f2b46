//! The searches of `benches/load-queries.txt` answered directly through the library's async
//! back end, without HTTP: `Search::from_query` on the query string, `Search::run_async` on a
//! `sql::pool` pool, and the response's JSON body, as a server builds it. `benches/load.sh`
//! runs it beside the server to report what HTTP costs.
//!
//! ```sh
//! cargo run --release --example direct_search -- sqlite:///tmp/x.db 30 8 64
//! ```
//!
//! Arguments: database URL (tables loaded, e.g. by `spark-filter serve`), seconds, pool size,
//! concurrent tasks (as many as the load generator's connections). Prints
//! `DIRECT <requests per second> <requests>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use spark_filter::plan::{Caller, Role, Schema, UserLevel, builtin};
use spark_filter::request::{Search, SearchOptions, TokenKey};
use spark_filter::sql::Layout;
use spark_filter::sql::pool::{AsyncDb, PgPool, PgPoolOptions, SqlitePool};

/// The query strings of the load mix (the part after `?`).
fn queries() -> Vec<String> {
    include_str!("../benches/load-queries.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| line.split_once('?').map_or("", |(_, q)| q).to_string())
        .collect()
}

struct Shared {
    schema: Schema,
    layout: Layout,
    options: SearchOptions,
    queries: Vec<String>,
    stop: AtomicBool,
    done: AtomicU64,
}

/// One task: the next search of the mix, again and again, until told to stop.
async fn worker<D: AsyncDb>(db: D, shared: Arc<Shared>, first: usize) -> Result<(), String> {
    let mut i = first;
    while !shared.stop.load(Ordering::Relaxed) {
        let query = &shared.queries[i % shared.queries.len()];
        i += 1;
        let search = Search::from_query(query, &shared.schema, &shared.options)
            .map_err(|e| format!("{query}: {}", e.response().to_json()))?;
        let response = search
            .run_async(&db, &shared.layout)
            .await
            .map_err(|e| format!("{query}: {e}"))?;
        if response.status != 200 {
            return Err(format!("{query}: {}", response.to_json()));
        }
        std::hint::black_box(response.to_json());
        shared.done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

async fn run<D: AsyncDb + Clone + 'static>(
    db: D,
    shared: Arc<Shared>,
    seconds: u64,
    tasks: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| tokio::spawn(worker(db.clone(), shared.clone(), t)))
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    shared.stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.await??;
    }
    let n = shared.done.load(Ordering::Relaxed);
    println!(
        "DIRECT {:.0} {n}",
        n as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .ok_or("usage: direct_search URL [SECONDS] [POOL] [TASKS]")?
        .clone();
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let pool: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let tasks: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(64);
    // The caller of the load benchmark's key: private, privileged, MLS level.
    let caller = Caller {
        privileged: true,
        user_level: UserLevel::Mls,
        ..Caller::new(Role::Private)
    };
    let schema = builtin::builtin("accounts").ok_or("no accounts schema")?;
    let shared = Arc::new(Shared {
        layout: Layout::of(&schema),
        schema,
        options: SearchOptions::new(caller, TokenKey::new(b"direct_search example".to_vec())),
        queries: queries(),
        stop: AtomicBool::new(false),
        done: AtomicU64::new(0),
    });
    if url.starts_with("postgres") {
        let db = PgPool::new(&url, PgPoolOptions::default().max_size(pool))?;
        run(db, shared, seconds, tasks).await
    } else {
        run(SqlitePool::new(&url, pool)?, shared, seconds, tasks).await
    }
}
