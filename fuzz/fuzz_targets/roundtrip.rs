//! The canonical text of every accepted filter parses again to the same tree, and prints the
//! same text (printing is a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spark_filter::{Clock, Limits, ParseOptions, parse_with};

fn round_trip(filter: &str, options: &ParseOptions) {
    let Ok(f) = parse_with(filter, options) else {
        return;
    };
    let printed = f.to_string();
    let g = match parse_with(&printed, options) {
        Ok(g) => g,
        Err(e) => panic!(
            "canonical text must parse\ninput:   {filter:?}\nprinted: {printed:?}\n{}",
            e.render(&printed)
        ),
    };
    assert_eq!(f, g, "input {filter:?} printed as {printed:?}");
    assert_eq!(printed, g.to_string(), "input {filter:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(filter) = std::str::from_utf8(data) else {
        return;
    };
    let clock = Clock::Fixed(chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap());
    round_trip(
        filter,
        &ParseOptions {
            clock,
            limits: Limits::default(),
        },
    );
    round_trip(
        filter,
        &ParseOptions {
            clock,
            limits: Limits {
                max_bytes: 1 << 20,
                max_depth: 50,
                max_expressions: 10_000,
                ..Limits::default()
            },
        },
    );
});
