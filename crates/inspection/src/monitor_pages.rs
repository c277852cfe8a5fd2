//! Monitoring pages (实时监控): the dashboard (devices up/down, open alerts and outages), the
//! device page with interfaces and SVG charts, adding devices and maintenance windows.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use yiqiao_core::time::{Clock, format_local, parse_local};
use yiqiao_http::{AppError, CsrfForm, CurrentUser, NavItem, Routes, Shell};
use yiqiao_store::Db;

use crate::domain::availability::Period;
use crate::monitor::chart::{Line, svg};
use crate::monitor::snmp::{AuthProto, Credentials, PrivProto};
use crate::ops::{MANAGE, READ, html};
use crate::store::monitor::{
    self as st, DeviceView, MonitorError, NewDevice, Overview,
    entities::{alert, interface, maintenance, outage},
};

yiqiao_http::app_error_from!(MonitorError);

/// What the monitoring pages and API need.
#[derive(Clone)]
pub struct MonitorState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// Defaults for new devices.
    pub config: crate::monitor::poller::MonitorConfig,
    /// Encrypts the SNMP credentials of new devices.
    pub key: Arc<yiqiao_store::secret_key::KeyProvider>,
}

/// Every monitoring route, declared with its roles.
pub fn routes(state: MonitorState) -> Routes<()> {
    Routes::new()
        .page_get("/inspection/monitor", READ, get(dashboard))
        .page_post("/inspection/monitor/devices", MANAGE, post(add_device))
        .page_get("/inspection/monitor/devices/{id}", READ, get(device_page))
        .page_post(
            "/inspection/monitor/devices/{id}/maintenance",
            MANAGE,
            post(add_maintenance),
        )
        .page_post(
            "/inspection/monitor/devices/{id}/temperature-limit",
            MANAGE,
            post(set_temperature_limit),
        )
        .api(
            Method::GET,
            "/api/inspection/monitor/overview",
            READ,
            get(crate::monitor_api::overview),
        )
        .api(
            Method::GET,
            "/api/inspection/monitor/devices",
            READ,
            get(crate::monitor_api::devices),
        )
        .api(
            Method::POST,
            "/api/inspection/monitor/devices",
            MANAGE,
            post(crate::monitor_api::add_device),
        )
        .api(
            Method::GET,
            "/api/inspection/monitor/devices/{id}",
            READ,
            get(crate::monitor_api::device),
        )
        .api(
            Method::PUT,
            "/api/inspection/monitor/devices/{id}/temperature-limit",
            MANAGE,
            put(crate::monitor_api::set_temperature_limit),
        )
        .api(
            Method::GET,
            "/api/inspection/monitor/devices/{id}/series",
            READ,
            get(crate::monitor_api::series),
        )
        .api(
            Method::GET,
            "/api/inspection/monitor/devices/{id}/availability",
            READ,
            get(crate::monitor_api::availability),
        )
        .api(
            Method::GET,
            "/api/inspection/monitor/alerts",
            READ,
            get(crate::monitor_api::alerts),
        )
        .with_state(state)
}

/// The monitoring navigation entry.
pub fn navigation() -> Vec<NavItem> {
    vec![NavItem {
        group: "机房运维",
        label: "实时监控",
        href: "/inspection/monitor",
        access: READ,
    }]
}

/// A device as typed into the form (all text; [`DeviceDraft::parse`] checks it).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DeviceDraft {
    pub asset_id: String,
    pub host: String,
    pub port: String,
    /// v2c | v3
    pub version: String,
    pub community: String,
    pub v3_user: String,
    pub auth_proto: String,
    pub auth_pass: String,
    pub priv_proto: String,
    pub priv_pass: String,
    pub interval_secs: String,
    pub timeout_ms: String,
    /// 温度告警阈值 (℃); empty: the vendor profile's.
    pub temperature_limit_c: String,
}

/// A temperature limit as typed: empty is "the profile's".
fn limit_field(s: &str) -> Result<Option<i64>, MonitorError> {
    let s = s.trim().trim_end_matches('℃').trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>()
        .map(Some)
        .map_err(|_| MonitorError::Bad(format!("温度告警阈值“{s}”不是整数")))
}

impl DeviceDraft {
    pub fn parse(
        &self,
        defaults: &crate::monitor::poller::MonitorConfig,
    ) -> Result<NewDevice, MonitorError> {
        let bad = |m: String| MonitorError::Bad(m);
        let asset_id = self
            .asset_id
            .trim()
            .parse::<i64>()
            .map_err(|_| bad("请选择要监控的资产".into()))?;
        let port = if self.port.trim().is_empty() {
            161
        } else {
            self.port
                .trim()
                .parse::<u16>()
                .map_err(|_| bad(format!("端口“{}”无效", self.port)))?
        };
        let num = |s: &str, d: u32, what: &str| -> Result<u32, MonitorError> {
            if s.trim().is_empty() {
                Ok(d)
            } else {
                s.trim()
                    .parse::<u32>()
                    .map_err(|_| bad(format!("{what}“{s}”不是整数")))
            }
        };
        let credentials = match self.version.trim() {
            "" | "v2c" => {
                if self.community.trim().is_empty() {
                    return Err(bad("请填写 SNMP 团体名".into()));
                }
                Credentials::V2c {
                    community: self.community.trim().into(),
                }
            }
            "v3" => {
                if self.v3_user.trim().is_empty() || self.auth_pass.len() < 8 {
                    return Err(bad("SNMPv3 需要用户名和至少 8 位的认证密码".into()));
                }
                let auth = AuthProto::parse(if self.auth_proto.is_empty() {
                    "sha256"
                } else {
                    &self.auth_proto
                })
                .ok_or_else(|| bad(format!("认证协议“{}”不支持", self.auth_proto)))?;
                let privacy = if self.priv_proto.trim().is_empty() {
                    None
                } else {
                    let p = PrivProto::parse(&self.priv_proto)
                        .ok_or_else(|| bad(format!("加密协议“{}”不支持", self.priv_proto)))?;
                    if self.priv_pass.len() < 8 {
                        return Err(bad("加密密码至少 8 位".into()));
                    }
                    Some((p, self.priv_pass.clone()))
                };
                Credentials::V3 {
                    user: self.v3_user.trim().into(),
                    auth,
                    auth_pass: self.auth_pass.clone(),
                    privacy,
                    context: String::new(),
                }
            }
            other => return Err(bad(format!("SNMP 版本“{other}”不支持（v2c 或 v3）"))),
        };
        Ok(NewDevice {
            asset_id,
            host: self.host.trim().into(),
            port,
            credentials,
            interval_secs: num(&self.interval_secs, defaults.poll_interval_secs, "轮询间隔")?,
            timeout_ms: num(&self.timeout_ms, defaults.timeout_ms, "超时")?,
            temperature_limit_c: limit_field(&self.temperature_limit_c)?,
        })
    }
}

pub(crate) fn state_label(s: &str) -> &'static str {
    match s {
        "up" => "正常",
        "down" => "中断",
        _ => "未知",
    }
}

fn percent(e2: Option<i32>) -> String {
    e2.map(|v| format!("{}.{:02} %", v / 100, v % 100))
        .unwrap_or_else(|| "—".into())
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(format_local).unwrap_or_else(|| "—".into())
}

fn rate(v: Option<i64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v >= 1_000_000_000 => format!("{:.2} Gbit/s", v as f64 / 1e9),
        Some(v) if v >= 1_000_000 => format!("{:.2} Mbit/s", v as f64 / 1e6),
        Some(v) if v >= 1_000 => format!("{:.1} kbit/s", v as f64 / 1e3),
        Some(v) => format!("{v} bit/s"),
    }
}

struct DeviceRow {
    d: DeviceView,
    state: &'static str,
    cpu: String,
    memory: String,
    temperature: String,
    last_poll: String,
}

struct AlertRow {
    a: alert::Model,
    /// The metric in words, with its unit.
    label: &'static str,
    unit: &'static str,
    opened: String,
    closed: String,
}

/// The stored metric name in people's words and its unit.
fn metric_words(name: &str) -> (&'static str, &'static str) {
    use crate::domain::alert::Metric;
    [
        Metric::Cpu,
        Metric::Memory,
        Metric::PingFailed,
        Metric::InterfaceErrors,
        Metric::BroadcastPps,
        Metric::Temperature,
    ]
    .into_iter()
    .find(|m| crate::monitor::evaluate::metric_name(*m) == name)
    .map_or(("其他", ""), |m| (m.label(), m.unit()))
}

#[derive(Template)]
#[template(path = "monitor_dashboard.html")]
struct Dashboard {
    shell: Shell,
    overview: Overview,
    devices: Vec<DeviceRow>,
    alerts: Vec<AlertRow>,
    form: DeviceDraft,
    error: Option<String>,
    can_manage: bool,
}

fn alert_rows(v: Vec<alert::Model>) -> Vec<AlertRow> {
    v.into_iter()
        .map(|a| AlertRow {
            label: metric_words(&a.metric).0,
            unit: metric_words(&a.metric).1,
            opened: format_local(a.opened_at),
            closed: when(a.closed_at),
            a,
        })
        .collect()
}

async fn render_dashboard(
    s: &MonitorState,
    shell: Shell,
    form: DeviceDraft,
    error: Option<String>,
) -> Result<Response, AppError> {
    let devices = st::devices(&s.db)
        .await?
        .into_iter()
        .map(|d| DeviceRow {
            state: state_label(&d.state),
            cpu: percent(d.cpu_e2),
            memory: percent(d.memory_e2),
            temperature: celsius(d.temperature_e2),
            last_poll: when(d.last_poll_at),
            d,
        })
        .collect();
    let can_manage = shell.has(yiqiao_core::Role::ItOps);
    html(&Dashboard {
        shell,
        overview: st::overview(&s.db).await?,
        devices,
        alerts: alert_rows(st::alerts(&s.db, None, true).await?),
        form,
        error,
        can_manage,
    })
}

async fn dashboard(State(s): State<MonitorState>, shell: Shell) -> Result<Response, AppError> {
    render_dashboard(&s, shell, DeviceDraft::default(), None).await
}

async fn add_device(
    State(s): State<MonitorState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<DeviceDraft>,
) -> Result<Response, AppError> {
    let parsed = match form.parse(&s.config) {
        Ok(d) => d,
        Err(e) => return render_dashboard(&s, shell, form, Some(e.to_string())).await,
    };
    match st::add_device(&s.db, &s.key, s.clock.now(), &parsed).await {
        Ok(id) => Ok(Redirect::to(&format!("/inspection/monitor/devices/{id}")).into_response()),
        Err(e @ (MonitorError::Db(_) | MonitorError::Key(_))) => Err(e.into()),
        Err(e) => render_dashboard(&s, shell, form, Some(e.to_string())).await,
    }
}

struct InterfaceRow {
    i: interface::Model,
    oper: &'static str,
    in_rate: String,
    out_rate: String,
}

struct OutageRow {
    start: String,
    end: String,
    cause: String,
}

struct WindowRow {
    start: String,
    end: String,
    reason: String,
    by: String,
    entered: String,
}

#[derive(Template)]
#[template(path = "monitor_device.html")]
struct DevicePage {
    shell: Shell,
    d: DeviceView,
    state: &'static str,
    cpu: String,
    memory: String,
    last_poll: String,
    last_ok: String,
    interfaces: Vec<InterfaceRow>,
    alerts: Vec<AlertRow>,
    outages: Vec<OutageRow>,
    windows: Vec<WindowRow>,
    availability: String,
    outage_minutes: i64,
    excused_minutes: i64,
    month: String,
    cpu_chart: String,
    memory_chart: String,
    temperature_chart: String,
    temperature: String,
    traffic_chart: String,
    traffic_of: String,
    form: MaintenanceDraft,
    error: Option<String>,
    can_manage: bool,
}

const COLOURS: [&str; 4] = ["#c0392b", "#2471a3", "#239b56", "#b7950b"];

/// The Beijing calendar month holding `now`.
pub(crate) fn this_month(now: DateTime<Utc>) -> Result<Period, AppError> {
    use chrono::Datelike;
    let today = yiqiao_core::time::local_today(now);
    Period::local_month(today.year(), today.month()).map_err(|e| AppError::from_refusal(&e))
}

async fn percent_chart(
    s: &MonitorState,
    id: i64,
    metric: &str,
    title: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<String, AppError> {
    let rows = st::series(&s.db, id, metric, None, "raw", from, to).await?;
    let mut by: BTreeMap<String, Vec<(DateTime<Utc>, f64)>> = BTreeMap::new();
    for r in rows {
        by.entry(r.entity)
            .or_default()
            .push((r.at, r.avg as f64 / 100.0));
    }
    let labels: Vec<String> = by.keys().map(|k| format!("#{k}")).collect();
    let lines: Vec<Line<'_>> = by
        .into_values()
        .zip(&labels)
        .take(4)
        .enumerate()
        .map(|(i, (points, label))| Line {
            label,
            colour: COLOURS[i % COLOURS.len()],
            points,
        })
        .collect();
    let (max, unit) = if metric == "temperature" {
        (None, "℃")
    } else {
        (Some(100.0), "%")
    };
    Ok(svg(title, &lines, from, to, max, unit))
}

fn celsius(e2: Option<i32>) -> String {
    e2.map(|v| format!("{:.1} ℃", f64::from(v) / 100.0))
        .unwrap_or_else(|| "—".into())
}

async fn render_device(
    s: &MonitorState,
    shell: Shell,
    id: i64,
    form: MaintenanceDraft,
    error: Option<String>,
) -> Result<Response, AppError> {
    let d = st::device(&s.db, id).await?;
    let now = s.clock.now();
    let from = now - Duration::hours(24);
    let interfaces: Vec<interface::Model> = st::interfaces(&s.db, id).await?;
    // The busiest interface gets the traffic chart.
    let busiest = interfaces
        .iter()
        .max_by_key(|i| i.in_bps.unwrap_or(0).saturating_add(i.out_bps.unwrap_or(0)))
        .map(|i| (i.if_index.to_string(), i.name.clone()));
    let (traffic_chart, traffic_of) = match &busiest {
        Some((entity, name)) => {
            let series = |m: &'static str| {
                let e = entity.clone();
                async move {
                    st::series(&s.db, id, m, Some(&e), "raw", from, now)
                        .await
                        .map(|v| {
                            v.into_iter()
                                .map(|r| (r.at, r.avg as f64))
                                .collect::<Vec<_>>()
                        })
                }
            };
            let lines = [
                Line {
                    label: "入",
                    colour: COLOURS[1],
                    points: series("in_bps").await?,
                },
                Line {
                    label: "出",
                    colour: COLOURS[2],
                    points: series("out_bps").await?,
                },
            ];
            (
                svg(&format!("{name} 流量"), &lines, from, now, None, "bit/s"),
                name.clone(),
            )
        }
        None => (svg("流量", &[], from, now, None, "bit/s"), String::new()),
    };
    let period = this_month(now)?;
    let month_start = DateTime::from_timestamp(period.start(), 0).unwrap_or(from);
    let a = st::device_availability(&s.db, id, period, now).await?;
    let outages = st::outages(&s.db, id, now - Duration::days(400), now)
        .await?
        .into_iter()
        .rev()
        .take(20)
        .map(|o: outage::Model| OutageRow {
            start: format_local(o.started_at),
            end: when(o.ended_at),
            cause: o.cause,
        })
        .collect();
    let windows = st::maintenance_windows(
        &s.db,
        id,
        now - Duration::days(400),
        now + Duration::days(400),
    )
    .await?
    .into_iter()
    .map(|w: maintenance::Model| WindowRow {
        start: format_local(w.starts_at),
        end: format_local(w.ends_at),
        reason: w.reason,
        by: w.entered_by,
        entered: format_local(w.entered_at),
    })
    .collect();
    let can_manage = shell.has(yiqiao_core::Role::ItOps);
    html(&DevicePage {
        shell,
        state: state_label(&d.state),
        cpu: percent(d.cpu_e2),
        memory: percent(d.memory_e2),
        last_poll: when(d.last_poll_at),
        last_ok: when(d.last_ok_at),
        interfaces: interfaces
            .into_iter()
            .map(|i| InterfaceRow {
                oper: match i.oper_status {
                    1 => "up",
                    2 => "down",
                    _ => "其他",
                },
                in_rate: rate(i.in_bps),
                out_rate: rate(i.out_bps),
                i,
            })
            .collect(),
        alerts: alert_rows(
            st::alerts(&s.db, Some(id), false)
                .await?
                .into_iter()
                .take(50)
                .collect(),
        ),
        outages,
        windows,
        availability: a.percent_text(),
        outage_minutes: a.outage_seconds / 60,
        excused_minutes: a.excused_seconds / 60,
        month: yiqiao_core::time::format_local(month_start)
            .chars()
            .take(7)
            .collect(),
        cpu_chart: percent_chart(s, id, "cpu", "CPU 使用率（24 小时）", from, now).await?,
        memory_chart: percent_chart(s, id, "memory", "内存使用率（24 小时）", from, now).await?,
        temperature_chart: percent_chart(s, id, "temperature", "温度（24 小时）", from, now)
            .await?,
        temperature: celsius(d.temperature_e2),
        traffic_chart,
        traffic_of,
        d,
        form,
        error,
        can_manage,
    })
}

async fn device_page(
    State(s): State<MonitorState>,
    shell: Shell,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_device(&s, shell, id, MaintenanceDraft::default(), None).await
}

/// A device's temperature alarm limit as typed (empty: back to the profile's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LimitDraft {
    pub temperature_limit_c: String,
}

async fn set_temperature_limit(
    State(s): State<MonitorState>,
    shell: Shell,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<LimitDraft>,
) -> Result<Response, AppError> {
    let done = match limit_field(&form.temperature_limit_c) {
        Ok(limit) => st::set_temperature_limit(&s.db, s.clock.now(), id, limit).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/inspection/monitor/devices/{id}")).into_response()),
        Err(MonitorError::Bad(m)) => {
            render_device(&s, shell, id, MaintenanceDraft::default(), Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A maintenance window as typed (Beijing time, `YYYY-MM-DD HH:MM`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MaintenanceDraft {
    pub starts_at: String,
    pub ends_at: String,
    pub reason: String,
}

fn local_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().replace('T', " ");
    parse_local(&s)
        .or_else(|_| parse_local(&format!("{s}:00")))
        .ok()
}

async fn add_maintenance(
    State(s): State<MonitorState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MaintenanceDraft>,
) -> Result<Response, AppError> {
    let (Some(a), Some(b)) = (local_time(&form.starts_at), local_time(&form.ends_at)) else {
        return render_device(
            &s,
            shell,
            id,
            form,
            Some("请按 2026-11-14 01:00 的格式填写维护起止时间".into()),
        )
        .await;
    };
    match st::add_maintenance(&s.db, s.clock.now(), id, a, b, &form.reason, &me.actor()).await {
        Ok(_) => Ok(Redirect::to(&format!("/inspection/monitor/devices/{id}")).into_response()),
        Err(MonitorError::Bad(m)) => render_device(&s, shell, id, form, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}
