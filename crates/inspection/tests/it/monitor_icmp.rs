//! ICMP on loopback (Ping 可达性): the ping path through surge-ping, against 127.0.0.0/8 only.
//!
//! Every address of 127.0.0.0/8 answers an echo on Linux, and nothing outside loopback may be
//! polled, so an unanswered ping cannot be arranged honestly here. What is tested instead: the
//! echo comes back from 127.0.0.1 and from another loopback address, many at once; a device
//! whose SNMP agent is silent is judged up by the ping alone (reachable, nothing measured, no
//! outage); and the same device polled without ICMP goes unknown, then down — the path the
//! poller takes when the kernel refuses ICMP sockets. Root (CI) opens a raw socket; others need
//! `net.ipv4.ping_group_range` to cover their group. When the kernel refuses both, each test
//! prints why and stops.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use yiqiao_core::time::ManualClock;
use yiqiao_inspection::monitor::evaluate::DeviceState;
use yiqiao_inspection::monitor::ping::Icmp;
use yiqiao_inspection::monitor::poller::{MonitorConfig, Poller};
use yiqiao_inspection::store::monitor as st;

use crate::monitor_agents::{silent_agent, v2c};
use crate::monitor_poller::{db, device, key};

/// ICMP sockets, or `None` after saying why the kernel refused them.
fn icmp_or_skip(test: &str) -> Option<Icmp> {
    match Icmp::new() {
        Ok(i) => Some(i),
        Err(e) => {
            eprintln!("{test}: skipped — {e}");
            None
        }
    }
}

fn local(s: &str) -> DateTime<Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

#[tokio::test]
async fn loopback_answers_echo_requests() {
    let Some(icmp) = icmp_or_skip("loopback_answers_echo_requests") else {
        return;
    };
    let icmp = Arc::new(icmp);
    // The wait is only an upper bound for a reply that loopback gives at once.
    let wait = Duration::from_secs(5);
    assert!(icmp.ping("127.0.0.1".parse().unwrap(), wait).await);
    assert!(icmp.ping("127.0.0.2".parse().unwrap(), wait).await);
    // Many at once, as the poller does with many devices: each reply finds its own request
    // (identifiers never collide).
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40u8 {
        let icmp = icmp.clone();
        set.spawn(async move {
            let ip = std::net::Ipv4Addr::new(127, 0, 0, 1 + i % 8);
            icmp.ping(ip.into(), wait).await
        });
    }
    let mut answered = 0;
    while let Some(r) = set.join_next().await {
        if r.unwrap() {
            answered += 1;
        }
    }
    assert_eq!(answered, 40);
}

fn config(icmp: bool) -> MonitorConfig {
    MonitorConfig {
        icmp,
        down_after: 2,
        ..MonitorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_agent_that_answers_ping_is_up_and_without_ping_goes_down() {
    if icmp_or_skip("a_silent_agent_that_answers_ping_is_up_and_without_ping_goes_down").is_none() {
        return;
    }
    let t = db().await;
    let (silent, _agent) = silent_agent().await;
    let id = device(&t, "SW-PING", silent, v2c("public"), 300).await;
    let clock = Arc::new(ManualClock::new(local("2026-11-02 09:00:00")));

    // With ICMP: SNMP times out, the echo comes back — up, nothing measured, no outage.
    let poller = Poller::new(t.db.clone(), clock.clone(), config(true), key());
    assert!(poller.icmp_in_use());
    assert_eq!(poller.refresh().await.unwrap(), 1);
    for minute in 0..3 {
        clock.set(local("2026-11-02 09:00:00") + chrono::Duration::minutes(minute));
        let mut round = poller.start_due(true).await;
        let d = round.join_next().await.unwrap().unwrap();
        assert_eq!(d.store_error, None);
        assert!(d.result.error.as_deref().unwrap().contains("超时"));
        assert_eq!(d.evaluated.state, DeviceState::Up, "poll {minute}");
        assert!(d.evaluated.samples.is_empty() && d.evaluated.outage.is_none());
    }
    let v = st::device(&t.db, id).await.unwrap();
    assert_eq!((v.state.as_str(), v.failed_polls), ("up", 0));
    assert_eq!(v.cpu_e2, None);
    drop(poller);

    // Without ICMP (the kernel refused it, or the setting is off): SNMP alone decides —
    // unknown after one failure, down after two, with the outage opened then.
    let poller = Poller::new(t.db.clone(), clock.clone(), config(false), key());
    assert!(!poller.icmp_in_use());
    assert_eq!(poller.refresh().await.unwrap(), 1);
    let mut states = Vec::new();
    for minute in 3..5 {
        clock.set(local("2026-11-02 09:00:00") + chrono::Duration::minutes(minute));
        let mut round = poller.start_due(true).await;
        let d = round.join_next().await.unwrap().unwrap();
        assert_eq!(d.store_error, None);
        states.push(d.evaluated.state);
    }
    assert_eq!(states, [DeviceState::Unknown, DeviceState::Down]);
    assert_eq!(st::device(&t.db, id).await.unwrap().state, "down");
}
