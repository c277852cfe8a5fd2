//! The monthly report (月度运行报告) as PDF through the shared printer, and as xlsx with one
//! sheet per section. The markup is `templates/inspection_report.typ`; the charts are our own
//! SVG handed to typst under fixed names (`/chart-1.svg`, …).

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::json;
use yiqiao_core::time::format_local;
use yiqiao_print::{Document, PrintError, Printer, Standard};

use crate::domain::report::{bits_per_second, percent_e2};
use crate::monitor::chart::{self, Line};
use crate::store::report::MonthlyReport;

/// The typst markup of the report.
pub const FORM: &str = include_str!("../templates/inspection_report.typ");

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(format_local).unwrap_or_default()
}

/// The CPU and memory chart of each device, in the order of `rep.devices`.
pub fn charts(rep: &MonthlyReport) -> Vec<(String, Vec<u8>)> {
    let pts = |v: &[(chrono::DateTime<chrono::Utc>, i64)]| {
        v.iter()
            .map(|(t, e2)| (*t, *e2 as f64 / 100.0))
            .collect::<Vec<_>>()
    };
    rep.devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let lines = [
                Line {
                    label: "CPU",
                    colour: "#1f77b4",
                    points: pts(&d.cpu_hourly),
                },
                Line {
                    label: "内存",
                    colour: "#d62728",
                    points: pts(&d.memory_hourly),
                },
            ];
            let title = format!("{} CPU/内存（小时平均）", d.asset_code);
            let svg = chart::svg(&title, &lines, rep.from, rep.to, Some(100.0), "%");
            (format!("/chart-{}.svg", i + 1), svg.into_bytes())
        })
        .collect()
}

/// The data the markup reads as `/data.json`.
pub fn data(hospital: &str, font: &str, rep: &MonthlyReport) -> serde_json::Value {
    let devices: Vec<serde_json::Value> = rep
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "chart": format!("/chart-{}.svg", i + 1),
                "code": d.asset_code,
                "name": d.asset_name,
                "host": d.host,
                "availability": format!("{}%", d.availability_text),
                "outage_minutes": d.availability.outage_seconds / 60,
                "excused_minutes": d.availability.excused_seconds / 60,
                "cpu_avg": percent_e2(d.cpu.map(|s| s.avg)),
                "cpu_max": percent_e2(d.cpu.map(|s| s.max)),
                "mem_avg": percent_e2(d.memory.map(|s| s.avg)),
                "mem_max": percent_e2(d.memory.map(|s| s.max)),
                "alerts": d.alerts.len(),
                "reboots": d.reboots,
                "interfaces": d.interfaces.iter().take(5).map(|p| json!({
                    "name": p.name,
                    "in": bits_per_second(p.in_peak_bps),
                    "out": bits_per_second(p.out_peak_bps),
                })).collect::<Vec<_>>(),
                "alert_lines": d.alerts.iter().map(|a| json!({
                    "metric": a.metric, "entity": a.entity, "peak": a.peak,
                    "opened": format_local(a.opened_at), "closed": when(a.closed_at),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let fault = |f: &crate::store::inspection::FaultView| {
        json!({
            "code": f.asset_code, "title": f.fault.title, "state": f.state_label(),
            "reported": format_local(f.fault.reported_at), "closed": when(f.fault.closed_at),
            "response": f.response(), "repair": f.repair(),
        })
    };
    json!({
        "font": font,
        "hospital": hospital,
        "title": format!("月度运行报告 {}", rep.month),
        "month": rep.month,
        "generated": format_local(rep.generated_at),
        "devices": devices,
        "planned": rep.inspections.planned,
        "done": rep.inspections.done,
        "failed_items": rep.inspections.failed_items,
        "records": rep.inspections.records.iter().map(|r| json!({
            "code": r.asset_code, "name": r.asset_name, "kind": r.asset_kind,
            "state": r.state_label(), "failed": r.failed,
        })).collect::<Vec<_>>(),
        "faults_opened": rep.faults_opened.iter().map(fault).collect::<Vec<_>>(),
        "faults_closed": rep.faults_closed.iter().map(fault).collect::<Vec<_>>(),
        "expiring": rep.expiring.iter().map(|e| json!({
            "code": e.asset_code, "name": e.asset_name, "what": e.ending.label(),
            "contract": e.contract_no, "vendor": e.vendor,
            "end": e.end_date.to_string(), "days": e.days_left,
        })).collect::<Vec<_>>(),
    })
}

/// The document of one month.
pub fn document(printer: &Printer, hospital: &str, rep: &MonthlyReport) -> Document {
    Document {
        source: FORM.to_owned(),
        data: data(hospital, printer.chinese_family(), rep),
        files: charts(rep),
        standard: Standard::Pdf,
    }
}

/// The PDF of one month.
pub fn pdf(printer: &Printer, hospital: &str, rep: &MonthlyReport) -> Result<Vec<u8>, PrintError> {
    printer.pdf(&document(printer, hospital, rep))
}

/// The workbook of one month: one sheet per section.
pub fn xlsx(rep: &MonthlyReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut sheet = |name: &str, head: &[&str], rows: Vec<Vec<String>>| -> Result<(), XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, 16)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
        Ok(())
    };
    sheet(
        "设备运行",
        &[
            "资产编号",
            "设备名称",
            "管理地址",
            "可用率",
            "中断(分钟)",
            "计划维护(分钟)",
            "CPU平均",
            "CPU最高",
            "内存平均",
            "内存最高",
            "告警",
            "重启",
        ],
        rep.devices
            .iter()
            .map(|d| {
                vec![
                    d.asset_code.clone(),
                    d.asset_name.clone(),
                    d.host.clone(),
                    format!("{}%", d.availability_text),
                    (d.availability.outage_seconds / 60).to_string(),
                    (d.availability.excused_seconds / 60).to_string(),
                    percent_e2(d.cpu.map(|s| s.avg)),
                    percent_e2(d.cpu.map(|s| s.max)),
                    percent_e2(d.memory.map(|s| s.avg)),
                    percent_e2(d.memory.map(|s| s.max)),
                    d.alerts.len().to_string(),
                    d.reboots.to_string(),
                ]
            })
            .collect(),
    )?;
    sheet(
        "接口峰值",
        &["资产编号", "接口", "入方向峰值", "出方向峰值"],
        rep.devices
            .iter()
            .flat_map(|d| {
                d.interfaces.iter().map(|p| {
                    vec![
                        d.asset_code.clone(),
                        p.name.clone(),
                        bits_per_second(p.in_peak_bps),
                        bits_per_second(p.out_peak_bps),
                    ]
                })
            })
            .collect(),
    )?;
    sheet(
        "告警",
        &["资产编号", "指标", "对象", "峰值", "阈值", "开始", "结束"],
        rep.devices
            .iter()
            .flat_map(|d| {
                d.alerts.iter().map(|a| {
                    vec![
                        d.asset_code.clone(),
                        a.metric.clone(),
                        a.entity.clone(),
                        a.peak.to_string(),
                        a.limit_value.to_string(),
                        format_local(a.opened_at),
                        when(a.closed_at),
                    ]
                })
            })
            .collect(),
    )?;
    sheet(
        "巡检",
        &["资产编号", "设备名称", "类型", "状态", "异常项"],
        rep.inspections
            .records
            .iter()
            .map(|r| {
                vec![
                    r.asset_code.clone(),
                    r.asset_name.clone(),
                    r.asset_kind.clone(),
                    r.state_label().to_owned(),
                    r.failed.to_string(),
                ]
            })
            .collect(),
    )?;
    let faults = |v: &[crate::store::inspection::FaultView]| -> Vec<Vec<String>> {
        v.iter()
            .map(|f| {
                vec![
                    f.asset_code.clone(),
                    f.fault.title.clone(),
                    f.state_label().to_owned(),
                    format_local(f.fault.reported_at),
                    when(f.fault.closed_at),
                    f.response(),
                    f.repair(),
                ]
            })
            .collect()
    };
    let fault_head = [
        "资产编号",
        "故障",
        "状态",
        "报告时间",
        "关闭时间",
        "响应用时",
        "修复用时",
    ];
    sheet("新增故障", &fault_head, faults(&rep.faults_opened))?;
    sheet("关闭故障", &fault_head, faults(&rep.faults_closed))?;
    sheet(
        "即将到期",
        &[
            "资产编号",
            "设备名称",
            "项目",
            "合同号",
            "厂商",
            "到期日",
            "剩余天数",
        ],
        rep.expiring
            .iter()
            .map(|e| {
                vec![
                    e.asset_code.clone(),
                    e.asset_name.clone(),
                    e.ending.label().to_owned(),
                    e.contract_no.clone(),
                    e.vendor.clone(),
                    e.end_date.to_string(),
                    e.days_left.to_string(),
                ]
            })
            .collect(),
    )?;
    wb.save_to_buffer()
}

/// Why a report could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Ops(#[from] crate::store::OpsError),
    #[error(transparent)]
    Print(#[from] PrintError),
    #[error("生成 xlsx 失败：{0}")]
    Xlsx(#[from] XlsxError),
    #[error("报告生成任务异常终止：{0}")]
    Task(String),
}

impl yiqiao_core::Refusal for ReportError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        match self {
            ReportError::Ops(e) => e.kind(),
            ReportError::Print(e) => e.kind(),
            ReportError::Xlsx(_) | ReportError::Task(_) => yiqiao_core::ErrorKind::Internal,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            ReportError::Ops(e) => e.code(),
            ReportError::Print(e) => e.code(),
            ReportError::Xlsx(_) | ReportError::Task(_) => "INTERNAL",
        }
    }
}

yiqiao_http::app_error_from!(ReportError);

/// Gather, print and keep the report of `month`. `replace`: see [`crate::store::report::keep`].
/// Printing runs off the async threads. Returns whether this call stored it.
pub async fn generate(
    db: &yiqiao_store::Db,
    hospital: &str,
    month: crate::domain::inspection::Period,
    by: &str,
    now: chrono::DateTime<chrono::Utc>,
    replace: bool,
) -> Result<bool, ReportError> {
    use crate::store::report as st;
    let rep = st::monthly(db, month, now).await?;
    let hospital = hospital.to_owned();
    let (pdf, xlsx) = tokio::task::spawn_blocking(move || -> Result<_, ReportError> {
        let printer = Printer::system()?;
        Ok((pdf(&printer, &hospital, &rep)?, xlsx(&rep)?))
    })
    .await
    .map_err(|e| ReportError::Task(e.to_string()))??;
    Ok(st::keep(db, month, pdf, xlsx, by, now, replace).await?)
}

/// The scheduled run (serve's jobs): on any day, keep the previous month's report if no node
/// has yet. The unique month decides between nodes; the pre-check only saves the printing.
pub async fn scheduled(
    db: &yiqiao_store::Db,
    hospital: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, ReportError> {
    use chrono::Datelike;
    let today = yiqiao_core::time::local_today(now);
    let (year, month) = if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() - 1)
    };
    let month = crate::domain::inspection::Period { year, month };
    match crate::store::report::kept_month(db.conn(), month).await {
        Ok(_) => return Ok(false),
        Err(crate::store::OpsError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    generate(db, hospital, month, "系统（每月1日自动生成）", now, false).await
}
