//! What a scanner delivers, turned into a typed trace code or a refusal.
//!
//! Three forms are accepted (spec "Code formats"): the 20-digit 码上放心 code, the GS1
//! DataMatrix element string of imported drugs (GS or TAB separators, the `]d2` symbology
//! prefix, or the typed `(01)…(21)…` form) and the MA code (IDcode). Anything else is refused
//! with a [`CodeError`] naming what is wrong.

mod error;
mod gs1;
mod ma;
mod nmpa;
mod report;

use chrono::NaiveDate;

pub use error::CodeError;
pub use gs1::{Gs1Code, Gtin, gtin_check_digit};
pub use ma::MaCode;
pub use nmpa::Nmpa20Code;
pub use report::ParseReport;

/// ASCII group separator: how a scanner delivers GS1's FNC1.
pub(crate) const GS: char = '\u{1d}';

/// No trace code is anywhere near this long; longer input is refused before any work.
pub const MAX_INPUT_CHARS: usize = 300;

/// The form a code came in, as printed by `yiqiao tracecode parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeFormat {
    /// 20-digit 码上放心 code (NMPAB/T 1002-2019).
    Nmpa20,
    /// GS1 DataMatrix element string.
    Gs1,
    /// MA code (IDcode, ISO/IEC 15459).
    Ma,
}

impl CodeFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeFormat::Nmpa20 => "nmpa20",
            CodeFormat::Gs1 => "gs1",
            CodeFormat::Ma => "ma",
        }
    }
}

/// 药品追溯码: one scanned package's code, in one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TraceCode {
    Nmpa20(Nmpa20Code),
    Gs1(Gs1Code),
    Ma(MaCode),
}

impl TraceCode {
    /// Reads what a scanner or a person delivered. Surrounding whitespace and scanner suffixes
    /// (CR, LF, TAB) are ignored.
    pub fn parse(input: &str) -> Result<TraceCode, CodeError> {
        let len = input.chars().count();
        if len > MAX_INPUT_CHARS {
            return Err(CodeError::TooLong { len });
        }
        // A trailing GS is an FNC1 some encoders leave after the last field: harmless.
        let s = input.trim_matches(|c: char| c.is_whitespace() || c == GS);
        let leading_gs = input
            .trim_start_matches(char::is_whitespace)
            .starts_with(GS);
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if let Some(rest) = s.strip_prefix("]d2") {
            return gs1::parse_element_string(rest).map(TraceCode::Gs1);
        }
        if s.starts_with(']') {
            let id: String = s.chars().take(3).collect();
            return Err(CodeError::UnknownSymbology { id });
        }
        if leading_gs {
            return gs1::parse_element_string(s).map(TraceCode::Gs1);
        }
        if s.starts_with('(') {
            return gs1::parse_bracketed(s).map(TraceCode::Gs1);
        }
        if s.starts_with("MA.") {
            return ma::parse(s).map(TraceCode::Ma);
        }
        if s.contains([GS, '\t']) {
            return gs1::parse_element_string(s).map(TraceCode::Gs1);
        }
        // GS1 with no separator left (a fixed-length-only code, or one whose FNC1 was lost):
        // an element string begins with AI 01 and is at least 01 + GTIN-14 + a short field.
        // A 20-digit string is read as the domestic code, whose refusal explains itself.
        let all_digits = s.bytes().all(|b| b.is_ascii_digit());
        if s.starts_with("01") && s.len() >= 18 && !(all_digits && s.len() == 20) {
            return gs1::parse_element_string(s).map(TraceCode::Gs1);
        }
        nmpa::parse(s).map(TraceCode::Nmpa20)
    }

    pub fn format(&self) -> CodeFormat {
        match self {
            TraceCode::Nmpa20(_) => CodeFormat::Nmpa20,
            TraceCode::Gs1(_) => CodeFormat::Gs1,
            TraceCode::Ma(_) => CodeFormat::Ma,
        }
    }

    /// The code's identity, one string per physical package whatever form it was scanned in:
    /// the 20 digits; `01<GTIN>21<serial>` for GS1; the MA code up to and including its
    /// serial. This is what "never received twice, never dispensed twice" is decided on.
    pub fn key(&self) -> String {
        match self {
            TraceCode::Nmpa20(c) => c.as_str().to_owned(),
            TraceCode::Gs1(c) => c.key(),
            TraceCode::Ma(c) => c.key(),
        }
    }

    /// 药品标识码: the first 7 digits of a 20-digit code.
    pub fn prefix7(&self) -> Option<&str> {
        match self {
            TraceCode::Nmpa20(c) => Some(c.prefix7()),
            _ => None,
        }
    }

    /// The first 8 digits of a 20-digit code (matched before the 7-digit prefix).
    pub fn prefix8(&self) -> Option<&str> {
        match self {
            TraceCode::Nmpa20(c) => Some(c.prefix8()),
            _ => None,
        }
    }

    pub fn gtin(&self) -> Option<&Gtin> {
        match self {
            TraceCode::Gs1(c) => Some(&c.gtin),
            _ => None,
        }
    }

    /// 序列号.
    pub fn serial(&self) -> &str {
        match self {
            TraceCode::Nmpa20(c) => c.serial(),
            TraceCode::Gs1(c) => &c.serial,
            TraceCode::Ma(c) => &c.serial,
        }
    }

    /// 生产批号, when the code carries it.
    pub fn batch(&self) -> Option<&str> {
        match self {
            TraceCode::Nmpa20(_) => None,
            TraceCode::Gs1(c) => c.batch.as_deref(),
            TraceCode::Ma(c) => c.lot.as_deref(),
        }
    }

    /// 有效期, when the code carries it.
    pub fn expiry(&self) -> Option<NaiveDate> {
        match self {
            TraceCode::Nmpa20(_) => None,
            TraceCode::Gs1(c) => c.expiry,
            TraceCode::Ma(c) => c.expiry,
        }
    }
}

impl std::str::FromStr for TraceCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TraceCode::parse(s)
    }
}

/// A calendar date from its parts, refused with the field's name when it does not exist.
/// `day == 0` with `zero_is_last` is GS1's "last day of the month".
pub(crate) fn calendar_date(
    what: &'static str,
    year: i32,
    month: u32,
    day: u32,
    zero_is_last: bool,
) -> Result<NaiveDate, CodeError> {
    if !(1..=12).contains(&month) {
        return Err(CodeError::BadMonth { what, month });
    }
    if day == 0 && zero_is_last {
        let (ny, nm) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        return NaiveDate::from_ymd_opt(ny, nm, 1)
            .and_then(|d| d.pred_opt())
            .ok_or(CodeError::BadDay {
                what,
                year,
                month,
                day,
            });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(CodeError::BadDay {
        what,
        year,
        month,
        day,
    })
}

/// Two ASCII digits as a number (callers have checked they are digits).
pub(crate) fn two_digits(b: &[u8]) -> u32 {
    b.iter()
        .take(2)
        .fold(0, |n, d| n * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// Is this a full-width (全角) form of an ASCII character?
pub(crate) fn is_full_width(c: char) -> bool {
    ('\u{ff01}'..='\u{ff5e}').contains(&c) || c == '\u{3000}'
}

#[cfg(test)]
mod tests;
