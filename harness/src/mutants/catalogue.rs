//! The mutant table: every mutant's name, the invariant it is built to
//! break, its flaw and the scenarios that show it. The CLI's `list`, the
//! docs and the mutant matrix (`tests/mutant_matrix.rs`) all read it.

use crate::scenario::InvariantName;

/// One deliberately flawed broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutantEntry {
    /// `mutant:NAME` on the command line.
    pub name: &'static str,
    /// The invariant its flaw breaks (and the one checker that must catch it).
    pub target: InvariantName,
    /// What it does wrong.
    pub flaw: &'static str,
    /// The scenarios (under `scenarios/`) whose run shows the flaw.
    pub scenarios: &'static [&'static str],
}

impl MutantEntry {
    /// `target: flaw`, as `oauth-chaos list` prints it.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.target, self.flaw)
    }
}

/// Every mutant.
pub const MUTANT_CATALOGUE: &[MutantEntry] = &[
    MutantEntry {
        name: "no-single-flight",
        target: InvariantName::SingleFlightRefresh,
        flaw: "every stale caller refreshes on its own",
        scenarios: &["thundering-herd.toml", "slow-token-endpoint.toml"],
    },
    MutantEntry {
        name: "retry-after-revoked",
        target: InvariantName::RetryDiscipline,
        flaw: "keeps sending a refresh token the provider answered invalid_grant",
        scenarios: &[
            "revoked-mid-run.toml",
            "revoked-under-load.toml",
            "storm-then-revoked.toml",
        ],
    },
    MutantEntry {
        name: "ignores-retry-after",
        target: InvariantName::RetryDiscipline,
        flaw: "retries after 1s whatever Retry-After says",
        scenarios: &[
            "token-endpoint-429-quiet-account.toml",
            "token-endpoint-503-retry-after.toml",
        ],
    },
    MutantEntry {
        name: "retry-after-replaces-backoff",
        target: InvariantName::RetryDiscipline,
        flaw: "waits exactly Retry-After when one is sent, with no backoff of its own",
        scenarios: &["token-endpoint-429-retry-after-1.toml"],
    },
    MutantEntry {
        name: "refreshes-at-expiry",
        target: InvariantName::ProactiveRefresh,
        flaw: "refreshes only once its own clock says the token has expired, so callers near the end are served tokens with moments left",
        scenarios: &[
            "quiet-day-status.toml",
            "flapping-5xx-across-expiry.toml",
            "regressions/refresh-falls-due-just-before-an-outage.toml",
        ],
    },
    MutantEntry {
        name: "silent-outage",
        target: InvariantName::OutageSurfaced,
        flaw: "status() says ok even after the grant was revoked",
        scenarios: &["revoked-mid-run.toml", "revoked-before-first-call.toml"],
    },
    MutantEntry {
        name: "logs-token",
        target: InvariantName::NoTokenLeak,
        flaw: "logs each new access token at debug level",
        scenarios: &["trace-logging-refresh-storm.toml"],
    },
    MutantEntry {
        name: "amnesiac-restart",
        target: InvariantName::SurvivesRestart,
        flaw: "keeps refresh tokens only in memory, so a restart loses every grant",
        scenarios: &["kill-9-restart.toml"],
    },
    MutantEntry {
        name: "amnesiac-restart-transient",
        target: InvariantName::SurvivesRestart,
        flaw: "loses its refresh tokens on restart and tells callers `transient`, as if the provider were down",
        scenarios: &["kill-9-restart.toml"],
    },
    MutantEntry {
        name: "sync-drops-last-page",
        target: InvariantName::NoLostEmail,
        flaw: "ignores the messages on the last page of every paginated list",
        scenarios: &[
            "gmail-history-404-full-resync.toml",
            "gmail-kill-9-mid-sync.toml",
            "gmail-mail-store-outage-during-sync.toml",
        ],
    },
    MutantEntry {
        name: "archive-is-delete",
        target: InvariantName::NoLostEmail,
        flaw: "reads INBOX removed (archiving) in Gmail's history as a deletion",
        scenarios: &["gmail-label-churn-during-sync.toml"],
    },
    MutantEntry {
        name: "mailbox-in-memory",
        target: InvariantName::NoLostEmail,
        flaw: "keeps its mailbox in memory, so a kill -9 empties it until the next full sync",
        scenarios: &["gmail-kill-9-between-syncs.toml"],
    },
    MutantEntry {
        name: "resend-after-ack-lost",
        target: InvariantName::NoDuplicateEmail,
        flaw: "after a lost acknowledgement sends again without looking in Sent",
        scenarios: &["gmail-send-ack-lost.toml"],
    },
    MutantEntry {
        name: "broad-scopes",
        target: InvariantName::LeastPrivilege,
        flaw: "asks for full Gmail access (`https://mail.google.com/`) on top of the declared scopes",
        scenarios: &["broader-scopes-than-declared.toml"],
    },
    MutantEntry {
        name: "no-state-check",
        target: InvariantName::CsrfProtected,
        flaw: "completes a callback whose state it never issued with its latest login attempt",
        scenarios: &["forged-callback-state-and-replayed-code.toml"],
    },
    MutantEntry {
        name: "stale-overwrite",
        target: InvariantName::NoStaleOverwrite,
        flaw: "keeps presenting the consented refresh token after the provider rotated it",
        scenarios: &["rotation-refresh-token-reuse.toml"],
    },
    MutantEntry {
        name: "serves-rejected-token",
        target: InvariantName::NoRejectedTokenReuse,
        flaw: "told that Gmail answered 401, serves the same cached token again",
        scenarios: &["access-token-invalidated-early.toml"],
    },
    MutantEntry {
        name: "trusts-id-token",
        target: InvariantName::IdTokenVerified,
        flaw: "believes the id_token's payload without checking signature, issuer, audience, expiry or nonce",
        scenarios: &["sign-in-forged-id-tokens.toml"],
    },
    MutantEntry {
        name: "relay-leaks-refresh-token",
        target: InvariantName::NoCredentialToConsumer,
        flaw: "the relay's token answers also carry the account's refresh token",
        scenarios: &["relay-three-roles-herd-revocation-restart.toml"],
    },
    MutantEntry {
        name: "relay-ignores-roles",
        target: InvariantName::LeastPrivilege,
        flaw: "the relay gives every consumer the account's whole grant instead of its role's scopes",
        scenarios: &["relay-three-roles-herd-revocation-restart.toml"],
    },
    MutantEntry {
        name: "relay-logs-credentials",
        target: InvariantName::NoTokenLeak,
        flaw: "the relay logs the service-account key files it loads and each consumer's bearer credential",
        scenarios: &["relay-three-roles-herd-revocation-restart.toml"],
    },
    MutantEntry {
        name: "consumer-retry-loop",
        target: InvariantName::RelayConsumersAvailable,
        flaw: "consumers retry a down relay at once, over and over, without backoff",
        scenarios: &["relay-three-roles-herd-revocation-restart.toml"],
    },
    MutantEntry {
        name: "never-serves",
        target: InvariantName::Availability,
        flaw: "answers every access_token call with a storage error and never asks the provider",
        scenarios: &[
            "thundering-herd.toml",
            "kill-9-restart.toml",
            "token-endpoint-503-retry-after.toml",
        ],
    },
    MutantEntry {
        name: "one-token-for-all-accounts",
        target: InvariantName::Availability,
        flaw: "caches one token for the whole broker: every account is served the token of the first account asked for",
        scenarios: &["two-accounts-each-get-their-own-token.toml"],
    },
    MutantEntry {
        name: "forges-tokens",
        target: InvariantName::Availability,
        flaw: "answers every access_token call at once with a made-up ya29. token and never asks the provider",
        scenarios: &[
            "two-accounts-each-get-their-own-token.toml",
            "kill-9-restart.toml",
        ],
    },
    MutantEntry {
        name: "keeps-first-token",
        target: InvariantName::Availability,
        flaw: "serves each account's first token for ever, long after it expired",
        scenarios: &[
            "testing-mode-7-day-expiry.toml",
            "rotation-refresh-token-reuse.toml",
        ],
    },
    MutantEntry {
        name: "corrupts-token-file",
        target: InvariantName::Availability,
        flaw: "instances share a token file written in place without a lock; two refreshes at once corrupt it and every later call fails",
        scenarios: &["two-workers-one-token-file.toml"],
    },
    MutantEntry {
        name: "never-alerts",
        target: InvariantName::AlertRaised,
        flaw: "status() never raises `expiring_with_failures`, however near expiry and however many refreshes failed",
        scenarios: &["bucket-alert-expiring-with-failures.toml"],
    },
    MutantEntry {
        name: "bucket-last-write-wins",
        target: InvariantName::NoStaleOverwrite,
        flaw: "syncs through the bucket with blind uploads (no version check, no lease), so a component's older grant replaces a newer one",
        scenarios: &[
            "bucket-intermittent-failures-across-expiries.toml",
            "bucket-seed-intermittent-storage.toml",
            "bucket-two-components-adopt.toml",
        ],
    },
    MutantEntry {
        name: "last-write-wins",
        target: InvariantName::NoStaleOverwrite,
        flaw: "instances share a token file with no compare-and-swap and no lock, so an older grant overwrites a newer one",
        scenarios: &["two-workers-one-token-file.toml"],
    },
    MutantEntry {
        name: "logs-token-hex",
        target: InvariantName::NoTokenLeak,
        flaw: "logs each new access token's bytes in hex",
        scenarios: &["trace-logging-refresh-storm.toml"],
    },
    MutantEntry {
        name: "logs-basic-auth",
        target: InvariantName::NoTokenLeak,
        flaw: "logs its token request's `Authorization: Basic base64(client_id:client_secret)` header",
        scenarios: &["trace-logging-refresh-storm.toml"],
    },
    MutantEntry {
        name: "status-shows-token",
        target: InvariantName::NoTokenLeak,
        flaw: "a process whose `status` answer shows each account's access token",
        scenarios: &["revoked-mid-run.toml"],
    },
    MutantEntry {
        name: "tokeninfo-in-url",
        target: InvariantName::NoTokenLeak,
        flaw: "a process that checks each new token with `GET /tokeninfo?access_token=...`",
        scenarios: &["token-basics.toml"],
    },
    MutantEntry {
        name: "plaintext-store",
        target: InvariantName::NoTokenLeak,
        flaw: "a process that writes its tokens into its `sqlite:`/`file:` store in plaintext (examples/adapters/python-plaintext-store)",
        scenarios: &[
            "real-tokens-at-rest-sqlite.toml",
            "real-tokens-at-rest-file.toml",
        ],
    },
    MutantEntry {
        name: "gmail-429-tight-loop",
        target: InvariantName::RetryDiscipline,
        flaw: "re-sends a Gmail request answered 429 or 5xx at once, ten times, ignoring Retry-After",
        scenarios: &["gmail-429-message-only-retry-time.toml"],
    },
];
