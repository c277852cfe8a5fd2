//! yiqiao-tracecode's integration tests, on SQLite or on PostgreSQL when
//! `YIQIAO_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalogue;
mod demo;
mod dispense;
mod figures;
mod fixtures;
mod nhsa;
mod receipt;
mod split;
mod split_policy;
mod states;
mod supplier_return;
mod ward;
