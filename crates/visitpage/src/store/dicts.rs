//! The code tables in the database, versioned: an import is a new version in one transaction;
//! the newest version of each kind is the one the rules use.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::{dict_entry, dict_version};
use crate::domain::codes::{Dict, DictKind, Dicts};
use crate::error::VisitPageError;

/// What is being imported.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub kind: DictKind,
    /// e.g. "ICD-10 国家临床版 2.0".
    pub label: String,
    /// A sample table shipped for the demo (示例), not the hospital's official file.
    pub sample: bool,
    /// The file it came from.
    pub source: String,
    pub dict: &'a Dict,
}

/// Entries per INSERT (3 parameters each).
const BATCH: usize = 300;

/// Stores a new version of a table; returns its id.
pub async fn import(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
    v: NewVersion<'_>,
) -> Result<i64, VisitPageError> {
    let txn = db.begin_write().await?;
    let entries = i32::try_from(v.dict.len()).unwrap_or(i32::MAX);
    let row = dict_version::ActiveModel {
        id: ActiveValue::NotSet,
        kind: ActiveValue::Set(v.kind.key().to_string()),
        label: ActiveValue::Set(v.label.chars().take(128).collect()),
        sample: ActiveValue::Set(i32::from(v.sample)),
        source: ActiveValue::Set(v.source.chars().take(255).collect()),
        entries: ActiveValue::Set(entries),
        imported_at: ActiveValue::Set(at),
        imported_by: ActiveValue::Set(actor.name.chars().take(64).collect()),
    };
    let id = dict_version::Entity::insert(row)
        .exec(&txn)
        .await?
        .last_insert_id;
    let all: Vec<(&str, &str)> = v.dict.iter().collect();
    for chunk in all.chunks(BATCH) {
        let batch = chunk.iter().map(|(c, n)| dict_entry::ActiveModel {
            version_id: ActiveValue::Set(id),
            code: ActiveValue::Set((*c).to_string()),
            name: ActiveValue::Set((*n).to_string()),
        });
        dict_entry::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        Change::new("visitpage.dict.import", "visitpage_dict", v.kind.key()).after(json!({
            "version": id, "label": v.label, "sample": v.sample, "source": v.source,
            "entries": entries,
        })),
        at,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Every version, newest first.
pub async fn versions<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<dict_version::Model>, VisitPageError> {
    Ok(dict_version::Entity::find()
        .order_by_desc(dict_version::Column::Id)
        .all(conn)
        .await?)
}

/// The version in use of each kind (the newest).
pub async fn current_versions<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<dict_version::Model>, VisitPageError> {
    let mut out: Vec<dict_version::Model> = Vec::new();
    for v in versions(conn).await? {
        if !out.iter().any(|o| o.kind == v.kind) {
            out.push(v);
        }
    }
    Ok(out)
}

/// The tables in use, with the ids of their versions (a cache key).
pub async fn load_current<C: ConnectionTrait>(
    conn: &C,
) -> Result<(Vec<i64>, Dicts), VisitPageError> {
    let mut dicts = Dicts::none();
    let mut ids = Vec::new();
    for v in current_versions(conn).await? {
        let Some(kind) = DictKind::from_key(&v.kind) else {
            continue;
        };
        let pairs: Vec<(String, String)> = dict_entry::Entity::find()
            .filter(dict_entry::Column::VersionId.eq(v.id))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.code, e.name))
            .collect();
        dicts.insert(kind, Dict::from_pairs(pairs));
        ids.push(v.id);
    }
    ids.sort_unstable();
    Ok((ids, dicts))
}

/// The sample tables shipped for the demo (示例, not official): `(kind, label, csv)`.
pub const SAMPLES: &[(DictKind, &str, &str)] = &[
    (
        DictKind::Icd10,
        "示例 ICD-10（演示用，非官方）",
        include_str!("../../samples/icd10.csv"),
    ),
    (
        DictKind::Icd9Cm3,
        "示例 ICD-9-CM-3（演示用，非官方）",
        include_str!("../../samples/icd9cm3.csv"),
    ),
    (
        DictKind::TcmDisease,
        "示例 中医病名（演示编码，非 GB/T 15657 官方表）",
        include_str!("../../samples/tcm_disease.csv"),
    ),
    (
        DictKind::TcmSyndrome,
        "示例 中医证候（演示编码，非 GB/T 15657 官方表）",
        include_str!("../../samples/tcm_syndrome.csv"),
    ),
    (
        DictKind::Department,
        "示例 科室代码（演示医院）",
        include_str!("../../samples/department.csv"),
    ),
    (
        DictKind::Title,
        "示例 职称代码",
        include_str!("../../samples/title.csv"),
    ),
    (
        DictKind::Anesthesia,
        "示例 麻醉方式代码",
        include_str!("../../samples/anesthesia.csv"),
    ),
    (
        DictKind::Nationality,
        "示例 国籍（GB/T 2659 节选）",
        include_str!("../../samples/nationality.csv"),
    ),
    (
        DictKind::Ethnicity,
        "示例 民族（GB/T 3304）",
        include_str!("../../samples/ethnicity.csv"),
    ),
];

/// Imports every sample table (marked as samples); returns how many entries.
pub async fn import_samples(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<usize, VisitPageError> {
    let mut n = 0;
    for (kind, label, csv) in SAMPLES {
        let dict = crate::domain::codes::parse_dict_csv(csv)
            .map_err(|e| VisitPageError::Dict(format!("示例字典 {}：{e}", kind.key())))?;
        n += dict.len();
        import(
            db,
            at,
            actor,
            NewVersion {
                kind: *kind,
                label: (*label).to_string(),
                sample: true,
                source: format!("samples/{}", kind.file_name()),
                dict: &dict,
            },
        )
        .await?;
    }
    Ok(n)
}
