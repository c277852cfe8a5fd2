//! Tests of the visit page: parsing its JSON contract, the quality rules, and the check command.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![recursion_limit = "256"]

mod assemble;
mod cli;
mod dicts;
mod flow;
mod http;
mod indicators;
mod page;
mod print;
mod props;
mod rules;
mod store;

use serde_json::{Value, json};
use yiqiao_visitpage::domain::codes::{Dict, DictKind, Dicts};
use yiqiao_visitpage::{Page, check};

/// The spec's example page: a TCM internal-medicine visit, correct in every respect.
pub fn tcm_visit() -> Value {
    json!({
      "org_name": "台州市中西医结合医院", "org_credit_code": "12331000470000000H",
      "card_no": "MZ0001234", "name": "王小明", "sex": "1", "birth_date": "1985-06-12",
      "marital": "2", "nationality": "CHN", "ethnicity": "01", "id_type": "1",
      "id_no": "331002198506122010",
      "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "某街道1号"},
      "phone": "13800000000", "drug_allergy": "1", "allergy_drugs": null,
      "other_allergy": "1", "other_allergens": null,
      "registered_at": "2026-11-02 08:01:10", "checked_in_at": "2026-11-02 08:20:00",
      "visited_at": "2026-11-02 08:35:42", "dept_code": "A03.01", "dept_name": "中医内科",
      "doctor": "李医生", "doctor_title": "主任医师", "visit_type": "2", "revisit": "2",
      "infusion": "2", "chronic_special": "2", "triage_level": null,
      "emergency_destination": null, "admission_cert_at": null,
      "western_diagnoses": [{"name": "急性上呼吸道感染", "code": "J06.900"}],
      "tcm_disease": {"name": "感冒", "code": "A01.01.01.01."},
      "tcm_syndromes": [{"name": "风寒束表证", "code": "B01.01.01.01.01."}],
      "procedures": [],
      "fees": {"total": 25660, "self_paid": 8000, "general_service": 2500,
               "general_treatment": 0, "nursing": 0, "service_other": 0, "pathology": 0,
               "laboratory": 4800, "imaging": 0, "clinical_diagnosis": 0, "non_surgical": 0,
               "physical_therapy": 0, "surgical": 0, "anesthesia": 0, "operation": 0,
               "rehabilitation": 0, "tcm_treatment": 3000, "western_medicine": 6200,
               "antibacterial": 0, "patent_medicine": 3560, "herbal_medicine": 5600, "blood": 0,
               "albumin": 0, "globulin": 0, "coagulation_factor": 0, "cytokine": 0,
               "material_exam": 0, "material_treatment": 0, "material_surgery": 0, "other": 0}
    })
}

/// An emergency visit of a woman, with a graded, anaesthetised procedure, admitted to the ward.
pub fn emergency_visit() -> Value {
    let mut v = tcm_visit();
    let o = v.as_object_mut().unwrap();
    for (k, x) in [
        ("card_no", json!("JZ0000077")),
        ("name", json!("陈芳")),
        ("sex", json!("2")),
        ("id_no", json!("331002198506122029")),
        ("phone", json!("0576-88123456")),
        ("drug_allergy", json!("2")),
        ("allergy_drugs", json!("青霉素")),
        ("registered_at", json!("2026-11-02 23:50:00")),
        ("checked_in_at", Value::Null),
        ("visited_at", json!("2026-11-02 23:52:00")),
        ("dept_code", json!("A01")),
        ("dept_name", json!("急诊科")),
        ("visit_type", json!("1")),
        ("triage_level", json!("3")),
        ("emergency_destination", json!("7")),
        ("admission_cert_at", json!("2026-11-03 01:30:00")),
        (
            "western_diagnoses",
            json!([{"name": "头皮裂伤", "code": "S01.001"}, {"name": "急性上呼吸道感染", "code": "J06.900"}]),
        ),
        ("tcm_disease", Value::Null),
        ("tcm_syndromes", json!([])),
        (
            "procedures",
            json!([{"date": "2026-11-03 00:10:00", "name": "头皮缝合术", "code": "86.5901",
            "anesthesia": "3", "grade": "1", "operator": "张医生", "anesthetist": null}]),
        ),
    ] {
        o.insert(k.to_string(), x);
    }
    let f = o.get_mut("fees").unwrap().as_object_mut().unwrap();
    for (k, x) in [
        ("total", 31860),
        ("surgical", 5000),
        ("anesthesia", 800),
        ("operation", 3000),
        ("tcm_treatment", 0),
        ("herbal_medicine", 0),
        ("material_treatment", 1200),
        ("western_medicine", 12000),
        ("antibacterial", 4000),
        ("non_surgical", 1500),
        ("physical_therapy", 500),
        ("patent_medicine", 1160),
        ("rehabilitation", 0),
        ("general_service", 3000),
        ("laboratory", 8000),
    ] {
        f.insert(k.to_string(), json!(x));
    }
    v
}

/// An internet visit: no registration or check-in time, no TCM block, minimal page.
pub fn internet_visit() -> Value {
    let mut v = tcm_visit();
    let o = v.as_object_mut().unwrap();
    for k in [
        "registered_at",
        "checked_in_at",
        "tcm_disease",
        "tcm_syndromes",
        "procedures",
    ] {
        o.remove(k);
    }
    for (k, x) in [
        ("visit_type", json!("4")),
        ("dept_code", json!("A02")),
        ("dept_name", json!("呼吸内科")),
        ("revisit", json!("1")),
        ("phone", json!("+86 139 0000 0000")),
        (
            "fees",
            json!({"total": 2500, "self_paid": 0, "general_service": 2500}),
        ),
    ] {
        o.insert(k.to_string(), x);
    }
    v
}

pub fn valid_pages() -> Vec<(&'static str, Value)> {
    vec![
        ("中医门诊", tcm_visit()),
        ("急诊转入院", emergency_visit()),
        ("互联网诊疗", internet_visit()),
    ]
}

/// Sample code tables holding the codes the valid pages use (and a few the tests provoke with).
pub fn dicts() -> Dicts {
    let d = |pairs: &[(&str, &str)]| Dict::from_pairs(pairs.iter().map(|(c, n)| (*c, *n)));
    Dicts::none()
        .with(
            DictKind::Icd10,
            d(&[
                ("J06.900", "急性上呼吸道感染"),
                ("S01.001", "头皮裂伤"),
                ("O80.000", "单胎顺产"),
                ("N40.x00", "前列腺增生"),
                ("W19.x00", "跌倒"),
                ("G01*", "细菌性疾病引起的脑膜炎"),
            ]),
        )
        .with(DictKind::Icd9Cm3, d(&[("86.5901", "头皮缝合术")]))
        .with(DictKind::TcmDisease, d(&[("A01.01.01.01.", "感冒")]))
        .with(
            DictKind::TcmSyndrome,
            d(&[("B01.01.01.01.01.", "风寒束表证")]),
        )
        .with(
            DictKind::Department,
            d(&[
                ("A01", "急诊科"),
                ("A02", "呼吸内科"),
                ("A03.01", "中医内科"),
            ]),
        )
        .with(
            DictKind::Title,
            d(&[("231", "主任医师"), ("232", "副主任医师")]),
        )
        .with(
            DictKind::Anesthesia,
            d(&[("1", "全身麻醉"), ("3", "局部麻醉")]),
        )
        .with(DictKind::Nationality, d(&[("CHN", "中国")]))
        .with(DictKind::Ethnicity, d(&[("01", "汉族"), ("02", "蒙古族")]))
}

pub fn page(v: &Value) -> Page {
    Page::from_json(v).unwrap()
}

/// The TCM page, changed by `f`.
pub fn mutated(base: Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Page {
    let mut v = base;
    f(v.as_object_mut().unwrap());
    page(&v)
}

#[test]
fn the_valid_pages_have_no_findings_at_all() {
    for (what, v) in valid_pages() {
        let p = page(&v);
        assert_eq!(check(&p, &dicts()), vec![], "{what}");
        assert_eq!(check(&p, &Dicts::none()), vec![], "{what} without tables");
    }
}
