//! The demo hospital's trace data: every coded drug of the demo catalogue gets a 7-digit
//! identification code for its smallest package and one for its case; herbal pieces are
//! exempt. Deterministic: derived from the drugs' order by code.

use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, QueryOrder};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::TraceError;
use crate::domain::catalogue::{IdentCode, ImportRow, NewIdent, PackLevel, PolicySetting};
use crate::store::catalogue as cat;

/// How many smallest packages a demo case holds.
pub const DEMO_BOXES_PER_CASE: i64 = 40;

/// What the demo loader did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTrace {
    pub mapped: usize,
    pub exempt: usize,
}

impl std::fmt::Display for DemoTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "已对照标识码的药品 {}、免扫（中药饮片）{}",
            self.mapped, self.exempt
        )
    }
}

/// The smallest-package identification code of the demo drug at `index`: `86` + 5 digits.
pub fn demo_prefix(index: usize) -> String {
    format!("86{:05}", index % 100_000)
}

/// The case code of the demo drug at `index`: `87` + 5 digits.
pub fn demo_case_prefix(index: usize) -> String {
    format!("87{:05}", index % 100_000)
}

/// Loads the demo's trace data over the demo HIS catalogue (call after the HIS demo).
pub async fn load(db: &Db, now: DateTime<Utc>) -> Result<DemoTrace, TraceError> {
    use yiqiao_his::store::entities::drug;
    let actor = Actor::system("demo");
    let drugs = drug::Entity::find()
        .order_by_asc(drug::Column::Code)
        .all(&**db)
        .await?;
    let mut rows = Vec::new();
    let mut exempt = 0;
    let herbal = PolicySetting {
        policy: crate::domain::catalogue::TracePolicy::ExemptHerbal,
        reason: Some("中药饮片，无追溯码".into()),
    };
    for (i, d) in drugs.iter().enumerate() {
        if d.category == "herbal" {
            cat::set_policy(db, &d.code, &herbal, &actor, now).await?;
            exempt += 1;
            continue;
        }
        for (code, level, units) in [
            (demo_prefix(i), PackLevel::Smallest, d.pack_size),
            (
                demo_case_prefix(i),
                PackLevel::Case,
                d.pack_size.saturating_mul(DEMO_BOXES_PER_CASE),
            ),
        ] {
            rows.push(ImportRow {
                line: rows.len() + 2,
                drug_code: d.code.clone(),
                ident: NewIdent {
                    code: IdentCode::parse(&code)?,
                    level,
                    units,
                },
            });
        }
    }
    let mapped = rows.len() / 2;
    if !rows.is_empty() {
        cat::import_idents(db, &rows, &actor, now).await?;
    }
    Ok(DemoTrace { mapped, exempt })
}
