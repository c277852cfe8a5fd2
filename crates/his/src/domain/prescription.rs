//! 门诊处方 (outpatient prescription) with its lines, keyed by the prescription number.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;

use super::codes::DRUG_CATEGORY;
use super::drug::{MAX_FEN, MAX_QUANTITY};
use super::read::{Errors, Reader, id_ref, opt_id_ref};
use super::{Kind, Record, Ref, check_unique_line_nos, field, local_datetime, local_datetime_opt};

/// `PUT /his/v1/prescriptions/{rx_no}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"visit_id": "V0001", "patient_id": "P0001", "doctor_code": "D001",
    "dept_code": "A03.01", "pharmacy_code": "Y01", "prescribed_at": "2026-11-02 08:50:00",
    "rx_type": "western", "self_pay": false, "setl_id": "S20261102000123",
    "mdtrt_id": "M20261102000456", "psn_no": "33100000000000001234",
    "settled_at": "2026-11-02 09:02:11",
    "lines": [{"line_no": 1, "drug_code": "X0001", "quantity": 24, "dosage": "0.5g",
        "frequency": "tid", "route": "口服", "days": 4, "unit_price": 35, "amount": 840}]}))]
pub struct Prescription {
    /// 就诊 (a visit id that exists).
    pub visit_id: String,
    /// 患者 (must be the visit's patient).
    pub patient_id: String,
    /// 开方医师 (a staff code that exists).
    pub doctor_code: String,
    /// 开方科室 (a department code that exists).
    pub dept_code: Option<String>,
    /// 发药药房 (a department code that exists).
    pub pharmacy_code: Option<String>,
    /// 开方时间.
    #[serde(with = "local_datetime")]
    #[schema(value_type = String, example = "2026-11-02 08:50:00")]
    pub prescribed_at: DateTime<Utc>,
    /// 处方类别: `western` 西药, `patent` 中成药, `herbal` 中药饮片.
    pub rx_type: Option<String>,
    /// 自费 (true) or settled through medical insurance (false, then `mdtrt_id` is required).
    pub self_pay: bool,
    /// 医保结算 ID `setl_id` (≤ 30), once settled.
    pub setl_id: Option<String>,
    /// 医保就诊 ID `mdtrt_id` (≤ 30).
    pub mdtrt_id: Option<String>,
    /// 医保人员编号 `psn_no` (≤ 30).
    pub psn_no: Option<String>,
    /// 结算时间.
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>)]
    pub settled_at: Option<DateTime<Utc>>,
    /// 处方明细, 1–200 lines with distinct `line_no`.
    pub lines: Vec<PrescriptionLine>,
}

/// One line of a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PrescriptionLine {
    /// 行号 (1–9999, distinct within the prescription).
    pub line_no: i64,
    /// 药品 (a drug code that exists).
    pub drug_code: String,
    /// 数量 in the drug's smallest unit (≥ 1).
    pub quantity: i64,
    /// 单次剂量 (≤ 50).
    pub dosage: Option<String>,
    /// 频次 (≤ 30).
    pub frequency: Option<String>,
    /// 给药途径 (≤ 30).
    pub route: Option<String>,
    /// 用药天数 (0–365).
    pub days: Option<i64>,
    /// 单价, 分 per smallest unit.
    pub unit_price: Option<i64>,
    /// 金额, 分.
    pub amount: Option<i64>,
}

impl PrescriptionLine {
    fn read(r: &Reader<'_, '_>) -> Option<PrescriptionLine> {
        let line_no = r.int("line_no", 1, 9999, "");
        let drug_code = id_ref(r, "drug_code");
        let quantity = r.int("quantity", 1, MAX_QUANTITY, "");
        let dosage = r.opt_text("dosage", 50);
        let frequency = r.opt_text("frequency", 30);
        let route = r.opt_text("route", 30);
        let days = r.opt_int("days", 0, 365, " 天");
        let unit_price = r.opt_int("unit_price", 0, MAX_FEN, " 分");
        let amount = r.opt_int("amount", 0, MAX_FEN, " 分");
        Some(PrescriptionLine {
            line_no: line_no?,
            drug_code: drug_code?,
            quantity: quantity?,
            dosage,
            frequency,
            route,
            days,
            unit_price,
            amount,
        })
    }
}

impl Record for Prescription {
    const KIND: Kind = Kind::Prescription;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let visit_id = id_ref(&r, "visit_id");
        let patient_id = id_ref(&r, "patient_id");
        let doctor_code = id_ref(&r, "doctor_code");
        let dept_code = opt_id_ref(&r, "dept_code");
        let pharmacy_code = opt_id_ref(&r, "pharmacy_code");
        let prescribed_at = r.time("prescribed_at");
        let rx_type = r.opt_code("rx_type", &DRUG_CATEGORY);
        let self_pay = r.bool("self_pay");
        let setl_id = r.opt_text("setl_id", 30);
        let mdtrt_id = r.opt_text("mdtrt_id", 30);
        let psn_no = r.opt_text("psn_no", 30);
        if self_pay == Some(false) && mdtrt_id.is_none() && r.raw("mdtrt_id").is_none() {
            r.refuse("mdtrt_id", "医保结算的处方必须填写医保就诊 ID");
        }
        let settled_at = r.opt_time("settled_at");
        let lines = r.list("lines", 1, 200, PrescriptionLine::read);
        if let Some(lines) = &lines {
            check_unique_line_nos(&r, "lines", lines.iter().map(|l| l.line_no));
        }
        r.finish();
        errs.finish((|| {
            Some(Prescription {
                visit_id: visit_id?,
                patient_id: patient_id?,
                doctor_code: doctor_code?,
                dept_code: dept_code?,
                pharmacy_code: pharmacy_code?,
                prescribed_at: prescribed_at?,
                rx_type,
                self_pay: self_pay?,
                setl_id,
                mdtrt_id,
                psn_no,
                settled_at,
                lines: lines?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        let k = Self::KIND;
        let mut refs = vec![
            Ref::new(field(k, "visit_id"), Kind::Visit, &self.visit_id),
            Ref::new(field(k, "patient_id"), Kind::Patient, &self.patient_id),
            Ref::new(field(k, "doctor_code"), Kind::Staff, &self.doctor_code),
        ];
        if let Some(d) = &self.dept_code {
            refs.push(Ref::new(field(k, "dept_code"), Kind::Department, d));
        }
        if let Some(d) = &self.pharmacy_code {
            refs.push(Ref::new(field(k, "pharmacy_code"), Kind::Department, d));
        }
        for (i, l) in self.lines.iter().enumerate() {
            refs.push(Ref::new(
                field(k, &format!("lines[{i}].drug_code")),
                Kind::Drug,
                &l.drug_code,
            ));
        }
        refs
    }
}
