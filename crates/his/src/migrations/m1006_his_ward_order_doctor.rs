//! The ordering doctor (开嘱医生) on a ward dispensing line: who the NHSA sale (3505) names as
//! the prescriber. Optional — a HIS that does not send it leaves the stay's doctor to stand in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key: SQLite cannot add one to an existing table; the feed checks that the
        // staff member exists, as it does for every reference.
        m.alter_table(
            Table::alter()
                .table("his_ward_dispensing_line")
                .add_column(string_len_null("ordering_doctor_code", 64))
                .to_owned(),
        )
        .await
    }
}
