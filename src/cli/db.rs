//! `spark-filter load`, `query` and `sql`: the SQL back ends from the command line.

use std::io::{self, BufRead, BufReader, BufWriter, Write};
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
    let input: Box<dyn BufRead> = if args.file == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(BufReader::with_capacity(
            1 << 16,
            super::open_file(&args.file)?,
        ))
    };
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
fn compile_filter(
    plan: &PlanArgs,
    paging: &PagingArgs,
    filter: &str,
    dialect: &dyn Dialect,
) -> Result<Result<Query, ExitCode>, Box<dyn std::error::Error>> {
    let planned = match plan.plan(filter)? {
        Ok(p) => p,
        Err(errors) => return Ok(Err(super::report_errors(&errors))),
    };
    let schema = builtin::resolve(&plan.schema)?;
    let paging = Paging {
        limit: paging.limit,
        page: paging.page,
    };
    let query = sql::compile(&planned, &Layout::of(&schema), dialect, paging)
        .map_err(|e| e.render(filter))?;
    Ok(Ok(query))
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
        Ok(q) => q,
        Err(code) => return Ok(code),
    };
    let rows = if sqlite {
        sql::sqlite::run(&sql::sqlite::open(&args.db)?, &q)?
    } else {
        sql::postgres::run(&mut sql::postgres::connect(&args.db)?, &q)?
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
    let q = match compile_filter(&args.plan, &args.paging, &args.filter, dialect)? {
        Ok(q) => q,
        Err(code) => return Ok(code),
    };
    let mut out = io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&q)?)?;
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
