//! A fault schedule: the world a case runs in and its timed steps. Every
//! step is one of the scenario file's step kinds (`scenario/action.rs`,
//! `scenario/email_action.rs`), so a schedule renders to a scenario file
//! that `oauth-chaos run` plays by itself (`scenario_text.rs`).

use std::time::Duration;

/// The accounts a schedule may use, in order (the first is the mock's
/// default account).
pub const ACCOUNTS: &[&str] = &[
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dave@example.com",
    "erin@example.com",
];

/// One random case: its seed, the provider and fleet it runs against, and
/// what happens when.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The scenario seed (tokens, jitter, mailboxes): the replay key.
    pub seed: u64,
    /// Simulated run length.
    pub duration: Duration,
    /// Broker instances (1 to 3); more than one share one store.
    pub instances: u32,
    /// Accounts (1 to 5), the first `accounts` of [`ACCOUNTS`].
    pub accounts: usize,
    /// The provider's access-token lifetime.
    pub token_ttl: Duration,
    /// Refresh-token rotation with this grace (absent: Google's no rotation).
    pub rotation_grace: Option<Duration>,
    /// Time the token endpoint takes to answer.
    pub token_latency: Duration,
    /// The steps, in the order they were generated.
    pub steps: Vec<TimedStep>,
}

/// A step at a time, optionally repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedStep {
    /// From the start of the run.
    pub at: Duration,
    /// Repeat every so often until `until` (or the end).
    pub every: Option<Duration>,
    /// Stop repeating here.
    pub until: Option<Duration>,
    /// What happens.
    pub step: StepKind,
}

/// Whose clock a clock step moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockTarget {
    /// The mock provider.
    Provider,
    /// One broker instance.
    Broker(u32),
    /// Every clock at once.
    All,
}

/// How a provider fault answers the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFault {
    /// An HTTP status with Google's `backend_error` body (500, 503).
    Status(u16),
    /// 429 with `Retry-After` in seconds.
    RateLimited(u64),
    /// Hold each request this long (past the client's timeout or not).
    Delay(Duration),
    /// The provider does the work, the answer is lost.
    AckLost,
    /// The connection drops before any work.
    Reset,
    /// Never answered.
    Hang,
}

impl TokenFault {
    /// True when a request it matches does not get tokens back.
    pub fn fails_requests(self, http_timeout: Duration) -> bool {
        match self {
            Self::Delay(delay) => delay >= http_timeout,
            _ => true,
        }
    }
}

/// Which Gmail endpoint a Gmail fault targets (the file's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GmailTarget {
    /// `messages.list`.
    List,
    /// `messages.get`.
    Get,
    /// `history.list`.
    History,
    /// `messages.send`.
    Send,
    /// Every Gmail endpoint.
    All,
}

/// How a Gmail fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GmailFaultKind {
    /// 500 or 503.
    Status(u16),
    /// 429 with `Retry-After` in seconds.
    RateLimited(u64),
    /// Work done, answer lost.
    AckLost,
    /// Dropped before any work.
    Reset,
}

/// One step, as a scenario file states it (accounts are indexes into
/// [`ACCOUNTS`], times are from the start of the run).
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// `token_requests`.
    TokenRequests {
        /// Account index.
        account: usize,
        /// Concurrent callers.
        callers: u32,
        /// Window their starts spread over.
        spread: Duration,
        /// Instance.
        instance: u32,
    },
    /// `fault` on the token endpoint, mounted until `until`.
    TokenFault {
        /// Only this account's requests (None: every request).
        account: Option<usize>,
        /// What it answers.
        fault: TokenFault,
        /// Only the first `times` matching requests.
        times: Option<u64>,
        /// Unmounted at.
        until: Duration,
    },
    /// `revoke_account`.
    Revoke(usize),
    /// `change_password`.
    ChangePassword(usize),
    /// `invalidate_access_tokens` (the next API call gets 401).
    InvalidateAccessTokens(usize),
    /// `evict_by_limit`.
    EvictByLimit {
        /// Account index.
        account: usize,
        /// Extra grants issued elsewhere.
        grants: u32,
    },
    /// `skew_clock`.
    Skew {
        /// Whose clock.
        of: ClockTarget,
        /// How far.
        by: Duration,
        /// Ahead or behind.
        ahead: bool,
    },
    /// `jump_clock`.
    Jump {
        /// Whose clock.
        of: ClockTarget,
        /// How far.
        by: Duration,
        /// Forward or back.
        forward: bool,
    },
    /// `pause` (a stalled scheduler).
    Pause {
        /// Instance.
        instance: u32,
        /// How long.
        length: Duration,
    },
    /// `restart` (kill -9 and start again over the same store).
    Restart(u32),
    /// `status_poll` of every instance.
    StatusPoll,
    /// `store_outage` on, and off again `length` later.
    StoreOutage {
        /// Instance.
        instance: u32,
        /// How long.
        length: Duration,
    },
    /// `store_read_only` on, and off again `length` later.
    StoreReadOnly {
        /// Instance.
        instance: u32,
        /// How long.
        length: Duration,
    },
    /// `store_fail_after`.
    StoreFailAfter {
        /// Instance.
        instance: u32,
        /// Writes that still commit.
        writes: u64,
    },
    /// `authorize`: the user consents through the broker.
    Authorize {
        /// Account index.
        account: usize,
        /// Instance.
        instance: u32,
    },
    /// `forge_callback`: an attacker hands the broker a callback.
    ForgeCallback {
        /// Which forgery.
        kind: crate::scenario::ForgeKind,
        /// Account index.
        account: usize,
        /// Instance.
        instance: u32,
    },
    /// `gmail_profile` (a 401 asks for one forced refresh).
    GmailProfile {
        /// Account index.
        account: usize,
        /// Instance.
        instance: u32,
    },
    /// `sync`.
    Sync {
        /// Account index.
        account: usize,
        /// Instance.
        instance: u32,
    },
    /// `send`.
    Send {
        /// Account index.
        account: usize,
        /// Messages.
        count: u32,
        /// Instance.
        instance: u32,
    },
    /// `mailbox_add`.
    MailboxAdd {
        /// Account index.
        account: usize,
        /// Messages.
        count: u32,
    },
    /// `mailbox_delete`.
    MailboxDelete {
        /// Account index.
        account: usize,
        /// Messages.
        count: u32,
    },
    /// `mailbox_relabel` removing INBOX (archiving).
    MailboxArchive {
        /// Account index.
        account: usize,
        /// Messages.
        count: u32,
    },
    /// `expire_history`.
    ExpireHistory(usize),
    /// `crash_sync` at a crash point.
    CrashSync {
        /// Account index.
        account: usize,
        /// Which crash point.
        at_point: u32,
        /// Instance.
        instance: u32,
    },
    /// `gmail_fault`, mounted until `until`.
    GmailFault {
        /// Endpoint.
        endpoint: GmailTarget,
        /// What it answers.
        kind: GmailFaultKind,
        /// Only the first `times` matching requests.
        times: Option<u64>,
        /// Unmounted at.
        until: Duration,
    },
    /// `mail_store_fault`.
    MailStoreFault {
        /// Instance.
        instance: u32,
        /// Commits that fail.
        failures: u32,
    },
}

impl StepKind {
    /// The scenario step kind's name (`token_requests`, `fault`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::TokenRequests { .. } => "token_requests",
            Self::TokenFault { .. } => "fault",
            Self::Revoke(_) => "revoke_account",
            Self::ChangePassword(_) => "change_password",
            Self::InvalidateAccessTokens(_) => "invalidate_access_tokens",
            Self::EvictByLimit { .. } => "evict_by_limit",
            Self::Skew { .. } => "skew_clock",
            Self::Jump { .. } => "jump_clock",
            Self::Pause { .. } => "pause",
            Self::Restart(_) => "restart",
            Self::StatusPoll => "status_poll",
            Self::StoreOutage { .. } => "store_outage",
            Self::StoreReadOnly { .. } => "store_read_only",
            Self::StoreFailAfter { .. } => "store_fail_after",
            Self::Authorize { .. } => "authorize",
            Self::ForgeCallback { .. } => "forge_callback",
            Self::GmailProfile { .. } => "gmail_profile",
            Self::Sync { .. } => "sync",
            Self::Send { .. } => "send",
            Self::MailboxAdd { .. } => "mailbox_add",
            Self::MailboxDelete { .. } => "mailbox_delete",
            Self::MailboxArchive { .. } => "mailbox_relabel",
            Self::ExpireHistory(_) => "expire_history",
            Self::CrashSync { .. } => "crash_sync",
            Self::GmailFault { .. } => "gmail_fault",
            Self::MailStoreFault { .. } => "mail_store_fault",
        }
    }

    /// True for the Gmail steps (they need the `gmail` capability and make
    /// the mail invariants applicable).
    pub fn is_mail(&self) -> bool {
        matches!(
            self,
            Self::Sync { .. }
                | Self::Send { .. }
                | Self::MailboxAdd { .. }
                | Self::MailboxDelete { .. }
                | Self::MailboxArchive { .. }
                | Self::ExpireHistory(_)
                | Self::CrashSync { .. }
                | Self::GmailFault { .. }
                | Self::MailStoreFault { .. }
        )
    }

    /// The account a step names, if any.
    pub fn account(&self) -> Option<usize> {
        match self {
            Self::TokenRequests { account, .. }
            | Self::Authorize { account, .. }
            | Self::ForgeCallback { account, .. }
            | Self::EvictByLimit { account, .. }
            | Self::GmailProfile { account, .. }
            | Self::Sync { account, .. }
            | Self::Send { account, .. }
            | Self::MailboxAdd { account, .. }
            | Self::MailboxDelete { account, .. }
            | Self::MailboxArchive { account, .. }
            | Self::CrashSync { account, .. } => Some(*account),
            Self::Revoke(account)
            | Self::ChangePassword(account)
            | Self::InvalidateAccessTokens(account)
            | Self::ExpireHistory(account) => Some(*account),
            Self::TokenFault { account, .. } => *account,
            _ => None,
        }
    }

    /// The instance a step names, if any.
    pub fn instance(&self) -> Option<u32> {
        match self {
            Self::TokenRequests { instance, .. }
            | Self::Authorize { instance, .. }
            | Self::ForgeCallback { instance, .. }
            | Self::Pause { instance, .. }
            | Self::StoreOutage { instance, .. }
            | Self::StoreReadOnly { instance, .. }
            | Self::StoreFailAfter { instance, .. }
            | Self::GmailProfile { instance, .. }
            | Self::Sync { instance, .. }
            | Self::Send { instance, .. }
            | Self::CrashSync { instance, .. }
            | Self::MailStoreFault { instance, .. } => Some(*instance),
            Self::Restart(instance) => Some(*instance),
            Self::Skew {
                of: ClockTarget::Broker(instance),
                ..
            }
            | Self::Jump {
                of: ClockTarget::Broker(instance),
                ..
            } => Some(*instance),
            _ => None,
        }
    }
}

impl Schedule {
    /// The account names this schedule's provider knows.
    pub fn account_names(&self) -> &'static [&'static str] {
        &ACCOUNTS[..self.accounts.clamp(1, ACCOUNTS.len())]
    }

    /// True when some step is a Gmail step.
    pub fn has_mail(&self) -> bool {
        self.steps.iter().any(|s| s.step.is_mail())
    }

    /// True when some step is of this kind.
    pub fn has(&self, kind: &str) -> bool {
        self.steps.iter().any(|s| s.step.kind_name() == kind)
    }

    /// Scenario timeline entries this schedule plays (a repeated step and
    /// an on/off pair count once each).
    pub fn step_count(&self) -> usize {
        self.steps.len()
    }
}
