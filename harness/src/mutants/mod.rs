//! Mutant brokers: each one is correct but for one deliberate flaw, so a
//! test can prove the checker for that flaw catches it.
//!
//! `naive.rs` is a small broker with a knob for each flaw; most mutants are
//! named configurations of it. The leak and Gmail-retry mutants each have a
//! small file: `logs_token_hex.rs` and `logs_basic_auth.rs` (log lines over
//! `side_log.rs`), `gmail_tight_loop.rs` (a retry layer under the
//! reference), and `process.rs` with `python/`: mutants that must be
//! processes (a token in a `status` answer, `tokeninfo?access_token=` in a
//! URL, plaintext tokens in the store). Adding a mutant is one line in
//! [`MUTANT_CATALOGUE`] and one arm in [`mutant`].

mod email;
mod gateway_mutants;
mod gmail_tight_loop;
mod last_write_wins;
mod logs_basic_auth;
mod logs_token_hex;
mod mailbox_in_memory;
mod naive;
mod process;
mod reference_mutants;
mod serves_rejected_token;
mod side_log;
mod trusting_sign_in;
mod unavailable;

pub use email::EmailMutant;
pub use naive::{NaiveBroker, NaiveKnobs};
pub(crate) use trusting_sign_in::TrustingSignIn;

use crate::broker::{BrokerEnv, BrokerFactory, BrokerFailure};
use async_trait::async_trait;
use std::sync::Arc;

/// Every mutant: its name and the flaw (naming the invariant it breaks).
pub const MUTANT_CATALOGUE: &[(&str, &str)] = &[
    (
        "no-single-flight",
        "single_flight_refresh: every stale caller refreshes on its own",
    ),
    (
        "retry-after-revoked",
        "retry_discipline: keeps sending a refresh token the provider answered invalid_grant",
    ),
    (
        "ignores-retry-after",
        "retry_discipline: retries after 1s whatever Retry-After says",
    ),
    (
        "retry-after-replaces-backoff",
        "retry_discipline: waits exactly Retry-After when one is sent, with no backoff of its own",
    ),
    (
        "silent-outage",
        "outage_surfaced: status() says ok even after the grant was revoked",
    ),
    (
        "logs-token",
        "no_token_leak: logs each new access token at debug level",
    ),
    (
        "amnesiac-restart",
        "survives_restart: keeps refresh tokens only in memory, so a restart loses every grant",
    ),
    (
        "amnesiac-restart-transient",
        "survives_restart: loses its refresh tokens on restart and tells callers `transient`, as if the provider were down",
    ),
    (
        "sync-drops-last-page",
        "no_lost_email: ignores the messages on the last page of every paginated list",
    ),
    (
        "archive-is-delete",
        "no_lost_email: reads INBOX removed (archiving) in Gmail's history as a deletion",
    ),
    (
        "mailbox-in-memory",
        "no_lost_email: keeps its mailbox in memory, so a kill -9 empties it until the next full sync",
    ),
    (
        "resend-after-ack-lost",
        "no_duplicate_email: after a lost acknowledgement sends again without looking in Sent",
    ),
    (
        "broad-scopes",
        "least_privilege: asks for full Gmail access (`https://mail.google.com/`) on top of the declared scopes",
    ),
    (
        "no-state-check",
        "csrf_protected: completes a callback whose state it never issued with its latest login attempt",
    ),
    (
        "stale-overwrite",
        "no_stale_overwrite: keeps presenting the consented refresh token after the provider rotated it",
    ),
    (
        "serves-rejected-token",
        "no_rejected_token_reuse: told that Gmail answered 401, serves the same cached token again",
    ),
    (
        "trusts-id-token",
        "id_token_verified: believes the id_token's payload without checking signature, issuer, audience, expiry or nonce",
    ),
    (
        "relay-leaks-refresh-token",
        "no_credential_to_consumer: the relay's token answers also carry the account's refresh token",
    ),
    (
        "relay-ignores-roles",
        "least_privilege: the relay gives every consumer the account's whole grant instead of its role's scopes",
    ),
    (
        "consumer-retry-loop",
        "relay_consumers_available: consumers retry a down relay at once, over and over, without backoff",
    ),
    (
        "never-serves",
        "availability: answers every access_token call with a storage error and never asks the provider",
    ),
    (
        "corrupts-token-file",
        "availability: instances share a token file written in place without a lock; two refreshes at once corrupt it and every later call fails",
    ),
    (
        "last-write-wins",
        "no_stale_overwrite: instances share a token file with no compare-and-swap and no lock, so an older grant overwrites a newer one",
    ),
    (
        "logs-token-hex",
        "no_token_leak: logs each new access token's bytes in hex",
    ),
    (
        "logs-basic-auth",
        "no_token_leak: logs its token request's `Authorization: Basic base64(client_id:client_secret)` header",
    ),
    (
        "status-shows-token",
        "no_token_leak: a process whose `status` answer shows each account's access token",
    ),
    (
        "tokeninfo-in-url",
        "no_token_leak: a process that checks each new token with `GET /tokeninfo?access_token=...`",
    ),
    (
        "plaintext-store",
        "no_token_leak: a process that writes its tokens into its `sqlite:`/`file:` store in plaintext (examples/adapters/python-plaintext-store)",
    ),
    (
        "gmail-429-tight-loop",
        "retry_discipline: re-sends a Gmail request answered 429 or 5xx at once, ten times, ignoring Retry-After",
    ),
];

/// The invariant each mutant is built to break.
///
/// ```
/// assert_eq!(harness::mutants::target_of("logs-token"), Some("no_token_leak"));
/// ```
pub fn target_of(name: &str) -> Option<&'static str> {
    MUTANT_CATALOGUE
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, flaw)| flaw.split(':').next())
}

/// The factory for `mutant:NAME`.
pub fn mutant(name: &str) -> Option<Arc<dyn BrokerFactory>> {
    if let Some(factory) = reference_mutants::reference_mutant(name) {
        return Some(factory);
    }
    if let Some(factory) = gateway_mutants::gateway_mutant(name) {
        return Some(factory);
    }
    match name {
        "last-write-wins" => return Some(Arc::new(last_write_wins::LastWriteWinsMutant)),
        "never-serves" => return Some(Arc::new(unavailable::NeverServesMutant)),
        "corrupts-token-file" => return Some(Arc::new(unavailable::CorruptsTokenFileMutant)),
        "mailbox-in-memory" => return Some(Arc::new(mailbox_in_memory::MailboxInMemoryMutant)),
        "serves-rejected-token" => {
            return Some(Arc::new(serves_rejected_token::ServesRejectedTokenMutant));
        }
        _ => {}
    }
    if let Some(factory) = process::process_mutant(name) {
        return Some(factory);
    }
    let correct = NaiveKnobs::correct();
    let knobs = match name {
        "no-single-flight" => NaiveKnobs {
            single_flight: false,
            ..correct
        },
        "retry-after-revoked" => NaiveKnobs {
            stop_after_invalid_grant: false,
            ..correct
        },
        "ignores-retry-after" => NaiveKnobs {
            honour_retry_after: false,
            ..correct
        },
        "retry-after-replaces-backoff" => NaiveKnobs {
            backoff_under_retry_after: false,
            ..correct
        },
        "silent-outage" => NaiveKnobs {
            truthful_status: false,
            ..correct
        },
        "logs-token" => NaiveKnobs {
            log_token: true,
            ..correct
        },
        "amnesiac-restart" => NaiveKnobs {
            durable_grants: false,
            ..correct
        },
        "amnesiac-restart-transient" => NaiveKnobs {
            durable_grants: false,
            lost_grant_says_revoked: false,
            ..correct
        },
        "sync-drops-last-page" | "resend-after-ack-lost" | "archive-is-delete" => {
            return EmailMutant::named(name).map(|m| Arc::new(m) as Arc<dyn BrokerFactory>);
        }
        "logs-token-hex" => return Some(side_log_mutant("logs-token-hex", logs_token_hex::line)),
        "logs-basic-auth" => {
            return Some(side_log_mutant("logs-basic-auth", logs_basic_auth::line));
        }
        "gmail-429-tight-loop" => return Some(Arc::new(gmail_tight_loop::GmailTightLoop)),
        "stale-overwrite" => NaiveKnobs {
            adopt_rotated_refresh_token: false,
            ..correct
        },
        _ => return None,
    };
    Some(Arc::new(Mutant {
        name: name.to_owned(),
        knobs,
    }))
}

/// `mutant:NAME`: a [`NaiveBroker`] with one knob flipped.
#[derive(Debug, Clone)]
pub struct Mutant {
    name: String,
    knobs: NaiveKnobs,
}

#[async_trait]
impl BrokerFactory for Mutant {
    fn name(&self) -> String {
        format!("mutant:{}", self.name)
    }

    async fn build(
        &self,
        env: BrokerEnv,
    ) -> Result<Arc<dyn crate::broker::BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(NaiveBroker::new(env, self.knobs)))
    }
}

fn side_log_mutant(name: &'static str, line: side_log::LogLine) -> Arc<dyn BrokerFactory> {
    Arc::new(side_log::SideLogMutant { name, line })
}
