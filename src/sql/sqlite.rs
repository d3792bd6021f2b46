//! SQLite: connections, the functions the dialect calls, loading and querying.

use std::io::BufRead;

use serde_json::Value;

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, params_from_iter};

pub use super::DbError;
use super::dialect::Sqlite;
use super::layout::Layout;
use super::load::{Row, create_statements, row};
use super::maintain::{self, Cell, Report, Upserted};
use super::{Param, Query};
use crate::plan::Schema;
use crate::semantics::compute::{self, Computed};
use crate::semantics::key::Key;
use crate::syntax::{ArithOp, Function};

/// Opens `sqlite://PATH` or `sqlite::memory:` and prepares the connection.
pub fn open(url: &str) -> Result<Connection, DbError> {
    let conn = if url == "sqlite::memory:" {
        Connection::open_in_memory()?
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Connection::open(path)?
    } else {
        return Err(DbError::Url(url.to_string()));
    };
    prepare(&conn)?;
    Ok(conn)
}

/// Makes a connection ready for the SQLite dialect: case-sensitive `LIKE` (case folding is
/// done by the folded columns), and the functions `spark_regexp`, `spark_arith` and
/// `spark_call`, which run the evaluator's own code.
pub fn prepare(conn: &Connection) -> Result<(), DbError> {
    conn.pragma_update(None, "case_sensitive_like", true)?;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("spark_regexp", 3, flags, |ctx| {
        let ci: bool = ctx.get::<i64>(2)? != 0;
        let re = ctx.get_or_create_aux(
            0,
            |v| -> Result<regex::Regex, Box<dyn std::error::Error + Send + Sync>> {
                Ok(crate::semantics::compile_regex(v.as_str()?, ci)?)
            },
        )?;
        Ok(match ctx.get_raw(1) {
            ValueRef::Text(t) => re.is_match(std::str::from_utf8(t).unwrap_or("")),
            _ => false,
        })
    })?;
    conn.create_scalar_function("spark_arith", 3, flags, |ctx| {
        let op = match ctx.get_raw(0).as_str().unwrap_or("") {
            "Add" => ArithOp::Add,
            "Sub" => ArithOp::Sub,
            "Mul" => ArithOp::Mul,
            "Div" => ArithOp::Div,
            _ => ArithOp::Mod,
        };
        let a = number(ctx.get_raw(1));
        let b = number(ctx.get_raw(2));
        Ok(match (a, b) {
            (Some(a), Some(b)) => to_sql(compute::arith(op, a, b)),
            _ => SqlValue::Null,
        })
    })?;
    conn.create_scalar_function("spark_call", -1, flags, |ctx| {
        let name = ctx.get_raw(0).as_str().unwrap_or("").to_string();
        let Some(function) = Function::from_name(&name) else {
            return Ok(SqlValue::Null);
        };
        let type_code: i64 = ctx.get(1)?;
        let zone = FixedOffset::east_opt(ctx.get::<i64>(3)? as i32)
            .unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
        let value = from_sql(ctx.get_raw(2), type_code);
        if matches!(value, Computed::Null) {
            return Ok(SqlValue::Null);
        }
        let args: Vec<crate::plan::Scalar> = (4..ctx.len())
            .map(|i| match ctx.get_raw(i) {
                ValueRef::Integer(n) => crate::plan::Scalar::Integer(n),
                ValueRef::Text(t) => {
                    crate::plan::Scalar::Text(String::from_utf8_lossy(t).into_owned())
                }
                _ => crate::plan::Scalar::Text(String::new()),
            })
            .collect();
        Ok(to_sql(compute::call(function, value, &args, zone)))
    })?;
    Ok(())
}

fn number(v: ValueRef<'_>) -> Option<Key> {
    match v {
        ValueRef::Integer(i) => Some(Key::Int(i)),
        ValueRef::Real(f) => Some(Key::Num(f)),
        _ => None,
    }
}

/// Reads a stored value of the given type code back into an evaluator value.
fn from_sql(v: ValueRef<'_>, type_code: i64) -> Computed {
    match (type_code, v) {
        (_, ValueRef::Null) => Computed::Null,
        (0, ValueRef::Text(t)) => Computed::Text(String::from_utf8_lossy(t).into_owned()),
        (1, ValueRef::Integer(i)) => Computed::Key(Key::Int(i)),
        (2, ValueRef::Real(f)) => Computed::Key(Key::Num(f)),
        (2, ValueRef::Integer(i)) => Computed::Key(Key::Num(i as f64)),
        (3, ValueRef::Integer(i)) => Computed::Key(Key::Bool(i != 0)),
        (4, ValueRef::Text(t)) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map_or(Computed::Null, |d| Computed::Key(Key::Date(d))),
        (5, ValueRef::Integer(micros)) => chrono::DateTime::from_timestamp_micros(micros)
            .map_or(Computed::Null, |t| Computed::Key(Key::DateTime(t))),
        (6, ValueRef::Text(t)) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok())
            .map_or(Computed::Null, |t| Computed::Key(Key::Time(t))),
        _ => Computed::Null,
    }
}

fn to_sql(c: Computed) -> SqlValue {
    match c {
        Computed::Null => SqlValue::Null,
        Computed::Text(s) => SqlValue::Text(s),
        Computed::Key(k) => param_value(&Param::from(k)),
    }
}

/// A parameter as SQLite stores it.
pub fn param_value(p: &Param) -> SqlValue {
    match p {
        Param::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Param::Int(i) => SqlValue::Integer(*i),
        Param::Float(f) => SqlValue::Real(*f),
        Param::Text(t) => SqlValue::Text(t.to_string()),
        Param::Date(d) => SqlValue::Text(d.format("%Y-%m-%d").to_string()),
        Param::DateTime(t) => SqlValue::Integer(t.timestamp_micros()),
        Param::Time(t) => SqlValue::Text(t.format("%H:%M:%S%.9f").to_string()),
    }
}

/// Creates the tables of `schema` (replacing them, in one transaction: a load that fails
/// leaves the tables as they were) and loads JSONL records, one per line; returns how many
/// records the table holds. Naive datetimes in records are read in `zone`.
///
/// A record's `rid` is its 1-based line number. A record whose string `Id` an earlier line
/// already had replaces that record and keeps its `rid` (the last line wins, as with
/// [`upsert`]). Records without a string `Id` are loaded too (they can be searched, not
/// upserted or deleted); a line that is not JSON fails the load with its line number.
pub fn load(
    conn: &mut Connection,
    schema: &Schema,
    input: impl BufRead,
    zone: FixedOffset,
) -> Result<usize, DbError> {
    let layout = Layout::of(schema);
    let tx = conn.transaction()?;
    for stmt in create_statements(&layout, &Sqlite) {
        tx.execute(&stmt, [])?;
    }
    let n = maintain::load_records(input, |rid, replaces, line, record| {
        if let Some(first) = replaces {
            remove(&tx, &layout, first)?;
        }
        write_row(&tx, &layout, &row(schema, &layout, rid, line, record, zone))
    })?;
    tx.commit()?;
    Ok(n)
}

/// Inserts `record` or replaces the record with its `Id`, in every table of the schema's
/// layout, in one transaction: its own (`BEGIN IMMEDIATE`) on a connection in autocommit
/// mode, a savepoint inside the caller's transaction otherwise (pass a
/// [`rusqlite::Transaction`], which dereferences to a connection). A replaced record keeps
/// its `rid`; a new one gets `max(rid) + 1`. Naive datetimes are read in `zone`.
///
/// Fails with [`DbError::Invalid`] (nothing written) for a record that is not an object,
/// has no string `Id` or has a field of the wrong shape, and with [`DbError::Layout`] when
/// the tables were not built by this build's layout of `schema`.
///
/// ```
/// use spark_filter::{plan::builtin, sql::sqlite};
/// use serde_json::json;
/// let schema = builtin::builtin("accounts").unwrap();
/// let mut conn = sqlite::open("sqlite::memory:").unwrap();
/// let utc = chrono::FixedOffset::east_opt(0).unwrap();
/// sqlite::load(&mut conn, &schema, &b""[..], utc).unwrap();
/// let first = sqlite::upsert(&conn, &schema, &json!({"Id": "a1", "Name": "Ann Lee"}), utc).unwrap();
/// assert!(!first.replaced);
/// let again = sqlite::upsert(&conn, &schema, &json!({"Id": "a1", "Name": "Ann Li"}), utc).unwrap();
/// assert!(again.replaced && again.rid == first.rid);
/// assert!(sqlite::delete(&conn, &schema, "a1").unwrap());
/// assert!(!sqlite::delete(&conn, &schema, "a1").unwrap());
/// ```
pub fn upsert(
    conn: &Connection,
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
    in_transaction(conn, |conn| {
        verify_layout(conn, schema, &layout)?;
        put(conn, schema, &layout, &id, record, zone)
    })
}

/// Removes the record with this `Id` from every table of the schema's layout, in one
/// transaction (as [`upsert`]); true when there was one.
pub fn delete(conn: &Connection, schema: &Schema, id: &str) -> Result<bool, DbError> {
    let layout = Layout::of(schema);
    in_transaction(conn, |conn| {
        verify_layout(conn, schema, &layout)?;
        remove_id(conn, &layout, id)
    })
}

/// Upserts JSONL records, one per line, [`maintain::BATCH`] records per transaction (as
/// [`upsert`]: a savepoint inside the caller's transaction). A line that is not JSON or not
/// a storable record is not written and is reported in [`Report::rejected`] with its line
/// number; the other lines are written. Fails (keeping the batches already committed) on
/// a read or database error.
pub fn upsert_lines(
    conn: &Connection,
    schema: &Schema,
    input: impl BufRead,
    zone: FixedOffset,
) -> Result<Report, DbError> {
    let layout = Layout::of(schema);
    verify_layout(conn, schema, &layout)?;
    maintain::in_batches(schema, input, |batch| {
        in_transaction(conn, |conn| {
            let mut done = Vec::with_capacity(batch.len());
            for record in batch {
                let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
                done.push(put(conn, schema, &layout, id, record, zone)?.replaced);
            }
            Ok(done)
        })
    })
}

/// Checks that the database's layout record for `schema` is this build's: [`DbError::Layout`]
/// says what to do when it is not.
pub fn check_layout(conn: &Connection, schema: &Schema) -> Result<(), DbError> {
    verify_layout(conn, schema, &Layout::of(schema))
}

fn verify_layout(conn: &Connection, schema: &Schema, layout: &Layout) -> Result<(), DbError> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [maintain::LAYOUT_TABLE],
        |r| r.get(0),
    )?;
    let found = if exists {
        let mut stmt = conn.prepare_cached(&maintain::layout_query(&Sqlite))?;
        let mut rows = stmt.query([&layout.table])?;
        match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?)),
            None => None,
        }
    } else {
        None
    };
    maintain::check_layout(schema, layout, &Sqlite, found)
}

/// Runs `f` in a transaction of its own (autocommit connection) or in a savepoint.
fn in_transaction<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let own = conn.is_autocommit();
    conn.execute_batch(if own {
        "BEGIN IMMEDIATE"
    } else {
        "SAVEPOINT spark_filter_write"
    })?;
    let result = f(conn).and_then(|v| {
        conn.execute_batch(if own {
            "COMMIT"
        } else {
            "RELEASE spark_filter_write"
        })?;
        Ok(v)
    });
    if result.is_err() {
        let undo = if own {
            "ROLLBACK"
        } else {
            "ROLLBACK TO spark_filter_write; RELEASE spark_filter_write"
        };
        // The first error is the one to report; a failed rollback (the transaction already
        // ended) adds nothing to it.
        let _ = conn.execute_batch(undo);
    }
    result
}

fn put(
    conn: &Connection,
    schema: &Schema,
    layout: &Layout,
    id: &str,
    record: &Value,
    zone: FixedOffset,
) -> Result<Upserted, DbError> {
    let rids = find(conn, layout, id)?;
    let (rid, replaced) = match rids.first() {
        Some(&first) => {
            for &rid in &rids {
                remove(conn, layout, rid)?;
            }
            (first, true)
        }
        None => {
            let next = conn
                .prepare_cached(&maintain::next_rid_statement(layout, &Sqlite))?
                .query_row([], |r| r.get(0))?;
            (next, false)
        }
    };
    let doc = record.to_string();
    write_row(conn, layout, &row(schema, layout, rid, &doc, record, zone))?;
    Ok(Upserted { rid, replaced })
}

fn find(conn: &Connection, layout: &Layout, id: &str) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(&maintain::find_statement(layout, &Sqlite))?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<Result<Vec<i64>, _>>()?)
}

fn remove_id(conn: &Connection, layout: &Layout, id: &str) -> Result<bool, DbError> {
    let rids = find(conn, layout, id)?;
    for &rid in &rids {
        remove(conn, layout, rid)?;
    }
    Ok(!rids.is_empty())
}

fn remove(conn: &Connection, layout: &Layout, rid: i64) -> Result<(), DbError> {
    for sql in maintain::delete_statements(layout, &Sqlite) {
        conn.prepare_cached(&sql)?.execute([rid])?;
    }
    Ok(())
}

fn write_row(conn: &Connection, layout: &Layout, r: &Row) -> Result<(), DbError> {
    for (sql, cells) in maintain::insert_statements(layout, r, &Sqlite) {
        conn.prepare_cached(&sql)?
            .execute(params_from_iter(cells.iter().map(cell_value)))?;
    }
    Ok(())
}

/// A maintenance cell as SQLite stores it (a list as a JSON array).
pub fn cell_value(c: &Cell) -> SqlValue {
    match c {
        Cell::Value(p) => param_value(p),
        Cell::Null | Cell::List(None) => SqlValue::Null,
        Cell::List(Some(items)) => SqlValue::Text(serde_json::to_string(items).unwrap_or_default()),
    }
}

/// Runs a compiled query: the matching records as (rid, JSON text), in order.
pub fn run(conn: &Connection, query: &Query) -> Result<Vec<(i64, String)>, DbError> {
    let mut stmt = conn.prepare(&query.sql)?;
    let params: Vec<SqlValue> = query.params.iter().map(param_value).collect();
    let rows = stmt.query_map(params_from_iter(params), |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// `EXPLAIN QUERY PLAN` of a compiled query, one line per step.
pub fn explain(conn: &Connection, query: &Query) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", query.sql))?;
    let params: Vec<SqlValue> = query.params.iter().map(param_value).collect();
    let rows = stmt.query_map(params_from_iter(params), |row| row.get::<_, String>(3))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
