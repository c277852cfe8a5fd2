//! Purchase warehouse-in in the database: receipts, scans against their lines, confirmation.
//!
//! The races are decided by the database: a code is received once (unique `code_key`), a line
//! is never over-scanned (`scanned = scanned + 1 … WHERE scanned < required`), and a scan and the
//! confirmation of its receipt are serialised on the receipt row (each begins by writing it).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::catalogue as cat;
use super::confirm::{Confirmation, confirm_document};
use super::entities::{code as code_e, receipt, receipt_line};
use crate::TraceError;
use crate::domain::catalogue::{PackLevel, TracePolicy};
use crate::domain::code::TraceCode;
use crate::domain::receipt::{
    LineState, NewReceipt, ReceiptError, Whereabouts, choose_line, incomplete,
};

/// A receipt line as shown: 应扫 / 已扫, and the codes of it now in stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineView {
    pub id: i64,
    pub line_no: i32,
    pub drug_code: String,
    pub drug_name: String,
    pub batch_no: String,
    pub manu_date: NaiveDate,
    pub expiry: NaiveDate,
    pub packages: i64,
    /// 应扫 (0 for an exempt drug).
    pub required: i64,
    /// 已扫.
    pub scanned: i64,
    pub price_fen: Option<i64>,
    /// Codes of this batch now in stock.
    pub in_stock: i64,
}

/// A receipt with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptView {
    pub id: i64,
    pub supplier_name: String,
    pub supplier_licence: Option<String>,
    pub invoice_no: Option<String>,
    pub dynt_no: Option<String>,
    pub location: String,
    /// `draft` or `confirmed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    pub lines: Vec<LineView>,
}

/// What an accepted scan counted against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanOk {
    pub key: String,
    pub format: &'static str,
    pub line_no: i32,
    pub drug_code: String,
    pub drug_name: String,
    pub required: i64,
    pub scanned: i64,
    /// A case scanned: how many child codes it received (from the imported relation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_children: Option<usize>,
}

async fn drug_names<C: ConnectionTrait>(
    conn: &C,
    codes: &[String],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    use yiqiao_his::store::entities::drug;
    let found = drug::Entity::find()
        .filter(drug::Column::Code.is_in(codes.iter().map(String::as_str)))
        .all(conn)
        .await?;
    Ok(found
        .into_iter()
        .map(|d| (d.code, d.generic_name))
        .collect())
}

/// Creates a draft receipt, audited. 应扫 of each line is its package count, or 0 when the
/// drug is exempt from scanning.
pub async fn create(
    db: &Db,
    r: &NewReceipt,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReceiptView, TraceError> {
    let txn = db.begin_write().await?;
    let codes: Vec<String> = r.lines.iter().map(|l| l.drug_code.clone()).collect();
    let names = drug_names(&txn, &codes).await?;
    if let Some(missing) = r.lines.iter().find(|l| !names.contains_key(&l.drug_code)) {
        return Err(ReceiptError::NoSuchDrug {
            code: missing.drug_code.clone(),
        }
        .into());
    }
    let head = receipt::ActiveModel {
        supplier_name: Set(r.supplier_name.clone()),
        supplier_licence: Set(r.supplier_licence.clone()),
        invoice_no: Set(r.invoice_no.clone()),
        dynt_no: Set(r.dynt_no.clone()),
        location: Set(r.location.clone()),
        state: Set("draft".into()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        confirmed_at: Set(None),
        confirmed_by: Set(None),
        ..Default::default()
    };
    let id = receipt::Entity::insert(head)
        .exec(&txn)
        .await?
        .last_insert_id;
    for (i, l) in r.lines.iter().enumerate() {
        let policy = cat::policy_of(&txn, &l.drug_code).await?.policy;
        let required = if policy == TracePolicy::Scan {
            l.packages
        } else {
            0
        };
        receipt_line::Entity::insert(receipt_line::ActiveModel {
            receipt_id: Set(id),
            line_no: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            drug_code: Set(l.drug_code.clone()),
            batch_no: Set(l.batch_no.clone()),
            manu_date: Set(l.manu_date),
            expiry: Set(l.expiry),
            packages: Set(l.packages),
            required: Set(required),
            scanned: Set(0),
            price_fen: Set(l.price_fen),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.receipt.create", "trace_receipt", id.to_string()).after(
            serde_json::json!({"supplier_name": r.supplier_name, "invoice_no": r.invoice_no,
                "lines": r.lines.len()}),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    get(&**db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_receipt".into()).into())
}

/// One receipt with its lines.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<ReceiptView>, DbErr> {
    let Some(r) = receipt::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let lines = receipt_line::Entity::find()
        .filter(receipt_line::Column::ReceiptId.eq(id))
        .order_by_asc(receipt_line::Column::LineNo)
        .all(conn)
        .await?;
    let codes: Vec<String> = lines.iter().map(|l| l.drug_code.clone()).collect();
    let names = drug_names(conn, &codes).await?;
    let stock = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT receipt_line_id, COUNT(*) AS n FROM trace_code \
             WHERE receipt_id = $1 AND state = 'in_stock' GROUP BY receipt_line_id",
            [id.into()],
        ))
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<i64>("", "receipt_line_id")?,
                row.try_get::<i64>("", "n")?,
            ))
        })
        .collect::<Result<std::collections::HashMap<i64, i64>, DbErr>>()?;
    Ok(Some(ReceiptView {
        id: r.id,
        supplier_name: r.supplier_name,
        supplier_licence: r.supplier_licence,
        invoice_no: r.invoice_no,
        dynt_no: r.dynt_no,
        location: r.location,
        state: r.state,
        created_at: r.created_at,
        created_by: r.created_by,
        confirmed_at: r.confirmed_at,
        confirmed_by: r.confirmed_by,
        lines: lines
            .into_iter()
            .map(|l| LineView {
                in_stock: stock.get(&l.id).copied().unwrap_or(0),
                drug_name: names.get(&l.drug_code).cloned().unwrap_or_default(),
                id: l.id,
                line_no: l.line_no,
                drug_code: l.drug_code,
                batch_no: l.batch_no,
                manu_date: l.manu_date,
                expiry: l.expiry,
                packages: l.packages,
                required: l.required,
                scanned: l.scanned,
                price_fen: l.price_fen,
            })
            .collect(),
    }))
}

/// A receipt in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptSummary {
    pub id: i64,
    pub supplier_name: String,
    pub invoice_no: Option<String>,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The newest receipts first.
pub async fn list<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<ReceiptSummary>, DbErr> {
    Ok(receipt::Entity::find()
        .order_by_desc(receipt::Column::Id)
        .limit(limit.min(500))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| ReceiptSummary {
            id: r.id,
            supplier_name: r.supplier_name,
            invoice_no: r.invoice_no,
            state: r.state,
            created_at: r.created_at,
            created_by: r.created_by,
        })
        .collect())
}

/// Takes the receipt row for this transaction (the row lock on PostgreSQL; SQLite's writer
/// lock is already held), refusing unless it is a draft.
async fn hold_draft(txn: &DatabaseTransaction, id: i64) -> Result<(), TraceError> {
    let held = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_receipt SET state = state WHERE id = $1 AND state = 'draft'",
            [id.into()],
        ))
        .await?
        .rows_affected();
    if held == 1 {
        return Ok(());
    }
    let exists = receipt::Entity::find_by_id(id).one(txn).await?.is_some();
    Err(if exists {
        ReceiptError::NotDraft
    } else {
        ReceiptError::NoSuchReceipt
    }
    .into())
}

async fn line_states(txn: &DatabaseTransaction, id: i64) -> Result<Vec<LineState>, DbErr> {
    Ok(receipt_line::Entity::find()
        .filter(receipt_line::Column::ReceiptId.eq(id))
        .order_by_asc(receipt_line::Column::LineNo)
        .all(txn)
        .await?
        .into_iter()
        .map(|l| LineState {
            id: l.id,
            line_no: l.line_no,
            drug_code: l.drug_code,
            batch_no: l.batch_no,
            required: l.required,
            scanned: l.scanned,
        })
        .collect())
}

/// Scans one code onto a draft receipt. Checks, in order: format; drug identified; drug on
/// this receipt; smallest packaging level (a case whose parent–child relation was imported
/// receives its children instead, all or none); never received before; line not over-scanned.
pub async fn scan(
    db: &Db,
    receipt_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ScanOk, TraceError> {
    let r = scan_inner(db, receipt_id, raw, actor, now).await;
    super::figures::noting_refusal(
        db,
        super::figures::Flow::Receipt,
        receipt_id,
        raw,
        actor,
        now,
        r,
    )
    .await
}

async fn scan_inner(
    db: &Db,
    receipt_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ScanOk, TraceError> {
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    hold_draft(&txn, receipt_id).await?;
    let ok = match receive(&txn, receipt_id, &code, raw, true, actor, now).await? {
        Received::One(ok) => ok,
        Received::Case(children) => {
            let n = children.len();
            let mut last = None;
            for child_raw in children {
                let in_case = |e: TraceError| -> TraceError {
                    match e {
                        TraceError::Db(e) => TraceError::Db(e),
                        other => ReceiptError::InCase {
                            child: child_raw.clone(),
                            reason: other.to_string(),
                        }
                        .into(),
                    }
                };
                let child = TraceCode::parse(&child_raw).map_err(|e| in_case(e.into()))?;
                match receive(&txn, receipt_id, &child, &child_raw, false, actor, now)
                    .await
                    .map_err(in_case)?
                {
                    Received::One(ok) => last = Some(ok),
                    Received::Case(_) => {
                        return Err(DbErr::Custom("a case inside a case".into()).into());
                    }
                }
            }
            let mut ok = last.ok_or_else(|| DbErr::Custom("a case without children".into()))?;
            ok.case_children = Some(n);
            ok
        }
    };
    txn.commit().await?;
    Ok(ok)
}

/// What one scan received: one package, or (not yet received) the children of a case.
enum Received {
    One(ScanOk),
    Case(Vec<String>),
}

async fn receive(
    txn: &DatabaseTransaction,
    receipt_id: i64,
    code: &TraceCode,
    raw: &str,
    allow_case: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Received, TraceError> {
    let ident = cat::identify_or(txn, code, |prefix| ReceiptError::Unmapped { prefix }).await?;
    let names = drug_names(txn, std::slice::from_ref(&ident.drug_code)).await?;
    let drug_name = names.get(&ident.drug_code).cloned().unwrap_or_default();
    let lines = line_states(txn, receipt_id).await?;
    // Over-scanning is the last check: remember it, and refuse only after the others.
    let chosen = match choose_line(&lines, &ident.drug_code, &drug_name, code.batch()) {
        Ok(l) => Ok(l.clone()),
        Err(e @ ReceiptError::OverScanned { .. }) => Err(e),
        Err(e) => return Err(e.into()),
    };
    let level = ident.pack_level().unwrap_or(PackLevel::Smallest);
    if level != PackLevel::Smallest {
        if allow_case {
            let children = super::relation::children_of(txn, &code.key()).await?;
            if !children.is_empty() {
                return Ok(Received::Case(children));
            }
        }
        return Err(ReceiptError::NotSmallest {
            level: level.label(),
            units: ident.units,
        }
        .into());
    }
    let line_id = chosen.as_ref().map(|l| l.id).unwrap_or(0);
    let key = code.key();
    if line_id != 0 {
        let inserted = code_e::Entity::insert(code_e::ActiveModel {
            code_key: Set(key.clone()),
            raw: Set(raw.trim().chars().take(300).collect()),
            format: Set(code.format().as_str().to_owned()),
            drug_code: Set(ident.drug_code.clone()),
            level: Set(level.as_str().to_owned()),
            units: Set(ident.units),
            state: Set("pending".into()),
            receipt_id: Set(receipt_id),
            receipt_line_id: Set(line_id),
            location: Set(String::new()),
            received_at: Set(now),
            received_by: Set(actor.name.clone()),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(code_e::Column::CodeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        if inserted == 0 {
            return Err(duplicate(txn, &key).await?.into());
        }
    } else if let Some(w) = whereabouts(txn, &key).await? {
        return Err(ReceiptError::Duplicate(w).into());
    }
    let chosen = chosen?;
    let counted = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_receipt_line SET scanned = scanned + 1 WHERE id = $1 AND scanned < required",
            [chosen.id.into()],
        ))
        .await?
        .rows_affected();
    if counted != 1 {
        return Err(ReceiptError::OverScanned {
            line_no: chosen.line_no,
            required: chosen.required,
        }
        .into());
    }
    // The location is the receipt's: written here so a confirmed receipt needs no join.
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "UPDATE trace_code SET location = (SELECT location FROM trace_receipt WHERE id = $1) \
         WHERE code_key = $2",
        [receipt_id.into(), key.clone().into()],
    ))
    .await?;
    Ok(Received::One(ScanOk {
        key,
        format: code.format().as_str(),
        line_no: chosen.line_no,
        drug_code: ident.drug_code,
        drug_name,
        required: chosen.required,
        scanned: chosen.scanned + 1,
        case_children: None,
    }))
}

async fn whereabouts<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<Whereabouts>, DbErr> {
    let Some(existing) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let line_no = receipt_line::Entity::find_by_id(existing.receipt_line_id)
        .one(conn)
        .await?
        .map(|l| l.line_no)
        .unwrap_or(0);
    Ok(Some(Whereabouts {
        receipt_id: existing.receipt_id,
        line_no,
        state: existing.state,
    }))
}

async fn duplicate<C: ConnectionTrait>(conn: &C, key: &str) -> Result<ReceiptError, DbErr> {
    Ok(match whereabouts(conn, key).await? {
        Some(w) => ReceiptError::Duplicate(w),
        // Inserted by nobody we can see: the conflicting row's transaction rolled back.
        None => ReceiptError::Duplicate(Whereabouts {
            receipt_id: 0,
            line_no: 0,
            state: "pending".into(),
        }),
    })
}

/// Takes a code scanned by mistake off a draft receipt.
pub async fn unscan(
    db: &Db,
    receipt_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TraceError> {
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    hold_draft(&txn, receipt_id).await?;
    let key = code.key();
    let Some(row) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(&key))
        .filter(code_e::Column::ReceiptId.eq(receipt_id))
        .filter(code_e::Column::State.eq("pending"))
        .one(&txn)
        .await?
    else {
        return Err(ReceiptError::NotScannedHere { key }.into());
    };
    code_e::Entity::delete_by_id(row.id).exec(&txn).await?;
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "UPDATE trace_receipt_line SET scanned = scanned - 1 WHERE id = $1 AND scanned > 0",
        [row.receipt_line_id.into()],
    ))
    .await?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.receipt.unscan",
            "trace_receipt",
            receipt_id.to_string(),
        )
        .before(serde_json::json!({"code": key})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Confirms a fully scanned draft: every code goes `in_stock` at its batch and location.
pub async fn confirm(
    db: &Db,
    receipt_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReceiptView, TraceError> {
    let txn = db.begin_write().await?;
    hold_draft(&txn, receipt_id).await?;
    let lines = line_states(&txn, receipt_id).await?;
    if let Some(open) = incomplete(&lines) {
        return Err(ReceiptError::Incomplete(open).into());
    }
    let confirmation = Confirmation {
        table: "trace_receipt",
        from: "draft",
        id: receipt_id,
        codes: "UPDATE trace_code SET state = 'in_stock', updated_at = $1 \
                WHERE receipt_id = $2 AND state = 'pending'",
        values: vec![now.into(), receipt_id.into()],
        action: "tracecode.receipt.confirm",
        after: &|n| serde_json::json!({"codes_in_stock": n}),
    };
    confirm_document(&txn, confirmation, actor, now).await?;
    // 3503 per line, in this transaction.
    super::nhsa::queue_receipt(&txn, receipt_id, actor, now).await?;
    txn.commit().await?;
    get(&**db, receipt_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_receipt".into()).into())
}
