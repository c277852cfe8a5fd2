//! The queue and case pages over real HTTP. The signed-in person is put into the request the
//! way the web crate's session layer does (this crate has no sessions of its own).

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use yiqiao_core::Role;
use yiqiao_core::time::ManualClock;
use yiqiao_http::{CurrentUser, Site};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

use crate::data_dir;
use crate::queue::{hospital, now};

const CSRF: &str = "test-csrf-token";

/// The pages on a port of their own; `x-test-role` names the signed-in person's role.
async fn pages(t: &TestDb) -> String {
    let state = yiqiao_drg::pages::DrgState::new(
        t.db.clone(),
        Arc::new(ManualClock::new(now())),
        "zj-drg-2022",
    );
    let (router, _) = yiqiao_drg::pages::routes(state).into_parts();
    let router = router.layer(middleware::from_fn(
        |mut req: Request, next: Next| async move {
            let role = req
                .headers()
                .get("x-test-role")
                .and_then(|v| v.to_str().ok())
                .and_then(|r| Role::parse(r).ok());
            req.extensions_mut().insert(Site {
                hospital: "测试医院".into(),
                demo: false,
                nav: Arc::new(yiqiao_drg::pages::navigation()),
            });
            if let Some(role) = role {
                req.extensions_mut().insert(CurrentUser {
                    id: 1,
                    username: format!("u_{}", role.as_str()),
                    display_name: role.label().into(),
                    roles: vec![role],
                    csrf: CSRF.into(),
                });
            }
            next.run(req).await
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

struct Browser {
    base: String,
    role: &'static str,
    http: reqwest::Client,
}

impl Browser {
    fn new(base: &str, role: &'static str) -> Browser {
        Browser {
            base: base.into(),
            role,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }
    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-test-role", self.role)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
    async fn post(&self, path: &str, csrf: &str) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-test-role", self.role)
            .form(&[("_csrf", csrf)])
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (r.status().as_u16(), loc)
    }
}

#[tokio::test]
async fn records_runs_the_checks_and_reads_the_queue_and_a_case() {
    let t = hospital().await;
    let base = pages(&t).await;
    let records = Browser::new(&base, "records");

    // Before the version is imported: the pages say so, running is refused.
    let (code, page) = records.get("/drg/checks").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("尚未导入") && page.contains("尚未检查"),
        "{page}"
    );
    let (code, page) = records.get("/drg/cases/Z2").await;
    assert_eq!(code, 200);
    assert!(page.contains("尚未导入"), "{page}");
    let (code, _) = records.post("/drg/checks/run", CSRF).await;
    assert_eq!(code, 404);

    yiqiao_drg::store::import_folder(&t.db, &data_dir(), None, &Actor::system("test"), now())
        .await
        .unwrap();
    // A form without the right token is refused.
    let (code, _) = records.post("/drg/checks/run", "wrong").await;
    assert_eq!(code, 403);
    let (code, loc) = records.post("/drg/checks/run", CSRF).await;
    assert_eq!((code, loc.as_str()), (303, "/drg/checks"));

    let (code, page) = records.get("/drg/checks").await;
    assert_eq!(code, 200);
    assert!(page.contains("待处理病例 2 份"), "{page}");
    assert!(page.contains("心血管内科（A03.04）") && page.contains("儿科（A05.01）"));
    assert!(page.contains("/drg/cases/Z2") && page.contains("DRG-C14"));
    assert!(!page.contains("/drg/cases/Z1"));
    assert!(page.contains("重新检查全部出院病例"));
    let (_, page) = records.get("/drg/checks?dept=A05.01").await;
    assert!(page.contains("待处理病例 1 份") && page.contains("/drg/cases/Z3"));

    // The case page: group, trace, checks.
    let (code, page) = records.get("/drg/cases/Z2").await;
    assert_eq!(code, 200);
    let v = crate::version("zj-drg-2022");
    let stay = yiqiao_drg::store::checks::stay(&*t.db, "Z2")
        .await
        .unwrap()
        .unwrap();
    let e = v.explain(&stay.case());
    assert!(page.contains(e.grouping.drg), "{page}");
    for step in &e.trace {
        let shown = step.to_string();
        assert!(
            page.contains(&askama_escape(&shown)),
            "step {shown} missing"
        );
    }
    assert!(page.contains("DRG-C14") && page.contains("未填拟接收机构名称"));
    let (_, page) = records.get("/drg/cases/Z1").await;
    assert!(page.contains("未发现问题"), "{page}");
    let (code, _) = records.get("/drg/cases/nope").await;
    assert_eq!(code, 404);
}

/// The few characters askama escapes in text.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn insurance_and_quality_read_but_do_not_run() {
    let t = hospital().await;
    let base = pages(&t).await;
    yiqiao_drg::store::import_folder(&t.db, &data_dir(), None, &Actor::system("test"), now())
        .await
        .unwrap();
    for role in ["insurance", "quality"] {
        let b = Browser::new(&base, role);
        let (code, page) = b.get("/drg/checks").await;
        assert_eq!(code, 200, "{role}");
        assert!(!page.contains("重新检查全部出院病例"));
        assert_eq!(b.get("/drg/cases/Z1").await.0, 200);
        assert_eq!(b.post("/drg/checks/run", CSRF).await.0, 403, "{role}");
    }
    for role in ["nurse", "pharmacist"] {
        let b = Browser::new(&base, role);
        assert_eq!(b.get("/drg/checks").await.0, 403, "{role}");
        assert_eq!(b.get("/drg/cases/Z1").await.0, 403, "{role}");
    }
    let anon = Browser::new(&base, "");
    assert_eq!(anon.get("/drg/checks").await.0, 401);
}
