//! # guildhall-core
//!
//! The pure-logic core of guildhall, an embeddable game backend: domain types and
//! error codes ([`types`], [`error`]), rules per module ([`economy::rules`],
//! [`inventory::rules`]) that turn a request and the state it needs into a
//! [`ports::ChangeSet`], the ports adapters implement ([`ports`]), the services that
//! orchestrate them ([`Guildhall`]) and in-memory adapters ([`memory`]).
//!
//! ```no_run
//! # async fn demo() -> guildhall_core::Result<()> {
//! use guildhall_core::{memory::{MemoryCoordinator, MemoryStore}, types::Currency, Config, Guildhall};
//! use std::sync::Arc;
//! let config = Config::new(vec![Currency { code: "gold".into(), max_balance: None }])?;
//! let gh = Guildhall::new(Arc::new(MemoryStore::new()), Arc::new(MemoryCoordinator::new()), config);
//! let wallet = gh.wallet(&"player-1".parse()?).await?;
//! # Ok(()) }
//! ```

pub mod access;
pub mod achievements;
pub mod announce;
pub mod characters;
pub mod chat;
pub mod config;
pub mod ctx;
pub mod docs;
pub mod downloads;
pub mod economy;
pub mod error;
pub mod friends;
pub mod groups;
pub mod holdings;
pub mod inventory;
pub mod leaderboards;
pub mod live;
pub mod loot;
pub mod mail;
pub mod matchmaking;
pub mod memory;
pub mod party;
pub mod payments;
pub mod ports;
pub mod rooms;
pub mod schedule;
pub mod service;
pub mod surface;
pub mod telemetry;
pub mod trade;
pub mod trends;
pub mod types;
pub mod webhooks;

pub use config::Config;
pub use error::{Error, ErrorCode, Result};
pub use service::{
    Caller, Guildhall, HistoryFilter, HistoryPage, PopularItemsQuery, ReportResult, RevenueQuery,
    TicketStatus,
};

impl std::str::FromStr for types::PlayerId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        types::PlayerId::new(s)
    }
}
