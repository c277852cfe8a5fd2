//! 机房巡检 — the data-centre operations and inspection service.
//!
//! This round holds the pure domain core (no I/O): interface rates, alert thresholds,
//! availability and vendor profiles. The poller, storage and pages build on it.

pub mod assessment_pages;
pub mod asset_pages;
pub mod asset_xlsx;
pub mod config;
pub mod domain;
pub mod inspection_pages;
pub mod ipam_pages;
pub mod migrations;
pub mod monitor;
pub mod monitor_api;
pub mod monitor_pages;
pub mod ops;
pub mod ops_demo;
pub mod ops_demo_monitor;
pub mod ops_notice;
pub mod record_print;
pub mod report_pages;
pub mod report_print;
pub mod store;
pub mod topology_pages;

pub use config::InspectionConfig;

/// This crate's schema, to be run after `yiqiao_his::migrations()`.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![
        Box::new(migrations::m7001_asset::Up),
        Box::new(migrations::m7002_contract::Up),
        Box::new(migrations::m7003_ipam::Up),
        Box::new(migrations::m7004_inspection::Up),
        Box::new(migrations::m7005_assessment::Up),
        Box::new(migrations::m7006_topology::Up),
        Box::new(migrations::m7007_monthly_report::Up),
        Box::new(migrations::m7201_monitor_device::Up),
        Box::new(migrations::m7202_monitor_sample::Up),
        Box::new(migrations::m7203_monitor_event::Up),
        Box::new(migrations::m7204_monitor_temperature::Up),
    ]
}
