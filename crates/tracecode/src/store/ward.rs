//! Inpatient ward dispensing (住院病区发药) and nurse returns (护士退药) in the database.
//!
//! The same conditional write as outpatient dispensing decides who takes a code:
//! `UPDATE trace_code SET state = 'dispensing' … WHERE code_key = ? AND state = 'in_stock'`, one
//! row changed or refused. A ward code carries its `ward_line_id` (its `dispense_id` stays
//! null), so a code is held by one outpatient dispense or one ward line, never both.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::catalogue as cat;
use super::confirm::{Confirmation, confirm_document};
use super::entities::{code as code_e, ward_dispense, ward_line, ward_return};
use crate::TraceError;
use crate::domain::code::TraceCode;
use crate::domain::split::{LineProgress, SplitPolicy, unfinished};
use crate::domain::ward::{WardError, WardLineState, WardUpload, choose_line};

/// A ward line as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardLineView {
    pub id: i64,
    pub line_no: i64,
    pub patient_id: String,
    pub patient_name: String,
    pub bed_no: Option<String>,
    pub admission_no: Option<String>,
    pub order_id: String,
    pub drug_code: String,
    pub drug_name: String,
    /// 数量 in smallest units.
    pub quantity: i64,
    pub pack_size: i64,
    /// 应扫 (whole packages; 0 for an exempt drug).
    pub required: i64,
    /// 拆零.
    pub split_qty: i64,
    /// 已扣: smallest units of the split drawn from opened packages (拆零扫码).
    pub split_drawn: i64,
    /// The smallest unit (粒, 片).
    pub unit: String,
    /// 已扫.
    pub scanned: i64,
    pub uncollected_reason: Option<String>,
    /// Its 3505 is queued (at confirmation or at the patient's settlement).
    pub uploaded: bool,
}

/// One patient's lines on a ward list, for the bed-by-bed screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardPatient {
    pub patient_id: String,
    pub patient_name: String,
    pub bed_no: Option<String>,
    pub required: i64,
    pub scanned: i64,
}

/// A ward dispensing with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardView {
    pub id: i64,
    pub list_id: String,
    pub ward_code: String,
    pub pharmacy_code: Option<String>,
    /// `open` or `confirmed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    pub lines: Vec<WardLineView>,
}

impl WardView {
    /// The patients in bed order (as the HIS lists them), with their counts.
    pub fn patients(&self) -> Vec<WardPatient> {
        let mut out: Vec<WardPatient> = Vec::new();
        for l in &self.lines {
            match out.iter_mut().find(|p| p.patient_id == l.patient_id) {
                Some(p) => {
                    p.required += l.required;
                    p.scanned += l.scanned;
                }
                None => out.push(WardPatient {
                    patient_id: l.patient_id.clone(),
                    patient_name: l.patient_name.clone(),
                    bed_no: l.bed_no.clone(),
                    required: l.required,
                    scanned: l.scanned,
                }),
            }
        }
        out
    }

    pub fn total_required(&self) -> i64 {
        self.lines.iter().map(|l| l.required).sum()
    }

    pub fn total_scanned(&self) -> i64 {
        self.lines.iter().map(|l| l.scanned).sum()
    }
}

/// What an accepted ward scan counted against, with the running counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardScanOk {
    pub key: String,
    pub line_no: i64,
    pub patient_id: String,
    pub bed_no: Option<String>,
    pub order_id: String,
    pub drug_code: String,
    pub drug_name: String,
    pub required: i64,
    pub scanned: i64,
    /// 合计 已扫 of the whole list after this scan.
    pub total_scanned: i64,
    pub total_required: i64,
}

/// What a nurse return did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardReturned {
    pub key: String,
    /// `in_stock` or `quarantined`.
    pub state: String,
    pub line_no: i64,
    pub patient_id: String,
    /// A 3506 was queued (the sale had been uploaded).
    pub uploaded: bool,
    /// Split units given back into an opened package (拆零退药); `None` for a whole package.
    pub split_units: Option<i64>,
}

/// A HIS ward list and how far its scanning is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardListSummary {
    pub list_id: String,
    pub ward_code: String,
    pub issued_at: DateTime<Utc>,
    /// The ward dispensing record, once opened.
    pub ward_dispense_id: Option<i64>,
    /// `new`, `open` or `confirmed`.
    pub state: String,
}

/// The newest HIS ward lists first, with their scanning state.
pub async fn lists<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<WardListSummary>, DbErr> {
    use yiqiao_his::store::entities::ward_dispensing;
    let found = ward_dispensing::Entity::find()
        .order_by_desc(ward_dispensing::Column::IssuedAt)
        .limit(limit.min(500))
        .all(conn)
        .await?;
    let opened: std::collections::HashMap<String, (i64, String)> = ward_dispense::Entity::find()
        .filter(ward_dispense::Column::ListId.is_in(found.iter().map(|l| l.id.as_str())))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| (w.list_id, (w.id, w.state)))
        .collect();
    Ok(found
        .into_iter()
        .map(|l| {
            let o = opened.get(&l.id).cloned();
            WardListSummary {
                ward_dispense_id: o.as_ref().map(|o| o.0),
                state: o.map(|o| o.1).unwrap_or_else(|| "new".into()),
                list_id: l.id,
                ward_code: l.ward_code,
                issued_at: l.issued_at,
            }
        })
        .collect())
}

/// Opens the ward dispensing of a HIS ward list (or returns the one already there): one per
/// list, the unique index deciding between a pharmacist and a nurse opening it at once.
pub async fn open(
    db: &Db,
    list_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardView, TraceError> {
    use yiqiao_his::store::entities::{ward_dispensing, ward_dispensing_line};
    let txn = db.begin_write().await?;
    let Some(list) = ward_dispensing::Entity::find_by_id(list_id.to_owned())
        .one(&txn)
        .await?
    else {
        return Err(WardError::NoSuchList {
            list_id: list_id.chars().take(64).collect(),
        }
        .into());
    };
    let inserted = ward_dispense::Entity::insert(ward_dispense::ActiveModel {
        list_id: Set(list.id.clone()),
        ward_code: Set(list.ward_code.clone()),
        pharmacy_code: Set(list.pharmacy_code.clone()),
        state: Set("open".into()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        confirmed_at: Set(None),
        confirmed_by: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(ward_dispense::Column::ListId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let w = ward_dispense::Entity::find()
        .filter(ward_dispense::Column::ListId.eq(&list.id))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ward_dispense".into()))?;
    if inserted == 1 {
        let lines = ward_dispensing_line::Entity::find()
            .filter(ward_dispensing_line::Column::ListId.eq(&list.id))
            .order_by_asc(ward_dispensing_line::Column::LineNo)
            .all(&txn)
            .await?;
        for l in lines {
            let (pack_size, required, split_qty) =
                super::dispense::line_scans(&txn, &l.drug_code, l.quantity).await?;
            ward_line::Entity::insert(ward_line::ActiveModel {
                ward_dispense_id: Set(w.id),
                line_no: Set(l.line_no),
                patient_id: Set(l.patient_id),
                admission_no: Set(l.admission_no),
                bed_no: Set(l.bed_no),
                order_id: Set(l.order_id),
                mdtrt_id: Set(l.mdtrt_id),
                drug_code: Set(l.drug_code),
                quantity: Set(l.quantity),
                pack_size: Set(pack_size),
                required: Set(required),
                split_qty: Set(split_qty),
                scanned: Set(0),
                uncollected_reason: Set(None),
                sale_queued_at: Set(None),
                ..Default::default()
            })
            .exec_without_returning(&txn)
            .await?;
        }
        audit::record(
            &txn,
            actor,
            Change::new(
                "tracecode.ward.open",
                "trace_ward_dispense",
                w.id.to_string(),
            )
            .after(serde_json::json!({"list_id": list.id})),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    get(&**db, w.id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ward_dispense".into()).into())
}

/// One ward dispensing with its lines.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<WardView>, DbErr> {
    use yiqiao_his::store::entities::patient;
    let Some(w) = ward_dispense::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let lines = ward_line::Entity::find()
        .filter(ward_line::Column::WardDispenseId.eq(id))
        .order_by_asc(ward_line::Column::LineNo)
        .all(conn)
        .await?;
    let drugs =
        super::dispense::drug_words(conn, lines.iter().map(|l| l.drug_code.as_str())).await?;
    let people: std::collections::HashMap<String, String> = patient::Entity::find()
        .filter(patient::Column::Id.is_in(lines.iter().map(|l| l.patient_id.as_str())))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(Some(WardView {
        id: w.id,
        list_id: w.list_id,
        ward_code: w.ward_code,
        pharmacy_code: w.pharmacy_code,
        state: w.state,
        created_at: w.created_at,
        created_by: w.created_by,
        confirmed_at: w.confirmed_at,
        confirmed_by: w.confirmed_by,
        lines: lines
            .into_iter()
            .map(|l| WardLineView {
                drug_name: drugs
                    .get(&l.drug_code)
                    .map(|w| w.0.clone())
                    .unwrap_or_default(),
                unit: drugs
                    .get(&l.drug_code)
                    .map(|w| w.1.clone())
                    .unwrap_or_default(),
                split_drawn: l.split_drawn,
                patient_name: people.get(&l.patient_id).cloned().unwrap_or_default(),
                id: l.id,
                line_no: l.line_no,
                patient_id: l.patient_id,
                bed_no: l.bed_no,
                admission_no: l.admission_no,
                order_id: l.order_id,
                drug_code: l.drug_code,
                quantity: l.quantity,
                pack_size: l.pack_size,
                required: l.required,
                split_qty: l.split_qty,
                scanned: l.scanned,
                uncollected_reason: l.uncollected_reason,
                uploaded: l.sale_queued_at.is_some(),
            })
            .collect(),
    }))
}

/// Takes the ward dispensing row for this transaction, refusing unless it is in `state`.
pub(crate) async fn hold(
    txn: &DatabaseTransaction,
    id: i64,
    state: &str,
) -> Result<ward_dispense::Model, TraceError> {
    let held = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_ward_dispense SET state = state WHERE id = $1 AND state = $2",
            [id.into(), state.into()],
        ))
        .await?
        .rows_affected();
    let row = ward_dispense::Entity::find_by_id(id).one(txn).await?;
    match (held, row) {
        (1, Some(w)) => Ok(w),
        (_, Some(_)) if state == "open" => Err(WardError::NotOpen.into()),
        (_, Some(_)) => Err(WardError::NotConfirmed.into()),
        (_, None) => Err(WardError::NoSuchWardDispense.into()),
    }
}

pub(crate) async fn line_states(
    txn: &DatabaseTransaction,
    id: i64,
) -> Result<Vec<ward_line::Model>, DbErr> {
    ward_line::Entity::find()
        .filter(ward_line::Column::WardDispenseId.eq(id))
        .order_by_asc(ward_line::Column::LineNo)
        .all(txn)
        .await
}

pub(crate) fn state_of(l: &ward_line::Model) -> WardLineState {
    WardLineState {
        id: l.id,
        line_no: l.line_no,
        patient_id: l.patient_id.clone(),
        order_id: l.order_id.clone(),
        drug_code: l.drug_code.clone(),
        required: l.required,
        scanned: l.scanned,
        split_qty: l.split_qty,
        split_drawn: l.split_drawn,
    }
}

/// Who holds a taken code, in words.
async fn holder<C: ConnectionTrait>(conn: &C, c: &code_e::Model) -> Result<String, DbErr> {
    if let Some(line_id) = c.ward_line_id
        && let Some(l) = ward_line::Entity::find_by_id(line_id).one(conn).await?
    {
        let list = ward_dispense::Entity::find_by_id(l.ward_dispense_id)
            .one(conn)
            .await?
            .map(|w| w.list_id)
            .unwrap_or_default();
        return Ok(format!("病区发药单 {list} 患者 {}", l.patient_id));
    }
    Ok(format!("门诊发药单 #{}", c.dispense_id.unwrap_or(0)))
}

/// Why a code could not be taken for ward dispensing.
async fn why_not<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    pharmacy: Option<&str>,
) -> Result<Option<WardError>, DbErr> {
    let Some(c) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(Some(WardError::NeverReceived));
    };
    Ok(match c.state.as_str() {
        "dispensing" | "dispensed" => Some(WardError::AlreadyDispensed {
            whom: holder(conn, &c).await?,
        }),
        "in_stock" => match pharmacy {
            Some(p) if p != c.location => Some(WardError::OtherPharmacy {
                location: c.location,
            }),
            _ => None,
        },
        _ => Some(WardError::NotInStock { state: c.state }),
    })
}

/// Scans one code for an open ward dispensing, optionally for one patient (bed by bed).
/// Checks, in order: format; drug identified; drug on this list (and on the patient's orders);
/// code in stock in the dispensing pharmacy; not already dispensed; line not full.
pub async fn scan(
    db: &Db,
    id: i64,
    raw: &str,
    patient: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardScanOk, TraceError> {
    let r = scan_inner(db, id, raw, patient, actor, now).await;
    super::figures::noting_refusal(db, super::figures::Flow::Ward, id, raw, actor, now, r).await
}

async fn scan_inner(
    db: &Db,
    id: i64,
    raw: &str,
    patient: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardScanOk, TraceError> {
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    let w = hold(&txn, id, "open").await?;
    let ident = cat::identify_or(&txn, &code, |prefix| WardError::Unmapped { prefix }).await?;
    let drug_name = cat::drug(&txn, &ident.drug_code)
        .await?
        .map(|d| d.generic_name)
        .unwrap_or_default();
    let models = line_states(&txn, id).await?;
    let lines: Vec<WardLineState> = models.iter().map(state_of).collect();
    let chosen = choose_line(&lines, &ident.drug_code, &drug_name, patient)?.cloned();
    let key = code.key();
    let pharmacy = w.pharmacy_code.as_deref();
    let Some(line) = chosen else {
        if let Some(e) = why_not(&txn, &key, pharmacy).await? {
            return Err(e.into());
        }
        let full = lines.iter().find(|l| {
            l.drug_code == ident.drug_code
                && l.required > 0
                && patient.is_none_or(|p| l.patient_id == p)
        });
        return Err(WardError::OverScanned {
            line_no: full.map(|l| l.line_no).unwrap_or(0),
            order_id: full.map(|l| l.order_id.clone()).unwrap_or_default(),
            required: full.map(|l| l.required).unwrap_or(0),
        }
        .into());
    };
    let backend = txn.get_database_backend();
    let mut values: Vec<Value> = vec![
        line.id.into(),
        now.into(),
        actor.name.clone().into(),
        key.clone().into(),
    ];
    let mut sql = String::from(
        "UPDATE trace_code SET state = 'dispensing', ward_line_id = $1, dispense_id = NULL, \
         dispense_line_id = NULL, updated_at = $2, dispensed_by = $3 \
         WHERE code_key = $4 AND state = 'in_stock'",
    );
    if let Some(p) = pharmacy {
        sql.push_str(" AND location = $5");
        values.push(p.into());
    }
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .rows_affected();
    if taken != 1 {
        let e = why_not(&txn, &key, pharmacy)
            .await?
            .unwrap_or(WardError::AlreadyDispensed {
                whom: "另一窗口".into(),
            });
        return Err(e.into());
    }
    let counted = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_ward_line SET scanned = scanned + 1 WHERE id = $1 AND scanned < required",
            [line.id.into()],
        ))
        .await?
        .rows_affected();
    if counted != 1 {
        return Err(WardError::OverScanned {
            line_no: line.line_no,
            order_id: line.order_id.clone(),
            required: line.required,
        }
        .into());
    }
    txn.commit().await?;
    let total_required = lines.iter().map(|l| l.required).sum();
    let total_scanned = lines.iter().map(|l| l.scanned).sum::<i64>() + 1;
    let bed_no = models
        .iter()
        .find(|m| m.id == line.id)
        .and_then(|m| m.bed_no.clone());
    Ok(WardScanOk {
        key,
        line_no: line.line_no,
        patient_id: line.patient_id,
        bed_no,
        order_id: line.order_id,
        drug_code: ident.drug_code,
        drug_name,
        required: line.required,
        scanned: line.scanned + 1,
        total_scanned,
        total_required,
    })
}

/// What the one scan field of the ward page did with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WardScanned {
    /// A whole package for a line's 应扫.
    Whole(WardScanOk),
    /// Smallest units drawn from an opened package for a line's 拆零.
    Draw(super::split::WardSplitDrawn),
}

/// The one scan field of the ward page (PDA): a whole package, or under
/// [`SplitPolicy::Draw`] an opened package for a line's split quantity, decided as at the
/// outpatient window ([`crate::domain::split::scan_use`]) over the lines of the chosen patient.
pub async fn read(
    db: &Db,
    policy: SplitPolicy,
    id: i64,
    raw: &str,
    patient: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardScanned, TraceError> {
    use crate::domain::split::{LineNeed, ScanUse, scan_use};
    let how = match TraceCode::parse(raw) {
        Ok(code) if policy.draws() => {
            let conn = &**db;
            match cat::identify(conn, &code).await? {
                None => ScanUse::Whole,
                Some(ident) => {
                    let state = code_e::Entity::find()
                        .filter(code_e::Column::CodeKey.eq(code.key()))
                        .one(conn)
                        .await?
                        .map(|c| c.state);
                    let lines: Vec<LineNeed> = ward_line::Entity::find()
                        .filter(ward_line::Column::WardDispenseId.eq(id))
                        .filter(ward_line::Column::DrugCode.eq(&ident.drug_code))
                        .all(conn)
                        .await?
                        .into_iter()
                        .filter(|l| patient.is_none_or(|p| l.patient_id == p))
                        .map(|l| LineNeed {
                            required: l.required,
                            scanned: l.scanned,
                            split_qty: l.split_qty,
                            split_drawn: l.split_drawn,
                            uncollected: l.uncollected_reason.is_some(),
                        })
                        .collect();
                    scan_use(policy, state.as_deref(), &lines)
                }
            }
        }
        _ => ScanUse::Whole,
    };
    match how {
        ScanUse::Whole => scan(db, id, raw, patient, actor, now)
            .await
            .map(WardScanned::Whole),
        ScanUse::Draw => super::split::draw_ward(db, policy, id, raw, patient, actor, now)
            .await
            .map(WardScanned::Draw),
    }
}

/// Records why a ward line cannot be (fully) scanned; it then counts as uncollected.
pub async fn mark_uncollected(
    db: &Db,
    id: i64,
    line_no: i64,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TraceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(WardError::ReasonRequired.into());
    }
    let reason: String = reason.chars().take(200).collect();
    let txn = db.begin_write().await?;
    hold(&txn, id, "open").await?;
    let changed = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE trace_ward_line SET uncollected_reason = $1 \
             WHERE ward_dispense_id = $2 AND line_no = $3",
            [reason.clone().into(), id.into(), line_no.into()],
        ))
        .await?
        .rows_affected();
    if changed != 1 {
        return Err(WardError::NoSuchLine(line_no).into());
    }
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.ward.uncollected",
            "trace_ward_dispense",
            id.to_string(),
        )
        .after(serde_json::json!({"line_no": line_no, "reason": reason})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Confirms an open ward dispensing: its codes become `dispensed` to the patients; with
/// [`WardUpload::Dispensing`] the 3505s are queued in this transaction. Every line must have
/// its whole packages scanned and, under [`SplitPolicy::Draw`], its split quantity drawn, or
/// be recorded as uncollected (the same check as at the outpatient window).
pub async fn confirm(
    db: &Db,
    id: i64,
    upload: WardUpload,
    policy: SplitPolicy,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardView, TraceError> {
    let txn = db.begin_write().await?;
    hold(&txn, id, "open").await?;
    let lines = line_states(&txn, id).await?;
    let words =
        super::dispense::drug_words(&txn, lines.iter().map(|l| l.drug_code.as_str())).await?;
    let progress: Vec<LineProgress> = lines
        .iter()
        .map(|l| {
            let (name, unit) = words.get(&l.drug_code).cloned().unwrap_or_default();
            LineProgress {
                label: format!(
                    "第 {} 行（{} 医嘱 {}）",
                    l.line_no, l.patient_id, l.order_id
                ),
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
        return Err(WardError::Incomplete(open.join("；")).into());
    }
    let confirmation = Confirmation {
        table: "trace_ward_dispense",
        from: "open",
        id,
        codes: "UPDATE trace_code SET state = 'dispensed', dispensed_at = $1, updated_at = $2 \
                WHERE state = 'dispensing' AND ward_line_id IN \
                (SELECT id FROM trace_ward_line WHERE ward_dispense_id = $3)",
        values: vec![now.into(), now.into(), id.into()],
        action: "tracecode.ward.confirm",
        after: &|n| serde_json::json!({"codes_dispensed": n, "upload": upload}),
    };
    confirm_document(&txn, confirmation, actor, now).await?;
    if upload == WardUpload::Dispensing {
        let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
        queue_sales(&txn, &ids, actor, now).await?;
    }
    txn.commit().await?;
    get(&**db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ward_dispense".into()).into())
}

/// Marks the lines' sales as queued (each once: the row's `sale_queued_at IS NULL` decides)
/// and queues a 3505 per line and stock batch for the ones this call took.
async fn queue_sales(
    txn: &DatabaseTransaction,
    line_ids: &[i64],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, TraceError> {
    let mut n = 0;
    for id in line_ids {
        let took = txn
            .execute_raw(Statement::from_sql_and_values(
                txn.get_database_backend(),
                "UPDATE trace_ward_line SET sale_queued_at = $1 \
                 WHERE id = $2 AND sale_queued_at IS NULL",
                [now.into(), (*id).into()],
            ))
            .await?
            .rows_affected();
        if took == 1 {
            n += super::nhsa::queue_ward_line(txn, *id, actor, now).await?;
            n += super::split::queue_ward_split_sales(txn, *id, actor, now).await?;
        }
    }
    // No 3505 without the pharmacist's licence: refused before commit, nothing is kept.
    if n > 0 {
        super::nhsa::pharmacist_of(txn, actor).await?;
    }
    Ok(n)
}

/// The patient's stay is settled (结算): queues the 3505s of every confirmed ward line of the
/// patient not yet uploaded (the [`WardUpload::Settlement`] setting). Returns how many
/// messages were queued; settling twice queues nothing the second time.
pub async fn settle_patient(
    db: &Db,
    patient_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, TraceError> {
    let txn = db.begin_write().await?;
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "SELECT l.id AS id FROM trace_ward_line l \
             JOIN trace_ward_dispense w ON w.id = l.ward_dispense_id \
             WHERE l.patient_id = $1 AND w.state = 'confirmed' AND l.sale_queued_at IS NULL \
             ORDER BY l.id",
            [patient_id.into()],
        ))
        .await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<Vec<i64>, DbErr>>()?;
    let n = queue_sales(&txn, &ids, actor, now).await?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.ward.settle",
            "his_patient",
            patient_id.to_owned(),
        )
        .after(serde_json::json!({"lines": ids.len(), "messages": n})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// A nurse gives back one package of a confirmed ward dispensing (护士退药): it must have been
/// dispensed on this list; it goes back to stock, or to quarantine when it cannot be resold.
/// A 3506 is queued when the sale had been uploaded (else the sale simply never happened).
pub async fn return_code(
    db: &Db,
    id: i64,
    raw: &str,
    quarantine: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardReturned, TraceError> {
    let code = TraceCode::parse(raw)?;
    let key = code.key();
    // An opened package this list drew split units from: those units go back into it.
    if super::split::open_ward_draw(&**db, id, &key)
        .await?
        .is_some()
    {
        let dispensed_whole = code_e::Entity::find()
            .filter(code_e::Column::CodeKey.eq(&key))
            .filter(code_e::Column::State.eq("dispensed"))
            .one(&**db)
            .await?
            .is_some();
        if !dispensed_whole {
            return super::split::return_ward_draw(db, id, &key, actor, now).await;
        }
    }
    let txn = db.begin_write().await?;
    hold(&txn, id, "confirmed").await?;
    let backend = txn.get_database_backend();
    let Some(row) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(&key))
        .one(&txn)
        .await?
    else {
        return Err(WardError::NeverReceived.into());
    };
    let to_state = if quarantine {
        "quarantined"
    } else {
        "in_stock"
    };
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_code SET state = $1, ward_line_id = NULL, dispensed_at = NULL, \
             dispensed_by = NULL, updated_at = $2 \
             WHERE code_key = $3 AND state = 'dispensed' AND ward_line_id IN \
             (SELECT id FROM trace_ward_line WHERE ward_dispense_id = $4)",
            [to_state.into(), now.into(), key.clone().into(), id.into()],
        ))
        .await?
        .rows_affected();
    if taken != 1 {
        let again = code_e::Entity::find_by_id(row.id).one(&txn).await?;
        let e = match again {
            Some(c) if c.state == "dispensed" || c.state == "dispensing" => {
                WardError::NotFromThisList
            }
            Some(c) => WardError::NotDispensed { state: c.state },
            None => WardError::NeverReceived,
        };
        return Err(e.into());
    }
    let line_id = row.ward_line_id.unwrap_or(0);
    let line = ward_line::Entity::find_by_id(line_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ward_line".into()))?;
    let uploaded = line.sale_queued_at.is_some();
    if uploaded {
        super::nhsa::queue_ward_return(&txn, &line, &row, actor, now).await?;
    }
    ward_return::Entity::insert(ward_return::ActiveModel {
        ward_dispense_id: Set(id),
        ward_line_id: Set(line_id),
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
            "tracecode.ward.return",
            "trace_ward_dispense",
            id.to_string(),
        )
        .after(serde_json::json!({"code": key, "to": to_state, "line_no": line.line_no})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(WardReturned {
        key,
        state: to_state.into(),
        line_no: line.line_no,
        patient_id: line.patient_id,
        uploaded,
        split_units: None,
    })
}
