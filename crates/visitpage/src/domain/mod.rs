//! Pure rules of the page: no I/O.

pub mod assemble;
pub mod chart;
pub mod codes;
pub mod dict_file;
pub mod export;
pub mod form;
pub mod page;
pub mod period;
pub mod print;
pub mod rules;
pub mod summary;
