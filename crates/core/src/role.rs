//! The roles of people who log in (foundation.md, "People and machines that log in").

use serde::{Deserialize, Serialize};

/// A person's role. A user holds one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 信息科管理员: users, roles, platform apps, configuration, code tables.
    Admin,
    /// 挂号收费处: check-in, tickets, schedules (read), receivables.
    Registration,
    /// 门诊办: schedules, 停诊, 加号, blacklist.
    OutpatientOffice,
    /// 药库: catalogue, identification codes, receipts, supplier returns.
    DrugStore,
    /// 门诊/住院药房: dispensing and returns, trace queries.
    Pharmacist,
    /// 病区护士: ward scanning and nurse returns.
    Nurse,
    /// 病案室: information pages, fee mapping, DRG data checks.
    Records,
    /// 质控科: indicators (read), review queues.
    Quality,
    /// 医保办: NHSA messages, DRG points and policy years, reconciliation.
    Insurance,
    /// 信息科运维: assets, IPAM, monitoring, reports, inspection sign-off.
    ItOps,
    /// 驻场运维工程师 (contracted): inspections, faults, configuration records.
    Engineer,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::Registration,
        Role::OutpatientOffice,
        Role::DrugStore,
        Role::Pharmacist,
        Role::Nurse,
        Role::Records,
        Role::Quality,
        Role::Insurance,
        Role::ItOps,
        Role::Engineer,
    ];

    /// The name used in configuration, the command line and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Registration => "registration",
            Role::OutpatientOffice => "outpatient_office",
            Role::DrugStore => "drug_store",
            Role::Pharmacist => "pharmacist",
            Role::Nurse => "nurse",
            Role::Records => "records",
            Role::Quality => "quality",
            Role::Insurance => "insurance",
            Role::ItOps => "it_ops",
            Role::Engineer => "engineer",
        }
    }

    /// What the hospital calls it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "信息科管理员",
            Role::Registration => "挂号收费处",
            Role::OutpatientOffice => "门诊办",
            Role::DrugStore => "药库",
            Role::Pharmacist => "药房药师",
            Role::Nurse => "病区护士",
            Role::Records => "病案室",
            Role::Quality => "质控科",
            Role::Insurance => "医保办",
            Role::ItOps => "信息科运维",
            Role::Engineer => "驻场工程师",
        }
    }

    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "未知角色「{0}」；可选：admin, registration, outpatient_office, drug_store, pharmacist, nurse, records, quality, insurance, it_ops, engineer"
)]
pub struct UnknownRole(pub String);

impl crate::Refusal for UnknownRole {
    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "UNKNOWN_ROLE"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("doctor").is_err());
    }
}
