//! The outbox against a real HTTP receiver on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{TimeZone, Utc};
use sea_orm::TransactionTrait;
use serde_json::json;
use yiqiao_core::time::{Clock, ManualClock};
use yiqiao_store::outbox::{self, JsonPost, NewMessage, Policy, Registry, Worker, state};

/// A receiver that answers each request with the next status of its script (200 after the
/// script runs out) and remembers the message ids it saw.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<Vec<u16>>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start(script: Vec<u16>) -> (Receiver, String) {
        let r = Receiver {
            script: Arc::new(Mutex::new(script.into_iter().rev().collect())),
            seen: Arc::default(),
        };
        let state = r.clone();
        let app = Router::new().route(
            "/in",
            post(move |headers: HeaderMap, _body: String| {
                let state = state.clone();
                async move {
                    let id = headers
                        .get("x-message-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    state.seen.lock().unwrap().push(id);
                    let code = state.script.lock().unwrap().pop().unwrap_or(200);
                    (StatusCode::from_u16(code).unwrap(), "{\"ok\":true}")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}/in"))
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
}

fn worker(db: &yiqiao_store::Db, url: &str, clock: Arc<ManualClock>) -> Worker {
    let mut reg = Registry::new();
    reg.register(Arc::new(JsonPost {
        kind: "test.notice",
        label: "测试通知",
        url: url.to_owned(),
    }));
    Worker::new(
        db.clone(),
        Arc::new(reg),
        clock,
        Policy {
            base_delay: Duration::from_secs(10),
            max_attempts: 3,
            request_timeout: Duration::from_secs(2),
            ..Policy::default()
        },
    )
    .unwrap()
}

async fn enqueue(db: &yiqiao_store::Db, n: i32) -> outbox::Message {
    let txn = db.begin_write().await.unwrap();
    let m = outbox::enqueue(&txn, NewMessage::new("test.notice", json!({"n": n})), t0())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    m
}

#[tokio::test]
async fn a_message_is_delivered_with_its_stable_id() {
    let t = crate::test_db().await;
    let (rx, url) = Receiver::start(vec![]).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let m = enqueue(&t.db, 1).await;
    let p = worker(&t.db, &url, clock).pass().await.unwrap();
    assert_eq!(p.delivered, 1);
    assert_eq!(rx.seen(), vec![m.msg_id.clone()]);
    let after = outbox::get(&*t.db, m.id).await.unwrap().unwrap();
    assert_eq!(after.state, state::DELIVERED);
    assert_eq!(after.last_status, Some(200));
}

#[tokio::test]
async fn a_busy_receiver_is_retried_after_the_back_off_with_the_same_id() {
    let t = crate::test_db().await;
    let (rx, url) = Receiver::start(vec![503, 503]).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let w = worker(&t.db, &url, clock.clone());
    let m = enqueue(&t.db, 1).await;

    assert_eq!(w.pass().await.unwrap().retried, 1);
    // Not due yet: nothing is sent.
    assert_eq!(w.pass().await.unwrap(), outbox::Pass::default());
    let waiting = outbox::get(&*t.db, m.id).await.unwrap().unwrap();
    assert_eq!(
        waiting.next_attempt_at,
        t0() + chrono::Duration::seconds(10)
    );

    clock.advance(chrono::Duration::seconds(10));
    assert_eq!(w.pass().await.unwrap().retried, 1);
    let waiting = outbox::get(&*t.db, m.id).await.unwrap().unwrap();
    // Twice the first wait.
    assert_eq!(
        waiting.next_attempt_at,
        t0() + chrono::Duration::seconds(10 + 20)
    );

    clock.advance(chrono::Duration::seconds(20));
    assert_eq!(w.pass().await.unwrap().delivered, 1);
    assert_eq!(rx.seen(), vec![m.msg_id.clone(); 3]);
}

#[tokio::test]
async fn out_of_attempts_it_is_dead_and_a_person_can_retry_it() {
    let t = crate::test_db().await;
    let (rx, url) = Receiver::start(vec![503, 503, 503]).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let w = worker(&t.db, &url, clock.clone());
    let m = enqueue(&t.db, 1).await;
    for _ in 0..3 {
        w.pass().await.unwrap();
        clock.advance(chrono::Duration::hours(1));
    }
    let dead = outbox::get(&*t.db, m.id).await.unwrap().unwrap();
    assert_eq!(dead.state, state::DEAD);
    assert!(dead.last_error.unwrap().contains("已重试 3 次仍失败"));
    assert_eq!(w.pass().await.unwrap(), outbox::Pass::default());

    assert!(outbox::retry_now(&*t.db, m.id, clock.now()).await.unwrap());
    assert_eq!(w.pass().await.unwrap().delivered, 1);
    assert_eq!(rx.seen().len(), 4);
    // Delivered messages cannot be "retried" into a second delivery.
    assert!(!outbox::retry_now(&*t.db, m.id, clock.now()).await.unwrap());
}

#[tokio::test]
async fn a_refusal_is_dead_at_once() {
    let t = crate::test_db().await;
    let (_rx, url) = Receiver::start(vec![400]).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let m = enqueue(&t.db, 1).await;
    assert_eq!(worker(&t.db, &url, clock).pass().await.unwrap().dead, 1);
    let dead = outbox::get(&*t.db, m.id).await.unwrap().unwrap();
    assert_eq!(dead.state, state::DEAD);
    assert_eq!(dead.last_status, Some(400));
}

#[tokio::test]
async fn an_unreachable_receiver_waits_and_then_drains() {
    let t = crate::test_db().await;
    // A port with nobody listening.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}/in", closed.local_addr().unwrap());
    drop(closed);
    let clock = Arc::new(ManualClock::new(t0()));
    let m = enqueue(&t.db, 1).await;
    assert_eq!(
        worker(&t.db, &dead_url, clock.clone())
            .pass()
            .await
            .unwrap()
            .retried,
        1
    );
    let (rx, url) = Receiver::start(vec![]).await;
    clock.advance(chrono::Duration::minutes(1));
    assert_eq!(
        worker(&t.db, &url, clock).pass().await.unwrap().delivered,
        1
    );
    assert_eq!(rx.seen(), vec![m.msg_id]);
}

#[tokio::test]
async fn a_rolled_back_business_change_sends_nothing() {
    let t = crate::test_db().await;
    let (rx, url) = Receiver::start(vec![]).await;
    let txn = t.db.begin().await.unwrap();
    outbox::enqueue(&txn, NewMessage::new("test.notice", json!({})), t0())
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    assert_eq!(
        worker(&t.db, &url, clock).pass().await.unwrap(),
        outbox::Pass::default()
    );
    assert!(rx.seen().is_empty());
}

#[tokio::test]
async fn two_workers_never_send_one_message_twice() {
    let t = crate::test_db().await;
    let (rx, url) = Receiver::start(vec![]).await;
    for n in 0..30 {
        enqueue(&t.db, n).await;
    }
    let clock = Arc::new(ManualClock::new(t0()));
    let a = worker(&t.db, &url, clock.clone());
    let b = worker(&t.db, &url, clock);
    let (pa, pb) = tokio::join!(a.pass(), b.pass());
    assert_eq!(pa.unwrap().delivered + pb.unwrap().delivered, 30);
    let mut seen = rx.seen();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 30);
    assert_eq!(rx.seen().len(), 30);
}

#[tokio::test]
async fn a_message_held_by_a_crashed_worker_is_taken_again_after_its_lease() {
    let t = crate::test_db().await;
    let (rx, url) = Receiver::start(vec![]).await;
    let m = enqueue(&t.db, 1).await;
    // A worker claimed it and died before recording the result.
    t.db.execute_unprepared(&format!(
        "UPDATE outbox_message SET state = 'sending', attempts = 1 WHERE id = {}",
        m.id
    ))
    .await
    .unwrap();
    use sea_orm::{ActiveModelTrait, Set};
    outbox::entity::ActiveModel {
        id: Set(m.id),
        lease_until: Set(Some(t0() + chrono::Duration::minutes(2))),
        ..Default::default()
    }
    .update(&*t.db)
    .await
    .unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let w = worker(&t.db, &url, clock.clone());
    assert_eq!(w.pass().await.unwrap(), outbox::Pass::default());
    clock.advance(chrono::Duration::minutes(3));
    assert_eq!(w.pass().await.unwrap().delivered, 1);
    assert_eq!(rx.seen(), vec![m.msg_id]);
}

#[tokio::test]
async fn an_unregistered_kind_is_dead_with_a_reason() {
    let t = crate::test_db().await;
    let (_rx, url) = Receiver::start(vec![]).await;
    let txn = t.db.begin_write().await.unwrap();
    let m = outbox::enqueue(&txn, NewMessage::new("nobody.knows", json!({})), t0())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    assert_eq!(worker(&t.db, &url, clock).pass().await.unwrap().dead, 1);
    let dead = outbox::get(&*t.db, m.id).await.unwrap().unwrap();
    assert!(dead.last_error.unwrap().contains("nobody.knows"));
}

use sea_orm::ConnectionTrait;
