//! The schema of the DRG module, one migration per file (a migration is named after its file).

pub mod m6001_drg_version;
pub mod m6002_drg_case_check;
pub mod m6003_drg_policy_year;
pub mod m6004_drg_platform_result;
