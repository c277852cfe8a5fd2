//! Outpatient dispensing (门诊发药): how many codes each prescription line needs, which line a
//! scanned code counts against, and the refusals in the spec's order: format; drug identified;
//! drug on this prescription; code in stock in this pharmacy; not already dispensed; line not
//! over-scanned.
//!
//! Split quantities (拆零): a line needs `quantity ÷ pack size` whole-package scans; the
//! remainder is either dispensed without a code, or drawn down from an opened package whose code
//! is scanned (拆零扫码): the package keeps its smallest units left and stays usable, over
//! several dispensings, until they are used up.

use yiqiao_core::{ErrorKind, Refusal};

use super::receipt::state_label;

/// 应扫 and 拆零 of a prescription line: whole packages, and the smallest units left over. An
/// exempt drug (无码目录, 中药饮片) has neither: nothing of it is traced, so nothing is split off
/// to be drawn from an opened package either.
pub fn required_scans(quantity: i64, pack_size: i64, exempt: bool) -> (i64, i64) {
    if exempt {
        return (0, 0);
    }
    if pack_size < 1 || quantity < 1 {
        return (0, quantity.max(0));
    }
    (quantity / pack_size, quantity % pack_size)
}

/// What the scan check needs of a dispense line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispenseLineState {
    pub id: i64,
    pub rx_line_no: i64,
    pub drug_code: String,
    pub required: i64,
    pub scanned: i64,
}

/// Which line a code of `drug_code` counts against: the first line of the drug not yet full,
/// or `Ok(None)` when every line of the drug is full (refused later, as the last check).
pub fn choose_line<'a>(
    lines: &'a [DispenseLineState],
    drug_code: &str,
    drug_name: &str,
) -> Result<Option<&'a DispenseLineState>, DispenseError> {
    let of_drug: Vec<&DispenseLineState> =
        lines.iter().filter(|l| l.drug_code == drug_code).collect();
    let drug = || format!("{drug_name}（{drug_code}）");
    if of_drug.is_empty() {
        return Err(DispenseError::NotOnPrescription { drug: drug() });
    }
    if of_drug.iter().all(|l| l.required == 0) {
        return Err(DispenseError::NoScanNeeded { drug: drug() });
    }
    Ok(of_drug
        .into_iter()
        .find(|l| l.required > 0 && l.scanned < l.required))
}

/// What the split draw needs of a dispense line: its 拆零 quantity and how much is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitLineState {
    pub id: i64,
    pub rx_line_no: i64,
    pub drug_code: String,
    pub split_qty: i64,
    pub split_drawn: i64,
}

/// Which line an opened package of `drug_code` is drawn for: the first line of the drug whose
/// split quantity is not yet drawn.
pub fn choose_split_line<'a>(
    lines: &'a [SplitLineState],
    drug_code: &str,
    drug_name: &str,
) -> Result<&'a SplitLineState, DispenseError> {
    let drug = || format!("{drug_name}（{drug_code}）");
    let mut of_drug = lines.iter().filter(|l| l.drug_code == drug_code).peekable();
    if of_drug.peek().is_none() {
        return Err(DispenseError::NotOnPrescription { drug: drug() });
    }
    of_drug
        .find(|l| l.split_drawn < l.split_qty)
        .ok_or_else(|| DispenseError::NoSplitToDraw { drug: drug() })
}

/// How many smallest units to draw from a package with `left` units for a line still needing
/// `need`: as many as the line needs, never more than the package holds.
pub fn units_to_draw(need: i64, left: i64) -> Result<i64, DispenseError> {
    if left <= 0 {
        return Err(DispenseError::PackageUsedUp);
    }
    Ok(need.min(left).max(0))
}

/// Why a dispense or a scan on it was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispenseError {
    #[error("没有处方「{rx_no}」（处方由 HIS 推送）")]
    NoSuchPrescription { rx_no: String },
    #[error("没有这张发药单")]
    NoSuchDispense,
    #[error("发药单已确认，不能再扫码")]
    NotOpen,
    #[error("未对照：此码（{prefix}）在药品目录中没有对照的药品")]
    Unmapped { prefix: String },
    #[error("此码属于 {drug}，不在本处方")]
    NotOnPrescription { drug: String },
    #[error("{drug} 本处方无需扫码（免扫药品或不足一个整包装）")]
    NoScanNeeded { drug: String },
    #[error("此码没有入库记录，不能发出")]
    NeverReceived,
    #[error("此码不在本药房：在{location}")]
    OtherPharmacy { location: String },
    #[error("此码已发药（发药单 #{dispense_id}），不能重复发出")]
    AlreadyDispensed { dispense_id: i64 },
    #[error("此码已由住院病区发药，不能重复发出")]
    AlreadyOnWard,
    #[error("此码当前状态为「{}」，不能发出", state_label(.state))]
    NotInStock { state: String },
    #[error("处方第 {rx_line_no} 行已扫满（应扫 {required} / 已扫 {required}）")]
    OverScanned { rx_line_no: i64, required: i64 },
    #[error("{drug} 本处方没有待发的拆零数量")]
    NoSplitToDraw { drug: String },
    #[error("此拆零包装已发完，请扫下一盒")]
    PackageUsedUp,
    #[error("此拆零包装刚被其他窗口取用，只剩 {left} 个最小单位，请重新扫码")]
    PackageShort { left: i64 },
    #[error("此码不是本发药单拆零发出的，不能在此退回拆零数量")]
    NotDrawnHere,
    #[error("本院拆零免扫（split_policy = no_code）：拆零数量无需扫码，扫完整盒即可确认发药")]
    SplitNeedsNoCode,
    #[error("没有这次拆零扣减（可能已撤销）")]
    NoSuchDraw,
    #[error("还有未扫满的行：{0}（无法扫码的请登记原因）")]
    Incomplete(String),
    #[error("没有处方第 {0} 行")]
    NoSuchLine(i64),
    #[error("请填写无法扫码的原因")]
    ReasonRequired,
    #[error("发药单尚未确认发药，不能退药")]
    NotConfirmed,
    #[error("此码不是本发药单发出的，不能在此退药")]
    NotFromThisDispense,
    #[error("此码当前状态为「{}」，不是已发出的药，不能退", state_label(.state))]
    NotDispensed { state: String },
}

impl Refusal for DispenseError {
    fn kind(&self) -> ErrorKind {
        match self {
            DispenseError::NoSuchPrescription { .. }
            | DispenseError::NoSuchDispense
            | DispenseError::NoSuchLine(_)
            | DispenseError::NoSuchDraw => ErrorKind::NotFound,
            DispenseError::NotOpen
            | DispenseError::AlreadyDispensed { .. }
            | DispenseError::AlreadyOnWard => ErrorKind::Conflict,
            DispenseError::ReasonRequired => ErrorKind::BadRequest,
            DispenseError::NotConfirmed | DispenseError::PackageShort { .. } => ErrorKind::Conflict,
            _ => ErrorKind::Unprocessable,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            DispenseError::NoSuchPrescription { .. } => "NO_SUCH_PRESCRIPTION",
            DispenseError::NoSuchDispense => "NO_SUCH_DISPENSE",
            DispenseError::NotOpen => "DISPENSE_CONFIRMED",
            DispenseError::Unmapped { .. } => "UNMAPPED",
            DispenseError::NotOnPrescription { .. } => "NOT_ON_PRESCRIPTION",
            DispenseError::NoScanNeeded { .. } => "NO_SCAN_NEEDED",
            DispenseError::NeverReceived => "NEVER_RECEIVED",
            DispenseError::OtherPharmacy { .. } => "OTHER_PHARMACY",
            DispenseError::AlreadyDispensed { .. } | DispenseError::AlreadyOnWard => {
                "ALREADY_DISPENSED"
            }
            DispenseError::NotInStock { .. } => "NOT_IN_STOCK",
            DispenseError::OverScanned { .. } => "OVER_SCANNED",
            DispenseError::Incomplete(_) => "DISPENSE_INCOMPLETE",
            DispenseError::NoSuchLine(_) => "NO_SUCH_LINE",
            DispenseError::ReasonRequired => "REASON_REQUIRED",
            DispenseError::NotConfirmed => "DISPENSE_NOT_CONFIRMED",
            DispenseError::NotFromThisDispense => "NOT_FROM_THIS_DISPENSE",
            DispenseError::NotDispensed { .. } => "NOT_DISPENSED",
            DispenseError::NoSplitToDraw { .. } => "NO_SPLIT_TO_DRAW",
            DispenseError::PackageUsedUp => "PACKAGE_USED_UP",
            DispenseError::PackageShort { .. } => "PACKAGE_SHORT",
            DispenseError::NotDrawnHere => "NOT_DRAWN_HERE",
            DispenseError::SplitNeedsNoCode => "SPLIT_NEEDS_NO_CODE",
            DispenseError::NoSuchDraw => "NO_SUCH_DRAW",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn whole_packages_are_scanned_and_the_rest_is_split() {
        assert_eq!(required_scans(48, 24, false), (2, 0));
        assert_eq!(required_scans(30, 24, false), (1, 6));
        assert_eq!(required_scans(10, 24, false), (0, 10));
        assert_eq!(required_scans(48, 24, true), (0, 0));
    }

    #[test]
    fn a_code_goes_to_the_first_open_line_of_its_drug() {
        let l = |id, drug: &str, required, scanned| DispenseLineState {
            id,
            rx_line_no: id,
            drug_code: drug.into(),
            required,
            scanned,
        };
        let lines = [l(1, "D1", 1, 1), l(2, "D1", 2, 0), l(3, "H1", 0, 0)];
        assert_eq!(choose_line(&lines, "D1", "x").unwrap().unwrap().id, 2);
        assert_eq!(
            choose_line(&lines, "D2", "布洛芬").unwrap_err().to_string(),
            "此码属于 布洛芬（D2），不在本处方"
        );
        assert_eq!(
            choose_line(&lines, "H1", "黄芪").unwrap_err().to_string(),
            "黄芪（H1） 本处方无需扫码（免扫药品或不足一个整包装）"
        );
        let full = [l(1, "D1", 1, 1)];
        assert!(choose_line(&full, "D1", "x").unwrap().is_none());
    }

    #[test]
    fn a_split_is_drawn_from_the_first_line_still_short() {
        let l = |id, drug: &str, split_qty, split_drawn| SplitLineState {
            id,
            rx_line_no: id,
            drug_code: drug.into(),
            split_qty,
            split_drawn,
        };
        let lines = [l(1, "D1", 0, 0), l(2, "D1", 6, 2), l(3, "D2", 3, 3)];
        assert_eq!(choose_split_line(&lines, "D1", "x").unwrap().id, 2);
        assert_eq!(
            choose_split_line(&lines, "D2", "布洛芬")
                .unwrap_err()
                .to_string(),
            "布洛芬（D2） 本处方没有待发的拆零数量"
        );
        assert_eq!(
            choose_split_line(&lines, "D3", "头孢").unwrap_err(),
            DispenseError::NotOnPrescription {
                drug: "头孢（D3）".into()
            }
        );
        assert_eq!(units_to_draw(4, 24), Ok(4));
        assert_eq!(units_to_draw(6, 2), Ok(2));
        assert_eq!(units_to_draw(6, 0), Err(DispenseError::PackageUsedUp));
    }

    proptest! {
        #[test]
        fn a_draw_never_exceeds_the_package_nor_the_need(need in 0i64..500, left in 1i64..500) {
            let n = units_to_draw(need, left).unwrap();
            prop_assert!(n <= left && n <= need && n >= 0);
            prop_assert!(n == need || n == left);
        }

        #[test]
        fn scans_and_split_add_up_to_the_quantity(q in 0i64..100_000, size in 1i64..500) {
            let (whole, split) = required_scans(q, size, false);
            prop_assert_eq!(whole * size + split, q);
            prop_assert!(split < size);
        }
    }
}
