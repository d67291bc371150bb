//! The rules that create, use and end grants, as methods on the model.

use crate::GrantId;
use crate::state::{
    AccessTokenRecord, Grant, Model, RefreshTokenRecord, RevocationCause, SecretKind,
    SecretRegistry,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshDenial {
    /// Unknown, revoked, evicted, idle, past Testing expiry, or reused.
    ExpiredOrRevoked,
    /// Session control wants the user to sign in again.
    ReauthRequired,
}

/// How a refresh token that was accepted stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshStanding {
    /// The grant's current refresh token.
    Current,
    /// Rotated out, but inside the grace window.
    WithinGrace,
}

fn elapsed(since: SystemTime, now: SystemTime) -> std::time::Duration {
    now.duration_since(since).unwrap_or_default()
}

impl Model {
    /// Creates an offline grant with a fresh refresh token for `account` and
    /// `client_id`.
    pub fn create_grant(
        &mut self,
        account: &str,
        client_id: &str,
        scopes: Vec<String>,
        secrets: &SecretRegistry,
        now: SystemTime,
    ) -> (GrantId, String) {
        let (grant_id, refresh_token) =
            self.new_grant(account, client_id, scopes, true, secrets, now);
        // An offline grant always gets a refresh token.
        (grant_id, refresh_token.unwrap_or_default())
    }

    /// Creates a grant; an offline one gets a refresh token and counts
    /// against the per-(account, client) limit, evicting the oldest.
    pub fn new_grant(
        &mut self,
        account: &str,
        client_id: &str,
        scopes: Vec<String>,
        offline: bool,
        secrets: &SecretRegistry,
        now: SystemTime,
    ) -> (GrantId, Option<String>) {
        self.next_grant += 1;
        let grant_id = GrantId(format!("g{}", self.next_grant));
        let consent = self
            .consents
            .entry((account.to_owned(), client_id.to_owned()))
            .or_default();
        consent.scopes.extend(scopes.iter().cloned());
        self.grants.insert(
            grant_id.clone(),
            Grant {
                id: grant_id.clone(),
                account: account.to_owned(),
                client_id: client_id.to_owned(),
                scopes,
                created_at: now,
                revoked: false,
                revoked_by: None,
                offline,
                reauth_required: false,
            },
        );
        if !offline {
            return (grant_id, None);
        }
        let refresh_token = self.mint_refresh_token(&grant_id, secrets, now);
        let key = (account.to_owned(), client_id.to_owned());
        let mut family = self.offline_grants.remove(&key).unwrap_or_default();
        family.push_back(grant_id.clone());
        self.enforce_refresh_limit(&mut family);
        self.offline_grants.insert(key, family);
        (grant_id, Some(refresh_token))
    }

    fn mint_refresh_token(
        &mut self,
        grant_id: &GrantId,
        secrets: &SecretRegistry,
        now: SystemTime,
    ) -> String {
        let refresh_token = self.mint.refresh_token();
        secrets.register(SecretKind::RefreshToken, &refresh_token);
        self.refresh_tokens.insert(
            refresh_token.clone(),
            RefreshTokenRecord {
                grant_id: grant_id.clone(),
                last_used_at: now,
                rotated_out_at: None,
            },
        );
        refresh_token
    }

    /// Google's limit: past `refresh_token_limit` live refresh tokens for an
    /// (account, client), the oldest dies silently.
    fn enforce_refresh_limit(&mut self, family: &mut VecDeque<GrantId>) {
        let limit = self.policy.refresh_token_limit.max(1);
        if family.len() <= limit {
            return;
        }
        family.retain(|id| self.grants.get(id).is_some_and(|g| !g.revoked));
        while family.len() > limit {
            if let Some(oldest) = family.pop_front() {
                self.revoke_grant(&oldest, RevocationCause::Evicted);
            }
        }
    }

    /// Revokes a grant and drops its access tokens. False when it was
    /// already dead or unknown.
    pub fn revoke_grant(&mut self, grant_id: &GrantId, cause: RevocationCause) -> bool {
        let Some(grant) = self.grants.get_mut(grant_id) else {
            return false;
        };
        if grant.revoked {
            return false;
        }
        grant.revoked = true;
        grant.revoked_by = Some(cause);
        self.drop_access_tokens(grant_id);
        true
    }

    /// The user removes every grant of `account` (all clients) and with them
    /// the consents, so the next authorization starts afresh.
    pub fn revoke_account(&mut self, account: &str, cause: RevocationCause) -> usize {
        let doomed: Vec<GrantId> = self
            .grants
            .values()
            .filter(|g| g.account == account && !g.revoked)
            .map(|g| g.id.clone())
            .collect();
        self.consents.retain(|(who, _), _| who != account);
        doomed
            .iter()
            .filter(|id| self.revoke_grant(id, cause))
            .count()
    }

    /// Early invalidation: every access token of the grant stops working.
    pub fn drop_access_tokens(&mut self, grant_id: &GrantId) -> usize {
        let issued = self
            .grant_access_tokens
            .remove(grant_id)
            .unwrap_or_default();
        issued
            .tokens
            .iter()
            .filter(|t| self.access_tokens.remove(*t).is_some())
            .count()
    }

    /// Checks a presented refresh token against every lifecycle rule and
    /// records its use. Reuse of a rotated-out token past its grace revokes
    /// the grant family.
    pub fn use_refresh_token(
        &mut self,
        token: &str,
        now: SystemTime,
    ) -> Result<(GrantId, RefreshStanding), RefreshDenial> {
        let record = self
            .refresh_tokens
            .get(token)
            .ok_or(RefreshDenial::ExpiredOrRevoked)?;
        let grant_id = record.grant_id.clone();
        let grant = self
            .grants
            .get(&grant_id)
            .ok_or(RefreshDenial::ExpiredOrRevoked)?;
        if grant.revoked {
            return Err(RefreshDenial::ExpiredOrRevoked);
        }
        let policy = &self.policy;
        if elapsed(record.last_used_at, now) > policy.refresh_idle_expiry
            || (policy.testing_mode && elapsed(grant.created_at, now) >= policy.testing_refresh_ttl)
        {
            return Err(RefreshDenial::ExpiredOrRevoked);
        }
        let standing = match record.rotated_out_at {
            None => RefreshStanding::Current,
            Some(at) => {
                let grace = policy.rotation.map(|r| r.grace).unwrap_or_default();
                if elapsed(at, now) > grace {
                    self.revoke_grant(&grant_id, RevocationCause::ReuseDetected);
                    return Err(RefreshDenial::ExpiredOrRevoked);
                }
                RefreshStanding::WithinGrace
            }
        };
        if grant.reauth_required {
            return Err(RefreshDenial::ReauthRequired);
        }
        if let Some(record) = self.refresh_tokens.get_mut(token) {
            record.last_used_at = now;
        }
        Ok((grant_id, standing))
    }

    /// The grant's live, not rotated-out refresh token (rotation mode only:
    /// a scan, on the rare grace-window retry path).
    pub fn current_refresh_token(&self, grant_id: &GrantId) -> Option<String> {
        self.refresh_tokens
            .iter()
            .find(|(_, record)| &record.grant_id == grant_id && record.rotated_out_at.is_none())
            .map(|(token, _)| token.clone())
    }

    /// Rotation: retires `old` (its grace window starts now) and mints the
    /// grant's next refresh token.
    pub fn rotate_refresh_token(
        &mut self,
        old: &str,
        grant_id: &GrantId,
        secrets: &SecretRegistry,
        now: SystemTime,
    ) -> String {
        if let Some(record) = self.refresh_tokens.get_mut(old) {
            record.rotated_out_at = Some(now);
        }
        self.mint_refresh_token(grant_id, secrets, now)
    }

    /// Mints an access token for a grant with `scope` (space-separated).
    pub fn issue_access_token(
        &mut self,
        grant_id: &GrantId,
        scope: Arc<str>,
        secrets: &SecretRegistry,
        now: SystemTime,
    ) -> (String, AccessTokenRecord) {
        let access_token = self.mint.access_token();
        secrets.register(SecretKind::AccessToken, &access_token);
        let record = AccessTokenRecord {
            grant_id: grant_id.clone(),
            issued_at: now,
            expires_at: now + self.policy.access_token_ttl,
            scope,
        };
        self.access_tokens
            .insert(access_token.clone(), record.clone());
        let issued = self
            .grant_access_tokens
            .entry(grant_id.clone())
            .or_default();
        issued.tokens.push_back(access_token.clone());
        // Past the per-grant limit the oldest live token stops working, so
        // memory stays bounded however fast a client refreshes.
        if issued.tokens.len() > self.policy.access_tokens_per_grant.max(1) {
            if let Some(oldest) = issued.tokens.pop_front() {
                self.access_tokens.remove(&oldest);
            }
        }
        // Forget expired tokens when the list has doubled since the last
        // sweep, so memory stays bounded by live tokens at amortised O(1).
        if issued.tokens.len() >= issued.sweep_at {
            let access_tokens = &mut self.access_tokens;
            issued.tokens.retain(|t| match access_tokens.get(t) {
                Some(r) if r.expires_at > now => true,
                _ => {
                    access_tokens.remove(t);
                    false
                }
            });
            issued.sweep_at = issued.tokens.len() * 2 + 16;
        }
        (access_token, record)
    }

    /// The record of a live access token at `now`.
    pub fn live_access_token(&self, token: &str, now: SystemTime) -> Option<&AccessTokenRecord> {
        let record = self.access_tokens.get(token)?;
        let grant = self.grants.get(&record.grant_id)?;
        (record.expires_at > now && !grant.revoked).then_some(record)
    }
}
