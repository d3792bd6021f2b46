//! Keeping the search tables in step with a record set one record at a time: the
//! dialect-neutral part (checking a record, the statements and cells that insert or delete
//! one record's rows in every table of a [`Layout`], and the layout record a database keeps).
//! The drivers run them: [`sqlite::upsert`](super::sqlite::upsert) and
//! [`postgres::upsert`](super::postgres::upsert), `delete`, `upsert_lines` and `load`.
//!
//! - **Records are keyed by their `Id`**, a JSON string. [`checked_id`] refuses a record
//!   that is not an object, has no string `Id`, or holds a value of the wrong shape for a
//!   searchable field; nothing of such a record is written.
//! - **Row ids.** `rid` orders records for keyset paging. A replaced record keeps its `rid`;
//!   a new record gets `max(rid) + 1` (a bulk [`load`](super::sqlite::load) gives it its
//!   line number instead). A deleted record's `rid` may be given again to a later new record
//!   only when it was the largest.
//! - **Layout version.** [`create_statements`](super::load::create_statements) records in
//!   the table [`LAYOUT_TABLE`] which [`LAYOUT_VERSION`] and which [`fingerprint`] of the
//!   table definitions built a schema's tables; writes check it first and refuse, with
//!   [`DbError::Layout`], tables another build or another schema made.
//!
//! ```
//! use spark_filter::plan::builtin;
//! use spark_filter::sql::{maintain, Layout, Sqlite};
//! let schema = builtin::builtin("accounts").unwrap();
//! let layout = Layout::of(&schema);
//! let record = serde_json::json!({"Id": "20000426143505724621000000", "Name": "Ann Lee"});
//! assert_eq!(maintain::checked_id(&schema, &record), Ok("20000426143505724621000000"));
//! // One DELETE per table: the main table, child tables, words and phone tables.
//! assert_eq!(
//!     maintain::delete_statements(&layout, &Sqlite).len(),
//!     layout.child_tables().len() + 1
//! );
//! assert!(maintain::checked_id(&schema, &serde_json::json!({"Name": "x"})).is_err());
//! ```
// The module docs link the drivers, which only the `sqlite` and `postgres` features build.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres")),
    allow(rustdoc::broken_intra_doc_links)
)]

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::Value;

use super::dialect::Dialect;
use super::layout::Layout;
use super::load::Row;
use super::{DbError, Param};
use crate::plan::schema::path_text;
use crate::plan::{PathStep, Schema};

/// The version of the table layout this build writes. Version 1 had no layout record and no
/// `Id` index; version 2 added both.
pub const LAYOUT_VERSION: i64 = 2;

/// The table that records, per main table, the layout version and fingerprint that built it.
pub const LAYOUT_TABLE: &str = "spark_filter_layout";

/// How many records [`upsert_lines`](super::sqlite::upsert_lines) writes per transaction.
pub const BATCH: usize = 500;

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upserted {
    /// The record's row id.
    pub rid: i64,
    /// True when a record with the same `Id` was replaced (it kept its `rid`), false when the
    /// record is new.
    pub replaced: bool,
}

/// What upserting JSONL records did.
#[derive(Debug, Default)]
pub struct Report {
    /// Records that were new.
    pub new: usize,
    /// Records that replaced one with the same `Id`.
    pub replaced: usize,
    /// The lines that were not written, each a [`DbError::Record`] or [`DbError::Invalid`]
    /// naming its line.
    pub rejected: Vec<DbError>,
}

/// One value to bind in a maintenance statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A value.
    Value(Param),
    /// SQL NULL.
    Null,
    /// A list column: the values, or NULL.
    List(Option<Vec<String>>),
}

/// The record's `Id`, once the record is known to be storable: a JSON object with a
/// non-empty string `Id`, whose searchable fields have the shape the schema reads (an object
/// where a path goes through a key, an array where it goes through each element, a single
/// value where it ends). Missing fields and `null` are fine.
pub fn checked_id<'r>(schema: &Schema, record: &'r Value) -> Result<&'r str, String> {
    let Value::Object(map) = record else {
        return Err(format!(
            "a record must be a JSON object, not {}",
            kind(record)
        ));
    };
    let id = match map.get("Id") {
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        Some(Value::String(_)) => return Err("the record's Id is empty".into()),
        Some(other) => {
            return Err(format!(
                "the record's Id must be a string, not {}",
                kind(other)
            ));
        }
        None => return Err("the record has no Id".into()),
    };
    for field in schema.fields.iter().filter(|f| f.searchable) {
        let Ok(path) = field.record_path() else {
            continue;
        };
        if let Err(problem) = shape(record, &path, &path) {
            return Err(format!("field {}: {problem}", field.name));
        }
    }
    Ok(id)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `v`, reached by the steps of `full` before `path`, against the rest of the path.
fn shape(v: &Value, path: &[PathStep], full: &[PathStep]) -> Result<(), String> {
    let at = || {
        let done = &full[..full.len() - path.len()];
        if done.is_empty() {
            "the top".to_string()
        } else {
            path_text(done)
        }
    };
    let Some((step, rest)) = path.split_first() else {
        return match v {
            Value::Object(_) | Value::Array(_) => Err(format!(
                "expected a single value at {}, found {}",
                at(),
                kind(v)
            )),
            _ => Ok(()),
        };
    };
    match (step, v) {
        (_, Value::Null) => Ok(()),
        (PathStep::Key(k), Value::Object(map)) => match map.get(k.as_str()) {
            Some(next) => shape(next, rest, full),
            None => Ok(()),
        },
        (PathStep::Each, Value::Array(items)) => {
            items.iter().try_for_each(|item| shape(item, rest, full))
        }
        (PathStep::Keys, Value::Object(_)) => Ok(()),
        (PathStep::Key(k), other) => Err(format!(
            "expected an object with {k:?} at {}, found {}",
            at(),
            kind(other)
        )),
        (PathStep::Each, other) => Err(format!(
            "expected an array at {}, found {}",
            at(),
            kind(other)
        )),
        (PathStep::Keys, other) => Err(format!(
            "expected an object of flags at {}, found {}",
            at(),
            kind(other)
        )),
    }
}

/// The JSONL records of `input`, one per line (blank lines skipped), each with its 1-based
/// line number: `Ok((line, Ok(record)))` for a storable record, `Ok((line, Err(..)))` for a
/// line that is not JSON ([`DbError::Record`]) or not storable ([`DbError::Invalid`]), and
/// `Err` when reading fails.
pub fn lines<'s>(
    schema: &'s Schema,
    input: impl BufRead + 's,
) -> impl Iterator<Item = Result<(usize, Result<Value, DbError>), DbError>> + 's {
    input.lines().enumerate().filter_map(move |(i, line)| {
        let line_no = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => return Some(Err(DbError::Io(e))),
        };
        if line.trim().is_empty() {
            return None;
        }
        let record = match serde_json::from_str::<Value>(&line) {
            Ok(record) => match checked_id(schema, &record) {
                Ok(_) => Ok(record),
                Err(message) => Err(DbError::Invalid {
                    line: Some(line_no),
                    message,
                }),
            },
            Err(e) => Err(DbError::Record {
                line: line_no,
                message: e.to_string(),
            }),
        };
        Some(Ok((line_no, record)))
    })
}

/// The dialect-neutral part of `load`: reads JSONL records (blank lines skipped) and calls
/// `write(rid, replaces, line, record)` for each, where `rid` is the line number, or, for a
/// later line with an `Id` seen before, the earlier record's `rid` (then `replaces` is that
/// `rid`, whose rows the caller removes first). Returns how many distinct records were
/// written. A line that is not JSON fails with its line number.
pub fn load_records(
    input: impl BufRead,
    mut write: impl FnMut(i64, Option<i64>, &str, &Value) -> Result<(), DbError>,
) -> Result<usize, DbError> {
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut n = 0;
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Value = serde_json::from_str(&line).map_err(|e| DbError::Record {
            line: i + 1,
            message: e.to_string(),
        })?;
        let mut rid = (i + 1) as i64;
        let mut replaces = None;
        match record.get("Id").and_then(Value::as_str) {
            Some(id) => match seen.get(id) {
                Some(&first) => {
                    replaces = Some(first);
                    rid = first;
                }
                None => {
                    seen.insert(id.to_string(), rid);
                    n += 1;
                }
            },
            None => n += 1,
        }
        write(rid, replaces, &line, &record)?;
    }
    Ok(n)
}

/// The dialect-neutral part of `upsert_lines`: reads the storable records of `input` (see
/// [`lines`]) and hands them to `write_batch` [`BATCH`] at a time; `write_batch` writes one
/// batch in one transaction and returns, per record, whether it replaced one. Bad lines are
/// collected in [`Report::rejected`].
pub fn in_batches(
    schema: &Schema,
    input: impl BufRead,
    mut write_batch: impl FnMut(&[Value]) -> Result<Vec<bool>, DbError>,
) -> Result<Report, DbError> {
    let mut report = Report::default();
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH);
    let mut flush = |batch: &mut Vec<Value>, report: &mut Report| -> Result<(), DbError> {
        if batch.is_empty() {
            return Ok(());
        }
        for replaced in write_batch(batch)? {
            if replaced {
                report.replaced += 1;
            } else {
                report.new += 1;
            }
        }
        batch.clear();
        Ok(())
    };
    for item in lines(schema, input) {
        match item? {
            (_, Ok(record)) => {
                batch.push(record);
                if batch.len() >= BATCH {
                    flush(&mut batch, &mut report)?;
                }
            }
            (_, Err(e)) => report.rejected.push(e),
        }
    }
    flush(&mut batch, &mut report)?;
    Ok(report)
}

/// The expression that reads a stored record's `Id` in the main table (not aliased), as
/// the `Id` index is built on it.
pub fn id_expression(dialect: &dyn Dialect) -> &'static str {
    if dialect.name() == "postgres" {
        "(doc::jsonb #>> '{Id}')"
    } else {
        "json_extract(doc, '$.Id')"
    }
}

fn mark(dialect: &dyn Dialect, n: usize) -> String {
    if dialect.name() == "postgres" {
        format!("${n}")
    } else {
        format!("?{n}")
    }
}

/// The statement that creates the index on the record `Id` (named `{table}__doc__id__idx`,
/// which no field's index can be named, since identifiers never hold `__`).
pub fn id_index_statement(layout: &Layout, dialect: &dyn Dialect) -> String {
    format!(
        "CREATE INDEX {} ON {} ({})",
        dialect.quote(&format!("{}__doc__id__idx", layout.table)),
        dialect.quote(&layout.table),
        id_expression(dialect)
    )
}

/// `SELECT rid` of the records whose `Id` is parameter 1, smallest first.
pub fn find_statement(layout: &Layout, dialect: &dyn Dialect) -> String {
    format!(
        "SELECT rid FROM {} WHERE {} = {} ORDER BY rid",
        dialect.quote(&layout.table),
        id_expression(dialect),
        mark(dialect, 1)
    )
}

/// The row id a new record gets: `max(rid) + 1` (1 in an empty table).
pub fn next_rid_statement(layout: &Layout, dialect: &dyn Dialect) -> String {
    format!(
        "SELECT coalesce(max(rid), 0) + 1 FROM {}",
        dialect.quote(&layout.table)
    )
}

/// PostgreSQL: the transaction-scoped advisory lock that makes writers of one `Id` of one
/// table take turns (parameter 1 the main table, 2 the `Id`). The synchronous and the async
/// PostgreSQL writes both take it before they look the `Id` up.
pub const PG_ID_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))";

/// PostgreSQL: the transaction-scoped advisory lock that makes new records of one table take
/// turns for `max(rid) + 1` (parameter 1 is [`pg_rid_lock_key`]).
pub const PG_RID_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext($1)::bigint)";

/// The key [`PG_RID_LOCK`] locks for a layout's main table.
pub fn pg_rid_lock_key(layout: &Layout) -> String {
    format!("spark_filter rid {}", layout.table)
}

/// PostgreSQL: whether [`LAYOUT_TABLE`] exists (parameter 1 is its name), asked before
/// [`layout_query`].
pub const PG_LAYOUT_EXISTS: &str = "SELECT to_regclass($1) IS NOT NULL";

/// How many times a PostgreSQL write that met a deadlock or a serialization failure is
/// tried, the whole write again each time.
pub const PG_ATTEMPTS: u32 = 8;

/// How long a PostgreSQL write waits before its attempt number `attempt` + 1 (4 ms, 8 ms,
/// … doubling).
pub fn pg_retry_pause(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(2 << attempt.min(16))
}

/// The `DELETE`s that remove the record whose `rid` is parameter 1 from every table of the
/// layout: child, words and phone tables first, the main table last.
pub fn delete_statements(layout: &Layout, dialect: &dyn Dialect) -> Vec<String> {
    let mut tables: Vec<&str> = layout.child_tables();
    tables.push(&layout.table);
    tables
        .iter()
        .map(|t| {
            format!(
                "DELETE FROM {} WHERE rid = {}",
                dialect.quote(t),
                mark(dialect, 1)
            )
        })
        .collect()
}

/// The `INSERT`s that store `row` (main table, then one per child row), with identifiers
/// from the layout only and every value a parameter (`$n` or `?n`, untyped, so that the
/// column's type decides).
pub fn insert_statements(
    layout: &Layout,
    row: &Row,
    dialect: &dyn Dialect,
) -> Vec<(String, Vec<Cell>)> {
    let mut out = Vec::new();
    let mut names = vec!["rid".to_string(), "doc".to_string()];
    let mut cells = vec![
        Cell::Value(Param::Int(row.rid)),
        Cell::Value(Param::Text(row.doc.as_str().into())),
    ];
    for (col, v) in &row.columns {
        names.push(dialect.quote(col));
        cells.push(v.clone().map_or(Cell::Null, Cell::Value));
    }
    for (col, list) in &row.lists {
        names.push(dialect.quote(col));
        cells.push(Cell::List(list.clone()));
    }
    out.push((insert_sql(dialect, &layout.table, &names), cells));
    for child in &row.children {
        let mut names = vec!["rid".to_string()];
        names.extend(child.columns.iter().map(|c| dialect.quote(c)));
        let sql = insert_sql(dialect, &child.table, &names);
        for cells in &child.rows {
            let mut all = vec![Cell::Value(Param::Int(row.rid))];
            all.extend(
                cells
                    .iter()
                    .map(|c| c.clone().map_or(Cell::Null, Cell::Value)),
            );
            out.push((sql.clone(), all));
        }
    }
    out
}

fn insert_sql(dialect: &dyn Dialect, table: &str, names: &[String]) -> String {
    let marks: Vec<String> = (1..=names.len()).map(|i| mark(dialect, i)).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        dialect.quote(table),
        names.join(", "),
        marks.join(", ")
    )
}

/// A fingerprint of table definitions: 16 hex digits of FNV-1a over the statements, so a
/// change of schema (fields, types, case rules) or of the code that lays tables out shows.
pub fn fingerprint(statements: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in statements {
        for b in s.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The statements that record the layout of `layout.table` in [`LAYOUT_TABLE`] (created
/// when missing). The table name is an identifier of the layout (letters, digits, `_`) and
/// the fingerprint hex digits, so both are safe as literals.
pub fn layout_record_statements(layout: &Layout, fingerprint: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {LAYOUT_TABLE} (table_name TEXT PRIMARY KEY, \
             version BIGINT NOT NULL, fingerprint TEXT NOT NULL)"
        ),
        format!(
            "DELETE FROM {LAYOUT_TABLE} WHERE table_name = '{}'",
            layout.table
        ),
        format!(
            "INSERT INTO {LAYOUT_TABLE} (table_name, version, fingerprint) VALUES ('{}', {LAYOUT_VERSION}, '{fingerprint}')",
            layout.table
        ),
    ]
}

/// `SELECT version, fingerprint` of the table named by parameter 1.
pub fn layout_query(dialect: &dyn Dialect) -> String {
    format!(
        "SELECT version, fingerprint FROM {LAYOUT_TABLE} WHERE table_name = {}",
        mark(dialect, 1)
    )
}

/// Compares what the database recorded for a schema's tables (`None`: nothing) with what
/// this build makes.
pub fn check_layout(
    schema: &Schema,
    layout: &Layout,
    dialect: &dyn Dialect,
    found: Option<(i64, String)>,
) -> Result<(), DbError> {
    let problem = match found {
        None => "has no layout record (it does not exist, or an older spark-filter built it)"
            .to_string(),
        Some((version, _)) if version != LAYOUT_VERSION => {
            format!("was built by layout version {version}, this build uses {LAYOUT_VERSION}")
        }
        Some((_, print)) => {
            let expected = super::load::table_fingerprint(layout, dialect);
            if print == expected {
                return Ok(());
            }
            format!(
                "was built from another definition of schema {} (fingerprint {print}, this build makes {expected})",
                schema.name
            )
        }
    };
    Err(DbError::Layout {
        schema: schema.name.clone(),
        table: layout.table.clone(),
        problem,
    })
}
