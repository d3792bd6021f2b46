//! The routes of the three seed pages (SPEC 10), each handler a row of its page: who may
//! call it (Supported Roles, 1500 otherwise), what it reads or writes, and 405 for what the
//! page marks "Not implemented".

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use serde_json::{Map, Value, json};
use spark_filter::plan::Role;

use super::AppState;
use super::db::{Change, Scope, ScopeValue, Table};
use super::envelope::{ApiError, library, written};
use super::keys::Authed;
use super::search::{self, Route};

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Authed, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if header.is_none() {
            return Err(ApiError::unauthorized(
                "no API key: send the header Authorization: Bearer <key>",
            ));
        }
        state
            .keys
            .authenticate(header)
            .ok_or_else(|| ApiError::unauthorized("the API key is not valid"))
    }
}

type Answer = Result<Response, ApiError>;

// ---- the services and their Supported Roles ----------------------------------------------

/// Accounts (seed 002): Supported Roles — reads: every role; writes: VOW, Portal, Private.
/// Its expansions (roles, single record only) are the schema's (`src/plan/builtin/accounts.json`).
///
/// Attributes the accounts routes never show: `GetEmailUpdates` is seen only through
/// `/my/account`, and passwords are write-only (seed 002).
const ACCOUNT_HIDDEN: &[&str] = &["GetEmailUpdates", "Password", "PasswordValidation"];

fn portal_groups_may(who: &Authed, write: bool) -> Result<(), ApiError> {
    // Seeds 001/003: IDX No/No, Public No/No, VOW Yes/No, Portal Yes/No, Private Yes/Yes.
    let role = who.caller.role;
    let ok = if write {
        role == Role::Private
    } else {
        matches!(role, Role::Vow | Role::Portal | Role::Private)
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "the {} role may not {} Portal Groups; {}",
            role.as_str(),
            if write { "change" } else { "read" },
            if write {
                "only the Private role writes them"
            } else {
                "VOW, Portal and Private roles read them"
            }
        )))
    }
}

fn id_scope(id: &str) -> Scope {
    Scope {
        path: &["Id"],
        value: ScopeValue::Text(id.to_string()),
    }
}

// ---- shared steps ---------------------------------------------------------------------------

async fn run_search(
    state: &AppState,
    who: &Authed,
    raw: &str,
    table: &Table,
    route: Route,
) -> Answer {
    let ran = search::run(&state.db, &state.token_key, &who.caller, raw, table, &route).await?;
    Ok(library(match ran {
        Ok(ran) => ran.respond(),
        Err(refused) => refused,
    }))
}

/// The `D` object of a JSON write body.
fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::parameter(
            "body",
            format!("the body is not JSON ({e}); send {{\"D\":{{…}}}}"),
        )
    })?;
    match value {
        Value::Object(mut outer) => match outer.remove("D") {
            Some(Value::Object(d)) => Ok(d),
            _ => Err(ApiError::parameter("body", "the body must be {\"D\":{…}}")),
        },
        _ => Err(ApiError::parameter("body", "the body must be {\"D\":{…}}")),
    }
}

fn only(d: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    for k in d.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::parameter(
                k,
                format!(
                    "{k} cannot be written here; writable: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A new 26-digit Id in the seed's style (time, then a counter).
fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) % 1_000_000;
    format!("{}{n:06}", chrono::Utc::now().format("%Y%m%d%H%M%S%6f"))
}

async fn modify(
    state: &AppState,
    table: &'static str,
    key: Scope,
    f: impl FnMut(Option<Value>) -> Result<Option<Change>, ApiError> + Send + 'static,
) -> Result<Option<Value>, ApiError> {
    let table = state.table(table).clone();
    state.db.modify(table, key, f).await
}

async fn not_implemented(_: Authed) -> ApiError {
    ApiError::method_not_allowed()
}

// ---- Accounts (seed 002) -----------------------------------------------------------------

fn account_route(scope: Option<Scope>, single: bool) -> Route {
    Route {
        scope,
        single,
        hidden: ACCOUNT_HIDDEN,
        probe: Some("UserType Eq 'Member'"),
        ..Route::default()
    }
}

async fn accounts_get(State(s): State<AppState>, who: Authed, RawQuery(q): RawQuery) -> Answer {
    run_search(
        &s,
        &who,
        q.as_deref().unwrap_or(""),
        &s.accounts,
        account_route(None, false),
    )
    .await
}

async fn accounts_post(State(s): State<AppState>, who: Authed, body: Bytes) -> Answer {
    account_admin(&who)?;
    let d = body_object(&body)?;
    let record = new_account(d)?;
    let id = record["Id"].as_str().unwrap_or_default().to_string();
    let mut pending = Some(record);
    let out = modify(&s, "accounts", id_scope(&id), move |current| {
        if current.is_some() {
            return Err(ApiError::parameter("Id", "an account with this Id exists"));
        }
        Ok(pending.take().map(Change::Put))
    })
    .await?;
    Ok(written(out.into_iter().collect()))
}

/// Account creation and update are the exclusive grant of seed 002 ("Private roles may be
/// given write access when granted exclusive permissions"): a Privileged Private key.
fn account_admin(who: &Authed) -> Result<(), ApiError> {
    if who.caller.role == Role::Private && who.caller.privileged {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "creating and updating accounts needs a Privileged key of the Private role",
        ))
    }
}

const ACCOUNT_WRITABLE: &[&str] = &[
    "Name",
    "FirstName",
    "MiddleName",
    "LastName",
    "Emails",
    "Phones",
    "Websites",
    "Addresses",
    "LicenseNumber",
    "ShortId",
    "LanguagesSpoken",
    "Tags",
    "OfficeId",
    "NrdsId",
];

fn check_account_fields(d: &Map<String, Value>) -> Result<(), ApiError> {
    for (k, v) in d {
        let ok = match k.as_str() {
            "Emails" | "Phones" | "Websites" | "Addresses" => {
                v.as_array().is_some_and(|a| a.iter().all(Value::is_object))
            }
            "LanguagesSpoken" | "Tags" => {
                v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            }
            "NrdsId" => v.is_i64() || v.is_null(),
            _ => v.is_string() || v.is_null(),
        };
        if !ok {
            return Err(ApiError::parameter(k, format!("{k} has the wrong type")));
        }
    }
    Ok(())
}

/// Fills `Number` of each phone from its parts, as the GET response shows it.
fn phone_numbers(record: &mut Map<String, Value>) {
    if let Some(Value::Array(phones)) = record.get_mut("Phones") {
        for phone in phones.iter_mut().filter_map(Value::as_object_mut) {
            if phone.get("Number").is_none_or(Value::is_null) {
                let part = |k: &str| {
                    phone
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let number = [part("AreaCode"), part("Prefix"), part("LineNumber")]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("-");
                phone.insert("Number".into(), Value::String(number));
            }
        }
    }
}

fn new_account(mut d: Map<String, Value>) -> Result<Value, ApiError> {
    let user_type = d.remove("UserType");
    let user_level = d.remove("UserLevel");
    only(&d, ACCOUNT_WRITABLE)?;
    check_account_fields(&d)?;
    let user_type = match user_type.as_ref().and_then(Value::as_str) {
        Some(t @ ("Member" | "Office" | "Mls")) => t.to_string(),
        _ => {
            return Err(ApiError::parameter(
                "UserType",
                "UserType is required: Member, Office or Mls",
            ));
        }
    };
    let level = match user_level.as_ref().and_then(Value::as_str) {
        None => user_type.clone(),
        Some(l @ ("Member" | "Office" | "Company" | "Mls" | "Association")) => l.to_string(),
        Some(_) => {
            return Err(ApiError::parameter(
                "UserLevel",
                "UserLevel must be Member, Office, Company, Mls or Association",
            ));
        }
    };
    if !d.contains_key("Name") {
        let first = d.get("FirstName").and_then(Value::as_str).unwrap_or("");
        let last = d.get("LastName").and_then(Value::as_str).unwrap_or("");
        let name = format!("{first} {last}").trim().to_string();
        if name.is_empty() {
            return Err(ApiError::parameter(
                "Name",
                "give Name (or FirstName and LastName)",
            ));
        }
        d.insert("Name".into(), Value::String(name));
    }
    let id = new_id();
    d.insert("Id".into(), Value::String(id.clone()));
    d.insert(
        "ResourceUri".into(),
        Value::String(format!("/v1/accounts/{id}")),
    );
    d.insert("UserType".into(), Value::String(user_type));
    d.insert("UserLevel".into(), Value::String(level));
    d.insert(
        "Settings".into(),
        json!({"Active": true, "Enabled": true, "Visible": true}),
    );
    phone_numbers(&mut d);
    Ok(Value::Object(d))
}

async fn account_get(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    run_search(
        &s,
        &who,
        q.as_deref().unwrap_or(""),
        &s.accounts,
        account_route(Some(id_scope(&id)), true),
    )
    .await
}

async fn account_put(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    account_admin(&who)?;
    let d = body_object(&body)?;
    only(&d, ACCOUNT_WRITABLE)?;
    check_account_fields(&d)?;
    let out = modify(&s, "accounts", id_scope(&id), move |current| {
        let Some(Value::Object(mut record)) = current else {
            return Err(ApiError::not_found("no account with that Id"));
        };
        for (k, v) in &d {
            record.insert(k.clone(), v.clone());
        }
        phone_numbers(&mut record);
        Ok(Some(Change::Put(Value::Object(record))))
    })
    .await?;
    Ok(written(out.into_iter().map(hide_account).collect()))
}

fn hide_account(mut v: Value) -> Value {
    search::hide(&mut v, ACCOUNT_HIDDEN);
    v
}

async fn accounts_by_office(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    let scope = Scope {
        path: &["OfficeId"],
        value: ScopeValue::Text(id),
    };
    run_search(
        &s,
        &who,
        q.as_deref().unwrap_or(""),
        &s.accounts,
        account_route(Some(scope), false),
    )
    .await
}

async fn teams_get(State(s): State<AppState>, who: Authed, RawQuery(q): RawQuery) -> Answer {
    let scope = Scope {
        path: &["Team", "Owner"],
        value: ScopeValue::True,
    };
    run_search(
        &s,
        &who,
        q.as_deref().unwrap_or(""),
        &s.accounts,
        account_route(Some(scope), false),
    )
    .await
}

async fn team_get(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    let scope = Scope {
        path: &["Team", "Id"],
        value: ScopeValue::Text(id),
    };
    run_search(
        &s,
        &who,
        q.as_deref().unwrap_or(""),
        &s.accounts,
        account_route(Some(scope), false),
    )
    .await
}

fn my_id(who: &Authed) -> Result<String, ApiError> {
    who.user_id
        .clone()
        .ok_or_else(|| ApiError::not_found("this API key has no user_id, so it has no account"))
}

async fn my_account_get(State(s): State<AppState>, who: Authed, RawQuery(q): RawQuery) -> Answer {
    let id = my_id(&who)?;
    let route = Route {
        scope: Some(id_scope(&id)),
        single: true,
        hidden: &["Password", "PasswordValidation"],
        probe: Some("UserType Eq 'Member'"),
        ..Route::default()
    };
    run_search(&s, &who, q.as_deref().unwrap_or(""), &s.accounts, route).await
}

async fn my_account_put(State(s): State<AppState>, who: Authed, body: Bytes) -> Answer {
    // Seed 002: "Modifies user settings — VOW and Portal roles only".
    if !matches!(who.caller.role, Role::Vow | Role::Portal) {
        return Err(ApiError::forbidden(
            "PUT /my/account is for the VOW and Portal roles only",
        ));
    }
    let d = body_object(&body)?;
    only(&d, &["GetEmailUpdates"])?;
    let Some(flag) = d.get("GetEmailUpdates").and_then(Value::as_bool) else {
        return Err(ApiError::parameter(
            "GetEmailUpdates",
            "GetEmailUpdates must be true or false",
        ));
    };
    let id = my_id(&who)?;
    let out = modify(&s, "accounts", id_scope(&id), move |current| {
        let Some(Value::Object(mut record)) = current else {
            return Err(ApiError::not_found("this API key's account does not exist"));
        };
        record.insert("GetEmailUpdates".into(), Value::Bool(flag));
        Ok(Some(Change::Put(Value::Object(record))))
    })
    .await?;
    Ok(written(out.into_iter().collect()))
}

// ---- Portal Groups (seeds 001, 003) --------------------------------------------------------

fn groups_route() -> Route {
    Route {
        filter_required: true,
        default_order: Some("Name"),
        ..Route::default()
    }
}

async fn groups_get(State(s): State<AppState>, who: Authed, RawQuery(q): RawQuery) -> Answer {
    portal_groups_may(&who, false)?;
    run_search(
        &s,
        &who,
        q.as_deref().unwrap_or(""),
        &s.groups,
        groups_route(),
    )
    .await
}

async fn group_get(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    portal_groups_may(&who, false)?;
    let route = Route {
        scope: Some(id_scope(&id)),
        single: true,
        ..Route::default()
    };
    run_search(&s, &who, q.as_deref().unwrap_or(""), &s.groups, route).await
}

/// The `Users` entries of a write body: contacts that have a portal account.
async fn group_users(s: &AppState, d: &Map<String, Value>) -> Result<Option<Vec<Value>>, ApiError> {
    let Some(users) = d.get("Users") else {
        return Ok(None);
    };
    let Some(users) = users.as_array() else {
        return Err(ApiError::parameter(
            "Users",
            "Users must be a list of {\"Id\":\"…\"}",
        ));
    };
    let mut out = Vec::new();
    for u in users {
        let Some(id) = u.get("Id").and_then(Value::as_str) else {
            return Err(ApiError::parameter(
                "Users",
                "each user must be {\"Id\":\"…\"}",
            ));
        };
        let portal = portal_of(s, id).await?.ok_or_else(|| {
            ApiError::parameter("Users", format!("contact {id} has no portal account"))
        })?;
        out.push(json!({
            "Id": id,
            "ResourceUri": format!("/v1/contacts/{id}"),
            "UserType": "Contact",
            "Name": Value::Null,
            "Enabled": portal.get("Enabled").cloned().unwrap_or(Value::Bool(true)),
            "LastLogin": portal.get("LastLogin").cloned().unwrap_or(Value::Null),
            "Office": Value::Null, "OfficeId": Value::Null,
            "Company": Value::Null, "CompanyId": Value::Null,
        }));
    }
    Ok(Some(out))
}

async fn group_post(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    portal_groups_may(&who, true)?;
    let d = body_object(&body)?;
    only(&d, &["Users"])?;
    let Some(users) = group_users(&s, &d).await?.filter(|u| !u.is_empty()) else {
        return Err(ApiError::parameter("Users", "give the Users to add"));
    };
    modify(&s, "portal-groups", id_scope(&id), move |current| {
        let Some(Value::Object(mut group)) = current else {
            return Err(ApiError::not_found("no portal group with that Id"));
        };
        let list = group.entry("Users").or_insert_with(|| json!([]));
        if !list.is_array() {
            *list = json!([]);
        }
        if let Some(list) = list.as_array_mut() {
            for u in &users {
                if !list.iter().any(|x| x.get("Id") == u.get("Id")) {
                    list.push(u.clone());
                }
            }
        }
        Ok(Some(Change::Put(Value::Object(group))))
    })
    .await?;
    Ok(written(Vec::new()))
}

async fn group_put(
    State(s): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    portal_groups_may(&who, true)?;
    let d = body_object(&body)?;
    only(&d, &["Users", "Tags"])?;
    let tags = match d.get("Tags") {
        None => None,
        Some(Value::Array(t)) if t.iter().all(Value::is_string) => Some(Value::Array(t.clone())),
        Some(_) => {
            return Err(ApiError::parameter(
                "Tags",
                "Tags must be a list of strings",
            ));
        }
    };
    let users = group_users(&s, &d).await?;
    if users.is_none() && tags.is_none() {
        return Err(ApiError::parameter("body", "give Users, Tags or both"));
    }
    modify(&s, "portal-groups", id_scope(&id), move |current| {
        let Some(Value::Object(mut group)) = current else {
            return Err(ApiError::not_found("no portal group with that Id"));
        };
        if let Some(users) = &users {
            group.insert("Users".into(), Value::Array(users.clone()));
        }
        if let Some(tags) = &tags {
            group.insert("Tags".into(), tags.clone());
        }
        Ok(Some(Change::Put(Value::Object(group))))
    })
    .await?;
    Ok(written(Vec::new()))
}

async fn group_delete(State(s): State<AppState>, who: Authed, Path(id): Path<String>) -> Answer {
    portal_groups_may(&who, true)?;
    modify(
        &s,
        "portal-groups",
        id_scope(&id),
        |current| match current {
            None => Err(ApiError::not_found("no portal group with that Id")),
            Some(_) => Ok(Some(Change::Delete)),
        },
    )
    .await?;
    Ok(written(Vec::new()))
}

async fn group_member_delete(
    State(s): State<AppState>,
    who: Authed,
    Path((id, user)): Path<(String, String)>,
) -> Answer {
    portal_groups_may(&who, true)?;
    modify(&s, "portal-groups", id_scope(&id), move |current| {
        let Some(Value::Object(mut group)) = current else {
            return Err(ApiError::not_found("no portal group with that Id"));
        };
        let Some(Value::Array(list)) = group.get_mut("Users") else {
            return Err(ApiError::not_found("the group has no such user"));
        };
        let before = list.len();
        list.retain(|u| u.get("Id").and_then(Value::as_str) != Some(user.as_str()));
        if list.len() == before {
            return Err(ApiError::not_found("the group has no such user"));
        }
        Ok(Some(Change::Put(Value::Object(group))))
    })
    .await?;
    Ok(written(Vec::new()))
}

// ---- Contacts: Portal Accounts (seed 000) ----------------------------------------------------

fn portal_key(contact: &str) -> Scope {
    Scope {
        path: &["ResourceUri"],
        value: ScopeValue::Text(format!("/v1/contacts/{contact}/portal")),
    }
}

async fn portal_of(s: &AppState, contact: &str) -> Result<Option<Value>, ApiError> {
    let route = Route {
        scope: Some(portal_key(contact)),
        single: true,
        ..Route::default()
    };
    let caller = spark_filter::plan::Caller::new(Role::Private);
    let ran = search::run(&s.db, &s.token_key, &caller, "", &s.portals, &route).await;
    match ran {
        Ok(Ok(ran)) => Ok(ran.records.into_iter().next()),
        Ok(Err(refused)) => {
            // An empty request for one record by Id is not refused; if it were, it is the
            // server's mistake, not the caller's.
            tracing::error!(body = %refused.to_json(), "portal account lookup refused");
            Err(ApiError::internal())
        }
        Err(e) if e.code == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

async fn portal_get(
    State(s): State<AppState>,
    who: Authed,
    Path(contact): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    // Seed 000: every role reads; a VOW or Portal key reads only its own contact's account.
    if matches!(who.caller.role, Role::Vow | Role::Portal)
        && who.user_id.as_deref() != Some(contact.as_str())
    {
        return Err(ApiError::forbidden(
            "a VOW or Portal key reads only its own contact's portal account",
        ));
    }
    let route = Route {
        scope: Some(portal_key(&contact)),
        single: true,
        ..Route::default()
    };
    run_search(&s, &who, q.as_deref().unwrap_or(""), &s.portals, route).await
}

fn portal_settings(
    d: &Map<String, Value>,
    record: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    only(d, &["Settings", "Locale"])?;
    if let Some(settings) = d.get("Settings") {
        let Some(settings) = settings.as_object() else {
            return Err(ApiError::parameter(
                "Settings",
                "Settings must be an object",
            ));
        };
        only(settings, &["Enabled"])?;
        if let Some(enabled) = settings.get("Enabled") {
            let Some(b) = enabled.as_bool() else {
                return Err(ApiError::parameter(
                    "Enabled",
                    "Settings.Enabled must be true or false",
                ));
            };
            record.insert("Enabled".into(), Value::Bool(b));
        }
    }
    if let Some(locale) = d.get("Locale") {
        let language = locale.get("Language").and_then(Value::as_str);
        match (locale.as_object().map(|o| o.len()), language) {
            (Some(1), Some(l)) => {
                record.insert("Locale".into(), json!({ "Language": l }));
            }
            _ => {
                return Err(ApiError::parameter(
                    "Locale",
                    "Locale must be {\"Language\":\"…\"}",
                ));
            }
        }
    }
    Ok(())
}

async fn portal_post(
    State(s): State<AppState>,
    who: Authed,
    Path(contact): Path<String>,
    body: Bytes,
) -> Answer {
    // Seed 000: IDX writes (portal creation only) and Private writes.
    if !matches!(who.caller.role, Role::Idx | Role::Private) {
        return Err(ApiError::forbidden(
            "only IDX and Private roles create portal accounts",
        ));
    }
    let d = body_object(&body)?;
    let mut record = Map::new();
    record.insert(
        "ResourceUri".into(),
        Value::String(format!("/v1/contacts/{contact}/portal")),
    );
    record.insert("Id".into(), Value::String(new_id()));
    record.insert(
        "OwnerId".into(),
        who.user_id.clone().map_or(Value::Null, Value::String),
    );
    record.insert("LastActive".into(), Value::Null);
    record.insert("LastLogin".into(), Value::Null);
    record.insert("Locale".into(), json!({"Language": "en"}));
    record.insert("Identity".into(), json!({"Connected": false, "Email": ""}));
    record.insert("Enabled".into(), Value::Bool(true));
    portal_settings(&d, &mut record)?;
    let mut pending = Some(Value::Object(record));
    let out = modify(
        &s,
        "portal-accounts",
        portal_key(&contact),
        move |current| {
            if current.is_some() {
                return Err(ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    409,
                    "this contact already has a portal account; use PUT to change it",
                ));
            }
            Ok(pending.take().map(Change::Put))
        },
    )
    .await?;
    Ok(written(out.into_iter().collect()))
}

async fn portal_put(
    State(s): State<AppState>,
    who: Authed,
    Path(contact): Path<String>,
    body: Bytes,
) -> Answer {
    if who.caller.role != Role::Private {
        return Err(ApiError::forbidden(
            "only the Private role updates portal accounts",
        ));
    }
    let d = body_object(&body)?;
    portal_settings(&d, &mut Map::new())?;
    let out = modify(
        &s,
        "portal-accounts",
        portal_key(&contact),
        move |current| {
            let Some(Value::Object(mut record)) = current else {
                return Err(ApiError::not_found("this contact has no portal account"));
            };
            portal_settings(&d, &mut record)?;
            Ok(Some(Change::Put(Value::Object(record))))
        },
    )
    .await?;
    Ok(written(out.into_iter().collect()))
}

// ---- the router ----------------------------------------------------------------------------

/// A read-only route: GET, and 405 for every other method the page lists (a `POST` with
/// `X-HTTP-Method-Override: GET` arrives here as a GET; see `super::method_override`).
fn read_only<H, T>(handler: H) -> MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    get(handler)
        .post(not_implemented)
        .put(not_implemented)
        .delete(not_implemented)
}

/// Every route of the three seed pages, under `/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/accounts",
            get(accounts_get)
                .post(accounts_post)
                .put(not_implemented)
                .delete(not_implemented),
        )
        .route("/v1/accounts/report", read_only(accounts_get))
        .route("/v1/accounts/roster", read_only(accounts_get))
        .route("/v1/accounts/teams", read_only(teams_get))
        .route("/v1/accounts/teams/{id}", read_only(team_get))
        .route("/v1/accounts/by/office/{id}", read_only(accounts_by_office))
        .route(
            "/v1/accounts/{id}",
            get(account_get)
                .put(account_put)
                .post(not_implemented)
                .delete(not_implemented),
        )
        .route("/v1/accounts/{id}/report", read_only(account_get))
        .route("/v1/accounts/{id}/roster", read_only(account_get))
        .route(
            "/v1/my/account",
            get(my_account_get)
                .put(my_account_put)
                .post(not_implemented)
                .delete(not_implemented),
        )
        .route("/v1/portal/groups", read_only(groups_get))
        .route(
            "/v1/portal/groups/{id}",
            get(group_get)
                .post(group_post)
                .put(group_put)
                .delete(group_delete),
        )
        .route(
            "/v1/portal/groups/{id}/users/{user}",
            get(not_implemented)
                .post(not_implemented)
                .put(not_implemented)
                .delete(group_member_delete),
        )
        .route(
            "/v1/contacts/{id}/portal",
            get(portal_get)
                .post(portal_post)
                .put(portal_put)
                .delete(not_implemented),
        )
}
