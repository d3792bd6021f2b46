//! The planner: a syntax tree checked against a [`Schema`] and lowered to a [`Plan`], the
//! typed IR that the SQL compiler and the evaluator consume.
//!
//! ```
//! use spark_filter::plan::{self, builtin, Caller, PlanOptions, Role};
//! let schema = builtin::builtin("accounts").unwrap();
//! let options = PlanOptions::new(Caller::new(Role::Idx));
//! let plan = plan::check("UserType Eq 'Member' And Name Eq 'thomas*'", &schema, &options)?;
//! assert!(plan.to_string().contains("HasWordMatching"));
//! # Ok::<(), spark_filter::Errors>(())
//! ```

pub mod builtin;
pub(crate) mod intern;
mod ir;
pub mod phone;
mod planner;
pub mod schema;
pub mod text;

pub use ir::*;
pub use planner::{PlanOptions, UnknownFields, order_by, plan};
pub use schema::{
    Access, Caller, Expansion, FieldDef, FieldType, KeyGrant, PathStep, Role, Rule, Schema,
    SchemaError, UnknownName, UserLevel,
};

pub use crate::error::Errors;

/// Parses and plans a filter in one step, with one options value (one clock, one set of
/// limits): the plan, or every error found. A parse error stops at the first; the planner
/// reports every comparison it refuses. Also at the crate root: `spark_filter::check`.
///
/// ```
/// use spark_filter::plan::{self, builtin, Caller, PlanOptions, Role};
/// let schema = builtin::builtin("accounts").unwrap();
/// let options = PlanOptions::new(Caller::new(Role::Public));
/// let errors = plan::check("City Eq 'Fargo' And", &schema, &options).unwrap_err();
/// assert_eq!((errors.len(), errors.first().code()), (1, 1040));
/// ```
pub fn check(filter: &str, schema: &Schema, options: &PlanOptions) -> Result<Plan, Errors> {
    // The parser reads the system clock at most once and hands its reading on in the tree
    // (`Filter::clock`), which the planner folds with: every relative date in the filter, on
    // either side of an operator, sees the same instant.
    let tree = crate::syntax::parse_with(filter, &options.parse_options())?;
    plan(&tree, filter, schema, options)
}
