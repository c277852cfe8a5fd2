//! The demo hospital's DRG data: every grouping version found in the shared rule data imported
//! (read from there, never copied into the project), so the `[drg] version` switch works in the
//! demo, and the first check of the demo's discharged cases with the version in use.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::store::{self, StoreError};

/// [`load_for`] with [`crate::DEFAULT_VERSION`] in use.
pub async fn load(db: &Db, data_dir: &Path, now: DateTime<Utc>) -> Result<String, StoreError> {
    load_for(db, data_dir, crate::DEFAULT_VERSION, now).await
}

/// The version folders under `data_dir` (those holding `version.tsv`), by name.
pub fn version_folders(data_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(data_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("version.tsv").is_file())
        .collect();
    out.sort();
    out
}

/// Imports every version folder under `data_dir` (e.g. `../shared/data/drg`: `zj-drg-2022`
/// and `chs-drg-1.1`) and checks the discharged cases with `in_use` (the configured version;
/// the default, or the first found, when `in_use` is not among them). Without any folder
/// nothing is imported and the summary says so: the rule tables are never part of the project.
pub async fn load_for(
    db: &Db,
    data_dir: &Path,
    in_use: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let folders = version_folders(data_dir);
    if folders.is_empty() {
        return Ok(format!(
            "未找到分组方案数据 {}，未导入（可稍后执行 yiqiao drg import）",
            data_dir.join(crate::DEFAULT_VERSION).display()
        ));
    }
    let actor = Actor::system("demo");
    let mut stored = Vec::new();
    for folder in &folders {
        stored.push(store::import_folder(db, folder, None, &actor, now).await?);
    }
    let Some(name) = [in_use, crate::DEFAULT_VERSION]
        .into_iter()
        .find(|n| stored.iter().any(|s| s.name == *n))
        .map(str::to_owned)
        .or_else(|| stored.first().map(|s| s.name.clone()))
    else {
        return Ok("未导入分组方案".into());
    };
    let version = store::load(&**db, &name).await?;
    let run = store::checks::run(db, &version, &actor, now).await?;
    let years = policy_years(db, &actor, now).await?;
    let versions: Vec<String> = stored
        .iter()
        .map(|s| {
            let mark = if s.name == name { "，使用中" } else { "" };
            format!("{}（{} 组{mark}）", s.name, s.drg_count)
        })
        .collect();
    Ok(format!("分组方案 {}；{run}；{years}", versions.join("、")))
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
