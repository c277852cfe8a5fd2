//! The `[booking]` section of the configuration file.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::domain::noshow::{DEFAULT_DAILY_LIMIT, NoShowRule};
use crate::domain::rate::RateRule;
use crate::domain::schedule::ReleaseRule;
/// The master key of platform-app secrets: `booking.secret_key`, or the key file in the data
/// directory (made on first use). Shared with the other modules that keep secrets.
pub use yiqiao_store::secret_key::KeyProvider;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BookingConfig {
    /// Master key (64 hex characters) that encrypts platform-app secrets (SM4). Empty: the key
    /// file `booking-secret.key` in the data directory, made on first use (keep a copy of it
    /// with the backups: without it the stored secrets cannot be read).
    pub secret_key: String,
    /// `X-App-Id` the hospital signs its notices to the platform with.
    pub hospital_app_id: String,
    /// Most live tickets one ID number may hold on one visit day.
    pub daily_limit: u32,
    /// 爽约: this many no-shows …
    pub no_show_count: u32,
    /// … within this many days …
    pub no_show_within_days: i64,
    /// … suspend online taking for this many days.
    pub suspend_days: i64,
    /// Schedules open this many days ahead …
    pub release_days_ahead: u32,
    /// … at this local time (HH:MM).
    pub release_time: String,
    /// Online taking stops this many minutes before the slot's window.
    pub online_cutoff_minutes: i64,
    /// Patients may cancel until this many minutes before the window.
    pub cancel_cutoff_minutes: i64,
    /// A patient may check in until this many minutes after the window ends.
    pub checkin_grace_minutes: i64,
    /// 限流: requests a second each platform app may make on average, on this node …
    pub rate_per_second: u32,
    /// … and at once, beyond which it gets 429 `RATE_LIMITED` with `Retry-After`.
    pub rate_burst: u32,
}

impl Default for BookingConfig {
    fn default() -> Self {
        let r = ReleaseRule::default();
        let n = NoShowRule::default();
        BookingConfig {
            secret_key: String::new(),
            hospital_app_id: "tzzxyjh-yiqiao".into(),
            daily_limit: DEFAULT_DAILY_LIMIT,
            no_show_count: n.count,
            no_show_within_days: n.within_days,
            suspend_days: n.suspend_days,
            release_days_ahead: r.days_ahead,
            release_time: r.release_time.format("%H:%M").to_string(),
            online_cutoff_minutes: r.online_cutoff_minutes,
            cancel_cutoff_minutes: r.cancel_cutoff_minutes,
            checkin_grace_minutes: 0,
            rate_per_second: DEFAULT_RATE_PER_SECOND,
            rate_burst: DEFAULT_RATE_BURST,
        }
    }
}

/// Above the rate one node takes numbers at on SQLite (BENCHMARKS.md), so the budget only bites
/// on a client that has gone wrong or a release-time flood, not on the normal rush.
pub const DEFAULT_RATE_PER_SECOND: u32 = 500;
/// A release-time burst of this many requests is let through at once.
pub const DEFAULT_RATE_BURST: u32 = 2000;

/// The rules the configuration sets, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub daily_limit: u32,
    pub no_show: NoShowRule,
    pub release: ReleaseRule,
    pub checkin_grace_minutes: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            daily_limit: DEFAULT_DAILY_LIMIT,
            no_show: NoShowRule::default(),
            release: ReleaseRule::default(),
            checkin_grace_minutes: 0,
        }
    }
}

impl BookingConfig {
    pub fn rules(&self) -> Result<Rules, String> {
        let release_time =
            NaiveTime::parse_from_str(self.release_time.trim(), "%H:%M").map_err(|_| {
                format!(
                    "booking.release_time 应为 HH:MM，收到「{}」",
                    self.release_time
                )
            })?;
        Ok(Rules {
            daily_limit: self.daily_limit,
            no_show: NoShowRule {
                count: self.no_show_count,
                within_days: self.no_show_within_days,
                suspend_days: self.suspend_days,
            },
            release: ReleaseRule {
                days_ahead: self.release_days_ahead,
                release_time,
                online_cutoff_minutes: self.online_cutoff_minutes,
                cancel_cutoff_minutes: self.cancel_cutoff_minutes,
            },
            checkin_grace_minutes: self.checkin_grace_minutes,
        })
    }

    /// The request budget of each platform app.
    pub fn rate_rule(&self) -> Result<RateRule, String> {
        RateRule::parse(self.rate_per_second, self.rate_burst)
    }

    /// Where the secret-encryption key comes from (read on first use).
    pub fn key_provider(&self, data_dir: &std::path::Path) -> KeyProvider {
        KeyProvider::new(
            crate::domain::secret::LABEL,
            "booking.secret_key",
            &self.secret_key,
            data_dir.join(KEY_FILE),
        )
    }
}

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "booking-secret.key";
