//! The 20-digit 码上放心 code (NMPAB/T 1002-2019): 药品标识码 (7) + 序列号 (13).
//!
//! No public check-digit algorithm exists, so none is checked (spec: "do not invent one").

use super::{CodeError, is_full_width};

/// A 20-digit drug trace code. Always exactly 20 ASCII digits starting with `8`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nmpa20Code(String);

impl Nmpa20Code {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 药品标识码: identifies drug and packaging level.
    pub fn prefix7(&self) -> &str {
        &self.0[..7]
    }

    /// The 8-digit prefix some catalogues map instead (longest match wins).
    pub fn prefix8(&self) -> &str {
        &self.0[..8]
    }

    /// 序列号: the last 13 digits.
    pub fn serial(&self) -> &str {
        &self.0[7..]
    }
}

impl std::fmt::Display for Nmpa20Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `s` is trimmed and not empty.
pub(super) fn parse(s: &str) -> Result<Nmpa20Code, CodeError> {
    if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        let pos = i + 1;
        return Err(if is_full_width(ch) {
            CodeError::FullWidth { pos, ch }
        } else {
            CodeError::NonDigit { pos, ch }
        });
    }
    match s.len() {
        20 => {}
        13 => return Err(CodeError::ProductBarcode),
        len => return Err(CodeError::WrongLength { len }),
    }
    match s.chars().next() {
        Some('8') => Ok(Nmpa20Code(s.to_owned())),
        Some(first) => Err(CodeError::NotStartingWith8 { first }),
        None => Err(CodeError::Empty),
    }
}
