//! The request budget per platform app (限流): 429 `RATE_LIMITED` with `Retry-After` beyond
//! it, counted only for requests that prove their app, and per app. The server's clock is the
//! test's manual clock, so the budget refills only when the test moves time.

use chrono::Duration;
use yiqiao_booking::Rules;
use yiqiao_booking::domain::rate::RateRule;
use yiqiao_store::audit::Actor;

use crate::{APP, SECRET, key, server_with_budget};

#[tokio::test]
async fn beyond_the_burst_the_platform_is_told_to_wait_then_served_again() {
    let budget = RateRule::parse(2, 3).unwrap();
    let mut srv = server_with_budget(Rules::default(), budget).await;
    for _ in 0..3 {
        let r = srv
            .client
            .get("/platform/v1/departments", &[])
            .await
            .unwrap();
        assert_eq!(r.code(), "OK");
    }
    let r = srv
        .client
        .get("/platform/v1/departments", &[])
        .await
        .unwrap();
    assert_eq!(r.status, 429);
    assert_eq!(r.code(), "RATE_LIMITED");
    assert_eq!(r.data()["retry_after_ms"], 500);
    assert_eq!(r.retry_after, Some(1));
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("请 1 秒后重试")
    );
    // Writes are refused the same way, before anything is taken or remembered.
    let r = srv
        .client
        .post(
            "/platform/v1/waitlist",
            &serde_json::json!({}),
            "rate-key-1",
        )
        .await
        .unwrap();
    assert_eq!(r.code(), "RATE_LIMITED");

    // Half a second later one more request is allowed (2 a second), not two.
    let later = srv.now() + Duration::milliseconds(500);
    srv.set_now(later);
    assert_eq!(
        srv.client
            .get("/platform/v1/departments", &[])
            .await
            .unwrap()
            .code(),
        "OK"
    );
    assert_eq!(
        srv.client
            .get("/platform/v1/departments", &[])
            .await
            .unwrap()
            .code(),
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn forged_requests_do_not_spend_an_apps_budget() {
    let budget = RateRule::parse(1, 2).unwrap();
    let srv = server_with_budget(Rules::default(), budget).await;
    let forger = srv.client_for(APP, "not-the-secret-at-all");
    for _ in 0..10 {
        let r = forger.get("/platform/v1/departments", &[]).await.unwrap();
        assert_eq!(r.code(), "AUTH_SIGNATURE");
    }
    for _ in 0..2 {
        let r = srv
            .client
            .get("/platform/v1/departments", &[])
            .await
            .unwrap();
        assert_eq!(r.code(), "OK");
    }
}

#[tokio::test]
async fn each_app_has_its_own_budget() {
    let budget = RateRule::parse(1, 1).unwrap();
    let srv = server_with_budget(Rules::default(), budget).await;
    yiqiao_booking::store::platform::add_app(
        &srv.db,
        &yiqiao_booking::config::KeyProvider::fixed(key()),
        "other-app",
        "另一个平台",
        None,
        Some(SECRET),
        &Actor::person("admin"),
        srv.now(),
    )
    .await
    .unwrap();
    let other = srv.client_for("other-app", SECRET);
    assert_eq!(
        srv.client
            .get("/platform/v1/departments", &[])
            .await
            .unwrap()
            .code(),
        "OK"
    );
    assert_eq!(
        srv.client
            .get("/platform/v1/departments", &[])
            .await
            .unwrap()
            .code(),
        "RATE_LIMITED"
    );
    assert_eq!(
        other
            .get("/platform/v1/departments", &[])
            .await
            .unwrap()
            .code(),
        "OK"
    );
}

#[test]
fn the_configured_budget_must_let_something_through() {
    let config = yiqiao_booking::BookingConfig {
        rate_per_second: 0,
        ..Default::default()
    };
    assert!(config.rate_rule().unwrap_err().contains("rate_per_second"));
}
