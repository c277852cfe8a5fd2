//! The checks over the HIS feed's discharged cases, stored as the records office's queue.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use yiqiao_drg::store::checks;
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

use crate::version;

pub fn migrations() -> Vec<yiqiao_store::Migration> {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_drg::migrations());
    m
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 2, 0, 0).unwrap()
}

/// A correct stay: 冠心病 with a stent in 心血管内科 (A03.04), 7 days.
pub fn good_case() -> Value {
    json!({"patient_id": "P0001", "admission_no": "ZY2026001234", "sex": "1",
        "age": 67, "age_days": null, "birth_weight": null,
        "admitted_at": "2026-03-02 10:12:00", "discharged_at": "2026-03-09 09:30:00",
        "los_days": 7, "discharge_way": "1", "transfer_org": null, "admit_dept_code": "A03.04",
        "dept_code": "A03.04", "doctor_code": "D012", "total_cost": 3256012,
        "self_paid": 523400, "insurance_type": "职工医保", "setl_id": "S2026030900012",
        "ventilation_hours": null,
        "diagnoses": [{"code": "I25.103", "name": "冠状动脉粥样硬化性心脏病", "admission_condition": "1"},
                      {"code": "I10.x00", "name": "特发性（原发性）高血压", "admission_condition": "1"}],
        "procedures": [{"code": "36.0700", "name": "药物洗脱冠状动脉支架置入",
            "date": "2026-03-03 14:00:00", "operator": "张伟", "anesthesia": "26", "grade": "4"}]})
}

pub async fn put(t: &TestDb, kind: Kind, id: &str, v: &Value) {
    yiqiao_his::store::upsert_value(&t.db, kind, id, v, &Actor::machine("his"), now())
        .await
        .unwrap();
}

/// Departments A03.04 心血管内科 and A05.01 儿科, doctor D012, patient P0001, and three
/// discharged cases: Z1 correct, Z2 a transfer without the receiving institution (error),
/// Z3 a newborn diagnosis in an adult (warning only, in 儿科).
pub async fn hospital() -> TestDb {
    let t = TestDb::new(&migrations()).await.unwrap();
    for (code, name) in [("A03.04", "心血管内科"), ("A05.01", "儿科")] {
        put(&t, Kind::Department, code, &json!({"name": name, "kind": "clinic",
            "campus": "本部", "tcm": false, "online_booking": false, "intro": null, "active": true}))
        .await;
    }
    put(
        &t,
        Kind::Staff,
        "D012",
        &json!({"name": "李明华", "role": "doctor",
        "dept_code": "A03.04", "title": "主任医师", "licence_no": "110331000012345",
        "id_type": null, "id_no": null, "specialty": null, "intro": null, "active": true}),
    )
    .await;
    put(&t, Kind::Patient, "P0001", &json!({"card_no": "MZ0001234", "name": "王小明",
        "sex": "1", "birth_date": "1959-06-12", "id_type": "1", "id_no": "331002198506122010",
        "nationality": "CHN", "ethnicity": "01", "marital": "20",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "东山路18号"},
        "phone": "13805761234", "drug_allergy": "1", "allergy_drugs": null,
        "other_allergy": "1", "other_allergens": null}))
    .await;
    put(&t, Kind::InpatientCase, "Z1", &good_case()).await;
    let mut z2 = good_case();
    z2["discharge_way"] = json!("2");
    put(&t, Kind::InpatientCase, "Z2", &z2).await;
    let mut z3 = good_case();
    z3["dept_code"] = json!("A05.01");
    z3["diagnoses"] = json!([{"code": "P07.300", "name": "早产婴儿"}]);
    z3["procedures"] = json!([]);
    put(&t, Kind::InpatientCase, "Z3", &z3).await;
    t
}

#[tokio::test]
async fn the_queue_lists_cases_with_problems_by_department() {
    let t = hospital().await;
    let v = version("zj-drg-2022");
    assert_eq!(checks::last_run(&*t.db).await.unwrap(), None);
    let run = checks::run(&t.db, v, &Actor::person("bingan01"), now())
        .await
        .unwrap();
    assert_eq!(
        run,
        checks::CheckRun {
            cases: 3,
            with_errors: 1,
            with_warnings: 1
        }
    );
    assert_eq!(
        checks::last_run(&*t.db).await.unwrap(),
        Some(("zj-drg-2022".to_owned(), now()))
    );
    let q = checks::queue(&*t.db, None).await.unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(
        (q[0].dept_code.as_str(), q[0].dept_name.as_str()),
        ("A03.04", "心血管内科")
    );
    assert_eq!(q[0].cases.len(), 1);
    let z2 = &q[0].cases[0];
    assert_eq!(z2.case_id, "Z2");
    assert_eq!((z2.errors, z2.warnings), (1, 0));
    assert_eq!(z2.rules, ["DRG-C14"]);
    // The stored group is the grouper's.
    let expected = v.group(&checks::stay(&*t.db, "Z2").await.unwrap().unwrap().case());
    assert_eq!(z2.drg, expected.drg);
    assert_eq!(z2.status, "SUCCESS");
    let z3 = &q[1].cases[0];
    assert_eq!(
        (q[1].dept_name.as_str(), z3.case_id.as_str()),
        ("儿科", "Z3")
    );
    assert_eq!(
        (z3.errors, z3.warnings, z3.rules.clone()),
        (0, 1, vec!["DRG-C11".to_owned()])
    );

    let only = checks::queue(&*t.db, Some("A05.01")).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].cases[0].case_id, "Z3");

    // The HIS corrects Z2; the next run takes it off the queue.
    let mut z2 = good_case();
    z2["discharge_way"] = json!("2");
    z2["transfer_org"] = json!("台州医院");
    put(&t, Kind::InpatientCase, "Z2", &z2).await;
    let later = now() + chrono::Duration::hours(1);
    let run = checks::run(&t.db, v, &Actor::person("bingan01"), later)
        .await
        .unwrap();
    assert_eq!(run.with_errors, 0);
    let q = checks::queue(&*t.db, None).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].cases[0].case_id, "Z3");
    assert!(
        yiqiao_store::audit::verify(&*t.db)
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn a_stay_is_read_from_the_his_feed() {
    let t = hospital().await;
    let s = checks::stay(&*t.db, "Z1").await.unwrap().unwrap();
    assert_eq!(s.diagnoses, ["I25.103", "I10.x00"]);
    assert_eq!(s.procedures.len(), 1);
    assert_eq!(s.los_days, 7);
    assert!(yiqiao_drg::domain::checks::check(&s, version("zj-drg-2022")).is_empty());
    assert_eq!(checks::stay(&*t.db, "nope").await.unwrap(), None);
}

#[tokio::test]
async fn the_demo_imports_every_version_found_and_fills_the_queue() {
    let t = hospital().await;
    let said = yiqiao_drg::demo::load(&t.db, &crate::data_dir(), now())
        .await
        .unwrap();
    assert!(
        said.contains("zj-drg-2022（1006 组，使用中）")
            && said.contains("chs-drg-1.1（628 组）")
            && said.contains("已检查 3 份"),
        "{said}"
    );
    let mut names: Vec<String> = yiqiao_drg::store::list(&*t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    names.sort();
    assert_eq!(names, ["chs-drg-1.1", "zj-drg-2022"]);
    assert_eq!(checks::queue(&*t.db, None).await.unwrap().len(), 2);

    // With [drg] version = chs-drg-1.1 the demo checks with it, and the pages find it.
    let t = hospital().await;
    let said = yiqiao_drg::demo::load_for(&t.db, &crate::data_dir(), "chs-drg-1.1", now())
        .await
        .unwrap();
    assert!(said.contains("chs-drg-1.1（628 组，使用中）"), "{said}");
    assert_eq!(
        checks::last_run(&*t.db).await.unwrap().map(|r| r.0),
        Some("chs-drg-1.1".to_owned())
    );
    let state = yiqiao_drg::pages::DrgState::new(
        t.db.clone(),
        std::sync::Arc::new(yiqiao_core::time::ManualClock::new(now())),
        "chs-drg-1.1",
    );
    assert_eq!(
        state.current().await.unwrap().unwrap().name(),
        "chs-drg-1.1"
    );

    // Without the rule data nothing is imported, and the summary says why.
    let t = hospital().await;
    let said = yiqiao_drg::demo::load(&t.db, std::path::Path::new("/no/such/dir"), now())
        .await
        .unwrap();
    assert!(said.contains("未导入"), "{said}");
    assert!(yiqiao_drg::store::list(&*t.db).await.unwrap().is_empty());
}
