//! `spark-filter load`, `upsert`, `delete`, `query` and `sql`: the SQL back ends from the
//! command line.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use spark_filter::plan::builtin;
use spark_filter::sql::{self, Dialect, Layout, Paging, Postgres, Query, Sqlite};

use super::check::PlanArgs;
use super::output::{Output, OutputArgs};

fn utc() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(0).expect("UTC")
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// A built-in schema or a schema JSON file.
    #[arg(long, value_name = "NAME|FILE")]
    schema: String,
    /// sqlite://PATH, sqlite::memory: or postgres://user@host/db.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The zone of datetimes written without one in the records (default UTC).
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
    zone: Option<chrono::FixedOffset>,
    /// JSONL records; - for standard input.
    file: String,
}

pub fn load(args: LoadArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let schema = builtin::resolve(&args.schema)?;
    let input = super::open_input(&args.file)?;
    let zone = args.zone.unwrap_or_else(utc);
    let n = if args.db.starts_with("sqlite") {
        let mut conn = sql::sqlite::open(&args.db)?;
        sql::sqlite::load(&mut conn, &schema, input, zone)?
    } else {
        let mut client = sql::postgres::connect(&args.db)?;
        sql::postgres::load(&mut client, &schema, input, zone)?
    };
    eprintln!(
        "loaded {n} records into table {}",
        Layout::of(&schema).table
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct UpsertArgs {
    /// A built-in schema or a schema JSON file.
    #[arg(long, value_name = "NAME|FILE")]
    schema: String,
    /// sqlite://PATH or postgres://user@host/db, with tables made by `load`.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The zone of datetimes written without one in the records (default UTC).
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
    zone: Option<chrono::FixedOffset>,
    /// JSONL records, each with a string Id; - for standard input.
    file: String,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// A built-in schema or a schema JSON file.
    #[arg(long, value_name = "NAME|FILE")]
    schema: String,
    /// sqlite://PATH or postgres://user@host/db, with tables made by `load`.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The Ids of the records to delete.
    #[arg(required = true, value_name = "ID")]
    ids: Vec<String>,
}

/// Upserts JSONL records by Id, 500 per transaction. Each bad line (not JSON, not an
/// object, no string Id, a field of the wrong shape) is reported on stderr with its line
/// number and not written; the good lines are written; the exit status is 1 when a line was
/// bad.
pub fn upsert(args: UpsertArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let schema = builtin::resolve(&args.schema)?;
    require_loaded_sqlite(&args.db, &args.schema)?;
    let input = super::open_input(&args.file)?;
    let zone = args.zone.unwrap_or_else(utc);
    let report = if args.db.starts_with("sqlite") {
        let conn = sql::sqlite::open(&args.db)?;
        sql::sqlite::upsert_lines(&conn, &schema, input, zone)?
    } else {
        let mut client = sql::postgres::connect(&args.db)?;
        sql::postgres::upsert_lines(&mut client, &schema, input, zone)?
    };
    for e in &report.rejected {
        eprintln!("spark-filter: {e}");
    }
    let table = Layout::of(&schema).table;
    let mut summary = format!(
        "upserted {} records into table {table} ({} new, {} replaced)",
        report.new + report.replaced,
        report.new,
        report.replaced
    );
    if !report.rejected.is_empty() {
        summary.push_str(&format!(
            "; {} bad lines not written",
            report.rejected.len()
        ));
    }
    eprintln!("{summary}");
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Deletes records by Id, each in a transaction of its own.
pub fn delete(args: DeleteArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let schema = builtin::resolve(&args.schema)?;
    require_loaded_sqlite(&args.db, &args.schema)?;
    let mut deleted = 0;
    if args.db.starts_with("sqlite") {
        let conn = sql::sqlite::open(&args.db)?;
        for id in &args.ids {
            deleted += usize::from(sql::sqlite::delete(&conn, &schema, id)?);
        }
    } else {
        let mut client = sql::postgres::connect(&args.db)?;
        for id in &args.ids {
            deleted += usize::from(sql::postgres::delete(&mut client, &schema, id)?);
        }
    }
    eprintln!(
        "deleted {deleted} of {} ids from table {}",
        args.ids.len(),
        Layout::of(&schema).table
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug, Clone)]
pub struct PagingArgs {
    /// _limit: most records to return.
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// _page: which page of --limit records (1 is the first).
    #[arg(long, value_name = "N", requires = "limit")]
    page: Option<u64>,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The filter text.
    filter: String,
    /// sqlite://PATH, sqlite::memory: or postgres://user@host/db.
    #[arg(long, value_name = "URL")]
    db: String,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    paging: PagingArgs,
    #[command(flatten)]
    plan: PlanArgs,
}

/// Plans `filter` and compiles it for `dialect`: the query, or the exit code once the
/// planning errors have been reported.
/// A filter compiled to its statement, with the condition alone beside it (what
/// `sql --json` prints).
struct Compiled {
    condition: String,
    query: Query,
}

fn compile_filter(
    plan: &PlanArgs,
    paging: &PagingArgs,
    filter: &str,
    dialect: &dyn Dialect,
) -> Result<Result<Compiled, ExitCode>, Box<dyn std::error::Error>> {
    let planned = match plan.plan(filter)? {
        Ok(p) => p,
        Err(errors) => return Ok(Err(super::report_errors(&errors))),
    };
    let schema = builtin::resolve(&plan.schema)?;
    let paging = Paging {
        limit: paging.limit,
        page: paging.page,
    };
    let layout = Layout::of(&schema);
    let query = sql::compile(&planned, &layout, dialect, paging).map_err(|e| e.render(filter))?;
    let condition = sql::condition(&planned, &layout, dialect, 0)
        .map_err(|e| e.render(filter))?
        .sql;
    Ok(Ok(Compiled { condition, query }))
}

/// Refuses a `sqlite://PATH` whose file is not there: opening it would create an empty
/// database, and every search would find nothing. The error says what to do instead.
pub fn require_loaded_sqlite(url: &str, schema: &str) -> Result<(), String> {
    match url.strip_prefix("sqlite://") {
        Some(path) if !std::path::Path::new(path).exists() => Err(format!(
            "no database at {path}: run `spark-filter load --schema {schema} --db {url} RECORDS.jsonl` first"
        )),
        _ => Ok(()),
    }
}

pub fn query(args: QueryArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let sqlite = args.db.starts_with("sqlite");
    require_loaded_sqlite(&args.db, &args.plan.schema)?;
    let dialect: &dyn Dialect = if sqlite { &Sqlite } else { &Postgres };
    let q = match compile_filter(&args.plan, &args.paging, &args.filter, dialect)? {
        Ok(c) => c.query,
        Err(code) => return Ok(code),
    };
    // Tables another layout built would answer wrongly or not at all: say how to rebuild.
    let schema = builtin::resolve(&args.plan.schema)?;
    let rows = if sqlite {
        let conn = sql::sqlite::open(&args.db)?;
        sql::sqlite::check_layout(&conn, &schema)?;
        sql::sqlite::run(&conn, &q)?
    } else {
        let mut client = sql::postgres::connect(&args.db)?;
        sql::postgres::check_layout(&mut client, &schema)?;
        sql::postgres::run(&mut client, &q)?
    };
    let mut out = Output::new(
        &args.output,
        BufWriter::with_capacity(1 << 16, io::stdout().lock()),
    );
    for (rid, doc) in rows {
        let record: serde_json::Value = serde_json::from_str(&doc)?;
        out.record(rid as usize, &record, &doc)?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DialectArg {
    Postgres,
    Sqlite,
}

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// The filter text.
    filter: String,
    /// The SQL dialect.
    #[arg(long, value_enum)]
    dialect: DialectArg,
    /// Print {"condition","sql","params"} as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    paging: PagingArgs,
    #[command(flatten)]
    plan: PlanArgs,
}

pub fn sql(args: SqlArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let dialect: &dyn Dialect = match args.dialect {
        DialectArg::Postgres => &Postgres,
        DialectArg::Sqlite => &Sqlite,
    };
    let (condition, q) = match compile_filter(&args.plan, &args.paging, &args.filter, dialect)? {
        Ok(c) => (c.condition, c.query),
        Err(code) => return Ok(code),
    };
    let mut out = io::stdout().lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct Json<'a> {
            condition: &'a str,
            sql: &'a str,
            params: &'a [sql::Param],
        }
        let json = Json {
            condition: &condition,
            sql: &q.sql,
            params: &q.params,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        writeln!(out, "{}", q.sql)?;
        // Parameters as the dialect numbers them: $1 in PostgreSQL, ?1 in SQLite.
        let mark = match args.dialect {
            DialectArg::Postgres => '$',
            DialectArg::Sqlite => '?',
        };
        for (i, p) in q.params.iter().enumerate() {
            writeln!(out, "-- {mark}{} = {}", i + 1, serde_json::to_string(p)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
