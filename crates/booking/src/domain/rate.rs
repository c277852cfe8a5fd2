//! The platform's request budget (限流): a token bucket per platform app.
//!
//! When numbers are released the city platform sends thousands of requests at once. Each app
//! gets a steady rate with a burst on top; beyond it the API answers 429 with how long to wait,
//! instead of queueing requests until they time out. Amounts are kept in thousandths of a
//! request so that the arithmetic is exact integers.

/// The budget of one app: `per_second` requests a second on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub per_second: u32,
    pub burst: u32,
}

impl RateRule {
    /// Refuses a budget that would refuse everything (`per_second` or `burst` of 0).
    pub fn parse(per_second: u32, burst: u32) -> Result<RateRule, String> {
        if per_second == 0 {
            return Err("booking.rate_per_second 应大于 0".into());
        }
        if burst == 0 {
            return Err("booking.rate_burst 应大于 0".into());
        }
        Ok(RateRule { per_second, burst })
    }
}

/// One app's bucket: how full it was at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    /// Thousandths of a request available.
    milli_tokens: u64,
    /// When `milli_tokens` was last brought up to date (milliseconds since the epoch).
    at_ms: i64,
}

/// Too many requests: the next one is allowed after this many milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

const MILLI: u64 = 1000;

impl TokenBucket {
    /// A full bucket at `now_ms`.
    pub fn full(rule: RateRule, now_ms: i64) -> TokenBucket {
        TokenBucket {
            milli_tokens: u64::from(rule.burst) * MILLI,
            at_ms: now_ms,
        }
    }

    /// Takes one request from the bucket, or says how long until one is there. A clock that
    /// steps back adds nothing (and takes nothing away).
    pub fn take(&mut self, rule: RateRule, now_ms: i64) -> Result<(), RetryAfter> {
        let capacity = u64::from(rule.burst) * MILLI;
        let elapsed = u64::try_from(now_ms.saturating_sub(self.at_ms)).unwrap_or(0);
        // per_second requests a second = per_second thousandths of a request a millisecond.
        let refill = elapsed.saturating_mul(u64::from(rule.per_second));
        self.milli_tokens = self.milli_tokens.saturating_add(refill).min(capacity);
        self.at_ms = self.at_ms.max(now_ms);
        if self.milli_tokens >= MILLI {
            self.milli_tokens -= MILLI;
            Ok(())
        } else {
            let missing = MILLI - self.milli_tokens;
            Err(RetryAfter(missing.div_ceil(u64::from(rule.per_second))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(per_second: u32, burst: u32) -> RateRule {
        RateRule::parse(per_second, burst).unwrap()
    }

    #[test]
    fn a_burst_is_allowed_at_once_then_the_steady_rate() {
        let r = rule(10, 3);
        let mut b = TokenBucket::full(r, 0);
        assert!(b.take(r, 0).is_ok());
        assert!(b.take(r, 0).is_ok());
        assert!(b.take(r, 0).is_ok());
        // Empty: one request every 100 ms at 10/s.
        assert_eq!(b.take(r, 0), Err(RetryAfter(100)));
        assert_eq!(b.take(r, 40), Err(RetryAfter(60)));
        assert!(b.take(r, 100).is_ok());
        assert_eq!(b.take(r, 100), Err(RetryAfter(100)));
    }

    #[test]
    fn an_idle_bucket_fills_to_the_burst_and_no_further() {
        let r = rule(100, 5);
        let mut b = TokenBucket::full(r, 0);
        for _ in 0..5 {
            b.take(r, 0).unwrap();
        }
        let later = 3_600_000;
        for _ in 0..5 {
            b.take(r, later).unwrap();
        }
        assert!(b.take(r, later).is_err());
    }

    #[test]
    fn a_clock_stepping_back_gives_nothing_extra() {
        let r = rule(1, 1);
        let mut b = TokenBucket::full(r, 10_000);
        b.take(r, 10_000).unwrap();
        assert!(b.take(r, 5_000).is_err());
        assert!(b.take(r, 10_999).is_err());
        assert!(b.take(r, 11_000).is_ok());
    }

    #[test]
    fn zero_budgets_are_refused_by_name() {
        assert!(
            RateRule::parse(0, 5)
                .unwrap_err()
                .contains("rate_per_second")
        );
        assert!(RateRule::parse(5, 0).unwrap_err().contains("rate_burst"));
    }

    proptest! {
        /// Over any span, no more requests are admitted than the burst plus the rate times the
        /// span — and a steady client at the rate is never refused.
        #[test]
        fn admitted_never_exceed_burst_plus_rate(
            per_second in 1u32..500,
            burst in 1u32..200,
            gaps in proptest::collection::vec(0i64..50, 1..400),
        ) {
            let r = rule(per_second, burst);
            let mut b = TokenBucket::full(r, 0);
            let mut now = 0i64;
            let mut admitted = 0u64;
            for gap in gaps {
                now += gap;
                if b.take(r, now).is_ok() {
                    admitted += 1;
                }
            }
            let allowed = u64::from(burst) + (now as u64 * u64::from(per_second)) / 1000;
            prop_assert!(admitted <= allowed, "{admitted} > {allowed}");
        }

        #[test]
        fn a_client_waiting_as_told_is_admitted(per_second in 1u32..500, burst in 1u32..20) {
            let r = rule(per_second, burst);
            let mut b = TokenBucket::full(r, 0);
            let mut now = 0i64;
            for _ in 0..burst {
                b.take(r, now).unwrap();
            }
            for _ in 0..20 {
                match b.take(r, now) {
                    Ok(()) => {}
                    Err(RetryAfter(wait)) => {
                        now += wait as i64;
                        prop_assert!(b.take(r, now).is_ok());
                    }
                }
            }
        }
    }
}
