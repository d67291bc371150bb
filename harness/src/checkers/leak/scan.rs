//! The one-pass scan: every `width`-byte window of every form of every
//! secret goes into one hash set, then each channel is read once, looking
//! up each of its windows. Building is O(total secret length × forms),
//! scanning O(channel bytes), whatever the number of secrets.

use super::forms::forms;
use mock_provider::{RegisteredSecret, SecretKind};
use rustc_hash::FxHashMap;
use secrecy::ExposeSecret;

/// Where a window came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Origin {
    /// What the secret is.
    pub kind: SecretKind,
    /// Which form of it (`raw`, `hex`, `base64 at offset 2`, ...).
    pub form: &'static str,
}

/// Every window of every form of every secret.
#[derive(Debug)]
pub(super) struct Needles {
    width: usize,
    windows: FxHashMap<Box<[u8]>, Origin>,
}

impl Needles {
    /// The windows of `secrets` at `width` bytes. Forms shorter than
    /// `width` cannot be told from chance and are left out.
    pub fn new(secrets: &[RegisteredSecret], width: usize) -> Self {
        let mut windows: FxHashMap<Box<[u8]>, Origin> = FxHashMap::default();
        for secret in secrets {
            for form in forms(secret.value.expose_secret().as_bytes()) {
                for window in form.bytes.windows(width) {
                    windows.entry(window.into()).or_insert(Origin {
                        kind: secret.kind,
                        form: form.name,
                    });
                }
            }
        }
        Self { width, windows }
    }

    /// True when no secret was long enough to look for.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The window width.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Calls `hit(offset, origin)` for every window of `bytes` that is a
    /// window of some secret's form, in one pass.
    pub fn scan(&self, bytes: &[u8], mut hit: impl FnMut(usize, Origin)) {
        if bytes.len() < self.width {
            return;
        }
        for (offset, window) in bytes.windows(self.width).enumerate() {
            if let Some(origin) = self.windows.get(window) {
                hit(offset, *origin);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(value: &str) -> RegisteredSecret {
        RegisteredSecret {
            kind: SecretKind::RefreshToken,
            value: value.to_owned().into(),
        }
    }

    #[test]
    fn every_window_of_the_text_is_looked_up_once() {
        let needles = Needles::new(&[secret("1//0abcdefghijklmnopqrstuvwxyz")], 16);
        let mut hits = Vec::new();
        needles.scan(b"xx 1//0abcdefghijklmnop yy", |offset, origin| {
            hits.push((offset, origin.form));
        });
        assert_eq!(hits.first(), Some(&(3, "raw")));
        assert_eq!(hits.len(), 5, "{hits:?}");
    }

    #[test]
    fn text_shorter_than_a_window_has_no_hit_and_short_secrets_no_windows() {
        let needles = Needles::new(&[secret("short")], 16);
        assert!(needles.is_empty());
        let mut called = false;
        needles.scan(b"short", |_, _| called = true);
        assert!(!called);
    }
}
