//! `regex()` patterns, compiled the one way the parser checks them and the evaluator and
//! SQLite's `spark_regexp` run them.

/// The largest compiled size of a `regex()` pattern, in the `regex` crate's bytes: the
/// ceiling of [`Limits::max_regex_size`](crate::Limits::max_regex_size) and the size limit
/// every back end compiles with, so that a pattern the parser accepted always compiles.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A `regex()` pattern compiled as the evaluator and SQLite run it, within `size_limit`
/// compiled bytes (the parser checks with the filter's own, possibly lower, limit).
pub(crate) fn build_regex(
    pattern: &str,
    case_insensitive: bool,
    size_limit: usize,
) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(size_limit)
        .build()
}

/// A pattern the parser accepted, compiled for matching: at the ceiling size limit, so that
/// it always compiles again.
pub(crate) fn compile(pattern: &str, case_insensitive: bool) -> Result<regex::Regex, regex::Error> {
    build_regex(pattern, case_insensitive, REGEX_SIZE_LIMIT)
}
