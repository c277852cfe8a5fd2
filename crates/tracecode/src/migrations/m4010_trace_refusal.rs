//! Refused scans, one row each, for the figures (refusals by reason, duplicates caught): the
//! scan's own transaction rolls back, so the refusal is written after it, on its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trace_refusal")
                .col(big_pk_auto("id"))
                .col(string_len("flow", 16))
                .col(big_integer("doc_id"))
                .col(string_len("dept", 64))
                .col(string_len("reason", 40))
                .col(string_len("message", 300))
                .col(string_len("raw", 300))
                .col(timestamp_with_time_zone("refused_at"))
                .col(string_len("refused_by", 100))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_refusal_refused_at")
                .table("trace_refusal")
                .col("refused_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
