//! The poller against real agents and the database: bad agents never stall the others;
//! moving counters give rates and a broadcast storm; a reboot is seen; an outage opens and
//! closes; availability, rollups and retention come out exactly.

use crate::monitor_agents::{HeldAgent, MOVING, Snmpsim, garbage_agent, set, silent_agent, v2c};
use chrono::{DateTime, Duration as Days, Utc};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use yiqiao_core::time::ManualClock;
use yiqiao_inspection::domain::asset::AssetDraft;
use yiqiao_inspection::domain::availability::Period;
use yiqiao_inspection::monitor::evaluate::{DeviceState, Evaluated, OutageChange};
use yiqiao_inspection::monitor::poll::PollResult;
use yiqiao_inspection::monitor::poller::{Done, MonitorConfig, Poller};
use yiqiao_inspection::monitor::snmp::Credentials;
use yiqiao_inspection::store::asset as assets;
use yiqiao_inspection::store::monitor::{self as st, NewDevice};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

/// The credential key of these tests.
pub fn key() -> Arc<yiqiao_store::secret_key::KeyProvider> {
    Arc::new(yiqiao_store::secret_key::KeyProvider::fixed(
        yiqiao_core::secret::SecretKey::derive(st::SECRET_LABEL, &[5u8; 32]),
    ))
}

pub async fn db() -> TestDb {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_inspection::migrations());
    TestDb::new(&m).await.unwrap()
}

fn local(s: &str) -> DateTime<Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

/// An asset (the operations half's table) to hang a monitored device on.
pub async fn asset(t: &TestDb, code: &str) -> i64 {
    let draft = AssetDraft {
        code: code.into(),
        name: format!("核心交换机 {code}"),
        kind: "防火墙".into(),
        vendor: "华为".into(),
        model: "S12704".into(),
        serial_no: format!("SN-{code}"),
        location: "主机房".into(),
        rack: "A01".into(),
        rack_u: "10".into(),
        mgmt_ip: "127.0.0.1".into(),
        network: "内网".into(),
        ..Default::default()
    };
    assets::create_asset(
        &t.db,
        &draft.parse().unwrap(),
        &Actor::person("it"),
        local("2026-11-01 08:00:00"),
    )
    .await
    .unwrap()
}

pub async fn device(
    t: &TestDb,
    code: &str,
    addr: SocketAddr,
    credentials: Credentials,
    timeout_ms: u32,
) -> i64 {
    let a = asset(t, code).await;
    st::add_device(
        &t.db,
        &key(),
        local("2026-11-01 08:00:00"),
        &NewDevice {
            asset_id: a,
            host: addr.ip().to_string(),
            port: addr.port(),
            credentials,
            interval_secs: 60,
            timeout_ms,
            temperature_limit_c: None,
        },
    )
    .await
    .unwrap()
}

fn config() -> MonitorConfig {
    MonitorConfig {
        // 127.0.0.1 always answers ping: judge these agents by SNMP alone.
        icmp: false,
        ..MonitorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_slow_and_garbage_agents_never_stall_the_others() {
    let t = db().await;
    let agent =
        Snmpsim::start(&["network/router/huawei-s5720", "network/switch/cisco-c3560"]).await;
    let (silent, _s) = silent_agent().await;
    let (garbage, _g) = garbage_agent().await;
    let held = HeldAgent::start(agent.addr).await;
    let huawei = device(
        &t,
        "SW-HW",
        agent.addr,
        v2c("network/router/huawei-s5720"),
        5_000,
    )
    .await;
    let cisco = device(
        &t,
        "SW-CS",
        agent.addr,
        v2c("network/switch/cisco-c3560"),
        5_000,
    )
    .await;
    let dead = device(&t, "SW-DEAD", silent, v2c("public"), 300).await;
    let junk = device(&t, "SW-JUNK", garbage, v2c("public"), 300).await;
    // The slow one waits far longer than the others need.
    let slow = device(&t, "SW-SLOW", held.addr, v2c(MOVING), 60_000).await;

    let clock = Arc::new(ManualClock::new(local("2026-11-02 09:00:00")));
    let poller = Poller::new(t.db.clone(), clock.clone(), config(), key());
    assert_eq!(poller.refresh().await.unwrap(), 5);
    let mut round = poller.start_due(true).await;
    // Four polls finish while the slow agent still holds its answer.
    let mut done: HashMap<i64, Done> = HashMap::new();
    for _ in 0..4 {
        let d = round.join_next().await.unwrap().unwrap();
        done.insert(d.device_id, d);
    }
    assert!(
        !done.contains_key(&slow),
        "the held agent has not answered yet"
    );
    for id in [huawei, cisco] {
        let d = &done[&id];
        assert_eq!(d.result.error, None);
        assert_eq!(d.evaluated.state, DeviceState::Up);
        assert_eq!(d.store_error, None);
        assert_eq!(st::device(&t.db, id).await.unwrap().state, "up");
    }
    let huawei_view = st::device(&t.db, huawei).await.unwrap();
    assert_eq!(huawei_view.cpu_e2, Some(3800));
    assert_eq!(huawei_view.profile.as_deref(), Some("huawei"));
    assert!(!st::interfaces(&t.db, cisco).await.unwrap().is_empty());
    // One failure is "unknown", not yet "down"; the errors say what happened.
    assert!(
        done[&dead]
            .result
            .error
            .as_deref()
            .unwrap()
            .contains("超时")
    );
    assert!(
        done[&junk]
            .result
            .error
            .as_deref()
            .unwrap()
            .contains("无法解析")
    );
    for id in [dead, junk] {
        assert_eq!(done[&id].evaluated.state, DeviceState::Unknown);
        assert_eq!(st::device(&t.db, id).await.unwrap().state, "unknown");
    }
    // A poll of a device still being polled is not started twice. (Waited for, not dropped:
    // a dropped set may still finish a fast failure before the abort lands.)
    let mut again = poller.start_due(true).await;
    assert_eq!(again.len(), 4);
    while let Some(d) = again.join_next().await {
        assert_ne!(d.unwrap().device_id, slow);
    }

    // The slow agent answers within its timeout: read correctly.
    held.release();
    let d = round.join_next().await.unwrap().unwrap();
    assert_eq!(d.device_id, slow);
    assert_eq!(d.result.error, None);
    assert_eq!(d.result.sys_name.as_deref(), Some("moving-host"));

    // One more failing round (the third): down, with an outage opened at the poll that said so.
    for minute in [2] {
        clock.set(local("2026-11-02 09:00:00") + Days::minutes(minute));
        let mut r = poller.start_due(true).await;
        while let Some(d) = r.join_next().await {
            let d = d.unwrap();
            if d.device_id == huawei || d.device_id == cisco || d.device_id == slow {
                assert_eq!(d.evaluated.state, DeviceState::Up, "{minute}");
            }
        }
    }
    for id in [dead, junk] {
        let v = st::device(&t.db, id).await.unwrap();
        assert_eq!(v.state, "down");
        assert_eq!(v.failed_polls, 3);
        let o = st::outages(
            &t.db,
            id,
            local("2026-11-01 00:00:00"),
            local("2026-12-01 00:00:00"),
        )
        .await
        .unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].started_at, local("2026-11-02 09:02:00"));
        assert_eq!(o[0].ended_at, None);
    }
    let ov = st::overview(&t.db).await.unwrap();
    assert_eq!((ov.devices, ov.up, ov.down, ov.open_outages), (5, 3, 2, 2));
}

pub const UPTIME: &str = "1.3.6.1.2.1.1.3.0";
pub const IN_OCTETS: &str = "1.3.6.1.2.1.31.1.1.1.6.1";
pub const BCAST: &str = "1.3.6.1.2.1.31.1.1.1.9.1";
pub const OUT_OCTETS: &str = "1.3.6.1.2.1.31.1.1.1.10.1";
pub const CPU: &str = "1.3.6.1.2.1.25.3.3.1.2.196608";

async fn round(poller: &Arc<Poller>) -> Done {
    let mut r = poller.start_due(true).await;
    let d = r.join_next().await.unwrap().unwrap();
    assert_eq!(d.store_error, None);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_storm_reboot_and_outage_from_a_live_agent() {
    use snmp2::Value::{Counter64, Integer, Timeticks};
    let t = db().await;
    let mut agent = Snmpsim::start(&[]).await;
    let id = device(&t, "SW-MOVE", agent.addr, v2c(MOVING), 1_000).await;
    let t0 = local("2026-11-10 08:00:00");
    let clock = Arc::new(ManualClock::new(t0));
    let poller = Poller::new(t.db.clone(), clock.clone(), config(), key());
    poller.refresh().await.unwrap();

    let first = round(&poller).await;
    assert_eq!(first.evaluated.state, DeviceState::Up);
    assert_eq!(
        first.evaluated.interfaces[0].in_bps, None,
        "no rate from one sample"
    );

    // One minute on the device: 750,000,000 octets in (100 Mbit/s), 60,060 broadcasts
    // (1,001/s, over the default limit of 1,000/s), CPU 95 %.
    set(
        agent.addr,
        MOVING,
        &[
            (UPTIME, Timeticks(106_000)),
            (IN_OCTETS, Counter64(750_000_000)),
            (OUT_OCTETS, Counter64(75_000_000)),
            (BCAST, Counter64(60_060)),
            (CPU, Integer(95)),
        ],
    )
    .await;
    clock.set(t0 + Days::minutes(1));
    let d = round(&poller).await;
    let i = &d.evaluated.interfaces[0];
    assert_eq!(i.in_bps, Some(100_000_000));
    assert_eq!(i.out_bps, Some(10_000_000));
    assert_eq!(i.broadcast_pps, Some(1_001));
    let open = st::alerts(&t.db, Some(id), true).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].metric.as_str(), open[0].value),
        ("broadcast_pps", 1_001)
    );
    let iface = &st::interfaces(&t.db, id).await.unwrap()[0];
    assert_eq!(iface.in_bps, Some(100_000_000));

    // The storm ends.
    set(
        agent.addr,
        MOVING,
        &[(UPTIME, Timeticks(112_000)), (BCAST, Counter64(60_120))],
    )
    .await;
    clock.set(t0 + Days::minutes(2));
    round(&poller).await;
    assert!(st::alerts(&t.db, Some(id), true).await.unwrap().is_empty());
    let all = st::alerts(&t.db, Some(id), false).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].closed_at, Some(t0 + Days::minutes(2)));

    // Reboot: uptime back to 20 s, counters small — no rate, one reboot counted.
    set(
        agent.addr,
        MOVING,
        &[(UPTIME, Timeticks(2_000)), (IN_OCTETS, Counter64(10))],
    )
    .await;
    clock.set(t0 + Days::minutes(3));
    let d = round(&poller).await;
    assert!(d.evaluated.rebooted);
    assert_eq!(d.evaluated.interfaces[0].in_bps, None);
    assert_eq!(st::device(&t.db, id).await.unwrap().reboots, 1);

    // Outage: the agent stops; three failed polls make it down.
    agent.stop();
    for m in 4..=6 {
        clock.set(t0 + Days::minutes(m));
        let d = round(&poller).await;
        assert!(!d.result.reachable);
    }
    assert_eq!(st::device(&t.db, id).await.unwrap().state, "down");
    // Back: the outage closes at the first good poll.
    agent.restart().await;
    clock.set(t0 + Days::minutes(9));
    let d = round(&poller).await;
    assert_eq!(d.evaluated.state, DeviceState::Up);
    let o = st::outages(&t.db, id, t0, t0 + Days::days(1))
        .await
        .unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].started_at, t0 + Days::minutes(6));
    assert_eq!(o[0].ended_at, Some(t0 + Days::minutes(9)));
    let period = Period::new(t0, t0 + Days::hours(1)).unwrap();
    let a = st::device_availability(&t.db, id, period, t0 + Days::hours(2))
        .await
        .unwrap();
    assert_eq!((a.period_seconds, a.outage_seconds), (3_600, 180));
    assert_eq!(a.percent_text(), "95.00000");
}

fn outage_event(at: DateTime<Utc>, change: OutageChange, state: DeviceState) -> Evaluated {
    Evaluated {
        at,
        state,
        failed_polls: 0,
        rebooted: false,
        samples: Vec::new(),
        interfaces: Vec::new(),
        alerts: Vec::new(),
        outage: Some(change),
    }
}

fn nothing() -> PollResult {
    PollResult::failed(SocketAddr::from(([127, 0, 0, 1], 161)), "无应答".into())
}

#[tokio::test]
async fn a_month_of_stored_outages_and_maintenance_gives_exact_availability() {
    let t = db().await;
    let id = device(
        &t,
        "SW-CORE",
        SocketAddr::from(([127, 0, 0, 1], 161)),
        v2c("public"),
        1_000,
    )
    .await;
    let r = nothing();
    // November 2026 (Beijing): 2,592,000 s.
    // 1) 11-03 10:00–11:00: 3,600 s.
    // 2) 11-14 01:30–03:00, inside a window 01:00–04:00 entered the day before: excused.
    // 3) 10-31 23:00 – 11-01 00:30: only the 1,800 s inside November count.
    // 4) 11-30 23:50, still open at "now" 12-01 00:10: counts 600 s to the month's end.
    // 5) A window entered after it began (11-20 entered 10:30 for 10:00–12:00) excuses only
    //    from its entry: outage 11-20 10:00–11:00 → 1,800 s count, 1,800 s excused.
    let spans = [
        ("2026-11-03 10:00:00", Some("2026-11-03 11:00:00")),
        ("2026-11-14 01:30:00", Some("2026-11-14 03:00:00")),
        ("2026-10-31 23:00:00", Some("2026-11-01 00:30:00")),
        ("2026-11-20 10:00:00", Some("2026-11-20 11:00:00")),
        ("2026-11-30 23:50:00", None),
    ];
    for (start, end) in spans {
        st::record_poll(
            &t.db,
            id,
            &r,
            &outage_event(
                local(start),
                OutageChange::Opened(local(start)),
                DeviceState::Down,
            ),
        )
        .await
        .unwrap();
        // Opening twice keeps one open outage (the database decides).
        st::record_poll(
            &t.db,
            id,
            &r,
            &outage_event(
                local(start),
                OutageChange::Opened(local(start)),
                DeviceState::Down,
            ),
        )
        .await
        .unwrap();
        if let Some(end) = end {
            st::record_poll(
                &t.db,
                id,
                &r,
                &outage_event(
                    local(end),
                    OutageChange::Closed(local(end)),
                    DeviceState::Up,
                ),
            )
            .await
            .unwrap();
        }
    }
    st::add_maintenance(
        &t.db,
        local("2026-11-13 15:00:00"),
        id,
        local("2026-11-14 01:00:00"),
        local("2026-11-14 04:00:00"),
        "核心交换机升级",
        "it",
    )
    .await
    .unwrap();
    st::add_maintenance(
        &t.db,
        local("2026-11-20 10:30:00"),
        id,
        local("2026-11-20 10:00:00"),
        local("2026-11-20 12:00:00"),
        "临时抢修",
        "it",
    )
    .await
    .unwrap();
    let bad = st::add_maintenance(
        &t.db,
        local("2026-11-20 10:30:00"),
        id,
        local("2026-11-20 12:00:00"),
        local("2026-11-20 10:00:00"),
        "反了",
        "it",
    )
    .await;
    assert!(bad.is_err());
    let period = Period::local_month(2026, 11).unwrap();
    let a = st::device_availability(&t.db, id, period, local("2026-12-01 00:10:00"))
        .await
        .unwrap();
    assert_eq!(a.period_seconds, 2_592_000);
    assert_eq!(a.outage_seconds, 3_600 + 1_800 + 1_800 + 600);
    assert_eq!(a.excused_seconds, 5_400 + 1_800);
    // 100 × (2,592,000 − 7,800) ÷ 2,592,000 = 99.69907…
    assert_eq!(a.percent_e5(), 9_969_907);
    assert_eq!(a.percent_text(), "99.69907");
}

#[tokio::test]
async fn rollups_keep_avg_and_max_and_retention_drops_old_rows() {
    let t = db().await;
    let id = device(
        &t,
        "SW-ROLL",
        SocketAddr::from(([127, 0, 0, 1], 161)),
        v2c("public"),
        1_000,
    )
    .await;
    let r = nothing();
    let t0 = local("2026-11-10 08:00:00");
    // CPU every minute for an hour: 10, 20, 30, … repeating every 5 minutes (10..50).
    for m in 0..60 {
        let ev = Evaluated {
            at: t0 + Days::minutes(m),
            state: DeviceState::Up,
            failed_polls: 0,
            rebooted: false,
            samples: vec![("cpu", "0".into(), (m % 5 + 1) * 1_000)],
            interfaces: Vec::new(),
            alerts: Vec::new(),
            outage: None,
        };
        st::record_poll(&t.db, id, &r, &ev).await.unwrap();
    }
    let now = t0 + Days::minutes(61);
    let first = st::rollup(&t.db, now).await.unwrap();
    assert_eq!((first.five_minute, first.hourly), (12, 1));
    let again = st::rollup(&t.db, now).await.unwrap();
    assert_eq!((again.five_minute, again.hourly), (0, 0));
    let five = st::series(&t.db, id, "cpu", Some("0"), "5m", t0, now)
        .await
        .unwrap();
    assert_eq!(five.len(), 12);
    assert!(
        five.iter()
            .all(|s| s.avg == 3_000 && s.max == 5_000 && s.n == 5)
    );
    let hour = st::series(&t.db, id, "cpu", Some("0"), "1h", t0, now)
        .await
        .unwrap();
    assert_eq!((hour[0].avg, hour[0].max, hour[0].n), (3_000, 5_000, 60));
    // Eight days later the raw rows are gone, the aggregates stay.
    let later = t0 + Days::days(8);
    let r = st::rollup(&t.db, later).await.unwrap();
    assert_eq!(r.deleted, 60);
    assert!(
        st::series(&t.db, id, "cpu", None, "raw", t0, later)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        st::series(&t.db, id, "cpu", None, "5m", t0, later)
            .await
            .unwrap()
            .len(),
        12
    );
    // After 400 days the aggregates go too.
    let r = st::rollup(&t.db, t0 + Days::days(401)).await.unwrap();
    assert_eq!(r.deleted, 13);
}

#[tokio::test]
async fn a_device_needs_an_existing_asset_an_ip_and_one_entry_per_asset() {
    let t = db().await;
    let a = asset(&t, "SW-ONE").await;
    let nd = |asset_id: i64, host: &str| NewDevice {
        asset_id,
        host: host.into(),
        port: 161,
        credentials: v2c("public"),
        interval_secs: 60,
        timeout_ms: 2_000,
        temperature_limit_c: None,
    };
    let now = local("2026-11-01 08:00:00");
    st::add_device(&t.db, &key(), now, &nd(a, "127.0.0.1"))
        .await
        .unwrap();
    let twice = st::add_device(&t.db, &key(), now, &nd(a, "127.0.0.2")).await;
    assert!(matches!(twice, Err(st::MonitorError::AlreadyMonitored(_))));
    let nowhere = st::add_device(&t.db, &key(), now, &nd(a + 1000, "127.0.0.1")).await;
    assert!(matches!(nowhere, Err(st::MonitorError::NoAsset(_))));
    let b = asset(&t, "SW-TWO").await;
    let name = st::add_device(&t.db, &key(), now, &nd(b, "core-switch")).await;
    assert!(matches!(name, Err(st::MonitorError::Bad(m)) if m.contains("不是 IP 地址")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_hands_cdp_neighbours_to_topology() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use yiqiao_inspection::store::links::neighbour;
    let t = db().await;
    let agent = Snmpsim::start(&["network/switch/cisco-c3750"]).await;
    let id = device(
        &t,
        "SW-C3750",
        agent.addr,
        v2c("network/switch/cisco-c3750"),
        5_000,
    )
    .await;
    let asset_id = st::device(&t.db, id).await.unwrap().asset_id;
    let clock = Arc::new(ManualClock::new(local("2026-11-02 09:00:00")));
    let poller = Poller::new(t.db.clone(), clock, config(), key());
    poller.refresh().await.unwrap();
    let d = round(&poller).await;
    assert_eq!(d.result.error, None);
    let cdp = d.result.neighbours.len();
    assert!(cdp > 0);
    let stored = neighbour::Entity::find()
        .filter(neighbour::Column::AssetId.eq(asset_id))
        .all(t.db.conn())
        .await
        .unwrap();
    assert_eq!(stored.len(), cdp);
    assert!(stored.iter().all(|n| n.protocol == "cdp"));
}
