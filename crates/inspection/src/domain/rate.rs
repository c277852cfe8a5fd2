//! Interface rates (接口流量速率) from two counter samples.
//!
//! The agent's own clock (`sysUpTime`, hundredths of a second) measures the interval, because the
//! counters advance on that clock and the poller's wall-clock can be late by scheduling jitter.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The width of an SNMP counter: `Counter32` (`ifInOctets`) or `Counter64` (`ifHCInOctets`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CounterWidth {
    Bits32,
    Bits64,
}

impl CounterWidth {
    /// The largest value before the counter wraps to 0.
    pub fn max(self) -> u64 {
        match self {
            CounterWidth::Bits32 => u64::from(u32::MAX),
            CounterWidth::Bits64 => u64::MAX,
        }
    }
}

/// `sysUpTime` as the agent reports it: hundredths of a second since its SNMP engine started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TimeTicks(pub u32);

impl TimeTicks {
    /// Whole seconds of uptime (the probe's `uptime_seconds`).
    pub fn seconds(self) -> u64 {
        u64::from(self.0) / 100
    }
}

/// One reading of a counter together with the agent's uptime read in the same request, and
/// when the poller received the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CounterSample {
    pub value: u64,
    pub uptime: TimeTicks,
    pub at: DateTime<Utc>,
}

/// How the agent's uptime moved between two polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum UptimeChange {
    /// The agent kept running for `centis` hundredths of a second.
    Advanced { centis: u64 },
    /// The agent restarted (重启): counted as a reboot, and no rate for the interval.
    Restarted,
}

/// Classifies an uptime change. `sysUpTime` is a 32-bit tick count that wraps after about
/// 497 days — core switches run that long — so a decrease whose wrapped advance agrees with
/// the poller's own clock is a wrap, not a reboot.
pub fn uptime_change(
    prev: TimeTicks,
    prev_at: DateTime<Utc>,
    cur: TimeTicks,
    cur_at: DateTime<Utc>,
) -> UptimeChange {
    if cur >= prev {
        return UptimeChange::Advanced {
            centis: u64::from(cur.0 - prev.0),
        };
    }
    let wrapped = u64::from(u32::MAX - prev.0) + u64::from(cur.0) + 1;
    let wall = cur_at.signed_duration_since(prev_at).num_milliseconds() / 10;
    let Ok(wall) = u64::try_from(wall) else {
        return UptimeChange::Restarted;
    };
    // The two clocks agree within a few percent over a poll interval; allow 10 % + 5 s.
    if wall > 0 && wrapped.abs_diff(wall) <= wall / 10 + 500 {
        UptimeChange::Advanced { centis: wrapped }
    } else {
        UptimeChange::Restarted
    }
}

/// What two samples say about the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RateOutcome {
    /// Units per second (bits/s for octet counters, packets/s for packet counters).
    Rate { per_second: u64 },
    /// `sysUpTime` went backwards: the agent restarted (重启) and its counters started again, so
    /// there is no rate for this interval — never a spike.
    AgentRestarted,
    /// No agent time passed between the samples (a duplicate reply): nothing to divide by.
    NoInterval,
    /// A 64-bit counter went backwards by more than half its range. Passing 2^64 octets takes
    /// over eleven years even at 400 Gb/s, so this is a reset (module swapped, counters
    /// cleared), not a wrap: no rate rather than a spike of ~2^64.
    CounterReset,
    /// The computed rate exceeds what the interface can carry: a counter reset without a reboot
    /// (e.g. a line card replaced) rather than traffic; dropped instead of drawn as a spike.
    Implausible { per_second: u64 },
}

impl RateOutcome {
    /// The rate, when there is one to record.
    pub fn per_second(self) -> Option<u64> {
        match self {
            RateOutcome::Rate { per_second } => Some(per_second),
            _ => None,
        }
    }
}

/// How far a counter moved from `prev` to `cur`, assuming at most one wrap past `width.max()`.
pub fn counter_delta(prev: u64, cur: u64, width: CounterWidth) -> u64 {
    let max = width.max();
    // A value above the width cannot come from a correct agent; clamp so the arithmetic stays
    // inside the counter's range instead of inventing a huge delta.
    let prev = prev.min(max);
    let cur = cur.min(max);
    if cur >= prev {
        cur - prev
    } else {
        // Wrapped: up to max, one step to 0, then up to cur.
        (max - prev) + cur + 1
    }
}

/// The per-second rate between two samples of one counter.
///
/// `multiplier` is 8 for octet counters (bits/s) and 1 for packet counters. `ceiling` is the
/// most the interface can carry per second in the same units (from `ifHighSpeed`), when known.
pub fn rate(
    prev: CounterSample,
    cur: CounterSample,
    width: CounterWidth,
    multiplier: u64,
    ceiling: Option<u64>,
) -> RateOutcome {
    let centis = match uptime_change(prev.uptime, prev.at, cur.uptime, cur.at) {
        UptimeChange::Restarted => return RateOutcome::AgentRestarted,
        UptimeChange::Advanced { centis } => u128::from(centis),
    };
    if centis == 0 {
        return RateOutcome::NoInterval;
    }
    let delta = counter_delta(prev.value, cur.value, width);
    if width == CounterWidth::Bits64 && cur.value < prev.value && delta > width.max() / 2 {
        return RateOutcome::CounterReset;
    }
    let delta = u128::from(delta);
    // delta < 2^64, multiplier < 2^64, ×100 < 2^7: the product fits in u128.
    let per_second = delta * u128::from(multiplier) * 100 / centis;
    let per_second = u64::try_from(per_second).unwrap_or(u64::MAX);
    match ceiling {
        Some(limit) if per_second > limit => RateOutcome::Implausible { per_second },
        _ => RateOutcome::Rate { per_second },
    }
}

/// bits/s from two samples of `ifHCInOctets`/`ifHCOutOctets` (64-bit).
///
/// `speed_mbps` is `ifHighSpeed` (Mb/s); 0 means the agent does not know, so no ceiling.
pub fn bits_per_second(prev: CounterSample, cur: CounterSample, speed_mbps: u64) -> RateOutcome {
    let ceiling = (speed_mbps > 0).then(|| speed_mbps.saturating_mul(1_000_000));
    rate(prev, cur, CounterWidth::Bits64, 8, ceiling)
}

/// Broadcast-storm rule (广播风暴): broadcast packets per second over a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BroadcastLimit {
    /// Packets per second above which the interval counts as a storm.
    pub packets_per_second: u64,
}

impl Default for BroadcastLimit {
    /// 1,000 pps: ordinary ARP/DHCP chatter on an access VLAN stays well below it, and switch
    /// storm-control settings commonly start in the low thousands.
    fn default() -> Self {
        Self {
            packets_per_second: 1_000,
        }
    }
}

impl BroadcastLimit {
    /// The broadcast rate of the interval (from `ifHCInBroadcastPkts`), and whether it is a
    /// storm. `None` when the samples give no rate (restart, duplicate reply).
    pub fn check(self, prev: CounterSample, cur: CounterSample) -> Option<BroadcastReading> {
        let pps = rate(prev, cur, CounterWidth::Bits64, 1, None).per_second()?;
        Some(BroadcastReading {
            packets_per_second: pps,
            storm: pps > self.packets_per_second,
        })
    }
}

/// The broadcast rate of one interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BroadcastReading {
    pub packets_per_second: u64,
    pub storm: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A sample whose reply arrived when the agent's clock read `centis` (clocks in step).
    fn s(value: u64, centis: u32) -> CounterSample {
        sw(value, centis, i64::from(centis) * 10)
    }

    /// A sample with the poller's clock given separately, in milliseconds.
    fn sw(value: u64, centis: u32, wall_ms: i64) -> CounterSample {
        CounterSample {
            value,
            uptime: TimeTicks(centis),
            at: DateTime::from_timestamp_millis(1_790_000_000_000 + wall_ms).unwrap(),
        }
    }

    #[test]
    fn uptime_wrap_after_497_days_is_not_a_reboot() {
        // 10 s before the tick counter wraps, then 50 s after it: 60 s on both clocks.
        let prev = sw(1_000, u32::MAX - 999, 0);
        let cur = sw(7_501_000, 5_000, 60_000);
        assert_eq!(
            uptime_change(prev.uptime, prev.at, cur.uptime, cur.at),
            UptimeChange::Advanced { centis: 6_000 }
        );
        assert_eq!(
            bits_per_second(prev, cur, 0),
            RateOutcome::Rate {
                per_second: 1_000_000
            }
        );
        // The same uptimes with 30 minutes between the polls: a reboot, not a wrap.
        let late = sw(7_501_000, 5_000, 1_800_000);
        assert_eq!(bits_per_second(prev, late, 0), RateOutcome::AgentRestarted);
    }

    #[test]
    fn plain_rate_in_bits_per_second() {
        // 7,500,000 octets in 60 s = 1,000,000 bits/s.
        let out = bits_per_second(s(1_000, 100_000), s(7_501_000, 106_000), 1_000);
        assert_eq!(
            out,
            RateOutcome::Rate {
                per_second: 1_000_000
            }
        );
    }

    #[test]
    fn wrap_of_a_64_bit_counter() {
        let prev = s(u64::MAX - 99, 0);
        let cur = s(900, 6_000);
        // 100 steps to wrap, then 900: 1,000 octets in 60 s = 133 bits/s.
        assert_eq!(
            counter_delta(prev.value, cur.value, CounterWidth::Bits64),
            1_000
        );
        assert_eq!(
            bits_per_second(prev, cur, 0),
            RateOutcome::Rate { per_second: 133 }
        );
    }

    #[test]
    fn wrap_of_a_32_bit_counter() {
        let max = u64::from(u32::MAX);
        assert_eq!(counter_delta(max - 9, 10, CounterWidth::Bits32), 20);
        let out = rate(
            s(max, 0),
            s(7_499_999, 6_000),
            CounterWidth::Bits32,
            8,
            None,
        );
        assert_eq!(
            out,
            RateOutcome::Rate {
                per_second: 1_000_000
            }
        );
    }

    #[test]
    fn agent_restart_gives_no_rate() {
        // After a reboot the counter is small again; without the uptime check this would be
        // a wrap of nearly 2^64 octets.
        let out = bits_per_second(s(5_000_000_000, 9_000_000), s(1_200, 3_000), 0);
        assert_eq!(out, RateOutcome::AgentRestarted);
        assert_eq!(out.per_second(), None);
    }

    #[test]
    fn duplicate_reply_has_no_interval() {
        assert_eq!(
            bits_per_second(s(10, 500), s(20, 500), 0),
            RateOutcome::NoInterval
        );
    }

    #[test]
    fn counter_reset_without_reboot_gives_no_rate() {
        // A counter that went back from 10^12 to 0 would "wrap" by ~2^64.
        let out = bits_per_second(s(1_000_000_000_000, 0), s(0, 6_000), 0);
        assert_eq!(out, RateOutcome::CounterReset);
    }

    #[test]
    fn faster_than_the_port_is_implausible() {
        // 10^12 octets in 60 s on a 1 Gb/s port (ifHighSpeed 1000).
        let out = bits_per_second(s(0, 0), s(1_000_000_000_000, 6_000), 1_000);
        assert_eq!(
            out,
            RateOutcome::Implausible {
                per_second: 133_333_333_333
            }
        );
        assert_eq!(out.per_second(), None);
    }

    #[test]
    fn broadcast_storm_over_the_limit() {
        let limit = BroadcastLimit {
            packets_per_second: 1_000,
        };
        // 60,000 packets in 60 s = 1,000 pps: at the limit, not over it.
        let at = limit.check(s(0, 0), s(60_000, 6_000));
        assert_eq!(
            at,
            Some(BroadcastReading {
                packets_per_second: 1_000,
                storm: false
            })
        );
        let over = limit.check(s(0, 0), s(60_060, 6_000));
        assert_eq!(
            over,
            Some(BroadcastReading {
                packets_per_second: 1_001,
                storm: true
            })
        );
        assert_eq!(limit.check(s(90_000, 9_000), s(10, 100)), None);
    }

    proptest! {
        #[test]
        fn rate_never_panics_and_matches_the_delta(
            prev in any::<u64>(), cur in any::<u64>(),
            up0 in any::<u32>(), up1 in any::<u32>(), wall_ms in -1_000_000i64..100_000_000_000,
            mult in 1u64..=8, ceil in proptest::option::of(any::<u64>()),
            wide in any::<bool>(),
        ) {
            let width = if wide { CounterWidth::Bits64 } else { CounterWidth::Bits32 };
            let (a, b) = (sw(prev, up0, 0), sw(cur, up1, wall_ms));
            let out = rate(a, b, width, mult, ceil);
            let change = uptime_change(a.uptime, a.at, b.uptime, b.at);
            if up1 >= up0 {
                prop_assert_eq!(change, UptimeChange::Advanced { centis: u64::from(up1 - up0) });
            }
            if let UptimeChange::Advanced { centis } = change {
                prop_assert!(centis <= 1 << 32);
            }
            if change == UptimeChange::Restarted {
                prop_assert!(up1 < up0);
                prop_assert_eq!(out, RateOutcome::AgentRestarted);
            } else if change == (UptimeChange::Advanced { centis: 0 }) {
                prop_assert_eq!(out, RateOutcome::NoInterval);
            } else if out == RateOutcome::CounterReset {
                prop_assert!(wide && cur < prev);
            } else if let RateOutcome::Rate { per_second } = out {
                if let Some(c) = ceil { prop_assert!(per_second <= c); }
                let delta = counter_delta(prev, cur, width);
                let UptimeChange::Advanced { centis } = change else { unreachable!() };
                let expect = u128::from(delta) * u128::from(mult) * 100 / u128::from(centis);
                prop_assert_eq!(u128::from(per_second), expect.min(u128::from(u64::MAX)));
            }
        }

        #[test]
        fn delta_undoes_a_single_wrap(start in any::<u64>(), step in any::<u64>(), wide in any::<bool>()) {
            let width = if wide { CounterWidth::Bits64 } else { CounterWidth::Bits32 };
            let max = width.max();
            let start = start % max.saturating_add(1).max(1);
            let step = if wide { step } else { step % (max + 1) };
            // Advance start by step modulo (max + 1) and read the delta back.
            let cur = if wide { start.wrapping_add(step) } else { (start + step) % (max + 1) };
            prop_assert_eq!(counter_delta(start, cur, width), step);
            prop_assert!(counter_delta(start, cur, width) <= max);
        }
    }
}
