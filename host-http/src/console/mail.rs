//! System mail: the mail page (`/console/mail`) with its broadcast form, and the system
//! mail to one player posted from the player page.

use super::players::{after_player_action, parse_player};
use super::{
    currency_select, done_redirect, idem_field, layout, optional, optional_whole, required,
    respond, status_of, whole, CsrfForm, DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::mail::{
    Attachments, BroadcastRequest, CurrencyAttachment, SendMailRequest, Sender, SenderKind,
};
use guildhall_core::Error;
use maud::html;
use serde::Deserialize;

/// The system mail form of the player page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PlayerMailForm {
    subject: String,
    body: String,
    currency: String,
    amount: String,
    idempotency_key: String,
}

/// The broadcast form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct BroadcastForm {
    subject: String,
    body: String,
    currency: String,
    amount: String,
    /// Comma-separated player ids; empty: every player.
    recipients: String,
    expires_in_secs: String,
    /// The form's own key: a double submit or a resent POST stores one broadcast.
    idempotency_key: String,
}

/// A currency attachment when both a currency and an amount are given.
fn currency_attachment(currency: &str, amount: &str) -> Result<Attachments, Error> {
    let mut a = Attachments::default();
    if let Some(currency) = optional(currency) {
        if optional(amount).is_some() {
            a.currencies.push(CurrencyAttachment {
                currency,
                amount: whole(amount, "amount")?,
            });
        }
    }
    Ok(a)
}

fn system_sender() -> Sender {
    Sender {
        kind: SenderKind::System,
        id: None,
    }
}

/// `POST /console/players/{player}/mail`: a system mail, with an optional currency
/// attachment, to one player.
pub(super) async fn mail_player(
    State(s): State<AppState>,
    Path(p): Path<String>,
    CsrfForm { op, form }: CsrfForm<PlayerMailForm>,
) -> Response {
    let outcome = async {
        let req = SendMailRequest {
            from: system_sender(),
            to: parse_player(&p)?,
            subject: required(&form.subject, "subject")?,
            body: form.body.trim().to_string(),
            attachments: currency_attachment(&form.currency, &form.amount)?,
            expires_in_secs: None,
            idempotency_key: optional(&form.idempotency_key),
        };
        let r = op.core(&s).send_mail(req).await?;
        Ok(format!("Mail sent ({}).", r.mail.id))
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

fn mail_form_page(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let body = html! {
        section.card {
            form.stack method="post" action="/console/mail/broadcast" {
                (op.csrf_field())
                (idem_field())
                h2 { "Broadcast a system mail" }
                label for="bc-subject" { "Subject" }
                input id="bc-subject" name="subject" required;
                label for="bc-body" { "Body" }
                textarea id="bc-body" name="body" rows="4" {}
                label for="currency" { "Attach currency (optional)" }
                (currency_select(s, "currency", "currency", true))
                label for="bc-amount" { "Amount" }
                input id="bc-amount" name="amount" type="number" min="1" step="1";
                label for="bc-recipients" { "Only these players (comma-separated; empty: every player)" }
                input id="bc-recipients" name="recipients";
                label for="bc-expires" { "Expires after (seconds, optional)" }
                input id="bc-expires" name="expires_in_secs" type="number" min="1" step="1";
                button type="submit" { "Broadcast" }
            }
            p.muted { "Stored once; it appears in each box the next time that box is read." }
        }
    };
    respond(
        status,
        layout("Mail", Some(op), "/console/mail", notice.as_ref(), body),
    )
}

/// `GET /console/mail`.
pub(super) async fn mail_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<DoneQuery>,
) -> Response {
    mail_form_page(&s, &op, q.notice(), StatusCode::OK)
}

/// `POST /console/mail/broadcast`: one mail to every player, or to a list of players.
pub(super) async fn broadcast(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<BroadcastForm>,
) -> Response {
    let outcome = async {
        let recipients = match optional(&form.recipients) {
            None => None,
            Some(list) => Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(parse_player)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let expires_in_secs = optional_whole(&form.expires_in_secs, "expires_in_secs")?;
        let b = op
            .core(&s)
            .broadcast_mail(BroadcastRequest {
                from: system_sender(),
                subject: required(&form.subject, "subject")?,
                body: form.body.trim().to_string(),
                attachments: currency_attachment(&form.currency, &form.amount)?,
                expires_in_secs,
                recipients,
                idempotency_key: optional(&form.idempotency_key),
            })
            .await?;
        Ok(if b.replayed {
            format!("Broadcast {} was stored already (repeated submit).", b.id)
        } else {
            format!("Broadcast {} stored.", b.id)
        })
    }
    .await;
    match outcome {
        Ok(done) => done_redirect("/console/mail", &done),
        Err(e) => {
            let st = status_of(&e);
            mail_form_page(&s, &op, Some(Notice::Refused(e)), st)
        }
    }
}
