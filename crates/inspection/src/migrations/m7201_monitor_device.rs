//! Monitored devices (监控设备): one per asset, with how to reach it and its last known state.

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
                .table("inspection_monitor_device")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                .col(string_len("host", 255))
                .col(integer("port"))
                .col(string_len("snmp_version", 8))
                .col(string_len_null("community", 255))
                .col(string_len_null("v3_user", 255))
                .col(string_len_null("v3_auth_proto", 16))
                .col(string_len_null("v3_auth_pass", 255))
                .col(string_len_null("v3_priv_proto", 16))
                .col(string_len_null("v3_priv_pass", 255))
                .col(string_len_null("v3_context", 255))
                .col(integer("interval_secs"))
                .col(integer("timeout_ms"))
                .col(boolean("enabled"))
                // unknown | up | down
                .col(string_len("state", 16))
                .col(integer("failed_polls"))
                .col(timestamp_with_time_zone_null("last_poll_at"))
                .col(timestamp_with_time_zone_null("last_ok_at"))
                .col(string_len_null("sys_name", 255))
                .col(text_null("sys_descr"))
                .col(string_len_null("sys_object_id", 255))
                .col(string_len_null("profile", 16))
                .col(big_integer_null("uptime_seconds"))
                .col(integer_null("cpu_e2"))
                .col(integer_null("memory_e2"))
                .col(big_integer("reboots"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_monitor_device_asset")
                        .from("inspection_monitor_device", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_monitor_device_asset",
            "inspection_monitor_device",
            &["asset_id"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_monitor_interface")
                .col(big_integer("device_id"))
                .col(integer("if_index"))
                .col(string_len("name", 255))
                .col(integer("oper_status"))
                .col(big_integer_null("speed_mbps"))
                .col(big_integer_null("in_bps"))
                .col(big_integer_null("out_bps"))
                .col(big_integer_null("broadcast_pps"))
                .col(big_integer_null("in_errors"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("device_id").col("if_index"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_monitor_interface_device")
                        .from("inspection_monitor_interface", "device_id")
                        .to("inspection_monitor_device", "id"),
                )
                .to_owned(),
        )
        .await
    }
}
