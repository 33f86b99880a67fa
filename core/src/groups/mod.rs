//! Groups: guilds and clans with roles and a bank (SPEC.md Groups). Decisions live in [`rules`].
//!
//! State is three kinds of versioned documents, each guarded by its version:
//! - [`Group`] (`group`, id = group id): the group with its members, their roles and
//!   join times, pending join requests and invites. Every membership change writes it,
//!   so concurrent joins of one group are serialized by its version.
//! - [`GroupsOf`] (`groups_of`, id = player id): the groups a player is in, with their
//!   kinds (the per-player limits are counted here).
//! - [`GroupName`] (`group_name`, id = the lowercased name): written at version 0 in the
//!   commit that creates the group, so two groups never share a name whatever its case;
//!   deleted with the group, which frees the name.
//!
//! The bank is the ledger account `group:<id>` ([`crate::types::Account::Group`]): a
//! balance per currency with a floor of zero, written under its row's version like a
//! player's wallet.

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::{Amount, Balance, PlayerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind a group gets when none is given.
pub const DEFAULT_KIND: &str = "guild";

/// Group limits and kinds (SPEC.md Groups), configured under `[groups]`; missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GroupsConfig {
    /// Members a group may have when its creator names no maximum (default 100).
    pub default_max_members: u32,
    /// Largest `max_members` a creator may ask for (default 1000).
    pub max_members_cap: u32,
    /// Groups a player may be in at most, of every kind together (default 5).
    pub max_groups_per_player: u32,
    /// Groups a player may be in at most, per kind (default `{ guild = 1 }`); a kind
    /// not listed is limited by `max_groups_per_player` only.
    pub kinds: BTreeMap<String, u32>,
}

impl Default for GroupsConfig {
    fn default() -> Self {
        Self {
            default_max_members: 100,
            max_members_cap: 1000,
            max_groups_per_player: 5,
            kinds: BTreeMap::from([(DEFAULT_KIND.to_string(), 1)]),
        }
    }
}

impl GroupsConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key (`groups.<key>`).
    pub fn check(&self) -> Result<()> {
        if self.max_members_cap < 2 {
            return Err(Error::invalid(
                "groups.max_members_cap",
                "groups.max_members_cap is at least 2",
            ));
        }
        if !(2..=self.max_members_cap).contains(&self.default_max_members) {
            return Err(Error::invalid(
                "groups.default_max_members",
                "groups.default_max_members is 2 to groups.max_members_cap",
            ));
        }
        if self.max_groups_per_player < 1 {
            return Err(Error::invalid(
                "groups.max_groups_per_player",
                "groups.max_groups_per_player is at least 1",
            ));
        }
        for (kind, n) in &self.kinds {
            rules::check_kind(kind).map_err(|_| {
                Error::invalid(
                    "groups.kinds",
                    format!("groups.kinds: '{kind}' is not 1-32 of [a-z0-9_]"),
                )
            })?;
            if *n < 1 {
                return Err(Error::invalid(
                    "groups.kinds",
                    format!("groups.kinds.{kind} is at least 1"),
                ));
            }
        }
        Ok(())
    }

    /// Groups of `kind` a player may be in.
    pub fn kind_limit(&self, kind: &str) -> u32 {
        self.kinds
            .get(kind)
            .copied()
            .unwrap_or(self.max_groups_per_player)
            .min(self.max_groups_per_player)
    }
}

/// A member's role (SPEC.md Groups): one owner; officers and the owner accept requests,
/// invite and kick members below their role; only the owner promotes, demotes,
/// transfers ownership or disbands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    /// A member.
    Member,
    /// An officer: accepts requests, invites, kicks members, withdraws from the bank.
    Officer,
    /// The owner (exactly one).
    Owner,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupMember {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Their role.
    pub role: GroupRole,
    /// When they joined, UTC (succession goes to the longest-standing).
    pub joined_at: DateTime<Utc>,
}

/// A pending request to join a closed group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupJoinRequest {
    /// The player asking.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// When they asked, UTC.
    pub at: DateTime<Utc>,
}

/// A pending invite into a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupInvite {
    /// The player invited.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The owner or officer who invited.
    #[schema(value_type = String)]
    pub invited_by: PlayerId,
    /// When, UTC.
    pub at: DateTime<Utc>,
}

/// A group (SPEC.md Groups).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    /// Id (its bank is the ledger account `group:<id>`).
    pub id: String,
    /// Name, unique without regard to case (1-64 bytes, no control characters, no
    /// leading or trailing spaces).
    pub name: String,
    /// Kind (`guild` by default; per-player limits count per kind).
    pub kind: String,
    /// Description, 0-1000 bytes.
    pub description: String,
    /// Open: anyone may join; closed: by request or invite.
    pub open: bool,
    /// Members at most.
    pub max_members: u32,
    /// Free-form JSON object (or null).
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// The owner (always a member with role `owner`).
    #[schema(value_type = String)]
    pub owner: PlayerId,
    /// Members in join order.
    pub members: Vec<GroupMember>,
    /// Pending join requests, oldest first.
    pub requests: Vec<GroupJoinRequest>,
    /// Pending invites, oldest first.
    pub invites: Vec<GroupInvite>,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
}

impl Group {
    /// The member record of `p`, if a member.
    pub fn member(&self, p: &PlayerId) -> Option<&GroupMember> {
        self.members.iter().find(|m| &m.player == p)
    }
    /// True when `p` is a member.
    pub fn has(&self, p: &PlayerId) -> bool {
        self.member(p).is_some()
    }
    /// Member ids in join order.
    pub fn players(&self) -> Vec<PlayerId> {
        self.members.iter().map(|m| m.player.clone()).collect()
    }
    /// The role of `p`, if a member.
    pub fn role_of(&self, p: &PlayerId) -> Option<GroupRole> {
        self.member(p).map(|m| m.role)
    }
}

impl Document for Group {
    const KIND: &'static str = "group";
}

/// One group a player is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// The group id.
    pub group_id: String,
    /// Its kind.
    pub kind: String,
}

/// The groups a player is in (document id = player id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsOf {
    /// In join order.
    pub groups: Vec<GroupRef>,
}

impl Document for GroupsOf {
    const KIND: &'static str = "groups_of";
}

/// The claim on a name (document id = the name lowercased).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupName {
    /// The group holding the name.
    pub group_id: String,
    /// The name as written.
    pub name: String,
}

impl Document for GroupName {
    const KIND: &'static str = "group_name";
}

/// Request of [`crate::Guildhall::create_group`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    /// The creator, who becomes owner.
    #[schema(value_type = String)]
    pub owner: PlayerId,
    /// Name: 1-64 bytes, no control characters, no leading or trailing spaces; unique
    /// without regard to case (`NAME_TAKEN`).
    pub name: String,
    /// Description, 0-1000 bytes (default empty).
    #[serde(default)]
    pub description: String,
    /// Open: anyone may join (default false: closed, by request or invite).
    #[serde(default)]
    pub open: bool,
    /// Members at most, 2 to `groups.max_members_cap` (default `groups.default_max_members`, 100).
    #[serde(default)]
    pub max_members: Option<u32>,
    /// Kind, 1-32 of `[a-z0-9_]` (default `guild`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Free-form JSON object (default null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
}

/// Filter and page of [`crate::Guildhall::find_groups`].
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// Names starting with this, without regard to case (default: every group).
    #[serde(default)]
    pub prefix: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One group in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Open or closed.
    pub open: bool,
    /// Members now.
    pub member_count: u32,
    /// Members at most.
    pub max_members: u32,
    /// The owner.
    #[schema(value_type = String)]
    pub owner: PlayerId,
}

/// A page of groups ordered by lowercased name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupPage {
    /// The groups.
    pub groups: Vec<GroupSummary>,
    /// Pass as `cursor` for the next page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// The group after a member left: `None` when the last member left and it is gone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupLeaveResult {
    /// The group id.
    pub group_id: String,
    /// The player who left (or was removed).
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The group as it is now, if it still exists.
    pub group: Option<Group>,
}

/// Request of [`crate::Guildhall::group_deposit`] and [`crate::Guildhall::group_withdraw`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBankRequest {
    /// The member depositing (any member) or withdrawing (an officer or the owner).
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The group.
    pub group_id: String,
    /// Currency code.
    pub currency: String,
    /// Smallest currency units, > 0.
    pub amount: Amount,
    /// Ledger reason, 1-64 bytes (default `group_deposit` / `group_withdraw`).
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key, 1-255 bytes: the same key and request again returns the stored
    /// result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What a deposit or withdrawal did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupBankResult {
    /// The call's transaction id (the ledger entry's).
    pub transaction_id: String,
    /// The group.
    pub group_id: String,
    /// The member.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Currency code.
    pub currency: String,
    /// Smallest units moved.
    pub amount: Amount,
    /// The group's balance after, smallest units.
    pub group_balance: Amount,
    /// The player's balance after, smallest units.
    pub player_balance: Amount,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

/// A group's bank: one balance per configured currency (zero when never touched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupBank {
    /// The group.
    pub group_id: String,
    /// Balances in configured currency order, smallest units.
    pub balances: Vec<Balance>,
}
