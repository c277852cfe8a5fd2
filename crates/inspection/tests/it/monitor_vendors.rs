//! Every vendor's recording, polled over SNMP from a real agent: CPU and memory equal what the
//! recording holds; neighbours come out of the LLDP and CDP tables.

use crate::monitor_agents::{RECORDINGS, Snmpsim, read_recording, v2c, v3};
use std::collections::BTreeMap;
use std::time::Duration;
use yiqiao_inspection::domain::oid::Oid;
use yiqiao_inspection::domain::profile::ProfileName;
use yiqiao_inspection::domain::topology::Protocol;
use yiqiao_inspection::monitor::poll::{PollPlan, poll};
use yiqiao_inspection::monitor::snmp::Session;

type Rec = BTreeMap<Oid, (String, String)>;

fn num(rec: &Rec, oid: &str) -> Option<u64> {
    rec.get(&oid.parse::<Oid>().unwrap())
        .and_then(|(_, v)| v.parse().ok())
}

/// Rows of a column in the recording: (index text, value).
fn col(rec: &Rec, prefix: &str) -> Vec<(String, u64)> {
    let p: Oid = prefix.parse().unwrap();
    rec.iter()
        .filter_map(|(k, (_, v))| {
            let idx = k.suffix_after(&p)?;
            if idx.is_empty() {
                return None;
            }
            let idx = idx
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(".");
            Some((idx, v.parse().ok()?))
        })
        .collect()
}

fn e2(part: u64, whole: u64) -> u32 {
    u32::try_from((u128::from(part) * 20_000 / u128::from(whole)).div_ceil(2)).unwrap()
}

/// Readings per entity (CPU or memory index, hundredths of a percent).
type Readings = Vec<(String, u32)>;

/// What the recording says, computed from its lines by the rules of the spec's table.
fn expected(rec: &Rec) -> (ProfileName, Readings, Readings) {
    let sys: String = rec[&"1.3.6.1.2.1.1.2.0".parse::<Oid>().unwrap()].1.clone();
    let pct = |rows: Vec<(String, u64)>| -> Vec<(String, u32)> {
        rows.into_iter()
            .map(|(i, v)| (i, u32::try_from(v).unwrap() * 100))
            .collect()
    };
    if sys.starts_with("1.3.6.1.4.1.2011.") {
        let h = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1";
        let keep = |thr: u32| {
            move |(i, _): &(String, u64)| {
                num(rec, &format!("{h}.2.{i}")) == Some(3)
                    && num(rec, &format!("{h}.{thr}.{i}")).is_some_and(|t| t != 0)
            }
        };
        let cpu = col(rec, &format!("{h}.5"))
            .into_iter()
            .filter(keep(6))
            .collect();
        let mem = col(rec, &format!("{h}.7"))
            .into_iter()
            .filter(keep(8))
            .collect();
        (ProfileName::Huawei, pct(cpu), pct(mem))
    } else if sys.starts_with("1.3.6.1.4.1.25506.") {
        let h = "1.3.6.1.4.1.25506.2.6.1.1.1.1";
        (
            ProfileName::H3c,
            pct(col(rec, &format!("{h}.6"))),
            pct(col(rec, &format!("{h}.8"))),
        )
    } else if sys.starts_with("1.3.6.1.4.1.9.") {
        let used = col(rec, "1.3.6.1.4.1.9.9.48.1.1.1.5");
        let mem = used
            .into_iter()
            .filter_map(|(i, u)| {
                let f = num(rec, &format!("1.3.6.1.4.1.9.9.48.1.1.1.6.{i}"))?;
                Some((i, e2(u, u + f)))
            })
            .collect();
        (
            ProfileName::Cisco,
            pct(col(rec, "1.3.6.1.4.1.9.9.109.1.1.1.1.8")),
            mem,
        )
    } else if sys.starts_with("1.3.6.1.4.1.4881.") {
        let cpu = num(rec, "1.3.6.1.4.1.4881.1.1.10.2.36.1.1.3.0").unwrap();
        (
            ProfileName::Ruijie,
            vec![("0".into(), u32::try_from(cpu).unwrap() * 100)],
            pct(col(rec, "1.3.6.1.4.1.4881.1.1.10.2.35.1.1.1.3")),
        )
    } else {
        let loads = col(rec, "1.3.6.1.2.1.25.3.3.1.2");
        let n = loads.len() as u64;
        let cpu = vec![("0".into(), e2(loads.iter().map(|(_, v)| v).sum(), n * 100))];
        let mem = rec
            .iter()
            .filter(|(k, (_, v))| {
                k.to_string().starts_with("1.3.6.1.2.1.25.2.3.1.2.") && v == "1.3.6.1.2.1.25.2.1.2"
            })
            .map(|(k, _)| {
                let i = k.arcs().last().unwrap();
                let size = num(rec, &format!("1.3.6.1.2.1.25.2.3.1.5.{i}")).unwrap();
                let used = num(rec, &format!("1.3.6.1.2.1.25.2.3.1.6.{i}")).unwrap();
                (i.to_string(), e2(used, size))
            })
            .collect();
        (ProfileName::Generic, cpu, mem)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_and_memory_equal_each_recording() {
    let agent = Snmpsim::start(RECORDINGS).await;
    let mut seen = Vec::new();
    for name in RECORDINGS {
        let rec = read_recording(&agent.recording(name));
        let (profile, cpu, mem) = expected(&rec);
        assert!(
            !cpu.is_empty() && !mem.is_empty(),
            "{name}: the recording has readings"
        );
        let mut s = Session::new(agent.addr, v2c(name), Duration::from_secs(5));
        let r = poll(&mut s, PollPlan::default()).await;
        assert_eq!(r.error, None, "{name}");
        assert!(r.reachable);
        assert_eq!(r.profile, Some(profile), "{name}");
        let got = |v: &[yiqiao_inspection::domain::profile::EntityPercent]| -> Vec<(String, u32)> {
            v.iter().map(|e| (e.entity.clone(), e.percent_e2)).collect()
        };
        assert_eq!(got(&r.cpu_e2), cpu, "{name}: CPU");
        assert_eq!(got(&r.memory_e2), mem, "{name}: memory");
        // Interfaces: every ifHCInOctets row of the recording is read as a 64-bit counter.
        let hc = col(&rec, "1.3.6.1.2.1.31.1.1.1.6");
        let read: Vec<(String, u64)> = r
            .interfaces
            .iter()
            .filter_map(|i| Some((i.index.to_string(), i.in_octets?)))
            .collect();
        let mut hc_sorted = hc.clone();
        hc_sorted.sort_by_key(|(i, _)| i.parse::<u32>().unwrap());
        assert_eq!(read, hc_sorted, "{name}: ifHCInOctets");
        seen.push(profile);
    }
    for p in [
        ProfileName::Huawei,
        ProfileName::H3c,
        ProfileName::Cisco,
        ProfileName::Ruijie,
        ProfileName::Generic,
    ] {
        assert!(seen.contains(&p), "{p:?} covered");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbours_from_lldp_and_cdp() {
    let agent =
        Snmpsim::start(&["network/router/ruijie-n18010", "network/switch/cisco-c3750"]).await;
    let mut s = Session::new(
        agent.addr,
        v2c("network/router/ruijie-n18010"),
        Duration::from_secs(5),
    );
    let r = poll(&mut s, PollPlan::default()).await;
    assert_eq!(r.error, None);
    let rec = read_recording(&agent.recording("network/router/ruijie-n18010"));
    // Tag `4x` is an OCTET STRING written in hex.
    let names: Vec<String> = rec
        .iter()
        .filter(|(k, _)| k.to_string().starts_with("1.0.8802.1.1.2.1.4.1.1.9."))
        .map(|(_, (tag, v))| {
            if tag == "4x" {
                let bytes: Vec<u8> = (0..v.len() / 2)
                    .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).unwrap())
                    .collect();
                String::from_utf8(bytes)
                    .unwrap()
                    .trim_end_matches('\0')
                    .to_owned()
            } else {
                v.clone()
            }
        })
        .collect();
    assert!(!names.is_empty());
    assert_eq!(r.lldp_neighbors.len(), names.len());
    for (row, name) in r.lldp_neighbors.iter().zip(&names) {
        assert_eq!(&row.sys_name, name);
    }
    assert!(r.neighbours.iter().all(|n| n.protocol == Protocol::Lldp));

    let mut s = Session::new(
        agent.addr,
        v2c("network/switch/cisco-c3750"),
        Duration::from_secs(5),
    );
    let r = poll(&mut s, PollPlan::default()).await;
    assert_eq!(r.error, None);
    let rec = read_recording(&agent.recording("network/switch/cisco-c3750"));
    let ids = rec
        .keys()
        .filter(|k| k.to_string().starts_with("1.3.6.1.4.1.9.9.23.1.2.1.1.6."))
        .count();
    let cdp: Vec<_> = r
        .neighbours
        .iter()
        .filter(|n| n.protocol == Protocol::Cdp)
        .collect();
    assert!(ids > 0);
    assert_eq!(cdp.len(), ids);
    assert!(cdp.iter().all(|n| !n.remote_name.is_empty()));
    assert!(cdp.iter().any(|n| n.remote_mgmt_ip.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snmpv3_auth_priv_reads_the_same_values() {
    let agent = Snmpsim::start(&["network/switch/cisco-c3560"]).await;
    let name = "network/switch/cisco-c3560";
    let mut a = Session::new(agent.addr, v2c(name), Duration::from_secs(5));
    let mut b = Session::new(agent.addr, v3(name), Duration::from_secs(5));
    let (ra, rb) = (
        poll(&mut a, PollPlan::default()).await,
        poll(&mut b, PollPlan::default()).await,
    );
    assert_eq!(rb.error, None);
    assert_eq!(ra.cpu_e2, rb.cpu_e2);
    assert_eq!(ra.memory_e2, rb.memory_e2);
    assert_eq!(ra.interfaces, rb.interfaces);
    // A wrong password is refused, not taken for a dead device.
    let mut bad = v3(name);
    if let yiqiao_inspection::monitor::snmp::Credentials::V3 { auth_pass, .. } = &mut bad {
        *auth_pass = "wrong-password".into();
    }
    let mut c = Session::new(agent.addr, bad, Duration::from_secs(2));
    let rc = poll(&mut c, PollPlan::default()).await;
    assert!(!rc.reachable);
    assert!(rc.error.is_some());
}

/// Temperatures per the spec's MIB objects, computed from the recording's own lines: Huawei
/// `hwEntityTemperature` of enabled boards with a threshold, H3C `hh3cEntityExtTemperature`
/// without the 65535 "no sensor" rows, Cisco `ciscoEnvMonTemperatureStatusValue`, LM-SENSORS
/// `lmTempSensorsValue` in thousandths. Hundredths of a ℃ per entity.
fn expected_temperatures(rec: &Rec) -> Vec<(String, i64)> {
    let sys: String = rec[&"1.3.6.1.2.1.1.2.0".parse::<Oid>().unwrap()].1.clone();
    let whole = |rows: Vec<(String, u64)>| -> Vec<(String, i64)> {
        rows.into_iter()
            .filter(|(_, v)| *v <= 150)
            .map(|(i, v)| (i, i64::try_from(v).unwrap() * 100))
            .collect()
    };
    if sys.starts_with("1.3.6.1.4.1.2011.") {
        let h = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1";
        whole(
            col(rec, &format!("{h}.11"))
                .into_iter()
                .filter(|(i, _)| {
                    num(rec, &format!("{h}.2.{i}")) == Some(3)
                        && num(rec, &format!("{h}.12.{i}")).is_some_and(|t| t != 0)
                })
                .collect(),
        )
    } else if sys.starts_with("1.3.6.1.4.1.25506.") {
        whole(col(rec, "1.3.6.1.4.1.25506.2.6.1.1.1.1.12"))
    } else if sys.starts_with("1.3.6.1.4.1.9.") {
        whole(col(rec, "1.3.6.1.4.1.9.9.13.1.3.1.3"))
    } else if sys.starts_with("1.3.6.1.4.1.4881.") {
        Vec::new()
    } else {
        col(rec, "1.3.6.1.4.1.2021.13.16.2.1.3")
            .into_iter()
            .map(|(i, v)| (i, i64::try_from(v).unwrap() / 10))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temperatures_equal_each_recording_that_has_them() {
    const LINUX_SENSORS: &str = "os/linux/unknown-006";
    let mut names: Vec<&str> = RECORDINGS.to_vec();
    names.push(LINUX_SENSORS);
    let agent = Snmpsim::start(&names).await;
    let mut with = Vec::new();
    for name in &names {
        let rec = read_recording(&agent.recording(name));
        let want = expected_temperatures(&rec);
        let mut s = Session::new(agent.addr, v2c(name), Duration::from_secs(5));
        let r = poll(&mut s, PollPlan::default()).await;
        assert_eq!(r.error, None, "{name}");
        let got: Vec<(String, i64)> = r
            .temperature_e2
            .iter()
            .map(|t| (t.entity.clone(), t.celsius_e2))
            .collect();
        assert_eq!(got, want, "{name}: temperatures");
        // The probe prints them in ℃.
        assert_eq!(r.temperature.len(), got.len());
        if !got.is_empty() {
            with.push(*name);
        }
    }
    // Which recordings carry temperatures at all (the others have none to read).
    assert_eq!(
        with,
        [
            "network/router/huawei-s5720",
            "network/switch/huawei-s12704",
            "network/switch/h3c-comware-7-1-075",
            "network/switch/cisco-c3560",
            LINUX_SENSORS,
        ]
    );
    // Spot values straight from the recordings' lines.
    let addr = agent.addr;
    let one = |name: &'static str, entity: &'static str| async move {
        let mut s = Session::new(addr, v2c(name), Duration::from_secs(5));
        let r = poll(&mut s, PollPlan::default()).await;
        r.temperature_e2
            .into_iter()
            .find(|t| t.entity == entity)
            .map(|t| t.celsius_e2)
    };
    assert_eq!(
        one("network/router/huawei-s5720", "67108873").await,
        Some(4200)
    );
    assert_eq!(one("network/switch/cisco-c3560", "1005").await, Some(6100));
    assert_eq!(
        one("network/switch/h3c-comware-7-1-075", "1432").await,
        Some(3700)
    );
    assert_eq!(one(LINUX_SENSORS, "1").await, Some(10_000));
}
