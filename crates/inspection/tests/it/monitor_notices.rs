//! Alerts go out as notices (告警通知): the opening and the closing of an alert event each queue
//! one notice in the poll's transaction, delivered by the outbox worker over real HTTP to the
//! `notice_url` webhook; a second poller node seeing the same transition sends nothing more.

use crate::monitor_agents::{MOVING, Snmpsim, set, v2c};
use crate::monitor_poller::{BCAST, UPTIME, db, device, key};
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Duration as Days, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::{Arc, Mutex};
use yiqiao_core::time::{Clock, ManualClock};
use yiqiao_inspection::InspectionConfig;
use yiqiao_inspection::monitor::poller::{Done, MonitorConfig, Poller};
use yiqiao_inspection::store::monitor::{self as st, ALERT_NOTICE_KIND};
use yiqiao_store::outbox::{Policy, Registry, Worker};

fn local(s: &str) -> DateTime<Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

/// What the webhook received: (X-Message-Id, JSON body).
pub type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A webhook receiver on 127.0.0.1 that keeps what it is sent.
pub async fn receiver() -> (String, Received) {
    async fn take(
        State(got): State<Received>,
        headers: HeaderMap,
        body: axum::Json<serde_json::Value>,
    ) -> &'static str {
        let id = headers
            .get("X-Message-Id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        got.lock().unwrap().push((id, body.0));
        "ok"
    }
    let got: Received = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(take))
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), got)
}

/// The outbox worker with inspection's handlers for `notice_url`.
pub fn worker(t: &yiqiao_store::testing::TestDb, url: &str, clock: Arc<ManualClock>) -> Worker {
    let config = InspectionConfig {
        notice_url: url.into(),
        ..InspectionConfig::default()
    };
    let mut r = Registry::new();
    r.register(yiqiao_inspection::ops_notice::expiry_handler(&config));
    r.register(yiqiao_inspection::ops_notice::alert_handler(&config));
    Worker::new(t.db.clone(), Arc::new(r), clock, Policy::default()).unwrap()
}

pub async fn one_round(p: &Arc<Poller>) -> Done {
    let mut r = p.start_due(true).await;
    let d = r.join_next().await.unwrap().unwrap();
    assert_eq!(d.store_error, None);
    d
}

pub async fn alert_messages(t: &yiqiao_store::testing::TestDb) -> usize {
    use yiqiao_store::outbox::entity;
    entity::Entity::find()
        .filter(entity::Column::Kind.eq(ALERT_NOTICE_KIND))
        .all(t.db.conn())
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_opening_and_closing_reaches_the_webhook_once_each() {
    use snmp2::Value::{Counter64, Timeticks};
    let t = db().await;
    let agent = Snmpsim::start(&[]).await;
    let id = device(&t, "SW-NOTICE", agent.addr, v2c(MOVING), 2_000).await;
    let (url, got) = receiver().await;
    let t0 = local("2026-11-10 08:00:00");
    let clock = Arc::new(ManualClock::new(t0));
    let config = MonitorConfig {
        icmp: false,
        ..MonitorConfig::default()
    };
    // Two poller nodes on the same devices (a misconfigured shard, or a restart overlapping).
    let a = Poller::new(t.db.clone(), clock.clone(), config.clone(), key());
    let b = Poller::new(t.db.clone(), clock.clone(), config, key());
    a.refresh().await.unwrap();
    b.refresh().await.unwrap();
    let outbox = worker(&t, &url, clock.clone());

    one_round(&a).await;
    one_round(&b).await;
    // A broadcast storm: 60,060 broadcasts in a minute (1,001/s, over the 1,000/s limit).
    set(
        agent.addr,
        MOVING,
        &[(UPTIME, Timeticks(106_000)), (BCAST, Counter64(60_060))],
    )
    .await;
    clock.set(t0 + Days::minutes(1));
    let d = one_round(&a).await;
    assert_eq!(d.evaluated.alerts.len(), 1);
    // The other node sees the same storm; the event is already open, so no second notice.
    let d = one_round(&b).await;
    assert_eq!(d.evaluated.alerts.len(), 1);
    assert_eq!(alert_messages(&t).await, 1);
    let pass = outbox.pass().await.unwrap();
    assert_eq!(pass.delivered, 1);
    let alert_id = st::alerts(&t.db, Some(id), true).await.unwrap()[0].id;
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1);
        let (msg_id, body) = &got[0];
        assert_eq!(msg_id, &format!("inspection-alert-{alert_id}-opened"));
        assert_eq!(body["type"], "alert");
        assert_eq!(body["transition"], "opened");
        assert_eq!(body["device_id"], id);
        assert_eq!(body["asset_code"], "SW-NOTICE");
        assert_eq!(body["metric"], "broadcast_pps");
        assert_eq!(body["entity"], "1");
        assert_eq!(body["value"], 1_001);
        assert_eq!(body["limit"], 1_001);
        let text = body["text"].as_str().unwrap();
        assert!(
            text.contains("【机房告警】") && text.contains("广播包速率"),
            "{text}"
        );
        assert!(text.contains("1001 包/秒"), "{text}");
    }

    // The storm ends: the event closes once, whichever node sees it first.
    set(
        agent.addr,
        MOVING,
        &[(UPTIME, Timeticks(112_000)), (BCAST, Counter64(60_120))],
    )
    .await;
    clock.set(t0 + Days::minutes(2));
    let d = one_round(&b).await;
    assert_eq!(d.evaluated.alerts.len(), 1);
    let d = one_round(&a).await;
    assert_eq!(d.evaluated.alerts.len(), 1);
    assert_eq!(alert_messages(&t).await, 2);
    assert_eq!(outbox.pass().await.unwrap().delivered, 1);
    // Nothing left to send.
    assert_eq!(outbox.pass().await.unwrap().delivered, 0);
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 2);
        let (msg_id, body) = &got[1];
        assert_eq!(msg_id, &format!("inspection-alert-{alert_id}-closed"));
        assert_eq!(body["transition"], "closed");
        assert_eq!(body["peak"], 1_001);
        assert_eq!(
            body["closed_at"].as_str().unwrap(),
            (t0 + Days::minutes(2)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        );
        assert!(body["text"].as_str().unwrap().contains("【告警恢复】"));
    }
    let all = st::alerts(&t.db, Some(id), false).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].closed_at, Some(t0 + Days::minutes(2)));
}

/// lmTempSensorsValue of the moving recording's sensor (thousandths of a ℃).
const TEMP: &str = "1.3.6.1.4.1.2021.13.16.2.1.3.1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_sensor_opens_and_closes_a_temperature_alert_with_notices() {
    use snmp2::Value::{Timeticks, Unsigned32};
    let t = db().await;
    let agent = Snmpsim::start(&[]).await;
    let id = device(&t, "SRV-HOT", agent.addr, v2c(MOVING), 2_000).await;
    let (url, got) = receiver().await;
    let t0 = local("2026-11-10 08:00:00");
    let clock = Arc::new(ManualClock::new(t0));
    let config = MonitorConfig {
        icmp: false,
        ..MonitorConfig::default()
    };
    let p = Poller::new(t.db.clone(), clock.clone(), config, key());
    p.refresh().await.unwrap();
    let outbox = worker(&t, &url, clock.clone());
    let mut ticks = 100_000;
    let mut minute = 0;
    let mut poll_at = |celsius_milli: u32| {
        ticks += 6_000;
        minute += 1;
        let (ticks, minute) = (ticks, minute);
        let (addr, clock, p) = (agent.addr, clock.clone(), p.clone());
        async move {
            set(
                addr,
                MOVING,
                &[
                    (UPTIME, Timeticks(ticks)),
                    (TEMP, Unsigned32(celsius_milli)),
                ],
            )
            .await;
            clock.set(t0 + Days::minutes(minute));
            one_round(&p).await
        }
    };

    // 45 ℃: a sample, no alert; the device shows its hottest sensor.
    let d = poll_at(45_000).await;
    assert_eq!(d.result.temperature_e2.len(), 1);
    assert!(
        d.evaluated
            .samples
            .contains(&("temperature", "1".into(), 4_500))
    );
    let v = st::device(&t.db, id).await.unwrap();
    assert_eq!(v.temperature_e2, Some(4_500));
    assert_eq!(
        (v.temperature_limit_c, v.temperature_limit_own),
        (70, false)
    );
    // 75 ℃ once is not yet an alarm; twice in a row is.
    assert!(poll_at(75_000).await.evaluated.alerts.is_empty());
    assert_eq!(poll_at(75_500).await.evaluated.alerts.len(), 1);
    let open = st::alerts(&t.db, Some(id), true).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].metric.as_str(), open[0].value, open[0].limit_value),
        ("temperature", 75, 70)
    );
    // 66 ℃ is under the limit but above the 65 ℃ recovery level: still open.
    assert!(poll_at(66_000).await.evaluated.alerts.is_empty());
    assert_eq!(poll_at(60_000).await.evaluated.alerts.len(), 1);
    assert!(st::alerts(&t.db, Some(id), true).await.unwrap().is_empty());
    assert_eq!(outbox.pass().await.unwrap().delivered, 2);
    {
        let got = got.lock().unwrap();
        let bodies: Vec<&serde_json::Value> = got.iter().map(|(_, b)| b).collect();
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[0]["transition"], "opened");
        assert_eq!(bodies[0]["metric"], "temperature");
        assert_eq!(bodies[0]["unit"], "℃");
        let text = bodies[0]["text"].as_str().unwrap();
        assert!(text.contains("温度 #1 为 75 ℃，达到阈值 70 ℃"), "{text}");
        assert_eq!(bodies[1]["transition"], "closed");
        assert_eq!(bodies[1]["peak"], 75);
    }

    // The device's own limit: 80 ℃ for this server; 75 ℃ no longer alarms.
    st::set_temperature_limit(&t.db, clock.now(), id, Some(80))
        .await
        .unwrap();
    p.refresh().await.unwrap();
    for _ in 0..3 {
        assert!(poll_at(75_000).await.evaluated.alerts.is_empty());
    }
    let v = st::device(&t.db, id).await.unwrap();
    assert_eq!((v.temperature_limit_c, v.temperature_limit_own), (80, true));
    let absurd = st::set_temperature_limit(&t.db, clock.now(), id, Some(500)).await;
    assert!(matches!(absurd, Err(st::MonitorError::Bad(m)) if m.contains("不合理")));

    // Aggregates: 5-minute and hourly avg/max of the stored samples.
    let end = t0 + Days::hours(2);
    st::rollup(&t.db, end).await.unwrap();
    let five = st::series(&t.db, id, "temperature", Some("1"), "5m", t0, end)
        .await
        .unwrap();
    // Minutes 1–4 fall in 08:00–08:05, minutes 5–8 in 08:05–08:10 (Beijing time).
    let raw: Vec<i64> = [45_00, 75_00, 75_50, 66_00, 60_00, 75_00, 75_00, 75_00].to_vec();
    assert_eq!(five.len(), 2);
    assert_eq!(five[0].n, 4);
    assert_eq!(five[0].max, 7_550);
    assert_eq!(five[0].avg, raw[..4].iter().sum::<i64>() / 4);
    assert_eq!(five[1].n, 4);
    assert_eq!(five[1].max, 7_500);
    let hour = st::series(&t.db, id, "temperature", Some("1"), "1h", t0, end)
        .await
        .unwrap();
    assert_eq!(hour.len(), 1);
    assert_eq!((hour[0].n, hour[0].max), (8, 7_550));
    assert_eq!(hour[0].avg, raw.iter().sum::<i64>() / 8);
}
