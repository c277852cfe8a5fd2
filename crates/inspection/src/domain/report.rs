//! The monthly report's arithmetic (月度运行报告), without I/O: a month's hourly aggregates
//! folded into one average and one maximum, and figures written the way the report prints them.

use serde::Serialize;

/// One stored aggregate: the average of `n` readings and their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub avg: i64,
    pub max: i64,
    pub n: i32,
}

/// A month of one metric: the average weighted by readings, and the highest reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub avg: i64,
    pub max: i64,
    /// How many readings stand behind the figures.
    pub readings: i64,
}

/// Fold buckets into the month: weighted by `n` so a half-polled hour counts for half.
/// `None` when there is nothing to fold (no reading that month — not 0 %).
pub fn summarise(buckets: &[Bucket]) -> Option<Summary> {
    let readings: i64 = buckets.iter().map(|b| i64::from(b.n.max(0))).sum();
    if readings == 0 {
        return None;
    }
    let sum: i128 = buckets
        .iter()
        .map(|b| i128::from(b.avg) * i128::from(b.n.max(0)))
        .sum();
    let avg = i64::try_from(sum / i128::from(readings)).unwrap_or(i64::MAX);
    let max = buckets.iter().map(|b| b.max).max().unwrap_or(0);
    Some(Summary { avg, max, readings })
}

/// Hundredths of a percent as printed: 4_250 → "42.50%"; none → "—".
pub fn percent_e2(v: Option<i64>) -> String {
    match v {
        Some(v) => format!("{}.{:02}%", v / 100, (v % 100).abs()),
        None => "—".into(),
    }
}

/// Bits per second as printed, in the largest unit that keeps it ≥ 1: "12.34 Mbit/s".
pub fn bits_per_second(v: i64) -> String {
    let units = [
        (1_000_000_000_i64, "Gbit/s"),
        (1_000_000, "Mbit/s"),
        (1_000, "kbit/s"),
    ];
    for (scale, unit) in units {
        if v >= scale {
            let hundredths = i128::from(v) * 100 / i128::from(scale);
            return format!("{}.{:02} {unit}", hundredths / 100, hundredths % 100);
        }
    }
    format!("{v} bit/s")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_half_polled_hour_weighs_half() {
        let s = summarise(&[
            Bucket {
                avg: 1_000,
                max: 2_000,
                n: 60,
            },
            Bucket {
                avg: 4_000,
                max: 9_000,
                n: 30,
            },
        ])
        .unwrap();
        assert_eq!(
            s,
            Summary {
                avg: 2_000,
                max: 9_000,
                readings: 90
            }
        );
        assert_eq!(summarise(&[]), None);
        assert_eq!(
            summarise(&[Bucket {
                avg: 5,
                max: 5,
                n: 0
            }]),
            None
        );
    }

    #[test]
    fn figures_print_as_the_report_shows_them() {
        assert_eq!(percent_e2(Some(4_250)), "42.50%");
        assert_eq!(percent_e2(Some(10_000)), "100.00%");
        assert_eq!(percent_e2(None), "—");
        assert_eq!(bits_per_second(999), "999 bit/s");
        assert_eq!(bits_per_second(12_345_678), "12.34 Mbit/s");
        assert_eq!(bits_per_second(1_000_000_000), "1.00 Gbit/s");
    }

    proptest! {
        #[test]
        fn the_average_lies_between_the_lowest_and_highest_average(
            v in proptest::collection::vec((0_i64..1_000_000, 1_i32..120), 1..50)
        ) {
            let b: Vec<Bucket> = v.iter().map(|&(a, n)| Bucket { avg: a, max: a, n }).collect();
            let s = summarise(&b).unwrap();
            let lo = v.iter().map(|x| x.0).min().unwrap();
            let hi = v.iter().map(|x| x.0).max().unwrap();
            prop_assert!(lo <= s.avg && s.avg <= hi);
            prop_assert_eq!(s.max, hi);
        }
    }
}
