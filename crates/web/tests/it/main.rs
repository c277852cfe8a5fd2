//! yiqiao-web's one integration-test binary: the whole server on a real 127.0.0.1 port, over
//! real HTTP, on SQLite or (with `YIQIAO_TEST_DATABASE_URL`) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod browser_scan;
mod people;
mod roles;
mod server;
mod staff_link;
mod tracecode;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use yiqiao_core::Role;
use yiqiao_core::time::{Clock, ManualClock};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;
use yiqiao_web::Config;
use yiqiao_web::server::Running;

pub const PASSWORD: &str = "test2026pass";

pub struct TestApp {
    pub base: String,
    pub t: TestDb,
    pub clock: Arc<ManualClock>,
    pub running: Option<Running>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (so tests see them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn add_user(&self, username: &str, roles: &[Role]) {
        let txn = self.t.db.begin_write().await.unwrap();
        yiqiao_web::auth::store::create_user(
            &txn,
            username,
            username,
            PASSWORD,
            roles,
            &Actor::system("test"),
            self.clock.now(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }

    /// Put a licensed pharmacist on the HIS staff list (department `dept_code` must exist) and
    /// link `username`'s account to her, as the administrator does for whoever dispenses.
    pub async fn link_pharmacist(&self, username: &str, staff_code: &str, dept_code: &str) {
        yiqiao_his::store::upsert_value(
            &self.t.db,
            yiqiao_his::domain::Kind::Staff,
            staff_code,
            &serde_json::json!({"name": format!("药师{staff_code}"), "role": "pharmacist",
                "dept_code": dept_code, "title": "主管药师",
                "licence_no": format!("ZY{staff_code}")}),
            &Actor::machine("his"),
            self.clock.now(),
        )
        .await
        .unwrap();
        let u = yiqiao_web::auth::store::find_by_username(&*self.t.db, username)
            .await
            .unwrap()
            .unwrap();
        let txn = self.t.db.begin_write().await.unwrap();
        yiqiao_web::auth::store::link_staff(
            &txn,
            u.id,
            Some(staff_code),
            &Actor::system("test"),
            self.clock.now(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }

    /// Sign in through the form, as a person would; returns the signed-in client.
    pub async fn login(&self, username: &str) -> reqwest::Client {
        let c = self.client();
        let res = self.submit_login(&c, username, PASSWORD).await;
        assert_eq!(res.status(), 303, "login of {username} failed");
        c
    }

    pub async fn submit_login(
        &self,
        c: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = c
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = hidden(&page, "_login");
        c.post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("_login", &token),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The form token of a signed-in client, read from a page as a browser would.
    pub async fn csrf(&self, c: &reqwest::Client) -> String {
        let page = c
            .get(self.url("/account/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        hidden(&page, "_csrf")
    }
}

/// The value of a hidden input in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

pub fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 30, 0).unwrap()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Config::default()).await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    let t = TestDb::new(&yiqiao_web::all_migrations()).await.unwrap();
    spawn_app_on(t, config).await
}

/// Serve a database prepared beforehand (e.g. with the demo hospital loaded).
pub async fn spawn_app_on(t: TestDb, mut config: Config) -> TestApp {
    config.outbox.enabled = false;
    // Tests run the jobs by hand (jobs::tick), at the times they choose.
    config.jobs.enabled = false;
    let clock = Arc::new(ManualClock::new(t0()));
    let running =
        yiqiao_web::server::start(t.db.clone(), config, clock.clone(), "127.0.0.1:0", false)
            .await
            .unwrap();
    TestApp {
        base: format!("http://{}", running.addr),
        t,
        clock,
        running: Some(running),
    }
}
