//! JSON endpoints: the reconciliation page's file upload (省平台结果文件上传). The page script
//! posts the chosen file as the raw request body with its media type, and shows the answer;
//! the file is read by the same code as `yiqiao drg reconcile FILE`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, header};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use yiqiao_core::ErrorKind;
use yiqiao_http::{AppError, CurrentUser, Routes};
use yiqiao_store::audit::Actor;

use crate::domain::reconcile::{self, RowError};
use crate::pages::{DrgState, POLICY, reconcile::report};
use crate::store::platform::{self, FileError};

yiqiao_http::app_error_from!(FileError, reconcile::TableRefused);

/// The xlsx media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The CSV media type.
pub const CSV: &str = "text/csv";
/// The largest platform file accepted (a year of the hospital's cases is far smaller).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// The endpoints, declared with their roles.
pub fn routes() -> Routes<DrgState> {
    Routes::new().api(
        Method::POST,
        "/api/drg/reconcile/import",
        POLICY,
        post(import).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
}

/// `?name=` — the uploaded file's name, kept as the import's source (来源).
#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    name: String,
}

/// What an upload did and the reconciliation after it.
#[derive(Debug, Serialize)]
pub struct UploadReport {
    /// Rows stored.
    pub rows: usize,
    /// Rows refused, by line.
    pub errors: Vec<RowError>,
    pub source: String,
    /// Cases in the platform's results, and of those grouped alike locally.
    pub total: u32,
    pub agree: u32,
    /// Agreement as text, e.g. `96.5%（193/200）`.
    pub agreement: String,
    pub points_differ: u32,
    pub disagreements: usize,
}

/// The file's kind from its declared media type; anything else is refused before reading.
enum Kind {
    Xlsx,
    Csv,
}

fn kind(headers: &HeaderMap) -> Result<Kind, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct.starts_with(XLSX) {
        Ok(Kind::Xlsx)
    } else if ct.starts_with(CSV) {
        Ok(Kind::Csv)
    } else {
        Err(AppError::new(
            ErrorKind::BadRequest,
            "BAD_CONTENT_TYPE",
            "请上传省平台导出的 xlsx 表格或 UTF-8 编码的 CSV 文件".to_owned(),
        ))
    }
}

/// `POST /api/drg/reconcile/import`: stores the platform's results from an xlsx or CSV file
/// (header with 病例编号, DRG, optionally 点数) and answers with the new reconciliation.
async fn import(
    State(s): State<DrgState>,
    me: CurrentUser,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UploadReport>, AppError> {
    if body.is_empty() {
        return Err(reconcile::TableRefused::Empty.into());
    }
    let rows = match kind(&headers)? {
        Kind::Xlsx => platform::xlsx_rows(&body)?,
        Kind::Csv => {
            let text = std::str::from_utf8(&body).map_err(|_| FileError::Encoding)?;
            reconcile::csv_rows(text)
        }
    };
    let (good, bad) = reconcile::read_table(&rows)?;
    let name = q.name.trim();
    let source = if name.is_empty() {
        "页面上传".to_owned()
    } else {
        name.to_owned()
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
    let version = s.current().await?;
    let r = report(&s.db, version.as_deref()).await?;
    Ok(Json(UploadReport {
        rows: imported.rows,
        errors: imported.errors,
        source,
        total: r.result.total,
        agree: r.result.agree,
        agreement: r.agreement(),
        points_differ: r.result.points_differ,
        disagreements: r.result.disagreements.len(),
    }))
}
