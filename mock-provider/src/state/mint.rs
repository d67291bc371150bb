use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Mints Google-shaped opaque tokens from a seeded generator, so the same
/// seed yields the same tokens in the same order.
#[derive(Debug)]
pub(crate) struct TokenMint {
    rng: ChaCha8Rng,
}

impl TokenMint {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn random_text(&mut self, bytes: usize) -> String {
        let mut buf = vec![0u8; bytes];
        self.rng.fill_bytes(&mut buf);
        URL_SAFE_NO_PAD.encode(buf)
    }

    /// `ya29.` followed by opaque text, like Google's access tokens.
    pub fn access_token(&mut self) -> String {
        format!("ya29.a0{}", self.random_text(96))
    }

    /// `1//` followed by opaque text, like Google's refresh tokens.
    pub fn refresh_token(&mut self) -> String {
        format!("1//0{}", self.random_text(72))
    }
}

impl TokenMint {
    /// `4/0A` followed by opaque text, like Google's authorization codes.
    pub fn authorization_code(&mut self) -> String {
        format!("4/0A{}", self.random_text(54))
    }
}
