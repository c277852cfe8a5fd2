//! A sign-in account linked to the HIS staff member (工号) it is: set on the administrator's
//! users page, checked against the HIS staff list, held by one account only.

use reqwest::StatusCode;
use serde_json::json;
use yiqiao_core::Role;
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;
use yiqiao_web::auth::store::{self as users, AccountError, UserError};

use crate::{TestApp, spawn_app, t0};

async fn with_staff() -> TestApp {
    let app = spawn_app().await;
    let his = Actor::machine("his");
    yiqiao_his::store::upsert_value(
        &app.t.db,
        Kind::Department,
        "YF01",
        &json!({"name": "门诊西药房", "kind": "pharmacy", "tcm": false, "online_booking": false}),
        &his,
        t0(),
    )
    .await
    .unwrap();
    for (code, name) in [("F001", "陈静"), ("F002", "林芳")] {
        yiqiao_his::store::upsert_value(
            &app.t.db,
            Kind::Staff,
            code,
            &json!({"name": name, "role": "pharmacist", "dept_code": "YF01",
                "title": "主管药师", "licence_no": format!("ZY33100{code}")}),
            &his,
            t0(),
        )
        .await
        .unwrap();
    }
    app.add_user("wang", &[Role::Admin]).await;
    app.add_user("yaoshi", &[Role::Pharmacist]).await;
    app.add_user("yaoshi2", &[Role::Pharmacist]).await;
    app
}

async fn id_of(app: &TestApp, username: &str) -> i64 {
    users::find_by_username(&*app.t.db, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn an_administrator_links_an_account_to_a_staff_code_that_exists_and_is_free() {
    let app = with_staff().await;
    let admin = app.login("wang").await;
    let csrf = app.csrf(&admin).await;
    let (a, b) = (id_of(&app, "yaoshi").await, id_of(&app, "yaoshi2").await);
    let link = |id: i64, code: &'static str| {
        let req = admin
            .post(app.url(&format!("/admin/users/{id}/staff")))
            .form(&[("_csrf", csrf.as_str()), ("staff_code", code)]);
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };

    // A staff code the HIS has not sent: refused by name, nothing written.
    let (status, page) = link(a, "F404").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("HIS 职工表中没有工号「F404」：请先确认 HIS 已推送该职工，或核对工号"),
        "{page}"
    );
    assert_eq!(
        users::get(&*app.t.db, a)
            .await
            .unwrap()
            .unwrap()
            .his_staff_code,
        None
    );

    let (status, page) = link(a, " F001 ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已关联 HIS 工号 F001"), "{page}");
    assert!(page.contains("value=\"F001\""), "{page}");
    assert!(
        page.contains("HIS 职工：陈静，执业资格证号 ZY33100F001"),
        "{page}"
    );
    let list = admin
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("<td>F001</td>"), "{list}");

    // Another account claiming the same staff member: refused, naming who holds it.
    let (status, page) = link(b, "F001").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("HIS 工号「F001」已关联到用户「yaoshi」，一个工号只能关联一个账号"),
        "{page}"
    );
    // Linking the holder again to the same code is no conflict with itself.
    assert_eq!(link(a, "F001").await.0, StatusCode::OK);

    // Unlinked (an empty field), the code is free for the other account.
    let (status, page) = link(a, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已解除与 HIS 工号的关联"), "{page}");
    assert_eq!(link(b, "F001").await.0, StatusCode::OK);
    assert_eq!(
        users::get(&*app.t.db, b)
            .await
            .unwrap()
            .unwrap()
            .his_staff_code,
        Some("F001".into())
    );

    // Each change is audited with before and after.
    let rows = yiqiao_store::audit::recent(&*app.t.db, Some(("user", "yaoshi")), 50)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"user.link_staff"), "{actions:?}");
    assert!(actions.contains(&"user.unlink_staff"), "{actions:?}");

    // Only the administrator: a pharmacist cannot link herself.
    let phar = app.login("yaoshi").await;
    let csrf2 = app.csrf(&phar).await;
    let res = phar
        .post(app.url(&format!("/admin/users/{a}/staff")))
        .form(&[("_csrf", csrf2.as_str()), ("staff_code", "F002")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_accounts_claiming_one_staff_member_at_once_exactly_one_wins() {
    let app = with_staff().await;
    let (a, b) = (id_of(&app, "yaoshi").await, id_of(&app, "yaoshi2").await);
    let claim = |id: i64| {
        let db = app.t.db.clone();
        tokio::spawn(async move {
            let txn = db.begin_write().await.unwrap();
            let r = users::link_staff(&txn, id, Some("F002"), &Actor::system("test"), t0()).await;
            if r.is_ok() {
                txn.commit().await.unwrap();
            }
            r
        })
    };
    let (ra, rb) = tokio::join!(claim(a), claim(b));
    let results = [ra.unwrap(), rb.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    let lost = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        matches!(
            lost,
            AccountError::User(UserError::StaffTaken { code, .. }) if code == "F002"
        ),
        "{lost:?}"
    );
    let holders: Vec<_> = users::list(&*app.t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.his_staff_code.as_deref() == Some("F002"))
        .collect();
    assert_eq!(holders.len(), 1);
}
