//! Storage of pages and of the fee mapping table, and assembly from the HIS rows.

pub mod dicts;
pub mod entities;
pub mod queries;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use yiqiao_his::store::entities::{
    charge, department, drug, patient, staff, visit, visit_diagnosis, visit_procedure,
};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use crate::domain::assemble::{FeeMapping, FeeTarget, Org, UnmappedCharge, VisitRecord, assemble};
use crate::domain::codes::Dicts;
use crate::domain::form::{FieldChange, diff};
use crate::domain::page::{FeeItem, Page};
use crate::domain::period::Period;
use crate::domain::rules::check;
use crate::domain::summary::summarize;
use crate::error::VisitPageError;
use entities::{fee_mapping, page};

/// Where a page is in its life (状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// 草稿: reassembled from HIS on every run.
    Draft,
    /// 已提交: locked.
    Submitted,
    /// 已修正: submitted, then changed with a reason (still locked).
    Amended,
}

impl PageState {
    pub fn as_str(self) -> &'static str {
        match self {
            PageState::Draft => "draft",
            PageState::Submitted => "submitted",
            PageState::Amended => "amended",
        }
    }

    /// 草稿 / 已提交 / 已修正
    pub fn label(self) -> &'static str {
        match self {
            PageState::Draft => "草稿",
            PageState::Submitted => "已提交",
            PageState::Amended => "已修正",
        }
    }

    /// Submitted or amended: a change needs a reason.
    pub fn is_locked(self) -> bool {
        self != PageState::Draft
    }

    pub fn from_db(s: &str) -> PageState {
        match s {
            "submitted" => PageState::Submitted,
            "amended" => PageState::Amended,
            _ => PageState::Draft,
        }
    }

    /// A state named in a query (`draft`, `submitted`, `amended`).
    pub fn parse(s: &str) -> Option<PageState> {
        match s {
            "draft" => Some(PageState::Draft),
            "submitted" => Some(PageState::Submitted),
            "amended" => Some(PageState::Amended),
            _ => None,
        }
    }
}

/// A stored page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    pub visit_id: String,
    pub state: PageState,
    pub page: Page,
    pub unmapped: Vec<UnmappedCharge>,
    pub error_count: i32,
    pub warning_count: i32,
    pub assembled_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write; an edit names the revision it started from.
    pub revision: i32,
}

/// What a mapping rule applies to: a HIS charge category, or one charge item (overriding its
/// category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingKey {
    Category(String),
    Item(String),
}

impl MappingKey {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            MappingKey::Category(c) => ("category", c),
            MappingKey::Item(c) => ("item", c),
        }
    }
}

/// Sets one rule of the fee mapping table, audited.
pub async fn save_fee_mapping(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
    key: &MappingKey,
    target: FeeTarget,
) -> Result<(), VisitPageError> {
    let (kind, code) = key.parts();
    let txn = db.begin_write().await?;
    let before = fee_mapping::Entity::find_by_id((kind.to_string(), code.to_string()))
        .one(&txn)
        .await?;
    let row = fee_mapping::Model {
        by_kind: kind.to_string(),
        by_code: code.to_string(),
        fee_item: target.fee_item().key().to_string(),
        of_which: target.of_which().map(|i| i.key().to_string()),
        updated_at: at,
        updated_by: actor.name.clone(),
    };
    let describe = |r: &fee_mapping::Model| json!({"fee_item": r.fee_item, "of_which": r.of_which});
    let mut change = Change::new(
        "visitpage.fee_mapping.set",
        "fee_mapping",
        format!("{kind}:{code}"),
    );
    change.before = before.as_ref().map(describe);
    change.after = Some(describe(&row));
    // The primary key decides: insert, and on its conflict update the one row.
    fee_mapping::Entity::insert(row.into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                fee_mapping::Column::ByKind,
                fee_mapping::Column::ByCode,
            ])
            .update_columns([
                fee_mapping::Column::FeeItem,
                fee_mapping::Column::OfWhich,
                fee_mapping::Column::UpdatedAt,
                fee_mapping::Column::UpdatedBy,
            ])
            .to_owned(),
        )
        .exec(&txn)
        .await?;
    audit::record(&txn, actor, change, at).await?;
    txn.commit().await?;
    Ok(())
}

fn fee_item(key: &str) -> Result<FeeItem, VisitPageError> {
    FeeItem::from_key(key).ok_or_else(|| VisitPageError::UnknownFeeItem(key.to_string()))
}

/// The fee mapping table as stored.
pub async fn load_fee_mapping<C: ConnectionTrait>(conn: &C) -> Result<FeeMapping, VisitPageError> {
    let mut m = FeeMapping::new();
    for r in fee_mapping::Entity::find().all(conn).await? {
        let sub = r.of_which.as_deref().map(fee_item).transpose()?;
        let target = FeeTarget::new(fee_item(&r.fee_item)?, sub)?;
        match r.by_kind.as_str() {
            "item" => m.set_item(r.by_code, target),
            _ => m.set_category(r.by_code, target),
        }
    }
    Ok(m)
}

/// Assembles the page of a HIS visit and stores it as a draft (replacing the previous draft),
/// in one transaction. A submitted page is left alone ([`VisitPageError::Submitted`]).
pub async fn assemble_visit(
    db: &Db,
    at: DateTime<Utc>,
    org: &Org,
    dicts: &Dicts,
    visit_id: &str,
) -> Result<StoredPage, VisitPageError> {
    let txn = db.begin_write().await?;
    let v = visit::Entity::find_by_id(visit_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| VisitPageError::NoVisit(visit_id.to_string()))?;
    if v.cancelled {
        return Err(VisitPageError::VisitCancelled(visit_id.to_string()));
    }
    let p = patient::Entity::find_by_id(v.patient_id.clone())
        .one(&txn)
        .await?
        .ok_or_else(|| VisitPageError::NoPatient {
            visit: visit_id.to_string(),
            patient: v.patient_id.clone(),
        })?;
    let dept = department::Entity::find_by_id(v.dept_code.clone())
        .one(&txn)
        .await?;
    let doctor = staff::Entity::find_by_id(v.doctor_code.clone())
        .one(&txn)
        .await?;
    let diagnoses = visit_diagnosis::Entity::find()
        .filter(visit_diagnosis::Column::VisitId.eq(visit_id))
        .all(&txn)
        .await?;
    let procedures = visit_procedure::Entity::find()
        .filter(visit_procedure::Column::VisitId.eq(visit_id))
        .all(&txn)
        .await?;
    let charges = charge::Entity::find()
        .filter(charge::Column::VisitId.eq(visit_id))
        .all(&txn)
        .await?;
    let drug_codes: Vec<String> = charges.iter().filter_map(|c| c.drug_code.clone()).collect();
    let drugs = if drug_codes.is_empty() {
        Vec::new()
    } else {
        drug::Entity::find()
            .filter(drug::Column::Code.is_in(drug_codes))
            .all(&txn)
            .await?
    };
    let mapping = load_fee_mapping(&txn).await?;
    let assembled = assemble(
        org,
        &VisitRecord {
            visit: &v,
            patient: &p,
            department: dept.as_ref(),
            doctor: doctor.as_ref(),
            diagnoses: &diagnoses,
            procedures: &procedures,
            charges: &charges,
            drugs: &drugs,
        },
        &mapping,
    );
    let row = page_row(
        visit_id,
        &p.card_no,
        &v.dept_code,
        v.visited_at.or(v.registered_at),
        &assembled.page,
        &assembled.unmapped,
        dicts,
        at,
    );
    // Replace only a draft: the condition is in the UPDATE, so a page submitted meanwhile is
    // never overwritten.
    let updated = page::Entity::update_many()
        .col_expr(page::Column::CardNo, Expr::value(row.card_no.clone()))
        .col_expr(page::Column::DeptCode, Expr::value(row.dept_code.clone()))
        .col_expr(page::Column::Doctor, Expr::value(row.doctor.clone()))
        .col_expr(page::Column::VisitedAt, Expr::value(row.visited_at))
        .col_expr(page::Column::PageJson, Expr::value(row.page_json.clone()))
        .col_expr(
            page::Column::UnmappedJson,
            Expr::value(row.unmapped_json.clone()),
        )
        .col_expr(page::Column::ErrorCount, Expr::value(row.error_count))
        .col_expr(page::Column::WarningCount, Expr::value(row.warning_count))
        .col_expr(page::Column::AssembledAt, Expr::value(at))
        .col_expr(page::Column::UpdatedAt, Expr::value(at))
        .col_expr(page::Column::Period, Expr::value(row.period.clone()))
        .col_expr(page::Column::DeptName, Expr::value(row.dept_name.clone()))
        .col_expr(page::Column::RequiredTotal, Expr::value(row.required_total))
        .col_expr(
            page::Column::RequiredFilled,
            Expr::value(row.required_filled),
        )
        .col_expr(page::Column::MainCodeOk, Expr::value(row.main_code_ok))
        .col_expr(page::Column::Rules, Expr::value(row.rules.clone()))
        .col_expr(
            page::Column::Revision,
            Expr::col(page::Column::Revision).add(1),
        )
        .filter(page::Column::VisitId.eq(visit_id))
        .filter(page::Column::State.eq(PageState::Draft.as_str()))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        let exists = page::Entity::find_by_id(visit_id.to_string())
            .one(&txn)
            .await?;
        if exists.is_some() {
            return Err(VisitPageError::Submitted(visit_id.to_string()));
        }
        row.clone().into_active_model().insert(&txn).await?;
    }
    audit::record(
        &txn,
        &Actor::system("visitpage.assemble"),
        Change::new("visitpage.assemble", "visit_page", visit_id),
        at,
    )
    .await?;
    let row = page::Entity::find_by_id(visit_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| VisitPageError::NoVisit(visit_id.to_string()))?;
    txn.commit().await?;
    stored(row)
}

/// The stored row of a page: the page, its unmapped charges and what its findings say.
#[allow(clippy::too_many_arguments)]
pub fn page_row(
    visit_id: &str,
    card_no: &str,
    dept_code: &str,
    visit_time: Option<DateTime<Utc>>,
    page: &Page,
    unmapped: &[UnmappedCharge],
    dicts: &Dicts,
    at: DateTime<Utc>,
) -> page::Model {
    let findings = check(page, dicts);
    let sum = summarize(page, &findings);
    page::Model {
        visit_id: visit_id.to_string(),
        card_no: card_no.to_string(),
        dept_code: dept_code.to_string(),
        doctor: page.doctor.clone(),
        visited_at: visit_time,
        state: PageState::Draft.as_str().to_string(),
        page_json: page.to_json().to_string(),
        unmapped_json: serde_json::to_string(unmapped).unwrap_or_else(|_| "[]".into()),
        error_count: sum.errors,
        warning_count: sum.warnings,
        assembled_at: at,
        updated_at: at,
        period: Period::of(visit_time.unwrap_or(at)).to_string(),
        dept_name: page.dept_name.clone(),
        required_total: sum.required_total,
        required_filled: sum.required_filled,
        main_code_ok: i32::from(sum.main_code_ok),
        rules: sum.rules_text(),
        revision: 0,
    }
}

fn stored(r: page::Model) -> Result<StoredPage, VisitPageError> {
    Ok(StoredPage {
        page: Page::parse(&r.page_json)?,
        unmapped: serde_json::from_str::<Vec<serde_json::Value>>(&r.unmapped_json)
            .unwrap_or_default()
            .iter()
            .filter_map(unmapped_from_json)
            .collect(),
        visit_id: r.visit_id,
        state: PageState::from_db(&r.state),
        error_count: r.error_count,
        warning_count: r.warning_count,
        assembled_at: r.assembled_at,
        updated_at: r.updated_at,
        revision: r.revision,
    })
}

fn unmapped_from_json(v: &serde_json::Value) -> Option<UnmappedCharge> {
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Some(UnmappedCharge {
        charge_id: s("charge_id")?,
        item_code: s("item_code")?,
        item_name: s("item_name")?,
        category: s("category")?,
        category_name: s("category_name"),
        amount: v.get("amount")?.as_i64()?,
    })
}

/// A stored page.
pub async fn get_page<C: ConnectionTrait>(
    conn: &C,
    visit_id: &str,
) -> Result<Option<StoredPage>, VisitPageError> {
    page::Entity::find_by_id(visit_id.to_string())
        .one(conn)
        .await?
        .map(stored)
        .transpose()
}

/// Locks a draft page (提交): only a draft without errors becomes submitted; the database decides
/// (one conditional UPDATE).
pub async fn submit_page(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
    visit_id: &str,
) -> Result<(), VisitPageError> {
    let txn = db.begin_write().await?;
    let r = page::Entity::update_many()
        .col_expr(
            page::Column::State,
            Expr::value(PageState::Submitted.as_str()),
        )
        .col_expr(page::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            page::Column::Revision,
            Expr::col(page::Column::Revision).add(1),
        )
        .filter(page::Column::VisitId.eq(visit_id))
        .filter(page::Column::State.eq(PageState::Draft.as_str()))
        .filter(page::Column::ErrorCount.eq(0))
        .exec(&txn)
        .await?;
    if r.rows_affected == 0 {
        // Nothing changed: say why, from what is there now.
        return match page::Entity::find_by_id(visit_id.to_string())
            .one(&txn)
            .await?
        {
            None => Err(VisitPageError::NoPage(visit_id.to_string())),
            Some(p) if p.state != PageState::Draft.as_str() => {
                Err(VisitPageError::Submitted(visit_id.to_string()))
            }
            Some(p) => Err(VisitPageError::HasErrors {
                visit: visit_id.to_string(),
                errors: p.error_count,
            }),
        };
    }
    audit::record(
        &txn,
        actor,
        Change::new("visitpage.submit", "visit_page", visit_id)
            .before(json!({"state": PageState::Draft.as_str()}))
            .after(json!({"state": PageState::Submitted.as_str()})),
        at,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A person's change to a page (修改/修正).
#[derive(Debug, Clone)]
pub struct Edit {
    /// The revision the person started from; a page changed meanwhile is refused.
    pub revision: Option<i32>,
    pub page: Page,
    /// 修改理由: required once the page is submitted.
    pub reason: Option<String>,
}

/// Changes a page: a draft stays a draft; a submitted page needs a reason, must pass every
/// error rule, and becomes amended (修正). The fields changed, from which value to which, and
/// the reason are one audit row in the same transaction. Returns the page as stored.
pub async fn edit_page(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
    dicts: &Dicts,
    visit_id: &str,
    edit: Edit,
) -> Result<StoredPage, VisitPageError> {
    let reason = edit
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let txn = db.begin_write().await?;
    let Some(current) = page::Entity::find_by_id(visit_id.to_string())
        .one(&txn)
        .await?
    else {
        return Err(VisitPageError::NoPage(visit_id.to_string()));
    };
    if let Some(rev) = edit.revision
        && rev != current.revision
    {
        return Err(VisitPageError::Stale(visit_id.to_string()));
    }
    let before = stored(current.clone())?;
    let changes = diff(&before.page, &edit.page);
    if changes.is_empty() {
        return Ok(before);
    }
    let state = before.state;
    let findings = check(&edit.page, dicts);
    let sum = summarize(&edit.page, &findings);
    if state.is_locked() {
        if reason.is_none() {
            return Err(VisitPageError::NeedsReason(visit_id.to_string()));
        }
        if sum.errors > 0 {
            let msgs = findings
                .iter()
                .filter(|f| f.severity == crate::domain::rules::Severity::Error)
                .map(|f| format!("{} {}", f.rule, f.message))
                .collect();
            return Err(VisitPageError::AmendmentHasErrors(msgs));
        }
    }
    let new_state = if state.is_locked() {
        PageState::Amended
    } else {
        PageState::Draft
    };
    let visit_time = edit
        .page
        .visited_at
        .or(edit.page.registered_at)
        .and_then(|t| t.and_local_timezone(yiqiao_core::time::shanghai()).single())
        .map(|t| t.with_timezone(&Utc))
        .or(current.visited_at);
    // Compare-and-set on the revision read above: of two people saving at once, one wins.
    let r = page::Entity::update_many()
        .col_expr(page::Column::State, Expr::value(new_state.as_str()))
        .col_expr(
            page::Column::CardNo,
            Expr::value(edit.page.card_no.clone().unwrap_or_default()),
        )
        .col_expr(
            page::Column::DeptCode,
            Expr::value(edit.page.dept_code.clone().unwrap_or_default()),
        )
        .col_expr(page::Column::Doctor, Expr::value(edit.page.doctor.clone()))
        .col_expr(page::Column::VisitedAt, Expr::value(visit_time))
        .col_expr(
            page::Column::PageJson,
            Expr::value(edit.page.to_json().to_string()),
        )
        .col_expr(page::Column::ErrorCount, Expr::value(sum.errors))
        .col_expr(page::Column::WarningCount, Expr::value(sum.warnings))
        .col_expr(page::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            page::Column::Period,
            Expr::value(Period::of(visit_time.unwrap_or(current.assembled_at)).to_string()),
        )
        .col_expr(
            page::Column::DeptName,
            Expr::value(edit.page.dept_name.clone()),
        )
        .col_expr(page::Column::RequiredTotal, Expr::value(sum.required_total))
        .col_expr(
            page::Column::RequiredFilled,
            Expr::value(sum.required_filled),
        )
        .col_expr(
            page::Column::MainCodeOk,
            Expr::value(i32::from(sum.main_code_ok)),
        )
        .col_expr(page::Column::Rules, Expr::value(sum.rules_text()))
        .col_expr(page::Column::Revision, Expr::value(current.revision + 1))
        .filter(page::Column::VisitId.eq(visit_id))
        .filter(page::Column::Revision.eq(current.revision))
        .exec(&txn)
        .await?;
    if r.rows_affected == 0 {
        return Err(VisitPageError::Stale(visit_id.to_string()));
    }
    let action = if state.is_locked() {
        "visitpage.amend"
    } else {
        "visitpage.edit"
    };
    let mut old = serde_json::Map::new();
    let mut new = serde_json::Map::new();
    for c in &changes {
        old.insert(c.field.clone(), c.before.clone());
        new.insert(c.field.clone(), c.after.clone());
    }
    audit::record(
        &txn,
        actor,
        Change::new(action, "visit_page", visit_id)
            .before(json!({"state": state.as_str(), "fields": old}))
            .after(json!({"state": new_state.as_str(), "fields": new, "reason": reason})),
        at,
    )
    .await?;
    let row = page::Entity::find_by_id(visit_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.to_string()))?;
    txn.commit().await?;
    stored(row)
}

/// One entry of a page's trail (修改记录), newest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrailEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
}

impl TrailEntry {
    /// What happened, in Chinese.
    pub fn label(&self) -> &'static str {
        match self.action.as_str() {
            "visitpage.assemble" => "从 HIS 生成",
            "visitpage.assemble_period" => "按统计期批量生成",
            "visitpage.edit" => "修改",
            "visitpage.amend" => "提交后修正",
            "visitpage.submit" => "提交",
            _ => "其他",
        }
    }
    pub fn at_local(&self) -> String {
        yiqiao_core::time::format_local(self.at)
    }
}

/// The audit trail of a page, from the audit log.
pub async fn trail<C: ConnectionTrait>(
    conn: &C,
    visit_id: &str,
) -> Result<Vec<TrailEntry>, VisitPageError> {
    let rows = audit::recent(conn, Some(("visit_page", visit_id)), 500).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let parse = |s: &Option<String>| {
                s.as_deref()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                    .unwrap_or(serde_json::Value::Null)
            };
            let before = parse(&r.before);
            let after = parse(&r.after);
            let mut changes = Vec::new();
            if let Some(fields) = after.get("fields").and_then(|f| f.as_object()) {
                for (k, v) in fields {
                    changes.push(FieldChange {
                        field: k.clone(),
                        before: before
                            .get("fields")
                            .and_then(|f| f.get(k))
                            .cloned()
                            .unwrap_or(serde_json::Value::Null),
                        after: v.clone(),
                    });
                }
            }
            TrailEntry {
                at: r.at,
                actor: r.actor,
                action: r.action,
                reason: after
                    .get("reason")
                    .and_then(|x| x.as_str())
                    .map(str::to_string),
                changes,
            }
        })
        .collect())
}

/// What assembling a period did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AssembleReport {
    /// Visits of the period in HIS (not cancelled).
    pub visits: usize,
    /// Drafts written (new or replaced).
    pub written: usize,
    /// Submitted or amended pages left alone.
    pub locked: usize,
    /// Pages with errors among those written.
    pub with_errors: usize,
}

impl std::fmt::Display for AssembleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HIS 就诊 {} 人次，生成/更新草稿 {} 页（其中有错误 {} 页），已提交未改动 {} 页",
            self.visits, self.written, self.with_errors, self.locked
        )
    }
}

/// Visits per transaction when assembling a period.
pub const ASSEMBLE_CHUNK: usize = 500;

/// Assembles the pages of every visit of a month (by visit time, Shanghai) from HIS, a chunk
/// of visits per transaction: reads in bulk, assembles and checks in memory, and writes each
/// page with one INSERT … ON CONFLICT DO UPDATE … WHERE state = 'draft' (a submitted page is
/// never overwritten, whoever submits it meanwhile). One audit row per chunk names its visits.
pub async fn assemble_period(
    db: &Db,
    at: DateTime<Utc>,
    org: &Org,
    dicts: &Dicts,
    period: Period,
) -> Result<AssembleReport, VisitPageError> {
    let (from, to) = period.bounds();
    let ids: Vec<String> = visit::Entity::find()
        .select_only()
        .column(visit::Column::Id)
        .filter(visit::Column::VisitedAt.gte(from))
        .filter(visit::Column::VisitedAt.lt(to))
        .filter(visit::Column::Cancelled.eq(false))
        .order_by_asc(visit::Column::Id)
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut report = AssembleReport {
        visits: ids.len(),
        ..AssembleReport::default()
    };
    let mapping = load_fee_mapping(db.conn()).await?;
    for chunk in ids.chunks(ASSEMBLE_CHUNK) {
        let txn = db.begin_write().await?;
        let rows = assemble_chunk(&txn, at, org, dicts, &mapping, chunk).await?;
        let with_errors = rows.iter().filter(|r| r.error_count > 0).count();
        let n = rows.len();
        let written = if rows.is_empty() {
            0
        } else {
            write_drafts(&txn, rows).await?
        };
        report.written += usize::try_from(written).unwrap_or(usize::MAX);
        report.locked += n.saturating_sub(usize::try_from(written).unwrap_or(usize::MAX));
        report.with_errors += with_errors;
        audit::record(
            &txn,
            &Actor::system("visitpage.assemble"),
            Change::new(
                "visitpage.assemble_period",
                "visit_page_period",
                period.to_string(),
            )
            .after(json!({"visits": chunk, "written": written})),
            at,
        )
        .await?;
        txn.commit().await?;
    }
    Ok(report)
}

/// Reads the HIS rows of some visits in bulk and assembles their pages.
async fn assemble_chunk<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    org: &Org,
    dicts: &Dicts,
    mapping: &FeeMapping,
    ids: &[String],
) -> Result<Vec<page::Model>, VisitPageError> {
    use std::collections::HashMap;
    let visits = visit::Entity::find()
        .filter(visit::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let mut patient_ids: Vec<String> = visits.iter().map(|v| v.patient_id.clone()).collect();
    patient_ids.sort();
    patient_ids.dedup();
    let patients: HashMap<String, patient::Model> = patient::Entity::find()
        .filter(patient::Column::Id.is_in(patient_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let depts: HashMap<String, department::Model> = department::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let mut doctor_ids: Vec<String> = visits.iter().map(|v| v.doctor_code.clone()).collect();
    doctor_ids.sort();
    doctor_ids.dedup();
    let doctors: HashMap<String, staff::Model> = staff::Entity::find()
        .filter(staff::Column::Code.is_in(doctor_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let mut dx: HashMap<String, Vec<visit_diagnosis::Model>> = HashMap::new();
    for d in visit_diagnosis::Entity::find()
        .filter(visit_diagnosis::Column::VisitId.is_in(ids.to_vec()))
        .all(conn)
        .await?
    {
        dx.entry(d.visit_id.clone()).or_default().push(d);
    }
    let mut procs: HashMap<String, Vec<visit_procedure::Model>> = HashMap::new();
    for p in visit_procedure::Entity::find()
        .filter(visit_procedure::Column::VisitId.is_in(ids.to_vec()))
        .all(conn)
        .await?
    {
        procs.entry(p.visit_id.clone()).or_default().push(p);
    }
    let mut charges: HashMap<String, Vec<charge::Model>> = HashMap::new();
    for c in charge::Entity::find()
        .filter(charge::Column::VisitId.is_in(ids.to_vec()))
        .all(conn)
        .await?
    {
        charges.entry(c.visit_id.clone()).or_default().push(c);
    }
    let mut drug_codes: Vec<String> = charges
        .values()
        .flatten()
        .filter_map(|c| c.drug_code.clone())
        .collect();
    drug_codes.sort();
    drug_codes.dedup();
    let drugs = if drug_codes.is_empty() {
        Vec::new()
    } else {
        drug::Entity::find()
            .filter(drug::Column::Code.is_in(drug_codes))
            .all(conn)
            .await?
    };
    let empty_dx = Vec::new();
    let empty_pr = Vec::new();
    let empty_ch = Vec::new();
    let mut rows = Vec::with_capacity(visits.len());
    for v in &visits {
        // A visit whose patient HIS has not sent is left for the next run.
        let Some(p) = patients.get(&v.patient_id) else {
            continue;
        };
        let a = assemble(
            org,
            &VisitRecord {
                visit: v,
                patient: p,
                department: depts.get(&v.dept_code),
                doctor: doctors.get(&v.doctor_code),
                diagnoses: dx.get(&v.id).unwrap_or(&empty_dx),
                procedures: procs.get(&v.id).unwrap_or(&empty_pr),
                charges: charges.get(&v.id).unwrap_or(&empty_ch),
                drugs: &drugs,
            },
            mapping,
        );
        rows.push(page_row(
            &v.id,
            &p.card_no,
            &v.dept_code,
            v.visited_at.or(v.registered_at),
            &a.page,
            &a.unmapped,
            dicts,
            at,
        ));
    }
    Ok(rows)
}

/// Inserts drafts, replacing drafts and leaving submitted pages alone; returns the rows written.
async fn write_drafts<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<page::Model>,
) -> Result<u64, VisitPageError> {
    use sea_orm::sea_query::OnConflict;
    let mut written = 0;
    // Keep each statement's parameters well under SQLite's limit.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<page::ActiveModel> = rows
            .by_ref()
            .take(100)
            .map(IntoActiveModel::into_active_model)
            .collect();
        let on_conflict = OnConflict::column(page::Column::VisitId)
            .update_columns([
                page::Column::CardNo,
                page::Column::DeptCode,
                page::Column::Doctor,
                page::Column::VisitedAt,
                page::Column::PageJson,
                page::Column::UnmappedJson,
                page::Column::ErrorCount,
                page::Column::WarningCount,
                page::Column::AssembledAt,
                page::Column::UpdatedAt,
                page::Column::Period,
                page::Column::DeptName,
                page::Column::RequiredTotal,
                page::Column::RequiredFilled,
                page::Column::MainCodeOk,
                page::Column::Rules,
            ])
            .value(
                page::Column::Revision,
                Expr::col((page::Entity, page::Column::Revision)).add(1),
            )
            .action_and_where(
                Expr::col((page::Entity, page::Column::State)).eq(PageState::Draft.as_str()),
            )
            .to_owned();
        written += page::Entity::insert_many(batch)
            .on_conflict(on_conflict)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(written)
}

/// The upload workbook of a period; refused, naming the pages, while any page has errors.
pub async fn export_period<C: ConnectionTrait>(
    conn: &C,
    period: Period,
) -> Result<Vec<u8>, VisitPageError> {
    let bad = queries::erroneous(conn, period).await?;
    if !bad.is_empty() {
        return Err(VisitPageError::PeriodHasErrors {
            period: period.to_string(),
            count: bad.len(),
            pages: bad
                .into_iter()
                .take(20)
                .map(|(v, card)| format!("就诊 {v}（卡号 {card}）"))
                .collect(),
        });
    }
    let pages = queries::pages_of(conn, period).await?;
    if pages.is_empty() {
        return Err(VisitPageError::EmptyPeriod(period.to_string()));
    }
    crate::export::xlsx(pages.iter().map(|p| &p.page))
}
