//! The trends page (`/console/trends`): charts drawn by the host ([`super::charts`]) of
//! revenue per currency per day and daily active players (last 30 days, reset time
//! zone), players online over the last 24 hours (the scheduler's samples) and matches
//! formed per hour with the median and 90th percentile ticket waits (last 24 hours,
//! UTC). A read that fails shows its refusal in place of its chart.

use super::charts::{Chart, Kind, Series};
use super::{inline_error, layout, respond, section, Operator};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::trends::rules::last_days;
use guildhall_core::Error;
use guildhall_core::RevenueQuery;
use maud::{html, Markup};
use std::collections::BTreeMap;

/// Days of the daily charts.
const DAYS: u32 = 30;
/// Hours of the hourly charts.
const HOURS: u32 = 24;

/// `GET /console/trends`.
pub(super) async fn trends_page(State(s): State<AppState>, op: Operator) -> Response {
    let (revenue, active, online, matches) = tokio::join!(
        revenue_chart(&s),
        active_chart(&s),
        online_chart(&s),
        match_charts(&s)
    );
    let body = html! {
        div.grid.trends {
            (section("Revenue per day", shown(revenue)))
            (section("Daily active players", shown(active)))
            (section("Players online", shown(online)))
            (section("Matchmaking", shown(matches)))
        }
    };
    respond(
        StatusCode::OK,
        layout("Trends", Some(&op), "/console/trends", None, body),
    )
}

fn shown(r: Result<Markup, Error>) -> Markup {
    r.unwrap_or_else(|e| inline_error(&e))
}

/// A day as a short label (`MM-DD`).
fn day_label(d: chrono::NaiveDate) -> String {
    d.format("%m-%d").to_string()
}

async fn revenue_chart(s: &AppState) -> Result<Markup, Error> {
    let rows = s.gh.revenue_per_day(&RevenueQuery::default()).await?;
    let days = last_days(s.gh.today(), DAYS);
    let mut by_currency: BTreeMap<&str, BTreeMap<chrono::NaiveDate, f64>> = BTreeMap::new();
    for r in &rows {
        *by_currency
            .entry(r.currency.as_str())
            .or_default()
            .entry(r.day)
            .or_default() += r.amount as f64;
    }
    let chart = Chart {
        id: "chart-revenue".into(),
        title: format!("Revenue per currency per day, last {DAYS} days"),
        unit: "smallest units".into(),
        kind: Kind::Line,
        whole: true,
        labels: days.iter().copied().map(day_label).collect(),
        series: by_currency
            .into_iter()
            .map(|(currency, per_day)| Series {
                name: currency.to_string(),
                values: days
                    .iter()
                    .map(|d| Some(per_day.get(d).copied().unwrap_or(0.0)))
                    .collect(),
            })
            .collect(),
    };
    Ok(chart.render())
}

async fn active_chart(s: &AppState) -> Result<Markup, Error> {
    let days = s.gh.daily_active_players(DAYS).await?;
    let chart = Chart {
        id: "chart-active".into(),
        title: format!("Players who logged in, per day, last {DAYS} days"),
        unit: "players".into(),
        kind: Kind::Bar,
        whole: true,
        labels: days.iter().map(|d| day_label(d.day)).collect(),
        series: vec![Series {
            name: "active players".into(),
            values: days.iter().map(|d| Some(d.players as f64)).collect(),
        }],
    };
    Ok(chart.render())
}

async fn online_chart(s: &AppState) -> Result<Markup, Error> {
    let samples = s.gh.online_trend(HOURS).await?;
    let chart = Chart {
        id: "chart-online".into(),
        title: format!("Players online, last {HOURS} hours (UTC)"),
        unit: "players".into(),
        kind: Kind::Line,
        whole: true,
        labels: samples
            .iter()
            .map(|p| p.at.format("%H:%M").to_string())
            .collect(),
        series: vec![Series {
            name: "online".into(),
            values: samples.iter().map(|p| Some(p.online as f64)).collect(),
        }],
    };
    // Samples of an idle game are all 0: still a trend worth drawing once there is one.
    Ok(if samples.is_empty() || chart.has_data() {
        chart.render()
    } else {
        html! { (chart.render()) p.muted { (samples.len()) " samples, all 0" } }
    })
}

async fn match_charts(s: &AppState) -> Result<Markup, Error> {
    let hours = s.gh.match_trend(HOURS).await?;
    let labels: Vec<String> = hours
        .iter()
        .map(|h| h.hour.format("%H:00").to_string())
        .collect();
    let formed = Chart {
        id: "chart-matches".into(),
        title: format!("Matches formed per hour, last {HOURS} hours (UTC)"),
        unit: "matches".into(),
        kind: Kind::Bar,
        whole: true,
        labels: labels.clone(),
        series: vec![Series {
            name: "matches".into(),
            values: hours.iter().map(|h| Some(h.formed as f64)).collect(),
        }],
    };
    let waits = Chart {
        id: "chart-waits".into(),
        title: "Ticket waits of the matches formed, per hour".into(),
        unit: "seconds".into(),
        kind: Kind::Line,
        whole: true,
        labels,
        series: vec![
            Series {
                name: "median".into(),
                values: hours
                    .iter()
                    .map(|h| h.wait_p50_secs.map(|v| v as f64))
                    .collect(),
            },
            Series {
                name: "90th percentile".into(),
                values: hours
                    .iter()
                    .map(|h| h.wait_p90_secs.map(|v| v as f64))
                    .collect(),
            },
        ],
    };
    Ok(html! {
        (formed.render())
        (waits.render())
        p.muted { "Waits are the upper bound of the bucket (1, 2, 5, 10, 15, 20, 30, 45 s, 1, 1.5, 2, 3, 5, 10, 20, 60 min) holding each figure." }
    })
}
