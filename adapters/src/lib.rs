//! # guildhall-adapters
//!
//! Storage adapters for guildhall's [`Store`] port, the one configuration schema
//! ([`settings`]) and the one way to open a whole backend ([`Backend::builder`]), so the
//! host and both bindings read the same file and open a backend the same way:
//!
//! | URL | Store | cargo feature |
//! |---|---|---|
//! | `memory://` | [`guildhall_core::memory::MemoryStore`] (nothing persists) | always |
//! | `sqlite:path/to/file.db` (relative), `sqlite:////abs/file.db` (absolute), `sqlite::memory:` ([`sqlite::resolve_url`] has the rule) | `sqlite::SqliteStore` | `sqlite` |
//! | `postgres://user@host:5432/db` (or `postgresql://`) | `postgres::PostgresStore` | `postgres` |
//! | `redis://host:6379` (coordinator) | `redis::RedisCoordinator` | `redis` |
//!
//! Every backend feature is on by default; an embedder that needs one turns the others
//! off (`default-features = false, features = ["sqlite"]`) and links only that one. A
//! URL whose backend is compiled out is refused with `INVALID_ARGUMENT` naming the
//! feature to enable.

#[cfg(feature = "postgres")]
mod gather;
pub mod naming;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod rows;
pub mod settings;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::{Coordinator, Store};
use guildhall_core::types::CatalogItem;
use guildhall_core::{Config, Error, Guildhall, Result};
use std::sync::Arc;

/// `INVALID_ARGUMENT` for a URL whose backend this build does not contain.
#[allow(dead_code)]
fn compiled_out(key: &str, feature: &str) -> Error {
    Error::invalid(
        key,
        format!(
            "this build of guildhall has no {feature} support: enable the `{feature}` feature of guildhall-adapters"
        ),
    )
}

/// Opens the Store a database URL names and runs its migrations.
/// Errors: `INVALID_ARGUMENT` for an unknown scheme or a backend compiled out of this
/// build, `UNAVAILABLE` when the database cannot be opened or migrated.
pub async fn open_store(database_url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if database_url == "memory://" || database_url == "memory" {
        Arc::new(MemoryStore::new())
    } else if database_url.starts_with("sqlite:") {
        #[cfg(feature = "sqlite")]
        {
            Arc::new(sqlite::SqliteStore::connect(database_url).await?)
        }
        #[cfg(not(feature = "sqlite"))]
        return Err(compiled_out("database", "sqlite"));
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            Arc::new(postgres::PostgresStore::connect(database_url).await?)
        }
        #[cfg(not(feature = "postgres"))]
        return Err(compiled_out("database", "postgres"));
    } else {
        return Err(Error::invalid(
            "database",
            format!("unsupported database URL '{database_url}': use sqlite:FILE, postgres://... or memory://"),
        ));
    };
    store.migrate().await?;
    Ok(store)
}

/// The one way to open a whole backend: see [`Backend::builder`].
#[derive(Debug, Clone, Copy)]
pub struct Backend;

impl Backend {
    /// A builder with the defaults: no database (one must be named: opening without one
    /// is refused, so no file is ever created unasked), no Redis, no cache, one currency
    /// `gold`, no catalog.
    ///
    /// ```no_run
    /// # async fn f() -> guildhall_core::Result<()> {
    /// let config = guildhall_adapters::settings::load_file("guildhall.toml".as_ref())?;
    /// let gh = guildhall_adapters::Backend::builder()
    ///     .settings(&config)
    ///     .database("sqlite:game.db")
    ///     .open()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> BackendBuilder {
        BackendBuilder::default()
    }
}

/// Settings of a backend to open; [`BackendBuilder::open`] opens it.
///
/// The rule, the same for the host, the Node module and the Python module:
/// - database: the last of [`settings`](Self::settings) (the file's `database`, or
///   `GUILDHALL_DATABASE_URL` once applied) and [`database`](Self::database) (a flag,
///   or the `database` argument of `open`); none: refused (`INVALID_ARGUMENT` naming
///   `database`), never a file created unasked. The host names its own default
///   ([`settings::DEFAULT_DATABASE`]). SQLite URLs follow [`sqlite::resolve_url`]'s rule
///   (`sqlite:game.db` relative, `sqlite:////srv/game.db` absolute, the ambiguous
///   `sqlite:///x` only where it cannot be mistaken).
/// - Redis: likewise from `redis` / `GUILDHALL_REDIS_URL` / an argument; none: the
///   in-process coordinator. The key prefix is `redis_prefix` (default `guildhall:`).
/// - cache: off by default. On without Redis: the in-process coordinator keeps a read
///   cache of wallets and inventories, for a process that is the database's only
///   writer. With Redis the cache is Redis's, shared by every process and always on,
///   so `cache(true)` with Redis is refused (`INVALID_ARGUMENT` naming `cache`).
#[derive(Debug, Clone, Default)]
pub struct BackendBuilder {
    database: Option<String>,
    redis: Option<String>,
    redis_prefix: Option<String>,
    cache: bool,
    config: Option<Config>,
    catalog: Vec<CatalogItem>,
}

impl BackendBuilder {
    /// Everything a resolved config names: database and Redis (when given), the Redis
    /// prefix, the core config and the catalog. Later calls override.
    pub fn settings(mut self, s: &settings::ResolvedConfig) -> Self {
        if let Some(db) = &s.database {
            self.database = Some(db.clone());
        }
        if let Some(r) = &s.redis {
            self.redis = Some(r.clone());
        }
        if let Some(p) = &s.redis_prefix {
            self.redis_prefix = Some(p.clone());
        }
        self.config = Some(s.core.clone());
        self.catalog = s.catalog.clone();
        self
    }

    /// The database URL: `sqlite:FILE`, `postgres://...` or `memory://`.
    pub fn database(mut self, url: impl Into<String>) -> Self {
        self.database = Some(url.into());
        self
    }

    /// A Redis URL (`redis://HOST:PORT`) for the shared coordinator; `None` keeps what
    /// is set (use [`no_redis`](Self::no_redis) to drop it).
    pub fn redis(mut self, url: Option<impl Into<String>>) -> Self {
        if let Some(url) = url {
            self.redis = Some(url.into());
        }
        self
    }

    /// The in-process coordinator, whatever was set before.
    pub fn no_redis(mut self) -> Self {
        self.redis = None;
        self
    }

    /// The Redis key prefix of this deployment (`None` keeps what is set; default
    /// `guildhall:`). Every process of one deployment uses the same.
    pub fn redis_prefix(mut self, prefix: Option<impl Into<String>>) -> Self {
        if let Some(p) = prefix {
            self.redis_prefix = Some(p.into());
        }
        self
    }

    /// The in-process read cache (see the type's rule; default off).
    pub fn cache(mut self, on: bool) -> Self {
        self.cache = on;
        self
    }

    /// The core configuration (default: one currency `gold`).
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Catalog items inserted or updated when the backend opens.
    pub fn catalog(mut self, items: Vec<CatalogItem>) -> Self {
        self.catalog = items;
        self
    }

    /// The database URL [`open`](Self::open) will use; `None` when none was named
    /// (`open` refuses then).
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// Opens the backend: the Store (migrated), the coordinator, then upserts the
    /// catalog. Must be called inside a tokio runtime. Errors: `INVALID_ARGUMENT` for no
    /// database, a bad or ambiguous URL, a backend compiled out, or `cache` with Redis; `UNAVAILABLE` when the
    /// database or Redis cannot be reached; a catalog item's error names its id.
    pub async fn open(self) -> Result<Guildhall> {
        let config = match self.config.clone() {
            Some(c) => c,
            None => settings::ResolvedConfig::default().core,
        };
        if self.cache && self.redis.is_some() {
            return Err(Error::invalid(
                "cache",
                "`cache` is the in-process cache of a single writer without Redis; with Redis the cache is Redis's, shared by every process",
            ));
        }
        let coordinator: Arc<dyn Coordinator> = match &self.redis {
            Some(url) => self.redis_coordinator(url).await?,
            None if self.cache => Arc::new(MemoryCoordinator::with_cache()),
            None => Arc::new(MemoryCoordinator::new()),
        };
        let Some(database) = self.database_url() else {
            return Err(Error::invalid(
                "database",
                "no database named: pass one (sqlite:game.db for a file relative to the working directory, sqlite:////srv/game.db for an absolute one, postgres://..., or memory:// to keep nothing), or set GUILDHALL_DATABASE_URL or the config's `database`",
            ));
        };
        let store = open_store(database).await?;
        let gh = Guildhall::new(store, coordinator, config);
        for item in self.catalog {
            let id = item.id.clone();
            gh.upsert_catalog_item(item).await.map_err(|e| {
                Error::new(e.code, format!("catalog item '{id}': {}", e.message))
                    .with_details(e.details)
            })?;
        }
        Ok(gh)
    }

    #[cfg(feature = "redis")]
    async fn redis_coordinator(&self, url: &str) -> Result<Arc<dyn Coordinator>> {
        let options = match &self.redis_prefix {
            Some(p) => redis::RedisOptions::with_prefix(p.clone()),
            None => redis::RedisOptions::default(),
        };
        Ok(Arc::new(
            redis::RedisCoordinator::connect(url, options).await?,
        ))
    }

    #[cfg(not(feature = "redis"))]
    async fn redis_coordinator(&self, _url: &str) -> Result<Arc<dyn Coordinator>> {
        Err(compiled_out("redis", "redis"))
    }
}

/// The options of the Node and Python modules' `open` (Node: `Guildhall.open({ database,
/// redis, config, cache })`; Python: `Client.open(database, config, redis=, cache=)`),
/// read and applied the same way for both: `config` through
/// [`settings::for_module`] (an object, a TOML file's path, or nothing; then the
/// environment), then the [`BackendBuilder`] rule. Unknown option keys are refused.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenOptions {
    /// Database URL; beats `GUILDHALL_DATABASE_URL` and the config's `database`.
    #[serde(default)]
    pub database: Option<String>,
    /// Redis URL; beats `GUILDHALL_REDIS_URL` and the config's `redis`.
    #[serde(default)]
    pub redis: Option<String>,
    /// The config: an object of the file's shape (snake_case keys), the path of a TOML
    /// file, or `null`.
    #[serde(default)]
    pub config: serde_json::Value,
    /// The in-process read cache (default off; refused with Redis).
    #[serde(default)]
    pub cache: Option<bool>,
}

impl OpenOptions {
    /// Resolves the config and opens the backend. Errors: as [`settings::load_file`]
    /// and [`BackendBuilder::open`].
    pub async fn open(self) -> Result<Guildhall> {
        let resolved = settings::for_module(self.config)?;
        let mut builder = Backend::builder()
            .settings(&resolved)
            .redis(self.redis)
            .cache(self.cache.unwrap_or(false));
        if let Some(database) = self.database {
            builder = builder.database(database);
        }
        builder.open().await
    }
}

/// Opens a whole backend: the Store from `database_url` (migrated) and the in-process
/// Coordinator, with `config`. Must be called inside a tokio runtime. Shorthand for
/// `Backend::builder().database(url).config(config).open()`.
pub async fn open(database_url: &str, config: Config) -> Result<Guildhall> {
    Backend::builder()
        .database(database_url)
        .config(config)
        .open()
        .await
}

/// [`open`] with the Redis Coordinator when `redis_url` is given (default key prefix).
/// Shorthand for the [`Backend::builder`] with `.redis(redis_url)`.
pub async fn open_with(
    database_url: &str,
    redis_url: Option<&str>,
    config: Config,
) -> Result<Guildhall> {
    Backend::builder()
        .database(database_url)
        .redis(redis_url)
        .config(config)
        .open()
        .await
}
