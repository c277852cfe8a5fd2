//! 居民身份证号码 (citizen identity number, GB 11643-1999).
//!
//! 18 characters: a 6-digit 地址码 (administrative region), an 8-digit 出生日期码 (YYYYMMDD), a
//! 3-digit 顺序码 (odd for men, even for women) and a 校验码 computed by ISO 7064 MOD 11-2.
//!
//! The 外国人永久居留身份证 issued since 2023-12-01 has a number of the same form: it starts
//! with `9` (citizens' numbers start with a province code, 1–8), then the 2-digit province code
//! of the issuing office and a 3-digit nationality code; birth date, sequence and check
//! character as above. Both are accepted; [`IdCardNo::is_foreign_permanent_resident`] tells
//! them apart.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::Sex;
use crate::error::{ErrorKind, Refusal};
use crate::mask::mask_id_no;

/// ISO 7064 MOD 11-2 weights of the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for `Σ mod 11` = 0, 1, …, 10.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Whether the first two digits are a province-level region code (省级行政区划代码): the 34
/// provinces, regions and municipalities, 71 台湾, 81 香港, 82 澳门, and 83, the prefix of the
/// 台湾居民居住证.
pub fn is_province_code(code: u32) -> bool {
    matches!(
        code,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83
    )
}

/// A well-formed 居民身份证号码 (18 characters, check character upper-case).
///
/// `Display` and `as_str` give the full number; `Debug` gives only the masked form, so that the
/// number does not end up in logs by accident.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdCardNo {
    no: String,
    birth: NaiveDate,
}

impl IdCardNo {
    /// Parses an 18-character 身份证号 (surrounding whitespace ignored; a lowercase `x` check
    /// character is accepted and stored as `X`). The checks, in order: length, characters,
    /// province code, birth date (a real date, year ≥ 1900), check character.
    pub fn parse(input: &str) -> Result<IdCardNo, IdCardError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(IdCardError::Empty);
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(IdCardError::WrongLength { len });
        }
        let mut digits = [0u32; 17];
        let mut last = 'X';
        for (i, c) in s.chars().enumerate() {
            match (i, c.to_digit(10).filter(|_| c.is_ascii_digit())) {
                (0..17, Some(d)) => {
                    if let Some(slot) = digits.get_mut(i) {
                        *slot = d;
                    }
                }
                (17, Some(_)) => last = c,
                (17, None) if c == 'X' || c == 'x' => last = 'X',
                _ => {
                    return Err(IdCardError::BadCharacter {
                        position: i + 1,
                        ch: c,
                    });
                }
            }
        }
        let number = |range: std::ops::Range<usize>| {
            digits
                .get(range)
                .unwrap_or_default()
                .iter()
                .fold(0u32, |acc, d| acc * 10 + d)
        };
        // 永居证: `9` then the issuing province; otherwise the citizen's province.
        let foreigner = digits.first() == Some(&9);
        let province = if foreigner {
            number(1..3)
        } else {
            number(0..2)
        };
        if !is_province_code(province) {
            return Err(if foreigner {
                IdCardError::UnknownIssuingProvince {
                    code: format!("{province:02}"),
                }
            } else {
                IdCardError::UnknownRegion {
                    code: format!("{province:02}"),
                }
            });
        }
        let (year, month, day) = (number(6..10), number(10..12), number(12..14));
        let date = format!("{year:04}{month:02}{day:02}");
        let birth = i32::try_from(year)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
            .ok_or_else(|| IdCardError::NoSuchBirthDate { date: date.clone() })?;
        if year < 1900 {
            return Err(IdCardError::BirthYearTooEarly { date });
        }
        let expected = check_char(&digits);
        if last != expected {
            return Err(IdCardError::WrongCheckChar {
                expected,
                actual: last,
            });
        }
        let mut no: String = s.chars().take(17).collect();
        no.push(last);
        Ok(IdCardNo { no, birth })
    }

    /// Builds a valid number from a 6-digit region code, a birth date and a sequence number
    /// 0–999 (odd for men, even for women), computing the check character. Used by the demo
    /// data generator.
    pub fn compose(region6: &str, birth: NaiveDate, seq3: u16) -> Result<IdCardNo, IdCardError> {
        if region6.len() != 6 || !region6.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdCardError::BadRegionCode {
                region: region6.to_owned(),
            });
        }
        if seq3 > 999 {
            return Err(IdCardError::BadSequence { seq: seq3 });
        }
        let date = birth.format("%Y%m%d").to_string();
        if birth.year() < 1900 {
            return Err(IdCardError::BirthYearTooEarly { date });
        }
        if birth.year() > 9999 {
            return Err(IdCardError::NoSuchBirthDate { date });
        }
        let first17 = format!("{region6}{}{seq3:03}", birth.format("%Y%m%d"));
        let mut digits = [0u32; 17];
        for (slot, c) in digits.iter_mut().zip(first17.chars()) {
            *slot = c.to_digit(10).unwrap_or(0);
        }
        let mut no = first17;
        no.push(check_char(&digits));
        IdCardNo::parse(&no)
    }

    /// The full number.
    pub fn as_str(&self) -> &str {
        &self.no
    }

    /// 出生日期.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// 性别 from the 17th digit: odd is male, even is female.
    pub fn sex(&self) -> Sex {
        let odd = self
            .no
            .as_bytes()
            .get(16)
            .is_some_and(|b| (b - b'0') % 2 == 1);
        if odd { Sex::Male } else { Sex::Female }
    }

    /// A 外国人永久居留身份证 number (2023 form, starting with `9`), not a citizen's.
    pub fn is_foreign_permanent_resident(&self) -> bool {
        self.no.starts_with('9')
    }

    /// 地址码: the 6-digit administrative region code. For a foreigner's permanent-residence
    /// number these six digits are `9`, the issuing province and the nationality code.
    pub fn region_code(&self) -> &str {
        self.no.get(..6).unwrap_or_default()
    }

    /// The masked form for lists and logs: `331002********2010`.
    pub fn masked(&self) -> String {
        mask_id_no(&self.no)
    }

    /// Age in whole years (周岁) on `today`; `None` if `today` is before the birth date.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        today.years_since(self.birth)
    }

    /// Whether the birth date is plausible on `today`: not in the future, and at most 150
    /// years ago. (The date alone cannot say; `parse` has no clock.)
    pub fn is_plausible_on(&self, today: NaiveDate) -> bool {
        self.birth <= today && self.age_on(today).is_some_and(|age| age <= 150)
    }
}

/// The check character for the first 17 digits.
fn check_char(digits: &[u32; 17]) -> char {
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    CHECK_CHARS.get((sum % 11) as usize).copied().unwrap_or('X')
}

impl fmt::Display for IdCardNo {
    /// The full number: mask it (`masked()`) before logging.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.no)
    }
}

impl fmt::Debug for IdCardNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdCardNo").field(&self.masked()).finish()
    }
}

impl FromStr for IdCardNo {
    type Err = IdCardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdCardNo::parse(s)
    }
}

impl AsRef<str> for IdCardNo {
    fn as_ref(&self) -> &str {
        &self.no
    }
}

impl Serialize for IdCardNo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.no)
    }
}

impl<'de> Deserialize<'de> for IdCardNo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        IdCardNo::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a 身份证号 was refused. The messages never repeat the whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    #[error("身份证号为空")]
    Empty,
    #[error("身份证号应为18位，实为{len}位")]
    WrongLength { len: usize },
    #[error("身份证号含非法字符：第{position}位为「{ch}」，前17位应为数字，第18位应为数字或 X")]
    BadCharacter { position: usize, ch: char },
    #[error("身份证号地区码 {code} 不存在")]
    UnknownRegion { code: String },
    #[error("外国人永久居留身份证号第2-3位受理地省级代码 {code} 不存在")]
    UnknownIssuingProvince { code: String },
    #[error("身份证号中的出生日期 {date} 不存在")]
    NoSuchBirthDate { date: String },
    #[error("身份证号中的出生日期 {date} 早于 1900 年")]
    BirthYearTooEarly { date: String },
    #[error("身份证号第18位校验码应为 {expected}，实为 {actual}")]
    WrongCheckChar { expected: char, actual: char },
    #[error("身份证地区码「{region}」应为6位数字")]
    BadRegionCode { region: String },
    #[error("身份证顺序码 {seq} 应在 0–999 之间")]
    BadSequence { seq: u16 },
}

impl Refusal for IdCardError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        match self {
            IdCardError::Empty => "ID_NO_EMPTY",
            IdCardError::WrongLength { .. } => "ID_NO_LENGTH",
            IdCardError::BadCharacter { .. } => "ID_NO_BAD_CHAR",
            IdCardError::UnknownRegion { .. }
            | IdCardError::UnknownIssuingProvince { .. }
            | IdCardError::BadRegionCode { .. } => "ID_NO_REGION",
            IdCardError::NoSuchBirthDate { .. } | IdCardError::BirthYearTooEarly { .. } => {
                "ID_NO_BIRTH_DATE"
            }
            IdCardError::WrongCheckChar { .. } => "ID_NO_CHECK_CHAR",
            IdCardError::BadSequence { .. } => "ID_NO_SEQUENCE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn msg(input: &str) -> String {
        match IdCardNo::parse(input) {
            Ok(id) => format!("accepted {id:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_standards_example_is_valid() -> Result<(), IdCardError> {
        let id = IdCardNo::parse("11010519491231002X")?;
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
        Ok(())
    }

    #[test]
    fn lowercase_x_and_whitespace() -> Result<(), IdCardError> {
        let id = IdCardNo::parse(" 11010519491231002x\t")?;
        assert_eq!(id.to_string(), "11010519491231002X");
        assert_eq!("11010519491231002x".parse::<IdCardNo>()?, id);
        Ok(())
    }

    #[test]
    fn compose_computes_the_check_character() -> Result<(), IdCardError> {
        let id = IdCardNo::compose("331002", date(1985, 6, 12), 201)?;
        assert_eq!(id.region_code(), "331002");
        assert_eq!(id.birth_date(), date(1985, 6, 12));
        assert_eq!(id.sex(), Sex::Male);
        assert!(id.as_str().starts_with("33100219850612201"));
        assert_eq!(IdCardNo::parse(id.as_str())?, id);
        assert_eq!(
            IdCardNo::compose("110105", date(1949, 12, 31), 2)?.as_str(),
            "11010519491231002X"
        );
        Ok(())
    }

    #[test]
    fn foreigners_permanent_residence_numbers_are_accepted() -> Result<(), IdCardError> {
        // 9, issued in 浙江 (33), nationality 840, born 1980-05-17, sequence 123 (odd: male).
        let first17 = "93384019800517123";
        let digits: Vec<u32> = first17.chars().filter_map(|c| c.to_digit(10)).collect();
        let mut arr = [0u32; 17];
        arr.copy_from_slice(&digits);
        let no = format!("{first17}{}", check_char(&arr));
        let id = IdCardNo::parse(&no)?;
        assert!(id.is_foreign_permanent_resident());
        assert_eq!(id.birth_date(), date(1980, 5, 17));
        assert_eq!(id.sex(), Sex::Male);
        assert!(
            !IdCardNo::compose("331002", date(1985, 6, 12), 201)?.is_foreign_permanent_resident()
        );
        // The issuing province must exist; the check character is checked as for citizens.
        assert_eq!(
            msg("999840198005171230"),
            "外国人永久居留身份证号第2-3位受理地省级代码 99 不存在"
        );
        let wrong_check = format!("{first17}{}", if no.ends_with('0') { '1' } else { '0' });
        assert!(msg(&wrong_check).contains("校验码"));
        Ok(())
    }

    #[test]
    fn refusals_name_the_problem() {
        assert_eq!(msg(""), "身份证号为空");
        assert_eq!(msg("11010519491231002"), "身份证号应为18位，实为17位");
        assert_eq!(msg("1101051949123100211"), "身份证号应为18位，实为19位");
        assert_eq!(
            msg("身份证号身份证号身份证号身份证号身份"),
            "身份证号含非法字符：第1位为「身」，前17位应为数字，第18位应为数字或 X"
        );
        assert_eq!(
            msg("1101051949123100X2"),
            "身份证号含非法字符：第17位为「X」，前17位应为数字，第18位应为数字或 X"
        );
        assert_eq!(msg("001005194912310023"), "身份证号地区码 00 不存在");
        assert_eq!(
            msg("110105198502300023"),
            "身份证号中的出生日期 19850230 不存在"
        );
        assert_eq!(
            msg("110105188001010023"),
            "身份证号中的出生日期 18800101 早于 1900 年"
        );
        assert_eq!(
            msg("110105194912310023"),
            "身份证号第18位校验码应为 X，实为 3"
        );
        assert_eq!(
            IdCardNo::parse("110105194912310023")
                .err()
                .as_ref()
                .map(Refusal::code),
            Some("ID_NO_CHECK_CHAR")
        );
    }

    #[test]
    fn province_codes() {
        for ok in [
            11, 15, 21, 23, 31, 33, 37, 41, 46, 50, 54, 61, 65, 71, 81, 82, 83,
        ] {
            assert!(is_province_code(ok), "{ok}");
        }
        for bad in [
            0, 10, 16, 20, 24, 30, 38, 40, 47, 49, 55, 60, 66, 70, 72, 80, 84, 91, 99,
        ] {
            assert!(!is_province_code(bad), "{bad}");
        }
    }

    #[test]
    fn compose_refuses_bad_parts() {
        assert_eq!(
            IdCardNo::compose("33100", date(1985, 6, 12), 1),
            Err(IdCardError::BadRegionCode {
                region: "33100".to_owned()
            })
        );
        assert_eq!(
            IdCardNo::compose("331002", date(1985, 6, 12), 1000),
            Err(IdCardError::BadSequence { seq: 1000 })
        );
        assert!(matches!(
            IdCardNo::compose("331002", date(1899, 12, 31), 1),
            Err(IdCardError::BirthYearTooEarly { .. })
        ));
        assert!(matches!(
            IdCardNo::compose("001002", date(1985, 6, 12), 1),
            Err(IdCardError::UnknownRegion { .. })
        ));
    }

    #[test]
    fn plausibility_needs_a_date() -> Result<(), IdCardError> {
        let id = IdCardNo::compose("331002", date(2000, 2, 29), 12)?;
        assert!(!id.is_plausible_on(date(2000, 2, 28)));
        assert!(id.is_plausible_on(date(2000, 2, 29)));
        assert_eq!(id.age_on(date(2001, 2, 28)), Some(0));
        assert_eq!(id.age_on(date(2001, 3, 1)), Some(1));
        assert!(id.is_plausible_on(date(2151, 2, 27)));
        assert!(!id.is_plausible_on(date(2151, 3, 1)));
        Ok(())
    }

    #[test]
    fn debug_is_masked_and_serde_goes_through_parse() -> Result<(), Box<dyn std::error::Error>> {
        let id = IdCardNo::parse("11010519491231002X")?;
        let debug = format!("{id:?}");
        assert_eq!(debug, "IdCardNo(\"110105********002X\")");
        assert!(!debug.contains("19491231"));
        assert_eq!(serde_json::to_string(&id)?, "\"11010519491231002X\"");
        assert_eq!(
            serde_json::from_str::<IdCardNo>("\"11010519491231002x\"")?,
            id
        );
        let err = serde_json::from_str::<IdCardNo>("\"110105194912310023\"");
        assert!(err.is_err_and(|e| e.to_string().contains("校验码应为 X")));
        Ok(())
    }

    fn valid_parts() -> impl Strategy<Value = (String, NaiveDate, u16)> {
        let provinces: Vec<u32> = (11..=83).filter(|&p| is_province_code(p)).collect();
        (
            proptest::sample::select(provinces),
            0u32..10_000,
            0u64..(200 * 366),
            0u16..=999,
        )
            .prop_map(|(p, rest, days, seq)| {
                let birth = date(1900, 1, 1) + chrono::Days::new(days);
                (format!("{p:02}{rest:04}"), birth, seq)
            })
    }

    proptest! {
        #[test]
        fn compose_then_parse_round_trips((region, birth, seq) in valid_parts()) {
            let id = IdCardNo::compose(&region, birth, seq);
            prop_assert!(id.is_ok(), "{:?}", id);
            let id = id.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(IdCardNo::parse(id.as_str()), Ok(id.clone()));
            prop_assert_eq!(id.region_code(), region.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
        }

        #[test]
        fn any_single_changed_character_is_refused(
            (region, birth, seq) in valid_parts(),
            pos in 0usize..18,
            replacement in proptest::sample::select("0123456789X".chars().collect::<Vec<_>>()),
        ) {
            let id = IdCardNo::compose(&region, birth, seq)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut chars: Vec<char> = id.as_str().chars().collect();
            prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(IdCardNo::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = IdCardNo::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[0-9]{17}[0-9Xx]") {
            if let Ok(id) = IdCardNo::parse(&s) {
                prop_assert_eq!(id.as_str(), s.to_uppercase());
            }
        }
    }
}
