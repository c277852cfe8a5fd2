//! The yearly security assessment (年度安全评估, 等级保护三级): findings with their risk, owner,
//! remediation and the check that it was done; what is still open is carried to next year.

use serde::Serialize;

/// 风险等级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Risk {
    High,
    Medium,
    Low,
}

impl Risk {
    pub const ALL: [Risk; 3] = [Risk::High, Risk::Medium, Risk::Low];
    pub fn code(self) -> &'static str {
        match self {
            Risk::High => "high",
            Risk::Medium => "medium",
            Risk::Low => "low",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Risk::High => "高",
            Risk::Medium => "中",
            Risk::Low => "低",
        }
    }
    pub fn parse(s: &str) -> Option<Risk> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.code() == t || r.label() == t)
    }
}

/// 整改状态: open → remediated (by the owner) → verified (checked by the staff).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FindingState {
    Open,
    Remediated,
    Verified,
}

impl FindingState {
    pub fn code(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Remediated => "remediated",
            FindingState::Verified => "verified",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FindingState::Open => "待整改",
            FindingState::Remediated => "已整改待复核",
            FindingState::Verified => "已复核",
        }
    }
    pub fn parse(s: &str) -> Option<FindingState> {
        [
            FindingState::Open,
            FindingState::Remediated,
            FindingState::Verified,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
    /// A finding not verified by year end is carried to the next year's assessment.
    pub fn carries_over(self) -> bool {
        self != FindingState::Verified
    }
}
