//! yiqiao-store's one integration-test binary. Runs on SQLite, or on PostgreSQL when
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `YIQIAO_TEST_DATABASE_URL` is set.

mod audit;
mod migrate;
mod outbox;

use yiqiao_store::testing::TestDb;

pub async fn test_db() -> TestDb {
    TestDb::new(&yiqiao_store::migrations())
        .await
        .expect("test database")
}
