//! A platform client of our own: signs requests the way booking.md prescribes. Used by the
//! tests over real HTTP, by `yiqiao booking client …` and by the benchmark; the notice
//! handler signs with the same function.

use rand::Rng;
use serde_json::Value;

use crate::domain::signing;

/// The four authentication headers of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub app_id: String,
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
}

/// A fresh nonce: 32 letters and digits.
pub fn new_nonce() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..32)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// Sign one request.
pub fn sign_request(
    app_id: &str,
    secret: &[u8],
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    now_ms: i64,
) -> SignedHeaders {
    sign_with_nonce(
        app_id,
        secret,
        method,
        path,
        query,
        body,
        now_ms,
        &new_nonce(),
    )
}

#[allow(clippy::too_many_arguments)]
pub fn sign_with_nonce(
    app_id: &str,
    secret: &[u8],
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    now_ms: i64,
    nonce: &str,
) -> SignedHeaders {
    let timestamp = now_ms.to_string();
    let c = signing::canonical(method, path, query, &timestamp, nonce, body);
    SignedHeaders {
        app_id: app_id.to_owned(),
        timestamp,
        nonce: nonce.to_owned(),
        signature: signing::sign(secret, &c),
    }
}

/// A response of the platform API: HTTP status and the envelope.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// `Retry-After` of a 429, in seconds.
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

/// A signing client of the platform API.
#[derive(Clone)]
pub struct PlatformClient {
    pub base: String,
    pub app_id: String,
    pub secret: Vec<u8>,
    pub http: reqwest::Client,
    /// Milliseconds to add to the local clock (tests move time; a skewed platform).
    pub clock_offset_ms: i64,
}

impl PlatformClient {
    pub fn new(base: &str, app_id: &str, secret: &str) -> PlatformClient {
        PlatformClient {
            base: base.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            secret: secret.as_bytes().to_vec(),
            http: reqwest::Client::new(),
            clock_offset_ms: 0,
        }
    }

    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.clock_offset_ms
    }

    /// Send a request signed now with a fresh nonce.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let q = signing::encode_query(query);
        let h = sign_request(
            &self.app_id,
            &self.secret,
            method,
            path,
            &q,
            &body,
            self.now_ms(),
        );
        self.send_raw(method, path, &q, body, &h, idempotency_key)
            .await
    }

    /// Send with given headers (tests tamper with them).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Vec<u8>,
        h: &SignedHeaders,
        idempotency_key: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = self
            .http
            .request(method, url)
            .header("X-App-Id", &h.app_id)
            .header("X-Timestamp", &h.timestamp)
            .header("X-Nonce", &h.nonce)
            .header("X-Signature", &h.signature);
        if !body.is_empty() {
            req = req.header("Content-Type", "application/json").body(body);
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let text = res.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Reply, reqwest::Error> {
        self.send("GET", path, query, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value, key: &str) -> Result<Reply, reqwest::Error> {
        self.send("POST", path, &[], Some(body), Some(key)).await
    }
}
