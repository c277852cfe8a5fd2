//! Topology (网络拓扑): neighbours discovered from LLDP and CDP, handed from the poller to the
//! topology part, which stores, compares and draws them.

use serde::Serialize;
use std::net::IpAddr;

/// Which discovery protocol reported a neighbour (发现协议).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// LLDP-MIB `lldpRemTable` (1.0.8802.1.1.2.1.4.1).
    Lldp,
    /// CISCO-CDP-MIB `cdpCacheTable` (1.3.6.1.4.1.9.9.23.1.2.1).
    Cdp,
}

/// One neighbour (邻居) seen on a local port, as the device reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Neighbour {
    /// The local interface name (ifName/ifDescr, or the LLDP local port description).
    pub local_port: String,
    /// The neighbour's system name (LLDP `lldpRemSysName`, CDP `cdpCacheDeviceId`).
    pub remote_name: String,
    /// The neighbour's port (LLDP `lldpRemPortId`/`PortDesc`, CDP `cdpCacheDevicePort`).
    pub remote_port: String,
    /// The neighbour's management address when reported (CDP `cdpCacheAddress`).
    pub remote_mgmt_ip: Option<IpAddr>,
    pub protocol: Protocol,
}
