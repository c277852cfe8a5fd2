//! Temperatures on monitored devices (温度): the hottest sensor of the last poll, and the
//! device's own alarm limit when it differs from its vendor profile's.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table("inspection_monitor_device")
                .add_column(integer_null("temperature_e2"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("inspection_monitor_device")
                .add_column(integer_null("temperature_limit_c"))
                .to_owned(),
        )
        .await
    }
}
