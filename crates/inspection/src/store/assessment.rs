//! Security assessment findings in the database.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::OpsError;
use crate::domain::assessment::{FindingState, Risk};

pub mod finding {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_finding")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub year: i32,
        pub title: String,
        pub detail: String,
        pub risk: String,
        pub owner: String,
        pub remediation: String,
        pub check_note: String,
        pub state: String,
        pub carried_from: Option<i64>,
        pub recorded_by: String,
        pub remediated_at: Option<DateTimeUtc>,
        pub verified_at: Option<DateTimeUtc>,
        pub verified_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

impl finding::Model {
    pub fn risk_label(&self) -> &'static str {
        Risk::parse(&self.risk).map_or("", Risk::label)
    }
    pub fn state_label(&self) -> &'static str {
        FindingState::parse(&self.state).map_or("", FindingState::label)
    }
}

/// A finding as typed in.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FindingDraft {
    pub year: String,
    pub title: String,
    #[serde(default)]
    pub detail: String,
    pub risk: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub remediation: String,
}

pub async fn add_finding(
    db: &Db,
    d: &FindingDraft,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let year: i32 = d
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| OpsError::Bad(format!("年度「{}」不对", d.year.trim())))?;
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(OpsError::Bad("问题不能为空，最多 200 字".into()));
    }
    let risk = Risk::parse(&d.risk)
        .ok_or_else(|| OpsError::Bad(format!("风险等级「{}」应是 高/中/低", d.risk.trim())))?;
    let txn = db.begin_write().await?;
    let row = finding::ActiveModel {
        year: Set(year),
        title: Set(title.to_owned()),
        detail: Set(d.detail.trim().to_owned()),
        risk: Set(risk.code().to_owned()),
        owner: Set(d.owner.trim().chars().take(100).collect()),
        remediation: Set(d.remediation.trim().to_owned()),
        check_note: Set(String::new()),
        state: Set(FindingState::Open.code().to_owned()),
        carried_from: Set(None),
        recorded_by: Set(by.name.clone()),
        remediated_at: Set(None),
        verified_at: Set(None),
        verified_by: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        by,
        Change::new(
            "inspection.finding.create",
            "inspection_finding",
            row.id.to_string(),
        )
        .after(&row),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// The owner reports it remediated (open → remediated), or the staff verify the check
/// (remediated → verified). Conditional on the current state.
pub async fn advance(
    db: &Db,
    id: i64,
    to: FindingState,
    note: &str,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let from = match to {
        FindingState::Remediated => FindingState::Open,
        FindingState::Verified => FindingState::Remediated,
        FindingState::Open => return Err(OpsError::Bad("不能退回待整改".into())),
    };
    let txn = db.begin_write().await?;
    let mut q = finding::Entity::update_many()
        .col_expr(finding::Column::State, Expr::value(to.code()))
        .col_expr(finding::Column::UpdatedAt, Expr::value(now));
    q = match to {
        FindingState::Remediated => q
            .col_expr(finding::Column::RemediatedAt, Expr::value(now))
            .col_expr(
                finding::Column::Remediation,
                Expr::value(note.trim().to_owned()),
            ),
        _ => q
            .col_expr(finding::Column::VerifiedAt, Expr::value(now))
            .col_expr(finding::Column::VerifiedBy, Expr::value(by.name.clone()))
            .col_expr(
                finding::Column::CheckNote,
                Expr::value(note.trim().to_owned()),
            ),
    };
    let changed = q
        .filter(finding::Column::Id.eq(id))
        .filter(finding::Column::State.eq(from.code()))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(match finding::Entity::find_by_id(id).one(&txn).await? {
            None => OpsError::NotFound(format!("没有编号为 {id} 的评估问题")),
            Some(f) => OpsError::Conflict(format!(
                "问题当前为「{}」，不能改为「{}」",
                f.state_label(),
                to.label()
            )),
        });
    }
    audit::record(
        &txn,
        by,
        Change::new(
            "inspection.finding.advance",
            "inspection_finding",
            id.to_string(),
        )
        .after(serde_json::json!({"to": to.code(), "note": note.trim()})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Carry the year's findings not yet verified into the next year (结转). Running it again adds
/// nothing (unique key on year and origin). Returns how many were carried.
pub async fn carry_over(
    db: &Db,
    year: i32,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, OpsError> {
    let txn = db.begin_write().await?;
    let open = finding::Entity::find()
        .filter(finding::Column::Year.eq(year))
        .filter(finding::Column::State.ne(FindingState::Verified.code()))
        .all(&txn)
        .await?;
    let mut n = 0;
    for f in open {
        let inserted = finding::Entity::insert(finding::ActiveModel {
            year: Set(year + 1),
            title: Set(f.title.clone()),
            detail: Set(f.detail.clone()),
            risk: Set(f.risk.clone()),
            owner: Set(f.owner.clone()),
            remediation: Set(f.remediation.clone()),
            check_note: Set(String::new()),
            state: Set(f.state.clone()),
            carried_from: Set(Some(f.id)),
            recorded_by: Set(by.name.clone()),
            remediated_at: Set(f.remediated_at),
            verified_at: Set(None),
            verified_by: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([finding::Column::Year, finding::Column::CarriedFrom])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        n += inserted as usize;
    }
    audit::record(
        &txn,
        by,
        Change::new(
            "inspection.finding.carry",
            "inspection_finding",
            year.to_string(),
        )
        .after(serde_json::json!({"carried": n})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// A year's findings, highest risk first.
pub async fn findings<C: ConnectionTrait>(
    conn: &C,
    year: i32,
) -> Result<Vec<finding::Model>, OpsError> {
    let mut v = finding::Entity::find()
        .filter(finding::Column::Year.eq(year))
        .order_by_asc(finding::Column::Id)
        .all(conn)
        .await?;
    v.sort_by_key(|f| Risk::parse(&f.risk).unwrap_or(Risk::Low));
    Ok(v)
}
