//! A person's account linked to the HIS staff member (工号) they are: whose practice licence
//! goes into the messages that must name one. At most one account per staff member.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("app_user")
                .add_column(string_len_null("his_staff_code", 64))
                .to_owned(),
        )
        .await?;
        // Unlinked accounts are NULL, which a unique index does not compare (both databases).
        m.create_index(
            Index::create()
                .name("ux_app_user_his_staff_code")
                .table("app_user")
                .col("his_staff_code")
                .unique()
                .to_owned(),
        )
        .await
    }
}
