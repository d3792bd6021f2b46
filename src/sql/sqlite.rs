//! SQLite: connections, the functions the dialect calls, loading and querying.

use std::io::BufRead;

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, params_from_iter};

pub use super::DbError;
use super::dialect::Sqlite;
use super::layout::Layout;
use super::load::{Row, create_statements, records};
use super::{Param, Query};
use crate::eval::Key;
use crate::eval::compute::{self, Computed};
use crate::plan::Schema;
use crate::syntax::{ArithOp, Function, value};

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
                Ok(value::build_regex(
                    v.as_str()?,
                    ci,
                    value::REGEX_SIZE_LIMIT,
                )?)
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
        Param::Text(t) => SqlValue::Text(t.clone()),
        Param::Date(d) => SqlValue::Text(d.format("%Y-%m-%d").to_string()),
        Param::DateTime(t) => SqlValue::Integer(t.timestamp_micros()),
        Param::Time(t) => SqlValue::Text(t.format("%H:%M:%S%.9f").to_string()),
    }
}

/// Creates the tables of `schema` (replacing them) and loads JSONL records, one per line;
/// returns how many were loaded. Naive datetimes in records are read in `zone`.
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
    let mut n = 0;
    for r in records(schema, &layout, input, zone) {
        insert(&tx, &layout, &r?)?;
        n += 1;
    }
    tx.commit()?;
    Ok(n)
}

fn insert(conn: &Connection, layout: &Layout, r: &Row) -> Result<(), DbError> {
    let q = |s: &str| format!("\"{s}\"");
    let mut names = vec!["rid".to_string(), "doc".to_string()];
    let mut values = vec![SqlValue::Integer(r.rid), SqlValue::Text(r.doc.clone())];
    for (col, v) in &r.columns {
        names.push(q(col));
        values.push(v.as_ref().map_or(SqlValue::Null, param_value));
    }
    for (col, list) in &r.lists {
        names.push(q(col));
        values.push(match list {
            Some(items) => SqlValue::Text(serde_json::to_string(items).unwrap_or_default()),
            None => SqlValue::Null,
        });
    }
    let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        q(&layout.table),
        names.join(", "),
        marks.join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(values))?;
    for super::load::ChildRows {
        table,
        columns: cols,
        rows,
    } in &r.children
    {
        let marks: Vec<String> = (1..=cols.len() + 1).map(|i| format!("?{i}")).collect();
        let names: Vec<String> = cols.iter().map(|c| q(c)).collect();
        let sql = format!(
            "INSERT INTO {} (rid, {}) VALUES ({})",
            q(table),
            names.join(", "),
            marks.join(", ")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        for cells in rows {
            let mut vals = vec![SqlValue::Integer(r.rid)];
            vals.extend(
                cells
                    .iter()
                    .map(|c| c.as_ref().map_or(SqlValue::Null, param_value)),
            );
            stmt.execute(params_from_iter(vals))?;
        }
    }
    Ok(())
}

/// Runs a compiled query: the matching records as (line number, JSON text), in order.
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
