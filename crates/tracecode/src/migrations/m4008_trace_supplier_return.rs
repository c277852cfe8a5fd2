//! Returns to the supplier (采购退货): per return its lines (a batch of a receipt, 应扫 / 已扫),
//! on each code the return line taking it; and the stock changes recorded by scanning (盘损,
//! 销毁), one row per code.

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
                .table("trace_supplier_return")
                .col(big_pk_auto("id"))
                .col(big_integer("receipt_id"))
                .col(string_len("reason", 200))
                .col(string_len("state", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(string_len_null("confirmed_by", 100))
                .foreign_key(&mut fk(
                    "trace_supplier_return",
                    "receipt_id",
                    "trace_receipt",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_supplier_return_line")
                .col(big_pk_auto("id"))
                .col(big_integer("return_id"))
                .col(integer("line_no"))
                .col(big_integer("receipt_line_id"))
                .col(string_len("drug_code", 64))
                .col(big_integer("packages"))
                .col(big_integer("required"))
                .col(big_integer("scanned"))
                .foreign_key(&mut fk(
                    "trace_supplier_return_line",
                    "return_id",
                    "trace_supplier_return",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "trace_supplier_return_line",
                    "receipt_line_id",
                    "trace_receipt_line",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_trace_supplier_return_line_no")
                .table("trace_supplier_return_line")
                .col("return_id")
                .col("line_no")
                .unique()
                .to_owned(),
        )
        .await?;
        let mut col = big_integer_null("supplier_return_line_id");
        m.alter_table(
            Table::alter()
                .table("trace_code")
                .add_column(&mut col)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_stock_change")
                .col(big_pk_auto("id"))
                .col(string_len("chg_type", 6))
                .col(string_len("code_key", 120))
                .col(string_len("from_state", 16))
                .col(string_len_null("memo", 200))
                .col(timestamp_with_time_zone("changed_at"))
                .col(string_len("changed_by", 100))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_stock_change_code_key")
                .table("trace_stock_change")
                .col("code_key")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
