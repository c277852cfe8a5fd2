//! The demo's monitoring history: recorded by the poller's own storage code, shown on the
//! dashboard and in last month's report, and never handed to a poller.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use yiqiao_core::time::ManualClock;
use yiqiao_http::testing::Browser;
use yiqiao_inspection::domain::availability::Period as Span;
use yiqiao_inspection::domain::inspection::Period;
use yiqiao_inspection::monitor::poller::MonitorConfig;
use yiqiao_inspection::monitor_pages::{self, MonitorState};
use yiqiao_inspection::store::asset as assets;
use yiqiao_inspection::store::monitor as mon;

use crate::ops_assets::{CSRF, at, db};

#[tokio::test]
async fn the_demo_has_monitoring_history_and_nothing_to_poll() {
    let t = db().await;
    let now = at("2026-11-20");
    let started = std::time::Instant::now();
    let summary = yiqiao_inspection::ops_demo::load(
        &t.db,
        "测试医院",
        &yiqiao_inspection::InspectionConfig::default(),
        now,
    )
    .await
    .unwrap();
    // Printed for the record (the load time is measured, not asserted).
    eprintln!("演示数据加载用时 {:?}：{summary}", started.elapsed());
    assert!(summary.contains("监控历史 8 台设备"), "{summary}");

    // Never polled: the poller's selection holds none of them, whatever the shard.
    let key = crate::monitor_poller::key();
    assert!(
        mon::poll_targets(&t.db, &key, 0, 1)
            .await
            .unwrap()
            .is_empty()
    );
    let devices = mon::devices(&t.db).await.unwrap();
    assert_eq!(devices.len(), 8);
    assert!(devices.iter().all(|d| !d.enabled && d.community.is_none()));
    assert!(devices.iter().all(|d| d.state == "up"), "{devices:?}");

    // The dashboard lists them, saying they are not polled.
    let state = MonitorState {
        db: t.db.clone(),
        clock: Arc::new(ManualClock::new(now)),
        config: MonitorConfig::default(),
        key,
    };
    let (router, _) = monitor_pages::routes(state).into_parts();
    let base =
        yiqiao_http::testing::serve_as_header_role(router, monitor_pages::navigation(), CSRF)
            .await
            .unwrap();
    let it = Browser::new(&base, "it_ops", CSRF);
    let (status, page) = it.get("/inspection/monitor").await;
    assert_eq!(status, 200, "{page}");
    for name in ["csw-01", "csw-02", "agg-zy", "fw-01", "srv-his-01", "vm-01"] {
        assert!(page.contains(name), "{name} missing: {page}");
    }
    assert_eq!(page.matches("演示数据，不轮询").count(), 8, "{page}");

    let all = assets::list_assets(t.db.conn()).await.unwrap();
    let device_of = |code: &str| {
        let a = all.iter().find(|a| a.code == code).unwrap().id;
        devices.iter().find(|d| d.asset_id == a).unwrap().clone()
    };
    let (status, page) = it
        .get(&format!(
            "/inspection/monitor/devices/{}",
            device_of("CSW-01").id
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("演示数据，不轮询"), "{page}");

    // Last month's availability of the inpatient building's switch: its one outage, 40 minutes.
    let span = Span::local_month(2026, 10).unwrap();
    let from = DateTime::<Utc>::from_timestamp(span.start(), 0).unwrap();
    let to = DateTime::<Utc>::from_timestamp(span.end(), 0).unwrap();
    let zy = device_of("AGG-ZY");
    let outs = mon::outages(&t.db, zy.id, from, to).await.unwrap();
    assert_eq!(outs.len(), 1, "{outs:?}");
    let out = &outs[0];
    let down = (out.ended_at.unwrap() - out.started_at).num_seconds();
    assert_eq!(down, 40 * 60);
    let a = mon::device_availability(&t.db, zy.id, span, now)
        .await
        .unwrap();
    assert_eq!(a.outage_seconds, down);
    let month = span.end() - span.start();
    assert_eq!(a.percent_e5(), (month - down) * 10_000_000 / month);
    assert!(a.percent_e5() < 10_000_000);
    assert_eq!(zy.reboots, 1);

    // The core switch's upgrade fell inside a maintenance window entered beforehand: excused.
    let csw2 = device_of("CSW-02");
    let a = mon::device_availability(&t.db, csw2.id, span, now)
        .await
        .unwrap();
    assert_eq!((a.outage_seconds, a.excused_seconds), (0, 10 * 60));
    assert_eq!(a.percent_text(), "100.00000");

    // The firewall's CPU burst opened an alert, which closed; nothing is left open, and no
    // notice of it waits in the outbox.
    let fw = device_of("FW-01");
    let alerts = mon::alerts(&t.db, Some(fw.id), false).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].metric, "cpu");
    assert!(alerts[0].peak >= 90 && alerts[0].closed_at.is_some());
    assert!(alerts[0].opened_at >= from && alerts[0].opened_at < to);
    assert!(mon::alerts(&t.db, None, true).await.unwrap().is_empty());
    let queued = yiqiao_store::outbox::counts(t.db.conn()).await.unwrap();
    assert_eq!(queued.values().sum::<i64>(), 0, "{queued:?}");

    // Last month's report (the one kept at load) was made after the history: it has it.
    let report = yiqiao_inspection::store::report::monthly(
        &t.db,
        Period {
            year: 2026,
            month: 10,
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(report.devices.len(), 8);
    let line = report
        .devices
        .iter()
        .find(|d| d.asset_code == "AGG-ZY")
        .unwrap();
    assert_eq!(
        line.availability,
        zy_availability(&t, zy.id, span, now).await
    );
    assert!(line.cpu.is_some() && line.memory.is_some(), "{line:?}");
    assert_eq!(line.reboots, 1);
    let kept = yiqiao_inspection::store::report::kept_month(
        t.db.conn(),
        Period {
            year: 2026,
            month: 10,
        },
    )
    .await
    .unwrap();
    assert!(kept.pdf.starts_with(b"%PDF"));
    if let Ok(path) = std::env::var("YIQIAO_DEMO_REPORT_PDF") {
        std::fs::write(path, &kept.pdf).unwrap();
    }
}

async fn zy_availability(
    t: &yiqiao_store::testing::TestDb,
    id: i64,
    span: Span,
    now: DateTime<Utc>,
) -> yiqiao_inspection::domain::availability::Availability {
    mon::device_availability(&t.db, id, span, now)
        .await
        .unwrap()
}
