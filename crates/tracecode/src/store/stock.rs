//! Stock-take (盘存, 3501) and stock changes recorded by scanning (库存变更, 3502: 104 盘损,
//! 105 销毁), each queued in the transaction that records it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::{code as code_e, stock_change};
use crate::TraceError;
use crate::domain::code::TraceCode;
use crate::domain::supplier_return::{ChangeKind, SupplierReturnError as E};
use crate::nhsa::OpenedPackage;

/// What a stock-take upload queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockTaken {
    pub location: String,
    /// Batches counted (one 3501 each).
    pub batches: usize,
    /// Codes in stock there, opened packages included.
    pub codes: usize,
    /// Of which opened packages (拆零), counted with the units they have left.
    pub opened: usize,
}

/// 盘存上传: one 3501 per stock batch at `location`, counting its codes in stock now and
/// carrying them in `drugtracinfo`. An opened package (拆零) counts as in stock with the units
/// it has left: its code is in `drugtracinfo` and `inv_cnt` adds the fraction it holds
/// ([`crate::nhsa::inv_cnt`]); a used-up one is not in stock.
pub async fn stock_take(
    db: &Db,
    location: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<StockTaken, TraceError> {
    let location = location.trim();
    let txn = db.begin_write().await?;
    // An opened package (拆零) is still in stock, with the smallest units it has left.
    let codes = code_e::Entity::find()
        .filter(code_e::Column::Location.eq(location))
        .filter(code_e::Column::State.is_in(["in_stock", "opened"]))
        .order_by_asc(code_e::Column::Id)
        .all(&txn)
        .await?;
    let total = codes.len();
    let mut opened_n = 0;
    let mut batches: BTreeMap<i64, (Vec<String>, Vec<OpenedPackage>)> = BTreeMap::new();
    for c in codes {
        let b = batches.entry(c.receipt_line_id).or_default();
        if c.state == "opened" {
            opened_n += 1;
            b.1.push(OpenedPackage {
                units_left: c.units_left.unwrap_or(0),
                units: c.units,
            });
        }
        b.0.push(c.code_key);
    }
    let n = batches.len();
    for (rl, (keys, opened)) in batches {
        super::nhsa::queue_stock_take(&txn, rl, location, keys, opened, actor, now).await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.stock.take", "trace_code", location.to_owned())
            .after(serde_json::json!({"batches": n, "codes": total, "opened": opened_n})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StockTaken {
        location: location.to_owned(),
        batches: n,
        codes: total,
        opened: opened_n,
    })
}

/// What a stock change recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub chg_type: &'static str,
    pub codes: usize,
    /// 3502 messages queued (one per batch).
    pub messages: usize,
}

/// Records a stock change of scanned codes, all or none: each code leaves stock (or
/// quarantine, for 销毁) by one conditional write; one 3502 per batch carries its codes.
pub async fn change(
    db: &Db,
    kind: ChangeKind,
    raw_codes: &[String],
    memo: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Changed, TraceError> {
    let mut keys = Vec::new();
    for raw in raw_codes.iter().filter(|r| !r.trim().is_empty()) {
        let key = TraceCode::parse(raw)?.key();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(E::NoCodes.into());
    }
    let memo: Option<String> = memo
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| m.chars().take(200).collect());
    let txn = db.begin_write().await?;
    let backend = txn.get_database_backend();
    let from = kind.from_states();
    let mut batches: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for key in &keys {
        let Some(c) = code_e::Entity::find()
            .filter(code_e::Column::CodeKey.eq(key))
            .one(&txn)
            .await?
        else {
            return Err(E::UnknownCode(key.clone()).into());
        };
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 4)).collect();
        let mut values: Vec<sea_orm::Value> =
            vec![kind.to_state().into(), now.into(), key.clone().into()];
        values.extend(from.iter().map(|s| sea_orm::Value::from(*s)));
        let taken = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "UPDATE trace_code SET state = $1, updated_at = $2 \
                     WHERE code_key = $3 AND state IN ({})",
                    placeholders.join(", ")
                ),
                values,
            ))
            .await?
            .rows_affected();
        if taken != 1 {
            return Err(E::CannotChange {
                key: key.clone(),
                state: c.state,
                action: kind.label(),
            }
            .into());
        }
        stock_change::Entity::insert(stock_change::ActiveModel {
            chg_type: Set(kind.code().into()),
            code_key: Set(key.clone()),
            from_state: Set(c.state),
            memo: Set(memo.clone()),
            changed_at: Set(now),
            changed_by: Set(actor.name.clone()),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
        batches
            .entry(c.receipt_line_id)
            .or_default()
            .push(key.clone());
    }
    let messages = batches.len();
    for (rl, codes) in batches {
        super::nhsa::queue_stock_change(&txn, rl, kind.code(), codes, memo.clone(), actor, now)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.stock.change", "trace_code", kind.code())
            .after(serde_json::json!({"codes": keys, "memo": memo})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Changed {
        chg_type: kind.code(),
        codes: keys.len(),
        messages,
    })
}

/// Codes in stock per location and state, for the stock page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockCount {
    pub location: String,
    pub state: String,
    pub codes: i64,
}

pub async fn counts<C: ConnectionTrait>(conn: &C) -> Result<Vec<StockCount>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT location, state, COUNT(*) AS n FROM trace_code \
             GROUP BY location, state ORDER BY location, state",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StockCount {
                location: r.try_get("", "location")?,
                state: r.try_get("", "state")?,
                codes: r.try_get("", "n")?,
            })
        })
        .collect()
}
