//! Faults (故障): reported → confirmed by the data-centre staff → repaired, or replaced after
//! the staff approved the replacement → closed; with response and repair durations.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// 故障状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FaultState {
    /// 已报告
    Reported,
    /// 已确认
    Confirmed,
    /// 已批准更换
    ReplacementApproved,
    /// 已维修
    Repaired,
    /// 已更换
    Replaced,
    /// 已关闭
    Closed,
}

impl FaultState {
    pub const ALL: [FaultState; 6] = [
        FaultState::Reported,
        FaultState::Confirmed,
        FaultState::ReplacementApproved,
        FaultState::Repaired,
        FaultState::Replaced,
        FaultState::Closed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            FaultState::Reported => "reported",
            FaultState::Confirmed => "confirmed",
            FaultState::ReplacementApproved => "replacement_approved",
            FaultState::Repaired => "repaired",
            FaultState::Replaced => "replaced",
            FaultState::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FaultState::Reported => "已报告",
            FaultState::Confirmed => "已确认",
            FaultState::ReplacementApproved => "已批准更换",
            FaultState::Repaired => "已维修",
            FaultState::Replaced => "已更换",
            FaultState::Closed => "已关闭",
        }
    }
    pub fn parse(s: &str) -> Option<FaultState> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn is_open(self) -> bool {
        self != FaultState::Closed
    }
}

/// A step in a fault's life and who may take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FaultStep {
    /// 机房人员确认故障.
    Confirm,
    /// 工程师修复.
    Repair,
    /// 机房人员批准更换.
    ApproveReplacement,
    /// 工程师更换.
    Replace,
    /// 机房人员关闭.
    Close,
}

impl FaultStep {
    pub fn parse(s: &str) -> Option<FaultStep> {
        match s {
            "confirm" => Some(FaultStep::Confirm),
            "repair" => Some(FaultStep::Repair),
            "approve_replacement" => Some(FaultStep::ApproveReplacement),
            "replace" => Some(FaultStep::Replace),
            "close" => Some(FaultStep::Close),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FaultStep::Confirm => "确认故障",
            FaultStep::Repair => "已修复",
            FaultStep::ApproveReplacement => "批准更换",
            FaultStep::Replace => "已更换",
            FaultStep::Close => "关闭",
        }
    }
    /// The states this step may start from, and where it leads. A replacement needs the
    /// staff's approval first (合同: 更换须经机房人员确认).
    pub fn transition(self) -> (&'static [FaultState], FaultState) {
        match self {
            FaultStep::Confirm => (&[FaultState::Reported], FaultState::Confirmed),
            FaultStep::Repair => (&[FaultState::Confirmed], FaultState::Repaired),
            FaultStep::ApproveReplacement => {
                (&[FaultState::Confirmed], FaultState::ReplacementApproved)
            }
            FaultStep::Replace => (&[FaultState::ReplacementApproved], FaultState::Replaced),
            FaultStep::Close => (
                &[FaultState::Repaired, FaultState::Replaced],
                FaultState::Closed,
            ),
        }
    }
    /// Taken by the data-centre staff (信息科) rather than the engineer.
    pub fn by_staff(self) -> bool {
        matches!(
            self,
            FaultStep::Confirm | FaultStep::ApproveReplacement | FaultStep::Close
        )
    }
}

/// Minutes between two instants (never negative), for the response and repair durations.
pub fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_minutes().max(0)
}

/// A duration in minutes as people read it: `2 小时 05 分`, `3 天 4 小时`.
pub fn human_minutes(m: i64) -> String {
    let (d, h, mm) = (m / 1440, (m % 1440) / 60, m % 60);
    if d > 0 {
        format!("{d} 天 {h} 小时")
    } else if h > 0 {
        format!("{h} 小时 {mm:02} 分")
    } else {
        format!("{mm} 分")
    }
}
