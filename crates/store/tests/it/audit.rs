use chrono::{TimeZone, Utc};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;
use yiqiao_store::audit::{self, Actor, Change};

async fn write_three(t: &yiqiao_store::testing::TestDb) {
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    for i in 0..3 {
        let txn = t.db.begin_write().await.unwrap();
        audit::record(
            &txn,
            &Actor::person("admin"),
            Change::new("user.update", "user", format!("{i}"))
                .before(json!({"name": "张三"}))
                .after(json!({"name": "张三丰", "n": i})),
            at,
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let t = crate::test_db().await;
    write_three(&t).await;
    let v = audit::verify(&*t.db).await.unwrap();
    assert_eq!(v.rows, 3);
    assert!(v.is_intact(), "{:?}", v.problems);
}

#[tokio::test]
async fn a_changed_row_is_detected() {
    let t = crate::test_db().await;
    write_three(&t).await;
    t.db.execute_unprepared("UPDATE audit_log SET after = '{\"name\":\"李四\"}' WHERE seq = 2")
        .await
        .unwrap();
    let v = audit::verify(&*t.db).await.unwrap();
    assert_eq!(v.problems, vec!["第 2 条审计记录的内容已被改动".to_owned()]);
}

#[tokio::test]
async fn a_deleted_row_in_the_middle_is_detected() {
    let t = crate::test_db().await;
    write_three(&t).await;
    t.db.execute_unprepared("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    let v = audit::verify(&*t.db).await.unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("第 2 至 2 条审计记录缺失")),
        "{:?}",
        v.problems
    );
}

#[tokio::test]
async fn deleting_the_newest_row_is_detected() {
    let t = crate::test_db().await;
    write_three(&t).await;
    t.db.execute_unprepared("DELETE FROM audit_log WHERE seq = 3")
        .await
        .unwrap();
    let v = audit::verify(&*t.db).await.unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("最新的记录被删除或改动")),
        "{:?}",
        v.problems
    );
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_audit_row() {
    let t = crate::test_db().await;
    let txn = t.db.begin().await.unwrap();
    audit::record(
        &txn,
        &Actor::system("test"),
        Change::new("x", "y", "1"),
        Utc::now(),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    let v = audit::verify(&*t.db).await.unwrap();
    assert_eq!(v.rows, 0);
    assert!(v.is_intact());
}

#[tokio::test]
async fn concurrent_appenders_keep_one_linear_chain() {
    let t = crate::test_db().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let txn = db.begin_write().await.unwrap();
            audit::record(
                &txn,
                &Actor::machine("his"),
                Change::new("his.patient.upsert", "patient", format!("P{i}")),
                Utc::now(),
            )
            .await
            .unwrap();
            txn.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let v = audit::verify(&*t.db).await.unwrap();
    assert_eq!(v.rows, 40);
    assert!(v.is_intact(), "{:?}", v.problems);
    let row =
        t.db.query_one_raw(Statement::from_string(
            t.db.db_backend(),
            "SELECT COUNT(DISTINCT prev_hash) AS n FROM audit_log",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 40);
}
