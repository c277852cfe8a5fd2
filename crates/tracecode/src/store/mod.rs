//! The module's tables and queries.

pub mod catalogue;
pub mod dispense;
pub mod entities;
pub mod nhsa;
pub mod receipt;
pub mod trace;
