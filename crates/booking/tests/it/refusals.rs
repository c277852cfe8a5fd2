//! Every refusal of booking.md, provoked over real HTTP; the envelopes are pinned.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use yiqiao_booking::Rules;
use yiqiao_booking::client::{PlatformClient, Reply, SignedHeaders, new_nonce, sign_with_nonce};
use yiqiao_booking::domain::schedule::Session;
use yiqiao_store::audit::Actor;

use crate::{APP, SECRET, server, server_with, take_body, tomorrow};

/// Status and envelope, ids redacted.
fn shot(r: &Reply) -> Value {
    let mut b = r.body.clone();
    for k in ["ticket_id", "schedule_id"] {
        if b["data"].get(k).is_some() {
            b["data"][k] = json!("[id]");
        }
    }
    json!({"status": r.status, "envelope": b})
}

const DEPARTMENTS: &str = "/platform/v1/departments";

/// Headers the test app signs for one request, at a chosen time and with a chosen nonce: the
/// refusal tests then send something else (another body, query, time) under them.
fn sign(
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    at_ms: i64,
    nonce: &str,
) -> SignedHeaders {
    sign_with_nonce(
        APP,
        SECRET.as_bytes(),
        method,
        path,
        query,
        body,
        at_ms,
        nonce,
    )
}

/// A GET sent as it is, under headers signed beforehand.
async fn get(c: &PlatformClient, path: &str, query: &str, h: &SignedHeaders) -> Reply {
    c.send_raw("GET", path, query, vec![], h, None)
        .await
        .unwrap()
}

/// Take a number (取号) with an idempotency key.
async fn take(c: &PlatformClient, body: &Value, key: &str) -> Reply {
    c.post("/platform/v1/tickets", body, key).await.unwrap()
}

/// Cancel a ticket (退号) with an idempotency key.
async fn cancel(c: &PlatformClient, ticket: &str, reason: &str, key: &str) -> Reply {
    let path = format!("/platform/v1/tickets/{ticket}/cancel");
    c.post(&path, &json!({ "reason": reason }), key)
        .await
        .unwrap()
}

#[tokio::test]
async fn authentication_refusals() {
    let srv = server().await;
    let c = &srv.client;
    // Unknown app.
    let r = srv
        .client_for("nobody", SECRET)
        .get("/platform/v1/departments", &[])
        .await
        .unwrap();
    insta::assert_json_snapshot!("auth_unknown_app", shot(&r));
    // No headers at all.
    let res = reqwest::get(format!("{}/platform/v1/departments", srv.base))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "AUTH_APP");
    // Wrong secret: bad signature.
    let r = srv
        .client_for(APP, "not-the-secret-at-all")
        .get("/platform/v1/departments", &[])
        .await
        .unwrap();
    insta::assert_json_snapshot!("auth_bad_signature", shot(&r));
    // A body changed after signing.
    let cancel = "/platform/v1/tickets/x/cancel";
    let body = serde_json::to_vec(&json!({"reason": "x"})).unwrap();
    let h = sign(
        "POST",
        cancel,
        "",
        &body,
        srv.now().timestamp_millis(),
        &new_nonce(),
    );
    let r = c
        .send_raw(
            "POST",
            cancel,
            "",
            b"{\"reason\":\"y\"}".to_vec(),
            &h,
            Some("k"),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (401, "AUTH_SIGNATURE"));
    // A query changed after signing.
    let at = srv.now().timestamp_millis();
    let h = sign(
        "GET",
        "/platform/v1/doctors",
        "dept_code=A03.01",
        b"",
        at,
        &new_nonce(),
    );
    let r = get(c, "/platform/v1/doctors", "dept_code=B01", &h).await;
    assert_eq!((r.status, r.code()), (401, "AUTH_SIGNATURE"));
    // The same query encoded differently (order, case of escapes) is the same signature.
    let signed_query = "dept_code=A03.01&date_from=2026-11-30";
    let h = sign(
        "GET",
        "/platform/v1/schedules",
        signed_query,
        b"",
        at,
        &new_nonce(),
    );
    let sent_query = "date_from=2026%2d11%2d30&dept_code=A03.01";
    let r = get(c, "/platform/v1/schedules", sent_query, &h).await;
    assert_eq!((r.status, r.code()), (200, "OK"), "{}", r.body);
    // A malformed nonce.
    let h = sign("GET", DEPARTMENTS, "", b"", at, "short");
    let r = get(c, DEPARTMENTS, "", &h).await;
    assert_eq!((r.status, r.code()), (401, "AUTH_SIGNATURE"));
    // Stale and future timestamps: more than 300 s away.
    for skew in [-301_000i64, 301_000] {
        let h = sign("GET", DEPARTMENTS, "", b"", at + skew, &new_nonce());
        let r = get(c, DEPARTMENTS, "", &h).await;
        assert_eq!((r.status, r.code()), (401, "AUTH_TIME"), "{}", r.body);
    }
    let h = sign("GET", DEPARTMENTS, "", b"", at - 400_000, &new_nonce());
    let r = get(c, DEPARTMENTS, "", &h).await;
    insta::assert_json_snapshot!("auth_stale_timestamp", shot(&r), {".envelope.message" => "[skew]"});
    // Within the window: accepted; the same nonce again: replay.
    let h = sign("GET", DEPARTMENTS, "", b"", at - 299_000, &new_nonce());
    let r = get(c, DEPARTMENTS, "", &h).await;
    assert_eq!((r.status, r.code()), (200, "OK"));
    let r = get(c, DEPARTMENTS, "", &h).await;
    insta::assert_json_snapshot!("auth_replayed_nonce", shot(&r));
    // A disabled app is refused like an unknown one.
    yiqiao_booking::store::platform::set_enabled(
        &srv.db,
        APP,
        false,
        &Actor::person("admin"),
        srv.now(),
    )
    .await
    .unwrap();
    let r = c.get("/platform/v1/departments", &[]).await.unwrap();
    assert_eq!((r.status, r.code()), (401, "AUTH_APP"));
}

#[tokio::test]
async fn reading_departments_doctors_schedules_slots() {
    let srv = server().await;
    let s = srv.schedule("D001", 2, 2, 1).await;
    let c = &srv.client;
    let r = c.get("/platform/v1/departments", &[]).await.unwrap();
    insta::assert_json_snapshot!("departments", shot(&r));
    let r = c
        .get("/platform/v1/doctors", &[("dept_code", "A03.01")])
        .await
        .unwrap();
    insta::assert_json_snapshot!("doctors", shot(&r));
    let r = c
        .get(
            "/platform/v1/schedules",
            &[
                ("dept_code", "A03.01"),
                ("date_from", "2026-11-30"),
                ("date_to", "2026-11-30"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(r.data()[0]["schedule_id"], s.id.as_str());
    let mut shot_s = shot(&r);
    shot_s["envelope"]["data"][0]["schedule_id"] = json!("[id]");
    insta::assert_json_snapshot!("schedules", shot_s);
    let r = c
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    insta::assert_json_snapshot!("slots", shot(&r));
    // Query refusals.
    let r = c.get("/platform/v1/schedules", &[]).await.unwrap();
    insta::assert_json_snapshot!("schedules_missing_dept", shot(&r));
    let r = c
        .get(
            "/platform/v1/schedules",
            &[
                ("dept_code", "A03.01"),
                ("date_from", "2026-11-30"),
                ("date_to", "2027-01-05"),
            ],
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let r = c
        .get(
            "/platform/v1/schedules",
            &[("dept_code", "A03.01"), ("date_from", "2026-11-01")],
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    assert!(r.body["message"].as_str().unwrap().contains("date_from"));
    let r = c
        .get(
            "/platform/v1/schedules",
            &[("dept_code", "A03.01"), ("date_from", "2026-13-01")],
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let r = c
        .get(
            "/platform/v1/schedules",
            &[("dept_code", "A03.01"), ("colour", "red")],
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let r = c.get("/platform/v1/doctors", &[]).await.unwrap();
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let r = c
        .get("/platform/v1/schedules/nope/slots", &[])
        .await
        .unwrap();
    insta::assert_json_snapshot!("slots_unknown_schedule", shot(&r));
}

#[tokio::test]
async fn take_get_find_cancel() {
    let srv = server().await;
    let s = srv.schedule("D001", 2, 2, 1).await;
    let c = &srv.client;
    let r = take(c, &take_body(&s.id, 1, "JKTZ202611290001", Some(3)), "k1").await;
    insta::assert_json_snapshot!("take_ok", shot(&r));
    let id = r.data()["ticket_id"].as_str().unwrap().to_owned();
    let r = c
        .get(&format!("/platform/v1/tickets/{id}"), &[])
        .await
        .unwrap();
    assert_eq!(r.data()["ticket_no"], "T20261129-0001");
    let r = c
        .get(
            "/platform/v1/tickets",
            &[("platform_order_id", "JKTZ202611290001")],
        )
        .await
        .unwrap();
    assert_eq!(r.data().as_array().unwrap().len(), 1);
    assert_eq!(r.data()[0]["ticket_id"], id.as_str());
    let r = c
        .get("/platform/v1/tickets", &[("platform_order_id", "NOPE")])
        .await
        .unwrap();
    assert_eq!(r.data(), &json!([]));
    // A known platform_order_id with a new key: the existing ticket, 200.
    let r = take(
        c,
        &take_body(&s.id, 1, "JKTZ202611290001", Some(3)),
        "k1-again",
    )
    .await;
    assert_eq!((r.status, r.code()), (200, "OK"));
    assert_eq!(r.data()["ticket_id"], id.as_str());
    // Another app cannot see it.
    yiqiao_booking::store::platform::add_app(
        &srv.db,
        &yiqiao_booking::config::KeyProvider::fixed(crate::key()),
        "other-app",
        "其他",
        None,
        Some(SECRET),
        &Actor::person("admin"),
        srv.now(),
    )
    .await
    .unwrap();
    let r = srv
        .client_for("other-app", SECRET)
        .get(&format!("/platform/v1/tickets/{id}"), &[])
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    // Cancel, then again.
    let r = cancel(c, &id, "行程有变", "c1").await;
    insta::assert_json_snapshot!("cancel_ok", shot(&r));
    let r = cancel(c, &id, "再取消", "c2").await;
    insta::assert_json_snapshot!("cancel_already_cancelled", shot(&r));
    let r = c
        .post(
            "/platform/v1/tickets/nope/cancel",
            &json!({"reason": "x"}),
            "c3",
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    // The number is free again.
    let r = c
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    assert!(
        r.data()
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["seq_no"] == 3)
    );
}

#[tokio::test]
async fn business_refusals() {
    let mut srv = server_with(Rules {
        daily_limit: 2,
        ..Rules::default()
    })
    .await;
    let s = srv.schedule("D001", 1, 2, 1).await; // numbers 1 (online) and 2 (on site)
    let c = &srv.client;
    let r = take(c, &take_body(&s.id, 1, "O1", None), "b1").await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Duplicate ticket: the same ID number again on this schedule.
    let s2 = srv.schedule("D002", 1, 3, 0).await;
    let r = take(c, &take_body(&s2.id, 1, "O2", None), "b2").await;
    assert_eq!(r.status, 201);
    let r = take(c, &take_body(&s2.id, 1, "O3", None), "b3").await;
    insta::assert_json_snapshot!("duplicate_ticket", shot(&r));
    // Daily limit: two live tickets tomorrow already.
    let s3 = srv
        .schedule_on("D001", tomorrow(), Session::Pm, 1, 3, 0)
        .await;
    let r = take(c, &take_body(&s3.id, 1, "O4", None), "b4").await;
    insta::assert_json_snapshot!("daily_limit", shot(&r));
    // Slot full: the only online number is gone.
    let r = take(c, &take_body(&s.id, 2, "O5", None), "b5").await;
    insta::assert_json_snapshot!("slot_full", shot(&r));
    // Slot taken: an on-site number, a number already held.
    let r = take(c, &take_body(&s.id, 2, "O6", Some(2)), "b6").await;
    insta::assert_json_snapshot!("slot_taken", shot(&r));
    let r = take(c, &take_body(&s2.id, 3, "O7", Some(1)), "b7").await;
    assert_eq!((r.status, r.code()), (409, "SLOT_TAKEN"));
    let r = take(c, &take_body(&s2.id, 3, "O7b", Some(99)), "b7b").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    // Unknown schedule.
    let r = take(c, &take_body("nope", 3, "O8", None), "b8").await;
    insta::assert_json_snapshot!("unknown_schedule", shot(&r));
    // Not released: ten days ahead opens in three days.
    let far = srv
        .schedule_on("D001", tomorrow() + Duration::days(9), Session::Am, 1, 3, 0)
        .await;
    let r = take(c, &take_body(&far.id, 3, "O9", None), "b9").await;
    insta::assert_json_snapshot!("not_released", shot(&r));
    // Suspended patient.
    yiqiao_booking::store::exec(
        &*srv.db,
        "INSERT INTO booking_suspension (id_no, since, until, reason) VALUES ($1, $2, $3, '180 天内爽约 3 次')",
        vec![crate::id_no(7).into(), srv.now().into(), Utc.with_ymd_and_hms(2027, 2, 27, 2, 0, 0).unwrap().into()],
    )
    .await
    .unwrap();
    let r = take(c, &take_body(&s2.id, 7, "O10", None), "b10").await;
    insta::assert_json_snapshot!("patient_suspended", shot(&r));
    // Schedule stopped.
    yiqiao_booking::store::planning::stop_schedule(
        &srv.db,
        &s3.id,
        "医生外出会诊",
        None,
        &Actor::person("menzhenban"),
        srv.now(),
    )
    .await
    .unwrap();
    let r = take(c, &take_body(&s3.id, 4, "O11", None), "b11").await;
    insta::assert_json_snapshot!("schedule_stopped", shot(&r));
    // Cancel cut-off: within two hours of the window.
    let held = take(c, &take_body(&s2.id, 5, "O12", None), "b12").await;
    assert_eq!(held.status, 201, "{}", held.body);
    let held_id = held.data()["ticket_id"].as_str().unwrap().to_owned();
    // Tomorrow 07:45: the 08:00 window is past the online cut-off (30 min) and the cancel
    // cut-off (120 min).
    srv.set_now(Utc.with_ymd_and_hms(2026, 11, 29, 23, 45, 0).unwrap());
    let c = &srv.client;
    let r = take(c, &take_body(&s2.id, 6, "O13", None), "b13").await;
    insta::assert_json_snapshot!("cutoff_passed", shot(&r));
    let r = cancel(c, &held_id, "来不了", "b14").await;
    insta::assert_json_snapshot!("cancel_cutoff_passed", shot(&r));
}

#[tokio::test]
async fn malformed_bodies_and_bad_patients() {
    let srv = server().await;
    let s = srv.schedule("D001", 1, 3, 0).await;
    let c = &srv.client;
    let post = |body: Vec<u8>, key: &'static str| {
        let c = c.clone();
        async move {
            let h = yiqiao_booking::client::sign_request(
                APP,
                SECRET.as_bytes(),
                "POST",
                "/platform/v1/tickets",
                "",
                &body,
                c.clock_offset_ms + Utc::now().timestamp_millis(),
            );
            c.send_raw("POST", "/platform/v1/tickets", "", body, &h, Some(key))
                .await
                .unwrap()
        }
    };
    let r = post(b"{not json".to_vec(), "m1").await;
    insta::assert_json_snapshot!("malformed_json", shot(&r));
    let r = post(b"[1,2]".to_vec(), "m2").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let r = post(Vec::new(), "m3").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    let mut b = take_body(&s.id, 1, "M4", None);
    b.as_object_mut().unwrap().remove("schedule_id");
    let r = post(serde_json::to_vec(&b).unwrap(), "m4").await;
    insta::assert_json_snapshot!("missing_field", shot(&r));
    let mut b = take_body(&s.id, 1, "M5", None);
    b["seq_no"] = json!("twelve");
    let r = post(serde_json::to_vec(&b).unwrap(), "m5").await;
    insta::assert_json_snapshot!("wrong_type", shot(&r));
    let mut b = take_body(&s.id, 1, "M6", None);
    b["colour"] = json!("red");
    let r = post(serde_json::to_vec(&b).unwrap(), "m6").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    assert!(r.body["message"].as_str().unwrap().contains("colour"));
    let mut b = take_body(&s.id, 1, "M7", None);
    b["channel"] = json!("window");
    let r = post(serde_json::to_vec(&b).unwrap(), "m7").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"));
    // Bad ID numbers: check digit, length, unknown id type; bad name.
    let mut b = take_body(&s.id, 1, "M8", None);
    let good = crate::id_no(1);
    let last = if good.ends_with('1') { "2" } else { "1" };
    b["patient"]["id_no"] = json!(format!("{}{last}", &good[..17]));
    let r = post(serde_json::to_vec(&b).unwrap(), "m8").await;
    insta::assert_json_snapshot!("bad_id_check_digit", shot(&r));
    b["patient"]["id_no"] = json!("33100219");
    let r = post(serde_json::to_vec(&b).unwrap(), "m9").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_PATIENT"));
    let mut b = take_body(&s.id, 1, "M10", None);
    b["patient"]["id_type"] = json!("05");
    let r = post(serde_json::to_vec(&b).unwrap(), "m10").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_PATIENT"));
    let mut b = take_body(&s.id, 1, "M11", None);
    b["patient"]["name"] = json!("");
    let r = post(serde_json::to_vec(&b).unwrap(), "m11").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_PATIENT"));
    // Oversized body: a 400 naming the limit.
    let big = format!("{{\"schedule_id\": \"{}\"}}", "x".repeat(70_000));
    let r = post(big.into_bytes(), "m12").await;
    assert_eq!((r.status, r.code()), (400, "INVALID_REQUEST"), "{}", r.body);
    // No Idempotency-Key on a write.
    let r = c
        .send(
            "POST",
            "/platform/v1/tickets",
            &[],
            Some(&take_body(&s.id, 1, "M13", None)),
            None,
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("missing_idempotency_key", shot(&r));
    // Nothing of this was stored.
    let r = c
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    assert_eq!(r.data().as_array().unwrap().len(), 3);
}
