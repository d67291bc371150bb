//! Fixed RSA-2048 test keypairs shipped in this folder. They are public on purpose:
//! the mock signs with them so runs are deterministic and nothing is generated at
//! start-up. Never trust them for anything real.

/// A shipped signing key: its kid, private key and public modulus.
#[derive(Debug, Clone, Copy)]
pub struct ShippedKey {
    /// The key id in id_token headers and the JWKS.
    pub kid: &'static str,
    /// The private key, PKCS#8 PEM (public on purpose: this is a mock).
    pub private_pem: &'static str,
    /// The public modulus, base64url (`openssl rsa -modulus`).
    pub n: &'static str,
}

/// The shipped keys. The first signs from the start; the others are there to rotate
/// to (`MockProvider::add_signing_key(kid, None)`), or to forge tokens with a key
/// the JWKS does not publish.
pub const SHIPPED_SIGNING_KEYS: [ShippedKey; 3] = [
    ShippedKey {
        kid: "oauth-chaos-mock-1",
        private_pem: include_str!("id_token_key.pem"),
        n: "ty62RCtCKTEjYoiX6XrABZVie1pJ2FSozJLCsHQPyFIS9Z1i6KC_gIv2Ke2JzpCT66rTvpsZuyvYYfeeQcFaYvG_SaEsV6AU09eqYZxwFMFUNy0gUK3ZX62z65liUVTW48tfxsR8gR9gc4F0-l5XQIVuM5hZmBPxzzNp1xH1E24KPWXHM27cyVyBZMxgp1hsGBkk6tCg_A1Fm9b-X9wXnh7wE-Vc6XK4K6TK9bNRuNrkGVg2XfrNsfgpAiJRa3DJ1oRsyJ42nsgi3_DSmctcTxJihElE-XnkM12GSGmFDPHUOzkqf5dsXmPYJBRb-C4uLsw-f4eQRLmFia4O4ZUREw",
    },
    ShippedKey {
        kid: "oauth-chaos-mock-2",
        private_pem: include_str!("id_token_key_2.pem"),
        n: "ww3ck3vsimJEEhuFm9Zaf9_Epp9CTHXK_2DGcn40H1Zua1Nmb6EAp4cD1lzgyeTE-Zy3ru17Xm6GciKFIqROS9H_XE1OCIRH6Qz2DKCW4TtPs3XrDus74fTc8U0LfICkrXzhibS0klVErWaTSD4puXpQx1cCHPXrYhO1S2-PnZyjBP0FBSVapYQI5RiWP7laZ1mc4t30IMXeg-A9mfgJqKskpCsqcR4smkV827imU4JAqbTIiiFX9dWwTk3VDodxVta67IosL7ye5G8kFOOkVB4dHrecxdCI3LPaknacnQWFCrusMbvRb43-VK-kA3kfxSaw0FbFDMbOXfcGqeJ1SQ",
    },
    ShippedKey {
        kid: "oauth-chaos-mock-3",
        private_pem: include_str!("id_token_key_3.pem"),
        n: "q_QbKJGSKu7dgOotuDdFp7_NYeRTtB0rer6llizoiD7cJ685cxQcDzFLxXvFVwCZ74a814G2H2tqvC3cHOpHoYXcCTrvk4Y3IjWf615KoxeU_E9Bs9UuAAled2oTPkpX6EshvOBsNbNtIR3EfwRuwE4P9q8hcdUc9kFHr7yukF31HLZU2UohV958u490jogVzcjl63cPJ4fT0zIyK_8OcBrA7bcHgsAHDC1zcqTKZKVnLs0EjA62k1czeSXdew8F4HFtJrKnLQMfEm2YwEsbp7zB_HxsmOwJfpToxI0e3VEnBZsfTLWk_XzuTS0T1-kfTeCr5EulP2DV_Wq8fP-Ycw",
    },
];
