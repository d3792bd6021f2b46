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
    /// With --batch: threads that parse (default: the available cores). Answers stay in
    /// input order whatever the number.
    #[arg(long, value_name = "N", requires = "batch", value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    #[command(flatten)]
    syntax: SyntaxArgs,
}

pub fn run(args: ParseArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if args.ast && args.batch.is_none() {
        return Err("--ast goes with --batch (use --json for one filter's tree)".into());
    }
    let options = args.syntax.options();
    if let Some(path) = &args.batch {
        let input: Box<dyn BufRead + Send> = if path == "-" {
            Box::new(BufReader::with_capacity(1 << 16, io::stdin()))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, File::open(path)?))
        };
        let stdout = io::stdout().lock();
        let mut out = BufWriter::with_capacity(1 << 16, stdout);
        let threads = match args.threads {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let all_ok = if threads > 1 {
            batch_parallel(input, &mut out, &options, args.ast, threads)?
        } else {
            batch(input, &mut out, &options, args.ast)?
        };
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
        all_ok &= answer(&buf, out, options, with_ast)?;
    }
}

/// Lines a worker takes at a time: large enough that hand-over costs little per line.
const CHUNK_LINES: usize = 1024;

/// [`batch`] on `threads` workers. A reader cuts the input into chunks of whole lines,
/// workers answer chunks into buffers, and this thread writes the buffers in input order.
/// Chunks in flight are bounded, so memory stays bounded on endless input.
fn batch_parallel(
    mut input: impl BufRead + Send,
    out: &mut impl Write,
    options: &ParseOptions,
    with_ast: bool,
    threads: usize,
) -> io::Result<bool> {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, mpsc};

    type Done = (usize, io::Result<(Vec<u8>, bool)>);
    let in_flight = threads * 2;
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(in_flight);
    // Owned by the workers only: when they stop (the writer failed, say), the reader's
    // sends fail and it stops too, so no thread is left waiting.
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<Done>(in_flight);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> io::Result<()> {
            for index in 0.. {
                let mut chunk = Vec::with_capacity(CHUNK_LINES * 128);
                for _ in 0..CHUNK_LINES {
                    if input.read_until(b'\n', &mut chunk)? == 0 {
                        break;
                    }
                }
                if chunk.is_empty() || work_tx.send((index, chunk)).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let work_rx = Arc::clone(&work_rx);
            scope.spawn(move || {
                loop {
                    // The lock is held only while taking a chunk.
                    let job = work_rx
                        .lock()
                        .map_err(drop)
                        .and_then(|rx| rx.recv().map_err(drop));
                    let Ok((index, chunk)) = job else { return };
                    let answered = answer_chunk(&chunk, options, with_ast);
                    if done_tx.send((index, answered)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        drop(work_rx);
        let mut all_ok = true;
        let mut next = 0;
        let mut waiting: BTreeMap<usize, (Vec<u8>, bool)> = BTreeMap::new();
        let written = (|| -> io::Result<()> {
            for (index, answered) in done_rx.iter() {
                waiting.insert(index, answered?);
                while let Some((bytes, ok)) = waiting.remove(&next) {
                    out.write_all(&bytes)?;
                    all_ok &= ok;
                    next += 1;
                }
            }
            Ok(())
        })();
        // Without the receiver the workers' sends fail, so they stop, and then the reader.
        drop(done_rx);
        let read = reader
            .join()
            .map_err(|_| io::Error::other("the batch reader stopped"))?;
        written?;
        read?;
        Ok(all_ok)
    })
}

/// The answers to a chunk of whole lines, and whether all parsed.
fn answer_chunk(
    chunk: &[u8],
    options: &ParseOptions,
    with_ast: bool,
) -> io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity(chunk.len() / 4);
    let mut all_ok = true;
    for line in chunk.split_inclusive(|&b| b == b'\n') {
        all_ok &= answer(line, &mut out, options, with_ast)?;
    }
    Ok((out, all_ok))
}

/// Writes the answer to one input line (with or without its line end); returns whether the
/// filter parsed.
fn answer(
    line: &[u8],
    out: &mut impl Write,
    options: &ParseOptions,
    with_ast: bool,
) -> io::Result<bool> {
    let line = trim_newline(line);
    Ok(match serde_json::from_slice::<Line<'_>>(line) {
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
    })
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
