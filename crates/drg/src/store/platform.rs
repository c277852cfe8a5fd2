//! The provincial platform's results (省平台分组结果) in the database, and the reconciliation
//! with the local pre-grouping.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use yiqiao_his::store::entities::inpatient_case;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::StoreError;
use super::entities::case_result;
use crate::domain::points::Points;
use crate::domain::reconcile::{self, Local, PlatformRow, Reconciliation, RowError};

/// `drg_platform_result`: one case as the platform grouped it.
pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "drg_platform_result")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: String,
        pub drg: String,
        pub points: Option<i64>,
        pub source: String,
        pub imported_by: String,
        pub imported_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const CHUNK: usize = 500;

/// A file that could not be read as a table at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("无法读取 xlsx 文件：{0}")]
    Xlsx(String),
    /// Not a zip archive at all: an old .xls, a renamed CSV, or a damaged file.
    #[error("文件不是 xlsx 表格（旧版 .xls 请在 Excel 中另存为 .xlsx）")]
    NotXlsx,
    #[error("文件不是 UTF-8 编码的 CSV（请另存为「CSV UTF-8」）")]
    Encoding,
}

impl yiqiao_core::Refusal for FileError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::Unprocessable
    }
    fn code(&self) -> &'static str {
        "DRG_PLATFORM_FILE_INVALID"
    }
}

/// The first sheet of an xlsx workbook as rows of text cells.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    use calamine::Reader;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(FileError::NotXlsx);
    }
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| FileError::Xlsx(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| FileError::Xlsx("工作簿中没有工作表".into()))?
        .map_err(|e| FileError::Xlsx(e.to_string()))?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect())
}

/// A file's rows: xlsx when it starts like a zip archive, else UTF-8 CSV.
pub fn file_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    if bytes.starts_with(b"PK\x03\x04") {
        xlsx_rows(bytes)
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| FileError::Encoding)?;
        Ok(reconcile::csv_rows(text))
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub rows: usize,
    /// Rows refused, by line; the others were stored.
    pub errors: Vec<RowError>,
}

/// Stores the platform's rows (replacing earlier results of the same cases), audited, in one
/// transaction. A row naming a settlement id (结算ID) of a HIS case is stored under the case.
pub async fn import(
    db: &Db,
    rows: Vec<PlatformRow>,
    errors: Vec<RowError>,
    source: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Imported, StoreError> {
    let txn = db.begin_write().await?;
    let wanted: Vec<String> = rows.iter().map(|r| r.case_id.clone()).collect();
    let mut by_setl: HashMap<String, String> = HashMap::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for chunk in wanted.chunks(CHUNK) {
        for c in inpatient_case::Entity::find()
            .filter(inpatient_case::Column::Id.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            known.insert(c.id);
        }
        for c in inpatient_case::Entity::find()
            .filter(inpatient_case::Column::SetlId.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            if let Some(s) = c.setl_id {
                by_setl.insert(s, c.id);
            }
        }
    }
    let n = rows.len();
    let models: Vec<entity::ActiveModel> = rows
        .into_iter()
        .map(|r| {
            let id = if known.contains(&r.case_id) {
                r.case_id
            } else {
                by_setl.get(&r.case_id).cloned().unwrap_or(r.case_id)
            };
            entity::ActiveModel {
                case_id: Set(id),
                drg: Set(r.drg.chars().take(10).collect()),
                points: Set(r.points.map(Points::raw)),
                source: Set(source.chars().take(200).collect()),
                imported_by: Set(actor.name.clone()),
                imported_at: Set(now),
            }
        })
        .collect();
    let mut it = models.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(CHUNK).collect();
        entity::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::column(entity::Column::CaseId)
                    .update_columns([
                        entity::Column::Drg,
                        entity::Column::Points,
                        entity::Column::Source,
                        entity::Column::ImportedBy,
                        entity::Column::ImportedAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    let mut change = Change::new("drg.platform.import", "drg_platform_result", source);
    change.after = Some(serde_json::json!({ "rows": n, "refused": errors.len() }));
    audit::record(&txn, actor, change, now).await?;
    txn.commit().await?;
    Ok(Imported { rows: n, errors })
}

/// The platform's results, by case id.
pub async fn rows<C: ConnectionTrait>(conn: &C) -> Result<Vec<entity::Model>, DbErr> {
    entity::Entity::find()
        .order_by_asc(entity::Column::CaseId)
        .all(conn)
        .await
}

/// Compares every imported platform result with the local pre-grouping (the checks' stored
/// result) and the points priced locally for the case's year.
pub async fn reconcile<C: ConnectionTrait>(conn: &C) -> Result<Reconciliation, StoreError> {
    let platform = rows(conn).await?;
    let ids: Vec<String> = platform.iter().map(|r| r.case_id.clone()).collect();
    let mut local: HashMap<String, Local> = HashMap::new();
    let mut years = BTreeSet::new();
    for chunk in ids.chunks(CHUNK) {
        for r in case_result::Entity::find()
            .filter(case_result::Column::CaseId.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?
        {
            years.insert(chrono::Datelike::year(
                &r.discharged_at
                    .with_timezone(&yiqiao_core::time::shanghai()),
            ));
            local.insert(
                r.case_id,
                Local {
                    drg: r.drg,
                    points: None,
                },
            );
        }
    }
    for y in years {
        for p in super::ledger::priced(conn, y).await? {
            if let Some(l) = local.get_mut(&p.case.case_id) {
                l.points = p.points;
            }
        }
    }
    let rows: Vec<PlatformRow> = platform
        .into_iter()
        .map(|r| PlatformRow {
            case_id: r.case_id,
            drg: r.drg,
            points: r.points.map(Points::from_raw),
        })
        .collect();
    Ok(reconcile::compare(&rows, &local))
}

/// When the platform's results were last imported, and from which file.
pub async fn last_import<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<(String, DateTime<Utc>)>, DbErr> {
    Ok(entity::Entity::find()
        .order_by_desc(entity::Column::ImportedAt)
        .one(conn)
        .await?
        .map(|r| (r.source, r.imported_at)))
}
