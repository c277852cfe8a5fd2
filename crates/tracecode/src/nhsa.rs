//! NHSA 进销存 messages (医疗保障信息平台 定点医药机构接口 3501–3507): the one place that knows
//! the wire. Field names and order follow `tracecode-nhsa-fields.md`; when the provincial
//! front-end (浙江) publishes another layout, it is adopted here and nowhere else.
//!
//! A message is queued as `{"infno", "opter", "opter_name", "input"}` in the outbox, in the
//! business transaction; the envelope (institution, regions, `inf_time`) is added when it is
//! sent, from the configuration. The outbox id is `yyyyMMddHHmmss` + a 4-digit sequence, fixed
//! at queueing; the wire `msgid` is the institution code followed by it, so a resend carries the
//! same `msgid`.
//!
//! Counts (`sel_retn_cnt` of 3505/3506, `inv_cnt` of 3501): the field list gives no unit for
//! `sel_retn_cnt`, so a whole-package sale counts packages (one per code, `trdn_flag` 0) and a
//! split draw (拆零) counts the smallest units drawn from the opened package (`trdn_flag` 1, that
//! package's code): the split-off unit is what was sold, and several draws from one box add up
//! to what it held. A stock-take counts packages (按最小计价包装单位), an opened package as the
//! fraction it has left ([`inv_cnt`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The `[tracecode]` section of the configuration: where and as whom NHSA messages are sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TracecodeConfig {
    /// The 进销存 endpoint (the provincial front-end or `yiqiao nhsa-sim`). Empty: messages
    /// wait in the outbox until it is set.
    pub nhsa_endpoint: String,
    /// 定点医药机构编号 (`fixmedins_code`), also the head of every `msgid`.
    pub fixmedins_code: String,
    /// 定点医药机构名称 (`fixmedins_name`).
    pub fixmedins_name: String,
    /// 就医地医保区划 (`mdtrtarea_admvs`).
    pub mdtrtarea_admvs: String,
    /// 参保地医保区划 (`insuplc_admdvs`).
    pub insuplc_admdvs: String,
    /// 接收方系统代码 (`recer_sys_code`).
    pub recer_sys_code: String,
    /// 接口版本号 (`infver`).
    pub infver: String,
    /// 设备编号 (`dev_no`).
    pub dev_no: String,
    /// Also send the first code in the flat `drug_trac_codg` field (older front-ends).
    pub flat_trac_codg: bool,
    /// When ward dispensing is uploaded (3505/3506): `dispensing` (at confirmation) or
    /// `settlement` (at the patient's settlement).
    pub ward_upload: crate::domain::ward::WardUpload,
    /// How split quantities (拆零) are traced: `draw` (拆零扫码: the opened package's code is
    /// scanned once and its smallest units drawn down over several dispensings) or `no_code`
    /// (拆零免扫).
    pub split_policy: crate::domain::split::SplitPolicy,
}

impl Default for TracecodeConfig {
    fn default() -> Self {
        TracecodeConfig {
            nhsa_endpoint: String::new(),
            fixmedins_code: "H33100200001".into(),
            fixmedins_name: "台州市中西医结合医院".into(),
            mdtrtarea_admvs: "331000".into(),
            insuplc_admdvs: "331000".into(),
            recer_sys_code: "YBJXC".into(),
            infver: "V1.0".into(),
            dev_no: String::new(),
            flat_trac_codg: false,
            ward_upload: crate::domain::ward::WardUpload::Dispensing,
            split_policy: crate::domain::split::SplitPolicy::Draw,
        }
    }
}

/// The seven messages (交易编号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Infno {
    /// 3501 商品盘存上传
    StockTake,
    /// 3502 商品库存变更
    StockChange,
    /// 3503 商品采购
    Purchase,
    /// 3504 商品采购退货
    PurchaseReturn,
    /// 3505 商品销售
    Sale,
    /// 3506 商品销售退货
    SaleReturn,
    /// 3507 商品信息删除
    Delete,
}

impl Infno {
    pub const ALL: [Infno; 7] = [
        Infno::StockTake,
        Infno::StockChange,
        Infno::Purchase,
        Infno::PurchaseReturn,
        Infno::Sale,
        Infno::SaleReturn,
        Infno::Delete,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Infno::StockTake => "3501",
            Infno::StockChange => "3502",
            Infno::Purchase => "3503",
            Infno::PurchaseReturn => "3504",
            Infno::Sale => "3505",
            Infno::SaleReturn => "3506",
            Infno::Delete => "3507",
        }
    }
    pub fn from_code(s: &str) -> Option<Infno> {
        Infno::ALL.into_iter().find(|i| i.code() == s)
    }
    /// The outbox kind, e.g. `nhsa.3505`.
    pub fn kind(self) -> &'static str {
        match self {
            Infno::StockTake => "nhsa.3501",
            Infno::StockChange => "nhsa.3502",
            Infno::Purchase => "nhsa.3503",
            Infno::PurchaseReturn => "nhsa.3504",
            Infno::Sale => "nhsa.3505",
            Infno::SaleReturn => "nhsa.3506",
            Infno::Delete => "nhsa.3507",
        }
    }
    pub fn from_kind(kind: &str) -> Option<Infno> {
        Infno::ALL.into_iter().find(|i| i.kind() == kind)
    }
    pub fn label(self) -> &'static str {
        match self {
            Infno::StockTake => "医保 3501 商品盘存上传",
            Infno::StockChange => "医保 3502 商品库存变更",
            Infno::Purchase => "医保 3503 商品采购",
            Infno::PurchaseReturn => "医保 3504 商品采购退货",
            Infno::Sale => "医保 3505 商品销售",
            Infno::SaleReturn => "医保 3506 商品销售退货",
            Infno::Delete => "医保 3507 商品信息删除",
        }
    }
    /// The node of `input` that carries the record.
    pub fn node(self) -> &'static str {
        match self {
            Infno::StockTake | Infno::StockChange => "invinfo",
            Infno::Purchase | Infno::PurchaseReturn => "purcinfo",
            Infno::Sale | Infno::SaleReturn => "selinfo",
            Infno::Delete => "data",
        }
    }
    /// The `inv_data_type` a 3507 names to delete a record of this message (1 盘存 2 库存变更
    /// 3 采购 4 销售); `None` for 3507 itself.
    pub fn inv_data_type(self) -> Option<&'static str> {
        match self {
            Infno::StockTake => Some("1"),
            Infno::StockChange => Some("2"),
            Infno::Purchase | Infno::PurchaseReturn => Some("3"),
            Infno::Sale | Infno::SaleReturn => Some("4"),
            Infno::Delete => None,
        }
    }
    /// The fields marked required (Req Y) in the field lists. `setl_id` of 3505 is required
    /// only when settled through insurance, which the reader checks itself.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Infno::StockTake => &[
                "med_list_codg",
                "fixmedins_hilist_id",
                "fixmedins_hilist_name",
                "rx_flag",
                "invdate",
                "inv_cnt",
                "fixmedins_bchno",
                "manu_date",
                "expy_end",
            ],
            Infno::StockChange => &[
                "med_list_codg",
                "inv_chg_type",
                "fixmedins_hilist_id",
                "fixmedins_hilist_name",
                "fixmedins_bchno",
                "pric",
                "cnt",
                "rx_flag",
                "inv_chg_time",
                "trdn_flag",
            ],
            Infno::Purchase => &[
                "med_list_codg",
                "fixmedins_hilist_id",
                "fixmedins_hilist_name",
                "fixmedins_bchno",
                "spler_name",
                "manu_lotnum",
                "prodentp_name",
                "aprvno",
                "manu_date",
                "expy_end",
                "purc_retn_cnt",
                "rx_flag",
                "purc_retn_stoin_time",
                "purc_retn_opter_name",
                "prod_geay_flag",
            ],
            Infno::PurchaseReturn => &[
                "spler_name",
                "manu_date",
                "expy_end",
                "purc_retn_cnt",
                "purc_invo_no",
                "rx_flag",
                "purc_retn_stoin_time",
                "purc_retn_opter_name",
            ],
            Infno::Sale => &[
                "med_list_codg",
                "fixmedins_hilist_id",
                "fixmedins_hilist_name",
                "fixmedins_bchno",
                "prsc_dr_name",
                "phar_name",
                "phar_prac_cert_no",
                "hi_feesetl_type",
                "mdtrt_sn",
                "psn_cert_type",
                "manu_lotnum",
                "manu_date",
                "expy_end",
                "rx_flag",
                "trdn_flag",
                "rx_circ_flag",
                "rtal_docno",
                "sel_retn_cnt",
                "sel_retn_time",
                "sel_retn_opter_name",
            ],
            Infno::SaleReturn => &[
                "fixmedins_bchno",
                "psn_cert_type",
                "manu_lotnum",
                "manu_date",
                "expy_end",
                "rx_flag",
                "trdn_flag",
                "sel_retn_cnt",
                "sel_retn_time",
                "sel_retn_opter_name",
                "mdtrt_sn",
            ],
            Infno::Delete => &["fixmedins_bchno", "inv_data_type"],
        }
    }
}

/// One trace code in `drugtracinfo` (溯源码节点信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugTrac {
    pub drug_trac_codg: String,
}

fn tracs(codes: &[String]) -> Vec<DrugTrac> {
    codes
        .iter()
        .map(|c| DrugTrac {
            drug_trac_codg: c.clone(),
        })
        .collect()
}

/// 分 as 元 with two decimals, for the `num 16,6` price fields.
fn yuan(fen: Option<i64>) -> Option<f64> {
    // Prices are far below 2^53 分, so the conversion is exact to the 分.
    fen.map(|f| f as f64 / 100.0)
}

fn date(d: NaiveDate) -> String {
    d.format(yiqiao_core::time::DATE_FORMAT).to_string()
}

fn time(t: DateTime<Utc>) -> String {
    yiqiao_core::time::format_local(t)
}

/// A prescription flag (处方药标志) as sent: `1` prescription drug, `0` not.
pub fn rx_flag(rx: bool) -> &'static str {
    if rx { "1" } else { "0" }
}

/// The batch (定点医药机构批次流水号) of a receipt line: `RK<receipt>-<line>`.
pub fn bchno(receipt_id: i64, line_no: i32) -> String {
    format!("RK{receipt_id}-{line_no}")
}

/// What the catalogue says of a drug, shared by every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugFacts {
    /// 医疗目录编码 (the drug's NHSA code; empty when the catalogue lacks it).
    pub med_list_codg: String,
    /// 定点医药机构目录编号: the HIS drug code.
    pub hilist_id: String,
    pub hilist_name: String,
    pub rx: bool,
    pub manufacturer: String,
    pub approval_no: String,
}

/// A stock batch (a receipt line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFacts {
    pub bchno: String,
    pub lotnum: String,
    pub manu_date: NaiveDate,
    pub expiry: NaiveDate,
    pub price_fen: Option<i64>,
}

/// 3503 商品采购 / 3504 商品采购退货: one receipt line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub drug: DrugFacts,
    pub batch: BatchFacts,
    pub dynt_no: Option<String>,
    pub supplier: String,
    pub supplier_licence: Option<String>,
    pub invoice_no: Option<String>,
    /// In smallest units.
    pub count: i64,
    pub at: DateTime<Utc>,
    pub opter_name: String,
    /// 3504: the purchase it returns (商品采购流水号).
    pub purchase_no: Option<String>,
}

/// Who bought: the prescription's patient and settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// Settled through insurance (医保结算), else self-pay.
    pub insured: bool,
    pub setl_id: Option<String>,
    /// MDTRT_ID when insured, the hospital's visit serial when self-pay.
    pub mdtrt_sn: String,
    pub psn_no: Option<String>,
    pub psn_cert_type: String,
    pub certno: String,
    pub psn_name: String,
}

/// 3505 商品销售 / 3506 商品销售退货: the codes of one dispense line from one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub drug: DrugFacts,
    pub batch: BatchFacts,
    pub buyer: Buyer,
    pub doctor_name: String,
    pub doctor_cert_type: Option<String>,
    pub doctor_certno: Option<String>,
    pub pharmacist_name: String,
    pub pharmacist_cert_no: String,
    pub rx_no: String,
    /// 零售单据号: the dispense (`FY<id>`).
    pub docno: String,
    /// In smallest units.
    pub count: i64,
    /// 拆零.
    pub split: bool,
    pub at: DateTime<Utc>,
    pub opter_name: String,
    pub codes: Vec<String>,
    /// 3506: the sale it returns (商品销售流水号, the 3505's `msgid` tail).
    pub sale_no: Option<String>,
}

/// 3501 商品盘存上传: one batch counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockTake {
    pub drug: DrugFacts,
    pub batch: BatchFacts,
    pub date: NaiveDate,
    /// Whole packages in stock.
    pub count: i64,
    /// Opened packages (拆零) still holding units: in stock with what they have left.
    pub opened: Vec<OpenedPackage>,
    pub memo: Option<String>,
    pub codes: Vec<String>,
}

/// 3502 商品库存变更 (`inv_chg_type` from the dictionary, e.g. `101` 调拨入库).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockChange {
    pub drug: DrugFacts,
    pub batch: BatchFacts,
    pub chg_type: String,
    pub count: i64,
    pub split: bool,
    pub at: DateTime<Utc>,
    pub opter_name: String,
    pub memo: Option<String>,
    pub codes: Vec<String>,
}

/// An opened package (拆零) counted at a stock-take: the smallest units it has left of what it
/// held when whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedPackage {
    pub units_left: i64,
    pub units: i64,
}

/// `inv_cnt` (num 16,2, in packages): the whole packages, plus each opened package as the
/// fraction it has left, to two decimals (half up). Without opened packages, a whole number.
pub fn inv_cnt(whole: i64, opened: &[OpenedPackage]) -> Value {
    if opened.is_empty() {
        return json!(whole);
    }
    let hundredths: i64 = whole.saturating_mul(100)
        + opened
            .iter()
            .filter(|o| o.units > 0)
            .map(|o| (o.units_left.max(0) * 200 + o.units) / (2 * o.units))
            .sum::<i64>();
    let cnt = hundredths as f64 / 100.0;
    json!(cnt)
}

/// A record as its `input` node, field for field.
pub fn stock_take(r: &StockTake) -> Value {
    json!({"invinfo": {
        "med_list_codg": r.drug.med_list_codg,
        "fixmedins_hilist_id": r.drug.hilist_id,
        "fixmedins_hilist_name": r.drug.hilist_name,
        "rx_flag": rx_flag(r.drug.rx),
        "invdate": date(r.date),
        "inv_cnt": inv_cnt(r.count, &r.opened),
        "manu_lotnum": r.batch.lotnum,
        "fixmedins_bchno": r.batch.bchno,
        "manu_date": date(r.batch.manu_date),
        "expy_end": date(r.batch.expiry),
        "memo": r.memo,
        "drugtracinfo": tracs(&r.codes),
    }})
}

pub fn stock_change(r: &StockChange) -> Value {
    json!({"invinfo": {
        "med_list_codg": r.drug.med_list_codg,
        "inv_chg_type": r.chg_type,
        "fixmedins_hilist_id": r.drug.hilist_id,
        "fixmedins_hilist_name": r.drug.hilist_name,
        "fixmedins_bchno": r.batch.bchno,
        "pric": yuan(r.batch.price_fen).unwrap_or(0.0),
        "cnt": r.count,
        "rx_flag": rx_flag(r.drug.rx),
        "inv_chg_time": time(r.at),
        "inv_chg_opter_name": r.opter_name,
        "memo": r.memo,
        "trdn_flag": if r.split { "1" } else { "0" },
        "drugtracinfo": tracs(&r.codes),
    }})
}

pub fn purchase(r: &Purchase) -> Value {
    json!({"purcinfo": {
        "med_list_codg": r.drug.med_list_codg,
        "fixmedins_hilist_id": r.drug.hilist_id,
        "fixmedins_hilist_name": r.drug.hilist_name,
        "dynt_no": r.dynt_no,
        "fixmedins_bchno": r.batch.bchno,
        "spler_name": r.supplier,
        "spler_pmtno": r.supplier_licence,
        "manu_lotnum": r.batch.lotnum,
        "prodentp_name": r.drug.manufacturer,
        "aprvno": r.drug.approval_no,
        "manu_date": date(r.batch.manu_date),
        "expy_end": date(r.batch.expiry),
        "finl_trns_pric": yuan(r.batch.price_fen),
        "purc_retn_cnt": r.count,
        "purc_invo_codg": Value::Null,
        "purc_invo_no": r.invoice_no,
        "rx_flag": rx_flag(r.drug.rx),
        "purc_retn_stoin_time": time(r.at),
        "purc_retn_opter_name": r.opter_name,
        "prod_geay_flag": "0",
        "memo": Value::Null,
    }})
}

pub fn purchase_return(r: &Purchase) -> Value {
    json!({"purcinfo": {
        "med_list_codg": r.drug.med_list_codg,
        "fixmedins_hilist_id": r.drug.hilist_id,
        "fixmedins_hilist_name": r.drug.hilist_name,
        "fixmedins_bchno": r.batch.bchno,
        "spler_name": r.supplier,
        "spler_pmtno": r.supplier_licence,
        "manu_date": date(r.batch.manu_date),
        "expy_end": date(r.batch.expiry),
        "finl_trns_pric": yuan(r.batch.price_fen),
        "purc_retn_cnt": r.count,
        "purc_invo_codg": Value::Null,
        "purc_invo_no": r.invoice_no,
        "rx_flag": rx_flag(r.drug.rx),
        "purc_retn_stoin_time": time(r.at),
        "purc_retn_opter_name": r.opter_name,
        "memo": Value::Null,
        "medins_prod_purc_no": r.purchase_no,
    }})
}

fn setl_type(insured: bool) -> &'static str {
    if insured { "1" } else { "2" }
}

/// 3505. The flat `drug_trac_codg` of older front-ends is filled when sent (see [`request`]).
pub fn sale(r: &Sale) -> Value {
    json!({"selinfo": {
        "med_list_codg": r.drug.med_list_codg,
        "fixmedins_hilist_id": r.drug.hilist_id,
        "fixmedins_hilist_name": r.drug.hilist_name,
        "fixmedins_bchno": r.batch.bchno,
        "prsc_dr_cert_type": r.doctor_cert_type,
        "prsc_dr_certno": r.doctor_certno,
        "prsc_dr_name": r.doctor_name,
        "phar_cert_type": Value::Null,
        "phar_certno": Value::Null,
        "phar_name": r.pharmacist_name,
        "phar_prac_cert_no": r.pharmacist_cert_no,
        "hi_feesetl_type": setl_type(r.buyer.insured),
        "setl_id": r.buyer.setl_id,
        "mdtrt_sn": r.buyer.mdtrt_sn,
        "psn_no": r.buyer.psn_no,
        "psn_cert_type": r.buyer.psn_cert_type,
        "certno": r.buyer.certno,
        "psn_name": r.buyer.psn_name,
        "manu_lotnum": r.batch.lotnum,
        "manu_date": date(r.batch.manu_date),
        "expy_end": date(r.batch.expiry),
        "rx_flag": rx_flag(r.drug.rx),
        "trdn_flag": if r.split { "1" } else { "0" },
        "finl_trns_pric": yuan(r.batch.price_fen),
        "rxno": r.rx_no,
        "rx_circ_flag": "0",
        "rtal_docno": r.docno,
        "stoout_no": r.docno,
        "bchno": r.batch.lotnum,
        "drug_trac_codg": Value::Null,
        "drug_prod_barc": Value::Null,
        "shelf_posi": Value::Null,
        "sel_retn_cnt": r.count,
        "sel_retn_time": time(r.at),
        "sel_retn_opter_name": r.opter_name,
        "memo": Value::Null,
        "mdtrt_setl_type": setl_type(r.buyer.insured),
        "drugtracinfo": tracs(&r.codes),
    }})
}

/// 3506.
pub fn sale_return(r: &Sale) -> Value {
    json!({"selinfo": {
        "med_list_codg": r.drug.med_list_codg,
        "fixmedins_hilist_id": r.drug.hilist_id,
        "fixmedins_hilist_name": r.drug.hilist_name,
        "fixmedins_bchno": r.batch.bchno,
        "setl_id": r.buyer.setl_id,
        "psn_no": r.buyer.psn_no,
        "psn_cert_type": r.buyer.psn_cert_type,
        "certno": r.buyer.certno,
        "psn_name": r.buyer.psn_name,
        "manu_lotnum": r.batch.lotnum,
        "manu_date": date(r.batch.manu_date),
        "expy_end": date(r.batch.expiry),
        "rx_flag": rx_flag(r.drug.rx),
        "trdn_flag": if r.split { "1" } else { "0" },
        "finl_trns_pric": yuan(r.batch.price_fen),
        "sel_retn_cnt": r.count,
        "sel_retn_time": time(r.at),
        "sel_retn_opter_name": r.opter_name,
        "memo": Value::Null,
        "medins_prod_sel_no": r.sale_no,
        "mdtrt_sn": r.buyer.mdtrt_sn,
        "drugtracinfo": tracs(&r.codes),
    }})
}

/// 3507: delete the record of batch `bchno` sent as `of`.
pub fn delete(bchno: &str, of: Infno) -> Value {
    json!({"data": {
        "fixmedins_bchno": bchno,
        "inv_data_type": of.inv_data_type().unwrap_or(""),
    }})
}

/// The outbox id of a message: `yyyyMMddHHmmss` (Beijing time) and a 4-digit sequence.
pub fn message_no(now: DateTime<Utc>, seq: i64) -> String {
    let local = now.with_timezone(&yiqiao_core::time::shanghai());
    format!(
        "{}{:04}",
        local.format("%Y%m%d%H%M%S"),
        seq.rem_euclid(10_000)
    )
}

/// The wire `msgid`: institution code + [`message_no`].
pub fn msgid(cfg: &TracecodeConfig, message_no: &str) -> String {
    format!("{}{}", cfg.fixmedins_code, message_no)
}

/// What is queued in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub infno: String,
    /// 经办人: the HIS staff code of a linked account, else the user name.
    pub opter: String,
    pub opter_name: String,
    /// The HIS staff member (工号) the account that caused it is linked to: a resend names the
    /// same pharmacist, with his licence as the HIS now has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_code: Option<String>,
    pub input: Value,
    /// What the record was built from, so that a resend after a fix (the drug's NHSA code,
    /// a pharmacist's 执业资格证号) rebuilds it from the corrected data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// The domain records a message was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Source {
    /// A receipt line (3503).
    ReceiptLine { receipt_id: i64, line_no: i32 },
    /// A supplier return line (3504).
    ReturnLine { return_id: i64, line_no: i32 },
    /// Codes of one dispense from one batch: 3505, or 3506 when `returned`.
    Sale {
        dispense_id: i64,
        receipt_line_id: i64,
        codes: Vec<String>,
        returned: bool,
    },
    /// Smallest units drawn from one opened package (拆零, `trdn_flag` 1): 3505, or 3506 when
    /// `returned`.
    SplitSale { draw_id: i64, returned: bool },
    /// Smallest units drawn from one opened package for a ward line (拆零, `trdn_flag` 1):
    /// 3505, or 3506 when `returned`.
    WardSplitSale { draw_id: i64, returned: bool },
    /// Codes of one ward line (住院病区发药) from one batch: 3505, or 3506 when `returned`.
    WardSale {
        ward_line_id: i64,
        receipt_line_id: i64,
        codes: Vec<String>,
        returned: bool,
    },
}

impl Source {
    /// A sale given back (3506), not made (3505); purchases are neither.
    pub fn returned(&self) -> bool {
        match self {
            Source::ReceiptLine { .. } | Source::ReturnLine { .. } => false,
            Source::Sale { returned, .. }
            | Source::SplitSale { returned, .. }
            | Source::WardSplitSale { returned, .. }
            | Source::WardSale { returned, .. } => *returned,
        }
    }
}

/// The request as sent: the envelope of the spec around the queued `input`.
pub fn request(
    cfg: &TracecodeConfig,
    message_no: &str,
    q: &Queued,
    inf_time: DateTime<Utc>,
) -> Value {
    let mut input = q.input.clone();
    if cfg.flat_trac_codg && q.infno == Infno::Sale.code() {
        let first = input["selinfo"]["drugtracinfo"][0]["drug_trac_codg"].clone();
        if let Some(rec) = input.get_mut("selinfo").and_then(Value::as_object_mut) {
            rec.insert("drug_trac_codg".into(), first);
        }
    }
    json!({
        "infno": q.infno,
        "msgid": msgid(cfg, message_no),
        "mdtrtarea_admvs": cfg.mdtrtarea_admvs,
        "insuplc_admdvs": cfg.insuplc_admdvs,
        "recer_sys_code": cfg.recer_sys_code,
        "dev_no": cfg.dev_no,
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "",
        "infver": cfg.infver,
        "opter_type": "1",
        "opter": q.opter,
        "opter_name": q.opter_name,
        "inf_time": time(inf_time),
        "fixmedins_code": cfg.fixmedins_code,
        "fixmedins_name": cfg.fixmedins_name,
        "sign_no": "",
        "input": input,
    })
}

/// How NHSA answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `infcode = 0` and `retRslt = 1`.
    Accepted,
    /// `infcode ≠ 0`, or `retRslt = 0`: waits for a person (fix and resend, or 3507).
    Rejected(String),
    /// Not an answer of the interface (a proxy's page, a truncated body): try again.
    Unreadable(String),
}

/// Reads a response body by the spec's rule: rejected = `infcode ≠ 0`, or `infcode = 0` and
/// `retRslt = 0`.
pub fn read_answer(body: &str) -> Answer {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return Answer::Unreadable("医保平台的应答不是 JSON".into());
    };
    let infcode = match &v["infcode"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(infcode) = infcode else {
        return Answer::Unreadable("医保平台的应答缺少 infcode".into());
    };
    if infcode != 0 {
        let msg = v["err_msg"].as_str().unwrap_or("").to_owned();
        return Answer::Rejected(format!("医保平台拒收（infcode {infcode}）：{msg}"));
    }
    let result = &v["output"]["result"];
    let ret = match &result["retRslt"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    match ret {
        Some(1) => Answer::Accepted,
        Some(_) => Answer::Rejected(format!(
            "医保平台业务拒收：{}",
            result["msgRslt"].as_str().unwrap_or("（未说明原因）")
        )),
        None => Answer::Unreadable("医保平台的应答缺少 output.result.retRslt".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opened_package_counts_at_stock_take_as_the_fraction_it_has_left() {
        let o = |units_left, units| OpenedPackage { units_left, units };
        assert_eq!(inv_cnt(3, &[]), json!(3));
        assert_eq!(inv_cnt(3, &[o(18, 24)]), json!(3.75));
        assert_eq!(inv_cnt(0, &[o(1, 3), o(2, 3)]), json!(1.0));
        assert_eq!(inv_cnt(2, &[o(1, 24)]), json!(2.04));
    }

    #[test]
    fn every_field_list_carries_its_required_fields() {
        let drug = DrugFacts {
            med_list_codg: "XA01".into(),
            hilist_id: "D1".into(),
            hilist_name: "阿莫西林胶囊".into(),
            rx: true,
            manufacturer: "厂".into(),
            approval_no: "国药准字H1".into(),
        };
        let batch = BatchFacts {
            bchno: bchno(1, 1),
            lotnum: "B1".into(),
            manu_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            expiry: NaiveDate::from_ymd_opt(2028, 1, 1).unwrap_or_default(),
            price_fen: Some(1234),
        };
        let buyer = Buyer {
            insured: false,
            setl_id: None,
            mdtrt_sn: "V1".into(),
            psn_no: None,
            psn_cert_type: "01".into(),
            certno: "x".into(),
            psn_name: "王".into(),
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let sale_r = Sale {
            drug: drug.clone(),
            batch: batch.clone(),
            buyer,
            doctor_name: "李".into(),
            doctor_cert_type: None,
            doctor_certno: None,
            pharmacist_name: "张".into(),
            pharmacist_cert_no: "P1".into(),
            rx_no: "RX1".into(),
            docno: "FY1".into(),
            count: 24,
            split: false,
            at,
            opter_name: "张".into(),
            codes: vec!["81234560000000000001".into()],
            sale_no: None,
        };
        let purc = Purchase {
            drug: drug.clone(),
            batch: batch.clone(),
            dynt_no: None,
            supplier: "华东医药".into(),
            supplier_licence: None,
            invoice_no: Some("INV1".into()),
            count: 24,
            at,
            opter_name: "药库".into(),
            purchase_no: None,
        };
        let cases = [
            (Infno::Sale, sale(&sale_r), 38),
            (Infno::SaleReturn, sale_return(&sale_r), 22),
            (Infno::Purchase, purchase(&purc), 21),
            (Infno::PurchaseReturn, purchase_return(&purc), 17),
            (
                Infno::StockTake,
                stock_take(&StockTake {
                    drug: drug.clone(),
                    batch: batch.clone(),
                    date: batch.manu_date,
                    count: 3,
                    opened: vec![],
                    memo: None,
                    codes: vec![],
                }),
                12,
            ),
            (
                Infno::StockChange,
                stock_change(&StockChange {
                    drug,
                    batch,
                    chg_type: "101".into(),
                    count: 3,
                    split: false,
                    at,
                    opter_name: "x".into(),
                    memo: None,
                    codes: vec![],
                }),
                13,
            ),
            (Infno::Delete, delete("RK1-1", Infno::Sale), 2),
        ];
        for (infno, v, n) in cases {
            let rec = v[infno.node()].as_object().cloned().unwrap_or_default();
            assert_eq!(rec.len(), n, "{}", infno.code());
            for f in infno.required() {
                let x = &rec[*f];
                assert!(
                    !x.is_null() && x.as_str() != Some(""),
                    "{} {f}",
                    infno.code()
                );
            }
        }
    }

    #[test]
    fn answers_are_read_by_the_specs_rule() {
        assert_eq!(
            read_answer(r#"{"infcode":0,"output":{"result":{"retRslt":1,"msgRslt":"成功"}}}"#),
            Answer::Accepted
        );
        assert_eq!(
            read_answer(
                r#"{"infcode":0,"output":{"result":{"retRslt":0,"msgRslt":"追溯码已销售"}}}"#
            ),
            Answer::Rejected("医保平台业务拒收：追溯码已销售".into())
        );
        assert_eq!(
            read_answer(r#"{"infcode":-1,"err_msg":"签名错误"}"#),
            Answer::Rejected("医保平台拒收（infcode -1）：签名错误".into())
        );
        assert!(matches!(read_answer("<html>"), Answer::Unreadable(_)));
        assert!(matches!(
            read_answer(r#"{"infcode":0}"#),
            Answer::Unreadable(_)
        ));
    }

    #[test]
    fn message_numbers_are_beijing_time_and_four_digits() {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(message_no(t, 12_345), "197001010800002345");
        let cfg = TracecodeConfig::default();
        assert_eq!(
            msgid(&cfg, "197001010800000001"),
            "H33100200001197001010800000001"
        );
    }
}
