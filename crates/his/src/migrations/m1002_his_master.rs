//! Master data: departments, staff, patients, drugs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Up;

/// Columns every record table has: the hash of the stored record (to answer "unchanged"
/// without comparing fields) and when it was first and last written.
pub(crate) fn stamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(string_len("content_hash", 64))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(
                Table::create()
                    .table("his_department")
                    .col(string_len("code", 64).primary_key())
                    .col(string_len("name", 50))
                    .col(string_len("kind", 16))
                    .col(string_len_null("campus", 50))
                    .col(boolean("tcm"))
                    .col(boolean("online_booking"))
                    .col(text_null("intro"))
                    .col(boolean("active")),
            )
            .to_owned(),
        )
        .await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("his_staff")
                    .col(string_len("code", 64).primary_key())
                    .col(string_len("name", 50))
                    .col(string_len("role", 16))
                    .col(string_len("dept_code", 64))
                    .col(string_len_null("title", 30))
                    .col(string_len_null("licence_no", 50))
                    .col(string_len_null("id_type", 2))
                    .col(string_len_null("id_no", 50))
                    .col(string_len_null("specialty", 200))
                    .col(text_null("intro"))
                    .col(boolean("active"))
                    .foreign_key(&mut fk("his_staff", "dept_code", "his_department", "code")),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_staff", &["dept_code"])).await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("his_patient")
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("card_no", 30))
                    .col(string_len("name", 50))
                    .col(string_len("sex", 1))
                    .col(date("birth_date"))
                    .col(string_len("id_type", 2))
                    .col(string_len("id_no", 50))
                    .col(string_len_null("nationality", 3))
                    .col(string_len_null("ethnicity", 2))
                    .col(string_len_null("marital", 2))
                    .col(string_len_null("address_province", 50))
                    .col(string_len_null("address_city", 50))
                    .col(string_len_null("address_county", 50))
                    .col(string_len_null("address_detail", 200))
                    .col(string_len_null("phone", 30))
                    .col(string_len_null("drug_allergy", 1))
                    .col(string_len_null("allergy_drugs", 200))
                    .col(string_len_null("other_allergy", 1))
                    .col(string_len_null("other_allergens", 200)),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_patient", &["card_no"])).await?;
        m.create_index(index("his_patient", &["id_no"])).await?;

        m.create_table(
            stamps(
                Table::create()
                    .table("his_drug")
                    .col(string_len("code", 64).primary_key())
                    .col(string_len("generic_name", 100))
                    .col(string_len_null("trade_name", 100))
                    .col(string_len("category", 16))
                    .col(string_len("spec", 100))
                    .col(string_len("form", 50))
                    .col(string_len("manufacturer", 200))
                    .col(string_len_null("approval_no", 100))
                    .col(string_len_null("nhsa_code", 50))
                    .col(boolean("rx"))
                    .col(boolean("antibacterial"))
                    .col(string_len("unit", 20))
                    .col(string_len_null("pack_unit", 20))
                    .col(big_integer("pack_size"))
                    .col(big_integer_null("price"))
                    .col(boolean("active")),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("his_drug", &["nhsa_code"])).await
    }
}
