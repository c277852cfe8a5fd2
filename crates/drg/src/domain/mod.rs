//! The grouping rules, with no I/O: a version's tables compiled from text ([`Version`]), cases
//! ([`Case`]), grouping with its explanation ([`Grouping`], [`Step`]), and the Zhejiang point
//! payment of a policy year ([`points`]).

mod case;
pub mod checks;
mod group;
pub mod ledger;
pub mod points;
pub mod reconcile;
mod trace;
mod tsv;
mod version;

pub use case::{Case, CaseText, Gender, parse_count, split_codes};
pub use checks::{Finding, Rule, Severity, Stay, StayProcedure};
pub use group::{Explained, Grouping, Scratch, Status};
pub use trace::{CodeMatch, Complication, Step};
pub use version::{EntryRule, NoSplit, RuleKind, SplitKind, Switches, Version, VersionFiles};

/// A version's tables are inconsistent or malformed: which file, which line, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("分组方案数据有误：{file} 第 {line} 行：{message}")]
pub struct TableError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl TableError {
    pub(crate) fn new(file: &str, line: usize, message: impl Into<String>) -> TableError {
        TableError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl yiqiao_core::Refusal for TableError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::Unprocessable
    }
    fn code(&self) -> &'static str {
        "DRG_TABLE_INVALID"
    }
}
