//! Party services (SPEC.md Parties). A membership change also cancels the party's
//! matchmaking ticket, in the same commit.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::{Document, Versioned};
use crate::error::{Error, ErrorCode, Result};
use crate::matchmaking::{Ticket, TicketOf};
use crate::party::rules;
use crate::party::{Invite, Membership, Party};
use crate::ports::ChangeSet;
use crate::types::PlayerId;
use serde_json::json;

impl Guildhall {
    /// Reads a typed document.
    pub(crate) async fn load<T: Document>(&self, id: &str) -> Result<Option<Versioned<T>>> {
        match self.store.doc(T::KIND, id).await? {
            Some(d) => Ok(Some(Versioned::decode(d)?)),
            None => Ok(None),
        }
    }

    async fn membership(&self, player: &PlayerId) -> Result<Option<Versioned<Membership>>> {
        self.load::<Membership>(player.as_str()).await
    }

    /// The party `player` is in, with the membership read. Errors: `NOT_IN_PARTY`.
    pub(crate) async fn own_party(
        &self,
        player: &PlayerId,
    ) -> Result<(Versioned<Party>, Versioned<Membership>)> {
        let m = self.membership(player).await?.ok_or_else(|| {
            Error::new(ErrorCode::NotInParty, format!("{player} is not in a party"))
        })?;
        let p = self
            .load::<Party>(&m.value.party_id)
            .await?
            .ok_or_else(|| Error::conflict("membership points at a party that is gone"))?;
        Ok((p, m))
    }

    async fn party_doc(&self, id: &str) -> Result<Versioned<Party>> {
        crate::types::check_text("party_id", id, 1, 128)?;
        self.load::<Party>(id)
            .await?
            .ok_or_else(|| Error::not_found("party", id))
    }

    /// Cancels the party's ticket, if it has one, into `cs` (SPEC.md: a change of
    /// membership cancels the party's ticket).
    pub(crate) async fn cancel_party_ticket(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        party: &Party,
        reason: &str,
    ) -> Result<()> {
        let Some(of) = self.load::<TicketOf>(party.leader.as_str()).await? else {
            return Ok(());
        };
        let Some(ticket) = self.load::<Ticket>(&of.value.ticket_id).await? else {
            return Ok(());
        };
        if ticket.value.party_id.as_deref() != Some(party.id.as_str()) {
            return Ok(());
        }
        self.cancel_ticket_into(ctx, cs, &ticket, reason).await
    }

    /// Deletes a ticket and its players' pointers into `cs`, with `ticket_cancelled`.
    pub(crate) async fn cancel_ticket_into(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        ticket: &Versioned<Ticket>,
        reason: &str,
    ) -> Result<()> {
        cs.docs.push(ticket.delete());
        for p in &ticket.value.players {
            if let Some(of) = self.load::<TicketOf>(p.as_str()).await? {
                if of.value.ticket_id == ticket.id {
                    cs.docs.push(of.delete());
                }
            }
        }
        cs.events.push(ctx.event(
            "ticket_cancelled",
            ticket.value.players.clone(),
            json!({ "ticket_id": ticket.id, "queue": ticket.value.queue, "reason": reason }),
        ));
        Ok(())
    }

    /// Creates a party led by `player` (open: joinable without invite). Errors: `ALREADY_IN_PARTY`.
    pub async fn create_party(&self, player: &PlayerId, open: bool) -> Result<Party> {
        self.retrying("create_party", |ctx: Ctx| {
            Box::pin(async move {
                let m = self.membership(player).await?;
                let mut cs = ChangeSet::default();
                let party = rules::create(&ctx, &mut cs, player, open, m.as_ref())?;
                Ok((cs, party))
            })
        })
        .await
    }

    /// The leader invites a player (expires after `party.invite_ttl_secs`). Errors:
    /// `NOT_IN_PARTY`, `NOT_PARTY_LEADER`, `PARTY_FULL`, `INVALID_ARGUMENT`, `BLOCKED`
    /// (the leader or the invitee has blocked the other; SPEC.md Friends).
    pub async fn invite_to_party(&self, leader: &PlayerId, invitee: &PlayerId) -> Result<Invite> {
        self.retrying("invite", |ctx: Ctx| {
            Box::pin(async move {
                let (mut party, _) = self.own_party(leader).await?;
                let mut cs = ChangeSet::default();
                let inv = rules::invite(
                    &self.config.party,
                    &ctx,
                    &mut cs,
                    &mut party,
                    leader,
                    invitee,
                )?;
                // SPEC.md Friends: a block either way stops party invites (checked
                // after the leader's own checks; the change set is then dropped).
                if self.blocked_between(leader, invitee).await? {
                    return Err(Error::new(
                        ErrorCode::Blocked,
                        format!("{leader} cannot invite {invitee}"),
                    )
                    .with_details(json!({ "player": leader, "other": invitee })));
                }
                Ok((cs, inv))
            })
        })
        .await
    }

    /// Accepts an invite. Errors: `NOT_FOUND`, `INVITE_EXPIRED`, `ALREADY_IN_PARTY`, `PARTY_FULL`.
    pub async fn accept_invite(&self, player: &PlayerId, party_id: &str) -> Result<Party> {
        self.retrying("accept_invite", |ctx: Ctx| {
            Box::pin(async move {
                let mut party = self.party_doc(party_id).await?;
                let m = self.membership(player).await?;
                let mut cs = ChangeSet::default();
                let p = rules::accept(
                    &self.config.party,
                    &ctx,
                    &mut cs,
                    &mut party,
                    player,
                    m.as_ref(),
                )?;
                self.cancel_party_ticket(&ctx, &mut cs, &p, "party_changed")
                    .await?;
                Ok((cs, p))
            })
        })
        .await
    }

    /// Declines an invite. Errors: `NOT_FOUND`.
    pub async fn decline_invite(&self, player: &PlayerId, party_id: &str) -> Result<()> {
        self.retrying("decline_invite", |ctx: Ctx| {
            Box::pin(async move {
                let mut party = self.party_doc(party_id).await?;
                let mut cs = ChangeSet::default();
                rules::decline(&ctx, &mut cs, &mut party, player)?;
                Ok((cs, ()))
            })
        })
        .await
    }

    /// Joins an open party. Errors: `NOT_FOUND`, `FORBIDDEN` (closed), `ALREADY_IN_PARTY`, `PARTY_FULL`.
    pub async fn join_party(&self, player: &PlayerId, party_id: &str) -> Result<Party> {
        self.retrying("join_party", |ctx: Ctx| {
            Box::pin(async move {
                let mut party = self.party_doc(party_id).await?;
                let m = self.membership(player).await?;
                let mut cs = ChangeSet::default();
                let p = rules::join(
                    &self.config.party,
                    &ctx,
                    &mut cs,
                    &mut party,
                    player,
                    m.as_ref(),
                )?;
                self.cancel_party_ticket(&ctx, &mut cs, &p, "party_changed")
                    .await?;
                Ok((cs, p))
            })
        })
        .await
    }

    /// Leaves the party (leadership passes to the longest-standing member; the last one
    /// out ends it). Returns the party left behind, if any. Errors: `NOT_IN_PARTY`.
    pub async fn leave_party(&self, player: &PlayerId) -> Result<Option<Party>> {
        self.retrying("leave_party", |ctx: Ctx| {
            Box::pin(async move {
                let (mut party, m) = self.own_party(player).await?;
                let before = party.value.clone();
                let mut cs = ChangeSet::default();
                let left = rules::leave(&ctx, &mut cs, &mut party, player, &m)?;
                self.cancel_party_ticket(&ctx, &mut cs, &before, "party_changed")
                    .await?;
                Ok((cs, left))
            })
        })
        .await
    }

    /// The leader kicks a member. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
    pub async fn kick_from_party(&self, leader: &PlayerId, target: &PlayerId) -> Result<Party> {
        self.retrying("kick", |ctx: Ctx| {
            Box::pin(async move {
                let (mut party, _) = self.own_party(leader).await?;
                let before = party.value.clone();
                // A target outside the party is refused by the rule (after the leader check).
                let tm = self
                    .membership(target)
                    .await?
                    .filter(|m| m.value.party_id == party.id)
                    .unwrap_or_else(|| {
                        Versioned::new(
                            target.as_str(),
                            Membership {
                                party_id: party.id.clone(),
                            },
                        )
                    });
                let mut cs = ChangeSet::default();
                let p = rules::kick(&ctx, &mut cs, &mut party, leader, target, &tm)?;
                self.cancel_party_ticket(&ctx, &mut cs, &before, "party_changed")
                    .await?;
                Ok((cs, p))
            })
        })
        .await
    }

    /// The leader promotes a member to leader. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
    pub async fn promote_in_party(&self, leader: &PlayerId, target: &PlayerId) -> Result<Party> {
        self.retrying("promote", |ctx: Ctx| {
            Box::pin(async move {
                let (mut party, _) = self.own_party(leader).await?;
                let before = party.value.clone();
                let mut cs = ChangeSet::default();
                let p = rules::promote(&ctx, &mut cs, &mut party, leader, target)?;
                // The ticket was queued by the old leader; a new leader re-queues.
                self.cancel_party_ticket(&ctx, &mut cs, &before, "party_changed")
                    .await?;
                Ok((cs, p))
            })
        })
        .await
    }

    /// The leader disbands the party. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
    pub async fn disband_party(&self, leader: &PlayerId) -> Result<()> {
        self.retrying("disband", |ctx: Ctx| {
            Box::pin(async move {
                let (party, _) = self.own_party(leader).await?;
                let mut memberships = Vec::new();
                for p in party.value.players() {
                    if let Some(m) = self.membership(&p).await? {
                        memberships.push(m);
                    }
                }
                let mut cs = ChangeSet::default();
                rules::disband(&ctx, &mut cs, &party, leader, &memberships)?;
                self.cancel_party_ticket(&ctx, &mut cs, &party.value, "party_disbanded")
                    .await?;
                Ok((cs, ()))
            })
        })
        .await
    }

    /// The party a player is in, if any.
    pub async fn party_of(&self, player: &PlayerId) -> Result<Option<Party>> {
        match self.membership(player).await? {
            Some(m) => Ok(self
                .load::<Party>(&m.value.party_id)
                .await?
                .map(|p| p.value)),
            None => Ok(None),
        }
    }

    /// One party. Errors: `NOT_FOUND`.
    pub async fn party(&self, party_id: &str) -> Result<Party> {
        Ok(self.party_doc(party_id).await?.value)
    }
}
