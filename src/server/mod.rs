//! `spark-filter serve`: the seed services of SPEC 10 over HTTP, the reference integration
//! of the library. It uses only the library's public API, the way an API team's own server
//! would.
//!
//! Search routes run on the library's request layer ([`spark_filter::request`]; see
//! [`search`]): the query is checked by `Search::check` with the route's schema and the
//! caller's `SearchOptions` (with the server's `_skiptoken` [`TokenKey`]: `--token-key`,
//! `SPARK_FILTER_TOKEN_KEY`, or 32 random bytes per start), compiled with
//! `Search::sql_scoped` for routes with a condition of their own, run by the [`db`] back
//! end, and answered with the library's body, so a search answers here exactly what
//! `spark-filter search` answers over the same records. What only a server knows stays
//! here: routes, roles per service, requests by Id (404, single-record expansions),
//! Portal Groups' required `_filter`, attributes never shown, writes.
//!
//! The layout follows axum's examples: handlers in [`services`] read like the rows of the
//! seed pages (extract → check → call → respond); cross-cutting concerns are layers here:
//! panics → 500 envelope, request log with id/role/status/time, URL and body caps, the
//! `X-HTTP-Method-Override: GET` rewrite, and a guard that gives every failure the JSON
//! envelope (axum's own rejections included).

mod db;
mod envelope;
mod keys;
mod search;
mod services;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use spark_filter::plan::builtin;
use spark_filter::request::TokenKey;
use tower::ServiceExt as _;
use tower_http::catch_panic::CatchPanicLayer;

use db::{Db, Table};
use envelope::{ApiError, Failure};
use keys::Keys;

const ACCOUNTS: &str = include_str!("../../data/accounts.jsonl");
const PORTAL_GROUPS: &str = include_str!("../../data/portal-groups.jsonl");

/// How to run the server (the `serve` command's flags).
#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`; `None`: an embedded SQLite file in the temp dir.
    pub db: Option<String>,
    /// The keys file; `None`: sample keys, loopback only.
    pub keys: Option<PathBuf>,
    /// Where to listen (port 0: any free port; the address is printed).
    pub addr: SocketAddr,
    /// Most database connections in use at once.
    pub pool_size: usize,
    /// The statement timeout (1516 past it).
    pub statement_timeout: Duration,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Longest request target (path and query).
    pub max_url_bytes: usize,
    /// Serve `/v1/__panic`, which panics (for the tests of the panic layer).
    pub panic_route: bool,
    /// The secret that signs `_skiptoken`s (the same on every replica, so that a token
    /// made by one is read by another); `None`: 32 random bytes per process start, so
    /// tokens end with the process. Never logged (its `Debug` is `TokenKey(..)`).
    pub token_key: Option<TokenKey>,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    db: Db,
    keys: Arc<Keys>,
    accounts: Arc<Table>,
    groups: Arc<Table>,
    portals: Arc<Table>,
    token_key: TokenKey,
}

impl AppState {
    fn table(&self, name: &str) -> &Arc<Table> {
        match name {
            "accounts" => &self.accounts,
            "portal-groups" => &self.groups,
            _ => &self.portals,
        }
    }
}

/// The portal accounts of the sample contacts: one per contact listed in a sample portal
/// group (the group owner's has the group's Id, as seed 001 says).
fn sample_portal_accounts() -> String {
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    let groups: Vec<Value> = PORTAL_GROUPS
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let owners = groups.iter().filter_map(|g| {
        Some((
            g.get("ContactId")?.as_str()?,
            g.get("Id")?.as_str()?.to_string(),
        ))
    });
    let members = groups.iter().flat_map(|g| {
        g.get("Users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|u| {
                let id = u.get("Id")?.as_str()?;
                Some((
                    id,
                    format!("{}9", &id[..id.len().saturating_sub(1)]),
                    Some(u),
                ))
            })
    });
    for (contact, id, user) in owners.map(|(c, i)| (c, i, None)).chain(members) {
        if !seen.insert(contact.to_string()) {
            continue;
        }
        let user: Option<&Value> = user;
        let get = |k: &str| user.and_then(|u| u.get(k)).cloned().unwrap_or(Value::Null);
        let last = get("LastLogin");
        let record = serde_json::json!({
            "ResourceUri": format!("/v1/contacts/{contact}/portal"),
            "Id": id,
            "OwnerId": Value::Null,
            "LastActive": last,
            "LastLogin": last,
            "Locale": {"Language": "en"},
            "Identity": {"Connected": false, "Email": ""},
            "Enabled": user.and_then(|u| u.get("Enabled")).cloned().unwrap_or(Value::Bool(true)),
        });
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out
}

/// Runs the server until SIGTERM or Ctrl-C. Prints the address (and sample keys).
pub fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.pool_size.max(1) + 8)
        .build()?;
    // The start-up load uses the library's synchronous loaders, which must not run on the
    // async threads: it happens before the runtime starts. The pools' connections are
    // closed after the runtime stops: `keep` holds the last reference to them until then.
    let (state, temp_db) = prepare(&config)?;
    let keep = state.db.clone();
    let result = runtime.block_on(serve(config, state, temp_db));
    drop(runtime);
    drop(keep);
    result
}

/// Keys, database and tables: everything before listening.
fn prepare(config: &Config) -> Result<(AppState, Option<PathBuf>), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init()
        .ok();

    let keys = match &config.keys {
        Some(path) => Keys::load(path)?,
        None => {
            if !config.addr.ip().is_loopback() {
                return Err(format!(
                    "refusing to listen on {} with sample keys: a non-loopback address needs \
                     --keys FILE",
                    config.addr
                )
                .into());
            }
            let account = ACCOUNTS
                .lines()
                .filter(|l| l.contains("\"GetEmailUpdates\""))
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find_map(|v| v.get("Id").and_then(Value::as_str).map(str::to_string));
            let (keys, text) = Keys::sample(account.as_deref())?;
            let path =
                std::env::temp_dir().join(format!("spark-filter-keys-{}.json", std::process::id()));
            std::fs::write(&path, &text)?;
            println!(
                "sample API keys (loopback only), also written to {}:\n{text}",
                path.display()
            );
            keys
        }
    };

    let mut temp_db = None;
    let url = match &config.db {
        Some(url) => url.clone(),
        None => {
            let path = std::env::temp_dir().join(format!(
                "spark-filter-serve-{}-{}.db",
                std::process::id(),
                chrono::Utc::now().timestamp_micros()
            ));
            let url = format!("sqlite://{}", path.display());
            temp_db = Some(path);
            url
        }
    };
    let table = |name: &str| -> Result<Arc<Table>, String> {
        Ok(Arc::new(Table::new(
            builtin::builtin(name).ok_or_else(|| format!("no built-in schema {name}"))?,
        )))
    };
    let token_key = match &config.token_key {
        Some(key) => key.clone(),
        None => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret)
                .map_err(|e| format!("no random bytes for the _skiptoken key: {e}"))?;
            TokenKey::new(secret.to_vec())
        }
    };
    let (accounts, groups, portals) = (
        table("accounts")?,
        table("portal-groups")?,
        table("portal-accounts")?,
    );
    let started = Instant::now();
    let portal_records = sample_portal_accounts();
    let tables = [
        (&*accounts, ACCOUNTS),
        (&*groups, PORTAL_GROUPS),
        (&*portals, portal_records.as_str()),
    ];
    let (db, loaded) = Db::open(&url, config.pool_size, config.statement_timeout, &tables)?;
    for ((t, _), n) in tables.iter().zip(loaded) {
        if n > 0 {
            tracing::info!(table = %t.layout.table, records = n, "loaded sample records");
        }
    }
    tracing::info!(ms = started.elapsed().as_millis() as u64, "database ready");
    let state = AppState {
        token_key,
        db,
        keys: Arc::new(keys),
        accounts,
        groups,
        portals,
    };
    Ok((state, temp_db))
}

async fn serve(
    config: Config,
    state: AppState,
    temp_db: Option<PathBuf>,
) -> Result<(), Box<dyn std::error::Error>> {
    let app = app(state, &config);
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    println!("spark-filter serve: listening on http://{addr}/v1");
    use std::io::Write;
    std::io::stdout().flush().ok();
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service(app),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    tracing::info!("shut down");
    if let Some(path) = temp_db {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// The whole service: the router inside its layers.
type App = tower::util::BoxCloneService<Request, Response, std::convert::Infallible>;

/// The limits the layers enforce.
#[derive(Clone, Copy)]
struct Limits {
    max_body: usize,
    max_url: usize,
}

fn app(state: AppState, config: &Config) -> App {
    let limits = Limits {
        max_body: config.max_body_bytes,
        max_url: config.max_url_bytes,
    };
    let mut routes = services::routes();
    if config.panic_route {
        routes = routes.route(
            "/v1/__panic",
            axum::routing::get(|| async {
                if std::hint::black_box(true) {
                    panic!("the test route panicked on purpose");
                }
                StatusCode::OK
            }),
        );
    }
    let keys = state.keys.clone();
    let router = routes
        .fallback(|| async { ApiError::not_found("no such service; the services are under /v1") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.max_body));
    // Around the router, not inside it: the override changes the method the router sees,
    // and the log, the panic layer and the envelope guard see every answer, the router's
    // fallbacks and the caps' included.
    tower::ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(keys, request_log))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(envelope_guard))
        .layer(middleware::from_fn_with_state(limits, caps))
        .layer(middleware::from_fn_with_state(limits, method_override))
        .service(router)
        .boxed_clone()
}

/// URL and body length caps, checked before anything else reads the request.
async fn caps(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if target > limits.max_url {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            414,
            format!(
                "the URL is longer than {} bytes; send long filters as POST with \
                 X-HTTP-Method-Override: GET",
                limits.max_url
            ),
        )
        .into_response();
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > limits.max_body as u64) {
        // Drain a body that is not much too large, so the client reads the answer instead of
        // a reset connection; past that, answer at once and let the connection close.
        if n <= 16 * limits.max_body as u64 {
            let _ = axum::body::to_bytes(request.into_body(), 16 * limits.max_body).await;
        }
        return too_large(limits.max_body).into_response();
    }
    // Read the body here, whatever the route does with it: an answer given before a body
    // was read (401, 403, 405) would otherwise cost the client its keep-alive connection.
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limits.max_body).await {
        Ok(b) => b,
        Err(_) => return too_large(limits.max_body).into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        413,
        format!("the request body is larger than {max} bytes"),
    )
}

/// `POST` with `X-HTTP-Method-Override: GET`: the form body's parameters become the query
/// string of a GET (SPEC 9, for filters too long for a URL).
async fn method_override(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let Some(value) = request.headers().get("x-http-method-override") else {
        return next.run(request).await;
    };
    if request.method() != Method::POST || !value.as_bytes().eq_ignore_ascii_case(b"GET") {
        return ApiError::parameter(
            "X-HTTP-Method-Override",
            "X-HTTP-Method-Override: GET is accepted on POST only",
        )
        .into_response();
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limits.max_body).await {
        Ok(b) => b,
        Err(_) => return too_large(limits.max_body).into_response(),
    };
    let Ok(form) = std::str::from_utf8(&bytes) else {
        return ApiError::parameter("body", "the form body is not UTF-8").into_response();
    };
    // A raw space or other byte a URL cannot hold is taken as written (curl -d sends
    // them); `+` and `%XX` keep their form meaning.
    let form: String = form
        .trim_end_matches(['\r', '\n'])
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            b'-' | b'.' | b'_' | b'~' | b'%' | b'+' | b'&' | b'=' | b'*' | b',' | b'\'' => {
                (b as char).to_string()
            }
            b'(' | b')' | b'!' | b'$' | b';' | b':' | b'@' | b'/' | b'?' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let query = match parts.uri.query() {
        Some(q) if !q.is_empty() && !form.is_empty() => format!("{q}&{form}"),
        Some(q) if !q.is_empty() => q.to_string(),
        _ => form.to_string(),
    };
    let target = if query.is_empty() {
        parts.uri.path().to_string()
    } else {
        format!("{}?{query}", parts.uri.path())
    };
    parts.uri = match target.parse() {
        Ok(uri) => uri,
        Err(_) => {
            return ApiError::parameter(
                "body",
                "the form body is not a valid query (percent-encode its parameters)",
            )
            .into_response();
        }
    };
    parts.method = Method::GET;
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::empty())).await
}

/// Gives every failure the JSON envelope: axum's own rejections (a body too large, a bad
/// path) and anything else that answered an error without one.
async fn envelope_guard(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<Failure>().is_some()
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let message = String::from_utf8_lossy(&text).trim().to_string();
    let message = if message.is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string()
    } else {
        message
    };
    ApiError::new(parts.status, i64::from(parts.status.as_u16()), message).into_response()
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    tracing::error!(panic = %message, "a handler panicked; answered 500");
    ApiError::internal().into_response()
}

/// One structured line per request: id, method, path, caller role, status, Spark code, time.
/// The query string is left out (it may be long); the key never appears.
async fn request_log(State(keys): State<Arc<Keys>>, request: Request, next: Next) -> Response {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let role = keys
        .authenticate(
            request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok()),
        )
        .map_or("none", |a| a.caller.role.as_str());
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let code = response.extensions().get::<Failure>().map_or(0, |f| f.0);
    let micros = started.elapsed().as_micros() as u64;
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert("x-request-id", v);
    }
    if status >= 500 {
        tracing::warn!(request_id = id, %method, %path, role, status, code, micros, "request");
    } else {
        tracing::info!(request_id = id, %method, %path, role, status, code, micros, "request");
    }
    response
}
