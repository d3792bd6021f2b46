//! Parser benchmarks: the realistic corpus, inputs at the limits, and hostile inputs that must
//! be rejected quickly.
//!
//! ```text
//! cargo bench --bench parse -- --noplot
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use spark_filter::{Clock, Filter, Limits, ParseOptions, parse_with};

/// `benches/data/corpus.jsonl`, written by `cargo run --release --example gen_corpus`.
const CORPUS: &str = include_str!("data/corpus.jsonl");

fn options(limits: Limits) -> ParseOptions {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap();
    ParseOptions {
        clock: Clock::Fixed(now),
        limits,
    }
}

fn corpus() -> Vec<String> {
    CORPUS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            v["filter"]
                .as_str()
                .expect("a \"filter\" string")
                .to_owned()
        })
        .collect()
}

/// Parses, prints and parses again: the tree must come back equal.
fn assert_round_trip(filter: &str, options: &ParseOptions) {
    let tree: Filter<'_> = parse_with(filter, options)
        .unwrap_or_else(|e| panic!("does not parse:\n{}", e.render(filter)));
    let printed = tree.to_string();
    let again = parse_with(&printed, options)
        .unwrap_or_else(|e| panic!("canonical text does not parse:\n{}", e.render(&printed)));
    assert_eq!(
        tree, again,
        "round trip changed the tree of {filter:?} (printed {printed:?})"
    );
}

fn total_bytes(filters: &[String]) -> u64 {
    filters.iter().map(|f| f.len() as u64).sum()
}

/// Benchmarks parsing every filter of `filters` per iteration; all must parse.
fn bench_accepting(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    filters: &[String],
    options: &ParseOptions,
) {
    for f in filters {
        assert_round_trip(f, options);
    }
    group.throughput(Throughput::Bytes(total_bytes(filters)));
    group.bench_function(name, |b| {
        b.iter(|| {
            for f in filters {
                let tree = parse_with(black_box(f), options);
                black_box(tree.is_ok());
                drop(black_box(tree));
            }
        })
    });
}

/// The floor under `corpus`: cloning and dropping the corpus's finished trees, no parsing.
///
/// Any parser that returns [`Filter`] must at least allocate, fill and free these nodes, so
/// this bounds the `corpus` throughput from above whatever the parser does. Same bytes as
/// `corpus`, so the two throughputs compare directly.
fn bench_tree_floor(
    group: &mut BenchmarkGroup<'_, WallTime>,
    filters: &[String],
    options: &ParseOptions,
) {
    let trees: Vec<Filter<'_>> = filters
        .iter()
        .map(|f| parse_with(f, options).expect("corpus filters parse"))
        .collect();
    for tree in &trees {
        assert_eq!(&tree.clone(), tree, "a clone equals its tree");
    }
    group.throughput(Throughput::Bytes(total_bytes(filters)));
    group.bench_function("tree_floor", |b| {
        b.iter(|| {
            for tree in &trees {
                let copy = black_box(tree).clone();
                black_box(copy.expr.is_some());
                drop(black_box(copy));
            }
        })
    });
}

/// Filters at the nesting limits: groups of depth 2, five nested calls, a term of height 32.
fn deep_filters() -> Vec<String> {
    let groups = "((City Eq 'Fargo' And BedsTotal Ge 3) Or (City Eq 'Moorhead' And \
                  BathsFull Ge 2) Or (Not PoolYN Eq true)) And \
                  (Not (ListPrice Bt 100000,250000 Or OnMarketDate Ge days(-7)) Or \
                  (MlsStatus Eq 'Active','Pending' Not Visible Eq false))"
        .to_owned();
    let calls = "tolower(toupper(trim(tolower(toupper(City))))) Eq 'fargo' And \
                 round(floor(ceiling(round(floor(ListPrice))))) Ge 150000 And \
                 cast(year(date(ModificationTimestamp)), 'character') Eq '2026'"
        .to_owned();
    let field_side = format!("BathsFull{} Eq 40", " Add 1".repeat(32));
    let literal_side = format!("ListPrice Eq {}5{}", "-(".repeat(16), ")".repeat(16));
    let parens = format!("{}BathsFull{} Mul 2 Gt 4", "(".repeat(31), ")".repeat(31));
    vec![groups, calls, field_side, literal_side, parens]
}

/// `City Eq 'a0','a1',…,'a199'`: a list at the 200-value limit.
fn long_list() -> String {
    let items: Vec<String> = (0..200).map(|i| format!("'a{i}'")).collect();
    format!("City Eq {}", items.join(","))
}

/// 75 conditions (the limit) joined by And and Or.
fn many_conditions() -> String {
    let mut s = String::new();
    for i in 0..75 {
        if i > 0 {
            s.push_str(if i % 3 == 0 { " Or " } else { " And " });
        }
        match i % 5 {
            0 => s.push_str(&format!("City Eq 'City{i}'")),
            1 => s.push_str(&format!("ListPrice Ge {}", 100_000 + i * 1000)),
            2 => s.push_str(&format!("BedsTotal Bt {},{}", i % 4, i % 4 + 2)),
            3 => s.push_str("ModificationTimestamp Gt days(-7)"),
            _ => s.push_str("\"General Property Description\".\"Taxes\" Lt 500.0"),
        }
    }
    s
}

fn bench_parse(c: &mut Criterion) {
    let defaults = options(Limits::default());
    let mut group = c.benchmark_group("parse");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    let filters = corpus();
    assert!(
        filters.len() >= 2000,
        "the corpus has {} filters",
        filters.len()
    );
    bench_accepting(&mut group, "corpus", &filters, &defaults);
    bench_tree_floor(&mut group, &filters, &defaults);
    bench_accepting(&mut group, "deep_nesting", &deep_filters(), &defaults);
    bench_accepting(&mut group, "long_list", &[long_list()], &defaults);
    bench_accepting(
        &mut group,
        "many_conditions",
        &[many_conditions()],
        &defaults,
    );

    // Hostile inputs: the byte cap is lifted so that the parser itself must reject them.
    let unlimited = options(Limits {
        max_bytes: usize::MAX,
        ..Limits::default()
    });
    const MB: usize = 1 << 20;
    let hostile = [
        ("parens", "(".repeat(MB)),
        ("conditions", {
            let mut s = "A Eq 1".to_owned();
            s.push_str(&" And A Eq 1".repeat(100_000 - 1));
            s
        }),
        (
            "unterminated_string",
            format!("City Eq '{}", "a".repeat(MB)),
        ),
    ];
    for (name, input) in &hostile {
        assert!(
            parse_with(input, &unlimited).is_err(),
            "hostile input {name} was accepted"
        );
    }
    let hostile_bytes: u64 = hostile.iter().map(|(_, s)| s.len() as u64).sum();
    group.throughput(Throughput::Bytes(hostile_bytes));
    group.bench_function("hostile", |b| {
        b.iter(|| {
            for (_, input) in &hostile {
                black_box(parse_with(black_box(input), &unlimited).is_err());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
