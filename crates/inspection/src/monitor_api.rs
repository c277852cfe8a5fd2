//! The monitoring JSON API (/api/inspection/monitor/…): the same data as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use yiqiao_http::{AppError, CurrentUser};

use crate::domain::availability::Period;
use crate::monitor_pages::{DeviceDraft, MonitorState, this_month};
use crate::store::monitor::{
    self as st, DeviceView, Overview,
    entities::{alert, interface, sample},
};

pub(crate) async fn overview(State(s): State<MonitorState>) -> Result<Json<Overview>, AppError> {
    Ok(Json(st::overview(&s.db).await?))
}

pub(crate) async fn devices(
    State(s): State<MonitorState>,
) -> Result<Json<Vec<DeviceView>>, AppError> {
    Ok(Json(st::devices(&s.db).await?))
}

#[derive(Serialize)]
pub(crate) struct Created {
    id: i64,
}

pub(crate) async fn add_device(
    State(s): State<MonitorState>,
    _me: CurrentUser,
    Json(draft): Json<DeviceDraft>,
) -> Result<Response, AppError> {
    let d = draft.parse(&s.config)?;
    let id = st::add_device(&s.db, &s.key, s.clock.now(), &d).await?;
    Ok((axum::http::StatusCode::CREATED, Json(Created { id })).into_response())
}

/// A device's own temperature alarm limit, ℃; `null` goes back to its profile's.
#[derive(Deserialize)]
pub(crate) struct LimitJson {
    temperature_limit_c: Option<i64>,
}

pub(crate) async fn set_temperature_limit(
    State(s): State<MonitorState>,
    _me: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<LimitJson>,
) -> Result<Json<DeviceView>, AppError> {
    st::set_temperature_limit(&s.db, s.clock.now(), id, body.temperature_limit_c).await?;
    Ok(Json(st::device(&s.db, id).await?))
}

#[derive(Serialize)]
pub(crate) struct InterfaceJson {
    if_index: i32,
    name: String,
    oper_status: i32,
    speed_mbps: Option<i64>,
    in_bps: Option<i64>,
    out_bps: Option<i64>,
    broadcast_pps: Option<i64>,
    in_errors: Option<i64>,
    updated_at: DateTime<Utc>,
}

impl From<interface::Model> for InterfaceJson {
    fn from(i: interface::Model) -> Self {
        InterfaceJson {
            if_index: i.if_index,
            name: i.name,
            oper_status: i.oper_status,
            speed_mbps: i.speed_mbps,
            in_bps: i.in_bps,
            out_bps: i.out_bps,
            broadcast_pps: i.broadcast_pps,
            in_errors: i.in_errors,
            updated_at: i.updated_at,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct AlertJson {
    id: i64,
    device_id: i64,
    metric: String,
    entity: String,
    limit: i64,
    value: i64,
    peak: i64,
    since: DateTime<Utc>,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

impl From<alert::Model> for AlertJson {
    fn from(a: alert::Model) -> Self {
        AlertJson {
            id: a.id,
            device_id: a.device_id,
            metric: a.metric,
            entity: a.entity,
            limit: a.limit_value,
            value: a.value,
            peak: a.peak,
            since: a.since,
            opened_at: a.opened_at,
            closed_at: a.closed_at,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct DeviceJson {
    device: DeviceView,
    interfaces: Vec<InterfaceJson>,
    open_alerts: Vec<AlertJson>,
}

pub(crate) async fn device(
    State(s): State<MonitorState>,
    Path(id): Path<i64>,
) -> Result<Json<DeviceJson>, AppError> {
    Ok(Json(DeviceJson {
        device: st::device(&s.db, id).await?,
        interfaces: st::interfaces(&s.db, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        open_alerts: st::alerts(&s.db, Some(id), true)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Deserialize)]
pub(crate) struct SeriesQuery {
    metric: String,
    entity: Option<String>,
    /// raw | 5m | 1h (default raw)
    resolution: Option<String>,
    /// RFC 3339; default: the last 24 hours.
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub(crate) struct Point {
    entity: String,
    at: DateTime<Utc>,
    avg: i64,
    max: i64,
    n: i32,
}

impl From<sample::Model> for Point {
    fn from(s: sample::Model) -> Self {
        Point {
            entity: s.entity,
            at: s.at,
            avg: s.avg,
            max: s.max,
            n: s.n,
        }
    }
}

pub(crate) async fn series(
    State(s): State<MonitorState>,
    Path(id): Path<i64>,
    Query(q): Query<SeriesQuery>,
) -> Result<Json<Vec<Point>>, AppError> {
    const METRICS: &[&str] = &[
        "cpu",
        "memory",
        "temperature",
        "in_bps",
        "out_bps",
        "broadcast_pps",
    ];
    if !METRICS.contains(&q.metric.as_str()) {
        return Err(AppError::bad_request(
            "BAD_METRIC",
            format!("指标“{}”不存在，可选：{}", q.metric, METRICS.join("、")),
        ));
    }
    let res = q.resolution.as_deref().unwrap_or("raw");
    if !["raw", "5m", "1h"].contains(&res) {
        return Err(AppError::bad_request(
            "BAD_RESOLUTION",
            format!("粒度“{res}”不存在，可选：raw、5m、1h"),
        ));
    }
    let now = s.clock.now();
    let to = q.to.unwrap_or(now);
    let from = q.from.unwrap_or(to - Duration::hours(24));
    if from >= to {
        return Err(AppError::bad_request(
            "BAD_PERIOD",
            "开始时间必须早于结束时间",
        ));
    }
    st::device(&s.db, id).await?;
    Ok(Json(
        st::series(&s.db, id, &q.metric, q.entity.as_deref(), res, from, to)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    /// `YYYY-MM` (Beijing); default: this month.
    month: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct AvailabilityJson {
    device_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    period_seconds: i64,
    outage_seconds: i64,
    excused_seconds: i64,
    percent: String,
}

pub(crate) async fn availability(
    State(s): State<MonitorState>,
    Path(id): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<AvailabilityJson>, AppError> {
    let now = s.clock.now();
    let period = match q.month.as_deref() {
        None => this_month(now)?,
        Some(m) => {
            let bad = || AppError::bad_request("BAD_MONTH", format!("月份“{m}”应写作 2026-11"));
            let (y, mo) = m.split_once('-').ok_or_else(bad)?;
            let (y, mo) = (
                y.parse::<i32>().map_err(|_| bad())?,
                mo.parse::<u32>().map_err(|_| bad())?,
            );
            Period::local_month(y, mo).map_err(|e| AppError::from_refusal(&e))?
        }
    };
    st::device(&s.db, id).await?;
    let a = st::device_availability(&s.db, id, period, now).await?;
    Ok(Json(AvailabilityJson {
        device_id: id,
        from: DateTime::from_timestamp(period.start(), 0).unwrap_or(now),
        to: DateTime::from_timestamp(period.end(), 0).unwrap_or(now),
        period_seconds: a.period_seconds,
        outage_seconds: a.outage_seconds,
        excused_seconds: a.excused_seconds,
        percent: a.percent_text(),
    }))
}

#[derive(Deserialize)]
pub(crate) struct AlertQuery {
    #[serde(default)]
    open: bool,
    device: Option<i64>,
}

pub(crate) async fn alerts(
    State(s): State<MonitorState>,
    Query(q): Query<AlertQuery>,
) -> Result<Json<Vec<AlertJson>>, AppError> {
    Ok(Json(
        st::alerts(&s.db, q.device, q.open)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
