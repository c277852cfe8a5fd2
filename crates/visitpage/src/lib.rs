//! yiqiao-visitpage — 门（急）诊诊疗信息页: the page of a visit, its quality rules
//! VP-R01…VP-R32, and `yiqiao visitpage check`.

#![recursion_limit = "256"]

pub mod api;
pub mod bench;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod migrations;
pub mod pages;
pub mod print;
pub mod state;
pub mod store;

pub use domain::assemble::Org;
pub use domain::codes::Dicts;
pub use domain::page::{Address, Coded, Diagnosis, FeeItem, Fees, Page, PageError, Procedure};
pub use domain::rules::{Finding, Severity, check};
pub use error::VisitPageError;
pub use state::VisitPageState;

/// The demo hospital's 统一社会信用代码 (a valid code of the right shape, not a real one).
pub const DEMO_CREDIT_CODE: &str = "12331000470000000H";

/// Every page and endpoint of visitpage, declared with their roles.
pub fn routes(state: VisitPageState) -> yiqiao_http::Routes<()> {
    api::routes(state.clone()).merge(pages::routes(state))
}

/// visitpage's schema: pages and the fee mapping table.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![
        Box::new(migrations::m5001_visitpage::Up),
        Box::new(migrations::m5002_visitpage_summary::Up),
        Box::new(migrations::m5003_visitpage_dict::Up),
    ]
}
