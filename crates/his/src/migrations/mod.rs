//! The schema of the HIS data, one migration per file (a migration is named after its file).

use sea_orm_migration::prelude::*;

pub mod m1001_his_client;
pub mod m1002_his_master;
pub mod m1003_his_visit;
pub mod m1004_his_pharmacy;
pub mod m1005_his_inpatient;
pub mod m1006_his_ward_order_doctor;

/// A foreign key `from.col → to.col`.
pub(crate) fn fk(
    from: &'static str,
    col: &'static str,
    to: &'static str,
    to_col: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// A foreign key from a child table to its parent, deleted with it.
pub(crate) fn child_fk(
    from: &'static str,
    col: &'static str,
    to: &'static str,
    to_col: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A plain index.
pub(crate) fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        i.col(*c);
    }
    i.to_owned()
}
