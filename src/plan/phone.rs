//! Phone numbers for `"Phones"."Number"` (seed 002): query values and record numbers, split
//! into parts and compared part by part.
//!
//! A query holds at least a prefix and a line number and may hold a country code, an area
//! code and an extension, in the forms the seed gives: `1 555-555-5555 x555` and
//! `1 5555555555 x555` (every part but prefix and line optional). Record numbers come in any
//! common layout (`701-555-1212`, `(701) 555-1212`, `+1 701.555.1212 ext. 12`); their digits
//! are read the same way.

use std::fmt;

use serde::Serialize;

/// The parts of a phone number. Absent parts match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PhoneQuery {
    /// Country code (1 to 3 digits).
    pub country: Option<String>,
    /// Area code (3 digits).
    pub area: Option<String>,
    /// Prefix (3 digits).
    pub prefix: String,
    /// Line number (4 digits).
    pub line: String,
    /// Extension (1 to 6 digits).
    pub extension: Option<String>,
}

/// The forms a query may take, for error messages.
pub const PHONE_FORMS: &str = "555-5555, 5555555, 701-555-5555, 7015555555, 1 701-555-5555 or 1 7015555555, each optionally followed by ' x123'";

impl PhoneQuery {
    /// Parses a query value; `Err` says what is wrong.
    pub fn parse(value: &str) -> Result<PhoneQuery, String> {
        let bad = || format!("'{value}' is not a phone number: use {PHONE_FORMS}");
        // At most three words (country, number, extension) and three groups make a number:
        // they are kept in arrays, not collected (planning parses each phone value).
        let all_words = first_three(value.split_whitespace()).ok_or_else(bad)?;
        let mut words = all_words.as_slice();
        let mut query = PhoneQuery::default();
        if let Some((last, before)) = words.split_last() {
            if let Some(ext) = last.strip_prefix(['x', 'X']) {
                if !(1..=6).contains(&ext.len()) || !all_digits(ext) {
                    return Err(bad());
                }
                query.extension = Some(ext.to_string());
                words = before;
            }
        }
        let number = match words {
            [n] => *n,
            [country, n] if (1..=3).contains(&country.len()) && all_digits(country) => {
                query.country = Some(country.to_string());
                n
            }
            _ => return Err(bad()),
        };
        let groups = first_three(number.split('-')).ok_or_else(bad)?;
        let (area, prefix, line) = match groups.as_slice() {
            [d] if d.len() == 10 && all_digits(d) => (Some(&d[..3]), &d[3..6], &d[6..]),
            [d] if d.len() == 7 && all_digits(d) => (None, &d[..3], &d[3..]),
            [p, l] => (None, *p, *l),
            [a, p, l] => (Some(*a), *p, *l),
            _ => return Err(bad()),
        };
        let ok = |s: &str, n: usize| s.len() == n && all_digits(s);
        if !ok(prefix, 3) || !ok(line, 4) || area.is_some_and(|a| !ok(a, 3)) {
            return Err(bad());
        }
        query.area = area.map(str::to_string);
        query.prefix = prefix.to_string();
        query.line = line.to_string();
        if query.country.is_some() && query.area.is_none() {
            return Err(format!("'{value}': a country code needs an area code too"));
        }
        Ok(query)
    }

    /// Whether a record's phone number matches.
    pub fn matches(&self, record: &PhoneParts) -> bool {
        record.prefix == self.prefix
            && record.line == self.line
            && self
                .area
                .as_ref()
                .is_none_or(|a| record.area.as_deref() == Some(a))
            && self
                .country
                .as_ref()
                .is_none_or(|c| record.country.as_deref() == Some(c))
            && self
                .extension
                .as_ref()
                .is_none_or(|e| record.extension.as_deref() == Some(e))
    }
}

impl fmt::Display for PhoneQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = &self.country {
            write!(f, "{c} ")?;
        }
        if let Some(a) = &self.area {
            write!(f, "{a}-")?;
        }
        write!(f, "{}-{}", self.prefix, self.line)?;
        if let Some(e) = &self.extension {
            write!(f, " x{e}")?;
        }
        Ok(())
    }
}

/// A record's phone number in parts. Numbers with 10 digits get country code 1 (the NANP
/// numbers the seeds use); 7-digit numbers have no area code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PhoneParts {
    /// Country code.
    pub country: Option<String>,
    /// Area code.
    pub area: Option<String>,
    /// Prefix.
    pub prefix: String,
    /// Line number.
    pub line: String,
    /// Extension.
    pub extension: Option<String>,
}

/// The digits of a record's phone number, read without allocating: the number's digits
/// (before any extension marker) and the extension's.
#[derive(Clone, Copy, Debug)]
pub struct PhoneDigits {
    number: [u8; 13],
    len: usize,
    ext: [u8; 16],
    ext_len: usize,
    /// More extension digits than `ext` holds.
    ext_overflow: bool,
}

impl PhoneDigits {
    /// Reads a number: digits before the first extension marker (`x`, `ext`, `#`, any
    /// case) are the number, digits after it the extension. `None` when the number has
    /// neither 7 nor 10 to 13 digits.
    pub fn scan(number: &str) -> Option<PhoneDigits> {
        let b = number.as_bytes();
        let lower = |i: usize| b.get(i).map(|c| c | 0x20);
        let cut = (0..b.len())
            .find(|&i| {
                b[i] == b'#'
                    || lower(i) == Some(b'x')
                    || (lower(i) == Some(b'e')
                        && lower(i + 1) == Some(b'x')
                        && lower(i + 2) == Some(b't'))
            })
            .unwrap_or(b.len());
        let mut d = PhoneDigits {
            number: [0; 13],
            len: 0,
            ext: [0; 16],
            ext_len: 0,
            ext_overflow: false,
        };
        for &c in b[..cut].iter().filter(|c| c.is_ascii_digit()) {
            if d.len == d.number.len() {
                return None;
            }
            d.number[d.len] = c;
            d.len += 1;
        }
        for &c in b[cut..].iter().filter(|c| c.is_ascii_digit()) {
            if d.ext_len == d.ext.len() {
                d.ext_overflow = true;
                break;
            }
            d.ext[d.ext_len] = c;
            d.ext_len += 1;
        }
        matches!(d.len, 7 | 10..=13).then_some(d)
    }

    fn digits(&self) -> &[u8] {
        &self.number[..self.len]
    }

    /// Country code: 1 for 10-digit numbers, the leading digits of longer ones.
    fn country(&self) -> Option<&[u8]> {
        match self.len {
            7 => None,
            10 => Some(b"1"),
            n => Some(&self.digits()[..n - 10]),
        }
    }

    fn area(&self) -> Option<&[u8]> {
        (self.len >= 10).then(|| &self.digits()[self.len - 10..self.len - 7])
    }

    fn prefix(&self) -> &[u8] {
        &self.digits()[self.len - 7..self.len - 4]
    }

    fn line(&self) -> &[u8] {
        &self.digits()[self.len - 4..]
    }

    fn extension(&self) -> Option<&[u8]> {
        (self.ext_len > 0).then(|| &self.ext[..self.ext_len])
    }
}

impl PhoneQuery {
    /// Whether a record's phone number (as written in the record) matches, without
    /// allocating: what the evaluator runs per record.
    pub fn matches_number(&self, number: &str) -> bool {
        PhoneDigits::scan(number).is_some_and(|d| self.matches_digits(&d))
    }

    /// Whether scanned digits match.
    pub fn matches_digits(&self, d: &PhoneDigits) -> bool {
        let same = |want: &Option<String>, got: Option<&[u8]>| {
            want.as_ref().is_none_or(|w| got == Some(w.as_bytes()))
        };
        d.prefix() == self.prefix.as_bytes()
            && d.line() == self.line.as_bytes()
            && same(&self.area, d.area())
            && same(&self.country, d.country())
            && (self.extension.is_none()
                || (!d.ext_overflow && same(&self.extension, d.extension())))
    }
}

impl PhoneParts {
    /// Reads a record's number into parts (what the SQL loader stores), with the same
    /// rules as [`PhoneQuery::matches_number`]. `None` when the digits make no phone number.
    pub fn parse(number: &str) -> Option<PhoneParts> {
        let d = PhoneDigits::scan(number)?;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let extension = if d.ext_overflow {
            // Longer than any query's extension: stored so that no extension matches it.
            Some(format!("{}+", text(&d.ext)))
        } else {
            d.extension().map(text)
        };
        Some(PhoneParts {
            country: d.country().map(text),
            area: d.area().map(text),
            prefix: text(d.prefix()),
            line: text(d.line()),
            extension,
        })
    }
}

/// The items of `items` when there are at most three, else `None`.
fn first_three<'a>(items: impl Iterator<Item = &'a str>) -> Option<Items<'a>> {
    let mut out = Items {
        items: [""; 3],
        len: 0,
    };
    for item in items {
        *out.items.get_mut(out.len)? = item;
        out.len += 1;
    }
    Some(out)
}

/// Up to three words or digit groups of a phone value.
struct Items<'a> {
    items: [&'a str; 3],
    len: usize,
}

impl<'a> Items<'a> {
    fn as_slice(&self) -> &[&'a str] {
        &self.items[..self.len]
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_forms_parse() {
        let q = PhoneQuery::parse("1 555-555-5555 x555").unwrap();
        assert_eq!(
            (
                q.country.as_deref(),
                q.area.as_deref(),
                q.prefix.as_str(),
                q.line.as_str(),
                q.extension.as_deref()
            ),
            (Some("1"), Some("555"), "555", "5555", Some("555"))
        );
        assert!(PhoneQuery::parse("1 5555555555 x555").is_ok());
        assert!(PhoneQuery::parse("555-5555").is_ok());
        assert!(PhoneQuery::parse("5555555").is_ok());
        assert!(PhoneQuery::parse("701-555-1212").is_ok());
        for bad in [
            "555",
            "55-5555",
            "(701) 555-1212",
            "555-5555 x",
            "abc-defg",
            "1 555-5555",
            "",
        ] {
            assert!(PhoneQuery::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn records_match_by_parts() {
        let rec = PhoneParts::parse("(701) 555-1212 ext. 44").unwrap();
        assert!(PhoneQuery::parse("555-1212").unwrap().matches(&rec));
        assert!(
            PhoneQuery::parse("1 701-555-1212 x44")
                .unwrap()
                .matches(&rec)
        );
        assert!(!PhoneQuery::parse("702-555-1212").unwrap().matches(&rec));
        assert!(!PhoneQuery::parse("555-1212 x45").unwrap().matches(&rec));
        let short = PhoneParts::parse("555-1313").unwrap();
        assert!(PhoneQuery::parse("555-1313").unwrap().matches(&short));
        assert!(!PhoneQuery::parse("701-555-1313").unwrap().matches(&short));
        assert!(PhoneParts::parse("12").is_none());
    }
}
