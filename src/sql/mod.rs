//! SQL back ends: a [`Plan`] compiled to a parameterized condition (and a full `SELECT`)
//! for PostgreSQL or SQLite, over the tables of [`Layout`].
//!
//! Every user value is a bind parameter; `LIKE` patterns are escaped and carry an explicit
//! `ESCAPE '\'`; identifiers come only from the layout. Every test compiles to an
//! expression that is never NULL (`col IS NOT NULL AND col = $1`), so `NOT` is the exact
//! complement, as in the evaluator.
//!
//! ```
//! use spark_filter::{plan::{builtin, Caller, PlanOptions, Role}, sql::{self, Layout, Postgres, Paging}};
//! let schema = builtin::builtin("accounts").unwrap();
//! let options = PlanOptions::new(Caller::new(Role::Idx));
//! let plan = spark_filter::check("UserType Eq 'Member' And Office Eq 'Fargo*'", &schema, &options)
//!     .unwrap();
//! let query = sql::compile(&plan, &Layout::of(&schema), &Postgres, Paging::default()).unwrap();
//! assert!(query.sql.contains("WHERE ((t.\"user_type__f\" IS NOT NULL AND (t.\"user_type__f\" = $1::text))"));
//! ```

mod are;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod bind;
pub mod dialect;
pub mod layout;
pub mod load;
pub mod maintain;
#[cfg(any(feature = "async-postgres", feature = "async-sqlite"))]
pub mod pool;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use smol_str::{SmolStr, SmolStrBuilder};

pub use dialect::{Dialect, Postgres, Sqlite};
pub use layout::{Layout, Place, Stored};

use crate::error::{Error, ErrorKind};
use crate::plan::{
    CmpOp, FieldRef, FieldType, Node, Operand, OrderKey, Pattern, Plan, Predicate, Scalar, Test,
};
use crate::semantics::fold_case;
use crate::syntax::{Function, Span};

/// Errors of the database back ends. A driver's own error type appears only when its
/// feature (`sqlite`, `postgres`) is on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// From SQLite.
    #[cfg(feature = "sqlite")]
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// From PostgreSQL. Its message is the server's own (`database "x" does not exist`),
    /// not the driver's summary (`db error`).
    #[cfg(feature = "postgres")]
    #[error("postgres: {}", postgres_message(.0))]
    Postgres(#[from] ::postgres::Error),
    /// A record that is not JSON, with its line number.
    #[error("line {line}: not a JSON record: {message}")]
    Record {
        /// 1-based line number.
        line: usize,
        /// The JSON error.
        message: String,
    },
    /// A record that cannot be stored by its `Id`: not a JSON object, no string `Id`, or a
    /// value of the wrong shape for a field (a string where the schema reads an array…).
    /// Nothing of the record was written.
    #[error("{}{message}", line.map_or_else(|| "invalid record: ".to_string(), |l| format!("line {l}: ")))]
    Invalid {
        /// 1-based line number, for JSONL input.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The tables in the database were not built by this build's layout of the schema
    /// (another layout version, another schema, or no layout record at all).
    #[error(
        "table {table} {problem}: rebuild it with `spark-filter load --schema {schema} --db URL RECORDS.jsonl`"
    )]
    Layout {
        /// The schema's name.
        schema: String,
        /// The main table.
        table: String,
        /// What differs (`was built by layout version 1, this build uses 2`).
        problem: String,
    },
    /// Reading the input.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A pool that could not give a connection (closed, or none free in time).
    #[error("connection pool: {0}")]
    Pool(String),
    /// A URL that names no database this crate opens (any password in it is not shown).
    #[error(
        "unsupported database URL {:?}: use sqlite://PATH, sqlite::memory: or postgres://user@host/db",
        redact_url(.0)
    )]
    Url(String),
}

/// The server's message of a PostgreSQL error (with its SQLSTATE, detail and hint), or the
/// driver's description and cause for errors that did not come from the server: never the
/// driver's bare `db error`.
#[cfg(feature = "postgres")]
fn postgres_message(e: &::postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut out = format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
        if let Some(detail) = db.detail() {
            out.push_str(&format!(" (detail: {detail})"));
        }
        if let Some(hint) = db.hint() {
            out.push_str(&format!(" (hint: {hint})"));
        }
        return out;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// `url` with any password replaced by `***`, for messages and logs:
/// `postgres://app:secret@db/x` → `postgres://app:***@db/x`.
///
/// ```
/// assert_eq!(
///     spark_filter::sql::redact_url("postgres://app:secret@db/x"),
///     "postgres://app:***@db/x"
/// );
/// assert_eq!(spark_filter::sql::redact_url("sqlite://a.db"), "sqlite://a.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

/// A bind parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Param {
    /// A boolean (SQLite: 0 or 1).
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A binary float.
    Float(f64),
    /// Text: up to 23 bytes inline, longer text shared, so that a parameter goes from the
    /// plan into the condition and from the condition into each statement without an
    /// allocation (a [`SmolStr`]; `Param::Text("Member".into())`).
    Text(smol_str::SmolStr),
    /// A date (SQLite: `YYYY-MM-DD` text).
    Date(NaiveDate),
    /// An instant (SQLite: microseconds since the epoch).
    DateTime(chrono::DateTime<chrono::Utc>),
    /// A clock time (SQLite: `HH:MM:SS.fffffffff` text).
    Time(NaiveTime),
}

impl From<crate::semantics::key::Key> for Param {
    /// The parameter that stores an evaluator value (what the loader writes and what
    /// SQLite's `spark_*` functions return).
    fn from(k: crate::semantics::key::Key) -> Param {
        use crate::semantics::key::Key;
        match k {
            Key::Int(i) => Param::Int(i),
            Key::Num(f) => Param::Float(f),
            Key::Bool(b) => Param::Bool(b),
            Key::Date(d) => Param::Date(d),
            Key::DateTime(t) => Param::DateTime(t),
            Key::Time(t) => Param::Time(t),
        }
    }
}

/// `_limit` and `_page` (1-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Paging {
    /// Most rows to return.
    pub limit: Option<u64>,
    /// Which page of `limit` rows (1 is the first).
    pub page: Option<u64>,
}

/// A compiled query: a statement and its parameters, ready to run. (The condition alone,
/// for SQL of one's own, is [`condition`] or [`condition_into`].)
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Query {
    /// `SELECT t.rid, t.doc FROM … WHERE … ORDER BY … LIMIT …`.
    pub sql: String,
    /// The parameters, in placeholder order.
    pub params: Vec<Param>,
}

/// Compiles a plan for `dialect` over `layout`, the layout of the schema the plan was made
/// with; a layout of another schema is refused with [`ErrorKind::SchemaMismatch`].
pub fn compile(
    plan: &Plan,
    layout: &Layout,
    dialect: &dyn Dialect,
    paging: Paging,
) -> Result<Query, Error> {
    let Condition {
        sql: condition,
        params,
    } = self::condition(plan, layout, dialect, 0)?;
    let mut order = Vec::new();
    for key in &plan.order_by {
        let col = order_column(key, layout, dialect)?;
        let dir = if key.descending { "DESC" } else { "ASC" };
        order.push(format!("{col} IS NULL, {col} {dir}"));
    }
    order.push(dialect.record_id().to_string());
    order.push("t.rid".to_string());
    let mut sql = format!(
        "SELECT t.rid, t.doc FROM {} AS t WHERE {condition} ORDER BY {}",
        dialect.quote(&layout.table),
        order.join(", ")
    );
    let mut params = params;
    if let Some(limit) = paging.limit {
        let offset = paging
            .page
            .unwrap_or(1)
            .saturating_sub(1)
            .saturating_mul(limit);
        // By position, not by value: with `limit == offset` (page 2) both must be written.
        for (keyword, value) in [(" LIMIT ", limit), (" OFFSET ", offset)] {
            let p = Param::Int(i64::try_from(value).unwrap_or(i64::MAX));
            let placeholder = dialect.placeholder(params.len() + 1, &p);
            params.push(p);
            sql.push_str(keyword);
            sql.push_str(&placeholder);
        }
    }
    Ok(Query { sql, params })
}

/// A plan's condition alone, for a `WHERE` over the main table aliased `t`, with its
/// placeholders numbered from `offset + 1`, so that it can be combined with SQL of one's
/// own that already binds `offset` parameters.
///
/// ```
/// use spark_filter::{plan::{self, builtin, Caller, PlanOptions, Role}, sql::{self, Layout, Postgres}};
/// let schema = builtin::builtin("accounts").unwrap();
/// let options = PlanOptions::new(Caller::new(Role::Private));
/// let plan = plan::check("UserType Eq 'Member' And Office Eq 'Fargo'", &schema, &options).unwrap();
/// let c = sql::condition(&plan, &Layout::of(&schema), &Postgres, 2).unwrap();
/// assert!(c.sql.contains("$3::") && !c.sql.contains("$1::") && !c.sql.contains("$2::"));
/// assert!(c.params.len() >= 2);
/// ```
pub fn condition(
    plan: &Plan,
    layout: &Layout,
    dialect: &dyn Dialect,
    offset: usize,
) -> Result<Condition, Error> {
    let mut sql = String::with_capacity(condition_size_hint(plan));
    let mut params = Vec::new();
    write_condition(plan, layout, dialect, offset, &mut sql, &mut params)?;
    Ok(Condition { sql, params })
}

/// Writes a plan's condition at the end of `sql` and its parameters at the end of
/// `params`, numbering its placeholders after the parameters already in `params`: the way
/// to put the condition inside a statement of one's own without a copy of it.
///
/// ```
/// use spark_filter::{plan::{self, builtin, Caller, PlanOptions, Role}, sql::{self, Layout, Param, Postgres}};
/// let schema = builtin::builtin("accounts").unwrap();
/// let plan = plan::check("UserType Eq 'Member'", &schema, &PlanOptions::new(Caller::new(Role::Idx))).unwrap();
/// let mut sql = String::from("SELECT t.doc FROM accounts AS t WHERE t.tenant = $1::text AND ");
/// let mut params = vec![Param::Text("north".into())];
/// sql::condition_into(&plan, &Layout::of(&schema), &Postgres, &mut sql, &mut params).unwrap();
/// assert!(sql.contains("= $2::text") && params.len() >= 2);
/// ```
pub fn condition_into(
    plan: &Plan,
    layout: &Layout,
    dialect: &dyn Dialect,
    sql: &mut String,
    params: &mut Vec<Param>,
) -> Result<(), Error> {
    write_condition(plan, layout, dialect, 0, sql, params)
}

/// About how many bytes a plan's condition takes: a test compiles to a column test or a
/// words subselect, counted over the top level of the tree (a walk of the whole tree costs
/// more than a buffer that seldom grows).
pub(crate) fn condition_size_hint(plan: &Plan) -> usize {
    32 + 128 * top_level_tests(plan)
}

fn top_level_tests(plan: &Plan) -> usize {
    match &plan.root {
        Node::And { children } | Node::Or { children } => children.len(),
        _ => 1,
    }
}

/// [`condition_into`], with `offset` placeholders bound before the parameters in `params`
/// (what [`condition`] and the request layer's `sql_at` need). On an error, what was
/// written may be partial.
pub(crate) fn write_condition(
    plan: &Plan,
    layout: &Layout,
    dialect: &dyn Dialect,
    offset: usize,
    sql: &mut String,
    params: &mut Vec<Param>,
) -> Result<(), Error> {
    if *plan.schema != *layout.schema {
        return Err(mismatch(
            Span::default(),
            format!(
                "the plan was made with the {} schema but the layout is the {} schema's",
                plan.schema, layout.schema
            ),
        ));
    }
    // About two values a test (a prefix binds two).
    params.reserve(2 * top_level_tests(plan) + 2);
    let mut c = Compiler {
        layout,
        dialect,
        params: std::mem::take(params),
        offset,
        zone: None,
        plan,
        scratch: String::new(),
        standard_quoting: dialect.standard_quoting(),
    };
    let written = c.node(&plan.root, sql);
    *params = c.params;
    written
}

/// A compiled condition and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// The SQL expression over the main table `t`.
    pub sql: String,
    /// The parameters, in placeholder order.
    pub params: Vec<Param>,
}

/// A compiled condition borrowed from the statement it sits in
/// ([`SearchSql::condition`](crate::request::SearchSql::condition)).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ConditionRef<'a> {
    /// The SQL expression over the main table `t`.
    pub sql: &'a str,
    /// The parameters, in placeholder order.
    pub params: &'a [Param],
}

impl ConditionRef<'_> {
    /// An owned copy.
    ///
    /// ```
    /// use spark_filter::sql::{Condition, ConditionRef, Param};
    /// let params = [Param::Int(1)];
    /// let c = ConditionRef { sql: "t.rid = $1::bigint", params: &params };
    /// assert_eq!(c.to_condition(), Condition { sql: c.sql.to_string(), params: params.to_vec() });
    /// ```
    pub fn to_condition(&self) -> Condition {
        Condition {
            sql: self.sql.to_string(),
            params: self.params.to_vec(),
        }
    }
}

/// The column an `_orderby` key sorts by in the main table `t` (the folded shadow column for
/// case-insensitive text), quoted.
pub fn order_column(
    key: &OrderKey,
    layout: &Layout,
    dialect: &dyn Dialect,
) -> Result<String, Error> {
    let mut out = String::new();
    order_column_into(&mut out, key, layout, dialect)?;
    Ok(out)
}

/// Writes [`order_column`] to `out` (nothing when it is an error).
pub(crate) fn order_column_into(
    out: &mut String,
    key: &OrderKey,
    layout: &Layout,
    dialect: &dyn Dialect,
) -> Result<(), Error> {
    let stored = stored_in(layout, &key.field, key.span)?;
    match &stored.place {
        Place::Column(col) => {
            // The layout's quoted expression when the dialect quotes the same way.
            let quoted = dialect.standard_quoting();
            match stored
                .column_expr(stored.folded.is_some())
                .filter(|_| quoted)
            {
                Some(expr) => out.push_str(expr),
                None => {
                    out.push_str("t.");
                    dialect.quote_into(out, stored.folded.as_deref().unwrap_or(col));
                }
            }
            Ok(())
        }
        _ => Err(Error::new(
            ErrorKind::NotOrderable,
            key.span,
            format!(
                "{} holds several values and cannot order results",
                key.field.name
            ),
        )),
    }
}

#[cold]
fn mismatch(span: Span, message: String) -> Error {
    Error::new(ErrorKind::SchemaMismatch, span, message)
}

struct Compiler<'c> {
    layout: &'c Layout,
    dialect: &'c dyn Dialect,
    params: Vec<Param>,
    /// Placeholders before the first one of this condition.
    offset: usize,
    /// The zone placeholder, bound once when a date function needs it.
    zone: Option<String>,
    plan: &'c Plan,
    /// A buffer for the column expression of a test, reused from test to test (when the
    /// layout's own expression cannot be used).
    scratch: String,
    /// Whether the dialect quotes as the SQL standard does, so that the layout's quoted
    /// column expressions serve.
    standard_quoting: bool,
}

const TRUE: &str = "(1=1)";
const FALSE: &str = "(1=0)";

/// `LIKE` text for a pattern, with `\`, `%` and `_` escaped.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a `String` does not fail.
    let _ = write_like(&mut out, [s]);
    out
}

/// The `LIKE` text of pattern parts in order with anything between (`%`), each escaped as
/// [`like_escape`] escapes: written inline when it fits (most do), so that binding it
/// allocates nothing, else into a string of its own.
fn like_text<'p>(parts: impl IntoIterator<Item = &'p str> + Clone) -> SmolStr {
    // As much as a `SmolStr` holds inline.
    let mut inline = arrayvec::ArrayString::<23>::new();
    if write_like(&mut inline, parts.clone()).is_ok() {
        return SmolStr::new_inline(&inline);
    }
    let mut text = String::new();
    // Writing to a `String` does not fail.
    let _ = write_like(&mut text, parts);
    text.into()
}

/// Writes `parts` escaped for `LIKE` and joined by `%`; fails only when `out` is full.
fn write_like<'p, W: std::fmt::Write>(
    out: &mut W,
    parts: impl IntoIterator<Item = &'p str>,
) -> std::fmt::Result {
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            out.write_char('%')?;
        }
        for c in part.chars() {
            if matches!(c, '\\' | '%' | '_') {
                out.write_char('\\')?;
            }
            out.write_char(c)?;
        }
    }
    Ok(())
}

/// The smallest string greater than every string that starts with `prefix`, if any:
/// `prefix` with its last character incremented.
pub fn prefix_successor(prefix: &str) -> Option<String> {
    let (i, next) = successor_at(prefix)?;
    let mut out = String::with_capacity(i + next.len_utf8());
    out.push_str(&prefix[..i]);
    out.push(next);
    Some(out)
}

/// [`prefix_successor`] as parameter text, built inline when short: no allocation.
fn successor_text(prefix: &str) -> Option<SmolStr> {
    let (i, next) = successor_at(prefix)?;
    let mut text = SmolStrBuilder::new();
    text.push_str(&prefix[..i]);
    text.push(next);
    Some(text.finish())
}

/// Where a prefix's successor parts from it: the offset of the last character that has a
/// next one (a character past the surrogate gap), and that next character.
fn successor_at(prefix: &str) -> Option<(usize, char)> {
    prefix.char_indices().rev().find_map(|(i, last)| {
        let mut next = last as u32 + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        char::from_u32(next).map(|c| (i, c))
    })
}

impl<'c> Compiler<'c> {
    fn param(&mut self, p: Param) -> String {
        let mut placeholder = String::new();
        self.push_param(&mut placeholder, p);
        placeholder
    }

    /// Binds `p` and writes its placeholder.
    fn push_param(&mut self, out: &mut String, p: Param) {
        self.dialect
            .placeholder_into(out, self.offset + self.params.len() + 1, &p);
        self.params.push(p);
    }

    /// Writes `t."column"` (or another alias).
    fn column(&self, out: &mut String, alias: &str, column: &str) {
        out.push_str(alias);
        out.push('.');
        self.dialect.quote_into(out, column);
    }

    fn zone(&mut self) -> String {
        if let Some(z) = &self.zone {
            return z.clone();
        }
        let z = self.param(self.dialect.zone_param(self.plan.zone));
        self.zone = Some(z.clone());
        z
    }

    fn q(&self, ident: &str) -> String {
        self.dialect.quote(ident)
    }

    fn stored(&self, field: &FieldRef, span: Span) -> Result<&'c Stored, Error> {
        stored_in(self.layout, field, span)
    }
}

/// Where `field` of a plan is stored in `layout`; a field the layout does not store as the
/// plan describes it is a [`ErrorKind::SchemaMismatch`].
fn stored_in<'l>(layout: &'l Layout, field: &FieldRef, span: Span) -> Result<&'l Stored, Error> {
    {
        let stored = layout.fields.get(field.index).ok_or_else(|| {
            mismatch(
                span,
                format!(
                    "field {} (number {}) is not in the layout of the {} schema, which has {} fields",
                    field.name,
                    field.index,
                    layout.schema,
                    layout.fields.len()
                ),
            )
        })?;
        match stored {
            // Both names are stored once for the process: the same text is mostly the same
            // pointer (a name set by hand is compared as text).
            Some(s)
                if (std::ptr::eq(s.name, field.name) || s.name == field.name)
                    && s.ty == field.ty
                    && s.case_sensitive == field.case_sensitive =>
            {
                Ok(s)
            }
            Some(s) => Err(mismatch(
                span,
                format!(
                    "field {} ({}{}) of the plan is stored as {} ({}{}) in the layout of the {} schema",
                    field.name,
                    field.ty,
                    if field.case_sensitive {
                        ", case-sensitive"
                    } else {
                        ""
                    },
                    s.name,
                    s.ty,
                    if s.case_sensitive {
                        ", case-sensitive"
                    } else {
                        ""
                    },
                    layout.schema
                ),
            )),
            None => Err(Error::new(
                ErrorKind::NotSearchable,
                span,
                format!("{} has no storage in table {}", field.name, layout.table),
            )),
        }
    }
}

impl<'c> Compiler<'c> {
    fn node(&mut self, n: &Node, out: &mut String) -> Result<(), Error> {
        match n {
            Node::Const { value: true } => out.push_str(TRUE),
            Node::Const { value: false } => out.push_str(FALSE),
            Node::And { children } => self.join(children, " AND ", out)?,
            Node::Or { children } => self.join(children, " OR ", out)?,
            Node::Not { node } => {
                out.push_str("NOT ");
                self.node(node, out)?;
            }
            Node::Test(t) => self.test(t, out)?,
        }
        Ok(())
    }

    fn join(&mut self, children: &[Node], sep: &str, out: &mut String) -> Result<(), Error> {
        out.push('(');
        for (i, c) in children.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            self.node(c, out)?;
        }
        out.push(')');
        Ok(())
    }

    fn scalar_param(s: &Scalar) -> Param {
        match s {
            Scalar::Integer(i) => Param::Int(*i),
            Scalar::Decimal(d) => {
                use rust_decimal::prelude::ToPrimitive;
                Param::Float(d.to_f64().unwrap_or(f64::NAN))
            }
            Scalar::Text(t) => Param::Text(t.as_str().into()),
            Scalar::Boolean(b) => Param::Bool(*b),
            Scalar::Date(d) => Param::Date(*d),
            Scalar::DateTime(t) => Param::DateTime(*t),
            Scalar::Time(t) => Param::Time(*t),
        }
    }

    fn scalar(&mut self, s: &Scalar) -> String {
        self.param(Self::scalar_param(s))
    }

    fn push_scalar(&mut self, out: &mut String, s: &Scalar) {
        self.push_param(out, Self::scalar_param(s));
    }

    fn test(&mut self, t: &Test, out: &mut String) -> Result<(), Error> {
        let bare = match &t.operand {
            Operand::Field(f) => Some(f),
            Operand::Call {
                function: Function::All,
                arg,
                ..
            } => match &**arg {
                Operand::Field(f) => Some(f),
                _ => None,
            },
            _ => None,
        };
        let Some(field) = bare else {
            // Text computed from case-insensitive fields is computed from their folded
            // values (the evaluator does the same), so that it compares with folded text.
            let expr = self.typed_operand(&t.operand, t.span, t.fold_case)?.0;
            return self.predicate(&expr, &t.predicate, t.span, out);
        };
        let stored = self.stored(field, t.span)?;
        let fold = t.fold_case && stored.folded.is_some();
        match (&t.predicate, &stored.place) {
            (Predicate::AnyWord { patterns }, _) => {
                let words = stored.words.as_deref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::OperatorNotAllowed,
                        t.span,
                        "no words table for this field",
                    )
                })?;
                out.push_str("t.rid IN (SELECT w.rid FROM ");
                self.dialect.quote_into(out, words);
                out.push_str(" AS w WHERE ");
                self.patterns("w.w", patterns, out);
                out.push(')');
            }
            (Predicate::Phone { numbers }, Place::Child { table, .. }) => {
                out.push_str("t.rid IN (SELECT p.rid FROM ");
                self.dialect.quote_into(out, table);
                out.push_str(" AS p WHERE ");
                for (i, n) in numbers.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" OR ");
                    }
                    out.push_str("(p.prefix = ");
                    self.push_param(out, Param::Text(n.prefix.as_str().into()));
                    out.push_str(" AND p.line = ");
                    self.push_param(out, Param::Text(n.line.as_str().into()));
                    for (col, v) in [
                        ("area", &n.area),
                        ("country", &n.country),
                        ("ext", &n.extension),
                    ] {
                        if let Some(v) = v {
                            out.push_str(" AND p.");
                            out.push_str(col);
                            out.push_str(" = ");
                            self.push_param(out, Param::Text(v.as_str().into()));
                        }
                    }
                    out.push(')');
                }
                out.push(')');
            }
            (Predicate::IsNull, Place::Column(col) | Place::List(col)) => {
                out.push('(');
                self.column(out, "t", col);
                out.push_str(" IS NULL)");
            }
            (Predicate::IsNull, Place::Child { table, .. }) => {
                out.push_str("t.rid NOT IN (SELECT c.rid FROM ");
                self.dialect.quote_into(out, table);
                out.push_str(" AS c)");
            }
            (Predicate::ContainsAll { values }, _) => {
                if values.is_empty() {
                    out.push_str(TRUE);
                    return Ok(());
                }
                out.push('(');
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" AND ");
                    }
                    let pred = Predicate::Match {
                        patterns: Pattern::Exact(v.as_str().into()).into(),
                    };
                    self.elements(stored, fold, &pred, t.span, out)?;
                }
                out.push(')');
            }
            _ => self.elements(stored, fold, &t.predicate, t.span, out)?,
        }
        Ok(())
    }

    /// A predicate over every value of a stored field (any value matching).
    fn elements(
        &mut self,
        stored: &'c Stored,
        fold: bool,
        pred: &Predicate,
        span: Span,
        out: &mut String,
    ) -> Result<(), Error> {
        let folded = fold && stored.folded.is_some();
        // The expression the layout quoted when it was built, when the dialect quotes the
        // same way (this runs per test).
        if self.standard_quoting {
            if let Some(expr) = stored.column_expr(folded) {
                return self.elements_of(stored, expr, pred, span, out);
            }
        }
        let column = match &stored.folded {
            Some(f) if folded => f.as_str(),
            _ => stored.column(),
        };
        // The column expression is written into the compiler's scratch buffer, taken out
        // while the predicate borrows it.
        let mut expr = std::mem::take(&mut self.scratch);
        expr.clear();
        self.column(&mut expr, stored.place.alias(), column);
        let result = self.elements_of(stored, &expr, pred, span, out);
        self.scratch = expr;
        result
    }

    /// [`Compiler::elements`] once the column expression `expr` is written.
    fn elements_of(
        &mut self,
        stored: &Stored,
        expr: &str,
        pred: &Predicate,
        span: Span,
        out: &mut String,
    ) -> Result<(), Error> {
        match &stored.place {
            Place::Column(_) => self.predicate(expr, pred, span, out),
            Place::List(_) => {
                let mut result = Ok(());
                let dialect = self.dialect;
                dialect.list_exists_into(out, expr, &mut |elem, out| {
                    if let Err(e) = self.predicate(elem, pred, span, out) {
                        result = Err(e);
                    }
                });
                result
            }
            Place::Child { table, .. } => {
                // `rid IN (…)` rather than a correlated EXISTS, so that SQLite, too, looks
                // the value up in the child table's index.
                out.push_str("t.rid IN (SELECT c.rid FROM ");
                self.dialect.quote_into(out, table);
                out.push_str(" AS c WHERE ");
                let result = self.predicate(expr, pred, span, out);
                out.push(')');
                result
            }
        }
    }

    fn patterns(&mut self, expr: &str, patterns: &[Pattern], out: &mut String) {
        out.push('(');
        out.push_str(expr);
        out.push_str(" IS NOT NULL AND (");
        for (i, p) in patterns.iter().enumerate() {
            if i > 0 {
                out.push_str(" OR ");
            }
            match p {
                Pattern::Exact(s) => {
                    out.push_str(expr);
                    out.push_str(" = ");
                    self.push_param(out, Param::Text(s.clone()));
                }
                Pattern::Prefix(s) if s.is_empty() => out.push_str(TRUE),
                // A range on the column, so that an index serves it.
                Pattern::Prefix(s) => {
                    if let Some(next) = successor_text(s) {
                        let next = Param::Text(next);
                        out.push('(');
                        out.push_str(expr);
                        out.push_str(" >= ");
                        self.push_param(out, Param::Text(s.clone()));
                        out.push_str(" AND ");
                        out.push_str(expr);
                        out.push_str(" < ");
                        self.push_param(out, next);
                        out.push(')');
                    } else {
                        out.push_str(expr);
                        out.push_str(" >= ");
                        self.push_param(out, Param::Text(s.clone()));
                    }
                }
                Pattern::Suffix(s) => self.like(expr, like_text(["", s]), out),
                Pattern::Contains(s) => self.like(expr, like_text(["", s, ""]), out),
                Pattern::Glob(parts) => self.like(expr, like_text(parts.iter().map(|p| &**p)), out),
            }
        }
        out.push_str("))");
    }

    fn like(&mut self, expr: &str, pattern: SmolStr, out: &mut String) {
        out.push_str(expr);
        out.push_str(" LIKE ");
        self.push_param(out, Param::Text(pattern));
        out.push_str(" ESCAPE '\\'");
    }

    /// A never-NULL test of a scalar expression.
    fn predicate(
        &mut self,
        expr: &str,
        pred: &Predicate,
        span: Span,
        out: &mut String,
    ) -> Result<(), Error> {
        match pred {
            Predicate::IsNull => {
                out.push('(');
                out.push_str(expr);
                out.push_str(" IS NULL)");
            }
            Predicate::Compare { op, value } => {
                let op = match op {
                    CmpOp::Eq => " = ",
                    CmpOp::Gt => " > ",
                    CmpOp::Ge => " >= ",
                    CmpOp::Lt => " < ",
                    CmpOp::Le => " <= ",
                };
                out.push('(');
                out.push_str(expr);
                out.push_str(" IS NOT NULL AND ");
                out.push_str(expr);
                out.push_str(op);
                self.push_scalar(out, value);
                out.push(')');
            }
            Predicate::In { values } => {
                out.push('(');
                out.push_str(expr);
                out.push_str(" IS NOT NULL AND ");
                out.push_str(expr);
                out.push_str(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.push_scalar(out, v);
                }
                out.push_str("))");
            }
            Predicate::Between { low, high } => {
                out.push('(');
                out.push_str(expr);
                out.push_str(" IS NOT NULL AND ");
                out.push_str(expr);
                out.push_str(" >= ");
                self.push_scalar(out, low);
                out.push_str(" AND ");
                out.push_str(expr);
                out.push_str(" <= ");
                self.push_scalar(out, high);
                out.push(')');
            }
            Predicate::Match { patterns } => self.patterns(expr, patterns, out),
            Predicate::Regex {
                pattern,
                case_insensitive,
            } => {
                let translated = self
                    .dialect
                    .regex_pattern(pattern, *case_insensitive)
                    .map_err(|why| {
                        Error::new(
                            ErrorKind::InvalidValue,
                            span,
                            format!("this regular expression cannot run in SQL: {why}"),
                        )
                    })?;
                let p = self.param(Param::Text(translated.into()));
                let test = self.dialect.regex(expr, &p, *case_insensitive);
                out.push('(');
                out.push_str(expr);
                out.push_str(" IS NOT NULL AND ");
                out.push_str(&test);
                out.push(')');
            }
            Predicate::AnyWord { .. } | Predicate::Phone { .. } | Predicate::ContainsAll { .. } => {
                return Err(Error::new(
                    ErrorKind::OperatorNotAllowed,
                    span,
                    "this rule applies to a field, not to a computed value",
                ));
            }
        }
        Ok(())
    }

    /// A field-side expression as SQL, with its type; `fold` reads case-insensitive text
    /// fields from their folded columns.
    fn typed_operand(
        &mut self,
        op: &Operand,
        span: Span,
        fold: bool,
    ) -> Result<(String, FieldType), Error> {
        Ok(match op {
            Operand::Field(f) => {
                let stored = self.stored(f, span)?;
                match &stored.place {
                    Place::Column(col) => {
                        let col = match (&stored.folded, fold) {
                            (Some(folded), true) => folded,
                            _ => col,
                        };
                        (format!("t.{}", self.q(col)), f.ty)
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::TypeMismatch,
                            span,
                            format!(
                                "{} holds several values and cannot be computed with",
                                f.name
                            ),
                        ));
                    }
                }
            }
            Operand::Const { value } => {
                let ty = match value {
                    Scalar::Integer(_) => FieldType::Integer,
                    Scalar::Decimal(_) => FieldType::Decimal,
                    Scalar::Text(_) => FieldType::Character,
                    Scalar::Boolean(_) => FieldType::Boolean,
                    Scalar::Date(_) => FieldType::Date,
                    Scalar::DateTime(_) => FieldType::Datetime,
                    Scalar::Time(_) => FieldType::Time,
                };
                (self.scalar(value), ty)
            }
            Operand::Negate { arg } => {
                let (a, ty) = self.typed_operand(arg, span, fold)?;
                (self.dialect.negate(&a, ty == FieldType::Integer), ty)
            }
            Operand::Arith { op, lhs, rhs } => {
                let (a, ta) = self.typed_operand(lhs, span, fold)?;
                let (b, tb) = self.typed_operand(rhs, span, fold)?;
                let integers = ta == FieldType::Integer && tb == FieldType::Integer;
                let ty = if integers {
                    FieldType::Integer
                } else {
                    FieldType::Decimal
                };
                (self.dialect.arith(*op, &a, &b, integers), ty)
            }
            Operand::Call {
                function,
                arg,
                args,
            } => {
                let (a, ta) = self.typed_operand(arg, span, fold)?;
                let ty = result_type(*function, ta, args);
                let args: Vec<String> = args
                    .iter()
                    .map(|s| match (s, fold) {
                        (Scalar::Text(t), true) => self.param(Param::Text(fold_case(t).into())),
                        _ => self.scalar(s),
                    })
                    .collect();
                let zone = if self.dialect.needs_zone(*function, ta) {
                    self.zone()
                } else {
                    String::new()
                };
                let sql = self
                    .dialect
                    .function(*function, &a, &args, &zone, ta)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::OperatorNotAllowed,
                            span,
                            format!(
                                "{}() is not available in the {} dialect",
                                function.name(),
                                self.dialect.name()
                            ),
                        )
                    })?;
                (sql, ty)
            }
        })
    }
}

/// The type of a field-side call's result, from the function table.
fn result_type(function: Function, arg: FieldType, args: &[Scalar]) -> FieldType {
    use crate::syntax::ValueType;
    use crate::syntax::functions::{Returns, cast_target};
    let value_type = match function.signature().returns {
        Returns::Fixed(t) => t,
        Returns::CastTarget => match args.first() {
            Some(Scalar::Text(t)) => cast_target(t).unwrap_or(ValueType::Character),
            _ => ValueType::Character,
        },
        Returns::FieldType => return arg,
    };
    match value_type {
        ValueType::Integer => FieldType::Integer,
        ValueType::Decimal => FieldType::Decimal,
        ValueType::Boolean => FieldType::Boolean,
        ValueType::Date => FieldType::Date,
        ValueType::DateTime => FieldType::Datetime,
        ValueType::Time => FieldType::Time,
        _ => FieldType::Character,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Caller, PlanOptions, Role, builtin};

    #[test]
    fn urls_never_show_a_password() {
        assert_eq!(
            redact_url("postgres://me:s3cret@host:5432/db"),
            "postgres://me:***@host:5432/db"
        );
        assert_eq!(redact_url("postgres://me@host/db"), "postgres://me@host/db");
        assert_eq!(redact_url("sqlite://a:b@c"), "sqlite://a:***@c");
        assert_eq!(redact_url("mysql://u:p@h/x"), "mysql://u:***@h/x");
        let e = DbError::Url("mysql://u:p@h/x".into()).to_string();
        assert!(!e.contains(":p@"), "{e}");
    }

    #[test]
    fn the_second_page_writes_limit_and_offset() {
        let schema = builtin::builtin("accounts").unwrap();
        let options = PlanOptions::new(Caller::new(Role::Private));
        let plan = crate::plan::check("UserType Eq 'Member'", &schema, &options).unwrap();
        let paging = Paging {
            limit: Some(4),
            page: Some(2),
        };
        let q = compile(&plan, &Layout::of(&schema), &Sqlite, paging).unwrap();
        let n = q.params.len();
        assert!(
            q.sql.ends_with(&format!(" LIMIT ?{} OFFSET ?{n}", n - 1)),
            "{}",
            q.sql
        );
        assert_eq!(&q.params[n - 2..], &[Param::Int(4), Param::Int(4)]);
    }

    /// PostgreSQL with the quoting of a dialect that does not quote the standard way.
    struct Backticks;

    impl Dialect for Backticks {
        fn name(&self) -> &'static str {
            "backticks"
        }
        fn placeholder(&self, n: usize, param: &Param) -> String {
            Postgres.placeholder(n, param)
        }
        fn needs_zone(&self, function: Function, arg_type: FieldType) -> bool {
            Postgres.needs_zone(function, arg_type)
        }
        fn quote_into(&self, out: &mut String, ident: &str) {
            out.push('`');
            out.push_str(ident);
            out.push('`');
        }
        fn standard_quoting(&self) -> bool {
            false
        }
        fn column_type(&self, ty: FieldType) -> &'static str {
            Postgres.column_type(ty)
        }
        fn list_type(&self) -> &'static str {
            Postgres.list_type()
        }
        fn list_exists(&self, column: &str, pred: &mut dyn FnMut(&str) -> String) -> String {
            Postgres.list_exists(column, pred)
        }
        fn regex(&self, expr: &str, pattern: &str, case_insensitive: bool) -> String {
            Postgres.regex(expr, pattern, case_insensitive)
        }
        fn zone_param(&self, zone: chrono::FixedOffset) -> Param {
            Postgres.zone_param(zone)
        }
        fn function(
            &self,
            function: Function,
            arg: &str,
            args: &[String],
            zone: &str,
            arg_type: FieldType,
        ) -> Option<String> {
            Postgres.function(function, arg, args, zone, arg_type)
        }
        fn arith(&self, op: crate::syntax::ArithOp, a: &str, b: &str, integers: bool) -> String {
            Postgres.arith(op, a, b, integers)
        }
        fn negate(&self, a: &str, integer: bool) -> String {
            Postgres.negate(a, integer)
        }
        fn record_id(&self) -> &'static str {
            Postgres.record_id()
        }
    }

    /// `LIKE` text is the escaped parts joined by `%`, inline or not (23 bytes is the
    /// inline limit; an escape doubles a character's length).
    #[test]
    fn like_texts_are_escaped_parts_joined() {
        let long = "a_".repeat(12);
        let cases: [&[&str]; 8] = [
            &["", "abc"],
            &["", "abc", ""],
            &["a", "b", "c"],
            &["", r"50%_off\", ""],
            &["", "école", ""],
            &["", &long],
            &["", &"x".repeat(22)],
            &["", &"x".repeat(23)],
        ];
        for parts in cases {
            let expected = parts
                .iter()
                .map(|p| like_escape(p))
                .collect::<Vec<_>>()
                .join("%");
            let text = like_text(parts.iter().copied());
            assert_eq!(text, expected, "{parts:?}");
            assert_eq!(text.is_heap_allocated(), expected.len() > 23, "{parts:?}");
        }
        // Both are written by one writer: what it writes, spelled out.
        assert_eq!(like_escape(r"a_b%c\d"), r"a\_b\%c\\d");
        assert_eq!(like_text(["", r"50%_off\", ""]), r"%50\%\_off\\%");
        assert_eq!(like_text(["a", "", "b"]), "a%%b");
    }

    #[test]
    fn successor_texts_are_the_successors() {
        let long = "a".repeat(70);
        // Around the longest text a `SmolStr` holds inline (23 bytes).
        let (inline, past) = ("b".repeat(23), "b".repeat(24));
        for prefix in [
            "",
            "a",
            "fargo",
            "z",
            "~",
            "a\u{7f}",
            "é",
            "aé",
            "a\u{10FFFF}",
            "\u{D7FF}",
            &long,
            &inline,
            &past,
        ] {
            let shared = successor_text(prefix);
            assert_eq!(
                shared.as_deref(),
                prefix_successor(prefix).as_deref(),
                "{prefix:?}"
            );
        }
        assert_eq!(successor_text("fargo").as_deref(), Some("fargp"));
    }

    #[test]
    fn columns_quoted_ahead_serve_only_while_they_are_right() {
        let schema = builtin::builtin("accounts").unwrap();
        let options = PlanOptions::new(Caller::new(Role::Private));
        let plan = crate::plan::check(
            "UserType Eq 'Member' And Office Eq 'Fargo'",
            &schema,
            &options,
        )
        .unwrap();
        let mut layout = Layout::of(&schema);
        let sql = |layout: &Layout, dialect: &dyn Dialect| {
            condition(&plan, layout, dialect, 0).unwrap().sql
        };
        assert!(sql(&layout, &Postgres).contains("t.\"office__f\" = $2::text"));
        // A dialect that quotes its own way quotes every column itself.
        let own = sql(&layout, &Backticks);
        assert!(
            own.contains("t.`office__f` = $2::text") && !own.contains('"'),
            "{own}"
        );
        // Columns renamed after the layout was built are written as they are now.
        let (i, _) = schema.field_named("Office").unwrap();
        let stored = layout.fields[i].as_mut().unwrap();
        stored.place = Place::Column("desk".into());
        stored.folded = Some("desk__f".into());
        assert_eq!(stored.column_expr(true), None);
        let renamed = sql(&layout, &Postgres);
        assert!(renamed.contains("t.\"desk__f\" = $2::text"), "{renamed}");
        assert!(!renamed.contains("office"), "{renamed}");
    }
}
