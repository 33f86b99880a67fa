//! Account recovery, verification and closing (SPEC.md "Account recovery and closing";
//! seeds 003, 004): one-time codes sent to an e-mail address or a phone (by SMTP, or as
//! a `code_issued` event delivered by the outbound webhooks), verified to link that
//! identity or to set a forgotten password (every token of the account signed out), and
//! closing (注销) and reopening an account. Decisions in [`crate::access::rules`].

use super::Guildhall;
use crate::access::rules::{self, CodeVerdict};
use crate::access::{
    AccountRecord, CodeChannel, CodePurpose, CodeRequest, CodeSent, Identity, IdentityLink,
    OneTimeCode, PlayerAccount, ResetPasswordRequest, VerifyIdentityRequest,
};
use crate::docs::Versioned;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ChangeSet;
use crate::types::PlayerId;
use crate::webhooks::CODE_ISSUED;
use chrono::Duration;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

fn salted(salt: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}:{code}").as_bytes()))
}

impl Guildhall {
    fn channel_for(&self, provider: &str) -> CodeChannel {
        if provider == "email" {
            self.config.recovery.email_channel
        } else {
            CodeChannel::Webhook
        }
    }

    /// Stores a new code for (`purpose`, address), replacing an earlier one, and sends
    /// it: by webhook, as a `code_issued` event in the same commit (no player listed, so
    /// no player's stream shows it); by SMTP after the commit. Limited to
    /// `codes_per_hour` per address (`RATE_LIMITED`).
    async fn issue_code(
        &self,
        purpose: CodePurpose,
        player: &PlayerId,
        provider: &str,
        subject: &str,
    ) -> Result<CodeSent> {
        let cfg = &self.config.recovery;
        let hit = self
            .coordinator
            .rate_hit(
                &format!("rl:code:{provider}:{subject}"),
                cfg.codes_per_hour,
                3600,
            )
            .await?;
        if !hit.allowed {
            return Err(Error::new(
                ErrorCode::RateLimited,
                "too many codes sent to this address; try again later",
            )
            .with_details(json!({ "retry_after_secs": hit.retry_after_secs })));
        }
        let code = rules::code_digits(cfg, rand::rngs::OsRng.next_u64());
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let salt = hex::encode(salt);
        let channel = self.channel_for(provider);
        let id = rules::code_id(purpose, provider, subject);
        let code_ref = &code;
        let sent = self
            .retrying("issue_code", |ctx| {
                let (id, salt) = (id.clone(), salt.clone());
                Box::pin(async move {
                    let expires_at = ctx.now + Duration::seconds(cfg.code_ttl_secs);
                    let record = OneTimeCode {
                        purpose,
                        player: player.clone(),
                        provider: provider.to_string(),
                        subject: subject.to_string(),
                        hash: salted(&salt, code_ref),
                        salt,
                        created_at: ctx.now,
                        expires_at,
                        attempts: 0,
                    };
                    let mut doc = Versioned::new(id.clone(), record);
                    if let Some(old) = self.load::<OneTimeCode>(&id).await? {
                        doc.version = old.version;
                    }
                    let mut cs = ChangeSet::default();
                    cs.docs.push(doc.put());
                    if channel == CodeChannel::Webhook {
                        cs.events.push(ctx.event(
                            CODE_ISSUED,
                            Vec::new(),
                            json!({
                                "purpose": purpose,
                                "player": player,
                                "provider": provider,
                                "to": subject,
                                "code": code_ref,
                                "expires_at": expires_at,
                            }),
                        ));
                    }
                    Ok((
                        cs,
                        CodeSent {
                            channel,
                            expires_at,
                        },
                    ))
                })
            })
            .await?;
        if channel == CodeChannel::Smtp {
            self.send_code_mail(purpose, subject, &code, cfg.code_ttl_secs)
                .await?;
        }
        Ok(sent)
    }

    async fn send_code_mail(
        &self,
        purpose: CodePurpose,
        to: &str,
        code: &str,
        ttl_secs: i64,
    ) -> Result<()> {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let cfg = &self.config.recovery;
        let what = match purpose {
            CodePurpose::Verify => "confirm this address",
            CodePurpose::Reset => "set a new password",
        };
        let bad = |e: String| Error::unavailable(format!("cannot send the code by e-mail: {e}"));
        let message = Message::builder()
            .from(cfg.smtp_from.parse().map_err(|e| bad(format!("{e}")))?)
            .to(to.parse().map_err(|e| bad(format!("{e}")))?)
            .subject(format!("Your code: {code}"))
            .body(format!(
                "Your code to {what} is {code}.\r\nIt is valid for {} minutes and can be used once.\r\nIf you did not ask for it, ignore this message.\r\n",
                ttl_secs / 60
            ))
            .map_err(|e| bad(format!("{e}")))?;
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.smtp_host)
            .port(cfg.smtp_port)
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        mailer
            .send(message)
            .await
            .map_err(|e| bad(format!("{e}")))?;
        Ok(())
    }

    /// Checks `code` against the stored code `id` inside a call's attempt: a wrong
    /// entry is counted (the last allowed one deletes the code), an expired code is
    /// deleted (both: `Err` with the change set to commit and the error to answer); a
    /// right one: `Ok` with the code and a change set deleting it, to which the caller
    /// adds its own changes. Errors: `CODE_INVALID` (no such code).
    async fn take_code(
        &self,
        id: &str,
        code: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<std::result::Result<(OneTimeCode, ChangeSet), (ChangeSet, Error)>> {
        let mut doc = self
            .load::<OneTimeCode>(id)
            .await?
            .ok_or_else(rules::no_code)?;
        let matches = rules::digests_equal(&doc.value.hash, &salted(&doc.value.salt, code));
        let mut cs = ChangeSet::default();
        Ok(
            match rules::code_verdict(&self.config.recovery, &doc.value, matches, now) {
                CodeVerdict::Expired(e) => {
                    cs.docs.push(doc.delete());
                    Err((cs, e))
                }
                CodeVerdict::Wrong { spent, error } => {
                    if spent {
                        cs.docs.push(doc.delete());
                    } else {
                        doc.value.attempts += 1;
                        cs.docs.push(doc.put());
                    }
                    Err((cs, error))
                }
                CodeVerdict::Accept => {
                    cs.docs.push(doc.delete());
                    Ok((doc.value, cs))
                }
            },
        )
    }

    /// Sends a code to an address to prove `player` owns it (SPEC.md: verify an e-mail
    /// or phone identity). Errors: `INVALID_ARGUMENT` (not an address; it belongs to
    /// another account: `details.reason = "taken"`), `NOT_FOUND` (no account),
    /// `RATE_LIMITED`, `UNAVAILABLE` (the e-mail could not be handed to the server).
    pub async fn start_verification(
        &self,
        player: &PlayerId,
        req: CodeRequest,
    ) -> Result<CodeSent> {
        let (provider, subject) = rules::address(&req.provider, &req.subject)?;
        let account = self
            .load::<AccountRecord>(player.as_str())
            .await?
            .ok_or_else(|| Error::not_found("account", player.as_str()))?;
        if account.value.closed_at.is_some() {
            return Err(rules::closed_error());
        }
        if let Some(link) = self
            .load::<IdentityLink>(&rules::identity_id(&provider, &subject))
            .await?
        {
            if &link.value.player != player {
                return Err(taken(&provider));
            }
        }
        self.issue_code(CodePurpose::Verify, player, &provider, &subject)
            .await
    }

    /// Links the address to `player` with the code sent by
    /// [`Guildhall::start_verification`]; emits `identity_linked` {provider, subject,
    /// verified: true}. Linking an address the account already has succeeds again.
    /// Errors: `CODE_INVALID`, `CODE_EXPIRED`, `INVALID_ARGUMENT` (taken meanwhile),
    /// `NOT_FOUND` (no account).
    pub async fn verify_identity(
        &self,
        player: &PlayerId,
        req: VerifyIdentityRequest,
    ) -> Result<PlayerAccount> {
        let (provider, subject) = rules::address(&req.provider, &req.subject)?;
        let id = rules::code_id(CodePurpose::Verify, &provider, &subject);
        let (provider, subject, id) = (&provider, &subject, &id);
        let code_given = req.code.as_str();
        let outcome = self
            .retrying("verify_identity", |ctx| {
                Box::pin(async move {
                    let (code, mut cs) = match self.take_code(id, code_given, ctx.now).await? {
                        Ok(x) => x,
                        Err((cs, e)) => return Ok((cs, Err(e))),
                    };
                    if &code.player != player {
                        return Err(rules::no_code());
                    }
                    let mut account = self
                        .load::<AccountRecord>(player.as_str())
                        .await?
                        .ok_or_else(|| Error::not_found("account", player.as_str()))?;
                    let link_id = rules::identity_id(provider, subject);
                    match self.load::<IdentityLink>(&link_id).await? {
                        Some(l) if &l.value.player != player => return Err(taken(provider)),
                        Some(_) => {}
                        None => cs.docs.push(
                            Versioned::new(
                                link_id,
                                IdentityLink {
                                    player: player.clone(),
                                },
                            )
                            .put(),
                        ),
                    }
                    if !account
                        .value
                        .identities
                        .iter()
                        .any(|i| &i.provider == provider && &i.subject == subject)
                    {
                        account.value.identities.push(Identity {
                            provider: provider.clone(),
                            subject: subject.clone(),
                            linked_at: ctx.now,
                        });
                        cs.docs.push(account.put());
                    }
                    cs.events.push(ctx.event(
                        "identity_linked",
                        vec![player.clone()],
                        json!({ "provider": provider, "subject": subject, "verified": true }),
                    ));
                    Ok((cs, Ok(account.value.view(ctx.now))))
                })
            })
            .await?;
        outcome
    }

    /// Sends a password-reset code to an address linked to an account. An address
    /// linked to no account (or to a closed one) answers the same, and nothing is sent,
    /// so the call tells nobody which addresses have accounts. Errors:
    /// `INVALID_ARGUMENT` (not an address), `RATE_LIMITED`, `UNAVAILABLE`.
    pub async fn start_password_reset(&self, req: CodeRequest) -> Result<CodeSent> {
        let (provider, subject) = rules::address(&req.provider, &req.subject)?;
        let link = self
            .load::<IdentityLink>(&rules::identity_id(&provider, &subject))
            .await?;
        let account = match &link {
            Some(l) => self.load::<AccountRecord>(l.value.player.as_str()).await?,
            None => None,
        };
        match account.filter(|a| a.value.closed_at.is_none()) {
            Some(a) => {
                self.issue_code(CodePurpose::Reset, &a.value.player, &provider, &subject)
                    .await
            }
            None => Ok(CodeSent {
                channel: self.channel_for(&provider),
                expires_at: self.clock.now()
                    + Duration::seconds(self.config.recovery.code_ttl_secs),
            }),
        }
    }

    /// Sets a new password with the code sent by [`Guildhall::start_password_reset`]:
    /// every access and refresh token of the account issued before now is refused from
    /// now on. Emits `password_changed` {reason: "reset"}. Errors: `CODE_INVALID`,
    /// `CODE_EXPIRED`, `INVALID_ARGUMENT` (password), `FORBIDDEN` (closed account).
    pub async fn reset_password(&self, req: ResetPasswordRequest) -> Result<PlayerAccount> {
        rules::password(&self.config.accounts, &req.new_password)?;
        let (provider, subject) = rules::address(&req.provider, &req.subject)?;
        let hash = super::access::hash_password(req.new_password.clone()).await?;
        let id = rules::code_id(CodePurpose::Reset, &provider, &subject);
        let (hash, id, code_given) = (&hash, &id, req.code.as_str());
        let outcome = self
            .retrying("reset_password", |ctx| {
                Box::pin(async move {
                    let (code, mut cs) = match self.take_code(id, code_given, ctx.now).await? {
                        Ok(x) => x,
                        Err((cs, e)) => return Ok((cs, Err(e))),
                    };
                    let mut account = self
                        .load::<AccountRecord>(code.player.as_str())
                        .await?
                        .ok_or_else(rules::no_code)?;
                    if account.value.closed_at.is_some() {
                        return Err(rules::closed_error());
                    }
                    account.value.password_hash = Some(hash.clone());
                    account.value.tokens_valid_after = Some(ctx.now);
                    cs.docs.push(account.put());
                    cs.events.push(ctx.event(
                        "password_changed",
                        vec![code.player.clone()],
                        json!({ "reason": "reset", "provider": code.provider }),
                    ));
                    Ok((cs, Ok(account.value.view(ctx.now))))
                })
            })
            .await?;
        outcome
    }

    /// Closes an account (seed 003: 注销): every token is signed out, its identities
    /// are unlinked so the same name, e-mail or phone can register again, its wallet,
    /// inventory and ledger stay for the audit. It can be reopened within
    /// `[recovery] reopen_grace_secs`. `password`, when given, must be the account's.
    /// Emits `account_closed` {reopen_until}. Closing a closed account changes nothing.
    /// Errors: `NOT_FOUND`, `UNAUTHENTICATED` (wrong password).
    pub async fn close_account(
        &self,
        player: &PlayerId,
        password: Option<&str>,
    ) -> Result<PlayerAccount> {
        let account = self
            .load::<AccountRecord>(player.as_str())
            .await?
            .ok_or_else(|| Error::not_found("account", player.as_str()))?;
        if let Some(pw) = password {
            if !super::access::verify_password(pw.to_string(), account.value.password_hash.clone())
                .await
            {
                return Err(Error::new(ErrorCode::Unauthenticated, "wrong password"));
            }
        }
        let grace = self.config.recovery.reopen_grace_secs;
        self.retrying("close_account", |ctx| {
            Box::pin(async move {
                let mut account = self
                    .load::<AccountRecord>(player.as_str())
                    .await?
                    .ok_or_else(|| Error::not_found("account", player.as_str()))?;
                let mut cs = ChangeSet::default();
                if account.value.closed_at.is_some() {
                    return Ok((cs, account.value.view(ctx.now)));
                }
                for i in &account.value.identities {
                    if let Some(link) = self
                        .load::<IdentityLink>(&rules::identity_id(&i.provider, &i.subject))
                        .await?
                    {
                        if &link.value.player == player {
                            cs.docs.push(link.delete());
                        }
                    }
                }
                account.value.closed_at = Some(ctx.now);
                account.value.tokens_valid_after = Some(ctx.now);
                cs.docs.push(account.put());
                cs.events.push(ctx.event(
                    "account_closed",
                    vec![player.clone()],
                    json!({ "reopen_until": ctx.now + Duration::seconds(grace) }),
                ));
                Ok((cs, account.value.view(ctx.now)))
            })
        })
        .await
    }

    /// Reopens a closed account within the grace period: its identities are linked
    /// again, except those another account took meanwhile (dropped, and listed in the
    /// event). `password`, when given, must be the account's. Emits `account_reopened`
    /// {dropped}. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (not closed), `FORBIDDEN`
    /// (grace period over: `details.reason = "grace_over"`), `UNAUTHENTICATED` (wrong
    /// password).
    pub async fn reopen_account(
        &self,
        player: &PlayerId,
        password: Option<&str>,
    ) -> Result<PlayerAccount> {
        let account = self
            .load::<AccountRecord>(player.as_str())
            .await?
            .ok_or_else(|| Error::not_found("account", player.as_str()))?;
        if let Some(pw) = password {
            if !super::access::verify_password(pw.to_string(), account.value.password_hash.clone())
                .await
            {
                return Err(Error::new(
                    ErrorCode::Unauthenticated,
                    "wrong player or password",
                ));
            }
        }
        let grace = Duration::seconds(self.config.recovery.reopen_grace_secs);
        self.retrying("reopen_account", |ctx| {
            Box::pin(async move {
                let mut account = self
                    .load::<AccountRecord>(player.as_str())
                    .await?
                    .ok_or_else(|| Error::not_found("account", player.as_str()))?;
                let Some(closed) = account.value.closed_at else {
                    return Err(Error::invalid("player", "this account is not closed"));
                };
                if ctx.now > closed + grace {
                    return Err(Error::new(
                        ErrorCode::Forbidden,
                        "the grace period to reopen this account is over",
                    )
                    .with_details(json!({ "reason": "grace_over" })));
                }
                let mut cs = ChangeSet::default();
                let mut kept = Vec::new();
                let mut dropped = Vec::new();
                for i in std::mem::take(&mut account.value.identities) {
                    let link_id = rules::identity_id(&i.provider, &i.subject);
                    match self.load::<IdentityLink>(&link_id).await? {
                        Some(l) if &l.value.player != player => dropped.push(i),
                        Some(_) => kept.push(i),
                        None => {
                            cs.docs.push(
                                Versioned::new(
                                    link_id,
                                    IdentityLink {
                                        player: player.clone(),
                                    },
                                )
                                .put(),
                            );
                            kept.push(i);
                        }
                    }
                }
                account.value.identities = kept;
                account.value.closed_at = None;
                cs.docs.push(account.put());
                cs.events.push(ctx.event(
                    "account_reopened",
                    vec![player.clone()],
                    json!({ "dropped": dropped }),
                ));
                Ok((cs, account.value.view(ctx.now)))
            })
        })
        .await
    }

    /// A player's account activity, newest last: the account events (`account_registered`,
    /// `logged_in`, `password_changed`, `signed_out`, `account_closed`,
    /// `account_reopened`, `identity_linked`, `player_banned`, `player_unbanned`) still in
    /// the outbox (seed 003's behaviour log), at most `limit` (1-1000).
    pub async fn account_activity(
        &self,
        player: &PlayerId,
        limit: u32,
    ) -> Result<Vec<crate::types::Event>> {
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 1000"));
        }
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.player_events_after(player, after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            out.extend(
                page.into_iter()
                    .filter(|e| ACCOUNT_EVENTS.contains(&e.kind.as_str())),
            );
            if out.len() > limit as usize {
                out.drain(..out.len() - limit as usize);
            }
        }
        Ok(out)
    }
}

/// The kinds of account activity events.
pub const ACCOUNT_EVENTS: &[&str] = &[
    "account_registered",
    "logged_in",
    "password_changed",
    "signed_out",
    "account_closed",
    "account_reopened",
    "identity_linked",
    "player_banned",
    "player_unbanned",
];

fn taken(provider: &str) -> Error {
    Error::invalid(
        "subject",
        format!("this {provider} address belongs to another account"),
    )
    .with_details(json!({ "field": "subject", "reason": "taken" }))
}
