//! Dates, clock times and datetimes written as text: the filter grammar's shapes, read the
//! same way from a filter (by the lexer) and from a record (by every back end), and the
//! microsecond precision every back end compares at.
//!
//! The grammar (SPEC 1): a date is `YYYY-MM-DD`; a time `HH:MM`, `HH:MM:SS` or
//! `HH:MM:SS.fraction` (1 to 50 digits, kept to nanoseconds); a datetime a date, `T`, a time
//! and an optional zone (`Z`, `±HH:MM` or `±HHMM`). Only valid values are read here: the
//! lexer explains invalid ones with its own messages.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// A temporal value as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Temporal {
    /// `YYYY-MM-DD`.
    Date(NaiveDate),
    /// `HH:MM[:SS[.f]]`.
    Time(NaiveTime),
    /// A date and time, with the zone when one was written.
    DateTime(NaiveDateTime, Option<FixedOffset>),
}

/// Most fractional-second digits a time may have (as in the reference); digits past
/// nanoseconds are dropped.
const MAX_FRACTION_DIGITS: usize = 50;

/// The whole of `s` as a date, time or datetime, or `None`.
pub(crate) fn read(s: &str) -> Option<Temporal> {
    match read_at(s.as_bytes(), 0)? {
        (t, end) if end == s.len() => Some(t),
        _ => None,
    }
}

/// The temporal value starting at `start`, with where it ends. What follows is not looked
/// at: the lexer applies its own boundary rule.
#[inline]
pub(crate) fn read_at(bytes: &[u8], start: usize) -> Option<(Temporal, usize)> {
    if bytes.get(start + 4) != Some(&b'-') {
        let (time, end) = time_at(bytes, start)?;
        return Some((Temporal::Time(time), end));
    }
    let y = digits_at(bytes, start, 4)?;
    if bytes.get(start + 7) != Some(&b'-') {
        return None;
    }
    let m = digits_at(bytes, start + 5, 2)?;
    let d = digits_at(bytes, start + 8, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    if bytes.get(start + 10) != Some(&b'T') {
        return Some((Temporal::Date(date), start + 10));
    }
    let (time, end) = time_at(bytes, start + 11)?;
    let (offset, end) = zone_at(bytes, end)?;
    Some((Temporal::DateTime(date.and_time(time), offset), end))
}

/// Reads `n` ASCII digits at `at` as a number.
#[inline]
fn digits_at(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for &b in bytes.get(at..at + n)? {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` at `at`.
#[inline]
fn time_at(bytes: &[u8], at: usize) -> Option<(NaiveTime, usize)> {
    let h = digits_at(bytes, at, 2)?;
    if bytes.get(at + 2) != Some(&b':') {
        return None;
    }
    let m = digits_at(bytes, at + 3, 2)?;
    let mut end = at + 5;
    let mut s = 0;
    let mut nanos = 0;
    if bytes.get(end) == Some(&b':') {
        s = digits_at(bytes, end + 1, 2)?;
        end += 3;
        if bytes.get(end) == Some(&b'.') {
            let from = end + 1;
            let n = bytes
                .get(from..)?
                .iter()
                .take(MAX_FRACTION_DIGITS + 1)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if n == 0 || n > MAX_FRACTION_DIGITS {
                return None;
            }
            let kept = n.min(9);
            nanos = digits_at(bytes, from, kept)? * 10u32.pow(9 - kept as u32);
            end = from + n;
        }
    }
    if s >= 60 {
        return None;
    }
    Some((NaiveTime::from_hms_nano_opt(h, m, s, nanos)?, end))
}

/// `Z`, `±HH:MM`, `±HHMM` or nothing, at `at`.
#[inline]
fn zone_at(bytes: &[u8], at: usize) -> Option<(Option<FixedOffset>, usize)> {
    let sign = match bytes.get(at) {
        Some(b'Z') => return Some((FixedOffset::east_opt(0), at + 1)),
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Some((None, at)),
    };
    let h = digits_at(bytes, at + 1, 2)?;
    let colon = usize::from(bytes.get(at + 3) == Some(&b':'));
    let m = digits_at(bytes, at + 3 + colon, 2)?;
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i32::try_from(h * 3600 + m * 60).ok()? * sign;
    Some((Some(FixedOffset::east_opt(secs)?), at + 5 + colon))
}

/// An instant at microsecond precision, the precision every back end compares at
/// (PostgreSQL's); finer digits are dropped (rounded toward the past).
///
/// ```
/// let t = chrono::DateTime::from_timestamp(0, 1_999).unwrap();
/// assert_eq!(spark_filter::semantics::to_micros(t).timestamp_subsec_nanos(), 1_000);
/// ```
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// A clock time at microsecond precision.
///
/// ```
/// let t = chrono::NaiveTime::from_hms_nano_opt(10, 22, 15, 1_999).unwrap();
/// assert_eq!(spark_filter::semantics::time_to_micros(t).nanosecond(), 1_000);
/// # use chrono::Timelike;
/// ```
pub fn time_to_micros(t: NaiveTime) -> NaiveTime {
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// A record's date: `YYYY-MM-DD` (a datetime's date part is not a date).
pub(crate) fn record_date(s: &str) -> Option<NaiveDate> {
    match read(s)? {
        Temporal::Date(d) => Some(d),
        _ => None,
    }
}

/// A record's datetime: the filter grammar's datetimes (zone `Z`, `+HH:MM`, `+HHMM` or
/// none, meaning `zone`), RFC 3339, or a date (its first instant in `zone`); at microsecond
/// precision.
pub(crate) fn record_datetime(s: &str, zone: FixedOffset) -> Option<DateTime<Utc>> {
    let (local, offset) = match read(s) {
        Some(Temporal::DateTime(local, offset)) => (local, offset),
        Some(Temporal::Date(d)) => (d.and_time(NaiveTime::MIN), None),
        _ => {
            return DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| to_micros(t.to_utc()));
        }
    };
    let t = local.and_local_timezone(offset.unwrap_or(zone)).single()?;
    Some(to_micros(t.to_utc()))
}

/// A record's clock time: `HH:MM[:SS[.f]]`, at microsecond precision.
pub(crate) fn record_time(s: &str) -> Option<NaiveTime> {
    match read(s)? {
        Temporal::Time(t) => Some(time_to_micros(t)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_grammar_shapes() {
        let d = NaiveDate::from_ymd_opt(2013, 7, 26).unwrap();
        assert_eq!(read("2013-07-26"), Some(Temporal::Date(d)));
        let t = NaiveTime::from_hms_opt(10, 22, 0).unwrap();
        assert_eq!(read("10:22"), Some(Temporal::Time(t)));
        let z = FixedOffset::west_opt(3 * 3600);
        for s in ["2013-07-26T10:22-0300", "2013-07-26T10:22-03:00"] {
            assert_eq!(read(s), Some(Temporal::DateTime(d.and_time(t), z)), "{s}");
        }
        let long = format!("10:22:15.{}", "1".repeat(50));
        let nanos = NaiveTime::from_hms_nano_opt(10, 22, 15, 111_111_111).unwrap();
        assert_eq!(read(&long), Some(Temporal::Time(nanos)));
        for bad in [
            "2013-02-30",
            "24:00",
            "10:60",
            "10:22:60",
            "2013-07-26T10:22+24:00",
            "2013-07-26 ",
            "10:22:15.",
            &format!("10:22:15.{}", "1".repeat(51)),
            "",
        ] {
            assert_eq!(read(bad), None, "{bad:?}");
        }
    }
}
