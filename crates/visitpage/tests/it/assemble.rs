//! Assembly from HIS rows: every field lands, charges go through the mapping, unmapped charges
//! are listed and still counted.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use yiqiao_his::store::entities::{
    charge, department, drug, patient, staff, visit, visit_diagnosis, visit_procedure,
};
use yiqiao_visitpage::domain::assemble::{
    FeeMapping, FeeTarget, MappingError, Org, VisitRecord, assemble, page_marital, page_sex,
};
use yiqiao_visitpage::domain::rules::has_errors;
use yiqiao_visitpage::{FeeItem, check};

use super::dicts;

/// Shanghai wall-clock time as UTC.
pub fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, h, m, s).unwrap() - chrono::Duration::hours(8)
}

pub fn t0() -> DateTime<Utc> {
    at(7, 0, 0)
}

pub fn patient() -> patient::Model {
    patient::Model {
        id: "P1".into(),
        card_no: "MZ0001234".into(),
        name: "王小明".into(),
        sex: "1".into(),
        birth_date: NaiveDate::from_ymd_opt(1985, 6, 12).unwrap(),
        id_type: "1".into(),
        id_no: "331002198506122010".into(),
        nationality: Some("CHN".into()),
        ethnicity: Some("01".into()),
        marital: Some("22".into()),
        address_province: Some("浙江省".into()),
        address_city: Some("台州市".into()),
        address_county: Some("椒江区".into()),
        address_detail: Some("某街道1号".into()),
        phone: Some("13800000000".into()),
        drug_allergy: Some("1".into()),
        allergy_drugs: None,
        other_allergy: Some("1".into()),
        other_allergens: None,
        content_hash: String::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn visit() -> visit::Model {
    visit::Model {
        id: "V1".into(),
        patient_id: "P1".into(),
        visit_type: "2".into(),
        dept_code: "A03.01".into(),
        doctor_code: "D1".into(),
        registered_at: Some(at(8, 1, 10)),
        checked_in_at: Some(at(8, 20, 0)),
        visited_at: Some(at(8, 35, 42)),
        revisit: Some(false),
        infusion: Some(false),
        chronic_special: Some(false),
        triage_level: None,
        emergency_destination: None,
        admission_cert_at: None,
        mdtrt_id: None,
        settled_at: None,
        cancelled: false,
        content_hash: String::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn department() -> department::Model {
    department::Model {
        code: "A03.01".into(),
        name: "中医内科".into(),
        kind: "clinical".into(),
        campus: None,
        tcm: true,
        online_booking: true,
        intro: None,
        active: true,
        content_hash: String::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn doctor() -> staff::Model {
    staff::Model {
        code: "D1".into(),
        name: "李医生".into(),
        role: "doctor".into(),
        dept_code: "A03.01".into(),
        title: Some("主任医师".into()),
        licence_no: None,
        id_type: None,
        id_no: None,
        specialty: None,
        intro: None,
        active: true,
        content_hash: String::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn dx(kind: &str, seq: i32, code: &str, name: &str) -> visit_diagnosis::Model {
    visit_diagnosis::Model {
        visit_id: "V1".into(),
        kind: kind.into(),
        seq,
        code: Some(code.into()),
        name: name.into(),
    }
}

pub fn charge(id: &str, item: &str, cat: &str, amount: i64, drug: Option<&str>) -> charge::Model {
    charge::Model {
        id: id.into(),
        visit_id: "V1".into(),
        item_code: item.into(),
        item_name: format!("项目{item}"),
        category: cat.into(),
        category_name: None,
        drug_code: drug.map(Into::into),
        dept_code: None,
        unit_price: None,
        quantity: 1,
        amount,
        self_paid: amount / 4,
        charged_at: at(9, 0, 0),
        settlement_id: None,
        content_hash: String::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn drug(code: &str, antibacterial: bool) -> drug::Model {
    drug::Model {
        code: code.into(),
        generic_name: "阿莫西林胶囊".into(),
        trade_name: None,
        category: "western".into(),
        spec: "0.25g*24粒".into(),
        form: "胶囊剂".into(),
        manufacturer: "某药厂".into(),
        approval_no: None,
        nhsa_code: None,
        rx: true,
        antibacterial,
        unit: "盒".into(),
        pack_unit: None,
        pack_size: 1,
        price: None,
        active: true,
        content_hash: String::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn org() -> Org {
    Org {
        name: "台州市中西医结合医院".into(),
        credit_code: "12331000470000000H".into(),
    }
}

#[test]
fn a_complete_his_visit_assembles_into_a_page_that_passes_every_rule() {
    let (p, v, d, s) = (patient(), visit(), department(), doctor());
    let diagnoses = [
        dx("tcm_syndrome", 0, "B01.01.01.01.01.", "风寒束表证"),
        dx("western", 0, "J06.900", "急性上呼吸道感染"),
        dx("tcm_disease", 0, "A01.01.01.01.", "感冒"),
    ];
    let charges = [
        charge("C1", "110200001", "09", 2500, None),
        charge("C2", "250101015", "07", 4800, None),
        charge("C3", "X001", "01", 6200, Some("DRUG1")),
        charge("C4", "X002", "01", 1000, Some("AMOX")),
        charge("C5", "Z001", "02", 3560, None),
        charge("C6", "H001", "03", 5600, None),
        charge("C7", "T001", "13", 3000, None),
    ];
    let drugs = [drug("DRUG1", false), drug("AMOX", true)];
    let rec = VisitRecord {
        visit: &v,
        patient: &p,
        department: Some(&d),
        doctor: Some(&s),
        diagnoses: &diagnoses,
        procedures: &[],
        charges: &charges,
        drugs: &drugs,
    };
    let a = assemble(&org(), &rec, &FeeMapping::demo());
    assert_eq!(a.unmapped, vec![]);
    let page = &a.page;
    assert_eq!(page.visited_at.unwrap().to_string(), "2026-11-02 08:35:42");
    assert_eq!(page.marital.as_deref(), Some("2"));
    assert_eq!(page.revisit.as_deref(), Some("2"));
    assert_eq!(page.doctor_title.as_deref(), Some("主任医师"));
    assert_eq!(
        page.tcm_disease.as_ref().unwrap().name.as_deref(),
        Some("感冒")
    );
    assert_eq!(page.fees.total, Some(26660));
    assert_eq!(
        page.fees.self_paid,
        Some(charges.iter().map(|c| c.self_paid).sum())
    );
    assert_eq!(page.fees.get(FeeItem::WesternMedicine), 7200);
    assert_eq!(page.fees.get(FeeItem::Antibacterial), 1000);
    assert_eq!(page.fees.get(FeeItem::GeneralService), 2500);
    assert_eq!(check(page, &dicts()), vec![]);
}

#[test]
fn an_unmapped_charge_is_listed_and_keeps_the_page_from_passing() {
    let (p, v) = (patient(), visit());
    let diagnoses = [dx("western", 0, "J06.900", "急性上呼吸道感染")];
    let mut odd = charge("C9", "999", "77", 1234, None);
    odd.category_name = Some("未知类别".into());
    let charges = [charge("C1", "110200001", "09", 2500, None), odd];
    let rec = VisitRecord {
        visit: &v,
        patient: &p,
        department: None,
        doctor: None,
        diagnoses: &diagnoses,
        procedures: &[],
        charges: &charges,
        drugs: &[],
    };
    let a = assemble(&org(), &rec, &FeeMapping::demo());
    assert_eq!(a.unmapped.len(), 1);
    assert_eq!(a.unmapped[0].charge_id, "C9");
    assert_eq!(a.unmapped[0].amount, 1234);
    assert_eq!(a.page.fees.total, Some(3734));
    let f = check(&a.page, &dicts());
    assert!(has_errors(&f));
    let rules: Vec<&str> = f.iter().map(|f| f.rule).collect();
    // No doctor from HIS: the page says so rather than inventing one; the department table
    // names A03.01 中医内科, so the missing TCM block is reported too.
    assert_eq!(
        rules,
        ["VP-R01", "VP-R01", "VP-R18", "VP-R18", "VP-R23"],
        "{f:#?}"
    );

    // Mapping the category — or overriding the single item — places the charge.
    let mut m = FeeMapping::demo();
    m.set_item("999", FeeTarget::item(FeeItem::Other).unwrap());
    let a = assemble(&org(), &rec, &m);
    assert_eq!(a.unmapped, vec![]);
    assert_eq!(a.page.fees.get(FeeItem::Other), 1234);
}

#[test]
fn procedures_and_surgery_fees_land_with_their_sub_items() {
    let (p, mut v) = (patient(), visit());
    v.visit_type = "1".into();
    v.triage_level = Some("3".into());
    v.emergency_destination = Some("1".into());
    let diagnoses = [dx("western", 0, "S01.001", "头皮裂伤")];
    let procs = [visit_procedure::Model {
        visit_id: "V1".into(),
        seq: 0,
        date: at(9, 10, 0),
        name: "头皮缝合术".into(),
        code: Some("86.5901".into()),
        anesthesia: Some("3".into()),
        grade: Some("1".into()),
        operator: Some("张医生".into()),
        anesthetist: None,
    }];
    let charges = [charge("C1", "330000001", "08", 3000, None)];
    let rec = VisitRecord {
        visit: &v,
        patient: &p,
        department: None,
        doctor: None,
        diagnoses: &diagnoses,
        procedures: &procs,
        charges: &charges,
        drugs: &[],
    };
    let a = assemble(&org(), &rec, &FeeMapping::demo());
    assert_eq!(
        a.page.procedures[0].date.unwrap().to_string(),
        "2026-11-02 09:10:00"
    );
    assert_eq!(a.page.fees.get(FeeItem::Surgical), 3000);
    assert_eq!(a.page.fees.get(FeeItem::Operation), 3000);
    assert_eq!(a.page.fees.items_sum(), Some(3000));
    assert_eq!(a.page.triage_level.as_deref(), Some("3"));
}

#[test]
fn a_mapping_refuses_impossible_targets() {
    assert_eq!(
        FeeTarget::item(FeeItem::Antibacterial),
        Err(MappingError::SubItemAsItem("抗菌药物费用"))
    );
    assert!(matches!(
        FeeTarget::new(FeeItem::Surgical, Some(FeeItem::Antibacterial)),
        Err(MappingError::NotASubItemOf { .. })
    ));
    assert!(FeeTarget::new(FeeItem::Surgical, Some(FeeItem::Anesthesia)).is_ok());
}

#[test]
fn his_codes_become_the_page_s_codes() {
    assert_eq!(
        ["0", "1", "2", "9"].map(page_sex),
        ["3", "1", "2", "3"].map(String::from)
    );
    assert_eq!(
        ["10", "20", "23", "30", "40", "90"].map(page_marital),
        ["1", "2", "2", "3", "4", "9"].map(String::from)
    );
}

/// Inserting a HIS row in a test.
pub trait InsertInto {
    async fn into_active_model_insert(self, t: &yiqiao_store::testing::TestDb);
}

impl InsertInto for charge::Model {
    async fn into_active_model_insert(self, t: &yiqiao_store::testing::TestDb) {
        use sea_orm::{ActiveModelTrait, IntoActiveModel};
        self.into_active_model().insert(t.db.conn()).await.unwrap();
    }
}

#[test]
fn the_configured_credit_code_is_warned_about_once_when_empty_invalid_or_the_example() {
    let with = |code: &str| Org {
        name: "台州市中西医结合医院".into(),
        credit_code: code.into(),
    };
    // Empty: every page fails VP-R01 on it, which is what the warning says.
    let w = with("").config_warning(false).unwrap();
    assert!(
        w.contains("[hospital] credit_code") && w.contains("VP-R01"),
        "{w}"
    );
    let (p, v, d, s) = (patient(), visit(), department(), doctor());
    let diagnoses = [dx("western", 0, "J06.900", "急性上呼吸道感染")];
    let rec = VisitRecord {
        visit: &v,
        patient: &p,
        department: Some(&d),
        doctor: Some(&s),
        diagnoses: &diagnoses,
        procedures: &[],
        charges: &[],
        drugs: &[],
    };
    let a = assemble(&with(""), &rec, &FeeMapping::demo());
    assert!(
        check(&a.page, &dicts())
            .iter()
            .any(|f| f.rule == "VP-R01" && f.field == "org_credit_code")
    );
    // The demo's example code is expected in the demo, and warned about anywhere else.
    assert_eq!(
        with(yiqiao_visitpage::DEMO_CREDIT_CODE).config_warning(true),
        None
    );
    let w = with(yiqiao_visitpage::DEMO_CREDIT_CODE)
        .config_warning(false)
        .unwrap();
    assert!(w.contains("示例"), "{w}");
    // A wrong check character or lower case: VP-R32 on every page.
    let w = with("12331000470000000X").config_warning(false).unwrap();
    assert!(w.contains("无效") && w.contains("VP-R32"), "{w}");
    let w = with("91330000mA2AXXXX0X").config_warning(false);
    assert!(w.is_some_and(|w| w.contains("VP-R32")));
    // A valid code of the hospital's own: nothing to say.
    let own = yiqiao_core::UnifiedCreditCode::compose("12331000470000001").unwrap();
    assert_eq!(with(own.as_str()).config_warning(false), None);
    assert_eq!(with(own.as_str()).config_warning(true), None);
}
