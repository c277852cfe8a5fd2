//! The data checks over the HIS feed's discharged cases (出院病例), and the records office's
//! queue of cases with problems.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use yiqiao_his::store::entities::{case_diagnosis, case_procedure, department, inpatient_case};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::{case_finding, case_result};
use crate::domain::Version;
use crate::domain::checks::{self, Severity, Stay, StayProcedure};

/// Rows per multi-row INSERT: well under both databases' bound-parameter limits.
const CHUNK: usize = 500;

fn stay_of(
    c: inpatient_case::Model,
    dx: Vec<case_diagnosis::Model>,
    px: Vec<case_procedure::Model>,
) -> Stay {
    Stay {
        id: c.id,
        sex: c.sex,
        age_years: Some(c.age),
        age_days: c.age_days,
        birth_weight: c.birth_weight,
        admitted_at: c.admitted_at,
        discharged_at: c.discharged_at,
        los_days: c.los_days,
        discharge_way: c.discharge_way,
        transfer_org: c.transfer_org,
        ventilation_hours: c.ventilation_hours,
        dept_code: c.dept_code,
        diagnoses: dx.into_iter().map(|d| d.code).collect(),
        procedures: px
            .into_iter()
            .map(|p| StayProcedure {
                code: p.code,
                date: p.date,
            })
            .collect(),
    }
}

/// A discharged case from the HIS feed, as the checks and the grouper see it.
pub async fn stay<C: ConnectionTrait>(conn: &C, case_id: &str) -> Result<Option<Stay>, DbErr> {
    let Some(c) = inpatient_case::Entity::find_by_id(case_id.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let dx = case_diagnosis::Entity::find()
        .filter(case_diagnosis::Column::CaseId.eq(case_id))
        .order_by_asc(case_diagnosis::Column::Seq)
        .all(conn)
        .await?;
    let px = case_procedure::Entity::find()
        .filter(case_procedure::Column::CaseId.eq(case_id))
        .order_by_asc(case_procedure::Column::Seq)
        .all(conn)
        .await?;
    Ok(Some(stay_of(c, dx, px)))
}

/// What a check run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CheckRun {
    pub cases: usize,
    /// Cases with at least one error.
    pub with_errors: usize,
    /// Cases with warnings only.
    pub with_warnings: usize,
}

impl std::fmt::Display for CheckRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "已检查 {} 份出院病例：{} 份有错误，{} 份仅有提示",
            self.cases, self.with_errors, self.with_warnings
        )
    }
}

/// Check every discharged case of the HIS feed with `version` and replace the queue with the
/// result, in one transaction (the queue is never half old, half new).
pub async fn run(
    db: &Db,
    version: &Version,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CheckRun, DbErr> {
    let cases = inpatient_case::Entity::find()
        .order_by_asc(inpatient_case::Column::Id)
        .all(&**db)
        .await?;
    let mut dx: HashMap<String, Vec<case_diagnosis::Model>> = HashMap::new();
    for d in case_diagnosis::Entity::find()
        .order_by_asc(case_diagnosis::Column::CaseId)
        .order_by_asc(case_diagnosis::Column::Seq)
        .all(&**db)
        .await?
    {
        dx.entry(d.case_id.clone()).or_default().push(d);
    }
    let mut px: HashMap<String, Vec<case_procedure::Model>> = HashMap::new();
    for p in case_procedure::Entity::find()
        .order_by_asc(case_procedure::Column::CaseId)
        .order_by_asc(case_procedure::Column::Seq)
        .all(&**db)
        .await?
    {
        px.entry(p.case_id.clone()).or_default().push(p);
    }
    let mut results = Vec::with_capacity(cases.len());
    let mut findings = Vec::new();
    let mut out = CheckRun::default();
    for c in cases {
        let id = c.id.clone();
        let stay = stay_of(
            c,
            dx.remove(&id).unwrap_or_default(),
            px.remove(&id).unwrap_or_default(),
        );
        let found = checks::check(&stay, version);
        let g = version.group(&stay.case_for(version));
        let errors = found
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = found.len() - errors;
        out.cases += 1;
        if errors > 0 {
            out.with_errors += 1;
        } else if warnings > 0 {
            out.with_warnings += 1;
        }
        results.push(case_result::ActiveModel {
            case_id: Set(id.clone()),
            version: Set(version.name().to_owned()),
            status: Set(g.status.as_str().to_owned()),
            mdc: Set(g.mdc.to_owned()),
            adrg: Set(g.adrg.to_owned()),
            drg: Set(g.drg.to_owned()),
            errors: Set(i32::try_from(errors).unwrap_or(i32::MAX)),
            warnings: Set(i32::try_from(warnings).unwrap_or(i32::MAX)),
            dept_code: Set(stay.dept_code.clone()),
            discharged_at: Set(stay.discharged_at),
            checked_at: Set(now),
        });
        for (seq, f) in found.into_iter().enumerate() {
            findings.push(case_finding::ActiveModel {
                case_id: Set(id.clone()),
                seq: Set(i32::try_from(seq).unwrap_or(i32::MAX)),
                rule: Set(f.rule.to_owned()),
                severity: Set(f.severity.as_str().to_owned()),
                field: Set(f.field.chars().take(40).collect()),
                message: Set(f.message.chars().take(300).collect()),
            });
        }
    }
    let txn = db.begin_write().await?;
    case_finding::Entity::delete_many().exec(&txn).await?;
    case_result::Entity::delete_many().exec(&txn).await?;
    let mut results = results.into_iter().peekable();
    while results.peek().is_some() {
        let chunk: Vec<_> = results.by_ref().take(CHUNK).collect();
        case_result::Entity::insert_many(chunk).exec(&txn).await?;
    }
    let mut findings = findings.into_iter().peekable();
    while findings.peek().is_some() {
        let chunk: Vec<_> = findings.by_ref().take(CHUNK).collect();
        case_finding::Entity::insert_many(chunk).exec(&txn).await?;
    }
    let mut change = Change::new("drg.checks.run", "drg_case_result", version.name());
    change.after = Some(serde_json::json!({
        "cases": out.cases, "with_errors": out.with_errors, "with_warnings": out.with_warnings
    }));
    audit::record(&txn, actor, change, now).await?;
    txn.commit().await?;
    Ok(out)
}

/// A case in the records office's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueCase {
    pub case_id: String,
    pub dept_code: String,
    pub dept_name: String,
    pub discharged_at: DateTime<Utc>,
    pub status: String,
    pub drg: String,
    pub errors: i32,
    pub warnings: i32,
    /// The rule ids found, in order, e.g. `DRG-C04 DRG-C13`.
    pub rules: Vec<String>,
}

/// A department's part of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueDept {
    pub dept_code: String,
    pub dept_name: String,
    pub cases: Vec<QueueCase>,
}

/// The queue: cases with at least one finding, by department (code order), then by discharge
/// time; `dept` limits it to one department.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    dept: Option<&str>,
) -> Result<Vec<QueueDept>, DbErr> {
    let mut q = case_result::Entity::find().filter(
        Condition::any()
            .add(case_result::Column::Errors.gt(0))
            .add(case_result::Column::Warnings.gt(0)),
    );
    if let Some(d) = dept {
        q = q.filter(case_result::Column::DeptCode.eq(d));
    }
    let rows = q
        .order_by_asc(case_result::Column::DeptCode)
        .order_by_asc(case_result::Column::DischargedAt)
        .order_by_asc(case_result::Column::CaseId)
        .all(conn)
        .await?;
    let names: HashMap<String, String> = department::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let mut rules: HashMap<String, Vec<String>> = HashMap::new();
    let ids: Vec<String> = rows.iter().map(|r| r.case_id.clone()).collect();
    for chunk in ids.chunks(CHUNK) {
        for f in case_finding::Entity::find()
            .filter(case_finding::Column::CaseId.is_in(chunk.iter().cloned()))
            .order_by_asc(case_finding::Column::CaseId)
            .order_by_asc(case_finding::Column::Seq)
            .all(conn)
            .await?
        {
            let r = rules.entry(f.case_id).or_default();
            if !r.contains(&f.rule) {
                r.push(f.rule);
            }
        }
    }
    let mut out: Vec<QueueDept> = Vec::new();
    for r in rows {
        let dept_name = names.get(&r.dept_code).cloned().unwrap_or_default();
        let case = QueueCase {
            rules: rules.remove(&r.case_id).unwrap_or_default(),
            case_id: r.case_id,
            dept_code: r.dept_code.clone(),
            dept_name: dept_name.clone(),
            discharged_at: r.discharged_at,
            status: r.status,
            drg: r.drg,
            errors: r.errors,
            warnings: r.warnings,
        };
        match out.last_mut() {
            Some(d) if d.dept_code == r.dept_code => d.cases.push(case),
            _ => out.push(QueueDept {
                dept_code: r.dept_code,
                dept_name,
                cases: vec![case],
            }),
        }
    }
    Ok(out)
}

/// When the queue was last filled, and with which version (`None`: never).
pub async fn last_run<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<(String, DateTime<Utc>)>, DbErr> {
    Ok(case_result::Entity::find()
        .order_by_desc(case_result::Column::CheckedAt)
        .one(conn)
        .await?
        .map(|r| (r.version, r.checked_at)))
}
