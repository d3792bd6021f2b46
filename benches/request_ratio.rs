//! The request path's cost as a ratio to the parse, both timed in one process, in alternation.
//!
//! ```text
//! cargo bench --bench request_ratio                # 2000 rounds, about 12 s
//! benches/request_ratio.sh 25                      # 25 processes of it, and their median
//! cargo bench --bench request_ratio -- --rounds 500
//! ```
//!
//! `benches/request.rs` times `request/parse` and `request/search` with criterion, one after
//! the other, each for seconds. On a shared machine its ratio moves with whatever the machine
//! does between the two: single runs of one binary have measured from 2.83x to 3.24x. Here
//! each round times both over the same 400 accounts filters (the `request` bench's corpus,
//! checked the same way first), five passes of one, then five of the other, the order turned
//! every round; a slow spell of the machine then slows both sides of a round alike. It
//! prints the medians of both and the median of the rounds' ratios with their quartiles.

use std::hint::black_box;
use std::time::Instant;

use spark_filter::parse_with;

// Shared with `benches/request.rs`, which uses all of it.
#[allow(dead_code)]
#[path = "common/request.rs"]
mod common;
use common::{search, setup};

/// Passes over the filters per side per round: long enough (about a millisecond) that the
/// clock's cost does not count, short enough that many rounds fit in a few seconds.
const PASSES: u32 = 5;

fn main() {
    let rounds = rounds();
    let setup = setup();
    common::check(&setup);
    let (filters, queries) = (&setup.filters, &setup.queries);
    let (schema, layout, options) = (&setup.schema, &setup.layout, &setup.options);
    let parse_options = &setup.parse_options;

    let parse = || {
        let start = Instant::now();
        for _ in 0..PASSES {
            for f in filters {
                black_box(parse_with(black_box(f), parse_options).is_ok());
            }
        }
        start.elapsed().as_secs_f64() / f64::from(PASSES)
    };
    let whole = || {
        let start = Instant::now();
        for _ in 0..PASSES {
            for q in queries {
                black_box(search(black_box(q), schema, layout, options).params.len());
            }
        }
        start.elapsed().as_secs_f64() / f64::from(PASSES)
    };
    // Warm both paths' code and the allocator before the first round counts.
    for _ in 0..10 {
        parse();
        whole();
    }
    let (mut parses, mut searches, mut ratios) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let (p, s) = if round % 2 == 0 {
            let p = parse();
            (p, whole())
        } else {
            let s = whole();
            (parse(), s)
        };
        parses.push(p);
        searches.push(s);
        ratios.push(s / p);
    }
    let (p, s) = (quantile(&mut parses, 0.5), quantile(&mut searches, 0.5));
    println!(
        "request_ratio: {rounds} rounds of {PASSES} passes over {} filters each side",
        filters.len()
    );
    println!("  parse   median {:8.1} µs per pass", p * 1e6);
    println!("  search  median {:8.1} µs per pass", s * 1e6);
    println!(
        "  search / parse: median of the rounds' ratios {:.3} (quartiles {:.3}–{:.3}); \
         ratio of the medians {:.3}",
        quantile(&mut ratios, 0.5),
        quantile(&mut ratios, 0.25),
        quantile(&mut ratios, 0.75),
        s / p
    );
}

/// `--rounds N` (2000 when not given); the arguments cargo bench adds are let be.
fn rounds() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map(|n| {
            n.parse().unwrap_or_else(|_| {
                eprintln!("request_ratio: --rounds takes a whole number of rounds, not {n:?}");
                std::process::exit(2)
            })
        })
        .unwrap_or(2000)
        .max(1)
}

/// The `q` quantile of `values` (sorted in place), by the nearest rank.
fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() - 1) as f64 * q).round() as usize;
    values[rank]
}
