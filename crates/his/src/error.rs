//! What can go wrong in this crate, and how it maps to HTTP.

use sea_orm::DbErr;
use yiqiao_core::{ErrorKind, FieldError, Refusal};
use yiqiao_http::AppError;

/// The errors of the HIS feed and its admin functions.
#[derive(Debug, thiserror::Error)]
pub enum HisError {
    /// One or more fields of a record are bad (400 `BAD_FIELD`, every field listed).
    #[error("{}", join(.0))]
    Invalid(Vec<FieldError>),
    /// The body is not JSON (400 `MALFORMED_JSON`).
    #[error("请求体不是合法的 JSON：{0}")]
    MalformedJson(String),
    /// The body is larger than the limit (413 `BODY_TOO_LARGE`).
    #[error("请求体超过上限 {limit} 字节")]
    TooLarge { limit: usize },
    /// The body could not be read (400 `BAD_BODY`).
    #[error("无法读取请求体：{0}")]
    BodyRead(String),
    /// A batch without any line (400 `EMPTY_BATCH`).
    #[error("批量请求中没有任何记录行")]
    EmptyBatch,
    /// A batch with too many lines (413 `TOO_MANY_LINES`).
    #[error("批量请求超过 {max} 行的上限")]
    TooManyLines { max: usize },
    /// No such record (404 `NOT_FOUND`).
    #[error("{label} {id} 不存在")]
    NotFound { label: &'static str, id: String },
    /// No or a wrong bearer token (401 `UNAUTHENTICATED`).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A client of that name exists already (409 `CLIENT_EXISTS`).
    #[error("HIS 客户端「{0}」已存在")]
    ClientExists(String),
    /// No client with that id (404 `NOT_FOUND`).
    #[error("HIS 客户端 {0} 不存在")]
    NoSuchClient(i64),
    /// The database failed (500, or 503 when unreachable).
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

fn join(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("；")
}

impl HisError {
    /// A single bad field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        HisError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl Refusal for HisError {
    fn kind(&self) -> ErrorKind {
        match self {
            HisError::Invalid(_)
            | HisError::MalformedJson(_)
            | HisError::BodyRead(_)
            | HisError::EmptyBatch => ErrorKind::BadRequest,
            HisError::TooLarge { .. } | HisError::TooManyLines { .. } => ErrorKind::PayloadTooLarge,
            HisError::NotFound { .. } | HisError::NoSuchClient(_) => ErrorKind::NotFound,
            HisError::Unauthenticated(_) => ErrorKind::Unauthenticated,
            HisError::ClientExists(_) => ErrorKind::Conflict,
            HisError::Db(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            HisError::Invalid(_) => "BAD_FIELD",
            HisError::MalformedJson(_) => "MALFORMED_JSON",
            HisError::TooLarge { .. } => "BODY_TOO_LARGE",
            HisError::BodyRead(_) => "BAD_BODY",
            HisError::EmptyBatch => "EMPTY_BATCH",
            HisError::TooManyLines { .. } => "TOO_MANY_LINES",
            HisError::NotFound { .. } | HisError::NoSuchClient(_) => "NOT_FOUND",
            HisError::Unauthenticated(_) => "UNAUTHENTICATED",
            HisError::ClientExists(_) => "CLIENT_EXISTS",
            HisError::Db(_) => "DATABASE",
        }
    }
}

/// Like `yiqiao_http::app_error_from!`, but a record's bad fields also go into the body's
/// `fields` list, and an unreachable database is a 503 (the generic mapping of `DbErr`).
impl From<HisError> for AppError {
    fn from(e: HisError) -> Self {
        match e {
            HisError::Invalid(fields) => AppError::fields(fields),
            HisError::Db(db) => AppError::from(db),
            other => AppError::from_refusal(&other),
        }
    }
}
