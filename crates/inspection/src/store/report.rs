//! The monthly report's content (月度运行报告) gathered from the stored records: for every
//! monitored device its availability, CPU and memory avg/max, interface peak traffic, alerts
//! and reboots; the month's inspections, faults opened and closed, and warranties ending soon.

use chrono::{DateTime, Days, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use yiqiao_store::Db;

use super::OpsError;
use super::asset::{self as assets, Expiring};
use super::inspection::{self as insp_store, FaultView, RecordView, fault_row};
use super::monitor::{self as mon, entities::alert, entities::sample};
use crate::domain::availability::{Availability, Period as Span};
use crate::domain::inspection::{Period as Month, RecordState};
use crate::domain::report::{self, Bucket, Summary};

/// The highest rates of one interface in the month (接口峰值流量), bits per second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfacePeak {
    pub entity: String,
    pub name: String,
    pub in_peak_bps: i64,
    pub out_peak_bps: i64,
}

/// One alert event of the month (告警).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertLine {
    pub metric: String,
    pub entity: String,
    pub limit_value: i64,
    pub peak: i64,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// One monitored device's month.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceMonth {
    pub device_id: i64,
    pub asset_code: String,
    pub asset_name: String,
    pub host: String,
    pub availability: Availability,
    /// "99.95833" (rounded down).
    pub availability_text: String,
    /// Hundredths of a percent.
    pub cpu: Option<Summary>,
    pub memory: Option<Summary>,
    pub interfaces: Vec<InterfacePeak>,
    pub alerts: Vec<AlertLine>,
    /// Restarts seen in the month (a `sysUpTime` that went back).
    pub reboots: i64,
    /// Hourly averages for the charts (the busiest entity of each hour), hundredths of a %.
    pub cpu_hourly: Vec<(DateTime<Utc>, i64)>,
    pub memory_hourly: Vec<(DateTime<Utc>, i64)>,
}

/// The busiest entity's average of each hour, in time order.
fn hourly_line(rows: &[sample::Model]) -> Vec<(DateTime<Utc>, i64)> {
    let mut out: Vec<(DateTime<Utc>, i64)> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(last) if last.0 == r.at => last.1 = last.1.max(r.avg),
            _ => out.push((r.at, r.avg)),
        }
    }
    out
}

/// The month's inspections (巡检完成情况).
#[derive(Debug, Clone, Serialize)]
pub struct InspectionMonth {
    pub planned: usize,
    /// Signed by the engineer or confirmed by the data-centre staff.
    pub done: usize,
    pub failed_items: u64,
    pub records: Vec<RecordView>,
}

/// Everything the monthly report shows.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyReport {
    /// "2026-11".
    pub month: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub generated_at: DateTime<Utc>,
    pub devices: Vec<DeviceMonth>,
    pub inspections: InspectionMonth,
    /// Faults reported in the month.
    pub faults_opened: Vec<FaultView>,
    /// Faults closed in the month (whenever they were reported).
    pub faults_closed: Vec<FaultView>,
    /// Contracts and signature libraries ending within 90 days of the month's end.
    pub expiring: Vec<Expiring>,
}

fn buckets(rows: &[sample::Model]) -> Vec<Bucket> {
    rows.iter()
        .map(|r| Bucket {
            avg: r.avg,
            max: r.max,
            n: r.n,
        })
        .collect()
}

fn mon_err(e: mon::MonitorError) -> OpsError {
    match e {
        mon::MonitorError::Db(d) => OpsError::Db(d),
        other => OpsError::Bad(other.to_string()),
    }
}

/// The report of `month`, from the hourly aggregates (run the rollup first) and the records.
pub async fn monthly(db: &Db, month: Month, now: DateTime<Utc>) -> Result<MonthlyReport, OpsError> {
    let span =
        Span::local_month(month.year, month.month).map_err(|e| OpsError::Bad(e.to_string()))?;
    let from = DateTime::from_timestamp(span.start(), 0).unwrap_or(now);
    let to = DateTime::from_timestamp(span.end(), 0).unwrap_or(now);
    let conn = db.conn();
    let all_assets = assets::list_assets(conn).await?;
    let mut devices = Vec::new();
    for d in mon::devices(db).await.map_err(mon_err)? {
        let a = all_assets.iter().find(|a| a.id == d.asset_id);
        let availability = mon::device_availability(db, d.id, span, now)
            .await
            .map_err(mon_err)?;
        let hourly = sample::Entity::find()
            .filter(sample::Column::DeviceId.eq(d.id))
            .filter(sample::Column::Resolution.eq("1h"))
            .filter(sample::Column::At.gte(from))
            .filter(sample::Column::At.lt(to))
            .order_by_asc(sample::Column::At)
            .all(conn)
            .await?;
        let of = |metric: &str| -> Vec<sample::Model> {
            hourly
                .iter()
                .filter(|s| s.metric == metric)
                .cloned()
                .collect()
        };
        // A device with several CPUs or boards reports each: the month takes every reading.
        let cpu = report::summarise(&buckets(&of("cpu")));
        let memory = report::summarise(&buckets(&of("memory")));
        let names = mon::interfaces(db, d.id).await.map_err(mon_err)?;
        let mut peaks: Vec<InterfacePeak> = Vec::new();
        for s in hourly
            .iter()
            .filter(|s| s.metric == "in_bps" || s.metric == "out_bps")
        {
            let i = match peaks.iter().position(|p| p.entity == s.entity) {
                Some(i) => i,
                None => {
                    let name = names
                        .iter()
                        .find(|n| n.if_index.to_string() == s.entity)
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| s.entity.clone());
                    peaks.push(InterfacePeak {
                        entity: s.entity.clone(),
                        name,
                        in_peak_bps: 0,
                        out_peak_bps: 0,
                    });
                    peaks.len() - 1
                }
            };
            if let Some(p) = peaks.get_mut(i) {
                if s.metric == "in_bps" {
                    p.in_peak_bps = p.in_peak_bps.max(s.max);
                } else {
                    p.out_peak_bps = p.out_peak_bps.max(s.max);
                }
            }
        }
        peaks.sort_by(|x, y| {
            (y.in_peak_bps.max(y.out_peak_bps), &x.entity)
                .cmp(&(x.in_peak_bps.max(x.out_peak_bps), &y.entity))
        });
        let reboots: i64 = of("reboot").iter().map(|s| i64::from(s.n)).sum();
        let alerts = alert::Entity::find()
            .filter(alert::Column::DeviceId.eq(d.id))
            .filter(alert::Column::OpenedAt.gte(from))
            .filter(alert::Column::OpenedAt.lt(to))
            .order_by_asc(alert::Column::OpenedAt)
            .order_by_asc(alert::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .map(|a| AlertLine {
                metric: a.metric,
                entity: a.entity,
                limit_value: a.limit_value,
                peak: a.peak,
                opened_at: a.opened_at,
                closed_at: a.closed_at,
            })
            .collect();
        devices.push(DeviceMonth {
            device_id: d.id,
            asset_code: a.map(|a| a.code.clone()).unwrap_or_default(),
            asset_name: a.map(|a| a.name.clone()).unwrap_or_default(),
            host: d.host,
            availability_text: availability.percent_text(),
            availability,
            cpu,
            memory,
            interfaces: peaks,
            alerts,
            reboots,
            cpu_hourly: hourly_line(&of("cpu")),
            memory_hourly: hourly_line(&of("memory")),
        });
    }
    devices.sort_by(|x, y| x.asset_code.cmp(&y.asset_code));

    let records = insp_store::records(conn, month).await?;
    let done = records
        .iter()
        .filter(|r| {
            matches!(
                RecordState::parse(&r.record.state),
                Some(RecordState::Signed | RecordState::Confirmed)
            )
        })
        .count();
    let inspections = InspectionMonth {
        planned: records.len(),
        done,
        failed_items: records.iter().map(|r| r.failed).sum(),
        records,
    };
    let faults_opened = insp_store::faults_between(conn, from, to).await?;
    let closed_ids: Vec<i64> = fault_row::Entity::find()
        .filter(fault_row::Column::ClosedAt.gte(from))
        .filter(fault_row::Column::ClosedAt.lt(to))
        .order_by_asc(fault_row::Column::ClosedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let mut faults_closed = Vec::new();
    for id in closed_ids {
        faults_closed.push(insp_store::fault(conn, id).await?);
    }
    // Ending soon as seen from the month's last day (the day the report speaks for).
    let last_day = yiqiao_core::time::local_today(to)
        .checked_sub_days(Days::new(1))
        .unwrap_or_else(|| yiqiao_core::time::local_today(to));
    let expiring = assets::expiring(conn, last_day).await?;
    Ok(MonthlyReport {
        month: month.to_string(),
        from,
        to,
        generated_at: now,
        devices,
        inspections,
        faults_opened,
        faults_closed,
        expiring,
    })
}

/// A stored monthly report (已生成的月报).
pub mod stored {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inspection_monthly_report")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub month: String,
        pub pdf: Vec<u8>,
        pub xlsx: Vec<u8>,
        pub generated_by: String,
        pub generated_at: DateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored report in the list, without its files.
#[derive(Debug, Clone, Serialize)]
pub struct StoredReport {
    pub month: String,
    pub generated_by: String,
    pub generated_at: DateTime<Utc>,
    pub pdf_bytes: usize,
    pub xlsx_bytes: usize,
}

/// Keep a month's files. `replace`: a report generated on demand replaces the stored one;
/// the scheduled run keeps whatever is there (the unique month decides between nodes).
/// Returns whether this call stored it.
pub async fn keep(
    db: &Db,
    month: Month,
    pdf: Vec<u8>,
    xlsx: Vec<u8>,
    by: &str,
    now: DateTime<Utc>,
    replace: bool,
) -> Result<bool, OpsError> {
    use sea_orm::sea_query::OnConflict;
    let row = stored::ActiveModel {
        month: sea_orm::Set(month.to_string()),
        pdf: sea_orm::Set(pdf),
        xlsx: sea_orm::Set(xlsx),
        generated_by: sea_orm::Set(by.chars().take(100).collect()),
        generated_at: sea_orm::Set(now),
        ..Default::default()
    };
    let mut on = OnConflict::column(stored::Column::Month);
    if replace {
        on.update_columns([
            stored::Column::Pdf,
            stored::Column::Xlsx,
            stored::Column::GeneratedBy,
            stored::Column::GeneratedAt,
        ]);
    } else {
        on.do_nothing();
    }
    let tx = db.begin_write().await?;
    let r = stored::Entity::insert(row)
        .on_conflict(on.to_owned())
        .exec_without_returning(&tx)
        .await?;
    tx.commit().await?;
    Ok(r > 0)
}

/// Stored reports, newest month first.
pub async fn kept<C: sea_orm::ConnectionTrait>(conn: &C) -> Result<Vec<StoredReport>, OpsError> {
    Ok(stored::Entity::find()
        .order_by_desc(stored::Column::Month)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| StoredReport {
            pdf_bytes: m.pdf.len(),
            xlsx_bytes: m.xlsx.len(),
            month: m.month,
            generated_by: m.generated_by,
            generated_at: m.generated_at,
        })
        .collect())
}

/// One stored month with its files.
pub async fn kept_month<C: sea_orm::ConnectionTrait>(
    conn: &C,
    month: Month,
) -> Result<stored::Model, OpsError> {
    stored::Entity::find()
        .filter(stored::Column::Month.eq(month.to_string()))
        .one(conn)
        .await?
        .ok_or_else(|| OpsError::NotFound(format!("{month} 的月度报告尚未生成")))
}
