//! Storage of the HIS records: idempotent upserts keyed by the HIS's own ids, reads, and the
//! reference checks between records.
//!
//! An upsert compares the SHA-256 of the new record's canonical JSON with the stored one
//! (`content_hash`): equal means "unchanged" and nothing is written — no row, no audit entry.
//! Otherwise the references are checked, the record (and its child rows, replaced as a whole)
//! is written and one audit row (before/after) is appended, in the same transaction.

pub mod entities;
mod kinds;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement, Value as DbValue};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use yiqiao_core::FieldError;
use yiqiao_store::audit::{self, Actor, Change};
use yiqiao_store::{Db, is_unique_violation};

use crate::HisError;
use crate::domain::read::parse_id;
use crate::domain::{
    Charge, Department, Drug, InpatientCase, Kind, Patient, Prescription, Record, Ref, Staff,
    Visit, WardDispensing,
};

pub use kinds::Persist;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// A stored record with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped<R> {
    pub record: R,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who writes, when, and whether each record gets its own audit row.
#[derive(Debug, Clone)]
pub struct WriteCtx<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    /// `false` only for bulk loads that write one audit row per batch themselves (the demo).
    pub audit_each: bool,
}

/// Records known to exist, so that a batch in one transaction does not look them up again.
/// Only positive answers are kept (records are never deleted).
#[derive(Debug, Default)]
pub struct Known(HashSet<(Kind, String)>);

impl Known {
    pub fn new() -> Self {
        Self::default()
    }
    /// Notes that a record exists (it was just written).
    pub fn insert(&mut self, kind: Kind, id: &str) {
        self.0.insert((kind, id.to_owned()));
    }
    fn contains(&self, kind: Kind, id: &str) -> bool {
        self.0.contains(&(kind, id.to_owned()))
    }
}

/// The SHA-256 (hex) of a record's canonical JSON.
pub fn content_hash<R: Serialize>(record: &R) -> String {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// The stored hash of a record, if it exists.
pub async fn stored_hash<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    id: &str,
) -> Result<Option<String>, DbErr> {
    hash_of(conn, kind, id, false).await
}

/// The stored hash; with `lock`, the row is locked until the transaction ends (PostgreSQL
/// `FOR UPDATE`; on SQLite the write transaction holds the whole database already), so that
/// two updates of one record queue and each audit row's "before" is what it replaced.
async fn hash_of<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    id: &str,
    lock: bool,
) -> Result<Option<String>, DbErr> {
    let (table, key) = kind.table();
    let backend = conn.get_database_backend();
    let suffix = if lock && backend == sea_orm::DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT content_hash FROM {table} WHERE {key} = $1{suffix}"),
            [id.into()],
        ))
        .await?;
    row.map(|r| r.try_get::<String>("", "content_hash"))
        .transpose()
}

/// Whether a record exists.
pub async fn exists<C: ConnectionTrait>(conn: &C, kind: Kind, id: &str) -> Result<bool, DbErr> {
    Ok(stored_hash(conn, kind, id).await?.is_some())
}

/// The refusals for references that do not exist.
pub async fn check_refs<C: ConnectionTrait>(
    conn: &C,
    refs: &[Ref],
    known: &mut Known,
) -> Result<Vec<FieldError>, DbErr> {
    let mut wanted: BTreeMap<Kind, BTreeSet<&str>> = BTreeMap::new();
    for r in refs {
        if !known.contains(r.kind, &r.id) {
            wanted.entry(r.kind).or_default().insert(r.id.as_str());
        }
    }
    let backend = conn.get_database_backend();
    for (kind, ids) in wanted {
        let (table, key) = kind.table();
        let placeholders = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let values: Vec<DbValue> = ids.iter().map(|s| (*s).into()).collect();
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!("SELECT {key} FROM {table} WHERE {key} IN ({placeholders})"),
                values,
            ))
            .await?;
        for row in rows {
            let id: String = row.try_get("", key)?;
            known.insert(kind, &id);
        }
    }
    Ok(refs
        .iter()
        .filter(|r| !known.contains(r.kind, &r.id))
        .map(Ref::missing)
        .collect())
}

/// Upserts one record inside the caller's transaction (which should have been opened with
/// `Db::begin_write`). Refusals leave nothing written by this call.
pub async fn upsert_in<R: Persist, C: ConnectionTrait>(
    conn: &C,
    id: &str,
    record: &R,
    ctx: &WriteCtx<'_>,
    known: &mut Known,
) -> Result<Outcome, HisError> {
    let hash = content_hash(record);
    let stored = hash_of(conn, R::KIND, id, true).await?;
    if stored.as_deref() == Some(hash.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    let mut errors = check_refs(conn, &record.refs(), known).await?;
    if errors.is_empty() {
        errors = record.consistency(conn).await?;
    }
    if !errors.is_empty() {
        return Err(HisError::Invalid(errors));
    }
    let before = match stored {
        Some(_) => R::load(conn, id).await?,
        None => None,
    };
    let created_at = before.as_ref().map(|b| b.created_at);
    R::write(conn, id, record, &hash, ctx.now, created_at).await?;
    known.insert(R::KIND, id);
    let outcome = match &before {
        None => Outcome::Created,
        // The same record under a different hash (the canonical form changed between
        // versions): the hash was refreshed, but nothing a person would call a change.
        Some(b) if &b.record == record => return Ok(Outcome::Unchanged),
        Some(_) => Outcome::Updated,
    };
    if ctx.audit_each {
        let mut change = Change::new(R::KIND.action(), R::KIND.entity(), id).after(record);
        if let Some(b) = &before {
            change = change.before(&b.record);
        }
        audit::record(conn, ctx.actor, change, ctx.now).await?;
    }
    Ok(outcome)
}

/// Upserts one record in its own transaction, with its own audit row.
pub async fn upsert<R: Persist>(
    db: &Db,
    id: &str,
    record: &R,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Outcome, HisError> {
    // Unchanged records are answered without taking the write lock.
    let hash = content_hash(record);
    if stored_hash(db.conn(), R::KIND, id).await?.as_deref() == Some(hash.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    let ctx = WriteCtx {
        actor,
        now,
        audit_each: true,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = db.begin_write().await?;
        match upsert_in(&txn, id, record, &ctx, &mut Known::new()).await {
            Ok(outcome) => {
                txn.commit().await?;
                return Ok(outcome);
            }
            Err(e) => {
                txn.rollback().await?;
                match e {
                    // Two first sends of the same record raced (PostgreSQL): the second sees
                    // the first's row on a retry.
                    HisError::Db(ref db_err) if attempt < 3 && is_unique_violation(db_err) => {}
                    e => return Err(e),
                }
            }
        }
    }
}

/// Parses and upserts a raw JSON record of `kind` (what `PUT /his/v1/{kind}/{id}` does).
pub async fn upsert_value(
    db: &Db,
    kind: Kind,
    id: &str,
    raw: &Value,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Outcome, HisError> {
    let id =
        parse_id(&crate::domain::field(kind, "id"), id).map_err(|e| HisError::Invalid(vec![e]))?;
    macro_rules! go {
        ($t:ty) => {{
            let record = <$t>::parse(raw).map_err(HisError::Invalid)?;
            upsert(db, &id, &record, actor, now).await
        }};
    }
    match kind {
        Kind::Department => go!(Department),
        Kind::Staff => go!(Staff),
        Kind::Patient => go!(Patient),
        Kind::Drug => go!(Drug),
        Kind::Visit => go!(Visit),
        Kind::Charge => go!(Charge),
        Kind::Prescription => go!(Prescription),
        Kind::WardDispensing => go!(WardDispensing),
        Kind::InpatientCase => go!(InpatientCase),
    }
}

/// Reads one record.
pub async fn get<R: Persist, C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<Stamped<R>>, DbErr> {
    R::load(conn, id).await
}

/// Reads one record of `kind` as JSON (what `GET /his/v1/{kind}/{id}` answers with).
pub async fn get_value<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    id: &str,
) -> Result<Option<Stamped<Value>>, DbErr> {
    macro_rules! go {
        ($t:ty) => {{
            Ok(<$t>::load(conn, id).await?.map(|s| Stamped {
                record: serde_json::to_value(&s.record).unwrap_or(Value::Null),
                content_hash: s.content_hash,
                created_at: s.created_at,
                updated_at: s.updated_at,
            }))
        }};
    }
    match kind {
        Kind::Department => go!(Department),
        Kind::Staff => go!(Staff),
        Kind::Patient => go!(Patient),
        Kind::Drug => go!(Drug),
        Kind::Visit => go!(Visit),
        Kind::Charge => go!(Charge),
        Kind::Prescription => go!(Prescription),
        Kind::WardDispensing => go!(WardDispensing),
        Kind::InpatientCase => go!(InpatientCase),
    }
}

/// How many records of a kind are stored.
pub async fn count<C: ConnectionTrait>(conn: &C, kind: Kind) -> Result<i64, DbErr> {
    let (table, _) = kind.table();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?;
    match row {
        Some(r) => r.try_get::<i64>("", "n"),
        None => Ok(0),
    }
}
