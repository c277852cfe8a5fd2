//! Reading the ledger (病组结算台账): the checked cases (`drg_case_result`) joined with the HIS
//! feed's discharged cases, and the policy years to price them with.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use yiqiao_core::Fen;
use yiqiao_core::time::shanghai;
use yiqiao_his::store::entities::{case_diagnosis, department, inpatient_case, staff};

use super::StoreError;
use super::entities::case_result;
use crate::domain::ledger::{self, LedgerCase, Priced};
use crate::domain::points::PolicyYear;

const CHUNK: usize = 500;

/// Midnight of 1 January of `year` in Shanghai, as UTC.
pub fn year_start(year: i32) -> DateTime<Utc> {
    let d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    shanghai()
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The checked cases discharged in `[from, to)`, with their HIS fields, in discharge order.
pub async fn cases<C: ConnectionTrait>(
    conn: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<LedgerCase>, StoreError> {
    let results = case_result::Entity::find()
        .filter(case_result::Column::DischargedAt.gte(from))
        .filter(case_result::Column::DischargedAt.lt(to))
        .order_by_asc(case_result::Column::DischargedAt)
        .order_by_asc(case_result::Column::CaseId)
        .all(conn)
        .await?;
    // The HIS side by the same discharge range (one indexed range read each, rather than a
    // query per few hundred ids, which the ledger benchmark showed growing faster than the
    // cases); a case whose HIS discharge time has moved since the check is read by its id.
    let in_range = || {
        sea_orm::sea_query::Query::select()
            .column(inpatient_case::Column::Id)
            .from(inpatient_case::Entity)
            .and_where(inpatient_case::Column::DischargedAt.gte(from))
            .and_where(inpatient_case::Column::DischargedAt.lt(to))
            .to_owned()
    };
    let mut his: HashMap<String, inpatient_case::Model> = inpatient_case::Entity::find()
        .filter(inpatient_case::Column::DischargedAt.gte(from))
        .filter(inpatient_case::Column::DischargedAt.lt(to))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut diagnoses = case_diagnosis::Entity::find()
        .filter(case_diagnosis::Column::CaseId.in_subquery(in_range()))
        .all(conn)
        .await?;
    let moved: Vec<String> = results
        .iter()
        .filter(|r| !his.contains_key(&r.case_id))
        .map(|r| r.case_id.clone())
        .collect();
    for chunk in moved.chunks(CHUNK) {
        for c in inpatient_case::Entity::find()
            .filter(inpatient_case::Column::Id.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?
        {
            his.insert(c.id.clone(), c);
        }
        diagnoses.extend(
            case_diagnosis::Entity::find()
                .filter(case_diagnosis::Column::CaseId.is_in(chunk.iter().cloned()))
                .all(conn)
                .await?,
        );
    }
    let mut principal: HashMap<String, (i32, String)> = HashMap::new();
    for d in diagnoses {
        let e = principal
            .entry(d.case_id.clone())
            .or_insert((d.seq, d.code.clone()));
        if d.seq < e.0 {
            *e = (d.seq, d.code);
        }
    }
    Ok(results
        .into_iter()
        .filter_map(|r| {
            let c = his.remove(&r.case_id)?;
            Some(LedgerCase {
                principal: principal
                    .remove(&r.case_id)
                    .map(|(_, code)| code)
                    .unwrap_or_default(),
                case_id: r.case_id,
                patient_id: c.patient_id,
                dept_code: r.dept_code,
                doctor_code: c.doctor_code,
                status: r.status,
                adrg: r.adrg,
                drg: r.drg,
                admitted_at: c.admitted_at,
                discharged_at: r.discharged_at,
                cost: Fen(c.total_cost),
                los_days: c.los_days,
                discharge_way: c.discharge_way,
                errors: r.errors,
            })
        })
        .collect())
}

/// Every stored policy year, by year.
pub async fn policies<C: ConnectionTrait>(
    conn: &C,
) -> Result<BTreeMap<i32, PolicyYear>, StoreError> {
    let mut out = BTreeMap::new();
    for y in super::policy::list(conn).await? {
        if let Some(p) = super::policy::load(conn, y.year).await? {
            out.insert(y.year, p);
        }
    }
    Ok(out)
}

/// The cases discharged in `year`, priced. Stays discharged up to two months around the year
/// are read too, so a readmission across the new year is seen; they are not returned.
pub async fn priced<C: ConnectionTrait>(conn: &C, year: i32) -> Result<Vec<Priced>, StoreError> {
    let (start, end) = (year_start(year), year_start(year + 1));
    let margin = Duration::days(62);
    let all = cases(conn, start - margin, end + margin).await?;
    let policies = policies(conn).await?;
    Ok(ledger::price(all, &policies)
        .into_iter()
        .filter(|p| p.case.discharged_at >= start && p.case.discharged_at < end)
        .collect())
}

/// Department names by code.
pub async fn department_names<C: ConnectionTrait>(
    conn: &C,
) -> Result<HashMap<String, String>, StoreError> {
    Ok(department::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect())
}

/// Staff names by code.
pub async fn staff_names<C: ConnectionTrait>(
    conn: &C,
) -> Result<HashMap<String, String>, StoreError> {
    Ok(staff::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.code, s.name))
        .collect())
}

/// The grouped cases (DRG, cost) discharged in `[from, to)`, for benchmark points from history.
pub async fn history<C: ConnectionTrait>(
    conn: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, Fen)>, StoreError> {
    Ok(cases(conn, from, to)
        .await?
        .into_iter()
        .filter_map(|c| c.grouped().map(|d| (d.to_owned(), c.cost)))
        .collect())
}
