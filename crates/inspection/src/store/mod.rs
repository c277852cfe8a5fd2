//! Storage: hand-written SeaORM entities and the operations on them. The database decides
//! every race (unique keys, conditional updates).

pub mod assessment;
pub mod asset;
pub mod inspection;
pub mod ipam;
pub mod links;
pub mod monitor;
pub mod ops_error;
pub mod report;

pub use ops_error::OpsError;
