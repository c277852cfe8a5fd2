//! 3507 deletions asked for: one per message deleted, the primary key deciding between two
//! clicks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trace_nhsa_delete")
                .col(big_integer("message_id").primary_key())
                .col(big_integer("delete_message_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
