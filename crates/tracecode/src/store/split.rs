//! Split packages drawn down (拆零扫码): the opened package's code is scanned for a line's split
//! quantity and its smallest units are drawn over several dispensings until they are used up.
//!
//! "Never more than the package holds" rests on one conditional write:
//! `UPDATE trace_code SET units_left = units_left - n WHERE … AND units_left >= n`, owning the
//! units only when one row changed. Two windows drawing the last units at once: one wins, the
//! other is told how many are left.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Statement, Value,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::catalogue as cat;
use super::dispense::hold_open;
use super::entities::{code as code_e, dispense, split_draw, ward_split_draw};
use crate::TraceError;
use crate::domain::code::TraceCode;
use crate::domain::dispense::{DispenseError, SplitLineState, choose_split_line, units_to_draw};
use crate::domain::split::SplitPolicy;

/// What an accepted split scan drew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitDrawn {
    /// The draw, to undo it while the dispense is open.
    pub draw_id: i64,
    pub key: String,
    pub rx_line_no: i64,
    pub drug_code: String,
    pub drug_name: String,
    /// The smallest unit (粒, 片).
    pub unit: String,
    /// Smallest units drawn from the package by this scan.
    pub units: i64,
    /// The line's 拆零 quantity and how much of it is drawn now.
    pub split_qty: i64,
    pub split_drawn: i64,
    /// What the package has left after this draw.
    pub units_left: i64,
}

async fn split_lines(txn: &DatabaseTransaction, id: i64) -> Result<Vec<SplitLineState>, DbErr> {
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "SELECT id, rx_line_no, drug_code, split_qty, split_drawn FROM trace_dispense_line \
             WHERE dispense_id = $1 ORDER BY rx_line_no",
            [id.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(SplitLineState {
                id: r.try_get("", "id")?,
                rx_line_no: r.try_get("", "rx_line_no")?,
                drug_code: r.try_get("", "drug_code")?,
                split_qty: r.try_get("", "split_qty")?,
                split_drawn: r.try_get("", "split_drawn")?,
            })
        })
        .collect()
}

/// The package's code row with its units left (`None` until opened).
async fn package<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<(code_e::Model, Option<i64>)>, DbErr> {
    let Some(c) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let left = conn
        .query_one_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT units_left FROM trace_code WHERE id = $1",
            [c.id.into()],
        ))
        .await?
        .map(|r| r.try_get::<Option<i64>>("", "units_left"))
        .transpose()?
        .flatten();
    Ok(Some((c, left)))
}

/// Units left of a package that can be drawn from in `pharmacy`, or why not.
fn drawable(
    c: &code_e::Model,
    left: Option<i64>,
    pharmacy: Option<&str>,
) -> Result<i64, DispenseError> {
    match c.state.as_str() {
        "in_stock" | "opened" => match pharmacy {
            Some(p) if p != c.location => Err(DispenseError::OtherPharmacy {
                location: c.location.clone(),
            }),
            _ if c.state == "opened" => Ok(left.unwrap_or(0)),
            _ => Ok(c.units),
        },
        "used_up" => Err(DispenseError::PackageUsedUp),
        "dispensing" | "dispensed" if c.ward_line_id.is_some() => Err(DispenseError::AlreadyOnWard),
        "dispensing" | "dispensed" => Err(DispenseError::AlreadyDispensed {
            dispense_id: c.dispense_id.unwrap_or(0),
        }),
        _ => Err(DispenseError::NotInStock {
            state: c.state.clone(),
        }),
    }
}

/// Takes `units` smallest units from the package `row` (with `left` drawable, as read) by one
/// conditional write: a package in stock is opened with its full units less this draw, an
/// opened one gives units only while it holds them, and one left empty is `used_up`. Shared
/// by outpatient and ward draws. Refused, saying what is left, when another window was faster.
pub(crate) async fn take_units(
    txn: &DatabaseTransaction,
    row: &code_e::Model,
    units: i64,
    pharmacy: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), TraceError> {
    let backend = txn.get_database_backend();
    let key = row.code_key.clone();
    let values: Vec<Value> = vec![
        units.into(),
        now.into(),
        key.clone().into(),
        row.location.clone().into(),
    ];
    let sql = if row.state == "in_stock" {
        "UPDATE trace_code SET state = 'opened', units_left = units - $1, updated_at = $2 \
         WHERE code_key = $3 AND state = 'in_stock' AND location = $4 AND units >= $1"
    } else {
        "UPDATE trace_code SET units_left = units_left - $1, updated_at = $2 \
         WHERE code_key = $3 AND state = 'opened' AND location = $4 AND units_left >= $1"
    };
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .rows_affected();
    if taken != 1 {
        // Another window drew from it meanwhile: say what is left now.
        let e = match package(txn, &key).await? {
            Some((c, l)) => match drawable(&c, l, pharmacy) {
                Ok(0) => DispenseError::PackageUsedUp,
                Ok(left) => DispenseError::PackageShort { left },
                Err(e) => e,
            },
            None => DispenseError::NeverReceived,
        };
        return Err(e.into());
    }
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE trace_code SET state = 'used_up' \
         WHERE code_key = $1 AND state = 'opened' AND units_left = 0",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// Puts `units` back into the package `key` (a return, or an undone draw); `false` when the
/// package is not opened or used up, or would hold more than it did. With `whole_again`, a
/// package given back all its units is a whole package in stock again (an undone draw of a
/// box opened by mistake); otherwise it stays opened.
pub(crate) async fn give_back(
    txn: &DatabaseTransaction,
    key: &str,
    units: i64,
    whole_again: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let backend = txn.get_database_backend();
    let back = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_code SET units_left = units_left + $1, state = 'opened', \
             updated_at = $2 WHERE code_key = $3 AND state IN ('opened', 'used_up') \
             AND units_left + $1 <= units",
            [units.into(), now.into(), key.to_owned().into()],
        ))
        .await?
        .rows_affected();
    if back == 1 && whole_again {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_code SET state = 'in_stock', units_left = NULL \
             WHERE code_key = $1 AND state = 'opened' AND units_left = units",
            [key.to_owned().into()],
        ))
        .await?;
    }
    Ok(back == 1)
}

/// Refuses a draw under [`SplitPolicy::NoCode`]: split quantities need no code there.
/// Why the package `found` cannot be drawn from at `pharmacy`, if it cannot: said before
/// "nothing left to draw on this line", as for whole boxes.
fn package_refusal(
    found: &Option<(code_e::Model, Option<i64>)>,
    pharmacy: Option<&str>,
) -> Option<DispenseError> {
    match found {
        None => Some(DispenseError::NeverReceived),
        Some((row, left)) => drawable(row, *left, pharmacy).err(),
    }
}

/// Takes what a line is still `owed` (never more than the package holds) from the package
/// `found`; answers the units taken and what the package held before.
async fn take_from(
    txn: &DatabaseTransaction,
    found: Option<(code_e::Model, Option<i64>)>,
    owed: i64,
    pharmacy: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(i64, i64), TraceError> {
    let Some((row, left)) = found else {
        return Err(DispenseError::NeverReceived.into());
    };
    let left = drawable(&row, left, pharmacy)?;
    let units = units_to_draw(owed, left)?;
    take_units(txn, &row, units, pharmacy, now).await?;
    Ok((units, left))
}

/// Counts `units` as drawn on a line of `table` (`trace_dispense_line`, `trace_ward_line`),
/// never past its split quantity (the condition decides between two windows).
async fn count_drawn(
    txn: &DatabaseTransaction,
    table: &'static str,
    line_id: i64,
    units: i64,
) -> Result<bool, DbErr> {
    let counted = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            // The table is one of this module's, never input.
            format!(
                "UPDATE {table} SET split_drawn = split_drawn + $1 \
                 WHERE id = $2 AND split_drawn + $1 <= split_qty"
            ),
            [units.into(), line_id.into()],
        ))
        .await?
        .rows_affected();
    Ok(counted == 1)
}

fn drawing_allowed(policy: SplitPolicy) -> Result<(), DispenseError> {
    if policy.draws() {
        Ok(())
    } else {
        Err(DispenseError::SplitNeedsNoCode)
    }
}

/// Scans an opened package for the split quantity of a line of an open dispense: draws as many
/// smallest units as the line still needs, never more than the package holds. A package in
/// stock is opened by its first draw. Refused under [`SplitPolicy::NoCode`].
pub async fn draw(
    db: &Db,
    policy: SplitPolicy,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SplitDrawn, TraceError> {
    let r = draw_inner(db, policy, dispense_id, raw, actor, now).await;
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

async fn draw_inner(
    db: &Db,
    policy: SplitPolicy,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SplitDrawn, TraceError> {
    drawing_allowed(policy)?;
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    let d = hold_open(&txn, dispense_id).await?;
    let ident = cat::identify_or(&txn, &code, |prefix| DispenseError::Unmapped { prefix }).await?;
    let (drug_name, unit) = drug_words(&txn, &ident.drug_code).await?;
    let lines = split_lines(&txn, dispense_id).await?;
    let chosen = choose_split_line(&lines, &ident.drug_code, &drug_name).cloned();
    let key = code.key();
    let pharmacy = d.pharmacy_code.as_deref();
    let found = package(&txn, &key).await?;
    // As for whole boxes, "nothing left to draw on this line" is the last check: a package
    // that could not be drawn from anyway says why first.
    let line = match chosen {
        Err(e @ DispenseError::NoSplitToDraw { .. }) => {
            return Err(package_refusal(&found, pharmacy).unwrap_or(e).into());
        }
        other => other?,
    };
    let owed = line.split_qty - line.split_drawn;
    let (units, left) = take_from(&txn, found, owed, pharmacy, now).await?;
    if !count_drawn(&txn, "trace_dispense_line", line.id, units).await? {
        return Err(DispenseError::NoSplitToDraw {
            drug: format!("{drug_name}（{}）", ident.drug_code),
        }
        .into());
    }
    let draw_id = split_draw::Entity::insert(split_draw::ActiveModel {
        dispense_id: Set(dispense_id),
        dispense_line_id: Set(line.id),
        code_key: Set(key.clone()),
        units: Set(units),
        drawn_at: Set(now),
        drawn_by: Set(actor.name.clone()),
        returned_at: Set(None),
        returned_by: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.dispense.split_draw",
            "trace_dispense",
            dispense_id.to_string(),
        )
        .after(serde_json::json!({"code": key, "rx_line_no": line.rx_line_no, "units": units})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(SplitDrawn {
        draw_id,
        key,
        rx_line_no: line.rx_line_no,
        drug_code: ident.drug_code,
        drug_name,
        unit,
        units,
        split_qty: line.split_qty,
        split_drawn: line.split_drawn + units,
        units_left: left - units,
    })
}

/// The drug's generic name and smallest unit.
pub(crate) async fn drug_words<C: ConnectionTrait>(
    conn: &C,
    drug_code: &str,
) -> Result<(String, String), DbErr> {
    Ok(cat::drug(conn, drug_code)
        .await?
        .map(|d| (d.generic_name, d.unit))
        .unwrap_or_default())
}

/// What an undone draw gave back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitUndone {
    pub draw_id: i64,
    pub key: String,
    pub rx_line_no: i64,
    pub units: i64,
    /// The line's 拆零 quantity and how much of it is drawn after the undo.
    pub split_qty: i64,
    pub split_drawn: i64,
}

/// Undoes a draw of an open dispense (the wrong box scanned, or scanned by mistake): the row
/// goes, its units go back into the package (a box opened by this draw alone is whole again),
/// and the line's drawn count goes down. Nothing was sent to NHSA yet: a draw is sold at
/// confirmation.
pub async fn undo_draw(
    db: &Db,
    dispense_id: i64,
    draw_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SplitUndone, TraceError> {
    let txn = db.begin_write().await?;
    hold_open(&txn, dispense_id).await?;
    let Some(d) = split_draw::Entity::find_by_id(draw_id)
        .filter(split_draw::Column::DispenseId.eq(dispense_id))
        .one(&txn)
        .await?
    else {
        return Err(DispenseError::NoSuchDraw.into());
    };
    let undone = Undo {
        tables: OUTPATIENT_DRAWS,
        draw_id,
        doc_id: dispense_id,
        key: &d.code_key,
        units: d.units,
        line_id: d.dispense_line_id,
    };
    if !take_back(&txn, undone, actor, now).await? {
        return Err(DispenseError::NoSuchDraw.into());
    }
    let line = super::entities::dispense_line::Entity::find_by_id(d.dispense_line_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_dispense_line".into()))?;
    txn.commit().await?;
    Ok(SplitUndone {
        draw_id,
        key: d.code_key,
        rx_line_no: line.rx_line_no,
        units: d.units,
        split_qty: line.split_qty,
        split_drawn: line.split_drawn,
    })
}

/// Where the draws of one kind of document are kept.
struct DrawTables {
    /// The draws (`trace_split_draw`) and their document's column in it.
    draws: &'static str,
    doc_column: &'static str,
    /// The lines whose `split_drawn` the draws count on.
    lines: &'static str,
    /// The document's table, and the audit action of an undo.
    doc_table: &'static str,
    undo_action: &'static str,
}

const OUTPATIENT_DRAWS: DrawTables = DrawTables {
    draws: "trace_split_draw",
    doc_column: "dispense_id",
    lines: "trace_dispense_line",
    doc_table: "trace_dispense",
    undo_action: "tracecode.dispense.split_undo",
};

const WARD_DRAWS: DrawTables = DrawTables {
    draws: "trace_ward_split_draw",
    doc_column: "ward_dispense_id",
    lines: "trace_ward_line",
    doc_table: "trace_ward_dispense",
    undo_action: "tracecode.ward.split_undo",
};

/// A draw being undone.
struct Undo<'a> {
    tables: DrawTables,
    draw_id: i64,
    doc_id: i64,
    key: &'a str,
    units: i64,
    line_id: i64,
}

/// Undoes a draw of an open document in the caller's transaction: the row goes (once: the
/// conditional DELETE decides between two hands), its units go back into the package (a box
/// opened by this draw alone is whole again), the line's drawn count goes down, and the undo is
/// audited. False: there was nothing to undo.
async fn take_back(
    txn: &DatabaseTransaction,
    u: Undo<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let backend = txn.get_database_backend();
    let t = u.tables;
    // The tables and columns are this module's constants, never input.
    let gone = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "DELETE FROM {} WHERE id = $1 AND {} = $2 AND returned_at IS NULL",
                t.draws, t.doc_column
            ),
            [u.draw_id.into(), u.doc_id.into()],
        ))
        .await?
        .rows_affected();
    if gone != 1 || !give_back(txn, u.key, u.units, true, now).await? {
        return Ok(false);
    }
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE {} SET split_drawn = split_drawn - $1 WHERE id = $2 AND split_drawn >= $1",
            t.lines
        ),
        [u.units.into(), u.line_id.into()],
    ))
    .await?;
    audit::record(
        txn,
        actor,
        Change::new(t.undo_action, t.doc_table, u.doc_id.to_string())
            .before(serde_json::json!({"code": u.key, "units": u.units, "draw_id": u.draw_id})),
        now,
    )
    .await?;
    Ok(true)
}

/// The split draws of a dispense, oldest first.
pub async fn draws_of<C: ConnectionTrait>(
    conn: &C,
    dispense_id: i64,
) -> Result<Vec<split_draw::Model>, DbErr> {
    split_draw::Entity::find()
        .filter(split_draw::Column::DispenseId.eq(dispense_id))
        .order_by_asc(split_draw::Column::Id)
        .all(conn)
        .await
}

/// This dispense drew from the package `key` and has not given those units back: a return of
/// that code is a return of split units (the page's one return field routes on it).
pub async fn drew_from<C: ConnectionTrait>(
    conn: &C,
    dispense_id: i64,
    key: &str,
) -> Result<bool, DbErr> {
    Ok(split_draw::Entity::find()
        .filter(split_draw::Column::DispenseId.eq(dispense_id))
        .filter(split_draw::Column::CodeKey.eq(key))
        .filter(split_draw::Column::ReturnedAt.is_null())
        .one(conn)
        .await?
        .is_some())
}

/// The smallest units an opened package has left (`None` for a package never opened).
pub async fn units_left<C: ConnectionTrait>(conn: &C, key: &str) -> Result<Option<i64>, DbErr> {
    Ok(package(conn, key).await?.and_then(|(_, l)| l))
}

/// What a split return gave back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitReturned {
    pub key: String,
    pub units: i64,
    /// What the package holds again.
    pub units_left: i64,
}

/// Takes back the split units a confirmed dispense drew from the package `raw` (部分退药 of
/// a 拆零 quantity): they go back into the opened package, which is usable again, and 3506
/// is queued with `trdn_flag` 1. One conditional write per draw, so a draw is returned once.
pub async fn return_draw(
    db: &Db,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SplitReturned, TraceError> {
    let key = TraceCode::parse(raw)?.key();
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
    let Some(d) = split_draw::Entity::find()
        .filter(split_draw::Column::DispenseId.eq(dispense_id))
        .filter(split_draw::Column::CodeKey.eq(&key))
        .filter(split_draw::Column::ReturnedAt.is_null())
        .order_by_asc(split_draw::Column::Id)
        .one(&txn)
        .await?
    else {
        return Err(DispenseError::NotDrawnHere.into());
    };
    let marked = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_split_draw SET returned_at = $1, returned_by = $2 \
             WHERE id = $3 AND returned_at IS NULL",
            [now.into(), actor.name.clone().into(), d.id.into()],
        ))
        .await?
        .rows_affected();
    if marked != 1 {
        return Err(DispenseError::NotDrawnHere.into());
    }
    let back = give_back(&txn, &key, d.units, false, now).await?;
    if !back {
        let state = code_e::Entity::find()
            .filter(code_e::Column::CodeKey.eq(&key))
            .one(&txn)
            .await?
            .map(|c| c.state)
            .unwrap_or_default();
        return Err(DispenseError::NotDispensed { state }.into());
    }
    let Some(returned) = split_draw::Entity::find_by_id(d.id).one(&txn).await? else {
        return Err(DbErr::RecordNotFound("trace_split_draw".into()).into());
    };
    super::nhsa::queue_split_return(&txn, &returned, actor, now).await?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.dispense.split_return",
            "trace_dispense",
            dispense_id.to_string(),
        )
        .after(serde_json::json!({"code": key, "units": d.units})),
        now,
    )
    .await?;
    let left = package(&txn, &key).await?.and_then(|(_, l)| l).unwrap_or(0);
    txn.commit().await?;
    Ok(SplitReturned {
        key,
        units: d.units,
        units_left: left,
    })
}

// ---- the ward: the same draws, per patient and order ----

/// What an accepted ward split scan drew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardSplitDrawn {
    pub draw_id: i64,
    pub key: String,
    pub line_no: i64,
    pub patient_id: String,
    pub bed_no: Option<String>,
    pub order_id: String,
    pub drug_code: String,
    pub drug_name: String,
    pub unit: String,
    pub units: i64,
    pub split_qty: i64,
    pub split_drawn: i64,
    pub units_left: i64,
}

/// Scans an opened package for the split quantity of a ward line (of `patient` when one is
/// chosen), by the pharmacy or the nurse on the PDA: the same checks and the same conditional
/// draw as at the outpatient window. Refused under [`SplitPolicy::NoCode`].
pub async fn draw_ward(
    db: &Db,
    policy: SplitPolicy,
    ward_id: i64,
    raw: &str,
    patient: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardSplitDrawn, TraceError> {
    let r = draw_ward_inner(db, policy, ward_id, raw, patient, actor, now).await;
    super::figures::noting_refusal(db, super::figures::Flow::Ward, ward_id, raw, actor, now, r)
        .await
}

async fn draw_ward_inner(
    db: &Db,
    policy: SplitPolicy,
    ward_id: i64,
    raw: &str,
    patient: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardSplitDrawn, TraceError> {
    use crate::domain::ward::{WardError, choose_split_line};
    drawing_allowed(policy)?;
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    let w = super::ward::hold(&txn, ward_id, "open").await?;
    let ident = cat::identify_or(&txn, &code, |prefix| WardError::Unmapped { prefix }).await?;
    let (drug_name, unit) = drug_words(&txn, &ident.drug_code).await?;
    let models = super::ward::line_states(&txn, ward_id).await?;
    let lines: Vec<_> = models.iter().map(super::ward::state_of).collect();
    let chosen = choose_split_line(&lines, &ident.drug_code, &drug_name, patient).cloned();
    let key = code.key();
    let pharmacy = w.pharmacy_code.as_deref();
    let found = package(&txn, &key).await?;
    let line = match chosen {
        Err(e @ WardError::NoSplitToDraw { .. }) => {
            return Err(match package_refusal(&found, pharmacy) {
                Some(why) => why.into(),
                None => e.into(),
            });
        }
        other => other?,
    };
    let owed = line.split_qty - line.split_drawn;
    let (units, left) = take_from(&txn, found, owed, pharmacy, now).await?;
    if !count_drawn(&txn, "trace_ward_line", line.id, units).await? {
        return Err(WardError::NoSplitToDraw {
            drug: format!("{drug_name}（{}）", ident.drug_code),
        }
        .into());
    }
    let draw_id = ward_split_draw::Entity::insert(ward_split_draw::ActiveModel {
        ward_dispense_id: Set(ward_id),
        ward_line_id: Set(line.id),
        code_key: Set(key.clone()),
        units: Set(units),
        drawn_at: Set(now),
        drawn_by: Set(actor.name.clone()),
        returned_at: Set(None),
        returned_by: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.ward.split_draw",
            "trace_ward_dispense",
            ward_id.to_string(),
        )
        .after(serde_json::json!({"code": key, "line_no": line.line_no, "units": units})),
        now,
    )
    .await?;
    txn.commit().await?;
    let bed_no = models
        .iter()
        .find(|m| m.id == line.id)
        .and_then(|m| m.bed_no.clone());
    Ok(WardSplitDrawn {
        draw_id,
        key,
        line_no: line.line_no,
        patient_id: line.patient_id,
        bed_no,
        order_id: line.order_id,
        drug_code: ident.drug_code,
        drug_name,
        unit,
        units,
        split_qty: line.split_qty,
        split_drawn: line.split_drawn + units,
        units_left: left - units,
    })
}

/// What an undone ward draw gave back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardSplitUndone {
    pub draw_id: i64,
    pub key: String,
    pub line_no: i64,
    pub patient_id: String,
    pub bed_no: Option<String>,
    pub units: i64,
    /// The line's 拆零 quantity and how much of it is drawn after the undo.
    pub split_qty: i64,
    pub split_drawn: i64,
}

/// Undoes a draw of an open ward dispensing (the wrong box scanned on the PDA), as
/// [`undo_draw`] does for an outpatient one. Nothing was sent to NHSA yet: a ward draw is sold
/// at confirmation or settlement.
pub async fn undo_ward_draw(
    db: &Db,
    ward_id: i64,
    draw_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<WardSplitUndone, TraceError> {
    let txn = db.begin_write().await?;
    super::ward::hold(&txn, ward_id, "open").await?;
    let Some(d) = ward_split_draw::Entity::find_by_id(draw_id)
        .filter(ward_split_draw::Column::WardDispenseId.eq(ward_id))
        .one(&txn)
        .await?
    else {
        return Err(DispenseError::NoSuchDraw.into());
    };
    let undone = Undo {
        tables: WARD_DRAWS,
        draw_id,
        doc_id: ward_id,
        key: &d.code_key,
        units: d.units,
        line_id: d.ward_line_id,
    };
    if !take_back(&txn, undone, actor, now).await? {
        return Err(DispenseError::NoSuchDraw.into());
    }
    let line = super::entities::ward_line::Entity::find_by_id(d.ward_line_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ward_line".into()))?;
    txn.commit().await?;
    Ok(WardSplitUndone {
        draw_id,
        key: d.code_key,
        line_no: line.line_no,
        patient_id: line.patient_id,
        bed_no: line.bed_no,
        units: d.units,
        split_qty: line.split_qty,
        split_drawn: line.split_drawn,
    })
}

/// The split draws of a ward dispensing, oldest first.
pub async fn ward_draws_of<C: ConnectionTrait>(
    conn: &C,
    ward_id: i64,
) -> Result<Vec<ward_split_draw::Model>, DbErr> {
    ward_split_draw::Entity::find()
        .filter(ward_split_draw::Column::WardDispenseId.eq(ward_id))
        .order_by_asc(ward_split_draw::Column::Id)
        .all(conn)
        .await
}

/// The oldest draw of `key` on this ward dispensing not yet given back, if any.
pub(crate) async fn open_ward_draw<C: ConnectionTrait>(
    conn: &C,
    ward_id: i64,
    key: &str,
) -> Result<Option<ward_split_draw::Model>, DbErr> {
    ward_split_draw::Entity::find()
        .filter(ward_split_draw::Column::WardDispenseId.eq(ward_id))
        .filter(ward_split_draw::Column::CodeKey.eq(key))
        .filter(ward_split_draw::Column::ReturnedAt.is_null())
        .order_by_asc(ward_split_draw::Column::Id)
        .one(conn)
        .await
}

/// A nurse gives back the split units a confirmed ward dispensing drew from the package `key`
/// (护士退药 of a 拆零 quantity): they go back into the opened package, usable again; a 3506 is
/// queued when the sale had been uploaded. One conditional write per draw, so a draw is
/// returned once.
pub(crate) async fn return_ward_draw(
    db: &Db,
    ward_id: i64,
    key: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<super::ward::WardReturned, TraceError> {
    use crate::domain::ward::WardError;
    let txn = db.begin_write().await?;
    super::ward::hold(&txn, ward_id, "confirmed").await?;
    let Some(d) = open_ward_draw(&txn, ward_id, key).await? else {
        return Err(WardError::NotFromThisList.into());
    };
    let backend = txn.get_database_backend();
    let marked = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_ward_split_draw SET returned_at = $1, returned_by = $2 \
             WHERE id = $3 AND returned_at IS NULL",
            [now.into(), actor.name.clone().into(), d.id.into()],
        ))
        .await?
        .rows_affected();
    if marked != 1 {
        return Err(WardError::NotFromThisList.into());
    }
    if !give_back(&txn, key, d.units, false, now).await? {
        let state = package(&txn, key)
            .await?
            .map(|(c, _)| c.state)
            .unwrap_or_default();
        return Err(WardError::NotDispensed { state }.into());
    }
    let line = super::entities::ward_line::Entity::find_by_id(d.ward_line_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ward_line".into()))?;
    let uploaded = line.sale_queued_at.is_some();
    if uploaded {
        let Some(returned) = ward_split_draw::Entity::find_by_id(d.id).one(&txn).await? else {
            return Err(DbErr::RecordNotFound("trace_ward_split_draw".into()).into());
        };
        queue_ward_split(&txn, &returned, actor, now).await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new(
            "tracecode.ward.split_return",
            "trace_ward_dispense",
            ward_id.to_string(),
        )
        .after(serde_json::json!({"code": key, "units": d.units, "line_no": line.line_no})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(super::ward::WardReturned {
        key: key.to_owned(),
        state: "opened".into(),
        line_no: line.line_no,
        patient_id: line.patient_id,
        uploaded,
        split_units: Some(d.units),
    })
}

/// The sale of one ward split draw (拆零): the package's code, the units drawn, `trdn_flag` 1;
/// given back, the 3506 names the ward dispensing's sale.
pub(crate) async fn ward_split_sale(
    txn: &DatabaseTransaction,
    draw: &ward_split_draw::Model,
    opter: &super::nhsa::Operator<'_>,
    at: DateTime<Utc>,
) -> Result<Option<crate::nhsa::Sale>, DbErr> {
    let Some(l) = super::entities::ward_line::Entity::find_by_id(draw.ward_line_id)
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let Some((c, _)) = package(txn, &draw.code_key).await? else {
        return Ok(None);
    };
    let rl = c.receipt_line_id;
    Ok(super::nhsa::ward_sale(txn, &l, rl, vec![c], opter, at)
        .await?
        .map(|mut sale| {
            sale.count = draw.units;
            sale.split = true;
            if draw.returned_at.is_some() {
                sale.sale_no = Some(super::nhsa::ward_docno(l.ward_dispense_id));
            }
            sale
        }))
}

/// Queues the 3505 of a ward draw (or its 3506, once given back).
async fn queue_ward_split(
    txn: &DatabaseTransaction,
    draw: &ward_split_draw::Model,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use crate::nhsa::Source;
    let opter = super::nhsa::Operator::of(actor);
    let Some(sale) = ward_split_sale(txn, draw, &opter, now).await? else {
        return Ok(false);
    };
    super::nhsa::queue_sale(
        txn,
        &sale,
        format!(
            "病区发药 #{} 拆零 {} × {}",
            draw.ward_dispense_id, draw.code_key, draw.units
        ),
        Source::WardSplitSale {
            draw_id: draw.id,
            returned: draw.returned_at.is_some(),
        },
        actor,
        now,
    )
    .await?;
    Ok(true)
}

/// 3505 for every split draw of a ward line whose sale is being queued (at confirmation or at
/// the patient's settlement), one per draw (`trdn_flag` 1).
pub(crate) async fn queue_ward_split_sales(
    txn: &DatabaseTransaction,
    ward_line_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let draws = ward_split_draw::Entity::find()
        .filter(ward_split_draw::Column::WardLineId.eq(ward_line_id))
        .filter(ward_split_draw::Column::ReturnedAt.is_null())
        .order_by_asc(ward_split_draw::Column::Id)
        .all(txn)
        .await?;
    let mut n = 0;
    for d in draws {
        if queue_ward_split(txn, &d, actor, now).await? {
            n += 1;
        }
    }
    Ok(n)
}
