//! The outbox (发件箱): messages to other systems are written in the same transaction as the
//! business change that causes them, and a worker delivers them over HTTP with retries and
//! exponential back-off. Each message has a stable `msg_id` that the receiver can use to drop
//! duplicates; delivery is at least once.
//!
//! Modules register a [`Handler`] per message kind: it knows the receiver, the signing and the
//! rules for reading the receiver's answer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{Condition, ConnectionTrait, QueryOrder, QuerySelect, Set, Statement};
use yiqiao_core::time::Clock;

/// The states of a message.
pub mod state {
    /// Waiting for its next attempt.
    pub const PENDING: &str = "pending";
    /// Claimed by a worker (until `lease_until`).
    pub const SENDING: &str = "sending";
    /// The receiver accepted it.
    pub const DELIVERED: &str = "delivered";
    /// Refused for good, or out of attempts: waits for a person (manual retry).
    pub const DEAD: &str = "dead";
}

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_message")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub msg_id: String,
        pub kind: String,
        /// What the message is about, for people (a ticket number, a receipt number).
        pub subject: Option<String>,
        pub payload: String,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub lease_until: Option<DateTimeUtc>,
        pub last_status: Option<i32>,
        pub last_error: Option<String>,
        pub response: Option<String>,
        pub created_at: DateTimeUtc,
        pub delivered_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as Message;

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: String,
    /// Stable id; `None` gives a fresh UUID. Modules whose receiver prescribes an id format
    /// (NHSA `msgid`) pass their own.
    pub msg_id: Option<String>,
    pub subject: Option<String>,
    pub payload: serde_json::Value,
}

impl NewMessage {
    pub fn new(kind: &str, payload: serde_json::Value) -> Self {
        NewMessage {
            kind: kind.to_owned(),
            msg_id: None,
            subject: None,
            payload,
        }
    }
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }
    pub fn msg_id(mut self, id: impl Into<String>) -> Self {
        self.msg_id = Some(id.into());
        self
    }
}

/// Write a message into the outbox, inside the caller's business transaction.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    msg: NewMessage,
    now: DateTime<Utc>,
) -> Result<Message, DbErr> {
    entity::ActiveModel {
        msg_id: Set(msg
            .msg_id
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())),
        kind: Set(msg.kind),
        subject: Set(msg.subject),
        payload: Set(msg.payload.to_string()),
        state: Set(state::PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the receiver.
    Delivered { status: u16, response: String },
    /// Worth trying again later (network error, 5xx, timeout, "busy").
    Retry { status: Option<u16>, error: String },
    /// Refused for good (the receiver said the message itself is wrong).
    Rejected {
        status: Option<u16>,
        error: String,
        response: String,
    },
}

/// Delivers the messages of one kind.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The kind this handler delivers, e.g. `booking.notice`, `nhsa.3505`.
    fn kind(&self) -> &'static str;
    /// What people call it (shown on the admin page).
    fn label(&self) -> &'static str;
    async fn deliver(&self, msg: &Message, http: &reqwest::Client) -> Delivery;
}

/// A handler that POSTs the payload as JSON to a fixed URL with an `X-Message-Id` header:
/// 2xx is delivered, 408/429/5xx and network errors are retried, other 4xx are rejected.
pub struct JsonPost {
    pub kind: &'static str,
    pub label: &'static str,
    pub url: String,
}

#[async_trait::async_trait]
impl Handler for JsonPost {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn label(&self) -> &'static str {
        self.label
    }
    async fn deliver(&self, msg: &Message, http: &reqwest::Client) -> Delivery {
        let res = http
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("X-Message-Id", &msg.msg_id)
            .body(msg.payload.clone())
            .send()
            .await;
        classify_http(res).await
    }
}

/// The usual reading of an HTTP answer, for handlers that have no special rules.
pub async fn classify_http(res: Result<reqwest::Response, reqwest::Error>) -> Delivery {
    match res {
        Err(e) => Delivery::Retry {
            status: None,
            error: format!("发送失败：{e}"),
        },
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            let body: String = body.chars().take(2000).collect();
            if (200..300).contains(&status) {
                Delivery::Delivered {
                    status,
                    response: body,
                }
            } else if status == 408 || status == 429 || status >= 500 {
                Delivery::Retry {
                    status: Some(status),
                    error: format!("对方暂时无法处理（HTTP {status}）：{body}"),
                }
            } else {
                Delivery::Rejected {
                    status: Some(status),
                    error: format!("对方拒收（HTTP {status}）"),
                    response: body,
                }
            }
        }
    }
}

/// The handlers, by kind.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: BTreeMap<&'static str, Arc<dyn Handler>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn register(&mut self, h: Arc<dyn Handler>) {
        self.handlers.insert(h.kind(), h);
    }
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Handler>> {
        self.handlers.get(kind)
    }
    pub fn label(&self, kind: &str) -> &'static str {
        self.get(kind)
            .map(|h| h.label())
            .unwrap_or("未注册的消息类型")
    }
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.handlers.keys().copied()
    }
}

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The first retry waits this long; each later one twice as long as the one before.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// After this many attempts a message is `dead` and waits for a person.
    pub max_attempts: i32,
    /// How long a claim lasts; a worker that dies mid-delivery frees the message after this.
    pub lease: Duration,
    /// How many messages one pass claims.
    pub batch: u64,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Pause between passes when there is nothing to do.
    pub idle: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            max_attempts: 20,
            lease: Duration::from_secs(120),
            batch: 50,
            request_timeout: Duration::from_secs(15),
            idle: Duration::from_secs(2),
        }
    }
}

impl Policy {
    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let shift = attempts.clamp(1, 30) as u32 - 1;
        let d = self.base_delay.saturating_mul(1u32 << shift.min(20));
        d.min(self.max_delay)
    }
}

/// Counts of one worker pass.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
}

/// Delivers due messages. Several workers (on several nodes) may run: a message is claimed by
/// one conditional UPDATE, so only one of them sends it at a time.
pub struct Worker {
    db: crate::Db,
    registry: Arc<Registry>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    policy: Policy,
}

impl Worker {
    pub fn new(
        db: crate::Db,
        registry: Arc<Registry>,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Result<Worker, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(policy.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Worker {
            db,
            registry,
            clock,
            http,
            policy,
        })
    }

    /// Run until `stop` turns true; a delivery in flight is finished first.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                break;
            }
            let busy = match self.pass().await {
                Ok(p) => p.delivered + p.retried + p.dead > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox pass failed");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    _ = tokio::time::sleep(self.policy.idle) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// One pass: claim what is due and deliver it.
    pub async fn pass(&self) -> Result<Pass, DbErr> {
        let now = self.clock.now();
        let due = entity::Entity::find()
            .select_only()
            .column(entity::Column::Id)
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(entity::Column::State.eq(state::PENDING))
                            .add(entity::Column::NextAttemptAt.lte(now)),
                    )
                    .add(
                        Condition::all()
                            .add(entity::Column::State.eq(state::SENDING))
                            .add(entity::Column::LeaseUntil.lt(now)),
                    ),
            )
            .order_by_asc(entity::Column::NextAttemptAt)
            .limit(self.policy.batch)
            .into_tuple::<i64>()
            .all(&*self.db)
            .await?;
        let mut pass = Pass::default();
        for id in due {
            if let Some(msg) = self.claim(id, now).await? {
                match self.deliver(msg).await? {
                    Outcome::Delivered => pass.delivered += 1,
                    Outcome::Retried => pass.retried += 1,
                    Outcome::Dead => pass.dead += 1,
                }
            }
        }
        Ok(pass)
    }

    /// Take one message if nobody else has: the database decides.
    async fn claim(&self, id: i64, now: DateTime<Utc>) -> Result<Option<Message>, DbErr> {
        let lease = now + chrono::Duration::from_std(self.policy.lease).unwrap_or_default();
        let res = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                self.db.db_backend(),
                "UPDATE outbox_message SET state = $1, lease_until = $2, attempts = attempts + 1 \
                 WHERE id = $3 AND ((state = $4 AND next_attempt_at <= $5) OR (state = $1 AND lease_until < $5))",
                [
                    state::SENDING.into(),
                    lease.into(),
                    id.into(),
                    state::PENDING.into(),
                    now.into(),
                ],
            ))
            .await?;
        if res.rows_affected() != 1 {
            return Ok(None);
        }
        entity::Entity::find_by_id(id).one(&*self.db).await
    }

    async fn deliver(&self, msg: Message) -> Result<Outcome, DbErr> {
        let delivery = match self.registry.get(&msg.kind) {
            Some(h) => h.deliver(&msg, &self.http).await,
            None => Delivery::Rejected {
                status: None,
                error: format!("没有登记消息类型「{}」的发送方式", msg.kind),
                response: String::new(),
            },
        };
        let now = self.clock.now();
        let mut am = entity::ActiveModel {
            id: Set(msg.id),
            lease_until: Set(None),
            ..Default::default()
        };
        let outcome = match delivery {
            Delivery::Delivered { status, response } => {
                am.state = Set(state::DELIVERED.to_owned());
                am.last_status = Set(Some(i32::from(status)));
                am.last_error = Set(None);
                am.response = Set(Some(response));
                am.delivered_at = Set(Some(now));
                tracing::info!(msg_id = %msg.msg_id, kind = %msg.kind, "outbox delivered");
                Outcome::Delivered
            }
            Delivery::Retry { status, error } if msg.attempts < self.policy.max_attempts => {
                let wait = self.policy.backoff(msg.attempts);
                am.state = Set(state::PENDING.to_owned());
                am.last_status = Set(status.map(i32::from));
                am.last_error = Set(Some(error));
                am.next_attempt_at =
                    Set(now + chrono::Duration::from_std(wait).unwrap_or_default());
                tracing::warn!(msg_id = %msg.msg_id, kind = %msg.kind, attempts = msg.attempts, "outbox retry later");
                Outcome::Retried
            }
            Delivery::Retry { status, error } => {
                am.state = Set(state::DEAD.to_owned());
                am.last_status = Set(status.map(i32::from));
                am.last_error = Set(Some(format!("已重试 {} 次仍失败：{error}", msg.attempts)));
                Outcome::Dead
            }
            Delivery::Rejected {
                status,
                error,
                response,
            } => {
                am.state = Set(state::DEAD.to_owned());
                am.last_status = Set(status.map(i32::from));
                am.last_error = Set(Some(error));
                am.response = Set(Some(response));
                tracing::warn!(msg_id = %msg.msg_id, kind = %msg.kind, "outbox rejected");
                Outcome::Dead
            }
        };
        // Only if we still hold the claim: a stale worker must not overwrite a newer result.
        entity::Entity::update_many()
            .set(am)
            .filter(entity::Column::Id.eq(msg.id))
            .filter(entity::Column::State.eq(state::SENDING))
            .filter(entity::Column::Attempts.eq(msg.attempts))
            .exec(&*self.db)
            .await?;
        Ok(outcome)
    }
}

enum Outcome {
    Delivered,
    Retried,
    Dead,
}

/// A person asks for another try now (a `dead` or waiting message). Returns false when the
/// message is delivered or being sent.
pub async fn retry_now<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = entity::Entity::update_many()
        .col_expr(entity::Column::State, Expr::value(state::PENDING))
        .col_expr(entity::Column::NextAttemptAt, Expr::value(now))
        .col_expr(entity::Column::Attempts, Expr::value(0))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::State.is_in([state::DEAD, state::PENDING]))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Messages for the admin page, newest first, optionally of one state and kind.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    state: Option<&str>,
    kind: Option<&str>,
    limit: u64,
) -> Result<Vec<Message>, DbErr> {
    let mut q = entity::Entity::find().order_by_desc(entity::Column::Id);
    if let Some(s) = state {
        q = q.filter(entity::Column::State.eq(s));
    }
    if let Some(k) = kind {
        q = q.filter(entity::Column::Kind.eq(k));
    }
    q.limit(limit).all(conn).await
}

/// How many messages are in each state.
pub async fn counts<C: ConnectionTrait>(conn: &C) -> Result<BTreeMap<String, i64>, DbErr> {
    let rows: Vec<(String, i64)> = entity::Entity::find()
        .select_only()
        .column(entity::Column::State)
        .column_as(entity::Column::Id.count(), "n")
        .group_by(entity::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Message>, DbErr> {
    entity::Entity::find_by_id(id).one(conn).await
}
