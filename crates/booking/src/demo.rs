//! The demo hospital's booking: templates for the doctors of the departments open to online
//! taking, 14 days of schedules with slots, and the demo platform app `demo-jktz`.

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::config::{KeyProvider, Rules};
use crate::domain::schedule::{Level, Session, SlotLayout};
use crate::store::planning::{self, NewTemplate};
use crate::store::{Failure, platform};

/// The demo platform app.
pub const DEMO_APP_ID: &str = "demo-jktz";
/// Its secret (a demo is not for real patients; printed by `yiqiao demo`).
pub const DEMO_APP_SECRET: &str = "demo-jktz-secret-2026-not-for-production";

/// What the demo loader did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBooking {
    pub templates: usize,
    pub schedules: usize,
    pub app_id: &'static str,
    pub secret: &'static str,
}

impl std::fmt::Display for DemoBooking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "排班模板 {}、排班 {}（14 天）；演示平台应用 {}，密钥 {}",
            self.templates, self.schedules, self.app_id, self.secret
        )
    }
}

fn level_and_fee(title: Option<&str>) -> (Level, i64) {
    match title {
        Some("主任医师") => (Level::Chief, 4000),
        Some("副主任医师") => (Level::Associate, 3000),
        Some("主治医师") => (Level::General, 2000),
        _ => (Level::General, 1500),
    }
}

/// Load the demo booking data (after the demo HIS data).
pub async fn load(
    db: &Db,
    rules: &Rules,
    key: &KeyProvider,
    now: DateTime<Utc>,
) -> Result<DemoBooking, Failure> {
    use yiqiao_his::store::entities::{department, staff};
    let actor = Actor::system("demo");
    platform::add_app(
        db,
        key,
        DEMO_APP_ID,
        "健康台州（演示）",
        None,
        Some(DEMO_APP_SECRET),
        &actor,
        now,
    )
    .await?;
    let depts = department::Entity::find()
        .filter(department::Column::OnlineBooking.eq(true))
        .filter(department::Column::Active.eq(true))
        .order_by_asc(department::Column::Code)
        .all(&**db)
        .await?;
    let mut templates = 0;
    for d in &depts {
        let doctors = staff::Entity::find()
            .filter(staff::Column::DeptCode.eq(&d.code))
            .filter(staff::Column::Role.eq("doctor"))
            .order_by_asc(staff::Column::Code)
            .all(&**db)
            .await?;
        // Up to four doctors per department, each on two or three weekdays; mornings from
        // 08:00 (7 half-hour windows), afternoons from 13:30 (6 windows); four numbers per
        // window, one kept for on-site patients.
        for (i, doc) in doctors.iter().take(4).enumerate() {
            let (level, fee) = level_and_fee(doc.title.as_deref());
            let days: &[u32] = match i % 4 {
                0 => &[1, 3, 5],
                1 => &[2, 4],
                2 => &[1, 4, 6],
                _ => &[2, 5],
            };
            for &wd in days {
                for session in [Session::Am, Session::Pm] {
                    if session == Session::Pm && (wd + i as u32).is_multiple_of(2) {
                        continue;
                    }
                    let (start, windows) = match session {
                        Session::Am => (NaiveTime::from_hms_opt(8, 0, 0), 7),
                        _ => (NaiveTime::from_hms_opt(13, 30, 0), 6),
                    };
                    let start = start.unwrap_or_default();
                    let layout = SlotLayout::new(start, 30, windows, 4, 1)?;
                    planning::add_template(
                        db,
                        &NewTemplate {
                            dept_code: d.code.clone(),
                            doctor_code: doc.code.clone(),
                            weekday: wd,
                            session,
                            level,
                            fee_fen: fee,
                            layout,
                        },
                        &actor,
                        now,
                    )
                    .await?;
                    templates += 1;
                }
            }
        }
    }
    let today = crate::store::local_date(now);
    let schedules = planning::generate(db, rules, today, 14, &actor, now).await?;
    Ok(DemoBooking {
        templates,
        schedules,
        app_id: DEMO_APP_ID,
        secret: DEMO_APP_SECRET,
    })
}
