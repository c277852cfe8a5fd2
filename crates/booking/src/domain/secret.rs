//! Encryption of platform-app secrets at rest (国密 SM4).
//!
//! A secret must be readable again (HMAC needs it), so it cannot be hashed like a password.
//! It is stored as `sm4ctr1:` + hex(IV ‖ SM4-CTR ciphertext ‖ HMAC-SM3 tag): encrypt, then
//! authenticate, with two keys derived from one 32-byte master key by SM3. The master key
//! comes from configuration (`booking.secret_key`) or from the key file in the data directory
//! (made on first use) — never from the database, so a copy of the database alone does not
//! reveal the secrets.

use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};
use subtle::ConstantTimeEq;

type Sm4Ctr = ctr::Ctr128BE<sm4::Sm4>;
type HmacSm3 = Hmac<Sm3>;

const PREFIX: &str = "sm4ctr1:";

/// The master key of secret encryption.
#[derive(Clone)]
pub struct SecretKey {
    enc: [u8; 16],
    mac: [u8; 32],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("密钥应为 64 位十六进制（32 字节）")]
    BadKey,
    #[error("密文格式不对")]
    BadCiphertext,
    #[error("密文校验失败（密钥不对或数据被改动）")]
    Tampered,
}

impl SecretKey {
    /// From 32 bytes of key material.
    pub fn from_bytes(master: &[u8; 32]) -> SecretKey {
        let derive = |label: &[u8]| {
            let mut h = Sm3::new();
            h.update(label);
            h.update(master);
            let out: [u8; 32] = h.finalize().into();
            out
        };
        let e = derive(b"yiqiao-booking-secret-enc");
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&e[..16]);
        SecretKey {
            enc,
            mac: derive(b"yiqiao-booking-secret-mac"),
        }
    }

    /// From 64 hex characters.
    pub fn from_hex(s: &str) -> Result<SecretKey, SecretError> {
        let bytes = hex::decode(s.trim()).map_err(|_| SecretError::BadKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(SecretKey::from_bytes(&arr))
    }

    fn tag(&self, data: &[u8]) -> [u8; 32] {
        let mut m = match HmacSm3::new_from_slice(&self.mac) {
            Ok(m) => m,
            Err(_) => return [0; 32],
        };
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Encrypt with a fresh random IV.
    pub fn encrypt(&self, plain: &[u8], iv: [u8; 16]) -> String {
        let mut buf = plain.to_vec();
        let mut c = Sm4Ctr::new(&self.enc.into(), &iv.into());
        c.apply_keystream(&mut buf);
        let mut out = iv.to_vec();
        out.extend_from_slice(&buf);
        let tag = self.tag(&out);
        out.extend_from_slice(&tag);
        format!("{PREFIX}{}", hex::encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<Vec<u8>, SecretError> {
        let raw = stored
            .strip_prefix(PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|r| r.len() >= 48)
            .ok_or(SecretError::BadCiphertext)?;
        let (body, tag) = raw.split_at(raw.len() - 32);
        if !bool::from(self.tag(body).ct_eq(tag)) {
            return Err(SecretError::Tampered);
        }
        let (iv, ct) = body.split_at(16);
        let mut iv_arr = [0u8; 16];
        iv_arr.copy_from_slice(iv);
        let mut buf = ct.to_vec();
        let mut c = Sm4Ctr::new(&self.enc.into(), &iv_arr.into());
        c.apply_keystream(&mut buf);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let k = SecretKey::from_bytes(&[7u8; 32]);
        let s = k.encrypt(b"my-secret", [1u8; 16]);
        assert!(s.starts_with(PREFIX));
        assert!(!s.contains(&hex::encode(b"my-secret")));
        assert_eq!(k.decrypt(&s).unwrap(), b"my-secret");
        let other = SecretKey::from_bytes(&[8u8; 32]);
        assert_eq!(other.decrypt(&s), Err(SecretError::Tampered));
        let mut bad = s.clone();
        bad.replace_range(PREFIX.len() + 40..PREFIX.len() + 41, "0");
        assert!(k.decrypt(&bad).is_err() || bad == s);
        assert!(SecretKey::from_hex("00").is_err());
    }
}
