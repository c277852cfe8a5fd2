//! What the operations half's storage refuses (assets, IPAM, inspections, faults, …).

use yiqiao_core::{ErrorKind, FieldError, Refusal};

use crate::domain::asset::AssetError;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("数据库错误：{0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error(transparent)]
    Asset(#[from] AssetError),
    #[error("{0}")]
    Bad(String),
    /// Spreadsheet rows refused; nothing was imported. Each line names its row.
    #[error("导入失败，未导入任何数据：{}", .0.join("；"))]
    Import(Vec<String>),
}

impl Refusal for OpsError {
    fn kind(&self) -> ErrorKind {
        match self {
            OpsError::Db(_) => ErrorKind::Internal,
            OpsError::NotFound(_) => ErrorKind::NotFound,
            OpsError::Conflict(_) => ErrorKind::Conflict,
            OpsError::Unprocessable(_) => ErrorKind::Unprocessable,
            OpsError::Asset(e) => e.kind(),
            OpsError::Bad(_) | OpsError::Import(_) => ErrorKind::BadRequest,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            OpsError::Db(_) => "INTERNAL",
            OpsError::NotFound(_) => "NOT_FOUND",
            OpsError::Conflict(_) => "CONFLICT",
            OpsError::Unprocessable(_) => "REFUSED",
            OpsError::Asset(e) => e.code(),
            OpsError::Bad(_) => "BAD_REQUEST",
            OpsError::Import(_) => "IMPORT_REFUSED",
        }
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            OpsError::Asset(e) => e.fields(),
            _ => Vec::new(),
        }
    }
}

yiqiao_http::app_error_from!(OpsError);
