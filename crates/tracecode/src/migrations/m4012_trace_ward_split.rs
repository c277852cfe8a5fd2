//! Split quantities (拆零) on the ward as at the outpatient window: a ward line counts the
//! smallest units drawn for it, and each draw from an opened package is one row (a nurse's
//! return of split units marks it returned and puts the units back).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Up;

fn fk(from: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from.to_owned(), col.to_owned())
        .to(to.to_owned(), "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Up {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("trace_ward_line")
                .add_column(big_integer("split_drawn").default(0))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("trace_ward_split_draw")
                .col(big_pk_auto("id"))
                .col(big_integer("ward_dispense_id"))
                .col(big_integer("ward_line_id"))
                .col(string_len("code_key", 120))
                .col(big_integer("units"))
                .col(timestamp_with_time_zone("drawn_at"))
                .col(string_len("drawn_by", 100))
                .col(timestamp_with_time_zone_null("returned_at"))
                .col(string_len_null("returned_by", 100))
                .foreign_key(&mut fk(
                    "trace_ward_split_draw",
                    "ward_dispense_id",
                    "trace_ward_dispense",
                ))
                .foreign_key(&mut fk(
                    "trace_ward_split_draw",
                    "ward_line_id",
                    "trace_ward_line",
                ))
                .to_owned(),
        )
        .await?;
        for col in ["ward_dispense_id", "code_key"] {
            m.create_index(
                Index::create()
                    .name(format!("ix_trace_ward_split_draw_{col}"))
                    .table("trace_ward_split_draw")
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
