//! Grouping versions (分组方案版本) imported into the database: one row per version, one row
//! per file of its folder. The text of each table is kept verbatim, so a version loaded from the
//! database is compiled by the very same code as one read from a folder.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("drg_version")
                .col(string_len("name", 64).primary_key())
                .col(big_integer("drg_count"))
                .col(timestamp_with_time_zone("imported_at"))
                .col(string_len("imported_by", 100))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("drg_version_file")
                .col(string_len("version", 64))
                .col(string_len("file", 64))
                .col(text("content"))
                .primary_key(Index::create().col("version").col("file"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_drg_version_file_version")
                        .from("drg_version_file", "version")
                        .to("drg_version", "name")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}
