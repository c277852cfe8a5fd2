//! The outbox of outgoing messages.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("outbox_message")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("msg_id", 64))
                .col(string_len("kind", 64))
                .col(string_len_null("subject", 200))
                .col(text("payload"))
                .col(string_len("state", 16))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(integer_null("last_status"))
                .col(text_null("last_error"))
                .col(text_null("response"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_due")
                .table("outbox_message")
                .col("state")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_kind")
                .table("outbox_message")
                .col("kind")
                .col("created_at")
                .to_owned(),
        )
        .await
    }
}
