//! SQLite Store (placeholder until implemented).
use guildhall_core::{Error, Result};

/// The SQLite store.
pub struct SqliteStore;
impl SqliteStore {
    /// Opens the database.
    pub async fn connect(_url: &str) -> Result<Self> {
        Err(Error::unavailable("sqlite store not built yet"))
    }
}
