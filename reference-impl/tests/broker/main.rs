//! Broker behaviour against a Google-shaped token endpoint (wiremock), grouped by topic.

mod cached_tokens;
mod error_classification;
mod lifecycle;
mod redaction;
mod single_flight;
mod support;
