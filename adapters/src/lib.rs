//! # guildhall-adapters
//!
//! Storage adapters for guildhall's [`Store`] port and the facade that opens a whole
//! backend from a URL, so the host and both bindings open it the same way:
//!
//! | URL | Store |
//! |---|---|
//! | `memory://` | [`guildhall_core::memory::MemoryStore`] (nothing persists) |
//! | `sqlite://path/to/file.db` (`sqlite::memory:` too) | [`sqlite::SqliteStore`] |

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
        sqlite::SqliteStore::connect(database_url).await?;
        unreachable!("placeholder")
    } else {
        return Err(Error::invalid(
            "database",
            format!("unsupported database URL '{database_url}': use sqlite://FILE or memory://"),
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
