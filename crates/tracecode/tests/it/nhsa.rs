//! NHSA uploads: queued in the business transaction, delivered by the outbox worker to the
//! simulator over real HTTP, read by the spec's response rules.

use std::net::SocketAddr;
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use yiqiao_core::time::{Clock, ManualClock};
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;
use yiqiao_store::outbox::{Policy, Registry, Worker, entity as ob, state};
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::nhsa::{self, TracecodeConfig};
use yiqiao_tracecode::sim::{Fault, NhsaSim};
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::{NhsaHandler, TraceError};

use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::domain::upload::PharmacistError;

use crate::dispense::{code, hospital, put, state_of};
use crate::fixtures::{keeper, now};

/// The pharmacist, known to the HIS staff list with her 执业资格证号.
fn pharmacist() -> Actor {
    Actor::person("yaoshi01").with_his_staff(Some("YS01".into()))
}

/// Two packages of D1 dispensed on RX2 (codes 1 and 2), confirmed.
async fn dispensed() -> (TestDb, i64) {
    let t = hospital(4).await;
    put(
        &t,
        Kind::Staff,
        "YS01",
        json!({"name": "陈静", "role": "pharmacist", "dept_code": "YF01",
        "title": "主管药师", "licence_no": "ZY3310001"}),
    )
    .await;
    let k = pharmacist();
    let d = dp::open(&t.db, "RX2", &k, now()).await.unwrap();
    for i in 1..=2 {
        dp::scan(&t.db, d.id, &code(i), &k, now()).await.unwrap();
    }
    dp::confirm(&t.db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    (t, d.id)
}

pub async fn messages(t: &TestDb, kind: &str) -> Vec<ob::Model> {
    ob::Entity::find()
        .filter(ob::Column::Kind.eq(kind))
        .order_by_asc(ob::Column::Id)
        .all(&*t.db)
        .await
        .unwrap()
}

pub fn worker(t: &TestDb, endpoint: &str, clock: &Arc<ManualClock>) -> Worker {
    let cfg = TracecodeConfig {
        nhsa_endpoint: endpoint.to_owned(),
        ..TracecodeConfig::default()
    };
    let clock: Arc<dyn Clock> = clock.clone();
    let mut r = Registry::new();
    for h in NhsaHandler::all(&cfg, &clock) {
        r.register(h);
    }
    Worker::new(t.db.clone(), Arc::new(r), clock, Policy::default()).unwrap()
}

/// The NHSA simulator on a free 127.0.0.1 port, and a worker (on its own clock) sending this
/// database's outbox to it.
pub struct Simulated {
    pub sim: NhsaSim,
    pub server: yiqiao_tracecode::sim::SimServer,
    pub clock: Arc<ManualClock>,
    pub worker: Worker,
}

pub async fn simulated(t: &TestDb) -> Simulated {
    let sim = NhsaSim::new();
    let server = sim.serve(any_port()).await.unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let worker = worker(t, &server.endpoint(), &clock);
    Simulated {
        sim,
        server,
        clock,
        worker,
    }
}

pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[tokio::test]
async fn a_confirmed_dispense_queues_one_3505_with_its_codes() {
    let (t, id) = dispensed().await;
    let sales = messages(&t, "nhsa.3505").await;
    assert_eq!(sales.len(), 1);
    let m = &sales[0];
    assert_eq!(m.state, state::PENDING);
    assert_eq!(m.subject.as_deref(), Some("处方 RX2 第 1 行 批次 RK1-1"));
    // yyyyMMddHHmmss (Beijing) + 4-digit sequence: the two receipts took 0001 and 0002.
    assert_eq!(m.msg_id, "202611291000000003");
    let q: nhsa::Queued = serde_json::from_str(&m.payload).unwrap();
    assert_eq!(q.infno, "3505");
    insta::assert_json_snapshot!("sale_3505", q.input);
    // The receipts queued their 3503s too, one per line.
    assert_eq!(messages(&t, "nhsa.3503").await.len(), 2);
    // A second confirmation is refused and queues nothing.
    let again = dp::confirm(&t.db, SplitPolicy::NoCode, id, &pharmacist(), now()).await;
    assert!(matches!(again, Err(TraceError::Dispense(_))), "{again:?}");
    assert_eq!(messages(&t, "nhsa.3505").await.len(), 1);
}

#[tokio::test]
async fn the_simulator_accepts_the_3505_over_http_once() {
    let (t, _) = dispensed().await;
    let Simulated {
        sim,
        server,
        worker: w,
        ..
    } = simulated(&t).await;
    let pass = w.pass().await.unwrap();
    assert_eq!(pass.delivered, 3, "{pass:?}");
    let got = sim.received();
    let sales: Vec<_> = got.iter().filter(|r| r.infno == "3505").collect();
    assert_eq!(sales.len(), 1);
    assert!(sales[0].accepted, "{}", sales[0].message);
    assert_eq!(sales[0].msgid, "H33100200001202611291000000003");
    assert_eq!(
        sales[0].request["input"]["selinfo"]["drugtracinfo"],
        json!([{"drug_trac_codg": code(1)}, {"drug_trac_codg": code(2)}])
    );
    assert_eq!(sales[0].request["fixmedins_code"], "H33100200001");
    assert_eq!(messages(&t, "nhsa.3505").await[0].state, state::DELIVERED);
    // Nothing left to send.
    assert_eq!(w.pass().await.unwrap().delivered, 0);
    assert_eq!(sim.received().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn a_code_already_sold_is_rejected_and_waits_for_a_person() {
    let (t, _) = dispensed().await;
    let sim = NhsaSim::new();
    // The same package was sold elsewhere first (回流药): the platform knows it.
    let earlier = json!({"infno": "3505", "msgid": "H99", "fixmedins_code": "H99",
        "inf_time": "2026-11-28 09:00:00",
        "input": {"selinfo": nhsa_sale_of(&code(2))}});
    let first = sim.judge(earlier, &Fault::None);
    assert_eq!(first["output"]["result"]["retRslt"], 1, "{first}");
    let server = sim.serve(any_port()).await.unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let w = worker(&t, &server.endpoint(), &clock);
    let pass = w.pass().await.unwrap();
    assert_eq!((pass.delivered, pass.dead), (2, 1), "{pass:?}");
    let m = &messages(&t, "nhsa.3505").await[0];
    assert_eq!(m.state, state::DEAD);
    assert_eq!(
        m.last_error.as_deref(),
        Some(format!("医保平台业务拒收：追溯码已销售：{}", code(2)).as_str())
    );
    // A business rejection is not retried by itself.
    clock.advance(chrono::Duration::days(1));
    assert_eq!(w.pass().await.unwrap(), Default::default());
    server.stop().await;
}

/// A sale record of the simulator's own making (another institution's sale of `code`).
fn nhsa_sale_of(code: &str) -> Value {
    let mut rec = json!({});
    for f in nhsa::Infno::Sale.required() {
        rec[*f] = json!("x");
    }
    rec["drugtracinfo"] = json!([{"drug_trac_codg": code}]);
    rec
}

#[tokio::test]
async fn a_missing_required_field_is_a_rejection_naming_it() {
    let t = hospital(2).await;
    // The HIS sent the drug without its NHSA catalogue code (医疗目录编码).
    let mut drug = json!({"generic_name": "阿莫西林胶囊", "category": "western", "spec": "规格",
        "form": "胶囊剂", "manufacturer": "某药业有限公司", "approval_no": "国药准字H00000000",
        "rx": true, "unit": "粒", "pack_unit": "盒", "pack_size": 24, "price": 10});
    put(&t, Kind::Drug, "D1", drug.clone()).await;
    let k = keeper();
    let d = dp::open(&t.db, "RX2", &k, now()).await.unwrap();
    for i in 1..=2 {
        dp::scan(&t.db, d.id, &code(i), &k, now()).await.unwrap();
    }
    dp::confirm(&t.db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    let Simulated {
        sim,
        server,
        clock,
        worker: w,
    } = simulated(&t).await;
    w.pass().await.unwrap();
    let m = &messages(&t, "nhsa.3505").await[0];
    assert_eq!(m.state, state::DEAD);
    assert_eq!(
        m.last_error.as_deref(),
        Some("医保平台拒收（infcode -1）：缺少必填字段 selinfo.med_list_codg")
    );
    // Fixed at the source (the HIS sends the drug with its code), then resent: rebuilt from
    // the corrected data, with the same msgid and the same pharmacist.
    drug["nhsa_code"] = json!("XD1");
    put(&t, Kind::Drug, "D1", drug).await;
    yiqiao_tracecode::store::nhsa::resend(&t.db, m.id, &Actor::person("yibao01"), now())
        .await
        .unwrap();
    worker(&t, &server.endpoint(), &clock).pass().await.unwrap();
    let sales: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.infno == "3505")
        .collect();
    assert_eq!(sales.len(), 2);
    assert_eq!(sales[0].msgid, sales[1].msgid);
    assert!(sales[1].accepted, "{}", sales[1].message);
    let rec = &sales[1].request["input"]["selinfo"];
    assert_eq!(rec["med_list_codg"], "XD1");
    assert_eq!(rec["phar_prac_cert_no"], "ZY3310005");
    assert_eq!(rec["phar_name"], "张丽华");
    assert_eq!(sales[1].request["opter"], "YK01");
    assert_eq!(
        rec["sel_retn_time"],
        sales[0].request["input"]["selinfo"]["sel_retn_time"]
    );
    assert_eq!(messages(&t, "nhsa.3505").await[0].state, state::DELIVERED);
    server.stop().await;
}

/// A 3505 must name the pharmacist and her 执业资格证号: a dispensing by an account that is not
/// linked to a licensed HIS staff member is not confirmed, and says what to do.
#[tokio::test]
async fn a_sale_needs_an_account_linked_to_a_licensed_pharmacist() {
    let t = hospital(2).await;
    put(
        &t,
        Kind::Staff,
        "YS09",
        json!({"name": "周敏", "role": "pharmacist", "dept_code": "YF01", "title": "药师"}),
    )
    .await;
    let k = keeper();
    let d = dp::open(&t.db, "RX2", &k, now()).await.unwrap();
    for i in 1..=2 {
        dp::scan(&t.db, d.id, &code(i), &k, now()).await.unwrap();
    }
    let refusal = |who: Actor| {
        let db = t.db.clone();
        async move {
            match dp::confirm(&db, SplitPolicy::NoCode, d.id, &who, now()).await {
                Err(TraceError::Pharmacist(e)) => e,
                other => panic!("{other:?}"),
            }
        }
    };
    let e = refusal(Actor::person("yaoshi02")).await;
    assert_eq!(e, PharmacistError::NotLinked("yaoshi02".into()));
    assert_eq!(
        e.to_string(),
        "账号「yaoshi02」未关联 HIS 职工工号，医保销售上传（3505）需要药师姓名和药师执业资格证号，暂不能确认：请信息科管理员在「用户与角色」中为此账号填写 HIS 工号（或执行 yiqiao user link yaoshi02 工号）"
    );
    let e = refusal(Actor::person("yaoshi02").with_his_staff(Some("YS09".into()))).await;
    assert_eq!(
        e.to_string(),
        "账号「yaoshi02」关联的 HIS 职工 YS09（周敏）没有药师执业资格证号，医保销售上传（3505）不能缺少：请 HIS 推送该职工的执业资格证号后再确认"
    );
    let e = refusal(Actor::person("yaoshi02").with_his_staff(Some("YS99".into()))).await;
    assert!(matches!(e, PharmacistError::StaffMissing { .. }), "{e:?}");
    // Nothing was written: still open, codes still being dispensed, no sale queued.
    assert_eq!(dp::get(&*t.db, d.id).await.unwrap().unwrap().state, "open");
    assert_eq!(state_of(&t, &code(1)).await, "dispensing");
    assert!(messages(&t, "nhsa.3505").await.is_empty());
    // Linked to a licensed pharmacist (the keeper, YK01), the same dispensing is confirmed and
    // names her.
    dp::confirm(&t.db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    let sales = messages(&t, "nhsa.3505").await;
    assert_eq!(sales.len(), 1);
    let q: nhsa::Queued = serde_json::from_str(&sales[0].payload).unwrap();
    assert_eq!(
        (q.opter.as_str(), q.opter_name.as_str()),
        ("YK01", "张丽华")
    );
    assert_eq!(q.staff_code.as_deref(), Some("YK01"));
    assert_eq!(q.input["selinfo"]["phar_name"], "张丽华");
    assert_eq!(q.input["selinfo"]["phar_prac_cert_no"], "ZY3310005");
    assert_eq!(q.input["selinfo"]["sel_retn_opter_name"], "张丽华");
    // A return (3506) names no licence: an unlinked account may take a package back, and the
    // 3506 names the account.
    dp::return_code(
        &t.db,
        d.id,
        &code(1),
        false,
        &Actor::person("yaoshi02"),
        now(),
    )
    .await
    .unwrap();
    let back = messages(&t, "nhsa.3506").await;
    let q: nhsa::Queued = serde_json::from_str(&back[0].payload).unwrap();
    assert_eq!(q.input["selinfo"]["sel_retn_opter_name"], "yaoshi02");
    assert_eq!(q.staff_code, None);
    // A dispensing that uploads nothing (herbal pieces, exempt) needs no licence.
    put(
        &t,
        Kind::Prescription,
        "RX3",
        json!({"visit_id": "V0001", "patient_id": "P0001", "doctor_code": "D001",
            "dept_code": "A50.01", "pharmacy_code": "YF01", "prescribed_at": "2026-11-02 08:50:00",
            "rx_type": "western", "self_pay": true,
            "lines": [{"line_no": 1, "drug_code": "H1", "quantity": 10}]}),
    )
    .await;
    let unlinked = Actor::person("yaoshi02");
    let herbal = dp::open(&t.db, "RX3", &unlinked, now()).await.unwrap();
    let done = dp::confirm(&t.db, SplitPolicy::Draw, herbal.id, &unlinked, now())
        .await
        .unwrap();
    assert_eq!(done.state, "confirmed");
    assert_eq!(messages(&t, "nhsa.3505").await.len(), 1);
}

#[tokio::test]
async fn simulator_down_then_back_everything_drains_once() {
    let (t, _) = dispensed().await;
    let sim = NhsaSim::new();
    let server = sim.serve(any_port()).await.unwrap();
    let addr = server.addr;
    let endpoint = server.endpoint();
    let clock = Arc::new(ManualClock::new(now()));
    let w = worker(&t, &endpoint, &clock);
    // Down: first it answers 503, then it is not there at all.
    sim.fail_next(Fault::Unavailable, 3);
    let p = w.pass().await.unwrap();
    assert_eq!((p.delivered, p.retried), (0, 3), "{p:?}");
    server.stop().await;
    clock.advance(chrono::Duration::minutes(10));
    let p = w.pass().await.unwrap();
    assert_eq!((p.delivered, p.retried), (0, 3), "{p:?}");
    for m in ob::Entity::find().all(&*t.db).await.unwrap() {
        assert_eq!(m.state, state::PENDING);
        assert_eq!(m.attempts, 2);
    }
    // Back, on the same address.
    let server = sim.serve(addr).await.unwrap();
    clock.advance(chrono::Duration::minutes(10));
    let p = w.pass().await.unwrap();
    assert_eq!(p.delivered, 3, "{p:?}");
    let got = sim.received();
    assert_eq!(got.len(), 3);
    let mut ids: Vec<&str> = got.iter().map(|r| r.msgid.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "duplicate msgid");
    assert!(got.iter().all(|r| r.accepted));
    server.stop().await;
}

#[tokio::test]
async fn a_restart_between_confirm_and_upload_still_sends_it_once() {
    let (t, _) = dispensed().await;
    let sim = NhsaSim::new();
    let server = sim.serve(any_port()).await.unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    // The process that confirmed is gone before its worker ran (the confirmation committed
    // the message with the dispense); a new process, a new worker, on the same database.
    let w = worker(&t, &server.endpoint(), &clock);
    assert_eq!(w.pass().await.unwrap().delivered, 3);
    assert_eq!(w.pass().await.unwrap().delivered, 0);
    let sales: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.infno == "3505")
        .collect();
    assert_eq!(sales.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_return_sends_3506_and_the_code_may_be_sold_again() {
    let (t, id) = dispensed().await;
    let Simulated {
        sim,
        server,
        worker: w,
        ..
    } = simulated(&t).await;
    assert_eq!(w.pass().await.unwrap().delivered, 3);
    dp::return_code(&t.db, id, &code(2), false, &pharmacist(), now())
        .await
        .unwrap();
    let returns = messages(&t, "nhsa.3506").await;
    assert_eq!(returns.len(), 1);
    let q: nhsa::Queued = serde_json::from_str(&returns[0].payload).unwrap();
    insta::assert_json_snapshot!("sale_return_3506", q.input);
    assert_eq!(w.pass().await.unwrap().delivered, 1);
    // Sold again to the next patient: the platform accepts it, the code having come back.
    let k = pharmacist();
    let d = dp::open(&t.db, "RX1", &k, now()).await.unwrap();
    for i in [2, 3, 4] {
        dp::scan(&t.db, d.id, &code(i), &k, now()).await.unwrap();
    }
    dp::confirm(&t.db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    assert!(w.pass().await.unwrap().delivered >= 1);
    let got = sim.received();
    let first_sale = format!("H33100200001{}", messages(&t, "nhsa.3505").await[0].msg_id);
    let resold = got
        .iter()
        .filter(|r| r.infno == "3505")
        .find(|r| r.request.to_string().contains(&code(2)) && r.msgid != first_sale)
        .expect("the second sale of code 2");
    assert!(resold.accepted, "{}", resold.message);
    assert!(got.iter().all(|r| r.accepted));
    // The trace page lists every message that carried code 2, with its status.
    let traced = yiqiao_tracecode::store::trace::trace(&*t.db, &code(2))
        .await
        .unwrap()
        .unwrap();
    let uploads: Vec<(&str, &str)> = traced
        .uploads
        .iter()
        .map(|u| (u.infno.as_str(), u.status))
        .collect();
    assert_eq!(
        uploads,
        [
            ("3503", "accepted"),
            ("3505", "accepted"),
            ("3506", "accepted"),
            ("3505", "accepted")
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn the_office_deletes_with_3507_then_resends_and_each_action_happens_once() {
    use yiqiao_tracecode::domain::upload::{UploadError, UploadStatus};
    use yiqiao_tracecode::store::nhsa as up;
    let (t, _) = dispensed().await;
    let sim = NhsaSim::new();
    // An earlier upload of batch RK1-1 (from the system before) already sold code 2.
    let mut rec = nhsa_sale_of(&code(2));
    rec["fixmedins_bchno"] = json!("RK1-1");
    sim.judge(
        json!({"infno": "3505", "msgid": "H0", "fixmedins_code": "H0",
            "inf_time": "2026-11-28 09:00:00", "input": {"selinfo": rec}}),
        &Fault::None,
    );
    let server = sim.serve(any_port()).await.unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let w = worker(&t, &server.endpoint(), &clock);
    w.pass().await.unwrap();
    let rejected = up::list(&*t.db, Some(UploadStatus::Rejected), 100)
        .await
        .unwrap();
    assert_eq!(rejected.len(), 1);
    let sale = &rejected[0];
    assert_eq!(sale.infno, "3505");
    assert!(sale.note.contains("追溯码已销售"), "{}", sale.note);
    assert!(sale.resendable && sale.deletable);
    assert_eq!(
        up::list(&*t.db, Some(UploadStatus::Accepted), 100)
            .await
            .unwrap()
            .len(),
        2
    );
    let office = Actor::person("yibao01");
    // 3507 deletes the platform's sale record of the batch.
    let del = up::delete(&t.db, sale.id, &office, now()).await.unwrap();
    assert_eq!(del.kind, "nhsa.3507");
    let q: nhsa::Queued = serde_json::from_str(&del.payload).unwrap();
    assert_eq!(
        q.input,
        json!({"data": {"fixmedins_bchno": "RK1-1", "inv_data_type": "4"}})
    );
    let again = up::delete(&t.db, sale.id, &office, now()).await;
    assert!(
        matches!(again, Err(TraceError::Upload(UploadError::AlreadyDeleted))),
        "{again:?}"
    );
    assert_eq!(w.pass().await.unwrap().delivered, 1);
    // Then the sale, sent again with the same msgid, is accepted.
    up::resend(&t.db, sale.id, &office, now()).await.unwrap();
    assert_eq!(w.pass().await.unwrap().delivered, 1);
    let sales: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.infno == "3505" && r.msgid != "H0")
        .collect();
    assert_eq!(sales.len(), 2);
    assert_eq!(sales[0].msgid, sales[1].msgid);
    assert!(!sales[0].accepted && sales[1].accepted);
    let all = up::list(&*t.db, None, 100).await.unwrap();
    assert!(all.iter().all(|r| r.status == "accepted"), "{all:?}");
    // What cannot be done is refused by name.
    let r = up::resend(&t.db, sale.id, &office, now()).await;
    assert!(
        matches!(r, Err(TraceError::Upload(UploadError::NotResendable))),
        "{r:?}"
    );
    let r = up::delete(&t.db, del.id, &office, now()).await;
    assert!(
        matches!(r, Err(TraceError::Upload(UploadError::NotDeletable))),
        "{r:?}"
    );
    let r = up::resend(&t.db, 999_999, &office, now()).await;
    assert!(
        matches!(r, Err(TraceError::Upload(UploadError::NoSuchMessage))),
        "{r:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_simulator_takes_faults_and_reports_over_http() {
    let sim = NhsaSim::new();
    let server = sim.serve(any_port()).await.unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let r = http
        .post(format!("{base}/sim/fault"))
        .json(&json!({"mode": "reject", "message": "医保平台维护", "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let body = json!({"infno": "3507", "msgid": "H1", "fixmedins_code": "H1",
        "inf_time": "2026-11-29 10:00:00",
        "input": {"data": {"fixmedins_bchno": "RK1-1", "inv_data_type": "4"}}});
    let a: Value = http
        .post(format!("{base}/"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        nhsa::read_answer(&a.to_string()),
        nhsa::Answer::Rejected("医保平台业务拒收：医保平台维护".into())
    );
    let a: Value = http
        .post(format!("{base}/"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(nhsa::read_answer(&a.to_string()), nhsa::Answer::Accepted);
    http.post(format!("{base}/sim/fault"))
        .json(&json!({"mode": "unavailable"}))
        .send()
        .await
        .unwrap();
    let r = http
        .post(format!("{base}/"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let mut missing = body.clone();
    missing["input"]["data"]["inv_data_type"] = json!("");
    let a: Value = http
        .post(format!("{base}/"))
        .json(&missing)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        nhsa::read_answer(&a.to_string()),
        nhsa::Answer::Rejected(
            "医保平台拒收（infcode -1）：缺少必填字段 data.inv_data_type".into()
        )
    );
    let got: Vec<Value> = http
        .get(format!("{base}/sim/received"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verdicts: Vec<bool> = got.iter().map(|r| r["accepted"] == true).collect();
    assert_eq!(verdicts, [false, true, false]);
    server.stop().await;
}
