//! Character, account bank and equipment decisions (SPEC.md "Characters and the account
//! bank"): pure functions from the documents and rows read to a change set and a
//! result. No I/O, no clock: the time and ids come from [`Ctx`].

use super::{
    BankItem, BankItems, BankMoveRequest, BankMoveResult, Character, CharacterActionRequest,
    CharacterList, CharacterName, CharacterResult, CharacterSelection, CharactersConfig,
    CharactersOf, CreateCharacterRequest, EquipRequest, EquipResult, EquipmentDoc, Equipped,
    EquippedItem, RenameCharacterRequest, UnequipRequest,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::economy::rules as econ;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, BalanceWrite, ChangeSet, ItemRow, ItemWrite};
use crate::types::{check_text, Account, Amount, CatalogItem, EntryKind, ItemKind, PlayerId};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashMap;

/// Longest character name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// Checks a character name and returns its claim key (the lowercased name). A name is
/// 1 to [`MAX_NAME_CHARS`] characters of letters (any script), digits, spaces and
/// `_ - ' .`, with no leading, trailing or double space. Errors: `INVALID_ARGUMENT`.
pub fn check_name(name: &str) -> Result<String> {
    let n = name.chars().count();
    let bad = |m: &str| Error::invalid("name", m.to_string());
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(bad("a character name is 1 to 32 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "_-'.".contains(c))
    {
        return Err(bad(
            "a character name holds letters, digits, spaces and _ - ' . only",
        ));
    }
    if name.starts_with(' ') || name.ends_with(' ') || name.contains("  ") {
        return Err(bad(
            "a character name has no leading, trailing or double space",
        ));
    }
    Ok(name.to_lowercase())
}

/// The account's characters that are not purged at `now`, in the order of `of`.
pub fn visible(chars: &[Versioned<Character>], now: DateTime<Utc>) -> Vec<&Character> {
    chars
        .iter()
        .map(|c| &c.value)
        .filter(|c| !c.purged(now))
        .collect()
}

/// Live characters among `chars`.
pub fn live_count(chars: &[Versioned<Character>]) -> u32 {
    chars.iter().filter(|c| c.value.live()).count() as u32
}

/// The account's list as callers see it.
pub fn list(
    cfg: &CharactersConfig,
    account: &PlayerId,
    of: Option<&CharactersOf>,
    chars: &[Versioned<Character>],
    now: DateTime<Utc>,
) -> CharacterList {
    let characters: Vec<Character> = visible(chars, now).into_iter().cloned().collect();
    let selected = of
        .and_then(|o| o.selected.clone())
        .filter(|s| characters.iter().any(|c| &c.id == s && c.live()));
    CharacterList {
        account: account.clone(),
        slots: cfg.slots,
        live: live_count(chars),
        selected,
        characters,
    }
}

/// The write of the account's index with `change` applied, dropping purged characters.
fn write_of(
    account: &PlayerId,
    of: Option<&Versioned<CharactersOf>>,
    chars: &[Versioned<Character>],
    now: DateTime<Utc>,
    change: impl FnOnce(&mut CharactersOf),
) -> crate::ports::DocWrite {
    let mut doc = of
        .cloned()
        .unwrap_or_else(|| Versioned::new(account.as_str(), CharactersOf::default()));
    let purged: Vec<&PlayerId> = chars
        .iter()
        .filter(|c| c.value.purged(now))
        .map(|c| &c.value.id)
        .collect();
    doc.value.characters.retain(|c| !purged.contains(&c));
    if doc
        .value
        .selected
        .as_ref()
        .is_some_and(|s| purged.contains(&s))
    {
        doc.value.selected = None;
    }
    change(&mut doc.value);
    doc.put()
}

/// Whether a name claim is held: its character exists and is not purged.
fn claim_held(holder: Option<&Character>, now: DateTime<Utc>) -> bool {
    holder.is_some_and(|h| !h.purged(now))
}

fn name_taken(name: &str) -> Error {
    Error::new(
        ErrorCode::NameTaken,
        format!("the character name '{name}' is taken"),
    )
    .with_details(json!({ "name": name }))
}

/// The claim of `key` for `character`: over the version read (a purged character's
/// claim) or new.
fn claim(
    key: &str,
    read: Option<&Versioned<CharacterName>>,
    character: &PlayerId,
    account: &PlayerId,
) -> crate::ports::DocWrite {
    let value = CharacterName {
        character: character.clone(),
        account: account.clone(),
    };
    match read {
        Some(r) => Versioned {
            id: r.id.clone(),
            value,
            version: r.version,
        }
        .put(),
        None => Versioned::new(key, value).put(),
    }
}

fn event(ctx: &Ctx, cs: &mut ChangeSet, kind: &str, c: &Character, extra: serde_json::Value) {
    let mut payload = json!({ "account": c.account, "character": c.id, "name": c.name });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    cs.events
        .push(ctx.event(kind, vec![c.account.clone(), c.id.clone()], payload));
}

/// Creates a character for `req.account` (SPEC.md Characters). `account_is_character`:
/// the account id is itself a character (characters own no characters); `of` and
/// `chars` are the account's index and characters; `taken` the claim of the name and
/// the character holding it. Errors: `LIMIT_REACHED` (every slot live), `NAME_TAKEN`,
/// `INVALID_ARGUMENT` (bad name, or the account is a character).
#[allow(clippy::too_many_arguments)]
pub fn create(
    cfg: &CharactersConfig,
    ctx: &Ctx,
    req: &CreateCharacterRequest,
    account_is_character: bool,
    of: Option<&Versioned<CharactersOf>>,
    chars: &[Versioned<Character>],
    taken: Option<&Versioned<CharacterName>>,
    holder: Option<&Character>,
) -> Result<(ChangeSet, CharacterResult)> {
    let key = check_name(&req.name)?;
    econ::check_key(&req.idempotency_key)?;
    if account_is_character {
        return Err(Error::invalid(
            "account",
            format!(
                "{} is a character; characters own no characters",
                req.account
            ),
        ));
    }
    if live_count(chars) >= cfg.slots {
        return Err(Error::new(
            ErrorCode::LimitReached,
            format!("an account owns at most {} characters", cfg.slots),
        )
        .with_details(json!({ "account": req.account, "slots": cfg.slots })));
    }
    if taken.is_some() && claim_held(holder, ctx.now) {
        return Err(name_taken(&req.name));
    }
    let id = PlayerId::new(ctx.id())?;
    let c = Character {
        id: id.clone(),
        account: req.account.clone(),
        name: req.name.clone(),
        created_at: ctx.now,
        deleted_at: None,
        purge_at: None,
    };
    let mut cs = ChangeSet::default();
    cs.docs.push(Versioned::new(id.as_str(), c.clone()).put());
    cs.docs.push(claim(&key, taken, &id, &req.account));
    cs.docs
        .push(write_of(&req.account, of, chars, ctx.now, |o| {
            o.characters.push(id.clone())
        }));
    event(ctx, &mut cs, "character_created", &c, json!({}));
    Ok((cs, result(ctx, c)))
}

fn result(ctx: &Ctx, character: Character) -> CharacterResult {
    CharacterResult {
        transaction_id: ctx.transaction_id.clone(),
        character,
        replayed: false,
    }
}

/// The character `id` of `account` as read, unless absent, another account's or
/// purged. Errors: `NOT_FOUND`.
pub fn owned<'a>(
    read: Option<&'a Versioned<Character>>,
    account: &PlayerId,
    id: &PlayerId,
    now: DateTime<Utc>,
) -> Result<&'a Versioned<Character>> {
    read.filter(|c| &c.value.account == account && !c.value.purged(now))
        .ok_or_else(|| Error::not_found("character", id.as_str()))
}

fn must_be_live(c: &Character) -> Result<()> {
    if c.live() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::NotFound,
            format!("character '{}' is deleted; restore it first", c.id),
        )
        .with_details(json!({ "kind": "character", "id": c.id, "deleted": true })))
    }
}

/// Renames a live character; the old name's claim is deleted in the same commit (a
/// change of case only keeps the claim). `taken`/`holder`: the new name's claim and its
/// holder; `old`: the current name's claim. Errors: `NOT_FOUND`, `NAME_TAKEN`,
/// `INVALID_ARGUMENT`.
pub fn rename(
    ctx: &Ctx,
    req: &RenameCharacterRequest,
    ch: Option<&Versioned<Character>>,
    taken: Option<&Versioned<CharacterName>>,
    holder: Option<&Character>,
    old: Option<&Versioned<CharacterName>>,
) -> Result<(ChangeSet, CharacterResult)> {
    let key = check_name(&req.name)?;
    econ::check_key(&req.idempotency_key)?;
    let ch = owned(ch, &req.account, &req.character, ctx.now)?;
    must_be_live(&ch.value)?;
    let same = key == ch.value.name.to_lowercase();
    if !same && taken.is_some() && claim_held(holder, ctx.now) {
        return Err(name_taken(&req.name));
    }
    let mut cs = ChangeSet::default();
    if !same {
        cs.docs
            .push(claim(&key, taken, &ch.value.id, &ch.value.account));
        if let Some(old) = old.filter(|o| o.value.character == ch.value.id) {
            cs.docs.push(old.delete());
        }
    }
    let previous = ch.value.name.clone();
    let mut next = ch.clone();
    next.value.name = req.name.clone();
    cs.docs.push(next.put());
    event(
        ctx,
        &mut cs,
        "character_renamed",
        &next.value,
        json!({ "previous": previous }),
    );
    Ok((cs, result(ctx, next.value)))
}

/// Soft-deletes a live character: it can be restored until `restore_days` have passed,
/// and keeps its name until then. A selected character is unselected. Errors:
/// `NOT_FOUND`.
pub fn delete(
    cfg: &CharactersConfig,
    ctx: &Ctx,
    req: &CharacterActionRequest,
    ch: Option<&Versioned<Character>>,
    of: Option<&Versioned<CharactersOf>>,
    chars: &[Versioned<Character>],
) -> Result<(ChangeSet, CharacterResult)> {
    econ::check_key(&req.idempotency_key)?;
    let ch = owned(ch, &req.account, &req.character, ctx.now)?;
    must_be_live(&ch.value)?;
    let mut next = ch.clone();
    let purge_at = ctx.now + Duration::days(i64::from(cfg.restore_days));
    next.value.deleted_at = Some(ctx.now);
    next.value.purge_at = Some(purge_at);
    let mut cs = ChangeSet::default();
    cs.docs.push(next.put());
    let id = ch.value.id.clone();
    cs.docs
        .push(write_of(&req.account, of, chars, ctx.now, |o| {
            if o.selected.as_ref() == Some(&id) {
                o.selected = None;
            }
        }));
    event(
        ctx,
        &mut cs,
        "character_deleted",
        &next.value,
        json!({ "purge_at": purge_at }),
    );
    Ok((cs, result(ctx, next.value)))
}

/// Restores a deleted character inside its restore window, when a slot is free (its
/// name was kept for it). Errors: `NOT_FOUND` (not deleted, or past the window),
/// `LIMIT_REACHED`.
pub fn restore(
    cfg: &CharactersConfig,
    ctx: &Ctx,
    req: &CharacterActionRequest,
    ch: Option<&Versioned<Character>>,
    of: Option<&Versioned<CharactersOf>>,
    chars: &[Versioned<Character>],
) -> Result<(ChangeSet, CharacterResult)> {
    econ::check_key(&req.idempotency_key)?;
    let ch = owned(ch, &req.account, &req.character, ctx.now)?;
    if ch.value.live() {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("character '{}' is not deleted", ch.value.id),
        )
        .with_details(json!({ "kind": "deleted character", "id": ch.value.id })));
    }
    if live_count(chars) >= cfg.slots {
        return Err(Error::new(
            ErrorCode::LimitReached,
            format!(
                "an account owns at most {} characters; delete one to restore this one",
                cfg.slots
            ),
        )
        .with_details(json!({ "account": req.account, "slots": cfg.slots })));
    }
    let mut next = ch.clone();
    next.value.deleted_at = None;
    next.value.purge_at = None;
    let mut cs = ChangeSet::default();
    cs.docs.push(next.put());
    // The index is written too, so a restore and a create of the last slot serialize.
    cs.docs
        .push(write_of(&req.account, of, chars, ctx.now, |_| {}));
    event(ctx, &mut cs, "character_restored", &next.value, json!({}));
    Ok((cs, result(ctx, next.value)))
}

/// Marks a live character as the account's current one. Errors: `NOT_FOUND`.
pub fn select(
    ctx: &Ctx,
    req: &CharacterActionRequest,
    ch: Option<&Versioned<Character>>,
    of: Option<&Versioned<CharactersOf>>,
    chars: &[Versioned<Character>],
) -> Result<(ChangeSet, CharacterSelection)> {
    econ::check_key(&req.idempotency_key)?;
    let ch = owned(ch, &req.account, &req.character, ctx.now)?;
    must_be_live(&ch.value)?;
    let mut cs = ChangeSet::default();
    let id = ch.value.id.clone();
    cs.docs
        .push(write_of(&req.account, of, chars, ctx.now, |o| {
            o.selected = Some(id)
        }));
    event(ctx, &mut cs, "character_selected", &ch.value, json!({}));
    Ok((
        cs,
        CharacterSelection {
            transaction_id: ctx.transaction_id.clone(),
            account: req.account.clone(),
            character: ch.value.clone(),
            access_token: None,
            expires_in: None,
            replayed: false,
        },
    ))
}

/// What a bank move moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankWhat {
    /// Currency.
    Currency {
        /// Code.
        currency: String,
        /// Smallest units, > 0.
        amount: Amount,
    },
    /// An item.
    Item {
        /// Catalog item id.
        item_id: String,
        /// Units asked for (`None`: 1, or the durable whole).
        quantity: Option<i64>,
    },
}

/// Checks a bank move before any state is read. Errors: `INVALID_ARGUMENT`.
pub fn check_bank(cfg: &Config, req: &BankMoveRequest) -> Result<BankWhat> {
    econ::check_key(&req.idempotency_key)?;
    if let Some(r) = &req.reason {
        check_text("reason", r, 1, 64)?;
    }
    match (&req.currency, req.amount, &req.item_id, req.quantity) {
        (Some(c), Some(a), None, None) => {
            cfg.currency(c)?;
            econ::check_amount(a)?;
            Ok(BankWhat::Currency {
                currency: c.clone(),
                amount: a,
            })
        }
        (None, None, Some(i), q) => {
            check_text("item_id", i, 1, 128)?;
            if q.is_some_and(|q| q <= 0) {
                return Err(Error::invalid("quantity", "quantity is a positive integer"));
            }
            Ok(BankWhat::Item {
                item_id: i.clone(),
                quantity: q,
            })
        }
        _ => Err(Error::invalid(
            "currency",
            "a bank move names either currency and amount, or item_id (and quantity)",
        )),
    }
}

/// The bank's balance after adding `delta`: never below zero (`INSUFFICIENT_FUNDS`),
/// never past `i64` (`BALANCE_LIMIT`).
fn bank_after(
    account: &PlayerId,
    currency: &str,
    current: Amount,
    delta: Amount,
) -> Result<Amount> {
    match current.checked_add(delta) {
        Some(n) if n >= 0 => Ok(n),
        Some(_) => Err(Error::new(
            ErrorCode::InsufficientFunds,
            format!("the bank of account {account} has {current} {currency}, needs {}", -delta),
        )
        .with_details(json!({ "account": account, "currency": currency, "balance": current, "required": -delta }))),
        None => Err(Error::new(
            ErrorCode::BalanceLimit,
            format!("the bank of account {account} would pass its maximum in {currency}"),
        )
        .with_details(json!({ "account": account, "currency": currency, "balance": current }))),
    }
}

fn bank_event(ctx: &Ctx, cs: &mut ChangeSet, deposit: bool, r: &BankMoveResult) {
    let kind = if deposit {
        "account_bank_deposit"
    } else {
        "account_bank_withdrawal"
    };
    cs.events.push(ctx.event(
        kind,
        vec![r.character.clone(), r.account.clone()],
        serde_json::to_value(r).unwrap_or_default(),
    ));
}

fn empty_result(ctx: &Ctx, account: &PlayerId, character: &PlayerId) -> BankMoveResult {
    BankMoveResult {
        transaction_id: ctx.transaction_id.clone(),
        account: account.clone(),
        character: character.clone(),
        currency: None,
        amount: None,
        character_balance: None,
        bank_balance: None,
        item_id: None,
        quantity: None,
        character_quantity: None,
        bank_quantity: None,
        unequipped: None,
        replayed: false,
    }
}

/// Moves currency between a character's wallet and its account's bank (`deposit`: to
/// the bank): one ledger entry (kind `transfer`) between `player:<character>` and
/// `account:<account>`, both rows written under the versions read. Errors:
/// `INSUFFICIENT_FUNDS`, `BALANCE_LIMIT`, `INVALID_ARGUMENT`.
#[allow(clippy::too_many_arguments)]
pub fn bank_currency(
    cfg: &Config,
    ctx: &Ctx,
    req: &BankMoveRequest,
    deposit: bool,
    account: &PlayerId,
    currency: &str,
    amount: Amount,
    character_row: BalanceRow,
    bank_row: BalanceRow,
) -> Result<(ChangeSet, BankMoveResult)> {
    let delta = if deposit { amount } else { -amount };
    let why = econ::reason(
        &req.reason,
        if deposit {
            "account_bank_deposit"
        } else {
            "account_bank_withdraw"
        },
    )?;
    let bank = bank_after(account, currency, bank_row.amount, delta)?;
    let mine = econ::apply_delta(cfg, &req.character, currency, character_row.amount, -delta)?;
    let (from, to) = (
        Account::Player(req.character.clone()),
        Account::Bank(account.clone()),
    );
    let (debit, credit) = if deposit { (from, to) } else { (to, from) };
    let mut cs = ChangeSet {
        balances: vec![
            econ::set_balance(&req.character, currency, character_row, mine),
            BalanceWrite::Set {
                account: Account::Bank(account.clone()),
                currency: currency.to_string(),
                expected_version: bank_row.version,
                amount: bank,
            },
        ],
        ledger: vec![econ::entry(
            ctx,
            EntryKind::Transfer,
            currency,
            debit,
            credit,
            amount,
            why,
            json!({ "account": account, "character": req.character }),
        )],
        ..Default::default()
    };
    let r = BankMoveResult {
        currency: Some(currency.to_string()),
        amount: Some(amount),
        character_balance: Some(mine),
        bank_balance: Some(bank),
        ..empty_result(ctx, account, &req.character)
    };
    bank_event(ctx, &mut cs, deposit, &r);
    Ok((cs, r))
}

/// Moves an item between a character's inventory and its account's bank. A consumable
/// moves `quantity` units (the character's stack limit applies on withdrawal); a
/// durable moves whole and neither side may hold two. A deposited item that was
/// equipped is unequipped in the same commit (`equipment`: the character's document).
/// Errors: `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `STACK_LIMIT`, `INVALID_ARGUMENT`.
#[allow(clippy::too_many_arguments)]
pub fn bank_item(
    ctx: &Ctx,
    req: &BankMoveRequest,
    deposit: bool,
    account: &PlayerId,
    item: &CatalogItem,
    quantity: Option<i64>,
    row: Option<&ItemRow>,
    bank: &Versioned<BankItems>,
    equipment: Option<&Versioned<EquipmentDoc>>,
) -> Result<(ChangeSet, BankMoveResult)> {
    let q = match (item.kind, quantity) {
        (ItemKind::Durable, None | Some(1)) => 1,
        (ItemKind::Durable, Some(_)) => {
            return Err(Error::invalid(
                "quantity",
                "a durable item moves whole: quantity 1",
            ))
        }
        (ItemKind::Consumable, q) => q.unwrap_or(1),
    };
    let held = row.map_or(0, |r| r.quantity);
    let banked = bank.value.items.get(&item.id).map_or(0, |b| b.quantity);
    let short = |side: &str, have: i64| {
        Error::new(
            ErrorCode::InsufficientQuantity,
            format!("{side} holds {have} of '{}', needs {q}", item.name),
        )
        .with_details(json!({ "item_id": item.id, "held": have, "requested": q, "side": side }))
    };
    let owned_twice = |side: &str| {
        Error::new(
            ErrorCode::AlreadyOwned,
            format!("{side} already holds the durable item '{}'", item.name),
        )
        .with_details(json!({ "item_id": item.id, "side": side }))
    };
    let (mine, theirs) = if deposit {
        if held < q {
            return Err(short("the character", held));
        }
        if item.kind == ItemKind::Durable && banked > 0 {
            return Err(owned_twice("the bank"));
        }
        let theirs = banked
            .checked_add(q)
            .ok_or_else(|| Error::new(ErrorCode::StackLimit, "the bank's stack would overflow"))?;
        (held - q, theirs)
    } else {
        if banked < q {
            return Err(short("the bank", banked));
        }
        if item.kind == ItemKind::Durable && held > 0 {
            return Err(owned_twice("the character"));
        }
        let max = match item.kind {
            ItemKind::Durable => 1,
            ItemKind::Consumable => item.max_stack.unwrap_or(i64::MAX),
        };
        let mine = held.checked_add(q).filter(|m| *m <= max).ok_or_else(|| {
            Error::new(
                ErrorCode::StackLimit,
                format!("a stack of '{}' holds at most {max}", item.name),
            )
            .with_details(
                json!({ "item_id": item.id, "held": held, "requested": q, "max_stack": max }),
            )
        })?;
        (mine, banked - q)
    };
    let mut cs = ChangeSet::default();
    cs.items.push(ItemWrite {
        player: req.character.clone(),
        item_id: item.id.clone(),
        expected_version: row.map_or(0, |r| r.version),
        quantity: mine,
        acquired_at: row
            .filter(|r| r.quantity > 0)
            .map_or(ctx.now, |r| r.acquired_at),
    });
    let mut next = bank.clone();
    if theirs == 0 {
        next.value.items.remove(&item.id);
    } else {
        let acquired_at = bank
            .value
            .items
            .get(&item.id)
            .map_or(ctx.now, |b| b.acquired_at);
        next.value.items.insert(
            item.id.clone(),
            BankItem {
                quantity: theirs,
                acquired_at,
            },
        );
    }
    cs.docs.push(next.put());
    let mut unequipped = None;
    if deposit && mine == 0 {
        if let Some(eq) = equipment {
            if let Some(slot) = eq
                .value
                .slots
                .iter()
                .find(|(_, e)| e.item_id == item.id)
                .map(|(s, _)| s.clone())
            {
                let mut e = eq.clone();
                e.value.slots.remove(&slot);
                cs.docs.push(e.put());
                cs.events.push(ctx.event(
                    "item_unequipped",
                    vec![req.character.clone()],
                    json!({ "player": req.character, "slot": slot, "item_id": item.id, "reason": "account_bank_deposit" }),
                ));
                unequipped = Some(slot);
            }
        }
    }
    let r = BankMoveResult {
        item_id: Some(item.id.clone()),
        quantity: Some(q),
        character_quantity: Some(mine),
        bank_quantity: Some(theirs),
        unequipped,
        ..empty_result(ctx, account, &req.character)
    };
    bank_event(ctx, &mut cs, deposit, &r);
    Ok((cs, r))
}

/// The slot a catalog item names in its metadata (`{"slot": "head"}`): durables only.
/// Errors: `INVALID_ARGUMENT`.
pub fn slot_of(item: &CatalogItem) -> Result<String> {
    let slot = item
        .metadata
        .get("slot")
        .and_then(|s| s.as_str())
        .filter(|_| item.kind == ItemKind::Durable)
        .ok_or_else(|| {
            Error::invalid(
                "item_id",
                format!(
                    "'{}' cannot be equipped: only durable items whose metadata names a slot",
                    item.id
                ),
            )
        })?;
    check_slot(slot)?;
    Ok(slot.to_string())
}

/// A slot name: 1-32 bytes without control characters. Errors: `INVALID_ARGUMENT`.
pub fn check_slot(slot: &str) -> Result<()> {
    check_text("slot", slot, 1, 32)
}

/// Whether an equipped entry still stands: the player holds the item in the same row
/// it was equipped from (`rows`: the player's rows of the equipped items).
fn stands(e: &Equipped, rows: &HashMap<String, ItemRow>) -> bool {
    rows.get(&e.item_id)
        .is_some_and(|r| r.quantity > 0 && r.acquired_at == e.acquired_at)
}

/// The equipment as callers see it: only entries that still stand.
pub fn view(
    doc: Option<&EquipmentDoc>,
    rows: &HashMap<String, ItemRow>,
    names: &HashMap<String, String>,
) -> Vec<EquippedItem> {
    doc.map(|d| {
        d.slots
            .iter()
            .filter(|(_, e)| stands(e, rows))
            .map(|(slot, e)| EquippedItem {
                slot: slot.clone(),
                item_id: e.item_id.clone(),
                name: names.get(&e.item_id).cloned().unwrap_or_default(),
                equipped_at: e.equipped_at,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Equips `item` (which `req.player` must hold) into its slot; the item there before is
/// unequipped (no error), entries that no longer stand are dropped. Errors:
/// `NOT_OWNED`, `INVALID_ARGUMENT` (no slot).
pub fn equip(
    ctx: &Ctx,
    req: &EquipRequest,
    item: &CatalogItem,
    doc: Option<&Versioned<EquipmentDoc>>,
    rows: &HashMap<String, ItemRow>,
    names: &HashMap<String, String>,
) -> Result<(ChangeSet, EquipResult)> {
    econ::check_key(&req.idempotency_key)?;
    let slot = slot_of(item)?;
    let row = rows
        .get(&item.id)
        .filter(|r| r.quantity > 0)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotOwned,
                format!("{} does not own '{}'", req.player, item.name),
            )
            .with_details(json!({ "player": req.player, "item_id": item.id }))
        })?;
    let mut next = doc
        .cloned()
        .unwrap_or_else(|| Versioned::new(req.player.as_str(), EquipmentDoc::default()));
    next.value.slots.retain(|_, e| stands(e, rows));
    let previous = next
        .value
        .slots
        .get(&slot)
        .map(|e| e.item_id.clone())
        .filter(|p| p != &item.id);
    let mut cs = ChangeSet::default();
    let already = next
        .value
        .slots
        .get(&slot)
        .is_some_and(|e| e.item_id == item.id);
    if !already {
        next.value.slots.retain(|_, e| e.item_id != item.id);
        next.value.slots.insert(
            slot.clone(),
            Equipped {
                item_id: item.id.clone(),
                acquired_at: row.acquired_at,
                equipped_at: ctx.now,
            },
        );
        cs.docs.push(next.put());
        cs.events.push(ctx.event(
            "item_equipped",
            vec![req.player.clone()],
            json!({ "player": req.player, "slot": slot, "item_id": item.id, "previous": previous }),
        ));
    }
    let equipment = view(Some(&next.value), rows, names);
    Ok((
        cs,
        EquipResult {
            transaction_id: ctx.transaction_id.clone(),
            player: req.player.clone(),
            slot,
            item_id: Some(item.id.clone()),
            previous,
            equipment,
            replayed: false,
        },
    ))
}

/// Empties `req.slot`. Errors: `NOT_FOUND` (nothing equipped there), `INVALID_ARGUMENT`.
pub fn unequip(
    ctx: &Ctx,
    req: &UnequipRequest,
    doc: Option<&Versioned<EquipmentDoc>>,
    rows: &HashMap<String, ItemRow>,
    names: &HashMap<String, String>,
) -> Result<(ChangeSet, EquipResult)> {
    econ::check_key(&req.idempotency_key)?;
    check_slot(&req.slot)?;
    let nothing = || {
        Error::new(
            ErrorCode::NotFound,
            format!("nothing is equipped in slot '{}'", req.slot),
        )
        .with_details(json!({ "kind": "equipped item", "id": req.slot }))
    };
    let doc = doc.ok_or_else(nothing)?;
    let e = doc
        .value
        .slots
        .get(&req.slot)
        .filter(|e| stands(e, rows))
        .ok_or_else(nothing)?;
    let previous = e.item_id.clone();
    let mut next = doc.clone();
    next.value.slots.remove(&req.slot);
    next.value.slots.retain(|_, e| stands(e, rows));
    let mut cs = ChangeSet::default();
    cs.docs.push(next.put());
    cs.events.push(ctx.event(
        "item_unequipped",
        vec![req.player.clone()],
        json!({ "player": req.player, "slot": req.slot, "item_id": previous, "reason": "unequip" }),
    ));
    Ok((
        cs,
        EquipResult {
            transaction_id: ctx.transaction_id.clone(),
            player: req.player.clone(),
            slot: req.slot.clone(),
            item_id: None,
            previous: Some(previous),
            equipment: view(Some(&next.value), rows, names),
            replayed: false,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn cfg() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: Some(1000),
        }])
        .unwrap()
    }
    fn at(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(secs)
    }
    fn ctx(secs: i64) -> Ctx {
        Ctx::new(&cfg(), at(secs), Arc::new(SequentialIds::new("c")))
    }
    fn p(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }
    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        r.unwrap_err().code
    }
    fn ch(id: &str, account: &str, name: &str) -> Versioned<Character> {
        Versioned {
            id: id.into(),
            value: Character {
                id: p(id),
                account: p(account),
                name: name.into(),
                created_at: at(0),
                deleted_at: None,
                purge_at: None,
            },
            version: 1,
        }
    }
    fn create_req(name: &str) -> CreateCharacterRequest {
        CreateCharacterRequest {
            account: p("acc"),
            name: name.into(),
            idempotency_key: None,
        }
    }
    fn action(c: &str) -> CharacterActionRequest {
        CharacterActionRequest {
            account: p("acc"),
            character: p(c),
            idempotency_key: None,
        }
    }

    #[test]
    fn names_are_checked_and_keyed_without_case() {
        assert_eq!(check_name("Aéla O'Neil").unwrap(), "aéla o'neil");
        for bad in [
            "",
            " lead",
            "trail ",
            "two  spaces",
            "semi;colon",
            &"x".repeat(33),
        ] {
            assert_eq!(code(check_name(bad)), ErrorCode::InvalidArgument, "{bad:?}");
        }
        assert!(check_name(&"я".repeat(32)).is_ok());
    }

    #[test]
    fn create_fills_the_slots_then_refuses_and_needs_a_free_name_and_no_character_as_owner() {
        let c = CharactersConfig::default();
        let (cs, r) = create(
            &c,
            &ctx(0),
            &create_req("Hero"),
            false,
            None,
            &[],
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.character.name, "Hero");
        assert_eq!(cs.docs.len(), 3);
        assert!(cs
            .docs
            .iter()
            .any(|d| d.kind == "character_name" && d.id == "hero" && d.expected_version == 0));
        assert_eq!(cs.events[0].kind, "character_created");
        let three = [
            ch("a", "acc", "A"),
            ch("b", "acc", "B"),
            ch("c", "acc", "C"),
        ];
        assert_eq!(
            code(create(
                &c,
                &ctx(0),
                &create_req("D"),
                false,
                None,
                &three,
                None,
                None
            )),
            ErrorCode::LimitReached
        );
        // A deleted character frees its slot.
        let mut two = three.clone();
        two[0].value.deleted_at = Some(at(0));
        two[0].value.purge_at = Some(at(100));
        assert!(create(&c, &ctx(0), &create_req("D"), false, None, &two, None, None).is_ok());
        assert_eq!(
            code(create(
                &c,
                &ctx(0),
                &create_req("D"),
                true,
                None,
                &[],
                None,
                None
            )),
            ErrorCode::InvalidArgument
        );
        let claim = Versioned {
            id: "hero".into(),
            value: CharacterName {
                character: p("a"),
                account: p("other"),
            },
            version: 1,
        };
        let holder = ch("a", "other", "hero");
        assert_eq!(
            code(create(
                &c,
                &ctx(0),
                &create_req("HERO"),
                false,
                None,
                &[],
                Some(&claim),
                Some(&holder.value)
            )),
            ErrorCode::NameTaken
        );
    }

    #[test]
    fn a_deleted_character_keeps_its_name_until_purged_then_the_claim_is_taken_over() {
        let c = CharactersConfig::default();
        let mut holder = ch("a", "other", "Hero");
        holder.value.deleted_at = Some(at(0));
        holder.value.purge_at = Some(at(100));
        let claim = Versioned {
            id: "hero".into(),
            value: CharacterName {
                character: p("a"),
                account: p("other"),
            },
            version: 4,
        };
        assert_eq!(
            code(create(
                &c,
                &ctx(99),
                &create_req("hero"),
                false,
                None,
                &[],
                Some(&claim),
                Some(&holder.value)
            )),
            ErrorCode::NameTaken
        );
        let (cs, _) = create(
            &c,
            &ctx(100),
            &create_req("hero"),
            false,
            None,
            &[],
            Some(&claim),
            Some(&holder.value),
        )
        .unwrap();
        let w = cs.docs.iter().find(|d| d.kind == "character_name").unwrap();
        assert_eq!(w.expected_version, 4);
    }

    #[test]
    fn rename_frees_the_old_name_and_a_case_change_keeps_the_claim() {
        let a = ch("a", "acc", "Hero");
        let old = Versioned {
            id: "hero".into(),
            value: CharacterName {
                character: p("a"),
                account: p("acc"),
            },
            version: 1,
        };
        let req = |n: &str| RenameCharacterRequest {
            account: p("acc"),
            character: p("a"),
            name: n.into(),
            idempotency_key: None,
        };
        let (cs, r) = rename(&ctx(0), &req("Villain"), Some(&a), None, None, Some(&old)).unwrap();
        assert_eq!(r.character.name, "Villain");
        assert!(cs
            .docs
            .iter()
            .any(|d| d.kind == "character_name" && d.id == "hero" && d.body.is_none()));
        assert!(cs
            .docs
            .iter()
            .any(|d| d.kind == "character_name" && d.id == "villain"));
        let (cs, _) = rename(
            &ctx(0),
            &req("HERO"),
            Some(&a),
            Some(&old),
            Some(&a.value),
            Some(&old),
        )
        .unwrap();
        assert!(cs.docs.iter().all(|d| d.kind != "character_name"));
        // Another account's character, or someone else's name.
        let b = ch("a", "other", "Hero");
        assert_eq!(
            code(rename(&ctx(0), &req("X"), Some(&b), None, None, None)),
            ErrorCode::NotFound
        );
        let other = ch("z", "other", "Villain");
        let taken = Versioned {
            id: "villain".into(),
            value: CharacterName {
                character: p("z"),
                account: p("other"),
            },
            version: 1,
        };
        assert_eq!(
            code(rename(
                &ctx(0),
                &req("villain"),
                Some(&a),
                Some(&taken),
                Some(&other.value),
                Some(&old)
            )),
            ErrorCode::NameTaken
        );
    }

    #[test]
    fn delete_and_restore_inside_the_window_but_not_outside_it() {
        let c = CharactersConfig {
            slots: 1,
            restore_days: 7,
        };
        let a = ch("a", "acc", "Hero");
        let of = Versioned {
            id: "acc".into(),
            value: CharactersOf {
                characters: vec![p("a")],
                selected: Some(p("a")),
            },
            version: 2,
        };
        let (cs, r) = delete(
            &c,
            &ctx(0),
            &action("a"),
            Some(&a),
            Some(&of),
            std::slice::from_ref(&a),
        )
        .unwrap();
        assert_eq!(r.character.purge_at, Some(at(0) + Duration::days(7)));
        let of_body: CharactersOf =
            serde_json::from_value(cs.docs[1].body.clone().unwrap()).unwrap();
        assert_eq!(of_body.selected, None);
        assert_eq!(cs.events[0].kind, "character_deleted");
        let deleted = Versioned {
            value: r.character.clone(),
            ..a.clone()
        };
        assert_eq!(
            code(delete(&c, &ctx(1), &action("a"), Some(&deleted), None, &[])),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(select(&ctx(1), &action("a"), Some(&deleted), None, &[])),
            ErrorCode::NotFound
        );
        let week = 7 * 24 * 3600;
        let (_, r) = restore(
            &c,
            &ctx(week - 1),
            &action("a"),
            Some(&deleted),
            None,
            std::slice::from_ref(&deleted),
        )
        .unwrap();
        assert!(r.character.live());
        assert_eq!(
            code(restore(
                &c,
                &ctx(week),
                &action("a"),
                Some(&deleted),
                None,
                std::slice::from_ref(&deleted)
            )),
            ErrorCode::NotFound
        );
        // A restore needs a free slot.
        let other = ch("b", "acc", "Other");
        assert_eq!(
            code(restore(
                &c,
                &ctx(1),
                &action("a"),
                Some(&deleted),
                None,
                &[deleted.clone(), other]
            )),
            ErrorCode::LimitReached
        );
        assert_eq!(
            code(restore(&c, &ctx(1), &action("a"), Some(&a), None, &[])),
            ErrorCode::NotFound
        );
    }

    #[test]
    fn the_list_shows_live_and_restorable_characters_and_drops_purged_ones() {
        let c = CharactersConfig::default();
        let a = ch("a", "acc", "A");
        let mut b = ch("b", "acc", "B");
        b.value.deleted_at = Some(at(0));
        b.value.purge_at = Some(at(10));
        let of = CharactersOf {
            characters: vec![p("a"), p("b")],
            selected: Some(p("a")),
        };
        let l = list(&c, &p("acc"), Some(&of), &[a.clone(), b.clone()], at(5));
        assert_eq!(l.characters.len(), 2);
        assert_eq!(l.live, 1);
        assert_eq!(l.selected, Some(p("a")));
        let l = list(&c, &p("acc"), Some(&of), &[a, b], at(10));
        assert_eq!(l.characters.len(), 1);
    }

    fn bank_req(
        currency: Option<&str>,
        amount: Option<i64>,
        item: Option<&str>,
        q: Option<i64>,
    ) -> BankMoveRequest {
        BankMoveRequest {
            character: p("c1"),
            currency: currency.map(Into::into),
            amount,
            item_id: item.map(Into::into),
            quantity: q,
            reason: None,
            idempotency_key: None,
        }
    }

    #[test]
    fn bank_currency_moves_are_one_ledger_entry_with_both_rows_guarded() {
        let cfg = cfg();
        let req = bank_req(Some("gold"), Some(30), None, None);
        let row = |amount, version| BalanceRow { amount, version };
        let (cs, r) = bank_currency(
            &cfg,
            &ctx(0),
            &req,
            true,
            &p("acc"),
            "gold",
            30,
            row(100, 3),
            row(0, 0),
        )
        .unwrap();
        assert_eq!((r.character_balance, r.bank_balance), (Some(70), Some(30)));
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(cs.ledger[0].debit, Account::Player(p("c1")));
        assert_eq!(cs.ledger[0].credit, Account::Bank(p("acc")));
        assert_eq!(cs.balances.len(), 2);
        assert_eq!(cs.events[0].kind, "account_bank_deposit");
        assert_eq!(
            code(bank_currency(
                &cfg,
                &ctx(0),
                &req,
                true,
                &p("acc"),
                "gold",
                30,
                row(29, 3),
                row(0, 0)
            )),
            ErrorCode::InsufficientFunds
        );
        assert_eq!(
            code(bank_currency(
                &cfg,
                &ctx(0),
                &req,
                false,
                &p("acc"),
                "gold",
                30,
                row(0, 3),
                row(29, 1)
            )),
            ErrorCode::InsufficientFunds
        );
        // The character's maximum balance holds on withdrawal.
        assert_eq!(
            code(bank_currency(
                &cfg,
                &ctx(0),
                &req,
                false,
                &p("acc"),
                "gold",
                30,
                row(990, 3),
                row(50, 1)
            )),
            ErrorCode::BalanceLimit
        );
        assert_eq!(
            code(bank_currency(
                &cfg,
                &ctx(0),
                &req,
                true,
                &p("acc"),
                "gold",
                30,
                row(100, 3),
                row(i64::MAX - 1, 1)
            )),
            ErrorCode::BalanceLimit
        );
        assert_eq!(
            code(check_bank(
                &cfg,
                &bank_req(Some("gold"), Some(1), Some("x"), None)
            )),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(check_bank(
                &cfg,
                &bank_req(Some("gold"), Some(0), None, None)
            )),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(check_bank(&cfg, &bank_req(None, None, Some("x"), Some(0)))),
            ErrorCode::InvalidArgument
        );
    }

    fn item(id: &str, kind: ItemKind, slot: Option<&str>, max_stack: Option<i64>) -> CatalogItem {
        CatalogItem {
            id: id.into(),
            name: id.into(),
            kind,
            price: None,
            max_stack,
            active: true,
            metadata: slot.map_or(serde_json::Value::Null, |s| json!({ "slot": s })),
        }
    }
    fn row(id: &str, q: i64, acquired: i64) -> ItemRow {
        ItemRow {
            item_id: id.into(),
            quantity: q,
            acquired_at: at(acquired),
            version: 1,
        }
    }
    fn bank_doc(items: &[(&str, i64)]) -> Versioned<BankItems> {
        Versioned {
            id: "acc".into(),
            value: BankItems {
                items: items
                    .iter()
                    .map(|(i, q)| {
                        (
                            i.to_string(),
                            BankItem {
                                quantity: *q,
                                acquired_at: at(0),
                            },
                        )
                    })
                    .collect(),
            },
            version: 1,
        }
    }

    #[test]
    fn bank_items_move_in_stacks_and_durables_whole() {
        let potion = item("potion", ItemKind::Consumable, None, Some(10));
        let helm = item("helm", ItemKind::Durable, Some("head"), None);
        let dep = |q| bank_req(None, None, Some("potion"), q);
        let (cs, r) = bank_item(
            &ctx(0),
            &dep(Some(3)),
            true,
            &p("acc"),
            &potion,
            Some(3),
            Some(&row("potion", 5, 0)),
            &bank_doc(&[]),
            None,
        )
        .unwrap();
        assert_eq!((r.character_quantity, r.bank_quantity), (Some(2), Some(3)));
        assert_eq!(cs.items[0].quantity, 2);
        assert_eq!(
            code(bank_item(
                &ctx(0),
                &dep(Some(6)),
                true,
                &p("acc"),
                &potion,
                Some(6),
                Some(&row("potion", 5, 0)),
                &bank_doc(&[]),
                None
            )),
            ErrorCode::InsufficientQuantity
        );
        assert_eq!(
            code(bank_item(
                &ctx(0),
                &dep(Some(4)),
                false,
                &p("acc"),
                &potion,
                Some(4),
                Some(&row("potion", 8, 0)),
                &bank_doc(&[("potion", 4)]),
                None
            )),
            ErrorCode::StackLimit
        );
        // Withdrawing the whole stack removes it from the bank.
        let (cs, r) = bank_item(
            &ctx(0),
            &dep(Some(4)),
            false,
            &p("acc"),
            &potion,
            Some(4),
            None,
            &bank_doc(&[("potion", 4)]),
            None,
        )
        .unwrap();
        assert_eq!(r.bank_quantity, Some(0));
        let body: BankItems = serde_json::from_value(cs.docs[0].body.clone().unwrap()).unwrap();
        assert!(body.items.is_empty());
        let h = bank_req(None, None, Some("helm"), None);
        assert_eq!(
            code(bank_item(
                &ctx(0),
                &h,
                true,
                &p("acc"),
                &helm,
                None,
                Some(&row("helm", 1, 0)),
                &bank_doc(&[("helm", 1)]),
                None
            )),
            ErrorCode::AlreadyOwned
        );
        assert_eq!(
            code(bank_item(
                &ctx(0),
                &h,
                false,
                &p("acc"),
                &helm,
                None,
                Some(&row("helm", 1, 0)),
                &bank_doc(&[("helm", 1)]),
                None
            )),
            ErrorCode::AlreadyOwned
        );
        assert_eq!(
            code(bank_item(
                &ctx(0),
                &h,
                true,
                &p("acc"),
                &helm,
                Some(2),
                Some(&row("helm", 1, 0)),
                &bank_doc(&[]),
                None
            )),
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn depositing_an_equipped_item_unequips_it_in_the_same_change_set() {
        let helm = item("helm", ItemKind::Durable, Some("head"), None);
        let eq = Versioned {
            id: "c1".into(),
            value: EquipmentDoc {
                slots: [(
                    "head".to_string(),
                    Equipped {
                        item_id: "helm".into(),
                        acquired_at: at(0),
                        equipped_at: at(1),
                    },
                )]
                .into(),
            },
            version: 2,
        };
        let h = bank_req(None, None, Some("helm"), None);
        let (cs, r) = bank_item(
            &ctx(5),
            &h,
            true,
            &p("acc"),
            &helm,
            None,
            Some(&row("helm", 1, 0)),
            &bank_doc(&[]),
            Some(&eq),
        )
        .unwrap();
        assert_eq!(r.unequipped.as_deref(), Some("head"));
        let w = cs.docs.iter().find(|d| d.kind == "equipment").unwrap();
        assert_eq!(w.expected_version, 2);
        assert!(cs.events.iter().any(|e| e.kind == "item_unequipped"));
    }

    #[test]
    fn equip_replaces_the_slot_and_refuses_what_is_not_owned_or_has_no_slot() {
        let helm = item("helm", ItemKind::Durable, Some("head"), None);
        let hat = item("hat", ItemKind::Durable, Some("head"), None);
        let potion = item("potion", ItemKind::Consumable, Some("head"), None);
        let plain = item("relic", ItemKind::Durable, None, None);
        let rows: HashMap<String, ItemRow> = [
            ("helm".to_string(), row("helm", 1, 0)),
            ("hat".to_string(), row("hat", 1, 0)),
            ("relic".to_string(), row("relic", 1, 0)),
        ]
        .into();
        let names = HashMap::new();
        let req = |i: &str| EquipRequest {
            player: p("c1"),
            item_id: i.into(),
            idempotency_key: None,
        };
        let (cs, r) = equip(&ctx(0), &req("helm"), &helm, None, &rows, &names).unwrap();
        assert_eq!(r.previous, None);
        let doc = Versioned {
            id: "c1".into(),
            value: serde_json::from_value::<EquipmentDoc>(cs.docs[0].body.clone().unwrap())
                .unwrap(),
            version: 1,
        };
        let (_, r) = equip(&ctx(1), &req("hat"), &hat, Some(&doc), &rows, &names).unwrap();
        assert_eq!(r.previous.as_deref(), Some("helm"));
        assert_eq!(r.equipment.len(), 1);
        assert_eq!(r.equipment[0].item_id, "hat");
        assert_eq!(
            code(equip(&ctx(1), &req("relic"), &plain, None, &rows, &names)),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(equip(&ctx(1), &req("potion"), &potion, None, &rows, &names)),
            ErrorCode::InvalidArgument
        );
        let none = HashMap::new();
        assert_eq!(
            code(equip(&ctx(1), &req("helm"), &helm, None, &none, &names)),
            ErrorCode::NotOwned
        );
        // An item lost (and got again: another acquisition) reads unequipped.
        let again: HashMap<String, ItemRow> = [("helm".to_string(), row("helm", 1, 9))].into();
        assert!(view(Some(&doc.value), &again, &names).is_empty());
        assert_eq!(
            code(unequip(
                &ctx(2),
                &UnequipRequest {
                    player: p("c1"),
                    slot: "head".into(),
                    idempotency_key: None
                },
                Some(&doc),
                &again,
                &names
            )),
            ErrorCode::NotFound
        );
        let (_, r) = unequip(
            &ctx(2),
            &UnequipRequest {
                player: p("c1"),
                slot: "head".into(),
                idempotency_key: None,
            },
            Some(&doc),
            &rows,
            &names,
        )
        .unwrap();
        assert_eq!(r.previous.as_deref(), Some("helm"));
        assert!(r.equipment.is_empty());
    }
}
