//! The monthly report's content gathered from a month of polls, outages, inspections and
//! faults stored on the real database.

use chrono::Duration;
use std::net::SocketAddr;
use yiqiao_inspection::domain::fault::FaultStep;
use yiqiao_inspection::domain::inspection::Period;
use yiqiao_inspection::monitor::evaluate::{DeviceState, Evaluated, OutageChange};
use yiqiao_inspection::monitor::poll::PollResult;
use yiqiao_inspection::store::asset as assets;
use yiqiao_inspection::store::inspection::{self as insp, Answer, FaultDraft};
use yiqiao_inspection::store::monitor as mon;
use yiqiao_inspection::store::report;
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

use crate::monitor_agents::v2c;
use crate::ops_assets::{at, firewall};

fn local(s: &str) -> chrono::DateTime<chrono::Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

fn poll(at: chrono::DateTime<chrono::Utc>) -> Evaluated {
    Evaluated {
        at,
        state: DeviceState::Up,
        failed_polls: 0,
        rebooted: false,
        samples: Vec::new(),
        interfaces: Vec::new(),
        alerts: Vec::new(),
        outage: None,
    }
}

/// A month with a monitored core switch and an unmonitored firewall: November 2026.
pub async fn november(t: &TestDb) {
    let sw = crate::monitor_poller::device(
        t,
        "SW-CORE",
        SocketAddr::from(([127, 0, 0, 1], 161)),
        v2c("public"),
        1_000,
    )
    .await;
    let r = PollResult::failed(SocketAddr::from(([127, 0, 0, 1], 161)), "无应答".into());
    // One hour of polls on 11-10 from 08:00: CPU 10..50 %, memory 40 %, port 1 in 1..5 Mbit/s,
    // out 2 Mbit/s; the agent restarted once at 08:30.
    let t0 = local("2026-11-10 08:00:00");
    for m in 0..60_i64 {
        let mut ev = poll(t0 + Duration::minutes(m));
        ev.rebooted = m == 30;
        ev.samples = vec![
            ("cpu", "0".into(), (m % 5 + 1) * 1_000),
            ("memory", "0".into(), 4_000),
            ("in_bps", "1".into(), (m % 5 + 1) * 1_000_000),
            ("out_bps", "1".into(), 2_000_000),
        ];
        mon::record_poll(&t.db, sw, &r, &ev).await.unwrap();
    }
    mon::rollup(&t.db, local("2026-11-10 10:00:00"))
        .await
        .unwrap();
    // Down 11-03 10:00–11:00: 3,600 s of the month's 2,592,000 s.
    for (when, change, state) in [
        (
            "2026-11-03 10:00:00",
            OutageChange::Opened(local("2026-11-03 10:00:00")),
            DeviceState::Down,
        ),
        (
            "2026-11-03 11:00:00",
            OutageChange::Closed(local("2026-11-03 11:00:00")),
            DeviceState::Up,
        ),
    ] {
        let mut ev = poll(local(when));
        ev.state = state;
        ev.outage = Some(change);
        mon::record_poll(&t.db, sw, &r, &ev).await.unwrap();
    }

    let me = Actor::person("it");
    assets::create_asset(
        &t.db,
        &firewall("FW-01").parse().unwrap(),
        &me,
        at("2026-11-01"),
    )
    .await
    .unwrap();
    let nov = Period::parse("2026-11").unwrap();
    assert_eq!(
        insp::plan_month(&t.db, nov, at("2026-11-02"))
            .await
            .unwrap(),
        2
    );
    let fw_code = "FW-01";
    let rec = insp::records(t.db.conn(), nov)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.asset_code == fw_code)
        .unwrap()
        .record
        .id;
    let d = insp::record_detail(t.db.conn(), rec).await.unwrap();
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
    answers[1].answer = "fail".into();
    let eng = Actor::person("张工");
    insp::save_answers(&t.db, rec, &answers, "", &eng, at("2026-11-05"))
        .await
        .unwrap();
    insp::sign(&t.db, rec, &eng, at("2026-11-05"))
        .await
        .unwrap();
    // A fault reported by phone and closed within the month.
    let staff = Actor::person("信息科李");
    let f = insp::report_fault(
        &t.db,
        &FaultDraft {
            asset_code: fw_code.into(),
            title: "防火墙电源告警".into(),
            source: "phone".into(),
            ..Default::default()
        },
        &staff,
        local("2026-11-12 09:00:00"),
    )
    .await
    .unwrap();
    for (step, by, when) in [
        (FaultStep::Confirm, &staff, "2026-11-12 09:20:00"),
        (FaultStep::Repair, &eng, "2026-11-12 11:00:00"),
        (FaultStep::Close, &staff, "2026-11-13 09:00:00"),
    ] {
        insp::step_fault(&t.db, f, step, "更换电源模块", "", by, local(when))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_month_comes_out_exactly() {
    let t = crate::ops_assets::db().await;
    november(&t).await;
    let nov = Period::parse("2026-11").unwrap();
    let rep = report::monthly(&t.db, nov, local("2026-12-01 00:10:00"))
        .await
        .unwrap();
    assert_eq!(rep.month, "2026-11");
    assert_eq!(rep.devices.len(), 1);
    let d = &rep.devices[0];
    assert_eq!(d.asset_code, "SW-CORE");
    assert_eq!(d.availability.period_seconds, 2_592_000);
    assert_eq!(d.availability.outage_seconds, 3_600);
    assert_eq!(d.availability_text, "99.86111");
    let cpu = d.cpu.unwrap();
    assert_eq!((cpu.avg, cpu.max, cpu.readings), (3_000, 5_000, 60));
    let mem = d.memory.unwrap();
    assert_eq!((mem.avg, mem.max), (4_000, 4_000));
    assert_eq!(d.interfaces.len(), 1);
    assert_eq!(d.interfaces[0].in_peak_bps, 5_000_000);
    assert_eq!(d.interfaces[0].out_peak_bps, 2_000_000);
    assert_eq!(d.reboots, 1);
    assert_eq!(rep.inspections.planned, 2);
    assert_eq!(rep.inspections.done, 1);
    assert_eq!(rep.inspections.failed_items, 1);
    // The failed item opened a fault; the phoned-in one was closed within the month.
    assert_eq!(rep.faults_opened.len(), 2);
    assert_eq!(rep.faults_closed.len(), 1);
    assert_eq!(rep.faults_closed[0].fault.title, "防火墙电源告警");
    assert_eq!(rep.faults_closed[0].response_minutes, Some(20));
    assert_eq!(rep.faults_closed[0].repair_minutes, Some(120));
    // The firewall's signature library ends 2027-01-31: 62 days after 11-30.
    assert_eq!(rep.expiring.len(), 1);
    assert_eq!(rep.expiring[0].asset_code, "FW-01");
    assert_eq!(rep.expiring[0].days_left, 62);
    // December has no polls, no records and no faults.
    let dec = report::monthly(
        &t.db,
        Period::parse("2026-12").unwrap(),
        local("2027-01-01 00:10:00"),
    )
    .await
    .unwrap();
    assert!(dec.devices[0].cpu.is_none());
    assert_eq!(dec.devices[0].reboots, 0);
    assert_eq!(
        (
            dec.inspections.planned,
            dec.faults_opened.len(),
            dec.faults_closed.len()
        ),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn the_job_keeps_last_month_once_as_pdf_and_xlsx() {
    use calamine::Reader;
    use yiqiao_core::time::{Clock, ManualClock};
    use yiqiao_inspection::report_print;
    let t = crate::ops_assets::db().await;
    november(&t).await;
    let clock = ManualClock::new(local("2026-12-01 00:05:00"));
    // Two nodes on the 1st at the same moment: exactly one keeps November.
    let (a, b) = tokio::join!(
        report_print::scheduled(&t.db, "测试医院", clock.now()),
        report_print::scheduled(&t.db, "测试医院", clock.now()),
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|k| **k).count(), 1);
    clock.advance(chrono::Duration::hours(1));
    assert!(
        !report_print::scheduled(&t.db, "测试医院", clock.now())
            .await
            .unwrap()
    );
    let kept = report::kept(t.db.conn()).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].month, "2026-11");
    assert_eq!(kept[0].generated_at, local("2026-12-01 00:05:00"));
    let m = report::kept_month(t.db.conn(), Period::parse("2026-11").unwrap())
        .await
        .unwrap();
    assert!(m.pdf.starts_with(b"%PDF"));
    std::fs::write(
        std::env::temp_dir().join("yiqiao-monthly-report.pdf"),
        &m.pdf,
    )
    .unwrap();
    let mut wb =
        calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(m.xlsx))
            .unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "设备运行",
            "接口峰值",
            "告警",
            "巡检",
            "新增故障",
            "关闭故障",
            "即将到期"
        ]
    );
    let dev = wb.worksheet_range("设备运行").unwrap();
    let row: Vec<String> = dev
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(row[0], "SW-CORE");
    assert_eq!(row[3], "99.86111%");
    assert_eq!(row[6..10], ["30.00%", "50.00%", "40.00%", "40.00%"]);
    assert_eq!(row[11], "1");
    // The next month's first day keeps December, not November again.
    clock.set(local("2027-01-01 00:05:00"));
    assert!(
        report_print::scheduled(&t.db, "测试医院", clock.now())
            .await
            .unwrap()
    );
    let months: Vec<String> = report::kept(t.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.month)
        .collect();
    assert_eq!(months, ["2026-12", "2026-11"]);
}

#[tokio::test]
async fn the_report_page_generates_lists_and_downloads() {
    use yiqiao_http::testing::{Browser, ROLE_HEADER};
    let t = crate::ops_assets::db().await;
    november(&t).await;
    let base = crate::ops_assets::serve(&t, local("2026-12-03 09:00:00")).await;
    let eng = Browser::new(&base, "engineer", crate::ops_assets::CSRF);
    let (s, page) = eng.get("/inspection/reports").await;
    assert_eq!(s, 200);
    assert!(page.contains("尚无已生成的月度报告") && page.contains("value=\"2026-11\""));
    let (s, _, _) = eng
        .post("/inspection/reports/generate", &[("month", "2026-13")])
        .await;
    assert_eq!(s, 400);
    let (s, loc, _) = eng
        .post("/inspection/reports/generate", &[("month", "2026-11")])
        .await;
    assert_eq!(s, 303, "{loc}");
    let (s, page) = eng.get("/inspection/reports").await;
    assert_eq!(s, 200);
    assert!(page.contains("/inspection/reports/2026-11/pdf"));
    let http = reqwest::Client::new();
    for (ext, ty, magic) in [
        ("pdf", "application/pdf", &b"%PDF"[..]),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &b"PK"[..],
        ),
    ] {
        let r = http
            .get(format!("{base}/inspection/reports/2026-11/{ext}"))
            .header(ROLE_HEADER, "it_ops")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], ty);
        assert!(r.bytes().await.unwrap().starts_with(magic));
    }
    // A month never generated: 404 naming it.
    let (s, body) = eng.get("/inspection/reports/2026-10/pdf").await;
    assert_eq!(s, 404);
    assert!(body.contains("2026-10 的月度报告尚未生成"), "{body}");
}
