//! Schedules (排班), their slots (号源) and the release rule (放号规则).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use yiqiao_core::time::{format_local, shanghai};

use super::BookingError;

/// 午别: the part of the day a schedule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Session {
    /// 上午
    Am,
    /// 下午
    Pm,
    /// 晚间
    Evening,
}

impl Session {
    pub const ALL: [Session; 3] = [Session::Am, Session::Pm, Session::Evening];
    pub fn parse(s: &str) -> Result<Session, BookingError> {
        match s {
            "am" => Ok(Session::Am),
            "pm" => Ok(Session::Pm),
            "evening" => Ok(Session::Evening),
            _ => Err(BookingError::invalid(format!(
                "session 应为 am、pm 或 evening，收到「{s}」"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Session::Am => "am",
            Session::Pm => "pm",
            Session::Evening => "evening",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Session::Am => "上午",
            Session::Pm => "下午",
            Session::Evening => "晚间",
        }
    }
}

/// 挂号级别: the registration level, which sets the fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// 普通
    General,
    /// 副主任
    Associate,
    /// 主任
    Chief,
    /// 知名专家
    Expert,
    /// 急诊
    Emergency,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::General,
        Level::Associate,
        Level::Chief,
        Level::Expert,
        Level::Emergency,
    ];
    pub fn parse(s: &str) -> Result<Level, BookingError> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                BookingError::invalid(format!(
                    "level 应为 general、associate、chief、expert 或 emergency，收到「{s}」"
                ))
            })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::General => "general",
            Level::Associate => "associate",
            Level::Chief => "chief",
            Level::Expert => "expert",
            Level::Emergency => "emergency",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Level::General => "普通",
            Level::Associate => "副主任",
            Level::Chief => "主任",
            Level::Expert => "知名专家",
            Level::Emergency => "急诊",
        }
    }
}

/// 排班状态
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStatus {
    Open,
    /// 停诊
    Stopped,
}

impl ScheduleStatus {
    pub fn parse(s: &str) -> Option<ScheduleStatus> {
        match s {
            "open" => Some(ScheduleStatus::Open),
            "stopped" => Some(ScheduleStatus::Stopped),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleStatus::Open => "open",
            ScheduleStatus::Stopped => "stopped",
        }
    }
}

/// 号源池: online places, and the share kept for on-site patients (the elderly, the desk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Online,
    Onsite,
}

impl Pool {
    pub fn as_str(self) -> &'static str {
        match self {
            Pool::Online => "online",
            Pool::Onsite => "onsite",
        }
    }
}

/// The longest time window of one slot (分时段不超过 30 分钟).
pub const MAX_WINDOW_MINUTES: u32 = 30;

/// 放号规则
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseRule {
    /// A schedule opens this many days before its date.
    pub days_ahead: u32,
    /// At this local time of day (e.g. 07:30).
    pub release_time: NaiveTime,
    /// Online taking stops this many minutes before the slot's window starts.
    pub online_cutoff_minutes: i64,
    /// A patient may cancel until this many minutes before the window starts.
    pub cancel_cutoff_minutes: i64,
}

impl Default for ReleaseRule {
    fn default() -> Self {
        ReleaseRule {
            days_ahead: 7,
            release_time: NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default(),
            online_cutoff_minutes: 30,
            cancel_cutoff_minutes: 120,
        }
    }
}

/// A local (Asia/Shanghai) date and time as UTC.
pub fn local_to_utc(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time) - Duration::seconds(i64::from(shanghai().local_minus_utc()));
    DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc)
}

impl ReleaseRule {
    /// When a schedule of `date` opens.
    pub fn release_at(&self, date: NaiveDate) -> DateTime<Utc> {
        local_to_utc(
            date - Duration::days(i64::from(self.days_ahead)),
            self.release_time,
        )
    }

    /// May a number of this slot still be taken online at `now`?
    pub fn check_take(
        &self,
        release_at: DateTime<Utc>,
        window_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        if now < release_at {
            return Err(BookingError::NotReleased(format_local(release_at)));
        }
        let cutoff = window_start - Duration::minutes(self.online_cutoff_minutes);
        if now >= cutoff {
            return Err(BookingError::CutoffPassed(format!(
                "已过网上取号截止时间 {}（就诊时段开始前 {} 分钟）",
                format_local(cutoff),
                self.online_cutoff_minutes
            )));
        }
        Ok(())
    }

    /// May a ticket of this window still be cancelled at `now`?
    pub fn check_cancel(
        &self,
        window_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        if now >= window_start - Duration::minutes(self.cancel_cutoff_minutes) {
            return Err(BookingError::CancelCutoffPassed(self.cancel_cutoff_minutes));
        }
        Ok(())
    }
}

/// How a schedule's numbers are laid out in time: `windows` windows of `window_minutes`
/// from `start`, each with `per_window` numbers of which the last `onsite_per_window` are kept
/// for on-site patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotLayout {
    pub start: NaiveTime,
    pub window_minutes: u32,
    pub windows: u32,
    pub per_window: u32,
    pub onsite_per_window: u32,
}

/// One planned slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSlot {
    pub seq_no: i32,
    pub pool: Pool,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
}

impl SlotLayout {
    /// Check the layout: windows of 1..=30 minutes, at least one number, a sane size.
    pub fn new(
        start: NaiveTime,
        window_minutes: u32,
        windows: u32,
        per_window: u32,
        onsite_per_window: u32,
    ) -> Result<SlotLayout, BookingError> {
        if window_minutes == 0 || window_minutes > MAX_WINDOW_MINUTES {
            return Err(BookingError::invalid(format!(
                "每个时段应为 1 到 {MAX_WINDOW_MINUTES} 分钟，收到 {window_minutes}"
            )));
        }
        if windows == 0 || windows > 48 {
            return Err(BookingError::invalid("时段个数应为 1 到 48"));
        }
        if per_window == 0 || per_window > 200 {
            return Err(BookingError::invalid("每个时段的号数应为 1 到 200"));
        }
        if onsite_per_window > per_window {
            return Err(BookingError::invalid("现场号数不能多于每个时段的号数"));
        }
        let end_minutes = start.signed_duration_since(NaiveTime::MIN).num_minutes()
            + i64::from(windows * window_minutes);
        if end_minutes > 24 * 60 {
            return Err(BookingError::invalid("时段超出当天"));
        }
        Ok(SlotLayout {
            start,
            window_minutes,
            windows,
            per_window,
            onsite_per_window,
        })
    }

    pub fn total(&self) -> u32 {
        self.windows * self.per_window
    }
    pub fn online_total(&self) -> u32 {
        self.windows * (self.per_window - self.onsite_per_window)
    }

    /// The slots of a schedule on `date`, numbered from 1 in time order.
    pub fn plan(&self, date: NaiveDate) -> Vec<PlannedSlot> {
        let mut out = Vec::with_capacity(self.total() as usize);
        let first = local_to_utc(date, self.start);
        let mut seq = 0;
        for w in 0..self.windows {
            let ws = first + Duration::minutes(i64::from(w * self.window_minutes));
            let we = ws + Duration::minutes(i64::from(self.window_minutes));
            for i in 0..self.per_window {
                seq += 1;
                let pool = if i >= self.per_window - self.onsite_per_window {
                    Pool::Onsite
                } else {
                    Pool::Online
                };
                out.push(PlannedSlot {
                    seq_no: seq,
                    pool,
                    window_start: ws,
                    window_end: we,
                });
            }
        }
        out
    }
}

/// ISO weekday 1 (Monday) .. 7 (Sunday) of a date.
pub fn weekday_of(date: NaiveDate) -> u32 {
    date.weekday().number_from_monday()
}

/// 星期 label.
pub fn weekday_label(d: u32) -> &'static str {
    match d {
        1 => "星期一",
        2 => "星期二",
        3 => "星期三",
        4 => "星期四",
        5 => "星期五",
        6 => "星期六",
        7 => "星期日",
        _ => "？",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn windows_are_at_most_thirty_minutes() {
        assert!(SlotLayout::new(t(8, 0), 31, 1, 1, 0).is_err());
        assert!(SlotLayout::new(t(8, 0), 0, 1, 1, 0).is_err());
        assert!(SlotLayout::new(t(23, 50), 30, 1, 1, 0).is_err());
        assert!(SlotLayout::new(t(8, 0), 30, 2, 2, 3).is_err());
    }

    #[test]
    fn plan_numbers_in_time_order_keeping_onsite_places() {
        let l = SlotLayout::new(t(8, 0), 30, 2, 3, 1).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let p = l.plan(d);
        assert_eq!(p.len(), 6);
        assert_eq!(l.online_total(), 4);
        let pools: Vec<_> = p.iter().map(|s| s.pool).collect();
        assert_eq!(
            pools,
            [
                Pool::Online,
                Pool::Online,
                Pool::Onsite,
                Pool::Online,
                Pool::Online,
                Pool::Onsite
            ]
        );
        assert_eq!(format_local(p[0].window_start), "2026-11-30 08:00:00");
        assert_eq!(format_local(p[3].window_start), "2026-11-30 08:30:00");
        assert_eq!(format_local(p[5].window_end), "2026-11-30 09:00:00");
    }

    #[test]
    fn release_and_cutoffs() {
        let r = ReleaseRule::default();
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let rel = r.release_at(d);
        assert_eq!(format_local(rel), "2026-11-23 07:30:00");
        let ws = local_to_utc(d, t(9, 0));
        assert!(matches!(
            r.check_take(rel, ws, rel - Duration::seconds(1)),
            Err(BookingError::NotReleased(_))
        ));
        assert!(r.check_take(rel, ws, rel).is_ok());
        assert!(r.check_take(rel, ws, ws - Duration::minutes(31)).is_ok());
        assert!(matches!(
            r.check_take(rel, ws, ws - Duration::minutes(30)),
            Err(BookingError::CutoffPassed(_))
        ));
        assert!(r.check_cancel(ws, ws - Duration::minutes(121)).is_ok());
        assert!(r.check_cancel(ws, ws - Duration::minutes(120)).is_err());
    }
}
