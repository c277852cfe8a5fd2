//! The JSON API of the information page (`/api/visitpage/…`), for the records office's tools
//! and other systems. Money is integer 分 and pages are in the contract's JSON, as everywhere.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};
use yiqiao_core::Role;
use yiqiao_http::{Access, AppError, CurrentUser, Routes};
use yiqiao_store::audit::Actor;

use crate::domain::assemble::FeeTarget;
use crate::domain::page::{FeeItem, Page};
use crate::domain::period::Period;
use crate::domain::rules::check;
use crate::error::VisitPageError;
use crate::state::VisitPageState;
use crate::store::{self, Edit, MappingKey, PageState, queries};

yiqiao_http::app_error_from!(
    VisitPageError,
    crate::domain::page::PageError,
    crate::domain::period::BadPeriod,
    crate::domain::assemble::MappingError
);

/// Who reads pages, the queue and the indicators: 病案室 and 质控科.
pub const READ: Access = Access::Roles(&[Role::Records, Role::Quality]);
/// Who changes pages, assembles, keeps the fee mapping and exports: 病案室.
pub const WRITE: Access = Access::Roles(&[Role::Records]);
/// Who sees which code tables are loaded: 信息科管理员 (code tables) and 病案室.
pub const DICTS: Access = Access::Roles(&[Role::Admin, Role::Records]);

/// The JSON endpoints, declared with their roles.
pub fn routes(state: VisitPageState) -> Routes<()> {
    Routes::new()
        .api(Method::GET, "/api/visitpage/pages", READ, get(list))
        .api(
            Method::GET,
            "/api/visitpage/pages/{visit_id}",
            READ,
            get(one),
        )
        .api(
            Method::PUT,
            "/api/visitpage/pages/{visit_id}",
            WRITE,
            put(edit),
        )
        .api(
            Method::POST,
            "/api/visitpage/pages/{visit_id}/submit",
            WRITE,
            post(submit),
        )
        .api(Method::GET, "/api/visitpage/queue", READ, get(queue))
        .api(
            Method::POST,
            "/api/visitpage/assemble",
            WRITE,
            post(assemble),
        )
        .api(Method::GET, "/api/visitpage/unmapped", WRITE, get(unmapped))
        .api(
            Method::GET,
            "/api/visitpage/fee-mapping",
            WRITE,
            get(mapping),
        )
        .api(
            Method::PUT,
            "/api/visitpage/fee-mapping",
            WRITE,
            put(set_mapping),
        )
        .api(
            Method::GET,
            "/api/visitpage/indicators",
            READ,
            get(indicators),
        )
        .with_state(state)
}

/// The list's query: `period=YYYY-MM&dept=…&doctor=…&state=draft|submitted|amended&errors=1`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub doctor: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub errors: String,
    #[serde(default)]
    pub page: Option<u64>,
}

impl ListQuery {
    pub fn filter(&self) -> Result<queries::ListFilter, AppError> {
        let period = match self.period.trim() {
            "" => None,
            p => Some(Period::parse(p)?),
        };
        let state = match self.state.trim() {
            "" => None,
            s => Some(PageState::parse(s).ok_or_else(|| {
                AppError::bad_request(
                    "BAD_STATE",
                    format!("状态「{s}」不对，应为 draft、submitted 或 amended"),
                )
            })?),
        };
        Ok(queries::ListFilter {
            period,
            dept: Some(self.dept.trim().to_string()).filter(|s| !s.is_empty()),
            doctor: Some(self.doctor.trim().to_string()).filter(|s| !s.is_empty()),
            state,
            errors_only: matches!(self.errors.as_str(), "1" | "true" | "on"),
        })
    }
}

/// Lines per list page.
pub const PER_PAGE: u64 = 100;

async fn list(
    State(s): State<VisitPageState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let f = q.filter()?;
    let n = q.page.unwrap_or(1).max(1);
    let total = queries::count(&*s.db, &f).await?;
    let pages = queries::list(&*s.db, &f, PER_PAGE, (n - 1) * PER_PAGE).await?;
    Ok(Json(
        json!({"total": total, "page": n, "per_page": PER_PAGE, "pages": pages}),
    ))
}

/// A page with its findings, unmapped charges and trail, as the API shows it.
pub async fn detail(s: &VisitPageState, visit_id: &str) -> Result<Value, AppError> {
    let p = store::get_page(&*s.db, visit_id)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.to_string()))?;
    let dicts = s.dicts().await?;
    let findings = check(&p.page, &dicts);
    let trail = store::trail(&*s.db, visit_id).await?;
    Ok(json!({
        "visit_id": p.visit_id,
        "state": p.state.as_str(),
        "revision": p.revision,
        "page": p.page.to_json(),
        "findings": findings,
        "unmapped": p.unmapped,
        "trail": trail,
    }))
}

async fn one(
    State(s): State<VisitPageState>,
    Path(visit_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(detail(&s, &visit_id).await?))
}

/// A change: the whole page in the contract, the reason (required once submitted) and the
/// revision it was read at.
#[derive(Debug, Deserialize)]
struct EditBody {
    page: Value,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    revision: Option<i32>,
}

async fn edit(
    State(s): State<VisitPageState>,
    me: CurrentUser,
    Path(visit_id): Path<String>,
    Json(body): Json<EditBody>,
) -> Result<Json<Value>, AppError> {
    let page = Page::from_json(&body.page)?;
    let dicts = s.dicts().await?;
    store::edit_page(
        &s.db,
        s.clock.now(),
        &Actor::person(me.actor()),
        &dicts,
        &visit_id,
        Edit {
            revision: body.revision,
            page,
            reason: body.reason,
        },
    )
    .await?;
    Ok(Json(detail(&s, &visit_id).await?))
}

async fn submit(
    State(s): State<VisitPageState>,
    me: CurrentUser,
    Path(visit_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    store::submit_page(&s.db, s.clock.now(), &Actor::person(me.actor()), &visit_id).await?;
    Ok(Json(json!({"visit_id": visit_id, "state": "submitted"})))
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub period: String,
}

async fn queue(
    State(s): State<VisitPageState>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Value>, AppError> {
    let period = match q.period.trim() {
        "" => None,
        p => Some(Period::parse(p)?),
    };
    Ok(Json(json!(queries::queue(&*s.db, period).await?)))
}

#[derive(Debug, Deserialize)]
struct AssembleBody {
    period: String,
}

async fn assemble(
    State(s): State<VisitPageState>,
    Json(body): Json<AssembleBody>,
) -> Result<Json<Value>, AppError> {
    let period = Period::parse(&body.period)?;
    let dicts = s.dicts().await?;
    let r = store::assemble_period(&s.db, s.clock.now(), &s.org, &dicts, period).await?;
    Ok(Json(json!(r)))
}

async fn unmapped(State(s): State<VisitPageState>) -> Result<Json<Value>, AppError> {
    Ok(Json(json!(queries::unmapped(&*s.db).await?)))
}

async fn mapping(State(s): State<VisitPageState>) -> Result<Json<Value>, AppError> {
    let rows: Vec<Value> = queries::fee_mappings(&*s.db)
        .await?
        .into_iter()
        .map(|r| {
            json!({"kind": r.by_kind, "code": r.by_code, "fee_item": r.fee_item,
                   "of_which": r.of_which, "updated_by": r.updated_by})
        })
        .collect();
    Ok(Json(json!(rows)))
}

/// One rule of the fee mapping: `kind` is `category` (HIS 收费类别) or `item` (收费项目).
#[derive(Debug, Deserialize)]
pub struct MappingBody {
    pub kind: String,
    pub code: String,
    pub fee_item: String,
    #[serde(default)]
    pub of_which: Option<String>,
}

impl MappingBody {
    /// The key and target, refused by field when malformed.
    pub fn parse(&self) -> Result<(MappingKey, FeeTarget), AppError> {
        let code = self.code.trim();
        if code.is_empty() || code.chars().count() > 64 {
            return Err(
                yiqiao_core::FieldError::new("code", "编码不能为空，最多 64 个字符").into(),
            );
        }
        let key = match self.kind.as_str() {
            "category" => MappingKey::Category(code.to_string()),
            "item" => MappingKey::Item(code.to_string()),
            _ => {
                return Err(yiqiao_core::FieldError::new(
                    "kind",
                    "应为 category（收费类别）或 item（收费项目）",
                )
                .into());
            }
        };
        let item = FeeItem::from_key(self.fee_item.trim()).ok_or_else(|| {
            yiqiao_core::FieldError::new("fee_item", format!("未知的费用项目「{}」", self.fee_item))
        })?;
        let sub = match self.of_which.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => Some(FeeItem::from_key(k).ok_or_else(|| {
                yiqiao_core::FieldError::new("of_which", format!("未知的费用项目「{k}」"))
            })?),
        };
        Ok((key, FeeTarget::new(item, sub)?))
    }
}

async fn set_mapping(
    State(s): State<VisitPageState>,
    me: CurrentUser,
    Json(body): Json<MappingBody>,
) -> Result<Json<Value>, AppError> {
    let (key, target) = body.parse()?;
    store::save_fee_mapping(
        &s.db,
        s.clock.now(),
        &Actor::person(me.actor()),
        &key,
        target,
    )
    .await?;
    Ok(Json(json!({"kind": body.kind, "code": body.code.trim(),
        "fee_item": target.fee_item().key(), "of_which": target.of_which().map(FeeItem::key)})))
}

/// `from=YYYY-MM&to=YYYY-MM&by=month|dept|doctor[&dept=…][&doctor=…]` (default: the last 6
/// months by month, the whole hospital).
#[derive(Debug, Default, Deserialize)]
pub struct IndicatorQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub doctor: String,
}

impl IndicatorQuery {
    /// The span asked for, or the six months up to now.
    pub fn span(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(Period, Period), AppError> {
        let to = match self.to.trim() {
            "" => Period::of(now),
            t => Period::parse(t)?,
        };
        let from = match self.from.trim() {
            "" => (0..5).fold(to, |p, _| p.prev()),
            f => Period::parse(f)?,
        };
        Ok((from, to))
    }
}

async fn indicators(
    State(s): State<VisitPageState>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Json<Value>, AppError> {
    let (from, to) = q.span(s.clock.now())?;
    let by = queries::GroupBy::parse(&q.by);
    let scope = queries::Scope {
        dept: Some(q.dept.trim().to_string()).filter(|d| !d.is_empty()),
        doctor: Some(q.doctor.trim().to_string()).filter(|d| !d.is_empty()),
    };
    let rows = queries::indicators(&*s.db, from, to, by, &scope).await?;
    let top = queries::top_rules(&*s.db, from, to, &scope).await?;
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"key": r.key, "label": r.label, "pages": r.pages,
                "page_completeness_permille": r.page_completeness(),
                "item_completeness_permille": r.item_completeness(),
                "main_code_correct_permille": r.main_code_rate(),
                "passing_permille": r.passing_rate(),
                "counts": r})
        })
        .collect();
    Ok(Json(
        json!({"from": from.to_string(), "to": to.to_string(), "by": by.as_str(),
        "rows": rows, "top_rules": top.iter().map(|(r, n)| json!({"rule": r, "pages": n})).collect::<Vec<_>>()}),
    ))
}
