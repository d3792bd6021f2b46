//! The Spark envelopes (SPEC 9): `{"D":{"Success":true,"Results":[…]}}` and
//! `{"D":{"Success":false,"Code":N,"Message":"…","SparkQLErrors":[…]}}`, and the one error
//! type of the HTTP layer, [`ApiError`], which every failure becomes.
//!
//! This is the thin adapter that issue 11a's request layer replaces with the library's own
//! envelope types; the JSON shapes are the same.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A failure answer: the HTTP status and the envelope fields.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Spark code (`Code`, a JSON integer).
    pub code: i64,
    /// `Message`.
    pub message: String,
    /// `Details`: which parameter was wrong (1053).
    pub details: Option<String>,
    /// `SparkQLErrors`, one per error in `_filter` (or `_orderby`).
    pub errors: Vec<Value>,
}

impl ApiError {
    /// A failure with no details.
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            errors: Vec::new(),
        }
    }

    /// 401, Code 1000: no key or an unknown key. Never says which key was sent.
    pub fn unauthorized(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, 1000, message)
    }

    /// 403, Code 1500: the caller's role may not use this service or method.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, 1500, message)
    }

    /// 404, Code 404: no such record (or route).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, 404, message)
    }

    /// 405, Code 405: a method the seed page marks "Not implemented".
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            405,
            "Method Not Allowed: this service does not implement this method",
        )
    }

    /// 400, Code 1053: a parameter (or the body) violates its constraint; `details` names it.
    pub fn parameter(details: &str, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, 1053, message);
        e.details = Some(details.to_string());
        e
    }

    /// 503, Code 1516: the statement timeout cancelled the search.
    pub fn timeout() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            1516,
            "the search took too long and was cancelled; narrow the filter or try again",
        )
    }

    /// 503, Code 1550: the database is unavailable.
    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            1550,
            "the database is unavailable; try again shortly",
        )
    }

    /// 500, Code 500: the server's own fault (logged; the message says nothing internal).
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "internal server error; the failure was logged",
        )
    }

    /// The filter's (or `_orderby`'s) errors: 1041 when one is over a limit, else 1040, or
    /// 1053 for `_orderby` (`parameter` = `Some("_orderby")`).
    pub fn filter(errors: &[spark_filter::Error], text: &str, parameter: Option<&str>) -> ApiError {
        let code = match parameter {
            Some(_) => 1053,
            None if errors.iter().any(|e| e.code() == 1041) => 1041,
            None => 1040,
        };
        let first = errors
            .first()
            .map_or_else(|| "invalid".to_string(), |e| e.message.clone());
        let name = parameter.unwrap_or("_filter");
        let mut out = ApiError::new(StatusCode::BAD_REQUEST, code, format!("{name}: {first}"));
        out.details = parameter.map(str::to_string);
        out.errors = errors.iter().map(|e| spark_ql_error(e, text)).collect();
        out
    }

    /// The envelope body.
    pub fn body(&self) -> Value {
        let mut d = Map::new();
        d.insert("Success".into(), Value::Bool(false));
        d.insert("Code".into(), json!(self.code));
        d.insert("Message".into(), Value::String(self.message.clone()));
        if let Some(details) = &self.details {
            d.insert("Details".into(), Value::String(details.clone()));
        }
        if !self.errors.is_empty() {
            d.insert("SparkQLErrors".into(), Value::Array(self.errors.clone()));
        }
        json!({ "D": d })
    }
}

/// One `SparkQLErrors` item: the offending text, its byte offset, the message.
fn spark_ql_error(e: &spark_filter::Error, text: &str) -> Value {
    let (start, end) = (e.span.start.min(text.len()), e.span.end.min(text.len()));
    let token = text.get(start..end).unwrap_or("");
    json!({
        "Token": token,
        "TokenIndex": start,
        "Message": e.message,
        "Status": "Fatal",
        "Start": start,
        "End": end,
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        response.extensions_mut().insert(Failure(self.code));
        response
    }
}

/// Marks a failure response with its Spark code, for the request log.
#[derive(Clone, Copy, Debug)]
pub struct Failure(pub i64);

/// A success envelope with `Results` (and `Pagination` when asked).
pub fn success(results: Vec<Value>, pagination: Option<Value>) -> Response {
    let mut d = Map::new();
    d.insert("Success".into(), Value::Bool(true));
    d.insert("Results".into(), Value::Array(results));
    if let Some(p) = pagination {
        d.insert("Pagination".into(), p);
    }
    axum::Json(json!({ "D": d })).into_response()
}

/// The standard success answer of a write (`{"D":{"Success":true}}`), with the written
/// records' results when there are any.
pub fn written(results: Vec<Value>) -> Response {
    success(results, None)
}
