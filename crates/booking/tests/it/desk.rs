//! The hospital's side: check-in posting the fee, late refusal, settlement from the HIS feed,
//! write-off, the end-of-day job with the suspension rule, the waitlist.

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use yiqiao_booking::domain::schedule::Session;
use yiqiao_booking::store::{desk, receivable, ticket};
use yiqiao_core::time::Clock;
use yiqiao_store::audit::Actor;

use crate::{server, take_body, tomorrow};

fn desk_actor() -> Actor {
    Actor::person("guahao")
}

#[tokio::test]
async fn check_in_settle_write_off() {
    let mut srv = server().await;
    let s = srv.schedule("D001", 2, 3, 0).await;
    let c = srv.client.clone();
    let a = c
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "D1", None),
            "d1",
        )
        .await
        .unwrap();
    let b = c
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 2, "D2", None),
            "d2",
        )
        .await
        .unwrap();
    let a_id = a.data()["ticket_id"].as_str().unwrap().to_owned();
    let b_id = b.data()["ticket_id"].as_str().unwrap().to_owned();
    let a_no = a.data()["ticket_no"].as_str().unwrap().to_owned();
    // Not today yet.
    let err = desk::check_in(&srv.db, &a_id, None, &desk_actor(), srv.now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不是今天"), "{err}");
    // Tomorrow 08:10: found by QR text and by ID number.
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 0, 10, 0).unwrap());
    let today = tomorrow();
    let by_qr = desk::find_for_desk(&srv.db, &format!("YQTK:{a_no}"), today)
        .await
        .unwrap();
    assert_eq!(by_qr.len(), 1);
    let by_id = desk::find_for_desk(&srv.db, &crate::id_no(2), today)
        .await
        .unwrap();
    assert_eq!(by_id[0].ticket.id, b_id);
    let v = desk::check_in(&srv.db, &a_id, Some("V001"), &desk_actor(), srv.now())
        .await
        .unwrap();
    assert_eq!(v.ticket.status, "checked_in");
    let r = receivable::Entity::find_by_id(a_id.clone())
        .one(&*srv.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.state.as_str(), r.visit_id.as_deref(), r.amount_fen),
        ("posted", Some("V001"), 1500)
    );
    // Twice: refused.
    assert!(
        desk::check_in(&srv.db, &a_id, None, &desk_actor(), srv.now())
            .await
            .is_err()
    );
    // B comes late (window 08:00–08:30 ended).
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 0, 31, 0).unwrap());
    let err = desk::check_in(&srv.db, &b_id, None, &desk_actor(), srv.now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("报到截止时间"), "{err}");
    // The HIS reports the visit seen and settled.
    let now = srv.now();
    yiqiao_his::store::entities::patient::ActiveModel {
        id: Set("P1".into()),
        card_no: Set("C1".into()),
        name: Set("张三".into()),
        sex: Set("1".into()),
        birth_date: Set(chrono::NaiveDate::from_ymd_opt(1950, 1, 2).unwrap()),
        id_type: Set("01".into()),
        id_no: Set(crate::id_no(1)),
        nationality: Set(None),
        ethnicity: Set(None),
        marital: Set(None),
        address_province: Set(None),
        address_city: Set(None),
        address_county: Set(None),
        address_detail: Set(None),
        phone: Set(None),
        drug_allergy: Set(None),
        allergy_drugs: Set(None),
        other_allergy: Set(None),
        other_allergens: Set(None),
        content_hash: Set("x".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*srv.db)
    .await
    .unwrap();
    yiqiao_his::store::entities::visit::ActiveModel {
        id: Set("V001".into()),
        patient_id: Set("P1".into()),
        visit_type: Set("1".into()),
        dept_code: Set("A03.01".into()),
        doctor_code: Set("D001".into()),
        registered_at: Set(Some(now)),
        checked_in_at: Set(Some(now)),
        visited_at: Set(Some(now)),
        revisit: Set(None),
        infusion: Set(None),
        chronic_special: Set(None),
        triage_level: Set(None),
        emergency_destination: Set(None),
        admission_cert_at: Set(None),
        mdtrt_id: Set(None),
        settled_at: Set(Some(now)),
        cancelled: Set(false),
        content_hash: Set("x".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*srv.db)
    .await
    .unwrap();
    // End of day: B is a no-show, A visited and settled.
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap());
    let eod = desk::end_of_day(&srv.db, &srv.rules, srv.now())
        .await
        .unwrap();
    assert_eq!(
        (eod.no_shows, eod.visited, eod.settled, eod.suspended),
        (1, 1, 1, 0)
    );
    let ta = ticket::Entity::find_by_id(a_id.clone())
        .one(&*srv.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ta.status, "visited");
    let tb = ticket::Entity::find_by_id(b_id.clone())
        .one(&*srv.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tb.status, "no_show");
    let ra = receivable::Entity::find_by_id(a_id.clone())
        .one(&*srv.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ra.state, "settled");
    // Running it again changes nothing.
    let again = desk::end_of_day(&srv.db, &srv.rules, srv.now())
        .await
        .unwrap();
    assert_eq!(again, desk::EndOfDay::default());
    // A settled receivable cannot be written off; the platform sees the states.
    assert!(
        desk::write_off(&srv.db, &a_id, "测试", &desk_actor(), srv.now())
            .await
            .is_err()
    );
    let r = srv
        .client
        .get(&format!("/platform/v1/tickets/{a_id}"), &[])
        .await
        .unwrap();
    assert_eq!(r.data()["status"], "visited");
}

#[tokio::test]
async fn write_off_needs_a_reason_and_an_open_receivable() {
    let mut srv = server().await;
    let s = srv.schedule("D001", 1, 3, 0).await;
    let a = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "W1", None),
            "w1",
        )
        .await
        .unwrap();
    let id = a.data()["ticket_id"].as_str().unwrap().to_owned();
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 0, 5, 0).unwrap());
    desk::check_in(&srv.db, &id, Some("V9"), &desk_actor(), srv.now())
        .await
        .unwrap();
    assert!(
        desk::write_off(&srv.db, &id, "  ", &desk_actor(), srv.now())
            .await
            .is_err()
    );
    desk::write_off(
        &srv.db,
        &id,
        "患者已离院，电话无法联系",
        &desk_actor(),
        srv.now(),
    )
    .await
    .unwrap();
    let r = receivable::Entity::find_by_id(id.clone())
        .one(&*srv.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.state.as_str(), r.written_off_by.as_deref()),
        ("written_off", Some("guahao"))
    );
    assert!(
        desk::write_off(&srv.db, &id, "再来一次", &desk_actor(), srv.now())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn three_no_shows_suspend_online_taking() {
    let mut srv = server().await;
    // Three days running the patient takes a number and never comes.
    for d in 0..3i64 {
        let date = tomorrow() + Duration::days(d);
        let s = srv.schedule_on("D001", date, Session::Am, 1, 3, 0).await;
        let r = srv
            .client
            .post(
                "/platform/v1/tickets",
                &take_body(&s.id, 1, &format!("S{d}"), None),
                &format!("s{d}"),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
        srv.set_now(Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap() + Duration::days(d));
        let eod = desk::end_of_day(&srv.db, &srv.rules, srv.now())
            .await
            .unwrap();
        assert_eq!(eod.no_shows, 1);
        assert_eq!(eod.suspended, usize::from(d == 2));
    }
    let s = srv
        .schedule_on("D001", tomorrow() + Duration::days(4), Session::Am, 1, 3, 0)
        .await;
    let r = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "S9", None),
            "s9",
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (409, "PATIENT_SUSPENDED"));
    assert_eq!(r.data()["until"], "2027-03-02 20:00:00");
    // Staff lift it (audited); the patient may take numbers again.
    let sus = desk::suspensions(&srv.db).await.unwrap();
    assert_eq!(sus.len(), 1);
    desk::lift_suspension(
        &srv.db,
        sus[0].id,
        "患者说明情况，核实后解除",
        &Actor::person("menzhenban"),
        srv.clock.now(),
    )
    .await
    .unwrap();
    let r = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "S10", None),
            "s10",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test]
async fn waitlist_gets_the_freed_number() {
    let srv = server().await;
    let s = srv.schedule("D001", 1, 1, 0).await;
    let c = &srv.client;
    let first = c
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "WL1", None),
            "wl1",
        )
        .await
        .unwrap();
    assert_eq!(first.status, 201);
    // Not full yet for another schedule: refused.
    let open = srv.schedule("D002", 1, 2, 0).await;
    let r = c
        .post(
            "/platform/v1/waitlist",
            &take_body(&open.id, 2, "WL0", None),
            "wl0",
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let w = c
        .post(
            "/platform/v1/waitlist",
            &take_body(&s.id, 2, "WL2", None),
            "wl2",
        )
        .await
        .unwrap();
    assert_eq!((w.status, w.code()), (201, "OK"), "{}", w.body);
    assert_eq!(w.data()["position"], 1);
    let w3 = c
        .post(
            "/platform/v1/waitlist",
            &take_body(&s.id, 3, "WL3", None),
            "wl3",
        )
        .await
        .unwrap();
    assert_eq!(w3.data()["position"], 2);
    let dup = c
        .post(
            "/platform/v1/waitlist",
            &take_body(&s.id, 3, "WL3b", None),
            "wl3b",
        )
        .await
        .unwrap();
    assert_eq!((dup.status, dup.code()), (409, "DUPLICATE_TICKET"));
    // The first patient cancels: the number goes to the first in line.
    let id = first.data()["ticket_id"].as_str().unwrap();
    let r = c
        .post(
            &format!("/platform/v1/tickets/{id}/cancel"),
            &json!({"reason": "不去了"}),
            "wl-c",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let r = c
        .get("/platform/v1/tickets", &[("platform_order_id", "WL2")])
        .await
        .unwrap();
    let t = &r.data()[0];
    assert_eq!(
        (t["status"].as_str(), t["seq_no"].as_i64()),
        (Some("taken"), Some(1))
    );
    let r = c
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    assert_eq!(r.data(), &json!([]));
    let _ = srv.clock.now();
}
