//! Mutant brokers: each one is correct but for one deliberate flaw, so a
//! test can prove the checker for that flaw catches it.
//!
//! `naive.rs` is a small broker with a knob for each flaw; most mutants are
//! named configurations of it. The leak and Gmail-retry mutants each have a
//! small file: `logs_token_hex.rs` and `logs_basic_auth.rs` (log lines over
//! `side_log.rs`), `gmail_tight_loop.rs` (a retry layer under the
//! reference), and `process.rs` with `python/`: mutants that must be
//! processes (a token in a `status` answer, `tokeninfo?access_token=` in a
//! URL, plaintext tokens in the store). Adding a mutant is one entry in
//! [`MUTANT_CATALOGUE`] (`catalogue.rs`: name, target invariant, flaw, the
//! scenarios that show it) and one arm in [`mutant`].

mod bucket_mutants;
mod catalogue;
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
mod wrong_token;

pub use catalogue::{MUTANT_CATALOGUE, MutantEntry};
pub use email::EmailMutant;
pub use naive::{NaiveBroker, NaiveKnobs};

use crate::broker::{BrokerEnv, BrokerFactory, BrokerFailure};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// The invariant each mutant is built to break.
///
/// ```
/// assert_eq!(harness::mutants::target_of("logs-token"), Some("no_token_leak"));
/// ```
pub fn target_of(name: &str) -> Option<&'static str> {
    MUTANT_CATALOGUE
        .iter()
        .find(|entry| entry.name == name)
        .map(|entry| entry.target.name())
}

/// The factory for `mutant:NAME`.
pub fn mutant(name: &str) -> Option<Arc<dyn BrokerFactory>> {
    if let Some(factory) = reference_mutants::reference_mutant(name) {
        return Some(factory);
    }
    if let Some(factory) = gateway_mutants::gateway_mutant(name) {
        return Some(factory);
    }
    if let Some(factory) = bucket_mutants::bucket_mutant(name) {
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
        "one-token-for-all-accounts" => {
            return Some(Arc::new(wrong_token::OneTokenForAllAccountsMutant));
        }
        "forges-tokens" => return Some(Arc::new(wrong_token::ForgesTokensMutant)),
        "keeps-first-token" => return Some(Arc::new(wrong_token::KeepsFirstTokenMutant)),
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
        "refreshes-at-expiry" => NaiveKnobs {
            refresh_buffer: Duration::ZERO,
            ..correct
        },
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
