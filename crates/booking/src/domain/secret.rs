//! Encryption of platform-app secrets at rest (国密 SM4).
//!
//! A secret must be readable again (HMAC needs it), so it cannot be hashed like a password. The
//! scheme (`sm4ctr1:` + hex(IV ‖ SM4-CTR ‖ HMAC-SM3)) is the shared one of
//! [`yiqiao_core::secret`]; booking's keys are derived under its own [`LABEL`], the one it has
//! always used, so the secrets stored before the scheme moved to core still open. The master key
//! comes from `booking.secret_key` or the key file in the data directory
//! ([`crate::config::KeyProvider`]).

pub use yiqiao_core::secret::{SecretError, SecretKey};

/// Booking's derivation label.
pub const LABEL: &str = "yiqiao-booking-secret";

/// Booking's keys from 32 bytes of master key.
pub fn key_from_bytes(master: &[u8; 32]) -> SecretKey {
    SecretKey::derive(LABEL, master)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_under_bookings_label() {
        let k = key_from_bytes(&[7u8; 32]);
        let s = k.encrypt(b"my-secret", [1u8; 16]);
        assert_eq!(k.decrypt(&s).unwrap(), b"my-secret");
        assert_eq!(
            SecretKey::derive("yiqiao-inspection-snmp", &[7u8; 32]).decrypt(&s),
            Err(SecretError::Tampered)
        );
    }
}
