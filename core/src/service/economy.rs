//! Economy services (SPEC.md Economy): grants, spends, transfers, wallets, balances,
//! paged history and the ledger audit.

use super::commit::wallet_key;
use super::{page, Guildhall};
use crate::ctx::Ctx;
use crate::economy::{
    rules as econ, BalanceChangeResult, GrantRequest, LedgerMismatch, LedgerReport, SpendRequest,
    TransferRequest, TransferResult,
};
use crate::error::{Error, Result};
use crate::ports::HistoryQuery;
use crate::types::{Account, Balance, EntryKind, LedgerEntry, PlayerId, Wallet};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A page of a player's ledger history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryPage {
    /// Entries, newest first.
    pub entries: Vec<LedgerEntry>,
    /// Pass as `cursor` to get the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// Filter and page of [`Guildhall::history`].
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryFilter {
    /// Only this currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Only this kind: `grant`, `spend`, `transfer`, `purchase`.
    #[serde(default)]
    pub kind: Option<EntryKind>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

impl Guildhall {
    /// Credits a player from a system source. See [`GrantRequest`] for errors.
    pub async fn grant(&self, req: GrantRequest) -> Result<BalanceChangeResult> {
        self.config.currency(&req.currency)?;
        let req = &req;
        self.execute(
            "grant",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let bal = self
                        .store
                        .balance(&Account::Player(req.player.clone()), &req.currency)
                        .await?;
                    econ::grant(&self.config, &ctx, req, bal)
                })
            },
        )
        .await
    }

    /// Debits a player to a system sink. See [`SpendRequest`] for errors.
    pub async fn spend(&self, req: SpendRequest) -> Result<BalanceChangeResult> {
        self.config.currency(&req.currency)?;
        let req = &req;
        self.execute(
            "spend",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let bal = self
                        .store
                        .balance(&Account::Player(req.player.clone()), &req.currency)
                        .await?;
                    econ::spend(&self.config, &ctx, req, bal)
                })
            },
        )
        .await
    }

    /// Moves currency between two players in one commit. See [`TransferRequest`].
    pub async fn transfer(&self, req: TransferRequest) -> Result<TransferResult> {
        econ::check_transfer(&self.config, &req)?;
        let req = &req;
        self.execute(
            "transfer",
            &[&req.from, &req.to],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let from = self
                        .store
                        .balance(&Account::Player(req.from.clone()), &req.currency)
                        .await?;
                    let to = self
                        .store
                        .balance(&Account::Player(req.to.clone()), &req.currency)
                        .await?;
                    econ::transfer(&self.config, &ctx, req, from, to)
                })
            },
        )
        .await
    }

    /// A player's wallet: every configured currency, zero when never touched.
    pub async fn wallet(&self, player: &PlayerId) -> Result<Wallet> {
        self.cached(wallet_key(player), self.wallet_uncached(player))
            .await
    }

    async fn wallet_uncached(&self, player: &PlayerId) -> Result<Wallet> {
        let rows: HashMap<String, i64> = self
            .store
            .balances(&Account::Player(player.clone()))
            .await?
            .into_iter()
            .map(|(c, r)| (c, r.amount))
            .collect();
        let balances = self
            .config
            .currencies
            .iter()
            .map(|c| Balance {
                currency: c.code.clone(),
                amount: rows.get(&c.code).copied().unwrap_or(0),
            })
            .collect();
        Ok(Wallet {
            player: player.clone(),
            balances,
        })
    }

    /// One balance of a player, smallest units. Errors: `INVALID_ARGUMENT` (unknown currency).
    pub async fn balance(&self, player: &PlayerId, currency: &str) -> Result<i64> {
        self.config.currency(currency)?;
        Ok(self
            .store
            .balance(&Account::Player(player.clone()), currency)
            .await?
            .amount)
    }

    /// A player's ledger entries, newest first, a page at a time (SPEC.md History).
    /// Errors: `INVALID_ARGUMENT` (bad cursor, limit out of 1-200, unknown currency).
    pub async fn history(&self, player: &PlayerId, filter: HistoryFilter) -> Result<HistoryPage> {
        if let Some(c) = &filter.currency {
            self.config.currency(c)?;
        }
        let limit = filter.limit.unwrap_or(page::HISTORY);
        if !(1..=200).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 200"));
        }
        let before_seq = match &filter.cursor {
            None => None,
            Some(c) => Some(c.parse::<i64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                Error::invalid("cursor", "cursor is a next_cursor from a previous page")
            })?),
        };
        let q = HistoryQuery {
            account: Account::Player(player.clone()),
            currency: filter.currency,
            kind: filter.kind,
            before_seq,
            limit: limit + 1,
        };
        let mut entries = self.store.history(&q).await?;
        let next_cursor = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.seq.to_string())
        } else {
            None
        };
        Ok(HistoryPage {
            entries,
            next_cursor,
        })
    }

    /// Recomputes every balance from the ledger and reports differences, and any currency
    /// whose balances do not sum to zero (SPEC.md Economy `verify_ledger`; the HTTP host's
    /// `GET /v1/ledger/verify` and `guildhall verify-ledger` call this).
    ///
    /// Balances and ledger sums come from one consistent snapshot of the store
    /// ([`Store::ledger_snapshot`]), so an audit of a live database never reports a
    /// difference that is not there, and they are compared exactly (`i128`): a system
    /// account's credits may pass `i64` on the way while its balance, an `i64` kept by
    /// increments that refuse to overflow (`BALANCE_LIMIT`), stays credits minus debits
    /// (SPEC.md Clarifications (second round)). Errors: `UNAVAILABLE` when the store fails.
    pub async fn verify_ledger(&self) -> Result<LedgerReport> {
        let snap = self.store.ledger_snapshot().await?;
        let net: HashMap<(Account, String), i128> =
            snap.net.into_iter().map(|(a, c, n)| ((a, c), n)).collect();
        let balances = snap.balances;
        // A ledger net outside i64 can only be a difference (no balance can hold it); the
        // report shows it at the nearest i64 bound.
        let clamp = |n: i128| i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX });
        let mut mismatches = Vec::new();
        let mut totals: HashMap<String, i128> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for (account, currency, amount) in &balances {
            *totals.entry(currency.clone()).or_default() += i128::from(*amount);
            let key = (account.clone(), currency.clone());
            let ledger = net.get(&key).copied().unwrap_or(0);
            if ledger != i128::from(*amount) {
                mismatches.push(LedgerMismatch {
                    account: account.clone(),
                    currency: currency.clone(),
                    balance: *amount,
                    ledger: clamp(ledger),
                });
            }
            seen.insert(key);
        }
        for ((account, currency), ledger) in &net {
            if *ledger != 0 && !seen.contains(&(account.clone(), currency.clone())) {
                mismatches.push(LedgerMismatch {
                    account: account.clone(),
                    currency: currency.clone(),
                    balance: 0,
                    ledger: clamp(*ledger),
                });
            }
        }
        mismatches.sort_by(|a, b| {
            (a.account.to_string(), &a.currency).cmp(&(b.account.to_string(), &b.currency))
        });
        let mut unbalanced: Vec<(String, i64)> = totals
            .into_iter()
            .filter(|(_, t)| *t != 0)
            .map(|(c, t)| (c, clamp(t)))
            .collect();
        unbalanced.sort();
        if !mismatches.is_empty() || !unbalanced.is_empty() {
            tracing::error!(
                mismatches = mismatches.len(),
                unbalanced = unbalanced.len(),
                "ledger audit found differences"
            );
        }
        Ok(LedgerReport {
            ok: mismatches.is_empty() && unbalanced.is_empty(),
            accounts_checked: balances.len(),
            mismatches,
            unbalanced_currencies: unbalanced,
        })
    }
}
