//! Devices (设备档案), their maintenance contracts (维保合同) and signature-library
//! subscriptions (特征库): what a row must hold before it is stored.

use chrono::NaiveDate;
use serde::Serialize;
use yiqiao_core::{ErrorKind, FieldError, Refusal};

/// Why a device or contract was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error("设备信息有误：{}", .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"))]
    Fields(Vec<FieldError>),
}

impl Refusal for AssetError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_FIELD"
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            AssetError::Fields(f) => f.clone(),
        }
    }
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The code stored in the database.
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),+ } }
            /// What the hospital calls it.
            pub fn label(self) -> &'static str { match self { $($name::$v => $label),+ } }
            /// Accepts the code or the Chinese label (as typed in a spreadsheet).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|k| k.code() == s || k.label() == s)
            }
        }
    };
}

code_enum! {
    /// 设备类型.
    AssetKind {
        Firewall = "firewall" / "防火墙",
        Ips = "ips" / "入侵防御",
        WebGateway = "web_gateway" / "上网行为管理",
        Bastion = "bastion" / "堡垒机",
        LogAudit = "log_audit" / "日志审计",
        CoreSwitch = "core_switch" / "核心交换机",
        AccessSwitch = "access_switch" / "接入交换机",
        Router = "router" / "路由器",
        Server = "server" / "服务器",
        VirtHost = "virt_host" / "虚拟化主机",
        Storage = "storage" / "存储",
        Ups = "ups" / "UPS",
        AirConditioner = "air_conditioner" / "精密空调",
        EnvSensor = "env_sensor" / "温湿度传感器",
        Kvm = "kvm" / "KVM",
        Other = "other" / "其他",
    }
}

impl AssetKind {
    /// Security devices carry a signature-library subscription (特征库).
    pub fn is_security(self) -> bool {
        matches!(
            self,
            AssetKind::Firewall
                | AssetKind::Ips
                | AssetKind::WebGateway
                | AssetKind::Bastion
                | AssetKind::LogAudit
        )
    }
}

code_enum! {
    /// Which of the three networks the device sits on (所属网络).
    NetworkZone {
        Intranet = "intranet" / "内网",
        Government = "government" / "政务网",
        Internet = "internet" / "互联网",
    }
}

code_enum! {
    /// 设备状态.
    AssetStatus {
        InService = "in_service" / "在用",
        Spare = "spare" / "备用",
        Retired = "retired" / "报废",
    }
}

/// A device as typed in (form or spreadsheet row), before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AssetDraft {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub serial_no: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub rack: String,
    #[serde(default)]
    pub rack_u: String,
    #[serde(default)]
    pub mgmt_ip: String,
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub purchase_date: String,
    #[serde(default)]
    pub signature_end: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
}

/// A device that may be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAsset {
    pub code: String,
    pub name: String,
    pub kind: AssetKind,
    pub vendor: String,
    pub model: String,
    pub serial_no: String,
    pub location: String,
    pub rack: String,
    /// U position, 1–60.
    pub rack_u: Option<i32>,
    pub mgmt_ip: Option<std::net::IpAddr>,
    pub network: NetworkZone,
    pub owner: String,
    pub purchase_date: Option<NaiveDate>,
    pub signature_end: Option<NaiveDate>,
    pub status: AssetStatus,
    pub notes: String,
}

/// A date as people type it: `2026-11-29`, `2026/11/29`, `2026.11.29` or `20261129`.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    None
}

fn text(
    errs: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    v: &str,
    max: usize,
    required: bool,
) -> String {
    let v = v.trim();
    if required && v.is_empty() {
        errs.push(FieldError::new(field, format!("{label}不能为空")));
    }
    if v.chars().count() > max {
        errs.push(FieldError::new(
            field,
            format!("{label}太长（最多 {max} 个字）"),
        ));
    }
    v.to_owned()
}

fn opt_day(errs: &mut Vec<FieldError>, field: &str, label: &str, v: &str) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        return None;
    }
    let d = parse_day(v);
    if d.is_none() {
        errs.push(FieldError::new(
            field,
            format!("{label}「{}」不是日期（如 2026-11-29）", v.trim()),
        ));
    }
    d
}

impl AssetDraft {
    /// Check every field; all problems are reported at once.
    pub fn parse(&self) -> Result<NewAsset, AssetError> {
        let mut e = Vec::new();
        let code = text(&mut e, "code", "资产编号", &self.code, 64, true);
        if code.chars().any(char::is_whitespace) {
            e.push(FieldError::new("code", "资产编号不能含空格"));
        }
        let name = text(&mut e, "name", "设备名称", &self.name, 200, true);
        let kind = AssetKind::parse(&self.kind);
        if kind.is_none() {
            e.push(FieldError::new(
                "kind",
                format!("设备类型「{}」不认识", self.kind.trim()),
            ));
        }
        let vendor = text(&mut e, "vendor", "厂商", &self.vendor, 100, false);
        let model = text(&mut e, "model", "型号", &self.model, 100, false);
        let serial_no = text(&mut e, "serial_no", "序列号", &self.serial_no, 100, false);
        let location = text(&mut e, "location", "位置", &self.location, 200, false);
        let rack = text(&mut e, "rack", "机柜", &self.rack, 64, false);
        let rack_u = match self.rack_u.trim() {
            "" => None,
            s => match s.parse::<i32>() {
                Ok(u) if (1..=60).contains(&u) => Some(u),
                _ => {
                    e.push(FieldError::new(
                        "rack_u",
                        format!("U 位「{s}」应是 1–60 的整数"),
                    ));
                    None
                }
            },
        };
        let mgmt_ip = match self.mgmt_ip.trim() {
            "" => None,
            s => match s.parse() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    e.push(FieldError::new(
                        "mgmt_ip",
                        format!("管理地址「{s}」不是 IP 地址"),
                    ));
                    None
                }
            },
        };
        let network = if self.network.trim().is_empty() {
            Some(NetworkZone::Intranet)
        } else {
            NetworkZone::parse(&self.network)
        };
        if network.is_none() {
            e.push(FieldError::new(
                "network",
                format!("所属网络「{}」应是 内网/政务网/互联网", self.network.trim()),
            ));
        }
        let owner = text(&mut e, "owner", "责任人", &self.owner, 100, false);
        let purchase_date = opt_day(&mut e, "purchase_date", "购置日期", &self.purchase_date);
        let signature_end = opt_day(&mut e, "signature_end", "特征库到期", &self.signature_end);
        if signature_end.is_some() && kind.is_some_and(|k| !k.is_security()) {
            e.push(FieldError::new(
                "signature_end",
                "只有安全设备（防火墙、入侵防御、上网行为管理、堡垒机、日志审计）有特征库",
            ));
        }
        let status = if self.status.trim().is_empty() {
            Some(AssetStatus::InService)
        } else {
            AssetStatus::parse(&self.status)
        };
        if status.is_none() {
            e.push(FieldError::new(
                "status",
                format!("状态「{}」应是 在用/备用/报废", self.status.trim()),
            ));
        }
        let notes = text(&mut e, "notes", "备注", &self.notes, 2000, false);
        match (kind, network, status) {
            (Some(kind), Some(network), Some(status)) if e.is_empty() => Ok(NewAsset {
                code,
                name,
                kind,
                vendor,
                model,
                serial_no,
                location,
                rack,
                rack_u,
                mgmt_ip,
                network,
                owner,
                purchase_date,
                signature_end,
                status,
                notes,
            }),
            _ => Err(AssetError::Fields(e)),
        }
    }
}

/// A maintenance contract (维保合同) as typed in.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ContractDraft {
    pub contract_no: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub sla: String,
    pub start_date: String,
    pub end_date: String,
}

/// A contract that may be stored: its period is not empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewContract {
    pub contract_no: String,
    pub vendor: String,
    /// Service level, e.g. 7×24×4 or NBD.
    pub sla: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

impl ContractDraft {
    /// True when nothing was typed (a spreadsheet row without a contract).
    pub fn is_blank(&self) -> bool {
        [
            &self.contract_no,
            &self.vendor,
            &self.sla,
            &self.start_date,
            &self.end_date,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    pub fn parse(&self) -> Result<NewContract, AssetError> {
        let mut e = Vec::new();
        let contract_no = text(
            &mut e,
            "contract_no",
            "合同编号",
            &self.contract_no,
            64,
            true,
        );
        let vendor = text(
            &mut e,
            "contract_vendor",
            "维保厂商",
            &self.vendor,
            100,
            false,
        );
        let sla = text(&mut e, "sla", "服务级别", &self.sla, 32, false);
        let start = opt_day(&mut e, "start_date", "维保开始", &self.start_date);
        let end = opt_day(&mut e, "end_date", "维保结束", &self.end_date);
        if self.start_date.trim().is_empty() {
            e.push(FieldError::new("start_date", "维保开始日期不能为空"));
        }
        if self.end_date.trim().is_empty() {
            e.push(FieldError::new("end_date", "维保结束日期不能为空"));
        }
        if let (Some(s), Some(t)) = (start, end)
            && t < s
        {
            e.push(FieldError::new("end_date", "维保结束日期早于开始日期"));
        }
        match (start, end) {
            (Some(start_date), Some(end_date)) if e.is_empty() => Ok(NewContract {
                contract_no,
                vendor,
                sla,
                start_date,
                end_date,
            }),
            _ => Err(AssetError::Fields(e)),
        }
    }
}
