//! The records the HIS sends, as typed values, and how a raw JSON record becomes one.
//!
//! Pure code: no database, no HTTP. Each record type has `parse(&Value) -> Result<Self,
//! Vec<FieldError>>` (every bad field named, in Chinese) and says which other records it
//! refers to ([`Record::refs`]); the store checks that those exist.
//!
//! What is refused here is what is malformed field by field (types, lengths, code tables, dates,
//! ID numbers, negative amounts, duplicate line numbers). Consistency between fields that the
//! quality rules of later modules report (an ID number's birth date against `birth_date`, an
//! emergency visit without triage level, a length of stay that contradicts the dates, a newborn
//! without birth weight…) is kept and left to those rules, which exist to show such problems to
//! people; refusing them here would hide them.

pub mod charge;
pub mod codes;
pub mod department;
pub mod drug;
pub mod inpatient_case;
pub mod patient;
pub mod prescription;
pub mod read;
pub mod staff;
pub mod visit;
pub mod ward_dispensing;

use serde::Serialize;
use serde_json::Value;
use yiqiao_core::FieldError;

pub use charge::Charge;
pub use department::Department;
pub use drug::Drug;
pub use inpatient_case::InpatientCase;
pub use patient::Patient;
pub use prescription::Prescription;
pub use staff::Staff;
pub use visit::Visit;
pub use ward_dispensing::WardDispensing;

/// The kinds of record of the feed, in the order they must be sent (a record may only refer to
/// kinds before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Department,
    Staff,
    Patient,
    Drug,
    Visit,
    Charge,
    Prescription,
    WardDispensing,
    InpatientCase,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Department,
        Kind::Staff,
        Kind::Patient,
        Kind::Drug,
        Kind::Visit,
        Kind::Charge,
        Kind::Prescription,
        Kind::WardDispensing,
        Kind::InpatientCase,
    ];

    /// The path segment of the feed (`/his/v1/{path}/{id}`) and the `kind` of a batch line.
    pub fn path(self) -> &'static str {
        match self {
            Kind::Department => "departments",
            Kind::Staff => "staff",
            Kind::Patient => "patients",
            Kind::Drug => "drugs",
            Kind::Visit => "visits",
            Kind::Charge => "charges",
            Kind::Prescription => "prescriptions",
            Kind::WardDispensing => "ward-dispensing",
            Kind::InpatientCase => "inpatient-cases",
        }
    }

    pub fn from_path(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.path() == s)
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Department => "科室",
            Kind::Staff => "人员",
            Kind::Patient => "患者",
            Kind::Drug => "药品",
            Kind::Visit => "就诊",
            Kind::Charge => "收费明细",
            Kind::Prescription => "处方",
            Kind::WardDispensing => "病区发药单",
            Kind::InpatientCase => "出院病例",
        }
    }

    /// The audit log's entity name.
    pub fn entity(self) -> &'static str {
        match self {
            Kind::Department => "department",
            Kind::Staff => "staff",
            Kind::Patient => "patient",
            Kind::Drug => "drug",
            Kind::Visit => "visit",
            Kind::Charge => "charge",
            Kind::Prescription => "prescription",
            Kind::WardDispensing => "ward_dispensing",
            Kind::InpatientCase => "inpatient_case",
        }
    }

    /// The audit action of an upsert, e.g. `his.patient.upsert`.
    pub fn action(self) -> &'static str {
        match self {
            Kind::Department => "his.department.upsert",
            Kind::Staff => "his.staff.upsert",
            Kind::Patient => "his.patient.upsert",
            Kind::Drug => "his.drug.upsert",
            Kind::Visit => "his.visit.upsert",
            Kind::Charge => "his.charge.upsert",
            Kind::Prescription => "his.prescription.upsert",
            Kind::WardDispensing => "his.ward_dispensing.upsert",
            Kind::InpatientCase => "his.inpatient_case.upsert",
        }
    }

    /// The main table and its key column.
    pub fn table(self) -> (&'static str, &'static str) {
        match self {
            Kind::Department => ("his_department", "code"),
            Kind::Staff => ("his_staff", "code"),
            Kind::Patient => ("his_patient", "id"),
            Kind::Drug => ("his_drug", "code"),
            Kind::Visit => ("his_visit", "id"),
            Kind::Charge => ("his_charge", "id"),
            Kind::Prescription => ("his_prescription", "rx_no"),
            Kind::WardDispensing => ("his_ward_dispensing", "id"),
            Kind::InpatientCase => ("his_inpatient_case", "id"),
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}

/// A reference from one record to another, to be checked against the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// The referring field, e.g. `visits.patient_id`.
    pub field: String,
    pub kind: Kind,
    pub id: String,
}

impl Ref {
    pub fn new(field: impl Into<String>, kind: Kind, id: &str) -> Self {
        Ref {
            field: field.into(),
            kind,
            id: id.to_owned(),
        }
    }

    /// The refusal when the referred record does not exist.
    pub fn missing(&self) -> FieldError {
        FieldError::new(
            self.field.clone(),
            format!(
                "{} {} 不存在，请先推送{}",
                self.kind.label(),
                self.id,
                self.kind.label()
            ),
        )
    }
}

/// A record of the feed.
pub trait Record: Serialize + PartialEq + Clone + std::fmt::Debug + Send + Sync + 'static {
    const KIND: Kind;

    /// Reads a raw JSON record (the body of a `PUT`, or `record` of a batch line).
    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>>;

    /// The records this one refers to (each must exist).
    fn refs(&self) -> Vec<Ref>;
}

/// The field path of `key` in a record of kind `K`, e.g. `patients.id_no`.
pub fn field(kind: Kind, key: &str) -> String {
    format!("{}.{key}", kind.path())
}

/// Refuses duplicate line numbers in a list (`lines[2].line_no: 行号 3 重复`).
pub(crate) fn check_unique_line_nos(
    r: &read::Reader<'_, '_>,
    list_key: &str,
    line_nos: impl IntoIterator<Item = i64>,
) {
    let mut seen = std::collections::BTreeSet::new();
    for (i, n) in line_nos.into_iter().enumerate() {
        if !seen.insert(n) {
            r.refuse(
                &format!("{list_key}[{i}].line_no"),
                format!("行号 {n} 重复"),
            );
        }
    }
}

/// A coded entry (diagnosis, syndrome): code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coded {
    /// 编码 (ICD-10 国家临床版, GB/T 15657-2021 …); may be empty when nothing matches.
    pub code: Option<String>,
    /// 名称.
    pub name: String,
}

impl Coded {
    pub(crate) fn read(r: &read::Reader<'_, '_>) -> Option<Coded> {
        let code = r.opt_text("code", 30);
        let name = r.text("name", 100)?;
        Some(Coded { code, name })
    }
}

/// Serde helpers for times on the wire (`YYYY-MM-DD HH:MM:SS`, 北京时间).
pub use yiqiao_core::time::{local_datetime, local_datetime_opt};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use serde_json::json;
    use yiqiao_core::IdCardNo;

    /// Any JSON value, a few levels deep, with the feed's field names among the keys.
    fn any_json() -> impl Strategy<Value = Value> {
        let keys = prop::sample::select(vec![
            "name",
            "sex",
            "id_no",
            "id_type",
            "lines",
            "line_no",
            "quantity",
            "date",
            "code",
            "patient_id",
            "birth_date",
            "address",
            "amount",
            "x",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,20}".prop_map(Value::String),
            Just(json!("2026-11-02 08:00:00")),
            Just(json!("331002198506122010")),
        ];
        leaf.prop_recursive(3, 40, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| {
                    Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    fn parses_or_names_a_field<R: Record>(v: &Value) {
        match R::parse(v) {
            Ok(r) => {
                // Whatever is accepted reads back to itself.
                let again = serde_json::to_value(&r).expect("serialise");
                assert_eq!(R::parse(&again).as_ref(), Ok(&r));
            }
            Err(errs) => assert!(!errs.is_empty()),
        }
    }

    proptest! {
        #[test]
        fn no_input_makes_a_parser_panic(v in any_json()) {
            parses_or_names_a_field::<Department>(&v);
            parses_or_names_a_field::<Staff>(&v);
            parses_or_names_a_field::<Patient>(&v);
            parses_or_names_a_field::<Drug>(&v);
            parses_or_names_a_field::<Visit>(&v);
            parses_or_names_a_field::<Charge>(&v);
            parses_or_names_a_field::<Prescription>(&v);
            parses_or_names_a_field::<WardDispensing>(&v);
            parses_or_names_a_field::<InpatientCase>(&v);
        }

        #[test]
        fn valid_patients_parse_and_round_trip(
            days in 0i64..40_000,
            seq in 0u16..1000,
            name in "[\u{4e00}-\u{9fa5}]{2,4}",
            phone in "1[3-9][0-9]{9}",
            lower in any::<bool>(),
            pad in any::<bool>(),
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).expect("date")
                + chrono::Duration::days(days);
            let no = IdCardNo::compose("331082", birth, seq).expect("compose");
            let id_no = if lower { no.as_str().to_lowercase() } else { no.as_str().to_owned() };
            let name = if pad { format!("  {name} ") } else { name };
            let v = json!({"card_no": "MZ1", "name": name, "sex": no.sex().code(),
                "birth_date": birth.to_string(), "id_type": "1", "id_no": id_no,
                "phone": phone});
            let p = Patient::parse(&v).expect("valid patient");
            prop_assert_eq!(p.id_no.as_str(), no.as_str());
            prop_assert_eq!(p.name.trim(), p.name.as_str());
            let again = Patient::parse(&serde_json::to_value(&p).expect("json")).expect("again");
            prop_assert_eq!(again, p);
        }

        #[test]
        fn a_changed_digit_of_an_id_number_is_refused(
            days in 0i64..40_000,
            seq in 0u16..1000,
            pos in 6usize..17,
            bump in 1u32..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).expect("date")
                + chrono::Duration::days(days);
            let no = IdCardNo::compose("331002", birth, seq).expect("compose");
            let mut chars: Vec<char> = no.as_str().chars().collect();
            let d = chars[pos].to_digit(10).expect("digit");
            chars[pos] = char::from_digit((d + bump) % 10, 10).expect("digit");
            let changed: String = chars.into_iter().collect();
            let v = json!({"card_no": "MZ1", "name": "张三", "sex": "1",
                "birth_date": "1990-01-01", "id_type": "1", "id_no": changed});
            let errs = Patient::parse(&v).expect_err("refused");
            prop_assert_eq!(errs.len(), 1);
            prop_assert_eq!(errs[0].field.as_str(), "patients.id_no");
        }

        #[test]
        fn ids_of_allowed_characters_are_accepted(id in "[A-Za-z0-9._-]{1,64}") {
            prop_assert_eq!(read::parse_id("id", &id), Ok(id.clone()));
        }

        #[test]
        fn ids_with_another_character_are_refused(
            head in "[A-Za-z0-9]{0,10}",
            bad in "[^A-Za-z0-9._-]",
            tail in "[A-Za-z0-9]{0,10}",
        ) {
            let id = format!("{head}{bad}{tail}");
            prop_assert!(read::parse_id("id", &id).is_err());
        }
    }

    #[test]
    fn kinds_round_trip_through_their_path() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_path(k.path()), Some(k));
        }
        assert_eq!(Kind::from_path("patient"), None);
    }

    #[test]
    fn a_visit_names_nested_errors() {
        let v = json!({"patient_id": "P1", "visit_type": "8", "dept_code": "A/1",
            "doctor_code": "D1", "visited_at": "2026-11-02 25:00:00",
            "western_diagnoses": [{"code": "J06.900"}],
            "procedures": [{"name": "x", "date": "2026-11-02", "grade": "5"}]});
        let errs: Vec<String> = Visit::parse(&v)
            .expect_err("refused")
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errs,
            vec![
                "字段 visits.visit_type：就诊类型代码 8 不在 门（急）诊诊疗信息页代码表（国卫办医政发〔2024〕16号） 中",
                "字段 visits.dept_code：编号含不允许的字符「/」，只允许字母、数字、点、连字符和下划线",
                "字段 visits.visited_at：时间 2026-11-02 25:00:00 不存在",
                "字段 visits.western_diagnoses[0].name：必填，不能为空",
                "字段 visits.procedures[0].date：时间「2026-11-02」格式不正确，应为 YYYY-MM-DD HH:MM:SS",
                "字段 visits.procedures[0].grade：手术级别代码 5 不在 门（急）诊诊疗信息页代码表（国卫办医政发〔2024〕16号） 中",
            ]
        );
    }

    #[test]
    fn staff_id_numbers_need_a_type_and_are_checked() {
        let base = json!({"name": "李四", "role": "doctor", "dept_code": "A1"});
        let mut v = base.clone();
        v["id_no"] = json!("331002198506122010");
        let errs = Staff::parse(&v).expect_err("refused");
        assert_eq!(
            errs[0].to_string(),
            "字段 staff.id_type：填写了证件号码时必须填写证件类型"
        );
        v["id_type"] = json!("1");
        v["id_no"] = json!("331002198506122011");
        let errs = Staff::parse(&v).expect_err("refused");
        assert_eq!(errs[0].field, "staff.id_no");
        v["id_no"] = json!("331002198506122010");
        assert!(Staff::parse(&v).is_ok());
        assert_eq!(Staff::parse(&base).map(|s| s.active), Ok(true));
    }
}
