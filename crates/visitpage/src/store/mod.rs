//! Storage of pages and of the fee mapping table, and assembly from the HIS rows.

pub mod entities;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use yiqiao_his::store::entities::{
    charge, department, drug, patient, staff, visit, visit_diagnosis, visit_procedure,
};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use crate::domain::assemble::{FeeMapping, FeeTarget, Org, UnmappedCharge, VisitRecord, assemble};
use crate::domain::codes::Dicts;
use crate::domain::page::{FeeItem, Page};
use crate::domain::rules::{Severity, check};
use crate::error::VisitPageError;
use entities::{fee_mapping, page};

/// Where a page is in its life (状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// 草稿: reassembled from HIS on every run.
    Draft,
    /// 已提交: locked.
    Submitted,
}

impl PageState {
    pub fn as_str(self) -> &'static str {
        match self {
            PageState::Draft => "draft",
            PageState::Submitted => "submitted",
        }
    }

    fn from_db(s: &str) -> PageState {
        if s == "submitted" {
            PageState::Submitted
        } else {
            PageState::Draft
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
    let findings = check(&assembled.page, dicts);
    let count = |s: Severity| {
        i32::try_from(findings.iter().filter(|f| f.severity == s).count()).unwrap_or(i32::MAX)
    };
    let page_json = assembled.page.to_json().to_string();
    let unmapped_json = serde_json::to_string(&assembled.unmapped).unwrap_or_else(|_| "[]".into());
    let row = page::Model {
        visit_id: visit_id.to_string(),
        card_no: p.card_no.clone(),
        dept_code: v.dept_code.clone(),
        doctor: assembled.page.doctor.clone(),
        visited_at: v.visited_at,
        state: PageState::Draft.as_str().to_string(),
        page_json,
        unmapped_json,
        error_count: count(Severity::Error),
        warning_count: count(Severity::Warning),
        assembled_at: at,
        updated_at: at,
    };
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
    txn.commit().await?;
    stored(row)
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

/// Locks a draft page (提交): only a draft becomes submitted; the database decides.
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
        .filter(page::Column::VisitId.eq(visit_id))
        .filter(page::Column::State.eq(PageState::Draft.as_str()))
        .exec(&txn)
        .await?;
    if r.rows_affected == 0 {
        return match page::Entity::find_by_id(visit_id.to_string())
            .one(&txn)
            .await?
        {
            Some(_) => Err(VisitPageError::Submitted(visit_id.to_string())),
            None => Err(VisitPageError::NoVisit(visit_id.to_string())),
        };
    }
    audit::record(
        &txn,
        actor,
        Change::new("visitpage.submit", "visit_page", visit_id),
        at,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
