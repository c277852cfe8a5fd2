//! Outpatient dispensing in the database.
//!
//! "A code is never dispensed twice" rests on one conditional write: a scan takes a code with
//! `UPDATE trace_code SET state = 'dispensing' … WHERE code_key = ? AND state = 'in_stock'`, and
//! owns it only when one row changed. Two windows scanning the same package at the same moment:
//! exactly one wins, on SQLite and PostgreSQL alike.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Statement, Value,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::catalogue as cat;
use super::confirm::{Confirmation, confirm_document};
use super::entities::{code as code_e, dispense, dispense_line};
use crate::TraceError;
use crate::domain::code::TraceCode;
use crate::domain::dispense::{DispenseError, DispenseLineState, choose_line, required_scans};
use crate::domain::split::{LineNeed, LineProgress, ScanUse, SplitPolicy, scan_use, unfinished};

/// A dispense line as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispenseLineView {
    pub id: i64,
    pub rx_line_no: i64,
    pub drug_code: String,
    pub drug_name: String,
    /// 数量 in smallest units.
    pub quantity: i64,
    pub pack_size: i64,
    /// 应扫 (whole packages; 0 for an exempt drug).
    pub required: i64,
    /// 拆零: the smallest units beyond whole packages.
    pub split_qty: i64,
    /// 已扣: smallest units of the split drawn from opened packages (拆零扫码).
    pub split_drawn: i64,
    /// The smallest unit (粒, 片).
    pub unit: String,
    /// 已扫.
    pub scanned: i64,
    /// Why the line could not be scanned (counts as uncollected).
    pub uncollected_reason: Option<String>,
}

/// A dispense with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispenseView {
    pub id: i64,
    pub rx_no: String,
    pub pharmacy_code: Option<String>,
    /// `open` or `confirmed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    pub lines: Vec<DispenseLineView>,
}

/// What an accepted scan counted against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispenseScanOk {
    pub key: String,
    pub rx_line_no: i64,
    pub drug_code: String,
    pub drug_name: String,
    pub required: i64,
    pub scanned: i64,
}

/// What one HIS line asks of the scanner: the drug's package size, the whole packages to scan
/// and the split (拆零) quantity, by the drug's trace policy. Shared by outpatient and ward
/// dispensing.
pub(crate) async fn line_scans<C: ConnectionTrait>(
    c: &C,
    drug_code: &str,
    quantity: i64,
) -> Result<(i64, i64, i64), DbErr> {
    use yiqiao_his::store::entities::drug;
    let pack_size = drug::Entity::find_by_id(drug_code.to_owned())
        .one(c)
        .await?
        .map(|d| d.pack_size)
        .unwrap_or(1);
    let exempt = cat::policy_of(c, drug_code).await?.policy.is_exempt();
    let (required, split_qty) = required_scans(quantity, pack_size, exempt);
    Ok((pack_size, required, split_qty))
}

/// Opens the dispense of a HIS prescription (or returns the one already open or done): one per
/// prescription, the unique index deciding between two windows.
pub async fn open(
    db: &Db,
    rx_no: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<DispenseView, TraceError> {
    use yiqiao_his::store::entities::{prescription, prescription_line};
    let txn = db.begin_write().await?;
    let Some(rx) = prescription::Entity::find_by_id(rx_no.to_owned())
        .one(&txn)
        .await?
    else {
        return Err(DispenseError::NoSuchPrescription {
            rx_no: rx_no.chars().take(64).collect(),
        }
        .into());
    };
    let inserted = dispense::Entity::insert(dispense::ActiveModel {
        rx_no: Set(rx.rx_no.clone()),
        pharmacy_code: Set(rx.pharmacy_code.clone()),
        state: Set("open".into()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        confirmed_at: Set(None),
        confirmed_by: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(dispense::Column::RxNo)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let d = dispense::Entity::find()
        .filter(dispense::Column::RxNo.eq(&rx.rx_no))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_dispense".into()))?;
    if inserted == 1 {
        let lines = prescription_line::Entity::find()
            .filter(prescription_line::Column::RxNo.eq(&rx.rx_no))
            .order_by_asc(prescription_line::Column::LineNo)
            .all(&txn)
            .await?;
        for l in lines {
            let (pack_size, required, split_qty) =
                line_scans(&txn, &l.drug_code, l.quantity).await?;
            dispense_line::Entity::insert(dispense_line::ActiveModel {
                dispense_id: Set(d.id),
                rx_line_no: Set(l.line_no),
                drug_code: Set(l.drug_code),
                quantity: Set(l.quantity),
                pack_size: Set(pack_size),
                required: Set(required),
                split_qty: Set(split_qty),
                scanned: Set(0),
                uncollected_reason: Set(None),
                ..Default::default()
            })
            .exec_without_returning(&txn)
            .await?;
        }
        audit::record(
            &txn,
            actor,
            Change::new(
                "tracecode.dispense.open",
                "trace_dispense",
                d.id.to_string(),
            )
            .after(serde_json::json!({"rx_no": rx.rx_no})),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    get(&**db, d.id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_dispense".into()).into())
}

/// The generic name and smallest unit of each drug, by code.
pub(crate) async fn drug_words<'a, C: ConnectionTrait>(
    conn: &C,
    codes: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, (String, String)>, DbErr> {
    use yiqiao_his::store::entities::drug;
    Ok(drug::Entity::find()
        .filter(drug::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, (d.generic_name, d.unit)))
        .collect())
}

/// One dispense with its lines.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<DispenseView>, DbErr> {
    let Some(d) = dispense::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let lines = dispense_line::Entity::find()
        .filter(dispense_line::Column::DispenseId.eq(id))
        .order_by_asc(dispense_line::Column::RxLineNo)
        .all(conn)
        .await?;
    let names = drug_words(conn, lines.iter().map(|l| l.drug_code.as_str())).await?;
    Ok(Some(DispenseView {
        id: d.id,
        rx_no: d.rx_no,
        pharmacy_code: d.pharmacy_code,
        state: d.state,
        created_at: d.created_at,
        created_by: d.created_by,
        confirmed_at: d.confirmed_at,
        confirmed_by: d.confirmed_by,
        lines: lines
            .into_iter()
            .map(|l| DispenseLineView {
                drug_name: names
                    .get(&l.drug_code)
                    .map(|w| w.0.clone())
                    .unwrap_or_default(),
                unit: names
                    .get(&l.drug_code)
                    .map(|w| w.1.clone())
                    .unwrap_or_default(),
                split_drawn: l.split_drawn,
                id: l.id,
                rx_line_no: l.rx_line_no,
                drug_code: l.drug_code,
                quantity: l.quantity,
                pack_size: l.pack_size,
                required: l.required,
                split_qty: l.split_qty,
                scanned: l.scanned,
                uncollected_reason: l.uncollected_reason,
            })
            .collect(),
    }))
}

/// Takes the dispense row for this transaction, refusing unless it is open.
pub(crate) async fn hold_open(
    txn: &DatabaseTransaction,
    id: i64,
) -> Result<dispense::Model, TraceError> {
    let held = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_dispense SET state = state WHERE id = $1 AND state = 'open'",
            [id.into()],
        ))
        .await?
        .rows_affected();
    let row = dispense::Entity::find_by_id(id).one(txn).await?;
    match (held, row) {
        (1, Some(d)) => Ok(d),
        (_, Some(_)) => Err(DispenseError::NotOpen.into()),
        (_, None) => Err(DispenseError::NoSuchDispense.into()),
    }
}

async fn line_states(txn: &DatabaseTransaction, id: i64) -> Result<Vec<DispenseLineState>, DbErr> {
    Ok(dispense_line::Entity::find()
        .filter(dispense_line::Column::DispenseId.eq(id))
        .order_by_asc(dispense_line::Column::RxLineNo)
        .all(txn)
        .await?
        .into_iter()
        .map(|l| DispenseLineState {
            id: l.id,
            rx_line_no: l.rx_line_no,
            drug_code: l.drug_code,
            required: l.required,
            scanned: l.scanned,
        })
        .collect())
}

/// Why a code could not be taken for dispensing.
async fn why_not<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    pharmacy: Option<&str>,
) -> Result<Option<DispenseError>, DbErr> {
    let Some(c) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(Some(DispenseError::NeverReceived));
    };
    Ok(match c.state.as_str() {
        "dispensing" | "dispensed" if c.ward_line_id.is_some() => {
            Some(DispenseError::AlreadyOnWard)
        }
        "dispensing" | "dispensed" => Some(DispenseError::AlreadyDispensed {
            dispense_id: c.dispense_id.unwrap_or(0),
        }),
        "in_stock" => match pharmacy {
            Some(p) if p != c.location => Some(DispenseError::OtherPharmacy {
                location: c.location,
            }),
            _ => None,
        },
        _ => Some(DispenseError::NotInStock { state: c.state }),
    })
}

/// Scans one code for an open dispense. Checks, in order: format; drug identified; drug on
/// this prescription; code in stock in this pharmacy; not already dispensed; line not full.
pub async fn scan(
    db: &Db,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<DispenseScanOk, TraceError> {
    let r = scan_inner(db, dispense_id, raw, actor, now).await;
    super::figures::noting_refusal(
        db,
        super::figures::Flow::Dispense,
        dispense_id,
        raw,
        actor,
        now,
        r,
    )
    .await
}

async fn scan_inner(
    db: &Db,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<DispenseScanOk, TraceError> {
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    let d = hold_open(&txn, dispense_id).await?;
    let ident = cat::identify_or(&txn, &code, |prefix| DispenseError::Unmapped { prefix }).await?;
    let drug_name = cat::drug(&txn, &ident.drug_code)
        .await?
        .map(|d| d.generic_name)
        .unwrap_or_default();
    let lines = line_states(&txn, dispense_id).await?;
    let chosen = choose_line(&lines, &ident.drug_code, &drug_name)?.cloned();
    let key = code.key();
    let pharmacy = d.pharmacy_code.as_deref();
    let Some(line) = chosen else {
        // Every line of the drug is full: a code that could not be taken anyway says why first.
        if let Some(e) = why_not(&txn, &key, pharmacy).await? {
            return Err(e.into());
        }
        let full = lines
            .iter()
            .find(|l| l.drug_code == ident.drug_code && l.required > 0);
        return Err(DispenseError::OverScanned {
            rx_line_no: full.map(|l| l.rx_line_no).unwrap_or(0),
            required: full.map(|l| l.required).unwrap_or(0),
        }
        .into());
    };
    let backend = txn.get_database_backend();
    let mut values: Vec<Value> = vec![
        dispense_id.into(),
        line.id.into(),
        now.into(),
        actor.name.clone().into(),
        key.clone().into(),
    ];
    let mut sql = String::from(
        "UPDATE trace_code SET state = 'dispensing', dispense_id = $1, dispense_line_id = $2, \
         updated_at = $3, dispensed_by = $4 WHERE code_key = $5 AND state = 'in_stock'",
    );
    if let Some(p) = pharmacy {
        sql.push_str(" AND location = $6");
        values.push(p.into());
    }
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .rows_affected();
    if taken != 1 {
        let e = why_not(&txn, &key, pharmacy)
            .await?
            .unwrap_or(DispenseError::AlreadyDispensed { dispense_id: 0 });
        return Err(e.into());
    }
    let counted = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_dispense_line SET scanned = scanned + 1 WHERE id = $1 AND scanned < required",
            [line.id.into()],
        ))
        .await?
        .rows_affected();
    if counted != 1 {
        return Err(DispenseError::OverScanned {
            rx_line_no: line.rx_line_no,
            required: line.required,
        }
        .into());
    }
    txn.commit().await?;
    Ok(DispenseScanOk {
        key,
        rx_line_no: line.rx_line_no,
        drug_code: ident.drug_code,
        drug_name,
        required: line.required,
        scanned: line.scanned + 1,
    })
}

/// What the one scan field did with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scanned {
    /// A whole package for a line's 应扫.
    Whole(DispenseScanOk),
    /// Smallest units drawn from an opened package for a line's 拆零.
    Draw(super::split::SplitDrawn),
}

/// The one scan field of the dispensing window: the scanner fires every code into it, and a
/// code is taken as a whole package or, under [`SplitPolicy::Draw`], as a draw from an opened
/// package ([`scan_use`]). The routing only reads; the operation it picks decides by its own
/// conditional writes and gives its own refusals.
pub async fn read(
    db: &Db,
    policy: SplitPolicy,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Scanned, TraceError> {
    let how = match TraceCode::parse(raw) {
        Ok(code) if policy.draws() => route(db, policy, dispense_id, &code).await?,
        // Unreadable codes are refused by the whole-package check, with the reason.
        _ => ScanUse::Whole,
    };
    match how {
        ScanUse::Whole => scan(db, dispense_id, raw, actor, now)
            .await
            .map(Scanned::Whole),
        ScanUse::Draw => super::split::draw(db, policy, dispense_id, raw, actor, now)
            .await
            .map(Scanned::Draw),
    }
}

async fn route(
    db: &Db,
    policy: SplitPolicy,
    dispense_id: i64,
    code: &TraceCode,
) -> Result<ScanUse, DbErr> {
    let conn = &**db;
    let Some(ident) = cat::identify(conn, code).await? else {
        return Ok(ScanUse::Whole);
    };
    let state = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(code.key()))
        .one(conn)
        .await?
        .map(|c| c.state);
    let lines: Vec<LineNeed> = dispense_line::Entity::find()
        .filter(dispense_line::Column::DispenseId.eq(dispense_id))
        .filter(dispense_line::Column::DrugCode.eq(&ident.drug_code))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| LineNeed {
            required: l.required,
            scanned: l.scanned,
            split_qty: l.split_qty,
            split_drawn: l.split_drawn,
            uncollected: l.uncollected_reason.is_some(),
        })
        .collect();
    Ok(scan_use(policy, state.as_deref(), &lines))
}

/// Records why a line cannot be (fully) scanned: damaged label, no code. The line then counts
/// as uncollected and does not hold up the confirmation.
pub async fn mark_uncollected(
    db: &Db,
    dispense_id: i64,
    rx_line_no: i64,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TraceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DispenseError::ReasonRequired.into());
    }
    let reason: String = reason.chars().take(200).collect();
    let txn = db.begin_write().await?;
    hold_open(&txn, dispense_id).await?;
    let changed = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_dispense_line SET uncollected_reason = $1 \
             WHERE dispense_id = $2 AND rx_line_no = $3",
            [reason.clone().into(), dispense_id.into(), rx_line_no.into()],
        ))
        .await?
        .rows_affected();
    if changed != 1 {
        return Err(DispenseError::NoSuchLine(rx_line_no).into());
    }
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.dispense.uncollected",
            "trace_dispense",
            dispense_id.to_string(),
        )
        .after(serde_json::json!({"rx_line_no": rx_line_no, "reason": reason})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Confirms an open dispense: its codes become `dispensed` to the prescription's patient.
/// Every line must have its whole packages scanned and, under [`SplitPolicy::Draw`], its split
/// quantity drawn from opened packages, or be recorded as uncollected.
pub async fn confirm(
    db: &Db,
    policy: SplitPolicy,
    dispense_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<DispenseView, TraceError> {
    let txn = db.begin_write().await?;
    hold_open(&txn, dispense_id).await?;
    let lines = dispense_line::Entity::find()
        .filter(dispense_line::Column::DispenseId.eq(dispense_id))
        .order_by_asc(dispense_line::Column::RxLineNo)
        .all(&txn)
        .await?;
    let words = drug_words(&txn, lines.iter().map(|l| l.drug_code.as_str())).await?;
    let progress: Vec<LineProgress> = lines
        .iter()
        .map(|l| {
            let (name, unit) = words.get(&l.drug_code).cloned().unwrap_or_default();
            LineProgress {
                label: format!("第 {} 行 ", l.rx_line_no),
                drug: format!("{name}（{}）", l.drug_code),
                unit,
                required: l.required,
                scanned: l.scanned,
                split_qty: l.split_qty,
                split_drawn: l.split_drawn,
                uncollected: l.uncollected_reason.is_some(),
            }
        })
        .collect();
    let open = unfinished(&progress, policy);
    if !open.is_empty() {
        return Err(DispenseError::Incomplete(open.join("；")).into());
    }
    let confirmation = Confirmation {
        table: "trace_dispense",
        from: "open",
        id: dispense_id,
        codes: "UPDATE trace_code SET state = 'dispensed', dispensed_at = $1, updated_at = $2 \
                WHERE dispense_id = $3 AND state = 'dispensing'",
        values: vec![now.into(), now.into(), dispense_id.into()],
        action: "tracecode.dispense.confirm",
        after: &|n| serde_json::json!({"codes_dispensed": n}),
    };
    confirm_document(&txn, confirmation, actor, now).await?;
    // 3505 with the codes, in this transaction: a crash after commit loses nothing.
    super::nhsa::queue_dispense(&txn, dispense_id, actor, now).await?;
    super::nhsa::queue_split_sales(&txn, dispense_id, actor, now).await?;
    txn.commit().await?;
    get(&**db, dispense_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_dispense".into()).into())
}

/// What a return did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Returned {
    pub key: String,
    /// `in_stock` or `quarantined`.
    pub state: String,
}

/// Takes back one package of a confirmed dispense (部分退药): it must have been dispensed on
/// it; it goes back to stock, or to quarantine when it cannot be resold. One conditional write
/// decides, so a package is returned once.
pub async fn return_code(
    db: &Db,
    dispense_id: i64,
    raw: &str,
    quarantine: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Returned, TraceError> {
    use super::entities::return_;
    let code = TraceCode::parse(raw)?;
    let key = code.key();
    let txn = db.begin_write().await?;
    let backend = txn.get_database_backend();
    let held = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_dispense SET state = state WHERE id = $1 AND state = 'confirmed'",
            [dispense_id.into()],
        ))
        .await?
        .rows_affected();
    if held != 1 {
        let exists = dispense::Entity::find_by_id(dispense_id)
            .one(&txn)
            .await?
            .is_some();
        return Err(if exists {
            DispenseError::NotConfirmed
        } else {
            DispenseError::NoSuchDispense
        }
        .into());
    }
    let Some(row) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(&key))
        .one(&txn)
        .await?
    else {
        return Err(DispenseError::NeverReceived.into());
    };
    let to_state = if quarantine {
        "quarantined"
    } else {
        "in_stock"
    };
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_code SET state = $1, dispense_id = NULL, dispense_line_id = NULL, \
             dispensed_at = NULL, dispensed_by = NULL, updated_at = $2 \
             WHERE code_key = $3 AND dispense_id = $4 AND state = 'dispensed'",
            [
                to_state.into(),
                now.into(),
                key.clone().into(),
                dispense_id.into(),
            ],
        ))
        .await?
        .rows_affected();
    if taken != 1 {
        // Read again: a concurrent return may have changed it since the first read.
        let now_row = code_e::Entity::find_by_id(row.id).one(&txn).await?;
        let e = match now_row {
            Some(c) if c.state == "dispensed" || c.state == "dispensing" => {
                DispenseError::NotFromThisDispense
            }
            Some(c) => DispenseError::NotDispensed { state: c.state },
            None => DispenseError::NeverReceived,
        };
        return Err(e.into());
    }
    // 3506 with the code, read as it was on the dispense (its batch and line).
    super::nhsa::queue_return(&txn, dispense_id, &row, actor, now).await?;
    return_::Entity::insert(return_::ActiveModel {
        dispense_id: Set(dispense_id),
        dispense_line_id: Set(row.dispense_line_id.unwrap_or(0)),
        code_key: Set(key.clone()),
        to_state: Set(to_state.into()),
        returned_at: Set(now),
        returned_by: Set(actor.name.clone()),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.dispense.return",
            "trace_dispense",
            dispense_id.to_string(),
        )
        .after(serde_json::json!({"code": key, "to": to_state})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Returned {
        key,
        state: to_state.into(),
    })
}
