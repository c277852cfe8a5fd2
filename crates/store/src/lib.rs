//! yiqiao-store — the database connection (SQLite or PostgreSQL), the migration runner, the
//! outbox of outgoing messages and the hash-chained audit log.
//!
//! Rule for writers: a transaction that reads before it writes must be opened with
//! [`Db::begin_write`], which on SQLite takes the write lock up front (`BEGIN IMMEDIATE`);
//! otherwise concurrent writers fail with "database is locked" (see NOTES.md).

pub mod audit;
pub mod db;
pub mod migrate;
pub mod outbox;
pub mod secret_key;
pub mod testing;

pub use db::{Backend, Db, DbConfig, StoreError, is_unique_violation};
pub use migrate::Migration;

/// The store's own schema: outbox and audit log.
pub fn migrations() -> Vec<Migration> {
    vec![
        Box::new(migrate::m0001_outbox::Up),
        Box::new(migrate::m0002_audit::Up),
    ]
}
