//! Tickets (取号记录), receivables (托收), the daily count per ID number, suspensions (爽约停约)
//! and the waitlist (候补).

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
                .table("booking_ticket")
                .col(string_len("id", 40).primary_key())
                .col(string_len_uniq("ticket_no", 32))
                .col(string_len("schedule_id", 40))
                .col(integer("seq_no"))
                .col(string_len("channel", 32))
                .col(string_len_null("app_id", 64))
                .col(string_len_null("platform_order_id", 64))
                .col(string_len("patient_name", 50))
                .col(string_len("id_type", 2))
                .col(string_len("id_no", 40))
                .col(string_len("phone", 20))
                .col(date("visit_date"))
                .col(timestamp_with_time_zone("window_start"))
                .col(timestamp_with_time_zone("window_end"))
                .col(timestamp_with_time_zone("checkin_deadline"))
                .col(big_integer("fee_fen"))
                .col(string_len("status", 32))
                // The ID number while the ticket is live, NULL after: unique per schedule, so
                // one live ticket per ID number per schedule is the database's decision.
                .col(string_len_null("live_id_no", 40))
                // The seq_no while live: a number is held by one live ticket only.
                .col(integer_null("live_seq_no"))
                .col(string_len_null("cancel_reason", 200))
                .col(string_len_null("visit_id", 64))
                .col(timestamp_with_time_zone("taken_at"))
                .col(timestamp_with_time_zone_null("checked_in_at"))
                .col(timestamp_with_time_zone_null("visited_at"))
                .col(timestamp_with_time_zone_null("cancelled_at"))
                .col(timestamp_with_time_zone_null("no_show_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_booking_ticket_schedule")
                        .from("booking_ticket", "schedule_id")
                        .to("booking_schedule", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_booking_ticket_live_patient",
            "booking_ticket",
            &["schedule_id", "live_id_no"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ux_booking_ticket_live_seq",
            "booking_ticket",
            &["schedule_id", "live_seq_no"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ux_booking_ticket_order",
            "booking_ticket",
            &["app_id", "platform_order_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_booking_ticket_id_no",
            "booking_ticket",
            &["id_no", "visit_date"],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_booking_ticket_date",
            "booking_ticket",
            &["visit_date", "status"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("booking_receivable")
                .col(string_len("ticket_id", 40).primary_key())
                .col(big_integer("amount_fen"))
                .col(string_len("state", 16))
                .col(string_len("channel", 32))
                .col(date("visit_date"))
                .col(string_len_null("visit_id", 64))
                .col(string_len_null("write_off_reason", 200))
                .col(string_len_null("written_off_by", 100))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("posted_at"))
                .col(timestamp_with_time_zone_null("settled_at"))
                .col(timestamp_with_time_zone_null("written_off_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_booking_receivable_ticket")
                        .from("booking_receivable", "ticket_id")
                        .to("booking_ticket", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_booking_receivable_state",
            "booking_receivable",
            &["state", "visit_date"],
            false,
        ))
        .await?;

        // Live tickets per ID number per visit date: a conditional upsert decides the daily limit.
        m.create_table(
            Table::create()
                .table("booking_daily_count")
                .col(string_len("id_no", 40))
                .col(date("visit_date"))
                .col(integer("n"))
                .primary_key(Index::create().col("id_no").col("visit_date"))
                .to_owned(),
        )
        .await?;
        // The number of the day for ticket numbers.
        m.create_table(
            Table::create()
                .table("booking_day_counter")
                .col(date("day").primary_key())
                .col(big_integer("n"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("booking_suspension")
                .col(big_pk_auto("id"))
                .col(string_len("id_no", 40))
                .col(timestamp_with_time_zone("since"))
                .col(timestamp_with_time_zone("until"))
                .col(string_len("reason", 200))
                .col(timestamp_with_time_zone_null("lifted_at"))
                .col(string_len_null("lifted_by", 100))
                .col(string_len_null("lift_reason", 200))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_booking_suspension_id_no",
            "booking_suspension",
            &["id_no", "until"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("booking_waitlist")
                .col(big_pk_auto("id"))
                .col(string_len("schedule_id", 40))
                .col(string_len_null("app_id", 64))
                .col(string_len_null("platform_order_id", 64))
                .col(string_len("channel", 32))
                .col(string_len("patient_name", 50))
                .col(string_len("id_type", 2))
                .col(string_len("id_no", 40))
                .col(string_len("phone", 20))
                // waiting / granted / expired
                .col(string_len("state", 16))
                .col(string_len_null("live_id_no", 40))
                .col(string_len_null("ticket_id", 40))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_booking_waitlist_live",
            "booking_waitlist",
            &["schedule_id", "live_id_no"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_booking_waitlist_queue",
            "booking_waitlist",
            &["schedule_id", "state", "id"],
            false,
        ))
        .await
    }
}
