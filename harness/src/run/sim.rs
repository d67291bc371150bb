use super::{RunOutcome, RunRecord, ServedToken, Verdict};
use crate::broker::{BrokerChoice, BrokerEnv, BrokerUnderTest, FailureKind};
use crate::checkers::checkers_for;
use crate::errors::RunError;
use crate::scenario::{Action, Mode, Scenario, expand_timeline};
use crate::sim::{InMemoryTransport, SimClock, SimTime};
use mock_provider::{Endpoint, Fault, Fingerprint, MockProvider};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Simulated runs start at 2026-01-01T00:00:00Z.
const SIM_EPOCH_SECS: u64 = 1_767_225_600;
/// A broker call that takes longer than this (simulated) is recorded as a timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `scenario` against `broker`; `seed` overrides the file's seed.
///
/// Sim mode runs on a fresh current-thread runtime with paused time, so a
/// simulated day takes milliseconds and the same seed gives the same journal.
pub fn run_scenario(
    path: &Path,
    scenario: &Scenario,
    broker: &BrokerChoice,
    seed: Option<u64>,
) -> Result<(RunOutcome, RunRecord), RunError> {
    if scenario.mode != Mode::Sim {
        return Err(RunError::UnsupportedMode {
            scenario: scenario.name.clone(),
            mode: "real".into(),
        });
    }
    let seed = seed.unwrap_or(scenario.seed);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(RunError::Runtime)?;
    let started = Instant::now();
    let record = runtime.block_on(play(scenario, broker, seed));
    let wall_time = started.elapsed();
    let checkers = checkers_for(&scenario.invariants);
    let violations: Vec<_> = checkers.iter().flat_map(|c| c.check(&record)).collect();
    let outcome = RunOutcome {
        scenario: scenario.name.clone(),
        path: path.to_path_buf(),
        broker: broker.name(),
        seed,
        verdict: if violations.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Failed
        },
        violations,
        checked: checkers.iter().map(|c| c.name()).collect(),
        requests: record.journal.len(),
        calls: record.served.len(),
        journal_hash: record.journal_hash.clone(),
        wall_time,
        simulated: scenario.duration,
        note: None,
    };
    Ok((outcome, record))
}

async fn play(scenario: &Scenario, broker: &BrokerChoice, seed: u64) -> RunRecord {
    let time = SimTime::new(UNIX_EPOCH + Duration::from_secs(SIM_EPOCH_SECS));
    let provider_clock = time.clock();
    let mut builder = MockProvider::builder()
        .seed(seed)
        .clock(Arc::new(provider_clock.clone()))
        .access_token_ttl(scenario.provider.access_token_ttl);
    for account in &scenario.provider.accounts {
        builder = builder.account(account);
    }
    let provider = builder.build();
    if !scenario.provider.token_latency.is_zero() {
        provider
            .mount(Fault::on(Endpoint::Token).delay(scenario.provider.token_latency))
            .keep();
    }
    let mut instances: Vec<Arc<dyn BrokerUnderTest>> = Vec::new();
    for instance in 0..scenario.broker.instances {
        let env = BrokerEnv {
            instance,
            seed,
            clock: Arc::new(time.clock()),
            transport: Arc::new(InMemoryTransport::new(provider.router())),
            token_url: provider.token_url(),
            client_id: provider.client_id().to_owned(),
            client_secret: provider.client_secret(),
            scopes: mock_provider::DEFAULT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            accounts: provider
                .accounts()
                .into_iter()
                .filter_map(|(account, _)| provider.refresh_token(&account).map(|t| (account, t)))
                .collect(),
        };
        instances.push(broker.factory().build(env).await);
    }
    let served = Arc::new(Mutex::new(Vec::new()));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0068_6172_6e65_7373);
    let mut calls = Vec::new();
    for timed in expand_timeline(scenario) {
        tokio::time::sleep_until(time.instant_at(timed.at)).await;
        match timed.action {
            Action::TokenRequests {
                account,
                callers,
                spread,
                instance,
            } => {
                let broker = instances[instance as usize].clone();
                for _ in 0..callers {
                    let delay = random_within(&mut rng, spread);
                    calls.push(tokio::spawn(call_access_token(
                        broker.clone(),
                        instance,
                        account.clone(),
                        delay,
                        provider_clock.clone(),
                        served.clone(),
                    )));
                }
            }
        }
    }
    tokio::time::sleep_until(time.instant_at(scenario.duration)).await;
    for call in calls {
        // A call task only panics if the broker panicked; that shows up as a
        // missing served record, which the checkers report.
        let _ = call.await;
    }
    let served = served.lock().map(|s| s.clone()).unwrap_or_default();
    RunRecord {
        journal: provider.journal().entries(),
        journal_hash: provider.journal().hash(),
        served,
    }
}

fn random_within(rng: &mut ChaCha8Rng, window: Duration) -> Duration {
    let nanos = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(rng.random_range(0..nanos))
    }
}

async fn call_access_token(
    broker: Arc<dyn BrokerUnderTest>,
    instance: u32,
    account: String,
    delay: Duration,
    clock: SimClock,
    served: Arc<Mutex<Vec<ServedToken>>>,
) {
    tokio::time::sleep(delay).await;
    let requested_at: SystemTime = clock.now();
    let result = match tokio::time::timeout(CALL_TIMEOUT, broker.access_token(&account)).await {
        Ok(Ok(token)) => Ok(Fingerprint::of(token.expose_secret())),
        Ok(Err(failure)) => Err(failure.kind),
        Err(_) => Err(FailureKind::Timeout),
    };
    let record = ServedToken {
        instance,
        account,
        requested_at,
        served_at: clock.now(),
        result,
    };
    served
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(record);
}
