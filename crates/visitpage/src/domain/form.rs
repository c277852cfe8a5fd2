//! The page as a form for people (修改表单) and back, and what changed between two versions of
//! a page (修改内容) for the audit trail. Field names are the JSON paths of the contract
//! (`address.city`, `western_diagnoses[2].code`, `fees.total`), so a refusal names the field
//! the same way the API does. Money is typed in 元 with at most two decimals.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use yiqiao_core::FieldError;

use super::codes::{self, FixedList};
use super::page::{FeeItem, Page, PageError};
use super::rules::MAX_OTHER_DIAGNOSES;

/// Procedure rows on the page (手术及操作 1–5).
pub const PROCEDURE_ROWS: usize = 5;
/// 证候 rows.
pub const SYNDROME_ROWS: usize = 2;

/// How a form field is typed.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    Text,
    /// One of the page's fixed lists.
    Choice(&'static FixedList),
    /// `YYYY-MM-DD`
    Date,
    /// `YYYY-MM-DD HH:MM:SS`
    Time,
    /// 元, two decimals.
    Money,
}

/// One field of the form with its current value.
#[derive(Debug, Clone)]
pub struct FormField {
    pub path: String,
    pub label: String,
    pub input: Input,
    pub value: String,
}

impl FormField {
    /// The choices of a fixed list, `(code, "code name")`.
    pub fn choices(&self) -> Vec<(&'static str, String)> {
        match self.input {
            Input::Choice(l) => l
                .entries
                .iter()
                .map(|(c, n)| (*c, format!("{c} {n}")))
                .collect(),
            _ => Vec::new(),
        }
    }
    pub fn is_choice(&self) -> bool {
        matches!(self.input, Input::Choice(_))
    }
    pub fn kind(&self) -> &'static str {
        match self.input {
            Input::Text | Input::Choice(_) => "text",
            Input::Date => "date",
            Input::Time => "time",
            Input::Money => "money",
        }
    }
}

/// A titled group of fields.
#[derive(Debug, Clone)]
pub struct FormSection {
    pub title: &'static str,
    pub fields: Vec<FormField>,
}

/// 元 with two decimals from 分.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// 分 from a 元 text ("12", "12.3", "12.34", "-1.5"); `None` when it is not such a number.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = whole.checked_mul(100)?.checked_add(cents)?;
    Some(if neg { -v } else { v })
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn field(path: impl Into<String>, label: impl Into<String>, input: Input, v: &Value) -> FormField {
    let value = match (input, v) {
        (Input::Money, Value::Number(n)) => n.as_i64().map(yuan).unwrap_or_default(),
        _ => s(v),
    };
    FormField {
        path: path.into(),
        label: label.into(),
        input,
        value,
    }
}

/// The form of a page, in the order of the official form.
pub fn sections(page: &Page) -> Vec<FormSection> {
    let j = page.to_json();
    let at = |k: &str| j.get(k).cloned().unwrap_or(Value::Null);
    let sub = |a: &str, b: &str| {
        j.get(a)
            .and_then(|x| x.get(b))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let t = |k: &str, l: &str| field(k, l, Input::Text, &at(k));
    let c = |k: &str, l: &str, list: &'static FixedList| field(k, l, Input::Choice(list), &at(k));
    let patient = vec![
        t("org_name", "医疗机构名称"),
        t("org_credit_code", "统一社会信用代码"),
        t("card_no", "就诊卡号/病案号"),
        t("name", "姓名"),
        c("sex", "性别", &codes::SEX),
        field("birth_date", "出生日期", Input::Date, &at("birth_date")),
        c("marital", "婚姻状态", &codes::MARITAL),
        t("nationality", "国籍"),
        t("ethnicity", "民族"),
        c("id_type", "证件类型", &codes::ID_TYPE),
        t("id_no", "证件号码"),
        field(
            "address.province",
            "现住址（省）",
            Input::Text,
            &sub("address", "province"),
        ),
        field(
            "address.city",
            "现住址（市）",
            Input::Text,
            &sub("address", "city"),
        ),
        field(
            "address.county",
            "现住址（县）",
            Input::Text,
            &sub("address", "county"),
        ),
        field(
            "address.detail",
            "现住址（详细地址）",
            Input::Text,
            &sub("address", "detail"),
        ),
        t("phone", "联系电话"),
        c("drug_allergy", "药物过敏史", &codes::ALLERGY),
        t("allergy_drugs", "过敏药物"),
        c("other_allergy", "其他过敏史", &codes::ALLERGY),
        t("other_allergens", "其他过敏原"),
    ];
    let tm = |k: &str, l: &str| field(k, l, Input::Time, &at(k));
    let visit = vec![
        tm("registered_at", "挂号时间"),
        tm("checked_in_at", "报到时间"),
        tm("visited_at", "就诊时间"),
        t("dept_code", "就诊科室代码"),
        t("dept_name", "就诊科室"),
        t("doctor", "接诊医师"),
        t("doctor_title", "接诊医师职称"),
        c("visit_type", "就诊类型", &codes::VISIT_TYPE),
        c("revisit", "是否复诊", &codes::YES_NO),
        c("infusion", "是否输液", &codes::YES_NO),
        c("chronic_special", "是否为门诊慢特病患者", &codes::YES_NO),
        c("triage_level", "急诊患者分级", &codes::TRIAGE_LEVEL),
        c(
            "emergency_destination",
            "急诊患者去向",
            &codes::EMERGENCY_DESTINATION,
        ),
        tm("admission_cert_at", "住院证开具时间"),
    ];
    let mut diagnoses = Vec::new();
    let wd = j.get("western_diagnoses").and_then(Value::as_array);
    for i in 0..=MAX_OTHER_DIAGNOSES {
        let row = wd.and_then(|a| a.get(i));
        let g = |k: &str| row.and_then(|r| r.get(k)).cloned().unwrap_or(Value::Null);
        let what = if i == 0 {
            "主要诊断".to_string()
        } else {
            format!("其他诊断{i}")
        };
        diagnoses.push(field(
            format!("western_diagnoses[{i}].name"),
            format!("{what}名称"),
            Input::Text,
            &g("name"),
        ));
        diagnoses.push(field(
            format!("western_diagnoses[{i}].code"),
            format!("{what}编码"),
            Input::Text,
            &g("code"),
        ));
    }
    diagnoses.push(field(
        "tcm_disease.name",
        "中医主病名称",
        Input::Text,
        &sub("tcm_disease", "name"),
    ));
    diagnoses.push(field(
        "tcm_disease.code",
        "中医主病编码",
        Input::Text,
        &sub("tcm_disease", "code"),
    ));
    let zz = j.get("tcm_syndromes").and_then(Value::as_array);
    for i in 0..SYNDROME_ROWS {
        let row = zz.and_then(|a| a.get(i));
        let g = |k: &str| row.and_then(|r| r.get(k)).cloned().unwrap_or(Value::Null);
        diagnoses.push(field(
            format!("tcm_syndromes[{i}].name"),
            format!("证候{}名称", i + 1),
            Input::Text,
            &g("name"),
        ));
        diagnoses.push(field(
            format!("tcm_syndromes[{i}].code"),
            format!("证候{}编码", i + 1),
            Input::Text,
            &g("code"),
        ));
    }
    let mut procedures = Vec::new();
    let pr = j.get("procedures").and_then(Value::as_array);
    for i in 0..PROCEDURE_ROWS {
        let row = pr.and_then(|a| a.get(i));
        let g = |k: &str| row.and_then(|r| r.get(k)).cloned().unwrap_or(Value::Null);
        let n = i + 1;
        for (k, l, input) in [
            ("date", "日期", Input::Time),
            ("name", "名称", Input::Text),
            ("code", "编码", Input::Text),
            ("anesthesia", "麻醉方式", Input::Text),
            ("grade", "手术级别", Input::Choice(&codes::PROCEDURE_GRADE)),
            ("operator", "手术及操作者", Input::Text),
            ("anesthetist", "麻醉医师", Input::Text),
        ] {
            procedures.push(field(
                format!("procedures[{i}].{k}"),
                format!("手术及操作{n}{l}"),
                input,
                &g(k),
            ));
        }
    }
    let mut fees = vec![
        field("fees.total", "总费用", Input::Money, &sub("fees", "total")),
        field(
            "fees.self_paid",
            "自付金额",
            Input::Money,
            &sub("fees", "self_paid"),
        ),
    ];
    for item in FeeItem::ALL {
        let label = if item.parent().is_some() {
            format!("其中：{}", item.name())
        } else {
            item.name().to_string()
        };
        fees.push(field(
            format!("fees.{}", item.key()),
            label,
            Input::Money,
            &sub("fees", item.key()),
        ));
    }
    vec![
        FormSection {
            title: "患者信息",
            fields: patient,
        },
        FormSection {
            title: "就诊过程",
            fields: visit,
        },
        FormSection {
            title: "诊断",
            fields: diagnoses,
        },
        FormSection {
            title: "手术及操作",
            fields: procedures,
        },
        FormSection {
            title: "费用（元）",
            fields: fees,
        },
    ]
}

/// `western_diagnoses[3].code` → ("western_diagnoses", 3, "code").
fn indexed(path: &str) -> Option<(&str, usize, &str)> {
    let (head, rest) = path.split_once('[')?;
    let (i, rest) = rest.split_once(']')?;
    let key = rest.strip_prefix('.')?;
    Some((head, i.parse().ok()?, key))
}

/// Builds the page's JSON from a submitted form; rows left empty are dropped and the others
/// keep their order. Refuses money that is not 元 with two decimals and unknown fields, naming
/// them; everything else is for [`Page::from_json`] and the rules.
pub fn page_from_form(pairs: &[(String, String)]) -> Result<Page, PageError> {
    let mut top = Map::new();
    let mut nested: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut rows: BTreeMap<String, BTreeMap<usize, Map<String, Value>>> = BTreeMap::new();
    let mut errs = Vec::new();
    for (path, raw) in pairs {
        if path.starts_with('_') || path == "reason" || path == "revision" {
            continue;
        }
        let v = raw.trim();
        let value = if v.is_empty() {
            Value::Null
        } else if path.starts_with("fees.") {
            match parse_yuan(v) {
                Some(fen) => Value::from(fen),
                None => {
                    errs.push(FieldError::new(
                        path.clone(),
                        format!("金额「{v}」应为元，最多两位小数"),
                    ));
                    continue;
                }
            }
        } else {
            Value::String(v.to_string())
        };
        if let Some((head, i, key)) = indexed(path) {
            rows.entry(head.to_string())
                .or_default()
                .entry(i)
                .or_default()
                .insert(key.to_string(), value);
        } else if let Some((head, key)) = path.split_once('.') {
            nested
                .entry(head.to_string())
                .or_default()
                .insert(key.to_string(), value);
        } else {
            top.insert(path.clone(), value);
        }
    }
    if !errs.is_empty() {
        return Err(PageError::Fields(errs));
    }
    for (head, m) in nested {
        let all_null = m.values().all(Value::is_null);
        if head == "tcm_disease" && all_null {
            top.insert(head, Value::Null);
        } else {
            top.insert(head, Value::Object(m));
        }
    }
    for (head, r) in rows {
        let kept: Vec<Value> = r
            .into_values()
            .filter(|m| m.values().any(|v| !v.is_null()))
            .map(Value::Object)
            .collect();
        top.insert(head, Value::Array(kept));
    }
    Page::from_json(&Value::Object(top))
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// One changed field: its path, the value before and after (`null` when empty).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// What changed between two versions of a page, field by field.
pub fn diff(before: &Page, after: &Page) -> Vec<FieldChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", &before.to_json(), &mut a);
    flatten("", &after.to_json(), &mut b);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            before: a.get(k).cloned().unwrap_or(Value::Null),
            after: b.get(k).cloned().unwrap_or(Value::Null),
        })
        .collect()
}
