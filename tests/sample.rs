//! The sample-record generator (`spark_filter::sample`): deterministic, in the documented
//! record shapes (docs/records.md), varied enough to exercise the search rules, and the source
//! of the bundled data files `data/accounts.jsonl` and `data/portal-groups.jsonl`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use spark_filter::eval::Evaluator;
use spark_filter::plan::schema::parse_path;
use spark_filter::plan::{self, Caller, FieldType, PlanOptions, Role, Schema, builtin};
use spark_filter::sample::{self, SERVICES};

/// The bundled data files: service, file, record count (all with seed 1).
const DATA: &[(&str, &str, usize)] = &[
    ("accounts", "data/accounts.jsonl", 5000),
    ("portal-groups", "data/portal-groups.jsonl", 1000),
];

fn accounts() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| sample::records("accounts", 5000, 1).unwrap())
}

fn groups() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| sample::records("portal-groups", 1000, 1).unwrap())
}

fn schema(name: &str) -> Schema {
    builtin::builtin(name).unwrap()
}

fn values(record: &Value, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    support::walk(record, &parse_path(path).unwrap(), &mut out);
    out
}

fn fits(ty: FieldType, v: &Value) -> bool {
    match ty {
        FieldType::Character | FieldType::CharacterList | FieldType::Object => v.is_string(),
        FieldType::Datetime => v
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        FieldType::Date | FieldType::Time => v.is_string(),
        FieldType::Integer => v.is_i64(),
        FieldType::Decimal => v.is_number(),
        FieldType::Boolean => v.is_boolean(),
    }
}

/// Every field's path, walked over every record, finds values of the field's type (or null);
/// every searchable field has a value in some record.
fn check_shape(records: &[Value], s: &Schema) {
    for f in &s.fields {
        if f.ty == FieldType::Object && !f.searchable {
            continue; // NamesByLocation: a plain JSON object, never compared
        }
        let path = f.record_path().unwrap();
        let mut present = 0;
        for r in records {
            let mut found = Vec::new();
            support::walk(r, &path, &mut found);
            for v in found.iter().filter(|v| !v.is_null()) {
                assert!(
                    fits(f.ty, v),
                    "{}.{}: {v} is not a {} in {}",
                    s.name,
                    f.name,
                    f.ty,
                    r["Id"]
                );
                present += 1;
            }
        }
        if f.searchable {
            assert!(present > 0, "{}.{}: no record has a value", s.name, f.name);
        }
    }
}

fn str_of<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    r.get(key).and_then(Value::as_str)
}

fn members() -> impl Iterator<Item = &'static Value> {
    accounts().iter().filter(|r| r["UserType"] == "Member")
}

// ---------------------------------------------------------------------------------------------
// API

#[test]
fn same_seed_same_records_other_seed_other_records() {
    for service in SERVICES {
        let a = sample::records(service, 300, 42).unwrap();
        let b = sample::records(service, 300, 42).unwrap();
        assert_eq!(a, b, "{service}");
        let text = |rs: &[Value]| serde_json::to_string(rs).unwrap();
        assert_eq!(text(&a), text(&b), "{service}: same JSON text");
        let c = sample::records(service, 300, 43).unwrap();
        assert_ne!(a, c, "{service}");
        // Not one record of the other seed is the same.
        assert!(a.iter().zip(&c).all(|(x, y)| x != y), "{service}");
    }
}

#[test]
fn shorter_runs_are_prefixes_and_generate_streams_the_same_records() {
    for service in SERVICES {
        let long = sample::records(service, 400, 9).unwrap();
        for n in [0, 1, 2, 7, 123] {
            assert_eq!(
                sample::records(service, n, 9).unwrap(),
                long[..n],
                "{service} {n}"
            );
        }
        let streamed: Vec<Value> = sample::generate(service, 9).unwrap().take(400).collect();
        assert_eq!(streamed, long, "{service}");
    }
}

#[test]
fn the_count_is_honoured() {
    for service in SERVICES {
        for n in [0, 1, 5, 64, 1000] {
            assert_eq!(
                sample::records(service, n, 3).unwrap().len(),
                n,
                "{service}"
            );
        }
    }
}

#[test]
fn unknown_services_are_errors_naming_the_services() {
    for bad in ["listings", "", "Accounts", "portal-accounts"] {
        let err = sample::records(bad, 3, 1).unwrap_err();
        for s in SERVICES {
            assert!(err.contains(s), "{err}");
        }
        assert!(sample::generate(bad, 1).is_err());
    }
}

#[test]
fn ids_are_unique_and_well_formed() {
    let is_id = |s: &str| s.len() == 26 && s.bytes().all(|b| b.is_ascii_digit());
    for records in [accounts(), groups()] {
        let ids: BTreeSet<&str> = records.iter().map(|r| r["Id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), records.len());
        assert!(ids.iter().all(|id| is_id(id)), "{ids:?}");
    }
    // Element ids (e-mails, phones, addresses; portal users) are unique too.
    let mut seen = BTreeSet::new();
    for r in accounts() {
        seen.insert(r["Id"].as_str().unwrap().to_string());
    }
    for r in accounts() {
        for path in [
            "Emails[].Id",
            "Phones[].Id",
            "Addresses[].Id",
            "Websites[].Id",
        ] {
            for v in values(r, path) {
                let id = v.as_str().unwrap();
                assert!(is_id(id));
                assert!(seen.insert(id.to_string()), "{id} twice");
            }
        }
    }
    let group_ids: BTreeSet<&str> = groups().iter().map(|r| r["Id"].as_str().unwrap()).collect();
    let mut users = BTreeSet::new();
    for r in groups() {
        for v in values(r, "Users[].Id") {
            let id = v.as_str().unwrap();
            assert!(is_id(id) && !group_ids.contains(id));
            assert!(users.insert(id.to_string()), "user {id} in two groups");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The documented shape

#[test]
fn accounts_follow_both_accounts_schemas() {
    check_shape(accounts(), &schema("accounts"));
    check_shape(accounts(), &schema("accounts-legacy"));
}

#[test]
fn portal_groups_follow_their_schema() {
    check_shape(groups(), &schema("portal-groups"));
}

#[test]
fn account_records_keep_the_record_rules() {
    let by_id: BTreeMap<&str, &Value> = accounts()
        .iter()
        .map(|r| (r["Id"].as_str().unwrap(), r))
        .collect();
    for r in accounts() {
        let id = r["Id"].as_str().unwrap();
        assert_eq!(r["ResourceUri"], format!("/v1/accounts/{id}"));
        let user_type = r["UserType"].as_str().unwrap();
        assert!(["Member", "Office", "Company", "Mls"].contains(&user_type));
        let level = r["UserLevel"].as_str().unwrap();
        assert!(["Member", "Office", "Company", "Mls", "Association"].contains(&level));
        assert!(r["Name"].is_string(), "{id}: every account has a name");
        // PrimaryAddress is a copy of the primary address, null or missing without one.
        let primary: Vec<&Value> = r
            .get("Addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|a| a["Primary"] == true)
            .collect();
        assert!(primary.len() <= 1, "{id}");
        match primary.first() {
            Some(p) => assert_eq!(r.get("PrimaryAddress"), Some(*p), "{id}"),
            None => assert!(r.get("PrimaryAddress").is_none_or(Value::is_null), "{id}"),
        }
        // Designations: name → boolean.
        if let Some(Value::Object(d)) = r.get("Designations") {
            assert!(d.values().all(Value::is_boolean), "{id}");
        }
        // References point at accounts of the stream, of the right type, emitted earlier.
        for (key, ty) in [
            ("OfficeId", "Office"),
            ("CompanyId", "Company"),
            ("MlsId", "Mls"),
        ] {
            if let Some(other) = str_of(r, key) {
                let target = by_id
                    .get(other)
                    .unwrap_or_else(|| panic!("{id}: {key} {other}"));
                assert_eq!(target["UserType"], ty, "{id}: {key}");
                assert!(other <= id, "{id}: {key} refers to a later account");
            }
        }
        if let Some(team) = r.get("Team").filter(|t| !t.is_null()) {
            let leader = team["LeaderId"].as_str().unwrap();
            assert_eq!(team["Id"], leader);
            assert_eq!(team["ResourceUri"], format!("/v1/accounts/teams/{leader}"));
            assert_eq!(team["Owner"] == true, leader == id, "{id}");
            let lead = by_id[leader];
            assert_eq!(lead["Team"]["Owner"], true);
            assert_eq!(lead["OfficeId"], r["OfficeId"], "{id}: team across offices");
        }
        // Name parts: people have them, organizations have none.
        if user_type == "Member" {
            let parts: Vec<&str> = ["FirstName", "MiddleName", "LastName"]
                .iter()
                .filter_map(|k| str_of(r, k))
                .collect();
            assert_eq!(parts.join(" "), r["Name"].as_str().unwrap(), "{id}");
        } else {
            for k in ["FirstName", "MiddleName", "LastName"] {
                assert!(r.get(k).is_none_or(Value::is_null), "{id}: {k}");
            }
            let own = match user_type {
                "Office" => "OfficeId",
                "Company" => "CompanyId",
                _ => "MlsId",
            };
            assert_eq!(str_of(r, own), Some(id), "{id}: {own}");
        }
    }
}

#[test]
fn portal_groups_carry_the_owner_name() {
    for r in groups() {
        let id = r["Id"].as_str().unwrap();
        assert_eq!(r["ResourceUri"], format!("/v1/portal/groups/{id}"));
        let contact = r["ContactId"].as_str().unwrap();
        let Some(users) = r.get("Users").and_then(Value::as_array) else {
            continue; // no Users expansion: Name may or may not be there
        };
        let owner: Vec<&Value> = users.iter().filter(|u| u["Id"] == contact).collect();
        assert!(owner.len() <= 1);
        match owner.first() {
            Some(o) => assert_eq!(
                r.get("Name").unwrap_or(&Value::Null),
                o.get("Name").unwrap_or(&Value::Null),
                "{id}"
            ),
            None => assert!(r.get("Name").is_none_or(Value::is_null), "{id}"),
        }
        for u in users {
            let uid = u["Id"].as_str().unwrap();
            let kind = if u["UserType"] == "Member" {
                "accounts"
            } else {
                "contacts"
            };
            assert_eq!(u["ResourceUri"], format!("/v1/{kind}/{uid}"));
        }
    }
    // Most groups have their owner, and so a name; a few do not.
    let named = groups().iter().filter(|r| r["Name"].is_string()).count();
    assert!(named > 900 && named < 1000, "{named}");
}

// ---------------------------------------------------------------------------------------------
// Variety

/// A phone number's layout: digits as `9` (`(701) 555-1212` → `(999) 999-9999`).
fn layout(number: &str) -> String {
    number
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect()
}

#[test]
fn accounts_are_varied() {
    let all = accounts();
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|r| f(r)).count();
    let name = |r: &Value| r["Name"].as_str().unwrap_or("").to_string();

    // User types: every one, mostly members.
    let types: BTreeMap<&str, usize> = all.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r["UserType"].as_str().unwrap()).or_default() += 1;
        m
    });
    assert_eq!(types.len(), 4, "{types:?}");
    assert!(types["Member"] > all.len() * 3 / 4, "{types:?}");

    // Names: non-ASCII, apostrophes, several words, lower-case, the Thom/Tim/John starts.
    assert!(count(&|r| !name(r).is_ascii()) > 200);
    assert!(count(&|r| name(r).contains('\'')) > 50);
    assert!(count(&|r| r["UserType"] == "Member" && name(r).split(' ').count() >= 3) > 200);
    assert!(count(&|r| str_of(r, "FirstName").is_some_and(|f| f.contains(' '))) > 20);
    assert!(count(&|r| str_of(r, "LastName").is_some_and(|f| f.contains(' '))) > 20);
    assert!(count(&|r| name(r).starts_with(|c: char| c.is_lowercase())) > 50);
    assert!(count(&|r| str_of(r, "LastName").is_none() && r["UserType"] == "Member") > 5);
    for start in ["thom", "tim", "john"] {
        let n = count(&|r| {
            name(r)
                .split(' ')
                .any(|w| w.to_lowercase().starts_with(start))
        });
        assert!(n > 50, "{start}: {n}");
    }
    for special in [
        "Seán",
        "Zoë",
        "O'Brien",
        "Müller",
        "Álvarez-García",
        "Strauß",
        "Ægir",
    ] {
        assert!(count(&|r| name(r).contains(special)) > 0, "{special}");
    }

    // Settings.Visible: mostly true, about a tenth false, a few missing or null.
    let visible = |r: &Value| r.get("Settings").and_then(|s| s.get("Visible")).cloned();
    let hidden = count(&|r| visible(r) == Some(Value::Bool(false)));
    let shown = count(&|r| visible(r) == Some(Value::Bool(true)));
    let unknown = count(&|r| visible(r).is_none_or(|v| v.is_null()));
    assert!(shown > all.len() * 8 / 10, "{shown}");
    assert!(
        (all.len() / 20..all.len() / 5).contains(&hidden),
        "{hidden}"
    );
    assert!(unknown > 0 && unknown < all.len() / 20, "{unknown}");
    assert!(count(&|r| r.get("Settings").is_none()) > 0);
    assert!(count(&|r| r["Settings"]["Active"] == false) > 50);

    // Phones: none, several, in many layouts (with and without extensions), a few bad ones.
    assert!(count(&|r| values(r, "Phones[].Number").is_empty()) > 100);
    assert!(count(&|r| values(r, "Phones[].Number").len() >= 3) > 50);
    let layouts: BTreeSet<String> = all
        .iter()
        .flat_map(|r| values(r, "Phones[].Number"))
        .filter_map(|v| v.as_str().map(layout))
        .collect();
    for want in [
        "999-999-9999",
        "(999) 999-9999",
        "999.999.9999",
        "+9 999 999 9999",
        "999-9999",
        "9999999999",
        "9 999-999-9999",
    ] {
        assert!(layouts.contains(want), "{want} not among {layouts:?}");
    }
    assert!(layouts.iter().any(|l| l.contains(" x")));
    assert!(layouts.iter().any(|l| l.contains(" ext. ")));
    assert!(layouts.len() >= 20, "{}", layouts.len());

    // Arrays and objects: empty, null and missing all occur.
    for key in [
        "Phones",
        "Emails",
        "Tags",
        "LanguagesSpoken",
        "Designations",
        "Addresses",
    ] {
        assert!(count(&|r| r.get(key).is_none()) > 0, "{key} never missing");
        assert!(
            count(&|r| r.get(key) == Some(&Value::Null)) > 0,
            "{key} never null"
        );
    }
    for key in ["Phones", "Emails", "Tags", "Associations"] {
        assert!(
            count(&|r| r[key] == serde_json::json!([])) > 0,
            "{key} never empty"
        );
    }
    assert!(count(&|r| r["NrdsId"].is_null()) > 100);
    assert!(count(&|r| r["NrdsId"].is_i64()) > 1000);

    // Addresses: non-ASCII cities, a primary address mostly, none sometimes.
    let cities: BTreeSet<String> = all
        .iter()
        .filter_map(|r| r["PrimaryAddress"]["City"].as_str().map(String::from))
        .collect();
    for city in [
        "Fargo",
        "Moorhead",
        "Saint Paul",
        "Bismarck",
        "Montréal",
        "Zürich",
    ] {
        assert!(cities.contains(city), "{city} not among {cities:?}");
    }
    assert!(count(&|r| r.get("PrimaryAddress").is_none_or(Value::is_null)) > 100);

    // Designations switched off, teams with owners and members.
    assert!(
        count(&|r| r["Designations"]
            .as_object()
            .is_some_and(|d| d.values().any(|v| v == false)))
            > 0
    );
    assert!(count(&|r| r["Team"]["Owner"] == true) > 50);
    assert!(count(&|r| r["Team"]["Owner"] == false) > 200);
}

#[test]
fn portal_groups_are_varied() {
    let all = groups();
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|r| f(r)).count();
    assert!(count(&|r| r["Users"].as_array().is_some_and(|u| u.len() >= 3)) > 100);
    assert!(count(&|r| r.get("Users").is_none()) > 0);
    assert!(count(&|r| r["Name"].as_str().is_some_and(|n| !n.is_ascii())) > 50);
    assert!(count(&|r| r["Name"].as_str().is_some_and(|n| n.contains('\''))) > 10);
    let logins: Vec<String> = all
        .iter()
        .flat_map(|r| values(r, "Users[].LastLogin"))
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    assert!(logins.iter().any(|l| l.ends_with('Z')));
    assert!(logins.iter().any(|l| l.ends_with("-05:00")));
    assert!(count(&|r| values(r, "Users[].LastLogin").contains(&Value::Null)) > 50);
    assert!(count(&|r| values(r, "Users[].Active").contains(&Value::Bool(false))) > 50);
    assert!(count(&|r| values(r, "Users[].UserType").contains(&"Member".into())) > 10);
}

// ---------------------------------------------------------------------------------------------
// Through the evaluator

fn matching(schema_name: &str, filter: &str, caller: Caller, records: &[Value]) -> Vec<Value> {
    let options = PlanOptions::new(caller);
    let plan = plan::check(filter, &schema(schema_name), &options)
        .unwrap_or_else(|e| panic!("{filter}: {e:?}"));
    let eval = Evaluator::new(&plan).unwrap();
    records
        .iter()
        .filter(|r| eval.matches(*r))
        .cloned()
        .collect()
}

fn visible(r: &Value) -> bool {
    r["Settings"]["Visible"] == true
}

#[test]
fn name_wildcards_find_some_members_but_not_all() {
    let hits = matching(
        "accounts",
        "UserType Eq 'Member' And Name Eq 'thomas*'",
        Caller::new(Role::Private),
        accounts(),
    );
    // Any word of the name starting with thomas, case-insensitively; visible members only.
    let expected: Vec<Value> = members()
        .filter(|r| visible(r))
        .filter(|r| {
            r["Name"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .any(|w| w.to_lowercase().starts_with("thomas"))
        })
        .cloned()
        .collect();
    assert!(
        hits.len() > 20 && hits.len() < members().count() / 4,
        "{}",
        hits.len()
    );
    assert_eq!(hits, expected);
    assert!(
        hits.iter()
            .any(|r| r["Name"].as_str().unwrap().starts_with("thomas"))
    );
    assert!(
        hits.iter()
            .any(|r| r["Name"].as_str().unwrap().contains(" Thomason"))
    );
}

#[test]
fn the_implicit_visible_condition_hides_invisible_accounts() {
    let privileged = Caller {
        privileged: true,
        ..Caller::new(Role::Private)
    };
    let all = matching(
        "accounts",
        "UserType Eq 'Member'",
        Caller::new(Role::Private),
        accounts(),
    );
    assert_eq!(all.len(), members().filter(|r| visible(r)).count());
    let hidden = matching(
        "accounts",
        "UserType Eq 'Member' And Visible Eq false",
        privileged,
        accounts(),
    );
    assert_eq!(
        hidden.len(),
        members()
            .filter(|r| r["Settings"]["Visible"] == false)
            .count()
    );
    assert!(!hidden.is_empty());
}

#[test]
fn other_searchable_fields_find_what_the_records_hold() {
    let member = |filter: &str| {
        matching(
            "accounts",
            &format!("UserType Eq 'Member' And {filter}"),
            Caller::new(Role::Private),
            accounts(),
        )
    };
    // Non-ASCII values fold case.
    let montreal = member("\"PrimaryAddress\".\"City\" Eq 'MONTRÉAL'");
    assert!(!montreal.is_empty());
    assert!(
        montreal
            .iter()
            .all(|r| r["PrimaryAddress"]["City"] == "Montréal")
    );
    assert!(!member("Name Eq 'zoë*'").is_empty());
    // Full case folding: ß is ss.
    let strauss = member("LastName Eq 'STRAUSS'");
    assert!(!strauss.is_empty());
    assert!(
        strauss
            .iter()
            .all(|r| r["LastName"].as_str().unwrap().to_lowercase() == "strauß")
    );
    // Apostrophes in values are escaped with a backslash.
    assert!(!member(r"Name Eq 'o\'brien*'").is_empty());
    assert!(!member(r"LastName Eq 'o\'brien'").is_empty());
    assert!(!member("Designations Eq 'Accredited Buyer Rep'").is_empty());
    assert!(!member("Tags Eq 'Team Leader'").is_empty());
    assert!(!member("\"Team\".\"Owner\" Eq true").is_empty());
    assert!(!member("PostalCode Eq '58102'").is_empty());

    // Every 10-digit North American number of a visible member is found by its parts.
    let mut checked = 0;
    for r in members().filter(|r| visible(r)).take(400) {
        for v in values(r, "Phones[].Number") {
            let Some(n) = v.as_str() else { continue };
            let digits: String = n
                .chars()
                .take_while(|c| !c.is_ascii_alphabetic() && *c != '#')
                .filter(char::is_ascii_digit)
                .collect();
            let digits = digits
                .strip_prefix('1')
                .filter(|d| d.len() == 10)
                .unwrap_or(&digits);
            if digits.len() != 10 {
                continue;
            }
            let query = format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..]);
            let hits = member(&format!("\"Phones\".\"Number\" Eq '{query}'"));
            assert!(hits.contains(r), "{n} not found by {query}");
            checked += 1;
        }
        if checked >= 25 {
            break;
        }
    }
    assert!(checked >= 25);
}

#[test]
fn portal_group_names_are_searchable() {
    let hits = matching(
        "portal-groups",
        "Name Eq 'thomas*'",
        Caller::new(Role::Private),
        groups(),
    );
    assert!(
        !hits.is_empty() && hits.len() < groups().len() / 4,
        "{}",
        hits.len()
    );
    assert!(hits.iter().all(|r| {
        r["Name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .starts_with("thomas")
    }));
}

// ---------------------------------------------------------------------------------------------
// The bundled data

#[test]
fn the_data_files_are_the_generator_output() {
    for (service, file, count) in DATA {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(text.len() < 6 << 20, "{file}: {} bytes", text.len());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), *count, "{file}");
        assert!(text.ends_with('\n'));
        for (i, (line, record)) in lines
            .iter()
            .zip(sample::generate(service, 1).unwrap())
            .enumerate()
        {
            assert_eq!(
                *line,
                serde_json::to_string(&record).unwrap(),
                "{file}:{}: regenerate with `spark-filter gen --schema {service} --count {count} --seed 1`",
                i + 1
            );
        }
    }
}
