#![allow(clippy::unwrap_used, clippy::expect_used)]
//! yiqiao-his's one integration-test binary: the feed's routes on a real 127.0.0.1 listener,
//! spoken to with reqwest. Runs on SQLite, or on PostgreSQL when `YIQIAO_TEST_DATABASE_URL`
//! is set.

mod batch;
mod clients;
mod demo;
mod fixtures;
mod refusals;
mod upsert;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use yiqiao_core::time::ManualClock;
use yiqiao_his::{HisState, routes};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

/// 2026-11-30 10:00 in Beijing.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

pub fn migrations() -> Vec<yiqiao_store::Migration> {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m
}

pub async fn test_db() -> TestDb {
    TestDb::new(&migrations()).await.expect("test database")
}

/// The feed served on a free local port, with one HIS client.
pub struct Server {
    pub base: String,
    pub db: Db,
    pub token: String,
    pub http: reqwest::Client,
    pub _t: TestDb,
}

pub async fn server() -> Server {
    let t = test_db().await;
    let (_, token) =
        yiqiao_his::clients::create(t.db.conn(), "his-main", &Actor::person("admin"), now())
            .await
            .unwrap();
    let state = HisState {
        db: t.db.clone(),
        clock: Arc::new(ManualClock::new(now())),
    };
    let (router, _) = routes(state).into_parts();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        db: t.db.clone(),
        token,
        http: reqwest::Client::new(),
        _t: t,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `PUT /his/v1/{kind}/{id}` with a JSON body.
    pub async fn put(&self, kind: &str, id: &str, body: &Value) -> (StatusCode, Value) {
        self.put_raw(kind, id, body.to_string()).await
    }

    pub async fn put_raw(&self, kind: &str, id: &str, body: String) -> (StatusCode, Value) {
        let res = self
            .http
            .put(self.url(&format!("/his/v1/{kind}/{id}")))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    pub async fn get(&self, kind: &str, id: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(self.url(&format!("/his/v1/{kind}/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    pub async fn batch(&self, body: String) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url("/his/v1/batch"))
            .bearer_auth(&self.token)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    pub async fn count(&self, sql_table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.db_backend(),
                format!("SELECT COUNT(*) AS n FROM {sql_table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    pub async fn audit_rows(&self) -> i64 {
        self.count("audit_log").await
    }
}
