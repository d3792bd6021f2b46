//! The syntax layer: filter text → [`Filter`] tree, and back (`Display`).
//!
//! This layer knows the language but no schema: fields are names. Literal-side values are
//! folded here, against the [`Clock`] in [`ParseOptions`], so that every value error
//! (`5 Div 0`, `regex('[')`, `2013-02-30`) is reported with its span at parse time.

mod ast;
pub mod functions;
mod lexer;
mod parser;
pub(crate) mod print;
pub mod text;
pub mod value;

pub use ast::*;
pub use functions::Function;
pub use text::{Piece, Text};
pub use value::Clock;

pub(crate) use lexer::unquoted_type;

use crate::error::{Error, ErrorKind};

/// Limits on what a filter may contain (SPEC 5). The defaults are the Spark API's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Comparisons per filter (Spark: 75).
    pub max_expressions: usize,
    /// Nesting depth of groups, the parentheses around conditions (Spark: 2). Parentheses of
    /// function calls and arithmetic do not count.
    pub max_depth: usize,
    /// Values in a list, and arguments in a call (Spark: 200).
    pub max_list: usize,
    /// Nesting of function calls (Spark: 5).
    pub max_function_depth: usize,
    /// Length of the filter in bytes (default 16 KiB).
    pub max_bytes: usize,
    /// Height of one arithmetic or value expression: operators, parentheses, negations and
    /// calls (default 32). Keeps every tree shallow enough to walk recursively.
    pub max_term_depth: usize,
    /// Compiled size of one `regex()` pattern, in the `regex` crate's bytes (default and
    /// ceiling [`value::REGEX_SIZE_LIMIT`], 1 MiB; larger values count as the ceiling).
    /// A lower limit stops the compile check of a large pattern sooner: a hostile 16 KiB
    /// pattern was rejected in about 6 ms at 64 KiB against 10 ms at the default.
    pub max_regex_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_expressions: 75,
            max_depth: 2,
            max_list: 200,
            max_function_depth: 5,
            max_bytes: 16 * 1024,
            max_term_depth: 32,
            max_regex_size: value::REGEX_SIZE_LIMIT,
        }
    }
}

/// How to parse: the limits, and the clock that `now()`, `days()` and friends read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// The clock for relative-date functions (the system clock by default).
    pub clock: Clock,
    /// The limits.
    pub limits: Limits,
}

/// Parses a filter with the default options (Spark limits, system clock).
///
/// ```
/// let f = spark_filter::parse("UserType Eq 'Member' And Name Eq 'thomas*'").unwrap();
/// assert_eq!(f.to_string(), "UserType Eq 'Member' And Name Eq 'thomas*'");
/// ```
pub fn parse(filter: &str) -> Result<Filter<'_>, Error> {
    parse_with(filter, &ParseOptions::default())
}

/// Parses a filter.
///
/// ```
/// use spark_filter::{parse_with, ParseOptions, Limits};
/// let options = ParseOptions { limits: Limits { max_depth: 3, ..Limits::default() }, ..Default::default() };
/// assert!(parse_with("(((A Eq 1)))", &options).is_ok());
/// assert!(spark_filter::parse("(((A Eq 1)))").is_err());
/// ```
pub fn parse_with<'a>(filter: &'a str, options: &ParseOptions) -> Result<Filter<'a>, Error> {
    if filter.len() > options.limits.max_bytes {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            Span::new(options.limits.max_bytes, filter.len()),
            format!(
                "the filter is {} bytes long; the limit is {}",
                filter.len(),
                options.limits.max_bytes
            ),
        ));
    }
    parser::Parser::new(filter, options).filter()
}
