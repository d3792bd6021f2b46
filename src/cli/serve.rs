//! `spark-filter serve`: the seed services over HTTP (see `src/server/`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// sqlite://PATH or postgres://user@host/db; default: an embedded SQLite database in the
    /// temp directory, filled with the bundled sample data (tables that exist are kept).
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// The API keys file ({"keys":[{"key","role",…}]}); default: sample keys, one per role,
    /// printed at start-up, and loopback addresses only.
    #[arg(long, value_name = "FILE")]
    keys: Option<PathBuf>,
    /// Where to listen; port 0 picks a free port (the address is printed).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Most database connections in use at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pool_size: usize,
    /// The statement timeout in milliseconds (a search past it is 1516, HTTP 503).
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    statement_timeout_ms: u64,
    /// Largest request body in bytes (413 past it).
    #[arg(long, value_name = "N", default_value_t = 64 * 1024)]
    max_body_bytes: usize,
    /// Longest request URL (path and query) in bytes (414 past it).
    #[arg(long, value_name = "N", default_value_t = 32 * 1024)]
    max_url_bytes: usize,
    /// The secret that signs and checks _skiptoken values (keyset paging); give every
    /// replica the same one. Default: the environment variable SPARK_FILTER_TOKEN_KEY, else
    /// 32 random bytes per start (tokens then end with the process). Never printed.
    #[arg(long, value_name = "SECRET")]
    token_key: Option<String>,
    /// Serve /v1/__panic, a route that panics (for testing the panic layer).
    #[arg(long, hide = true)]
    panic_route: bool,
}

pub fn run(args: ServeArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    crate::server::run(crate::server::Config {
        db: args.db,
        keys: args.keys,
        addr: args.addr,
        pool_size: args.pool_size.max(1),
        statement_timeout: Duration::from_millis(args.statement_timeout_ms.max(1)),
        max_body_bytes: args.max_body_bytes,
        max_url_bytes: args.max_url_bytes,
        panic_route: args.panic_route,
        token_key: args
            .token_key
            .or_else(|| std::env::var("SPARK_FILTER_TOKEN_KEY").ok())
            .filter(|k| !k.is_empty())
            .map(|k| spark_filter::request::TokenKey::new(k.into_bytes())),
    })?;
    Ok(ExitCode::SUCCESS)
}
