//! 收费明细 (one charge line of a visit).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;

use super::drug::{MAX_FEN, MAX_QUANTITY};
use super::read::{Errors, Reader, id_ref, opt_id_ref};
use super::{Kind, Record, Ref, field, local_datetime};

/// `PUT /his/v1/charges/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"visit_id": "V0001", "item_code": "110200001", "item_name": "普通门诊诊查费",
    "category": "02", "category_name": "诊查费", "drug_code": null, "dept_code": "A50.01",
    "unit_price": 2500, "quantity": 1, "amount": 2500, "self_paid": 500,
    "charged_at": "2026-11-02 08:01:10", "settlement_id": null}))]
pub struct Charge {
    /// 就诊 (a visit id that exists).
    pub visit_id: String,
    /// 收费项目编码 (≤ 50).
    pub item_code: String,
    /// 收费项目名称 (≤ 100).
    pub item_name: String,
    /// HIS 收费类别 code (≤ 20); the information page maps it to its fee items.
    pub category: String,
    /// HIS 收费类别名称 (≤ 50).
    pub category_name: Option<String>,
    /// 药品 (a drug code that exists) when the line is a drug.
    pub drug_code: Option<String>,
    /// 执行科室 (a department code that exists).
    pub dept_code: Option<String>,
    /// 单价, 分.
    pub unit_price: Option<i64>,
    /// 数量 (in the item's unit; drugs in their smallest unit).
    pub quantity: i64,
    /// 金额, 分.
    pub amount: i64,
    /// 自付金额 (self-paid part), 分, at most `amount`.
    pub self_paid: i64,
    /// 收费时间.
    #[serde(with = "local_datetime")]
    #[schema(value_type = String, example = "2026-11-02 08:01:10")]
    pub charged_at: DateTime<Utc>,
    /// 结算号 (≤ 30).
    pub settlement_id: Option<String>,
}

impl Record for Charge {
    const KIND: Kind = Kind::Charge;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let visit_id = id_ref(&r, "visit_id");
        let item_code = r.text("item_code", 50);
        let item_name = r.text("item_name", 100);
        let category = r.text("category", 20);
        let category_name = r.opt_text("category_name", 50);
        let drug_code = opt_id_ref(&r, "drug_code");
        let dept_code = opt_id_ref(&r, "dept_code");
        let unit_price = r.opt_int("unit_price", 0, MAX_FEN, " 分");
        let quantity = r.int("quantity", 0, MAX_QUANTITY, "");
        let amount = r.int("amount", 0, MAX_FEN, " 分");
        let self_paid = r.int("self_paid", 0, MAX_FEN, " 分");
        if let (Some(a), Some(s)) = (amount, self_paid)
            && s > a
        {
            r.refuse("self_paid", format!("自付金额 {s} 分大于金额 {a} 分"));
        }
        let charged_at = r.time("charged_at");
        let settlement_id = r.opt_text("settlement_id", 30);
        r.finish();
        errs.finish((|| {
            Some(Charge {
                visit_id: visit_id?,
                item_code: item_code?,
                item_name: item_name?,
                category: category?,
                category_name,
                drug_code: drug_code?,
                dept_code: dept_code?,
                unit_price,
                quantity: quantity?,
                amount: amount?,
                self_paid: self_paid?,
                charged_at: charged_at?,
                settlement_id,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        let mut refs = vec![Ref::new(
            field(Self::KIND, "visit_id"),
            Kind::Visit,
            &self.visit_id,
        )];
        if let Some(d) = &self.drug_code {
            refs.push(Ref::new(field(Self::KIND, "drug_code"), Kind::Drug, d));
        }
        if let Some(d) = &self.dept_code {
            refs.push(Ref::new(
                field(Self::KIND, "dept_code"),
                Kind::Department,
                d,
            ));
        }
        refs
    }
}
