use super::{Checker, Judgement, Violation, capped};
use crate::record::{RunRecord, SignInAttempt};
use mock_provider::Endpoint;

const NAME: &str = "id_token_verified";

/// Sign-ins are verified: no forged, expired, wrong-audience, wrong-issuer,
/// `alg=none`, unknown-key or replayed-nonce id_token, and no replayed,
/// foreign or forged `state`, signs anyone in; every genuine sign-in succeeds
/// (also after a signing-key rotation).
///
/// Without a staged sign-in the run proves nothing: unknown, never a pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdTokenVerified;

impl IdTokenVerified {
    /// The violations, or why there is no verdict (no sign-in was staged).
    pub fn assess(run: &RunRecord) -> Result<Vec<Violation>, String> {
        let staged: Vec<&SignInAttempt> = run
            .gateway
            .sign_ins
            .iter()
            .filter(|attempt| attempt.not_staged.is_none())
            .collect();
        if staged.is_empty() {
            let why = run
                .gateway
                .sign_ins
                .iter()
                .find_map(|attempt| attempt.not_staged.clone())
                .unwrap_or_else(|| "the run had no sign-in step".to_owned());
            return Err(why);
        }
        let mut found = Vec::new();
        for attempt in staged {
            let entries = run
                .journal
                .iter()
                .filter(|e| e.endpoint == Endpoint::Token)
                .filter(|e| (attempt.journal_from..attempt.journal_to).contains(&e.seq))
                .map(|e| e.seq)
                .collect();
            match (&attempt.signed_in, attempt.kind.is_genuine()) {
                (Some(email), false) => found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "instance {} signed in `{email}` from a {:?} sign-in it should have refused",
                        attempt.instance, attempt.kind
                    ),
                    entries,
                }),
                (None, true) => found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "instance {} refused a genuine sign-in: {}",
                        attempt.instance,
                        attempt.refusal.as_deref().unwrap_or("no reason given")
                    ),
                    entries,
                }),
                _ => {}
            }
        }
        Ok(capped(NAME, found))
    }
}

impl Checker for IdTokenVerified {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        Judgement::from_assessment(Self::assess(run))
    }
}
