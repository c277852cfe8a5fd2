//! Address plan (地址与VLAN): VLANs, prefixes and addresses, one network at a time. The unique
//! keys refuse the same VLAN id, prefix or address twice in one network.

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
                .table("inspection_vlan")
                .col(big_pk_auto("id"))
                .col(string_len("network", 16))
                .col(integer("vid"))
                .col(string_len("name", 100))
                .col(string_len("purpose", 200))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_vlan",
            "inspection_vlan",
            &["network", "vid"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_prefix")
                .col(big_pk_auto("id"))
                .col(string_len("network", 16))
                // Canonical text, host bits zero: 10.1.2.0/24, 2001:db8::/48.
                .col(string_len("prefix", 50))
                .col(big_integer_null("vlan_id"))
                .col(string_len("description", 200))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_prefix_vlan")
                        .from("inspection_prefix", "vlan_id")
                        .to("inspection_vlan", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_prefix",
            "inspection_prefix",
            &["network", "prefix"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_ip_address")
                .col(big_pk_auto("id"))
                .col(string_len("network", 16))
                // Canonical text (one spelling per address, so the unique key holds).
                .col(string_len("address", 45))
                .col(big_integer_null("asset_id"))
                .col(string_len("interface", 64))
                // active / reserved / dhcp / deprecated
                .col(string_len("status", 16))
                .col(string_len("dns_name", 200))
                .col(string_len("description", 200))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_ip_address_asset")
                        .from("inspection_ip_address", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_ip_address",
            "inspection_ip_address",
            &["network", "address"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_ip_address_asset",
            "inspection_ip_address",
            &["asset_id"],
            false,
        ))
        .await
    }
}
