//! The append-only, hash-chained audit log and its head.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(string_len("actor_kind", 16))
                .col(string_len("actor", 100))
                .col(string_len("action", 64))
                .col(string_len("entity", 64))
                .col(string_len("entity_id", 200))
                .col(text_null("before"))
                .col(text_null("after"))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_entity")
                .table("audit_log")
                .col("entity")
                .col("entity_id")
                .to_owned(),
        )
        .await?;
        // One row: the last sequence number and hash. Updating it first serialises appenders
        // in the database, which keeps the chain linear under concurrent transactions.
        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{}')",
                crate::audit::GENESIS
            ))
            .await?;
        Ok(())
    }
}
