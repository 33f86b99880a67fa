//! End-to-end tests of the HTTP host: each test spawns a real server on 127.0.0.1:0 with
//! its own fresh database and talks to it over loopback with reqwest.

mod achievements;
mod api;
mod auth;
mod characters;
mod chat;
mod common;
mod compat;
mod config;
mod console;
mod console_trends;
mod downloads;
mod events;
mod friends;
mod groups;
mod leaderboards;
mod loot;
mod mail;
mod matchmaking;
mod observability;
mod ops;
mod party;
mod payments;
mod process;
mod recovery;
mod rooms;
mod trade;
mod webhooks;
mod ws;
