//! Alert events (告警事件) and outage events (中断事件). `open_key` is set only while an event
//! is open, and is unique: the database allows one open event per device and metric.

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
                .table("inspection_monitor_alert")
                .col(big_pk_auto("id"))
                .col(big_integer("device_id"))
                .col(string_len("metric", 32))
                .col(string_len("entity", 64))
                .col(big_integer("limit_value"))
                .col(big_integer("value"))
                .col(big_integer("peak"))
                .col(timestamp_with_time_zone("since"))
                .col(timestamp_with_time_zone("opened_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(string_len_null("open_key", 200))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_monitor_alert_device")
                        .from("inspection_monitor_alert", "device_id")
                        .to("inspection_monitor_device", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_monitor_alert_open",
            "inspection_monitor_alert",
            &["open_key"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_monitor_alert_device",
            "inspection_monitor_alert",
            &["device_id", "opened_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_monitor_outage")
                .col(big_pk_auto("id"))
                .col(big_integer("device_id"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(text("cause"))
                .col(big_integer_null("open_device_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_monitor_outage_device")
                        .from("inspection_monitor_outage", "device_id")
                        .to("inspection_monitor_device", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_monitor_outage_open",
            "inspection_monitor_outage",
            &["open_device_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_monitor_outage_device",
            "inspection_monitor_outage",
            &["device_id", "started_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_monitor_maintenance")
                .col(big_pk_auto("id"))
                .col(big_integer("device_id"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string_len("reason", 500))
                .col(string_len("entered_by", 64))
                .col(timestamp_with_time_zone("entered_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_monitor_maintenance_device")
                        .from("inspection_monitor_maintenance", "device_id")
                        .to("inspection_monitor_device", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_inspection_monitor_maintenance_device",
            "inspection_monitor_maintenance",
            &["device_id", "starts_at"],
            false,
        ))
        .await
    }
}
