//! Thresholds (告警阈值) opening and closing alert events as a small state machine.
//!
//! A rule opens an event only when the condition has held for `open_after_samples`
//! consecutive samples spanning at least `open_after_secs` (CPU ≥ 90 % for 5 minutes; 3 failed
//! pings), and closes it only when the value has fallen below `clear_below` for
//! `close_after_samples` consecutive samples — the gap between `limit` and `clear_below` is the
//! hysteresis that keeps a value hovering at the limit from opening and closing events all day.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a rule watches; the stored event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// CPU 使用率, percent.
    Cpu,
    /// 内存使用率, percent.
    Memory,
    /// Ping 不通: 1 for a failed ping, 0 for a reply.
    PingFailed,
    /// 接口错误包 per interval.
    InterfaceErrors,
    /// 广播包 per second.
    BroadcastPps,
    /// 温度, ℃.
    Temperature,
}

impl Metric {
    /// The name people read (告警项).
    pub fn label(self) -> &'static str {
        match self {
            Metric::Cpu => "CPU 使用率",
            Metric::Memory => "内存使用率",
            Metric::PingFailed => "Ping 不通",
            Metric::InterfaceErrors => "接口错误包",
            Metric::BroadcastPps => "广播包速率",
            Metric::Temperature => "温度",
        }
    }

    /// The unit of its values and limits.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Cpu | Metric::Memory => "%",
            Metric::PingFailed => "次",
            Metric::InterfaceErrors => "个",
            Metric::BroadcastPps => "包/秒",
            Metric::Temperature => "℃",
        }
    }
}

/// One threshold rule. Values are integers in the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Threshold {
    pub metric: Metric,
    /// A sample at or above this value breaches.
    pub limit: i64,
    /// A sample below this value counts towards recovery (`clear_below <= limit`).
    pub clear_below: i64,
    pub open_after_samples: u32,
    pub open_after_secs: i64,
    pub close_after_samples: u32,
}

/// A threshold whose levels are inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("恢复值 {clear_below} 不能高于告警阈值 {limit}")]
    ClearAboveLimit { limit: i64, clear_below: i64 },
    #[error("连续样本数至少为 1")]
    ZeroSamples,
    #[error("持续时间不能为负")]
    NegativeDuration,
}

impl yiqiao_core::Refusal for ThresholdError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_THRESHOLD"
    }
}

impl Threshold {
    /// A rule with checked levels.
    pub fn new(
        metric: Metric,
        limit: i64,
        clear_below: i64,
        open_after_samples: u32,
        open_after_secs: i64,
        close_after_samples: u32,
    ) -> Result<Self, ThresholdError> {
        if clear_below > limit {
            return Err(ThresholdError::ClearAboveLimit { limit, clear_below });
        }
        if open_after_samples == 0 || close_after_samples == 0 {
            return Err(ThresholdError::ZeroSamples);
        }
        if open_after_secs < 0 {
            return Err(ThresholdError::NegativeDuration);
        }
        Ok(Self {
            metric,
            limit,
            clear_below,
            open_after_samples,
            open_after_secs,
            close_after_samples,
        })
    }

    /// CPU ≥ 90 % for 5 minutes; clears below 85 % (hysteresis of 5 points).
    pub fn default_cpu() -> Self {
        Self::percent(Metric::Cpu)
    }

    /// Memory ≥ 90 % for 5 minutes; clears below 85 %.
    pub fn default_memory() -> Self {
        Self::percent(Metric::Memory)
    }

    fn percent(metric: Metric) -> Self {
        Self {
            metric,
            limit: 90,
            clear_below: 85,
            open_after_samples: 2,
            open_after_secs: 300,
            close_after_samples: 1,
        }
    }

    /// A sensor at or above `limit_c` ℃ on two polls in a row (one odd reading is not a fire);
    /// clears below `limit_c − 5` ℃ (hysteresis of 5 degrees).
    pub fn temperature(limit_c: i64) -> Self {
        Self {
            metric: Metric::Temperature,
            limit: limit_c,
            clear_below: limit_c.saturating_sub(5),
            open_after_samples: 2,
            open_after_secs: 0,
            close_after_samples: 1,
        }
    }

    /// Three failed pings in a row; the first reply closes (as availability counts it).
    pub fn default_ping() -> Self {
        Self {
            metric: Metric::PingFailed,
            limit: 1,
            clear_below: 1,
            open_after_samples: 3,
            open_after_secs: 0,
            close_after_samples: 1,
        }
    }

    /// Broadcast packets per second over the storm limit ([`BroadcastLimit`]): one polling
    /// interval over it opens (the rate is already an average over the interval), one under
    /// it closes.
    ///
    /// [`BroadcastLimit`]: crate::domain::rate::BroadcastLimit
    pub fn broadcast_storm(limit: crate::domain::rate::BroadcastLimit) -> Self {
        // "Over the limit": a rate equal to it is not a storm.
        let above = i64::try_from(limit.packets_per_second)
            .unwrap_or(i64::MAX)
            .saturating_add(1);
        Self {
            metric: Metric::BroadcastPps,
            limit: above,
            clear_below: above,
            open_after_samples: 1,
            open_after_secs: 0,
            close_after_samples: 1,
        }
    }

    fn breaches(&self, value: i64) -> bool {
        value >= self.limit
    }

    fn recovers(&self, value: i64) -> bool {
        value < self.clear_below
    }
}

/// Where one rule stands for one device (or interface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AlertState {
    /// No open event; `breaching` counts the current run of breaching samples.
    Normal {
        breaching: u32,
        since: Option<DateTime<Utc>>,
    },
    /// An event is open; `recovering` counts the current run of recovered samples.
    Alerting {
        opened_at: DateTime<Utc>,
        peak: i64,
        recovering: u32,
    },
}

impl Default for AlertState {
    fn default() -> Self {
        AlertState::Normal {
            breaching: 0,
            since: None,
        }
    }
}

/// A change the caller must store (and notify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Transition {
    /// Open an alert event (告警产生). `since` is the first breaching sample.
    Opened {
        at: DateTime<Utc>,
        since: DateTime<Utc>,
        value: i64,
    },
    /// Close the open event (告警恢复), with the highest value seen while it was open.
    Closed {
        at: DateTime<Utc>,
        opened_at: DateTime<Utc>,
        peak: i64,
    },
}

impl AlertState {
    /// Feeds one sample; returns the new state and the transition, if any.
    ///
    /// A sample that could not be taken is not fed (it neither breaches nor recovers).
    pub fn observe(
        self,
        rule: &Threshold,
        at: DateTime<Utc>,
        value: i64,
    ) -> (AlertState, Option<Transition>) {
        match self {
            AlertState::Normal { breaching, since } => {
                if !rule.breaches(value) {
                    return (AlertState::default(), None);
                }
                let since = since.unwrap_or(at);
                let breaching = breaching.saturating_add(1);
                let held = at.signed_duration_since(since).num_seconds();
                if breaching >= rule.open_after_samples && held >= rule.open_after_secs {
                    (
                        AlertState::Alerting {
                            opened_at: at,
                            peak: value,
                            recovering: 0,
                        },
                        Some(Transition::Opened { at, since, value }),
                    )
                } else {
                    (
                        AlertState::Normal {
                            breaching,
                            since: Some(since),
                        },
                        None,
                    )
                }
            }
            AlertState::Alerting {
                opened_at,
                peak,
                recovering,
            } => {
                let peak = peak.max(value);
                if !rule.recovers(value) {
                    return (
                        AlertState::Alerting {
                            opened_at,
                            peak,
                            recovering: 0,
                        },
                        None,
                    );
                }
                let recovering = recovering.saturating_add(1);
                if recovering >= rule.close_after_samples {
                    (
                        AlertState::default(),
                        Some(Transition::Closed {
                            at,
                            opened_at,
                            peak,
                        }),
                    )
                } else {
                    (
                        AlertState::Alerting {
                            opened_at,
                            peak,
                            recovering,
                        },
                        None,
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap()
            + chrono::Duration::minutes(min)
    }

    fn run(rule: &Threshold, values: &[i64]) -> Vec<(i64, Transition)> {
        let mut state = AlertState::default();
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let (next, tr) = state.observe(rule, t(i as i64), *v);
            state = next;
            if let Some(tr) = tr {
                out.push((i as i64, tr));
            }
        }
        out
    }

    #[test]
    fn cpu_opens_after_five_minutes_at_ninety_and_closes_below_eighty_five() {
        let rule = Threshold::default_cpu();
        // Samples each minute: breaching from minute 1; 5 minutes held at minute 6.
        let values = [50, 90, 95, 92, 91, 97, 93, 88, 86, 84, 70];
        let tr = run(&rule, &values);
        assert_eq!(
            tr,
            vec![
                (
                    6,
                    Transition::Opened {
                        at: t(6),
                        since: t(1),
                        value: 93
                    }
                ),
                (
                    9,
                    Transition::Closed {
                        at: t(9),
                        opened_at: t(6),
                        peak: 93
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_dip_restarts_the_five_minutes() {
        let rule = Threshold::default_cpu();
        let values = [95, 95, 95, 95, 89, 95, 95, 95, 95, 95];
        // Breach restarts at minute 5; held 5 minutes only at minute 10, beyond the samples.
        assert!(run(&rule, &values).is_empty());
    }

    #[test]
    fn hovering_between_clear_and_limit_keeps_one_event() {
        let rule = Threshold::default_cpu();
        let values = [95, 95, 95, 95, 95, 95, 89, 91, 87, 90, 86, 50];
        let tr = run(&rule, &values);
        assert_eq!(tr.len(), 2);
        assert!(matches!(tr[0], (5, Transition::Opened { .. })));
        assert_eq!(
            tr[1],
            (
                11,
                Transition::Closed {
                    at: t(11),
                    opened_at: t(5),
                    peak: 95
                }
            )
        );
    }

    #[test]
    fn three_failed_pings_open_and_one_reply_closes() {
        let rule = Threshold::default_ping();
        let tr = run(&rule, &[1, 1, 0, 1, 1, 1, 1, 0]);
        assert_eq!(
            tr,
            vec![
                (
                    5,
                    Transition::Opened {
                        at: t(5),
                        since: t(3),
                        value: 1
                    }
                ),
                (
                    7,
                    Transition::Closed {
                        at: t(7),
                        opened_at: t(5),
                        peak: 1
                    }
                ),
            ]
        );
    }

    #[test]
    fn close_after_several_samples() {
        let rule = Threshold::new(Metric::Temperature, 35, 32, 1, 0, 3).unwrap();
        let tr = run(&rule, &[30, 36, 31, 31, 33, 31, 31, 31]);
        assert_eq!(tr.len(), 2);
        assert!(matches!(tr[0], (1, Transition::Opened { value: 36, .. })));
        assert!(matches!(tr[1], (7, Transition::Closed { peak: 36, .. })));
    }

    #[test]
    fn broadcast_storm_opens_over_the_limit_and_closes_under_it() {
        let rule = Threshold::broadcast_storm(crate::domain::rate::BroadcastLimit::default());
        let tr = run(&rule, &[10, 1_000, 1_001, 5_000, 999]);
        assert_eq!(tr.len(), 2);
        assert!(matches!(
            tr[0],
            (2, Transition::Opened { value: 1_001, .. })
        ));
        assert!(matches!(tr[1], (4, Transition::Closed { peak: 5_000, .. })));
    }

    #[test]
    fn inconsistent_levels_are_refused() {
        assert_eq!(
            Threshold::new(Metric::Cpu, 80, 90, 1, 0, 1),
            Err(ThresholdError::ClearAboveLimit {
                limit: 80,
                clear_below: 90
            })
        );
        assert_eq!(
            Threshold::new(Metric::Cpu, 80, 70, 0, 0, 1),
            Err(ThresholdError::ZeroSamples)
        );
        assert_eq!(
            Threshold::new(Metric::Cpu, 80, 70, 1, -1, 1),
            Err(ThresholdError::NegativeDuration)
        );
    }
}
