//! The schema of booking, one migration per file (a migration is named after its file).

use sea_orm_migration::prelude::*;

pub mod m3001_booking_schedule;
pub mod m3002_booking_ticket;
pub mod m3003_booking_platform;

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
