//! The figures (统计): collection rate (采集率 = codes scanned ÷ codes required) by department,
//! day and drug; confirmed dispenses with uncollected lines; refused scans by reason;
//! duplicates caught (一码多用 stopped at the window). Refused scans are recorded here, each
//! in its own small transaction after the scan's own one rolled back.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use yiqiao_core::Refusal;
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use super::entities::{
    dispense, dispense_line, receipt, refusal, supplier_return, ward_dispense, ward_line,
};
use crate::TraceError;

/// Where a scan was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Receipt,
    Dispense,
    Ward,
    SupplierReturn,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Receipt => "receipt",
            Flow::Dispense => "dispense",
            Flow::Ward => "ward",
            Flow::SupplierReturn => "supplier_return",
        }
    }
}

/// The refusal code and message of a refusal; `None` for a database failure.
fn reason_of(e: &TraceError) -> Option<(&'static str, String)> {
    match e {
        TraceError::Catalogue(e) => Some((e.code(), e.to_string())),
        TraceError::Code(e) => Some((e.code(), e.to_string())),
        TraceError::Receipt(e) => Some((e.code(), e.to_string())),
        TraceError::Dispense(e) => Some((e.code(), e.to_string())),
        TraceError::Upload(e) => Some((e.code(), e.to_string())),
        TraceError::Pharmacist(e) => Some((e.code(), e.to_string())),
        TraceError::Ward(e) => Some((e.code(), e.to_string())),
        TraceError::SupplierReturn(e) => Some((e.code(), e.to_string())),
        TraceError::Import(_) | TraceError::Db(_) => None,
    }
}

/// The codes of refusals that are a duplicate caught: a package received twice or dispensed
/// twice.
pub const DUPLICATE_REASONS: [&str; 2] = ["DUPLICATE_CODE", "ALREADY_DISPENSED"];

async fn dept_of(db: &Db, flow: Flow, doc_id: i64) -> Result<String, DbErr> {
    let conn = &**db;
    Ok(match flow {
        Flow::Receipt => receipt::Entity::find_by_id(doc_id)
            .one(conn)
            .await?
            .map(|r| r.location),
        Flow::Dispense => dispense::Entity::find_by_id(doc_id)
            .one(conn)
            .await?
            .and_then(|d| d.pharmacy_code),
        Flow::Ward => ward_dispense::Entity::find_by_id(doc_id)
            .one(conn)
            .await?
            .map(|w| w.ward_code),
        Flow::SupplierReturn => match supplier_return::Entity::find_by_id(doc_id)
            .one(conn)
            .await?
        {
            Some(r) => receipt::Entity::find_by_id(r.receipt_id)
                .one(conn)
                .await?
                .map(|r| r.location),
            None => None,
        },
    }
    .unwrap_or_default())
}

/// A scan's result, its refusal (if any) recorded for the figures on the way out.
pub async fn noting_refusal<T>(
    db: &Db,
    flow: Flow,
    doc_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    r: Result<T, TraceError>,
) -> Result<T, TraceError> {
    if let Err(e) = &r {
        note_refusal(db, flow, doc_id, raw, e, actor, now).await;
    }
    r
}

/// Records a refused scan (not a missing document, not a database failure). A failure to
/// record is logged and does not hide the refusal itself.
pub async fn note_refusal(
    db: &Db,
    flow: Flow,
    doc_id: i64,
    raw: &str,
    e: &TraceError,
    actor: &Actor,
    now: DateTime<Utc>,
) {
    let Some((reason, message)) = reason_of(e) else {
        return;
    };
    if reason.starts_with("NO_SUCH") {
        return;
    }
    let write = async {
        let dept = dept_of(db, flow, doc_id).await?;
        let txn = db.begin_write().await?;
        refusal::Entity::insert(refusal::ActiveModel {
            flow: Set(flow.as_str().into()),
            doc_id: Set(doc_id),
            dept: Set(dept.chars().take(64).collect()),
            reason: Set(reason.into()),
            message: Set(message.chars().take(300).collect()),
            raw: Set(raw.trim().chars().take(300).collect()),
            refused_at: Set(now),
            refused_by: Set(actor.name.chars().take(100).collect()),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await
    };
    if let Err(err) = write.await {
        tracing::warn!(error = %err, "拒扫记录未能写入");
    }
}

/// 采集率 of one department on one day (or of one drug over the period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// 药房 / 病区 code, or the drug code.
    pub key: String,
    pub name: String,
    /// Local date `YYYY-MM-DD`; empty for a per-drug row.
    pub day: String,
    pub required: i64,
    pub scanned: i64,
}

impl Rate {
    /// "96.5%"; "—" when nothing was required.
    pub fn percent(&self) -> String {
        percent(self.scanned, self.required)
    }
}

fn percent(scanned: i64, required: i64) -> String {
    if required <= 0 {
        return "—".into();
    }
    let permille = scanned.saturating_mul(1000) / required;
    format!("{}.{}%", permille / 10, permille % 10)
}

/// A confirmed line with a recorded reason for not scanning (counts as uncollected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncollected {
    pub day: String,
    pub dept: String,
    /// 处方号 or 病区发药单号.
    pub document: String,
    pub line_no: i64,
    pub drug_code: String,
    pub required: i64,
    pub scanned: i64,
    pub reason: String,
}

/// Refused scans of one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    /// One message of the reason, as the person saw it.
    pub example: String,
    pub count: i64,
}

/// A duplicate caught.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub at: DateTime<Utc>,
    pub flow: String,
    pub dept: String,
    pub raw: String,
    pub message: String,
    pub by: String,
}

/// The figures of a period, optionally of one department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dept: Option<String>,
    pub required: i64,
    pub scanned: i64,
    /// By department and day.
    pub by_day: Vec<Rate>,
    /// By drug over the period.
    pub by_drug: Vec<Rate>,
    pub uncollected: Vec<Uncollected>,
    /// Confirmed dispenses (outpatient and ward) with at least one uncollected line.
    pub dispenses_with_uncollected: usize,
    pub refusals: Vec<ReasonCount>,
    pub refused: i64,
    pub duplicates: Vec<Duplicate>,
    pub duplicates_caught: i64,
}

impl Figures {
    pub fn percent(&self) -> String {
        percent(self.scanned, self.required)
    }
}

fn day_of(t: DateTime<Utc>) -> String {
    t.with_timezone(&yiqiao_core::time::shanghai())
        .format(yiqiao_core::time::DATE_FORMAT)
        .to_string()
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    yiqiao_core::time::shanghai()
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The most days one query may span.
pub const MAX_DAYS: i64 = 366;

/// The figures from `from` to `to` (local dates, both included), of `dept` when given.
pub async fn figures<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
    dept: Option<&str>,
) -> Result<Figures, DbErr> {
    use yiqiao_his::store::entities::{department, drug};
    let (lo, hi) = (start_of(from), start_of(to) + Duration::days(1));
    let mut by_day: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    let mut by_drug: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut uncollected = Vec::new();
    let mut with_uncollected = 0;

    let mut q = dispense::Entity::find()
        .filter(dispense::Column::State.eq("confirmed"))
        .filter(dispense::Column::ConfirmedAt.gte(lo))
        .filter(dispense::Column::ConfirmedAt.lt(hi));
    if let Some(d) = dept {
        q = q.filter(dispense::Column::PharmacyCode.eq(d));
    }
    for d in q.all(conn).await? {
        let day = d.confirmed_at.map(day_of).unwrap_or_default();
        let place = d.pharmacy_code.clone().unwrap_or_default();
        let lines = dispense_line::Entity::find()
            .filter(dispense_line::Column::DispenseId.eq(d.id))
            .order_by_asc(dispense_line::Column::RxLineNo)
            .all(conn)
            .await?;
        let mut any = false;
        for l in lines {
            let e = by_day.entry((place.clone(), day.clone())).or_default();
            e.0 += l.required;
            e.1 += l.scanned;
            let e = by_drug.entry(l.drug_code.clone()).or_default();
            e.0 += l.required;
            e.1 += l.scanned;
            if let Some(reason) = l.uncollected_reason {
                any = true;
                uncollected.push(Uncollected {
                    day: day.clone(),
                    dept: place.clone(),
                    document: format!("处方 {}", d.rx_no),
                    line_no: l.rx_line_no,
                    drug_code: l.drug_code,
                    required: l.required,
                    scanned: l.scanned,
                    reason,
                });
            }
        }
        with_uncollected += usize::from(any);
    }

    let mut q = ward_dispense::Entity::find()
        .filter(ward_dispense::Column::State.eq("confirmed"))
        .filter(ward_dispense::Column::ConfirmedAt.gte(lo))
        .filter(ward_dispense::Column::ConfirmedAt.lt(hi));
    if let Some(d) = dept {
        q = q.filter(ward_dispense::Column::WardCode.eq(d));
    }
    for w in q.all(conn).await? {
        let day = w.confirmed_at.map(day_of).unwrap_or_default();
        let lines = ward_line::Entity::find()
            .filter(ward_line::Column::WardDispenseId.eq(w.id))
            .order_by_asc(ward_line::Column::LineNo)
            .all(conn)
            .await?;
        let mut any = false;
        for l in lines {
            let e = by_day
                .entry((w.ward_code.clone(), day.clone()))
                .or_default();
            e.0 += l.required;
            e.1 += l.scanned;
            let e = by_drug.entry(l.drug_code.clone()).or_default();
            e.0 += l.required;
            e.1 += l.scanned;
            if let Some(reason) = l.uncollected_reason {
                any = true;
                uncollected.push(Uncollected {
                    day: day.clone(),
                    dept: w.ward_code.clone(),
                    document: format!("病区发药单 {}", w.list_id),
                    line_no: l.line_no,
                    drug_code: l.drug_code,
                    required: l.required,
                    scanned: l.scanned,
                    reason,
                });
            }
        }
        with_uncollected += usize::from(any);
    }

    let depts: BTreeMap<String, String> = department::Entity::find()
        .filter(department::Column::Code.is_in(by_day.keys().map(|k| k.0.as_str())))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let drugs: BTreeMap<String, String> = drug::Entity::find()
        .filter(drug::Column::Code.is_in(by_drug.keys().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.generic_name))
        .collect();
    let required = by_day.values().map(|v| v.0).sum();
    let scanned = by_day.values().map(|v| v.1).sum();

    let mut q = refusal::Entity::find()
        .filter(refusal::Column::RefusedAt.gte(lo))
        .filter(refusal::Column::RefusedAt.lt(hi));
    if let Some(d) = dept {
        q = q.filter(refusal::Column::Dept.eq(d));
    }
    let refused_rows = q
        .order_by_desc(refusal::Column::Id)
        .limit(100_000)
        .all(conn)
        .await?;
    let mut reasons: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut duplicates_caught = 0;
    for r in &refused_rows {
        let e = reasons
            .entry(r.reason.clone())
            .or_insert_with(|| (r.message.clone(), 0));
        e.1 += 1;
        if DUPLICATE_REASONS.contains(&r.reason.as_str()) {
            duplicates_caught += 1;
            if duplicates.len() < 100 {
                duplicates.push(Duplicate {
                    at: r.refused_at,
                    flow: r.flow.clone(),
                    dept: r.dept.clone(),
                    raw: r.raw.clone(),
                    message: r.message.clone(),
                    by: r.refused_by.clone(),
                });
            }
        }
    }
    let mut refusals: Vec<ReasonCount> = reasons
        .into_iter()
        .map(|(reason, (example, count))| ReasonCount {
            reason,
            example,
            count,
        })
        .collect();
    refusals.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));

    Ok(Figures {
        from,
        to,
        dept: dept.map(str::to_owned),
        required,
        scanned,
        by_day: by_day
            .into_iter()
            .map(|((key, day), (required, scanned))| Rate {
                name: depts.get(&key).cloned().unwrap_or_default(),
                key,
                day,
                required,
                scanned,
            })
            .collect(),
        by_drug: by_drug
            .into_iter()
            .map(|(key, (required, scanned))| Rate {
                name: drugs.get(&key).cloned().unwrap_or_default(),
                key,
                day: String::new(),
                required,
                scanned,
            })
            .collect(),
        uncollected,
        dispenses_with_uncollected: with_uncollected,
        refused: i64::try_from(refused_rows.len()).unwrap_or(i64::MAX),
        refusals,
        duplicates,
        duplicates_caught,
    })
}
