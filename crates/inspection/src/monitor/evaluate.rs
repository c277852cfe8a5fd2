//! What one poll means for a device (轮询结果判定), given what the poller remembers of it:
//! up/unknown/down, rates from the counters, samples to store, alert and outage transitions.
//! Pure: no I/O, so the rules are tested without agents.

use super::poll::PollResult;
use crate::domain::alert::{AlertState, Metric, Threshold, Transition};
use crate::domain::rate::{BroadcastLimit, CounterSample, TimeTicks, bits_per_second};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// Reachability state (设备状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceState {
    /// Not polled yet, or failing but not yet long enough to call it down.
    Unknown,
    Up,
    Down,
}

impl DeviceState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Unknown => "unknown",
            DeviceState::Up => "up",
            DeviceState::Down => "down",
        }
    }
    pub fn parse(s: &str) -> DeviceState {
        match s {
            "up" => DeviceState::Up,
            "down" => DeviceState::Down,
            _ => DeviceState::Unknown,
        }
    }
}

/// Rules the evaluation applies.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Consecutive failed polls before a device is down (default 3).
    pub down_after: u32,
    pub cpu: Threshold,
    pub memory: Threshold,
    pub broadcast: BroadcastLimit,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            down_after: 3,
            cpu: Threshold::default_cpu(),
            memory: Threshold::default_memory(),
            broadcast: BroadcastLimit::default(),
        }
    }
}

/// The poller's memory of one device between polls.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    pub state: Option<DeviceState>,
    pub failed_polls: u32,
    pub last_uptime: Option<(TimeTicks, DateTime<Utc>)>,
    /// The device's own temperature alarm limit, ℃; `None`: its profile's.
    pub temperature_limit_c: Option<i64>,
    /// Per ifIndex: (in octets, out octets, broadcast packets).
    counters: HashMap<u32, [Option<CounterSample>; 3]>,
    alerts: HashMap<(&'static str, String), AlertState>,
}

/// One interface after evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceRates {
    pub index: u32,
    pub name: String,
    pub oper_status: u32,
    pub speed_mbps: Option<u64>,
    pub in_bps: Option<u64>,
    pub out_bps: Option<u64>,
    pub broadcast_pps: Option<u64>,
    pub in_errors: Option<u64>,
}

/// An alert that opened or closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertChange {
    pub metric: Metric,
    pub entity: String,
    pub limit: i64,
    pub transition: Transition,
}

/// An outage that opened (the device went down) or closed (it answered again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OutageChange {
    Opened(DateTime<Utc>),
    Closed(DateTime<Utc>),
}

/// Everything to store for one poll.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluated {
    pub at: DateTime<Utc>,
    pub state: DeviceState,
    pub failed_polls: u32,
    pub rebooted: bool,
    /// (metric, entity, value): cpu/memory in hundredths of a percent, temperature in
    /// hundredths of a ℃, rates per second.
    pub samples: Vec<(&'static str, String, i64)>,
    pub interfaces: Vec<InterfaceRates>,
    pub alerts: Vec<AlertChange>,
    pub outage: Option<OutageChange>,
}

pub fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::Cpu => "cpu",
        Metric::Memory => "memory",
        Metric::PingFailed => "ping_failed",
        Metric::InterfaceErrors => "in_errors",
        Metric::BroadcastPps => "broadcast_pps",
        Metric::Temperature => "temperature",
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Memory {
    /// Evaluate a poll taken at `at`. `pinged`: the ICMP answer, when ICMP is in use.
    pub fn evaluate(
        &mut self,
        rules: &Rules,
        r: &PollResult,
        pinged: Option<bool>,
        at: DateTime<Utc>,
    ) -> Evaluated {
        // The system group answered: the device is alive even if a later walk failed.
        let answered = r.reachable;
        let reachable = answered || pinged == Some(true);
        let prev = self.state.unwrap_or(DeviceState::Unknown);
        let mut out = Evaluated {
            at,
            state: prev,
            failed_polls: 0,
            rebooted: false,
            samples: Vec::new(),
            interfaces: Vec::new(),
            alerts: Vec::new(),
            outage: None,
        };
        if !reachable {
            self.failed_polls = self.failed_polls.saturating_add(1);
            out.failed_polls = self.failed_polls;
            // Honest: one failure is "unknown"; enough failures in a row is "down".
            out.state = if self.failed_polls >= rules.down_after || prev == DeviceState::Down {
                DeviceState::Down
            } else {
                DeviceState::Unknown
            };
            if out.state == DeviceState::Down && prev != DeviceState::Down {
                out.outage = Some(OutageChange::Opened(at));
            }
            self.state = Some(out.state);
            return out;
        }
        self.failed_polls = 0;
        out.state = DeviceState::Up;
        if prev == DeviceState::Down {
            out.outage = Some(OutageChange::Closed(at));
        }
        self.state = Some(DeviceState::Up);
        let Some(ticks) = r.uptime_ticks.map(TimeTicks) else {
            // Ping answered but SNMP did not: up, nothing measured.
            return out;
        };
        if let Some((prev_up, prev_at)) = self.last_uptime {
            out.rebooted = matches!(
                crate::domain::rate::uptime_change(prev_up, prev_at, ticks, at),
                crate::domain::rate::UptimeChange::Restarted
            );
        }
        self.last_uptime = Some((ticks, at));

        for (metric, rule, list) in [
            (Metric::Cpu, rules.cpu, &r.cpu_e2),
            (Metric::Memory, rules.memory, &r.memory_e2),
        ] {
            for e in list {
                let value = i64::from(e.percent_e2);
                out.samples
                    .push((metric_name(metric), e.entity.clone(), value));
                // Thresholds are in whole percent.
                self.observe(&mut out, metric, &e.entity, rule, at, value / 100);
            }
        }
        // Temperatures: alarm on whole degrees against the device's or its profile's limit.
        let limit_c = self.temperature_limit_c.unwrap_or_else(|| {
            r.profile
                .map_or(crate::domain::profile::DEFAULT_TEMPERATURE_LIMIT_C, |p| {
                    crate::domain::profile::by_name(p).temperature_limit_c
                })
        });
        let heat = Threshold::temperature(limit_c);
        for t in &r.temperature_e2 {
            out.samples.push((
                metric_name(Metric::Temperature),
                t.entity.clone(),
                t.celsius_e2,
            ));
            let whole = t.celsius_e2.div_euclid(100);
            self.observe(&mut out, Metric::Temperature, &t.entity, heat, at, whole);
        }
        let storm = Threshold::broadcast_storm(rules.broadcast);
        for i in &r.interfaces {
            let sample = |v: Option<u64>| {
                v.map(|value| CounterSample {
                    value,
                    uptime: ticks,
                    at,
                })
            };
            let now = [
                sample(i.in_octets),
                sample(i.out_octets),
                sample(i.in_broadcast_pkts),
            ];
            let before = self.counters.insert(i.index, now).unwrap_or_default();
            let speed = i.speed_mbps.unwrap_or(0);
            let bps = |k: usize| match (before[k], now[k]) {
                (Some(a), Some(b)) => bits_per_second(a, b, speed).per_second(),
                _ => None,
            };
            let pps = match (before[2], now[2]) {
                (Some(a), Some(b)) => rules.broadcast.check(a, b).map(|x| x.packets_per_second),
                _ => None,
            };
            let rates = InterfaceRates {
                index: i.index,
                name: i.name.clone(),
                oper_status: i.oper_status,
                speed_mbps: i.speed_mbps,
                in_bps: bps(0),
                out_bps: bps(1),
                broadcast_pps: pps,
                in_errors: i.in_errors,
            };
            let entity = i.index.to_string();
            for (m, v) in [("in_bps", rates.in_bps), ("out_bps", rates.out_bps)] {
                if let Some(v) = v {
                    out.samples.push((m, entity.clone(), clamp(v)));
                }
            }
            if let Some(p) = pps {
                out.samples
                    .push(("broadcast_pps", entity.clone(), clamp(p)));
                self.observe(&mut out, Metric::BroadcastPps, &entity, storm, at, clamp(p));
            }
            out.interfaces.push(rates);
        }
        out
    }

    fn observe(
        &mut self,
        out: &mut Evaluated,
        metric: Metric,
        entity: &str,
        rule: Threshold,
        at: DateTime<Utc>,
        value: i64,
    ) {
        let key = (metric_name(metric), entity.to_owned());
        let state = self.alerts.get(&key).copied().unwrap_or_default();
        let (next, tr) = state.observe(&rule, at, value);
        self.alerts.insert(key, next);
        if let Some(transition) = tr {
            out.alerts.push(AlertChange {
                metric,
                entity: entity.to_owned(),
                limit: rule.limit,
                transition,
            });
        }
    }
}
