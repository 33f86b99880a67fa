//! Account recovery, verification and closing (SPEC.md "Account recovery and closing"):
//! a reset code works once, expires, and is spent by too many wrong entries; every
//! token of the account is signed out by a reset; a code reaches a local SMTP sink; a
//! closed account cannot log in, its name can be taken again, its wallet stays, and it
//! can be reopened; the account's activity log.

use crate::common::{client_with, spawn_app};
use guildhall_core::access::{
    CodeChannel, CodeRequest, RegisterRequest, ResetPasswordRequest, VerifyIdentityRequest,
};
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::ManualClock;
use guildhall_core::types::{Currency, PlayerId};
use guildhall_core::{Config, ErrorCode, Guildhall};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn core(adjust: impl FnOnce(&mut Config)) -> (Guildhall, Arc<ManualClock>) {
    let mut c = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    adjust(&mut c);
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let gh = Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::new()),
        c,
    )
    .with_clock(clock.clone());
    (gh, clock)
}

/// The code of the last `code_issued` event (the webhook channel) sent to `to`.
async fn last_code(gh: &Guildhall, to: &str) -> String {
    let events = gh.events_after(0, Some(1000)).await.unwrap();
    let e = events
        .iter()
        .rev()
        .find(|e| e.kind == "code_issued" && e.payload["to"] == to)
        .expect("a code_issued event");
    assert!(e.players.is_empty(), "no player's stream carries a code");
    e.payload["code"].as_str().unwrap().to_string()
}

fn email(subject: &str) -> CodeRequest {
    CodeRequest {
        provider: "email".into(),
        subject: subject.into(),
    }
}

async fn account_with_email(gh: &Guildhall, name: &str, mail: &str) -> PlayerId {
    let grant = gh
        .register_account(RegisterRequest {
            username: name.into(),
            password: "first password".into(),
        })
        .await
        .unwrap();
    let p = grant.account.player.clone();
    gh.start_verification(&p, email(mail)).await.unwrap();
    let code = last_code(gh, mail).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let e = gh
        .verify_identity(
            &p,
            VerifyIdentityRequest {
                provider: "email".into(),
                subject: mail.into(),
                code: wrong.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CodeInvalid);
    let acc = gh
        .verify_identity(
            &p,
            VerifyIdentityRequest {
                provider: "email".into(),
                subject: mail.to_uppercase(),
                code,
            },
        )
        .await
        .unwrap();
    assert!(acc
        .identities
        .iter()
        .any(|i| i.provider == "email" && i.subject == mail));
    p
}

fn reset(mail: &str, code: &str, pw: &str) -> ResetPasswordRequest {
    ResetPasswordRequest {
        provider: "email".into(),
        subject: mail.into(),
        code: code.into(),
        new_password: pw.into(),
    }
}

fn other(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test]
async fn a_reset_code_works_once_expires_and_is_spent_by_wrong_entries() {
    let (gh, clock) = core(|_| {});
    let mail = "alice@example.com";
    let p = account_with_email(&gh, "alice", mail).await;
    let old = gh.login_password("alice", "first password").await.unwrap();

    // Once: wrong entries count down, the right one sets the password and signs every
    // token out; the same code again is refused.
    let sent = gh.start_password_reset(email(mail)).await.unwrap();
    assert_eq!(sent.channel, CodeChannel::Webhook);
    let code = last_code(&gh, mail).await;
    assert_eq!(code.len(), 6);
    let e = gh
        .reset_password(reset(mail, &other(&code), "second password"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CodeInvalid);
    assert_eq!(e.details["attempts_left"], 4);
    clock.advance_secs(1);
    let acc = gh
        .reset_password(reset(mail, &code, "second password"))
        .await
        .unwrap();
    assert_eq!(acc.player, p);
    let e = gh
        .reset_password(reset(mail, &code, "third password"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CodeInvalid);
    let e = gh
        .rotate_refresh_token(&old.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::Unauthenticated,
        "old refresh tokens revoked"
    );
    assert!(gh.login_password("alice", "first password").await.is_err());
    gh.login_password("alice", "second password").await.unwrap();

    // Expiry: 10 minutes.
    gh.start_password_reset(email(mail)).await.unwrap();
    let code = last_code(&gh, mail).await;
    clock.advance_secs(601);
    let e = gh
        .reset_password(reset(mail, &code, "third password"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CodeExpired);

    // At most 5 attempts: after 5 wrong entries the right code is refused too.
    gh.start_password_reset(email(mail)).await.unwrap();
    let code = last_code(&gh, mail).await;
    for left in (0..5).rev() {
        let e = gh
            .reset_password(reset(mail, &other(&code), "third password"))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::CodeInvalid);
        assert_eq!(e.details["attempts_left"], left);
    }
    let e = gh
        .reset_password(reset(mail, &code, "third password"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CodeInvalid);
    gh.login_password("alice", "second password").await.unwrap();

    // An address with no account answers the same and sends nothing.
    let before = gh.events_after(0, Some(1000)).await.unwrap().len();
    gh.start_password_reset(email("nobody@example.com"))
        .await
        .unwrap();
    assert_eq!(gh.events_after(0, Some(1000)).await.unwrap().len(), before);
    // A codes-per-hour limit per address (5: one verification and three resets so far).
    gh.start_password_reset(email(mail)).await.unwrap();
    let e = gh.start_password_reset(email(mail)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
}

/// A tiny SMTP server on the loopback: answers every command, keeps each message.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let kept = messages.clone();
    tokio::spawn(async move {
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = conn.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        kept.lock().unwrap().push(data);
                        b"250 kept\r\n"
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, messages)
}

#[tokio::test]
async fn a_code_reaches_a_local_smtp_server() {
    let (port, messages) = smtp_sink().await;
    let (gh, _clock) = core(|c| {
        c.recovery.email_channel = CodeChannel::Smtp;
        c.recovery.smtp_port = port;
        c.recovery.smtp_from = "noreply@guildhall.test".into();
    });
    let p = gh
        .register_account(RegisterRequest {
            username: "bob".into(),
            password: "bob password".into(),
        })
        .await
        .unwrap()
        .account
        .player;
    let sent = gh
        .start_verification(&p, email("bob@example.com"))
        .await
        .unwrap();
    assert_eq!(sent.channel, CodeChannel::Smtp);
    let all = messages.lock().unwrap().clone();
    assert_eq!(all.len(), 1);
    let msg = &all[0];
    assert!(msg.contains("To: bob@example.com"), "{msg}");
    assert!(msg.contains("From: noreply@guildhall.test"), "{msg}");
    let at = msg.find("Your code: ").expect("the subject names the code") + "Your code: ".len();
    let code: String = msg[at..].chars().take(6).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    // The code is in no event.
    let events = gh.events_after(0, Some(1000)).await.unwrap();
    assert!(events.iter().all(|e| e.kind != "code_issued"));
    gh.verify_identity(
        &p,
        VerifyIdentityRequest {
            provider: "email".into(),
            subject: "bob@example.com".into(),
            code,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        gh.find_account("email", "bob@example.com")
            .await
            .unwrap()
            .player,
        p
    );
}

async fn register(app: &crate::common::TestApp, name: &str, pw: &str) -> Value {
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({ "username": name, "password": pw })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn a_closed_account_cannot_log_in_its_name_is_free_and_it_can_be_reopened() {
    let app = spawn_app().await;
    let carol = register(&app, "carol", "carol password").await;
    let p = carol["account"]["player"].as_str().unwrap().to_string();
    app.grant(&p, 50).await;
    let player = client_with(carol["access_token"].as_str().unwrap());
    let app_ref = &app;
    let close = |body: Value| {
        let player = player.clone();
        let url = format!("{}/v1/players/{p}/close", app_ref.url);
        async move { app_ref.send(player.post(url).json(&body)).await }
    };
    close(json!({})).await.assert_error(400, "INVALID_ARGUMENT");
    close(json!({ "password": "wrong password" }))
        .await
        .assert_error(401, "UNAUTHENTICATED");
    let closed = close(json!({ "password": "carol password" })).await;
    assert!(closed.ok()["closed_at"].is_string());

    // Signed out, cannot log in.
    let me = app
        .send(player.get(format!("{}/v1/players/{p}/wallet", app.url)))
        .await;
    me.assert_error(401, "UNAUTHENTICATED");
    let refresh = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/refresh", app.url))
                .json(&json!({ "refresh_token": carol["refresh_token"] })),
        )
        .await;
    assert!(refresh.status.is_client_error(), "{}", refresh.body);
    let login = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/login", app.url))
                .json(&json!({ "username": "carol", "password": "carol password" })),
        )
        .await;
    login.assert_error(401, "UNAUTHENTICATED");

    // The wallet and ledger stay; the name can be taken again by a new account.
    assert_eq!(app.gold(&p).await, 50);
    let again = register(&app, "carol", "new carol password").await;
    assert_ne!(again["account"]["player"], p.as_str());

    // Reopening: the old name went to the new account, so it is dropped.
    let reopened = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/reopen", app.url))
                .json(&json!({ "player": p, "password": "carol password" })),
        )
        .await;
    assert!(reopened.ok()["closed_at"].is_null());
    assert!(reopened.ok()["identities"].as_array().unwrap().is_empty());

    // A closed account whose name is still free gets it back.
    let dave = register(&app, "dave", "dave password").await;
    let d = dave["account"]["player"].as_str().unwrap().to_string();
    app.post(&format!("/v1/players/{d}/close"), json!({}))
        .await
        .ok();
    app.post(&format!("/v1/admin/accounts/{d}/reopen"), json!({}))
        .await
        .ok();
    let login = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/login", app.url))
                .json(&json!({ "username": "dave", "password": "dave password" })),
        )
        .await;
    login.ok();

    // The activity log.
    let log = app.get(&format!("/v1/players/{d}/activity")).await;
    let kinds: Vec<&str> = log
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "account_registered",
            "account_closed",
            "account_reopened",
            "logged_in"
        ]
    );
}
