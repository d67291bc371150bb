//! The simulated user's side of the device flow, for tests and the admin
//! API: approve or deny the code a device shows.

use super::MockProvider;
use crate::device::{DeviceAuthorization, DeviceDecisionError, DeviceStatus};

impl MockProvider {
    /// The user enters `user_code` and approves as `account`: the device's
    /// next poll gets tokens (and an offline grant).
    ///
    /// ```
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = mock_provider::MockProvider::start().await;
    /// let answer: serde_json::Value = reqwest::Client::new()
    ///     .post(format!("{}/device/code", provider.uri()))
    ///     .form(&[("client_id", provider.client_id()), ("scope", "openid email")])
    ///     .send().await?.json().await?;
    /// let user_code = answer["user_code"].as_str().unwrap_or_default();
    /// provider.approve_device(user_code, "alice@example.com")?;
    /// # Ok(()) }
    /// ```
    pub fn approve_device(
        &self,
        user_code: &str,
        account: &str,
    ) -> Result<(), DeviceDecisionError> {
        let now = self.shared().state.clock.now();
        let mut model = self.shared().state.model();
        if !model.accounts.contains_key(account) {
            return Err(DeviceDecisionError::UnknownAccount(account.to_owned()));
        }
        let approved = DeviceStatus::Approved {
            account: account.to_owned(),
        };
        model.devices.decide(user_code, approved, now)
    }

    /// The user enters `user_code` and declines: polls answer
    /// `access_denied` from now on.
    pub fn deny_device(&self, user_code: &str) -> Result<(), DeviceDecisionError> {
        let now = self.shared().state.clock.now();
        let mut model = self.shared().state.model();
        model.devices.decide(user_code, DeviceStatus::Denied, now)
    }

    /// Every device authorization the provider remembers, soonest to
    /// expire first.
    pub fn device_authorizations(&self) -> Vec<DeviceAuthorization> {
        self.shared().state.model().devices.summaries()
    }
}
