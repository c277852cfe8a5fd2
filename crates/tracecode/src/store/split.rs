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
use super::entities::{code as code_e, dispense, split_draw};
use crate::TraceError;
use crate::domain::catalogue::lookup_keys;
use crate::domain::code::TraceCode;
use crate::domain::dispense::{DispenseError, SplitLineState, choose_split_line, units_to_draw};

/// What an accepted split scan drew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitDrawn {
    pub key: String,
    pub rx_line_no: i64,
    pub drug_code: String,
    pub drug_name: String,
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

/// Scans an opened package for the split quantity of a line of an open dispense: draws as many
/// smallest units as the line still needs, never more than the package holds. A package in
/// stock is opened by its first draw.
pub async fn draw(
    db: &Db,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SplitDrawn, TraceError> {
    let r = draw_inner(db, dispense_id, raw, actor, now).await;
    if let Err(e) = &r {
        super::figures::note_refusal(
            db,
            super::figures::Flow::Dispense,
            dispense_id,
            raw,
            e,
            actor,
            now,
        )
        .await;
    }
    r
}

async fn draw_inner(
    db: &Db,
    dispense_id: i64,
    raw: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SplitDrawn, TraceError> {
    let code = TraceCode::parse(raw)?;
    let txn = db.begin_write().await?;
    let d = hold_open(&txn, dispense_id).await?;
    let Some(ident) = cat::identify(&txn, &code).await? else {
        let prefix = lookup_keys(&code)
            .last()
            .map(|k| k.value().to_owned())
            .unwrap_or_default();
        return Err(DispenseError::Unmapped { prefix }.into());
    };
    let drug_name = cat::drug(&txn, &ident.drug_code)
        .await?
        .map(|d| d.generic_name)
        .unwrap_or_default();
    let lines = split_lines(&txn, dispense_id).await?;
    let chosen = choose_split_line(&lines, &ident.drug_code, &drug_name).cloned();
    let key = code.key();
    let pharmacy = d.pharmacy_code.as_deref();
    let found = package(&txn, &key).await?;
    // As for whole boxes, "nothing left to draw on this line" is the last check: a package
    // that could not be drawn from anyway says why first.
    let line = match chosen {
        Err(e @ DispenseError::NoSplitToDraw { .. }) => {
            let why = match &found {
                None => DispenseError::NeverReceived,
                Some((row, left)) => drawable(row, *left, pharmacy).err().unwrap_or(e),
            };
            return Err(why.into());
        }
        other => other?,
    };
    let Some((row, left)) = found else {
        return Err(DispenseError::NeverReceived.into());
    };
    let left = drawable(&row, left, pharmacy)?;
    let units = units_to_draw(line.split_qty - line.split_drawn, left)?;
    let backend = txn.get_database_backend();
    // The database decides: a package in stock is opened with its full units less this draw;
    // an opened one gives units only while it holds them.
    let (sql, values): (&str, Vec<Value>) = if row.state == "in_stock" {
        (
            "UPDATE trace_code SET state = 'opened', units_left = units - $1, updated_at = $2 \
             WHERE code_key = $3 AND state = 'in_stock' AND location = $4 AND units >= $1",
            vec![
                units.into(),
                now.into(),
                key.clone().into(),
                row.location.clone().into(),
            ],
        )
    } else {
        (
            "UPDATE trace_code SET units_left = units_left - $1, updated_at = $2 \
             WHERE code_key = $3 AND state = 'opened' AND location = $4 AND units_left >= $1",
            vec![
                units.into(),
                now.into(),
                key.clone().into(),
                row.location.clone().into(),
            ],
        )
    };
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .rows_affected();
    if taken != 1 {
        // Another window drew from it meanwhile: say what is left now.
        let e = match package(&txn, &key).await? {
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
        [key.clone().into()],
    ))
    .await?;
    let counted = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_dispense_line SET split_drawn = split_drawn + $1 \
             WHERE id = $2 AND split_drawn + $1 <= split_qty",
            [units.into(), line.id.into()],
        ))
        .await?
        .rows_affected();
    if counted != 1 {
        return Err(DispenseError::NoSplitToDraw {
            drug: format!("{drug_name}（{}）", ident.drug_code),
        }
        .into());
    }
    split_draw::Entity::insert(split_draw::ActiveModel {
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
    .exec_without_returning(&txn)
    .await?;
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
        key,
        rx_line_no: line.rx_line_no,
        drug_code: ident.drug_code,
        drug_name,
        units,
        split_qty: line.split_qty,
        split_drawn: line.split_drawn + units,
        units_left: left - units,
    })
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
    let back = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE trace_code SET units_left = units_left + $1, state = 'opened', \
             updated_at = $2 WHERE code_key = $3 AND state IN ('opened', 'used_up') \
             AND units_left + $1 <= units",
            [d.units.into(), now.into(), key.clone().into()],
        ))
        .await?
        .rows_affected();
    if back != 1 {
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
