//! Broker behaviour against a Google-shaped token endpoint (wiremock), grouped by topic.

mod abort;
mod alert;
mod authorization;
mod bad_input;
mod cached_tokens;
mod cross_process;
mod error_classification;
mod lifecycle;
mod observability;
mod per_thread_cache;
mod redaction;
mod refresh_due;
mod refused_grant;
mod revocation;
mod single_flight;
mod support;
