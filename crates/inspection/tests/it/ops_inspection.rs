//! Monthly inspections, faults and configuration changes, on the database and over HTTP.

use std::collections::HashMap;

use yiqiao_http::testing::{Browser, ROLE_HEADER};
use yiqiao_inspection::domain::asset::AssetKind;
use yiqiao_inspection::domain::fault::FaultStep;
use yiqiao_inspection::domain::inspection::{Check, Outcome, Period, judge, template_for};
use yiqiao_inspection::store::OpsError;
use yiqiao_inspection::store::asset as assets;
use yiqiao_inspection::store::inspection::{self as st, Answer, ChangeDraft, FaultDraft};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

use crate::ops_assets::{CSRF, at, db, firewall, serve};

#[test]
fn readings_outside_their_range_fail() {
    let room = template_for(AssetKind::AirConditioner);
    let temp = room.iter().find(|i| i.code == "room_temp").unwrap();
    assert!(matches!(temp.check, Check::Range { min, max, .. } if min == 18.0 && max == 27.0));
    assert_eq!(
        judge(&temp.check, temp.label, "27").unwrap(),
        Some(Outcome::Pass)
    );
    assert_eq!(
        judge(&temp.check, temp.label, "27.5").unwrap(),
        Some(Outcome::Fail)
    );
    assert_eq!(judge(&temp.check, temp.label, "").unwrap(), None);
    assert_eq!(
        judge(&temp.check, temp.label, "abc")
            .unwrap_err()
            .to_string(),
        "「冷通道温度」的读数「abc」不是数字"
    );
    assert_eq!(
        judge(&Check::PassFail, "x", "异常").unwrap(),
        Some(Outcome::Fail)
    );
    assert!(
        template_for(AssetKind::Firewall)
            .iter()
            .any(|i| i.code == "signature")
    );
    assert_eq!(
        Period::parse("2026-12").unwrap().next().to_string(),
        "2027-01"
    );
    assert_eq!(
        Period::parse("2026-01").unwrap().previous().to_string(),
        "2025-12"
    );
    assert!(Period::parse("2026-13").is_none());
}

async fn two_devices(t: &TestDb) -> (i64, i64) {
    let me = Actor::person("it");
    let fw = assets::create_asset(
        &t.db,
        &firewall("FW-01").parse().unwrap(),
        &me,
        at("2026-11-01"),
    )
    .await
    .unwrap();
    let mut ac = firewall("AC-01");
    ac.kind = "精密空调".into();
    ac.name = "精密空调1".into();
    ac.signature_end.clear();
    ac.mgmt_ip.clear();
    let ac = assets::create_asset(&t.db, &ac.parse().unwrap(), &me, at("2026-11-01"))
        .await
        .unwrap();
    (fw, ac)
}

#[tokio::test]
async fn a_month_from_plan_to_confirmation() {
    let t = db().await;
    let (_, ac) = two_devices(&t).await;
    let nov = Period::parse("2026-11").unwrap();
    assert_eq!(
        st::plan_month(&t.db, nov, at("2026-11-02")).await.unwrap(),
        2
    );
    assert_eq!(
        st::plan_month(&t.db, nov, at("2026-11-02")).await.unwrap(),
        0
    );
    let rs = st::records(t.db.conn(), nov).await.unwrap();
    assert_eq!(rs.len(), 2);
    let rec = rs
        .iter()
        .find(|r| r.record.asset_id == ac)
        .unwrap()
        .record
        .id;
    let eng = Actor::person("张工");
    let staff = Actor::person("信息科李");
    // Signing an unfilled record is refused.
    assert!(matches!(
        st::sign(&t.db, rec, &eng, at("2026-11-05")).await,
        Err(OpsError::Unprocessable(_))
    ));
    let d = st::record_detail(t.db.conn(), rec).await.unwrap();
    let mut answers: Vec<Answer> = d
        .items
        .iter()
        .map(|i| Answer {
            seq: i.seq,
            answer: if i.check_kind == "range" {
                "22".into()
            } else {
                "pass".into()
            },
            note: String::new(),
        })
        .collect();
    answers[0].answer = "29.5".into(); // cold aisle too warm
    answers[0].note = "冷通道温度偏高".into();
    let bad = vec![Answer {
        seq: 1,
        answer: "热".into(),
        note: String::new(),
    }];
    assert!(matches!(
        st::save_answers(&t.db, rec, &bad, "", &eng, at("2026-11-05")).await,
        Err(OpsError::Bad(m)) if m == "「冷通道温度」的读数「热」不是数字"
    ));
    st::save_answers(&t.db, rec, &answers, "整体正常", &eng, at("2026-11-05"))
        .await
        .unwrap();
    // Confirmation before the engineer signed is refused.
    assert!(matches!(
        st::confirm(&t.db, rec, &staff, at("2026-11-05")).await,
        Err(OpsError::Unprocessable(_))
    ));
    // Two sign-offs at once: one wins, one fault is opened.
    let (a, b) = tokio::join!(
        st::sign(&t.db, rec, &eng, at("2026-11-05")),
        st::sign(&t.db, rec, &eng, at("2026-11-05"))
    );
    let results = [a, b];
    assert_eq!(
        results.iter().filter(|r| matches!(r, Ok(1))).count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, Err(OpsError::Conflict(_))))
            .count(),
        1
    );
    // Signed: answers are frozen.
    assert!(matches!(
        st::save_answers(&t.db, rec, &answers, "", &eng, at("2026-11-06")).await,
        Err(OpsError::Conflict(_))
    ));
    st::confirm(&t.db, rec, &staff, at("2026-11-06"))
        .await
        .unwrap();
    let d = st::record_detail(t.db.conn(), rec).await.unwrap();
    assert_eq!(d.record.state, "confirmed");
    assert_eq!(d.record.confirmed_by, "信息科李");
    assert_eq!(d.faults.len(), 1);
    assert_eq!(d.faults[0].title, "2026-11 巡检：冷通道温度读数 29.5℃");
    assert_eq!(d.faults[0].description, "冷通道温度偏高");

    // The fault's life, with durations: reported 11-05 10:00, confirmed +90 min, a
    // replacement approved, replaced two days later, closed.
    let f = d.faults[0].id;
    assert!(matches!(
        st::step_fault(&t.db, f, FaultStep::Replace, "", "", &eng, at("2026-11-05")).await,
        Err(OpsError::Conflict(m)) if m == "故障当前为「已报告」，不能已更换"
    ));
    let t0 = at("2026-11-05");
    st::step_fault(
        &t.db,
        f,
        FaultStep::Confirm,
        "",
        "",
        &staff,
        t0 + chrono::Duration::minutes(90),
    )
    .await
    .unwrap();
    st::step_fault(
        &t.db,
        f,
        FaultStep::ApproveReplacement,
        "",
        "HW-CASE-1",
        &staff,
        t0 + chrono::Duration::minutes(120),
    )
    .await
    .unwrap();
    st::step_fault(
        &t.db,
        f,
        FaultStep::Replace,
        "更换压缩机",
        "",
        &eng,
        t0 + chrono::Duration::days(2),
    )
    .await
    .unwrap();
    st::step_fault(
        &t.db,
        f,
        FaultStep::Close,
        "",
        "",
        &staff,
        t0 + chrono::Duration::days(3),
    )
    .await
    .unwrap();
    let v = st::fault(t.db.conn(), f).await.unwrap();
    assert_eq!(v.state_label(), "已关闭");
    assert_eq!(
        (v.response_minutes, v.repair_minutes),
        (Some(90), Some(2880))
    );
    assert_eq!(
        (v.response(), v.repair()),
        ("1 小时 30 分".to_owned(), "2 天 0 小时".to_owned())
    );
    assert_eq!(v.fault.vendor_case_no, "HW-CASE-1");
    assert_eq!(v.fault.resolution, "更换压缩机");
    let log = st::run_log(t.db.conn(), ac).await.unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["巡检", "故障"]);
}

#[tokio::test]
async fn changes_keep_before_and_after_with_their_diff() {
    let t = db().await;
    two_devices(&t).await;
    let eng = Actor::person("张工");
    let id = st::record_change(
        &t.db,
        &ChangeDraft {
            asset_code: "FW-01".into(),
            changed_at: "2026-11-10 22:30".into(),
            reason: "开放 HIS 前置机 443 端口".into(),
            before_text: "rule 1 permit 80\r\nrule 2 deny any\r\n".into(),
            after_text: "rule 1 permit 80\nrule 2 permit 443\nrule 3 deny any\n".into(),
        },
        &eng,
        at("2026-11-11"),
    )
    .await
    .unwrap();
    let c = st::change(t.db.conn(), id).await.unwrap();
    assert_eq!(
        yiqiao_core::time::format_local(c.changed_at),
        "2026-11-10 22:30:00"
    );
    assert_eq!(
        st::diff(&c),
        "--- 变更前\n+++ 变更后\n@@ -1,2 +1,3 @@\n rule 1 permit 80\n-rule 2 deny any\n+rule 2 permit 443\n+rule 3 deny any\n"
    );
    assert!(matches!(
        st::record_change(&t.db, &ChangeDraft { asset_code: "FW-01".into(), changed_at: "昨天".into(), reason: "x".into(), ..Default::default() }, &eng, at("2026-11-11")).await,
        Err(OpsError::Bad(m)) if m.contains("应写成")
    ));
    assert!(matches!(
        st::report_fault(
            &t.db,
            &FaultDraft {
                asset_code: "NOPE".into(),
                title: "x".into(),
                ..Default::default()
            },
            &eng,
            at("2026-11-11")
        )
        .await,
        Err(OpsError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_tablet_page_over_http() {
    let t = db().await;
    two_devices(&t).await;
    let base = serve(&t, at("2026-11-20")).await;
    let it = Browser::new(&base, "it_ops", CSRF);
    let eng = Browser::new(&base, "engineer", CSRF);
    let (s, loc, _) = eng
        .post("/inspection/rounds/plan", &[("period", "2026-11")])
        .await;
    assert_eq!(s, 303, "{loc}");
    let nov = Period::parse("2026-11").unwrap();
    let fw = st::records(t.db.conn(), nov)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.asset_code == "FW-01")
        .unwrap();
    let path = format!("/inspection/rounds/{}", fw.record.id);
    let (s, page) = eng.get(&path).await;
    assert_eq!(s, 200);
    assert!(page.contains("特征库为最新") && page.contains("type=\"radio\""));
    let d = st::record_detail(t.db.conn(), fw.record.id).await.unwrap();
    let mut fields: Vec<(String, String)> = d
        .items
        .iter()
        .map(|i| (format!("answer_{}", i.seq), "pass".to_owned()))
        .collect();
    fields[1].1 = "fail".into();
    fields.push(("note_2".into(), "2 号风扇停转".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    // IT staff do not fill inspections.
    let (s, _, _) = it.post(&path, &refs).await;
    assert_eq!(s, 403);
    let (s, loc, _) = eng.post(&path, &refs).await;
    assert_eq!(s, 303);
    assert!(loc.ends_with("msg=%E5%B7%B2%E4%BF%9D%E5%AD%98"), "{loc}");
    // A photo: too large and wrong type refused in Chinese, a small PNG kept and served.
    let http = reqwest::Client::new();
    let url = format!("{base}/api/inspection/rounds/{}/photos", fw.record.id);
    let r = http
        .post(&url)
        .header(ROLE_HEADER, "engineer")
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .post(&url)
        .header(ROLE_HEADER, "engineer")
        .header("content-type", "image/png")
        .body(vec![0u8; st::MAX_PHOTO_BYTES + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["message"],
        "照片太大（最多 2 MB）"
    );
    let png = b"\x89PNG\r\n\x1a\nfake-but-small".to_vec();
    let r = http
        .post(&url)
        .header(ROLE_HEADER, "engineer")
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pid = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let got = http
        .get(format!("{base}/inspection/photos/{pid}"))
        .header(ROLE_HEADER, "it_ops")
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().to_vec(), png);

    let (s, loc, _) = eng.post(&format!("{path}/sign"), &[]).await;
    assert_eq!(s, 303, "{loc}");
    let (s, _, _) = eng.post(&format!("{path}/confirm"), &[]).await;
    assert_eq!(s, 403);
    let (s, _, _) = it.post(&format!("{path}/confirm"), &[]).await;
    assert_eq!(s, 303);
    let (_, page) = it.get(&path).await;
    assert!(
        page.contains("已确认") && page.contains("风扇运行异常"),
        "{page}"
    );
    // The record prints (typst, the system's Chinese font).
    let pdf = http
        .get(format!("{base}{path}/pdf"))
        .header(ROLE_HEADER, "it_ops")
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    if let Ok(keep) = std::env::var("YIQIAO_KEEP_PDF") {
        std::fs::write(keep, &bytes).unwrap();
    }
    // The fault page: the engineer may not confirm it, the staff may.
    let faults = st::faults(t.db.conn(), true, None).await.unwrap();
    assert_eq!(faults.len(), 1);
    let fpath = format!("/inspection/faults/{}", faults[0].fault.id);
    let (s, _, _) = eng
        .post(&format!("{fpath}/step"), &[("step", "confirm")])
        .await;
    assert_eq!(s, 403);
    let (s, _, _) = it
        .post(&format!("{fpath}/step"), &[("step", "confirm")])
        .await;
    assert_eq!(s, 303);
    let (s, page) = eng.get(&fpath).await;
    assert_eq!(s, 200);
    assert!(page.contains("已确认") && page.contains("已修复"));
    let mut form = HashMap::new();
    form.insert("x", "y");
    let (s, page) = it.get("/inspection/faults").await;
    assert_eq!(s, 200);
    assert!(page.contains("风扇运行"));
}

#[tokio::test]
async fn findings_are_remediated_checked_and_carried_once() {
    use yiqiao_inspection::domain::assessment::FindingState;
    use yiqiao_inspection::store::assessment::{self as sa, FindingDraft};
    let t = db().await;
    let it = Actor::person("信息科");
    let now = at("2026-12-01");
    let draft = |title: &str, risk: &str| FindingDraft {
        year: "2026".into(),
        title: title.into(),
        risk: risk.into(),
        owner: "张工".into(),
        ..Default::default()
    };
    let weak = sa::add_finding(&t.db, &draft("堡垒机弱口令", "高"), &it, now)
        .await
        .unwrap();
    let logs = sa::add_finding(&t.db, &draft("日志留存不足 6 个月", "medium"), &it, now)
        .await
        .unwrap();
    assert!(matches!(
        sa::add_finding(&t.db, &draft("x", "极高"), &it, now).await,
        Err(OpsError::Bad(_))
    ));
    assert!(matches!(
        sa::advance(&t.db, weak, FindingState::Verified, "", &it, now).await,
        Err(OpsError::Conflict(m)) if m == "问题当前为「待整改」，不能改为「已复核」"
    ));
    sa::advance(
        &t.db,
        weak,
        FindingState::Remediated,
        "已改为强口令并启用双因素",
        &it,
        now,
    )
    .await
    .unwrap();
    sa::advance(&t.db, weak, FindingState::Verified, "抽查通过", &it, now)
        .await
        .unwrap();
    assert_eq!(sa::carry_over(&t.db, 2026, &it, now).await.unwrap(), 1);
    assert_eq!(sa::carry_over(&t.db, 2026, &it, now).await.unwrap(), 0);
    let next = sa::findings(t.db.conn(), 2027).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].carried_from, Some(logs));
    assert_eq!(next[0].state_label(), "待整改");
    let this = sa::findings(t.db.conn(), 2026).await.unwrap();
    assert_eq!(this[0].risk_label(), "高");
    assert_eq!(this[0].check_note, "抽查通过");
}
