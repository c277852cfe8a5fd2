//! Purchase warehouse-in (采购入库): a receipt's lines, how many codes each needs (应扫) and
//! which line a scanned code counts against, and every refusal of a scan in the spec's order:
//! format; drug identified; drug on this receipt; smallest packaging level; never received
//! before; line not over-scanned.

use chrono::NaiveDate;
use serde::Deserialize;
use yiqiao_core::{ErrorKind, FieldError, Refusal};

/// The most lines one receipt may hold.
pub const MAX_LINES: usize = 500;
/// The most packages one line may hold.
pub const MAX_PACKAGES: i64 = 100_000;

/// A receipt as a client sends it (JSON).
#[derive(Debug, Clone, Deserialize)]
pub struct RawReceipt {
    /// 供应商名称.
    #[serde(default)]
    pub supplier_name: String,
    /// 供应商许可证号.
    pub supplier_licence: Option<String>,
    /// 采购发票号.
    pub invoice_no: Option<String>,
    /// 随货单号.
    pub dynt_no: Option<String>,
    /// 库位 (药库 or a pharmacy's code); `药库` when absent.
    pub location: Option<String>,
    #[serde(default)]
    pub lines: Vec<RawLine>,
}

/// One line as a client sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct RawLine {
    #[serde(default)]
    pub drug_code: String,
    /// 生产批号.
    #[serde(default)]
    pub batch_no: String,
    /// 生产日期 `YYYY-MM-DD`.
    #[serde(default)]
    pub manu_date: String,
    /// 有效期至 `YYYY-MM-DD`.
    #[serde(default)]
    pub expiry: String,
    /// 数量 in smallest packages.
    #[serde(default)]
    pub packages: i64,
    /// 单价 in 分 per package.
    pub price_fen: Option<i64>,
}

/// A checked receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReceipt {
    pub supplier_name: String,
    pub supplier_licence: Option<String>,
    pub invoice_no: Option<String>,
    pub dynt_no: Option<String>,
    pub location: String,
    pub lines: Vec<NewLine>,
}

/// A checked line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub drug_code: String,
    pub batch_no: String,
    pub manu_date: NaiveDate,
    pub expiry: NaiveDate,
    pub packages: i64,
    pub price_fen: Option<i64>,
}

fn text(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize) -> String {
    let t = v.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, "不能为空"));
    } else if t.chars().count() > max {
        errors.push(FieldError::new(field, format!("最多 {max} 个字符")));
    }
    t.to_owned()
}

fn opt_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: Option<&str>,
    max: usize,
) -> Option<String> {
    let t = v.map(str::trim).filter(|t| !t.is_empty())?;
    if t.chars().count() > max {
        errors.push(FieldError::new(field, format!("最多 {max} 个字符")));
    }
    Some(t.to_owned())
}

fn date(errors: &mut Vec<FieldError>, field: &str, v: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!(
                    "「{}」不是有效日期（YYYY-MM-DD）",
                    v.chars().take(20).collect::<String>()
                ),
            ));
            None
        }
    }
}

impl NewReceipt {
    /// Checks every field; every bad one is named.
    pub fn parse(raw: &RawReceipt) -> Result<NewReceipt, Vec<FieldError>> {
        let mut e = Vec::new();
        let supplier_name = text(&mut e, "supplier_name", &raw.supplier_name, 200);
        let supplier_licence = opt_text(
            &mut e,
            "supplier_licence",
            raw.supplier_licence.as_deref(),
            50,
        );
        let invoice_no = opt_text(&mut e, "invoice_no", raw.invoice_no.as_deref(), 50);
        let dynt_no = opt_text(&mut e, "dynt_no", raw.dynt_no.as_deref(), 50);
        let location = opt_text(&mut e, "location", raw.location.as_deref(), 64)
            .unwrap_or_else(|| "药库".to_owned());
        if raw.lines.is_empty() {
            e.push(FieldError::new("lines", "入库单至少要有一行"));
        }
        if raw.lines.len() > MAX_LINES {
            e.push(FieldError::new(
                "lines",
                format!("一张入库单最多 {MAX_LINES} 行"),
            ));
        }
        let mut lines = Vec::new();
        for (i, l) in raw.lines.iter().enumerate().take(MAX_LINES) {
            let f = |name: &str| format!("lines[{i}].{name}");
            let drug_code = text(&mut e, &f("drug_code"), &l.drug_code, 64);
            let batch_no = text(&mut e, &f("batch_no"), &l.batch_no, 30);
            let manu_date = date(&mut e, &f("manu_date"), &l.manu_date);
            let expiry = date(&mut e, &f("expiry"), &l.expiry);
            if let (Some(m), Some(x)) = (manu_date, expiry)
                && x <= m
            {
                e.push(FieldError::new(f("expiry"), "有效期应晚于生产日期"));
            }
            if !(1..=MAX_PACKAGES).contains(&l.packages) {
                e.push(FieldError::new(
                    f("packages"),
                    format!("数量应为 1–{MAX_PACKAGES} 个最小包装"),
                ));
            }
            if let Some(p) = l.price_fen
                && !(0..=10_000_000_000).contains(&p)
            {
                e.push(FieldError::new(f("price_fen"), "单价超出范围"));
            }
            if let (Some(manu_date), Some(expiry)) = (manu_date, expiry) {
                lines.push(NewLine {
                    drug_code,
                    batch_no,
                    manu_date,
                    expiry,
                    packages: l.packages,
                    price_fen: l.price_fen,
                });
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(NewReceipt {
            supplier_name,
            supplier_licence,
            invoice_no,
            dynt_no,
            location,
            lines,
        })
    }
}

/// What the scan check needs of a receipt line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineState {
    pub id: i64,
    pub line_no: i32,
    pub drug_code: String,
    pub batch_no: String,
    /// 应扫.
    pub required: i64,
    /// 已扫.
    pub scanned: i64,
}

/// Which line of the receipt a code of `drug_code` counts against: a line of that drug whose
/// batch is the code's own (when the code carries one) and that is not yet full; else the first
/// line of the drug not yet full.
pub fn choose_line<'a>(
    lines: &'a [LineState],
    drug_code: &str,
    drug_name: &str,
    code_batch: Option<&str>,
) -> Result<&'a LineState, ReceiptError> {
    let of_drug: Vec<&LineState> = lines.iter().filter(|l| l.drug_code == drug_code).collect();
    if of_drug.is_empty() {
        return Err(ReceiptError::NotOnReceipt {
            drug: format!("{drug_name}（{drug_code}）"),
        });
    }
    let scannable: Vec<&LineState> = of_drug.iter().copied().filter(|l| l.required > 0).collect();
    let Some(first) = scannable.first() else {
        return Err(ReceiptError::Exempt {
            drug: format!("{drug_name}（{drug_code}）"),
        });
    };
    let open = |l: &LineState| l.scanned < l.required;
    if let Some(b) = code_batch
        && let Some(l) = scannable.iter().find(|l| l.batch_no == b && open(l))
    {
        return Ok(l);
    }
    match scannable.iter().find(|l| open(l)) {
        Some(l) => Ok(l),
        None => Err(ReceiptError::OverScanned {
            line_no: first.line_no,
            required: first.required,
        }),
    }
}

/// Where a code already is, for the "never received twice" refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whereabouts {
    pub receipt_id: i64,
    pub line_no: i32,
    pub state: String,
}

/// 追溯码状态 label.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "pending" => "已扫待确认",
        "in_stock" => "在库",
        "dispensing" => "发药中",
        "dispensed" => "已发药",
        "opened" => "已拆零（余量可发）",
        "used_up" => "拆零已发完",
        "returned_supplier" => "已退供应商",
        "quarantined" => "已隔离（退药不可再售）",
        "returning" => "退货中",
        "to_supplier" => "已退供应商",
        "lost" => "已盘损",
        "destroyed" => "已销毁",
        _ => "其他",
    }
}

/// Why a receipt or a scan on it was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("没有这张入库单")]
    NoSuchReceipt,
    #[error("入库单已确认，不能再扫码或修改")]
    NotDraft,
    #[error("未对照：此码（{prefix}）在药品目录中没有对照的药品，请药库先维护标识码")]
    Unmapped { prefix: String },
    #[error("此码属于 {drug}，不在本入库单")]
    NotOnReceipt { drug: String },
    #[error("{drug} 为免扫药品，无需扫码")]
    Exempt { drug: String },
    #[error("这是{level}码（含 {units} 个最小单位），请逐个扫描最小包装上的追溯码")]
    NotSmallest { level: &'static str, units: i64 },
    #[error("此码已扫过：入库单 #{} 第 {} 行（{}）", .0.receipt_id, .0.line_no, state_label(&.0.state))]
    Duplicate(Whereabouts),
    #[error("第 {line_no} 行已扫满（应扫 {required} / 已扫 {required}）")]
    OverScanned { line_no: i32, required: i64 },
    #[error("还有未扫满的行：{0}")]
    Incomplete(String),
    #[error("没有药品「{code}」（药品由 HIS 推送）")]
    NoSuchDrug { code: String },
    #[error("追溯码 {key} 不在本入库单的已扫码中")]
    NotScannedHere { key: String },
    #[error("箱内子码 {child}：{reason}（整箱未入库）")]
    InCase { child: String, reason: String },
}

impl Refusal for ReceiptError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReceiptError::NoSuchReceipt | ReceiptError::NotScannedHere { .. } => {
                ErrorKind::NotFound
            }
            ReceiptError::NotDraft | ReceiptError::Duplicate(_) => ErrorKind::Conflict,
            ReceiptError::NoSuchDrug { .. } => ErrorKind::BadRequest,
            _ => ErrorKind::Unprocessable,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ReceiptError::NoSuchReceipt => "NO_SUCH_RECEIPT",
            ReceiptError::NotDraft => "RECEIPT_CONFIRMED",
            ReceiptError::Unmapped { .. } => "UNMAPPED",
            ReceiptError::NotOnReceipt { .. } => "NOT_ON_RECEIPT",
            ReceiptError::Exempt { .. } => "EXEMPT_DRUG",
            ReceiptError::NotSmallest { .. } => "NOT_SMALLEST_PACKAGE",
            ReceiptError::Duplicate(_) => "DUPLICATE_CODE",
            ReceiptError::OverScanned { .. } => "OVER_SCANNED",
            ReceiptError::Incomplete(_) => "RECEIPT_INCOMPLETE",
            ReceiptError::NoSuchDrug { .. } => "NO_SUCH_DRUG",
            ReceiptError::NotScannedHere { .. } => "NOT_SCANNED_HERE",
            ReceiptError::InCase { .. } => "CASE_CHILD_REFUSED",
        }
    }
}

/// "第 1 行 应扫 10 / 已扫 8；…" for the lines not fully scanned, or `None` when all are.
pub fn incomplete(lines: &[LineState]) -> Option<String> {
    let open: Vec<String> = lines
        .iter()
        .filter(|l| l.scanned < l.required)
        .map(|l| {
            format!(
                "第 {} 行 应扫 {} / 已扫 {}",
                l.line_no, l.required, l.scanned
            )
        })
        .collect();
    (!open.is_empty()).then(|| open.join("；"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::*;

    fn line(id: i64, drug: &str, batch: &str, required: i64, scanned: i64) -> LineState {
        LineState {
            id,
            line_no: i32::try_from(id).unwrap(),
            drug_code: drug.into(),
            batch_no: batch.into(),
            required,
            scanned,
        }
    }

    #[test]
    fn a_receipt_names_every_bad_field() {
        let raw: RawReceipt = serde_json::from_value(serde_json::json!({
            "supplier_name": " ",
            "lines": [{"drug_code": "D1", "batch_no": "B1", "manu_date": "2026-02-30",
                       "expiry": "2028-01-01", "packages": 0},
                      {"drug_code": "D1", "batch_no": "B1", "manu_date": "2026-01-01",
                       "expiry": "2025-01-01", "packages": 5}]
        }))
        .unwrap();
        let errs = NewReceipt::parse(&raw).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "字段 supplier_name：不能为空",
                "字段 lines[0].manu_date：「2026-02-30」不是有效日期（YYYY-MM-DD）",
                "字段 lines[0].packages：数量应为 1–100000 个最小包装",
                "字段 lines[1].expiry：有效期应晚于生产日期",
            ]
        );
    }

    #[test]
    fn a_code_goes_to_its_batch_first_then_to_the_first_open_line() {
        let lines = [
            line(1, "D1", "B1", 2, 2),
            line(2, "D1", "B2", 2, 0),
            line(3, "D1", "B3", 2, 0),
        ];
        assert_eq!(choose_line(&lines, "D1", "x", Some("B3")).unwrap().id, 3);
        assert_eq!(choose_line(&lines, "D1", "x", Some("B1")).unwrap().id, 2);
        assert_eq!(choose_line(&lines, "D1", "x", None).unwrap().id, 2);
        assert_eq!(
            choose_line(&lines, "D2", "布洛芬", None)
                .unwrap_err()
                .to_string(),
            "此码属于 布洛芬（D2），不在本入库单"
        );
        let full = [line(1, "D1", "B1", 2, 2)];
        assert_eq!(
            choose_line(&full, "D1", "x", None).unwrap_err().to_string(),
            "第 1 行已扫满（应扫 2 / 已扫 2）"
        );
        let exempt = [line(1, "H1", "B1", 0, 0)];
        assert_eq!(
            choose_line(&exempt, "H1", "黄芪", None)
                .unwrap_err()
                .to_string(),
            "黄芪（H1） 为免扫药品，无需扫码"
        );
    }

    #[test]
    fn refusal_messages() {
        let dup = ReceiptError::Duplicate(Whereabouts {
            receipt_id: 3,
            line_no: 1,
            state: "in_stock".into(),
        });
        assert_eq!(dup.to_string(), "此码已扫过：入库单 #3 第 1 行（在库）");
        assert_eq!(
            ReceiptError::NotSmallest {
                level: "大包装",
                units: 960
            }
            .to_string(),
            "这是大包装码（含 960 个最小单位），请逐个扫描最小包装上的追溯码"
        );
        let lines = [line(1, "D1", "B1", 10, 8), line(2, "D2", "B1", 3, 3)];
        assert_eq!(incomplete(&lines).unwrap(), "第 1 行 应扫 10 / 已扫 8");
        assert!(incomplete(&lines[1..]).is_none());
    }

    proptest! {
        #[test]
        fn the_chosen_line_is_always_open_and_of_the_drug(
            specs in prop::collection::vec((0usize..3, 0i64..4, 0i64..4), 1..8),
            drug in 0usize..3,
        ) {
            let drugs = ["D1", "D2", "D3"];
            let lines: Vec<LineState> = specs
                .iter()
                .enumerate()
                .map(|(i, (d, req, sc))| line(i64::try_from(i).unwrap() + 1, drugs[*d], "B", *req, (*sc).min(*req)))
                .collect();
            match choose_line(&lines, drugs[drug], "x", None) {
                Ok(l) => {
                    prop_assert_eq!(&l.drug_code, drugs[drug]);
                    prop_assert!(l.scanned < l.required);
                }
                Err(ReceiptError::OverScanned { .. }) => {
                    prop_assert!(lines.iter().filter(|l| l.drug_code == drugs[drug]).all(|l| l.scanned >= l.required));
                }
                Err(_) => {
                    prop_assert!(lines.iter().filter(|l| l.drug_code == drugs[drug]).all(|l| l.required == 0));
                }
            }
        }
    }
}
