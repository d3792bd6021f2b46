//! Keeps grammar/filter.ebnf and the parser in step: every `(* example: … *)` line must
//! parse and every `(* rejects: … *)` line must not.

use spark_filter::{Clock, ParseOptions, parse_with};

fn options() -> ParseOptions {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").expect("fixed clock");
    ParseOptions {
        clock: Clock::Fixed(now),
        ..ParseOptions::default()
    }
}

fn lines_tagged<'g>(grammar: &'g str, tag: &str) -> Vec<&'g str> {
    grammar
        .lines()
        .filter_map(|l| l.trim().strip_prefix("(* ")?.strip_suffix(" *)"))
        .filter_map(|l| l.strip_prefix(tag))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect()
}

#[test]
fn every_grammar_example_parses_and_every_rejection_fails() {
    let grammar = include_str!("../grammar/filter.ebnf");
    let accepted = lines_tagged(grammar, "example:");
    let rejected = lines_tagged(grammar, "rejects:");
    assert!(
        accepted.len() >= 30,
        "found only {} examples",
        accepted.len()
    );
    assert!(
        rejected.len() >= 10,
        "found only {} rejections",
        rejected.len()
    );
    let options = options();
    for filter in accepted {
        if let Err(e) = parse_with(filter, &options) {
            panic!("grammar example does not parse:\n{}", e.render(filter));
        }
    }
    for filter in rejected {
        assert!(
            parse_with(filter, &options).is_err(),
            "grammar rejection parses: {filter}"
        );
    }
}
