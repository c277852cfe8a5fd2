//! Devices (设备档案): every box the operations service answers for.

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
                .table("inspection_asset")
                .col(big_pk_auto("id"))
                // 资产编号 (asset tag), unique: the hospital's own label on the box.
                .col(string_len("code", 64))
                .col(string_len("name", 200))
                // AssetKind code (firewall, core_switch, server, ups, …).
                .col(string_len("kind", 32))
                .col(string_len("vendor", 100))
                .col(string_len("model", 100))
                .col(string_len("serial_no", 100))
                // Room / place in words (机房A); rack and U position beside it.
                .col(string_len("location", 200))
                .col(string_len("rack", 64))
                .col(integer_null("rack_u"))
                .col(string_len_null("mgmt_ip", 45))
                // intranet / government / internet (内网/政务网/互联网).
                .col(string_len("network", 16))
                .col(string_len("owner", 100))
                .col(date_null("purchase_date"))
                // 特征库订阅到期 — only security devices carry one.
                .col(date_null("signature_end"))
                // in_service / spare / retired
                .col(string_len("status", 16))
                .col(text("notes"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_asset_code",
            "inspection_asset",
            &["code"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_asset_kind",
            "inspection_asset",
            &["kind", "status"],
            false,
        ))
        .await
    }
}
