//! Split packages (拆零) drawn down: an opened package keeps the smallest units it has left,
//! and each draw of a dispense line from it is one row (returned draws put their units back).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table("trace_code")
                .add_column(big_integer_null("units_left"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("trace_dispense_line")
                .add_column(big_integer("split_drawn").default(0))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_split_draw")
                .col(big_pk_auto("id"))
                .col(big_integer("dispense_id"))
                .col(big_integer("dispense_line_id"))
                .col(string_len("code_key", 120))
                .col(big_integer("units"))
                .col(timestamp_with_time_zone("drawn_at"))
                .col(string_len("drawn_by", 100))
                .col(timestamp_with_time_zone_null("returned_at"))
                .col(string_len_null("returned_by", 100))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_trace_split_draw_dispense_id")
                        .from("trace_split_draw", "dispense_id")
                        .to("trace_dispense", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_split_draw_dispense_id")
                .table("trace_split_draw")
                .col("dispense_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trace_split_draw_code_key")
                .table("trace_split_draw")
                .col("code_key")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
