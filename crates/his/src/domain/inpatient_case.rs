//! 出院病例 (a discharged inpatient stay) with the settlement-list fields DRG grouping needs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::codes::SEX;
use yiqiao_core::{FieldError, Sex};

use super::codes::{ADMISSION_CONDITION, DISCHARGE_WAY, PROCEDURE_GRADE};
use super::drug::MAX_FEN;
use super::read::{Errors, Reader, id_ref, opt_id_ref};
use super::{Kind, Record, Ref, field, local_datetime, local_datetime_opt};

/// `PUT /his/v1/inpatient-cases/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"patient_id": "P0001", "admission_no": "ZY2026001234", "sex": "1",
    "age": 67, "age_days": null, "birth_weight": null,
    "admitted_at": "2026-03-02 10:12:00", "discharged_at": "2026-03-09 09:30:00",
    "los_days": 7, "discharge_way": "1", "transfer_org": null, "admit_dept_code": "A03.04",
    "dept_code": "A03.04", "doctor_code": "D012", "total_cost": 3256012,
    "self_paid": 523400, "insurance_type": "职工医保", "setl_id": "S2026030900012",
    "ventilation_hours": null,
    "diagnoses": [{"code": "I25.103", "name": "冠状动脉粥样硬化性心脏病", "admission_condition": "1"},
                  {"code": "I10.x00", "name": "特发性（原发性）高血压", "admission_condition": "1"}],
    "procedures": [{"code": "36.0700", "name": "药物洗脱冠状动脉支架置入",
        "date": "2026-03-03 14:00:00", "operator": "张伟", "anesthesia": "26", "grade": "4"}]}))]
pub struct InpatientCase {
    /// 患者 (a patient id that exists).
    pub patient_id: String,
    /// 住院号/病案号 (≤ 30).
    pub admission_no: String,
    /// 性别 at admission, GB/T 2261.1.
    #[schema(value_type = String, example = "1")]
    pub sex: Sex,
    /// 年龄 (周岁, 0–150).
    pub age: i64,
    /// 年龄 in days (newborns; 0–60000).
    pub age_days: Option<i64>,
    /// 新生儿出生体重, grams.
    pub birth_weight: Option<i64>,
    /// 入院时间.
    #[serde(with = "local_datetime")]
    #[schema(value_type = String, example = "2026-03-02 10:12:00")]
    pub admitted_at: DateTime<Utc>,
    /// 出院时间 (not before 入院时间).
    #[serde(with = "local_datetime")]
    #[schema(value_type = String, example = "2026-03-09 09:30:00")]
    pub discharged_at: DateTime<Utc>,
    /// 实际住院天数.
    pub los_days: i64,
    /// 离院方式: 1 医嘱离院, 2 医嘱转院, 3 医嘱转社区卫生服务机构/乡镇卫生院, 4 非医嘱离院, 5 死亡, 9 其他.
    pub discharge_way: String,
    /// 拟接收机构名称 (≤ 100), for 离院方式 2 and 3.
    pub transfer_org: Option<String>,
    /// 入院科室 (a department code that exists).
    pub admit_dept_code: Option<String>,
    /// 出院科室 (a department code that exists).
    pub dept_code: String,
    /// 主治医师 (a staff code that exists).
    pub doctor_code: String,
    /// 住院总费用, 分.
    pub total_cost: i64,
    /// 自付金额, 分 (at most the total).
    pub self_paid: Option<i64>,
    /// 医保类型 (≤ 20), e.g. 职工医保, 居民医保, 自费.
    pub insurance_type: Option<String>,
    /// 医保结算 ID (≤ 30).
    pub setl_id: Option<String>,
    /// 呼吸机使用时长, hours.
    pub ventilation_hours: Option<i64>,
    /// 诊断: the first is the principal diagnosis; ICD-10 国家临床版, at most 50.
    #[schema(required = false)]
    pub diagnoses: Vec<CaseDiagnosis>,
    /// 手术及操作: the first is the main procedure; ICD-9-CM-3, at most 30.
    #[schema(required = false)]
    pub procedures: Vec<CaseProcedure>,
}

/// A diagnosis of a stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseDiagnosis {
    /// ICD-10 code (≤ 30).
    pub code: String,
    /// 名称 (≤ 100).
    pub name: Option<String>,
    /// 入院病情: 1 有, 2 临床未确定, 3 情况不明, 4 无.
    pub admission_condition: Option<String>,
}

impl CaseDiagnosis {
    fn read(r: &Reader<'_, '_>) -> Option<CaseDiagnosis> {
        let code = r.text("code", 30);
        let name = r.opt_text("name", 100);
        let admission_condition = r.opt_code("admission_condition", &ADMISSION_CONDITION);
        Some(CaseDiagnosis {
            code: code?,
            name,
            admission_condition,
        })
    }
}

/// A procedure of a stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseProcedure {
    /// ICD-9-CM-3 code (≤ 30).
    pub code: String,
    /// 名称 (≤ 100).
    pub name: Option<String>,
    /// 手术及操作日期.
    #[serde(with = "local_datetime_opt")]
    #[schema(value_type = Option<String>)]
    pub date: Option<DateTime<Utc>>,
    /// 术者 (≤ 50).
    pub operator: Option<String>,
    /// 麻醉方式 code (≤ 10).
    pub anesthesia: Option<String>,
    /// 手术级别 1–4.
    pub grade: Option<String>,
}

impl CaseProcedure {
    fn read(r: &Reader<'_, '_>) -> Option<CaseProcedure> {
        let code = r.text("code", 30);
        let name = r.opt_text("name", 100);
        let date = r.opt_time("date");
        let operator = r.opt_text("operator", 50);
        let anesthesia = r.opt_text("anesthesia", 10);
        let grade = r.opt_code("grade", &PROCEDURE_GRADE);
        Some(CaseProcedure {
            code: code?,
            name,
            date,
            operator,
            anesthesia,
            grade,
        })
    }
}

impl Record for InpatientCase {
    const KIND: Kind = Kind::InpatientCase;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let patient_id = id_ref(&r, "patient_id");
        let admission_no = r.text("admission_no", 30);
        let sex = r.code("sex", &SEX).and_then(|c| Sex::from_code(&c));
        let age = r.int("age", 0, 150, " 岁");
        let age_days = r.opt_int("age_days", 0, 60_000, " 天");
        let birth_weight = r.opt_int("birth_weight", 0, 99_999, " 克");
        let admitted_at = r.time("admitted_at");
        let discharged_at = r.time("discharged_at");
        if let (Some(a), Some(d)) = (admitted_at, discharged_at)
            && d < a
        {
            r.refuse("discharged_at", "出院时间早于入院时间");
        }
        let los_days = r.int("los_days", 0, 36_500, " 天");
        let discharge_way = r.code("discharge_way", &DISCHARGE_WAY);
        let transfer_org = r.opt_text("transfer_org", 100);
        let admit_dept_code = opt_id_ref(&r, "admit_dept_code");
        let dept_code = id_ref(&r, "dept_code");
        let doctor_code = id_ref(&r, "doctor_code");
        let total_cost = r.int("total_cost", 0, MAX_FEN, " 分");
        let self_paid = r.opt_int("self_paid", 0, MAX_FEN, " 分");
        if let (Some(t), Some(s)) = (total_cost, self_paid)
            && s > t
        {
            r.refuse("self_paid", format!("自付金额 {s} 分大于总费用 {t} 分"));
        }
        let insurance_type = r.opt_text("insurance_type", 20);
        let setl_id = r.opt_text("setl_id", 30);
        let ventilation_hours = r.opt_int("ventilation_hours", 0, 100_000, " 小时");
        let diagnoses = r.list("diagnoses", 0, 50, CaseDiagnosis::read);
        let procedures = r.list("procedures", 0, 30, CaseProcedure::read);
        r.finish();
        errs.finish((|| {
            Some(InpatientCase {
                patient_id: patient_id?,
                admission_no: admission_no?,
                sex: sex?,
                age: age?,
                age_days,
                birth_weight,
                admitted_at: admitted_at?,
                discharged_at: discharged_at?,
                los_days: los_days?,
                discharge_way: discharge_way?,
                transfer_org,
                admit_dept_code: admit_dept_code?,
                dept_code: dept_code?,
                doctor_code: doctor_code?,
                total_cost: total_cost?,
                self_paid,
                insurance_type,
                setl_id,
                ventilation_hours,
                diagnoses: diagnoses?,
                procedures: procedures?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        let k = Self::KIND;
        let mut refs = vec![
            Ref::new(field(k, "patient_id"), Kind::Patient, &self.patient_id),
            Ref::new(field(k, "dept_code"), Kind::Department, &self.dept_code),
            Ref::new(field(k, "doctor_code"), Kind::Staff, &self.doctor_code),
        ];
        if let Some(d) = &self.admit_dept_code {
            refs.push(Ref::new(field(k, "admit_dept_code"), Kind::Department, d));
        }
        refs
    }
}
