//! Split packages drawn down (拆零): an opened package's code scanned once per dispensing, its
//! smallest units drawn until used up, 3505/3506 with `trdn_flag` 1, returns putting units
//! back, two windows drawing the last units at once, and a property over random draws and
//! returns: a package never gives more than it holds.

use proptest::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use yiqiao_his::domain::Kind;
use yiqiao_store::outbox::state;
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::TraceError;
use yiqiao_tracecode::domain::dispense::DispenseError;
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::nhsa;
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::store::entities::split_draw;
use yiqiao_tracecode::store::split;

use crate::dispense::{code, hospital, put, state_of};
use crate::fixtures::{keeper, now};
use crate::nhsa::{Simulated, messages, simulated};

/// A self-pay prescription of D1 (24 per box) for `quantity` smallest units.
async fn rx(t: &TestDb, rx_no: &str, quantity: i64) {
    put(
        t,
        Kind::Prescription,
        rx_no,
        json!({"visit_id": "V0001", "patient_id": "P0001", "doctor_code": "D001",
        "dept_code": "A50.01", "pharmacy_code": "YF01", "prescribed_at": "2026-11-02 08:50:00",
        "rx_type": "western", "self_pay": true,
        "lines": [{"line_no": 1, "drug_code": "D1", "quantity": quantity}]}),
    )
    .await;
}

fn refusal<T: std::fmt::Debug>(r: Result<T, TraceError>) -> DispenseError {
    match r {
        Err(TraceError::Dispense(e)) => e,
        other => panic!("not a dispensing refusal: {other:?}"),
    }
}

fn queued(m: &yiqiao_store::outbox::entity::Model) -> serde_json::Value {
    serde_json::from_str::<nhsa::Queued>(&m.payload)
        .unwrap()
        .input
}

#[tokio::test]
async fn an_opened_package_is_drawn_down_over_several_dispensings_and_returns_put_units_back() {
    let t = hospital(3).await;
    let db = &t.db;
    // The pharmacist, known to the HIS with her 执业资格证号 (required on 3505).
    put(
        &t,
        Kind::Staff,
        "YS01",
        json!({"name": "陈静", "role": "pharmacist", "dept_code": "YF01",
        "title": "主管药师", "licence_no": "ZY3310001"}),
    )
    .await;
    let k = yiqiao_store::audit::Actor::person("yaoshi01").with_his_staff(Some("YS01".into()));
    rx(&t, "RX5", 30).await; // one box scanned whole, 6 split
    rx(&t, "RX6", 20).await; // 20 split
    rx(&t, "RX7", 48).await; // two boxes, no split

    // RX5: the whole box, then the opened box for the 6 split units.
    let d5 = dp::open(db, "RX5", &k, now()).await.unwrap();
    assert_eq!(
        (d5.lines[0].required, d5.lines[0].split_qty),
        (1, 6),
        "{d5:?}"
    );
    dp::scan(db, d5.id, &code(1), &k, now()).await.unwrap();
    let drawn = split::draw(db, SplitPolicy::Draw, d5.id, &code(2), &k, now())
        .await
        .unwrap();
    assert_eq!(
        (drawn.units, drawn.split_drawn, drawn.units_left),
        (6, 6, 18)
    );
    assert_eq!(state_of(&t, &code(2)).await, "opened");
    // The line's split is drawn: a second draw has nothing to take.
    assert_eq!(
        refusal(split::draw(db, SplitPolicy::Draw, d5.id, &code(3), &k, now()).await).to_string(),
        "阿莫西林胶囊（D1） 本处方没有待发的拆零数量"
    );
    // An opened box is not a whole box: it cannot be scanned as one.
    let d7 = dp::open(db, "RX7", &k, now()).await.unwrap();
    assert_eq!(
        refusal(dp::scan(db, d7.id, &code(2), &k, now()).await).to_string(),
        "此码当前状态为「已拆零（余量可发）」，不能发出"
    );
    dp::confirm(db, SplitPolicy::Draw, d5.id, &k, now())
        .await
        .unwrap();
    // Drawing on a confirmed dispense is refused.
    assert_eq!(
        refusal(split::draw(db, SplitPolicy::Draw, d5.id, &code(2), &k, now()).await),
        DispenseError::NotOpen
    );

    // RX6: the same opened box gives its last 18, then a new box the other 2.
    let d6 = dp::open(db, "RX6", &k, now()).await.unwrap();
    let a = split::draw(db, SplitPolicy::Draw, d6.id, &code(2), &k, now())
        .await
        .unwrap();
    assert_eq!((a.units, a.split_drawn, a.units_left), (18, 18, 0));
    assert_eq!(state_of(&t, &code(2)).await, "used_up");
    assert_eq!(
        refusal(split::draw(db, SplitPolicy::Draw, d6.id, &code(2), &k, now()).await).to_string(),
        "此拆零包装已发完，请扫下一盒"
    );
    let b = split::draw(db, SplitPolicy::Draw, d6.id, &code(3), &k, now())
        .await
        .unwrap();
    assert_eq!((b.units, b.split_drawn, b.units_left), (2, 20, 22));
    // A package of another pharmacy is refused as for a whole box.
    assert_eq!(
        refusal(split::draw(db, SplitPolicy::Draw, d6.id, &code(900), &k, now()).await).to_string(),
        "此码不在本药房：在药库"
    );
    dp::confirm(db, SplitPolicy::Draw, d6.id, &k, now())
        .await
        .unwrap();

    // 3505: RX5's whole box (trdn_flag 0) and its split draw (trdn_flag 1, 6 units), RX6's
    // two draws.
    let sales: Vec<serde_json::Value> =
        messages(&t, "nhsa.3505").await.iter().map(queued).collect();
    let shape: Vec<(String, i64, serde_json::Value)> = sales
        .iter()
        .map(|s| {
            (
                s["selinfo"]["trdn_flag"].as_str().unwrap().to_owned(),
                s["selinfo"]["sel_retn_cnt"].as_i64().unwrap(),
                s["selinfo"]["drugtracinfo"].clone(),
            )
        })
        .collect();
    let tr = |n| json!([{"drug_trac_codg": code(n)}]);
    assert_eq!(
        shape,
        vec![
            ("0".into(), 1, tr(1)),
            ("1".into(), 6, tr(2)),
            ("1".into(), 18, tr(2)),
            ("1".into(), 2, tr(3)),
        ]
    );

    // Return of RX6's draw from code 2: its 18 go back into the box, usable again.
    let r = split::return_draw(db, d6.id, &code(2), &k, now())
        .await
        .unwrap();
    assert_eq!((r.units, r.units_left), (18, 18));
    assert_eq!(state_of(&t, &code(2)).await, "opened");
    assert_eq!(
        refusal(split::return_draw(db, d6.id, &code(2), &k, now()).await).to_string(),
        "此码不是本发药单拆零发出的，不能在此退回拆零数量"
    );
    assert_eq!(
        refusal(split::return_draw(db, d6.id, &code(1), &k, now()).await),
        DispenseError::NotDrawnHere
    );
    let returns: Vec<serde_json::Value> =
        messages(&t, "nhsa.3506").await.iter().map(queued).collect();
    assert_eq!(returns.len(), 1);
    assert_eq!(returns[0]["selinfo"]["trdn_flag"], "1");
    assert_eq!(returns[0]["selinfo"]["sel_retn_cnt"], 18);
    assert_eq!(returns[0]["selinfo"]["drugtracinfo"], tr(2));
    assert_eq!(
        returns[0]["selinfo"]["medins_prod_sel_no"],
        format!("FY{}", d6.id)
    );
    assert_eq!(split::units_left(&**db, &code(2)).await.unwrap(), Some(18));

    // The simulator takes every split sale of the same code and the return over HTTP.
    let Simulated {
        sim,
        server,
        worker: w,
        ..
    } = simulated(&t).await;
    w.pass().await.unwrap();
    for m in messages(&t, "nhsa.3505")
        .await
        .into_iter()
        .chain(messages(&t, "nhsa.3506").await)
    {
        assert_eq!(m.state, state::DELIVERED, "{m:?}");
    }
    assert!(sim.received().iter().all(|r| r.accepted));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_drawing_the_last_units_of_one_package_never_get_more_than_it_holds() {
    for _ in 0..5 {
        let t = hospital(1).await;
        let db = &t.db;
        let k = keeper();
        rx(&t, "RX5", 18).await;
        rx(&t, "RX6", 6).await;
        rx(&t, "RX7", 6).await;
        let d5 = dp::open(db, "RX5", &k, now()).await.unwrap();
        split::draw(db, SplitPolicy::Draw, d5.id, &code(1), &k, now())
            .await
            .unwrap();
        let d6 = dp::open(db, "RX6", &k, now()).await.unwrap();
        let d7 = dp::open(db, "RX7", &k, now()).await.unwrap();
        let window = |id: i64| {
            let db = t.db.clone();
            tokio::spawn(async move {
                split::draw(&db, SplitPolicy::Draw, id, &code(1), &keeper(), now()).await
            })
        };
        let (a, b) = (window(d6.id), window(d7.id));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{a:?} {b:?}");
        let lost = if a.is_ok() { b } else { a };
        assert!(
            matches!(
                lost,
                Err(TraceError::Dispense(
                    DispenseError::PackageUsedUp | DispenseError::PackageShort { .. }
                ))
            ),
            "{lost:?}"
        );
        assert_eq!(split::units_left(&**db, &code(1)).await.unwrap(), Some(0));
        let drawn: i64 = split_draw::Entity::find()
            .filter(split_draw::Column::CodeKey.eq(code(1)))
            .all(&**db)
            .await
            .unwrap()
            .iter()
            .map(|d| d.units)
            .sum();
        assert_eq!(drawn, 24);
        assert_eq!(state_of(&t, &code(1)).await, "used_up");
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Draw from package n for prescription RX(10+r).
    Draw(usize, u32),
    /// Confirm RX(10+r).
    Confirm(usize),
    /// Return the draws of package n on RX(10+r).
    Return(usize, u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..4, 1u32..3).prop_map(|(r, n)| Op::Draw(r, n)),
        (0usize..4).prop_map(Op::Confirm),
        (0usize..4, 1u32..3).prop_map(|(r, n)| Op::Return(r, n)),
    ]
}

/// After any mix of draws, confirmations and returns: each package's units left equal its
/// units less what is drawn and not returned, never below zero, and its state says so.
async fn run(ops: Vec<Op>) {
    let t = hospital(2).await;
    let db = &t.db;
    let k = keeper();
    let qty = [7i64, 11, 20, 23];
    let mut ids = Vec::new();
    for (i, q) in qty.iter().enumerate() {
        let no = format!("RX{}", 10 + i);
        rx(&t, &no, *q).await;
        ids.push(dp::open(db, &no, &k, now()).await.unwrap().id);
    }
    // Model: units left per package, and what each dispense holds of each package.
    let mut left = [24i64, 24];
    let mut need = qty;
    let mut open = [true; 4];
    let mut held: std::collections::HashMap<(usize, u32), Vec<i64>> = Default::default();
    for o in ops {
        match o {
            Op::Draw(r, n) => {
                let res = split::draw(db, SplitPolicy::Draw, ids[r], &code(n), &k, now()).await;
                let p = (n - 1) as usize;
                let expect = if !open[r] || need[r] == 0 || left[p] == 0 {
                    None
                } else {
                    Some(need[r].min(left[p]))
                };
                match (res, expect) {
                    (Ok(d), Some(u)) => {
                        assert_eq!(d.units, u);
                        left[p] -= u;
                        need[r] -= u;
                        held.entry((r, n)).or_default().push(u);
                    }
                    (Err(TraceError::Dispense(_)), None) => {}
                    (res, expect) => panic!("{res:?} but expected {expect:?}"),
                }
            }
            Op::Confirm(r) => {
                // Under draw, a dispense is confirmed only once its split is fully drawn.
                let res = dp::confirm(db, SplitPolicy::Draw, ids[r], &k, now()).await;
                let ok = open[r] && need[r] == 0;
                assert_eq!(res.is_ok(), ok, "{res:?}");
                if ok {
                    open[r] = false;
                }
            }
            Op::Return(r, n) => {
                let res = split::return_draw(db, ids[r], &code(n), &k, now()).await;
                let p = (n - 1) as usize;
                let first = if open[r] {
                    None
                } else {
                    held.get_mut(&(r, n))
                        .filter(|v| !v.is_empty())
                        .map(|v| v.remove(0))
                };
                match (res, first) {
                    (Ok(back), Some(u)) => {
                        assert_eq!(back.units, u);
                        left[p] += u;
                    }
                    (Err(TraceError::Dispense(_)), None) => {}
                    (res, first) => panic!("{res:?} but expected {first:?}"),
                }
            }
        }
    }
    for n in 1..=2u32 {
        let p = (n - 1) as usize;
        let got = split::units_left(&**db, &code(n)).await.unwrap();
        let state = state_of(&t, &code(n)).await;
        let out: i64 = split_draw::Entity::find()
            .filter(split_draw::Column::CodeKey.eq(code(n)))
            .filter(split_draw::Column::ReturnedAt.is_null())
            .all(&**db)
            .await
            .unwrap()
            .iter()
            .map(|d| d.units)
            .sum();
        match got {
            None => {
                assert_eq!(state, "in_stock");
                assert_eq!(left[p], 24);
            }
            Some(l) => {
                assert_eq!(l, left[p]);
                assert_eq!(l + out, 24);
                assert!(l >= 0);
                assert_eq!(state, if l == 0 { "used_up" } else { "opened" });
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn a_package_never_gives_more_than_it_holds(ops in prop::collection::vec(op(), 1..25)) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(ops));
    }
}
