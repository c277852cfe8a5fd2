//! Pages for people: the records office's queue of cases with data problems (`/drg/checks`) and
//! a case's pre-grouping with its trace, checks, points and payment estimate (`/drg/cases/{id}`),
//! and the insurance office's policy years (`/drg/policy`).

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

use chrono::Datelike;
use sea_orm::EntityTrait;
use yiqiao_core::Fen;
use yiqiao_core::time::shanghai;
use yiqiao_his::store::entities::inpatient_case;

use crate::domain::checks::{self, Finding, Rule, Stay};
use crate::domain::points::{
    self as pts, CaseForPoints, Category, Coefficient, Estimate, PointValue, PointValueSource,
    Points, PolicyError, PolicyTerms, PolicyYear, ReviewReason, Weight,
};
use crate::domain::{Status, Step, Version};
use crate::store::checks::{self as queue, QueueDept};
use crate::store::policy::{self, StoredYear};
use crate::store::{self, StoreError, ledger};

pub mod reconcile;
pub mod reports;

yiqiao_http::app_error_from!(StoreError);

/// Who may read the queue and the case pages: 病案室, 医保办, 质控科.
pub const READ: Access = Access::Roles(&[Role::Records, Role::Insurance, Role::Quality]);
/// Who runs the checks: 病案室.
pub const RUN: Access = Access::Roles(&[Role::Records]);
/// Who enters policy years: 医保办.
pub const POLICY: Access = Access::Roles(&[Role::Insurance]);

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
        .page_get("/drg/depts", READ, get(reports::depts_page))
        .page_get("/drg/depts/{code}", READ, get(reports::dept_page))
        .page_get("/drg/doctors/{code}", READ, get(reports::doctor_page))
        .page_get("/drg/groups/{drg}", READ, get(reports::group_page))
        .page_get("/drg/trends", READ, get(reports::trends_page))
        .page_get("/drg/reconcile", READ, get(reconcile::reconcile_page))
        .page_post("/drg/reconcile", POLICY, post(reconcile::import_csv))
        .page_get("/drg/policy", POLICY, get(policy_page))
        .page_post("/drg/policy/benchmarks", POLICY, post(compute_benchmarks))
        .page_post("/drg/policy", POLICY, post(save_policy))
        .merge(crate::api::routes())
        .with_state(state)
}

/// The module's navigation entries.
pub fn navigation() -> Vec<NavItem> {
    vec![
        NavItem {
            group: "DRG",
            label: "上传前数据质控",
            href: "/drg/checks",
            access: READ,
        },
        NavItem {
            group: "DRG",
            label: "科室病组分析",
            href: "/drg/depts",
            access: READ,
        },
        NavItem {
            group: "DRG",
            label: "按月趋势",
            href: "/drg/trends",
            access: READ,
        },
        NavItem {
            group: "DRG",
            label: "省平台对账",
            href: "/drg/reconcile",
            access: READ,
        },
        NavItem {
            group: "DRG",
            label: "年度付费政策",
            href: "/drg/policy",
            access: POLICY,
        },
    ]
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
    /// Code, name, and the grouper's code when the code is mapped (编码映射).
    diagnoses: Vec<(String, String, String)>,
    procedures: Vec<(String, String, String)>,
    /// Points and estimate under the discharge year's policy; `Err(year)` when none is entered.
    payment: Result<CasePayment, i32>,
}

/// A case priced under its discharge year's policy (点数与预估支付).
struct CasePayment {
    year: i32,
    category: Category,
    points: Option<Points>,
    review: Vec<ReviewReason>,
    weight: Option<Weight>,
    cost: Fen,
    /// Only for cases priced automatically (特病单议 cases are not).
    estimate: Option<Estimate>,
    /// 未完成住院, by the way the patient left.
    incomplete: bool,
    /// Cases of the DRG in the year, when the case is in the ledger.
    group_cases: Option<u32>,
    /// The later stay that halves this one's points (15 天内同病组再入院).
    readmitted_by: Option<String>,
    /// The earlier stay this one is a readmission after.
    readmission_of: Option<String>,
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
    let Some(his_case) = inpatient_case::Entity::find_by_id(id.clone())
        .one(&*s.db)
        .await
        .map_err(StoreError::from)?
    else {
        return Err(AppError::not_found(format!("没有出院病例「{id}」")));
    };
    let year = stay.discharged_at.with_timezone(&shanghai()).year();
    let policy = policy::load(&*s.db, year).await?;
    // The case as the ledger prices it (readmissions, group sizes); absent until checked.
    let ledger_entry = match &policy {
        Some(_) => ledger::priced(&*s.db, year)
            .await?
            .into_iter()
            .find(|p| p.case.case_id == id),
        None => None,
    };
    let result = s.current().await?.map(|v| {
        let e = v.explain(&stay.case_for(&v));
        let grouped = (e.grouping.status == Status::Success).then_some(e.grouping.drg);
        let cost = Fen(his_case.total_cost);
        let incomplete = crate::domain::ledger::incomplete(&stay.discharge_way);
        let payment = match &policy {
            None => Err(year),
            Some(p) => {
                // Priced as the ledger does when the case's stored group is this one; else
                // (not yet checked, or regrouped since) on its own, without the history facts.
                let entry = ledger_entry
                    .as_ref()
                    .filter(|l| l.case.grouped() == grouped && l.case.cost == cost);
                let (a, points, group_cases, readmitted_by, readmission_of) = match entry {
                    Some(l) => (
                        l.assessment.clone().unwrap_or_else(|| {
                            p.assess(&CaseForPoints {
                                drg: grouped,
                                cost,
                                days: u32::try_from(stay.los_days).unwrap_or(0),
                                incomplete,
                                group_cases: l.group_cases,
                            })
                        }),
                        l.points,
                        l.group_cases,
                        l.readmitted_by.clone(),
                        l.readmission_of.clone(),
                    ),
                    None => {
                        let a = p.assess(&CaseForPoints {
                            drg: grouped,
                            cost,
                            days: u32::try_from(stay.los_days).unwrap_or(0),
                            incomplete,
                            group_cases: None,
                        });
                        let pts = a.points;
                        (a, pts, None, None, None)
                    }
                };
                Ok(CasePayment {
                    year,
                    category: a.category,
                    points,
                    weight: grouped.and_then(|d| p.drg(d)).map(|r| r.benchmark.weight()),
                    cost,
                    estimate: a
                        .auto_priced()
                        .then(|| points.map(|pts| p.estimate(pts, cost)))
                        .flatten(),
                    review: a.review,
                    incomplete,
                    group_cases,
                    readmitted_by,
                    readmission_of,
                })
            }
        };
        CaseResult {
            payment,
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
                .map(|c| {
                    let mapped = v.map_diagnosis(c).unwrap_or("").to_owned();
                    let shown = if mapped.is_empty() {
                        c.as_str()
                    } else {
                        mapped.as_str()
                    };
                    (
                        c.clone(),
                        v.diagnosis_name(shown).unwrap_or("").to_owned(),
                        mapped,
                    )
                })
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

// ---- policy years ----

/// The policy form's fields, as typed (so a refused form comes back as it was entered).
#[derive(Debug, Clone, Default, Deserialize)]
struct PolicyForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    hospital_coefficient: String,
    #[serde(default)]
    high_bands: String,
    #[serde(default)]
    high_addition: String,
    #[serde(default)]
    low_multiple: String,
    #[serde(default)]
    low_coefficient: String,
    #[serde(default)]
    extreme_multiple: String,
    #[serde(default)]
    min_group_cases: String,
    #[serde(default)]
    readmission_days: String,
    /// 分 per point.
    #[serde(default)]
    point_value: String,
    /// 元.
    #[serde(default)]
    budget: String,
    #[serde(default)]
    total_points: String,
    #[serde(default)]
    rates: String,
    /// The base period (a year of discharges) for benchmark points from history.
    #[serde(default)]
    base_year: String,
}

impl PolicyForm {
    fn of(p: &PolicyYear) -> PolicyForm {
        let t = p.terms();
        let (point_value, budget, total_points) = match t.point_value {
            PointValueSource::Entered(v) => (v.to_string(), String::new(), String::new()),
            PointValueSource::Budget {
                budget,
                total_points,
            } => (String::new(), budget.to_string(), total_points.to_string()),
        };
        PolicyForm {
            year: t.year.to_string(),
            hospital_coefficient: t.hospital_coefficient.to_string(),
            high_bands: pts::bands_text(&t.high_bands),
            high_addition: t.high_addition.to_string(),
            low_multiple: t.low_multiple.to_string(),
            low_coefficient: t.low_coefficient.to_string(),
            extreme_multiple: t.extreme_multiple.to_string(),
            min_group_cases: t.min_group_cases.to_string(),
            readmission_days: t.readmission_days.to_string(),
            point_value,
            budget,
            total_points,
            rates: p.rates_text(),
            base_year: (t.year - 1).to_string(),
        }
    }

    fn blank(year: i32) -> PolicyForm {
        PolicyForm {
            year: year.to_string(),
            ..PolicyForm::default()
        }
    }

    fn parse(&self) -> Result<PolicyYear, String> {
        let int = |v: &str, what: &str| -> Result<u32, String> {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{what}「{v}」不是有效的整数"))
        };
        let year = self
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| format!("年度「{}」不是有效的年份", self.year))?;
        let c = |v: &str| Coefficient::parse(v).map_err(|e| e.to_string());
        let point_value = match (
            self.point_value.trim(),
            self.budget.trim(),
            self.total_points.trim(),
        ) {
            (v, _, _) if !v.is_empty() => {
                PointValueSource::Entered(PointValue::parse(v).map_err(|e| e.to_string())?)
            }
            (_, b, t) if !b.is_empty() && !t.is_empty() => PointValueSource::Budget {
                budget: Fen::parse_yuan(b)
                    .map_err(|_| format!("年度基金预算「{b}」不是有效金额（元）"))?,
                total_points: Points::parse(t).map_err(|e| e.to_string())?,
            },
            _ => return Err(PolicyError::PointValueMissing.to_string()),
        };
        let terms = PolicyTerms {
            year,
            hospital_coefficient: c(&self.hospital_coefficient)?,
            high_bands: pts::parse_bands(&self.high_bands).map_err(|e| e.to_string())?,
            high_addition: c(&self.high_addition)?,
            low_multiple: c(&self.low_multiple)?,
            low_coefficient: c(&self.low_coefficient)?,
            extreme_multiple: c(&self.extreme_multiple)?,
            min_group_cases: int(&self.min_group_cases, "病组最少例数")?,
            readmission_days: int(&self.readmission_days, "再入院天数")?,
            point_value,
        };
        let rates = pts::parse_rates(&self.rates).map_err(|e| e.to_string())?;
        PolicyYear::new(terms, rates).map_err(|e| e.to_string())
    }
}

#[derive(Template)]
#[template(path = "drg_policy.html")]
struct PolicyPage {
    shell: Shell,
    years: Vec<StoredYear>,
    form: PolicyForm,
    /// The form's problem, when it was refused.
    error: Option<String>,
    /// The point value in force for the shown year, once saved.
    point_value: Option<PointValue>,
    /// What the benchmark computation from history did, when it was just run.
    note: Option<String>,
}

impl PolicyPage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

#[derive(Deserialize)]
struct PolicyQuery {
    year: Option<i32>,
}

async fn policy_page(
    State(s): State<DrgState>,
    shell: Shell,
    Query(q): Query<PolicyQuery>,
) -> Result<Response, AppError> {
    let year = q
        .year
        .unwrap_or_else(|| s.clock.now().with_timezone(&shanghai()).year());
    let stored = policy::load(&*s.db, year).await?;
    html(&PolicyPage {
        shell,
        years: policy::list(&*s.db).await?,
        form: stored
            .as_ref()
            .map_or_else(|| PolicyForm::blank(year), PolicyForm::of),
        error: None,
        point_value: stored.map(|p| p.point_value()),
        note: None,
    })
}

async fn save_policy(
    State(s): State<DrgState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> Result<Response, AppError> {
    match form.parse() {
        Ok(p) => {
            policy::save(&s.db, &p, &Actor::person(me.actor()), s.clock.now()).await?;
            Ok(Redirect::to(&format!("/drg/policy?year={}", p.terms().year)).into_response())
        }
        Err(message) => {
            // Refused: the form comes back as typed, with what is wrong.
            let page = PolicyPage {
                shell,
                years: policy::list(&*s.db).await?,
                form,
                error: Some(message),
                point_value: None,
                note: None,
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(page.render()?),
            )
                .into_response())
        }
    }
}

/// 基准点数测算: fills the form's DRG table from the base year's grouped cases (each DRG's
/// average cost ÷ the average of all × 100), leaving the rest of the form as typed. Nothing
/// is saved: the office checks the table and saves the year.
async fn compute_benchmarks(
    State(s): State<DrgState>,
    shell: Shell,
    CsrfForm(mut form): CsrfForm<PolicyForm>,
) -> Result<Response, AppError> {
    let years = policy::list(&*s.db).await?;
    let Some(base) = form
        .base_year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
    else {
        let message = format!("基期年度「{}」不是有效的年份", form.base_year);
        let page = PolicyPage {
            shell,
            years,
            form,
            error: Some(message),
            point_value: None,
            note: None,
        };
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Html(page.render()?),
        )
            .into_response());
    };
    let history = ledger::history(
        &*s.db,
        ledger::year_start(base),
        ledger::year_start(base + 1),
    )
    .await?;
    let rows = crate::domain::ledger::benchmarks(history.iter().map(|(d, c)| (d.as_str(), *c)));
    let cases: u32 = rows.iter().map(|r| r.cases).sum();
    form.rates = crate::domain::ledger::rates_text(&rows);
    let note = format!(
        "已按 {base} 年出院的 {cases} 例入组病例测算 {} 个病组的基准点数（病组均次费用 ÷ 全部病例均次费用 × 100），请核对后保存",
        rows.len()
    );
    html(&PolicyPage {
        shell,
        years,
        form,
        error: None,
        point_value: None,
        note: Some(note),
    })
}
