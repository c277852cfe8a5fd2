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
    #[error("没有就诊 {0} 的诊疗信息页")]
    NoPage(String),
    #[error("就诊 {visit} 的诊疗信息页还有 {errors} 处错误，改正后才能提交")]
    HasErrors { visit: String, errors: i32 },
    #[error("就诊 {0} 的诊疗信息页已提交，修改必须填写理由")]
    NeedsReason(String),
    #[error("提交后的修正不能留下错误：{}", .0.join("；"))]
    AmendmentHasErrors(Vec<String>),
    #[error("就诊 {0} 的诊疗信息页已被他人修改，请刷新后重新修改")]
    Stale(String),
    #[error("统计期 {period} 还有 {count} 页有错误，不能导出：{}{}", .pages.join("、"), if *.count > .pages.len() { "等" } else { "" })]
    PeriodHasErrors {
        period: String,
        count: usize,
        /// The first of them, named.
        pages: Vec<String>,
    },
    #[error("统计期 {0} 没有诊疗信息页")]
    EmptyPeriod(String),
    #[error("字典有误：{0}")]
    Dict(String),
    #[error("导出失败：{0}")]
    Export(String),
    #[error(transparent)]
    Period(#[from] crate::domain::period::BadPeriod),
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
            VisitPageError::NoVisit(_)
            | VisitPageError::NoPatient { .. }
            | VisitPageError::NoPage(_)
            | VisitPageError::EmptyPeriod(_) => ErrorKind::NotFound,
            VisitPageError::VisitCancelled(_)
            | VisitPageError::Submitted(_)
            | VisitPageError::Stale(_)
            | VisitPageError::HasErrors { .. }
            | VisitPageError::PeriodHasErrors { .. } => ErrorKind::Conflict,
            VisitPageError::UnknownFeeItem(_)
            | VisitPageError::Mapping(_)
            | VisitPageError::NeedsReason(_)
            | VisitPageError::Dict(_)
            | VisitPageError::AmendmentHasErrors(_) => ErrorKind::Unprocessable,
            VisitPageError::Period(_) => ErrorKind::BadRequest,
            VisitPageError::Stored(_) | VisitPageError::Db(_) | VisitPageError::Export(_) => {
                ErrorKind::Internal
            }
        }
    }
    fn code(&self) -> &'static str {
        match self {
            VisitPageError::NoVisit(_) => "NO_VISIT",
            VisitPageError::NoPatient { .. } => "NO_PATIENT",
            VisitPageError::VisitCancelled(_) => "VISIT_CANCELLED",
            VisitPageError::Submitted(_) => "PAGE_SUBMITTED",
            VisitPageError::NoPage(_) => "NO_PAGE",
            VisitPageError::HasErrors { .. } => "PAGE_HAS_ERRORS",
            VisitPageError::NeedsReason(_) => "AMENDMENT_NEEDS_REASON",
            VisitPageError::AmendmentHasErrors(_) => "AMENDMENT_HAS_ERRORS",
            VisitPageError::Stale(_) => "PAGE_CHANGED",
            VisitPageError::PeriodHasErrors { .. } => "PERIOD_HAS_ERRORS",
            VisitPageError::EmptyPeriod(_) => "EMPTY_PERIOD",
            VisitPageError::Export(_) => "EXPORT",
            VisitPageError::Dict(_) => "BAD_DICT",
            VisitPageError::Period(_) => "BAD_PERIOD",
            VisitPageError::UnknownFeeItem(_) => "UNKNOWN_FEE_ITEM",
            VisitPageError::Mapping(_) => "BAD_FEE_MAPPING",
            VisitPageError::Stored(_) => "STORED_PAGE",
            VisitPageError::Db(_) => "DB",
        }
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            VisitPageError::NeedsReason(_) => {
                vec![FieldError::new("reason", "已提交的页面修改必须填写理由")]
            }
            VisitPageError::Period(e) => e.fields(),
            _ => Vec::new(),
        }
    }
}
