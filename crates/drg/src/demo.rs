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
    Ok(format!(
        "分组方案 {}（{} 组）；{run}",
        stored.name, stored.drg_count
    ))
}
