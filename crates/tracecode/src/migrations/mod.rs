//! The schema of trace codes, one migration per file (a migration is named after its file).

pub mod m4001_trace_catalogue;
pub mod m4002_trace_receipt;
pub mod m4003_trace_dispense;
pub mod m4004_trace_return;
pub mod m4005_trace_nhsa_seq;
pub mod m4006_trace_nhsa_delete;
pub mod m4007_trace_ward;
pub mod m4008_trace_supplier_return;
pub mod m4009_trace_relation;
pub mod m4010_trace_refusal;
pub mod m4011_trace_split;
pub mod m4012_trace_ward_split;
