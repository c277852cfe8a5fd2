//! The sequence of NHSA `msgid`s (报文流水号): one row whose counter is bumped inside the
//! business transaction, so two confirmations in the same second never share a `msgid`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trace_nhsa_seq")
                .col(integer("id").primary_key())
                .col(big_integer("n"))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("INSERT INTO trace_nhsa_seq (id, n) VALUES (1, 0)")
            .await?;
        Ok(())
    }
}
