//! Evaluates one filter over generated accounts in a loop, for profilers:
//! `cargo run --release --example eval_loop -- FILTER [RECORDS] [ROUNDS]`.
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Caller, PlanOptions, Role, builtin};

fn main() {
    let filter = std::env::args().nth(1).expect("filter");
    let n: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().expect("records"))
        .unwrap_or(2000);
    let rounds: usize = std::env::args()
        .nth(3)
        .map(|s| s.parse().expect("rounds"))
        .unwrap_or(100);
    let records = spark_filter::sample::records("accounts", n, 1).expect("records");
    let schema = builtin::builtin("accounts").expect("schema");
    let options = PlanOptions::new(Caller::new(Role::Private));
    let plan = plan::check(&filter, &schema, &options).expect("plan");
    let eval = Evaluator::new(&plan).expect("eval");
    let start = std::time::Instant::now();
    let mut hits = 0;
    for _ in 0..rounds {
        hits += records.iter().filter(|r| eval.matches(*r)).count();
    }
    println!(
        "{} matches; {:.1} ns/record",
        hits / rounds,
        start.elapsed().as_nanos() as f64 / (n * rounds) as f64
    );
}
