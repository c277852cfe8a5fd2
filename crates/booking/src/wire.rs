//! The platform's wire format (booking.md) and its mapping to the domain. This is the one file
//! to change when the real 健康台州 field names are adopted: requests are read here into
//! domain values, and domain values are written here as the platform's JSON.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use yiqiao_core::time::{format_local, parse_date};
use yiqiao_core::{ErrorKind, Refusal, mask_name};

use crate::domain::BookingError;
use crate::domain::patient::Patient;
use crate::domain::ticket::Channel;
use crate::store::{TicketView, schedule};

/// `{"code": "OK", "message": "成功", "data": …}` with 200 or 201.
pub fn ok(status: StatusCode, data: Value) -> (StatusCode, Value) {
    (
        status,
        json!({"code": "OK", "message": "成功", "data": data}),
    )
}

/// The envelope of a refusal and its HTTP status.
pub fn refusal(e: &BookingError) -> (StatusCode, Value) {
    let status = yiqiao_http::error::status_of(e.kind());
    (
        status,
        json!({"code": e.code(), "message": e.message(), "data": e.data()}),
    )
}

/// The envelope of a failure of ours (never caused by the client).
pub fn internal() -> (StatusCode, Value) {
    (
        yiqiao_http::error::status_of(ErrorKind::Internal),
        json!({"code": "INTERNAL", "message": "服务器内部错误，已记录，请联系医院信息科", "data": null}),
    )
}

/// The envelope as a response. Marked final, so the web layer does not rewrite it. A 429 also
/// says in `Retry-After` (whole seconds) when to come back.
pub fn respond((status, body): (StatusCode, Value)) -> Response {
    let retry_after = (status == StatusCode::TOO_MANY_REQUESTS)
        .then(|| body["data"]["retry_after_ms"].as_u64())
        .flatten()
        .map(|ms| ms.div_ceil(1000).max(1));
    let mut r = (status, Json(body)).into_response();
    if let Some(seconds) = retry_after {
        r.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
    }
    r.extensions_mut().insert(yiqiao_http::error::FinalBody);
    r
}

// ---- reading requests ----

fn field<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'a Value, BookingError> {
    obj.get(name)
        .filter(|v| !v.is_null())
        .ok_or_else(|| BookingError::invalid(format!("缺少字段 {path}{name}")))
}

fn string<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    name: &str,
    max: usize,
) -> Result<&'a str, BookingError> {
    let s = field(obj, path, name)?
        .as_str()
        .ok_or_else(|| BookingError::invalid(format!("字段 {path}{name} 应为字符串")))?;
    if s.trim().is_empty() {
        return Err(BookingError::invalid(format!("字段 {path}{name} 不能为空")));
    }
    if s.chars().count() > max {
        return Err(BookingError::invalid(format!(
            "字段 {path}{name} 超过 {max} 个字符"
        )));
    }
    Ok(s)
}

/// Parse a JSON body into an object, naming what is wrong.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, BookingError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BookingError::invalid("请求体为空，应为 JSON 对象"));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        BookingError::invalid(format!(
            "请求体不是合法的 JSON：第 {} 行第 {} 列有误",
            e.line(),
            e.column()
        ))
    })?;
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(BookingError::invalid("请求体应为 JSON 对象")),
    }
}

fn check_known(obj: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), BookingError> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(BookingError::invalid(format!("未知字段 {path}{k}"))),
        None => Ok(()),
    }
}

/// The body of `POST /tickets` (and `/waitlist`).
#[derive(Debug, Clone)]
pub struct TakeBody {
    pub schedule_id: String,
    pub seq_no: Option<i32>,
    pub patient: Patient,
    pub platform_order_id: String,
    pub channel: Channel,
}

pub fn take_body(body: &[u8]) -> Result<TakeBody, BookingError> {
    let o = object(body)?;
    check_known(
        &o,
        "",
        &[
            "schedule_id",
            "seq_no",
            "patient",
            "platform_order_id",
            "channel",
        ],
    )?;
    let schedule_id = string(&o, "", "schedule_id", 40)?.to_owned();
    let seq_no = match o.get("seq_no") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|n| (1..=10_000).contains(n))
                .map(|n| n as i32)
                .ok_or_else(|| BookingError::invalid("字段 seq_no 应为正整数"))?,
        ),
    };
    let order = string(&o, "", "platform_order_id", 64)?;
    if !order
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(BookingError::invalid(
            "字段 platform_order_id 只能含字母、数字、- 和 _",
        ));
    }
    let channel_s = string(&o, "", "channel", 32)?;
    let channel = Channel::parse(channel_s)
        .filter(|c| c.is_platform())
        .ok_or_else(|| {
            BookingError::invalid(format!(
                "字段 channel 应为 anzhener 或 jiankang_taizhou，收到「{channel_s}」"
            ))
        })?;
    let p = field(&o, "", "patient")?
        .as_object()
        .ok_or_else(|| BookingError::invalid("字段 patient 应为对象"))?;
    check_known(p, "patient.", &["name", "id_type", "id_no", "phone"])?;
    let name = string(p, "patient.", "name", 50)
        .map_err(|e| BookingError::InvalidPatient(e.to_string()))?;
    let id_type = string(p, "patient.", "id_type", 2)
        .map_err(|e| BookingError::InvalidPatient(e.to_string()))?;
    let id_no = string(p, "patient.", "id_no", 40)
        .map_err(|e| BookingError::InvalidPatient(e.to_string()))?;
    let phone = string(p, "patient.", "phone", 20)?;
    let patient = Patient::parse(name, id_type, id_no, phone)?;
    Ok(TakeBody {
        schedule_id,
        seq_no,
        patient,
        platform_order_id: order.to_owned(),
        channel,
    })
}

/// The body of `POST /tickets/{id}/cancel`.
pub fn cancel_reason(body: &[u8]) -> Result<String, BookingError> {
    let o = object(body)?;
    check_known(&o, "", &["reason"])?;
    Ok(string(&o, "", "reason", 200)?.trim().to_owned())
}

/// The query of `GET /schedules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleQuery {
    pub dept_code: String,
    pub doctor_code: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest date range of one schedule query.
pub const MAX_RANGE_DAYS: i64 = 31;

pub fn schedule_query(
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<ScheduleQuery, BookingError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    for (n, _) in pairs {
        if !["dept_code", "doctor_code", "date_from", "date_to"].contains(&n.as_str()) {
            return Err(BookingError::invalid(format!("未知参数 {n}")));
        }
    }
    let dept_code = get("dept_code")
        .ok_or_else(|| BookingError::invalid("缺少参数 dept_code"))?
        .to_owned();
    let date = |k: &str, default: NaiveDate| -> Result<NaiveDate, BookingError> {
        match get(k) {
            None => Ok(default),
            Some(s) => parse_date(s).map_err(|_| {
                BookingError::invalid(format!("参数 {k} 应为 YYYY-MM-DD 格式的日期，收到「{s}」"))
            }),
        }
    };
    let from = date("date_from", today)?;
    let to = date("date_to", from + chrono::Duration::days(MAX_RANGE_DAYS - 1))?;
    if from < today {
        return Err(BookingError::invalid("参数 date_from 不能早于今天"));
    }
    if to < from {
        return Err(BookingError::invalid("参数 date_to 不能早于 date_from"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(BookingError::invalid(format!(
            "日期范围不能超过 {MAX_RANGE_DAYS} 天"
        )));
    }
    Ok(ScheduleQuery {
        dept_code,
        doctor_code: get("doctor_code").map(str::to_owned),
        from,
        to,
    })
}

// ---- writing responses ----

pub fn department_json(d: &yiqiao_his::store::entities::department::Model) -> Value {
    json!({"dept_code": d.code, "name": d.name, "campus": d.campus, "intro": d.intro})
}

pub fn doctor_json(s: &yiqiao_his::store::entities::staff::Model) -> Value {
    json!({"doctor_code": s.code, "name": s.name, "title": s.title, "dept_code": s.dept_code,
           "specialty": s.specialty, "intro": s.intro})
}

pub fn schedule_json(s: &schedule::Model, online_left: i64) -> Value {
    json!({
        "schedule_id": s.id, "dept_code": s.dept_code, "doctor_code": s.doctor_code,
        "date": s.date.format("%Y-%m-%d").to_string(), "session": s.session, "level": s.level,
        "fee_fen": s.fee_fen, "status": s.status, "online_total": s.online_total,
        "online_left": online_left, "release_at": format_local(s.release_at),
    })
}

pub fn slot_json(
    seq_no: i32,
    ws: chrono::DateTime<chrono::Utc>,
    we: chrono::DateTime<chrono::Utc>,
) -> Value {
    json!({"seq_no": seq_no, "window_start": format_local(ws), "window_end": format_local(we)})
}

pub fn ticket_json(v: &TicketView) -> Value {
    let t = &v.ticket;
    json!({
        "ticket_id": t.id, "ticket_no": t.ticket_no, "platform_order_id": t.platform_order_id,
        "schedule_id": t.schedule_id, "dept_code": v.dept_code, "doctor_code": v.doctor_code,
        "date": t.visit_date.format("%Y-%m-%d").to_string(), "session": v.session,
        "seq_no": t.seq_no, "window_start": format_local(t.window_start),
        "window_end": format_local(t.window_end), "checkin_deadline": format_local(t.checkin_deadline),
        "fee_fen": t.fee_fen, "pay_mode": "pay_at_visit", "status": t.status,
        "patient": {"name": mask_name(&t.patient_name), "id_no_masked": yiqiao_core::mask_id_no(&t.id_no)},
    })
}

/// The notice body the platform receives.
pub fn notice_json(notice_id: &str, kind: &str, data: Value) -> Value {
    json!({"notice_id": notice_id, "type": kind, "data": data})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn schedule_query_defaults_and_limits() {
        let q = schedule_query(&pairs(&[("dept_code", "A03")]), today()).unwrap();
        assert_eq!(
            (q.from, (q.to - q.from).num_days()),
            (today(), MAX_RANGE_DAYS - 1)
        );
        assert!(
            schedule_query(
                &pairs(&[("dept_code", "A03"), ("date_to", "2026-12-30")]),
                today()
            )
            .is_err()
        );
        assert!(
            schedule_query(
                &pairs(&[("dept_code", "A03"), ("date_to", "2026-12-29")]),
                today()
            )
            .is_ok()
        );
        assert!(schedule_query(&pairs(&[("date_from", "2026-11-30")]), today()).is_err());
    }

    proptest! {
        /// Any bytes: an answer, never a panic; a refusal is always INVALID_REQUEST or
        /// INVALID_PATIENT (a 400).
        #[test]
        fn take_body_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Err(e) = take_body(&body) {
                prop_assert!(matches!(e.code(), "INVALID_REQUEST" | "INVALID_PATIENT"));
            }
        }

        /// Structurally valid bodies with arbitrary field values: refused only with a 400.
        #[test]
        fn take_body_fields(name in "\\PC{0,60}", id_type in "[0-9]{0,3}", id_no in "[0-9X]{0,20}",
                            phone in "[0-9+-]{0,22}", order in "\\PC{0,70}", seq in any::<i64>()) {
            let b = serde_json::json!({"schedule_id": "s1", "seq_no": seq,
                "patient": {"name": name, "id_type": id_type, "id_no": id_no, "phone": phone},
                "platform_order_id": order, "channel": "anzhener"});
            match take_body(b.to_string().as_bytes()) {
                Ok(t) => {
                    prop_assert!(t.seq_no.is_some_and(|n| (1..=10_000).contains(&n)));
                    prop_assert_eq!(t.platform_order_id, order);
                }
                Err(e) => prop_assert_eq!(yiqiao_http::error::status_of(e.kind()).as_u16(), 400),
            }
        }
    }
}
