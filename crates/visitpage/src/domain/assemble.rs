//! Assembly of a page from the HIS feed (从 HIS 数据生成诊疗信息页): patient, visit times,
//! department and doctor, diagnoses, procedures, and the charges through the fee mapping
//! (收费项目对照). Pure: the caller reads the HIS rows; nothing here touches the database.
//!
//! Clinicians write nothing for the page; what HIS lacks stays empty and the quality rules say
//! so. A charge without a mapping is listed ([`UnmappedCharge`]) and still counted in the
//! total, so the page cannot pass VP-R23 until the records office maps it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use yiqiao_core::time::shanghai;
use yiqiao_his::store::entities::{
    charge, department, drug, patient, staff, visit, visit_diagnosis, visit_procedure,
};

use super::page::{Address, Coded, FeeItem, Fees, Page, Procedure};

/// The hospital as the page names it (医疗机构名称, 统一社会信用代码).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub name: String,
    pub credit_code: String,
}

impl Org {
    /// What is wrong with the configured 统一社会信用代码, said once when the server starts:
    /// every page carries it, so an empty or invalid code makes every page fail VP-R01/VP-R32
    /// and blocks the export. `demo`: the demo hospital, where the example code is expected.
    pub fn config_warning(&self, demo: bool) -> Option<String> {
        let code = self.credit_code.trim();
        if code.is_empty() {
            return Some(
                "未配置本院统一社会信用代码（配置文件 [hospital] credit_code）：每一页诊疗信息页\
                 都会报 VP-R01，且不能导出，请填写本院的 18 位代码"
                    .into(),
            );
        }
        if code == crate::DEMO_CREDIT_CODE && !demo {
            return Some(format!(
                "[hospital] credit_code 是演示用示例代码 {code}，不是本院代码：\
                 导出的诊疗信息页会带上它，请改为本院的统一社会信用代码"
            ));
        }
        match yiqiao_core::UnifiedCreditCode::parse(code) {
            Ok(c) if c.as_str() == code => None,
            Ok(_) => Some(format!(
                "[hospital] credit_code「{code}」应使用大写字母：每一页诊疗信息页都会报 VP-R32"
            )),
            Err(e) => Some(format!(
                "[hospital] credit_code「{code}」无效（{e}）：每一页诊疗信息页都会报 VP-R32，\
                 且不能导出"
            )),
        }
    }
}

/// Where a charge goes on the page: one of the 24 items, and where it applies one "of which"
/// (其中) sub-item of that item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeTarget {
    item: FeeItem,
    of_which: Option<FeeItem>,
}

/// A mapping that cannot be: a sub-item as the item, or a sub-item of another item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("「{0}」是“其中”项，不能作为费用项目本身")]
    SubItemAsItem(&'static str),
    #[error("「{sub}」不是「{item}」的“其中”项")]
    NotASubItemOf {
        sub: &'static str,
        item: &'static str,
    },
}

impl yiqiao_core::Refusal for MappingError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::Unprocessable
    }
    fn code(&self) -> &'static str {
        "BAD_FEE_MAPPING"
    }
}

impl FeeTarget {
    pub fn new(item: FeeItem, of_which: Option<FeeItem>) -> Result<FeeTarget, MappingError> {
        if item.parent().is_some() {
            return Err(MappingError::SubItemAsItem(item.name()));
        }
        if let Some(sub) = of_which
            && sub.parent() != Some(item)
        {
            return Err(MappingError::NotASubItemOf {
                sub: sub.name(),
                item: item.name(),
            });
        }
        Ok(FeeTarget { item, of_which })
    }

    /// An item without sub-item (always valid for one of the 24 items).
    pub fn item(item: FeeItem) -> Result<FeeTarget, MappingError> {
        FeeTarget::new(item, None)
    }

    pub fn fee_item(&self) -> FeeItem {
        self.item
    }

    pub fn of_which(&self) -> Option<FeeItem> {
        self.of_which
    }
}

/// The fee mapping table (费用对照表) the records office maintains: by HIS charge category
/// (收费类别), overridable per charge item (收费项目).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeeMapping {
    by_category: BTreeMap<String, FeeTarget>,
    by_item: BTreeMap<String, FeeTarget>,
}

impl FeeMapping {
    pub fn new() -> FeeMapping {
        FeeMapping::default()
    }

    pub fn set_category(&mut self, category: impl Into<String>, target: FeeTarget) {
        self.by_category.insert(category.into(), target);
    }

    pub fn set_item(&mut self, item_code: impl Into<String>, target: FeeTarget) {
        self.by_item.insert(item_code.into(), target);
    }

    /// Where a charge goes: its item's override, else its category's mapping.
    pub fn target(&self, c: &charge::Model) -> Option<FeeTarget> {
        self.by_item
            .get(&c.item_code)
            .or_else(|| self.by_category.get(&c.category))
            .copied()
    }

    /// The mapping of the demo HIS's charge categories (see `yiqiao_his::demo`).
    pub fn demo() -> FeeMapping {
        let mut m = FeeMapping::new();
        let plain = |i: FeeItem| FeeTarget {
            item: i,
            of_which: None,
        };
        for (cat, item) in [
            ("01", FeeItem::WesternMedicine),
            ("02", FeeItem::PatentMedicine),
            ("03", FeeItem::HerbalMedicine),
            ("04", FeeItem::ClinicalDiagnosis),
            ("05", FeeItem::NonSurgical),
            ("06", FeeItem::Imaging),
            ("07", FeeItem::Laboratory),
            ("09", FeeItem::GeneralService),
            ("13", FeeItem::TcmTreatment),
        ] {
            m.set_category(cat, plain(item));
        }
        m.set_category(
            "08",
            FeeTarget {
                item: FeeItem::Surgical,
                of_which: Some(FeeItem::Operation),
            },
        );
        m
    }
}

/// A charge the mapping does not place: listed for the records office.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnmappedCharge {
    pub charge_id: String,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub category_name: Option<String>,
    pub amount: i64,
}

/// What HIS holds about one visit.
#[derive(Debug, Clone, Copy)]
pub struct VisitRecord<'a> {
    pub visit: &'a visit::Model,
    pub patient: &'a patient::Model,
    pub department: Option<&'a department::Model>,
    pub doctor: Option<&'a staff::Model>,
    pub diagnoses: &'a [visit_diagnosis::Model],
    pub procedures: &'a [visit_procedure::Model],
    pub charges: &'a [charge::Model],
    /// The drugs the charges refer to (for 抗菌药物费用).
    pub drugs: &'a [drug::Model],
}

/// An assembled page and the charges it could not place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    pub page: Page,
    pub unmapped: Vec<UnmappedCharge>,
}

fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&shanghai()).naive_local()
}

fn flag(b: Option<bool>) -> Option<String> {
    b.map(|b| if b { "1" } else { "2" }.to_string())
}

/// 性别: GB/T 2261.1 (HIS) to the page's list — 0 未知 and 9 未说明 become 3 其他.
pub fn page_sex(gb: &str) -> String {
    match gb {
        "1" | "2" => gb.to_string(),
        _ => "3".to_string(),
    }
}

/// 婚姻: GB/T 2261.2 (HIS: 10, 20–23, 30, 40, 90) to the page's 1–4, 9.
pub fn page_marital(gb: &str) -> String {
    match gb.chars().next() {
        Some(c @ '1'..='4') => c.to_string(),
        _ => "9".to_string(),
    }
}

/// Builds the page of one visit.
pub fn assemble(org: &Org, r: &VisitRecord<'_>, mapping: &FeeMapping) -> Assembled {
    let p = r.patient;
    let v = r.visit;
    let mut dx: Vec<&visit_diagnosis::Model> = r.diagnoses.iter().collect();
    dx.sort_by_key(|d| d.seq);
    let coded = |d: &&visit_diagnosis::Model| Coded {
        name: Some(d.name.clone()),
        code: d.code.clone(),
    };
    let of_kind =
        |k: &str| -> Vec<Coded> { dx.iter().filter(|d| d.kind == k).map(coded).collect() };
    let mut procs: Vec<&visit_procedure::Model> = r.procedures.iter().collect();
    procs.sort_by_key(|pr| pr.seq);

    let mut fees = Fees::default();
    let mut unmapped = Vec::new();
    let (mut total, mut self_paid) = (0i64, 0i64);
    for c in r.charges {
        total = total.saturating_add(c.amount);
        self_paid = self_paid.saturating_add(c.self_paid);
        let Some(t) = mapping.target(c) else {
            unmapped.push(UnmappedCharge {
                charge_id: c.id.clone(),
                item_code: c.item_code.clone(),
                item_name: c.item_name.clone(),
                category: c.category.clone(),
                category_name: c.category_name.clone(),
                amount: c.amount,
            });
            continue;
        };
        let add = |fees: &mut Fees, i: FeeItem| fees.set(i, fees.get(i).saturating_add(c.amount));
        add(&mut fees, t.item);
        // An antibacterial drug in 西药费 is also 其中抗菌药物费用, whatever the table says.
        let antibacterial = t.item == FeeItem::WesternMedicine
            && c.drug_code
                .as_ref()
                .is_some_and(|code| r.drugs.iter().any(|d| &d.code == code && d.antibacterial));
        match (t.of_which, antibacterial) {
            (Some(sub), _) => add(&mut fees, sub),
            (None, true) => add(&mut fees, FeeItem::Antibacterial),
            (None, false) => {}
        }
    }
    fees.total = Some(total);
    fees.self_paid = Some(self_paid);

    let page = Page {
        org_name: Some(org.name.clone()),
        org_credit_code: Some(org.credit_code.clone()),
        card_no: Some(p.card_no.clone()),
        name: Some(p.name.clone()),
        sex: Some(page_sex(&p.sex)),
        birth_date: Some(p.birth_date),
        marital: p.marital.as_deref().map(page_marital),
        nationality: p.nationality.clone(),
        ethnicity: p.ethnicity.clone(),
        id_type: Some(p.id_type.clone()),
        id_no: Some(p.id_no.clone()),
        address: Address {
            province: p.address_province.clone(),
            city: p.address_city.clone(),
            county: p.address_county.clone(),
            detail: p.address_detail.clone(),
        },
        phone: p.phone.clone(),
        drug_allergy: p.drug_allergy.clone(),
        allergy_drugs: p.allergy_drugs.clone(),
        other_allergy: p.other_allergy.clone(),
        other_allergens: p.other_allergens.clone(),
        registered_at: v.registered_at.map(local),
        checked_in_at: v.checked_in_at.map(local),
        visited_at: v.visited_at.map(local),
        dept_code: Some(v.dept_code.clone()),
        dept_name: r.department.map(|d| d.name.clone()),
        doctor: r.doctor.map(|s| s.name.clone()),
        doctor_title: r.doctor.and_then(|s| s.title.clone()),
        visit_type: Some(v.visit_type.clone()),
        revisit: flag(v.revisit),
        infusion: flag(v.infusion),
        chronic_special: flag(v.chronic_special),
        triage_level: v.triage_level.clone(),
        emergency_destination: v.emergency_destination.clone(),
        admission_cert_at: v.admission_cert_at.map(local),
        western_diagnoses: of_kind("western"),
        tcm_disease: of_kind("tcm_disease").into_iter().next(),
        tcm_syndromes: of_kind("tcm_syndrome"),
        procedures: procs
            .iter()
            .map(|pr| Procedure {
                date: Some(local(pr.date)),
                name: Some(pr.name.clone()),
                code: pr.code.clone(),
                anesthesia: pr.anesthesia.clone(),
                grade: pr.grade.clone(),
                operator: pr.operator.clone(),
                anesthetist: pr.anesthetist.clone(),
            })
            .collect(),
        fees,
    };
    Assembled { page, unmapped }
}
