//! Passwords: argon2id with a random salt; the PHC string is what is stored.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The shortest password accepted.
pub const MIN_LEN: usize = 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("密码至少需要 {MIN_LEN} 位")]
    TooShort,
    #[error("密码需同时包含字母和数字")]
    TooSimple,
    #[error("密码处理失败")]
    Hash,
}

impl yiqiao_core::Refusal for PasswordError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        match self {
            PasswordError::Hash => yiqiao_core::ErrorKind::Internal,
            _ => yiqiao_core::ErrorKind::BadRequest,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            PasswordError::Hash => "PASSWORD_HASH",
            _ => "WEAK_PASSWORD",
        }
    }
}

yiqiao_http::app_error_from!(PasswordError);

/// Check a new password against the policy and hash it.
pub fn hash_new(plain: &str) -> Result<String, PasswordError> {
    if plain.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    let letters = plain.chars().any(|c| c.is_alphabetic());
    let digits = plain.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err(PasswordError::TooSimple);
    }
    hash(plain)
}

pub fn hash(plain: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Does `plain` match the stored hash? A malformed stored hash matches nothing.
pub fn verify(plain: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(plain.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that an unknown user name takes
/// as long as a wrong password (no user-name probing by timing).
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J0TXdfqzj9tl0C2LQtrjNxyqy0eRbDNS0VEFDJn7GkU"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let h = hash_new("yiqiao2026").unwrap();
        assert!(verify("yiqiao2026", &h));
        assert!(!verify("yiqiao2025", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(hash_new("abc12"), Err(PasswordError::TooShort));
        assert_eq!(hash_new("abcdefghij"), Err(PasswordError::TooSimple));
        assert_eq!(hash_new("1234567890"), Err(PasswordError::TooSimple));
    }
}
