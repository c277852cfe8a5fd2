//! People who sign in, their sessions, sign-in attempts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("app_user")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("username", 64))
                .col(string_len("display_name", 64))
                .col(string_len("password_hash", 200))
                // Comma-separated role names; a handful per person, read with the user.
                .col(string_len("roles", 400))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("user_session")
                // SHA-256 of the cookie's token: a stolen database does not give sessions.
                .col(string_len("id", 64).primary_key())
                .col(big_integer("user_id"))
                .col(string_len("csrf", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("user_session", "user_id")
                        .to("app_user", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("login_attempt")
                .col(big_pk_auto("id"))
                .col(string_len("username", 64))
                .col(string_len("ip", 64))
                .col(boolean("success"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_attempt_user")
                .table("login_attempt")
                .col("username")
                .col("at")
                .to_owned(),
        )
        .await
    }
}
