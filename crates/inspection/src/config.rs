//! The `[inspection]` section of the configuration file (机房运维).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct InspectionConfig {
    /// Where notices (到期提醒 for contracts and signature libraries, monitoring alerts as they
    /// open and close) are POSTed as JSON, e.g. the hospital's WeCom/DingTalk bridge. Empty:
    /// expiry thresholds are shown on the dashboard only; alert notices wait in the outbox,
    /// marked as refused with the reason, until an address is set and they are resent.
    pub notice_url: String,
    /// Master key (64 hex characters) that encrypts the SNMP credentials at rest (SM4). Empty:
    /// the key file `inspection-secret.key` in the data directory, made on first use (keep a
    /// copy of it with the backups: without it the stored credentials cannot be read).
    pub secret_key: String,
    /// `[inspection.monitor]`: the SNMP/ICMP poller run inside `serve` (实时监控).
    pub monitor: crate::monitor::poller::MonitorConfig,
}

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "inspection-secret.key";

impl InspectionConfig {
    /// Where the SNMP credential key comes from (read on first use).
    pub fn key_provider(
        &self,
        data_dir: &std::path::Path,
    ) -> yiqiao_store::secret_key::KeyProvider {
        yiqiao_store::secret_key::KeyProvider::new(
            crate::store::monitor::SECRET_LABEL,
            "inspection.secret_key",
            &self.secret_key,
            data_dir.join(KEY_FILE),
        )
    }
}
