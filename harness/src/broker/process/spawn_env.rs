//! The environment a broker process is spawned with, beyond the protocol:
//! libfaketime when the run moves broker clocks, and the run's store keyring
//! when the instances share a durable store. Respawns reuse it, so a
//! restarted process keeps its clock offset and can read its store.

use super::faketime::{BROKER_CLOCK_CONTROL, BrokerClockControl, FakeClock};
use crate::broker::{BrokerEnv, BrokerFailure, FailureKind};

/// Environment variables for every spawn of one instance; `Debug` shows
/// names only (the store keyring is a secret).
pub(super) struct SpawnEnv(pub Vec<(String, String)>);

impl std::fmt::Debug for SpawnEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl SpawnEnv {
    /// The variables for the instance `env` describes, and its libfaketime
    /// clock when the run registered a [`BrokerClockControl`].
    pub fn for_instance(env: &BrokerEnv) -> Result<(Self, Option<FakeClock>), BrokerFailure> {
        let clock = match env.shared.get::<BrokerClockControl>(BROKER_CLOCK_CONTROL) {
            Some(control) => Some(FakeClock::new(control.libfaketime.clone()).map_err(
                |error| {
                    BrokerFailure::new(
                        FailureKind::Other,
                        format!("cannot create the broker's clock file: {error}"),
                    )
                },
            )?),
            None => None,
        };
        let mut vars = clock.as_ref().map(FakeClock::env).unwrap_or_default();
        vars.extend(crate::broker::store_keys_env(&env.shared));
        vars.extend(crate::broker::bucket_env(&env.shared));
        Ok((Self(vars), clock))
    }
}
