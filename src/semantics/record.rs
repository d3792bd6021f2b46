//! What the evaluator needs from a record: the values of a field.
//!
//! [`Record`] is implemented for `serde_json::Value` (records in the documented JSON shape,
//! docs/records.md). Rust callers implement it for their own types to filter them without
//! converting to JSON:
//!
//! ```
//! use spark_filter::eval::{Record, FieldValue};
//! use spark_filter::plan::FieldRef;
//!
//! struct Account { name: String, tags: Vec<String>, visible: bool, user_type: &'static str }
//!
//! impl Record for Account {
//!     fn any_value<F: FnMut(FieldValue<'_>) -> bool>(&self, field: &FieldRef, mut visit: F) -> bool {
//!         match &*field.name {
//!             "Name" => visit(FieldValue::Str(&self.name)),
//!             "Tags" => self.tags.iter().any(|t| visit(FieldValue::Str(t))),
//!             "Visible" => visit(FieldValue::Bool(self.visible)),
//!             "UserType" => visit(FieldValue::Str(self.user_type)),
//!             _ => false, // absent: no value
//!         }
//!     }
//! }
//! ```

use serde_json::Value;

use crate::plan::{FieldRef, PathStep};

/// One value of a field, borrowed from the record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// An explicit null. (A missing field yields no value at all.)
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A binary floating-point number (JSON numbers that are not integers).
    Float(f64),
    /// Text; dates, times and datetimes are text in ISO 8601 form.
    Str(&'a str),
}

/// A record the evaluator can test.
pub trait Record {
    /// Calls `visit` with each value the field has in this record, in order, and returns
    /// `true` as soon as `visit` does; `false` when no call did (or the field is absent).
    ///
    /// Single-valued fields call `visit` at most once; lists and arrays of objects once per
    /// element; object-key fields once per key whose value is `true`.
    fn any_value<F: FnMut(FieldValue<'_>) -> bool>(&self, field: &FieldRef, visit: F) -> bool;
}

impl Record for Value {
    #[inline]
    fn any_value<F: FnMut(FieldValue<'_>) -> bool>(&self, field: &FieldRef, mut visit: F) -> bool {
        walk(self, field.path, &mut visit)
    }
}

impl<R: Record + ?Sized> Record for &R {
    #[inline]
    fn any_value<F: FnMut(FieldValue<'_>) -> bool>(&self, field: &FieldRef, visit: F) -> bool {
        (**self).any_value(field, visit)
    }
}

#[inline]
fn walk<F: FnMut(FieldValue<'_>) -> bool>(value: &Value, path: &[PathStep], visit: &mut F) -> bool {
    let mut v = value;
    for (i, step) in path.iter().enumerate() {
        match step {
            PathStep::Key(k) => match v {
                Value::Object(map) => match map.get(k.as_str()) {
                    Some(next) => v = next,
                    None => return false,
                },
                _ => return false,
            },
            PathStep::Each => {
                return match v {
                    Value::Array(items) => {
                        items.iter().any(|item| walk(item, &path[i + 1..], visit))
                    }
                    _ => false,
                };
            }
            PathStep::Keys => {
                return match v {
                    Value::Object(map) => map
                        .iter()
                        .any(|(k, flag)| flag == &Value::Bool(true) && visit(FieldValue::Str(k))),
                    _ => false,
                };
            }
        }
    }
    leaf(v, visit)
}

#[inline]
fn leaf<F: FnMut(FieldValue<'_>) -> bool>(v: &Value, visit: &mut F) -> bool {
    match v {
        Value::Null => visit(FieldValue::Null),
        Value::Bool(b) => visit(FieldValue::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => visit(FieldValue::Int(i)),
            None => visit(FieldValue::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => visit(FieldValue::Str(s)),
        // A list at the end of a path is a list field: each element is a value.
        Value::Array(items) => items.iter().any(|item| match item {
            Value::Array(_) | Value::Object(_) => false,
            other => leaf(other, visit),
        }),
        Value::Object(_) => false,
    }
}
