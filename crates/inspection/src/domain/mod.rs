//! Domain rules with no I/O: what the poller's numbers mean.

pub mod alert;
pub mod assessment;
pub mod asset;
pub mod availability;
pub mod expiry;
pub mod fault;
pub mod inspection;
pub mod ipam;
pub mod layout;
pub mod links;
pub mod oid;
pub mod profile;
pub mod rate;
pub mod report;
pub mod topology;
