//! Pure rules of the module: no I/O, no database, no HTTP.

pub mod catalogue;
pub mod code;
pub mod dispense;
pub mod receipt;
pub mod relation;
pub mod split;
pub mod supplier_return;
pub mod upload;
pub mod ward;
