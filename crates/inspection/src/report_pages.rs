//! The monthly report page (月度运行报告): stored reports by month, generate now, download.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Routes, Shell};

use crate::domain::inspection::Period;
use crate::ops::{OpsState, READ, html};
use crate::store::report::{self as st, StoredReport};

pub(crate) fn routes() -> Routes<OpsState> {
    Routes::new()
        .page_get("/inspection/reports", READ, get(reports_page))
        .page_post("/inspection/reports/generate", READ, post(generate))
        .page_get("/inspection/reports/{month}/pdf", READ, get(download_pdf))
        .page_get("/inspection/reports/{month}/xlsx", READ, get(download_xlsx))
}

#[derive(Template)]
#[template(path = "inspection_reports.html")]
struct ReportsPage {
    shell: Shell,
    reports: Vec<StoredReport>,
    /// The month offered for "generate now": the previous one.
    default_month: String,
    msg: Option<String>,
}

#[derive(Deserialize)]
struct Msg {
    msg: Option<String>,
}

async fn reports_page(
    State(s): State<OpsState>,
    shell: Shell,
    Query(q): Query<Msg>,
) -> Result<Response, AppError> {
    let prev = crate::domain::availability::Period::previous_local_month(s.clock.now())
        .ok()
        .and_then(|p| chrono::DateTime::from_timestamp(p.start(), 0))
        .map(|t| {
            yiqiao_core::time::local_today(t)
                .format("%Y-%m")
                .to_string()
        })
        .unwrap_or_default();
    html(&ReportsPage {
        shell,
        reports: st::kept(s.db.conn()).await?,
        default_month: prev,
        msg: q.msg,
    })
}

#[derive(Deserialize)]
struct GenerateForm {
    month: String,
}

fn month_of(s: &str) -> Result<Period, AppError> {
    Period::parse(s).ok_or_else(|| {
        AppError::bad_request("BAD_PERIOD", format!("报告月份「{s}」应写成 2026-11"))
    })
}

async fn generate(
    State(s): State<OpsState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<GenerateForm>,
) -> Result<Response, AppError> {
    let month = month_of(&f.month)?;
    crate::report_print::generate(
        &s.db,
        &shell.hospital,
        month,
        &me.display_name,
        s.clock.now(),
        true,
    )
    .await?;
    let msg = format!("已生成 {month} 月度运行报告");
    let q: String = url_query(&msg);
    Ok(Redirect::to(&format!("/inspection/reports?msg={q}")).into_response())
}

fn url_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn download(s: &OpsState, month: &str, pdf: bool) -> Result<Response, AppError> {
    let month = month_of(month)?;
    let r = st::kept_month(s.db.conn(), month).await?;
    let (ty, ext, bytes) = if pdf {
        ("application/pdf", "pdf", r.pdf)
    } else {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            r.xlsx,
        )
    };
    let disposition = if pdf { "inline" } else { "attachment" };
    Ok((
        [
            (header::CONTENT_TYPE, ty.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"monthly-report-{month}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn download_pdf(
    State(s): State<OpsState>,
    Path(month): Path<String>,
) -> Result<Response, AppError> {
    download(&s, &month, true).await
}

async fn download_xlsx(
    State(s): State<OpsState>,
    Path(month): Path<String>,
) -> Result<Response, AppError> {
    download(&s, &month, false).await
}
