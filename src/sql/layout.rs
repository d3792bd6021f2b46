//! Where each searchable field of a schema is stored: the tables and columns that the
//! loader fills and the compiler queries. Derived from the schema, so every schema (built-in
//! or loaded from JSON) gets tables without extra configuration.
//!
//! - The main table (`accounts`) has `rid` (the row id: the record's line number when loaded,
//!   `max(rid) + 1` when upserted later; see [`super::maintain`]), `doc` (the
//!   record's JSON text, returned by queries), and one column per single-valued field.
//! - A list field (`Tags[]`, `Designations{}`) is a list column: a PostgreSQL `text[]`, a
//!   SQLite JSON array.
//! - A field inside an array of objects (`Emails[].Address`) lives in a child table
//!   (`accounts__email`) with `rid` and the value, reached by `EXISTS`.
//! - Case-insensitive text has a folded shadow column beside it (`name__f`), filled with
//!   [`crate::semantics::fold_case`] at load time, so that SQL compares exactly what the
//!   evaluator compares.
//! - The accounts `Name` rule has a table of folded words (`accounts__name__words`), and the
//!   phone rule a table of parsed phone parts (`accounts__phones_number`).

use crate::plan::{FieldDef, FieldType, PathStep, Rule, Schema};

/// The storage of one schema.
///
/// A layout serves the plans of the schema it was built from: [`compile`](super::compile)
/// refuses (with [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch)) a plan of
/// another schema name, or one whose fields are not the layout's fields at the same index with
/// the same type and case rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The name of the schema it was built from.
    pub schema: String,
    /// The main table.
    pub table: String,
    /// Storage per schema field (by index); `None` for fields that cannot be searched.
    pub fields: Vec<Option<Stored>>,
}

/// How one field is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The field's name as written in filters (stored once for the process, as a plan's
    /// [`FieldRef::name`](crate::plan::FieldRef::name) is, so that the compiler's check that
    /// a plan's field is this one is mostly a pointer comparison).
    pub name: &'static str,
    /// Whether the field's text comparisons respect case.
    pub case_sensitive: bool,
    /// The field's type.
    pub ty: FieldType,
    /// Where its values are.
    pub place: Place,
    /// The folded shadow column (case-insensitive text), in the same place.
    pub folded: Option<String>,
    /// For the name-words rule: the words table (`rid`, `w` folded word).
    pub words: Option<String>,
    /// The value column's expression (`t."col"`, `c."v"`), quoted once as the SQL standard
    /// quotes (see [`Stored::column_expr`]).
    expr: String,
    /// The same for the folded column.
    folded_expr: Option<String>,
}

impl Stored {
    /// The column that holds the values (in the main table, or in the child table).
    pub fn column(&self) -> &str {
        match &self.place {
            Place::Column(c) | Place::List(c) => c,
            Place::Child { column, .. } => column,
        }
    }

    /// The expression of the value column (`folded`: of the folded column) in the main table
    /// `t` or the child table `c`, quoted as the SQL standard quotes (`t."name__f"`), as it
    /// was written when the layout was built: the compiler writes it as it is for dialects
    /// that quote that way. `None` when there is no such column, or when the fields were
    /// changed after the layout was built and the expression no longer names the column.
    ///
    /// ```
    /// use spark_filter::sql::Layout;
    /// let schema = spark_filter::plan::builtin::builtin("accounts").unwrap();
    /// let (i, _) = schema.field_named("Office").unwrap();
    /// let stored = Layout::of(&schema).fields[i].clone().unwrap();
    /// assert_eq!(stored.column_expr(false), Some("t.\"office\""));
    /// assert_eq!(stored.column_expr(true), Some("t.\"office__f\""));
    /// ```
    pub fn column_expr(&self, folded: bool) -> Option<&str> {
        let (expr, column) = if folded {
            (self.folded_expr.as_deref()?, self.folded.as_deref()?)
        } else {
            (self.expr.as_str(), self.column())
        };
        let alias = self.place.alias();
        // `t."` + column + `"`, checked against the fields as they are now.
        let fresh = expr.len() == alias.len() + column.len() + 3
            && expr.starts_with(alias)
            && expr.get(alias.len() + 2..expr.len() - 1) == Some(column);
        fresh.then_some(expr)
    }
}

impl Place {
    /// The alias the compiler gives the table that holds the values: `c` for a child
    /// table, `t` for the main table.
    pub(crate) fn alias(&self) -> &'static str {
        match self {
            Place::Child { .. } => "c",
            Place::Column(_) | Place::List(_) => "t",
        }
    }
}

/// `alias."column"`, quoted as the SQL standard quotes (a `"` inside doubled).
fn quoted_expr(alias: &str, column: &str) -> String {
    format!("{alias}.\"{}\"", column.replace('"', "\"\""))
}

/// Where a field's values are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A column of the main table (one value or NULL).
    Column(String),
    /// A list column of the main table (NULL when the record has no values).
    List(String),
    /// A child table `table(rid, column, [column__f], …)` with one row per value.
    Child {
        /// The child table.
        table: String,
        /// The value column.
        column: String,
        /// The table also holds parsed phone parts (`country`, `area`, `prefix`, `line`,
        /// `ext`) of the value.
        phone: bool,
    },
}

/// Lowercase ASCII letters, digits and `_`: always a safe identifier.
pub fn identifier(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => out,
        _ => format!("f_{out}"),
    }
}

impl Layout {
    /// The layout of a schema.
    pub fn of(schema: &Schema) -> Layout {
        let table = identifier(&schema.name);
        let mut used: Vec<String> = vec!["rid".into(), "doc".into()];
        let fields = schema
            .fields
            .iter()
            .map(|f| f.searchable.then(|| stored(&table, f, &mut used)))
            .collect();
        Layout {
            schema: schema.name.clone(),
            table,
            fields,
        }
    }

    /// The child and words tables, in field order.
    pub fn child_tables(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for s in self.fields.iter().flatten() {
            if let Place::Child { table, .. } = &s.place {
                out.push(table.as_str());
            }
            if let Some(w) = &s.words {
                out.push(w.as_str());
            }
        }
        out
    }
}

fn unique(base: String, used: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    used.push(name.clone());
    name
}

fn stored(table: &str, f: &FieldDef, used: &mut Vec<String>) -> Stored {
    let base = identifier(&f.name.replace("\".\"", "_"));
    let column = unique(base.clone(), used);
    let path = f.record_path().unwrap_or_default();
    let fold = f.ty.is_textual() && !f.case_sensitive;
    let folded = fold.then(|| format!("{column}__f"));
    let steps_after_each = path
        .iter()
        .position(|s| matches!(s, PathStep::Each))
        .map(|i| path.len() - i - 1);
    let is_list = matches!(path.last(), Some(PathStep::Each | PathStep::Keys));
    let place = match steps_after_each {
        _ if is_list => Place::List(column.clone()),
        Some(_) => Place::Child {
            table: format!("{table}__{column}"),
            column: "v".into(),
            phone: f.rule == Some(Rule::Phone),
        },
        None => Place::Column(column.clone()),
    };
    let folded = match &place {
        Place::Child { .. } => fold.then(|| "v__f".to_string()),
        _ => folded,
    };
    let words = (f.rule == Some(Rule::NameWords)).then(|| format!("{table}__{column}__words"));
    let alias = place.alias();
    let mut stored = Stored {
        name: crate::plan::intern::name(&f.name),
        case_sensitive: f.case_sensitive,
        ty: f.ty,
        place,
        folded_expr: folded.as_deref().map(|c| quoted_expr(alias, c)),
        folded,
        words,
        expr: String::new(),
    };
    stored.expr = quoted_expr(alias, stored.column());
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_snake_case_and_safe() {
        assert_eq!(identifier("ListPrice"), "list_price");
        assert_eq!(identifier("PostalCodePlus4"), "postal_code_plus4");
        assert_eq!(identifier("\"Phones\".\"Number\""), "phones_number");
        assert_eq!(identifier("accounts-legacy"), "accounts_legacy");
        assert_eq!(
            identifier("\"Security\".\"@R080T$' ` ` `#\""),
            "security_r080_t"
        );
        assert_eq!(identifier("1st"), "f_1st");
    }

    #[test]
    fn builtin_accounts_layout() {
        let schema = crate::plan::builtin::builtin("accounts").unwrap();
        let layout = Layout::of(&schema);
        let place = |name: &str| {
            let (i, _) = schema.field_named(name).unwrap();
            layout.fields[i].clone().unwrap()
        };
        assert_eq!(place("UserType").place, Place::Column("user_type".into()));
        assert_eq!(place("Tags").place, Place::List("tags".into()));
        assert!(matches!(place("Email").place, Place::Child { .. }));
        assert!(matches!(
            place("\"Phones\".\"Number\"").place,
            Place::Child { phone: true, .. }
        ));
        assert!(place("Name").words.is_some());
    }
}
