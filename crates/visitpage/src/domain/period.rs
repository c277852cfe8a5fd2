//! A statistics period (统计期): one calendar month, Asia/Shanghai.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use yiqiao_core::time::shanghai;

/// `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

/// A text that is not `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("统计期「{0}」格式不对，应为 YYYY-MM，例如 2026-11")]
pub struct BadPeriod(pub String);

impl yiqiao_core::Refusal for BadPeriod {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_PERIOD"
    }
    fn fields(&self) -> Vec<yiqiao_core::FieldError> {
        vec![yiqiao_core::FieldError::new("period", self.to_string())]
    }
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, BadPeriod> {
        let t = s.trim();
        let bad = || BadPeriod(t.to_string());
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        Ok(Period { year, month })
    }

    /// The month a moment falls in, in Shanghai.
    pub fn of(t: DateTime<Utc>) -> Period {
        let l = t.with_timezone(&shanghai());
        Period {
            year: l.year(),
            month: l.month(),
        }
    }

    /// The month of a wall-clock date.
    pub fn of_date(d: NaiveDate) -> Period {
        Period {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The month before.
    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The UTC instants `[start, end)` of the month in Shanghai.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |d: NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_local_timezone(shanghai())
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        (at(self.first_day()), at(self.next().first_day()))
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}
