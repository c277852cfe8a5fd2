//! The quality rules VP-R01…VP-R32 (质控规则), as numbered and worded in the specification.
//!
//! Each rule is a pure function of the page and the code tables at hand, returning its
//! findings. A rule only looks at values that are filled: an empty required value is VP-R01's
//! (or its own conditional rule's) finding, never reported twice as "not in the table".

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;
use yiqiao_core::UnifiedCreditCode;

use super::codes::{self, DictKind, Dicts, FixedList};
use super::page::{Coded, FeeItem, Page, is_blank};

/// How a finding weighs: an `error` blocks submission and export, a `warning` does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding (质控问题): which rule, how it weighs, which field, and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub field: String,
    pub message: String,
}

impl Finding {
    fn error(rule: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: Severity::Error,
            field: field.into(),
            message: message.into(),
        }
    }

    fn warning(rule: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: Severity::Warning,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A rule: its id (a contract — reports and other systems count them) and its check.
pub struct Rule {
    pub id: &'static str,
    pub check: fn(&Page, &Dicts) -> Vec<Finding>,
}

/// Every rule, in order.
pub const RULES: [Rule; 32] = [
    Rule {
        id: "VP-R01",
        check: vp_r01,
    },
    Rule {
        id: "VP-R02",
        check: vp_r02,
    },
    Rule {
        id: "VP-R03",
        check: vp_r03,
    },
    Rule {
        id: "VP-R04",
        check: vp_r04,
    },
    Rule {
        id: "VP-R05",
        check: vp_r05,
    },
    Rule {
        id: "VP-R06",
        check: vp_r06,
    },
    Rule {
        id: "VP-R07",
        check: vp_r07,
    },
    Rule {
        id: "VP-R08",
        check: vp_r08,
    },
    Rule {
        id: "VP-R09",
        check: vp_r09,
    },
    Rule {
        id: "VP-R10",
        check: vp_r10,
    },
    Rule {
        id: "VP-R11",
        check: vp_r11,
    },
    Rule {
        id: "VP-R12",
        check: vp_r12,
    },
    Rule {
        id: "VP-R13",
        check: vp_r13,
    },
    Rule {
        id: "VP-R14",
        check: vp_r14,
    },
    Rule {
        id: "VP-R15",
        check: vp_r15,
    },
    Rule {
        id: "VP-R16",
        check: vp_r16,
    },
    Rule {
        id: "VP-R17",
        check: vp_r17,
    },
    Rule {
        id: "VP-R18",
        check: vp_r18,
    },
    Rule {
        id: "VP-R19",
        check: vp_r19,
    },
    Rule {
        id: "VP-R20",
        check: vp_r20,
    },
    Rule {
        id: "VP-R21",
        check: vp_r21,
    },
    Rule {
        id: "VP-R22",
        check: vp_r22,
    },
    Rule {
        id: "VP-R23",
        check: vp_r23,
    },
    Rule {
        id: "VP-R24",
        check: vp_r24,
    },
    Rule {
        id: "VP-R25",
        check: vp_r25,
    },
    Rule {
        id: "VP-R26",
        check: vp_r26,
    },
    Rule {
        id: "VP-R27",
        check: vp_r27,
    },
    Rule {
        id: "VP-R28",
        check: vp_r28,
    },
    Rule {
        id: "VP-R29",
        check: vp_r29,
    },
    Rule {
        id: "VP-R30",
        check: vp_r30,
    },
    Rule {
        id: "VP-R31",
        check: vp_r31,
    },
    Rule {
        id: "VP-R32",
        check: vp_r32,
    },
];

/// Runs every rule on a page.
pub fn check(page: &Page, dicts: &Dicts) -> Vec<Finding> {
    RULES.iter().flat_map(|r| (r.check)(page, dicts)).collect()
}

/// Whether any finding blocks submission.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// The Chinese name of a field, for messages.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "org_name" => "医疗机构名称",
        "org_credit_code" => "统一社会信用代码",
        "card_no" => "就诊卡号/病案号",
        "name" => "姓名",
        "sex" => "性别",
        "birth_date" => "出生日期",
        "marital" => "婚姻状态",
        "nationality" => "国籍",
        "ethnicity" => "民族",
        "id_type" => "证件类型",
        "id_no" => "证件号码",
        "address.province" => "现住址（省）",
        "address.city" => "现住址（市）",
        "address.county" => "现住址（县）",
        "address.detail" => "现住址（详细地址）",
        "phone" => "联系电话",
        "drug_allergy" => "药物过敏史",
        "allergy_drugs" => "过敏药物",
        "other_allergy" => "其他过敏史",
        "other_allergens" => "其他过敏原",
        "registered_at" => "挂号时间",
        "checked_in_at" => "报到时间",
        "visited_at" => "就诊时间",
        "dept_code" => "就诊科室代码",
        "dept_name" => "就诊科室",
        "doctor" => "接诊医师",
        "doctor_title" => "接诊医师职称",
        "visit_type" => "就诊类型",
        "revisit" => "是否复诊",
        "infusion" => "是否输液",
        "chronic_special" => "是否为门诊慢特病患者",
        "triage_level" => "急诊患者分级",
        "emergency_destination" => "急诊患者去向",
        "admission_cert_at" => "住院证开具时间",
        "western_diagnoses[0].name" => "主要诊断名称",
        "fees.total" => "总费用",
        "fees.self_paid" => "自付金额",
        _ => "",
    }
}

/// The value, trimmed, when it is filled (not empty, spaces, `-`, `/` or `无`).
fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !is_blank(s)).map(str::trim)
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02} 元", a / 100, a % 100)
}

fn named(field: &str) -> String {
    let l = field_label(field);
    if l.is_empty() {
        field.to_string()
    } else {
        format!("「{l}」")
    }
}

/// VP-R01: a required field is empty (a lone `-`, `/`, `无` or spaces count as empty).
pub fn vp_r01(p: &Page, _: &Dicts) -> Vec<Finding> {
    let texts: [(&str, &Option<String>); 22] = [
        ("org_name", &p.org_name),
        ("org_credit_code", &p.org_credit_code),
        ("card_no", &p.card_no),
        ("name", &p.name),
        ("sex", &p.sex),
        ("marital", &p.marital),
        ("nationality", &p.nationality),
        ("ethnicity", &p.ethnicity),
        ("id_type", &p.id_type),
        ("id_no", &p.id_no),
        ("address.province", &p.address.province),
        ("address.city", &p.address.city),
        ("address.detail", &p.address.detail),
        ("phone", &p.phone),
        ("drug_allergy", &p.drug_allergy),
        ("dept_code", &p.dept_code),
        ("doctor", &p.doctor),
        ("doctor_title", &p.doctor_title),
        ("visit_type", &p.visit_type),
        ("revisit", &p.revisit),
        ("infusion", &p.infusion),
        ("chronic_special", &p.chronic_special),
    ];
    let mut empty: Vec<&str> = texts
        .iter()
        .filter(|(_, v)| filled(v).is_none())
        .map(|(f, _)| *f)
        .collect();
    if p.birth_date.is_none() {
        empty.push("birth_date");
    }
    if p.visited_at.is_none() {
        empty.push("visited_at");
    }
    // No main diagnosis at all is VP-R16's; a main diagnosis without a name is this rule's.
    if let Some(main) = p.western_diagnoses.first()
        && filled(&main.name).is_none()
    {
        empty.push("western_diagnoses[0].name");
    }
    if p.fees.total.is_none() {
        empty.push("fees.total");
    }
    if p.fees.self_paid.is_none() {
        empty.push("fees.self_paid");
    }
    empty
        .into_iter()
        .map(|f| Finding::error("VP-R01", f, format!("必填项{}为空", named(f))))
        .collect()
}

fn fixed(field: &str, v: &Option<String>, list: &FixedList, out: &mut Vec<Finding>) {
    if let Some(c) = filled(v)
        && !list.contains(c)
    {
        out.push(Finding::error(
            "VP-R02",
            field,
            format!(
                "{}的值「{c}」不在{}代码表中（{}）",
                named(field),
                list.name,
                list.describe()
            ),
        ));
    }
}

fn dict(
    field: &str,
    v: &Option<String>,
    kind: DictKind,
    dicts: &Dicts,
    by_name: bool,
    out: &mut Vec<Finding>,
) {
    if let (Some(c), Some(d)) = (filled(v), dicts.get(kind)) {
        let ok = if by_name {
            d.has_code_or_name(c)
        } else {
            d.contains(c)
        };
        if !ok {
            out.push(Finding::error(
                "VP-R02",
                field,
                format!("{}的值「{c}」不在{}中", named(field), kind.label()),
            ));
        }
    }
}

/// VP-R02: a coded field's value is not in its code table.
pub fn vp_r02(p: &Page, d: &Dicts) -> Vec<Finding> {
    let mut out = Vec::new();
    fixed("sex", &p.sex, &codes::SEX, &mut out);
    fixed("marital", &p.marital, &codes::MARITAL, &mut out);
    dict(
        "nationality",
        &p.nationality,
        DictKind::Nationality,
        d,
        false,
        &mut out,
    );
    dict(
        "ethnicity",
        &p.ethnicity,
        DictKind::Ethnicity,
        d,
        false,
        &mut out,
    );
    fixed("id_type", &p.id_type, &codes::ID_TYPE, &mut out);
    fixed("drug_allergy", &p.drug_allergy, &codes::ALLERGY, &mut out);
    fixed("other_allergy", &p.other_allergy, &codes::ALLERGY, &mut out);
    dict(
        "dept_code",
        &p.dept_code,
        DictKind::Department,
        d,
        false,
        &mut out,
    );
    dict(
        "doctor_title",
        &p.doctor_title,
        DictKind::Title,
        d,
        true,
        &mut out,
    );
    fixed("visit_type", &p.visit_type, &codes::VISIT_TYPE, &mut out);
    fixed("revisit", &p.revisit, &codes::YES_NO, &mut out);
    fixed("infusion", &p.infusion, &codes::YES_NO, &mut out);
    fixed(
        "chronic_special",
        &p.chronic_special,
        &codes::YES_NO,
        &mut out,
    );
    fixed(
        "triage_level",
        &p.triage_level,
        &codes::TRIAGE_LEVEL,
        &mut out,
    );
    fixed(
        "emergency_destination",
        &p.emergency_destination,
        &codes::EMERGENCY_DESTINATION,
        &mut out,
    );
    for (i, pr) in p.procedures.iter().enumerate() {
        let f = format!("procedures[{i}].anesthesia");
        dict(&f, &pr.anesthesia, DictKind::Anesthesia, d, false, &mut out);
        let f = format!("procedures[{i}].grade");
        fixed(&f, &pr.grade, &codes::PROCEDURE_GRADE, &mut out);
    }
    out
}

/// The longest text each field allows, in characters. The regulation's data set fixes the
/// columns; these bounds follow its element lengths (names 50, addresses 200, diagnoses 100).
pub const MAX_CHARS: &[(&str, usize)] = &[
    ("org_name", 70),
    ("card_no", 50),
    ("name", 50),
    ("id_no", 32),
    ("address.province", 32),
    ("address.city", 32),
    ("address.county", 32),
    ("address.detail", 200),
    ("phone", 20),
    ("allergy_drugs", 200),
    ("other_allergens", 200),
    ("dept_name", 50),
    ("doctor", 50),
    ("diagnosis", 100),
    ("procedure", 100),
    ("person", 50),
];

fn max_chars(kind: &str) -> usize {
    MAX_CHARS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(usize::MAX, |(_, n)| *n)
}

/// VP-R03: a text is longer than the field allows.
pub fn vp_r03(p: &Page, _: &Dicts) -> Vec<Finding> {
    let mut texts: Vec<(String, &str, &Option<String>)> = vec![
        ("org_name".into(), "org_name", &p.org_name),
        ("card_no".into(), "card_no", &p.card_no),
        ("name".into(), "name", &p.name),
        ("id_no".into(), "id_no", &p.id_no),
        (
            "address.province".into(),
            "address.province",
            &p.address.province,
        ),
        ("address.city".into(), "address.city", &p.address.city),
        ("address.county".into(), "address.county", &p.address.county),
        ("address.detail".into(), "address.detail", &p.address.detail),
        ("phone".into(), "phone", &p.phone),
        ("allergy_drugs".into(), "allergy_drugs", &p.allergy_drugs),
        (
            "other_allergens".into(),
            "other_allergens",
            &p.other_allergens,
        ),
        ("dept_name".into(), "dept_name", &p.dept_name),
        ("doctor".into(), "doctor", &p.doctor),
    ];
    let coded = |prefix: &str, list: &'_ [Coded]| -> Vec<(String, &'static str, usize)> {
        list.iter()
            .enumerate()
            .map(|(i, _)| (format!("{prefix}[{i}].name"), "diagnosis", i))
            .collect()
    };
    for (f, k, i) in coded("western_diagnoses", &p.western_diagnoses) {
        if let Some(d) = p.western_diagnoses.get(i) {
            texts.push((f, k, &d.name));
        }
    }
    for (f, k, i) in coded("tcm_syndromes", &p.tcm_syndromes) {
        if let Some(d) = p.tcm_syndromes.get(i) {
            texts.push((f, k, &d.name));
        }
    }
    if let Some(d) = &p.tcm_disease {
        texts.push(("tcm_disease.name".into(), "diagnosis", &d.name));
    }
    for (i, pr) in p.procedures.iter().enumerate() {
        texts.push((format!("procedures[{i}].name"), "procedure", &pr.name));
        texts.push((format!("procedures[{i}].operator"), "person", &pr.operator));
        texts.push((
            format!("procedures[{i}].anesthetist"),
            "person",
            &pr.anesthetist,
        ));
    }
    texts
        .into_iter()
        .filter_map(|(field, kind, v)| {
            let len = v.as_deref()?.chars().count();
            let max = max_chars(kind);
            (len > max).then(|| {
                Finding::error(
                    "VP-R03",
                    field.clone(),
                    format!("{}长 {len} 个字，超过该项允许的 {max} 个字", named(&field)),
                )
            })
        })
        .collect()
}

fn is_resident_id(p: &Page) -> bool {
    filled(&p.id_type) == Some("1")
}

/// GB 11643 check character of the first 17 digits.
fn id_check_char(first17: &[u32]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.iter().zip(W).map(|(d, w)| d * w).sum();
    ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2']
        .get((sum % 11) as usize)
        .copied()
        .unwrap_or('?')
}

/// The 17 leading digits of an ID number, when it has them.
fn id_digits(no: &str) -> Option<Vec<u32>> {
    let d: Vec<u32> = no
        .chars()
        .take(17)
        .map(|c| c.to_digit(10).filter(|_| c.is_ascii_digit()))
        .collect::<Option<_>>()?;
    (d.len() == 17).then_some(d)
}

/// VP-R04: `id_type` is 居民身份证 and `id_no` is not 18 characters `\d{17}[\dX]` with a correct
/// GB 11643 check character.
pub fn vp_r04(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(no) = filled(&p.id_no).filter(|_| is_resident_id(p)) else {
        return Vec::new();
    };
    let problem = if no.chars().count() != 18 {
        Some(format!("应为 18 位，实为 {} 位", no.chars().count()))
    } else {
        match (id_digits(no), no.chars().last()) {
            (Some(d), Some(last)) if last.is_ascii_digit() || last == 'X' => {
                let want = id_check_char(&d);
                (want != last).then(|| format!("校验位应为 {want}，实为 {last}"))
            }
            _ => Some("前 17 位应为数字，末位应为数字或大写 X".to_string()),
        }
    };
    problem
        .map(|m| {
            Finding::error(
                "VP-R04",
                "id_no",
                format!("居民身份证号码「{no}」不正确：{m}"),
            )
        })
        .into_iter()
        .collect()
}

/// VP-R05: the birth date inside the ID number differs from `birth_date`.
pub fn vp_r05(p: &Page, _: &Dicts) -> Vec<Finding> {
    let (Some(no), Some(birth)) = (filled(&p.id_no).filter(|_| is_resident_id(p)), p.birth_date)
    else {
        return Vec::new();
    };
    let Some(inside) = no.get(6..14) else {
        return Vec::new();
    };
    if !inside.chars().all(|c| c.is_ascii_digit()) {
        return Vec::new();
    }
    let same = NaiveDate::parse_from_str(inside, "%Y%m%d").is_ok_and(|d| d == birth);
    if same {
        Vec::new()
    } else {
        vec![Finding::error(
            "VP-R05",
            "birth_date",
            format!(
                "出生日期 {} 与身份证号码中的出生日期 {inside} 不一致",
                birth.format("%Y-%m-%d")
            ),
        )]
    }
}

/// VP-R06: the sex digit of the ID number (17th: odd male, even female) differs from `sex`.
pub fn vp_r06(p: &Page, _: &Dicts) -> Vec<Finding> {
    let (Some(no), Some(sex)) = (
        filled(&p.id_no).filter(|_| is_resident_id(p)),
        filled(&p.sex),
    ) else {
        return Vec::new();
    };
    let Some(d) = no.chars().nth(16).and_then(|c| c.to_digit(10)) else {
        return Vec::new();
    };
    let implied = if d % 2 == 1 { "1" } else { "2" };
    if (sex == "1" || sex == "2") && sex != implied {
        let said = if implied == "1" { "男" } else { "女" };
        vec![Finding::warning(
            "VP-R06",
            "sex",
            format!("性别「{sex}」与身份证号码第 17 位所示的性别（{said}）不一致"),
        )]
    } else {
        Vec::new()
    }
}

fn t(v: NaiveDateTime) -> String {
    v.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// VP-R07: `checked_in_at` is before `registered_at`.
pub fn vp_r07(p: &Page, _: &Dicts) -> Vec<Finding> {
    match (p.registered_at, p.checked_in_at) {
        (Some(r), Some(c)) if c < r => vec![Finding::error(
            "VP-R07",
            "checked_in_at",
            format!("报到时间 {} 早于挂号时间 {}", t(c), t(r)),
        )],
        _ => Vec::new(),
    }
}

/// VP-R08: `visited_at` is before `checked_in_at` (or before `registered_at` when there is no
/// check-in).
pub fn vp_r08(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(v) = p.visited_at else {
        return Vec::new();
    };
    let (before, what) = match (p.checked_in_at, p.registered_at) {
        (Some(c), _) => (c, "报到时间"),
        (None, Some(r)) => (r, "挂号时间"),
        (None, None) => return Vec::new(),
    };
    if v < before {
        vec![Finding::error(
            "VP-R08",
            "visited_at",
            format!("就诊时间 {} 早于{what} {}", t(v), t(before)),
        )]
    } else {
        Vec::new()
    }
}

/// The day the visit began: the earliest of its times.
fn visit_start(p: &Page) -> Option<NaiveDateTime> {
    [p.registered_at, p.checked_in_at, p.visited_at]
        .into_iter()
        .flatten()
        .min()
}

/// VP-R09: `birth_date` is after the visit, or the age at the visit is over 150 years.
pub fn vp_r09(p: &Page, _: &Dicts) -> Vec<Finding> {
    let (Some(b), Some(v)) = (p.birth_date, p.visited_at.or(visit_start(p))) else {
        return Vec::new();
    };
    let day = v.date();
    if b > day {
        return vec![Finding::error(
            "VP-R09",
            "birth_date",
            format!("出生日期 {} 晚于就诊日期 {}", b, day),
        )];
    }
    let mut age = day.year() - b.year();
    if (day.month(), day.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    if age > 150 {
        vec![Finding::error(
            "VP-R09",
            "birth_date",
            format!("就诊时年龄 {age} 岁，超过 150 岁，出生日期 {b} 不可信"),
        )]
    } else {
        Vec::new()
    }
}

fn is_emergency(p: &Page) -> bool {
    filled(&p.visit_type) == Some("1")
}

/// VP-R10: an emergency visit (`visit_type` 1) has no `triage_level`.
pub fn vp_r10(p: &Page, _: &Dicts) -> Vec<Finding> {
    if is_emergency(p) && filled(&p.triage_level).is_none() {
        vec![Finding::error(
            "VP-R10",
            "triage_level",
            "急诊就诊必须填写急诊患者分级",
        )]
    } else {
        Vec::new()
    }
}

/// VP-R11: an emergency visit has no `emergency_destination`.
pub fn vp_r11(p: &Page, _: &Dicts) -> Vec<Finding> {
    if is_emergency(p) && filled(&p.emergency_destination).is_none() {
        vec![Finding::error(
            "VP-R11",
            "emergency_destination",
            "急诊就诊必须填写急诊患者去向",
        )]
    } else {
        Vec::new()
    }
}

/// VP-R12: a non-emergency visit carries `triage_level` or `emergency_destination`.
pub fn vp_r12(p: &Page, _: &Dicts) -> Vec<Finding> {
    if filled(&p.visit_type).is_none() || is_emergency(p) {
        return Vec::new();
    }
    [
        ("triage_level", &p.triage_level),
        ("emergency_destination", &p.emergency_destination),
    ]
    .into_iter()
    .filter(|(_, v)| filled(v).is_some())
    .map(|(f, _)| Finding::warning("VP-R12", f, format!("非急诊就诊不应填写{}", named(f))))
    .collect()
}

/// VP-R13: `emergency_destination` is 7 (急诊转入院) and `admission_cert_at` is empty.
pub fn vp_r13(p: &Page, _: &Dicts) -> Vec<Finding> {
    if filled(&p.emergency_destination) == Some("7") && p.admission_cert_at.is_none() {
        vec![Finding::error(
            "VP-R13",
            "admission_cert_at",
            "急诊患者去向为急诊转入院，必须填写住院证开具时间",
        )]
    } else {
        Vec::new()
    }
}

/// VP-R14: `admission_cert_at` is before `visited_at`.
pub fn vp_r14(p: &Page, _: &Dicts) -> Vec<Finding> {
    match (p.admission_cert_at, p.visited_at) {
        (Some(a), Some(v)) if a < v => vec![Finding::error(
            "VP-R14",
            "admission_cert_at",
            format!("住院证开具时间 {} 早于就诊时间 {}", t(a), t(v)),
        )],
        _ => Vec::new(),
    }
}

/// VP-R15: an allergy is 有 (2) and the drugs/allergens are empty.
pub fn vp_r15(p: &Page, _: &Dicts) -> Vec<Finding> {
    let mut out = Vec::new();
    if filled(&p.drug_allergy) == Some("2") && filled(&p.allergy_drugs).is_none() {
        out.push(Finding::error(
            "VP-R15",
            "allergy_drugs",
            "药物过敏史为「有」，必须填写过敏药物",
        ));
    }
    if filled(&p.other_allergy) == Some("2") && filled(&p.other_allergens).is_none() {
        out.push(Finding::error(
            "VP-R15",
            "other_allergens",
            "其他过敏史为「有」，必须填写其他过敏原",
        ));
    }
    out
}

/// At most 10 other diagnoses (其他诊断) besides the main one.
pub const MAX_OTHER_DIAGNOSES: usize = 10;

/// VP-R16: no main western diagnosis, or more than 10 other diagnoses.
pub fn vp_r16(p: &Page, _: &Dicts) -> Vec<Finding> {
    let n = p.western_diagnoses.len();
    if n == 0 {
        vec![Finding::error(
            "VP-R16",
            "western_diagnoses",
            "没有西医主要诊断",
        )]
    } else if n - 1 > MAX_OTHER_DIAGNOSES {
        vec![Finding::error(
            "VP-R16",
            "western_diagnoses",
            format!("其他诊断有 {} 个，最多 {MAX_OTHER_DIAGNOSES} 个", n - 1),
        )]
    } else {
        Vec::new()
    }
}

fn diagnosis_word(i: usize) -> String {
    if i == 0 {
        "主要诊断".to_string()
    } else {
        format!("其他诊断 {i}")
    }
}

/// VP-R17: a diagnosis code is not in the ICD-10 table (a name that does not match its code is a
/// warning under the same rule).
pub fn vp_r17(p: &Page, d: &Dicts) -> Vec<Finding> {
    let table = d.get(DictKind::Icd10);
    let mut out = Vec::new();
    for (i, dx) in p.western_diagnoses.iter().enumerate() {
        let field = format!("western_diagnoses[{i}].code");
        let Some(code) = filled(&dx.code) else {
            out.push(Finding::error(
                "VP-R17",
                field,
                format!(
                    "{}没有 ICD-10 编码（编码表中无可对应的编码）",
                    diagnosis_word(i)
                ),
            ));
            continue;
        };
        let Some(table) = table else { continue };
        match table.name_of(code) {
            None => out.push(Finding::error(
                "VP-R17",
                field,
                format!("{}编码「{code}」不在 ICD-10 编码表中", diagnosis_word(i)),
            )),
            Some(name) => {
                if let Some(given) = filled(&dx.name)
                    && given != name
                {
                    out.push(Finding::warning(
                        "VP-R17",
                        format!("western_diagnoses[{i}].name"),
                        format!(
                            "{}名称「{given}」与编码「{code}」的名称「{name}」不符",
                            diagnosis_word(i)
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Words in a department's name that make it a TCM department (中医科室).
pub const TCM_DEPARTMENT_WORDS: &[&str] = &["中医", "中西医", "针灸", "推拿", "骨伤", "治未病"];

fn any_filled(c: &Coded) -> bool {
    filled(&c.name).is_some() || filled(&c.code).is_some()
}

/// Whether the TCM block (中医主病/证候) applies: the visit had a TCM diagnosis or the department
/// is a TCM department.
pub fn tcm_applies(p: &Page, d: &Dicts) -> bool {
    let had =
        p.tcm_disease.as_ref().is_some_and(any_filled) || p.tcm_syndromes.iter().any(any_filled);
    let dept_name = filled(&p.dept_name).map(str::to_string).or_else(|| {
        let code = filled(&p.dept_code)?;
        d.get(DictKind::Department)?
            .name_of(code)
            .map(str::to_string)
    });
    had || dept_name.is_some_and(|n| TCM_DEPARTMENT_WORDS.iter().any(|w| n.contains(w)))
}

/// At most 2 syndromes (证候).
pub const MAX_TCM_SYNDROMES: usize = 2;

/// VP-R18: the TCM block applies and 主病 or the first 证候 is missing, or a TCM code is not in its
/// table. (More than 2 证候 is reported here too: the block holds 1–2.)
pub fn vp_r18(p: &Page, d: &Dicts) -> Vec<Finding> {
    let mut out = Vec::new();
    let applies = tcm_applies(p, d);
    let mut coded = |field: &str, c: &Coded, kind: DictKind, what: &str| match filled(&c.code) {
        None => out.push(Finding::error(
            "VP-R18",
            format!("{field}.code"),
            format!("中医{what}「{}」没有编码", filled(&c.name).unwrap_or("")),
        )),
        Some(code) => {
            if let Some(t) = d.get(kind)
                && !t.contains(code)
            {
                out.push(Finding::error(
                    "VP-R18",
                    format!("{field}.code"),
                    format!("中医{what}编码「{code}」不在{}中", kind.label()),
                ));
            }
        }
    };
    if let Some(c) = p.tcm_disease.as_ref().filter(|c| filled(&c.name).is_some()) {
        coded("tcm_disease", c, DictKind::TcmDisease, "主病");
    }
    for (i, c) in p.tcm_syndromes.iter().enumerate() {
        if filled(&c.name).is_some() {
            coded(
                &format!("tcm_syndromes[{i}]"),
                c,
                DictKind::TcmSyndrome,
                "证候",
            );
        }
    }
    if applies {
        if p.tcm_disease
            .as_ref()
            .and_then(|c| filled(&c.name))
            .is_none()
        {
            out.push(Finding::error(
                "VP-R18",
                "tcm_disease",
                "中医诊断适用于本次就诊，但缺少中医主病",
            ));
        }
        if p.tcm_syndromes
            .first()
            .and_then(|c| filled(&c.name))
            .is_none()
        {
            out.push(Finding::error(
                "VP-R18",
                "tcm_syndromes[0]",
                "中医诊断适用于本次就诊，但缺少中医证候",
            ));
        }
    }
    if p.tcm_syndromes.len() > MAX_TCM_SYNDROMES {
        out.push(Finding::error(
            "VP-R18",
            "tcm_syndromes",
            format!(
                "中医证候有 {} 个，最多 {MAX_TCM_SYNDROMES} 个",
                p.tcm_syndromes.len()
            ),
        ));
    }
    out
}

/// At most 5 procedure rows (手术及操作).
pub const MAX_PROCEDURES: usize = 5;

/// VP-R19: a procedure row lacks date, name, code or grade, or more than 5 rows.
pub fn vp_r19(p: &Page, _: &Dicts) -> Vec<Finding> {
    let mut out = Vec::new();
    if p.procedures.len() > MAX_PROCEDURES {
        out.push(Finding::error(
            "VP-R19",
            "procedures",
            format!(
                "手术及操作有 {} 行，最多 {MAX_PROCEDURES} 行",
                p.procedures.len()
            ),
        ));
    }
    for (i, pr) in p.procedures.iter().enumerate() {
        let missing = [
            ("date", "日期", pr.date.is_none()),
            ("name", "名称", filled(&pr.name).is_none()),
            ("code", "编码", filled(&pr.code).is_none()),
            ("grade", "手术级别", filled(&pr.grade).is_none()),
        ];
        for (key, word, empty) in missing {
            if empty {
                out.push(Finding::error(
                    "VP-R19",
                    format!("procedures[{i}].{key}"),
                    format!("第 {} 行手术及操作缺少{word}", i + 1),
                ));
            }
        }
    }
    out
}

/// VP-R20: a procedure code is not in the ICD-9-CM-3 table.
pub fn vp_r20(p: &Page, d: &Dicts) -> Vec<Finding> {
    let Some(table) = d.get(DictKind::Icd9Cm3) else {
        return Vec::new();
    };
    p.procedures
        .iter()
        .enumerate()
        .filter_map(|(i, pr)| {
            let code = filled(&pr.code)?;
            (!table.contains(code)).then(|| {
                Finding::error(
                    "VP-R20",
                    format!("procedures[{i}].code"),
                    format!(
                        "第 {} 行手术及操作编码「{code}」不在 ICD-9-CM-3 编码表中",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

/// VP-R21: a procedure date is not on the visit's day(s) — from the first of its times to the
/// later of the visit and the admission certificate (an emergency stay may span days).
pub fn vp_r21(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(first) = visit_start(p) else {
        return Vec::new();
    };
    let last = [p.visited_at, p.admission_cert_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(first);
    let (from, to) = (first.date(), last.date().max(first.date()));
    p.procedures
        .iter()
        .enumerate()
        .filter_map(|(i, pr)| {
            let day = pr.date?.date();
            (day < from || day > to).then(|| {
                Finding::warning(
                    "VP-R21",
                    format!("procedures[{i}].date"),
                    format!(
                        "第 {} 行手术及操作日期 {day} 不在就诊日期（{from} 至 {to}）内",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

fn fee_field(item: FeeItem) -> String {
    format!("fees.{}", item.key())
}

/// VP-R22: a fee item is negative or larger than `total`.
pub fn vp_r22(p: &Page, _: &Dicts) -> Vec<Finding> {
    FeeItem::ALL
        .iter()
        .filter_map(|&item| {
            let v = p.fees.get(item);
            if v < 0 {
                Some(Finding::error(
                    "VP-R22",
                    fee_field(item),
                    format!("{}为负数（{}）", item.name(), yuan(v)),
                ))
            } else {
                let total = p.fees.total?;
                (v > total).then(|| {
                    Finding::error(
                        "VP-R22",
                        fee_field(item),
                        format!(
                            "{}（{}）大于总费用（{}）",
                            item.name(),
                            yuan(v),
                            yuan(total)
                        ),
                    )
                })
            }
        })
        .collect()
}

/// VP-R23: `total` differs from the sum of the 24 items (sub-items excluded), to the 分.
pub fn vp_r23(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(total) = p.fees.total else {
        return Vec::new();
    };
    match p.fees.items_sum() {
        Some(sum) if sum == total => Vec::new(),
        Some(sum) => vec![Finding::error(
            "VP-R23",
            "fees.total",
            format!(
                "总费用（{}）与 24 项费用之和（{}）不符，相差 {}",
                yuan(total),
                yuan(sum),
                yuan(total.saturating_sub(sum).saturating_abs())
            ),
        )],
        None => vec![Finding::error(
            "VP-R23",
            "fees.total",
            "24 项费用之和超出可表示的范围",
        )],
    }
}

/// VP-R24: `self_paid` is negative or larger than `total`.
pub fn vp_r24(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(s) = p.fees.self_paid else {
        return Vec::new();
    };
    let problem = if s < 0 {
        Some(format!("自付金额为负数（{}）", yuan(s)))
    } else {
        p.fees
            .total
            .filter(|t| s > *t)
            .map(|t| format!("自付金额（{}）大于总费用（{}）", yuan(s), yuan(t)))
    };
    problem
        .map(|m| Finding::error("VP-R24", "fees.self_paid", m))
        .into_iter()
        .collect()
}

fn sub_over(rule: &'static str, p: &Page, subs: &[FeeItem], parent: FeeItem) -> Vec<Finding> {
    let sum: i128 = subs.iter().map(|s| i128::from(p.fees.get(*s))).sum();
    let whole = p.fees.get(parent);
    if sum > i128::from(whole) {
        let names = subs.iter().map(|s| s.name()).collect::<Vec<_>>().join("与");
        let shown = i64::try_from(sum).map_or_else(|_| sum.to_string(), yuan);
        vec![Finding::error(
            rule,
            subs.first()
                .map_or_else(|| fee_field(parent), |s| fee_field(*s)),
            format!(
                "其中{names}（{shown}）大于{}（{}）",
                parent.name(),
                yuan(whole)
            ),
        )]
    } else {
        Vec::new()
    }
}

/// VP-R25: `antibacterial` is larger than `western_medicine`.
pub fn vp_r25(p: &Page, _: &Dicts) -> Vec<Finding> {
    sub_over(
        "VP-R25",
        p,
        &[FeeItem::Antibacterial],
        FeeItem::WesternMedicine,
    )
}

/// VP-R26: `anesthesia` + `operation` is larger than `surgical`.
pub fn vp_r26(p: &Page, _: &Dicts) -> Vec<Finding> {
    sub_over(
        "VP-R26",
        p,
        &[FeeItem::Anesthesia, FeeItem::Operation],
        FeeItem::Surgical,
    )
}

/// VP-R27: `physical_therapy` is larger than `non_surgical`.
pub fn vp_r27(p: &Page, _: &Dicts) -> Vec<Finding> {
    sub_over(
        "VP-R27",
        p,
        &[FeeItem::PhysicalTherapy],
        FeeItem::NonSurgical,
    )
}

/// VP-R28: a procedure has an anaesthesia method but `anesthesia` is 0, or a graded operation
/// but `operation` is 0.
pub fn vp_r28(p: &Page, _: &Dicts) -> Vec<Finding> {
    let mut out = Vec::new();
    if p.fees.get(FeeItem::Anesthesia) == 0
        && let Some(i) = p
            .procedures
            .iter()
            .position(|pr| filled(&pr.anesthesia).is_some())
    {
        out.push(Finding::warning(
            "VP-R28",
            "fees.anesthesia",
            format!("第 {} 行手术及操作有麻醉方式，但麻醉费为 0", i + 1),
        ));
    }
    if p.fees.get(FeeItem::Operation) == 0
        && let Some(i) = p
            .procedures
            .iter()
            .position(|pr| filled(&pr.grade).is_some())
    {
        out.push(Finding::warning(
            "VP-R28",
            "fees.operation",
            format!("第 {} 行手术及操作有手术级别，但手术费为 0", i + 1),
        ));
    }
    out
}

/// A plausible Chinese phone number: a mobile (11 digits from 13–19, optionally +86), or a
/// fixed line (area code 0xx/0xxx and 7–8 digits, optionally an extension; or 7–8 digits).
pub fn is_plausible_phone(s: &str) -> bool {
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '(' | ')'))
        .collect();
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("0086"))
        .unwrap_or(&s);
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    let s = s.strip_prefix('-').unwrap_or(s);
    let compact: String = s.chars().filter(|c| *c != '-').collect();
    // Mobile: 1[3-9] then 9 digits.
    if compact.len() == 11
        && digits(&compact)
        && compact.starts_with('1')
        && compact
            .chars()
            .nth(1)
            .is_some_and(|c| ('3'..='9').contains(&c))
    {
        return true;
    }
    let parts: Vec<&str> = s.split('-').collect();
    let local_ok = |x: &str| digits(x) && (7..=8).contains(&x.len()) && !x.starts_with('0');
    let area_ok = |x: &str| digits(x) && (3..=4).contains(&x.len()) && x.starts_with('0');
    let ext_ok = |x: &str| digits(x) && (1..=6).contains(&x.len());
    match parts.as_slice() {
        [one] => {
            local_ok(one)
                || (digits(one)
                    && one.starts_with('0')
                    && ((3..=4).any(|a| {
                        one.get(a..).is_some_and(local_ok) && one.get(..a).is_some_and(area_ok)
                    })))
        }
        [a, l] => area_ok(a) && local_ok(l),
        [a, l, e] => area_ok(a) && local_ok(l) && ext_ok(e),
        _ => false,
    }
}

/// VP-R29: `phone` is not a plausible Chinese mobile or fixed-line number.
pub fn vp_r29(p: &Page, _: &Dicts) -> Vec<Finding> {
    match filled(&p.phone) {
        Some(ph) if !is_plausible_phone(ph) => vec![Finding::warning(
            "VP-R29",
            "phone",
            format!("联系电话「{ph}」不像有效的手机或固定电话号码"),
        )],
        _ => Vec::new(),
    }
}

/// The ICD-10 category of a code: its letter and the two digits after it. A letter in the
/// second place (`O9A`) counts as 9: it closes its decade, as the rule's range O00–O9A says.
fn category(code: &str) -> Option<(char, u32)> {
    let mut c = code.trim().chars();
    let letter = c.next()?.to_ascii_uppercase();
    let d1 = c.next()?.to_digit(10)?;
    let second = c.next()?;
    let d2 = if second.is_ascii_alphabetic() {
        9
    } else {
        second.to_digit(10)?
    };
    letter
        .is_ascii_alphabetic()
        .then_some((letter, d1 * 10 + d2))
}

/// VP-R30: a diagnosis conflicts with `sex` (pregnancy and childbirth codes O00–O9A for a male;
/// male-genital codes N40–N51 for a female).
pub fn vp_r30(p: &Page, _: &Dicts) -> Vec<Finding> {
    let sex = filled(&p.sex);
    p.western_diagnoses
        .iter()
        .enumerate()
        .filter_map(|(i, dx)| {
            let code = filled(&dx.code)?;
            let (l, n) = category(code)?;
            let conflict = match sex {
                Some("1") if l == 'O' => Some("妊娠、分娩和产褥期编码，患者性别为男"),
                Some("2") if l == 'N' && (40..=51).contains(&n) => {
                    Some("男性生殖器官疾病编码，患者性别为女")
                }
                _ => None,
            }?;
            Some(Finding::warning(
                "VP-R30",
                format!("western_diagnoses[{i}].code"),
                format!("{}「{code}」是{conflict}", diagnosis_word(i)),
            ))
        })
        .collect()
}

/// VP-R31: the main diagnosis is a code that may not be a main diagnosis: an external cause
/// (V01–Y98) or a manifestation code marked with `*`.
pub fn vp_r31(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(code) = p.western_diagnoses.first().and_then(|d| filled(&d.code)) else {
        return Vec::new();
    };
    let external = category(code).is_some_and(|(l, n)| match l {
        'V' => n >= 1,
        'W' | 'X' => true,
        'Y' => n <= 98,
        _ => false,
    });
    let why = if external {
        Some("损伤和中毒的外部原因编码（V01–Y98）")
    } else if code.contains('*') {
        Some("星号（*）表现编码")
    } else {
        None
    };
    why.map(|w| {
        Finding::error(
            "VP-R31",
            "western_diagnoses[0].code",
            format!("主要诊断编码「{code}」是{w}，不能作为主要诊断"),
        )
    })
    .into_iter()
    .collect()
}

/// VP-R32: `org_credit_code` is not a valid 18-character unified social credit code (GB 32100
/// check character).
pub fn vp_r32(p: &Page, _: &Dicts) -> Vec<Finding> {
    let Some(code) = filled(&p.org_credit_code) else {
        return Vec::new();
    };
    match UnifiedCreditCode::parse(code) {
        Ok(c) if c.as_str() == code => Vec::new(),
        Ok(_) => vec![Finding::error(
            "VP-R32",
            "org_credit_code",
            format!("统一社会信用代码「{code}」应使用大写字母"),
        )],
        Err(e) => vec![Finding::error(
            "VP-R32",
            "org_credit_code",
            format!("统一社会信用代码「{code}」无效：{e}"),
        )],
    }
}
