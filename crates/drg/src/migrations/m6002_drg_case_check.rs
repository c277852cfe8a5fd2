//! The records office's queue (病案室质控队列): the last check of each discharged case — its
//! pre-grouping result and its findings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("drg_case_result")
                .col(string_len("case_id", 64).primary_key())
                .col(string_len("version", 64))
                .col(string_len("status", 20))
                .col(string_len("mdc", 10))
                .col(string_len("adrg", 10))
                .col(string_len("drg", 10))
                .col(integer("errors"))
                .col(integer("warnings"))
                .col(string_len("dept_code", 64))
                .col(timestamp_with_time_zone("discharged_at"))
                .col(timestamp_with_time_zone("checked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_drg_case_result_case_id")
                        .from("drg_case_result", "case_id")
                        .to("his_inpatient_case", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_drg_case_result_dept_code_discharged_at")
                .table("drg_case_result")
                .col("dept_code")
                .col("discharged_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("drg_case_finding")
                .col(string_len("case_id", 64))
                .col(integer("seq"))
                .col(string_len("rule", 10))
                .col(string_len("severity", 10))
                .col(string_len("field", 40))
                .col(string_len("message", 300))
                .primary_key(Index::create().col("case_id").col("seq"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_drg_case_finding_case_id")
                        .from("drg_case_finding", "case_id")
                        .to("drg_case_result", "case_id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}
