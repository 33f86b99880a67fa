//! Character, account bank and equipment services (SPEC.md "Characters and the account
//! bank"): each call reads the documents and rows it needs, lets a rule of
//! [`crate::characters::rules`] decide, and commits one change set guarded by the
//! versions it read, through the commit engine (idempotency keys on every change).
//! Calls on one account's characters in this process queue on the account's stripe;
//! other processes meet the versions of the account's index (`characters_of`), of the
//! name claims and of the bank's rows, and retry on `CONFLICT`.

use super::commit::Replayable;
use super::Guildhall;
use crate::characters::rules::{self, BankWhat};
use crate::characters::{
    AccountBank, BankItems, BankMoveRequest, BankMoveResult, Character, CharacterActionRequest,
    CharacterList, CharacterName, CharacterResult, CharacterSelection, CharactersOf,
    CreateCharacterRequest, EquipRequest, EquipResult, Equipment, EquipmentDoc,
    RenameCharacterRequest, UnequipRequest,
};
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ItemRow;
use crate::types::{Account, Balance, InventoryEntry, ItemKind, PlayerId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

impl Replayable for CharacterResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}
impl Replayable for CharacterSelection {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}
impl Replayable for BankMoveResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}
impl Replayable for EquipResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

/// The stripe of a name claim.
fn name_stripe(key: &str) -> String {
    format!("character_name:{key}")
}

/// The stripe of an account's bank.
fn bank_stripe(account: &PlayerId) -> String {
    format!("account:{account}")
}

type AccountState = (Option<Versioned<CharactersOf>>, Vec<Versioned<Character>>);

impl Guildhall {
    /// The account's index and its characters as stored.
    async fn account_characters(&self, account: &PlayerId) -> Result<AccountState> {
        let of = self.load::<CharactersOf>(account.as_str()).await?;
        let mut chars = Vec::new();
        if let Some(of) = &of {
            for id in &of.value.characters {
                if let Some(c) = self.load::<Character>(id.as_str()).await? {
                    chars.push(c);
                }
            }
        }
        Ok((of, chars))
    }

    /// The claim of a name key and the character holding it.
    async fn name_claim(
        &self,
        key: &str,
    ) -> Result<(Option<Versioned<CharacterName>>, Option<Character>)> {
        let claim = self.load::<CharacterName>(key).await?;
        let holder = match &claim {
            Some(c) => self
                .load::<Character>(c.value.character.as_str())
                .await?
                .map(|c| c.value),
            None => None,
        };
        Ok((claim, holder))
    }

    /// Creates a character of `req.account` under a new player id. The account is a
    /// player id that is not itself a character: an account record of the host's
    /// accounts, or an embedding game's own player id (those need no record, as for
    /// every other module). Errors: `NAME_TAKEN`
    /// (the name in any case, held by a live character or one still restorable),
    /// `LIMIT_REACHED` (`[characters] slots` live characters), `INVALID_ARGUMENT` (bad
    /// name, or the account is a character), `IDEMPOTENCY_CONFLICT`.
    pub async fn create_character(&self, req: CreateCharacterRequest) -> Result<CharacterResult> {
        let key = rules::check_name(&req.name)?;
        let req = &req;
        let stripe = name_stripe(&key);
        self.execute_locking(
            "create_character",
            &[&req.account],
            &[&stripe],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                let key = key.clone();
                Box::pin(async move {
                    let is_character = self
                        .load::<Character>(req.account.as_str())
                        .await?
                        .is_some();
                    let (of, chars) = self.account_characters(&req.account).await?;
                    let (taken, holder) = self.name_claim(&key).await?;
                    rules::create(
                        &self.config.characters,
                        &ctx,
                        req,
                        is_character,
                        of.as_ref(),
                        &chars,
                        taken.as_ref(),
                        holder.as_ref(),
                    )
                })
            },
        )
        .await
    }

    /// Renames a live character of `req.account`; the old name is free once this
    /// commits. Errors: `NOT_FOUND`, `NAME_TAKEN`, `INVALID_ARGUMENT`,
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn rename_character(&self, req: RenameCharacterRequest) -> Result<CharacterResult> {
        let key = rules::check_name(&req.name)?;
        let req = &req;
        let stripe = name_stripe(&key);
        self.execute_locking(
            "rename_character",
            &[&req.account, &req.character],
            &[&stripe],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                let key = key.clone();
                Box::pin(async move {
                    let ch = self.load::<Character>(req.character.as_str()).await?;
                    let (taken, holder) = self.name_claim(&key).await?;
                    let old = match &ch {
                        Some(c) => {
                            self.load::<CharacterName>(&c.value.name.to_lowercase())
                                .await?
                        }
                        None => None,
                    };
                    rules::rename(
                        &ctx,
                        req,
                        ch.as_ref(),
                        taken.as_ref(),
                        holder.as_ref(),
                        old.as_ref(),
                    )
                })
            },
        )
        .await
    }

    /// Soft-deletes a live character of `req.account`: it leaves its slot, keeps its
    /// name and can be restored for `[characters] restore_days`; its token and its
    /// account's token no longer act for it. Errors: `NOT_FOUND`, `IDEMPOTENCY_CONFLICT`.
    pub async fn delete_character(&self, req: CharacterActionRequest) -> Result<CharacterResult> {
        let req = &req;
        self.execute(
            "delete_character",
            &[&req.account, &req.character],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let ch = self.load::<Character>(req.character.as_str()).await?;
                    let (of, chars) = self.account_characters(&req.account).await?;
                    rules::delete(
                        &self.config.characters,
                        &ctx,
                        req,
                        ch.as_ref(),
                        of.as_ref(),
                        &chars,
                    )
                })
            },
        )
        .await
    }

    /// Restores a deleted character of `req.account` inside its restore window (its
    /// name was kept for it), when a slot is free. Errors: `NOT_FOUND` (not deleted, or
    /// past the window), `LIMIT_REACHED`, `IDEMPOTENCY_CONFLICT`.
    pub async fn restore_character(&self, req: CharacterActionRequest) -> Result<CharacterResult> {
        let req = &req;
        self.execute(
            "restore_character",
            &[&req.account, &req.character],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let ch = self.load::<Character>(req.character.as_str()).await?;
                    let (of, chars) = self.account_characters(&req.account).await?;
                    rules::restore(
                        &self.config.characters,
                        &ctx,
                        req,
                        ch.as_ref(),
                        of.as_ref(),
                        &chars,
                    )
                })
            },
        )
        .await
    }

    /// Marks a live character as the account's current one (the HTTP host also returns
    /// an access token for it). Errors: `NOT_FOUND`, `IDEMPOTENCY_CONFLICT`.
    pub async fn select_character(
        &self,
        req: CharacterActionRequest,
    ) -> Result<CharacterSelection> {
        let req = &req;
        self.execute(
            "select_character",
            &[&req.account],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let ch = self.load::<Character>(req.character.as_str()).await?;
                    let (of, chars) = self.account_characters(&req.account).await?;
                    rules::select(&ctx, req, ch.as_ref(), of.as_ref(), &chars)
                })
            },
        )
        .await
    }

    /// An account's characters: live ones and deleted ones still restorable (with their
    /// `purge_at`), in creation order, and the selected one. A player without
    /// characters has an empty list.
    pub async fn characters(&self, account: &PlayerId) -> Result<CharacterList> {
        let (of, chars) = self.account_characters(account).await?;
        Ok(rules::list(
            &self.config.characters,
            account,
            of.as_ref().map(|o| &o.value),
            &chars,
            self.clock.now(),
        ))
    }

    /// One character (live or still restorable). Errors: `NOT_FOUND`.
    pub async fn character(&self, id: &PlayerId) -> Result<Character> {
        let now = self.clock.now();
        self.load::<Character>(id.as_str())
            .await?
            .map(|c| c.value)
            .filter(|c| !c.purged(now))
            .ok_or_else(|| Error::not_found("character", id.as_str()))
    }

    /// Whether the holder of a player's access token (issued at `issued_at`) may act for
    /// `target` now: for itself, or for a live character of its account (one lookup of
    /// the character, served from the access cache). A character's own token acts only
    /// while the character is live and its account may act. Bans and sign-outs of the
    /// holder (and of a character's account) apply. Errors: `FORBIDDEN`, `BANNED`,
    /// `UNAUTHENTICATED`.
    pub async fn check_token_reach(
        &self,
        holder: &PlayerId,
        target: &PlayerId,
        issued_at: DateTime<Utc>,
    ) -> Result<()> {
        if holder == target {
            if let Some(c) = self.access_record::<Character>(holder.as_str()).await? {
                if !c.live() {
                    return Err(Error::new(
                        ErrorCode::Forbidden,
                        format!("the character {holder} was deleted; its token acts no more"),
                    ));
                }
                self.check_player_access(&c.account, Some(issued_at))
                    .await?;
            }
            return self.check_player_access(holder, Some(issued_at)).await;
        }
        match self.access_record::<Character>(target.as_str()).await? {
            Some(c) if &c.account == holder && c.live() => {
                self.check_player_access(holder, Some(issued_at)).await
            }
            _ => Err(Error::new(
                ErrorCode::Forbidden,
                format!(
                    "a player's token reaches only that player's own data and its account's live characters, not {target}'s"
                ),
            )),
        }
    }

    /// A live character. Errors: `NOT_FOUND` (no such character, or deleted).
    async fn live_character(&self, id: &PlayerId) -> Result<Character> {
        let c = self
            .load::<Character>(id.as_str())
            .await?
            .ok_or_else(|| Error::not_found("character", id.as_str()))?
            .value;
        if !c.live() {
            return Err(
                Error::new(ErrorCode::NotFound, format!("character '{id}' is deleted"))
                    .with_details(
                        serde_json::json!({ "kind": "character", "id": id, "deleted": true }),
                    ),
            );
        }
        Ok(c)
    }

    /// Refuses a deleted character (any other player id passes). Errors: `NOT_FOUND`.
    async fn not_deleted(&self, player: &PlayerId) -> Result<()> {
        match self.load::<Character>(player.as_str()).await? {
            Some(c) if !c.value.live() => Err(Error::new(
                ErrorCode::NotFound,
                format!("character '{player}' is deleted"),
            )
            .with_details(
                serde_json::json!({ "kind": "character", "id": player, "deleted": true }),
            )),
            _ => Ok(()),
        }
    }

    async fn account_bank_move(
        &self,
        op: &str,
        req: BankMoveRequest,
        deposit: bool,
    ) -> Result<BankMoveResult> {
        let what = rules::check_bank(&self.config, &req)?;
        let account = self.live_character(&req.character).await?.account;
        let req = &req;
        let (what, account) = (&what, &account);
        let stripe = bank_stripe(account);
        self.execute_locking(
            op,
            &[&req.character],
            &[&stripe],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    self.live_character(&req.character).await?;
                    match what {
                        BankWhat::Currency { currency, amount } => {
                            let mine = self
                                .store
                                .balance(&Account::Player(req.character.clone()), currency)
                                .await?;
                            let bank = self
                                .store
                                .balance(&Account::Bank(account.clone()), currency)
                                .await?;
                            rules::bank_currency(
                                &self.config,
                                &ctx,
                                req,
                                deposit,
                                account,
                                currency,
                                *amount,
                                mine,
                                bank,
                            )
                        }
                        BankWhat::Item { item_id, quantity } => {
                            let (item, row) = self.store.item_rows(&req.character, item_id).await?;
                            let item =
                                item.ok_or_else(|| Error::not_found("catalog item", item_id))?;
                            let bank = self
                                .load::<BankItems>(account.as_str())
                                .await?
                                .unwrap_or_else(|| {
                                    Versioned::new(account.as_str(), BankItems::default())
                                });
                            let equipment = if deposit {
                                self.load::<EquipmentDoc>(req.character.as_str()).await?
                            } else {
                                None
                            };
                            rules::bank_item(
                                &ctx,
                                req,
                                deposit,
                                account,
                                &item,
                                *quantity,
                                row.as_ref(),
                                &bank,
                                equipment.as_ref(),
                            )
                        }
                    }
                })
            },
        )
        .await
    }

    /// A live character moves currency or an item from its wallet or inventory into
    /// its account's bank (currency: one ledger entry `player:<character>` to
    /// `account:<account>`); an equipped item is unequipped in the same commit. Errors:
    /// `NOT_FOUND`, `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`,
    /// `BALANCE_LIMIT`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn bank_deposit(&self, req: BankMoveRequest) -> Result<BankMoveResult> {
        self.account_bank_move("bank_deposit", req, true).await
    }

    /// A live character takes currency or an item from its account's bank; the bank
    /// never goes below zero. Errors: `NOT_FOUND`, `INSUFFICIENT_FUNDS`,
    /// `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`, `STACK_LIMIT`,
    /// `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn bank_withdraw(&self, req: BankMoveRequest) -> Result<BankMoveResult> {
        self.account_bank_move("bank_withdraw", req, false).await
    }

    /// The bank of `player`'s account: `player` is the account, or one of its
    /// characters (live or restorable). Every configured currency (zero when never
    /// touched) and the item stacks by item id.
    pub async fn account_bank(&self, player: &PlayerId) -> Result<AccountBank> {
        let account = match self.load::<Character>(player.as_str()).await? {
            Some(c) if !c.value.purged(self.clock.now()) => c.value.account,
            _ => player.clone(),
        };
        let rows: HashMap<String, i64> = self
            .store
            .balances(&Account::Bank(account.clone()))
            .await?
            .into_iter()
            .map(|(c, r)| (c, r.amount))
            .collect();
        let mut items = Vec::new();
        if let Some(doc) = self.load::<BankItems>(account.as_str()).await? {
            for (item_id, b) in doc.value.items {
                let item = self.store.catalog_item(&item_id).await?;
                items.push(InventoryEntry {
                    name: item.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
                    kind: item.as_ref().map_or(ItemKind::Consumable, |i| i.kind),
                    item_id,
                    quantity: b.quantity,
                    acquired_at: b.acquired_at,
                });
            }
        }
        Ok(AccountBank {
            balances: self
                .config
                .currencies
                .iter()
                .map(|c| Balance {
                    currency: c.code.clone(),
                    amount: rows.get(&c.code).copied().unwrap_or(0),
                })
                .collect(),
            account,
            items,
        })
    }

    /// The player's rows and the catalog names of the items an equipment document
    /// names (and of `also`).
    async fn equipment_state(
        &self,
        player: &PlayerId,
        doc: Option<&EquipmentDoc>,
        also: Option<&str>,
    ) -> Result<(HashMap<String, ItemRow>, HashMap<String, String>)> {
        let mut ids: Vec<String> = doc
            .map(|d| d.slots.values().map(|e| e.item_id.clone()).collect())
            .unwrap_or_default();
        ids.extend(also.map(str::to_string));
        ids.sort();
        ids.dedup();
        let mut rows = HashMap::new();
        let mut names = HashMap::new();
        for id in ids {
            if let Some(r) = self.store.item(player, &id).await? {
                rows.insert(id.clone(), r);
            }
            if let Some(i) = self.store.catalog_item(&id).await? {
                names.insert(id, i.name);
            }
        }
        Ok((rows, names))
    }

    /// Equips an item `req.player` owns into the slot its catalog metadata names; the
    /// item in that slot is unequipped (no error). Errors: `NOT_OWNED`, `NOT_FOUND`
    /// (unknown item, deleted character), `INVALID_ARGUMENT` (no slot, not durable),
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn equip_item(&self, req: EquipRequest) -> Result<EquipResult> {
        crate::types::check_text("item_id", &req.item_id, 1, 128)?;
        let req = &req;
        self.execute(
            "equip_item",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    self.not_deleted(&req.player).await?;
                    let item = self
                        .store
                        .catalog_item(&req.item_id)
                        .await?
                        .ok_or_else(|| Error::not_found("catalog item", &req.item_id))?;
                    let doc = self.load::<EquipmentDoc>(req.player.as_str()).await?;
                    let (rows, names) = self
                        .equipment_state(
                            &req.player,
                            doc.as_ref().map(|d| &d.value),
                            Some(&req.item_id),
                        )
                        .await?;
                    rules::equip(&ctx, req, &item, doc.as_ref(), &rows, &names)
                })
            },
        )
        .await
    }

    /// Empties a slot of `req.player`'s equipment. Errors: `NOT_FOUND` (nothing there,
    /// deleted character), `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn unequip_item(&self, req: UnequipRequest) -> Result<EquipResult> {
        rules::check_slot(&req.slot)?;
        let req = &req;
        self.execute(
            "unequip_item",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    self.not_deleted(&req.player).await?;
                    let doc = self.load::<EquipmentDoc>(req.player.as_str()).await?;
                    let (rows, names) = self
                        .equipment_state(&req.player, doc.as_ref().map(|d| &d.value), None)
                        .await?;
                    rules::unequip(&ctx, req, doc.as_ref(), &rows, &names)
                })
            },
        )
        .await
    }

    /// A player's equipment: one item per slot, only items the player still holds (an
    /// item lost through any module reads unequipped).
    pub async fn equipment(&self, player: &PlayerId) -> Result<Equipment> {
        let doc = self.load::<EquipmentDoc>(player.as_str()).await?;
        let (rows, names) = self
            .equipment_state(player, doc.as_ref().map(|d| &d.value), None)
            .await?;
        Ok(Equipment {
            player: player.clone(),
            items: rules::view(doc.as_ref().map(|d| &d.value), &rows, &names),
        })
    }
}
