//! A fresh, migrated database for a test: SQLite in a temporary directory by default, or a new
//! PostgreSQL database when `YIQIAO_TEST_DATABASE_URL` names a server (`.ci/run` sets it to
//! a throw-away cluster of its own, so the whole suite runs once on each database).

use sea_orm::ConnectionTrait;

use crate::{Db, DbConfig, Migration, StoreError};

/// The environment variable that switches the test suite to PostgreSQL.
pub const TEST_DATABASE_URL: &str = "YIQIAO_TEST_DATABASE_URL";

/// A database that lives as long as the test. The SQLite file is removed on drop; PostgreSQL
/// databases stay in the throw-away cluster, which `.ci/run` deletes as a whole.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh database with these migrations applied.
    pub async fn new(migrations: &[Migration]) -> Result<TestDb, StoreError> {
        let t = Self::empty().await?;
        crate::migrate::run(&t.db, migrations).await?;
        Ok(t)
    }

    /// A fresh database with no schema.
    pub async fn empty() -> Result<TestDb, StoreError> {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(server) if !server.trim().is_empty() => {
                let admin = Db::connect(&DbConfig {
                    url: server.clone(),
                    max_connections: 2,
                })
                .await?;
                let name = format!("yq_test_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await?;
                let mut url = url::Url::parse(&server)
                    .map_err(|_| StoreError::BadUrl(crate::db::redact_url(&server)))?;
                url.set_path(&format!("/{name}"));
                let url = url.to_string();
                let db = Db::connect(&DbConfig {
                    url: url.clone(),
                    max_connections: 10,
                })
                .await?;
                Ok(TestDb {
                    db,
                    url,
                    _dir: None,
                })
            }
            _ => {
                let dir = tempfile::tempdir().map_err(|source| StoreError::DataDir {
                    path: std::env::temp_dir().display().to_string(),
                    source,
                })?;
                let url = Db::sqlite_url_in(dir.path());
                let db = Db::connect(&DbConfig {
                    url: url.clone(),
                    max_connections: 4,
                })
                .await?;
                Ok(TestDb {
                    db,
                    url,
                    _dir: Some(dir),
                })
            }
        }
    }
}
