//! The planner: a syntax tree checked against a [`Schema`] and turned into a typed plan.

pub mod schema;
pub mod builtin;

pub use schema::{Access, Caller, FieldDef, FieldType, KeyGrant, PathStep, Role, Rule, Schema, SchemaError, UserLevel};
