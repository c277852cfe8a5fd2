#![allow(clippy::unwrap_used, clippy::expect_used)]
//! yiqiao-booking's one integration-test binary: the platform API on a real 127.0.0.1
//! listener, spoken to by the project's own signing client. Runs on SQLite, or on PostgreSQL
//! when `YIQIAO_TEST_DATABASE_URL` is set.

mod atomic;
mod desk;
mod idempotency;
mod notices;
mod pages;
mod race;
mod rate;
mod refusals;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use yiqiao_booking::api::AppLimiter;
use yiqiao_booking::client::PlatformClient;
use yiqiao_booking::domain::rate::RateRule;
use yiqiao_booking::domain::schedule::{Level, Session, SlotLayout};
use yiqiao_booking::domain::secret::SecretKey;
use yiqiao_booking::store::planning::{self, NewSchedule};
use yiqiao_booking::store::schedule;
use yiqiao_booking::{BookingState, Rules};
use yiqiao_core::IdCardNo;
use yiqiao_core::time::{Clock, ManualClock};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

/// 2026-11-29 10:00 in Beijing.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap()
}

/// Tomorrow, the date of the test schedules.
pub fn tomorrow() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

pub const APP: &str = "jktz-test";
pub const SECRET: &str = "test-secret-0123456789abcdef";

pub fn migrations() -> Vec<yiqiao_store::Migration> {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_booking::migrations());
    m
}

pub fn key() -> SecretKey {
    yiqiao_booking::domain::secret::key_from_bytes(&[42u8; 32])
}

/// The platform API served on a free local port, with one app.
pub struct Server {
    pub base: String,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub rules: Rules,
    pub client: PlatformClient,
    pub _t: TestDb,
}

impl Server {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A client whose clock agrees with the server's manual clock.
    pub fn client_for(&self, app: &str, secret: &str) -> PlatformClient {
        let mut c = PlatformClient::new(&self.base, app, secret);
        c.clock_offset_ms = (self.clock.now() - Utc::now()).num_milliseconds();
        c
    }

    /// Move the server's clock; the client follows.
    pub fn set_now(&mut self, t: DateTime<Utc>) {
        self.clock.set(t);
        self.client.clock_offset_ms = (t - Utc::now()).num_milliseconds();
    }

    /// A schedule tomorrow morning: `windows` half-hour windows from 08:00, `per_window`
    /// numbers each, the last `onsite` of each kept on site. Released already.
    pub async fn schedule(
        &self,
        doctor: &str,
        windows: u32,
        per_window: u32,
        onsite: u32,
    ) -> schedule::Model {
        self.schedule_on(doctor, tomorrow(), Session::Am, windows, per_window, onsite)
            .await
    }

    pub async fn schedule_on(
        &self,
        doctor: &str,
        date: NaiveDate,
        session: Session,
        windows: u32,
        per_window: u32,
        onsite: u32,
    ) -> schedule::Model {
        let start = match session {
            Session::Am => NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            Session::Pm => NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
            Session::Evening => NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        };
        let n = NewSchedule {
            dept_code: "A03.01".into(),
            doctor_code: doctor.into(),
            date,
            session,
            level: Level::Chief,
            fee_fen: 1500,
            layout: SlotLayout::new(start, 30, windows, per_window, onsite).unwrap(),
            template_id: None,
        };
        planning::create_schedule(
            &self.db,
            &self.rules,
            &n,
            &Actor::person("menzhenban"),
            self.now() - Duration::days(30),
        )
        .await
        .unwrap()
    }
}

pub async fn server() -> Server {
    server_with(Rules::default()).await
}

pub async fn server_with(rules: Rules) -> Server {
    let budget = yiqiao_booking::BookingConfig::default()
        .rate_rule()
        .unwrap();
    server_with_budget(rules, budget).await
}

/// The API with a request budget per app (限流) of the test's choosing.
pub async fn server_with_budget(rules: Rules, budget: RateRule) -> Server {
    let t = TestDb::new(&migrations()).await.expect("test database");
    let clock = Arc::new(ManualClock::new(t0()));
    yiqiao_booking::store::platform::add_app(
        &t.db,
        &yiqiao_booking::config::KeyProvider::fixed(key()),
        APP,
        "健康台州（测试）",
        None,
        Some(SECRET),
        &Actor::person("admin"),
        t0(),
    )
    .await
    .unwrap();
    seed_his(&t.db).await;
    let state = BookingState {
        db: t.db.clone(),
        clock: clock.clone(),
        rules,
        key: Arc::new(yiqiao_booking::config::KeyProvider::fixed(key())),
        limiter: Arc::new(AppLimiter::new(budget)),
    };
    let (router, _) = yiqiao_booking::routes(state).into_parts();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let base = format!("http://{addr}");
    let mut client = PlatformClient::new(&base, APP, SECRET);
    client.clock_offset_ms = (t0() - Utc::now()).num_milliseconds();
    Server {
        base,
        db: t.db.clone(),
        clock,
        rules,
        client,
        _t: t,
    }
}

async fn seed_his(db: &Db) {
    use yiqiao_his::store::entities::{department, staff};
    let now = t0();
    for (code, name, online) in [
        ("A03.01", "心血管内科", true),
        ("A50.01", "中医内科", true),
        ("B01", "病区一", false),
    ] {
        department::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            kind: Set("clinic".into()),
            campus: Set(Some("本部".into())),
            tcm: Set(code.starts_with("A50")),
            online_booking: Set(online),
            intro: Set(None),
            active: Set(true),
            content_hash: Set("x".into()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&**db)
        .await
        .unwrap();
    }
    for (code, name, role) in [
        ("D001", "王心明", "doctor"),
        ("D002", "李平", "doctor"),
        ("N001", "周护士", "nurse"),
    ] {
        staff::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            role: Set(role.into()),
            dept_code: Set("A03.01".into()),
            title: Set(Some("主任医师".into())),
            licence_no: Set(None),
            id_type: Set(None),
            id_no: Set(None),
            specialty: Set(Some("冠心病".into())),
            intro: Set(None),
            active: Set(true),
            content_hash: Set("x".into()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&**db)
        .await
        .unwrap();
    }
}

/// The `i`-th synthetic patient's valid ID number (Taizhou 椒江 area code).
pub fn id_no(i: u32) -> String {
    let birth =
        NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Duration::days(i64::from(i % 20_000));
    IdCardNo::compose("331002", birth, (i / 20_000 % 1000) as u16)
        .unwrap()
        .as_str()
        .to_owned()
}

/// A take-number body.
pub fn take_body(schedule_id: &str, patient: u32, order: &str, seq_no: Option<i32>) -> Value {
    let mut b = json!({
        "schedule_id": schedule_id,
        "patient": {"name": "张三", "id_type": "01", "id_no": id_no(patient), "phone": "13800000000"},
        "platform_order_id": order,
        "channel": "anzhener",
    });
    if let Some(n) = seq_no {
        b["seq_no"] = json!(n);
    }
    b
}
