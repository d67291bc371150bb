//! How the consent, forgery, other-device and API-call steps play: the
//! harness is the user's browser, an attacker and an app (the steps
//! themselves are in `crate::steps`).

use super::{Sink, Stage, lock};
use crate::record::{AfterRejection, ApiCall, AuthRecord, Consent, ForgedCallback};
use crate::run::browser::{self, Browser};
use crate::run::world::{Instance, World};
use crate::scenario::{ForgeKind, Scenario};
use crate::sim::SimClock;
use mock_provider::Fingerprint;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeSet;

/// Everything a spawned step task needs, owned.
#[derive(Clone)]
pub(crate) struct StepContext {
    instance: Instance,
    index: u32,
    account: String,
    browser: Browser,
    clock: SimClock,
    sink: Sink,
    scopes: Vec<String>,
    journal: mock_provider::Journal,
}

impl Stage<'_> {
    /// What a consent or API-call step's task needs, owned.
    pub(crate) fn context(&self, index: u32, account: &str) -> Option<StepContext> {
        let instance = self.world.instances.get(index as usize)?.clone();
        Some(StepContext {
            instance,
            index,
            account: account.to_owned(),
            browser: Browser::new(&self.world.provider),
            clock: self.world.provider_clock.clone(),
            sink: self.sink.clone(),
            scopes: self.scenario.broker.scopes.clone(),
            journal: self.world.provider.journal().clone(),
        })
    }
}

/// The run's [`AuthRecord`]: what the steps recorded plus every store's
/// writes and the scenario's declared scopes and rotation.
pub(super) fn finish(world: &World, scenario: &Scenario, sink: &Sink) -> AuthRecord {
    let mut record = lock(&sink.auth).clone();
    let mut seen_stores = BTreeSet::new();
    for instance in &world.instances {
        let writes = instance.broker.store_writes();
        // Instances sharing a store share its log: take it once.
        let stores: BTreeSet<String> = writes.iter().map(|w| w.store.clone()).collect();
        let fresh: Vec<_> = writes
            .into_iter()
            .filter(|w| !seen_stores.contains(&w.store))
            .collect();
        record.store_writes.extend(fresh);
        seen_stores.extend(stores);
    }
    // A bucket run: what the S3 server committed, whoever wrote it.
    record
        .store_writes
        .extend(crate::broker::committed_grant_writes(&world.shared));
    // What the harness configured the broker with (`send` steps add
    // `gmail.send`, see `mail_scopes.rs`).
    record.declared_scopes = if crate::run::mail_scopes::sends_mail(scenario) {
        crate::run::mail_scopes::SEND_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        scenario.broker.scopes.clone()
    };
    record.rotation_grace = scenario.provider.rotation_grace;
    record
}

/// Asks the broker for an authorization URL, records it and follows it;
/// the callback URL to hand back.
async fn start_consent(context: &StepContext) -> Result<String, String> {
    context.instance.wait_if_paused().await;
    let url = context
        .instance
        .broker
        .authorization_or_refusal()
        .begin_authorization(&context.account)
        .await
        .map_err(|failure| failure.to_string())?;
    let mut request = browser::describe(&url, context.index, &context.account, context.clock.now());
    // The browser's GET is the next request the provider journals.
    request.journal_seq = Some(context.journal.len() as u64);
    lock(&context.sink.auth).authorize_requests.push(request);
    // The user signs in as the step's account: a URL without `login_hint`
    // would otherwise consent as the mock's first account.
    let url = if url.contains("login_hint=") {
        url
    } else {
        let joiner = if url.contains('?') { '&' } else { '?' };
        let hint: String =
            url::form_urlencoded::byte_serialize(context.account.as_bytes()).collect();
        format!("{url}{joiner}login_hint={hint}")
    };
    context.browser.follow(&url).await
}

pub(crate) async fn authorize(context: StepContext) {
    let result = match start_consent(&context).await {
        Ok(callback) => context
            .instance
            .broker
            .authorization_or_refusal()
            .complete_authorization(&callback)
            .await
            .map(|_| ())
            .map_err(|failure| failure.to_string()),
        Err(message) => Err(message),
    };
    lock(&context.sink.auth).consents.push(Consent {
        instance: context.index,
        account: context.account.clone(),
        at: context.clock.now(),
        result,
    });
}

/// Stages the forgery; the callback to hand over.
async fn stage(
    context: &StepContext,
    kind: ForgeKind,
    rng: &mut ChaCha8Rng,
) -> Result<String, String> {
    let callback = start_consent(context).await?;
    match kind {
        ForgeKind::WrongState => {
            let forged_state = format!("forged-{:016x}", rng.random::<u64>());
            Ok(browser::with_param(&callback, "state", &forged_state))
        }
        ForgeKind::Replayed => {
            context
                .instance
                .broker
                .authorization_or_refusal()
                .complete_authorization(&callback)
                .await
                .map_err(|failure| format!("the genuine callback failed: {failure}"))?;
            Ok(callback)
        }
        ForgeKind::ForeignCode => {
            let state = browser::param(&callback, "state").ok_or("the broker sent no state")?;
            let (foreign, _) = context
                .browser
                .own_session(&context.account, &context.scopes, rng)
                .await?;
            Ok(browser::with_param(&foreign, "state", &state))
        }
    }
}

pub(crate) async fn forge_callback(context: StepContext, kind: ForgeKind, mut rng: ChaCha8Rng) {
    let staged = stage(&context, kind, &mut rng).await;
    let started_at = context.clock.now();
    let journal_from = context.journal.len() as u64;
    let (accepted, not_staged) = match staged {
        Ok(forged) => (
            context
                .instance
                .broker
                .authorization_or_refusal()
                .complete_authorization(&forged)
                .await
                .is_ok(),
            None,
        ),
        Err(reason) => (false, Some(reason)),
    };
    lock(&context.sink.auth)
        .forged_callbacks
        .push(ForgedCallback {
            instance: context.index,
            account: context.account.clone(),
            kind,
            started_at,
            finished_at: context.clock.now(),
            accepted,
            not_staged,
            journal_from,
            journal_to: context.journal.len() as u64,
        });
}

pub(crate) async fn issue_grants(context: StepContext, grants: u32, mut rng: ChaCha8Rng) {
    let from = context.clock.now();
    issue_grants_from(&context, grants, &mut rng).await;
    let to = context.clock.now();
    lock(&context.sink.auth)
        .other_device_consents
        .push((from, to));
}

async fn issue_grants_from(context: &StepContext, grants: u32, rng: &mut ChaCha8Rng) {
    for _ in 0..grants {
        let issued = match context
            .browser
            .own_session(&context.account, &context.scopes, rng)
            .await
        {
            Ok((callback, verifier)) => context.browser.exchange(&callback, &verifier).await,
            Err(reason) => Err(reason),
        };
        if let Err(reason) = issued {
            context.sink.failure(format!("evict_by_limit: {reason}"));
            return;
        }
    }
}

/// One API call the way an app makes it: a token, the call, and on 401 one
/// forced refresh and a retry. The event says what the broker really did,
/// read from the tokens it served and the journal.
pub(crate) async fn gmail_profile(context: StepContext) {
    context.instance.wait_if_paused().await;
    let broker = &context.instance.broker;
    let at = context.clock.now();
    let first = broker.access_token(&context.account, None).await;
    served(&context, at, &first);
    let mut call = ApiCall {
        instance: context.index,
        account: context.account.clone(),
        at,
        token: fingerprint(&first),
        status: None,
        journal_seq: None,
        after_401: None,
    };
    let outcome = match first {
        Err(failure) => format!("no token ({})", failure.kind.name()),
        Ok(token) => match call_gmail(&context, &token, &mut call.journal_seq).await {
            Ok(401) => {
                call.status = Some(401);
                let (after, text) = after_401(&context, &token).await;
                call.after_401 = Some(after);
                text
            }
            Ok(status) => {
                call.status = Some(status);
                status.to_string()
            }
            Err(reason) => reason,
        },
    };
    lock(&context.sink.auth).api_calls.push(call);
    context.sink.push(crate::record::TimelineEvent {
        at: context.clock.now(),
        what: format!("gmail profile: {outcome}"),
        account: Some(context.account.clone()),
        kind: "gmail_profile",
    });
}

/// The Gmail profile call with `token`; its status, and (in `seq`) its
/// journal entry: the one presenting `token` among those that arrived
/// meanwhile (other steps' requests may interleave).
async fn call_gmail(
    context: &StepContext,
    token: &SecretString,
    seq: &mut Option<u64>,
) -> Result<u16, String> {
    let from = context.journal.len() as u64;
    let status = context.browser.gmail_profile(token).await;
    let presented = Fingerprint::of(token.expose_secret());
    *seq = context
        .journal
        .filter(|e| {
            e.seq >= from
                && e.endpoint == mock_provider::Endpoint::GmailProfile
                && e.presented.contains(&presented)
        })
        .first()
        .map(|e| e.seq);
    status
}

/// Tells the broker the API rejected `rejected` and retries with what it
/// serves; what happened, and a sentence saying so.
async fn after_401(context: &StepContext, rejected: &SecretString) -> (AfterRejection, String) {
    let told_at = context.clock.now();
    let journal_from = context.journal.len() as u64;
    let retry = context
        .instance
        .broker
        .access_token(&context.account, Some(rejected))
        .await;
    let journal_to = context.journal.len() as u64;
    served(context, told_at, &retry);
    let answered_at = context.clock.now();
    let refreshes = refreshes_between(context, journal_from, journal_to);
    let said = describe(&refreshes);
    let (status, text) = match &retry {
        Err(failure) => (
            None,
            format!(
                "401, then {said}; no token for the retry ({})",
                failure.kind.name()
            ),
        ),
        Ok(fresh) => {
            let how = if Fingerprint::of(fresh.expose_secret())
                == Fingerprint::of(rejected.expose_secret())
            {
                format!("401, then {said}; the broker served the rejected token again")
            } else if refreshes.is_empty() {
                "401, then no refresh; the broker served another token it held".to_owned()
            } else {
                format!("401, then {said}; the broker served the new token")
            };
            match context.browser.gmail_profile(fresh).await {
                Ok(status) => (Some(status), format!("{how}; the retry got {status}")),
                Err(reason) => (None, format!("{how}; the retry failed: {reason}")),
            }
        }
    };
    let after = AfterRejection {
        told_at,
        answered_at,
        journal_from,
        journal_to,
        token: fingerprint(&retry),
        status,
    };
    (after, text)
}

/// The account's refreshes journaled in `[from, to)`, as "#12 (200)".
fn refreshes_between(context: &StepContext, from: u64, to: u64) -> Vec<String> {
    context
        .journal
        .filter(|e| {
            (from..to).contains(&e.seq)
                && e.is_refresh()
                && e.account.as_deref() == Some(context.account.as_str())
        })
        .into_iter()
        .map(|e| match &e.error {
            Some(error) => format!("#{} ({} {error})", e.seq, e.status),
            None => format!("#{} ({})", e.seq, e.status),
        })
        .collect()
}

fn describe(refreshes: &[String]) -> String {
    match refreshes {
        [] => "no refresh".to_owned(),
        [one] => format!("refresh {one}"),
        many => format!("refreshes {}", many.join(", ")),
    }
}

fn fingerprint(
    answer: &Result<SecretString, crate::broker::BrokerFailure>,
) -> Result<Fingerprint, crate::broker::FailureKind> {
    answer
        .as_ref()
        .map(|token| Fingerprint::of(token.expose_secret()))
        .map_err(|failure| failure.kind)
}

fn served(
    context: &StepContext,
    requested_at: std::time::SystemTime,
    answer: &Result<SecretString, crate::broker::BrokerFailure>,
) {
    let result = match answer {
        Ok(token) => Ok(Fingerprint::of(token.expose_secret())),
        Err(failure) => {
            context.sink.failure(failure.message.clone());
            Err(failure.kind)
        }
    };
    let account = context.account.clone();
    let sink = &context.sink;
    sink.served(context.index, account, requested_at, &context.clock, result);
}
