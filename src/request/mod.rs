//! The request contract (SPEC 9): a Spark search request, read from its query string and
//! checked with a schema and an explicit caller, answered over in-memory records or compiled
//! to SQL, with the success and failure envelopes a server sends.
//!
//! This layer sits on top of `syntax → plan → sql | eval` and uses only their public API.
//! It knows nothing of HTTP or of database drivers: a server maps [`Response::status`] and
//! [`Response::to_json`] onto its framework, and runs [`SearchSql`] with its own client.
//!
//! ```
//! use serde_json::json;
//! use spark_filter::plan::{Caller, Role, builtin};
//! use spark_filter::request::{Search, SearchOptions, TokenKey};
//!
//! let schema = builtin::builtin("accounts").unwrap();
//! let options = SearchOptions::new(Caller::new(Role::Private),
//!     TokenKey::new(b"a server secret of 32 bytes or more".to_vec()));
//! let records = vec![
//!     json!({"Id": "2", "UserType": "Member", "Name": "Ann Lee", "Settings": {"Visible": true}}),
//!     json!({"Id": "1", "UserType": "Member", "Name": "Bob Ray", "Settings": {"Visible": true}}),
//! ];
//!
//! // One call from the query string to a checked search …
//! let search = Search::from_query("_filter=UserType+Eq+'Member'&_orderby=-Name&_pagination=1",
//!     &schema, &options)?;
//! // … answered in memory (Settings is an expansion: results carry it with _expand=Settings) …
//! let response = search.run_in_memory(&records);
//! assert_eq!(response.status, 200);
//! assert_eq!(response.to_json(), concat!(
//!     r#"{"D":{"Success":true,"Results":["#,
//!     r#"{"Id":"1","Name":"Bob Ray","UserType":"Member"},"#,
//!     r#"{"Id":"2","Name":"Ann Lee","UserType":"Member"}],"#,
//!     r#""Pagination":{"TotalRows":2,"PageSize":10,"TotalPages":1,"CurrentPage":1}}}"#));
//!
//! // … or compiled to SQL for a database (the same body comes from `respond`).
//! let layout = spark_filter::sql::Layout::of(&schema);
//! let sql = search.sql(&layout, &spark_filter::sql::Postgres)?;
//! assert!(sql.rows.unwrap().sql.contains("ORDER BY"));
//! assert!(sql.count.is_some());
//!
//! // A bad parameter is a ready failure response.
//! let err = Search::from_query("_limit=26", &schema, &options).unwrap_err();
//! assert_eq!((err.status(), err.code()), (400, 1053));
//! # Ok::<(), spark_filter::request::SearchError>(())
//! ```

mod error;
mod mac;
mod query;
mod response;
mod token;

use std::sync::Arc;

use serde_json::Value;

pub use error::{Problem, SearchError};
pub use query::{PARAMETERS, Request};
pub use response::{Body, Pagination, Response, SparkQlError, Status};
pub use token::TokenKey;

use crate::eval::Evaluator;
use crate::eval::order::{RowKey, SortValue};
use crate::plan::{self, Caller, Dropped, FieldDef, OrderKey, PathStep, Plan, PlanOptions, Schema};
use crate::sql::{self, Dialect, Layout, Param};

/// `_limit` when the request has none.
pub const DEFAULT_LIMIT: u64 = 10;
/// The largest `_limit` for most keys.
pub const MAX_LIMIT: u64 = 25;
/// The largest `_limit` for a Replication key.
pub const MAX_REPLICATION_LIMIT: u64 = 1000;
/// The largest `_page`.
pub const MAX_PAGE: u64 = 100_000;
/// The largest `_skip`.
pub const MAX_SKIP: u64 = 2_500_000;

/// The hint a `_limit` over the largest for most keys gets.
const LIMIT_HINT: &str = " (a Replication key may ask for up to 1000)";
const _: () = assert!(MAX_REPLICATION_LIMIT == 1000, "LIMIT_HINT names it");

/// The search parameters of a request, borrowed (from a [`Request`], or from the query
/// string itself when nothing in a value is percent-encoded).
#[derive(Clone, Copy)]
struct Params<'a> {
    filter: Option<&'a str>,
    orderby: Option<&'a str>,
    limit: Option<&'a str>,
    page: Option<&'a str>,
    skip: Option<&'a str>,
    skiptoken: Option<&'a str>,
    pagination: Option<&'a str>,
    select: Option<&'a str>,
    expand: Option<&'a str>,
}

/// How to check requests: the caller with the plan options (limits, clock, zone, unknown
/// field policy), and the token key. Build it once per caller and pass it by reference.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Planning options; `plan.caller` is who is searching.
    pub plan: PlanOptions,
    /// The key that signs and checks `_skiptoken`s.
    pub token_key: TokenKey,
    /// The request is for one record by its identity (a server route such as
    /// `/accounts/<Id>`), so single-record-only expansions may be asked for whatever
    /// `_limit` says. `false` (the default): only `_limit=1` makes a search single-record.
    pub single_record: bool,
}

impl SearchOptions {
    /// Options for `caller`, with the Spark limits, the system clock, UTC for datetimes
    /// written without a zone, and unknown fields reported as errors.
    pub fn new(caller: Caller, token_key: TokenKey) -> SearchOptions {
        SearchOptions {
            plan: PlanOptions::new(caller),
            token_key,
            single_record: false,
        }
    }

    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.plan.caller
    }
}

/// Which records of the ordered result a request asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Paging {
    /// `_page` (1-based; also when no paging parameter is given).
    Page(u64),
    /// `_skip`: an offset.
    Skip(u64),
    /// `_skiptoken`: the rows after this key (`None`: the first page).
    Keyset(Option<RowKey>),
}

/// What `_pagination` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaginationMode {
    /// `0`: results only.
    Off,
    /// `1`: results and the Pagination hash.
    On,
    /// `count`: the Pagination hash only.
    Count,
}

/// A checked search: the plan (with its `_orderby` keys), the page and the projection.
#[derive(Clone, Debug)]
pub struct Search {
    /// The planned `_filter` and `_orderby`.
    pub plan: Plan,
    /// `_limit`.
    pub limit: u64,
    /// The page asked for.
    pub paging: Paging,
    /// `_pagination`.
    pub pagination: PaginationMode,
    /// `_select`: the attribute paths results carry (`None`: every readable attribute).
    pub select: Option<Vec<Vec<String>>>,
    /// `_expand`: the expansions asked for.
    pub expand: Vec<String>,
    /// Top-level attributes left out of results: expansions not asked for and fields the
    /// caller may not read.
    pub hidden: Arc<[Arc<str>]>,
    /// The top-level attributes the asked-for expansions add.
    pub expanded: Vec<Arc<str>>,
    token_key: TokenKey,
}

/// A search compiled to SQL over a [`Layout`].
///
/// The condition sits once in the statement it belongs to (the rows statement when results
/// are asked for, else the count); [`SearchSql::condition`] borrows it from there.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSql {
    /// `SELECT t.rid, t.doc FROM … WHERE … ORDER BY … LIMIT … OFFSET …`, when results are
    /// asked for (not with `_limit=0` or `_pagination=count`): each row is the record's row
    /// id and its JSON text (what `sql::sqlite::run` and `sql::postgres::run` return).
    pub rows: Option<sql::Query>,
    /// `SELECT COUNT(*) FROM … WHERE …` over the `_filter` alone, when a count is asked for
    /// (`_pagination=1`, `_pagination=count` or `_limit=0`).
    pub count: Option<sql::Query>,
    /// Where the condition is in the rows statement (else in the count's), and how many of
    /// that statement's parameters are its own.
    condition: std::ops::Range<usize>,
    condition_params: usize,
}

impl SearchSql {
    /// The `_filter` condition over the main table `t` (with the keyset condition when a
    /// `_skiptoken` continues a walk and results are asked for), for combining with a
    /// server's own SQL; its placeholders start after the offset given to
    /// [`Search::sql_at`], and with [`Search::sql_scoped`] it is the whole condition,
    /// `(scope) AND (filter)`. It is borrowed from the rows statement, or from the count
    /// when no rows are asked for.
    ///
    /// ```
    /// use spark_filter::plan::{Caller, Role, builtin};
    /// use spark_filter::request::{Search, SearchOptions, TokenKey};
    /// use spark_filter::sql::{Layout, Postgres};
    /// let schema = builtin::builtin("accounts").unwrap();
    /// let options = SearchOptions::new(Caller::new(Role::Idx), TokenKey::new(b"k".to_vec()));
    /// let search = Search::from_query("_filter=UserType+Eq+'Member'", &schema, &options)?;
    /// let compiled = search.sql_at(&Layout::of(&schema), &Postgres, 2)?;
    /// let condition = compiled.condition();
    /// assert!(condition.sql.starts_with("((t.\"user_type__f\" IS NOT NULL AND (t.\"user_type__f\" = $3::text))"));
    /// assert!(compiled.rows.as_ref().unwrap().sql.contains(condition.sql));
    /// # Ok::<(), spark_filter::request::SearchError>(())
    /// ```
    pub fn condition(&self) -> sql::ConditionRef<'_> {
        let holder = self.rows.as_ref().or(self.count.as_ref());
        sql::ConditionRef {
            sql: holder
                .and_then(|q| q.sql.get(self.condition.clone()))
                .unwrap_or(""),
            params: holder
                .and_then(|q| q.params.get(..self.condition_params))
                .unwrap_or(&[]),
        }
    }
}

impl Search {
    /// Reads and checks a query string in one call.
    pub fn from_query(
        query: &str,
        schema: &Schema,
        options: &SearchOptions,
    ) -> Result<Search, SearchError> {
        // The parameters are borrowed from the query string when nothing in them is
        // percent-encoded (`_orderby=-LastName`, `_limit=25`).
        let mut scratch = [0; query::SCRATCH];
        let values = query::read(query, &mut scratch)?;
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
        ] = values.each_ref().map(|v| v.as_deref());
        Search::check_params(
            Params {
                filter,
                orderby,
                limit,
                page,
                skip,
                skiptoken,
                pagination,
                select,
                expand,
            },
            schema,
            options,
        )
    }

    /// Checks request parameters against a schema for the options' caller. Every problem is
    /// reported, not only the first.
    pub fn check(
        request: &Request,
        schema: &Schema,
        options: &SearchOptions,
    ) -> Result<Search, SearchError> {
        Search::check_params(
            Params {
                filter: request.filter.as_deref(),
                orderby: request.orderby.as_deref(),
                limit: request.limit.as_deref(),
                page: request.page.as_deref(),
                skip: request.skip.as_deref(),
                skiptoken: request.skiptoken.as_deref(),
                pagination: request.pagination.as_deref(),
                select: request.select.as_deref(),
                expand: request.expand.as_deref(),
            },
            schema,
            options,
        )
    }

    /// [`Search::check`] over borrowed parameter values.
    ///
    /// The common request (a filter, an ordering, a page size) runs straight through; every
    /// rarer parameter and every problem is handled in a function of its own, so that the
    /// path a request takes stays in few cache lines (the whole request path's code is
    /// larger than the first-level instruction cache).
    fn check_params(
        request: Params<'_>,
        schema: &Schema,
        options: &SearchOptions,
    ) -> Result<Search, SearchError> {
        let caller = options.caller();
        if !schema.roles.is_empty() && !schema.roles.contains(&caller.role) {
            return Err(forbidden_service(schema, caller));
        }
        let mut problems = Vec::new();

        // _filter
        let filter = request.filter.unwrap_or("");
        // Kept as it was returned until every parameter is checked (moving the plan into an
        // option and out again cost two copies of it per request); its errors come first.
        let plan = plan::check(filter, schema, &options.plan);

        // _orderby
        let orderby = request.orderby.unwrap_or("");
        let mut keys = Vec::new();
        if !orderby.is_empty() {
            match plan::order_by(orderby, schema, caller) {
                Ok(k) => keys = k,
                Err(errors) => orderby_problems(&mut problems, errors, orderby),
            }
        }

        // _limit, _page, _skip, _skiptoken
        let (max_limit, limit_hint) = if caller.replication {
            (MAX_REPLICATION_LIMIT, "")
        } else {
            (MAX_LIMIT, LIMIT_HINT)
        };
        let limit = integer(
            &mut problems,
            "_limit",
            request.limit,
            0,
            max_limit,
            limit_hint,
        )
        .unwrap_or(DEFAULT_LIMIT);
        let page = integer(&mut problems, "_page", request.page, 1, MAX_PAGE, "");
        let skip = integer(&mut problems, "_skip", request.skip, 0, MAX_SKIP, "");
        let mut paging = Paging::Page(page.unwrap_or(1));
        if request.page.is_some() && request.skip.is_some() {
            problems.push(skip_with_page());
        } else if let Some(s) = skip {
            paging = Paging::Skip(s);
        }
        if let Some(token) = request.skiptoken {
            if let Some(keyset) = keyset_paging(&mut problems, &request, token, &keys, options) {
                paging = keyset;
            }
        }

        // _pagination
        let pagination = match request.pagination {
            None | Some("0") => PaginationMode::Off,
            Some("1") => PaginationMode::On,
            Some("count") => PaginationMode::Count,
            Some(other) => {
                problems.push(bad_pagination(other));
                PaginationMode::Off
            }
        };

        // _expand, _select
        let expand = match request.expand {
            Some(text) => expansions(&mut problems, text, schema, options, limit),
            None => Vec::new(),
        };
        let select = request
            .select
            .filter(|s| !s.is_empty())
            .map(|text| selection(&mut problems, text, schema, caller));

        let mut plan = match plan {
            Ok(plan) if problems.is_empty() => plan,
            Ok(_) => return Err(SearchError::new(problems)),
            Err(errors) => return Err(filter_problems(errors, filter, problems)),
        };
        plan.order_by = keys;

        // The names are shared with the schema. A search that expands nothing and may read
        // every restricted attribute hides the schema's own list: no list is built.
        let hidden = if expand.is_empty()
            && !schema
                .restricted_attributes()
                .any(|(def, _)| unreadable(caller, def))
        {
            Arc::clone(schema.collapsed_attributes())
        } else {
            hidden_attributes(schema, caller, &expand)
        };
        let expanded = expanded_attributes(schema, &expand);
        Ok(Search {
            plan,
            limit,
            paging,
            pagination,
            select,
            expand,
            hidden,
            expanded,
            token_key: options.token_key.clone(),
        })
    }

    /// Whether results are asked for (not `_limit=0`, not `_pagination=count`).
    pub fn wants_rows(&self) -> bool {
        self.limit > 0 && self.pagination != PaginationMode::Count
    }

    /// Whether the count is asked for (`_pagination=1`, `count`, or `_limit=0`).
    pub fn wants_count(&self) -> bool {
        self.pagination != PaginationMode::Off || self.limit == 0
    }

    /// The number of matching records skipped before the page (0 with keyset paging).
    pub fn offset(&self) -> u64 {
        match &self.paging {
            Paging::Page(p) => p.saturating_sub(1).saturating_mul(self.limit),
            Paging::Skip(s) => *s,
            Paging::Keyset(_) => 0,
        }
    }

    /// Answers the search over in-memory records (JSON values, in insertion order): the same
    /// body the SQL back ends give for the same records.
    pub fn run_in_memory(&self, records: &[Value]) -> Response {
        let evaluator = match Evaluator::new(&self.plan) {
            Ok(e) => e,
            Err(e) => return SearchError::from_filter(vec![e], "").response(),
        };
        let mut matched: Vec<&Value> = evaluator.filter(records.iter()).collect();
        let total = matched.len() as u64;
        if !self.wants_rows() {
            return self.respond_values(Vec::new(), total);
        }
        crate::eval::order::sort(&mut matched, |r| r, &self.plan.order_by, self.plan.zone);
        let page: Vec<&Value> = match &self.paging {
            Paging::Keyset(Some(last)) => matched
                .into_iter()
                .filter(|r| {
                    RowKey::of(r, &self.plan.order_by, self.plan.zone)
                        .cmp(last, &self.plan.order_by)
                        .is_gt()
                })
                .take(self.limit as usize)
                .collect(),
            _ => matched
                .into_iter()
                .skip(usize::try_from(self.offset()).unwrap_or(usize::MAX))
                .take(self.limit as usize)
                .collect(),
        };
        self.respond_values(page, total)
    }

    /// The success response for the rows a database returned (each the record's JSON text,
    /// in the order of [`SearchSql::rows`]) and the count it returned (when
    /// [`SearchSql::count`] was run). A row that is not JSON object text is left out.
    pub fn respond(&self, rows: &[String], total: Option<u64>) -> Response {
        let values: Vec<Value> = rows
            .iter()
            .filter_map(|r| serde_json::from_str::<Value>(r).ok())
            .collect();
        self.respond_values(values.iter().collect(), total.unwrap_or(0))
    }

    /// The success response for records already read as JSON values (the page, in the
    /// order of [`SearchSql::rows`]) and the count of all matching records (0 when it was
    /// not asked for): what [`Search::respond`] builds after parsing the rows. A server that
    /// changes the records before answering (removing attributes its routes never show)
    /// passes them here.
    ///
    /// ```
    /// use serde_json::json;
    /// use spark_filter::plan::{Caller, Role, builtin};
    /// use spark_filter::request::{Search, SearchOptions, TokenKey};
    /// let schema = builtin::builtin("accounts").unwrap();
    /// let options = SearchOptions::new(Caller::new(Role::Idx), TokenKey::new(b"k".to_vec()));
    /// let search = Search::from_query("_filter=UserType+Eq+'Member'", &schema, &options)?;
    /// let record = json!({"Id": "1", "Name": "Ann Lee"});
    /// assert_eq!(search.respond_values(vec![&record], 0).to_json(),
    ///     r#"{"D":{"Success":true,"Results":[{"Id":"1","Name":"Ann Lee"}]}}"#);
    /// # Ok::<(), spark_filter::request::SearchError>(())
    /// ```
    pub fn respond_values(&self, page: Vec<&Value>, total: u64) -> Response {
        let skip_token = match (&self.paging, page.last()) {
            (Paging::Keyset(_), Some(last)) if page.len() as u64 == self.limit => {
                let key = RowKey::of(last, &self.plan.order_by, self.plan.zone);
                let order = canonical_order(&self.plan.order_by);
                Some(token::encode(&self.token_key, &order, &key))
            }
            _ => None,
        };
        let results: Vec<Value> = page.into_iter().map(|r| self.project(r)).collect();
        let pagination = self.wants_count().then(|| Pagination {
            total_rows: total,
            page_size: self.limit,
            total_pages: if self.limit == 0 {
                0
            } else {
                total.div_ceil(self.limit)
            },
            current_page: match self.paging {
                Paging::Page(p) => Some(p),
                _ => None,
            },
            current_offset: match self.paging {
                Paging::Skip(s) => Some(s),
                _ => None,
            },
        });
        Response {
            status: 200,
            body: Body {
                success: true,
                results: Some(results),
                pagination,
                skip_token,
                spark_ql_errors: self.plan.dropped.iter().map(dropped_item).collect(),
                ..Body::default()
            },
        }
    }

    /// A record as results show it: `_select`ed attributes (with `Id` and `ResourceUri`),
    /// expansions only when asked for, and nothing the caller may not read.
    pub fn project(&self, record: &Value) -> Value {
        let Value::Object(map) = record else {
            return record.clone();
        };
        let mut out = serde_json::Map::new();
        match &self.select {
            None => {
                for (k, v) in map {
                    if !self.hidden.iter().any(|h| **h == **k) {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Some(paths) => {
                for k in ["Id", "ResourceUri"] {
                    if let Some(v) = map.get(k) {
                        out.insert(k.to_string(), v.clone());
                    }
                }
                for path in paths {
                    if self.hidden.iter().any(|h| **h == *path[0]) {
                        continue;
                    }
                    copy_path(map, &mut out, path);
                }
                for k in &self.expanded {
                    if let Some(v) = map.get(&**k) {
                        out.insert(k.to_string(), v.clone());
                    }
                }
            }
        }
        Value::Object(out)
    }

    /// Answers the search on an async database in one call: compiles it for the pool's
    /// dialect, runs the rows and count queries it needs, and builds the response. A
    /// search that cannot be compiled for `layout` is its failure response; a database
    /// failure is the `Err` (the caller chooses its 5xx, for example 503 with code 1550).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// use spark_filter::request::{Search, SearchOptions, TokenKey};
    /// use spark_filter::sql::pool::{PgPool, PgPoolOptions};
    /// use spark_filter::{Caller, Role, plan::builtin, sql::Layout};
    /// let schema = builtin::builtin("accounts").ok_or("no schema")?;
    /// let layout = Layout::of(&schema);
    /// let pool = PgPool::new("postgres://app@localhost/listings", PgPoolOptions::default())?;
    /// let options = SearchOptions::new(Caller::new(Role::Idx), TokenKey::new(b"a server secret of at least 32 bytes".to_vec()));
    /// let search = Search::from_query("_filter=UserType+Eq+'Member'&_limit=5", &schema, &options)?;
    /// let response = search.run_async(&pool, &layout).await?;
    /// println!("{} {}", response.status, response.to_json());
    /// # Ok(()) }
    /// ```
    #[cfg(any(feature = "async-postgres", feature = "async-sqlite"))]
    pub async fn run_async<D: sql::pool::AsyncDb>(
        &self,
        db: &D,
        layout: &Layout,
    ) -> Result<Response, sql::DbError> {
        let compiled = match self.sql(layout, db.dialect()) {
            Ok(c) => c,
            Err(e) => return Ok(e.response()),
        };
        let docs = match &compiled.rows {
            Some(q) => db.rows(q).await?.into_iter().map(|(_, doc)| doc).collect(),
            None => Vec::new(),
        };
        let total = match &compiled.count {
            Some(q) => Some(db.count(q).await?),
            None => None,
        };
        Ok(self.respond(&docs, total))
    }

    /// Compiles the search to SQL, placeholders from `$1`/`?1`.
    pub fn sql(&self, layout: &Layout, dialect: &dyn Dialect) -> Result<SearchSql, SearchError> {
        self.sql_at(layout, dialect, 0)
    }

    /// Compiles the search to SQL with every placeholder numbered after `offset`, so that
    /// the statements or the condition can sit inside SQL that already binds `offset`
    /// parameters.
    pub fn sql_at(
        &self,
        layout: &Layout,
        dialect: &dyn Dialect,
        offset: usize,
    ) -> Result<SearchSql, SearchError> {
        self.compile(layout, dialect, offset, None)
    }

    /// Compiles the search to SQL with a condition of the server's own (a route's scope or a
    /// tenant, with its parameters) ANDed with the filter in the rows and count statements.
    /// The scope's placeholders are numbered first (`$1`/`?1` …, as many as
    /// `scope_params`), the search's after them. [`SearchSql::condition`] is then the whole
    /// condition, `(scope) AND (filter)`, its parameters the scope's followed by the
    /// search's.
    ///
    /// `scope_sql` is written by the server, never from request text: it is SQL over the
    /// main table `t` (for example over its `doc` column) with placeholders for every value.
    ///
    /// ```
    /// use serde_json::json;
    /// use spark_filter::plan::{Caller, Role, builtin};
    /// use spark_filter::request::{Search, SearchOptions, TokenKey};
    /// use spark_filter::sql::{self, Layout, Param, Sqlite};
    ///
    /// let schema = builtin::builtin("accounts").unwrap();
    /// let layout = Layout::of(&schema);
    /// let records: String = (1..=4)
    ///     .map(|i| json!({"Id": format!("{i}"), "UserType": "Member", "Name": format!("Agent {i}"),
    ///                     "OfficeId": if i % 2 == 0 { "even" } else { "odd" },
    ///                     "Settings": {"Visible": true}}).to_string() + "\n")
    ///     .collect();
    /// let mut conn = sql::sqlite::open("sqlite::memory:").unwrap();
    /// let utc = chrono::FixedOffset::east_opt(0).unwrap();
    /// sql::sqlite::load(&mut conn, &schema, records.as_bytes(), utc).unwrap();
    ///
    /// let options = SearchOptions::new(Caller::new(Role::Idx), TokenKey::new(b"k".to_vec()));
    /// let search = Search::from_query("_filter=UserType+Eq+'Member'&_pagination=1", &schema, &options)?;
    /// // The route /accounts/by/office/even: the server's own condition on the stored JSON.
    /// let compiled = search.sql_scoped(&layout, &Sqlite,
    ///     "json_extract(t.doc, '$.OfficeId') = ?1", vec![Param::Text("even".into())])?;
    /// let rows = compiled.rows.unwrap();
    /// assert!(rows.sql.contains("WHERE (json_extract(t.doc, '$.OfficeId') = ?1) AND ("));
    /// assert_eq!(rows.params[0], Param::Text("even".into()));
    /// let docs: Vec<String> = sql::sqlite::run(&conn, &rows).unwrap()
    ///     .into_iter().map(|(_, doc)| doc).collect();
    /// let count = compiled.count.unwrap();
    /// let params: Vec<_> = count.params.iter().map(sql::sqlite::param_value).collect();
    /// let total: i64 = conn.query_row(&count.sql, rusqlite::params_from_iter(params), |r| r.get(0)).unwrap();
    /// let response = search.respond(&docs, Some(total as u64));
    /// assert_eq!(response.to_json(), concat!(
    ///     r#"{"D":{"Success":true,"Results":[{"Id":"2","Name":"Agent 2","OfficeId":"even","UserType":"Member"},"#,
    ///     r#"{"Id":"4","Name":"Agent 4","OfficeId":"even","UserType":"Member"}],"#,
    ///     r#""Pagination":{"TotalRows":2,"PageSize":10,"TotalPages":1,"CurrentPage":1}}}"#));
    /// # Ok::<(), spark_filter::request::SearchError>(())
    /// ```
    pub fn sql_scoped(
        &self,
        layout: &Layout,
        dialect: &dyn Dialect,
        scope_sql: &str,
        scope_params: Vec<Param>,
    ) -> Result<SearchSql, SearchError> {
        self.compile(
            layout,
            dialect,
            scope_params.len(),
            Some((scope_sql, scope_params)),
        )
    }

    /// [`Search::sql_at`], with the scope of [`Search::sql_scoped`] when given (its
    /// parameters are the first `offset` placeholders).
    ///
    /// The condition is compiled once, straight into the statement that holds it (this
    /// runs per request): the rows statement when results are asked for, else the count.
    /// A count beside rows copies the scope and filter part of it.
    fn compile(
        &self,
        layout: &Layout,
        dialect: &dyn Dialect,
        offset: usize,
        scope: Option<(&str, Vec<Param>)>,
    ) -> Result<SearchSql, SearchError> {
        let keys = &self.plan.order_by;
        let wants_rows = self.wants_rows();
        let orderby_error =
            |e: crate::Error| SearchError::new(vec![Problem::parameter("_orderby", e.message)]);
        // ` ORDER BY col IS NULL, col DESC, …`, written straight into the rows statement.
        let write_order = |sql: &mut String| -> Result<(), SearchError> {
            sql.push_str(" ORDER BY ");
            for key in keys {
                sql::order_column_into(sql, key, layout, dialect).map_err(orderby_error)?;
                sql.push_str(" IS NULL, ");
                sql::order_column_into(sql, key, layout, dialect).map_err(orderby_error)?;
                sql.push_str(if key.descending { " DESC, " } else { " ASC, " });
            }
            sql.push_str(dialect.record_id());
            sql.push_str(", t.rid");
            Ok(())
        };
        let from = |sql: &mut String, head: &str| {
            sql.push_str(head);
            dialect.quote_into(sql, &layout.table);
            sql.push_str(" AS t WHERE ");
        };

        // One buffer for the statement: `SELECT … WHERE`, the scope, the condition, ORDER BY
        // (about 64 bytes a key) and ` LIMIT $n::bigint OFFSET $m::bigint`.
        let scope_len = scope.as_ref().map_or(0, |(s, _)| s.len() + 12);
        let mut sql = String::with_capacity(
            sql::condition_size_hint(&self.plan)
                + scope_len
                + layout.table.len()
                + 64 * keys.len()
                + 224,
        );
        from(
            &mut sql,
            if wants_rows {
                "SELECT t.rid, t.doc FROM "
            } else {
                "SELECT COUNT(*) FROM "
            },
        );
        let start = sql.len();
        // Placeholders already bound before the condition's: the scope's are in `params`.
        let (mut params, base) = match scope {
            None => (Vec::new(), offset),
            Some((scope_sql, scope_params)) => {
                sql.push('(');
                sql.push_str(scope_sql);
                sql.push_str(") AND (");
                (scope_params, 0)
            }
        };
        sql::write_condition(&self.plan, layout, dialect, base, &mut sql, &mut params)
            .map_err(|e| SearchError::from_filter(vec![e], ""))?;
        let close = if scope_len > 0 { ")" } else { "" };

        if !wants_rows {
            // Every key is checked, also when no rows are asked for.
            write_order(&mut String::new())?;
            sql.push_str(close);
            return Ok(SearchSql {
                rows: None,
                condition: start..sql.len(),
                condition_params: params.len(),
                count: Some(sql::Query { sql, params }),
            });
        }
        let count = self.wants_count().then(|| {
            let filter = &sql[start..];
            let mut count = String::with_capacity(filter.len() + layout.table.len() + 40);
            from(&mut count, "SELECT COUNT(*) FROM ");
            count.push_str(filter);
            count.push_str(close);
            sql::Query {
                sql: count,
                params: params.clone(),
            }
        });
        if let Paging::Keyset(Some(last)) = &self.paging {
            let mut columns = Vec::with_capacity(keys.len());
            for key in keys {
                let mut col = String::new();
                sql::order_column_into(&mut col, key, layout, dialect).map_err(orderby_error)?;
                columns.push(col);
            }
            let keyset = keyset_condition(keys, &columns, last, dialect, base, &mut params);
            sql.push_str(" AND ");
            sql.push_str(&keyset);
        }
        sql.push_str(close);
        let condition = start..sql.len();
        let condition_params = params.len();
        write_order(&mut sql)?;
        params.reserve(2);
        for (word, v) in [(" LIMIT ", self.limit), (" OFFSET ", self.offset())] {
            let p = Param::Int(i64::try_from(v).unwrap_or(i64::MAX));
            sql.push_str(word);
            dialect.placeholder_into(&mut sql, base + params.len() + 1, &p);
            params.push(p);
        }
        Ok(SearchSql {
            rows: Some(sql::Query { sql, params }),
            count,
            condition,
            condition_params,
        })
    }
}

/// The problem of a service that the caller's role may not search.
#[cold]
#[inline(never)]
fn forbidden_service(schema: &Schema, caller: &Caller) -> SearchError {
    let roles: Vec<&str> = schema.roles.iter().map(|r| r.as_str()).collect();
    SearchError::new(vec![Problem::Forbidden {
        message: format!(
            "the {} service cannot be searched with a {} key; it serves {} keys",
            schema.name,
            caller.role.as_str(),
            roles.join(", ")
        ),
    }])
}

/// `_orderby`'s errors as parameter problems, each naming its item.
#[cold]
#[inline(never)]
fn orderby_problems(problems: &mut Vec<Problem>, errors: plan::Errors, orderby: &str) {
    problems.extend(errors.into_vec().into_iter().map(|e| {
        let item = orderby.get(e.span.start..e.span.end).unwrap_or("");
        Problem::parameter(
            "_orderby",
            format!(
                "_orderby item {item:?}: {}; list orderable fields, each with an \
                 optional - (descending) or + (ascending) prefix",
                e.message
            ),
        )
    }));
}

#[cold]
#[inline(never)]
fn skip_with_page() -> Problem {
    Problem::parameter(
        "_skip",
        "_skip cannot be combined with _page; send one of them (_skip=(page-1)*_limit \
         is the same page)",
    )
}

/// The keyset page a `_skiptoken` asks for (`None`, with a problem, when it cannot be used).
#[inline(never)]
fn keyset_paging(
    problems: &mut Vec<Problem>,
    request: &Params<'_>,
    token: &str,
    keys: &[OrderKey],
    options: &SearchOptions,
) -> Option<Paging> {
    if request.page.is_some() || request.skip.is_some() {
        problems.push(Problem::parameter(
            "_skiptoken",
            "_skiptoken cannot be combined with _page or _skip; keyset paging moves \
             with the SkipToken of each response alone",
        ));
        return None;
    }
    if token.is_empty() {
        return Some(Paging::Keyset(None));
    }
    // The ordering is signed into tokens as the planner understood it; it is written out
    // only for keyset pages.
    match token::decode(&options.token_key, &canonical_order(keys), token) {
        Ok(last) if last.values.len() == keys.len() && fits(&last, keys) => {
            Some(Paging::Keyset(Some(last)))
        }
        Ok(_) => {
            problems.push(Problem::parameter(
                "_skiptoken",
                "_skiptoken does not fit this _orderby; send the SkipToken of the \
                 previous response unchanged, or an empty _skiptoken to start again",
            ));
            None
        }
        Err(message) => {
            problems.push(Problem::parameter("_skiptoken", message));
            None
        }
    }
}

#[cold]
#[inline(never)]
fn bad_pagination(other: &str) -> Problem {
    Problem::parameter(
        "_pagination",
        format!(
            "_pagination must be 0 (no Pagination), 1 (add Pagination) or count \
             (Pagination only), not {other:?}"
        ),
    )
}

/// The expansions `_expand` asks for, each checked against the schema and the caller.
#[inline(never)]
fn expansions(
    problems: &mut Vec<Problem>,
    text: &str,
    schema: &Schema,
    options: &SearchOptions,
    limit: u64,
) -> Vec<String> {
    let caller = options.caller();
    let mut expand = Vec::new();
    for name in list(text) {
        match schema.expansion(name) {
            None => {
                let names: Vec<&str> = schema.expansions.iter().map(|e| e.name.as_str()).collect();
                problems.push(Problem::parameter(
                    "_expand",
                    if names.is_empty() {
                        format!(
                            "_expand: the {} service has no expansions; leave _expand out",
                            schema.name
                        )
                    } else {
                        format!(
                            "_expand: the {} service has no expansion {name:?}; it has {}",
                            schema.name,
                            names.join(", ")
                        )
                    },
                ));
            }
            Some(e) => {
                if let Err(who) = caller.may_search(&e.access) {
                    problems.push(Problem::parameter(
                        "_expand",
                        format!(
                            "_expand: {} is not available to this key: {}; leave it out",
                            e.name,
                            who.replace("search it", "expand it")
                        ),
                    ));
                } else if e.single_record_only && limit != 1 && !options.single_record {
                    problems.push(Problem::parameter(
                        "_expand",
                        format!(
                            "_expand: {} is for a single record only; add _limit=1 (or ask \
                             for the record by its Id) or leave it out",
                            e.name
                        ),
                    ));
                } else if expand.contains(&e.name) {
                    problems.push(Problem::parameter(
                        "_expand",
                        format!("_expand lists {} twice; list it once", e.name),
                    ));
                } else {
                    expand.push(e.name.clone());
                }
            }
        }
    }
    expand
}

/// The attribute paths `_select` asks for, each checked against the schema and the caller.
#[inline(never)]
fn selection(
    problems: &mut Vec<Problem>,
    text: &str,
    schema: &Schema,
    caller: &Caller,
) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for name in list(text) {
        match schema.field_named(name) {
            Some((_, def)) => {
                if let Err(who) = caller.may_search(&def.access) {
                    problems.push(Problem::parameter(
                        "_select",
                        format!(
                            "_select: {} cannot be read with this key: {}; leave it out",
                            def.name,
                            who.replace("search it", "read it")
                        ),
                    ));
                    continue;
                }
                let path = attribute_path(def.record_path().unwrap_or_default());
                if !path.is_empty() && !paths.contains(&path) {
                    paths.push(path);
                }
            }
            None => {
                let hint = if schema
                    .expansions
                    .iter()
                    .any(|e| e.attributes.iter().any(|a| **a == *name))
                {
                    format!("; {name} is an expansion: ask for it with _expand={name}")
                } else {
                    match schema.nearest(name) {
                        Some(n) => format!("; did you mean {n}?"),
                        None => String::new(),
                    }
                };
                problems.push(Problem::parameter(
                    "_select",
                    format!(
                        "_select: the {} service has no attribute {name}{hint}",
                        schema.name
                    ),
                ));
            }
        }
    }
    paths
}

/// The filter's errors, then the other parameters' problems, as one error.
#[cold]
#[inline(never)]
fn filter_problems(errors: plan::Errors, filter: &str, mut problems: Vec<Problem>) -> SearchError {
    let mut all: Vec<Problem> = errors
        .into_vec()
        .into_iter()
        .map(|e| Problem::filter(e, filter))
        .collect();
    all.append(&mut problems);
    SearchError::new(all)
}

/// Whether the caller may not read a field's attribute.
fn unreadable(caller: &Caller, def: &FieldDef) -> bool {
    caller.may_search(&def.access).is_err()
}

/// The top-level attributes a search hides: the collapsed ones it does not expand and the
/// restricted ones the caller may not read.
#[inline(never)]
fn hidden_attributes(schema: &Schema, caller: &Caller, expand: &[String]) -> Arc<[Arc<str>]> {
    let mut hidden: Vec<Arc<str>> = schema
        .collapsed_attributes()
        .iter()
        // Asked-for expansions are shown even when a field shares their attribute.
        .filter(|a| !expanded_by(schema, expand, a))
        .cloned()
        .collect();
    for (def, k) in schema.restricted_attributes() {
        if unreadable(caller, def) && !hidden.contains(k) && !expanded_by(schema, expand, k) {
            hidden.push(k.clone());
        }
    }
    hidden.into()
}

/// The top-level attributes the asked-for expansions add.
#[inline(never)]
fn expanded_attributes(schema: &Schema, expand: &[String]) -> Vec<Arc<str>> {
    expand
        .iter()
        .filter_map(|name| schema.expansion(name))
        .flat_map(|e| e.attributes.iter().cloned())
        .collect()
}

/// Whether one of the asked-for expansions shows `attribute`.
fn expanded_by(schema: &Schema, expand: &[String], attribute: &Arc<str>) -> bool {
    expand.iter().any(|name| {
        schema
            .expansion(name)
            .is_some_and(|e| e.attributes.contains(attribute))
    })
}

/// `a > last` in the order of `keys` then `Id`, NULLs last in both directions.
fn keyset_condition(
    keys: &[OrderKey],
    columns: &[String],
    last: &RowKey,
    dialect: &dyn Dialect,
    offset: usize,
    params: &mut Vec<Param>,
) -> String {
    let bind = |p: Param, params: &mut Vec<Param>| {
        let ph = dialect.placeholder(offset + params.len() + 1, &p);
        params.push(p);
        ph
    };
    let mut disjuncts = Vec::new();
    let mut equal: Vec<String> = Vec::new();
    for ((key, col), value) in keys.iter().zip(columns).zip(&last.values) {
        match value {
            None => equal.push(format!("{col} IS NULL")),
            Some(v) => {
                let ph = bind(param_of(v), params);
                let op = if key.descending { "<" } else { ">" };
                let mut d = equal.clone();
                d.push(format!("({col} {op} {ph} OR {col} IS NULL)"));
                disjuncts.push(format!("({})", d.join(" AND ")));
                equal.push(format!("{col} = {ph}"));
            }
        }
    }
    let ph = bind(Param::Text(last.id.as_str().into()), params);
    equal.push(format!("{} > {ph}", dialect.record_id()));
    disjuncts.push(format!("({})", equal.join(" AND ")));
    format!("({})", disjuncts.join(" OR "))
}

fn param_of(v: &SortValue) -> Param {
    match v {
        SortValue::Bool(b) => Param::Bool(*b),
        SortValue::Int(i) => Param::Int(*i),
        SortValue::Num(f) => Param::Float(*f),
        SortValue::Text(t) => Param::Text(t.as_str().into()),
        SortValue::Date(d) => Param::Date(*d),
        SortValue::DateTime(t) => Param::DateTime(*t),
        SortValue::Time(t) => Param::Time(*t),
    }
}

/// Whether each token value has the variant its key's field type reads as.
fn fits(last: &RowKey, keys: &[OrderKey]) -> bool {
    use crate::plan::FieldType as T;
    last.values.iter().zip(keys).all(|(v, k)| match v {
        None => true,
        Some(v) => {
            matches!(
                (k.field.ty, v),
                (T::Boolean, SortValue::Bool(_))
                    | (T::Integer, SortValue::Int(_))
                    | (T::Decimal, SortValue::Num(_))
                    | (T::Date, SortValue::Date(_))
                    | (T::Datetime, SortValue::DateTime(_))
                    | (T::Time, SortValue::Time(_))
            ) || (k.field.ty.is_textual() && matches!(v, SortValue::Text(_)))
        }
    })
}

/// `-Name,Office` as the planner understood it (signed into tokens).
fn canonical_order(keys: &[OrderKey]) -> String {
    let mut out = String::with_capacity(keys.iter().map(|k| k.field.name.len() + 2).sum());
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if k.descending {
            out.push('-');
        }
        out.push_str(k.field.name);
    }
    out
}

/// The non-empty items of a comma list, trimmed.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Reads a bounded integer parameter; a problem when it is not one.
fn integer(
    problems: &mut Vec<Problem>,
    parameter: &'static str,
    text: Option<&str>,
    min: u64,
    max: u64,
    hint: &str,
) -> Option<u64> {
    let text = text?;
    // Digits only (no sign, no space), read in one pass; too large is None.
    let value = if text.is_empty() {
        None
    } else {
        text.bytes().try_fold(0u64, |n, b| {
            let digit = b.wrapping_sub(b'0');
            (digit < 10)
                .then_some(n)?
                .checked_mul(10)?
                .checked_add(u64::from(digit))
        })
    };
    match value {
        Some(v) if (min..=max).contains(&v) => Some(v),
        _ => {
            problems.push(bad_integer(parameter, text, min, max, hint));
            None
        }
    }
}

/// The problem of an integer parameter that is not a whole number within its bounds.
#[cold]
#[inline(never)]
fn bad_integer(parameter: &'static str, text: &str, min: u64, max: u64, hint: &str) -> Problem {
    Problem::parameter(
        parameter,
        format!(
            "{parameter} must be a whole number from {min} to {max}{hint}, not {text:?}; \
             send e.g. {parameter}={}",
            if parameter == "_limit" {
                max.min(25)
            } else {
                min.max(1).min(max)
            }
        ),
    )
}

/// The keys before a field's first list or object-keys step: what `_select` copies.
fn attribute_path(path: Vec<PathStep>) -> Vec<String> {
    path.into_iter()
        .map_while(|s| match s {
            PathStep::Key(k) => Some(k),
            _ => None,
        })
        .collect()
}

/// Copies `path` of `from` into `to`, making the objects on the way.
fn copy_path(
    from: &serde_json::Map<String, Value>,
    to: &mut serde_json::Map<String, Value>,
    path: &[String],
) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(value) = from.get(first) else {
        return;
    };
    match (rest.is_empty(), value) {
        (true, v) => {
            to.insert(first.clone(), v.clone());
        }
        (false, Value::Object(inner)) => {
            let slot = to
                .entry(first.clone())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(slot) = slot {
                copy_path(inner, slot, rest);
            }
        }
        (false, _) => {}
    }
}

fn dropped_item(d: &Dropped) -> SparkQlError {
    SparkQlError {
        token: d.condition.clone(),
        token_index: d.start,
        message: format!(
            "{} is not a field of this service; the condition was dropped",
            d.field
        ),
        status: Status::Dropped,
        start: d.start,
        end: d.end,
    }
}
