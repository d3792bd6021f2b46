//! Non-text values in comparable form, as every back end compares them: integers and
//! binary floats compare with each other, datetimes as instants at microseconds, and
//! values of different kinds not at all.

use std::cmp::Ordering;

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use rust_decimal::prelude::ToPrimitive;

use super::record::FieldValue;
use super::temporal::{record_date, record_datetime, record_time};
use crate::plan::{FieldType, Scalar};

/// A non-text value in comparable form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Key {
    Int(i64),
    Num(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(chrono::DateTime<chrono::Utc>),
    Time(NaiveTime),
}

impl Key {
    /// How two keys order; `None` for keys of different kinds (and NaN).
    pub(crate) fn compare(&self, other: &Key) -> Option<Ordering> {
        match (self, other) {
            (Key::Int(a), Key::Int(b)) => Some(a.cmp(b)),
            (Key::Int(a), Key::Num(b)) => (*a as f64).partial_cmp(b),
            (Key::Num(a), Key::Int(b)) => a.partial_cmp(&(*b as f64)),
            (Key::Num(a), Key::Num(b)) => a.partial_cmp(b),
            (Key::Bool(a), Key::Bool(b)) => Some(a.cmp(b)),
            (Key::Date(a), Key::Date(b)) => Some(a.cmp(b)),
            (Key::DateTime(a), Key::DateTime(b)) => Some(a.cmp(b)),
            (Key::Time(a), Key::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Reads a record value as the field's type; `None` when it is not a value of that type.
/// The SQL loaders store exactly these values (and NULL for the rest), so a value counts
/// the same way on every back end.
pub(crate) fn read_key(v: FieldValue<'_>, ty: FieldType, zone: FixedOffset) -> Option<Key> {
    match (ty, v) {
        (FieldType::Integer, FieldValue::Int(i)) => Some(Key::Int(i)),
        // An integer field holds integers: 2.0 is 2, 2.5 is no value of the field.
        (FieldType::Integer, FieldValue::Float(f)) => {
            (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(Key::Int(f as i64))
        }
        (FieldType::Decimal, FieldValue::Float(f)) => Some(Key::Num(f)),
        (FieldType::Decimal, FieldValue::Int(i)) => Some(Key::Num(i as f64)),
        (FieldType::Boolean, FieldValue::Bool(b)) => Some(Key::Bool(b)),
        (FieldType::Date, FieldValue::Str(s)) => record_date(s).map(Key::Date),
        (FieldType::Datetime, FieldValue::Str(s)) => record_datetime(s, zone).map(Key::DateTime),
        (FieldType::Time, FieldValue::Str(s)) => record_time(s).map(Key::Time),
        _ => None,
    }
}

/// Non-text scalars in comparable form. Decimals compare as binary floats, as JSON numbers
/// are read (documented in the README).
pub(crate) fn key_of(s: &Scalar) -> Key {
    match s {
        Scalar::Integer(i) => Key::Int(*i),
        Scalar::Decimal(d) => Key::Num(d.to_f64().unwrap_or(f64::NAN)),
        Scalar::Boolean(b) => Key::Bool(*b),
        Scalar::Date(d) => Key::Date(*d),
        Scalar::DateTime(t) => Key::DateTime(*t),
        Scalar::Time(t) => Key::Time(*t),
        // Text never reaches a key test: the planner makes text tests patterns.
        Scalar::Text(_) => Key::Num(f64::NAN),
    }
}
