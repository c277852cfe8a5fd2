#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The domain core used the way the poller will use it, through the public API only.

mod domain_flow;
mod monitor_agents;
mod monitor_bench;
mod monitor_http;
mod monitor_icmp;
mod monitor_notices;
mod monitor_poller;
mod monitor_secrets;
mod monitor_vendors;
mod ops_assets;
mod ops_demo_monitor;
mod ops_inspection;
mod ops_ipam;
mod ops_report;
mod ops_topology;
