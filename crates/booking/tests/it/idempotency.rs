//! `Idempotency-Key`: the same key and body replay the first response; a different body is a
//! 422 IDEMPOTENCY_CONFLICT.

use serde_json::json;

use crate::{server, take_body};

#[tokio::test]
async fn replay_and_conflict() {
    let srv = server().await;
    let s = srv.schedule("D001", 1, 3, 0).await;
    let c = &srv.client;
    let first = c
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "I1", None),
            "idem-1",
        )
        .await
        .unwrap();
    assert_eq!(first.status, 201);
    // The same again: the same status and body, no second ticket.
    let again = c
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "I1", None),
            "idem-1",
        )
        .await
        .unwrap();
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    let r = c
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    assert_eq!(r.data().as_array().unwrap().len(), 2);
    // A refusal is replayed too.
    let refused = c
        .post(
            "/platform/v1/tickets",
            &take_body("nope", 2, "I2", None),
            "idem-2",
        )
        .await
        .unwrap();
    let again = c
        .post(
            "/platform/v1/tickets",
            &take_body("nope", 2, "I2", None),
            "idem-2",
        )
        .await
        .unwrap();
    assert_eq!((again.status, &again.body), (refused.status, &refused.body));
    // The same key with another body.
    let r = c
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 2, "I3", None),
            "idem-1",
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!(
        "idempotency_conflict",
        json!({"status": r.status, "envelope": r.body})
    );
    // Keys belong to their app: the cancel endpoint keys are separate requests.
    let id = first.data()["ticket_id"].as_str().unwrap();
    let c1 = c
        .post(
            &format!("/platform/v1/tickets/{id}/cancel"),
            &json!({"reason": "不去了"}),
            "cancel-1",
        )
        .await
        .unwrap();
    let c2 = c
        .post(
            &format!("/platform/v1/tickets/{id}/cancel"),
            &json!({"reason": "不去了"}),
            "cancel-1",
        )
        .await
        .unwrap();
    assert_eq!((c1.status, c1.code()), (200, "OK"));
    assert_eq!(c2.body, c1.body);
}

/// A process that died after its ticket was committed but before it stored the answer leaves
/// the key "running". A minute later a retry of the same request takes the claim over and gets
/// the ticket that was taken — not a conflict for the rest of the day, and no second ticket.
#[tokio::test]
async fn a_claim_abandoned_by_a_dead_process_is_taken_over_by_the_retry() {
    use yiqiao_booking::store::platform::{Idem, idem_begin};
    use yiqiao_booking::store::tickets::{TakeRequest, Taken, take_number};
    use yiqiao_store::audit::Actor;

    let mut srv = server().await;
    let s = srv.schedule("D001", 1, 3, 0).await;
    let body = take_body(&s.id, 7, "DEAD-1", None);
    let raw = body.to_string();
    // What the dead process did: claim the key, commit the ticket, and stop.
    let hash = yiqiao_booking::domain::signing::sm3_hex(
        format!("POST\n/platform/v1/tickets\n{raw}").as_bytes(),
    );
    let claim = idem_begin(&srv.db, crate::APP, "dead-1", &hash, srv.now())
        .await
        .unwrap();
    assert_eq!(claim, Idem::Fresh);
    let parsed = yiqiao_booking::wire::take_body(raw.as_bytes()).unwrap();
    let taken = take_number(
        &srv.db,
        &srv.rules,
        &TakeRequest {
            schedule_id: parsed.schedule_id,
            seq_no: parsed.seq_no,
            patient: parsed.patient,
            platform_order_id: Some(parsed.platform_order_id),
            channel: parsed.channel,
            app_id: Some(crate::APP.to_owned()),
        },
        &Actor::machine(crate::APP),
        srv.now(),
    )
    .await
    .unwrap();
    let Taken::New(first) = taken else {
        panic!("expected a new ticket")
    };

    // A minute later the platform retries with the same key and body.
    let later = srv.now() + chrono::Duration::seconds(61);
    srv.set_now(later);
    let retry = srv
        .client
        .post("/platform/v1/tickets", &body, "dead-1")
        .await
        .unwrap();
    assert_eq!(retry.code(), "OK", "{:?}", retry.body);
    assert_eq!(retry.data()["ticket_id"], first.ticket.id.as_str());
    // Answered now: a further retry replays it.
    let again = srv
        .client
        .post("/platform/v1/tickets", &body, "dead-1")
        .await
        .unwrap();
    assert_eq!(again.body, retry.body);
    let r = srv
        .client
        .get(&format!("/platform/v1/schedules/{}/slots", s.id), &[])
        .await
        .unwrap();
    assert_eq!(r.data().as_array().unwrap().len(), 2, "one ticket only");
}
