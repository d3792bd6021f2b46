//! How `eval` and `query` print their results, shared so that both print the same bytes.

use std::io::{self, Write};

use clap::Args;
use serde_json::Value;

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Print the matching records' Id values (or line numbers for records without one).
    #[arg(long, conflicts_with = "count")]
    pub ids: bool,
    /// Print only the number of matching records.
    #[arg(long)]
    pub count: bool,
}

pub struct Output<W: Write> {
    ids: bool,
    count: bool,
    n: u64,
    out: W,
}

impl<W: Write> Output<W> {
    pub fn new(args: &OutputArgs, out: W) -> Self {
        Output {
            ids: args.ids,
            count: args.count,
            n: 0,
            out,
        }
    }

    /// One matching record: its 1-based line number, the parsed record and its JSON text.
    pub fn record(&mut self, line_no: usize, record: &Value, text: &str) -> io::Result<()> {
        self.n += 1;
        if self.count {
            return Ok(());
        }
        if self.ids {
            match record.get("Id") {
                Some(Value::String(s)) => writeln!(self.out, "{s}"),
                Some(Value::Number(n)) => writeln!(self.out, "{n}"),
                _ => writeln!(self.out, "{line_no}"),
            }
        } else {
            writeln!(self.out, "{}", text.trim_end())
        }
    }

    pub fn finish(mut self) -> io::Result<()> {
        if self.count {
            writeln!(self.out, "{}", self.n)?;
        }
        self.out.flush()
    }
}
