//! # guildhall for Node.js
//!
//! The guildhall core as a native module: `await Guildhall.open({ database, redis?,
//! config? })` opens a backend exactly as the HTTP host does (the same URLs, the same
//! config shape), and every core operation is an async method whose Promise runs on
//! the module's tokio runtime, never blocking the JavaScript thread.
//!
//! Requests and results are plain objects with camelCase keys (see [`convert`]);
//! failures reject with an `Error` whose `.code` is the SPEC code and `.details` its
//! context ([`convert::js_error`], the one place that mapping lives). Live events reach
//! `onEvent` callbacks through a thread-safe function fed by the core's subscription.

#[doc(hidden)]
pub mod convert;

use convert::{
    arg, closed, int_or, opt_arg, opt_field, opt_limit, options_arg, player, text, Arg, Reply,
};
use guildhall_core::announce::{Location, Template, Trigger};
use guildhall_core::types::CatalogItem;
use guildhall_core::{Error as CoreError, Guildhall as Core};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

static INSTANCES: AtomicU64 = AtomicU64::new(1);

/// A guildhall backend opened in this process.
#[napi]
pub struct Guildhall {
    core: Core,
    closed: Arc<AtomicBool>,
    /// Every call holds a read guard while it runs; `close()` takes the write side, so
    /// it resolves once the calls made before it are done, and refuses later ones.
    gate: Arc<tokio::sync::RwLock<()>>,
    listeners: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    holder: String,
}

/// The core for one call, holding the handle's gate until the call is done.
struct Busy {
    core: Core,
    hold: Hold,
}

impl std::ops::Deref for Busy {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

type Out = std::result::Result<Reply, napi::Error>;

/// What every method returns: a Promise settled on the JavaScript thread from the
/// module's runtime.
type Call = napi::Result<AsyncBlock<Settled>>;

/// A hold on a handle's gate (see [`Guildhall::core`]).
type Hold = Arc<tokio::sync::OwnedRwLockReadGuard<()>>;

/// Runs one call's future on the runtime. The method itself runs synchronously when
/// JavaScript calls it, so its arguments are read and the handle's gate is taken at that
/// moment, before `close()` can begin. The hold is released only once the outcome has
/// settled the Promise on the JavaScript thread, so `close()` resolves after it.
fn call(
    env: &Env,
    hold: Option<Hold>,
    f: impl std::future::Future<Output = Out> + Send + 'static,
) -> Call {
    AsyncBlockBuilder::new(async move { f.await.map(|r| Settled(r, hold)) }).build(env)
}

/// The hold of a call that is not refused already.
fn hold(core: &std::result::Result<Busy, CoreError>) -> Option<Hold> {
    core.as_ref().ok().map(|b| b.hold.clone())
}

/// A call's outcome with the hold it keeps until converted on the JavaScript thread.
pub struct Settled(Reply, Option<Hold>);

impl ToNapiValue for Settled {
    /// # Safety
    /// Called by napi on the JavaScript thread with a live `env`.
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        let Settled(reply, hold) = val;
        let v = unsafe { Reply::to_napi_value(env, reply) };
        drop(hold);
        v
    }
}

fn done<T: serde::Serialize>(r: std::result::Result<T, CoreError>) -> Out {
    Ok(Reply::from(r))
}

fn void(r: std::result::Result<(), CoreError>) -> Out {
    Ok(Reply(r.map(|()| Value::Null)))
}

#[napi]
impl Guildhall {
    /// Opens a backend: `database` is `sqlite://FILE`, `sqlite::memory:` or `memory://`
    /// (the host's URLs; `postgres://` where the facade supports it), `redis` an optional
    /// `redis://` URL for the shared coordinator, `config` the host's config as an object
    /// or the path of its TOML file. The config's catalog is loaded (inserted or
    /// updated). Rejects with `INVALID_ARGUMENT` for a bad config or URL and
    /// `UNAVAILABLE` when the database cannot be opened.
    #[napi(
        ts_args_type = "options: OpenOptions",
        ts_return_type = "Promise<Guildhall>"
    )]
    pub async fn open(options: Arg) -> std::result::Result<Opened, napi::Error> {
        Ok(Opened(open_core(options).await.map(|core| Guildhall {
            core,
            closed: Arc::new(AtomicBool::new(false)),
            gate: Arc::new(tokio::sync::RwLock::new(())),
            listeners: Arc::new(Mutex::new(Vec::new())),
            holder: format!(
                "node-{}-{}",
                std::process::id(),
                INSTANCES.fetch_add(1, Ordering::Relaxed)
            ),
        })))
    }

    /// The same API over a running guildhall HTTP host (`http://127.0.0.1:8080`), for
    /// runtimes where native addons cannot load. Provided by the package entry point
    /// (`index.js`, in JavaScript); calling it on the bare native class rejects.
    #[napi(
        writable = true,
        configurable = true,
        ts_args_type = "url: string, options?: ConnectOptions",
        ts_return_type = "Promise<Guildhall>"
    )]
    pub fn connect(env: Env, url: Arg, options: Arg) -> napi::Result<()> {
        let _ = (url, options);
        Err(convert::js_error(
            &env,
            &CoreError::invalid(
                "connect",
                "Guildhall.connect is provided by the package entry point: require('guildhall')",
            ),
        ))
    }

    fn core(&self) -> std::result::Result<Busy, CoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        match self.gate.clone().try_read_owned() {
            Ok(guard) => Ok(Busy {
                core: self.core.clone(),
                hold: Arc::new(guard),
            }),
            Err(_) => Err(closed()),
        }
    }

    // ----- Economy -----

    /// Credits a player from a system source. Errors: `INVALID_ARGUMENT`,
    /// `BALANCE_LIMIT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<GrantRequest>",
        ts_return_type = "Promise<BalanceChangeResult>"
    )]
    pub fn grant(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.grant(arg("request", request)?).await }.await)
        })
    }

    /// Debits a player to a system sink. Errors: as `grant`, plus `INSUFFICIENT_FUNDS`.
    #[napi(
        ts_args_type = "request: Input<SpendRequest>",
        ts_return_type = "Promise<BalanceChangeResult>"
    )]
    pub fn spend(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.spend(arg("request", request)?).await }.await)
        })
    }

    /// Moves currency between two players in one commit.
    #[napi(
        ts_args_type = "request: Input<TransferRequest>",
        ts_return_type = "Promise<TransferResult>"
    )]
    pub fn transfer(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.transfer(arg("request", request)?).await }.await)
        })
    }

    /// A player's wallet: every configured currency, zero when never touched.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<WalletView>"
    )]
    pub fn wallet(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.wallet(&player("player", player_id)?).await }.await)
        })
    }

    /// The wallet, synchronously, when it can be read at once without waiting on I/O (a
    /// SQLite file's point read of a few microseconds, or memory); `null` when the read
    /// would wait (PostgreSQL, Redis). The package's `wallet()` (index.js) reads through
    /// this and settles its Promise on the event loop's next turn, without a round trip
    /// through the runtime; otherwise it awaits the native read. Throws what `wallet()`
    /// rejects with (`INVALID_ARGUMENT`, `BALANCE_LIMIT`, `UNAVAILABLE`).
    #[napi(ts_args_type = "player: string", ts_return_type = "WalletView | null")]
    pub fn wallet_now(&self, player_id: Arg) -> napi::Result<Option<Reply>> {
        let core = match self.core() {
            Ok(c) => c,
            Err(e) => return Ok(Some(Reply(Err(e)))),
        };
        let p = match player("player", player_id) {
            Ok(p) => p,
            Err(e) => return Ok(Some(Reply(Err(e)))),
        };
        // Polled once: a read that would wait is dropped (reads change nothing).
        let ready = napi::bindgen_prelude::within_runtime_if_available(|| {
            futures::FutureExt::now_or_never(core.wallet(&p))
        });
        Ok(ready.map(Reply::from))
    }

    /// One balance, smallest units. Errors: `INVALID_ARGUMENT` (unknown currency).
    #[napi(
        ts_args_type = "player: string, currency: string",
        ts_return_type = "Promise<number>"
    )]
    pub fn balance(&self, env: &Env, player_id: Arg, currency: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .balance(&player("player", player_id)?, &text("currency", currency)?)
                        .await
                }
                .await,
            )
        })
    }

    /// A player's ledger entries, newest first, a page at a time.
    #[napi(
        ts_args_type = "player: string, filter?: Input<HistoryFilter>",
        ts_return_type = "Promise<HistoryPage>"
    )]
    pub fn history(&self, env: &Env, player_id: Arg, filter: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let filter = opt_arg("filter", filter)?.unwrap_or_default();
                    core?.history(&player("player", player_id)?, filter).await
                }
                .await,
            )
        })
    }

    /// Recomputes every balance from the ledger and reports differences.
    #[napi(ts_return_type = "Promise<LedgerReport>")]
    pub fn verify_ledger(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.verify_ledger().await }.await)
        })
    }

    // ----- Catalog and inventory -----

    /// Buys catalog items: debit and item grant in one commit.
    #[napi(
        ts_args_type = "request: Input<PurchaseRequest>",
        ts_return_type = "Promise<PurchaseResult>"
    )]
    pub fn purchase(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.purchase(arg("request", request)?).await }.await)
        })
    }

    /// Uses up consumables.
    #[napi(
        ts_args_type = "request: Input<UseItemRequest>",
        ts_return_type = "Promise<ItemChangeResult>"
    )]
    pub fn use_item(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.use_item(arg("request", request)?).await }.await)
        })
    }

    /// Grants items without payment (rewards, admins).
    #[napi(
        ts_args_type = "request: Input<GrantItemRequest>",
        ts_return_type = "Promise<ItemChangeResult>"
    )]
    pub fn grant_item(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.grant_item(arg("request", request)?).await }.await)
        })
    }

    /// A player's inventory, by item id.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<InventoryEntry[]>"
    )]
    pub fn inventory(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.inventory(&player("player", player_id)?).await }.await)
        })
    }

    /// The whole catalog, by id.
    #[napi(ts_return_type = "Promise<CatalogItem[]>")]
    pub fn catalog(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.catalog().await }.await)
        })
    }

    /// One catalog item. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "itemId: string",
        ts_return_type = "Promise<CatalogItem>"
    )]
    pub fn catalog_item(&self, env: &Env, item_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.catalog_item(&text("itemId", item_id)?).await }.await)
        })
    }

    /// Inserts or replaces a catalog item.
    #[napi(
        ts_args_type = "item: Input<CatalogItem>",
        ts_return_type = "Promise<CatalogItem>"
    )]
    pub fn upsert_catalog_item(&self, env: &Env, item: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .upsert_catalog_item(arg::<CatalogItem>("item", item)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Activates or deactivates a catalog item. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "itemId: string, active: boolean",
        ts_return_type = "Promise<CatalogItem>"
    )]
    pub fn set_catalog_item_active(&self, env: &Env, item_id: Arg, active: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let active: bool = arg("active", active)?;
                    core?
                        .set_catalog_item_active(&text("itemId", item_id)?, active)
                        .await
                }
                .await,
            )
        })
    }

    /// Top items by units bought in `[from, to)` (ISO times; default the last 24 hours
    /// on the core's clock), at most `limit` (1-100, default 10).
    #[napi(
        ts_args_type = "query?: Input<PopularItemsQuery>",
        ts_return_type = "Promise<PopularItem[]>"
    )]
    pub fn popular_items(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let q: guildhall_core::PopularItemsQuery =
                        opt_arg("query", query)?.unwrap_or_default();
                    core?.popular_items(&q).await
                }
                .await,
            )
        })
    }

    /// Purchase revenue per currency per day of the reset time zone, days `from..=to`
    /// (`YYYY-MM-DD`; default the last 30 days).
    #[napi(
        ts_args_type = "query?: Input<RevenueQuery>",
        ts_return_type = "Promise<DailyRevenue[]>"
    )]
    pub fn revenue_per_day(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let q: guildhall_core::RevenueQuery =
                        opt_arg("query", query)?.unwrap_or_default();
                    core?.revenue_per_day(&q).await
                }
                .await,
            )
        })
    }

    // ----- Mail -----

    /// Sends one mail (player, system or admin sender).
    #[napi(
        ts_args_type = "request: Input<SendMailRequest>",
        ts_return_type = "Promise<SendMailResult>"
    )]
    pub fn send_mail(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.send_mail(arg("request", request)?).await }.await)
        })
    }

    /// Stores one mail for every player (or the listed ones), delivered on their next read.
    #[napi(
        ts_args_type = "request: Input<BroadcastRequest>",
        ts_return_type = "Promise<Broadcast>"
    )]
    pub fn broadcast_mail(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.broadcast_mail(arg("request", request)?).await }.await)
        })
    }

    /// A player's mailbox listing, newest first.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<Mail[]>")]
    pub fn mailbox(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.mailbox(&player("player", player_id)?).await }.await)
        })
    }

    /// Opens a mail and marks it read. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "player: string, mailId: string",
        ts_return_type = "Promise<Mail>"
    )]
    pub fn open_mail(&self, env: &Env, player_id: Arg, mail_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .open_mail(&player("player", player_id)?, &text("mailId", mail_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Claims a read mail's attachments exactly once. Errors: `NOT_FOUND`,
    /// `MAIL_NOT_READ`, `ALREADY_CLAIMED`.
    #[napi(
        ts_args_type = "player: string, mailId: string, options?: { idempotencyKey?: string }",
        ts_return_type = "Promise<ClaimResult>"
    )]
    pub fn claim_mail(&self, env: &Env, player_id: Arg, mail_id: Arg, options: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let o = options_arg("options", options, &["idempotency_key"])?;
                    core?
                        .claim_mail(
                            &player("player", player_id)?,
                            &text("mailId", mail_id)?,
                            opt_field(&o, "idempotency_key")?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// Deletes a read mail. Errors: `NOT_FOUND`, `UNCLAIMED_ATTACHMENTS`.
    #[napi(
        ts_args_type = "player: string, mailId: string",
        ts_return_type = "Promise<void>"
    )]
    pub fn delete_mail(&self, env: &Env, player_id: Arg, mail_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            void(
                async {
                    core?
                        .delete_mail(&player("player", player_id)?, &text("mailId", mail_id)?)
                        .await
                }
                .await,
            )
        })
    }

    // ----- Announcements -----

    /// Inserts or replaces a template.
    #[napi(
        ts_args_type = "template: Input<Template>",
        ts_return_type = "Promise<Template>"
    )]
    pub fn put_template(&self, env: &Env, template: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .put_template(arg::<Template>("template", template)?)
                        .await
                }
                .await,
            )
        })
    }

    /// One template. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<Template>")]
    pub fn template(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.template(&text("id", id)?).await }.await)
        })
    }

    /// Every template, by id.
    #[napi(ts_return_type = "Promise<Template[]>")]
    pub fn templates(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.templates().await }.await)
        })
    }

    /// Inserts or replaces a trigger; refused when its variables do not cover its
    /// template's placeholders.
    #[napi(
        ts_args_type = "trigger: Input<Trigger>",
        ts_return_type = "Promise<Trigger>"
    )]
    pub fn put_trigger(&self, env: &Env, trigger: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let mut v = trigger.value("trigger")?;
                    if let Value::Object(m) = &mut v {
                        m.remove("createdAt");
                        m.remove("sentAt");
                    }
                    core?.put_trigger(arg::<Trigger>("trigger", v)?).await
                }
                .await,
            )
        })
    }

    /// Cancels a trigger. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<Trigger>")]
    pub fn cancel_trigger(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.cancel_trigger(&text("id", id)?).await }.await)
        })
    }

    /// One trigger. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<Trigger>")]
    pub fn trigger(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.trigger(&text("id", id)?).await }.await)
        })
    }

    /// Every trigger, by id.
    #[napi(ts_return_type = "Promise<Trigger[]>")]
    pub fn triggers(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.triggers().await }.await)
        })
    }

    /// Renders a template with variables, storing nothing.
    #[napi(
        ts_args_type = "templateId: string, variables?: Record<string, unknown>",
        ts_return_type = "Promise<string>"
    )]
    pub fn preview(&self, env: &Env, template_id: Arg, variables: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let vars: serde_json::Map<String, Value> =
                        opt_arg("variables", variables)?.unwrap_or_default();
                    core?
                        .preview(&text("templateId", template_id)?, &vars)
                        .await
                }
                .await,
            )
        })
    }

    /// Fires an event for a player: the messages to show, highest priority first.
    #[napi(
        ts_args_type = "request: Input<FireRequest>",
        ts_return_type = "Promise<Message[]>"
    )]
    pub fn fire(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.fire(arg("request", request)?).await }.await)
        })
    }

    /// Pushes the live `online` triggers of one audience kind (`lobby`, `room`, ...) to
    /// the players connected there (a host's scheduler does this every lobby / room
    /// interval); resolves how many messages went out. Errors: `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "kind: AudienceKind",
        ts_return_type = "Promise<number>"
    )]
    pub fn push_scheduled_audience(&self, env: &Env, kind: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let kind: guildhall_core::announce::AudienceKind = arg("kind", kind)?;
                    core?.push_scheduled_audience(kind).await
                }
                .await,
            )
        })
    }

    /// Sends every scheduled trigger whose time has come; returns their ids.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn send_due_triggers(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.send_due_triggers().await }.await)
        })
    }

    // ----- Presence -----

    /// Starts (or restarts) a player's session at a location; its `room` is the room the
    /// player is in (`enterRoom`), whatever `location.room` says.
    #[napi(
        ts_args_type = "player: string, location?: Location",
        ts_return_type = "Promise<Session>"
    )]
    pub fn login(&self, env: &Env, player_id: Arg, location: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let loc: Location = opt_arg("location", location)?.unwrap_or_default();
                    core?.login(&player("player", player_id)?, loc).await
                }
                .await,
            )
        })
    }

    /// Keeps a session alive, optionally moving it (its `room` stays the room the player is
    /// in). Errors: `NOT_FOUND` (no live session).
    #[napi(
        ts_args_type = "player: string, location?: Location",
        ts_return_type = "Promise<Session>"
    )]
    pub fn heartbeat(&self, env: &Env, player_id: Arg, location: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let loc: Option<Location> = opt_arg("location", location)?;
                    core?.heartbeat(&player("player", player_id)?, loc).await
                }
                .await,
            )
        })
    }

    /// Ends a session; whether one was live.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<boolean>")]
    pub fn logout(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.logout(&player("player", player_id)?).await }.await)
        })
    }

    /// A player's live session, or `null`.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<Session | null>"
    )]
    pub fn session(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.session(&player("player", player_id)?).await }.await)
        })
    }

    /// Every live session.
    #[napi(ts_return_type = "Promise<Session[]>")]
    pub fn online(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.online().await }.await)
        })
    }

    // ----- Parties -----

    /// Creates a party led by `player`. Errors: `ALREADY_IN_PARTY`.
    #[napi(
        ts_args_type = "player: string, options?: { open?: boolean }",
        ts_return_type = "Promise<Party>"
    )]
    pub fn create_party(&self, env: &Env, player_id: Arg, options: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let o = options_arg("options", options, &["open"])?;
                    let open = opt_field::<bool>(&o, "open")?.unwrap_or(false);
                    core?
                        .create_party(&player("player", player_id)?, open)
                        .await
                }
                .await,
            )
        })
    }

    /// The leader invites a player. Errors: `NOT_IN_PARTY`, `NOT_PARTY_LEADER`,
    /// `ALREADY_IN_PARTY`, `PARTY_FULL`.
    #[napi(
        ts_args_type = "leader: string, invitee: string",
        ts_return_type = "Promise<Invite>"
    )]
    pub fn invite_to_party(&self, env: &Env, leader: Arg, invitee: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .invite_to_party(&player("leader", leader)?, &player("invitee", invitee)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Accepts an invite. Errors: `NOT_FOUND`, `INVITE_EXPIRED`, `PARTY_FULL`,
    /// `ALREADY_IN_PARTY`.
    #[napi(
        ts_args_type = "player: string, partyId: string",
        ts_return_type = "Promise<Party>"
    )]
    pub fn accept_invite(&self, env: &Env, player_id: Arg, party_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .accept_invite(&player("player", player_id)?, &text("partyId", party_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Declines an invite. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "player: string, partyId: string",
        ts_return_type = "Promise<void>"
    )]
    pub fn decline_invite(&self, env: &Env, player_id: Arg, party_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            void(
                async {
                    core?
                        .decline_invite(&player("player", player_id)?, &text("partyId", party_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Joins an open party. Errors: `NOT_FOUND`, `FORBIDDEN` (not open), `PARTY_FULL`,
    /// `ALREADY_IN_PARTY`.
    #[napi(
        ts_args_type = "player: string, partyId: string",
        ts_return_type = "Promise<Party>"
    )]
    pub fn join_party(&self, env: &Env, player_id: Arg, party_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .join_party(&player("player", player_id)?, &text("partyId", party_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Leaves the party; the party after, or `null` when it is gone. Errors: `NOT_IN_PARTY`.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<Party | null>"
    )]
    pub fn leave_party(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.leave_party(&player("player", player_id)?).await }.await)
        })
    }

    /// The leader removes a member. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
    #[napi(
        ts_args_type = "leader: string, target: string",
        ts_return_type = "Promise<Party>"
    )]
    pub fn kick_from_party(&self, env: &Env, leader: Arg, target: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .kick_from_party(&player("leader", leader)?, &player("target", target)?)
                        .await
                }
                .await,
            )
        })
    }

    /// The leader hands leadership to a member. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
    #[napi(
        ts_args_type = "leader: string, target: string",
        ts_return_type = "Promise<Party>"
    )]
    pub fn promote_in_party(&self, env: &Env, leader: Arg, target: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .promote_in_party(&player("leader", leader)?, &player("target", target)?)
                        .await
                }
                .await,
            )
        })
    }

    /// The leader ends the party. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
    #[napi(ts_args_type = "leader: string", ts_return_type = "Promise<void>")]
    pub fn disband_party(&self, env: &Env, leader: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            void(async { core?.disband_party(&player("leader", leader)?).await }.await)
        })
    }

    /// The party a player is in, or `null`.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<Party | null>"
    )]
    pub fn party_of(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.party_of(&player("player", player_id)?).await }.await)
        })
    }

    /// One party. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "partyId: string", ts_return_type = "Promise<Party>")]
    pub fn party(&self, env: &Env, party_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.party(&text("partyId", party_id)?).await }.await)
        })
    }

    // ----- Friends -----

    /// Sends a friend request; to a player who already asked, accepts theirs (`friends: true`).
    /// Errors: `INVALID_ARGUMENT`, `BLOCKED`, `ALREADY_FRIENDS`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "request: Input<SendFriendRequest>",
        ts_return_type = "Promise<FriendshipResult>"
    )]
    pub fn send_friend_request(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.send_friend_request(arg("request", request)?).await }.await)
        })
    }

    /// Accepts `other`'s pending request. Errors: `NOT_FOUND`, `ALREADY_FRIENDS`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "request: Input<FriendActionRequest>",
        ts_return_type = "Promise<FriendshipResult>"
    )]
    pub fn accept_friend_request(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.accept_friend_request(arg("request", request)?).await }.await)
        })
    }

    /// Declines `other`'s pending request, or cancels the player's own request to `other`.
    /// Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "request: Input<FriendActionRequest>",
        ts_return_type = "Promise<FriendshipResult>"
    )]
    pub fn decline_friend_request(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.decline_friend_request(arg("request", request)?).await }.await)
        })
    }

    /// Ends a friendship. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "request: Input<FriendActionRequest>",
        ts_return_type = "Promise<FriendshipResult>"
    )]
    pub fn remove_friend(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.remove_friend(arg("request", request)?).await }.await)
        })
    }

    /// Blocks a player: any friendship and pending request between the two end in the same
    /// commit. Errors: `INVALID_ARGUMENT`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "request: Input<BlockRequest>",
        ts_return_type = "Promise<BlockResult>"
    )]
    pub fn block_player(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.block_player(arg("request", request)?).await }.await)
        })
    }

    /// Lifts a block (a block the other way stays).
    #[napi(
        ts_args_type = "request: Input<BlockRequest>",
        ts_return_type = "Promise<BlockResult>"
    )]
    pub fn unblock_player(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.unblock_player(arg("request", request)?).await }.await)
        })
    }

    /// A player's friends in the order added, each with presence (online, location).
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<Friend[]>")]
    pub fn friends(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.friends(&player("player", player_id)?).await }.await)
        })
    }

    /// A player's pending friend requests, incoming and outgoing, oldest first.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<FriendRequests>"
    )]
    pub fn friend_requests(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.friend_requests(&player("player", player_id)?).await }.await)
        })
    }

    /// The players a player has blocked, in the order blocked.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<string[]>")]
    pub fn blocked(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.blocked(&player("player", player_id)?).await }.await)
        })
    }

    // ----- Achievements and quests -----
    /// Operator: puts (inserts or replaces) an achievement or quest definition. Errors:
    /// `INVALID_ARGUMENT`, `NOT_FOUND` (prerequisite, reward item), `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "definition: Input<Achievement>",
        ts_return_type = "Promise<Achievement>"
    )]
    pub fn put_achievement(&self, env: &Env, definition: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.put_achievement(arg("definition", definition)?).await }.await)
        })
    }

    /// Operator: deletes a definition. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (another
    /// definition needs it).
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<Achievement>")]
    pub fn delete_achievement(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.delete_achievement(&text("id", id)?).await }.await)
        })
    }

    /// One definition. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<Achievement>")]
    pub fn achievement(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.achievement(&text("id", id)?).await }.await)
        })
    }

    /// Every definition, by id.
    #[napi(ts_return_type = "Promise<Achievement[]>")]
    pub fn achievements(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.achievements().await }.await)
        })
    }

    /// A player's standing on every definition, by id.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<AchievementStatus[]>"
    )]
    pub fn player_achievements(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .player_achievements(&player("player", player_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// A player's standing on one definition. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "player: string, achievementId: string",
        ts_return_type = "Promise<AchievementStatus>"
    )]
    pub fn achievement_status(&self, env: &Env, player_id: Arg, achievement_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .achievement_status(
                            &player("player", player_id)?,
                            &text("achievementId", achievement_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// Explicit progress for a player. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`,
    /// `NOT_COMPLETED` (a prerequisite), `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<ProgressRequest>",
        ts_return_type = "Promise<ProgressResult>"
    )]
    pub fn progress_achievement(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.progress_achievement(arg("request", request)?).await }.await)
        })
    }

    /// Claims a completed achievement's reward, once (per period for a resetting quest).
    /// Errors: `NOT_FOUND`, `NOT_COMPLETED`, `ALREADY_CLAIMED`, `BALANCE_LIMIT`,
    /// `STACK_LIMIT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<ClaimAchievementRequest>",
        ts_return_type = "Promise<AchievementClaimResult>"
    )]
    pub fn claim_achievement(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.claim_achievement(arg("request", request)?).await }.await)
        })
    }

    // ----- Groups -----
    /// Creates a group owned by `request.owner`. Errors: `INVALID_ARGUMENT`, `NAME_TAKEN`,
    /// `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "request: Input<CreateGroupRequest>",
        ts_return_type = "Promise<Group>"
    )]
    pub fn create_group(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.create_group(arg("request", request)?).await }.await)
        })
    }

    /// Groups whose name starts with `query.prefix`, a page at a time. Errors: `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "query?: Input<GroupQuery>",
        ts_return_type = "Promise<GroupPage>"
    )]
    pub fn find_groups(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let q = opt_arg("query", query)?.unwrap_or_default();
                    core?.find_groups(q).await
                }
                .await,
            )
        })
    }

    /// A member deposits into the group's bank. Errors: `NOT_GROUP_MEMBER`,
    /// `INSUFFICIENT_FUNDS`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<GroupBankRequest>",
        ts_return_type = "Promise<GroupBankResult>"
    )]
    pub fn group_deposit(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.group_deposit(arg("request", request)?).await }.await)
        })
    }

    /// An officer or the owner withdraws from the group's bank. Errors:
    /// `GROUP_PERMISSION`, `INSUFFICIENT_FUNDS`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<GroupBankRequest>",
        ts_return_type = "Promise<GroupBankResult>"
    )]
    pub fn group_withdraw(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.group_withdraw(arg("request", request)?).await }.await)
        })
    }

    /// One group. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "groupId: string", ts_return_type = "Promise<Group>")]
    pub fn group(&self, env: &Env, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.group(&text("groupId", group_id)?).await }.await)
        })
    }

    /// The group with this name, without regard to case. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "name: string", ts_return_type = "Promise<Group>")]
    pub fn group_by_name(&self, env: &Env, name: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.group_by_name(&text("name", name)?).await }.await)
        })
    }

    /// The groups a player is in, in the order they joined.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<Group[]>")]
    pub fn groups_of(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.groups_of(&player("player", player_id)?).await }.await)
        })
    }

    /// Joins an open group (or a closed one that invited the player). Errors: `NOT_FOUND`,
    /// `GROUP_PERMISSION`, `GROUP_FULL`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "player: string, groupId: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn join_group(&self, env: &Env, player_id: Arg, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .join_group(&player("player", player_id)?, &text("groupId", group_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// Asks to join a closed group. Errors: `NOT_FOUND`, `GROUP_FULL`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "player: string, groupId: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn request_to_join_group(&self, env: &Env, player_id: Arg, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .request_to_join_group(
                            &player("player", player_id)?,
                            &text("groupId", group_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// An owner or officer invites a player. Errors: `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`, `BLOCKED`, `GROUP_FULL`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, invitee: string",
        ts_return_type = "Promise<GroupInvite>"
    )]
    pub fn invite_to_group(&self, env: &Env, actor: Arg, group_id: Arg, invitee: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .invite_to_group(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("invitee", invitee)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// The invitee accepts. Errors: `NOT_FOUND`, `GROUP_FULL`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "player: string, groupId: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn accept_group_invite(&self, env: &Env, player_id: Arg, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .accept_group_invite(
                            &player("player", player_id)?,
                            &text("groupId", group_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// The invitee declines. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "player: string, groupId: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn decline_group_invite(&self, env: &Env, player_id: Arg, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .decline_group_invite(
                            &player("player", player_id)?,
                            &text("groupId", group_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// An owner or officer accepts a request. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`, `GROUP_FULL`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, player: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn accept_join_request(
        &self,
        env: &Env,
        actor: Arg,
        group_id: Arg,
        player_id: Arg,
    ) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .accept_join_request(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("player", player_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// An owner or officer declines a request. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, player: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn decline_join_request(
        &self,
        env: &Env,
        actor: Arg,
        group_id: Arg,
        player_id: Arg,
    ) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .decline_join_request(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("player", player_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// An owner or officer removes a member below their role. Errors: `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, target: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn kick_from_group(&self, env: &Env, actor: Arg, group_id: Arg, target: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .kick_from_group(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("target", target)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// The owner makes a member an officer. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, target: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn promote_in_group(&self, env: &Env, actor: Arg, group_id: Arg, target: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .promote_in_group(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("target", target)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// The owner makes an officer a member. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, target: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn demote_in_group(&self, env: &Env, actor: Arg, group_id: Arg, target: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .demote_in_group(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("target", target)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// The owner hands ownership to a member. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`.
    #[napi(
        ts_args_type = "actor: string, groupId: string, target: string",
        ts_return_type = "Promise<Group>"
    )]
    pub fn transfer_group_ownership(
        &self,
        env: &Env,
        actor: Arg,
        group_id: Arg,
        target: Arg,
    ) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .transfer_group_ownership(
                            &player("actor", actor)?,
                            &text("groupId", group_id)?,
                            &player("target", target)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// Leaves a group (succession; the last member out removes it). Errors: `NOT_GROUP_MEMBER`.
    #[napi(
        ts_args_type = "player: string, groupId: string",
        ts_return_type = "Promise<GroupLeaveResult>"
    )]
    pub fn leave_group(&self, env: &Env, player_id: Arg, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .leave_group(&player("player", player_id)?, &text("groupId", group_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// The owner disbands the group. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`.
    #[napi(
        ts_args_type = "actor: string, groupId: string",
        ts_return_type = "Promise<void>"
    )]
    pub fn disband_group(&self, env: &Env, actor: Arg, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            void(
                async {
                    core?
                        .disband_group(&player("actor", actor)?, &text("groupId", group_id)?)
                        .await
                }
                .await,
            )
        })
    }

    /// A group's bank: a balance per configured currency. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "groupId: string",
        ts_return_type = "Promise<GroupBank>"
    )]
    pub fn group_bank(&self, env: &Env, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.group_bank(&text("groupId", group_id)?).await }.await)
        })
    }

    /// Operator: removes a member whatever their role. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`.
    #[napi(
        ts_args_type = "groupId: string, player: string",
        ts_return_type = "Promise<GroupLeaveResult>"
    )]
    pub fn admin_remove_group_member(&self, env: &Env, group_id: Arg, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .admin_remove_group_member(
                            &text("groupId", group_id)?,
                            &player("player", player_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// Operator: disbands a group. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "groupId: string", ts_return_type = "Promise<void>")]
    pub fn admin_disband_group(&self, env: &Env, group_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            void(async { core?.admin_disband_group(&text("groupId", group_id)?).await }.await)
        })
    }

    // ----- Chat -----

    /// Posts a message to a channel (`global`, `room:<id>`, `party:<id>`, `group:<id>`,
    /// `direct:<a>:<b>`); it is stored and sent to the channel's members as a
    /// `chatMessage`-kind event (`chat_message`). Errors: `INVALID_ARGUMENT`,
    /// `NOT_CHANNEL_MEMBER`, `BLOCKED`, `MUTED`, `RATE_LIMITED`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<PostMessageRequest>",
        ts_return_type = "Promise<ChatMessage>"
    )]
    pub fn post_message(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.post_message(arg("request", request)?).await }.await)
        })
    }

    /// A page of a channel's history, newest first. `player`: the reader, who must be a
    /// member (absent: an operator reading any channel); `before`: a page's `nextCursor`;
    /// `limit` 1-200 (default 50). Errors: `INVALID_ARGUMENT`, `NOT_CHANNEL_MEMBER`.
    #[napi(
        ts_args_type = "channel: string, options?: { player?: string, before?: string, limit?: number | bigint }",
        ts_return_type = "Promise<ChatPage>"
    )]
    pub fn channel_history(&self, env: &Env, channel: Arg, options: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let o = options_arg("options", options, &["player", "before", "limit"])?;
                    let reader = match opt_field::<String>(&o, "player")? {
                        Some(p) => Some(
                            guildhall_core::types::PlayerId::new(p)
                                .map_err(|e| CoreError::invalid("player", e.message))?,
                        ),
                        None => None,
                    };
                    let before = opt_field::<String>(&o, "before")?;
                    let limit = match o.get("limit") {
                        None | Some(Value::Null) => None,
                        Some(v) => opt_limit("limit", v.clone())?,
                    };
                    core?
                        .channel_history(
                            reader.as_ref(),
                            &text("channel", channel)?,
                            before.as_deref(),
                            limit,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// Mutes a player on every channel until `until` (RFC 3339). Errors: `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<MuteRequest>",
        ts_return_type = "Promise<ChatMute>"
    )]
    pub fn mute_player(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.mute_player(arg("request", request)?).await }.await)
        })
    }

    /// Lifts a player's mute; whether one was stored.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<boolean>")]
    pub fn unmute_player(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.unmute_player(&player("player", player_id)?).await }.await)
        })
    }

    // ----- Leaderboards and tournaments -----

    /// Defines or redefines a board (sort, operator, partitioning and a tournament's start
    /// are fixed once it exists). Errors: `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<PutLeaderboardRequest>",
        ts_return_type = "Promise<Leaderboard>"
    )]
    pub fn put_leaderboard(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.put_leaderboard(arg("request", request)?).await }.await)
        })
    }

    /// One board's definition. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "board: string",
        ts_return_type = "Promise<Leaderboard>"
    )]
    pub fn leaderboard(&self, env: &Env, board: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.leaderboard(&text("board", board)?).await }.await)
        })
    }

    /// Every board, by id.
    #[napi(ts_return_type = "Promise<Leaderboard[]>")]
    pub fn leaderboards(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.leaderboards().await }.await)
        })
    }

    /// Submits a score (the board's operator applied atomically). Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`, `TOURNAMENT_CLOSED`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<SubmitScoreRequest>",
        ts_return_type = "Promise<SubmitScoreResult>"
    )]
    pub fn submit_score(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.submit_score(arg("request", request)?).await }.await)
        })
    }

    /// A page of standings, best first (top N: the first page). Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "query: Input<StandingsQuery>",
        ts_return_type = "Promise<StandingsPage>"
    )]
    pub fn leaderboard_standings(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.leaderboard_standings(arg("query", query)?).await }.await)
        })
    }

    /// A player's rank and the records around it. Errors: `NOT_FOUND` (no score),
    /// `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "query: Input<PlayerStandingQuery>",
        ts_return_type = "Promise<PlayerStanding>"
    )]
    pub fn leaderboard_standing(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.leaderboard_standing(arg("query", query)?).await }.await)
        })
    }

    /// A board's periods (open and archived, with the rewards granted); `partition`:
    /// only that partition's. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "board: string, partition?: string",
        ts_return_type = "Promise<LeaderboardPeriod[]>"
    )]
    pub fn leaderboard_periods(&self, env: &Env, board: Arg, partition: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let part = opt_arg::<String>("partition", partition)?;
                    core?
                        .leaderboard_periods(&text("board", board)?, part)
                        .await
                }
                .await,
            )
        })
    }

    /// Joins a tournament, spending its entry fee. Errors: `NOT_FOUND`,
    /// `TOURNAMENT_CLOSED`, `TOURNAMENT_FULL`, `INSUFFICIENT_FUNDS`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<JoinTournamentRequest>",
        ts_return_type = "Promise<JoinTournamentResult>"
    )]
    pub fn join_tournament(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.join_tournament(arg("request", request)?).await }.await)
        })
    }

    /// Runs the due leaderboard and tournament resets (rewards granted once); returns
    /// the periods this call archived.
    #[napi(ts_return_type = "Promise<LeaderboardPeriod[]>")]
    pub fn run_leaderboard_resets(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.run_leaderboard_resets().await }.await)
        })
    }

    // ----- Matchmaking -----

    /// Queues a player, or (`withParty`) the leader's whole party.
    #[napi(
        ts_args_type = "request: Input<QueueRequest>",
        ts_return_type = "Promise<Ticket>"
    )]
    pub fn queue(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.queue(arg("request", request)?).await }.await)
        })
    }

    /// Cancels the player's ticket. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<Ticket>")]
    pub fn cancel_ticket(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.cancel_ticket(&player("player", player_id)?).await }.await)
        })
    }

    /// The player's ticket and how it stands, or `null`.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<TicketStatus | null>"
    )]
    pub fn ticket_status(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.ticket_status(&player("player", player_id)?).await }.await)
        })
    }

    /// Tickets waiting in a queue, oldest first. Errors: `NOT_FOUND` (queue).
    #[napi(ts_args_type = "queue: string", ts_return_type = "Promise<Ticket[]>")]
    pub fn pool(&self, env: &Env, queue: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.pool(&text("queue", queue)?).await }.await)
        })
    }

    /// One matchmaking tick over every queue (when this handle holds the tick lease):
    /// expires old tickets and forms matches. Returns the matches formed.
    #[napi(ts_return_type = "Promise<MatchRecord[]>")]
    pub fn tick(&self, env: &Env) -> Call {
        let core = self.core();
        let holder = self.holder.clone();
        call(env, hold(&core), async move {
            done(
                async {
                    let core = core?;
                    // The core's tick future is not `Send`, so it runs to completion on a
                    // blocking thread of the runtime instead of being spawned.
                    let rt = tokio::runtime::Handle::current();
                    // `Busy` moves into the blocking task, so `close()` waits for the tick.
                    tokio::task::spawn_blocking(move || rt.block_on(core.tick(&holder)))
                        .await
                        .map_err(|e| {
                            CoreError::unavailable(format!("matchmaking tick failed: {e}"))
                        })?
                }
                .await,
            )
        })
    }

    /// Reports a match result: each team's rank (0 = first; equal ranks draw).
    #[napi(
        ts_args_type = "matchId: string, ranks: number[]",
        ts_return_type = "Promise<ReportResult>"
    )]
    pub fn report_match(&self, env: &Env, match_id: Arg, ranks: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let ranks: Vec<usize> = arg("ranks", ranks)?;
                    core?.report_match(&text("matchId", match_id)?, ranks).await
                }
                .await,
            )
        })
    }

    /// One match. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "matchId: string",
        ts_return_type = "Promise<MatchRecord>"
    )]
    pub fn match_record(&self, env: &Env, match_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.match_record(&text("matchId", match_id)?).await }.await)
        })
    }

    /// A player's rating in a queue. Errors: `NOT_FOUND` (queue).
    #[napi(
        ts_args_type = "player: string, queue: string",
        ts_return_type = "Promise<Rating>"
    )]
    pub fn rating(&self, env: &Env, player_id: Arg, queue: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .rating(&player("player", player_id)?, &text("queue", queue)?)
                        .await
                }
                .await,
            )
        })
    }

    /// A player's matches, newest first, at most `limit` (1-100, default 20).
    #[napi(
        ts_args_type = "player: string, limit?: number | bigint",
        ts_return_type = "Promise<MatchRecord[]>"
    )]
    pub fn match_history(&self, env: &Env, player_id: Arg, limit: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let limit = opt_limit("limit", limit)?;
                    core?
                        .match_history(&player("player", player_id)?, limit)
                        .await
                }
                .await,
            )
        })
    }

    // ----- Events -----

    /// Outbox events after `after` (a previous event's `seq`; 0 from the start), oldest
    /// first, at most `limit` (1-1000, default 100).
    #[napi(
        ts_args_type = "after?: number | bigint, limit?: number | bigint",
        ts_return_type = "Promise<GuildhallEvent[]>"
    )]
    pub fn events_after(&self, env: &Env, after: Arg, limit: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let after = int_or("after", after, 0)?;
                    let limit = opt_limit("limit", limit)?;
                    core?.events_after(after, limit).await
                }
                .await,
            )
        })
    }

    /// Outbox events concerning one player after `after`, oldest first.
    #[napi(
        ts_args_type = "player: string, after?: number | bigint, limit?: number | bigint",
        ts_return_type = "Promise<GuildhallEvent[]>"
    )]
    pub fn player_events_after(&self, env: &Env, player_id: Arg, after: Arg, limit: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let after = int_or("after", after, 0)?;
                    let limit = opt_limit("limit", limit)?;
                    core?
                        .player_events_after(&player("player", player_id)?, after, limit)
                        .await
                }
                .await,
            )
        })
    }

    /// Removes events and idempotency records past their retention.
    #[napi(ts_return_type = "Promise<{ events: number, idempotencyRecords: number }>")]
    pub fn prune(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let (events, records) = core?.prune().await?;
                    Ok(serde_json::json!({ "events": events, "idempotency_records": records }))
                }
                .await,
            )
        })
    }

    /// Calls `callback` with every event as it commits (in this process, or on every
    /// instance with the Redis coordinator), on the JavaScript thread. Without `redis`,
    /// commits made by another process on the same database (a Python bot, another
    /// resource) never arrive here: give every process the same `redis`, or follow the
    /// outbox with `eventsAfter(seq)`. Does not keep the
    /// process alive by itself. Returns a function that stops this callback; `close()`
    /// stops every callback.
    ///
    /// `options` (all optional): `topics` (`player:<id>`, `party:<id>`, `group:<id>`,
    /// `room:<id>`, `chat:<channel>`, `global`: the host WebSocket's topics, one
    /// definition), `player` (only events concerning that player; with `topics`, only
    /// the topics' events listing the player or no one), `kinds`, and `after` (an event's
    /// `seq`: the outbox after it is replayed first, then live events, none missed and
    /// none twice; a callback that falls behind catches up from the outbox the same way).
    /// Throws `INVALID_ARGUMENT` when `callback` is not a function or an option is bad,
    /// and `UNAVAILABLE` after `close()`.
    #[napi(
        ts_args_type = "callback: (event: GuildhallEvent) => void, options?: { topics?: string[], player?: string, kinds?: string[], after?: number | bigint }",
        ts_return_type = "() => void"
    )]
    pub fn on_event<'env>(
        &self,
        env: &'env Env,
        callback: Unknown<'env>,
        options: Arg,
    ) -> napi::Result<Function<'env, (), ()>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(convert::js_error(env, &closed()));
        }
        if callback.get_type()? != ValueType::Function {
            return Err(convert::js_error(
                env,
                &CoreError::invalid("callback", "callback must be a function"),
            ));
        }
        let parsed = (|| {
            let o = options_arg("options", options, &["topics", "player", "kinds", "after"])?;
            let topics: Option<Vec<String>> = opt_field(&o, "topics")?;
            let topics = topics
                .map(|t| guildhall_core::live::parse_topics(&t))
                .transpose()?;
            let after: Option<i64> = opt_field(&o, "after")?;
            if after.is_some_and(|a| a < 0) {
                return Err(CoreError::invalid("after", "after is a seq, 0 or more"));
            }
            let filter = guildhall_core::live::Filter {
                player: opt_field(&o, "player")?,
                topics,
                kinds: opt_field(&o, "kinds")?,
            };
            Ok::<_, CoreError>((filter, after))
        })();
        let (filter, after) = parsed.map_err(|e| convert::js_error(env, &e))?;
        // SAFETY: checked above to be a function, on the JavaScript thread.
        let callback: Function<Value, ()> = unsafe { callback.cast() }?;
        let tsfn: ThreadsafeFunction<Value, (), Value, Status, false, true> = callback
            .build_threadsafe_function()
            .weak::<true>()
            .callee_handled::<false>()
            .build()?;
        // Subscribed before the outbox is read: the resume rule of every live consumer.
        let mut rx = self.core.subscribe();
        let core = self.core.clone();
        let handle = napi::bindgen_prelude::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            let mut cursor = guildhall_core::live::Cursor::after(after);
            let mut replay = after;
            let send = |e: &guildhall_core::types::Event| {
                let v = serde_json::to_value(e)
                    .map(|v| convert::rounded(convert::camel_keys(v)))
                    .unwrap_or(Value::Null);
                tsfn.call(v, ThreadsafeFunctionCallMode::NonBlocking);
            };
            loop {
                if let Some(from) = replay {
                    match core.events_after(from, Some(1000)).await {
                        Ok(page) => {
                            replay =
                                (page.len() == 1000).then(|| page.last().map_or(from, |e| e.seq));
                            for e in &page {
                                if cursor.admit(e.seq) && filter.accepts(e) {
                                    send(e);
                                }
                            }
                        }
                        // The outbox is unreachable for now: retry shortly.
                        Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                    }
                    continue;
                }
                match rx.recv().await {
                    Ok(event) => {
                        if cursor.admit(event.seq) && filter.accepts(&event) {
                            send(&event);
                        }
                    }
                    Err(RecvError::Lagged(_)) if cursor.started() => {
                        replay = Some(cursor.resume_from())
                    }
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        })
        .abort_handle();
        self.listeners
            .lock()
            .map_err(|_| napi::Error::from_reason("listener list poisoned"))?
            .push(handle.clone());
        env.create_function_from_closure("unsubscribe", move |_| {
            handle.abort();
            Ok(())
        })
    }

    /// Stops every `onEvent` callback, refuses further calls (`UNAVAILABLE`) and resolves
    /// once every call made before it has finished. The database closes when the last
    /// handle on it is collected.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self, env: &Env) -> napi::Result<AsyncBlock<()>> {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut l) = self.listeners.lock() {
            for h in l.drain(..) {
                h.abort();
            }
        }
        let gate = self.gate.clone();
        AsyncBlockBuilder::new(async move {
            drop(gate.write().await);
            Ok(())
        })
        .build(env)
    }

    // ----- Characters and the account bank -----

    /// Creates a character of an account under a new player id. Errors: `NOT_FOUND` (no account), `NAME_TAKEN`, `LIMIT_REACHED`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<CreateCharacterRequest>",
        ts_return_type = "Promise<CharacterResult>"
    )]
    pub fn create_character(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.create_character(arg("request", request)?).await }.await)
        })
    }

    /// Renames a live character; the old name is freed. Errors: `NOT_FOUND`, `NAME_TAKEN`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<RenameCharacterRequest>",
        ts_return_type = "Promise<CharacterResult>"
    )]
    pub fn rename_character(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.rename_character(arg("request", request)?).await }.await)
        })
    }

    /// Soft-deletes a character (restorable for `restore_days`). Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "request: Input<CharacterActionRequest>",
        ts_return_type = "Promise<CharacterResult>"
    )]
    pub fn delete_character(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.delete_character(arg("request", request)?).await }.await)
        })
    }

    /// Restores a deleted character inside its window. Errors: `NOT_FOUND`, `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "request: Input<CharacterActionRequest>",
        ts_return_type = "Promise<CharacterResult>"
    )]
    pub fn restore_character(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.restore_character(arg("request", request)?).await }.await)
        })
    }

    /// Marks a live character as the account's current one. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "request: Input<CharacterActionRequest>",
        ts_return_type = "Promise<CharacterSelection>"
    )]
    pub fn select_character(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.select_character(arg("request", request)?).await }.await)
        })
    }

    /// An account's characters (live, and deleted ones still restorable).
    #[napi(
        ts_args_type = "account: string",
        ts_return_type = "Promise<CharacterList>"
    )]
    pub fn characters(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.characters(&player("account", id)?).await }.await)
        })
    }

    /// One character. Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "character: string",
        ts_return_type = "Promise<Character>"
    )]
    pub fn character(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.character(&player("character", id)?).await }.await)
        })
    }

    /// A character moves currency or an item into its account's bank. Errors: `NOT_FOUND`, `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`.
    #[napi(
        ts_args_type = "request: Input<BankMoveRequest>",
        ts_return_type = "Promise<BankMoveResult>"
    )]
    pub fn bank_deposit(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.bank_deposit(arg("request", request)?).await }.await)
        })
    }

    /// A character takes currency or an item from its account's bank. Errors: `NOT_FOUND`, `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`, `STACK_LIMIT`.
    #[napi(
        ts_args_type = "request: Input<BankMoveRequest>",
        ts_return_type = "Promise<BankMoveResult>"
    )]
    pub fn bank_withdraw(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.bank_withdraw(arg("request", request)?).await }.await)
        })
    }

    /// The bank of an account (given the account or one of its characters).
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<AccountBank>"
    )]
    pub fn account_bank(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.account_bank(&player("player", id)?).await }.await)
        })
    }

    /// Equips an owned durable into the slot its metadata names. Errors: `NOT_OWNED`, `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<EquipRequest>",
        ts_return_type = "Promise<EquipResult>"
    )]
    pub fn equip_item(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.equip_item(arg("request", request)?).await }.await)
        })
    }

    /// Empties a slot. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<UnequipRequest>",
        ts_return_type = "Promise<EquipResult>"
    )]
    pub fn unequip_item(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.unequip_item(arg("request", request)?).await }.await)
        })
    }

    /// A player's equipment by slot.
    #[napi(ts_args_type = "player: string", ts_return_type = "Promise<Equipment>")]
    pub fn equipment(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.equipment(&player("player", id)?).await }.await)
        })
    }

    // ----- Loot tables -----
    /// Operator: puts (inserts or replaces) a loot table. Errors: `INVALID_ARGUMENT` (a
    /// cycle names its tables in `details.cycle`), `NOT_FOUND` (nested table, item),
    /// `LIMIT_REACHED`.
    #[napi(
        ts_args_type = "table: Input<LootTable>",
        ts_return_type = "Promise<LootTable>"
    )]
    pub fn put_loot_table(&self, env: &Env, table: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.put_loot_table(arg("table", table)?).await }.await)
        })
    }

    /// Operator: deletes a loot table. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (another
    /// table nests it).
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<LootTable>")]
    pub fn delete_loot_table(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.delete_loot_table(&text("id", id)?).await }.await)
        })
    }

    /// One loot table. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<LootTable>")]
    pub fn loot_table(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.loot_table(&text("id", id)?).await }.await)
        })
    }

    /// Every loot table, by id.
    #[napi(ts_return_type = "Promise<LootTable[]>")]
    pub fn loot_tables(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.loot_tables().await }.await)
        })
    }

    /// Rolls a table for a player and grants the drops with the stored seed in one
    /// commit (with `party`, items open need/greed rolls). Errors: `NOT_FOUND`,
    /// `NOT_IN_PARTY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<RollLootRequest>",
        ts_return_type = "Promise<LootResult>"
    )]
    pub fn roll_loot(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.roll_loot(arg("request", request)?).await }.await)
        })
    }

    /// A stored loot result. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<LootResult>")]
    pub fn loot_result(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.loot_result(&text("id", id)?).await }.await)
        })
    }

    /// Operator: a dry run (a stored result, or a table and a seed); grants nothing.
    /// Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<ReplayLootRequest>",
        ts_return_type = "Promise<LootPreview>"
    )]
    pub fn replay_loot(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.replay_loot(arg("request", request)?).await }.await)
        })
    }

    /// A party loot roll. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<LootRoll>")]
    pub fn loot_roll(&self, env: &Env, id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.loot_roll(&text("id", id)?).await }.await)
        })
    }

    /// A member's need, greed or pass; the last choice resolves the roll. Errors:
    /// `NOT_FOUND`, `NOT_IN_PARTY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<LootChoiceRequest>",
        ts_return_type = "Promise<LootRollResult>"
    )]
    pub fn choose_loot_roll(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.choose_loot_roll(arg("request", request)?).await }.await)
        })
    }

    /// Resolves the party rolls whose window has ended; returns them.
    #[napi(ts_return_type = "Promise<LootRoll[]>")]
    pub fn resolve_loot_rolls(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.resolve_loot_rolls().await }.await)
        })
    }

    // ----- Rooms and the lobby -----
    /// Creates a room: with `player`, owned by them and entered in the same commit
    /// (leaving any room they were in); without, an empty system room. Errors:
    /// `INVALID_ARGUMENT` (type, capacity, metadata size, server), `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<CreateRoomRequest>",
        ts_return_type = "Promise<RoomResult>"
    )]
    pub fn create_room(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.create_room(arg("request", request)?).await }.await)
        })
    }

    /// A player enters a room, leaving the room they were in in the same commit. Errors:
    /// `NOT_FOUND`, `ROOM_FULL`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<EnterRoomRequest>",
        ts_return_type = "Promise<RoomResult>"
    )]
    pub fn enter_room(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.enter_room(arg("request", request)?).await }.await)
        })
    }

    /// A player leaves their room (`roomId`, when given, must be it). Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<LeaveRoomRequest>",
        ts_return_type = "Promise<RoomResult>"
    )]
    pub fn leave_room(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.leave_room(arg("request", request)?).await }.await)
        })
    }

    /// Operator: destroys a room; its players leave it. Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<DestroyRoomRequest>",
        ts_return_type = "Promise<RoomResult>"
    )]
    pub fn destroy_room(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.destroy_room(arg("request", request)?).await }.await)
        })
    }

    /// One live room. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "roomId: string", ts_return_type = "Promise<Room>")]
    pub fn room(&self, env: &Env, room_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.room(&text("roomId", room_id)?).await }.await)
        })
    }

    /// The room a player is in, or `null`.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<Room | null>"
    )]
    pub fn player_room(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.player_room(&player("player", player_id)?).await }.await)
        })
    }

    /// Live rooms, by id (1-1000, default 100).
    #[napi(
        ts_args_type = "limit?: number | bigint",
        ts_return_type = "Promise<Room[]>"
    )]
    pub fn rooms(&self, env: &Env, limit: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.rooms(opt_limit("limit", limit)?).await }.await)
        })
    }

    /// Operator: a page of a room's log, oldest first (`after`: a page's `nextCursor`;
    /// `limit` 1-200, default 50). Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "roomId: string, options?: { after?: string, limit?: number | bigint }",
        ts_return_type = "Promise<RoomLogPage>"
    )]
    pub fn room_log(&self, env: &Env, room_id: Arg, options: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let o = options_arg("options", options, &["after", "limit"])?;
                    let after = opt_field::<String>(&o, "after")?;
                    let limit = match o.get("limit") {
                        None | Some(Value::Null) => None,
                        Some(v) => opt_limit("limit", v.clone())?,
                    };
                    core?
                        .room_log(&text("roomId", room_id)?, after.as_deref(), limit)
                        .await
                }
                .await,
            )
        })
    }

    /// Destroys the empty rooms past their idle time; returns how many.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn destroy_idle_rooms(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.destroy_idle_rooms().await }.await)
        })
    }

    /// The lobby view: live rooms (type, player count, capacity, server) and the online
    /// players with their room.
    #[napi(ts_return_type = "Promise<LobbyView>")]
    pub fn lobby(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.lobby().await }.await)
        })
    }

    /// Pushes the lobby view as a `lobby_view` event to `player`, or else to every lobby
    /// player (online, with a lobby, in no room).
    #[napi(
        ts_args_type = "request?: Input<PushLobbyRequest>",
        ts_return_type = "Promise<LobbyPushResult>"
    )]
    pub fn push_lobby(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let req = opt_arg("request", request)?.unwrap_or_default();
                    core?.push_lobby(req).await
                }
                .await,
            )
        })
    }

    // ----- Payments and game data files -----
    /// Operator: the payment log, newest first (every verified webhook delivery and its
    /// outcome); pass `nextCursor` as `cursor`. Errors: `INVALID_ARGUMENT` (limit out of
    /// 1-200).
    #[napi(
        ts_args_type = "query?: Input<PaymentLogQuery>",
        ts_return_type = "Promise<PaymentLogPage>"
    )]
    pub fn payment_log(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let q = opt_arg("query", query)?.unwrap_or_default();
                    core?.payment_log(q).await
                }
                .await,
            )
        })
    }

    /// Operator: a provider's payment as recorded (what it credited; after a refund what
    /// was taken back and the shortfall). Errors: `NOT_FOUND`.
    #[napi(
        ts_args_type = "provider: string, paymentId: string",
        ts_return_type = "Promise<PaymentRecord>"
    )]
    pub fn payment(&self, env: &Env, provider: Arg, payment_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    core?
                        .payment(
                            &text("provider", provider)?,
                            &text("paymentId", payment_id)?,
                        )
                        .await
                }
                .await,
            )
        })
    }

    /// Operator: stores a new version of a game data file (its bytes in base64); returns
    /// its metadata (version, sha256). Errors: `INVALID_ARGUMENT`, `LIMIT_REACHED`
    /// (larger than `downloads.max_file_bytes`).
    #[napi(
        ts_args_type = "request: Input<PutFileRequest>",
        ts_return_type = "Promise<FileMeta>"
    )]
    pub fn upload_file(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.upload_file(arg("request", request)?).await }.await)
        })
    }

    /// The current version of a file with its bytes in base64. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "name: string", ts_return_type = "Promise<FileContent>")]
    pub fn file_content(&self, env: &Env, name: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.file_content(&text("name", name)?).await }.await)
        })
    }

    /// The current version of every file changed since `since` (oldest change first;
    /// `latest` is the `since` of the next call). Errors: `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "query?: Input<FileListQuery>",
        ts_return_type = "Promise<FileList>"
    )]
    pub fn files(&self, env: &Env, query: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let q = opt_arg("query", query)?.unwrap_or_default();
                    core?.files(q).await
                }
                .await,
            )
        })
    }

    /// Every version of a file, newest first. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "name: string", ts_return_type = "Promise<FileMeta[]>")]
    pub fn file_versions(&self, env: &Env, name: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.file_versions(&text("name", name)?).await }.await)
        })
    }
}

/// The outcome of `open`: a handle, or the error that rejects the Promise.
pub struct Opened(std::result::Result<Guildhall, CoreError>);

impl TypeName for Opened {
    fn type_name() -> &'static str {
        "Guildhall"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Opened {
    /// # Safety
    /// Called by napi on the JavaScript thread with a live `env`.
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        match val.0 {
            Ok(gh) => unsafe { Guildhall::to_napi_value(env, gh) },
            Err(e) => Err(convert::js_error(&Env::from_raw(env), &e)),
        }
    }
}

/// Opens a backend the way the Python module does (`guildhall_adapters::OpenOptions`:
/// the one config schema, then the one builder): the call's `database` and `redis` beat
/// the environment's, which beat the config's; none of them naming a database is
/// `INVALID_ARGUMENT` (no file is created); `cache` with Redis is refused. Keys of the options and of
/// an object config may be camelCase.
async fn open_core(options: Arg) -> std::result::Result<Core, CoreError> {
    let o: guildhall_adapters::OpenOptions = arg("options", options)?;
    o.open().await
}

// ----- Trade -----
#[napi]
impl Guildhall {
    /// Opens a trade of `request.player` with `request.with`, carrying the opener's first
    /// offer. Errors: `INVALID_ARGUMENT` (with themself, a bad offer), `NOT_FOUND`,
    /// `BLOCKED`, `LIMIT_REACHED`, `IDEMPOTENCY_CONFLICT`.
    #[napi(
        ts_args_type = "request: Input<OpenTradeRequest>",
        ts_return_type = "Promise<TradeResult>"
    )]
    pub fn open_trade(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.open_trade(arg("request", request)?).await }.await)
        })
    }

    /// A side replaces their offer (a change moves the revision and clears both
    /// confirmations; `confirm` also confirms the revision it makes). Errors:
    /// `TRADE_CLOSED`, `TRADE_CHANGED`, `FORBIDDEN`, `NOT_FOUND`, `INVALID_ARGUMENT`.
    #[napi(
        ts_args_type = "request: Input<TradeOfferRequest>",
        ts_return_type = "Promise<TradeResult>"
    )]
    pub fn set_trade_offer(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.set_trade_offer(arg("request", request)?).await }.await)
        })
    }

    /// A side confirms the revision it saw; the second confirmation is the exchange, in
    /// one commit. Errors: `TRADE_CLOSED`, `TRADE_CHANGED`, `FORBIDDEN`, `BLOCKED`,
    /// `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`,
    /// `STACK_LIMIT`.
    #[napi(
        ts_args_type = "request: Input<ConfirmTradeRequest>",
        ts_return_type = "Promise<TradeResult>"
    )]
    pub fn confirm_trade(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.confirm_trade(arg("request", request)?).await }.await)
        })
    }

    /// A side cancels an open trade. Errors: `TRADE_CLOSED`, `FORBIDDEN`, `NOT_FOUND`.
    #[napi(
        ts_args_type = "request: Input<CancelTradeRequest>",
        ts_return_type = "Promise<TradeResult>"
    )]
    pub fn cancel_trade(&self, env: &Env, request: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.cancel_trade(arg("request", request)?).await }.await)
        })
    }

    /// One trade. Errors: `NOT_FOUND`.
    #[napi(ts_args_type = "tradeId: string", ts_return_type = "Promise<Trade>")]
    pub fn trade(&self, env: &Env, trade_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.trade(&text("tradeId", trade_id)?).await }.await)
        })
    }

    /// A player's open trades and history.
    #[napi(
        ts_args_type = "player: string",
        ts_return_type = "Promise<PlayerTrades>"
    )]
    pub fn player_trades(&self, env: &Env, player_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.player_trades(&player("player", player_id)?).await }.await)
        })
    }

    /// The most recently opened trades, newest first (1-200, default 50).
    #[napi(
        ts_args_type = "limit?: number | bigint",
        ts_return_type = "Promise<Trade[]>"
    )]
    pub fn recent_trades(&self, env: &Env, limit: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(
                async {
                    let limit = opt_limit("limit", limit)?.unwrap_or(50);
                    core?.recent_trades(limit).await
                }
                .await,
            )
        })
    }

    /// The ledger entries of a completed trade's exchange (the trade id in their metadata).
    #[napi(
        ts_args_type = "tradeId: string",
        ts_return_type = "Promise<LedgerEntry[]>"
    )]
    pub fn trade_ledger(&self, env: &Env, trade_id: Arg) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.trade_ledger(&text("tradeId", trade_id)?).await }.await)
        })
    }

    /// Closes the open trades past their expiry; returns how many.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn expire_trades(&self, env: &Env) -> Call {
        let core = self.core();
        call(env, hold(&core), async move {
            done(async { core?.expire_trades().await }.await)
        })
    }
}
