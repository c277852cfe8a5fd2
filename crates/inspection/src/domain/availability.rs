//! Availability (可用率) of a device over a period, from its outage events.
//!
//! `100 × (period − outage seconds) ÷ period`, in whole seconds. An outage runs from the first
//! failed poll that marked the device down to the first successful poll; one still open counts
//! until `now`. Outage time inside a planned maintenance window (计划维护) entered beforehand is
//! excluded — and reported, so the report can show it. A window counts only from the moment it
//! was entered: a window typed in after the fact cannot excuse an outage already under way.
//! The period itself stays whole, as the formula says.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

/// A half-open span `[start, end)` in whole seconds since the epoch, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    start: i64,
    end: i64,
}

/// Why a period cannot be formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("统计时段的结束时间必须晚于开始时间")]
    Empty,
    #[error("月份 {year}-{month} 不存在")]
    NoSuchMonth { year: i32, month: u32 },
}

impl yiqiao_core::Refusal for PeriodError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_PERIOD"
    }
}

impl Period {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, PeriodError> {
        let (start, end) = (start.timestamp(), end.timestamp());
        if end <= start {
            return Err(PeriodError::Empty);
        }
        Ok(Self { start, end })
    }

    /// A calendar month in the hospital's time (Asia/Shanghai), as the monthly report uses.
    pub fn local_month(year: i32, month: u32) -> Result<Self, PeriodError> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or(PeriodError::NoSuchMonth { year, month })?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .ok_or(PeriodError::NoSuchMonth { year, month })?;
        let tz = yiqiao_core::time::shanghai();
        let at = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|n| tz.from_local_datetime(&n).single())
                .map(|t| t.with_timezone(&Utc))
                .ok_or(PeriodError::NoSuchMonth { year, month })
        };
        Self::new(at(first)?, at(next)?)
    }

    /// The previous local month of `now` (the report generated on the 1st covers it).
    pub fn previous_local_month(now: DateTime<Utc>) -> Result<Self, PeriodError> {
        let today = yiqiao_core::time::local_today(now);
        let (y, m) = if today.month() == 1 {
            (today.year() - 1, 12)
        } else {
            (today.year(), today.month() - 1)
        };
        Self::local_month(y, m)
    }

    pub fn seconds(&self) -> i64 {
        self.end - self.start
    }

    pub fn start(&self) -> i64 {
        self.start
    }

    pub fn end(&self) -> i64 {
        self.end
    }
}

/// A stored outage event (中断事件); `end` is `None` while the device is still down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outage {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// A planned maintenance window (计划维护窗口) and when it was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MaintenanceWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub entered_at: DateTime<Utc>,
}

/// The figures behind one availability percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub period_seconds: i64,
    /// Outage seconds that count against the device.
    pub outage_seconds: i64,
    /// Outage seconds excused by planned maintenance (shown beside the figure).
    pub excused_seconds: i64,
}

impl Availability {
    /// The percentage in hundred-thousandths (99.95833 % → 9_995_833), rounded down, so the
    /// report never shows more availability than there was.
    pub fn percent_e5(&self) -> i64 {
        let up = i128::from(self.period_seconds - self.outage_seconds);
        let p = up * 10_000_000 / i128::from(self.period_seconds);
        i64::try_from(p).unwrap_or(0)
    }

    /// "99.95833" — five decimals, rounded down.
    pub fn percent_text(&self) -> String {
        let p = self.percent_e5();
        format!("{}.{:05}", p / 100_000, p % 100_000)
    }
}

/// Sorts and merges spans (each `[s, e)` with `s < e`) into disjoint ones.
fn union(mut spans: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    spans.retain(|(s, e)| s < e);
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn total(spans: &[(i64, i64)]) -> i64 {
    spans.iter().map(|(s, e)| e - s).sum()
}

/// Length of the overlap of two disjoint, sorted span lists.
fn overlap(a: &[(i64, i64)], b: &[(i64, i64)]) -> i64 {
    let (mut i, mut j, mut sum) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let s = a[i].0.max(b[j].0);
        let e = a[i].1.min(b[j].1);
        if s < e {
            sum += e - s;
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    sum
}

/// Availability over `period` at time `now` from the device's outages and maintenance windows.
///
/// Overlapping outages (a duplicate event) are counted once. Time after `now` is not yet known
/// and counts as up.
pub fn availability(
    period: Period,
    outages: &[Outage],
    windows: &[MaintenanceWindow],
    now: DateTime<Utc>,
) -> Availability {
    let now = now.timestamp();
    let clip = |s: i64, e: i64| (s.max(period.start), e.min(period.end).min(now));
    let down = union(
        outages
            .iter()
            .map(|o| clip(o.start.timestamp(), o.end.map_or(now, |e| e.timestamp())))
            .collect(),
    );
    let planned = union(
        windows
            .iter()
            .map(|w| {
                let from = w.start.timestamp().max(w.entered_at.timestamp());
                clip(from, w.end.timestamp())
            })
            .collect(),
    );
    let excused = overlap(&down, &planned);
    Availability {
        period_seconds: period.seconds(),
        outage_seconds: total(&down) - excused,
        excused_seconds: excused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn local(s: &str) -> DateTime<Utc> {
        yiqiao_core::time::parse_local(s).unwrap()
    }

    #[test]
    fn a_month_with_outages_and_a_maintenance_window_comes_out_exactly() {
        // November 2026, Asia/Shanghai: 30 days = 2,592,000 s.
        let period = Period::local_month(2026, 11).unwrap();
        assert_eq!(period.seconds(), 2_592_000);
        let outages = [
            // 1 h fully counted.
            Outage {
                start: local("2026-11-03 10:00:00"),
                end: Some(local("2026-11-03 11:00:00")),
            },
            // 90 min, of which the last 60 min fall inside the planned window.
            Outage {
                start: local("2026-11-14 01:30:00"),
                end: Some(local("2026-11-14 03:00:00")),
            },
            // Began in October: only the 15 min inside November count.
            Outage {
                start: local("2026-10-31 23:00:00"),
                end: Some(local("2026-11-01 00:15:00")),
            },
            // Still open at "now" (report run on 30 Nov at 23:50): 20 min so far.
            Outage {
                start: local("2026-11-30 23:30:00"),
                end: None,
            },
        ];
        let windows = [
            MaintenanceWindow {
                start: local("2026-11-14 02:00:00"),
                end: local("2026-11-14 04:00:00"),
                entered_at: local("2026-11-10 09:00:00"),
            },
            // Entered after the outage it would excuse: does not count.
            MaintenanceWindow {
                start: local("2026-11-03 10:00:00"),
                end: local("2026-11-03 11:00:00"),
                entered_at: local("2026-11-03 12:00:00"),
            },
        ];
        let a = availability(period, &outages, &windows, local("2026-11-30 23:50:00"));
        // 3600 + 1800 + 900 + 1200 = 7500 counted; 3600 excused.
        assert_eq!(
            a,
            Availability {
                period_seconds: 2_592_000,
                outage_seconds: 7_500,
                excused_seconds: 3_600,
            }
        );
        // 100 × 2,584,500 ÷ 2,592,000 = 99.710648148…
        assert_eq!(a.percent_e5(), 9_971_064);
        assert_eq!(a.percent_text(), "99.71064");
    }

    #[test]
    fn no_outage_is_a_hundred_percent() {
        let period = Period::local_month(2026, 2).unwrap();
        assert_eq!(period.seconds(), 28 * 86_400);
        let a = availability(period, &[], &[], local("2026-03-01 00:00:00"));
        assert_eq!(a.percent_text(), "100.00000");
    }

    #[test]
    fn overlapping_outages_count_once_and_whole_month_down_is_zero() {
        let period = Period::local_month(2026, 12).unwrap();
        let o = [
            Outage {
                start: local("2026-11-20 00:00:00"),
                end: None,
            },
            Outage {
                start: local("2026-12-05 00:00:00"),
                end: Some(local("2026-12-06 00:00:00")),
            },
        ];
        let a = availability(period, &o, &[], local("2027-01-02 00:00:00"));
        assert_eq!(a.outage_seconds, 31 * 86_400);
        assert_eq!(a.percent_text(), "0.00000");
    }

    #[test]
    fn previous_month_is_local() {
        // 2026-12-01 00:30 in Shanghai is still 30 Nov in UTC: the previous month is November.
        let now = local("2026-12-01 00:30:00");
        assert_eq!(
            Period::previous_local_month(now).unwrap(),
            Period::local_month(2026, 11).unwrap()
        );
        let jan = local("2027-01-01 08:00:00");
        assert_eq!(
            Period::previous_local_month(jan).unwrap(),
            Period::local_month(2026, 12).unwrap()
        );
        assert_eq!(
            Period::local_month(2026, 13),
            Err(PeriodError::NoSuchMonth {
                year: 2026,
                month: 13
            })
        );
        assert_eq!(Period::new(now, now), Err(PeriodError::Empty));
    }

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    proptest! {
        #[test]
        fn matches_a_second_by_second_count(
            len in 1i64..400,
            outs in proptest::collection::vec((-50i64..450, 0i64..200, any::<bool>()), 0..6),
            wins in proptest::collection::vec((-50i64..450, 0i64..200, -100i64..450), 0..4),
            now in -50i64..500,
        ) {
            let period = Period::new(at(0), at(len)).unwrap();
            let outages: Vec<Outage> = outs.iter().map(|&(s, d, open)| Outage {
                start: at(s), end: (!open).then(|| at(s + d)),
            }).collect();
            let windows: Vec<MaintenanceWindow> = wins.iter().map(|&(s, d, e)| MaintenanceWindow {
                start: at(s), end: at(s + d), entered_at: at(e),
            }).collect();
            let a = availability(period, &outages, &windows, at(now));
            // Brute force, one second at a time.
            let (mut down, mut excused) = (0, 0);
            for sec in 0..len {
                if sec >= now { break; }
                let is_down = outs.iter().any(|&(s, d, open)| sec >= s && (open || sec < s + d));
                if !is_down { continue; }
                let planned = wins.iter().any(|&(s, d, e)| sec >= s.max(e) && sec < s + d);
                if planned { excused += 1 } else { down += 1 }
            }
            prop_assert_eq!(a.outage_seconds, down);
            prop_assert_eq!(a.excused_seconds, excused);
            prop_assert!(a.outage_seconds >= 0 && a.outage_seconds <= a.period_seconds);
            let p = a.percent_e5();
            prop_assert!((0..=10_000_000).contains(&p));
            // Maintenance can only help.
            let without = availability(period, &outages, &[], at(now));
            prop_assert!(without.outage_seconds >= a.outage_seconds);
        }

        #[test]
        fn never_panics_on_wide_ranges(
            s in -10_000_000_000i64..10_000_000_000, len in 1i64..10_000_000_000,
            o in proptest::collection::vec((-10_000_000_000i64..10_000_000_000, 0i64..10_000_000_000), 0..5),
            now in -10_000_000_000i64..20_000_000_000,
        ) {
            let period = Period::new(at(s), at(s + len)).unwrap();
            let outages: Vec<Outage> = o.iter().map(|&(a, d)| Outage { start: at(a), end: Some(at(a + d)) }).collect();
            let a = availability(period, &outages, &[], at(now));
            prop_assert!(a.outage_seconds >= 0 && a.outage_seconds <= len);
            prop_assert!((0..=10_000_000).contains(&a.percent_e5()));
        }
    }
}
