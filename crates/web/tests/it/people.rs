//! Signing in and out, sessions, throttling, CSRF, user administration.

use chrono::Duration;
use serde_json::Value;
use yiqiao_core::Role;

use crate::{PASSWORD, spawn_app};

#[tokio::test]
async fn a_person_signs_in_sees_the_dashboard_and_signs_out() {
    let app = spawn_app().await;
    app.add_user("wang", &[Role::Registration]).await;
    let c = app.client();
    let res = app.submit_login(&c, "wang", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("yiqiao_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let page = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("工作台"));
    assert!(html.contains("挂号收费处"));

    let csrf = crate::hidden(&html, "_csrf");
    let out = c
        .post(app.url("/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert!(
        after.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_gives_no_session() {
    let app = spawn_app().await;
    app.add_user("wang", &[Role::Admin]).await;
    let c = app.client();
    let res = app.submit_login(&c, "wang", "wrong-pass-1").await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("用户名或密码错误"));
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 303);
    // An unknown user name gets the same answer.
    let res = app.submit_login(&c, "nobody", "wrong-pass-1").await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("用户名或密码错误"));
}

#[tokio::test]
async fn repeated_failures_lock_the_user_name_for_a_while() {
    let app = spawn_app().await;
    app.add_user("wang", &[Role::Admin]).await;
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(
            app.submit_login(&c, "wang", "wrong-pass-1").await.status(),
            401
        );
    }
    // Even the right password is refused now.
    let res = app.submit_login(&c, "wang", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("已暂时锁定"));
    // After the window the person can sign in again.
    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.submit_login(&c, "wang", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn a_sign_in_without_the_form_token_is_refused() {
    let app = spawn_app().await;
    app.add_user("wang", &[Role::Admin]).await;
    let c = app.client();
    let res = c
        .post(app.url("/login"))
        .form(&[("username", "wang"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("登录表单已过期"));
}

#[tokio::test]
async fn an_idle_session_expires_and_the_person_is_told() {
    let app = spawn_app().await;
    app.add_user("wang", &[Role::Admin]).await;
    let c = app.login("wang").await;
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
    app.clock.advance(Duration::minutes(241));
    let res = c.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("expired=1"), "{to}");
    assert!(to.contains("next=/admin/users"), "{to}");
    let login = c
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("登录已过期"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.add_user("admin1", &[Role::Admin]).await;
    let c = app.login("admin1").await;
    let res = c
        .post(app.url("/admin/users"))
        .form(&[
            ("username", "li"),
            ("display_name", "李"),
            ("password", "abcd12345"),
            ("role", "nurse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("表单已过期或来源不明"));
    assert!(
        yiqiao_web::auth::store::find_by_username(&*app.t.db, "li")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_administrator_adds_a_person_who_can_then_sign_in_and_it_is_audited() {
    let app = spawn_app().await;
    app.add_user("admin1", &[Role::Admin]).await;
    let c = app.login("admin1").await;
    let csrf = app.csrf(&c).await;
    let res = c
        .post(app.url("/admin/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "li.hushi"),
            ("display_name", "李护士"),
            ("password", "ward2026ok"),
            ("role", "nurse"),
            ("role", "pharmacist"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let u = yiqiao_web::auth::store::find_by_username(&*app.t.db, "li.hushi")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.roles, "nurse,pharmacist");
    let rows = yiqiao_store::audit::recent(&*app.t.db, Some(("user", "li.hushi")), 10)
        .await
        .unwrap();
    assert_eq!(rows[0].actor, "admin1");
    assert_eq!(rows[0].action, "user.create");
    assert!(!rows[0].after.as_deref().unwrap().contains("ward2026ok"));

    let n = app.client();
    assert_eq!(
        app.submit_login(&n, "li.hushi", "ward2026ok")
            .await
            .status(),
        303
    );

    // The same user name again is refused, clearly.
    let res = c
        .post(app.url("/admin/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "li.hushi"),
            ("display_name", "另一个"),
            ("password", "ward2026ok"),
            ("role", "nurse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("已存在"));
}

#[tokio::test]
async fn a_deactivated_person_loses_their_session_at_once() {
    let app = spawn_app().await;
    app.add_user("admin1", &[Role::Admin]).await;
    app.add_user("zhou", &[Role::Nurse]).await;
    let nurse = app.login("zhou").await;
    assert_eq!(nurse.get(app.url("/")).send().await.unwrap().status(), 200);
    let admin = app.login("admin1").await;
    let csrf = app.csrf(&admin).await;
    let u = yiqiao_web::auth::store::find_by_username(&*app.t.db, "zhou")
        .await
        .unwrap()
        .unwrap();
    let res = admin
        .post(app.url(&format!("/admin/users/{}", u.id)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "周护士"),
            ("role", "nurse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(nurse.get(app.url("/")).send().await.unwrap().status(), 303);
    let res = app.submit_login(&app.client(), "zhou", PASSWORD).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_retry_of_a_dead_message_is_audited() {
    let app = spawn_app().await;
    app.add_user("admin1", &[Role::Admin]).await;
    let txn = app.t.db.begin_write().await.unwrap();
    let m = yiqiao_store::outbox::enqueue(
        &txn,
        yiqiao_store::outbox::NewMessage::new("test.kind", serde_json::json!({})),
        crate::t0(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    use sea_orm::ConnectionTrait;
    app.t
        .db
        .execute_unprepared("UPDATE outbox_message SET state = 'dead'")
        .await
        .unwrap();
    let c = app.login("admin1").await;
    let page = c
        .get(app.url("/admin/outbox?state=dead"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&m.msg_id));
    let csrf = crate::hidden(&page, "_csrf");
    let res = c
        .post(app.url(&format!("/admin/outbox/{}/retry", m.id)))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let after = yiqiao_store::outbox::get(&*app.t.db, m.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.state, "pending");
    let rows = yiqiao_store::audit::recent(&*app.t.db, Some(("outbox_message", &m.msg_id)), 5)
        .await
        .unwrap();
    assert_eq!(rows[0].action, "outbox.retry");
    // Once pending it cannot be "retried" into a conflict state; a delivered one says why.
    app.t
        .db
        .execute_unprepared("UPDATE outbox_message SET state = 'delivered'")
        .await
        .unwrap();
    let res = c
        .post(app.url(&format!("/admin/outbox/{}/retry", m.id)))
        .header("accept", "application/json")
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "NOT_RETRYABLE");
}
