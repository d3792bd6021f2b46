//! `spark-filter parse`: one filter, or a JSONL batch.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use clap::Args;
use serde::Deserialize;
use spark_filter::{ParseOptions, parse_with};

use super::SyntaxArgs;

#[derive(Args, Debug)]
pub struct ParseArgs {
    /// The filter text (omit with --batch).
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    filter: Option<String>,
    /// Print the syntax tree as JSON instead of the canonical filter.
    #[arg(long)]
    json: bool,
    /// Read JSONL lines {"filter": "..."} from FILE (or - for standard input) and write one
    /// JSONL answer per line, in order.
    #[arg(long, value_name = "FILE|-")]
    batch: Option<String>,
    /// With --batch: add the syntax tree ("ast") to each successful answer.
    #[arg(long, requires = "batch")]
    ast: bool,
    #[command(flatten)]
    syntax: SyntaxArgs,
}

pub fn run(args: ParseArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if args.ast && args.batch.is_none() {
        return Err("--ast goes with --batch (use --json for one filter's tree)".into());
    }
    let options = args.syntax.options();
    if let Some(path) = &args.batch {
        let input: Box<dyn BufRead> = if path == "-" {
            Box::new(io::stdin().lock())
        } else {
            Box::new(BufReader::with_capacity(1 << 16, File::open(path)?))
        };
        let stdout = io::stdout().lock();
        let mut out = BufWriter::with_capacity(1 << 16, stdout);
        let all_ok = batch(input, &mut out, &options, args.ast)?;
        out.flush()?;
        return Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let filter = args.filter.unwrap_or_default();
    match parse_with(&filter, &options) {
        Ok(tree) => {
            let mut out = io::stdout().lock();
            if args.json {
                serde_json::to_writer_pretty(&mut out, &tree)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{tree}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if args.json {
                let answer = serde_json::json!({ "ok": false, "error": e });
                println!("{answer}");
            }
            eprintln!("{}", e.render(&filter));
            Ok(ExitCode::FAILURE)
        }
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    filter: Cow<'a, str>,
}

/// Answers every line; returns whether all parsed.
fn batch(
    mut input: impl BufRead,
    out: &mut impl Write,
    options: &ParseOptions,
    with_ast: bool,
) -> io::Result<bool> {
    let mut all_ok = true;
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(all_ok);
        }
        let line = trim_newline(&buf);
        let ok = match serde_json::from_slice::<Line<'_>>(line) {
            Ok(Line { filter }) => match parse_with(&filter, options) {
                Ok(tree) if with_ast => {
                    out.write_all(b"{\"ok\":true,\"ast\":")?;
                    serde_json::to_writer(&mut *out, &tree)?;
                    out.write_all(b"}\n")?;
                    true
                }
                Ok(_) => {
                    out.write_all(b"{\"ok\":true}\n")?;
                    true
                }
                Err(e) => {
                    out.write_all(b"{\"ok\":false,\"error\":")?;
                    serde_json::to_writer(&mut *out, &e)?;
                    out.write_all(b"}\n")?;
                    false
                }
            },
            Err(e) => {
                let message = format!("line is not a JSON object with a \"filter\" string: {e}");
                let answer = serde_json::json!({
                    "ok": false,
                    "error": { "code": 1040, "kind": "invalid_input", "message": message, "start": 0, "end": 0 }
                });
                serde_json::to_writer(&mut *out, &answer)?;
                out.write_all(b"\n")?;
                false
            }
        };
        all_ok &= ok;
    }
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
