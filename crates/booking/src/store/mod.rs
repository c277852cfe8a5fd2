//! Booking's tables and the operations on them. Every "take the last one" decision is made by
//! the database: a conditional UPDATE whose rows-affected count is checked, or a unique
//! constraint (ARCHITECTURE.md). Every writing transaction is opened with `Db::begin_write`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
use yiqiao_http::AppError;

use crate::domain::BookingError;

pub mod desk;
pub mod entities;
pub mod planning;
pub mod platform;
pub mod tickets;

pub use entities::{receivable, schedule, slot, ticket};

/// Why an operation did not happen: a refusal for the caller, or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Refused(#[from] BookingError),
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Refused(e) => AppError::from_refusal(&e),
            Failure::Db(e) => AppError::from(e),
        }
    }
}

yiqiao_http::app_error_from!(BookingError);

pub type Result<T> = std::result::Result<T, Failure>;

/// A raw statement with `$n` placeholders (valid on SQLite and PostgreSQL).
pub fn stmt<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(c.get_database_backend(), sql, values)
}

pub async fn exec<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> std::result::Result<u64, DbErr> {
    Ok(c.execute_raw(stmt(c, sql, values)).await?.rows_affected())
}

pub async fn one<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> std::result::Result<Option<QueryResult>, DbErr> {
    c.query_one_raw(stmt(c, sql, values)).await
}

pub async fn all<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> std::result::Result<Vec<QueryResult>, DbErr> {
    c.query_all_raw(stmt(c, sql, values)).await
}

pub fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

/// A new id for schedules and tickets: time-ordered, 32 hex characters.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// A ticket with what the platform sees of its schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketView {
    pub ticket: ticket::Model,
    pub dept_code: String,
    pub doctor_code: String,
    pub session: String,
}

/// Read tickets with their schedules.
pub async fn ticket_views<C: ConnectionTrait>(
    c: &C,
    tickets: Vec<ticket::Model>,
) -> std::result::Result<Vec<TicketView>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ids: Vec<String> = tickets.iter().map(|t| t.schedule_id.clone()).collect();
    let schedules = schedule::Entity::find()
        .filter(schedule::Column::Id.is_in(ids))
        .all(c)
        .await?;
    Ok(tickets
        .into_iter()
        .map(|t| {
            let s = schedules.iter().find(|s| s.id == t.schedule_id);
            TicketView {
                dept_code: s.map(|s| s.dept_code.clone()).unwrap_or_default(),
                doctor_code: s.map(|s| s.doctor_code.clone()).unwrap_or_default(),
                session: s.map(|s| s.session.clone()).unwrap_or_default(),
                ticket: t,
            }
        })
        .collect())
}

pub async fn ticket_view<C: ConnectionTrait>(
    c: &C,
    id: &str,
) -> std::result::Result<Option<TicketView>, DbErr> {
    use sea_orm::EntityTrait;
    match ticket::Entity::find_by_id(id.to_owned()).one(c).await? {
        Some(t) => Ok(ticket_views(c, vec![t]).await?.into_iter().next()),
        None => Ok(None),
    }
}

pub async fn get_schedule<C: ConnectionTrait>(
    c: &C,
    id: &str,
) -> std::result::Result<Option<schedule::Model>, DbErr> {
    use sea_orm::EntityTrait;
    schedule::Entity::find_by_id(id.to_owned()).one(c).await
}

/// Free online places of a schedule.
pub async fn online_left<C: ConnectionTrait>(
    c: &C,
    schedule_id: &str,
) -> std::result::Result<i64, DbErr> {
    let row = one(
        c,
        "SELECT COUNT(*) AS n FROM booking_slot WHERE schedule_id = $1 AND pool = 'online' AND state = 'free'",
        vec![v(schedule_id)],
    )
    .await?;
    Ok(row
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(0))
}

/// The local date of a UTC instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    yiqiao_core::time::local_today(t)
}
