//! The server's storage seam: a small [`Backend`] trait ("search", "read-modify-write one
//! record by Id", "load the sample data") with a SQLite and a PostgreSQL implementation on
//! the library's synchronous back ends, run on tokio's blocking pool by [`Db`], which also
//! bounds the number of connections in use and enforces the statement timeout.
//!
//! Writes go through the library's per-record maintenance (`sql::sqlite::upsert`/`delete`,
//! `sql::postgres::upsert`/`delete`) inside the transaction that read the current record,
//! so the search tables a write fills are exactly the ones the loader fills.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use spark_filter::plan::Schema;
use spark_filter::sql::{self, Dialect, Layout, Param, Postgres, Sqlite};
use tokio::sync::Semaphore;

use super::envelope::ApiError;

/// Why a database call failed, as far as the answer is concerned.
#[derive(Debug)]
pub enum Fault {
    /// The statement timeout cancelled it (1516).
    Timeout,
    /// The database cannot be reached (1550); the connection is not reused.
    Unavailable(String),
    /// Anything else (500, logged).
    Failed(String),
}

impl From<Fault> for ApiError {
    fn from(f: Fault) -> ApiError {
        match f {
            Fault::Timeout => ApiError::timeout(),
            Fault::Unavailable(m) => {
                tracing::warn!(error = %m, "database unavailable");
                ApiError::unavailable()
            }
            Fault::Failed(m) => {
                tracing::error!(error = %m, "database error");
                ApiError::internal()
            }
        }
    }
}

/// One service's storage: its schema and the tables the library lays out for it.
#[derive(Clone, Debug)]
pub struct Table {
    /// The schema (built-in).
    pub schema: Schema,
    /// Its tables.
    pub layout: Layout,
}

impl Table {
    /// The storage of a schema.
    pub fn new(schema: Schema) -> Table {
        let layout = Layout::of(&schema);
        Table { schema, layout }
    }
}

/// A search ready to run: the `SELECT` (absent for `_limit=0`) and the count (absent
/// unless pagination was asked for).
#[derive(Clone, Debug, Default)]
pub struct Compiled {
    /// `SELECT t.rid, t.doc …` and its parameters.
    pub select: Option<(String, Vec<Param>)>,
    /// `SELECT count(*) …` and its parameters.
    pub count: Option<(String, Vec<Param>)>,
}

/// What a read-modify-write does with the record it read.
#[derive(Debug)]
pub enum Change {
    /// Store this record (insert or replace).
    Put(Value),
    /// Remove the record.
    Delete,
}

/// A condition on a record's stored JSON, for the server's own routes (`/accounts/<Id>`,
/// `/accounts/by/office/<Id>`, teams): these select by attributes the seed does not make
/// searchable, so they are not `_filter` text.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The JSON path, e.g. `["Team", "Id"]`.
    pub path: &'static [&'static str],
    /// The value it must have.
    pub value: ScopeValue,
}

/// The value a [`Scope`] compares with.
#[derive(Clone, Debug)]
pub enum ScopeValue {
    /// A JSON string.
    Text(String),
    /// JSON `true`.
    True,
}

/// What the server needs from a database. Every method blocks; [`Db`] runs them on the
/// blocking pool.
pub trait Backend: Send + Sync + 'static {
    /// The SQL dialect the library compiles for.
    fn dialect(&self) -> &'static dyn Dialect;
    /// SQL that is true when `scope` holds for the record `t`, with the parameter numbered `n`.
    fn scope_sql(&self, scope: &Scope, n: usize) -> (String, Param);
    /// Runs a search: the records' JSON text, and the count when asked.
    fn search(&self, c: &Compiled, deadline: Instant) -> Result<(Vec<String>, Option<u64>), Fault>;
    /// Reads the record `key` selects (any visibility), lets `f` decide, and applies its
    /// change to the record and every search table in one transaction. Returns what `f`
    /// returned.
    fn modify(
        &self,
        table: &Table,
        key: &Scope,
        f: &mut dyn FnMut(Option<Value>) -> Result<Option<Change>, ApiError>,
    ) -> Result<Result<Option<Value>, ApiError>, Fault>;
    /// Creates and fills a service's tables from JSONL unless they exist; returns how many
    /// records were loaded (0 when the tables were there).
    fn ensure_loaded(&self, table: &Table, jsonl: &str) -> Result<usize, Fault>;
}

/// The async face of a [`Backend`]: at most `pool` calls at once (each holds one
/// connection), each on the blocking pool with the statement timeout.
#[derive(Clone)]
pub struct Db {
    backend: Arc<dyn Backend>,
    permits: Arc<Semaphore>,
    /// The statement timeout (also how long a request waits for a free connection).
    pub timeout: Duration,
}

impl Db {
    /// Wraps a backend.
    pub fn new(backend: Arc<dyn Backend>, pool: usize, timeout: Duration) -> Db {
        Db {
            backend,
            permits: Arc::new(Semaphore::new(pool.max(1))),
            timeout,
        }
    }

    /// The backend's dialect.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.backend.dialect()
    }

    /// SQL for a scope (see [`Backend::scope_sql`]).
    pub fn scope_sql(&self, scope: &Scope, n: usize) -> (String, Param) {
        self.backend.scope_sql(scope, n)
    }

    /// Runs `f` on the blocking pool once a connection is free. A panic inside `f` is
    /// resumed here, so the panic layer answers it (500 with the envelope).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Backend, Instant) -> Result<T, Fault> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Fault::Unavailable("no free database connection in time".into()))?
            .map_err(|_| Fault::Unavailable("the pool is closed".into()))?;
        let backend = self.backend.clone();
        let deadline = Instant::now() + self.timeout;
        match tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&*backend, deadline)
        })
        .await
        {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(Fault::Failed(e.to_string()).into()),
        }
    }
}

// ---- writes, shared by both dialects ----------------------------------------------------

/// One library write of a change.
enum Step<'a> {
    /// `sql::*::delete` of this `Id`.
    Delete(&'a str),
    /// `sql::*::upsert` of this record.
    Upsert(&'a Value),
}

/// The `Id` of the record a key found (`None` when none was found or it has no string `Id`).
fn current_id(found: &Option<(i64, String)>) -> Option<String> {
    let (_, doc) = found.as_ref()?;
    let v: Value = serde_json::from_str(doc).ok()?;
    v.get("Id").and_then(Value::as_str).map(str::to_string)
}

/// Applies a change with the library's writes (the caller's transaction around them):
/// a delete removes the found record; a put upserts the new record by its `Id`, after
/// removing the found record when the key found one with another `Id`. Returns the record
/// written.
fn apply(
    change: Option<Change>,
    found_id: Option<&str>,
    mut write: impl FnMut(Step<'_>) -> Result<(), sql::DbError>,
) -> Result<Option<Value>, sql::DbError> {
    match change {
        None => Ok(None),
        Some(Change::Delete) => {
            if let Some(id) = found_id {
                write(Step::Delete(id))?;
            }
            Ok(None)
        }
        Some(Change::Put(record)) => {
            let new_id = record.get("Id").and_then(Value::as_str);
            if let Some(old) = found_id.filter(|old| Some(*old) != new_id) {
                write(Step::Delete(old))?;
            }
            write(Step::Upsert(&record))?;
            Ok(Some(record))
        }
    }
}

fn utc() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(0).expect("UTC")
}

fn parse_doc(doc: &str) -> Result<Value, Fault> {
    serde_json::from_str(doc).map_err(|e| Fault::Failed(format!("stored record is not JSON: {e}")))
}

// ---- SQLite -----------------------------------------------------------------------------

/// SQLite: a file database, one connection per concurrent call (WAL, so searches run
/// while a write commits).
pub struct SqliteBackend {
    url: String,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl SqliteBackend {
    /// A backend on `sqlite://PATH`.
    pub fn new(url: &str) -> Result<SqliteBackend, String> {
        if !url.starts_with("sqlite://") {
            return Err(format!(
                "the server needs a database file: use sqlite://PATH (or no --db for an \
                 embedded one), not {url:?}"
            ));
        }
        let backend = SqliteBackend {
            url: url.to_string(),
            idle: Mutex::new(Vec::new()),
        };
        let conn = backend
            .open()
            .map_err(|f| format!("cannot open {url}: {f:?}"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| format!("cannot open {url}: {e}"))?;
        backend.give_back(conn);
        Ok(backend)
    }

    fn open(&self) -> Result<rusqlite::Connection, Fault> {
        let conn = sql::sqlite::open(&self.url).map_err(|e| Fault::Unavailable(e.to_string()))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(sqlite_fault)?;
        Ok(conn)
    }

    fn take(&self) -> Result<rusqlite::Connection, Fault> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        if let Ok(mut v) = self.idle.lock() {
            v.push(conn);
        }
    }

    /// Runs `f` on a connection with the deadline as a progress handler.
    fn with<T>(
        &self,
        deadline: Option<Instant>,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, Fault> {
        let mut conn = self.take()?;
        if let Some(deadline) = deadline {
            conn.progress_handler(2_000, Some(move || Instant::now() > deadline));
        }
        let result = f(&mut conn);
        conn.progress_handler(0, None::<fn() -> bool>);
        match result {
            Ok(v) => {
                self.give_back(conn);
                Ok(v)
            }
            Err(e) => {
                let fault = sqlite_fault(e);
                if !matches!(fault, Fault::Unavailable(_)) {
                    self.give_back(conn);
                }
                Err(fault)
            }
        }
    }
}

fn sqlite_fault(e: rusqlite::Error) -> Fault {
    use rusqlite::ErrorCode as C;
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::OperationInterrupted => Fault::Timeout,
            C::DatabaseBusy | C::DatabaseLocked | C::CannotOpen | C::SystemIoFailure => {
                Fault::Unavailable(e.to_string())
            }
            _ => Fault::Failed(e.to_string()),
        },
        _ => Fault::Failed(e.to_string()),
    }
}

fn sqlite_params(params: &[Param]) -> Vec<rusqlite::types::Value> {
    params.iter().map(sql::sqlite::param_value).collect()
}

impl Backend for SqliteBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &Sqlite
    }

    fn scope_sql(&self, scope: &Scope, n: usize) -> (String, Param) {
        let path = format!("$.{}", scope.path.join("."));
        match &scope.value {
            ScopeValue::Text(t) => (
                format!("json_extract(t.doc, '{path}') = ?{n}"),
                Param::Text(t.clone()),
            ),
            ScopeValue::True => (
                format!("json_extract(t.doc, '{path}') = ?{n}"),
                Param::Int(1),
            ),
        }
    }

    fn search(&self, c: &Compiled, deadline: Instant) -> Result<(Vec<String>, Option<u64>), Fault> {
        self.with(Some(deadline), |conn| {
            let mut docs = Vec::new();
            if let Some((sql, params)) = &c.select {
                let mut stmt = conn.prepare_cached(sql)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(sqlite_params(params)), |r| {
                        r.get::<_, String>(1)
                    })?;
                for r in rows {
                    docs.push(r?);
                }
            }
            let count = match &c.count {
                Some((sql, params)) => Some(
                    conn.prepare_cached(sql)?
                        .query_row(rusqlite::params_from_iter(sqlite_params(params)), |r| {
                            r.get::<_, i64>(0)
                        })? as u64,
                ),
                None => None,
            };
            Ok((docs, count))
        })
    }

    fn modify(
        &self,
        table: &Table,
        key: &Scope,
        f: &mut dyn FnMut(Option<Value>) -> Result<Option<Change>, ApiError>,
    ) -> Result<Result<Option<Value>, ApiError>, Fault> {
        let (key_sql, key_param) = self.scope_sql(key, 1);
        let key_sql = key_sql.replace("t.doc", "doc");
        let main = Sqlite.quote(&table.layout.table);
        let mut parse_error = None;
        let mut library_error = None;
        let result = self.with(None, |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let found: Option<(i64, String)> = {
                let mut stmt =
                    tx.prepare_cached(&format!("SELECT rid, doc FROM {main} WHERE {key_sql}"))?;
                let mut rows = stmt.query([sql::sqlite::param_value(&key_param)])?;
                match rows.next()? {
                    Some(r) => Some((r.get(0)?, r.get(1)?)),
                    None => None,
                }
            };
            let current = match &found {
                Some((_, doc)) => match serde_json::from_str(doc) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        parse_error = Some(e.to_string());
                        return Ok(Ok(None));
                    }
                },
                None => None,
            };
            let change = match f(current) {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            let found_id = current_id(&found);
            let written = match apply(change, found_id.as_deref(), |step| match step {
                Step::Delete(id) => sql::sqlite::delete(&tx, &table.schema, id).map(|_| ()),
                Step::Upsert(record) => {
                    sql::sqlite::upsert(&tx, &table.schema, record, utc()).map(|_| ())
                }
            }) {
                Ok(w) => w,
                Err(sql::DbError::Sqlite(e)) => return Err(e),
                Err(e) => {
                    // Not committed: the transaction rolls back when dropped.
                    library_error = Some(e.to_string());
                    return Ok(Ok(None));
                }
            };
            tx.commit()?;
            Ok(Ok(written))
        })?;
        match (parse_error, library_error) {
            (Some(m), _) => Err(Fault::Failed(format!("stored record is not JSON: {m}"))),
            (_, Some(m)) => Err(Fault::Failed(m)),
            (None, None) => Ok(result),
        }
    }

    fn ensure_loaded(&self, table: &Table, jsonl: &str) -> Result<usize, Fault> {
        let name = table.layout.table.clone();
        let schema = table.schema.clone();
        let loaded = self.with(None, |conn| {
            let exists: bool = conn.query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [&name],
                |r| r.get(0),
            )?;
            // The library's load makes the Id index and the layout record; tables that are
            // there must have this build's layout, or every write would fail.
            Ok(if exists {
                sql::sqlite::check_layout(conn, &schema)
                    .map(|()| 0)
                    .map_err(|e| e.to_string())
            } else {
                sql::sqlite::load(conn, &schema, jsonl.as_bytes(), utc())
                    .map_err(|e| format!("loading {name}: {e}"))
            })
        })?;
        loaded.map_err(Fault::Failed)
    }
}

// ---- PostgreSQL -------------------------------------------------------------------------

/// PostgreSQL: a pool of synchronous clients with `statement_timeout` set; a client whose
/// connection broke is dropped and a new one is opened on demand, so the server recovers
/// by itself when the database comes back.
pub struct PostgresBackend {
    url: String,
    statement_timeout: Duration,
    idle: Mutex<Vec<postgres::Client>>,
}

type PgParam = Box<dyn postgres::types::ToSql + Sync>;

fn pg_refs(values: &[PgParam]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|b| b.as_ref()).collect()
}

fn pg_fault(e: postgres::Error) -> Fault {
    use postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::QUERY_CANCELED => Fault::Timeout,
        Some(c)
            if c.code().starts_with("08")
                || c.code().starts_with("57P")
                || *c == SqlState::TOO_MANY_CONNECTIONS =>
        {
            Fault::Unavailable(e.to_string())
        }
        Some(_) if !e.is_closed() => Fault::Failed(e.to_string()),
        _ => Fault::Unavailable(e.to_string()),
    }
}

fn db_fault(e: sql::DbError) -> Fault {
    match e {
        sql::DbError::Postgres(e) => pg_fault(e),
        sql::DbError::Sqlite(e) => sqlite_fault(e),
        other => Fault::Failed(other.to_string()),
    }
}

impl PostgresBackend {
    /// A backend on `postgres://…`; connects once to check the URL.
    pub fn new(url: &str, statement_timeout: Duration) -> Result<PostgresBackend, String> {
        let backend = PostgresBackend {
            url: url.to_string(),
            statement_timeout,
            idle: Mutex::new(Vec::new()),
        };
        let client = backend
            .open()
            .map_err(|f| format!("cannot connect to the database: {f:?}"))?;
        backend.give_back(client);
        Ok(backend)
    }

    fn open(&self) -> Result<postgres::Client, Fault> {
        let mut client = sql::postgres::connect(&self.url).map_err(db_fault)?;
        client
            .batch_execute(&format!(
                "SET statement_timeout = {}",
                self.statement_timeout.as_millis().max(1)
            ))
            .map_err(pg_fault)?;
        Ok(client)
    }

    fn take(&self) -> Result<postgres::Client, Fault> {
        loop {
            let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
            match idle {
                Some(c) if c.is_closed() => continue,
                Some(c) => return Ok(c),
                None => return self.open(),
            }
        }
    }

    fn give_back(&self, client: postgres::Client) {
        if let Ok(mut v) = self.idle.lock() {
            v.push(client);
        }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, Fault> {
        let mut client = self.take()?;
        match f(&mut client) {
            Ok(v) => {
                self.give_back(client);
                Ok(v)
            }
            Err(e) => {
                let fault = pg_fault(e);
                if !matches!(fault, Fault::Unavailable(_)) && !client.is_closed() {
                    self.give_back(client);
                }
                Err(fault)
            }
        }
    }
}

impl Backend for PostgresBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }

    fn scope_sql(&self, scope: &Scope, n: usize) -> (String, Param) {
        let path = format!("{{{}}}", scope.path.join(","));
        let value = match &scope.value {
            ScopeValue::Text(t) => t.clone(),
            ScopeValue::True => "true".into(),
        };
        (
            format!("(t.doc::jsonb #>> '{path}') = ${n}::text"),
            Param::Text(value),
        )
    }

    fn search(
        &self,
        c: &Compiled,
        _deadline: Instant,
    ) -> Result<(Vec<String>, Option<u64>), Fault> {
        self.with(|client| {
            let mut docs = Vec::new();
            if let Some((sql, params)) = &c.select {
                let values: Vec<PgParam> = params.iter().map(sql::postgres::param_value).collect();
                let stmt = client.prepare(sql)?;
                for row in client.query(&stmt, &pg_refs(&values))? {
                    docs.push(row.get::<_, String>(1));
                }
            }
            let count = match &c.count {
                Some((sql, params)) => {
                    let values: Vec<PgParam> =
                        params.iter().map(sql::postgres::param_value).collect();
                    let n: i64 = client.query_one(sql.as_str(), &pg_refs(&values))?.get(0);
                    Some(n as u64)
                }
                None => None,
            };
            Ok((docs, count))
        })
    }

    fn modify(
        &self,
        table: &Table,
        key: &Scope,
        f: &mut dyn FnMut(Option<Value>) -> Result<Option<Change>, ApiError>,
    ) -> Result<Result<Option<Value>, ApiError>, Fault> {
        let (key_sql, key_param) = self.scope_sql(key, 1);
        let key_sql = key_sql.replace("t.doc", "doc");
        let main = Postgres.quote(&table.layout.table);
        let mut parse_error = None;
        let mut library_error = None;
        let result = self.with(|client| {
            let mut tx = client.transaction()?;
            // Writers of one table take turns; searches (ACCESS SHARE) are not blocked.
            tx.batch_execute(&format!("LOCK TABLE {main} IN SHARE ROW EXCLUSIVE MODE"))?;
            let found: Option<(i64, String)> = tx
                .query_opt(
                    &format!("SELECT rid, doc FROM {main} WHERE {key_sql}"),
                    &pg_refs(&[sql::postgres::param_value(&key_param)]),
                )?
                .map(|r| (r.get(0), r.get(1)));
            let current = match &found {
                Some((_, doc)) => match serde_json::from_str(doc) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        parse_error = Some(e.to_string());
                        return Ok(Ok(None));
                    }
                },
                None => None,
            };
            let change = match f(current) {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            let found_id = current_id(&found);
            let written = match apply(change, found_id.as_deref(), |step| match step {
                Step::Delete(id) => sql::postgres::delete(&mut tx, &table.schema, id).map(|_| ()),
                Step::Upsert(record) => {
                    sql::postgres::upsert(&mut tx, &table.schema, record, utc()).map(|_| ())
                }
            }) {
                Ok(w) => w,
                Err(sql::DbError::Postgres(e)) => return Err(e),
                Err(e) => {
                    // Not committed: the transaction rolls back when dropped.
                    library_error = Some(e.to_string());
                    return Ok(Ok(None));
                }
            };
            tx.commit()?;
            Ok(Ok(written))
        })?;
        match (parse_error, library_error) {
            (Some(m), _) => Err(Fault::Failed(format!("stored record is not JSON: {m}"))),
            (_, Some(m)) => Err(Fault::Failed(m)),
            (None, None) => Ok(result),
        }
    }

    fn ensure_loaded(&self, table: &Table, jsonl: &str) -> Result<usize, Fault> {
        let name = table.layout.table.clone();
        // Start-up work, not a request: a connection of its own without the request
        // statement timeout (a 1 ms timeout cancelled this very step on a slow machine).
        let mut client = sql::postgres::connect(&self.url).map_err(db_fault)?;
        let exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
            .map_err(pg_fault)?
            .get(0);
        // The library's load makes the Id index and the layout record; tables that are
        // there must have this build's layout, or every write would fail.
        if exists {
            sql::postgres::check_layout(&mut client, &table.schema).map_err(db_fault)?;
            Ok(0)
        } else {
            sql::postgres::load(&mut client, &table.schema, jsonl.as_bytes(), utc())
                .map_err(db_fault)
        }
    }
}

/// Parses a stored record (for callers outside this module).
pub fn parse_stored(doc: &str) -> Result<Value, Fault> {
    parse_doc(doc)
}
