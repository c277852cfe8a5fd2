//! The schema of inspection, one migration per file (a migration is named after its file).
//! m70xx/m71xx: operations (assets, IPAM, inspections, faults, topology, reports);
//! m72xx: monitoring.

use sea_orm_migration::prelude::*;

pub mod m7001_asset;
pub mod m7002_contract;
pub mod m7003_ipam;
pub mod m7004_inspection;
pub mod m7005_assessment;
pub mod m7006_topology;
pub mod m7007_monthly_report;
pub mod m7201_monitor_device;
pub mod m7202_monitor_sample;
pub mod m7203_monitor_event;
pub mod m7204_monitor_temperature;

pub(crate) fn index(
    name: &str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}
