//! Purchase warehouse-in: every refusal of a scan in the spec's order, confirmation, and the
//! races the database decides (one code received once, a line never over-scanned).

use serde_json::json;
use yiqiao_tracecode::TraceError;
use yiqiao_tracecode::domain::catalogue::{NewIdent, PolicySetting};
use yiqiao_tracecode::domain::receipt::{NewReceipt, RawReceipt};
use yiqiao_tracecode::store::catalogue as cat;
use yiqiao_tracecode::store::receipt::{self as rc, ReceiptView};

use crate::fixtures::{db_with_drugs, keeper, now};

pub async fn mapped() -> yiqiao_store::testing::TestDb {
    let t = db_with_drugs().await;
    let k = keeper();
    for (drug, code, level, units) in [
        ("D1", "8123456", "最小包装", "24"),
        ("D1", "8123499", "大包装", "960"),
        ("D2", "06901234567892", "最小包装", "20"),
        ("H1", "8555555", "最小包装", "1"),
    ] {
        cat::add_ident(
            &t.db,
            drug,
            &NewIdent::parse(code, level, units).unwrap(),
            &k,
            now(),
        )
        .await
        .unwrap();
    }
    let herbal = PolicySetting::parse("exempt_herbal", Some("中药饮片")).unwrap();
    cat::set_policy(&t.db, "H1", &herbal, &k, now())
        .await
        .unwrap();
    t
}

pub fn receipt(lines: serde_json::Value) -> NewReceipt {
    let raw: RawReceipt = serde_json::from_value(json!({
        "supplier_name": "华东医药股份有限公司", "supplier_licence": "浙AA5710001",
        "invoice_no": "33002611", "lines": lines
    }))
    .unwrap();
    NewReceipt::parse(&raw).unwrap()
}

pub fn line(drug: &str, batch: &str, packages: i64) -> serde_json::Value {
    json!({"drug_code": drug, "batch_no": batch, "manu_date": "2026-01-10",
        "expiry": "2028-01-09", "packages": packages, "price_fen": 1250})
}

fn message(r: Result<rc::ScanOk, TraceError>) -> String {
    match r {
        Ok(ok) => panic!("accepted: {ok:?}"),
        Err(TraceError::Receipt(e)) => e.to_string(),
        Err(TraceError::Code(e)) => e.to_string(),
        Err(e) => panic!("{e:?}"),
    }
}

fn counts(r: &ReceiptView) -> Vec<(i64, i64, i64)> {
    r.lines
        .iter()
        .map(|l| (l.required, l.scanned, l.in_stock))
        .collect()
}

#[tokio::test]
async fn every_scan_refusal_in_the_specs_order_then_confirmation() {
    let t = mapped().await;
    let db = &t.db;
    let k = keeper();
    let r = rc::create(
        db,
        &receipt(json!([line("D1", "B1", 2), line("H1", "H-01", 5)])),
        &k,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(r.state, "draft");
    assert_eq!(counts(&r), [(2, 0, 0), (0, 0, 0)]);
    let scan = |s: &'static str| rc::scan(db, r.id, s, &k, now());

    assert_eq!(message(scan("8123").await), "4 位，应为 20 位");
    assert_eq!(
        message(scan("89999990000000000001").await),
        "未对照：此码（8999999）在药品目录中没有对照的药品，请药库先维护标识码"
    );
    assert_eq!(
        message(scan("(01)06901234567892(21)X1").await),
        "此码属于 布洛芬缓释胶囊（D2），不在本入库单"
    );
    assert_eq!(
        message(scan("85555550000000000001").await),
        "黄芪（H1） 为免扫药品，无需扫码"
    );
    assert_eq!(
        message(scan("81234990000000000001").await),
        "这是大包装码（含 960 个最小单位），请逐个扫描最小包装上的追溯码"
    );
    let ok = scan("81234560000000000001\r\n").await.unwrap();
    assert_eq!((ok.line_no, ok.required, ok.scanned), (1, 2, 1));
    assert_eq!(ok.drug_name, "阿莫西林胶囊");
    assert_eq!(
        message(scan("81234560000000000001").await),
        "此码已扫过：入库单 #1 第 1 行（已扫待确认）"
    );
    scan("81234560000000000002").await.unwrap();
    assert_eq!(
        message(scan("81234560000000000003").await),
        "第 1 行已扫满（应扫 2 / 已扫 2）"
    );
    // A code seen before is refused as such even when its line is full (the earlier check).
    assert_eq!(
        message(scan("81234560000000000002").await),
        "此码已扫过：入库单 #1 第 1 行（已扫待确认）"
    );
    let before = rc::get(&**db, r.id).await.unwrap().unwrap();
    assert_eq!(counts(&before), [(2, 2, 0), (0, 0, 0)]);

    let done = rc::confirm(db, r.id, &k, now()).await.unwrap();
    assert_eq!(done.state, "confirmed");
    assert_eq!(done.confirmed_by.as_deref(), Some("yaoku01"));
    assert_eq!(counts(&done), [(2, 2, 2), (0, 0, 0)]);
    assert_eq!(
        message(scan("81234560000000000004").await),
        "入库单已确认，不能再扫码或修改"
    );

    // The same package on a later receipt: refused, showing where it is.
    let r2 = rc::create(db, &receipt(json!([line("D1", "B2", 3)])), &k, now())
        .await
        .unwrap();
    assert_eq!(
        message(rc::scan(db, r2.id, "81234560000000000001", &k, now()).await),
        "此码已扫过：入库单 #1 第 1 行（在库）"
    );
    rc::scan(db, r2.id, "81234560000000000009", &k, now())
        .await
        .unwrap();
    let e = rc::confirm(db, r2.id, &k, now()).await.unwrap_err();
    assert_eq!(e.to_string(), "还有未扫满的行：第 1 行 应扫 3 / 已扫 1");
    rc::unscan(db, r2.id, "81234560000000000009", &k, now())
        .await
        .unwrap();
    let r2v = rc::get(&**db, r2.id).await.unwrap().unwrap();
    assert_eq!(counts(&r2v), [(3, 0, 0)]);
    let e = rc::unscan(db, r2.id, "81234560000000000009", &k, now())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "追溯码 81234560000000000009 不在本入库单的已扫码中"
    );
    assert!(
        yiqiao_store::audit::verify(&**db)
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn a_gs1_code_counts_against_the_line_of_its_own_batch() {
    let t = mapped().await;
    let db = &t.db;
    let k = keeper();
    let r = rc::create(
        db,
        &receipt(json!([line("D2", "B1", 1), line("D2", "B2", 1)])),
        &k,
        now(),
    )
    .await
    .unwrap();
    let ok = rc::scan(
        db,
        r.id,
        "]d201069012345678921728013110B 2\u{1d}21S1",
        &k,
        now(),
    )
    .await;
    // A space is no GS1 character: refused by the parser, naming the field.
    assert_eq!(message(ok), "GS1 码的 (10) 批号含不允许的字符「 」");
    let ok = rc::scan(
        db,
        r.id,
        "]d201069012345678921728013110B2\u{1d}21S1",
        &k,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(ok.line_no, 2);
}

#[tokio::test]
async fn two_windows_receiving_one_package_exactly_one_wins() {
    let t = mapped().await;
    let k = keeper();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let r = rc::create(&t.db, &receipt(json!([line("D1", "B1", 5)])), &k, now())
            .await
            .unwrap();
        ids.push(r.id);
    }
    let mut tasks = Vec::new();
    for id in ids.iter().copied().cycle().take(12) {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            rc::scan(&db, id, "81234560000000000777", &keeper(), now()).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(e.to_string().starts_with("此码已扫过"), "{e}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn many_scanners_on_one_line_never_over_scan_it() {
    let t = mapped().await;
    let r = rc::create(
        &t.db,
        &receipt(json!([line("D1", "B1", 3)])),
        &keeper(),
        now(),
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let db = t.db.clone();
        let id = r.id;
        tasks.push(tokio::spawn(async move {
            rc::scan(
                &db,
                id,
                &format!("8123456000000000{i:04}"),
                &keeper(),
                now(),
            )
            .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.to_string(), "第 1 行已扫满（应扫 3 / 已扫 3）"),
        }
    }
    assert_eq!(ok, 3);
    let v = rc::get(&*t.db, r.id).await.unwrap().unwrap();
    assert_eq!(counts(&v), [(3, 3, 0)]);
    let v = rc::confirm(&t.db, r.id, &keeper(), now()).await.unwrap();
    assert_eq!(counts(&v), [(3, 3, 3)]);
}

fn c(n: u32) -> String {
    format!("8123456{n:013}")
}

fn case(n: u32) -> String {
    format!("8123499{n:013}")
}

#[tokio::test]
async fn a_case_with_an_imported_relation_receives_its_children_all_or_none() {
    let t = mapped().await;
    let db = &t.db;
    let k = keeper();
    let file = format!(
        "箱码,盒码\n{},{}\n{},{}\n{},{}\n{},{}\n{},{}\n",
        case(1),
        c(1),
        case(1),
        c(2),
        case(1),
        c(3),
        case(2),
        c(4),
        case(2),
        c(1)
    );
    // Code 1 under two cases: the file is refused whole, naming the row.
    let e = yiqiao_tracecode::api::read_relations(file.as_bytes()).unwrap_err();
    let TraceError::Import(errors) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        errors[0].to_string(),
        format!("字段 第 6 行：子码 {} 与第 2 行重复", c(1))
    );
    let file = format!(
        "父码,子码\n{},{}\n{},{}\n{},{}\n",
        case(1),
        c(1),
        case(1),
        c(2),
        case(1),
        c(3)
    );
    let rows = yiqiao_tracecode::api::read_relations(file.as_bytes()).unwrap();
    let s = yiqiao_tracecode::store::relation::import(db, &rows, &k, now())
        .await
        .unwrap();
    assert_eq!((s.rows, s.parents, s.added, s.unchanged), (3, 1, 3, 0));
    let s = yiqiao_tracecode::store::relation::import(db, &rows, &k, now())
        .await
        .unwrap();
    assert_eq!((s.added, s.unchanged), (0, 3));
    // Code 3 under another case in a later file: refused.
    let other = format!("父码,子码\n{},{}\n{},{}\n", case(2), c(4), case(2), c(3));
    let rows2 = yiqiao_tracecode::api::read_relations(other.as_bytes()).unwrap();
    let TraceError::Import(errors) =
        yiqiao_tracecode::store::relation::import(db, &rows2, &k, now())
            .await
            .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(
        errors[0].to_string(),
        format!("字段 第 3 行：子码 {} 已属于父码 {}", c(3), case(1))
    );

    let r = rc::create(db, &receipt(json!([line("D1", "B1", 4)])), &k, now())
        .await
        .unwrap();
    // A case without a relation still asks for its boxes.
    assert_eq!(
        message(rc::scan(db, r.id, &case(9), &k, now()).await),
        "这是大包装码（含 960 个最小单位），请逐个扫描最小包装上的追溯码"
    );
    let ok = rc::scan(db, r.id, &case(1), &k, now()).await.unwrap();
    assert_eq!((ok.case_children, ok.scanned, ok.required), (Some(3), 3, 4));
    // The same case again: its first box is already here; nothing more is received.
    assert_eq!(
        message(rc::scan(db, r.id, &case(1), &k, now()).await),
        format!(
            "箱内子码 {}：此码已扫过：入库单 #{} 第 1 行（已扫待确认）（整箱未入库）",
            c(1),
            r.id
        )
    );
    let v = rc::get(&**db, r.id).await.unwrap().unwrap();
    assert_eq!(counts(&v), [(4, 3, 0)]);
    rc::scan(db, r.id, &c(5), &k, now()).await.unwrap();
    let v = rc::confirm(db, r.id, &k, now()).await.unwrap();
    assert_eq!(counts(&v), [(4, 4, 4)]);
}
