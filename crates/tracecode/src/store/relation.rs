//! Parent–child code relations in the database: imported all or none; a child belongs to one
//! parent (the unique index decides); looked up when a case code is scanned on a receipt.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use yiqiao_core::FieldError;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::relation;
use crate::TraceError;
use crate::domain::relation::RelationRow;

/// What a relation import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationSummary {
    pub rows: usize,
    /// Parent codes in the file.
    pub parents: usize,
    pub added: usize,
    /// Relations already known exactly so (importing a file twice changes nothing).
    pub unchanged: usize,
}

/// Imports relations in one transaction: all rows or none. A child already under another
/// parent fails its row.
pub async fn import(
    db: &Db,
    rows: &[RelationRow],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<RelationSummary, TraceError> {
    let txn = db.begin_write().await?;
    let mut errors = Vec::new();
    let mut summary = RelationSummary {
        rows: rows.len(),
        parents: 0,
        added: 0,
        unchanged: 0,
    };
    let mut parents = std::collections::HashSet::new();
    for r in rows {
        let (parent, child) = (r.parent.key(), r.child.key());
        parents.insert(parent.clone());
        let added = relation::Entity::insert(relation::ActiveModel {
            parent_key: Set(parent.clone()),
            child_key: Set(child.clone()),
            child_raw: Set(r.child_raw.chars().take(300).collect()),
            imported_at: Set(now),
            imported_by: Set(actor.name.clone()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(relation::Column::ChildKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if added == 1 {
            summary.added += 1;
            continue;
        }
        let existing = relation::Entity::find()
            .filter(relation::Column::ChildKey.eq(&child))
            .one(&txn)
            .await?;
        match existing {
            Some(e) if e.parent_key == parent => summary.unchanged += 1,
            Some(e) => errors.push(FieldError::new(
                format!("第 {} 行", r.line),
                format!("子码 {child} 已属于父码 {}", e.parent_key),
            )),
            None => errors.push(FieldError::new(
                format!("第 {} 行", r.line),
                format!("子码 {child} 正被同时导入，请重试"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(TraceError::Import(errors));
    }
    summary.parents = parents.len();
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.relation.import", "trace_code_relation", "").after(
            serde_json::json!({"rows": summary.rows, "added": summary.added,
                "parents": summary.parents}),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(summary)
}

/// The child codes of a parent, as imported (oldest first); empty when none are known.
pub async fn children_of<C: ConnectionTrait>(
    conn: &C,
    parent_key: &str,
) -> Result<Vec<String>, DbErr> {
    Ok(relation::Entity::find()
        .filter(relation::Column::ParentKey.eq(parent_key))
        .order_by_asc(relation::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.child_raw)
        .collect())
}
