//! `spark-filter gen`: deterministic sample records as JSONL.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::Args;

#[derive(Args, Debug)]
pub struct GenArgs {
    /// The service whose records to generate (accounts or portal-groups).
    #[arg(long)]
    schema: String,
    /// How many records.
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// The seed: the same seed gives the same records.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: GenArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    // Streamed: large counts need no more memory than small ones.
    let records = spark_filter::sample::generate(&args.schema, args.seed)?;
    let mut out = BufWriter::new(io::stdout().lock());
    for r in records.take(args.count) {
        serde_json::to_writer(&mut out, &r)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
