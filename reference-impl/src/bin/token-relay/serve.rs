//! Builds the broker and the relay from `relay.toml` and serves them until
//! SIGTERM or Ctrl-C.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reference_impl::{
    BrokerConfig, Keyring, RefreshToken, RelayConfig, ReqwestTransport, ServiceAccountGrant,
    ServiceAccountKey, StoreSpec, SystemClock, TokenBroker, TokenRelay,
};
use tokio::net::TcpListener;

use crate::config::{RelayFile, secret_from_env};

/// Whole-request timeout of the broker's HTTP client.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn run(path: &Path) -> Result<(), String> {
    let (file, dir) = RelayFile::load(path).map_err(|e| e.to_string())?;
    let prometheus = crate::metrics::install()?;
    let relay = relay(&file, &dir).await?;

    let listener = TcpListener::bind(file.listen)
        .await
        .map_err(|e| format!("cannot listen on `{}`: {e}", file.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // The first line of stdout is the URI, for scripts and tests.
    println!("http://{address}");
    let metrics = crate::metrics::router(prometheus);
    let mut app = relay.router();
    let metrics_server = match file.metrics_listen {
        Some(socket) => {
            let listener = TcpListener::bind(socket)
                .await
                .map_err(|e| format!("cannot listen on `{socket}` for metrics: {e}"))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            println!("metrics http://{address}/metrics");
            Some(tokio::spawn(async move {
                axum::serve(listener, metrics)
                    .with_graceful_shutdown(stopped())
                    .await
            }))
        }
        None => {
            app = app.merge(metrics);
            None
        }
    };
    tracing::info!(%address, "token relay listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped())
        .await
        .map_err(|e| format!("serving: {e}"))?;
    if let Some(server) = metrics_server {
        let _ = server.await;
    }
    Ok(())
}

/// The broker with the file's accounts and service accounts, and the relay's
/// roles and consumers over it.
async fn relay(file: &RelayFile, dir: &Path) -> Result<TokenRelay, String> {
    let spec: StoreSpec = file.store.parse().map_err(|_| {
        format!(
            "`store`: `{}` is not `memory`, `file:DIR`, `sqlite:PATH` or a postgres URL",
            file.store
        )
    })?;
    // Records are sealed; a store that outlives the process needs a keyring
    // that does too.
    let keyring = match Keyring::from_default_env() {
        Ok(keyring) => keyring,
        Err(_) if matches!(spec, StoreSpec::Memory) => Keyring::generate("process"),
        Err(error) => {
            return Err(format!(
                "`store` `{}` keeps grants across restarts: set {} ({error})",
                file.store,
                reference_impl::KEYRING_ENV
            ));
        }
    };
    let store = spec
        .open(keyring)
        .await
        .map_err(|e| format!("`store`: {e}"))?;
    let secret = secret_from_env(
        "provider.client_secret_env",
        &file.provider.client_secret_env,
    )?;
    let config = BrokerConfig::new(
        file.provider.token_url.clone(),
        file.provider.client_id.clone(),
        secret,
    );
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        Arc::new(ReqwestTransport::with_timeout(HTTP_TIMEOUT)),
        store,
    )
    .map_err(|e| e.to_string())?;
    for (n, account) in file.accounts.iter().enumerate() {
        // Without one, the store must already hold the account's grant.
        if let Some(var) = &account.refresh_token_env {
            let field = format!("accounts[{n}].refresh_token_env");
            let token = secret_from_env(&field, var)?;
            broker
                .add_account(&account.name, RefreshToken::new(token))
                .await;
        }
    }
    for (n, service) in file.service_accounts.iter().enumerate() {
        let key = ServiceAccountKey::from_file(dir.join(&service.key_file))
            .map_err(|e| format!("`service_accounts[{n}].key_file`: {e}"))?;
        let mut grant = ServiceAccountGrant::new(key, service.scopes.iter().cloned());
        if let Some(subject) = &service.subject {
            grant = grant.acting_as(subject.clone());
        }
        broker.add_service_account(&service.name, grant).await;
    }
    let mut config = RelayConfig::new();
    for role in &file.roles {
        config = config.role(
            role.name.clone(),
            role.account.clone(),
            role.scopes.iter().cloned(),
        );
    }
    for (n, consumer) in file.consumers.iter().enumerate() {
        let field = format!("consumers[{n}].credential_env");
        let credential = secret_from_env(&field, &consumer.credential_env)?;
        config = config.consumer(consumer.id.clone(), credential, consumer.role.clone());
    }
    if let Some(after) = file.alert_after {
        config = config.alert_after(after);
    }
    TokenRelay::new(broker, config).map_err(|e| format!("invalid relay config: {e}"))
}

/// Resolves on SIGTERM or Ctrl-C.
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
