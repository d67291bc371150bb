use std::sync::{Arc, RwLock};

/// The base URI reported by a provider that has no socket. It lives with
/// the addresses (below the provider's handle, which re-exports it) so
/// the state never reaches up into `provider`.
pub const IN_MEMORY_URI: &str = "http://mock-provider.in-memory";

/// Where clients reach the provider and what it calls itself.
///
/// `base` is the prefix of every URL the provider advertises (discovery,
/// `verification_url`, the jwt-bearer audience): the socket it listens on,
/// unless a public URI was configured (a proxy, a container network).
/// `issuer` is `iss` in discovery, id_tokens and authorization responses:
/// the base unless configured. Both live behind one lock so a reader never
/// sees a socket's base with an in-memory issuer.
#[derive(Debug, Clone)]
pub(crate) struct Addresses {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Debug)]
struct Inner {
    base: Arc<str>,
    base_configured: bool,
    issuer: Option<Arc<str>>,
}

impl Addresses {
    pub fn new(in_memory_base: &str) -> Self {
        Self {
            inner: Arc::new(RwLock::new(Inner {
                base: Arc::from(in_memory_base),
                base_configured: false,
                issuer: None,
            })),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The prefix of every advertised URL, without a trailing slash.
    pub fn base(&self) -> Arc<str> {
        self.read().base.clone()
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> Arc<str> {
        let inner = self.read();
        inner.issuer.clone().unwrap_or_else(|| inner.base.clone())
    }

    /// Fixes the advertised base; a socket bound later does not replace it.
    pub fn configure_base(&self, base: &str) {
        let mut inner = self.write();
        inner.base = Arc::from(base.trim_end_matches('/'));
        inner.base_configured = true;
    }

    /// Fixes the issuer.
    pub fn configure_issuer(&self, issuer: &str) {
        self.write().issuer = Some(Arc::from(issuer));
    }

    /// The socket the provider now listens on becomes the base, unless a
    /// public URI was configured.
    pub fn bound(&self, socket_uri: &str) {
        let mut inner = self.write();
        if !inner.base_configured {
            inner.base = Arc::from(socket_uri);
        }
    }
}
