//! Arbitrary query strings: reading, checking, answering in memory and compiling to SQL
//! (both dialects) never panic; a failure is always a 4xx envelope with a Code; a success
//! answered in memory is a 200 whose body parses as JSON.
//!
//! Input: the query string, a newline, then JSON records (one per line, or anything).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spark_filter::plan::{builtin, Caller, Role, Schema, UserLevel};
use spark_filter::request::{Search, SearchOptions, TokenKey};
use spark_filter::sql::{Layout, Postgres, Sqlite};
use spark_filter::Clock;

const EVENTS: &str = r#"{"name":"events","fields":[
  {"name":"Id","type":"character","searchable":false,"orderable":false},
  {"name":"Name","type":"character"},
  {"name":"When","type":"datetime"},
  {"name":"Day","type":"date"},
  {"name":"Price","type":"decimal"},
  {"name":"Count","type":"integer"},
  {"name":"Flag","type":"boolean"},
  {"name":"Tags","type":"character_list","path":"Tags[]","orderable":false}
],"expansions":[{"name":"Notes","attributes":["Notes"]},
  {"name":"Audit","single_record_only":true,"access":{"roles":["private"]},"attributes":["Audit"]}]}"#;

struct Fixture {
    schemas: Vec<(Schema, Layout)>,
    options: Vec<SearchOptions>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let schemas: Vec<Schema> = vec![
            Schema::from_json(EVENTS).expect("fuzz schema"),
            builtin::builtin("accounts").expect("accounts"),
        ];
        let clock = Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").expect("time"),
        );
        let key = TokenKey::new(b"fuzz".to_vec());
        let options = [
            Caller::new(Role::Public),
            Caller {
                privileged: true,
                replication: true,
                user_level: UserLevel::Mls,
                ..Caller::new(Role::Private)
            },
        ]
        .into_iter()
        .map(|caller| {
            let mut o = SearchOptions::new(caller, key.clone());
            o.plan.clock = clock;
            o
        })
        .collect();
        Fixture {
            schemas: schemas
                .into_iter()
                .map(|s| {
                    let l = Layout::of(&s);
                    (s, l)
                })
                .collect(),
            options,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (query, rest) = text.split_once('\n').unwrap_or((text, ""));
    let records: Vec<serde_json::Value> = rest
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let f = fixture();
    for (schema, layout) in &f.schemas {
        for options in &f.options {
            match Search::from_query(query, schema, options) {
                Err(e) => {
                    let r = e.response();
                    assert!((400..500).contains(&r.status));
                    assert!(r.body.code.is_some());
                    let _ = r.to_json();
                }
                Ok(search) => {
                    let r = search.run_in_memory(&records);
                    assert_eq!(r.status, 200);
                    serde_json::from_str::<serde_json::Value>(&r.to_json()).expect("JSON body");
                    let _ = search.sql(layout, &Postgres);
                    let _ = search.sql_at(layout, &Sqlite, 3);
                }
            }
        }
    }
});
