//! The request contract (SPEC 9) end to end: generated requests answered in memory, on
//! SQLite and on PostgreSQL give byte-identical bodies; walking every page by `_page`, `_skip`
//! and `_skiptoken` gives the unpaged order; keyset paging survives inserts; every bad
//! parameter is a 400 envelope with the right code.

mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use spark_filter::plan::{Caller, Role, Schema, UserLevel, builtin};
use spark_filter::request::{Response, Search, SearchOptions, TokenKey};
use spark_filter::sql::{self, Dialect, Layout, Postgres, Sqlite};
use support::Rng;

/// A service with every orderable type, NULLs and a list.
const EVENTS: &str = r#"{
  "name": "events",
  "fields": [
    {"name": "Id", "type": "character", "searchable": false, "orderable": false},
    {"name": "Name", "type": "character"},
    {"name": "Code", "type": "character", "case_sensitive": true},
    {"name": "When", "type": "datetime"},
    {"name": "Day", "type": "date"},
    {"name": "Price", "type": "decimal"},
    {"name": "Count", "type": "integer"},
    {"name": "Flag", "type": "boolean"},
    {"name": "Tags", "type": "character_list", "path": "Tags[]", "orderable": false},
    {"name": "Secret", "type": "integer", "access": {"grants": ["privileged"]}}
  ],
  "expansions": [
    {"name": "Notes", "attributes": ["Notes"]},
    {"name": "Audit", "access": {"roles": ["private"]}, "single_record_only": true, "attributes": ["Audit"]}
  ]
}"#;

fn record(rng: &mut Rng, n: u64) -> Value {
    let mut m = serde_json::Map::new();
    // Ids are not in insertion order, and a few share their other values exactly.
    m.insert(
        "Id".into(),
        json!(format!("E{:06}", (n * 7919) % 1_000_003)),
    );
    let maybe = |rng: &mut Rng, v: Value, m: &mut serde_json::Map<String, Value>, k: &str| match rng
        .below(6)
    {
        0 => {}
        1 => {
            m.insert(k.into(), Value::Null);
        }
        _ => {
            m.insert(k.into(), v);
        }
    };
    let names = [
        "ann", "Ann", "ÅSA", "bob", "Bob", "Émile", "zoë", "Zed", "  x", "",
    ];
    let v = json!(rng.pick(&names));
    maybe(rng, v, &mut m, "Name");
    let v = json!(rng.pick(&["a", "B", "b", "A", "é"]));
    maybe(rng, v, &mut m, "Code");
    // The same instants written in several zones (and one zone-less form, read as UTC).
    let hour = rng.below(6);
    let minute = rng.pick(&[0, 30]);
    let when = match rng.below(4) {
        0 => format!("2024-03-01T{:02}:{minute:02}:00Z", 10 + hour),
        1 => format!("2024-03-01T{:02}:{minute:02}:00+02:00", 12 + hour),
        2 => format!("2024-03-01T{:02}:{minute:02}:00-05:00", 5 + hour),
        _ => format!("2024-03-01T{:02}:{minute:02}:00", 10 + hour),
    };
    maybe(rng, json!(when), &mut m, "When");
    let day = format!("2024-0{}-1{}", 1 + rng.below(3), rng.below(3));
    maybe(rng, json!(day), &mut m, "Day");
    let price = match rng.below(3) {
        0 => json!(rng.below(5) * 100),
        1 => json!(rng.below(5) as f64 * 99.5),
        _ => json!(-1.25),
    };
    maybe(rng, price, &mut m, "Price");
    let v = json!(rng.below(4) as i64 - 1);
    maybe(rng, v, &mut m, "Count");
    let v = json!(rng.below(2) == 0);
    maybe(rng, v, &mut m, "Flag");
    let tags: Vec<&str> = ["red", "green", "blue"]
        .into_iter()
        .filter(|_| rng.below(2) == 0)
        .collect();
    m.insert("Tags".into(), json!(tags));
    m.insert("Secret".into(), json!(n));
    m.insert("Notes".into(), json!(format!("note {n}")));
    m.insert("Audit".into(), json!({"by": "x"}));
    Value::Object(m)
}

fn records(seed: u64, n: u64) -> Vec<Value> {
    let mut rng = Rng(seed);
    (1..=n).map(|i| record(&mut rng, i)).collect()
}

fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn utc() -> chrono::FixedOffset {
    support::zone(0)
}

/// The same records in memory, in SQLite and (when configured) in PostgreSQL.
struct Backends {
    schema: Schema,
    layout: Layout,
    records: Vec<Value>,
    sqlite: rusqlite::Connection,
    pg: Option<support::PgSchema>,
}

impl Backends {
    fn new(schema: Schema, records: Vec<Value>, tag: &str) -> Backends {
        let layout = Layout::of(&schema);
        let sqlite = sql::sqlite::open("sqlite::memory:").unwrap();
        let pg = support::pg_schema(tag, tag);
        let mut b = Backends {
            schema,
            layout,
            records: Vec::new(),
            sqlite,
            pg,
        };
        b.replace(records);
        b
    }

    /// Loads `records` everywhere (row ids are positions, so appending keeps old ones).
    fn replace(&mut self, records: Vec<Value>) {
        let text = jsonl(&records);
        sql::sqlite::load(&mut self.sqlite, &self.schema, text.as_bytes(), utc()).unwrap();
        if let Some(pg) = &mut self.pg {
            sql::postgres::load(&mut pg.client, &self.schema, text.as_bytes(), utc()).unwrap();
        }
        self.records = records;
    }

    fn check(&self, query: &str, options: &SearchOptions) -> Result<Search, Box<Response>> {
        Search::from_query(query, &self.schema, options).map_err(|e| Box::new(e.response()))
    }

    /// The body from each back end (memory, SQLite, PostgreSQL when configured).
    fn bodies(&mut self, query: &str, options: &SearchOptions) -> Vec<(&'static str, String)> {
        let search = match self.check(query, options) {
            Ok(s) => s,
            Err(r) => return vec![("check", r.to_json())],
        };
        let mut out = vec![("memory", search.run_in_memory(&self.records).to_json())];
        let compiled = search.sql(&self.layout, &Sqlite).unwrap();
        let rows = compiled
            .rows
            .as_ref()
            .map(|q| sql::sqlite::run(&self.sqlite, q).unwrap())
            .unwrap_or_default();
        let total = compiled.count.as_ref().map(|q| {
            let params: Vec<_> = q.params.iter().map(sql::sqlite::param_value).collect();
            self.sqlite
                .query_row(&q.sql, rusqlite::params_from_iter(params), |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap() as u64
        });
        let docs: Vec<String> = rows.into_iter().map(|(_, d)| d).collect();
        out.push(("sqlite", search.respond(&docs, total).to_json()));
        if let Some(pg) = &mut self.pg {
            let compiled = search.sql(&self.layout, &Postgres).unwrap();
            let rows = compiled
                .rows
                .as_ref()
                .map(|q| {
                    sql::postgres::run(&mut pg.client, q)
                        .unwrap_or_else(|e| panic!("{query}: {e}\n{}", q.sql))
                })
                .unwrap_or_default();
            let total = compiled.count.as_ref().map(|q| {
                let values: Vec<_> = q.params.iter().map(sql::postgres::param_value).collect();
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    values.iter().map(|b| b.as_ref()).collect();
                pg.client
                    .query_one(&q.sql, &params)
                    .unwrap()
                    .get::<_, i64>(0) as u64
            });
            let docs: Vec<String> = rows.into_iter().map(|(_, d)| d).collect();
            out.push(("postgres", search.respond(&docs, total).to_json()));
        }
        out
    }

    /// The one body all back ends agree on.
    #[track_caller]
    fn body(&mut self, query: &str, options: &SearchOptions) -> Value {
        let bodies = self.bodies(query, options);
        for (name, b) in &bodies[1..] {
            assert_eq!(
                &bodies[0].1, b,
                "{query}: {} and {name} differ",
                bodies[0].0
            );
        }
        serde_json::from_str(&bodies[0].1).unwrap()
    }

    /// One back end's body.
    fn body_on(&mut self, backend: usize, query: &str, options: &SearchOptions) -> Value {
        let bodies = self.bodies(query, options);
        serde_json::from_str(&bodies[backend.min(bodies.len() - 1)].1).unwrap()
    }

    fn backends(&self) -> usize {
        if self.pg.is_some() { 3 } else { 2 }
    }
}

fn options(caller: Caller) -> SearchOptions {
    let mut o = SearchOptions::new(caller, TokenKey::new(b"test key".to_vec()));
    o.plan.clock = support::clock();
    o
}

fn private() -> SearchOptions {
    options(Caller::new(Role::Private))
}

fn replication() -> SearchOptions {
    options(Caller {
        replication: true,
        ..Caller::new(Role::Private)
    })
}

fn ids(body: &Value) -> Vec<String> {
    body["D"]["Results"]
        .as_array()
        .unwrap_or_else(|| panic!("no Results: {body}"))
        .iter()
        .map(|r| r["Id"].as_str().unwrap_or("").to_string())
        .collect()
}

const FILTERS: &[&str] = &[
    "",
    "Flag Eq true",
    "Name Eq 'ann'",
    "Count Gt 0 Or Count Eq Null",
    "When Ge 2024-03-01T12:00:00Z",
    "Day Lt 2024-02-15 And Flag Ne true",
    "Tags Eq 'red'",
    "Price Bt 0.0,200.0",
    "Name Eq 'b*'",
];

const ORDERS: &[&str] = &[
    "",
    "When",
    "-When",
    "Name,-When",
    "-Name",
    "Code,Day",
    "-Price,Count",
    "Flag,-Count,When",
    "-Day,+Name,-Code",
];

#[test]
fn generated_requests_give_identical_bodies() {
    let mut b = Backends::new(
        Schema::from_json(EVENTS).unwrap(),
        records(1, 150),
        "req_bodies",
    );
    let mut rng = Rng(7);
    let opts = private();
    for i in 0..300 {
        let mut q = Vec::new();
        let filter = rng.pick(FILTERS);
        if !filter.is_empty() || rng.below(2) == 0 {
            q.push(format!("_filter={}", encode(filter)));
        }
        let order = rng.pick(ORDERS);
        if !order.is_empty() {
            q.push(format!("_orderby={}", encode(order)));
        }
        let limit = rng.below(27);
        if rng.below(4) != 0 {
            q.push(format!("_limit={}", limit.min(25)));
        }
        match rng.below(4) {
            0 => q.push(format!("_page={}", 1 + rng.below(4))),
            1 => q.push(format!("_skip={}", rng.below(60))),
            2 => q.push("_skiptoken=".to_string()),
            _ => {}
        }
        q.push(format!("_pagination={}", rng.pick(&["0", "1", "count"])));
        if rng.below(3) == 0 {
            q.push(format!(
                "_select={}",
                rng.pick(&["Name", "When,Flag", "Tags,Price"])
            ));
        }
        if rng.below(3) == 0 {
            q.push("_expand=Notes".to_string());
        }
        let query = q.join("&");
        let body = b.body(&query, &opts);
        assert_eq!(body["D"]["Success"], json!(true), "{i}: {query}: {body}");
    }
}

/// `+` and `%XX` the way a client encodes a value.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[test]
fn every_paging_mode_walks_the_unpaged_order() {
    let mut b = Backends::new(
        Schema::from_json(EVENTS).unwrap(),
        records(2, 70),
        "req_walk",
    );
    let opts = replication();
    for order in ORDERS {
        for filter in ["", "Flag Ne true"] {
            let base = format!("_filter={}&_orderby={}", encode(filter), encode(order));
            let full = b.body(&format!("{base}&_limit=1000"), &opts);
            let full = ids(&full);
            assert!(!full.is_empty());
            for backend in 0..b.backends() {
                for limit in [4, 25] {
                    // _page
                    let mut walked = Vec::new();
                    for page in 1.. {
                        let body = b.body_on(
                            backend,
                            &format!("{base}&_limit={limit}&_page={page}"),
                            &opts,
                        );
                        let got = ids(&body);
                        if got.is_empty() {
                            break;
                        }
                        walked.extend(got);
                    }
                    assert_eq!(
                        walked, full,
                        "{base} by _page, limit {limit}, backend {backend}"
                    );
                    // _skip
                    let mut walked = Vec::new();
                    loop {
                        let body = b.body_on(
                            backend,
                            &format!("{base}&_limit={limit}&_skip={}", walked.len()),
                            &opts,
                        );
                        let got = ids(&body);
                        if got.is_empty() {
                            break;
                        }
                        walked.extend(got);
                    }
                    assert_eq!(
                        walked, full,
                        "{base} by _skip, limit {limit}, backend {backend}"
                    );
                    // _skiptoken
                    let walked = walk_tokens(&mut b, backend, &base, limit, &opts, |_, _| {});
                    assert_eq!(
                        walked, full,
                        "{base} by _skiptoken, limit {limit}, backend {backend}"
                    );
                }
            }
        }
    }
}

/// Walks by `_skiptoken`, calling `between` after each page.
fn walk_tokens(
    b: &mut Backends,
    backend: usize,
    base: &str,
    limit: u64,
    opts: &SearchOptions,
    mut between: impl FnMut(&mut Backends, usize),
) -> Vec<String> {
    let mut walked = Vec::new();
    let mut token = String::new();
    for step in 0.. {
        let body = b.body_on(
            backend,
            &format!("{base}&_limit={limit}&_skiptoken={}", encode(&token)),
            opts,
        );
        walked.extend(ids(&body));
        match body["D"]["SkipToken"].as_str() {
            Some(t) => token = t.to_string(),
            None => break,
        }
        between(b, step);
        assert!(step < 10_000, "no end");
    }
    walked
}

#[test]
fn keyset_paging_with_inserts_neither_repeats_nor_skips() {
    let schema = Schema::from_json(EVENTS).unwrap();
    let opts = replication();
    for order in ["When", "-Name,Day", "Flag,-Price"] {
        let start = records(3, 60);
        let mut b = Backends::new(schema.clone(), start.clone(), "req_insert");
        for backend in 0..b.backends() {
            b.replace(start.clone());
            let base = format!("_orderby={}", encode(order));
            let mut rng = Rng(99);
            let mut next = 1000;
            let walked = walk_tokens(&mut b, backend, &base, 6, &opts, |b, _| {
                let mut all = b.records.clone();
                for _ in 0..3 {
                    next += 1;
                    all.push(record(&mut rng, next));
                }
                b.replace(all);
            });
            let unique: HashSet<&String> = walked.iter().collect();
            assert_eq!(unique.len(), walked.len(), "{order}: a row came twice");
            let start_ids: HashSet<String> = start
                .iter()
                .map(|r| r["Id"].as_str().unwrap().to_string())
                .collect();
            for id in &start_ids {
                assert!(unique.contains(id), "{order}: row {id} was skipped");
            }
            // And the walk is in order over the final data.
            let full = ids(&b.body_on(backend, &format!("{base}&_limit=1000"), &opts));
            let position: std::collections::HashMap<&String, usize> =
                full.iter().enumerate().map(|(i, id)| (id, i)).collect();
            let positions: Vec<usize> = walked.iter().map(|id| position[id]).collect();
            assert!(
                positions.windows(2).all(|w| w[0] < w[1]),
                "{order}: out of order"
            );
        }
    }
}

#[test]
fn datetimes_order_as_instants_across_zones() {
    let schema = Schema::from_json(EVENTS).unwrap();
    let recs = vec![
        json!({"Id": "a", "When": "2024-03-01T12:30:00+02:00"}), // 10:30Z
        json!({"Id": "b", "When": "2024-03-01T10:00:00Z"}),      // 10:00Z
        json!({"Id": "c", "When": "2024-03-01T05:15:00-05:00"}), // 10:15Z
        json!({"Id": "d", "When": null}),
        json!({"Id": "e"}),
        json!({"Id": "f", "When": "2024-03-01T10:15:00"}), // UTC: ties with c, Id breaks it
    ];
    let mut b = Backends::new(schema, recs, "req_instants");
    let opts = private();
    assert_eq!(
        ids(&b.body("_orderby=When", &opts)),
        ["b", "c", "f", "a", "d", "e"]
    );
    assert_eq!(
        ids(&b.body("_orderby=-When", &opts)),
        ["a", "c", "f", "b", "d", "e"]
    );
}

#[track_caller]
fn refused(query: &str, opts: &SearchOptions, code: u16, details: Option<&str>, says: &str) {
    let schema = Schema::from_json(EVENTS).unwrap();
    let err = Search::from_query(query, &schema, opts)
        .err()
        .unwrap_or_else(|| panic!("{query} was accepted"));
    let response = err.response();
    assert_eq!(
        response.status,
        if code == 1500 { 403 } else { 400 },
        "{query}"
    );
    let body: Value = serde_json::from_str(&response.to_json()).unwrap();
    assert_eq!(body["D"]["Success"], json!(false), "{query}");
    assert_eq!(body["D"]["Code"], json!(code), "{query}: {body}");
    assert_eq!(body["D"]["Details"].as_str(), details, "{query}: {body}");
    let message = body["D"]["Message"].as_str().unwrap();
    assert!(
        message.contains(says),
        "{query}: {message:?} does not say {says:?}"
    );
}

#[test]
fn bad_parameters_are_400_envelopes_that_say_what_to_send() {
    let p = private();
    let r = replication();
    let cases: &[(&str, &SearchOptions, u16, Option<&str>, &str)] = &[
        ("_limit=26", &p, 1053, Some("_limit"), "from 0 to 25"),
        ("_limit=1001", &r, 1053, Some("_limit"), "from 0 to 1000"),
        ("_limit=-1", &p, 1053, Some("_limit"), "whole number"),
        ("_limit=", &p, 1053, Some("_limit"), "send e.g. _limit="),
        ("_limit=1.0", &p, 1053, Some("_limit"), "whole number"),
        // Digits only: no sign (`%2B` is `+`, a bare `+` a space), nothing past u64.
        ("_limit=%2B5", &p, 1053, Some("_limit"), "whole number"),
        ("_limit=+5", &p, 1053, Some("_limit"), "whole number"),
        (
            "_limit=18446744073709551616",
            &p,
            1053,
            Some("_limit"),
            "whole number",
        ),
        (
            "_limit=99999999999999999999999",
            &p,
            1053,
            Some("_limit"),
            "whole number",
        ),
        ("_page=0", &p, 1053, Some("_page"), "from 1 to 100000"),
        ("_page=100001", &p, 1053, Some("_page"), "from 1 to 100000"),
        (
            "_skip=2500001",
            &p,
            1053,
            Some("_skip"),
            "from 0 to 2500000",
        ),
        (
            "_skip=1&_page=1",
            &p,
            1053,
            Some("_skip"),
            "cannot be combined with _page",
        ),
        (
            "_skiptoken=&_page=2",
            &p,
            1053,
            Some("_skiptoken"),
            "cannot be combined",
        ),
        (
            "_skiptoken=&_skip=2",
            &p,
            1053,
            Some("_skiptoken"),
            "cannot be combined",
        ),
        (
            "_skiptoken=abc",
            &p,
            1053,
            Some("_skiptoken"),
            "SkipToken of the previous response",
        ),
        (
            "_pagination=2",
            &p,
            1053,
            Some("_pagination"),
            "0 (no Pagination), 1",
        ),
        ("_pagination=Count", &p, 1053, Some("_pagination"), "count"),
        ("_page=1&_page=1", &p, 1053, Some("_page"), "send it once"),
        (
            "_filter=&_filter=",
            &p,
            1053,
            Some("_filter"),
            "send it once",
        ),
        ("_filter=%2", &p, 1053, Some("_filter"), "%25"),
        ("_filter=%FF", &p, 1053, Some("_filter"), "UTF-8"),
        (
            "_orderby=Tags",
            &p,
            1053,
            Some("_orderby"),
            "cannot be used in _orderby",
        ),
        (
            "_orderby=Nam",
            &p,
            1053,
            Some("_orderby"),
            "did you mean Name",
        ),
        ("_orderby=Secret", &p, 1053, Some("_orderby"), "Privileged"),
        (
            "_orderby=-",
            &p,
            1053,
            Some("_orderby"),
            "expected a field name",
        ),
        (
            "_select=Nope",
            &p,
            1053,
            Some("_select"),
            "no attribute Nope",
        ),
        ("_select=Notes", &p, 1053, Some("_select"), "_expand=Notes"),
        (
            "_select=Secret",
            &p,
            1053,
            Some("_select"),
            "cannot be read",
        ),
        (
            "_expand=Nope",
            &p,
            1053,
            Some("_expand"),
            "it has Notes, Audit",
        ),
        ("_expand=Audit", &p, 1053, Some("_expand"), "_limit=1"),
        (
            "_expand=Notes,Notes",
            &p,
            1053,
            Some("_expand"),
            "list it once",
        ),
        ("_filter=Name+Eq", &p, 1040, None, "expected"),
        ("_filter=Nope+Eq+1", &p, 1040, None, "no field Nope"),
        (
            "_limit=26&_filter=Name+Eq",
            &p,
            1053,
            Some("_limit"),
            "from 0 to 25",
        ),
    ];
    for (query, opts, code, details, says) in cases {
        refused(query, opts, *code, *details, says);
    }
    let public = options(Caller::new(Role::Public));
    refused(
        "_expand=Audit&_limit=1",
        &public,
        1053,
        Some("_expand"),
        "Private",
    );
    // A filter error lists SparkQLErrors with the token and offsets.
    let schema = Schema::from_json(EVENTS).unwrap();
    let body = Search::from_query("_filter=Nope+Eq+1+And+Bad+Eq+2", &schema, &p)
        .unwrap_err()
        .response()
        .to_json();
    let body: Value = serde_json::from_str(&body).unwrap();
    let errors = body["D"]["SparkQLErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    assert_eq!(errors[0]["Token"], json!("Nope"));
    assert_eq!(errors[0]["Status"], json!("Fatal"));
    assert_eq!(errors[1]["TokenIndex"], json!(14));
    // A role the service does not serve is 1500 / 403.
    let portal_groups = builtin::builtin("portal-groups").unwrap();
    let idx = options(Caller::new(Role::Idx));
    let e = Search::from_query("", &portal_groups, &idx).unwrap_err();
    assert_eq!((e.status(), e.code()), (403, 1500));
}

#[test]
fn tampered_tokens_are_refused_never_a_wrong_page() {
    let mut b = Backends::new(
        Schema::from_json(EVENTS).unwrap(),
        records(4, 40),
        "req_tamper",
    );
    let opts = private();
    let body = b.body("_orderby=-When&_limit=5&_skiptoken=", &opts);
    let token = body["D"]["SkipToken"].as_str().unwrap().to_string();
    assert!(
        b.check(
            &format!("_orderby=-When&_limit=5&_skiptoken={token}"),
            &opts
        )
        .is_ok()
    );
    // Every one-character change.
    for i in 0..token.len() {
        for c in ['A', 'z', '0', '_', '-'] {
            let mut t: Vec<char> = token.chars().collect();
            if t[i] == c {
                continue;
            }
            t[i] = c;
            let t: String = t.into_iter().collect();
            let r = b.check(&format!("_orderby=-When&_limit=5&_skiptoken={t}"), &opts);
            let r = r.expect_err("a changed token was accepted");
            assert_eq!(r.body.code, Some(1053));
            assert_eq!(r.body.details.as_deref(), Some("_skiptoken"));
        }
    }
    // Another _orderby, another key.
    assert!(
        b.check(&format!("_orderby=When&_limit=5&_skiptoken={token}"), &opts)
            .is_err()
    );
    let other = SearchOptions::new(Caller::new(Role::Private), TokenKey::new(b"other".to_vec()));
    assert!(
        b.check(
            &format!("_orderby=-When&_limit=5&_skiptoken={token}"),
            &other
        )
        .is_err()
    );
}

#[test]
fn selection_expansion_and_readability() {
    let recs = vec![
        json!({"Id": "1", "Name": "a", "Flag": true, "Notes": "n", "Audit": {}, "Secret": 5, "Tags": ["red"]}),
    ];
    let mut b = Backends::new(Schema::from_json(EVENTS).unwrap(), recs, "req_select");
    let p = private();
    assert_eq!(
        b.body("", &p)["D"]["Results"][0],
        json!({"Id": "1", "Name": "a", "Flag": true, "Tags": ["red"]}),
        "expansions and unreadable fields are left out"
    );
    assert_eq!(
        b.body("_select=Flag&_expand=Notes", &p)["D"]["Results"][0],
        json!({"Id": "1", "Flag": true, "Notes": "n"})
    );
    assert_eq!(
        b.body("_expand=Audit&_limit=1", &p)["D"]["Results"][0],
        json!({"Id": "1", "Name": "a", "Flag": true, "Tags": ["red"], "Audit": {}})
    );
    let privileged = options(Caller {
        privileged: true,
        user_level: UserLevel::Mls,
        ..Caller::new(Role::Private)
    });
    assert_eq!(
        b.body("_select=Secret", &privileged)["D"]["Results"][0],
        json!({"Id": "1", "Secret": 5})
    );
    // _limit=0 is a count only; _pagination=count likewise.
    assert_eq!(
        b.body("_limit=0", &p),
        json!({"D": {"Success": true, "Results": [], "Pagination": {"TotalRows": 1, "PageSize": 0, "TotalPages": 0, "CurrentPage": 1}}})
    );
    assert_eq!(
        b.body("_pagination=count&_skip=0", &p),
        json!({"D": {"Success": true, "Results": [], "Pagination": {"TotalRows": 1, "PageSize": 10, "TotalPages": 1, "CurrentOffset": 0}}})
    );
}

#[test]
fn dropped_conditions_are_listed() {
    let mut b = Backends::new(
        Schema::from_json(EVENTS).unwrap(),
        records(5, 10),
        "req_dropped",
    );
    let mut opts = private();
    opts.plan.unknown_fields = spark_filter::plan::UnknownFields::Drop;
    let body = b.body("_filter=Nope+Eq+1+And+Flag+Eq+true", &opts);
    assert_eq!(
        body["D"]["SparkQLErrors"],
        json!([{"Token": "Nope Eq 1", "TokenIndex": 0, "Message": "Nope is not a field of this service; the condition was dropped", "Status": "Dropped", "Start": 0, "End": 9}])
    );
}

#[test]
fn accounts_sample_bodies_agree() {
    let text = std::fs::read_to_string("data/accounts.jsonl").unwrap();
    let recs: Vec<Value> = text
        .lines()
        .take(800)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut b = Backends::new(builtin::builtin("accounts").unwrap(), recs, "req_accounts");
    let opts = options(Caller {
        privileged: true,
        user_level: UserLevel::Mls,
        ..Caller::new(Role::Private)
    });
    for q in [
        "_filter=UserType+Eq+'Member'&_orderby=-LastName,FirstName&_pagination=1&_limit=25",
        "_filter=UserType+Eq+'Member'+And+Name+Eq+'a*'&_orderby=Office,-Active&_skiptoken=",
        "_filter=UserType+Eq+'Office'&_expand=Settings,Biography&_select=Name,\"PrimaryAddress\".\"City\"&_skip=3",
        "_filter=UserType+Eq+'Member'&_orderby=\"PrimaryAddress\".\"City\",-\"Team\".\"Owner\"&_page=2&_pagination=1",
    ] {
        let body = b.body(q, &opts);
        assert_eq!(body["D"]["Success"], json!(true), "{q}: {body}");
    }
}

#[test]
fn arbitrary_query_strings_never_panic() {
    let schema = Schema::from_json(EVENTS).unwrap();
    let opts = private();
    let mut rng = Rng(11);
    let alphabet: Vec<char> =
        "_=&%+,-'\"filterorderbylimitpageskiptokenpaginationselectexpand0123456789AEqNameWhen "
            .chars()
            .collect();
    for _ in 0..20_000 {
        let n = rng.below(60);
        let q: String = (0..n).map(|_| *rng.pick(&alphabet)).collect();
        if let Ok(s) = Search::from_query(&q, &schema, &opts) {
            let _ = s.run_in_memory(&[]);
            let _ = s.sql(&Layout::of(&schema), &Postgres as &dyn Dialect);
        }
    }
}

#[test]
fn a_layout_of_another_schema_is_the_programs_mistake() {
    let events = Schema::from_json(EVENTS).unwrap();
    let accounts = builtin::builtin("accounts").unwrap();
    let search = Search::from_query("_filter=Flag+Eq+true", &events, &private()).unwrap();
    let err = search.sql(&Layout::of(&accounts), &Postgres).unwrap_err();
    assert_eq!((err.status(), err.code()), (500, 500));
}

#[test]
fn form_bodies_read_like_query_strings() {
    let schema = Schema::from_json(EVENTS).unwrap();
    let body = "_filter=Name+Eq+%27ann%27+And+Flag+Eq+true&_orderby=-When&_limit=3";
    let a = spark_filter::request::Request::from_form(body).unwrap();
    let b = spark_filter::request::Request::from_query(&format!("?{body}")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.filter.as_deref(), Some("Name Eq 'ann' And Flag Eq true"));
    assert!(Search::check(&a, &schema, &private()).is_ok());
}

#[test]
fn multi_valued_fields_are_refused_at_planning() {
    // Tags is marked orderable here on purpose: the planner, not the SQL compiler, refuses it.
    let text = EVENTS.replace(
        r#""path": "Tags[]", "orderable": false"#,
        r#""path": "Tags[]", "orderable": true"#,
    );
    let schema = Schema::from_json(&text).unwrap();
    let caller = Caller::new(Role::Private);
    let errors = spark_filter::plan::order_by("Tags", &schema, &caller).unwrap_err();
    assert_eq!(errors.first().kind, spark_filter::ErrorKind::NotOrderable);
    assert!(errors.first().message.contains("several values"));
    let e = Search::from_query("_orderby=-Tags", &schema, &private()).unwrap_err();
    assert_eq!((e.code(), e.details()), (1053, Some("_orderby")));
}

#[test]
fn the_condition_can_sit_after_parameters_of_ones_own() {
    let mut b = Backends::new(
        Schema::from_json(EVENTS).unwrap(),
        records(6, 50),
        "req_offset",
    );
    let search = Search::from_query(
        "_filter=Name+Eq+'a*'+Or+When+Ge+2024-03-01T12:00:00Z&_orderby=-When&_limit=1000",
        &b.schema,
        &replication(),
    )
    .unwrap();
    let plain = search.sql(&b.layout, &Sqlite).unwrap();
    let expected = sql::sqlite::run(&b.sqlite, plain.rows.as_ref().unwrap()).unwrap();
    let shifted = search.sql_at(&b.layout, &Sqlite, 2).unwrap();
    assert!(!shifted.condition().sql.contains("?1") && !shifted.condition().sql.contains("?2 "));
    // A server's own SQL binds ?1 and ?2, then the condition's parameters follow.
    let own = sql::Query {
        sql: format!(
            "SELECT t.rid, t.doc FROM events AS t WHERE ?1 = 1 AND ?2 = 'x' AND {} ORDER BY t.rid",
            shifted.condition().sql
        ),
        params: [sql::Param::Int(1), sql::Param::Text("x".into())]
            .into_iter()
            .chain(shifted.condition().params.iter().cloned())
            .collect(),
    };
    let mut got = sql::sqlite::run(&b.sqlite, &own).unwrap();
    let mut want = expected.clone();
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    if let Some(pg) = &mut b.pg {
        let shifted = search.sql_at(&b.layout, &Postgres, 2).unwrap();
        let own = sql::Query {
            sql: format!(
                "SELECT t.rid, t.doc FROM events AS t WHERE $1::bigint = 1 AND $2::text = 'x' AND {} ORDER BY t.rid",
                shifted.condition().sql
            ),
            params: [sql::Param::Int(1), sql::Param::Text("x".into())]
                .into_iter()
                .chain(shifted.condition().params.iter().cloned())
                .collect(),
        };
        let mut pg_rows = sql::postgres::run(&mut pg.client, &own).unwrap();
        pg_rows.sort();
        assert_eq!(pg_rows, got);
    }
}

/// `sql_scoped`: a server's own condition ANDed with the filter in the rows and count
/// statements, its placeholders first. Over every back end, each page (by `_page` and by a
/// `_skiptoken` walk) equals the in-memory answer over the records the scope selects.
#[test]
fn a_scope_of_ones_own_narrows_rows_and_count() {
    let mut b = Backends::new(
        Schema::from_json(EVENTS).unwrap(),
        records(9, 120),
        "req_scoped",
    );
    // The scope: every third record, by Id (a server's route condition on the stored JSON).
    let chosen: Vec<String> = b
        .records
        .iter()
        .step_by(3)
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    let inside: Vec<Value> = b
        .records
        .iter()
        .filter(|r| chosen.iter().any(|id| r["Id"] == id.as_str()))
        .cloned()
        .collect();
    let params: Vec<sql::Param> = chosen
        .iter()
        .map(|id| sql::Param::Text(id.as_str().into()))
        .collect();
    let list = |dialect: &dyn Dialect| -> String {
        (1..=chosen.len())
            .map(|n| dialect.placeholder(n, &params[n - 1]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sqlite_scope = format!("json_extract(t.doc, '$.Id') IN ({})", list(&Sqlite));
    let pg_scope = format!("(t.doc::jsonb ->> 'Id') IN ({})", list(&Postgres));
    let opts = private();
    let answer = |b: &mut Backends, query: &str| -> Vec<String> {
        let search = Search::from_query(query, &b.schema, &opts).unwrap();
        let mut bodies = vec![search.run_in_memory(&inside).to_json()];
        let compiled = search
            .sql_scoped(&b.layout, &Sqlite, &sqlite_scope, params.clone())
            .unwrap();
        assert!(compiled.condition().sql.starts_with("(json_extract"));
        let rows = compiled
            .rows
            .as_ref()
            .map(|q| sql::sqlite::run(&b.sqlite, q).unwrap())
            .unwrap_or_default();
        let total = compiled.count.as_ref().map(|q| {
            let p: Vec<_> = q.params.iter().map(sql::sqlite::param_value).collect();
            b.sqlite
                .query_row(&q.sql, rusqlite::params_from_iter(p), |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap() as u64
        });
        let docs: Vec<String> = rows.into_iter().map(|(_, d)| d).collect();
        bodies.push(search.respond(&docs, total).to_json());
        if let Some(pg) = &mut b.pg {
            let compiled = search
                .sql_scoped(&b.layout, &Postgres, &pg_scope, params.clone())
                .unwrap();
            let rows = compiled
                .rows
                .as_ref()
                .map(|q| sql::postgres::run(&mut pg.client, q).unwrap())
                .unwrap_or_default();
            let total = compiled.count.as_ref().map(|q| {
                let values: Vec<_> = q.params.iter().map(sql::postgres::param_value).collect();
                let p: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    values.iter().map(|v| v.as_ref()).collect();
                pg.client.query_one(&q.sql, &p).unwrap().get::<_, i64>(0) as u64
            });
            let docs: Vec<String> = rows.into_iter().map(|(_, d)| d).collect();
            bodies.push(search.respond(&docs, total).to_json());
        }
        for other in &bodies[1..] {
            assert_eq!(&bodies[0], other, "{query}");
        }
        bodies.into_iter().take(1).collect()
    };
    for filter in FILTERS {
        for order in ["", "-When", "Name,-When"] {
            for paging in ["_page=2&_pagination=1", "_skip=3", "_pagination=count"] {
                let q = format!(
                    "_filter={}&_orderby={order}&_limit=4&{paging}",
                    encode(filter)
                );
                answer(&mut b, &q);
            }
            // A _skiptoken walk through the scoped records: each once, in order.
            let base = format!("_filter={}&_orderby={order}&_limit=3", encode(filter));
            let mut token = String::new();
            let mut walked: Vec<String> = Vec::new();
            for step in 0.. {
                let q = format!("{base}&_skiptoken={}", encode(&token));
                let body: Value = serde_json::from_str(&answer(&mut b, &q)[0]).unwrap();
                walked.extend(ids(&body));
                match body["D"]["SkipToken"].as_str() {
                    Some(t) => token = t.to_string(),
                    None => break,
                }
                assert!(step < 1000, "no end");
            }
            // The same search unpaged (in memory, over the scoped records).
            let unpaged = Search::from_query(
                &format!("_filter={}&_orderby={order}&_limit=1000", encode(filter)),
                &b.schema,
                &replication(),
            )
            .unwrap();
            let all =
                ids(&serde_json::from_str(&unpaged.run_in_memory(&inside).to_json()).unwrap());
            assert_eq!(walked, all, "{base}");
        }
    }
}

/// `SearchOptions::single_record`: a request by Id may ask for single-record-only
/// expansions whatever `_limit` is; a search may only with `_limit=1`.
#[test]
fn single_record_requests_may_expand_single_record_expansions() {
    let schema = builtin::builtin("accounts").unwrap();
    let mut opts = options(Caller::new(Role::Public));
    let query = "_filter=UserType+Eq+'Member'&_expand=Team";
    let e = Search::from_query(query, &schema, &opts).unwrap_err();
    assert_eq!((e.code(), e.details()), (1053, Some("_expand")));
    assert!(Search::from_query(&format!("{query}&_limit=1"), &schema, &opts).is_ok());
    opts.single_record = true;
    let s = Search::from_query(query, &schema, &opts).unwrap();
    assert_eq!(s.expand, ["Team"]);
    // The flag does not open role-restricted expansions.
    let e = Search::from_query(
        "_filter=UserType+Eq+'Member'&_expand=Permissions",
        &schema,
        &opts,
    )
    .unwrap_err();
    assert_eq!((e.code(), e.details()), (1053, Some("_expand")));
}
