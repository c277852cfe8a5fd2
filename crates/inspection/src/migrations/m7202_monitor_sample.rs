//! Samples (性能采样): raw for 7 days, 5-minute and hourly avg/max for 400 days, in one table
//! keyed by resolution so a rollup re-run inserts nothing twice.

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
                .table("inspection_monitor_sample")
                .col(big_pk_auto("id"))
                .col(big_integer("device_id"))
                // cpu | memory | in_bps | out_bps | broadcast_pps
                .col(string_len("metric", 32))
                .col(string_len("entity", 64))
                // raw | 5m | 1h
                .col(string_len("resolution", 4))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer("avg"))
                .col(big_integer("max"))
                .col(integer("n"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_monitor_sample_device")
                        .from("inspection_monitor_sample", "device_id")
                        .to("inspection_monitor_device", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_monitor_sample",
            "inspection_monitor_sample",
            &["device_id", "metric", "entity", "resolution", "at"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_monitor_sample_res_at",
            "inspection_monitor_sample",
            &["resolution", "at"],
            false,
        ))
        .await
    }
}
