//! The platform API `/platform/v1/…` (booking.md), called by 健康台州. Every request is signed
//! (HMAC-SM3; see [`crate::domain::signing`]); every answer is the envelope
//! `{code, message, data}`; the writes take an `Idempotency-Key`. Routes are `Access::Machine`:
//! a person's session is never a credential here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use yiqiao_core::time::Clock;
use yiqiao_http::{Access, Routes};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::config::{KeyProvider, Rules};
use crate::domain::BookingError;
use crate::domain::rate::{RateRule, RetryAfter, TokenBucket};
use crate::domain::signing;
use crate::store::platform::{self as pstore, Idem};
use crate::store::tickets::{self, TakeRequest, Taken};
use crate::store::{self, Failure, planning};
use crate::wire;

/// The largest request body of the platform API.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What the platform API's handlers need.
#[derive(Clone)]
pub struct BookingState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub rules: Rules,
    pub key: Arc<KeyProvider>,
    pub limiter: Arc<AppLimiter>,
}

/// The request budget of each platform app on this node (限流, [`crate::domain::rate`]).
/// Kept in memory: it protects this node from a burst, and every node has its own, so a
/// hospital running several nodes divides the configured rate among them.
#[derive(Debug)]
pub struct AppLimiter {
    rule: RateRule,
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

impl AppLimiter {
    pub fn new(rule: RateRule) -> AppLimiter {
        AppLimiter {
            rule,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `app_id`'s budget.
    pub fn admit(&self, app_id: &str, now_ms: i64) -> Result<(), BookingError> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets
            .entry(app_id.to_owned())
            .or_insert_with(|| TokenBucket::full(self.rule, now_ms));
        bucket
            .take(self.rule, now_ms)
            .map_err(|RetryAfter(ms)| BookingError::RateLimited(ms))
    }
}

impl BookingState {
    /// From the `[booking]` configuration; the key is read lazily from `data_dir` when not
    /// configured.
    pub fn from_config(
        db: Db,
        clock: Arc<dyn Clock>,
        config: &crate::BookingConfig,
        data_dir: &std::path::Path,
    ) -> Result<BookingState, String> {
        Ok(BookingState {
            db,
            clock,
            rules: config.rules()?,
            key: Arc::new(config.key_provider(data_dir)),
            limiter: Arc::new(AppLimiter::new(config.rate_rule()?)),
        })
    }
}

/// An authenticated request: the app, the query pairs, the body.
struct Signed {
    app_id: String,
    query: Vec<(String, String)>,
    body: Vec<u8>,
    headers: HeaderMap,
    method: Method,
    path: String,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn query_pairs(raw: &str) -> Vec<(String, String)> {
    let dec = |s: &str| String::from_utf8_lossy(&signing::percent_decode(s)).into_owned();
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(n), dec(v))
        })
        .collect()
}

/// Check the signature headers; remember the nonce.
async fn authenticate(st: &BookingState, req: Request) -> Result<Signed, Failure> {
    let (parts, body) = req.into_parts();
    let h = &parts.headers;
    let app_id = header(h, "x-app-id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| BookingError::AuthApp("缺少 X-App-Id 请求头".into()))?
        .to_owned();
    let Some((_app, secret)) = pstore::app_secret(&st.db, &st.key, &app_id).await? else {
        return Err(BookingError::AuthApp(format!("应用 {app_id} 不存在或已停用")).into());
    };
    let ts = header(h, "x-timestamp")
        .ok_or_else(|| BookingError::AuthTime("缺少 X-Timestamp 请求头".into()))?;
    let now = st.clock.now();
    signing::check_timestamp(ts, now.timestamp_millis())?;
    let nonce = header(h, "x-nonce")
        .ok_or_else(|| BookingError::AuthSignature("缺少 X-Nonce 请求头".into()))?;
    signing::check_nonce(nonce)?;
    let sig = header(h, "x-signature")
        .ok_or_else(|| BookingError::AuthSignature("缺少 X-Signature 请求头".into()))?;
    let body = axum::body::to_bytes(Body::new(body), BODY_LIMIT)
        .await
        .map_err(|_| BookingError::TooLarge(BODY_LIMIT))?
        .to_vec();
    let raw_query = parts.uri.query().unwrap_or("");
    let c = signing::canonical(
        parts.method.as_str(),
        parts.uri.path(),
        raw_query,
        ts,
        nonce,
        &body,
    );
    if !signing::verify(&secret, &c, sig) {
        return Err(BookingError::AuthSignature("签名不正确".into()).into());
    }
    // Counted only once the app has proved who it is (a forged X-App-Id cannot spend another
    // app's budget), and before the nonce is written (a refused request costs no write).
    st.limiter.admit(&app_id, now.timestamp_millis())?;
    pstore::use_nonce(&st.db, &app_id, nonce, now).await?;
    Ok(Signed {
        app_id,
        query: query_pairs(raw_query),
        body,
        headers: parts.headers.clone(),
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
    })
}

fn failure_envelope(f: Failure) -> (StatusCode, Value) {
    match f {
        Failure::Refused(e) => wire::refusal(&e),
        Failure::Db(e) => {
            tracing::error!(error = %e, "platform API: database error");
            wire::internal()
        }
    }
}

/// Authenticate, then run `f`; everything becomes an envelope.
async fn run<F, Fut>(st: BookingState, req: Request, f: F) -> Response
where
    F: FnOnce(BookingState, Signed) -> Fut,
    Fut: Future<Output = Result<(StatusCode, Value), Failure>>,
{
    let signed = match authenticate(&st, req).await {
        Ok(s) => s,
        Err(e) => return wire::respond(failure_envelope(e)),
    };
    wire::respond(f(st, signed).await.unwrap_or_else(failure_envelope))
}

/// Like [`run`], for writes: the `Idempotency-Key` replays the first response of a key.
async fn run_idempotent<F, Fut>(st: BookingState, req: Request, f: F) -> Response
where
    F: FnOnce(BookingState, Signed) -> Fut,
    Fut: Future<Output = Result<(StatusCode, Value), Failure>>,
{
    let signed = match authenticate(&st, req).await {
        Ok(s) => s,
        Err(e) => return wire::respond(failure_envelope(e)),
    };
    let key = match header(&signed.headers, "idempotency-key") {
        Some(k) if !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        Some(_) => {
            return wire::respond(wire::refusal(&BookingError::invalid(
                "Idempotency-Key 应为 1 到 128 个可见 ASCII 字符",
            )));
        }
        None => {
            return wire::respond(wire::refusal(&BookingError::invalid(
                "缺少 Idempotency-Key 请求头",
            )));
        }
    };
    let mut h = signed.method.as_str().as_bytes().to_vec();
    h.push(b'\n');
    h.extend_from_slice(signed.path.as_bytes());
    h.push(b'\n');
    h.extend_from_slice(&signed.body);
    let hash = signing::sm3_hex(&h);
    let app_id = signed.app_id.clone();
    let db = st.db.clone();
    let mut begun = None;
    // A retry while the first is still running waits for it a little, then gets 409.
    for _ in 0..50 {
        match pstore::idem_begin(&db, &app_id, &key, &hash, st.clock.now()).await {
            Err(e) => return wire::respond(failure_envelope(e.into())),
            Ok(Idem::InFlight) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Ok(other) => {
                begun = Some(other);
                break;
            }
        }
    }
    match begun {
        None | Some(Idem::InFlight) => {
            wire::respond(wire::refusal(&BookingError::IdempotencyInFlight))
        }
        Some(Idem::Conflict) => wire::respond(wire::refusal(&BookingError::IdempotencyConflict)),
        Some(Idem::Replay { status, body }) => {
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            wire::respond((StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body))
        }
        Some(Idem::Fresh) => {
            let (status, body) = f(st, signed).await.unwrap_or_else(failure_envelope);
            let stored = if status.is_server_error() {
                pstore::idem_abandon(&db, &app_id, &key).await
            } else {
                pstore::idem_finish(&db, &app_id, &key, status.as_u16(), &body.to_string()).await
            };
            if let Err(e) = stored {
                tracing::error!(error = %e, "idempotency: cannot store the response");
            }
            wire::respond((status, body))
        }
    }
}

fn no_body(s: &Signed) -> Result<(), BookingError> {
    if s.body.iter().all(u8::is_ascii_whitespace) {
        Ok(())
    } else {
        Err(BookingError::invalid("GET 请求不应有请求体"))
    }
}

fn only_params(s: &Signed, allowed: &[&str]) -> Result<(), BookingError> {
    match s.query.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
        Some((n, _)) => Err(BookingError::invalid(format!("未知参数 {n}"))),
        None => Ok(()),
    }
}

fn param<'a>(s: &'a Signed, name: &str) -> Option<&'a str> {
    s.query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

async fn departments(State(st): State<BookingState>, req: Request) -> Response {
    run(st, req, |st, s| async move {
        no_body(&s)?;
        only_params(&s, &[])?;
        use yiqiao_his::store::entities::department;
        let rows = department::Entity::find()
            .filter(department::Column::OnlineBooking.eq(true))
            .filter(department::Column::Active.eq(true))
            .order_by_asc(department::Column::Code)
            .all(&*st.db)
            .await?;
        Ok(wire::ok(
            StatusCode::OK,
            Value::Array(rows.iter().map(wire::department_json).collect()),
        ))
    })
    .await
}

async fn doctors(State(st): State<BookingState>, req: Request) -> Response {
    run(st, req, |st, s| async move {
        no_body(&s)?;
        only_params(&s, &["dept_code"])?;
        let dept =
            param(&s, "dept_code").ok_or_else(|| BookingError::invalid("缺少参数 dept_code"))?;
        use yiqiao_his::store::entities::staff;
        let rows = staff::Entity::find()
            .filter(staff::Column::DeptCode.eq(dept))
            .filter(staff::Column::Role.eq("doctor"))
            .filter(staff::Column::Active.eq(true))
            .order_by_asc(staff::Column::Code)
            .all(&*st.db)
            .await?;
        Ok(wire::ok(
            StatusCode::OK,
            Value::Array(rows.iter().map(wire::doctor_json).collect()),
        ))
    })
    .await
}

async fn schedules(State(st): State<BookingState>, req: Request) -> Response {
    run(st, req, |st, s| async move {
        no_body(&s)?;
        let q = wire::schedule_query(&s.query, store::local_date(st.clock.now()))?;
        let list = planning::schedules_between(
            &*st.db,
            q.from,
            q.to,
            Some(&q.dept_code),
            q.doctor_code.as_deref(),
        )
        .await?;
        let mut out = Vec::with_capacity(list.len());
        for sc in &list {
            out.push(wire::schedule_json(
                sc,
                store::online_left(&*st.db, &sc.id).await?,
            ));
        }
        Ok(wire::ok(StatusCode::OK, Value::Array(out)))
    })
    .await
}

async fn slots(State(st): State<BookingState>, Path(id): Path<String>, req: Request) -> Response {
    run(st, req, |st, s| async move {
        no_body(&s)?;
        only_params(&s, &[])?;
        store::get_schedule(&*st.db, &id)
            .await?
            .ok_or_else(|| BookingError::not_found(format!("没有排班 {id}")))?;
        let rows = store::all(
            &*st.db,
            "SELECT seq_no, window_start, window_end FROM booking_slot \
             WHERE schedule_id = $1 AND pool = 'online' AND state = 'free' ORDER BY seq_no",
            vec![store::v(&id)],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(wire::slot_json(
                r.try_get("", "seq_no")?,
                r.try_get("", "window_start")?,
                r.try_get("", "window_end")?,
            ));
        }
        Ok(wire::ok(StatusCode::OK, Value::Array(out)))
    })
    .await
}

fn take_request(s: &Signed) -> Result<TakeRequest, BookingError> {
    let b = wire::take_body(&s.body)?;
    Ok(TakeRequest {
        schedule_id: b.schedule_id,
        seq_no: b.seq_no,
        patient: b.patient,
        platform_order_id: Some(b.platform_order_id),
        channel: b.channel,
        app_id: Some(s.app_id.clone()),
    })
}

async fn take(State(st): State<BookingState>, req: Request) -> Response {
    run_idempotent(st, req, |st, s| async move {
        let r = take_request(&s)?;
        let now = st.clock.now();
        match tickets::take_number(&st.db, &st.rules, &r, &Actor::machine(&s.app_id), now).await? {
            Taken::New(v) => Ok(wire::ok(StatusCode::CREATED, wire::ticket_json(&v))),
            Taken::Existing(v) => Ok(wire::ok(StatusCode::OK, wire::ticket_json(&v))),
        }
    })
    .await
}

async fn ticket(State(st): State<BookingState>, Path(id): Path<String>, req: Request) -> Response {
    run(st, req, |st, s| async move {
        no_body(&s)?;
        only_params(&s, &[])?;
        let v = store::ticket_view(&*st.db, &id)
            .await?
            .filter(|v| v.ticket.app_id.as_deref() == Some(s.app_id.as_str()))
            .ok_or_else(|| BookingError::not_found(format!("没有取号记录 {id}")))?;
        Ok(wire::ok(StatusCode::OK, wire::ticket_json(&v)))
    })
    .await
}

async fn tickets_by_order(State(st): State<BookingState>, req: Request) -> Response {
    run(st, req, |st, s| async move {
        no_body(&s)?;
        only_params(&s, &["platform_order_id"])?;
        let order = param(&s, "platform_order_id")
            .ok_or_else(|| BookingError::invalid("缺少参数 platform_order_id"))?;
        let found = tickets::find_by_order(&*st.db, &s.app_id, order).await?;
        let views = store::ticket_views(&*st.db, found.into_iter().collect()).await?;
        Ok(wire::ok(
            StatusCode::OK,
            Value::Array(views.iter().map(wire::ticket_json).collect()),
        ))
    })
    .await
}

async fn cancel(State(st): State<BookingState>, Path(id): Path<String>, req: Request) -> Response {
    run_idempotent(st, req, |st, s| async move {
        let reason = wire::cancel_reason(&s.body)?;
        let v = tickets::cancel_by_patient(
            &st.db,
            &st.rules,
            &s.app_id,
            &id,
            &reason,
            &Actor::machine(&s.app_id),
            st.clock.now(),
        )
        .await?;
        Ok(wire::ok(StatusCode::OK, wire::ticket_json(&v)))
    })
    .await
}

async fn waitlist(State(st): State<BookingState>, req: Request) -> Response {
    run_idempotent(st, req, |st, s| async move {
        let r = take_request(&s)?;
        let (id, position) = tickets::join_waitlist(&st.db, &r, st.clock.now()).await?;
        Ok(wire::ok(
            StatusCode::CREATED,
            json!({"waitlist_id": id.to_string(), "position": position}),
        ))
    })
    .await
}

/// The platform API's routes.
pub fn routes(state: BookingState) -> Routes<()> {
    let m = Access::Machine;
    Routes::<BookingState>::new()
        .api(Method::GET, "/platform/v1/departments", m, get(departments))
        .api(Method::GET, "/platform/v1/doctors", m, get(doctors))
        .api(Method::GET, "/platform/v1/schedules", m, get(schedules))
        .api(
            Method::GET,
            "/platform/v1/schedules/{schedule_id}/slots",
            m,
            get(slots),
        )
        .api(Method::POST, "/platform/v1/tickets", m, post(take))
        .api(
            Method::GET,
            "/platform/v1/tickets",
            m,
            get(tickets_by_order),
        )
        .api(
            Method::GET,
            "/platform/v1/tickets/{ticket_id}",
            m,
            get(ticket),
        )
        .api(
            Method::POST,
            "/platform/v1/tickets/{ticket_id}/cancel",
            m,
            post(cancel),
        )
        .api(Method::POST, "/platform/v1/waitlist", m, post(waitlist))
        .with_state(state)
}
