//! The test kit, one module for every integration test: the fixed clock and option sets, a
//! seeded generator, the conformance file, a walker of record paths that checks what it
//! reads (the tests' own reading of records, independent of the evaluator's), and for the
//! SQL tests (`differential`, `injection`, `sql_index`, …): PostgreSQL set-up (one private schema per test), loading the same records into SQLite and
//! PostgreSQL, running one filter on the evaluator and both back ends, and reporting any
//! difference with the filter, the SQL, the parameters and the records involved.
//!
//! PostgreSQL runs when `SPARK_FILTER_PG_URL` is set (`scripts/pg-start` prints a URL). Without
//! it the PostgreSQL half of a test is skipped with a note, except under `CI=true`, where a
//! missing URL fails the test: CI must prove PostgreSQL.
#![allow(dead_code)] // each test crate uses a different subset

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::FixedOffset;
use serde_json::Value;
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Caller, PathStep, Plan, PlanOptions, Role, Schema, UserLevel};
use spark_filter::sql::{self, Layout, Paging, Query};
use spark_filter::{Clock, Limits, ParseOptions};

/// The instant every test parses against: a Sunday, noon UTC.
pub const NOW: &str = "2026-11-22T12:00:00Z";

/// The environment variable that names the PostgreSQL server.
pub const PG_ENV: &str = "SPARK_FILTER_PG_URL";

/// The fixed test clock.
pub fn clock() -> Clock {
    Clock::Fixed(chrono::DateTime::parse_from_rfc3339(NOW).expect("NOW is RFC 3339"))
}

/// Spark limits and the fixed clock.
pub fn parse_options() -> ParseOptions {
    ParseOptions {
        clock: clock(),
        limits: Limits::default(),
    }
}

/// The fixed clock with the given limits.
pub fn options_with(limits: Limits) -> ParseOptions {
    ParseOptions {
        clock: clock(),
        limits,
    }
}

/// Limits raised as far as they go, so that only the parser's own guards stand between a
/// hostile input and the stack.
pub fn raised_limits() -> Limits {
    Limits {
        max_bytes: usize::MAX,
        max_depth: 10_000,
        max_expressions: usize::MAX,
        max_term_depth: 10_000,
        max_function_depth: 10_000,
        max_list: usize::MAX,
        max_regex_size: usize::MAX,
    }
}

/// A zone east of UTC by `seconds`.
pub fn zone(seconds: i32) -> FixedOffset {
    FixedOffset::east_opt(seconds).expect("valid offset")
}

/// Plan options for `caller` in `zone`, with the fixed clock.
pub fn plan_options(caller: Caller, zone: FixedOffset) -> PlanOptions {
    PlanOptions {
        zone,
        clock: clock(),
        ..PlanOptions::new(caller)
    }
}

/// A Private, Privileged, MLS-level caller: may search every searchable accounts field,
/// `Visible` and the MLS-only fields included.
pub fn mls_privileged() -> Caller {
    Caller {
        privileged: true,
        user_level: UserLevel::Mls,
        ..Caller::new(Role::Private)
    }
}

// ---- randomness --------------------------------------------------------------------------

/// splitmix64: seeded, small, the same on every platform.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u32) -> bool {
        (self.next_u64() % 100) < u64::from(percent)
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---- filter text ---------------------------------------------------------------------------

/// A character literal whose value is exactly `s`: quotes, backslashes and stars escaped, so
/// no star is a wildcard.
pub fn quote(s: &str) -> String {
    format!("'{}'", escape(s))
}

/// The inside of a character literal for the exact text `s` (no wildcards).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '\'' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A character literal made of exact parts joined by wildcard stars.
pub fn wildcard(parts: &[&str]) -> String {
    let inner: Vec<String> = parts.iter().map(|p| escape(p)).collect();
    format!("'{}'", inner.join("*"))
}

// ---- PostgreSQL ----------------------------------------------------------------------------

/// The PostgreSQL URL, or `None` (after printing why) when PostgreSQL is not configured.
/// Panics when `CI=true` and no URL is set.
pub fn pg_url(test: &str) -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "{test}: {PG_ENV} is not set but CI=true: CI must run the PostgreSQL back end (export {PG_ENV}=$(scripts/pg-start))"
                );
            }
            // Straight to the stderr handle, which the test harness does not capture, so the
            // note shows in a normal `cargo test` run.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "{test}: PostgreSQL part skipped: set {PG_ENV} (scripts/pg-start prints one)"
            );
            None
        }
    }
}

/// A PostgreSQL connection whose `search_path` is a schema of its own, created empty and
/// dropped (with everything in it) when the value is dropped, so that tests running in
/// parallel never see each other's tables.
pub struct PgSchema {
    /// The connection.
    pub client: postgres::Client,
    /// The schema's name.
    pub name: String,
}

impl PgSchema {
    /// Connects and creates schema `t_<tag>_<pid>`.
    pub fn new(url: &str, tag: &str) -> PgSchema {
        let mut client = sql::postgres::connect(url)
            .unwrap_or_else(|e| panic!("cannot connect to {PG_ENV}={url}: {e}"));
        let name = format!("t_{tag}_{}", std::process::id());
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path TO {name}"
            ))
            .unwrap_or_else(|e| panic!("cannot create PostgreSQL schema {name}: {e}"));
        PgSchema { client, name }
    }
}

/// Set to keep the PostgreSQL schemas of a run (for reproducing a failure by hand).
pub const KEEP_ENV: &str = "SPARK_FILTER_TEST_KEEP";

impl Drop for PgSchema {
    fn drop(&mut self) {
        if std::env::var_os(KEEP_ENV).is_some() {
            eprintln!("{KEEP_ENV}: kept PostgreSQL schema {}", self.name);
            return;
        }
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

/// Connects for `test` (schema tag `tag`) when PostgreSQL is configured.
pub fn pg_schema(test: &str, tag: &str) -> Option<PgSchema> {
    pg_url(test).map(|url| PgSchema::new(&url, tag))
}

/// One query per child, words and phone table of the layout, each counting the rows whose
/// rid is not in the main table (0 when the tables are in step).
pub fn orphan_queries(layout: &Layout) -> Vec<String> {
    layout
        .child_tables()
        .iter()
        .map(|t| {
            format!(
                "SELECT count(*) FROM \"{t}\" WHERE rid NOT IN (SELECT rid FROM \"{}\")",
                layout.table
            )
        })
        .collect()
}

// ---- three back ends over one data set -------------------------------------------------------

/// One data set loaded in memory, in SQLite and (when configured) in PostgreSQL.
pub struct Db {
    /// The schema.
    pub schema: Schema,
    /// Its layout.
    pub layout: Layout,
    /// The records, `records[i]` has rid `i + 1`.
    pub records: Vec<Value>,
    /// The JSONL lines loaded (what `doc` holds).
    pub lines: Vec<String>,
    /// The SQLite connection.
    pub sqlite: rusqlite::Connection,
    /// The PostgreSQL connection, if any.
    pub pg: Option<PgSchema>,
    /// The zone records were loaded in.
    pub zone: FixedOffset,
}

/// What a back end returned: the rids, or an error text.
pub type Rids = Result<Vec<i64>, String>;

/// The result of one filter on every back end.
pub struct Outcome {
    /// The filter text.
    pub filter: String,
    /// The plan, printed.
    pub plan: String,
    /// The evaluator's rids.
    pub eval: Vec<i64>,
    /// SQLite's query (if it compiled) and rids.
    pub sqlite: (Option<Query>, Rids),
    /// PostgreSQL's query and rids, when PostgreSQL runs.
    pub pg: Option<(Option<Query>, Rids)>,
}

impl Outcome {
    /// Whether every back end returned exactly the evaluator's records.
    pub fn agree(&self) -> bool {
        self.sqlite.1.as_ref().is_ok_and(|r| *r == self.eval)
            && self
                .pg
                .as_ref()
                .is_none_or(|(_, r)| r.as_ref().is_ok_and(|r| *r == self.eval))
    }

    /// A one-line summary: which back end disagrees, how.
    pub fn summary(&self) -> String {
        let show = |r: &Rids| match r {
            Ok(v) => format!("{} rows", v.len()),
            Err(e) => format!("error: {e}"),
        };
        let mut s = format!(
            "eval {} rows, sqlite {}",
            self.eval.len(),
            show(&self.sqlite.1)
        );
        if let Some((_, pg)) = &self.pg {
            let _ = write!(s, ", postgres {}", show(pg));
        }
        s
    }

    /// A full report: the filter, the plan, each back end's SQL, parameters and result, and
    /// the records on which the back ends differ (at most `max_records`).
    pub fn report(&self, db: &Db, max_records: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "filter: {}", self.filter);
        let _ = writeln!(out, "plan:   {}", self.plan);
        let _ = writeln!(
            out,
            "eval:     {} {:?}",
            self.eval.len(),
            abbreviate(&self.eval)
        );
        let mut differing: BTreeSet<i64> = BTreeSet::new();
        let mut backend = |name: &str, (query, rids): &(Option<Query>, Rids), out: &mut String| {
            match rids {
                Ok(r) => {
                    let _ = writeln!(out, "{name}: {} {:?}", r.len(), abbreviate(r));
                    let a: BTreeSet<i64> = r.iter().copied().collect();
                    let b: BTreeSet<i64> = self.eval.iter().copied().collect();
                    let only_sql: Vec<i64> = a.difference(&b).copied().collect();
                    let only_eval: Vec<i64> = b.difference(&a).copied().collect();
                    if !only_sql.is_empty() || !only_eval.is_empty() {
                        let _ = writeln!(
                            out,
                            "  only {name}: {only_sql:?}\n  only eval:  {only_eval:?}"
                        );
                    }
                    differing.extend(only_sql);
                    differing.extend(only_eval);
                }
                Err(e) => {
                    let _ = writeln!(out, "{name}: ERROR {e}");
                }
            }
            if let Some(q) = query {
                let _ = writeln!(out, "  {name} sql:    {}", q.sql);
                let _ = writeln!(out, "  {name} params: {:?}", q.params);
            }
        };
        backend("sqlite  ", &self.sqlite, &mut out);
        if let Some(pg) = &self.pg {
            backend("postgres", pg, &mut out);
        }
        for rid in differing.iter().take(max_records) {
            let _ = writeln!(out, "  record {rid}: {}", db.lines[(*rid - 1) as usize]);
        }
        if differing.len() > max_records {
            let _ = writeln!(out, "  … {} more records", differing.len() - max_records);
        }
        out
    }
}

fn abbreviate(v: &[i64]) -> String {
    if v.len() <= 24 {
        format!("{v:?}")
    } else {
        format!("{:?}…", &v[..24])
    }
}

impl Db {
    /// Loads `records` (one JSONL line each, rid = line number) in SQLite and, when `pg` is
    /// given, in PostgreSQL; naive datetimes are read in `zone`.
    pub fn load(
        schema: Schema,
        records: Vec<Value>,
        zone: FixedOffset,
        pg: Option<PgSchema>,
    ) -> Db {
        let lines: Vec<String> = records
            .iter()
            .map(|r| serde_json::to_string(r).expect("records serialize"))
            .collect();
        let text = lines.join("\n") + "\n";
        if std::env::var_os(KEEP_ENV).is_some() {
            let path = std::env::temp_dir().join(format!("{}.jsonl", schema.name));
            std::fs::write(&path, &text).expect("write the records");
            eprintln!(
                "{KEEP_ENV}: records of {} in {}",
                schema.name,
                path.display()
            );
        }
        let mut sqlite = sql::sqlite::open("sqlite::memory:").expect("SQLite opens");
        let n = sql::sqlite::load(&mut sqlite, &schema, text.as_bytes(), zone)
            .unwrap_or_else(|e| panic!("SQLite load of {} failed: {e}", schema.name));
        assert_eq!(n, records.len(), "SQLite loaded every record");
        let mut pg = pg;
        if let Some(p) = pg.as_mut() {
            let n = sql::postgres::load(&mut p.client, &schema, text.as_bytes(), zone)
                .unwrap_or_else(|e| panic!("PostgreSQL load of {} failed: {e:?}", schema.name));
            assert_eq!(n, records.len(), "PostgreSQL loaded every record");
            p.client
                .batch_execute("ANALYZE")
                .expect("PostgreSQL ANALYZE");
        }
        // Records exactly as the databases see them: parsed back from the loaded lines.
        let records = lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("lines are JSON"))
            .collect();
        Db {
            layout: Layout::of(&schema),
            schema,
            records,
            lines,
            sqlite,
            pg,
            zone,
        }
    }

    /// Plans `filter` with `options` (Spark limits, fixed clock).
    pub fn plan(&self, filter: &str, options: &PlanOptions) -> Result<Plan, String> {
        self.plan_with(filter, &parse_options(), options)
    }

    /// Plans `filter` with explicit parse options.
    pub fn plan_with(
        &self,
        filter: &str,
        parse: &ParseOptions,
        options: &PlanOptions,
    ) -> Result<Plan, String> {
        let options = PlanOptions {
            clock: parse.clock,
            limits: parse.limits.clone(),
            ..options.clone()
        };
        plan::check(filter, &self.schema, &options).map_err(|errors| {
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// The rids the evaluator matches.
    pub fn eval(&self, plan: &Plan) -> Vec<i64> {
        let ev = Evaluator::new(plan).expect("evaluator compiles the plan");
        self.records
            .iter()
            .enumerate()
            .filter(|(_, r)| ev.matches(*r))
            .map(|(i, _)| i as i64 + 1)
            .collect()
    }

    /// Compiles for SQLite and runs.
    pub fn sqlite(&self, plan: &Plan) -> (Option<Query>, Rids) {
        let query = match sql::compile(plan, &self.layout, &sql::Sqlite, Paging::default()) {
            Ok(q) => q,
            Err(e) => return (None, Err(format!("compile: {e}"))),
        };
        let rids = self.sqlite_rids(&query);
        (Some(query), rids)
    }

    /// Runs a query on SQLite; rids sorted.
    pub fn sqlite_rids(&self, query: &Query) -> Rids {
        sql::sqlite::run(&self.sqlite, query)
            .map(|rows| sorted(rows.into_iter().map(|(rid, _)| rid).collect()))
            .map_err(|e| format!("run: {e}"))
    }

    /// Compiles for PostgreSQL and runs, when PostgreSQL is configured.
    pub fn pg(&mut self, plan: &Plan) -> Option<(Option<Query>, Rids)> {
        self.pg.as_ref()?;
        let query = match sql::compile(plan, &self.layout, &sql::Postgres, Paging::default()) {
            Ok(q) => q,
            Err(e) => return Some((None, Err(format!("compile: {e}")))),
        };
        let rids = self.pg_rids(&query)?;
        Some((Some(query), rids))
    }

    /// Runs a query on PostgreSQL; rids sorted.
    pub fn pg_rids(&mut self, query: &Query) -> Option<Rids> {
        let pg = self.pg.as_mut()?;
        Some(
            sql::postgres::run(&mut pg.client, query)
                .map(|rows| sorted(rows.into_iter().map(|(rid, _)| rid).collect()))
                .map_err(|e| format!("run: {e:?}")),
        )
    }

    /// Runs a PostgreSQL query prepared with explicit parameter types (text for `Text`, int8
    /// for `Int`…), which works around placeholders PostgreSQL cannot type from the SQL alone.
    /// A diagnostic: what the back end would answer once the compiler types its parameters.
    pub fn pg_rids_typed(&mut self, query: &Query) -> Option<Rids> {
        use postgres::types::{ToSql, Type};
        use spark_filter::sql::Param;
        let pg = self.pg.as_mut()?;
        let types: Vec<Type> = query
            .params
            .iter()
            .map(|p| match p {
                Param::Bool(_) => Type::BOOL,
                Param::Int(_) => Type::INT8,
                Param::Float(_) => Type::FLOAT8,
                Param::Text(_) => Type::TEXT,
                Param::Date(_) => Type::DATE,
                Param::DateTime(_) => Type::TIMESTAMPTZ,
                Param::Time(_) => Type::TIME,
            })
            .collect();
        let values: Vec<Box<dyn ToSql + Sync>> = query
            .params
            .iter()
            .map(spark_filter::sql::postgres::param_value)
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let result = pg
            .client
            .prepare_typed(&query.sql, &types)
            .and_then(|stmt| pg.client.query(&stmt, &refs));
        Some(
            result
                .map(|rows| sorted(rows.iter().map(|r| r.get::<_, i64>(0)).collect()))
                .map_err(|e| format!("run (typed): {e:?}")),
        )
    }

    /// Plans `filter` and runs it everywhere. `Err` when it does not plan.
    pub fn outcome(&mut self, filter: &str, options: &PlanOptions) -> Result<Outcome, String> {
        let plan = self.plan(filter, options)?;
        Ok(self.run_plan(filter, &plan))
    }

    /// Runs a plan everywhere.
    pub fn run_plan(&mut self, filter: &str, plan: &Plan) -> Outcome {
        Outcome {
            filter: filter.to_string(),
            plan: plan.to_string(),
            eval: self.eval(plan),
            sqlite: self.sqlite(plan),
            pg: self.pg(plan),
        }
    }

    /// The rids SQL finds with the plan's condition negated (`WHERE NOT (condition)`), on
    /// SQLite and PostgreSQL: the complement check of SQL's own `NOT`.
    pub fn negated(&mut self, plan: &Plan) -> (Rids, Option<Rids>) {
        let table = format!("\"{}\"", self.layout.table);
        let not = |dialect: &dyn sql::Dialect| -> Result<Query, String> {
            let c = sql::condition(plan, &self.layout, dialect, 0)
                .map_err(|e| format!("compile: {e}"))?;
            Ok(Query {
                sql: format!(
                    "SELECT t.rid, t.doc FROM {table} AS t WHERE NOT ({}) ORDER BY t.rid",
                    c.sql
                ),
                params: c.params,
            })
        };
        let s = not(&sql::Sqlite).and_then(|q| self.sqlite_rids(&q));
        let p = match (self.pg.is_some(), not(&sql::Postgres)) {
            (false, _) => None,
            (true, Ok(q)) => self.pg_rids(&q),
            (true, Err(e)) => Some(Err(e)),
        };
        (s, p)
    }

    /// All rids.
    pub fn all_rids(&self) -> Vec<i64> {
        (1..=self.records.len() as i64).collect()
    }

    /// Every table of the layout with its row count and a checksum of its content, from
    /// SQLite and (if any) PostgreSQL: what a hostile filter must leave unchanged.
    pub fn fingerprint(&mut self) -> (TableSums, Option<TableSums>) {
        let mut tables = vec![self.layout.table.clone()];
        tables.extend(self.layout.child_tables().iter().map(|t| t.to_string()));
        let mut lite = Vec::new();
        for t in &tables {
            // Every column as text, in a fixed order: a change anywhere changes the sum.
            let sql = format!("SELECT * FROM \"{t}\" ORDER BY 1, 2");
            let mut stmt = self.sqlite.prepare(&sql).expect("table exists in SQLite");
            let cols = stmt.column_count();
            let mut hash = Fnv::default();
            let mut count = 0;
            let mut rows = stmt.query([]).expect("select");
            while let Some(row) = rows.next().expect("row") {
                count += 1;
                for i in 0..cols {
                    let v: rusqlite::types::Value = row.get(i).expect("cell");
                    hash.write(format!("{v:?}").as_bytes());
                }
                hash.write(b"\n");
            }
            lite.push((t.clone(), count, hash.0));
        }
        let pg = self.pg.as_mut().map(|p| {
            let mut out = Vec::new();
            for t in &tables {
                // The whole row as its text form.
                let sql = format!("SELECT r::text FROM \"{t}\" AS r ORDER BY 1");
                let rows = p
                    .client
                    .query(&sql, &[])
                    .expect("table exists in PostgreSQL");
                let mut hash = Fnv::default();
                for r in &rows {
                    let s: String = r.get(0);
                    hash.write(s.as_bytes());
                    hash.write(b"\n");
                }
                out.push((t.clone(), rows.len() as i64, hash.0));
            }
            out
        });
        (lite, pg)
    }
}

/// Per table: (name, row count, checksum of the rows).
pub type TableSums = Vec<(String, i64, u64)>;

/// FNV-1a, 64 bits: a stable checksum.
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Adds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

// ---- reading record values (to draw filter values from the data) ------------------------------

/// What a `{}` step does with an object value that is not a boolean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flags {
    /// Fail the test: the data must hold booleans there (sample and schema checks).
    Checked,
    /// Skip it, as every back end does (the SQL tests put other values there on purpose).
    Lenient,
}

/// The values at `path` in `value`: missing branches yield nothing, `[]` one value per element,
/// `{}` the keys whose value is `true` (any other value is a test failure).
pub fn walk(value: &Value, path: &[PathStep], out: &mut Vec<Value>) {
    walk_with(value, path, Flags::Checked, out);
}

/// [`walk`], with the handling of non-boolean `{}` values chosen by the caller.
pub fn walk_with(value: &Value, path: &[PathStep], flags: Flags, out: &mut Vec<Value>) {
    let Some((step, rest)) = path.split_first() else {
        out.push(value.clone());
        return;
    };
    match step {
        PathStep::Key(k) => {
            if let Some(v) = value.get(k.as_str()) {
                walk_with(v, rest, flags, out);
            }
        }
        PathStep::Each => {
            if let Value::Array(items) = value {
                for item in items {
                    walk_with(item, rest, flags, out);
                }
            }
        }
        PathStep::Keys => {
            if let Value::Object(map) = value {
                for (k, v) in map {
                    assert!(
                        flags == Flags::Lenient || v.is_boolean(),
                        "{k}: object values must be booleans, got {v}"
                    );
                    if *v == Value::Bool(true) {
                        walk_with(&Value::String(k.clone()), rest, flags, out);
                    }
                }
            }
        }
    }
}

/// The values at a path written as the schemas write them (`Emails[].Address`, `Tags[]`,
/// `Designations{}`: the keys whose value is `true`), read leniently by [`walk_with`]: the
/// SQL tests' records hold other values under object keys on purpose.
pub fn values_at(record: &Value, path: &str) -> Vec<Value> {
    let steps = plan::schema::parse_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    walk_with(record, &steps, Flags::Lenient, &mut out);
    out
}

/// The distinct strings at a path over all records (object-key paths give the keys whose
/// value is `true`).
pub fn strings_at(records: &[Value], path: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for r in records {
        for v in values_at(r, path) {
            match v {
                Value::String(s) => {
                    out.insert(s);
                }
                Value::Array(items) => {
                    out.extend(items.into_iter().filter_map(|i| match i {
                        Value::String(s) => Some(s),
                        _ => None,
                    }));
                }
                _ => {}
            }
        }
    }
    out.into_iter().collect()
}

// ---- the conformance file -------------------------------------------------------------------

/// One line of `shared/conformance/syntax.jsonl`.
#[derive(Debug, Clone)]
pub struct Conformance {
    /// 1-based line number in the file.
    pub line: usize,
    pub filter: String,
    pub accept: bool,
    pub from: String,
    pub note: Option<String>,
}

/// The conformance file vendored in the repository (a copy of the shared one).
pub fn conformance_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance.jsonl")
}

/// The shared conformance file beside the repository, where there is one (CI's
/// conformance step runs it too); it may hold lines newer than the vendored copy.
pub fn shared_conformance_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/syntax.jsonl")
}

/// The conformance lines: the vendored file's, then any of the shared file's (when it is
/// beside the repository) whose filter the vendored file does not hold. Always `Some`
/// (the vendored file is part of the repository); the `Option` is kept for the callers.
pub fn conformance() -> Option<Vec<Conformance>> {
    let mut lines = read_conformance(&conformance_path());
    let shared = shared_conformance_path();
    if shared.exists() {
        let known: std::collections::HashSet<String> =
            lines.iter().map(|l| l.filter.clone()).collect();
        lines.extend(
            read_conformance(&shared)
                .into_iter()
                .filter(|l| !known.contains(&l.filter)),
        );
    }
    Some(lines)
}

fn read_conformance(path: &std::path::Path) -> Vec<Conformance> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: not JSON: {e}", path.display(), i + 1));
        let field = |name: &str| v.get(name).and_then(|x| x.as_str()).map(str::to_string);
        lines.push(Conformance {
            line: i + 1,
            filter: field("filter")
                .unwrap_or_else(|| panic!("{}:{}: no \"filter\"", path.display(), i + 1)),
            accept: v
                .get("accept")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or_else(|| panic!("{}:{}: no \"accept\"", path.display(), i + 1)),
            from: field("from").unwrap_or_default(),
            note: field("note"),
        });
    }
    assert!(!lines.is_empty(), "{} has no lines", path.display());
    lines
}
