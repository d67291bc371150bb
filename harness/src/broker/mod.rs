//! The broker-under-test seam: one trait, built per run by a factory.
//!
//! `under_test.rs` defines [`BrokerUnderTest`] and what a run hands a
//! broker ([`BrokerEnv`]); `reference.rs` binds the reference broker
//! in-process; `process/` binds any external process speaking the JSON-RPC
//! protocol of docs/PROTOCOL.md; `choice.rs` parses `--broker` into a
//! factory.

mod archive_is_delete;
mod choice;
mod flaky_mailbox;
mod gateway;
mod killable;
mod process;
mod recording_store;
mod redact;
mod reference;
mod reference_email;
mod reference_gateway;
mod reference_relay;
mod store_faults;
mod store_keys;
mod under_test;

pub use choice::{BrokerChoice, MUTANTS};
pub use gateway::{
    GATEWAY_SETUP, GatewayCapabilities, GatewaySetup, GatewayUnderTest, RelayAnswer,
    RelayConsumerKeyed, RelaySetup, ServiceAccountKeyed, SignedIn,
};
pub(crate) use killable::Killable;
pub use process::{BROKER_CLOCK_CONTROL, BrokerClockControl, MISSING_LIBFAKETIME, libfaketime};
pub use process::{CALL_TIMEOUT, ProcessBroker};
pub use redact::redact_store_spec;
pub use reference::ReferenceBroker;
pub(crate) use reference::{build_reference, build_reference_over};
pub(crate) use reference_email::{EmailFlaws, ReferenceEmail};
pub(crate) use reference_gateway::SIGN_IN_TRUSTS_ID_TOKENS;
pub(crate) use reference_relay::{RELAY_FLAWS, RelayFlaws};
pub use store_faults::{StoreFault, StoreWrite};
pub use store_keys::{RUN_STORE_KEYS, RunStoreKeys, store_keys_env};
pub use under_test::{
    AccountReport, AccountState, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest,
    Capabilities, FailureKind, RunShared,
};
