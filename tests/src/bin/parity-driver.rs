//! The Rust side of the surface parity test (`bindings-python/tests/test_parity.py`):
//! opens the database the other surfaces use, through the same `guildhall_adapters`
//! options as Node and Python (`OpenOptions`: the config file, then the one builder),
//! reads one JSON call per line on stdin, `{"op": "grant", "args": {...}}`, calls the
//! `Guildhall` facade method of that name, and prints one JSON line per call:
//! `{"ok": <the result as the core serializes it>}` or `{"error": {"code", "message"}}`.
//!
//! The arguments are the parity table's canonical snake_case arguments: the request
//! struct itself for a method taking one request (`grant`, `purchase`, `fire`, ...),
//! otherwise one key per parameter, named as in the Rust signature (`player`,
//! `mail_id`, `filter`, ...). An argument that does not deserialize is answered with
//! `INVALID_ARGUMENT`, as Node's and Python's argument conversions do.
//!
//! ```text
//! parity-driver --database sqlite://FILE --config examples/tour.toml
//! ```

use guildhall_core::types::PlayerId;
use guildhall_core::{Error, Guildhall};
use serde_json::{json, Value};
use std::io::{BufRead, Write};

type R = std::result::Result<Value, Error>;

// Macros rather than generic functions: the crate depends on serde_json only, and the
// target types are inferred at each call.

/// A result as the core serializes it.
macro_rules! ok {
    ($e:expr) => {
        serde_json::to_value($e)
            .map_err(|e| Error::unavailable(format!("result not serializable: {e}")))
    };
}

/// The whole argument object as the request type the call takes.
macro_rules! whole {
    ($a:expr) => {
        serde_json::from_value($a.clone())
            .map_err(|e| Error::invalid("args", format!("args: {e}")))?
    };
}

/// Argument `k` (absent is `null`) as the type the call takes.
macro_rules! arg {
    ($a:expr, $k:expr) => {
        serde_json::from_value($a.get($k).cloned().unwrap_or(Value::Null))
            .map_err(|e| Error::invalid($k, format!("{}: {e}", $k)))?
    };
}

fn text(a: &Value, k: &str) -> std::result::Result<String, Error> {
    match a.get(k) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(Error::invalid(k, format!("{k} must be a string"))),
    }
}

fn pid(a: &Value, k: &str) -> std::result::Result<PlayerId, Error> {
    PlayerId::new(text(a, k)?)
}

/// Every operation the driver calls: the public `Guildhall` methods the parity table
/// marks present on Rust. `parity-driver --list` prints them (the test checks the
/// table's Rust column against this list).
const OPS: &[&str] = &[
    "grant",
    "spend",
    "transfer",
    "wallet",
    "balance",
    "history",
    "verify_ledger",
    "purchase",
    "use_item",
    "grant_item",
    "inventory",
    "upsert_catalog_item",
    "set_catalog_item_active",
    "catalog_item",
    "catalog",
    "popular_items",
    "revenue_per_day",
    "events_after",
    "prune",
    "send_mail",
    "broadcast_mail",
    "mailbox",
    "open_mail",
    "claim_mail",
    "delete_mail",
    "put_template",
    "template",
    "templates",
    "put_trigger",
    "cancel_trigger",
    "trigger",
    "triggers",
    "preview",
    "fire",
    "push_scheduled_audience",
    "send_due_triggers",
    "take_lease",
    "login",
    "heartbeat",
    "logout",
    "session",
    "online",
    "player_events_after",
    "create_party",
    "invite_to_party",
    "accept_invite",
    "decline_invite",
    "join_party",
    "leave_party",
    "kick_from_party",
    "promote_in_party",
    "disband_party",
    "party_of",
    "party",
    "post_message",
    "channel_history",
    "mute_player",
    "unmute_player",
    "create_group",
    "group",
    "group_by_name",
    "groups_of",
    "find_groups",
    "join_group",
    "request_to_join_group",
    "invite_to_group",
    "accept_group_invite",
    "decline_group_invite",
    "accept_join_request",
    "decline_join_request",
    "kick_from_group",
    "promote_in_group",
    "demote_in_group",
    "transfer_group_ownership",
    "leave_group",
    "disband_group",
    "group_deposit",
    "group_withdraw",
    "group_bank",
    "put_leaderboard",
    "leaderboard",
    "leaderboards",
    "submit_score",
    "leaderboard_standings",
    "leaderboard_standing",
    "leaderboard_periods",
    "join_tournament",
    "run_leaderboard_resets",
    "admin_remove_group_member",
    "admin_disband_group",
    "send_friend_request",
    "accept_friend_request",
    "decline_friend_request",
    "remove_friend",
    "block_player",
    "unblock_player",
    "friends",
    "friend_requests",
    "blocked",
    "put_achievement",
    "delete_achievement",
    "achievement",
    "achievements",
    "player_achievements",
    "achievement_status",
    "progress_achievement",
    "claim_achievement",
    "rating",
    "queue",
    "cancel_ticket",
    "ticket_status",
    "tickets_waiting",
    "pool",
    "tick",
    "report_match",
    "match_record",
    "match_history",
    "register_account",
    "login_password",
    "login_identity",
    "rotate_refresh_token",
    "revoke_refresh_token",
    "change_password",
    "sign_out_everywhere",
    "ban_player",
    "unban_player",
    "set_whitelisted",
    "account",
    "find_account",
    "check_player_access",
    "create_api_key",
    "authenticate_api_key",
    "revoke_api_key",
    "api_key",
    "api_keys",
    "rate_hit",
    "migrate",
    "today",
    "open_trade",
    "set_trade_offer",
    "confirm_trade",
    "cancel_trade",
    "trade",
    "player_trades",
    "recent_trades",
    "trade_ledger",
    "expire_trades",
    // Characters and the account bank.
    "create_character",
    "rename_character",
    "delete_character",
    "restore_character",
    "select_character",
    "characters",
    "character",
    "check_token_reach",
    "bank_deposit",
    "bank_withdraw",
    "account_bank",
    "equip_item",
    "unequip_item",
    "equipment",
    "put_loot_table",
    "delete_loot_table",
    "loot_table",
    "loot_tables",
    "roll_loot",
    "loot_result",
    "replay_loot",
    "loot_roll",
    "choose_loot_roll",
    "resolve_loot_rolls",
    "create_room",
    "enter_room",
    "leave_room",
    "destroy_room",
    "room",
    "player_room",
    "rooms",
    "room_log",
    "destroy_idle_rooms",
    "lobby",
    "push_lobby",
    "payment_signature_header",
    "receive_payment_webhook",
    "payment_log",
    "payment",
    "put_file",
    "check_file_size",
    "upload_file",
    "file",
    "file_content",
    "files",
    "file_versions",
];

async fn call(gh: &Guildhall, op: &str, a: &Value) -> R {
    match op {
        // ----- Economy -----
        "grant" => ok!(gh.grant(whole!(a)).await?),
        "spend" => ok!(gh.spend(whole!(a)).await?),
        "transfer" => ok!(gh.transfer(whole!(a)).await?),
        "wallet" => ok!(gh.wallet(&pid(a, "player")?).await?),
        "balance" => ok!(gh
            .balance(&pid(a, "player")?, &text(a, "currency")?)
            .await?),
        "history" => {
            let filter = {
                let v: Option<_> = arg!(a, "filter");
                v
            }
            .unwrap_or_default();
            ok!(gh.history(&pid(a, "player")?, filter).await?)
        }
        "verify_ledger" => ok!(gh.verify_ledger().await?),
        // ----- Catalog and inventory -----
        "purchase" => ok!(gh.purchase(whole!(a)).await?),
        "use_item" => ok!(gh.use_item(whole!(a)).await?),
        "grant_item" => ok!(gh.grant_item(whole!(a)).await?),
        "inventory" => ok!(gh.inventory(&pid(a, "player")?).await?),
        "upsert_catalog_item" => ok!(gh.upsert_catalog_item(whole!(a)).await?),
        "set_catalog_item_active" => {
            ok!(gh
                .set_catalog_item_active(&text(a, "id")?, arg!(a, "active"))
                .await?)
        }
        "catalog_item" => ok!(gh.catalog_item(&text(a, "id")?).await?),
        "catalog" => ok!(gh.catalog().await?),
        "popular_items" => ok!(gh.popular_items(&whole!(a)).await?),
        "revenue_per_day" => ok!(gh.revenue_per_day(&whole!(a)).await?),
        "today" => ok!(gh.today()),
        // ----- Events -----
        "events_after" => ok!(gh.events_after(arg!(a, "after"), arg!(a, "limit")).await?),
        "prune" => ok!(gh.prune().await?),
        // ----- Mail -----
        "send_mail" => ok!(gh.send_mail(whole!(a)).await?),
        "broadcast_mail" => ok!(gh.broadcast_mail(whole!(a)).await?),
        "mailbox" => ok!(gh.mailbox(&pid(a, "player")?).await?),
        "open_mail" => ok!(gh
            .open_mail(&pid(a, "player")?, &text(a, "mail_id")?)
            .await?),
        "claim_mail" => ok!(gh
            .claim_mail(
                &pid(a, "player")?,
                &text(a, "mail_id")?,
                arg!(a, "idempotency_key")
            )
            .await?),
        "delete_mail" => ok!(gh
            .delete_mail(&pid(a, "player")?, &text(a, "mail_id")?)
            .await?),
        // ----- Announcements -----
        "put_template" => ok!(gh.put_template(whole!(a)).await?),
        "template" => ok!(gh.template(&text(a, "id")?).await?),
        "templates" => ok!(gh.templates().await?),
        "put_trigger" => ok!(gh.put_trigger(whole!(a)).await?),
        "cancel_trigger" => ok!(gh.cancel_trigger(&text(a, "id")?).await?),
        "trigger" => ok!(gh.trigger(&text(a, "id")?).await?),
        "triggers" => ok!(gh.triggers().await?),
        "preview" => {
            let vars = {
                let v: Option<_> = arg!(a, "variables");
                v
            }
            .unwrap_or_default();
            ok!(gh.preview(&text(a, "template_id")?, &vars).await?)
        }
        "fire" => ok!(gh.fire(whole!(a)).await?),
        "push_scheduled_audience" => ok!(gh.push_scheduled_audience(arg!(a, "kind")).await?),
        "send_due_triggers" => ok!(gh.send_due_triggers().await?),
        "take_lease" => ok!(gh
            .take_lease(&text(a, "name")?, &text(a, "holder")?, arg!(a, "ttl_secs"))
            .await?),
        // ----- Presence -----
        "login" => {
            let loc = {
                let v: Option<_> = arg!(a, "location");
                v
            }
            .unwrap_or_default();
            ok!(gh.login(&pid(a, "player")?, loc).await?)
        }
        "heartbeat" => ok!(gh
            .heartbeat(&pid(a, "player")?, arg!(a, "location"))
            .await?),
        "logout" => ok!(gh.logout(&pid(a, "player")?).await?),
        "session" => ok!(gh.session(&pid(a, "player")?).await?),
        "online" => ok!(gh.online().await?),
        "player_events_after" => ok!(gh
            .player_events_after(&pid(a, "player")?, arg!(a, "after"), arg!(a, "limit"))
            .await?),
        // ----- Chat -----
        "post_message" => ok!(gh.post_message(whole!(a)).await?),
        "channel_history" => {
            let reader: Option<PlayerId> = arg!(a, "player");
            let before: Option<String> = arg!(a, "before");
            ok!(gh
                .channel_history(
                    reader.as_ref(),
                    &text(a, "channel")?,
                    before.as_deref(),
                    arg!(a, "limit")
                )
                .await?)
        }
        "mute_player" => ok!(gh.mute_player(whole!(a)).await?),
        "unmute_player" => ok!(gh.unmute_player(&pid(a, "player")?).await?),
        // ----- Parties -----
        "create_party" => {
            let open = {
                let v: Option<bool> = arg!(a, "open");
                v
            }
            .unwrap_or(false);
            ok!(gh.create_party(&pid(a, "player")?, open).await?)
        }
        "invite_to_party" => {
            ok!(gh
                .invite_to_party(&pid(a, "leader")?, &pid(a, "invitee")?)
                .await?)
        }
        "accept_invite" => ok!(gh
            .accept_invite(&pid(a, "player")?, &text(a, "party_id")?)
            .await?),
        "decline_invite" => {
            ok!(gh
                .decline_invite(&pid(a, "player")?, &text(a, "party_id")?)
                .await?)
        }
        "join_party" => ok!(gh
            .join_party(&pid(a, "player")?, &text(a, "party_id")?)
            .await?),
        "leave_party" => ok!(gh.leave_party(&pid(a, "player")?).await?),
        "kick_from_party" => ok!(gh
            .kick_from_party(&pid(a, "leader")?, &pid(a, "target")?)
            .await?),
        "promote_in_party" => {
            ok!(gh
                .promote_in_party(&pid(a, "leader")?, &pid(a, "target")?)
                .await?)
        }
        "disband_party" => ok!(gh.disband_party(&pid(a, "leader")?).await?),
        "party_of" => ok!(gh.party_of(&pid(a, "player")?).await?),
        "party" => ok!(gh.party(&text(a, "party_id")?).await?),
        // ----- Friends -----
        "send_friend_request" => ok!(gh.send_friend_request(whole!(a)).await?),
        "accept_friend_request" => ok!(gh.accept_friend_request(whole!(a)).await?),
        "decline_friend_request" => ok!(gh.decline_friend_request(whole!(a)).await?),
        "remove_friend" => ok!(gh.remove_friend(whole!(a)).await?),
        "block_player" => ok!(gh.block_player(whole!(a)).await?),
        "unblock_player" => ok!(gh.unblock_player(whole!(a)).await?),
        "friends" => ok!(gh.friends(&pid(a, "player")?).await?),
        "friend_requests" => ok!(gh.friend_requests(&pid(a, "player")?).await?),
        "blocked" => ok!(gh.blocked(&pid(a, "player")?).await?),
        // ----- Achievements and quests -----
        "put_achievement" => ok!(gh.put_achievement(whole!(a)).await?),
        "delete_achievement" => ok!(gh.delete_achievement(&text(a, "achievement_id")?).await?),
        "achievement" => ok!(gh.achievement(&text(a, "achievement_id")?).await?),
        "achievements" => ok!(gh.achievements().await?),
        "player_achievements" => ok!(gh.player_achievements(&pid(a, "player")?).await?),
        "achievement_status" => ok!(gh
            .achievement_status(&pid(a, "player")?, &text(a, "achievement_id")?)
            .await?),
        "progress_achievement" => ok!(gh.progress_achievement(whole!(a)).await?),
        "claim_achievement" => ok!(gh.claim_achievement(whole!(a)).await?),
        // ----- Groups -----
        "create_group" => ok!(gh.create_group(whole!(a)).await?),
        "group" => ok!(gh.group(&text(a, "group_id")?).await?),
        "group_by_name" => ok!(gh.group_by_name(&text(a, "name")?).await?),
        "groups_of" => ok!(gh.groups_of(&pid(a, "player")?).await?),
        "find_groups" => ok!(gh.find_groups(whole!(a)).await?),
        "join_group" => ok!(gh
            .join_group(&pid(a, "player")?, &text(a, "group_id")?)
            .await?),
        "request_to_join_group" => ok!(gh
            .request_to_join_group(&pid(a, "player")?, &text(a, "group_id")?)
            .await?),
        "invite_to_group" => ok!(gh
            .invite_to_group(
                &pid(a, "actor")?,
                &text(a, "group_id")?,
                &pid(a, "invitee")?
            )
            .await?),
        "accept_group_invite" => ok!(gh
            .accept_group_invite(&pid(a, "player")?, &text(a, "group_id")?)
            .await?),
        "decline_group_invite" => ok!(gh
            .decline_group_invite(&pid(a, "player")?, &text(a, "group_id")?)
            .await?),
        "accept_join_request" => ok!(gh
            .accept_join_request(&pid(a, "actor")?, &text(a, "group_id")?, &pid(a, "player")?)
            .await?),
        "decline_join_request" => ok!(gh
            .decline_join_request(&pid(a, "actor")?, &text(a, "group_id")?, &pid(a, "player")?)
            .await?),
        "kick_from_group" => ok!(gh
            .kick_from_group(&pid(a, "actor")?, &text(a, "group_id")?, &pid(a, "target")?)
            .await?),
        "promote_in_group" => ok!(gh
            .promote_in_group(&pid(a, "actor")?, &text(a, "group_id")?, &pid(a, "target")?)
            .await?),
        "demote_in_group" => ok!(gh
            .demote_in_group(&pid(a, "actor")?, &text(a, "group_id")?, &pid(a, "target")?)
            .await?),
        "transfer_group_ownership" => ok!(gh
            .transfer_group_ownership(&pid(a, "actor")?, &text(a, "group_id")?, &pid(a, "target")?)
            .await?),
        "leave_group" => ok!(gh
            .leave_group(&pid(a, "player")?, &text(a, "group_id")?)
            .await?),
        "disband_group" => ok!(gh
            .disband_group(&pid(a, "actor")?, &text(a, "group_id")?)
            .await?),
        "group_deposit" => ok!(gh.group_deposit(whole!(a)).await?),
        "group_withdraw" => ok!(gh.group_withdraw(whole!(a)).await?),
        "group_bank" => ok!(gh.group_bank(&text(a, "group_id")?).await?),
        // ----- Leaderboards and tournaments -----
        "put_leaderboard" => ok!(gh.put_leaderboard(whole!(a)).await?),
        "leaderboard" => ok!(gh.leaderboard(&text(a, "board")?).await?),
        "leaderboards" => ok!(gh.leaderboards().await?),
        "submit_score" => ok!(gh.submit_score(whole!(a)).await?),
        "leaderboard_standings" => ok!(gh.leaderboard_standings(whole!(a)).await?),
        "leaderboard_standing" => ok!(gh.leaderboard_standing(whole!(a)).await?),
        "leaderboard_periods" => ok!(gh
            .leaderboard_periods(
                &text(a, "board")?,
                a.get("partition")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            )
            .await?),
        "join_tournament" => ok!(gh.join_tournament(whole!(a)).await?),
        "run_leaderboard_resets" => ok!(gh.run_leaderboard_resets().await?),
        "admin_remove_group_member" => ok!(gh
            .admin_remove_group_member(&text(a, "group_id")?, &pid(a, "player")?)
            .await?),
        "admin_disband_group" => ok!(gh.admin_disband_group(&text(a, "group_id")?).await?),
        // ----- Matchmaking -----
        "rating" => ok!(gh.rating(&pid(a, "player")?, &text(a, "queue")?).await?),
        "queue" => ok!(gh.queue(whole!(a)).await?),
        "cancel_ticket" => ok!(gh.cancel_ticket(&pid(a, "player")?).await?),
        "ticket_status" => ok!(gh.ticket_status(&pid(a, "player")?).await?),
        "tickets_waiting" => ok!(gh.tickets_waiting().await?),
        "pool" => ok!(gh.pool(&text(a, "queue")?).await?),
        "tick" => ok!(gh.tick(&text(a, "holder")?).await?),
        "report_match" => ok!(gh
            .report_match(&text(a, "match_id")?, arg!(a, "ranks"))
            .await?),
        "match_record" => ok!(gh.match_record(&text(a, "match_id")?).await?),
        "match_history" => ok!(gh
            .match_history(&pid(a, "player")?, arg!(a, "limit"))
            .await?),
        // ----- Accounts and access -----
        "register_account" => ok!(gh.register_account(whole!(a)).await?),
        "login_password" => {
            ok!(gh
                .login_password(&text(a, "username")?, &text(a, "password")?)
                .await?)
        }
        "login_identity" => ok!(gh.login_identity(whole!(a)).await?),
        "rotate_refresh_token" => ok!(gh.rotate_refresh_token(&text(a, "token")?).await?),
        "revoke_refresh_token" => {
            let player: Option<String> = arg!(a, "player");
            let player = player.map(PlayerId::new).transpose()?;
            ok!(gh
                .revoke_refresh_token(&text(a, "token")?, player.as_ref())
                .await?)
        }
        "change_password" => ok!(gh
            .change_password(&pid(a, "player")?, &text(a, "current")?, &text(a, "new")?)
            .await?),
        "sign_out_everywhere" => ok!(gh.sign_out_everywhere(&pid(a, "player")?).await?),
        "ban_player" => ok!(gh
            .ban_player(&pid(a, "player")?, arg!(a, "req"), &text(a, "by")?)
            .await?),
        "unban_player" => ok!(gh.unban_player(&pid(a, "player")?, &text(a, "by")?).await?),
        "set_whitelisted" => ok!(gh
            .set_whitelisted(&pid(a, "player")?, arg!(a, "listed"))
            .await?),
        "account" => ok!(gh.account(&pid(a, "player")?).await?),
        "find_account" => ok!(gh
            .find_account(&text(a, "provider")?, &text(a, "subject")?)
            .await?),
        "check_player_access" => ok!(gh
            .check_player_access(&pid(a, "player")?, arg!(a, "issued_at"))
            .await?),
        "create_api_key" => {
            let scopes: Vec<String> = arg!(a, "scopes");
            ok!(gh.create_api_key(&text(a, "name")?, &scopes).await?)
        }
        "authenticate_api_key" => ok!(gh.authenticate_api_key(&text(a, "key")?).await?),
        "revoke_api_key" => ok!(gh.revoke_api_key(&text(a, "id")?).await?),
        "api_key" => ok!(gh.api_key(&text(a, "id")?).await?),
        "api_keys" => ok!(gh.api_keys().await?),
        "rate_hit" => {
            let d = gh
                .rate_hit(&text(a, "key")?, arg!(a, "limit"), arg!(a, "window_secs"))
                .await?;
            Ok(json!({ "allowed": format!("{d:?}") }))
        }
        "migrate" => ok!(gh.migrate().await?),
        // ----- Trade -----
        "open_trade" => ok!(gh.open_trade(whole!(a)).await?),
        "set_trade_offer" => ok!(gh.set_trade_offer(whole!(a)).await?),
        "confirm_trade" => ok!(gh.confirm_trade(whole!(a)).await?),
        "cancel_trade" => ok!(gh.cancel_trade(whole!(a)).await?),
        "trade" => ok!(gh.trade(&text(a, "trade_id")?).await?),
        "player_trades" => ok!(gh.player_trades(&pid(a, "player")?).await?),
        "recent_trades" => ok!(gh.recent_trades(arg!(a, "limit")).await?),
        "trade_ledger" => ok!(gh.trade_ledger(&text(a, "trade_id")?).await?),
        "expire_trades" => ok!(gh.expire_trades().await?),
        // ----- Characters and the account bank -----
        "create_character" => ok!(gh.create_character(whole!(a)).await?),
        "rename_character" => ok!(gh.rename_character(whole!(a)).await?),
        "delete_character" => ok!(gh.delete_character(whole!(a)).await?),
        "restore_character" => ok!(gh.restore_character(whole!(a)).await?),
        "select_character" => ok!(gh.select_character(whole!(a)).await?),
        "characters" => ok!(gh.characters(&pid(a, "account")?).await?),
        "character" => ok!(gh.character(&pid(a, "character")?).await?),
        "check_token_reach" => ok!(gh
            .check_token_reach(&pid(a, "holder")?, &pid(a, "target")?, arg!(a, "issued_at"))
            .await?),
        "bank_deposit" => ok!(gh.bank_deposit(whole!(a)).await?),
        "bank_withdraw" => ok!(gh.bank_withdraw(whole!(a)).await?),
        "account_bank" => ok!(gh.account_bank(&pid(a, "player")?).await?),
        "equip_item" => ok!(gh.equip_item(whole!(a)).await?),
        "unequip_item" => ok!(gh.unequip_item(whole!(a)).await?),
        "equipment" => ok!(gh.equipment(&pid(a, "player")?).await?),
        // ----- Loot tables -----
        "put_loot_table" => ok!(gh.put_loot_table(whole!(a)).await?),
        "delete_loot_table" => ok!(gh.delete_loot_table(&text(a, "id")?).await?),
        "loot_table" => ok!(gh.loot_table(&text(a, "id")?).await?),
        "loot_tables" => ok!(gh.loot_tables().await?),
        "roll_loot" => ok!(gh.roll_loot(whole!(a)).await?),
        "loot_result" => ok!(gh.loot_result(&text(a, "id")?).await?),
        "replay_loot" => ok!(gh.replay_loot(whole!(a)).await?),
        "loot_roll" => ok!(gh.loot_roll(&text(a, "id")?).await?),
        "choose_loot_roll" => ok!(gh.choose_loot_roll(whole!(a)).await?),
        "resolve_loot_rolls" => ok!(gh.resolve_loot_rolls().await?),
        // ----- Rooms and the lobby -----
        "create_room" => ok!(gh.create_room(whole!(a)).await?),
        "enter_room" => ok!(gh.enter_room(whole!(a)).await?),
        "leave_room" => ok!(gh.leave_room(whole!(a)).await?),
        "destroy_room" => ok!(gh.destroy_room(whole!(a)).await?),
        "room" => ok!(gh.room(&text(a, "room_id")?).await?),
        "player_room" => ok!(gh.player_room(&pid(a, "player")?).await?),
        "rooms" => ok!(gh.rooms(arg!(a, "limit")).await?),
        "room_log" => {
            let after: Option<String> = arg!(a, "after");
            ok!(gh
                .room_log(&text(a, "room_id")?, after.as_deref(), arg!(a, "limit"))
                .await?)
        }
        "destroy_idle_rooms" => ok!(gh.destroy_idle_rooms().await?),
        "lobby" => ok!(gh.lobby().await?),
        "push_lobby" => ok!(gh.push_lobby(whole!(a)).await?),
        // ----- Payments and game data files -----
        "payment_signature_header" => ok!(gh.payment_signature_header(&text(a, "provider")?)?),
        "receive_payment_webhook" => ok!(gh
            .receive_payment_webhook(guildhall_core::payments::WebhookDelivery {
                provider: text(a, "provider")?,
                signature: arg!(a, "signature"),
                body: text(a, "body")?.into_bytes(),
            })
            .await?),
        "payment_log" => ok!(gh.payment_log(whole!(a)).await?),
        "payment" => ok!(gh
            .payment(&text(a, "provider")?, &text(a, "payment_id")?)
            .await?),
        "put_file" => {
            let content_type: Option<String> = arg!(a, "content_type");
            ok!(gh
                .put_file(
                    &text(a, "name")?,
                    content_type.as_deref(),
                    text(a, "content")?.into_bytes()
                )
                .await?)
        }
        "check_file_size" => ok!(gh.check_file_size(arg!(a, "size"))?),
        "upload_file" => ok!(gh.upload_file(whole!(a)).await?),
        "file" => {
            let f = gh.file(&text(a, "name")?, arg!(a, "version")).await?;
            ok!(json!({ "file": f.meta, "size": f.bytes.len() }))
        }
        "file_content" => ok!(gh.file_content(&text(a, "name")?).await?),
        "files" => ok!(gh.files(whole!(a)).await?),
        "file_versions" => ok!(gh.file_versions(&text(a, "name")?).await?),
        other => Err(Error::invalid(
            "op",
            format!("the parity driver has no operation `{other}`"),
        )),
    }
}

fn main() {
    let mut database = None;
    let mut config = Value::Null;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--database" => database = args.next(),
            "--config" => config = args.next().map_or(Value::Null, Value::String),
            "--list" => {
                for op in OPS {
                    println!("{op}");
                }
                return;
            }
            other => {
                eprintln!("parity-driver: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let opened = rt.block_on(
        guildhall_adapters::OpenOptions {
            database,
            redis: None,
            config,
            cache: Some(false),
        }
        .open(),
    );
    let gh = match opened {
        Ok(gh) => gh,
        Err(e) => {
            eprintln!(
                "parity-driver: cannot open: {} {}",
                e.code.as_str(),
                e.message
            );
            std::process::exit(1);
        }
    };
    let stdout = std::io::stdout();
    println!("{}", json!({ "ready": true }));
    stdout.lock().flush().ok();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Err(e) => {
                json!({ "error": { "code": "INVALID_ARGUMENT", "message": format!("bad line: {e}") } })
            }
            Ok(req) => {
                let op = req
                    .get("op")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let args = req.get("args").cloned().unwrap_or_else(|| json!({}));
                match rt.block_on(call(&gh, &op, &args)) {
                    Ok(v) => json!({ "ok": v }),
                    Err(e) => json!({ "error": { "code": e.code.as_str(), "message": e.message } }),
                }
            }
        };
        let mut out = stdout.lock();
        writeln!(out, "{reply}").ok();
        out.flush().ok();
    }
}
