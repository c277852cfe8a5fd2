//! Money (金额) as an exact integer number of 分 (fen, 0.01 元). Never `f64`.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, Refusal};

/// An amount of money in 分 (金额，单位：分). Serialised as a plain integer (`1234`);
/// displayed as 元 with two decimals (`12.34`).
///
/// The operators follow `i64` (they panic on overflow in debug builds); use
/// [`Fen::checked_add`] / [`Fen::checked_sub`] / [`Fen::checked_mul`] on untrusted amounts.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// 零元.
    pub const ZERO: Fen = Fen(0);

    /// Whole 元 (yuan) to 分; `None` on overflow.
    pub fn from_yuan(yuan: i64) -> Option<Fen> {
        yuan.checked_mul(100).map(Fen)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, rhs: Fen) -> Option<Fen> {
        self.0.checked_add(rhs.0).map(Fen)
    }

    pub fn checked_sub(self, rhs: Fen) -> Option<Fen> {
        self.0.checked_sub(rhs.0).map(Fen)
    }

    /// Unit price × quantity; `None` on overflow.
    pub fn checked_mul(self, quantity: i64) -> Option<Fen> {
        self.0.checked_mul(quantity).map(Fen)
    }

    /// Parses an amount in 元 (yuan): `12`, `12.3`, `12.34`, `-1.50`, `+3` (surrounding
    /// whitespace allowed). At most two decimals; no thousands separators, no exponent.
    pub fn parse_yuan(input: &str) -> Result<Fen, MoneyError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let invalid = || MoneyError::Invalid {
            input: input.to_owned(),
        };
        let (negative, unsigned) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (int_part, frac_part) = match unsigned.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (unsigned, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) {
            return Err(invalid());
        }
        let frac_fen: i128 = match frac_part {
            None => 0,
            Some(f) if !all_digits(f) => return Err(invalid()),
            Some(f) if f.len() > 2 => {
                return Err(MoneyError::TooManyDecimals {
                    input: input.to_owned(),
                });
            }
            Some(f) => {
                let v = digits_value(f).ok_or_else(invalid)?;
                if f.len() == 1 { v * 10 } else { v }
            }
        };
        let overflow = || MoneyError::Overflow {
            input: input.to_owned(),
        };
        let magnitude = digits_value(int_part)
            .and_then(|yuan| yuan.checked_mul(100))
            .and_then(|fen| fen.checked_add(frac_fen))
            .ok_or_else(overflow)?;
        let signed = if negative { -magnitude } else { magnitude };
        i64::try_from(signed).map(Fen).map_err(|_| overflow())
    }
}

/// The value of a string of ASCII digits; `None` if it does not fit an `i128`.
fn digits_value(digits: &str) -> Option<i128> {
    digits.bytes().try_fold(0i128, |acc, b| {
        acc.checked_mul(10)?.checked_add(i128::from(b - b'0'))
    })
}

impl fmt::Display for Fen {
    /// 元 with two decimals: `12.34`, `-0.05`, `0.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::str::FromStr for Fen {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fen::parse_yuan(s)
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}

impl AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Fen {
    fn sub_assign(&mut self, rhs: Fen) {
        self.0 -= rhs.0;
    }
}

impl Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        iter.copied().sum()
    }
}

/// Why an amount in 元 was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额为空")]
    Empty,
    #[error("金额「{input}」不是有效的数字，应为以元为单位的金额，如 12.34")]
    Invalid { input: String },
    #[error("金额「{input}」小数超过两位，最小单位为分（0.01 元）")]
    TooManyDecimals { input: String },
    #[error("金额「{input}」超出可表示的范围")]
    Overflow { input: String },
}

impl Refusal for MoneyError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        match self {
            MoneyError::Empty => "MONEY_EMPTY",
            MoneyError::Invalid { .. } => "MONEY_INVALID",
            MoneyError::TooManyDecimals { .. } => "MONEY_TOO_MANY_DECIMALS",
            MoneyError::Overflow { .. } => "MONEY_OVERFLOW",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display() {
        assert_eq!(Fen(1234).to_string(), "12.34");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(0).to_string(), "0.00");
        assert_eq!(Fen(100).to_string(), "1.00");
        assert_eq!(Fen(-150).to_string(), "-1.50");
        assert_eq!(Fen(i64::MIN).to_string(), "-92233720368547758.08");
        assert_eq!(Fen(i64::MAX).to_string(), "92233720368547758.07");
    }

    #[test]
    fn parse_accepts() {
        assert_eq!(Fen::parse_yuan("12"), Ok(Fen(1200)));
        assert_eq!(Fen::parse_yuan("12.3"), Ok(Fen(1230)));
        assert_eq!(Fen::parse_yuan("12.34"), Ok(Fen(1234)));
        assert_eq!(Fen::parse_yuan("-1.50"), Ok(Fen(-150)));
        assert_eq!(Fen::parse_yuan("-0.05"), Ok(Fen(-5)));
        assert_eq!(Fen::parse_yuan("+3"), Ok(Fen(300)));
        assert_eq!(Fen::parse_yuan(" 0.00 "), Ok(Fen(0)));
        assert_eq!(Fen::parse_yuan("-0"), Ok(Fen(0)));
        assert_eq!(Fen::parse_yuan("007.5"), Ok(Fen(750)));
        assert_eq!(Fen::parse_yuan("-92233720368547758.08"), Ok(Fen(i64::MIN)));
        assert_eq!("12.34".parse::<Fen>(), Ok(Fen(1234)));
    }

    #[test]
    fn parse_refuses() {
        assert_eq!(Fen::parse_yuan(""), Err(MoneyError::Empty));
        assert_eq!(Fen::parse_yuan("   "), Err(MoneyError::Empty));
        for bad in [
            "abc", "1,000", "1e3", ".5", "5.", "-", "+", "--1", "1.2.3", "１２", "1 2", "0x10",
            "-.5",
        ] {
            assert_eq!(
                Fen::parse_yuan(bad),
                Err(MoneyError::Invalid {
                    input: bad.to_owned()
                }),
                "{bad}"
            );
        }
        assert_eq!(
            Fen::parse_yuan("1.234"),
            Err(MoneyError::TooManyDecimals {
                input: "1.234".to_owned()
            })
        );
        assert_eq!(
            Fen::parse_yuan("92233720368547758.08"),
            Err(MoneyError::Overflow {
                input: "92233720368547758.08".to_owned()
            })
        );
        assert!(matches!(
            Fen::parse_yuan(&"9".repeat(60)),
            Err(MoneyError::Overflow { .. })
        ));
    }

    #[test]
    fn messages_name_the_input() {
        let e = Fen::parse_yuan("1.234").err();
        assert_eq!(
            e.map(|e| e.to_string()),
            Some("金额「1.234」小数超过两位，最小单位为分（0.01 元）".to_owned())
        );
        let e = Fen::parse_yuan("abc").err();
        assert_eq!(e.as_ref().map(Refusal::code), Some("MONEY_INVALID"));
        assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::BadRequest));
    }

    #[test]
    fn arithmetic() {
        let mut a = Fen(150);
        a += Fen(50);
        assert_eq!(a, Fen(200));
        a -= Fen(300);
        assert_eq!(a, Fen(-100));
        assert_eq!(-a, Fen(100));
        assert_eq!(Fen(1) + Fen(2) - Fen(4), Fen(-1));
        assert_eq!([Fen(1), Fen(2), Fen(3)].into_iter().sum::<Fen>(), Fen(6));
        assert_eq!([Fen(1), Fen(2)].iter().sum::<Fen>(), Fen(3));
        assert_eq!(Vec::<Fen>::new().into_iter().sum::<Fen>(), Fen::ZERO);
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
        assert_eq!(Fen(i64::MIN).checked_sub(Fen(1)), None);
        assert_eq!(Fen(5).checked_sub(Fen(7)), Some(Fen(-2)));
        assert_eq!(Fen(250).checked_mul(3), Some(Fen(750)));
        assert_eq!(Fen::from_yuan(15), Some(Fen(1500)));
        assert!(Fen::ZERO.is_zero());
        assert!(Fen(-1).is_negative());
    }

    #[test]
    fn serde_is_a_plain_integer() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&Fen(1500))?, "1500");
        assert_eq!(serde_json::from_str::<Fen>("-5")?, Fen(-5));
        Ok(())
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(x in any::<i64>()) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(x).to_string()), Ok(Fen(x)));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Fen::parse_yuan(&s);
        }
    }
}
