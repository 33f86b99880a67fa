//! Access decisions (SPEC.md "Accounts and access"): input checks, who may log in,
//! whether a token still holds, refresh-token rotation and reuse, scope checks. Pure:
//! no I/O, no clock, no randomness; hashing and secrets are the service's.

use super::{
    AccountRecord, AccountsConfig, Ban, OneTimeCode, RecoveryConfig, RefreshFamily, RefreshRecord,
    SCOPES,
};
use crate::error::{Error, ErrorCode, Result};
use crate::types::{check_text, PlayerId};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Prefix of API keys: `ghk_<id>_<secret>`.
pub const API_KEY_PREFIX: &str = "ghk_";
/// Prefix of refresh tokens: `ghr_<secret>`.
pub const REFRESH_PREFIX: &str = "ghr_";

/// Normalizes and checks a login name: 3-64 characters of ASCII letters, digits,
/// `_ . -`; returned lower case. Errors: `INVALID_ARGUMENT` (field `username`).
pub fn username(raw: &str) -> Result<String> {
    let name = raw.trim().to_ascii_lowercase();
    if !(3..=64).contains(&name.len())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(Error::invalid(
            "username",
            "a username is 3 to 64 characters of letters, digits, '_', '.' and '-'",
        ));
    }
    Ok(name)
}

/// Checks a new password's length: `min_password_len` to 128 characters. Errors:
/// `INVALID_ARGUMENT` (field `password`; the message never repeats the password).
pub fn password(cfg: &AccountsConfig, pw: &str) -> Result<()> {
    let n = pw.chars().count();
    if n < cfg.min_password_len || n > 128 {
        return Err(Error::invalid(
            "password",
            format!("a password is {} to 128 characters", cfg.min_password_len),
        ));
    }
    Ok(())
}

/// Normalizes and checks an identity: provider 1-32 bytes of `[a-z0-9_.-]` (lower-cased),
/// subject 1-255 bytes without control characters (lower-cased for `email` and
/// `username`). Errors: `INVALID_ARGUMENT` (fields `provider`, `subject`).
pub fn identity(provider: &str, subject: &str) -> Result<(String, String)> {
    let provider = provider.trim().to_ascii_lowercase();
    if provider.is_empty()
        || provider.len() > 32
        || !provider
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(Error::invalid(
            "provider",
            "a provider is 1 to 32 characters of a-z, 0-9, '_', '.' and '-'",
        ));
    }
    check_text("subject", subject, 1, 255)?;
    let subject = if matches!(provider.as_str(), "email" | "username") {
        subject.trim().to_lowercase()
    } else {
        subject.to_string()
    };
    Ok((provider, subject))
}

/// The id of an identity link document.
pub fn identity_id(provider: &str, subject: &str) -> String {
    format!("{provider}:{subject}")
}

/// A new account for `player` at `now`.
pub fn new_account(player: PlayerId, now: DateTime<Utc>) -> AccountRecord {
    AccountRecord {
        player,
        created_at: now,
        password_hash: None,
        identities: Vec::new(),
        ban: None,
        whitelisted: false,
        tokens_valid_after: None,
        closed_at: None,
    }
}

fn banned(player: &PlayerId, ban: &Ban) -> Error {
    Error::new(
        ErrorCode::Banned,
        match ban.until {
            Some(u) => format!(
                "{player} is banned until {}: {}",
                u.to_rfc3339(),
                ban.reason
            ),
            None => format!("{player} is banned: {}", ban.reason),
        },
    )
    .with_details(json!({ "reason": ban.reason, "until": ban.until }))
}

/// Whether `account` may log in at `now`. Errors: `BANNED` (details `reason`, `until`);
/// `FORBIDDEN` in whitelist mode for an account not listed.
pub fn may_log_in(cfg: &AccountsConfig, account: &AccountRecord, now: DateTime<Utc>) -> Result<()> {
    if account.closed_at.is_some() {
        return Err(closed_error());
    }
    if let Some(ban) = account.ban.as_ref().filter(|b| b.active(now)) {
        return Err(banned(&account.player, ban));
    }
    if cfg.whitelist && !account.whitelisted {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "this server admits whitelisted players only",
        )
        .with_details(json!({ "reason": "not_whitelisted" })));
    }
    Ok(())
}

/// Whether a player may act at `now` with a token issued at `issued_at` (`None`: the
/// call comes from a trusted server, not a player token). Errors: `BANNED`;
/// `UNAUTHENTICATED` when the token predates a password change or sign-out everywhere.
pub fn may_act(
    account: &AccountRecord,
    issued_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(ban) = account.ban.as_ref().filter(|b| b.active(now)) {
        return Err(banned(&account.player, ban));
    }
    if let (Some(iat), Some(after)) = (issued_at, account.tokens_valid_after) {
        if iat < after {
            return Err(Error::new(
                ErrorCode::Unauthenticated,
                "this token was signed out; log in again",
            ));
        }
    }
    Ok(())
}

/// The refusal of a closed account's login: `FORBIDDEN`, `details.reason =
/// "account_closed"`.
pub fn closed_error() -> Error {
    Error::new(ErrorCode::Forbidden, "this account is closed")
        .with_details(json!({ "reason": "account_closed" }))
}

/// Normalizes an address a code is sent to (an identity, see [`identity`]); a `phone`
/// keeps a leading `+` and its digits (7 to 15 of them), an `email` needs one `@`.
/// `username` and `device` are not addresses. Errors: `INVALID_ARGUMENT`.
pub fn address(provider: &str, subject: &str) -> Result<(String, String)> {
    let (provider, subject) = identity(provider, subject)?;
    match provider.as_str() {
        "username" | "device" => Err(Error::invalid(
            "provider",
            "codes are sent to an address: email, phone, ...",
        )),
        "phone" => {
            let digits: String = subject.chars().filter(char::is_ascii_digit).collect();
            if !(7..=15).contains(&digits.len())
                || subject.chars().any(|c| {
                    !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
                })
            {
                return Err(Error::invalid(
                    "subject",
                    "a phone number is 7 to 15 digits",
                ));
            }
            let plus = if subject.trim_start().starts_with('+') {
                "+"
            } else {
                ""
            };
            Ok((provider, format!("{plus}{digits}")))
        }
        "email" => {
            let ok = subject
                .split_once('@')
                .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.contains('@'));
            if !ok || subject.chars().any(char::is_whitespace) {
                return Err(Error::invalid("subject", "not an e-mail address"));
            }
            Ok((provider, subject))
        }
        _ => Ok((provider, subject)),
    }
}

/// The id of a code's document.
pub fn code_id(purpose: super::CodePurpose, provider: &str, subject: &str) -> String {
    let p = match purpose {
        super::CodePurpose::Verify => "verify",
        super::CodePurpose::Reset => "reset",
    };
    format!("{p}:{provider}:{subject}")
}

/// A code's digits from a random number (`random` any `u64`): `digits` digits,
/// zero-padded, uniform but for a bias below 10^-9.
pub fn code_digits(cfg: &RecoveryConfig, random: u64) -> String {
    let m = 10u64.pow(cfg.code_digits);
    format!("{:0width$}", random % m, width = cfg.code_digits as usize)
}

/// What entering a code leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeVerdict {
    /// Right and in time: spend it (delete the document) and act.
    Accept,
    /// Wrong: count the attempt (`spent`: that was the last one allowed, delete it);
    /// answer the error.
    Wrong {
        /// True when no attempt is left: the code is deleted.
        spent: bool,
        /// `CODE_INVALID` with `details.attempts_left`.
        error: Error,
    },
    /// Past its expiry: delete it; `CODE_EXPIRED`.
    Expired(Error),
}

/// Decides an entry of a code at `now` (`matches`: the salted hash of the entry equals
/// the stored one, compared in constant time by the caller). An expired code is refused
/// as expired even when right; a wrong entry counts, and the last allowed one spends
/// the code (SPEC.md: at most 5 attempts).
pub fn code_verdict(
    cfg: &RecoveryConfig,
    code: &OneTimeCode,
    matches: bool,
    now: DateTime<Utc>,
) -> CodeVerdict {
    if now >= code.expires_at {
        return CodeVerdict::Expired(
            Error::new(
                ErrorCode::CodeExpired,
                "this code has expired; ask for a new one",
            )
            .with_details(json!({ "expired_at": code.expires_at })),
        );
    }
    if matches && code.attempts < cfg.code_max_attempts {
        return CodeVerdict::Accept;
    }
    let used = code.attempts + 1;
    let left = cfg.code_max_attempts.saturating_sub(used);
    CodeVerdict::Wrong {
        spent: left == 0,
        error: Error::new(
            ErrorCode::CodeInvalid,
            if left == 0 {
                "wrong code; no attempt is left: ask for a new one".to_string()
            } else {
                format!("wrong code; {left} attempts left")
            },
        )
        .with_details(json!({ "attempts_left": left })),
    }
}

/// No code (never sent, spent, or replaced): `CODE_INVALID`.
pub fn no_code() -> Error {
    Error::new(
        ErrorCode::CodeInvalid,
        "no valid code for this address; ask for a new one",
    )
    .with_details(json!({ "attempts_left": 0 }))
}

/// What presenting a refresh token leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Rotation {
    /// Valid: spend it and issue its successor in the same family.
    Rotate,
    /// Already spent: a copy is in someone else's hands. Revoke the family, refuse.
    Reuse,
    /// Refused, nothing to write.
    Refuse(Error),
}

fn signed_out(message: &str) -> Error {
    Error::new(ErrorCode::Unauthenticated, message.to_string())
}

/// Decides a refresh-token rotation at `now` (`family` absent counts as revoked).
pub fn rotation(
    token: &RefreshRecord,
    family: Option<&RefreshFamily>,
    now: DateTime<Utc>,
) -> Rotation {
    let Some(family) = family else {
        return Rotation::Refuse(signed_out("this refresh token was signed out"));
    };
    if family.revoked_at.is_some() {
        return Rotation::Refuse(signed_out("this refresh token was signed out"));
    }
    if token.spent_at.is_some() {
        return Rotation::Reuse;
    }
    if now >= token.expires_at {
        return Rotation::Refuse(signed_out("this refresh token has expired; log in again"));
    }
    Rotation::Rotate
}

/// The error a reused refresh token answers with.
pub fn reuse_error() -> Error {
    Error::new(
        ErrorCode::Unauthenticated,
        "this refresh token was already used; every session of this login is signed out",
    )
    .with_details(json!({ "reason": "refresh_token_reuse" }))
}

/// Checks and normalizes scopes: each one of [`SCOPES`], at least one, no duplicates.
/// Errors: `INVALID_ARGUMENT` naming the unknown scope and listing the known ones.
pub fn scopes(requested: &[String]) -> Result<Vec<String>> {
    if requested.is_empty() {
        return Err(Error::invalid(
            "scopes",
            "an API key needs at least one scope",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for s in requested {
        let s = s.trim();
        if !SCOPES.iter().any(|(name, _)| *name == s) {
            let known: Vec<&str> = SCOPES.iter().map(|(n, _)| *n).collect();
            return Err(Error::invalid(
                "scopes",
                format!("unknown scope '{s}'; known scopes: {}", known.join(", ")),
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// Splits an API key `ghk_<id>_<secret>` into id and secret. Errors: `UNAUTHENTICATED`.
pub fn split_api_key(key: &str) -> Result<(&str, &str)> {
    key.strip_prefix(API_KEY_PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .filter(|(id, secret)| {
            !id.is_empty()
                && id.len() <= 64
                && secret.len() >= 32
                && secret.len() <= 128
                && id
                    .chars()
                    .chain(secret.chars())
                    .all(|c| c.is_ascii_alphanumeric())
        })
        .ok_or_else(|| Error::new(ErrorCode::Unauthenticated, "malformed API key"))
}

/// Compares two digests in time independent of where they differ.
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap()
    }

    fn account() -> AccountRecord {
        new_account(PlayerId::new("p1").unwrap(), at(0))
    }

    #[test]
    fn usernames_are_normalized_and_checked() {
        assert_eq!(username(" Alice.B ").unwrap(), "alice.b");
        for bad in ["ab", "has space", "ünï", &"x".repeat(65)] {
            assert_eq!(
                username(bad).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn password_length_is_bounded() {
        let cfg = AccountsConfig::default();
        assert!(password(&cfg, "1234567").is_err());
        assert!(password(&cfg, "12345678").is_ok());
        assert!(password(&cfg, &"x".repeat(129)).is_err());
        let err = password(&cfg, "secret1").unwrap_err();
        assert!(!err.message.contains("secret1"));
    }

    #[test]
    fn identities_normalize_email_but_not_ids() {
        assert_eq!(
            identity("Email", "A@B.org").unwrap(),
            ("email".into(), "a@b.org".into())
        );
        assert_eq!(
            identity("steam", "AbC").unwrap(),
            ("steam".into(), "AbC".into())
        );
        assert!(identity("bad provider", "x").is_err());
        assert!(identity("discord", "").is_err());
    }

    #[test]
    fn bans_block_login_and_acting_until_they_end() {
        let cfg = AccountsConfig::default();
        let mut a = account();
        a.ban = Some(Ban {
            reason: "cheating".into(),
            by: "ops".into(),
            at: at(1),
            until: Some(at(5)),
        });
        let e = may_log_in(&cfg, &a, at(2)).unwrap_err();
        assert_eq!(e.code, ErrorCode::Banned);
        assert_eq!(e.details["reason"], "cheating");
        assert_eq!(
            may_act(&a, None, at(4)).unwrap_err().code,
            ErrorCode::Banned
        );
        assert!(may_log_in(&cfg, &a, at(5)).is_ok());
        assert!(may_act(&a, None, at(6)).is_ok());
    }

    #[test]
    fn whitelist_mode_admits_listed_players_only() {
        let cfg = AccountsConfig {
            whitelist: true,
            ..AccountsConfig::default()
        };
        let mut a = account();
        assert_eq!(
            may_log_in(&cfg, &a, at(1)).unwrap_err().code,
            ErrorCode::Forbidden
        );
        a.whitelisted = true;
        assert!(may_log_in(&cfg, &a, at(1)).is_ok());
    }

    #[test]
    fn tokens_issued_before_a_sign_out_are_refused() {
        let mut a = account();
        a.tokens_valid_after = Some(at(3));
        assert_eq!(
            may_act(&a, Some(at(2)), at(4)).unwrap_err().code,
            ErrorCode::Unauthenticated
        );
        assert!(may_act(&a, Some(at(3)), at(4)).is_ok());
        assert!(may_act(&a, None, at(4)).is_ok());
    }

    #[test]
    fn rotation_detects_reuse_expiry_and_revocation() {
        let p = PlayerId::new("p1").unwrap();
        let family = RefreshFamily {
            player: p.clone(),
            created_at: at(0),
            revoked_at: None,
            revoked_reason: None,
        };
        let mut token = RefreshRecord {
            player: p,
            family: "f".into(),
            issued_at: at(0),
            expires_at: at(10),
            spent_at: None,
        };
        assert_eq!(rotation(&token, Some(&family), at(1)), Rotation::Rotate);
        assert!(matches!(
            rotation(&token, Some(&family), at(10)),
            Rotation::Refuse(_)
        ));
        assert!(matches!(rotation(&token, None, at(1)), Rotation::Refuse(_)));
        token.spent_at = Some(at(1));
        assert_eq!(rotation(&token, Some(&family), at(2)), Rotation::Reuse);
        let revoked = RefreshFamily {
            revoked_at: Some(at(2)),
            ..family
        };
        assert!(matches!(
            rotation(&token, Some(&revoked), at(3)),
            Rotation::Refuse(_)
        ));
    }

    #[test]
    fn scopes_are_checked_and_implied() {
        assert_eq!(
            scopes(&["economy:write".into(), "economy:write".into()]).unwrap(),
            vec!["economy:write".to_string()]
        );
        let e = scopes(&["everything".into()]).unwrap_err();
        assert!(e.message.contains("economy:write"));
        assert!(scopes(&[]).is_err());
        let held = vec!["economy:write".to_string()];
        assert!(super::super::scope_grants(&held, "economy:read"));
        assert!(!super::super::scope_grants(&held, "mail"));
        assert!(super::super::scope_grants(&["admin".into()], "mail:admin"));
    }

    #[test]
    fn api_keys_split_strictly() {
        let secret = "a".repeat(43);
        let key = format!("ghk_abc123_{secret}");
        assert_eq!(split_api_key(&key).unwrap(), ("abc123", secret.as_str()));
        for bad in [
            "ghk_",
            "ghk_abc",
            "xyz_abc_def",
            "ghk_abc_short",
            "ghk_a-b_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                split_api_key(bad).unwrap_err().code,
                ErrorCode::Unauthenticated,
                "{bad}"
            );
        }
        assert!(digests_equal("abcd", "abcd"));
        assert!(!digests_equal("abcd", "abce"));
        assert!(!digests_equal("abcd", "abc"));
    }

    fn code(attempts: u32) -> OneTimeCode {
        OneTimeCode {
            purpose: crate::access::CodePurpose::Reset,
            player: PlayerId::new("p").unwrap(),
            provider: "email".into(),
            subject: "a@b.co".into(),
            salt: "s".into(),
            hash: "h".into(),
            created_at: at(1),
            expires_at: at(2),
            attempts,
        }
    }

    #[test]
    fn codes_expire_count_attempts_and_lock() {
        let cfg = RecoveryConfig::default();
        assert_eq!(
            code_verdict(&cfg, &code(0), true, at(1)),
            CodeVerdict::Accept
        );
        assert!(matches!(
            code_verdict(&cfg, &code(0), true, at(2)),
            CodeVerdict::Expired(e) if e.code == ErrorCode::CodeExpired
        ));
        match code_verdict(&cfg, &code(0), false, at(1)) {
            CodeVerdict::Wrong { spent, error } => {
                assert!(!spent);
                assert_eq!(error.code, ErrorCode::CodeInvalid);
                assert_eq!(error.details["attempts_left"], 4);
            }
            v => panic!("{v:?}"),
        }
        assert!(matches!(
            code_verdict(&cfg, &code(4), false, at(1)),
            CodeVerdict::Wrong { spent: true, .. }
        ));
        // Past the attempts, even the right code is refused.
        assert!(matches!(
            code_verdict(&cfg, &code(5), true, at(1)),
            CodeVerdict::Wrong { spent: true, .. }
        ));
    }

    #[test]
    fn code_digits_and_addresses() {
        let cfg = RecoveryConfig::default();
        assert_eq!(code_digits(&cfg, 42), "000042");
        assert_eq!(code_digits(&cfg, 123_456_789), "456789");
        assert_eq!(
            address("phone", "+49 (151) 234-5678").unwrap().1,
            "+491512345678"
        );
        assert!(address("phone", "12").is_err());
        assert_eq!(
            address("email", "Bob@Example.COM").unwrap().1,
            "bob@example.com"
        );
        assert!(address("email", "nope").is_err());
        assert!(address("username", "bob").is_err());
    }

    #[test]
    fn closed_accounts_cannot_log_in() {
        let mut a = new_account(PlayerId::new("p").unwrap(), at(1));
        a.closed_at = Some(at(2));
        let e = may_log_in(&AccountsConfig::default(), &a, at(3)).unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert_eq!(e.details["reason"], "account_closed");
    }
}
