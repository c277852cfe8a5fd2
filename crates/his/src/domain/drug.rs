//! 药品 (drug catalogue entry), keyed by the HIS's drug code.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;

use super::codes::DRUG_CATEGORY;
use super::read::{Errors, Reader};
use super::{Kind, Record, Ref};

/// The largest money amount accepted anywhere in the feed: 1 亿元 in 分.
pub const MAX_FEN: i64 = 10_000_000_000;
/// The largest quantity accepted anywhere in the feed.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// `PUT /his/v1/drugs/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"generic_name": "阿莫西林胶囊", "trade_name": "阿莫仙",
    "category": "western", "spec": "0.25g*24粒", "form": "胶囊剂",
    "manufacturer": "珠海联邦制药股份有限公司", "approval_no": "国药准字H44021351",
    "nhsa_code": "XJ01CAA040A001010100063", "rx": true, "antibacterial": true, "unit": "粒",
    "pack_unit": "盒", "pack_size": 24, "price": 35, "active": true}))]
pub struct Drug {
    /// 通用名 (≤ 100).
    pub generic_name: String,
    /// 商品名 (≤ 100).
    pub trade_name: Option<String>,
    /// 药品类别: `western` 西药, `patent` 中成药, `herbal` 中药饮片.
    pub category: String,
    /// 规格 (≤ 100).
    pub spec: String,
    /// 剂型 (≤ 50).
    pub form: String,
    /// 生产企业 (≤ 200).
    pub manufacturer: String,
    /// 批准文号 (≤ 100); 中药饮片 often have none.
    pub approval_no: Option<String>,
    /// 国家医保药品编码 `med_list_codg` (≤ 50).
    pub nhsa_code: Option<String>,
    /// 处方药.
    pub rx: bool,
    /// 抗菌药物 (counted in the information page's 抗菌药物费用); may be left out (false).
    #[schema(required = false, default = false)]
    pub antibacterial: bool,
    /// 最小单位 (粒, 片, 支, g …) in which quantities are counted (≤ 20).
    pub unit: String,
    /// 包装单位 (盒, 瓶 …) (≤ 20).
    pub pack_unit: Option<String>,
    /// 包装数量: smallest units per package (≥ 1).
    pub pack_size: i64,
    /// 单价 in 分 per smallest unit.
    pub price: Option<i64>,
    /// 是否在用; may be left out (true).
    #[schema(required = false, default = true)]
    pub active: bool,
}

impl Record for Drug {
    const KIND: Kind = Kind::Drug;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let generic_name = r.text("generic_name", 100);
        let trade_name = r.opt_text("trade_name", 100);
        let category = r.code("category", &DRUG_CATEGORY);
        let spec = r.text("spec", 100);
        let form = r.text("form", 50);
        let manufacturer = r.text("manufacturer", 200);
        let approval_no = r.opt_text("approval_no", 100);
        let nhsa_code = r.opt_text("nhsa_code", 50);
        let rx = r.bool("rx");
        let antibacterial = r.bool_or("antibacterial", false);
        let unit = r.text("unit", 20);
        let pack_unit = r.opt_text("pack_unit", 20);
        let pack_size = r.int("pack_size", 1, MAX_QUANTITY, "");
        let price = r.opt_int("price", 0, MAX_FEN, " 分");
        let active = r.bool_or("active", true);
        r.finish();
        errs.finish((|| {
            Some(Drug {
                generic_name: generic_name?,
                trade_name,
                category: category?,
                spec: spec?,
                form: form?,
                manufacturer: manufacturer?,
                approval_no,
                nhsa_code,
                rx: rx?,
                antibacterial: antibacterial?,
                unit: unit?,
                pack_unit,
                pack_size: pack_size?,
                price,
                active: active?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
}
