//! Keeping the search tables in step one record at a time (issue 12), on real SQLite and
//! real PostgreSQL:
//!
//! - a seeded random sequence of upserts (new and existing Ids, changed names, phones,
//!   emails, tags), deletes, batched JSONL upserts, writes inside a caller's transaction
//!   (committed and rolled back) and reloads; after every step the same filters return the
//!   same Ids from the evaluator over the current record set, SQLite and PostgreSQL, the
//!   stored documents are the record set, replaced records kept their rid, and no child,
//!   words or phone table has a row whose rid is not in the main table;
//! - PostgreSQL writers on several connections upserting and deleting overlapping Ids: the
//!   last committed write per Id wins, no orphan rows, no deadlock or serialization error
//!   escapes, and concurrent new records get distinct rids;
//! - bad JSONL lines are reported with their line numbers and not written, good ones are;
//! - tables of another layout version or schema definition are refused with a clear error;
//! - the `upsert` and `delete` verbs end to end on a SQLite file.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Schema, builtin};
use spark_filter::sql::{self, DbError, Layout, Paging, maintain};
use support::{PgSchema, Rng, orphan_queries, quote, wildcard};

fn utc() -> chrono::FixedOffset {
    support::zone(0)
}

fn accounts() -> Schema {
    builtin::builtin("accounts").expect("accounts schema")
}

const ALL: &str = "UserType Eq 'Member','Office','Company','Mls'";
/// Every record, visible or not (a privileged caller may say so; otherwise `Visible Eq true`
/// is implied).
const EVERY: &str =
    "UserType Eq 'Member','Office','Company','Mls' And (Visible Eq true Or Visible Ne true)";

const NAMES: &[&str] = &[
    "Ann Lee",
    "Bo Li",
    "Carla Thomas",
    "Dee O'Neil",
    "thomas Smith",
    "Émile Zola-Straße",
    "Lars  Thomas\tOlson",
];
const EMAILS: &[&str] = &[
    "ann@example.com",
    "BO@Example.com",
    "carla@example.org",
    "x%_y@example.net",
];
const PHONES: &[&str] = &[
    "701-555-1212",
    "+1 (701) 555-1212 x12",
    "555-0000",
    "+44 20 7946 0958",
    "12",
];
const TAGS: &[&str] = &["Agent", "agent", "MLS", "Broker", "O'Hara"];
const USER_TYPES: &[&str] = &["Member", "Office", "Company", "Mls"];

/// A record for `id`: a sample account with the fields the tables keep in child, words,
/// phone and list storage changed at random.
fn record(rng: &mut Rng, pool: &[Value], id: &str) -> Value {
    let mut r = pool[rng.below(pool.len())].clone();
    let obj = r.as_object_mut().expect("sample records are objects");
    obj.insert("Id".into(), json!(id));
    obj.insert("UserType".into(), json!(rng.pick(USER_TYPES)));
    if rng.chance(70) {
        obj.insert("Name".into(), json!(rng.pick(NAMES)));
    }
    if rng.chance(60) {
        let emails: Vec<Value> = (0..rng.below(3))
            .map(|_| json!({"Address": rng.pick(EMAILS), "Type": "Work"}))
            .collect();
        obj.insert("Emails".into(), Value::Array(emails));
    }
    if rng.chance(60) {
        let phones: Vec<Value> = (0..rng.below(4))
            .map(|_| json!({"Number": rng.pick(PHONES), "Type": "Office"}))
            .collect();
        obj.insert("Phones".into(), Value::Array(phones));
    }
    if rng.chance(50) {
        let tags: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(TAGS)).collect();
        obj.insert("Tags".into(), json!(tags));
    }
    if rng.chance(10) {
        obj.insert("Emails".into(), Value::Null);
    }
    r
}

/// (Id → (rid, stored record)) of a table.
type Stored = BTreeMap<String, (i64, Value)>;

fn sqlite_stored(conn: &rusqlite::Connection, layout: &Layout) -> Stored {
    let mut stmt = conn
        .prepare(&format!("SELECT rid, doc FROM \"{}\"", layout.table))
        .expect("select");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    stored_of(rows)
}

fn pg_stored(client: &mut postgres::Client, layout: &Layout) -> Stored {
    let rows = client
        .query(&format!("SELECT rid, doc FROM \"{}\"", layout.table), &[])
        .expect("select");
    stored_of(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

fn stored_of(rows: Vec<(i64, String)>) -> Stored {
    let mut out = Stored::new();
    for (rid, doc) in rows {
        let v: Value = serde_json::from_str(&doc).expect("stored JSON");
        let id = v["Id"]
            .as_str()
            .expect("stored records have Ids")
            .to_string();
        assert!(
            out.insert(id.clone(), (rid, v)).is_none(),
            "two rows for Id {id}"
        );
    }
    out
}

/// The current record set and both databases.
struct World {
    schema: Schema,
    layout: Layout,
    model: BTreeMap<String, Value>,
    /// The rid each Id had after the last check (a replaced record must keep it).
    rids: BTreeMap<String, i64>,
    sqlite: rusqlite::Connection,
    pg: Option<PgSchema>,
}

impl World {
    fn load(&mut self, records: &[Value]) {
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        let n = sql::sqlite::load(&mut self.sqlite, &self.schema, text.as_bytes(), utc())
            .expect("SQLite load");
        if let Some(pg) = self.pg.as_mut() {
            let m = sql::postgres::load(&mut pg.client, &self.schema, text.as_bytes(), utc())
                .expect("PostgreSQL load");
            assert_eq!(m, n);
        }
        self.model.clear();
        self.rids.clear();
        for r in records {
            self.model
                .insert(r["Id"].as_str().expect("Id").to_string(), r.clone());
        }
        assert_eq!(n, self.model.len(), "load counts distinct Ids");
    }

    fn upsert(&mut self, r: &Value) {
        let id = r["Id"].as_str().expect("Id").to_string();
        let a = sql::sqlite::upsert(&self.sqlite, &self.schema, r, utc()).expect("SQLite upsert");
        assert_eq!(a.replaced, self.model.contains_key(&id), "replaced flag");
        if let Some(&rid) = self.rids.get(&id) {
            assert_eq!(a.rid, rid, "a replaced record keeps its rid");
        }
        if let Some(pg) = self.pg.as_mut() {
            let b = sql::postgres::upsert(&mut pg.client, &self.schema, r, utc())
                .expect("PostgreSQL upsert");
            assert_eq!(a, b, "SQLite and PostgreSQL upsert alike");
        }
        self.model.insert(id, r.clone());
    }

    fn delete(&mut self, id: &str) {
        let a = sql::sqlite::delete(&self.sqlite, &self.schema, id).expect("SQLite delete");
        assert_eq!(a, self.model.contains_key(id), "delete of {id}");
        if let Some(pg) = self.pg.as_mut() {
            let b =
                sql::postgres::delete(&mut pg.client, &self.schema, id).expect("PostgreSQL delete");
            assert_eq!(a, b);
        }
        self.model.remove(id);
    }

    /// Several records as JSONL through `upsert_lines` (duplicates included: the last wins).
    fn upsert_lines(&mut self, records: &[Value]) {
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        let mut new_ids = BTreeSet::new();
        for r in records {
            let id = r["Id"].as_str().expect("Id");
            if !self.model.contains_key(id) {
                new_ids.insert(id.to_string());
            }
        }
        let a = sql::sqlite::upsert_lines(&self.sqlite, &self.schema, text.as_bytes(), utc())
            .expect("SQLite upsert_lines");
        assert!(a.rejected.is_empty());
        assert_eq!(a.new, new_ids.len());
        assert_eq!(a.new + a.replaced, records.len());
        if let Some(pg) = self.pg.as_mut() {
            let b =
                sql::postgres::upsert_lines(&mut pg.client, &self.schema, text.as_bytes(), utc())
                    .expect("PostgreSQL upsert_lines");
            assert_eq!((a.new, a.replaced), (b.new, b.replaced));
        }
        for r in records {
            self.model
                .insert(r["Id"].as_str().expect("Id").to_string(), r.clone());
        }
    }

    /// An upsert and a delete inside the caller's transaction, committed or rolled back.
    fn in_transaction(&mut self, r: &Value, delete: Option<String>, commit: bool) {
        {
            let tx = self.sqlite.transaction().expect("begin");
            sql::sqlite::upsert(&tx, &self.schema, r, utc()).expect("upsert in a transaction");
            if let Some(id) = &delete {
                sql::sqlite::delete(&tx, &self.schema, id).expect("delete in a transaction");
            }
            if commit {
                tx.commit().expect("commit");
            } else {
                tx.rollback().expect("rollback");
            }
        }
        if let Some(pg) = self.pg.as_mut() {
            let mut tx = pg.client.transaction().expect("begin");
            sql::postgres::upsert(&mut tx, &self.schema, r, utc()).expect("upsert in a tx");
            if let Some(id) = &delete {
                sql::postgres::delete(&mut tx, &self.schema, id).expect("delete in a tx");
            }
            if commit {
                tx.commit().expect("commit");
            } else {
                tx.rollback().expect("rollback");
            }
        }
        if commit {
            self.model
                .insert(r["Id"].as_str().expect("Id").to_string(), r.clone());
            if let Some(id) = delete {
                self.model.remove(&id);
            }
        }
    }

    /// Every check after a step.
    fn check(&mut self, step: &str, rng: &mut Rng) {
        // The stored records are the record set, and rids are stable.
        let lite = sqlite_stored(&self.sqlite, &self.layout);
        let docs = |s: &Stored| -> BTreeMap<String, Value> {
            s.iter().map(|(k, (_, v))| (k.clone(), v.clone())).collect()
        };
        assert_eq!(
            docs(&lite),
            self.model,
            "{step}: SQLite holds the record set"
        );
        for (id, (rid, _)) in &lite {
            if let Some(old) = self.rids.get(id) {
                assert_eq!(rid, old, "{step}: {id} kept its rid");
            }
        }
        if let Some(pg) = self.pg.as_mut() {
            let p = pg_stored(&mut pg.client, &self.layout);
            assert_eq!(
                docs(&p),
                self.model,
                "{step}: PostgreSQL holds the record set"
            );
            let rids = |s: &Stored| -> Vec<(String, i64)> {
                s.iter().map(|(k, (r, _))| (k.clone(), *r)).collect()
            };
            assert_eq!(rids(&p), rids(&lite), "{step}: same rids in both");
        }
        self.rids = lite.iter().map(|(k, (r, _))| (k.clone(), *r)).collect();
        // No orphans.
        for q in orphan_queries(&self.layout) {
            let n: i64 = self
                .sqlite
                .query_row(&q, [], |r| r.get(0))
                .expect("orphan query");
            assert_eq!(n, 0, "{step}: SQLite orphans: {q}");
            if let Some(pg) = self.pg.as_mut() {
                let n: i64 = pg.client.query_one(&q, &[]).expect("orphan query").get(0);
                assert_eq!(n, 0, "{step}: PostgreSQL orphans: {q}");
            }
        }
        // The same Ids from the evaluator, SQLite and PostgreSQL.
        let mut planned = 0;
        for (filter, must_plan) in self.filters(rng) {
            planned += usize::from(self.agree(step, &filter, must_plan));
        }
        assert!(planned >= 11, "{step}: the handwritten filters ran");
    }

    /// Handwritten filters (which must plan) and filters made from values of the current
    /// records (a value that is not a valid phone number does not plan and is skipped).
    fn filters(&self, rng: &mut Rng) -> Vec<(String, bool)> {
        let mut out: Vec<(String, bool)> = [
            ALL.to_string(),
            EVERY.to_string(),
            format!("{EVERY} And Name Eq 'thom*'"),
            format!("{ALL} And Name Eq 'Ann Lee'"),
            format!("{EVERY} And Email Eq 'bo@example.com'"),
            format!("{EVERY} And Email Eq 'x%_y*'"),
            format!("{EVERY} And \"Phones\".\"Number\" Eq '701-555-1212'"),
            format!("{EVERY} And \"Phones\".\"Number\" Ne '555-0000'"),
            format!("{EVERY} And Tags Eq 'agent'"),
            format!("{EVERY} And Tags Eq 'o\\'hara'"),
            "UserType Eq 'Member' And (Email Eq 'ann*' Or Tags Eq 'MLS')".to_string(),
        ]
        .into_iter()
        .map(|f| (f, true))
        .collect();
        let records: Vec<&Value> = self.model.values().collect();
        for _ in 0..4 {
            if records.is_empty() {
                break;
            }
            let r = records[rng.below(records.len())];
            if let Some(name) = r["Name"].as_str() {
                if let Some(word) = name.split_whitespace().last() {
                    out.push((
                        format!("{EVERY} And Name Eq {}", wildcard(&[word, ""])),
                        false,
                    ));
                }
                out.push((format!("{EVERY} And Name Eq {}", quote(name)), false));
            }
            if let Some(e) = r["Emails"][0]["Address"].as_str() {
                out.push((format!("{EVERY} And Email Eq {}", quote(e)), false));
            }
            if let Some(p) = r["Phones"][0]["Number"].as_str() {
                out.push((
                    format!("{EVERY} And \"Phones\".\"Number\" Eq {}", quote(p)),
                    false,
                ));
            }
            if let Some(t) = r["Tags"][0].as_str() {
                out.push((format!("{ALL} And Tags Eq {}", quote(t)), false));
            }
        }
        out
    }

    /// Runs a filter on the three; false when it does not plan (only allowed when
    /// `must_plan` is false).
    fn agree(&mut self, step: &str, filter: &str, must_plan: bool) -> bool {
        let options = support::plan_options(support::mls_privileged(), utc());
        let plan = match plan::check(filter, &self.schema, &options) {
            Ok(p) => p,
            Err(e) if must_plan => panic!("{filter}: {e:?}"),
            Err(_) => return false,
        };
        let ev = Evaluator::new(&plan).expect("evaluator");
        let expected: BTreeSet<String> = self
            .model
            .iter()
            .filter(|(_, r)| ev.matches(*r))
            .map(|(id, _)| id.clone())
            .collect();
        let ids = |rows: Vec<(i64, String)>| -> BTreeSet<String> {
            rows.iter()
                .map(|(_, doc)| {
                    let v: Value = serde_json::from_str(doc).expect("doc");
                    v["Id"].as_str().expect("Id").to_string()
                })
                .collect()
        };
        let q = sql::compile(&plan, &self.layout, &sql::Sqlite, Paging::default())
            .expect("compiles for SQLite");
        let lite = ids(sql::sqlite::run(&self.sqlite, &q).expect("SQLite runs"));
        assert_eq!(lite, expected, "{step}: SQLite vs evaluator on {filter}");
        if let Some(pg) = self.pg.as_mut() {
            let q = sql::compile(&plan, &self.layout, &sql::Postgres, Paging::default())
                .expect("compiles for PostgreSQL");
            let p = ids(sql::postgres::run(&mut pg.client, &q).expect("PostgreSQL runs"));
            assert_eq!(p, expected, "{step}: PostgreSQL vs evaluator on {filter}");
        }
        true
    }
}

fn pool() -> Vec<Value> {
    spark_filter::sample::records("accounts", 120, 11).expect("sample records")
}

#[test]
fn random_maintenance_agrees_with_the_evaluator_on_sqlite_and_postgres() {
    let schema = accounts();
    let mut world = World {
        layout: Layout::of(&schema),
        schema,
        model: BTreeMap::new(),
        rids: BTreeMap::new(),
        sqlite: sql::sqlite::open("sqlite::memory:").expect("SQLite"),
        pg: support::pg_schema("random_maintenance", "maintain_random"),
    };
    let pool = pool();
    let mut rng = Rng(0x5EED_0012);
    let mut next_id = 0;
    let mut fresh = |rng: &mut Rng| {
        next_id += 1;
        // Ids that sort in every order, with a quote now and then.
        if rng.chance(10) {
            format!("id'{next_id}")
        } else {
            format!("id{:03}", next_id)
        }
    };
    // Start with a load that has a duplicate Id (the last line wins).
    let mut first: Vec<Value> = (0..12)
        .map(|_| {
            let id = fresh(&mut rng);
            record(&mut rng, &pool, &id)
        })
        .collect();
    let dup_id = first[3]["Id"].as_str().expect("Id").to_string();
    first.push(record(&mut rng, &pool, &dup_id));
    world.load(&first);
    // The duplicate kept the rid of its first line and the content of its last.
    let lite = sqlite_stored(&world.sqlite, &world.layout);
    assert_eq!(lite[&dup_id].0, 4);
    assert_eq!(&lite[&dup_id].1, first.last().expect("last"));
    world.check("load", &mut rng);
    let steps = 70;
    for step in 0..steps {
        let existing: Vec<String> = world.model.keys().cloned().collect();
        let pick_existing = |rng: &mut Rng| -> Option<String> {
            (!existing.is_empty()).then(|| existing[rng.below(existing.len())].clone())
        };
        let what = rng.below(100);
        let label;
        if what < 30 {
            let id = fresh(&mut rng);
            let r = record(&mut rng, &pool, &id);
            label = format!("step {step}: upsert new {id}");
            world.upsert(&r);
        } else if what < 55 {
            let id = pick_existing(&mut rng).unwrap_or_else(|| fresh(&mut rng));
            let r = record(&mut rng, &pool, &id);
            label = format!("step {step}: replace {id}");
            world.upsert(&r);
        } else if what < 70 {
            let id = if rng.chance(20) {
                "no-such-id".to_string()
            } else {
                pick_existing(&mut rng).unwrap_or_else(|| "none".into())
            };
            label = format!("step {step}: delete {id}");
            world.delete(&id);
        } else if what < 82 {
            let n = 1 + rng.below(6);
            let records: Vec<Value> = (0..n)
                .map(|_| {
                    let id = if rng.chance(50) {
                        pick_existing(&mut rng).unwrap_or_else(|| fresh(&mut rng))
                    } else {
                        fresh(&mut rng)
                    };
                    record(&mut rng, &pool, &id)
                })
                .collect();
            label = format!("step {step}: upsert_lines of {n}");
            world.upsert_lines(&records);
        } else if what < 94 {
            let id = if rng.chance(50) {
                pick_existing(&mut rng).unwrap_or_else(|| fresh(&mut rng))
            } else {
                fresh(&mut rng)
            };
            let r = record(&mut rng, &pool, &id);
            let delete = pick_existing(&mut rng).filter(|d| *d != id);
            let commit = rng.chance(60);
            label = format!(
                "step {step}: transaction (commit {commit}) upsert {id}, delete {delete:?}"
            );
            world.in_transaction(&r, delete, commit);
        } else {
            let n = 3 + rng.below(10);
            let records: Vec<Value> = (0..n)
                .map(|_| {
                    let id = fresh(&mut rng);
                    record(&mut rng, &pool, &id)
                })
                .collect();
            label = format!("step {step}: reload {n}");
            world.load(&records);
        }
        world.check(&label, &mut rng);
    }
}

/// Connects to the PostgreSQL schema of `pg` (its own connection).
fn pg_connect(url: &str, schema: &str) -> postgres::Client {
    let mut c = sql::postgres::connect(url).expect("connect");
    c.batch_execute(&format!("SET search_path TO {schema}"))
        .expect("search_path");
    c
}

#[test]
fn concurrent_postgres_writers_leave_the_last_committed_write_per_id() {
    let Some(url) = support::pg_url("concurrent_postgres_writers") else {
        return;
    };
    let mut pg = PgSchema::new(&url, "maintain_concurrent");
    let schema = accounts();
    let layout = Layout::of(&schema);
    let pool = pool();
    sql::postgres::load(&mut pg.client, &schema, &b""[..], utc()).expect("empty load");
    pg.client
        .batch_execute(
            "CREATE SEQUENCE wseq; CREATE TABLE writes (id text, version bigint, op text, seq bigint)",
        )
        .expect("log table");
    let version = Arc::new(AtomicU64::new(1));
    let ids: Vec<String> = (0..6).map(|i| format!("shared{i}")).collect();
    let threads = 4;
    let per_thread: usize = 40;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let url = url.clone();
            let name = pg.name.clone();
            let schema = schema.clone();
            let ids = ids.clone();
            let pool = pool.clone();
            let version = version.clone();
            std::thread::spawn(move || {
                let mut client = pg_connect(&url, &name);
                let mut rng = Rng(1000 + t as u64);
                for i in 0..per_thread {
                    let id = ids[rng.below(ids.len())].clone();
                    let v = version.fetch_add(1, Ordering::SeqCst);
                    // The write and its log entry commit together; the Id's lock is held
                    // from the write to the commit, so for one Id `seq` follows commit order.
                    let mut tx = client.transaction().expect("begin");
                    let op = if rng.chance(25) {
                        sql::postgres::delete(&mut tx, &schema, &id).expect("delete");
                        "delete"
                    } else {
                        let mut r = record(&mut rng, &pool, &id);
                        r["Version"] = json!(v);
                        sql::postgres::upsert(&mut tx, &schema, &r, utc()).expect("upsert");
                        "upsert"
                    };
                    tx.execute(
                        "INSERT INTO writes VALUES ($1, $2, $3, nextval('wseq'))",
                        &[&id, &(v as i64), &op],
                    )
                    .expect("log");
                    tx.commit().expect("commit");
                    // The library's own transaction too: new Ids of this thread, so rid
                    // allocation runs concurrently.
                    if i % 4 == 0 {
                        let own = format!("t{t}-{i}");
                        let r = record(&mut rng, &pool, &own);
                        let u = sql::postgres::upsert(&mut client, &schema, &r, utc())
                            .expect("upsert of a new Id");
                        assert!(!u.replaced);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer thread");
    }
    let stored = pg_stored(&mut pg.client, &layout);
    for id in &ids {
        let last = pg
            .client
            .query_opt(
                "SELECT version, op FROM writes WHERE id = $1 ORDER BY seq DESC LIMIT 1",
                &[id],
            )
            .expect("log");
        match last {
            None => assert!(!stored.contains_key(id)),
            Some(row) => {
                let (v, op): (i64, String) = (row.get(0), row.get(1));
                if op == "delete" {
                    assert!(!stored.contains_key(id), "{id} was deleted last");
                } else {
                    assert_eq!(
                        stored.get(id).map(|(_, r)| r["Version"].clone()),
                        Some(json!(v)),
                        "{id}: the last committed upsert wins"
                    );
                }
            }
        }
    }
    let own = stored.keys().filter(|k| k.starts_with('t')).count();
    assert_eq!(
        own,
        threads * per_thread.div_ceil(4),
        "every new Id stored once"
    );
    for q in orphan_queries(&layout) {
        let n: i64 = pg.client.query_one(&q, &[]).expect("orphans").get(0);
        assert_eq!(n, 0, "orphans: {q}");
    }
}

const BAD: &str = r#"{"Id": "good1", "UserType": "Member", "Name": "Ann Lee", "Emails": [{"Address": "a@x"}]}
{"UserType": "Member", "Name": "No Id"}
[1, 2]

{"Id": "bad-shape", "UserType": "Member", "Phones": "701-555-1212"}
{"Id": 7, "UserType": "Member"}
{"Id": "good2", "UserType": "Office", "Phones": [{"Number": "701-555-1212"}]}
{"Id": "broken",
{"Id": "", "UserType": "Member"}
{"Id": "bad-leaf", "UserType": "Member", "Name": {"First": "Ann"}}
{"Id": "good1", "UserType": "Member", "Name": "Ann Li"}
"#;

fn check_bad_report(report: &maintain::Report) {
    let lines: Vec<(Option<usize>, String)> = report
        .rejected
        .iter()
        .map(|e| match e {
            DbError::Invalid { line, .. } => (*line, e.to_string()),
            DbError::Record { line, .. } => (Some(*line), e.to_string()),
            other => panic!("unexpected error {other}"),
        })
        .collect();
    let numbers: Vec<Option<usize>> = lines.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        numbers,
        [2, 3, 5, 6, 8, 9, 10].map(Some).to_vec(),
        "{lines:?}"
    );
    let text: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(text[0], "line 2: the record has no Id");
    assert_eq!(
        text[1],
        "line 3: a record must be a JSON object, not an array"
    );
    assert_eq!(
        text[2],
        "line 5: field \"Phones\".\"Number\": expected an array at Phones, found a string"
    );
    assert_eq!(
        text[3],
        "line 6: the record's Id must be a string, not a number"
    );
    assert!(
        text[4].starts_with("line 8: not a JSON record: "),
        "{}",
        text[4]
    );
    assert_eq!(text[5], "line 9: the record's Id is empty");
    assert_eq!(
        text[6],
        "line 10: field Name: expected a single value at Name, found an object"
    );
    assert_eq!((report.new, report.replaced), (2, 1));
}

#[test]
fn bad_lines_are_reported_by_line_number_and_not_written() {
    let schema = accounts();
    let layout = Layout::of(&schema);
    let mut conn = sql::sqlite::open("sqlite::memory:").expect("SQLite");
    sql::sqlite::load(&mut conn, &schema, &b""[..], utc()).expect("empty load");
    let report =
        sql::sqlite::upsert_lines(&conn, &schema, BAD.as_bytes(), utc()).expect("upsert_lines");
    check_bad_report(&report);
    let stored = sqlite_stored(&conn, &layout);
    assert_eq!(stored.keys().collect::<Vec<_>>(), ["good1", "good2"]);
    assert_eq!(stored["good1"].1["Name"], "Ann Li");
    // One record alone: no line number, nothing written.
    let e = sql::sqlite::upsert(&conn, &schema, &json!({"Name": "x"}), utc()).expect_err("no Id");
    assert_eq!(e.to_string(), "invalid record: the record has no Id");
    assert_eq!(sqlite_stored(&conn, &layout).len(), 2);
    if let Some(mut pg) = support::pg_schema("bad_lines", "maintain_bad") {
        sql::postgres::load(&mut pg.client, &schema, &b""[..], utc()).expect("empty load");
        let report = sql::postgres::upsert_lines(&mut pg.client, &schema, BAD.as_bytes(), utc())
            .expect("upsert_lines");
        check_bad_report(&report);
        let stored = pg_stored(&mut pg.client, &layout);
        assert_eq!(stored.keys().collect::<Vec<_>>(), ["good1", "good2"]);
        let e = sql::postgres::upsert(&mut pg.client, &schema, &json!([1]), utc())
            .expect_err("not an object");
        assert!(matches!(e, DbError::Invalid { line: None, .. }), "{e}");
    }
}

/// A schema named `accounts` with one field fewer: another definition of the same tables.
fn other_accounts() -> Schema {
    let mut s = accounts();
    s.fields.retain(|f| f.name != "Tags");
    s
}

fn assert_layout_error(e: DbError, problem: &str) {
    let text = e.to_string();
    assert!(matches!(e, DbError::Layout { .. }), "{text}");
    assert!(text.contains(problem), "{text}");
    assert!(
        text.contains("rebuild it with `spark-filter load --schema accounts --db URL"),
        "{text}"
    );
}

#[test]
fn tables_of_another_layout_are_refused_with_a_clear_error() {
    let schema = accounts();
    let r = json!({"Id": "a", "UserType": "Member"});
    let mut conn = sql::sqlite::open("sqlite::memory:").expect("SQLite");
    // No tables at all.
    assert_layout_error(
        sql::sqlite::upsert(&conn, &schema, &r, utc()).expect_err("no tables"),
        "table accounts has no layout record",
    );
    sql::sqlite::load(&mut conn, &schema, &b""[..], utc()).expect("load");
    sql::sqlite::upsert(&conn, &schema, &r, utc()).expect("this layout");
    sql::sqlite::check_layout(&conn, &schema).expect("this layout");
    assert_layout_error(
        sql::sqlite::delete(&conn, &other_accounts(), "a").expect_err("another schema"),
        "was built from another definition of schema accounts",
    );
    conn.execute_batch("UPDATE spark_filter_layout SET version = 1")
        .expect("older version");
    assert_layout_error(
        sql::sqlite::upsert(&conn, &schema, &r, utc()).expect_err("version 1"),
        "table accounts was built by layout version 1, this build uses 2",
    );
    assert_layout_error(
        sql::sqlite::check_layout(&conn, &schema).expect_err("version 1"),
        "version 1",
    );
    // A refused write inside the caller's transaction leaves the transaction usable.
    conn.execute_batch("UPDATE spark_filter_layout SET version = 2")
        .expect("this version");
    {
        let tx = conn.transaction().expect("begin");
        sql::sqlite::upsert(
            &tx,
            &schema,
            &json!({"Id": "b", "UserType": "Member"}),
            utc(),
        )
        .expect("b");
        sql::sqlite::upsert(&tx, &other_accounts(), &r, utc()).expect_err("refused");
        sql::sqlite::upsert(
            &tx,
            &schema,
            &json!({"Id": "c", "UserType": "Member"}),
            utc(),
        )
        .expect("c");
        tx.commit().expect("commit");
    }
    let layout = Layout::of(&schema);
    assert_eq!(
        sqlite_stored(&conn, &layout).keys().collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    if let Some(mut pg) = support::pg_schema("layout_mismatch", "maintain_layout") {
        assert_layout_error(
            sql::postgres::delete(&mut pg.client, &schema, "a").expect_err("no tables"),
            "has no layout record",
        );
        sql::postgres::load(&mut pg.client, &schema, &b""[..], utc()).expect("load");
        sql::postgres::upsert(&mut pg.client, &schema, &r, utc()).expect("this layout");
        pg.client
            .batch_execute("UPDATE spark_filter_layout SET version = 1")
            .expect("older version");
        assert_layout_error(
            sql::postgres::upsert(&mut pg.client, &schema, &r, utc()).expect_err("version 1"),
            "was built by layout version 1, this build uses 2",
        );
        pg.client
            .batch_execute("UPDATE spark_filter_layout SET version = 2")
            .expect("this version");
        let mut tx = pg.client.transaction().expect("begin");
        sql::postgres::upsert(
            &mut tx,
            &schema,
            &json!({"Id": "b", "UserType": "Member"}),
            utc(),
        )
        .expect("b");
        assert_layout_error(
            sql::postgres::upsert(&mut tx, &other_accounts(), &r, utc()).expect_err("refused"),
            "another definition",
        );
        sql::postgres::upsert(
            &mut tx,
            &schema,
            &json!({"Id": "c", "UserType": "Member"}),
            utc(),
        )
        .expect("c");
        tx.commit().expect("commit");
        assert_eq!(
            pg_stored(&mut pg.client, &layout)
                .keys()
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }
}

#[test]
fn postgres_errors_keep_the_server_message() {
    let Some(url) = support::pg_url("postgres_errors_keep_the_server_message") else {
        return;
    };
    // Another database name on the same server.
    let (base, _) = url.rsplit_once('/').expect("URL with a database");
    let Err(e) = sql::postgres::connect(&format!("{base}/spark_filter_no_such_db")) else {
        panic!("connected to a database that does not exist");
    };
    let text = e.to_string();
    assert!(
        text.contains("database \"spark_filter_no_such_db\" does not exist"),
        "{text}"
    );
}

// ---- the command line ----------------------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_spark-filter");

fn run(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    let mut child = std::process::Command::new(BIN)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run spark-filter");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn upsert_and_delete_verbs_on_a_sqlite_file() {
    let dir = std::env::temp_dir();
    let db_path = dir.join(format!("maintain-cli-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db_path);
    let db = format!("sqlite://{}", db_path.display());
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    // Upsert before any load: says to load first.
    let o = run(&["upsert", "--schema", "accounts", "--db", &db, "-"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("run `spark-filter load"),
        "{}",
        text(&o.stderr)
    );
    let initial = concat!(
        r#"{"Id": "a1", "UserType": "Member", "Name": "Ann Lee"}"#,
        "\n",
        r#"{"Id": "a2", "UserType": "Member", "Name": "Bo Li"}"#,
        "\n"
    );
    let o = run(
        &["load", "--schema", "accounts", "--db", &db, "-"],
        initial.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Good and bad lines: the good are written, the bad named, status 1.
    let o = run(
        &["upsert", "--schema", "accounts", "--db", &db, "-"],
        BAD.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for n in [2, 3, 5, 6, 8, 9, 10] {
        assert!(err.contains(&format!("spark-filter: line {n}: ")), "{err}");
    }
    assert!(
        err.ends_with(
            "upserted 3 records into table accounts (2 new, 1 replaced); 7 bad lines not written\n"
        ),
        "{err}"
    );
    // A file of good lines: status 0.
    let file = dir.join(format!("maintain-cli-{}.jsonl", std::process::id()));
    std::fs::write(
        &file,
        "{\"Id\": \"a1\", \"UserType\": \"Member\", \"Name\": \"Ann Zed\"}\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let o = run(&["upsert", "--schema", "accounts", "--db", &db, &path], b"");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stderr),
        "upserted 1 records into table accounts (0 new, 1 replaced)\n"
    );
    let ids = |filter: &str| {
        let o = run(
            &[
                "query",
                "--schema",
                "accounts",
                "--db",
                &db,
                "--privileged",
                "--ids",
                filter,
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    // --ids prints the records' Ids.
    assert_eq!(ids(&format!("{EVERY} And Name Eq 'zed*'")), "a1\n");
    assert_eq!(ids(EVERY), "a1\na2\ngood1\ngood2\n");
    let o = run(
        &[
            "delete", "--schema", "accounts", "--db", &db, "a2", "good1", "nope",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr), "deleted 2 of 3 ids from table accounts\n");
    assert_eq!(ids(EVERY), "a1\ngood2\n");
    let _ = std::fs::remove_file(&db_path);
    let _ = std::fs::remove_file(&file);
}
