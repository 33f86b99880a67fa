//! Router assembly, start-up, in-process spawning and graceful shutdown.

use crate::config::{redact_url, Settings};
use crate::error::{code_for_status, AppError};
use crate::routes::{
    access, announce, chat, economy, events, friends, groups, health, inventory, mail, matchmaking,
    party, presence,
};
use crate::{auth, compat, console, openapi, scheduler, sse, telemetry, AppState};
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{middleware, Router};
use guildhall_core::{Error, ErrorCode, Guildhall};
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// How often the host prunes expired events and idempotency records.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(600);

/// Why the host could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The settings are invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The backend could not be opened, migrated or loaded (catalog upsert).
    #[error("{0}")]
    Core(#[from] Error),
    /// Binding or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The complete router: `/v1`, the seed 002 routes under `/api/v1`, `/openapi.json`,
/// `/healthz`, `/readyz`, with request ids (`x-request-id`, set when absent and echoed),
/// request tracing, a body size limit and a timeout. Every error answer, including the
/// framework's own (unknown route 404, wrong method 405, body too large 413, timeout 503),
/// is a JSON `{code, message, details}`. Event streams of this router end only when their
/// clients disconnect; [`spawn`] and [`serve`] also end them at shutdown (see [`app`]).
pub fn router(gh: Guildhall, settings: &Settings) -> Router {
    app(AppState::new(gh, settings), settings)
}

/// Routes a player (or a server acting for that player) calls: everything under
/// `/v1/players/{player}/...` that reads or acts on that player's own wallet, inventory,
/// mail, session, party, tickets and event stream, plus the party and queue actions whose
/// body names the acting player.
fn player_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/players/{player}/wallet", get(economy::wallet))
        .route(
            "/v1/players/{player}/balances/{currency}",
            get(economy::balance),
        )
        .route("/v1/players/{player}/history", get(economy::history))
        .route("/v1/players/{player}/inventory", get(inventory::inventory))
        .route("/v1/players/{player}/spend", post(economy::spend))
        .route("/v1/players/{player}/purchases", post(inventory::purchase))
        .route(
            "/v1/players/{player}/items/{item_id}/use",
            post(inventory::use_item),
        )
        .route("/v1/transfers", post(economy::transfer))
        .route(
            "/v1/players/{player}/mail",
            get(mail::mailbox).post(mail::send_player_mail),
        )
        .route(
            "/v1/players/{player}/mail/{mail_id}",
            delete(mail::delete_mail),
        )
        .route(
            "/v1/players/{player}/mail/{mail_id}/open",
            post(mail::open_mail),
        )
        .route(
            "/v1/players/{player}/mail/{mail_id}/claim",
            post(mail::claim_mail),
        )
        .route("/v1/players/{player}/events", get(sse::player_events))
        .route(
            "/v1/players/{player}/session",
            get(presence::session)
                .post(presence::login)
                .delete(presence::logout),
        )
        .route(
            "/v1/players/{player}/session/heartbeat",
            post(presence::heartbeat),
        )
        .route("/v1/players/{player}/party", get(party::party_of))
        .route("/v1/parties", post(party::create))
        .route("/v1/parties/{party_id}", get(party::get_party))
        .route("/v1/parties/{party_id}/invites", post(party::invite))
        .route("/v1/parties/{party_id}/accept", post(party::accept))
        .route("/v1/parties/{party_id}/decline", post(party::decline))
        .route("/v1/parties/{party_id}/join", post(party::join))
        .route("/v1/parties/{party_id}/leave", post(party::leave))
        .route("/v1/parties/{party_id}/kick", post(party::kick))
        .route("/v1/parties/{party_id}/promote", post(party::promote))
        .route("/v1/parties/{party_id}/disband", post(party::disband))
        .route("/v1/players/{player}/friends", get(friends::friends))
        .route(
            "/v1/players/{player}/friends/{other}",
            delete(friends::remove),
        )
        .route(
            "/v1/players/{player}/friend-requests",
            get(friends::requests).post(friends::send_request),
        )
        .route(
            "/v1/players/{player}/friend-requests/{other}/accept",
            post(friends::accept),
        )
        .route(
            "/v1/players/{player}/friend-requests/{other}/decline",
            post(friends::decline),
        )
        .route("/v1/players/{player}/blocks", get(friends::blocked))
        .route(
            "/v1/players/{player}/blocks/{other}",
            put(friends::block).delete(friends::unblock),
        )
        .route("/v1/groups", get(groups::find).post(groups::create))
        .route("/v1/groups/{group_id}", get(groups::get_group))
        .route("/v1/players/{player}/groups", get(groups::groups_of))
        .route("/v1/groups/{group_id}/join", post(groups::join))
        .route("/v1/groups/{group_id}/requests", post(groups::request))
        .route(
            "/v1/groups/{group_id}/requests/accept",
            post(groups::accept_request),
        )
        .route(
            "/v1/groups/{group_id}/requests/decline",
            post(groups::decline_request),
        )
        .route("/v1/groups/{group_id}/invites", post(groups::invite))
        .route("/v1/groups/{group_id}/accept", post(groups::accept_invite))
        .route(
            "/v1/groups/{group_id}/decline",
            post(groups::decline_invite),
        )
        .route("/v1/groups/{group_id}/kick", post(groups::kick))
        .route("/v1/groups/{group_id}/promote", post(groups::promote))
        .route("/v1/groups/{group_id}/demote", post(groups::demote))
        .route("/v1/groups/{group_id}/transfer", post(groups::transfer))
        .route("/v1/groups/{group_id}/leave", post(groups::leave))
        .route("/v1/groups/{group_id}/disband", post(groups::disband))
        .route("/v1/groups/{group_id}/bank", get(groups::bank))
        .route("/v1/groups/{group_id}/bank/deposit", post(groups::deposit))
        .route(
            "/v1/groups/{group_id}/bank/withdraw",
            post(groups::withdraw),
        )
        .route("/v1/chat/messages", post(chat::post_message))
        .route("/v1/players/{player}/chat", get(chat::player_history))
        .route("/v1/admin/chat/history", get(chat::admin_history))
        .route(
            "/v1/admin/chat/mutes/{player}",
            put(chat::mute).delete(chat::unmute),
        )
        .route("/v1/queues/{queue}/tickets", post(matchmaking::queue))
        .route(
            "/v1/players/{player}/ticket",
            get(matchmaking::ticket).delete(matchmaking::cancel_ticket),
        )
        .route(
            "/v1/players/{player}/matches",
            get(matchmaking::match_history),
        )
        .route(
            "/v1/players/{player}/ratings/{queue}",
            get(matchmaking::rating),
        )
}

/// Routes for trusted servers and operators: grants, the catalog, the ledger, analytics,
/// the outbox, system and admin mail, broadcasts, templates, triggers, firing events,
/// presence overview, queue pools and match results.
fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/players/{player}/grant", post(economy::grant))
        .route(
            "/v1/players/{player}/items/{item_id}/grant",
            post(inventory::grant_item),
        )
        .route("/v1/catalog/{item_id}", put(inventory::put_catalog_item))
        .route("/v1/catalog/{item_id}/active", put(inventory::set_active))
        .route("/v1/ledger/verify", get(economy::verify_ledger))
        .route("/v1/analytics/popular-items", get(inventory::popular_items))
        .route("/v1/analytics/revenue", get(inventory::revenue))
        .route("/v1/events", get(events::events))
        .route("/v1/maintenance/prune", post(events::prune))
        .route("/v1/mail", post(mail::send_mail))
        .route("/v1/mail/broadcasts", post(mail::broadcast))
        .route("/v1/templates", get(announce::templates))
        .route(
            "/v1/templates/{template_id}",
            get(announce::template).put(announce::put_template),
        )
        .route(
            "/v1/templates/{template_id}/preview",
            post(announce::preview),
        )
        .route("/v1/triggers", get(announce::triggers))
        .route(
            "/v1/triggers/{trigger_id}",
            get(announce::trigger).put(announce::put_trigger),
        )
        .route(
            "/v1/triggers/{trigger_id}/cancel",
            post(announce::cancel_trigger),
        )
        .route("/v1/players/{player}/events/fire", post(announce::fire))
        .route("/v1/online", get(presence::online))
        .route("/v1/admin/accounts/{player}", get(access::account))
        .route(
            "/v1/admin/identities/{provider}/{subject}",
            get(access::find_identity),
        )
        .route("/v1/admin/accounts/{player}/ban", post(access::ban))
        .route("/v1/admin/accounts/{player}/unban", post(access::unban))
        .route(
            "/v1/admin/accounts/{player}/sign-out",
            post(access::admin_sign_out),
        )
        .route(
            "/v1/admin/accounts/{player}/whitelist",
            put(access::whitelist).delete(access::unwhitelist),
        )
        .route("/v1/admin/keys", get(access::keys))
        .route(
            "/v1/admin/groups/by-name/{name}",
            get(groups::admin_by_name),
        )
        .route(
            "/v1/admin/groups/{group_id}/remove-member",
            post(groups::admin_remove_member),
        )
        .route(
            "/v1/admin/groups/{group_id}/disband",
            post(groups::admin_disband),
        )
        .route("/v1/queues/{queue}/pool", get(matchmaking::pool))
        .route("/v1/matches/{match_id}/result", post(matchmaking::report))
}

/// Routes of accounts: logins (public, limited per address), and the caller's own
/// account (`me`, password, sign-out).
fn auth_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/register", post(access::register))
        .route("/v1/auth/login", post(access::login))
        .route("/v1/auth/device", post(access::device))
        .route("/v1/auth/vouch", post(access::vouch))
        .route("/v1/auth/refresh", post(access::refresh))
        .route("/v1/auth/logout", post(access::logout))
        .route("/v1/auth/password", post(access::change_password))
        .route("/v1/auth/sign-out", post(access::sign_out))
        .route("/v1/auth/me", get(access::me))
}

/// Routes anyone may read (the catalog, currencies, queues, matches, health, OpenAPI)
/// and the seed 002 compatibility routes (whose access rules are in
/// [`auth::access_rule`] like every other route's), and `GET /metrics` (Prometheus text;
/// a key with the `metrics` scope).
fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/currencies", get(economy::currencies))
        .route("/v1/catalog", get(inventory::catalog))
        .route("/v1/catalog/{item_id}", get(inventory::catalog_item))
        .route("/v1/queues", get(matchmaking::queues))
        .route("/v1/matches/{match_id}", get(matchmaking::match_record))
        .route("/api/v1/health", get(compat::health))
        .route(
            "/api/v1/products/{product_id}/purchase",
            post(compat::purchase),
        )
        .route(
            "/api/v1/products/{product_id}/use",
            post(compat::use_product),
        )
        .route("/api/v1/users/{user_id}/inventory", get(compat::inventory))
        .route("/api/v1/users/{user_id}/add-funds", post(compat::add_funds))
        .route(
            "/api/v1/analytics/popular-products",
            get(compat::popular_products),
        )
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Prometheus metrics (text format), see [`telemetry`]. Public for now; it will
        // need the `metrics` scope once authentication lands.
        .route("/metrics", get(telemetry::metrics_text))
}

/// [`router`] over a prepared [`AppState`] (whose shutdown signal ends event streams).
/// The routes come in groups, merged here: player routes, admin routes (trusted
/// servers and operators), account routes and public routes. One middleware,
/// [`auth::guard`], applies each route's access rule ([`auth::access_rule`]) to every
/// routed request; a route without a rule is refused.
pub fn app(state: AppState, settings: &Settings) -> Router {
    telemetry::install();
    let routes = Router::new()
        .merge(player_routes())
        .merge(admin_routes())
        .merge(leaderboard_routes())
        .merge(auth_routes())
        .merge(public_routes())
        .merge(crate::routes::achievements::routes())
        .merge(crate::routes::trade::routes())
        .merge(crate::routes::characters::routes())
        .merge(crate::routes::loot::routes())
        .merge(crate::routes::rooms::routes())
        .route("/v1/ws", get(crate::ws::websocket))
        .merge(crate::routes::payments::routes())
        .merge(crate::routes::downloads::routes())
        .merge(crate::routes::webhooks::routes())
        .merge(crate::routes::recovery::routes())
        .merge(console::console_routes())
        .merge(crate::routes::ops::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::guard))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ops::refuse_while_draining,
        ))
        .with_state(state);
    let cors = cors_layer(&settings.auth.cors_origins);

    let x_request_id = HeaderName::from_static("x-request-id");
    routes.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<Body>| {
                        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                        // The path only: a query string may carry a token. No headers.
                        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                    })
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(middleware::from_fn(telemetry::track))
            .layer(PropagateRequestIdLayer::new(x_request_id))
            .layer(middleware::map_response(json_errors))
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, settings.request_timeout))
            .layer(DefaultBodyLimit::max(settings.body_limit))
            .option_layer(cors),
    )
}

/// CORS for the configured origins (`[auth] cors_origins`); none: no CORS headers, so
/// browsers on other origins cannot call the API.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let list: Vec<header::HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::POST,
                axum::http::Method::PUT,
                axum::http::Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("last-event-id"),
            ])
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("idempotent-replayed"),
                header::RETRY_AFTER,
            ])
            .max_age(Duration::from_secs(600)),
    )
}

async fn not_found() -> AppError {
    Error::new(ErrorCode::NotFound, "no such route").into()
}

/// Gives framework-made error answers (405, 413, timeouts) the JSON error body.
async fn json_errors(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // JSON errors pass as they are, and so do the console's HTML pages (which show
    // their refusals to a person).
    let keep = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    if keep {
        return res;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "this route does not accept this method".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::SERVICE_UNAVAILABLE => "the request took too long".to_string(),
        s => s.canonical_reason().unwrap_or("error").to_string(),
    };
    let mut out = AppError::from(Error::new(code_for_status(status), message))
        .with_status(status)
        .into_response();
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Opens the backend the settings name (migrating it) and upserts the configured catalog,
/// through the one builder the bindings use too ([`guildhall_adapters::Backend`]).
pub async fn open_backend(settings: &Settings) -> Result<Guildhall, StartError> {
    Ok(settings.backend().open().await?)
}

async fn bind(settings: &Settings) -> Result<TcpListener, StartError> {
    if !settings.listen.ip().is_loopback() {
        tracing::info!(address = %settings.listen, "listening beyond this machine: every route needs a token or an API key except logins, health, the catalog and the OpenAPI document");
    }
    TcpListener::bind(settings.listen)
        .await
        .map_err(|source| StartError::Io {
            context: format!("cannot listen on {}", settings.listen),
            source,
        })
}

fn spawn_pruner(gh: Guildhall) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PRUNE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match gh.prune().await {
                Ok((events, keys)) if events + keys > 0 => {
                    tracing::info!(events, idempotency_records = keys, "pruned expired records")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning failed"),
            }
        }
    })
}

async fn run(
    listener: TcpListener,
    gh: Guildhall,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let addr = listener.local_addr().map_err(|source| StartError::Io {
        context: "cannot read the listen address".into(),
        source,
    })?;
    tracing::info!(
        address = %addr,
        database = %redact_url(&settings.database),
        currencies = ?settings.currency_codes(),
        catalog_items = settings.catalog.len(),
        "guildhall listening on http://{addr}"
    );
    if settings.ephemeral_secret {
        tracing::warn!("dev mode: access tokens are signed with a random secret of this start; they stop working at restart (set GUILDHALL_JWT_SECRET in production)");
    }
    let pruner = spawn_pruner(gh.clone());
    let (stopping, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = scheduler::Scheduler::start(gh.clone(), settings.schedule, stop_rx.clone());
    let state = AppState::new(gh.clone(), &settings).with_shutdown(stop_rx);
    let drain = state.drain.clone();
    let app = app(state, &settings);
    // A signal (or the handle's stop) drains the host like an operator's request does.
    let signalled = {
        let drain = drain.clone();
        tokio::spawn(async move {
            shutdown.await;
            drain.begin(drain.default_grace(), "shutdown");
        })
    };
    let graceful = {
        let drain = drain.clone();
        async move {
            let d = drain.started().await;
            // Tells the open event streams and closes them, and stops the background jobs.
            let _ = stopping.send(true);
            let grace = Duration::from_secs(d.grace_secs);
            if tokio::time::timeout(grace, drain.idle()).await.is_err() {
                tracing::warn!(
                    in_flight = drain.in_flight(),
                    "drain grace over with requests in flight; cutting them"
                );
                drain.cut();
                let _ = tokio::time::timeout(CUT_MARGIN, drain.idle()).await;
            }
            // Returning closes the listener; idle connections close, busy ones finish.
        }
    };
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(graceful)
    .into_future();
    let cut = {
        let drain = drain.clone();
        async move {
            let d = drain.started().await;
            tokio::time::sleep(Duration::from_secs(d.grace_secs)).await;
            // Moments for the graceful path, which cuts requests at the same instant.
            tokio::time::sleep(CUT_MARGIN * 2).await;
        }
    };
    let result = tokio::select! {
        r = served => r,
        _ = cut => {
            tracing::warn!("drain grace over: dropping the connections still open");
            Ok(())
        }
    };
    signalled.abort();
    // Whatever is left of the grace (at least a moment) for the jobs' runs in progress.
    let left = drain.draining().map_or(scheduler::STOP_GRACE, |d| {
        let end = d.since + chrono::Duration::seconds(d.grace_secs as i64);
        (end - chrono::Utc::now())
            .to_std()
            .unwrap_or_default()
            .max(CUT_MARGIN)
    });
    jobs.stop_within(left).await;
    pruner.abort();
    tracing::info!("guildhall stopped");
    result.map_err(|source| StartError::Io {
        context: "server failed".into(),
        source,
    })
}

/// How long past a drain's grace the host waits for cut requests to be answered, and
/// then again for the graceful path, before it drops the connections still open.
const CUT_MARGIN: Duration = Duration::from_millis(200);

/// Opens the backend, binds `settings.listen` and serves until `shutdown` completes or an
/// operator drains the host (`POST /v1/admin/drain`); either way it drains
/// ([`crate::ops`]: new requests refused, streams told and closed, requests in flight
/// finished within the grace, jobs stopped, leases released). Errors: invalid or
/// non-loopback address, backend failures, I/O.
pub async fn serve(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let listener = bind(&settings).await?;
    let gh = open_backend(&settings).await?;
    run(listener, gh, settings, shutdown).await
}

/// A server running in this process (see [`spawn`]). Dropping the handle also stops the
/// server (gracefully, in the background).
pub struct ServerHandle {
    addr: SocketAddr,
    gh: Guildhall,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), StartError>>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The address actually bound (the real port when `listen` had port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The core the server runs on (same store), for checks beside the HTTP API.
    pub fn guildhall(&self) -> &Guildhall {
        &self.gh
    }

    /// Stops accepting connections, waits for requests in flight, and returns how the
    /// server ended.
    pub async fn shutdown(mut self) -> Result<(), StartError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| {
                Err(StartError::Io {
                    context: "server task failed".into(),
                    source: std::io::Error::other(e),
                })
            }),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a server in this process and returns once it accepts connections.
///
/// Use `listen = 127.0.0.1:0` for a free port and read it from [`ServerHandle::addr`]:
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use guildhall_host::{spawn, Settings};
/// let settings = Settings::with_database("memory://", "127.0.0.1:0".parse()?);
/// let server = spawn(settings).await?;
/// println!("serving on {}", server.url());   // e.g. GET {url}/v1/players/p1/wallet
/// server.shutdown().await?;
/// # Ok(()) }
/// ```
///
/// Must be called inside a tokio runtime. Errors: as [`serve`].
pub async fn spawn(settings: Settings) -> Result<ServerHandle, StartError> {
    let listener = bind(&settings).await?;
    let addr = listener.local_addr().map_err(|source| StartError::Io {
        context: "cannot read the listen address".into(),
        source,
    })?;
    let gh = open_backend(&settings).await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run(listener, gh.clone(), settings, async move {
        let _ = stopped.await;
    }));
    Ok(ServerHandle {
        addr,
        gh,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// Leaderboard and tournament routes: reads for any authenticated caller, score
/// submissions for trusted servers, tournament joins for the player, definitions and
/// resets for operators (access rules in `auth::access_rule`).
fn leaderboard_routes() -> Router<AppState> {
    use crate::routes::leaderboards;
    Router::new()
        .route("/v1/leaderboards", get(leaderboards::list))
        .route("/v1/leaderboards/{board}", get(leaderboards::get_board))
        .route(
            "/v1/leaderboards/{board}/standings",
            get(leaderboards::standings),
        )
        .route(
            "/v1/leaderboards/{board}/players/{player}",
            get(leaderboards::standing),
        )
        .route(
            "/v1/leaderboards/{board}/periods",
            get(leaderboards::periods),
        )
        .route(
            "/v1/leaderboards/{board}/scores",
            post(leaderboards::submit),
        )
        .route("/v1/leaderboards/{board}/join", post(leaderboards::join))
        .route(
            "/v1/admin/leaderboards/{board}",
            put(leaderboards::put_board),
        )
        .route(
            "/v1/admin/leaderboards/resets",
            post(leaderboards::run_resets),
        )
}
