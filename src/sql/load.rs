//! Tables for a layout, and the rows of a record.
//!
//! Rows are extracted with the evaluator's own [`Record`] walker and value readers, so a
//! value the evaluator can read is exactly a value SQL stores (and any other value is
//! NULL): the two back ends see the same data.

use chrono::FixedOffset;
use std::io::BufRead;

use serde_json::Value;

use super::dialect::Dialect;
use super::layout::{Layout, Place};
use super::maintain;
use super::{DbError, Param};
use crate::plan::phone::PhoneParts;
use crate::plan::{FieldRef, FieldType, Schema};
use crate::semantics::fold_case;
use crate::semantics::key::read_key;
use crate::semantics::{FieldValue, Record};

/// The statements that (re)create the tables and indexes of a layout, the index on the
/// record `Id`, and the layout record (see [`super::maintain`]). Loading replaces a
/// service's tables, so running a load twice leaves the same data.
pub fn create_statements(layout: &Layout, dialect: &dyn Dialect) -> Vec<String> {
    let mut out = table_statements(layout, dialect);
    let print = maintain::fingerprint(&out);
    out.extend(maintain::layout_record_statements(layout, &print));
    out
}

/// The fingerprint of the tables [`create_statements`] makes for `layout` (what the layout
/// record holds).
pub fn table_fingerprint(layout: &Layout, dialect: &dyn Dialect) -> String {
    maintain::fingerprint(&table_statements(layout, dialect))
}

fn table_statements(layout: &Layout, dialect: &dyn Dialect) -> Vec<String> {
    let q = |s: &str| dialect.quote(s);
    let mut out = Vec::new();
    let mut drops: Vec<String> = layout
        .child_tables()
        .iter()
        .map(|t| t.to_string())
        .collect();
    drops.push(layout.table.clone());
    for t in &drops {
        out.push(format!("DROP TABLE IF EXISTS {}", q(t)));
    }
    let text = dialect.column_type(FieldType::Character);
    let int = dialect.column_type(FieldType::Integer);
    let mut columns = vec![
        format!("rid {int} PRIMARY KEY"),
        format!("doc {} NOT NULL", dialect.column_type(FieldType::Character)),
    ];
    let mut indexes = Vec::new();
    for stored in layout.fields.iter().flatten() {
        match &stored.place {
            Place::Column(col) => {
                columns.push(format!("{} {}", q(col), dialect.column_type(stored.ty)));
                indexes.push((layout.table.clone(), col.clone(), false));
                if let Some(f) = &stored.folded {
                    columns.push(format!("{} {text}", q(f)));
                    indexes.push((layout.table.clone(), f.clone(), false));
                }
            }
            Place::List(col) => {
                columns.push(format!("{} {}", q(col), dialect.list_type()));
                indexes.push((layout.table.clone(), col.clone(), true));
                if let Some(f) = &stored.folded {
                    columns.push(format!("{} {}", q(f), dialect.list_type()));
                    indexes.push((layout.table.clone(), f.clone(), true));
                }
            }
            Place::Child {
                table,
                column,
                phone,
            } => {
                let mut cols = vec![
                    format!("rid {int} NOT NULL"),
                    format!("{} {}", q(column), dialect.column_type(stored.ty)),
                ];
                if let Some(f) = &stored.folded {
                    cols.push(format!("{} {text}", q(f)));
                    indexes.push((table.clone(), f.clone(), false));
                }
                if *phone {
                    for part in ["country", "area", "prefix", "line", "ext"] {
                        cols.push(format!("{part} {text}"));
                    }
                    indexes.push((table.clone(), "line".into(), false));
                }
                out.push(format!("CREATE TABLE {} ({})", q(table), cols.join(", ")));
                indexes.push((table.clone(), "rid".into(), false));
                indexes.push((table.clone(), column.clone(), false));
            }
        }
        if let Some(words) = &stored.words {
            out.push(format!(
                "CREATE TABLE {} (rid {int} NOT NULL, w {text} NOT NULL)",
                q(words)
            ));
            indexes.push((words.clone(), "rid".into(), false));
            indexes.push((words.clone(), "w".into(), false));
        }
    }
    out.push(format!(
        "CREATE TABLE {} ({})",
        q(&layout.table),
        columns.join(", ")
    ));
    for (table, column, list) in indexes {
        let name = format!("{table}__{column}__idx");
        let list = list && dialect.name() == "postgres";
        out.push(dialect.create_index(&name, &table, &column, list));
    }
    out.push(maintain::id_index_statement(layout, dialect));
    out
}

/// The rows of JSONL records, one record per line (blank lines skipped); a line that is
/// not JSON is an error with its line number. The row id is the 1-based line number.
pub fn records<'s>(
    schema: &'s Schema,
    layout: &'s Layout,
    input: impl BufRead + 's,
    zone: FixedOffset,
) -> impl Iterator<Item = Result<Row, DbError>> + 's {
    input.lines().enumerate().filter_map(move |(i, line)| {
        let line = match line {
            Ok(l) => l,
            Err(e) => return Some(Err(DbError::Io(e))),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(match serde_json::from_str::<Value>(&line) {
            Ok(record) => Ok(row(schema, layout, (i + 1) as i64, &line, &record, zone)),
            Err(e) => Err(DbError::Record {
                line: i + 1,
                message: e.to_string(),
            }),
        })
    })
}

/// What one record stores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// The record's row id (its 1-based line number in a load).
    pub rid: i64,
    /// The record's JSON text.
    pub doc: String,
    /// Main-table columns in layout order: (column, value or NULL).
    pub columns: Vec<(String, Option<Param>)>,
    /// List columns: (column, values or NULL when empty).
    pub lists: Vec<(String, Option<Vec<String>>)>,
    /// Child-table rows.
    pub children: Vec<ChildRows>,
}

/// The rows one record has in a child table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChildRows {
    /// The child table.
    pub table: String,
    /// Its value columns (besides `rid`).
    pub columns: Vec<String>,
    /// One list of cells per row, in column order.
    pub rows: Vec<Vec<Option<Param>>>,
}

/// The row of a record.
pub fn row(
    schema: &Schema,
    layout: &Layout,
    rid: i64,
    doc: &str,
    record: &Value,
    zone: FixedOffset,
) -> Row {
    let mut row = Row {
        rid,
        doc: doc.to_string(),
        ..Row::default()
    };
    for (index, stored) in layout.fields.iter().enumerate() {
        // `layout` is `Layout::of(schema)`; a field beyond the schema (a layout of another
        // schema) is skipped rather than indexed out of bounds.
        let (Some(stored), Some(def)) = (stored, schema.fields.get(index)) else {
            continue;
        };
        let field = FieldRef::of(index, def);
        let values = read_values(record, &field, zone);
        match &stored.place {
            Place::Column(col) => {
                let first = values.into_iter().next();
                if let Some(f) = &stored.folded {
                    let folded = first.as_ref().and_then(|p| match p {
                        Param::Text(t) => Some(Param::Text(fold_case(t).into())),
                        _ => None,
                    });
                    row.columns.push((col.clone(), first.clone()));
                    row.columns.push((f.clone(), folded));
                } else {
                    row.columns.push((col.clone(), first.clone()));
                }
                if let (Some(words), Some(Param::Text(t))) = (&stored.words, &first) {
                    let rows = fold_case(t)
                        .split_whitespace()
                        .map(|w| vec![Some(Param::Text(w.into()))])
                        .collect();
                    row.children.push(ChildRows {
                        table: words.clone(),
                        columns: vec!["w".into()],
                        rows,
                    });
                }
            }
            Place::List(col) => {
                let texts: Vec<String> = values
                    .iter()
                    .filter_map(|p| match p {
                        Param::Text(t) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect();
                if let Some(f) = &stored.folded {
                    let folded: Vec<String> =
                        texts.iter().map(|t| fold_case(t).into_owned()).collect();
                    row.lists
                        .push((f.clone(), (!folded.is_empty()).then_some(folded)));
                }
                row.lists
                    .push((col.clone(), (!texts.is_empty()).then_some(texts)));
            }
            Place::Child {
                table,
                column,
                phone,
            } => {
                let mut names = vec![column.clone()];
                if let Some(f) = &stored.folded {
                    names.push(f.clone());
                }
                if *phone {
                    names.extend(["country", "area", "prefix", "line", "ext"].map(String::from));
                }
                let rows = values
                    .into_iter()
                    .map(|p| {
                        let mut cells = vec![Some(p.clone())];
                        let text = match &p {
                            Param::Text(t) => Some(t.clone()),
                            _ => None,
                        };
                        if stored.folded.is_some() {
                            cells.push(text.as_ref().map(|t| Param::Text(fold_case(t).into())));
                        }
                        if *phone {
                            let parts = text.as_deref().and_then(PhoneParts::parse);
                            let get = |f: fn(&PhoneParts) -> Option<String>| {
                                parts.as_ref().and_then(f).map(|t| Param::Text(t.into()))
                            };
                            cells.push(get(|p| p.country.clone()));
                            cells.push(get(|p| p.area.clone()));
                            cells.push(get(|p| Some(p.prefix.clone())));
                            cells.push(get(|p| Some(p.line.clone())));
                            cells.push(get(|p| p.extension.clone()));
                        }
                        cells
                    })
                    .collect();
                row.children.push(ChildRows {
                    table: table.clone(),
                    columns: names,
                    rows,
                });
            }
        }
    }
    row
}

/// The readable values of a field, as parameters (what the evaluator reads).
fn read_values(record: &Value, field: &FieldRef, zone: FixedOffset) -> Vec<Param> {
    let mut out = Vec::new();
    record.any_value(field, |v| {
        match v {
            FieldValue::Null => {}
            FieldValue::Str(s) if field.ty.is_textual() => out.push(Param::Text(s.into())),
            v => {
                if let Some(k) = read_key(v, field.ty, zone) {
                    out.push(Param::from(k));
                }
            }
        }
        false
    });
    out
}
