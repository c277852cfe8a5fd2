//! Policy years (年度付费政策) in the database: saved from the insurance office's page, loaded
//! back through the same domain checks.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};
use yiqiao_core::Fen;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::StoreError;
use crate::domain::points::{
    Coefficient, PointValue, PointValueSource, Points, PolicyTerms, PolicyYear, bands_text,
    parse_bands, parse_rates,
};

/// `drg_policy_year`: one policy year's parameters and its DRG rate table.
pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "drg_policy_year")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        pub hospital_coefficient: i64,
        pub high_bands: String,
        pub high_addition: i64,
        pub low_multiple: i64,
        pub low_coefficient: i64,
        pub extreme_multiple: i64,
        pub min_group_cases: i32,
        pub readmission_days: i32,
        pub point_value: Option<i64>,
        pub budget: Option<i64>,
        pub total_points: Option<i64>,
        #[sea_orm(column_type = "Text")]
        pub rates: String,
        pub updated_by: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored year as listed on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredYear {
    pub year: i32,
    pub drg_count: usize,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn model(p: &PolicyYear, actor: &Actor, now: DateTime<Utc>) -> entity::ActiveModel {
    let t = p.terms();
    let (point_value, budget, total_points) = match t.point_value {
        PointValueSource::Entered(v) => (Some(v.raw()), None, None),
        PointValueSource::Budget {
            budget,
            total_points,
        } => (None, Some(budget.0), Some(total_points.raw())),
    };
    entity::ActiveModel {
        year: Set(t.year),
        hospital_coefficient: Set(t.hospital_coefficient.raw()),
        high_bands: Set(bands_text(&t.high_bands)),
        high_addition: Set(t.high_addition.raw()),
        low_multiple: Set(t.low_multiple.raw()),
        low_coefficient: Set(t.low_coefficient.raw()),
        extreme_multiple: Set(t.extreme_multiple.raw()),
        min_group_cases: Set(to_i32(t.min_group_cases)),
        readmission_days: Set(to_i32(t.readmission_days)),
        point_value: Set(point_value),
        budget: Set(budget),
        total_points: Set(total_points),
        rates: Set(p.rates_text()),
        updated_by: Set(actor.name.clone()),
        updated_at: Set(now),
    }
}

fn year_of(m: entity::Model) -> Result<PolicyYear, StoreError> {
    let point_value = match (m.point_value, m.budget, m.total_points) {
        (Some(v), _, _) => PointValueSource::Entered(PointValue::from_raw(v)),
        (None, Some(b), Some(t)) => PointValueSource::Budget {
            budget: Fen(b),
            total_points: Points::from_raw(t),
        },
        _ => return Err(crate::domain::points::PolicyError::PointValueMissing.into()),
    };
    let terms = PolicyTerms {
        year: m.year,
        hospital_coefficient: Coefficient::from_raw(m.hospital_coefficient),
        high_bands: parse_bands(&m.high_bands)?,
        high_addition: Coefficient::from_raw(m.high_addition),
        low_multiple: Coefficient::from_raw(m.low_multiple),
        low_coefficient: Coefficient::from_raw(m.low_coefficient),
        extreme_multiple: Coefficient::from_raw(m.extreme_multiple),
        min_group_cases: u32::try_from(m.min_group_cases).unwrap_or(0),
        readmission_days: u32::try_from(m.readmission_days).unwrap_or(0),
        point_value,
    };
    Ok(PolicyYear::new(terms, parse_rates(&m.rates)?)?)
}

/// Saves a year, replacing what was entered before for it, audited, in one transaction.
pub async fn save(
    db: &Db,
    year: &PolicyYear,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let txn = db.begin_write().await?;
    let before = entity::Entity::find_by_id(year.terms().year)
        .one(&txn)
        .await?;
    entity::Entity::insert(model(year, actor, now))
        .on_conflict(
            OnConflict::column(entity::Column::Year)
                .update_columns([
                    entity::Column::HospitalCoefficient,
                    entity::Column::HighBands,
                    entity::Column::HighAddition,
                    entity::Column::LowMultiple,
                    entity::Column::LowCoefficient,
                    entity::Column::ExtremeMultiple,
                    entity::Column::MinGroupCases,
                    entity::Column::ReadmissionDays,
                    entity::Column::PointValue,
                    entity::Column::Budget,
                    entity::Column::TotalPoints,
                    entity::Column::Rates,
                    entity::Column::UpdatedBy,
                    entity::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    let t = year.terms();
    let mut change = Change::new("drg.policy.save", "drg_policy_year", t.year.to_string());
    change.before = before.map(|b| {
        serde_json::json!({ "point_value": b.point_value, "budget": b.budget,
            "total_points": b.total_points, "hospital_coefficient": b.hospital_coefficient })
    });
    change.after = Some(serde_json::json!({
        "point_value": year.point_value().raw(),
        "hospital_coefficient": t.hospital_coefficient.raw(),
        "drg_count": year.drgs().count(),
    }));
    audit::record(&txn, actor, change, now).await?;
    txn.commit().await?;
    Ok(())
}

/// A stored year, `None` when the office has not entered it.
pub async fn load<C: ConnectionTrait>(
    conn: &C,
    year: i32,
) -> Result<Option<PolicyYear>, StoreError> {
    entity::Entity::find_by_id(year)
        .one(conn)
        .await?
        .map(year_of)
        .transpose()
}

/// The stored years, latest first.
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<StoredYear>, StoreError> {
    Ok(entity::Entity::find()
        .order_by_desc(entity::Column::Year)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| StoredYear {
            year: m.year,
            drg_count: m.rates.lines().filter(|l| !l.trim().is_empty()).count(),
            updated_by: m.updated_by,
            updated_at: m.updated_at,
        })
        .collect())
}
