//! HIS feed clients: a name and the SHA-256 hash of its bearer token.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("his_client")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("name", 100))
                .col(string_len_uniq("token_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(string_len_null("revoked_by", 100))
                .to_owned(),
        )
        .await
    }
}
