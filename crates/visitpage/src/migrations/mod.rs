//! The schema of visitpage, one migration per file (a migration is named after its file).

pub mod m5001_visitpage;
pub mod m5002_visitpage_summary;
pub mod m5003_visitpage_dict;
