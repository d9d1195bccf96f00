//! The secrets that prove who a caller is.
//!
//! Passwords are stored as argon2id hashes (PHC strings, salted, memory-hard) and never
//! kept otherwise. API tokens are 256 random bits shown once; only their SHA-256 is
//! stored — a fast hash is right for a secret that cannot be guessed, and it lets a
//! server check a token without argon2's cost. A token reads `dwt_<id>_<secret>`: the id
//! finds the stored hash, the secret proves possession.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const TOKEN_PREFIX: &str = "dwt_";
const ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 32;

/// Why a secret could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("not a Dijkwacht API token: {0}")]
    TokenFormat(&'static str),
}

/// Hashes a password with argon2id and a fresh salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| SecretError::Hashing(error.to_string()))
}

/// Whether `password` matches a hash made by [`hash_password`]. A malformed stored hash
/// matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The public part of a token, under which its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenId(pub String);

/// An API token as its holder has it. `Debug` does not show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    id: TokenId,
    secret: String,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ApiToken")
            .field("id", &self.id)
            .field("secret", &"(redacted)")
            .finish()
    }
}

impl ApiToken {
    /// A new token from the operating system's random source.
    pub fn generate() -> Result<ApiToken, SecretError> {
        let mut id = [0u8; ID_BYTES];
        let mut secret = [0u8; SECRET_BYTES];
        getrandom::fill(&mut id).map_err(|error| SecretError::Random(error.to_string()))?;
        getrandom::fill(&mut secret).map_err(|error| SecretError::Random(error.to_string()))?;
        Ok(ApiToken {
            id: TokenId(URL_SAFE_NO_PAD.encode(id).replace(['-', '_'], "x")),
            secret: URL_SAFE_NO_PAD.encode(secret),
        })
    }

    /// Reads a token as a caller presents it, checking its form.
    pub fn parse(text: &str) -> Result<ApiToken, SecretError> {
        let rest = text
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(SecretError::TokenFormat("it does not start with dwt_"))?;
        let (id, secret) = rest.split_once('_').ok_or(SecretError::TokenFormat(
            "it has no secret part after the id",
        ))?;
        if id.len() != 8 || !id.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            return Err(SecretError::TokenFormat(
                "its id is not 8 letters or digits",
            ));
        }
        match URL_SAFE_NO_PAD.decode(secret) {
            Ok(bytes) if bytes.len() == SECRET_BYTES => {}
            _ => {
                return Err(SecretError::TokenFormat(
                    "its secret is not 43 base64url characters",
                ));
            }
        }
        Ok(ApiToken {
            id: TokenId(id.to_owned()),
            secret: secret.to_owned(),
        })
    }

    pub fn id(&self) -> &TokenId {
        &self.id
    }

    /// The whole token, to show its holder once.
    pub fn reveal(&self) -> String {
        format!("{TOKEN_PREFIX}{}_{}", self.id.0, self.secret)
    }

    /// What is stored: the hex SHA-256 of the secret.
    pub fn secret_hash(&self) -> String {
        Sha256::digest(self.secret.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Whether this token's secret hashes to `stored`, compared in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        let computed = self.secret_hash();
        computed.len() == stored.len()
            && computed
                .bytes()
                .zip(stored.bytes())
                .fold(0u8, |difference, (left, right)| difference | (left ^ right))
                == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = hash_password("correct horse").expect("hashed");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("correct horse ", &stored));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(
            hash_password("correct horse").expect("hashed"),
            stored,
            "salted"
        );
    }

    #[test]
    fn tokens_round_trip_and_match_only_their_hash() {
        let token = ApiToken::generate().expect("a token");
        let shown = token.reveal();
        assert!(shown.starts_with("dwt_"));
        let parsed = ApiToken::parse(&shown).expect("parses");
        assert_eq!(parsed, token);
        assert!(parsed.matches(&token.secret_hash()));
        let other = ApiToken::generate().expect("a token");
        assert_ne!(other.reveal(), shown);
        assert!(!other.matches(&token.secret_hash()));
        assert!(!format!("{token:?}").contains(&token.secret));
    }

    #[test]
    fn malformed_tokens_are_refused_with_the_reason() {
        let good = ApiToken::generate().expect("a token").reveal();
        let cases = [
            ("Bearer abc", "does not start with dwt_"),
            ("dwt_abcdefgh", "no secret part"),
            ("dwt_abc_secret", "id is not 8"),
            (&good[..good.len() - 2], "not 43 base64url"),
        ];
        for (text, expected) in cases {
            let error = ApiToken::parse(text).expect_err("refused");
            assert!(error.to_string().contains(expected), "{text}: {error}");
        }
    }
}
