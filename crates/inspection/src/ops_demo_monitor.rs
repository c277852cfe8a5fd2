//! The demo's monitoring history (演示监控数据): the core devices polled, on paper, from the
//! start of last month until now. Every reading goes through the poller's own evaluation and
//! the poller's [`crate::store::monitor::record_poll`] (as [`record_past_poll`], which queues
//! no notices of events long over), and the rollup runs as the poller's housekeeping would, so the dashboard,
//! the charts, the availability figures and the monthly report show what the real recording
//! code makes of it. The readings are computed from the time alone (no randomness): the same
//! demo every time. The devices are stored unpolled ([`add_unpolled_device`]): their private
//! addresses may belong to real equipment wherever the demo runs.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use std::collections::BTreeSet;
use std::f64::consts::PI;
use std::net::SocketAddr;

use crate::domain::profile::{EntityPercent, EntityTemperature, ProfileName};
use crate::monitor::evaluate::{Memory, Rules};
use crate::monitor::poll::{InterfaceReading, PollResult};
use crate::store::OpsError;
use crate::store::asset;
use crate::store::monitor::{
    MonitorError, add_maintenance, add_unpolled_device, record_past_poll, rollup,
};
use yiqiao_store::Db;

/// The usual interval between two recorded polls, minutes (coarse, so the demo loads fast).
pub const STEP_MINUTES: i64 = 60;
/// The interval around the month's events, minutes, so that they show as they would.
const FINE_MINUTES: i64 = 5;
/// Days between two rollups (fewer than the 7 days raw samples are kept, so none is lost).
const ROLLUP_EVERY_DAYS: i64 = 6;

/// One demo device and the shape of its readings.
struct Spec {
    code: &'static str,
    profile: ProfileName,
    sys_descr: &'static str,
    sys_object_id: &'static str,
    /// CPU at night and its daytime rise, %.
    cpu_base: i64,
    cpu_rise: i64,
    /// Memory just after a boot, %, and its slow drift, hundredths of a % per day.
    memory_base: i64,
    memory_drift_e2: i64,
    /// Hottest sensor at night, ℃.
    temperature_base: i64,
    interfaces: [(u32, &'static str); 2],
    speed_mbps: u64,
    /// Peak utilisation of the busier direction, per mille of the speed.
    peak_permille: u64,
    /// Days since the last boot when the history starts.
    up_days: i64,
}

const HUAWEI_S12700: &str = "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 8.180 (S12700 V200R019C10SPC800)";
const HUAWEI_S6730: &str = "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.170 (S6730 V200R021C00SPC100)";

fn specs() -> Vec<Spec> {
    let core = |code, up_days| Spec {
        code,
        profile: ProfileName::Huawei,
        sys_descr: HUAWEI_S12700,
        sys_object_id: "1.3.6.1.4.1.2011.2.23.469",
        cpu_base: 12,
        cpu_rise: 18,
        memory_base: 38,
        memory_drift_e2: 4,
        temperature_base: 41,
        interfaces: [(6, "XGigabitEthernet3/0/1"), (7, "XGigabitEthernet4/0/2")],
        speed_mbps: 10_000,
        peak_permille: 420,
        up_days,
    };
    let agg = |code, up_days| Spec {
        code,
        profile: ProfileName::Huawei,
        sys_descr: HUAWEI_S6730,
        sys_object_id: "1.3.6.1.4.1.2011.2.23.581",
        cpu_base: 8,
        cpu_rise: 14,
        memory_base: 33,
        memory_drift_e2: 3,
        temperature_base: 37,
        interfaces: [(9, "XGigabitEthernet0/0/1"), (10, "XGigabitEthernet0/0/2")],
        speed_mbps: 10_000,
        peak_permille: 260,
        up_days,
    };
    vec![
        core("CSW-01", 212),
        core("CSW-02", 205),
        agg("AGG-MZ", 140),
        agg("AGG-ZY", 133),
        agg("AGG-YJ", 151),
        Spec {
            code: "FW-01",
            profile: ProfileName::Huawei,
            sys_descr: "Huawei Versatile Security Platform Software\r\nSoftware Version: USG6500E V600R007C20SPC500",
            sys_object_id: "1.3.6.1.4.1.2011.2.239.59",
            cpu_base: 15,
            cpu_rise: 30,
            memory_base: 52,
            memory_drift_e2: 5,
            temperature_base: 44,
            interfaces: [(3, "GigabitEthernet1/0/1"), (4, "GigabitEthernet1/0/3")],
            speed_mbps: 1_000,
            peak_permille: 550,
            up_days: 97,
        },
        Spec {
            code: "SRV-HIS-01",
            profile: ProfileName::Generic,
            sys_descr: "Linux his-db01 4.18.0-372.9.1.el8.x86_64 #1 SMP x86_64",
            sys_object_id: "1.3.6.1.4.1.8072.3.2.10",
            cpu_base: 18,
            cpu_rise: 42,
            memory_base: 61,
            memory_drift_e2: 18,
            temperature_base: 46,
            interfaces: [(2, "ens1f0"), (3, "ens1f1")],
            speed_mbps: 10_000,
            peak_permille: 180,
            up_days: 63,
        },
        Spec {
            code: "VM-01",
            profile: ProfileName::Generic,
            sys_descr: "Linux cna01 4.19.36-vhulk1907.1.0.h1065.eulerosv2r8.aarch64",
            sys_object_id: "1.3.6.1.4.1.8072.3.2.10",
            cpu_base: 22,
            cpu_rise: 35,
            memory_base: 58,
            memory_drift_e2: 12,
            temperature_base: 48,
            interfaces: [(2, "eth0"), (3, "eth1")],
            speed_mbps: 10_000,
            peak_permille: 150,
            up_days: 88,
        },
    ]
}

/// A device's last poll time and its interfaces' (in octets, out octets, broadcast packets).
type Counters = (DateTime<Utc>, [[u64; 3]; 2]);

/// What happens to one device during the history.
#[derive(Default)]
struct Events {
    /// Polls in `[from, to)` get no answer.
    silent: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The device restarts at this moment.
    reboot: Option<DateTime<Utc>>,
    /// CPU stays high in `[from, to)`.
    cpu_high: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Polled every [`FINE_MINUTES`] in `[from, to)`.
    fine: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// What the demo's history holds, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    pub devices: usize,
    pub polls: usize,
}

/// A number in `[-1, 1]` fixed by `(a, b)` (SplitMix64): the readings' small wobble.
fn wobble(a: u64, b: i64) -> f64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.cast_unsigned())
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % 20_001) as f64 / 10_000.0 - 1.0
}

/// The hospital's daily rhythm at `t`: 0 in the small hours, 1 in the early afternoon; quieter
/// at weekends.
fn rhythm(t: DateTime<Utc>) -> f64 {
    let local = t + Duration::hours(8);
    let hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
    let day = 0.5 + 0.5 * ((hour - 14.5) / 24.0 * 2.0 * PI).cos();
    let weekend = local.weekday().number_from_monday() >= 6;
    if weekend { day * 0.55 } else { day }
}

/// Midnight of `d` in Shanghai, as UTC.
fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|n| n.and_utc() - Duration::hours(8))
        .unwrap_or_default()
}

/// Record the history of the demo's core devices from the start of `last_month_first` (the 1st
/// of last month) until `now`. Returns what was recorded.
pub async fn load(
    db: &Db,
    last_month_first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<History, OpsError> {
    let start = local_midnight(last_month_first);
    // Last month's day `d` at `h:m`, Shanghai time.
    let at = |d: i64, h: i64, m: i64| {
        start + Duration::days(d - 1) + Duration::hours(h) + Duration::minutes(m)
    };
    let assets = asset::list_assets(db.conn()).await?;
    let specs = specs();
    let mut devices = Vec::new();
    for s in &specs {
        let Some(a) = assets.iter().find(|a| a.code == s.code) else {
            continue;
        };
        let Some(host) = a.mgmt_ip.clone().filter(|h| !h.is_empty()) else {
            continue;
        };
        let interval = u32::try_from(STEP_MINUTES * 60).unwrap_or(1_800);
        let id = add_unpolled_device(db, start - Duration::days(3), a.id, &host, interval)
            .await
            .map_err(mon)?;
        let mut ev = Events::default();
        match s.code {
            // The inpatient building's closet lost power for 40 minutes; the switch came back
            // with a fresh uptime.
            "AGG-ZY" => {
                ev.silent = Some((at(12, 10, 20), at(12, 11, 10)));
                ev.reboot = Some(at(12, 11, 8));
                ev.fine = Some((at(12, 9, 30), at(12, 12, 0)));
            }
            // A software upgrade inside a window entered three days before: the outage is
            // excused.
            "CSW-02" => {
                add_maintenance(
                    db,
                    at(19, 16, 0),
                    id,
                    at(22, 0, 0),
                    at(22, 2, 0),
                    "核心交换机 2 软件版本升级（V200R019C10SPC800），主备切换",
                    "信息科 王工（演示）",
                )
                .await
                .map_err(mon)?;
                ev.silent = Some((at(22, 0, 30), at(22, 0, 50)));
                ev.reboot = Some(at(22, 0, 48));
                ev.fine = Some((at(21, 23, 30), at(22, 1, 30)));
            }
            // A burst of sessions at the firewall: CPU above 90 % for 40 minutes.
            "FW-01" => {
                ev.cpu_high = Some((at(25, 14, 0), at(25, 14, 40)));
                ev.fine = Some((at(25, 13, 30), at(25, 15, 30)));
            }
            _ => {}
        }
        devices.push((id, host, s, ev));
    }
    // Every device's poll times, merged in time order as the poller would run them.
    let mut polls: BTreeSet<(DateTime<Utc>, usize)> = BTreeSet::new();
    for (i, (.., ev)) in devices.iter().enumerate() {
        // Devices are not polled in the same second.
        let offset = Duration::seconds(i64::try_from(i).unwrap_or(0) * 7);
        let mut t = start + offset;
        while t < now {
            polls.insert((t, i));
            t += Duration::minutes(STEP_MINUTES);
        }
        if let Some((from, to)) = ev.fine {
            let mut t = from + offset;
            while t < to.min(now) {
                polls.insert((t, i));
                t += Duration::minutes(FINE_MINUTES);
            }
        }
    }
    let rules = Rules::default();
    let mut memories: Vec<Memory> = devices.iter().map(|_| Memory::default()).collect();
    // Per device: (time of the last poll, octet and broadcast counters per interface).
    let mut counters: Vec<Option<Counters>> = vec![None; devices.len()];
    let mut next_rollup = start + Duration::days(ROLLUP_EVERY_DAYS);
    let mut count = 0;
    for (t, i) in polls {
        if t >= next_rollup {
            rollup(db, next_rollup).await.map_err(mon)?;
            next_rollup += Duration::days(ROLLUP_EVERY_DAYS);
        }
        let (id, host, s, ev) = &devices[i];
        let addr = SocketAddr::new(
            host.parse()
                .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into()),
            161,
        );
        let boot = match ev.reboot {
            Some(r) if t >= r => r,
            _ => start - Duration::days(s.up_days) - Duration::minutes(37 * (i as i64 + 1)),
        };
        let silent = ev.silent.is_some_and(|(a, b)| t >= a && t < b);
        // Counters run on while the device is up and start again from zero at a boot.
        let shape = rhythm(t);
        let bps = |k: usize| -> f64 {
            let busy = if k == 0 { 1.0 } else { 0.55 };
            s.speed_mbps as f64 * 1e6 * s.peak_permille as f64 / 1000.0
                * (0.08 + 0.92 * shape)
                * busy
        };
        let seed = (*id).cast_unsigned();
        let advanced = match counters[i] {
            Some((last, c)) if last >= boot => {
                let dt = (t - last).num_seconds().max(0) as f64;
                let mut c = c;
                for (n, row) in c.iter_mut().enumerate() {
                    let (rin, rout) = if n == 0 {
                        (bps(0), bps(1))
                    } else {
                        (bps(1), bps(0))
                    };
                    row[0] = row[0].wrapping_add((rin / 8.0 * dt) as u64);
                    row[1] = row[1].wrapping_add((rout / 8.0 * dt) as u64);
                    row[2] = row[2].wrapping_add((25.0 * dt) as u64);
                }
                c
            }
            _ => [[0; 3]; 2],
        };
        counters[i] = Some((t, advanced));
        let result = if silent {
            PollResult::failed(addr, "SNMP 请求超时（2000 毫秒内无应答）".to_owned())
        } else {
            let up_secs = (t - boot).num_seconds().max(0);
            let days_up = up_secs as f64 / 86_400.0;
            let w = |salt: u64| wobble(seed.wrapping_mul(31).wrapping_add(salt), t.timestamp());
            let cpu = if ev.cpu_high.is_some_and(|(a, b)| t >= a && t < b) {
                9_400.0 + 250.0 * w(1)
            } else {
                (s.cpu_base as f64 + s.cpu_rise as f64 * shape) * 100.0 + 180.0 * w(1)
            };
            let memory = s.memory_base as f64 * 100.0
                + s.memory_drift_e2 as f64 * days_up.min(120.0)
                + 60.0 * w(2);
            let temperature = s.temperature_base as f64 * 100.0 + 350.0 * shape + 40.0 * w(3);
            let name = s.code.to_ascii_lowercase();
            let mut r = PollResult::failed(addr, String::new());
            r.error = None;
            r.reachable = true;
            r.sys_name = Some(name);
            r.sys_descr = Some(s.sys_descr.to_owned());
            r.sys_object_id = Some(s.sys_object_id.to_owned());
            r.profile = Some(s.profile);
            r.uptime_seconds = u64::try_from(up_secs).ok();
            r.uptime_ticks = u32::try_from(up_secs * 100).ok();
            r.cpu_e2 = vec![EntityPercent {
                entity: "1".into(),
                percent_e2: cpu.clamp(0.0, 10_000.0) as u32,
            }];
            r.memory_e2 = vec![EntityPercent {
                entity: "1".into(),
                percent_e2: memory.clamp(0.0, 10_000.0) as u32,
            }];
            r.temperature_e2 = vec![EntityTemperature {
                entity: "1".into(),
                celsius_e2: temperature as i64,
            }];
            r.interfaces = s
                .interfaces
                .iter()
                .zip(advanced)
                .map(|((index, name), c)| InterfaceReading {
                    index: *index,
                    name: (*name).to_owned(),
                    oper_status: 1,
                    in_octets: Some(c[0]),
                    out_octets: Some(c[1]),
                    in_broadcast_pkts: Some(c[2]),
                    in_errors: Some(0),
                    speed_mbps: Some(s.speed_mbps),
                })
                .collect();
            r
        };
        let evaluated = memories[i].evaluate(&rules, &result, Some(!silent), t);
        record_past_poll(db, *id, &result, &evaluated)
            .await
            .map_err(mon)?;
        count += 1;
    }
    rollup(db, now).await.map_err(mon)?;
    Ok(History {
        devices: devices.len(),
        polls: count,
    })
}

fn mon(e: MonitorError) -> OpsError {
    match e {
        MonitorError::Db(d) => OpsError::Db(d),
        other => OpsError::Bad(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wobble_is_fixed_and_bounded() {
        for b in 0..1_000 {
            let w = wobble(7, b);
            assert!((-1.0..=1.0).contains(&w));
            assert_eq!(w, wobble(7, b));
        }
    }

    #[test]
    fn the_rhythm_peaks_in_the_afternoon() {
        let day = |h: u32| {
            NaiveDate::from_ymd_opt(2026, 11, 4)
                .and_then(|d| d.and_hms_opt(h, 30, 0))
                .map(|n| n.and_utc() - Duration::hours(8))
                .expect("date")
        };
        assert!(rhythm(day(14)) > 0.99);
        assert!(rhythm(day(2)) < 0.01);
    }
}
