//! The console's trends page (`/console/trends`): empty charts say "no data yet"; after
//! purchases, logins, players online (sampled by the host's scheduler) and a match
//! (formed by its tick), each chart is an inline SVG with a point per value and the
//! seeded figures in its point titles and table.

use crate::common::spawn_app_with;
use crate::console::{get, key, session_of, sign_in};
use guildhall_core::access::IdentityLoginRequest;
use guildhall_core::announce::Location;
use guildhall_core::types::PlayerId;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// The `<figure>` of chart `id` in a page.
fn figure<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<figure class=\"chart\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no figure {id} in {page}"));
    let end = page[start..].find("</figure>").unwrap() + start;
    &page[start..end]
}

#[tokio::test]
async fn console_trends_page_charts_revenue_logins_online_samples_and_matches() {
    let app = spawn_app_with(|s| s.schedule.online_sample = Duration::from_millis(200)).await;
    let gh = app.server.guildhall();
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);

    let (status, _, page) = get(&app, "/console/trends", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("href=\"/console/trends\" class=\"here\""),
        "in the navigation"
    );
    for id in [
        "chart-revenue",
        "chart-active",
        "chart-matches",
        "chart-waits",
    ] {
        let f = figure(&page, id);
        assert!(
            f.contains("no data yet") && !f.contains("<svg"),
            "{id}: {f}"
        );
    }

    // Revenue: 2 potions (10 gold each) and a sword (100 gold) today.
    app.grant("buyer", 1000).await;
    app.post(
        "/v1/players/buyer/purchases",
        json!({"item_id": "1", "quantity": 2}),
    )
    .await
    .ok();
    app.post("/v1/players/buyer/purchases", json!({"item_id": "sword"}))
        .await
        .ok();
    // Active players: three identities log in (one twice), one of them also online,
    // and a fourth player only starts a presence session.
    for (subject, player) in [
        ("dev-a", "ana"),
        ("dev-b", "bo"),
        ("dev-c", "cy"),
        ("dev-a", "ana"),
    ] {
        gh.login_identity(IdentityLoginRequest {
            provider: "device".into(),
            subject: subject.into(),
            player: Some(PlayerId::new(player).unwrap()),
        })
        .await
        .unwrap();
    }
    for p in ["ana", "dee"] {
        gh.login(&PlayerId::new(p).unwrap(), Location::default())
            .await
            .unwrap();
    }
    // A match: the scheduler's tick pairs two tickets of `duel`.
    for p in ["m1", "m2"] {
        app.post("/v1/queues/duel/tickets", json!({ "player": p }))
            .await
            .ok();
    }
    let mut waited = 0;
    loop {
        let online = gh.online_trend(1).await.unwrap();
        let formed: u64 = gh
            .match_trend(1)
            .await
            .unwrap()
            .iter()
            .map(|h| h.formed)
            .sum();
        if online.iter().any(|s| s.online == 2) && formed == 1 {
            break;
        }
        waited += 1;
        assert!(
            waited < 100,
            "no sample of 2 online or no match: {online:?}, {formed}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let days = gh.daily_active_players(2).await.unwrap();
    assert_eq!(
        days.last().unwrap().players,
        4,
        "ana, bo, cy, dee once each"
    );
    assert_eq!(days[0].players, 0);

    let (status, _, page) = get(&app, "/console/trends", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let revenue = figure(&page, "chart-revenue");
    assert!(revenue.contains("<svg class=\"chart\""), "{revenue}");
    assert!(revenue.contains("role=\"img\""), "{revenue}");
    assert_eq!(
        revenue.matches("<circle class=\"point\"").count(),
        30,
        "a day each"
    );
    assert!(revenue.contains("gold: 120</title>"), "{revenue}");
    let active = figure(&page, "chart-active");
    assert_eq!(
        active.matches("<rect class=\"point\"").count(),
        30,
        "{active}"
    );
    assert!(active.contains("active players: 4</title>"), "{active}");
    let online = figure(&page, "chart-online");
    assert!(online.contains("online: 2</title>"), "{online}");
    assert!(online.contains("<path d=\"M"), "{online}");
    let matches = figure(&page, "chart-matches");
    assert_eq!(
        matches.matches("<rect class=\"point\"").count(),
        24,
        "{matches}"
    );
    assert!(matches.contains("matches: 1</title>"), "{matches}");
    let waits = figure(&page, "chart-waits");
    assert!(waits.contains("median: 1</title>"), "{waits}");
    assert!(waits.contains("90th percentile: 1</title>"), "{waits}");
    // The figures as a table too.
    assert!(
        active.contains("<details><summary>Table</summary>"),
        "{active}"
    );
}
