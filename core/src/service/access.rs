//! Account and access services (SPEC.md "Accounts and access"): registration, logins
//! (password, device, vouched identity), refresh-token rotation with family revocation,
//! password change, bans and whitelist (seed 003), API keys. Decisions in
//! [`crate::access::rules`]; every write is a guarded document change set through the
//! one write path, so two hosts cannot both claim a username or spend one refresh token.

use super::access_cache::Cached;
use super::Guildhall;
use crate::access::rules::{self, Rotation};
use crate::access::{
    AccountRecord, ApiKeyInfo, ApiKeyRecord, Ban, BanRequest, Identity, IdentityLink,
    IdentityLoginRequest, LoginGrant, NewApiKey, PlayerAccount, RefreshFamily, RefreshRecord,
    RegisterRequest,
};
use crate::ctx::Ctx;
use crate::docs::{Document, Versioned};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ChangeSet;
use crate::types::{check_text, PlayerId};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Cache key of an account or API key document (dropped by `commit_changes` when the
/// document is written).
pub(crate) fn doc_cache_key(kind: &str, id: &str) -> String {
    format!("doc:{kind}:{id}")
}

/// argon2id with the argon2 crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's
/// minimum for argon2id), on a blocking thread.
pub(super) async fn hash_password(pw: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::unavailable(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::unavailable(format!("password hashing failed: {e}")))?
}

/// Verifies on a blocking thread; a missing hash is checked against a fixed dummy, so
/// an unknown username takes as long as a wrong password.
pub(super) async fn verify_password(pw: String, phc: Option<String>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    let salt = SaltString::generate(&mut OsRng);
                    Argon2::default()
                        .hash_password(b"guildhall-dummy-password", &salt)
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let ok = PasswordHash::new(&phc)
            .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
            .unwrap_or(false);
        known && ok
    })
    .await
    .unwrap_or(false)
}

fn wrong_login() -> Error {
    Error::new(ErrorCode::Unauthenticated, "wrong username or password")
}

impl Guildhall {
    /// An API key, account, character or leaderboard definition as the in-process
    /// access cache holds it (`None`: no such record), read from the store on a miss
    /// (`access_cache.rs`). Errors: `UNAVAILABLE` (the store).
    pub(super) async fn access_record<T: Cached>(&self, id: &str) -> Result<Option<Arc<T>>> {
        let epoch = match self.access_cache.get::<T>(id) {
            Ok(hit) => return Ok(hit),
            Err(epoch) => epoch,
        };
        self.access_cache
            .watch(&self.store, || self.coordinator.access_changes());
        let value = self.load::<T>(id).await?.map(|d| Arc::new(d.value));
        self.access_cache.keep(id, epoch, value.clone());
        Ok(value)
    }

    async fn account_doc(&self, player: &PlayerId) -> Result<Option<Versioned<AccountRecord>>> {
        self.load::<AccountRecord>(player.as_str()).await
    }

    /// Issues a refresh token of a new family (or of `family`) into `cs`; returns it
    /// with its expiry.
    fn refresh_into(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        player: &PlayerId,
        family: Option<String>,
    ) -> (String, DateTime<Utc>) {
        let family = family.unwrap_or_else(|| {
            let id = ctx.id();
            cs.docs.push(
                Versioned::new(
                    id.clone(),
                    RefreshFamily {
                        player: player.clone(),
                        created_at: ctx.now,
                        revoked_at: None,
                        revoked_reason: None,
                    },
                )
                .put(),
            );
            id
        });
        let token = format!("{}{}", rules::REFRESH_PREFIX, random_hex(32));
        let expires_at = ctx.now + Duration::seconds(self.config.accounts.refresh_ttl_secs);
        cs.docs.push(
            Versioned::new(
                sha256_hex(&token),
                RefreshRecord {
                    player: player.clone(),
                    family,
                    issued_at: ctx.now,
                    expires_at,
                    spent_at: None,
                },
            )
            .put(),
        );
        (token, expires_at)
    }

    /// Creates a password account under a new player id (a UUID) with the identity
    /// `username:<name>`, and logs it in. Errors: `INVALID_ARGUMENT` (bad username or
    /// password; `details.reason = "taken"` when the username is in use); `FORBIDDEN`
    /// in whitelist mode (an operator must list the player first: create accounts with
    /// [`Guildhall::login_identity`] and whitelist them).
    pub async fn register_account(&self, req: RegisterRequest) -> Result<LoginGrant> {
        let name = rules::username(&req.username)?;
        rules::password(&self.config.accounts, &req.password)?;
        if self.config.accounts.whitelist {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "this server admits whitelisted players only; ask an operator for an account",
            ));
        }
        let hash = hash_password(req.password).await?;
        let link_id = rules::identity_id("username", &name);
        self.retrying("register_account", |ctx| {
            let (hash, name, link_id) = (hash.clone(), name.clone(), link_id.clone());
            Box::pin(async move {
                if self.load::<IdentityLink>(&link_id).await?.is_some() {
                    return Err(Error::invalid("username", "this username is taken")
                        .with_details(json!({ "field": "username", "reason": "taken" })));
                }
                let player = PlayerId::new(uuid::Uuid::new_v4().to_string())?;
                let mut account = rules::new_account(player.clone(), ctx.now);
                account.password_hash = Some(hash);
                account.identities.push(Identity {
                    provider: "username".into(),
                    subject: name,
                    linked_at: ctx.now,
                });
                let mut cs = ChangeSet::default();
                cs.docs.push(
                    Versioned::new(
                        link_id,
                        IdentityLink {
                            player: player.clone(),
                        },
                    )
                    .put(),
                );
                cs.docs
                    .push(Versioned::new(player.as_str(), account.clone()).put());
                cs.events.push(ctx.event(
                    "account_registered",
                    vec![player.clone()],
                    json!({ "method": "password", "username": account.identities[0].subject }),
                ));
                let (refresh_token, refresh_expires_at) =
                    self.refresh_into(&ctx, &mut cs, &player, None);
                Ok((
                    cs,
                    LoginGrant {
                        account: account.view(ctx.now),
                        refresh_token,
                        refresh_expires_at,
                        created: true,
                    },
                ))
            })
        })
        .await
    }

    /// Logs in with a username and password. Errors: `UNAUTHENTICATED` ("wrong username
    /// or password", the same for an unknown name); `BANNED`; `FORBIDDEN` (whitelist).
    pub async fn login_password(&self, username: &str, password: &str) -> Result<LoginGrant> {
        let name = rules::username(username).map_err(|_| wrong_login())?;
        let link = self
            .load::<IdentityLink>(&rules::identity_id("username", &name))
            .await?;
        let account = match &link {
            Some(l) => self.account_doc(&l.value.player).await?,
            None => None,
        };
        let phc = account.as_ref().and_then(|a| a.value.password_hash.clone());
        if !verify_password(password.to_string(), phc).await {
            return Err(wrong_login());
        }
        let account = account.ok_or_else(wrong_login)?;
        rules::may_log_in(&self.config.accounts, &account.value, self.clock.now())?;
        self.new_session(&account.value).await
    }

    /// A new refresh-token family for a password login; emits `logged_in` {method}.
    async fn new_session(&self, account: &AccountRecord) -> Result<LoginGrant> {
        let player = account.player.clone();
        self.retrying("login", |ctx| {
            let player = player.clone();
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                self.mark_active(&ctx, &mut cs, &player).await?;
                let (refresh_token, refresh_expires_at) =
                    self.refresh_into(&ctx, &mut cs, &player, None);
                cs.events.push(ctx.event(
                    "logged_in",
                    vec![player.clone()],
                    json!({ "method": "password" }),
                ));
                let account = self
                    .account_doc(&player)
                    .await?
                    .ok_or_else(|| Error::not_found("account", player.as_str()))?;
                Ok((
                    cs,
                    LoginGrant {
                        account: account.value.view(ctx.now),
                        refresh_token,
                        refresh_expires_at,
                        created: false,
                    },
                ))
            })
        })
        .await
    }

    /// Logs in by an identity: a device id (`provider = "device"`) or an identity a
    /// trusted server vouches for (`discord`, `steam`, `altv`, `email`, ...). An identity
    /// seen for the first time creates its account (under `req.player`, or a new UUID)
    /// or links to that player's existing account. Errors: `INVALID_ARGUMENT` (bad
    /// provider/subject/player; `player` given but the identity belongs to another);
    /// `BANNED`; `FORBIDDEN` (whitelist mode, player not listed).
    pub async fn login_identity(&self, req: IdentityLoginRequest) -> Result<LoginGrant> {
        let (provider, subject) = rules::identity(&req.provider, &req.subject)?;
        if provider == "username" {
            return Err(Error::invalid(
                "provider",
                "username identities log in with a password",
            ));
        }
        let link_id = rules::identity_id(&provider, &subject);
        let wanted = req.player.clone();
        let cfg = self.config.accounts.clone();
        self.retrying("login_identity", |ctx| {
            let (provider, subject, link_id, wanted) = (
                provider.clone(),
                subject.clone(),
                link_id.clone(),
                wanted.clone(),
            );
            let cfg = cfg.clone();
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                let link = self.load::<IdentityLink>(&link_id).await?;
                let (player, created) = match (&link, &wanted) {
                    (Some(l), Some(w)) if &l.value.player != w => {
                        return Err(Error::invalid(
                            "player",
                            format!("this {provider} identity belongs to another player"),
                        ))
                    }
                    (Some(l), _) => (l.value.player.clone(), false),
                    (None, w) => (
                        match w {
                            Some(w) => w.clone(),
                            None => PlayerId::new(uuid::Uuid::new_v4().to_string())?,
                        },
                        true,
                    ),
                };
                let doc = self.account_doc(&player).await?;
                let account_created = doc.is_none();
                let mut account = doc.unwrap_or_else(|| {
                    Versioned::new(player.as_str(), rules::new_account(player.clone(), ctx.now))
                });
                if created {
                    cs.docs.push(
                        Versioned::new(
                            link_id,
                            IdentityLink {
                                player: player.clone(),
                            },
                        )
                        .put(),
                    );
                    if account_created {
                        cs.events.push(ctx.event(
                            "account_registered",
                            vec![player.clone()],
                            json!({ "method": provider }),
                        ));
                    }
                    cs.events.push(ctx.event(
                        "identity_linked",
                        vec![player.clone()],
                        json!({ "provider": provider, "subject": subject, "verified": false }),
                    ));
                    account.value.identities.push(Identity {
                        provider: provider.clone(),
                        subject,
                        linked_at: ctx.now,
                    });
                    cs.docs.push(account.put());
                }
                rules::may_log_in(&cfg, &account.value, ctx.now)?;
                self.mark_active(&ctx, &mut cs, &player).await?;
                cs.events.push(ctx.event(
                    "logged_in",
                    vec![player.clone()],
                    json!({ "method": provider }),
                ));
                let (refresh_token, refresh_expires_at) =
                    self.refresh_into(&ctx, &mut cs, &player, None);
                Ok((
                    cs,
                    LoginGrant {
                        account: account.value.view(ctx.now),
                        refresh_token,
                        refresh_expires_at,
                        created: account_created,
                    },
                ))
            })
        })
        .await
    }

    /// Exchanges a refresh token for its successor (rotation). Presenting a token that
    /// was already exchanged revokes its whole family (every session of that login) and
    /// fails. Errors: `UNAUTHENTICATED` (unknown, expired, signed out, reused);
    /// `BANNED`; `FORBIDDEN` (whitelist).
    pub async fn rotate_refresh_token(&self, token: &str) -> Result<LoginGrant> {
        let id = self.refresh_id(token)?;
        let cfg = self.config.accounts.clone();
        let outcome = self
            .retrying("rotate_refresh_token", |ctx| {
                let (id, cfg) = (id.clone(), cfg.clone());
                Box::pin(async move {
                    let unknown = || Error::new(ErrorCode::Unauthenticated, "unknown refresh token");
                    let mut rec = self.load::<RefreshRecord>(&id).await?.ok_or_else(unknown)?;
                    let mut family = self.load::<RefreshFamily>(&rec.value.family).await?;
                    let mut cs = ChangeSet::default();
                    match rules::rotation(&rec.value, family.as_ref().map(|f| &f.value), ctx.now) {
                        Rotation::Refuse(e) => return Err(e),
                        Rotation::Reuse => {
                            let f = family.as_mut().ok_or_else(unknown)?;
                            f.value.revoked_at = Some(ctx.now);
                            f.value.revoked_reason = Some("reuse".into());
                            cs.docs.push(f.put());
                            tracing::warn!(player = %rec.value.player, family = %f.id, "refresh token reused; its family is revoked");
                            return Ok((cs, Err(rules::reuse_error())));
                        }
                        Rotation::Rotate => {}
                    }
                    let account = self
                        .account_doc(&rec.value.player)
                        .await?
                        .ok_or_else(unknown)?;
                    rules::may_log_in(&cfg, &account.value, ctx.now)?;
                    if let Some(after) = account.value.tokens_valid_after {
                        if rec.value.issued_at < after {
                            return Err(Error::new(ErrorCode::Unauthenticated, "this refresh token was signed out"));
                        }
                    }
                    rec.value.spent_at = Some(ctx.now);
                    cs.docs.push(rec.put());
                    self.mark_active(&ctx, &mut cs, &rec.value.player).await?;
                    let (refresh_token, refresh_expires_at) = self.refresh_into(
                        &ctx,
                        &mut cs,
                        &rec.value.player,
                        Some(rec.value.family.clone()),
                    );
                    Ok((
                        cs,
                        Ok(LoginGrant {
                            account: account.value.view(ctx.now),
                            refresh_token,
                            refresh_expires_at,
                            created: false,
                        }),
                    ))
                })
            })
            .await?;
        outcome
    }

    fn refresh_id(&self, token: &str) -> Result<String> {
        token
            .strip_prefix(rules::REFRESH_PREFIX)
            .filter(|s| s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| Error::new(ErrorCode::Unauthenticated, "malformed refresh token"))?;
        Ok(sha256_hex(token))
    }

    /// Logs out: revokes the refresh token's family. `player`, when given, must own it.
    /// Idempotent (an already revoked family stays revoked). Errors: `UNAUTHENTICATED`
    /// (unknown token), `FORBIDDEN` (another player's token).
    pub async fn revoke_refresh_token(&self, token: &str, player: Option<&PlayerId>) -> Result<()> {
        let id = self.refresh_id(token)?;
        self.retrying("revoke_refresh_token", |ctx| {
            let id = id.clone();
            Box::pin(async move {
                let rec = self.load::<RefreshRecord>(&id).await?.ok_or_else(|| {
                    Error::new(ErrorCode::Unauthenticated, "unknown refresh token")
                })?;
                if player.is_some_and(|p| p != &rec.value.player) {
                    return Err(Error::new(
                        ErrorCode::Forbidden,
                        "this refresh token belongs to another player",
                    ));
                }
                let mut cs = ChangeSet::default();
                if let Some(mut f) = self.load::<RefreshFamily>(&rec.value.family).await? {
                    if f.value.revoked_at.is_none() {
                        f.value.revoked_at = Some(ctx.now);
                        f.value.revoked_reason = Some("logout".into());
                        cs.docs.push(f.put());
                        cs.events.push(ctx.event(
                            "signed_out",
                            vec![rec.value.player.clone()],
                            json!({ "scope": "session" }),
                        ));
                    }
                }
                Ok((cs, ()))
            })
        })
        .await
    }

    /// Changes a player's password (the current one must match) and signs out every
    /// token issued before now (access and refresh). Errors: `UNAUTHENTICATED` (wrong
    /// current password), `INVALID_ARGUMENT` (new password), `NOT_FOUND` (no account).
    pub async fn change_password(&self, player: &PlayerId, current: &str, new: &str) -> Result<()> {
        rules::password(&self.config.accounts, new)?;
        let account = self
            .account_doc(player)
            .await?
            .ok_or_else(|| Error::not_found("account", player.as_str()))?;
        if !verify_password(current.to_string(), account.value.password_hash.clone()).await {
            return Err(Error::new(
                ErrorCode::Unauthenticated,
                "wrong current password",
            ));
        }
        let hash = hash_password(new.to_string()).await?;
        self.update_account("change_password", player, false, move |a, ctx| {
            a.password_hash = Some(hash.clone());
            a.tokens_valid_after = Some(ctx.now);
            Ok(Some(ctx.event(
                "password_changed",
                vec![a.player.clone()],
                json!({ "reason": "change" }),
            )))
        })
        .await
        .map(|_| ())
    }

    /// Signs a player out everywhere: every access and refresh token issued before now
    /// is refused. Errors: `NOT_FOUND` (no account).
    pub async fn sign_out_everywhere(&self, player: &PlayerId) -> Result<PlayerAccount> {
        self.update_account("sign_out_everywhere", player, false, |a, ctx| {
            a.tokens_valid_after = Some(ctx.now);
            Ok(Some(ctx.event(
                "signed_out",
                vec![a.player.clone()],
                json!({ "scope": "everywhere" }),
            )))
        })
        .await
    }

    /// Reads, changes and writes one account under its version (`create`: an absent
    /// account is created first), with the event `change` returns.
    async fn update_account<F>(
        &self,
        op: &str,
        player: &PlayerId,
        create: bool,
        change: F,
    ) -> Result<PlayerAccount>
    where
        F: Fn(&mut AccountRecord, &Ctx) -> Result<Option<crate::types::Event>> + Send + Sync,
    {
        let change = &change;
        self.retrying(op, |ctx| {
            Box::pin(async move {
                let mut account = match self.account_doc(player).await? {
                    Some(a) => a,
                    None if create => {
                        Versioned::new(player.as_str(), rules::new_account(player.clone(), ctx.now))
                    }
                    None => return Err(Error::not_found("account", player.as_str())),
                };
                let event = change(&mut account.value, &ctx)?;
                let mut cs = ChangeSet::default();
                cs.docs.push(account.put());
                cs.events.extend(event);
                Ok((cs, account.value.view(ctx.now)))
            })
        })
        .await
    }

    /// Bans a player (creating the account record if the player has none yet): every
    /// token they hold stops working and they cannot log in until `until` (or an
    /// unban). Emits `player_banned` {reason, until, by}. Errors: `INVALID_ARGUMENT`
    /// (reason 1-500 bytes; `until` in the past).
    pub async fn ban_player(
        &self,
        player: &PlayerId,
        req: BanRequest,
        by: &str,
    ) -> Result<PlayerAccount> {
        check_text("reason", &req.reason, 1, 500)?;
        if req.until.is_some_and(|u| u <= self.clock.now()) {
            return Err(Error::invalid("until", "until must be in the future"));
        }
        let by = by.to_string();
        self.update_account("ban_player", player, true, move |a, ctx| {
            a.ban = Some(Ban {
                reason: req.reason.clone(),
                by: by.clone(),
                at: ctx.now,
                until: req.until,
            });
            a.tokens_valid_after = Some(ctx.now);
            Ok(Some(ctx.event(
                "player_banned",
                vec![a.player.clone()],
                json!({ "reason": req.reason, "until": req.until, "by": by }),
            )))
        })
        .await
    }

    /// Lifts a player's ban. Emits `player_unbanned`. Errors: `NOT_FOUND` (no account).
    pub async fn unban_player(&self, player: &PlayerId, by: &str) -> Result<PlayerAccount> {
        let by = by.to_string();
        self.update_account("unban_player", player, false, move |a, ctx| {
            let was = a.ban.take();
            Ok(was.map(|_| {
                ctx.event(
                    "player_unbanned",
                    vec![a.player.clone()],
                    json!({ "by": by }),
                )
            }))
        })
        .await
    }

    /// Lists or unlists a player for whitelist mode (creating the account record if
    /// needed).
    pub async fn set_whitelisted(&self, player: &PlayerId, listed: bool) -> Result<PlayerAccount> {
        self.update_account("set_whitelisted", player, listed, move |a, _| {
            a.whitelisted = listed;
            Ok(None)
        })
        .await
    }

    /// A player's account. Errors: `NOT_FOUND`.
    pub async fn account(&self, player: &PlayerId) -> Result<PlayerAccount> {
        let now = self.clock.now();
        self.account_doc(player)
            .await?
            .map(|a| a.value.view(now))
            .ok_or_else(|| Error::not_found("account", player.as_str()))
    }

    /// The account an identity is linked to (`username`, `discord`, `device`, ...).
    /// Errors: `INVALID_ARGUMENT`, `NOT_FOUND`.
    pub async fn find_account(&self, provider: &str, subject: &str) -> Result<PlayerAccount> {
        let (provider, subject) = rules::identity(provider, subject)?;
        let id = rules::identity_id(&provider, &subject);
        let link = self
            .load::<IdentityLink>(&id)
            .await?
            .ok_or_else(|| Error::not_found("identity", &id))?;
        self.account(&link.value.player).await
    }

    /// Whether `player` may act now with a token issued at `issued_at` (`None`: a
    /// trusted server acting for them). A player with no account record may act (ids
    /// of embedding games need no account). Served from this process's memory after
    /// the first read; a ban or sign-out made by any process takes effect within 1 s
    /// (at once with Redis; `access_cache.rs`). Errors: `BANNED`, `UNAUTHENTICATED`.
    pub async fn check_player_access(
        &self,
        player: &PlayerId,
        issued_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        match self.access_record::<AccountRecord>(player.as_str()).await? {
            Some(a) => rules::may_act(&a, issued_at, self.clock.now()),
            None => Ok(()),
        }
    }

    /// Creates an API key for a trusted server. The full key (`ghk_<id>_<secret>`) is in
    /// the result only; the store keeps the SHA-256 of the secret. Errors:
    /// `INVALID_ARGUMENT` (name 1-64 bytes; unknown scope).
    pub async fn create_api_key(&self, name: &str, scopes: &[String]) -> Result<NewApiKey> {
        check_text("name", name, 1, 64)?;
        let scopes = rules::scopes(scopes)?;
        let name = name.to_string();
        self.retrying("create_api_key", |ctx| {
            let (name, scopes) = (name.clone(), scopes.clone());
            Box::pin(async move {
                let id = random_hex(6);
                let secret = random_hex(32);
                let record = ApiKeyRecord {
                    id: id.clone(),
                    name,
                    scopes,
                    secret_sha256: sha256_hex(&secret),
                    created_at: ctx.now,
                    revoked_at: None,
                };
                let mut cs = ChangeSet::default();
                cs.docs
                    .push(Versioned::new(id.clone(), record.clone()).put());
                Ok((
                    cs,
                    NewApiKey {
                        info: ApiKeyInfo::from(&record),
                        key: format!("{}{id}_{secret}", rules::API_KEY_PREFIX),
                    },
                ))
            })
        })
        .await
    }

    /// Checks an API key, served from this process's memory after the first read; a
    /// revocation made by any process takes effect within 1 s (at once with Redis).
    /// Errors: `UNAUTHENTICATED` (malformed, unknown, wrong secret, revoked).
    pub async fn authenticate_api_key(&self, key: &str) -> Result<ApiKeyInfo> {
        let (id, secret) = rules::split_api_key(key)?;
        let record = self.access_record::<ApiKeyRecord>(id).await?;
        let bad = || Error::new(ErrorCode::Unauthenticated, "unknown or revoked API key");
        let record = record.ok_or_else(bad)?;
        if !rules::digests_equal(&record.secret_sha256, &sha256_hex(secret))
            || record.revoked_at.is_some()
        {
            return Err(bad());
        }
        Ok(ApiKeyInfo::from(&*record))
    }

    /// Revokes an API key: refused at once by this process, within 1 s by every other
    /// (at once with Redis). Errors: `NOT_FOUND`.
    pub async fn revoke_api_key(&self, id: &str) -> Result<ApiKeyInfo> {
        check_text("id", id, 1, 64)?;
        self.retrying("revoke_api_key", |ctx| {
            Box::pin(async move {
                let mut rec = self
                    .load::<ApiKeyRecord>(id)
                    .await?
                    .ok_or_else(|| Error::not_found("api key", id))?;
                let mut cs = ChangeSet::default();
                if rec.value.revoked_at.is_none() {
                    rec.value.revoked_at = Some(ctx.now);
                    cs.docs.push(rec.put());
                }
                Ok((cs, ApiKeyInfo::from(&rec.value)))
            })
        })
        .await
    }

    /// One API key's public record (revoked ones included), read from the store, so a
    /// revocation made by any host is seen at once. Used by the host's operator console,
    /// which keeps a key id in its session and re-checks the key on every request.
    /// Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (id 1-64 bytes).
    pub async fn api_key(&self, id: &str) -> Result<ApiKeyInfo> {
        check_text("id", id, 1, 64)?;
        self.load::<ApiKeyRecord>(id)
            .await?
            .map(|r| ApiKeyInfo::from(&r.value))
            .ok_or_else(|| Error::not_found("api key", id))
    }

    /// Every API key (revoked ones included), ordered by id.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyInfo>> {
        let docs = self.store.docs(ApiKeyRecord::KIND, "", 10_000).await?;
        docs.into_iter()
            .map(|d| Versioned::<ApiKeyRecord>::decode(d).map(|v| ApiKeyInfo::from(&v.value)))
            .collect()
    }
}
