//! `spark-filter search`: one request answered as a server would, over JSONL records in
//! memory or over a loaded database.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use clap::Args;
use spark_filter::plan::{Caller, Role, Schema, UserLevel, builtin};
use spark_filter::request::{Response, Search, SearchOptions, TokenKey};
use spark_filter::sql::{self, Dialect, Layout, Postgres, Sqlite};

use super::SyntaxArgs;

/// The `_skiptoken` key when neither --token-key nor SPARK_FILTER_TOKEN_KEY gives one. It is
/// public, so tokens made with it are only tamper-evident against accidents; a server passes
/// its own secret.
const DEVELOPMENT_KEY: &str = "spark-filter command line development key (not secret)";

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// The query string as received, e.g. "_filter=UserType+Eq+'Member'&_limit=5".
    query: String,
    /// A built-in schema (accounts, accounts-legacy, portal-groups, portal-accounts) or a
    /// schema JSON file.
    #[arg(long, value_name = "NAME|FILE")]
    schema: String,
    /// The API key's role: idx, public, vow, portal or private (no default).
    #[arg(long, value_name = "ROLE")]
    role: Role,
    /// The key is a Privileged key.
    #[arg(long)]
    privileged: bool,
    /// The key is a Replication key.
    #[arg(long)]
    replication: bool,
    /// The user's level: member (default), office, company or mls.
    #[arg(long, value_name = "LEVEL", default_value = "member")]
    user_level: UserLevel,
    /// The user's Id.
    #[arg(long, value_name = "ID")]
    user_id: Option<String>,
    /// JSONL records to search in memory.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "db",
        required_unless_present = "db"
    )]
    records: Option<String>,
    /// A database loaded with `spark-filter load`: sqlite://PATH or postgres://user@host/db.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// The zone of datetimes written without one, e.g. -05:00 (default UTC); for --db, the
    /// zone the records were loaded with.
    #[arg(long, value_name = "OFFSET", value_parser = super::check::parse_zone, allow_hyphen_values = true)]
    zone: Option<chrono::FixedOffset>,
    /// The secret that signs and checks _skiptoken values (default: the environment variable
    /// SPARK_FILTER_TOKEN_KEY, else a fixed public development key).
    #[arg(long, value_name = "SECRET")]
    token_key: Option<String>,
    #[command(flatten)]
    syntax: SyntaxArgs,
}

pub fn run(args: SearchArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let schema = builtin::resolve(&args.schema)?;
    let caller = Caller {
        privileged: args.privileged,
        replication: args.replication,
        user_level: args.user_level,
        user_id: args.user_id.clone(),
        ..Caller::new(args.role)
    };
    let key = args
        .token_key
        .clone()
        .or_else(|| std::env::var("SPARK_FILTER_TOKEN_KEY").ok())
        .unwrap_or_else(|| DEVELOPMENT_KEY.to_string());
    let mut options = SearchOptions::new(caller, TokenKey::new(key.as_bytes().to_vec()));
    let parse = args.syntax.options();
    options.plan.clock = parse.clock;
    options.plan.limits = parse.limits;
    if let Some(zone) = args.zone {
        options.plan.zone = zone;
    }
    let response = match Search::from_query(&args.query, &schema, &options) {
        Err(e) => e.response(),
        Ok(search) => match (&args.records, &args.db) {
            (Some(path), _) => {
                let records = read_records(path)?;
                search.run_in_memory(&records)
            }
            (None, Some(url)) => run_db(&search, &schema, url, &args.schema)?,
            (None, None) => return Err("give --records FILE or --db URL".into()),
        },
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", response.to_json())?;
    out.flush()?;
    Ok(if response.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn read_records(path: &str) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let input = super::open_input(path)?;
    let mut records = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        records.push(
            serde_json::from_str(&line)
                .map_err(|e| format!("line {}: not a JSON record: {e}", i + 1))?,
        );
    }
    Ok(records)
}

fn run_db(
    search: &Search,
    schema: &Schema,
    url: &str,
    schema_name: &str,
) -> Result<Response, Box<dyn std::error::Error>> {
    let layout = &Layout::of(schema);
    let sqlite = url.starts_with("sqlite");
    super::db::require_loaded_sqlite(url, schema_name)?;
    let dialect: &dyn Dialect = if sqlite { &Sqlite } else { &Postgres };
    let compiled = match search.sql(layout, dialect) {
        Ok(c) => c,
        Err(e) => return Ok(e.response()),
    };
    let (rows, total) = if sqlite {
        let conn = sql::sqlite::open(url)?;
        // Tables another layout built would answer wrongly: say how to rebuild them.
        sql::sqlite::check_layout(&conn, schema)?;
        let rows = match &compiled.rows {
            Some(q) => sql::sqlite::run(&conn, q)?,
            None => Vec::new(),
        };
        let total = match &compiled.count {
            Some(q) => {
                let params: Vec<_> = q.params.iter().map(sql::sqlite::param_value).collect();
                let n: i64 =
                    conn.query_row(&q.sql, rusqlite::params_from_iter(params), |r| r.get(0))?;
                Some(n as u64)
            }
            None => None,
        };
        (rows, total)
    } else {
        let mut client = sql::postgres::connect(url)?;
        sql::postgres::check_layout(&mut client, schema)?;
        let rows = match &compiled.rows {
            Some(q) => sql::postgres::run(&mut client, q)?,
            None => Vec::new(),
        };
        let total = match &compiled.count {
            Some(q) => {
                let values: Vec<_> = q.params.iter().map(sql::postgres::param_value).collect();
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    values.iter().map(|b| b.as_ref()).collect();
                let n: i64 = client.query_one(&q.sql, &params)?.get(0);
                Some(n as u64)
            }
            None => None,
        };
        (rows, total)
    };
    let docs: Vec<String> = rows.into_iter().map(|(_, doc)| doc).collect();
    Ok(search.respond(&docs, total))
}
