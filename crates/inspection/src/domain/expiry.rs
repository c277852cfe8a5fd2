//! Expiry warnings (到期提醒) for contracts and signature libraries: at 90, 30 and 7 days
//! before the end date, each threshold noticed once.

use chrono::NaiveDate;
use serde::Serialize;

/// The warning thresholds, in days before the end date.
pub const THRESHOLDS: [i64; 3] = [90, 30, 7];

/// What ends (到期事项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Ending {
    /// 维保合同.
    Contract,
    /// 特征库订阅.
    Signature,
}

impl Ending {
    pub fn code(self) -> &'static str {
        match self {
            Ending::Contract => "contract",
            Ending::Signature => "signature",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Ending::Contract => "维保合同",
            Ending::Signature => "特征库订阅",
        }
    }
}

/// Days from `today` to `end` (negative once past).
pub fn days_left(today: NaiveDate, end: NaiveDate) -> i64 {
    (end - today).num_days()
}

/// The threshold a date has reached: the smallest of 90/30/7 not below the days left, `None`
/// while more than 90 days remain or once the date has passed (then it is shown as expired,
/// not noticed again). A job that missed a day sends only the most urgent threshold reached,
/// never a stale 90-day notice after the 30-day one.
pub fn threshold_reached(today: NaiveDate, end: NaiveDate) -> Option<i64> {
    let left = days_left(today, end);
    if left < 0 {
        return None;
    }
    THRESHOLDS.iter().copied().filter(|t| left <= *t).min()
}

/// How urgent a warning looks on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Urgency {
    Expired,
    Within7,
    Within30,
    Within90,
}

impl Urgency {
    pub fn of(today: NaiveDate, end: NaiveDate) -> Option<Urgency> {
        let left = days_left(today, end);
        match left {
            l if l < 0 => Some(Urgency::Expired),
            0..=7 => Some(Urgency::Within7),
            8..=30 => Some(Urgency::Within30),
            31..=90 => Some(Urgency::Within90),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Expired => "已过期",
            Urgency::Within7 => "7 天内到期",
            Urgency::Within30 => "30 天内到期",
            Urgency::Within90 => "90 天内到期",
        }
    }
    /// CSS class of the row.
    pub fn class(self) -> &'static str {
        match self {
            Urgency::Expired | Urgency::Within7 => "bad",
            Urgency::Within30 => "warn",
            Urgency::Within90 => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn thresholds_at_the_edges() {
        let end = d("2027-03-31");
        assert_eq!(threshold_reached(end - chrono::Days::new(91), end), None);
        assert_eq!(
            threshold_reached(end - chrono::Days::new(90), end),
            Some(90)
        );
        assert_eq!(
            threshold_reached(end - chrono::Days::new(31), end),
            Some(90)
        );
        assert_eq!(
            threshold_reached(end - chrono::Days::new(30), end),
            Some(30)
        );
        assert_eq!(threshold_reached(end - chrono::Days::new(8), end), Some(30));
        assert_eq!(threshold_reached(end - chrono::Days::new(7), end), Some(7));
        assert_eq!(threshold_reached(end, end), Some(7));
        assert_eq!(threshold_reached(end + chrono::Days::new(1), end), None);
    }
}
