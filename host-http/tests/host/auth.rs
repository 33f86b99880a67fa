//! Authentication, authorization and abuse limits against a real listening server.

use crate::common::{client_with, spawn_app, spawn_app_with, TestApp};
use guildhall_core::access::scope_grants;
use guildhall_host::auth::{access_rule, Access};
use reqwest::Method;
use serde_json::{json, Value};

struct Login {
    access: String,
    refresh: String,
    player: String,
}

async fn register(app: &TestApp, name: &str) -> Login {
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({ "username": name, "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    login_of(&r.body)
}

fn login_of(body: &Value) -> Login {
    Login {
        access: body["access_token"].as_str().unwrap().into(),
        refresh: body["refresh_token"].as_str().unwrap().into(),
        player: body["account"]["player"].as_str().unwrap().into(),
    }
}

async fn as_client(
    app: &TestApp,
    client: &reqwest::Client,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> crate::common::Res {
    let mut req = client.request(m, format!("{}{}", app.url, path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

/// A body for the routes whose acting player is in the body, naming `victim`.
fn body_for(path: &str, victim: &str, other: &str) -> Value {
    match path {
        "/v1/transfers" => json!({ "from": victim, "to": other, "amount": 1 }),
        "/api/v1/products/{product_id}/purchase" | "/api/v1/products/{product_id}/use" => {
            json!({ "user_id": victim, "quantity": 1 })
        }
        "/v1/parties" => json!({ "leader": victim }),
        "/v1/parties/{party_id}/invites"
        | "/v1/parties/{party_id}/kick"
        | "/v1/parties/{party_id}/promote" => json!({ "leader": victim, "player": other }),
        "/v1/parties/{party_id}/disband" => json!({ "leader": victim }),
        "/v1/queues/{queue}/tickets" => json!({ "player": victim }),
        "/v1/chat/messages" => json!({ "player": victim, "channel": "global", "body": "hi" }),
        "/v1/groups" => json!({ "owner": victim, "name": "Intruded" }),
        "/v1/groups/{group_id}/invites"
        | "/v1/groups/{group_id}/requests/accept"
        | "/v1/groups/{group_id}/requests/decline"
        | "/v1/groups/{group_id}/kick"
        | "/v1/groups/{group_id}/promote"
        | "/v1/groups/{group_id}/demote"
        | "/v1/groups/{group_id}/transfer" => json!({ "actor": victim, "player": other }),
        "/v1/groups/{group_id}/disband" => json!({ "actor": victim }),
        "/v1/groups/{group_id}/bank/deposit" | "/v1/groups/{group_id}/bank/withdraw" => {
            json!({ "player": victim, "currency": "gold", "amount": 1 })
        }
        "/v1/trades" => json!({ "player": victim, "with": other }),
        "/v1/trades/{trade_id}/offer" => json!({ "player": victim, "offer": {} }),
        "/v1/trades/{trade_id}/confirm" => json!({ "player": victim, "revision": 1 }),
        "/v1/rooms" => json!({ "player": victim, "room_type": "duel", "capacity": 2 }),
        _ => json!({ "player": victim }),
    }
}

/// `path` with its parameters filled: the victim, the victim's party, match and group.
fn fill(path: &str, victim: &str, party: &str, match_id: &str, group: &str) -> String {
    let mut out = path.to_string();
    for (k, v) in [
        ("{player}", victim),
        ("{user_id}", victim),
        ("{party_id}", party),
        ("{item_id}", "1"),
        ("{product_id}", "1"),
        ("{currency}", "gold"),
        ("{mail_id}", "mail-1"),
        ("{queue}", "duel"),
        ("{match_id}", match_id),
        ("{template_id}", "tpl-1"),
        ("{trigger_id}", "trg-1"),
        ("{provider}", "discord"),
        ("{subject}", "1"),
        ("{group_id}", group),
        ("{name}", "Victim Guild"),
        ("{other}", "someone"),
        ("{board}", "cup"),
        ("{achievement_id}", "ach-1"),
        ("{character}", "someone"),
        ("{slot}", "head"),
        ("{table_id}", "loot-1"),
        ("{result_id}", "result-1"),
        ("{roll_id}", "roll-1"),
        ("{room_id}", "room-1"),
        ("{payment_id}", "pi_1"),
    ] {
        out = out.replace(k, v);
    }
    out
}

/// What the victim has, to check nothing changed: wallet, ledger history, inventory,
/// mailbox, the outbox length, and the ledger audit.
async fn snapshot(app: &TestApp, victim: &str) -> Value {
    let events = app.get("/v1/events?after=0&limit=1000").await.ok().clone();
    json!({
        "wallet": app.get(&format!("/v1/players/{victim}/wallet")).await.ok()["balances"],
        "history": app.get(&format!("/v1/players/{victim}/history")).await.ok()["entries"],
        "inventory": app.get(&format!("/v1/players/{victim}/inventory")).await.ok().clone(),
        "mail": app.get(&format!("/v1/players/{victim}/mail")).await.ok().clone(),
        "events": events.as_array().map(|a| a.len()),
        "ledger_ok": app.get("/v1/ledger/verify").await.ok()["ok"],
    })
}

#[tokio::test]
async fn every_route_refuses_anonymous_callers_other_players_and_under_scoped_keys() {
    let app = spawn_app().await;
    let victim = register(&app, "victim").await;
    let intruder = register(&app, "intruder").await;
    let v = victim.player.as_str();
    app.grant(v, 500).await;
    app.post(
        &format!("/v1/players/{v}/purchases"),
        json!({ "item_id": "1", "quantity": 2 }),
    )
    .await
    .ok();
    // The victim's party and a match of the victim's, so reads of them are refused by
    // membership, not answered 404.
    let party = app.post("/v1/parties", json!({ "leader": v })).await;
    let party = party.ok()["id"].as_str().unwrap().to_string();
    let match_id = match_of(&app, v, "mate").await;
    let group = app
        .post("/v1/groups", json!({ "owner": v, "name": "Victim Guild" }))
        .await;
    let group = group.ok()["id"].as_str().unwrap().to_string();
    // A trade of the victim's, so reads of it are refused by membership, not 404.
    let trade = app
        .post("/v1/trades", json!({ "player": v, "with": "mate" }))
        .await;
    let trade = trade.ok()["trade"]["id"].as_str().unwrap().to_string();
    let before = snapshot(&app, v).await;

    let narrow_scopes = vec!["presence".to_string()];
    let narrow = app
        .server
        .guildhall()
        .create_api_key("narrow", &narrow_scopes)
        .await
        .unwrap()
        .key;
    let clients = [
        ("anonymous", app.anon.clone()),
        ("another player", client_with(&intruder.access)),
        ("a presence-only key", client_with(&narrow)),
    ];

    let doc = app.get("/openapi.json").await.ok().clone();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let m: Method = method.to_uppercase().parse().unwrap();
            let rule = access_rule(&m, path)
                .unwrap_or_else(|| panic!("{method} {path} has no access rule"));
            let url = fill(path, v, &party, &match_id, &group).replace("{trade_id}", &trade);
            let body = matches!(m, Method::POST | Method::PUT)
                .then(|| body_for(path, v, &intruder.player));
            for (who, client) in &clients {
                let expect = match (*who, rule) {
                    (_, Access::Public) => None,
                    ("anonymous", _) => Some((401, "UNAUTHENTICATED")),
                    (_, Access::Authenticated) => None,
                    ("another player", _) => Some((403, "FORBIDDEN")),
                    (
                        _,
                        Access::OwnPlayer(scope)
                        | Access::BodyPlayer(scope)
                        | Access::Members(scope)
                        | Access::Server(scope),
                    ) if !scope_grants(&narrow_scopes, scope) => Some((403, "FORBIDDEN")),
                    _ => None,
                };
                let Some((status, code)) = expect else {
                    continue;
                };
                let r = as_client(&app, client, m.clone(), &url, body.clone()).await;
                assert_eq!(
                    r.status.as_u16(),
                    status,
                    "{who}: {method} {url} answered {}",
                    r.body
                );
                assert_eq!(r.body["code"], code, "{who}: {method} {url}");
                if status == 401 {
                    assert_eq!(r.headers["www-authenticate"], "Bearer");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} refusals checked");
    assert_eq!(snapshot(&app, v).await, before, "nothing changed");
}

/// Queues `a` and `b` in the duel queue and waits for the scheduler's match; its id.
async fn match_of(app: &TestApp, a: &str, b: &str) -> String {
    for p in [a, b] {
        app.post("/v1/queues/duel/tickets", json!({ "player": p }))
            .await
            .ok();
    }
    for _ in 0..100 {
        let h = app.get(&format!("/v1/players/{a}/matches")).await;
        if let Some(id) = h.ok()["matches"][0]["id"].as_str() {
            return id.to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no match formed for {a} and {b}");
}

/// SPEC.md "Clarifications (second round)": reads of a party or a match are for its
/// members and keys with the matching scope.
#[tokio::test]
async fn parties_and_matches_are_read_by_their_members_and_scoped_keys() {
    let app = spawn_app().await;
    let member = register(&app, "member").await;
    let mate = register(&app, "mate").await;
    let stranger = register(&app, "stranger").await;
    let m = member.player.as_str();
    let party = app.post("/v1/parties", json!({ "leader": m })).await;
    let party = party.ok()["id"].as_str().unwrap().to_string();
    let match_id = match_of(&app, m, &mate.player).await;
    let party_path = format!("/v1/parties/{party}");
    let match_path = format!("/v1/matches/{match_id}");

    let keys = app.server.guildhall();
    let party_key = keys
        .create_api_key("p", &["party".into()])
        .await
        .unwrap()
        .key;
    let mm_key = keys
        .create_api_key("m", &["matchmaking".into()])
        .await
        .unwrap()
        .key;
    let app = &app;
    let get = |token: &str, path: &str| {
        let (c, url) = (client_with(token), format!("{}{}", app.url, path));
        async move { app.send(c.get(url)).await }
    };
    // Members.
    assert_eq!(
        get(&member.access, &party_path).await.ok()["id"],
        json!(party)
    );
    assert_eq!(
        get(&member.access, &match_path).await.ok()["id"],
        json!(match_id)
    );
    assert_eq!(
        get(&mate.access, &match_path).await.ok()["id"],
        json!(match_id)
    );
    // Others.
    get(&stranger.access, &party_path)
        .await
        .assert_error(403, "FORBIDDEN");
    get(&stranger.access, &match_path)
        .await
        .assert_error(403, "FORBIDDEN");
    get(&mate.access, &party_path)
        .await
        .assert_error(403, "FORBIDDEN");
    app.send(app.anon.get(format!("{}{}", app.url, match_path)))
        .await
        .assert_error(401, "UNAUTHENTICATED");
    // Keys: the matching scope only.
    assert_eq!(get(&party_key, &party_path).await.ok()["id"], json!(party));
    get(&party_key, &match_path)
        .await
        .assert_error(403, "FORBIDDEN");
    assert_eq!(get(&mm_key, &match_path).await.ok()["id"], json!(match_id));
    get(&mm_key, &party_path)
        .await
        .assert_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn a_player_token_reaches_its_own_data_only() {
    let app = spawn_app().await;
    let alice = register(&app, "alice").await;
    let bob = register(&app, "bob").await;
    app.grant(&alice.player, 100).await;
    let alice_client = client_with(&alice.access);
    let a = &alice.player;
    let own = as_client(
        &app,
        &alice_client,
        Method::GET,
        &format!("/v1/players/{a}/wallet"),
        None,
    )
    .await;
    assert_eq!(own.ok()["balances"][0]["amount"], 100);
    // Spending and paying from her own wallet works; from Bob's it does not.
    let pay = as_client(
        &app,
        &alice_client,
        Method::POST,
        "/v1/transfers",
        Some(json!({ "from": a, "to": bob.player, "amount": 30 })),
    )
    .await;
    pay.ok();
    let steal = as_client(
        &app,
        &alice_client,
        Method::POST,
        "/v1/transfers",
        Some(json!({ "from": bob.player, "to": a, "amount": 30 })),
    )
    .await;
    steal.assert_error(403, "FORBIDDEN");
    // A player cannot grant themself money.
    as_client(
        &app,
        &alice_client,
        Method::POST,
        &format!("/v1/players/{a}/grant"),
        Some(json!({ "amount": 5 })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    assert_eq!(app.gold(a).await, 70);
    assert_eq!(app.gold(&bob.player).await, 30);
    let me = as_client(&app, &alice_client, Method::GET, "/v1/auth/me", None).await;
    assert_eq!(me.ok()["kind"], "player");
    assert_eq!(me.body["account"]["player"], a.as_str());
}

#[tokio::test]
async fn tokens_are_checked_strictly() {
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
    let secret = b"0a1b2c3d4e5f60718293a4b5c6d7e8f9fedcba9876543210".to_vec();
    let s2 = secret.clone();
    let app = spawn_app_with(move |s| s.auth.secret = s2).await;
    let alice = register(&app, "alice").await;
    let wallet = format!("/v1/players/{}/wallet", alice.player);
    let now = chrono::Utc::now().timestamp();
    let claims = |aud: &str, exp: i64| {
        json!({ "iss": "guildhall", "aud": aud, "sub": alice.player, "exp": exp, "nbf": now - 5,
                "iat": now - 5, "iat_ms": (now - 5) * 1000, "jti": "x" })
    };
    let sign = |header: Header, c: Value, key: &[u8]| {
        encode(&header, &c, &EncodingKey::from_secret(key)).unwrap()
    };
    let mut at = Header::new(Algorithm::HS256);
    at.typ = Some("at+jwt".into());
    // A correctly made token works.
    let good = sign(at.clone(), claims("guildhall", now + 60), &secret);
    as_client(&app, &client_with(&good), Method::GET, &wallet, None)
        .await
        .ok();

    let mut plain = Header::new(Algorithm::HS256);
    plain.typ = Some("JWT".into());
    let mut hs512 = Header::new(Algorithm::HS512);
    hs512.typ = Some("at+jwt".into());
    let unsigned = {
        // alg "none": header and claims, empty signature.
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"at+jwt"}"#),
            b64.encode(claims("guildhall", now + 60).to_string())
        )
    };
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    for (what, token) in [
        (
            "expired",
            sign(at.clone(), claims("guildhall", now - 120), &secret),
        ),
        (
            "other audience",
            sign(at.clone(), claims("another-game", now + 60), &secret),
        ),
        (
            "wrong key",
            sign(
                at.clone(),
                claims("guildhall", now + 60),
                b"another-secret-another-secret-00",
            ),
        ),
        (
            "not an access token",
            sign(plain, claims("guildhall", now + 60), &secret),
        ),
        (
            "another algorithm",
            sign(hs512, claims("guildhall", now + 60), &secret),
        ),
        ("alg none", unsigned),
        ("tampered", tampered),
        ("garbage", "abc.def.ghi".to_string()),
        ("refresh token as access token", alice.refresh.clone()),
        ("unknown key", format!("ghk_abcdef_{}", "0".repeat(64))),
    ] {
        let r = as_client(&app, &client_with(&token), Method::GET, &wallet, None).await;
        assert_eq!(r.status.as_u16(), 401, "{what}: {}", r.body);
        assert_eq!(r.body["code"], "UNAUTHENTICATED", "{what}");
        assert!(!r.body.to_string().contains(&token), "{what}: token echoed");
    }
    let r = app
        .send(
            app.anon
                .get(format!("{}{wallet}", app.url))
                .header("authorization", "Basic abc"),
        )
        .await;
    r.assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn refresh_rotates_reuse_signs_out_and_logout_ends_the_login() {
    let app = spawn_app().await;
    let first = register(&app, "carol").await;
    let refresh = |t: &str| {
        let body = json!({ "refresh_token": t });
        app.send(
            app.anon
                .post(format!("{}/v1/auth/refresh", app.url))
                .json(&body),
        )
    };
    let second = refresh(&first.refresh).await;
    let second = login_of(second.ok());
    assert_ne!(second.refresh, first.refresh);
    // The spent token again: the whole login is signed out.
    let reuse = refresh(&first.refresh).await;
    reuse.assert_error(401, "UNAUTHENTICATED");
    assert_eq!(reuse.body["details"]["reason"], "refresh_token_reuse");
    refresh(&second.refresh)
        .await
        .assert_error(401, "UNAUTHENTICATED");

    // A fresh password login, then logout.
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/login", app.url))
                .json(&json!({
                    "username": "CAROL", "password": "correct horse battery"
                })),
        )
        .await;
    let third = login_of(r.ok());
    let out = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/logout", app.url))
                .json(&json!({ "refresh_token": third.refresh })),
        )
        .await;
    assert_eq!(out.status.as_u16(), 204);
    refresh(&third.refresh)
        .await
        .assert_error(401, "UNAUTHENTICATED");

    // Password change signs out older access tokens.
    let c = client_with(&third.access);
    let wallet = format!("/v1/players/{}/wallet", third.player);
    as_client(&app, &c, Method::GET, &wallet, None).await.ok();
    let pw = as_client(
        &app,
        &c,
        Method::POST,
        "/v1/auth/password",
        Some(json!({ "current_password": "correct horse battery", "new_password": "a new pass phrase" })),
    )
    .await;
    assert_eq!(pw.status.as_u16(), 204, "{}", pw.body);
    as_client(&app, &c, Method::GET, &wallet, None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
    // The routes about the caller itself refuse the signed-out token too: it cannot say
    // who it is, change the password again or sign out.
    as_client(&app, &c, Method::GET, "/v1/auth/me", None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
    as_client(
        &app,
        &c,
        Method::POST,
        "/v1/auth/password",
        Some(json!({ "current_password": "a new pass phrase", "new_password": "a third pass phrase" })),
    )
    .await
    .assert_error(401, "UNAUTHENTICATED");
    as_client(&app, &c, Method::POST, "/v1/auth/sign-out", None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn bans_whitelist_devices_and_vouching() {
    let app = spawn_app().await;
    let dave = register(&app, "dave").await;
    let c = client_with(&dave.access);
    let wallet = format!("/v1/players/{}/wallet", dave.player);
    as_client(&app, &c, Method::GET, &wallet, None).await.ok();
    let ban = app
        .post(
            &format!("/v1/admin/accounts/{}/ban", dave.player),
            json!({ "reason": "botting" }),
        )
        .await;
    assert_eq!(ban.ok()["banned"], true);
    let r = as_client(&app, &c, Method::GET, &wallet, None).await;
    assert!(matches!(r.status.as_u16(), 401 | 403), "{}", r.body);
    // Routes naming the acting player in the body refuse the banned player too.
    as_client(
        &app,
        &c,
        Method::POST,
        "/v1/transfers",
        Some(json!({ "from": dave.player, "to": "someone", "amount": 1 })),
    )
    .await
    .assert_error(403, "BANNED");
    let login = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/login", app.url))
                .json(&json!({
                    "username": "dave", "password": "correct horse battery"
                })),
        )
        .await;
    login.assert_error(403, "BANNED");
    assert_eq!(login.body["details"]["reason"], "botting");
    // A trusted server cannot act for a banned player either.
    app.post(
        &format!("/v1/players/{}/spend", dave.player),
        json!({ "amount": 1 }),
    )
    .await
    .assert_error(403, "BANNED");
    app.post(
        &format!("/v1/admin/accounts/{}/unban", dave.player),
        json!({}),
    )
    .await
    .ok();
    app.send(
        app.anon
            .post(format!("{}/v1/auth/login", app.url))
            .json(&json!({
                "username": "dave", "password": "correct horse battery"
            })),
    )
    .await
    .ok();

    // Device login: a guest account, the same on the second call.
    let dev = json!({ "device_id": "install-0123456789abcdef" });
    let d1 = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/device", app.url))
                .json(&dev),
        )
        .await;
    let d2 = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/device", app.url))
                .json(&dev),
        )
        .await;
    assert_eq!(d1.ok()["account"]["player"], d2.ok()["account"]["player"]);
    assert_eq!(d1.body["created"], true);
    assert_eq!(d2.body["created"], false);

    // Vouching needs the `accounts` scope.
    let vouch = json!({ "provider": "discord", "subject": "80351110224678912", "player": "80351110224678912" });
    let bot = app
        .server
        .guildhall()
        .create_api_key("bot", &["economy:write".into()])
        .await
        .unwrap()
        .key;
    as_client(
        &app,
        &client_with(&bot),
        Method::POST,
        "/v1/auth/vouch",
        Some(vouch.clone()),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let bot = app
        .server
        .guildhall()
        .create_api_key("bot2", &["accounts".into()])
        .await
        .unwrap()
        .key;
    let v = as_client(
        &app,
        &client_with(&bot),
        Method::POST,
        "/v1/auth/vouch",
        Some(vouch),
    )
    .await;
    assert_eq!(v.ok()["account"]["player"], "80351110224678912");
    let found = app
        .get("/v1/admin/identities/discord/80351110224678912")
        .await;
    assert_eq!(found.ok()["player"], "80351110224678912");
}

#[tokio::test]
async fn whitelist_mode_admits_listed_players_only() {
    let app = spawn_app_with(|s| s.core.accounts.whitelist = true).await;
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({
                    "username": "erin", "password": "correct horse battery"
                })),
        )
        .await;
    r.assert_error(403, "FORBIDDEN");
    let dev = json!({ "device_id": "install-fedcba9876543210" });
    app.send(
        app.anon
            .post(format!("{}/v1/auth/device", app.url))
            .json(&dev),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let vouch = json!({ "provider": "altv", "subject": "social-1", "player": "altv-1" });
    app.post("/v1/auth/vouch", vouch.clone())
        .await
        .assert_error(403, "FORBIDDEN");
    app.put("/v1/admin/accounts/altv-1/whitelist", json!({}))
        .await
        .ok();
    assert_eq!(
        app.post("/v1/auth/vouch", vouch).await.ok()["account"]["whitelisted"],
        true
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.auth.limits.player_per_minute = 5;
        s.auth.limits.login_per_account_per_15_minutes = 3;
        s.auth.limits.login_per_address_per_minute = 100;
    })
    .await;
    let frank = register(&app, "frank").await;
    let c = client_with(&frank.access);
    let wallet = format!("/v1/players/{}/wallet", frank.player);
    for _ in 0..5 {
        as_client(&app, &c, Method::GET, &wallet, None).await.ok();
    }
    let r = as_client(&app, &c, Method::GET, &wallet, None).await;
    r.assert_error(429, "RATE_LIMITED");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    // Another caller is not affected.
    app.get(&wallet).await.ok();

    // Password guessing on one account stops after 3 tries, even with the right one.
    for _ in 0..3 {
        app.send(
            app.anon
                .post(format!("{}/v1/auth/login", app.url))
                .json(&json!({
                    "username": "frank", "password": "guess guess guess"
                })),
        )
        .await
        .assert_error(401, "UNAUTHENTICATED");
    }
    app.send(
        app.anon
            .post(format!("{}/v1/auth/login", app.url))
            .json(&json!({
                "username": "frank", "password": "correct horse battery"
            })),
    )
    .await
    .assert_error(429, "RATE_LIMITED");
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app =
        spawn_app_with(|s| s.auth.cors_origins = vec!["https://shop.example.com".into()]).await;
    let pre = |origin: &str| {
        app.anon
            .request(Method::OPTIONS, format!("{}/v1/catalog", app.url))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let ok = pre("https://shop.example.com").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let other = pre("https://evil.example.net").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn api_keys_are_managed_from_the_cli_and_revocation_is_immediate() {
    let app = spawn_app().await;
    let key = app
        .server
        .guildhall()
        .create_api_key("shop-site", &["economy:write".into()])
        .await
        .unwrap();
    let c = client_with(&key.key);
    as_client(
        &app,
        &c,
        Method::POST,
        "/v1/players/p1/grant",
        Some(json!({ "amount": 5 })),
    )
    .await
    .ok();
    // Listed without secrets.
    let list = app.get("/v1/admin/keys").await;
    assert!(!list.ok().to_string().contains(&key.key[12..]));
    app.server
        .guildhall()
        .revoke_api_key(&key.info.id)
        .await
        .unwrap();
    as_client(
        &app,
        &c,
        Method::POST,
        "/v1/players/p1/grant",
        Some(json!({ "amount": 5 })),
    )
    .await
    .assert_error(401, "UNAUTHENTICATED");
    assert_eq!(app.gold("p1").await, 5);
}

/// SPEC.md "Clarifications (second round)": an idempotency key belongs to its caller.
/// Two trusted servers that pick one key for one player are both credited; one server
/// reusing its key for another player is refused; a player's token has keys of its own.
#[tokio::test]
async fn idempotency_keys_are_scoped_to_the_calling_key_or_player() {
    let app = spawn_app().await;
    let p = register(&app, "payee").await;
    let keys = app.server.guildhall();
    let scopes = ["economy:write".to_string(), "economy:read".to_string()];
    let bot = client_with(&keys.create_api_key("bot", &scopes).await.unwrap().key);
    let site = client_with(&keys.create_api_key("site", &scopes).await.unwrap().key);
    let grant = |c: &reqwest::Client, player: &str| {
        c.post(format!("{}/v1/players/{player}/grant", app.url))
            .header("Idempotency-Key", "order-1")
            .json(&json!({ "amount": 40 }))
    };
    let a = app.send(grant(&bot, &p.player)).await;
    let b = app.send(grant(&site, &p.player)).await;
    assert_eq!(a.ok()["replayed"], false);
    assert_eq!(
        b.ok()["replayed"],
        false,
        "another key's caller is another scope"
    );
    assert_ne!(a.body["transaction_id"], b.body["transaction_id"]);
    assert_eq!(app.gold(&p.player).await, 80);
    // Each server's retry replays its own call.
    let again = app.send(grant(&site, &p.player)).await;
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.body["transaction_id"], b.body["transaction_id"]);
    assert_eq!(app.gold(&p.player).await, 80);
    // One server reusing its key for another player: a conflict, nothing credited.
    app.send(grant(&bot, "someone-else"))
        .await
        .assert_error(409, "IDEMPOTENCY_CONFLICT");
    assert_eq!(app.gold("someone-else").await, 0);

    // The player's own token: its keys are its own.
    let me = client_with(&p.access);
    let spend = me
        .post(format!("{}/v1/players/{}/spend", app.url, p.player))
        .header("Idempotency-Key", "order-1")
        .json(&json!({ "amount": 5 }));
    assert_eq!(app.send(spend).await.ok()["replayed"], false);
    assert_eq!(app.gold(&p.player).await, 75);
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}
