//! Notices to the platform through the outbox, received by a real HTTP receiver that checks
//! the signature: delivered on `code = OK`, retried otherwise.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::Duration;
use serde_json::{Value, json};
use yiqiao_booking::domain::signing;
use yiqiao_booking::notice::NoticeHandler;
use yiqiao_core::time::Clock;
use yiqiao_store::audit::Actor;
use yiqiao_store::outbox::{self, Policy, Registry, Worker};

use crate::{SECRET, server, take_body};

#[derive(Clone, Default)]
struct Inbox {
    got: Arc<Mutex<Vec<Value>>>,
    /// Answer `BUSY` to this many requests first.
    busy: Arc<Mutex<u32>>,
}

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> axum::Json<Value> {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let c = signing::canonical(
        "POST",
        "/hook/notices",
        "",
        &h("x-timestamp"),
        &h("x-nonce"),
        &body,
    );
    if h("x-app-id") != "tzzxyjh-yiqiao"
        || !signing::verify(SECRET.as_bytes(), &c, &h("x-signature"))
    {
        return axum::Json(
            json!({"code": "AUTH_SIGNATURE", "message": "签名不正确", "data": null}),
        );
    }
    {
        let mut busy = inbox.busy.lock().unwrap();
        if *busy > 0 {
            *busy -= 1;
            return axum::Json(json!({"code": "BUSY", "message": "稍后", "data": null}));
        }
    }
    inbox
        .got
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    axum::Json(json!({"code": "OK", "message": "成功", "data": null}))
}

#[tokio::test]
async fn notices_are_signed_retried_and_delivered() {
    let srv = server().await;
    let inbox = Inbox::default();
    *inbox.busy.lock().unwrap() = 1;
    let app = axum::Router::new()
        .route("/hook/notices", post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    yiqiao_booking::store::exec(
        &*srv.db,
        "UPDATE booking_platform_app SET callback_url = $1",
        vec![format!("http://{addr}/hook/notices").into()],
    )
    .await
    .unwrap();

    let s = srv.schedule("D001", 1, 3, 0).await;
    let r = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "N1", None),
            "n1",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201);
    let ticket_id = r.data()["ticket_id"].as_str().unwrap().to_owned();

    let mut registry = Registry::new();
    registry.register(Arc::new(NoticeHandler {
        db: srv.db.clone(),
        key: Arc::new(yiqiao_booking::config::KeyProvider::fixed(crate::key())),
        hospital_app_id: "tzzxyjh-yiqiao".into(),
        clock: srv.clock.clone(),
    }));
    let worker = Worker::new(
        srv.db.clone(),
        Arc::new(registry),
        srv.clock.clone(),
        Policy::default(),
    )
    .unwrap();
    // First attempt: the platform answers BUSY, so the notice waits for another try.
    let p = worker.pass().await.unwrap();
    assert_eq!((p.delivered, p.retried), (0, 1));
    assert!(inbox.got.lock().unwrap().is_empty());
    srv.clock.advance(Duration::seconds(10));
    let p = worker.pass().await.unwrap();
    assert_eq!(p.delivered, 1);
    {
        let got = inbox.got.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["type"], "ticket.status");
        assert_eq!(got[0]["data"]["ticket_id"], ticket_id.as_str());
        assert_eq!(got[0]["data"]["status"], "taken");
        assert_eq!(
            got[0]["notice_id"],
            format!("ticket.status-{ticket_id}-taken")
        );
    }
    // The fee changes: the platform hears of it; the ticket keeps its fee.
    let changed = yiqiao_booking::store::planning::change_schedule(
        &srv.db,
        &s.id,
        None,
        Some(2000),
        &Actor::person("menzhenban"),
        srv.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(changed.fee_fen, 2000);
    assert!(
        yiqiao_booking::store::planning::change_schedule(
            &srv.db,
            &s.id,
            None,
            Some(2000),
            &Actor::person("menzhenban"),
            srv.clock.now()
        )
        .await
        .is_err()
    );
    let p = worker.pass().await.unwrap();
    assert_eq!(p.delivered, 1);
    {
        let got = inbox.got.lock().unwrap();
        assert_eq!(got[1]["type"], "schedule.changed");
        assert_eq!(got[1]["data"]["fee_fen"], 2000);
    }
    let r = srv
        .client
        .get(&format!("/platform/v1/tickets/{ticket_id}"), &[])
        .await
        .unwrap();
    assert_eq!(r.data()["fee_fen"], 1500);
    // 停诊: the ticket is cancelled by the hospital, the platform hears of both.
    let n = yiqiao_booking::store::planning::stop_schedule(
        &srv.db,
        &s.id,
        "医生病假",
        Some("D002"),
        &Actor::person("menzhenban"),
        srv.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let p = worker.pass().await.unwrap();
    assert_eq!(p.delivered, 2);
    let got = inbox.got.lock().unwrap().clone();
    let types: Vec<&str> = got.iter().map(|g| g["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ticket.status",
            "schedule.changed",
            "ticket.status",
            "schedule.stopped"
        ]
    );
    assert_eq!(got[2]["data"]["status"], "cancelled_by_hospital");
    assert_eq!(got[3]["data"]["reason"], "医生病假");
    assert_eq!(got[3]["data"]["substitute_doctor_code"], "D002");
    assert_eq!(got[3]["data"]["schedule"]["status"], "stopped");
    let delivered = outbox::list(&*srv.db, Some(outbox::state::DELIVERED), None, 10)
        .await
        .unwrap();
    assert_eq!(delivered.len(), 4);
}

/// 推迟开诊: every window moves, the live ticket with it (window and check-in deadline), the
/// platform is told `schedule.changed`, and the shift is audited. Two shifts made from the same
/// reading do not add up; a shift to before now is refused.
#[tokio::test]
async fn shifting_a_schedules_windows_moves_slots_tickets_and_tells_the_platform() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use yiqiao_booking::store::planning::shift_windows;

    let srv = server().await;
    // An app with a callback receives notices (one without polls instead).
    yiqiao_booking::store::exec(
        &*srv.db,
        "UPDATE booking_platform_app SET callback_url = $1",
        vec!["http://127.0.0.1:9/hook/notices".into()],
    )
    .await
    .unwrap();
    let s = srv.schedule("D001", 2, 3, 0).await;
    let r = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "SHIFT-1", Some(4)),
            "shift-1",
        )
        .await
        .unwrap();
    assert_eq!(r.code(), "OK", "{:?}", r.body);
    let ticket_id = r.data()["ticket_id"].as_str().unwrap().to_owned();
    let before = r.data()["window_start"].as_str().unwrap().to_owned();
    let slots_before = srv
        .client
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    let menzhenban = Actor::person("menzhenban");

    let shifted = shift_windows(
        &srv.db,
        &srv.rules,
        &s.id,
        30,
        "医生手术延迟",
        &menzhenban,
        srv.now(),
    )
    .await
    .unwrap();

    let t = srv
        .client
        .get(&format!("/platform/v1/tickets/{ticket_id}"), &[])
        .await
        .unwrap();
    assert_eq!(before, "2026-11-30 08:30:00");
    assert_eq!(t.data()["window_start"], "2026-11-30 09:00:00");
    assert_eq!(t.data()["window_end"], "2026-11-30 09:30:00");
    let slots_after = srv
        .client
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    let starts = |r: &yiqiao_booking::client::Reply| -> Vec<String> {
        r.data()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["window_start"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(starts(&slots_before)[0], "2026-11-30 08:00:00");
    assert_eq!(starts(&slots_after)[0], "2026-11-30 08:30:00");
    assert_eq!(starts(&slots_before).len(), starts(&slots_after).len());

    let changed = outbox::entity::Entity::find()
        .filter(outbox::entity::Column::Kind.contains("booking"))
        .all(&*srv.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.payload.contains("schedule.changed"))
        .count();
    assert_eq!(changed, 1);
    let audited = yiqiao_store::audit::entity::Entity::find()
        .filter(yiqiao_store::audit::entity::Column::Action.eq("booking.schedule.shift"))
        .all(&*srv.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert!(
        audited[0]
            .after
            .as_deref()
            .unwrap_or("")
            .contains("医生手术延迟")
    );

    // A later shift reads afresh and moves the windows on from where they are now.
    shift_windows(
        &srv.db,
        &srv.rules,
        &s.id,
        30,
        "再次推迟",
        &menzhenban,
        srv.now(),
    )
    .await
    .unwrap();
    let t = srv
        .client
        .get(&format!("/platform/v1/tickets/{ticket_id}"), &[])
        .await
        .unwrap();
    assert_eq!(t.data()["window_start"], "2026-11-30 09:30:00");
    assert_eq!(shifted.id, s.id);

    // Before now: refused, nothing moved.
    let err = shift_windows(
        &srv.db,
        &srv.rules,
        &s.id,
        -240,
        "提前",
        &menzhenban,
        srv.now() + Duration::hours(23),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("提前到当前时间之前"), "{err}");
    // Out of range and without a reason: refused by name.
    let err = shift_windows(&srv.db, &srv.rules, &s.id, 0, "x", &menzhenban, srv.now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("分钟数"), "{err}");
    let err = shift_windows(&srv.db, &srv.rules, &s.id, 10, "  ", &menzhenban, srv.now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("原因"), "{err}");
}

/// Two people shifting the same schedule at the same moment: the shifts never add up to more
/// than what each asked — one wins, the other is asked to look again (or, having read after
/// the winner committed, applies on top knowingly).
#[tokio::test]
async fn concurrent_shifts_are_decided_by_the_database() {
    use yiqiao_booking::store::planning::shift_windows;
    let srv = server().await;
    let s = srv.schedule("D001", 1, 2, 0).await;
    let actor = Actor::person("menzhenban");
    let (a, b) = tokio::join!(
        shift_windows(&srv.db, &srv.rules, &s.id, 15, "甲", &actor, srv.now()),
        shift_windows(&srv.db, &srv.rules, &s.id, 15, "乙", &actor, srv.now()),
    );
    let wins = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
    let audited = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        yiqiao_store::audit::entity::Entity::find()
            .filter(yiqiao_store::audit::entity::Column::Action.eq("booking.schedule.shift"))
            .all(&*srv.db)
            .await
            .unwrap()
            .len()
    };
    assert!(wins >= 1);
    assert_eq!(audited, wins, "every applied shift is audited, no other");
    let slots = srv
        .client
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    let first = slots.data()[0]["window_start"].as_str().unwrap().to_owned();
    let expected = if wins == 2 {
        "2026-11-30 08:30:00"
    } else {
        "2026-11-30 08:15:00"
    };
    assert_eq!(first, expected);
}
