//! A day in the life of one core switch: polls feed rates, storm checks and thresholds; the
//! outage events they produce give the month's availability.

use chrono::{DateTime, Duration, Utc};
use yiqiao_inspection::domain::alert::{AlertState, Threshold, Transition};
use yiqiao_inspection::domain::availability::{MaintenanceWindow, Outage, Period, availability};
use yiqiao_inspection::domain::oid::Oid;
use yiqiao_inspection::domain::profile::{ProfileName, Value, Walk, select};
use yiqiao_inspection::domain::rate::{
    BroadcastLimit, CounterSample, RateOutcome, TimeTicks, bits_per_second,
};

fn local(s: &str) -> DateTime<Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

#[test]
fn polls_to_rates_storms_alerts_and_availability() {
    let start = local("2026-11-10 08:00:00");
    // One poll a minute: (in-octets, broadcast packets, uptime ticks, ping ok).
    // Minute 3: the switch reboots (uptime back to 20 s, counters small).
    // Minutes 5–8: broadcast storm. Minutes 10–13: no ping replies.
    let polls: Vec<(u64, u64, u32, bool)> = vec![
        (0, 0, 100_000, true),
        (750_000_000, 6_000, 106_000, true),
        (1_500_000_000, 12_000, 112_000, true),
        (10_000, 10, 2_000, true),
        (750_010_000, 6_010, 8_000, true),
        (1_500_010_000, 126_010, 14_000, true),
        (2_250_010_000, 246_010, 20_000, true),
        (3_000_010_000, 366_010, 26_000, true),
        (3_750_010_000, 486_010, 32_000, true),
        (4_500_010_000, 492_010, 38_000, true),
        (0, 0, 0, false),
        (0, 0, 0, false),
        (0, 0, 0, false),
        (0, 0, 0, false),
        (8_250_010_000, 530_000, 68_000, true),
    ];
    let storm = BroadcastLimit::default();
    let ping_rule = Threshold::default_ping();
    let mut ping = AlertState::default();
    let mut prev: Option<(CounterSample, CounterSample)> = None;
    let (mut rates, mut restarts, mut storms) = (Vec::new(), 0, 0);
    let mut outages: Vec<Outage> = Vec::new();
    for (i, &(octets, bcast, ticks, ok)) in polls.iter().enumerate() {
        let at = start + Duration::minutes(i as i64);
        let (next, tr) = ping.observe(&ping_rule, at, i64::from(!ok));
        ping = next;
        match tr {
            Some(Transition::Opened { since, .. }) => outages.push(Outage {
                start: since,
                end: None,
            }),
            Some(Transition::Closed { at, .. }) => outages.last_mut().unwrap().end = Some(at),
            None => {}
        }
        if !ok {
            continue;
        }
        let o = CounterSample {
            value: octets,
            uptime: TimeTicks(ticks),
            at,
        };
        let b = CounterSample {
            value: bcast,
            uptime: TimeTicks(ticks),
            at,
        };
        if let Some((po, pb)) = prev {
            match bits_per_second(po, o, 10_000) {
                RateOutcome::Rate { per_second } => rates.push(per_second),
                RateOutcome::AgentRestarted => restarts += 1,
                other => panic!("unexpected {other:?}"),
            }
            if storm.check(pb, b).is_some_and(|r| r.storm) {
                storms += 1;
            }
        }
        prev = Some((o, b));
    }
    // Every interval but the reboot is 100 Mb/s (750 MB a minute); the 5-minute gap with the
    // device unreachable averages the same.
    assert_eq!(rates, vec![100_000_000; 9]);
    assert_eq!(restarts, 1);
    // 120,000 broadcast packets a minute = 2,000 pps in minutes 5–8.
    assert_eq!(storms, 4);
    // The outage runs from the first failed poll (minute 10) to the first reply (minute 14).
    assert_eq!(
        outages,
        vec![Outage {
            start: start + Duration::minutes(10),
            end: Some(start + Duration::minutes(14)),
        }]
    );

    // The month: that 4-minute outage plus a 2-hour one half inside a planned window.
    outages.push(Outage {
        start: local("2026-11-20 22:00:00"),
        end: Some(local("2026-11-21 00:00:00")),
    });
    let windows = [MaintenanceWindow {
        start: local("2026-11-20 23:00:00"),
        end: local("2026-11-21 01:00:00"),
        entered_at: local("2026-11-18 16:00:00"),
    }];
    let a = availability(
        Period::local_month(2026, 11).unwrap(),
        &outages,
        &windows,
        local("2026-12-01 01:00:00"),
    );
    assert_eq!(a.outage_seconds, 240 + 3_600);
    assert_eq!(a.excused_seconds, 3_600);
    // 100 × (2,592,000 − 3,840) ÷ 2,592,000 = 99.851851…
    assert_eq!(a.percent_text(), "99.85185");
}

#[test]
fn a_profile_per_vendor_by_sys_object_id() {
    let cases = [
        ("1.3.6.1.4.1.2011.2.23.459", ProfileName::Huawei),
        ("1.3.6.1.4.1.25506.1.1037", ProfileName::H3c),
        ("1.3.6.1.4.1.4881.1.1.10.1.107", ProfileName::Ruijie),
        ("1.3.6.1.4.1.9.1.563", ProfileName::Cisco),
        ("1.3.6.1.4.1.8072.3.2.10", ProfileName::Generic),
    ];
    for (oid, name) in cases {
        let p = select(&oid.parse::<Oid>().unwrap());
        assert_eq!(p.name, name, "{oid}");
        // Every profile names what to walk, and an empty walk yields no invented readings.
        assert!(!p.subtrees().is_empty());
        let r = p.read(&Walk::new());
        assert!(r.cpu.is_empty() && r.memory.is_empty());
    }
    let mut w = Walk::new();
    w.insert(
        "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1".parse().unwrap(),
        Value::Unsigned(7),
    );
    let r = select(&"1.3.6.1.4.1.9.1.563".parse().unwrap()).read(&w);
    assert_eq!(r.cpu[0].percent_e2, 700);
    assert_eq!(r.cpu[0].entity, "1");
}
