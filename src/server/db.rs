//! The server's storage, on the library's async back ends: [`Db`] is a
//! [`sql::pool::SqlitePool`] (rusqlite connections on tokio's blocking pool) or a
//! [`sql::pool::PgPool`] (a deadpool of tokio-postgres connections). The pools bound the
//! connections in use and how long a request waits for one (the statement timeout);
//! PostgreSQL's `statement_timeout` and, on SQLite, a progress handler cancel a statement
//! that runs past it (1516). A PostgreSQL connection that broke is never handed out again
//! (deadpool's recycle check), so the server recovers by itself when the database comes back.
//!
//! Writes are a read-modify-write of one record in one transaction: read the record a key
//! selects, let the handler decide, and apply its change with the library's per-record
//! maintenance inside that transaction (`sql::sqlite::upsert`/`delete` on the blocking pool,
//! `sql::pool::upsert`/`delete` on tokio-postgres), so the search tables a write fills are
//! exactly the ones the loader fills. Only the start-up load of the sample records uses the
//! library's synchronous loaders, before the runtime starts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use spark_filter::plan::Schema;
use spark_filter::sql::pool::{self, PgPool, PgPoolOptions, SqlitePool};
use spark_filter::sql::{self, Dialect, Layout, Param, Postgres, Sqlite, bind};

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

/// The database of the server: the library's pool for its dialect.
#[derive(Clone)]
pub enum Db {
    /// A SQLite file.
    Sqlite {
        /// Its connections.
        pool: SqlitePool,
        /// The statement timeout (a progress handler interrupts a search past it).
        timeout: Duration,
    },
    /// A PostgreSQL server.
    Postgres {
        /// Its connections, with `statement_timeout` set.
        pool: PgPool,
    },
}

/// How long a SQLite call waits for another connection's lock before 1550 (the pool's
/// connections come with a longer one).
const SQLITE_BUSY: Duration = Duration::from_secs(5);

impl Db {
    /// Opens the database of `url` (`sqlite://PATH`, created when missing, or
    /// `postgres://…`), creates and fills each table from its JSONL unless it exists, and
    /// returns the pool with, per table, how many records were loaded (0 when the table was
    /// there). Blocking: call it before the runtime starts.
    pub fn open(
        url: &str,
        pool_size: usize,
        timeout: Duration,
        tables: &[(&Table, &str)],
    ) -> Result<(Db, Vec<usize>), String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let loaded = pg_ensure_loaded(url, tables)?;
            let options = PgPoolOptions::default()
                .max_size(pool_size)
                .statement_timeout(timeout)
                .wait(timeout);
            let pool =
                PgPool::new(url, options).map_err(|e| format!("cannot use the database: {e}"))?;
            Ok((Db::Postgres { pool }, loaded))
        } else if url.starts_with("sqlite://") {
            let loaded = sqlite_ensure_loaded(url, tables)?;
            let pool = SqlitePool::new(url, pool_size)
                .map_err(|e| format!("cannot open {url}: {e}"))?
                .wait(timeout);
            Ok((Db::Sqlite { pool, timeout }, loaded))
        } else {
            Err(format!(
                "the server needs a database file or server: use sqlite://PATH (or no --db for \
                 an embedded one) or postgres://…, not {:?}",
                sql::redact_url(url)
            ))
        }
    }

    /// The dialect the library compiles for.
    pub fn dialect(&self) -> &'static dyn Dialect {
        match self {
            Db::Sqlite { .. } => &Sqlite,
            Db::Postgres { .. } => &Postgres,
        }
    }

    /// SQL that is true when `scope` holds for the record `t`, with the parameter numbered `n`.
    pub fn scope_sql(&self, scope: &Scope, n: usize) -> (String, Param) {
        match self {
            Db::Sqlite { .. } => {
                let path = format!("$.{}", scope.path.join("."));
                let param = match &scope.value {
                    ScopeValue::Text(t) => Param::Text(t.as_str().into()),
                    ScopeValue::True => Param::Int(1),
                };
                (format!("json_extract(t.doc, '{path}') = ?{n}"), param)
            }
            Db::Postgres { .. } => {
                let path = format!("{{{}}}", scope.path.join(","));
                let value = match &scope.value {
                    ScopeValue::Text(t) => t.clone(),
                    ScopeValue::True => "true".into(),
                };
                (
                    format!("(t.doc::jsonb #>> '{path}') = ${n}::text"),
                    Param::Text(value.into()),
                )
            }
        }
    }

    /// Runs a search: the records' JSON text, and the count when asked.
    pub async fn search(&self, c: Compiled) -> Result<(Vec<String>, Option<u64>), ApiError> {
        let result = match self {
            Db::Sqlite { pool, timeout } => {
                let timeout = *timeout;
                pool.with(move |conn| {
                    conn.busy_timeout(SQLITE_BUSY)?;
                    let deadline = Instant::now() + timeout;
                    conn.progress_handler(2_000, Some(move || Instant::now() > deadline));
                    let result = sqlite_search(conn, &c);
                    conn.progress_handler(0, None::<fn() -> bool>);
                    Ok(result)
                })
                .await
                .map_err(db_fault)
                .and_then(|r| r.map_err(sqlite_fault))
            }
            Db::Postgres { pool } => pg_search(pool, &c).await.map_err(db_fault),
        };
        result.map_err(ApiError::from)
    }

    /// Reads the record `key` selects (any visibility), lets `f` decide, and applies its
    /// change to the record and every search table in one transaction. Returns the record
    /// written. A panic in `f` reaches the panic layer (500 with the envelope); nothing is
    /// committed.
    pub async fn modify(
        &self,
        table: Arc<Table>,
        key: Scope,
        mut f: impl FnMut(Option<Value>) -> Result<Option<Change>, ApiError> + Send + 'static,
    ) -> Result<Option<Value>, ApiError> {
        let (key_sql, key_param) = self.scope_sql(&key, 1);
        let key_sql = key_sql.replace("t.doc", "doc");
        let result = match self {
            Db::Sqlite { pool, .. } => pool
                .with(move |conn| Ok(sqlite_modify(conn, &table, &key_sql, &key_param, &mut f)))
                .await
                .map_err(db_fault)
                .and_then(|r| r),
            Db::Postgres { pool } => pg_modify(pool, &table, &key_sql, &key_param, &mut f).await,
        };
        result.map_err(ApiError::from)?
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
fn current_id(found: Option<&Value>) -> Option<&str> {
    found?.get("Id").and_then(Value::as_str)
}

/// The found record's `Id` and the change the handler decided on.
type Decided = (Option<String>, Option<Change>);

/// What the handler decides about the stored record a key found (its JSON text): the
/// record's `Id` and the change, or the handler's refusal. Both back ends' read-modify-write
/// call it between the read and the writes.
fn decide(
    found: Option<&str>,
    f: &mut dyn FnMut(Option<Value>) -> Result<Option<Change>, ApiError>,
) -> Result<Result<Decided, ApiError>, Fault> {
    let current = found.map(parse_doc).transpose()?;
    let found_id = current_id(current.as_ref()).map(str::to_string);
    Ok(f(current).map(|change| (found_id, change)))
}

/// The library writes that apply a change: a delete removes the found record; a put upserts
/// the new record by its `Id`, after removing the found record when the key found one with
/// another `Id`.
fn steps<'a>(change: &'a Option<Change>, found_id: Option<&'a str>) -> Vec<Step<'a>> {
    match change {
        None => vec![],
        Some(Change::Delete) => found_id.map(Step::Delete).into_iter().collect(),
        Some(Change::Put(record)) => {
            let new_id = record.get("Id").and_then(Value::as_str);
            let mut out: Vec<Step<'a>> = found_id
                .filter(|old| Some(*old) != new_id)
                .map(Step::Delete)
                .into_iter()
                .collect();
            out.push(Step::Upsert(record));
            out
        }
    }
}

/// The record a change writes.
fn written(change: Option<Change>) -> Option<Value> {
    match change {
        Some(Change::Put(record)) => Some(record),
        _ => None,
    }
}

fn utc() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(0).expect("UTC")
}

fn parse_doc(doc: &str) -> Result<Value, Fault> {
    serde_json::from_str(doc).map_err(|e| Fault::Failed(format!("stored record is not JSON: {e}")))
}

/// The outcome of a read-modify-write: a database fault, or the handler's own answer.
type Modified = Result<Result<Option<Value>, ApiError>, Fault>;

fn db_fault(e: sql::DbError) -> Fault {
    match e {
        sql::DbError::Postgres(e) => pg_fault(e),
        sql::DbError::Sqlite(e) => sqlite_fault(e),
        sql::DbError::Pool(m) => Fault::Unavailable(m),
        other => Fault::Failed(other.to_string()),
    }
}

// ---- SQLite -----------------------------------------------------------------------------

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

/// Creates the database file (WAL) and the tables that are missing, on a connection of
/// its own; tables that are there must have this build's layout, or every write would fail.
fn sqlite_ensure_loaded(url: &str, tables: &[(&Table, &str)]) -> Result<Vec<usize>, String> {
    let mut conn = sql::sqlite::open(url).map_err(|e| format!("cannot open {url}: {e}"))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| format!("cannot open {url}: {e}"))?;
    let mut loaded = Vec::new();
    for (table, jsonl) in tables {
        let name = &table.layout.table;
        let exists: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .map_err(|e| format!("cannot prepare table {name}: {e}"))?;
        let n = if exists {
            sql::sqlite::check_layout(&conn, &table.schema).map(|()| 0)
        } else {
            sql::sqlite::load(&mut conn, &table.schema, jsonl.as_bytes(), utc())
        }
        .map_err(|e| format!("cannot prepare table {name}: {e}"))?;
        loaded.push(n);
    }
    Ok(loaded)
}

fn sqlite_search(
    conn: &rusqlite::Connection,
    c: &Compiled,
) -> Result<(Vec<String>, Option<u64>), rusqlite::Error> {
    let mut docs = Vec::new();
    if let Some((sql, params)) = &c.select {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            r.get::<_, String>(1)
        })?;
        for r in rows {
            docs.push(r?);
        }
    }
    let count = match &c.count {
        Some((sql, params)) => {
            let n = conn
                .prepare_cached(sql)?
                .query_row(rusqlite::params_from_iter(params.iter()), |r| {
                    r.get::<_, i64>(0)
                })?;
            Some(u64::try_from(n).unwrap_or(0))
        }
        None => None,
    };
    Ok((docs, count))
}

fn sqlite_modify(
    conn: &mut rusqlite::Connection,
    table: &Table,
    key_sql: &str,
    key_param: &Param,
    f: &mut dyn FnMut(Option<Value>) -> Result<Option<Change>, ApiError>,
) -> Modified {
    conn.busy_timeout(SQLITE_BUSY).map_err(sqlite_fault)?;
    let main = Sqlite.quote(&table.layout.table);
    // Writers take turns (IMMEDIATE); searches read the last commit meanwhile (WAL).
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sqlite_fault)?;
    let found: Option<String> = {
        let mut stmt = tx
            .prepare_cached(&format!("SELECT doc FROM {main} WHERE {key_sql}"))
            .map_err(sqlite_fault)?;
        let mut rows = stmt.query([key_param]).map_err(sqlite_fault)?;
        match rows.next().map_err(sqlite_fault)? {
            Some(r) => Some(r.get(0).map_err(sqlite_fault)?),
            None => None,
        }
    };
    let (found_id, change) = match decide(found.as_deref(), f)? {
        Ok(decided) => decided,
        // Not committed: the transaction rolls back when dropped.
        Err(e) => return Ok(Err(e)),
    };
    for step in steps(&change, found_id.as_deref()) {
        match step {
            Step::Delete(id) => sql::sqlite::delete(&tx, &table.schema, id).map(|_| ()),
            Step::Upsert(record) => {
                sql::sqlite::upsert(&tx, &table.schema, record, utc()).map(|_| ())
            }
        }
        .map_err(db_fault)?;
    }
    tx.commit().map_err(sqlite_fault)?;
    Ok(Ok(written(change)))
}

// ---- PostgreSQL -------------------------------------------------------------------------

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

/// Start-up work, not a request: a synchronous connection of its own without the request
/// statement timeout (a 1 ms timeout would cancel the load itself on a slow machine).
fn pg_ensure_loaded(url: &str, tables: &[(&Table, &str)]) -> Result<Vec<usize>, String> {
    let mut client =
        sql::postgres::connect(url).map_err(|e| format!("cannot connect to the database: {e}"))?;
    let mut loaded = Vec::new();
    for (table, jsonl) in tables {
        let name = &table.layout.table;
        let exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[name])
            .map_err(|e| format!("cannot prepare table {name}: {e}"))?
            .get(0);
        // The library's load makes the Id index and the layout record; tables that are
        // there must have this build's layout, or every write would fail.
        let n = if exists {
            sql::postgres::check_layout(&mut client, &table.schema).map(|()| 0)
        } else {
            sql::postgres::load(&mut client, &table.schema, jsonl.as_bytes(), utc())
        }
        .map_err(|e| format!("cannot prepare table {name}: {e}"))?;
        loaded.push(n);
    }
    Ok(loaded)
}

async fn pg_search(
    pool: &PgPool,
    c: &Compiled,
) -> Result<(Vec<String>, Option<u64>), sql::DbError> {
    let client = pool.client().await?;
    let mut docs = Vec::new();
    if let Some((sql, params)) = &c.select {
        let stmt = client.prepare_cached(sql).await?;
        for row in client.query(&stmt, &bind::postgres_params(params)).await? {
            docs.push(row.try_get::<_, String>(1)?);
        }
    }
    let count = match &c.count {
        Some((sql, params)) => {
            let stmt = client.prepare_cached(sql).await?;
            let n: i64 = client
                .query_one(&stmt, &bind::postgres_params(params))
                .await?
                .try_get(0)?;
            Some(u64::try_from(n).unwrap_or(0))
        }
        None => None,
    };
    Ok((docs, count))
}

async fn pg_modify(
    pool: &PgPool,
    table: &Table,
    key_sql: &str,
    key_param: &Param,
    f: &mut (dyn FnMut(Option<Value>) -> Result<Option<Change>, ApiError> + Send),
) -> Modified {
    let main = Postgres.quote(&table.layout.table);
    let mut client = pool.client().await.map_err(db_fault)?;
    let mut tx = client.transaction().await.map_err(pg_fault)?;
    // Writers of one table take turns; searches (ACCESS SHARE) are not blocked.
    tx.batch_execute(&format!("LOCK TABLE {main} IN SHARE ROW EXCLUSIVE MODE"))
        .await
        .map_err(pg_fault)?;
    let found: Option<String> = match tx
        .query_opt(
            &format!("SELECT doc FROM {main} WHERE {key_sql}"),
            &[key_param],
        )
        .await
        .map_err(pg_fault)?
    {
        Some(row) => Some(row.try_get(0).map_err(pg_fault)?),
        None => None,
    };
    let (found_id, change) = match decide(found.as_deref(), f)? {
        Ok(decided) => decided,
        // Not committed: the transaction rolls back when dropped.
        Err(e) => return Ok(Err(e)),
    };
    for step in steps(&change, found_id.as_deref()) {
        match step {
            Step::Delete(id) => pool::delete(&mut *tx, &table.schema, id).await.map(|_| ()),
            Step::Upsert(record) => pool::upsert(&mut *tx, &table.schema, record, utc())
                .await
                .map(|_| ()),
        }
        .map_err(db_fault)?;
    }
    tx.commit().await.map_err(pg_fault)?;
    Ok(Ok(written(change)))
}

/// Parses a stored record (for callers outside this module).
pub fn parse_stored(doc: &str) -> Result<Value, Fault> {
    parse_doc(doc)
}
