//! Why a scanned code was refused, in words a pharmacist understands.

use yiqiao_core::{ErrorKind, Refusal};

/// A refused scan. Every variant names what is wrong with the code itself; whether the drug is
/// known, in stock or on this prescription is decided elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Nothing but whitespace or scanner suffixes.
    #[error("未读到追溯码（输入为空）")]
    Empty,
    /// Far longer than any trace code: a wrong barcode or text pasted by mistake.
    #[error("输入过长（{len} 个字符），不是药品追溯码")]
    TooLong { len: usize },
    /// A character that is not a digit where only digits may be (`pos` counts from 1).
    #[error("含非数字字符「{ch}」（第 {pos} 位）")]
    NonDigit { pos: usize, ch: char },
    /// A full-width digit or letter: the input method was in 全角 mode.
    #[error("含全角字符「{ch}」（第 {pos} 位），请把输入法切换为半角后重新扫码")]
    FullWidth { pos: usize, ch: char },
    /// A 13-digit number: the product barcode (商品条码), not the trace code.
    #[error("13 位，应为 20 位：这是商品条形码，请扫描药品追溯码")]
    ProductBarcode,
    /// A digit string of the wrong length.
    #[error("{len} 位，应为 20 位")]
    WrongLength { len: usize },
    /// 20 digits, but real 码上放心 codes start with 8.
    #[error("20 位药品追溯码应以 8 开头，此码以「{first}」开头")]
    NotStartingWith8 { first: char },
    /// A symbology identifier other than `]d2`.
    #[error("不支持的条码类型标识「{id}」，只接受 GS1 DataMatrix（]d2）")]
    UnknownSymbology { id: String },
    /// An application identifier this system does not read.
    #[error("GS1 码含不支持的应用标识符（第 {pos} 位起「{ai}」）")]
    Gs1UnknownAi { pos: usize, ai: String },
    /// The same AI twice.
    #[error("GS1 码的 ({ai}) {name}出现了两次")]
    Gs1DuplicateAi {
        ai: &'static str,
        name: &'static str,
    },
    /// A required AI is absent.
    #[error("GS1 码缺少 ({ai}) {name}")]
    Gs1Missing {
        ai: &'static str,
        name: &'static str,
    },
    /// A fixed-length AI with the wrong number of characters.
    #[error("GS1 码的 ({ai}) {name}应为 {expected} 位数字，实为 {got} 位")]
    Gs1FixedLength {
        ai: &'static str,
        name: &'static str,
        expected: usize,
        got: usize,
    },
    /// A fixed-length numeric AI with a non-digit.
    #[error("GS1 码的 ({ai}) {name}含非数字字符「{ch}」")]
    Gs1FixedNonDigit {
        ai: &'static str,
        name: &'static str,
        ch: char,
    },
    /// The GTIN's last digit does not match the others (GS1 mod-10).
    #[error("GTIN 校验位错误：末位应为 {expected}，实为 {got}（条码可能读错，请重扫）")]
    GtinCheckDigit { expected: u8, got: u8 },
    /// A variable-length AI with nothing in it.
    #[error("GS1 码的 ({ai}) {name}为空")]
    Gs1Empty {
        ai: &'static str,
        name: &'static str,
    },
    /// A variable-length AI longer than 20 characters.
    #[error("GS1 码的 ({ai}) {name}有 {len} 位，最多 20 位")]
    Gs1TooLong {
        ai: &'static str,
        name: &'static str,
        len: usize,
    },
    /// A character outside the GS1 character set (set 82).
    #[error("GS1 码的 ({ai}) {name}含不允许的字符「{ch}」")]
    Gs1BadChar {
        ai: &'static str,
        name: &'static str,
        ch: char,
    },
    /// The typed `(01)…(21)…` form is malformed.
    #[error("GS1 码括号格式有误：{detail}")]
    Gs1Brackets { detail: &'static str },
    /// A month outside 01–12.
    #[error("{what}月份「{month:02}」不存在")]
    BadMonth { what: &'static str, month: u32 },
    /// A day the month does not have.
    #[error("{what} {year} 年 {month} 月 {day} 日不存在")]
    BadDay {
        what: &'static str,
        year: i32,
        month: u32,
        day: u32,
    },
    /// An MA code not under `MA.156.M0.`.
    #[error("MA 码应以「MA.156.M0.」开头")]
    MaPrefix,
    /// The issuing organisation or the product part is absent.
    #[error("MA 码缺少{part}")]
    MaMissingPart { part: &'static str },
    /// A field whose tag letter is not one of S, M, P, L, D, E, V, C.
    #[error("MA 码含无法识别的字段「{field}」")]
    MaUnknownField { field: String },
    /// The same field twice.
    #[error("MA 码的 {tag} 字段（{name}）出现了两次")]
    MaDuplicateField { tag: char, name: &'static str },
    /// A field with a tag and nothing after it, or two dots in a row.
    #[error("MA 码含空字段（第 {index} 段）")]
    MaEmptyField { index: usize },
    /// The serial number is what makes a code one package: it must be there.
    #[error("MA 码缺少 S 序列号")]
    MaMissingSerial,
    /// The check field must close the code.
    #[error("MA 码的 C 校验字段应在最后")]
    MaCheckNotLast,
    /// A date field that is neither YYMMDD nor YYYYMMDD.
    #[error("MA 码的{name}「{value}」应为 6 位（YYMMDD）或 8 位（YYYYMMDD）数字")]
    MaDateFormat { name: &'static str, value: String },
    /// A character that has no place in an MA code.
    #[error("MA 码含不允许的字符「{ch}」")]
    MaBadChar { ch: char },
}

impl Refusal for CodeError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }

    fn code(&self) -> &'static str {
        match self {
            CodeError::Empty => "CODE_EMPTY",
            CodeError::TooLong { .. } => "CODE_TOO_LONG",
            CodeError::NonDigit { .. } => "CODE_NON_DIGIT",
            CodeError::FullWidth { .. } => "CODE_FULL_WIDTH",
            CodeError::ProductBarcode => "CODE_PRODUCT_BARCODE",
            CodeError::WrongLength { .. } => "CODE_LENGTH",
            CodeError::NotStartingWith8 { .. } => "CODE_PREFIX",
            CodeError::UnknownSymbology { .. } => "CODE_SYMBOLOGY",
            CodeError::Gs1UnknownAi { .. } => "GS1_UNKNOWN_AI",
            CodeError::Gs1DuplicateAi { .. } => "GS1_DUPLICATE_AI",
            CodeError::Gs1Missing { .. } => "GS1_MISSING_AI",
            CodeError::Gs1FixedLength { .. } => "GS1_LENGTH",
            CodeError::Gs1FixedNonDigit { .. } => "GS1_NON_DIGIT",
            CodeError::GtinCheckDigit { .. } => "GTIN_CHECK_DIGIT",
            CodeError::Gs1Empty { .. } => "GS1_EMPTY",
            CodeError::Gs1TooLong { .. } => "GS1_TOO_LONG",
            CodeError::Gs1BadChar { .. } => "GS1_BAD_CHAR",
            CodeError::Gs1Brackets { .. } => "GS1_BRACKETS",
            CodeError::BadMonth { .. } | CodeError::BadDay { .. } => "CODE_BAD_DATE",
            CodeError::MaPrefix => "MA_PREFIX",
            CodeError::MaMissingPart { .. } => "MA_MISSING_PART",
            CodeError::MaUnknownField { .. } => "MA_UNKNOWN_FIELD",
            CodeError::MaDuplicateField { .. } => "MA_DUPLICATE_FIELD",
            CodeError::MaEmptyField { .. } => "MA_EMPTY_FIELD",
            CodeError::MaMissingSerial => "MA_MISSING_SERIAL",
            CodeError::MaCheckNotLast => "MA_CHECK_NOT_LAST",
            CodeError::MaDateFormat { .. } => "MA_DATE",
            CodeError::MaBadChar { .. } => "MA_BAD_CHAR",
        }
    }
}
