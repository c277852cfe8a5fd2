//! The status of an NHSA message as the insurance office sees it, and what may be done to it.

use yiqiao_core::{ErrorKind, Refusal};
use yiqiao_store::outbox::state;

/// 上传状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStatus {
    /// 排队: waiting for its (next) attempt.
    Queued,
    /// 发送中.
    Sent,
    /// 已接收: `retRslt = 1`.
    Accepted,
    /// 被拒收: `infcode ≠ 0` or `retRslt = 0`; waits for a person.
    Rejected,
    /// 发送失败: out of retries; waits for a person.
    Failed,
}

/// Prefix of the outbox's note on a message out of attempts.
const OUT_OF_RETRIES: &str = "已重试";

impl UploadStatus {
    pub const ALL: [UploadStatus; 5] = [
        UploadStatus::Queued,
        UploadStatus::Sent,
        UploadStatus::Accepted,
        UploadStatus::Rejected,
        UploadStatus::Failed,
    ];
    /// From an outbox row's state and last error.
    pub fn of(outbox_state: &str, last_error: Option<&str>) -> UploadStatus {
        match outbox_state {
            state::SENDING => UploadStatus::Sent,
            state::DELIVERED => UploadStatus::Accepted,
            state::DEAD if last_error.is_some_and(|e| e.starts_with(OUT_OF_RETRIES)) => {
                UploadStatus::Failed
            }
            state::DEAD => UploadStatus::Rejected,
            _ => UploadStatus::Queued,
        }
    }
    pub fn parse(s: &str) -> Option<UploadStatus> {
        UploadStatus::ALL.into_iter().find(|u| u.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            UploadStatus::Queued => "queued",
            UploadStatus::Sent => "sent",
            UploadStatus::Accepted => "accepted",
            UploadStatus::Rejected => "rejected",
            UploadStatus::Failed => "failed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            UploadStatus::Queued => "排队",
            UploadStatus::Sent => "发送中",
            UploadStatus::Accepted => "已接收",
            UploadStatus::Rejected => "被拒收",
            UploadStatus::Failed => "发送失败",
        }
    }
    /// The outbox state holding messages of this status.
    pub fn outbox_state(self) -> &'static str {
        match self {
            UploadStatus::Queued => state::PENDING,
            UploadStatus::Sent => state::SENDING,
            UploadStatus::Accepted => state::DELIVERED,
            UploadStatus::Rejected | UploadStatus::Failed => state::DEAD,
        }
    }
    /// A person may send it again now.
    pub fn resendable(self) -> bool {
        matches!(
            self,
            UploadStatus::Queued | UploadStatus::Rejected | UploadStatus::Failed
        )
    }
}

/// Why an action on an NHSA message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("没有这条医保报文")]
    NoSuchMessage,
    #[error("这条报文已被医保平台接收或正在发送，不能重发")]
    NotResendable,
    #[error("只有已接收或被拒收的 3501–3506 报文可以用 3507 删除")]
    NotDeletable,
    #[error("这条报文已发过 3507 删除")]
    AlreadyDeleted,
}

impl Refusal for UploadError {
    fn kind(&self) -> ErrorKind {
        match self {
            UploadError::NoSuchMessage => ErrorKind::NotFound,
            _ => ErrorKind::Conflict,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            UploadError::NoSuchMessage => "NO_SUCH_NHSA_MESSAGE",
            UploadError::NotResendable => "NHSA_NOT_RESENDABLE",
            UploadError::NotDeletable => "NHSA_NOT_DELETABLE",
            UploadError::AlreadyDeleted => "NHSA_ALREADY_DELETED",
        }
    }
}

/// The 药师 a sale (3505) names: the HIS staff member the signed-in account is linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pharmacist {
    /// 工号.
    pub code: String,
    /// 药师姓名.
    pub name: String,
    /// 药师执业资格证号.
    pub licence_no: String,
}

/// The HIS staff row an account is linked to, as far as a sale needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedStaff {
    pub code: String,
    pub name: String,
    pub licence_no: Option<String>,
}

/// Why a dispensing that would upload a sale (3505) is refused: NHSA requires the pharmacist's
/// name and 执业资格证号, which only a linked HIS staff member provides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PharmacistError {
    #[error(
        "账号「{0}」未关联 HIS 职工工号，医保销售上传（3505）需要药师姓名和药师执业资格证号，暂不能确认：请信息科管理员在「用户与角色」中为此账号填写 HIS 工号（或执行 yiqiao user link {0} 工号）"
    )]
    NotLinked(String),
    #[error(
        "账号「{user}」关联的 HIS 职工 {code} 不在 HIS 职工表中，医保销售上传（3505）找不到药师执业资格证号：请信息科核对该账号的 HIS 工号"
    )]
    StaffMissing { user: String, code: String },
    #[error(
        "账号「{user}」关联的 HIS 职工 {code}（{name}）没有药师执业资格证号，医保销售上传（3505）不能缺少：请 HIS 推送该职工的执业资格证号后再确认"
    )]
    NoLicence {
        user: String,
        code: String,
        name: String,
    },
}

impl Refusal for PharmacistError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Unprocessable
    }
    fn code(&self) -> &'static str {
        match self {
            PharmacistError::NotLinked(_) => "PHARMACIST_NOT_LINKED",
            PharmacistError::StaffMissing { .. } => "PHARMACIST_STAFF_MISSING",
            PharmacistError::NoLicence { .. } => "PHARMACIST_NO_LICENCE",
        }
    }
}

/// The pharmacist a sale by `user` names, from the staff member the account is linked to
/// (`linked_code`) and that staff member's row (`staff`, if the HIS has it).
pub fn pharmacist(
    user: &str,
    linked_code: Option<&str>,
    staff: Option<LinkedStaff>,
) -> Result<Pharmacist, PharmacistError> {
    let Some(code) = linked_code else {
        return Err(PharmacistError::NotLinked(user.to_owned()));
    };
    let Some(s) = staff else {
        return Err(PharmacistError::StaffMissing {
            user: user.to_owned(),
            code: code.to_owned(),
        });
    };
    match s.licence_no.filter(|l| !l.trim().is_empty()) {
        Some(licence_no) => Ok(Pharmacist {
            code: s.code,
            name: s.name,
            licence_no,
        }),
        None => Err(PharmacistError::NoLicence {
            user: user.to_owned(),
            code: s.code,
            name: s.name,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_needs_a_linked_staff_member_with_a_licence() {
        let staff = |licence: Option<&str>| LinkedStaff {
            code: "F001".into(),
            name: "赵敏".into(),
            licence_no: licence.map(Into::into),
        };
        assert_eq!(
            pharmacist("yaofang", Some("F001"), Some(staff(Some("03203310001")))),
            Ok(Pharmacist {
                code: "F001".into(),
                name: "赵敏".into(),
                licence_no: "03203310001".into()
            })
        );
        assert_eq!(
            pharmacist("yaofang", None, None),
            Err(PharmacistError::NotLinked("yaofang".into()))
        );
        assert!(matches!(
            pharmacist("yaofang", Some("F001"), None),
            Err(PharmacistError::StaffMissing { .. })
        ));
        for blank in [None, Some(""), Some("  ")] {
            assert!(matches!(
                pharmacist("yaofang", Some("F001"), Some(staff(blank))),
                Err(PharmacistError::NoLicence { .. })
            ));
        }
        assert!(
            PharmacistError::NotLinked("yaofang".into())
                .to_string()
                .contains("yiqiao user link yaofang")
        );
    }

    #[test]
    fn a_dead_message_is_failed_only_when_out_of_retries() {
        assert_eq!(
            UploadStatus::of(state::DEAD, Some("已重试 20 次仍失败：x")),
            UploadStatus::Failed
        );
        assert_eq!(
            UploadStatus::of(state::DEAD, Some("医保平台业务拒收：追溯码已销售")),
            UploadStatus::Rejected
        );
        assert_eq!(UploadStatus::of(state::PENDING, None), UploadStatus::Queued);
        for s in UploadStatus::ALL {
            assert_eq!(UploadStatus::parse(s.as_str()), Some(s));
        }
    }
}
