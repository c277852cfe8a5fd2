use yiqiao_his::clients;
use yiqiao_store::audit::Actor;

#[tokio::test]
async fn create_list_revoke() {
    let t = crate::test_db().await;
    let admin = Actor::person("admin");
    let (c, token) = clients::create(t.db.conn(), " 东软HIS ", &admin, crate::now())
        .await
        .unwrap();
    assert_eq!(c.name, "东软HIS");
    assert!(token.starts_with(clients::TOKEN_PREFIX) && token.len() == 70);
    let (_, other) = clients::create(t.db.conn(), "检验LIS", &admin, crate::now())
        .await
        .unwrap();
    assert_ne!(token, other);
    let dup = clients::create(t.db.conn(), "东软HIS", &admin, crate::now()).await;
    assert!(matches!(dup, Err(yiqiao_his::HisError::ClientExists(_))));
    assert!(
        clients::create(t.db.conn(), "  ", &admin, crate::now())
            .await
            .is_err()
    );

    let list = clients::list(t.db.conn()).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].name, "检验LIS");
    // The token itself is stored nowhere.
    let rows = yiqiao_store::audit::recent(t.db.conn(), None, 10)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| !r.after.clone().unwrap_or_default().contains(&token))
    );

    assert!(
        clients::authenticate(t.db.conn(), &token)
            .await
            .unwrap()
            .is_some()
    );
    let revoked = clients::revoke(t.db.conn(), c.id, &admin, crate::now())
        .await
        .unwrap();
    assert!(!revoked.is_active());
    assert!(
        clients::authenticate(t.db.conn(), &token)
            .await
            .unwrap()
            .is_none()
    );
    let audit = yiqiao_store::audit::recent(t.db.conn(), None, 100)
        .await
        .unwrap()
        .len();
    clients::revoke(t.db.conn(), c.id, &admin, crate::now())
        .await
        .unwrap();
    assert_eq!(
        yiqiao_store::audit::recent(t.db.conn(), None, 100)
            .await
            .unwrap()
            .len(),
        audit
    );
    assert!(matches!(
        clients::revoke(t.db.conn(), 999, &admin, crate::now()).await,
        Err(yiqiao_his::HisError::NoSuchClient(999))
    ));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    use utoipa::OpenApi;
    let doc = yiqiao_his::HisApi::openapi();
    let json = serde_json::to_value(&doc).unwrap();
    let paths = json["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 10);
    assert!(paths.contains_key("/his/v1/prescriptions/{rx_no}"));
    assert!(json["components"]["schemas"]["InpatientCase"].is_object());
    assert!(json["components"]["securitySchemes"]["his_token"].is_object());
    // Every declared route is a machine route.
    let t = crate::test_db().await;
    let state = yiqiao_his::HisState {
        db: t.db.clone(),
        clock: std::sync::Arc::new(yiqiao_core::time::SystemClock),
    };
    let routes = yiqiao_his::routes(state);
    assert_eq!(routes.specs().len(), 19);
    assert!(
        routes
            .specs()
            .iter()
            .all(|r| r.access == yiqiao_http::Access::Machine)
    );
}
