//! One SNMP session per device (SNMP 会话), built on `snmp2` with the guards it lacks: every
//! request runs under a timeout; after a timeout, a reply for another request or a reply that
//! does not parse, the session is dropped and made again (a late reply would otherwise poison
//! every later request on the socket); `error_status` and the number of values are checked here.

use crate::domain::oid::Oid;
use snmp2::v3;
use snmp2::{AsyncSession, Value as RawValue};
use std::net::SocketAddr;
use std::time::Duration;

/// How to talk to an agent (SNMP 凭据).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    V2c {
        community: String,
    },
    V3 {
        user: String,
        auth: AuthProto,
        auth_pass: String,
        /// `None`: authNoPriv.
        privacy: Option<(PrivProto, String)>,
        /// SNMPv3 context name; empty for most devices.
        context: String,
    },
}

/// USM authentication protocols offered (the spec asks for SHA-2; MD5/SHA1 for old devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProto {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

/// USM privacy protocols offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivProto {
    Des,
    Aes128,
    Aes192,
    Aes256,
}

impl AuthProto {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "md5" => Self::Md5,
            "sha" | "sha1" => Self::Sha1,
            "sha224" => Self::Sha224,
            "sha256" => Self::Sha256,
            "sha384" => Self::Sha384,
            "sha512" => Self::Sha512,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
    fn raw(self) -> v3::AuthProtocol {
        match self {
            Self::Md5 => v3::AuthProtocol::Md5,
            Self::Sha1 => v3::AuthProtocol::Sha1,
            Self::Sha224 => v3::AuthProtocol::Sha224,
            Self::Sha256 => v3::AuthProtocol::Sha256,
            Self::Sha384 => v3::AuthProtocol::Sha384,
            Self::Sha512 => v3::AuthProtocol::Sha512,
        }
    }
}

impl PrivProto {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "des" => Self::Des,
            "aes" | "aes128" => Self::Aes128,
            "aes192" => Self::Aes192,
            "aes256" => Self::Aes256,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Des => "des",
            Self::Aes128 => "aes128",
            Self::Aes192 => "aes192",
            Self::Aes256 => "aes256",
        }
    }
    fn raw(self) -> v3::Cipher {
        match self {
            Self::Des => v3::Cipher::Des,
            Self::Aes128 => v3::Cipher::Aes128,
            Self::Aes192 => v3::Cipher::Aes192,
            Self::Aes256 => v3::Cipher::Aes256,
        }
    }
}

/// A value as received, owned (the session's buffer is reused by the next request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnmpValue {
    Integer(i64),
    Counter32(u32),
    Gauge(u32),
    TimeTicks(u32),
    Counter64(u64),
    Text(Vec<u8>),
    ObjectId(Oid),
    Ip([u8; 4]),
    /// noSuchObject / noSuchInstance / NULL.
    Missing,
    EndOfMib,
    Other,
}

impl SnmpValue {
    pub fn number(&self) -> Option<u64> {
        match self {
            Self::Integer(i) => u64::try_from(*i).ok(),
            Self::Counter32(v) | Self::Gauge(v) | Self::TimeTicks(v) => Some(u64::from(*v)),
            Self::Counter64(v) => Some(*v),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Self::Text(b) => Some(String::from_utf8_lossy(b).trim_end_matches('\0').to_owned()),
            _ => None,
        }
    }

    /// The profile's view of this value.
    pub fn for_profile(&self) -> crate::domain::profile::Value {
        use crate::domain::profile::Value as P;
        match self {
            Self::Integer(i) => P::Integer(*i),
            Self::Counter32(_) | Self::Gauge(_) | Self::TimeTicks(_) | Self::Counter64(_) => {
                self.number().map_or(P::Other, P::Unsigned)
            }
            Self::ObjectId(o) => P::ObjectId(o.clone()),
            _ => P::Other,
        }
    }
}

/// Why a request gave no answer (轮询失败原因).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnmpError {
    #[error("SNMP 请求超时（{0} 毫秒内无应答）")]
    Timeout(u64),
    #[error("SNMP 应答无法解析或不对应本次请求：{0}")]
    Garbage(String),
    #[error("SNMP 认证失败（用户名、密码或协议不符）：{0}")]
    Auth(String),
    #[error("设备返回 SNMP 错误状态 {status}（第 {index} 个变量）")]
    Status { status: u32, index: u32 },
    #[error("SNMP 应答的变量个数不对：请求 {asked} 个，收到 {got} 个")]
    Count { asked: usize, got: usize },
    #[error("无法建立 SNMP 会话：{0}")]
    Io(String),
}

impl SnmpError {
    /// A failure that says nothing about the device except that it did not answer properly.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}

fn convert(v: &RawValue<'_>) -> SnmpValue {
    match v {
        RawValue::Integer(i) => SnmpValue::Integer(*i),
        RawValue::Counter32(c) => SnmpValue::Counter32(*c),
        RawValue::Unsigned32(c) => SnmpValue::Gauge(*c),
        RawValue::Timeticks(c) => SnmpValue::TimeTicks(*c),
        RawValue::Counter64(c) => SnmpValue::Counter64(*c),
        RawValue::OctetString(b) => SnmpValue::Text(b.to_vec()),
        RawValue::IpAddress(a) => SnmpValue::Ip(*a),
        RawValue::ObjectIdentifier(o) => o
            .iter()
            .and_then(|it| it.map(u32::try_from).collect::<Result<Vec<u32>, _>>().ok())
            .map_or(SnmpValue::Other, |a| SnmpValue::ObjectId(Oid::from_arcs(a))),
        RawValue::Null | RawValue::NoSuchObject | RawValue::NoSuchInstance => SnmpValue::Missing,
        RawValue::EndOfMibView => SnmpValue::EndOfMib,
        _ => SnmpValue::Other,
    }
}

fn raw_oid(o: &Oid) -> Result<snmp2::Oid<'static>, SnmpError> {
    let arcs: Vec<u64> = o.arcs().iter().map(|a| u64::from(*a)).collect();
    snmp2::Oid::from(&arcs).map_err(|_| SnmpError::Garbage(format!("OID {o} 无法编码")))
}

fn own_oid(o: &snmp2::Oid<'_>) -> Option<Oid> {
    o.iter()
        .and_then(|it| it.map(u32::try_from).collect::<Result<Vec<u32>, _>>().ok())
        .map(Oid::from_arcs)
}

fn classify(e: &snmp2::Error) -> SnmpError {
    match e {
        snmp2::Error::AuthFailure(k) => SnmpError::Auth(format!("{k:?}")),
        snmp2::Error::Send | snmp2::Error::Receive => SnmpError::Io(format!("{e:?}")),
        other => SnmpError::Garbage(format!("{other:?}")),
    }
}

/// Rows received: OID → value, in the order received.
pub type Varbinds = Vec<(Oid, SnmpValue)>;

/// A session that remakes itself after any failure.
pub struct Session {
    target: SocketAddr,
    credentials: Credentials,
    timeout: Duration,
    inner: Option<AsyncSession>,
    /// Request ids start somewhere new for each remade session.
    next_start: i32,
    /// Values per GETBULK answer (snmpsim caps at 64; 60 leaves room).
    pub bulk_budget: u32,
    /// Set while a request is out: still set at the next request means the last one was
    /// cancelled mid-way, and its late reply may be waiting on the socket.
    in_flight: bool,
}

impl Session {
    pub fn new(target: SocketAddr, credentials: Credentials, timeout: Duration) -> Self {
        let seed = i32::from(target.port()).wrapping_mul(7919);
        Self {
            target,
            credentials,
            timeout,
            inner: None,
            next_start: seed,
            bulk_budget: 60,
            in_flight: false,
        }
    }

    pub fn target(&self) -> SocketAddr {
        self.target
    }

    fn timeout_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    async fn open(&mut self) -> Result<&mut AsyncSession, SnmpError> {
        if self.inner.is_none() {
            let start = self.next_start;
            self.next_start = self.next_start.wrapping_add(100_003);
            let made = match &self.credentials {
                Credentials::V2c { community } => {
                    AsyncSession::new_v2c(self.target, community.as_bytes(), start)
                        .await
                        .map_err(|e| SnmpError::Io(e.to_string()))?
                }
                Credentials::V3 {
                    user,
                    auth,
                    auth_pass,
                    privacy,
                    context,
                } => {
                    let mut sec = v3::Security::new(user.as_bytes(), auth_pass.as_bytes())
                        .with_auth_protocol(auth.raw());
                    if !context.is_empty() {
                        sec = sec.with_context_name(context);
                    }
                    sec = match privacy {
                        None => sec.with_auth(v3::Auth::AuthNoPriv),
                        Some((p, pass)) => sec
                            .with_auth(v3::Auth::AuthPriv {
                                cipher: p.raw(),
                                privacy_password: pass.as_bytes().to_vec(),
                            })
                            // net-snmp and snmpsim's plain AES192/AES256 use Reeder.
                            .with_key_extension_method(v3::KeyExtension::Reeder),
                    };
                    let mut s = AsyncSession::new_v3(self.target, start, sec)
                        .await
                        .map_err(|e| SnmpError::Io(e.to_string()))?;
                    match tokio::time::timeout(self.timeout, s.init()).await {
                        Err(_) => return Err(SnmpError::Timeout(self.timeout_ms())),
                        Ok(Err(e)) => return Err(classify(&e)),
                        Ok(Ok(())) => {}
                    }
                    s
                }
            };
            self.inner = Some(made);
        }
        self.inner
            .as_mut()
            .ok_or_else(|| SnmpError::Io("session".into()))
    }

    /// GET of several OIDs; the answer must hold exactly one value per OID asked.
    pub async fn get(&mut self, oids: &[Oid]) -> Result<Varbinds, SnmpError> {
        let raw: Vec<snmp2::Oid<'static>> = oids.iter().map(raw_oid).collect::<Result<_, _>>()?;
        let out = self.request(Request::Get(&raw)).await?;
        if out.len() != oids.len() {
            self.inner = None;
            return Err(SnmpError::Count {
                asked: oids.len(),
                got: out.len(),
            });
        }
        Ok(out)
    }

    /// GETBULK from each of `from` with `reps` repetitions (interleaved by row in the answer).
    pub async fn bulk(&mut self, from: &[Oid], reps: u32) -> Result<Varbinds, SnmpError> {
        let raw: Vec<snmp2::Oid<'static>> = from.iter().map(raw_oid).collect::<Result<_, _>>()?;
        self.request(Request::Bulk(&raw, reps)).await
    }

    async fn request(&mut self, req: Request<'_>) -> Result<Varbinds, SnmpError> {
        if self.in_flight {
            self.inner = None;
        }
        self.in_flight = true;
        let timeout = self.timeout;
        let ms = self.timeout_ms();
        let result = {
            let s = match self.open().await {
                Ok(s) => s,
                Err(e) => {
                    self.inner = None;
                    return Err(e);
                }
            };
            let fut = async {
                let pdu = match req {
                    Request::Get(oids) => {
                        let refs: Vec<&snmp2::Oid<'_>> = oids.iter().collect();
                        s.get_many(&refs).await
                    }
                    Request::Bulk(oids, reps) => {
                        let refs: Vec<&snmp2::Oid<'_>> = oids.iter().collect();
                        s.getbulk(&refs, 0, reps).await
                    }
                };
                match pdu {
                    Err(e) => Err(classify(&e)),
                    Ok(p) if p.error_status != 0 => Err(SnmpError::Status {
                        status: p.error_status,
                        index: p.error_index,
                    }),
                    Ok(p) => {
                        let mut out = Vec::new();
                        for (oid, v) in p.varbinds {
                            let oid = own_oid(&oid)
                                .ok_or_else(|| SnmpError::Garbage("OID 无法解析".into()))?;
                            out.push((oid, convert(&v)));
                        }
                        Ok(out)
                    }
                }
            };
            match tokio::time::timeout(timeout, fut).await {
                Err(_) => Err(SnmpError::Timeout(ms)),
                Ok(r) => r,
            }
        };
        self.in_flight = false;
        // An error status is a proper answer; anything else leaves the socket suspect.
        if let Err(e) = &result
            && !matches!(e, SnmpError::Status { .. })
        {
            self.inner = None;
        }
        result
    }

    /// Walk several columns side by side with GETBULK until each leaves its subtree. Returns
    /// the rows of every column; `max_requests` bounds a misbehaving agent.
    pub async fn walk_columns(
        &mut self,
        columns: &[Oid],
        max_requests: usize,
    ) -> Result<Varbinds, SnmpError> {
        let mut last: Vec<Option<Oid>> = columns.iter().map(|c| Some(c.clone())).collect();
        let mut out = Vec::new();
        for _ in 0..max_requests {
            let active: Vec<usize> = (0..columns.len()).filter(|i| last[*i].is_some()).collect();
            if active.is_empty() {
                return Ok(out);
            }
            let from: Vec<Oid> = active.iter().filter_map(|i| last[*i].clone()).collect();
            let n = u32::try_from(from.len()).unwrap_or(u32::MAX).max(1);
            let reps = (self.bulk_budget / n).max(1);
            let got = self.bulk(&from, reps).await?;
            if got.is_empty() {
                return Err(SnmpError::Count {
                    asked: from.len(),
                    got: 0,
                });
            }
            let mut advanced = vec![false; columns.len()];
            for (k, (oid, v)) in got.into_iter().enumerate() {
                let i = active[k % active.len()];
                let Some(prev) = last[i].clone() else {
                    continue;
                };
                if matches!(v, SnmpValue::EndOfMib) || !oid.starts_with(&columns[i]) || oid <= prev
                {
                    last[i] = None;
                    continue;
                }
                advanced[i] = true;
                last[i] = Some(oid.clone());
                out.push((oid, v));
            }
            // A column that got nothing new in a full answer is done (guards against loops).
            for i in &active {
                if !advanced[*i] {
                    last[*i] = None;
                }
            }
        }
        Ok(out)
    }
}

enum Request<'a> {
    Get(&'a [snmp2::Oid<'static>]),
    Bulk(&'a [snmp2::Oid<'static>], u32),
}
