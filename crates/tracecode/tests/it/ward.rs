//! Inpatient ward dispensing (住院病区发药) and nurse returns (护士退药): the refusals in the
//! spec's order, bed by bed; 3505 per patient line at confirmation or at settlement; 3506 for
//! a returned code once its sale was uploaded; one package taken by one window only.

use serde_json::json;
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;
use yiqiao_store::outbox::state;
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::TraceError;
use yiqiao_tracecode::domain::dispense::DispenseError;
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::domain::ward::{WardError, WardUpload};
use yiqiao_tracecode::nhsa;
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::store::trace;
use yiqiao_tracecode::store::ward as wd;

use crate::dispense::{code, hospital, put, state_of};
use crate::fixtures::now;
use crate::nhsa::{Simulated, messages, simulated};

/// The ward nurse, her account linked to HIS staff member HS01 (with her practice licence).
fn nurse() -> Actor {
    Actor::person("hushi01").with_his_staff(Some("HS01".into()))
}

/// The inpatient pharmacist, her account linked to YS01, on the HIS staff list with her
/// 执业资格证号.
fn pharmacist() -> Actor {
    Actor::person("yaoshi01").with_his_staff(Some("YS01".into()))
}

fn message<T: std::fmt::Debug>(r: Result<T, TraceError>) -> String {
    match r {
        Ok(ok) => panic!("accepted: {ok:?}"),
        Err(TraceError::Db(e)) => panic!("{e:?}"),
        Err(e) => e.to_string(),
    }
}

/// The outpatient hospital (codes 1–`n` of D1 at YF01, 900 at 药库), a ward W01 dispensed
/// from YF01, and list WD1: bed 1 王小明 D1 48 粒 (2 boxes) and 黄芪 (exempt); bed 2 张丽
/// D1 30 粒 (1 box + 6 split), insured (`mdtrt_id` MZY0002, whose visit names the doctor),
/// not yet settled.
pub async fn ward(n: u32) -> TestDb {
    let t = hospital(n).await;
    put(
        &t,
        Kind::Department,
        "W01",
        json!({"name": "内科一病区", "kind": "ward", "tcm": false, "online_booking": false}),
    )
    .await;
    put(
        &t,
        Kind::Staff,
        "YS01",
        json!({"name": "陈静", "role": "pharmacist", "dept_code": "YF01",
        "title": "主管药师", "licence_no": "ZY3310001"}),
    )
    .await;
    put(
        &t,
        Kind::Staff,
        "HS01",
        json!({"name": "周琳", "role": "nurse", "dept_code": "W01",
        "title": "护师", "licence_no": "202033100001"}),
    )
    .await;
    put(&t, Kind::Patient, "P0002", json!({"card_no": "MZ0002345", "name": "张丽",
        "sex": "2", "birth_date": "1960-03-02", "id_type": "1", "id_no": "331002196003022027",
        "nationality": "CHN", "ethnicity": "01", "marital": "20",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "白云路8号"},
        "phone": "13805762345", "drug_allergy": "1", "other_allergy": "1"})).await;
    put(
        &t,
        Kind::Visit,
        "V0002",
        json!({"patient_id": "P0002", "visit_type": "9", "dept_code": "A50.01",
        "doctor_code": "D001", "registered_at": "2026-11-01 08:01:10", "mdtrt_id": "MZY0002",
        "revisit": false, "infusion": false, "chronic_special": false,
        "western_diagnoses": [{"code": "J18.900", "name": "肺炎"}]}),
    )
    .await;
    put(
        &t,
        Kind::WardDispensing,
        "WD1",
        json!({"ward_code": "W01", "pharmacy_code": "YF01", "issued_at": "2026-11-29 09:30:00",
        "lines": [
            {"line_no": 1, "patient_id": "P0001", "admission_no": "ZY202600001", "bed_no": "1",
             "order_id": "YZ1", "order_kind": "long", "drug_code": "D1", "quantity": 48},
            {"line_no": 2, "patient_id": "P0001", "admission_no": "ZY202600001", "bed_no": "1",
             "order_id": "YZ2", "order_kind": "long", "drug_code": "H1", "quantity": 10},
            {"line_no": 3, "patient_id": "P0002", "admission_no": "ZY202600002", "bed_no": "2",
             "order_id": "YZ3", "order_kind": "temporary", "drug_code": "D1", "quantity": 30,
             "mdtrt_id": "MZY0002"}]}),
    )
    .await;
    t
}

#[tokio::test]
async fn every_ward_refusal_in_the_specs_order_bed_by_bed_then_confirmation() {
    let t = ward(6).await;
    let db = &t.db;
    let n = nurse();
    let w = wd::open(db, "WD1", &n, now()).await.unwrap();
    let shape: Vec<(&str, i64, i64)> = w
        .lines
        .iter()
        .map(|l| (l.patient_id.as_str(), l.required, l.split_qty))
        .collect();
    // 黄芪 is exempt: nothing traced, nothing split off to draw.
    assert_eq!(shape, [("P0001", 2, 0), ("P0001", 0, 0), ("P0002", 1, 6)]);
    assert_eq!(w.lines[0].patient_name, "王小明");
    // The pharmacist opening the same list shares the record.
    assert_eq!(
        wd::open(db, "WD1", &pharmacist(), now()).await.unwrap().id,
        w.id
    );
    assert_eq!(
        message(wd::open(db, "WD9", &n, now()).await),
        "没有病区发药单「WD9」（发药单由 HIS 推送）"
    );
    let scan = |s: String, p: Option<&'static str>| {
        let n = n.clone();
        async move { wd::scan(db, w.id, &s, p, &n, now()).await }
    };
    assert_eq!(message(scan("8123".into(), None).await), "4 位，应为 20 位");
    assert_eq!(
        message(scan("89999990000000000001".into(), None).await),
        "未对照：此码（8999999）在药品目录中没有对照的药品"
    );
    assert_eq!(
        message(scan("(01)06901234567892(21)X1".into(), None).await),
        "此码属于 布洛芬缓释胶囊（D2），不在本病区发药单"
    );
    assert_eq!(
        message(scan("85555550000000000001".into(), Some("P0002")).await),
        "此码属于 黄芪（H1），不在患者 P0002 的医嘱中"
    );
    assert_eq!(
        message(scan("85555550000000000001".into(), Some("P0001")).await),
        "黄芪（H1） 本发药单无需扫码（免扫药品或不足一个整包装）"
    );
    assert_eq!(
        message(scan(code(1), Some("P0009")).await),
        "本发药单没有患者「P0009」"
    );
    assert_eq!(
        message(scan(code(7777), Some("P0001")).await),
        "此码没有入库记录，不能发出"
    );
    assert_eq!(
        message(scan(code(900), Some("P0001")).await),
        "此码不在发药药房：在药库"
    );
    let ok = scan(code(1), Some("P0001")).await.unwrap();
    assert_eq!(
        (
            ok.line_no,
            ok.scanned,
            ok.required,
            ok.total_scanned,
            ok.total_required
        ),
        (1, 1, 2, 1, 3)
    );
    assert_eq!(ok.bed_no.as_deref(), Some("1"));
    assert_eq!(
        message(scan(code(1), Some("P0001")).await),
        "此码已发药（病区发药单 WD1 患者 P0001），不能重复发出"
    );
    scan(code(2), Some("P0001")).await.unwrap();
    assert_eq!(
        message(scan(code(3), Some("P0001")).await),
        "第 1 行（医嘱 YZ1）已扫满（应扫 2 / 已扫 2）"
    );
    // An outpatient window cannot take a code held by the ward.
    let rx = dp::open(db, "RX2", &pharmacist(), now()).await.unwrap();
    let refused = dp::scan(db, rx.id, &code(1), &pharmacist(), now()).await;
    assert!(matches!(
        refused,
        Err(TraceError::Dispense(DispenseError::AlreadyOnWard))
    ));
    assert_eq!(message(refused), "此码已由住院病区发药，不能重复发出");
    assert_eq!(
        message(
            wd::confirm(
                db,
                w.id,
                WardUpload::Dispensing,
                SplitPolicy::NoCode,
                &n,
                now()
            )
            .await
        ),
        "还有未扫满的行：第 3 行（P0002 医嘱 YZ3）应扫 1 / 已扫 0（无法扫码的请登记原因）"
    );
    let ok = scan(code(3), None).await.unwrap();
    assert_eq!((ok.patient_id.as_str(), ok.line_no), ("P0002", 3));
    assert_eq!(state_of(&t, &code(3)).await, "dispensing");

    let done = wd::confirm(
        db,
        w.id,
        WardUpload::Dispensing,
        SplitPolicy::NoCode,
        &pharmacist(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(done.state, "confirmed");
    assert!(done.lines.iter().all(|l| l.uploaded));
    for i in 1..=3 {
        assert_eq!(state_of(&t, &code(i)).await, "dispensed");
    }
    assert_eq!(
        message(scan(code(4), None).await),
        "病区发药已确认，不能再扫码"
    );
    // One 3505 per patient line with codes (the exempt line sends nothing from here).
    let sales = messages(&t, "nhsa.3505").await;
    let subjects: Vec<&str> = sales.iter().filter_map(|m| m.subject.as_deref()).collect();
    assert_eq!(
        subjects,
        [
            "病区发药单 WD1 第 1 行 患者 P0001 批次 RK1-1",
            "病区发药单 WD1 第 3 行 患者 P0002 批次 RK1-1"
        ]
    );
    let q: nhsa::Queued = serde_json::from_str(&sales[1].payload).unwrap();
    let rec = &q.input["selinfo"];
    assert_eq!(rec["drugtracinfo"], json!([{"drug_trac_codg": code(3)}]));
    // Not settled yet: the hospital's own serial, not yet an insurance settlement.
    assert_eq!(rec["mdtrt_sn"], "ZY202600002");
    assert_eq!(rec["hi_feesetl_type"], "2");
    assert_eq!(rec["psn_name"], "张丽");
    assert_eq!(rec["prsc_dr_name"], "李明华");
    assert_eq!(rec["phar_name"], "陈静");
    assert_eq!(rec["phar_prac_cert_no"], "ZY3310001");
    assert_eq!(rec["rxno"], "YZ3");
    assert_eq!(rec["rtal_docno"], format!("BQ{}", w.id));
    assert_eq!(rec["sel_retn_cnt"], 1);
    // Where has it been: dispensed on the ward to the patient.
    let traced = trace::trace(&**db, &code(3)).await.unwrap().unwrap();
    let on = traced.ward.unwrap();
    assert_eq!(
        (
            on.list_id.as_str(),
            on.patient_id.as_str(),
            on.order_id.as_str()
        ),
        ("WD1", "P0002", "YZ3")
    );
    assert!(
        yiqiao_store::audit::verify(&**db)
            .await
            .unwrap()
            .is_intact()
    );
}

/// WD1 scanned in full (codes 1–3) and confirmed with `upload`.
async fn confirmed(upload: WardUpload) -> (TestDb, i64) {
    let t = ward(6).await;
    let n = nurse();
    let w = wd::open(&t.db, "WD1", &n, now()).await.unwrap();
    for i in 1..=3 {
        wd::scan(&t.db, w.id, &code(i), None, &n, now())
            .await
            .unwrap();
    }
    wd::confirm(
        &t.db,
        w.id,
        upload,
        SplitPolicy::NoCode,
        &pharmacist(),
        now(),
    )
    .await
    .unwrap();
    (t, w.id)
}

#[tokio::test]
async fn a_nurse_returns_packages_once_each_with_a_3506() {
    let (t, id) = confirmed(WardUpload::Dispensing).await;
    let db = &t.db;
    let n = nurse();
    let back = wd::return_code(db, id, &code(3), false, &n, now())
        .await
        .unwrap();
    assert_eq!(
        (back.state.as_str(), back.patient_id.as_str(), back.uploaded),
        ("in_stock", "P0002", true)
    );
    assert_eq!(state_of(&t, &code(3)).await, "in_stock");
    assert_eq!(
        message(wd::return_code(db, id, &code(3), false, &n, now()).await),
        "此码当前状态为「在库」，不是已发出的药，不能退"
    );
    assert_eq!(
        message(wd::return_code(db, id, &code(7777), false, &n, now()).await),
        "此码没有入库记录，不能发出"
    );
    let q = wd::return_code(db, id, &code(1), true, &n, now())
        .await
        .unwrap();
    assert_eq!(q.state, "quarantined");
    let returns = messages(&t, "nhsa.3506").await;
    assert_eq!(returns.len(), 2);
    let body: nhsa::Queued = serde_json::from_str(&returns[0].payload).unwrap();
    assert_eq!(
        body.input["selinfo"]["drugtracinfo"],
        json!([{"drug_trac_codg": code(3)}])
    );
    assert_eq!(
        body.input["selinfo"]["medins_prod_sel_no"],
        format!("BQ{id}")
    );
    // A code dispensed at the outpatient window is not this list's to take back.
    let rx = dp::open(db, "RX2", &pharmacist(), now()).await.unwrap();
    dp::scan(db, rx.id, &code(3), &pharmacist(), now())
        .await
        .unwrap();
    dp::mark_uncollected(db, rx.id, 1, "标签破损", &pharmacist(), now())
        .await
        .unwrap();
    dp::confirm(db, SplitPolicy::NoCode, rx.id, &pharmacist(), now())
        .await
        .unwrap();
    assert_eq!(
        message(wd::return_code(db, id, &code(3), false, &n, now()).await),
        "此码不是本病区发药单发出的，不能在此退药"
    );
    // The trace keeps the ward return.
    let traced = trace::trace(&**db, &code(1)).await.unwrap().unwrap();
    assert_eq!(traced.state, "quarantined");
    assert_eq!(traced.ward_returns.len(), 1);
    assert_eq!(traced.ward_returns[0].to_state, "quarantined");
    // Returns before confirmation are refused.
    let t2 = ward(2).await;
    let w2 = wd::open(&t2.db, "WD1", &n, now()).await.unwrap();
    assert_eq!(
        message(wd::return_code(&t2.db, w2.id, &code(1), false, &n, now()).await),
        "病区发药尚未确认，不能退药"
    );
}

#[tokio::test]
async fn at_settlement_the_sales_are_queued_once_without_the_returned_codes() {
    let (t, id) = confirmed(WardUpload::Settlement).await;
    let db = &t.db;
    assert!(messages(&t, "nhsa.3505").await.is_empty());
    // Returned before the sale was uploaded: no 3506, and it is not in the later 3505.
    let back = wd::return_code(db, id, &code(2), false, &nurse(), now())
        .await
        .unwrap();
    assert!(!back.uploaded);
    assert!(messages(&t, "nhsa.3506").await.is_empty());
    let who = pharmacist();
    assert_eq!(
        wd::settle_patient(db, "P0001", &who, now()).await.unwrap(),
        1
    );
    assert_eq!(
        wd::settle_patient(db, "P0001", &who, now()).await.unwrap(),
        0
    );
    let sales = messages(&t, "nhsa.3505").await;
    assert_eq!(sales.len(), 1);
    let q: nhsa::Queued = serde_json::from_str(&sales[0].payload).unwrap();
    assert_eq!(
        q.input["selinfo"]["drugtracinfo"],
        json!([{"drug_trac_codg": code(1)}])
    );
    // After the upload a return is a 3506.
    let back = wd::return_code(db, id, &code(1), false, &nurse(), now())
        .await
        .unwrap();
    assert!(back.uploaded);
    assert_eq!(messages(&t, "nhsa.3506").await.len(), 1);
    let v = wd::get(&**db, id).await.unwrap().unwrap();
    let uploaded: Vec<bool> = v.lines.iter().map(|l| l.uploaded).collect();
    assert_eq!(uploaded, [true, true, false]);
}

#[tokio::test]
async fn a_nurse_and_an_outpatient_window_scanning_one_package_at_once_exactly_one_wins() {
    let t = ward(4).await;
    let w = wd::open(&t.db, "WD1", &nurse(), now()).await.unwrap().id;
    let rx = dp::open(&t.db, "RX1", &pharmacist(), now())
        .await
        .unwrap()
        .id;
    for round in 1..=3u32 {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    wd::scan(&db, w, &code(round), None, &nurse(), now())
                        .await
                        .map(|_| ())
                } else {
                    dp::scan(&db, rx, &code(round), &pharmacist(), now())
                        .await
                        .map(|_| ())
                }
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(TraceError::Ward(
                    WardError::AlreadyDispensed { .. } | WardError::OverScanned { .. },
                ))
                | Err(TraceError::Dispense(
                    DispenseError::AlreadyDispensed { .. }
                    | DispenseError::AlreadyOnWard
                    | DispenseError::OverScanned { .. },
                )) => {}
                Err(e) => panic!("round {round}: {e:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
        assert_eq!(state_of(&t, &code(round)).await, "dispensing");
    }
    let wv = wd::get(&*t.db, w).await.unwrap().unwrap();
    let dv = dp::get(&*t.db, rx).await.unwrap().unwrap();
    let scanned: i64 = wv.lines.iter().map(|l| l.scanned).sum::<i64>()
        + dv.lines.iter().map(|l| l.scanned).sum::<i64>();
    assert_eq!(scanned, 3);
}

#[tokio::test]
async fn the_simulator_accepts_the_ward_sales_and_return_over_http() {
    let (t, id) = confirmed(WardUpload::Dispensing).await;
    wd::return_code(&t.db, id, &code(3), false, &nurse(), now())
        .await
        .unwrap();
    let Simulated {
        sim,
        server,
        worker: w,
        ..
    } = simulated(&t).await;
    w.pass().await.unwrap();
    let got = sim.received();
    let ward: Vec<_> = got
        .iter()
        .filter(|r| r.infno == "3505" || r.infno == "3506")
        .collect();
    assert_eq!(ward.len(), 3);
    for r in &ward {
        assert!(r.accepted, "{} {}", r.infno, r.message);
    }
    for m in messages(&t, "nhsa.3505").await {
        assert_eq!(m.state, state::DELIVERED);
    }
    server.stop().await;
}

/// WD1 scanned in full by the nurse (codes 1–3; the 6 split units need no code here), not yet
/// confirmed.
async fn scanned() -> (TestDb, i64) {
    let t = ward(6).await;
    let n = nurse();
    let w = wd::open(&t.db, "WD1", &n, now()).await.unwrap();
    for i in 1..=3 {
        wd::scan(&t.db, w.id, &code(i), None, &n, now())
            .await
            .unwrap();
    }
    (t, w.id)
}

#[tokio::test]
async fn the_ward_sale_names_the_ordering_doctor_the_his_sends_else_the_stays_doctor() {
    let (t, id) = scanned().await;
    let db = &t.db;
    wd::confirm(
        db,
        id,
        WardUpload::Settlement,
        SplitPolicy::NoCode,
        &pharmacist(),
        now(),
    )
    .await
    .unwrap();
    // The HIS sends the list again, now naming the ordering doctor (开嘱医生) of bed 1's order.
    put(
        &t,
        Kind::Staff,
        "D002",
        json!({"name": "王建国", "role": "doctor", "dept_code": "A50.01", "title": "主治医师",
        "licence_no": "110331000654321", "id_type": "1", "id_no": "331002198506122010"}),
    )
    .await;
    put(
        &t,
        Kind::WardDispensing,
        "WD1",
        json!({"ward_code": "W01", "pharmacy_code": "YF01", "issued_at": "2026-11-29 09:30:00",
        "lines": [
            {"line_no": 1, "patient_id": "P0001", "admission_no": "ZY202600001", "bed_no": "1",
             "order_id": "YZ1", "order_kind": "long", "drug_code": "D1", "quantity": 48,
             "ordering_doctor_code": "D002"},
            {"line_no": 2, "patient_id": "P0001", "admission_no": "ZY202600001", "bed_no": "1",
             "order_id": "YZ2", "order_kind": "long", "drug_code": "H1", "quantity": 10},
            {"line_no": 3, "patient_id": "P0002", "admission_no": "ZY202600002", "bed_no": "2",
             "order_id": "YZ3", "order_kind": "temporary", "drug_code": "D1", "quantity": 30,
             "mdtrt_id": "MZY0002"}]}),
    )
    .await;
    let who = pharmacist();
    assert_eq!(
        wd::settle_patient(db, "P0001", &who, now()).await.unwrap(),
        1
    );
    assert_eq!(
        wd::settle_patient(db, "P0002", &who, now()).await.unwrap(),
        1
    );
    let sales = messages(&t, "nhsa.3505").await;
    let sel = |i: usize| {
        let q: nhsa::Queued = serde_json::from_str(&sales[i].payload).unwrap();
        q.input["selinfo"].clone()
    };
    // Bed 1: the order's doctor, with his certificate.
    let rec = sel(0);
    assert_eq!(rec["rxno"], "YZ1");
    assert_eq!(rec["prsc_dr_name"], "王建国");
    assert_eq!(rec["prsc_dr_cert_type"], "1");
    assert_eq!(rec["prsc_dr_certno"], "331002198506122010");
    // Bed 2: the HIS names no ordering doctor — the stay's visit (mdtrt_id) stands in.
    let rec = sel(1);
    assert_eq!(rec["rxno"], "YZ3");
    assert_eq!(rec["prsc_dr_name"], "李明华");
    assert_eq!(rec["phar_name"], "陈静");
}

#[tokio::test]
async fn a_ward_confirmation_that_would_upload_needs_a_linked_licensed_account() {
    let (t, id) = scanned().await;
    let db = &t.db;
    let unlinked = Actor::person("hushi02");
    let r = wd::confirm(
        db,
        id,
        WardUpload::Dispensing,
        SplitPolicy::NoCode,
        &unlinked,
        now(),
    )
    .await;
    assert!(
        message(r).starts_with("账号「hushi02」未关联 HIS 职工工号"),
        "refused by name"
    );
    assert_eq!(wd::get(&**db, id).await.unwrap().unwrap().state, "open");
    assert!(messages(&t, "nhsa.3505").await.is_empty());
    // Uploaded at settlement instead, the confirmation queues nothing and needs no licence;
    // the settlement does, and is refused the same way.
    wd::confirm(
        db,
        id,
        WardUpload::Settlement,
        SplitPolicy::NoCode,
        &unlinked,
        now(),
    )
    .await
    .unwrap();
    assert!(
        message(wd::settle_patient(db, "P0001", &unlinked, now()).await)
            .starts_with("账号「hushi02」未关联 HIS 职工工号")
    );
    assert!(messages(&t, "nhsa.3505").await.is_empty());
    // The linked nurse settles: her name and practice licence go into the 3505.
    assert_eq!(
        wd::settle_patient(db, "P0001", &nurse(), now())
            .await
            .unwrap(),
        1
    );
    let q: nhsa::Queued =
        serde_json::from_str(&messages(&t, "nhsa.3505").await[0].payload).unwrap();
    assert_eq!(q.input["selinfo"]["phar_name"], "周琳");
    assert_eq!(q.input["selinfo"]["phar_prac_cert_no"], "202033100001");
}
