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
    /// A plan compiled over the [`Layout`](crate::sql::Layout) of another schema: a mistake in
    /// the program, not in the filter (a server answers it with HTTP 500).
    SchemaMismatch,
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
            ErrorKind::SchemaMismatch => "schema_mismatch",
        }
    }

    /// The Spark API error code: 1041 for exceeded limits, 500 for a
    /// [`SchemaMismatch`](ErrorKind::SchemaMismatch) (the server's fault; the Spark API
    /// reports such statuses as the code), 1040 for everything else.
    pub fn code(self) -> u16 {
        match self {
            ErrorKind::LimitExceeded => 1041,
            ErrorKind::SchemaMismatch => 500,
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

/// Every error found in one filter: never empty, in the order of the filter text (a parse
/// error stops at the first; the planner reports every comparison it refuses).
///
/// It is an error type (`std::error::Error`, `Display` lists every message), iterates over
/// the errors, and serializes as the JSON array of [`Error`]s.
///
/// ```
/// use spark_filter::{PlanOptions, plan::{builtin, Caller, Role}};
/// let schema = builtin::builtin("accounts").unwrap();
/// let options = PlanOptions::new(Caller::new(Role::Private));
/// let filter = "UserType Eq 'Member' And Nmae Eq 'x' And Cty Eq 'y'";
/// let errors = spark_filter::check(filter, &schema, &options).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// assert_eq!(errors.first().code(), 1040);
/// assert!(errors.iter().all(|e| e.kind == spark_filter::ErrorKind::UnknownField));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Errors {
    /// Never empty.
    all: Vec<Error>,
}

impl Errors {
    /// The errors of a list; `None` when it is empty.
    pub fn from_vec(errors: Vec<Error>) -> Option<Errors> {
        (!errors.is_empty()).then_some(Errors { all: errors })
    }

    /// The first error (by position in the filter text).
    pub fn first(&self) -> &Error {
        &self.all[0]
    }

    /// How many errors (at least one).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// The errors in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.all.iter()
    }

    /// The errors as a slice.
    pub fn as_slice(&self) -> &[Error] {
        &self.all
    }

    /// The errors as a list.
    pub fn into_vec(self) -> Vec<Error> {
        self.all
    }

    /// Appends `other`'s errors (for a caller that checks several inputs).
    pub fn extend(&mut self, other: Errors) {
        self.all.extend(other.all);
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Errors {
        Errors { all: vec![error] }
    }
}

impl From<Errors> for Vec<Error> {
    fn from(errors: Errors) -> Vec<Error> {
        errors.all
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.all.into_iter()
    }
}

impl<'e> IntoIterator for &'e Errors {
    type Item = &'e Error;
    type IntoIter = std::slice::Iter<'e, Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.all.iter()
    }
}

impl std::ops::Index<usize> for Errors {
    type Output = Error;

    fn index(&self, i: usize) -> &Error {
        &self.all[i]
    }
}

impl fmt::Display for Errors {
    /// One error: its message and span. Several: a count, then each on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [only] = self.all.as_slice() {
            return write!(f, "{only}");
        }
        write!(f, "{} errors:", self.len())?;
        for (i, e) in self.iter().enumerate() {
            write!(f, "\n  {}. {e}", i + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.first())
    }
}

impl Serialize for Errors {
    /// The JSON array of the errors, as `Vec<Error>` serializes.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}
