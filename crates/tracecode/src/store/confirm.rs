//! The steps every scanning document's confirmation shares, inside its transaction: the
//! document is stamped confirmed, its codes move on to their next state (counted), and the
//! change is audited with that count. What is checked before, and which NHSA messages are
//! queued after, stays with each document (`receipt::confirm`, `dispense::confirm`, …).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement, Value};
use yiqiao_store::audit::{self, Actor, Change};

/// One document's confirmation.
pub(super) struct Confirmation<'a> {
    /// The document's table (`trace_receipt`, …).
    pub table: &'static str,
    /// The state it is confirmed from (`draft`, `open`): the caller's hold decided it is still
    /// in it.
    pub from: &'static str,
    pub id: i64,
    /// The UPDATE of `trace_code` that moves this document's codes on, with its values.
    pub codes: &'static str,
    pub values: Vec<Value>,
    /// The audit action (`tracecode.receipt.confirm`).
    pub action: &'static str,
    /// The audit's after-image, given how many codes moved.
    pub after: &'a (dyn Fn(u64) -> serde_json::Value + Sync),
}

/// Stamps the document confirmed, moves its codes and audits it; answers how many codes moved.
pub(super) async fn confirm_document(
    txn: &DatabaseTransaction,
    c: Confirmation<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let backend = txn.get_database_backend();
    // Table and state are this crate's constants, never input.
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE {} SET state = 'confirmed', confirmed_at = $1, confirmed_by = $2 \
             WHERE id = $3 AND state = '{}'",
            c.table, c.from
        ),
        [now.into(), actor.name.clone().into(), c.id.into()],
    ))
    .await?;
    let n = txn
        .execute_raw(Statement::from_sql_and_values(backend, c.codes, c.values))
        .await?
        .rows_affected();
    audit::record(
        txn,
        actor,
        Change::new(c.action, c.table, c.id.to_string()).after((c.after)(n)),
        now,
    )
    .await?;
    Ok(n)
}
