//! 统一社会信用代码 (unified social credit code, GB 32100-2015) of an organisation.
//!
//! 18 characters: 登记管理部门代码 (1), 机构类别代码 (1), 登记管理机关行政区划码 (6 digits),
//! 主体标识码 (组织机构代码, 9) and a check character. The alphabet is the digits and the
//! capital letters without I, O, Z, S, V.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ErrorKind, Refusal};

/// The 31 characters of the code, in the order of their values 0–30.
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The value (0–30) of a code character, if it is one.
fn value_of(c: char) -> Option<u32> {
    ALPHABET
        .chars()
        .position(|a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character for 17 character values.
fn check_char(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(check as usize).unwrap_or('0')
}

/// A well-formed 统一社会信用代码 (upper-case, check character verified).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnifiedCreditCode(String);

impl UnifiedCreditCode {
    /// Parses a code (surrounding whitespace ignored; lower-case letters are accepted and
    /// stored upper-case). Checks, in order: length, characters, region digits, check character.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(CreditCodeError::WrongLength { len });
        }
        let code = s.to_ascii_uppercase();
        let values = values_of_first17(&code)?;
        let actual = code.chars().last().unwrap_or(' ');
        if value_of(actual).is_none() {
            return Err(CreditCodeError::BadCharacter {
                position: 18,
                ch: actual,
            });
        }
        let expected = check_char(&values);
        if actual != expected {
            return Err(CreditCodeError::WrongCheckChar { expected, actual });
        }
        Ok(UnifiedCreditCode(code))
    }

    /// Builds a code from its first 17 characters, computing the check character.
    pub fn compose(first17: &str) -> Result<Self, CreditCodeError> {
        let s = first17.trim();
        let len = s.chars().count();
        if len != 17 {
            return Err(CreditCodeError::WrongComposeLength { len });
        }
        let mut code = s.to_ascii_uppercase();
        let values = values_of_first17(&code)?;
        code.push(check_char(&values));
        UnifiedCreditCode::parse(&code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理机关行政区划码: characters 3–8.
    pub fn region_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }
}

/// The values of the first 17 characters of an upper-case code, checking the alphabet and
/// that characters 3–8 are digits.
fn values_of_first17(code: &str) -> Result<[u32; 17], CreditCodeError> {
    let mut values = [0u32; 17];
    for ((i, c), slot) in code.chars().enumerate().zip(values.iter_mut()) {
        let v = value_of(c).ok_or(CreditCodeError::BadCharacter {
            position: i + 1,
            ch: c,
        })?;
        if (2..8).contains(&i) && !c.is_ascii_digit() {
            return Err(CreditCodeError::BadRegion {
                position: i + 1,
                ch: c,
            });
        }
        *slot = v;
    }
    Ok(values)
}

impl fmt::Display for UnifiedCreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UnifiedCreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnifiedCreditCode::parse(s)
    }
}

impl AsRef<str> for UnifiedCreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for UnifiedCreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnifiedCreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        UnifiedCreditCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a 统一社会信用代码 was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码为空")]
    Empty,
    #[error("统一社会信用代码应为18位，实为{len}位")]
    WrongLength { len: usize },
    #[error("统一社会信用代码前17位应为17位，实为{len}位")]
    WrongComposeLength { len: usize },
    #[error(
        "统一社会信用代码含非法字符：第{position}位为「{ch}」，只允许数字和除 I、O、Z、S、V 以外的大写字母"
    )]
    BadCharacter { position: usize, ch: char },
    #[error("统一社会信用代码第3–8位应为行政区划码（数字），第{position}位为「{ch}」")]
    BadRegion { position: usize, ch: char },
    #[error("统一社会信用代码第18位校验码应为 {expected}，实为 {actual}")]
    WrongCheckChar { expected: char, actual: char },
}

impl Refusal for CreditCodeError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        match self {
            CreditCodeError::Empty => "CREDIT_CODE_EMPTY",
            CreditCodeError::WrongLength { .. } | CreditCodeError::WrongComposeLength { .. } => {
                "CREDIT_CODE_LENGTH"
            }
            CreditCodeError::BadCharacter { .. } => "CREDIT_CODE_BAD_CHAR",
            CreditCodeError::BadRegion { .. } => "CREDIT_CODE_REGION",
            CreditCodeError::WrongCheckChar { .. } => "CREDIT_CODE_CHECK_CHAR",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn msg(input: &str) -> String {
        match UnifiedCreditCode::parse(input) {
            Ok(c) => format!("accepted {c}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn alphabet_has_31_characters_without_i_o_z_s_v() {
        assert_eq!(ALPHABET.chars().count(), 31);
        for c in ['I', 'O', 'Z', 'S', 'V'] {
            assert!(!ALPHABET.contains(c));
        }
    }

    #[test]
    fn compose_and_parse() -> Result<(), CreditCodeError> {
        // A company (9 企业, 1 有限公司) registered in 椒江区 (331002).
        let c = UnifiedCreditCode::compose("91331002MA2AK1234")?;
        assert_eq!(c.as_str().len(), 18);
        assert!(c.as_str().starts_with("91331002MA2AK1234"));
        assert_eq!(c.region_code(), "331002");
        assert_eq!(UnifiedCreditCode::parse(c.as_str())?, c);
        assert_eq!(UnifiedCreditCode::parse(&c.as_str().to_lowercase())?, c);
        // A public institution (1 机构编制, 2 事业单位) in 台州市 (331000).
        let h = UnifiedCreditCode::compose("12331000470123456")?;
        assert_eq!(h.to_string().parse::<UnifiedCreditCode>()?, h);
        Ok(())
    }

    #[test]
    fn known_check_characters() -> Result<(), CreditCodeError> {
        // Check characters computed independently of this code.
        for (first17, check) in [
            ("91350100M000100Y4", '3'),
            ("91331002MA2AK1234", 'U'),
            ("12331000470123456", 'P'),
            ("91110000100000000", 'R'),
        ] {
            let c = UnifiedCreditCode::compose(first17)?;
            assert_eq!(c.as_str(), format!("{first17}{check}"));
        }
        assert_eq!(msg("91350100M000100Y43"), "accepted 91350100M000100Y43");
        Ok(())
    }

    #[test]
    fn refusals_name_the_problem() {
        assert_eq!(msg(" "), "统一社会信用代码为空");
        assert_eq!(
            msg("91331002MA2AK123"),
            "统一社会信用代码应为18位，实为16位"
        );
        assert_eq!(
            msg("91331002MA2AK1234I"),
            "统一社会信用代码含非法字符：第18位为「I」，只允许数字和除 I、O、Z、S、V 以外的大写字母"
        );
        assert_eq!(
            msg("91331002MO2AK12340"),
            "统一社会信用代码含非法字符：第10位为「O」，只允许数字和除 I、O、Z、S、V 以外的大写字母"
        );
        assert_eq!(
            msg("9133100AMA2AK12340"),
            "统一社会信用代码第3–8位应为行政区划码（数字），第8位为「A」"
        );
        assert_eq!(
            UnifiedCreditCode::compose("9133"),
            Err(CreditCodeError::WrongComposeLength { len: 4 })
        );
    }

    #[test]
    fn wrong_check_character() -> Result<(), CreditCodeError> {
        let c = UnifiedCreditCode::compose("91331002MA2AK1234")?;
        let last = c.as_str().chars().last().unwrap_or('0');
        let other = if last == '0' { '1' } else { '0' };
        let bad = format!("91331002MA2AK1234{other}");
        let err = UnifiedCreditCode::parse(&bad).err();
        assert_eq!(
            err,
            Some(CreditCodeError::WrongCheckChar {
                expected: last,
                actual: other
            })
        );
        assert_eq!(
            err.as_ref().map(Refusal::code),
            Some("CREDIT_CODE_CHECK_CHAR")
        );
        Ok(())
    }

    #[test]
    fn serde_goes_through_parse() -> Result<(), Box<dyn std::error::Error>> {
        let c = UnifiedCreditCode::compose("91331002MA2AK1234")?;
        let json = serde_json::to_string(&c)?;
        assert_eq!(json, format!("\"{c}\""));
        assert_eq!(serde_json::from_str::<UnifiedCreditCode>(&json)?, c);
        let err = serde_json::from_str::<UnifiedCreditCode>("\"91331002MA2AK12345\"");
        assert!(err.is_err_and(|e| e.to_string().contains("校验码应为 U，实为 5")));
        Ok(())
    }

    fn first17() -> impl Strategy<Value = String> {
        "[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{9}"
    }

    proptest! {
        #[test]
        fn compose_then_parse_round_trips(f in first17()) {
            let c = UnifiedCreditCode::compose(&f);
            prop_assert!(c.is_ok(), "{:?}", c);
            let c = c.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(UnifiedCreditCode::parse(c.as_str()), Ok(c.clone()));
            prop_assert!(c.as_str().starts_with(&f));
        }

        #[test]
        fn one_changed_character_is_refused(
            f in first17(),
            pos in 0usize..18,
            replacement in proptest::sample::select(ALPHABET.chars().collect::<Vec<_>>()),
        ) {
            let c = UnifiedCreditCode::compose(&f)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut chars: Vec<char> = c.as_str().chars().collect();
            prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(UnifiedCreditCode::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = UnifiedCreditCode::parse(&s);
        }
    }
}
