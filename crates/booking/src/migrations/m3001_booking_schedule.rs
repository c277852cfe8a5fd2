//! Schedule templates, schedules (排班) and their slots (号源).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::index;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("booking_template")
                .col(big_pk_auto("id"))
                .col(string_len("dept_code", 64))
                // '' for a rota clinic without a named doctor.
                .col(string_len("doctor_code", 64))
                .col(integer("weekday"))
                .col(string_len("session", 16))
                .col(string_len("level", 16))
                .col(big_integer("fee_fen"))
                .col(string_len("start_time", 5))
                .col(integer("window_minutes"))
                .col(integer("windows"))
                .col(integer("per_window"))
                .col(integer("onsite_per_window"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_booking_template_slot",
            "booking_template",
            &["dept_code", "doctor_code", "weekday", "session"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("booking_schedule")
                .col(string_len("id", 40).primary_key())
                .col(string_len("dept_code", 64))
                .col(string_len("doctor_code", 64))
                .col(date("date"))
                .col(string_len("session", 16))
                .col(string_len("level", 16))
                .col(big_integer("fee_fen"))
                .col(string_len("status", 16))
                .col(string_len_null("stop_reason", 200))
                .col(string_len_null("substitute_doctor", 64))
                .col(integer("online_total"))
                .col(integer("onsite_total"))
                .col(integer("extra_total"))
                .col(timestamp_with_time_zone("release_at"))
                .col(integer("online_cutoff_minutes"))
                .col(integer("cancel_cutoff_minutes"))
                .col(big_integer_null("template_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_booking_schedule_when",
            "booking_schedule",
            &["dept_code", "doctor_code", "date", "session"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_booking_schedule_date",
            "booking_schedule",
            &["date", "dept_code"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("booking_slot")
                .col(string_len("schedule_id", 40))
                .col(integer("seq_no"))
                .col(string_len("pool", 16))
                .col(timestamp_with_time_zone("window_start"))
                .col(timestamp_with_time_zone("window_end"))
                // free / taken / closed (停诊)
                .col(string_len("state", 16))
                .col(string_len_null("ticket_id", 40))
                .col(boolean("extra"))
                .primary_key(Index::create().col("schedule_id").col("seq_no"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_booking_slot_schedule")
                        .from("booking_slot", "schedule_id")
                        .to("booking_schedule", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_booking_slot_free",
            "booking_slot",
            &["schedule_id", "pool", "state", "seq_no"],
            false,
        ))
        .await
    }
}
