//! GS1 DataMatrix element strings (imported drugs).
//!
//! AIs read: `01` GTIN-14 (fixed, check digit verified), `17` expiry YYMMDD (fixed; day `00`
//! = last day of the month), `11` production date YYMMDD (fixed; the same rules, kept because
//! NHSA messages need 生产日期), `10` batch and `21` serial (variable, at most 20 characters,
//! ended by FNC1 = GS, or TAB from a keyboard-wedge scanner with NumLock off). `01` and `21`
//! are required: together they are the package's identity. Years are 20YY.

use chrono::{Datelike, NaiveDate};

use super::{CodeError, GS, calendar_date, two_digits};

/// GTIN-14 with a valid GS1 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Reads 14 digits whose last is the GS1 mod-10 check digit of the other 13.
    pub fn parse(s: &str) -> Result<Gtin, CodeError> {
        check_fixed(AI_GTIN, s)?;
        let b = s.as_bytes();
        let expected = gtin_check_digit(&b[..13]);
        let got = b[13] - b'0';
        if expected != got {
            return Err(CodeError::GtinCheckDigit { expected, got });
        }
        Ok(Gtin(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Gtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// GS1 mod-10 check digit of the digits before it: from the right, weights 3, 1, 3, 1, …
pub fn gtin_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d.wrapping_sub(b'0') % 10);
            if i % 2 == 0 { v * 3 } else { v }
        })
        .sum();
    // `(10 - sum % 10) % 10` is always below 10.
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

/// A GS1 DataMatrix code read from its element string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gs1Code {
    /// (01) 商品编码.
    pub gtin: Gtin,
    /// (17) 有效期.
    pub expiry: Option<NaiveDate>,
    /// (11) 生产日期.
    pub production: Option<NaiveDate>,
    /// (10) 批号.
    pub batch: Option<String>,
    /// (21) 序列号.
    pub serial: String,
}

impl Gs1Code {
    /// `01<GTIN>21<serial>`: what makes this package one package.
    pub fn key(&self) -> String {
        format!("01{}21{}", self.gtin, self.serial)
    }

    /// The element string with `sep` after each variable field but the last (GS is FNC1).
    pub fn to_element_string(&self, sep: char) -> String {
        let mut s = format!("01{}", self.gtin);
        if let Some(d) = self.expiry {
            s.push_str(&format!("17{}", yymmdd(d)));
        }
        if let Some(d) = self.production {
            s.push_str(&format!("11{}", yymmdd(d)));
        }
        if let Some(b) = &self.batch {
            s.push_str(&format!("10{b}{sep}"));
        }
        s.push_str(&format!("21{}", self.serial));
        s
    }

    /// The human-readable `(01)…(17)…(10)…(21)…` form.
    pub fn to_bracketed(&self) -> String {
        let mut s = format!("(01){}", self.gtin);
        if let Some(d) = self.expiry {
            s.push_str(&format!("(17){}", yymmdd(d)));
        }
        if let Some(d) = self.production {
            s.push_str(&format!("(11){}", yymmdd(d)));
        }
        if let Some(b) = &self.batch {
            s.push_str(&format!("(10){b}"));
        }
        s.push_str(&format!("(21){}", self.serial));
        s
    }
}

fn yymmdd(d: NaiveDate) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        d.month(),
        d.day()
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Gtin,
    Expiry,
    Production,
    Batch,
    Serial,
}

#[derive(Clone, Copy)]
struct Ai {
    code: &'static str,
    name: &'static str,
    /// `Some(n)`: exactly n digits; `None`: variable, at most 20 characters.
    fixed: Option<usize>,
    field: Field,
}

const AI_GTIN: Ai = Ai {
    code: "01",
    name: "商品编码（GTIN）",
    fixed: Some(14),
    field: Field::Gtin,
};
const AI_EXPIRY: Ai = Ai {
    code: "17",
    name: "有效期",
    fixed: Some(6),
    field: Field::Expiry,
};
const AI_PRODUCTION: Ai = Ai {
    code: "11",
    name: "生产日期",
    fixed: Some(6),
    field: Field::Production,
};
const AI_BATCH: Ai = Ai {
    code: "10",
    name: "批号",
    fixed: None,
    field: Field::Batch,
};
const AI_SERIAL: Ai = Ai {
    code: "21",
    name: "序列号",
    fixed: None,
    field: Field::Serial,
};

fn ai(code: &str) -> Option<Ai> {
    [AI_GTIN, AI_EXPIRY, AI_PRODUCTION, AI_BATCH, AI_SERIAL]
        .into_iter()
        .find(|a| a.code == code)
}

/// GS1 variable fields: at most 20 characters.
const MAX_VARIABLE: usize = 20;

/// GS1 character set 82 (what AIs 10 and 21 may hold).
fn in_set_82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

fn is_sep(c: char) -> bool {
    c == GS || c == '\t'
}

/// Shows a character in a message; control characters as `?`.
fn visible(c: char) -> char {
    if c.is_control() { '?' } else { c }
}

#[derive(Default)]
struct Builder {
    gtin: Option<Gtin>,
    expiry: Option<NaiveDate>,
    production: Option<NaiveDate>,
    batch: Option<String>,
    serial: Option<String>,
}

fn check_fixed(ai: Ai, value: &str) -> Result<(), CodeError> {
    let expected = ai.fixed.unwrap_or(0);
    let got = value.chars().count();
    if let Some(ch) = value.chars().find(|c| !c.is_ascii_digit()) {
        return Err(CodeError::Gs1FixedNonDigit {
            ai: ai.code,
            name: ai.name,
            ch: visible(ch),
        });
    }
    if got != expected {
        return Err(CodeError::Gs1FixedLength {
            ai: ai.code,
            name: ai.name,
            expected,
            got,
        });
    }
    Ok(())
}

fn date(ai: Ai, value: &str) -> Result<NaiveDate, CodeError> {
    check_fixed(ai, value)?;
    let b = value.as_bytes();
    let year = 2000 + i32::try_from(two_digits(&b[0..2])).unwrap_or(0);
    calendar_date(
        ai.name,
        year,
        two_digits(&b[2..4]),
        two_digits(&b[4..6]),
        true,
    )
}

impl Builder {
    fn set(&mut self, ai: Ai, value: &str) -> Result<(), CodeError> {
        let taken = match ai.field {
            Field::Gtin => self.gtin.is_some(),
            Field::Expiry => self.expiry.is_some(),
            Field::Production => self.production.is_some(),
            Field::Batch => self.batch.is_some(),
            Field::Serial => self.serial.is_some(),
        };
        if taken {
            return Err(CodeError::Gs1DuplicateAi {
                ai: ai.code,
                name: ai.name,
            });
        }
        match ai.field {
            Field::Gtin => self.gtin = Some(Gtin::parse(value)?),
            Field::Expiry => self.expiry = Some(date(ai, value)?),
            Field::Production => self.production = Some(date(ai, value)?),
            Field::Batch => self.batch = Some(variable(ai, value)?),
            Field::Serial => self.serial = Some(variable(ai, value)?),
        }
        Ok(())
    }

    fn finish(self) -> Result<Gs1Code, CodeError> {
        let gtin = self.gtin.ok_or(CodeError::Gs1Missing {
            ai: AI_GTIN.code,
            name: AI_GTIN.name,
        })?;
        let serial = self.serial.ok_or(CodeError::Gs1Missing {
            ai: AI_SERIAL.code,
            name: AI_SERIAL.name,
        })?;
        Ok(Gs1Code {
            gtin,
            expiry: self.expiry,
            production: self.production,
            batch: self.batch,
            serial,
        })
    }
}

fn variable(ai: Ai, value: &str) -> Result<String, CodeError> {
    let len = value.chars().count();
    if len == 0 {
        return Err(CodeError::Gs1Empty {
            ai: ai.code,
            name: ai.name,
        });
    }
    if len > MAX_VARIABLE {
        return Err(CodeError::Gs1TooLong {
            ai: ai.code,
            name: ai.name,
            len,
        });
    }
    if let Some(ch) = value.chars().find(|c| !in_set_82(*c)) {
        return Err(CodeError::Gs1BadChar {
            ai: ai.code,
            name: ai.name,
            ch: visible(ch),
        });
    }
    Ok(value.to_owned())
}

/// The element string as a scanner delivers it, after any `]d2` prefix.
pub(super) fn parse_element_string(s: &str) -> Result<Gs1Code, CodeError> {
    let chars: Vec<char> = s.chars().collect();
    let mut b = Builder::default();
    let mut i = 0;
    while i < chars.len() {
        if is_sep(chars[i]) {
            i += 1;
            continue;
        }
        let code: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let Some(ai) = ai(&code) else {
            let shown: String = chars[i..chars.len().min(i + 4)]
                .iter()
                .map(|c| visible(*c))
                .collect();
            return Err(CodeError::Gs1UnknownAi {
                pos: i + 1,
                ai: shown,
            });
        };
        i += 2;
        let end = chars[i..]
            .iter()
            .position(|c| is_sep(*c))
            .map_or(chars.len(), |p| i + p);
        // A fixed field takes exactly its length; the next AI may follow with no separator.
        let stop = match ai.fixed {
            Some(n) => end.min(i + n),
            None => end,
        };
        let value: String = chars[i..stop].iter().collect();
        b.set(ai, &value)?;
        i = stop;
    }
    b.finish()
}

/// Where the next `(` + 2–4 digits + `)` starts in `s`, if anywhere.
fn next_ai_start(s: &str) -> Option<usize> {
    s.char_indices()
        .filter(|(_, c)| *c == '(')
        .map(|(i, _)| i)
        .find(|&i| {
            let rest = &s[i + 1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            (2..=4).contains(&digits) && rest[digits..].starts_with(')')
        })
}

/// The typed form `(01)06901234567892(17)271231(10)B123(21)S456`; spaces between the parts
/// are allowed.
pub(super) fn parse_bracketed(s: &str) -> Result<Gs1Code, CodeError> {
    let mut b = Builder::default();
    let mut rest = s;
    let mut offset = 0usize;
    loop {
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        rest = trimmed;
        if rest.is_empty() {
            break;
        }
        let Some(after_open) = rest.strip_prefix('(') else {
            return Err(CodeError::Gs1Brackets {
                detail: "应以「(应用标识符)」开头",
            });
        };
        let Some(close) = after_open.find(')') else {
            return Err(CodeError::Gs1Brackets {
                detail: "缺少右括号「)」",
            });
        };
        let code = &after_open[..close];
        if code.is_empty() || !code.bytes().all(|c| c.is_ascii_digit()) {
            return Err(CodeError::Gs1Brackets {
                detail: "括号内应为应用标识符数字，如 (01)",
            });
        }
        let Some(ai) = ai(code) else {
            return Err(CodeError::Gs1UnknownAi {
                pos: s[..offset].chars().count() + 1,
                ai: format!("({code})"),
            });
        };
        let value_part = &after_open[close + 1..];
        let end = next_ai_start(value_part).unwrap_or(value_part.len());
        b.set(ai, value_part[..end].trim())?;
        let consumed = 1 + close + 1 + end;
        offset += consumed;
        rest = &rest[consumed..];
    }
    b.finish()
}
