//! The 爽约 (no-show) rule: too many no-shows within a period suspend online taking.

use chrono::{DateTime, Duration, Utc};

/// Default: 3 no-shows within 180 days suspend online taking for 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoShowRule {
    pub count: u32,
    pub within_days: i64,
    pub suspend_days: i64,
}

impl Default for NoShowRule {
    fn default() -> Self {
        NoShowRule {
            count: 3,
            within_days: 180,
            suspend_days: 90,
        }
    }
}

impl NoShowRule {
    /// The start of the period whose no-shows count at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(self.within_days)
    }

    /// Given the times of this ID number's no-shows, until when (if at all) is it suspended
    /// from `now` on? Only no-shows inside the period count.
    pub fn suspension(
        &self,
        no_shows: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let from = self.window_start(now);
        let n = no_shows
            .iter()
            .filter(|t| **t >= from && **t <= now)
            .count();
        (self.count > 0 && n >= self.count as usize)
            .then(|| now + Duration::days(self.suspend_days))
    }
}

/// The most live tickets one ID number may hold on one day (default 3).
pub const DEFAULT_DAILY_LIMIT: u32 = 3;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
    }

    #[test]
    fn three_in_180_days_suspend_for_90() {
        let r = NoShowRule::default();
        let n = now();
        let two = [n - Duration::days(10), n - Duration::days(100)];
        assert_eq!(r.suspension(&two, n), None);
        let three = [two[0], two[1], n - Duration::days(179)];
        assert_eq!(r.suspension(&three, n), Some(n + Duration::days(90)));
        let old = [two[0], two[1], n - Duration::days(181)];
        assert_eq!(r.suspension(&old, n), None);
    }

    proptest! {
        #[test]
        fn suspended_iff_enough_recent(days in proptest::collection::vec(0i64..400, 0..8)) {
            let r = NoShowRule::default();
            let n = now();
            let times: Vec<_> = days.iter().map(|d| n - Duration::days(*d)).collect();
            let recent = days.iter().filter(|d| **d <= 180).count();
            prop_assert_eq!(r.suspension(&times, n).is_some(), recent >= 3);
        }
    }
}
