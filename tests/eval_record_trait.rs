//! The [`Record`] trait on a hand-written Rust type: the evaluator must give the same answer
//! for the struct as for its JSON form (docs/records.md), for every filter.

use serde_json::{Value, json};
use spark_filter::eval::{Evaluator, FieldValue, Record};
use spark_filter::plan::{self, Caller, FieldRef, PlanOptions, Role, UserLevel};

/// An account as a Rust program might hold it.
struct Account {
    id: &'static str,
    user_type: &'static str,
    name: Option<&'static str>,
    tags: Vec<&'static str>,
    phones: Vec<&'static str>,
    emails: Vec<&'static str>,
    /// `None`: no `Settings.Visible`.
    visible: Option<bool>,
    designations: Vec<(&'static str, bool)>,
    nrds_id: Option<i64>,
    /// `None`: an explicit null (the record has a `PrimaryAddress` without a city).
    city: Option<&'static str>,
    team_owner: Option<bool>,
}

impl Record for Account {
    fn any_value<F: FnMut(FieldValue<'_>) -> bool>(&self, field: &FieldRef, mut visit: F) -> bool {
        match field.name {
            "UserType" => visit(FieldValue::Str(self.user_type)),
            "Name" => self.name.is_some_and(|n| visit(FieldValue::Str(n))),
            "Tags" => self.tags.iter().any(|t| visit(FieldValue::Str(t))),
            "\"Phones\".\"Number\"" => self.phones.iter().any(|p| visit(FieldValue::Str(p))),
            "Email" => self.emails.iter().any(|e| visit(FieldValue::Str(e))),
            "Visible" => self.visible.is_some_and(|v| visit(FieldValue::Bool(v))),
            "Designations" => self
                .designations
                .iter()
                .any(|(k, on)| *on && visit(FieldValue::Str(k))),
            "NrdsId" => self.nrds_id.is_some_and(|n| visit(FieldValue::Int(n))),
            "\"PrimaryAddress\".\"City\"" => match self.city {
                Some(c) => visit(FieldValue::Str(c)),
                None => visit(FieldValue::Null),
            },
            "\"Team\".\"Owner\"" => self.team_owner.is_some_and(|o| visit(FieldValue::Bool(o))),
            _ => false,
        }
    }
}

impl Account {
    fn to_json(&self) -> Value {
        let mut r = json!({
            "Id": self.id,
            "UserType": self.user_type,
            "Tags": self.tags,
            "Phones": self.phones.iter().map(|p| json!({"Number": p})).collect::<Vec<_>>(),
            "Emails": self.emails.iter().map(|e| json!({"Address": e})).collect::<Vec<_>>(),
            "Designations": self.designations.iter()
                .map(|(k, on)| (k.to_string(), Value::Bool(*on)))
                .collect::<serde_json::Map<_, _>>(),
            "PrimaryAddress": {"City": self.city},
            "Settings": {},
        });
        if let Some(n) = self.name {
            r["Name"] = json!(n);
        }
        if let Some(v) = self.visible {
            r["Settings"]["Visible"] = json!(v);
        }
        if let Some(n) = self.nrds_id {
            r["NrdsId"] = json!(n);
        }
        if let Some(o) = self.team_owner {
            r["Team"] = json!({"Owner": o});
        }
        r
    }
}

fn accounts() -> Vec<Account> {
    vec![
        Account {
            id: "carl",
            user_type: "Member",
            name: Some("Carl J Thomason"),
            tags: vec!["Agent", "Buyer"],
            phones: vec!["701-555-1212", "1 702 555 1313 x42"],
            emails: vec!["work@test.com", "mobile@test.com"],
            visible: Some(true),
            designations: vec![("Accredited Buyer Rep", true), ("Green", false)],
            nrds_id: Some(123456789),
            city: Some("Fargo"),
            team_owner: Some(false),
        },
        Account {
            id: "thomas",
            user_type: "Member",
            name: Some("thomas Smith"),
            tags: vec!["agent"],
            phones: vec!["(701) 555-1212"],
            emails: vec!["t@example.org"],
            visible: Some(true),
            designations: vec![("Green", true)],
            nrds_id: None,
            city: None,
            team_owner: Some(true),
        },
        Account {
            id: "hidden",
            user_type: "Member",
            name: Some("Thom Jones"),
            tags: vec![],
            phones: vec!["555-1212"],
            emails: vec![],
            visible: Some(false),
            designations: vec![],
            nrds_id: Some(7),
            city: Some("Moorhead"),
            team_owner: None,
        },
        Account {
            id: "unset",
            user_type: "Member",
            name: None,
            tags: vec!["Agent"],
            phones: vec![],
            emails: vec!["x@test.com"],
            visible: None,
            designations: vec![("Accredited Buyer Rep", true)],
            nrds_id: Some(55),
            city: Some("Moorhead"),
            team_owner: None,
        },
        Account {
            id: "office",
            user_type: "Office",
            name: Some("Sample Office Inc"),
            tags: vec!["Office"],
            phones: vec!["+1 701 555 1212 x12"],
            emails: vec!["office@test.com"],
            visible: Some(true),
            designations: vec![],
            nrds_id: None,
            city: Some("fargo"),
            team_owner: None,
        },
    ]
}

const FILTERS: &[&str] = &[
    "UserType Eq 'Member'",
    "UserType Eq 'Member','Office'",
    "UserType Ne 'Office' And UserType Eq 'Member'",
    "UserType Eq 'Member' And Name Eq 'thomas*'",
    "UserType Eq 'Member' And Name Eq 'thom*'",
    "UserType Eq 'Member' And Name Eq 'carl j thom*'",
    "UserType Eq 'Member' And Name Eq NULL",
    "UserType Eq 'Member' And Tags Eq 'agent'",
    "UserType Eq 'Member' And (Not Tags Eq 'agent')",
    "UserType Eq 'Member' And all(Tags) Eq 'agent','buyer'",
    "UserType Eq 'Member','Office' And \"Phones\".\"Number\" Eq '555-1212'",
    "UserType Eq 'Member','Office' And \"Phones\".\"Number\" Eq '1 701-555-1212 x12'",
    "UserType Eq 'Member' And \"Phones\".\"Number\" Ne '701-555-1212'",
    "UserType Eq 'Member' And Email Eq '*@test.com'",
    "UserType Eq 'Member' And Email Ne 'work@test.com'",
    "UserType Eq 'Member' And Designations Eq 'Accredited Buyer Rep'",
    "UserType Eq 'Member' And Designations Eq 'green'",
    "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
    "UserType Eq 'Member' And Visible Ne true",
    "UserType Eq 'Member' And Visible Eq NULL",
    "UserType Eq 'Member' And NrdsId Gt 50",
    "UserType Eq 'Member' And NrdsId Bt 1,100 And Visible Ne NULL",
    "UserType Eq 'Member' And NrdsId Eq NULL",
    "UserType Eq 'Member','Office' And \"PrimaryAddress\".\"City\" Eq 'FARGO'",
    "UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Eq NULL",
    "UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Ne 'fargo'",
    "UserType Eq 'Member' And tolower(\"PrimaryAddress\".\"City\") Eq 'moorhead'",
    "UserType Eq 'Member' And length(\"PrimaryAddress\".\"City\") Gt 5",
    "UserType Eq 'Member' And \"Team\".\"Owner\" Eq false",
    "UserType Eq 'Member' And \"Team\".\"Owner\" Ne true",
    "UserType Eq 'Member' And LastName Eq NULL",
    "UserType Eq 'Member' And LastName Ne 'x'",
    "UserType Eq 'Member' Not (Name Eq 'thomas*' Or Tags Eq 'buyer')",
];

fn caller() -> Caller {
    Caller {
        privileged: true,
        user_level: UserLevel::Mls,
        ..Caller::new(Role::Private)
    }
}

fn evaluator(filter: &str) -> Evaluator {
    let schema = plan::builtin::builtin("accounts").unwrap();
    let options = PlanOptions::new(caller());
    let plan = plan::check(filter, &schema, &options).unwrap_or_else(|e| panic!("{filter}: {e:?}"));
    Evaluator::new(&plan).unwrap()
}

#[test]
fn struct_and_json_forms_match_alike() {
    let records = accounts();
    let jsons: Vec<Value> = records.iter().map(Account::to_json).collect();
    for filter in FILTERS {
        let eval = evaluator(filter);
        for (r, j) in records.iter().zip(&jsons) {
            assert_eq!(
                eval.matches(r),
                eval.matches(j),
                "{filter}: the struct and the JSON form of {} disagree\nJSON: {j}",
                r.id
            );
        }
    }
}

#[track_caller]
fn ids(filter: &str) -> Vec<&'static str> {
    let records = accounts();
    let eval = evaluator(filter);
    eval.filter(&records).map(|a| a.id).collect()
}

#[test]
fn struct_records_give_the_expected_matches() {
    assert_eq!(ids("UserType Eq 'Member'"), ["carl", "thomas"]);
    assert_eq!(
        ids("UserType Eq 'Member' And Name Eq 'thomas*'"),
        ["carl", "thomas"]
    );
    assert_eq!(
        ids("UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)"),
        ["carl", "thomas", "hidden"]
    );
    assert_eq!(
        ids("UserType Eq 'Member' And Visible Ne true"),
        ["hidden", "unset"]
    );
    assert_eq!(
        ids("UserType Eq 'Member','Office' And \"Phones\".\"Number\" Eq '555-1212'"),
        ["carl", "thomas", "office"]
    );
    assert_eq!(
        ids("UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Eq NULL"),
        ["thomas"]
    );
    assert_eq!(
        ids("UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Ne 'fargo'"),
        ["thomas"]
    );
    assert_eq!(
        ids("UserType Eq 'Member' And Designations Eq 'green'"),
        ["thomas"]
    );
    assert_eq!(
        ids("UserType Eq 'Member' And all(Tags) Eq 'agent','buyer'"),
        ["carl"]
    );
    assert_eq!(ids("UserType Eq 'Member' And NrdsId Eq NULL"), ["thomas"]);
}
