//! One insta snapshot per fixture file (ruff-style parser fixtures).
//!
//! `fixtures/valid/*.filter` must parse: the snapshot holds the canonical text and the JSON
//! tree. `fixtures/invalid/*.filter` must fail: the snapshot holds the kind, code, span,
//! message and the rendered error. Every file holds exactly one filter, byte for byte (no
//! trailing newline unless the filter has one). The clock is fixed at `support::NOW`.
//!
//! Regenerate with `INSTA_UPDATE=always cargo test --test snapshots`, then read the diffs.

mod support;

use std::fs;

use spark_filter::parse_with;

#[test]
fn valid() {
    insta::glob!("fixtures/valid/*.filter", |path| {
        let input = fs::read_to_string(path).unwrap();
        let options = support::parse_options();
        let filter = parse_with(&input, &options)
            .unwrap_or_else(|e| panic!("{} should parse:\n{}", path.display(), e.render(&input)));
        let canonical = filter.to_string();

        // The canonical text is a fixed point and means the same tree.
        let again = parse_with(&canonical, &options).unwrap_or_else(|e| {
            panic!(
                "canonical text of {} does not parse:\n{}",
                path.display(),
                e.render(&canonical)
            )
        });
        assert_eq!(again, filter, "{}: parse(print(t)) != t", path.display());
        assert_eq!(
            again.to_string(),
            canonical,
            "{}: printing is not idempotent",
            path.display()
        );

        let json = serde_json::to_string_pretty(&filter).unwrap();
        insta::assert_snapshot!(format!(
            "input:     {input:?}\ncanonical: {canonical}\n\n{json}"
        ));
    });
}

#[test]
fn invalid() {
    insta::glob!("fixtures/invalid/*.filter", |path| {
        let input = fs::read_to_string(path).unwrap();
        let err = match parse_with(&input, &support::parse_options()) {
            Ok(tree) => panic!("{} should not parse, got: {tree}", path.display()),
            Err(e) => e,
        };
        assert!(
            err.span.start <= err.span.end && err.span.end <= input.len(),
            "{}: span {}..{} outside the input ({} bytes)",
            path.display(),
            err.span.start,
            err.span.end,
            input.len()
        );
        assert_eq!(err.code(), err.kind.code());
        let shown_input = if input.len() > 200 {
            format!(
                "{:?}… ({} bytes)",
                &input[..input.floor_char_boundary_compat(200)],
                input.len()
            )
        } else {
            format!("{input:?}")
        };
        insta::assert_snapshot!(format!(
            "input:   {shown_input}\nkind:    {}\ncode:    {}\nspan:    {}..{} {:?}\nmessage: {}\n\n{}",
            err.kind,
            err.code(),
            err.span.start,
            err.span.end,
            &input[err.span.start..err.span.end],
            err.message,
            err.render(&input)
        ));
    });
}

/// `str::floor_char_boundary` is unstable; this is enough for a preview.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
