//! Delivering the operations notices (到期提醒) through the outbox to the configured webhook.

use std::sync::Arc;

use yiqiao_store::outbox::{Delivery, Handler, JsonPost, Message};

use crate::config::InspectionConfig;
use crate::store::asset::EXPIRY_NOTICE_KIND;

/// Refuses every message, naming the missing setting (shown on the outbox page).
struct Unconfigured;

#[async_trait::async_trait]
impl Handler for Unconfigured {
    fn kind(&self) -> &'static str {
        EXPIRY_NOTICE_KIND
    }
    fn label(&self) -> &'static str {
        "机房到期提醒"
    }
    async fn deliver(&self, _msg: &Message, _http: &reqwest::Client) -> Delivery {
        Delivery::Rejected {
            status: None,
            error: "未配置通知地址（[inspection] notice_url）".into(),
            response: String::new(),
        }
    }
}

/// The handler of expiry notices for this configuration.
pub fn expiry_handler(config: &InspectionConfig) -> Arc<dyn Handler> {
    if config.notice_url.trim().is_empty() {
        Arc::new(Unconfigured)
    } else {
        Arc::new(JsonPost {
            kind: EXPIRY_NOTICE_KIND,
            label: "机房到期提醒",
            url: config.notice_url.trim().to_owned(),
        })
    }
}
