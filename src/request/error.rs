//! Everything wrong with a request, as one error value that maps to a Spark failure response.

use std::fmt;

use super::response::{Body, Response, SparkQlError, Status};
use crate::error::{Error, ErrorKind};

/// One thing wrong with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// An error in `_filter` (code 1040, or 1041 for an exceeded limit), with the filter
    /// text it is about.
    Filter {
        /// The error.
        error: Error,
        /// The offending text (the error's span in the filter).
        token: String,
    },
    /// A parameter that violates its constraint (code 1053).
    Parameter {
        /// The parameter (`_limit`), or `query` for the query string itself.
        parameter: &'static str,
        /// What is wrong and what to send instead.
        message: String,
    },
    /// The caller's role may not search this service (code 1500, HTTP 403).
    Forbidden {
        /// Who may.
        message: String,
    },
}

impl Problem {
    /// A 1053 problem with `parameter`.
    pub fn parameter(parameter: &'static str, message: impl Into<String>) -> Problem {
        Problem::Parameter {
            parameter,
            message: message.into(),
        }
    }

    /// A filter error, with its offending text cut from `filter`.
    pub fn filter(error: Error, filter: &str) -> Problem {
        let token = filter
            .get(error.span.start..error.span.end.min(filter.len()))
            .unwrap_or("")
            .to_string();
        Problem::Filter { error, token }
    }

    /// The Spark code of this problem.
    pub fn code(&self) -> u16 {
        match self {
            Problem::Filter { error, .. } => error.code(),
            Problem::Parameter { .. } => 1053,
            Problem::Forbidden { .. } => 1500,
        }
    }

    fn message(&self) -> &str {
        match self {
            Problem::Filter { error, .. } => &error.message,
            Problem::Parameter { message, .. } | Problem::Forbidden { message } => message,
        }
    }
}

/// A request that cannot be answered with results: every problem found, not only the first.
///
/// [`SearchError::response`] is the failure response a server sends: the status and the
/// `{"D":{"Success":false,…}}` envelope. The code is 1500 (HTTP 403) when the caller may not
/// search the service at all, else 1053 when a parameter other than `_filter` is wrong (with
/// `Details` naming the first such parameter), else 1040, or 1041 when every filter error is
/// an exceeded limit; all HTTP 400. A search compiled with the layout of another schema is
/// the program's mistake: code and status 500.
///
/// ```
/// use spark_filter::request::Request;
/// let e = Request::from_query("_limit=5&_limit=6").unwrap_err();
/// assert_eq!((e.status(), e.code()), (400, 1053));
/// let body = e.response().to_json();
/// assert!(body.starts_with(r#"{"D":{"Success":false,"Code":1053,"#), "{body}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchError {
    /// The problems, in the order they were found (parameters in query order).
    pub problems: Vec<Problem>,
}

impl SearchError {
    /// An error holding `problems` (at least one).
    pub fn new(problems: Vec<Problem>) -> SearchError {
        SearchError { problems }
    }

    /// Filter errors of `filter`.
    pub fn from_filter(errors: Vec<Error>, filter: &str) -> SearchError {
        SearchError::new(
            errors
                .into_iter()
                .map(|e| Problem::filter(e, filter))
                .collect(),
        )
    }

    /// The Spark error code: 500 (a layout of another schema: the program's mistake), 1500,
    /// 1053, 1041 or 1040.
    pub fn code(&self) -> u16 {
        let has = |c: u16| self.problems.iter().any(|p| p.code() == c);
        if has(500) {
            500
        } else if has(1500) {
            1500
        } else if has(1053) {
            1053
        } else if has(1040) {
            1040
        } else if has(1041) {
            1041
        } else {
            1040
        }
    }

    /// The HTTP status: 403 for 1500, 500 for 500, else 400.
    pub fn status(&self) -> u16 {
        match self.code() {
            1500 => 403,
            500 => 500,
            _ => 400,
        }
    }

    /// The parameter a 1053 error is about (the first one that is wrong).
    pub fn details(&self) -> Option<&'static str> {
        if self.code() != 1053 {
            return None;
        }
        self.problems.iter().find_map(|p| match p {
            Problem::Parameter { parameter, .. } => Some(*parameter),
            _ => None,
        })
    }

    /// The failure response.
    pub fn response(&self) -> Response {
        let code = self.code();
        let relevant: Vec<&Problem> = self
            .problems
            .iter()
            .filter(|p| code != 1053 || p.code() == 1053)
            .filter(|p| code != 1500 || p.code() == 1500)
            .filter(|p| code != 500 || p.code() == 500)
            .collect();
        let message = match relevant.as_slice() {
            [one] => one.message().to_string(),
            many => {
                let all: Vec<&str> = many.iter().map(|p| p.message()).collect();
                format!("{} problems: {}", many.len(), all.join("; "))
            }
        };
        let errors = self
            .problems
            .iter()
            .filter_map(|p| match p {
                Problem::Filter { error, token } => Some(SparkQlError {
                    token: token.clone(),
                    token_index: error.span.start,
                    message: error.message.clone(),
                    status: Status::Fatal,
                    start: error.span.start,
                    end: error.span.end,
                }),
                _ => None,
            })
            .collect();
        Response {
            status: self.status(),
            body: Body {
                success: false,
                code: Some(code),
                message: Some(message),
                details: self.details().map(str::to_string),
                spark_ql_errors: errors,
                ..Body::default()
            },
        }
    }

    /// Whether any problem is a filter error of `kind`.
    pub fn has_filter_error(&self, kind: ErrorKind) -> bool {
        self.problems
            .iter()
            .any(|p| matches!(p, Problem::Filter { error, .. } if error.kind == kind))
    }
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Spark error {}", self.code())?;
        for p in &self.problems {
            match p {
                Problem::Filter { error, .. } => write!(f, "; _filter: {error}")?,
                Problem::Parameter { parameter, message } => write!(f, "; {parameter}: {message}")?,
                Problem::Forbidden { message } => write!(f, "; {message}")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for SearchError {}
