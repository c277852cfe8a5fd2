//! Every refusal of booking, with the error code of the platform contract (booking.md).

use chrono::{DateTime, Utc};
use yiqiao_core::{ErrorKind, Refusal};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    /// Malformed or missing field; the message names it.
    #[error("{0}")]
    InvalidRequest(String),
    /// Bad ID number or name.
    #[error("{0}")]
    InvalidPatient(String),
    #[error("{0}")]
    NotFound(String),
    /// 未放号
    #[error("该排班尚未放号，放号时间 {0}")]
    NotReleased(String),
    /// 已过网上取号截止时间
    #[error("{0}")]
    CutoffPassed(String),
    /// 停诊
    #[error("该排班已停诊{0}")]
    ScheduleStopped(String),
    #[error("该排班网上号源已满")]
    SlotFull,
    #[error("号序 {0} 已被取走或不在网上号源中")]
    SlotTaken(i32),
    #[error("该证件号在此排班已有有效取号记录")]
    DuplicateTicket,
    #[error("该证件号当日取号已达上限 {0} 个")]
    DailyLimit(u32),
    /// 爽约停约
    #[error("该证件号因多次爽约暂停网上取号，至 {}", yiqiao_core::time::format_local(*.0))]
    PatientSuspended(DateTime<Utc>),
    #[error("已过取消截止时间（就诊前 {0} 分钟），不能再取消")]
    CancelCutoffPassed(i64),
    #[error("该取号记录已取消（当前状态：{0}）")]
    AlreadyCancelled(String),
    /// Checked in, visited or no-show: past the point of cancelling.
    #[error("该取号记录状态为「{0}」，不能再取消")]
    CannotCancel(String),
    #[error("同一个 Idempotency-Key 已用于内容不同的请求")]
    IdempotencyConflict,
    #[error("同一个 Idempotency-Key 的请求正在处理，请稍后重试")]
    IdempotencyInFlight,
    /// `AUTH_APP`: unknown or disabled app.
    #[error("{0}")]
    AuthApp(String),
    /// `AUTH_SIGNATURE`
    #[error("{0}")]
    AuthSignature(String),
    /// `AUTH_TIME`
    #[error("{0}")]
    AuthTime(String),
    /// `AUTH_REPLAY`
    #[error("X-Nonce 已使用过（重放请求）")]
    AuthReplay,
    /// A state change the state machine does not allow (desk actions).
    #[error("{0}")]
    NotAllowed(String),
    #[error("请求内容超过 {0} 字节")]
    TooLarge(usize),
    /// 限流: the app's request budget is spent; the value is the wait in milliseconds.
    #[error("请求过于频繁，已超过本应用的限流额度，请 {} 秒后重试", .0.div_ceil(1000).max(1))]
    RateLimited(u64),
}

impl BookingError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        BookingError::InvalidRequest(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        BookingError::NotFound(msg.into())
    }

    /// What the envelope's `data` carries for this refusal.
    pub fn data(&self) -> serde_json::Value {
        match self {
            BookingError::PatientSuspended(until) => {
                serde_json::json!({"until": yiqiao_core::time::format_local(*until)})
            }
            BookingError::RateLimited(wait_ms) => serde_json::json!({"retry_after_ms": wait_ms}),
            _ => serde_json::Value::Null,
        }
    }
}

impl Refusal for BookingError {
    fn kind(&self) -> ErrorKind {
        use BookingError::*;
        match self {
            InvalidRequest(_) | InvalidPatient(_) | TooLarge(_) => ErrorKind::BadRequest,
            NotFound(_) => ErrorKind::NotFound,
            NotReleased(_)
            | CutoffPassed(_)
            | ScheduleStopped(_)
            | SlotFull
            | SlotTaken(_)
            | DuplicateTicket
            | DailyLimit(_)
            | PatientSuspended(_)
            | CancelCutoffPassed(_)
            | CannotCancel(_)
            | AlreadyCancelled(_)
            | IdempotencyInFlight
            | NotAllowed(_) => ErrorKind::Conflict,
            IdempotencyConflict => ErrorKind::Unprocessable,
            RateLimited(_) => ErrorKind::TooManyRequests,
            AuthApp(_) | AuthSignature(_) | AuthTime(_) | AuthReplay => ErrorKind::Unauthenticated,
        }
    }

    fn code(&self) -> &'static str {
        use BookingError::*;
        match self {
            InvalidRequest(_) | TooLarge(_) => "INVALID_REQUEST",
            InvalidPatient(_) => "INVALID_PATIENT",
            NotFound(_) => "NOT_FOUND",
            NotReleased(_) => "NOT_RELEASED",
            CutoffPassed(_) => "CUTOFF_PASSED",
            ScheduleStopped(_) => "SCHEDULE_STOPPED",
            SlotFull => "SLOT_FULL",
            SlotTaken(_) => "SLOT_TAKEN",
            DuplicateTicket => "DUPLICATE_TICKET",
            DailyLimit(_) => "DAILY_LIMIT",
            PatientSuspended(_) => "PATIENT_SUSPENDED",
            CancelCutoffPassed(_) | CannotCancel(_) => "CANCEL_CUTOFF_PASSED",
            AlreadyCancelled(_) => "ALREADY_CANCELLED",
            IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            IdempotencyInFlight => "IDEMPOTENCY_CONFLICT",
            AuthApp(_) => "AUTH_APP",
            AuthSignature(_) => "AUTH_SIGNATURE",
            AuthTime(_) => "AUTH_TIME",
            AuthReplay => "AUTH_REPLAY",
            NotAllowed(_) => "NOT_ALLOWED",
            RateLimited(_) => "RATE_LIMITED",
        }
    }
}
