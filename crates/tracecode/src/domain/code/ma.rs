//! MA codes (IDcode, ISO/IEC 15459): `MA.156.M0.<org>.<product+check>` followed by
//! dot-separated fields, each a tag letter and a value: `S` serial, `M`/`P` production date,
//! `L` lot, `D` sterilisation lot, `E` expiry, `V` (kept as given), `C` check (last).
//!
//! Dates are `YYMMDD` (20YY) or `YYYYMMDD`. The check field's algorithm is not public, so it
//! is kept, not verified.

use chrono::{Datelike, NaiveDate};

use super::{CodeError, calendar_date, two_digits};

const PREFIX: &str = "MA.156.M0.";

/// An MA code read into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MaCode {
    /// 发码机构代码.
    pub org: String,
    /// 产品代码 (with its check character).
    pub product: String,
    /// S 序列号.
    pub serial: String,
    /// M/P 生产日期, with the tag it came under.
    pub production: Option<(char, NaiveDate)>,
    /// L 生产批号.
    pub lot: Option<String>,
    /// D 灭菌批号.
    pub sterilisation_lot: Option<String>,
    /// E 有效期.
    pub expiry: Option<NaiveDate>,
    /// V field, as given.
    pub v: Option<String>,
    /// C 校验.
    pub check: Option<String>,
}

impl MaCode {
    /// `MA.156.M0.<org>.<product>`: what identifies the drug (matched against the catalogue).
    pub fn product_id(&self) -> String {
        format!("{PREFIX}{}.{}", self.org, self.product)
    }

    /// The product and serial: what makes this package one package.
    pub fn key(&self) -> String {
        format!("{}.S{}", self.product_id(), self.serial)
    }
}

impl std::fmt::Display for MaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.S{}", self.product_id(), self.serial)?;
        if let Some((tag, d)) = self.production {
            write!(f, ".{tag}{}", yyyymmdd(d))?;
        }
        if let Some(l) = &self.lot {
            write!(f, ".L{l}")?;
        }
        if let Some(l) = &self.sterilisation_lot {
            write!(f, ".D{l}")?;
        }
        if let Some(d) = self.expiry {
            write!(f, ".E{}", yyyymmdd(d))?;
        }
        if let Some(v) = &self.v {
            write!(f, ".V{v}")?;
        }
        if let Some(c) = &self.check {
            write!(f, ".C{c}")?;
        }
        Ok(())
    }
}

fn yyyymmdd(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

fn value_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/'
}

fn checked(value: &str) -> Result<String, CodeError> {
    match value.chars().find(|c| !value_char_ok(*c)) {
        Some(ch) => Err(CodeError::MaBadChar { ch }),
        None => Ok(value.to_owned()),
    }
}

fn date(name: &'static str, value: &str) -> Result<NaiveDate, CodeError> {
    let b = value.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) || !(b.len() == 6 || b.len() == 8) {
        return Err(CodeError::MaDateFormat {
            name,
            value: value.chars().take(12).collect(),
        });
    }
    let (year, rest) = if b.len() == 6 {
        (
            2000 + i32::try_from(two_digits(&b[..2])).unwrap_or(0),
            &b[2..],
        )
    } else {
        let y = i32::try_from(two_digits(&b[..2]) * 100 + two_digits(&b[2..4])).unwrap_or(0);
        (y, &b[4..])
    };
    calendar_date(
        name,
        year,
        two_digits(&rest[..2]),
        two_digits(&rest[2..]),
        false,
    )
}

fn tag_name(tag: char) -> &'static str {
    match tag {
        'S' => "序列号",
        'M' | 'P' => "生产日期",
        'L' => "生产批号",
        'D' => "灭菌批号",
        'E' => "有效期",
        'V' => "V 字段",
        _ => "校验",
    }
}

/// `s` is trimmed and starts with `MA.`.
pub(super) fn parse(s: &str) -> Result<MaCode, CodeError> {
    let Some(rest) = s.strip_prefix(PREFIX) else {
        return Err(CodeError::MaPrefix);
    };
    let mut parts = rest.split('.');
    let org = parts.next().unwrap_or("");
    if org.is_empty() {
        return Err(CodeError::MaMissingPart {
            part: "发码机构代码",
        });
    }
    let org = checked(org)?;
    let product = parts.next().unwrap_or("");
    if product.is_empty() {
        return Err(CodeError::MaMissingPart {
            part: "产品代码"
        });
    }
    let product = checked(product)?;
    let mut code = MaCode {
        org,
        product,
        serial: String::new(),
        production: None,
        lot: None,
        sterilisation_lot: None,
        expiry: None,
        v: None,
        check: None,
    };
    let mut serial = None;
    // Segments 1–5 are MA, 156, M0, org, product.
    for (index, field) in parts.enumerate().map(|(i, f)| (i + 6, f)) {
        if code.check.is_some() {
            return Err(CodeError::MaCheckNotLast);
        }
        let mut chars = field.chars();
        let Some(tag) = chars.next() else {
            return Err(CodeError::MaEmptyField { index });
        };
        let value = chars.as_str();
        if !"SMPLDEVC".contains(tag) {
            return Err(CodeError::MaUnknownField {
                field: field.chars().take(12).collect(),
            });
        }
        if value.is_empty() {
            return Err(CodeError::MaEmptyField { index });
        }
        let name = tag_name(tag);
        let taken = match tag {
            'S' => serial.is_some(),
            'M' | 'P' => code.production.is_some(),
            'L' => code.lot.is_some(),
            'D' => code.sterilisation_lot.is_some(),
            'E' => code.expiry.is_some(),
            'V' => code.v.is_some(),
            _ => code.check.is_some(),
        };
        if taken {
            return Err(CodeError::MaDuplicateField { tag, name });
        }
        match tag {
            'S' => serial = Some(checked(value)?),
            'M' | 'P' => code.production = Some((tag, date(name, value)?)),
            'L' => code.lot = Some(checked(value)?),
            'D' => code.sterilisation_lot = Some(checked(value)?),
            'E' => code.expiry = Some(date(name, value)?),
            'V' => code.v = Some(checked(value)?),
            _ => code.check = Some(checked(value)?),
        }
    }
    code.serial = serial.ok_or(CodeError::MaMissingSerial)?;
    Ok(code)
}
