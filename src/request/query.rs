//! The parameters of a search, read from a URL query string or a form body exactly as
//! received.

use std::borrow::Cow;

use super::error::{Problem, SearchError};

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
        ] = read(query)?.map(|v| v.map(std::borrow::Cow::into_owned));
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
pub(crate) fn read(query: &str) -> Result<[Option<Cow<'_, str>>; 9], SearchError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut values: [Option<Cow<'_, str>>; 9] = Default::default();
    let mut problems = Vec::new();
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = match decode(raw_name) {
            Ok(n) => n,
            Err(e) => {
                problems.push(Problem::parameter(
                    "query",
                    format!("the parameter name {raw_name:?} {e}"),
                ));
                continue;
            }
        };
        let Some(i) = PARAMETERS.iter().position(|p| *p == name) else {
            continue;
        };
        let parameter = PARAMETERS[i];
        let value = match decode(raw_value) {
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

/// Percent-decodes one name or value (`+` is a space), borrowing when there is nothing to
/// decode; the result is checked as UTF-8 once.
fn decode(text: &str) -> Result<Cow<'_, str>, String> {
    let bytes = text.as_bytes();
    let Some(first) = memchr::memchr2(b'%', b'+', bytes) else {
        return Ok(Cow::Borrowed(text));
    };
    // A filter is mostly short words between escapes (`%20`, `%27`): a plain byte loop
    // beats a search call per run.
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                bytes.get(i + 1).and_then(|&h| hex(h)),
                bytes.get(i + 2).and_then(|&l| hex(l)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                }
                _ => {
                    return Err(format!(
                        "has a '%' at byte {i} not followed by two hexadecimal digits; \
                         write a literal '%' as %25"
                    ));
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|e| {
        format!(
            "is not UTF-8 once percent-decoded (byte {}); encode text as UTF-8 before \
             percent-encoding it",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The value of one hexadecimal digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

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
