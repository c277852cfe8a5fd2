//! The catalogue's trace data: each drug's trace policy and its identification codes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row per drug whose policy was set; a drug without a row is scanned (the default).
        m.create_table(
            Table::create()
                .table("trace_drug_policy")
                .col(string_len("drug_code", 64).primary_key())
                .col(string_len("policy", 20))
                .col(string_len_null("reason", 200))
                .col(timestamp_with_time_zone("updated_at"))
                .col(string_len("updated_by", 100))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_trace_drug_policy_drug_code")
                        .from("trace_drug_policy", "drug_code")
                        .to("his_drug", "code")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_ident_code")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 10))
                .col(string_len("value", 100))
                .col(string_len("drug_code", 64))
                .col(string_len("level", 10))
                .col(big_integer("units"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_trace_ident_code_drug_code")
                        .from("trace_ident_code", "drug_code")
                        .to("his_drug", "code")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        // One code identifies one drug: the database decides, not a read before the insert.
        m.create_index(
            Index::create()
                .name("ux_trace_ident_code_kind_value")
                .table("trace_ident_code")
                .col("kind")
                .col("value")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_ident_code_drug_code")
                .table("trace_ident_code")
                .col("drug_code")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
