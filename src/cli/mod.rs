//! Command-line definitions and dispatch. All printing of the project happens here.

mod check;
mod db;
mod demo;
mod eval;
mod generate;
mod output;
mod parse;
mod search;
#[cfg(feature = "server")]
mod serve;

use std::fs::File;
use std::io;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use spark_filter::{Clock, Limits, ParseOptions};

/// Parse, check, compile and evaluate Spark API `_filter` expressions.
#[derive(Parser, Debug)]
#[command(name = "spark-filter", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The main job: the seed filters on the bundled sample accounts, in SQLite and in memory.
    Demo,
    /// Parse a filter: print its canonical form, its tree (--json), or the error.
    Parse(parse::ParseArgs),
    /// Check a filter against a schema: print its plan, or every error.
    Check(check::CheckArgs),
    /// Filter JSONL records in memory: print the matches, their Ids (--ids) or --count.
    Eval(eval::EvalArgs),
    /// Write deterministic sample records as JSONL.
    Gen(generate::GenArgs),
    /// Create a service's tables in a database and load JSONL records (replacing the tables).
    Load(db::LoadArgs),
    /// Insert or replace JSONL records by Id in loaded tables (bad lines are reported with
    /// their line numbers and not written; exit status 1 when there were any).
    Upsert(db::UpsertArgs),
    /// Delete records by Id from loaded tables.
    Delete(db::DeleteArgs),
    /// Run a filter as SQL on a loaded database; prints what eval prints.
    Query(db::QueryArgs),
    /// Print the SQL and parameters a filter compiles to.
    Sql(db::SqlArgs),
    /// Answer a search request (a query string) as a server would: print the response body
    /// and exit 0 for a 2xx status, 1 for a 4xx, 2 when it could not run.
    Search(search::SearchArgs),
    /// Serve the seed services (Accounts, Portal Groups, Portal Accounts) over HTTP.
    #[cfg(feature = "server")]
    Serve(serve::ServeArgs),
}

/// Options every command that parses shares.
#[derive(Args, Debug, Clone)]
pub struct SyntaxArgs {
    /// Fix the clock for now(), days() and the other relative-date functions (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Most comparisons in one filter.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_expressions)]
    max_expressions: usize,
    /// Deepest nesting of groups (parentheses around conditions).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Most values in a list or arguments in a call.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_list)]
    max_list: usize,
    /// Deepest nesting of function calls.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_function_depth)]
    max_function_depth: usize,
    /// Longest filter in bytes.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_bytes)]
    max_bytes: usize,
    /// Largest compiled size of a regex() pattern, in bytes (at most the default).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_regex_size)]
    max_regex_size: usize,
}

impl SyntaxArgs {
    /// The parse options these flags describe.
    pub fn options(&self) -> ParseOptions {
        ParseOptions {
            clock: self.now.map_or(Clock::System, Clock::Fixed),
            limits: Limits {
                max_expressions: self.max_expressions,
                max_depth: self.max_depth,
                max_list: self.max_list,
                max_function_depth: self.max_function_depth,
                max_bytes: self.max_bytes,
                max_regex_size: self.max_regex_size,
                ..Limits::default()
            },
        }
    }
}

fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-11-22T12:00:00Z: {e}"))
}

/// Runs a command; `Err` is an operational failure (I/O), reported with exit code 2.
pub fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Demo => demo::run(),
        Command::Parse(args) => parse::run(args),
        Command::Check(args) => check::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Gen(args) => generate::run(args),
        Command::Load(args) => db::load(args),
        Command::Upsert(args) => db::upsert(args),
        Command::Delete(args) => db::delete(args),
        Command::Query(args) => db::query(args),
        Command::Sql(args) => db::sql(args),
        Command::Search(args) => search::run(args),
        #[cfg(feature = "server")]
        Command::Serve(args) => serve::run(args),
    }
}

/// Opens a line input: standard input for `-`, else the file (named in the error, as
/// [`open_file`]), buffered.
pub fn open_input(path: &str) -> io::Result<Box<dyn io::BufRead>> {
    Ok(if path == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(io::BufReader::with_capacity(1 << 16, open_file(path)?))
    })
}

/// Opens an input file, naming it in the error: `cannot open x.jsonl: No such file or
/// directory`.
pub fn open_file(path: &str) -> io::Result<File> {
    File::open(path).map_err(|e| {
        let reason = e.to_string();
        let reason = match reason.find(" (os error") {
            Some(at) => reason[..at].to_string(),
            None => reason,
        };
        io::Error::new(e.kind(), format!("cannot open {path}: {reason}"))
    })
}

/// Whether an error comes from writing into a closed pipe (`spark-filter … | head`), which
/// ends the command quietly with status 0.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::BrokenPipe {
                return true;
            }
        }
        if let Some(json) = e.downcast_ref::<serde_json::Error>() {
            if json.io_error_kind() == Some(io::ErrorKind::BrokenPipe) {
                return true;
            }
        }
        cur = e.source();
    }
    false
}

/// Prints planning errors (each rendered against the text its span points into) and
/// returns exit code 1.
pub fn report_errors(errors: &[(spark_filter::Error, String)]) -> ExitCode {
    for (e, text) in errors {
        eprintln!("{}\n", e.render(text));
    }
    ExitCode::FAILURE
}
