//! A player's wallet and inventory as read for one call, credited step by step
//! (mail claims, eviction deliveries), then turned into guarded writes of exactly the
//! rows that changed. Several credits of one row in one call become one write.

use crate::config::Config;
use crate::ctx::Ctx;
use crate::economy::rules::{add_system, apply_delta, entry, set_balance};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, ChangeSet, ItemRow, ItemWrite};
use crate::types::{Account, Amount, CatalogItem, EntryKind, ItemKind, PlayerId};
use std::collections::{BTreeMap, HashMap};

/// Running balances and stacks of one player.
#[derive(Clone)]
pub struct Holdings {
    player: PlayerId,
    balances: BTreeMap<String, (BalanceRow, Amount)>,
    items: BTreeMap<String, (Option<ItemRow>, i64)>,
    catalog: HashMap<String, CatalogItem>,
}

/// How one item credit went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemCredit {
    /// Units added.
    Added(i64),
    /// A durable the player already owned: nothing added.
    AlreadyOwned,
}

impl Holdings {
    /// Holdings from the rows read. `catalog` must hold every item that will be credited.
    pub fn new(
        player: PlayerId,
        balances: Vec<(String, BalanceRow)>,
        items: Vec<ItemRow>,
        catalog: Vec<CatalogItem>,
    ) -> Self {
        Self {
            player,
            balances: balances
                .into_iter()
                .map(|(c, r)| (c, (r, r.amount)))
                .collect(),
            items: items
                .into_iter()
                .map(|r| (r.item_id.clone(), (Some(r.clone()), r.quantity)))
                .collect(),
            catalog: catalog.into_iter().map(|i| (i.id.clone(), i)).collect(),
        }
    }

    /// Current balance of a currency.
    pub fn balance(&self, currency: &str) -> Amount {
        self.balances.get(currency).map_or(0, |(_, a)| *a)
    }

    /// Credits `amount` from `system:<source>` with a ledger entry of `reason`.
    /// `strict`: a balance limit is an error (`BALANCE_LIMIT`); otherwise the credit is
    /// cut to what fits. Returns the amount credited.
    #[allow(clippy::too_many_arguments)]
    pub fn credit(
        &mut self,
        cfg: &Config,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        source: &str,
        currency: &str,
        amount: Amount,
        reason: &str,
        strict: bool,
    ) -> Result<Amount> {
        let current = self.balance(currency);
        let credited = match apply_delta(cfg, &self.player, currency, current, amount) {
            Ok(_) => amount,
            Err(e) if strict || e.code != ErrorCode::BalanceLimit => return Err(e),
            Err(_) => cfg
                .currency(currency)?
                .max_balance
                .unwrap_or(Amount::MAX)
                .saturating_sub(current)
                .max(0),
        };
        if credited == 0 {
            return Ok(0);
        }
        let slot = self
            .balances
            .entry(currency.to_string())
            .or_insert((BalanceRow::default(), 0));
        slot.1 = current + credited;
        let source = Account::system(source)?;
        cs.balances
            .push(add_system(source.clone(), currency, -credited));
        cs.ledger.push(entry(
            ctx,
            EntryKind::Grant,
            currency,
            source,
            Account::Player(self.player.clone()),
            credited,
            reason.to_string(),
            serde_json::Value::Null,
        ));
        Ok(credited)
    }

    /// Adds `quantity` units of a catalog item under its stacking rule.
    /// `strict`: a stack limit is an error (`STACK_LIMIT`); otherwise the stack is filled
    /// to its maximum. A durable already owned is reported, not an error.
    /// Errors: `NOT_FOUND` (item not in the catalog given), `STACK_LIMIT`.
    pub fn add_item(&mut self, item_id: &str, quantity: i64, strict: bool) -> Result<ItemCredit> {
        let item = self
            .catalog
            .get(item_id)
            .ok_or_else(|| Error::not_found("catalog item", item_id))?;
        let slot = self.items.entry(item_id.to_string()).or_insert((None, 0));
        match item.kind {
            ItemKind::Durable if slot.1 > 0 => Ok(ItemCredit::AlreadyOwned),
            ItemKind::Durable => {
                slot.1 = 1;
                Ok(ItemCredit::Added(1))
            }
            ItemKind::Consumable => {
                let max = item.max_stack.unwrap_or(i64::MAX);
                let target = slot.1.saturating_add(quantity);
                if target > max && strict {
                    return Err(Error::new(ErrorCode::StackLimit, format!("a stack of '{}' holds at most {max}", item.name))
                        .with_details(serde_json::json!({ "item_id": item_id, "held": slot.1, "requested": quantity, "max_stack": max })));
                }
                let added = target.min(max) - slot.1;
                slot.1 += added;
                Ok(ItemCredit::Added(added))
            }
        }
    }

    /// Appends guarded writes for every row that changed.
    pub fn finish(self, ctx: &Ctx, cs: &mut ChangeSet) {
        for (currency, (row, amount)) in &self.balances {
            if *amount != row.amount {
                cs.balances
                    .push(set_balance(&self.player, currency, *row, *amount));
            }
        }
        for (item_id, (row, q)) in self.items {
            if Some(q) != row.as_ref().map(|r| r.quantity) {
                cs.items.push(ItemWrite {
                    player: self.player.clone(),
                    item_id,
                    expected_version: row.as_ref().map_or(0, |r| r.version),
                    quantity: q,
                    acquired_at: row
                        .filter(|r| r.quantity > 0)
                        .map_or(ctx.now, |r| r.acquired_at),
                });
            }
        }
    }
}
