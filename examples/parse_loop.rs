//! Parses the benchmark corpus in a loop, for profilers: `cargo run --release --example parse_loop [ROUNDS]`.
fn main() {
    let text = std::fs::read_to_string("benches/data/corpus.jsonl").expect("corpus");
    let filters: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["filter"]
                .as_str()
                .expect("filter")
                .to_string()
        })
        .collect();
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let bytes: usize = filters.iter().map(String::len).sum();
    let start = std::time::Instant::now();
    let mut ok = 0;
    for _ in 0..rounds {
        for f in &filters {
            ok += usize::from(spark_filter::parse(std::hint::black_box(f)).is_ok());
        }
    }
    let t = start.elapsed();
    println!(
        "{ok} parsed; {:.1} MB/s; {:.0} ns/filter",
        (bytes * rounds) as f64 / t.as_secs_f64() / 1e6,
        t.as_nanos() as f64 / (rounds * filters.len()) as f64
    );
}
