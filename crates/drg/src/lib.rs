//! yiqiao-drg — DRG pre-grouping (DRG 预分组) for the Zhejiang DRG point payment.
//!
//! - [`domain`]: the data-driven grouper (ZJ-DRG, CHS-DRG) and its explanation, pure.
//! - [`tables`]: reading a version folder from disk.
//! - [`store`]: versions imported into the database (`yiqiao drg import`) and loaded back.
//! - [`cli`]: `yiqiao drg group` (CSV in, CSV out, per-row errors, progress bar).
//! - [`api`]: the reconciliation file upload (JSON).
//! - [`bench`]: `yiqiao drg bench` (cases per second, one core and all cores).

pub mod api;
pub mod bench;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod migrations;
pub mod pages;
pub mod store;
pub mod svg;
pub mod tables;

pub use domain::{Case, Explained, Grouping, Status, Step, Version};

/// The version used when none is named (浙江 ZJ-DRG 1.1).
pub const DEFAULT_VERSION: &str = "zj-drg-2022";

/// The module's migrations, in order.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![
        Box::new(migrations::m6001_drg_version::Up),
        Box::new(migrations::m6002_drg_case_check::Up),
        Box::new(migrations::m6003_drg_policy_year::Up),
        Box::new(migrations::m6004_drg_platform_result::Up),
    ]
}

/// The `[drg]` section of the configuration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DrgConfig {
    /// The grouping version the hospital groups with (分组方案), as imported with
    /// `yiqiao drg import`: `zj-drg-2022` (浙江 ZJ-DRG 1.1) or `chs-drg-1.1`, or the name of the
    /// 医保局's official tables.
    pub version: String,
}

impl Default for DrgConfig {
    fn default() -> Self {
        DrgConfig {
            version: DEFAULT_VERSION.to_owned(),
        }
    }
}
