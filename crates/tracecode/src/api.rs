//! JSON endpoints: the catalogue's trace policy and identification codes (药库), and the
//! identification of a scanned code (药库, 药房, 病区).
//!
//! Writes with a body take `application/json` (or `text/csv` for an import): a cross-site
//! form cannot send those without the browser asking first, so together with the
//! `SameSite=Strict` session cookie they need no form token.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};
use yiqiao_core::Role;
use yiqiao_core::time::Clock;
use yiqiao_http::{Access, AppError, CurrentUser, Routes};
use yiqiao_store::Db;

use crate::TraceError;
use crate::document::{
    Dispense, Receipt, ScanDocument, SupplierReturn, UncollectedLines, Ward, WholeScans, doc_id,
    line_no, person, pharmacist, view_or_refusal,
};
use crate::domain::catalogue::{NewIdent, PolicySetting, csv_rows, decode_text, parse_import};
use crate::domain::code::{ParseReport, TraceCode};
use crate::domain::receipt::{NewReceipt, RawReceipt};
use crate::store::catalogue::{self as cat, CatalogueDrug, DrugFilter, Ident, ImportSummary};
use crate::store::{dispense, receipt, stock, supplier_return, ward};

/// What the module's handlers need.
#[derive(Clone)]
pub struct TraceState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// When ward dispensing is uploaded (`[tracecode] ward_upload`).
    pub ward_upload: crate::domain::ward::WardUpload,
    /// How split quantities are traced (`[tracecode] split_policy`).
    pub split_policy: crate::domain::split::SplitPolicy,
}

/// 药库: keeps the catalogue's identification codes and policies.
pub const CATALOGUE_WRITE: Access = Access::Roles(&[Role::DrugStore]);
/// Who may look at the catalogue's trace data: the drug store, pharmacists, the insurance
/// office (whose uploads depend on it).
pub const CATALOGUE_READ: Access =
    Access::Roles(&[Role::DrugStore, Role::Pharmacist, Role::Insurance]);
/// 药库: purchase warehouse-in (采购入库).
pub const RECEIPTS: Access = Access::Roles(&[Role::DrugStore]);
/// 门诊药房: outpatient dispensing.
pub const DISPENSERS: Access = Access::Roles(&[Role::Pharmacist]);
/// Who may trace a code: the drug store, pharmacists and the insurance office.
pub const TRACERS: Access = Access::Roles(&[Role::DrugStore, Role::Pharmacist, Role::Insurance]);
/// 医保办: the NHSA 进销存 messages (status, resend, 3507 delete).
pub const UPLOADS: Access = Access::Roles(&[Role::Insurance]);
/// 住院病区发药: the inpatient pharmacy or the ward nurse scans; the nurse returns.
pub const WARD: Access = Access::Roles(&[Role::Pharmacist, Role::Nurse]);
/// Who may queue a patient's ward sales at settlement: pharmacists and the insurance office.
pub const WARD_SETTLE: Access = Access::Roles(&[Role::Pharmacist, Role::Insurance]);
/// Stock-take uploads and stock changes (盘损, 销毁): the drug store and the pharmacies.
pub const STOCK: Access = Access::Roles(&[Role::DrugStore, Role::Pharmacist]);
/// The figures: the drug store, pharmacists, the insurance office and quality control.
pub const FIGURES: Access = Access::Roles(&[
    Role::DrugStore,
    Role::Pharmacist,
    Role::Insurance,
    Role::Quality,
]);
/// Who scans codes: drug store, pharmacists, ward nurses.
pub const SCANNERS: Access = Access::Roles(&[Role::DrugStore, Role::Pharmacist, Role::Nurse]);

/// The module's JSON endpoints and pages.
pub fn routes(state: TraceState) -> Routes<()> {
    api_routes().merge(crate::pages::routes()).with_state(state)
}

fn api_routes() -> Routes<TraceState> {
    Routes::new()
        .api(
            Method::GET,
            "/api/tracecode/drugs",
            CATALOGUE_READ,
            get(list_drugs),
        )
        .api(
            Method::GET,
            "/api/tracecode/drugs/{code}",
            CATALOGUE_READ,
            get(get_drug),
        )
        .api(
            Method::PUT,
            "/api/tracecode/drugs/{code}/policy",
            CATALOGUE_WRITE,
            put(put_policy),
        )
        .api(
            Method::POST,
            "/api/tracecode/drugs/{code}/idents",
            CATALOGUE_WRITE,
            post(post_ident),
        )
        .api(
            Method::DELETE,
            "/api/tracecode/idents/{id}",
            CATALOGUE_WRITE,
            delete(delete_ident),
        )
        .api(
            Method::POST,
            "/api/tracecode/idents/import",
            CATALOGUE_WRITE,
            post(import_idents),
        )
        .api(
            Method::POST,
            "/api/tracecode/relations/import",
            RECEIPTS,
            post(import_relations),
        )
        .api(
            Method::POST,
            "/api/tracecode/identify",
            SCANNERS,
            post(identify),
        )
        .api(
            Method::GET,
            "/api/tracecode/receipts",
            RECEIPTS,
            get(list_receipts),
        )
        .api(
            Method::POST,
            "/api/tracecode/receipts",
            RECEIPTS,
            post(create_receipt),
        )
        .api(
            Method::GET,
            "/api/tracecode/receipts/{id}",
            RECEIPTS,
            get(get_doc::<Receipt>),
        )
        .api(
            Method::POST,
            "/api/tracecode/receipts/{id}/scans",
            RECEIPTS,
            post(scan::<Receipt>),
        )
        .api(
            Method::POST,
            "/api/tracecode/receipts/{id}/unscan",
            RECEIPTS,
            post(unscan_receipt),
        )
        .api(
            Method::POST,
            "/api/tracecode/receipts/{id}/confirm",
            RECEIPTS,
            post(confirm::<Receipt>),
        )
        .api(
            Method::GET,
            "/api/tracecode/trace",
            TRACERS,
            get(trace_code),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses",
            DISPENSERS,
            post(open_dispense),
        )
        .api(
            Method::GET,
            "/api/tracecode/dispenses/{id}",
            DISPENSERS,
            get(get_doc::<Dispense>),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/scans",
            DISPENSERS,
            post(scan::<Dispense>),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/lines/{line}/uncollected",
            DISPENSERS,
            post(uncollected::<Dispense>),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/confirm",
            DISPENSERS,
            post(confirm::<Dispense>),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/returns",
            DISPENSERS,
            post(return_dispensed),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/split-draws",
            DISPENSERS,
            post(draw_split),
        )
        .api(
            Method::DELETE,
            "/api/tracecode/dispenses/{id}/split-draws/{draw}",
            DISPENSERS,
            delete(undo_split),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/reads",
            DISPENSERS,
            post(read_dispense),
        )
        .api(
            Method::POST,
            "/api/tracecode/dispenses/{id}/split-returns",
            DISPENSERS,
            post(return_split),
        )
        .api(
            Method::GET,
            "/api/tracecode/supplier-returns",
            RECEIPTS,
            get(list_supplier_returns),
        )
        .api(
            Method::POST,
            "/api/tracecode/supplier-returns",
            RECEIPTS,
            post(create_supplier_return),
        )
        .api(
            Method::GET,
            "/api/tracecode/supplier-returns/{id}",
            RECEIPTS,
            get(get_doc::<SupplierReturn>),
        )
        .api(
            Method::POST,
            "/api/tracecode/supplier-returns/{id}/scans",
            RECEIPTS,
            post(scan::<SupplierReturn>),
        )
        .api(
            Method::POST,
            "/api/tracecode/supplier-returns/{id}/confirm",
            RECEIPTS,
            post(confirm::<SupplierReturn>),
        )
        .api(
            Method::POST,
            "/api/tracecode/stock-takes",
            STOCK,
            post(post_stock_take),
        )
        .api(
            Method::POST,
            "/api/tracecode/stock-changes",
            STOCK,
            post(post_stock_change),
        )
        .api(
            Method::GET,
            "/api/tracecode/figures",
            FIGURES,
            get(get_figures),
        )
        .api(
            Method::GET,
            "/api/tracecode/ward/lists",
            WARD,
            get(list_ward_lists),
        )
        .api(Method::POST, "/api/tracecode/ward", WARD, post(open_ward))
        .api(
            Method::GET,
            "/api/tracecode/ward/{id}",
            WARD,
            get(get_doc::<Ward>),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/{id}/scans",
            WARD,
            post(scan_ward),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/{id}/reads",
            WARD,
            post(read_ward),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/{id}/split-draws",
            WARD,
            post(draw_ward_split),
        )
        .api(
            Method::DELETE,
            "/api/tracecode/ward/{id}/split-draws/{draw}",
            WARD,
            delete(undo_ward_split),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/{id}/lines/{line}/uncollected",
            WARD,
            post(uncollected::<Ward>),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/{id}/confirm",
            WARD,
            post(confirm::<Ward>),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/{id}/returns",
            WARD,
            post(return_ward),
        )
        .api(
            Method::POST,
            "/api/tracecode/ward/patients/{patient}/settle",
            WARD_SETTLE,
            post(settle_ward_patient),
        )
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub filter: String,
    pub limit: Option<u64>,
}

async fn list_drugs(
    State(s): State<TraceState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<CatalogueDrug>>, AppError> {
    let limit = q.limit.unwrap_or(100);
    let drugs = cat::list_drugs(&*s.db, &q.q, DrugFilter::parse(&q.filter), limit).await?;
    Ok(Json(drugs))
}

/// A drug with its identification codes.
#[derive(Serialize)]
pub struct DrugDetail {
    pub drug: CatalogueDrug,
    pub idents: Vec<Ident>,
}

async fn load_detail(db: &Db, code: &str) -> Result<DrugDetail, AppError> {
    let drug = cat::drug(&**db, code)
        .await?
        .ok_or_else(|| AppError::not_found(format!("没有药品「{code}」")))?;
    let idents = cat::idents_of(&**db, code).await?;
    Ok(DrugDetail { drug, idents })
}

async fn get_drug(
    State(s): State<TraceState>,
    Path(code): Path<String>,
) -> Result<Json<DrugDetail>, AppError> {
    Ok(Json(load_detail(&s.db, &code).await?))
}

/// Reads a JSON body, refusing a malformed one with its reason (never a 500).
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(AppError::bad_request(
            "JSON_REQUIRED",
            "请求体应为 JSON（Content-Type: application/json）",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request("BAD_JSON", format!("JSON 内容有误：{e}")))
}

#[derive(Deserialize)]
pub struct PolicyBody {
    pub policy: String,
    pub reason: Option<String>,
}

async fn put_policy(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DrugDetail>, AppError> {
    let b: PolicyBody = json_body(&headers, &body)?;
    let setting = PolicySetting::parse(&b.policy, b.reason.as_deref())?;
    cat::set_policy(&s.db, &code, &setting, &person(&me), s.clock.now()).await?;
    Ok(Json(load_detail(&s.db, &code).await?))
}

#[derive(Deserialize)]
pub struct IdentBody {
    pub code: String,
    pub level: String,
    pub units: serde_json::Value,
}

async fn post_ident(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let b: IdentBody = json_body(&headers, &body)?;
    let units = match &b.units {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let n = NewIdent::parse(&b.code, &b.level, &units)?;
    let ident = cat::add_ident(&s.db, &code, &n, &person(&me), s.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(ident)).into_response())
}

async fn delete_ident(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Ident>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found("没有这条标识码"))?;
    let removed = cat::remove_ident(&s.db, id, &person(&me), s.clock.now()).await?;
    Ok(Json(removed))
}

/// Reads an import file's bytes (an xlsx workbook, or CSV in UTF-8 or GBK) into rows, every
/// bad row named. An xlsx file is known by its zip signature.
pub fn read_import(bytes: &[u8]) -> Result<Vec<crate::domain::catalogue::ImportRow>, TraceError> {
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        crate::domain::catalogue::xlsx_rows(bytes).map_err(|e| TraceError::Import(vec![e]))?
    } else {
        let text = decode_text(bytes);
        csv_rows(&text).map_err(|e| TraceError::Import(vec![e]))?
    };
    parse_import(&rows).map_err(TraceError::Import)
}

/// The content type of an xlsx workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn import_idents(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportSummary>, AppError> {
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv") || v.starts_with(XLSX));
    if !is_csv {
        return Err(AppError::bad_request(
            "CSV_REQUIRED",
            "请以 CSV 或 xlsx 文件上传（Content-Type: text/csv 或 xlsx）",
        ));
    }
    let rows = read_import(&body)?;
    let summary = cat::import_idents(&s.db, &rows, &person(&me), s.clock.now()).await?;
    Ok(Json(summary))
}

/// Reads a parent–child relation file (xlsx, or CSV in UTF-8 or GBK), every bad row named.
pub fn read_relations(
    bytes: &[u8],
) -> Result<Vec<crate::domain::relation::RelationRow>, TraceError> {
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        crate::domain::catalogue::xlsx_rows(bytes).map_err(|e| TraceError::Import(vec![e]))?
    } else {
        csv_rows(&decode_text(bytes)).map_err(|e| TraceError::Import(vec![e]))?
    };
    crate::domain::relation::parse_relations(&rows).map_err(TraceError::Import)
}

async fn import_relations(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<crate::store::relation::RelationSummary>, AppError> {
    let ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv") || v.starts_with(XLSX));
    if !ok {
        return Err(AppError::bad_request(
            "CSV_REQUIRED",
            "请以 CSV 或 xlsx 文件上传（Content-Type: text/csv 或 xlsx）",
        ));
    }
    let rows = read_relations(&body)?;
    let summary = crate::store::relation::import(&s.db, &rows, &person(&me), s.clock.now()).await?;
    Ok(Json(summary))
}

#[derive(Deserialize)]
pub struct IdentifyBody {
    pub code: String,
}

/// A scanned code read and looked up: its parse report, and the drug it belongs to (null:
/// 未对照).
#[derive(Serialize)]
pub struct Identified {
    #[serde(flatten)]
    pub report: ParseReport,
    /// The code's identity (what "received once, dispensed once" is decided on).
    pub key: Option<String>,
    pub ident: Option<Ident>,
    pub drug: Option<CatalogueDrug>,
    /// 未对照: parsed, but no identification code of the catalogue matches.
    pub unmapped: bool,
}

async fn identify(
    State(s): State<TraceState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Identified>, AppError> {
    let b: IdentifyBody = json_body(&headers, &body)?;
    let report = ParseReport::of(&b.code);
    let Ok(code) = TraceCode::parse(&b.code) else {
        return Ok(Json(Identified {
            report,
            key: None,
            ident: None,
            drug: None,
            unmapped: false,
        }));
    };
    let ident = cat::identify(&*s.db, &code).await?;
    let drug = match &ident {
        Some(i) => cat::drug(&*s.db, &i.drug_code).await?,
        None => None,
    };
    Ok(Json(Identified {
        report,
        key: Some(code.key()),
        unmapped: ident.is_none(),
        ident,
        drug,
    }))
}

// ---- what every scanning document has (see [`crate::document`]) ----

async fn get_doc<D: ScanDocument>(
    State(s): State<TraceState>,
    Path(id): Path<String>,
) -> Result<Json<D::View>, AppError> {
    let id = doc_id::<D>(&id)?;
    Ok(Json(view_or_refusal::<D>(&s, id).await?))
}

/// 扫码: one package's code onto the document.
async fn scan<D: WholeScans>(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<D::Scanned>, AppError> {
    let id = doc_id::<D>(&id)?;
    let b: IdentifyBody = json_body(&headers, &body)?;
    Ok(Json(D::scan(&s, id, &b.code, &me).await?))
}

async fn confirm<D: ScanDocument>(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<D::View>, AppError> {
    let id = doc_id::<D>(&id)?;
    Ok(Json(D::confirm(&s, id, &me).await?))
}

/// 未取药: a line recorded as not collected, with the reason; answers the document.
async fn uncollected<D: UncollectedLines>(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path((id, line)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<D::View>, AppError> {
    let id = doc_id::<D>(&id)?;
    let line = line_no::<D>(&line)?;
    let b: ReasonBody = json_body(&headers, &body)?;
    D::mark_uncollected(&s, id, line, &b.reason, &me).await?;
    Ok(Json(view_or_refusal::<D>(&s, id).await?))
}

// ---- purchase warehouse-in ----

async fn list_receipts(
    State(s): State<TraceState>,
) -> Result<Json<Vec<receipt::ReceiptSummary>>, AppError> {
    Ok(Json(receipt::list(&*s.db, 200).await?))
}

async fn create_receipt(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let raw: RawReceipt = json_body(&headers, &body)?;
    let r = NewReceipt::parse(&raw).map_err(AppError::fields)?;
    let view = receipt::create(&s.db, &r, &person(&me), s.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn unscan_receipt(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<receipt::ReceiptView>, AppError> {
    let id = doc_id::<Receipt>(&id)?;
    let b: IdentifyBody = json_body(&headers, &body)?;
    receipt::unscan(&s.db, id, &b.code, &person(&me), s.clock.now()).await?;
    Ok(Json(view_or_refusal::<Receipt>(&s, id).await?))
}

// ---- outpatient dispensing ----

#[derive(Deserialize)]
pub struct OpenBody {
    pub rx_no: String,
}

async fn open_dispense(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<dispense::DispenseView>, AppError> {
    let b: OpenBody = json_body(&headers, &body)?;
    let v = dispense::open(&s.db, b.rx_no.trim(), &person(&me), s.clock.now()).await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: String,
}

// ---- trace one code ----

#[derive(Deserialize)]
pub struct TraceQuery {
    #[serde(default)]
    pub code: String,
}

/// A code read, and where it has been (null: never received here).
#[derive(Serialize)]
pub struct TraceAnswer {
    #[serde(flatten)]
    pub report: ParseReport,
    pub key: Option<String>,
    pub trace: Option<crate::store::trace::CodeTrace>,
}

/// Reads a code and traces it.
pub async fn trace_answer(db: &Db, raw: &str) -> Result<TraceAnswer, AppError> {
    let report = ParseReport::of(raw);
    let Ok(code) = TraceCode::parse(raw) else {
        return Ok(TraceAnswer {
            report,
            key: None,
            trace: None,
        });
    };
    let key = code.key();
    let trace = crate::store::trace::trace(&**db, &key).await?;
    Ok(TraceAnswer {
        report,
        key: Some(key),
        trace,
    })
}

async fn trace_code(
    State(s): State<TraceState>,
    Query(q): Query<TraceQuery>,
) -> Result<Json<TraceAnswer>, AppError> {
    Ok(Json(trace_answer(&s.db, &q.code).await?))
}

#[derive(Deserialize)]
pub struct ReturnBody {
    pub code: String,
    /// The package cannot be resold: to quarantine, not back to stock.
    #[serde(default)]
    pub quarantine: bool,
}

async fn return_dispensed(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<dispense::Returned>, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let b: ReturnBody = json_body(&headers, &body)?;
    let r = dispense::return_code(
        &s.db,
        id,
        &b.code,
        b.quarantine,
        &pharmacist(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(r))
}

/// 拆零扫码: the opened package's code for a line's split quantity.
async fn draw_split(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<crate::store::split::SplitDrawn>, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let b: IdentifyBody = json_body(&headers, &body)?;
    let ok = crate::store::split::draw(
        &s.db,
        s.split_policy,
        id,
        &b.code,
        &pharmacist(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(ok))
}

/// A split draw's id from a path: anything else is "no such draw".
pub fn draw_no(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::from(crate::domain::dispense::DispenseError::NoSuchDraw))
}

/// Undoes a draw of an open dispense: its units go back into the package.
async fn undo_split(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path((id, draw)): Path<(String, String)>,
) -> Result<Json<crate::store::split::SplitUndone>, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let draw = draw_no(&draw)?;
    let r =
        crate::store::split::undo_draw(&s.db, id, draw, &pharmacist(&me), s.clock.now()).await?;
    Ok(Json(r))
}

/// The one scan field: a whole package, or under `draw` an opened package's code for a line's
/// split quantity (`kind` says which).
async fn read_dispense(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<dispense::Scanned>, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let b: IdentifyBody = json_body(&headers, &body)?;
    let ok = dispense::read(
        &s.db,
        s.split_policy,
        id,
        &b.code,
        &pharmacist(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(ok))
}

/// 拆零退药: the split units a confirmed dispense drew from the package go back into it.
async fn return_split(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<crate::store::split::SplitReturned>, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let b: IdentifyBody = json_body(&headers, &body)?;
    let r = crate::store::split::return_draw(&s.db, id, &b.code, &pharmacist(&me), s.clock.now())
        .await?;
    Ok(Json(r))
}

// ---- inpatient ward dispensing ----

async fn list_ward_lists(
    State(s): State<TraceState>,
) -> Result<Json<Vec<ward::WardListSummary>>, AppError> {
    Ok(Json(ward::lists(&*s.db, 100).await?))
}

#[derive(Deserialize)]
pub struct OpenWardBody {
    pub list_id: String,
}

async fn open_ward(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ward::WardView>, AppError> {
    let b: OpenWardBody = json_body(&headers, &body)?;
    let v = ward::open(&s.db, b.list_id.trim(), &person(&me), s.clock.now()).await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
pub struct WardScanBody {
    pub code: String,
    /// The patient (bed) being scanned; empty or absent: any patient of the list.
    #[serde(default)]
    pub patient_id: Option<String>,
}

impl WardScanBody {
    pub fn patient(&self) -> Option<&str> {
        self.patient_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }
}

async fn scan_ward(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ward::WardScanOk>, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let b: WardScanBody = json_body(&headers, &body)?;
    let ok = ward::scan(&s.db, id, &b.code, b.patient(), &person(&me), s.clock.now()).await?;
    Ok(Json(ok))
}

/// The ward page's one scan field: a whole package, or under `draw` an opened package for a
/// line's split quantity (`kind` says which).
async fn read_ward(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ward::WardScanned>, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let b: WardScanBody = json_body(&headers, &body)?;
    let ok = ward::read(
        &s.db,
        s.split_policy,
        id,
        &b.code,
        b.patient(),
        &pharmacist(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(ok))
}

/// 拆零扫码 on the ward: the opened package's code for a ward line's split quantity.
async fn draw_ward_split(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<crate::store::split::WardSplitDrawn>, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let b: WardScanBody = json_body(&headers, &body)?;
    let ok = crate::store::split::draw_ward(
        &s.db,
        s.split_policy,
        id,
        &b.code,
        b.patient(),
        &pharmacist(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(ok))
}

async fn return_ward(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ward::WardReturned>, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let b: ReturnBody = json_body(&headers, &body)?;
    let r = ward::return_code(
        &s.db,
        id,
        &b.code,
        b.quarantine,
        &pharmacist(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(r))
}

/// Undoes a draw of an open ward dispensing: its units go back into the package.
async fn undo_ward_split(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path((id, draw)): Path<(String, String)>,
) -> Result<Json<crate::store::split::WardSplitUndone>, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let draw = draw_no(&draw)?;
    let r = crate::store::split::undo_ward_draw(&s.db, id, draw, &pharmacist(&me), s.clock.now())
        .await?;
    Ok(Json(r))
}

/// How many 3505s a settlement queued.
#[derive(Serialize)]
pub struct Settled {
    pub messages: usize,
}

async fn settle_ward_patient(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(patient): Path<String>,
) -> Result<Json<Settled>, AppError> {
    let messages = ward::settle_patient(&s.db, &patient, &pharmacist(&me), s.clock.now()).await?;
    Ok(Json(Settled { messages }))
}

// ---- supplier returns and stock changes ----

async fn list_supplier_returns(
    State(s): State<TraceState>,
) -> Result<Json<Vec<supplier_return::ReturnSummary>>, AppError> {
    Ok(Json(supplier_return::list(&*s.db, 200).await?))
}

async fn create_supplier_return(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    use crate::domain::supplier_return::{NewSupplierReturn, RawSupplierReturn};
    let raw: RawSupplierReturn = json_body(&headers, &body)?;
    let r = NewSupplierReturn::parse(&raw).map_err(AppError::fields)?;
    let view = supplier_return::create(&s.db, &r, &person(&me), s.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize)]
pub struct StockTakeBody {
    pub location: String,
}

async fn post_stock_take(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<stock::StockTaken>, AppError> {
    let b: StockTakeBody = json_body(&headers, &body)?;
    let t = stock::stock_take(&s.db, &b.location, &person(&me), s.clock.now()).await?;
    Ok(Json(t))
}

#[derive(Deserialize)]
pub struct StockChangeBody {
    /// `104` 盘损 or `105` 销毁.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub codes: Vec<String>,
    pub memo: Option<String>,
}

async fn post_stock_change(
    State(s): State<TraceState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<stock::Changed>, AppError> {
    let b: StockChangeBody = json_body(&headers, &body)?;
    let kind = crate::domain::supplier_return::ChangeKind::parse(&b.kind)?;
    let done = stock::change(
        &s.db,
        kind,
        &b.codes,
        b.memo.as_deref(),
        &person(&me),
        s.clock.now(),
    )
    .await?;
    Ok(Json(done))
}

// ---- figures ----

#[derive(Deserialize, Default)]
pub struct FiguresQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub dept: String,
}

impl FiguresQuery {
    /// The period (default: the last 7 days to today, Beijing time) and department, or why not.
    pub fn read(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate, Option<String>), AppError> {
        let today = now
            .with_timezone(&yiqiao_core::time::shanghai())
            .date_naive();
        let date = |s: &str, name: &str, default: chrono::NaiveDate| {
            if s.trim().is_empty() {
                return Ok(default);
            }
            chrono::NaiveDate::parse_from_str(s.trim(), yiqiao_core::time::DATE_FORMAT).map_err(
                |_| {
                    AppError::bad_request(
                        "BAD_DATE",
                        format!(
                            "{name}「{}」不是有效日期（YYYY-MM-DD）",
                            s.chars().take(20).collect::<String>()
                        ),
                    )
                },
            )
        };
        let to = date(&self.to, "截止日期", today)?;
        let from = date(&self.from, "起始日期", to - chrono::Duration::days(6))?;
        if from > to {
            return Err(AppError::bad_request("BAD_PERIOD", "起始日期晚于截止日期"));
        }
        if (to - from).num_days() >= crate::store::figures::MAX_DAYS {
            return Err(AppError::bad_request(
                "BAD_PERIOD",
                format!("一次最多查询 {} 天", crate::store::figures::MAX_DAYS),
            ));
        }
        let dept = Some(self.dept.trim().to_owned()).filter(|d| !d.is_empty());
        Ok((from, to, dept))
    }
}

async fn get_figures(
    State(s): State<TraceState>,
    Query(q): Query<FiguresQuery>,
) -> Result<Json<crate::store::figures::Figures>, AppError> {
    let (from, to, dept) = q.read(s.clock.now())?;
    Ok(Json(
        crate::store::figures::figures(&*s.db, from, to, dept.as_deref()).await?,
    ))
}
