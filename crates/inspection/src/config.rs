//! The `[inspection]` section of the configuration file (机房运维).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct InspectionConfig {
    /// Where notices (到期提醒 for contracts and signature libraries) are POSTed as JSON, e.g. the
    /// hospital's WeCom/DingTalk bridge. Empty: notices wait in the outbox, marked as refused
    /// with the reason, until an address is set and they are resent.
    pub notice_url: String,
    /// `[inspection.monitor]`: the SNMP/ICMP poller run inside `serve` (实时监控).
    pub monitor: crate::monitor::poller::MonitorConfig,
}
