//! Returns to the supplier (采购退货, 3504) with every check in the spec's order, and the stock
//! flows: 盘存上传 (3501) and stock changes by scanning (3502 盘损 / 销毁), all or none.

use serde_json::json;
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::TraceError;
use yiqiao_tracecode::domain::receipt::{NewReceipt, RawReceipt};
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::domain::supplier_return::{ChangeKind, NewSupplierReturn, RawSupplierReturn};
use yiqiao_tracecode::nhsa;
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::store::receipt as rc;
use yiqiao_tracecode::store::stock;
use yiqiao_tracecode::store::supplier_return as sr;

use crate::dispense::{code, hospital, state_of};
use crate::fixtures::{keeper, now};
use crate::nhsa::{Simulated, messages, simulated};
use crate::receipt::line;

fn message<T: std::fmt::Debug>(r: Result<T, TraceError>) -> String {
    match r {
        Ok(ok) => panic!("accepted: {ok:?}"),
        Err(TraceError::Db(e)) => panic!("{e:?}"),
        Err(e) => e.to_string(),
    }
}

fn ret(receipt_id: i64, lines: serde_json::Value) -> NewSupplierReturn {
    let raw: RawSupplierReturn = serde_json::from_value(
        json!({"receipt_id": receipt_id, "reason": "近效期退货", "lines": lines}),
    )
    .unwrap();
    NewSupplierReturn::parse(&raw).unwrap()
}

/// The outpatient hospital (receipt #1: D1 B1 codes 1–6 at YF01; #2: code 900 at 药库) and
/// receipt #3 at YF01 with an invoice: D1 batch B2 (codes 11, 12) and 黄芪 (exempt).
async fn stocked() -> TestDb {
    let t = hospital(6).await;
    let k = keeper();
    let raw: RawReceipt = serde_json::from_value(json!({"supplier_name": "华东医药股份有限公司",
        "supplier_licence": "浙AA5710001", "invoice_no": "33002611", "location": "YF01",
        "lines": [line("D1", "B2", 2), line("H1", "B9", 5)]}))
    .unwrap();
    let r = rc::create(&t.db, &NewReceipt::parse(&raw).unwrap(), &k, now())
        .await
        .unwrap();
    assert_eq!(r.id, 3);
    for i in [11, 12] {
        rc::scan(&t.db, r.id, &code(i), &k, now()).await.unwrap();
    }
    rc::confirm(&t.db, r.id, &k, now()).await.unwrap();
    t
}

#[tokio::test]
async fn every_supplier_return_refusal_in_the_specs_order_then_3504() {
    let t = stocked().await;
    let db = &t.db;
    let k = keeper();
    assert_eq!(
        message(
            sr::create(
                db,
                &ret(99, json!([{"line_no": 1, "packages": 1}])),
                &k,
                now()
            )
            .await
        ),
        "没有入库单 #99"
    );
    assert_eq!(
        message(
            sr::create(
                db,
                &ret(3, json!([{"line_no": 9, "packages": 1}])),
                &k,
                now()
            )
            .await
        ),
        "入库单没有第 9 行"
    );
    assert_eq!(
        message(
            sr::create(
                db,
                &ret(3, json!([{"line_no": 1, "packages": 3}])),
                &k,
                now()
            )
            .await
        ),
        "入库单第 1 行只有 2 个包装，不能退 3 个"
    );
    let draft = rc::create(
        db,
        &NewReceipt::parse(
            &serde_json::from_value::<RawReceipt>(
                json!({"supplier_name": "x", "lines": [line("D1", "B3", 1)]}),
            )
            .unwrap(),
        )
        .unwrap(),
        &k,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        message(
            sr::create(
                db,
                &ret(draft.id, json!([{"line_no": 1, "packages": 1}])),
                &k,
                now()
            )
            .await
        ),
        format!("入库单 #{} 尚未确认入库，不能退货", draft.id)
    );
    let r = sr::create(
        db,
        &ret(
            3,
            json!([{"line_no": 1, "packages": 1}, {"line_no": 2, "packages": 5}]),
        ),
        &k,
        now(),
    )
    .await
    .unwrap();
    let shape: Vec<(i64, i64, &str)> = r
        .lines
        .iter()
        .map(|l| (l.required, l.scanned, l.batch_no.as_str()))
        .collect();
    assert_eq!(shape, [(1, 0, "B2"), (0, 0, "B9")]);
    // A package on its way to a patient cannot go back to the supplier.
    let d = dp::open(db, "RX2", &k, now()).await.unwrap();
    dp::scan(db, d.id, &code(2), &k, now()).await.unwrap();

    let scan = |s: String| {
        let k = k.clone();
        async move { sr::scan(db, r.id, &s, &k, now()).await }
    };
    assert_eq!(message(scan("8123".into()).await), "4 位，应为 20 位");
    assert_eq!(
        message(scan("89999990000000000001".into()).await),
        "未对照：此码（8999999）在药品目录中没有对照的药品"
    );
    assert_eq!(
        message(scan("(01)06901234567892(21)X1".into()).await),
        "此码属于 布洛芬缓释胶囊（D2），不在本退货单"
    );
    assert_eq!(
        message(scan("85555550000000000001".into()).await),
        "黄芪（H1） 为免扫药品，无需扫码"
    );
    assert_eq!(
        message(scan("81234990000000000001".into()).await),
        "这是大包装码（含 960 个最小单位），请逐个扫描最小包装上的追溯码"
    );
    assert_eq!(
        message(scan(code(7777)).await),
        "此码没有入库记录，不能退货"
    );
    assert_eq!(
        message(scan(code(2)).await),
        "此码当前状态为「发药中」，不在库，不能退货"
    );
    assert_eq!(
        message(scan(code(900)).await),
        "此码不在本退货单的库位：在药库"
    );
    assert_eq!(
        message(scan(code(1)).await),
        "此码属于批号 B1，不是本退货单的批号（B2）"
    );
    assert_eq!(
        message(sr::confirm(db, r.id, &k, now()).await),
        "还有未扫满的行：第 1 行 应扫 1 / 已扫 0"
    );
    let ok = scan(code(11)).await.unwrap();
    assert_eq!((ok.line_no, ok.scanned, ok.required), (1, 1, 1));
    assert_eq!(
        message(scan(code(11)).await),
        "此码当前状态为「退货中」，不在库，不能退货"
    );
    assert_eq!(
        message(scan(code(12)).await),
        "第 1 行已扫满（应扫 1 / 已扫 1）"
    );
    // Held for the supplier, it cannot be dispensed meanwhile.
    let d1 = dp::open(db, "RX1", &k, now()).await.unwrap();
    assert_eq!(
        message(dp::scan(db, d1.id, &code(11), &k, now()).await),
        "此码当前状态为「退货中」，不能发出"
    );
    let done = sr::confirm(db, r.id, &k, now()).await.unwrap();
    assert_eq!(done.state, "confirmed");
    assert_eq!(state_of(&t, &code(11)).await, "to_supplier");
    assert_eq!(state_of(&t, &code(12)).await, "in_stock");
    assert_eq!(message(scan(code(12)).await), "退货单已确认，不能再扫码");
    // One 3504 per line, naming the purchase it returns.
    let back = messages(&t, "nhsa.3504").await;
    assert_eq!(back.len(), 2);
    let purchase = messages(&t, "nhsa.3503")
        .await
        .into_iter()
        .find(|m| m.subject.as_deref() == Some("入库单 3 第 1 行"))
        .unwrap();
    let q: nhsa::Queued = serde_json::from_str(&back[0].payload).unwrap();
    let rec = &q.input["purcinfo"];
    assert_eq!(rec["fixmedins_bchno"], "RK3-1");
    assert_eq!(rec["purc_retn_cnt"], 1);
    assert_eq!(rec["purc_invo_no"], "33002611");
    assert_eq!(rec["medins_prod_purc_no"], purchase.msg_id.as_str());
    assert_eq!(
        back[0].subject.as_deref(),
        Some(&*format!("退货单 {} 第 1 行", r.id))
    );
}

#[tokio::test]
async fn a_stock_take_uploads_each_batch_and_changes_are_all_or_none() {
    let t = stocked().await;
    let db = &t.db;
    let k = keeper();
    // Code 1 is dispensed; code 2 is returned to quarantine.
    let d = dp::open(db, "RX2", &k, now()).await.unwrap();
    dp::scan(db, d.id, &code(1), &k, now()).await.unwrap();
    dp::scan(db, d.id, &code(2), &k, now()).await.unwrap();
    dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    dp::return_code(db, d.id, &code(2), true, &k, now())
        .await
        .unwrap();

    let taken = stock::stock_take(db, "YF01", &k, now()).await.unwrap();
    assert_eq!((taken.batches, taken.codes), (2, 6));
    let counts = messages(&t, "nhsa.3501").await;
    assert_eq!(counts.len(), 2);
    let q: nhsa::Queued = serde_json::from_str(&counts[0].payload).unwrap();
    let rec = &q.input["invinfo"];
    assert_eq!(rec["fixmedins_bchno"], "RK1-1");
    assert_eq!(rec["inv_cnt"], 4);
    assert_eq!(rec["invdate"], "2026-11-29");
    assert_eq!(
        rec["drugtracinfo"],
        json!(
            [3, 4, 5, 6]
                .iter()
                .map(|i| json!({"drug_trac_codg": code(*i)}))
                .collect::<Vec<_>>()
        )
    );

    // A lost box and an unknown code in one go: refused whole, nothing changed.
    assert_eq!(
        message(
            stock::change(
                db,
                ChangeKind::Loss,
                &[code(3), code(7777)],
                None,
                &k,
                now()
            )
            .await
        ),
        format!("此码（{}）没有入库记录", code(7777))
    );
    assert_eq!(state_of(&t, &code(3)).await, "in_stock");
    assert_eq!(
        message(stock::change(db, ChangeKind::Loss, &[code(1)], None, &k, now()).await),
        format!("此码（{}）当前状态为「已发药」，不能盘损", code(1))
    );
    assert_eq!(
        message(stock::change(db, ChangeKind::Loss, &[" ".into()], None, &k, now()).await),
        "请至少扫描一个追溯码"
    );
    let done = stock::change(
        db,
        ChangeKind::Loss,
        &[code(3), code(11)],
        Some("盘点短少"),
        &k,
        now(),
    )
    .await
    .unwrap();
    assert_eq!((done.codes, done.messages), (2, 2));
    assert_eq!(state_of(&t, &code(3)).await, "lost");
    // The quarantined return is destroyed.
    stock::change(db, ChangeKind::Destroy, &[code(2)], None, &k, now())
        .await
        .unwrap();
    assert_eq!(state_of(&t, &code(2)).await, "destroyed");
    let changes = messages(&t, "nhsa.3502").await;
    assert_eq!(changes.len(), 3);
    let q: nhsa::Queued = serde_json::from_str(&changes[0].payload).unwrap();
    let rec = &q.input["invinfo"];
    assert_eq!(rec["inv_chg_type"], "104");
    assert_eq!(rec["cnt"], 1);
    assert_eq!(rec["memo"], "盘点短少");
    assert_eq!(rec["drugtracinfo"], json!([{"drug_trac_codg": code(3)}]));
    let q: nhsa::Queued = serde_json::from_str(&changes[2].payload).unwrap();
    assert_eq!(q.input["invinfo"]["inv_chg_type"], "105");

    // The simulator takes every message of these flows (their required fields are there).
    let Simulated {
        sim,
        server,
        worker: w,
        ..
    } = simulated(&t).await;
    w.pass().await.unwrap();
    for r in sim.received() {
        if r.infno == "3501" || r.infno == "3502" {
            assert!(r.accepted, "{} {}", r.infno, r.message);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_supplier_returns_3504_is_accepted_by_the_simulator() {
    let t = stocked().await;
    let k = keeper();
    let r = sr::create(
        &t.db,
        &ret(3, json!([{"line_no": 1, "packages": 2}])),
        &k,
        now(),
    )
    .await
    .unwrap();
    for i in [11, 12] {
        sr::scan(&t.db, r.id, &code(i), &k, now()).await.unwrap();
    }
    sr::confirm(&t.db, r.id, &k, now()).await.unwrap();
    let Simulated {
        sim,
        server,
        worker: w,
        ..
    } = simulated(&t).await;
    w.pass().await.unwrap();
    let got: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.infno == "3504")
        .collect();
    assert_eq!(got.len(), 1);
    assert!(got[0].accepted, "{}", got[0].message);
    server.stop().await;
}
