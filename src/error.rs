//! Errors as data: a kind, a span in the filter, a message and the Spark error code.
//!
//! Every stage (syntax, plan) reports [`Error`]. Rendering with a caret is separate
//! ([`Error::render`]) so that callers who only need the data never pay for it.

use std::fmt;

use serde::Serialize;

use crate::syntax::Span;

/// What went wrong, in a form a program can match on.
///
/// The names (see [`ErrorKind::as_str`]) are part of the stable JSON output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not in the language: `City Eq`, `((A Eq 1)`, `A And Not B`.
    Syntax,
    /// The field is not in the schema.
    UnknownField,
    /// The field exists but cannot be searched.
    NotSearchable,
    /// The operator is not allowed for the value or field: `City Gt 'a'`, `Name Ne 'x'` on an
    /// "Eq only" field.
    OperatorNotAllowed,
    /// Types do not fit: `Baths Eq 1 Add '2'`, `Test Eq 2014,days(-7)`.
    TypeMismatch,
    /// The caller's role or user level may not search the field.
    RoleForbidden,
    /// A required field (such as `UserType`) is not constrained.
    RequiredFieldMissing,
    /// A value is malformed or out of range: `2013-02-30`, an integer past 64 bits, a bad
    /// regular expression, `5 Div 0`.
    InvalidValue,
    /// A configured limit was exceeded: expressions, nesting, list size, input length, compiled regex size.
    LimitExceeded,
    /// The field cannot be used in `_orderby`.
    NotOrderable,
}

impl ErrorKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::UnknownField => "unknown_field",
            ErrorKind::NotSearchable => "not_searchable",
            ErrorKind::OperatorNotAllowed => "operator_not_allowed",
            ErrorKind::TypeMismatch => "type_mismatch",
            ErrorKind::RoleForbidden => "role_forbidden",
            ErrorKind::RequiredFieldMissing => "required_field_missing",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::NotOrderable => "not_orderable",
        }
    }

    /// The Spark API error code: 1041 for exceeded limits, 1040 for everything else.
    pub fn code(self) -> u16 {
        match self {
            ErrorKind::LimitExceeded => 1041,
            _ => 1040,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error in a filter, with the byte span it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at {}..{})", span.start, span.end)]
pub struct Error {
    /// What kind of error.
    pub kind: ErrorKind,
    /// The part of the filter it is about (empty at the end of input).
    pub span: Span,
    /// A sentence that says what was found and what was expected.
    pub message: String,
}

impl Error {
    /// A new error.
    #[cold]
    pub fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Self {
        Error {
            kind,
            span,
            message: message.into(),
        }
    }

    /// The Spark API error code (1040 or 1041).
    pub fn code(&self) -> u16 {
        self.kind.code()
    }

    /// Shows the filter line with a caret under the span:
    ///
    /// ```text
    /// error[syntax]: expected a value after 'Eq', found the end of the filter
    ///   |
    /// 1 | City Eq
    ///   |        ^
    ///   = Spark error code 1040
    /// ```
    pub fn render(&self, filter: &str) -> String {
        crate::render::render(self, filter)
    }
}

impl Serialize for Error {
    /// `{"code":1040,"kind":"syntax","message":"…","start":N,"end":M}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 5)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("start", &self.span.start)?;
        st.serialize_field("end", &self.span.end)?;
        st.end()
    }
}
