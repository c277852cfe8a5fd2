//! The one migration runner. Each crate contributes its migrations (one per file, named after
//! it); the binary runs them all in crate order: store, his, then the modules.
//!
//! Our own runner rather than `MigratorTrait`, whose list is a static function: composing lists
//! from several crates (and giving each crate's tests just the schema they need) is simpler as
//! data. Every migration runs in a transaction on both databases, so a failing one leaves no
//! partial schema on SQLite either.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use sea_orm_migration::{MigrationTrait, SchemaManager};

use crate::Db;

pub mod m0001_outbox;
pub mod m0002_audit;

/// One migration, boxed so lists from several crates can be joined.
pub type Migration = Box<dyn MigrationTrait>;

/// What `run` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub applied: Vec<String>,
    pub already: usize,
}

/// Apply every migration not yet applied, in the given order.
pub async fn run(db: &Db, migrations: &[Migration]) -> Result<Applied, DbErr> {
    let backend = db.db_backend();
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS yiqiao_migration (name VARCHAR(200) NOT NULL PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)",
    )
    .await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM yiqiao_migration",
        ))
        .await?;
    let mut done = std::collections::HashSet::new();
    for row in rows {
        done.insert(row.try_get::<String>("", "name")?);
    }
    let mut out = Applied::default();
    for m in migrations {
        let name = m.name().to_owned();
        if done.contains(&name) {
            out.already += 1;
            continue;
        }
        let txn = db.begin_write().await?;
        {
            let manager = SchemaManager::new(&txn);
            m.up(&manager).await?;
        }
        // Another node may have raced us here; the primary key makes that an error, rolled back.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO yiqiao_migration (name, applied_at) VALUES ($1, $2)",
            [name.clone().into(), Utc::now().to_rfc3339().into()],
        ))
        .await?;
        txn.commit().await?;
        tracing::info!(migration = %name, "applied");
        out.applied.push(name);
    }
    Ok(out)
}
