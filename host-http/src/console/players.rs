//! The players pages: finding a player (by id or a linked identity), the player page
//! (account and identities, ban, wallet, ledger history, inventory, mailbox, party,
//! ticket, session) and its actions: grant, revoke, ban, lift a ban. The system mail
//! form of the player page posts to [`super::mail`].

use super::dashboard::find_form;
use super::session::NoFields;
use super::{
    currency_select, done_redirect, enc, idem_field, inline_error, json_pre, layout, opt_time,
    parse_time, required, respond, section, status_of, time, whole, CsrfForm, DoneQuery, Notice,
    Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guildhall_core::access::BanRequest;
use guildhall_core::economy::{GrantRequest, SpendRequest};
use guildhall_core::types::PlayerId;
use guildhall_core::{Error, ErrorCode, HistoryFilter};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

/// The player search: `?q=<player id or provider:subject>`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FindQuery {
    q: String,
}

/// The player page's query: a message of what was done, and the ledger page's cursor.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PlayerQuery {
    done: Option<String>,
    cursor: Option<String>,
}

/// The grant and revoke forms.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MoneyForm {
    currency: String,
    amount: String,
    reason: String,
    idempotency_key: String,
}

/// The ban form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct BanForm {
    reason: String,
    until: String,
}

fn players_page(op: &Operator, status: StatusCode, notice: Option<Notice>) -> Response {
    respond(
        status,
        layout(
            "Players",
            Some(op),
            "/console/players",
            notice.as_ref(),
            find_form(),
        ),
    )
}

/// `GET /console/players?q=...`: redirects to the player found by a linked identity
/// (`provider:subject`) or by id.
pub(super) async fn find_player(
    State(s): State<AppState>,
    op: Operator,
    Query(query): Query<FindQuery>,
) -> Response {
    let q = query.q.trim();
    if q.is_empty() {
        return players_page(&op, StatusCode::OK, None);
    }
    if let Some((provider, subject)) = q.split_once(':') {
        match s.gh.find_account(provider, subject).await {
            Ok(a) => return Redirect::to(&player_url(a.player.as_str())).into_response(),
            Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::InvalidArgument => {}
            Err(e) => return players_page(&op, status_of(&e), Some(Notice::Refused(e))),
        }
    }
    match q.parse::<PlayerId>() {
        Ok(p) => Redirect::to(&player_url(p.as_str())).into_response(),
        Err(e) => players_page(&op, status_of(&e), Some(Notice::Refused(e))),
    }
}

/// The console page of player `p`.
pub(super) fn player_url(p: &str) -> String {
    format!("/console/players/{}", enc(p))
}

pub(super) fn parse_player(p: &str) -> Result<PlayerId, Error> {
    p.parse::<PlayerId>()
}

/// `GET /console/players/{player}`.
pub(super) async fn player_page(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Query(q): Query<PlayerQuery>,
) -> Response {
    let notice = DoneQuery { done: q.done }.notice();
    render_player(&s, &op, &p, notice, StatusCode::OK, q.cursor).await
}

/// The player page with `notice` on top, answered with `status`.
pub(super) async fn render_player(
    s: &AppState,
    op: &Operator,
    raw: &str,
    notice: Option<Notice>,
    status: StatusCode,
    cursor: Option<String>,
) -> Response {
    let pid = match parse_player(raw) {
        Ok(p) => p,
        Err(e) => {
            return respond(
                status_of(&e),
                layout(
                    "Player",
                    Some(op),
                    "/console/players",
                    Some(&Notice::Refused(e)),
                    find_form(),
                ),
            )
        }
    };
    let url = player_url(pid.as_str());
    let account = account(s, op, &pid, &url).await;
    let wallet = wallet(s, op, &pid, &url).await;
    let history = history(s, &pid, &url, cursor).await;
    let inventory = inventory(s, &pid).await;
    let mailbox = mailbox(s, op, &pid, &url).await;
    let presence = presence(s, &pid).await;
    let activity = activity(s, &pid).await;
    let body = html! {
        div.grid {
            (section("Account", account))
            (section("Wallet", wallet))
        }
        (section("Ledger history (newest first)", history))
        div.grid {
            (section("Inventory", inventory))
            (section("Mailbox", mailbox))
            (section("Party, ticket, session", presence))
        }
        (section("Account activity (newest first)", activity))
    };
    respond(
        status,
        layout(
            &format!("Player {}", pid.as_str()),
            Some(op),
            "/console/players",
            notice.as_ref(),
            body,
        ),
    )
}

/// The account (or its absence), its ban and identities, and the ban forms.
async fn account(s: &AppState, op: &Operator, pid: &PlayerId, url: &str) -> Markup {
    let account = s.gh.account(pid).await;
    html! {
        @match &account {
            Ok(a) => {
                p {
                    "Created " (time(&a.created_at))
                    " · password " (if a.has_password { "set" } else { "none" })
                    " · whitelisted " (if a.whitelisted { "yes" } else { "no" })
                    " · "
                    @if a.banned {
                        span class="badge bad" { "banned" }
                    } @else {
                        span.badge { "not banned" }
                    }
                }
                @if let Some(b) = &a.ban {
                    p {
                        "Ban: " (b.reason) " (by " (b.by) ", at " (time(&b.at))
                        ", until " (opt_time(&b.until)) ")"
                    }
                }
                table {
                    tr { th { "provider" } th { "subject" } th { "linked" } }
                    @for i in &a.identities {
                        tr { td { (i.provider) } td { (i.subject) } td { (time(&i.linked_at)) } }
                    }
                }
            }
            Err(e) if e.code == ErrorCode::NotFound => {
                p.muted { "No account record: an id used by an embedding game. A ban creates one." }
            }
            Err(e) => { (inline_error(e)) }
        }
        form.stack method="post" action=(format!("{url}/ban")) {
            (op.csrf_field())
            label for="ban-reason" { "Ban reason" }
            input id="ban-reason" name="reason" required maxlength="500";
            label for="ban-until" { "Until (UTC, empty: until lifted)" }
            input id="ban-until" name="until" type="datetime-local";
            button.danger type="submit" { "Ban" }
        }
        form.inline method="post" action=(format!("{url}/unban")) {
            (op.csrf_field())
            button.secondary type="submit" { "Lift ban" }
        }
    }
}

/// The balances and the grant and revoke forms.
async fn wallet(s: &AppState, op: &Operator, pid: &PlayerId, url: &str) -> Markup {
    let wallet = s.gh.wallet(pid).await;
    let money_form = |action: &str, legend: &str, button: &str, class: &str| {
        html! {
            form.stack method="post" action=(format!("{url}/{action}")) id=(format!("{action}-form")) {
                (op.csrf_field())
                (idem_field())
                h2 { (legend) }
                label for=(format!("{action}-currency")) { "Currency" }
                (currency_select(s, &format!("{action}-currency"), "currency", false))
                label for=(format!("{action}-amount")) { "Amount (smallest unit)" }
                input id=(format!("{action}-amount")) name="amount" type="number" min="1" step="1" required;
                label for=(format!("{action}-reason")) { "Reason (kept in the ledger)" }
                input id=(format!("{action}-reason")) name="reason" required maxlength="200";
                button class=(class) type="submit" { (button) }
            }
        }
    };
    html! {
        @match &wallet {
            Ok(w) => {
                table id="wallet" {
                    tr { th { "currency" } th.num { "balance" } }
                    @for b in &w.balances {
                        tr { td { (b.currency) } td.num { (b.amount) } }
                    }
                }
            }
            Err(e) => { (inline_error(e)) }
        }
        (money_form("grant", "Grant currency", "Grant", ""))
        (money_form("revoke", "Revoke currency", "Revoke", "danger"))
    }
}

/// The newest 50 ledger entries (from `cursor`), with a link to older ones.
async fn history(s: &AppState, pid: &PlayerId, url: &str, cursor: Option<String>) -> Markup {
    let filter = HistoryFilter {
        limit: Some(50),
        cursor,
        ..Default::default()
    };
    let player_account = format!("player:{pid}");
    match s.gh.history(pid, filter).await {
        Ok(page) => html! {
            table id="ledger" {
                tr {
                    th { "time" } th { "kind" } th { "currency" } th.num { "amount" }
                    th { "from" } th { "to" } th { "reason" }
                }
                @for e in &page.entries {
                    @let credit = e.credit.to_string();
                    @let incoming = credit == player_account || credit == pid.as_str();
                    tr {
                        td { (time(&e.at)) }
                        td { (e.kind.as_str()) }
                        td { (e.currency) }
                        td.num { (if incoming { "+" } else { "-" }) (e.amount) }
                        td { (e.debit.to_string()) }
                        td { (credit) }
                        td { (e.reason) }
                    }
                }
                @if page.entries.is_empty() {
                    tr { td colspan="7" class="muted" { "no entries" } }
                }
            }
            @if let Some(next) = &page.next_cursor {
                p { a href=(format!("{url}?cursor={}", enc(next))) { "Older entries" } }
            }
        },
        Err(e) => inline_error(&e),
    }
}

/// The player's items.
async fn inventory(s: &AppState, pid: &PlayerId) -> Markup {
    match s.gh.inventory(pid).await {
        Ok(items) => html! {
            table {
                tr { th { "item" } th { "kind" } th.num { "quantity" } th { "acquired" } }
                @for i in &items {
                    tr {
                        td { (i.name) " " span.muted { (i.item_id) } }
                        td { (i.kind.as_str()) }
                        td.num { (i.quantity) }
                        td { (time(&i.acquired_at)) }
                    }
                }
                @if items.is_empty() {
                    tr { td colspan="4" class="muted" { "empty" } }
                }
            }
        },
        Err(e) => inline_error(&e),
    }
}

/// The mailbox and the system mail form.
async fn mailbox(s: &AppState, op: &Operator, pid: &PlayerId, url: &str) -> Markup {
    let mails = s.gh.mailbox(pid).await;
    html! {
        @match &mails {
            Ok(mails) => {
                table {
                    tr { th { "sent" } th { "from" } th { "subject" } th { "state" } }
                    @for m in mails {
                        @let from = match &m.sender.id {
                            Some(id) => format!("{:?} {}", m.sender.kind, id),
                            None => format!("{:?}", m.sender.kind),
                        };
                        @let state = if m.claimed_at.is_some() {
                            "claimed"
                        } else if m.unclaimed() {
                            "attachments unclaimed"
                        } else if m.read_at.is_some() {
                            "read"
                        } else {
                            "unread"
                        };
                        tr {
                            td { (time(&m.sent_at)) }
                            td { (from.to_lowercase()) }
                            td { (m.subject) }
                            td { (state) }
                        }
                    }
                    @if mails.is_empty() {
                        tr { td colspan="4" class="muted" { "empty" } }
                    }
                }
            }
            Err(e) => { (inline_error(e)) }
        }
        form.stack method="post" action=(format!("{url}/mail")) {
            (op.csrf_field())
            (idem_field())
            h2 { "Send a system mail" }
            label for="mail-subject" { "Subject" }
            input id="mail-subject" name="subject" required;
            label for="mail-body" { "Body" }
            textarea id="mail-body" name="body" rows="3" {}
            label for="mail-currency" { "Attach currency (optional)" }
            (currency_select(s, "currency", "currency", true))
            label for="mail-amount" { "Amount" }
            input id="mail-amount" name="amount" type="number" min="1" step="1";
            button type="submit" { "Send" }
        }
    }
}

/// The player's party, matchmaking ticket and session.
async fn presence(s: &AppState, pid: &PlayerId) -> Markup {
    let party = s.gh.party_of(pid).await;
    let ticket = s.gh.ticket_status(pid).await;
    let session = s.gh.session(pid).await;
    html! {
        h2 { "Party" }
        @match &party {
            Ok(Some(p)) => {
                p {
                    "Party " code { (p.id) } ", " (if p.open { "open" } else { "invite only" })
                    " · members: "
                    @for (n, m) in p.members.iter().enumerate() {
                        @if n > 0 { ", " }
                        a href=(player_url(m.player.as_str())) { (m.player.as_str()) }
                        @if m.player == p.leader { " (leader)" }
                    }
                }
            }
            Ok(None) => { p.muted { "not in a party" } }
            Err(e) => { (inline_error(e)) }
        }
        h2 { "Ticket" }
        @match &ticket {
            Ok(Some(t)) => { (json_pre(t)) }
            Ok(None) => { p.muted { "no ticket" } }
            Err(e) => { (inline_error(e)) }
        }
        h2 { "Session" }
        @match &session {
            Ok(Some(ss)) => {
                p {
                    "online since " (time(&ss.started_at)) ", last seen " (time(&ss.last_seen))
                    ", expires " (time(&ss.expires_at))
                }
                (json_pre(&ss.location))
            }
            Ok(None) => { p.muted { "offline" } }
            Err(e) => { (inline_error(e)) }
        }
    }
}

/// The outcome of a player form: on success a redirect to the player page with a
/// message (so a reload does not post again); on refusal the page with the code.
pub(super) async fn after_player_action(
    s: &AppState,
    op: &Operator,
    raw: &str,
    outcome: Result<String, Error>,
) -> Response {
    match outcome {
        Ok(done) => done_redirect(&player_url(raw), &done),
        Err(e) => {
            let status = status_of(&e);
            render_player(s, op, raw, Some(Notice::Refused(e)), status, None).await
        }
    }
}

/// `POST /console/players/{player}/grant`.
pub(super) async fn grant(
    State(s): State<AppState>,
    Path(p): Path<String>,
    CsrfForm { op, form }: CsrfForm<MoneyForm>,
) -> Response {
    change_balance(s, op, p, form, true).await
}

/// `POST /console/players/{player}/revoke`.
pub(super) async fn revoke(
    State(s): State<AppState>,
    Path(p): Path<String>,
    CsrfForm { op, form }: CsrfForm<MoneyForm>,
) -> Response {
    change_balance(s, op, p, form, false).await
}

/// Grants (source `admin`) or revokes (sink `admin_revoke`) currency with the operator's
/// reason, through the same services as the API, so the ledger row and event follow.
async fn change_balance(
    s: AppState,
    op: Operator,
    p: String,
    f: MoneyForm,
    grant: bool,
) -> Response {
    let outcome = async {
        let player = parse_player(&p)?;
        let currency = required(&f.currency, "currency")?;
        let amount = whole(&f.amount, "amount")?;
        let reason = Some(required(&f.reason, "reason")?);
        let metadata = json!({ "by": op.by() });
        let idempotency_key = super::optional(&f.idempotency_key);
        let r = if grant {
            op.core(&s)
                .grant(GrantRequest {
                    player,
                    currency: currency.clone(),
                    amount,
                    source: Some("admin".into()),
                    reason,
                    metadata,
                    idempotency_key,
                })
                .await?
        } else {
            op.core(&s)
                .spend(SpendRequest {
                    player,
                    currency: currency.clone(),
                    amount,
                    sink: Some("admin_revoke".into()),
                    reason,
                    metadata,
                    idempotency_key,
                })
                .await?
        };
        Ok(format!(
            "{} {amount} {currency}{}; balance now {}.",
            if grant { "Granted" } else { "Revoked" },
            if r.replayed {
                " (already done; not repeated)"
            } else {
                ""
            },
            r.balance
        ))
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

/// `POST /console/players/{player}/ban`: bans with a reason and an optional end.
pub(super) async fn ban(
    State(s): State<AppState>,
    Path(p): Path<String>,
    CsrfForm { op, form }: CsrfForm<BanForm>,
) -> Response {
    let outcome = async {
        let req = BanRequest {
            reason: required(&form.reason, "reason")?,
            until: parse_time(&form.until, "until")?,
        };
        s.gh.ban_player(&parse_player(&p)?, req, &op.by()).await?;
        Ok("Banned.".to_string())
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

/// `POST /console/players/{player}/unban`: lifts the ban.
pub(super) async fn unban(
    State(s): State<AppState>,
    Path(p): Path<String>,
    CsrfForm { op, .. }: CsrfForm<NoFields>,
) -> Response {
    let outcome = async {
        s.gh.unban_player(&parse_player(&p)?, &op.by()).await?;
        Ok("Ban lifted.".to_string())
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

/// The account's activity log (seed 003's behaviour log): the last 50 account events.
async fn activity(s: &AppState, pid: &PlayerId) -> Markup {
    match s.gh.account_activity(pid, 50).await {
        Err(e) => inline_error(&e),
        Ok(events) if events.is_empty() => {
            html! { p.muted { "No account activity in the outbox." } }
        }
        Ok(events) => html! {
            table {
                thead { tr { th { "When" } th { "What" } th { "Details" } } }
                tbody {
                    @for e in events.iter().rev() {
                        tr { td { (time(&e.at)) } td { (e.kind) } td { code { (e.payload.to_string()) } } }
                    }
                }
            }
        },
    }
}
