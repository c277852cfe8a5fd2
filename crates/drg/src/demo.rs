//! The demo hospital's DRG data: the default grouping version imported from the shared rule
//! data (when it is there) and the first check of the demo's discharged cases.

use std::path::Path;

use chrono::{DateTime, Utc};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::store::{self, StoreError};

/// Import [`crate::DEFAULT_VERSION`] from `data_dir` (the folder holding version folders,
/// e.g. `../shared/data/drg`) and check the discharged cases. Without the folder nothing is
/// imported and the summary says so: the rule tables are never part of the project.
pub async fn load(db: &Db, data_dir: &Path, now: DateTime<Utc>) -> Result<String, StoreError> {
    let folder = data_dir.join(crate::DEFAULT_VERSION);
    if !folder.join("version.tsv").is_file() {
        return Ok(format!(
            "未找到分组方案数据 {}，未导入（可稍后执行 yiqiao drg import）",
            folder.display()
        ));
    }
    let actor = Actor::system("demo");
    let stored =
        store::import_folder(db, &folder, Some(crate::DEFAULT_VERSION), &actor, now).await?;
    let version = store::load(&**db, &stored.name).await?;
    let run = store::checks::run(db, &version, &actor, now).await?;
    let years = policy_years(db, &actor, now).await?;
    Ok(format!(
        "分组方案 {}（{} 组）；{run}；{years}",
        stored.name, stored.drg_count
    ))
}

/// Demo policy years (演示用年度政策) for the years the demo's discharges fall in, unless the
/// office has entered them: benchmark points computed from the demo's own history (the same
/// computation as the policy page's), an estimated point value of 98 % of the average cost per
/// point, and common Zhejiang parameters. Demo data, not policy: the office enters the real one.
async fn policy_years(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<String, StoreError> {
    use crate::domain::ledger;
    use crate::domain::points::{
        Coefficient, PointValue, PointValueSource, PolicyTerms, PolicyYear, parse_bands,
    };
    use chrono::Datelike;
    let this = now.with_timezone(&yiqiao_core::time::shanghai()).year();
    let from = store::ledger::year_start(this - 1);
    let history = store::ledger::history(&**db, from, now).await?;
    if history.is_empty() {
        return Ok("无入组病例，未生成演示年度政策".into());
    }
    let rows = ledger::benchmarks(history.iter().map(|(d, c)| (d.as_str(), *c)));
    let total: i128 = history.iter().map(|(_, c)| i128::from(c.0)).sum();
    let average = total / history.len().max(1) as i128;
    // 分 per point with four decimals: average cost (分) ÷ 100 points × 0.98.
    let point_value = i64::try_from(average * 98).unwrap_or(i64::MAX);
    let mut made = Vec::new();
    for year in [this - 1, this] {
        if store::policy::load(&**db, year).await?.is_some() {
            continue;
        }
        let one = Coefficient::ONE;
        let terms = PolicyTerms {
            year,
            hospital_coefficient: one,
            high_bands: parse_bands("100=3;200=2.5;*=2")?,
            high_addition: one,
            low_multiple: Coefficient::from_raw(4_000),
            low_coefficient: one,
            extreme_multiple: Coefficient::from_raw(50_000),
            min_group_cases: 5,
            readmission_days: 15,
            point_value: PointValueSource::Entered(PointValue::from_raw(point_value)),
        };
        let p = PolicyYear::new(terms, ledger::rates_of(&rows))?;
        store::policy::save(db, &p, actor, now).await?;
        made.push(year.to_string());
    }
    Ok(if made.is_empty() {
        "年度政策已存在，未改动".into()
    } else {
        format!(
            "演示年度政策 {}（{} 个病组的基准点数按演示历史测算）",
            made.join("、"),
            rows.len()
        )
    })
}
