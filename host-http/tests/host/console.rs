//! The operator's console (`/console`): sign-in with an admin key, the session cookie,
//! refusals of other keys and of forged or expired sessions, CSRF checks, and a grant
//! made from the console reaching the player's ledger as the JSON API shows it.

use crate::common::{spawn_app_with, TestApp};
use chrono::{Duration, Utc};
use guildhall_host::console::issue_session;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;

const SECRET: &[u8] = b"console-tests-0123456789-abcdefghijklmnopqrstuvwxyz";

async fn app() -> TestApp {
    spawn_app_with(|s| s.auth.secret = SECRET.to_vec()).await
}

/// A browser-like client: no credentials, no redirects followed, cookies sent by hand.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) async fn key(app: &TestApp, scope: &str) -> (String, String) {
    let k = app
        .server
        .guildhall()
        .create_api_key("console-test", &[scope.to_string()])
        .await
        .unwrap();
    (k.info.id, k.key)
}

/// Signs in with `key` and returns the response.
pub(crate) async fn sign_in(app: &TestApp, key: &str) -> reqwest::Response {
    browser()
        .post(format!("{}/console/login", app.url))
        .form(&[("key", key)])
        .send()
        .await
        .unwrap()
}

/// The `gh_console=...` pair of a sign-in's Set-Cookie.
pub(crate) fn session_of(res: &reqwest::Response) -> String {
    let set = res
        .headers()
        .get(SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_string();
    set.split(';').next().unwrap().to_string()
}

pub(crate) async fn get(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = browser().get(format!("{}{path}", app.url));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let res = browser()
        .post(format!("{}{path}", app.url))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// The CSRF token in a page's forms.
fn csrf_in(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    page[at..at + 64].to_string()
}

#[tokio::test]
async fn console_login_with_an_admin_key_sets_a_safe_session_cookie() {
    let app = app().await;
    let (id, admin) = key(&app, "admin").await;
    let res = sign_in(&app, &admin).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/console");
    let set = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("gh_console="), "{set}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    assert!(!set.contains("Secure"), "plain http: no Secure: {set}");
    assert!(
        !set.contains(&admin),
        "the key itself never goes to the browser"
    );
    let token = session_of(&res)
        .trim_start_matches("gh_console=")
        .to_string();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("console+jwt"));

    let cookie = session_of(&res);
    let (status, _, page) = get(&app, "/console", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Players online"), "{page}");
    assert!(page.contains(&id));
    let (status, _, json) = get(&app, "/console/status.json", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["online"], 0);
    assert_eq!(v["tickets_waiting"]["duel"], 0);

    // Over https (behind a proxy) the cookie is Secure.
    let res = browser()
        .post(format!("{}/console/login", app.url))
        .header("x-forwarded-proto", "https")
        .form(&[("key", admin.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("; Secure"));

    // A wrong key is refused on the login page.
    let res = sign_in(&app, "ghk_000000000000_nope").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get(SET_COOKIE).is_none());
    assert!(res.text().await.unwrap().contains("UNAUTHENTICATED"));

    // Logout clears the cookie (with the CSRF token).
    let csrf = csrf_in(&page);
    let (status, location, _) = post(&app, "/console/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/console/login");
}

#[tokio::test]
async fn console_refuses_keys_without_admin_on_login_and_every_page() {
    let app = app().await;
    let (id, writer) = key(&app, "economy:write").await;
    let res = sign_in(&app, &writer).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get(SET_COOKIE).is_none());
    assert!(res.text().await.unwrap().contains("admin scope"));

    // Even with a validly signed session for that key, every page is refused.
    let token = issue_session(SECRET, &id, Utc::now()).unwrap();
    let cookie = format!("gh_console={token}");
    for path in [
        "/console",
        "/console/status.json",
        "/console/players/alice",
        "/console/catalog",
        "/console/announcements",
        "/console/mail",
    ] {
        let (status, _, _) = get(&app, path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _) = post(
        &app,
        "/console/players/alice/grant",
        &cookie,
        &[("currency", "gold"), ("amount", "5"), ("reason", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A revoked admin key's session ends at once.
    let (admin_id, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    assert_eq!(get(&app, "/console", Some(&cookie)).await.0, StatusCode::OK);
    app.server
        .guildhall()
        .revoke_api_key(&admin_id)
        .await
        .unwrap();
    let (status, location, _) = get(&app, "/console", Some(&cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/console/login");
}

#[tokio::test]
async fn console_without_a_valid_session_redirects_to_login() {
    let app = app().await;
    let (id, _) = key(&app, "admin").await;
    let (status, location, _) = get(&app, "/console", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/console/login");
    let (status, _, page) = get(&app, "/console/login", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"name="key""#));

    let forged = issue_session(
        b"another-secret-another-secret-another-secret!",
        &id,
        Utc::now(),
    )
    .unwrap();
    let expired = issue_session(SECRET, &id, Utc::now() - Duration::hours(9)).unwrap();
    let raw_key = app
        .server
        .guildhall()
        .create_api_key("x", &["admin".to_string()])
        .await
        .unwrap()
        .key;
    for bad in [
        forged.as_str(),
        expired.as_str(),
        "not-a-jwt",
        raw_key.as_str(),
    ] {
        let cookie = format!("gh_console={bad}");
        for path in ["/console", "/console/players/alice", "/console/status.json"] {
            let (status, location, _) = get(&app, path, Some(&cookie)).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{path} with {bad}");
            assert_eq!(location, "/console/login");
        }
        let (status, location, _) = post(
            &app,
            "/console/players/alice/grant",
            &cookie,
            &[("currency", "gold"), ("amount", "5"), ("reason", "x")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/console/login");
    }
    assert_eq!(
        app.get("/v1/players/alice/balances/gold").await.ok()["amount"],
        0
    );
}

#[tokio::test]
async fn console_posts_need_the_sessions_csrf_token() {
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let other = session_of(&sign_in(&app, &admin).await);
    let (_, _, other_page) = get(&app, "/console", Some(&other)).await;
    let others_token = csrf_in(&other_page);
    for form in [
        vec![("currency", "gold"), ("amount", "5"), ("reason", "x")],
        vec![
            ("currency", "gold"),
            ("amount", "5"),
            ("reason", "x"),
            ("csrf", "00"),
        ],
        vec![
            ("currency", "gold"),
            ("amount", "5"),
            ("reason", "x"),
            ("csrf", others_token.as_str()),
        ],
    ] {
        let (status, _, page) = post(&app, "/console/players/alice/grant", &cookie, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("CSRF"));
    }
    for path in [
        "/console/players/alice/ban",
        "/console/catalog",
        "/console/templates",
        "/console/mail/broadcast",
        "/console/logout",
    ] {
        let (status, _, _) = post(&app, path, &cookie, &[("reason", "x")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.get("/v1/players/alice/balances/gold").await.ok()["amount"],
        0
    );
    assert_eq!(
        app.get("/v1/admin/accounts/alice").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn console_grant_and_revoke_reach_the_ledger_and_refusals_show_their_code() {
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let (status, _, page) = get(&app, "/console/players/alice", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);

    let form = [
        ("csrf", csrf.as_str()),
        ("currency", "gold"),
        ("amount", "250"),
        ("reason", "compensation for <outage>"),
        ("idempotency_key", "console-test-1"),
    ];
    let (status, location, _) = post(&app, "/console/players/alice/grant", &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/console/players/alice?done="));
    // The same form posted again (a reload) grants once.
    post(&app, "/console/players/alice/grant", &cookie, &form).await;

    let history = app.get("/v1/players/alice/history").await;
    let entries = history.ok()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["amount"], 250);
    assert_eq!(entries[0]["reason"], "compensation for <outage>");
    assert_eq!(entries[0]["kind"], "grant");
    assert_eq!(entries[0]["debit"], "system:admin");

    // The player page shows the entry, escaped.
    let (_, _, page) = get(&app, &location, Some(&cookie)).await;
    assert!(page.contains("compensation for &lt;outage&gt;"), "{page}");
    assert!(!page.contains("<outage>"));
    assert!(page.contains("Granted 250 gold"));

    // Revoking more than the balance is refused with its code, nothing changes.
    let (status, _, page) = post(
        &app,
        "/console/players/alice/revoke",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("currency", "gold"),
            ("amount", "1000"),
            ("reason", "chargeback"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("INSUFFICIENT_FUNDS"), "{page}");
    let (status, _, _) = post(
        &app,
        "/console/players/alice/revoke",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("currency", "gold"),
            ("amount", "50"),
            ("reason", "chargeback"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let wallet = app.get("/v1/players/alice/balances/gold").await;
    assert_eq!(wallet.ok()["amount"], 200, "{}", wallet.body);
    let history = app.get("/v1/players/alice/history").await;
    let newest = &history.ok()["entries"][0];
    assert_eq!(newest["credit"], "system:admin_revoke");
    assert_eq!(newest["reason"], "chargeback");

    // Ban and unban through the same core calls.
    let (status, _, _) = post(
        &app,
        "/console/players/alice/ban",
        &cookie,
        &[("csrf", csrf.as_str()), ("reason", "cheating")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/v1/admin/accounts/alice").await.ok()["banned"],
        true
    );
    post(
        &app,
        "/console/players/alice/unban",
        &cookie,
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(
        app.get("/v1/admin/accounts/alice").await.ok()["banned"],
        false
    );

    // A system mail with an attachment lands in the mailbox.
    let (status, _, _) = post(
        &app,
        "/console/players/alice/mail",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("subject", "Sorry"),
            ("body", "for the outage"),
            ("currency", "gold"),
            ("amount", "10"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mail = app.get("/v1/players/alice/mail").await;
    assert_eq!(mail.ok()["mails"][0]["subject"], "Sorry");
    assert_eq!(mail.body["mails"][0]["sender"]["kind"], "system");

    // Finding a player by a linked identity.
    let reg = app
        .post(
            "/v1/auth/register",
            json!({"username": "bob", "password": "correct horse battery"}),
        )
        .await;
    let bob = reg.body["account"]["player"].as_str().unwrap().to_string();
    let (status, location, _) = get(&app, "/console/players?q=username:bob", Some(&cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/console/players/{bob}"));
}

#[tokio::test]
async fn console_catalog_and_announcements_forms() {
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let (status, _, page) = get(&app, "/console/catalog", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Health Potion"));
    let csrf = csrf_in(&page);
    let (status, _, _) = post(
        &app,
        "/console/catalog",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", "cape"),
            ("name", "Red Cape"),
            ("kind", "durable"),
            ("price_currency", "gold"),
            ("price_amount", "40"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let item = app.get("/v1/catalog/cape").await;
    assert_eq!(item.ok()["price"]["amount"], 40);
    post(
        &app,
        "/console/catalog/cape/active",
        &cookie,
        &[("csrf", csrf.as_str()), ("active", "false")],
    )
    .await;
    assert_eq!(app.get("/v1/catalog/cape").await.ok()["active"], false);

    let (status, _, _) = post(
        &app,
        "/console/templates",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", "welcome"),
            ("body", "Welcome, {name}!"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = post(
        &app,
        "/console/templates/welcome/preview",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("variables", r#"{"name": "<Ann>"}"#),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Welcome, &lt;Ann&gt;!"), "{page}");

    // A trigger whose variables miss a placeholder is refused with its code.
    let (status, _, page) = post(
        &app,
        "/console/triggers",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", "hello"),
            ("event", "login"),
            ("template_id", "welcome"),
            ("variables", "{}"),
            ("audience", "player"),
            ("kind", "announcement"),
            ("cap", "per_day"),
            ("times", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("INVALID_ARGUMENT"));
    let (status, _, _) = post(
        &app,
        "/console/triggers",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", "hello"),
            ("event", "login"),
            ("template_id", "welcome"),
            ("variables", r#"{"name": "traveller"}"#),
            ("audience", "player"),
            ("kind", "announcement"),
            ("cap", "per_day"),
            ("times", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let t = app.get("/v1/triggers/hello").await;
    assert_eq!(t.ok()["cap"], json!({"every": "per_day", "times": 1}));

    // A broadcast reaches the players who exist when it is sent: carol does.
    app.grant("carol", 1).await;
    let (_, _, page) = get(&app, "/console/mail", Some(&cookie)).await;
    let at = page
        .find(r#"name="idempotency_key" value=""#)
        .expect("the broadcast form carries its own idempotency key")
        + r#"name="idempotency_key" value=""#.len();
    let key = page[at..].split('"').next().unwrap().to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("subject", "Patch day"),
        ("body", "Servers restart at 18:00"),
    ];
    let (status, _, _) = post(&app, "/console/mail/broadcast", &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A resubmitted form (same key) stores nothing more.
    let (status, location, _) = post(&app, "/console/mail/broadcast", &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("already"), "{location}");
    let mail = app.get("/v1/players/carol/mail").await;
    let mails = mail.ok()["mails"].as_array().unwrap().clone();
    assert_eq!(mails.len(), 1, "one broadcast, one copy");
    assert_eq!(mails[0]["subject"], "Patch day");
}

#[tokio::test]
async fn console_sign_in_attempts_share_the_per_address_login_limit() {
    let app = spawn_app_with(|s| {
        s.auth.secret = SECRET.to_vec();
        s.auth.limits.login_per_address_per_minute = 2;
    })
    .await;
    let (_, admin) = key(&app, "admin").await;
    assert_eq!(
        sign_in(&app, "ghk_000000000000_nope").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sign_in(&app, &admin).await.status(), StatusCode::SEE_OTHER);
    let res = sign_in(&app, &admin).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get(SET_COOKIE).is_none());
    assert!(res.text().await.unwrap().contains("RATE_LIMITED"));
}

/// Percent-encodes a path segment as the console's links do.
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Asserts that `page` shows each of `shown` only escaped: the raw markup nowhere, its
/// escaped form somewhere.
fn shows_escaped(what: &str, page: &str, shown: &[&str]) {
    for raw in shown {
        let escaped = raw
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        assert!(!page.contains(raw), "{what}: raw {raw} in {page}");
        assert!(page.contains(&escaped), "{what}: no {escaped} in {page}");
    }
    for tag in ["<script>alert", "<img src=x", "<b onmouseover"] {
        assert!(!page.contains(tag), "{what}: {tag} in {page}");
    }
}

#[tokio::test]
async fn console_shows_data_with_html_in_it_escaped_on_every_page() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    const IMG: &str = r#""><img src=x onerror=alert(1)>"#;
    const BOLD: &str = "<b onmouseover=alert(1)>ops</b>";
    let app = app().await;
    // The key's name is in every page's header.
    let admin = app
        .server
        .guildhall()
        .create_api_key(BOLD, &["admin".to_string()])
        .await
        .unwrap()
        .key;
    let cookie = session_of(&sign_in(&app, &admin).await);
    for path in [
        "/console",
        "/console/players",
        "/console/catalog",
        "/console/announcements",
        "/console/mail",
        "/console/chat",
        "/console/leaderboards",
        "/console/achievements",
        "/console/trades",
        "/console/characters",
        "/console/loot",
        "/console/rooms",
        "/console/webhooks",
    ] {
        let (status, _, page) = get(&app, path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        shows_escaped(path, &page, &[BOLD]);
    }
    let (_, _, page) = get(&app, "/console", Some(&cookie)).await;
    let csrf = csrf_in(&page);

    // A key without admin is refused on the login page, with its name.
    let writer = app
        .server
        .guildhall()
        .create_api_key(IMG, &["economy:write".to_string()])
        .await
        .unwrap()
        .key;
    let res = sign_in(&app, &writer).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    shows_escaped("login", &res.text().await.unwrap(), &[IMG]);

    // Catalog: an item whose id and name carry markup.
    let item_id = format!("hat{IMG}");
    let (status, _, _) = post(
        &app,
        "/console/catalog",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", item_id.as_str()),
            ("name", SCRIPT),
            ("kind", "durable"),
            ("price_currency", "gold"),
            ("price_amount", "5"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = get(&app, "/console/catalog", Some(&cookie)).await;
    shows_escaped("catalog", &page, &[SCRIPT, IMG]);
    // A message of what was done, from the query string.
    let (_, _, page) = get(
        &app,
        &format!("/console/catalog?done={}", seg(IMG)),
        Some(&cookie),
    )
    .await;
    shows_escaped("catalog notice", &page, &[IMG]);

    // A player whose id carries markup: ledger reason, inventory item, ban reason and
    // a mail's subject on the player page.
    let player = format!("p{IMG}");
    let url = format!("/console/players/{}", seg(&player));
    let (status, location, _) = post(
        &app,
        &format!("{url}/grant"),
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("currency", "gold"),
            ("amount", "50"),
            ("reason", SCRIPT),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&url), "{location}");
    app.post(
        &format!("/v1/players/{}/purchases", seg(&player)),
        json!({ "item_id": item_id }),
    )
    .await
    .ok();
    for (action, form) in [
        ("ban", vec![("reason", IMG)]),
        ("mail", vec![("subject", SCRIPT), ("body", IMG)]),
    ] {
        let mut form = form;
        form.push(("csrf", csrf.as_str()));
        let (status, _, _) = post(&app, &format!("{url}/{action}"), &cookie, &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{action}");
    }
    let (status, _, page) = get(&app, &url, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("badge bad"), "banned: {page}");
    assert!(page.contains(r#"<table id="ledger">"#));
    shows_escaped("player", &page, &[SCRIPT, IMG]);
    assert!(
        page.contains(&format!(
            "Ban: {}",
            IMG.replace('"', "&quot;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        )),
        "{page}"
    );
    // Announcements: a template body and a preview with a variable carrying markup, a
    // trigger whose target carries markup.
    let (status, _, _) = post(
        &app,
        "/console/templates",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", "xss"),
            ("body", &format!("{SCRIPT} {{name}}")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = post(
        &app,
        "/console/triggers",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("id", "xss"),
            ("event", "login"),
            ("template_id", "xss"),
            ("variables", r#"{"name": "x"}"#),
            ("audience", "player"),
            ("target", IMG),
            ("kind", "announcement"),
            ("cap", "once"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = get(&app, "/console/announcements", Some(&cookie)).await;
    shows_escaped("announcements", &page, &[SCRIPT, IMG]);
    let (status, _, page) = post(
        &app,
        "/console/templates/xss/preview",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("variables", &json!({ "name": IMG }).to_string()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("preview", &page, &[SCRIPT, IMG]);

    // A refusal whose message carries the posted id.
    let (status, _, page) = post(
        &app,
        &format!("/console/catalog/{}/active", seg(IMG)),
        &cookie,
        &[("csrf", csrf.as_str()), ("active", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("NOT_FOUND"), "{page}");
    shows_escaped("refusal", &page, &[IMG]);
}

#[tokio::test]
async fn console_groups_page_finds_shows_removes_and_disbands_escaped() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let name = format!("Wolves {SCRIPT}");
    let g = app
        .post(
            "/v1/groups",
            json!({"owner": "ann", "name": name, "open": true}),
        )
        .await;
    let id = g.ok()["id"].as_str().unwrap().to_string();
    app.post(&format!("/v1/groups/{id}/join"), json!({"player": "bob"}))
        .await
        .ok();
    app.post(
        &format!("/v1/groups/{id}/promote"),
        json!({"actor": "ann", "player": "bob"}),
    )
    .await
    .ok();
    app.grant("bob", 40).await;
    app.post(
        &format!("/v1/groups/{id}/bank/deposit"),
        json!({"player": "bob", "currency": "gold", "amount": 40}),
    )
    .await
    .ok();

    // Found by its exact name (any case): a redirect to its page.
    let (status, location, _) = get(
        &app,
        &format!("/console/groups?q={}", seg(&name.to_uppercase())),
        Some(&cookie),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/console/groups/{id}"));
    // By the start of its name: a list.
    let (status, _, page) = get(&app, "/console/groups?q=wol", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("groups found", &page, &[SCRIPT]);
    assert!(page.contains(&format!("/console/groups/{id}")));

    let (status, _, page) = get(&app, &location, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("group page", &page, &[SCRIPT]);
    assert!(page.contains("officer") && page.contains("owner"));
    assert!(page.contains(">40<"), "the bank's gold: {page}");
    let csrf = csrf_in(&page);

    // Remove the owner: bob (the officer) owns it.
    let (status, back, _) = post(
        &app,
        &format!("/console/groups/{id}/remove"),
        &cookie,
        &[("csrf", csrf.as_str()), ("player", "ann")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(back.starts_with(&location), "{back}");
    let now = app.get(&format!("/v1/groups/{id}")).await;
    assert_eq!(now.ok()["owner"], "bob");
    // Removing a non-member is refused with its code.
    let (status, _, page) = post(
        &app,
        &format!("/console/groups/{id}/remove"),
        &cookie,
        &[("csrf", csrf.as_str()), ("player", "zed")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("NOT_GROUP_MEMBER"), "{page}");

    let (status, _, _) = post(
        &app,
        &format!("/console/groups/{id}/disband"),
        &cookie,
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.get(&format!("/v1/groups/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(app.gold("bob").await, 40, "the bank went to the owner");
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}

#[tokio::test]
async fn console_chat_page_reads_a_channel_escaped_and_mutes_a_player() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let say = |player: &str, body: &str| {
        app.post(
            "/v1/chat/messages",
            json!({ "player": player, "channel": "global", "body": body }),
        )
    };
    say("ann", SCRIPT).await.ok();
    say("ann", "second").await.ok();
    let (status, _, page) = get(&app, "/console/chat?channel=global", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("chat", &page, &[SCRIPT]);
    assert!(
        page.find("second").unwrap() < page.find("&lt;script&gt;").unwrap(),
        "newest first"
    );
    // A bad channel is refused on the page with its code.
    let (status, _, page) = get(&app, "/console/chat?channel=lobby%3A1", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("INVALID_ARGUMENT"), "{page}");

    let csrf = csrf_in(&page);
    let until = (Utc::now() + Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (status, location, _) = post(
        &app,
        "/console/chat/mute",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("player", "ann"),
            ("until", until.as_str()),
            ("reason", "spam"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/console/chat?done="), "{location}");
    say("ann", "muted?").await.assert_error(422, "MUTED");
    // A mute ending in the past is refused with its code.
    let (status, _, page) = post(
        &app,
        "/console/chat/mute",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("player", "ann"),
            ("until", "2000-01-01T00:00"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("INVALID_ARGUMENT"));
    let (status, _, _) = post(
        &app,
        "/console/chat/unmute",
        &cookie,
        &[("csrf", csrf.as_str()), ("player", "ann")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    say("ann", "back").await.ok();
    // Without the CSRF token nothing happens.
    let (status, _, _) = post(&app, "/console/chat/mute", &cookie, &[("player", "ann")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn console_leaderboards_page_shows_tops_periods_and_rewards_escaped() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    app.put("/v1/admin/leaderboards/pvp", json!({})).await.ok();
    let end = Utc::now() + Duration::seconds(3);
    app.put(
        "/v1/admin/leaderboards/cup",
        json!({
            "tournament": { "start": Utc::now() - Duration::seconds(5), "end": end },
            "rewards": [ { "from_rank": 1, "to_rank": 1, "rewards": { "currencies": [ { "currency": "gold", "amount": 9 } ] } } ]
        }),
    )
    .await
    .ok();
    for (board, score) in [("pvp", 40), ("cup", 7)] {
        if board == "cup" {
            app.post("/v1/leaderboards/cup/join", json!({ "player": SCRIPT }))
                .await
                .ok();
        }
        app.post(
            &format!("/v1/leaderboards/{board}/scores"),
            json!({ "player": SCRIPT, "score": score }),
        )
        .await
        .ok();
    }
    app.post(
        "/v1/leaderboards/pvp/scores",
        json!({ "player": "bob", "score": 50 }),
    )
    .await
    .ok();
    let (status, _, page) = get(&app, "/console/leaderboards", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("leaderboards", &page, &[SCRIPT]);
    let pvp = &page[page.find("<h2>pvp</h2>").expect("the pvp board")..];
    assert!(
        pvp.find("bob").unwrap() < pvp.find("&lt;script&gt;").unwrap(),
        "best first"
    );
    // After the tournament's end (and the grace), the operator runs the due resets.
    let wait = (end - Utc::now()).num_milliseconds() + 2_200;
    tokio::time::sleep(std::time::Duration::from_millis(wait.max(0) as u64)).await;
    let csrf = csrf_in(&page);
    let (status, location, _) = post(
        &app,
        "/console/leaderboards/resets",
        &cookie,
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/console/leaderboards?done="),
        "{location}"
    );
    let (status, _, page) = get(&app, "/console/leaderboards/cup", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("tournament periods", &page, &[SCRIPT]);
    assert!(
        page.contains("archived") && page.contains("9 gold"),
        "{page}"
    );
    let (status, _, _) = get(&app, "/console/leaderboards/nope", Some(&cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn console_achievements_page_puts_a_definition_and_shows_a_players_standing() {
    const TITLE: &str = "<b>Sword</b> collector";
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let (status, _, page) = get(&app, "/console/achievements", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    let definition = json!({
        "id": "swords", "kind": "achievement", "title": TITLE, "goal": 2,
        "reward": { "currencies": [{ "currency": "gold", "amount": 10 }] }
    })
    .to_string();
    let (status, location, _) = post(
        &app,
        "/console/achievements",
        &cookie,
        &[("csrf", csrf.as_str()), ("definition", definition.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/console/achievements?done="),
        "{location}"
    );
    app.post(
        "/v1/players/ann/achievements/swords/progress",
        json!({ "amount": 1 }),
    )
    .await
    .ok();
    let (status, _, page) = get(&app, "/console/achievements?player=ann", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("achievements", &page, &[TITLE]);
    assert!(page.contains("1 / 2"), "ann's progress shown");
    // A definition that does not hold is refused on the page with its code, nothing stored.
    let (status, _, page) = post(
        &app,
        "/console/achievements",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            (
                "definition",
                r#"{"id":"x","kind":"quest","title":"x","goal":0}"#,
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("INVALID_ARGUMENT"));
    assert_eq!(
        app.get("/v1/achievements")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Without the CSRF token nothing happens.
    let (status, _, _) = post(
        &app,
        "/console/achievements",
        &cookie,
        &[("definition", definition.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn console_trades_page_lists_recent_trades_and_shows_a_trades_history() {
    const SELLER: &str = "<script>alert(1)</script>";
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    app.post(
        &format!("/v1/players/{}/grant", seg(SELLER)),
        json!({ "amount": 70 }),
    )
    .await
    .ok();
    app.post(
        "/v1/players/bob/items/sword/grant",
        json!({ "quantity": 1 }),
    )
    .await
    .ok();
    let t = app
        .post(
            "/v1/trades",
            json!({ "player": SELLER, "with": "bob", "offer": { "currencies": [{ "currency": "gold", "amount": 70 }] } }),
        )
        .await;
    let id = t.ok()["trade"]["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/trades/{id}/offer"),
        json!({ "player": "bob", "offer": { "items": [{ "item_id": "sword", "quantity": 1 }] }, "revision": 1, "confirm": true }),
    )
    .await
    .ok();
    app.post(
        &format!("/v1/trades/{id}/confirm"),
        json!({ "player": SELLER, "revision": 2 }),
    )
    .await
    .ok();
    // The list of recent trades links to the trade's page.
    let (status, _, page) = get(&app, "/console/trades", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("trades", &page, &[SELLER]);
    assert!(page.contains(&format!("/console/trades/{id}")), "{page}");
    // A player's trades.
    let (status, _, page) = get(&app, "/console/trades?player=bob", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Past trades of bob") && page.contains(&id),
        "{page}"
    );
    // The trade's history: both offers, its steps, the ledger entry with its id.
    let (status, _, page) = get(&app, &format!("/console/trades/{id}"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("trade", &page, &[SELLER]);
    for shown in [
        "completed",
        "70 gold",
        "1 × sword",
        "confirmed",
        "opened",
        "trade_id",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(page.contains(&id));
    let (status, _, _) = get(&app, "/console/trades/nope", Some(&cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn console_characters_page_shows_an_accounts_characters_bank_and_equipment() {
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let gh = app.server.guildhall();
    let c = gh
        .create_character(guildhall_core::characters::CreateCharacterRequest {
            account: "acc-1".parse().unwrap(),
            name: "Bold O'Hara".into(),
            idempotency_key: None,
        })
        .await
        .unwrap()
        .character;
    app.grant(c.id.as_str(), 50).await;
    gh.bank_deposit(guildhall_core::characters::BankMoveRequest {
        character: c.id.clone(),
        currency: Some("gold".into()),
        amount: Some(20),
        item_id: None,
        quantity: None,
        reason: None,
        idempotency_key: None,
    })
    .await
    .unwrap();
    for who in ["acc-1", c.id.as_str()] {
        let (status, _, page) = get(
            &app,
            &format!("/console/characters?player={who}"),
            Some(&cookie),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Bold O"), "{page}");
        assert!(page.contains("account:acc-1"), "{page}");
        assert!(page.contains("<td>20</td>"), "{page}");
    }
    let (status, _, _) = get(&app, "/console/characters?player=acc-1", None).await;
    assert_ne!(status, StatusCode::OK, "signed-in operators only");
}

#[tokio::test]
async fn console_loot_page_edits_a_table_shows_a_refusal_and_dry_runs_a_seed() {
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let (status, _, page) = get(&app, "/console/loot", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    let chest = json!({ "id": "chest", "rolls": 1, "description": "<i>Boss</i> chest",
        "entries": [{ "currency": "gold", "min": 5, "max": 5, "guaranteed": true }, { "item": "sword", "weight": 1 }] })
    .to_string();
    let (status, location, _) = post(
        &app,
        "/console/loot",
        &cookie,
        &[("csrf", csrf.as_str()), ("table", chest.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/console/loot?table=chest&done="),
        "{location}"
    );
    // The editor shows the stored table as JSON; the list escapes its description.
    let (status, _, page) = get(&app, "/console/loot?table=chest", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("loot", &page, &["<i>Boss</i> chest"]);
    assert!(
        page.contains("&quot;sword&quot;") || page.contains("\"sword\""),
        "the table's JSON in the editor"
    );
    // A cycle is refused on the page with its code and the draft kept; nothing stored.
    let cycle = r#"{"id":"chest","entries":[{"table":"chest"}]}"#;
    let (status, _, page) = post(
        &app,
        "/console/loot",
        &cookie,
        &[("csrf", csrf.as_str()), ("table", cycle)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("INVALID_ARGUMENT"), "{page}");
    assert!(page.contains("would nest itself"), "{page}");
    assert_eq!(
        app.get("/v1/admin/loot/tables/chest").await.ok()["entries"][1]["item"],
        "sword"
    );
    // A dry run with a seed shows the drops and grants nothing.
    let (status, _, page) = get(&app, "/console/loot?table=chest&seed=42", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Drops of chest with seed 42"), "{page}");
    assert!(page.contains("gold") && page.contains("sword"), "{page}");
    let (_, _, page) = get(&app, "/console/loot?table=chest&seed=x", Some(&cookie)).await;
    assert!(page.contains("INVALID_ARGUMENT"));
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}

#[tokio::test]
async fn console_webhooks_page_subscribes_shows_a_parked_endpoint_and_replays_it() {
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let (status, _, page) = get(&app, "/console/webhooks", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    // A refusal keeps the draft and names its code.
    let (status, _, page) = post(
        &app,
        "/console/webhooks",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("url", "http://example.com/<b>"),
            ("kinds", "*"),
            ("format", "standard"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("INVALID_ARGUMENT"), "{page}");
    shows_escaped("webhooks refusal", &page, &["http://example.com/<b>"]);
    // An endpoint nobody listens on: subscribed, then parked by hand through its state.
    let (status, location, _) = post(
        &app,
        "/console/webhooks",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("url", "http://127.0.0.1:9/hook"),
            ("kinds", "currency_granted"),
            ("format", "discord"),
            ("description", "<i>ops</i>"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/console/webhooks?done="),
        "{location}"
    );
    let gh = app.server.guildhall();
    let id = gh.webhooks().await.unwrap()[0].subscription.id.clone();
    let mut state = gh.webhook_state(&id).await.unwrap();
    state.value.parked_at = Some(chrono::Utc::now());
    state.value.last_error = Some("HTTP 503 <oops>".into());
    gh.save_webhook_state(&state).await.unwrap();
    let (_, _, page) = get(&app, "/console/webhooks", Some(&cookie)).await;
    shows_escaped("webhooks", &page, &["<i>ops</i>", "HTTP 503 <oops>"]);
    assert!(page.contains("parked") && page.contains("Replay"), "{page}");
    let (status, location, _) = post(
        &app,
        &format!("/console/webhooks/{id}/replay"),
        &cookie,
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(gh.webhook(&id).await.unwrap().state.parked_at.is_none());
}

#[tokio::test]
async fn console_rooms_page_lists_rooms_with_players_and_a_rooms_log_escaped() {
    const MARKUP: &str = "<b onmouseover=alert(1)>ops</b>";
    let app = app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let gh = app.server.guildhall();
    let room = gh
        .create_room(guildhall_core::rooms::CreateRoomRequest {
            player: Some(guildhall_core::types::PlayerId::new(MARKUP).unwrap()),
            room_type: MARKUP.into(),
            capacity: 4,
            metadata: Default::default(),
            server: Some("10.0.0.5:22005".into()),
            idempotency_key: None,
        })
        .await
        .unwrap()
        .room;
    let (status, _, page) = get(&app, "/console/rooms", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("rooms", &page, &[MARKUP]);
    assert!(page.contains(&room.id) && page.contains("1 / 4"), "{page}");
    let path = format!("/console/rooms/{}", room.id);
    let (status, _, page) = get(&app, &path, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    shows_escaped("room log", &page, &[MARKUP]);
    assert!(
        page.contains("created") && page.contains("entered"),
        "{page}"
    );
    // Destroyed: the log stays readable.
    gh.destroy_room(guildhall_core::rooms::DestroyRoomRequest {
        room_id: room.id.clone(),
        idempotency_key: None,
    })
    .await
    .unwrap();
    let (status, _, page) = get(&app, &path, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("destroyed") && page.contains("operator"),
        "{page}"
    );
    let (status, _, _) = get(&app, "/console/rooms/no-such-room", Some(&cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
