//! The Prometheus side: the `metrics` facade's recorder, rendered as the text
//! exposition format on `GET /metrics`.
//!
//! Besides the relay's own series (`oauth_relay_*`, see the table in
//! `reference_impl`'s relay stats) the broker's (`oauth_broker_*`) come out
//! here too. Token latency is a real Prometheus histogram (buckets below), so
//! quantiles aggregate across relays.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Seconds: from a cached answer (sub-millisecond) to a slow upstream.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How often histogram samples are folded in (the exporter needs a caller to
/// do it when it does not run its own listener).
const UPKEEP: Duration = Duration::from_secs(5);

/// Installs the global recorder; the handle renders what it collected.
pub(crate) fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("_latency_seconds".to_owned()),
            &LATENCY_BUCKETS,
        )
        .map_err(|e| format!("prometheus buckets: {e}"))?
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// `GET /metrics`.
pub(crate) fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { exposition(&handle) }
        }),
    )
}

fn exposition(handle: &PrometheusHandle) -> Response {
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
