//! The server's search routes on the library's request layer (`spark_filter::request`): the
//! query string (or the form body of a `POST` with `X-HTTP-Method-Override: GET`, which
//! `super::method_override` turns into the query) is read and checked by
//! [`Search::check`] with the route's schema and the caller's [`SearchOptions`], compiled
//! with [`Search::sql_scoped`] when the route has a condition of its own, run on the
//! server's back end, and answered with the library's body ([`Search::respond_values`]).
//!
//! What is the server's, not the library's, is here as a [`Route`]: the route's own
//! condition (`/accounts/<Id>`, `/accounts/by/office/<Id>`, teams), a request by Id
//! (single-record expansions allowed, 404 when nothing matches), Portal Groups' required
//! `_filter`, a default order, and attributes a service never shows.

use serde_json::Value;
use spark_filter::plan::{Caller, Node, PlanOptions};
use spark_filter::request::{self, Request, Search, SearchOptions, TokenKey};

use super::db::{Compiled, Db, Scope, Table};
use super::envelope::ApiError;

/// What a route adds to a search.
#[derive(Clone, Debug, Default)]
pub struct Route {
    /// A condition of the route itself (`/accounts/by/office/<Id>`).
    pub scope: Option<Scope>,
    /// A request for one record by Id: single-record-only expansions may be asked for
    /// (`SearchOptions::single_record`), and no match is a 404.
    pub single: bool,
    /// `_filter` must be given (Portal Groups).
    pub filter_required: bool,
    /// The order when `_orderby` is absent.
    pub default_order: Option<&'static str>,
    /// Top-level attributes removed from every result (never shown by this route, though
    /// the schema lists them: write-only or shown elsewhere).
    pub hidden: &'static [&'static str],
    /// For a scoped route of a service that requires a field in every filter (Accounts:
    /// `UserType`): a filter whose implicit conditions (Accounts: `Visible Eq true`) apply
    /// when `_filter` is empty, so that a list route lists what a search would. A request
    /// by Id with an empty `_filter` has no condition but the route's.
    pub probe: Option<&'static str>,
}

/// A search that ran: the checked search, the page's records (hidden attributes removed)
/// and the count when one was asked for.
pub struct Ran {
    /// The checked search (for [`Search::respond_values`]).
    pub search: Search,
    /// The page.
    pub records: Vec<Value>,
    /// The number of matching records, when asked for.
    pub total: Option<u64>,
}

/// Reads, checks, compiles and runs a search of `table` for `caller` on the route. A
/// request the library refuses is `Ok(Err(response))` (its 4xx body as the library builds
/// it); the server's own refusals and database failures are `Err`.
pub async fn run(
    db: &Db,
    token_key: &TokenKey,
    caller: &Caller,
    raw: &str,
    table: &Table,
    route: &Route,
) -> Result<Result<Ran, request::Response>, ApiError> {
    let mut request = match Request::from_query(raw) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.response())),
    };
    let empty = request
        .filter
        .as_deref()
        .is_none_or(|f| f.trim().is_empty());
    if route.filter_required && empty {
        return Err(ApiError::parameter(
            "_filter",
            "this service requires a search: give _filter",
        ));
    }
    if let Some(select) = &request.select {
        if let Some(name) = select
            .split(',')
            .map(str::trim)
            .find(|n| route.hidden.contains(n))
        {
            return Err(ApiError::parameter(
                "_select",
                format!("_select: {name} is never shown by this service; leave it out"),
            ));
        }
    }
    if request.orderby.is_none() {
        request.orderby = route.default_order.map(str::to_string);
    }
    // A scoped route with no _filter: the route's condition selects.
    let route_selects = route.scope.is_some() && empty;
    if route_selects {
        if let Some(probe) = route.probe {
            request.filter = Some(probe.to_string());
        }
    }
    let options = SearchOptions {
        plan: PlanOptions::new(caller.clone()),
        token_key: token_key.clone(),
        single_record: route.single,
    };
    let mut search = match Search::check(&request, &table.schema, &options) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.response())),
    };
    if route_selects {
        let root = std::mem::replace(&mut search.plan.root, Node::Const { value: true });
        if !route.single && route.probe.is_some() {
            search.plan.root = implicit_only(root);
        }
    }
    let dialect = db.dialect();
    let compiled = match &route.scope {
        Some(scope) => {
            let (sql, param) = db.scope_sql(scope, 1);
            search.sql_scoped(&table.layout, dialect, &sql, vec![param])
        }
        None => search.sql(&table.layout, dialect),
    };
    let compiled = match compiled {
        Ok(c) => c,
        Err(e) => return Ok(Err(e.response())),
    };
    let compiled = Compiled {
        select: compiled.rows.map(|q| (q.sql, q.params)),
        count: compiled.count.map(|q| (q.sql, q.params)),
    };
    let (docs, total) = db.search(compiled).await?;
    if route.single && docs.is_empty() && search.wants_rows() {
        return Err(ApiError::not_found("no record with that Id"));
    }
    let mut records = Vec::with_capacity(docs.len());
    for doc in docs {
        let mut record = super::db::parse_stored(&doc).map_err(ApiError::from)?;
        hide(&mut record, route.hidden);
        records.push(record);
    }
    Ok(Ok(Ran {
        search,
        records,
        total,
    }))
}

impl Ran {
    /// The library's response for the page.
    pub fn respond(&self) -> request::Response {
        self.search
            .respond_values(self.records.iter().collect(), self.total.unwrap_or(0))
    }
}

/// Removes `hidden` top-level attributes from a record.
pub fn hide(record: &mut Value, hidden: &[&str]) {
    if let Value::Object(map) = record {
        for name in hidden {
            map.remove(*name);
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
