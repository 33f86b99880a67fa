//! The catalog page (`/console/catalog`): every item, a form to add or update one, and
//! activating or deactivating an item.

use super::{
    currency_select, done_redirect, enc, inline_error, json_value, layout, optional,
    optional_whole, required, respond, section, status_of, whole, CsrfForm, DoneQuery, Notice,
    Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::types::{CatalogItem, ItemKind, Price};
use guildhall_core::Error;
use maud::html;
use serde::Deserialize;
use serde_json::json;

/// The form that adds or updates an item.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ItemForm {
    id: String,
    name: String,
    /// `consumable` or `durable`.
    kind: String,
    /// Empty: not for sale.
    price_currency: String,
    price_amount: String,
    max_stack: String,
    /// JSON, optional.
    metadata: String,
    /// `true` when the box is ticked.
    active: String,
}

/// The activate/deactivate button of an item.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ActiveForm {
    /// `true` to activate.
    active: String,
}

/// `GET /console/catalog`.
pub(super) async fn catalog_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<DoneQuery>,
) -> Response {
    render_catalog(&s, &op, q.notice(), StatusCode::OK).await
}

async fn render_catalog(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let list = match s.gh.catalog().await {
        Ok(items) => html! {
            table id="catalog" {
                tr {
                    th { "id" } th { "name" } th { "kind" } th { "price" }
                    th.num { "max stack" } th { "active" } th {}
                }
                @for i in &items {
                    tr {
                        td { code { (i.id) } }
                        td { (i.name) }
                        td { (i.kind.as_str()) }
                        td {
                            @match &i.price {
                                Some(p) => { (p.amount) " " (p.currency) }
                                None => { "not for sale" }
                            }
                        }
                        td.num {
                            @match i.max_stack {
                                Some(m) => { (m) }
                                None => { "-" }
                            }
                        }
                        td { (if i.active { "yes" } else { "no" }) }
                        td {
                            form.inline method="post"
                                action=(format!("/console/catalog/{}/active", enc(&i.id))) {
                                (op.csrf_field())
                                input type="hidden" name="active" value=(!i.active);
                                button.secondary type="submit" {
                                    (if i.active { "Deactivate" } else { "Activate" })
                                }
                            }
                        }
                    }
                }
            }
        },
        Err(e) => inline_error(&e),
    };
    let body = html! {
        (section("Items", list))
        section.card {
            form.stack method="post" action="/console/catalog" {
                (op.csrf_field())
                h2 { "Add or update an item" }
                label for="item-id" { "Id (an existing id updates that item)" }
                input id="item-id" name="id" required;
                label for="item-name" { "Name" }
                input id="item-name" name="name" required;
                label for="item-kind" { "Kind" }
                select id="item-kind" name="kind" { option { "consumable" } option { "durable" } }
                label for="price_currency" { "Price currency (none: not for sale)" }
                (currency_select(s, "price_currency", "price_currency", true))
                label for="item-price" { "Price amount" }
                input id="item-price" name="price_amount" type="number" min="0" step="1";
                label for="item-stack" { "Max stack (consumables)" }
                input id="item-stack" name="max_stack" type="number" min="1" step="1";
                label for="item-meta" { "Metadata (JSON, optional)" }
                textarea id="item-meta" name="metadata" rows="2" {}
                label.check { input type="checkbox" name="active" value="true" checked; " active" }
                button type="submit" { "Save item" }
            }
        }
    };
    respond(
        status,
        layout(
            "Catalog",
            Some(op),
            "/console/catalog",
            notice.as_ref(),
            body,
        ),
    )
}

async fn after_catalog(s: &AppState, op: &Operator, outcome: Result<String, Error>) -> Response {
    match outcome {
        Ok(done) => done_redirect("/console/catalog", &done),
        Err(e) => {
            let st = status_of(&e);
            render_catalog(s, op, Some(Notice::Refused(e)), st).await
        }
    }
}

/// `POST /console/catalog`: adds or updates an item.
pub(super) async fn upsert_item(
    State(s): State<AppState>,
    CsrfForm { op, form: f }: CsrfForm<ItemForm>,
) -> Response {
    let outcome = async {
        let kind: ItemKind = serde_json::from_value(json!(f.kind.trim()))
            .map_err(|_| Error::invalid("kind", "consumable or durable"))?;
        let price = match optional(&f.price_currency) {
            Some(currency) => Some(Price {
                currency,
                amount: whole(&f.price_amount, "price_amount")?,
            }),
            None => None,
        };
        let item = CatalogItem {
            max_stack: optional_whole(&f.max_stack, "max_stack")?,
            id: required(&f.id, "id")?,
            name: required(&f.name, "name")?,
            kind,
            price,
            active: f.active.trim() == "true",
            metadata: json_value(&f.metadata, "metadata")?,
        };
        let saved = s.gh.upsert_catalog_item(item).await?;
        Ok(format!("Saved item {}.", saved.id))
    }
    .await;
    after_catalog(&s, &op, outcome).await
}

/// `POST /console/catalog/{item_id}/active`: activates or deactivates an item.
pub(super) async fn set_active(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { op, form }: CsrfForm<ActiveForm>,
) -> Response {
    let active = form.active.trim() == "true";
    let outcome = s.gh.set_catalog_item_active(&id, active).await.map(|i| {
        format!(
            "Item {} is now {}.",
            i.id,
            if i.active { "active" } else { "inactive" }
        )
    });
    after_catalog(&s, &op, outcome).await
}
