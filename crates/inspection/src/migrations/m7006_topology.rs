//! Topology (网络拓扑): links on record (entered by hand or confirmed from discovery) and the
//! neighbours last discovered by LLDP/CDP.

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
                .table("inspection_link")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                .col(string_len("local_port", 64))
                .col(big_integer_null("remote_asset_id"))
                .col(string_len("remote_name", 200))
                .col(string_len("remote_port", 64))
                // manual / confirmed
                .col(string_len("origin", 16))
                .col(string_len("recorded_by", 100))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_link_asset")
                        .from("inspection_link", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        // One link per local port.
        m.create_index(index(
            "ux_inspection_link_port",
            "inspection_link",
            &["asset_id", "local_port"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_neighbour")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                .col(string_len("local_port", 64))
                .col(string_len("remote_name", 200))
                .col(string_len("remote_port", 64))
                .col(string_len_null("remote_mgmt_ip", 45))
                // lldp / cdp
                .col(string_len("protocol", 8))
                .col(timestamp_with_time_zone("seen_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_neighbour_asset")
                        .from("inspection_neighbour", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_inspection_neighbour_asset",
            "inspection_neighbour",
            &["asset_id"],
            false,
        ))
        .await
    }
}
