//! The catalogue's part of trace codes: each drug's trace policy, and the identification codes
//! (药品标识码) that tell which drug a scanned code belongs to.
//!
//! A 20-digit code is matched on its 8-digit prefix first, then its 7-digit prefix (longest
//! match wins); GS1 on its GTIN; MA on its product part (`MA.156.M0.<org>.<product>`).

use yiqiao_core::{ErrorKind, FieldError, Refusal};

use super::code::{Gtin, TraceCode};

/// 追溯码采集策略 of a drug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TracePolicy {
    /// 扫码: every smallest package is scanned (the default).
    Scan,
    /// 无码目录: the drug carries no trace code.
    ExemptNoCode,
    /// 中药饮片: herbal pieces, not coded.
    ExemptHerbal,
}

impl TracePolicy {
    pub const ALL: [TracePolicy; 3] = [
        TracePolicy::Scan,
        TracePolicy::ExemptNoCode,
        TracePolicy::ExemptHerbal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TracePolicy::Scan => "scan",
            TracePolicy::ExemptNoCode => "exempt_no_code",
            TracePolicy::ExemptHerbal => "exempt_herbal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TracePolicy::Scan => "扫码",
            TracePolicy::ExemptNoCode => "免扫（无码目录）",
            TracePolicy::ExemptHerbal => "免扫（中药饮片）",
        }
    }

    pub fn parse(s: &str) -> Result<TracePolicy, CatalogueError> {
        TracePolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| CatalogueError::BadPolicy {
                given: s.chars().take(40).collect(),
            })
    }

    pub fn is_exempt(self) -> bool {
        self != TracePolicy::Scan
    }
}

/// A policy with its reason: an exemption must say why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySetting {
    pub policy: TracePolicy,
    pub reason: Option<String>,
}

/// The longest reason kept.
pub const MAX_REASON_CHARS: usize = 200;

impl PolicySetting {
    pub fn parse(policy: &str, reason: Option<&str>) -> Result<PolicySetting, CatalogueError> {
        let policy = TracePolicy::parse(policy)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason {
            let len = r.chars().count();
            if len > MAX_REASON_CHARS {
                return Err(CatalogueError::ReasonTooLong { len });
            }
        }
        if policy.is_exempt() && reason.is_none() {
            return Err(CatalogueError::ReasonRequired);
        }
        Ok(PolicySetting {
            policy,
            reason: reason.map(str::to_owned),
        })
    }

    pub fn default_scan() -> PolicySetting {
        PolicySetting {
            policy: TracePolicy::Scan,
            reason: None,
        }
    }
}

/// 包装层级 of an identification code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackLevel {
    /// 最小包装: the package scanned at dispensing.
    Smallest,
    /// 中包装.
    Middle,
    /// 大包装（箱）: its code stands for child codes, never dispensed itself.
    Case,
}

impl PackLevel {
    pub const ALL: [PackLevel; 3] = [PackLevel::Smallest, PackLevel::Middle, PackLevel::Case];

    pub fn as_str(self) -> &'static str {
        match self {
            PackLevel::Smallest => "smallest",
            PackLevel::Middle => "middle",
            PackLevel::Case => "case",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PackLevel::Smallest => "最小包装",
            PackLevel::Middle => "中包装",
            PackLevel::Case => "大包装",
        }
    }

    /// Accepts `smallest`/`middle`/`case` and the Chinese labels (as people write them in
    /// spreadsheets), with 箱 for a case.
    pub fn parse(s: &str) -> Result<PackLevel, CatalogueError> {
        let t = s.trim();
        PackLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == t || l.label() == t)
            .or(match t {
                "箱" | "箱包装" => Some(PackLevel::Case),
                "最小" | "最小销售包装" => Some(PackLevel::Smallest),
                _ => None,
            })
            .ok_or_else(|| CatalogueError::BadLevel {
                given: t.chars().take(40).collect(),
            })
    }
}

/// How an identification code matches scanned codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentKind {
    /// 7- or 8-digit prefix of the 20-digit code (药品标识码).
    Prefix,
    /// GS1 GTIN-14.
    Gtin,
    /// MA product part.
    Ma,
}

impl IdentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentKind::Prefix => "prefix",
            IdentKind::Gtin => "gtin",
            IdentKind::Ma => "ma",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IdentKind::Prefix => "药品标识码",
            IdentKind::Gtin => "GTIN",
            IdentKind::Ma => "MA 产品码",
        }
    }

    pub fn parse(s: &str) -> Option<IdentKind> {
        [IdentKind::Prefix, IdentKind::Gtin, IdentKind::Ma]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An identification code, its kind read from its shape: 7 or 8 digits starting with 8
/// (prefix), 14 digits with a valid check digit (GTIN; a 13-digit EAN gains its leading 0),
/// `MA.156.M0.<org>.<product>` (MA).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentCode {
    kind: IdentKind,
    value: String,
}

impl IdentCode {
    pub fn parse(raw: &str) -> Result<IdentCode, CatalogueError> {
        let s = raw.trim();
        let bad = |why: &'static str| CatalogueError::BadIdentCode {
            given: s.chars().take(40).collect(),
            why,
        };
        if s.is_empty() {
            return Err(bad("标识码为空"));
        }
        if let Some(rest) = s.strip_prefix("MA.156.M0.") {
            let parts: Vec<&str> = rest.split('.').collect();
            let ok = parts.len() == 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/')
                });
            return if ok {
                Ok(IdentCode {
                    kind: IdentKind::Ma,
                    value: s.to_owned(),
                })
            } else {
                Err(bad("MA 产品码应为 MA.156.M0.机构代码.产品代码"))
            };
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "应为 7 或 8 位药品标识码、14 位 GTIN 或 MA.156.M0. 开头的产品码",
            ));
        }
        match s.len() {
            7 | 8 if s.starts_with('8') => Ok(IdentCode {
                kind: IdentKind::Prefix,
                value: s.to_owned(),
            }),
            7 | 8 => Err(bad("药品标识码应以 8 开头")),
            13 | 14 => {
                let padded = format!("{s:0>14}");
                Gtin::parse(&padded)
                    .map(|g| IdentCode {
                        kind: IdentKind::Gtin,
                        value: g.as_str().to_owned(),
                    })
                    .map_err(|_| bad("GTIN 校验位错误"))
            }
            _ => Err(bad("位数不对：药品标识码 7 或 8 位，GTIN 14 位")),
        }
    }

    /// Rebuild from a stored row (kind and value were checked when written).
    pub fn from_stored(kind: IdentKind, value: String) -> IdentCode {
        IdentCode { kind, value }
    }

    pub fn kind(&self) -> IdentKind {
        self.kind
    }

    pub fn value(&self) -> &str {
        &self.value
    }
}

/// The largest count of smallest units one package may hold.
pub const MAX_UNITS: i64 = 1_000_000;

/// A new identification code for a drug: the code, its packaging level, and the smallest units
/// one package of that level holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdent {
    pub code: IdentCode,
    pub level: PackLevel,
    pub units: i64,
}

impl NewIdent {
    pub fn parse(code: &str, level: &str, units: &str) -> Result<NewIdent, CatalogueError> {
        let code = IdentCode::parse(code)?;
        let level = PackLevel::parse(level)?;
        let units = units
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|u| (1..=MAX_UNITS).contains(u))
            .ok_or_else(|| CatalogueError::BadUnits {
                given: units.trim().chars().take(20).collect(),
            })?;
        Ok(NewIdent { code, level, units })
    }
}

/// The identification codes that could identify this scanned code, best first: for a
/// 20-digit code its 8-digit prefix, then its 7-digit prefix; GS1 its GTIN; MA its product.
pub fn lookup_keys(code: &TraceCode) -> Vec<IdentCode> {
    match code {
        TraceCode::Nmpa20(c) => vec![
            IdentCode::from_stored(IdentKind::Prefix, c.prefix8().to_owned()),
            IdentCode::from_stored(IdentKind::Prefix, c.prefix7().to_owned()),
        ],
        TraceCode::Gs1(c) => vec![IdentCode::from_stored(
            IdentKind::Gtin,
            c.gtin.as_str().to_owned(),
        )],
        TraceCode::Ma(c) => vec![IdentCode::from_stored(IdentKind::Ma, c.product_id())],
    }
}

/// Of the identification codes found in the catalogue, the one that identifies `code`:
/// the first of [`lookup_keys`] present (longest prefix wins).
pub fn best_match<'a, T>(
    code: &TraceCode,
    found: &'a [T],
    ident: impl Fn(&T) -> &IdentCode,
) -> Option<&'a T> {
    lookup_keys(code)
        .iter()
        .find_map(|k| found.iter().find(|f| ident(f) == k))
}

/// One row of an identification-code import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line number in the file (the header is line 1).
    pub line: usize,
    pub drug_code: String,
    pub ident: NewIdent,
}

/// The columns of an import file, in English or in the hospital's words.
const COL_DRUG: [&str; 3] = ["drug_code", "药品编码", "HIS药品编码"];
const COL_CODE: [&str; 3] = ["code", "标识码", "药品标识码"];
const COL_LEVEL: [&str; 2] = ["level", "包装层级"];
const COL_UNITS: [&str; 3] = ["units", "包装数量", "最小单位数"];

/// The most rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 20_000;

/// Reads an identification-code table (header row, then one code per row): columns
/// 药品编码 (drug_code), 标识码 (code), 包装层级 (level), 包装数量 (units), in any order.
/// Every bad row is reported, each naming its line; nothing is returned unless all are good.
pub fn parse_import(rows: &[Vec<String>]) -> Result<Vec<ImportRow>, Vec<FieldError>> {
    let Some(header) = rows.first() else {
        return Err(vec![FieldError::new("文件", "文件为空")]);
    };
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            names
                .iter()
                .any(|n| h.trim().trim_start_matches('\u{feff}') == *n)
        })
    };
    let cols = (
        find(&COL_DRUG),
        find(&COL_CODE),
        find(&COL_LEVEL),
        find(&COL_UNITS),
    );
    let (Some(drug), Some(code), Some(level), Some(units)) = cols else {
        return Err(vec![FieldError::new(
            "第 1 行",
            "表头应含 药品编码、标识码、包装层级、包装数量 四列",
        )]);
    };
    if rows.len() - 1 > MAX_IMPORT_ROWS {
        return Err(vec![FieldError::new(
            "文件",
            format!("一次最多导入 {MAX_IMPORT_ROWS} 行"),
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: usize| row.get(c).map(String::as_str).unwrap_or("");
        let drug_code = cell(drug).trim();
        if drug_code.is_empty() {
            errors.push(FieldError::new(format!("第 {line} 行"), "药品编码为空"));
            continue;
        }
        match NewIdent::parse(cell(code), cell(level), cell(units)) {
            Ok(ident) => {
                if let Some(first) = seen.insert(ident.code.clone(), line) {
                    errors.push(FieldError::new(
                        format!("第 {line} 行"),
                        format!("标识码 {} 与第 {first} 行重复", ident.code.value()),
                    ));
                    continue;
                }
                out.push(ImportRow {
                    line,
                    drug_code: drug_code.to_owned(),
                    ident,
                });
            }
            Err(e) => errors.push(FieldError::new(format!("第 {line} 行"), e.to_string())),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.is_empty() {
        return Err(vec![FieldError::new("文件", "没有可导入的行")]);
    }
    Ok(out)
}

/// Text of an uploaded CSV: UTF-8 (with or without BOM), or GBK/GB18030 as Excel on a Chinese
/// Windows saves it.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The first sheet of an xlsx workbook as rows of text cells. Whole numbers are written
/// without a decimal point (Excel keeps a typed-in 8123456 or 24 as a number).
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, FieldError> {
    use calamine::{Data, Reader, Xlsx};
    let bad = |e: String| FieldError::new("文件", format!("不是可读的 xlsx 文件：{e}"));
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(FieldError::new("文件", "工作簿没有工作表"));
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| bad(e.to_string()))?;
    let cell = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Whole numbers (codes, counts) as integers; exact for |f| < 2^53.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    Ok(range.rows().map(|r| r.iter().map(cell).collect()).collect())
}

/// The cells of a CSV text.
pub fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, FieldError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| FieldError::new(format!("第 {} 行", i + 1), e.to_string()))?;
        rows.push(rec.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

/// Why a catalogue change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("标识码「{given}」无效：{why}")]
    BadIdentCode { given: String, why: &'static str },
    #[error("包装层级「{given}」无效，应为 最小包装、中包装 或 大包装")]
    BadLevel { given: String },
    #[error("包装数量「{given}」无效，应为 1–1000000 的整数（最小单位数）")]
    BadUnits { given: String },
    #[error("追溯策略「{given}」无效，应为 scan、exempt_no_code 或 exempt_herbal")]
    BadPolicy { given: String },
    #[error("免扫须填写原因")]
    ReasonRequired,
    #[error("原因过长（{len} 字），最多 200 字")]
    ReasonTooLong { len: usize },
    #[error("没有药品「{code}」（药品由 HIS 推送）")]
    NoSuchDrug { code: String },
    #[error("标识码 {value} 已对照到药品 {drug}")]
    IdentTaken { value: String, drug: String },
    #[error("没有这条标识码")]
    NoSuchIdent,
}

impl Refusal for CatalogueError {
    fn kind(&self) -> ErrorKind {
        match self {
            CatalogueError::NoSuchDrug { .. } | CatalogueError::NoSuchIdent => ErrorKind::NotFound,
            CatalogueError::IdentTaken { .. } => ErrorKind::Conflict,
            _ => ErrorKind::BadRequest,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CatalogueError::BadIdentCode { .. } => "BAD_IDENT_CODE",
            CatalogueError::BadLevel { .. } => "BAD_PACK_LEVEL",
            CatalogueError::BadUnits { .. } => "BAD_PACK_UNITS",
            CatalogueError::BadPolicy { .. } => "BAD_TRACE_POLICY",
            CatalogueError::ReasonRequired => "REASON_REQUIRED",
            CatalogueError::ReasonTooLong { .. } => "REASON_TOO_LONG",
            CatalogueError::NoSuchDrug { .. } => "NO_SUCH_DRUG",
            CatalogueError::IdentTaken { .. } => "IDENT_TAKEN",
            CatalogueError::NoSuchIdent => "NO_SUCH_IDENT",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_kind_of_an_identification_code_is_read_from_its_shape() {
        let p = IdentCode::parse(" 8123456 ").unwrap();
        assert_eq!((p.kind(), p.value()), (IdentKind::Prefix, "8123456"));
        let p = IdentCode::parse("81234567").unwrap();
        assert_eq!(p.kind(), IdentKind::Prefix);
        let g = IdentCode::parse("6901234567892").unwrap();
        assert_eq!((g.kind(), g.value()), (IdentKind::Gtin, "06901234567892"));
        let m = IdentCode::parse("MA.156.M0.100001.1000123").unwrap();
        assert_eq!(m.kind(), IdentKind::Ma);
    }

    #[test]
    fn bad_identification_codes_say_why() {
        let msg = |s: &str| IdentCode::parse(s).unwrap_err().to_string();
        assert_eq!(
            msg("7123456"),
            "标识码「7123456」无效：药品标识码应以 8 开头"
        );
        assert_eq!(
            msg("812345"),
            "标识码「812345」无效：位数不对：药品标识码 7 或 8 位，GTIN 14 位"
        );
        assert_eq!(
            msg("06901234567893"),
            "标识码「06901234567893」无效：GTIN 校验位错误"
        );
        assert_eq!(
            msg("MA.156.M0.100001"),
            "标识码「MA.156.M0.100001」无效：MA 产品码应为 MA.156.M0.机构代码.产品代码"
        );
        assert_eq!(msg(""), "标识码「」无效：标识码为空");
        assert!(msg("81a4567").contains("应为 7 或 8 位药品标识码"));
    }

    #[test]
    fn levels_units_and_policies() {
        assert_eq!(PackLevel::parse("箱").unwrap(), PackLevel::Case);
        assert_eq!(PackLevel::parse("最小包装").unwrap(), PackLevel::Smallest);
        assert_eq!(PackLevel::parse("middle").unwrap(), PackLevel::Middle);
        assert_eq!(
            PackLevel::parse("托盘").unwrap_err().to_string(),
            "包装层级「托盘」无效，应为 最小包装、中包装 或 大包装"
        );
        assert_eq!(
            NewIdent::parse("8123456", "最小包装", "0")
                .unwrap_err()
                .to_string(),
            "包装数量「0」无效，应为 1–1000000 的整数（最小单位数）"
        );
        assert_eq!(
            PolicySetting::parse("exempt_herbal", Some("  "))
                .unwrap_err()
                .to_string(),
            "免扫须填写原因"
        );
        assert_eq!(
            PolicySetting::parse("scan", Some("")).unwrap(),
            PolicySetting::default_scan()
        );
        assert!(PolicySetting::parse("never", None).is_err());
        assert!(PolicySetting::parse("exempt_no_code", Some(&"长".repeat(201))).is_err());
    }

    #[test]
    fn the_longest_prefix_wins() {
        let code = TraceCode::parse("81234567890123456789").unwrap();
        let seven = IdentCode::parse("8123456").unwrap();
        let eight = IdentCode::parse("81234567").unwrap();
        let found = vec![(seven.clone(), "A"), (eight.clone(), "B")];
        assert_eq!(best_match(&code, &found, |f| &f.0).unwrap().1, "B");
        let found = vec![(seven, "A")];
        assert_eq!(best_match(&code, &found, |f| &f.0).unwrap().1, "A");
        let other = TraceCode::parse("89999999990123456789").unwrap();
        assert!(best_match(&other, &found, |f| &f.0).is_none());
    }

    #[test]
    fn gs1_and_ma_are_matched_on_gtin_and_product() {
        let g = TraceCode::parse("(01)06901234567892(21)1").unwrap();
        assert_eq!(
            lookup_keys(&g),
            vec![IdentCode::parse("06901234567892").unwrap()]
        );
        let m = TraceCode::parse("MA.156.M0.100001.1000123.S1").unwrap();
        assert_eq!(
            lookup_keys(&m),
            vec![IdentCode::parse("MA.156.M0.100001.1000123").unwrap()]
        );
    }

    #[test]
    fn an_import_reports_every_bad_line() {
        let text = "药品编码,标识码,包装层级,包装数量\n\
                    D1,8123456,最小包装,24\n\
                    D2,7123456,最小包装,24\n\
                    ,8123457,最小包装,1\n\
                    D3,8123456,箱,480\n\
                    \n\
                    D4,\"06901234567892\",中包装,10\n";
        let rows = csv_rows(text).unwrap();
        let errs = parse_import(&rows).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "字段 第 3 行：标识码「7123456」无效：药品标识码应以 8 开头",
                "字段 第 4 行：药品编码为空",
                "字段 第 5 行：标识码 8123456 与第 2 行重复",
            ]
        );
        let good =
            "code,drug_code,units,level\n8123456,D1,24,smallest\n06901234567892,D4,10,middle\n";
        let rows = parse_import(&csv_rows(good).unwrap()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].ident.units, 10);
        assert_eq!(rows[1].ident.level, PackLevel::Middle);
        assert!(parse_import(&csv_rows("a,b\n1,2\n").unwrap()).is_err());
        assert!(parse_import(&[]).is_err());
    }

    #[test]
    fn gbk_and_bom_files_are_read() {
        let utf8 = "\u{feff}药品编码,标识码\n";
        assert_eq!(decode_text(utf8.as_bytes()), "药品编码,标识码\n");
        let (gbk, _, _) = encoding_rs::GBK.encode("药品编码,标识码\n");
        assert_eq!(decode_text(&gbk), "药品编码,标识码\n");
    }

    proptest! {
        #[test]
        fn any_prefix_of_a_code_maps_it(code in "8[0-9]{19}", eight in any::<bool>()) {
            let n = if eight { 8 } else { 7 };
            let ident = IdentCode::parse(&code[..n]).unwrap();
            let parsed = TraceCode::parse(&code).unwrap();
            let found = [ident];
            prop_assert!(best_match(&parsed, &found, |f| f).is_some());
        }

        #[test]
        fn import_never_panics(text in ".{0,300}") {
            if let Ok(rows) = csv_rows(&text) {
                let _ = parse_import(&rows);
            }
        }
    }
}
