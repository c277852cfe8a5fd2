//! The yearly security assessment page (年度安全评估与整改).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Deserialize;
use yiqiao_core::Role;
use yiqiao_core::time::local_today;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::domain::assessment::{FindingState, Risk};
use crate::ops::{MANAGE, OpsState, READ, html};
use crate::store::OpsError;
use crate::store::assessment::{self as st, FindingDraft, finding};

pub(crate) fn routes() -> Routes<OpsState> {
    Routes::new()
        .page_get("/inspection/assessment", READ, get(page))
        .page_post("/inspection/assessment", MANAGE, post(add))
        .page_post("/inspection/assessment/carry", MANAGE, post(carry))
        .page_post(
            "/inspection/assessment/{id}/remediated",
            READ,
            post(remediated),
        )
        .page_post("/inspection/assessment/{id}/verify", MANAGE, post(verify))
}

#[derive(Template)]
#[template(path = "inspection_assessment.html")]
struct Page {
    shell: Shell,
    year: i32,
    findings: Vec<finding::Model>,
    risks: [Risk; 3],
    msg: Option<String>,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
struct Q {
    year: Option<i32>,
    msg: Option<String>,
}

async fn page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<Q>,
) -> Result<Response, AppError> {
    let year = q.year.unwrap_or_else(|| local_today(s.clock.now()).year());
    let can_manage = shell.has(Role::ItOps);
    html(&Page {
        shell,
        findings: st::findings(s.db.conn(), year).await?,
        year,
        risks: Risk::ALL,
        msg: q.msg,
        can_manage,
    })
}

fn back(year: i32, r: Result<String, OpsError>) -> Result<Response, AppError> {
    let msg = match r {
        Ok(m) => m,
        Err(OpsError::Bad(m) | OpsError::Conflict(m) | OpsError::NotFound(m)) => m,
        Err(e) => return Err(e.into()),
    };
    let enc: String = msg
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok(Redirect::to(&format!("/inspection/assessment?year={year}&msg={enc}")).into_response())
}

async fn add(
    State(s): State<OpsState>,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<FindingDraft>,
) -> Result<Response, AppError> {
    let year = d
        .year
        .trim()
        .parse()
        .unwrap_or_else(|_| local_today(s.clock.now()).year());
    let r = st::add_finding(&s.db, &d, &Actor::person(me.actor()), s.clock.now())
        .await
        .map(|_| "已登记".to_owned());
    back(year, r)
}

#[derive(Deserialize)]
struct YearForm {
    year: i32,
}

async fn carry(
    State(s): State<OpsState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<YearForm>,
) -> Result<Response, AppError> {
    let r = st::carry_over(&s.db, f.year, &Actor::person(me.actor()), s.clock.now())
        .await
        .map(|n| format!("已结转 {n} 项到 {} 年", f.year + 1));
    back(f.year, r)
}

#[derive(Deserialize)]
struct NoteForm {
    year: i32,
    #[serde(default)]
    note: String,
}

async fn remediated(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<NoteForm>,
) -> Result<Response, AppError> {
    let r = st::advance(
        &s.db,
        id,
        FindingState::Remediated,
        &f.note,
        &Actor::person(me.actor()),
        s.clock.now(),
    )
    .await
    .map(|_| "已标记整改".to_owned());
    back(f.year, r)
}

async fn verify(
    State(s): State<OpsState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<NoteForm>,
) -> Result<Response, AppError> {
    let r = st::advance(
        &s.db,
        id,
        FindingState::Verified,
        &f.note,
        &Actor::person(me.actor()),
        s.clock.now(),
    )
    .await
    .map(|_| "已复核".to_owned());
    back(f.year, r)
}
