//! Outpatient dispensing: the refusals in the spec's order, split quantities, uncollected lines,
//! and two windows scanning one package at once — exactly one wins.

use serde_json::json;
use yiqiao_his::domain::Kind;
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::TraceError;
use yiqiao_tracecode::domain::dispense::DispenseError;
use yiqiao_tracecode::domain::receipt::{NewReceipt, RawReceipt};
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::store::receipt as rc;
use yiqiao_tracecode::store::trace;

use crate::fixtures::{his, keeper, now};
use crate::receipt::{line, mapped};

pub fn code(n: u32) -> String {
    format!("8123456{n:013}")
}

pub async fn put(t: &TestDb, kind: Kind, id: &str, v: serde_json::Value) {
    yiqiao_his::store::upsert_value(&t.db, kind, id, &v, &his(), now())
        .await
        .unwrap();
}

/// Received at pharmacy YF01: D1 codes 1–`n`; at 药库: D1 code 900.
pub async fn hospital(n: u32) -> TestDb {
    let t = mapped().await;
    put(
        &t,
        Kind::Department,
        "A50.01",
        json!({"name": "中医内科", "kind": "clinic",
        "tcm": true, "online_booking": true}),
    )
    .await;
    put(
        &t,
        Kind::Department,
        "YF01",
        json!({"name": "门诊西药房", "kind": "pharmacy",
        "tcm": false, "online_booking": false}),
    )
    .await;
    put(
        &t,
        Kind::Staff,
        "D001",
        json!({"name": "李明华", "role": "doctor",
        "dept_code": "A50.01", "title": "主任医师", "licence_no": "120331000123456"}),
    )
    .await;
    // The keeper's account is linked to her (see `fixtures::keeper`).
    put(
        &t,
        Kind::Staff,
        "YK01",
        json!({"name": "张丽华", "role": "pharmacist",
        "dept_code": "YF01", "title": "主管药师", "licence_no": "ZY3310005"}),
    )
    .await;
    put(&t, Kind::Patient, "P0001", json!({"card_no": "MZ0001234", "name": "王小明",
        "sex": "1", "birth_date": "1985-06-12", "id_type": "1", "id_no": "331002198506122010",
        "nationality": "CHN", "ethnicity": "01", "marital": "20",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "东山路18号"},
        "phone": "13805761234", "drug_allergy": "1", "other_allergy": "1"})).await;
    put(
        &t,
        Kind::Visit,
        "V0001",
        json!({"patient_id": "P0001", "visit_type": "2",
        "dept_code": "A50.01", "doctor_code": "D001", "registered_at": "2026-11-02 08:01:10",
        "revisit": false, "infusion": false, "chronic_special": false,
        "western_diagnoses": [{"code": "J06.900", "name": "急性上呼吸道感染"}]}),
    )
    .await;
    for (rx, lines) in [
        (
            "RX1",
            json!([{"line_no": 1, "drug_code": "D1", "quantity": 48},
                       {"line_no": 2, "drug_code": "D1", "quantity": 30},
                       {"line_no": 3, "drug_code": "H1", "quantity": 10}]),
        ),
        (
            "RX2",
            json!([{"line_no": 1, "drug_code": "D1", "quantity": 48}]),
        ),
    ] {
        put(
            &t,
            Kind::Prescription,
            rx,
            json!({"visit_id": "V0001", "patient_id": "P0001",
            "doctor_code": "D001", "dept_code": "A50.01", "pharmacy_code": "YF01",
            "prescribed_at": "2026-11-02 08:50:00", "rx_type": "western", "self_pay": true,
            "lines": lines}),
        )
        .await;
    }
    let k = keeper();
    let at = |location: &str, packages: i64| {
        let raw: RawReceipt = serde_json::from_value(json!({"supplier_name": "华东医药",
            "location": location, "lines": [line("D1", "B1", packages)]}))
        .unwrap();
        NewReceipt::parse(&raw).unwrap()
    };
    let r = rc::create(&t.db, &at("YF01", i64::from(n)), &k, now())
        .await
        .unwrap();
    for i in 1..=n {
        rc::scan(&t.db, r.id, &code(i), &k, now()).await.unwrap();
    }
    rc::confirm(&t.db, r.id, &k, now()).await.unwrap();
    let r = rc::create(&t.db, &at("药库", 1), &k, now()).await.unwrap();
    rc::scan(&t.db, r.id, &code(900), &k, now()).await.unwrap();
    rc::confirm(&t.db, r.id, &k, now()).await.unwrap();
    t
}

fn message<T: std::fmt::Debug>(r: Result<T, TraceError>) -> String {
    match r {
        Ok(ok) => panic!("accepted: {ok:?}"),
        Err(TraceError::Db(e)) => panic!("{e:?}"),
        Err(e) => e.to_string(),
    }
}

pub async fn state_of(t: &TestDb, key: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use yiqiao_tracecode::store::entities::code;
    code::Entity::find()
        .filter(code::Column::CodeKey.eq(key))
        .one(&*t.db)
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn every_dispensing_refusal_in_the_specs_order_then_confirmation() {
    let t = hospital(6).await;
    let db = &t.db;
    let k = keeper();
    let d = dp::open(db, "RX1", &k, now()).await.unwrap();
    let shape: Vec<(i64, i64, i64)> = d
        .lines
        .iter()
        .map(|l| (l.required, l.split_qty, l.scanned))
        .collect();
    // 48 粒 = 2 boxes of 24; 30 粒 = 1 box + 6 split; 黄芪 is exempt (nothing traced, nothing
    // split off to draw).
    assert_eq!(shape, [(2, 0, 0), (1, 6, 0), (0, 0, 0)]);
    assert_eq!(dp::open(db, "RX1", &k, now()).await.unwrap().id, d.id);
    let scan = |s: String| {
        let k = k.clone();
        async move { dp::scan(db, d.id, &s, &k, now()).await }
    };

    assert_eq!(message(scan("8123".into()).await), "4 位，应为 20 位");
    assert_eq!(
        message(scan("89999990000000000001".into()).await),
        "未对照：此码（8999999）在药品目录中没有对照的药品"
    );
    assert_eq!(
        message(scan("(01)06901234567892(21)X1".into()).await),
        "此码属于 布洛芬缓释胶囊（D2），不在本处方"
    );
    assert_eq!(
        message(scan("85555550000000000001".into()).await),
        "黄芪（H1） 本处方无需扫码（免扫药品或不足一个整包装）"
    );
    assert_eq!(
        message(scan(code(7777)).await),
        "此码没有入库记录，不能发出"
    );
    assert_eq!(message(scan(code(900)).await), "此码不在本药房：在药库");
    let ok = scan(code(1)).await.unwrap();
    assert_eq!((ok.rx_line_no, ok.scanned, ok.required), (1, 1, 2));
    assert_eq!(
        message(scan(code(1)).await),
        format!("此码已发药（发药单 #{}），不能重复发出", d.id)
    );
    scan(code(2)).await.unwrap();
    let ok = scan(code(3)).await.unwrap();
    assert_eq!((ok.rx_line_no, ok.scanned, ok.required), (2, 1, 1));
    assert_eq!(
        message(scan(code(4)).await),
        "处方第 1 行已扫满（应扫 2 / 已扫 2）"
    );
    // A taken code is refused as such even when the lines are full (the earlier check).
    assert_eq!(
        message(scan(code(2)).await),
        format!("此码已发药（发药单 #{}），不能重复发出", d.id)
    );
    assert_eq!(state_of(&t, &code(1)).await, "dispensing");
    assert_eq!(state_of(&t, &code(4)).await, "in_stock");

    let done = dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    assert_eq!(done.state, "confirmed");
    for i in 1..=3 {
        assert_eq!(state_of(&t, &code(i)).await, "dispensed");
    }
    assert_eq!(message(scan(code(5)).await), "发药单已确认，不能再扫码");
    // Another prescription cannot take a dispensed code.
    let d2 = dp::open(db, "RX2", &k, now()).await.unwrap();
    assert_eq!(
        message(dp::scan(db, d2.id, &code(1), &k, now()).await),
        format!("此码已发药（发药单 #{}），不能重复发出", d.id)
    );
    // Where has it been: received, where in stock, dispensed to whom.
    let t1 = trace::trace(&**db, &code(1)).await.unwrap().unwrap();
    assert_eq!(
        (t1.state.as_str(), t1.state_label.as_str()),
        ("dispensed", "已发药")
    );
    assert_eq!(
        (t1.supplier_name.as_str(), t1.batch_no.as_str()),
        ("华东医药", "B1")
    );
    assert_eq!(t1.location, "YF01");
    let given = t1.dispense.unwrap();
    assert_eq!(
        (given.rx_no.as_str(), given.patient_id.as_str()),
        ("RX1", "P0001")
    );
    assert_eq!(given.dispensed_by.as_deref(), Some("yaoku01"));
    let t4 = trace::trace(&**db, &code(4)).await.unwrap().unwrap();
    assert_eq!(t4.state, "in_stock");
    assert!(t4.dispense.is_none());
    assert!(trace::trace(&**db, &code(7777)).await.unwrap().is_none());
    assert!(
        yiqiao_store::audit::verify(&**db)
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn a_line_that_cannot_be_scanned_is_confirmed_with_its_reason() {
    let t = hospital(2).await;
    let db = &t.db;
    let k = keeper();
    let d = dp::open(db, "RX2", &k, now()).await.unwrap();
    dp::scan(db, d.id, &code(1), &k, now()).await.unwrap();
    assert_eq!(
        message(dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now()).await),
        "还有未扫满的行：第 1 行 应扫 2 / 已扫 1（无法扫码的请登记原因）"
    );
    assert_eq!(
        message(dp::mark_uncollected(db, d.id, 1, "  ", &k, now()).await),
        "请填写无法扫码的原因"
    );
    assert_eq!(
        message(dp::mark_uncollected(db, d.id, 9, "标签破损", &k, now()).await),
        "没有处方第 9 行"
    );
    dp::mark_uncollected(db, d.id, 1, "标签破损", &k, now())
        .await
        .unwrap();
    let done = dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    assert_eq!(
        done.lines[0].uncollected_reason.as_deref(),
        Some("标签破损")
    );
    assert_eq!(done.lines[0].scanned, 1);
    assert_eq!(state_of(&t, &code(1)).await, "dispensed");
    assert_eq!(state_of(&t, &code(2)).await, "in_stock");
    let e = dp::open(db, "RX9", &k, now()).await.unwrap_err();
    assert!(matches!(
        e,
        TraceError::Dispense(DispenseError::NoSuchPrescription { .. })
    ));
}

#[tokio::test]
async fn two_windows_scanning_one_package_at_once_exactly_one_wins() {
    let t = hospital(4).await;
    let k = keeper();
    let a = dp::open(&t.db, "RX1", &k, now()).await.unwrap().id;
    let b = dp::open(&t.db, "RX2", &k, now()).await.unwrap().id;
    for round in 1..=3u32 {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let db = t.db.clone();
            let id = if i % 2 == 0 { a } else { b };
            tasks.push(tokio::spawn(async move {
                dp::scan(&db, id, &code(round), &keeper(), now()).await
            }));
        }
        let mut won = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(ok) => won.push(ok),
                Err(TraceError::Dispense(DispenseError::AlreadyDispensed { .. })) => {}
                // A dispense whose lines are already full refuses any further code of the drug.
                Err(TraceError::Dispense(DispenseError::OverScanned { .. })) => {}
                Err(e) => panic!("round {round}: {e:?}"),
            }
        }
        assert_eq!(won.len(), 1, "round {round}");
        assert_eq!(state_of(&t, &code(round)).await, "dispensing");
    }
    // The lines count exactly the codes taken: 3 scans in all over the two dispenses.
    let va = dp::get(&*t.db, a).await.unwrap().unwrap();
    let vb = dp::get(&*t.db, b).await.unwrap().unwrap();
    let scanned: i64 = va.lines.iter().chain(&vb.lines).map(|l| l.scanned).sum();
    assert_eq!(scanned, 3);
}

#[tokio::test]
async fn two_windows_opening_one_prescription_share_one_dispense() {
    let t = hospital(1).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            dp::open(&db, "RX1", &keeper(), now()).await.unwrap().id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    let v = dp::get(&*t.db, ids[0]).await.unwrap().unwrap();
    assert_eq!(v.lines.len(), 3);
}

#[tokio::test]
async fn a_partial_return_puts_a_package_back_once() {
    let t = hospital(4).await;
    let db = &t.db;
    let k = keeper();
    let d = dp::open(db, "RX2", &k, now()).await.unwrap();
    assert_eq!(
        message(dp::return_code(db, d.id, &code(1), false, &k, now()).await),
        "发药单尚未确认发药，不能退药"
    );
    dp::scan(db, d.id, &code(1), &k, now()).await.unwrap();
    dp::scan(db, d.id, &code(2), &k, now()).await.unwrap();
    dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();

    let back = dp::return_code(db, d.id, &code(1), false, &k, now())
        .await
        .unwrap();
    assert_eq!(back.state, "in_stock");
    assert_eq!(state_of(&t, &code(1)).await, "in_stock");
    assert_eq!(
        message(dp::return_code(db, d.id, &code(1), false, &k, now()).await),
        "此码当前状态为「在库」，不是已发出的药，不能退"
    );
    assert_eq!(
        message(dp::return_code(db, d.id, &code(3), false, &k, now()).await),
        "此码当前状态为「在库」，不是已发出的药，不能退"
    );
    assert_eq!(
        message(dp::return_code(db, d.id, &code(7777), false, &k, now()).await),
        "此码没有入库记录，不能发出"
    );
    // Back in stock, it can be dispensed again — and then is not this dispense's to take back.
    let d1 = dp::open(db, "RX1", &k, now()).await.unwrap();
    dp::scan(db, d1.id, &code(1), &k, now()).await.unwrap();
    assert_eq!(
        message(dp::return_code(db, d.id, &code(1), false, &k, now()).await),
        "此码不是本发药单发出的，不能在此退药"
    );
    // A package that cannot be resold goes to quarantine and is never dispensed again.
    let q = dp::return_code(db, d.id, &code(2), true, &k, now())
        .await
        .unwrap();
    assert_eq!(q.state, "quarantined");
    let traced = trace::trace(&**db, &code(2)).await.unwrap().unwrap();
    assert_eq!(traced.returns.len(), 1);
    assert_eq!(traced.returns[0].to_state, "quarantined");
    assert_eq!(traced.returns[0].dispense_id, d.id);
    assert_eq!(
        message(dp::scan(db, d1.id, &code(2), &k, now()).await),
        "此码当前状态为「已隔离（退药不可再售）」，不能发出"
    );
}

#[tokio::test]
async fn two_windows_returning_one_package_at_once_exactly_one_wins() {
    let t = hospital(2).await;
    let k = keeper();
    let d = dp::open(&t.db, "RX2", &k, now()).await.unwrap();
    dp::scan(&t.db, d.id, &code(1), &k, now()).await.unwrap();
    dp::scan(&t.db, d.id, &code(2), &k, now()).await.unwrap();
    dp::confirm(&t.db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let db = t.db.clone();
        let id = d.id;
        tasks.push(tokio::spawn(async move {
            dp::return_code(&db, id, &code(1), i % 2 == 0, &keeper(), now()).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(TraceError::Dispense(DispenseError::NotDispensed { .. })) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 1);
}
