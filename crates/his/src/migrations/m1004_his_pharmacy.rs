//! Outpatient prescriptions and ward dispensing lists, with their lines.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m1002_his_master::stamps;
use super::{child_fk, fk, index};

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(
                Table::create()
                    .table("his_prescription")
                    .col(string_len("rx_no", 64).primary_key())
                    .col(string_len("visit_id", 64))
                    .col(string_len("patient_id", 64))
                    .col(string_len("doctor_code", 64))
                    .col(string_len_null("dept_code", 64))
                    .col(string_len_null("pharmacy_code", 64))
                    .col(timestamp_with_time_zone("prescribed_at"))
                    .col(string_len_null("rx_type", 16))
                    .col(boolean("self_pay"))
                    .col(string_len_null("setl_id", 30))
                    .col(string_len_null("mdtrt_id", 30))
                    .col(string_len_null("psn_no", 30))
                    .col(timestamp_with_time_zone_null("settled_at"))
                    .foreign_key(&mut fk("his_prescription", "visit_id", "his_visit", "id"))
                    .foreign_key(&mut fk(
                        "his_prescription",
                        "patient_id",
                        "his_patient",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "his_prescription",
                        "doctor_code",
                        "his_staff",
                        "code",
                    ))
                    .foreign_key(&mut fk(
                        "his_prescription",
                        "dept_code",
                        "his_department",
                        "code",
                    ))
                    .foreign_key(&mut fk(
                        "his_prescription",
                        "pharmacy_code",
                        "his_department",
                        "code",
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_prescription", &["visit_id"]))
            .await?;
        m.create_index(index("his_prescription", &["patient_id"]))
            .await?;
        m.create_index(index("his_prescription", &["prescribed_at"]))
            .await?;

        m.create_table(
            Table::create()
                .table("his_prescription_line")
                .col(string_len("rx_no", 64))
                .col(big_integer("line_no"))
                .col(string_len("drug_code", 64))
                .col(big_integer("quantity"))
                .col(string_len_null("dosage", 50))
                .col(string_len_null("frequency", 30))
                .col(string_len_null("route", 30))
                .col(big_integer_null("days"))
                .col(big_integer_null("unit_price"))
                .col(big_integer_null("amount"))
                .primary_key(Index::create().col("rx_no").col("line_no"))
                .foreign_key(&mut child_fk(
                    "his_prescription_line",
                    "rx_no",
                    "his_prescription",
                    "rx_no",
                ))
                .foreign_key(&mut fk(
                    "his_prescription_line",
                    "drug_code",
                    "his_drug",
                    "code",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("his_ward_dispensing")
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("ward_code", 64))
                    .col(string_len_null("pharmacy_code", 64))
                    .col(timestamp_with_time_zone("issued_at"))
                    .foreign_key(&mut fk(
                        "his_ward_dispensing",
                        "ward_code",
                        "his_department",
                        "code",
                    ))
                    .foreign_key(&mut fk(
                        "his_ward_dispensing",
                        "pharmacy_code",
                        "his_department",
                        "code",
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_ward_dispensing", &["ward_code", "issued_at"]))
            .await?;

        m.create_table(
            Table::create()
                .table("his_ward_dispensing_line")
                .col(string_len("list_id", 64))
                .col(big_integer("line_no"))
                .col(string_len("patient_id", 64))
                .col(string_len_null("admission_no", 30))
                .col(string_len_null("bed_no", 20))
                .col(string_len("order_id", 64))
                .col(string_len_null("order_kind", 16))
                .col(string_len("drug_code", 64))
                .col(big_integer("quantity"))
                .col(string_len_null("mdtrt_id", 30))
                .primary_key(Index::create().col("list_id").col("line_no"))
                .foreign_key(&mut child_fk(
                    "his_ward_dispensing_line",
                    "list_id",
                    "his_ward_dispensing",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "his_ward_dispensing_line",
                    "patient_id",
                    "his_patient",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "his_ward_dispensing_line",
                    "drug_code",
                    "his_drug",
                    "code",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("his_ward_dispensing_line", &["patient_id"]))
            .await?;
        m.create_index(index("his_ward_dispensing_line", &["order_id"]))
            .await
    }
}
