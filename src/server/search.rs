//! The request contract of SPEC 9 for the server's search routes: query-string (or form
//! body) parameters → a plan, compiled SQL and the response's `Pagination`.
//!
//! This is the server-side shim for issue 11a's library request layer (`src/request/`),
//! which will replace it; it implements `_filter`, `_orderby`, `_limit`, `_page`, `_skip`,
//! `_pagination`, `_select` and `_expand`, and refuses `_skiptoken` (1053) for now.

use serde_json::{Value, json};
use spark_filter::plan::{self, Caller, Node, Plan, PlanOptions};
use spark_filter::sql::{self, Paging, Param};

use super::db::{Compiled, Db, Scope, Table};
use super::envelope::ApiError;

/// The parameters of one request, each at most once.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// The parameters a search takes.
const KNOWN: &[&str] = &[
    "_filter",
    "_orderby",
    "_limit",
    "_page",
    "_skip",
    "_skiptoken",
    "_pagination",
    "_select",
    "_expand",
];

impl Params {
    /// Parses `a=b&c=d` exactly as received: `+` is a space, `%XX` a byte, the bytes UTF-8.
    /// A parameter given twice, an unknown one, or bad encoding is 1053.
    pub fn parse(raw: &str) -> Result<Params, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let k = decode(k).ok_or_else(|| {
                ApiError::parameter("query", "a parameter name is not percent-encoded UTF-8")
            })?;
            let v = decode(v).ok_or_else(|| {
                ApiError::parameter(&k, format!("{k}: the value is not percent-encoded UTF-8"))
            })?;
            if !KNOWN.contains(&k.as_str()) {
                return Err(ApiError::parameter(
                    &k,
                    format!(
                        "unknown parameter {k:?}; the parameters are {}",
                        KNOWN.join(", ")
                    ),
                ));
            }
            if pairs.iter().any(|(name, _)| *name == k) {
                return Err(ApiError::parameter(
                    &k,
                    format!("{k} is given more than once"),
                ));
            }
            pairs.push((k, v));
        }
        Ok(Params { pairs })
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, name: &str, min: u64, max: u64) -> Result<Option<u64>, ApiError> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        match text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::parameter(
                name,
                format!("{name} must be an integer from {min} to {max}"),
            )),
        }
    }
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// An expansion of a service's Expansions table.
#[derive(Clone, Copy, Debug)]
pub struct Expansion {
    /// The attribute name.
    pub name: &'static str,
    /// Only the Private role may ask for it.
    pub private_only: bool,
    /// Only for a single record (a request by Id or `_limit=1`).
    pub single_only: bool,
}

/// What a route adds to a search.
#[derive(Clone, Debug, Default)]
pub struct Route {
    /// A condition of the route itself (`/accounts/by/office/<Id>`).
    pub scope: Option<Scope>,
    /// A request for one record by Id.
    pub single: bool,
    /// `_filter` must be given (Portal Groups).
    pub filter_required: bool,
    /// The order when `_orderby` is absent.
    pub default_order: Option<&'static str>,
    /// Attributes removed from every result (besides unrequested expansions).
    pub hidden: &'static [&'static str],
    /// For a scoped list route of a service that requires a field in every filter (Accounts:
    /// `UserType`): a filter whose implicit conditions (Accounts: `Visible Eq true`) apply
    /// when `_filter` is empty, so that the route lists what a search would.
    pub probe: Option<&'static str>,
}

/// A checked search, ready to run.
pub struct Search {
    /// The SQL.
    pub compiled: Compiled,
    limit: u64,
    page: Option<u64>,
    skip: Option<u64>,
    pagination: Pagination,
    select: Option<Vec<String>>,
    strip: Vec<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pagination {
    Off,
    On,
    CountOnly,
}

/// Checks the parameters against the service and compiles the search.
pub fn prepare(
    params: &Params,
    table: &Table,
    expansions: &[Expansion],
    route: &Route,
    caller: &Caller,
    db: &Db,
) -> Result<Search, ApiError> {
    let filter = params.get("_filter").unwrap_or("");
    if route.filter_required && filter.trim().is_empty() {
        return Err(ApiError::parameter(
            "_filter",
            "this service requires a search: give _filter",
        ));
    }
    if params.get("_skiptoken").is_some() {
        return Err(ApiError::parameter(
            "_skiptoken",
            "_skiptoken (keyset paging) is not supported by this server yet; use _page or _skip",
        ));
    }
    let max_limit = if caller.replication { 1000 } else { 25 };
    let limit = params.number("_limit", 0, max_limit)?.unwrap_or(10);
    let page = params.number("_page", 1, 100_000)?;
    let skip = params.number("_skip", 0, 2_500_000)?;
    if page.is_some() && skip.is_some() {
        return Err(ApiError::parameter(
            "_skip",
            "_skip cannot be combined with _page",
        ));
    }
    let pagination = match params.get("_pagination") {
        None | Some("0") => Pagination::Off,
        Some("1") => Pagination::On,
        Some("count") => Pagination::CountOnly,
        Some(_) => {
            return Err(ApiError::parameter(
                "_pagination",
                "_pagination must be 0, 1 or count",
            ));
        }
    };
    let single = route.single || limit == 1;
    let mut strip: Vec<&'static str> = route.hidden.to_vec();
    let asked: Vec<&str> = match params.get("_expand") {
        Some(text) if !text.trim().is_empty() => text.split(',').map(str::trim).collect(),
        _ => Vec::new(),
    };
    for name in &asked {
        let Some(e) = expansions.iter().find(|e| e.name == *name) else {
            let names: Vec<&str> = expansions.iter().map(|e| e.name).collect();
            return Err(ApiError::parameter(
                "_expand",
                if names.is_empty() {
                    format!("this service has no expansions (asked for {name:?})")
                } else {
                    format!(
                        "unknown expansion {name:?}; this service has {}",
                        names.join(", ")
                    )
                },
            ));
        };
        if e.private_only && caller.role != plan::Role::Private {
            return Err(ApiError::parameter(
                "_expand",
                format!("the {name} expansion is for the Private role only"),
            ));
        }
        if e.single_only && !single {
            return Err(ApiError::parameter(
                "_expand",
                format!("the {name} expansion is for a single record only (by Id or _limit=1)"),
            ));
        }
    }
    for e in expansions {
        if !asked.contains(&e.name) {
            strip.push(e.name);
        }
    }
    let select = match params.get("_select") {
        Some(text) if !text.trim().is_empty() => {
            let mut names = Vec::new();
            for name in text.split(',').map(str::trim) {
                let known = table.schema.field_named(name).is_some()
                    || matches!(name, "Id" | "ResourceUri")
                    || asked.contains(&name);
                if !known || name.contains('"') || strip.contains(&name) {
                    return Err(ApiError::parameter(
                        "_select",
                        format!("{name:?} is not an attribute this caller can select"),
                    ));
                }
                names.push(name.to_string());
            }
            Some(names)
        }
        _ => None,
    };

    let options = PlanOptions::new(caller.clone());
    let mut planned = if route.scope.is_some() && filter.trim().is_empty() {
        // The route's scope selects; a record by Id is not a search, so no implicit
        // condition applies to it (the seed's Visible rule is about search results).
        let mut all = plan::check("", &table.schema, &options).unwrap_or_else(|_| Plan {
            schema: table.schema.name.clone(),
            root: Node::Const { value: true },
            order_by: Vec::new(),
            dropped: Vec::new(),
            zone: options.zone,
        });
        all.root = match (route.single, route.probe) {
            (false, Some(probe)) => {
                let probed = plan::check(probe, &table.schema, &options)
                    .map_err(|errors| ApiError::filter(errors.as_slice(), probe, None))?;
                implicit_only(probed.root)
            }
            _ => Node::Const { value: true },
        };
        all
    } else {
        plan::check(filter, &table.schema, &options)
            .map_err(|errors| ApiError::filter(errors.as_slice(), filter, None))?
    };
    let order = params.get("_orderby").or(route.default_order).unwrap_or("");
    if !order.trim().is_empty() {
        planned.order_by = plan::order_by(order, &table.schema, caller)
            .map_err(|errors| ApiError::filter(errors.as_slice(), order, Some("_orderby")))?;
    }
    let dialect = db.dialect();
    let compile_error = |e: spark_filter::Error| ApiError::filter(&[e], filter, None);
    let scoped = |query: sql::Query| -> (String, Vec<Param>, String) {
        let mut params = query.params;
        let mut condition = format!("({})", query.condition);
        if let Some(scope) = &route.scope {
            let (sql, p) = db.scope_sql(scope, params.len() + 1);
            condition = format!("{condition} AND {sql}");
            params.push(p);
        }
        let sql = query.sql.replacen(
            &format!("WHERE {}", query.condition),
            &format!("WHERE {condition}"),
            1,
        );
        (sql, params, condition)
    };
    let mut compiled = Compiled::default();
    if limit > 0 && pagination != Pagination::CountOnly {
        // The page is bound here, after the scope, rather than through sql::compile's
        // Paging, which has no _skip.
        let query = sql::compile(&planned, &table.layout, dialect, Paging::default())
            .map_err(compile_error)?;
        let (mut sql, mut params, _) = scoped(query);
        let offset =
            skip.unwrap_or_else(|| page.unwrap_or(1).saturating_sub(1).saturating_mul(limit));
        for (word, value) in [(" LIMIT ", limit), (" OFFSET ", offset)] {
            let p = Param::Int(i64::try_from(value).unwrap_or(i64::MAX));
            sql.push_str(word);
            sql.push_str(&dialect.placeholder(params.len() + 1, &p));
            params.push(p);
        }
        compiled.select = Some((sql, params));
    }
    if pagination != Pagination::Off || limit == 0 {
        let mut counted = planned.clone();
        counted.order_by.clear();
        let query = sql::compile(&counted, &table.layout, dialect, Paging::default())
            .map_err(compile_error)?;
        let (_, params, condition) = scoped(query);
        let sql = format!(
            "SELECT count(*) FROM {} AS t WHERE {condition}",
            dialect.quote(&table.layout.table)
        );
        compiled.count = Some((sql, params));
    }
    Ok(Search {
        compiled,
        limit,
        page,
        skip,
        pagination: if limit == 0 && pagination == Pagination::Off {
            Pagination::On
        } else {
            pagination
        },
        select,
        strip,
    })
}

impl Search {
    /// The records as the response shows them: unrequested expansions and hidden
    /// attributes removed, projected by `_select`.
    pub fn present(&self, docs: Vec<String>) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            let mut record: Value = super::db::parse_stored(&doc).map_err(ApiError::from)?;
            present(&mut record, &self.strip, self.select.as_deref());
            out.push(record);
        }
        Ok(out)
    }

    /// The `Pagination` hash, when asked for.
    pub fn pagination(&self, total: Option<u64>) -> Option<Value> {
        if self.pagination == Pagination::Off {
            return None;
        }
        let total = total.unwrap_or(0);
        let pages = if self.limit == 0 {
            0
        } else {
            total.div_ceil(self.limit)
        };
        Some(match self.skip {
            Some(skip) => json!({
                "TotalRows": total, "PageSize": self.limit, "TotalPages": pages,
                "CurrentOffset": skip,
            }),
            None => json!({
                "TotalRows": total, "PageSize": self.limit, "TotalPages": pages,
                "CurrentPage": self.page.unwrap_or(1),
            }),
        })
    }

    /// True when only the count is wanted (`_pagination=count` or `_limit=0`).
    pub fn count_only(&self) -> bool {
        self.compiled.select.is_none()
    }
}

/// Removes `strip` attributes and keeps only `select` ones (plus `Id` and `ResourceUri`).
pub fn present(record: &mut Value, strip: &[&str], select: Option<&[String]>) {
    if let Value::Object(map) = record {
        for name in strip {
            map.remove(*name);
        }
        if let Some(select) = select {
            map.retain(|k, _| k == "Id" || k == "ResourceUri" || select.iter().any(|s| s == k));
        }
    }
}

/// The conditions the planner added on its own (`implicit`), as one node.
fn implicit_only(root: Node) -> Node {
    let children: Vec<Node> = match root {
        Node::And { children } => children,
        other => vec![other],
    };
    let mut kept: Vec<Node> = children
        .into_iter()
        .filter(|n| matches!(n, Node::Test(t) if t.implicit))
        .collect();
    match kept.len() {
        0 => Node::Const { value: true },
        1 => kept.remove(0),
        _ => Node::And { children: kept },
    }
}
