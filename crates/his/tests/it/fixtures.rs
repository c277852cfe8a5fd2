//! One record of each kind, in feed order, each with a changed version.

use serde_json::{Value, json};

pub struct Fixture {
    pub kind: &'static str,
    pub id: &'static str,
    pub record: Value,
    pub changed: Value,
}

fn with(mut v: Value, key: &str, new: Value) -> Value {
    v[key] = new;
    v
}

pub fn department() -> Value {
    json!({"name": "中医内科", "kind": "clinic", "campus": "本部", "tcm": true,
        "online_booking": true})
}

pub fn ward() -> Value {
    json!({"name": "内科一病区", "kind": "ward", "tcm": false, "online_booking": false})
}

pub fn staff() -> Value {
    json!({"name": "李明华", "role": "doctor", "dept_code": "A50.01", "title": "主任医师",
        "licence_no": "120331000123456", "specialty": "脾胃病"})
}

pub fn patient() -> Value {
    json!({"card_no": "MZ0001234", "name": "王小明", "sex": "1", "birth_date": "1985-06-12",
        "id_type": "1", "id_no": "331002198506122010", "nationality": "CHN", "ethnicity": "01",
        "marital": "20",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "东山路18号"},
        "phone": "13805761234", "drug_allergy": "1", "other_allergy": "1"})
}

pub fn drug() -> Value {
    json!({"generic_name": "阿莫西林胶囊", "category": "western", "spec": "0.25g*24粒",
        "form": "胶囊剂", "manufacturer": "台州华康制药有限公司", "approval_no": "国药准字H33021351",
        "nhsa_code": "XJ01CAA040A001010100063", "rx": true, "antibacterial": true, "unit": "粒",
        "pack_unit": "盒", "pack_size": 24, "price": 35})
}

pub fn visit() -> Value {
    json!({"patient_id": "P0001", "visit_type": "2", "dept_code": "A50.01",
        "doctor_code": "D001", "registered_at": "2026-11-02 08:01:10",
        "checked_in_at": "2026-11-02 08:20:00", "visited_at": "2026-11-02 08:35:42",
        "revisit": false, "infusion": false, "chronic_special": false,
        "western_diagnoses": [{"code": "J06.900", "name": "急性上呼吸道感染"}],
        "tcm_disease": {"code": "A01.01.01.01.", "name": "感冒"},
        "tcm_syndromes": [{"code": "B01.01.01.01.01.", "name": "风寒束表证"}],
        "procedures": [{"date": "2026-11-02 09:10:00", "name": "毫针治疗", "code": "17.91100",
            "grade": "1", "operator": "李明华"}]})
}

pub fn charge() -> Value {
    json!({"visit_id": "V0001", "item_code": "110200005", "item_name": "中医辨证论治",
        "category": "09", "category_name": "诊查费", "dept_code": "A50.01",
        "unit_price": 4000, "quantity": 1, "amount": 4000, "self_paid": 800,
        "charged_at": "2026-11-02 08:01:10"})
}

pub fn prescription() -> Value {
    json!({"visit_id": "V0001", "patient_id": "P0001", "doctor_code": "D001",
        "dept_code": "A50.01", "prescribed_at": "2026-11-02 08:50:00", "rx_type": "western",
        "self_pay": false, "setl_id": "S2026110200012", "mdtrt_id": "M2026110200034",
        "psn_no": "33100000000000001234", "settled_at": "2026-11-02 09:02:11",
        "lines": [{"line_no": 1, "drug_code": "X0001", "quantity": 24, "dosage": "0.5g",
            "frequency": "tid", "route": "口服", "days": 4, "unit_price": 35, "amount": 840}]})
}

pub fn ward_dispensing() -> Value {
    json!({"ward_code": "W01", "issued_at": "2026-11-30 09:30:00",
    "lines": [
        {"line_no": 1, "patient_id": "P0001", "admission_no": "ZY202690001", "bed_no": "12",
         "order_id": "YZ20269000101", "order_kind": "long", "drug_code": "X0001", "quantity": 3,
         "ordering_doctor_code": "D001"},
        {"line_no": 2, "patient_id": "P0001", "admission_no": "ZY202690001", "bed_no": "12",
         "order_id": "YZ20269000102", "order_kind": "temporary", "drug_code": "X0001", "quantity": 1}
    ]})
}

pub fn inpatient_case() -> Value {
    json!({"patient_id": "P0001", "admission_no": "ZY202600123", "sex": "1", "age": 41,
        "admitted_at": "2026-03-02 10:12:00", "discharged_at": "2026-03-09 09:30:00",
        "los_days": 7, "discharge_way": "1", "admit_dept_code": "A50.01", "dept_code": "A50.01",
        "doctor_code": "D001", "total_cost": 3256012, "self_paid": 523400,
        "insurance_type": "职工医保", "setl_id": "SZ2026030900012",
        "diagnoses": [{"code": "I25.103", "name": "冠状动脉粥样硬化性心脏病", "admission_condition": "1"},
                      {"code": "I10.x00", "name": "特发性（原发性）高血压", "admission_condition": "1"}],
        "procedures": [{"code": "36.0700", "name": "药物洗脱冠状动脉支架置入",
            "date": "2026-03-03 14:00:00", "operator": "李明华", "anesthesia": "26", "grade": "4"}]})
}

/// Every kind, in an order in which references resolve.
pub fn all() -> Vec<Fixture> {
    let mut changed_visit = visit();
    changed_visit["western_diagnoses"] = json!([
        {"code": "J06.900", "name": "急性上呼吸道感染"},
        {"code": "I10.x00", "name": "特发性（原发性）高血压"}
    ]);
    changed_visit["procedures"] = json!([]);
    let mut changed_rx = prescription();
    changed_rx["lines"] = json!([
        {"line_no": 1, "drug_code": "X0001", "quantity": 12},
        {"line_no": 2, "drug_code": "X0001", "quantity": 6}
    ]);
    let mut changed_ward = ward_dispensing();
    changed_ward["lines"][0]["quantity"] = json!(4);
    let mut changed_case = inpatient_case();
    changed_case["diagnoses"][1] = json!({"code": "E11.900", "name": "2型糖尿病"});
    vec![
        Fixture {
            kind: "departments",
            id: "A50.01",
            record: department(),
            changed: with(department(), "online_booking", json!(false)),
        },
        Fixture {
            kind: "departments",
            id: "W01",
            record: ward(),
            changed: with(ward(), "campus", json!("东院区")),
        },
        Fixture {
            kind: "staff",
            id: "D001",
            record: staff(),
            changed: with(staff(), "title", json!("副主任医师")),
        },
        Fixture {
            kind: "patients",
            id: "P0001",
            record: patient(),
            changed: with(patient(), "phone", json!("13900000000")),
        },
        Fixture {
            kind: "drugs",
            id: "X0001",
            record: drug(),
            changed: with(drug(), "price", json!(38)),
        },
        Fixture {
            kind: "visits",
            id: "V0001",
            record: visit(),
            changed: changed_visit,
        },
        Fixture {
            kind: "charges",
            id: "C0001",
            record: charge(),
            changed: with(charge(), "self_paid", json!(4000)),
        },
        Fixture {
            kind: "prescriptions",
            id: "RX0001",
            record: prescription(),
            changed: changed_rx,
        },
        Fixture {
            kind: "ward-dispensing",
            id: "WD0001",
            record: ward_dispensing(),
            changed: changed_ward,
        },
        Fixture {
            kind: "inpatient-cases",
            id: "IC0001",
            record: inpatient_case(),
            changed: changed_case,
        },
    ]
}
