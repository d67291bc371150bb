//! `initialize`: opens the store the harness names, builds the token broker
//! (with authorization when the provider's `auth_url` and `redirect_url`
//! are given) and the mail side (when `gmail_base` is), registers the
//! consented accounts, and answers the capabilities that makes.

use crate::errors::{RpcError, parse, result};
use crate::mail::Mail;
use crate::session::Ready;
use oauth_chaos_protocol::{
    Capability, ErrorCode, ErrorKind, InitializeParams, InitializeResult, Method,
};
use reference_impl::{
    BrokerConfig, GoogleSignIn, Keyring, RefreshToken, ReqwestTransport, SignInConfig, StoreSpec,
    StoreSpecError, SystemClock, TokenBroker, TokenStore,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Whole-request timeout of the broker's HTTP client.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the session's broker from `initialize` params; the answer lists
/// the capabilities.
pub(crate) async fn initialize(params: Value) -> Result<(Ready, Value), RpcError> {
    let params: InitializeParams = parse(Method::Initialize, params)?;
    // `memory`, `file:DIR`, `sqlite:PATH` or a `postgres://` URL. Records
    // are sealed with `store.keys`, else the keyring in
    // OAUTH_CHAOS_STORE_KEYS, else a key for this process only (a restart
    // then cannot read them back).
    let spec: StoreSpec = params.store.kind.parse().map_err(|error: StoreSpecError| {
        RpcError::new(
            ErrorCode::InvalidParams,
            format!(
                "store kind `{}` is not supported; use `memory`, `file:DIR`, `sqlite:PATH` or a postgres url",
                error.kind
            ),
        )
    })?;
    let keyring = match &params.store.keys {
        Some(keys) => Keyring::parse(keys).map_err(|error| {
            RpcError::new(
                ErrorCode::InvalidParams,
                format!("bad `initialize` params: `store.keys`: {error}"),
            )
        })?,
        None => Keyring::from_default_env().unwrap_or_else(|_| Keyring::generate("process")),
    };
    let store = open_waiting(&spec, keyring).await?;
    // The harness's `http_timeout_ms` (the scenario's client timeout), else ours.
    let http_timeout = params
        .http_timeout_ms
        .map_or(HTTP_TIMEOUT, Duration::from_millis);
    let transport = Arc::new(ReqwestTransport::with_timeout(http_timeout));
    let seed = params.seed ^ params.instance;
    // An empty URL means "not offered", like a missing one.
    let provider = params.provider.without_empty_urls();
    let mut config = BrokerConfig::new(
        provider.token_url.clone(),
        params.client.id.clone(),
        params.client.secret.clone(),
    )
    .with_scopes(params.scopes)
    .with_seed(seed);
    // `wall_clock_waits`: every wait for a provider-named time naps on
    // the wall clock (`sleep_until_wall`), so the harness may skip time
    // while such a wait is all a call does (docs/PROTOCOL.md, "Time").
    let mut capabilities = vec![
        Capability::AccessToken,
        Capability::Status,
        Capability::WallClockWaits,
    ];
    let sign_in = match (
        &provider.issuer,
        &provider.auth_url,
        &provider.jwks_url,
        &provider.redirect_url,
    ) {
        (Some(issuer), Some(auth_url), Some(jwks_url), Some(redirect_url)) => {
            let config = SignInConfig::new(
                issuer,
                auth_url,
                &provider.token_url,
                jwks_url,
                &params.client.id,
                params.client.secret.as_str(),
                redirect_url,
            )
            .with_seed(seed);
            capabilities.push(Capability::SignIn);
            Some(
                GoogleSignIn::new(config, Arc::new(SystemClock), transport.clone())
                    .map_err(|error| RpcError::new(ErrorCode::InvalidParams, error.to_string()))?,
            )
        }
        _ => None,
    };
    if let (Some(auth_url), Some(redirect_url)) = (provider.auth_url, provider.redirect_url) {
        config = config.with_authorization(auth_url, redirect_url);
        capabilities.push(Capability::Authorization);
    }
    if let Some(revoke_url) = provider.revoke_url {
        config = config.with_revoke_url(revoke_url);
    }
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        transport.clone(),
        store.clone(),
    )
    .map_err(|error| RpcError::new(ErrorCode::InvalidParams, error.to_string()))?;
    let mail = match provider.gmail_base {
        Some(gmail_base) => {
            capabilities.push(Capability::Gmail);
            Some(Mail::open(&spec, gmail_base, transport, params.instance, seed).await?)
        }
        None => None,
    };
    for account in params.accounts {
        // After a restart over a durable store the stored grant is newer
        // than the one the harness hands over again: keep it.
        if params.restarted
            && let Ok(Some(_)) = store.load(&account.account).await
        {
            continue;
        }
        broker
            .add_account(&account.account, RefreshToken::new(account.refresh_token))
            .await;
    }
    if params.restarted {
        // status() reports what the store knows from the start: a refusal
        // the killed process stored says `needs_reauth` at once. A store
        // that is down now leaves each account to its first caller.
        let _ = broker.load_stored_accounts().await;
    }
    if !params.service_accounts.is_empty() {
        capabilities.push(Capability::ServiceAccounts);
        let fresh: Vec<_> = if params.restarted {
            let mut fresh = Vec::new();
            for account in params.service_accounts {
                if !matches!(store.load(&account.account).await, Ok(Some(_))) {
                    fresh.push(account);
                }
            }
            fresh
        } else {
            params.service_accounts
        };
        crate::service_accounts::register(&broker, fresh).await?;
    }
    let answer = result(InitializeResult {
        capabilities,
        name: Some("reference-broker".to_owned()),
    })?;
    Ok((
        Ready {
            broker,
            mail,
            sign_in,
        },
        answer,
    ))
}

/// How long a starting broker waits for a store that is unavailable (a
/// database still starting after its own restart) before it gives up.
const STORE_WAIT: Duration = Duration::from_secs(20);

/// Opens the store, retrying while it is unavailable for up to
/// [`STORE_WAIT`], as a service waits for its database at boot: a broker
/// restarted together with its database would otherwise refuse to start,
/// and its supervisor would find it dead. Any other error is at once.
async fn open_waiting(spec: &StoreSpec, keyring: Keyring) -> Result<Arc<dyn TokenStore>, RpcError> {
    let deadline = tokio::time::Instant::now() + STORE_WAIT;
    loop {
        match spec.open(keyring.clone()).await {
            Ok(store) => return Ok(store),
            Err(error @ reference_impl::StoreError::Unavailable { .. })
                if tokio::time::Instant::now() < deadline =>
            {
                tracing::warn!(%error, "the token store is unavailable; waiting for it");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => return Err(RpcError::failed(ErrorKind::Storage, error.to_string())),
        }
    }
}
