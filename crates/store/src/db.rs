//! Opening the database: the embedded SQLite file or PostgreSQL by URL.

use std::path::Path;
use std::time::Duration;

use sea_orm::SqliteTransactionMode;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, DatabaseConnection, DatabaseTransaction, DbErr, SqlErr, TransactionOptions,
    TransactionTrait,
};
use yiqiao_core::{ErrorKind, Refusal};

/// Which database is behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `sqlite://path/to/file.db` or `postgres://user:pass@host:port/db`.
    pub url: String,
    /// Pool size. SQLite writes are serialised by the file lock whatever this is.
    pub max_connections: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库地址无效：{0}（应为 sqlite://文件 或 postgres://…）")]
    BadUrl(String),
    #[error("无法创建数据目录 {path}：{source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

impl Refusal for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::BadUrl(_) => ErrorKind::BadRequest,
            StoreError::DataDir { .. } | StoreError::Db(_) => ErrorKind::Internal,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            StoreError::BadUrl(_) => "BAD_DATABASE_URL",
            StoreError::DataDir { .. } => "DATA_DIR",
            StoreError::Db(_) => "DATABASE",
        }
    }
}

/// The database handle every module receives. Cheap to clone (a pool inside).
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
}

impl std::ops::Deref for Db {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        &self.conn
    }
}

impl Db {
    /// The URL of the embedded database inside a data directory.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("yiqiao.db").display())
    }

    pub async fn connect(config: &DbConfig) -> Result<Db, StoreError> {
        let url = config.url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            // The URL carries only the open mode; the pragmas go through sqlx (NOTES.md).
            let mut opts = ConnectOptions::new(format!("sqlite://{path}?mode=rwc"));
            opts.max_connections(config.max_connections.max(1))
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                });
            let conn = sea_orm::Database::connect(opts).await?;
            Ok(Db {
                conn,
                backend: Backend::Sqlite,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opts = ConnectOptions::new(url.to_owned());
            opts.max_connections(config.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .sqlx_logging(false);
            let conn = sea_orm::Database::connect(opts).await?;
            Ok(Db {
                conn,
                backend: Backend::Postgres,
            })
        } else {
            Err(StoreError::BadUrl(redact_url(url)))
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// A transaction that will write. On SQLite it takes the write lock at `BEGIN`, so a
    /// transaction that reads first cannot fail later with "database is locked".
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }

    /// The `DbBackend` for raw statements.
    pub fn db_backend(&self) -> sea_orm::DbBackend {
        self.conn.get_database_backend()
    }
}

/// A URL fit for an error message or a log: the password is replaced.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Did this write lose to a unique constraint? The database decides races (ARCHITECTURE.md).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Did this write point at a row that does not exist?
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// An online copy of the SQLite database (`VACUUM INTO`): consistent while the server runs.
pub async fn backup_sqlite(db: &Db, file: &Path) -> Result<(), StoreError> {
    use sea_orm::ConnectionTrait;
    if file.exists() {
        return Err(StoreError::DataDir {
            path: file.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "文件已存在"),
        });
    }
    let path = file.display().to_string().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{path}'"))
        .await?;
    Ok(())
}
