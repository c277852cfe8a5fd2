//! Domain rules with no I/O: what the poller's numbers mean.

pub mod alert;
pub mod availability;
pub mod oid;
pub mod profile;
pub mod rate;
