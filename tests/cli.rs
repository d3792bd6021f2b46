//! The `spark-filter parse` command, run as a user runs it: the built binary, its standard
//! streams and its exit code.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use spark_filter::parse_with;

const BIN: &str = env!("CARGO_BIN_EXE_spark-filter");

/// Runs the binary with `args`, feeding `stdin` if given.
fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spark-filter");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        // Write from another thread so a full stdout pipe cannot deadlock us.
        std::thread::spawn(move || pipe.write_all(&bytes).unwrap());
    }
    child.wait_with_output().expect("wait for spark-filter")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 stderr")
}

#[track_caller]
fn exit_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// `parse FILTER --now NOW [extra…]`.
fn parse(filter: &str, extra: &[&str]) -> Output {
    let mut args = vec!["parse", "--now", support::NOW];
    args.extend_from_slice(extra);
    args.push("--");
    args.push(filter);
    run(&args, None)
}

/// A scratch file under the target directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("cli-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The library's JSON tree for a filter, with the test clock.
fn library_tree(filter: &str) -> Value {
    serde_json::to_value(parse_with(filter, &support::parse_options()).unwrap()).unwrap()
}

/// The library's error JSON for a filter, with the test clock.
fn library_error(filter: &str) -> Value {
    serde_json::to_value(parse_with(filter, &support::parse_options()).unwrap_err()).unwrap()
}

// ---- one filter ---------------------------------------------------------------------------

#[test]
fn prints_the_canonical_text() {
    let o = parse("City eq 'Fargo'  aNd Beds Gt 2 or Baths bt 1, 2", &[]);
    exit_code(&o, 0);
    assert_eq!(
        stdout(&o),
        "City Eq 'Fargo' And Beds Gt 2 Or Baths Bt 1,2\n"
    );
    assert_eq!(stderr(&o), "");

    let o = parse("X Eq --5 Or D Eq days(-1)", &[]);
    exit_code(&o, 0);
    assert_eq!(stdout(&o), "X Eq 5 Or D Eq days(-1)\n");
}

#[test]
fn an_empty_filter_is_valid() {
    for filter in ["", "  \t "] {
        let o = parse(filter, &[]);
        exit_code(&o, 0);
        assert_eq!(stdout(&o), "\n");
    }
}

#[test]
fn errors_go_to_stderr_with_a_caret() {
    let filter = "City Eq 'Fargo' And Beds Eq";
    let o = parse(filter, &[]);
    exit_code(&o, 1);
    assert_eq!(stdout(&o), "");
    let err = parse_with(filter, &support::parse_options()).unwrap_err();
    assert_eq!(stderr(&o), format!("{}\n", err.render(filter)));
    let text = stderr(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("error[syntax]: "), "{text}");
    assert_eq!(lines[2], format!("1 | {filter}"));
    assert_eq!(lines[3], format!("  | {}^", " ".repeat(filter.len())));
    assert_eq!(lines[4], "  = Spark error code 1040");
}

#[test]
fn the_caret_underlines_the_span() {
    let o = parse("City Derp 'Fargo'", &[]);
    exit_code(&o, 1);
    let text = stderr(&o);
    assert!(
        text.contains("1 | City Derp 'Fargo'\n  |      ^^^^\n"),
        "{text}"
    );
}

#[test]
fn limit_errors_carry_code_1041() {
    let o = parse("(((A Eq 1)))", &[]);
    exit_code(&o, 1);
    let text = stderr(&o);
    assert!(text.starts_with("error[limit_exceeded]: "), "{text}");
    assert!(text.contains("= Spark error code 1041"), "{text}");
}

#[test]
fn limits_are_flags() {
    exit_code(&parse("(((A Eq 1)))", &["--max-depth", "3"]), 0);
    exit_code(&parse("A Eq 1 And B Eq 2", &["--max-expressions", "1"]), 1);
    exit_code(&parse("A Eq 1,2,3", &["--max-list", "2"]), 1);
    exit_code(
        &parse("A Eq trim(trim('a'))", &["--max-function-depth", "1"]),
        1,
    );
    let o = parse("A Eq 1", &["--max-bytes", "5"]);
    exit_code(&o, 1);
    assert!(stderr(&o).contains("1041"));
}

#[test]
fn json_prints_the_tree() {
    let filter = "City Eq 'Fargo','Moorhead' Or ListDate Gt days(-7)";
    let o = parse(filter, &["--json"]);
    exit_code(&o, 0);
    let printed: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(printed, library_tree(filter));
    assert_eq!(printed["expr"]["type"], "or");
    assert_eq!(
        printed["expr"]["children"][1]["rhs"]["value"]["value"],
        json!({"type": "date", "value": "2026-11-15"})
    );
}

#[test]
fn json_errors_are_json_too() {
    let filter = "Baths Eq 5 Div 0";
    let o = parse(filter, &["--json"]);
    exit_code(&o, 1);
    let printed: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(
        printed,
        json!({"ok": false, "error": library_error(filter)})
    );
    assert_eq!(printed["error"]["kind"], "invalid_value");
    assert_eq!(printed["error"]["code"], 1040);
    assert_eq!(
        (
            printed["error"]["start"].as_u64(),
            printed["error"]["end"].as_u64()
        ),
        (Some(15), Some(16))
    );
    // Only JSON (issue 10): the error is all in it.
    assert_eq!(stderr(&o), "");
}

#[test]
fn now_fixes_the_clock() {
    let o = run(
        &[
            "parse",
            "--json",
            "--now",
            "2026-01-31T08:00:00-05:00",
            "X Eq months(1)",
        ],
        None,
    );
    exit_code(&o, 0);
    let printed: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        printed["expr"]["rhs"]["value"]["value"],
        json!({"type": "date", "value": "2026-02-28"})
    );
    let o = run(&["parse", "--now", "yesterday", "X Eq now()"], None);
    exit_code(&o, 2);
    assert!(stderr(&o).contains("RFC 3339"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    exit_code(&run(&["parse"], None), 2);
    exit_code(&run(&["parse", "A Eq 1", "--batch", "-"], None), 2);
    exit_code(&run(&["frobnicate"], None), 2);
}

/// `--ast` is declared `requires = "batch"`, but clap lets it through when the filter is
/// given (the filter conflicts with `--batch`), and it is silently ignored.
#[test]
fn ast_without_batch_is_a_usage_error() {
    exit_code(&run(&["parse", "--ast", "A Eq 1"], None), 2);
}

// ---- batches ------------------------------------------------------------------------------

/// Answers of a batch run, one parsed JSON value per stdout line.
fn answers(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect()
}

fn jsonl(filters: &[&str]) -> String {
    filters
        .iter()
        .map(|f| format!("{}\n", json!({ "filter": f })))
        .collect()
}

#[test]
fn batch_answers_every_line_in_order() {
    let valid = "City Eq 'Fargo'";
    let invalid = "City Eq";
    let limit = "(((A Eq 1)))";
    let mut input = String::new();
    input.push_str(&jsonl(&[valid, invalid]));
    input.push_str("this is not JSON\n");
    input.push_str(&jsonl(&[limit]));
    input.push_str("{\"filter\": 5}\n");
    input.push_str("{}\n");
    input.push('\n');
    input.push_str(&json!({"filter": "A Eq 'é☃'", "id": 7}).to_string());
    input.push_str("\r\n");
    input.push_str(&json!({"filter": ""}).to_string()); // no final newline
    let file = TempFile::new("mixed.jsonl", input.as_bytes());

    let o = run(
        &["parse", "--now", support::NOW, "--batch", file.path()],
        None,
    );
    exit_code(&o, 1);
    let got = answers(&o);
    assert_eq!(got.len(), 9, "one answer per line:\n{}", stdout(&o));

    assert_eq!(got[0], json!({"ok": true}));
    assert_eq!(
        got[1],
        json!({"ok": false, "error": library_error(invalid)})
    );
    for i in [2, 4, 5, 6] {
        let error = &got[i]["error"];
        assert_eq!(got[i]["ok"], false, "line {}: {}", i + 1, got[i]);
        assert_eq!(error["code"], 1040, "line {}", i + 1);
        assert!(error["kind"].is_string() && error["message"].is_string());
        assert!(error["start"].is_u64() && error["end"].is_u64());
    }
    assert_eq!(got[3], json!({"ok": false, "error": library_error(limit)}));
    assert_eq!(got[3]["error"]["code"], 1041);
    assert_eq!(got[7], json!({"ok": true}));
    assert_eq!(got[8], json!({"ok": true}));
    // The stdout lines are exactly the compact forms.
    let text = stdout(&o);
    assert_eq!(text.lines().next(), Some(r#"{"ok":true}"#));
    assert!(text.ends_with('\n'));
    assert_eq!(stderr(&o), "");
}

/// Several chunks of lines (a worker takes 1,024 at a time) give the same bytes and exit
/// code on one thread and on several: answers stay in input order.
#[test]
fn batch_threads_keep_the_order() {
    let shapes = [
        "City Eq 'Fargo'",
        "City Eq",
        "ListPrice Bt 1,2",
        "(((A Eq 1)))",
        "A Eq days(-1) And B Ne 'x*'",
    ];
    let mut input = String::new();
    for i in 0..5000 {
        match i % 7 {
            5 => input.push_str("not JSON\n"),
            6 => input.push('\n'),
            _ => input.push_str(&jsonl(&[&format!("{} Or N{i} Eq {i}", shapes[i % 5])])),
        }
    }
    input.push_str(&json!({"filter": "Last Eq 1"}).to_string()); // no final newline
    let file = TempFile::new("threads.jsonl", input.as_bytes());
    let one = run(
        &[
            "parse",
            "--now",
            support::NOW,
            "--threads",
            "1",
            "--batch",
            file.path(),
        ],
        None,
    );
    exit_code(&one, 1);
    assert_eq!(answers(&one).len(), 5001);
    for threads in ["2", "3", "8"] {
        let many = run(
            &[
                "parse",
                "--now",
                support::NOW,
                "--threads",
                threads,
                "--batch",
                file.path(),
            ],
            None,
        );
        exit_code(&many, 1);
        assert!(
            one.stdout == many.stdout,
            "{threads} threads answer differently"
        );
    }
    let piped = run(
        &[
            "parse",
            "--now",
            support::NOW,
            "--threads",
            "2",
            "--batch",
            "-",
        ],
        Some(input.as_bytes()),
    );
    assert!(
        one.stdout == piped.stdout,
        "standard input answers differently"
    );
}

/// A reader that stops early (`| head -1`) ends the batch with an error on every thread
/// count; the workers and the reader must not wait forever for a writer that is gone.
#[test]
fn batch_stops_when_stdout_closes() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};

    let input = jsonl(&["City Eq 'Fargo' And ListPrice Bt 1,2"; 1]).repeat(300_000);
    let file = TempFile::new("closed-stdout.jsonl", input.as_bytes());
    for threads in ["1", "2", "4"] {
        let mut child = Command::new(BIN)
            .args(["parse", "--threads", threads, "--batch", file.path()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run spark-filter");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert_eq!(first, "{\"ok\":true}\n");
        // The read end is dropped here: further writes fail with a broken pipe.
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("{threads} threads: still running a minute after stdout closed");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // A closed pipe ends the command quietly, with status 0 (issue 10; it was 2).
        assert_eq!(status.code(), Some(0), "{threads} threads");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert_eq!(err, "", "{threads} threads");
    }
}

/// A client that writes one line and waits for its answer gets it while its input is
/// still open, on every thread count: the batch flushes when it runs out of input.
#[test]
fn batch_answers_each_line_as_it_arrives() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    for threads in ["1", "2", "4"] {
        let mut child = Command::new(BIN)
            .args(["parse", "--threads", threads, "--batch", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run spark-filter");
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        // Read answers on a thread, so that a missing one is a timeout, not a hang.
        let (tx, rx) = mpsc::channel();
        let reading = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    return;
                }
            }
        });
        let lines = [
            ("{\"filter\": \"City Eq 'Fargo'\"}\n", r#"{"ok":true}"#),
            ("{\"filter\": \"City Eq\"}\n", r#"{"ok":false"#),
            ("{\"filter\": \"A Eq 1\"}\n", r#"{"ok":true}"#),
        ];
        for (line, answer) in lines {
            stdin.write_all(line.as_bytes()).unwrap();
            stdin.flush().unwrap();
            let got = rx
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| {
                    child.kill().unwrap();
                    panic!("{threads} threads: no answer to {line:?} while the input is open")
                });
            assert!(got.starts_with(answer), "{threads} threads: {got}");
        }
        drop(stdin);
        assert_eq!(child.wait().unwrap().code(), Some(1), "{threads} threads");
        reading.join().unwrap();
    }
}

#[test]
fn batch_error_fields() {
    let filter = "Beds Eq 1,'2'";
    let o = run(
        &["parse", "--batch", "-"],
        Some(jsonl(&[filter]).as_bytes()),
    );
    exit_code(&o, 1);
    let got = answers(&o);
    let error = &got[0]["error"];
    let keys: Vec<&str> = error
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["code", "end", "kind", "message", "start"]);
    assert_eq!(error["kind"], "type_mismatch");
    assert_eq!(
        (error["start"].as_u64(), error["end"].as_u64()),
        (Some(10), Some(13))
    );
}

#[test]
fn batch_from_stdin_exits_0_when_all_parse() {
    let filters = [
        "A Eq 1",
        "",
        "B Bt 1,2 Not C Eq 'x'",
        "\"Ab\".\"C\" Ne NULL",
    ];
    let o = run(&["parse", "--batch", "-"], Some(jsonl(&filters).as_bytes()));
    exit_code(&o, 0);
    assert_eq!(answers(&o), vec![json!({"ok": true}); filters.len()]);
}

#[test]
fn batch_of_nothing() {
    let o = run(&["parse", "--batch", "-"], Some(b""));
    exit_code(&o, 0);
    assert_eq!(stdout(&o), "");
}

#[test]
fn batch_with_ast() {
    let filters = [
        "City Eq 'Fargo' Or D Gt days(-1)",
        "Nope Eq",
        "X Eq 0.1 Add 0.2",
    ];
    let o = run(
        &["parse", "--now", support::NOW, "--batch", "-", "--ast"],
        Some(jsonl(&filters).as_bytes()),
    );
    exit_code(&o, 1);
    let got = answers(&o);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], json!({"ok": true, "ast": library_tree(filters[0])}));
    assert_eq!(
        got[1],
        json!({"ok": false, "error": library_error(filters[1])})
    );
    assert!(got[1].get("ast").is_none());
    assert_eq!(
        got[2]["ast"]["expr"]["rhs"]["value"]["value"],
        json!({"type": "decimal", "value": "0.3"})
    );
}

#[test]
fn batch_of_a_missing_file_exits_2() {
    let o = run(
        &["parse", "--batch", "/nonexistent/spark-filter/batch.jsonl"],
        None,
    );
    exit_code(&o, 2);
    assert_eq!(
        stderr(&o),
        "spark-filter: cannot open /nonexistent/spark-filter/batch.jsonl: No such file or directory\n"
    );
}

/// Every answer of a batch has one key order, whatever its kind: `ok`, then `canonical`
/// and `ast` when asked; or `ok`, `error` with `code kind message start end`.
#[test]
fn batch_answers_have_one_key_order() {
    let input = format!(
        "{}not json\n{{\"filter\": 5}}\n",
        jsonl(&[
            "City Eq 'x'",
            "City Eq",
            "tolower(City) Eq 'a' And X Bt 1,2"
        ])
    );
    let o = run(
        &["parse", "--batch", "-", "--canonical"],
        Some(input.as_bytes()),
    );
    exit_code(&o, 1);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0], r#"{"ok":true,"canonical":"City Eq 'x'"}"#);
    assert_eq!(
        lines[2],
        r#"{"ok":true,"canonical":"tolower(City) Eq 'a' And X Bt 1,2"}"#
    );
    for line in [lines[1], lines[3], lines[4]] {
        let v: Value = serde_json::from_str(line).unwrap();
        let error = v["error"].as_object().unwrap();
        let keys: Vec<&str> = error.keys().map(String::as_str).collect();
        // serde_json's map sorts keys: check the raw order in the text instead.
        assert_eq!(keys.len(), 5, "{line}");
        let at = |k: &str| line.find(&format!("\"{k}\":")).unwrap();
        assert!(
            line.starts_with(r#"{"ok":false,"error":{"code":"#),
            "{line}"
        );
        assert!(
            at("code") < at("kind")
                && at("kind") < at("message")
                && at("message") < at("start")
                && at("start") < at("end"),
            "{line}"
        );
    }
    // --canonical and --ast together: ok, canonical, ast.
    let o = run(
        &["parse", "--batch", "-", "--canonical", "--ast"],
        Some(jsonl(&["A  eq 1"]).as_bytes()),
    );
    exit_code(&o, 0);
    assert!(
        stdout(&o).starts_with(r#"{"ok":true,"canonical":"A Eq 1","ast":{"#),
        "{}",
        stdout(&o)
    );
}

#[test]
fn canonical_goes_with_batch() {
    let o = run(&["parse", "--canonical", "A Eq 1"], None);
    exit_code(&o, 2);
}

/// `… | head`: the reader closes the pipe early; the command ends quietly with status 0.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let records: String = (0..200_000)
        .map(|i| format!("{{\"Id\":\"{i}\",\"UserType\":\"Member\"}}\n"))
        .collect();
    let file = TempFile::new("closed-pipe.jsonl", records.as_bytes());
    let mut child = Command::new(BIN)
        .args([
            "eval",
            "--schema",
            "accounts-legacy",
            "--role",
            "idx",
            "--ids",
            "UserType Eq 'Member'",
            file.path(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spark-filter");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "0\n");
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

#[test]
fn missing_input_files_are_named() {
    let o = run(
        &[
            "eval",
            "--schema",
            "accounts",
            "UserType Eq 'Member'",
            "/nonexistent/x.jsonl",
        ],
        None,
    );
    exit_code(&o, 2);
    assert_eq!(
        stderr(&o),
        "spark-filter: cannot open /nonexistent/x.jsonl: No such file or directory\n"
    );
    let o = run(
        &[
            "load",
            "--schema",
            "accounts",
            "--db",
            "sqlite::memory:",
            "/nonexistent/y.jsonl",
        ],
        None,
    );
    exit_code(&o, 2);
    assert!(
        stderr(&o).contains("cannot open /nonexistent/y.jsonl: No such file or directory"),
        "{}",
        stderr(&o)
    );
}

/// Opening a SQLite file that is not there would create an empty database and find
/// nothing; `query` says to load first, and creates no file.
#[test]
fn query_on_a_missing_sqlite_file_says_to_load_first() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{}-never-loaded.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let o = run(
        &[
            "query",
            "--schema",
            "accounts",
            "--db",
            &url,
            "--count",
            "UserType Eq 'Member'",
        ],
        None,
    );
    exit_code(&o, 2);
    assert!(
        stderr(&o).contains(&format!(
            "no database at {}: run `spark-filter load",
            path.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(!path.exists(), "query created {}", path.display());
}

/// `sql` labels the parameters as its dialect numbers them.
#[test]
fn sql_parameters_are_labelled_per_dialect() {
    let filter = "UserType Eq 'Member' And Office Eq 'Fargo*'";
    let o = run(
        &["sql", "--schema", "accounts", "--dialect", "sqlite", filter],
        None,
    );
    exit_code(&o, 0);
    assert!(stdout(&o).contains("\n-- ?1 = "), "{}", stdout(&o));
    assert!(!stdout(&o).contains("-- $"), "{}", stdout(&o));
    let o = run(
        &[
            "sql",
            "--schema",
            "accounts",
            "--dialect",
            "postgres",
            filter,
        ],
        None,
    );
    exit_code(&o, 0);
    assert!(stdout(&o).contains("\n-- $1 = "), "{}", stdout(&o));
}

#[test]
fn batch_agrees_with_the_library_on_the_conformance_file() {
    let Some(lines) = support::conformance() else {
        return;
    };
    let filters: Vec<&str> = lines.iter().map(|l| l.filter.as_str()).collect();
    let o = run(
        &["parse", "--now", support::NOW, "--batch", "-"],
        Some(jsonl(&filters).as_bytes()),
    );
    let got = answers(&o);
    assert_eq!(got.len(), lines.len());
    for (line, answer) in lines.iter().zip(&got) {
        assert_eq!(
            answer["ok"], line.accept,
            "line {}: {:?} -> {answer}",
            line.line, line.filter
        );
        if !line.accept {
            assert_eq!(
                answer["error"],
                library_error(&line.filter),
                "line {}",
                line.line
            );
        }
    }
    let all_accepted = lines.iter().all(|l| l.accept);
    exit_code(&o, if all_accepted { 0 } else { 1 });
}
