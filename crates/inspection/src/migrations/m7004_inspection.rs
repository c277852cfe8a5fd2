//! Inspection records (巡检记录) with their items and photos, faults (故障) and configuration
//! changes (配置变更).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::index;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("inspection_record")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                // YYYY-MM
                .col(string_len("period", 7))
                // planned / filled / signed / confirmed
                .col(string_len("state", 16))
                .col(string_len("engineer", 100))
                .col(text("notes"))
                .col(timestamp_with_time_zone_null("filled_at"))
                .col(timestamp_with_time_zone_null("signed_at"))
                .col(string_len("signed_by", 100))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(string_len("confirmed_by", 100))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_record_asset")
                        .from("inspection_record", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        // The monthly plan: one record per device and month, however often it is generated.
        m.create_index(index(
            "ux_inspection_record_month",
            "inspection_record",
            &["asset_id", "period"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_item")
                .col(big_integer("record_id"))
                .col(integer("seq"))
                .col(string_len("code", 32))
                .col(string_len("label", 100))
                // pass_fail / range
                .col(string_len("check_kind", 16))
                .col(string_len("unit", 8))
                .col(double_null("min_value"))
                .col(double_null("max_value"))
                .col(string_len("answer", 32))
                // pass / fail / '' (not answered)
                .col(string_len("outcome", 8))
                .col(string_len("note", 500))
                .primary_key(Index::create().col("record_id").col("seq"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_item_record")
                        .from("inspection_item", "record_id")
                        .to("inspection_record", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_photo")
                .col(big_pk_auto("id"))
                .col(big_integer("record_id"))
                .col(string_len("content_type", 32))
                .col(blob("bytes"))
                .col(string_len("taken_by", 100))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_photo_record")
                        .from("inspection_photo", "record_id")
                        .to("inspection_record", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_inspection_photo_record",
            "inspection_photo",
            &["record_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_fault")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                .col(string_len("title", 200))
                .col(text("description"))
                // inspection / phone / page / monitor
                .col(string_len("source", 16))
                .col(big_integer_null("record_id"))
                .col(integer_null("item_seq"))
                .col(string_len("state", 24))
                .col(string_len("reported_by", 100))
                .col(string_len("engineer", 100))
                .col(string_len("vendor_case_no", 64))
                .col(text("resolution"))
                .col(timestamp_with_time_zone("reported_at"))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_fault_asset")
                        .from("inspection_fault", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        // A failed inspection item opens one fault, however often sign-off is retried.
        m.create_index(index(
            "ux_inspection_fault_item",
            "inspection_fault",
            &["record_id", "item_seq"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_fault_asset",
            "inspection_fault",
            &["asset_id", "reported_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_change")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                .col(string_len("engineer", 100))
                .col(timestamp_with_time_zone("changed_at"))
                .col(string_len("reason", 500))
                .col(text("before_text"))
                .col(text("after_text"))
                .col(string_len("recorded_by", 100))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_change_asset")
                        .from("inspection_change", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_inspection_change_asset",
            "inspection_change",
            &["asset_id", "changed_at"],
            false,
        ))
        .await
    }
}
