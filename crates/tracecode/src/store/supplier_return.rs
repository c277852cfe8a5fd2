//! Returns to the supplier (采购退货) in the database.
//!
//! A scan takes a code out of stock with one conditional write (`… SET state = 'returning' …
//! WHERE code_key = ? AND state = 'in_stock' AND receipt_line_id = ?`), so a package going back
//! cannot be dispensed at the same moment, and the line's 已扫 only grows while below 应扫.
//! Confirming marks the codes `to_supplier` (已退供应商) and queues a 3504 per line.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::catalogue as cat;
use super::confirm::{Confirmation, confirm_document};
use super::entities::{
    code as code_e, receipt, receipt_line, supplier_return as sr, supplier_return_line as srl,
};
use crate::TraceError;
use crate::domain::catalogue::{PackLevel, TracePolicy};
use crate::domain::code::TraceCode;
use crate::domain::receipt::incomplete;
use crate::domain::supplier_return::{
    NewSupplierReturn, ReturnLineState, SupplierReturnError as E, line_of_batch, lines_of_drug,
};

/// A return line as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnLineView {
    pub id: i64,
    pub line_no: i32,
    pub receipt_line_no: i32,
    pub drug_code: String,
    pub drug_name: String,
    pub batch_no: String,
    pub packages: i64,
    /// 应扫.
    pub required: i64,
    /// 已扫.
    pub scanned: i64,
}

/// A supplier return with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnView {
    pub id: i64,
    pub receipt_id: i64,
    pub supplier_name: String,
    pub location: String,
    pub reason: String,
    /// `draft` or `confirmed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    pub lines: Vec<ReturnLineView>,
}

/// What an accepted return scan counted against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnScanOk {
    pub key: String,
    pub line_no: i32,
    pub drug_code: String,
    pub drug_name: String,
    pub required: i64,
    pub scanned: i64,
}

/// Creates a draft return of packages of a confirmed receipt, audited. 应扫 of a line is its
/// package count, or 0 for an exempt drug.
pub async fn create(
    db: &Db,
    r: &NewSupplierReturn,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReturnView, TraceError> {
    let txn = db.begin_write().await?;
    let Some(rec) = receipt::Entity::find_by_id(r.receipt_id).one(&txn).await? else {
        return Err(E::NoSuchReceipt(r.receipt_id).into());
    };
    if rec.state != "confirmed" {
        return Err(E::ReceiptNotConfirmed(r.receipt_id).into());
    }
    let id = sr::Entity::insert(sr::ActiveModel {
        receipt_id: Set(r.receipt_id),
        reason: Set(r.reason.clone()),
        state: Set("draft".into()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        confirmed_at: Set(None),
        confirmed_by: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    for (i, (line_no, packages)) in r.lines.iter().enumerate() {
        let Some(rl) = receipt_line::Entity::find()
            .filter(receipt_line::Column::ReceiptId.eq(r.receipt_id))
            .filter(receipt_line::Column::LineNo.eq(*line_no))
            .one(&txn)
            .await?
        else {
            return Err(E::NoSuchReceiptLine(*line_no).into());
        };
        if *packages > rl.packages {
            return Err(E::TooMany {
                line_no: *line_no,
                packages: rl.packages,
                asked: *packages,
            }
            .into());
        }
        let policy = cat::policy_of(&txn, &rl.drug_code).await?.policy;
        let required = if policy == TracePolicy::Scan {
            *packages
        } else {
            0
        };
        srl::Entity::insert(srl::ActiveModel {
            return_id: Set(id),
            line_no: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            receipt_line_id: Set(rl.id),
            drug_code: Set(rl.drug_code),
            packages: Set(*packages),
            required: Set(required),
            scanned: Set(0),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.supplier_return.create",
            "trace_supplier_return",
            id.to_string(),
        )
        .after(
            serde_json::json!({"receipt_id": r.receipt_id, "reason": r.reason,
            "lines": r.lines.len()}),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    get(&**db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_supplier_return".into()).into())
}

/// One return with its lines.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<ReturnView>, DbErr> {
    use yiqiao_his::store::entities::drug;
    let Some(r) = sr::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let rec = receipt::Entity::find_by_id(r.receipt_id).one(conn).await?;
    let lines = srl::Entity::find()
        .filter(srl::Column::ReturnId.eq(id))
        .order_by_asc(srl::Column::LineNo)
        .all(conn)
        .await?;
    let batches: std::collections::HashMap<i64, (i32, String)> = receipt_line::Entity::find()
        .filter(receipt_line::Column::Id.is_in(lines.iter().map(|l| l.receipt_line_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, (l.line_no, l.batch_no)))
        .collect();
    let names: std::collections::HashMap<String, String> = drug::Entity::find()
        .filter(drug::Column::Code.is_in(lines.iter().map(|l| l.drug_code.as_str())))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.generic_name))
        .collect();
    Ok(Some(ReturnView {
        id: r.id,
        receipt_id: r.receipt_id,
        supplier_name: rec
            .as_ref()
            .map(|x| x.supplier_name.clone())
            .unwrap_or_default(),
        location: rec.map(|x| x.location).unwrap_or_default(),
        reason: r.reason,
        state: r.state,
        created_at: r.created_at,
        created_by: r.created_by,
        confirmed_at: r.confirmed_at,
        confirmed_by: r.confirmed_by,
        lines: lines
            .into_iter()
            .map(|l| {
                let (receipt_line_no, batch_no) =
                    batches.get(&l.receipt_line_id).cloned().unwrap_or_default();
                ReturnLineView {
                    drug_name: names.get(&l.drug_code).cloned().unwrap_or_default(),
                    id: l.id,
                    line_no: l.line_no,
                    receipt_line_no,
                    drug_code: l.drug_code,
                    batch_no,
                    packages: l.packages,
                    required: l.required,
                    scanned: l.scanned,
                }
            })
            .collect(),
    }))
}

/// A return in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnSummary {
    pub id: i64,
    pub receipt_id: i64,
    pub reason: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// The newest returns first.
pub async fn list<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<ReturnSummary>, DbErr> {
    Ok(sr::Entity::find()
        .order_by_desc(sr::Column::Id)
        .limit(limit.min(500))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| ReturnSummary {
            id: r.id,
            receipt_id: r.receipt_id,
            reason: r.reason,
            state: r.state,
            created_at: r.created_at,
        })
        .collect())
}

async fn hold_draft(txn: &DatabaseTransaction, id: i64) -> Result<sr::Model, TraceError> {
    let held = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_supplier_return SET state = state WHERE id = $1 AND state = 'draft'",
            [id.into()],
        ))
        .await?
        .rows_affected();
    match (held, sr::Entity::find_by_id(id).one(txn).await?) {
        (1, Some(r)) => Ok(r),
        (_, Some(_)) => Err(E::NotDraft.into()),
        (_, None) => Err(E::NoSuchReturn.into()),
    }
}

async fn line_states(txn: &DatabaseTransaction, id: i64) -> Result<Vec<ReturnLineState>, DbErr> {
    let lines = srl::Entity::find()
        .filter(srl::Column::ReturnId.eq(id))
        .order_by_asc(srl::Column::LineNo)
        .all(txn)
        .await?;
    let batches: std::collections::HashMap<i64, String> = receipt_line::Entity::find()
        .filter(receipt_line::Column::Id.is_in(lines.iter().map(|l| l.receipt_line_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.batch_no))
        .collect();
    Ok(lines
        .into_iter()
        .map(|l| ReturnLineState {
            batch_no: batches.get(&l.receipt_line_id).cloned().unwrap_or_default(),
            id: l.id,
            line_no: l.line_no,
            drug_code: l.drug_code,
            receipt_line_id: l.receipt_line_id,
            required: l.required,
            scanned: l.scanned,
        })
        .collect())
}

/// Scans one code going back to the supplier. Checks, in order: format; drug identified; drug
/// on this return; smallest packaging level; in stock at the receipt's location; of a batch on
/// this return; line not over-scanned.
pub async fn scan(
    db: &Db,
    id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReturnScanOk, TraceError> {
    let r = scan_inner(db, id, raw, actor, now).await;
    super::figures::noting_refusal(
        db,
        super::figures::Flow::SupplierReturn,
        id,
        raw,
        actor,
        now,
        r,
    )
    .await
}

async fn scan_inner(
    db: &Db,
    id: i64,
    raw: &str,
    _actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReturnScanOk, TraceError> {
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    let r = hold_draft(&txn, id).await?;
    let ident = cat::identify_or(&txn, &code, |prefix| E::Unmapped { prefix }).await?;
    let drug_name = cat::drug(&txn, &ident.drug_code)
        .await?
        .map(|d| d.generic_name)
        .unwrap_or_default();
    let lines = line_states(&txn, id).await?;
    let of_drug = lines_of_drug(&lines, &ident.drug_code, &drug_name)?;
    let level = ident.pack_level().unwrap_or(PackLevel::Smallest);
    if level != PackLevel::Smallest {
        return Err(E::NotSmallest {
            level: level.label(),
            units: ident.units,
        }
        .into());
    }
    let key = code.key();
    let Some(c) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(&key))
        .one(&txn)
        .await?
    else {
        return Err(E::NeverReceived.into());
    };
    if c.state != "in_stock" {
        return Err(E::NotInStock { state: c.state }.into());
    }
    let location = receipt::Entity::find_by_id(r.receipt_id)
        .one(&txn)
        .await?
        .map(|x| x.location)
        .unwrap_or_default();
    if c.location != location {
        return Err(E::OtherLocation {
            location: c.location,
        }
        .into());
    }
    let code_batch = receipt_line::Entity::find_by_id(c.receipt_line_id)
        .one(&txn)
        .await?
        .map(|l| l.batch_no)
        .unwrap_or_default();
    let line = line_of_batch(&of_drug, c.receipt_line_id, &code_batch)?.clone();
    let backend = txn.get_database_backend();
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_code SET state = 'returning', supplier_return_line_id = $1, \
             updated_at = $2 WHERE code_key = $3 AND state = 'in_stock' AND receipt_line_id = $4",
            [
                line.id.into(),
                now.into(),
                key.clone().into(),
                line.receipt_line_id.into(),
            ],
        ))
        .await?
        .rows_affected();
    if taken != 1 {
        // Taken meanwhile (a dispense or another return): say what it is now.
        let state = code_e::Entity::find_by_id(c.id)
            .one(&txn)
            .await?
            .map(|c| c.state)
            .unwrap_or_default();
        return Err(E::NotInStock { state }.into());
    }
    let counted = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_supplier_return_line SET scanned = scanned + 1 \
             WHERE id = $1 AND scanned < required",
            [line.id.into()],
        ))
        .await?
        .rows_affected();
    if counted != 1 {
        return Err(E::OverScanned {
            line_no: line.line_no,
            required: line.required,
        }
        .into());
    }
    txn.commit().await?;
    Ok(ReturnScanOk {
        key,
        line_no: line.line_no,
        drug_code: ident.drug_code,
        drug_name,
        required: line.required,
        scanned: line.scanned + 1,
    })
}

/// Confirms a fully scanned return: its codes become `to_supplier`; a 3504 per line is
/// queued in this transaction.
pub async fn confirm(
    db: &Db,
    id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReturnView, TraceError> {
    let txn = db.begin_write().await?;
    hold_draft(&txn, id).await?;
    let lines = line_states(&txn, id).await?;
    let as_receipt: Vec<crate::domain::receipt::LineState> = lines
        .iter()
        .map(|l| crate::domain::receipt::LineState {
            id: l.id,
            line_no: l.line_no,
            drug_code: l.drug_code.clone(),
            batch_no: l.batch_no.clone(),
            required: l.required,
            scanned: l.scanned,
        })
        .collect();
    if let Some(open) = incomplete(&as_receipt) {
        return Err(E::Incomplete(open).into());
    }
    let confirmation = Confirmation {
        table: "trace_supplier_return",
        from: "draft",
        id,
        codes: "UPDATE trace_code SET state = 'to_supplier', updated_at = $1 \
                WHERE state = 'returning' AND supplier_return_line_id IN \
                (SELECT id FROM trace_supplier_return_line WHERE return_id = $2)",
        values: vec![now.into(), id.into()],
        action: "tracecode.supplier_return.confirm",
        after: &|n| serde_json::json!({"codes_returned": n}),
    };
    confirm_document(&txn, confirmation, actor, now).await?;
    super::nhsa::queue_supplier_return(&txn, id, actor, now).await?;
    txn.commit().await?;
    get(&**db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_supplier_return".into()).into())
}
