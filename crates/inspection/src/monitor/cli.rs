//! What `yiqiao inspection probe` and `yiqiao inspection bench` call.

use super::poll::{PollPlan, poll};
use super::snmp::{AuthProto, Credentials, PrivProto, Session};
use std::net::SocketAddr;
use std::time::Duration;

/// Why a command-line request was refused.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("目标“{0}”应写作 IP:端口，如 127.0.0.1:161")]
    Target(String),
    #[error("认证协议“{0}”不支持（md5、sha1、sha224、sha256、sha384、sha512）")]
    Auth(String),
    #[error("加密协议“{0}”不支持（des、aes128、aes192、aes256）")]
    Priv(String),
    #[error("SNMPv3 需要 --auth-pass")]
    NoAuthPass,
}

/// The probe's command-line arguments.
#[derive(Debug, Clone, Default)]
pub struct ProbeArgs {
    pub target: String,
    pub community: Option<String>,
    pub v3_user: Option<String>,
    pub auth_proto: Option<String>,
    pub auth_pass: Option<String>,
    pub priv_proto: Option<String>,
    pub priv_pass: Option<String>,
    pub context: Option<String>,
    pub timeout_ms: u64,
}

impl ProbeArgs {
    pub fn credentials(&self) -> Result<Credentials, CliError> {
        let Some(user) = &self.v3_user else {
            return Ok(Credentials::V2c {
                community: self.community.clone().unwrap_or_else(|| "public".into()),
            });
        };
        let ap = self.auth_proto.as_deref().unwrap_or("sha256");
        let auth = AuthProto::parse(ap).ok_or_else(|| CliError::Auth(ap.into()))?;
        let auth_pass = self.auth_pass.clone().ok_or(CliError::NoAuthPass)?;
        let privacy = match &self.priv_proto {
            None => None,
            Some(p) => Some((
                PrivProto::parse(p).ok_or_else(|| CliError::Priv(p.clone()))?,
                self.priv_pass.clone().unwrap_or_default(),
            )),
        };
        Ok(Credentials::V3 {
            user: user.clone(),
            auth,
            auth_pass,
            privacy,
            context: self.context.clone().unwrap_or_default(),
        })
    }
}

/// Poll one agent once, as the poller would, and give the JSON object the spec describes.
pub async fn probe(args: &ProbeArgs) -> Result<String, CliError> {
    let addr: SocketAddr = args
        .target
        .parse()
        .map_err(|_| CliError::Target(args.target.clone()))?;
    let mut s = Session::new(
        addr,
        args.credentials()?,
        Duration::from_millis(args.timeout_ms.max(10)),
    );
    let r = poll(&mut s, PollPlan::default()).await;
    Ok(serde_json::to_string_pretty(&r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")))
}
