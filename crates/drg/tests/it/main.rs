#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
mod checks;
mod cli;
mod explain;
mod ledger;
mod pages;
mod points;
mod props;
mod queue;
mod store;
mod tables;

use std::path::PathBuf;
use std::sync::OnceLock;

use yiqiao_drg::Version;

/// The shared rule data beside the project (never copied into the repository).
pub fn data_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/drg"
    ))
}

/// Each version compiled once for the whole test binary.
pub fn version(name: &str) -> &'static Version {
    static ZJ: OnceLock<Version> = OnceLock::new();
    static CHS: OnceLock<Version> = OnceLock::new();
    let cell = match name {
        "zj-drg-2022" => &ZJ,
        "chs-drg-1.1" => &CHS,
        other => panic!("no such test version {other}"),
    };
    cell.get_or_init(|| yiqiao_drg::tables::load(&data_dir(), name).unwrap())
}
