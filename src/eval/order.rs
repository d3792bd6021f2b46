//! `_orderby` over in-memory records, with the same order as the SQL back ends: each key is
//! read as its field's type (datetimes as instants, case-insensitive text folded), NULL (or
//! a value that is not of the field's type) sorts last in both directions, and ties are
//! broken by the record's `Id` ascending.
//!
//! ```
//! use serde_json::json;
//! use spark_filter::eval::order::{SortValue, sort_value};
//! use spark_filter::plan::{FieldDef, FieldRef, FieldType};
//!
//! let def = FieldDef::new("Modified", FieldType::Datetime);
//! let field = FieldRef::of(0, &def);
//! let utc = chrono::FixedOffset::east_opt(0).unwrap();
//! let a = sort_value(&json!({"Modified": "2024-01-01T10:00:00+02:00"}), &field, utc);
//! let b = sort_value(&json!({"Modified": "2024-01-01T09:00:00Z"}), &field, utc);
//! assert!(a < b, "08:00Z comes before 09:00Z although its text sorts after");
//! assert!(matches!(a, Some(SortValue::DateTime(_))));
//! ```

use std::cmp::Ordering;

use chrono::{FixedOffset, NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::{Key, read_key};
use crate::plan::{FieldRef, OrderKey};
use crate::semantics::fold_case;
use crate::semantics::{FieldValue, Record};

/// One record's value for one sort key, typed as the field's type. Values of one key always
/// have the same variant, so the derived order is the field's order.
#[derive(Clone, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum SortValue {
    /// A boolean (false first).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A decimal or float.
    Num(f64),
    /// Text: folded for case-insensitive fields, compared by code point (byte order), as
    /// PostgreSQL's C collation and SQLite's binary collation compare.
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// An instant, truncated to microseconds (what both databases store).
    DateTime(chrono::DateTime<chrono::Utc>),
    /// A clock time.
    Time(NaiveTime),
}

/// The value a record sorts by for `field`: its first value of the field's type, as the SQL
/// loader stores it; `None` when it has none.
pub fn sort_value<R: Record + ?Sized>(
    record: &R,
    field: &FieldRef,
    zone: FixedOffset,
) -> Option<SortValue> {
    let mut out = None;
    record.any_value(field, |v| {
        out = match v {
            FieldValue::Null => None,
            FieldValue::Str(s) if field.ty.is_textual() => {
                Some(SortValue::Text(if field.case_sensitive {
                    s.to_string()
                } else {
                    fold_case(s).into_owned()
                }))
            }
            v => read_key(v, field.ty, zone).map(SortValue::from),
        };
        out.is_some()
    });
    out
}

impl From<Key> for SortValue {
    fn from(k: Key) -> SortValue {
        match k {
            Key::Int(i) => SortValue::Int(i),
            Key::Num(f) => SortValue::Num(f),
            Key::Bool(b) => SortValue::Bool(b),
            Key::Date(d) => SortValue::Date(d),
            Key::DateTime(t) => {
                let micros = t.nanosecond() / 1000 * 1000;
                SortValue::DateTime(t.with_nanosecond(micros).unwrap_or(t))
            }
            Key::Time(t) => SortValue::Time(t),
        }
    }
}

/// Compares two values of one key: `descending` reverses values, NULL (`None`) is last
/// either way.
pub fn compare(a: Option<&SortValue>, b: Option<&SortValue>, descending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let o = x.partial_cmp(y).unwrap_or(Ordering::Equal);
            if descending { o.reverse() } else { o }
        }
    }
}

/// A record's full sort key: one value per `_orderby` key, then its `Id` (text; absent
/// `Id` is the empty text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowKey {
    /// The `_orderby` values.
    pub values: Vec<Option<SortValue>>,
    /// The tie-breaker.
    pub id: String,
}

impl RowKey {
    /// The key of `record` under `keys`.
    pub fn of(record: &serde_json::Value, keys: &[OrderKey], zone: FixedOffset) -> RowKey {
        RowKey {
            values: keys
                .iter()
                .map(|k| sort_value(record, &k.field, zone))
                .collect(),
            id: record_id(record),
        }
    }

    /// Orders two keys made under the same `keys`.
    pub fn cmp(&self, other: &RowKey, keys: &[OrderKey]) -> Ordering {
        for ((a, b), key) in self.values.iter().zip(&other.values).zip(keys) {
            let o = compare(a.as_ref(), b.as_ref(), key.descending);
            if o != Ordering::Equal {
                return o;
            }
        }
        self.id.cmp(&other.id)
    }
}

/// The `Id` a record is identified by when ordering and paging: its top-level `Id` when that
/// is a string, else the empty text (Spark Ids are strings; records without one tie).
pub fn record_id(record: &serde_json::Value) -> String {
    match record.get("Id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// Sorts items by the records they hold: by `keys`, ties by `Id` ascending, then in their
/// present order (a stable sort).
pub fn sort<T>(
    items: &mut Vec<T>,
    record: impl Fn(&T) -> &serde_json::Value,
    keys: &[OrderKey],
    zone: FixedOffset,
) {
    let mut keyed: Vec<(RowKey, T)> = items
        .drain(..)
        .map(|item| (RowKey::of(record(&item), keys, zone), item))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0, keys));
    items.extend(keyed.into_iter().map(|(_, item)| item));
}
