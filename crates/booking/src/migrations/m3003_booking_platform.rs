//! Platform apps (secrets encrypted), nonces seen (replay protection) and stored responses of
//! idempotent writes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::index;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("booking_platform_app")
                .col(string_len("app_id", 64).primary_key())
                .col(string_len("name", 100))
                .col(text("secret_enc"))
                .col(string_len_null("callback_url", 500))
                .col(boolean("enabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("booking_nonce")
                .col(string_len("app_id", 64))
                .col(string_len("nonce", 64))
                .col(timestamp_with_time_zone("expires_at"))
                .primary_key(Index::create().col("app_id").col("nonce"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_booking_nonce_expiry",
            "booking_nonce",
            &["expires_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("booking_idempotency")
                .col(string_len("app_id", 64))
                .col(string_len("idem_key", 128))
                .col(string_len("request_hash", 64))
                // running / done
                .col(string_len("state", 16))
                .col(integer_null("status"))
                .col(text_null("response"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .primary_key(Index::create().col("app_id").col("idem_key"))
                .to_owned(),
        )
        .await
    }
}
