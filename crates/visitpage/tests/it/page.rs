//! The JSON contract: what parses, and what is refused with the field named.

use serde_json::{Value, json};
use yiqiao_core::Refusal;
use yiqiao_visitpage::{FeeItem, Page, PageError};

use super::{emergency_visit, tcm_visit};

fn refused(v: &Value) -> Vec<(String, String)> {
    match Page::from_json(v) {
        Err(PageError::Fields(f)) => f.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn the_spec_example_parses_with_every_field() {
    let p = Page::from_json(&tcm_visit()).unwrap();
    assert_eq!(p.name.as_deref(), Some("王小明"));
    assert_eq!(p.birth_date.unwrap().to_string(), "1985-06-12");
    assert_eq!(p.address.county.as_deref(), Some("椒江区"));
    assert_eq!(p.visited_at.unwrap().to_string(), "2026-11-02 08:35:42");
    assert_eq!(p.western_diagnoses[0].code.as_deref(), Some("J06.900"));
    assert_eq!(p.tcm_syndromes[0].name.as_deref(), Some("风寒束表证"));
    assert_eq!(p.fees.total, Some(25660));
    assert_eq!(p.fees.get(FeeItem::HerbalMedicine), 5600);
    assert_eq!(p.fees.items_sum(), Some(25660));
    assert_eq!(p.label(), Some("MZ0001234"));
    let e = Page::from_json(&emergency_visit()).unwrap();
    assert_eq!(e.procedures[0].grade.as_deref(), Some("1"));
    assert_eq!(e.fees.get(FeeItem::Anesthesia), 800);
}

#[test]
fn there_are_24_items_and_4_of_which_sub_items() {
    assert_eq!(FeeItem::items().count(), 24);
    assert_eq!(FeeItem::ALL.len(), 28);
    let subs: Vec<(&str, &str)> = FeeItem::ALL
        .iter()
        .filter_map(|i| i.parent().map(|p| (i.key(), p.key())))
        .collect();
    assert_eq!(
        subs,
        [
            ("physical_therapy", "non_surgical"),
            ("anesthesia", "surgical"),
            ("operation", "surgical"),
            ("antibacterial", "western_medicine"),
        ]
    );
    assert_eq!(
        FeeItem::from_key("herbal_medicine").map(|i| i.column()),
        Some("ZCYF1")
    );
}

#[test]
fn an_unknown_field_is_refused_by_its_path() {
    let mut v = tcm_visit();
    v["nmae"] = json!("王小明");
    v["fees"]["totl"] = json!(1);
    v["address"]["street"] = json!("x");
    v["western_diagnoses"][0]["cod"] = json!("x");
    let errs = refused(&v);
    let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "address.street",
            "western_diagnoses[0].cod",
            "fees.totl",
            "nmae"
        ]
    );
    assert!(errs.iter().all(|(_, m)| m == "未知字段"));
}

#[test]
fn wrong_types_and_formats_are_refused_naming_the_field_in_chinese() {
    let mut v = tcm_visit();
    v["sex"] = json!(1);
    v["visited_at"] = json!("2026/11/02 08:35");
    v["birth_date"] = json!("1985-13-01");
    v["fees"]["total"] = json!(256.6);
    v["fees"]["laboratory"] = json!("4800");
    v["procedures"] = json!([{"date": "昨天", "name": "x", "code": "y", "grade": "1"}]);
    v["tcm_syndromes"] = json!("风寒束表证");
    let errs = refused(&v);
    let got: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        got,
        [
            "tcm_syndromes",
            "procedures[0].date",
            "fees.total",
            "fees.laboratory",
            "sex",
            "birth_date",
            "visited_at"
        ]
    );
    let msg = |f: &str| errs.iter().find(|(x, _)| x == f).unwrap().1.clone();
    assert_eq!(msg("sex"), "代码应为字符串，例如 \"1\"");
    assert_eq!(
        msg("visited_at"),
        "时间「2026/11/02 08:35」格式不对，应为 YYYY-MM-DD HH:MM:SS"
    );
    assert_eq!(msg("fees.total"), "金额「256.6」应为整数（单位：分）");
    // The refusal carries its fields for the HTTP body, and says it in one line.
    let e = Page::from_json(&v).unwrap_err();
    assert_eq!(e.code(), "BAD_FIELD");
    assert_eq!(e.fields().len(), 7);
    assert!(e.to_string().contains("字段 visited_at："), "{e}");
}

#[test]
fn a_blank_time_is_missing_not_malformed() {
    let mut v = tcm_visit();
    v["registered_at"] = json!("-");
    v["birth_date"] = json!("");
    let p = Page::from_json(&v).unwrap();
    assert_eq!(p.registered_at, None);
    assert_eq!(p.birth_date, None);
}

#[test]
fn not_an_object_and_not_json_are_refused() {
    assert_eq!(Page::from_json(&json!([1])), Err(PageError::NotAnObject));
    assert!(matches!(Page::parse("{"), Err(PageError::Json(_))));
    // A procedure may carry only its day.
    let mut v = tcm_visit();
    v["procedures"] = json!([{"date": "2026-11-02", "name": "x", "code": "y", "grade": "1"}]);
    let p = Page::from_json(&v).unwrap();
    assert_eq!(
        p.procedures[0].date.unwrap().to_string(),
        "2026-11-02 00:00:00"
    );
}

#[test]
fn a_page_writes_back_to_the_same_json() {
    for (what, v) in super::valid_pages() {
        let p = Page::from_json(&v).unwrap();
        let again = Page::from_json(&p.to_json()).unwrap();
        assert_eq!(again, p, "{what}");
    }
    // The spec example, with every key present, is written back exactly.
    let v = tcm_visit();
    assert_eq!(Page::from_json(&v).unwrap().to_json(), v);
}
