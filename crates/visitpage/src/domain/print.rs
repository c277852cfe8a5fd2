//! The page laid out as the official form (门（急）诊诊疗信息页): rows of labelled values and of
//! code boxes (口 filled with the chosen code, the choices printed beside), the diagnosis and
//! procedure tables, and the fees by class. The HTML page and the PDF draw this one layout.

use serde::Serialize;

use super::codes::{self, FixedList};
use super::form::yuan;
use super::page::{FeeItem, Page, TIME_FORMAT};

/// One cell of a row.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Cell {
    /// A label and the value written on the line.
    Text { label: String, value: String },
    /// A label, the box with the chosen code, and the choices.
    Box {
        label: String,
        code: String,
        options: String,
    },
}

impl Cell {
    pub fn label(&self) -> &str {
        match self {
            Cell::Text { label, .. } | Cell::Box { label, .. } => label,
        }
    }
    pub fn value(&self) -> &str {
        match self {
            Cell::Text { value, .. } => value,
            Cell::Box { code, .. } => code,
        }
    }
    pub fn options(&self) -> &str {
        match self {
            Cell::Box { options, .. } => options,
            Cell::Text { .. } => "",
        }
    }
    pub fn is_box(&self) -> bool {
        matches!(self, Cell::Box { .. })
    }
}

/// A titled block of rows.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub title: &'static str,
    pub rows: Vec<Vec<Cell>>,
}

/// A line of the fee table: class, item, amount in 元, sub-item or not.
#[derive(Debug, Clone, Serialize)]
pub struct FeeLine {
    pub class: &'static str,
    pub name: String,
    pub code: &'static str,
    pub yuan: String,
    pub sub: bool,
    /// The first line of its class (the class is written once).
    pub first_of_class: bool,
}

/// The whole form.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub org_name: String,
    pub org_credit_code: String,
    pub card_no: String,
    pub blocks: Vec<Block>,
    /// 诊断: (kind, name, code)
    pub diagnoses: Vec<[String; 3]>,
    /// 手术及操作: date, name, code, anaesthesia, grade, operator, anaesthetist
    pub procedures: Vec<[String; 7]>,
    pub total: String,
    pub self_paid: String,
    pub fees: Vec<FeeLine>,
    /// The visit's date for the document's metadata (PDF/A needs one), `YYYY-MM-DD`.
    pub date: String,
}

fn v(x: &Option<String>) -> String {
    x.clone().unwrap_or_default()
}

fn text(label: &str, value: String) -> Cell {
    Cell::Text {
        label: label.to_string(),
        value,
    }
}

fn boxed(label: &str, code: &Option<String>, list: &FixedList) -> Cell {
    Cell::Box {
        label: label.to_string(),
        code: v(code).trim().to_string(),
        options: list
            .entries
            .iter()
            .map(|(c, n)| format!("{c}.{n}"))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn time(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(|t| t.format(TIME_FORMAT).to_string())
        .unwrap_or_default()
}

/// Lays a page out as the form.
pub fn layout(p: &Page) -> Form {
    let addr = [
        &p.address.province,
        &p.address.city,
        &p.address.county,
        &p.address.detail,
    ]
    .iter()
    .filter_map(|x| x.as_deref())
    .collect::<Vec<_>>()
    .join("");
    let patient = Block {
        title: "患者基本信息",
        rows: vec![
            vec![
                text("就诊卡号/病案号", v(&p.card_no)),
                text("姓名", v(&p.name)),
                boxed("性别", &p.sex, &codes::SEX),
            ],
            vec![
                text(
                    "出生日期",
                    p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                ),
                boxed("婚姻状态", &p.marital, &codes::MARITAL),
                text("国籍", v(&p.nationality)),
                text("民族", v(&p.ethnicity)),
            ],
            vec![
                boxed("证件类型", &p.id_type, &codes::ID_TYPE),
                text("证件号码", v(&p.id_no)),
            ],
            vec![text("现住址", addr), text("联系电话", v(&p.phone))],
            vec![
                boxed("药物过敏史", &p.drug_allergy, &codes::ALLERGY),
                text("过敏药物", v(&p.allergy_drugs)),
                boxed("其他过敏史", &p.other_allergy, &codes::ALLERGY),
                text("其他过敏原", v(&p.other_allergens)),
            ],
        ],
    };
    let visit = Block {
        title: "就诊信息",
        rows: vec![
            vec![
                text("挂号时间", time(p.registered_at)),
                text("报到时间", time(p.checked_in_at)),
                text("就诊时间", time(p.visited_at)),
            ],
            vec![
                text(
                    "就诊科室",
                    format!("{}（{}）", v(&p.dept_name), v(&p.dept_code)),
                ),
                text("接诊医师", v(&p.doctor)),
                text("接诊医师职称", v(&p.doctor_title)),
            ],
            vec![boxed("就诊类型", &p.visit_type, &codes::VISIT_TYPE)],
            vec![
                boxed("是否复诊", &p.revisit, &codes::YES_NO),
                boxed("是否输液", &p.infusion, &codes::YES_NO),
                boxed("是否为门诊慢特病患者", &p.chronic_special, &codes::YES_NO),
            ],
            vec![boxed("急诊患者分级", &p.triage_level, &codes::TRIAGE_LEVEL)],
            vec![boxed(
                "急诊患者去向",
                &p.emergency_destination,
                &codes::EMERGENCY_DESTINATION,
            )],
            vec![text("住院证开具时间", time(p.admission_cert_at))],
        ],
    };
    let mut diagnoses = Vec::new();
    for (i, d) in p.western_diagnoses.iter().enumerate() {
        let kind = if i == 0 {
            "主要诊断".to_string()
        } else {
            format!("其他诊断{i}")
        };
        diagnoses.push([kind, v(&d.name), v(&d.code)]);
    }
    if diagnoses.is_empty() {
        diagnoses.push(["主要诊断".into(), String::new(), String::new()]);
    }
    if let Some(d) = &p.tcm_disease {
        diagnoses.push(["中医主病".into(), v(&d.name), v(&d.code)]);
    }
    for (i, d) in p.tcm_syndromes.iter().enumerate() {
        diagnoses.push([format!("中医证候{}", i + 1), v(&d.name), v(&d.code)]);
    }
    let procedures = p
        .procedures
        .iter()
        .map(|pr| {
            [
                time(pr.date),
                v(&pr.name),
                v(&pr.code),
                v(&pr.anesthesia),
                v(&pr.grade),
                v(&pr.operator),
                v(&pr.anesthetist),
            ]
        })
        .collect();
    let fees = FeeItem::ALL
        .iter()
        .enumerate()
        .map(|(n, i)| FeeLine {
            first_of_class: n == 0 || FeeItem::ALL.get(n - 1).map(|p| p.class()) != Some(i.class()),
            class: i.class(),
            name: if i.parent().is_some() {
                format!("其中：{}", i.name())
            } else {
                i.name().to_string()
            },
            code: i.column(),
            yuan: yuan(p.fees.get(*i)),
            sub: i.parent().is_some(),
        })
        .collect();
    Form {
        org_name: v(&p.org_name),
        org_credit_code: v(&p.org_credit_code),
        card_no: v(&p.card_no),
        blocks: vec![patient, visit],
        diagnoses,
        procedures,
        total: p.fees.total.map(yuan).unwrap_or_default(),
        self_paid: p.fees.self_paid.map(yuan).unwrap_or_default(),
        fees,
        date: p
            .visited_at
            .map(|t| t.date().to_string())
            .unwrap_or_else(|| "2000-01-01".into()),
    }
}
