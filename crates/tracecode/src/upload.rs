//! Sending NHSA messages: the outbox handler of `nhsa.3501`…`nhsa.3507`.
//!
//! Transport failures (no answer, 408/429/5xx, an answer that is not the interface's) are
//! retried with back-off by the outbox; a business rejection (`infcode ≠ 0`, or `retRslt = 0`,
//! e.g. "追溯码已销售") is final and waits for a person: fix and resend, or delete with 3507.

use std::sync::Arc;

use yiqiao_core::time::Clock;
use yiqiao_store::outbox::{Delivery, Handler, Message};

use crate::nhsa::{self, Answer, Infno, Queued, TracecodeConfig};

/// Delivers one message kind to the configured endpoint.
pub struct NhsaHandler {
    infno: Infno,
    config: Arc<TracecodeConfig>,
    clock: Arc<dyn Clock>,
}

impl NhsaHandler {
    /// One handler per message, all sharing the configuration.
    pub fn all(config: &TracecodeConfig, clock: &Arc<dyn Clock>) -> Vec<Arc<dyn Handler>> {
        let config = Arc::new(config.clone());
        Infno::ALL
            .into_iter()
            .map(|infno| {
                Arc::new(NhsaHandler {
                    infno,
                    config: config.clone(),
                    clock: clock.clone(),
                }) as Arc<dyn Handler>
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl Handler for NhsaHandler {
    fn kind(&self) -> &'static str {
        self.infno.kind()
    }
    fn label(&self) -> &'static str {
        self.infno.label()
    }
    async fn deliver(&self, msg: &Message, http: &reqwest::Client) -> Delivery {
        let queued: Queued = match serde_json::from_str(&msg.payload) {
            Ok(q) => q,
            Err(e) => {
                return Delivery::Rejected {
                    status: None,
                    error: format!("待发报文已损坏：{e}"),
                    response: String::new(),
                };
            }
        };
        if self.config.nhsa_endpoint.trim().is_empty() {
            return Delivery::Retry {
                status: None,
                error: "未配置医保进销存接口地址（[tracecode] nhsa_endpoint）".into(),
            };
        }
        let body = nhsa::request(&self.config, &msg.msg_id, &queued, self.clock.now());
        let res = http
            .post(&self.config.nhsa_endpoint)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        let r = match res {
            Ok(r) => r,
            Err(e) => {
                return Delivery::Retry {
                    status: None,
                    error: format!("发送失败：{e}"),
                };
            }
        };
        let status = r.status().as_u16();
        let text: String = match r.text().await {
            Ok(t) => t.chars().take(2000).collect(),
            Err(e) => {
                return Delivery::Retry {
                    status: Some(status),
                    error: format!("读取应答失败：{e}"),
                };
            }
        };
        if !(200..300).contains(&status) {
            return if status == 408 || status == 429 || status >= 500 {
                Delivery::Retry {
                    status: Some(status),
                    error: format!("医保平台暂时无法处理（HTTP {status}）"),
                }
            } else {
                Delivery::Rejected {
                    status: Some(status),
                    error: format!("医保平台拒收（HTTP {status}）"),
                    response: text,
                }
            };
        }
        match nhsa::read_answer(&text) {
            Answer::Accepted => Delivery::Delivered {
                status,
                response: text,
            },
            Answer::Rejected(error) => Delivery::Rejected {
                status: Some(status),
                error,
                response: text,
            },
            Answer::Unreadable(error) => Delivery::Retry {
                status: Some(status),
                error,
            },
        }
    }
}
