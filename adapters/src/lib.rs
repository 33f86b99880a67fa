//! # guildhall-adapters
//!
//! Storage adapters for guildhall's [`Store`] port and the facade that opens a whole
//! backend from a URL, so the host and both bindings open it the same way:
//!
//! | URL | Store |
//! |---|---|
//! | `memory://` | [`guildhall_core::memory::MemoryStore`] (nothing persists) |
//! | `sqlite://path/to/file.db` (`sqlite::memory:` too) | [`sqlite::SqliteStore`] |
//! | `postgres://user@host:5432/db` (or `postgresql://`) | [`postgres::PostgresStore`] |

pub mod postgres;
pub mod redis;
mod rows;
pub mod sqlite;

use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::Store;
use guildhall_core::{Config, Error, Guildhall, Result};
use std::sync::Arc;

/// Opens the Store a database URL names and runs its migrations.
/// Errors: `INVALID_ARGUMENT` for an unknown scheme, `UNAVAILABLE` when the database
/// cannot be opened or migrated.
pub async fn open_store(database_url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if database_url == "memory://" || database_url == "memory" {
        Arc::new(MemoryStore::new())
    } else if database_url.starts_with("sqlite:") {
        Arc::new(sqlite::SqliteStore::connect(database_url).await?)
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Arc::new(postgres::PostgresStore::connect(database_url).await?)
    } else {
        return Err(Error::invalid(
            "database",
            format!("unsupported database URL '{database_url}': use sqlite://FILE, postgres://... or memory://"),
        ));
    };
    store.migrate().await?;
    Ok(store)
}

/// Opens a whole backend: the Store from `database_url` (migrated) and the in-process
/// Coordinator, with `config`. Must be called inside a tokio runtime.
pub async fn open(database_url: &str, config: Config) -> Result<Guildhall> {
    let store = open_store(database_url).await?;
    Ok(Guildhall::new(
        store,
        Arc::new(MemoryCoordinator::new()),
        config,
    ))
}

/// Opens a whole backend like [`open`], with the Redis Coordinator
/// ([`redis::RedisCoordinator`], default key prefix) when `redis_url` is given, so many
/// host instances share live events, sessions, cache, leases and rate limits; else the
/// in-process Coordinator. Must be called inside a tokio runtime.
/// Errors: as [`open_store`]; `INVALID_ARGUMENT` for a bad Redis URL, `UNAVAILABLE`
/// when Redis does not answer.
pub async fn open_with(
    database_url: &str,
    redis_url: Option<&str>,
    config: Config,
) -> Result<Guildhall> {
    open_with_options(
        database_url,
        redis_url,
        redis::RedisOptions::default(),
        config,
    )
    .await
}

/// [`open_with`] with Redis options, e.g. a key prefix of its own for each deployment
/// sharing one Redis (`RedisOptions::with_prefix("game1:")`): every host of one
/// deployment must use the same prefix.
pub async fn open_with_options(
    database_url: &str,
    redis_url: Option<&str>,
    redis_options: redis::RedisOptions,
    config: Config,
) -> Result<Guildhall> {
    let Some(redis_url) = redis_url else {
        return open(database_url, config).await;
    };
    let coordinator = redis::RedisCoordinator::connect(redis_url, redis_options).await?;
    let store = open_store(database_url).await?;
    Ok(Guildhall::new(store, Arc::new(coordinator), config))
}
