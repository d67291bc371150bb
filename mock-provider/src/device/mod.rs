//! The device authorization grant (RFC 8628) as Google runs it for "TVs and
//! limited-input devices".
//!
//! `POST /device/code` (`endpoint.rs`) hands a client a secret device code
//! and a user code to show; the user's decision comes from the test (the
//! admin API or [`MockProvider::approve_device`](crate::MockProvider::approve_device));
//! meanwhile the device polls `POST /token` with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (`poll.rs`) and
//! hears `authorization_pending`, `slow_down`, `access_denied` or
//! `expired_token` until it gets tokens. `authorizations.rs` holds the
//! records, inside the token model's lock.

mod authorizations;
mod endpoint;
mod poll;

pub use authorizations::{DeviceAuthorization, DeviceDecisionError, DeviceStatus};
pub(crate) use authorizations::{DeviceAuthorizations, PendingDevice};
pub(crate) use endpoint::{device_code_endpoint, verification_page};
pub(crate) use poll::token_grant;
