//! The queue and case pages over real HTTP. The signed-in person is put into the request the
//! way the web crate's session layer does (this crate has no sessions of its own).

use std::sync::Arc;

use yiqiao_core::time::ManualClock;
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

use crate::data_dir;
use crate::queue::{hospital, now};

use yiqiao_http::testing::Browser;

const CSRF: &str = "test-csrf-token";

/// The pages on a port of their own; `x-test-role` names the signed-in person's role.
async fn pages(t: &TestDb) -> String {
    let state = yiqiao_drg::pages::DrgState::new(
        t.db.clone(),
        Arc::new(ManualClock::new(now())),
        "zj-drg-2022",
    );
    let (router, _) = yiqiao_drg::pages::routes(state).into_parts();
    yiqiao_http::testing::serve_as_header_role(router, yiqiao_drg::pages::navigation(), CSRF)
        .await
        .unwrap()
}

/// The 2026 policy form with `rates` as the DRG table.
fn policy_2026(rates: &str) -> Vec<(&'static str, String)> {
    vec![
        ("year", "2026".into()),
        ("hospital_coefficient", "1.02".into()),
        ("high_bands", "100=3;200=2.5;*=2".into()),
        ("high_addition", "1".into()),
        ("low_multiple", "0.4".into()),
        ("low_coefficient", "1".into()),
        ("extreme_multiple", "5".into()),
        ("min_group_cases", "5".into()),
        ("readmission_days", "15".into()),
        ("point_value", "".into()),
        ("budget", "8050000".into()),
        ("total_points", "100000".into()),
        ("rates", rates.into()),
    ]
}

#[tokio::test]
async fn insurance_enters_a_policy_year_and_the_case_page_prices_the_case() {
    let t = hospital().await;
    let base = pages(&t).await;
    yiqiao_drg::store::import_folder(&t.db, &data_dir(), None, &Actor::system("test"), now())
        .await
        .unwrap();
    let insurance = Browser::new(&base, "insurance", CSRF);
    let records = Browser::new(&base, "records", CSRF);

    // No year yet: the case page says so; the form opens on the clock's year.
    let (_, page) = records.get("/drg/cases/Z1").await;
    assert!(page.contains("尚未录入 2026 年度付费政策"), "{page}");
    let (code, page) = insurance.get("/drg/policy").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("尚未录入任何年度") && page.contains("2026 年度"),
        "{page}"
    );

    // Only the insurance office enters years.
    assert_eq!(records.get("/drg/policy").await.0, 403);
    let stay = yiqiao_drg::store::checks::stay(&*t.db, "Z1")
        .await
        .unwrap()
        .unwrap();
    let e = crate::version("zj-drg-2022").explain(&stay.case());
    assert_eq!(e.grouping.status, yiqiao_drg::Status::Success);
    let drg = e.grouping.drg.to_owned();
    // Z1 cost 32 560.12 元 against an average of 30 000 元 (1.085 ×): a complete stay.
    let rates = format!("{drg}\t100\t30000\n");
    let form = policy_2026(&rates);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, _, _) = records.post("/drg/policy", &fields).await;
    assert_eq!(code, 403);

    // A refused form comes back as typed, with the problem named, and nothing is stored.
    let mut bad: Vec<(&str, &str)> = fields.clone();
    bad.retain(|(k, _)| *k != "rates");
    bad.push(("rates", "XX99 一百 30000"));
    let (code, _, page) = insurance.post("/drg/policy", &bad).await;
    assert_eq!(code, 422);
    assert!(
        page.contains("病组点数表第 1 行有误：基准点数不是有效数值"),
        "{page}"
    );
    assert!(page.contains("XX99 一百 30000"));
    assert!(
        yiqiao_drg::store::policy::list(&*t.db)
            .await
            .unwrap()
            .is_empty()
    );

    let (code, loc, _) = insurance.post("/drg/policy", &fields).await;
    assert_eq!((code, loc.as_str()), (303, "/drg/policy?year=2026"));
    let (_, page) = insurance.get("/drg/policy?year=2026").await;
    // 8 050 000 元 ÷ 100 000 points = 8 050 分 per point.
    assert!(page.contains("现行点值 8050.0000 分/点"), "{page}");
    assert!(
        page.contains(&format!("{drg}\t100.0000\t30000.00\t医院")),
        "{page}"
    );

    // The year reads back as entered.
    let year = yiqiao_drg::store::policy::load(&*t.db, 2026)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(year.terms().hospital_coefficient.to_string(), "1.0200");
    assert_eq!(
        year.drg(&drg).unwrap().average_cost,
        yiqiao_core::Fen(3_000_000)
    );

    // Saving again replaces the year (point value entered directly now).
    let mut again: Vec<(&str, &str)> = fields.clone();
    again.retain(|(k, _)| *k != "point_value");
    again.push(("point_value", "8000"));
    let (code, _, _) = insurance.post("/drg/policy", &again).await;
    assert_eq!(code, 303);
    assert_eq!(
        yiqiao_drg::store::policy::list(&*t.db).await.unwrap().len(),
        1
    );

    // The case: 100 × 1.02 = 102 points; 102 × 80.00 元 = 8 160.00 元; cost 32 560.12 元 →
    // deficit 24 400.12 元.
    let (code, page) = records.get("/drg/cases/Z1").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("2026 年度政策 · 正常病例") && page.contains("<strong>102.0000</strong>"),
        "{page}"
    );
    assert!(page.contains("RW 1.000000") && page.contains("住院总费用 32560.12 元"));
    assert!(
        page.contains("预估支付 8160.00 元") && page.contains("亏损 -24400.12 元"),
        "{page}"
    );
}

#[tokio::test]
async fn records_runs_the_checks_and_reads_the_queue_and_a_case() {
    let t = hospital().await;
    let base = pages(&t).await;
    let records = Browser::new(&base, "records", CSRF);

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
    let (code, _, _) = records.post("/drg/checks/run", &[]).await;
    assert_eq!(code, 404);

    yiqiao_drg::store::import_folder(&t.db, &data_dir(), None, &Actor::system("test"), now())
        .await
        .unwrap();
    // A form without the right token is refused.
    let (code, _, _) = records
        .post_with_csrf("/drg/checks/run", "wrong", &[])
        .await;
    assert_eq!(code, 403);
    let (code, loc, _) = records.post("/drg/checks/run", &[]).await;
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
        let b = Browser::new(&base, role, CSRF);
        let (code, page) = b.get("/drg/checks").await;
        assert_eq!(code, 200, "{role}");
        assert!(!page.contains("重新检查全部出院病例"));
        assert_eq!(b.get("/drg/cases/Z1").await.0, 200);
        assert_eq!(b.post("/drg/checks/run", &[]).await.0, 403, "{role}");
    }
    for role in ["nurse", "pharmacist"] {
        let b = Browser::new(&base, role, CSRF);
        assert_eq!(b.get("/drg/checks").await.0, 403, "{role}");
        assert_eq!(b.get("/drg/cases/Z1").await.0, 403, "{role}");
    }
    let anon = Browser::new(&base, "", CSRF);
    assert_eq!(anon.get("/drg/checks").await.0, 401);
}
