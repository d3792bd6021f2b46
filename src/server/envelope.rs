//! The Spark envelopes (SPEC 9): `{"D":{"Success":true,"Results":[…]}}` and
//! `{"D":{"Success":false,"Code":N,"Message":"…","SparkQLErrors":[…]}}`, and the one error
//! type of the HTTP layer, [`ApiError`], which every failure becomes.
//!
//! Search answers (success and the library's 4xx) are the library's own
//! [`spark_filter::request::Response`], sent as built by [`library`]; the server's other
//! failures (authentication, roles, writes, the database) are [`ApiError`]s with the same
//! JSON shapes.

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
}

impl ApiError {
    /// A failure with no details.
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
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

    /// The envelope body.
    pub fn body(&self) -> Value {
        let mut d = Map::new();
        d.insert("Success".into(), Value::Bool(false));
        d.insert("Code".into(), json!(self.code));
        d.insert("Message".into(), Value::String(self.message.clone()));
        if let Some(details) = &self.details {
            d.insert("Details".into(), Value::String(details.clone()));
        }
        json!({ "D": d })
    }
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

/// A response the library built (a search's body, or its refusal), sent as it is: the
/// status and the bytes of [`spark_filter::request::Response::to_json`].
pub fn library(r: spark_filter::request::Response) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = r.body.code;
    let mut response = (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        r.to_json(),
    )
        .into_response();
    if let Some(code) = code {
        response.extensions_mut().insert(Failure(i64::from(code)));
    }
    response
}

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
