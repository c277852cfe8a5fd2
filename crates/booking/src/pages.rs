//! The hospital's pages: schedules and templates, 停诊 and 加号 (outpatient office), the
//! check-in desk, tickets, the receivable ledger and the daily report (registration), the
//! blacklist of suspended ID numbers, and the platform apps (administrator).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, NaiveTime};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use yiqiao_core::Role;
use yiqiao_core::time::{format_local, parse_date};
use yiqiao_core::{Fen, mask_id_no, mask_name};
use yiqiao_http::{Access, AppError, CsrfForm, CurrentUser, NavItem, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::api::BookingState;
use crate::domain::BookingError;
use crate::domain::schedule::{Level, Session, SlotLayout, weekday_label};
use crate::domain::ticket::{Channel, ReceivableState, TicketState, qr_text};
use crate::store::{self, TicketView, all, desk, planning, platform, v};

/// 门诊办: schedules, 停诊, 加号, blacklist.
pub const OFFICE: Access = Access::Roles(&[Role::OutpatientOffice]);
/// 挂号收费处: check-in, tickets, receivables.
pub const DESK: Access = Access::Roles(&[Role::Registration]);
/// Both read schedules, tickets and the report.
pub const READ: Access = Access::Roles(&[Role::OutpatientOffice, Role::Registration]);
pub const ADMIN: Access = Access::Roles(&[Role::Admin]);

/// The navigation entries of booking.
pub fn navigation() -> Vec<NavItem> {
    let item = |label, href, access| NavItem {
        group: "号源预约",
        label,
        href,
        access,
    };
    vec![
        item("排班与号源", "/booking/schedules", READ),
        item("排班模板", "/booking/templates", OFFICE),
        item("报到台", "/booking/desk", DESK),
        item("取号记录", "/booking/tickets", READ),
        item("托收台账", "/booking/receivables", DESK),
        item("日报", "/booking/report", READ),
        item("爽约停约名单", "/booking/blacklist", OFFICE),
        item("健康台州接入应用", "/admin/platform-apps", ADMIN),
    ]
}

/// The pages' routes.
pub fn routes(state: BookingState) -> Routes<()> {
    Routes::<BookingState>::new()
        .page_get("/booking/schedules", READ, get(schedules_page))
        .page_post("/booking/schedules", OFFICE, post(schedule_create))
        .page_get("/booking/schedules/{id}", READ, get(schedule_page))
        .page_post("/booking/schedules/{id}/stop", OFFICE, post(schedule_stop))
        .page_post(
            "/booking/schedules/{id}/extra",
            OFFICE,
            post(schedule_extra),
        )
        .page_post(
            "/booking/schedules/{id}/change",
            OFFICE,
            post(schedule_change),
        )
        .page_post(
            "/booking/schedules/{id}/shift",
            OFFICE,
            post(schedule_shift),
        )
        .page_get("/booking/templates", OFFICE, get(templates_page))
        .page_post("/booking/templates", OFFICE, post(template_create))
        .page_post(
            "/booking/templates/generate",
            OFFICE,
            post(templates_generate),
        )
        .page_get("/booking/desk", DESK, get(desk_page))
        .page_post(
            "/booking/desk/{ticket_id}/check-in",
            DESK,
            post(desk_check_in),
        )
        .page_get("/booking/tickets", READ, get(tickets_page))
        .page_get("/booking/receivables", DESK, get(receivables_page))
        .page_post(
            "/booking/receivables/{ticket_id}/write-off",
            DESK,
            post(receivable_write_off),
        )
        .page_post("/booking/end-of-day", DESK, post(end_of_day))
        .page_get("/booking/report", READ, get(report_page))
        .page_get("/booking/blacklist", OFFICE, get(blacklist_page))
        .page_post("/booking/blacklist/{id}/lift", OFFICE, post(blacklist_lift))
        .page_get("/admin/platform-apps", ADMIN, get(apps_page))
        .page_post("/admin/platform-apps", ADMIN, post(app_create))
        .page_post(
            "/admin/platform-apps/{app_id}/enabled",
            ADMIN,
            post(app_enable),
        )
        .with_state(state)
}

fn html(t: impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

fn actor(me: &CurrentUser) -> Actor {
    Actor::person(me.actor())
}

fn today(st: &BookingState) -> NaiveDate {
    store::local_date(st.clock.now())
}

fn date_param(s: Option<&str>, default: NaiveDate) -> Result<NaiveDate, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => parse_date(s)
            .map_err(|_| AppError::bad_request("BAD_DATE", format!("日期「{s}」应为 YYYY-MM-DD"))),
    }
}

fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

fn session_label(s: &str) -> &'static str {
    Session::parse(s).map(Session::label).unwrap_or("？")
}
fn level_label(s: &str) -> &'static str {
    Level::parse(s).map(Level::label).unwrap_or("？")
}
fn channel_label(s: &str) -> &'static str {
    Channel::parse(s).map(Channel::label).unwrap_or("？")
}
fn state_label(s: &str) -> &'static str {
    TicketState::parse(s)
        .map(TicketState::label)
        .unwrap_or("？")
}

/// Names of departments and doctors, for tables.
struct Names {
    depts: std::collections::HashMap<String, String>,
    staff: std::collections::HashMap<String, String>,
}

impl Names {
    async fn load(st: &BookingState) -> Result<Names, AppError> {
        use yiqiao_his::store::entities::{department, staff};
        let depts = department::Entity::find().all(&*st.db).await?;
        let people = staff::Entity::find()
            .filter(staff::Column::Role.eq("doctor"))
            .all(&*st.db)
            .await?;
        Ok(Names {
            depts: depts.into_iter().map(|d| (d.code, d.name)).collect(),
            staff: people.into_iter().map(|s| (s.code, s.name)).collect(),
        })
    }
    fn dept(&self, code: &str) -> String {
        self.depts
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
    fn doctor(&self, code: &str) -> String {
        if code.is_empty() {
            return "普通门诊".into();
        }
        self.staff
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

// ---- schedules ----

struct ScheduleRow {
    id: String,
    date: String,
    session: &'static str,
    dept: String,
    doctor: String,
    level: &'static str,
    fee: String,
    status: String,
    online_total: i32,
    online_left: i64,
    onsite_total: i32,
    extra: i32,
    release_at: String,
}

async fn schedule_rows(
    st: &BookingState,
    list: Vec<store::schedule::Model>,
) -> Result<Vec<ScheduleRow>, AppError> {
    let names = Names::load(st).await?;
    let mut rows = Vec::new();
    for s in list {
        rows.push(ScheduleRow {
            online_left: store::online_left(&*st.db, &s.id).await?,
            date: s.date.to_string(),
            session: session_label(&s.session),
            dept: names.dept(&s.dept_code),
            doctor: names.doctor(&s.doctor_code),
            level: level_label(&s.level),
            fee: yuan(s.fee_fen),
            status: if s.status == "stopped" {
                format!("停诊：{}", s.stop_reason.clone().unwrap_or_default())
            } else {
                "出诊".into()
            },
            online_total: s.online_total,
            onsite_total: s.onsite_total,
            extra: s.extra_total,
            release_at: format_local(s.release_at),
            id: s.id,
        });
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "booking_schedules.html")]
struct SchedulesPage {
    shell: Shell,
    date: String,
    dept: String,
    rows: Vec<ScheduleRow>,
    can_edit: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct DateDept {
    date: Option<String>,
    dept: Option<String>,
}

async fn schedules_page(
    State(st): State<BookingState>,
    shell: Shell,
    Query(q): Query<DateDept>,
) -> Result<Response, AppError> {
    let date = date_param(q.date.as_deref(), today(&st))?;
    let dept = q.dept.unwrap_or_default().trim().to_owned();
    let list = planning::schedules_between(
        &*st.db,
        date,
        date,
        Some(dept.as_str()).filter(|d| !d.is_empty()),
        None,
    )
    .await?;
    let can_edit = shell.has(Role::OutpatientOffice);
    html(SchedulesPage {
        shell,
        date: date.to_string(),
        dept,
        rows: schedule_rows(&st, list).await?,
        can_edit,
        error: None,
    })
}

#[derive(Deserialize)]
struct ScheduleForm {
    #[serde(default)]
    dept_code: String,
    #[serde(default)]
    doctor_code: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    fee_yuan: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    windows: String,
    #[serde(default)]
    per_window: String,
    #[serde(default)]
    onsite_per_window: String,
    #[serde(default)]
    weekday: String,
}

fn num(s: &str, what: &str) -> Result<u32, BookingError> {
    s.trim()
        .parse()
        .map_err(|_| BookingError::invalid(format!("{what}应为整数")))
}

impl ScheduleForm {
    fn layout(&self) -> Result<SlotLayout, BookingError> {
        let start = NaiveTime::parse_from_str(self.start.trim(), "%H:%M")
            .map_err(|_| BookingError::invalid("开始时间应为 HH:MM"))?;
        SlotLayout::new(
            start,
            30,
            num(&self.windows, "时段数")?,
            num(&self.per_window, "每时段号数")?,
            num(&self.onsite_per_window, "每时段现场号数")?,
        )
    }
    fn fee(&self) -> Result<i64, BookingError> {
        Fen::parse_yuan(self.fee_yuan.trim())
            .map(|f| f.0)
            .map_err(|_| BookingError::invalid("挂号费应为金额（元），如 15 或 15.00"))
    }
    fn dept(&self) -> Result<String, BookingError> {
        let d = self.dept_code.trim();
        if d.is_empty() {
            return Err(BookingError::invalid("请填写科室代码"));
        }
        Ok(d.to_owned())
    }
}

async fn schedule_create(
    State(st): State<BookingState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ScheduleForm>,
) -> Result<Response, AppError> {
    let date = date_param(Some(&f.date), today(&st))?;
    let n = planning::NewSchedule {
        dept_code: f.dept()?,
        doctor_code: f.doctor_code.trim().to_owned(),
        date,
        session: Session::parse(f.session.trim())?,
        level: Level::parse(f.level.trim())?,
        fee_fen: f.fee()?,
        layout: f.layout()?,
        template_id: None,
    };
    let s = planning::create_schedule(&st.db, &st.rules, &n, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to(&format!("/booking/schedules/{}", s.id)).into_response())
}

struct SlotRow {
    seq_no: i32,
    window: String,
    pool: &'static str,
    state: &'static str,
    ticket_no: String,
    patient: String,
    extra: bool,
}

#[derive(Template)]
#[template(path = "booking_schedule.html")]
struct SchedulePage {
    shell: Shell,
    s: ScheduleRow,
    stopped: bool,
    substitute: String,
    slots: Vec<SlotRow>,
    can_edit: bool,
}

async fn schedule_page(
    State(st): State<BookingState>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let s = store::get_schedule(&*st.db, &id)
        .await?
        .ok_or_else(|| AppError::not_found("没有这个排班"))?;
    let stopped = s.status == "stopped";
    let substitute = s.substitute_doctor.clone().unwrap_or_default();
    let rows = all(
        &*st.db,
        "SELECT sl.seq_no, sl.pool, sl.state, sl.extra, sl.window_start, sl.window_end, t.ticket_no, t.patient_name, t.status \
         FROM booking_slot sl LEFT JOIN booking_ticket t ON t.id = sl.ticket_id WHERE sl.schedule_id = $1 ORDER BY sl.seq_no",
        vec![v(&id)],
    )
    .await?;
    let mut slots = Vec::new();
    for r in rows {
        let ws: chrono::DateTime<chrono::Utc> = r.try_get("", "window_start")?;
        let we: chrono::DateTime<chrono::Utc> = r.try_get("", "window_end")?;
        let state: String = r.try_get("", "state")?;
        let pool: String = r.try_get("", "pool")?;
        let tstatus: Option<String> = r.try_get("", "status")?;
        slots.push(SlotRow {
            seq_no: r.try_get("", "seq_no")?,
            window: format!(
                "{}–{}",
                &format_local(ws)[11..16],
                &format_local(we)[11..16]
            ),
            pool: if pool == "online" { "网上" } else { "现场" },
            state: match (state.as_str(), tstatus.as_deref()) {
                ("taken", Some(t)) => state_label(t),
                ("taken", None) => "已占用",
                ("closed", _) => "停诊关闭",
                _ => "空闲",
            },
            ticket_no: r
                .try_get::<Option<String>>("", "ticket_no")?
                .unwrap_or_default(),
            patient: r
                .try_get::<Option<String>>("", "patient_name")?
                .map(|n| mask_name(&n))
                .unwrap_or_default(),
            extra: r.try_get("", "extra")?,
        });
    }
    let can_edit = shell.has(Role::OutpatientOffice);
    let s = schedule_rows(&st, vec![s])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("没有这个排班"))?;
    html(SchedulePage {
        shell,
        s,
        stopped,
        substitute,
        slots,
        can_edit,
    })
}

#[derive(Deserialize)]
struct StopForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    substitute: String,
}

async fn schedule_stop(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StopForm>,
) -> Result<Response, AppError> {
    let sub = Some(f.substitute.trim()).filter(|s| !s.is_empty());
    planning::stop_schedule(&st.db, &id, &f.reason, sub, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to(&format!("/booking/schedules/{id}")).into_response())
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn schedule_extra(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    planning::add_extra_slot(&st.db, &id, &f.reason, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to(&format!("/booking/schedules/{id}")).into_response())
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    doctor_code: String,
    #[serde(default)]
    fee_yuan: String,
}

async fn schedule_change(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> Result<Response, AppError> {
    let doctor = Some(f.doctor_code.trim()).filter(|s| !s.is_empty());
    let fee = match f.fee_yuan.trim() {
        "" => None,
        s => Some(
            Fen::parse_yuan(s)
                .map(|f| f.0)
                .map_err(|_| BookingError::invalid("挂号费应为金额（元），如 15 或 15.00"))?,
        ),
    };
    planning::change_schedule(&st.db, &id, doctor, fee, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to(&format!("/booking/schedules/{id}")).into_response())
}

#[derive(Deserialize)]
struct ShiftForm {
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    reason: String,
}

async fn schedule_shift(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ShiftForm>,
) -> Result<Response, AppError> {
    let minutes: i64 = f.minutes.trim().parse().map_err(|_| {
        BookingError::invalid("调整分钟数应为整数：推迟为正数（如 30），提前为负数（如 -15）")
    })?;
    planning::shift_windows(
        &st.db,
        &st.rules,
        &id,
        minutes,
        &f.reason,
        &actor(&me),
        st.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/booking/schedules/{id}")).into_response())
}

// ---- templates ----

struct TemplateRow {
    dept: String,
    doctor: String,
    weekday: &'static str,
    session: &'static str,
    level: &'static str,
    fee: String,
    layout: String,
}

#[derive(Template)]
#[template(path = "booking_templates.html")]
struct TemplatesPage {
    shell: Shell,
    rows: Vec<TemplateRow>,
    generated: Option<usize>,
}

#[derive(Deserialize)]
struct Generated {
    generated: Option<usize>,
}

async fn templates_page(
    State(st): State<BookingState>,
    shell: Shell,
    Query(g): Query<Generated>,
) -> Result<Response, AppError> {
    let names = Names::load(&st).await?;
    let rows = planning::list_templates(&*st.db)
        .await?
        .into_iter()
        .map(|t| TemplateRow {
            dept: names.dept(&t.dept_code),
            doctor: names.doctor(&t.doctor_code),
            weekday: weekday_label(t.weekday as u32),
            session: session_label(&t.session),
            level: level_label(&t.level),
            fee: yuan(t.fee_fen),
            layout: format!(
                "{} 起 {} 个时段 × {} 号（现场 {}）",
                t.start_time, t.windows, t.per_window, t.onsite_per_window
            ),
        })
        .collect();
    html(TemplatesPage {
        shell,
        rows,
        generated: g.generated,
    })
}

async fn template_create(
    State(st): State<BookingState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ScheduleForm>,
) -> Result<Response, AppError> {
    let t = planning::NewTemplate {
        dept_code: f.dept()?,
        doctor_code: f.doctor_code.trim().to_owned(),
        weekday: num(&f.weekday, "星期")?,
        session: Session::parse(f.session.trim())?,
        level: Level::parse(f.level.trim())?,
        fee_fen: f.fee()?,
        layout: f.layout()?,
    };
    planning::add_template(&st.db, &t, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to("/booking/templates").into_response())
}

#[derive(Deserialize)]
struct GenerateForm {
    #[serde(default)]
    days: String,
}

async fn templates_generate(
    State(st): State<BookingState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<GenerateForm>,
) -> Result<Response, AppError> {
    let days = num(&f.days, "天数")?;
    if !(1..=60).contains(&days) {
        return Err(BookingError::invalid("天数应为 1 到 60").into());
    }
    let n = planning::generate(
        &st.db,
        &st.rules,
        today(&st),
        days,
        &actor(&me),
        st.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/booking/templates?generated={n}")).into_response())
}

// ---- desk and tickets ----

struct TicketRow {
    id: String,
    ticket_no: String,
    qr: String,
    date: String,
    window: String,
    dept: String,
    doctor: String,
    seq_no: i32,
    patient: String,
    id_no: String,
    channel: &'static str,
    status: &'static str,
    fee: String,
    can_check_in: bool,
}

async fn ticket_rows(
    st: &BookingState,
    views: Vec<TicketView>,
) -> Result<Vec<TicketRow>, AppError> {
    let names = Names::load(st).await?;
    Ok(views
        .into_iter()
        .map(|v| {
            let t = v.ticket;
            TicketRow {
                qr: qr_text(&t.ticket_no),
                date: t.visit_date.to_string(),
                window: format!(
                    "{}–{}",
                    &format_local(t.window_start)[11..16],
                    &format_local(t.window_end)[11..16]
                ),
                dept: names.dept(&v.dept_code),
                doctor: names.doctor(&v.doctor_code),
                seq_no: t.seq_no,
                patient: mask_name(&t.patient_name),
                id_no: mask_id_no(&t.id_no),
                channel: channel_label(&t.channel),
                status: state_label(&t.status),
                fee: yuan(t.fee_fen),
                can_check_in: t.status == "taken",
                ticket_no: t.ticket_no,
                id: t.id,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "booking_desk.html")]
struct DeskPage {
    shell: Shell,
    q: String,
    rows: Vec<TicketRow>,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct DeskQuery {
    q: Option<String>,
    done: Option<String>,
}

async fn desk_page(
    State(st): State<BookingState>,
    shell: Shell,
    Query(q): Query<DeskQuery>,
) -> Result<Response, AppError> {
    let query = q.q.unwrap_or_default();
    let (rows, error) = match desk::find_for_desk(&st.db, &query, today(&st)).await {
        Ok(v) => (ticket_rows(&st, v).await?, None),
        Err(store::Failure::Refused(e)) => (Vec::new(), Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let error = error.or_else(|| {
        (!query.trim().is_empty() && rows.is_empty()).then(|| "没有找到今天的取号记录".to_owned())
    });
    html(DeskPage {
        shell,
        q: query,
        rows,
        message: q.done.map(|n| format!("已报到：{n}，挂号费已记入就诊")),
        error,
    })
}

#[derive(Deserialize)]
struct CheckInForm {
    #[serde(default)]
    visit_id: String,
}

async fn desk_check_in(
    State(st): State<BookingState>,
    me: CurrentUser,
    shell: Shell,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CheckInForm>,
) -> Result<Response, AppError> {
    let visit = Some(f.visit_id.trim()).filter(|s| !s.is_empty());
    match desk::check_in(&st.db, &id, visit, &actor(&me), st.clock.now()).await {
        Ok(v) => {
            Ok(Redirect::to(&format!("/booking/desk?done={}", v.ticket.ticket_no)).into_response())
        }
        // A late patient is told why, on the desk page itself.
        Err(store::Failure::Refused(e)) if matches!(e, BookingError::NotAllowed(_)) => {
            let views = store::ticket_view(&*st.db, &id)
                .await?
                .into_iter()
                .collect();
            html(DeskPage {
                shell,
                q: String::new(),
                rows: ticket_rows(&st, views).await?,
                message: None,
                error: Some(e.to_string()),
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "booking_tickets.html")]
struct TicketsPage {
    shell: Shell,
    date: String,
    /// (code, label, selected)
    statuses: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<TicketRow>,
}

#[derive(Deserialize)]
struct TicketsQuery {
    date: Option<String>,
    status: Option<String>,
}

async fn tickets_page(
    State(st): State<BookingState>,
    shell: Shell,
    Query(q): Query<TicketsQuery>,
) -> Result<Response, AppError> {
    let date = date_param(q.date.as_deref(), today(&st))?;
    let status = q.status.unwrap_or_default();
    let mut query = store::ticket::Entity::find().filter(store::ticket::Column::VisitDate.eq(date));
    if let Some(s) = TicketState::parse(&status) {
        query = query.filter(store::ticket::Column::Status.eq(s.as_str()));
    }
    let list = query
        .order_by_asc(store::ticket::Column::WindowStart)
        .all(&*st.db)
        .await?;
    let views = store::ticket_views(&*st.db, list).await?;
    html(TicketsPage {
        shell,
        date: date.to_string(),
        statuses: TicketState::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), s.as_str() == status))
            .collect(),
        rows: ticket_rows(&st, views).await?,
    })
}

// ---- receivables ----

struct LedgerRow {
    channel: &'static str,
    cells: Vec<String>,
}

struct OpenRow {
    ticket_id: String,
    ticket_no: String,
    date: String,
    patient: String,
    id_no: String,
    phone: String,
    visit_id: String,
    amount: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "booking_receivables.html")]
struct ReceivablesPage {
    shell: Shell,
    date: String,
    states: Vec<&'static str>,
    ledger: Vec<LedgerRow>,
    never_settled: Vec<OpenRow>,
    error: Option<String>,
}

async fn receivables_page(
    State(st): State<BookingState>,
    shell: Shell,
    Query(q): Query<DateDept>,
) -> Result<Response, AppError> {
    let date = date_param(q.date.as_deref(), today(&st))?;
    let rows = all(
        &*st.db,
        "SELECT channel, state, COUNT(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS amount FROM booking_receivable \
         WHERE visit_date = $1 GROUP BY channel, state",
        vec![v(date)],
    )
    .await?;
    let mut ledger = Vec::new();
    for ch in Channel::ALL {
        let mut cells = Vec::new();
        let mut any = false;
        for s in ReceivableState::ALL {
            let found = rows.iter().find(|r| {
                r.try_get::<String>("", "channel").ok().as_deref() == Some(ch.as_str())
                    && r.try_get::<String>("", "state").ok().as_deref() == Some(s.as_str())
            });
            let (n, amount) = match found {
                Some(r) => (
                    r.try_get::<i64>("", "n").unwrap_or(0),
                    r.try_get::<Option<i64>>("", "amount")
                        .ok()
                        .flatten()
                        .unwrap_or(0),
                ),
                None => (0, 0),
            };
            any |= n > 0;
            cells.push(format!("{n} 笔 / {} 元", yuan(amount)));
        }
        if any {
            ledger.push(LedgerRow {
                channel: ch.label(),
                cells,
            });
        }
    }
    let open = desk::never_settled(&st.db, today(&st)).await?;
    let mut never_settled = Vec::new();
    for r in open {
        if let Some(t) = store::ticket::Entity::find_by_id(r.ticket_id.clone())
            .one(&*st.db)
            .await?
        {
            never_settled.push(OpenRow {
                ticket_id: t.id,
                ticket_no: t.ticket_no,
                date: r.visit_date.to_string(),
                patient: t.patient_name,
                id_no: mask_id_no(&t.id_no),
                phone: t.phone,
                visit_id: r.visit_id.unwrap_or_default(),
                amount: yuan(r.amount_fen),
                state: ReceivableState::parse(&r.state)
                    .map(ReceivableState::label)
                    .unwrap_or("？"),
            });
        }
    }
    html(ReceivablesPage {
        shell,
        date: date.to_string(),
        states: ReceivableState::ALL.iter().map(|s| s.label()).collect(),
        ledger,
        never_settled,
        error: None,
    })
}

async fn receivable_write_off(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    desk::write_off(&st.db, &id, &f.reason, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to("/booking/receivables").into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn end_of_day(
    State(st): State<BookingState>,
    me: CurrentUser,
    CsrfForm(_f): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let r = desk::end_of_day(&st.db, &st.rules, st.clock.now()).await?;
    tracing::info!(by = %me.username, no_shows = r.no_shows, suspended = r.suspended, "booking end of day run by hand");
    Ok(Redirect::to("/booking/report").into_response())
}

// ---- report ----

struct ReportRow {
    label: String,
    taken: i64,
    checked_in: i64,
    visited: i64,
    no_show: i64,
    cancelled: i64,
}

#[derive(Template)]
#[template(path = "booking_report.html")]
struct ReportPage {
    shell: Shell,
    date: String,
    by_channel: Vec<ReportRow>,
    by_dept: Vec<ReportRow>,
}

fn report_rows(
    rows: &[sea_orm::QueryResult],
    key: &str,
    label: impl Fn(&str) -> String,
) -> Vec<ReportRow> {
    let mut out: Vec<ReportRow> = Vec::new();
    for r in rows {
        let k: String = r.try_get("", key).unwrap_or_default();
        let status: String = r.try_get("", "status").unwrap_or_default();
        let n: i64 = r.try_get("", "n").unwrap_or(0);
        let lbl = label(&k);
        let idx = match out.iter().position(|x| x.label == lbl) {
            Some(i) => i,
            None => {
                out.push(ReportRow {
                    label: lbl,
                    taken: 0,
                    checked_in: 0,
                    visited: 0,
                    no_show: 0,
                    cancelled: 0,
                });
                out.len() - 1
            }
        };
        let row = &mut out[idx];
        // "Taken" counts every ticket of the day; the others are their current states.
        row.taken += n;
        match status.as_str() {
            "checked_in" => row.checked_in += n,
            "visited" => {
                row.visited += n;
                row.checked_in += n;
            }
            "no_show" => row.no_show += n,
            "cancelled" | "cancelled_by_hospital" => row.cancelled += n,
            _ => {}
        }
    }
    out
}

async fn report_page(
    State(st): State<BookingState>,
    shell: Shell,
    Query(q): Query<DateDept>,
) -> Result<Response, AppError> {
    let date = date_param(q.date.as_deref(), today(&st))?;
    let by_channel = all(
        &*st.db,
        "SELECT channel, status, COUNT(*) AS n FROM booking_ticket WHERE visit_date = $1 GROUP BY channel, status ORDER BY channel",
        vec![v(date)],
    )
    .await?;
    let by_dept = all(
        &*st.db,
        "SELECT s.dept_code AS dept_code, t.status AS status, COUNT(*) AS n FROM booking_ticket t \
         JOIN booking_schedule s ON s.id = t.schedule_id WHERE t.visit_date = $1 GROUP BY s.dept_code, t.status ORDER BY s.dept_code",
        vec![v(date)],
    )
    .await?;
    let names = Names::load(&st).await?;
    html(ReportPage {
        shell,
        date: date.to_string(),
        by_channel: report_rows(&by_channel, "channel", |c| channel_label(c).to_owned()),
        by_dept: report_rows(&by_dept, "dept_code", |d| names.dept(d)),
    })
}

// ---- blacklist ----

struct SuspensionRow {
    id: i64,
    id_no: String,
    since: String,
    until: String,
    reason: String,
    lifted: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "booking_blacklist.html")]
struct BlacklistPage {
    shell: Shell,
    rows: Vec<SuspensionRow>,
}

async fn blacklist_page(
    State(st): State<BookingState>,
    shell: Shell,
) -> Result<Response, AppError> {
    let now = st.clock.now();
    let rows = desk::suspensions(&st.db)
        .await?
        .into_iter()
        .map(|s| SuspensionRow {
            id: s.id,
            id_no: mask_id_no(&s.id_no),
            since: format_local(s.since),
            until: format_local(s.until),
            reason: s.reason,
            lifted: match (&s.lifted_at, &s.lifted_by) {
                (Some(at), by) => format!(
                    "{} 由 {} 解除：{}",
                    format_local(*at),
                    by.clone().unwrap_or_default(),
                    s.lift_reason.clone().unwrap_or_default()
                ),
                _ => String::new(),
            },
            active: s.lifted_at.is_none() && s.until > now,
        })
        .collect();
    html(BlacklistPage { shell, rows })
}

async fn blacklist_lift(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found("没有这条停约记录"))?;
    desk::lift_suspension(&st.db, id, &f.reason, &actor(&me), st.clock.now()).await?;
    Ok(Redirect::to("/booking/blacklist").into_response())
}

// ---- platform apps ----

struct AppRow {
    app_id: String,
    name: String,
    callback_url: String,
    enabled: bool,
    created_at: String,
}

#[derive(Template)]
#[template(path = "booking_apps.html")]
struct AppsPage {
    shell: Shell,
    rows: Vec<AppRow>,
    new_secret: Option<(String, String)>,
    error: Option<String>,
}

async fn render_apps(
    st: &BookingState,
    shell: Shell,
    new_secret: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let rows = platform::list_apps(&st.db)
        .await?
        .into_iter()
        .map(|a| AppRow {
            app_id: a.app_id,
            name: a.name,
            callback_url: a.callback_url.unwrap_or_default(),
            enabled: a.enabled,
            created_at: format_local(a.created_at),
        })
        .collect();
    html(AppsPage {
        shell,
        rows,
        new_secret,
        error,
    })
}

async fn apps_page(State(st): State<BookingState>, shell: Shell) -> Result<Response, AppError> {
    render_apps(&st, shell, None, None).await
}

#[derive(Deserialize)]
struct AppForm {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    callback_url: String,
}

async fn app_create(
    State(st): State<BookingState>,
    me: CurrentUser,
    shell: Shell,
    CsrfForm(f): CsrfForm<AppForm>,
) -> Result<Response, AppError> {
    let cb = Some(f.callback_url.trim()).filter(|s| !s.is_empty());
    match platform::add_app(
        &st.db,
        &st.key,
        f.app_id.trim(),
        &f.name,
        cb,
        None,
        &actor(&me),
        st.clock.now(),
    )
    .await
    {
        Ok(secret) => {
            render_apps(&st, shell, Some((f.app_id.trim().to_owned(), secret)), None).await
        }
        Err(store::Failure::Refused(e)) => render_apps(&st, shell, None, Some(e.to_string())).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct EnableForm {
    #[serde(default)]
    enabled: String,
}

async fn app_enable(
    State(st): State<BookingState>,
    me: CurrentUser,
    Path(app_id): Path<String>,
    CsrfForm(f): CsrfForm<EnableForm>,
) -> Result<Response, AppError> {
    platform::set_enabled(
        &st.db,
        &app_id,
        f.enabled == "1",
        &actor(&me),
        st.clock.now(),
    )
    .await?;
    Ok(Redirect::to("/admin/platform-apps").into_response())
}
