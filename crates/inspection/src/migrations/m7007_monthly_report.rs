//! Stored monthly reports (月度运行报告), one per month: the PDF and the workbook as generated.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("inspection_monthly_report")
                .col(big_pk_auto("id"))
                // "2026-11"; unique, so two nodes on the 1st never keep two.
                .col(string_len_uniq("month", 7))
                .col(blob("pdf"))
                .col(blob("xlsx"))
                .col(string_len("generated_by", 100))
                .col(timestamp_with_time_zone("generated_at"))
                .to_owned(),
        )
        .await
    }
}
