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
