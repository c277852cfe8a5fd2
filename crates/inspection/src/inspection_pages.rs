//! Monthly inspections (巡检) on a tablet, faults (故障) and configuration changes (配置变更).

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yiqiao_core::Role;
use yiqiao_core::time::{format_local, local_today};
use yiqiao_http::{Access, AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::domain::fault::FaultStep;
use crate::domain::inspection::{Period, RecordState};
use crate::ops::{MANAGE, OpsState, READ, html};
use crate::store::OpsError;
use crate::store::inspection::{
    self as st, Answer, ChangeDraft, FaultDraft, FaultView, RecordDetail, RecordView, change,
};

/// Who fills and signs inspections, records changes and repairs: the contracted engineers.
pub const ENGINEER: Access = Access::Roles(&[Role::Engineer]);

pub(crate) fn routes() -> Routes<OpsState> {
    Routes::new()
        .page_get("/inspection/rounds", READ, get(rounds_page))
        .page_post("/inspection/rounds/plan", READ, post(plan))
        .page_get("/inspection/rounds/{id}", READ, get(record_page))
        .page_post("/inspection/rounds/{id}", ENGINEER, post(save))
        .page_get("/inspection/rounds/{id}/pdf", READ, get(record_pdf))
        .page_post("/inspection/rounds/{id}/sign", ENGINEER, post(sign))
        .page_post("/inspection/rounds/{id}/confirm", MANAGE, post(confirm))
        .api(
            Method::POST,
            "/api/inspection/rounds/{id}/photos",
            READ,
            post(upload_photo).layer(DefaultBodyLimit::max(st::MAX_PHOTO_BYTES + 64 * 1024)),
        )
        .page_get("/inspection/photos/{id}", READ, get(photo))
        .page_get("/inspection/faults", READ, get(faults_page))
        .page_post("/inspection/faults", READ, post(report))
        .page_get("/inspection/faults/{id}", READ, get(fault_page))
        .page_post("/inspection/faults/{id}/step", READ, post(step))
        .api(Method::GET, "/api/inspection/faults", READ, get(api_faults))
        .page_get("/inspection/changes", READ, get(changes_page))
        .page_post("/inspection/changes", ENGINEER, post(record_change))
        .page_get("/inspection/changes/{id}", READ, get(change_page))
}

fn actor(me: &CurrentUser) -> Actor {
    Actor::person(me.actor())
}

/// Refusals people can act on go back to the page as a message.
fn message(e: OpsError) -> Result<String, AppError> {
    match e {
        OpsError::Bad(m)
        | OpsError::Conflict(m)
        | OpsError::NotFound(m)
        | OpsError::Unprocessable(m) => Ok(m),
        e => Err(e.into()),
    }
}

fn back(path: &str, msg: Option<String>) -> Response {
    match msg {
        None => Redirect::to(path).into_response(),
        Some(m) => {
            let sep = if path.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{path}{sep}msg={}", urlencode(&m))).into_response()
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct Msg {
    msg: Option<String>,
    period: Option<String>,
    all: Option<String>,
}

// ---- the month's rounds ----

#[derive(Template)]
#[template(path = "inspection_rounds.html")]
struct RoundsPage {
    shell: Shell,
    period: Period,
    records: Vec<RecordView>,
    msg: Option<String>,
}

async fn rounds_page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<Msg>,
) -> Result<Response, AppError> {
    let period = q
        .period
        .as_deref()
        .and_then(Period::parse)
        .unwrap_or_else(|| Period::of(local_today(s.clock.now())));
    html(&RoundsPage {
        shell,
        records: st::records(s.db.conn(), period).await?,
        period,
        msg: q.msg,
    })
}

#[derive(Deserialize)]
struct PlanForm {
    period: String,
}

async fn plan(
    State(s): State<OpsState>,
    CsrfForm(f): CsrfForm<PlanForm>,
) -> Result<Response, AppError> {
    let Some(p) = Period::parse(&f.period) else {
        return Err(AppError::bad_request(
            "BAD_PERIOD",
            format!("巡检月份「{}」应写成 2026-11", f.period),
        ));
    };
    let n = st::plan_month(&s.db, p, s.clock.now()).await?;
    Ok(back(
        &format!("/inspection/rounds?period={p}"),
        Some(format!("已生成 {n} 条巡检记录")),
    ))
}

// ---- one record, on a tablet ----

#[derive(Template)]
#[template(path = "inspection_record.html")]
struct RecordPage {
    shell: Shell,
    d: RecordDetail,
    msg: Option<String>,
    can_fill: bool,
    can_confirm: bool,
}

impl RecordPage {
    fn local(&self, t: &Option<DateTime<Utc>>) -> String {
        t.map(format_local).unwrap_or_default()
    }
    fn state_label(&self) -> &'static str {
        self.d.state().label()
    }
}

async fn record_page(
    State(s): State<OpsState>,
    shell: Shell,
    Path(id): Path<i64>,
    Query(q): Query<Msg>,
) -> Result<Response, AppError> {
    let d = st::record_detail(s.db.conn(), id).await?;
    let state = d.state();
    html(&RecordPage {
        can_fill: shell.has(Role::Engineer) && state.editable(),
        can_confirm: shell.has(Role::ItOps) && state == RecordState::Signed,
        shell,
        d,
        msg: q.msg,
    })
}

async fn save(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut answers: Vec<Answer> = Vec::new();
    for (k, v) in &f {
        if let Some(seq) = k
            .strip_prefix("answer_")
            .and_then(|n| n.parse::<i32>().ok())
        {
            answers.push(Answer {
                seq,
                answer: v.clone(),
                note: f.get(&format!("note_{seq}")).cloned().unwrap_or_default(),
            });
        }
    }
    answers.sort_by_key(|a| a.seq);
    let notes = f.get("notes").cloned().unwrap_or_default();
    let r = st::save_answers(&s.db, id, &answers, &notes, &actor(&me), s.clock.now()).await;
    let path = format!("/inspection/rounds/{id}");
    match r {
        Ok(()) => Ok(back(&path, Some("已保存".into()))),
        Err(e) => Ok(back(&path, Some(message(e)?))),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn sign(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let path = format!("/inspection/rounds/{id}");
    match st::sign(&s.db, id, &actor(&me), s.clock.now()).await {
        Ok(0) => Ok(back(&path, Some("已签字".into()))),
        Ok(n) => Ok(back(
            &path,
            Some(format!("已签字，异常项已生成 {n} 条故障")),
        )),
        Err(e) => Ok(back(&path, Some(message(e)?))),
    }
}

async fn confirm(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let path = format!("/inspection/rounds/{id}");
    match st::confirm(&s.db, id, &actor(&me), s.clock.now()).await {
        Ok(()) => Ok(back(&path, Some("已确认".into()))),
        Err(e) => Ok(back(&path, Some(message(e)?))),
    }
}

/// `POST /api/inspection/rounds/{id}/photos`, the image as the body with its media type.
async fn upload_photo(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let pid = st::add_photo(&s.db, id, ct, &body, &actor(&me), s.clock.now()).await?;
    Ok(Json(serde_json::json!({ "id": pid })))
}

async fn photo(State(s): State<OpsState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let p = st::photo(s.db.conn(), id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, p.content_type),
            (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
        ],
        p.bytes,
    )
        .into_response())
}

// ---- faults ----

#[derive(Template)]
#[template(path = "inspection_faults.html")]
struct FaultsPage {
    shell: Shell,
    faults: Vec<FaultView>,
    all: bool,
    msg: Option<String>,
}

impl FaultsPage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

async fn faults_page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<Msg>,
) -> Result<Response, AppError> {
    let all = q.all.is_some();
    html(&FaultsPage {
        shell,
        faults: st::faults(s.db.conn(), !all, None).await?,
        all,
        msg: q.msg,
    })
}

async fn report(
    State(s): State<OpsState>,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<FaultDraft>,
) -> Result<Response, AppError> {
    match st::report_fault(&s.db, &d, &actor(&me), s.clock.now()).await {
        Ok(id) => Ok(back(&format!("/inspection/faults/{id}"), None)),
        Err(e) => Ok(back("/inspection/faults", Some(message(e)?))),
    }
}

#[derive(Template)]
#[template(path = "inspection_fault.html")]
struct FaultPage {
    shell: Shell,
    f: FaultView,
    steps: Vec<(&'static str, &'static str)>,
    msg: Option<String>,
}

impl FaultPage {
    fn local(&self, t: &Option<DateTime<Utc>>) -> String {
        t.map(format_local).unwrap_or_default()
    }
    fn at(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

async fn fault_page(
    State(s): State<OpsState>,
    shell: Shell,
    Path(id): Path<i64>,
    Query(q): Query<Msg>,
) -> Result<Response, AppError> {
    let f = st::fault(s.db.conn(), id).await?;
    let state = f.state();
    let steps = [
        ("confirm", FaultStep::Confirm),
        ("repair", FaultStep::Repair),
        ("approve_replacement", FaultStep::ApproveReplacement),
        ("replace", FaultStep::Replace),
        ("close", FaultStep::Close),
    ]
    .into_iter()
    .filter(|(_, st)| {
        st.transition().0.contains(&state)
            && if st.by_staff() {
                shell.has(Role::ItOps)
            } else {
                shell.has(Role::Engineer)
            }
    })
    .map(|(c, st)| (c, st.label()))
    .collect();
    html(&FaultPage {
        shell,
        f,
        steps,
        msg: q.msg,
    })
}

#[derive(Deserialize)]
struct StepForm {
    step: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    vendor_case_no: String,
}

async fn step(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Result<Response, AppError> {
    let Some(step) = FaultStep::parse(&f.step) else {
        return Err(AppError::bad_request(
            "BAD_STEP",
            format!("不认识的操作「{}」", f.step),
        ));
    };
    // The staff confirm, approve replacements and close; the engineer repairs and replaces.
    let allowed = if step.by_staff() {
        me.has(Role::ItOps)
    } else {
        me.has(Role::Engineer)
    };
    if !allowed {
        return Err(AppError::forbidden());
    }
    let path = format!("/inspection/faults/{id}");
    match st::step_fault(
        &s.db,
        id,
        step,
        &f.resolution,
        &f.vendor_case_no,
        &actor(&me),
        s.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(back(&path, None)),
        Err(e) => Ok(back(&path, Some(message(e)?))),
    }
}

async fn api_faults(State(s): State<OpsState>) -> Result<Json<Vec<FaultView>>, AppError> {
    Ok(Json(st::faults(s.db.conn(), false, None).await?))
}

// ---- configuration changes ----

#[derive(Template)]
#[template(path = "inspection_changes.html")]
struct ChangesPage {
    shell: Shell,
    changes: Vec<change::Model>,
    msg: Option<String>,
    can_record: bool,
}

impl ChangesPage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

async fn changes_page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<Msg>,
) -> Result<Response, AppError> {
    let can_record = shell.has(Role::Engineer);
    html(&ChangesPage {
        shell,
        changes: st::changes(s.db.conn(), None).await?,
        msg: q.msg,
        can_record,
    })
}

async fn record_change(
    State(s): State<OpsState>,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<ChangeDraft>,
) -> Result<Response, AppError> {
    match st::record_change(&s.db, &d, &actor(&me), s.clock.now()).await {
        Ok(id) => Ok(back(&format!("/inspection/changes/{id}"), None)),
        Err(e) => Ok(back("/inspection/changes", Some(message(e)?))),
    }
}

#[derive(Template)]
#[template(path = "inspection_change.html")]
struct ChangePage {
    shell: Shell,
    c: change::Model,
    diff: String,
}

impl ChangePage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
    fn line_class(&self, l: &str) -> &'static str {
        if l.starts_with("+++") || l.starts_with("---") {
            "hd"
        } else if l.starts_with('+') {
            "add"
        } else if l.starts_with('-') {
            "del"
        } else if l.starts_with("@@") {
            "hunk"
        } else {
            ""
        }
    }
}

async fn change_page(
    State(s): State<OpsState>,
    shell: Shell,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let c = st::change(s.db.conn(), id).await?;
    html(&ChangePage {
        shell,
        diff: st::diff(&c),
        c,
    })
}

async fn record_pdf(
    State(s): State<OpsState>,
    shell: Shell,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let d = st::record_detail(s.db.conn(), id).await?;
    let name = format!("inspection-{}-{}.pdf", d.asset.code, d.record.period);
    let hospital = shell.hospital.clone();
    // Compiling is CPU work (the first document also scans the fonts): off the async threads.
    let bytes = tokio::task::spawn_blocking(move || {
        let printer = yiqiao_print::Printer::system()?;
        crate::record_print::pdf(&printer, &hospital, &d)
    })
    .await
    .map_err(|e| AppError::internal(format!("print task: {e}")))?
    .map_err(|e| AppError::from_refusal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
