//! What values mean, defined once for every back end: reading a record's values
//! ([`Record`]), case folding, wildcard and `regex()` matching, temporal text and its
//! precision, comparable keys, and the arithmetic and functions of field-side expressions.
//!
//! The evaluator runs this code over records; the SQL back ends store what it reads (the
//! loaders fold text and read dates with it) and SQLite calls it back through its user
//! functions (`spark_regexp`, `spark_arith`, `spark_call`). One definition is what makes
//! the back ends agree, so neither of them owns it.
//!
//! Inside, two levels: [`fold_case`], [`glob_matches`], the temporal reader and the `regex()`
//! compiler depend on nothing of the crate (the lexer reads temporal literals with the same
//! reader as records); record values, keys and computing read the planner's types
//! ([`FieldRef`](crate::plan::FieldRef), [`Operand`](crate::plan::Operand)).
//!
//! ```
//! use spark_filter::semantics::{fold_case, to_micros};
//! // What a case-insensitive field stores in its folded column, and what the evaluator
//! // compares against.
//! assert_eq!(fold_case("ThOmAs"), "thomas");
//! let t = chrono::DateTime::from_timestamp(0, 1_500).unwrap();
//! assert_eq!(to_micros(t).timestamp_subsec_nanos(), 1_000);
//! ```

pub(crate) mod compute;
pub(crate) mod key;
mod record;
mod regex;
pub(crate) mod temporal;
mod text;

pub use record::{FieldValue, Record};
pub use regex::REGEX_SIZE_LIMIT;
pub(crate) use regex::{build_regex, compile as compile_regex};
pub use temporal::{time_to_micros, to_micros};
pub use text::{fold_case, fold_if, glob_matches};
