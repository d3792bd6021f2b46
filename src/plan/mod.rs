//! The planner: a syntax tree checked against a [`Schema`] and lowered to a [`Plan`], the
//! typed IR that the SQL compiler and the evaluator consume.
//!
//! ```
//! use spark_filter::plan::{self, builtin, PlanOptions};
//! let schema = builtin::builtin("accounts").unwrap();
//! let plan = plan::check(
//!     "UserType Eq 'Member' And Name Eq 'thomas*'",
//!     &schema,
//!     &spark_filter::ParseOptions::default(),
//!     &PlanOptions::default(),
//! ).unwrap();
//! assert!(plan.to_string().contains("HasWordMatching"));
//! ```

pub mod builtin;
mod ir;
pub mod phone;
mod planner;
pub mod schema;
pub mod text;

pub use ir::*;
pub use planner::{PlanOptions, UnknownFields, order_by, plan};
pub use schema::{
    Access, Caller, FieldDef, FieldType, KeyGrant, PathStep, Role, Rule, Schema, SchemaError,
    UserLevel,
};

use crate::error::Error;
use crate::syntax::ParseOptions;

/// Parses and plans in one step. Parse errors come back as a one-element list.
pub fn check(
    filter: &str,
    schema: &Schema,
    parse: &ParseOptions,
    options: &PlanOptions,
) -> Result<Plan, Vec<Error>> {
    let tree = crate::syntax::parse_with(filter, parse).map_err(|e| vec![e])?;
    plan(&tree, filter, schema, options)
}
