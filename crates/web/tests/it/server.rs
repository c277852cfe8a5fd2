//! The server as a whole: health, the OpenAPI document, errors for machines, shutdown.

use serde_json::Value;

use crate::spawn_app;

#[tokio::test]
async fn health_names_the_database() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/health")).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], app.t.db.backend().as_str());
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn the_openapi_document_lists_the_his_feed() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/health"));
    assert!(
        paths.keys().any(|p| p.starts_with("/his/v1/")),
        "{:?}",
        paths.keys().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/api/nothing-here")).await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!(body, @r#"
    {
      "code": "NOT_FOUND",
      "message": "没有这个地址"
    }
    "#);
}

#[tokio::test]
async fn a_person_without_a_session_gets_a_json_401_from_an_api() {
    let app = spawn_app().await;
    let res = reqwest::Client::new()
        .get(app.url("/admin/users"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!(body, @r#"
    {
      "code": "UNAUTHENTICATED",
      "message": "请先登录"
    }
    "#);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_and_writes_nothing() {
    let mut config = yiqiao_web::Config::default();
    config.http.max_body_bytes = 1024;
    let app = crate::spawn_app_with(config).await;
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(4096));
    let res = reqwest::Client::new()
        .put(app.url("/his/v1/departments/D01"))
        .header("authorization", "Bearer whatever")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    // Refused before or after authentication, but never accepted and never a 500.
    assert!(
        res.status() == 413 || res.status() == 401,
        "{}",
        res.status()
    );
    let body: Value = res.json().await.unwrap();
    assert!(body["code"].is_string());
}

#[tokio::test]
async fn shutdown_finishes_and_frees_the_port() {
    let mut app = spawn_app().await;
    let running = app.running.take().unwrap();
    let addr = running.addr;
    running.shutdown().await;
    assert!(reqwest::get(format!("http://{addr}/health")).await.is_err());
}

#[tokio::test]
async fn the_demo_hospital_loads_once_its_accounts_sign_in_and_pages_say_demo() {
    let t = yiqiao_store::testing::TestDb::new(&yiqiao_web::all_migrations())
        .await
        .unwrap();
    let mut cfg = yiqiao_web::Config::default();
    // The booking secrets' key from configuration, not a key file in the working directory.
    cfg.booking.secret_key = "42".repeat(32);
    let first = yiqiao_web::demo::load(&t.db, &cfg, crate::t0())
        .await
        .unwrap();
    assert!(!first.already);
    assert!(first.to_string().contains("患者 3000"), "{first}");
    let again = yiqiao_web::demo::load(&t.db, &cfg, crate::t0())
        .await
        .unwrap();
    assert!(again.already);
    let app = crate::spawn_app_on(t, cfg).await;
    let c = app.client();
    let res = app
        .submit_login(&c, "admin", yiqiao_web::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(res.status(), 303);
    let page = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("演示数据"));
    assert!(page.contains("患者"));
    let v = yiqiao_store::audit::verify(&*app.t.db).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
}

#[tokio::test]
async fn the_demo_is_not_loaded_over_real_data() {
    let app = spawn_app().await;
    app.add_user("someone", &[yiqiao_core::Role::Admin]).await;
    let err = yiqiao_web::demo::load(&app.t.db, &yiqiao_web::Config::default(), crate::t0())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("数据库不是空的"), "{err}");
}

#[tokio::test]
async fn the_scheduled_jobs_generate_the_coming_days_once() {
    let t = yiqiao_store::testing::TestDb::new(&yiqiao_web::all_migrations())
        .await
        .unwrap();
    let mut cfg = yiqiao_web::Config::default();
    cfg.booking.secret_key = "42".repeat(32);
    yiqiao_web::demo::load(&t.db, &cfg, crate::t0())
        .await
        .unwrap();
    let rules = cfg.booking.rules().unwrap();
    // A week later, the days that came into the release horizon get their schedules…
    let later = crate::t0() + chrono::Duration::days(7);
    let first = yiqiao_web::jobs::tick(&t.db, &rules, &cfg.inspection, later)
        .await
        .unwrap();
    assert!(first.schedules_created > 0, "{first:?}");
    // …once: a second round (or a second node) creates nothing more.
    let second = yiqiao_web::jobs::tick(&t.db, &rules, &cfg.inspection, later)
        .await
        .unwrap();
    assert_eq!(second.schedules_created, 0, "{second:?}");
}
