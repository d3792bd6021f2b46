//! Any input must end in a tree or an error: no panic, no stack overflow, and printing the
//! tree, serializing it and rendering the error must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spark_filter::{Clock, Limits, ParseOptions, parse_with};

fn clock() -> Clock {
    Clock::Fixed(chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap())
}

fn check(filter: &str, options: &ParseOptions) {
    match parse_with(filter, options) {
        Ok(tree) => {
            let _ = tree.to_string();
            serde_json::to_string(&tree).expect("a tree serializes");
        }
        Err(e) => {
            let _ = e.render(filter);
            let _ = e.to_string();
            serde_json::to_string(&e).expect("an error serializes");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(filter) = std::str::from_utf8(data) else {
        return;
    };
    check(
        filter,
        &ParseOptions {
            clock: clock(),
            limits: Limits::default(),
        },
    );
    check(
        filter,
        &ParseOptions {
            clock: clock(),
            limits: Limits {
                max_bytes: 1 << 20,
                max_depth: 50,
                max_expressions: 10_000,
                ..Limits::default()
            },
        },
    );
});
