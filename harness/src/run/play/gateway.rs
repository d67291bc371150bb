//! The gateway steps: the harness plays a browser signing in (or an attacker
//! shaping the sign-in), rotates the mock's signing key, calls for service-account
//! tokens, and drives relay consumers and relay outages.

use super::{CALL_TIMEOUT, Sink, Stage, lock};
use crate::broker::{FailureKind, GatewaySetup, GatewayUnderTest};
use crate::record::{GatewayRecord, RelayCall, RelayOutageWindow, SignInAttempt};
use crate::run::browser::{self, Browser};
use crate::run::world::{Instance, World};
use crate::scenario::{Scenario, SignInKind};
use crate::sim::SimClock;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mock_provider::{Endpoint, Fault, Fingerprint, MockProvider, SHIPPED_SIGNING_KEYS};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::{Duration, UNIX_EPOCH};

impl Stage<'_> {
    /// `rotate_signing_key`: the next shipped key (or `kid`) signs from now on.
    pub(crate) fn rotate_signing_key(&mut self, kid: Option<String>, retire_old: bool) {
        let provider = &self.world.provider;
        let before = provider.signing_keys();
        let next = kid.or_else(|| {
            SHIPPED_SIGNING_KEYS
                .iter()
                .map(|key| key.kid.to_owned())
                .find(|kid| !before.published.contains(kid))
        });
        let Some(next) = next else {
            self.sink
                .failure("rotate_signing_key: every shipped key is in use".into());
            return;
        };
        let mut outcome = provider
            .add_signing_key(&next, None)
            .and_then(|()| provider.use_signing_key(&next));
        if retire_old && outcome.is_ok() {
            outcome = provider.retire_signing_key(&before.active);
        }
        match outcome {
            Ok(()) => self.event(
                "rotate_signing_key",
                format!(
                    "signing key `{}` -> `{next}`{}",
                    before.active,
                    if retire_old { " (old key retired)" } else { "" }
                ),
                None,
            ),
            Err(error) => self.sink.failure(format!("rotate_signing_key: {error}")),
        }
    }

    /// `relay_outage`: the relay is down for `duration`, then restarts.
    pub(crate) fn relay_outage(&mut self, duration: Duration) {
        let Some(instance) = self.world.instances.first().cloned() else {
            return;
        };
        self.event(
            "relay_outage",
            format!("relay down for {}", humantime::format_duration(duration)),
            None,
        );
        let sink = self.sink.clone();
        let clock = self.world.provider_clock.clone();
        self.spawn(async move {
            let Some(gateway) = instance.broker.gateway() else {
                return;
            };
            if let Err(failure) = gateway.relay_down(true).await {
                sink.failure(format!("relay_outage: {failure}"));
                return;
            }
            let index = {
                let mut record = lock(&sink.gateway);
                record.relay_outages.push(RelayOutageWindow {
                    from: clock.now(),
                    until: None,
                });
                record.relay_outages.len() - 1
            };
            instance.sleep(duration).await;
            if let Err(failure) = gateway.relay_down(false).await {
                sink.failure(format!("relay restart: {failure}"));
                return;
            }
            if let Some(window) = lock(&sink.gateway).relay_outages.get_mut(index) {
                window.until = Some(clock.now());
            }
        });
    }
}

/// Completes the gateway record once the timeline is over.
pub(super) fn finish(world: &World, scenario: &Scenario, sink: &Sink) -> GatewayRecord {
    let mut record = lock(&sink.gateway).clone();
    record.sign_ins.sort_by_key(|attempt| attempt.finished_at);
    if let Some(gateway) = world.instances.first().and_then(|i| i.broker.gateway()) {
        record.relay_contacts = gateway.relay_contacts();
    }
    if let Some(relay) = &scenario.relay {
        for consumer in &relay.consumers {
            if let Some(role) = relay.roles.iter().find(|r| r.name == consumer.role) {
                record
                    .consumer_scopes
                    .insert(consumer.id.clone(), role.scopes.clone());
            }
        }
    }
    let provider = &world.provider;
    for (account, _) in provider.accounts() {
        if let Some(token) = provider.refresh_token(&account) {
            record
                .credentials
                .push((format!("refresh token of {account}"), token));
        }
    }
    record
        .credentials
        .push(("client secret".to_owned(), provider.client_secret()));
    let key_lines = crate::run::gateway_setup::service_account_key_lines();
    for line in key_lines.clone() {
        record.credentials.push((
            "service-account private key".to_owned(),
            SecretString::from(line.to_owned()),
        ));
    }
    if !scenario.service_accounts.is_empty() {
        for line in key_lines {
            let line = SecretString::from(line.to_owned());
            record.secrets.push(("a service-account private key", line));
        }
    }
    if let Some(relay) = GatewaySetup::of(&world.shared).and_then(|setup| setup.relay.clone()) {
        for consumer in relay.consumers {
            let what = "a relay consumer's credential";
            record.secrets.push((what, consumer.credential));
        }
    }
    record
}

/// What a sign-in step needs, owned.
struct SignInRun {
    instance: Instance,
    index: u32,
    provider: MockProvider,
    clock: SimClock,
}

pub(crate) async fn sign_in(
    instance: Instance,
    index: u32,
    kind: SignInKind,
    provider: MockProvider,
    clock: SimClock,
    sink: Sink,
    mut rng: ChaCha8Rng,
) {
    instance.wait_if_paused().await;
    let run = SignInRun {
        instance,
        index,
        provider,
        clock,
    };
    let started_at = run.clock.now();
    let journal_from = run.provider.journal().entries().len() as u64;
    let session = format!("browser-{:08x}", rng.next_u32());
    let outcome = match run.instance.broker.gateway() {
        Some(gateway) => tokio::time::timeout(
            CALL_TIMEOUT,
            play_sign_in(&run, gateway, kind, &session, &mut rng),
        )
        .await
        .unwrap_or(Staged::Refused("the broker did not answer in time".into())),
        None => Staged::Unstaged("the broker has no gateway".into()),
    };
    let (signed_in, refusal, not_staged) = match outcome {
        Staged::Accepted(email) => (Some(email), None, None),
        Staged::Refused(why) => (None, Some(why), None),
        Staged::Unstaged(why) => (None, None, Some(why)),
    };
    lock(&sink.gateway).sign_ins.push(SignInAttempt {
        instance: run.index,
        kind,
        started_at,
        finished_at: run.clock.now(),
        signed_in,
        refusal,
        not_staged,
        journal_from,
        journal_to: run.provider.journal().entries().len() as u64,
    });
}

enum Staged {
    Accepted(String),
    Refused(String),
    /// The harness could not set the attack up; it proves nothing.
    Unstaged(String),
}

async fn complete(gateway: &dyn GatewayUnderTest, session: &str, callback: &str) -> Staged {
    match gateway.sign_in_complete(session, callback).await {
        Ok(who) => Staged::Accepted(who.email),
        Err(failure) => Staged::Refused(failure.message),
    }
}

async fn play_sign_in(
    run: &SignInRun,
    gateway: &dyn GatewayUnderTest,
    kind: SignInKind,
    session: &str,
    rng: &mut ChaCha8Rng,
) -> Staged {
    let browser = Browser::new(&run.provider);
    let begin_as = if kind == SignInKind::OtherSession {
        format!("attacker-{session}")
    } else {
        session.to_owned()
    };
    let url = match gateway.sign_in_begin(&begin_as).await {
        Ok(url) => url,
        Err(failure) => return Staged::Unstaged(format!("sign_in_begin failed: {failure}")),
    };
    let callback = match browser.follow(&url).await {
        Ok(callback) => callback,
        Err(why) => return Staged::Unstaged(why),
    };
    match kind {
        SignInKind::Genuine | SignInKind::OtherSession => {
            complete(gateway, session, &callback).await
        }
        SignInKind::ReplayedState => match complete(gateway, session, &callback).await {
            Staged::Accepted(_) => complete(gateway, session, &callback).await,
            _ => Staged::Unstaged("the sign-in to replay was refused itself".into()),
        },
        SignInKind::ForgedState => {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            let forged = browser::with_param(&callback, "state", &URL_SAFE_NO_PAD.encode(bytes));
            complete(gateway, session, &forged).await
        }
        forged => {
            let Some(nonce) = browser::param(&url, "nonce") else {
                return Staged::Unstaged("the sign-in url carries no nonce".into());
            };
            let Some(id_token) = forge_id_token(run, forged, &nonce) else {
                return Staged::Unstaged("no shipped key to forge with".into());
            };
            let body = json!({
                "access_token": "ya29.forged-by-the-harness", "expires_in": 3599,
                "token_type": "Bearer", "id_token": id_token,
            });
            let _fault = run.provider.mount(
                Fault::on(Endpoint::Token)
                    .grant_type("authorization_code")
                    .respond(http::StatusCode::OK, body.to_string())
                    .times(1),
            );
            complete(gateway, session, &callback).await
        }
    }
}

/// An id_token of `kind` for this sign-in, from the mock's own keys (they are
/// public on purpose) so each forgery differs from a genuine token in one way.
fn forge_id_token(run: &SignInRun, kind: SignInKind, nonce: &str) -> Option<String> {
    let provider = &run.provider;
    let keys = provider.signing_keys();
    let active = SHIPPED_SIGNING_KEYS
        .iter()
        .find(|key| key.kid == keys.active)?;
    let unpublished = SHIPPED_SIGNING_KEYS
        .iter()
        .find(|key| !keys.published.iter().any(|kid| kid == key.kid))?;
    let now = run
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (email, subject) = provider
        .accounts()
        .into_iter()
        .next()
        .map(|(email, account)| (email, account.subject))?;
    let mut claims = json!({
        "iss": provider.issuer(), "aud": provider.client_id(), "azp": provider.client_id(),
        "sub": subject, "email": email, "email_verified": true,
        "iat": now, "exp": now + 3600, "nonce": nonce,
    });
    let sign = |claims: &Value, pem: &str, kid: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).ok()?;
        jsonwebtoken::encode(&header, claims, &key).ok()
    };
    match kind {
        SignInKind::BadSignature => return sign(&claims, unpublished.private_pem, active.kid),
        SignInKind::UnknownKid => return sign(&claims, unpublished.private_pem, unpublished.kid),
        SignInKind::AlgNone => {
            let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
            return Some(format!(
                "{}.{}.",
                part(&json!({"alg": "none", "kid": active.kid})),
                part(&claims)
            ));
        }
        SignInKind::Hs256 => {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(active.kid.to_owned());
            let key = EncodingKey::from_secret(active.n.as_bytes());
            return jsonwebtoken::encode(&header, &claims, &key).ok();
        }
        SignInKind::Expired => {
            claims["iat"] = json!(now.saturating_sub(7200));
            claims["exp"] = json!(now.saturating_sub(3600));
        }
        SignInKind::IssuedInFuture => {
            claims["iat"] = json!(now + 600);
            claims["exp"] = json!(now + 4200);
        }
        SignInKind::WrongAudience => {
            claims["aud"] = json!("another-client.apps.googleusercontent.com")
        }
        SignInKind::WrongAuthorizedParty => {
            claims["azp"] = json!("another-client.apps.googleusercontent.com");
        }
        SignInKind::WrongIssuer => claims["iss"] = json!("https://accounts.evil.example"),
        SignInKind::ReplayedNonce => claims["nonce"] = json!("an-earlier-sign-ins-nonce"),
        SignInKind::UnverifiedEmail => claims["email_verified"] = json!(false),
        SignInKind::Genuine
        | SignInKind::ReplayedState
        | SignInKind::OtherSession
        | SignInKind::ForgedState => {}
    }
    sign(&claims, active.private_pem, active.kid)
}

/// One `service_account_token` call of the broker's `account` (its own name
/// for the service account), recorded under `acts_as`, who the token acts
/// as at the provider.
pub(crate) async fn service_account_call(
    instance: Instance,
    index: u32,
    (account, acts_as): (String, String),
    scopes: Vec<String>,
    delay: Duration,
    clock: SimClock,
    sink: Sink,
) {
    instance.sleep(delay).await;
    instance.wait_if_paused().await;
    let requested_at = clock.now();
    let answer = match instance.broker.gateway() {
        Some(gateway) => tokio::time::timeout(
            CALL_TIMEOUT,
            gateway.service_account_token(&account, &scopes),
        )
        .await
        .unwrap_or(Err(crate::broker::BrokerFailure::new(
            FailureKind::Timeout,
            "no answer in time",
        ))),
        None => Err(crate::broker::BrokerFailure::new(
            FailureKind::Unsupported,
            "the broker has no gateway",
        )),
    };
    let result = match answer {
        Ok(token) => Ok(Fingerprint::of(token.expose_secret())),
        Err(failure) => {
            sink.failure(failure.message.clone());
            Err(failure.kind)
        }
    };
    sink.served(index, acts_as, requested_at, &clock, result);
}

pub(crate) async fn relay_call(
    instance: Instance,
    consumer: String,
    delay: Duration,
    provider: MockProvider,
    clock: SimClock,
    sink: Sink,
) {
    instance.sleep(delay).await;
    let started_at = clock.now();
    let Some(gateway) = instance.broker.gateway() else {
        return;
    };
    let answer = match tokio::time::timeout(CALL_TIMEOUT, gateway.relay_token(&consumer)).await {
        Ok(answer) => answer,
        Err(_) => crate::broker::RelayAnswer {
            result: Err((FailureKind::Timeout, false, "no answer in time".into())),
            bodies: Vec::new(),
        },
    };
    let result = answer
        .result
        .map(|token| provider.access_token_scopes(&token).unwrap_or_default());
    lock(&sink.gateway).relay_calls.push(RelayCall {
        consumer,
        started_at,
        finished_at: clock.now(),
        result,
        bodies: answer.bodies,
    });
}
