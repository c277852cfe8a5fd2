//! Request signatures of the platform API (booking.md, "Authentication"): HMAC-SM3 over a
//! canonical string, compared in constant time.
//!
//! `canonical` = method (upper case), path, sorted query, timestamp, nonce and the lowercase
//! hex SM3 of the raw body, joined with `\n`. The query's parameters are percent-decoded,
//! sorted by name then value, and encoded again the RFC 3986 way (only `A–Z a–z 0–9 - . _ ~`
//! left as they are, `%XX` upper-case), so two clients that encode differently sign the same.

use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};
use subtle::ConstantTimeEq;

use super::BookingError;

type HmacSm3 = Hmac<Sm3>;

/// The allowed distance between the request's timestamp and the server's clock.
pub const TIME_WINDOW_MS: i64 = 300_000;

/// Lowercase hex SM3 of bytes.
pub fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

fn rfc3986(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// `%XX` decoded (`+` is a plain `+`, as in RFC 3986).
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = (b[i + 1] as char).to_digit(16);
            let lo = (b[i + 2] as char).to_digit(16);
            if let (Some(h), Some(l)) = (hi, lo) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The query part of the canonical string (empty when there is none).
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (percent_decode(n), percent_decode(v)),
            None => (percent_decode(p), Vec::new()),
        })
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (n, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        rfc3986(n, &mut out);
        out.push('=');
        rfc3986(v, &mut out);
    }
    out
}

/// Encode a query from name/value pairs (for clients).
pub fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (n, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        rfc3986(n.as_bytes(), &mut out);
        out.push('=');
        rfc3986(v.as_bytes(), &mut out);
    }
    out
}

/// The string that is signed.
pub fn canonical(
    method: &str,
    path: &str,
    query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path,
        canonical_query(query),
        timestamp,
        nonce,
        sm3_hex(body)
    )
}

/// Lowercase hex HMAC-SM3 of the canonical string.
pub fn sign(secret: &[u8], canonical: &str) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match HmacSm3::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Does `given` (hex) equal the signature of `canonical`? Constant time in the content.
pub fn verify(secret: &[u8], canonical: &str, given: &str) -> bool {
    let expected = sign(secret, canonical);
    let given = given.trim().to_ascii_lowercase();
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// A nonce: 16–64 characters of `[A-Za-z0-9]`.
pub fn check_nonce(nonce: &str) -> Result<(), BookingError> {
    if (16..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(BookingError::AuthSignature(
            "X-Nonce 应为 16 到 64 位字母或数字".to_owned(),
        ))
    }
}

/// Parse `X-Timestamp` (milliseconds) and check it is within the window of `now_ms`.
pub fn check_timestamp(ts: &str, now_ms: i64) -> Result<i64, BookingError> {
    let t: i64 = ts
        .trim()
        .parse()
        .map_err(|_| BookingError::AuthTime("X-Timestamp 应为 Unix 毫秒数".to_owned()))?;
    if (t - now_ms).abs() > TIME_WINDOW_MS {
        return Err(BookingError::AuthTime(format!(
            "X-Timestamp 与服务器时间相差 {} 秒，超过 300 秒",
            (t - now_ms).abs() / 1000
        )));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    // Vectors computed independently with Python's hashlib/hmac (OpenSSL's SM3).
    const SECRET: &[u8] = b"demo-secret-0123456789";

    #[test]
    fn sm3_standard_vector() {
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn signature_vector_with_body() {
        let c = canonical(
            "post",
            "/platform/v1/tickets",
            "",
            "1764400000000",
            "abcdefghijklmnop0123",
            br#"{"a":1}"#,
        );
        assert_eq!(
            c,
            "POST\n/platform/v1/tickets\n\n1764400000000\nabcdefghijklmnop0123\nd646a76e347ce7c1a4c11acff67604928ccfaf03fc2e4fb8faaf5b2b1227605a"
        );
        let s = sign(SECRET, &c);
        assert_eq!(
            s,
            "eff7dc4fa9e151ea0582b2b641d912e561e49fca3bf9fc62a908676779d454c9"
        );
        assert!(verify(SECRET, &c, &s));
        assert!(verify(SECRET, &c, &s.to_uppercase()));
        assert!(!verify(SECRET, &c, &s[..63]));
        assert!(!verify(b"other", &c, &s));
    }

    #[test]
    fn signature_vector_with_sorted_query() {
        let c = canonical(
            "GET",
            "/platform/v1/schedules",
            "dept_code=%e4%b8%ad&date_from=2026-11-30&dept_code=A%20B",
            "1764400000000",
            "NONCE0123456789ab",
            b"",
        );
        assert_eq!(
            c.lines().nth(2).unwrap(),
            "date_from=2026-11-30&dept_code=A%20B&dept_code=%E4%B8%AD"
        );
        assert_eq!(
            sign(SECRET, &c),
            "6c8d7f53ee4dc4657e683e988c62ce41aca41fe3bf310200fb552db7762e705b"
        );
    }

    #[test]
    fn nonce_and_time() {
        assert!(check_nonce("abcdefghijklmnop").is_ok());
        assert!(check_nonce("short").is_err());
        assert!(check_nonce("abcdefghijklmnop-").is_err());
        assert!(check_timestamp("1000000", 1_000_000 + 300_000).is_ok());
        assert!(check_timestamp("1000000", 1_000_000 + 300_001).is_err());
        assert!(check_timestamp("x", 0).is_err());
    }

    proptest! {
        #[test]
        fn query_canonical_is_order_free(pairs in proptest::collection::vec(("[a-z_]{1,6}", "\\PC{0,6}"), 0..6)) {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let mut rev = refs.clone();
            rev.reverse();
            prop_assert_eq!(canonical_query(&encode_query(&refs)), canonical_query(&encode_query(&rev)));
            // Encoding is stable: canonical of canonical is itself.
            let c = canonical_query(&encode_query(&refs));
            prop_assert_eq!(canonical_query(&c), c.clone());
        }
    }
}
