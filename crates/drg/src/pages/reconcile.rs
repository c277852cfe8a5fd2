//! Reconciliation with the provincial platform (省平台对账): the insurance office pastes or
//! imports the platform's results; everyone reading DRG sees the agreement rate and each
//! disagreement with the local trace, so coders see which input made the difference.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yiqiao_core::time::format_local;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Shell};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use super::{DrgState, html};
use crate::domain::Version;
use crate::domain::reconcile::{self, Reconciliation, RowError};
use crate::store::StoreError;
use crate::store::checks as queue;
use crate::store::platform::{self, Imported};

/// Disagreements shown with their trace (the rest are listed without it).
const TRACED: usize = 200;

/// One disagreement as shown.
pub struct DisagreementView {
    pub case_id: String,
    pub platform_drg: String,
    pub platform_points: String,
    pub local_drg: String,
    pub local_points: String,
    /// The local trace, `None` when the case is not in the HIS feed.
    pub trace: Option<Vec<String>>,
}

/// The reconciliation with traces, as the page and the command line show it.
pub struct Report {
    pub result: Reconciliation,
    pub rows: Vec<DisagreementView>,
}

impl Report {
    /// Agreement as text, e.g. `96.5%（193/200）`.
    pub fn agreement(&self) -> String {
        match self.result.agreement_permille() {
            Some(p) => format!(
                "{}.{}%（{}/{}）",
                p / 10,
                p % 10,
                self.result.agree,
                self.result.total
            ),
            None => "—".into(),
        }
    }
}

/// Reconciles and traces the disagreements with `version` (the version in use).
pub async fn report(db: &Db, version: Option<&Version>) -> Result<Report, StoreError> {
    let result = platform::reconcile(&**db).await?;
    let mut rows = Vec::new();
    for (i, d) in result.disagreements.iter().enumerate() {
        let trace = match version {
            Some(v) if i < TRACED => queue::stay(&**db, &d.case_id).await?.map(|stay| {
                v.explain(&stay.case_for(v))
                    .trace
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            }),
            _ => None,
        };
        rows.push(DisagreementView {
            case_id: d.case_id.clone(),
            platform_drg: d.platform_drg.clone(),
            platform_points: d
                .platform_points
                .map_or_else(|| "—".into(), |p| p.to_string()),
            local_drg: d
                .local
                .as_ref()
                .map_or_else(|| "（本地无此病例）".into(), |l| l.drg.clone()),
            local_points: d
                .local
                .as_ref()
                .and_then(|l| l.points)
                .map_or_else(|| "—".into(), |p| p.to_string()),
            trace,
        });
    }
    Ok(Report { result, rows })
}

#[derive(Template)]
#[template(path = "drg_reconcile.html")]
struct ReconcilePage {
    shell: Shell,
    last: Option<(String, DateTime<Utc>)>,
    report: Report,
    can_import: bool,
    /// The outcome of an import just made.
    imported: Option<Imported>,
    error: Option<String>,
    csv: String,
}

impl ReconcilePage {
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

async fn page(
    s: &DrgState,
    shell: Shell,
    imported: Option<Imported>,
    error: Option<String>,
    csv: String,
) -> Result<Response, AppError> {
    let version = s.current().await?;
    let can_import = shell.has(yiqiao_core::Role::Insurance);
    html(&ReconcilePage {
        shell,
        last: platform::last_import(&*s.db)
            .await
            .map_err(crate::store::StoreError::from)?,
        report: report(&s.db, version.as_deref()).await?,
        can_import,
        imported,
        error,
        csv,
    })
}

pub async fn reconcile_page(State(s): State<DrgState>, shell: Shell) -> Result<Response, AppError> {
    page(&s, shell, None, None, String::new()).await
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
    #[serde(default)]
    source: String,
}

/// Imports pasted CSV (表头含 病例编号、DRG，可选 点数). Bad rows are listed; the rest is stored.
pub async fn import_csv(
    State(s): State<DrgState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> Result<Response, AppError> {
    let rows = reconcile::csv_rows(&form.csv);
    match reconcile::read_table(&rows) {
        Err(e) => {
            let mut r = page(&s, shell, None, Some(e.to_string()), form.csv).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Ok((good, bad)) => {
            let source = if form.source.trim().is_empty() {
                "页面粘贴".to_owned()
            } else {
                form.source.trim().to_owned()
            };
            let imported = platform::import(
                &s.db,
                good,
                bad,
                &source,
                &Actor::person(me.actor()),
                s.clock.now(),
            )
            .await?;
            page(&s, shell, Some(imported), None, String::new()).await
        }
    }
}

/// The lines of a report for the command line.
pub fn report_lines(r: &Report, errors: &[RowError]) -> Vec<String> {
    let mut out = Vec::new();
    for e in errors {
        out.push(format!("第 {} 行：{}", e.line, e.message));
    }
    out.push(format!(
        "与省平台一致 {}；DRG 一致但点数不同 {} 例；不一致 {} 例",
        r.agreement(),
        r.result.points_differ,
        r.result.disagreements.len()
    ));
    for d in &r.rows {
        out.push(format!(
            "{}\t省平台 {}（{} 点）\t本地 {}（{} 点）",
            d.case_id, d.platform_drg, d.platform_points, d.local_drg, d.local_points
        ));
        for step in d.trace.iter().flatten() {
            out.push(format!("    {step}"));
        }
    }
    out
}
