//! Field-side expressions (`tolower(City)`, `year(CloseDate)`, `Baths Add 1`) computed per
//! record by the evaluator, and per stored value by SQLite's `spark_arith`/`spark_call`.
//!
//! The semantics here are the reference for the SQL back ends: integer arithmetic is
//! checked (overflow makes the value null), division truncates toward zero, `Mod` takes the
//! dividend's sign; decimals are binary floats; `date()`/`time()` and the date parts of a
//! datetime are taken in the plan's zone.

use chrono::{Datelike, FixedOffset, NaiveDateTime, NaiveTime, Timelike};

use super::key::{Key, key_of, read_key};
use super::record::{FieldValue, Record};
use super::text::fold_case;
use crate::plan::{Operand, Scalar};
use crate::syntax::{ArithOp, Function};

/// A computed value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Computed {
    Null,
    Key(Key),
    Text(String),
}

/// `fold`: text of case-insensitive fields (and text constants) enter folded, as the SQL
/// back ends read them from the folded columns.
pub(crate) fn compute<R: Record + ?Sized>(
    op: &Operand,
    record: &R,
    zone: FixedOffset,
    fold: bool,
) -> Computed {
    match op {
        Operand::Field(f) => {
            let mut out = Computed::Null;
            record.any_value(f, |v| {
                out = match v {
                    FieldValue::Null => Computed::Null,
                    FieldValue::Str(s) if f.ty.is_textual() && fold && !f.case_sensitive => {
                        Computed::Text(fold_case(s).into_owned())
                    }
                    FieldValue::Str(s) if f.ty.is_textual() => Computed::Text(s.to_string()),
                    v => read_key(v, f.ty, zone).map_or(Computed::Null, Computed::Key),
                };
                true
            });
            out
        }
        Operand::Const { value } => match value {
            Scalar::Text(s) if fold => Computed::Text(fold_case(s).into_owned()),
            Scalar::Text(s) => Computed::Text(s.clone()),
            other => Computed::Key(key_of(other)),
        },
        Operand::Negate { arg } => match compute(arg, record, zone, fold) {
            Computed::Key(Key::Int(i)) => i
                .checked_neg()
                .map_or(Computed::Null, |n| Computed::Key(Key::Int(n))),
            Computed::Key(Key::Num(f)) => Computed::Key(Key::Num(-f)),
            _ => Computed::Null,
        },
        Operand::Arith { op, lhs, rhs } => {
            match (
                compute(lhs, record, zone, fold),
                compute(rhs, record, zone, fold),
            ) {
                (Computed::Key(a), Computed::Key(b)) => arith(*op, a, b),
                _ => Computed::Null,
            }
        }
        Operand::Call {
            function,
            arg,
            args,
        } => {
            let value = compute(arg, record, zone, fold);
            if matches!(value, Computed::Null) {
                return Computed::Null;
            }
            call(*function, value, args, zone)
        }
    }
}

pub(crate) fn arith(op: ArithOp, a: Key, b: Key) -> Computed {
    match (a, b) {
        (Key::Int(x), Key::Int(y)) => {
            let r = match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => x.checked_div(y),
                // i64::MIN Mod -1 is 0 (the division alone would overflow).
                ArithOp::Mod if y == -1 => Some(0),
                ArithOp::Mod => x.checked_rem(y),
            };
            r.map_or(Computed::Null, |i| Computed::Key(Key::Int(i)))
        }
        (a, b) => {
            let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) else {
                return Computed::Null;
            };
            let r = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div if y != 0.0 => x / y,
                // Spelled out rather than fmod, so that SQL computes the very same doubles.
                ArithOp::Mod if y != 0.0 => x - (x / y).trunc() * y,
                _ => return Computed::Null,
            };
            if r.is_finite() {
                Computed::Key(Key::Num(r))
            } else {
                Computed::Null
            }
        }
    }
}

fn as_f64(k: Key) -> Option<f64> {
    match k {
        Key::Int(i) => Some(i as f64),
        Key::Num(f) => Some(f),
        _ => None,
    }
}

fn text_arg(args: &[Scalar], i: usize) -> &str {
    match args.get(i) {
        Some(Scalar::Text(s)) => s,
        _ => "",
    }
}

fn int_arg(args: &[Scalar], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(Scalar::Integer(n)) => Some(*n),
        _ => None,
    }
}

pub(crate) fn call(
    function: Function,
    value: Computed,
    args: &[Scalar],
    zone: FixedOffset,
) -> Computed {
    use Function as F;
    let int = |i: i64| Computed::Key(Key::Int(i));
    match (function, value) {
        (F::ToLower, Computed::Text(s)) => Computed::Text(s.to_lowercase()),
        (F::ToUpper, Computed::Text(s)) => Computed::Text(s.to_uppercase()),
        (F::Trim, Computed::Text(s)) => Computed::Text(
            s.trim_matches(crate::syntax::value::is_trim_space)
                .to_string(),
        ),
        (F::Length, Computed::Text(s)) => int(s.chars().count() as i64),
        (F::IndexOf, Computed::Text(s)) => {
            let needle = text_arg(args, 0);
            int(s.find(needle).map_or(-1, |b| s[..b].chars().count() as i64))
        }
        (F::Concat, Computed::Text(mut s)) => {
            s.push_str(text_arg(args, 0));
            Computed::Text(s)
        }
        (F::Substring, Computed::Text(s)) => {
            let start = int_arg(args, 0).unwrap_or(0).max(0) as usize;
            let chars = s.chars().skip(start);
            Computed::Text(match int_arg(args, 1) {
                Some(len) => chars.take(len.max(0) as usize).collect(),
                None => chars.collect(),
            })
        }
        // An integer rounds to itself (through f64 it would lose digits).
        (F::Round | F::Ceiling | F::Floor, Computed::Key(Key::Int(i))) => int(i),
        (F::Round | F::Ceiling | F::Floor, Computed::Key(k)) => {
            let Some(f) = as_f64(k) else {
                return Computed::Null;
            };
            let r = match function {
                F::Round => f.round(),
                F::Ceiling => f.ceil(),
                _ => f.floor(),
            };
            if r.is_finite() && r.abs() < 9.2e18 {
                int(r as i64)
            } else {
                Computed::Null
            }
        }
        (F::Cast, value) => cast(value, text_arg(args, 0)),
        (F::Date, Computed::Key(k)) => {
            local(k, zone).map_or(Computed::Null, |t| Computed::Key(Key::Date(t.date())))
        }
        (F::Time, Computed::Key(k)) => {
            local(k, zone).map_or(Computed::Null, |t| Computed::Key(Key::Time(t.time())))
        }
        (
            F::Year
            | F::Month
            | F::Day
            | F::Hour
            | F::Minute
            | F::Second
            | F::DayOfWeek
            | F::DayOfYear,
            Computed::Key(k),
        ) => {
            let Some(t) = local(k, zone) else {
                return Computed::Null;
            };
            int(match function {
                F::Year => t.year().into(),
                F::Month => t.month().into(),
                F::Day => t.day().into(),
                F::Hour => t.hour().into(),
                F::Minute => t.minute().into(),
                F::Second => t.second().into(),
                F::DayOfWeek => crate::syntax::value::day_of_week(t.weekday()),
                _ => t.ordinal().into(),
            })
        }
        (F::FractionalSeconds, Computed::Key(k)) => match local(k, zone) {
            Some(t) => Computed::Key(Key::Num(f64::from(t.nanosecond() % 1_000_000_000) / 1e9)),
            None => Computed::Null,
        },
        _ => Computed::Null,
    }
}

fn cast(value: Computed, target: &str) -> Computed {
    match (value, target) {
        (Computed::Text(s), "character") => Computed::Text(s),
        (Computed::Text(s), "integer") => s
            .trim()
            .parse()
            .map_or(Computed::Null, |i| Computed::Key(Key::Int(i))),
        (Computed::Text(s), "decimal") => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map_or(Computed::Null, |f| Computed::Key(Key::Num(f))),
        (Computed::Key(Key::Int(i)), "character") => Computed::Text(i.to_string()),
        (Computed::Key(Key::Int(i)), "decimal") => Computed::Key(Key::Num(i as f64)),
        (Computed::Key(Key::Int(i)), "integer") => Computed::Key(Key::Int(i)),
        (Computed::Key(Key::Num(f)), "character") => Computed::Text(f.to_string()),
        (Computed::Key(Key::Num(f)), "decimal") => Computed::Key(Key::Num(f)),
        (Computed::Key(Key::Num(f)), "integer") if f.is_finite() && f.abs() < 9.2e18 => {
            Computed::Key(Key::Int(f.trunc() as i64))
        }
        _ => Computed::Null,
    }
}

fn local(k: Key, zone: FixedOffset) -> Option<NaiveDateTime> {
    match k {
        Key::Date(d) => Some(d.and_time(NaiveTime::MIN)),
        Key::DateTime(t) => Some(t.with_timezone(&zone).naive_local()),
        _ => None,
    }
}
