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

impl TokenMint {
    /// `AH-1Ng` followed by opaque text, like Google's device codes.
    pub fn device_code(&mut self) -> String {
        format!("AH-1Ng{}", self.random_text(60))
    }

    /// `XXXX-XXXX` from letters no one misreads on a TV, like Google's
    /// user codes (`GQVQ-JKEC`).
    pub fn user_code(&mut self) -> String {
        const LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
        let mut buf = [0u8; 8];
        self.rng.fill_bytes(&mut buf);
        let letter = |b: u8| char::from(LETTERS[usize::from(b) % LETTERS.len()]);
        let (left, right) = buf.split_at(4);
        format!(
            "{}-{}",
            left.iter().copied().map(letter).collect::<String>(),
            right.iter().copied().map(letter).collect::<String>()
        )
    }
}
