//! The request path against the parse alone, over the same accounts filters.
//!
//! ```text
//! cargo bench --bench request -- --noplot
//! ```
//!
//! - `parse`: the filter text to a syntax tree, nothing else.
//! - `search`: the whole path a server runs per request: the query string
//!   (`_filter=…&_orderby=-LastName&_limit=25`, percent-encoded) read and checked against the
//!   accounts schema for a caller (`Search::from_query`: parameters, parse, plan), then
//!   compiled to PostgreSQL SQL with its parameters (`Search::sql`). The schema, its SQL
//!   layout and the search options are built once, as a server builds them at start-up.
//!
//! - `stages/plan`, `stages/from_query`, `stages/sql`: the path's stages, each alone (see
//!   [`bench_stages`]).
//!
//! The filters (400) are generated deterministically in the shapes API clients send: the
//! `UserType` conjunct the service requires, then one to four conditions on names, offices,
//! tags, phones, postal codes and flags, with wildcards, lists, ranges, `Not` and a group of
//! `Or` now and then. Both benchmarks run over the same filters and report the same bytes, so
//! their throughputs compare directly: the ratio `search / parse` is the cost of everything
//! after the parse.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use spark_filter::parse_with;
use spark_filter::request::Search;
use spark_filter::sql::Postgres;

#[path = "common/request.rs"]
mod common;
use common::{Setup, search, setup};

/// A benchmark group timed as both groups are, with the filters' bytes as its throughput.
fn group<'c>(c: &'c mut Criterion, name: &str, filters: &[String]) -> BenchmarkGroup<'c, WallTime> {
    let bytes: u64 = filters.iter().map(|f| f.len() as u64).sum();
    let mut group = c.benchmark_group(name);
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(bytes));
    group
}

fn bench_request(c: &mut Criterion) {
    let setup = setup();
    common::check(&setup);
    let Setup {
        filters,
        queries,
        schema,
        layout,
        parse_options,
        options,
        ..
    } = &setup;
    let mut group = group(c, "request", filters);
    group.bench_function("parse", |b| {
        b.iter(|| {
            for f in filters {
                let tree = parse_with(black_box(f), parse_options);
                black_box(tree.is_ok());
            }
        })
    });
    group.bench_function("search", |b| {
        b.iter(|| {
            for f in queries {
                let q = search(black_box(f), schema, layout, options);
                black_box(q.params.len());
            }
        })
    });
    group.finish();
}

/// The request path's stages, each alone over the same filters (group `stages`): `plan` (a
/// parsed tree to a plan, dropped), `from_query` (a query string to a checked search,
/// dropped: reading, parsing and planning) and `sql` (a checked search to its PostgreSQL
/// statement). Set beside `request/search`, they show what the whole path costs beyond its
/// stages run apart: a working set of code and data that no longer stays in the caches.
fn bench_stages(c: &mut Criterion) {
    let setup = setup();
    let (filters, queries, schema, layout) =
        (&setup.filters, &setup.queries, &setup.schema, &setup.layout);
    let (plan_options, options) = (&setup.plan_options, &setup.options);
    let trees: Vec<_> = filters
        .iter()
        .map(|f| parse_with(f, &setup.parse_options).unwrap_or_else(|e| panic!("{}", e.render(f))))
        .collect();
    let searches: Vec<Search> = queries
        .iter()
        .map(|q| {
            Search::from_query(q, schema, options)
                .unwrap_or_else(|e| panic!("{q}: {:?}", e.response()))
        })
        .collect();
    // Correctness first: each stage gives what the whole path gives.
    for ((tree, f), (q, s)) in trees.iter().zip(filters).zip(queries.iter().zip(&searches)) {
        let planned = spark_filter::plan::plan(tree, f, schema, plan_options)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(planned.root, s.plan.root, "{f}");
        let rows = s.sql(layout, &Postgres).ok().and_then(|sql| sql.rows);
        assert_eq!(rows, Some(search(q, schema, layout, options)), "{q}");
    }

    let mut group = group(c, "stages", filters);
    group.bench_function("plan", |b| {
        b.iter(|| {
            for (tree, f) in trees.iter().zip(filters) {
                let plan = spark_filter::plan::plan(black_box(tree), f, schema, plan_options);
                black_box(plan.is_ok());
            }
        })
    });
    group.bench_function("from_query", |b| {
        b.iter(|| {
            for q in queries {
                black_box(Search::from_query(black_box(q), schema, options).is_ok());
            }
        })
    });
    group.bench_function("sql", |b| {
        b.iter(|| {
            for s in &searches {
                black_box(black_box(s).sql(layout, &Postgres).is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_request, bench_stages);
criterion_main!(benches);
