//! spark-filter: the Spark Platform API `_filter` language, parsed exactly, checked against
//! field metadata, and compiled to SQL or evaluated in memory.
//!
//! The modules follow the pipeline: [`syntax`] (text → tree) → plan → sql | eval.
//!
//! # Features
//!
//! The core (syntax, plan, eval, SQL text and its parameters) is always built. Everything
//! else is opt-in; `default` turns all of it on, so `cargo install` gets the command line.
//!
//! | feature | adds |
//! |---|---|
//! | `sqlite` | `sql::sqlite`: connections (bundled SQLite, needs a C compiler), loading, the evaluator's functions inside SQLite |
//! | `postgres` | `sql::postgres`: connections, loading |
//! | `sample` | `sample`: the deterministic sample-record generator |
//! | `cli` (default) | the `spark-filter` binary; implies all of the above |
//!
//! A library user who only needs the core writes
//! `spark-filter = { version = "…", default-features = false }`.
//!
//! ```
//! let filter = spark_filter::parse("ListPrice Bt 100000,200000 And City Eq 'Fargo','Moorhead'")?;
//! assert_eq!(filter.to_string(), "ListPrice Bt 100000,200000 And City Eq 'Fargo','Moorhead'");
//! # Ok::<(), spark_filter::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod eval;
pub mod plan;
mod render;
pub mod request;
#[cfg(feature = "sample")]
pub mod sample;
pub mod semantics;
pub mod sql;
mod swar;
pub mod syntax;

pub use error::{Error, ErrorKind, Errors};
pub use plan::{Caller, Plan, PlanOptions, Role, Schema, UnknownFields, UserLevel, check};
/// The text of patterns and of text parameters ([`plan::Pattern`], [`sql::Param::Text`]):
/// up to 23 bytes held inline, longer text shared, cloned without copying.
///
/// ```
/// use spark_filter::SmolStr;
/// let text = SmolStr::from("fargo");
/// assert_eq!(&*text, "fargo");
/// ```
pub use smol_str::SmolStr;
pub use syntax::{Clock, Filter, Limits, ParseOptions, parse, parse_with};

/// The README's examples, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The schema guide's examples, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../docs/schemas.md")]
pub struct SchemaDocDoctests;
