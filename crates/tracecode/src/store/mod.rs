//! The module's tables and queries.

pub mod catalogue;
mod confirm;
pub mod dispense;
pub mod entities;
pub mod figures;
pub mod nhsa;
pub mod receipt;
pub mod relation;
pub mod split;
pub mod stock;
pub mod supplier_return;
pub mod trace;
pub mod ward;
