//! Times (时间): stored in UTC, shown and entered in Beijing time (北京时间, Asia/Shanghai).
//!
//! Asia/Shanghai is treated as the fixed offset UTC+08:00: China has observed no daylight
//! saving time since 1991, and every time this system handles is later than that, so no
//! time-zone database is needed.

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use crate::error::{ErrorKind, Refusal};

const SHANGHAI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The local format: `YYYY-MM-DD HH:MM:SS`.
pub const LOCAL_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// The date format: `YYYY-MM-DD`.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// Beijing time (北京时间), UTC+08:00 — see the module note on why a fixed offset is right.
pub fn shanghai() -> FixedOffset {
    SHANGHAI
}

/// A UTC instant as Beijing time, `YYYY-MM-DD HH:MM:SS` (fractions of a second dropped).
pub fn format_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&SHANGHAI).format(LOCAL_FORMAT).to_string()
}

/// The Beijing date of a UTC instant, `YYYY-MM-DD`.
pub fn format_local_date(t: DateTime<Utc>) -> String {
    local_today(t).format(DATE_FORMAT).to_string()
}

/// Parses a Beijing time `YYYY-MM-DD HH:MM:SS` (also `YYYY-MM-DDTHH:MM:SS`), or an RFC 3339
/// time with its own offset (`2026-11-30T09:00:00+08:00`, `2026-11-30T01:00:00Z`), to UTC.
/// Surrounding whitespace is ignored.
pub fn parse_local(input: &str) -> Result<DateTime<Utc>, TimeError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TimeError::EmptyDateTime);
    }
    let bad = || TimeError::BadDateTime {
        input: input.to_owned(),
    };
    if s.len() > 19 {
        // Only RFC 3339 (with fractions and/or an offset) is longer than the local form.
        return DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| bad());
    }
    if !has_shape(s, "dddd-dd-dd?dd:dd:dd") {
        return Err(bad());
    }
    let normal = s.replacen('T', " ", 1);
    let naive = NaiveDateTime::parse_from_str(&normal, LOCAL_FORMAT).map_err(|_| {
        TimeError::NoSuchDateTime {
            input: s.to_owned(),
        }
    })?;
    naive
        .and_local_timezone(SHANGHAI)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad)
}

/// Parses a date `YYYY-MM-DD` (surrounding whitespace ignored).
pub fn parse_date(input: &str) -> Result<NaiveDate, TimeError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TimeError::EmptyDate);
    }
    if !has_shape(s, "dddd-dd-dd") {
        return Err(TimeError::BadDate {
            input: input.to_owned(),
        });
    }
    NaiveDate::parse_from_str(s, DATE_FORMAT).map_err(|_| TimeError::NoSuchDate {
        input: s.to_owned(),
    })
}

/// Whether `s` matches `shape` byte for byte: `d` is an ASCII digit, `?` is a space or `T`,
/// anything else stands for itself.
fn has_shape(s: &str, shape: &str) -> bool {
    s.len() == shape.len()
        && s.bytes().zip(shape.bytes()).all(|(c, p)| match p {
            b'd' => c.is_ascii_digit(),
            b'?' => c == b' ' || c == b'T',
            _ => c == p,
        })
}

/// Today's date in Beijing at the instant `now`.
pub fn local_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&SHANGHAI).date_naive()
}

/// The UTC instant at which `date` begins in Beijing (00:00:00 +08:00 = 16:00:00 UTC the day
/// before). Saturates at chrono's earliest instant for the very first representable date.
pub fn local_midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN)
        .and_utc()
        .checked_sub_signed(TimeDelta::hours(8))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Where the current time comes from, so that code depending on it can be tested.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Beijing.
    fn today(&self) -> NaiveDate {
        local_today(self.now())
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// The real clock (系统时钟).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told otherwise (手动时钟), for tests and demos.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(t: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(t) }
    }

    /// Sets the time.
    pub fn set(&self, t: DateTime<Utc>) {
        *self.lock() = t;
    }

    /// Moves the time by `by` (backwards if negative), saturating at chrono's limits.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.lock();
        *now = now
            .checked_add_signed(by)
            .unwrap_or(if by < TimeDelta::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panic while holding this lock cannot leave a half-written `DateTime`.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

/// Why a date or time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("时间为空")]
    EmptyDateTime,
    #[error("时间「{input}」格式不正确，应为 YYYY-MM-DD HH:MM:SS")]
    BadDateTime { input: String },
    #[error("时间 {input} 不存在")]
    NoSuchDateTime { input: String },
    #[error("日期为空")]
    EmptyDate,
    #[error("日期「{input}」格式不正确，应为 YYYY-MM-DD")]
    BadDate { input: String },
    #[error("日期 {input} 不存在")]
    NoSuchDate { input: String },
}

impl Refusal for TimeError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        match self {
            TimeError::EmptyDateTime | TimeError::EmptyDate => "TIME_EMPTY",
            TimeError::BadDateTime { .. } | TimeError::BadDate { .. } => "TIME_BAD_FORMAT",
            TimeError::NoSuchDateTime { .. } | TimeError::NoSuchDate { .. } => "TIME_NO_SUCH",
        }
    }
}

/// Serde helper: a `DateTime<Utc>` as Beijing time `YYYY-MM-DD HH:MM:SS`, parsed back with
/// [`parse_local`] (which also takes RFC 3339). Use as
/// `#[serde(with = "yiqiao_core::time::local_datetime")]`. Fractions of a second are dropped.
pub mod local_datetime {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_local(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        super::parse_local(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde helper like [`local_datetime`] for `Option<DateTime<Utc>>` (`null` is `None`). Add
/// `#[serde(default)]` as well if the field may be missing.
pub mod local_datetime_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serializer.serialize_some(&super::format_local(*t)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.map(|s| super::parse_local(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};
    use std::sync::Arc;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn formats_in_beijing_time() {
        let t = utc(2026, 11, 29, 16, 30, 5);
        assert_eq!(format_local(t), "2026-11-30 00:30:05");
        assert_eq!(format_local_date(t), "2026-11-30");
        assert_eq!(local_today(t), date(2026, 11, 30));
        assert_eq!(
            local_today(utc(2026, 11, 29, 15, 59, 59)),
            date(2026, 11, 29)
        );
        assert_eq!(shanghai().local_minus_utc(), 8 * 3600);
    }

    #[test]
    fn parses_local_and_rfc3339() {
        let want = Ok(utc(2026, 11, 30, 1, 0, 0));
        assert_eq!(parse_local("2026-11-30 09:00:00"), want);
        assert_eq!(parse_local(" 2026-11-30T09:00:00 "), want);
        assert_eq!(parse_local("2026-11-30T09:00:00+08:00"), want);
        assert_eq!(parse_local("2026-11-30T01:00:00Z"), want);
        assert_eq!(parse_local("2026-11-30T03:00:00+02:00"), want);
        assert_eq!(
            parse_local("2026-11-30T09:00:00.250+08:00").map(format_local),
            Ok("2026-11-30 09:00:00".to_owned())
        );
    }

    #[test]
    fn refuses_bad_times() {
        assert_eq!(parse_local(""), Err(TimeError::EmptyDateTime));
        for bad in [
            "2026-11-30",
            "2026-1-30 09:00:00",
            "2026/11/30 09:00:00",
            "2026-11-30 9:00:00",
            "2026-11-30 09:00",
            "2026-11-30X09:00:00",
            "2026-11-30 09:00:00 +08:00",
            "２０２６-11-30 09:00:00",
        ] {
            assert_eq!(
                parse_local(bad),
                Err(TimeError::BadDateTime {
                    input: bad.to_owned()
                }),
                "{bad}"
            );
        }
        assert_eq!(
            parse_local("2026-02-30 09:00:00"),
            Err(TimeError::NoSuchDateTime {
                input: "2026-02-30 09:00:00".to_owned()
            })
        );
        assert_eq!(
            parse_local("2026-02-28 24:00:00").map_err(|e| e.to_string()),
            Err("时间 2026-02-28 24:00:00 不存在".to_owned())
        );
    }

    #[test]
    fn parses_dates() {
        assert_eq!(parse_date("2024-02-29"), Ok(date(2024, 2, 29)));
        assert_eq!(parse_date(" 2024-02-29\n"), Ok(date(2024, 2, 29)));
        assert_eq!(parse_date(""), Err(TimeError::EmptyDate));
        assert_eq!(
            parse_date("2023-02-29").map_err(|e| e.to_string()),
            Err("日期 2023-02-29 不存在".to_owned())
        );
        assert_eq!(
            parse_date("2023-2-1").map_err(|e| e.to_string()),
            Err("日期「2023-2-1」格式不正确，应为 YYYY-MM-DD".to_owned())
        );
        assert_eq!(
            parse_date("x").as_ref().map_err(Refusal::code),
            Err("TIME_BAD_FORMAT")
        );
    }

    #[test]
    fn midnight() {
        assert_eq!(
            local_midnight_utc(date(2026, 11, 30)),
            utc(2026, 11, 29, 16, 0, 0)
        );
        assert_eq!(
            local_today(local_midnight_utc(date(2026, 1, 1))),
            date(2026, 1, 1)
        );
        assert_eq!(local_midnight_utc(NaiveDate::MIN), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn manual_clock() {
        let clock = Arc::new(ManualClock::new(utc(2026, 11, 29, 15, 0, 0)));
        let shared: Arc<dyn Clock> = clock.clone();
        assert_eq!(shared.now(), utc(2026, 11, 29, 15, 0, 0));
        assert_eq!(shared.today(), date(2026, 11, 29));
        clock.advance(chrono::Duration::hours(1));
        assert_eq!(shared.now(), utc(2026, 11, 29, 16, 0, 0));
        assert_eq!(shared.today(), date(2026, 11, 30));
        clock.set(utc(2020, 1, 1, 0, 0, 0));
        assert_eq!(clock.now(), utc(2020, 1, 1, 0, 0, 0));
        clock.advance(chrono::Duration::MIN);
        assert_eq!(clock.now(), DateTime::<Utc>::MIN_UTC);
        let by_arc: &dyn Clock = &clock;
        assert_eq!(by_arc.now(), DateTime::<Utc>::MIN_UTC);
        let _ = SystemClock.now();
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Slot {
        #[serde(with = "local_datetime")]
        start: DateTime<Utc>,
        #[serde(default, with = "local_datetime_opt")]
        end: Option<DateTime<Utc>>,
    }

    #[test]
    fn serde_helpers() -> Result<(), serde_json::Error> {
        let slot = Slot {
            start: utc(2026, 11, 30, 1, 0, 0),
            end: Some(utc(2026, 11, 30, 1, 30, 0)),
        };
        let json = serde_json::to_string(&slot)?;
        assert_eq!(
            json,
            r#"{"start":"2026-11-30 09:00:00","end":"2026-11-30 09:30:00"}"#
        );
        assert_eq!(serde_json::from_str::<Slot>(&json)?, slot);
        let open: Slot = serde_json::from_str(r#"{"start":"2026-11-30T09:00:00+08:00"}"#)?;
        assert_eq!(open.end, None);
        assert_eq!(
            serde_json::to_string(&open)?,
            r#"{"start":"2026-11-30 09:00:00","end":null}"#
        );
        let err = serde_json::from_str::<Slot>(r#"{"start":"2026-02-30 09:00:00"}"#);
        assert!(err.is_err_and(|e| e.to_string().contains("时间 2026-02-30 09:00:00 不存在")));
        Ok(())
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(secs in 0i64..4_102_444_800) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
            prop_assert_eq!(parse_local(&format_local(t)), Ok(t));
            let day = local_today(t);
            prop_assert_eq!(parse_date(&format_local_date(t)), Ok(day));
            let midnight = local_midnight_utc(day);
            prop_assert!(midnight <= t && t - midnight < TimeDelta::days(1));
        }

        #[test]
        fn parsing_never_panics(s in any::<String>()) {
            let _ = parse_local(&s);
            let _ = parse_date(&s);
        }
    }
}
