//! Quality indicators by month, department and doctor, and their trend chart.

use std::sync::Arc;

use sea_orm::{ActiveModelTrait, IntoActiveModel};
use yiqiao_core::time::ManualClock;
use yiqiao_http::testing::Browser;
use yiqiao_visitpage::domain::chart::{Series, trend_svg};
use yiqiao_visitpage::domain::period::Period;
use yiqiao_visitpage::store::page_row;
use yiqiao_visitpage::store::queries::{GroupBy, Scope, indicators, top_rules};
use yiqiao_visitpage::{Page, VisitPageState};

use super::assemble::{at, org};
use super::store::db;
use super::{dicts, emergency_visit, internet_visit, mutated, page, tcm_visit};

/// Six pages over two months: October one clean page; November two clean, one missing a phone
/// (incomplete), one with an invented main code, one with a wrong total.
async fn pages(t: &yiqiao_store::testing::TestDb) {
    let oct = at(9, 0, 0) - chrono::Duration::days(20);
    let nov = at(9, 0, 0);
    let rows: Vec<(&str, Page, chrono::DateTime<chrono::Utc>)> = vec![
        ("O1", page(&tcm_visit()), oct),
        ("N1", page(&tcm_visit()), nov),
        ("N2", page(&emergency_visit()), nov),
        (
            "N3",
            mutated(internet_visit(), |o| {
                o.insert("phone".into(), serde_json::json!(" "));
            }),
            nov,
        ),
        (
            "N4",
            mutated(tcm_visit(), |o| {
                o.insert(
                    "western_diagnoses".into(),
                    serde_json::json!([{"name": "跌倒", "code": "W19.x00"}]),
                );
            }),
            nov,
        ),
        (
            "N5",
            mutated(tcm_visit(), |o| {
                o["fees"]["total"] = serde_json::json!(25661);
            }),
            nov,
        ),
    ];
    for (id, p, when) in rows {
        let dept = p.dept_code.clone().unwrap_or_default();
        page_row(id, id, &dept, Some(when), &p, &[], &dicts(), at(18, 0, 0))
            .into_active_model()
            .insert(t.db.conn())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn indicators_count_pages_items_codes_and_passing_by_month_department_and_doctor() {
    let t = db().await;
    pages(&t).await;
    let (oct, nov) = (
        Period::parse("2026-10").unwrap(),
        Period::parse("2026-11").unwrap(),
    );
    let all = Scope::default();
    let m = indicators(t.db.conn(), oct, nov, GroupBy::Month, &all)
        .await
        .unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(
        (m[0].key.as_str(), m[0].pages, m[0].passing),
        ("2026-10", 1, 1)
    );
    let n = &m[1];
    assert_eq!(n.key, "2026-11");
    assert_eq!(n.pages, 5);
    // N3 lacks its phone: one page incomplete, one item of 27+27+30+27+27 missing (N2 is an
    // emergency with allergy: 27 + triage + destination + allergy drugs + admission time).
    assert_eq!(n.complete_pages, 4);
    assert_eq!(n.required_items, 27 + 31 + 27 + 27 + 27);
    assert_eq!(n.filled_items, n.required_items - 1);
    // N4's main code is an external cause (VP-R31): not a correct main code.
    assert_eq!(n.main_code_ok, 4);
    assert_eq!(n.passing, 2);
    assert_eq!(n.page_completeness(), 800);
    assert_eq!(n.main_code_rate(), 800);
    assert_eq!(n.passing_rate(), 400);
    assert_eq!(n.item_completeness_pct(), "99.3%");

    let d = indicators(t.db.conn(), nov, nov, GroupBy::Dept, &all)
        .await
        .unwrap();
    let keys: Vec<(&str, i64)> = d.iter().map(|r| (r.key.as_str(), r.pages)).collect();
    assert_eq!(keys, [("A01", 1), ("A02", 1), ("A03.01", 3)]);
    let one = Scope {
        dept: Some("A03.01".into()),
        doctor: None,
    };
    let m = indicators(t.db.conn(), oct, nov, GroupBy::Month, &one)
        .await
        .unwrap();
    assert_eq!(m.iter().map(|r| r.pages).collect::<Vec<_>>(), [1, 3]);
    let doc = indicators(t.db.conn(), oct, nov, GroupBy::Doctor, &all)
        .await
        .unwrap();
    assert_eq!(doc.len(), 1);
    assert_eq!(doc[0].key, "李医生");
    assert_eq!(doc[0].pages, 6);

    let top = top_rules(t.db.conn(), nov, nov, &all).await.unwrap();
    assert!(top.contains(&("VP-R01".to_string(), 1)), "{top:?}");
    assert!(top.contains(&("VP-R23".to_string(), 1)), "{top:?}");
    assert!(top.contains(&("VP-R31".to_string(), 1)), "{top:?}");
}

#[tokio::test]
async fn the_indicators_page_draws_the_trend_as_svg() {
    let t = db().await;
    pages(&t).await;
    let state = VisitPageState::new(
        t.db.clone(),
        Arc::new(ManualClock::new(at(18, 0, 0))),
        org(),
    );
    let (router, _) = yiqiao_visitpage::routes(state).into_parts();
    let base = yiqiao_http::testing::serve_as_header_role(router, vec![], "x")
        .await
        .unwrap();
    let (code, body) = Browser::new(&base, "quality", "x")
        .get("/visitpage/indicators")
        .await;
    assert_eq!(code, 200);
    assert!(
        body.contains("<svg") && body.contains("全院质控指标月度趋势"),
        "{body}"
    );
    assert!(body.contains("全部规则通过率 2026-11：40.0%"), "{body}");
    let (code, body) = Browser::new(&base, "quality", "x")
        .get("/visitpage/indicators?from=2026-10&to=2026-11&dept=A03.01")
        .await;
    assert_eq!(code, 200);
    assert!(body.contains("科室 中医内科 质控指标月度趋势"), "{body}");
    assert_eq!(
        Browser::new(&base, "quality", "x")
            .get("/visitpage/indicators?from=2026-1")
            .await
            .0,
        400
    );
}

#[test]
fn a_month_without_pages_breaks_the_line() {
    let months: Vec<String> = ["2026-09", "2026-10", "2026-11"].map(String::from).to_vec();
    let svg = trend_svg(
        "t",
        &months,
        &[Series {
            name: "率<A&B>".into(),
            values: vec![Some(1000), None, Some(500)],
        }],
    );
    // Two separate moves, no line across the gap; text escaped.
    let path = svg
        .split("<path d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(path.matches('M').count(), 2, "{path}");
    assert!(!path.contains('L'), "{path}");
    assert!(svg.contains("率&lt;A&amp;B&gt;"));
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
}
