//! Outpatient/emergency visits with their diagnoses and procedures (child tables), and charges.

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
                    .table("his_visit")
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("patient_id", 64))
                    .col(string_len("visit_type", 1))
                    .col(string_len("dept_code", 64))
                    .col(string_len("doctor_code", 64))
                    .col(timestamp_with_time_zone_null("registered_at"))
                    .col(timestamp_with_time_zone_null("checked_in_at"))
                    .col(timestamp_with_time_zone_null("visited_at"))
                    .col(boolean_null("revisit"))
                    .col(boolean_null("infusion"))
                    .col(boolean_null("chronic_special"))
                    .col(string_len_null("triage_level", 1))
                    .col(string_len_null("emergency_destination", 1))
                    .col(timestamp_with_time_zone_null("admission_cert_at"))
                    .col(string_len_null("mdtrt_id", 30))
                    .col(timestamp_with_time_zone_null("settled_at"))
                    .col(boolean("cancelled"))
                    .foreign_key(&mut fk("his_visit", "patient_id", "his_patient", "id"))
                    .foreign_key(&mut fk("his_visit", "dept_code", "his_department", "code"))
                    .foreign_key(&mut fk("his_visit", "doctor_code", "his_staff", "code")),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_visit", &["patient_id"])).await?;
        m.create_index(index("his_visit", &["visited_at"])).await?;
        m.create_index(index("his_visit", &["dept_code", "visited_at"]))
            .await?;

        // kind: western | tcm_disease | tcm_syndrome; seq from 0 in the record's order (the
        // first western diagnosis is the main one).
        m.create_table(
            Table::create()
                .table("his_visit_diagnosis")
                .col(string_len("visit_id", 64))
                .col(string_len("kind", 16))
                .col(integer("seq"))
                .col(string_len_null("code", 30))
                .col(string_len("name", 100))
                .primary_key(Index::create().col("visit_id").col("kind").col("seq"))
                .foreign_key(&mut child_fk(
                    "his_visit_diagnosis",
                    "visit_id",
                    "his_visit",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("his_visit_diagnosis", &["code"]))
            .await?;

        m.create_table(
            Table::create()
                .table("his_visit_procedure")
                .col(string_len("visit_id", 64))
                .col(integer("seq"))
                .col(timestamp_with_time_zone("date"))
                .col(string_len("name", 100))
                .col(string_len_null("code", 30))
                .col(string_len_null("anesthesia", 10))
                .col(string_len_null("grade", 1))
                .col(string_len_null("operator", 50))
                .col(string_len_null("anesthetist", 50))
                .primary_key(Index::create().col("visit_id").col("seq"))
                .foreign_key(&mut child_fk(
                    "his_visit_procedure",
                    "visit_id",
                    "his_visit",
                    "id",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("his_charge")
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("visit_id", 64))
                    .col(string_len("item_code", 50))
                    .col(string_len("item_name", 100))
                    .col(string_len("category", 20))
                    .col(string_len_null("category_name", 50))
                    .col(string_len_null("drug_code", 64))
                    .col(string_len_null("dept_code", 64))
                    .col(big_integer_null("unit_price"))
                    .col(big_integer("quantity"))
                    .col(big_integer("amount"))
                    .col(big_integer("self_paid"))
                    .col(timestamp_with_time_zone("charged_at"))
                    .col(string_len_null("settlement_id", 30))
                    .foreign_key(&mut fk("his_charge", "visit_id", "his_visit", "id"))
                    .foreign_key(&mut fk("his_charge", "drug_code", "his_drug", "code"))
                    .foreign_key(&mut fk("his_charge", "dept_code", "his_department", "code")),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_charge", &["visit_id"])).await
    }
}
