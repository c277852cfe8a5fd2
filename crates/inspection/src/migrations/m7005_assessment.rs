//! Yearly security assessment findings (年度安全评估).

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
                .table("inspection_finding")
                .col(big_pk_auto("id"))
                .col(integer("year"))
                .col(string_len("title", 200))
                .col(text("detail"))
                // high / medium / low
                .col(string_len("risk", 8))
                .col(string_len("owner", 100))
                .col(text("remediation"))
                .col(text("check_note"))
                // open / remediated / verified
                .col(string_len("state", 16))
                // The finding of the year before this one continues (结转).
                .col(big_integer_null("carried_from"))
                .col(string_len("recorded_by", 100))
                .col(timestamp_with_time_zone_null("remediated_at"))
                .col(timestamp_with_time_zone_null("verified_at"))
                .col(string_len("verified_by", 100))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_inspection_finding_year",
            "inspection_finding",
            &["year", "state"],
            false,
        ))
        .await?;
        // Carrying a year over twice does not duplicate its findings.
        m.create_index(index(
            "ux_inspection_finding_carried",
            "inspection_finding",
            &["year", "carried_from"],
            true,
        ))
        .await
    }
}
