//! The `spark-filter` command line.

mod cli;
#[cfg(feature = "server")]
mod server;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        // `spark-filter … | head`: the reader has what it wanted.
        Err(e) if cli::is_broken_pipe(&*e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spark-filter: {e}");
            ExitCode::from(2)
        }
    }
}
