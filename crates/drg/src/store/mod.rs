//! Grouping versions in the database: `yiqiao drg import` stores a version folder's tables, and
//! the server loads a [`Version`] back from them (compiled by the same code as a folder).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use yiqiao_store::audit::{self, Actor, Change};

use crate::domain::{TableError, Version, VersionFiles};

/// The module's tables, as SeaORM entities (one module per table).
pub mod entities {
    /// `drg_version`: a grouping version (分组方案版本) imported into the database.
    pub mod version {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "drg_version")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub name: String,
            pub drg_count: i64,
            pub imported_at: DateTimeUtc,
            pub imported_by: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// `drg_version_file`: the verbatim text of one file of a version folder.
    pub mod version_file {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "drg_version_file")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub version: String,
            #[sea_orm(primary_key, auto_increment = false)]
            pub file: String,
            #[sea_orm(column_type = "Text")]
            pub content: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// `drg_case_result`: the last check of a discharged case (病案室质控队列).
    pub mod case_result {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "drg_case_result")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub case_id: String,
            pub version: String,
            pub status: String,
            pub mdc: String,
            pub adrg: String,
            pub drg: String,
            pub errors: i32,
            pub warnings: i32,
            pub dept_code: String,
            pub discharged_at: DateTimeUtc,
            pub checked_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// `drg_case_finding`: one problem of a checked case.
    pub mod case_finding {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "drg_case_finding")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub case_id: String,
            #[sea_orm(primary_key, auto_increment = false)]
            pub seq: i32,
            pub rule: String,
            pub severity: String,
            pub field: String,
            pub message: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

pub mod checks;
pub mod ledger;
pub mod platform;
pub mod policy;

use entities::{version, version_file};

/// Why a version could not be stored or loaded.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库中没有分组方案「{0}」，请先用 yiqiao drg import 导入")]
    NotImported(String),
    #[error("数据库中的分组方案「{version}」缺少文件 {file}，请重新导入")]
    MissingFile { version: String, file: String },
    #[error("目录中的分组方案是「{found}」，不是所要求的「{wanted}」")]
    WrongVersion { wanted: String, found: String },
    #[error(transparent)]
    Load(#[from] crate::tables::LoadError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Policy(#[from] crate::domain::points::PolicyError),
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

impl yiqiao_core::Refusal for StoreError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        match self {
            StoreError::NotImported(_) => yiqiao_core::ErrorKind::NotFound,
            StoreError::MissingFile { .. }
            | StoreError::WrongVersion { .. }
            | StoreError::Table(_)
            | StoreError::Policy(_) => yiqiao_core::ErrorKind::Unprocessable,
            StoreError::Load(e) => yiqiao_core::Refusal::kind(e),
            StoreError::Db(_) => yiqiao_core::ErrorKind::Internal,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            StoreError::NotImported(_) => "DRG_VERSION_NOT_IMPORTED",
            StoreError::MissingFile { .. } => "DRG_VERSION_INCOMPLETE",
            StoreError::WrongVersion { .. } => "DRG_VERSION_MISMATCH",
            StoreError::Load(e) => yiqiao_core::Refusal::code(e),
            StoreError::Table(_) => "DRG_TABLE_INVALID",
            StoreError::Policy(e) => yiqiao_core::Refusal::code(e),
            StoreError::Db(_) => "DB_ERROR",
        }
    }
}

/// A version as listed: name, size, when and by whom it was imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredVersion {
    pub name: String,
    pub drg_count: i64,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// Store a version's files (already compiled, so only a valid version is stored), replacing an
/// earlier import of the same name. Call inside one write transaction (`Db::begin_write`):
/// the old files go and the new ones come together, audited with them.
pub async fn import<C: ConnectionTrait>(
    conn: &C,
    files: &VersionFiles,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<StoredVersion, StoreError> {
    let compiled = Version::compile(files)?;
    let name = compiled.name().to_owned();
    let drg_count = i64::try_from(compiled.drg_count()).unwrap_or(i64::MAX);
    let before = version::Entity::find_by_id(name.clone()).one(conn).await?;
    // Children first (their foreign key), then the version row, then the new children.
    version_file::Entity::delete_many()
        .filter(version_file::Column::Version.eq(name.clone()))
        .exec(conn)
        .await?;
    version::Entity::delete_by_id(name.clone())
        .exec(conn)
        .await?;
    version::Entity::insert(version::ActiveModel {
        name: Set(name.clone()),
        drg_count: Set(drg_count),
        imported_at: Set(now),
        imported_by: Set(actor.name.clone()),
    })
    .exec(conn)
    .await?;
    // One statement per file: the big lists are single text values, not thousands of rows.
    for file in VersionFiles::NAMES
        .into_iter()
        .chain(VersionFiles::OPTIONAL)
    {
        let content = files.get(file).unwrap_or("").to_owned();
        version_file::Entity::insert(version_file::ActiveModel {
            version: Set(name.clone()),
            file: Set(file.to_owned()),
            content: Set(content),
        })
        .exec(conn)
        .await?;
    }
    let mut change = Change::new("drg.version.import", "drg_version", name.clone());
    change.before = before.map(|b| {
        serde_json::json!({ "drg_count": b.drg_count, "imported_at": b.imported_at.to_rfc3339() })
    });
    change.after = Some(serde_json::json!({ "drg_count": drg_count }));
    audit::record(conn, actor, change, now).await?;
    Ok(StoredVersion {
        name,
        drg_count,
        imported_at: now,
        imported_by: actor.name.clone(),
    })
}

/// `yiqiao drg import DIR [--version NAME]`: read the version folder (`DIR` itself when it
/// holds `version.tsv`, else `DIR/NAME`, NAME defaulting to [`crate::DEFAULT_VERSION`]) and
/// store it in one transaction.
pub async fn import_folder(
    db: &yiqiao_store::Db,
    dir: &std::path::Path,
    wanted: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<StoredVersion, StoreError> {
    let folder = crate::tables::version_folder(dir, wanted.unwrap_or(crate::DEFAULT_VERSION));
    let files = crate::tables::read_files(&folder)?;
    if let Some(wanted) = wanted {
        let found = Version::compile(&files)?.name().to_owned();
        if found != wanted {
            return Err(StoreError::WrongVersion {
                wanted: wanted.to_owned(),
                found,
            });
        }
    }
    let txn = db.begin_write().await?;
    let stored = import(&txn, &files, actor, now).await?;
    txn.commit().await?;
    Ok(stored)
}

/// The files of an imported version, as they were imported.
pub async fn files<C: ConnectionTrait>(conn: &C, name: &str) -> Result<VersionFiles, StoreError> {
    if version::Entity::find_by_id(name.to_owned())
        .one(conn)
        .await?
        .is_none()
    {
        return Err(StoreError::NotImported(name.to_owned()));
    }
    let rows = version_file::Entity::find()
        .filter(version_file::Column::Version.eq(name))
        .all(conn)
        .await?;
    let mut files = VersionFiles::default();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        if let Some(slot) = files.get_mut(&row.file) {
            *slot = row.content;
            seen.insert(row.file);
        }
    }
    if let Some(missing) = VersionFiles::NAMES.iter().find(|f| !seen.contains(**f)) {
        return Err(StoreError::MissingFile {
            version: name.to_owned(),
            file: (*missing).to_owned(),
        });
    }
    Ok(files)
}

/// Load and compile an imported version.
pub async fn load<C: ConnectionTrait>(conn: &C, name: &str) -> Result<Version, StoreError> {
    Ok(Version::compile(&files(conn, name).await?)?)
}

/// The imported versions, by name.
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<StoredVersion>, StoreError> {
    Ok(version::Entity::find()
        .order_by_asc(version::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| StoredVersion {
            name: m.name,
            drg_count: m.drg_count,
            imported_at: m.imported_at,
            imported_by: m.imported_by,
        })
        .collect())
}
