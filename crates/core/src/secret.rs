//! Secrets kept readable at rest (密文存储, 国密 SM4): credentials the system must use again
//! (a platform app's HMAC secret, a switch's SNMP community or v3 passwords), so they cannot be
//! hashed like a password.
//!
//! A secret is stored as `sm4ctr1:` + hex(IV ‖ SM4-CTR ciphertext ‖ HMAC-SM3 tag): encrypt, then
//! authenticate, with two keys derived by SM3 from one 32-byte master key and a label naming the
//! module, so each module's keys are separate even under one master key. Pure: the IV and the
//! master key come from the caller (the key file lives in `yiqiao_store::secret_key`).

use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};
use subtle::ConstantTimeEq;

use crate::{ErrorKind, Refusal};

type Sm4Ctr = ctr::Ctr128BE<sm4::Sm4>;
type HmacSm3 = Hmac<Sm3>;

/// What every stored secret starts with.
pub const PREFIX: &str = "sm4ctr1:";

/// Does `stored` look like a sealed secret (rather than legacy plain text)?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The keys of one module's secrets (派生密钥).
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

/// Why a key or a stored secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("密钥应为 64 位十六进制（32 字节）")]
    BadKey,
    #[error("密文格式不对")]
    BadCiphertext,
    #[error("密文校验失败（密钥不对或数据被改动）")]
    Tampered,
    #[error("解密后的内容不是文本")]
    NotText,
}

impl Refusal for SecretError {
    fn kind(&self) -> ErrorKind {
        match self {
            SecretError::BadKey => ErrorKind::BadRequest,
            // A stored secret that does not open is the server's problem, not the client's.
            _ => ErrorKind::Internal,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            SecretError::BadKey => "BAD_SECRET_KEY",
            SecretError::BadCiphertext => "BAD_CIPHERTEXT",
            SecretError::Tampered => "SECRET_TAMPERED",
            SecretError::NotText => "SECRET_NOT_TEXT",
        }
    }
}

impl SecretKey {
    /// The keys under `label` (e.g. `yiqiao-booking-secret`) from 32 bytes of master key:
    /// SM3(label ‖ "-enc" ‖ master) truncated to 16 bytes, and SM3(label ‖ "-mac" ‖ master).
    pub fn derive(label: &str, master: &[u8; 32]) -> SecretKey {
        let derive = |purpose: &[u8]| {
            let mut h = Sm3::new();
            h.update(label.as_bytes());
            h.update(purpose);
            h.update(master);
            let out: [u8; 32] = h.finalize().into();
            out
        };
        let e = derive(b"-enc");
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&e[..16]);
        SecretKey {
            enc,
            mac: derive(b"-mac"),
        }
    }

    /// The keys under `label` from a master key written as 64 hex characters.
    pub fn from_hex(label: &str, s: &str) -> Result<SecretKey, SecretError> {
        let bytes = hex::decode(s.trim()).map_err(|_| SecretError::BadKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(SecretKey::derive(label, &arr))
    }

    fn tag(&self, data: &[u8]) -> [u8; 32] {
        let mut m = match HmacSm3::new_from_slice(&self.mac) {
            Ok(m) => m,
            Err(_) => return [0; 32],
        };
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Encrypt with `iv`, which must be fresh and random for every secret.
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

    /// The plain bytes of a stored secret; refused when the tag does not match (wrong key or
    /// altered data) — never a guess.
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

    /// [`SecretKey::decrypt`] of a text secret.
    pub fn decrypt_text(&self, stored: &str) -> Result<String, SecretError> {
        String::from_utf8(self.decrypt(stored)?).map_err(|_| SecretError::NotText)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const BOOKING: &str = "yiqiao-booking-secret";

    #[test]
    fn round_trip_and_tamper() {
        let k = SecretKey::derive(BOOKING, &[7u8; 32]);
        let s = k.encrypt(b"my-secret", [1u8; 16]);
        assert!(is_sealed(&s));
        assert!(!s.contains(&hex::encode(b"my-secret")));
        assert_eq!(k.decrypt(&s).unwrap(), b"my-secret");
        assert_eq!(k.decrypt_text(&s).unwrap(), "my-secret");
        let other = SecretKey::derive(BOOKING, &[8u8; 32]);
        assert_eq!(other.decrypt(&s), Err(SecretError::Tampered));
        // Every byte of IV, ciphertext and tag is covered.
        for at in (PREFIX.len()..s.len()).step_by(7) {
            let mut bad = s.clone();
            let c = if &s[at..=at] == "0" { "1" } else { "0" };
            bad.replace_range(at..=at, c);
            assert_eq!(k.decrypt(&bad), Err(SecretError::Tampered), "at {at}");
        }
        assert_eq!(k.decrypt("public"), Err(SecretError::BadCiphertext));
        assert_eq!(k.decrypt("sm4ctr1:zz"), Err(SecretError::BadCiphertext));
        assert!(SecretKey::from_hex(BOOKING, "00").is_err());
    }

    /// Made by an independent implementation (Python `cryptography`: SM3, SM4-CTR, HMAC-SM3)
    /// with booking's label: the ciphertexts booking stored before this module existed still open.
    #[test]
    fn booking_ciphertexts_from_before_still_open() {
        let k = SecretKey::derive(BOOKING, &[42u8; 32]);
        let stored = "sm4ctr1:01010101010101010101010101010101\
            6a740249e2106e296b39c6d7cd212b4b6da848cd445ec731108181a9db12464205a46cc865394dc013";
        assert_eq!(k.decrypt_text(stored).unwrap(), "my-secret");
        assert_eq!(k.encrypt(b"my-secret", [1u8; 16]), stored);
    }

    #[test]
    fn labels_keep_modules_apart() {
        let master = [9u8; 32];
        let a = SecretKey::derive(BOOKING, &master);
        let b = SecretKey::derive("yiqiao-inspection-snmp", &master);
        let s = a.encrypt(b"community", [3u8; 16]);
        assert_eq!(b.decrypt(&s), Err(SecretError::Tampered));
    }
}
