//! Pages (门（急）诊诊疗信息页) and the fee mapping table (费用对照表).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("visitpage_page")
                // One page per HIS visit.
                .col(string_len("visit_id", 64).primary_key())
                .col(string_len("card_no", 64))
                .col(string_len("dept_code", 64))
                .col(string_len_null("doctor", 64))
                .col(timestamp_with_time_zone_null("visited_at"))
                // draft | submitted
                .col(string_len("state", 16))
                .col(text("page_json"))
                .col(text("unmapped_json"))
                .col(integer("error_count"))
                .col(integer("warning_count"))
                .col(timestamp_with_time_zone("assembled_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_visitpage_page_queue")
                .table("visitpage_page")
                .col("error_count")
                .col("dept_code")
                .col("doctor")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("visitpage_fee_mapping")
                // category | item
                .col(string_len("by_kind", 16))
                .col(string_len("by_code", 64))
                .col(string_len("fee_item", 32))
                .col(string_len_null("of_which", 32))
                .col(timestamp_with_time_zone("updated_at"))
                .col(string_len("updated_by", 64))
                .primary_key(Index::create().col("by_kind").col("by_code"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("visitpage_fee_mapping").to_owned())
            .await?;
        m.drop_table(Table::drop().table("visitpage_page").to_owned())
            .await
    }
}
