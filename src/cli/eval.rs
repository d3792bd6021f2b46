//! `spark-filter eval`: filter JSONL records in memory.

use std::io::{self, BufRead, BufWriter};
use std::process::ExitCode;

use clap::Args;
use spark_filter::eval::Evaluator;

use super::check::PlanArgs;
use super::output::{Output, OutputArgs};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The filter text.
    filter: String,
    /// JSONL records (one JSON object per line); - or absent for standard input.
    file: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    plan: PlanArgs,
}

pub fn run(args: EvalArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let plan = match args.plan.plan(&args.filter)? {
        Ok(p) => p,
        Err(errors) => return Ok(super::report_errors(&errors)),
    };
    let evaluator = Evaluator::new(&plan)?;
    let input = super::open_input(args.file.as_deref().unwrap_or("-"))?;
    let mut out = Output::new(
        &args.output,
        BufWriter::with_capacity(1 << 16, io::stdout().lock()),
    );
    let mut matched = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("line {}: not a JSON record: {e}", i + 1))?;
        if evaluator.matches(&record) {
            matched.push((i + 1, record, line));
        }
    }
    if !plan.order_by.is_empty() {
        spark_filter::eval::order::sort(&mut matched, |m| &m.1, &plan.order_by, plan.zone);
    }
    for (line_no, record, line) in &matched {
        out.record(*line_no, record, line)?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
