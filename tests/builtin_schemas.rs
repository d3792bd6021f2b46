//! The built-in schemas checked against the seed documents, one test per seed rule.
//!
//! Seeds (see /work/shared/seeds/README.md, quoted in docs/schemas.md): 000 Contacts: Portal/VOW
//! Accounts; 001 and 003 Portal Groups; 002 Accounts (current page, "Account Description");
//! 004 Accounts (legacy page).

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;
use spark_filter::plan::builtin::{self, NAMES};
use spark_filter::plan::schema::parse_path;
use spark_filter::plan::{FieldDef, FieldType, KeyGrant, PathStep, Role, Rule, Schema, UserLevel};
use spark_filter::syntax::Op;

fn schema(name: &str) -> Schema {
    builtin::builtin(name).unwrap_or_else(|| panic!("built-in schema {name} is missing"))
}

fn field<'s>(schema: &'s Schema, name: &str) -> &'s FieldDef {
    schema
        .field_named(name)
        .unwrap_or_else(|| panic!("{}: no field {name}", schema.name))
        .1
}

fn searchable_set(schema: &Schema) -> BTreeSet<&str> {
    schema
        .fields
        .iter()
        .filter(|f| f.searchable)
        .map(|f| f.name.as_str())
        .collect()
}

fn ops(f: &FieldDef) -> Option<Vec<Op>> {
    f.operators.clone()
}

// ---------------------------------------------------------------------------------------------
// Loading, round trip, resolve

#[test]
fn every_builtin_loads_and_round_trips() {
    assert_eq!(
        NAMES,
        [
            "accounts",
            "accounts-legacy",
            "portal-groups",
            "portal-accounts"
        ]
    );
    for name in NAMES {
        let s = schema(name);
        assert_eq!(s.name, *name);
        let json = s.to_json();
        let back = Schema::from_json(&json).expect("to_json output loads");
        assert_eq!(
            back.to_json(),
            json,
            "{name}: round trip changes the schema"
        );
        assert_eq!(back.fields.len(), s.fields.len());
        // The embedded source is the same schema.
        let src = builtin::source(name).unwrap();
        assert_eq!(Schema::from_json(src).unwrap().to_json(), json);
    }
    assert!(builtin::builtin("listings").is_none());
    assert!(builtin::source("nope").is_none());
}

#[test]
fn field_counts() {
    assert_eq!(schema("accounts").fields.len(), 45);
    assert_eq!(schema("accounts-legacy").fields.len(), 12);
    assert_eq!(schema("portal-groups").fields.len(), 9);
    assert_eq!(schema("portal-accounts").fields.len(), 6);
}

#[test]
fn resolve_names_and_paths() {
    assert_eq!(builtin::resolve("accounts").unwrap().name, "accounts");
    assert_eq!(
        builtin::resolve("portal-groups").unwrap().name,
        "portal-groups"
    );
    let err = builtin::resolve("/nonexistent.json").unwrap_err();
    assert!(err.to_string().contains("/nonexistent.json"), "{err}");
    // A file path loads the file.
    let path =
        std::env::temp_dir().join(format!("spark-filter-builtin-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"name":"t","fields":[{"name":"T","type":"boolean"}]}"#,
    )
    .unwrap();
    let loaded = builtin::resolve(path.to_str().unwrap());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.unwrap().name, "t");
    // An existing file that is not a schema is an error, not a panic.
    assert!(builtin::resolve(env!("CARGO_MANIFEST_DIR")).is_err());
}

#[test]
fn every_field_cites_its_seed() {
    for name in NAMES {
        for f in &schema(name).fields {
            let seed = &f.doc[..3.min(f.doc.len())];
            assert!(
                ["000", "001", "002", "004"].contains(&seed),
                "{name}.{}: doc does not cite a seed: {:?}",
                f.name,
                f.doc
            );
        }
    }
}

#[test]
fn general_conventions() {
    for name in NAMES {
        for f in &schema(name).fields {
            // "non-searchable fields are orderable false too"
            if !f.searchable {
                assert!(
                    !f.orderable,
                    "{name}.{}: not searchable but orderable",
                    f.name
                );
                assert!(
                    f.access.is_open()
                        && !f.required
                        && f.implicit_eq.is_none()
                        && f.rule.is_none()
                );
            }
            // Several values per record (Emails[].Address, Tags[], Designations{}): nothing to
            // order by. The seed marks every such row "No _orderby support" where it says anything.
            if f.is_multi_valued() {
                assert!(
                    !f.orderable,
                    "{name}.{}: multi-valued but orderable",
                    f.name
                );
            }
            // Character fields fold case.
            assert!(!f.case_sensitive, "{name}.{}", f.name);
            f.record_path().unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// accounts (002)

// 002 Supported Roles: "IDX Yes No / Public Yes No / VOW Yes Yes / Portal Yes Yes / Private Yes Yes"
#[test]
fn accounts_is_open_to_every_role() {
    assert!(schema("accounts").roles.is_empty());
}

// 002: "UserType Character Create Only Yes Yes, required The type of account. Possible values are
// Member, Office and Mls." 004: "UserType (required): One of the following values: Member,
// Office, Company, Mls" (the union is used).
#[test]
fn accounts_user_type_is_required_with_values() {
    let s = schema("accounts");
    let f = field(&s, "UserType");
    assert!(f.searchable && f.required);
    assert_eq!(f.ty, FieldType::Character);
    assert_eq!(
        f.values.as_deref().unwrap(),
        ["Member", "Office", "Company", "Mls"]
    );
    assert_eq!(s.fields.iter().filter(|f| f.required).count(), 1);
}

// 002: "Office Character No No Yes, Eq only The name of the office the user belongs to"
// 002: "Company Character No No Yes, Eq only The name of the company the user belongs to"
#[test]
fn accounts_office_and_company_are_eq_only() {
    let s = schema("accounts");
    for name in ["Office", "Company"] {
        let f = field(&s, name);
        assert!(f.searchable && f.orderable, "{name}");
        assert_eq!(ops(f), Some(vec![Op::Eq]), "{name}");
        assert!(f.allows(Op::Eq) && !f.allows(Op::Ne));
    }
}

// 002: "OfficeId Character Member Only No Yes, Eq only. No _orderby support"
// 002: "CompanyId Character Office Only No Yes, Eq only. No _orderby support"
#[test]
fn accounts_office_id_and_company_id_are_eq_only_not_orderable() {
    let s = schema("accounts");
    for name in ["OfficeId", "CompanyId"] {
        let f = field(&s, name);
        assert!(f.searchable && !f.orderable, "{name}");
        assert_eq!(ops(f), Some(vec![Op::Eq]), "{name}");
    }
}

// 002: "Associations Character List No No Yes, Eq only. No _orderby support"
// 002: "LanguagesSpoken Character List Yes No Yes, Eq only. No _orderby support"
// 002: "Tags Character List Yes No Yes, Eq only. No _orderby support"
#[test]
fn accounts_character_lists_are_eq_only_not_orderable() {
    let s = schema("accounts");
    for name in ["Associations", "LanguagesSpoken", "Tags"] {
        let f = field(&s, name);
        assert_eq!(f.ty, FieldType::CharacterList, "{name}");
        assert!(f.searchable && !f.orderable, "{name}");
        assert_eq!(ops(f), Some(vec![Op::Eq]), "{name}");
        assert_eq!(f.path.as_deref(), Some(format!("{name}[]").as_str()));
        assert!(f.is_multi_valued());
    }
}

// 002: "Designations JSON Object No No Yes, Eq only. No _orderby support A hash with the names of
// the designations associated with the account record as the keys."
#[test]
fn accounts_designations_is_an_object_of_keys() {
    let s = schema("accounts");
    let f = field(&s, "Designations");
    assert_eq!(f.ty, FieldType::Object);
    assert!(f.searchable && !f.orderable);
    assert_eq!(ops(f), Some(vec![Op::Eq]));
    assert_eq!(
        f.record_path().unwrap(),
        vec![PathStep::Key("Designations".into()), PathStep::Keys]
    );
}

// 002: "Name Character All UserTypes but Members No Yes, Eq only The full name of the user."
// 002 Searching by Name: "When a wildcard is used on the account Name attribute and no white space
// is present in the search string, the string will be applied to all words in the name,
// case-insensitive."
#[test]
fn accounts_name_is_eq_only_with_the_word_rule() {
    let s = schema("accounts");
    let f = field(&s, "Name");
    assert!(f.searchable);
    assert_eq!(ops(f), Some(vec![Op::Eq]));
    assert_eq!(f.rule, Some(Rule::NameWords));
    assert!(!f.case_sensitive);
    // No other accounts field carries the rule.
    assert_eq!(
        s.fields
            .iter()
            .filter(|f| f.rule == Some(Rule::NameWords))
            .count(),
        1
    );
}

// 002: "Email Character No No Yes, no _orderby support For searching only. References
// Email.Address."
#[test]
fn accounts_email_searches_email_addresses() {
    let s = schema("accounts");
    let f = field(&s, "Email");
    assert!(f.searchable && !f.orderable);
    assert!(f.operators.is_none());
    assert_eq!(f.path.as_deref(), Some("Emails[].Address"));
}

// 002: "PostalCode Character No No Yes For searching only. References Address.PostalCode."
#[test]
fn accounts_postal_code_searches_addresses() {
    let s = schema("accounts");
    let f = field(&s, "PostalCode");
    assert!(f.searchable);
    assert!(
        !f.orderable,
        "'For searching only' is read as: not for _orderby"
    );
    assert_eq!(f.path.as_deref(), Some("Addresses[].PostalCode"));
}

// 002: "Visible Boolean No No Privileged and Replication roles only If false, the user cannot be
// retrieved in accounts search results without a Privileged or Replication role. If trying to
// search all Members 'Visible Eq true Or Visible Eq false' filter string should be used to
// prevent the default of false."
#[test]
fn accounts_visible_needs_privileged_or_replication_and_defaults_to_true() {
    let s = schema("accounts");
    let f = field(&s, "Visible");
    assert!(f.searchable);
    assert_eq!(f.ty, FieldType::Boolean);
    assert_eq!(
        f.access.grants,
        vec![KeyGrant::Privileged, KeyGrant::Replication]
    );
    assert!(f.access.roles.is_empty() && f.access.user_levels.is_empty());
    assert_eq!(f.implicit_eq, Some(Value::Bool(true)));
    assert_eq!(f.path.as_deref(), Some("Settings.Visible"));
    assert_eq!(
        s.fields.iter().filter(|f| f.implicit_eq.is_some()).count(),
        1
    );
}

// 002: "NrdsId Integer Yes No MLS-level users only"
// 002: "Active Boolean Member/Office UserTypes Only No MLS-level users only"
// 002: "SystemAccess Boolean No No MLS-level users only"
// 002: "Enabled Boolean Member/Office UserTypes Only No MLS-level users only"
#[test]
fn accounts_mls_level_fields() {
    let s = schema("accounts");
    for (name, ty, path) in [
        ("NrdsId", FieldType::Integer, None),
        ("Active", FieldType::Boolean, Some("Settings.Active")),
        (
            "SystemAccess",
            FieldType::Boolean,
            Some("Settings.SystemAccess"),
        ),
        ("Enabled", FieldType::Boolean, Some("Settings.Enabled")),
    ] {
        let f = field(&s, name);
        assert!(f.searchable, "{name}");
        assert_eq!(f.ty, ty, "{name}");
        assert_eq!(f.access.user_levels, vec![UserLevel::Mls], "{name}");
        assert!(
            f.access.grants.is_empty() && f.access.roles.is_empty(),
            "{name}"
        );
        assert_eq!(f.path.as_deref(), path, "{name}");
    }
    let mls_only: BTreeSet<&str> = s
        .fields
        .iter()
        .filter(|f| !f.access.user_levels.is_empty())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        mls_only,
        BTreeSet::from(["NrdsId", "Active", "SystemAccess", "Enabled"])
    );
}

// 002: "\"Phones\".\"Number\" No No Yes Searches for any matching phone number associated with the
// user record. Phone numbers must be in one of the following formats, with a line number and
// prefix always required: 1 555-555-5555 x555 / 1 5555555555 x555"
#[test]
fn accounts_phone_number_rule() {
    let s = schema("accounts");
    let f = field(&s, "\"Phones\".\"Number\"");
    assert!(f.searchable);
    assert_eq!(f.ty, FieldType::Character);
    assert_eq!(f.rule, Some(Rule::Phone));
    assert_eq!(ops(f), Some(vec![Op::Eq, Op::Ne]));
    assert_eq!(f.path.as_deref(), Some("Phones[].Number"));
    assert!(!f.orderable, "several numbers per record");
    assert!(f.is_multi_valued());
}

// 002: "\"PrimaryAddress\".\"City\" No No Yes Example: _filter=\"PrimaryAddress\".\"City\" Eq 'Fargo'"
// 002: "\"Team\".\"Owner\" No No Yes Example: _filter=\"Team\".\"Owner\" Eq false"
#[test]
fn accounts_custom_field_paths() {
    let s = schema("accounts");
    let city = field(&s, "\"PrimaryAddress\".\"City\"");
    assert!(city.searchable);
    assert_eq!(city.ty, FieldType::Character);
    assert_eq!(city.path.as_deref(), Some("PrimaryAddress.City"));
    let owner = field(&s, "\"Team\".\"Owner\"");
    assert!(owner.searchable);
    assert_eq!(owner.ty, FieldType::Boolean);
    assert_eq!(owner.path.as_deref(), Some("Team.Owner"));
}

// 002: "Mls Character No No No", "MarketingName Character No No No", "LicenseNumber Character Yes
// No No", "FbsIdxCustomer Boolean No No No", "GetEmailUpdates Boolean VOW and Portal only Yes No",
// the Permissions and Settings expansion rows with "No", and the password/login rows.
#[test]
fn accounts_no_rows_are_not_searchable() {
    let s = schema("accounts");
    for name in [
        "ResourceId",
        "Id",
        "LoginName",
        "Password",
        "PasswordValidation",
        "Mls",
        "MarketingName",
        "NamesByLocation",
        "LicenseNumber",
        "FbsIdxCustomer",
        "GetEmailUpdates",
        "Editable",
        "EditableSettings",
        "ExternalProducts",
        "FlexmlsProducts",
        "OwnerId",
        "IdxParticipant",
        "MlsSystemAccess",
        "FbsBillable",
    ] {
        let f = field(&s, name);
        assert!(!f.searchable && !f.orderable, "{name}");
    }
    // GetEmailUpdates' Required "Yes" is about writes: it must not be required in filters.
    assert!(!field(&s, "GetEmailUpdates").required);
}

// 002: "UserLevel Character Create Only No Yes", "MlsId Character No No Yes", "FirstName ... Yes",
// "MiddleName ... Yes", "LastName ... Yes", "ShortId Character Yes No Yes"
#[test]
fn accounts_plain_yes_rows() {
    let s = schema("accounts");
    for name in [
        "UserLevel",
        "MlsId",
        "FirstName",
        "MiddleName",
        "LastName",
        "ShortId",
    ] {
        let f = field(&s, name);
        assert!(
            f.searchable && f.orderable && f.operators.is_none() && f.access.is_open(),
            "{name}"
        );
    }
    // "Possible values include all values for UserType as well as Company and Association."
    assert_eq!(
        field(&s, "UserLevel").values.as_deref().unwrap(),
        ["Member", "Office", "Company", "Mls", "Association"]
    );
}

// 002 Settings expansion rows live under Settings, Permissions rows under Permissions.
#[test]
fn accounts_expansion_paths() {
    let s = schema("accounts");
    for (name, path) in [
        ("ExternalProducts", "Settings.ExternalProducts[]"),
        ("FlexmlsProducts", "Settings.FlexmlsProducts[]"),
        ("OwnerId", "Settings.OwnerId"),
        ("IdxParticipant", "Settings.IdxParticipant"),
        ("Visible", "Settings.Visible"),
        ("MlsSystemAccess", "Settings.MlsSystemAccess"),
        ("FbsBillable", "Settings.FbsBillable"),
        ("Editable", "Permissions.Editable"),
        ("EditableSettings", "Permissions.EditableSettings[]"),
    ] {
        assert_eq!(field(&s, name).path.as_deref(), Some(path), "{name}");
    }
}

// 002: "Brokerload.Level", "SearchRestrictions. PostalCode", "SearchRestrictions. PropertyTypes",
// "SearchRestrictions. MlsStatus", "SuperUser.Users", "Profile Fields Various types", and the
// "Permissions Expansion" / "Settings Expansion" header rows are skipped (docs/schemas.md).
#[test]
fn accounts_skipped_rows_are_absent() {
    let s = schema("accounts");
    for name in [
        "Permissions",
        "Settings",
        "Brokerload",
        "SearchRestrictions",
        "SuperUser",
        "Profile",
    ] {
        assert!(s.field_named(name).is_none(), "{name}");
    }
}

#[test]
fn accounts_searchable_set() {
    let s = schema("accounts");
    assert_eq!(
        searchable_set(&s),
        BTreeSet::from([
            "UserType",
            "UserLevel",
            "Office",
            "OfficeId",
            "Company",
            "CompanyId",
            "MlsId",
            "Name",
            "FirstName",
            "MiddleName",
            "LastName",
            "Email",
            "NrdsId",
            "ShortId",
            "Associations",
            "LanguagesSpoken",
            "Tags",
            "Designations",
            "PostalCode",
            "\"Phones\".\"Number\"",
            "\"PrimaryAddress\".\"City\"",
            "\"Team\".\"Owner\"",
            "Visible",
            "Active",
            "SystemAccess",
            "Enabled",
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// accounts-legacy (004)

// 004: "This service is available to API keys with IDX roles. ... Portal permissions returns a
// limited response only for the My Account service; other services are not allowed."
#[test]
fn legacy_roles_are_idx() {
    assert_eq!(schema("accounts-legacy").roles, vec![Role::Idx]);
}

// 004: "The following fields are supported; please note which fields are required. UserType
// (required): One of the following values: Member, Office, Company, Mls / Name / Office / Email /
// PostalCode"
#[test]
fn legacy_searchable_set_is_exact() {
    let s = schema("accounts-legacy");
    assert_eq!(
        searchable_set(&s),
        BTreeSet::from(["UserType", "Name", "Office", "Email", "PostalCode"])
    );
    let ut = field(&s, "UserType");
    assert!(ut.required);
    assert_eq!(
        ut.values.as_deref().unwrap(),
        ["Member", "Office", "Company", "Mls"]
    );
    assert_eq!(field(&s, "Email").path.as_deref(), Some("Emails[].Address"));
    assert_eq!(
        field(&s, "PostalCode").path.as_deref(),
        Some("Addresses[].PostalCode")
    );
}

// 004 documents no "Eq only" restriction and no name rule (that is on the current page only).
#[test]
fn legacy_invents_no_restrictions() {
    let s = schema("accounts-legacy");
    for f in s.fields.iter().filter(|f| f.searchable) {
        assert!(f.operators.is_none(), "{}", f.name);
        assert!(f.access.is_open(), "{}", f.name);
        assert!(f.rule.is_none(), "{}", f.name);
        assert!(f.implicit_eq.is_none(), "{}", f.name);
    }
    assert_eq!(field(&s, "Name").rule, None);
    assert_eq!(
        field(&schema("accounts"), "Name").rule,
        Some(Rule::NameWords)
    );
}

// 004 GET Response example: "Id", "OfficeId", "Company", "CompanyId", "Mls", "MlsId" are returned
// but not searchable: a filter on them must be not_searchable, not unknown_field.
#[test]
fn legacy_response_fields_are_known_but_not_searchable() {
    let s = schema("accounts-legacy");
    for name in [
        "Id",
        "OfficeId",
        "Company",
        "CompanyId",
        "Mls",
        "MlsId",
        "GetEmailUpdates",
    ] {
        let f = field(&s, name);
        assert!(!f.searchable, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// portal-groups (001, 003)

// 001/003 Supported Roles: "IDX No No / Public No No / VOW Yes No / Portal Yes No / Private Yes Yes"
#[test]
fn portal_groups_roles() {
    let roles = schema("portal-groups").roles;
    assert_eq!(roles, vec![Role::Vow, Role::Portal, Role::Private]);
    assert!(!roles.contains(&Role::Idx) && !roles.contains(&Role::Public));
}

// 001/003: "Name Character Yes The name of the user. Only the name of the Portal Group owner
// (specified by ContactId) is searchable." SPEC 7: "only Name is searchable, and it means the
// group owner's name".
#[test]
fn portal_groups_only_the_owner_name_is_searchable() {
    let s = schema("portal-groups");
    assert_eq!(searchable_set(&s), BTreeSet::from(["Name"]));
    let f = field(&s, "Name");
    assert_eq!(f.path.as_deref(), Some("Name"));
    assert_eq!(f.ty, FieldType::Character);
    assert_eq!(
        f.rule, None,
        "the word rule is documented for accounts only"
    );
    // "Active Boolean Yes ..." is not searchable either (SPEC 7).
    assert!(!field(&s, "Active").searchable);
}

// 001/003: every attribute row, each name once; "LastLogin Timestamp No" is a datetime; the
// Users expansion rows live under Users[].
#[test]
fn portal_groups_rows() {
    let s = schema("portal-groups");
    let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Id",
            "ResourceUri",
            "ContactId",
            "Tags",
            "Active",
            "Enabled",
            "Name",
            "LastLogin",
            "UserType"
        ]
    );
    assert_eq!(field(&s, "LastLogin").ty, FieldType::Datetime);
    assert_eq!(field(&s, "Tags").ty, FieldType::CharacterList);
    for (name, path) in [
        ("Active", "Users[].Active"),
        ("Enabled", "Users[].Enabled"),
        ("LastLogin", "Users[].LastLogin"),
        ("UserType", "Users[].UserType"),
    ] {
        assert_eq!(field(&s, name).path.as_deref(), Some(path), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// portal-accounts (000)

// 000 Supported Roles: every role reads. Response Description: "Attribute Data Type Writeable
// Required Description" (no Searchable column), and the service has no search endpoint.
#[test]
fn portal_accounts_has_no_searchable_field() {
    let s = schema("portal-accounts");
    assert!(s.roles.is_empty());
    assert!(searchable_set(&s).is_empty());
    // "LastActive Timestamp No No", "LastLogin Timestamp No No"
    assert_eq!(field(&s, "LastActive").ty, FieldType::Datetime);
    assert_eq!(field(&s, "LastLogin").ty, FieldType::Datetime);
    for name in ["ResourceUri", "Id", "OwnerId", "Enabled"] {
        assert!(!field(&s, name).searchable, "{name}");
    }
    // Dotted rows (Identity.Connected, Identity.Email, Locale.Language) are skipped.
    assert!(s.field_named("Identity").is_none() && s.field_named("Locale").is_none());
}

// ---------------------------------------------------------------------------------------------
// Sample records (tests/data/samples/<schema>.jsonl)

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples")
}

fn leaf_fits(ty: FieldType, v: &Value) -> bool {
    match ty {
        FieldType::Character
        | FieldType::Date
        | FieldType::Datetime
        | FieldType::Time
        | FieldType::CharacterList
        | FieldType::Object => v.is_string(),
        FieldType::Integer => v.is_i64(),
        FieldType::Decimal => v.is_number(),
        FieldType::Boolean => v.is_boolean(),
    }
}

fn read_samples(stem: &str) -> Vec<Value> {
    let path = samples_dir().join(format!("{stem}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{stem}: {e}: {l}")))
        .collect()
}

/// Checks `records` against `schema`: every path parses, every value found at a path has the
/// field's type, and (with `require_values`) every searchable field has a value in some record.
fn check_records(what: &str, s: &Schema, records: &[Value], require_values: bool) {
    for f in &s.fields {
        let text = f.path.clone().unwrap_or_else(|| f.name.clone());
        let steps = parse_path(&text).unwrap_or_else(|e| panic!("{}.{}: {e}", s.name, f.name));
        if f.ty == FieldType::CharacterList {
            assert_eq!(steps.last(), Some(&PathStep::Each), "{}.{}", s.name, f.name);
        }
        if f.ty == FieldType::Object && !f.searchable {
            continue; // a plain JSON object (NamesByLocation), never compared
        }
        if f.ty == FieldType::Object {
            assert_eq!(steps.last(), Some(&PathStep::Keys), "{}.{}", s.name, f.name);
        }
        let mut present = 0;
        for r in records {
            assert!(r.is_object(), "{what}: a record is not an object");
            let mut found = Vec::new();
            support::walk(r, &steps, &mut found);
            for v in found.iter().filter(|v| !v.is_null()) {
                assert!(
                    leaf_fits(f.ty, v),
                    "{what}: {}.{} at {text}: {v} is not a {}",
                    s.name,
                    f.name,
                    f.ty
                );
                present += 1;
            }
        }
        if require_values && f.searchable {
            assert!(
                present > 0,
                "{what}: no record has a value for searchable {}.{}",
                s.name,
                f.name
            );
        }
    }
}

/// The schemas whose records `stem` holds: accounts-legacy shares the accounts shape.
fn schemas_for(stem: &str) -> Vec<Schema> {
    match stem {
        "accounts" => vec![schema("accounts"), schema("accounts-legacy")],
        other => vec![schema(other)],
    }
}

#[test]
fn sample_records_follow_their_schema() {
    let mut stems = Vec::new();
    for entry in std::fs::read_dir(samples_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("jsonl") {
            stems.push(path.file_stem().unwrap().to_str().unwrap().to_string());
        }
    }
    stems.sort();
    assert_eq!(stems, ["accounts", "portal-accounts", "portal-groups"]);
    for stem in &stems {
        let records = read_samples(stem);
        assert!(
            (5..=10).contains(&records.len()),
            "{stem}: {} records",
            records.len()
        );
        for s in schemas_for(stem) {
            check_records(stem, &s, &records, true);
        }
    }
}

/// The ```json blocks of a file under docs/.
fn doc_json_blocks(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut blocks = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```json\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("unterminated code block");
        blocks.push(
            serde_json::from_str(&body[..end])
                .unwrap_or_else(|e| panic!("{file}: a json block does not parse: {e}")),
        );
        rest = &body[end + 3..];
    }
    blocks
}

// docs/schemas.md: the minimal schema and the example schema load.
#[test]
fn docs_schema_examples_load() {
    let blocks = doc_json_blocks("schemas.md");
    assert_eq!(blocks.len(), 2);
    for b in blocks {
        let s = Schema::from_json(&b.to_string()).unwrap_or_else(|e| panic!("{e}: {b}"));
        assert_eq!(
            Schema::from_json(&s.to_json()).unwrap().to_json(),
            s.to_json()
        );
    }
}

// docs/records.md: the example record of each service follows its schema.
#[test]
fn docs_example_records_follow_their_schema() {
    let blocks = doc_json_blocks("records.md");
    assert_eq!(blocks.len(), 3);
    for (stem, record) in ["accounts", "portal-groups", "portal-accounts"]
        .iter()
        .zip(&blocks)
    {
        for s in schemas_for(stem) {
            check_records(
                &format!("records.md {stem}"),
                &s,
                std::slice::from_ref(record),
                false,
            );
        }
    }
    // The accounts example has a value for every searchable accounts field.
    check_records(
        "records.md accounts",
        &schema("accounts"),
        &blocks[..1],
        true,
    );
    check_records(
        "records.md portal-groups",
        &schema("portal-groups"),
        &blocks[1..2],
        true,
    );
}

// docs/records.md: the portal group's top-level Name is the name of the Users[] element whose Id
// equals ContactId (null when that user is absent).
#[test]
fn portal_group_samples_carry_the_owner_name() {
    for r in read_samples("portal-groups") {
        let line = r.to_string();
        let owner = r["Users"].as_array().and_then(|users| {
            users
                .iter()
                .find(|u| u["Id"] == r["ContactId"])
                .map(|u| u["Name"].clone())
        });
        let name = r.get("Name").cloned().unwrap_or(Value::Null);
        assert_eq!(name, owner.unwrap_or(Value::Null), "{line}");
    }
}

// docs/records.md: PrimaryAddress is a copy of the Addresses[] element with Primary true.
#[test]
fn account_samples_carry_the_primary_address() {
    for r in read_samples("accounts") {
        let line = r.to_string();
        let primary = r["Addresses"].as_array().and_then(|a| {
            a.iter()
                .find(|x| x["Primary"] == Value::Bool(true))
                .cloned()
        });
        match primary {
            Some(p) => assert_eq!(r["PrimaryAddress"], p, "{line}"),
            None => assert!(r["PrimaryAddress"].is_null(), "{line}"),
        }
    }
}
