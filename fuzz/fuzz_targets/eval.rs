//! Arbitrary filters over arbitrary records: planning, evaluation and SQL compilation (both
//! dialects, PostgreSQL's regex translation included) must never panic, and `Not` must be
//! the exact complement on every record.
//!
//! Input: the filter, a newline, then JSON records (one value per line, or anything).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, builtin, Caller, Node, PlanOptions, Role, Schema, UnknownFields, UserLevel};
use spark_filter::sql::{self, Layout, Paging};
use spark_filter::Clock;

/// One field of every type and shape, so that random filters reach every predicate.
const TYPES: &str = r#"{"name":"t","fields":[
  {"name":"S","type":"character"},
  {"name":"C","type":"character","case_sensitive":true},
  {"name":"I","type":"integer"},
  {"name":"D","type":"decimal"},
  {"name":"B","type":"boolean"},
  {"name":"Day","type":"date"},
  {"name":"DT","type":"datetime"},
  {"name":"Tm","type":"time"},
  {"name":"L","type":"character_list","path":"L[]"},
  {"name":"K","type":"object","path":"K{}"},
  {"name":"\"Items\".\"Name\"","type":"character","path":"Items[].Name"},
  {"name":"Name","type":"character","rule":"name_words"},
  {"name":"\"Phones\".\"Number\"","type":"character","rule":"phone","path":"Phones[].Number"}
]}"#;

fn schemas() -> &'static [Schema] {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        vec![
            Schema::from_json(TYPES).expect("fuzz schema"),
            builtin::builtin("accounts").expect("accounts"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (filter, records) = text.split_once('\n').unwrap_or((text, ""));
    let records: Vec<serde_json::Value> = records
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let options = PlanOptions {
        unknown_fields: UnknownFields::Drop,
        clock: Clock::Fixed(chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap()),
        ..PlanOptions::new(Caller {
            privileged: true,
            replication: true,
            user_level: UserLevel::Mls,
            ..Caller::new(Role::Private)
        })
    };
    for schema in schemas() {
        let Ok(plan) = plan::check(filter, schema, &options) else {
            continue;
        };
        let _ = plan.to_string();
        let layout = Layout::of(schema);
        let _ = sql::compile(&plan, &layout, &sql::Sqlite, Paging::default());
        let _ = sql::compile(&plan, &layout, &sql::Postgres, Paging::default());
        let Ok(eval) = Evaluator::new(&plan) else {
            continue;
        };
        let mut negated = plan.clone();
        negated.root = Node::Not {
            node: Box::new(plan.root.clone()),
        };
        let not_eval = Evaluator::new(&negated).expect("the negation compiles too");
        for r in &records {
            assert_ne!(eval.matches(r), not_eval.matches(r), "Not must be the complement");
        }
    }
});
