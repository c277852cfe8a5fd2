//! The one mapping from errors to HTTP.
//!
//! Every error becomes a response with a status from its [`ErrorKind`] and a JSON body
//! `{code, message, fields?}`. For page routes the web crate turns such a response into a
//! readable page (it finds the [`ErrorBody`] in the response's extensions). Internal errors are
//! logged with their detail and shown without it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use yiqiao_core::{ErrorKind, FieldError, Refusal};

/// What the client is told.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// Put into a response's extensions by a module whose error bodies follow a contract of their
/// own (the platform envelope `{code, message, data}` of booking): the web layer that finishes
/// error responses leaves such a response exactly as it is.
#[derive(Debug, Clone, Copy)]
pub struct FinalBody;

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct AppError {
    pub kind: ErrorKind,
    pub body: ErrorBody,
    /// Logged, never shown.
    pub detail: Option<String>,
}

/// Alias used by JSON handlers, for readability at the call site.
pub type ApiError = AppError;

impl AppError {
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        AppError {
            kind,
            body: ErrorBody {
                code: code.to_owned(),
                message: message.into(),
                fields: Vec::new(),
            },
            detail: None,
        }
    }

    pub fn from_refusal(e: &(impl Refusal + ?Sized)) -> Self {
        let mut err = AppError::new(e.kind(), e.code(), e.message());
        err.body.fields = e.fields();
        if e.kind() == ErrorKind::Internal {
            err.detail = Some(format!("{e:?}"));
            err.body.message = "服务器内部错误，已记录，请联系信息科".to_owned();
        }
        err
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, "NOT_FOUND", message)
    }
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden, "FORBIDDEN", "您的角色无权进行此操作")
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "UNAUTHENTICATED", "请先登录")
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        let mut e = Self::new(
            ErrorKind::Internal,
            "INTERNAL",
            "服务器内部错误，已记录，请联系信息科",
        );
        e.detail = Some(detail.into());
        e
    }

    /// A 400 listing every bad field of a record.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        let message = fields
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("；");
        let mut e = Self::new(ErrorKind::BadRequest, "BAD_FIELD", message);
        e.body.fields = fields;
        e
    }

    pub fn status(&self) -> StatusCode {
        status_of(self.kind)
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::fields(vec![e])
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        // A database that is down is "unavailable", not our bug.
        if matches!(
            e,
            sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_)
        ) {
            let mut err = AppError::new(
                ErrorKind::Unavailable,
                "DATABASE_UNAVAILABLE",
                "数据库暂时不可用，请稍后再试",
            );
            err.detail = Some(e.to_string());
            return err;
        }
        AppError::internal(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(format!("template: {e}"))
    }
}

/// Implement `From<$t> for AppError` for a module's `Refusal` error type.
#[macro_export]
macro_rules! app_error_from {
    ($($t:ty),+ $(,)?) => {
        $(impl ::std::convert::From<$t> for $crate::AppError {
            fn from(e: $t) -> Self {
                $crate::AppError::from_refusal(&e)
            }
        })+
    };
}

app_error_from!(yiqiao_core::role::UnknownRole);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = %self.body.code, detail = ?self.detail, "request failed");
        }
        let mut res = (status, Json(self.body.clone())).into_response();
        res.extensions_mut().insert(self.body);
        res
    }
}
