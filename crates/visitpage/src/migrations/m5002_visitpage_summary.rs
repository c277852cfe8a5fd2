//! What the lists, the queue and the indicators read without opening each page: the period, the
//! department's name, the completeness counts, whether the main code is right, the rules that
//! fired, and a revision number for edits (the database decides which of two edits wins).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

/// Columns added one ALTER at a time (sea-query refuses several changes in one on SQLite).
fn columns() -> Vec<ColumnDef> {
    vec![
        // YYYY-MM of the visit in Asia/Shanghai (统计期).
        string_len("period", 7).default("").to_owned(),
        string_len_null("dept_name", 64).to_owned(),
        integer("required_total").default(0).to_owned(),
        integer("required_filled").default(0).to_owned(),
        // 1 when the main diagnosis has a valid code that may be a main diagnosis.
        integer("main_code_ok").default(0).to_owned(),
        // The rule ids that fired, comma-separated, for the indicators' top rules.
        text("rules").default("").to_owned(),
        integer("revision").default(0).to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut c in columns() {
            m.alter_table(
                Table::alter()
                    .table("visitpage_page")
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_visitpage_page_period")
                .table("visitpage_page")
                .col("period")
                .col("dept_code")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_visitpage_page_period")
                .table("visitpage_page")
                .to_owned(),
        )
        .await?;
        for name in [
            "revision",
            "rules",
            "main_code_ok",
            "required_filled",
            "required_total",
            "dept_name",
            "period",
        ] {
            m.alter_table(
                Table::alter()
                    .table("visitpage_page")
                    .drop_column(name)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
