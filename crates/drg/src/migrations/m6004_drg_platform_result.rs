//! The provincial platform's grouping results (省平台分组结果), imported for reconciliation:
//! one row per case, the last import winning. Points in 万分之一, as everywhere in the module.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("drg_platform_result")
                .col(string_len("case_id", 64).primary_key())
                .col(string_len("drg", 10))
                .col(big_integer_null("points"))
                .col(string_len("source", 200))
                .col(string_len("imported_by", 100))
                .col(timestamp_with_time_zone("imported_at"))
                .to_owned(),
        )
        .await
    }
}
