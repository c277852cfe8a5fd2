use yiqiao_store::migrate;

#[tokio::test]
async fn migrations_apply_once_and_are_remembered() {
    let t = crate::test_db().await;
    let again = migrate::run(&t.db, &yiqiao_store::migrations())
        .await
        .expect("second run");
    assert!(again.applied.is_empty());
    assert_eq!(again.already, yiqiao_store::migrations().len());
}
