//! Monitoring (实时监控): SNMP sessions, one poll of a device, ICMP reachability and the poller
//! that runs them at each device's interval.

pub mod bench;
pub mod chart;
pub mod cli;
pub mod evaluate;
pub mod ping;
pub mod poll;
pub mod poller;
pub mod snmp;
