//! yiqiao-visitpage — 门（急）诊诊疗信息页: the page of a visit, its quality rules
//! VP-R01…VP-R32, and `yiqiao visitpage check`.

#![recursion_limit = "256"]

pub mod cli;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod store;

pub use domain::codes::Dicts;
pub use domain::page::{Address, Coded, Diagnosis, FeeItem, Fees, Page, PageError, Procedure};
pub use domain::rules::{Finding, Severity, check};
pub use error::VisitPageError;

/// visitpage's schema: pages and the fee mapping table.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![Box::new(migrations::m5001_visitpage::Up)]
}
