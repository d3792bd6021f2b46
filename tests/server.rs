//! `spark-filter serve` end to end: the real binary on a free port, real HTTP (ureq), on
//! SQLite and on PostgreSQL (`SPARK_FILTER_PG_URL`, a schema of its own).
//!
//! One server per back end runs every check in turn (starting one loads 5000 accounts):
//! authentication, every role against every service, every endpoint and method, 404/405,
//! parameter and filter errors with their envelopes, searches equal to the library's own
//! evaluator over the same records (before and after writes), the method override, the URL
//! and body caps, a panicking handler, hostile requests, PostgreSQL connections killed under
//! the server, and a graceful shutdown.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Caller, PlanOptions, Role, builtin};
use spark_filter::request::{Search, SearchOptions, TokenKey};

const ACCOUNTS: &str = include_str!("../data/accounts.jsonl");
const GROUPS: &str = include_str!("../data/portal-groups.jsonl");

/// The Account whose `/my/account` the VOW key reads (it has `GetEmailUpdates`).
fn vow_account() -> String {
    ACCOUNTS
        .lines()
        .find(|l| l.contains("\"GetEmailUpdates\""))
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| v["Id"].as_str().map(str::to_string))
        .expect("a sample account with GetEmailUpdates")
}

/// The first sample portal group.
fn first_group() -> Value {
    serde_json::from_str(GROUPS.lines().next().expect("groups")).expect("group JSON")
}

const ROLES: [&str; 5] = ["idx", "public", "vow", "portal", "private"];

/// The `_skiptoken` secret given to the test servers and to the command line.
const TOKEN_KEY: &str = "tests/server.rs token key, 32 bytes or more";

/// Attributes the accounts routes never show (the server's `ACCOUNT_HIDDEN`).
const ACCOUNT_HIDDEN: [&str; 3] = ["GetEmailUpdates", "Password", "PasswordValidation"];

/// The user Id of a role's test key.
fn user_id(role: &str) -> String {
    match role {
        "portal" => first_group()["ContactId"].as_str().unwrap().to_string(),
        _ => vow_account(),
    }
}

fn key(role: &str) -> String {
    format!("test-key-{role}-0123456789abcdef")
}

fn write_keys(dir: &Path) -> PathBuf {
    let keys: Vec<Value> = ROLES
        .iter()
        .map(|role| {
            json!({
                "key": key(role),
                "role": role,
                "privileged": *role == "private",
                "user_level": "mls",
                "user_id": user_id(role),
            })
        })
        .collect();
    let path = dir.join(format!("keys-{}.json", std::process::id()));
    std::fs::write(&path, json!({ "keys": keys }).to_string()).unwrap();
    path
}

/// The server process; killed on drop, whatever happened.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
    log: PathBuf,
}

impl Server {
    /// A server with the test's `_skiptoken` key (so that the command line, given the same
    /// key, makes the same tokens).
    fn start(db: &str, tag: &str) -> Server {
        Server::start_with(db, tag, &["--token-key", TOKEN_KEY])
    }

    fn start_with(db: &str, tag: &str, extra: &[&str]) -> Server {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let keys = write_keys(&dir);
        let log = dir.join(format!("server-{tag}-{}.log", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_spark-filter"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--panic-route",
                "--db",
                db,
            ])
            .args(extra)
            .arg("--keys")
            .arg(&keys)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start spark-filter serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.trim_end_matches("/v1").to_string());
                }
            }
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut server = Server {
            child,
            base: String::new(),
            agent,
            log,
        };
        match rx.recv_timeout(Duration::from_secs(240)) {
            Ok(base) => server.base = base,
            Err(_) => panic!(
                "the server did not start; its log:\n{}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            ),
        }
        server
    }

    /// Any request; the answer must be a Spark envelope. Returns (status, body).
    fn call(
        &self,
        method: &str,
        path: &str,
        role: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = role.map(|r| format!("Bearer {}", key(r)));
        macro_rules! with_headers {
            ($req:expr) => {{
                let mut req = $req;
                if let Some(a) = &auth {
                    req = req.header("Authorization", a.as_str());
                }
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req
            }};
        }
        let result = match (method, body) {
            ("GET", _) => with_headers!(self.agent.get(&url)).call(),
            ("DELETE", _) => with_headers!(self.agent.delete(&url)).call(),
            ("POST", b) => with_headers!(self.agent.post(&url)).send(b.unwrap_or("")),
            ("PUT", b) => with_headers!(self.agent.put(&url)).send(b.unwrap_or("")),
            ("PATCH", b) => with_headers!(self.agent.patch(&url)).send(b.unwrap_or("")),
            _ => unreachable!("method {method}"),
        };
        let mut response = result.unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: {status} is not JSON: {text:?}"));
        check_envelope(status, &value, &format!("{method} {path}"));
        (status, value)
    }

    fn get(&self, path: &str, role: &str) -> (u16, Value) {
        self.call("GET", path, Some(role), None, &[])
    }

    /// A GET's status and body text exactly as sent (an envelope, checked).
    fn get_text(&self, path: &str, role: &str) -> (u16, String) {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .agent
            .get(&url)
            .header("Authorization", format!("Bearer {}", key(role)).as_str())
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: no answer: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("GET {path}: {status} is not JSON: {text:?}"));
        check_envelope(status, &value, &format!("GET {path}"));
        (status, text)
    }

    /// SIGTERM, then the exit status (the server must stop by itself).
    fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every answer is `{"D":{"Success":…}}`; a failure has an integer `Code` and a `Message`.
#[track_caller]
fn check_envelope(status: u16, body: &Value, what: &str) {
    let d = &body["D"];
    let ok = d["Success"].as_bool();
    assert_eq!(ok, Some(status == 200), "{what}: {status} {body}");
    if status != 200 {
        assert!(d["Code"].is_i64(), "{what}: Code is not an integer: {body}");
        assert!(d["Message"].is_string(), "{what}: no Message: {body}");
    } else {
        assert!(d["Results"].is_array(), "{what}: no Results: {body}");
    }
}

#[track_caller]
fn expect_code(answer: (u16, Value), status: u16, code: i64, what: &str) -> Value {
    assert_eq!(
        (answer.0, answer.1["D"]["Code"].as_i64()),
        (status, Some(code)),
        "{what}: {}",
        answer.1
    );
    answer.1
}

#[track_caller]
fn expect_ok(answer: (u16, Value), what: &str) -> Value {
    assert_eq!(answer.0, 200, "{what}: {}", answer.1);
    answer.1
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn ids(body: &Value) -> Vec<String> {
    body["D"]["Results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The library's answer: the Ids of the records matching `filter` for `role`, in record
/// order, and how many match.
fn expected(records: &[Value], filter: &str, role: &str) -> Result<Vec<String>, String> {
    let schema = builtin::builtin("accounts").unwrap();
    let caller = Caller {
        privileged: role == "private",
        user_level: plan::UserLevel::Mls,
        ..Caller::new(role.parse::<Role>().unwrap())
    };
    let planned = plan::check(filter, &schema, &PlanOptions::new(caller))
        .map_err(|e| e.first().message.clone())?;
    let evaluator = Evaluator::new(&planned).map_err(|e| e.message)?;
    Ok(records
        .iter()
        .filter(|r| evaluator.matches(*r))
        .map(|r| r["Id"].as_str().unwrap_or("").to_string())
        .collect())
}

const FILTERS: &[&str] = &[
    "UserType Eq 'Member'",
    "UserType Eq 'Member' And Name Eq 'thomas*'",
    "UserType Eq 'Member' And Name Eq 'john*','tim*'",
    "UserType Eq 'Office' And \"PrimaryAddress\".\"City\" Eq 'Fargo'",
    "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-0100'",
    "UserType Eq 'Member' And Tags Eq 'Agent' And LanguagesSpoken Eq 'es'",
    "UserType Eq 'Member' And (Office Eq '*Fargo*' Or Company Eq 'L*')",
    "UserType Eq 'Member' Not LastName Eq 'S*'",
    "UserType Eq 'Member' And \"Team\".\"Owner\" Eq true",
    "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
    "UserType Eq 'Member' And Email Eq '*@mail.example'",
    "UserType Eq 'Office','Company' Not Name Eq '*Realty*'",
    "UserType Eq 'Company','Mls'",
    "UserType Eq 'Member' And NrdsId Gt 500000000",
    "UserType Eq 'Member','Office' And (FirstName Eq 'Anna' Or Name Eq '*Group*')",
];

/// Searches through HTTP equal the evaluator over `records`, first page and count.
fn searches_agree(server: &Server, records: &[Value], filters: &[&str], role: &str) {
    for filter in filters {
        let want = expected(records, filter, role).expect("the test filters are valid");
        let path = format!(
            "/v1/accounts?_filter={}&_limit=25&_pagination=1",
            enc(filter)
        );
        let body = expect_ok(server.get(&path, role), filter);
        let got = ids(&body);
        let first: Vec<String> = want.iter().take(25).cloned().collect();
        assert_eq!(got, first, "{role}: {filter}");
        assert_eq!(
            body["D"]["Pagination"]["TotalRows"].as_u64(),
            Some(want.len() as u64),
            "{role}: {filter}"
        );
        if want.len() > 25 {
            let path = format!("/v1/accounts?_filter={}&_limit=25&_page=2", enc(filter));
            let page2 = ids(&expect_ok(server.get(&path, role), filter));
            let want2: Vec<String> = want.iter().skip(25).take(25).cloned().collect();
            assert_eq!(page2, want2, "{role} page 2: {filter}");
            let path = format!("/v1/accounts?_filter={}&_limit=5&_skip=7", enc(filter));
            let skipped = ids(&expect_ok(server.get(&path, role), filter));
            let want3: Vec<String> = want.iter().skip(7).take(5).cloned().collect();
            assert_eq!(skipped, want3, "{role} _skip: {filter}");
        }
    }
}

/// The library's options for a role's test key (what the server builds from the keys file).
fn search_options(role: &str) -> SearchOptions {
    let caller = Caller {
        privileged: role == "private",
        user_level: plan::UserLevel::Mls,
        user_id: Some(user_id(role)),
        ..Caller::new(role.parse::<Role>().unwrap())
    };
    SearchOptions::new(caller, TokenKey::new(TOKEN_KEY.as_bytes().to_vec()))
}

/// The records as the accounts routes show them: the sample without the attributes those
/// routes never show (`GetEmailUpdates` is read through `/my/account`, passwords are
/// write-only). Searching them in memory is what the server answers.
fn shown(records: &[Value]) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(map) = r.as_object_mut() {
                for k in ACCOUNT_HIDDEN {
                    map.remove(k);
                }
            }
            r
        })
        .collect()
}

/// The library's body for `query` over `records` (in memory), as the CLI prints it.
fn library_body(records: &[Value], query: &str, role: &str) -> String {
    service_body("accounts", records, query, role)
}

/// The library's body for `query` over `records` of a built-in schema (in memory).
fn service_body(service: &str, records: &[Value], query: &str, role: &str) -> String {
    let schema = builtin::builtin(service).unwrap();
    match Search::from_query(query, &schema, &search_options(role)) {
        Ok(search) => search.run_in_memory(records).to_json(),
        Err(e) => e.response().to_json(),
    }
}

/// A small deterministic generator (the same requests on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Generated search requests (filters, `_orderby`, `_limit`, `_page`/`_skip`/`_skiptoken`,
/// `_pagination`, `_select`, `_expand`, every role, valid and refused): the server's body
/// is, byte for byte, what `spark-filter search --records` prints over the records the
/// server holds (for the first ones; the library's `Search::run_in_memory`, which the
/// command line runs, for all).
fn bodies_agree(server: &Server, records: &[Value], backend: &str) {
    let records = shown(records);
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "server-records-{backend}-{}.jsonl",
        std::process::id()
    ));
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let orders = [
        "",
        "Name",
        "-LastName",
        "FirstName,-Name",
        "-NrdsId",
        "\"PrimaryAddress\".\"City\",Name",
        "Office,-ShortId",
        "Email",
    ];
    let selects = ["", "Name", "Name,Office", "FirstName,LastName,Tags", "Nope"];
    let expands = [
        "",
        "Settings",
        "Biography",
        "Settings,Biography",
        "Team",
        "LoginName",
        "Permissions",
    ];
    let mut rng = Lcg(20261202);
    let (mut via_cli, mut total, mut refused) = (0, 0, 0);
    for i in 0..150 {
        let role = ROLES[i % ROLES.len()];
        let filter = if rng.below(12) == 0 {
            "UserType Eq 'Member' And Bogus Eq 1"
        } else if role == "private" {
            rng.pick(FILTERS)
        } else {
            rng.pick(&FILTERS[..6])
        };
        let mut q = vec![format!("_filter={}", enc(filter))];
        let order = rng.pick(&orders);
        if !order.is_empty() {
            q.push(format!("_orderby={}", enc(order)));
        }
        let limit = [None, Some(0), Some(1), Some(3), Some(10), Some(25)][rng.below(6)];
        if let Some(l) = limit {
            q.push(format!("_limit={l}"));
        }
        match rng.below(5) {
            0 => q.push(format!("_page={}", 1 + rng.below(4))),
            1 => q.push(format!("_skip={}", rng.below(60))),
            2 => q.push("_skiptoken=".to_string()),
            _ => {}
        }
        match rng.below(4) {
            0 => q.push("_pagination=1".to_string()),
            1 => q.push("_pagination=count".to_string()),
            2 => q.push("_pagination=0".to_string()),
            _ => {}
        }
        let select = rng.pick(&selects);
        if !select.is_empty() && rng.below(2) == 0 {
            q.push(format!("_select={select}"));
        }
        let expand = rng.pick(&expands);
        if !expand.is_empty() && rng.below(2) == 0 {
            q.push(format!("_expand={expand}"));
        }
        let query = q.join("&");
        let (status, body) = server.get_text(&format!("/v1/accounts?{query}"), role);
        let want = library_body(&records, &query, role);
        assert_eq!(body, want, "{backend} {role}: {query}");
        if status != 200 {
            refused += 1;
        }
        if i < 30 {
            let mut cli = Command::new(env!("CARGO_BIN_EXE_spark-filter"));
            cli.args(["search", "--schema", "accounts", "--role", role])
                .args(["--user-level", "mls", "--user-id", &user_id(role)])
                .arg("--records")
                .arg(&file)
                .args(["--token-key", TOKEN_KEY]);
            if role == "private" {
                cli.arg("--privileged");
            }
            let out = cli.arg(&query).output().expect("run spark-filter search");
            let printed = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                printed.trim_end_matches('\n'),
                body,
                "{backend} {role}: the CLI for {query}"
            );
            via_cli += 1;
        }
        total += 1;
    }
    let _ = std::fs::remove_file(&file);
    assert!(
        refused > 5 && refused < total / 2,
        "{refused} of {total} refused"
    );
    eprintln!(
        "{backend}: {total} generated search bodies equal the library's ({via_cli} also the \
         CLI's), {refused} of them refusals"
    );
}

/// Keyset paging over HTTP: following each page's `SkipToken` walks every matching record
/// once, in order (no duplicates, no gaps), each page byte for byte the library's in-memory
/// page; on the plain search route and on a scoped one (`/accounts/by/office/<Id>`).
fn skiptoken_walks_agree(server: &Server, records: &[Value]) {
    let shown = shown(records);
    let office = records
        .iter()
        .filter_map(|r| r["OfficeId"].as_str())
        .max_by_key(|o| records.iter().filter(|r| r["OfficeId"] == *o).count())
        .unwrap()
        .to_string();
    let in_office: Vec<Value> = shown
        .iter()
        .filter(|r| r["OfficeId"] == office.as_str())
        .cloned()
        .collect();
    // (route, the records it searches, filter, _orderby, _limit, role); 5 to 25 pages each.
    let cases = [
        (
            "/v1/accounts".to_string(),
            &shown,
            FILTERS[14],
            "-LastName",
            10,
            "private",
        ),
        (
            "/v1/accounts".to_string(),
            &shown,
            FILTERS[11],
            "",
            25,
            "public",
        ),
        (
            "/v1/accounts".to_string(),
            &shown,
            FILTERS[5],
            "\"PrimaryAddress\".\"City\",-Name",
            7,
            "vow",
        ),
        (
            format!("/v1/accounts/by/office/{office}"),
            &in_office,
            "UserType Eq 'Member','Office'",
            "Name",
            10,
            "idx",
        ),
    ];
    for (route, within, filter, order, limit, role) in cases {
        let search = format!("_filter={}&_orderby={}", enc(filter), enc(order));
        let base = format!("{search}&_limit={limit}");
        let mut token = String::new();
        let mut walked: Vec<String> = Vec::new();
        let mut pages = 0;
        loop {
            let query = format!("{base}&_skiptoken={}", enc(&token));
            let (status, body) = server.get_text(&format!("{route}?{query}"), role);
            assert_eq!(status, 200, "{route}?{query}: {body}");
            assert_eq!(body, library_body(within, &query, role), "{route}?{query}");
            let body: Value = serde_json::from_str(&body).unwrap();
            walked.extend(ids(&body));
            pages += 1;
            match body["D"]["SkipToken"].as_str() {
                Some(t) => token = t.to_string(),
                None => break,
            }
            assert!(pages < 2000, "{route}: no end");
        }
        // The same search unpaged, in the library's order.
        let all: Vec<String> = (1..)
            .map(|page| {
                let query = format!("{search}&_limit=25&_page={page}");
                let body: Value =
                    serde_json::from_str(&library_body(within, &query, role)).unwrap();
                ids(&body)
            })
            .take_while(|page| !page.is_empty())
            .flatten()
            .collect();
        let mut unique = walked.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            walked.len(),
            "{route} {filter}: a record twice"
        );
        assert_eq!(
            walked, all,
            "{route} {filter}: the walk is the unpaged order"
        );
        assert!(pages > 2, "{route} {filter}: {pages} pages is not a walk");
        eprintln!(
            "{route} {filter}: {} records in {pages} keyset pages",
            walked.len()
        );
    }
}

fn sample_records() -> Vec<Value> {
    ACCOUNTS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn exercise(server: &Server, backend: &str) {
    let mut records = sample_records();
    let group = first_group();
    let group_id = group["Id"].as_str().unwrap().to_string();
    let contact = group["ContactId"].as_str().unwrap().to_string();
    let account = records[1]["Id"].as_str().unwrap().to_string();
    let member_filter = format!("?_filter={}", enc("UserType Eq 'Member'"));

    // ---- 401 without a valid key, on every route ----
    let routes = [
        format!("/v1/accounts{member_filter}"),
        format!("/v1/accounts/{account}"),
        "/v1/my/account".to_string(),
        "/v1/portal/groups?_filter=Name%20Eq%20'A*'".to_string(),
        format!("/v1/contacts/{contact}/portal"),
    ];
    for path in &routes {
        expect_code(server.call("GET", path, None, None, &[]), 401, 1000, path);
        let bad = server.call(
            "GET",
            path,
            None,
            None,
            &[("Authorization", "Bearer not-a-key-at-all-000000")],
        );
        let body = expect_code(bad, 401, 1000, path);
        assert!(!body.to_string().contains("not-a-key"), "the key is echoed");
    }

    // ---- every role against every service (Supported Roles) ----
    let group_search = format!("/v1/portal/groups?_filter={}", enc("Name Eq 'L*'"));
    for role in ROLES {
        expect_ok(
            server.get(&format!("/v1/accounts{member_filter}"), role),
            role,
        );
        expect_ok(server.get(&format!("/v1/accounts/{account}"), role), role);
        expect_ok(
            server.get(&format!("/v1/accounts/{account}/report"), role),
            role,
        );
        expect_ok(
            server.get(&format!("/v1/accounts/{account}/roster"), role),
            role,
        );
        expect_ok(
            server.get(&format!("/v1/accounts/report{member_filter}"), role),
            role,
        );
        expect_ok(
            server.get(&format!("/v1/accounts/roster{member_filter}"), role),
            role,
        );
        expect_ok(server.get("/v1/accounts/teams", role), role);
        let office = records
            .iter()
            .find_map(|r| r["OfficeId"].as_str())
            .unwrap()
            .to_string();
        expect_ok(
            server.get(&format!("/v1/accounts/by/office/{office}"), role),
            role,
        );
        let groups = server.get(&group_search, role);
        let group_one = server.get(&format!("/v1/portal/groups/{group_id}"), role);
        if matches!(role, "idx" | "public") {
            expect_code(groups, 403, 1500, role);
            expect_code(group_one, 403, 1500, role);
        } else {
            expect_ok(groups, role);
            expect_ok(group_one, role);
        }
        let portal = server.get(&format!("/v1/contacts/{contact}/portal"), role);
        if role == "vow" {
            expect_code(portal, 403, 1500, "a VOW key reads only its own contact");
        } else {
            expect_ok(portal, role);
        }
        // Writes a role may not make.
        if role != "private" {
            let add = json!({"D": {"Users": [{"Id": contact}]}}).to_string();
            let path = format!("/v1/portal/groups/{group_id}");
            expect_code(
                server.call("POST", &path, Some(role), Some(&add), &[]),
                403,
                1500,
                role,
            );
            expect_code(
                server.call("PUT", &path, Some(role), Some(&add), &[]),
                403,
                1500,
                role,
            );
            expect_code(
                server.call("DELETE", &path, Some(role), None, &[]),
                403,
                1500,
                role,
            );
            let member = format!("/v1/portal/groups/{group_id}/users/{contact}");
            expect_code(
                server.call("DELETE", &member, Some(role), None, &[]),
                403,
                1500,
                role,
            );
            let put = json!({"D": {"Settings": {"Enabled": true}}}).to_string();
            let portal = format!("/v1/contacts/{contact}/portal");
            expect_code(
                server.call("PUT", &portal, Some(role), Some(&put), &[]),
                403,
                1500,
                role,
            );
            let new = json!({"D": {"Name": "X Y", "UserType": "Member"}}).to_string();
            expect_code(
                server.call("POST", "/v1/accounts", Some(role), Some(&new), &[]),
                403,
                1500,
                role,
            );
        }
        if !matches!(role, "idx" | "private") {
            let path = "/v1/contacts/20990000000000000000000001/portal";
            expect_code(
                server.call("POST", path, Some(role), Some("{\"D\":{}}"), &[]),
                403,
                1500,
                role,
            );
        }
        if !matches!(role, "vow" | "portal") {
            let body = json!({"D": {"GetEmailUpdates": true}}).to_string();
            expect_code(
                server.call("PUT", "/v1/my/account", Some(role), Some(&body), &[]),
                403,
                1500,
                role,
            );
        }
    }

    // ---- 405 for every "Not implemented" method, 405 for methods no page lists ----
    let not_implemented: Vec<(&str, String)> = vec![
        ("PUT", "/v1/accounts".into()),
        ("DELETE", "/v1/accounts".into()),
        ("POST", "/v1/accounts/report".into()),
        ("PUT", "/v1/accounts/report".into()),
        ("DELETE", "/v1/accounts/report".into()),
        ("POST", "/v1/accounts/roster".into()),
        ("PUT", "/v1/accounts/roster".into()),
        ("DELETE", "/v1/accounts/roster".into()),
        ("POST", format!("/v1/accounts/{account}")),
        ("DELETE", format!("/v1/accounts/{account}")),
        ("POST", format!("/v1/accounts/{account}/report")),
        ("PUT", format!("/v1/accounts/{account}/report")),
        ("DELETE", format!("/v1/accounts/{account}/report")),
        ("POST", format!("/v1/accounts/{account}/roster")),
        ("PUT", format!("/v1/accounts/{account}/roster")),
        ("DELETE", format!("/v1/accounts/{account}/roster")),
        ("POST", format!("/v1/accounts/by/office/{account}")),
        ("PUT", format!("/v1/accounts/by/office/{account}")),
        ("DELETE", format!("/v1/accounts/by/office/{account}")),
        ("POST", "/v1/my/account".into()),
        ("DELETE", "/v1/my/account".into()),
        ("POST", "/v1/accounts/teams".into()),
        ("PUT", "/v1/accounts/teams".into()),
        ("DELETE", "/v1/accounts/teams".into()),
        ("POST", format!("/v1/accounts/teams/{account}")),
        ("PUT", format!("/v1/accounts/teams/{account}")),
        ("DELETE", format!("/v1/accounts/teams/{account}")),
        ("POST", "/v1/portal/groups".into()),
        ("PUT", "/v1/portal/groups".into()),
        ("DELETE", "/v1/portal/groups".into()),
        (
            "GET",
            format!("/v1/portal/groups/{group_id}/users/{contact}"),
        ),
        (
            "POST",
            format!("/v1/portal/groups/{group_id}/users/{contact}"),
        ),
        (
            "PUT",
            format!("/v1/portal/groups/{group_id}/users/{contact}"),
        ),
        ("DELETE", format!("/v1/contacts/{contact}/portal")),
        ("PATCH", "/v1/accounts".into()),
        ("PATCH", format!("/v1/portal/groups/{group_id}")),
    ];
    for (method, path) in &not_implemented {
        let answer = server.call(method, path, Some("private"), Some("{}"), &[]);
        expect_code(answer, 405, 405, &format!("{method} {path}"));
    }

    // ---- 404 ----
    expect_code(
        server.get("/v1/accounts/20990101000000000000000000", "private"),
        404,
        404,
        "account",
    );
    expect_code(
        server.get("/v1/portal/groups/20990101000000000000000000", "private"),
        404,
        404,
        "group",
    );
    expect_code(
        server.get("/v1/contacts/20990101000000000000000000/portal", "private"),
        404,
        404,
        "portal",
    );
    expect_code(
        server.get("/v1/listings", "private"),
        404,
        404,
        "unknown route",
    );
    expect_code(server.get("/", "private"), 404, 404, "root");

    // ---- searches equal the library's evaluator over the same records ----
    searches_agree(server, &records, FILTERS, "private");
    searches_agree(server, &records, &FILTERS[..6], "public");

    // ---- bodies equal the library's and the command line's, byte for byte ----
    bodies_agree(server, &records, backend);
    skiptoken_walks_agree(server, &records);

    // ---- the request contract's errors ----
    let bad = expect_code(
        server.get(
            "/v1/accounts?_filter=UserType%20Eq%20'Member'%20And%20City%20Eq",
            "private",
        ),
        400,
        1040,
        "syntax",
    );
    let item = &bad["D"]["SparkQLErrors"][0];
    assert_eq!(item["Status"], "Fatal", "{bad}");
    assert!(
        item["TokenIndex"].is_u64() && item["Start"].is_u64() && item["End"].is_u64(),
        "{bad}"
    );
    let unknown = expect_code(
        server.get(
            &format!(
                "/v1/accounts?_filter={}",
                enc("UserType Eq 'Member' And Bogus Eq 1")
            ),
            "private",
        ),
        400,
        1040,
        "unknown field",
    );
    assert_eq!(
        unknown["D"]["SparkQLErrors"][0]["Token"], "Bogus",
        "{unknown}"
    );
    let many = (0..80)
        .map(|i| format!("UserType Eq 'M{i}'"))
        .collect::<Vec<_>>()
        .join(" Or ");
    expect_code(
        server.get(&format!("/v1/accounts?_filter={}", enc(&many)), "private"),
        400,
        1041,
        "limit",
    );
    expect_code(
        server.get(
            &format!(
                "/v1/accounts?_filter={}",
                enc("UserType Eq 'Member' And Visible Eq true")
            ),
            "public",
        ),
        400,
        1040,
        "Visible is for Privileged keys",
    );
    for (query, details) in [
        ("_limit=26", "_limit"),
        ("_limit=abc", "_limit"),
        ("_page=0", "_page"),
        ("_limit=1&_limit=2", "_limit"),
        ("_page=2&_skip=3", "_skip"),
        ("_pagination=2", "_pagination"),
        ("_expand=Nope", "_expand"),
        ("_expand=Team", "_expand"),
        ("_expand=Permissions&_limit=1", "_expand"),
        ("_select=Password", "_select"),
        ("_orderby=Email", "_orderby"),
        ("_skiptoken=abc", "_skiptoken"),
        ("_skiptoken=&_page=2", "_skiptoken"),
    ] {
        let path = format!("/v1/accounts{member_filter}&{query}");
        let body = expect_code(server.get(&path, "public"), 400, 1053, query);
        assert_eq!(body["D"]["Details"], details, "{query}: {body}");
    }
    // The library's contract (README, "Decisions where SPEC 9 is silent"): a parameter
    // that is not a search parameter is ignored (it was 1053 before the server used the
    // library's request layer), and an empty _skiptoken starts keyset paging (it was 1053).
    let plain = expect_ok(
        server.get(&format!("/v1/accounts{member_filter}"), "public"),
        "plain",
    );
    let ignored = expect_ok(
        server.get(&format!("/v1/accounts{member_filter}&_fitler=x"), "public"),
        "_fitler",
    );
    assert_eq!(ignored, plain, "an unknown parameter is ignored");
    let keyset = expect_ok(
        server.get(
            &format!("/v1/accounts{member_filter}&_skiptoken="),
            "public",
        ),
        "_skiptoken=",
    );
    assert_eq!(
        ids(&keyset),
        ids(&plain),
        "the first keyset page is the first page"
    );
    assert!(keyset["D"]["SkipToken"].is_string(), "{keyset}");
    expect_code(
        server.get("/v1/portal/groups", "private"),
        400,
        1053,
        "Portal Groups requires a search",
    );

    // ---- expansions, _select, _orderby, count only ----
    let plain = expect_ok(
        server.get(&format!("/v1/accounts/{account}"), "public"),
        "plain",
    );
    assert!(
        plain["D"]["Results"][0].get("Settings").is_none(),
        "{plain}"
    );
    let expanded = expect_ok(
        server.get(
            &format!("/v1/accounts/{account}?_expand=Settings"),
            "public",
        ),
        "expand",
    );
    assert!(
        expanded["D"]["Results"][0]["Settings"].is_object(),
        "{expanded}"
    );
    // A request by Id is a single record: single-record-only expansions need no _limit=1
    // there; the role rules are the schema's (Permissions: Private; LoginName: Privileged
    // Private; LastStatusChangeTimestamp: MLS-level Private).
    let by_id = expect_ok(
        server.get(&format!("/v1/accounts/{account}?_expand=Team"), "public"),
        "Team by Id",
    );
    assert_eq!(by_id["D"]["Results"].as_array().unwrap().len(), 1);
    let body = expect_code(
        server.get(
            &format!("/v1/accounts/{account}?_expand=Permissions"),
            "public",
        ),
        400,
        1053,
        "Permissions for a Public key",
    );
    assert_eq!(body["D"]["Details"], "_expand", "{body}");
    expect_ok(
        server.get(
            &format!(
                "/v1/accounts/{account}?_expand=Permissions,LastStatusChangeTimestamp,LoginName"
            ),
            "private",
        ),
        "Private expansions by Id",
    );
    let team = expect_ok(
        server.get(
            &format!("/v1/accounts{member_filter}&_limit=1&_expand=Team"),
            "public",
        ),
        "team",
    );
    assert_eq!(team["D"]["Results"].as_array().unwrap().len(), 1);
    let selected = expect_ok(
        server.get(
            &format!("/v1/accounts{member_filter}&_select=Name&_limit=3"),
            "public",
        ),
        "select",
    );
    for r in selected["D"]["Results"].as_array().unwrap() {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["Id", "Name", "ResourceUri"], "{r}");
    }
    let count = expect_ok(
        server.get(
            &format!("/v1/accounts{member_filter}&_pagination=count"),
            "private",
        ),
        "count",
    );
    assert_eq!(count["D"]["Results"], json!([]));
    let members = expected(&records, "UserType Eq 'Member'", "private").unwrap();
    assert_eq!(
        count["D"]["Pagination"]["TotalRows"].as_u64(),
        Some(members.len() as u64)
    );
    let ordered = expect_ok(
        server.get(
            &format!("/v1/accounts{member_filter}&_orderby=-LastName&_limit=25"),
            "private",
        ),
        "orderby",
    );
    let names: Vec<String> = ordered["D"]["Results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            spark_filter::semantics::fold_case(r["LastName"].as_str().unwrap_or("")).into_owned()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "ordered by LastName descending");

    // ---- POST with X-HTTP-Method-Override: GET, long filters, URL and body caps ----
    let long = format!(
        "UserType Eq 'Member','Office' And Name Eq {},'*a*'",
        (0..150)
            .map(|i| format!("'nobody{i:05}*'"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let want = expected(&records, &long, "private").unwrap();
    let form = format!("_filter={}&_limit=25&_pagination=1", enc(&long));
    let over = expect_ok(
        server.call(
            "POST",
            "/v1/accounts",
            Some("private"),
            Some(&form),
            &[("X-HTTP-Method-Override", "GET")],
        ),
        "override",
    );
    assert_eq!(
        ids(&over),
        want.iter().take(25).cloned().collect::<Vec<_>>()
    );
    assert_eq!(
        over["D"]["Pagination"]["TotalRows"].as_u64(),
        Some(want.len() as u64)
    );
    let raw_form = "_filter=Name Eq 'L*'&_limit=2";
    expect_ok(
        server.call(
            "POST",
            "/v1/portal/groups",
            Some("vow"),
            Some(raw_form),
            &[("X-HTTP-Method-Override", "GET")],
        ),
        "override with a raw form",
    );
    let huge = format!("/v1/accounts?_filter={}", "a".repeat(40_000));
    expect_code(server.get(&huge, "private"), 414, 414, "URL cap");
    let big = "x".repeat(100_000);
    expect_code(
        server.call("POST", "/v1/accounts", Some("private"), Some(&big), &[]),
        413,
        413,
        "body cap",
    );
    expect_code(
        server.call(
            "POST",
            "/v1/accounts",
            Some("private"),
            Some("{\"D\":"),
            &[],
        ),
        400,
        1053,
        "bad JSON",
    );
    expect_code(
        server.call("POST", "/v1/accounts", Some("private"), Some("[1]"), &[]),
        400,
        1053,
        "not {D}",
    );

    // ---- writes: the next search sees them ----
    let new = json!({"D": {
        "UserType": "Member", "FirstName": "Quentin", "LastName": "Zzyzx-Tester",
        "Phones": [{"AreaCode": "701", "Prefix": "555", "LineNumber": "8642"}],
        "Tags": ["Agent"],
    }})
    .to_string();
    let created = expect_ok(
        server.call("POST", "/v1/accounts", Some("private"), Some(&new), &[]),
        "create",
    );
    let record = created["D"]["Results"][0].clone();
    let new_id = record["Id"].as_str().expect("an Id").to_string();
    records.push(record.clone());
    let after = [
        "UserType Eq 'Member' And Name Eq 'zzyzx*'",
        "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-8642'",
        "UserType Eq 'Member' And Tags Eq 'Agent'",
    ];
    searches_agree(server, &records, &after, "private");
    assert_eq!(
        expected(&records, after[0], "private").unwrap(),
        std::slice::from_ref(&new_id)
    );
    let rename = json!({"D": {"Name": "Quentin Renamed", "LastName": "Renamed"}}).to_string();
    let updated = expect_ok(
        server.call(
            "PUT",
            &format!("/v1/accounts/{new_id}"),
            Some("private"),
            Some(&rename),
            &[],
        ),
        "update",
    );
    let last = records.len() - 1;
    records[last] = updated["D"]["Results"][0].clone();
    records[last]["Settings"] = record["Settings"].clone();
    searches_agree(
        server,
        &records,
        &[
            "UserType Eq 'Member' And Name Eq 'zzyzx*'",
            "UserType Eq 'Member' And LastName Eq 'Renamed'",
        ],
        "private",
    );
    expect_code(
        server.call(
            "PUT",
            "/v1/accounts/20990101000000000000000000",
            Some("private"),
            Some(&rename),
            &[],
        ),
        404,
        404,
        "update an unknown account",
    );
    expect_code(
        server.call(
            "PUT",
            &format!("/v1/accounts/{new_id}"),
            Some("private"),
            Some("{\"D\":{\"Password\":\"x\"}}"),
            &[],
        ),
        400,
        1053,
        "an attribute that is not writable",
    );

    // /my/account
    let mine = expect_ok(server.get("/v1/my/account", "vow"), "my account");
    assert_eq!(
        mine["D"]["Results"][0]["Id"].as_str(),
        Some(vow_account().as_str())
    );
    let flip = !mine["D"]["Results"][0]["GetEmailUpdates"]
        .as_bool()
        .unwrap_or(false);
    let body = json!({"D": {"GetEmailUpdates": flip}}).to_string();
    expect_ok(
        server.call("PUT", "/v1/my/account", Some("vow"), Some(&body), &[]),
        "PUT my account",
    );
    let mine = expect_ok(server.get("/v1/my/account", "vow"), "my account again");
    assert_eq!(
        mine["D"]["Results"][0]["GetEmailUpdates"].as_bool(),
        Some(flip)
    );

    // Portal accounts
    let new_contact = "20990202000000000000000001";
    let portal_path = format!("/v1/contacts/{new_contact}/portal");
    let create =
        json!({"D": {"Settings": {"Enabled": true}, "Locale": {"Language": "es"}}}).to_string();
    expect_ok(
        server.call("POST", &portal_path, Some("idx"), Some(&create), &[]),
        "create portal",
    );
    expect_code(
        server.call("POST", &portal_path, Some("private"), Some(&create), &[]),
        409,
        409,
        "twice",
    );
    let got = expect_ok(server.get(&portal_path, "public"), "read portal");
    assert_eq!(got["D"]["Results"][0]["Locale"]["Language"], "es");
    let disable = json!({"D": {"Settings": {"Enabled": false}}}).to_string();
    expect_ok(
        server.call("PUT", &portal_path, Some("private"), Some(&disable), &[]),
        "update portal",
    );
    let got = expect_ok(server.get(&portal_path, "private"), "read portal");
    assert_eq!(got["D"]["Results"][0]["Enabled"], false);
    expect_code(
        server.call(
            "PUT",
            &portal_path,
            Some("private"),
            Some("{\"D\":{\"Settings\":{\"Enabled\":1}}}"),
            &[],
        ),
        400,
        1053,
        "Enabled must be a boolean",
    );

    // Portal Groups: add, replace tags, remove a member, delete the group
    let path = format!("/v1/portal/groups/{group_id}");
    let add = json!({"D": {"Users": [{"Id": new_contact}]}}).to_string();
    expect_ok(
        server.call("POST", &path, Some("private"), Some(&add), &[]),
        "add a member",
    );
    let g = expect_ok(server.get(&path, "private"), "group");
    let members: Vec<&str> = g["D"]["Results"][0]["Users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["Id"].as_str())
        .collect();
    assert!(members.contains(&new_contact), "{g}");
    let nobody = json!({"D": {"Users": [{"Id": "20990303000000000000000000"}]}}).to_string();
    expect_code(
        server.call("POST", &path, Some("private"), Some(&nobody), &[]),
        400,
        1053,
        "no portal account",
    );
    let tags = json!({"D": {"Tags": ["Favorites"]}}).to_string();
    expect_ok(
        server.call("PUT", &path, Some("private"), Some(&tags), &[]),
        "tags",
    );
    let g = expect_ok(server.get(&path, "private"), "group");
    assert_eq!(g["D"]["Results"][0]["Tags"], json!(["Favorites"]));
    let member_path = format!("{path}/users/{new_contact}");
    expect_ok(
        server.call("DELETE", &member_path, Some("private"), None, &[]),
        "remove member",
    );
    expect_code(
        server.call("DELETE", &member_path, Some("private"), None, &[]),
        404,
        404,
        "removed twice",
    );
    let name = group["Name"].as_str().unwrap();
    let by_name = format!(
        "/v1/portal/groups?_filter={}&_limit=25",
        enc(&format!("Name Eq '{}'", name.replace('\'', "\\'")))
    );
    assert!(ids(&expect_ok(server.get(&by_name, "private"), "by name")).contains(&group_id));
    expect_ok(
        server.call("DELETE", &path, Some("private"), None, &[]),
        "delete group",
    );
    expect_code(server.get(&path, "private"), 404, 404, "deleted group");
    assert!(!ids(&expect_ok(server.get(&by_name, "private"), "by name")).contains(&group_id));
    expect_code(
        server.call("DELETE", &path, Some("private"), None, &[]),
        404,
        404,
        "deleted twice",
    );

    // ---- a panicking handler is a 500 envelope and a log line; the server goes on ----
    expect_code(server.get("/v1/__panic", "private"), 500, 500, "panic");
    expect_ok(
        server.get(&format!("/v1/accounts{member_filter}"), "idx"),
        "after the panic",
    );
    let log = server.log();
    assert!(log.contains("panicked"), "no log line for the panic");
    assert!(log.contains("request_id"), "no request log lines");
    assert!(!log.contains(&key("private")), "a key in the log");

    // ---- hostile requests: each a 4xx envelope, never a 5xx ----
    hostile(server, if backend == "sqlite" { 10_000 } else { 2_000 });
    expect_ok(
        server.get(&format!("/v1/accounts{member_filter}"), "public"),
        "after the hostile requests",
    );
}

/// A second server on the same tables (they exist, so it starts at once) with a 1 ms
/// statement timeout: heavy searches answer 1516 (HTTP 503) or, if fast enough, 200.
fn statement_timeout(db: &str, tag: &str) {
    let server = Server::start_with(db, tag, &["--statement-timeout-ms", "1"]);
    let heavy = "UserType Eq 'Member','Office','Company','Mls' And Name Eq regex('^(.*a){3}.*$', 'i') \
                 And Email Eq '*e*'";
    let path = format!(
        "/v1/accounts?_filter={}&_pagination=1&_orderby=-LastName",
        enc(heavy)
    );
    let mut cancelled = 0;
    for _ in 0..20 {
        let (status, body) = server.get(&path, "private");
        match status {
            200 => {}
            503 => {
                assert_eq!(body["D"]["Code"], 1516, "{body}");
                cancelled += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(cancelled > 0, "no search hit a 1 ms statement timeout");
    let status = server.stop();
    assert!(status.success(), "shutdown: {status}");
}

/// `n` random and hostile query strings and bodies.
fn hostile(server: &Server, n: usize) {
    let mut rng = support::Rng(0x5eed_1300);
    let pieces = [
        "_filter=",
        "_limit=",
        "_page=",
        "_skip=",
        "_orderby=",
        "_select=",
        "_expand=",
        "_pagination=",
        "_skiptoken=",
        "&",
        "=",
        "%",
        "%ZZ",
        "%00",
        "%FF%FE",
        "+",
        "'",
        "\"",
        "(",
        ")",
        "*",
        "Eq",
        "Ne",
        "Bt",
        "And",
        "Or",
        "Not",
        "UserType",
        "Name",
        "'Member'",
        "99999999999999999999",
        "-1",
        "0",
        "1",
        "25",
        "26",
        "count",
        "Settings",
        "Team",
        ",",
        "regex('(a*)*b')",
        "days(-1)",
        "\\",
        "%27",
        "%22",
        "%2C",
        "Visible",
        "true",
        ";DROP TABLE accounts;--",
        "\u{1F600}",
    ];
    let paths = [
        "/v1/accounts",
        "/v1/portal/groups",
        "/v1/accounts/report",
        "/v1/accounts/teams",
    ];
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..n {
        let mut q = String::new();
        for _ in 0..rng.below(12) {
            let p = *rng.pick(&pieces);
            if rng.chance(30) {
                q.push_str(&enc(p));
            } else {
                q.push_str(p);
            }
        }
        // Keep only what a URL can carry; the rest is percent-encoded.
        let q: String = q
            .bytes()
            .map(|b| {
                if b.is_ascii_graphic()
                    && !matches!(
                        b,
                        b'"' | b'\\' | b'#' | b'<' | b'>' | b'`' | b'^' | b'{' | b'}' | b'|'
                    )
                {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let path = format!("{}?{q}", rng.pick(&paths));
        let role = *rng.pick(&ROLES);
        let (status, body) = if i % 5 == 0 {
            let raw: String = (0..rng.below(64)).map(|_| *rng.pick(&pieces)).collect();
            let override_get = rng.chance(50);
            let headers: &[(&str, &str)] = if override_get {
                &[("X-HTTP-Method-Override", "GET")]
            } else {
                &[]
            };
            let target = if override_get {
                rng.pick(&paths).to_string()
            } else {
                format!("/v1/portal/groups/{}", rng.below(1000))
            };
            server.call("POST", &target, Some(role), Some(&raw), headers)
        } else {
            server.call("GET", &path, Some(role), None, &[])
        };
        assert!(status < 500, "{path}: {status} {body}");
        *statuses.entry(status).or_insert(0usize) += 1;
    }
    assert!(
        statuses.keys().any(|s| *s >= 400),
        "no request was refused: {statuses:?}"
    );
}

#[test]
fn sqlite() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let db = dir.join(format!("server-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let url = format!("sqlite://{}", db.display());
    let server = Server::start(&url, "sqlite");
    exercise(&server, "sqlite");
    let status = server.stop();
    assert!(status.success(), "shutdown: {status}");
    statement_timeout(&url, "sqlite-timeout");
}

#[test]
fn postgres() {
    let Some(schema) = support::pg_schema("server::postgres", "server") else {
        return;
    };
    let url = std::env::var(support::PG_ENV).unwrap();
    let app = format!("spark_filter_server_{}", std::process::id());
    let sep = if url.contains('?') { '&' } else { '?' };
    let db = format!(
        "{url}{sep}options=-csearch_path%3D{}&application_name={app}",
        schema.name
    );
    let server = Server::start(&db, "postgres");
    exercise(&server, "postgres");

    // Every connection of the server killed under it: 503 (1550) envelopes at most while
    // it reconnects, then 200s again, by itself.
    let mut admin = spark_filter::sql::postgres::connect(&url).unwrap();
    let path = format!("/v1/accounts?_filter={}", enc("UserType Eq 'Office'"));
    for round in 0..3 {
        let killed: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .unwrap()
            .get(0);
        assert!(killed > 0 || round > 0, "no server connection to kill");
        let mut recovered = false;
        for _ in 0..40 {
            let (status, body) = server.get(&path, "public");
            match status {
                200 => {
                    recovered = true;
                    break;
                }
                503 => assert_eq!(body["D"]["Code"], 1550, "{body}"),
                other => panic!("{other}: {body}"),
            }
        }
        assert!(
            recovered,
            "the server did not recover after its connections were killed"
        );
    }
    let status = server.stop();
    assert!(status.success(), "shutdown: {status}");
    statement_timeout(&db, "postgres-timeout");
    drop(schema);
}

#[test]
fn sample_keys_refuse_a_public_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_spark-filter"))
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--keys"), "{err}");
}

#[test]
fn a_bad_keys_file_is_refused_without_echoing_it() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("bad-keys-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"keys":[{"key":12345678901234567890,"role":"idx"}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spark-filter"))
        .args(["serve", "--addr", "127.0.0.1:0", "--keys"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1"), "{err}");
    assert!(
        !err.contains("12345678901234567890"),
        "the key is echoed: {err}"
    );
}

/// A PostgreSQL server of this test's own (scripts/pg-start on another port and data
/// directory), so that restarting it disturbs no other test; stopped and removed on drop.
struct OwnPostgres {
    url: String,
    port: String,
    data: PathBuf,
}

impl OwnPostgres {
    fn start(port: u16) -> OwnPostgres {
        let data = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("pg-{port}-{}", std::process::id()));
        let port = port.to_string();
        let out = Command::new("scripts/pg-start")
            .env("PGPORT", &port)
            .env("PGDATA", &data)
            .output()
            .expect("run scripts/pg-start");
        assert!(
            out.status.success(),
            "scripts/pg-start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        OwnPostgres { url, port, data }
    }

    /// `pg_ctl restart -m fast`: every connection is closed, the server is down for a
    /// moment, then accepts connections again (committed data survives a fast shutdown).
    fn restart(&self) {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Debian's postgresql")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .max()
            .expect("a PostgreSQL version");
        let mut cmd = if nix_is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(bindir.join("pg_ctl"));
            c
        } else {
            Command::new(bindir.join("pg_ctl"))
        };
        let status = cmd
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "restart"])
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl restart");
        assert!(status.success(), "pg_ctl restart on port {}", self.port);
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = Command::new("scripts/pg-stop")
            .env("PGDATA", &self.data)
            .status();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// PostgreSQL restarted while writers and readers keep the server busy: meanwhile only
/// 200s and 503 envelopes (1550); afterwards 200s again, by itself; the server never dies;
/// every write it acknowledged (a 200 with the new Id) is there after the restart.
#[test]
fn postgres_restarted_under_load() {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    if support::pg_url("server::postgres_restarted_under_load").is_none() {
        return;
    }
    let pg = OwnPostgres::start(54331);
    let server = Server::start(&pg.url, "pg-restart");
    let stop = AtomicBool::new(false);
    let acknowledged = Mutex::new(Vec::<String>::new());
    let statuses = Mutex::new(BTreeMap::<(&str, u16), usize>::new());
    let sequence = AtomicUsize::new(0);
    let search = format!(
        "/v1/accounts?_filter={}&_limit=5&_pagination=1",
        enc("UserType Eq 'Member' And LastName Eq 'Restart*'")
    );
    let count = |what: &'static str, status: u16, body: &Value| {
        match status {
            200 => {}
            503 => assert_eq!(body["D"]["Code"], 1550, "{what}: {body}"),
            other => panic!("{what}: {other} while PostgreSQL restarts: {body}"),
        }
        *statuses.lock().unwrap().entry((what, status)).or_default() += 1;
    };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let n = sequence.fetch_add(1, Ordering::Relaxed);
                    let body = json!({"D": {"UserType": "Member", "FirstName": "Rita",
                                            "LastName": format!("Restart-{n}")}})
                    .to_string();
                    let (status, answer) =
                        server.call("POST", "/v1/accounts", Some("private"), Some(&body), &[]);
                    count("write", status, &answer);
                    if status == 200 {
                        let id = answer["D"]["Results"][0]["Id"].as_str().map(String::from);
                        acknowledged
                            .lock()
                            .unwrap()
                            .push(id.expect("an acknowledged write has its Id"));
                    }
                }
            });
        }
        for _ in 0..4 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let (status, answer) = server.get(&search, "private");
                    count("search", status, &answer);
                }
            });
        }
        std::thread::sleep(Duration::from_secs(2));
        pg.restart();
        std::thread::sleep(Duration::from_secs(3));
        stop.store(true, Ordering::Relaxed);
    });
    let statuses = statuses.into_inner().unwrap();
    eprintln!("answers while PostgreSQL restarted: {statuses:?}");
    assert!(
        statuses.contains_key(&("write", 200)) && statuses.contains_key(&("search", 200)),
        "{statuses:?}"
    );

    // Back by itself: 200s again without a restart of the server.
    let mut recovered = false;
    for _ in 0..100 {
        if server.get(&search, "private").0 == 200 {
            recovered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(recovered, "no 200 after PostgreSQL came back");
    // No acknowledged write is lost.
    let acknowledged = acknowledged.into_inner().unwrap();
    for id in &acknowledged {
        let (status, body) = server.get(&format!("/v1/accounts/{id}"), "private");
        assert_eq!(status, 200, "acknowledged account {id} is gone: {body}");
    }
    eprintln!("{} acknowledged writes, all found", acknowledged.len());
    let status = server.stop();
    assert!(status.success(), "shutdown: {status}");
    drop(pg);
}

/// Issue 13's generated writes: a seeded sequence of random writes through HTTP on every
/// write route of the three services (Accounts `POST /accounts`, `PUT /accounts/<Id>`,
/// `PUT /my/account`; Portal Groups `POST`/`PUT`/`DELETE /portal/groups/<Id>` and `DELETE
/// …/users/<Id>`; Portal Accounts `POST`/`PUT /contacts/<Id>/portal`), valid and refused,
/// on new and existing Ids. The test keeps its own model of every service's records,
/// updated by what each acknowledged write should do; a refused write must answer its 4xx
/// envelope and change nothing. Every few steps and at the end: the database holds exactly
/// the model (every stored document, no orphan child, words or phone row), generated
/// searches answer what the library's evaluator answers over the model (Ids, counts and
/// pages; bodies byte for byte), and the records read by Id are the model's.
mod writes {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    use serde_json::{Map, Value, json};
    use spark_filter::plan::builtin;
    use spark_filter::sql::Layout;

    use super::support::{self, Rng, quote, wildcard};
    use super::{
        FILTERS, GROUPS, Server, enc, expect_ok, expected, first_group, ids, library_body,
        sample_records, searches_agree, service_body, shown, user_id,
    };

    /// Steps per back end, and a check after every `CHECK_EVERY` of them (and at the end).
    const STEPS: usize = 120;
    const CHECK_EVERY: usize = 10;

    /// A server's database read directly: stored documents and the orphan check.
    enum Store {
        Sqlite(rusqlite::Connection),
        Postgres(support::PgSchema),
    }

    impl Store {
        fn texts(&mut self, sql: &str) -> Vec<String> {
            match self {
                Store::Sqlite(conn) => {
                    let mut stmt = conn.prepare(sql).expect(sql);
                    stmt.query_map([], |r| r.get::<_, String>(0))
                        .expect(sql)
                        .collect::<Result<_, _>>()
                        .expect(sql)
                }
                Store::Postgres(pg) => pg
                    .client
                    .query(sql, &[])
                    .expect(sql)
                    .iter()
                    .map(|r| r.get(0))
                    .collect(),
            }
        }

        fn count(&mut self, sql: &str) -> i64 {
            match self {
                Store::Sqlite(conn) => conn.query_row(sql, [], |r| r.get(0)).expect(sql),
                Store::Postgres(pg) => pg.client.query_one(sql, &[]).expect(sql).get(0),
            }
        }

        /// A service's stored records by `key` (a top-level attribute), after checking that
        /// none of its search tables has an orphan row.
        fn stored(&mut self, service: &str, key: &str) -> BTreeMap<String, Value> {
            let layout = Layout::of(&builtin::builtin(service).unwrap());
            for q in support::orphan_queries(&layout) {
                assert_eq!(self.count(&q), 0, "{service}: orphan rows: {q}");
            }
            let mut out = BTreeMap::new();
            for doc in self.texts(&format!("SELECT doc FROM \"{}\"", layout.table)) {
                let v: Value = serde_json::from_str(&doc).expect("stored JSON");
                let k = v[key].as_str().expect("a stored key").to_string();
                assert!(out.insert(k, v).is_none(), "{service}: {key} stored twice");
            }
            out
        }
    }

    /// What the acknowledged writes should have made of the services: the test's own
    /// records (accounts and groups in the server's record order, which a replaced record
    /// keeps and a new one ends).
    struct Model {
        accounts: Vec<Value>,
        groups: Vec<Value>,
        /// Portal accounts by contact Id.
        portals: BTreeMap<String, Value>,
    }

    impl Model {
        fn account(&mut self, id: &str) -> Option<&mut Value> {
            self.accounts.iter_mut().find(|r| r["Id"] == id)
        }

        fn group(&mut self, id: &str) -> Option<&mut Value> {
            self.groups.iter_mut().find(|r| r["Id"] == id)
        }

        /// A Users entry for a contact with a portal account, as the server writes it.
        fn member(&self, contact: &str) -> Value {
            let portal = &self.portals[contact];
            json!({
                "Id": contact,
                "ResourceUri": format!("/v1/contacts/{contact}"),
                "UserType": "Contact",
                "Name": Value::Null,
                "Enabled": portal.get("Enabled").cloned().unwrap_or(Value::Bool(true)),
                "LastLogin": portal.get("LastLogin").cloned().unwrap_or(Value::Null),
                "Office": Value::Null, "OfficeId": Value::Null,
                "Company": Value::Null, "CompanyId": Value::Null,
            })
        }
    }

    /// What the steps since the last check touched (read back at the check).
    #[derive(Default)]
    struct Recent {
        accounts: BTreeSet<String>,
        groups: BTreeSet<String>,
        group_names: BTreeSet<String>,
        contacts: BTreeSet<String>,
    }

    /// Per write route: (acknowledged, refused).
    type Tally = BTreeMap<&'static str, [usize; 2]>;

    /// The generator's state: the model, what it touched, the Ids it made up.
    struct Gen<'a> {
        server: &'a Server,
        rng: Rng,
        model: Model,
        recent: Recent,
        tally: Tally,
        /// Deleted groups (their Ids must stay 404).
        deleted: Vec<String>,
        offices: Vec<String>,
        /// Contacts made up for new portal accounts, and for contacts that have none.
        next_contact: u64,
    }

    const FIRST: &[&str] = &[
        "Ann", "Bo", "Émile", "Dee", "thomas", "Zoë", "Li", "Mary Jo",
    ];
    const LAST: &[&str] = &[
        "Lee",
        "O'Neil",
        "Zola-Straße",
        "Smith",
        "Star*Gazer",
        "Thomas",
        "Ng",
        "van der Berg",
    ];
    const EMAILS: &[&str] = &[
        "ann@example.com",
        "BO@Example.com",
        "x%_y@example.net",
        "dee.o'neil@mail.example",
    ];
    const PHONES: &[&str] = &[
        "701-555-1212",
        "+1 (701) 555-0100",
        "555-0100",
        "218-555-7788",
    ];
    const TAGS: &[&str] = &["Agent", "agent", "Broker", "O'Hara", "Relocation"];
    const LANGUAGES: &[&str] = &["en", "es", "de", "fr"];
    const CITIES: &[&str] = &["Fargo", "Moorhead", "Bismarck", "Saint Paul"];
    const GROUP_TAGS: &[&str] = &["Sellers", "Buyers", "Favorites", "Relocation", "VIP"];
    const LOCALES: &[&str] = &["en", "es", "fr", "de"];
    const BAD_BODIES: &[&str] = &["{\"D\":", "[1]", "{\"D\":[]}", "", "null", "{\"X\":{}}"];
    /// Roles that may not write Accounts (`POST`/`PUT /accounts`) or Portal Groups.
    const NOT_ADMIN: &[&str] = &["idx", "public", "vow", "portal"];

    fn name_of(d: &Map<String, Value>) -> String {
        let part = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        format!("{} {}", part("FirstName"), part("LastName"))
            .trim()
            .to_string()
    }

    /// `Number` of each phone from its parts when it has none (as the server fills it).
    fn fill_numbers(record: &mut Map<String, Value>) {
        if let Some(Value::Array(phones)) = record.get_mut("Phones") {
            for phone in phones.iter_mut().filter_map(Value::as_object_mut) {
                if phone.get("Number").is_none_or(Value::is_null) {
                    let number: Vec<String> = ["AreaCode", "Prefix", "LineNumber"]
                        .iter()
                        .filter_map(|k| phone.get(*k).and_then(Value::as_str))
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect();
                    phone.insert("Number".into(), json!(number.join("-")));
                }
            }
        }
    }

    impl Gen<'_> {
        /// Sends one write on `ROUTES[route]`. `refused`: the 4xx status it must answer (with its envelope,
        /// which `Server::call` checks); `None`: it must be acknowledged (200), and its
        /// `Results` are returned.
        #[track_caller]
        fn send(
            &mut self,
            route: usize,
            path: &str,
            role: &str,
            body: &str,
            refused: Option<u16>,
        ) -> Option<Vec<Value>> {
            let what = ROUTES[route];
            let method = what.split(' ').next().unwrap();
            let sent = (method != "DELETE").then_some(body);
            let (status, answer) = self.server.call(method, path, Some(role), sent, &[]);
            let tally = self.tally.entry(what).or_default();
            let context = format!("{what}: {method} {path} as {role} with {body:?}");
            match refused {
                None => {
                    assert_eq!(status, 200, "{context}: {answer}");
                    tally[0] += 1;
                    Some(answer["D"]["Results"].as_array().unwrap().clone())
                }
                Some(want) => {
                    assert_eq!(status, want, "{context}: {answer}");
                    assert!((400..500).contains(&status), "{context}");
                    tally[1] += 1;
                    None
                }
            }
        }

        fn pick(&mut self, items: &[&'static str]) -> &'static str {
            items[self.rng.below(items.len())]
        }

        fn new_contact(&mut self, prefix: &str) -> String {
            self.next_contact += 1;
            format!("{prefix}{:018}", self.next_contact)
        }

        /// A contact with a portal account (often one touched lately).
        fn portal_contact(&mut self) -> String {
            let recent: Vec<&String> = self
                .recent
                .contacts
                .iter()
                .filter(|c| self.model.portals.contains_key(*c))
                .collect();
            if !recent.is_empty() && self.rng.chance(40) {
                return recent[self.rng.below(recent.len())].clone();
            }
            let n = self.rng.below(self.model.portals.len());
            self.model.portals.keys().nth(n).unwrap().clone()
        }

        /// An existing account's Id (often one touched lately).
        fn account_id(&mut self) -> String {
            let recent: Vec<&String> = self.recent.accounts.iter().collect();
            if !recent.is_empty() && self.rng.chance(40) {
                return recent[self.rng.below(recent.len())].clone();
            }
            let n = self.rng.below(self.model.accounts.len());
            self.model.accounts[n]["Id"].as_str().unwrap().to_string()
        }

        /// A group Id and whether the group exists (now and then a deleted or unknown one).
        fn group_id(&mut self) -> (String, bool) {
            if self.rng.chance(12) {
                if !self.deleted.is_empty() && self.rng.chance(60) {
                    let n = self.rng.below(self.deleted.len());
                    return (self.deleted[n].clone(), false);
                }
                return (self.new_contact("20990505"), false);
            }
            let recent: Vec<&String> = self
                .recent
                .groups
                .iter()
                .filter(|g| !self.deleted.contains(g))
                .collect();
            if !recent.is_empty() && self.rng.chance(40) {
                return (recent[self.rng.below(recent.len())].clone(), true);
            }
            let n = self.rng.below(self.model.groups.len());
            let id = self.model.groups[n]["Id"].as_str().unwrap().to_string();
            (id, true)
        }

        /// Random writable account fields, every one of the type the server accepts.
        fn account_fields(&mut self) -> Map<String, Value> {
            let mut d = Map::new();
            let rng = &mut self.rng;
            if rng.chance(60) {
                d.insert("FirstName".into(), json!(rng.pick(FIRST)));
            }
            if rng.chance(60) {
                d.insert("LastName".into(), json!(rng.pick(LAST)));
            }
            if rng.chance(30) {
                let name = format!("{} {} Group", rng.pick(FIRST), rng.pick(LAST));
                d.insert("Name".into(), json!(name));
            }
            if rng.chance(15) {
                let middle = if rng.chance(50) {
                    json!("Q")
                } else {
                    Value::Null
                };
                d.insert("MiddleName".into(), middle);
            }
            if rng.chance(40) {
                let emails: Vec<Value> = (0..rng.below(3))
                    .map(|_| json!({"Address": rng.pick(EMAILS), "Type": "Work"}))
                    .collect();
                d.insert("Emails".into(), Value::Array(emails));
            }
            if rng.chance(40) {
                let phones: Vec<Value> = (0..rng.below(4))
                    .map(|_| {
                        if rng.chance(50) {
                            json!({"Number": rng.pick(PHONES), "Type": "Office"})
                        } else {
                            let mut p = json!({
                                "AreaCode": rng.pick(&["701", "218"]),
                                "Prefix": "555",
                                "LineNumber": format!("{:04}", rng.below(10_000)),
                                "Type": "Mobile",
                            });
                            if rng.chance(30) {
                                p["Number"] = Value::Null;
                            }
                            p
                        }
                    })
                    .collect();
                d.insert("Phones".into(), Value::Array(phones));
            }
            if rng.chance(30) {
                let tags: Vec<&str> = (0..rng.below(4)).map(|_| *rng.pick(TAGS)).collect();
                d.insert("Tags".into(), json!(tags));
            }
            if rng.chance(25) {
                let langs: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(LANGUAGES)).collect();
                d.insert("LanguagesSpoken".into(), json!(langs));
            }
            if rng.chance(15) {
                let nrds = if rng.chance(80) {
                    json!(rng.range(100_000_000, 999_999_999))
                } else {
                    Value::Null
                };
                d.insert("NrdsId".into(), nrds);
            }
            if rng.chance(15) {
                d.insert("ShortId".into(), json!(format!("G{}", rng.below(1000))));
            }
            if rng.chance(10) {
                let office = rng.pick(&self.offices).clone();
                d.insert("OfficeId".into(), json!(office));
            }
            if rng.chance(15) {
                let address = json!([{"Address": "1 Main St", "City": rng.pick(CITIES),
                    "PostalCode": format!("58{:03}", rng.below(1000)), "Type": "Work"}]);
                d.insert("Addresses".into(), address);
            }
            if rng.chance(10) {
                d.insert(
                    "LicenseNumber".into(),
                    json!(format!("L-{}", rng.below(99))),
                );
                d.insert(
                    "Websites".into(),
                    json!([{"Uri": "https://agent.example", "Type": "Work"}]),
                );
            }
            d
        }

        /// A field the accounts routes refuse (name, value).
        fn account_fault(&mut self) -> (&'static str, Value) {
            match self.rng.below(7) {
                0 => ("Password", json!("secret")),
                1 => ("Tags", json!([1])),
                2 => ("Phones", json!("701-555-1212")),
                3 => ("NrdsId", json!(1.5)),
                4 => ("Emails", json!(["ann@example.com"])),
                5 => ("FirstName", json!(5)),
                _ => ("Settings", json!({"Visible": false})),
            }
        }

        fn account_post(&mut self) {
            let mut d = self.account_fields();
            let user_type = self.pick(&["Member", "Member", "Office", "Mls"]);
            d.insert("UserType".into(), json!(user_type));
            if self.rng.chance(30) {
                let level = self.pick(&["Member", "Office", "Company", "Mls", "Association"]);
                d.insert("UserLevel".into(), json!(level));
            }
            if !d.contains_key("Name") && name_of(&d).is_empty() {
                d.insert("LastName".into(), json!(self.pick(LAST)));
            }
            let mut role = "private";
            let mut refused = None;
            let mut body = json!({ "D": d }).to_string();
            match self.rng.below(10) {
                0 => {
                    role = self.pick(NOT_ADMIN);
                    refused = Some(403);
                }
                1 => {
                    refused = Some(400);
                    match self.rng.below(6) {
                        0 => drop(d.remove("UserType")),
                        1 => drop(d.insert("UserType".into(), json!("Company"))),
                        2 => drop(d.insert("UserLevel".into(), json!("Broker"))),
                        3 => {
                            for k in ["Name", "FirstName", "LastName"] {
                                d.remove(k);
                            }
                        }
                        _ => {
                            let (k, v) = self.account_fault();
                            d.insert(k.into(), v);
                        }
                    }
                    body = json!({ "D": d }).to_string();
                }
                2 => {
                    refused = Some(400);
                    body = self.pick(BAD_BODIES).to_string();
                }
                _ => {}
            }
            let Some(results) = self.send(0, "/v1/accounts", role, &body, refused) else {
                return;
            };
            assert_eq!(results.len(), 1, "{results:?}");
            let id = results[0]["Id"].as_str().expect("a new Id").to_string();
            assert!(
                id.len() == 26 && id.bytes().all(|b| b.is_ascii_digit()),
                "a new Id: {id}"
            );
            assert!(self.model.account(&id).is_none(), "a new Id is new: {id}");
            let mut want = d;
            let user_type = want.remove("UserType").unwrap();
            let level = want.remove("UserLevel").unwrap_or(user_type.clone());
            if !want.contains_key("Name") {
                want.insert("Name".into(), json!(name_of(&want)));
            }
            want.insert("Id".into(), json!(id));
            want.insert("ResourceUri".into(), json!(format!("/v1/accounts/{id}")));
            want.insert("UserType".into(), user_type);
            want.insert("UserLevel".into(), level);
            want.insert(
                "Settings".into(),
                json!({"Active": true, "Enabled": true, "Visible": true}),
            );
            fill_numbers(&mut want);
            let want = Value::Object(want);
            assert_eq!(results[0], want, "POST /accounts: the written record");
            self.model.accounts.push(want);
            self.recent.accounts.insert(id);
        }

        fn account_put(&mut self) {
            let (id, exists) = if self.rng.chance(10) {
                (self.new_contact("20990606"), false)
            } else {
                (self.account_id(), true)
            };
            let mut d = self.account_fields();
            let mut role = "private";
            let mut body = json!({ "D": d }).to_string();
            let mut refused = (!exists).then_some(404);
            match self.rng.below(10) {
                0 => {
                    role = self.pick(NOT_ADMIN);
                    refused = Some(403);
                }
                1 => {
                    let (k, v) = match self.rng.below(3) {
                        0 => ("UserType", json!("Office")),
                        1 => ("Id", json!("20990101000000000000000000")),
                        _ => self.account_fault(),
                    };
                    d.insert(k.into(), v);
                    body = json!({ "D": d }).to_string();
                    refused = Some(400);
                }
                2 => {
                    body = self.pick(BAD_BODIES).to_string();
                    refused = Some(400);
                }
                _ => {}
            }
            let path = format!("/v1/accounts/{id}");
            let Some(results) = self.send(1, &path, role, &body, refused) else {
                return;
            };
            let record = self.model.account(&id).unwrap();
            let map = record.as_object_mut().unwrap();
            for (k, v) in d {
                map.insert(k, v);
            }
            fill_numbers(map);
            let want = shown(std::slice::from_ref(record)).remove(0);
            assert_eq!(
                results,
                vec![want],
                "PUT /accounts/{id}: the written record"
            );
            self.recent.accounts.insert(id);
        }

        fn my_account_put(&mut self) {
            let role = self.pick(&["vow", "vow", "vow", "portal", "private", "idx", "public"]);
            let flag = self.rng.chance(50);
            let mut body = json!({"D": {"GetEmailUpdates": flag}}).to_string();
            let mine = user_id(role);
            let mut refused = if !matches!(role, "vow" | "portal") {
                Some(403)
            } else if self.model.account(&mine).is_none() {
                Some(404)
            } else {
                None
            };
            if refused != Some(403) && self.rng.chance(20) {
                body = self
                    .pick(&[
                        "{\"D\":{\"GetEmailUpdates\":\"yes\"}}",
                        "{\"D\":{\"GetEmailUpdates\":true,\"Name\":\"X\"}}",
                        "{\"D\":{}}",
                        "{\"D\":",
                    ])
                    .to_string();
                refused = Some(400);
            }
            let Some(results) = self.send(2, "/v1/my/account", role, &body, refused) else {
                return;
            };
            let record = self.model.account(&mine).unwrap();
            record["GetEmailUpdates"] = json!(flag);
            assert_eq!(results, vec![record.clone()], "PUT /my/account");
            self.recent.accounts.insert(mine);
        }

        /// 0 to `most` Users entries of contacts with portal accounts (repeats allowed).
        fn users(&mut self, most: usize) -> Vec<String> {
            (0..self.rng.below(most + 1))
                .map(|_| self.portal_contact())
                .collect()
        }

        fn users_body(users: &[String]) -> Value {
            Value::Array(users.iter().map(|u| json!({ "Id": u })).collect())
        }

        /// A fault in a group write's Users (refused with 400 before the group is read).
        fn users_fault(&mut self, users: &mut Vec<Value>) {
            let at = self.rng.below(users.len() + 1);
            let bad = match self.rng.below(3) {
                0 => json!({"Id": self.new_contact("20990404")}),
                1 => json!({"Name": "No Id"}),
                _ => json!("20110208153013627145000000"),
            };
            users.insert(at, bad);
        }

        fn group_post(&mut self) {
            let (id, exists) = self.group_id();
            let mut users = self.users(3);
            if users.is_empty() {
                users.push(self.portal_contact());
            }
            let mut role = "private";
            let mut d = json!({ "Users": Self::users_body(&users) });
            let mut refused = (!exists).then_some(404);
            match self.rng.below(12) {
                0 => {
                    role = self.pick(NOT_ADMIN);
                    refused = Some(403);
                }
                1 => {
                    d = json!({"Users": []});
                    refused = Some(400);
                }
                2 => {
                    let list = d["Users"].as_array_mut().unwrap();
                    self.users_fault(list);
                    refused = Some(400);
                }
                3 => {
                    d["Tags"] = json!(["Sellers"]);
                    refused = Some(400);
                }
                4 => {
                    d["Users"] = json!("all");
                    refused = Some(400);
                }
                _ => {}
            }
            let mut body = json!({ "D": d }).to_string();
            if role == "private" && self.rng.chance(5) {
                body = self.pick(BAD_BODIES).to_string();
                refused = Some(400);
            }
            let path = format!("/v1/portal/groups/{id}");
            let Some(results) = self.send(3, &path, role, &body, refused) else {
                return;
            };
            assert!(results.is_empty(), "{results:?}");
            let entries: Vec<Value> = users.iter().map(|u| self.model.member(u)).collect();
            let group = self.model.group(&id).unwrap().as_object_mut().unwrap();
            let list = group.entry("Users").or_insert_with(|| json!([]));
            if !list.is_array() {
                *list = json!([]);
            }
            let list = list.as_array_mut().unwrap();
            for e in entries {
                if !list.iter().any(|x| x.get("Id") == e.get("Id")) {
                    list.push(e);
                }
            }
            self.touch_group(&id);
            self.recent.contacts.extend(users);
        }

        fn touch_group(&mut self, id: &str) {
            if let Some(g) = self.model.group(id) {
                let name = g["Name"].as_str().unwrap_or("").to_string();
                self.recent.group_names.insert(name);
            }
            self.recent.groups.insert(id.to_string());
        }

        fn group_put(&mut self) {
            let (id, exists) = self.group_id();
            let users = self.rng.chance(60).then(|| self.users(4));
            let tags: Option<Vec<&str>> = (users.is_none() || self.rng.chance(50)).then(|| {
                (0..self.rng.below(5))
                    .map(|_| *self.rng.pick(GROUP_TAGS))
                    .collect()
            });
            let mut d = Map::new();
            if let Some(u) = &users {
                d.insert("Users".into(), Self::users_body(u));
            }
            if let Some(t) = &tags {
                d.insert("Tags".into(), json!(t));
            }
            let mut role = "private";
            let mut refused = (!exists).then_some(404);
            match self.rng.below(12) {
                0 => {
                    role = self.pick(NOT_ADMIN);
                    refused = Some(403);
                }
                1 => {
                    d.clear();
                    refused = Some(400);
                }
                2 => {
                    let bad = self
                        .rng
                        .pick(&[json!([1]), Value::Null, json!("VIP")])
                        .clone();
                    d.insert("Tags".into(), bad);
                    refused = Some(400);
                }
                3 => {
                    let mut list = Self::users_body(&users.clone().unwrap_or_default())
                        .as_array()
                        .unwrap()
                        .clone();
                    self.users_fault(&mut list);
                    d.insert("Users".into(), Value::Array(list));
                    refused = Some(400);
                }
                4 => {
                    d.insert("Name".into(), json!("Renamed Group"));
                    refused = Some(400);
                }
                _ => {}
            }
            let body = json!({ "D": d }).to_string();
            let path = format!("/v1/portal/groups/{id}");
            let Some(results) = self.send(4, &path, role, &body, refused) else {
                return;
            };
            assert!(results.is_empty(), "{results:?}");
            let entries: Option<Vec<Value>> = users
                .as_ref()
                .map(|u| u.iter().map(|c| self.model.member(c)).collect());
            let group = self.model.group(&id).unwrap();
            if let Some(entries) = entries {
                group["Users"] = Value::Array(entries);
            }
            if let Some(tags) = tags {
                group["Tags"] = json!(tags);
            }
            self.touch_group(&id);
            self.recent.contacts.extend(users.unwrap_or_default());
        }

        fn group_delete(&mut self) {
            // Deletes are rarer than the other writes: a fair share of them on a deleted or
            // unknown group, so that both answers are seen.
            let (id, exists) = if self.rng.chance(30) {
                match self.deleted.is_empty() {
                    false => (
                        self.deleted[self.rng.below(self.deleted.len())].clone(),
                        false,
                    ),
                    true => (self.new_contact("20990505"), false),
                }
            } else {
                self.group_id()
            };
            let mut role = "private";
            let mut refused = (!exists).then_some(404);
            if self.rng.chance(10) {
                role = self.pick(NOT_ADMIN);
                refused = Some(403);
            }
            let path = format!("/v1/portal/groups/{id}");
            if refused.is_none() {
                self.touch_group(&id);
            }
            let Some(results) = self.send(5, &path, role, "", refused) else {
                return;
            };
            assert!(results.is_empty(), "{results:?}");
            self.model.groups.retain(|g| g["Id"] != id.as_str());
            self.deleted.push(id);
        }

        fn member_delete(&mut self) {
            let (id, exists) = self.group_id();
            let members: Vec<String> = match self.model.group(&id) {
                Some(g) => g["Users"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|u| u["Id"].as_str().map(str::to_string))
                    .collect(),
                None => Vec::new(),
            };
            let (user, member) = if !members.is_empty() && self.rng.chance(80) {
                (self.rng.pick(&members).clone(), true)
            } else {
                (self.portal_contact(), false)
            };
            let member = member || members.contains(&user);
            let mut role = "private";
            let mut refused = (!(exists && member)).then_some(404);
            if self.rng.chance(10) {
                role = self.pick(NOT_ADMIN);
                refused = Some(403);
            }
            let path = format!("/v1/portal/groups/{id}/users/{user}");
            let Some(results) = self.send(6, &path, role, "", refused) else {
                return;
            };
            assert!(results.is_empty(), "{results:?}");
            let group = self.model.group(&id).unwrap();
            group["Users"]
                .as_array_mut()
                .unwrap()
                .retain(|u| u["Id"] != user.as_str());
            self.touch_group(&id);
            self.recent.contacts.insert(user);
        }

        /// Portal account settings, valid or (`bad`) refused.
        fn portal_body(&mut self, bad: bool) -> (Map<String, Value>, String) {
            let mut d = Map::new();
            if self.rng.chance(60) {
                d.insert("Settings".into(), json!({"Enabled": self.rng.chance(50)}));
            }
            if self.rng.chance(50) {
                d.insert("Locale".into(), json!({"Language": self.pick(LOCALES)}));
            }
            if bad {
                let (k, v) = match self.rng.below(6) {
                    0 => ("Settings", json!({"Enabled": 1})),
                    1 => ("Settings", json!("on")),
                    2 => ("Settings", json!({"Enabled": true, "Visible": true})),
                    3 => ("Locale", json!({"Language": "es", "Region": "MX"})),
                    4 => ("Locale", json!({"Language": 5})),
                    _ => ("Identity", json!({"Connected": true})),
                };
                d.insert(k.into(), v);
            }
            let body = json!({ "D": d }).to_string();
            (d, body)
        }

        /// A portal account after a valid settings body.
        fn apply_settings(record: &mut Value, d: &Map<String, Value>) {
            if let Some(enabled) = d.get("Settings").and_then(|s| s.get("Enabled")) {
                record["Enabled"] = enabled.clone();
            }
            if let Some(locale) = d.get("Locale") {
                record["Locale"] = locale.clone();
            }
        }

        fn portal_post(&mut self) {
            let (contact, exists) = if self.rng.chance(30) {
                (self.portal_contact(), true)
            } else {
                (self.new_contact("20990202"), false)
            };
            let bad = self.rng.chance(15);
            let (d, mut body) = self.portal_body(bad);
            let mut role = self.pick(&["idx", "private", "private"]);
            let mut refused = if bad {
                Some(400)
            } else {
                exists.then_some(409)
            };
            if self.rng.chance(10) {
                role = self.pick(&["vow", "portal", "public"]);
                refused = Some(403);
            } else if self.rng.chance(5) {
                body = self.pick(BAD_BODIES).to_string();
                refused = Some(400);
            }
            let path = format!("/v1/contacts/{contact}/portal");
            let Some(results) = self.send(7, &path, role, &body, refused) else {
                return;
            };
            assert_eq!(results.len(), 1, "{results:?}");
            let id = results[0]["Id"].as_str().expect("a new Id");
            let mut want = json!({
                "ResourceUri": path,
                "Id": id,
                "OwnerId": user_id(role),
                "LastActive": Value::Null,
                "LastLogin": Value::Null,
                "Locale": {"Language": "en"},
                "Identity": {"Connected": false, "Email": ""},
                "Enabled": true,
            });
            Self::apply_settings(&mut want, &d);
            assert_eq!(results[0], want, "POST {path}: the written record");
            self.model.portals.insert(contact.clone(), want);
            self.recent.contacts.insert(contact);
        }

        fn portal_put(&mut self) {
            let (contact, exists) = if self.rng.chance(15) {
                (self.new_contact("20990404"), false)
            } else {
                (self.portal_contact(), true)
            };
            let bad = self.rng.chance(15);
            let (d, body) = self.portal_body(bad);
            let mut role = "private";
            let mut refused = if bad {
                Some(400)
            } else {
                (!exists).then_some(404)
            };
            if self.rng.chance(10) {
                role = self.pick(&["idx", "vow", "portal", "public"]);
                refused = Some(403);
            }
            let path = format!("/v1/contacts/{contact}/portal");
            let Some(results) = self.send(8, &path, role, &body, refused) else {
                return;
            };
            let record = self.model.portals.get_mut(&contact).unwrap();
            Self::apply_settings(record, &d);
            assert_eq!(
                results,
                vec![record.clone()],
                "PUT {path}: the written record"
            );
            self.recent.contacts.insert(contact);
        }

        /// One write on route `ROUTES[route]`.
        fn write(&mut self, route: usize) {
            match route {
                0 => self.account_post(),
                1 => self.account_put(),
                2 => self.my_account_put(),
                3 => self.group_post(),
                4 => self.group_put(),
                5 => self.group_delete(),
                6 => self.member_delete(),
                7 => self.portal_post(),
                _ => self.portal_put(),
            }
        }

        /// One write on a route picked by weight (the group delete is rare).
        fn step(&mut self) {
            const WEIGHTS: [usize; 9] = [2, 3, 1, 2, 2, 1, 2, 2, 2];
            let mut n = self.rng.below(WEIGHTS.iter().sum());
            let route = WEIGHTS
                .iter()
                .position(|w| {
                    let here = n < *w;
                    n = n.saturating_sub(*w);
                    here
                })
                .unwrap();
            self.write(route);
        }

        /// More writes on each route that has not yet been both acknowledged and refused
        /// (a few at most), so that every route's both answers are checked whatever the
        /// random steps picked. Returns how many writes it made.
        fn cover(&mut self) -> usize {
            let mut made = 0;
            for (route, name) in ROUTES.iter().enumerate() {
                for _ in 0..40 {
                    let [ok, refused] = self.tally.get(name).copied().unwrap_or_default();
                    if ok > 0 && refused > 0 {
                        break;
                    }
                    self.write(route);
                    made += 1;
                }
            }
            made
        }
    }

    /// Every write route, as `Gen::write` numbers them.
    const ROUTES: [&str; 9] = [
        "POST /accounts",
        "PUT /accounts/<Id>",
        "PUT /my/account",
        "POST /portal/groups/<Id>",
        "PUT /portal/groups/<Id>",
        "DELETE /portal/groups/<Id>",
        "DELETE /portal/groups/<Id>/users/<Id>",
        "POST /contacts/<Id>/portal",
        "PUT /contacts/<Id>/portal",
    ];

    /// The records of a model list by their `key`, each key once.
    fn by_key(records: &[Value], key: &str) -> BTreeMap<String, Value> {
        let map: BTreeMap<String, Value> = records
            .iter()
            .map(|r| (r[key].as_str().unwrap().to_string(), r.clone()))
            .collect();
        assert_eq!(map.len(), records.len(), "the model has a {key} twice");
        map
    }

    /// The stored records are the model's: the same keys, each the same document.
    #[track_caller]
    fn same(what: &str, stored: &BTreeMap<String, Value>, model: &BTreeMap<String, Value>) {
        let extra: Vec<&String> = stored.keys().filter(|k| !model.contains_key(*k)).collect();
        let missing: Vec<&String> = model.keys().filter(|k| !stored.contains_key(*k)).collect();
        assert!(
            extra.is_empty() && missing.is_empty(),
            "{what}: stored but not in the model: {extra:?}; in the model but not stored: \
             {missing:?}"
        );
        for (k, v) in model {
            assert_eq!(&stored[k], v, "{what}: {k} is stored otherwise");
        }
    }

    /// What the checks compared, for the report and the end's sanity bounds.
    #[derive(Debug, Default)]
    struct Checked {
        account_filters: usize,
        account_filters_matching: usize,
        account_bodies: usize,
        group_bodies: usize,
        group_bodies_matching: usize,
        by_id: usize,
        pages: usize,
    }

    /// Every page of a search with at most 10 pages equals the evaluator's Ids in record
    /// order (so a written record keeps its place, or ends the order when new). Returns the
    /// number of pages read.
    fn every_page_agrees(server: &Server, records: &[Value], filter: &str, at: &str) -> usize {
        let want = expected(records, filter, "private").unwrap();
        if want.len() > 250 {
            return 0;
        }
        let mut got = Vec::new();
        let mut pages = 0;
        for page in 1..=want.len().div_ceil(25).max(1) {
            let path = format!(
                "/v1/accounts?_filter={}&_limit=25&_page={page}",
                enc(filter)
            );
            got.extend(ids(&expect_ok(server.get(&path, "private"), filter)));
            pages += 1;
        }
        assert_eq!(got, want, "{at}: every page of {filter}");
        pages
    }

    impl Gen<'_> {
        /// A filter on one written account's values (an exact or prefix name, its office, an
        /// email, a phone, a tag, a language, …), or its negation.
        fn account_filter(&mut self, record: &Value) -> Option<String> {
            let text = |k: &str| {
                record[k]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let first = |list: &str, k: Option<&str>| {
                let item = record[list].as_array()?.first()?;
                let v = match k {
                    Some(k) => &item[k],
                    None => item,
                };
                v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
            };
            let options: Vec<String> = [
                text("Name").map(|n| format!("Name Eq {}", quote(&n))),
                text("Name").map(|n| {
                    let p: String = n.chars().take(3).collect();
                    format!("Name Eq {}", wildcard(&[&p, ""]))
                }),
                text("Name").map(|n| {
                    let p: String = n.chars().take(1).collect();
                    format!("Name Eq {}", wildcard(&[&p, ""]))
                }),
                text("OfficeId").map(|o| format!("OfficeId Eq {}", quote(&o))),
                text("FirstName").map(|n| format!("FirstName Eq {}", quote(&n))),
                text("LastName").map(|n| format!("LastName Eq {}", quote(&n))),
                first("Emails", Some("Address")).map(|e| format!("Email Eq {}", quote(&e))),
                first("Phones", Some("Number"))
                    .map(|p| format!("\"Phones\".\"Number\" Eq {}", quote(&p))),
                first("Tags", None).map(|t| format!("Tags Eq {}", quote(&t))),
                first("LanguagesSpoken", None).map(|l| format!("LanguagesSpoken Eq {}", quote(&l))),
                record["NrdsId"].as_i64().map(|n| format!("NrdsId Eq {n}")),
                text("ShortId").map(|s| format!("ShortId Eq {}", quote(&s))),
                first("Addresses", Some("PostalCode"))
                    .map(|p| format!("PostalCode Eq {}", quote(&p))),
            ]
            .into_iter()
            .flatten()
            .collect();
            if options.is_empty() {
                return None;
            }
            let condition = self.rng.pick(&options).clone();
            let user_type = quote(record["UserType"].as_str().unwrap_or("Member"));
            let join = if self.rng.chance(15) { "Not" } else { "And" };
            Some(format!("UserType Eq {user_type} {join} {condition}"))
        }

        /// Every check, after `step` steps: the database holds the model; searches and
        /// reads by Id answer what the library answers over it.
        fn check(&mut self, store: &mut Store, step: usize, checked: &mut Checked) {
            let at = format!("step {step}");
            same(
                &format!("{at}: accounts"),
                &store.stored("accounts", "Id"),
                &by_key(&self.model.accounts, "Id"),
            );
            same(
                &format!("{at}: portal groups"),
                &store.stored("portal-groups", "Id"),
                &by_key(&self.model.groups, "Id"),
            );
            let portals: Vec<Value> = self.model.portals.values().cloned().collect();
            same(
                &format!("{at}: portal accounts"),
                &store.stored("portal-accounts", "ResourceUri"),
                &by_key(&portals, "ResourceUri"),
            );

            // Accounts: the handwritten filters and filters on what was written.
            let server = self.server;
            let mut filters: Vec<String> =
                (0..3).map(|_| self.rng.pick(FILTERS).to_string()).collect();
            let recent: Vec<String> = self.recent.accounts.iter().cloned().collect();
            let mut generated = Vec::new();
            for id in &recent {
                let record = self.model.account(id).unwrap().clone();
                for _ in 0..3 {
                    if let Some(f) = self.account_filter(&record) {
                        generated.push(f);
                    }
                }
            }
            let accounts = &self.model.accounts;
            generated.retain(|f| expected(accounts, f, "private").is_ok());
            for f in &generated {
                checked.account_filters += 1;
                if !expected(accounts, f, "private").unwrap().is_empty() {
                    checked.account_filters_matching += 1;
                }
            }
            filters.extend(generated.iter().cloned());
            let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
            searches_agree(server, accounts, &filters, "private");
            for f in &generated {
                checked.pages += every_page_agrees(server, accounts, f, &at);
            }
            let public: Vec<&str> = generated
                .iter()
                .map(String::as_str)
                .filter(|f| expected(accounts, f, "public").is_ok())
                .take(4)
                .collect();
            searches_agree(server, accounts, &public, "public");
            let visible = shown(accounts);
            for f in generated.iter().take(4) {
                let role = *self.rng.pick(&["private", "vow", "idx"]);
                let order = *self
                    .rng
                    .pick(&["", "&_orderby=Name", "&_orderby=-LastName"]);
                let query = format!("_filter={}&_limit=10&_pagination=1{order}", enc(f));
                let (_, body) = server.get_text(&format!("/v1/accounts?{query}"), role);
                assert_eq!(
                    body,
                    library_body(&visible, &query, role),
                    "{at}: {role} {query}"
                );
                checked.account_bodies += 1;
            }

            // Portal Groups: searches by the owners' names of the groups written (deleted
            // ones included), bodies byte for byte; each group written read by Id.
            let mut group_filters = vec!["Name Eq 'L*'".to_string()];
            for name in &self.recent.group_names {
                group_filters.push(format!("Name Eq {}", quote(name)));
                let p: String = name.chars().take(2).collect();
                group_filters.push(format!("Name Eq {}", wildcard(&[&p, ""])));
            }
            for f in &group_filters {
                let role = *self.rng.pick(&["private", "vow", "portal"]);
                let page = *self.rng.pick(&["", "", "&_page=2"]);
                let query = format!(
                    "_filter={}&_orderby=Name&_limit=25&_pagination=1{page}",
                    enc(f)
                );
                let (status, body) = server.get_text(&format!("/v1/portal/groups?{query}"), role);
                assert_eq!(status, 200, "{at}: {query}: {body}");
                let want = service_body("portal-groups", &self.model.groups, &query, role);
                assert_eq!(body, want, "{at}: {role} /portal/groups?{query}");
                checked.group_bodies += 1;
                if !body.contains("\"Results\":[]") {
                    checked.group_bodies_matching += 1;
                }
            }
            let groups: Vec<String> = self.recent.groups.iter().cloned().collect();
            for id in groups {
                let path = format!("/v1/portal/groups/{id}");
                let (status, body) = server.get(&path, "private");
                match self.model.group(&id) {
                    Some(g) => {
                        assert_eq!(status, 200, "{at}: {path}: {body}");
                        assert_eq!(body["D"]["Results"], json!([g]), "{at}: {path}");
                    }
                    None => assert_eq!(status, 404, "{at}: deleted {path}: {body}"),
                }
                checked.by_id += 1;
            }
            for contact in &self.recent.contacts {
                let path = format!("/v1/contacts/{contact}/portal");
                let (status, body) = server.get(&path, "private");
                match self.model.portals.get(contact) {
                    Some(p) => {
                        assert_eq!(status, 200, "{at}: {path}: {body}");
                        assert_eq!(body["D"]["Results"], json!([p]), "{at}: {path}");
                    }
                    None => assert_eq!(status, 404, "{at}: {path}: {body}"),
                }
                checked.by_id += 1;
            }
            self.recent = Recent::default();
        }
    }

    /// The generated writes and checks against a started server on a fresh database.
    fn generated_writes(server: &Server, store: &mut Store, seed: u64, backend: &str) {
        let started = std::time::Instant::now();
        let accounts = sample_records();
        let mut offices: Vec<String> = accounts
            .iter()
            .filter_map(|r| r["OfficeId"].as_str().map(str::to_string))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        offices.truncate(30);
        let portals = store
            .stored("portal-accounts", "ResourceUri")
            .into_values()
            .map(|p| {
                let uri = p["ResourceUri"].as_str().unwrap();
                let contact = uri
                    .strip_prefix("/v1/contacts/")
                    .and_then(|c| c.strip_suffix("/portal"))
                    .expect("a portal account's ResourceUri");
                (contact.to_string(), p)
            })
            .collect::<BTreeMap<_, _>>();
        assert!(
            portals.contains_key(first_group()["ContactId"].as_str().unwrap()),
            "the sample portal accounts are loaded"
        );
        let mut generator = Gen {
            server,
            rng: Rng(seed),
            model: Model {
                accounts,
                groups: GROUPS
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect(),
                portals,
            },
            recent: Recent::default(),
            tally: Tally::new(),
            deleted: Vec::new(),
            offices,
            next_contact: 0,
        };
        let mut checked = Checked::default();
        generator.check(store, 0, &mut checked);
        for step in 1..=STEPS {
            generator.step();
            if step % CHECK_EVERY == 0 {
                generator.check(store, step, &mut checked);
            }
        }
        let extra = generator.cover();
        generator.check(store, STEPS + extra, &mut checked);
        let tally = &generator.tally;
        eprintln!(
            "{backend}: {STEPS} generated writes and {extra} more for coverage in {:.1} s: \
             {tally:?}; checked {checked:?}",
            started.elapsed().as_secs_f64()
        );
        for route in ROUTES {
            let [ok, refused] = tally.get(route).copied().unwrap_or_default();
            assert!(
                ok > 0 && refused > 0,
                "{route}: {ok} acknowledged, {refused} refused"
            );
        }
        assert!(
            checked.account_filters_matching * 2 > checked.account_filters,
            "most filters on written values find records: {checked:?}"
        );
        assert!(
            checked.group_bodies_matching * 2 > checked.group_bodies,
            "most group searches find groups: {checked:?}"
        );
    }

    #[test]
    fn sqlite() {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let db = dir.join(format!("server-writes-{}.db", std::process::id()));
        let remove = || {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
        };
        remove();
        let url = format!("sqlite://{}", db.display());
        let server = Server::start(&url, "writes-sqlite");
        let conn = spark_filter::sql::sqlite::open(&url).expect("open the server's database");
        let mut store = Store::Sqlite(conn);
        generated_writes(&server, &mut store, 0x5eed_1301, "sqlite");
        let status = server.stop();
        assert!(status.success(), "shutdown: {status}");
        drop(store);
        remove();
    }

    #[test]
    fn postgres() {
        let Some(schema) = support::pg_schema("server::writes::postgres", "writes") else {
            return;
        };
        let url = std::env::var(support::PG_ENV).unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        let db = format!("{url}{sep}options=-csearch_path%3D{}", schema.name);
        let server = Server::start(&db, "writes-postgres");
        let mut store = Store::Postgres(schema);
        generated_writes(&server, &mut store, 0x5eed_1302, "postgres");
        let status = server.stop();
        assert!(status.success(), "shutdown: {status}");
    }
}
