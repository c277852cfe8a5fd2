//! The hospital's pages over real HTTP. The signed-in person is put into the request the way
//! the web crate's session layer does (this crate has no sessions of its own).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use yiqiao_booking::store::{schedule, ticket};
use yiqiao_store::audit;

use crate::{Server, server, take_body};

use yiqiao_http::testing::Browser;

const CSRF: &str = "test-csrf-token";

/// The pages on a port of their own; `x-test-role` names the signed-in person's role.
async fn pages(srv: &Server) -> String {
    let state = yiqiao_booking::BookingState {
        db: srv.db.clone(),
        clock: srv.clock.clone(),
        rules: srv.rules,
        key: Arc::new(yiqiao_booking::config::KeyProvider::fixed(crate::key())),
        limiter: Arc::new(yiqiao_booking::api::AppLimiter::new(
            yiqiao_booking::BookingConfig::default()
                .rate_rule()
                .unwrap(),
        )),
    };
    let (router, _) = yiqiao_booking::pages::routes(state).into_parts();
    yiqiao_http::testing::serve_as_header_role(router, yiqiao_booking::pages::navigation(), CSRF)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_office_plans_stops_and_adds_numbers() {
    let srv = server().await;
    let base = pages(&srv).await;
    let office = Browser::new(&base, "outpatient_office", CSRF);
    let (code, page) = office.get("/booking/schedules?date=2026-11-30").await;
    assert_eq!(code, 200);
    assert!(page.contains("该日没有排班") && page.contains("新增排班"));
    // A schedule by hand.
    let (code, loc, _) = office
        .post(
            "/booking/schedules",
            &[
                ("dept_code", "A03.01"),
                ("doctor_code", "D001"),
                ("date", "2026-11-30"),
                ("session", "am"),
                ("level", "chief"),
                ("fee_yuan", "40"),
                ("start", "08:00"),
                ("windows", "2"),
                ("per_window", "3"),
                ("onsite_per_window", "1"),
            ],
        )
        .await;
    assert_eq!(code, 303, "{loc}");
    let (_, page) = office.get(&loc).await;
    assert!(
        page.contains("心血管内科") && page.contains("王心明") && page.contains("40.00"),
        "{page}"
    );
    // A bad form is a 400 naming the problem.
    let (code, _, body) = office
        .post(
            "/booking/schedules",
            &[
                ("dept_code", "A03.01"),
                ("date", "2026-11-30"),
                ("session", "am"),
                ("level", "chief"),
                ("fee_yuan", "40"),
                ("start", "08:00"),
                ("windows", "2"),
                ("per_window", "3"),
                ("onsite_per_window", "9"),
            ],
        )
        .await;
    assert_eq!(code, 400, "{body}");
    // 加号, audited.
    let (code, _, _) = office
        .post(&format!("{loc}/extra"), &[("reason", "老年患者现场加号")])
        .await;
    assert_eq!(code, 303);
    let (_, page) = office.get(&loc).await;
    assert!(page.contains("（加号）"));
    let rows = audit::entity::Entity::find()
        .filter(audit::entity::Column::Action.eq("booking.schedule.extra"))
        .all(&*srv.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "u_outpatient_office");
    // The fee changes (audited); a bad amount is refused.
    let (code, _, _) = office
        .post(
            &format!("{loc}/change"),
            &[("doctor_code", ""), ("fee_yuan", "35")],
        )
        .await;
    assert_eq!(code, 303);
    let (_, page) = office.get(&loc).await;
    assert!(page.contains("挂号费 35.00 元"), "{page}");
    let (code, _, _) = office
        .post(&format!("{loc}/change"), &[("fee_yuan", "三十")])
        .await;
    assert_eq!(code, 400);
    // 推迟开诊 by 30 minutes: the slots' windows move; a non-number is refused by name.
    let (_, page) = office.get(&loc).await;
    assert!(
        page.contains("08:00–08:30") && !page.contains("09:00–09:30"),
        "{page}"
    );
    let (code, _, _) = office
        .post(
            &format!("{loc}/shift"),
            &[("minutes", "30"), ("reason", "医生手术延迟")],
        )
        .await;
    assert_eq!(code, 303);
    let (_, page) = office.get(&loc).await;
    assert!(
        !page.contains("08:00–08:30")
            && page.contains("08:30–09:00")
            && page.contains("09:00–09:30"),
        "{page}"
    );
    let (code, _, body) = office
        .post(
            &format!("{loc}/shift"),
            &[("minutes", "半小时"), ("reason", "x")],
        )
        .await;
    assert_eq!(code, 400);
    assert!(body.contains("调整分钟数应为整数"), "{body}");
    // 停诊 with a reason and a substitute.
    let (code, _, _) = office
        .post(
            &format!("{loc}/stop"),
            &[("reason", "医生外出会诊"), ("substitute", "D002")],
        )
        .await;
    assert_eq!(code, 303);
    let (_, page) = office.get(&loc).await;
    assert!(page.contains("停诊：医生外出会诊") && page.contains("替诊医生 D002"));
    assert_eq!(
        schedule::Entity::find()
            .filter(schedule::Column::Status.eq("stopped"))
            .count(&*srv.db)
            .await
            .unwrap(),
        1
    );
    // Templates generate schedules over the horizon.
    let (code, _, body) = office
        .post(
            "/booking/templates",
            &[
                ("dept_code", "A50.01"),
                ("doctor_code", "D002"),
                ("weekday", "2"),
                ("session", "pm"),
                ("level", "general"),
                ("fee_yuan", "15"),
                ("start", "13:30"),
                ("windows", "4"),
                ("per_window", "4"),
                ("onsite_per_window", "1"),
            ],
        )
        .await;
    assert_eq!(code, 303, "{body}");
    let (code, loc, _) = office
        .post("/booking/templates/generate", &[("days", "14")])
        .await;
    assert_eq!(
        (code, loc.as_str()),
        (303, "/booking/templates?generated=2")
    );
    let (_, page) = office.get("/booking/templates").await;
    assert!(page.contains("星期二") && page.contains("13:30 起 4 个时段"));
}

#[tokio::test]
async fn the_desk_checks_in_and_follows_up_receivables() {
    let mut srv = server().await;
    let s = srv.schedule("D001", 2, 3, 0).await;
    let a = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "P1", None),
            "p1",
        )
        .await
        .unwrap();
    let b = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 2, "P2", None),
            "p2",
        )
        .await
        .unwrap();
    let a_no = a.data()["ticket_no"].as_str().unwrap().to_owned();
    let b_id = b.data()["ticket_id"].as_str().unwrap().to_owned();
    let base = pages(&srv).await;
    let desk = Browser::new(&base, "registration", CSRF);
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 0, 5, 0).unwrap());
    // Found by QR text.
    let (code, page) = desk.get(&format!("/booking/desk?q=YQTK:{a_no}")).await;
    assert_eq!(code, 200);
    assert!(page.contains(&a_no) && page.contains("报到</button>"));
    let a_id = a.data()["ticket_id"].as_str().unwrap();
    let (code, loc, _) = desk
        .post(
            &format!("/booking/desk/{a_id}/check-in"),
            &[("visit_id", "V777")],
        )
        .await;
    assert_eq!(
        (code, loc.as_str()),
        (303, format!("/booking/desk?done={a_no}").as_str())
    );
    // B is late: refused on the page with the reason.
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 0, 35, 0).unwrap());
    let (code, _, page) = desk
        .post(&format!("/booking/desk/{b_id}/check-in"), &[])
        .await;
    assert_eq!(code, 200);
    assert!(page.contains("已超过报到截止时间"), "{page}");
    // Next day: A was checked in and never settled: on the follow-up list; written off.
    srv.set_now(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let (_, page) = desk.get("/booking/receivables?date=2026-11-30").await;
    assert!(
        page.contains("已报到未结算") && page.contains("V777") && page.contains(&a_no),
        "{page}"
    );
    assert!(page.contains("1 笔 / 15.00 元"));
    let (code, _, _) = desk
        .post(
            &format!("/booking/receivables/{a_id}/write-off"),
            &[("reason", "患者失联")],
        )
        .await;
    assert_eq!(code, 303);
    let (_, page) = desk.get("/booking/receivables?date=2026-11-30").await;
    assert!(!page.contains("V777"));
    // The end of day marks B a no-show; the report counts by channel and department.
    let (code, _, _) = desk.post("/booking/end-of-day", &[]).await;
    assert_eq!(code, 303);
    assert_eq!(
        ticket::Entity::find()
            .filter(ticket::Column::Status.eq("no_show"))
            .count(&*srv.db)
            .await
            .unwrap(),
        1
    );
    let (_, page) = desk.get("/booking/report?date=2026-11-30").await;
    assert!(
        page.contains("安诊儿") && page.contains("心血管内科"),
        "{page}"
    );
    let (_, page) = desk
        .get("/booking/tickets?date=2026-11-30&status=no_show")
        .await;
    assert!(page.contains("爽约") && !page.contains(&a_no));
}

#[tokio::test]
async fn blacklist_and_platform_apps() {
    let srv = server().await;
    yiqiao_booking::store::exec(
        &*srv.db,
        "INSERT INTO booking_suspension (id_no, since, until, reason) VALUES ($1, $2, $3, '180 天内爽约 3 次')",
        vec![crate::id_no(9).into(), srv.now().into(), Utc.with_ymd_and_hms(2027, 2, 27, 2, 0, 0).unwrap().into()],
    )
    .await
    .unwrap();
    let base = pages(&srv).await;
    let office = Browser::new(&base, "outpatient_office", CSRF);
    let (_, page) = office.get("/booking/blacklist").await;
    assert!(page.contains("180 天内爽约 3 次") && page.contains("解除</button>"));
    assert!(!page.contains(&crate::id_no(9)), "ID numbers are masked");
    let id: i64 = yiqiao_booking::store::desk::suspensions(&srv.db)
        .await
        .unwrap()[0]
        .id;
    let (code, _, _) = office
        .post(
            &format!("/booking/blacklist/{id}/lift"),
            &[("reason", "核实为医院原因")],
        )
        .await;
    assert_eq!(code, 303);
    let (_, page) = office.get("/booking/blacklist").await;
    assert!(page.contains("u_outpatient_office 解除：核实为医院原因"));
    // The administrator adds an app; the secret is shown once and works.
    let admin = Browser::new(&base, "admin", CSRF);
    let (code, _, page) = admin
        .post(
            "/admin/platform-apps",
            &[
                ("app_id", "jktz-prod"),
                ("name", "健康台州"),
                ("callback_url", ""),
            ],
        )
        .await;
    assert_eq!(code, 200);
    let secret = page
        .split("<code class=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(secret.len() >= 32);
    let r = srv
        .client_for("jktz-prod", &secret)
        .get("/platform/v1/departments", &[])
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (200, "OK"));
    // Stored encrypted, not in clear.
    let row = yiqiao_booking::store::one(
        &*srv.db,
        "SELECT secret_enc FROM booking_platform_app WHERE app_id = 'jktz-prod'",
        vec![],
    )
    .await
    .unwrap()
    .unwrap();
    let enc: String = row.try_get("", "secret_enc").unwrap();
    assert!(enc.starts_with("sm4ctr1:") && !enc.contains(&secret));
    let (_, _, page) = admin
        .post(
            "/admin/platform-apps",
            &[("app_id", "jktz-prod"), ("name", "重复")],
        )
        .await;
    assert!(page.contains("已存在"));
}
