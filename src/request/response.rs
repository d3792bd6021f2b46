//! The response envelopes of SPEC 9, as values that serialize to the bytes a server sends.

use serde::{Deserialize, Serialize};

/// A response: the HTTP status and the JSON body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The HTTP status (200, 400, 403, …).
    #[serde(skip)]
    pub status: u16,
    /// The body, `{"D":{…}}`.
    #[serde(rename = "D")]
    pub body: Body,
}

impl Response {
    /// The body as compact JSON: the same bytes for the same response, whichever back end
    /// answered.
    pub fn to_json(&self) -> String {
        // A tree of strings, numbers and maps always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A failure envelope with `status`, `code` and `message`: for the failures of SPEC 9
    /// that a server, not a search, decides (the named constructors below).
    ///
    /// ```
    /// use spark_filter::request::Response;
    /// let r = Response::unavailable("the database is unavailable; try again shortly");
    /// assert_eq!(r.status, 503);
    /// assert_eq!(r.to_json(), r#"{"D":{"Success":false,"Code":1550,"Message":"the database is unavailable; try again shortly"}}"#);
    /// ```
    pub fn failure(status: u16, code: u16, message: impl Into<String>) -> Response {
        Response {
            status,
            body: Body {
                success: false,
                code: Some(code),
                message: Some(message.into()),
                ..Body::default()
            },
        }
    }

    /// 401, code 1000: no API key or an unknown one.
    pub fn unauthorized(message: impl Into<String>) -> Response {
        Response::failure(401, 1000, message)
    }

    /// 403, code 1500: the caller's role may not use this service or method.
    pub fn forbidden(message: impl Into<String>) -> Response {
        Response::failure(403, 1500, message)
    }

    /// 503, code 1516: the search was cancelled by the statement timeout.
    pub fn cancelled(message: impl Into<String>) -> Response {
        Response::failure(503, 1516, message)
    }

    /// 503, code 1550: the database is unavailable.
    pub fn unavailable(message: impl Into<String>) -> Response {
        Response::failure(503, 1550, message)
    }

    /// 404, code 404: no record with that Id.
    pub fn not_found(message: impl Into<String>) -> Response {
        Response::failure(404, 404, message)
    }

    /// 405, code 405: a method the seed marks "Not implemented".
    pub fn method_not_allowed(message: impl Into<String>) -> Response {
        Response::failure(405, 405, message)
    }
}

/// The `D` object of a success or failure envelope; absent members are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// `Success`.
    #[serde(rename = "Success")]
    pub success: bool,
    /// `Code` (failures).
    #[serde(rename = "Code", default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// `Message` (failures).
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Details`: the parameter a 1053 error is about.
    #[serde(rename = "Details", default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// `Results` (successes).
    #[serde(rename = "Results", default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<serde_json::Value>>,
    /// `Pagination`, when `_pagination` asks for it.
    #[serde(
        rename = "Pagination",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pagination: Option<Pagination>,
    /// `SkipToken`: the `_skiptoken` of the next page (keyset paging).
    #[serde(rename = "SkipToken", default, skip_serializing_if = "Option::is_none")]
    pub skip_token: Option<String>,
    /// `SparkQLErrors`: fatal filter errors, or conditions the drop policy removed.
    #[serde(
        rename = "SparkQLErrors",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub spark_ql_errors: Vec<SparkQlError>,
}

/// The `Pagination` hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    /// Matching records in all.
    #[serde(rename = "TotalRows")]
    pub total_rows: u64,
    /// `_limit`.
    #[serde(rename = "PageSize")]
    pub page_size: u64,
    /// Pages of `PageSize` records (0 when `PageSize` is 0).
    #[serde(rename = "TotalPages")]
    pub total_pages: u64,
    /// The page (with `_page` or no paging parameter).
    #[serde(
        rename = "CurrentPage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_page: Option<u64>,
    /// The offset (with `_skip`).
    #[serde(
        rename = "CurrentOffset",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_offset: Option<u64>,
}

/// One `SparkQLErrors` item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SparkQlError {
    /// The offending filter text.
    #[serde(rename = "Token")]
    pub token: String,
    /// Its byte offset.
    #[serde(rename = "TokenIndex")]
    pub token_index: usize,
    /// What is wrong.
    #[serde(rename = "Message")]
    pub message: String,
    /// `Fatal` or `Dropped`.
    #[serde(rename = "Status")]
    pub status: Status,
    /// Start byte offset.
    #[serde(rename = "Start")]
    pub start: usize,
    /// End byte offset.
    #[serde(rename = "End")]
    pub end: usize,
}

/// The `Status` of a `SparkQLErrors` item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// The request failed because of it.
    Fatal,
    /// The condition was removed and the search ran without it.
    Dropped,
}
