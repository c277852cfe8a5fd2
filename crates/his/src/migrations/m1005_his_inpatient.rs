//! Discharged inpatient cases (settlement-list fields for DRG) with diagnoses and procedures.

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
                    .table("his_inpatient_case")
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("patient_id", 64))
                    .col(string_len("admission_no", 30))
                    .col(string_len("sex", 1))
                    .col(big_integer("age"))
                    .col(big_integer_null("age_days"))
                    .col(big_integer_null("birth_weight"))
                    .col(timestamp_with_time_zone("admitted_at"))
                    .col(timestamp_with_time_zone("discharged_at"))
                    .col(big_integer("los_days"))
                    .col(string_len("discharge_way", 1))
                    .col(string_len_null("transfer_org", 100))
                    .col(string_len_null("admit_dept_code", 64))
                    .col(string_len("dept_code", 64))
                    .col(string_len("doctor_code", 64))
                    .col(big_integer("total_cost"))
                    .col(big_integer_null("self_paid"))
                    .col(string_len_null("insurance_type", 20))
                    .col(string_len_null("setl_id", 30))
                    .col(big_integer_null("ventilation_hours"))
                    .foreign_key(&mut fk(
                        "his_inpatient_case",
                        "patient_id",
                        "his_patient",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "his_inpatient_case",
                        "admit_dept_code",
                        "his_department",
                        "code",
                    ))
                    .foreign_key(&mut fk(
                        "his_inpatient_case",
                        "dept_code",
                        "his_department",
                        "code",
                    ))
                    .foreign_key(&mut fk(
                        "his_inpatient_case",
                        "doctor_code",
                        "his_staff",
                        "code",
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_inpatient_case", &["discharged_at"]))
            .await?;
        m.create_index(index("his_inpatient_case", &["dept_code", "discharged_at"]))
            .await?;
        m.create_index(index("his_inpatient_case", &["patient_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("his_case_diagnosis")
                .col(string_len("case_id", 64))
                .col(integer("seq"))
                .col(string_len("code", 30))
                .col(string_len_null("name", 100))
                .col(string_len_null("admission_condition", 1))
                .primary_key(Index::create().col("case_id").col("seq"))
                .foreign_key(&mut child_fk(
                    "his_case_diagnosis",
                    "case_id",
                    "his_inpatient_case",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("his_case_diagnosis", &["code"]))
            .await?;

        m.create_table(
            Table::create()
                .table("his_case_procedure")
                .col(string_len("case_id", 64))
                .col(integer("seq"))
                .col(string_len("code", 30))
                .col(string_len_null("name", 100))
                .col(timestamp_with_time_zone_null("date"))
                .col(string_len_null("operator", 50))
                .col(string_len_null("anesthesia", 10))
                .col(string_len_null("grade", 1))
                .primary_key(Index::create().col("case_id").col("seq"))
                .foreign_key(&mut child_fk(
                    "his_case_procedure",
                    "case_id",
                    "his_inpatient_case",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("his_case_procedure", &["code"])).await
    }
}
