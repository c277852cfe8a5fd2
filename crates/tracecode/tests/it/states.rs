//! A property over random sequences of receipts and dispenses: every operation is accepted
//! exactly when a model of the codes says it should be, and afterwards each code is in the
//! state the model says, with every line's 已扫 equal to the codes counted against it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use proptest::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use yiqiao_his::domain::Kind;
use yiqiao_tracecode::domain::receipt::{NewReceipt, RawReceipt};
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::store::entities::{code as code_e, dispense_line, receipt_line, return_};
use yiqiao_tracecode::store::receipt as rc;

use crate::dispense::{code, hospital, put};
use crate::fixtures::{keeper, now};
use crate::receipt::line;

#[derive(Debug, Clone)]
enum Op {
    /// Receive this many new boxes at the pharmacy and confirm.
    Receive(u8),
    /// Try a known code on a new receipt (refused), then leave one new code pending there.
    ReceiveAgain(usize),
    /// Scan a known code for prescription RX(n).
    Scan(usize, usize),
    /// Register every open line of RX(n) as uncollected and confirm it.
    Confirm(usize),
    /// Take a known code back on RX(n), to stock or (true) to quarantine.
    Return(usize, usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u8..4).prop_map(Op::Receive),
        (0usize..40).prop_map(Op::ReceiveAgain),
        (0usize..4, 0usize..40).prop_map(|(r, c)| Op::Scan(r, c)),
        (0usize..4).prop_map(Op::Confirm),
        (0usize..4, 0usize..40, any::<bool>()).prop_map(|(r, c, q)| Op::Return(r, c, q)),
    ]
}

/// What the model knows of a dispense: open or not, and the boxes it can still take.
struct Disp {
    id: i64,
    open: bool,
    room: i64,
}

async fn run(ops: Vec<Op>) {
    // Codes 1–3 in stock at YF01, 900 in stock at 药库 (hospital's own set-up).
    let t = hospital(3).await;
    let db = &t.db;
    let k = keeper();
    for n in 3..=4 {
        put(
            &t,
            Kind::Prescription,
            &format!("RX{n}"),
            json!({"visit_id": "V0001",
            "patient_id": "P0001", "doctor_code": "D001", "pharmacy_code": "YF01",
            "prescribed_at": "2026-11-02 08:50:00", "self_pay": true,
            "lines": [{"line_no": 1, "drug_code": "D1", "quantity": 48}]}),
        )
        .await;
    }
    let mut model: HashMap<u32, &'static str> = (1..=3).map(|i| (i, "in_stock")).collect();
    model.insert(900, "elsewhere");
    let mut next = 1000u32;
    let mut disp: HashMap<usize, Disp> = HashMap::new();
    // Which prescription's dispense holds or dispensed a code.
    let mut owner: HashMap<u32, usize> = HashMap::new();
    let receipt_at = |packages: i64| {
        let raw: RawReceipt = serde_json::from_value(json!({"supplier_name": "华东医药",
            "location": "YF01", "lines": [line("D1", "B1", packages)]}))
        .unwrap();
        NewReceipt::parse(&raw).unwrap()
    };
    for op in ops {
        let mut known: Vec<u32> = model.keys().copied().collect();
        known.sort_unstable();
        match op {
            Op::Receive(n) => {
                let r = rc::create(db, &receipt_at(i64::from(n)), &k, now())
                    .await
                    .unwrap();
                for _ in 0..n {
                    rc::scan(db, r.id, &code(next), &k, now()).await.unwrap();
                    model.insert(next, "in_stock");
                    next += 1;
                }
                rc::confirm(db, r.id, &k, now()).await.unwrap();
            }
            Op::ReceiveAgain(i) => {
                let r = rc::create(db, &receipt_at(1), &k, now()).await.unwrap();
                let old = known[i % known.len()];
                assert!(rc::scan(db, r.id, &code(old), &k, now()).await.is_err());
                rc::scan(db, r.id, &code(next), &k, now()).await.unwrap();
                model.insert(next, "pending");
                next += 1;
            }
            Op::Scan(rx, i) => {
                let d = match disp.entry(rx) {
                    Entry::Occupied(o) => o.into_mut(),
                    Entry::Vacant(v) => {
                        let d = dp::open(db, &format!("RX{}", rx + 1), &k, now())
                            .await
                            .unwrap();
                        let room = d.lines.iter().map(|l| l.required).sum();
                        v.insert(Disp {
                            id: d.id,
                            open: true,
                            room,
                        })
                    }
                };
                let c = known[i % known.len()];
                let expect = d.open && d.room > 0 && model[&c] == "in_stock";
                let got = dp::scan(db, d.id, &code(c), &k, now()).await;
                assert_eq!(got.is_ok(), expect, "scan {c} on RX{}: {got:?}", rx + 1);
                if expect {
                    d.room -= 1;
                    model.insert(c, "dispensing");
                    owner.insert(c, rx);
                }
            }
            Op::Confirm(rx) => {
                let Some(d) = disp.get_mut(&rx) else { continue };
                if !d.open {
                    assert!(
                        dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
                            .await
                            .is_err()
                    );
                    continue;
                }
                let v = dp::get(&**db, d.id).await.unwrap().unwrap();
                for l in v.lines.iter().filter(|l| l.scanned < l.required) {
                    dp::mark_uncollected(db, d.id, l.rx_line_no, "标签破损", &k, now())
                        .await
                        .unwrap();
                }
                dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
                    .await
                    .unwrap();
                d.open = false;
                for (c, state) in model.iter_mut() {
                    if *state == "dispensing" && owner.get(c) == Some(&rx) {
                        *state = "dispensed";
                    }
                }
            }
            Op::Return(rx, i, quarantine) => {
                let Some(d) = disp.get(&rx) else { continue };
                let c = known[i % known.len()];
                let expect = !d.open && model[&c] == "dispensed" && owner.get(&c) == Some(&rx);
                let got = dp::return_code(db, d.id, &code(c), quarantine, &k, now()).await;
                assert_eq!(got.is_ok(), expect, "return {c} on RX{}: {got:?}", rx + 1);
                if expect {
                    owner.remove(&c);
                    model.insert(
                        c,
                        if quarantine {
                            "quarantined"
                        } else {
                            "in_stock"
                        },
                    );
                }
            }
        }
    }
    // Every code is in the state the model says.
    for (c, state) in &model {
        let row = code_e::Entity::find()
            .filter(code_e::Column::CodeKey.eq(code(*c)))
            .one(&**db)
            .await
            .unwrap()
            .unwrap();
        let want = if *state == "elsewhere" {
            "in_stock"
        } else {
            state
        };
        assert_eq!(row.state, want, "code {c}");
    }
    // Every line's 已扫 is the codes counted against it; 在库 per batch is its codes in stock.
    let codes = code_e::Entity::find().all(&**db).await.unwrap();
    for l in receipt_line::Entity::find().all(&**db).await.unwrap() {
        let n = codes.iter().filter(|c| c.receipt_line_id == l.id).count();
        assert_eq!(
            l.scanned,
            i64::try_from(n).unwrap(),
            "receipt line {}",
            l.id
        );
    }
    let returns = return_::Entity::find().all(&**db).await.unwrap();
    for l in dispense_line::Entity::find().all(&**db).await.unwrap() {
        let n = codes
            .iter()
            .filter(|c| c.dispense_line_id == Some(l.id))
            .count()
            + returns
                .iter()
                .filter(|r| r.dispense_line_id == l.id)
                .count();
        assert_eq!(
            l.scanned,
            i64::try_from(n).unwrap(),
            "dispense line {}",
            l.id
        );
    }
    let in_stock = codes.iter().filter(|c| c.state == "in_stock").count();
    let model_stock = model
        .values()
        .filter(|s| **s == "in_stock" || **s == "elsewhere")
        .count();
    assert_eq!(in_stock, model_stock);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn codes_stay_in_one_state_and_counts_add_up(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(ops));
    }
}
