//! ICMP reachability (Ping 可达性) with `surge-ping`. Raw ICMP sockets need privileges (or
//! `net.ipv4.ping_group_range` for datagram ICMP): when neither is allowed, [`Icmp::new`]
//! says so plainly and the poller judges reachability by SNMP alone.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use surge_ping::{Client, Config, ICMP, PingIdentifier, PingSequence};

/// ICMP cannot be used on this machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "本机不允许发送 ICMP（需要 root、CAP_NET_RAW 或 net.ipv4.ping_group_range 覆盖本用户）：{0}；监控将只以 SNMP 判断设备是否可达"
)]
pub struct IcmpUnavailable(pub String);

/// Ping clients for IPv4 and IPv6, shared by every device.
pub struct Icmp {
    v4: Client,
    v6: Option<Client>,
    ident: AtomicU16,
}

impl Icmp {
    pub fn new() -> Result<Self, IcmpUnavailable> {
        let v4 = Client::new(&Config::default()).map_err(|e| IcmpUnavailable(e.to_string()))?;
        let v6 = Client::new(&Config::builder().kind(ICMP::V6).build()).ok();
        Ok(Self {
            v4,
            v6,
            ident: AtomicU16::new(std::process::id() as u16),
        })
    }

    /// One echo request; `true` when the reply came within `timeout`.
    pub async fn ping(&self, ip: IpAddr, timeout: Duration) -> bool {
        let client = match ip {
            IpAddr::V4(_) => &self.v4,
            IpAddr::V6(_) => match &self.v6 {
                Some(c) => c,
                None => return false,
            },
        };
        let ident = PingIdentifier(self.ident.fetch_add(1, Ordering::Relaxed));
        let mut pinger = client.pinger(ip, ident).await;
        pinger.timeout(timeout);
        pinger.ping(PingSequence(0), &[0u8; 16]).await.is_ok()
    }
}
