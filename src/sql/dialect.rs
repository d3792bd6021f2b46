//! What differs between SQL databases, as methods: placeholders, quoting, column types,
//! iteration over list columns, regular expressions, and the field-side functions.
//!
//! Identifiers only ever come from [`super::Layout`] (already restricted to
//! `[a-z0-9_]`) and are quoted anyway; user values only ever travel as parameters.

use chrono::FixedOffset;

use super::Param;
use crate::plan::FieldType;
use crate::syntax::{ArithOp, Function};

/// A SQL dialect.
pub trait Dialect {
    /// `postgres` or `sqlite`.
    fn name(&self) -> &'static str;
    /// The n-th (1-based) placeholder for a parameter: `$1::bigint`, `?1`.
    fn placeholder(&self, n: usize, param: &Param) -> String;
    /// Writes [`placeholder`](Dialect::placeholder) to `out` (the compiler's path; override
    /// it to write without an intermediate string).
    fn placeholder_into(&self, out: &mut String, n: usize, param: &Param) {
        out.push_str(&self.placeholder(n, param));
    }
    /// Whether a field-side function takes the zone (date parts of datetimes).
    fn needs_zone(&self, function: Function, arg_type: FieldType) -> bool;
    /// A quoted identifier: `"name"`, with every `"` inside doubled (`a"b` → `"a""b"`), the
    /// escape both PostgreSQL and SQLite read. Layout identifiers never contain one, but a
    /// user's own names may.
    ///
    /// ```
    /// use spark_filter::sql::{Dialect, Postgres, Sqlite};
    /// assert_eq!(Postgres.quote("list_price"), "\"list_price\"");
    /// assert_eq!(Sqlite.quote("a\"b"), "\"a\"\"b\"");
    /// ```
    fn quote(&self, ident: &str) -> String {
        let mut out = String::with_capacity(ident.len() + 2);
        self.quote_into(&mut out, ident);
        out
    }
    /// Writes [`quote`](Dialect::quote) to `out`. A dialect that quotes differently
    /// overrides both.
    fn quote_into(&self, out: &mut String, ident: &str) {
        out.push('"');
        // Identifiers are short: a plain loop beats a call to a vectorized search.
        if ident.bytes().all(|b| b != b'"') {
            out.push_str(ident);
            out.push('"');
            return;
        }
        for (i, part) in ident.split('"').enumerate() {
            if i > 0 {
                out.push_str("\"\"");
            }
            out.push_str(part);
        }
        out.push('"');
    }
    /// Whether [`quote_into`](Dialect::quote_into) quotes as the SQL standard does (`"name"`,
    /// a `"` inside doubled), as the provided method does. The compiler then writes the
    /// column expressions that a [`Layout`](super::Layout) quoted when it was built
    /// ([`Stored::column_expr`](super::Stored::column_expr)) instead of quoting them again
    /// for every test. A dialect that overrides `quote_into` to quote another way returns
    /// `false`.
    ///
    /// ```
    /// use spark_filter::sql::{Dialect, Postgres, Sqlite};
    /// assert!(Postgres.standard_quoting() && Sqlite.standard_quoting());
    /// ```
    fn standard_quoting(&self) -> bool {
        true
    }
    /// The column type of a field type.
    fn column_type(&self, ty: FieldType) -> &'static str;
    /// The type of a list column.
    fn list_type(&self) -> &'static str;
    /// `EXISTS` over the elements of a list column; `pred` gets the element expression.
    fn list_exists(&self, column: &str, pred: &mut dyn FnMut(&str) -> String) -> String;
    /// Writes [`list_exists`](Dialect::list_exists) to `out`, the predicate writing
    /// itself there too (the compiler's path; override it to write without intermediate
    /// strings).
    fn list_exists_into(
        &self,
        out: &mut String,
        column: &str,
        pred: &mut dyn FnMut(&str, &mut String),
    ) {
        let sql = self.list_exists(column, &mut |elem| {
            let mut inner = String::new();
            pred(elem, &mut inner);
            inner
        });
        out.push_str(&sql);
    }
    /// A regular-expression test of `expr` against the pattern parameter.
    fn regex(&self, expr: &str, pattern: &str, case_insensitive: bool) -> String;
    /// The pattern text to bind for a regular expression written in Rust's syntax; `Err`
    /// names a construct this dialect cannot run.
    fn regex_pattern(&self, pattern: &str, case_insensitive: bool) -> Result<String, String> {
        let _ = case_insensitive;
        Ok(pattern.to_string())
    }
    /// The zone parameter that date functions of this dialect take.
    fn zone_param(&self, zone: FixedOffset) -> Param;
    /// A field-side function applied to `arg` with constant arguments `args` (placeholders)
    /// and the zone placeholder; `None` when the dialect cannot compute it identically.
    fn function(
        &self,
        function: Function,
        arg: &str,
        args: &[String],
        zone: &str,
        arg_type: FieldType,
    ) -> Option<String>;
    /// Arithmetic with the evaluator's semantics (checked integers, division by zero is
    /// null, truncating integer division).
    fn arith(&self, op: ArithOp, a: &str, b: &str, integers: bool) -> String;
    /// Unary minus with the evaluator's semantics.
    fn negate(&self, a: &str, integer: bool) -> String;
    /// The record's `Id` (a string, else the empty text) read from the `doc` column of the
    /// main table `t`, compared by code point: the tie-breaker of every ordering.
    fn record_id(&self) -> &'static str;
    /// The text of a statement that creates an index.
    fn create_index(&self, name: &str, table: &str, column: &str, list: bool) -> String {
        let _ = list;
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            self.quote(name),
            self.quote(table),
            self.quote(column)
        )
    }
}

/// Writes `n` in decimal (placeholders are numbered on every compile: no formatter needed).
fn push_number(out: &mut String, n: usize) {
    // Most statements bind fewer than 100 parameters.
    if n < 100 {
        if n >= 10 {
            out.push(char::from(b'0' + (n / 10) as u8));
        }
        out.push(char::from(b'0' + (n % 10) as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// PostgreSQL (15 and later).
#[derive(Clone, Copy, Debug, Default)]
pub struct Postgres;

/// SQLite (3.38 and later, as bundled). Connections must be prepared with
/// [`super::sqlite::prepare`], which registers the functions this dialect calls
/// (`regexp`, `spark_*`) and turns on case-sensitive `LIKE`.
// The link names the driver, which only the `sqlite` feature builds.
#[cfg_attr(not(feature = "sqlite"), allow(rustdoc::broken_intra_doc_links))]
#[derive(Clone, Copy, Debug, Default)]
pub struct Sqlite;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn record_id(&self) -> &'static str {
        "(CASE WHEN json_typeof(t.doc::json->'Id') = 'string' THEN t.doc::json->>'Id' ELSE '' END) COLLATE \"C\""
    }

    fn placeholder(&self, n: usize, param: &Param) -> String {
        let mut out = String::with_capacity(16);
        self.placeholder_into(&mut out, n, param);
        out
    }

    fn placeholder_into(&self, out: &mut String, n: usize, param: &Param) {
        // Typed, so that the server never has to infer a parameter's type from the casts
        // around it (it would infer interval or numeric and refuse the value bound). The
        // cast comes with its `::`, and each arm writes its own text: a copy of known length,
        // without a call.
        out.push('$');
        push_number(out, n);
        match param {
            Param::Bool(_) => out.push_str("::boolean"),
            Param::Int(_) => out.push_str("::bigint"),
            Param::Float(_) => out.push_str("::float8"),
            Param::Text(_) => out.push_str("::text"),
            Param::Date(_) => out.push_str("::date"),
            Param::DateTime(_) => out.push_str("::timestamptz"),
            Param::Time(_) => out.push_str("::time"),
        }
    }

    fn needs_zone(&self, function: Function, arg_type: FieldType) -> bool {
        use Function as F;
        arg_type == FieldType::Datetime
            && matches!(
                function,
                F::Date
                    | F::Time
                    | F::Year
                    | F::Month
                    | F::Day
                    | F::Hour
                    | F::Minute
                    | F::Second
                    | F::FractionalSeconds
                    | F::DayOfWeek
                    | F::DayOfYear
            )
    }

    fn column_type(&self, ty: FieldType) -> &'static str {
        match ty {
            // The C collation compares bytes: code-point order, as the evaluator does.
            FieldType::Character | FieldType::CharacterList | FieldType::Object => {
                "TEXT COLLATE \"C\""
            }
            FieldType::Integer => "BIGINT",
            FieldType::Decimal => "DOUBLE PRECISION",
            FieldType::Boolean => "BOOLEAN",
            FieldType::Date => "DATE",
            FieldType::Datetime => "TIMESTAMPTZ",
            FieldType::Time => "TIME",
        }
    }

    fn list_type(&self) -> &'static str {
        "TEXT[] COLLATE \"C\""
    }

    fn list_exists(&self, column: &str, pred: &mut dyn FnMut(&str) -> String) -> String {
        format!(
            "EXISTS (SELECT 1 FROM unnest({column}) AS e(v) WHERE {})",
            pred("e.v")
        )
    }

    fn list_exists_into(
        &self,
        out: &mut String,
        column: &str,
        pred: &mut dyn FnMut(&str, &mut String),
    ) {
        out.push_str("EXISTS (SELECT 1 FROM unnest(");
        out.push_str(column);
        out.push_str(") AS e(v) WHERE ");
        pred("e.v", out);
        out.push(')');
    }

    fn regex(&self, expr: &str, pattern: &str, _case_insensitive: bool) -> String {
        // The pattern is translated with its case-insensitivity spelled out (see `are`).
        format!("({expr}) ~ {pattern}")
    }

    fn regex_pattern(&self, pattern: &str, case_insensitive: bool) -> Result<String, String> {
        super::are::to_are(pattern, case_insensitive)
    }

    fn zone_param(&self, zone: FixedOffset) -> Param {
        let secs = zone.local_minus_utc();
        let sign = if secs < 0 { '-' } else { '+' };
        let secs = secs.unsigned_abs();
        Param::Text(format!("{sign}{:02}:{:02}", secs / 3600, secs / 60 % 60).into())
    }

    fn function(
        &self,
        function: Function,
        arg: &str,
        args: &[String],
        zone: &str,
        arg_type: FieldType,
    ) -> Option<String> {
        use Function as F;
        let a = |i: usize| args.get(i).cloned().unwrap_or_else(|| "NULL".into());
        // Datetimes are read in the plan's zone; dates as they are.
        let local = match arg_type {
            FieldType::Datetime => format!("({arg} AT TIME ZONE ({zone})::interval)"),
            // The zone placeholder is typed text (see placeholder); the cast reads it.
            _ => format!("({arg})::timestamp"),
        };
        Some(match function {
            F::ToLower => format!("lower(({arg}) COLLATE \"und-x-icu\") COLLATE \"C\""),
            F::ToUpper => format!("upper(({arg}) COLLATE \"und-x-icu\") COLLATE \"C\""),
            // PostgreSQL has no \v escape: vertical tab is \x0B.
            F::Trim => format!("btrim({arg}, E' \\t\\n\\r\\f\\x0B')"),
            F::Length => format!("char_length({arg})::bigint"),
            F::IndexOf => format!("(strpos({arg}, {}) - 1)::bigint", a(0)),
            F::Concat => format!("({arg} || {})", a(0)),
            F::Substring => match args.get(1) {
                Some(len) => format!("substr({arg}, (({}) + 1)::int, ({len})::int)", a(0)),
                None => format!("substr({arg}, (({}) + 1)::int)", a(0)),
            },
            // Integers round to themselves; binary floats round half away from zero in
            // exact float arithmetic (x - floor(x) is exact), as the evaluator does.
            F::Round | F::Ceiling | F::Floor if arg_type == FieldType::Integer => arg.to_string(),
            F::Round => float_to_bigint(&format!(
                "(sign(({arg})::float8) * (floor(abs(({arg})::float8)) + \
                 CASE WHEN abs(({arg})::float8) - floor(abs(({arg})::float8)) >= 0.5 THEN 1 ELSE 0 END))"
            )),
            F::Ceiling => float_to_bigint(&format!("ceil(({arg})::float8)")),
            F::Floor => float_to_bigint(&format!("floor(({arg})::float8)")),
            F::Date => format!("{local}::date"),
            F::Time => format!("{local}::time"),
            F::Year => format!("extract(year from {local})::bigint"),
            F::Month => format!("extract(month from {local})::bigint"),
            F::Day => format!("extract(day from {local})::bigint"),
            F::Hour => format!("extract(hour from {local})::bigint"),
            F::Minute => format!("extract(minute from {local})::bigint"),
            F::Second => format!("floor(extract(second from {local}))::bigint"),
            F::FractionalSeconds => {
                format!(
                    "((extract(microseconds from {local})::bigint % 1000000) / 1000000.0)::float8"
                )
            }
            F::DayOfWeek => format!("(extract(dow from {local})::bigint + 1)"),
            F::DayOfYear => format!("extract(doy from {local})::bigint"),
            // cast() to text formats numbers differently in every engine; only the casts
            // that do not format numbers are computed in SQL.
            F::Cast => return None,
            _ => return None,
        })
    }

    fn arith(&self, op: ArithOp, a: &str, b: &str, integers: bool) -> String {
        if integers {
            // Computed in numeric and brought back only when it fits, as the evaluator's
            // checked arithmetic makes overflow null.
            let expr = match op {
                ArithOp::Add => format!("(({a})::numeric + ({b})::numeric)"),
                ArithOp::Sub => format!("(({a})::numeric - ({b})::numeric)"),
                ArithOp::Mul => format!("(({a})::numeric * ({b})::numeric)"),
                ArithOp::Div => format!("trunc(({a})::numeric / NULLIF(({b})::numeric, 0))"),
                ArithOp::Mod => format!("mod(({a})::numeric, NULLIF(({b})::numeric, 0))"),
            };
            return checked_bigint(&expr);
        }
        match op {
            ArithOp::Add => format!("(({a})::float8 + ({b})::float8)"),
            ArithOp::Sub => format!("(({a})::float8 - ({b})::float8)"),
            ArithOp::Mul => format!("(({a})::float8 * ({b})::float8)"),
            ArithOp::Div => format!("(({a})::float8 / NULLIF(({b})::float8, 0))"),
            // The evaluator's decimal Mod is this same formula in IEEE doubles.
            ArithOp::Mod => format!(
                "(({a})::float8 - trunc(({a})::float8 / NULLIF(({b})::float8, 0)) * ({b})::float8)"
            ),
        }
    }

    fn negate(&self, a: &str, integer: bool) -> String {
        if integer {
            checked_bigint(&format!("(-({a})::numeric)"))
        } else {
            format!("(-({a})::float8)")
        }
    }

    fn create_index(&self, name: &str, table: &str, column: &str, list: bool) -> String {
        let using = if list { " USING GIN" } else { "" };
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {}{using} ({})",
            self.quote(name),
            self.quote(table),
            self.quote(column)
        )
    }
}

/// An integer-valued float as a bigint, or NULL outside the range the evaluator converts.
fn float_to_bigint(float: &str) -> String {
    format!("(CASE WHEN abs({float}) < 9.2e18 THEN ({float})::bigint END)")
}

fn checked_bigint(numeric: &str) -> String {
    format!(
        "(CASE WHEN {numeric} BETWEEN -9223372036854775808 AND 9223372036854775807 THEN ({numeric})::bigint END)"
    )
}

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn record_id(&self) -> &'static str {
        "(CASE WHEN json_type(t.doc, '$.Id') = 'text' THEN json_extract(t.doc, '$.Id') ELSE '' END)"
    }

    fn placeholder(&self, n: usize, _param: &Param) -> String {
        format!("?{n}")
    }

    fn placeholder_into(&self, out: &mut String, n: usize, _param: &Param) {
        out.push('?');
        push_number(out, n);
    }

    fn needs_zone(&self, _function: Function, _arg_type: FieldType) -> bool {
        // spark_call always takes the zone argument.
        true
    }

    fn column_type(&self, ty: FieldType) -> &'static str {
        match ty {
            FieldType::Character | FieldType::CharacterList | FieldType::Object => "TEXT",
            FieldType::Integer => "INTEGER",
            FieldType::Decimal => "REAL",
            // 0 and 1.
            FieldType::Boolean => "INTEGER",
            // YYYY-MM-DD, which orders as dates do.
            FieldType::Date => "TEXT",
            // Microseconds since 1970-01-01T00:00:00Z.
            FieldType::Datetime => "INTEGER",
            // HH:MM:SS.ffffff, fixed width, which orders as times do.
            FieldType::Time => "TEXT",
        }
    }

    fn list_type(&self) -> &'static str {
        "TEXT"
    }

    fn list_exists(&self, column: &str, pred: &mut dyn FnMut(&str) -> String) -> String {
        format!(
            "EXISTS (SELECT 1 FROM json_each({column}) AS e WHERE {})",
            pred("e.value")
        )
    }

    fn list_exists_into(
        &self,
        out: &mut String,
        column: &str,
        pred: &mut dyn FnMut(&str, &mut String),
    ) {
        out.push_str("EXISTS (SELECT 1 FROM json_each(");
        out.push_str(column);
        out.push_str(") AS e WHERE ");
        pred("e.value", out);
        out.push(')');
    }

    fn regex(&self, expr: &str, pattern: &str, case_insensitive: bool) -> String {
        let flag = if case_insensitive { 1 } else { 0 };
        format!("spark_regexp({pattern}, {expr}, {flag})")
    }

    fn zone_param(&self, zone: FixedOffset) -> Param {
        Param::Int(zone.local_minus_utc().into())
    }

    fn function(
        &self,
        function: Function,
        arg: &str,
        args: &[String],
        zone: &str,
        arg_type: FieldType,
    ) -> Option<String> {
        // Every field-side function is the evaluator's own Rust code, registered by
        // `sqlite::prepare`, so the two agree by construction.
        let mut call = format!(
            "spark_call('{}', {}, {arg}, {zone}",
            function.name(),
            type_code(arg_type)
        );
        for a in args {
            call.push_str(", ");
            call.push_str(a);
        }
        call.push(')');
        Some(call)
    }

    fn arith(&self, op: ArithOp, a: &str, b: &str, _integers: bool) -> String {
        format!("spark_arith('{}', {a}, {b})", op.as_str())
    }

    fn negate(&self, a: &str, _integer: bool) -> String {
        format!("spark_arith('Sub', 0, {a})")
    }
}

/// How `spark_call` reads its argument: the field type's storage in SQLite.
pub(crate) fn type_code(ty: FieldType) -> i64 {
    match ty {
        FieldType::Character | FieldType::CharacterList | FieldType::Object => 0,
        FieldType::Integer => 1,
        FieldType::Decimal => 2,
        FieldType::Boolean => 3,
        FieldType::Date => 4,
        FieldType::Datetime => 5,
        FieldType::Time => 6,
    }
}

#[cfg(test)]
mod tests {
    /// Placeholder numbers read as the formatter writes them, on both sides of each fast path.
    #[test]
    fn numbers() {
        for n in (0..1100).chain([usize::MAX / 3, usize::MAX]) {
            let mut out = String::from("$");
            super::push_number(&mut out, n);
            assert_eq!(out, format!("${n}"));
        }
    }
}
