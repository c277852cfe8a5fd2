//! Planning by the outpatient office: templates, schedules with their slots over the release
//! horizon, 停诊 (stop) with reason and substitute, and audited 加号 (extra slots).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::template;
use super::{Result, exec, get_schedule, one, schedule, ticket, v};
use crate::config::Rules;
use crate::domain::BookingError;
use crate::domain::schedule::{Level, ScheduleStatus, Session, SlotLayout, weekday_of};
use crate::domain::ticket::TicketState;
use crate::notice::NoticeType;

/// A schedule to create.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub dept_code: String,
    /// `""` for a rota clinic without a named doctor.
    pub doctor_code: String,
    pub date: NaiveDate,
    pub session: Session,
    pub level: Level,
    pub fee_fen: i64,
    pub layout: SlotLayout,
    pub template_id: Option<i64>,
}

/// Create a schedule and its slots in the caller's transaction. Returns `None` when the same
/// doctor already has a schedule on that date and session (the unique index decides).
pub async fn create_schedule_in(
    txn: &DatabaseTransaction,
    rules: &Rules,
    n: &NewSchedule,
    now: DateTime<Utc>,
) -> Result<Option<schedule::Model>> {
    if n.fee_fen < 0 {
        return Err(BookingError::invalid("挂号费不能为负").into());
    }
    let exists = one(
        txn,
        "SELECT id FROM booking_schedule WHERE dept_code = $1 AND doctor_code = $2 AND date = $3 AND session = $4",
        vec![v(&n.dept_code), v(&n.doctor_code), v(n.date), v(n.session.as_str())],
    )
    .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let plan = n.layout.plan(n.date);
    let s = schedule::ActiveModel {
        id: Set(super::new_id()),
        dept_code: Set(n.dept_code.clone()),
        doctor_code: Set(n.doctor_code.clone()),
        date: Set(n.date),
        session: Set(n.session.as_str().to_owned()),
        level: Set(n.level.as_str().to_owned()),
        fee_fen: Set(n.fee_fen),
        status: Set(ScheduleStatus::Open.as_str().to_owned()),
        stop_reason: Set(None),
        substitute_doctor: Set(None),
        online_total: Set(n.layout.online_total() as i32),
        onsite_total: Set((n.layout.total() - n.layout.online_total()) as i32),
        extra_total: Set(0),
        release_at: Set(rules.release.release_at(n.date)),
        online_cutoff_minutes: Set(rules.release.online_cutoff_minutes as i32),
        cancel_cutoff_minutes: Set(rules.release.cancel_cutoff_minutes as i32),
        template_id: Set(n.template_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    // Many rows per statement: a schedule has tens of slots.
    for chunk in plan.chunks(50) {
        let mut sql = String::from(
            "INSERT INTO booking_slot (schedule_id, seq_no, pool, window_start, window_end, state, ticket_id, extra) VALUES ",
        );
        let mut vals = Vec::new();
        for (i, p) in chunk.iter().enumerate() {
            let b = i * 6;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, 'free', NULL, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            ));
            vals.extend([
                v(&s.id),
                v(p.seq_no),
                v(p.pool.as_str()),
                v(p.window_start),
                v(p.window_end),
                v(false),
            ]);
        }
        exec(txn, &sql, vals).await?;
    }
    Ok(Some(s))
}

/// Create one schedule by hand (audited).
pub async fn create_schedule(
    db: &Db,
    rules: &Rules,
    n: &NewSchedule,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<schedule::Model> {
    let txn = db.begin_write().await?;
    let Some(s) = create_schedule_in(&txn, rules, n, now).await? else {
        return Err(BookingError::invalid("该医生在该日期和午别已有排班").into());
    };
    audit::record(
        &txn,
        actor,
        Change::new("booking.schedule.create", "booking_schedule", s.id.clone()).after(serde_json::json!({
            "dept_code": s.dept_code, "doctor_code": s.doctor_code, "date": s.date.to_string(),
            "session": s.session, "online_total": s.online_total, "onsite_total": s.onsite_total,
        })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// A template to save.
#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub dept_code: String,
    pub doctor_code: String,
    pub weekday: u32,
    pub session: Session,
    pub level: Level,
    pub fee_fen: i64,
    pub layout: SlotLayout,
}

pub async fn add_template(
    db: &Db,
    t: &NewTemplate,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<template::Model> {
    if !(1..=7).contains(&t.weekday) {
        return Err(BookingError::invalid("星期应为 1 到 7").into());
    }
    let txn = db.begin_write().await?;
    let res = template::ActiveModel {
        dept_code: Set(t.dept_code.clone()),
        doctor_code: Set(t.doctor_code.clone()),
        weekday: Set(t.weekday as i32),
        session: Set(t.session.as_str().to_owned()),
        level: Set(t.level.as_str().to_owned()),
        fee_fen: Set(t.fee_fen),
        start_time: Set(t.layout.start.format("%H:%M").to_string()),
        window_minutes: Set(t.layout.window_minutes as i32),
        windows: Set(t.layout.windows as i32),
        per_window: Set(t.layout.per_window as i32),
        onsite_per_window: Set(t.layout.onsite_per_window as i32),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let m = match res {
        Ok(m) => m,
        Err(e) if yiqiao_store::is_unique_violation(&e) => {
            return Err(BookingError::invalid("该医生在该星期和午别已有模板").into());
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        actor,
        Change::new("booking.template.add", "booking_template", m.id.to_string()).after(serde_json::json!({
            "dept_code": m.dept_code, "doctor_code": m.doctor_code, "weekday": m.weekday, "session": m.session,
        })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

pub async fn list_templates<C: ConnectionTrait>(
    c: &C,
) -> std::result::Result<Vec<template::Model>, sea_orm::DbErr> {
    template::Entity::find()
        .filter(template::Column::Active.eq(true))
        .order_by_asc(template::Column::DeptCode)
        .order_by_asc(template::Column::DoctorCode)
        .order_by_asc(template::Column::Weekday)
        .all(c)
        .await
}

fn layout_of(t: &template::Model) -> std::result::Result<SlotLayout, BookingError> {
    let start = NaiveTime::parse_from_str(&t.start_time, "%H:%M")
        .map_err(|_| BookingError::invalid(format!("模板 {} 的开始时间无效", t.id)))?;
    SlotLayout::new(
        start,
        t.window_minutes.max(0) as u32,
        t.windows.max(0) as u32,
        t.per_window.max(0) as u32,
        t.onsite_per_window.max(0) as u32,
    )
}

/// Generate schedules from the templates for every date from `from` through `days` days
/// (skipping those that exist). One transaction per day. Returns how many were created.
pub async fn generate(
    db: &Db,
    rules: &Rules,
    from: NaiveDate,
    days: u32,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize> {
    let templates = list_templates(&**db).await?;
    let mut created = 0;
    for d in 0..days {
        let date = from + Duration::days(i64::from(d));
        let wd = weekday_of(date);
        let todays: Vec<_> = templates
            .iter()
            .filter(|t| t.weekday as u32 == wd)
            .collect();
        if todays.is_empty() {
            continue;
        }
        let txn = db.begin_write().await?;
        let mut n_day = 0;
        for t in todays {
            let n = NewSchedule {
                dept_code: t.dept_code.clone(),
                doctor_code: t.doctor_code.clone(),
                date,
                session: Session::parse(&t.session)?,
                level: Level::parse(&t.level)?,
                fee_fen: t.fee_fen,
                layout: layout_of(t)?,
                template_id: Some(t.id),
            };
            if create_schedule_in(&txn, rules, &n, now).await?.is_some() {
                n_day += 1;
            }
        }
        if n_day > 0 {
            audit::record(
                &txn,
                actor,
                Change::new(
                    "booking.schedule.generate",
                    "booking_schedule",
                    date.to_string(),
                )
                .after(serde_json::json!({"date": date.to_string(), "created": n_day})),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        created += n_day;
    }
    Ok(created)
}

/// 停诊: stop a schedule. Its free numbers close, every live ticket is cancelled by the
/// hospital (receivable void, the platform told), waiting patients are let go, and the
/// platform is told the schedule stopped. One transaction.
pub async fn stop_schedule(
    db: &Db,
    schedule_id: &str,
    reason: &str,
    substitute: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BookingError::invalid("停诊原因应为 1 到 200 个字").into());
    }
    let txn = db.begin_write().await?;
    let n = exec(
        &txn,
        "UPDATE booking_schedule SET status = 'stopped', stop_reason = $1, substitute_doctor = $2, updated_at = $3 \
         WHERE id = $4 AND status = 'open'",
        vec![v(reason), v(substitute.map(str::to_owned)), v(now), v(schedule_id)],
    )
    .await?;
    if n != 1 {
        txn.rollback().await?;
        return match get_schedule(&**db, schedule_id).await? {
            None => Err(BookingError::not_found(format!("没有排班 {schedule_id}")).into()),
            Some(_) => Err(BookingError::NotAllowed("该排班已停诊".into()).into()),
        };
    }
    exec(
        &txn,
        "UPDATE booking_slot SET state = 'closed' WHERE schedule_id = $1 AND state = 'free'",
        vec![v(schedule_id)],
    )
    .await?;
    let live = ticket::Entity::find()
        .filter(ticket::Column::ScheduleId.eq(schedule_id))
        .filter(
            ticket::Column::Status
                .is_in([TicketState::Taken.as_str(), TicketState::CheckedIn.as_str()]),
        )
        .all(&txn)
        .await?;
    let mut apps = std::collections::BTreeSet::new();
    for t in &live {
        exec(
            &txn,
            "UPDATE booking_ticket SET status = 'cancelled_by_hospital', live_id_no = NULL, live_seq_no = NULL, \
             cancel_reason = $1, cancelled_at = $2, updated_at = $2 WHERE id = $3",
            vec![v(format!("停诊：{reason}").chars().take(200).collect::<String>()), v(now), v(&t.id)],
        )
        .await?;
        super::tickets::release_ticket_in(&txn, t, now).await?;
        if let Some(view) = super::ticket_view(&txn, &t.id).await? {
            super::tickets::ticket_notice(&txn, &view, now).await?;
        }
        if let Some(a) = &t.app_id {
            apps.insert(a.clone());
        }
    }
    exec(
        &txn,
        "UPDATE booking_waitlist SET state = 'expired', live_id_no = NULL, updated_at = $1 WHERE schedule_id = $2 AND state = 'waiting'",
        vec![v(now), v(schedule_id)],
    )
    .await?;
    let s = get_schedule(&txn, schedule_id)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(schedule_id.to_owned()))?;
    // Every enabled app lists schedules: all hear that this one stopped.
    for a in super::entities::app::Entity::find().all(&txn).await? {
        apps.insert(a.app_id);
    }
    let data = serde_json::json!({
        "schedule": crate::wire::schedule_json(&s, 0),
        "reason": reason,
        "substitute_doctor_code": substitute,
    });
    for app in &apps {
        crate::notice::enqueue(
            &txn,
            app,
            NoticeType::ScheduleStopped,
            &format!("schedule.stopped-{}-{app}", s.id),
            data.clone(),
            &s.id,
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new("booking.schedule.stop", "booking_schedule", s.id.clone())
            .before(serde_json::json!({"status": "open"}))
            .after(serde_json::json!({"status": "stopped", "reason": reason, "substitute": substitute, "cancelled_tickets": live.len()})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(live.len())
}

/// Change a schedule's doctor or fee (tickets already taken keep the fee they were taken
/// with). Every app is told (`schedule.changed`). Audited.
pub async fn change_schedule(
    db: &Db,
    schedule_id: &str,
    doctor_code: Option<&str>,
    fee_fen: Option<i64>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<schedule::Model> {
    if fee_fen.is_some_and(|f| f < 0) {
        return Err(BookingError::invalid("挂号费不能为负").into());
    }
    let before = get_schedule(&**db, schedule_id)
        .await?
        .ok_or_else(|| BookingError::not_found(format!("没有排班 {schedule_id}")))?;
    let doctor = doctor_code
        .map(str::trim)
        .unwrap_or(&before.doctor_code)
        .to_owned();
    let fee = fee_fen.unwrap_or(before.fee_fen);
    if doctor == before.doctor_code && fee == before.fee_fen {
        return Err(BookingError::invalid("没有要修改的内容").into());
    }
    let txn = db.begin_write().await?;
    // Only an open schedule, and only as it was read: a concurrent change is not overwritten.
    let res = exec(
        &txn,
        "UPDATE booking_schedule SET doctor_code = $1, fee_fen = $2, updated_at = $3 \
         WHERE id = $4 AND status = 'open' AND doctor_code = $5 AND fee_fen = $6",
        vec![
            v(&doctor),
            v(fee),
            v(now),
            v(schedule_id),
            v(&before.doctor_code),
            v(before.fee_fen),
        ],
    )
    .await;
    let n = match res {
        Ok(n) => n,
        Err(e) if yiqiao_store::is_unique_violation(&e) => {
            return Err(BookingError::invalid("该医生在该日期和午别已有排班").into());
        }
        Err(e) => return Err(e.into()),
    };
    if n != 1 {
        txn.rollback().await?;
        return Err(
            BookingError::NotAllowed("排班已停诊或刚被他人修改，请刷新后重试".into()).into(),
        );
    }
    let s = get_schedule(&txn, schedule_id)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(schedule_id.to_owned()))?;
    notify_changed(&txn, &s, now).await?;
    audit::record(
        &txn,
        actor,
        Change::new("booking.schedule.change", "booking_schedule", s.id.clone())
            .before(
                serde_json::json!({"doctor_code": before.doctor_code, "fee_fen": before.fee_fen}),
            )
            .after(serde_json::json!({"doctor_code": s.doctor_code, "fee_fen": s.fee_fen})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// Tell every app that a schedule changed (`schedule.changed`), in the caller's transaction.
async fn notify_changed(
    txn: &DatabaseTransaction,
    s: &schedule::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let left = super::online_left(txn, &s.id).await?;
    for a in super::entities::app::Entity::find().all(txn).await? {
        crate::notice::enqueue(
            txn,
            &a.app_id,
            NoticeType::ScheduleChanged,
            // Each change is its own notice (two changes within one millisecond included);
            // the id is fixed when queued, so a resend carries the same one.
            &format!(
                "schedule.changed-{}-{}-{}",
                s.id,
                a.app_id,
                uuid::Uuid::now_v7().simple()
            ),
            crate::wire::schedule_json(s, left),
            &s.id,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The largest shift of a schedule's windows in one change (4 hours): more is a new schedule.
pub const MAX_SHIFT_MINUTES: i64 = 240;

/// 推迟/提前开诊: move every window of an open schedule by `minutes` (later when positive).
/// Live tickets move with their slots (window and check-in deadline); every app is told
/// (`schedule.changed`). No window may be moved to before now. Audited.
pub async fn shift_windows(
    db: &Db,
    rules: &Rules,
    schedule_id: &str,
    minutes: i64,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<schedule::Model> {
    let reason = reason.trim();
    if minutes == 0 || minutes.abs() > MAX_SHIFT_MINUTES {
        return Err(BookingError::invalid(format!(
            "调整分钟数应在 -{MAX_SHIFT_MINUTES} 到 {MAX_SHIFT_MINUTES} 之间且不为 0"
        ))
        .into());
    }
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BookingError::invalid("请填写调整原因（不超过 200 字）").into());
    }
    let before = get_schedule(&**db, schedule_id)
        .await?
        .ok_or_else(|| BookingError::not_found(format!("没有排班 {schedule_id}")))?;
    let shift = Duration::minutes(minutes);
    let txn = db.begin_write().await?;
    // Only an open schedule, and only as it was read: two people shifting at once do not add
    // their shifts up; the second is asked to look again.
    let n = exec(
        &txn,
        "UPDATE booking_schedule SET updated_at = $1 \
         WHERE id = $2 AND status = 'open' AND updated_at = $3",
        vec![v(now), v(schedule_id), v(before.updated_at)],
    )
    .await?;
    if n != 1 {
        txn.rollback().await?;
        return Err(
            BookingError::NotAllowed("排班已停诊或刚被他人修改，请刷新后重试".into()).into(),
        );
    }
    let slots = super::entities::slot::Entity::find()
        .filter(super::entities::slot::Column::ScheduleId.eq(schedule_id))
        .order_by_asc(super::entities::slot::Column::SeqNo)
        .all(&txn)
        .await?;
    if let Some(first) = slots.first()
        && first.window_start + shift < now
    {
        txn.rollback().await?;
        return Err(BookingError::invalid("不能把就诊时段提前到当前时间之前").into());
    }
    for slot in &slots {
        exec(
            &txn,
            "UPDATE booking_slot SET window_start = $1, window_end = $2 \
             WHERE schedule_id = $3 AND seq_no = $4",
            vec![
                v(slot.window_start + shift),
                v(slot.window_end + shift),
                v(schedule_id),
                v(slot.seq_no),
            ],
        )
        .await?;
    }
    let live = ticket::Entity::find()
        .filter(ticket::Column::ScheduleId.eq(schedule_id))
        .filter(ticket::Column::Status.eq(TicketState::Taken.as_str()))
        .all(&txn)
        .await?;
    for t in &live {
        let window_end = t.window_end + shift;
        exec(
            &txn,
            "UPDATE booking_ticket SET window_start = $1, window_end = $2, checkin_deadline = $3, \
             updated_at = $4 WHERE id = $5 AND status = $6",
            vec![
                v(t.window_start + shift),
                v(window_end),
                v(window_end + Duration::minutes(rules.checkin_grace_minutes)),
                v(now),
                v(&t.id),
                v(TicketState::Taken.as_str()),
            ],
        )
        .await?;
    }
    let s = get_schedule(&txn, schedule_id)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(schedule_id.to_owned()))?;
    notify_changed(&txn, &s, now).await?;
    audit::record(
        &txn,
        actor,
        Change::new("booking.schedule.shift", "booking_schedule", s.id.clone()).after(
            serde_json::json!({
                "shift_minutes": minutes,
                "reason": reason,
                "slots": slots.len(),
                "tickets_moved": live.len(),
            }),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// 加号: one extra on-site number after the last, in the last window. Audited.
pub async fn add_extra_slot(
    db: &Db,
    schedule_id: &str,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i32> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BookingError::invalid("加号原因应为 1 到 200 个字").into());
    }
    let txn = db.begin_write().await?;
    // Write first (the counter), so concurrent 加号 queue here and get distinct numbers.
    let n = exec(
        &txn,
        "UPDATE booking_schedule SET extra_total = extra_total + 1, updated_at = $1 WHERE id = $2 AND status = 'open'",
        vec![v(now), v(schedule_id)],
    )
    .await?;
    if n != 1 {
        txn.rollback().await?;
        return match get_schedule(&**db, schedule_id).await? {
            None => Err(BookingError::not_found(format!("没有排班 {schedule_id}")).into()),
            Some(s) => Err(BookingError::ScheduleStopped(
                s.stop_reason.map(|r| format!("：{r}")).unwrap_or_default(),
            )
            .into()),
        };
    }
    let last = one(
        &txn,
        "SELECT seq_no, window_start, window_end FROM booking_slot WHERE schedule_id = $1 ORDER BY seq_no DESC LIMIT 1",
        vec![v(schedule_id)],
    )
    .await?
    .ok_or_else(|| sea_orm::DbErr::RecordNotFound(schedule_id.to_owned()))?;
    let seq: i32 = last.try_get::<i32>("", "seq_no")? + 1;
    let ws: DateTime<Utc> = last.try_get("", "window_start")?;
    let we: DateTime<Utc> = last.try_get("", "window_end")?;
    exec(
        &txn,
        "INSERT INTO booking_slot (schedule_id, seq_no, pool, window_start, window_end, state, ticket_id, extra) \
         VALUES ($1, $2, 'onsite', $3, $4, 'free', NULL, $5)",
        vec![v(schedule_id), v(seq), v(ws), v(we), v(true)],
    )
    .await?;
    audit::record(
        &txn,
        actor,
        Change::new("booking.schedule.extra", "booking_schedule", schedule_id)
            .after(serde_json::json!({"seq_no": seq, "reason": reason})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(seq)
}

/// Schedules of a date range, optionally of one department.
pub async fn schedules_between<C: ConnectionTrait>(
    c: &C,
    from: NaiveDate,
    to: NaiveDate,
    dept: Option<&str>,
    doctor: Option<&str>,
) -> std::result::Result<Vec<schedule::Model>, sea_orm::DbErr> {
    let mut q = schedule::Entity::find()
        .filter(schedule::Column::Date.gte(from))
        .filter(schedule::Column::Date.lte(to));
    if let Some(d) = dept {
        q = q.filter(schedule::Column::DeptCode.eq(d));
    }
    if let Some(d) = doctor {
        q = q.filter(schedule::Column::DoctorCode.eq(d));
    }
    q.order_by_asc(schedule::Column::Date)
        .order_by_asc(schedule::Column::Session)
        .order_by_asc(schedule::Column::DeptCode)
        .order_by_asc(schedule::Column::DoctorCode)
        .all(c)
        .await
}
