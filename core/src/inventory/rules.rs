//! Catalog and inventory rules: pure functions, no I/O.

use super::{GrantItemRequest, ItemChangeResult, PurchaseRequest, PurchaseResult, UseItemRequest};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::economy::rules::{
    add_system, apply_delta, check_key, check_metadata, entry, reason, set_balance, SHOP,
};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, ChangeSet, ItemRow, ItemWrite};
use crate::types::{check_text, Account, CatalogItem, EntryKind, ItemKind, PlayerId};
use serde_json::json;

/// Validates a catalog item before it is stored: id 1-128 bytes, name 1-200 bytes,
/// price > 0 in a configured currency, `max_stack` >= 1, metadata an object.
/// Errors: `INVALID_ARGUMENT` naming the field.
pub fn check_catalog_item(cfg: &Config, item: &CatalogItem) -> Result<()> {
    check_text("id", &item.id, 1, 128)?;
    check_text("name", &item.name, 1, 200)?;
    if let Some(price) = &item.price {
        cfg.currency(&price.currency)?;
        if price.amount <= 0 {
            return Err(Error::invalid(
                "price.amount",
                "a price is a positive amount; omit price for not for sale",
            ));
        }
    }
    if matches!(item.max_stack, Some(m) if m < 1) {
        return Err(Error::invalid("max_stack", "max_stack is at least 1"));
    }
    check_metadata(&item.metadata)
}

fn check_quantity(q: i64) -> Result<()> {
    if q < 1 {
        return Err(Error::invalid("quantity", "quantity is at least 1"));
    }
    Ok(())
}

/// The quantity after adding `q` to `held`, under the item's stacking rule.
/// Errors: `ALREADY_OWNED` (durable held), `INVALID_ARGUMENT` (durable quantity != 1),
/// `STACK_LIMIT`.
fn add_units(item: &CatalogItem, held: i64, q: i64) -> Result<i64> {
    match item.kind {
        ItemKind::Durable => {
            if held > 0 {
                return Err(Error::new(
                    ErrorCode::AlreadyOwned,
                    format!("'{}' is already owned", item.name),
                )
                .with_details(json!({ "item_id": item.id })));
            }
            if q != 1 {
                return Err(Error::invalid(
                    "quantity",
                    "a durable item is acquired with quantity 1",
                ));
            }
            Ok(1)
        }
        ItemKind::Consumable => {
            let max = item.max_stack.unwrap_or(i64::MAX);
            match held.checked_add(q) {
                Some(n) if n <= max => Ok(n),
                _ => Err(Error::new(
                    ErrorCode::StackLimit,
                    format!("a stack of '{}' holds at most {max}", item.name),
                )
                .with_details(
                    json!({ "item_id": item.id, "held": held, "requested": q, "max_stack": max }),
                )),
            }
        }
    }
}

fn item_write(
    player: &PlayerId,
    item_id: &str,
    row: Option<&ItemRow>,
    quantity: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ItemWrite {
    ItemWrite {
        player: player.clone(),
        item_id: item_id.to_string(),
        expected_version: row.map_or(0, |r| r.version),
        quantity,
        // A stack that was used up and is acquired again starts a new acquisition.
        acquired_at: row
            .filter(|r| r.quantity > 0)
            .map_or(now, |r| r.acquired_at),
    }
}

/// SPEC.md `purchase`: item exists, active and for sale; durable bought once with
/// quantity 1; consumable stack within `max_stack`; funds enough. Debit, shop credit,
/// item grant, ledger entry and `item_purchased` event in one change set.
pub fn purchase(
    cfg: &Config,
    ctx: &Ctx,
    req: &PurchaseRequest,
    item: Option<&CatalogItem>,
    balance: BalanceRow,
    held: Option<&ItemRow>,
) -> Result<(ChangeSet, PurchaseResult)> {
    check_quantity(req.quantity)?;
    check_metadata(&req.metadata)?;
    check_key(&req.idempotency_key)?;
    let item = item.ok_or_else(|| Error::not_found("catalog item", &req.item_id))?;
    let price = match (&item.price, item.active) {
        (Some(p), true) => p,
        _ => {
            return Err(Error::new(
                ErrorCode::NotForSale,
                format!("'{}' is not for sale", item.name),
            )
            .with_details(json!({ "item_id": item.id })))
        }
    };
    let units = add_units(item, held.map_or(0, |r| r.quantity), req.quantity)?;
    let total = price
        .amount
        .checked_mul(req.quantity)
        .ok_or_else(|| Error::invalid("quantity", "the total price overflows"))?;
    let after = apply_delta(cfg, &req.player, &price.currency, balance.amount, -total)?;
    let mut ledger = entry(
        ctx,
        EntryKind::Purchase,
        &price.currency,
        Account::Player(req.player.clone()),
        Account::system(SHOP)?,
        total,
        "purchase".into(),
        req.metadata.clone(),
    );
    ledger.item_id = Some(item.id.clone());
    ledger.quantity = Some(req.quantity);
    let cs = ChangeSet {
        balances: vec![
            set_balance(&req.player, &price.currency, balance, after),
            add_system(Account::system(SHOP)?, &price.currency, total),
        ],
        items: vec![item_write(&req.player, &item.id, held, units, ctx.now)],
        ledger: vec![ledger],
        events: vec![ctx.event(
            "item_purchased",
            vec![req.player.clone()],
            json!({ "player": req.player, "item_id": item.id, "quantity": req.quantity, "currency": price.currency,
                    "amount": total, "balance": after, "item_quantity": units, "transaction_id": ctx.transaction_id }),
        )],
        ..Default::default()
    };
    let result = PurchaseResult {
        transaction_id: ctx.transaction_id.clone(),
        player: req.player.clone(),
        item_id: item.id.clone(),
        quantity: req.quantity,
        currency: price.currency.clone(),
        amount: total,
        balance: after,
        item_quantity: units,
        replayed: false,
    };
    Ok((cs, result))
}

/// SPEC.md `use`: consumables only; needs enough units.
pub fn use_item(
    ctx: &Ctx,
    req: &UseItemRequest,
    item: Option<&CatalogItem>,
    held: Option<&ItemRow>,
) -> Result<(ChangeSet, ItemChangeResult)> {
    check_quantity(req.quantity)?;
    check_key(&req.idempotency_key)?;
    let item = item.ok_or_else(|| Error::not_found("catalog item", &req.item_id))?;
    if item.kind != ItemKind::Consumable {
        return Err(Error::new(
            ErrorCode::NotConsumable,
            format!("'{}' is durable and cannot be used up", item.name),
        )
        .with_details(json!({ "item_id": item.id })));
    }
    let have = held.map_or(0, |r| r.quantity);
    if have == 0 {
        return Err(Error::new(
            ErrorCode::NotOwned,
            format!("{} has no '{}'", req.player, item.name),
        )
        .with_details(json!({ "item_id": item.id })));
    }
    if have < req.quantity {
        return Err(Error::new(
            ErrorCode::InsufficientQuantity,
            format!(
                "{} has {have} of '{}', needs {}",
                req.player, item.name, req.quantity
            ),
        )
        .with_details(json!({ "item_id": item.id, "held": have, "requested": req.quantity })));
    }
    let remaining = have - req.quantity;
    let cs = ChangeSet {
        items: vec![item_write(&req.player, &item.id, held, remaining, ctx.now)],
        events: vec![ctx.event(
            "item_used",
            vec![req.player.clone()],
            json!({ "player": req.player, "item_id": item.id, "quantity": req.quantity, "remaining": remaining, "transaction_id": ctx.transaction_id }),
        )],
        ..Default::default()
    };
    let result = ItemChangeResult {
        transaction_id: ctx.transaction_id.clone(),
        player: req.player.clone(),
        item_id: item.id.clone(),
        quantity: req.quantity,
        remaining,
        replayed: false,
    };
    Ok((cs, result))
}

/// SPEC.md `grant_item`: rewards, attachments, admins; same stacking rules as purchase.
pub fn grant_item(
    ctx: &Ctx,
    req: &GrantItemRequest,
    item: Option<&CatalogItem>,
    held: Option<&ItemRow>,
) -> Result<(ChangeSet, ItemChangeResult)> {
    check_quantity(req.quantity)?;
    check_key(&req.idempotency_key)?;
    let why = reason(&req.reason, "grant")?;
    let item = item.ok_or_else(|| Error::not_found("catalog item", &req.item_id))?;
    let units = add_units(item, held.map_or(0, |r| r.quantity), req.quantity)?;
    let cs = ChangeSet {
        items: vec![item_write(&req.player, &item.id, held, units, ctx.now)],
        events: vec![ctx.event(
            "item_granted",
            vec![req.player.clone()],
            json!({ "player": req.player, "item_id": item.id, "quantity": req.quantity, "item_quantity": units, "reason": why, "transaction_id": ctx.transaction_id }),
        )],
        ..Default::default()
    };
    let result = ItemChangeResult {
        transaction_id: ctx.transaction_id.clone(),
        player: req.player.clone(),
        item_id: item.id.clone(),
        quantity: req.quantity,
        remaining: units,
        replayed: false,
    };
    Ok((cs, result))
}

/// Checks an item id given by a caller before any read. Errors: `INVALID_ARGUMENT`.
pub fn check_item_id(id: &str) -> Result<()> {
    check_text("item_id", id, 1, 128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SequentialIds;
    use crate::types::{Currency, Price};

    fn cfg() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap()
    }
    fn potion() -> CatalogItem {
        CatalogItem {
            id: "1".into(),
            name: "Potion".into(),
            kind: ItemKind::Consumable,
            price: Some(Price {
                currency: "gold".into(),
                amount: 10,
            }),
            max_stack: Some(5),
            active: true,
            metadata: serde_json::Value::Null,
        }
    }
    fn sword() -> CatalogItem {
        CatalogItem {
            id: "2".into(),
            name: "Sword".into(),
            kind: ItemKind::Durable,
            price: Some(Price {
                currency: "gold".into(),
                amount: 100,
            }),
            max_stack: None,
            active: true,
            metadata: serde_json::Value::Null,
        }
    }
    fn req(item: &str, q: i64) -> PurchaseRequest {
        PurchaseRequest {
            player: PlayerId::new("p").unwrap(),
            item_id: item.into(),
            quantity: q,
            metadata: serde_json::Value::Null,
            idempotency_key: None,
        }
    }
    fn row(q: i64) -> ItemRow {
        ItemRow {
            item_id: "x".into(),
            quantity: q,
            acquired_at: chrono::Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn purchase_rules() {
        let (c, ids): (Config, std::sync::Arc<dyn crate::ports::Ids>) =
            (cfg(), std::sync::Arc::new(SequentialIds::new("t")));
        let ctx = Ctx::new(&c, chrono::Utc::now(), ids.clone());
        let rich = BalanceRow {
            amount: 1000,
            version: 1,
        };
        let (cs, r) = purchase(&c, &ctx, &req("1", 3), Some(&potion()), rich, None).unwrap();
        assert_eq!((r.amount, r.balance, r.item_quantity), (30, 970, 3));
        assert_eq!(cs.ledger[0].item_id.as_deref(), Some("1"));
        assert_eq!(
            purchase(&c, &ctx, &req("1", 3), Some(&potion()), rich, Some(&row(3)))
                .unwrap_err()
                .code,
            ErrorCode::StackLimit
        );
        assert_eq!(
            purchase(&c, &ctx, &req("2", 1), Some(&sword()), rich, Some(&row(1)))
                .unwrap_err()
                .code,
            ErrorCode::AlreadyOwned
        );
        assert_eq!(
            purchase(&c, &ctx, &req("2", 2), Some(&sword()), rich, None)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            purchase(
                &c,
                &ctx,
                &req("2", 1),
                Some(&sword()),
                BalanceRow {
                    amount: 99,
                    version: 1
                },
                None
            )
            .unwrap_err()
            .code,
            ErrorCode::InsufficientFunds
        );
        assert_eq!(
            purchase(&c, &ctx, &req("9", 1), None, rich, None)
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
        assert_eq!(
            purchase(&c, &ctx, &req("1", 0), Some(&potion()), rich, None)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        let mut off = potion();
        off.active = false;
        assert_eq!(
            purchase(&c, &ctx, &req("1", 1), Some(&off), rich, None)
                .unwrap_err()
                .code,
            ErrorCode::NotForSale
        );
        off.active = true;
        off.price = None;
        assert_eq!(
            purchase(&c, &ctx, &req("1", 1), Some(&off), rich, None)
                .unwrap_err()
                .code,
            ErrorCode::NotForSale
        );
        let mut dear = potion();
        dear.max_stack = None;
        dear.price = Some(Price {
            currency: "gold".into(),
            amount: i64::MAX,
        });
        assert_eq!(
            purchase(&c, &ctx, &req("1", 2), Some(&dear), rich, None)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn use_rules() {
        let (c, ids): (Config, std::sync::Arc<dyn crate::ports::Ids>) =
            (cfg(), std::sync::Arc::new(SequentialIds::new("t")));
        let ctx = Ctx::new(&c, chrono::Utc::now(), ids.clone());
        let u = |q| UseItemRequest {
            player: PlayerId::new("p").unwrap(),
            item_id: "1".into(),
            quantity: q,
            idempotency_key: None,
        };
        assert_eq!(
            use_item(&ctx, &u(1), Some(&sword()), Some(&row(1)))
                .unwrap_err()
                .code,
            ErrorCode::NotConsumable
        );
        assert_eq!(
            use_item(&ctx, &u(1), Some(&potion()), None)
                .unwrap_err()
                .code,
            ErrorCode::NotOwned
        );
        assert_eq!(
            use_item(&ctx, &u(1), Some(&potion()), Some(&row(0)))
                .unwrap_err()
                .code,
            ErrorCode::NotOwned
        );
        assert_eq!(
            use_item(&ctx, &u(3), Some(&potion()), Some(&row(2)))
                .unwrap_err()
                .code,
            ErrorCode::InsufficientQuantity
        );
        let (cs, r) = use_item(&ctx, &u(2), Some(&potion()), Some(&row(2))).unwrap();
        assert_eq!(r.remaining, 0);
        assert_eq!(cs.items[0].expected_version, 1);
    }
}
