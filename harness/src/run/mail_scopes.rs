//! Scopes for scenarios that send mail: the default grant is read-only
//! (`gmail.readonly`), and Gmail refuses `messages.send` without
//! `gmail.send`, so such scenarios consent to both.

use crate::broker::BrokerEnv;
use crate::scenario::{Action, Scenario};

/// `gmail.readonly` and `gmail.send`.
pub(super) const SEND_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.send",
];

/// True when a step of `scenario` sends mail.
pub(super) fn sends_mail(scenario: &Scenario) -> bool {
    scenario
        .timeline
        .iter()
        .any(|step| matches!(step.get_ref().action, Action::Send(_)))
}

/// `env` with the scopes a mail-sending `scenario` needs.
pub(super) fn with_mail_scopes(mut env: BrokerEnv, scenario: &Scenario) -> BrokerEnv {
    if sends_mail(scenario) {
        env.scopes = SEND_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    }
    env
}
