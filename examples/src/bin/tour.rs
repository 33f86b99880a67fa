//! A guided tour of a running guildhall host: plays one session over HTTP and checks
//! every answer. Run a host (`guildhall serve --config examples/tour.toml --dev`),
//! create a trusted server's key (`guildhall keys create --config examples/tour.toml
//! --name tour --scope admin`), then
//! `GUILDHALL_API_KEY=ghk_... cargo run -p guildhall-examples --bin tour -- http://127.0.0.1:8080`.
//! The tour acts as that trusted server, and as a player who registers and logs in.
//! Exits non-zero at the first answer that differs from what guildhall promises.

use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

struct Host {
    base: String,
    /// Sends the trusted server's API key.
    http: reqwest::Client,
}

fn client_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(v) = format!("Bearer {token}").parse() {
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("HTTP client")
}

impl Host {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), String> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{}", self.base, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// A call that must succeed with `want` status; returns its JSON.
    async fn expect(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        want: u16,
    ) -> Result<Value, String> {
        let (status, body) = self.call(method.clone(), path, body).await?;
        if status != want {
            return Err(format!(
                "{method} {path}: expected {want}, got {status}: {body}"
            ));
        }
        Ok(body)
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        println!("  ✓ {what}");
        Ok(())
    } else {
        Err(format!("check failed: {what}"))
    }
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let Ok(key) = std::env::var("GUILDHALL_API_KEY") else {
        eprintln!("set GUILDHALL_API_KEY to a key with the admin scope (guildhall keys create --name tour --scope admin)");
        std::process::exit(2);
    };
    let host = Host {
        base: base.trim_end_matches('/').to_string(),
        http: client_with(&key),
    };
    if let Err(e) = tour(&host).await {
        eprintln!("tour failed: {e}");
        std::process::exit(1);
    }
    println!("\ntour complete");
}

async fn tour(h: &Host) -> Result<(), String> {
    use reqwest::Method as M;
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let alice = format!("alice-{run}");
    let bob = format!("bob-{run}");
    println!("guildhall tour against {} (players {alice}, {bob})", h.base);

    println!("\n0. a player registers, logs in, and reaches only their own wallet");
    let anon = Host {
        base: h.base.clone(),
        http: reqwest::Client::new(),
    };
    let (status, _) = anon
        .call(M::GET, &format!("/v1/players/{alice}/wallet"), None)
        .await?;
    check(status == 401, "without a token: 401 UNAUTHENTICATED")?;
    let reg = anon
        .expect(
            M::POST,
            "/v1/auth/register",
            Some(json!({ "username": format!("carol{run}"), "password": "correct horse battery" })),
            201,
        )
        .await?;
    let carol = reg["account"]["player"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let token = reg["access_token"].as_str().unwrap_or_default().to_string();
    let as_carol = Host {
        base: h.base.clone(),
        http: client_with(&token),
    };
    as_carol
        .expect(M::GET, &format!("/v1/players/{carol}/wallet"), None, 200)
        .await?;
    check(true, "with her access token Carol reads her own wallet")?;
    let (status, body) = as_carol
        .call(M::GET, &format!("/v1/players/{alice}/wallet"), None)
        .await?;
    check(
        status == 403 && body["code"] == "FORBIDDEN",
        "and not Alice's: 403 FORBIDDEN",
    )?;
    let refreshed = anon
        .expect(
            M::POST,
            "/v1/auth/refresh",
            Some(json!({ "refresh_token": reg["refresh_token"] })),
            200,
        )
        .await?;
    check(
        refreshed["refresh_token"] != reg["refresh_token"],
        "her refresh token rotates on use",
    )?;

    println!("\n1. a donation is granted; the webhook is delivered twice");
    let grant = json!({ "currency": "gold", "amount": 1000, "source": "donations", "reason": "donation",
                        "idempotency_key": format!("payment-{run}") });
    let first = h
        .expect(
            M::POST,
            &format!("/v1/players/{alice}/grant"),
            Some(grant.clone()),
            200,
        )
        .await?;
    check(
        first["balance"] == 1000 && first["replayed"] == false,
        "first delivery credits 1000 gold",
    )?;
    let again = h
        .expect(
            M::POST,
            &format!("/v1/players/{alice}/grant"),
            Some(grant),
            200,
        )
        .await?;
    check(
        again["balance"] == 1000 && again["replayed"] == true,
        "redelivery is a replay: balance still 1000",
    )?;
    check(
        again["transaction_id"] == first["transaction_id"],
        "the replay returns the original transaction",
    )?;
    let clash =
        json!({ "currency": "gold", "amount": 5, "idempotency_key": format!("payment-{run}") });
    let (status, body) = h
        .call(M::POST, &format!("/v1/players/{alice}/grant"), Some(clash))
        .await?;
    check(
        status == 409 && body["code"] == "IDEMPOTENCY_CONFLICT",
        "same key, different request: 409 IDEMPOTENCY_CONFLICT",
    )?;

    println!("\n2. a durable item is bought once");
    let buy = h
        .expect(
            M::POST,
            &format!("/v1/players/{alice}/purchases"),
            Some(json!({ "item_id": "sword" })),
            200,
        )
        .await?;
    check(buy["balance"] == 500, "the sword costs 500: balance 500")?;
    let (status, body) = h
        .call(
            M::POST,
            &format!("/v1/players/{alice}/purchases"),
            Some(json!({ "item_id": "sword" })),
        )
        .await?;
    check(
        status == 409 && body["code"] == "ALREADY_OWNED",
        "buying it again: 409 ALREADY_OWNED",
    )?;

    println!("\n3. consumables are bought and used");
    let potions = h
        .expect(
            M::POST,
            &format!("/v1/players/{alice}/purchases"),
            Some(json!({ "item_id": "1", "quantity": 5 })),
            200,
        )
        .await?;
    check(
        potions["item_quantity"] == 5 && potions["balance"] == 450,
        "5 potions for 50 gold",
    )?;
    let used = h
        .expect(
            M::POST,
            &format!("/v1/players/{alice}/items/1/use"),
            Some(json!({ "quantity": 2 })),
            200,
        )
        .await?;
    check(used["remaining"] == 3, "used 2, 3 remain")?;
    let (status, body) = h
        .call(
            M::POST,
            &format!("/v1/players/{alice}/items/sword/use"),
            Some(json!({})),
        )
        .await?;
    check(
        status == 422 && body["code"] == "NOT_CONSUMABLE",
        "a sword cannot be used up: 422 NOT_CONSUMABLE",
    )?;
    let inv = h
        .expect(M::GET, &format!("/v1/players/{alice}/inventory"), None, 200)
        .await?;
    let items = inv
        .as_array()
        .or_else(|| inv["items"].as_array())
        .cloned()
        .unwrap_or_default();
    check(
        items.len() == 2,
        "inventory holds the sword and the potions",
    )?;

    println!("\n4. a transfer between players");
    let t = h
        .expect(M::POST, "/v1/transfers", Some(json!({ "from": alice, "to": bob, "currency": "gold", "amount": 150, "reason": "gift" })), 200)
        .await?;
    check(
        t["from_balance"] == 300 && t["to_balance"] == 150,
        "alice 300, bob 150",
    )?;
    let (status, body) = h
        .call(
            M::POST,
            "/v1/transfers",
            Some(json!({ "from": bob, "to": alice, "currency": "gold", "amount": 1000 })),
        )
        .await?;
    check(
        status == 422 && body["code"] == "INSUFFICIENT_FUNDS",
        "bob cannot send 1000: 422 INSUFFICIENT_FUNDS",
    )?;
    let wallet = h
        .expect(M::GET, &format!("/v1/players/{bob}/wallet"), None, 200)
        .await?;
    check(
        wallet["balances"][0]["amount"] == 150,
        "the refused transfer changed nothing",
    )?;

    println!("\n5. alice's history, newest first, two per page");
    let mut cursor: Option<String> = None;
    let mut kinds = Vec::new();
    loop {
        let q = match &cursor {
            Some(c) => format!("/v1/players/{alice}/history?limit=2&cursor={c}"),
            None => format!("/v1/players/{alice}/history?limit=2"),
        };
        let page = h.expect(M::GET, &q, None, 200).await?;
        for e in page["entries"].as_array().cloned().unwrap_or_default() {
            println!(
                "    #{} {} {} {} ({} -> {})",
                e["seq"],
                e["kind"],
                e["amount"],
                e["currency"],
                e["debit"].as_str().unwrap_or(""),
                e["credit"].as_str().unwrap_or("")
            );
            kinds.push(e["kind"].as_str().unwrap_or("").to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    check(
        kinds == ["transfer", "purchase", "purchase", "grant"],
        "transfer, purchase, purchase, grant",
    )?;

    println!("\n6. what sells");
    let popular = h
        .expect(M::GET, "/v1/analytics/popular-items?limit=5", None, 200)
        .await?;
    let top = popular.as_array().cloned().unwrap_or_default();
    check(
        top.iter().any(|p| p["item_id"] == "1"),
        "potions are among the popular items",
    )?;
    let seed = h
        .expect(
            M::GET,
            "/api/v1/analytics/popular-products?limit=5",
            None,
            200,
        )
        .await?;
    check(
        seed.as_array().is_some_and(|a| {
            a.iter()
                .any(|p| p["product_id"] == "1" && p["name"] == "Health Potion")
        }),
        "the seed 002 route agrees",
    )?;

    println!("\n7. the ledger balances");
    let audit = h.expect(M::GET, "/v1/ledger/verify", None, 200).await?;
    check(
        audit["ok"] == true,
        "verify_ledger: every balance matches its ledger, every currency sums to zero",
    )?;
    Ok(())
}
