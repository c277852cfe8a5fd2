//! The topology page (网络拓扑): the diagram, the links on record, differences from discovery
//! to confirm, and a form for links entered by hand.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yiqiao_core::Role;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::domain::links::Difference;
use crate::ops::{MANAGE, OpsState, READ, html};
use crate::store::OpsError;
use crate::store::links::{self as st, DeviceDifference, LinkDraft, link};

pub(crate) fn routes() -> Routes<OpsState> {
    Routes::new()
        .page_get("/inspection/topology", READ, get(page))
        .page_get("/inspection/topology.svg", READ, get(svg))
        .page_get("/inspection/topology.pdf", READ, get(pdf))
        .page_post("/inspection/topology/links", MANAGE, post(add))
        .page_post("/inspection/topology/confirm", MANAGE, post(confirm))
}

#[derive(Template)]
#[template(path = "inspection_topology.html")]
struct Page {
    shell: Shell,
    svg: String,
    links: Vec<link::Model>,
    diffs: Vec<DeviceDifference>,
    msg: Option<String>,
    can_manage: bool,
}

impl Page {
    /// The hidden fields that confirm a difference.
    fn confirm_fields(&self, d: &DeviceDifference) -> (String, String, String, String) {
        match &d.difference {
            Difference::New { local_port, found }
            | Difference::Changed {
                local_port, found, ..
            } => (
                "accept".into(),
                local_port.clone(),
                found.name.clone(),
                found.port.clone(),
            ),
            Difference::Missing { local_port, .. } => (
                "remove".into(),
                local_port.clone(),
                String::new(),
                String::new(),
            ),
        }
    }
}

#[derive(Deserialize, Default)]
struct Q {
    msg: Option<String>,
}

async fn page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<Q>,
) -> Result<Response, AppError> {
    let can_manage = shell.has(Role::ItOps);
    html(&Page {
        shell,
        svg: st::diagram(s.db.conn()).await?,
        links: st::all_links(s.db.conn()).await?,
        diffs: st::differences(s.db.conn()).await?,
        msg: q.msg,
        can_manage,
    })
}

async fn svg(State(s): State<OpsState>) -> Result<Response, AppError> {
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"topology.svg\"",
            ),
        ],
        st::diagram(s.db.conn()).await?,
    )
        .into_response())
}

/// The typst markup of the printed diagram (A3 landscape, the drawing fitted to the page).
const PRINT_FORM: &str = include_str!("../templates/inspection_topology.typ");

/// The diagram printed through the shared printer, for the binder in the machine room.
async fn pdf(State(s): State<OpsState>, shell: Shell) -> Result<Response, AppError> {
    let (devices, links) = st::diagram_parts(s.db.conn()).await?;
    let drawing = crate::domain::layout::layout(&devices, &links);
    let paper = crate::domain::layout::paper_for(&drawing);
    let svg = crate::domain::layout::svg(&drawing);
    let hospital = shell.hospital.clone();
    let generated = yiqiao_core::time::format_local(s.clock.now());
    // Compiling is CPU work: off the async threads.
    let bytes = tokio::task::spawn_blocking(move || {
        let printer = yiqiao_print::Printer::system()?;
        printer.pdf(&yiqiao_print::Document {
            source: PRINT_FORM.to_owned(),
            data: serde_json::json!({
                "font": printer.chinese_family(),
                "hospital": hospital,
                "title": "网络拓扑图",
                "paper": paper,
                "generated": generated,
            }),
            files: vec![("/topology.svg".to_owned(), svg.into_bytes())],
            standard: yiqiao_print::Standard::Pdf,
        })
    })
    .await
    .map_err(|e| AppError::internal(format!("print task: {e}")))?
    .map_err(|e| AppError::from_refusal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"topology.pdf\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

fn back(r: Result<(), OpsError>) -> Result<Response, AppError> {
    let msg = match r {
        Ok(()) => return Ok(Redirect::to("/inspection/topology").into_response()),
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
    Ok(Redirect::to(&format!("/inspection/topology?msg={enc}")).into_response())
}

async fn add(
    State(s): State<OpsState>,
    me: CurrentUser,
    CsrfForm(d): CsrfForm<LinkDraft>,
) -> Result<Response, AppError> {
    back(
        st::record_link(
            &s.db,
            &d,
            "manual",
            &Actor::person(me.actor()),
            s.clock.now(),
        )
        .await,
    )
}

#[derive(Deserialize)]
struct ConfirmForm {
    action: String,
    asset_code: String,
    local_port: String,
    #[serde(default)]
    remote: String,
    #[serde(default)]
    remote_port: String,
}

async fn confirm(
    State(s): State<OpsState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let by = Actor::person(me.actor());
    let now = s.clock.now();
    let r = match f.action.as_str() {
        "accept" => {
            st::record_link(
                &s.db,
                &LinkDraft {
                    asset_code: f.asset_code,
                    local_port: f.local_port,
                    remote: f.remote,
                    remote_port: f.remote_port,
                },
                "confirmed",
                &by,
                now,
            )
            .await
        }
        "remove" => st::remove_link(&s.db, &f.asset_code, &f.local_port, &by, now).await,
        other => Err(OpsError::Bad(format!("不认识的操作「{other}」"))),
    };
    back(r)
}
