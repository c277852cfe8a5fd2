//! Policy years of the Zhejiang point payment (年度付费政策), entered by the insurance office.
//! Scaled integers (万分之一) for points and coefficients; the DRG rate table is kept as the
//! canonical text the domain reads back (`points::parse_rates`), one row per year.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("drg_policy_year")
                .col(integer("year").primary_key())
                .col(big_integer("hospital_coefficient"))
                .col(string_len("high_bands", 400))
                .col(big_integer("high_addition"))
                .col(big_integer("low_multiple"))
                .col(big_integer("low_coefficient"))
                .col(big_integer("extreme_multiple"))
                .col(integer("min_group_cases"))
                .col(integer("readmission_days"))
                .col(big_integer_null("point_value"))
                .col(big_integer_null("budget"))
                .col(big_integer_null("total_points"))
                .col(text("rates"))
                .col(string_len("updated_by", 100))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }
}
