//! What visitpage refuses, and why.

use yiqiao_core::{ErrorKind, FieldError, Refusal};

use crate::domain::assemble::MappingError;
use crate::domain::page::PageError;

#[derive(Debug, thiserror::Error)]
pub enum VisitPageError {
    #[error("HIS 中没有就诊 {0}")]
    NoVisit(String),
    #[error("就诊 {0} 已取消，不生成诊疗信息页")]
    VisitCancelled(String),
    #[error("HIS 中没有就诊 {visit} 的患者 {patient}")]
    NoPatient { visit: String, patient: String },
    #[error("就诊 {0} 的诊疗信息页已提交，不再自动重新生成；修改需说明理由")]
    Submitted(String),
    #[error("未知的费用项目「{0}」")]
    UnknownFeeItem(String),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("已保存的诊疗信息页无法读取：{0}")]
    Stored(#[from] PageError),
    #[error("数据库错误：{0}")]
    Db(#[from] sea_orm::DbErr),
}

impl Refusal for VisitPageError {
    fn kind(&self) -> ErrorKind {
        match self {
            VisitPageError::NoVisit(_) | VisitPageError::NoPatient { .. } => ErrorKind::NotFound,
            VisitPageError::VisitCancelled(_) | VisitPageError::Submitted(_) => ErrorKind::Conflict,
            VisitPageError::UnknownFeeItem(_) | VisitPageError::Mapping(_) => {
                ErrorKind::Unprocessable
            }
            VisitPageError::Stored(_) | VisitPageError::Db(_) => ErrorKind::Internal,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            VisitPageError::NoVisit(_) => "NO_VISIT",
            VisitPageError::NoPatient { .. } => "NO_PATIENT",
            VisitPageError::VisitCancelled(_) => "VISIT_CANCELLED",
            VisitPageError::Submitted(_) => "PAGE_SUBMITTED",
            VisitPageError::UnknownFeeItem(_) => "UNKNOWN_FEE_ITEM",
            VisitPageError::Mapping(_) => "BAD_FEE_MAPPING",
            VisitPageError::Stored(_) => "STORED_PAGE",
            VisitPageError::Db(_) => "DB",
        }
    }
    fn fields(&self) -> Vec<FieldError> {
        Vec::new()
    }
}
