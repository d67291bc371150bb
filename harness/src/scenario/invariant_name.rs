//! Every invariant by name, as scenario files, reports and the mutant table
//! name them.

use serde::Serialize;

/// An invariant.
///
/// ```
/// use harness::scenario::InvariantName;
/// assert_eq!(InvariantName::NoTokenLeak.name(), "no_token_leak");
/// assert_eq!(InvariantName::from_name("no_token_leak"), Some(InvariantName::NoTokenLeak));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantName {
    /// Every call answered in time, no crash, no broken protocol.
    BrokerResponsive,
    /// Every call served unless the run excuses its failure.
    Availability,
    /// One refresh per grant at a time.
    SingleFlightRefresh,
    /// No expired token served; refreshes ahead of expiry.
    ProactiveRefresh,
    /// No retry after invalid_grant; Retry-After honoured; backoff grows.
    RetryDiscipline,
    /// A revocation or store outage shows in status within the bound.
    OutageSurfaced,
    /// No secret in any channel the harness captured.
    NoTokenLeak,
    /// A kill -9 loses no grant.
    SurvivesRestart,
    /// No mail lost on either side.
    NoLostEmail,
    /// No mail duplicated on either side.
    NoDuplicateEmail,
    /// The store never goes back to an older version.
    NoStaleOverwrite,
    /// Scopes within what the scenario declared.
    LeastPrivilege,
    /// Forged or replayed callbacks rejected; PKCE S256.
    CsrfProtected,
    /// A token an API rejected is never served again.
    NoRejectedTokenReuse,
    /// Sign-in accepts only verified id_tokens.
    IdTokenVerified,
    /// The relay never hands a consumer a refresh token or a secret.
    NoCredentialToConsumer,
    /// Relay consumers keep being served, with backoff while it is down.
    RelayConsumersAvailable,
    /// An account near expiry whose refreshes keep failing shows an alert.
    AlertRaised,
}

impl InvariantName {
    /// Every invariant.
    pub const ALL: [InvariantName; 18] = [
        InvariantName::BrokerResponsive,
        InvariantName::Availability,
        InvariantName::SingleFlightRefresh,
        InvariantName::ProactiveRefresh,
        InvariantName::RetryDiscipline,
        InvariantName::OutageSurfaced,
        InvariantName::NoTokenLeak,
        InvariantName::SurvivesRestart,
        InvariantName::NoLostEmail,
        InvariantName::NoDuplicateEmail,
        InvariantName::NoStaleOverwrite,
        InvariantName::LeastPrivilege,
        InvariantName::CsrfProtected,
        InvariantName::NoRejectedTokenReuse,
        InvariantName::IdTokenVerified,
        InvariantName::NoCredentialToConsumer,
        InvariantName::RelayConsumersAvailable,
        InvariantName::AlertRaised,
    ];

    /// The name in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            InvariantName::BrokerResponsive => "broker_responsive",
            InvariantName::Availability => "availability",
            InvariantName::SingleFlightRefresh => "single_flight_refresh",
            InvariantName::ProactiveRefresh => "proactive_refresh",
            InvariantName::RetryDiscipline => "retry_discipline",
            InvariantName::OutageSurfaced => "outage_surfaced",
            InvariantName::NoTokenLeak => "no_token_leak",
            InvariantName::SurvivesRestart => "survives_restart",
            InvariantName::NoLostEmail => "no_lost_email",
            InvariantName::NoDuplicateEmail => "no_duplicate_email",
            InvariantName::NoStaleOverwrite => "no_stale_overwrite",
            InvariantName::LeastPrivilege => "least_privilege",
            InvariantName::CsrfProtected => "csrf_protected",
            InvariantName::NoRejectedTokenReuse => "no_rejected_token_reuse",
            InvariantName::IdTokenVerified => "id_token_verified",
            InvariantName::NoCredentialToConsumer => "no_credential_to_consumer",
            InvariantName::RelayConsumersAvailable => "relay_consumers_available",
            InvariantName::AlertRaised => "alert_raised",
        }
    }

    /// The invariant called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<InvariantName> {
        InvariantName::ALL
            .into_iter()
            .find(|invariant| invariant.name() == name)
    }
}

impl std::fmt::Display for InvariantName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_invariant_a_scenario_can_name_is_here_and_nothing_else() {
        let schema = schemars::schema_for!(super::super::Invariants);
        let properties: Vec<String> = schema
            .as_value()
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .expect("the invariants table has properties")
            .keys()
            .cloned()
            .collect();
        for property in &properties {
            assert!(
                InvariantName::from_name(property).is_some(),
                "`{property}` is missing from InvariantName"
            );
        }
        for invariant in InvariantName::ALL {
            // Always on, with no parameters a scenario could set.
            if invariant != InvariantName::BrokerResponsive {
                assert!(
                    properties.iter().any(|p| p == invariant.name()),
                    "`{invariant}` is not an invariant a scenario can name"
                );
            }
        }
    }
}
