//! Compares, in one run, spark-filter's evaluator with hand-written Rust closures and with
//! SQLite, on generated accounts records and seed-shaped filters.
//!
//! ```sh
//! cargo run --release --example compare            # 200 000 records
//! cargo run --release --example compare -- 20000   # fewer
//! ```
//!
//! Before timing, every engine must select exactly the same records for every case.
//! Prints a table and one line per case and engine: `RESULT <case> <engine> <ns_per_record>`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::Value;
use spark_filter::Clock;
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Caller, PlanOptions, Role, builtin};
use spark_filter::sql::{self, Layout, Paging, Sqlite};

/// Repetitions per engine and case; the median is reported.
const RUNS: usize = 7;

type Handwritten = fn(&Value) -> bool;

struct Case {
    name: &'static str,
    filter: &'static str,
    handwritten: Handwritten,
}

fn text<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    r.get(key)?.as_str()
}

fn visible(r: &Value) -> bool {
    r.get("Settings").and_then(|s| s.get("Visible")) == Some(&Value::Bool(true))
}

fn member(r: &Value) -> bool {
    text(r, "UserType").is_some_and(|t| t.eq_ignore_ascii_case("member"))
}

fn strings<'a>(r: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    r.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The digits of a phone number before any extension marker.
fn phone_digits(number: &str, out: &mut [u8; 16]) -> usize {
    let lower_cut = number
        .char_indices()
        .find(|(_, c)| matches!(c, 'x' | 'X' | '#' | 'e' | 'E'))
        .map_or(number.len(), |(i, _)| i);
    let mut n = 0;
    for b in number[..lower_cut].bytes().filter(u8::is_ascii_digit) {
        if n == out.len() {
            return 0;
        }
        out[n] = b;
        n += 1;
    }
    n
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "name_wildcard",
            filter: "UserType Eq 'Member' And Name Eq 'thomas*'",
            handwritten: |r| {
                member(r)
                    && text(r, "Name")
                        .is_some_and(|n| n.split_whitespace().any(|w| starts_with_ci(w, "thomas")))
                    && visible(r)
            },
        },
        Case {
            name: "phone",
            filter: "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-1492'",
            handwritten: |r| {
                member(r)
                    && r.get("Phones")
                        .and_then(Value::as_array)
                        .is_some_and(|phones| {
                            phones.iter().any(|p| {
                                let Some(number) = p.get("Number").and_then(Value::as_str) else {
                                    return false;
                                };
                                let mut digits = [0u8; 16];
                                let n = phone_digits(number, &mut digits);
                                (n == 7 || (10..=13).contains(&n))
                                    && digits[..n].ends_with(b"5551492")
                            })
                        })
                    && visible(r)
            },
        },
        Case {
            name: "tag_list",
            filter: "UserType Eq 'Member' And Tags Eq 'Luxury','Relocation'",
            handwritten: |r| {
                member(r)
                    && strings(r, "Tags").any(|t| {
                        t.eq_ignore_ascii_case("luxury") || t.eq_ignore_ascii_case("relocation")
                    })
                    && visible(r)
            },
        },
        Case {
            name: "nested_and_or_not",
            filter: "UserType Eq 'Member' And (Office Eq 'Cornerstone*' Or (LanguagesSpoken Eq 'fr','de' Not Tags Eq 'Agent'))",
            handwritten: |r| {
                member(r)
                    && (text(r, "Office").is_some_and(|o| starts_with_ci(o, "cornerstone"))
                        || (strings(r, "LanguagesSpoken")
                            .any(|l| l.eq_ignore_ascii_case("fr") || l.eq_ignore_ascii_case("de"))
                            && !strings(r, "Tags").any(|t| t.eq_ignore_ascii_case("agent"))))
                    && visible(r)
            },
        },
        Case {
            name: "ne_missing",
            filter: "UserType Eq 'Member' And MiddleName Ne 'T'",
            handwritten: |r| {
                member(r)
                    && !text(r, "MiddleName").is_some_and(|m| m.eq_ignore_ascii_case("t"))
                    && visible(r)
            },
        },
    ]
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs `f` RUNS times; returns its last result and the median time.
fn time<T>(mut f: impl FnMut() -> T) -> (T, Duration) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = black_box(f());
        times.push(start.elapsed());
        last = Some(out);
    }
    (last.expect("at least one run"), median(times))
}

/// `compare --profile CASE ENGINE ROUNDS N`: run one engine on one case only (for
/// instruction-count profilers such as callgrind; ROUNDS 0 measures the set-up alone).
fn profile(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [case_name, engine, rounds, n] = args else {
        return Err("usage: compare --profile CASE ENGINE ROUNDS N".into());
    };
    let (rounds, n): (usize, usize) = (rounds.parse()?, n.parse()?);
    let records = spark_filter::sample::records("accounts", n, 1)?;
    let schema = builtin::builtin("accounts").ok_or("no accounts schema")?;
    let case = cases()
        .into_iter()
        .find(|c| c.name == case_name)
        .ok_or("no such case")?;
    let plan = plan::check(
        case.filter,
        &schema,
        &PlanOptions::new(Caller::new(Role::Private)),
    )?;
    let evaluator = Evaluator::new(&plan)?;
    let mut hits = 0;
    for _ in 0..rounds {
        hits += match engine.as_str() {
            "spark_filter" => records.iter().filter(|r| evaluator.matches(*r)).count(),
            _ => records.iter().filter(|r| (case.handwritten)(r)).count(),
        };
    }
    println!("{hits}");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--profile") {
        return profile(&args[1..]);
    }
    let n: usize = args
        .first()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200_000);
    eprintln!("generating {n} accounts records…");
    let records = spark_filter::sample::records("accounts", n, 1)?;
    let schema = builtin::builtin("accounts").ok_or("no accounts schema")?;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")?;
    let options = PlanOptions {
        clock: Clock::Fixed(now),
        ..PlanOptions::new(Caller::new(Role::Private))
    };

    eprintln!("loading them into an in-memory SQLite database…");
    let jsonl: String = records.iter().map(|r| format!("{r}\n")).collect();
    let mut conn = sql::sqlite::open("sqlite::memory:")?;
    sql::sqlite::load(
        &mut conn,
        &schema,
        jsonl.as_bytes(),
        chrono::FixedOffset::east_opt(0).ok_or("utc")?,
    )?;
    conn.execute_batch("ANALYZE")?;
    let layout = Layout::of(&schema);

    println!(
        "{:<20} {:>9} {:>16} {:>14} {:>12} {:>12} {:>11}",
        "case",
        "matches",
        "spark_filter ns",
        "handwritten ns",
        "sqlite ns",
        "vs hand",
        "sqlite/ours"
    );
    let mut results = Vec::new();
    for case in cases() {
        let plan = plan::check(case.filter, &schema, &options)
            .map_err(|e| format!("{}: {}", case.name, e.first().render(case.filter)))?;
        let evaluator = Evaluator::new(&plan)?;
        let query = sql::compile(&plan, &layout, &Sqlite, Paging::default())?;

        // Correctness first: the same records from every engine.
        let ours: Vec<usize> = (0..n).filter(|&i| evaluator.matches(&records[i])).collect();
        let hand: Vec<usize> = (0..n)
            .filter(|&i| (case.handwritten)(&records[i]))
            .collect();
        let lite: Vec<usize> = sql::sqlite::run(&conn, &query)?
            .into_iter()
            .map(|(rid, _)| rid as usize - 1)
            .collect();
        assert_eq!(
            ours, hand,
            "{}: spark_filter and the hand-written closure disagree",
            case.name
        );
        assert_eq!(
            ours, lite,
            "{}: spark_filter and SQLite disagree",
            case.name
        );

        let (_, t_ours) = time(|| records.iter().filter(|r| evaluator.matches(*r)).count());
        let (_, t_hand) = time(|| records.iter().filter(|r| (case.handwritten)(r)).count());
        let (_, t_lite) = time(|| {
            sql::sqlite::run(&conn, &query)
                .map(|rows| rows.len())
                .unwrap_or(0)
        });
        let per = |t: Duration| t.as_nanos() as f64 / n as f64;
        let (o, h, l) = (per(t_ours), per(t_hand), per(t_lite));
        println!(
            "{:<20} {:>9} {:>16.1} {:>14.1} {:>12.1} {:>11.2}x {:>10.1}x",
            case.name,
            ours.len(),
            o,
            h,
            l,
            o / h,
            l / o
        );
        results.push((case.name, o, h, l));
    }
    for (name, o, h, l) in results {
        println!("RESULT {name} spark_filter {o:.1}");
        println!("RESULT {name} handwritten {h:.1}");
        println!("RESULT {name} sqlite {l:.1}");
    }
    Ok(())
}
