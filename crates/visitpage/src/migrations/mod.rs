//! The schema of visitpage, one migration per file (a migration is named after its file).

pub mod m5001_visitpage;
