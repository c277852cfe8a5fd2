//! The module's failures, as the web layer sees them.

use sea_orm::DbErr;
use yiqiao_core::FieldError;
use yiqiao_http::AppError;

use crate::domain::catalogue::CatalogueError;
use crate::domain::code::CodeError;
use crate::domain::dispense::DispenseError;
use crate::domain::receipt::ReceiptError;
use crate::domain::supplier_return::SupplierReturnError;
use crate::domain::upload::{PharmacistError, UploadError};
use crate::domain::ward::WardError;

yiqiao_http::app_error_from!(
    CatalogueError,
    CodeError,
    ReceiptError,
    DispenseError,
    UploadError,
    PharmacistError,
    WardError,
    SupplierReturnError
);

/// A refusal of this module, or a database failure.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    #[error(transparent)]
    Dispense(#[from] DispenseError),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    Pharmacist(#[from] PharmacistError),
    #[error(transparent)]
    Ward(#[from] WardError),
    #[error(transparent)]
    SupplierReturn(#[from] SupplierReturnError),
    /// An import file with bad rows: every row named.
    #[error("导入文件有 {} 处错误", .0.len())]
    Import(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<TraceError> for AppError {
    fn from(e: TraceError) -> Self {
        match e {
            TraceError::Catalogue(e) => e.into(),
            TraceError::Code(e) => e.into(),
            TraceError::Receipt(e) => e.into(),
            TraceError::Dispense(e) => e.into(),
            TraceError::Upload(e) => e.into(),
            TraceError::Pharmacist(e) => e.into(),
            TraceError::Ward(e) => e.into(),
            TraceError::SupplierReturn(e) => e.into(),
            TraceError::Import(fields) => {
                let mut err = AppError::fields(fields);
                err.body.code = "IMPORT_INVALID".into();
                err.body.message = format!("导入文件有误，未导入任何一行：{}", err.body.message);
                err
            }
            TraceError::Db(e) => e.into(),
        }
    }
}
