//! Outpatient dispensing: one dispense per prescription, its lines (应扫 / 已扫 / 拆零 /
//! uncollected reason), and on each code the dispense that took it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

fn fk(from: &str, col: &str, to: &str, to_col: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from.to_owned(), col.to_owned())
        .to(to.to_owned(), to_col.to_owned())
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trace_dispense")
                .col(big_pk_auto("id"))
                .col(string_len("rx_no", 64))
                .col(string_len_null("pharmacy_code", 64))
                .col(string_len("state", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(string_len_null("confirmed_by", 100))
                .foreign_key(&mut fk(
                    "trace_dispense",
                    "rx_no",
                    "his_prescription",
                    "rx_no",
                ))
                .to_owned(),
        )
        .await?;
        // One dispense per prescription: two windows opening it at once get the same one.
        m.create_index(
            Index::create()
                .name("ux_trace_dispense_rx_no")
                .table("trace_dispense")
                .col("rx_no")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_dispense_line")
                .col(big_pk_auto("id"))
                .col(big_integer("dispense_id"))
                .col(big_integer("rx_line_no"))
                .col(string_len("drug_code", 64))
                .col(big_integer("quantity"))
                .col(big_integer("pack_size"))
                .col(big_integer("required"))
                .col(big_integer("split_qty"))
                .col(big_integer("scanned"))
                .col(string_len_null("uncollected_reason", 200))
                .foreign_key(&mut fk(
                    "trace_dispense_line",
                    "dispense_id",
                    "trace_dispense",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "trace_dispense_line",
                    "drug_code",
                    "his_drug",
                    "code",
                ))
                .to_owned(),
        )
        .await?;
        // SQLite takes one change per ALTER TABLE.
        for col in [
            big_integer_null("dispense_id"),
            big_integer_null("dispense_line_id"),
            timestamp_with_time_zone_null("dispensed_at"),
            string_len_null("dispensed_by", 100),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table("trace_code")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_trace_code_dispense_id")
                .table("trace_code")
                .col("dispense_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
