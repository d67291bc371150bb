//! The broker-under-test seam, built per instance by a factory.
//!
//! `under_test.rs` defines [`BrokerUnderTest`] (tokens and the facets a
//! broker has), [`InstanceHost`] (the instance's lifetime, the faults
//! injected around it, what it wrote) and what a run hands a broker
//! ([`BrokerEnv`]); `facets.rs` the facets, one small trait each, from
//! which [`Capabilities::of`] derives what an instance can do; `reference.rs` binds the reference broker
//! in-process; `process/` binds any external process speaking the JSON-RPC
//! protocol of docs/PROTOCOL.md (`crate::choice` parses `--broker` into a
//! factory, above this module and `mutants`).

mod archive_is_delete;
mod capability_sets;
mod facets;
mod flaky_mailbox;
mod forward_host;
mod gateway;
mod killable;
mod postgres_faults;
mod process;
mod recording_store;
mod redact;
mod reference;
mod reference_email;
mod reference_gateway;
mod reference_relay;
mod reference_token;
mod run_bucket;
mod store_faults;
mod store_keys;
mod under_test;
mod write_trap;

pub use facets::{AuthorizationFacet, MailFacet, MailFaults, StatusFacet, StoreFaults};
pub(crate) use forward_host::forward_host;
pub use gateway::{
    GATEWAY_SETUP, GatewayCapabilities, GatewaySetup, GatewayUnderTest, RelayAnswer,
    RelayConsumerKeyed, RelaySetup, ServiceAccountKeyed, SignedIn,
};
pub(crate) use killable::Killable;
pub use postgres_faults::{PostgresFaults, RUN_POSTGRES_FAULTS};
pub use process::{BROKER_CLOCK_CONTROL, BrokerClockControl, MISSING_LIBFAKETIME, libfaketime};
pub use process::{CALL_TIMEOUT, PROCESS_TABLE, ProcessBroker, ProcessTable};
pub use process::{MISSING_LIBFIU, PROCESS_STORE_FAULTS, ProcessStoreFaults, RUN_PROVIDER, libfiu};
pub use redact::redact_store_spec;
pub use reference::ReferenceBroker;
pub(crate) use reference::{build_reference, build_reference_over, open_durable, open_sim_bucket};
pub(crate) use reference_email::{EmailFlaws, ReferenceEmail};
pub(crate) use reference_gateway::{SIGN_IN_SUBSTITUTE, SignInSubstitute, SubstituteSignIn};
pub(crate) use reference_relay::{RELAY_FLAWS, RelayFlaws};
pub use run_bucket::{
    FaultyObjects, RUN_BUCKET, RunBucket, bucket_env, committed_grant_writes, open_run_bucket,
};
pub use store_faults::{StoreFault, StoreWrite};
pub use store_keys::{RUN_STORE_KEYS, RunStoreKeys, store_keys_env};
pub use under_test::{
    AccountReport, AccountState, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance,
    BrokerUnderTest, Capabilities, FailureKind, InstanceHost, RunShared, unsupported,
};
pub(crate) use write_trap::TrapSlot;
pub use write_trap::WriteTrap;
