//! A case to group (病案): the fields of FORMAT.md §1, parsed from text.

use yiqiao_core::FieldError;

/// 性别 as recorded. Anything but `1`/`2` is kept so the input check can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
    Missing,
    Other(String),
}

impl Gender {
    pub fn parse(s: &str) -> Gender {
        match s.trim() {
            "1" | "1.0" => Gender::Male,
            "2" | "2.0" => Gender::Female,
            "" => Gender::Missing,
            other => Gender::Other(other.to_string()),
        }
    }

    pub(crate) fn code(&self) -> u8 {
        match self {
            Gender::Male => 1,
            Gender::Female => 2,
            Gender::Missing | Gender::Other(_) => 0,
        }
    }
}

/// One inpatient case as the grouper sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// 病案号 / the `Index` column.
    pub id: String,
    pub gender: Gender,
    /// 年龄（岁）.
    pub age_years: Option<u32>,
    /// 年龄（天）.
    pub age_days: Option<u32>,
    /// 新生儿出生体重（克）.
    pub birth_weight: Option<u32>,
    /// 科室 (free text).
    pub dept: String,
    /// 住院天数 (not used by any grouping rule).
    pub stay_days: Option<u32>,
    /// 离院方式 (not used by any grouping rule).
    pub leaving_type: String,
    /// 诊断, the first is the principal diagnosis (主要诊断).
    pub diagnoses: Vec<String>,
    /// 手术操作, the first is the main procedure (主要手术); may be empty.
    pub procedures: Vec<String>,
}

/// Split a diagnosis or procedure field on `,` or `|`; an empty field is an empty list.
pub fn split_codes(s: &str) -> Vec<String> {
    let s = s.trim();
    if s.is_empty() {
        return Vec::new();
    }
    s.split([',', '|']).map(|c| c.trim().to_string()).collect()
}

/// A whole non-negative number; `12.0` is read as 12 (the ZJ source strips a trailing `.0`).
pub fn parse_count(field: &str, s: &str) -> Result<Option<u32>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let t = t.strip_suffix(".0").unwrap_or(t);
    t.parse::<u32>()
        .map(Some)
        .map_err(|_| FieldError::new(field, format!("「{s}」不是非负整数")))
}

/// The raw text fields of one case, by the column names of FORMAT.md §9.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseText<'a> {
    pub index: &'a str,
    pub gender: &'a str,
    pub age: &'a str,
    pub age_day: &'a str,
    pub weight: &'a str,
    pub dept: &'a str,
    pub in_hospital_time: &'a str,
    pub leaving_type: &'a str,
    pub diagnoses: &'a str,
    pub procedures: &'a str,
}

impl CaseText<'_> {
    /// Parse, naming every field of a wrong type. Missing values are not errors here: the
    /// grouper's input checks decide about them (CHECK_FAILED with the field at fault).
    pub fn parse(&self) -> Result<Case, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut num = |field: &str, s: &str| match parse_count(field, s) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let age_years = num("age", self.age);
        let age_days = num("ageDay", self.age_day);
        let birth_weight = num("weight", self.weight);
        let stay_days = num("inHospitalTime", self.in_hospital_time);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Case {
            id: self.index.trim().to_string(),
            gender: Gender::parse(self.gender),
            age_years,
            age_days,
            birth_weight,
            dept: self.dept.trim().to_string(),
            stay_days,
            leaving_type: self.leaving_type.trim().to_string(),
            diagnoses: split_codes(self.diagnoses),
            procedures: split_codes(self.procedures),
        })
    }
}
