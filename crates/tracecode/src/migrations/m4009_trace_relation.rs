//! Parent–child code relations (父子码关系) imported from suppliers' files: each child code
//! belongs to one parent (unique), looked up by parent when a case is scanned.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trace_code_relation")
                .col(big_pk_auto("id"))
                .col(string_len("parent_key", 120))
                .col(string_len("child_key", 120))
                .col(string_len("child_raw", 300))
                .col(timestamp_with_time_zone("imported_at"))
                .col(string_len("imported_by", 100))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_trace_code_relation_child_key")
                .table("trace_code_relation")
                .col("child_key")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_code_relation_parent_key")
                .table("trace_code_relation")
                .col("parent_key")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
