//! Which broker capability each timeline step needs. A step whose
//! capability the broker lacks is skipped (and recorded as such), and the
//! invariants that judge it are unknown; the rest of the run still counts.

use crate::broker::Capabilities;
use crate::scenario::{Action, Scenario};

/// The step's kind as in scenario files, and the capability it needs from
/// the broker (`None`: every broker can take it).
pub(crate) fn step_need(action: &Action) -> (&'static str, Option<&'static str>) {
    match action {
        Action::TokenRequests(_) => ("token_requests", None),
        Action::RevokeAccount { .. } => ("revoke_account", None),
        Action::Fault(_) => ("fault", None),
        Action::SkewClock(_) => ("skew_clock", None),
        Action::JumpClock(_) => ("jump_clock", None),
        Action::Pause(_) => ("pause", None),
        Action::StatusPoll(_) => ("status_poll", Some("status")),
        Action::Restart { .. } => ("restart", Some("restart")),
        Action::Sync(_) => ("sync", Some("gmail")),
        Action::Send(_) => ("send", Some("gmail")),
        Action::MailboxAdd(_) => ("mailbox_add", None),
        Action::MailboxDelete(_) => ("mailbox_delete", None),
        Action::MailboxRelabel(_) => ("mailbox_relabel", None),
        Action::ExpireHistory { .. } => ("expire_history", None),
        Action::CrashSync(_) => ("crash_sync", Some("crash_points")),
        Action::GmailFault(_) => ("gmail_fault", None),
        Action::MailStoreFault(_) => ("mail_store_fault", Some("mail_hooks")),
        Action::Authorize(_) => ("authorize", Some("authorization")),
        Action::ForgeCallback(_) => ("forge_callback", Some("authorization")),
        Action::ChangePassword { .. } => ("change_password", None),
        Action::InvalidateAccessTokens { .. } => ("invalidate_access_tokens", None),
        Action::EvictByLimit { .. } => ("evict_by_limit", None),
        Action::GmailProfile(_) => ("gmail_profile", None),
        Action::StoreOutage(_) => ("store_outage", Some("store_faults")),
        Action::StoreReadOnly(_) => ("store_read_only", Some("store_faults")),
        Action::StoreFailAfter(_) => ("store_fail_after", Some("store_faults")),
        Action::SignIn(_) => ("sign_in", Some("sign_in")),
        Action::RotateSigningKey(_) => ("rotate_signing_key", None),
        Action::ServiceAccountTokens(_) => ("service_account_tokens", Some("service_accounts")),
        Action::RelayRequests(_) => ("relay_requests", Some("relay")),
        Action::RelayOutage(_) => ("relay_outage", Some("relay")),
        // The harness faults the bucket itself: any broker on it meets it.
        Action::BucketFault(_) => ("bucket_fault", None),
        Action::CronRefreshDue(_) => ("cron_refresh_due", None),
    }
}

/// Every capability a scenario uses: what its steps and its invariants
/// need. A broker lacking some still runs it; only the invariants that
/// need the missing ones are unknown.
pub fn needed_capabilities(scenario: &Scenario) -> Capabilities {
    let mut names: Vec<&str> = vec!["access_token"];
    for checker in crate::checkers::checkers_for(&scenario.invariants) {
        names.extend(checker.needs().names());
    }
    for step in &scenario.timeline {
        if let (_, Some(capability)) = step_need(&step.get_ref().action) {
            names.push(capability);
            if capability == "mail_hooks" || capability == "crash_points" {
                names.push("gmail");
            }
        }
    }
    Capabilities::from_names(names)
}
