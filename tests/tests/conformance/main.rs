//! The store conformance suite: every case runs once per store kind
//! (`<area>::memory::case`, `<area>::sqlite::case`, `<area>::postgres::case`);
//! `GUILDHALL_TEST_STORES` selects which kinds run (see the `guildhall_tests` harness,
//! whose [`conformance!`](guildhall_tests::conformance) stamps the tests out). A case is
//! an `async fn(Fixture)` that drives the [`Guildhall`](guildhall_core::Guildhall)
//! service and checks what it answers and what the store then holds. Its fixture is
//! built from the config the case names (default
//! [`standard_config`](guildhall_tests::standard_config); the mail, announcement, party,
//! matchmaking and per-player event cases mostly
//! [`modules_config`](guildhall_tests::modules_config): reset time zone Europe/Moscow,
//! the `duel` and `squad` queues). One file per area; helpers that several areas use
//! are here.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use guildhall_core::announce::{AudienceKind, FrequencyCap, Location, MessageKind};
use guildhall_core::economy::{BalanceChangeResult, TransferResult};
use guildhall_core::inventory::PurchaseResult;
use guildhall_core::mail::{Mail, Sender};
use guildhall_core::types::{
    Account, Balance, CatalogItem, EntryKind, Event, InventoryEntry, ItemKind, LedgerEntry,
    PlayerId, Price,
};
use guildhall_core::{ErrorCode, HistoryFilter, PopularItemsQuery, RevenueQuery};
use guildhall_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

mod achievements;
mod announce;
mod characters;
mod chat;
mod concurrency;
mod downloads;
mod economy;
mod events;
mod friends;
mod groups;
mod idempotency;
mod inventory;
mod leaderboards;
mod loot;
mod mail;
mod matchmaking;
mod party;
mod payments;
mod rooms;
mod trade;
mod validation;

fn wallet_of(gold: i64, gems: i64) -> Vec<Balance> {
    vec![
        Balance {
            currency: "gold".into(),
            amount: gold,
        },
        Balance {
            currency: "gems".into(),
            amount: gems,
        },
    ]
}

#[track_caller]
fn assert_payload(event: &Event, fields: &[(&str, Value)]) {
    for (name, want) in fields {
        assert_eq!(
            &event.payload[*name], want,
            "event {} payload field '{name}' (payload {})",
            event.kind, event.payload
        );
    }
}

async fn pages(fx: &Fixture, player: &PlayerId, filter: HistoryFilter) -> Vec<Vec<LedgerEntry>> {
    let mut out = Vec::new();
    let mut filter = filter;
    loop {
        let page = fx
            .gh
            .history(player, filter.clone())
            .await
            .expect("history page");
        let next = page.next_cursor.clone();
        out.push(page.entries);
        match next {
            Some(c) => filter.cursor = Some(c),
            None => return out,
        }
        assert!(out.len() < 1000, "history paging does not end");
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn subjects(mails: &[Mail]) -> Vec<String> {
    mails.iter().map(|m| m.subject.clone()).collect()
}

fn kinds(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.kind.clone()).collect()
}

fn players_of(e: &Event) -> BTreeSet<String> {
    e.players.iter().map(|p| p.to_string()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn ids(msgs: &[guildhall_core::announce::Message]) -> Vec<String> {
    msgs.iter().map(|m| m.trigger_id.clone()).collect()
}
