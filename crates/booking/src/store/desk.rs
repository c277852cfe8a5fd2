//! The hospital's side of a ticket: check-in at the desk (报到) posting the fee to the visit,
//! settlement from the HIS feed, write-off (核销) by a person, the end-of-day job (爽约 and the
//! suspension rule), lifting a suspension.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::suspension;
use super::{Result, TicketView, all, exec, receivable, ticket, ticket_view, ticket_views, v};
use crate::config::Rules;
use crate::domain::BookingError;
use crate::domain::patient::{IdType, PatientId};
use crate::domain::ticket::{TicketState, ticket_no_from_scan};

/// Find tickets at the desk by ticket number, QR text or ID number (today's tickets).
pub async fn find_for_desk(db: &Db, query: &str, today: NaiveDate) -> Result<Vec<TicketView>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let no = ticket_no_from_scan(q);
    let mut found = ticket::Entity::find()
        .filter(ticket::Column::TicketNo.eq(no))
        .all(&**db)
        .await?;
    if found.is_empty() {
        let id = PatientId::parse(IdType::ResidentId, q)
            .or_else(|_| PatientId::parse(IdType::Other, q))
            .map_err(|_| BookingError::invalid("请输入取号凭条号、扫描二维码或输入证件号"))?;
        found = ticket::Entity::find()
            .filter(ticket::Column::IdNo.eq(id.as_str()))
            .filter(ticket::Column::VisitDate.eq(today))
            .order_by_asc(ticket::Column::WindowStart)
            .all(&**db)
            .await?;
    }
    Ok(ticket_views(&**db, found).await?)
}

fn load_err(id: &str) -> BookingError {
    BookingError::not_found(format!("没有取号记录 {id}"))
}

/// 报到: the patient is here. Refused when late (past the check-in deadline) or not today.
/// The fee is posted to the visit (the receivable becomes `posted`), the platform is told.
pub async fn check_in(
    db: &Db,
    ticket_id: &str,
    visit_id: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketView> {
    let t = ticket::Entity::find_by_id(ticket_id.to_owned())
        .one(&**db)
        .await?
        .ok_or_else(|| load_err(ticket_id))?;
    let state = TicketState::parse(&t.status).unwrap_or(TicketState::Cancelled);
    state.to(TicketState::CheckedIn)?;
    let today = super::local_date(now);
    if t.visit_date != today {
        return Err(BookingError::NotAllowed(format!(
            "该号为 {} 的号，不是今天的号，不能报到",
            t.visit_date
        ))
        .into());
    }
    if now > t.checkin_deadline {
        return Err(BookingError::NotAllowed(format!(
            "已超过报到截止时间 {}，不能报到，请重新挂号",
            yiqiao_core::time::format_local(t.checkin_deadline)
        ))
        .into());
    }
    let visit_id = visit_id.map(str::trim).filter(|s| !s.is_empty());
    let txn = db.begin_write().await?;
    let n = exec(
        &txn,
        "UPDATE booking_ticket SET status = 'checked_in', checked_in_at = $1, visit_id = $2, updated_at = $1 \
         WHERE id = $3 AND status = 'taken'",
        vec![v(now), v(visit_id.map(str::to_owned)), v(&t.id)],
    )
    .await?;
    if n != 1 {
        txn.rollback().await?;
        return Err(BookingError::NotAllowed("该号已被处理（已报到或已取消）".into()).into());
    }
    exec(
        &txn,
        "UPDATE booking_receivable SET state = 'posted', posted_at = $1, visit_id = $2, updated_at = $1 \
         WHERE ticket_id = $3 AND state = 'unpaid'",
        vec![v(now), v(visit_id.map(str::to_owned)), v(&t.id)],
    )
    .await?;
    let view = ticket_view(&txn, &t.id)
        .await?
        .ok_or_else(|| load_err(&t.id))?;
    super::tickets::ticket_notice(&txn, &view, now).await?;
    audit::record(
        &txn,
        actor,
        Change::new("booking.ticket.check_in", "booking_ticket", t.id.clone())
            .before(serde_json::json!({"status": t.status}))
            .after(serde_json::json!({"status": "checked_in", "visit_id": visit_id, "fee_fen": t.fee_fen})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// 核销: a person writes off an unpaid or posted receivable, with a reason.
pub async fn write_off(
    db: &Db,
    ticket_id: &str,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BookingError::invalid("核销原因应为 1 到 200 个字").into());
    }
    let txn = db.begin_write().await?;
    let n = exec(
        &txn,
        "UPDATE booking_receivable SET state = 'written_off', write_off_reason = $1, written_off_by = $2, \
         written_off_at = $3, updated_at = $3 WHERE ticket_id = $4 AND state IN ('unpaid', 'posted')",
        vec![v(reason), v(&actor.name), v(now), v(ticket_id)],
    )
    .await?;
    if n != 1 {
        txn.rollback().await?;
        return Err(
            BookingError::NotAllowed("该应收款不存在，或已结算、已核销、已作废".into()).into(),
        );
    }
    audit::record(
        &txn,
        actor,
        Change::new(
            "booking.receivable.write_off",
            "booking_receivable",
            ticket_id,
        )
        .after(serde_json::json!({"reason": reason})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What the HIS reported: checked-in tickets whose visit was seen become `visited`; posted
/// receivables whose visit was settled become `settled`. Returns (visited, settled).
pub async fn sync_from_his(db: &Db, now: DateTime<Utc>) -> Result<(usize, usize)> {
    let seen = all(
        &**db,
        "SELECT t.id AS id FROM booking_ticket t JOIN his_visit hv ON hv.id = t.visit_id \
         WHERE t.status = 'checked_in' AND hv.visited_at IS NOT NULL",
        vec![],
    )
    .await?;
    let actor = Actor::system("booking.his-sync");
    let mut visited = 0;
    for r in seen {
        let id: String = r.try_get("", "id")?;
        let txn = db.begin_write().await?;
        let n = exec(
            &txn,
            "UPDATE booking_ticket SET status = 'visited', visited_at = $1, updated_at = $1 WHERE id = $2 AND status = 'checked_in'",
            vec![v(now), v(&id)],
        )
        .await?;
        if n == 1 {
            if let Some(view) = ticket_view(&txn, &id).await? {
                super::tickets::ticket_notice(&txn, &view, now).await?;
            }
            audit::record(
                &txn,
                &actor,
                Change::new("booking.ticket.visited", "booking_ticket", id.clone()),
                now,
            )
            .await?;
            visited += 1;
        }
        txn.commit().await?;
    }
    let settled_rows = all(
        &**db,
        "SELECT r.ticket_id AS id FROM booking_receivable r JOIN his_visit hv ON hv.id = r.visit_id \
         WHERE r.state = 'posted' AND hv.settled_at IS NOT NULL",
        vec![],
    )
    .await?;
    let mut settled = 0;
    for r in settled_rows {
        let id: String = r.try_get("", "id")?;
        let txn = db.begin_write().await?;
        let n = exec(
            &txn,
            "UPDATE booking_receivable SET state = 'settled', settled_at = $1, updated_at = $1 WHERE ticket_id = $2 AND state = 'posted'",
            vec![v(now), v(&id)],
        )
        .await?;
        if n == 1 {
            audit::record(
                &txn,
                &actor,
                Change::new(
                    "booking.receivable.settle",
                    "booking_receivable",
                    id.clone(),
                ),
                now,
            )
            .await?;
            settled += 1;
        }
        txn.commit().await?;
    }
    Ok((visited, settled))
}

/// What the end-of-day job did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EndOfDay {
    pub no_shows: usize,
    pub suspended: usize,
    pub visited: usize,
    pub settled: usize,
}

/// The end-of-day job: tickets not checked in by their deadline become 爽约 (the platform is
/// told), the suspension rule is applied to their ID numbers, and the HIS's visits and
/// settlements are taken over. Safe to run again: each change is conditional.
pub async fn end_of_day(db: &Db, rules: &Rules, now: DateTime<Utc>) -> Result<EndOfDay> {
    let mut out = EndOfDay::default();
    let late = ticket::Entity::find()
        .filter(ticket::Column::Status.eq(TicketState::Taken.as_str()))
        .filter(ticket::Column::CheckinDeadline.lt(now))
        .all(&**db)
        .await?;
    let actor = Actor::system("booking.end-of-day");
    let mut ids = std::collections::BTreeSet::new();
    for t in late {
        let txn = db.begin_write().await?;
        let n = exec(
            &txn,
            "UPDATE booking_ticket SET status = 'no_show', no_show_at = $1, updated_at = $1 WHERE id = $2 AND status = 'taken'",
            vec![v(now), v(&t.id)],
        )
        .await?;
        if n == 1 {
            // Nothing was provided: nothing is owed.
            exec(
                &txn,
                "UPDATE booking_receivable SET state = 'void', updated_at = $1 WHERE ticket_id = $2 AND state = 'unpaid'",
                vec![v(now), v(&t.id)],
            )
            .await?;
            if let Some(view) = ticket_view(&txn, &t.id).await? {
                super::tickets::ticket_notice(&txn, &view, now).await?;
            }
            audit::record(
                &txn,
                &actor,
                Change::new("booking.ticket.no_show", "booking_ticket", t.id.clone()),
                now,
            )
            .await?;
            out.no_shows += 1;
            ids.insert(t.id_no.clone());
        }
        txn.commit().await?;
    }
    for id_no in ids {
        let times: Vec<DateTime<Utc>> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::NoShowAt)
            .filter(ticket::Column::IdNo.eq(&id_no))
            .filter(ticket::Column::Status.eq(TicketState::NoShow.as_str()))
            .filter(ticket::Column::NoShowAt.gte(rules.no_show.window_start(now)))
            .into_tuple::<Option<DateTime<Utc>>>()
            .all(&**db)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let Some(until) = rules.no_show.suspension(&times, now) else {
            continue;
        };
        if super::tickets::active_suspension(&**db, &id_no, now)
            .await?
            .is_some()
        {
            continue;
        }
        let txn = db.begin_write().await?;
        let reason = format!("{} 天内爽约 {} 次", rules.no_show.within_days, times.len());
        exec(
            &txn,
            "INSERT INTO booking_suspension (id_no, since, until, reason) VALUES ($1, $2, $3, $4)",
            vec![v(&id_no), v(now), v(until), v(&reason)],
        )
        .await?;
        audit::record(
            &txn,
            &actor,
            Change::new("booking.suspension.add", "booking_suspension", yiqiao_core::mask_id_no(&id_no))
                .after(serde_json::json!({"until": yiqiao_core::time::format_local(until), "reason": reason})),
            now,
        )
        .await?;
        txn.commit().await?;
        out.suspended += 1;
    }
    let (visited, settled) = sync_from_his(db, now).await?;
    out.visited = visited;
    out.settled = settled;
    Ok(out)
}

/// Staff lift a suspension (audited).
pub async fn lift_suspension(
    db: &Db,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BookingError::invalid("解除原因应为 1 到 200 个字").into());
    }
    let txn = db.begin_write().await?;
    let n = exec(
        &txn,
        "UPDATE booking_suspension SET lifted_at = $1, lifted_by = $2, lift_reason = $3 WHERE id = $4 AND lifted_at IS NULL",
        vec![v(now), v(&actor.name), v(reason), v(id)],
    )
    .await?;
    if n != 1 {
        txn.rollback().await?;
        return Err(BookingError::NotAllowed("该停约记录不存在或已解除".into()).into());
    }
    audit::record(
        &txn,
        actor,
        Change::new(
            "booking.suspension.lift",
            "booking_suspension",
            id.to_string(),
        )
        .after(serde_json::json!({"reason": reason})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Suspensions in force and recently ended.
pub async fn suspensions(db: &Db) -> std::result::Result<Vec<suspension::Model>, sea_orm::DbErr> {
    suspension::Entity::find()
        .order_by_desc(suspension::Column::Id)
        .limit(500)
        .all(&**db)
        .await
}

/// Receivables checked in but never settled (逃费 follow-up), oldest first.
pub async fn never_settled(
    db: &Db,
    before: NaiveDate,
) -> std::result::Result<Vec<receivable::Model>, sea_orm::DbErr> {
    receivable::Entity::find()
        .filter(receivable::Column::State.eq("posted"))
        .filter(receivable::Column::VisitDate.lt(before))
        .order_by_asc(receivable::Column::VisitDate)
        .limit(1000)
        .all(&**db)
        .await
}
