use super::{Checker, Judgement, Violation, capped};
use crate::record::RunRecord;
use secrecy::ExposeSecret;

const NAME: &str = "no_credential_to_consumer";

/// No refresh token, client secret or service-account private key crosses the
/// relay boundary: none appears in any response body a consumer received.
///
/// Without a body received: unknown, never a pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCredentialToConsumer;

impl NoCredentialToConsumer {
    /// The violations, or why there is no verdict.
    pub fn assess(run: &RunRecord) -> Result<Vec<Violation>, String> {
        let bodies: usize = run.gateway.relay_calls.iter().map(|c| c.bodies.len()).sum();
        if bodies == 0 {
            return Err("no consumer received an answer from the relay".to_owned());
        }
        if run.gateway.credentials.is_empty() {
            return Err("the run registered no long-lived credential to look for".to_owned());
        }
        let mut found = Vec::new();
        for call in &run.gateway.relay_calls {
            for body in &call.bodies {
                for (what, value) in &run.gateway.credentials {
                    let value = value.expose_secret().as_bytes();
                    if value.len() >= 16 && body.windows(value.len()).any(|w| w == value) {
                        found.push(Violation {
                            invariant: NAME,
                            message: format!(
                                "consumer `{}` received the {what} in a relay answer",
                                call.consumer
                            ),
                            entries: Vec::new(),
                        });
                    }
                }
            }
        }
        Ok(capped(NAME, found))
    }
}

impl Checker for NoCredentialToConsumer {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        Judgement::from_assessment(Self::assess(run))
    }
}
