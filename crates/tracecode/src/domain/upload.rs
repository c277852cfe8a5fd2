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

#[cfg(test)]
mod tests {
    use super::*;

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
