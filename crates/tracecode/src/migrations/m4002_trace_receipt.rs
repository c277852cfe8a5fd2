//! Purchase warehouse-in: receipts, their lines, and the register of every trace code
//! received (one row per physical package, whatever happens to it later).

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
                .table("trace_receipt")
                .col(big_pk_auto("id"))
                .col(string_len("supplier_name", 200))
                .col(string_len_null("supplier_licence", 50))
                .col(string_len_null("invoice_no", 50))
                .col(string_len_null("dynt_no", 50))
                .col(string_len("location", 64))
                .col(string_len("state", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(string_len_null("confirmed_by", 100))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_receipt_line")
                .col(big_pk_auto("id"))
                .col(big_integer("receipt_id"))
                .col(integer("line_no"))
                .col(string_len("drug_code", 64))
                .col(string_len("batch_no", 30))
                .col(date("manu_date"))
                .col(date("expiry"))
                .col(big_integer("packages"))
                .col(big_integer("required"))
                .col(big_integer("scanned"))
                .col(big_integer_null("price_fen"))
                .foreign_key(&mut fk(
                    "trace_receipt_line",
                    "receipt_id",
                    "trace_receipt",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "trace_receipt_line",
                    "drug_code",
                    "his_drug",
                    "code",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_trace_receipt_line_receipt_line_no")
                .table("trace_receipt_line")
                .col("receipt_id")
                .col("line_no")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_code")
                .col(big_pk_auto("id"))
                .col(string_len("code_key", 120))
                .col(string_len("raw", 300))
                .col(string_len("format", 10))
                .col(string_len("drug_code", 64))
                .col(string_len("level", 10))
                .col(big_integer("units"))
                .col(string_len("state", 16))
                .col(big_integer("receipt_id"))
                .col(big_integer("receipt_line_id"))
                .col(string_len("location", 64))
                .col(timestamp_with_time_zone("received_at"))
                .col(string_len("received_by", 100))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("trace_code", "drug_code", "his_drug", "code"))
                .foreign_key(&mut fk("trace_code", "receipt_id", "trace_receipt", "id"))
                .foreign_key(&mut fk(
                    "trace_code",
                    "receipt_line_id",
                    "trace_receipt_line",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        // A code is received once: the database decides, not a look-up before the insert.
        m.create_index(
            Index::create()
                .name("ux_trace_code_code_key")
                .table("trace_code")
                .col("code_key")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_code_receipt_line_id_state")
                .table("trace_code")
                .col("receipt_line_id")
                .col("state")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
