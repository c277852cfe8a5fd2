//! yiqiao-drg — DRG pre-grouping (DRG 预分组) for the Zhejiang DRG point payment.
//!
//! - [`domain`]: the data-driven grouper (ZJ-DRG, CHS-DRG) and its explanation, pure.
//! - [`tables`]: reading a version folder from disk.
//! - [`store`]: versions imported into the database (`yiqiao drg import`) and loaded back.
//! - [`cli`]: `yiqiao drg group` (CSV in, CSV out, per-row errors, progress bar).
//! - [`bench`]: `yiqiao drg bench` (cases per second, one core and all cores).

pub mod bench;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod migrations;
pub mod pages;
pub mod store;
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
    ]
}
