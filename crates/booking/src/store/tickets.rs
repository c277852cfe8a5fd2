//! Taking a number, cancelling it, and the waitlist (候补).
//!
//! Taking a number is ONE transaction whose first statement is the conditional UPDATE of the
//! slot (`… WHERE state = 'free'`): whoever changes the row holds the number. The daily limit
//! is a conditional upsert of a counter, one live ticket per ID number per schedule and one
//! `platform_order_id` per app are unique constraints. The ticket, its receivable, its notice
//! in the outbox and its audit row are written in that same transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use yiqiao_store::audit::{self, Actor, Change};
use yiqiao_store::{Backend, Db};

use super::entities::{suspension, waitlist};
use super::{
    Failure, Result, TicketView, exec, get_schedule, one, schedule, ticket, ticket_view, v,
};
use crate::config::Rules;
use crate::domain::BookingError;
use crate::domain::patient::Patient;
use crate::domain::schedule::ScheduleStatus;
use crate::domain::ticket::{Channel, ReceivableState, TicketState, ticket_no};

/// A request to take a number.
#[derive(Debug, Clone)]
pub struct TakeRequest {
    pub schedule_id: String,
    /// The number asked for; `None`: the lowest free online number.
    pub seq_no: Option<i32>,
    pub patient: Patient,
    pub platform_order_id: Option<String>,
    pub channel: Channel,
    /// The platform app that asks (`None` at the window).
    pub app_id: Option<String>,
}

/// What taking a number gave.
#[derive(Debug, Clone)]
pub enum Taken {
    /// A new ticket.
    New(TicketView),
    /// The app's `platform_order_id` was known: its ticket.
    Existing(TicketView),
}

impl Taken {
    pub fn view(&self) -> &TicketView {
        match self {
            Taken::New(t) | Taken::Existing(t) => t,
        }
    }
}

/// The active suspension of an ID number, if any.
pub async fn active_suspension<C: ConnectionTrait>(
    c: &C,
    id_no: &str,
    now: DateTime<Utc>,
) -> std::result::Result<Option<suspension::Model>, sea_orm::DbErr> {
    suspension::Entity::find()
        .filter(suspension::Column::IdNo.eq(id_no))
        .filter(suspension::Column::Until.gt(now))
        .filter(suspension::Column::LiftedAt.is_null())
        .order_by_desc(suspension::Column::Until)
        .one(c)
        .await
}

pub async fn find_by_order<C: ConnectionTrait>(
    c: &C,
    app_id: &str,
    order: &str,
) -> std::result::Result<Option<ticket::Model>, sea_orm::DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::AppId.eq(app_id))
        .filter(ticket::Column::PlatformOrderId.eq(order))
        .one(c)
        .await
}

async fn has_live_ticket<C: ConnectionTrait>(
    c: &C,
    schedule_id: &str,
    id_no: &str,
) -> std::result::Result<bool, sea_orm::DbErr> {
    Ok(one(
        c,
        "SELECT id FROM booking_ticket WHERE schedule_id = $1 AND live_id_no = $2",
        vec![v(schedule_id), v(id_no)],
    )
    .await?
    .is_some())
}

/// The checks that need no lock: the schedule is open and released, the patient is not
/// suspended. The database still decides every race afterwards.
async fn precheck(db: &Db, s: &schedule::Model, id_no: &str, now: DateTime<Utc>) -> Result<()> {
    if s.status == ScheduleStatus::Stopped.as_str() {
        return Err(stopped(s).into());
    }
    if now < s.release_at {
        return Err(
            BookingError::NotReleased(yiqiao_core::time::format_local(s.release_at)).into(),
        );
    }
    if let Some(sus) = active_suspension(&**db, id_no, now).await? {
        return Err(BookingError::PatientSuspended(sus.until).into());
    }
    Ok(())
}

fn stopped(s: &schedule::Model) -> BookingError {
    BookingError::ScheduleStopped(
        s.stop_reason
            .as_deref()
            .map(|r| format!("：{r}"))
            .unwrap_or_default(),
    )
}

/// Online taking stops this long before a window.
fn cutoff_at(s: &schedule::Model, now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::minutes(i64::from(s.online_cutoff_minutes))
}

/// Take a number.
pub async fn take_number(
    db: &Db,
    rules: &Rules,
    req: &TakeRequest,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Taken> {
    let s = get_schedule(&**db, &req.schedule_id)
        .await?
        .ok_or_else(|| BookingError::not_found(format!("没有排班 {}", req.schedule_id)))?;
    if let (Some(app), Some(order)) = (&req.app_id, &req.platform_order_id)
        && let Some(t) = find_by_order(&**db, app, order).await?
    {
        return existing(db, t).await;
    }
    let id_no = req.patient.id.as_str();
    precheck(db, &s, id_no, now).await?;
    let cutoff = cutoff_at(&s, now);
    match req.seq_no {
        Some(n) => {
            let slot = one(
                &**db,
                "SELECT pool, state, window_start FROM booking_slot WHERE schedule_id = $1 AND seq_no = $2",
                vec![v(&s.id), v(n)],
            )
            .await?
            .ok_or_else(|| BookingError::invalid(format!("seq_no：排班中没有号序 {n}")))?;
            let pool: String = slot.try_get("", "pool")?;
            let state: String = slot.try_get("", "state")?;
            let ws: DateTime<Utc> = slot.try_get("", "window_start")?;
            if pool != "online" || state != "free" {
                return Err(BookingError::SlotTaken(n).into());
            }
            if ws <= cutoff {
                return Err(cutoff_passed(&s).into());
            }
        }
        None => {
            let row = one(
                &**db,
                "SELECT COUNT(*) AS n, SUM(CASE WHEN window_start > $2 THEN 1 ELSE 0 END) AS open_n \
                 FROM booking_slot WHERE schedule_id = $1 AND pool = 'online' AND state = 'free'",
                vec![v(&s.id), v(cutoff)],
            )
            .await?;
            let n: i64 = row
                .as_ref()
                .and_then(|r| r.try_get("", "n").ok())
                .unwrap_or(0);
            let open_n: i64 = row
                .as_ref()
                .and_then(|r| r.try_get::<Option<i64>>("", "open_n").ok().flatten())
                .unwrap_or(0);
            if n == 0 {
                return Err(BookingError::SlotFull.into());
            }
            if open_n == 0 {
                return Err(cutoff_passed(&s).into());
            }
        }
    }
    if has_live_ticket(&**db, &s.id, id_no).await? {
        return Err(BookingError::DuplicateTicket.into());
    }

    // PostgreSQL: SKIP LOCKED may pass over numbers held by transactions that then roll back;
    // try again a few times while free numbers remain.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let txn = db.begin_write().await?;
        let ticket_id = super::new_id();
        let claimed = claim_slot(&txn, db.backend(), &s.id, req.seq_no, &ticket_id, cutoff).await?;
        let Some((seq, ws, we)) = claimed else {
            txn.rollback().await?;
            if let Some(n) = req.seq_no {
                return Err(BookingError::SlotTaken(n).into());
            }
            let fresh = get_schedule(&**db, &s.id).await?;
            if let Some(f) = &fresh
                && f.status == ScheduleStatus::Stopped.as_str()
            {
                return Err(stopped(f).into());
            }
            if attempts < 5 && super::online_left(&**db, &s.id).await? > 0 {
                continue;
            }
            return Err(BookingError::SlotFull.into());
        };
        let new = NewTicket {
            id: ticket_id,
            schedule: &s,
            seq_no: seq,
            window_start: ws,
            window_end: we,
            patient: &req.patient,
            channel: req.channel,
            app_id: req.app_id.as_deref(),
            platform_order_id: req.platform_order_id.as_deref(),
            notice: NoticeKind::Taken,
        };
        match insert_ticket_in(&txn, rules, &new, actor, now).await {
            Ok(t) => {
                txn.commit().await?;
                return Ok(Taken::New(TicketView {
                    ticket: t,
                    dept_code: s.dept_code.clone(),
                    doctor_code: s.doctor_code.clone(),
                    session: s.session.clone(),
                }));
            }
            Err(Failure::Db(e)) if yiqiao_store::is_unique_violation(&e) => {
                txn.rollback().await?;
                if let (Some(app), Some(order)) = (&req.app_id, &req.platform_order_id)
                    && let Some(t) = find_by_order(&**db, app, order).await?
                {
                    return existing(db, t).await;
                }
                if has_live_ticket(&**db, &s.id, id_no).await? {
                    return Err(BookingError::DuplicateTicket.into());
                }
                return Err(BookingError::SlotTaken(seq).into());
            }
            Err(e) => {
                txn.rollback().await?;
                return Err(e);
            }
        }
    }
}

fn cutoff_passed(s: &schedule::Model) -> BookingError {
    BookingError::CutoffPassed(format!(
        "已过网上取号截止时间（就诊时段开始前 {} 分钟停止网上取号）",
        s.online_cutoff_minutes
    ))
}

async fn existing(db: &Db, t: ticket::Model) -> Result<Taken> {
    let view = ticket_view(&**db, &t.id)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(t.id.clone()))?;
    Ok(Taken::Existing(view))
}

/// The conditional UPDATE that decides who holds a number. Returns the number and its window
/// when this transaction got it.
async fn claim_slot(
    txn: &DatabaseTransaction,
    backend: Backend,
    schedule_id: &str,
    seq_no: Option<i32>,
    ticket_id: &str,
    cutoff: DateTime<Utc>,
) -> std::result::Result<Option<(i32, DateTime<Utc>, DateTime<Utc>)>, sea_orm::DbErr> {
    let row = match seq_no {
        Some(n) => {
            one(
                txn,
                "UPDATE booking_slot SET state = 'taken', ticket_id = $1 \
                 WHERE schedule_id = $2 AND seq_no = $3 AND pool = 'online' AND state = 'free' AND window_start > $4 \
                 RETURNING seq_no, window_start, window_end",
                vec![v(ticket_id), v(schedule_id), v(n), v(cutoff)],
            )
            .await?
        }
        None => {
            // The lowest free number. On PostgreSQL concurrent takers skip the rows others
            // are taking instead of queueing behind them; the outer `state = 'free'` decides.
            let pick = match backend {
                Backend::Postgres => {
                    "SELECT seq_no FROM booking_slot WHERE schedule_id = $2 AND pool = 'online' AND state = 'free' \
                     AND window_start > $3 ORDER BY seq_no LIMIT 1 FOR UPDATE SKIP LOCKED"
                }
                Backend::Sqlite => {
                    "SELECT MIN(seq_no) FROM booking_slot WHERE schedule_id = $2 AND pool = 'online' AND state = 'free' \
                     AND window_start > $3"
                }
            };
            let sql = format!(
                "UPDATE booking_slot SET state = 'taken', ticket_id = $1 \
                 WHERE schedule_id = $2 AND pool = 'online' AND state = 'free' AND seq_no = ({pick}) \
                 RETURNING seq_no, window_start, window_end"
            );
            one(txn, &sql, vec![v(ticket_id), v(schedule_id), v(cutoff)]).await?
        }
    };
    match row {
        Some(r) => Ok(Some((
            r.try_get("", "seq_no")?,
            r.try_get("", "window_start")?,
            r.try_get("", "window_end")?,
        ))),
        None => Ok(None),
    }
}

/// Which notice a new ticket sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoticeKind {
    Taken,
    WaitlistGranted,
}

pub(crate) struct NewTicket<'a> {
    pub id: String,
    pub schedule: &'a schedule::Model,
    pub seq_no: i32,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub patient: &'a Patient,
    pub channel: Channel,
    pub app_id: Option<&'a str>,
    pub platform_order_id: Option<&'a str>,
    pub notice: NoticeKind,
}

/// Everything after the slot is held, inside the same transaction: the daily limit, the
/// ticket, its receivable, its notice and its audit row.
pub(crate) async fn insert_ticket_in(
    txn: &DatabaseTransaction,
    rules: &Rules,
    n: &NewTicket<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ticket::Model> {
    let s = n.schedule;
    let id_no = n.patient.id.as_str();
    let counted = exec(
        txn,
        "INSERT INTO booking_daily_count (id_no, visit_date, n) VALUES ($1, $2, 1) \
         ON CONFLICT (id_no, visit_date) DO UPDATE SET n = booking_daily_count.n + 1 \
         WHERE booking_daily_count.n < $3",
        vec![v(id_no), v(s.date), v(rules.daily_limit as i32)],
    )
    .await?;
    if counted == 0 || rules.daily_limit == 0 {
        return Err(BookingError::DailyLimit(rules.daily_limit).into());
    }
    let day = super::local_date(now);
    let no_row = one(
        txn,
        "INSERT INTO booking_day_counter (day, n) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET n = booking_day_counter.n + 1 RETURNING n",
        vec![v(day)],
    )
    .await?
    .ok_or_else(|| sea_orm::DbErr::RecordNotFound("booking_day_counter".into()))?;
    let day_n: i64 = no_row.try_get("", "n")?;
    let t = ticket::ActiveModel {
        id: Set(n.id.clone()),
        ticket_no: Set(ticket_no(day, day_n)),
        schedule_id: Set(s.id.clone()),
        seq_no: Set(n.seq_no),
        channel: Set(n.channel.as_str().to_owned()),
        app_id: Set(n.app_id.map(str::to_owned)),
        platform_order_id: Set(n.platform_order_id.map(str::to_owned)),
        patient_name: Set(n.patient.name.clone()),
        id_type: Set(n.patient.id.id_type.code().to_owned()),
        id_no: Set(id_no.to_owned()),
        phone: Set(n.patient.phone.clone()),
        visit_date: Set(s.date),
        window_start: Set(n.window_start),
        window_end: Set(n.window_end),
        checkin_deadline: Set(n.window_end + Duration::minutes(rules.checkin_grace_minutes)),
        fee_fen: Set(s.fee_fen),
        status: Set(TicketState::Taken.as_str().to_owned()),
        live_id_no: Set(Some(id_no.to_owned())),
        live_seq_no: Set(Some(n.seq_no)),
        cancel_reason: Set(None),
        visit_id: Set(None),
        taken_at: Set(now),
        checked_in_at: Set(None),
        visited_at: Set(None),
        cancelled_at: Set(None),
        no_show_at: Set(None),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    super::receivable::ActiveModel {
        ticket_id: Set(t.id.clone()),
        amount_fen: Set(t.fee_fen),
        state: Set(ReceivableState::Unpaid.as_str().to_owned()),
        channel: Set(t.channel.clone()),
        visit_date: Set(t.visit_date),
        visit_id: Set(None),
        write_off_reason: Set(None),
        written_off_by: Set(None),
        created_at: Set(now),
        posted_at: Set(None),
        settled_at: Set(None),
        written_off_at: Set(None),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let view = TicketView {
        ticket: t.clone(),
        dept_code: s.dept_code.clone(),
        doctor_code: s.doctor_code.clone(),
        session: s.session.clone(),
    };
    match n.notice {
        NoticeKind::Taken => ticket_notice(txn, &view, now).await?,
        NoticeKind::WaitlistGranted => {
            if let Some(app) = &t.app_id {
                crate::notice::enqueue(
                    txn,
                    app,
                    crate::notice::NoticeType::WaitlistGranted,
                    &format!("waitlist.granted-{}", t.id),
                    crate::wire::ticket_json(&view),
                    &t.ticket_no,
                    now,
                )
                .await?;
            }
        }
    }
    audit::record(
        txn,
        actor,
        Change::new("booking.ticket.take", "booking_ticket", t.id.clone()).after(
            serde_json::json!({
                "ticket_no": t.ticket_no, "schedule_id": t.schedule_id, "seq_no": t.seq_no,
                "channel": t.channel, "id_no": yiqiao_core::mask_id_no(&t.id_no),
                "platform_order_id": t.platform_order_id,
            }),
        ),
        now,
    )
    .await?;
    Ok(t)
}

/// A `ticket.status` notice for the ticket's app (tickets taken at the window have none).
pub(crate) async fn ticket_notice<C: ConnectionTrait>(
    c: &C,
    view: &TicketView,
    now: DateTime<Utc>,
) -> std::result::Result<(), sea_orm::DbErr> {
    let t = &view.ticket;
    let Some(app) = &t.app_id else {
        return Ok(());
    };
    if !TicketState::parse(&t.status).is_some_and(TicketState::notifies) {
        return Ok(());
    }
    crate::notice::enqueue(
        c,
        app,
        crate::notice::NoticeType::TicketStatus,
        &format!("ticket.status-{}-{}", t.id, t.status),
        crate::wire::ticket_json(view),
        &t.ticket_no,
        now,
    )
    .await?;
    Ok(())
}

/// Cancel a ticket for the patient (through the platform app that took it).
pub async fn cancel_by_patient(
    db: &Db,
    rules: &Rules,
    app_id: &str,
    ticket_id: &str,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketView> {
    let t = ticket::Entity::find_by_id(ticket_id.to_owned())
        .one(&**db)
        .await?
        .filter(|t| t.app_id.as_deref() == Some(app_id))
        .ok_or_else(|| BookingError::not_found(format!("没有取号记录 {ticket_id}")))?;
    let state = TicketState::parse(&t.status).unwrap_or(TicketState::Cancelled);
    match state {
        TicketState::Taken => {}
        TicketState::Cancelled | TicketState::CancelledByHospital => {
            return Err(BookingError::AlreadyCancelled(state.label().to_owned()).into());
        }
        other => return Err(BookingError::CannotCancel(other.label().to_owned()).into()),
    }
    let s = get_schedule(&**db, &t.schedule_id)
        .await?
        .ok_or_else(|| BookingError::not_found("排班不存在"))?;
    let cancel_rule = crate::domain::schedule::ReleaseRule {
        cancel_cutoff_minutes: i64::from(s.cancel_cutoff_minutes),
        ..rules.release
    };
    cancel_rule.check_cancel(t.window_start, now)?;
    let txn = db.begin_write().await?;
    let changed = exec(
        &txn,
        "UPDATE booking_ticket SET status = 'cancelled', live_id_no = NULL, live_seq_no = NULL, \
         cancel_reason = $1, cancelled_at = $2, updated_at = $2 WHERE id = $3 AND status = 'taken'",
        vec![v(reason), v(now), v(&t.id)],
    )
    .await?;
    if changed != 1 {
        txn.rollback().await?;
        return Err(
            BookingError::AlreadyCancelled(TicketState::Cancelled.label().to_owned()).into(),
        );
    }
    release_ticket_in(&txn, &t, now).await?;
    audit::record(
        &txn,
        actor,
        Change::new("booking.ticket.cancel", "booking_ticket", t.id.clone())
            .before(serde_json::json!({"status": t.status}))
            .after(serde_json::json!({"status": "cancelled", "reason": reason})),
        now,
    )
    .await?;
    grant_waitlist_in(&txn, rules, &s, t.seq_no, now).await?;
    txn.commit().await?;
    Ok(ticket_view(&**db, &t.id)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(t.id.clone()))?)
}

/// After a ticket stopped being live: its number is free again (unless the schedule is
/// stopped), its receivable is void, it no longer counts for the day.
pub(crate) async fn release_ticket_in(
    txn: &DatabaseTransaction,
    t: &ticket::Model,
    now: DateTime<Utc>,
) -> std::result::Result<(), sea_orm::DbErr> {
    exec(
        txn,
        "UPDATE booking_slot SET state = CASE WHEN state = 'taken' THEN 'free' ELSE state END, ticket_id = NULL \
         WHERE schedule_id = $1 AND seq_no = $2 AND ticket_id = $3",
        vec![v(&t.schedule_id), v(t.seq_no), v(&t.id)],
    )
    .await?;
    exec(
        txn,
        "UPDATE booking_receivable SET state = 'void', updated_at = $1 WHERE ticket_id = $2 AND state = 'unpaid'",
        vec![v(now), v(&t.id)],
    )
    .await?;
    exec(
        txn,
        "UPDATE booking_daily_count SET n = n - 1 WHERE id_no = $1 AND visit_date = $2 AND n > 0",
        vec![v(&t.id_no), v(t.visit_date)],
    )
    .await?;
    Ok(())
}

/// A freed number goes to the first patient waiting on the schedule, who is told through the
/// platform (`waitlist.granted`). Patients who can no longer take it (daily limit, a ticket
/// meanwhile) lose their place and the next one is tried.
pub(crate) async fn grant_waitlist_in(
    txn: &DatabaseTransaction,
    rules: &Rules,
    s: &schedule::Model,
    seq_no: i32,
    now: DateTime<Utc>,
) -> Result<Option<ticket::Model>> {
    if s.status != ScheduleStatus::Open.as_str() {
        return Ok(None);
    }
    let waiting = waitlist::Entity::find()
        .filter(waitlist::Column::ScheduleId.eq(&s.id))
        .filter(waitlist::Column::State.eq("waiting"))
        .order_by_asc(waitlist::Column::Id)
        .all(txn)
        .await?;
    for w in waiting.into_iter().take(10) {
        let Ok(patient) = Patient::parse(&w.patient_name, &w.id_type, &w.id_no, &w.phone) else {
            continue;
        };
        // A savepoint: a refusal for this patient undoes only their attempt.
        let sp = txn.begin().await?;
        let ticket_id = super::new_id();
        let slot = one(
            &sp,
            "UPDATE booking_slot SET state = 'taken', ticket_id = $1 \
             WHERE schedule_id = $2 AND seq_no = $3 AND state = 'free' RETURNING window_start, window_end",
            vec![v(&ticket_id), v(&s.id), v(seq_no)],
        )
        .await?;
        let Some(slot) = slot else {
            sp.rollback().await?;
            return Ok(None);
        };
        let channel = Channel::parse(&w.channel).unwrap_or(Channel::JiankangTaizhou);
        let new = NewTicket {
            id: ticket_id,
            schedule: s,
            seq_no,
            window_start: slot.try_get("", "window_start")?,
            window_end: slot.try_get("", "window_end")?,
            patient: &patient,
            channel,
            app_id: w.app_id.as_deref(),
            platform_order_id: w.platform_order_id.as_deref(),
            notice: NoticeKind::WaitlistGranted,
        };
        let actor = Actor::system("booking.waitlist");
        let granted = match insert_ticket_in(&sp, rules, &new, &actor, now).await {
            Ok(t) => {
                exec(
                    &sp,
                    "UPDATE booking_waitlist SET state = 'granted', live_id_no = NULL, ticket_id = $1, updated_at = $2 \
                     WHERE id = $3 AND state = 'waiting'",
                    vec![v(&t.id), v(now), v(w.id)],
                )
                .await?;
                sp.commit().await?;
                Some(t)
            }
            Err(Failure::Refused(_)) => {
                sp.rollback().await?;
                None
            }
            Err(Failure::Db(e)) if yiqiao_store::is_unique_violation(&e) => {
                sp.rollback().await?;
                None
            }
            Err(e) => return Err(e),
        };
        if granted.is_some() {
            return Ok(granted);
        }
        exec(
            txn,
            "UPDATE booking_waitlist SET state = 'skipped', live_id_no = NULL, updated_at = $1 WHERE id = $2 AND state = 'waiting'",
            vec![v(now), v(w.id)],
        )
        .await?;
    }
    Ok(None)
}

/// Join the waitlist of a full schedule. Returns the entry's id and place in the queue.
pub async fn join_waitlist(db: &Db, req: &TakeRequest, now: DateTime<Utc>) -> Result<(i64, i64)> {
    let s = get_schedule(&**db, &req.schedule_id)
        .await?
        .ok_or_else(|| BookingError::not_found(format!("没有排班 {}", req.schedule_id)))?;
    let id_no = req.patient.id.as_str();
    precheck(db, &s, id_no, now).await?;
    if super::online_left(&**db, &s.id).await? > 0 {
        return Err(BookingError::invalid("该排班仍有网上号源，请直接取号").into());
    }
    if has_live_ticket(&**db, &s.id, id_no).await? {
        return Err(BookingError::DuplicateTicket.into());
    }
    let txn = db.begin_write().await?;
    let res = waitlist::ActiveModel {
        schedule_id: Set(s.id.clone()),
        app_id: Set(req.app_id.clone()),
        platform_order_id: Set(req.platform_order_id.clone()),
        channel: Set(req.channel.as_str().to_owned()),
        patient_name: Set(req.patient.name.clone()),
        id_type: Set(req.patient.id.id_type.code().to_owned()),
        id_no: Set(id_no.to_owned()),
        phone: Set(req.patient.phone.clone()),
        state: Set("waiting".to_owned()),
        live_id_no: Set(Some(id_no.to_owned())),
        ticket_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let w = match res {
        Ok(w) => w,
        Err(e) if yiqiao_store::is_unique_violation(&e) => {
            txn.rollback().await?;
            return Err(BookingError::DuplicateTicket.into());
        }
        Err(e) => return Err(e.into()),
    };
    txn.commit().await?;
    let pos = one(
        &**db,
        "SELECT COUNT(*) AS n FROM booking_waitlist WHERE schedule_id = $1 AND state = 'waiting' AND id <= $2",
        vec![v(&s.id), v(w.id)],
    )
    .await?
    .and_then(|r| r.try_get::<i64>("", "n").ok())
    .unwrap_or(1);
    Ok((w.id, pos))
}
