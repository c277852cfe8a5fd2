//! 病区发药单 (ward dispensing list): per patient, per order (医嘱), drug and quantity.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;

use super::codes::ORDER_KIND;
use super::drug::MAX_QUANTITY;
use super::read::{Errors, Reader, id_ref, opt_id_ref};
use super::{Kind, Record, Ref, check_unique_line_nos, field, local_datetime};

/// `PUT /his/v1/ward-dispensing/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"ward_code": "W01", "pharmacy_code": "Y03",
    "issued_at": "2026-11-02 10:00:00",
    "lines": [{"line_no": 1, "patient_id": "P0001", "admission_no": "ZY2026001234",
        "bed_no": "12", "order_id": "YZ20261101001", "order_kind": "long",
        "drug_code": "X0001", "quantity": 3, "mdtrt_id": null,
        "ordering_doctor_code": "D001"}]}))]
pub struct WardDispensing {
    /// 病区 (a department code that exists).
    pub ward_code: String,
    /// 发药药房 (a department code that exists).
    pub pharmacy_code: Option<String>,
    /// 发药单生成时间.
    #[serde(with = "local_datetime")]
    #[schema(value_type = String, example = "2026-11-02 10:00:00")]
    pub issued_at: DateTime<Utc>,
    /// 明细, 1–5000 lines with distinct `line_no`.
    pub lines: Vec<WardLine>,
}

/// One line: one drug of one order of one patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WardLine {
    /// 行号 (1–99999, distinct within the list).
    pub line_no: i64,
    /// 患者 (a patient id that exists).
    pub patient_id: String,
    /// 住院号 (≤ 30).
    pub admission_no: Option<String>,
    /// 床号 (≤ 20).
    pub bed_no: Option<String>,
    /// 医嘱号 (≤ 64).
    pub order_id: String,
    /// 医嘱类别: `long` 长期, `temporary` 临时.
    pub order_kind: Option<String>,
    /// 药品 (a drug code that exists).
    pub drug_code: String,
    /// 数量 in the drug's smallest unit (≥ 1).
    pub quantity: i64,
    /// 医保就诊 ID `mdtrt_id` of the stay (≤ 30).
    pub mdtrt_id: Option<String>,
    /// 开嘱医生: the staff code of the doctor who wrote the order (a staff code that exists).
    /// Optional; the NHSA sale names the stay's doctor when it is absent. Left out of the
    /// record's hash when absent, so lists sent before it existed still count as unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering_doctor_code: Option<String>,
}

impl WardLine {
    fn read(r: &Reader<'_, '_>) -> Option<WardLine> {
        let line_no = r.int("line_no", 1, 99_999, "");
        let patient_id = id_ref(r, "patient_id");
        let admission_no = r.opt_text("admission_no", 30);
        let bed_no = r.opt_text("bed_no", 20);
        let order_id = r.text("order_id", 64);
        let order_kind = r.opt_code("order_kind", &ORDER_KIND);
        let drug_code = id_ref(r, "drug_code");
        let quantity = r.int("quantity", 1, MAX_QUANTITY, "");
        let mdtrt_id = r.opt_text("mdtrt_id", 30);
        let ordering_doctor_code = opt_id_ref(r, "ordering_doctor_code");
        Some(WardLine {
            line_no: line_no?,
            patient_id: patient_id?,
            admission_no,
            bed_no,
            order_id: order_id?,
            order_kind,
            drug_code: drug_code?,
            quantity: quantity?,
            mdtrt_id,
            ordering_doctor_code: ordering_doctor_code?,
        })
    }
}

impl Record for WardDispensing {
    const KIND: Kind = Kind::WardDispensing;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let ward_code = id_ref(&r, "ward_code");
        let pharmacy_code = opt_id_ref(&r, "pharmacy_code");
        let issued_at = r.time("issued_at");
        let lines = r.list("lines", 1, 5000, WardLine::read);
        if let Some(lines) = &lines {
            check_unique_line_nos(&r, "lines", lines.iter().map(|l| l.line_no));
        }
        r.finish();
        errs.finish((|| {
            Some(WardDispensing {
                ward_code: ward_code?,
                pharmacy_code: pharmacy_code?,
                issued_at: issued_at?,
                lines: lines?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        let k = Self::KIND;
        let mut refs = vec![Ref::new(
            field(k, "ward_code"),
            Kind::Department,
            &self.ward_code,
        )];
        if let Some(d) = &self.pharmacy_code {
            refs.push(Ref::new(field(k, "pharmacy_code"), Kind::Department, d));
        }
        for (i, l) in self.lines.iter().enumerate() {
            refs.push(Ref::new(
                field(k, &format!("lines[{i}].patient_id")),
                Kind::Patient,
                &l.patient_id,
            ));
            refs.push(Ref::new(
                field(k, &format!("lines[{i}].drug_code")),
                Kind::Drug,
                &l.drug_code,
            ));
            if let Some(d) = &l.ordering_doctor_code {
                refs.push(Ref::new(
                    field(k, &format!("lines[{i}].ordering_doctor_code")),
                    Kind::Staff,
                    d,
                ));
            }
        }
        refs
    }
}
