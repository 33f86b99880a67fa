//! One error type for every module: a stable [`ErrorCode`], a human message and
//! JSON details. The same code reaches Rust, HTTP, JS and Python (SPEC.md, "Error codes").

use serde::{Deserialize, Serialize};

/// The stable error codes of SPEC.md. Serialized in `SCREAMING_SNAKE_CASE`
/// (`"INSUFFICIENT_FUNDS"`), the exact string every binding exposes as `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Malformed or out-of-range input. Nothing changed.
    InvalidArgument,
    /// The named thing (catalog item, currency, entry) does not exist.
    NotFound,
    /// A player balance would go below zero.
    InsufficientFunds,
    /// A balance would pass the currency's maximum, or overflow `i64`.
    BalanceLimit,
    /// A durable item is already owned.
    AlreadyOwned,
    /// The player owns none of the item.
    NotOwned,
    /// Only consumables can be used.
    NotConsumable,
    /// The player owns fewer than asked.
    InsufficientQuantity,
    /// A consumable stack would pass its catalog item's `max_stack`.
    StackLimit,
    /// The catalog item has no price or is inactive.
    NotForSale,
    /// The idempotency key was used before for a different request.
    IdempotencyConflict,
    /// A player sent too many mails in the current day.
    MailSendLimit,
    /// Attachments can only be claimed from an opened mail.
    MailNotRead,
    /// The attachments were claimed already.
    AlreadyClaimed,
    /// A mail with unclaimed attachments cannot be deleted.
    UnclaimedAttachments,
    /// The party has no free slot.
    PartyFull,
    /// The player is in a party already.
    AlreadyInParty,
    /// The player is not in a party.
    NotInParty,
    /// Only the party leader may do this.
    NotPartyLeader,
    /// The invite has expired.
    InviteExpired,
    /// The player already has an active matchmaking ticket.
    TicketExists,
    /// No or invalid credentials.
    Unauthenticated,
    /// Credentials are valid but do not allow this.
    Forbidden,
    /// The player is banned.
    Banned,
    /// Too many requests; `details.retry_after_seconds` says when to retry.
    RateLimited,
    /// A concurrent change won every retry; the call changed nothing and may be retried.
    Conflict,
    /// Storage is unreachable; the call changed nothing that is not also reported.
    Unavailable,
    /// The two players are friends already (SPEC.md Friends).
    AlreadyFriends,
    /// One of the two players has blocked the other (SPEC.md Friends: a block stops requests, invites, direct chat and player mail).
    Blocked,
    /// A configured count limit was reached (friends, pending requests, groups per player, ...).
    LimitReached,
    /// The name is in use (group names compare case-insensitively).
    NameTaken,
    /// The group has no free place.
    GroupFull,
    /// The player is not a member of the group.
    NotGroupMember,
    /// The player's role in the group does not allow this (SPEC.md Groups: roles).
    GroupPermission,
    /// The player is muted in chat until `details.until` (UTC).
    Muted,
    /// The player may not post to or read the chat channel.
    NotChannelMember,
    /// The tournament has not started or has ended; joins and scores are refused (SPEC.md Leaderboards and tournaments).
    TournamentClosed,
    /// The tournament has its maximum number of entrants.
    TournamentFull,
    /// The achievement or quest has not reached its goal, so its reward cannot be claimed yet.
    NotCompleted,
    /// The trade was completed, cancelled or expired; it takes no more changes.
    TradeClosed,
    /// The trade's offers changed since the caller last saw them; confirm again.
    TradeChanged,
    /// The room has no free place.
    RoomFull,
    /// The one-time code (recovery, verification) does not match.
    CodeInvalid,
    /// The one-time code is past its end time.
    CodeExpired,
}

impl ErrorCode {
    /// The HTTP status the host answers with for this code (SPEC.md: 400, 401, 403,
    /// 404, 409, 422, 429, 503).
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidArgument => 400,
            Unauthenticated => 401,
            Forbidden | Banned => 403,
            NotFound => 404,
            IdempotencyConflict | Conflict | AlreadyOwned | AlreadyClaimed | AlreadyInParty
            | TicketExists | AlreadyFriends | NameTaken => 409,
            InsufficientFunds | BalanceLimit | NotOwned | NotConsumable | InsufficientQuantity
            | StackLimit | NotForSale | MailSendLimit | MailNotRead | UnclaimedAttachments
            | PartyFull | NotInParty | NotPartyLeader | InviteExpired | Blocked | LimitReached
            | GroupFull | NotGroupMember | GroupPermission | Muted | NotChannelMember
            | TournamentClosed | TournamentFull | NotCompleted | RoomFull | CodeInvalid
            | CodeExpired => 422,
            TradeClosed | TradeChanged => 409,
            RateLimited => 429,
            Unavailable => 503,
        }
    }

    /// The code as its stable string, e.g. `"INSUFFICIENT_FUNDS"`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidArgument => "INVALID_ARGUMENT",
            NotFound => "NOT_FOUND",
            InsufficientFunds => "INSUFFICIENT_FUNDS",
            BalanceLimit => "BALANCE_LIMIT",
            AlreadyOwned => "ALREADY_OWNED",
            NotOwned => "NOT_OWNED",
            NotConsumable => "NOT_CONSUMABLE",
            InsufficientQuantity => "INSUFFICIENT_QUANTITY",
            StackLimit => "STACK_LIMIT",
            NotForSale => "NOT_FOR_SALE",
            IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            MailSendLimit => "MAIL_SEND_LIMIT",
            MailNotRead => "MAIL_NOT_READ",
            AlreadyClaimed => "ALREADY_CLAIMED",
            UnclaimedAttachments => "UNCLAIMED_ATTACHMENTS",
            PartyFull => "PARTY_FULL",
            AlreadyInParty => "ALREADY_IN_PARTY",
            NotInParty => "NOT_IN_PARTY",
            NotPartyLeader => "NOT_PARTY_LEADER",
            InviteExpired => "INVITE_EXPIRED",
            TicketExists => "TICKET_EXISTS",
            Unauthenticated => "UNAUTHENTICATED",
            Forbidden => "FORBIDDEN",
            Banned => "BANNED",
            RateLimited => "RATE_LIMITED",
            Conflict => "CONFLICT",
            Unavailable => "UNAVAILABLE",
            AlreadyFriends => "ALREADY_FRIENDS",
            Blocked => "BLOCKED",
            LimitReached => "LIMIT_REACHED",
            NameTaken => "NAME_TAKEN",
            GroupFull => "GROUP_FULL",
            NotGroupMember => "NOT_GROUP_MEMBER",
            GroupPermission => "GROUP_PERMISSION",
            Muted => "MUTED",
            NotChannelMember => "NOT_CHANNEL_MEMBER",
            TournamentClosed => "TOURNAMENT_CLOSED",
            TournamentFull => "TOURNAMENT_FULL",
            NotCompleted => "NOT_COMPLETED",
            TradeClosed => "TRADE_CLOSED",
            TradeChanged => "TRADE_CHANGED",
            RoomFull => "ROOM_FULL",
            CodeInvalid => "CODE_INVALID",
            CodeExpired => "CODE_EXPIRED",
        }
    }

    /// Every code, in SPEC.md order (the second round's codes after the first's) (for bindings that generate one class per code).
    pub const ALL: [ErrorCode; 44] = {
        use ErrorCode::*;
        [
            InvalidArgument,
            NotFound,
            InsufficientFunds,
            BalanceLimit,
            AlreadyOwned,
            NotOwned,
            NotConsumable,
            InsufficientQuantity,
            StackLimit,
            NotForSale,
            IdempotencyConflict,
            MailSendLimit,
            MailNotRead,
            AlreadyClaimed,
            UnclaimedAttachments,
            PartyFull,
            AlreadyInParty,
            NotInParty,
            NotPartyLeader,
            InviteExpired,
            TicketExists,
            Unauthenticated,
            Forbidden,
            Banned,
            RateLimited,
            Conflict,
            Unavailable,
            AlreadyFriends,
            Blocked,
            LimitReached,
            NameTaken,
            GroupFull,
            NotGroupMember,
            GroupPermission,
            Muted,
            NotChannelMember,
            TournamentClosed,
            TournamentFull,
            NotCompleted,
            TradeClosed,
            TradeChanged,
            RoomFull,
            CodeInvalid,
            CodeExpired,
        ]
    };
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal or failure: a stable code, a message a player or operator can read,
/// and JSON details (for example `{"currency": "gold", "balance": 5, "required": 10}`).
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize, utoipa::ToSchema)]
#[error("{code}: {message}")]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// A readable explanation; not stable, do not match on it.
    pub message: String,
    /// Structured context; `null` when there is none.
    #[schema(value_type = Option<Object>)]
    pub details: serde_json::Value,
}

impl Error {
    /// An error with a code and message and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// `INVALID_ARGUMENT` naming the offending field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
            .with_details(serde_json::json!({ "field": field }))
    }

    /// `NOT_FOUND` for a kind of thing and its id.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} '{id}' not found"))
            .with_details(serde_json::json!({ "kind": what, "id": id }))
    }

    /// `CONFLICT`: a version the change set read has moved.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// `UNAVAILABLE`: storage failed.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }
}

/// Result with guildhall's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
