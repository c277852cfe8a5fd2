//! Notices to the platform (hospital → 健康台州) through the outbox: written in the business
//! transaction, delivered by the outbox worker, signed like the platform's own requests with the
//! app's shared secret and the hospital's `X-App-Id`; delivered when the platform answers with
//! `code = OK`, retried with back-off otherwise. `notice_id` (the outbox `msg_id`) is stable, so
//! the platform can drop duplicates.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;
use yiqiao_core::time::Clock;
use yiqiao_store::Db;
use yiqiao_store::outbox::{self, Delivery, Handler, Message, NewMessage};

use crate::client::{SignedHeaders, sign_request};
use crate::config::KeyProvider;
use crate::store::entities::app;

/// The outbox kind of every booking notice.
pub const KIND: &str = "booking.notice";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeType {
    TicketStatus,
    ScheduleStopped,
    ScheduleChanged,
    WaitlistGranted,
}

impl NoticeType {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeType::TicketStatus => "ticket.status",
            NoticeType::ScheduleStopped => "schedule.stopped",
            NoticeType::ScheduleChanged => "schedule.changed",
            NoticeType::WaitlistGranted => "waitlist.granted",
        }
    }
}

/// Put a notice for `app_id` into the outbox, inside the caller's transaction. An app without
/// a callback URL gets no notices (it polls).
pub async fn enqueue<C: ConnectionTrait>(
    c: &C,
    app_id: &str,
    kind: NoticeType,
    notice_id: &str,
    data: Value,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let has_callback = app::Entity::find_by_id(app_id.to_owned())
        .one(c)
        .await?
        .is_some_and(|a| a.enabled && a.callback_url.as_deref().is_some_and(|u| !u.is_empty()));
    if !has_callback {
        return Ok(());
    }
    let notice_id = &stable_id(notice_id);
    let body = crate::wire::notice_json(notice_id, kind.as_str(), data);
    outbox::enqueue(
        c,
        NewMessage::new(KIND, serde_json::json!({"app_id": app_id, "notice": body}))
            .msg_id(notice_id)
            .subject(subject),
        now,
    )
    .await?;
    Ok(())
}

/// A notice id of at most 64 characters (the outbox's `msg_id`): the readable key itself when
/// it fits, otherwise `bk-` and 48 hex characters of its SM3 — stable either way.
pub fn stable_id(key: &str) -> String {
    if key.len() <= 64 {
        key.to_owned()
    } else {
        format!(
            "bk-{}",
            &crate::domain::signing::sm3_hex(key.as_bytes())[..48]
        )
    }
}

/// Delivers booking notices.
pub struct NoticeHandler {
    pub db: Db,
    pub key: Arc<KeyProvider>,
    /// The `X-App-Id` the hospital signs with.
    pub hospital_app_id: String,
    pub clock: Arc<dyn Clock>,
}

impl NoticeHandler {
    /// From the `[booking]` configuration.
    pub fn from_config(
        db: Db,
        clock: Arc<dyn Clock>,
        config: &crate::BookingConfig,
        data_dir: &std::path::Path,
    ) -> NoticeHandler {
        NoticeHandler {
            db,
            key: Arc::new(config.key_provider(data_dir)),
            hospital_app_id: config.hospital_app_id.clone(),
            clock,
        }
    }
}

#[async_trait::async_trait]
impl Handler for NoticeHandler {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn label(&self) -> &'static str {
        "号源预约：通知健康台州"
    }
    async fn deliver(&self, msg: &Message, http: &reqwest::Client) -> Delivery {
        let payload: Value = match serde_json::from_str(&msg.payload) {
            Ok(v) => v,
            Err(e) => {
                return Delivery::Rejected {
                    status: None,
                    error: format!("消息内容无法解析：{e}"),
                    response: String::new(),
                };
            }
        };
        let app_id = payload["app_id"].as_str().unwrap_or_default();
        let app = match app::Entity::find_by_id(app_id.to_owned())
            .one(&*self.db)
            .await
        {
            Ok(Some(a)) => a,
            Ok(None) => {
                return Delivery::Rejected {
                    status: None,
                    error: format!("平台应用 {app_id} 不存在"),
                    response: String::new(),
                };
            }
            Err(e) => {
                return Delivery::Retry {
                    status: None,
                    error: format!("数据库错误：{e}"),
                };
            }
        };
        let Some(url) = app.callback_url.clone().filter(|u| !u.is_empty()) else {
            return Delivery::Rejected {
                status: None,
                error: format!("平台应用 {app_id} 未配置回调地址"),
                response: String::new(),
            };
        };
        let key = match self.key.get() {
            Ok(k) => k,
            Err(e) => {
                return Delivery::Retry {
                    status: None,
                    error: format!("密钥不可用：{e}"),
                };
            }
        };
        let secret = match key.decrypt(&app.secret_enc) {
            Ok(s) => s,
            Err(e) => {
                return Delivery::Rejected {
                    status: None,
                    error: format!("平台应用 {app_id} 的密钥无法解密：{e}"),
                    response: String::new(),
                };
            }
        };
        let body = payload["notice"].to_string().into_bytes();
        let Ok(parsed) = reqwest::Url::parse(&url) else {
            return Delivery::Rejected {
                status: None,
                error: format!("回调地址无效：{url}"),
                response: String::new(),
            };
        };
        let h: SignedHeaders = sign_request(
            &self.hospital_app_id,
            &secret,
            "POST",
            parsed.path(),
            parsed.query().unwrap_or(""),
            &body,
            self.clock.now().timestamp_millis(),
        );
        let res = http
            .post(parsed)
            .header("Content-Type", "application/json")
            .header("X-App-Id", &h.app_id)
            .header("X-Timestamp", &h.timestamp)
            .header("X-Nonce", &h.nonce)
            .header("X-Signature", &h.signature)
            .body(body)
            .send()
            .await;
        match outbox::classify_http(res).await {
            Delivery::Delivered { status, response } => {
                let code = serde_json::from_str::<Value>(&response)
                    .ok()
                    .and_then(|v| v["code"].as_str().map(str::to_owned));
                if code.as_deref() == Some("OK") {
                    Delivery::Delivered { status, response }
                } else {
                    Delivery::Retry {
                        status: Some(status),
                        error: format!(
                            "平台未确认（code = {}）：{}",
                            code.unwrap_or_else(|| "无".into()),
                            response.chars().take(200).collect::<String>()
                        ),
                    }
                }
            }
            other => other,
        }
    }
}
