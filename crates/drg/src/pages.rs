//! Pages for people: the records office's queue of cases with data problems (`/drg/checks`) and
//! a case's pre-grouping with its trace and checks (`/drg/cases/{id}`).

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yiqiao_core::time::{Clock, format_local};
use yiqiao_core::{Role, time::format_local_date};
use yiqiao_http::{Access, AppError, CsrfForm, CurrentUser, NavItem, Routes, Shell};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::domain::checks::{self, Finding, Rule, Stay};
use crate::domain::{Status, Step, Version};
use crate::store::checks::{self as queue, QueueDept};
use crate::store::{self, StoreError};

yiqiao_http::app_error_from!(StoreError);

/// Who may read the queue and the case pages: 病案室, 医保办, 质控科.
pub const READ: Access = Access::Roles(&[Role::Records, Role::Insurance, Role::Quality]);
/// Who runs the checks: 病案室.
pub const RUN: Access = Access::Roles(&[Role::Records]);

/// What the pages need: the database, the clock, and the grouping version in use (loaded from
/// the database once per import and shared).
#[derive(Clone)]
pub struct DrgState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The version the hospital groups with, e.g. `zj-drg-2022`.
    pub version: String,
    cache: Arc<Mutex<Option<Cached>>>,
}

/// The compiled version and the import it came from.
type Cached = (DateTime<Utc>, Arc<Version>);

impl DrgState {
    pub fn new(db: Db, clock: Arc<dyn Clock>, version: impl Into<String>) -> DrgState {
        DrgState {
            db,
            clock,
            version: version.into(),
            cache: Arc::new(Mutex::new(None)),
        }
    }

    /// The version in use, `None` while it has not been imported. Recompiled only when a new
    /// import replaced it.
    pub async fn current(&self) -> Result<Option<Arc<Version>>, StoreError> {
        let Some(stored) = store::list(&*self.db)
            .await?
            .into_iter()
            .find(|v| v.name == self.version)
        else {
            return Ok(None);
        };
        if let Ok(guard) = self.cache.lock()
            && let Some((at, v)) = guard.as_ref()
            && *at == stored.imported_at
        {
            return Ok(Some(v.clone()));
        }
        let v = Arc::new(store::load(&*self.db, &self.version).await?);
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((stored.imported_at, v.clone()));
        }
        Ok(Some(v))
    }
}

/// The pages, declared with their roles.
pub fn routes(state: DrgState) -> Routes<()> {
    Routes::new()
        .page_get("/drg/checks", READ, get(checks_page))
        .page_post("/drg/checks/run", RUN, post(run_checks))
        .page_get("/drg/cases/{id}", READ, get(case_page))
        .with_state(state)
}

/// The module's navigation entries.
pub fn navigation() -> Vec<NavItem> {
    vec![NavItem {
        group: "DRG",
        label: "上传前数据质控",
        href: "/drg/checks",
        access: READ,
    }]
}

fn html(page: &impl Template) -> Result<Response, AppError> {
    Ok(Html(page.render()?).into_response())
}

// ---- the queue ----

#[derive(Template)]
#[template(path = "drg_checks.html")]
struct ChecksPage {
    shell: Shell,
    version: String,
    imported: bool,
    last_run: Option<(String, DateTime<Utc>)>,
    depts: Vec<QueueDept>,
    dept: String,
    rules: &'static [Rule],
    can_run: bool,
}

impl ChecksPage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
    fn date(&self, t: &DateTime<Utc>) -> String {
        format_local_date(*t)
    }
    fn total(&self) -> usize {
        self.depts.iter().map(|d| d.cases.len()).sum()
    }
}

#[derive(Deserialize)]
struct ChecksQuery {
    #[serde(default)]
    dept: String,
}

async fn checks_page(
    State(s): State<DrgState>,
    shell: Shell,
    Query(q): Query<ChecksQuery>,
) -> Result<Response, AppError> {
    let dept = q.dept.trim().to_owned();
    let imported = s.current().await?.is_some();
    let depts = queue::queue(&*s.db, (!dept.is_empty()).then_some(dept.as_str())).await?;
    let can_run = shell.has(Role::Records);
    html(&ChecksPage {
        shell,
        version: s.version.clone(),
        imported,
        last_run: queue::last_run(&*s.db).await?,
        depts,
        dept,
        rules: &Rule::ALL,
        can_run,
    })
}

#[derive(Deserialize)]
struct Empty {}

async fn run_checks(
    State(s): State<DrgState>,
    me: CurrentUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(v) = s.current().await? else {
        return Err(StoreError::NotImported(s.version.clone()).into());
    };
    queue::run(&s.db, &v, &Actor::person(me.actor()), s.clock.now()).await?;
    Ok(Redirect::to("/drg/checks").into_response())
}

// ---- one case ----

#[derive(Template)]
#[template(path = "drg_case.html")]
struct CasePage {
    shell: Shell,
    version: String,
    stay: Stay,
    /// `None` while the version has not been imported.
    result: Option<CaseResult>,
}

struct CaseResult {
    status: Status,
    mdc: String,
    adrg: String,
    drg: String,
    drg_name: String,
    trace: Vec<Step>,
    findings: Vec<Finding>,
    diagnoses: Vec<(String, String)>,
    procedures: Vec<(String, String, String)>,
}

impl CasePage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

async fn case_page(
    State(s): State<DrgState>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let Some(stay) = queue::stay(&*s.db, &id).await? else {
        return Err(AppError::not_found(format!("没有出院病例「{id}」")));
    };
    let result = s.current().await?.map(|v| {
        let e = v.explain(&stay.case());
        CaseResult {
            status: e.grouping.status,
            mdc: e.grouping.mdc.to_owned(),
            adrg: e.grouping.adrg.to_owned(),
            drg: e.grouping.drg.to_owned(),
            drg_name: v.drg_name(e.grouping.drg).unwrap_or("").to_owned(),
            trace: e.trace,
            findings: checks::check(&stay, &v),
            diagnoses: stay
                .diagnoses
                .iter()
                .map(|c| (c.clone(), v.diagnosis_name(c).unwrap_or("").to_owned()))
                .collect(),
            procedures: stay
                .procedures
                .iter()
                .map(|p| {
                    (
                        p.code.clone(),
                        v.procedure_name(&p.code).unwrap_or("").to_owned(),
                        p.date.map(format_local_date).unwrap_or_default(),
                    )
                })
                .collect(),
        }
    });
    html(&CasePage {
        shell,
        version: s.version.clone(),
        stay,
        result,
    })
}
