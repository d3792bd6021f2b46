//! PostgreSQL: connections, loading and querying.

use std::io::BufRead;

use chrono::FixedOffset;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Transaction};
use serde_json::Value;

use super::dialect::Postgres;
use super::layout::Layout;
use super::load::{Row, create_statements, row};
use super::maintain::{self, Cell, Report, Upserted};
use super::{DbError, Param, Query};
use crate::plan::Schema;

/// Connects to `postgres://user@host[:port]/db` (no TLS: a server on this machine or a
/// trusted network).
pub fn connect(url: &str) -> Result<Client, DbError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(DbError::Url(url.to_string()));
    }
    Ok(Client::connect(url, NoTls)?)
}

/// A parameter as the PostgreSQL client binds it.
pub fn param_value(p: &Param) -> Box<dyn ToSql + Sync> {
    match p {
        Param::Bool(b) => Box::new(*b),
        Param::Int(i) => Box::new(*i),
        Param::Float(f) => Box::new(*f),
        Param::Text(t) => Box::new(t.to_string()),
        Param::Date(d) => Box::new(*d),
        Param::DateTime(t) => Box::new(*t),
        Param::Time(t) => Box::new(*t),
    }
}

/// Creates the tables of `schema` (replacing them, in one transaction: a load that fails
/// leaves the tables as they were) and loads JSONL records; returns how many records the
/// table holds. Naive datetimes in records are read in `zone`. Row ids and duplicate `Id`s
/// as in [`crate::sql::sqlite::load`]: `rid` is the line number, and a later line with the
/// same string `Id` replaces the earlier record, keeping its `rid`.
// The link names the SQLite driver, which only the `sqlite` feature builds.
#[cfg_attr(not(feature = "sqlite"), allow(rustdoc::broken_intra_doc_links))]
pub fn load(
    client: &mut Client,
    schema: &Schema,
    input: impl BufRead,
    zone: FixedOffset,
) -> Result<usize, DbError> {
    let layout = Layout::of(schema);
    let mut tx = client.transaction()?;
    for stmt in create_statements(&layout, &Postgres) {
        tx.batch_execute(&stmt)?;
    }
    let mut cache = Statements::new();
    let n = maintain::load_records(input, |rid, replaces, line, record| {
        if let Some(first) = replaces {
            remove(&mut tx, &mut cache, &layout, first)?;
        }
        let row = row(schema, &layout, rid, line, record, zone);
        write_row(&mut tx, &mut cache, &layout, &row)
    })?;
    tx.commit()?;
    Ok(n)
}

/// Inserts `record` or replaces the record with its `Id`, in every table of the schema's
/// layout, in one transaction: on a [`Client`] a transaction of its own, on a
/// [`postgres::Transaction`] a savepoint inside it. A replaced record keeps its `rid`; a new
/// one gets `max(rid) + 1`. Naive datetimes are read in `zone`.
///
/// Concurrent writers: the write takes a transaction-scoped advisory lock on (table, `Id`),
/// so writers of one `Id` take turns and writers of different `Id`s run side by side, and a
/// new record also takes a lock on the table's `rid` allocation until its transaction ends.
/// A deadlock or serialization failure is retried (a few times, the whole write again).
/// Inside a caller's transaction that writes several records, the locks are held until the
/// caller commits.
///
/// Fails with [`DbError::Invalid`] (nothing written) for a record that is not an object,
/// has no string `Id` or has a field of the wrong shape, and with [`DbError::Layout`] when
/// the tables were not built by this build's layout of `schema`.
///
/// ```no_run
/// use spark_filter::{plan::builtin, sql::postgres};
/// use serde_json::json;
/// let schema = builtin::builtin("accounts").unwrap();
/// let mut client = postgres::connect("postgres://postgres@localhost/postgres").unwrap();
/// let utc = chrono::FixedOffset::east_opt(0).unwrap();
/// postgres::upsert(&mut client, &schema, &json!({"Id": "a1", "Name": "Ann Lee"}), utc).unwrap();
/// // In a transaction of the caller's: a savepoint.
/// let mut tx = client.transaction().unwrap();
/// postgres::upsert(&mut tx, &schema, &json!({"Id": "a2", "Name": "Bo Li"}), utc).unwrap();
/// assert!(postgres::delete(&mut tx, &schema, "a1").unwrap());
/// tx.commit().unwrap();
/// ```
pub fn upsert(
    client: &mut impl GenericClient,
    schema: &Schema,
    record: &Value,
    zone: FixedOffset,
) -> Result<Upserted, DbError> {
    let id = maintain::checked_id(schema, record)
        .map_err(|message| DbError::Invalid {
            line: None,
            message,
        })?
        .to_string();
    let layout = Layout::of(schema);
    retrying(client, |tx| {
        verify_layout(tx, schema, &layout)?;
        put(
            tx,
            &mut Statements::new(),
            schema,
            &layout,
            &id,
            record,
            zone,
        )
    })
}

/// Removes the record with this `Id` from every table of the schema's layout, in one
/// transaction (as [`upsert`], with the same lock); true when there was one.
pub fn delete(client: &mut impl GenericClient, schema: &Schema, id: &str) -> Result<bool, DbError> {
    let layout = Layout::of(schema);
    retrying(client, |tx| {
        verify_layout(tx, schema, &layout)?;
        let mut cache = Statements::new();
        lock_id(tx, &layout, id)?;
        let rids = find(tx, &mut cache, &layout, id)?;
        for &rid in &rids {
            remove(tx, &mut cache, &layout, rid)?;
        }
        Ok(!rids.is_empty())
    })
}

/// Upserts JSONL records, one per line, [`maintain::BATCH`] records per transaction (as
/// [`upsert`]). A line that is not JSON or not a storable record is not written and is
/// reported in [`Report::rejected`] with its line number; the other lines are written.
/// Fails (keeping the batches already committed) on a read or database error.
pub fn upsert_lines(
    client: &mut impl GenericClient,
    schema: &Schema,
    input: impl BufRead,
    zone: FixedOffset,
) -> Result<Report, DbError> {
    let layout = Layout::of(schema);
    {
        let mut tx = client.transaction()?;
        verify_layout(&mut tx, schema, &layout)?;
    }
    let mut cache = Statements::new();
    maintain::in_batches(schema, input, |batch| {
        retrying(client, |tx| {
            let mut done = Vec::with_capacity(batch.len());
            for record in batch {
                let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
                done.push(put(tx, &mut cache, schema, &layout, id, record, zone)?.replaced);
            }
            Ok(done)
        })
    })
}

/// Checks that the database's layout record for `schema` is this build's: [`DbError::Layout`]
/// says what to do when it is not.
pub fn check_layout(client: &mut impl GenericClient, schema: &Schema) -> Result<(), DbError> {
    let mut tx = client.transaction()?;
    verify_layout(&mut tx, schema, &Layout::of(schema))
}

fn verify_layout(
    tx: &mut Transaction<'_>,
    schema: &Schema,
    layout: &Layout,
) -> Result<(), DbError> {
    let exists: bool = tx
        .query_one(maintain::PG_LAYOUT_EXISTS, &[&maintain::LAYOUT_TABLE])?
        .get(0);
    let found = if exists {
        tx.query_opt(maintain::layout_query(&Postgres).as_str(), &[&layout.table])?
            .map(|r| (r.get(0), r.get(1)))
    } else {
        None
    };
    maintain::check_layout(schema, layout, &Postgres, found)
}

/// Whether a write that failed with `e` (a deadlock, a serialization failure) is tried again.
pub(crate) fn retryable(e: &DbError) -> bool {
    use postgres::error::SqlState;
    match e {
        DbError::Postgres(e) => e.code().is_some_and(|c| {
            *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
        }),
        _ => false,
    }
}

/// Runs `f` in a transaction (a savepoint when `client` is a transaction) and commits it,
/// again from the start after a deadlock or a serialization failure.
fn retrying<T>(
    client: &mut impl GenericClient,
    mut f: impl FnMut(&mut Transaction<'_>) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let mut attempt = 1;
    loop {
        let mut tx = client.transaction()?;
        let result = f(&mut tx).and_then(|v| {
            tx.commit()?;
            Ok(v)
        });
        match result {
            Err(e) if retryable(&e) && attempt < maintain::PG_ATTEMPTS => {
                std::thread::sleep(maintain::pg_retry_pause(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Writers of one `Id` (of one table) take turns until their transaction ends.
fn lock_id(tx: &mut Transaction<'_>, layout: &Layout, id: &str) -> Result<(), DbError> {
    tx.execute(maintain::PG_ID_LOCK, &[&layout.table, &id])?;
    Ok(())
}

fn put(
    tx: &mut Transaction<'_>,
    cache: &mut Statements,
    schema: &Schema,
    layout: &Layout,
    id: &str,
    record: &Value,
    zone: FixedOffset,
) -> Result<Upserted, DbError> {
    lock_id(tx, layout, id)?;
    let rids = find(tx, cache, layout, id)?;
    let (rid, replaced) = match rids.first() {
        Some(&first) => {
            for &rid in &rids {
                remove(tx, cache, layout, rid)?;
            }
            (first, true)
        }
        None => {
            // New records of one table take turns for max(rid) + 1.
            tx.execute(maintain::PG_RID_LOCK, &[&maintain::pg_rid_lock_key(layout)])?;
            let stmt = prepared(tx, cache, maintain::next_rid_statement(layout, &Postgres))?;
            (tx.query_one(&stmt, &[])?.get(0), false)
        }
    };
    let doc = record.to_string();
    write_row(
        tx,
        cache,
        layout,
        &row(schema, layout, rid, &doc, record, zone),
    )?;
    Ok(Upserted { rid, replaced })
}

fn find(
    tx: &mut Transaction<'_>,
    cache: &mut Statements,
    layout: &Layout,
    id: &str,
) -> Result<Vec<i64>, DbError> {
    let stmt = prepared(tx, cache, maintain::find_statement(layout, &Postgres))?;
    Ok(tx.query(&stmt, &[&id])?.iter().map(|r| r.get(0)).collect())
}

fn remove(
    tx: &mut Transaction<'_>,
    cache: &mut Statements,
    layout: &Layout,
    rid: i64,
) -> Result<(), DbError> {
    for sql in maintain::delete_statements(layout, &Postgres) {
        let stmt = prepared(tx, cache, sql)?;
        tx.execute(&stmt, &[&rid])?;
    }
    Ok(())
}

fn write_row(
    tx: &mut Transaction<'_>,
    cache: &mut Statements,
    layout: &Layout,
    r: &Row,
) -> Result<(), DbError> {
    for (sql, cells) in maintain::insert_statements(layout, r, &Postgres) {
        let stmt = prepared(tx, cache, sql)?;
        tx.execute(&stmt, &cell_params(&cells))?;
    }
    Ok(())
}

/// A maintenance cell as the PostgreSQL client binds it (a list as `text[]`).
pub fn cell_value(c: &Cell) -> Box<dyn ToSql + Sync> {
    match c {
        Cell::Value(p) => param_value(p),
        Cell::Null => Box::new(Null),
        Cell::List(l) => Box::new(l.clone()),
    }
}

/// The cells of a maintenance statement as the postgres drivers (synchronous and
/// tokio-postgres) take them.
pub fn cell_params(cells: &[Cell]) -> Vec<&(dyn ToSql + Sync)> {
    cells.iter().map(|c| c as &(dyn ToSql + Sync)).collect()
}

/// A cell binds as its value, NULL, or a `text[]` (a list); the kind it holds is checked
/// against the placeholder's type, as for [`Param`].
impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Cell::Value(p) => p.to_sql(ty, out),
            Cell::Null => Ok(postgres::types::IsNull::Yes),
            Cell::List(l) => l.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Cell::Value(p) => p.to_sql_checked(ty, out),
            Cell::Null => Ok(postgres::types::IsNull::Yes),
            Cell::List(l) => l.to_sql_checked(ty, out),
        }
    }
}

/// SQL NULL for a parameter of any type.
#[derive(Debug)]
struct Null;

impl ToSql for Null {
    fn to_sql(
        &self,
        _: &postgres::types::Type,
        _: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(postgres::types::IsNull::Yes)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

type Statements = std::collections::HashMap<String, postgres::Statement>;

fn prepared(
    tx: &mut Transaction<'_>,
    cache: &mut Statements,
    sql: String,
) -> Result<postgres::Statement, DbError> {
    if let Some(s) = cache.get(&sql) {
        return Ok(s.clone());
    }
    let stmt = tx.prepare(&sql)?;
    cache.insert(sql, stmt.clone());
    Ok(stmt)
}

/// Runs a compiled query: the matching records as (rid, JSON text), in order.
pub fn run(client: &mut Client, query: &Query) -> Result<Vec<(i64, String)>, DbError> {
    let values: Vec<Box<dyn ToSql + Sync>> = query.params.iter().map(param_value).collect();
    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
    let rows = client.query(&query.sql, &params)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// `EXPLAIN` of a compiled query, one line per plan line.
pub fn explain(client: &mut Client, query: &Query) -> Result<Vec<String>, DbError> {
    let values: Vec<Box<dyn ToSql + Sync>> = query.params.iter().map(param_value).collect();
    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
    let rows = client.query(&format!("EXPLAIN {}", query.sql), &params)?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
