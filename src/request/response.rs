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
