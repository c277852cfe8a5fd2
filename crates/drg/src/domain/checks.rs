//! Data checks before upload (结算清单 / 病案首页 质控): each rule has an id, a severity and a
//! message in Chinese naming the problem. Pure functions over a discharged stay and the
//! grouping version — no I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiqiao_core::time::shanghai;

use super::case::{Case, Gender};
use super::version::Version;

/// 严重程度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 错误: the case cannot be grouped correctly; fix before upload.
    Error,
    /// 提示: probably wrong; a coder should look.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提示",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// The rules, in the order they are applied and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rule {
    /// 性别为空或不是 1/2.
    SexInvalid,
    /// 年龄为空.
    AgeMissing,
    /// 0 岁无日龄.
    AgeDaysMissing,
    /// 新生儿（≤ 28 天）无出生体重.
    NewbornWeightMissing,
    /// 出生体重不在 100–9999 克.
    WeightOutOfRange,
    /// 无主要诊断.
    PrincipalMissing,
    /// 诊断编码不在分组方案字典中.
    DiagnosisUnknown,
    /// 手术操作编码不在分组方案字典中.
    ProcedureUnknown,
    /// 主要诊断不能作为主要诊断（星号编码、外因编码、形态学编码）.
    PrincipalNotAllowed,
    /// 诊断与性别不符.
    DiagnosisSexConflict,
    /// 诊断与年龄不符.
    DiagnosisAgeConflict,
    /// 呼吸机编码与呼吸机使用时长不符.
    VentilationConflict,
    /// 住院天数与入出院时间不符.
    StayDaysConflict,
    /// 转院/转社区无拟接收机构.
    TransferOrgMissing,
    /// 手术日期不在住院期间.
    ProcedureDateOutsideStay,
}

impl Rule {
    pub const ALL: [Rule; 15] = [
        Rule::SexInvalid,
        Rule::AgeMissing,
        Rule::AgeDaysMissing,
        Rule::NewbornWeightMissing,
        Rule::WeightOutOfRange,
        Rule::PrincipalMissing,
        Rule::DiagnosisUnknown,
        Rule::ProcedureUnknown,
        Rule::PrincipalNotAllowed,
        Rule::DiagnosisSexConflict,
        Rule::DiagnosisAgeConflict,
        Rule::VentilationConflict,
        Rule::StayDaysConflict,
        Rule::TransferOrgMissing,
        Rule::ProcedureDateOutsideStay,
    ];

    /// The rule id, e.g. `DRG-C01`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::SexInvalid => "DRG-C01",
            Rule::AgeMissing => "DRG-C02",
            Rule::AgeDaysMissing => "DRG-C03",
            Rule::NewbornWeightMissing => "DRG-C04",
            Rule::WeightOutOfRange => "DRG-C05",
            Rule::PrincipalMissing => "DRG-C06",
            Rule::DiagnosisUnknown => "DRG-C07",
            Rule::ProcedureUnknown => "DRG-C08",
            Rule::PrincipalNotAllowed => "DRG-C09",
            Rule::DiagnosisSexConflict => "DRG-C10",
            Rule::DiagnosisAgeConflict => "DRG-C11",
            Rule::VentilationConflict => "DRG-C12",
            Rule::StayDaysConflict => "DRG-C13",
            Rule::TransferOrgMissing => "DRG-C14",
            Rule::ProcedureDateOutsideStay => "DRG-C15",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            // A perinatal code later in life is sometimes right (sequelae); a coder decides.
            Rule::DiagnosisAgeConflict => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// What the rule checks, for the rule list.
    pub fn title(self) -> &'static str {
        match self {
            Rule::SexInvalid => "性别为空或不是 1（男）/2（女）",
            Rule::AgeMissing => "年龄为空",
            Rule::AgeDaysMissing => "年龄 0 岁未填年龄（天）",
            Rule::NewbornWeightMissing => "新生儿（≤ 28 天）未填出生体重",
            Rule::WeightOutOfRange => "出生体重不在 100–9999 克之间",
            Rule::PrincipalMissing => "没有主要诊断",
            Rule::DiagnosisUnknown => "诊断编码不在分组方案字典中，无法映射",
            Rule::ProcedureUnknown => "手术操作编码不在分组方案字典中，无法映射",
            Rule::PrincipalNotAllowed => "主要诊断不能作为主要诊断",
            Rule::DiagnosisSexConflict => "诊断与性别不符",
            Rule::DiagnosisAgeConflict => "诊断与年龄不符",
            Rule::VentilationConflict => "呼吸机编码与呼吸机使用时长不符",
            Rule::StayDaysConflict => "实际住院天数与入出院时间不符",
            Rule::TransferOrgMissing => "医嘱转院/转社区未填拟接收机构",
            Rule::ProcedureDateOutsideStay => "手术操作日期不在住院期间",
        }
    }

    pub fn by_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }
}

/// One problem found in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The field at fault (settlement-list field name).
    pub field: String,
    pub message: String,
}

impl Finding {
    fn new(rule: Rule, field: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.id(),
            severity: rule.severity(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A procedure as the checks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayProcedure {
    pub code: String,
    /// 手术及操作日期.
    pub date: Option<DateTime<Utc>>,
}

/// 出院病例: the settlement-list fields the checks and the grouper read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub id: String,
    /// 性别 code as recorded (`1`, `2`, or something wrong).
    pub sex: String,
    pub age_years: Option<i64>,
    pub age_days: Option<i64>,
    /// 新生儿出生体重, grams.
    pub birth_weight: Option<i64>,
    pub admitted_at: DateTime<Utc>,
    pub discharged_at: DateTime<Utc>,
    /// 实际住院天数.
    pub los_days: i64,
    /// 离院方式.
    pub discharge_way: String,
    /// 拟接收机构名称.
    pub transfer_org: Option<String>,
    /// 呼吸机使用时长, hours.
    pub ventilation_hours: Option<i64>,
    pub dept_code: String,
    /// The first is the principal diagnosis.
    pub diagnoses: Vec<String>,
    /// The first is the main procedure.
    pub procedures: Vec<StayProcedure>,
}

fn count(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

impl Stay {
    /// The case the grouper groups.
    pub fn case(&self) -> Case {
        Case {
            id: self.id.clone(),
            gender: Gender::parse(&self.sex),
            age_years: count(self.age_years),
            age_days: count(self.age_days),
            birth_weight: count(self.birth_weight),
            dept: self.dept_code.clone(),
            stay_days: count(Some(self.los_days)),
            leaving_type: self.discharge_way.clone(),
            diagnoses: self.diagnoses.clone(),
            procedures: self.procedures.iter().map(|p| p.code.clone()).collect(),
        }
    }

    /// The case the grouper groups, with codes the dictionary does not know replaced by the
    /// version's code map (编码映射): what the provincial platform does with the hospital's
    /// codes before grouping.
    pub fn case_for(&self, version: &Version) -> Case {
        let mut case = self.case();
        for d in &mut case.diagnoses {
            if let Some(m) = version.map_diagnosis(d) {
                *d = m.to_owned();
            }
        }
        for p in &mut case.procedures {
            if let Some(m) = version.map_procedure(p) {
                *p = m.to_owned();
            }
        }
        case
    }

    /// 实际住院天数 by the settlement-list rule: discharge date − admission date (local
    /// dates), a same-day stay counting as 1.
    pub fn expected_los_days(&self) -> i64 {
        let days = (local_date(self.discharged_at) - local_date(self.admitted_at)).num_days();
        days.max(1)
    }
}

/// Why a principal diagnosis may not be principal, if it may not.
fn not_principal(code: &str) -> Option<&'static str> {
    let first = code.chars().next()?;
    if code.ends_with('*') && !code.contains('+') {
        return Some("星号编码（临床表现）只能作附加编码");
    }
    if matches!(first, 'V' | 'W' | 'X' | 'Y') {
        return Some("损伤中毒的外部原因编码只能作附加编码");
    }
    if first == 'M' && code.contains('/') {
        return Some("肿瘤形态学编码只能作附加编码");
    }
    None
}

/// The ventilation code families of ICD-9-CM-3: 96.71 (< 96 小时), 96.72 (≥ 96 小时).
const VENT_SHORT: &str = "96.71";
const VENT_LONG: &str = "96.72";
const VENT_LONG_HOURS: i64 = 96;

/// Every problem of a stay, in rule order. An empty list: the case may be uploaded.
pub fn check(stay: &Stay, version: &Version) -> Vec<Finding> {
    let mut out = Vec::new();
    // C01 sex.
    let sex = Gender::parse(&stay.sex);
    match &sex {
        Gender::Missing => out.push(Finding::new(Rule::SexInvalid, "sex", "性别为空")),
        Gender::Other(g) => out.push(Finding::new(
            Rule::SexInvalid,
            "sex",
            format!("性别「{g}」不是 1（男）或 2（女）"),
        )),
        Gender::Male | Gender::Female => {}
    }
    // C02–C05 age and newborn fields.
    match stay.age_years {
        None => out.push(Finding::new(Rule::AgeMissing, "age", "年龄（岁）为空")),
        Some(0) if stay.age_days.is_none() => out.push(Finding::new(
            Rule::AgeDaysMissing,
            "age_days",
            "年龄为 0 岁，须填年龄（天）",
        )),
        _ => {}
    }
    if let Some(d) = stay.age_days
        && d <= 28
        && stay.age_years.unwrap_or(0) == 0
        && stay.birth_weight.is_none()
    {
        out.push(Finding::new(
            Rule::NewbornWeightMissing,
            "birth_weight",
            format!("新生儿（{d} 天）须填出生体重"),
        ));
    }
    if let Some(w) = stay.birth_weight
        && !(100..=9999).contains(&w)
    {
        out.push(Finding::new(
            Rule::WeightOutOfRange,
            "birth_weight",
            format!("出生体重 {w} 克不在 100–9999 克之间"),
        ));
    }
    // C06 principal diagnosis.
    let principal = stay
        .diagnoses
        .first()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty());
    if principal.is_none() {
        out.push(Finding::new(
            Rule::PrincipalMissing,
            "diagnoses",
            "没有主要诊断",
        ));
    }
    // C07, C08 codes the version does not know and cannot map (a mapped code is grouped as
    // its target, so it is no problem).
    for (i, code) in stay.diagnoses.iter().enumerate() {
        if !code.trim().is_empty()
            && !version.knows_diagnosis(code)
            && version.map_diagnosis(code).is_none()
        {
            out.push(Finding::new(
                Rule::DiagnosisUnknown,
                format!("diagnoses[{i}]"),
                format!(
                    "诊断编码「{code}」不在分组方案 {} 的字典中，也无法映射",
                    version.name()
                ),
            ));
        }
    }
    for (i, p) in stay.procedures.iter().enumerate() {
        if !version.knows_procedure(&p.code) && version.map_procedure(&p.code).is_none() {
            out.push(Finding::new(
                Rule::ProcedureUnknown,
                format!("procedures[{i}]"),
                format!(
                    "手术操作编码「{}」不在分组方案 {} 的字典中，也无法映射",
                    p.code,
                    version.name()
                ),
            ));
        }
    }
    // C09 principal that may not be principal.
    if let Some(p) = principal
        && let Some(why) = not_principal(p)
    {
        out.push(Finding::new(
            Rule::PrincipalNotAllowed,
            "diagnoses[0]",
            format!("主要诊断「{p}」不能作为主要诊断：{why}"),
        ));
    }
    // C10 sex, C11 age: the version's sex- and age-specific MDC lists say where a code belongs.
    for (i, code) in stay.diagnoses.iter().enumerate() {
        if let Some((mdc, g)) = version.diagnosis_sex(code)
            && matches!(sex, Gender::Male | Gender::Female)
            && sex.code() != g
        {
            let (own, other) = if g == 1 {
                ("男性", "女")
            } else {
                ("女性", "男")
            };
            out.push(Finding::new(
                Rule::DiagnosisSexConflict,
                format!("diagnoses[{i}]"),
                format!("诊断「{code}」属{own}疾病（{mdc}），患者性别为{other}"),
            ));
        }
        if let Some((mdc, a)) = version.diagnosis_age(code)
            && let Some(age) = stay.age_years
            && age != i64::from(a)
        {
            out.push(Finding::new(
                Rule::DiagnosisAgeConflict,
                format!("diagnoses[{i}]"),
                format!("诊断「{code}」属 {a} 岁患者的疾病（{mdc}），患者年龄为 {age} 岁"),
            ));
        }
    }
    // C12 ventilation.
    for (i, p) in stay.procedures.iter().enumerate() {
        let field = format!("procedures[{i}]");
        let hours = stay.ventilation_hours;
        if p.code.starts_with(VENT_SHORT) {
            match hours {
                None => out.push(Finding::new(
                    Rule::VentilationConflict,
                    field,
                    format!("有呼吸机编码「{}」但未填呼吸机使用时长", p.code),
                )),
                Some(h) if h >= VENT_LONG_HOURS => out.push(Finding::new(
                    Rule::VentilationConflict,
                    field,
                    format!(
                        "呼吸机使用 {h} 小时，应编码 96.72（≥ 96 小时），而非「{}」",
                        p.code
                    ),
                )),
                _ => {}
            }
        } else if p.code.starts_with(VENT_LONG) {
            match hours {
                None => out.push(Finding::new(
                    Rule::VentilationConflict,
                    field,
                    format!("有呼吸机编码「{}」但未填呼吸机使用时长", p.code),
                )),
                Some(h) if h < VENT_LONG_HOURS => out.push(Finding::new(
                    Rule::VentilationConflict,
                    field,
                    format!(
                        "呼吸机使用 {h} 小时，不足 96 小时，应编码 96.71，而非「{}」",
                        p.code
                    ),
                )),
                _ => {}
            }
        }
    }
    // C13 length of stay.
    let expected = stay.expected_los_days();
    if stay.los_days != expected {
        out.push(Finding::new(
            Rule::StayDaysConflict,
            "los_days",
            format!(
                "实际住院天数填 {} 天，按入院 {} 与出院 {} 应为 {expected} 天",
                stay.los_days,
                local_date(stay.admitted_at),
                local_date(stay.discharged_at)
            ),
        ));
    }
    // C14 transfer without the receiving institution.
    if matches!(stay.discharge_way.as_str(), "2" | "3")
        && stay
            .transfer_org
            .as_deref()
            .is_none_or(|o| o.trim().is_empty())
    {
        let way = if stay.discharge_way == "2" {
            "医嘱转院"
        } else {
            "医嘱转社区卫生服务机构/乡镇卫生院"
        };
        out.push(Finding::new(
            Rule::TransferOrgMissing,
            "transfer_org",
            format!("离院方式为{way}，未填拟接收机构名称"),
        ));
    }
    // C15 procedure dates: by local date, since a date is often recorded without a time.
    let (first, last) = (local_date(stay.admitted_at), local_date(stay.discharged_at));
    for (i, p) in stay.procedures.iter().enumerate() {
        if let Some(d) = p.date.map(local_date)
            && (d < first || d > last)
        {
            out.push(Finding::new(
                Rule::ProcedureDateOutsideStay,
                format!("procedures[{i}].date"),
                format!(
                    "手术操作「{}」日期 {d} 不在住院期间（{first} 至 {last}）",
                    p.code
                ),
            ));
        }
    }
    out
}
