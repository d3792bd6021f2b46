//! Async database access for servers on tokio (axum, actix): a pool of tokio-postgres
//! connections (feature `async-postgres`) and a pool of SQLite connections run on tokio's
//! blocking pool (feature `async-sqlite`), both behind [`AsyncDb`].
//!
//! Nothing here starts a runtime, so nothing panics with "Cannot start a runtime from
//! within a runtime": that is what the synchronous `sql::postgres` functions do when they
//! are called inside `#[tokio::main]` (they drive a runtime of their own). In an async
//! program use these pools, or call the synchronous functions from
//! `tokio::task::spawn_blocking`.
//!
//! Parameters bind as the drivers' own types (`Param` implements `ToSql` for both, see
//! [`super::bind`]), so a server can also run compiled SQL on connections of its own: get
//! one with [`PgPool::client`] or [`SqlitePool::with`].
// Each pool is behind its own feature; the module docs link both.
#![cfg_attr(
    not(all(feature = "async-postgres", feature = "async-sqlite")),
    allow(rustdoc::broken_intra_doc_links)
)]

use std::future::Future;

use super::{DbError, Dialect, Query};

/// What an async server needs from a database to answer searches: the rows of a compiled
/// query and the number a count query returns.
///
/// `request::Search::run_async` answers a whole request on any `AsyncDb`.
pub trait AsyncDb: Send + Sync {
    /// The dialect to compile for.
    fn dialect(&self) -> &'static dyn Dialect;

    /// The rows of a compiled `SELECT t.rid, t.doc …`: (row id, JSON text), in order.
    fn rows(
        &self,
        query: &Query,
    ) -> impl Future<Output = Result<Vec<(i64, String)>, DbError>> + Send;

    /// The single integer a `SELECT COUNT(*) …` returns.
    fn count(&self, query: &Query) -> impl Future<Output = Result<u64, DbError>> + Send;
}

#[cfg(feature = "async-postgres")]
pub use self::postgres::{PgPool, PgPoolOptions, delete, upsert};

#[cfg(feature = "async-postgres")]
mod postgres {
    use std::str::FromStr;
    use std::time::Duration;

    use std::collections::HashMap;

    use chrono::FixedOffset;
    use deadpool_postgres::tokio_postgres::{Config, GenericClient, NoTls, Statement, Transaction};
    use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
    use serde_json::Value;

    use super::AsyncDb;
    use crate::plan::Schema;
    use crate::sql::load::row;
    use crate::sql::maintain::{self, Upserted};
    use crate::sql::postgres::{cell_params, retryable};
    use crate::sql::{DbError, Dialect, Layout, Postgres, Query, bind};

    /// How a [`PgPool`] is sized and how long its statements and waits may take.
    #[derive(Clone, Debug)]
    #[non_exhaustive]
    pub struct PgPoolOptions {
        /// At most this many connections at once (default 16).
        pub max_size: usize,
        /// `statement_timeout` of every connection (default: none). A cancelled statement
        /// is a [`DbError::Postgres`] whose SQLSTATE is `57014`.
        pub statement_timeout: Option<Duration>,
        /// How long a caller waits for a free slot of the pool before [`DbError::Pool`]
        /// (default 30 s). Opening a new connection is not part of the wait (bound it with
        /// the URL's `connect_timeout`), so a short wait does not fail every first use.
        pub wait: Duration,
    }

    impl PgPoolOptions {
        /// At most `n` connections at once.
        pub fn max_size(mut self, n: usize) -> PgPoolOptions {
            self.max_size = n;
            self
        }

        /// The `statement_timeout` of every connection.
        pub fn statement_timeout(mut self, t: Duration) -> PgPoolOptions {
            self.statement_timeout = Some(t);
            self
        }

        /// How long a caller waits for a free slot of the pool.
        pub fn wait(mut self, t: Duration) -> PgPoolOptions {
            self.wait = t;
            self
        }
    }

    impl Default for PgPoolOptions {
        fn default() -> PgPoolOptions {
            PgPoolOptions {
                max_size: 16,
                statement_timeout: None,
                wait: Duration::from_secs(30),
            }
        }
    }

    /// A pool of tokio-postgres connections (deadpool-postgres). Connections open on
    /// demand; a broken one is dropped and replaced on the next call, so the pool recovers
    /// by itself when the server comes back.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), spark_filter::sql::DbError> {
    /// use spark_filter::sql::pool::{AsyncDb, PgPool, PgPoolOptions};
    /// use spark_filter::sql::{Param, Query};
    /// let pool = PgPool::new("postgres://app@localhost/listings", PgPoolOptions::default())?;
    /// let q = Query {
    ///     sql: "SELECT count(*) FROM accounts WHERE doc::jsonb->>'UserType' = $1".into(),
    ///     params: vec![Param::Text("Member".into())],
    /// };
    /// let members = pool.count(&q).await?;
    /// # Ok(()) }
    /// ```
    #[derive(Clone)]
    pub struct PgPool {
        pool: Pool,
        wait: Duration,
    }

    impl PgPool {
        /// A pool on `postgres://user[:password]@host[:port]/db` (no TLS). No connection is
        /// made here; the first call makes one. A URL that cannot be read is an error that
        /// does not repeat the URL (it may hold a password).
        pub fn new(url: &str, options: PgPoolOptions) -> Result<PgPool, DbError> {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(DbError::Url(crate::sql::redact_url(url)));
            }
            let mut config = Config::from_str(url).map_err(DbError::Postgres)?;
            if let Some(t) = options.statement_timeout {
                let ms = t.as_millis().max(1);
                let options = match config.get_options() {
                    Some(o) => format!("{o} -c statement_timeout={ms}"),
                    None => format!("-c statement_timeout={ms}"),
                };
                config.options(&options);
            }
            let manager = Manager::from_config(
                config,
                NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            let pool = Pool::builder(manager)
                .max_size(options.max_size.max(1))
                .wait_timeout(Some(options.wait))
                .runtime(Runtime::Tokio1)
                .build()
                .map_err(|e| DbError::Pool(e.to_string()))?;
            Ok(PgPool {
                pool,
                wait: options.wait,
            })
        }

        /// A connection of the pool, for statements of the caller's own (its own
        /// transactions, `prepare_cached`); it goes back to the pool when dropped. A
        /// connection whose server went away is not handed out again: the next call opens a
        /// new one. No free slot within the pool's `wait` is [`DbError::Pool`]; a connection
        /// that cannot be opened is the server's [`DbError::Postgres`].
        pub async fn client(&self) -> Result<deadpool_postgres::Object, DbError> {
            match self.pool.get().await {
                Ok(client) => Ok(client),
                Err(PoolError::Backend(e)) => Err(DbError::Postgres(e)),
                Err(PoolError::Timeout(_)) => Err(DbError::Pool(format!(
                    "no free connection within {} ms",
                    self.wait.as_millis()
                ))),
                Err(e) => Err(DbError::Pool(e.to_string())),
            }
        }
    }

    impl AsyncDb for PgPool {
        fn dialect(&self) -> &'static dyn Dialect {
            &Postgres
        }

        async fn rows(&self, query: &Query) -> Result<Vec<(i64, String)>, DbError> {
            let client = self.client().await?;
            let stmt = client.prepare_cached(&query.sql).await?;
            let rows = client
                .query(&stmt, &bind::postgres_params(&query.params))
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect()
        }

        async fn count(&self, query: &Query) -> Result<u64, DbError> {
            let client = self.client().await?;
            let stmt = client.prepare_cached(&query.sql).await?;
            let row = client
                .query_one(&stmt, &bind::postgres_params(&query.params))
                .await?;
            let n: i64 = row.try_get(0)?;
            Ok(u64::try_from(n).unwrap_or(0))
        }
    }

    /// Runs one write (`|tx| future`) in a transaction of `client` (a savepoint in the
    /// caller's) and commits it; a deadlock or serialization failure rolls back and tries
    /// again, at most [`maintain::PG_ATTEMPTS`] times, with [`maintain::pg_retry_pause`]
    /// between tries. A macro rather than a function taking an async closure: the futures
    /// it builds stay `Send` (an `AsyncFn` bound cannot say so), so writes run in spawned
    /// tasks.
    macro_rules! retried {
        ($client:expr, |$tx:ident| $write:expr) => {{
            let mut attempt = 1;
            loop {
                let transaction = $client.transaction().await?;
                let $tx = &transaction;
                let result = match $write.await {
                    Ok(done) => transaction
                        .commit()
                        .await
                        .map(|()| done)
                        .map_err(DbError::from),
                    Err(e) => Err(e),
                };
                match result {
                    Err(e) if retryable(&e) && attempt < maintain::PG_ATTEMPTS => {
                        tokio::time::sleep(maintain::pg_retry_pause(attempt)).await;
                        attempt += 1;
                    }
                    other => break other,
                }
            }
        }};
    }

    /// Inserts `record` or replaces the record with its `Id`, in every table of the
    /// schema's layout, in one transaction: the async twin of
    /// [`sql::postgres::upsert`](crate::sql::postgres::upsert) on tokio-postgres, with the
    /// same statements ([`maintain`]), the same result and the same guarantees. On a
    /// `Client` the write is a transaction of its own; on a `Transaction` (the caller's) it is
    /// a savepoint inside it, and commits with the caller's transaction.
    ///
    /// A replaced record keeps its `rid`; a new one gets `max(rid) + 1`. Naive datetimes are
    /// read in `zone`. Concurrent writers take a transaction-scoped advisory lock on
    /// (table, `Id`) ([`maintain::PG_ID_LOCK`]), and a new record one on the table's `rid`
    /// allocation ([`maintain::PG_RID_LOCK`]); a deadlock or serialization failure is
    /// retried, the whole write again. Fails with [`DbError::Invalid`] (nothing written) for
    /// a record that cannot be stored by its `Id` and with [`DbError::Layout`] when the
    /// tables were not built by this build's layout of `schema`.
    ///
    /// A pooled connection ([`PgPool::client`]) is a tokio-postgres `Client` behind two
    /// derefs; a transaction of deadpool's, behind one:
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), spark_filter::sql::DbError> {
    /// use serde_json::json;
    /// use spark_filter::plan::builtin;
    /// use spark_filter::sql::pool::{self, PgPool, PgPoolOptions};
    /// let schema = builtin::builtin("accounts").unwrap();
    /// let utc = chrono::FixedOffset::east_opt(0).unwrap();
    /// let pg = PgPool::new("postgres://postgres@localhost/postgres", PgPoolOptions::default())?;
    /// let mut client = pg.client().await?;
    /// let done = pool::upsert(&mut **client, &schema, &json!({"Id": "a1", "Name": "Ann Lee"}), utc)
    ///     .await?;
    /// assert!(!done.replaced || done.rid > 0);
    /// // Several writes in one transaction of the caller's: all or none.
    /// let mut tx = client.transaction().await?;
    /// pool::upsert(&mut *tx, &schema, &json!({"Id": "a2", "Name": "Bo Li"}), utc).await?;
    /// assert!(pool::delete(&mut *tx, &schema, "a1").await?);
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn upsert<C: GenericClient>(
        client: &mut C,
        schema: &Schema,
        record: &Value,
        zone: FixedOffset,
    ) -> Result<Upserted, DbError> {
        let id = maintain::checked_id(schema, record).map_err(|message| DbError::Invalid {
            line: None,
            message,
        })?;
        let layout = Layout::of(schema);
        retried!(client, |tx| put(tx, schema, &layout, id, record, zone))
    }

    /// Removes the record with this `Id` from every table of the schema's layout, in one
    /// transaction (a savepoint in the caller's), with the lock of [`upsert`]; true when
    /// there was one. The async twin of
    /// [`sql::postgres::delete`](crate::sql::postgres::delete).
    ///
    /// ```no_run
    /// # async fn f(pg: spark_filter::sql::pool::PgPool) -> Result<(), spark_filter::sql::DbError> {
    /// use spark_filter::{plan::builtin, sql::pool};
    /// let schema = builtin::builtin("accounts").unwrap();
    /// let mut client = pg.client().await?;
    /// let gone = pool::delete(&mut **client, &schema, "20000426143505724621000000").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete<C: GenericClient>(
        client: &mut C,
        schema: &Schema,
        id: &str,
    ) -> Result<bool, DbError> {
        let layout = Layout::of(schema);
        retried!(client, |tx| remove_id(tx, schema, &layout, id))
    }

    /// Prepared statements of one write, by SQL text (a record's child rows share theirs).
    type Statements = HashMap<String, Statement>;

    async fn prepared(
        tx: &Transaction<'_>,
        cache: &mut Statements,
        sql: String,
    ) -> Result<Statement, DbError> {
        if let Some(s) = cache.get(&sql) {
            return Ok(s.clone());
        }
        let stmt = tx.prepare(&sql).await?;
        cache.insert(sql, stmt.clone());
        Ok(stmt)
    }

    async fn verify_layout(
        tx: &Transaction<'_>,
        schema: &Schema,
        layout: &Layout,
    ) -> Result<(), DbError> {
        let exists: bool = tx
            .query_one(maintain::PG_LAYOUT_EXISTS, &[&maintain::LAYOUT_TABLE])
            .await?
            .try_get(0)?;
        let found = if exists {
            match tx
                .query_opt(maintain::layout_query(&Postgres).as_str(), &[&layout.table])
                .await?
            {
                Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
                None => None,
            }
        } else {
            None
        };
        maintain::check_layout(schema, layout, &Postgres, found)
    }

    /// The `rid`s of the records with this `Id`, after taking the `Id`'s lock.
    async fn lock_and_find(
        tx: &Transaction<'_>,
        cache: &mut Statements,
        layout: &Layout,
        id: &str,
    ) -> Result<Vec<i64>, DbError> {
        tx.execute(maintain::PG_ID_LOCK, &[&layout.table, &id])
            .await?;
        let stmt = prepared(tx, cache, maintain::find_statement(layout, &Postgres)).await?;
        tx.query(&stmt, &[&id])
            .await?
            .iter()
            .map(|r| r.try_get(0).map_err(DbError::from))
            .collect()
    }

    async fn remove_rid(
        tx: &Transaction<'_>,
        cache: &mut Statements,
        layout: &Layout,
        rid: i64,
    ) -> Result<(), DbError> {
        for sql in maintain::delete_statements(layout, &Postgres) {
            let stmt = prepared(tx, cache, sql).await?;
            tx.execute(&stmt, &[&rid]).await?;
        }
        Ok(())
    }

    async fn remove_id(
        tx: &Transaction<'_>,
        schema: &Schema,
        layout: &Layout,
        id: &str,
    ) -> Result<bool, DbError> {
        verify_layout(tx, schema, layout).await?;
        let mut cache = Statements::new();
        let rids = lock_and_find(tx, &mut cache, layout, id).await?;
        for &rid in &rids {
            remove_rid(tx, &mut cache, layout, rid).await?;
        }
        Ok(!rids.is_empty())
    }

    async fn put(
        tx: &Transaction<'_>,
        schema: &Schema,
        layout: &Layout,
        id: &str,
        record: &Value,
        zone: FixedOffset,
    ) -> Result<Upserted, DbError> {
        verify_layout(tx, schema, layout).await?;
        let mut cache = Statements::new();
        let rids = lock_and_find(tx, &mut cache, layout, id).await?;
        let (rid, replaced) = match rids.first() {
            Some(&first) => {
                for &rid in &rids {
                    remove_rid(tx, &mut cache, layout, rid).await?;
                }
                (first, true)
            }
            None => {
                tx.execute(maintain::PG_RID_LOCK, &[&maintain::pg_rid_lock_key(layout)])
                    .await?;
                let sql = maintain::next_rid_statement(layout, &Postgres);
                (tx.query_one(sql.as_str(), &[]).await?.try_get(0)?, false)
            }
        };
        let doc = record.to_string();
        let r = row(schema, layout, rid, &doc, record, zone);
        for (sql, cells) in maintain::insert_statements(layout, &r, &Postgres) {
            let stmt = prepared(tx, &mut cache, sql).await?;
            tx.execute(&stmt, &cell_params(&cells)).await?;
        }
        Ok(Upserted { rid, replaced })
    }
}

#[cfg(feature = "async-sqlite")]
pub use self::sqlite::SqlitePool;

#[cfg(feature = "async-sqlite")]
mod sqlite {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use rusqlite::Connection;
    use tokio::sync::Semaphore;

    use super::AsyncDb;
    use crate::sql::{DbError, Dialect, Query, Sqlite};

    /// SQLite connections (rusqlite, with the evaluator's functions registered) used on
    /// tokio's blocking pool: at most `max_size` calls at once, each on a connection of its
    /// own, so a slow query never blocks the async workers. WAL mode lets searches run
    /// while a write commits.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), spark_filter::sql::DbError> {
    /// use spark_filter::sql::pool::SqlitePool;
    /// let pool = SqlitePool::new("sqlite://accounts.db", 4)?;
    /// let n: i64 = pool
    ///     .with(|conn| Ok(conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[derive(Clone)]
    pub struct SqlitePool {
        path: Arc<str>,
        idle: Arc<Mutex<Vec<Connection>>>,
        permits: Arc<Semaphore>,
        wait: Option<Duration>,
    }

    impl SqlitePool {
        /// A pool on the file of `sqlite://PATH`, which must exist (opening a missing file
        /// would create an empty database that answers every search with nothing).
        /// `sqlite::memory:` is refused: each connection would see a database of its own.
        pub fn new(url: &str, max_size: usize) -> Result<SqlitePool, DbError> {
            let Some(path) = url.strip_prefix("sqlite://") else {
                return Err(DbError::Url(url.to_string()));
            };
            if !std::path::Path::new(path).exists() {
                return Err(DbError::Pool(format!("no SQLite database at {path}")));
            }
            Ok(SqlitePool {
                path: path.into(),
                idle: Arc::new(Mutex::new(Vec::new())),
                permits: Arc::new(Semaphore::new(max_size.max(1))),
                wait: None,
            })
        }

        /// Bounds how long a call waits for one of the `max_size` connections: past it the
        /// call fails with [`DbError::Pool`] (default: it waits as long as it takes).
        ///
        /// ```no_run
        /// # fn f() -> Result<(), spark_filter::sql::DbError> {
        /// use spark_filter::sql::pool::SqlitePool;
        /// let pool = SqlitePool::new("sqlite://accounts.db", 4)?
        ///     .wait(std::time::Duration::from_secs(2));
        /// # Ok(()) }
        /// ```
        pub fn wait(mut self, t: Duration) -> SqlitePool {
            self.wait = Some(t);
            self
        }

        /// Runs `f` with a connection of the pool on tokio's blocking pool. A panic in `f`
        /// is passed on to the caller; the connection it held is dropped.
        pub async fn with<T: Send + 'static>(
            &self,
            f: impl FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
        ) -> Result<T, DbError> {
            let acquire = self.permits.clone().acquire_owned();
            let permit = match self.wait {
                Some(wait) => tokio::time::timeout(wait, acquire).await.map_err(|_| {
                    DbError::Pool(format!("no free connection within {} ms", wait.as_millis()))
                })?,
                None => acquire.await,
            }
            .map_err(|_| DbError::Pool("the pool is closed".into()))?;
            let (path, idle) = (self.path.clone(), self.idle.clone());
            let joined = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let reused = idle.lock().ok().and_then(|mut v| v.pop());
                let mut conn = match reused {
                    Some(c) => c,
                    None => open(&path)?,
                };
                let result = f(&mut conn);
                if let Ok(mut v) = idle.lock() {
                    v.push(conn);
                }
                result
            })
            .await;
            match joined {
                Ok(result) => result,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => Err(DbError::Pool(e.to_string())),
            }
        }
    }

    fn open(path: &str) -> Result<Connection, DbError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        crate::sql::sqlite::prepare(&conn)?;
        Ok(conn)
    }

    impl AsyncDb for SqlitePool {
        fn dialect(&self) -> &'static dyn Dialect {
            &Sqlite
        }

        async fn rows(&self, query: &Query) -> Result<Vec<(i64, String)>, DbError> {
            let query = query.clone();
            self.with(move |conn| crate::sql::sqlite::run(conn, &query))
                .await
        }

        async fn count(&self, query: &Query) -> Result<u64, DbError> {
            let query = query.clone();
            self.with(move |conn| {
                let mut stmt = conn.prepare_cached(&query.sql)?;
                let n: i64 = stmt
                    .query_row(rusqlite::params_from_iter(query.params.iter()), |r| {
                        r.get(0)
                    })?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
        }
    }
}
