//! The user-facing handle: [`MockProvider`] and its [`MockProviderBuilder`].
//!
//! `builder.rs` collects options and seeds clients and accounts;
//! `handle.rs` is the running provider (socket or in-memory) and the
//! operations a test performs on it; `mailbox_ops.rs` the Gmail and clock
//! operations; `device_ops.rs` the user's side of the device flow.

mod builder;
mod device_ops;
mod handle;
mod mailbox_ops;
mod shared_view;

pub use builder::{DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_SCOPES, MockProviderBuilder};
pub use handle::MockProvider;

pub use builder::DEFAULT_REDIRECT_URI;
pub use handle::IN_MEMORY_URI;

pub(crate) use crate::state::clamp_time;
