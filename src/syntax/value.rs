//! Constant folding: literal arithmetic and literal-side functions, against a clock.
//!
//! Decimal arithmetic is exact (rust_decimal) and rounded to [`DECIMAL_PLACES`] fractional
//! digits; integer arithmetic stays integer and is checked for overflow. Integer division
//! truncates toward zero and `Mod` takes the sign of the dividend, as in SQL.

use std::borrow::Cow;

use chrono::{
    Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike,
    Weekday,
};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::ast::{ArithOp, DateTime, MatchKind, Point, Shape, Span, Value, ValueType};
use super::functions::{Function, cast_target};
use super::text::{Piece, Text};
use crate::error::{Error, ErrorKind};
use crate::semantics::build_regex;

/// Fractional digits kept by decimal arithmetic (SPEC 3).
pub const DECIMAL_PLACES: u32 = 20;
pub use crate::semantics::REGEX_SIZE_LIMIT;
/// Largest offset `days()` and `weekdays()` take (SPEC 4).
pub const MAX_DAY_OFFSET: i64 = 365_000;

/// The clock literal-side date functions read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system clock, in UTC.
    #[default]
    System,
    /// A fixed instant and zone (tests, `--now`).
    Fixed(chrono::DateTime<FixedOffset>),
}

impl Clock {
    /// The current instant in the clock's zone.
    pub fn now(&self) -> chrono::DateTime<FixedOffset> {
        match self {
            Clock::System => chrono::Utc::now().fixed_offset(),
            Clock::Fixed(t) => *t,
        }
    }
}

pub(crate) fn serialize_decimal<S: serde::Serializer>(
    d: &Decimal,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(&super::print::DecimalText(*d))
}

fn invalid(span: Span, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, span, message)
}

fn mismatch(span: Span, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::TypeMismatch, span, message)
}

/// `-v` for a numeric constant.
pub(crate) fn negate<'a>(v: Value<'a>, span: Span) -> Result<Value<'a>, Error> {
    match v {
        Value::Integer(i) => i
            .checked_neg()
            .map(Value::Integer)
            .ok_or_else(|| invalid(span, "integer out of range after negation")),
        Value::Decimal(d) => Ok(Value::Decimal(-d)),
        other => Err(mismatch(
            span,
            format!(
                "only numbers can be negated, not {}",
                other.value_type().as_str()
            ),
        )),
    }
}

/// `a op b` for numeric constants.
pub(crate) fn arith<'a>(
    op: ArithOp,
    a: &Value<'a>,
    b: &Value<'a>,
    span: Span,
    b_span: Span,
) -> Result<Value<'a>, Error> {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => {
            let (x, y) = (*x, *y);
            if matches!(op, ArithOp::Div | ArithOp::Mod) && y == 0 {
                return Err(invalid(b_span, format!("{} by zero", op_verb(op))));
            }
            let r = match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => x.checked_div(y),
                ArithOp::Mod => x.checked_rem(y),
            };
            r.map(Value::Integer)
                .ok_or_else(|| invalid(span, "integer arithmetic overflows 64 bits"))
        }
        _ => {
            let x = as_decimal(a).ok_or_else(|| arith_type_error(op, a, span))?;
            let y = as_decimal(b).ok_or_else(|| arith_type_error(op, b, b_span))?;
            if matches!(op, ArithOp::Div | ArithOp::Mod) && y.is_zero() {
                return Err(invalid(b_span, format!("{} by zero", op_verb(op))));
            }
            let r = match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => x.checked_div(y),
                ArithOp::Mod => x.checked_rem(y),
            };
            r.map(|d| Value::Decimal(round_places(d)))
                .ok_or_else(|| invalid(span, "decimal arithmetic out of range"))
        }
    }
}

fn op_verb(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Div => "division",
        _ => "modulo",
    }
}

fn arith_type_error(op: ArithOp, v: &Value<'_>, span: Span) -> Error {
    mismatch(
        span,
        format!(
            "{} needs numbers, not {}",
            op.as_str(),
            v.value_type().as_str()
        ),
    )
}

fn as_decimal(v: &Value<'_>) -> Option<Decimal> {
    match v {
        Value::Integer(i) => Some(Decimal::from(*i)),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

fn round_places(d: Decimal) -> Decimal {
    if d.scale() > DECIMAL_PLACES {
        d.round_dp_with_strategy(DECIMAL_PLACES, RoundingStrategy::MidpointAwayFromZero)
    } else {
        d
    }
}

/// Applies a literal-side function to folded arguments. Argument types were checked by the
/// parser against [`Function::signature`]; `spans` holds the call's span then each argument's.
pub(crate) fn apply<'a>(
    function: Function,
    args: impl IntoIterator<Item = Value<'a>>,
    call_span: Span,
    arg_spans: &[Span],
    clock: &Clock,
    regex_limit: usize,
) -> Result<Value<'a>, Error> {
    let span_of = |i: usize| arg_spans.get(i).copied().unwrap_or(call_span);
    let mut args = args.into_iter();
    let mut next = || args.next().unwrap_or(Value::Null);
    use Function as F;
    Ok(match function {
        F::Now => Value::DateTime(instant(clock.now())),
        F::MinDateTime => Value::DateTime(utc(NaiveDate::from_ymd_opt(1970, 1, 1), 0, 0, 0)),
        F::MaxDateTime => Value::DateTime(utc(NaiveDate::from_ymd_opt(9999, 12, 31), 23, 59, 59)),
        F::Days | F::Weekdays => {
            let n = integer(&next());
            if n.unsigned_abs() > MAX_DAY_OFFSET as u64 {
                return Err(Error::new(
                    ErrorKind::InvalidValue,
                    span_of(0),
                    format!(
                        "{}() takes an offset of at most {MAX_DAY_OFFSET} days",
                        function.name()
                    ),
                ));
            }
            let today = clock.now().date_naive();
            let day = if function == F::Days {
                today.checked_add_signed(TimeDelta::days(n))
            } else {
                add_weekdays(today, n)
            };
            Value::Date(day.ok_or_else(|| invalid(span_of(0), "date out of range"))?)
        }
        F::Months | F::Years => {
            let n = integer(&next());
            let months = if function == F::Years {
                n.checked_mul(12)
            } else {
                Some(n)
            };
            let today = clock.now().date_naive();
            let day = months.and_then(|m| {
                let step = Months::new(u32::try_from(m.unsigned_abs()).ok()?);
                if m >= 0 {
                    today.checked_add_months(step)
                } else {
                    today.checked_sub_months(step)
                }
            });
            Value::Date(day.ok_or_else(|| invalid(span_of(0), "date out of range"))?)
        }
        F::Hours | F::Minutes | F::Seconds => {
            let n = integer(&next());
            let delta = match function {
                F::Hours => TimeDelta::try_hours(n),
                F::Minutes => TimeDelta::try_minutes(n),
                _ => TimeDelta::try_seconds(n),
            };
            let t = delta.and_then(|d| clock.now().checked_add_signed(d));
            Value::DateTime(instant(
                t.ok_or_else(|| invalid(span_of(0), "datetime out of range"))?,
            ))
        }
        F::Contains | F::StartsWith | F::EndsWith => Value::Match {
            kind: match function {
                F::Contains => MatchKind::Contains,
                F::StartsWith => MatchKind::StartsWith,
                _ => MatchKind::EndsWith,
            },
            text: owned_value(&next()),
        },
        F::Regex => {
            let pattern = match next() {
                Value::Character(t) => Cow::Owned(t.regex_source().into_owned()),
                _ => Cow::Borrowed(""),
            };
            let flags = match next() {
                Value::Null => Cow::Borrowed(""),
                v => owned_value(&v),
            };
            if let Some(bad) = flags.chars().find(|&c| c != 'i') {
                return Err(invalid(
                    span_of(1),
                    format!("unknown regex flag '{bad}': the only flag is 'i'"),
                ));
            }
            let case_insensitive = !flags.is_empty();
            // Checked here, with a size limit, so that a pattern no back end could run is
            // an error with its span rather than a failure later.
            check_regex(&pattern, case_insensitive, regex_limit).map_err(|e| match e {
                RegexError::Syntax(e) => invalid(
                    span_of(0),
                    format!("invalid regular expression: {}", regex_message(&e)),
                ),
                RegexError::TooBig(limit) => Error::new(
                    ErrorKind::LimitExceeded,
                    span_of(0),
                    format!(
                        "the regular expression is too big: it compiles to more than {limit} \
                         bytes, the limit"
                    ),
                ),
            })?;
            Value::Regex {
                pattern,
                case_insensitive,
            }
        }
        F::ToLower => map_chars(&next(), |c, out| out.extend(c.to_lowercase())),
        F::ToUpper => map_chars(&next(), |c, out| out.extend(c.to_uppercase())),
        F::Trim => {
            let pieces: Vec<Piece> = text(&next()).pieces().collect();
            let ws = |p: &Piece| matches!(p, Piece::Char(c) if is_trim_space(*c));
            let start = pieces.iter().position(|p| !ws(p)).unwrap_or(pieces.len());
            let end = pieces.iter().rposition(|p| !ws(p)).map_or(start, |i| i + 1);
            Value::Character(Text::from_pieces(pieces[start..end].iter().copied()))
        }
        F::Length => Value::Integer(text(&next()).pieces().count() as i64),
        F::IndexOf => {
            let hay = text(&next()).value().into_owned();
            let needle = text(&next()).value().into_owned();
            Value::Integer(match hay.find(&needle) {
                Some(byte) => hay[..byte].chars().count() as i64,
                None => -1,
            })
        }
        F::Concat => {
            let (a, b) = (next(), next());
            let (a, b) = (text(&a), text(&b));
            Value::Character(Text::from_pieces(a.pieces().chain(b.pieces())))
        }
        F::Substring => {
            let s = next();
            let s = text(&s);
            let start = integer(&next());
            let len = match next() {
                Value::Null => None,
                v => Some(integer(&v)),
            };
            if start < 0 {
                return Err(invalid(span_of(1), "substring() start must be 0 or more"));
            }
            if let Some(l) = len.filter(|l| *l < 0) {
                return Err(invalid(
                    span_of(2),
                    format!("substring() length must be 0 or more, not {l}"),
                ));
            }
            let pieces = s.pieces().skip(start as usize);
            let taken: Vec<Piece> = match len {
                Some(l) => pieces.take(l as usize).collect(),
                None => pieces.collect(),
            };
            Value::Character(Text::from_pieces(taken))
        }
        F::Round | F::Ceiling | F::Floor => {
            let v = next();
            let d = as_decimal(&v).unwrap_or_default();
            let r = match function {
                F::Round => d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
                F::Ceiling => d.ceil(),
                _ => d.floor(),
            };
            Value::Integer(
                r.to_i64()
                    .ok_or_else(|| invalid(span_of(0), "result out of the integer range"))?,
            )
        }
        F::Cast => {
            let v = next();
            let target_text = owned_value(&next());
            let target = cast_target(&target_text).ok_or_else(|| {
                invalid(
                    span_of(1),
                    format!("cannot cast to '{target_text}': the types are 'character', 'decimal' and 'integer'"),
                )
            })?;
            cast(v, target, span_of(0))?
        }
        F::Date => Value::Date(local(&next()).date()),
        F::Time => Value::Time(local(&next()).time()),
        F::Year => Value::Integer(local(&next()).year().into()),
        F::Month => Value::Integer(local(&next()).month().into()),
        F::Day => Value::Integer(local(&next()).day().into()),
        F::Hour => Value::Integer(local(&next()).hour().into()),
        F::Minute => Value::Integer(local(&next()).minute().into()),
        F::Second => Value::Integer(local(&next()).second().into()),
        F::FractionalSeconds => {
            let nanos = local(&next()).nanosecond() % 1_000_000_000;
            Value::Decimal(Decimal::new(nanos.into(), 9).normalize())
        }
        F::DayOfWeek => Value::Integer(day_of_week(local(&next()).weekday())),
        F::DayOfYear => Value::Integer(local(&next()).ordinal().into()),
        F::Range => Value::CharRange {
            low: owned_value(&next()),
            high: owned_value(&next()),
        },
        F::Polygon | F::LineString | F::Rectangle | F::Wkt => {
            let v = next();
            let source = text(&v).value().into_owned();
            Value::Shape(shape(function, &source, span_of(0))?)
        }
        F::Radius => {
            let center = text(&next()).value().into_owned();
            let radius = as_decimal(&next()).and_then(|d| d.to_f64()).unwrap_or(0.0);
            let points = points(&center, span_of(0))?;
            let [center] = points[..] else {
                return Err(invalid(
                    span_of(0),
                    format!(
                        "radius() takes one 'latitude longitude' centre, found {} points",
                        points.len()
                    ),
                ));
            };
            if !(radius > 0.0 && radius.is_finite()) {
                return Err(invalid(
                    span_of(1),
                    "radius() needs a radius greater than zero",
                ));
            }
            Value::Shape(Shape::Radius { center, radius })
        }
        F::All => {
            return Err(mismatch(call_span, "all() takes a field, not a value"));
        }
    })
}

/// The characters `trim()` removes: ASCII whitespace (space, tab, LF, CR, FF, VT), the
/// set every back end can remove identically.
pub fn is_trim_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C' | '\x0B')
}

/// 1 = Sunday … 7 = Saturday (the ODBC numbering).
pub fn day_of_week(day: Weekday) -> i64 {
    i64::from(day.num_days_from_sunday()) + 1
}

/// A `regex()` pattern read into the `regex` crate's high-level form, by the parser and
/// with the settings the crate itself uses: what the size check measures and what
/// PostgreSQL's translation writes out. `Err` is regex-syntax's message.
pub(crate) fn pattern_hir(
    pattern: &str,
    case_insensitive: bool,
) -> Result<regex_syntax::hir::Hir, String> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// Why a `regex()` pattern would not compile.
#[derive(Debug, PartialEq)]
enum RegexError {
    /// The `regex` crate's syntax error text.
    Syntax(String),
    /// Its compiled form would exceed this many bytes.
    TooBig(usize),
}

/// Checks that `regex(pattern)` would compile within `limit` bytes (at most
/// [`REGEX_SIZE_LIMIT`]), with the verdict a full `regex` build gives.
///
/// Parsing the pattern into its HIR finds every syntax error. The only other way a build
/// can fail is the size limit, so the full (about three times dearer) compilation runs
/// only for patterns whose HIR is large enough that the limit might be reached.
fn check_regex(pattern: &str, case_insensitive: bool, limit: usize) -> Result<(), RegexError> {
    let limit = limit.min(REGEX_SIZE_LIMIT);
    let hir = pattern_hir(pattern, case_insensitive).map_err(RegexError::Syntax)?;
    // Measured: a unit of `hir_cost` compiles to at most about 128 bytes (the test
    // `hir_cost_bounds_the_compiled_size`); 1024 per unit leaves an eightfold margin.
    let surely_small = limit / 1024;
    if hir_cost(&hir, surely_small + 1) <= surely_small {
        return Ok(());
    }
    match build_regex(pattern, case_insensitive, limit) {
        Ok(_) => Ok(()),
        Err(regex::Error::CompiledTooBig(n)) => Err(RegexError::TooBig(n)),
        Err(e) => Err(RegexError::Syntax(e.to_string())),
    }
}

/// An upper bound on the compiled size of `hir` in rough units, saturating at `cap`.
fn hir_cost(hir: &regex_syntax::hir::Hir, cap: usize) -> usize {
    use regex_syntax::hir::{Class, HirKind};
    let cost = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(lit) => lit.0.len(),
        // A range may take several UTF-8 byte sequences.
        HirKind::Class(Class::Unicode(c)) => 4 * c.ranges().len(),
        HirKind::Class(Class::Bytes(c)) => c.ranges().len(),
        HirKind::Capture(c) => hir_cost(&c.sub, cap),
        HirKind::Repetition(r) => {
            let copies = r.max.unwrap_or(r.min).max(r.min).saturating_add(1);
            hir_cost(&r.sub, cap).saturating_mul(copies as usize)
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .fold(0usize, |n, s| n.saturating_add(hir_cost(s, cap)).min(cap)),
    };
    cost.saturating_add(1).min(cap)
}

/// The explanation line of a regex-syntax error (its first lines show the pattern and a
/// caret, which our own renderer does better).
fn regex_message(s: &str) -> String {
    let line = first_line(s);
    line.strip_prefix("error: ").unwrap_or(&line).to_string()
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

fn instant(t: chrono::DateTime<FixedOffset>) -> DateTime {
    DateTime {
        local: t.naive_local(),
        offset: Some(*t.offset()),
    }
}

fn utc(day: Option<NaiveDate>, h: u32, m: u32, s: u32) -> DateTime {
    let local = day.and_then(|d| d.and_hms_opt(h, m, s)).unwrap_or_default();
    DateTime {
        local,
        offset: FixedOffset::east_opt(0),
    }
}

/// `n` weekdays (Monday to Friday) from `day`, skipping weekends; 0 is `day` itself.
///
/// From a weekend day, counting forward starts from the Friday before it and counting
/// backward from the Monday after it, so that whole weeks never land on a weekend.
fn add_weekdays(day: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n == 0 {
        return Some(day);
    }
    let step = if n < 0 { -1 } else { 1 };
    let base = match (day.weekday(), n > 0) {
        (Weekday::Sat, true) => day.checked_sub_signed(TimeDelta::days(1))?,
        (Weekday::Sun, true) => day.checked_sub_signed(TimeDelta::days(2))?,
        (Weekday::Sat, false) => day.checked_add_signed(TimeDelta::days(2))?,
        (Weekday::Sun, false) => day.checked_add_signed(TimeDelta::days(1))?,
        _ => day,
    };
    let weeks = n / 5;
    let mut d = base.checked_add_signed(TimeDelta::days(weeks * 7))?;
    let mut left = n - weeks * 5;
    while left != 0 {
        d = d.checked_add_signed(TimeDelta::days(step))?;
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= step;
        }
    }
    Some(d)
}

fn integer(v: &Value<'_>) -> i64 {
    match v {
        Value::Integer(i) => *i,
        _ => 0,
    }
}

fn text<'v, 'a>(v: &'v Value<'a>) -> Cow<'v, Text<'a>> {
    match v {
        Value::Character(t) => Cow::Borrowed(t),
        _ => Cow::Owned(Text::from_source("")),
    }
}

fn owned_value<'a>(v: &Value<'a>) -> Cow<'a, str> {
    match v {
        Value::Character(t) => Cow::Owned(t.value().into_owned()),
        _ => Cow::Borrowed(""),
    }
}

fn map_chars<'a>(v: &Value<'a>, f: impl Fn(char, &mut String)) -> Value<'a> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for piece in text(v).pieces() {
        match piece {
            Piece::Wildcard => out.push(Piece::Wildcard),
            Piece::Char(c) => {
                buf.clear();
                f(c, &mut buf);
                out.extend(buf.chars().map(Piece::Char));
            }
        }
    }
    Value::Character(Text::from_pieces(out))
}

fn local(v: &Value<'_>) -> NaiveDateTime {
    match v {
        Value::Date(d) => d.and_time(NaiveTime::MIN),
        Value::DateTime(dt) => dt.local,
        _ => NaiveDateTime::default(),
    }
}

fn cast<'a>(v: Value<'a>, target: ValueType, span: Span) -> Result<Value<'a>, Error> {
    let bad = |what: &str| invalid(span, format!("cannot cast {what} to {}", target.as_str()));
    Ok(match (v, target) {
        (Value::Null, _) => Value::Null,
        (Value::Character(t), ValueType::Character) => Value::Character(t),
        (Value::Character(t), ValueType::Integer) => {
            let s = t.value();
            Value::Integer(s.trim().parse().map_err(|_| bad(&format!("'{s}'")))?)
        }
        (Value::Character(t), ValueType::Decimal) => {
            let s = t.value();
            Value::Decimal(parse_decimal_text(s.trim()).ok_or_else(|| bad(&format!("'{s}'")))?)
        }
        (Value::Integer(i), ValueType::Integer) => Value::Integer(i),
        (Value::Integer(i), ValueType::Decimal) => Value::Decimal(Decimal::from(i)),
        (Value::Integer(i), _) => Value::Character(Text::literal(&i.to_string())),
        (Value::Decimal(d), ValueType::Integer) => Value::Integer(
            d.trunc()
                .to_i64()
                .ok_or_else(|| bad("a decimal this large"))?,
        ),
        (Value::Decimal(d), ValueType::Decimal) => Value::Decimal(d),
        (Value::Decimal(d), _) => {
            Value::Character(Text::literal(&super::print::DecimalText(d).to_string()))
        }
        (other, _) => return Err(bad(other.value_type().as_str())),
    })
}

/// Parses `-?[0-9]+(\.[0-9]+)?([Ee]-?[0-9]{1,2})?` into an exact decimal.
pub(crate) fn parse_decimal_text(s: &str) -> Option<Decimal> {
    if s.contains(['e', 'E']) {
        Decimal::from_scientific(s).ok()
    } else {
        s.parse().ok()
    }
}

fn shape(function: Function, source: &str, span: Span) -> Result<Shape, Error> {
    match function {
        Function::Polygon => {
            let mut points = points(source, span)?;
            if points.len() < 3 {
                return Err(invalid(
                    span,
                    format!("polygon() needs at least 3 points, found {}", points.len()),
                ));
            }
            close_ring(&mut points);
            Ok(Shape::Polygon { points })
        }
        Function::LineString => {
            let points = points(source, span)?;
            if points.len() < 2 {
                return Err(invalid(
                    span,
                    format!(
                        "linestring() needs at least 2 points, found {}",
                        points.len()
                    ),
                ));
            }
            Ok(Shape::LineString { points })
        }
        Function::Rectangle => {
            let points = points(source, span)?;
            let [from, to] = points[..] else {
                return Err(invalid(
                    span,
                    format!(
                        "rectangle() needs exactly 2 corners, found {}",
                        points.len()
                    ),
                ));
            };
            Ok(Shape::Rectangle { from, to })
        }
        _ => wkt(source, span),
    }
}

fn close_ring(points: &mut Vec<Point>) {
    if let (Some(first), Some(last)) = (points.first().copied(), points.last().copied()) {
        if first != last {
            points.push(first);
        }
    }
}

/// `'lat lon, lat lon, …'`.
fn points(source: &str, span: Span) -> Result<Vec<Point>, Error> {
    source
        .split(',')
        .map(|pair| {
            let mut it = pair.split_whitespace();
            let (Some(lat), Some(lon), None) = (it.next(), it.next(), it.next()) else {
                return Err(invalid(
                    span,
                    format!(
                        "expected 'latitude longitude' pairs separated by commas, found '{}'",
                        pair.trim()
                    ),
                ));
            };
            point(lat, lon, span)
        })
        .collect()
}

fn point(lat: &str, lon: &str, span: Span) -> Result<Point, Error> {
    let num = |s: &str| s.parse::<f64>().ok().filter(|f| f.is_finite());
    let (Some(la), Some(lo)) = (num(lat), num(lon)) else {
        return Err(invalid(
            span,
            format!("'{lat} {lon}' is not a pair of numbers"),
        ));
    };
    if !(-90.0..=90.0).contains(&la) || !(-180.0..=180.0).contains(&lo) {
        return Err(invalid(
            span,
            format!("'{lat} {lon}' is off the globe: latitude is -90..90, longitude -180..180"),
        ));
    }
    Ok((la, lo))
}

/// A small WKT reader for `POINT`, `LINESTRING` and `POLYGON` (one ring). WKT writes
/// longitude first; points are returned as (latitude, longitude) like the other functions.
fn wkt(source: &str, span: Span) -> Result<Shape, Error> {
    let s = source.trim();
    let open = s
        .find('(')
        .ok_or_else(|| invalid(span, "WKT needs a geometry such as POLYGON((lon lat, …))"))?;
    let kind = s[..open].trim().to_ascii_uppercase();
    let body = s[open..].trim();
    let strip = |b: &str| -> Option<String> {
        let b = b.trim();
        b.strip_prefix('(')?.strip_suffix(')').map(str::to_string)
    };
    let coords = |inner: &str| -> Result<Vec<Point>, Error> {
        inner
            .split(',')
            .map(|pair| {
                let mut it = pair.split_whitespace();
                match (it.next(), it.next(), it.next()) {
                    (Some(lon), Some(lat), None) => point(lat, lon, span),
                    _ => Err(invalid(
                        span,
                        format!(
                            "WKT coordinates are 'longitude latitude', found '{}'",
                            pair.trim()
                        ),
                    )),
                }
            })
            .collect()
    };
    let malformed = || invalid(span, format!("malformed WKT {kind}"));
    match kind.as_str() {
        "POINT" => {
            let pts = coords(&strip(body).ok_or_else(malformed)?)?;
            let [point] = pts[..] else {
                return Err(malformed());
            };
            Ok(Shape::Point { point })
        }
        "LINESTRING" => {
            let points = coords(&strip(body).ok_or_else(malformed)?)?;
            if points.len() < 2 {
                return Err(malformed());
            }
            Ok(Shape::LineString { points })
        }
        "POLYGON" => {
            let ring = strip(&strip(body).ok_or_else(malformed)?).ok_or_else(malformed)?;
            if ring.contains('(') {
                return Err(invalid(span, "WKT polygons with holes are not supported"));
            }
            let mut points = coords(&ring)?;
            if points.len() < 3 {
                return Err(malformed());
            }
            close_ring(&mut points);
            Ok(Shape::Polygon { points })
        }
        "" => Err(invalid(span, "WKT needs a geometry name such as POLYGON")),
        other => Err(invalid(
            span,
            format!("unsupported WKT geometry '{other}': use POINT, LINESTRING or POLYGON"),
        )),
    }
}

/// Folds a constant term (one that names no field) to its value, against `clock`.
///
/// The parser already folds every value side; this serves the constant arguments of
/// field-side calls (`substring(City, 1, 2)`) and callers that build terms by hand.
/// `regex()` patterns are checked against the ceiling, [`REGEX_SIZE_LIMIT`].
pub fn fold<'a>(term: &super::ast::Term<'a>, clock: &Clock) -> Result<Value<'a>, Error> {
    use super::ast::{Literal, TermKind};
    match &term.kind {
        TermKind::Field { .. } => Err(mismatch(term.span, "a field is not a constant")),
        TermKind::Literal { value } => Ok(match value {
            Literal::Character(t) => Value::Character(t.clone()),
            Literal::Integer(i) => Value::Integer(*i),
            Literal::Decimal(d) => Value::Decimal(*d),
            Literal::Date(d) => Value::Date(*d),
            Literal::Time(t) => Value::Time(*t),
            Literal::DateTime(dt) => Value::DateTime(*dt),
            Literal::Boolean(b) => Value::Boolean(*b),
            Literal::Null => Value::Null,
        }),
        TermKind::Paren { term } => fold(term, clock),
        TermKind::Negate { term: inner } => negate(fold(inner, clock)?, term.span),
        TermKind::Arith(a) => {
            let lhs = fold(&a.lhs, clock)?;
            let rhs = fold(&a.rhs, clock)?;
            arith(a.op, &lhs, &rhs, term.span, a.rhs.span)
        }
        TermKind::Call(call) => {
            let args = call
                .args
                .iter()
                .map(|a| fold(a, clock))
                .collect::<Result<Vec<_>, _>>()?;
            let spans: Vec<Span> = call.args.iter().map(|a| a.span).collect();
            apply(
                call.function,
                args,
                term.span,
                &spans,
                clock,
                REGEX_SIZE_LIMIT,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_check_agrees_with_a_full_build() {
        let patterns = [
            "a",
            "(",
            "[z-a]",
            "a{999}",
            "a{1000}{1000}",
            ".{300}",
            ".{3000}",
            r"\w{10}",
            r"\w{100}",
            r"\pL{50}",
            r"[0-9]{3}(-[0-9]{4})?",
            "(?i)k{300}",
            "(a|b|c){200}",
            "x*y+z?",
            r"\d{2,}",
            "(?-u:\\xFF)",
            r"\bfoo\b",
            "a{2}{3}{4}{5}{6}",
        ];
        // The default, limits below the eightfold margin of the shortcut, and one above
        // the ceiling (which counts as the ceiling).
        let limits = [REGEX_SIZE_LIMIT, 64 << 10, 4 << 10, 1000, 0, usize::MAX];
        for p in patterns {
            for ci in [false, true] {
                for limit in limits {
                    let full = regex::RegexBuilder::new(p)
                        .case_insensitive(ci)
                        .size_limit(limit.min(REGEX_SIZE_LIMIT))
                        .build()
                        .map(drop)
                        .map_err(|e| match e {
                            regex::Error::CompiledTooBig(n) => RegexError::TooBig(n),
                            e => RegexError::Syntax(e.to_string()),
                        });
                    assert_eq!(
                        check_regex(p, ci, limit),
                        full,
                        "{p:?} (case-insensitive: {ci}, limit {limit})"
                    );
                }
            }
        }
    }

    /// The shortcut in `check_regex` assumes a unit of `hir_cost` compiles to well under
    /// 1024 bytes. Measured here: the smallest size limit each pattern builds under, over
    /// its cost, stays under a quarter of that (about 128 today).
    #[test]
    fn hir_cost_bounds_the_compiled_size() {
        let smallest_limit = |p: &str, ci: bool| {
            let builds = |n: usize| {
                regex::RegexBuilder::new(p)
                    .case_insensitive(ci)
                    .size_limit(n)
                    .build()
                    .is_ok()
            };
            let (mut fails, mut builds_at) = (0, 1 << 26);
            while fails + 1 < builds_at {
                let mid = (fails + builds_at) / 2;
                if builds(mid) {
                    builds_at = mid
                } else {
                    fails = mid
                }
            }
            builds_at
        };
        let atoms = [
            ".", "a", "k", r"\w", r"\d", r"\pL", "[a-z]", "[^a]", r"\b", "(a|b|c)", "é", "ǅ",
            r"\S", "(a*)", "(a?)", "a{2,5}", ".*",
        ];
        for atom in atoms {
            for ci in [false, true] {
                for n in [1, 10, 100] {
                    let p = format!("(?:{atom}){{{n}}}");
                    let hir = regex_syntax::ParserBuilder::new()
                        .case_insensitive(ci)
                        .build()
                        .parse(&p)
                        .unwrap();
                    let cost = hir_cost(&hir, usize::MAX);
                    let size = smallest_limit(&p, ci);
                    assert!(
                        size <= 256 * cost,
                        "{p:?} (case-insensitive: {ci}): {size} bytes for cost {cost}"
                    );
                }
            }
        }
    }

    #[test]
    fn weekdays_skip_weekends() {
        // 2026-11-20 is a Friday.
        let fri = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(add_weekdays(fri, 1), NaiveDate::from_ymd_opt(2026, 11, 23));
        assert_eq!(add_weekdays(fri, 0), Some(fri));
        assert_eq!(add_weekdays(fri, -5), NaiveDate::from_ymd_opt(2026, 11, 13));
        assert_eq!(add_weekdays(fri, 6), NaiveDate::from_ymd_opt(2026, 11, 30));
        let sat = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(add_weekdays(sat, 1), NaiveDate::from_ymd_opt(2026, 11, 23));
        assert_eq!(add_weekdays(sat, -1), NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(add_weekdays(sat, 5), NaiveDate::from_ymd_opt(2026, 11, 27));
        let sun = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(add_weekdays(sun, 5), NaiveDate::from_ymd_opt(2026, 11, 27));
        assert_eq!(add_weekdays(sun, 10), NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(add_weekdays(sun, -5), NaiveDate::from_ymd_opt(2026, 11, 16));
        assert_eq!(add_weekdays(sun, -1), NaiveDate::from_ymd_opt(2026, 11, 20));
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        let d = |s: &str| Value::Decimal(s.parse().unwrap());
        let sp = Span::default();
        assert_eq!(
            arith(ArithOp::Add, &d("0.1"), &d("0.2"), sp, sp).unwrap(),
            d("0.3")
        );
        assert_eq!(
            arith(ArithOp::Mod, &d("32.7"), &d("20.7"), sp, sp).unwrap(),
            d("12.0")
        );
        assert_eq!(
            arith(ArithOp::Div, &Value::Integer(7), &d("10.1"), sp, sp).unwrap(),
            d("0.69306930693069306931")
        );
        assert_eq!(
            arith(ArithOp::Div, &Value::Integer(7), &Value::Integer(2), sp, sp).unwrap(),
            Value::Integer(3)
        );
        assert!(arith(ArithOp::Div, &Value::Integer(7), &Value::Integer(0), sp, sp).is_err());
        assert!(
            arith(
                ArithOp::Mul,
                &Value::Integer(i64::MAX),
                &Value::Integer(2),
                sp,
                sp
            )
            .is_err()
        );
    }
}
