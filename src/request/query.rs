//! The parameters of a search, read from a URL query string or a form body exactly as
//! received.

use std::borrow::Cow;

use super::error::{Problem, SearchError};
use crate::swar::bytes_equal;

/// The search parameters of one request, percent-decoded, not yet checked.
///
/// Parameters that are not search parameters (`AuthToken`, `ApiSig`, a server's own) are
/// ignored; each search parameter may appear once.
///
/// ```
/// use spark_filter::request::Request;
/// let r = Request::from_query("_filter=City+Eq+%27Fargo%27&_limit=5").unwrap();
/// assert_eq!(r.filter.as_deref(), Some("City Eq 'Fargo'"));
/// assert_eq!(r.limit.as_deref(), Some("5"));
/// assert!(Request::from_query("_limit=5&_limit=6").is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `_filter`.
    pub filter: Option<String>,
    /// `_orderby`.
    pub orderby: Option<String>,
    /// `_limit`.
    pub limit: Option<String>,
    /// `_page`.
    pub page: Option<String>,
    /// `_skip`.
    pub skip: Option<String>,
    /// `_skiptoken`.
    pub skiptoken: Option<String>,
    /// `_pagination`.
    pub pagination: Option<String>,
    /// `_select`.
    pub select: Option<String>,
    /// `_expand`.
    pub expand: Option<String>,
}

/// The names of the search parameters, in the order [`Request`] lists them.
pub const PARAMETERS: [&str; 9] = [
    "_filter",
    "_orderby",
    "_limit",
    "_page",
    "_skip",
    "_skiptoken",
    "_pagination",
    "_select",
    "_expand",
];

impl Request {
    /// Reads a URL query string (with or without its leading `?`): `&`-separated
    /// `name=value` pairs, `+` as a space, `%XX` as a byte, UTF-8. A malformed escape, text
    /// that is not UTF-8, or a search parameter given twice is a 1053 error naming it.
    pub fn from_query(query: &str) -> Result<Request, SearchError> {
        // No room on the stack: the request owns its values, so each decoded value goes
        // into its own string and is moved out, not decoded onto the stack and copied.
        let [
            filter,
            orderby,
            limit,
            page,
            skip,
            skiptoken,
            pagination,
            select,
            expand,
        ] = read(query, &mut [])?.map(|v| v.map(std::borrow::Cow::into_owned));
        Ok(Request {
            filter,
            orderby,
            limit,
            page,
            skip,
            skiptoken,
            pagination,
            select,
            expand,
        })
    }

    /// Reads the form-encoded body of a `POST` sent with `X-HTTP-Method-Override: GET`
    /// (`application/x-www-form-urlencoded`: the same encoding as a query string). Checking
    /// the header is the server's business.
    pub fn from_form(body: &str) -> Result<Request, SearchError> {
        Request::from_query(body)
    }
}

/// The search parameters of a query string in the order of [`PARAMETERS`], decoded, each
/// borrowed from `query` when it has nothing to decode (what [`Request::from_query`] and
/// `Search::from_query` both read).
///
/// Decoded values are written into `scratch` while it has room (a buffer on the caller's
/// stack, [`SCRATCH`] bytes: no allocation for a usual query string), else each into its own
/// string.
pub(crate) fn read<'a>(
    query: &'a str,
    mut scratch: &'a mut [u8],
) -> Result<[Option<Cow<'a, str>>; 9], SearchError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut values: [Option<Cow<'_, str>>; 9] = Default::default();
    let mut problems = Vec::new();
    let mut rest = query;
    while !rest.is_empty() {
        // The name, up to its `=` (or the pair's `&`): names are short, so a plain scan
        // finds its end and whether it has anything to decode at once.
        let bytes = rest.as_bytes();
        let (mut end, mut encoded) = (0, false);
        while let Some(&b) = bytes.get(end) {
            if b == b'=' || b == b'&' {
                break;
            }
            encoded |= b == b'%' || b == b'+';
            end += 1;
        }
        // `=` and `&` are ASCII: the positions found are character boundaries.
        let raw_name = &rest[..end];
        let raw_value;
        (raw_value, rest) = match bytes.get(end) {
            // The value, up to the next `&`: the vectorized byte search (values are long).
            Some(b'=') => {
                let after = &rest[end + 1..];
                match memchr::memchr(b'&', after.as_bytes()) {
                    Some(i) => (&after[..i], &after[i + 1..]),
                    None => (after, ""),
                }
            }
            Some(_) => ("", &rest[end + 1..]),
            None => ("", ""),
        };
        let index = if encoded {
            match decode(raw_name) {
                Ok(n) => parameter_index(&n),
                Err(e) => {
                    problems.push(Problem::parameter(
                        "query",
                        format!("the parameter name {raw_name:?} {e}"),
                    ));
                    continue;
                }
            }
        } else {
            parameter_index(raw_name)
        };
        let Some(i) = index else {
            continue;
        };
        let parameter = PARAMETERS[i];
        let value = match decode_with(raw_value, &mut scratch) {
            Ok(v) => v,
            Err(e) => {
                problems.push(Problem::parameter(
                    parameter,
                    format!("the value of {parameter} {e}"),
                ));
                continue;
            }
        };
        let slot = &mut values[i];
        if slot.is_some() {
            problems.push(Problem::parameter(
                parameter,
                format!("{parameter} is given more than once; send it once"),
            ));
            continue;
        }
        *slot = Some(value);
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(SearchError::new(problems))
    }
}

/// The place of a search parameter in [`PARAMETERS`] (a `match` on the text: one length
/// test and a comparison or two, not nine comparisons).
fn parameter_index(name: &str) -> Option<usize> {
    let i = match name {
        "_filter" => 0,
        "_orderby" => 1,
        "_limit" => 2,
        "_page" => 3,
        "_skip" => 4,
        "_skiptoken" => 5,
        "_pagination" => 6,
        "_select" => 7,
        "_expand" => 8,
        _ => return None,
    };
    debug_assert_eq!(PARAMETERS[i], name);
    Some(i)
}

/// How many bytes of decoded values a caller of [`read`] keeps room for on its stack.
pub(crate) const SCRATCH: usize = 512;

/// Percent-decodes one name or value (`+` is a space) into a string of its own, borrowing
/// when there is nothing to decode.
fn decode(text: &str) -> Result<Cow<'_, str>, String> {
    decode_with(text, &mut &mut [][..])
}

/// Percent-decodes one name or value (`+` is a space), borrowing when there is nothing to
/// decode. The decoded text goes into the front of `scratch` when it has room (which is
/// then taken off it), else into a string of its own; it is checked as UTF-8 once.
fn decode_with<'a>(text: &'a str, scratch: &mut &'a mut [u8]) -> Result<Cow<'a, str>, String> {
    let bytes = text.as_bytes();
    // Names and values are short and an escape comes early in a filter: a plain scan beats
    // the set-up of a vectorized search.
    let Some(first) = bytes.iter().position(|&b| b == b'%' || b == b'+') else {
        return Ok(Cow::Borrowed(text));
    };
    // Decoding only shortens: room for the input is room for the output.
    if scratch.len() >= bytes.len() {
        let (room, rest) = std::mem::take(scratch).split_at_mut(bytes.len());
        *scratch = rest;
        let len = decode_into(bytes, first, room)?;
        let room: &'a [u8] = room;
        return std::str::from_utf8(&room[..len])
            .map(Cow::Borrowed)
            .map_err(not_utf8);
    }
    let mut out = vec![0; bytes.len()];
    let len = decode_into(bytes, first, &mut out)?;
    out.truncate(len);
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|e| not_utf8(e.utf8_error()))
}

/// Decodes `bytes`, whose first `%` or `+` is at `first`, into `out` (at least as long as
/// `bytes`); returns the decoded length.
fn decode_into(bytes: &[u8], first: usize, out: &mut [u8]) -> Result<usize, String> {
    // A filter is mostly short words between escapes (`%20`, `%27`): one pass, read by slice
    // patterns (no index checks). A run of plain bytes goes eight at a time, which beats
    // both a byte at a time and a search call per run (each measured). `written` never
    // passes the bytes read, so each write below is in `out`.
    out[..first].copy_from_slice(&bytes[..first]);
    let mut written = first;
    let mut rest = &bytes[first..];
    loop {
        let byte;
        (byte, rest) = match rest {
            [] => break,
            [b'%', h, l, tail @ ..]
                if (HEX[usize::from(*h)] | HEX[usize::from(*l)]) & NOT_HEX == 0 =>
            {
                (HEX[usize::from(*h)] << 4 | HEX[usize::from(*l)], tail)
            }
            [b'%', ..] => {
                let at = bytes.len() - rest.len();
                return Err(format!(
                    "has a '%' at byte {at} not followed by two hexadecimal digits; \
                     write a literal '%' as %25"
                ));
            }
            [b'+', tail @ ..] => (b' ', tail),
            [b, tail @ ..] => {
                // A plain byte with seven more after it: it and the plain bytes after it, up
                // to the first `%` or `+`, are copied by one 8-byte store, of which only
                // those count (eight bytes are left to read, so eight fit in `out`).
                if let Some((chunk, _)) = rest.split_first_chunk::<8>() {
                    let word = u64::from_le_bytes(*chunk);
                    let special = bytes_equal(word, b'%') | bytes_equal(word, b'+');
                    // Little-endian: the lowest flag is the first special byte (8 when none);
                    // the first byte is plain, so at least one is copied.
                    let plain = (special.trailing_zeros() / 8) as usize;
                    out[written..written + 8].copy_from_slice(chunk);
                    written += plain;
                    rest = &rest[plain..];
                    continue;
                }
                (*b, tail)
            }
        };
        out[written] = byte;
        written += 1;
    }
    Ok(written)
}

#[cold]
fn not_utf8(e: std::str::Utf8Error) -> String {
    format!(
        "is not UTF-8 once percent-decoded (byte {}); encode text as UTF-8 before \
         percent-encoding it",
        e.valid_up_to()
    )
}

/// Marks a byte that is not a hexadecimal digit in [`HEX`] (its high bit: no digit has it,
/// so `h | l` has it exactly when one of the two is not a digit).
const NOT_HEX: u8 = 0x80;

/// The value of each byte as a hexadecimal digit, or [`NOT_HEX`].
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(decode("a+b%20c").unwrap(), "a b c");
        assert_eq!(decode("%27Fargo%27").unwrap(), "'Fargo'");
        assert_eq!(decode("%C3%A9").unwrap(), "é");
        assert!(decode("%").is_err());
        assert!(decode("%2").is_err());
        assert!(decode("%zz").is_err());
        assert!(decode("%+1").is_err());
        assert!(decode("%FF").is_err());
        assert_eq!(decode("plain").unwrap(), "plain");
        // The error names the byte of the '%'.
        assert!(decode("ab%2").unwrap_err().contains("at byte 2 "));
        assert!(decode("%41+%zz").unwrap_err().contains("at byte 4 "));
        assert_eq!(decode("%41+b%2B%25").unwrap(), "A b+%");
    }

    /// The plainest decoder there is, byte by byte, for comparison.
    fn reference(text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 3;
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).ok()
    }

    /// Every text of up to four pieces from escapes, signs and characters decodes as the
    /// plain decoder decodes it (or fails where it fails).
    #[test]
    fn decoding_agrees_with_the_plain_decoder() {
        let pieces = [
            "%",
            "+",
            "a",
            "1",
            "F",
            "%41",
            "%c3",
            "%A9",
            "é",
            "%2",
            "%zz",
            " ",
            // Longer than the eight bytes decoded at a time.
            "Fargo+Moorhead",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            assert_eq!(
                decode(text).ok().map(|c| c.into_owned()),
                reference(text),
                "{text:?}"
            );
            // The same into room on the stack, with the room left after it.
            let mut room = [0u8; 80];
            let mut scratch = &mut room[..];
            let decoded = decode_with(text, &mut scratch);
            let left = scratch.len();
            assert_eq!(
                decoded.ok().map(|c| c.into_owned()),
                reference(text),
                "{text:?}"
            );
            let encoded = text.contains(['%', '+']);
            assert_eq!(left, if encoded { 80 - text.len() } else { 80 }, "{text:?}");
        }
    }

    /// Every escape `%XY` over printable ASCII decodes exactly when both are hex digits, to
    /// their value (the table against the digits' definition).
    #[test]
    fn every_escape() {
        for x in b' '..=b'~' {
            for y in b' '..=b'~' {
                let text = format!("a%{}{}b", char::from(x), char::from(y));
                let want = match (char::from(x).to_digit(16), char::from(y).to_digit(16)) {
                    (Some(h), Some(l)) => {
                        String::from_utf8(vec![b'a', (h * 16 + l) as u8, b'b']).ok()
                    }
                    _ => None,
                };
                match want {
                    Some(w) => {
                        assert_eq!(decode(&text).ok().as_deref(), Some(w.as_str()), "{text}")
                    }
                    // Not two digits, or a byte above 0x7F alone (not UTF-8).
                    None => assert!(decode(&text).is_err(), "{text}"),
                }
            }
        }
    }

    /// Values decode into the caller's room while it lasts, then each into a string.
    #[test]
    fn scratch_then_heap() {
        let query = "_filter=a%20b&_orderby=-%4Eame&_select=Id%2CName";
        let mut room = [0u8; 12];
        let values = read(query, &mut room).unwrap();
        let texts: Vec<(&str, bool)> = values
            .iter()
            .flatten()
            .map(|v| (&**v, matches!(v, Cow::Owned(_))))
            .collect();
        assert_eq!(texts, [("a b", false), ("-Name", false), ("Id,Name", true)]);
    }

    /// The `match` of [`parameter_index`] and the list of [`PARAMETERS`] agree, so that
    /// neither can change without the other.
    #[test]
    fn parameter_index_is_the_place_in_parameters() {
        for (i, p) in PARAMETERS.iter().enumerate() {
            assert_eq!(parameter_index(p), Some(i), "{p}");
        }
        assert_eq!(parameter_index("_Filter"), None);
        assert_eq!(parameter_index(""), None);
    }

    #[test]
    fn pairs() {
        let r = Request::from_query("?_filter=&_orderby=-Name&AuthToken=x&&_skiptoken").unwrap();
        assert_eq!(r.filter.as_deref(), Some(""));
        assert_eq!(r.orderby.as_deref(), Some("-Name"));
        assert_eq!(r.skiptoken.as_deref(), Some(""));
        let e = Request::from_query("_page=1&_page=2").unwrap_err();
        assert_eq!(e.code(), 1053);
        // A percent-encoded name is the same parameter.
        assert!(Request::from_query("_page=1&%5Fpage=2").is_err());
    }
}
