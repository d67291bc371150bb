//! `mutant:logs-basic-auth`: logs its token request's headers, among them
//! `Authorization: Basic base64(client_id:client_secret)`, so the client
//! secret's base64 sits at whatever offset the client id's length gives
//! it (`no_token_leak`'s base64 alignments).

use crate::broker::BrokerEnv;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;

/// The line it logs.
pub(super) fn line(env: &BrokerEnv, _token: &str) -> String {
    let credentials = format!("{}:{}", env.client_id, env.client_secret.expose_secret());
    format!(
        "POST {} headers: content-type: application/x-www-form-urlencoded, authorization: Basic {}",
        env.token_url,
        STANDARD.encode(credentials)
    )
}
