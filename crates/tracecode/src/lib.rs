//! yiqiao-tracecode — drug traceability codes (药品追溯码).
//!
//! - [`domain`]: pure rules: the code parser ([`TraceCode::parse`]) for the 20-digit code,
//!   GS1 DataMatrix element strings and MA codes; the catalogue's trace policy and
//!   identification codes (longest prefix wins).
//! - [`store`]: the tables (policy, identification codes) with audited changes and import.
//! - [`api`], [`pages`]: JSON endpoints and pages for the drug store.
//! - [`cli`]: `yiqiao tracecode parse`.
//! - [`nhsa`]: the NHSA 进销存 messages 3501–3507 (the one place that knows the wire);
//!   [`store::nhsa`] queues them in the business transaction; [`upload::NhsaHandler`] sends
//!   them through the outbox; [`sim`] is the NHSA simulator (`yiqiao nhsa-sim`).

pub mod api;
pub mod bench;
pub mod cli;
pub mod demo;
pub mod document;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod nhsa;
pub mod pages;
pub mod sim;
pub mod store;
pub mod upload;

pub use api::{TraceState, routes};
pub use domain::code::{
    CodeError, CodeFormat, Gs1Code, MaCode, Nmpa20Code, ParseReport, TraceCode,
};
pub use error::TraceError;
pub use nhsa::TracecodeConfig;
pub use upload::NhsaHandler;

/// This crate's schema, to be run after `yiqiao_his::migrations()`.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![
        Box::new(migrations::m4001_trace_catalogue::Up),
        Box::new(migrations::m4002_trace_receipt::Up),
        Box::new(migrations::m4003_trace_dispense::Up),
        Box::new(migrations::m4004_trace_return::Up),
        Box::new(migrations::m4005_trace_nhsa_seq::Up),
        Box::new(migrations::m4006_trace_nhsa_delete::Up),
        Box::new(migrations::m4007_trace_ward::Up),
        Box::new(migrations::m4008_trace_supplier_return::Up),
        Box::new(migrations::m4009_trace_relation::Up),
        Box::new(migrations::m4010_trace_refusal::Up),
        Box::new(migrations::m4011_trace_split::Up),
        Box::new(migrations::m4012_trace_ward_split::Up),
    ]
}
