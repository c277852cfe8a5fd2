//! Each rule VP-R01…VP-R32: provoked by a mutation of a valid page, and silent on the valid
//! pages.

use serde_json::{Value, json};
use yiqiao_visitpage::domain::codes::Dicts;
use yiqiao_visitpage::domain::rules::{self, Finding, RULES, Severity};
use yiqiao_visitpage::{Page, check};

use super::{dicts, emergency_visit, internet_visit, mutated, page, tcm_visit, valid_pages};

fn set(o: &mut serde_json::Map<String, Value>, k: &str, v: Value) {
    o.insert(k.to_string(), v);
}

fn fee(o: &mut serde_json::Map<String, Value>, k: &str, v: i64) {
    o.get_mut("fees")
        .unwrap()
        .as_object_mut()
        .unwrap()
        .insert(k.to_string(), json!(v));
}

/// The findings of one rule, with the full tables.
fn run(rule: fn(&Page, &Dicts) -> Vec<Finding>, p: &Page) -> Vec<Finding> {
    rule(p, &dicts())
}

/// Asserts that `rule` finds exactly the given (field, severity) pairs and that every finding
/// carries the rule's id and a message.
fn assert_finds(
    id: &str,
    rule: fn(&Page, &Dicts) -> Vec<Finding>,
    p: &Page,
    want: &[(&str, Severity)],
) -> Vec<Finding> {
    let got = run(rule, p);
    let pairs: Vec<(&str, Severity)> = got.iter().map(|f| (f.field.as_str(), f.severity)).collect();
    assert_eq!(pairs, want, "{got:#?}");
    for f in &got {
        assert_eq!(f.rule, id);
        assert!(!f.message.is_empty());
    }
    // The whole rule set reports the same findings for this rule.
    let all: Vec<Finding> = check(p, &dicts())
        .into_iter()
        .filter(|f| f.rule == id)
        .collect();
    assert_eq!(all, got);
    got
}

macro_rules! passes {
    ($($name:ident: $rule:path;)*) => {
        $(
            #[test]
            fn $name() {
                for (what, v) in valid_pages() {
                    let p = page(&v);
                    assert_eq!($rule(&p, &dicts()), vec![], "{what}");
                    assert_eq!($rule(&p, &Dicts::none()), vec![], "{what} without tables");
                }
            }
        )*
    };
}

passes! {
    r01_passes_a_valid_page: rules::vp_r01;
    r02_passes_a_valid_page: rules::vp_r02;
    r03_passes_a_valid_page: rules::vp_r03;
    r04_passes_a_valid_page: rules::vp_r04;
    r05_passes_a_valid_page: rules::vp_r05;
    r06_passes_a_valid_page: rules::vp_r06;
    r07_passes_a_valid_page: rules::vp_r07;
    r08_passes_a_valid_page: rules::vp_r08;
    r09_passes_a_valid_page: rules::vp_r09;
    r10_passes_a_valid_page: rules::vp_r10;
    r11_passes_a_valid_page: rules::vp_r11;
    r12_passes_a_valid_page: rules::vp_r12;
    r13_passes_a_valid_page: rules::vp_r13;
    r14_passes_a_valid_page: rules::vp_r14;
    r15_passes_a_valid_page: rules::vp_r15;
    r16_passes_a_valid_page: rules::vp_r16;
    r17_passes_a_valid_page: rules::vp_r17;
    r18_passes_a_valid_page: rules::vp_r18;
    r19_passes_a_valid_page: rules::vp_r19;
    r20_passes_a_valid_page: rules::vp_r20;
    r21_passes_a_valid_page: rules::vp_r21;
    r22_passes_a_valid_page: rules::vp_r22;
    r23_passes_a_valid_page: rules::vp_r23;
    r24_passes_a_valid_page: rules::vp_r24;
    r25_passes_a_valid_page: rules::vp_r25;
    r26_passes_a_valid_page: rules::vp_r26;
    r27_passes_a_valid_page: rules::vp_r27;
    r28_passes_a_valid_page: rules::vp_r28;
    r29_passes_a_valid_page: rules::vp_r29;
    r30_passes_a_valid_page: rules::vp_r30;
    r31_passes_a_valid_page: rules::vp_r31;
    r32_passes_a_valid_page: rules::vp_r32;
}

#[test]
fn the_rule_table_is_numbered_r01_to_r32_in_order() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let want: Vec<String> = (1..=32).map(|i| format!("VP-R{i:02}")).collect();
    assert_eq!(ids, want);
}

use Severity::{Error as E, Warning as W};

#[test]
fn r01_an_empty_required_field_is_named() {
    for blank in [
        json!("无"),
        json!("-"),
        json!("/"),
        json!("   "),
        json!(""),
        Value::Null,
    ] {
        let p = mutated(tcm_visit(), |o| set(o, "name", blank.clone()));
        let f = assert_finds("VP-R01", rules::vp_r01, &p, &[("name", E)]);
        assert!(f[0].message.contains("姓名"), "{}", f[0].message);
    }
    let p = mutated(tcm_visit(), |o| {
        o.remove("visited_at");
        set(o, "birth_date", json!("-"));
        set(
            o,
            "address",
            json!({"province": "浙江省", "city": "", "detail": "无"}),
        );
        o.get_mut("fees")
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("total");
        set(
            o,
            "western_diagnoses",
            json!([{"name": "/", "code": "J06.900"}]),
        );
    });
    assert_finds(
        "VP-R01",
        rules::vp_r01,
        &p,
        &[
            ("address.city", E),
            ("address.detail", E),
            ("birth_date", E),
            ("visited_at", E),
            ("western_diagnoses[0].name", E),
            ("fees.total", E),
        ],
    );
}

#[test]
fn r02_a_code_outside_its_table() {
    let p = mutated(tcm_visit(), |o| {
        set(o, "sex", json!("4"));
        set(o, "marital", json!("5"));
        set(o, "nationality", json!("XYZ"));
        set(o, "doctor_title", json!("大医师"));
        set(o, "visit_type", json!("6"));
    });
    let f = assert_finds(
        "VP-R02",
        rules::vp_r02,
        &p,
        &[
            ("sex", E),
            ("marital", E),
            ("nationality", E),
            ("doctor_title", E),
            ("visit_type", E),
        ],
    );
    assert!(
        f[0].message.contains("1 男、2 女、3 其他"),
        "{}",
        f[0].message
    );
    // A table that was not loaded is not checked; the fixed lists always are.
    assert_eq!(
        rules::vp_r02(&p, &Dicts::none())
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        ["sex", "marital", "visit_type"]
    );
    let p = mutated(emergency_visit(), |o| {
        set(
            o,
            "procedures",
            json!([{"date": "2026-11-03 00:10:00", "name": "头皮缝合术", "code": "86.5901",
                    "anesthesia": "99", "grade": "5"}]),
        );
    });
    assert_finds(
        "VP-R02",
        rules::vp_r02,
        &p,
        &[("procedures[0].anesthesia", E), ("procedures[0].grade", E)],
    );
}

#[test]
fn r03_a_text_longer_than_allowed() {
    let p = mutated(tcm_visit(), |o| {
        set(o, "name", json!("王".repeat(51)));
        set(
            o,
            "western_diagnoses",
            json!([{"name": "感".repeat(101), "code": "J06.900"}]),
        );
    });
    assert_finds(
        "VP-R03",
        rules::vp_r03,
        &p,
        &[("name", E), ("western_diagnoses[0].name", E)],
    );
    let p = mutated(tcm_visit(), |o| set(o, "name", json!("王".repeat(50))));
    assert_eq!(run(rules::vp_r03, &p), vec![]);
}

#[test]
fn r04_a_resident_id_number_with_a_bad_shape_or_check_character() {
    for bad in [
        "331002198506122011",
        "33100219850612201",
        "33100219850612201x",
        "3310021985061220AX",
    ] {
        let p = mutated(tcm_visit(), |o| set(o, "id_no", json!(bad)));
        assert_finds("VP-R04", rules::vp_r04, &p, &[("id_no", E)]);
    }
    // Other document types are not held to GB 11643.
    let p = mutated(tcm_visit(), |o| {
        set(o, "id_type", json!("6"));
        set(o, "id_no", json!("E12345678"));
    });
    assert_eq!(run(rules::vp_r04, &p), vec![]);
}

#[test]
fn r05_birth_date_differs_from_the_id_number() {
    let p = mutated(tcm_visit(), |o| set(o, "birth_date", json!("1985-06-13")));
    let f = assert_finds("VP-R05", rules::vp_r05, &p, &[("birth_date", E)]);
    assert!(f[0].message.contains("19850612"), "{}", f[0].message);
}

#[test]
fn r06_sex_differs_from_the_id_number_is_a_warning() {
    let p = mutated(tcm_visit(), |o| set(o, "sex", json!("2")));
    assert_finds("VP-R06", rules::vp_r06, &p, &[("sex", W)]);
    let p = mutated(emergency_visit(), |o| set(o, "sex", json!("1")));
    assert_finds("VP-R06", rules::vp_r06, &p, &[("sex", W)]);
}

#[test]
fn r07_check_in_before_registration() {
    let p = mutated(tcm_visit(), |o| {
        set(o, "checked_in_at", json!("2026-11-02 08:01:09"))
    });
    assert_finds("VP-R07", rules::vp_r07, &p, &[("checked_in_at", E)]);
}

#[test]
fn r08_visit_before_check_in_or_registration() {
    let p = mutated(tcm_visit(), |o| {
        set(o, "visited_at", json!("2026-11-02 08:19:59"))
    });
    assert_finds("VP-R08", rules::vp_r08, &p, &[("visited_at", E)]);
    // Without a check-in, the registration time is the bound.
    let p = mutated(tcm_visit(), |o| {
        set(o, "checked_in_at", Value::Null);
        set(o, "visited_at", json!("2026-11-02 08:00:00"));
    });
    let f = assert_finds("VP-R08", rules::vp_r08, &p, &[("visited_at", E)]);
    assert!(f[0].message.contains("挂号时间"), "{}", f[0].message);
}

#[test]
fn r09_birth_after_the_visit_or_older_than_150() {
    let p = mutated(tcm_visit(), |o| set(o, "birth_date", json!("2026-11-03")));
    assert_finds("VP-R09", rules::vp_r09, &p, &[("birth_date", E)]);
    // 151 full years is over 150; 150 years and 364 days is not.
    let p = mutated(tcm_visit(), |o| set(o, "birth_date", json!("1875-11-02")));
    assert_finds("VP-R09", rules::vp_r09, &p, &[("birth_date", E)]);
    let p = mutated(tcm_visit(), |o| set(o, "birth_date", json!("1875-11-03")));
    assert_eq!(run(rules::vp_r09, &p), vec![]);
}

#[test]
fn r10_emergency_without_triage_level() {
    let p = mutated(emergency_visit(), |o| set(o, "triage_level", json!(" ")));
    assert_finds("VP-R10", rules::vp_r10, &p, &[("triage_level", E)]);
}

#[test]
fn r11_emergency_without_destination() {
    let p = mutated(emergency_visit(), |o| {
        o.remove("emergency_destination");
    });
    assert_finds("VP-R11", rules::vp_r11, &p, &[("emergency_destination", E)]);
}

#[test]
fn r12_non_emergency_with_triage_or_destination_is_a_warning() {
    let p = mutated(tcm_visit(), |o| {
        set(o, "triage_level", json!("4"));
        set(o, "emergency_destination", json!("1"));
    });
    assert_finds(
        "VP-R12",
        rules::vp_r12,
        &p,
        &[("triage_level", W), ("emergency_destination", W)],
    );
}

#[test]
fn r13_admitted_from_emergency_without_admission_certificate_time() {
    let p = mutated(emergency_visit(), |o| {
        set(o, "admission_cert_at", Value::Null)
    });
    assert_finds("VP-R13", rules::vp_r13, &p, &[("admission_cert_at", E)]);
}

#[test]
fn r14_admission_certificate_before_the_visit() {
    let p = mutated(emergency_visit(), |o| {
        set(o, "admission_cert_at", json!("2026-11-02 23:51:59"))
    });
    assert_finds("VP-R14", rules::vp_r14, &p, &[("admission_cert_at", E)]);
}

#[test]
fn r15_an_allergy_without_what() {
    let p = mutated(emergency_visit(), |o| {
        set(o, "allergy_drugs", json!("无"));
        set(o, "other_allergy", json!("2"));
    });
    assert_finds(
        "VP-R15",
        rules::vp_r15,
        &p,
        &[("allergy_drugs", E), ("other_allergens", E)],
    );
}

#[test]
fn r16_no_main_diagnosis_or_more_than_ten_others() {
    let p = mutated(tcm_visit(), |o| set(o, "western_diagnoses", json!([])));
    assert_finds("VP-R16", rules::vp_r16, &p, &[("western_diagnoses", E)]);
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"name": "急性上呼吸道感染", "code": "J06.900"}))
        .collect();
    let p = mutated(tcm_visit(), |o| set(o, "western_diagnoses", json!(eleven)));
    assert_eq!(run(rules::vp_r16, &p), vec![]);
    let twelve: Vec<Value> = (0..12)
        .map(|_| json!({"name": "急性上呼吸道感染", "code": "J06.900"}))
        .collect();
    let p = mutated(tcm_visit(), |o| set(o, "western_diagnoses", json!(twelve)));
    assert_finds("VP-R16", rules::vp_r16, &p, &[("western_diagnoses", E)]);
}

#[test]
fn r17_a_code_not_in_icd10_an_empty_code_and_a_name_mismatch() {
    let p = mutated(emergency_visit(), |o| {
        set(
            o,
            "western_diagnoses",
            json!([{"name": "头皮裂伤", "code": "S01.999"}, {"name": "感冒", "code": "J06.900"},
                   {"name": "无法编码的诊断", "code": ""}]),
        );
    });
    assert_finds(
        "VP-R17",
        rules::vp_r17,
        &p,
        &[
            ("western_diagnoses[0].code", E),
            ("western_diagnoses[1].name", W),
            ("western_diagnoses[2].code", E),
        ],
    );
    // Without the table, only the empty code is reported.
    assert_eq!(rules::vp_r17(&p, &Dicts::none()).len(), 1);
}

#[test]
fn r18_tcm_block_missing_in_a_tcm_department_or_a_code_outside_its_table() {
    let p = mutated(tcm_visit(), |o| {
        set(o, "tcm_disease", Value::Null);
        set(o, "tcm_syndromes", json!([]));
    });
    assert_finds(
        "VP-R18",
        rules::vp_r18,
        &p,
        &[("tcm_disease", E), ("tcm_syndromes[0]", E)],
    );
    // A TCM diagnosis in a Western department also brings the block.
    let p = mutated(internet_visit(), |o| {
        set(
            o,
            "tcm_disease",
            json!({"name": "感冒", "code": "A01.01.01.01."}),
        );
    });
    assert_finds("VP-R18", rules::vp_r18, &p, &[("tcm_syndromes[0]", E)]);
    let p = mutated(tcm_visit(), |o| {
        set(o, "tcm_disease", json!({"name": "感冒", "code": "A99"}));
        set(
            o,
            "tcm_syndromes",
            json!([{"name": "风寒束表证", "code": "B01.01.01.01.01."}, {"name": "某证", "code": ""},
                   {"name": "风寒束表证", "code": "B01.01.01.01.01."}]),
        );
    });
    assert_finds(
        "VP-R18",
        rules::vp_r18,
        &p,
        &[
            ("tcm_disease.code", E),
            ("tcm_syndromes[1].code", E),
            ("tcm_syndromes", E),
        ],
    );
}

#[test]
fn r19_a_procedure_row_lacking_parts_or_more_than_five() {
    let p = mutated(emergency_visit(), |o| {
        set(
            o,
            "procedures",
            json!([{"name": "头皮缝合术", "code": "86.5901", "anesthesia": "3"}]),
        );
    });
    assert_finds(
        "VP-R19",
        rules::vp_r19,
        &p,
        &[("procedures[0].date", E), ("procedures[0].grade", E)],
    );
    let row = json!({"date": "2026-11-03", "name": "头皮缝合术", "code": "86.5901", "grade": "1"});
    let p = mutated(emergency_visit(), |o| {
        set(o, "procedures", json!(vec![row.clone(); 5]))
    });
    assert_eq!(run(rules::vp_r19, &p), vec![]);
    let p = mutated(emergency_visit(), |o| {
        set(o, "procedures", json!(vec![row; 6]))
    });
    assert_finds("VP-R19", rules::vp_r19, &p, &[("procedures", E)]);
}

#[test]
fn r20_a_procedure_code_not_in_icd9cm3() {
    let p = mutated(emergency_visit(), |o| {
        set(
            o,
            "procedures",
            json!([{"date": "2026-11-03 00:10:00", "name": "头皮缝合术", "code": "86.5999",
                    "anesthesia": "3", "grade": "1"}]),
        );
    });
    assert_finds("VP-R20", rules::vp_r20, &p, &[("procedures[0].code", E)]);
    assert_eq!(rules::vp_r20(&p, &Dicts::none()), vec![]);
}

#[test]
fn r21_a_procedure_not_on_the_visit_days_is_a_warning() {
    for day in ["2026-11-01 23:59:59", "2026-11-04 00:00:00"] {
        let p = mutated(emergency_visit(), |o| {
            set(
                o,
                "procedures",
                json!([{"date": day, "name": "头皮缝合术", "code": "86.5901",
                        "anesthesia": "3", "grade": "1"}]),
            );
        });
        assert_finds("VP-R21", rules::vp_r21, &p, &[("procedures[0].date", W)]);
    }
}

#[test]
fn r22_a_negative_fee_or_one_above_the_total() {
    let p = mutated(tcm_visit(), |o| {
        fee(o, "laboratory", -1);
        fee(o, "herbal_medicine", 25661);
    });
    assert_finds(
        "VP-R22",
        rules::vp_r22,
        &p,
        &[("fees.laboratory", E), ("fees.herbal_medicine", E)],
    );
}

#[test]
fn r23_total_differs_from_the_sum_of_the_items_to_the_fen() {
    let p = mutated(tcm_visit(), |o| fee(o, "total", 25661));
    let f = assert_finds("VP-R23", rules::vp_r23, &p, &[("fees.total", E)]);
    assert!(f[0].message.contains("0.01 元"), "{}", f[0].message);
    // Sub-items are inside their parent: adding one does not change the sum.
    let p = mutated(tcm_visit(), |o| fee(o, "antibacterial", 1000));
    assert_eq!(run(rules::vp_r23, &p), vec![]);
}

#[test]
fn r24_self_paid_negative_or_above_the_total() {
    let p = mutated(tcm_visit(), |o| fee(o, "self_paid", 25661));
    assert_finds("VP-R24", rules::vp_r24, &p, &[("fees.self_paid", E)]);
    let p = mutated(tcm_visit(), |o| fee(o, "self_paid", -5));
    assert_finds("VP-R24", rules::vp_r24, &p, &[("fees.self_paid", E)]);
    let p = mutated(tcm_visit(), |o| fee(o, "self_paid", 25660));
    assert_eq!(run(rules::vp_r24, &p), vec![]);
}

#[test]
fn r25_antibacterial_above_western_medicine() {
    let p = mutated(tcm_visit(), |o| fee(o, "antibacterial", 6201));
    assert_finds("VP-R25", rules::vp_r25, &p, &[("fees.antibacterial", E)]);
}

#[test]
fn r26_anaesthesia_and_operation_above_surgical() {
    let p = mutated(emergency_visit(), |o| fee(o, "anesthesia", 2001));
    assert_finds("VP-R26", rules::vp_r26, &p, &[("fees.anesthesia", E)]);
    let p = mutated(emergency_visit(), |o| fee(o, "anesthesia", 2000));
    assert_eq!(run(rules::vp_r26, &p), vec![]);
}

#[test]
fn r27_physical_therapy_above_non_surgical() {
    let p = mutated(emergency_visit(), |o| fee(o, "physical_therapy", 1501));
    assert_finds("VP-R27", rules::vp_r27, &p, &[("fees.physical_therapy", E)]);
}

#[test]
fn r28_a_procedure_with_anaesthesia_or_grade_but_no_such_fee_is_a_warning() {
    let p = mutated(emergency_visit(), |o| {
        fee(o, "anesthesia", 0);
        fee(o, "operation", 0);
    });
    assert_finds(
        "VP-R28",
        rules::vp_r28,
        &p,
        &[("fees.anesthesia", W), ("fees.operation", W)],
    );
}

#[test]
fn r29_an_implausible_phone_is_a_warning() {
    for bad in [
        "12345",
        "12800000000",
        "1380000000",
        "phone",
        "0576-123",
        "0576-88123456-1234567",
    ] {
        let p = mutated(tcm_visit(), |o| set(o, "phone", json!(bad)));
        assert_finds("VP-R29", rules::vp_r29, &p, &[("phone", W)]);
    }
    for good in [
        "13800000000",
        "19912345678",
        "057688123456",
        "0576-88123456-801",
        "(0576)88123456",
        "88123456",
        "010-1234567",
    ] {
        let p = mutated(tcm_visit(), |o| set(o, "phone", json!(good)));
        assert_eq!(run(rules::vp_r29, &p), vec![], "{good}");
    }
}

#[test]
fn r30_a_diagnosis_that_conflicts_with_sex_is_a_warning() {
    let p = mutated(tcm_visit(), |o| {
        set(
            o,
            "western_diagnoses",
            json!([{"name": "急性上呼吸道感染", "code": "J06.900"}, {"name": "单胎顺产", "code": "O80.000"}]),
        );
    });
    assert_finds(
        "VP-R30",
        rules::vp_r30,
        &p,
        &[("western_diagnoses[1].code", W)],
    );
    let p = mutated(emergency_visit(), |o| {
        set(
            o,
            "western_diagnoses",
            json!([{"name": "头皮裂伤", "code": "S01.001"}, {"name": "前列腺增生", "code": "N40.x00"}]),
        );
    });
    assert_finds(
        "VP-R30",
        rules::vp_r30,
        &p,
        &[("western_diagnoses[1].code", W)],
    );
    // N39 and N52 are outside the male-genital range.
    let p = mutated(emergency_visit(), |o| {
        set(
            o,
            "western_diagnoses",
            json!([{"name": "a", "code": "N39.000"}, {"name": "b", "code": "N52.000"}]),
        );
    });
    assert_eq!(run(rules::vp_r30, &p), vec![]);
}

#[test]
fn r31_an_external_cause_or_asterisk_code_as_main_diagnosis() {
    for code in ["W19.x00", "V01.000", "Y98.x00", "G01*"] {
        let p = mutated(tcm_visit(), |o| {
            set(o, "western_diagnoses", json!([{"name": "x", "code": code}]));
        });
        assert_finds(
            "VP-R31",
            rules::vp_r31,
            &p,
            &[("western_diagnoses[0].code", E)],
        );
    }
    // As another diagnosis an external cause is allowed, and V00 / Y99 are outside the range.
    for codes in [
        json!([{"name": "头皮裂伤", "code": "S01.001"}, {"name": "跌倒", "code": "W19.x00"}]),
        json!([{"name": "a", "code": "V00.000"}]),
        json!([{"name": "a", "code": "Y99.000"}]),
    ] {
        let p = mutated(tcm_visit(), |o| set(o, "western_diagnoses", codes.clone()));
        assert_eq!(run(rules::vp_r31, &p), vec![], "{codes}");
    }
}

#[test]
fn r32_an_invalid_unified_social_credit_code() {
    for bad in [
        "12331000470000000A",
        "1233100047000000H",
        "12331000470000000h",
    ] {
        let p = mutated(tcm_visit(), |o| set(o, "org_credit_code", json!(bad)));
        assert_finds("VP-R32", rules::vp_r32, &p, &[("org_credit_code", E)]);
    }
}

#[test]
fn findings_serialise_with_lowercase_severity() {
    let p = mutated(tcm_visit(), |o| set(o, "phone", json!("12345")));
    let f = check(&p, &dicts());
    assert_eq!(
        serde_json::to_value(&f).unwrap(),
        json!([{"rule": "VP-R29", "severity": "warning", "field": "phone",
                "message": "联系电话「12345」不像有效的手机或固定电话号码"}])
    );
}
