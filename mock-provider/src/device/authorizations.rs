use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Where a device authorization stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeviceStatus {
    /// The user has not decided yet: polls answer `authorization_pending`.
    Pending,
    /// The user approved as `account`: the next poll gets tokens.
    Approved {
        /// Who approved.
        account: String,
    },
    /// The user declined: polls answer `access_denied`.
    Denied,
    /// Tokens were handed out; the device code is spent.
    Redeemed,
}

/// What a test sees of one device authorization (never the device code,
/// which is a secret; the user code is what a TV shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// The code the user types, e.g. `GQVQ-JKEC`.
    pub user_code: String,
    /// The client that asked.
    pub client_id: String,
    /// The scopes it asked for, as Google records them.
    pub scopes: Vec<String>,
    /// Where it stands.
    pub status: DeviceStatus,
    /// Provider time the device code stops working.
    pub expires_at: SystemTime,
}

/// Why a user's decision on a device code could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceDecisionError {
    /// No device authorization has this user code.
    #[error("no device authorization has user code `{0}`")]
    UnknownUserCode(String),
    /// The approving account is not one the provider knows.
    #[error("no account `{0}`")]
    UnknownAccount(String),
    /// The device code expired before the user decided.
    #[error("the device code behind user code `{0}` has expired")]
    Expired(String),
    /// The user already decided (approve, deny, or tokens were issued).
    #[error("user code `{0}` was already decided")]
    AlreadyDecided(String),
}

/// One device code's record.
#[derive(Debug, Clone)]
pub(crate) struct PendingDevice {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub user_code: String,
    pub expires_at: SystemTime,
    /// The interval the device must keep; `slow_down` adds 5 s (RFC 8628 §3.5).
    pub interval: Duration,
    pub last_poll: Option<SystemTime>,
    pub status: DeviceStatus,
}

/// Every device authorization, by device code and by user code.
#[derive(Debug, Default)]
pub(crate) struct DeviceAuthorizations {
    by_device_code: HashMap<String, PendingDevice>,
    device_code_of: HashMap<String, String>,
    sweep_at: usize,
}

/// How user codes are compared: Google accepts them in any case, with or
/// without spaces around.
fn normalized(user_code: &str) -> String {
    user_code.trim().to_ascii_uppercase()
}

impl DeviceAuthorizations {
    /// Records a new authorization, first forgetting expired ones once the
    /// map has doubled since the last sweep (amortised O(1), bounded memory).
    pub fn insert(&mut self, device_code: String, pending: PendingDevice, now: SystemTime) {
        if self.by_device_code.len() >= self.sweep_at {
            self.by_device_code.retain(|_, p| p.expires_at > now);
            let live = &self.by_device_code;
            self.device_code_of
                .retain(|_, code| live.contains_key(code));
            self.sweep_at = self.by_device_code.len() * 2 + 64;
        }
        self.device_code_of
            .insert(normalized(&pending.user_code), device_code.clone());
        self.by_device_code.insert(device_code, pending);
    }

    pub fn get_mut(&mut self, device_code: &str) -> Option<&mut PendingDevice> {
        self.by_device_code.get_mut(device_code)
    }

    pub fn get(&self, device_code: &str) -> Option<&PendingDevice> {
        self.by_device_code.get(device_code)
    }

    /// Records the user's decision on `user_code`.
    pub fn decide(
        &mut self,
        user_code: &str,
        decision: DeviceStatus,
        now: SystemTime,
    ) -> Result<(), DeviceDecisionError> {
        let unknown = || DeviceDecisionError::UnknownUserCode(user_code.to_owned());
        let device_code = self
            .device_code_of
            .get(&normalized(user_code))
            .ok_or_else(unknown)?;
        let pending = self
            .by_device_code
            .get_mut(device_code)
            .ok_or_else(unknown)?;
        if pending.expires_at <= now {
            return Err(DeviceDecisionError::Expired(user_code.to_owned()));
        }
        if pending.status != DeviceStatus::Pending {
            return Err(DeviceDecisionError::AlreadyDecided(user_code.to_owned()));
        }
        pending.status = decision;
        Ok(())
    }

    /// Every authorization, soonest to expire first.
    pub fn summaries(&self) -> Vec<DeviceAuthorization> {
        let mut all: Vec<DeviceAuthorization> = self
            .by_device_code
            .values()
            .map(|p| DeviceAuthorization {
                user_code: p.user_code.clone(),
                client_id: p.client_id.clone(),
                scopes: p.scopes.clone(),
                status: p.status.clone(),
                expires_at: p.expires_at,
            })
            .collect();
        all.sort_by(|a, b| {
            a.expires_at
                .cmp(&b.expires_at)
                .then(a.user_code.cmp(&b.user_code))
        });
        all
    }
}
