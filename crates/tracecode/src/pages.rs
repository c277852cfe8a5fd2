//! Pages for people: the catalogue's trace data (药品追溯 › 药品目录对照) and the import of
//! identification codes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yiqiao_core::Role;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, Routes, Shell};

use crate::api::{
    CATALOGUE_READ, CATALOGUE_WRITE, DISPENSERS, ListQuery, RECEIPTS, STOCK, TRACERS, TraceAnswer,
    TraceQuery, TraceState, UPLOADS, WARD, WARD_SETTLE, draw_no, read_import, trace_answer,
};
use crate::document::{
    Dispense, Receipt, ScanDocument, SupplierReturn, UncollectedLines, Ward, WholeScans, doc_id,
    line_no, person, pharmacist, view_or_refusal,
};
use crate::domain::catalogue::{NewIdent, PackLevel, PolicySetting, TracePolicy};
use crate::domain::dispense::DispenseError;
use crate::domain::receipt::{NewReceipt, RawLine, RawReceipt};
use crate::domain::supplier_return::{
    ChangeKind, NewSupplierReturn, RawReturnLine, RawSupplierReturn,
};
use crate::domain::upload::UploadStatus;
use crate::domain::ward::WardUpload;
use crate::store::catalogue::{self as cat, CatalogueDrug, DrugFilter, Ident, ImportSummary};
use crate::store::dispense::{self as dp, DispenseView};
use crate::store::nhsa::{self as up, UploadRow};
use crate::store::receipt::{self as rc, ReceiptSummary, ReceiptView};
use crate::store::stock::{self as st, StockCount};
use crate::store::supplier_return::{self as srs, ReturnSummary, ReturnView};
use crate::store::ward::{self as wd, WardLineView, WardListSummary, WardPatient, WardView};

pub fn routes() -> Routes<TraceState> {
    Routes::new()
        .page_get("/tracecode/catalogue", CATALOGUE_READ, get(catalogue_page))
        .page_get(
            "/tracecode/catalogue/{code}",
            CATALOGUE_READ,
            get(drug_page),
        )
        .page_post(
            "/tracecode/catalogue/{code}/policy",
            CATALOGUE_WRITE,
            post(policy_post),
        )
        .page_post(
            "/tracecode/catalogue/{code}/idents",
            CATALOGUE_WRITE,
            post(ident_post),
        )
        .page_post(
            "/tracecode/idents/{id}/remove",
            CATALOGUE_WRITE,
            post(ident_remove),
        )
        .page_get("/tracecode/import", CATALOGUE_WRITE, get(import_page))
        .page_post("/tracecode/import", CATALOGUE_WRITE, post(import_post))
        .page_post(
            "/tracecode/relations/import",
            RECEIPTS,
            post(relations_post),
        )
        .page_get("/tracecode/receipts", RECEIPTS, get(receipts_page))
        .page_post("/tracecode/receipts", RECEIPTS, post(receipt_create))
        .page_get(
            "/tracecode/receipts/{id}",
            RECEIPTS,
            get(doc_page::<Receipt>),
        )
        .page_post(
            "/tracecode/receipts/{id}/scan",
            RECEIPTS,
            post(scan::<Receipt>),
        )
        .page_post(
            "/tracecode/receipts/{id}/confirm",
            RECEIPTS,
            post(confirm::<Receipt>),
        )
        .page_get("/tracecode/trace", TRACERS, get(trace_page))
        .page_get("/tracecode/nhsa", UPLOADS, get(nhsa_page))
        .page_post("/tracecode/nhsa/{id}/resend", UPLOADS, post(nhsa_resend))
        .page_post("/tracecode/nhsa/{id}/delete", UPLOADS, post(nhsa_delete))
        .page_get("/tracecode/dispensing", DISPENSERS, get(dispensing_page))
        .page_post("/tracecode/dispensing", DISPENSERS, post(dispensing_open))
        .page_get(
            "/tracecode/dispenses/{id}",
            DISPENSERS,
            get(doc_page::<Dispense>),
        )
        .page_post(
            "/tracecode/dispenses/{id}/scan",
            DISPENSERS,
            post(dispense_scan),
        )
        .page_post(
            "/tracecode/dispenses/{id}/lines/{line}/uncollected",
            DISPENSERS,
            post(uncollected::<Dispense>),
        )
        .page_post(
            "/tracecode/dispenses/{id}/confirm",
            DISPENSERS,
            post(confirm::<Dispense>),
        )
        .page_post(
            "/tracecode/dispenses/{id}/split-draws/{draw}/undo",
            DISPENSERS,
            post(dispense_undo_draw),
        )
        .page_post(
            "/tracecode/dispenses/{id}/return",
            DISPENSERS,
            post(dispense_return),
        )
        .page_get(
            "/tracecode/supplier-returns",
            RECEIPTS,
            get(supplier_returns_page),
        )
        .page_post(
            "/tracecode/supplier-returns",
            RECEIPTS,
            post(supplier_return_create),
        )
        .page_get(
            "/tracecode/supplier-returns/{id}",
            RECEIPTS,
            get(doc_page::<SupplierReturn>),
        )
        .page_post(
            "/tracecode/supplier-returns/{id}/scan",
            RECEIPTS,
            post(scan::<SupplierReturn>),
        )
        .page_post(
            "/tracecode/supplier-returns/{id}/confirm",
            RECEIPTS,
            post(confirm::<SupplierReturn>),
        )
        .page_get("/tracecode/stock", STOCK, get(stock_page))
        .page_get("/tracecode/figures", crate::api::FIGURES, get(figures_page))
        .page_post("/tracecode/stock/take", STOCK, post(stock_take_post))
        .page_post("/tracecode/stock/change", STOCK, post(stock_change_post))
        .page_get("/tracecode/ward", WARD, get(ward_lists_page))
        .page_post("/tracecode/ward", WARD, post(ward_open))
        .page_get("/tracecode/ward/{id}", WARD, get(ward_page))
        .page_post("/tracecode/ward/{id}/scan", WARD, post(ward_scan))
        .page_post(
            "/tracecode/ward/{id}/lines/{line}/uncollected",
            WARD,
            post(uncollected::<Ward>),
        )
        .page_post("/tracecode/ward/{id}/confirm", WARD, post(confirm::<Ward>))
        .page_post("/tracecode/ward/{id}/return", WARD, post(ward_return))
        .page_post(
            "/tracecode/ward/{id}/split-draws/{draw}/undo",
            WARD,
            post(ward_undo_draw),
        )
        .page_post(
            "/tracecode/ward/{id}/settle",
            WARD_SETTLE,
            post(ward_settle),
        )
}

fn html(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    Ok((status, Html(page.render()?)).into_response())
}

// ---- the list ----

#[derive(Template)]
#[template(path = "tracecode_catalogue.html")]
struct CataloguePage {
    shell: Shell,
    q: String,
    filter: String,
    drugs: Vec<CatalogueDrug>,
    limit: u64,
}

impl CataloguePage {
    fn filters(&self) -> [(&'static str, &'static str); 3] {
        [("", "全部"), ("unmapped", "未对照"), ("exempt", "免扫")]
    }
}

async fn catalogue_page(
    State(s): State<TraceState>,
    shell: Shell,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let limit = 200;
    let drugs = cat::list_drugs(&*s.db, &q.q, DrugFilter::parse(&q.filter), limit).await?;
    html(
        StatusCode::OK,
        &CataloguePage {
            shell,
            q: q.q,
            filter: q.filter,
            drugs,
            limit,
        },
    )
}

// ---- one drug ----

#[derive(Template)]
#[template(path = "tracecode_drug.html")]
struct DrugPage {
    shell: Shell,
    drug: CatalogueDrug,
    idents: Vec<Ident>,
    error: Option<String>,
    can_edit: bool,
    policies: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
}

async fn render_drug(
    s: &TraceState,
    shell: Shell,
    code: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let drug = cat::drug(&*s.db, code)
        .await?
        .ok_or_else(|| AppError::not_found(format!("没有药品「{code}」")))?;
    let idents = cat::idents_of(&*s.db, code).await?;
    let can_edit = shell.has(Role::DrugStore);
    html(
        status,
        &DrugPage {
            shell,
            drug,
            idents,
            error,
            can_edit,
            policies: TracePolicy::ALL
                .iter()
                .map(|p| (p.as_str(), p.label()))
                .collect(),
            levels: PackLevel::ALL
                .iter()
                .map(|l| (l.as_str(), l.label()))
                .collect(),
        },
    )
}

async fn drug_page(
    State(s): State<TraceState>,
    shell: Shell,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    render_drug(&s, shell, &code, StatusCode::OK, None).await
}

/// After a refused form, the page again with the reason; after success, back to the page.
async fn settle(
    s: &TraceState,
    shell: Shell,
    code: &str,
    result: Result<(), AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/tracecode/catalogue/{}", url_part(code))).into_response())
        }
        Err(e) if e.status().is_client_error() && e.status() != StatusCode::NOT_FOUND => {
            let status = e.status();
            render_drug(s, shell, code, status, Some(e.body.message)).await
        }
        Err(e) => Err(e),
    }
}

/// A drug code inside a path (HIS codes may hold characters a URL reserves).
fn url_part(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct PolicyForm {
    policy: String,
    #[serde(default)]
    reason: String,
}

async fn policy_post(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<PolicyForm>,
) -> Result<Response, AppError> {
    let result = async {
        let setting = PolicySetting::parse(&f.policy, Some(&f.reason))?;
        cat::set_policy(&s.db, &code, &setting, &person(&me), s.clock.now()).await?;
        Ok::<(), AppError>(())
    }
    .await;
    settle(&s, shell, &code, result).await
}

#[derive(Deserialize)]
struct IdentForm {
    code: String,
    level: String,
    units: String,
}

async fn ident_post(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<IdentForm>,
) -> Result<Response, AppError> {
    let result = async {
        let n = NewIdent::parse(&f.code, &f.level, &f.units)?;
        cat::add_ident(&s.db, &code, &n, &person(&me), s.clock.now()).await?;
        Ok::<(), AppError>(())
    }
    .await;
    settle(&s, shell, &code, result).await
}

#[derive(Deserialize)]
struct Empty {}

async fn ident_remove(
    State(s): State<TraceState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found("没有这条标识码"))?;
    let removed = cat::remove_ident(&s.db, id, &person(&me), s.clock.now()).await?;
    Ok(Redirect::to(&format!(
        "/tracecode/catalogue/{}",
        url_part(&removed.drug_code)
    ))
    .into_response())
}

// ---- import ----

#[derive(Template)]
#[template(path = "tracecode_import.html")]
struct ImportPage {
    shell: Shell,
    csv: String,
    summary: Option<ImportSummary>,
    relations: Option<crate::store::relation::RelationSummary>,
    errors: Vec<String>,
}

async fn import_page(shell: Shell) -> Result<Response, AppError> {
    html(
        StatusCode::OK,
        &ImportPage {
            shell,
            csv: String::new(),
            summary: None,
            relations: None,
            errors: Vec::new(),
        },
    )
}

#[derive(Deserialize)]
struct ImportForm {
    #[serde(default)]
    csv: String,
}

async fn import_post(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ImportForm>,
) -> Result<Response, AppError> {
    let result = match read_import(f.csv.as_bytes()) {
        Ok(rows) => cat::import_idents(&s.db, &rows, &person(&me), s.clock.now()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(summary) => html(
            StatusCode::OK,
            &ImportPage {
                shell,
                csv: String::new(),
                summary: Some(summary),
                relations: None,
                errors: Vec::new(),
            },
        ),
        Err(crate::TraceError::Import(fields)) => html(
            StatusCode::BAD_REQUEST,
            &ImportPage {
                shell,
                csv: f.csv,
                summary: None,
                relations: None,
                errors: fields
                    .iter()
                    .map(|e| format!("{}：{}", e.field, e.message))
                    .collect(),
            },
        ),
        Err(e) => Err(e.into()),
    }
}

// ---- purchase warehouse-in ----

/// Blank line rows on the new-receipt form.
const FORM_LINES: usize = 8;

#[derive(Template)]
#[template(path = "tracecode_receipts.html")]
struct ReceiptsPage {
    shell: Shell,
    receipts: Vec<ReceiptSummary>,
    rows: Vec<usize>,
    errors: Vec<String>,
}

async fn render_receipts(
    s: &TraceState,
    shell: Shell,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    html(
        status,
        &ReceiptsPage {
            shell,
            receipts: rc::list(&*s.db, 100).await?,
            rows: (0..FORM_LINES).collect(),
            errors,
        },
    )
}

async fn receipts_page(State(s): State<TraceState>, shell: Shell) -> Result<Response, AppError> {
    render_receipts(&s, shell, StatusCode::OK, Vec::new()).await
}

/// A form whose fields are named `field_N` for line N.
#[derive(Deserialize)]
#[serde(transparent)]
struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

fn raw_receipt(f: &Pairs) -> RawReceipt {
    let opt = |k: &str| Some(f.get(k)).filter(|v| !v.trim().is_empty());
    let lines = (0..FORM_LINES)
        .filter(|i| !f.get(&format!("drug_code_{i}")).trim().is_empty())
        .map(|i| RawLine {
            drug_code: f.get(&format!("drug_code_{i}")),
            batch_no: f.get(&format!("batch_no_{i}")),
            manu_date: f.get(&format!("manu_date_{i}")),
            expiry: f.get(&format!("expiry_{i}")),
            // A non-number becomes 0, which the check refuses with the field's name.
            packages: f.get(&format!("packages_{i}")).trim().parse().unwrap_or(0),
            price_fen: f.get(&format!("price_fen_{i}")).trim().parse().ok(),
        })
        .collect();
    RawReceipt {
        supplier_name: f.get("supplier_name"),
        supplier_licence: opt("supplier_licence"),
        invoice_no: opt("invoice_no"),
        dynt_no: opt("dynt_no"),
        location: opt("location"),
        lines,
    }
}

async fn receipt_create(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Result<Response, AppError> {
    let parsed = match NewReceipt::parse(&raw_receipt(&f)) {
        Ok(r) => r,
        Err(fields) => {
            let errors = fields.iter().map(ToString::to_string).collect();
            return render_receipts(&s, shell, StatusCode::BAD_REQUEST, errors).await;
        }
    };
    match rc::create(&s.db, &parsed, &person(&me), s.clock.now()).await {
        Ok(v) => Ok(Redirect::to(&format!("/tracecode/receipts/{}", v.id)).into_response()),
        Err(crate::TraceError::Receipt(e)) => {
            let status = AppError::from(e.clone()).status();
            render_receipts(&s, shell, status, vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The verdict of the last scan, shown above the scan field.
struct Verdict {
    ok: bool,
    text: String,
}

impl Verdict {
    /// A split draw undone (`bed`: "12床 " on the ward, else empty).
    fn undone(bed: &str, line_no: i64, key: &str, units: i64) -> Self {
        Verdict {
            ok: true,
            text: format!(
                "已撤销{bed}第 {line_no} 行的拆零扣减 {key}（{units} 个最小单位已退回此盒）"
            ),
        }
    }
    /// A whole package scanned against a line.
    fn scanned(
        drug_name: &str,
        line_no: impl std::fmt::Display,
        scanned: i64,
        required: i64,
    ) -> Self {
        Verdict {
            ok: true,
            text: format!("✓ {drug_name} 第 {line_no} 行 已扫 {scanned} / 应扫 {required}"),
        }
    }
}

// ---- what every scanning document's page has (see [`crate::document`]) ----

/// A scanning document's page.
trait DocPage: ScanDocument {
    /// The page of document `id`, with the verdict of the last action above the scan field.
    fn render(
        s: &TraceState,
        shell: Shell,
        id: i64,
        status: StatusCode,
        verdict: Option<Verdict>,
    ) -> impl std::future::Future<Output = Result<Response, AppError>> + Send;
}

impl DocPage for Receipt {
    async fn render(
        s: &TraceState,
        shell: Shell,
        id: i64,
        status: StatusCode,
        verdict: Option<Verdict>,
    ) -> Result<Response, AppError> {
        let r = view_or_refusal::<Self>(s, id).await?;
        html(status, &ReceiptPage { shell, r, verdict })
    }
}

impl DocPage for SupplierReturn {
    async fn render(
        s: &TraceState,
        shell: Shell,
        id: i64,
        status: StatusCode,
        verdict: Option<Verdict>,
    ) -> Result<Response, AppError> {
        let r = view_or_refusal::<Self>(s, id).await?;
        html(status, &SupplierReturnPage { shell, r, verdict })
    }
}

impl DocPage for Dispense {
    async fn render(
        s: &TraceState,
        shell: Shell,
        id: i64,
        status: StatusCode,
        verdict: Option<Verdict>,
    ) -> Result<Response, AppError> {
        render_dispense(s, shell, id, status, verdict).await
    }
}

impl DocPage for Ward {
    /// The whole list, every patient.
    async fn render(
        s: &TraceState,
        shell: Shell,
        id: i64,
        status: StatusCode,
        verdict: Option<Verdict>,
    ) -> Result<Response, AppError> {
        render_ward(s, shell, id, "", status, verdict).await
    }
}

/// A page whose one field scans whole packages ([`WholeScans`]).
trait ScanPage: DocPage + WholeScans {
    /// The verdict of a scan that was taken.
    fn verdict(ok: &Self::Scanned) -> Verdict;
}

impl ScanPage for Receipt {
    fn verdict(ok: &rc::ScanOk) -> Verdict {
        Verdict::scanned(&ok.drug_name, ok.line_no, ok.scanned, ok.required)
    }
}

impl ScanPage for SupplierReturn {
    fn verdict(ok: &srs::ReturnScanOk) -> Verdict {
        Verdict::scanned(&ok.drug_name, ok.line_no, ok.scanned, ok.required)
    }
}

/// The scan without JavaScript: the page again, with the verdict.
async fn scan<D: ScanPage>(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ScanForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<D>(&id)?;
    match D::scan(&s, id, &f.code, &me).await {
        Ok(ok) => D::render(&s, shell, id, StatusCode::OK, Some(D::verdict(&ok))).await,
        Err(e) => refused::<D>(&s, shell, id, e).await,
    }
}

/// A refusal as the verdict on the page, with its status; a database failure, or the document
/// itself missing, stays an error.
fn refusal<D: ScanDocument>(e: crate::TraceError) -> Result<(StatusCode, Verdict), AppError> {
    if let crate::TraceError::Db(e) = e {
        return Err(e.into());
    }
    let err = AppError::from(e);
    if D::page_missing(&err) {
        return Err(err);
    }
    let verdict = Verdict {
        ok: false,
        text: format!("✗ {}", err.body.message),
    };
    Ok((err.status(), verdict))
}

/// The page again with a refusal as its verdict.
async fn refused<D: DocPage>(
    s: &TraceState,
    shell: Shell,
    id: i64,
    e: crate::TraceError,
) -> Result<Response, AppError> {
    let (status, verdict) = refusal::<D>(e)?;
    D::render(s, shell, id, status, Some(verdict)).await
}

async fn doc_page<D: DocPage>(
    State(s): State<TraceState>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = doc_id::<D>(&id)?;
    D::render(&s, shell, id, StatusCode::OK, None).await
}

/// Confirms the document; a refusal shows on its page.
async fn confirm<D: DocPage>(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id = doc_id::<D>(&id)?;
    match D::confirm(&s, id, &me).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/{id}", D::PAGE)).into_response()),
        Err(e) => refused::<D>(&s, shell, id, e).await,
    }
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// 未取药: records a line as not collected; a refusal shows on the page.
async fn uncollected<D: DocPage + UncollectedLines>(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path((id, line)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<D>(&id)?;
    let line = line_no::<D>(&line)?;
    match D::mark_uncollected(&s, id, line, &f.reason, &me).await {
        Ok(()) => Ok(Redirect::to(&format!("{}/{id}", D::PAGE)).into_response()),
        Err(e) => refused::<D>(&s, shell, id, e).await,
    }
}

#[derive(Template)]
#[template(path = "tracecode_receipt.html")]
struct ReceiptPage {
    shell: Shell,
    r: ReceiptView,
    verdict: Option<Verdict>,
}

impl ReceiptPage {
    fn total_required(&self) -> i64 {
        self.r.lines.iter().map(|l| l.required).sum()
    }
    fn total_scanned(&self) -> i64 {
        self.r.lines.iter().map(|l| l.scanned).sum()
    }
}

#[derive(Deserialize)]
struct ScanForm {
    #[serde(default)]
    code: String,
}

// ---- outpatient dispensing ----

#[derive(Template)]
#[template(path = "tracecode_dispensing.html")]
struct DispensingPage {
    shell: Shell,
    error: Option<String>,
}

async fn dispensing_page(shell: Shell) -> Result<Response, AppError> {
    html(StatusCode::OK, &DispensingPage { shell, error: None })
}

#[derive(Deserialize)]
struct OpenForm {
    #[serde(default)]
    rx_no: String,
}

async fn dispensing_open(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<OpenForm>,
) -> Result<Response, AppError> {
    match dp::open(&s.db, f.rx_no.trim(), &person(&me), s.clock.now()).await {
        Ok(d) => Ok(Redirect::to(&format!("/tracecode/dispenses/{}", d.id)).into_response()),
        Err(crate::TraceError::Dispense(e)) => {
            let status = AppError::from(e.clone()).status();
            html(
                status,
                &DispensingPage {
                    shell,
                    error: Some(e.to_string()),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tracecode_dispense.html")]
struct DispensePage {
    shell: Shell,
    d: DispenseView,
    verdict: Option<Verdict>,
    /// Split quantities are drawn from opened packages (拆零扫码), else they need no code.
    draws_split: bool,
    policy_label: &'static str,
    /// The split draws of this dispense, oldest first.
    draws: Vec<crate::store::entities::split_draw::Model>,
}

impl DispensePage {
    fn total_required(&self) -> i64 {
        self.d.lines.iter().map(|l| l.required).sum()
    }
    fn total_scanned(&self) -> i64 {
        self.d.lines.iter().map(|l| l.scanned).sum()
    }
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        yiqiao_core::time::format_local(*t)
    }
    /// 处方行 of a draw, by its dispense line.
    fn line_no_of(&self, line_id: &i64) -> i64 {
        self.d
            .lines
            .iter()
            .find(|l| l.id == *line_id)
            .map(|l| l.rx_line_no)
            .unwrap_or(0)
    }
    /// The line may still be recorded as uncollected: whole packages or (under draw) split
    /// units are missing.
    fn owing(&self, l: &crate::store::dispense::DispenseLineView) -> bool {
        l.scanned < l.required || (self.draws_split && l.split_drawn < l.split_qty)
    }
}

async fn render_dispense(
    s: &TraceState,
    shell: Shell,
    id: i64,
    status: StatusCode,
    verdict: Option<Verdict>,
) -> Result<Response, AppError> {
    let d = dp::get(&*s.db, id)
        .await?
        .ok_or(DispenseError::NoSuchDispense)?;
    let draws = crate::store::split::draws_of(&*s.db, id).await?;
    html(
        status,
        &DispensePage {
            shell,
            d,
            verdict,
            draws_split: s.split_policy.draws(),
            policy_label: s.split_policy.label(),
            draws,
        },
    )
}

async fn dispense_scan(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ScanForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    match dp::read(
        &s.db,
        s.split_policy,
        id,
        &f.code,
        &person(&me),
        s.clock.now(),
    )
    .await
    {
        Ok(dp::Scanned::Whole(ok)) => {
            let verdict = Verdict::scanned(&ok.drug_name, ok.rx_line_no, ok.scanned, ok.required);
            render_dispense(&s, shell, id, StatusCode::OK, Some(verdict)).await
        }
        Ok(dp::Scanned::Draw(ok)) => {
            let verdict = Verdict {
                ok: true,
                text: draw_verdict(&ok),
            };
            render_dispense(&s, shell, id, StatusCode::OK, Some(verdict)).await
        }
        Err(e) => refused::<Dispense>(&s, shell, id, e).await,
    }
}

/// The verdict of a draw, as the page script words it too.
fn draw_verdict(ok: &crate::store::split::SplitDrawn) -> String {
    format!(
        "✓ 拆零 {} 第 {} 行 扣 {}{u}（拆零 {}{u}，已扣 {}{u}），此盒余 {}{u}",
        ok.drug_name,
        ok.rx_line_no,
        ok.units,
        ok.split_qty,
        ok.split_drawn,
        ok.units_left,
        u = ok.unit
    )
}

/// Undoes a draw without JavaScript: the page again, with the verdict.
async fn dispense_undo_draw(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path((id, draw)): Path<(String, String)>,
    CsrfForm(_f): CsrfForm<ScanForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let draw = draw_no(&draw)?;
    match crate::store::split::undo_draw(&s.db, id, draw, &pharmacist(&me), s.clock.now()).await {
        Ok(u) => {
            let verdict = Verdict::undone("", u.rx_line_no, &u.key, u.units);
            render_dispense(&s, shell, id, StatusCode::OK, Some(verdict)).await
        }
        Err(e) => refused::<Dispense>(&s, shell, id, e).await,
    }
}

// ---- trace one code ----

#[derive(Template)]
#[template(path = "tracecode_trace.html")]
struct TracePage {
    shell: Shell,
    code: String,
    answer: Option<TraceAnswer>,
}

impl TracePage {
    /// Shown in Beijing time.
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        yiqiao_core::time::format_local(*t)
    }
}

async fn trace_page(
    State(s): State<TraceState>,
    shell: Shell,
    Query(q): Query<TraceQuery>,
) -> Result<Response, AppError> {
    let answer = if q.code.trim().is_empty() {
        None
    } else {
        Some(trace_answer(&s.db, &q.code).await?)
    };
    html(
        StatusCode::OK,
        &TracePage {
            shell,
            code: q.code,
            answer,
        },
    )
}

#[derive(Deserialize)]
struct ReturnForm {
    #[serde(default)]
    code: String,
    /// A checkbox: present when the package cannot be resold.
    quarantine: Option<String>,
}

async fn dispense_return(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReturnForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Dispense>(&id)?;
    let quarantine = f.quarantine.is_some();
    // The one return field: an opened box this dispense drew split units from takes them back.
    if let Ok(code) = crate::domain::code::TraceCode::parse(&f.code)
        && crate::store::split::drew_from(&*s.db, id, &code.key()).await?
    {
        return match crate::store::split::return_draw(
            &s.db,
            id,
            &f.code,
            &pharmacist(&me),
            s.clock.now(),
        )
        .await
        {
            Ok(r) => {
                let verdict = Verdict {
                    ok: true,
                    text: format!(
                        "✓ 已退回拆零 {} 个最小单位到开封包装 {}（此盒现余 {}）",
                        r.units, r.key, r.units_left
                    ),
                };
                render_dispense(&s, shell, id, StatusCode::OK, Some(verdict)).await
            }
            Err(e) => refused::<Dispense>(&s, shell, id, e).await,
        };
    }
    match dp::return_code(
        &s.db,
        id,
        &f.code,
        quarantine,
        &pharmacist(&me),
        s.clock.now(),
    )
    .await
    {
        Ok(r) => {
            let verdict = Verdict {
                ok: true,
                text: format!(
                    "✓ 已退回：{}（{}）",
                    r.key,
                    crate::domain::receipt::state_label(&r.state)
                ),
            };
            render_dispense(&s, shell, id, StatusCode::OK, Some(verdict)).await
        }
        Err(e) => refused::<Dispense>(&s, shell, id, e).await,
    }
}

// ---- NHSA messages (医保进销存上传) ----

#[derive(Template)]
#[template(path = "tracecode_nhsa.html")]
struct NhsaPage {
    shell: Shell,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<UploadRow>,
    notice: Option<String>,
    error: Option<String>,
}

impl NhsaPage {
    fn is_current(&self, s: &str) -> bool {
        self.status == s
    }
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        yiqiao_core::time::format_local(*t)
    }
}

#[derive(Deserialize)]
struct NhsaQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    done: String,
}

async fn render_nhsa(
    s: &TraceState,
    shell: Shell,
    status: String,
    code: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let filter = UploadStatus::parse(&status);
    let rows = up::list(&*s.db, filter, 500).await?;
    html(
        code,
        &NhsaPage {
            shell,
            status: filter.map(|f| f.as_str().to_owned()).unwrap_or_default(),
            statuses: UploadStatus::ALL
                .into_iter()
                .map(|u| (u.as_str(), u.label()))
                .collect(),
            rows,
            notice,
            error,
        },
    )
}

async fn nhsa_page(
    State(s): State<TraceState>,
    shell: Shell,
    Query(q): Query<NhsaQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "resend" => Some("已安排重发（msgid 不变）".to_owned()),
        "delete" => Some("已排队 3507 删除".to_owned()),
        _ => None,
    };
    render_nhsa(&s, shell, q.status, StatusCode::OK, notice, None).await
}

fn message_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::from(crate::domain::upload::UploadError::NoSuchMessage))
}

async fn nhsa_action(
    s: TraceState,
    shell: Shell,
    result: Result<(), crate::TraceError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tracecode/nhsa?done={done}")).into_response()),
        Err(crate::TraceError::Db(e)) => Err(e.into()),
        Err(e) => {
            let err = AppError::from(e);
            if err.status() == StatusCode::NOT_FOUND {
                return Err(err);
            }
            let msg = err.body.message.clone();
            render_nhsa(&s, shell, String::new(), err.status(), None, Some(msg)).await
        }
    }
}

async fn nhsa_resend(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id = message_id(&id)?;
    let r = up::resend(&s.db, id, &person(&me), s.clock.now()).await;
    nhsa_action(s, shell, r, "resend").await
}

async fn nhsa_delete(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let id = message_id(&id)?;
    let r = up::delete(&s.db, id, &person(&me), s.clock.now())
        .await
        .map(|_| ());
    nhsa_action(s, shell, r, "delete").await
}

// ---- inpatient ward dispensing (住院病区发药, on a ward PDA) ----

#[derive(Template)]
#[template(path = "tracecode_ward_lists.html")]
struct WardListsPage {
    shell: Shell,
    lists: Vec<WardListSummary>,
    error: Option<String>,
}

impl WardListsPage {
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        yiqiao_core::time::format_local(*t)
    }
}

async fn render_ward_lists(
    s: &TraceState,
    shell: Shell,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let lists = wd::lists(&*s.db, 50).await?;
    html(
        status,
        &WardListsPage {
            shell,
            lists,
            error,
        },
    )
}

async fn ward_lists_page(State(s): State<TraceState>, shell: Shell) -> Result<Response, AppError> {
    render_ward_lists(&s, shell, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct OpenWardForm {
    #[serde(default)]
    list_id: String,
}

async fn ward_open(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<OpenWardForm>,
) -> Result<Response, AppError> {
    match wd::open(&s.db, f.list_id.trim(), &person(&me), s.clock.now()).await {
        Ok(w) => Ok(Redirect::to(&format!("/tracecode/ward/{}", w.id)).into_response()),
        Err(crate::TraceError::Ward(e)) => {
            let status = AppError::from(e.clone()).status();
            render_ward_lists(&s, shell, status, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tracecode_ward.html")]
struct WardPage {
    shell: Shell,
    w: WardView,
    /// The patient (bed) being scanned; empty: all.
    patient: String,
    patients: Vec<WardPatient>,
    lines: Vec<WardLineView>,
    verdict: Option<Verdict>,
    settle_mode: bool,
    upload_label: &'static str,
    /// Split quantities are drawn from opened packages (拆零扫码), else they need no code.
    draws_split: bool,
    policy_label: &'static str,
    /// The split draws of this ward dispensing, oldest first.
    draws: Vec<crate::store::entities::ward_split_draw::Model>,
}

impl WardPage {
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        yiqiao_core::time::format_local(*t)
    }
    /// The line of a draw, by its id.
    fn line_of(&self, line_id: &i64) -> Option<&WardLineView> {
        self.w.lines.iter().find(|l| l.id == *line_id)
    }
    /// The line may still be recorded as uncollected.
    fn owing(&self, l: &WardLineView) -> bool {
        l.scanned < l.required || (self.draws_split && l.split_drawn < l.split_qty)
    }
}

#[derive(Deserialize, Default)]
struct WardQuery {
    #[serde(default)]
    patient: String,
}

async fn render_ward(
    s: &TraceState,
    shell: Shell,
    id: i64,
    patient: &str,
    status: StatusCode,
    verdict: Option<Verdict>,
) -> Result<Response, AppError> {
    let w = view_or_refusal::<Ward>(s, id).await?;
    let draws = crate::store::split::ward_draws_of(&*s.db, id).await?;
    let patients = w.patients();
    // An unknown patient shows the whole list rather than an empty one.
    let patient = if patients.iter().any(|p| p.patient_id == patient) {
        patient.to_owned()
    } else {
        String::new()
    };
    let lines = w
        .lines
        .iter()
        .filter(|l| patient.is_empty() || l.patient_id == patient)
        .cloned()
        .collect();
    html(
        status,
        &WardPage {
            shell,
            w,
            patient,
            patients,
            lines,
            verdict,
            settle_mode: s.ward_upload == WardUpload::Settlement,
            upload_label: s.ward_upload.label(),
            draws_split: s.split_policy.draws(),
            policy_label: s.split_policy.label(),
            draws,
        },
    )
}

async fn ward_page(
    State(s): State<TraceState>,
    shell: Shell,
    Path(id): Path<String>,
    Query(q): Query<WardQuery>,
) -> Result<Response, AppError> {
    let id = doc_id::<Ward>(&id)?;
    render_ward(&s, shell, id, &q.patient, StatusCode::OK, None).await
}

/// The page again with a refusal as its verdict; a missing ward dispensing stays a 404.
async fn refused_ward(
    s: &TraceState,
    shell: Shell,
    id: i64,
    patient: &str,
    e: crate::TraceError,
) -> Result<Response, AppError> {
    let (status, verdict) = refusal::<Ward>(e)?;
    render_ward(s, shell, id, patient, status, Some(verdict)).await
}

#[derive(Deserialize)]
struct WardScanForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    patient_id: String,
}

/// The scan without JavaScript: the page again, with the verdict.
async fn ward_scan(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<WardScanForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let patient = f.patient_id.trim();
    let chosen = Some(patient).filter(|p| !p.is_empty());
    match wd::read(
        &s.db,
        s.split_policy,
        id,
        &f.code,
        chosen,
        &person(&me),
        s.clock.now(),
    )
    .await
    {
        Ok(wd::WardScanned::Draw(ok)) => {
            let verdict = Verdict {
                ok: true,
                text: format!(
                    "✓ 拆零 {}{} 扣 {}{u}（拆零 {}{u}，已扣 {}{u}），此盒余 {}{u}",
                    ok.bed_no.map(|b| format!("{b}床 ")).unwrap_or_default(),
                    ok.drug_name,
                    ok.units,
                    ok.split_qty,
                    ok.split_drawn,
                    ok.units_left,
                    u = ok.unit
                ),
            };
            render_ward(&s, shell, id, patient, StatusCode::OK, Some(verdict)).await
        }
        Ok(wd::WardScanned::Whole(ok)) => {
            let verdict = Verdict {
                ok: true,
                text: format!(
                    "✓ {}{} 已扫 {} / 应扫 {}",
                    ok.bed_no.map(|b| format!("{b}床 ")).unwrap_or_default(),
                    ok.drug_name,
                    ok.scanned,
                    ok.required
                ),
            };
            render_ward(&s, shell, id, patient, StatusCode::OK, Some(verdict)).await
        }
        Err(e) => refused_ward(&s, shell, id, patient, e).await,
    }
}

/// Undoes a ward draw on the PDA without JavaScript: the page again, with the verdict.
async fn ward_undo_draw(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path((id, draw)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<SettleForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let draw = draw_no(&draw)?;
    let patient = f.patient_id.trim();
    let undone =
        crate::store::split::undo_ward_draw(&s.db, id, draw, &pharmacist(&me), s.clock.now()).await;
    match undone {
        Ok(u) => {
            let bed = u.bed_no.map(|b| format!("{b}床 ")).unwrap_or_default();
            let verdict = Verdict::undone(&bed, u.line_no, &u.key, u.units);
            render_ward(&s, shell, id, patient, StatusCode::OK, Some(verdict)).await
        }
        Err(e) => refused_ward(&s, shell, id, patient, e).await,
    }
}

async fn ward_return(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReturnForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Ward>(&id)?;
    match wd::return_code(
        &s.db,
        id,
        &f.code,
        f.quarantine.is_some(),
        &pharmacist(&me),
        s.clock.now(),
    )
    .await
    {
        Ok(r) => {
            let verdict = Verdict {
                ok: true,
                text: match r.split_units {
                    Some(n) => format!("✓ 已退回拆零 {n} 个最小单位到开封包装 {}", r.key),
                    None => format!(
                        "✓ 已退回：{}（{}）",
                        r.key,
                        crate::domain::receipt::state_label(&r.state)
                    ),
                },
            };
            render_ward(&s, shell, id, "", StatusCode::OK, Some(verdict)).await
        }
        Err(e) => refused_ward(&s, shell, id, "", e).await,
    }
}

#[derive(Deserialize)]
struct SettleForm {
    #[serde(default)]
    patient_id: String,
}

async fn ward_settle(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<SettleForm>,
) -> Result<Response, AppError> {
    let id = doc_id::<Ward>(&id)?;
    let patient = f.patient_id.trim().to_owned();
    let n = wd::settle_patient(&s.db, &patient, &pharmacist(&me), s.clock.now()).await?;
    let verdict = Verdict {
        ok: true,
        text: format!("✓ 已排队 {n} 条医保销售上传（3505）"),
    };
    render_ward(&s, shell, id, &patient, StatusCode::OK, Some(verdict)).await
}

// ---- supplier returns (采购退货) ----

#[derive(Template)]
#[template(path = "tracecode_supplier_returns.html")]
struct SupplierReturnsPage {
    shell: Shell,
    returns: Vec<ReturnSummary>,
    rows: Vec<usize>,
    errors: Vec<String>,
}

async fn render_supplier_returns(
    s: &TraceState,
    shell: Shell,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    html(
        status,
        &SupplierReturnsPage {
            shell,
            returns: srs::list(&*s.db, 100).await?,
            rows: (0..5).collect(),
            errors,
        },
    )
}

async fn supplier_returns_page(
    State(s): State<TraceState>,
    shell: Shell,
) -> Result<Response, AppError> {
    render_supplier_returns(&s, shell, StatusCode::OK, Vec::new()).await
}

async fn supplier_return_create(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Result<Response, AppError> {
    let Ok(receipt_id) = f.get("receipt_id").trim().parse::<i64>() else {
        let errors = vec!["请填写入库单号（数字）".to_owned()];
        return render_supplier_returns(&s, shell, StatusCode::BAD_REQUEST, errors).await;
    };
    let lines = (0..5)
        .filter(|i| !f.get(&format!("line_no_{i}")).trim().is_empty())
        .map(|i| RawReturnLine {
            // A non-number becomes 0, which no receipt line has.
            line_no: f.get(&format!("line_no_{i}")).trim().parse().unwrap_or(0),
            packages: f.get(&format!("packages_{i}")).trim().parse().unwrap_or(0),
        })
        .collect();
    let raw = RawSupplierReturn {
        receipt_id,
        reason: f.get("reason"),
        lines,
    };
    let parsed = match NewSupplierReturn::parse(&raw) {
        Ok(r) => r,
        Err(fields) => {
            let errors = fields.iter().map(ToString::to_string).collect();
            return render_supplier_returns(&s, shell, StatusCode::BAD_REQUEST, errors).await;
        }
    };
    match srs::create(&s.db, &parsed, &person(&me), s.clock.now()).await {
        Ok(v) => Ok(Redirect::to(&format!("/tracecode/supplier-returns/{}", v.id)).into_response()),
        Err(crate::TraceError::SupplierReturn(e)) => {
            let status = AppError::from(e.clone()).status();
            let status = if status == StatusCode::NOT_FOUND {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                status
            };
            render_supplier_returns(&s, shell, status, vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tracecode_supplier_return.html")]
struct SupplierReturnPage {
    shell: Shell,
    r: ReturnView,
    verdict: Option<Verdict>,
}

impl SupplierReturnPage {
    fn total_required(&self) -> i64 {
        self.r.lines.iter().map(|l| l.required).sum()
    }
    fn total_scanned(&self) -> i64 {
        self.r.lines.iter().map(|l| l.scanned).sum()
    }
}

// ---- stock-take and stock changes ----

#[derive(Template)]
#[template(path = "tracecode_stock.html")]
struct StockPage {
    shell: Shell,
    counts: Vec<StockCount>,
    notice: Option<String>,
    error: Option<String>,
}

impl StockPage {
    fn label(&self, state: &str) -> &'static str {
        crate::domain::receipt::state_label(state)
    }
}

async fn render_stock(
    s: &TraceState,
    shell: Shell,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    html(
        status,
        &StockPage {
            shell,
            counts: st::counts(&*s.db).await?,
            notice,
            error,
        },
    )
}

async fn stock_page(State(s): State<TraceState>, shell: Shell) -> Result<Response, AppError> {
    render_stock(&s, shell, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct StockTakeForm {
    #[serde(default)]
    location: String,
}

async fn stock_take_post(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<StockTakeForm>,
) -> Result<Response, AppError> {
    let t = st::stock_take(&s.db, &f.location, &person(&me), s.clock.now()).await?;
    let notice = format!(
        "已排队盘存上传：库位 {} 共 {} 个批次、{} 个追溯码（其中拆零开封 {} 盒，按余量折算计入库存数量）",
        t.location, t.batches, t.codes, t.opened
    );
    render_stock(&s, shell, StatusCode::OK, Some(notice), None).await
}

#[derive(Deserialize)]
struct StockChangeForm {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    codes: String,
    #[serde(default)]
    memo: String,
}

async fn stock_change_post(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<StockChangeForm>,
) -> Result<Response, AppError> {
    let codes: Vec<String> = f.codes.lines().map(str::to_owned).collect();
    let result = match ChangeKind::parse(&f.kind) {
        Ok(kind) => {
            st::change(
                &s.db,
                kind,
                &codes,
                Some(&f.memo),
                &person(&me),
                s.clock.now(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(done) => {
            let notice = format!(
                "已登记 {} 个追溯码（{}），排队 3502 共 {} 条",
                done.codes, done.chg_type, done.messages
            );
            render_stock(&s, shell, StatusCode::OK, Some(notice), None).await
        }
        Err(crate::TraceError::Db(e)) => Err(e.into()),
        Err(e) => {
            let err = AppError::from(e);
            let msg = err.body.message.clone();
            render_stock(&s, shell, err.status(), None, Some(msg)).await
        }
    }
}

async fn relations_post(
    State(s): State<TraceState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ImportForm>,
) -> Result<Response, AppError> {
    let result = match crate::api::read_relations(f.csv.as_bytes()) {
        Ok(rows) => crate::store::relation::import(&s.db, &rows, &person(&me), s.clock.now()).await,
        Err(e) => Err(e),
    };
    let (status, relations, errors) = match result {
        Ok(r) => (StatusCode::OK, Some(r), Vec::new()),
        Err(crate::TraceError::Import(fields)) => (
            StatusCode::BAD_REQUEST,
            None,
            fields
                .iter()
                .map(|e| format!("{}：{}", e.field, e.message))
                .collect(),
        ),
        Err(e) => return Err(e.into()),
    };
    html(
        status,
        &ImportPage {
            shell,
            csv: String::new(),
            summary: None,
            relations,
            errors,
        },
    )
}

// ---- figures ----

#[derive(Template)]
#[template(path = "tracecode_figures.html")]
struct FiguresPage {
    shell: Shell,
    f: crate::store::figures::Figures,
    error: Option<String>,
}

impl FiguresPage {
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        yiqiao_core::time::format_local(*t)
    }
}

async fn figures_page(
    State(s): State<TraceState>,
    shell: Shell,
    Query(q): Query<crate::api::FiguresQuery>,
) -> Result<Response, AppError> {
    let now = s.clock.now();
    let (read, error, status) = match q.read(now) {
        Ok(r) => (r, None, StatusCode::OK),
        Err(e) => (
            crate::api::FiguresQuery::default().read(now)?,
            Some(e.body.message.clone()),
            e.status(),
        ),
    };
    let (from, to, dept) = read;
    let f = crate::store::figures::figures(&*s.db, from, to, dept.as_deref()).await?;
    html(status, &FiguresPage { shell, f, error })
}
