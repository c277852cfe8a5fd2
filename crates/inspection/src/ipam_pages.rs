//! The address plan page (地址与VLAN): VLANs, prefixes with their utilisation, addresses and
//! conflicts; forms to add each; the plan as JSON.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::domain::asset::NetworkZone;
use crate::domain::ipam::AddressStatus;
use crate::ops::{MANAGE, OpsState, READ, html};
use crate::store::OpsError;
use crate::store::ipam::{self as st, AddressDraft, Plan, PrefixDraft, VlanDraft};

pub(crate) fn routes() -> Routes<OpsState> {
    Routes::new()
        .page_get("/inspection/ipam", READ, get(page))
        .page_post("/inspection/ipam/vlans", MANAGE, post(add_vlan))
        .page_post("/inspection/ipam/prefixes", MANAGE, post(add_prefix))
        .page_post("/inspection/ipam/addresses", MANAGE, post(add_address))
        .api(Method::GET, "/api/inspection/ipam", READ, get(api_plan))
}

#[derive(Template)]
#[template(path = "inspection_ipam.html")]
struct Page {
    shell: Shell,
    plan: Plan,
    error: Option<String>,
    can_manage: bool,
    networks: &'static [NetworkZone],
    statuses: [AddressStatus; 4],
}

impl Page {
    fn net(&self, code: &str) -> &'static str {
        NetworkZone::parse(code).map_or("", NetworkZone::label)
    }
}

#[derive(Deserialize)]
struct ErrQuery {
    error: Option<String>,
}

async fn render(s: &OpsState, shell: Shell, error: Option<String>) -> Result<Response, AppError> {
    let can_manage = shell.has(yiqiao_core::Role::ItOps);
    html(&Page {
        shell,
        plan: st::plan(s.db.conn()).await?,
        error,
        can_manage,
        networks: NetworkZone::ALL,
        statuses: AddressStatus::ALL,
    })
}

async fn page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<ErrQuery>,
) -> Result<Response, AppError> {
    render(&s, shell, q.error).await
}

/// A refusal people can fix is shown on the page; anything else is an error response.
async fn done(s: &OpsState, shell: Shell, r: Result<i64, OpsError>) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(Redirect::to("/inspection/ipam").into_response()),
        Err(OpsError::Bad(m) | OpsError::Conflict(m) | OpsError::NotFound(m)) => {
            render(s, shell, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_vlan(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<VlanDraft>,
) -> Result<Response, AppError> {
    let r = st::add_vlan(&s.db, &d, &Actor::person(me.actor()), s.clock.now()).await;
    done(&s, shell, r).await
}

async fn add_prefix(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<PrefixDraft>,
) -> Result<Response, AppError> {
    let r = st::add_prefix(&s.db, &d, &Actor::person(me.actor()), s.clock.now()).await;
    done(&s, shell, r).await
}

async fn add_address(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<AddressDraft>,
) -> Result<Response, AppError> {
    let r = st::add_address(&s.db, &d, &Actor::person(me.actor()), s.clock.now()).await;
    done(&s, shell, r).await
}

async fn api_plan(State(s): State<OpsState>) -> Result<Json<Plan>, AppError> {
    Ok(Json(st::plan(s.db.conn()).await?))
}
