//! The HIS feed API (HIS → yiqiao), for machines holding a bearer token (see [`crate::clients`]).
//!
//! - `PUT /his/v1/{kind}/{id}` stores one record; answers `{"id", "outcome"}` with 201 when it
//!   was created, 200 when it was updated or unchanged.
//! - `GET /his/v1/{kind}/{id}` reads it back: `{"kind", "id", "record", "created_at",
//!   "updated_at"}`; `record` is in the form `PUT` accepts, so it can be sent again unchanged.
//! - `POST /his/v1/batch` takes JSON lines `{"kind", "id", "record"}`, each stored in its own
//!   transaction in order (so a patient may precede its visit in the same batch). The answer
//!   is **200** when every line was stored, **207 Multi-Status** when some lines were refused:
//!   the good lines are stored and the body lists each bad line with its number (from 1,
//!   blank lines counted), code, message and fields. A request that is unusable as a whole
//!   (no line at all, too large) is a 400/413; a database failure aborts the batch with a 5xx
//!   after the lines before it were stored — sending the batch again is safe (idempotent).
//!
//! Every refusal is JSON `{code, message, fields?}`: 401 `UNAUTHENTICATED` (no, malformed,
//! unknown or revoked token; cookies are never looked at), 400 `MALFORMED_JSON`, 400
//! `BAD_FIELD` (every bad field, unknown fields and wrong types included, and references to
//! records that do not exist), 413 `BODY_TOO_LARGE` (over [`RECORD_LIMIT`] for a record,
//! [`BATCH_LIMIT`] for a batch). One record is one transaction: nothing is half written.

use std::pin::Pin;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, HttpBody};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use yiqiao_core::FieldError;
use yiqiao_core::time::Clock;
use yiqiao_http::{Access, AppError, Routes};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::HisError;
use crate::clients::{self, Client};
use crate::domain::inpatient_case::{CaseDiagnosis, CaseProcedure};
use crate::domain::patient::Address;
use crate::domain::prescription::PrescriptionLine;
use crate::domain::read::{Errors, Reader, parse_id};
use crate::domain::visit::Procedure;
use crate::domain::ward_dispensing::WardLine;
use crate::domain::{
    Charge, Coded, Department, Drug, InpatientCase, Kind, Patient, Prescription, Staff, Visit,
    WardDispensing,
};
use crate::store::{self, Outcome};

/// The largest body of a single record: 1 MiB.
pub const RECORD_LIMIT: usize = 1 << 20;
/// The largest body of a batch: 32 MiB.
pub const BATCH_LIMIT: usize = 32 << 20;
/// The most lines of a batch.
pub const BATCH_MAX_LINES: usize = 50_000;

/// What the feed's handlers need.
#[derive(Clone)]
pub struct HisState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

/// The authenticated HIS client of a request (from `Authorization: Bearer …`).
#[derive(Debug, Clone)]
pub struct HisClient(pub Client);

impl HisClient {
    /// How audit rows name this machine.
    pub fn actor(&self) -> Actor {
        Actor::machine(self.0.name.clone())
    }
}

impl FromRequestParts<HisState> for HisClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &HisState) -> Result<Self, AppError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(HisError::Unauthenticated(
                "缺少 Authorization 请求头，应为 Authorization: Bearer <令牌>",
            )
            .into());
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty() && t.len() <= 256);
        let Some(token) = token else {
            return Err(HisError::Unauthenticated(
                "Authorization 请求头格式不正确，应为 Authorization: Bearer <令牌>",
            )
            .into());
        };
        match clients::authenticate(state.db.conn(), token).await? {
            Some(client) => Ok(HisClient(client)),
            None => Err(HisError::Unauthenticated("令牌无效或已被吊销").into()),
        }
    }
}

/// Reads a body of at most `limit` bytes.
async fn read_body(req: Request, limit: usize) -> Result<Vec<u8>, HisError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(HisError::TooLarge { limit });
    }
    let mut body: Body = req.into_body();
    let mut buf = Vec::with_capacity(declared.map_or(8 * 1024, |n| n as usize));
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(e)) => return Err(HisError::BodyRead(e.to_string())),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > limit {
                        return Err(HisError::TooLarge { limit });
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(buf)
}

/// Parses JSON, explaining a failure in Chinese with its position.
fn parse_json(bytes: &[u8]) -> Result<Value, HisError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(HisError::MalformedJson("请求体为空".to_owned()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Eof => "内容不完整（意外结束）",
            Category::Syntax | Category::Data => "语法错误",
            Category::Io => "读取失败",
        };
        let detail = e.to_string();
        let detail = detail.split(" at line ").next().unwrap_or_default();
        HisError::MalformedJson(format!(
            "第 {} 行第 {} 列{what}（{detail}）",
            e.line(),
            e.column()
        ))
    })
}

/// The answer to an upsert.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpsertResponse {
    /// The record's HIS id, as in the path.
    pub id: String,
    /// `created`, `updated` or `unchanged` (the same record again: nothing written).
    pub outcome: Outcome,
}

/// A stored record, as `GET` answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredRecord {
    /// The kind (path segment), e.g. `patients`.
    pub kind: String,
    pub id: String,
    /// The record, in the form `PUT` accepts.
    #[schema(value_type = Object)]
    pub record: Value,
    /// When yiqiao first stored it (北京时间).
    #[schema(example = "2026-11-02 08:00:00")]
    pub created_at: String,
    /// When yiqiao last changed it.
    #[schema(example = "2026-11-02 08:00:00")]
    pub updated_at: String,
}

/// One bad field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BadField {
    /// The field's path, e.g. `patients.id_no` or `visits.procedures[0].date`.
    pub field: String,
    /// Why, in Chinese.
    pub message: String,
}

impl From<FieldError> for BadField {
    fn from(e: FieldError) -> Self {
        BadField {
            field: e.field,
            message: e.message,
        }
    }
}

/// Every refusal: a stable code, a message for people and, for bad records, every bad field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorResponse {
    /// `BAD_FIELD`, `MALFORMED_JSON`, `BODY_TOO_LARGE`, `UNAUTHENTICATED`, `NOT_FOUND` …
    pub code: String,
    pub message: String,
    pub fields: Option<Vec<BadField>>,
}

/// One line of a batch (documentation of the JSON lines format).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchLine {
    /// `departments`, `staff`, `patients`, `drugs`, `visits`, `charges`, `prescriptions`,
    /// `ward-dispensing` or `inpatient-cases`.
    pub kind: String,
    /// The record's HIS id.
    pub id: String,
    /// The record, as the `PUT` of its kind takes it.
    #[schema(value_type = Object)]
    pub record: Value,
}

/// A refused line of a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchRejection {
    /// Line number, from 1 (blank lines counted).
    pub line: usize,
    pub kind: Option<String>,
    pub id: Option<String>,
    pub code: String,
    pub message: String,
    pub fields: Vec<BadField>,
}

/// The answer to a batch.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BatchResponse {
    /// Non-blank lines read.
    pub lines: usize,
    /// Lines stored (created + updated + unchanged).
    pub stored: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The refused lines, in order.
    pub rejected: Vec<BatchRejection>,
}

async fn put_record(
    client: HisClient,
    st: HisState,
    kind: Kind,
    id: String,
    req: Request,
) -> Result<(StatusCode, Json<UpsertResponse>), AppError> {
    let bytes = read_body(req, RECORD_LIMIT).await?;
    let raw = parse_json(&bytes)?;
    let outcome =
        store::upsert_value(&st.db, kind, &id, &raw, &client.actor(), st.clock.now()).await?;
    let status = match outcome {
        Outcome::Created => StatusCode::CREATED,
        Outcome::Updated | Outcome::Unchanged => StatusCode::OK,
    };
    Ok((status, Json(UpsertResponse { id, outcome })))
}

async fn get_record(st: HisState, kind: Kind, id: String) -> Result<Json<StoredRecord>, AppError> {
    let id = parse_id(&crate::domain::field(kind, "id"), &id)?;
    match store::get_value(st.db.conn(), kind, &id).await? {
        Some(s) => Ok(Json(StoredRecord {
            kind: kind.path().to_owned(),
            id,
            record: s.record,
            created_at: yiqiao_core::time::format_local(s.created_at),
            updated_at: yiqiao_core::time::format_local(s.updated_at),
        })),
        None => Err(HisError::NotFound {
            label: kind.label(),
            id,
        }
        .into()),
    }
}

/// The id of the path, or a JSON refusal when it cannot be decoded.
fn path_id(kind: Kind, id: Result<Path<String>, PathRejection>) -> Result<String, HisError> {
    id.map(|Path(id)| id).map_err(|e| {
        HisError::field(
            crate::domain::field(kind, "id"),
            format!("路径中的编号无法解析：{}", e.body_text()),
        )
    })
}

macro_rules! kind_endpoints {
    ($put:ident, $get:ident, $kind:expr, $rec:ident, $path:tt, $param:tt, $what:tt) => {
        #[doc = concat!("Stores (creates or updates) one ", $what, ".")]
        #[utoipa::path(
            put,
            path = $path,
            tag = "HIS 数据接口",
            params((
                $param = String,
                Path,
                description = "HIS 编号: 1–64 个字母、数字、`.`、`-`、`_`"
            )),
            request_body = $rec,
            responses(
                (status = 201, description = "新建", body = UpsertResponse),
                (status = 200, description = "已更新 (updated) 或无变化 (unchanged)", body = UpsertResponse),
                (status = 400, description = "JSON 或字段有误（列出每个字段）", body = ErrorResponse),
                (status = 401, description = "缺少或无效的令牌", body = ErrorResponse),
                (status = 413, description = "请求体过大", body = ErrorResponse),
            ),
            security(("his_token" = []))
        )]
        async fn $put(
            client: HisClient,
            State(st): State<HisState>,
            id: Result<Path<String>, PathRejection>,
            req: Request,
        ) -> Result<(StatusCode, Json<UpsertResponse>), AppError> {
            put_record(client, st, $kind, path_id($kind, id)?, req).await
        }

        #[doc = concat!("Reads one ", $what, " back.")]
        #[utoipa::path(
            get,
            path = $path,
            tag = "HIS 数据接口",
            params(($param = String, Path, description = "HIS 编号")),
            responses(
                (status = 200, description = "记录", body = StoredRecord),
                (status = 401, description = "缺少或无效的令牌", body = ErrorResponse),
                (status = 404, description = "不存在", body = ErrorResponse),
            ),
            security(("his_token" = []))
        )]
        async fn $get(
            _client: HisClient,
            State(st): State<HisState>,
            id: Result<Path<String>, PathRejection>,
        ) -> Result<Json<StoredRecord>, AppError> {
            get_record(st, $kind, path_id($kind, id)?).await
        }
    };
}

kind_endpoints!(
    put_department,
    get_department,
    Kind::Department,
    Department,
    "/his/v1/departments/{code}",
    "code",
    "department (科室)"
);
kind_endpoints!(
    put_staff,
    get_staff,
    Kind::Staff,
    Staff,
    "/his/v1/staff/{code}",
    "code",
    "staff member (人员)"
);
kind_endpoints!(
    put_patient,
    get_patient,
    Kind::Patient,
    Patient,
    "/his/v1/patients/{id}",
    "id",
    "patient (患者)"
);
kind_endpoints!(
    put_drug,
    get_drug,
    Kind::Drug,
    Drug,
    "/his/v1/drugs/{code}",
    "code",
    "drug (药品)"
);
kind_endpoints!(
    put_visit,
    get_visit,
    Kind::Visit,
    Visit,
    "/his/v1/visits/{id}",
    "id",
    "outpatient/emergency visit (门急诊就诊)"
);
kind_endpoints!(
    put_charge,
    get_charge,
    Kind::Charge,
    Charge,
    "/his/v1/charges/{id}",
    "id",
    "charge line (收费明细)"
);
kind_endpoints!(
    put_prescription,
    get_prescription,
    Kind::Prescription,
    Prescription,
    "/his/v1/prescriptions/{rx_no}",
    "rx_no",
    "outpatient prescription (门诊处方)"
);
kind_endpoints!(
    put_ward_dispensing,
    get_ward_dispensing,
    Kind::WardDispensing,
    WardDispensing,
    "/his/v1/ward-dispensing/{id}",
    "id",
    "ward dispensing list (病区发药单)"
);
kind_endpoints!(
    put_inpatient_case,
    get_inpatient_case,
    Kind::InpatientCase,
    InpatientCase,
    "/his/v1/inpatient-cases/{id}",
    "id",
    "discharged inpatient case (出院病例)"
);

/// A refused batch line's kind, id and bad fields, as far as they could be read.
type LineRefusal = (Option<String>, Option<String>, Vec<FieldError>);

/// Reads the envelope of one batch line.
fn read_line(v: &Value) -> Result<(Kind, String, &Value), LineRefusal> {
    let errs = Errors::new();
    let r = Reader::new("", v, &errs);
    let kind = r.text("kind", 40);
    let id = r.text("id", 200);
    let record = r.raw("record");
    if r.is_object() && record.is_none() {
        r.refuse("record", "必填，不能为空");
    }
    r.finish();
    let known = kind.as_deref().and_then(Kind::from_path);
    if let (Some(k), None) = (&kind, known) {
        let all = Kind::ALL.map(Kind::path).join("、");
        errs.push("kind", format!("未知的记录类型「{k}」，应为 {all} 之一"));
    }
    match (known, &id, record) {
        (Some(k), Some(id), Some(rec)) if errs.is_empty() => Ok((k, id.clone(), rec)),
        _ => Err((kind, id, errs.into_vec())),
    }
}

/// Stores JSON lines of records; see the module documentation for the answer.
#[utoipa::path(
    post,
    path = "/his/v1/batch",
    tag = "HIS 数据接口",
    request_body(
        content = BatchLine,
        content_type = "application/x-ndjson",
        description = "JSON lines: one `{\"kind\", \"id\", \"record\"}` object per line"
    ),
    responses(
        (status = 200, description = "每一行都已保存", body = BatchResponse),
        (status = 207, description = "部分行被拒绝（其余已保存），见 rejected", body = BatchResponse),
        (status = 400, description = "请求体为空", body = ErrorResponse),
        (status = 401, description = "缺少或无效的令牌", body = ErrorResponse),
        (status = 413, description = "请求体过大或行数过多", body = ErrorResponse),
    ),
    security(("his_token" = []))
)]
async fn post_batch(
    client: HisClient,
    State(st): State<HisState>,
    req: Request,
) -> Result<(StatusCode, Json<BatchResponse>), AppError> {
    let bytes = read_body(req, BATCH_LIMIT).await?;
    let actor = client.actor();
    let lines: Vec<(usize, &[u8])> = bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_ascii()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(HisError::EmptyBatch.into());
    }
    if lines.len() > BATCH_MAX_LINES {
        return Err(HisError::TooManyLines {
            max: BATCH_MAX_LINES,
        }
        .into());
    }
    let mut out = BatchResponse {
        lines: lines.len(),
        ..BatchResponse::default()
    };
    for (no, line) in lines {
        let reject = |kind: Option<String>, id: Option<String>, e: HisError| {
            let app = AppError::from(e);
            BatchRejection {
                line: no,
                kind,
                id,
                code: app.body.code,
                message: app.body.message,
                fields: app.body.fields.into_iter().map(BadField::from).collect(),
            }
        };
        let value = match parse_json(line) {
            Ok(v) => v,
            Err(e) => {
                out.rejected.push(reject(None, None, e));
                continue;
            }
        };
        let (kind, id, record) = match read_line(&value) {
            Ok(x) => x,
            Err((kind, id, fields)) => {
                out.rejected
                    .push(reject(kind, id, HisError::Invalid(fields)));
                continue;
            }
        };
        match store::upsert_value(&st.db, kind, &id, record, &actor, st.clock.now()).await {
            Ok(outcome) => {
                out.stored += 1;
                match outcome {
                    Outcome::Created => out.created += 1,
                    Outcome::Updated => out.updated += 1,
                    Outcome::Unchanged => out.unchanged += 1,
                }
            }
            // The database failing is not the line's fault: stop, the client sends again.
            Err(e @ HisError::Db(_)) => return Err(e.into()),
            Err(e) => out
                .rejected
                .push(reject(Some(kind.path().to_owned()), Some(id), e)),
        }
    }
    let status = if out.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    Ok((status, Json(out)))
}

/// The feed's routes, all [`Access::Machine`] (bearer token; a person's session is never
/// accepted here).
pub fn routes(state: HisState) -> Routes<()> {
    let m = Access::Machine;
    Routes::<HisState>::new()
        .api(
            Method::PUT,
            "/his/v1/departments/{code}",
            m,
            put(put_department),
        )
        .api(
            Method::GET,
            "/his/v1/departments/{code}",
            m,
            get(get_department),
        )
        .api(Method::PUT, "/his/v1/staff/{code}", m, put(put_staff))
        .api(Method::GET, "/his/v1/staff/{code}", m, get(get_staff))
        .api(Method::PUT, "/his/v1/patients/{id}", m, put(put_patient))
        .api(Method::GET, "/his/v1/patients/{id}", m, get(get_patient))
        .api(Method::PUT, "/his/v1/drugs/{code}", m, put(put_drug))
        .api(Method::GET, "/his/v1/drugs/{code}", m, get(get_drug))
        .api(Method::PUT, "/his/v1/visits/{id}", m, put(put_visit))
        .api(Method::GET, "/his/v1/visits/{id}", m, get(get_visit))
        .api(Method::PUT, "/his/v1/charges/{id}", m, put(put_charge))
        .api(Method::GET, "/his/v1/charges/{id}", m, get(get_charge))
        .api(
            Method::PUT,
            "/his/v1/prescriptions/{rx_no}",
            m,
            put(put_prescription),
        )
        .api(
            Method::GET,
            "/his/v1/prescriptions/{rx_no}",
            m,
            get(get_prescription),
        )
        .api(
            Method::PUT,
            "/his/v1/ward-dispensing/{id}",
            m,
            put(put_ward_dispensing),
        )
        .api(
            Method::GET,
            "/his/v1/ward-dispensing/{id}",
            m,
            get(get_ward_dispensing),
        )
        .api(
            Method::PUT,
            "/his/v1/inpatient-cases/{id}",
            m,
            put(put_inpatient_case),
        )
        .api(
            Method::GET,
            "/his/v1/inpatient-cases/{id}",
            m,
            get(get_inpatient_case),
        )
        .api(Method::POST, "/his/v1/batch", m, post(post_batch))
        .with_state(state)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "his_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("每个 HIS 客户端一个令牌（管理员创建，仅显示一次）"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI description of the HIS feed.
#[derive(OpenApi)]
#[openapi(
    info(title = "医桥 HIS 数据接口", description = "HIS → 医桥 的主数据与业务数据推送（JSON upsert，幂等）"),
    paths(
        put_department, get_department, put_staff, get_staff, put_patient, get_patient,
        put_drug, get_drug, put_visit, get_visit, put_charge, get_charge, put_prescription,
        get_prescription, put_ward_dispensing, get_ward_dispensing, put_inpatient_case,
        get_inpatient_case, post_batch
    ),
    components(schemas(
        Department, Staff, Patient, Address, Drug, Visit, Coded, Procedure, Charge,
        Prescription, PrescriptionLine, WardDispensing, WardLine, InpatientCase, CaseDiagnosis,
        CaseProcedure, UpsertResponse, Outcome, StoredRecord, BadField, ErrorResponse,
        BatchLine, BatchRejection, BatchResponse
    )),
    modifiers(&BearerAuth),
    tags((name = "HIS 数据接口", description = "HIS 推送科室、人员、患者、药品、就诊、收费、处方、病区发药单与出院病例"))
)]
pub struct HisApi;
