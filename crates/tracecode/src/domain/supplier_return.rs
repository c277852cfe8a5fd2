//! Returns to the supplier (采购退货) and stock changes (库存变更, 盘存).
//!
//! A supplier return takes packages of a confirmed receipt back to its supplier: per line (a
//! batch of the receipt) "应扫 N / 已扫 M". A scan is checked, in the order of the receipt's
//! checks: format; drug identified; drug on this return; smallest packaging level; the code is
//! in stock here (never received, already dispensed, elsewhere → refused, saying where it is);
//! the code is of a batch on this return; the line is not over-scanned.

use serde::Deserialize;
use yiqiao_core::{ErrorKind, FieldError, Refusal};

use super::receipt::state_label;

/// A supplier return as a client sends it: the receipt it returns from and, per receipt line,
/// how many packages go back.
#[derive(Debug, Clone, Deserialize)]
pub struct RawSupplierReturn {
    pub receipt_id: i64,
    /// 退货原因.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub lines: Vec<RawReturnLine>,
}

/// One line: a line of the receipt and the packages going back.
#[derive(Debug, Clone, Deserialize)]
pub struct RawReturnLine {
    pub line_no: i32,
    pub packages: i64,
}

/// A checked supplier return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSupplierReturn {
    pub receipt_id: i64,
    pub reason: String,
    /// (receipt line number, packages), line numbers distinct.
    pub lines: Vec<(i32, i64)>,
}

impl NewSupplierReturn {
    /// Checks every field; every bad one is named.
    pub fn parse(raw: &RawSupplierReturn) -> Result<NewSupplierReturn, Vec<FieldError>> {
        let mut e = Vec::new();
        let reason = raw.reason.trim();
        if reason.is_empty() {
            e.push(FieldError::new("reason", "请填写退货原因"));
        } else if reason.chars().count() > 200 {
            e.push(FieldError::new("reason", "最多 200 个字符"));
        }
        if raw.lines.is_empty() {
            e.push(FieldError::new("lines", "退货单至少要有一行"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, l) in raw.lines.iter().enumerate() {
            if !seen.insert(l.line_no) {
                e.push(FieldError::new(
                    format!("lines[{i}].line_no"),
                    format!("入库单第 {} 行重复", l.line_no),
                ));
            }
            if !(1..=super::receipt::MAX_PACKAGES).contains(&l.packages) {
                e.push(FieldError::new(
                    format!("lines[{i}].packages"),
                    "退货数量应至少 1 个最小包装",
                ));
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(NewSupplierReturn {
            receipt_id: raw.receipt_id,
            reason: reason.to_owned(),
            lines: raw.lines.iter().map(|l| (l.line_no, l.packages)).collect(),
        })
    }
}

/// What the scan check needs of a return line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLineState {
    pub id: i64,
    pub line_no: i32,
    pub drug_code: String,
    /// The receipt line (stock batch) the packages come from.
    pub receipt_line_id: i64,
    pub batch_no: String,
    pub required: i64,
    pub scanned: i64,
}

/// The lines of the return that a code of `drug_code` may count against (refusing a drug that
/// is not on the return, or needs no scan).
pub fn lines_of_drug<'a>(
    lines: &'a [ReturnLineState],
    drug_code: &str,
    drug_name: &str,
) -> Result<Vec<&'a ReturnLineState>, SupplierReturnError> {
    let drug = || format!("{drug_name}（{drug_code}）");
    let of_drug: Vec<&ReturnLineState> =
        lines.iter().filter(|l| l.drug_code == drug_code).collect();
    if of_drug.is_empty() {
        return Err(SupplierReturnError::NotOnReturn { drug: drug() });
    }
    let scannable: Vec<&ReturnLineState> = of_drug.into_iter().filter(|l| l.required > 0).collect();
    if scannable.is_empty() {
        return Err(SupplierReturnError::Exempt { drug: drug() });
    }
    Ok(scannable)
}

/// The line of the code's batch, or the refusal: of another batch, or the line is full.
pub fn line_of_batch<'a>(
    of_drug: &[&'a ReturnLineState],
    receipt_line_id: i64,
    code_batch: &str,
) -> Result<&'a ReturnLineState, SupplierReturnError> {
    let Some(l) = of_drug
        .iter()
        .copied()
        .find(|l| l.receipt_line_id == receipt_line_id)
    else {
        let wanted: Vec<&str> = of_drug.iter().map(|l| l.batch_no.as_str()).collect();
        return Err(SupplierReturnError::OtherBatch {
            batch: code_batch.to_owned(),
            wanted: wanted.join("、"),
        });
    };
    if l.scanned >= l.required {
        return Err(SupplierReturnError::OverScanned {
            line_no: l.line_no,
            required: l.required,
        });
    }
    Ok(l)
}

/// Why a supplier return, a scan on it or a stock change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupplierReturnError {
    #[error("没有这张退货单")]
    NoSuchReturn,
    #[error("没有入库单 #{0}")]
    NoSuchReceipt(i64),
    #[error("入库单 #{0} 尚未确认入库，不能退货")]
    ReceiptNotConfirmed(i64),
    #[error("入库单没有第 {0} 行")]
    NoSuchReceiptLine(i32),
    #[error("入库单第 {line_no} 行只有 {packages} 个包装，不能退 {asked} 个")]
    TooMany {
        line_no: i32,
        packages: i64,
        asked: i64,
    },
    #[error("退货单已确认，不能再扫码")]
    NotDraft,
    #[error("未对照：此码（{prefix}）在药品目录中没有对照的药品")]
    Unmapped { prefix: String },
    #[error("此码属于 {drug}，不在本退货单")]
    NotOnReturn { drug: String },
    #[error("{drug} 为免扫药品，无需扫码")]
    Exempt { drug: String },
    #[error("这是{level}码（含 {units} 个最小单位），请逐个扫描最小包装上的追溯码")]
    NotSmallest { level: &'static str, units: i64 },
    #[error("此码没有入库记录，不能退货")]
    NeverReceived,
    #[error("此码当前状态为「{}」，不在库，不能退货", state_label(.state))]
    NotInStock { state: String },
    #[error("此码不在本退货单的库位：在{location}")]
    OtherLocation { location: String },
    #[error("此码属于批号 {batch}，不是本退货单的批号（{wanted}）")]
    OtherBatch { batch: String, wanted: String },
    #[error("第 {line_no} 行已扫满（应扫 {required} / 已扫 {required}）")]
    OverScanned { line_no: i32, required: i64 },
    #[error("还有未扫满的行：{0}")]
    Incomplete(String),
    #[error("库存变更类型「{0}」不可用：可用 104 盘损、105 销毁")]
    BadChangeType(String),
    #[error("请至少扫描一个追溯码")]
    NoCodes,
    #[error("此码（{key}）当前状态为「{}」，不能{action}", state_label(.state))]
    CannotChange {
        key: String,
        state: String,
        action: &'static str,
    },
    #[error("此码（{0}）没有入库记录")]
    UnknownCode(String),
}

impl Refusal for SupplierReturnError {
    fn kind(&self) -> ErrorKind {
        match self {
            SupplierReturnError::NoSuchReturn | SupplierReturnError::NoSuchReceipt(_) => {
                ErrorKind::NotFound
            }
            SupplierReturnError::NotDraft | SupplierReturnError::NotInStock { .. } => {
                ErrorKind::Conflict
            }
            SupplierReturnError::BadChangeType(_) | SupplierReturnError::NoCodes => {
                ErrorKind::BadRequest
            }
            _ => ErrorKind::Unprocessable,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            SupplierReturnError::NoSuchReturn => "NO_SUCH_RETURN",
            SupplierReturnError::NoSuchReceipt(_) => "NO_SUCH_RECEIPT",
            SupplierReturnError::ReceiptNotConfirmed(_) => "RECEIPT_NOT_CONFIRMED",
            SupplierReturnError::NoSuchReceiptLine(_) => "NO_SUCH_LINE",
            SupplierReturnError::TooMany { .. } => "TOO_MANY",
            SupplierReturnError::NotDraft => "RETURN_CONFIRMED",
            SupplierReturnError::Unmapped { .. } => "UNMAPPED",
            SupplierReturnError::NotOnReturn { .. } => "NOT_ON_RETURN",
            SupplierReturnError::Exempt { .. } => "EXEMPT_DRUG",
            SupplierReturnError::NotSmallest { .. } => "NOT_SMALLEST_PACKAGE",
            SupplierReturnError::NeverReceived => "NEVER_RECEIVED",
            SupplierReturnError::NotInStock { .. } => "NOT_IN_STOCK",
            SupplierReturnError::OtherLocation { .. } => "OTHER_LOCATION",
            SupplierReturnError::OtherBatch { .. } => "OTHER_BATCH",
            SupplierReturnError::OverScanned { .. } => "OVER_SCANNED",
            SupplierReturnError::Incomplete(_) => "RETURN_INCOMPLETE",
            SupplierReturnError::BadChangeType(_) => "BAD_CHANGE_TYPE",
            SupplierReturnError::NoCodes => "NO_CODES",
            SupplierReturnError::CannotChange { .. } => "CANNOT_CHANGE",
            SupplierReturnError::UnknownCode(_) => "UNKNOWN_CODE",
        }
    }
}

/// A stock change this hospital records (库存变更类型 of 3502) by scanning the codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// 104 盘损: packages found missing or damaged at a stock-take (from stock).
    Loss,
    /// 105 销毁: packages destroyed (from stock or quarantine).
    Destroy,
}

impl ChangeKind {
    pub fn parse(s: &str) -> Result<ChangeKind, SupplierReturnError> {
        match s.trim() {
            "104" | "loss" | "盘损" => Ok(ChangeKind::Loss),
            "105" | "destroy" | "销毁" => Ok(ChangeKind::Destroy),
            other => Err(SupplierReturnError::BadChangeType(
                other.chars().take(20).collect(),
            )),
        }
    }
    /// `inv_chg_type`.
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Loss => "104",
            ChangeKind::Destroy => "105",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Loss => "盘损",
            ChangeKind::Destroy => "销毁",
        }
    }
    /// The state a code goes to.
    pub fn to_state(self) -> &'static str {
        match self {
            ChangeKind::Loss => "lost",
            ChangeKind::Destroy => "destroyed",
        }
    }
    /// The states a code may leave by this change.
    pub fn from_states(self) -> &'static [&'static str] {
        match self {
            ChangeKind::Loss => &["in_stock"],
            ChangeKind::Destroy => &["in_stock", "quarantined"],
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn l(
        id: i64,
        drug: &str,
        rl: i64,
        batch: &str,
        required: i64,
        scanned: i64,
    ) -> ReturnLineState {
        ReturnLineState {
            id,
            line_no: i32::try_from(id).unwrap(),
            drug_code: drug.into(),
            receipt_line_id: rl,
            batch_no: batch.into(),
            required,
            scanned,
        }
    }

    #[test]
    fn a_code_counts_against_the_line_of_its_own_batch() {
        let lines = [
            l(1, "D1", 10, "B1", 1, 1),
            l(2, "D1", 11, "B2", 2, 0),
            l(3, "H1", 12, "B9", 0, 0),
        ];
        let d1 = lines_of_drug(&lines, "D1", "阿莫西林").unwrap();
        assert_eq!(line_of_batch(&d1, 11, "B2").unwrap().id, 2);
        assert_eq!(
            line_of_batch(&d1, 10, "B1").unwrap_err().to_string(),
            "第 1 行已扫满（应扫 1 / 已扫 1）"
        );
        assert_eq!(
            line_of_batch(&d1, 99, "B7").unwrap_err().to_string(),
            "此码属于批号 B7，不是本退货单的批号（B1、B2）"
        );
        assert_eq!(
            lines_of_drug(&lines, "D2", "布洛芬")
                .unwrap_err()
                .to_string(),
            "此码属于 布洛芬（D2），不在本退货单"
        );
        assert_eq!(
            lines_of_drug(&lines, "H1", "黄芪").unwrap_err().to_string(),
            "黄芪（H1） 为免扫药品，无需扫码"
        );
    }

    #[test]
    fn a_return_names_every_bad_field() {
        let raw: RawSupplierReturn = serde_json::from_value(serde_json::json!({
            "receipt_id": 1, "reason": " ",
            "lines": [{"line_no": 1, "packages": 0}, {"line_no": 1, "packages": 2}]
        }))
        .unwrap();
        let shown: Vec<String> = NewSupplierReturn::parse(&raw)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "字段 reason：请填写退货原因",
                "字段 lines[0].packages：退货数量应至少 1 个最小包装",
                "字段 lines[1].line_no：入库单第 1 行重复",
            ]
        );
        assert_eq!(ChangeKind::parse("104").unwrap(), ChangeKind::Loss);
        assert_eq!(
            ChangeKind::parse("101").unwrap_err().to_string(),
            "库存变更类型「101」不可用：可用 104 盘损、105 销毁"
        );
    }
}
