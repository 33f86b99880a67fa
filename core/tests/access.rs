//! Account and access services over the in-memory store (SPEC.md Accounts and access).

use chrono::{Duration, TimeZone, Utc};
use guildhall_core::access::{BanRequest, IdentityLoginRequest, RegisterRequest};
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::{Clock, ManualClock};
use guildhall_core::types::{Currency, PlayerId};
use guildhall_core::{Config, ErrorCode, Guildhall};
use std::sync::Arc;

fn p(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

fn setup_with(config: Config) -> (Guildhall, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    ));
    let gh = Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::with_cache()),
        config,
    )
    .with_clock(clock.clone());
    (gh, clock)
}

fn config() -> Config {
    Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap()
}

fn setup() -> (Guildhall, Arc<ManualClock>) {
    setup_with(config())
}

fn register(name: &str) -> RegisterRequest {
    RegisterRequest {
        username: name.into(),
        password: "correct horse battery".into(),
    }
}

#[tokio::test]
async fn register_then_log_in_with_the_password_only() {
    let (gh, _) = setup();
    let grant = gh.register_account(register("Alice")).await.unwrap();
    assert!(grant.created);
    assert!(grant.refresh_token.starts_with("ghr_"));
    assert!(grant.account.has_password);
    assert_eq!(grant.account.identities[0].subject, "alice");

    let again = gh
        .login_password("ALICE", "correct horse battery")
        .await
        .unwrap();
    assert_eq!(again.account.player, grant.account.player);
    assert_ne!(again.refresh_token, grant.refresh_token);

    let wrong = gh
        .login_password("alice", "wrong password!")
        .await
        .unwrap_err();
    let unknown = gh
        .login_password("nobody", "wrong password!")
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Unauthenticated);
    assert_eq!(
        wrong.message, unknown.message,
        "no hint which part was wrong"
    );

    let taken = gh.register_account(register("alice")).await.unwrap_err();
    assert_eq!(taken.code, ErrorCode::InvalidArgument);
    assert_eq!(taken.details["reason"], "taken");
    let short = gh
        .register_account(RegisterRequest {
            username: "bob".into(),
            password: "short".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(short.code, ErrorCode::InvalidArgument);
    assert!(!short.message.contains("short"));
}

#[tokio::test]
async fn one_username_is_claimed_once_under_concurrency() {
    let (gh, _) = setup();
    let tries = (0..8).map(|_| {
        let gh = gh.clone();
        tokio::spawn(async move { gh.register_account(register("carol")).await })
    });
    let mut ok = 0;
    for t in tries.collect::<Vec<_>>() {
        ok += usize::from(t.await.unwrap().is_ok());
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let (gh, clock) = setup();
    let first = gh.register_account(register("dave")).await.unwrap();
    let second = gh.rotate_refresh_token(&first.refresh_token).await.unwrap();
    let third = gh
        .rotate_refresh_token(&second.refresh_token)
        .await
        .unwrap();
    // The first token again: stolen copy. The whole family goes.
    let reuse = gh
        .rotate_refresh_token(&first.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(reuse.code, ErrorCode::Unauthenticated);
    assert_eq!(reuse.details["reason"], "refresh_token_reuse");
    let after = gh
        .rotate_refresh_token(&third.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(after.code, ErrorCode::Unauthenticated);
    // Another login (another family) is untouched.
    let other = gh
        .login_password("dave", "correct horse battery")
        .await
        .unwrap();
    let next = gh.rotate_refresh_token(&other.refresh_token).await.unwrap();
    // Expiry.
    clock.advance_secs(31 * 86_400);
    let expired = gh
        .rotate_refresh_token(&next.refresh_token)
        .await
        .unwrap_err();
    assert!(expired.message.contains("expired"));
    // Garbage.
    for bad in ["", "ghr_xyz", "not-a-token"] {
        assert_eq!(
            gh.rotate_refresh_token(bad).await.unwrap_err().code,
            ErrorCode::Unauthenticated
        );
    }
}

#[tokio::test]
async fn logout_revokes_the_family_and_only_its_owner_may() {
    let (gh, _) = setup();
    let g = gh.register_account(register("erin")).await.unwrap();
    let err = gh
        .revoke_refresh_token(&g.refresh_token, Some(&p("someone-else")))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    gh.revoke_refresh_token(&g.refresh_token, Some(&g.account.player))
        .await
        .unwrap();
    gh.revoke_refresh_token(&g.refresh_token, None)
        .await
        .unwrap();
    assert_eq!(
        gh.rotate_refresh_token(&g.refresh_token)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unauthenticated
    );
}

#[tokio::test]
async fn device_and_vouched_identities_find_or_create_accounts() {
    let (gh, _) = setup();
    let device = gh
        .login_identity(IdentityLoginRequest {
            provider: "device".into(),
            subject: "phone-1".into(),
            player: None,
        })
        .await
        .unwrap();
    assert!(device.created);
    let again = gh
        .login_identity(IdentityLoginRequest {
            provider: "device".into(),
            subject: "phone-1".into(),
            player: None,
        })
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.account.player, device.account.player);

    // A bot vouches for a Discord user under the snowflake as player id.
    let discord = gh
        .login_identity(IdentityLoginRequest {
            provider: "discord".into(),
            subject: "80351110224678912".into(),
            player: Some(p("80351110224678912")),
        })
        .await
        .unwrap();
    assert_eq!(discord.account.player.as_str(), "80351110224678912");
    // The game server links the same player's Alt:V id.
    let altv = gh
        .login_identity(IdentityLoginRequest {
            provider: "altv".into(),
            subject: "social-42".into(),
            player: Some(p("80351110224678912")),
        })
        .await
        .unwrap();
    assert!(!altv.created);
    assert_eq!(altv.account.identities.len(), 2);
    let found = gh.find_account("altv", "social-42").await.unwrap();
    assert_eq!(found.player.as_str(), "80351110224678912");
    // An identity cannot be moved to another player.
    let err = gh
        .login_identity(IdentityLoginRequest {
            provider: "altv".into(),
            subject: "social-42".into(),
            player: Some(p("someone-else")),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
}

#[tokio::test]
async fn bans_stop_logins_tokens_and_acting_until_lifted() {
    let (gh, clock) = setup();
    let g = gh.register_account(register("frank")).await.unwrap();
    let player = g.account.player.clone();
    let issued = clock.now();
    gh.check_player_access(&player, Some(issued)).await.unwrap();
    clock.advance_secs(1);
    let mut events = gh.subscribe();
    let banned = gh
        .ban_player(
            &player,
            BanRequest {
                reason: "duping items".into(),
                until: None,
            },
            "ops",
        )
        .await
        .unwrap();
    assert!(banned.banned);
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.kind, "player_banned");
    assert_eq!(ev.payload["reason"], "duping items");

    let err = gh
        .login_password("frank", "correct horse battery")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Banned);
    assert_eq!(err.details["reason"], "duping items");
    // The cached account was dropped at the commit: the ban is seen at once.
    assert_eq!(
        gh.check_player_access(&player, None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Banned
    );
    assert_eq!(
        gh.rotate_refresh_token(&g.refresh_token)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Banned
    );

    gh.unban_player(&player, "ops").await.unwrap();
    gh.check_player_access(&player, None).await.unwrap();
    // Tokens from before the ban stay signed out.
    assert_eq!(
        gh.check_player_access(&player, Some(issued))
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unauthenticated
    );
    clock.advance_secs(2);
    gh.login_password("frank", "correct horse battery")
        .await
        .unwrap();

    // A timed ban ends by itself; a ban of a player with no account creates one.
    let until = clock.now() + Duration::hours(1);
    gh.ban_player(
        &p("discord-9"),
        BanRequest {
            reason: "spam".into(),
            until: Some(until),
        },
        "bot",
    )
    .await
    .unwrap();
    assert_eq!(
        gh.check_player_access(&p("discord-9"), None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Banned
    );
    clock.advance_secs(7_200);
    gh.check_player_access(&p("discord-9"), None).await.unwrap();
    let past = gh
        .ban_player(
            &p("x"),
            BanRequest {
                reason: "r".into(),
                until: Some(clock.now()),
            },
            "ops",
        )
        .await
        .unwrap_err();
    assert_eq!(past.code, ErrorCode::InvalidArgument);
}

#[tokio::test]
async fn whitelist_mode_admits_listed_players_only() {
    let mut cfg = config();
    cfg.accounts.whitelist = true;
    let (gh, _) = setup_with(cfg);
    let err = gh.register_account(register("gina")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let vouch = IdentityLoginRequest {
        provider: "discord".into(),
        subject: "777".into(),
        player: Some(p("777")),
    };
    assert_eq!(
        gh.login_identity(vouch.clone()).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    gh.set_whitelisted(&p("777"), true).await.unwrap();
    let ok = gh.login_identity(vouch.clone()).await.unwrap();
    assert!(ok.account.whitelisted);
    gh.set_whitelisted(&p("777"), false).await.unwrap();
    assert_eq!(
        gh.login_identity(vouch).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn password_change_signs_out_older_tokens() {
    let (gh, clock) = setup();
    let g = gh.register_account(register("hank")).await.unwrap();
    let player = g.account.player.clone();
    let before = clock.now();
    let err = gh
        .change_password(&player, "not the password", "new password 1")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    clock.advance_secs(1);
    gh.change_password(&player, "correct horse battery", "new password 1")
        .await
        .unwrap();
    assert_eq!(
        gh.check_player_access(&player, Some(before))
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        gh.rotate_refresh_token(&g.refresh_token)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unauthenticated
    );
    assert!(gh
        .login_password("hank", "correct horse battery")
        .await
        .is_err());
    gh.login_password("hank", "new password 1").await.unwrap();
}

#[tokio::test]
async fn api_keys_hold_scopes_and_are_revocable() {
    let (gh, _) = setup();
    let k = gh
        .create_api_key("altv-server", &["economy:write".into(), "party".into()])
        .await
        .unwrap();
    assert!(k.key.starts_with("ghk_"));
    let info = gh.authenticate_api_key(&k.key).await.unwrap();
    assert_eq!(info.scopes, vec!["economy:write", "party"]);
    // One character off: refused.
    let mut wrong = k.key.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        gh.authenticate_api_key(&wrong).await.unwrap_err().code,
        ErrorCode::Unauthenticated
    );
    let bad = gh.create_api_key("x", &["root".into()]).await.unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidArgument);
    assert_eq!(gh.api_keys().await.unwrap().len(), 1);
    gh.revoke_api_key(&k.info.id).await.unwrap();
    assert_eq!(
        gh.authenticate_api_key(&k.key).await.unwrap_err().code,
        ErrorCode::Unauthenticated
    );
    assert!(gh.api_keys().await.unwrap()[0].revoked_at.is_some());
    assert_eq!(
        gh.revoke_api_key("nope").await.unwrap_err().code,
        ErrorCode::NotFound
    );
}
