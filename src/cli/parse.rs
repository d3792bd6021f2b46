//! `spark-filter parse`: one filter, or a JSONL batch.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
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
    /// Print the syntax tree as JSON instead of the canonical filter (on errors, only the
    /// error as JSON).
    #[arg(long)]
    json: bool,
    /// Read JSONL lines {"filter": "..."} from FILE (or - for standard input) and write one
    /// JSONL answer per line, in order: {"ok":true} (then "canonical", then "ast" when asked)
    /// or {"ok":false,"error":{"code","kind","message","start","end"}}, keys in that order.
    /// Exit status: 0 when every line parsed, 1 when any did not, 2 when the input cannot
    /// be read.
    #[arg(long, value_name = "FILE|-")]
    batch: Option<String>,
    /// With --batch: add the canonical text ("canonical") to each successful answer.
    #[arg(long, requires = "batch")]
    canonical: bool,
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
    if args.canonical && args.batch.is_none() {
        return Err("--canonical goes with --batch (one filter prints its canonical text)".into());
    }
    let options = args.syntax.options();
    if let Some(path) = &args.batch {
        let source: Box<dyn Read + Send> = if path == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(super::open_file(path)?)
        };
        let input = BufReader::with_capacity(1 << 16, source);
        let flags = Flags {
            ast: args.ast,
            canonical: args.canonical,
        };
        let stdout = io::stdout().lock();
        let mut out = BufWriter::with_capacity(1 << 16, stdout);
        let threads = match args.threads {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let all_ok = if threads > 1 {
            batch_parallel(input, &mut out, &options, flags, threads)?
        } else {
            batch(input, &mut out, &options, flags)?
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
                // Only JSON: the error, span included, is in it.
                let answer = serde_json::json!({ "ok": false, "error": e });
                writeln!(io::stdout().lock(), "{answer}")?;
            } else {
                eprintln!("{}", e.render(&filter));
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// What each batch answer holds besides "ok".
#[derive(Clone, Copy)]
struct Flags {
    ast: bool,
    canonical: bool,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    filter: Cow<'a, str>,
}

/// Answers every line; returns whether all parsed.
///
/// Output is buffered, and flushed whenever every line read so far is answered and the
/// next line has not arrived yet: a bulk batch writes in large blocks, and a client that
/// sends one line at a time gets each answer as soon as it is ready.
fn batch(
    mut input: BufReader<impl Read>,
    out: &mut impl Write,
    options: &ParseOptions,
    flags: Flags,
) -> io::Result<bool> {
    let mut all_ok = true;
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(all_ok);
        }
        all_ok &= answer(&buf, out, options, flags)?;
        if input.buffer().is_empty() {
            out.flush()?;
        }
    }
}

/// Lines a worker takes at a time: large enough that hand-over costs little per line.
const CHUNK_LINES: usize = 1024;

/// [`batch`] on `threads` workers. A reader cuts the input into chunks of whole lines,
/// workers answer chunks into buffers, and this thread writes the buffers in input order.
/// Chunks in flight are bounded, so memory stays bounded on endless input.
///
/// As in [`batch`], a line-at-a-time client gets each answer at once: a chunk ends early
/// when no more input is buffered, and the writer flushes whenever no answer is waiting.
fn batch_parallel(
    mut input: BufReader<impl Read + Send>,
    out: &mut impl Write,
    options: &ParseOptions,
    flags: Flags,
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
                    if input.read_until(b'\n', &mut chunk)? == 0 || input.buffer().is_empty() {
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
                    let answered = answer_chunk(&chunk, options, flags);
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
            loop {
                let (index, answered) = match done_rx.try_recv() {
                    Ok(done) => done,
                    Err(mpsc::TryRecvError::Disconnected) => return Ok(()),
                    Err(mpsc::TryRecvError::Empty) => {
                        out.flush()?;
                        match done_rx.recv() {
                            Ok(done) => done,
                            Err(_) => return Ok(()),
                        }
                    }
                };
                waiting.insert(index, answered?);
                while let Some((bytes, ok)) = waiting.remove(&next) {
                    out.write_all(&bytes)?;
                    all_ok &= ok;
                    next += 1;
                }
            }
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
fn answer_chunk(chunk: &[u8], options: &ParseOptions, flags: Flags) -> io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity(chunk.len() / 4);
    let mut all_ok = true;
    for line in chunk.split_inclusive(|&b| b == b'\n') {
        all_ok &= answer(line, &mut out, options, flags)?;
    }
    Ok((out, all_ok))
}

/// Writes the answer to one input line (with or without its line end); returns whether the
/// filter parsed.
fn answer(
    line: &[u8],
    out: &mut impl Write,
    options: &ParseOptions,
    flags: Flags,
) -> io::Result<bool> {
    let line = trim_newline(line);
    let read = match plain_filter_line(line) {
        Some(filter) => Ok(Line { filter }),
        None => serde_json::from_slice::<Line<'_>>(line),
    };
    Ok(match read {
        Ok(Line { filter }) => match parse_with(&filter, options) {
            Ok(tree) => {
                out.write_all(b"{\"ok\":true")?;
                if flags.canonical {
                    out.write_all(b",\"canonical\":")?;
                    serde_json::to_writer(&mut *out, &tree.to_string())?;
                }
                if flags.ast {
                    out.write_all(b",\"ast\":")?;
                    serde_json::to_writer(&mut *out, &tree)?;
                }
                out.write_all(b"}\n")?;
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
            // The same keys, in the same order, as a parse error's answer.
            let message = format!("line is not a JSON object with a \"filter\" string: {e}");
            out.write_all(
                b"{\"ok\":false,\"error\":{\"code\":1040,\"kind\":\"invalid_input\",\"message\":",
            )?;
            serde_json::to_writer(&mut *out, &message)?;
            out.write_all(b",\"start\":0,\"end\":0}}\n")?;
            false
        }
    })
}

/// The filter of a line of the usual shape `{"filter": "…"}` (spaces allowed around the
/// tokens; the escapes `\" \\ \/ \b \f \n \r \t`), read without serde_json, which costs
/// about as much as parsing the filter. `None` for every other line, which serde_json reads
/// (and judges): other keys, `\u` escapes, control characters, invalid UTF-8, trailing text.
fn plain_filter_line(line: &[u8]) -> Option<Cow<'_, str>> {
    fn skip_ws(line: &[u8], mut i: usize) -> usize {
        while matches!(line.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    }
    let expect = |i: usize, token: &[u8]| -> Option<usize> {
        let i = skip_ws(line, i);
        line.get(i..i + token.len())
            .filter(|t| *t == token)
            .map(|_| i + token.len())
    };
    let start = expect(expect(expect(0, b"{")?, b"\"filter\"")?, b":")?;
    let start = expect(start, b"\"")?;
    // The string ends at the first '"' not escaped by a backslash.
    let mut i = start;
    let mut escaped = false;
    loop {
        i += memchr::memchr2(b'"', b'\\', line.get(i..)?)?;
        if line[i] == b'"' {
            break;
        }
        escaped = true;
        i += 2;
    }
    let end = expect(i + 1, b"}")?;
    if skip_ws(line, end) != line.len() {
        return None;
    }
    let body = line.get(start..i)?;
    if body.iter().any(|&b| b < 0x20) {
        return None;
    }
    if !escaped {
        return std::str::from_utf8(body).ok().map(Cow::Borrowed);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = memchr::memchr(b'\\', rest) {
        out.extend_from_slice(&rest[..at]);
        out.push(match *rest.get(at + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            _ => return None,
        });
        rest = &rest[at + 2..];
    }
    out.extend_from_slice(rest);
    String::from_utf8(out).ok().map(Cow::Owned)
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json reads from a line: the filter, or nothing.
    fn by_serde(line: &[u8]) -> Option<String> {
        serde_json::from_slice::<Line<'_>>(line)
            .ok()
            .map(|l| l.filter.into_owned())
    }

    fn agrees(line: &[u8]) {
        if let Some(fast) = plain_filter_line(line) {
            assert_eq!(Some(fast.into_owned()), by_serde(line), "{line:?}");
        }
    }

    #[test]
    fn plain_lines_read_as_serde_json_reads_them() {
        let lines: [&[u8]; 16] = [
            br#"{"filter":"City Eq 'Fargo'"}"#,
            br#" { "filter" : "A\"B\\C\/\n\t" } "#,
            br#"{"filter":""}"#,
            br#"{"filter":"\u00e9"}"#,
            br#"{"filter":"x","id":1}"#,
            br#"{"filter":"x"} x"#,
            br#"{"filter":"x"#,
            br#"{"filter":"x\"}"#,
            br#"{"filter":"\q"}"#,
            b"{\"filter\":\"a\tb\"}",
            b"{\"filter\":\"\xff\"}",
            "{\"filter\":\"é☃\"}".as_bytes(),
            br#"{"filter":5}"#,
            br#"{"Filter":"x"}"#,
            br#"[]"#,
            b"",
        ];
        for line in lines {
            agrees(line);
        }
        assert!(plain_filter_line(br#"{"filter":"A Eq 'x'"}"#).is_some());
        assert!(plain_filter_line(br#"{ "filter": "\"G\".\"F\" Eq 1" }"#).is_some());
    }

    proptest::proptest! {
        #[test]
        fn generated_lines_read_as_serde_json_reads_them(
            line in r#"[ ]?\{[ ]?"filter"[ ]?:[ ]?"([a-zA-Z '*é]|\\["\\/bfnrtuq]|[\x00-\x1f])*"[ ]?\}[ x]?"#
        ) {
            agrees(line.as_bytes());
        }
    }
}
