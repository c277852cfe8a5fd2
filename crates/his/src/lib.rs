//! yiqiao-his — the master data fed by the hospital's HIS (departments, staff, patients, the
//! drug catalogue, outpatient visits with diagnoses and procedures, charges, prescriptions,
//! ward dispensing lists, discharged inpatient cases) and the HIS feed API that receives it.
//!
//! - [`domain`]: the records and how raw JSON becomes them (every bad field named).
//! - [`store`]: tables and idempotent upserts keyed by the HIS's own ids, with audit.
//! - [`clients`]: the machines allowed to feed (bearer tokens, stored hashed).
//! - [`api`]: `PUT`/`GET /his/v1/{kind}/{id}` and `POST /his/v1/batch`.
//! - [`stats`]: counts for the dashboard; [`demo`]: the deterministic demo hospital.

pub mod api;
pub mod clients;
pub mod demo;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod stats;
pub mod store;

pub use api::{HisApi, HisState, routes};
pub use error::HisError;
pub use store::Outcome;

/// This crate's schema, to be run after `yiqiao_store::migrations()`.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![
        Box::new(migrations::m1001_his_client::Up),
        Box::new(migrations::m1002_his_master::Up),
        Box::new(migrations::m1003_his_visit::Up),
        Box::new(migrations::m1004_his_pharmacy::Up),
        Box::new(migrations::m1005_his_inpatient::Up),
        Box::new(migrations::m1006_his_ward_order_doctor::Up),
    ]
}
