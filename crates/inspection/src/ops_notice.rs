//! Delivering the operations notices through the outbox to the configured webhook
//! (`[inspection] notice_url`): expiry warnings (到期提醒) and monitoring alerts as they open and
//! close (告警通知).

use std::sync::Arc;

use yiqiao_store::outbox::{Delivery, Handler, JsonPost, Message};

use crate::config::InspectionConfig;
use crate::store::asset::EXPIRY_NOTICE_KIND;
use crate::store::monitor::ALERT_NOTICE_KIND;

/// Refuses every message, naming the missing setting (shown on the outbox page).
struct Unconfigured {
    kind: &'static str,
    label: &'static str,
}

#[async_trait::async_trait]
impl Handler for Unconfigured {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn label(&self) -> &'static str {
        self.label
    }
    async fn deliver(&self, _msg: &Message, _http: &reqwest::Client) -> Delivery {
        Delivery::Rejected {
            status: None,
            error: "未配置通知地址（[inspection] notice_url）".into(),
            response: String::new(),
        }
    }
}

fn handler(config: &InspectionConfig, kind: &'static str, label: &'static str) -> Arc<dyn Handler> {
    if config.notice_url.trim().is_empty() {
        Arc::new(Unconfigured { kind, label })
    } else {
        Arc::new(JsonPost {
            kind,
            label,
            url: config.notice_url.trim().to_owned(),
        })
    }
}

/// The handler of expiry notices for this configuration.
pub fn expiry_handler(config: &InspectionConfig) -> Arc<dyn Handler> {
    if config.notice_url.trim().is_empty() {
        // Said once at start, not once per notice.
        tracing::info!(
            "未配置通知地址（[inspection] notice_url）：机房到期提醒不外发，请在看板查看"
        );
    }
    handler(config, EXPIRY_NOTICE_KIND, "机房到期提醒")
}

/// The handler of alert notices (opened and closed) for this configuration.
pub fn alert_handler(config: &InspectionConfig) -> Arc<dyn Handler> {
    handler(config, ALERT_NOTICE_KIND, "机房监控告警")
}
