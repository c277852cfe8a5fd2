//! Pages and JSON endpoints of the device archive (设备档案), contracts and expiry warnings.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yiqiao_core::time::{format_local, local_today};
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::asset_xlsx;
use crate::domain::asset::{AssetDraft, AssetKind, AssetStatus, ContractDraft, NetworkZone};
use crate::ops::{MANAGE, OpsState, READ, html};
use crate::store::OpsError;
use crate::store::asset::{self as st, Expiring, ImportReport, asset, contract};

/// The xlsx media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn routes() -> Routes<OpsState> {
    Routes::new()
        .page_get("/inspection/assets", READ, get(list_page))
        .page_post("/inspection/assets", MANAGE, post(create))
        .page_get("/inspection/assets/{id}", READ, get(asset_page))
        .page_post("/inspection/assets/{id}", MANAGE, post(update))
        .page_post(
            "/inspection/assets/{id}/contracts",
            MANAGE,
            post(add_contract),
        )
        .page_get("/inspection/assets.xlsx", READ, get(export))
        .page_get("/inspection/expiry", READ, get(expiry_page))
        .page_post("/inspection/expiry/notify", MANAGE, post(notify))
        .api(Method::GET, "/api/inspection/assets", READ, get(api_list))
        .api(
            Method::POST,
            "/api/inspection/assets/import",
            MANAGE,
            post(api_import).layer(axum::extract::DefaultBodyLimit::max(
                asset_xlsx::MAX_IMPORT_BYTES + 64 * 1024,
            )),
        )
        .api(Method::GET, "/api/inspection/expiry", READ, get(api_expiry))
}

struct Choice {
    code: &'static str,
    label: &'static str,
}

fn kinds() -> Vec<Choice> {
    AssetKind::ALL
        .iter()
        .map(|k| Choice {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}
fn networks() -> Vec<Choice> {
    NetworkZone::ALL
        .iter()
        .map(|k| Choice {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}
fn statuses() -> Vec<Choice> {
    AssetStatus::ALL
        .iter()
        .map(|k| Choice {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "inspection_assets.html")]
struct ListPage {
    shell: Shell,
    assets: Vec<asset::Model>,
    form: AssetDraft,
    error: Option<String>,
    can_manage: bool,
    kinds: Vec<Choice>,
    networks: Vec<Choice>,
    statuses: Vec<Choice>,
}

async fn render_list(
    s: &OpsState,
    shell: Shell,
    form: AssetDraft,
    error: Option<String>,
) -> Result<Response, AppError> {
    let can_manage = shell.has(yiqiao_core::Role::ItOps);
    html(&ListPage {
        shell,
        assets: st::list_assets(s.db.conn()).await?,
        form,
        error,
        can_manage,
        kinds: kinds(),
        networks: networks(),
        statuses: statuses(),
    })
}

async fn list_page(State(s): State<OpsState>, shell: Shell) -> Result<Response, AppError> {
    render_list(&s, shell, AssetDraft::default(), None).await
}

async fn create(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<AssetDraft>,
) -> Result<Response, AppError> {
    let parsed = match form.parse() {
        Ok(a) => a,
        Err(e) => return render_list(&s, shell, form, Some(e.to_string())).await,
    };
    match st::create_asset(&s.db, &parsed, &Actor::person(me.actor()), s.clock.now()).await {
        Ok(id) => Ok(Redirect::to(&format!("/inspection/assets/{id}")).into_response()),
        Err(OpsError::Conflict(m)) => render_list(&s, shell, form, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "inspection_asset.html")]
struct AssetPage {
    shell: Shell,
    asset: asset::Model,
    contracts: Vec<contract::Model>,
    log: Vec<crate::store::inspection::LogEntry>,
    form: AssetDraft,
    contract_form: ContractDraft,
    error: Option<String>,
    can_manage: bool,
    kinds: Vec<Choice>,
    networks: Vec<Choice>,
    statuses: Vec<Choice>,
}

async fn render_asset(
    s: &OpsState,
    shell: Shell,
    id: i64,
    form: Option<AssetDraft>,
    contract_form: ContractDraft,
    error: Option<String>,
) -> Result<Response, AppError> {
    let Some(a) = st::get_asset(s.db.conn(), id).await? else {
        return Err(AppError::not_found(format!("没有编号为 {id} 的设备")));
    };
    let can_manage = shell.has(yiqiao_core::Role::ItOps);
    html(&AssetPage {
        shell,
        contracts: st::contracts_of(s.db.conn(), id).await?,
        log: crate::store::inspection::run_log(s.db.conn(), id).await?,
        form: form.unwrap_or_else(|| a.draft()),
        asset: a,
        contract_form,
        error,
        can_manage,
        kinds: kinds(),
        networks: networks(),
        statuses: statuses(),
    })
}

async fn asset_page(
    State(s): State<OpsState>,
    shell: Shell,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_asset(&s, shell, id, None, ContractDraft::default(), None).await
}

async fn update(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<AssetDraft>,
) -> Result<Response, AppError> {
    let parsed = match form.parse() {
        Ok(a) => a,
        Err(e) => {
            let msg = e.to_string();
            return render_asset(
                &s,
                shell,
                id,
                Some(form),
                ContractDraft::default(),
                Some(msg),
            )
            .await;
        }
    };
    match st::update_asset(
        &s.db,
        id,
        &parsed,
        &Actor::person(me.actor()),
        s.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/inspection/assets/{id}")).into_response()),
        Err(OpsError::Conflict(m)) => {
            render_asset(&s, shell, id, Some(form), ContractDraft::default(), Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_contract(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ContractDraft>,
) -> Result<Response, AppError> {
    let parsed = match form.parse() {
        Ok(c) => c,
        Err(e) => {
            let msg = e.to_string();
            return render_asset(&s, shell, id, None, form, Some(msg)).await;
        }
    };
    match st::add_contract(
        &s.db,
        id,
        &parsed,
        &Actor::person(me.actor()),
        s.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/inspection/assets/{id}")).into_response()),
        Err(OpsError::Conflict(m)) => render_asset(&s, shell, id, None, form, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

async fn export(State(s): State<OpsState>) -> Result<Response, AppError> {
    let bytes = asset_xlsx::write(
        &st::list_assets(s.db.conn()).await?,
        &st::all_contracts(s.db.conn()).await?,
    )?;
    let name = format!(
        "assets-{}.xlsx",
        local_today(s.clock.now()).format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "inspection_expiry.html")]
struct ExpiryPage {
    shell: Shell,
    today: chrono::NaiveDate,
    items: Vec<Expiring>,
    can_manage: bool,
    sent: Option<usize>,
}

#[derive(Deserialize)]
struct SentQuery {
    sent: Option<usize>,
}

async fn expiry_page(
    State(s): State<OpsState>,
    shell: Shell,
    axum::extract::Query(q): axum::extract::Query<SentQuery>,
) -> Result<Response, AppError> {
    let today = local_today(s.clock.now());
    let can_manage = shell.has(yiqiao_core::Role::ItOps);
    html(&ExpiryPage {
        shell,
        today,
        items: st::expiring(s.db.conn(), today).await?,
        can_manage,
        sent: q.sent,
    })
}

#[derive(Deserialize)]
struct Empty {}

async fn notify(
    State(s): State<OpsState>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let now = s.clock.now();
    let n = st::send_expiry_notices(&s.db, local_today(now), now).await?;
    Ok(Redirect::to(&format!("/inspection/expiry?sent={n}")).into_response())
}

async fn api_list(State(s): State<OpsState>) -> Result<Json<Vec<asset::Model>>, AppError> {
    Ok(Json(st::list_assets(s.db.conn()).await?))
}

async fn api_expiry(State(s): State<OpsState>) -> Result<Json<Vec<Expiring>>, AppError> {
    Ok(Json(
        st::expiring(s.db.conn(), local_today(s.clock.now())).await?,
    ))
}

/// `POST /api/inspection/assets/import` with the xlsx file as the body (its media type
/// required, which a cross-site form cannot send).
async fn api_import(
    State(s): State<OpsState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with(XLSX) {
        return Err(AppError::new(
            yiqiao_core::ErrorKind::BadRequest,
            "BAD_CONTENT_TYPE",
            format!("请上传 xlsx 表格（Content-Type: {XLSX}）"),
        ));
    }
    let rows = asset_xlsx::read(&body)?;
    Ok(Json(
        st::import(&s.db, &rows, &Actor::person(me.actor()), s.clock.now()).await?,
    ))
}

impl ListPage {
    fn sel(&self, a: &str, b: &str) -> bool {
        a == b
    }
}
impl AssetPage {
    fn sel(&self, a: &str, b: &str) -> bool {
        a == b
    }
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}
