//! The hospital's code tables (字典), versioned: every import is a new version, the newest of a
//! kind is the one the rules use, the older ones stay for the record.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("visitpage_dict_version")
                .col(big_pk_auto("id"))
                // icd10 | icd9cm3 | tcm_disease | tcm_syndrome | department | title | …
                .col(string_len("kind", 32))
                .col(string_len("label", 128))
                // 1: a sample table shipped for the demo, not the hospital's official file.
                .col(integer("sample"))
                .col(string_len("source", 255))
                .col(integer("entries"))
                .col(timestamp_with_time_zone("imported_at"))
                .col(string_len("imported_by", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_visitpage_dict_version_kind")
                .table("visitpage_dict_version")
                .col("kind")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("visitpage_dict_entry")
                .col(big_integer("version_id"))
                .col(string_len("code", 64))
                .col(string_len("name", 255))
                .primary_key(Index::create().col("version_id").col("code"))
                .foreign_key(
                    ForeignKey::create()
                        .from("visitpage_dict_entry", "version_id")
                        .to("visitpage_dict_version", "id"),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("visitpage_dict_entry").to_owned())
            .await?;
        m.drop_table(Table::drop().table("visitpage_dict_version").to_owned())
            .await
    }
}
