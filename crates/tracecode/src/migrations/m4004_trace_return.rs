//! Partial returns (部分退药): each returned code, from which dispense, back to stock or to
//! quarantine.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trace_return")
                .col(big_pk_auto("id"))
                .col(big_integer("dispense_id"))
                .col(big_integer("dispense_line_id"))
                .col(string_len("code_key", 120))
                .col(string_len("to_state", 16))
                .col(timestamp_with_time_zone("returned_at"))
                .col(string_len("returned_by", 100))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_trace_return_dispense_id")
                        .from("trace_return", "dispense_id")
                        .to("trace_dispense", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_return_code_key")
                .table("trace_return")
                .col("code_key")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
