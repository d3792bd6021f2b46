//! PostgreSQL: connections, loading and querying.

use std::io::BufRead;

use chrono::FixedOffset;
use postgres::types::ToSql;
use postgres::{Client, NoTls};

use super::dialect::Postgres;
use super::layout::Layout;
use super::load::{Row, create_statements, records};
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
        Param::Text(t) => Box::new(t.clone()),
        Param::Date(d) => Box::new(*d),
        Param::DateTime(t) => Box::new(*t),
        Param::Time(t) => Box::new(*t),
    }
}

/// Creates the tables of `schema` (replacing them) and loads JSONL records; returns how many
/// were loaded. Naive datetimes in records are read in `zone`.
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
    let mut n = 0;
    let mut cache = Statements::new();
    for r in records(schema, &layout, input, zone) {
        insert(&mut tx, &mut cache, &layout, &r?)?;
        n += 1;
    }
    tx.commit()?;
    Ok(n)
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

fn cell(c: &Option<Param>) -> Box<dyn ToSql + Sync> {
    match c {
        Some(p) => param_value(p),
        None => Box::new(Null),
    }
}

type Statements = std::collections::HashMap<String, postgres::Statement>;

fn prepared(
    tx: &mut postgres::Transaction<'_>,
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

fn insert(
    tx: &mut postgres::Transaction<'_>,
    cache: &mut Statements,
    layout: &Layout,
    r: &Row,
) -> Result<(), DbError> {
    let q = |s: &str| format!("\"{s}\"");
    let mut names = vec!["rid".to_string(), "doc".to_string()];
    let mut values: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(r.rid), Box::new(r.doc.clone())];
    for (col, v) in &r.columns {
        names.push(q(col));
        values.push(cell(v));
    }
    for (col, list) in &r.lists {
        names.push(q(col));
        values.push(Box::new(list.clone()));
    }
    let marks: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        q(&layout.table),
        names.join(", "),
        marks.join(", ")
    );
    let stmt = prepared(tx, cache, sql)?;
    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
    tx.execute(&stmt, &params)?;
    for super::load::ChildRows {
        table,
        columns: cols,
        rows,
    } in &r.children
    {
        let names: Vec<String> = cols.iter().map(|c| q(c)).collect();
        let marks: Vec<String> = (1..=cols.len() + 1).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} (rid, {}) VALUES ({})",
            q(table),
            names.join(", "),
            marks.join(", ")
        );
        let stmt = prepared(tx, cache, sql)?;
        for cells in rows {
            let mut vals: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(r.rid)];
            vals.extend(cells.iter().map(cell));
            let params: Vec<&(dyn ToSql + Sync)> = vals.iter().map(|b| b.as_ref()).collect();
            tx.execute(&stmt, &params)?;
        }
    }
    Ok(())
}

/// Runs a compiled query: the matching records as (line number, JSON text), in order.
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
