//! Economy rules: pure functions from (config, context, request, state read) to a
//! change set and result, or an error. No I/O; the service loads and commits.

use super::{BalanceChangeResult, GrantRequest, SpendRequest, TransferRequest};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, BalanceWrite, ChangeSet};
use crate::types::{check_text, Account, Amount, EntryKind, LedgerEntry, PlayerId};
use serde_json::json;

/// Default system source of grants.
pub const DEFAULT_SOURCE: &str = "rewards";
/// Default system sink of spends.
pub const DEFAULT_SINK: &str = "sink";
/// System account credited by purchases.
pub const SHOP: &str = "shop";

/// Validates an amount of currency: > 0. Errors: `INVALID_ARGUMENT`.
pub fn check_amount(amount: Amount) -> Result<()> {
    if amount <= 0 {
        return Err(Error::invalid(
            "amount",
            "amount must be a positive integer in the currency's smallest unit",
        ));
    }
    Ok(())
}

/// Validates an optional reason (1-64 bytes) and returns it or the default.
pub fn reason(given: &Option<String>, default: &str) -> Result<String> {
    match given {
        Some(r) => {
            check_text("reason", r, 1, 64)?;
            Ok(r.clone())
        }
        None => Ok(default.to_string()),
    }
}

/// Validates metadata: a JSON object or null. Errors: `INVALID_ARGUMENT`.
pub fn check_metadata(meta: &serde_json::Value) -> Result<()> {
    if !(meta.is_object() || meta.is_null()) {
        return Err(Error::invalid("metadata", "metadata is a JSON object"));
    }
    Ok(())
}

/// A player's balance after adding `delta` (which may be negative), checked against the
/// floor of zero and the currency's maximum. Errors: `INSUFFICIENT_FUNDS`, `BALANCE_LIMIT`.
pub fn apply_delta(
    cfg: &Config,
    player: &PlayerId,
    currency: &str,
    current: Amount,
    delta: Amount,
) -> Result<Amount> {
    let max = cfg.currency(currency)?.max_balance.unwrap_or(Amount::MAX);
    let next = current.checked_add(delta);
    match next {
        Some(n) if n < 0 => Err(Error::new(
            ErrorCode::InsufficientFunds,
            format!("{player} has {current} {currency}, needs {}", -delta),
        )
        .with_details(json!({ "player": player, "currency": currency, "balance": current, "required": -delta }))),
        Some(n) if n <= max => Ok(n),
        _ => Err(Error::new(
            ErrorCode::BalanceLimit,
            format!("{player}'s {currency} balance would pass its maximum of {max}"),
        )
        .with_details(json!({ "player": player, "currency": currency, "balance": current, "max_balance": max }))),
    }
}

/// Builds a ledger entry moving `amount` from `debit` to `credit`.
#[allow(clippy::too_many_arguments)]
pub fn entry(
    ctx: &Ctx,
    kind: EntryKind,
    currency: &str,
    debit: Account,
    credit: Account,
    amount: Amount,
    reason: String,
    metadata: serde_json::Value,
) -> LedgerEntry {
    LedgerEntry {
        seq: 0,
        id: ctx.id(),
        transaction_id: ctx.transaction_id.clone(),
        at: ctx.now,
        day: ctx.day,
        kind,
        currency: currency.to_string(),
        debit,
        credit,
        amount,
        reason,
        metadata,
        item_id: None,
        quantity: None,
    }
}

/// Guarded write of a player balance read as `row`, now `amount`.
pub fn set_balance(
    player: &PlayerId,
    currency: &str,
    row: BalanceRow,
    amount: Amount,
) -> BalanceWrite {
    BalanceWrite::Set {
        account: Account::Player(player.clone()),
        currency: currency.to_string(),
        expected_version: row.version,
        amount,
    }
}

/// Unguarded increment of a system account.
pub fn add_system(account: Account, currency: &str, delta: Amount) -> BalanceWrite {
    BalanceWrite::Add {
        account,
        currency: currency.to_string(),
        delta,
    }
}

/// Validates an optional idempotency key (1-255 bytes). Errors: `INVALID_ARGUMENT`.
pub fn check_key(key: &Option<String>) -> Result<()> {
    if let Some(k) = key {
        check_text("idempotency_key", k, 1, 255)?;
    }
    Ok(())
}

/// SPEC.md Economy `grant`: credits `req.player` from `system:<source>`.
/// `balance` is the player's row for `req.currency`.
pub fn grant(
    cfg: &Config,
    ctx: &Ctx,
    req: &GrantRequest,
    balance: BalanceRow,
) -> Result<(ChangeSet, BalanceChangeResult)> {
    check_amount(req.amount)?;
    check_metadata(&req.metadata)?;
    check_key(&req.idempotency_key)?;
    let source = Account::system(req.source.as_deref().unwrap_or(DEFAULT_SOURCE))?;
    let why = reason(&req.reason, "grant")?;
    let after = apply_delta(cfg, &req.player, &req.currency, balance.amount, req.amount)?;
    let player = Account::Player(req.player.clone());
    let cs = ChangeSet {
        balances: vec![set_balance(&req.player, &req.currency, balance, after), add_system(source.clone(), &req.currency, -req.amount)],
        ledger: vec![entry(ctx, EntryKind::Grant, &req.currency, source.clone(), player, req.amount, why.clone(), req.metadata.clone())],
        events: vec![ctx.event(
            "currency_granted",
            vec![req.player.clone()],
            json!({ "player": req.player, "currency": req.currency, "amount": req.amount, "balance": after,
                    "source": source, "reason": why, "transaction_id": ctx.transaction_id }),
        )],
        ..Default::default()
    };
    let result = BalanceChangeResult {
        transaction_id: ctx.transaction_id.clone(),
        player: req.player.clone(),
        currency: req.currency.clone(),
        amount: req.amount,
        balance: after,
        replayed: false,
    };
    Ok((cs, result))
}

/// SPEC.md Economy `spend`: debits `req.player` to `system:<sink>`; never below zero.
pub fn spend(
    cfg: &Config,
    ctx: &Ctx,
    req: &SpendRequest,
    balance: BalanceRow,
) -> Result<(ChangeSet, BalanceChangeResult)> {
    check_amount(req.amount)?;
    check_metadata(&req.metadata)?;
    check_key(&req.idempotency_key)?;
    let sink = Account::system(req.sink.as_deref().unwrap_or(DEFAULT_SINK))?;
    let why = reason(&req.reason, "spend")?;
    let after = apply_delta(cfg, &req.player, &req.currency, balance.amount, -req.amount)?;
    let player = Account::Player(req.player.clone());
    let cs = ChangeSet {
        balances: vec![set_balance(&req.player, &req.currency, balance, after), add_system(sink.clone(), &req.currency, req.amount)],
        ledger: vec![entry(ctx, EntryKind::Spend, &req.currency, player, sink.clone(), req.amount, why.clone(), req.metadata.clone())],
        events: vec![ctx.event(
            "currency_spent",
            vec![req.player.clone()],
            json!({ "player": req.player, "currency": req.currency, "amount": req.amount, "balance": after,
                    "sink": sink, "reason": why, "transaction_id": ctx.transaction_id }),
        )],
        ..Default::default()
    };
    let result = BalanceChangeResult {
        transaction_id: ctx.transaction_id.clone(),
        player: req.player.clone(),
        currency: req.currency.clone(),
        amount: req.amount,
        balance: after,
        replayed: false,
    };
    Ok((cs, result))
}

/// Checks a transfer request before any state is read (same player, amount, currency).
pub fn check_transfer(cfg: &Config, req: &TransferRequest) -> Result<()> {
    check_amount(req.amount)?;
    check_metadata(&req.metadata)?;
    check_key(&req.idempotency_key)?;
    cfg.currency(&req.currency)?;
    if req.from == req.to {
        return Err(Error::invalid(
            "to",
            "a player cannot transfer to themselves",
        ));
    }
    Ok(())
}

/// SPEC.md Economy `transfer`: both sides in one commit; sender never below zero,
/// receiver never above the maximum.
pub fn transfer(
    cfg: &Config,
    ctx: &Ctx,
    req: &TransferRequest,
    from: BalanceRow,
    to: BalanceRow,
) -> Result<(ChangeSet, super::TransferResult)> {
    check_transfer(cfg, req)?;
    let why = reason(&req.reason, "transfer")?;
    let from_after = apply_delta(cfg, &req.from, &req.currency, from.amount, -req.amount)?;
    let to_after = apply_delta(cfg, &req.to, &req.currency, to.amount, req.amount)?;
    let cs = ChangeSet {
        balances: vec![
            set_balance(&req.from, &req.currency, from, from_after),
            set_balance(&req.to, &req.currency, to, to_after),
        ],
        ledger: vec![entry(
            ctx,
            EntryKind::Transfer,
            &req.currency,
            Account::Player(req.from.clone()),
            Account::Player(req.to.clone()),
            req.amount,
            why.clone(),
            req.metadata.clone(),
        )],
        events: vec![ctx.event(
            "currency_transferred",
            vec![req.from.clone(), req.to.clone()],
            json!({ "from": req.from, "to": req.to, "currency": req.currency, "amount": req.amount,
                    "from_balance": from_after, "to_balance": to_after, "reason": why,
                    "transaction_id": ctx.transaction_id }),
        )],
        ..Default::default()
    };
    let result = super::TransferResult {
        transaction_id: ctx.transaction_id.clone(),
        from: req.from.clone(),
        to: req.to.clone(),
        currency: req.currency.clone(),
        amount: req.amount,
        from_balance: from_after,
        to_balance: to_after,
        replayed: false,
    };
    Ok((cs, result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::TimeZone;

    fn cfg() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: Some(1000),
        }])
        .unwrap()
    }
    fn p(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }
    fn grant_req(amount: i64) -> GrantRequest {
        GrantRequest {
            player: p("a"),
            currency: "gold".into(),
            amount,
            source: None,
            reason: None,
            metadata: serde_json::Value::Null,
            idempotency_key: None,
        }
    }

    #[test]
    fn grant_credits_player_and_debits_source() {
        let ids: std::sync::Arc<dyn crate::ports::Ids> =
            std::sync::Arc::new(SequentialIds::new("t"));
        let c = cfg();
        let ctx = Ctx::new(
            &c,
            chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            ids.clone(),
        );
        let (cs, r) = grant(
            &c,
            &ctx,
            &grant_req(10),
            BalanceRow {
                amount: 5,
                version: 3,
            },
        )
        .unwrap();
        assert_eq!(r.balance, 15);
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(cs.ledger[0].debit.to_string(), "system:rewards");
        assert_eq!(cs.ledger[0].credit.to_string(), "player:a");
        assert!(matches!(
            &cs.balances[0],
            BalanceWrite::Set {
                expected_version: 3,
                amount: 15,
                ..
            }
        ));
        assert!(matches!(
            &cs.balances[1],
            BalanceWrite::Add { delta: -10, .. }
        ));
        assert_eq!(cs.events[0].kind, "currency_granted");
    }

    #[test]
    fn grant_refuses_bad_amounts_and_limits() {
        let ids: std::sync::Arc<dyn crate::ports::Ids> =
            std::sync::Arc::new(SequentialIds::new("t"));
        let c = cfg();
        let ctx = Ctx::new(&c, chrono::Utc::now(), ids.clone());
        assert_eq!(
            grant(&c, &ctx, &grant_req(0), BalanceRow::default())
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            grant(&c, &ctx, &grant_req(-5), BalanceRow::default())
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            grant(&c, &ctx, &grant_req(1001), BalanceRow::default())
                .unwrap_err()
                .code,
            ErrorCode::BalanceLimit
        );
        let unlimited = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap();
        let e = grant(
            &unlimited,
            &ctx,
            &grant_req(i64::MAX),
            BalanceRow {
                amount: 1,
                version: 1,
            },
        )
        .unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::BalanceLimit,
            "overflow is an error, never a wrap"
        );
        let mut bad = grant_req(1);
        bad.currency = "silver".into();
        assert_eq!(
            grant(&c, &ctx, &bad, BalanceRow::default())
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn transfer_checks_both_sides() {
        let ids: std::sync::Arc<dyn crate::ports::Ids> =
            std::sync::Arc::new(SequentialIds::new("t"));
        let c = cfg();
        let ctx = Ctx::new(&c, chrono::Utc::now(), ids.clone());
        let req = TransferRequest {
            from: p("a"),
            to: p("b"),
            currency: "gold".into(),
            amount: 50,
            reason: None,
            metadata: serde_json::Value::Null,
            idempotency_key: None,
        };
        let e = transfer(
            &c,
            &ctx,
            &req,
            BalanceRow {
                amount: 49,
                version: 1,
            },
            BalanceRow::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InsufficientFunds);
        assert_eq!(e.details["required"], 50);
        let e = transfer(
            &c,
            &ctx,
            &req,
            BalanceRow {
                amount: 100,
                version: 1,
            },
            BalanceRow {
                amount: 990,
                version: 1,
            },
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::BalanceLimit);
        let (cs, r) = transfer(
            &c,
            &ctx,
            &req,
            BalanceRow {
                amount: 100,
                version: 1,
            },
            BalanceRow::default(),
        )
        .unwrap();
        assert_eq!((r.from_balance, r.to_balance), (50, 50));
        assert_eq!(cs.balances.len(), 2);
        let same = TransferRequest { to: p("a"), ..req };
        assert_eq!(
            transfer(
                &c,
                &ctx,
                &same,
                BalanceRow::default(),
                BalanceRow::default()
            )
            .unwrap_err()
            .code,
            ErrorCode::InvalidArgument
        );
    }
}
