//! Pure rules of the page: no I/O.

pub mod assemble;
pub mod codes;
pub mod page;
pub mod rules;
