//! Inpatient ward dispensing (住院病区发药): one record per HIS ward dispensing list, its lines
//! per patient and order (应扫 / 已扫 / 拆零 / uncollected reason / when its 3505 was queued),
//! the codes nurses return (护士退药), and on each code the ward line that took it.

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
                .table("trace_ward_dispense")
                .col(big_pk_auto("id"))
                .col(string_len("list_id", 64))
                .col(string_len("ward_code", 64))
                .col(string_len_null("pharmacy_code", 64))
                .col(string_len("state", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 100))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(string_len_null("confirmed_by", 100))
                .foreign_key(&mut fk(
                    "trace_ward_dispense",
                    "list_id",
                    "his_ward_dispensing",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        // One record per list: a pharmacist and a nurse opening it at once share it.
        m.create_index(
            Index::create()
                .name("ux_trace_ward_dispense_list_id")
                .table("trace_ward_dispense")
                .col("list_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_ward_line")
                .col(big_pk_auto("id"))
                .col(big_integer("ward_dispense_id"))
                .col(big_integer("line_no"))
                .col(string_len("patient_id", 64))
                .col(string_len_null("admission_no", 30))
                .col(string_len_null("bed_no", 20))
                .col(string_len("order_id", 64))
                .col(string_len_null("mdtrt_id", 30))
                .col(string_len("drug_code", 64))
                .col(big_integer("quantity"))
                .col(big_integer("pack_size"))
                .col(big_integer("required"))
                .col(big_integer("split_qty"))
                .col(big_integer("scanned"))
                .col(string_len_null("uncollected_reason", 200))
                .col(timestamp_with_time_zone_null("sale_queued_at"))
                .foreign_key(&mut fk(
                    "trace_ward_line",
                    "ward_dispense_id",
                    "trace_ward_dispense",
                    "id",
                ))
                .foreign_key(&mut fk("trace_ward_line", "drug_code", "his_drug", "code"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_trace_ward_line_dispense_line_no")
                .table("trace_ward_line")
                .col("ward_dispense_id")
                .col("line_no")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_ward_line_patient_id")
                .table("trace_ward_line")
                .col("patient_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_ward_return")
                .col(big_pk_auto("id"))
                .col(big_integer("ward_dispense_id"))
                .col(big_integer("ward_line_id"))
                .col(string_len("code_key", 120))
                .col(string_len("to_state", 16))
                .col(timestamp_with_time_zone("returned_at"))
                .col(string_len("returned_by", 100))
                .foreign_key(&mut fk(
                    "trace_ward_return",
                    "ward_dispense_id",
                    "trace_ward_dispense",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "trace_ward_return",
                    "ward_line_id",
                    "trace_ward_line",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_ward_return_code_key")
                .table("trace_ward_return")
                .col("code_key")
                .to_owned(),
        )
        .await?;
        let mut col = big_integer_null("ward_line_id");
        m.alter_table(
            Table::alter()
                .table("trace_code")
                .add_column(&mut col)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_code_ward_line_id")
                .table("trace_code")
                .col("ward_line_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
