//! Addresses and VLANs (地址与VLAN): prefixes (IPv4 and IPv6), VLAN ids, address states,
//! utilisation and the conflicts worth flagging.
//!
//! A prefix is a subnet of one of the three networks; prefixes of one network do not nest in
//! this round, so two that overlap there are a conflict to flag.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use yiqiao_core::{ErrorKind, Refusal};

/// Why an IPAM entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpamError {
    #[error("网段「{0}」应写成 地址/掩码长度，如 10.1.2.0/24")]
    BadPrefix(String),
    #[error("网段「{given}」的主机位不为零，应为 {aligned}")]
    NotAligned { given: String, aligned: String },
    #[error("VLAN 号「{0}」应是 1–4094 的整数")]
    BadVlan(String),
    #[error("「{0}」不是 IP 地址")]
    BadAddress(String),
    #[error("地址状态「{0}」应是 在用/保留/DHCP/废弃")]
    BadStatus(String),
    #[error("名称不能为空")]
    EmptyName,
}

impl Refusal for IpamError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_FIELD"
    }
}

/// A subnet: its first address and mask length, host bits zero (网段).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Prefix {
    v6: bool,
    base: u128,
    len: u8,
}

fn bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u32::from(a) as u128),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

impl Prefix {
    /// Parse `10.1.2.0/24` or `2001:db8::/48`; refuses host bits set, naming the aligned form.
    pub fn parse(s: &str) -> Result<Prefix, IpamError> {
        let s = s.trim();
        let bad = || IpamError::BadPrefix(s.to_owned());
        let (a, l) = s.split_once('/').ok_or_else(bad)?;
        let ip: IpAddr = a.trim().parse().map_err(|_| bad())?;
        let len: u8 = l.trim().parse().map_err(|_| bad())?;
        let (v6, b) = bits(ip);
        let width = if v6 { 128 } else { 32 };
        if len > width {
            return Err(bad());
        }
        let p = Prefix {
            v6,
            base: b & Self::mask(v6, len),
            len,
        };
        if p.base != b {
            return Err(IpamError::NotAligned {
                given: s.to_owned(),
                aligned: p.to_string(),
            });
        }
        Ok(p)
    }

    fn width(v6: bool) -> u8 {
        if v6 { 128 } else { 32 }
    }

    fn mask(v6: bool, len: u8) -> u128 {
        let w = Self::width(v6);
        let all: u128 = if v6 { u128::MAX } else { u32::MAX as u128 };
        if len == 0 {
            0
        } else {
            (all >> (w - len)) << (w - len)
        }
    }

    pub fn is_v6(&self) -> bool {
        self.v6
    }
    pub fn prefix_len(&self) -> u8 {
        self.len
    }
    /// The last address of the prefix, as bits.
    fn last(&self) -> u128 {
        let host =
            !Self::mask(self.v6, self.len) & if self.v6 { u128::MAX } else { u32::MAX as u128 };
        self.base | host
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v6, b) = bits(ip);
        v6 == self.v6 && b & Self::mask(self.v6, self.len) == self.base
    }

    /// CIDR prefixes either nest or are disjoint: they overlap when one contains the other.
    pub fn overlaps(&self, other: &Prefix) -> bool {
        self.v6 == other.v6 && self.base <= other.last() && other.base <= self.last()
    }

    /// How many addresses can be given to hosts: IPv4 leaves out the network and broadcast
    /// addresses except in /31 and /32 (RFC 3021); IPv6 counts all (saturating at u128::MAX).
    pub fn usable(&self) -> u128 {
        let host_bits = Self::width(self.v6) - self.len;
        let total = if host_bits >= 128 {
            u128::MAX
        } else {
            1u128 << host_bits
        };
        if !self.v6 && self.len < 31 {
            total - 2
        } else {
            total
        }
    }

    /// Utilisation in tenths of a percent (‰), for `used` addresses in this prefix.
    pub fn utilisation_permille(&self, used: u64) -> u64 {
        let usable = self.usable();
        if usable == 0 {
            return 0;
        }
        let p = (used as u128).saturating_mul(1000) / usable;
        p.min(1000) as u64
    }

    fn addr(&self, b: u128) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(b))
        } else {
            IpAddr::V4(Ipv4Addr::from(b as u32))
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(self.base), self.len)
    }
}

/// An address in its canonical text (so the database's unique key sees one spelling).
pub fn parse_address(s: &str) -> Result<IpAddr, IpamError> {
    s.trim()
        .parse::<IpAddr>()
        .map_err(|_| IpamError::BadAddress(s.trim().to_owned()))
}

/// A VLAN id, 1–4094 (0 and 4095 are reserved by 802.1Q).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VlanId(u16);

impl VlanId {
    pub fn parse(s: &str) -> Result<VlanId, IpamError> {
        match s.trim().parse::<u16>() {
            Ok(v) if (1..=4094).contains(&v) => Ok(VlanId(v)),
            _ => Err(IpamError::BadVlan(s.trim().to_owned())),
        }
    }
    pub fn get(self) -> u16 {
        self.0
    }
}

/// 地址状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AddressStatus {
    Active,
    Reserved,
    Dhcp,
    Deprecated,
}

impl AddressStatus {
    pub const ALL: [AddressStatus; 4] = [
        AddressStatus::Active,
        AddressStatus::Reserved,
        AddressStatus::Dhcp,
        AddressStatus::Deprecated,
    ];
    pub fn code(self) -> &'static str {
        match self {
            AddressStatus::Active => "active",
            AddressStatus::Reserved => "reserved",
            AddressStatus::Dhcp => "dhcp",
            AddressStatus::Deprecated => "deprecated",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AddressStatus::Active => "在用",
            AddressStatus::Reserved => "保留",
            AddressStatus::Dhcp => "DHCP",
            AddressStatus::Deprecated => "废弃",
        }
    }
    pub fn parse(s: &str) -> Result<AddressStatus, IpamError> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(AddressStatus::Active);
        }
        Self::ALL
            .into_iter()
            .find(|a| a.code() == t || a.label() == t)
            .ok_or_else(|| IpamError::BadStatus(t.to_owned()))
    }
    /// Deprecated addresses no longer count as used.
    pub fn counts_as_used(self) -> bool {
        self != AddressStatus::Deprecated
    }
}

/// A stored prefix, as the conflict check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixRow {
    pub id: i64,
    pub network: String,
    pub prefix: Prefix,
}

/// A stored address (or a device's management address), as the conflict check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRow {
    /// `None` for a management address taken from the device archive.
    pub id: Option<i64>,
    pub network: String,
    pub address: IpAddr,
    pub prefix_id: Option<i64>,
    pub asset_id: Option<i64>,
}

/// Something in the address plan that is wrong (地址冲突).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Conflict {
    /// One address on two (or more) devices in one network.
    Duplicate {
        network: String,
        address: IpAddr,
        assets: Vec<i64>,
    },
    /// An address recorded under a prefix that does not contain it, or in no prefix at all.
    OutsidePrefix {
        address_id: i64,
        address: IpAddr,
        prefix: Option<Prefix>,
    },
    /// Two prefixes of one network overlap.
    Overlap {
        network: String,
        a: Prefix,
        b: Prefix,
    },
}

impl Conflict {
    /// What the page says.
    pub fn describe(&self) -> String {
        match self {
            Conflict::Duplicate {
                address, assets, ..
            } => format!("地址 {address} 同时用在 {} 台设备上", assets.len()),
            Conflict::OutsidePrefix {
                address,
                prefix: Some(p),
                ..
            } => format!("地址 {address} 不在其所属网段 {p} 内"),
            Conflict::OutsidePrefix { address, .. } => {
                format!("地址 {address} 不属于任何网段")
            }
            Conflict::Overlap { a, b, .. } => format!("网段 {a} 与 {b} 重叠"),
        }
    }
}

/// Every conflict in the plan: the same address on two devices (IPAM bindings and the devices'
/// management addresses together), addresses outside their prefix, overlapping prefixes.
pub fn conflicts(prefixes: &[PrefixRow], addresses: &[AddressRow]) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut by_addr: BTreeMap<(String, IpAddr), Vec<i64>> = BTreeMap::new();
    for a in addresses {
        if let Some(asset) = a.asset_id {
            let v = by_addr.entry((a.network.clone(), a.address)).or_default();
            if !v.contains(&asset) {
                v.push(asset);
            }
        }
    }
    for ((network, address), mut assets) in by_addr {
        if assets.len() > 1 {
            assets.sort_unstable();
            out.push(Conflict::Duplicate {
                network,
                address,
                assets,
            });
        }
    }
    for a in addresses {
        let Some(id) = a.id else { continue };
        let prefix = a
            .prefix_id
            .and_then(|p| prefixes.iter().find(|r| r.id == p))
            .map(|r| r.prefix);
        if !prefix.is_some_and(|p| p.contains(a.address)) {
            out.push(Conflict::OutsidePrefix {
                address_id: id,
                address: a.address,
                prefix,
            });
        }
    }
    for (i, x) in prefixes.iter().enumerate() {
        for y in &prefixes[i + 1..] {
            if x.network == y.network && x.prefix.overlaps(&y.prefix) {
                out.push(Conflict::Overlap {
                    network: x.network.clone(),
                    a: x.prefix,
                    b: y.prefix,
                });
            }
        }
    }
    out
}

/// The most specific prefix of `network` containing `ip`, if any.
pub fn containing(prefixes: &[PrefixRow], network: &str, ip: IpAddr) -> Option<i64> {
    prefixes
        .iter()
        .filter(|p| p.network == network && p.prefix.contains(ip))
        .max_by_key(|p| p.prefix.prefix_len())
        .map(|p| p.id)
}
