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
