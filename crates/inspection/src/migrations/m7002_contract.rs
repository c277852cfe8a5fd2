//! Maintenance contracts (维保合同) of devices, and the expiry notices already sent (so each
//! 90/30/7-day threshold is noticed once, decided by a unique key).

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
                .table("inspection_contract")
                .col(big_pk_auto("id"))
                .col(big_integer("asset_id"))
                .col(string_len("contract_no", 64))
                .col(string_len("vendor", 100))
                .col(string_len("sla", 32))
                .col(date("start_date"))
                .col(date("end_date"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inspection_contract_asset")
                        .from("inspection_contract", "asset_id")
                        .to("inspection_asset", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_inspection_contract_no",
            "inspection_contract",
            &["asset_id", "contract_no"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_inspection_contract_end",
            "inspection_contract",
            &["end_date"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("inspection_expiry_notice")
                .col(big_pk_auto("id"))
                // contract / signature
                .col(string_len("ending", 16))
                // inspection_contract.id or inspection_asset.id
                .col(big_integer("ref_id"))
                .col(date("end_date"))
                .col(integer("threshold_days"))
                .col(big_integer("outbox_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        // A renewed end date is a new thing to warn about; the same date and threshold is not.
        m.create_index(index(
            "ux_inspection_expiry_notice",
            "inspection_expiry_notice",
            &["ending", "ref_id", "end_date", "threshold_days"],
            true,
        ))
        .await
    }
}
