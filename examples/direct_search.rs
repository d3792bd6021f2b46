//! The searches of `benches/load-queries.txt` run directly through the library, without
//! HTTP: plan, compile, execute, read the records' JSON. `benches/load.sh` runs it beside
//! the server to report what HTTP and the envelope cost.
//!
//! ```sh
//! cargo run --release --example direct_search -- sqlite:///tmp/x.db 30 8
//! ```
//!
//! Arguments: database URL (tables loaded, e.g. by `spark-filter serve`), seconds, threads.
//! Prints `DIRECT <requests per second> <requests>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use spark_filter::plan::{self, Caller, PlanOptions, Role, UserLevel, builtin};
use spark_filter::sql::{self, Dialect, Layout, Paging, Postgres, Sqlite};

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 3 <= b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("20");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b' '));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Search {
    filter: String,
    orderby: Option<String>,
    paging: Paging,
}

fn searches() -> Vec<Search> {
    include_str!("../benches/load-queries.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let query = line.split_once('?').map_or("", |(_, q)| q);
            let mut s = Search {
                filter: String::new(),
                orderby: None,
                paging: Paging {
                    limit: Some(10),
                    page: None,
                },
            };
            for pair in query.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let v = decode(v);
                match k {
                    "_filter" => s.filter = v,
                    "_orderby" => s.orderby = Some(v),
                    "_limit" => s.paging.limit = v.parse().ok(),
                    "_page" => s.paging.page = v.parse().ok(),
                    _ => {}
                }
            }
            s
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .ok_or("usage: direct_search URL [SECONDS] [THREADS]")?
        .clone();
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let schema = builtin::builtin("accounts").ok_or("no accounts schema")?;
    let layout = Arc::new(Layout::of(&schema));
    let schema = Arc::new(schema);
    let searches = Arc::new(searches());
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..threads {
        let (url, schema, layout, searches, stop, done) = (
            url.clone(),
            schema.clone(),
            layout.clone(),
            searches.clone(),
            stop.clone(),
            done.clone(),
        );
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            let caller = Caller {
                privileged: true,
                user_level: UserLevel::Mls,
                ..Caller::new(Role::Private)
            };
            let options = PlanOptions::new(caller.clone());
            let postgres = url.starts_with("postgres");
            let dialect: &dyn Dialect = if postgres { &Postgres } else { &Sqlite };
            let mut pg = if postgres {
                Some(sql::postgres::connect(&url).map_err(|e| e.to_string())?)
            } else {
                None
            };
            let lite = if postgres {
                None
            } else {
                Some(sql::sqlite::open(&url).map_err(|e| e.to_string())?)
            };
            let mut i = t;
            while !stop.load(Ordering::Relaxed) {
                let s = &searches[i % searches.len()];
                i += 1;
                let mut planned =
                    plan::check(&s.filter, &schema, &options).map_err(|e| e.to_string())?;
                if let Some(o) = &s.orderby {
                    planned.order_by =
                        plan::order_by(o, &schema, &caller).map_err(|e| e.to_string())?;
                }
                // The page is bound here, as the server does (sql::compile's Paging writes
                // LIMIT twice when the offset equals the limit).
                let mut query = sql::compile(&planned, &layout, dialect, Paging::default())
                    .map_err(|e| e.to_string())?;
                let limit = s.paging.limit.unwrap_or(10);
                let offset = s.paging.page.unwrap_or(1).saturating_sub(1) * limit;
                for (word, value) in [(" LIMIT ", limit), (" OFFSET ", offset)] {
                    let p = sql::Param::Int(value as i64);
                    query.sql.push_str(word);
                    query
                        .sql
                        .push_str(&dialect.placeholder(query.params.len() + 1, &p));
                    query.params.push(p);
                }
                let rows = match (&mut pg, &lite) {
                    (Some(c), _) => sql::postgres::run(c, &query),
                    (_, Some(c)) => sql::sqlite::run(c, &query),
                    _ => unreachable!(),
                }
                .map_err(|e| e.to_string())?;
                for (_, doc) in rows {
                    let v: serde_json::Value =
                        serde_json::from_str(&doc).map_err(|e| e.to_string())?;
                    std::hint::black_box(v);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }));
    }
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().map_err(|_| "a thread panicked")??;
    }
    let n = done.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64();
    println!("DIRECT {:.0} {n}", n as f64 / secs);
    Ok(())
}
