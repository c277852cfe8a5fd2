//! Monthly inspections (巡检): checklist templates per device kind, how an answer is judged,
//! and the record's life (planned → filled → signed by the engineer → confirmed by the
//! data-centre staff).

use serde::Serialize;

use super::asset::AssetKind;

/// What an item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Check {
    /// 正常/异常.
    PassFail,
    /// A reading that must lie within `[min, max]` (inclusive) to pass.
    Range {
        unit: &'static str,
        min: f64,
        max: f64,
    },
}

/// One line of a checklist (巡检项).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CheckItem {
    pub code: &'static str,
    pub label: &'static str,
    pub check: Check,
}

const fn pf(code: &'static str, label: &'static str) -> CheckItem {
    CheckItem {
        code,
        label,
        check: Check::PassFail,
    }
}

const COMMON: [CheckItem; 3] = [
    pf("lights", "指示灯状态"),
    pf("fans", "风扇运行"),
    pf("power", "电源模块（双电源）"),
];
const NETWORK: [CheckItem; 3] = [
    pf("logs", "设备日志已查看"),
    pf("config_backup", "配置已备份"),
    pf("ports", "端口与链路状态"),
];
const SECURITY: [CheckItem; 3] = [
    pf("signature", "特征库为最新"),
    pf("policy", "安全策略已复核"),
    pf("logs", "安全日志已查看"),
];
const SERVER: [CheckItem; 3] = [
    pf("disks", "硬盘与 RAID 状态"),
    pf("logs", "系统日志已查看"),
    pf("backup", "数据备份成功"),
];
const VIRT: [CheckItem; 3] = [
    pf("hosts", "虚拟化主机与集群状态"),
    pf("datastore", "存储容量与性能"),
    pf("vm_backup", "虚拟机备份成功"),
];
const UPS: [CheckItem; 3] = [
    pf("battery_test", "UPS 电池测试"),
    pf("bypass", "旁路与告警状态"),
    CheckItem {
        code: "load",
        label: "UPS 负载率",
        check: Check::Range {
            unit: "%",
            min: 0.0,
            max: 80.0,
        },
    },
];
/// GB 50174-2017: cold aisle 18–27 ℃; relative humidity kept within 20–80 %.
const ROOM: [CheckItem; 4] = [
    CheckItem {
        code: "room_temp",
        label: "冷通道温度",
        check: Check::Range {
            unit: "℃",
            min: 18.0,
            max: 27.0,
        },
    },
    CheckItem {
        code: "humidity",
        label: "相对湿度",
        check: Check::Range {
            unit: "%",
            min: 20.0,
            max: 80.0,
        },
    },
    pf("aircon", "精密空调运行"),
    pf("fire_access", "消防与门禁"),
];

/// The checklist of a device kind.
pub fn template_for(kind: AssetKind) -> Vec<CheckItem> {
    let mut v: Vec<CheckItem> = Vec::new();
    match kind {
        AssetKind::Firewall
        | AssetKind::Ips
        | AssetKind::WebGateway
        | AssetKind::Bastion
        | AssetKind::LogAudit => {
            v.extend(COMMON);
            v.extend(SECURITY);
            v.push(pf("config_backup", "配置已备份"));
        }
        AssetKind::CoreSwitch | AssetKind::AccessSwitch | AssetKind::Router => {
            v.extend(COMMON);
            v.extend(NETWORK);
        }
        AssetKind::Server | AssetKind::Storage => {
            v.extend(COMMON);
            v.extend(SERVER);
        }
        AssetKind::VirtHost => {
            v.extend(COMMON);
            v.extend(VIRT);
        }
        AssetKind::Ups => v.extend(UPS),
        AssetKind::AirConditioner | AssetKind::EnvSensor => v.extend(ROOM),
        AssetKind::Kvm | AssetKind::Other => v.extend(COMMON),
    }
    v
}

/// How an item was answered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Outcome {
    Pass,
    Fail,
}

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("「{0}」应选 正常 或 异常")]
    NotPassFail(String),
    #[error("「{label}」的读数「{given}」不是数字")]
    NotANumber { label: String, given: String },
}

/// Judge an answer: `pass`/`fail` for a pass/fail item, a number for a reading (outside its
/// range fails). `None` when nothing was entered yet.
pub fn judge(check: &Check, label: &str, answer: &str) -> Result<Option<Outcome>, AnswerError> {
    let a = answer.trim();
    if a.is_empty() {
        return Ok(None);
    }
    match check {
        Check::PassFail => match a {
            "pass" | "正常" => Ok(Some(Outcome::Pass)),
            "fail" | "异常" => Ok(Some(Outcome::Fail)),
            _ => Err(AnswerError::NotPassFail(label.to_owned())),
        },
        Check::Range { min, max, .. } => {
            let v: f64 = a.parse().map_err(|_| AnswerError::NotANumber {
                label: label.to_owned(),
                given: a.to_owned(),
            })?;
            if !v.is_finite() {
                return Err(AnswerError::NotANumber {
                    label: label.to_owned(),
                    given: a.to_owned(),
                });
            }
            Ok(Some(if v >= *min && v <= *max {
                Outcome::Pass
            } else {
                Outcome::Fail
            }))
        }
    }
}

/// The record's state (巡检记录状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RecordState {
    /// 待巡检
    Planned,
    /// 巡检中 (answers saved)
    Filled,
    /// 工程师已签字
    Signed,
    /// 机房人员已确认
    Confirmed,
}

impl RecordState {
    pub fn code(self) -> &'static str {
        match self {
            RecordState::Planned => "planned",
            RecordState::Filled => "filled",
            RecordState::Signed => "signed",
            RecordState::Confirmed => "confirmed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RecordState::Planned => "待巡检",
            RecordState::Filled => "巡检中",
            RecordState::Signed => "已签字",
            RecordState::Confirmed => "已确认",
        }
    }
    pub fn parse(s: &str) -> Option<RecordState> {
        [
            RecordState::Planned,
            RecordState::Filled,
            RecordState::Signed,
            RecordState::Confirmed,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
    /// Answers may change until the engineer signs.
    pub fn editable(self) -> bool {
        matches!(self, RecordState::Planned | RecordState::Filled)
    }
}

/// A month (巡检周期) as `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        let (y, m) = s.trim().split_once('-')?;
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Period { year, month })
    }
    pub fn of(d: chrono::NaiveDate) -> Period {
        use chrono::Datelike;
        Period {
            year: d.year(),
            month: d.month(),
        }
    }
    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
    pub fn first_day(self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}
