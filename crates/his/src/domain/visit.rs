//! 门（急）诊就诊 (outpatient or emergency visit) with its diagnoses and procedures.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;

use super::codes::{EMERGENCY_DESTINATION, PROCEDURE_GRADE, TRIAGE_LEVEL, VISIT_TYPE};
use super::read::{Errors, Reader, id_ref};
use super::{Coded, Kind, Record, Ref, field, local_datetime, local_datetime_opt};

/// `PUT /his/v1/visits/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"patient_id": "P0001", "visit_type": "2", "dept_code": "A50.01",
    "doctor_code": "D001", "registered_at": "2026-11-02 08:01:10",
    "checked_in_at": "2026-11-02 08:20:00", "visited_at": "2026-11-02 08:35:42",
    "revisit": false, "infusion": false, "chronic_special": false, "triage_level": null,
    "emergency_destination": null, "admission_cert_at": null, "mdtrt_id": null,
    "settled_at": null, "cancelled": false,
    "western_diagnoses": [{"code": "J06.900", "name": "急性上呼吸道感染"}],
    "tcm_disease": {"code": "A01.01.01.01.", "name": "感冒"},
    "tcm_syndromes": [{"code": "B01.01.01.01.01.", "name": "风寒束表证"}],
    "procedures": []}))]
pub struct Visit {
    /// 患者 (a patient id that exists).
    pub patient_id: String,
    /// 就诊类型: 1 急诊, 2 普通门诊, 3 特需门诊, 4 互联网诊疗, 5 MDT门诊, 9 其他.
    pub visit_type: String,
    /// 就诊科室 (a department code that exists).
    pub dept_code: String,
    /// 接诊医师 (a staff code that exists).
    pub doctor_code: String,
    /// 挂号时间.
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>, example = "2026-11-02 08:01:10")]
    pub registered_at: Option<DateTime<Utc>>,
    /// 报到时间.
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>)]
    pub checked_in_at: Option<DateTime<Utc>>,
    /// 就诊时间 (the doctor confirmed reception).
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>)]
    pub visited_at: Option<DateTime<Utc>>,
    /// 是否复诊.
    pub revisit: Option<bool>,
    /// 是否输液.
    pub infusion: Option<bool>,
    /// 是否门诊慢特病患者.
    pub chronic_special: Option<bool>,
    /// 急诊患者分级: 1 Ⅰ级 … 4 Ⅳ级.
    pub triage_level: Option<String>,
    /// 急诊患者去向: 1 医嘱离院 … 7 急诊转入院, 9 其他.
    pub emergency_destination: Option<String>,
    /// 住院证开具时间.
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>)]
    pub admission_cert_at: Option<DateTime<Utc>>,
    /// 医保就诊 ID `mdtrt_id` (≤ 30).
    pub mdtrt_id: Option<String>,
    /// 结算时间 (the visit was settled in the HIS).
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>)]
    pub settled_at: Option<DateTime<Utc>>,
    /// 已退号/作废; may be left out (false).
    #[schema(required = false, default = false)]
    pub cancelled: bool,
    /// 西医诊断: the first is the main diagnosis (ICD-10 国家临床版), at most 30.
    #[schema(required = false)]
    pub western_diagnoses: Vec<Coded>,
    /// 中医主病 (GB/T 15657-2021).
    pub tcm_disease: Option<Coded>,
    /// 中医证候, at most 10.
    #[schema(required = false)]
    pub tcm_syndromes: Vec<Coded>,
    /// 手术及操作, at most 30.
    #[schema(required = false)]
    pub procedures: Vec<Procedure>,
}

/// 手术及操作 of a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Procedure {
    /// 手术及操作日期 (time).
    #[serde(with = "local_datetime")]
    #[schema(value_type = String, example = "2026-11-02 09:10:00")]
    pub date: DateTime<Utc>,
    /// 名称 (≤ 100).
    pub name: String,
    /// 编码, ICD-9-CM-3 国家临床版 (≤ 30).
    pub code: Option<String>,
    /// 麻醉方式 code (≤ 10).
    pub anesthesia: Option<String>,
    /// 手术级别 1–4.
    pub grade: Option<String>,
    /// 术者 (≤ 50).
    pub operator: Option<String>,
    /// 麻醉医师 (≤ 50).
    pub anesthetist: Option<String>,
}

impl Procedure {
    fn read(r: &Reader<'_, '_>) -> Option<Procedure> {
        let date = r.time("date");
        let name = r.text("name", 100);
        let code = r.opt_text("code", 30);
        let anesthesia = r.opt_text("anesthesia", 10);
        let grade = r.opt_code("grade", &PROCEDURE_GRADE);
        let operator = r.opt_text("operator", 50);
        let anesthetist = r.opt_text("anesthetist", 50);
        Some(Procedure {
            date: date?,
            name: name?,
            code,
            anesthesia,
            grade,
            operator,
            anesthetist,
        })
    }
}

impl Record for Visit {
    const KIND: Kind = Kind::Visit;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let patient_id = id_ref(&r, "patient_id");
        let visit_type = r.code("visit_type", &VISIT_TYPE);
        let dept_code = id_ref(&r, "dept_code");
        let doctor_code = id_ref(&r, "doctor_code");
        let registered_at = r.opt_time("registered_at");
        let checked_in_at = r.opt_time("checked_in_at");
        let visited_at = r.opt_time("visited_at");
        let revisit = r.opt_bool("revisit");
        let infusion = r.opt_bool("infusion");
        let chronic_special = r.opt_bool("chronic_special");
        let triage_level = r.opt_code("triage_level", &TRIAGE_LEVEL);
        let emergency_destination = r.opt_code("emergency_destination", &EMERGENCY_DESTINATION);
        let admission_cert_at = r.opt_time("admission_cert_at");
        let mdtrt_id = r.opt_text("mdtrt_id", 30);
        let settled_at = r.opt_time("settled_at");
        let cancelled = r.bool_or("cancelled", false);
        let western_diagnoses = r.list("western_diagnoses", 0, 30, Coded::read);
        let tcm_disease = r.opt_object("tcm_disease", Coded::read);
        let tcm_syndromes = r.list("tcm_syndromes", 0, 10, Coded::read);
        let procedures = r.list("procedures", 0, 30, Procedure::read);
        r.finish();
        errs.finish((|| {
            Some(Visit {
                patient_id: patient_id?,
                visit_type: visit_type?,
                dept_code: dept_code?,
                doctor_code: doctor_code?,
                registered_at,
                checked_in_at,
                visited_at,
                revisit,
                infusion,
                chronic_special,
                triage_level,
                emergency_destination,
                admission_cert_at,
                mdtrt_id,
                settled_at,
                cancelled: cancelled?,
                western_diagnoses: western_diagnoses?,
                tcm_disease: tcm_disease?,
                tcm_syndromes: tcm_syndromes?,
                procedures: procedures?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        vec![
            Ref::new(
                field(Self::KIND, "patient_id"),
                Kind::Patient,
                &self.patient_id,
            ),
            Ref::new(
                field(Self::KIND, "dept_code"),
                Kind::Department,
                &self.dept_code,
            ),
            Ref::new(
                field(Self::KIND, "doctor_code"),
                Kind::Staff,
                &self.doctor_code,
            ),
        ]
    }
}
