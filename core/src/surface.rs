//! The types that cross every surface (HTTP, Node, Python), listed once. Each binding
//! and the generator of their declarations (guildhall-tests' `binding_types`) expand
//! these lists with a macro of their own, so a new operation's request and result types
//! are named here and nowhere else; the field shapes come from the types themselves
//! (serde and their `utoipa::ToSchema` derives).
//!
//! `for_each_result_type!(m)` expands to `m!(Type, Type, ...)` with every type a
//! [`crate::Guildhall`] operation returns; `for_each_request_type!(m)` likewise with the
//! request, filter and query types the operations take.

/// Calls `$m!(...)` with every result type of a [`crate::Guildhall`] operation.
#[macro_export]
macro_rules! for_each_result_type {
    ($m:ident) => {
        $m!(
            $crate::types::Wallet,
            $crate::economy::BalanceChangeResult,
            $crate::economy::TransferResult,
            $crate::HistoryPage,
            $crate::economy::LedgerReport,
            $crate::types::CatalogItem,
            $crate::types::InventoryEntry,
            $crate::inventory::PurchaseResult,
            $crate::inventory::ItemChangeResult,
            $crate::ports::PopularItem,
            $crate::ports::DailyRevenue,
            $crate::mail::Mail,
            $crate::mail::SendMailResult,
            $crate::mail::ClaimResult,
            $crate::mail::Broadcast,
            $crate::announce::Template,
            $crate::announce::Trigger,
            $crate::announce::Message,
            $crate::ports::Session,
            $crate::party::Party,
            $crate::party::Invite,
            $crate::chat::ChatMessage,
            $crate::chat::ChatPage,
            $crate::chat::ChatMute,
            $crate::matchmaking::Ticket,
            $crate::TicketStatus,
            $crate::matchmaking::Rating,
            $crate::matchmaking::MatchRecord,
            $crate::ReportResult,
            $crate::groups::Group,
            $crate::groups::GroupInvite,
            $crate::groups::GroupPage,
            $crate::groups::GroupLeaveResult,
            $crate::groups::GroupBankResult,
            $crate::groups::GroupBank,
            $crate::achievements::Achievement,
            $crate::achievements::AchievementStatus,
            $crate::achievements::ProgressResult,
            $crate::achievements::AchievementClaimResult,
            $crate::types::Event,
            $crate::friends::FriendshipResult,
            $crate::friends::BlockResult,
            $crate::friends::Friend,
            $crate::friends::FriendRequests,
            $crate::leaderboards::Leaderboard,
            $crate::leaderboards::SubmitScoreResult,
            $crate::leaderboards::StandingsPage,
            $crate::leaderboards::PlayerStanding,
            $crate::leaderboards::LeaderboardPeriod,
            $crate::leaderboards::JoinTournamentResult,
            $crate::trade::Trade,
            $crate::trade::TradeResult,
            $crate::trade::PlayerTrades,
            $crate::types::LedgerEntry,
            // Characters and the account bank.
            $crate::characters::Character,
            $crate::characters::CharacterResult,
            $crate::characters::CharacterSelection,
            $crate::characters::CharacterList,
            $crate::characters::BankMoveResult,
            $crate::characters::AccountBank,
            $crate::characters::Equipment,
            $crate::characters::EquipResult,
            $crate::loot::LootTable,
            $crate::loot::LootResult,
            $crate::loot::LootPreview,
            $crate::loot::LootRoll,
            $crate::loot::LootRollResult,
            $crate::payments::PaymentLogPage,
            $crate::payments::PaymentRecord,
            $crate::downloads::FileMeta,
            $crate::downloads::FileList,
            $crate::downloads::FileContent,
        );
    };
}

/// Calls `$m!(...)` with every request, filter and query type a [`crate::Guildhall`]
/// operation takes.
#[macro_export]
macro_rules! for_each_request_type {
    ($m:ident) => {
        $m!(
            $crate::economy::GrantRequest,
            $crate::economy::SpendRequest,
            $crate::economy::TransferRequest,
            $crate::HistoryFilter,
            $crate::inventory::PurchaseRequest,
            $crate::inventory::UseItemRequest,
            $crate::inventory::GrantItemRequest,
            $crate::PopularItemsQuery,
            $crate::RevenueQuery,
            $crate::mail::SendMailRequest,
            $crate::mail::BroadcastRequest,
            $crate::announce::Location,
            $crate::announce::FireRequest,
            $crate::matchmaking::QueueRequest,
            $crate::friends::SendFriendRequest,
            $crate::friends::FriendActionRequest,
            $crate::friends::BlockRequest,
            $crate::chat::PostMessageRequest,
            $crate::chat::MuteRequest,
            $crate::achievements::ProgressRequest,
            $crate::achievements::ClaimAchievementRequest,
            $crate::groups::CreateGroupRequest,
            $crate::groups::GroupQuery,
            $crate::groups::GroupBankRequest,
            $crate::leaderboards::PutLeaderboardRequest,
            $crate::leaderboards::SubmitScoreRequest,
            $crate::leaderboards::StandingsQuery,
            $crate::leaderboards::PlayerStandingQuery,
            $crate::leaderboards::JoinTournamentRequest,
            $crate::trade::OpenTradeRequest,
            $crate::trade::TradeOfferRequest,
            $crate::trade::ConfirmTradeRequest,
            $crate::trade::CancelTradeRequest,
            // Characters and the account bank.
            $crate::characters::CreateCharacterRequest,
            $crate::characters::RenameCharacterRequest,
            $crate::characters::CharacterActionRequest,
            $crate::characters::BankMoveRequest,
            $crate::characters::EquipRequest,
            $crate::characters::UnequipRequest,
            $crate::loot::RollLootRequest,
            $crate::loot::ReplayLootRequest,
            $crate::loot::LootChoiceRequest,
            $crate::payments::PaymentLogQuery,
            $crate::downloads::PutFileRequest,
            $crate::downloads::FileListQuery,
        );
    };
}
